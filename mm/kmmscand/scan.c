// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand scanner: registers every user mm, and its thread visits them
 * round-robin through one cursor; a visit walks the mm's page tables in
 * bounded batches, harvests PTE and PMD Accessed bits and reports
 * slow-tier accesses to the hotness store.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/cpuset.h>
#include <linux/freezer.h>
#include <linux/hash.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/hugetlb.h>
#include <linux/jiffies.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pagewalk.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/vmstat.h>

#include <asm/tlbflush.h>

#include "internal.h"

#include <trace/events/kmmscand.h>

/* Without lower-tier memory, re-check the tiers this often. */
#define KMMSCAND_IDLE_RECHECK	(10 * HZ)

/**
 * struct kmmscand_mm_list - a share of the registered mms
 * @lock: protects @head, the linkage of its slots, mm->kmmscand_slot of
 *	their mms once set (a new mm is only seen by the context creating it
 *	until it registers) and the cursor while it points into @head
 * @head: the slots, in the order they registered
 *
 * The mms are spread over KMMSCAND_MM_LISTS lists by a hash of the mm, so
 * that fork, execve and exit, which register and unregister mms, take no
 * global lock: two of them contend only when their mms hash to the same
 * list, or with the scanner on that list. Exit finds its list from the mm
 * alone, without touching the slot, which the scanner may be freeing (the
 * cursor's slot).
 */
struct kmmscand_mm_list {
	spinlock_t lock;	/* see above */
	struct list_head head;
} ____cacheline_aligned_in_smp;

#define KMMSCAND_MM_LISTS_BITS	6
#define KMMSCAND_MM_LISTS	BIT(KMMSCAND_MM_LISTS_BITS)

static struct kmmscand_mm_list kmmscand_mm_lists[KMMSCAND_MM_LISTS];

static struct kmmscand_mm_list *kmmscand_mm_list_of(struct mm_struct *mm)
{
	return &kmmscand_mm_lists[hash_ptr(mm, KMMSCAND_MM_LISTS_BITS)];
}

/* Slab of struct kmmscand_mm_slot; NULL until init succeeded. */
static struct kmem_cache *kmmscand_slot_cache __ro_after_init;

/* The scanner sleeps here. */
static DECLARE_WAIT_QUEUE_HEAD(kmmscand_wait);

/*
 * Bumped by kmmscand_scan_retune(): a sleeping scanner wakes up when it
 * changes. Written under kmmscand_sysfs_mutex, read locklessly.
 */
static unsigned int kmmscand_tune_seq;

/**
 * struct kmmscand_scan - the one scan cursor
 * @mm_slot: the slot being scanned, NULL between two lists
 * @list: the index of the list @mm_slot is on, or of the one visited
 *	next; a round visits every list in order
 * @node_young: young top-tier anon pages per node in @mm_slot's pass
 *
 * There is exactly one cursor, moved by the scanner thread only: @mm_slot
 * is set and cleared under the lock of list @list, @list and @node_young
 * belong to the scanner thread.
 */
struct kmmscand_scan {
	struct kmmscand_mm_slot *mm_slot;
	unsigned int list;
	unsigned long node_young[MAX_NUMNODES];
};

static struct kmmscand_scan kmmscand_scan;

/* A callback's "stop the walk here" value; priv->next_addr says where. */
#define KMMSCAND_WALK_STOP	1

/**
 * struct kmmscand_walk - state of one batch of a visit
 * @mslot: the slot of the mm being walked
 * @node_young: the cursor's per-node young top-tier anon counts
 * @toptier: top-tier memory nodes, snapshot taken at the visit's start
 * @owner_pol: the task mempolicy of the mm's owner
 * @vma_pol: the policy that applies in the current VMA: its own, else
 *	@owner_pol
 * @owner_pid: tgid of the mm's owner, 0 if none
 * @target_nid: promotion target of the mm for this visit, or NUMA_NO_NODE
 * @recheck: this batch re-checks a range the pass cleared recently
 * @quick: ... and did so within twice recheck_ms: a young page there was
 *	re-accessed quickly (a late re-check is an ordinary observation)
 * @last_folio: last folio reported, to report a PTE-mapped large folio
 *	once per batch; only compared, never dereferenced
 * @work: PTE units spent in this batch
 * @work_limit: PTE units this batch may spend
 * @bytes: scannable address space covered by this batch
 * @bytes_limit: address space left in the pass
 * @next_addr: where the walk stopped
 * @flush_vma: VMA with Accessed bits cleared since the last TLB flush
 * @flush_start: start of the range to flush in @flush_vma
 * @flush_end: end of the range to flush in @flush_vma
 * @found: slow-tier accesses reported
 * @nr_vma: VMAs whose walk started at their first address
 * @nr_pte: PTEs examined
 * @nr_pmd: huge PMDs examined
 * @nr_young_slow: young slow-tier entries
 * @nr_young_top: young top-tier anon entries
 * @nr_skip_policy: young slow-tier folios not recorded because of policy
 * @nr_recheck_old: folios a re-check found old
 * @probe_ctr: present PTEs seen by this batch, for probe sampling
 * @nr_vma_seen: VMAs this batch looked at, skipped ones included
 * @timed: kmmscand_walk_batch is traced: time the lock holds
 * @max_ptl_ns: longest page table lock hold of this batch (if @timed)
 */
struct kmmscand_walk {
	struct kmmscand_mm_slot *mslot;
	unsigned long *node_young;
	nodemask_t toptier;
	struct kmmscand_mpol owner_pol;
	struct kmmscand_mpol vma_pol;
	pid_t owner_pid;
	int target_nid;
	bool recheck;
	bool quick;
	struct folio *last_folio;
	unsigned int work;
	unsigned int work_limit;
	u64 bytes;
	u64 bytes_limit;
	unsigned long next_addr;
	struct vm_area_struct *flush_vma;
	unsigned long flush_start;
	unsigned long flush_end;
	unsigned long found;
	unsigned long nr_vma;
	unsigned long nr_pte;
	unsigned long nr_pmd;
	unsigned long nr_young_slow;
	unsigned long nr_young_top;
	unsigned long nr_skip_policy;
	unsigned long nr_recheck_old;
	unsigned int probe_ctr;
	unsigned int nr_vma_seen;
	bool timed;
	u64 max_ptl_ns;
};

/* Start timing a page table lock hold; 0 when the batch is not traced. */
static u64 kmmscand_ptl_start(struct kmmscand_walk *priv)
{
	return priv->timed ? ktime_get_ns() : 0;
}

static void kmmscand_ptl_end(struct kmmscand_walk *priv, u64 start)
{
	if (priv->timed)
		priv->max_ptl_ns = max(priv->max_ptl_ns, ktime_get_ns() - start);
}

static bool kmmscand_walk_should_stop(struct kmmscand_walk *priv)
{
	return priv->work >= priv->work_limit ||
	       priv->bytes >= priv->bytes_limit || need_resched();
}

/*
 * Why a TLB flush: a CPU sets the Accessed bit when it loads a translation
 * into its TLB, not on every access. x86's ptep_clear_young (and the
 * _notify variant) deliberately does not flush, so while the old entry
 * stays cached, further accesses leave the cleared bit clear and a hot page
 * looks cold to every later pass (QEMU's TCG software TLB behaves the same
 * way, and can keep entries for a very long time). One flush_tlb_range()
 * per VMA per batch, only when a bit was cleared, bounds the cost to a few
 * flushes per KMMSCAND_BATCH entries instead of one per PTE.
 */
static void kmmscand_flush_pending(struct kmmscand_walk *priv)
{
	if (!priv->flush_vma)
		return;
	flush_tlb_range(priv->flush_vma, priv->flush_start, priv->flush_end);
	priv->flush_vma = NULL;
}

static void kmmscand_flush_add(struct kmmscand_walk *priv,
			       struct vm_area_struct *vma,
			       unsigned long start, unsigned long end)
{
	if (priv->flush_vma != vma) {
		kmmscand_flush_pending(priv);
		priv->flush_vma = vma;
		priv->flush_start = start;
		priv->flush_end = end;
		return;
	}
	priv->flush_start = min(priv->flush_start, start);
	priv->flush_end = max(priv->flush_end, end);
}

static bool kmmscand_clear_young(struct vm_area_struct *vma,
				 unsigned long addr, pte_t *pte, pmd_t *pmd)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	if (pmd)
		return pmdp_clear_young_notify(vma, addr, pmd);
#endif
	return ptep_clear_young_notify(vma, addr, pte);
}

/*
 * A re-check found the mapping of a slow-tier @folio old. Only folios the
 * scanner saw before (PG_young) have a record worth lowering, and only a
 * folio mapped whole (@whole: a small folio or a huge PMD) was entirely
 * not accessed.
 */
static void kmmscand_note_old(struct kmmscand_walk *priv, struct folio *folio,
			      bool whole)
{
	if ((!whole && folio_test_large(folio)) ||
	    node_isset(folio_nid(folio), priv->toptier) ||
	    !folio_test_young(folio))
		return;
	kmmscand_record_miss(folio_pfn(folio));
	priv->nr_recheck_old++;
}

/*
 * Offer the address of an old slow-tier mapping to the mm's probe sample
 * (reservoir sampling over a sweep of the whole mm, one candidate in
 * KMMSCAND_PROBE_STRIDE present PTEs; a sweep's first candidates replace
 * the previous sweep's probes). Old: a page not accessed since the
 * last pass cleared it, so a probe that finds it young later saw a new
 * access, and pages that this walk leaves young (KSM, mlocked) never
 * become probes.
 */
static void kmmscand_probe_offer(struct kmmscand_walk *priv,
				 unsigned long addr, unsigned long pfn)
{
	struct kmmscand_mm_slot *mslot = priv->mslot;
	unsigned long n;

	if (!pfn_valid(pfn) || node_isset(pfn_to_nid(pfn), priv->toptier))
		return;
	n = mslot->probe_seen++;
	if (n < KMMSCAND_NR_PROBES) {
		mslot->probe[n] = addr;
		mslot->nr_probe = max_t(unsigned int, mslot->nr_probe, n + 1);
		return;
	}
	n = get_random_u32_below(min_t(unsigned long, n + 1, U32_MAX));
	if (n < KMMSCAND_NR_PROBES)
		mslot->probe[n] = addr;
}

/*
 * Test and clear the Accessed bit of one mapping of @folio and act on a
 * hit. Called under the page table lock. On a hit the folio gets what
 * mm/page_idle.c gives it: PG_idle cleared and PG_young set, so that
 * folio_referenced() still counts the access we consumed. PG_idle is
 * never set here: it belongs to idle page tracking and DAMON. Note that
 * MGLRU's page-table walk does not look at PG_young: an mm's pages it
 * finds old after our pass age as if they were not accessed.
 *
 * PG_young also tells whether we saw this folio before: a folio starts
 * with its flags clear, so a slow-tier folio without PG_young is one
 * whose pfn may carry the record of a previous owner (freed, or migrated
 * away), and its frequency restarts. Reclaim clears PG_young when it
 * consumes it, which costs that folio one observation.
 */
static void kmmscand_harvest(struct kmmscand_walk *priv,
			     struct vm_area_struct *vma, struct folio *folio,
			     unsigned long addr, unsigned long size,
			     pte_t *pte, pmd_t *pmd)
{
	int nid = folio_nid(folio);
	bool first;

	if (node_isset(nid, priv->toptier)) {
		/* A re-check measures slow-tier pages; the vote is cast. */
		if (priv->recheck)
			return;
		/*
		 * Vote for the target node with anon pages only: page cache
		 * sits wherever the task that first read it ran, so it says
		 * little about where this mm's tasks run.
		 */
		if (!folio_test_anon(folio))
			return;
		if (!kmmscand_clear_young(vma, addr, pte, pmd))
			return;
		folio_clear_idle(folio);
		folio_set_young(folio);
		priv->node_young[nid] += size >> PAGE_SHIFT;
		priv->nr_young_top++;
		kmmscand_flush_add(priv, vma, addr, addr + size);
		return;
	}

	/*
	 * KSM folios are shared by many mms, whose targets may differ.
	 * Unevictable (mlocked) folios are never demoted again, so
	 * promoting them would pin top-tier memory for good.
	 */
	if (folio_test_ksm(folio) || folio_test_unevictable(folio))
		return;
	if (!kmmscand_clear_young(vma, addr, pte, pmd)) {
		if (priv->recheck)
			kmmscand_note_old(priv, folio, !pte);
		return;
	}
	first = !folio_test_young(folio);
	folio_clear_idle(folio);
	folio_set_young(folio);
	priv->nr_young_slow++;
	kmmscand_flush_add(priv, vma, addr, addr + size);

	if (folio == priv->last_folio)
		return;
	priv->last_folio = folio;
	/* The rule kmmmigrated applies again when the page's turn comes. */
	if (priv->target_nid == NUMA_NO_NODE ||
	    !kmmscand_mpol_allows(&priv->vma_pol, nid, priv->target_nid)) {
		priv->nr_skip_policy++;
		return;
	}
	__kmmscand_record_access(folio_pfn(folio), priv->target_nid,
				 KMMSCAND_SRC_SCAN, jiffies,
				 jiffies - priv->mslot->prev_sweep_start,
				 first, priv->quick);
	priv->found++;
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/* Handle a huge PMD without splitting it. Return: false if not huge. */
static bool kmmscand_scan_huge_pmd(pmd_t *pmd, unsigned long addr,
				   unsigned long end, struct mm_walk *walk)
{
	struct kmmscand_walk *priv = walk->private;
	struct vm_area_struct *vma = walk->vma;
	struct folio *folio;
	spinlock_t *ptl;	/* page table lock of @pmd */
	u64 t0 = kmmscand_ptl_start(priv);
	pmd_t pmdval;

	ptl = pmd_trans_huge_lock(pmd, vma);
	if (!ptl)
		return false;

	priv->nr_pmd++;
	priv->work++;
	priv->bytes += end - addr;

	/* Re-read under the lock: it may have been split or migrated. */
	pmdval = pmdp_get(pmd);
	if (!pmd_present(pmdval) || !pmd_trans_huge(pmdval))
		goto unlock;
	folio = vm_normal_folio_pmd(vma, addr, pmdval);
	if (!folio || folio_is_zone_device(folio))
		goto unlock;
	if (!pmd_young(pmdval) && !mm_has_notifiers(walk->mm)) {
		if (priv->recheck)
			kmmscand_note_old(priv, folio, true);
		else
			kmmscand_probe_offer(priv, addr & HPAGE_PMD_MASK,
					     folio_pfn(folio));
		goto unlock;
	}
	kmmscand_harvest(priv, vma, folio, addr & HPAGE_PMD_MASK,
			 HPAGE_PMD_SIZE, NULL, pmd);
unlock:
	spin_unlock(ptl);
	kmmscand_ptl_end(priv, t0);
	return true;
}
#else
static bool kmmscand_scan_huge_pmd(pmd_t *pmd, unsigned long addr,
				   unsigned long end, struct mm_walk *walk)
{
	return false;
}
#endif

static int kmmscand_pmd_entry(pmd_t *pmd, unsigned long addr,
			      unsigned long end, struct mm_walk *walk)
{
	struct kmmscand_walk *priv = walk->private;
	struct vm_area_struct *vma = walk->vma;
	unsigned long start = addr;
	pte_t *start_pte, *pte;
	struct folio *folio;
	spinlock_t *ptl;	/* page table lock of @pmd */
	pte_t ptent;
	u64 t0;

	if (kmmscand_scan_huge_pmd(pmd, addr, end, walk))
		goto out;

	t0 = kmmscand_ptl_start(priv);
	start_pte = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!start_pte) {
		/* The PMD changed under us: let the walker look again. */
		walk->action = ACTION_AGAIN;
		return 0;
	}
	for (pte = start_pte; addr < end; pte++, addr += PAGE_SIZE) {
		ptent = ptep_get(pte);
		if (!pte_present(ptent))
			continue;
		if (!pte_young(ptent) && !mm_has_notifiers(walk->mm)) {
			if (!priv->recheck) {
				if (!(++priv->probe_ctr % KMMSCAND_PROBE_STRIDE))
					kmmscand_probe_offer(priv, addr,
							     pte_pfn(ptent));
				continue;
			}
			folio = vm_normal_folio(vma, addr, ptent);
			if (folio && !folio_is_zone_device(folio))
				kmmscand_note_old(priv, folio, false);
			continue;
		}
		folio = vm_normal_folio(vma, addr, ptent);
		if (!folio || folio_is_zone_device(folio))
			continue;
		kmmscand_harvest(priv, vma, folio, addr, PAGE_SIZE, pte, NULL);
	}
	pte_unmap_unlock(start_pte, ptl);
	kmmscand_ptl_end(priv, t0);

	priv->nr_pte += (end - start) >> PAGE_SHIFT;
	priv->work += (end - start) >> PAGE_SHIFT;
	priv->bytes += end - start;
out:
	priv->next_addr = end;
	return kmmscand_walk_should_stop(priv) ? KMMSCAND_WALK_STOP : 0;
}

static int kmmscand_pte_hole(unsigned long addr, unsigned long next,
			     int depth, struct mm_walk *walk)
{
	struct kmmscand_walk *priv = walk->private;

	/* Empty ranges cost budget too, so sparse mms cannot hog the thread */
	priv->work++;
	/* Gaps between VMAs (depth -1) are not part of the pass. */
	if (depth < 0)
		return 0;
	priv->bytes += next - addr;
	priv->next_addr = next;
	return kmmscand_walk_should_stop(priv) ? KMMSCAND_WALK_STOP : 0;
}

/* Take the placement rule that applies in @vma: its own, else the owner's. */
static void kmmscand_vma_rule(struct vm_area_struct *vma,
			      struct kmmscand_walk *priv)
{
	struct mempolicy *pol;
	pgoff_t ilx;

	pol = __get_vma_policy(vma, vma->vm_start, &ilx);
	if (!pol) {
		priv->vma_pol = priv->owner_pol;
		return;
	}
	kmmscand_mpol_copy(&priv->vma_pol, pol);
	mpol_cond_put(pol);
}

static bool kmmscand_vma_skip(struct vm_area_struct *vma)
{
	/*
	 * VM_LOCKED VMAs are walked: their unevictable folios are skipped
	 * one by one, their other folios are fair game.
	 */
	return !vma_is_accessible(vma) || (vma->vm_flags & VM_SPECIAL) ||
	       is_vm_hugetlb_page(vma) || !vma_migratable(vma);
}

static int kmmscand_test_walk(unsigned long start, unsigned long end,
			      struct mm_walk *walk)
{
	struct kmmscand_walk *priv = walk->private;
	struct vm_area_struct *vma = walk->vma;

	kmmscand_flush_pending(priv);
	if (kmmscand_walk_should_stop(priv)) {
		priv->next_addr = start;
		return -EAGAIN;
	}
	priv->nr_vma_seen++;
	if (kmmscand_vma_skip(vma)) {
		priv->work++;
		return 1;
	}
	kmmscand_vma_rule(vma, priv);
	/* A VMA walked over several batches or passes counts once. */
	if (start == vma->vm_start && !priv->recheck)
		priv->nr_vma++;
	return 0;
}

static const struct mm_walk_ops kmmscand_walk_ops = {
	.pmd_entry	= kmmscand_pmd_entry,
	.pte_hole	= kmmscand_pte_hole,
	.test_walk	= kmmscand_test_walk,
	.walk_lock	= PGWALK_RDLOCK,
};

static void kmmscand_count_recheck(struct kmmscand_walk *priv)
{
	count_vm_events(KMMSCAND_PTE_RECHECKED, priv->nr_pte +
			priv->nr_pmd * (PMD_SIZE >> PAGE_SHIFT));
	count_vm_events(KMMSCAND_RECHECK_YOUNG, priv->nr_young_slow);
	count_vm_events(KMMSCAND_RECHECK_OLD, priv->nr_recheck_old);
	count_vm_events(KMMSCAND_RECORD_SKIP_POLICY, priv->nr_skip_policy);
	priv->nr_pte = 0;
	priv->nr_pmd = 0;
	priv->nr_young_slow = 0;
	priv->nr_recheck_old = 0;
	priv->nr_skip_policy = 0;
}

static void kmmscand_count_batch(struct kmmscand_mm_slot *mslot,
				 struct kmmscand_walk *priv)
{
	if (priv->recheck) {
		kmmscand_count_recheck(priv);
		return;
	}
	mslot->pass_ptes += priv->nr_pte +
			    priv->nr_pmd * (PMD_SIZE >> PAGE_SHIFT);
	mslot->pass_young_slow += priv->nr_young_slow;
	mslot->pass_young_top += priv->nr_young_top;

	count_vm_events(KMMSCAND_VMA_SCANS, priv->nr_vma);
	count_vm_events(KMMSCAND_PTE_SCANNED, priv->nr_pte);
	count_vm_events(KMMSCAND_PMD_SCANNED, priv->nr_pmd);
	count_vm_events(KMMSCAND_YOUNG_SLOWTIER, priv->nr_young_slow);
	count_vm_events(KMMSCAND_YOUNG_TOPTIER, priv->nr_young_top);
	count_vm_events(KMMSCAND_RECORD_SKIP_POLICY, priv->nr_skip_policy);
	priv->nr_vma = 0;
	priv->nr_pte = 0;
	priv->nr_pmd = 0;
	priv->nr_young_slow = 0;
	priv->nr_young_top = 0;
	priv->nr_skip_policy = 0;
}

/*
 * Close the current pass. The next one resumes at scan_addr: a pass that
 * ended after scan_size continues where it stopped.
 */
static void kmmscand_reset_pass(struct kmmscand_mm_slot *mslot)
{
	mslot->pass_bytes = 0;
	mslot->found_cur = 0;
	mslot->initial = false;
	mslot->in_pass = false;
	mslot->pass_ptes = 0;
	mslot->pass_young_slow = 0;
	mslot->pass_young_top = 0;
}

/*
 * The mm opted out (level 0): do not walk it, and look again after the
 * longest period, so that the pass not made is counted once per period.
 */
static void kmmscand_optout(struct kmmscand_mm_slot *mslot)
{
	unsigned int max_ms = READ_ONCE(kmmscand_tun.scan_period_max_ms);

	kmmscand_reset_pass(mslot);
	mslot->next_scan = jiffies + msecs_to_jiffies(max_ms);
	count_vm_event(KMMSCAND_MM_OPTOUT);
}

/*
 * End of a pass: adapt the period and size, choose the next target. The
 * adaptive period stays within its bounds; the mm's level scales only the
 * wait before the next pass.
 */
static void kmmscand_end_pass(struct kmmscand_mm_slot *mslot,
			      struct kmmscand_walk *priv,
			      const nodemask_t *allowed, int task_nid,
			      unsigned int level)
{
	unsigned int min_ms = READ_ONCE(kmmscand_tun.scan_period_min_ms);
	unsigned int max_ms = READ_ONCE(kmmscand_tun.scan_period_max_ms);
	unsigned int wait_ms;

	mslot->scan_period_ms =
		kmmscand_next_scan_period(mslot->scan_period_ms,
					  mslot->found_prev, mslot->found_cur,
					  min_ms, max_ms);
	mslot->scan_size_mb =
		kmmscand_next_scan_size(mslot->scan_size_mb,
					mslot->found_prev, mslot->found_cur,
					KMMSCAND_SCAN_SIZE_MB_MIN,
					KMMSCAND_SCAN_SIZE_MB_MAX);
	mslot->scan_size_mb =
		kmmscand_sweep_scan_size(mslot->scan_size_mb,
					 READ_ONCE(mslot->slot.mm->total_vm) >>
					 (20 - PAGE_SHIFT),
					 KMMSCAND_SCAN_SIZE_MB_MIN,
					 KMMSCAND_SCAN_SIZE_MB_MAX);
	wait_ms = kmmscand_level_period(mslot->scan_period_ms, level);
	mslot->found_prev = mslot->found_cur;
	mslot->next_scan = jiffies + msecs_to_jiffies(wait_ms);
	mslot->probe_next = jiffies + KMMSCAND_PROBE_INTERVAL;
	mslot->rss_seen = get_mm_rss(mslot->slot.mm);
	mslot->target_nid = kmmscand_choose_target(priv->node_young,
						   nr_node_ids, task_nid,
						   allowed,
						   kmmscand_node_has_headroom,
						   NULL, &mslot->target_rule);
	count_vm_event(KMMSCAND_MM_SCANS);
	if (trace_kmmscand_scan_end_enabled()) {
		enum kmmscand_target_rule rule = mslot->target_rule;
		int nid = kmmscand_forced_target(allowed);

		if (nid == NUMA_NO_NODE)
			nid = mslot->target_nid;
		else
			rule = KMMSCAND_TARGET_FORCED;
		trace_kmmscand_scan_end(mslot->pid, mslot->pass_ptes,
					mslot->pass_young_slow,
					mslot->pass_young_top, wait_ms,
					mslot->scan_size_mb, nid, rule, level);
	}
	kmmscand_reset_pass(mslot);
}

/*
 * Walk one batch of [@start, @end); the walk's result. With the
 * kmmscand_walk_batch event on, the batch and its page table lock holds
 * are timed, for the bounds Documentation/admin-guide/mm/kmmscand.rst
 * states.
 */
static int kmmscand_walk_batch(struct mm_struct *mm,
			       struct kmmscand_walk *priv,
			       unsigned long start, unsigned long end,
			       unsigned int work_limit, u64 bytes_limit)
{
	u64 t0 = 0;
	int ret;

	priv->timed = trace_kmmscand_walk_batch_enabled();
	if (priv->timed)
		t0 = ktime_get_ns();
	priv->max_ptl_ns = 0;
	priv->nr_vma_seen = 0;
	priv->work = 0;
	priv->work_limit = work_limit;
	priv->bytes = 0;
	priv->bytes_limit = bytes_limit;
	priv->last_folio = NULL;
	priv->next_addr = start;
	ret = walk_page_range(mm, start, end, &kmmscand_walk_ops, priv);
	kmmscand_flush_pending(priv);
	if (priv->timed)
		trace_kmmscand_walk_batch(priv->mslot->pid, priv->recheck,
					  priv->work, priv->nr_vma_seen,
					  ktime_get_ns() - t0,
					  priv->max_ptl_ns);
	return ret;
}

/* Drop mmap_lock between two batches. Return: false if it is contended. */
static bool kmmscand_relock(struct mm_struct *mm)
{
	mmap_read_unlock(mm);
	cond_resched();
	if (mmap_read_trylock(mm))
		return true;
	count_vm_event(KMMSCAND_MM_SKIPPED);
	return false;
}

static bool kmmscand_recheck_due(struct kmmscand_mm_slot *mslot)
{
	unsigned int ms = READ_ONCE(kmmscand_tun.recheck_ms);

	return mslot->nr_recheck &&
	       time_after_eq(jiffies, mslot->recheck[0].cleared +
				      msecs_to_jiffies(ms));
}

/*
 * Probes are for an mm that went quiet: its last pass found nothing. An
 * active mm's passes follow its period, which activity shortens anyway.
 */
static bool kmmscand_probe_due(struct kmmscand_mm_slot *mslot)
{
	return !mslot->in_pass && mslot->nr_probe && !mslot->found_prev &&
	       time_after_eq(jiffies, mslot->probe_next);
}

/*
 * Memory faulted in since the last pass has been looked at by neither the
 * pass nor the probes (which sample what a pass saw), and a backed-off
 * period and a shrunk pass size can keep the cursor away from it for
 * minutes. So an mm whose resident set grew by an eighth, and by at least
 * KMMSCAND_GROWTH_MIN pages, since its last pass ended has its next pass
 * now, large enough to cover the whole resident set (see
 * kmmscand_grown_pass()): the new pages are young from their faults, so
 * the pass finds them and the period adapts from there. A growing mm
 * costs about nine sweeps of its final size.
 */
#define KMMSCAND_GROWTH_MIN	(SZ_16M >> PAGE_SHIFT)

static bool kmmscand_mm_grew(struct kmmscand_mm_slot *mslot)
{
	unsigned long seen = mslot->rss_seen;

	return !mslot->initial &&
	       get_mm_rss(mslot->slot.mm) >
	       seen + max(seen / 8, (unsigned long)KMMSCAND_GROWTH_MIN);
}

/* Start a pass now that covers the resident set of a grown mm. */
static void kmmscand_grown_pass(struct kmmscand_mm_slot *mslot)
{
	unsigned long mb = get_mm_rss(mslot->slot.mm) >> (20 - PAGE_SHIFT);

	mslot->scan_size_mb = clamp_t(unsigned long, mb + 1,
				      mslot->scan_size_mb,
				      KMMSCAND_SCAN_SIZE_MB_MAX);
	mslot->next_scan = jiffies;
}

/**
 * kmmscand_mm_due - does the cursor's mm have work now?
 * @mslot: the cursor's slot
 *
 * Return: true if its next pass, a re-check or a probe round is due.
 */
static bool kmmscand_mm_due(struct kmmscand_mm_slot *mslot)
{
	return !time_before(jiffies, mslot->next_scan) ||
	       kmmscand_recheck_due(mslot) || kmmscand_probe_due(mslot) ||
	       kmmscand_mm_grew(mslot);
}

/* Queue the range a pass batch just cleared for its re-checks. */
static void kmmscand_recheck_add(struct kmmscand_mm_slot *mslot,
				 unsigned long start, unsigned long end,
				 unsigned int left)
{
	struct kmmscand_recheck *rc;

	if (WARN_ON_ONCE(mslot->nr_recheck >= KMMSCAND_RECHECK_SLOTS) ||
	    start >= end)
		return;
	rc = &mslot->recheck[mslot->nr_recheck++];
	rc->start = start;
	rc->end = end;
	rc->cleared = jiffies;
	rc->left = left;
}

static void kmmscand_recheck_pop(struct kmmscand_mm_slot *mslot)
{
	mslot->nr_recheck--;
	memmove(&mslot->recheck[0], &mslot->recheck[1],
		mslot->nr_recheck * sizeof(mslot->recheck[0]));
}

/*
 * Re-check the ranges whose interval is over, oldest first: a page young
 * again this soon after its Accessed bit was cleared gains a frequency
 * level, a page found old loses the levels only quick re-accesses earn
 * (see kmmscand_rec_miss()). A range is re-checked KMMSCAND_RECHECKS
 * times, each interval measured from the previous look. Called with
 * mmap_lock held for read; drops and retakes it between two ranges.
 * Return: false if the visit must end: the budget is spent, or the lock
 * was contended (then it is no longer held: *@locked is false).
 */
static bool kmmscand_do_rechecks(struct kmmscand_mm_slot *mslot,
				 struct kmmscand_walk *priv,
				 unsigned int budget, unsigned int *progress,
				 bool *locked)
{
	unsigned long interval =
		msecs_to_jiffies(READ_ONCE(kmmscand_tun.recheck_ms));
	struct mm_struct *mm = mslot->slot.mm;
	struct kmmscand_recheck rc;
	bool done;
	int ret;

	priv->recheck = true;
	while (kmmscand_recheck_due(mslot)) {
		if (*progress >= budget || kmmscand_test_exit(mm))
			break;
		rc = mslot->recheck[0];
		priv->quick = time_before_eq(jiffies, rc.cleared + 2 * interval);
		ret = kmmscand_walk_batch(mm, priv, rc.start, rc.end,
					  min(KMMSCAND_BATCH,
					      budget - *progress), U64_MAX);
		/* A walk that stopped at the very end did the whole range. */
		done = (ret != KMMSCAND_WALK_STOP && ret != -EAGAIN) ||
		       priv->next_addr >= rc.end;
		*progress += priv->work + 1;
		mslot->found_cur += priv->found;
		priv->found = 0;
		trace_kmmscand_recheck(mslot->pid, rc.start,
				       done ? rc.end : priv->next_addr,
				       jiffies_to_msecs(jiffies - rc.cleared),
				       priv->nr_young_slow,
				       priv->nr_recheck_old);
		kmmscand_count_recheck(priv);
		if (!done) {
			/* The rest of the range keeps its place and age. */
			mslot->recheck[0].start = priv->next_addr;
		} else {
			kmmscand_recheck_pop(mslot);
			if (--rc.left)
				kmmscand_recheck_add(mslot, rc.start, rc.end,
						     rc.left);
		}
		if (!kmmscand_relock(mm)) {
			*locked = false;
			break;
		}
	}
	priv->recheck = false;
	priv->quick = false;
	return *locked && *progress < budget;
}

/* The probe walk: is the single page at the start of the range young? */
static int kmmscand_probe_pmd(pmd_t *pmd, unsigned long addr,
			      unsigned long end, struct mm_walk *walk)
{
	bool *young = walk->private;
	spinlock_t *ptl;	/* page table lock of @pmd */
	pte_t *pte;

	ptl = pmd_trans_huge_lock(pmd, walk->vma);
	if (ptl) {
		pmd_t pmdval = pmdp_get(pmd);

		*young = pmd_present(pmdval) && pmd_young(pmdval);
		spin_unlock(ptl);
		return 1;
	}
	pte = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!pte)
		return 1;
	*young = pte_present(ptep_get(pte)) && pte_young(ptep_get(pte));
	pte_unmap_unlock(pte, ptl);
	return 1;
}

static const struct mm_walk_ops kmmscand_probe_ops = {
	.pmd_entry	= kmmscand_probe_pmd,
	.walk_lock	= PGWALK_RDLOCK,
};

/*
 * A probe round of an mm waiting for its next pass: test (without
 * clearing) the Accessed bits of the pages the last pass sampled while
 * they were old. One of them young means the mm turned active: its pass
 * starts now instead of after its backed-off period. Called with
 * mmap_lock held for read.
 */
static void kmmscand_probe(struct kmmscand_mm_slot *mslot,
			   unsigned int *progress)
{
	struct mm_struct *mm = mslot->slot.mm;
	unsigned int i;
	bool young;

	mslot->probe_next = jiffies + KMMSCAND_PROBE_INTERVAL;
	count_vm_event(KMMSCAND_PROBES);
	for (i = 0; i < mslot->nr_probe; i++) {
		unsigned long addr = mslot->probe[i];

		young = false;
		walk_page_range(mm, addr, addr + PAGE_SIZE,
				&kmmscand_probe_ops, &young);
		*progress += 1;
		if (young) {
			count_vm_event(KMMSCAND_PROBE_HIT);
			trace_kmmscand_probe_hit(mslot->pid, addr);
			/*
			 * The pass may not reach this page (scan_size): a
			 * probe fires once, or a page touched once would
			 * start a pass every second.
			 */
			mslot->probe[i] = mslot->probe[--mslot->nr_probe];
			mslot->next_scan = jiffies;
			return;
		}
	}
}

/**
 * kmmscand_scan_mm - visit one mm: its due re-checks, then its pass
 * @mslot: the cursor's slot
 * @budget: PTE units this visit may spend
 * @node_young: the cursor's per-node young top-tier anon counts
 * @progress: out: PTE units spent
 *
 * Walks under mmap_read_trylock() in batches of at most KMMSCAND_BATCH
 * units; between two batches the lock is dropped and cond_resched() runs,
 * and the mm is given up if the lock is contended again. Each pass batch
 * that found young slow-tier pages is queued for its re-checks; when the
 * queue is full the pass waits for the next visit. An mm whose pass is
 * not due has its probes tested instead, once per KMMSCAND_PROBE_INTERVAL.
 *
 * Return: how the visit ended, see enum kmmscand_scan_result.
 */
static enum kmmscand_scan_result
kmmscand_scan_mm(struct kmmscand_mm_slot *mslot, unsigned int budget,
		 unsigned long *node_young, unsigned int *progress)
{
	struct mm_struct *mm = mslot->slot.mm;
	struct kmmscand_walk priv = {
		.mslot = mslot,
		.node_young = node_young,
	};
	enum kmmscand_scan_result result;
	nodemask_t allowed;
	unsigned long batch_start;
	bool locked = true;
	unsigned int level;
	u64 size;
	int task_nid, ret;

	*progress = 1;
	if (kmmscand_test_exit(mm)) {
		count_vm_event(KMMSCAND_MM_SKIPPED);
		return KMMSCAND_SCAN_EXITING;
	}

	level = kmmscand_mm_level(mm);
	if (level == KMMSCAND_LEVEL_OFF) {
		mslot->nr_recheck = 0;
		mslot->nr_probe = 0;
		kmmscand_optout(mslot);
		return KMMSCAND_SCAN_OPTOUT;
	}

	/* Policy inputs, outside mmap_lock: they only need to be recent. */
	priv.owner_pid = kmmscand_task_rules(mm, &priv.owner_pol, &allowed,
					     &task_nid);
	/* Keep the last owner: at exit the mm usually has none left. */
	if (priv.owner_pid)
		mslot->pid = priv.owner_pid;
	kmmscand_toptier_nodes(&priv.toptier);
	nodes_and(allowed, allowed, priv.toptier);
	priv.target_nid = kmmscand_pick_target(&allowed, mslot->target_nid,
					       task_nid, NULL);

	if (!mmap_read_trylock(mm)) {
		count_vm_event(KMMSCAND_MM_SKIPPED);
		return KMMSCAND_SCAN_CONTENDED;
	}

	/* Re-checks first: the interval is what they measure. */
	if (!kmmscand_do_rechecks(mslot, &priv, budget, progress, &locked)) {
		if (!locked)
			return KMMSCAND_SCAN_CONTENDED;
		mmap_read_unlock(mm);
		return KMMSCAND_SCAN_BUDGET;
	}

	if (!mslot->in_pass && kmmscand_mm_grew(mslot))
		kmmscand_grown_pass(mslot);
	if (time_before(jiffies, mslot->next_scan)) {
		if (kmmscand_probe_due(mslot))
			kmmscand_probe(mslot, progress);
		mmap_read_unlock(mm);
		return KMMSCAND_SCAN_WAIT;
	}

	if (!mslot->in_pass) {
		bool first_sweep = mslot->initial;

		mslot->in_pass = true;
		mslot->initial = false;
		/*
		 * A new sweep of the mm: its candidates replace the old,
		 * and its observations look back to the previous sweep's
		 * start, where the page was seen last, or to their own
		 * sweep's start for the first (internal.h).
		 */
		if (!mslot->scan_addr) {
			mslot->probe_seen = 0;
			mslot->prev_sweep_start = first_sweep ? jiffies :
						  mslot->sweep_start;
			mslot->sweep_start = jiffies;
		}
		trace_kmmscand_scan_start(mslot->pid, mslot->scan_addr);
	}
	size = (u64)mslot->scan_size_mb << 20;
	for (;;) {
		if (kmmscand_test_exit(mm)) {
			count_vm_event(KMMSCAND_MM_SKIPPED);
			result = KMMSCAND_SCAN_EXITING;
			break;
		}
		if (mslot->nr_recheck >= KMMSCAND_RECHECK_SLOTS) {
			/* Let the queued ranges be re-checked first. */
			result = KMMSCAND_SCAN_WAIT;
			break;
		}

		batch_start = mslot->scan_addr;
		ret = kmmscand_walk_batch(mm, &priv, batch_start, ULONG_MAX,
					  min(KMMSCAND_BATCH,
					      budget - *progress),
					  size - min(size, mslot->pass_bytes));
		if (priv.nr_young_slow)
			kmmscand_recheck_add(mslot, batch_start,
					     ret == KMMSCAND_WALK_STOP ||
					     ret == -EAGAIN ?
					     priv.next_addr : ULONG_MAX,
					     KMMSCAND_RECHECKS);
		kmmscand_count_batch(mslot, &priv);

		*progress += priv.work + 1;
		mslot->pass_bytes += priv.bytes;
		mslot->found_cur += priv.found;
		priv.found = 0;

		if (ret != KMMSCAND_WALK_STOP && ret != -EAGAIN) {
			/* End of the address space: the pass is complete. */
			WARN_ON_ONCE(ret);
			mslot->scan_addr = 0;
			result = KMMSCAND_SCAN_PASS_DONE;
			break;
		}
		mslot->scan_addr = priv.next_addr;
		if (mslot->pass_bytes >= size) {
			result = KMMSCAND_SCAN_PASS_DONE;
			break;
		}
		if (*progress >= budget) {
			result = KMMSCAND_SCAN_BUDGET;
			break;
		}

		/* Bound the lock hold: let writers and other tasks in. */
		if (!kmmscand_relock(mm))
			return KMMSCAND_SCAN_CONTENDED;
	}
	mmap_read_unlock(mm);

	if (result == KMMSCAND_SCAN_PASS_DONE)
		kmmscand_end_pass(mslot, &priv, &allowed, task_nid, level);
	return result;
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
 * __kmmscand_enter - register an mm for scanning
 * @mm: a new user mm (fork or execve)
 *
 * Allocation failure only means that the mm is not scanned.
 */
void __kmmscand_enter(struct mm_struct *mm)
{
	struct kmmscand_mm_slot *mslot;
	struct kmmscand_mm_list *list;
	bool wakeup;
	pid_t pid;

	/* A new mm registers once, from the one context creating it. */
	if (!kmmscand_slot_cache || READ_ONCE(mm->kmmscand_slot))
		return;

	mslot = mm_slot_alloc(kmmscand_slot_cache);
	if (!mslot)
		return;
	mslot->next_scan = jiffies +
		msecs_to_jiffies(READ_ONCE(kmmscand_tun.initial_scan_delay_ms));
	mslot->scan_period_ms = KMMSCAND_SCAN_PERIOD_MS_DEF;
	mslot->scan_size_mb = READ_ONCE(kmmscand_tun.scan_size_mb);
	mslot->target_nid = NUMA_NO_NODE;
	mslot->target_rule = KMMSCAND_TARGET_NONE;
	mslot->initial = true;
	/*
	 * At fork the child's pid is not allocated yet, while its task,
	 * the mm's owner, still carries the parent's: report none.
	 */
	if (mm == current->mm)
		mslot->pid = kmmscand_mm_pid(mm);
	pid = mslot->pid;
	mslot->slot.mm = mm;
	/* The slot's reference, dropped when the slot is freed. */
	mmgrab(mm);

	list = kmmscand_mm_list_of(mm);
	spin_lock(&list->lock);
	WRITE_ONCE(mm->kmmscand_slot, mslot);
	wakeup = list_empty(&list->head);
	list_add_tail(&mslot->slot.mm_node, &list->head);
	spin_unlock(&list->lock);

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
	struct kmmscand_mm_list *list = kmmscand_mm_list_of(mm);
	struct kmmscand_mm_slot *mslot;
	bool free = false;

	/*
	 * Under the lock: the scanner may have collected the slot since
	 * mm_users dropped to zero, and cleared the pointer.
	 */
	spin_lock(&list->lock);
	mslot = mm->kmmscand_slot;
	/*
	 * The cursor moves under the lock of the list it leaves or enters:
	 * it can only be at this slot, or come to it, under ours.
	 */
	if (mslot && READ_ONCE(kmmscand_scan.mm_slot) != mslot) {
		list_del(&mslot->slot.mm_node);
		WRITE_ONCE(mm->kmmscand_slot, NULL);
		free = true;
	}
	spin_unlock(&list->lock);

	if (free) {
		kmmscand_trace_unregister(mslot);
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

/* Free a slot whose mm has no users left. Under its list's lock. */
static void kmmscand_collect_mm_slot(struct kmmscand_mm_slot *mslot)
{
	struct mm_struct *mm = mslot->slot.mm;

	lockdep_assert_held(&kmmscand_mm_list_of(mm)->lock);

	if (!kmmscand_test_exit(mm))
		return;
	kmmscand_trace_unregister(mslot);
	list_del(&mslot->slot.mm_node);
	/* kmmscand_exit() may be looking: it re-reads under the lock. */
	WRITE_ONCE(mm->kmmscand_slot, NULL);
	mm_slot_free(kmmscand_slot_cache, mslot);
	mmdrop(mm);
}

/*
 * Move the cursor past @mslot, collecting it if its mm is gone; past the
 * end of its list, the cursor waits for the next list. Under the lock of
 * @mslot's list.
 */
static void kmmscand_advance_cursor(struct kmmscand_mm_slot *mslot)
{
	struct kmmscand_mm_list *list = kmmscand_mm_list_of(mslot->slot.mm);

	lockdep_assert_held(&list->lock);

	if (list_is_last(&mslot->slot.mm_node, &list->head)) {
		WRITE_ONCE(kmmscand_scan.mm_slot, NULL);
		kmmscand_scan.list = (kmmscand_scan.list + 1) %
				     KMMSCAND_MM_LISTS;
	} else {
		WRITE_ONCE(kmmscand_scan.mm_slot,
			   list_next_entry(mslot, slot.mm_node));
	}
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
 * Visit the cursor's mm. Called with the lock of its list held; returns
 * with it released.
 */
static unsigned int kmmscand_scan_cursor(struct kmmscand_mm_list *list,
					 unsigned int budget)
	__releases(&list->lock)
{
	struct kmmscand_mm_slot *mslot = kmmscand_scan.mm_slot;
	enum kmmscand_scan_result result;
	unsigned int progress;

	lockdep_assert_held(&list->lock);

	kmmscand_clamp_next_scan(mslot);
	if (kmmscand_test_exit(mslot->slot.mm) || !kmmscand_mm_due(mslot)) {
		/* An exiting mm is collected: the visit is given up. */
		if (kmmscand_test_exit(mslot->slot.mm))
			count_vm_event(KMMSCAND_MM_SKIPPED);
		kmmscand_advance_cursor(mslot);
		spin_unlock(&list->lock);
		return 1;
	}
	spin_unlock(&list->lock);

	result = kmmscand_scan_mm(mslot, budget, kmmscand_scan.node_young,
				  &progress);

	spin_lock(&list->lock);
	/* Only the scanner moves the cursor: it still points at mslot. */
	if (result != KMMSCAND_SCAN_BUDGET)
		kmmscand_advance_cursor(mslot);
	spin_unlock(&list->lock);
	return progress;
}

/*
 * One wake's work: bounded by the PTE budget, mms_to_scan and two rounds
 * (every list started twice), so that idle mms cannot make a wake spin.
 */
static void kmmscand_do_scan(void)
{
	unsigned int mms = READ_ONCE(kmmscand_tun.mms_to_scan);
	unsigned int progress = 0, visited = 0, starts = 0;
	struct kmmscand_mm_list *list;

	while (progress < KMMSCAND_WAKE_BUDGET && visited < mms) {
		cond_resched();
		if (unlikely(kthread_should_stop() || freezing(current)))
			break;

		list = &kmmscand_mm_lists[kmmscand_scan.list];
		spin_lock(&list->lock);
		if (!kmmscand_scan.mm_slot) {
			if (++starts > 2 * KMMSCAND_MM_LISTS) {
				spin_unlock(&list->lock);
				break;
			}
			if (list_empty(&list->head)) {
				spin_unlock(&list->lock);
				kmmscand_scan.list = (kmmscand_scan.list + 1) %
						     KMMSCAND_MM_LISTS;
				continue;
			}
			WRITE_ONCE(kmmscand_scan.mm_slot,
				   list_first_entry(&list->head,
						    struct kmmscand_mm_slot,
						    slot.mm_node));
		}
		progress += kmmscand_scan_cursor(list, KMMSCAND_WAKE_BUDGET -
						 progress);
		visited++;
	}
	trace_kmmscand_wake(progress, visited);
}

/* Is any mm registered? A lockless look, as good as a wake-up. */
static bool kmmscand_have_mms(void)
{
	unsigned int i;

	for (i = 0; i < KMMSCAND_MM_LISTS; i++)
		if (!list_empty(&kmmscand_mm_lists[i].head))
			return true;
	return false;
}

static bool kmmscand_should_run(void)
{
	return READ_ONCE(kmmscand_tun.scan_enabled) &&
	       kmmscand_peer_in_charge() == KMMSCAND_PEER_NONE &&
	       kmmscand_have_mms() &&
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

	/* The scanner is the only writer of the cursor. */
	if (kmmscand_scan.mm_slot) {
		struct kmmscand_mm_list *list =
			&kmmscand_mm_lists[kmmscand_scan.list];

		spin_lock(&list->lock);
		kmmscand_collect_mm_slot(kmmscand_scan.mm_slot);
		WRITE_ONCE(kmmscand_scan.mm_slot, NULL);
		spin_unlock(&list->lock);
	}
	return 0;
}

/**
 * kmmscand_scan_init - let mms register, and start the scanner thread
 *
 * Return: 0 or a negative errno, with nothing left behind.
 */
int __init kmmscand_scan_init(void)
{
	struct task_struct *t;
	unsigned int i;

	for (i = 0; i < KMMSCAND_MM_LISTS; i++) {
		spin_lock_init(&kmmscand_mm_lists[i].lock);
		INIT_LIST_HEAD(&kmmscand_mm_lists[i].head);
	}
	/* Registration starts once the cache is set. */
	kmmscand_slot_cache = KMEM_CACHE(kmmscand_mm_slot, 0);
	if (!kmmscand_slot_cache)
		return -ENOMEM;

	t = kthread_run(kmmscand, NULL, "kmmscand");
	if (IS_ERR(t)) {
		kmem_cache_destroy(kmmscand_slot_cache);
		kmmscand_slot_cache = NULL;
		return PTR_ERR(t);
	}
	return 0;
}
