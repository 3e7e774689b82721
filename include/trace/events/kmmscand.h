/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmmscand tracepoints: mm registration, scan passes, access records,
 * promotion decisions and batches, and tuning changes.
 *
 * Only mm/kmmscand/ includes this header, and mm/kmmscand/ is only built
 * with CONFIG_KMMSCAND: without it, the kmmscand events do not exist.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kmmscand

#if !defined(_TRACE_KMMSCAND_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_KMMSCAND_H

#include <linux/kmmscand.h>
#include <linux/tracepoint.h>

TRACE_DEFINE_ENUM(KMMSCAND_SRC_SCAN);

TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_QUEUED);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_SKIP_COLD);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_SKIP_HEADROOM);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_SKIP_RATELIMIT);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_FAIL_ISOLATE);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_SKIP_OPTOUT);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_SKIP_MEMPOLICY);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_SKIP_CPUSET);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_FAIL_PINNED);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_FAIL_SHARED);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_FAIL_DIRTY);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_FAIL_WRITEBACK);
TRACE_DEFINE_ENUM(KMMSCAND_MIGRATE_SKIP_BACKOFF);

TRACE_DEFINE_ENUM(KMMSCAND_TARGET_NONE);
TRACE_DEFINE_ENUM(KMMSCAND_TARGET_FORCED);
TRACE_DEFINE_ENUM(KMMSCAND_TARGET_ONLY);
TRACE_DEFINE_ENUM(KMMSCAND_TARGET_YOUNG);
TRACE_DEFINE_ENUM(KMMSCAND_TARGET_TASK);
TRACE_DEFINE_ENUM(KMMSCAND_TARGET_FIRST);
TRACE_DEFINE_ENUM(KMMSCAND_TARGET_HEADROOM);
TRACE_DEFINE_ENUM(KMMSCAND_TARGET_HINT);
TRACE_DEFINE_ENUM(KMMSCAND_TARGET_NEAREST);

/*
 * The {value, "name"} tables of __print_symbolic(); TRACE_DEFINE_ENUM()
 * above exports the values to user space. checkpatch reports these lists
 * as COMPLEX_MACRO, as it does for every EM()/EMe() table.
 */
#undef EM
#undef EMe
#define EM(a, b)	{a, b},
#define EMe(a, b)	{a, b}

#define KMMSCAND_SOURCES				\
	EMe(KMMSCAND_SRC_SCAN, "scan")

#define KMMSCAND_MIGRATE_RESULTS				\
	EM(KMMSCAND_MIGRATE_QUEUED, "queued")			\
	EM(KMMSCAND_MIGRATE_SKIP_COLD, "skip_cold")		\
	EM(KMMSCAND_MIGRATE_SKIP_HEADROOM, "skip_headroom")	\
	EM(KMMSCAND_MIGRATE_SKIP_RATELIMIT, "skip_ratelimit")	\
	EM(KMMSCAND_MIGRATE_FAIL_ISOLATE, "fail_isolate")	\
	EM(KMMSCAND_MIGRATE_SKIP_OPTOUT, "skip_optout")		\
	EM(KMMSCAND_MIGRATE_SKIP_MEMPOLICY, "skip_mempolicy")	\
	EM(KMMSCAND_MIGRATE_SKIP_CPUSET, "skip_cpuset")		\
	EM(KMMSCAND_MIGRATE_FAIL_PINNED, "fail_pinned")		\
	EM(KMMSCAND_MIGRATE_FAIL_SHARED, "fail_shared")		\
	EM(KMMSCAND_MIGRATE_FAIL_DIRTY, "fail_dirty")		\
	EM(KMMSCAND_MIGRATE_FAIL_WRITEBACK, "fail_writeback")	\
	EMe(KMMSCAND_MIGRATE_SKIP_BACKOFF, "skip_backoff")

#define KMMSCAND_TARGET_RULES				\
	EM(KMMSCAND_TARGET_NONE, "none")		\
	EM(KMMSCAND_TARGET_FORCED, "forced")		\
	EM(KMMSCAND_TARGET_ONLY, "only")		\
	EM(KMMSCAND_TARGET_YOUNG, "young")		\
	EM(KMMSCAND_TARGET_TASK, "task")		\
	EM(KMMSCAND_TARGET_FIRST, "first")		\
	EM(KMMSCAND_TARGET_HEADROOM, "headroom")	\
	EM(KMMSCAND_TARGET_HINT, "hint")		\
	EMe(KMMSCAND_TARGET_NEAREST, "nearest")

/*
 * An mm joins or leaves kmmscand. pid: tgid of the mm's owner; 0 when
 * unknown (a child being forked has no pid yet, and kernels without
 * CONFIG_MEMCG have no mm owner).
 */
DECLARE_EVENT_CLASS(kmmscand_mm_class,
		    TP_PROTO(pid_t pid),
		    TP_ARGS(pid),
		    TP_STRUCT__entry(__field(pid_t, pid)),
		    TP_fast_assign(__entry->pid = pid;),
		    TP_printk("pid=%d", __entry->pid)
);

DEFINE_EVENT(kmmscand_mm_class, kmmscand_mm_register,
	     TP_PROTO(pid_t pid),
	     TP_ARGS(pid)
);

/* At exit the owner is gone: pid is the last owner the scanner saw. */
DEFINE_EVENT(kmmscand_mm_class, kmmscand_mm_unregister,
	     TP_PROTO(pid_t pid),
	     TP_ARGS(pid)
);

/* A pass over (part of) an mm starts at address start. */
TRACE_EVENT(kmmscand_scan_start,
	    TP_PROTO(pid_t pid, unsigned long start),
	    TP_ARGS(pid, start),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(unsigned long, start)),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->start = start;),
	    TP_printk("pid=%d start=0x%lx", __entry->pid, __entry->start)
);

/*
 * A pass ended: what it saw, and the resulting period (after the level's
 * scaling), size and promotion target of the mm's next pass, with the
 * rule that chose the target. ptes counts a huge PMD as the PTEs it maps.
 */
TRACE_EVENT(kmmscand_scan_end,
	    TP_PROTO(pid_t pid, unsigned long ptes, unsigned long young_slow,
		     unsigned long young_top, unsigned int period_ms,
		     unsigned int size_mb, int target_nid,
		     enum kmmscand_target_rule rule, unsigned int level),
	    TP_ARGS(pid, ptes, young_slow, young_top, period_ms, size_mb,
		    target_nid, rule, level),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(unsigned long, ptes)
			     __field(unsigned long, young_slow)
			     __field(unsigned long, young_top)
			     __field(unsigned int, period_ms)
			     __field(unsigned int, size_mb)
			     __field(int, target_nid)
			     __field(unsigned int, rule)
			     __field(unsigned int, level)),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->ptes = ptes;
			   __entry->young_slow = young_slow;
			   __entry->young_top = young_top;
			   __entry->period_ms = period_ms;
			   __entry->size_mb = size_mb;
			   __entry->target_nid = target_nid;
			   __entry->rule = rule;
			   __entry->level = level;),
	    TP_printk("pid=%d ptes=%lu young_slow=%lu young_top=%lu next_period_ms=%u scan_size_mb=%u target_nid=%d rule=%s level=%u",
		      __entry->pid, __entry->ptes, __entry->young_slow,
		      __entry->young_top, __entry->period_ms,
		      __entry->size_mb, __entry->target_nid,
		      __print_symbolic(__entry->rule, KMMSCAND_TARGET_RULES),
		      __entry->level)
);

/* An access was recorded; ready: this access made the page ready. */
TRACE_EVENT(kmmscand_record,
	    TP_PROTO(unsigned long pfn, enum kmmscand_source src,
		     unsigned int freq, bool ready),
	    TP_ARGS(pfn, src, freq, ready),
	    TP_STRUCT__entry(__field(unsigned long, pfn)
			     __field(unsigned int, src)
			     __field(unsigned int, freq)
			     __field(bool, ready)),
	    TP_fast_assign(__entry->pfn = pfn;
			   __entry->src = src;
			   __entry->freq = freq;
			   __entry->ready = ready;),
	    TP_printk("pfn=0x%lx source=%s freq=%u ready=%d", __entry->pfn,
		      __print_symbolic(__entry->src, KMMSCAND_SOURCES),
		      __entry->freq, __entry->ready)
);

/*
 * kmmmigrated's decision for one ready folio; to_nid is NUMA_NO_NODE (-1)
 * and rule "none" when the decision came before a target was chosen;
 * freq is the record's frequency level when it was harvested.
 */
TRACE_EVENT(kmmscand_migrate,
	    TP_PROTO(unsigned long pfn, int from_nid, int to_nid,
		     enum kmmscand_target_rule rule,
		     enum kmmscand_migrate_result result, unsigned int freq),
	    TP_ARGS(pfn, from_nid, to_nid, rule, result, freq),
	    TP_STRUCT__entry(__field(unsigned long, pfn)
			     __field(int, from_nid)
			     __field(int, to_nid)
			     __field(unsigned int, rule)
			     __field(unsigned int, result)
			     __field(unsigned int, freq)),
	    TP_fast_assign(__entry->pfn = pfn;
			   __entry->from_nid = from_nid;
			   __entry->to_nid = to_nid;
			   __entry->rule = rule;
			   __entry->result = result;
			   __entry->freq = freq;),
	    TP_printk("pfn=0x%lx from_nid=%d to_nid=%d rule=%s result=%s freq=%u",
		      __entry->pfn, __entry->from_nid, __entry->to_nid,
		      __print_symbolic(__entry->rule, KMMSCAND_TARGET_RULES),
		      __print_symbolic(__entry->result,
				       KMMSCAND_MIGRATE_RESULTS),
		      __entry->freq)
);

/*
 * kmmmigrated's promotion level changed from old to new; fit is the level
 * whose ready pages fit in what can be promoted within a second.
 */
TRACE_EVENT(kmmscand_promote_level,
	    TP_PROTO(unsigned int old, unsigned int new, unsigned int fit),
	    TP_ARGS(old, new, fit),
	    TP_STRUCT__entry(__field(unsigned int, old)
			     __field(unsigned int, new)
			     __field(unsigned int, fit)),
	    TP_fast_assign(__entry->old = old;
			   __entry->new = new;
			   __entry->fit = fit;),
	    TP_printk("old=%u new=%u fit=%u", __entry->old, __entry->new,
		      __entry->fit)
);

/*
 * A re-check of [start, end) of an mm, interval_ms after its Accessed bits
 * were cleared: young pages found again and pages found old.
 */
TRACE_EVENT(kmmscand_recheck,
	    TP_PROTO(pid_t pid, unsigned long start, unsigned long end,
		     unsigned int interval_ms, unsigned long young,
		     unsigned long old),
	    TP_ARGS(pid, start, end, interval_ms, young, old),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned int, interval_ms)
			     __field(unsigned long, young)
			     __field(unsigned long, old)),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->interval_ms = interval_ms;
			   __entry->young = young;
			   __entry->old = old;),
	    TP_printk("pid=%d start=0x%lx end=0x%lx interval_ms=%u young=%lu old=%lu",
		      __entry->pid, __entry->start, __entry->end,
		      __entry->interval_ms, __entry->young, __entry->old)
);

/* A probe round of a waiting mm found an accessed page: its pass starts. */
TRACE_EVENT(kmmscand_probe_hit,
	    TP_PROTO(pid_t pid, unsigned long addr),
	    TP_ARGS(pid, addr),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(unsigned long, addr)),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->addr = addr;),
	    TP_printk("pid=%d addr=0x%lx", __entry->pid, __entry->addr)
);

/*
 * One walk batch ended, under one mmap_lock hold: the work units it spent
 * (PTEs, huge PMDs, holes and skipped VMAs), the VMAs it looked at, how
 * long the walk took and its longest page table lock hold. The times are
 * taken only while this event is enabled.
 */
TRACE_EVENT(kmmscand_walk_batch,
	    TP_PROTO(pid_t pid, bool recheck, unsigned int work,
		     unsigned int nr_vma, u64 walk_ns, u64 max_ptl_ns),
	    TP_ARGS(pid, recheck, work, nr_vma, walk_ns, max_ptl_ns),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(bool, recheck)
			     __field(unsigned int, work)
			     __field(unsigned int, nr_vma)
			     __field(u64, walk_ns)
			     __field(u64, max_ptl_ns)),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->recheck = recheck;
			   __entry->work = work;
			   __entry->nr_vma = nr_vma;
			   __entry->walk_ns = walk_ns;
			   __entry->max_ptl_ns = max_ptl_ns;),
	    TP_printk("pid=%d recheck=%d work=%u nr_vma=%u walk_ns=%llu max_ptl_ns=%llu",
		      __entry->pid, __entry->recheck, __entry->work,
		      __entry->nr_vma, __entry->walk_ns, __entry->max_ptl_ns)
);

/* One wake of the scanner ended: the work units it spent, mms visited. */
TRACE_EVENT(kmmscand_wake,
	    TP_PROTO(unsigned int work, unsigned int visited),
	    TP_ARGS(work, visited),
	    TP_STRUCT__entry(__field(unsigned int, work)
			     __field(unsigned int, visited)),
	    TP_fast_assign(__entry->work = work;
			   __entry->visited = visited;),
	    TP_printk("work=%u visited=%u", __entry->work, __entry->visited)
);

/* One migrate_pages() batch completed. */
TRACE_EVENT(kmmscand_migrate_batch,
	    TP_PROTO(int from_nid, int to_nid, unsigned int nr_pages,
		     unsigned int nr_succeeded),
	    TP_ARGS(from_nid, to_nid, nr_pages, nr_succeeded),
	    TP_STRUCT__entry(__field(int, from_nid)
			     __field(int, to_nid)
			     __field(unsigned int, nr_pages)
			     __field(unsigned int, nr_succeeded)),
	    TP_fast_assign(__entry->from_nid = from_nid;
			   __entry->to_nid = to_nid;
			   __entry->nr_pages = nr_pages;
			   __entry->nr_succeeded = nr_succeeded;),
	    TP_printk("from_nid=%d to_nid=%d nr_pages=%u nr_succeeded=%u",
		      __entry->from_nid, __entry->to_nid, __entry->nr_pages,
		      __entry->nr_succeeded)
);

/* A sysfs knob was written; knob is its path below kmmscand/. */
TRACE_EVENT(kmmscand_tune,
	    TP_PROTO(const char *knob, long old, long new),
	    TP_ARGS(knob, old, new),
	    TP_STRUCT__entry(__string(knob, knob)
			     __field(long, old)
			     __field(long, new)),
	    TP_fast_assign(__assign_str(knob);
			   __entry->old = old;
			   __entry->new = new;),
	    TP_printk("knob=%s old=%ld new=%ld", __get_str(knob),
		      __entry->old, __entry->new)
);

#endif /* _TRACE_KMMSCAND_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
