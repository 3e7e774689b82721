// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand core: mm registration, the scanner thread and its round-robin
 * cursor, the tunables and initialisation.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/freezer.h>
#include <linux/hashtable.h>
#include <linux/init.h>
#include <linux/kthread.h>
#include <linux/memory-tiers.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <linux/wait.h>

#include "../internal.h"
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
 * struct kmmscand_mm_slot in a hash and a list, an MMF_VM_KMMSCAND bit and
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
 * - mmap_lock -> kmmscand_mm_lock: fork and execve register the new mm
 *   under the parent's (old) mmap_lock. kmmscand_mm_lock (spinlock)
 *   protects the slot hash, the slot list and the cursor, and is never
 *   held across a sleep. The scanner never holds it together with
 *   mmap_lock: it drops it while it walks the cursor's mm. The cursor
 *   keeps that slot alive, because __kmmscand_exit() does not free the
 *   cursor's slot and leaves it to the scanner.
 * - task_lock of the mm owner is taken under RCU, outside mmap_lock.
 * - kmmscand_sysfs_mutex serialises the sysfs stores; nothing nests
 *   inside it but the scanner's wait queue lock (wake-up).
 *
 * Each mm has a level, set with prctl(PR_SET_MEMSCAN) and kept in
 * mm->flags: 0 opts the mm out (the scanner counts the pass it does not
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

/* Without lower-tier memory, re-check the tiers this often. */
#define KMMSCAND_IDLE_RECHECK	(10 * HZ)

#define KMMSCAND_SLOT_HASH_BITS	10

/* Protects kmmscand_slots_hash, the slot list and the cursor. */
static DEFINE_SPINLOCK(kmmscand_mm_lock);

/* mm -> struct kmmscand_mm_slot */
static DEFINE_READ_MOSTLY_HASHTABLE(kmmscand_slots_hash,
				    KMMSCAND_SLOT_HASH_BITS);

/* Slab of struct kmmscand_mm_slot; NULL until init succeeded. */
static struct kmem_cache *kmmscand_slot_cache __ro_after_init;

/* The scanner sleeps here. */
static DECLARE_WAIT_QUEUE_HEAD(kmmscand_wait);

/* The scanner thread, NULL when not running. */
static struct task_struct *kmmscand_thread __read_mostly;

/*
 * Bumped by kmmscand_scan_retune(): a sleeping scanner wakes up when it
 * changes. Written under kmmscand_sysfs_mutex, read locklessly.
 */
static unsigned int kmmscand_tune_seq;

/**
 * struct kmmscand_scan - the one scan cursor
 * @mm_head: list of all registered mms
 * @mm_slot: the slot being scanned, NULL between two rounds
 * @node_young: young top-tier anon pages per node in @mm_slot's pass
 *
 * There is exactly one cursor: @mm_slot is only set and cleared under
 * kmmscand_mm_lock, @node_young belongs to the scanner thread.
 */
struct kmmscand_scan {
	struct list_head mm_head;
	struct kmmscand_mm_slot *mm_slot;
	unsigned long node_young[MAX_NUMNODES];
};

static struct kmmscand_scan kmmscand_scan = {
	.mm_head = LIST_HEAD_INIT(kmmscand_scan.mm_head),
};

/**
 * kmmscand_toptier_nodes - the top-tier memory nodes
 * @mask: out: N_MEMORY nodes in the top tier
 */
void kmmscand_toptier_nodes(nodemask_t *mask)
{
	int nid;

	nodes_clear(*mask);
	for_each_node_state(nid, N_MEMORY)
		if (node_is_toptier(nid))
			node_set(nid, *mask);
}

/**
 * kmmscand_has_lowertier - is there memory to promote from?
 * @lower: out: lower-tier memory nodes, or NULL
 *
 * Return: true if at least one memory node is not in the top tier.
 */
bool kmmscand_has_lowertier(nodemask_t *lower)
{
	bool found = false;
	int nid;

	if (lower)
		nodes_clear(*lower);
	for_each_node_state(nid, N_MEMORY) {
		if (node_is_toptier(nid))
			continue;
		found = true;
		if (lower)
			node_set(nid, *lower);
	}
	return found;
}

/**
 * kmmscand_node_has_headroom - can a node take a batch of promotions?
 * @nid: a top-tier node
 * @arg: unused
 *
 * Return: true if the node stays above its high watermarks after one
 * migration batch.
 */
bool kmmscand_node_has_headroom(int nid, void *arg)
{
	return migrate_balanced_pgdat(NODE_DATA(nid), KMMSCAND_MIGRATE_BATCH);
}

/**
 * kmmscand_scan_wake - make the scanner re-evaluate its state now
 */
void kmmscand_scan_wake(void)
{
	wake_up_interruptible(&kmmscand_wait);
}

/**
 * kmmscand_scan_retune - apply changed scanner timing knobs now
 *
 * Cuts the scanner's current sleep short, so that a long old
 * scan_sleep_ms is not waited out. The scan times of the mms are brought
 * within the new bounds at their next visit (kmmscand_clamp_next_scan()).
 * Called under kmmscand_sysfs_mutex.
 */
void kmmscand_scan_retune(void)
{
	WRITE_ONCE(kmmscand_tune_seq, READ_ONCE(kmmscand_tune_seq) + 1);
	kmmscand_scan_wake();
}

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

/**
 * kmmscand_prctl_set - prctl(PR_SET_MEMSCAN): set the level of an mm
 * @mm: the calling process's mm
 * @level: the new level, 0..KMMSCAND_LEVEL_MAX
 * @arg3: must be 0
 * @arg4: must be 0
 * @arg5: must be 0
 *
 * mmap_lock is not needed: the level is one field of mm->flags, updated
 * atomically with respect to the other bits, and readers take it as a
 * hint. The scanner sees the new level at its next visit of the mm.
 *
 * Return: 0, or -EINVAL (nothing changed) for an out-of-range level, a
 * non-zero unused argument or a task without an mm.
 */
int kmmscand_prctl_set(struct mm_struct *mm, unsigned long level,
		       unsigned long arg3, unsigned long arg4,
		       unsigned long arg5)
{
	unsigned long old, new;

	if (arg3 || arg4 || arg5 || level > KMMSCAND_LEVEL_MAX || !mm)
		return -EINVAL;

	old = READ_ONCE(mm->flags);
	do {
		new = (old & ~MMF_KMMSCAND_LEVEL_MASK) |
		      ((level ^ KMMSCAND_LEVEL_DEF) << MMF_KMMSCAND_LEVEL);
	} while (!try_cmpxchg(&mm->flags, &old, new));
	return 0;
}

/**
 * kmmscand_prctl_get - prctl(PR_GET_MEMSCAN): the level of an mm
 * @mm: the calling process's mm
 * @arg2: must be 0
 * @arg3: must be 0
 * @arg4: must be 0
 * @arg5: must be 0
 *
 * Return: the level, or -EINVAL for a non-zero unused argument or a task
 * without an mm.
 */
int kmmscand_prctl_get(struct mm_struct *mm, unsigned long arg2,
		       unsigned long arg3, unsigned long arg4,
		       unsigned long arg5)
{
	if (arg2 || arg3 || arg4 || arg5 || !mm)
		return -EINVAL;
	return kmmscand_mm_level(mm);
}

/**
 * kmmscand_proc_status - the Memscan: line of /proc/<pid>/status
 * @m: the status file
 * @mm: the task's mm
 */
void kmmscand_proc_status(struct seq_file *m, struct mm_struct *mm)
{
	seq_printf(m, "Memscan:\t%u\n", kmmscand_mm_level(mm));
}

/**
 * __kmmscand_enter - register an mm for scanning
 * @mm: a new user mm (fork or execve)
 *
 * Allocation failure only means that the mm is not scanned.
 */
void __kmmscand_enter(struct mm_struct *mm)
{
	struct kmmscand_mm_slot *mslot;
	struct mm_slot *slot;
	bool wakeup;
	pid_t pid;

	if (!kmmscand_slot_cache)
		return;
	if (test_and_set_bit(MMF_VM_KMMSCAND, &mm->flags))
		return;

	mslot = mm_slot_alloc(kmmscand_slot_cache);
	if (!mslot) {
		clear_bit(MMF_VM_KMMSCAND, &mm->flags);
		return;
	}
	mslot->next_scan = jiffies +
		msecs_to_jiffies(READ_ONCE(kmmscand_tun.initial_scan_delay_ms));
	mslot->scan_period_ms = KMMSCAND_SCAN_PERIOD_MS_DEF;
	mslot->scan_size_mb = READ_ONCE(kmmscand_tun.scan_size_mb);
	mslot->target_nid = NUMA_NO_NODE;
	mslot->target_rule = KMMSCAND_TARGET_NONE;
	mslot->initial = true;
	/* No sweep yet: the first one's window reaches back to its start. */
	mslot->sweep_start = mslot->next_scan;
	/*
	 * At fork the child's pid is not allocated yet, while its task,
	 * the mm's owner, still carries the parent's: report none.
	 */
	if (mm == current->mm)
		mslot->pid = kmmscand_mm_pid(mm);
	pid = mslot->pid;
	slot = &mslot->slot;
	/* The slot's reference, dropped when the slot is freed. */
	mmgrab(mm);

	spin_lock(&kmmscand_mm_lock);
	mm_slot_insert(kmmscand_slots_hash, mm, slot);
	wakeup = list_empty(&kmmscand_scan.mm_head);
	list_add_tail(&mslot->slot.mm_node, &kmmscand_scan.mm_head);
	spin_unlock(&kmmscand_mm_lock);

	trace_kmmscand_mm_register(pid);
	if (wakeup)
		kmmscand_scan_wake();
}

/* Trace an mm leaving: its owner is usually gone, use the last one seen. */
static void kmmscand_trace_unregister(struct kmmscand_mm_slot *mslot)
{
	pid_t pid;

	if (!trace_kmmscand_mm_unregister_enabled())
		return;
	pid = kmmscand_mm_pid(mslot->slot.mm);
	trace_kmmscand_mm_unregister(pid ?: mslot->pid);
}

/**
 * __kmmscand_exit - unregister an mm whose last user is gone
 * @mm: the mm, from __mmput() before exit_mmap()
 */
void __kmmscand_exit(struct mm_struct *mm)
{
	struct kmmscand_mm_slot *mslot = NULL;
	struct mm_slot *slot;
	bool free = false;

	spin_lock(&kmmscand_mm_lock);
	slot = mm_slot_lookup(kmmscand_slots_hash, mm);
	if (slot) {
		mslot = mm_slot_entry(slot, struct kmmscand_mm_slot, slot);
		if (kmmscand_scan.mm_slot != mslot) {
			hash_del(&slot->hash);
			list_del(&slot->mm_node);
			free = true;
		}
	}
	spin_unlock(&kmmscand_mm_lock);

	if (free) {
		kmmscand_trace_unregister(mslot);
		clear_bit(MMF_VM_KMMSCAND, &mm->flags);
		mm_slot_free(kmmscand_slot_cache, mslot);
		mmdrop(mm);
	} else if (mslot) {
		/*
		 * The scanner owns the slot and frees it once it sees
		 * mm_users == 0, which it checks after every mmap_lock
		 * acquisition. Taking the lock for write here waits for a
		 * walk in progress, so no walk runs once exit_mmap() starts
		 * freeing the page tables.
		 */
		mmap_write_lock(mm);
		mmap_write_unlock(mm);
	}
}

/* Free a slot whose mm has no users left. */
static void kmmscand_collect_mm_slot(struct kmmscand_mm_slot *mslot)
{
	struct mm_struct *mm = mslot->slot.mm;

	lockdep_assert_held(&kmmscand_mm_lock);

	if (!kmmscand_test_exit(mm))
		return;
	kmmscand_trace_unregister(mslot);
	hash_del(&mslot->slot.hash);
	list_del(&mslot->slot.mm_node);
	clear_bit(MMF_VM_KMMSCAND, &mm->flags);
	mm_slot_free(kmmscand_slot_cache, mslot);
	mmdrop(mm);
}

/* Move the cursor past @mslot, collecting it if its mm is gone. */
static void kmmscand_advance_cursor(struct kmmscand_mm_slot *mslot)
{
	lockdep_assert_held(&kmmscand_mm_lock);

	if (list_is_last(&mslot->slot.mm_node, &kmmscand_scan.mm_head))
		kmmscand_scan.mm_slot = NULL;
	else
		kmmscand_scan.mm_slot = list_next_entry(mslot, slot.mm_node);
	memset(kmmscand_scan.node_young, 0,
	       nr_node_ids * sizeof(kmmscand_scan.node_young[0]));
	kmmscand_collect_mm_slot(mslot);
}

/*
 * Bring back a next_scan computed with a longer initial delay, period
 * bound or lower level than now apply. Called by the scanner for the
 * cursor's slot; without a change it never moves next_scan, since every
 * next_scan is set within these bounds.
 */
static void kmmscand_clamp_next_scan(struct kmmscand_mm_slot *mslot)
{
	unsigned long bound;
	unsigned int ms;

	if (mslot->initial) {
		ms = READ_ONCE(kmmscand_tun.initial_scan_delay_ms);
	} else {
		ms = READ_ONCE(kmmscand_tun.scan_period_max_ms);
		ms = kmmscand_level_period(ms,
					   kmmscand_mm_level(mslot->slot.mm));
	}
	bound = jiffies + msecs_to_jiffies(ms);
	if (time_after(mslot->next_scan, bound))
		mslot->next_scan = bound;
}

/*
 * Visit the cursor's mm. Called with kmmscand_mm_lock held and a cursor
 * set; returns with the lock released.
 */
static unsigned int kmmscand_scan_cursor(unsigned int budget)
	__releases(&kmmscand_mm_lock)
{
	struct kmmscand_mm_slot *mslot = kmmscand_scan.mm_slot;
	enum kmmscand_scan_result result;
	unsigned int progress;

	lockdep_assert_held(&kmmscand_mm_lock);

	kmmscand_clamp_next_scan(mslot);
	if (kmmscand_test_exit(mslot->slot.mm) || !kmmscand_mm_due(mslot)) {
		/* An exiting mm is collected: the visit is given up. */
		if (kmmscand_test_exit(mslot->slot.mm))
			count_vm_event(KMMSCAND_MM_SKIPPED);
		kmmscand_advance_cursor(mslot);
		spin_unlock(&kmmscand_mm_lock);
		return 1;
	}
	spin_unlock(&kmmscand_mm_lock);

	result = kmmscand_scan_mm(mslot, budget, kmmscand_scan.node_young,
				  &progress);

	spin_lock(&kmmscand_mm_lock);
	/* Only the scanner moves the cursor: it still points at mslot. */
	if (result != KMMSCAND_SCAN_BUDGET)
		kmmscand_advance_cursor(mslot);
	spin_unlock(&kmmscand_mm_lock);
	return progress;
}

/* One wake's work: bounded by the PTE budget, mms_to_scan and two rounds. */
static void kmmscand_do_scan(void)
{
	unsigned int mms = READ_ONCE(kmmscand_tun.mms_to_scan);
	unsigned int progress = 0, visited = 0, rounds = 0;

	while (progress < KMMSCAND_WAKE_BUDGET && visited < mms) {
		cond_resched();
		if (unlikely(kthread_should_stop() || freezing(current)))
			break;

		spin_lock(&kmmscand_mm_lock);
		if (!kmmscand_scan.mm_slot) {
			/* Idle mms must not make one wake spin. */
			if (++rounds > 2 ||
			    list_empty(&kmmscand_scan.mm_head)) {
				spin_unlock(&kmmscand_mm_lock);
				break;
			}
			kmmscand_scan.mm_slot =
				list_first_entry(&kmmscand_scan.mm_head,
						 struct kmmscand_mm_slot,
						 slot.mm_node);
		}
		progress += kmmscand_scan_cursor(KMMSCAND_WAKE_BUDGET -
						 progress);
		visited++;
	}
	trace_kmmscand_wake(progress, visited);
}

static bool kmmscand_should_run(void)
{
	return READ_ONCE(kmmscand_tun.scan_enabled) &&
	       kmmscand_peer_in_charge() == KMMSCAND_PEER_NONE &&
	       !list_empty(&kmmscand_scan.mm_head) &&
	       kmmscand_has_lowertier(NULL);
}

static int kmmscand(void *none)
{
	unsigned int seq;

	set_freezable();
	set_user_nice(current, MAX_NICE);

	while (!kthread_should_stop()) {
		if (!kmmscand_should_run()) {
			/*
			 * Memory tiers have no change notification, nor do
			 * the other promoters: poll for a lower tier
			 * appearing, and every second for a peer stopping.
			 */
			wait_event_freezable_timeout(kmmscand_wait,
						     kthread_should_stop() ||
						     kmmscand_should_run(),
						     kmmscand_peer_in_charge() ?
						     HZ : KMMSCAND_IDLE_RECHECK);
			continue;
		}
		kmmscand_hotness_sync_tiers();
		kmmscand_do_scan();
		/* A retune ends the sleep early: see kmmscand_scan_retune() */
		seq = READ_ONCE(kmmscand_tune_seq);
		wait_event_freezable_timeout(kmmscand_wait,
					     kthread_should_stop() ||
					     READ_ONCE(kmmscand_tune_seq) != seq,
			msecs_to_jiffies(READ_ONCE(kmmscand_tun.scan_sleep_ms)));
	}

	spin_lock(&kmmscand_mm_lock);
	if (kmmscand_scan.mm_slot) {
		kmmscand_collect_mm_slot(kmmscand_scan.mm_slot);
		kmmscand_scan.mm_slot = NULL;
	}
	spin_unlock(&kmmscand_mm_lock);
	return 0;
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
	kmmscand_slot_cache = KMEM_CACHE(kmmscand_mm_slot, 0);
	if (!kmmscand_slot_cache) {
		err = -ENOMEM;
		goto err_migrate;
	}

	kmmscand_thread = kthread_run(kmmscand, NULL, "kmmscand");
	if (IS_ERR(kmmscand_thread)) {
		err = PTR_ERR(kmmscand_thread);
		kmmscand_thread = NULL;
		goto err_cache;
	}
	return 0;

err_cache:
	kmem_cache_destroy(kmmscand_slot_cache);
	kmmscand_slot_cache = NULL;
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
