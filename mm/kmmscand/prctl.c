// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand per-process level: prctl(PR_SET_MEMSCAN, PR_GET_MEMSCAN) and
 * the Memscan: line of /proc/<pid>/status. See
 * Documentation/userspace-api/memscan.rst.
 */
#include <linux/compiler.h>
#include <linux/kmmscand.h>
#include <linux/mm_types.h>
#include <linux/seq_file.h>

#include "internal.h"

/**
 * kmmscand_prctl_set - prctl(PR_SET_MEMSCAN): set the level of an mm
 * @mm: the calling process's mm
 * @level: the new level, 0..KMMSCAND_LEVEL_MAX
 * @arg3: must be 0
 * @arg4: must be 0
 * @arg5: must be 0
 *
 * mmap_lock is not needed: the level is one byte of the mm, and readers
 * take it as a hint. The scanner sees the new level at its next visit of
 * the mm, kmmmigrated at the next folio of the mm it checks.
 *
 * Return: 0, or -EINVAL (nothing changed) for an out-of-range level, a
 * non-zero unused argument or a task without an mm.
 */
int kmmscand_prctl_set(struct mm_struct *mm, unsigned long level,
		       unsigned long arg3, unsigned long arg4,
		       unsigned long arg5)
{
	if (arg3 || arg4 || arg5 || level > KMMSCAND_LEVEL_MAX || !mm)
		return -EINVAL;

	WRITE_ONCE(mm->kmmscand_level, level ^ KMMSCAND_LEVEL_DEF);
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
