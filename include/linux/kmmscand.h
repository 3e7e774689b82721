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
#include <linux/sched/coredump.h>

struct seq_file;

/**
 * enum kmmscand_source - where an access report comes from
 * @KMMSCAND_SRC_SCAN: the kmmscand page-table scanner (Accessed bits)
 * @KMMSCAND_SRC_IBS: AMD IBS op samples
 * @KMMSCAND_SRC_SPE: Arm SPE samples
 * @KMMSCAND_SRC_HINTFAULT: NUMA balancing hint faults
 * @KMMSCAND_NR_SOURCES: number of sources
 */
enum kmmscand_source {
	KMMSCAND_SRC_SCAN,
	KMMSCAND_SRC_IBS,
	KMMSCAND_SRC_SPE,
	KMMSCAND_SRC_HINTFAULT,
	KMMSCAND_NR_SOURCES
};

/**
 * enum kmmscand_migrate_result - what kmmmigrated decided for one folio
 * @KMMSCAND_MIGRATE_QUEUED: isolated and added to a migration batch
 * @KMMSCAND_MIGRATE_SKIP_COLD: its last access fell out of the window
 * @KMMSCAND_MIGRATE_SKIP_POLICY: no top-tier node is allowed for it
 * @KMMSCAND_MIGRATE_SKIP_HEADROOM: the target node lacks free memory
 * @KMMSCAND_MIGRATE_SKIP_RATELIMIT: the promotion rate limit was reached
 * @KMMSCAND_MIGRATE_FAIL_ISOLATE: it could not be taken off the LRU
 *
 * Reported by the kmmscand_migrate tracepoint.
 */
enum kmmscand_migrate_result {
	KMMSCAND_MIGRATE_QUEUED,
	KMMSCAND_MIGRATE_SKIP_COLD,
	KMMSCAND_MIGRATE_SKIP_POLICY,
	KMMSCAND_MIGRATE_SKIP_HEADROOM,
	KMMSCAND_MIGRATE_SKIP_RATELIMIT,
	KMMSCAND_MIGRATE_FAIL_ISOLATE,
};

/*
 * The prctl(PR_SET_MEMSCAN) level of an mm: 0 opts out of kmmscand, 5 is
 * the default, 10 scans most often. It lives in mm->flags as level ^ 5, so
 * that an mm whose flags start at zero (an mm created by a kernel thread)
 * has the default level; MMF_INIT_MASK carries it over fork and execve.
 */
#define KMMSCAND_LEVEL_OFF	0
#define KMMSCAND_LEVEL_DEF	5
#define KMMSCAND_LEVEL_MAX	10

/**
 * kmmscand_mm_level - the kmmscand level of an mm
 * @mm: the mm
 *
 * Return: the level, 0..KMMSCAND_LEVEL_MAX.
 */
static inline unsigned int kmmscand_mm_level(struct mm_struct *mm)
{
	unsigned long flags = READ_ONCE(mm->flags);

	return ((flags & MMF_KMMSCAND_LEVEL_MASK) >> MMF_KMMSCAND_LEVEL) ^
	       KMMSCAND_LEVEL_DEF;
}

#ifdef CONFIG_KMMSCAND
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

/**
 * kmmscand_fork - register a newly duplicated mm
 * @mm: the child's mm
 * @oldmm: the parent's mm
 *
 * Every user mm is tracked, so the child is registered whatever the parent
 * state; the cost is one slab allocation and one hash insertion.
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
	if (test_bit(MMF_VM_KMMSCAND, &mm->flags))
		__kmmscand_exit(mm);
}
#else /* !CONFIG_KMMSCAND */
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
#endif /* CONFIG_KMMSCAND */

#endif /* _LINUX_KMMSCAND_H */
