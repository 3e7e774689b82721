/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel interface of kmmscand: mm registration hooks and the single
 * entry point through which every access source reports slow-tier accesses.
 */
#ifndef _LINUX_KMMSCAND_H
#define _LINUX_KMMSCAND_H

#include <linux/bitops.h>
#include <linux/mm_types.h>
#include <linux/sched/coredump.h>

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

#ifdef CONFIG_KMMSCAND
void __kmmscand_enter(struct mm_struct *mm);
void __kmmscand_exit(struct mm_struct *mm);
void kmmscand_record_access(unsigned long pfn, int nid,
			    enum kmmscand_source src, unsigned long now);

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
#endif /* CONFIG_KMMSCAND */

#endif /* _LINUX_KMMSCAND_H */
