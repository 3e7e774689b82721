// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand core: the overview, the tunables and initialisation.
 *
 * The files of mm/kmmscand/, callers first:
 *
 * - scan.c: mm registration, the scanner thread, its cursor and the
 *   page-table walk;
 * - migrate.c: kmmmigrated; owner.c: the owners' rules of a folio now;
 * - hotness.c: the per-pfn store every source reports to;
 * - prctl.c: PR_SET_MEMSCAN, PR_GET_MEMSCAN and /proc/<pid>/status;
 * - sysfs.c: the knobs; peer.c: the other promoters;
 * - policy.c: pure rules (periods, sizes, targets, levels, rate limit);
 * - tier.c: which nodes are top tier, which have room, the forced
 *   target: leaves that call nothing of kmmscand.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/init.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/kmmscand.h>

/**
 * DOC: Overview
 *
 * kmmscand finds hot pages on lower memory tiers and promotes them to a
 * top-tier node, out of the context of the tasks using them.
 *
 * Every user mm is registered when it is created (fork, execve) and
 * dropped when its last user goes (__mmput), khugepaged-style: a
 * struct kmmscand_mm_slot on a list, pointed to by mm->kmmscand_slot, and
 * an mmgrab() reference. The scanner thread "kmmscand" visits the mms
 * round-robin through a single cursor (struct kmmscand_scan). A visit
 * continues the mm's current pass: it walks the page tables under
 * mmap_read_trylock() in bounded batches, test-and-clears the Accessed
 * bits of present PTEs and huge PMDs (including secondary MMUs), reports
 * slow-tier accesses to the hotness store (hotness.c) and counts young
 * top-tier anon pages per node to choose the mm's promotion target. A
 * batch that found young slow-tier pages is re-checked twice, recheck_ms
 * apart: pages young again that soon climb frequency levels, pages found
 * old lose the levels only quick re-accesses earn. A pass ends after
 * scan_size of address space or at the end of the mm; its result adapts
 * the mm's scan period and size (policy.c). Between two passes a few
 * sampled pages are probed once a second, so that an mm turning hot
 * after a quiet phase does not wait out its backed-off period.
 *
 * The hotness store turns reports into per-page frequency levels and
 * marks a page ready once it was seen often enough within a window. The
 * migration thread "kmmmigrated" (migrate.c) harvests ready pages level
 * by level, the highest first and none below a promotion level that
 * adapts to what the rate limit and the top tier's room can take,
 * re-checks them, and promotes them in batches through the misplaced-folio
 * migration path.
 *
 * Locking, outermost first:
 *
 * - mmap_lock (read, trylock only) -> page table lock -> RCU (hotness
 *   store) -> the kmmmigrated wait queue lock (wake-up).
 * - mem_hotplug_lock -> kmmscand_hotness_mutex.
 * - mmap_lock -> the lock of an mm list: fork and execve register the
 *   new mm under the parent's (old) mmap_lock. The mms are spread over 64
 *   lists by a hash of the mm, each with a spinlock that protects the
 *   list, mm->kmmscand_slot of its mms and the cursor while it points
 *   into it, and is never held across a sleep; no two are held together,
 *   so fork and exit take no global lock. The scanner never holds one
 *   together with mmap_lock: it drops it while it walks the cursor's mm.
 *   The cursor keeps that slot alive, because __kmmscand_exit() does not
 *   free the cursor's slot and leaves it to the scanner.
 * - task_lock of the mm owner is taken under RCU, outside mmap_lock.
 * - kmmscand_sysfs_mutex serialises the sysfs stores; nothing nests
 *   inside it but the scanner's wait queue lock (wake-up).
 *
 * Each mm has a level, set with prctl(PR_SET_MEMSCAN) and kept in
 * mm->kmmscand_level: 0 opts the mm out (the scanner counts the pass it does not
 * make in kmmscand_mm_optout and moves on), 1..10 scale its scan period
 * (see kmmscand_level_period()).
 */

struct kmmscand_tunables kmmscand_tun __read_mostly = {
	.scan_enabled = IS_ENABLED(CONFIG_KMMSCAND_DEFAULT_ON),
	.migrate_enabled = true,
	.scan_sleep_ms = KMMSCAND_SCAN_SLEEP_MS_DEF,
	.mms_to_scan = KMMSCAND_MMS_TO_SCAN_DEF,
	.scan_size_mb = KMMSCAND_SCAN_SIZE_MB_DEF,
	.scan_period_min_ms = KMMSCAND_SCAN_PERIOD_MIN_MS_DEF,
	.scan_period_max_ms = KMMSCAND_SCAN_PERIOD_MAX_MS_DEF,
	.initial_scan_delay_ms = KMMSCAND_INITIAL_SCAN_DELAY_MS_DEF,
	.hot_threshold = KMMSCAND_HOT_THRESHOLD_DEF,
	.hot_window_ms = KMMSCAND_HOT_WINDOW_MS_DEF,
	.promote_rate_limit_mbps = KMMSCAND_PROMOTE_RATE_LIMIT_MBPS_DEF,
	.recheck_ms = KMMSCAND_RECHECK_MS_DEF,
	.target_node = NUMA_NO_NODE,
};

/**
 * kmmscand_mm_pid - the process an mm belongs to, for tracepoints
 * @mm: a registered mm
 *
 * Return: the tgid of @mm's owner, or 0 if it has none (or the kernel
 * keeps no owner, without CONFIG_MEMCG).
 */
pid_t kmmscand_mm_pid(struct mm_struct *mm)
{
	pid_t pid = 0;
#ifdef CONFIG_MEMCG
	struct task_struct *owner;

	rcu_read_lock();
	owner = rcu_dereference(mm->owner);
	if (owner)
		pid = task_tgid_nr(owner);
	rcu_read_unlock();
#endif
	return pid;
}

static int __init kmmscand_init(void)
{
	int err;

	/*
	 * Without Accessed bits set by the hardware the scanner would take
	 * a fault per access it clears: its source is unavailable and off.
	 * The store and kmmmigrated still serve other sources.
	 */
	if (!kmmscand_scan_available()) {
		pr_info("no hardware Accessed bit: the scan source is unavailable\n");
		kmmscand_tun.scan_enabled = false;
	}

	BUILD_BUG_ON(KMMSCAND_RECORD_SKIP_POLICY - KMMSCAND_RECORD_SCAN !=
		     KMMSCAND_NR_SOURCES);

	err = kmmscand_hotness_init();
	if (err)
		return err;

	err = kmmscand_sysfs_init();
	if (err)
		goto err_hotness;

	err = kmmscand_migrate_start();
	if (err)
		goto err_sysfs;

	/* From here on, new mms register: the scanner must be able to run. */
	err = kmmscand_scan_init();
	if (err)
		goto err_migrate;
	return 0;

err_migrate:
	kmmscand_migrate_stop();
err_sysfs:
	kmmscand_sysfs_exit();
err_hotness:
	kmmscand_hotness_exit();
	pr_err("initialisation failed: %d\n", err);
	return err;
}

/*
 * Memory tiers are assigned by a late_initcall (memory_tier_late_init);
 * the _sync level runs after all of them. No user mm exists yet.
 */
late_initcall_sync(kmmscand_init);
