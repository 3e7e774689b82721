/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel interface of kmmscand: mm registration hooks and the single
 * entry point through which every access source reports slow-tier accesses.
 */
#ifndef _LINUX_KMMSCAND_H
#define _LINUX_KMMSCAND_H

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/mm_types.h>

struct seq_file;
struct zone;

/**
 * enum kmmscand_peer - the promoters kmmscand yields to
 * @KMMSCAND_PEER_NONE: none is on: kmmscand is in charge if enabled
 * @KMMSCAND_PEER_NUMAB: NUMA balancing (kernel.numa_balancing, any mode)
 * @KMMSCAND_PEER_DAMON: a DAMON scheme with action migrate_hot
 */
enum kmmscand_peer {
	KMMSCAND_PEER_NONE,
	KMMSCAND_PEER_NUMAB,
	KMMSCAND_PEER_DAMON,
};

/**
 * enum kmmscand_source - where an access report comes from
 * @KMMSCAND_SRC_SCAN: the kmmscand page-table scanner (Accessed bits)
 * @KMMSCAND_NR_SOURCES: number of sources
 *
 * Each source has a kmmscand_record_<source> vmstat counter, in the same
 * order, and a directory in /sys/kernel/mm/kmmscand/sources/.
 */
enum kmmscand_source {
	KMMSCAND_SRC_SCAN,
	KMMSCAND_NR_SOURCES
};

/**
 * enum kmmscand_migrate_result - what kmmmigrated decided for one folio
 * @KMMSCAND_MIGRATE_QUEUED: isolated and added to a migration batch
 * @KMMSCAND_MIGRATE_SKIP_COLD: its last access fell out of the window
 * @KMMSCAND_MIGRATE_SKIP_HEADROOM: the target node lacks free memory
 * @KMMSCAND_MIGRATE_SKIP_RATELIMIT: the promotion rate limit was reached
 * @KMMSCAND_MIGRATE_FAIL_ISOLATE: it could not be taken off the LRU, or
 *	a lock needed to re-check its owners was contended
 * @KMMSCAND_MIGRATE_SKIP_OPTOUT: an mm mapping it has memscan level 0
 * @KMMSCAND_MIGRATE_SKIP_MEMPOLICY: a mapping's memory policy keeps it
 *	where it is
 * @KMMSCAND_MIGRATE_SKIP_CPUSET: no top-tier node is in a mapping mm's
 *	cpuset
 * @KMMSCAND_MIGRATE_FAIL_PINNED: it has references beyond its mappings
 *	(pinned, spliced into a pipe, or in transit), so it cannot move
 * @KMMSCAND_MIGRATE_FAIL_SHARED: a file folio mapped by several processes,
 *	left alone as a possible shared library (-EACCES from migration)
 * @KMMSCAND_MIGRATE_FAIL_DIRTY: a dirty file folio, which asynchronous
 *	migration does not move
 * @KMMSCAND_MIGRATE_FAIL_WRITEBACK: it is under writeback
 * @KMMSCAND_MIGRATE_SKIP_BACKOFF: it could not move at a recent try and
 *	waits out its back-off
 *
 * Reported by the kmmscand_migrate tracepoint.
 */
enum kmmscand_migrate_result {
	KMMSCAND_MIGRATE_QUEUED,
	KMMSCAND_MIGRATE_SKIP_COLD,
	KMMSCAND_MIGRATE_SKIP_HEADROOM,
	KMMSCAND_MIGRATE_SKIP_RATELIMIT,
	KMMSCAND_MIGRATE_FAIL_ISOLATE,
	KMMSCAND_MIGRATE_SKIP_OPTOUT,
	KMMSCAND_MIGRATE_SKIP_MEMPOLICY,
	KMMSCAND_MIGRATE_SKIP_CPUSET,
	KMMSCAND_MIGRATE_FAIL_PINNED,
	KMMSCAND_MIGRATE_FAIL_SHARED,
	KMMSCAND_MIGRATE_FAIL_DIRTY,
	KMMSCAND_MIGRATE_FAIL_WRITEBACK,
	KMMSCAND_MIGRATE_SKIP_BACKOFF,
};

/**
 * enum kmmscand_target_rule - which rule chose a promotion target
 * @KMMSCAND_TARGET_NONE: no target (no top-tier node allowed)
 * @KMMSCAND_TARGET_FORCED: the target_node tunable
 * @KMMSCAND_TARGET_ONLY: the only top-tier node allowed
 * @KMMSCAND_TARGET_YOUNG: the node holding most of the mm's young
 *	top-tier anon pages
 * @KMMSCAND_TARGET_TASK: the node the mm's owner runs on
 * @KMMSCAND_TARGET_FIRST: the first allowed node, for want of a better one
 * @KMMSCAND_TARGET_HEADROOM: the node chosen by one of the rules above
 *	lacked headroom; the best allowed node that has some
 * @KMMSCAND_TARGET_HINT: the target the scanner stored in the record
 * @KMMSCAND_TARGET_NEAREST: no hint in the record; the top-tier node
 *	nearest to the page
 *
 * The scanner's choice per mm is reported by kmmscand_scan_end, the
 * migrator's per folio by kmmscand_migrate.
 */
enum kmmscand_target_rule {
	KMMSCAND_TARGET_NONE,
	KMMSCAND_TARGET_FORCED,
	KMMSCAND_TARGET_ONLY,
	KMMSCAND_TARGET_YOUNG,
	KMMSCAND_TARGET_TASK,
	KMMSCAND_TARGET_FIRST,
	KMMSCAND_TARGET_HEADROOM,
	KMMSCAND_TARGET_HINT,
	KMMSCAND_TARGET_NEAREST,
};

/*
 * The prctl(PR_SET_MEMSCAN) level of an mm: 0 opts out of kmmscand, 5 is
 * the default, 10 scans most often. It lives in mm->kmmscand_level as
 * level ^ 5, so that an mm created zeroed (by a kernel thread) has the
 * default level; mm_init() carries it over fork and execve.
 */
#define KMMSCAND_LEVEL_OFF	0
#define KMMSCAND_LEVEL_DEF	5
#define KMMSCAND_LEVEL_MAX	10

#ifdef CONFIG_KMMSCAND
/**
 * kmmscand_mm_level - the kmmscand level of an mm
 * @mm: the mm
 *
 * Return: the level, 0..KMMSCAND_LEVEL_MAX.
 */
static inline unsigned int kmmscand_mm_level(struct mm_struct *mm)
{
	return READ_ONCE(mm->kmmscand_level) ^ KMMSCAND_LEVEL_DEF;
}

/**
 * kmmscand_mm_init - kmmscand's part of a new mm
 * @mm: the mm being set up by mm_init(), a copy of @oldmm on fork
 * @oldmm: the mm of the task creating it (the parent's, or the one
 *	execve() replaces), or NULL
 *
 * Not registered yet, whatever the copy says; the level is @oldmm's.
 */
static inline void kmmscand_mm_init(struct mm_struct *mm,
				    struct mm_struct *oldmm)
{
	mm->kmmscand_slot = NULL;
	mm->kmmscand_level = oldmm ? READ_ONCE(oldmm->kmmscand_level) : 0;
}

void __kmmscand_enter(struct mm_struct *mm);
void __kmmscand_exit(struct mm_struct *mm);
void kmmscand_record_access(unsigned long pfn, int nid,
			    enum kmmscand_source src, unsigned long now);
int kmmscand_prctl_set(struct mm_struct *mm, unsigned long level,
		       unsigned long arg3, unsigned long arg4,
		       unsigned long arg5);
int kmmscand_prctl_get(struct mm_struct *mm, unsigned long arg2,
		       unsigned long arg3, unsigned long arg4,
		       unsigned long arg5);
void kmmscand_proc_status(struct seq_file *m, struct mm_struct *mm);
unsigned long kmmscand_promo_room(struct zone *zone);
void kmmscand_folio_migrated(struct folio *src, struct folio *dst,
			     int reason);
void kmmscand_peer_active(enum kmmscand_peer peer, unsigned long interval);

/**
 * kmmscand_fork - register a newly duplicated mm
 * @mm: the child's mm
 * @oldmm: the parent's mm
 *
 * Every user mm is tracked, so the child is registered whatever the parent
 * state; the cost is one slab allocation and one list insertion.
 */
static inline void kmmscand_fork(struct mm_struct *mm, struct mm_struct *oldmm)
{
	__kmmscand_enter(mm);
}

/**
 * kmmscand_execve - register the mm installed by execve()
 * @mm: the new mm, already current->mm
 */
static inline void kmmscand_execve(struct mm_struct *mm)
{
	__kmmscand_enter(mm);
}

/**
 * kmmscand_exit - unregister an mm whose last user is gone
 * @mm: the mm being torn down; called from __mmput() before exit_mmap()
 */
static inline void kmmscand_exit(struct mm_struct *mm)
{
	/* The scanner may clear it meanwhile: __kmmscand_exit() knows. */
	if (READ_ONCE(mm->kmmscand_slot))
		__kmmscand_exit(mm);
}
#else /* !CONFIG_KMMSCAND */
static inline void kmmscand_mm_init(struct mm_struct *mm,
				    struct mm_struct *oldmm)
{
}

static inline void kmmscand_fork(struct mm_struct *mm, struct mm_struct *oldmm)
{
}

static inline void kmmscand_execve(struct mm_struct *mm)
{
}

static inline void kmmscand_exit(struct mm_struct *mm)
{
}

static inline void kmmscand_record_access(unsigned long pfn, int nid,
					  enum kmmscand_source src,
					  unsigned long now)
{
}

static inline int kmmscand_prctl_set(struct mm_struct *mm,
				     unsigned long level, unsigned long arg3,
				     unsigned long arg4, unsigned long arg5)
{
	return -EINVAL;
}

static inline int kmmscand_prctl_get(struct mm_struct *mm,
				     unsigned long arg2, unsigned long arg3,
				     unsigned long arg4, unsigned long arg5)
{
	return -EINVAL;
}

static inline void kmmscand_proc_status(struct seq_file *m,
					struct mm_struct *mm)
{
}

static inline unsigned long kmmscand_promo_room(struct zone *zone)
{
	return 0;
}

static inline void kmmscand_folio_migrated(struct folio *src,
					   struct folio *dst, int reason)
{
}

static inline void kmmscand_peer_active(enum kmmscand_peer peer,
					unsigned long interval)
{
}
#endif /* CONFIG_KMMSCAND */

#endif /* _LINUX_KMMSCAND_H */
