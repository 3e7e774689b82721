// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand hotness store: one u16 record per page of lower-tier memory,
 * updated lock-free by every access source, and a per-section summary of
 * the records that are ready for promotion.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/bitmap.h>
#include <linux/jiffies.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/memory-tiers.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <linux/xarray.h>

#include "internal.h"

#include <trace/events/kmmscand.h>

/**
 * struct kmmscand_section - the records of one memory section
 * @nr_ready: records of this section with the ready bit set (approximate:
 *	the bit is set before the count is raised)
 * @nid: node of the section, to free it when the node changes tier
 * @rcu: to free the section after the readers of the record path
 * @rec: one record per page, see the layout in internal.h
 *
 * Sections are created for lower-tier memory only: at init, on MEM_ONLINE
 * and when a node moves to a lower tier. Nothing is stored for the top
 * tier, so the budget is 2 bytes per slow-tier page plus this header.
 * The records are a separate allocation of exactly PAGES_PER_SECTION * 2
 * bytes: with the header in front of them the object would no longer be a
 * power of two and kmalloc would round it up to twice the size.
 */
struct kmmscand_section {
	atomic_t nr_ready;
	int nid;
	struct rcu_head rcu;
	u16 *rec;
};

/* Section number -> struct kmmscand_section; read under RCU. */
static DEFINE_XARRAY(kmmscand_sections);

/* One bit per memory section that may hold ready records. */
static unsigned long *kmmscand_ready_map;

/*
 * Serialises section creation and removal and protects
 * kmmscand_lower_nodes. Taken inside mem_hotplug_lock.
 */
static DEFINE_MUTEX(kmmscand_hotness_mutex);

/* Lower-tier nodes whose sections exist; under kmmscand_hotness_mutex. */
static nodemask_t kmmscand_lower_nodes;

/**
 * kmmscand_tick - the coarse time stored in a record
 * @now: jiffies
 * @window_ms: hot_window_ms
 *
 * Return: @now in units of an eighth of the window, modulo 256.
 */
u8 kmmscand_tick(unsigned long now, unsigned int window_ms)
{
	unsigned long len = msecs_to_jiffies(window_ms) / KMMSCAND_WINDOW_TICKS;

	return (now / max(len, 1UL)) & KMMSCAND_REC_TICK_MASK;
}

/**
 * kmmscand_rec_encode - build a record
 * @tick: last-access tick
 * @freq: frequency, saturated at KMMSCAND_REC_FREQ_MAX
 * @ready: ready bit
 * @nid: target hint or NUMA_NO_NODE; nodes above KMMSCAND_REC_NID_MAX are
 *	stored as "no hint"
 *
 * Return: the record.
 */
u16 kmmscand_rec_encode(u8 tick, unsigned int freq, bool ready, int nid)
{
	unsigned int hint = 0;

	if (nid >= 0 && nid <= KMMSCAND_REC_NID_MAX)
		hint = nid + 1;
	freq = min(freq, KMMSCAND_REC_FREQ_MAX);

	return tick | freq << KMMSCAND_REC_FREQ_SHIFT |
	       (ready ? KMMSCAND_REC_READY : 0) |
	       hint << KMMSCAND_REC_NID_SHIFT;
}

static bool kmmscand_rec_within(u16 rec, u8 tick)
{
	return (u8)(tick - kmmscand_rec_tick(rec)) < KMMSCAND_WINDOW_TICKS;
}

/**
 * kmmscand_rec_update - account one access in a record
 * @old: the record before the access
 * @tick: tick of the access
 * @threshold: hot_threshold
 * @nid: target hint of the source, or NUMA_NO_NODE to keep the old hint
 *
 * The frequency goes up by one (saturating) when the previous access is
 * within the window and restarts at 1 otherwise; the record becomes ready
 * when the frequency reaches @threshold. Ready stays set until kmmmigrated
 * clears it, so the ready summary only ever counts down in one place.
 *
 * Return: the new record.
 */
u16 kmmscand_rec_update(u16 old, u8 tick, unsigned int threshold, int nid)
{
	unsigned int freq = kmmscand_rec_freq(old);
	bool ready = kmmscand_rec_ready(old);

	if (freq && kmmscand_rec_within(old, tick))
		freq = min(freq + 1, KMMSCAND_REC_FREQ_MAX);
	else
		freq = 1;
	if (freq >= threshold)
		ready = true;
	if (nid == NUMA_NO_NODE)
		nid = kmmscand_rec_nid(old);

	return kmmscand_rec_encode(tick, freq, ready, nid);
}

/**
 * kmmscand_rec_fresh - is the page still hot at migration time?
 * @rec: the record
 * @tick: current tick
 *
 * Return: true if the page was accessed within the last window.
 */
bool kmmscand_rec_fresh(u16 rec, u8 tick)
{
	return kmmscand_rec_freq(rec) && kmmscand_rec_within(rec, tick);
}

/**
 * __kmmscand_record_access - account an access to a page
 * @pfn: the page; for a large folio, its head pfn
 * @nid: the top-tier node the source suggests, or NUMA_NO_NODE
 * @src: the reporting source
 * @now: jiffies of the access
 * @first: the source knows this is the first access it sees to the folio
 *	now at @pfn: what the record holds belongs to a previous owner of
 *	the pfn, and the frequency restarts from this access
 *
 * Lock-free, callable from any context but NMI: a try_cmpxchg() loop on
 * the record under rcu_read_lock(). A pfn without a record (top tier,
 * offline, or not yet set up) is ignored: the scanner reports lower-tier
 * folios only, so that happens only in a race with a tier change or
 * hotplug.
 */
void __kmmscand_record_access(unsigned long pfn, int nid,
			      enum kmmscand_source src, unsigned long now,
			      bool first)
{
	unsigned long secnr = pfn_to_section_nr(pfn);
	struct kmmscand_section *sec;
	unsigned int threshold;
	u16 *rec, old, new;
	u8 tick;

	if (WARN_ON_ONCE((unsigned int)src >= KMMSCAND_NR_SOURCES))
		return;

	tick = kmmscand_tick(now, READ_ONCE(kmmscand_tun.hot_window_ms));
	threshold = READ_ONCE(kmmscand_tun.hot_threshold);

	rcu_read_lock();
	sec = xa_load(&kmmscand_sections, secnr);
	if (!sec) {
		rcu_read_unlock();
		return;
	}
	/* Per source, what was recorded. */
	count_vm_event(KMMSCAND_RECORD_SCAN + src);
	rec = &sec->rec[pfn & (PAGES_PER_SECTION - 1)];
	old = READ_ONCE(*rec);
	do {
		new = kmmscand_rec_update(first ? 0 : old, tick, threshold,
					  nid);
	} while (!try_cmpxchg(rec, &old, new));

	trace_kmmscand_record(pfn, src, kmmscand_rec_freq(new),
			      !kmmscand_rec_ready(old) &&
			      kmmscand_rec_ready(new));
	/* A previous owner's ready bit went: so does its count. */
	if (kmmscand_rec_ready(old) && !kmmscand_rec_ready(new))
		atomic_dec(&sec->nr_ready);
	/* Not ready, or ready already for this owner: nothing to tell. */
	if (!kmmscand_rec_ready(new) || (kmmscand_rec_ready(old) && !first)) {
		rcu_read_unlock();
		return;
	}
	if (!kmmscand_rec_ready(old)) {
		/* 0 -> 1: publish the record, then the section (take_ready) */
		atomic_inc(&sec->nr_ready);
		set_bit(secnr, kmmscand_ready_map);
	}
	rcu_read_unlock();

	/*
	 * In base pages, as kmmscand_promoted. The folio may be split or
	 * freed meanwhile; the count is that of the folio as it is now.
	 */
	count_vm_events(KMMSCAND_PAGES_READY,
			folio_nr_pages(page_folio(pfn_to_page(pfn))));
	kmmscand_migrate_wake();
}

/**
 * kmmscand_record_access - report an access to a page
 * @pfn: the page; for a large folio, its head pfn
 * @nid: the top-tier node the source suggests, or NUMA_NO_NODE
 * @src: the reporting source
 * @now: jiffies of the access
 *
 * For sources that cannot tell a new owner of @pfn from the previous
 * one; see __kmmscand_record_access().
 */
void kmmscand_record_access(unsigned long pfn, int nid,
			    enum kmmscand_source src, unsigned long now)
{
	__kmmscand_record_access(pfn, nid, src, now, false);
}

/**
 * kmmscand_hotness_take_ready - harvest ready records for kmmmigrated
 * @secnr: in/out: section to resume from
 * @idx: in/out: record index to resume from within @secnr
 * @pfns: out: pfns of the harvested records
 * @recs: out: the records as they were before their ready bit was cleared
 * @max: capacity of @pfns and @recs
 *
 * Clears the ready bit of up to @max records, starting at @secnr/@idx.
 * A section's summary bit is cleared before its records are read and set
 * again if the harvest stops inside it; a producer sets the record before
 * the bit, so a record made ready concurrently is never lost: either it is
 * seen here, or its bit is set after ours was cleared.
 *
 * Return: the number of records harvested; fewer than @max means no ready
 * section is left after the cursor.
 */
unsigned int kmmscand_hotness_take_ready(unsigned long *secnr,
					 unsigned long *idx,
					 unsigned long *pfns, u16 *recs,
					 unsigned int max)
{
	struct kmmscand_section *sec;
	unsigned int n = 0;
	unsigned long i;
	u16 old;

	while (n < max) {
		if (!*idx) {
			*secnr = find_next_bit(kmmscand_ready_map,
					       NR_MEM_SECTIONS, *secnr);
			if (*secnr >= NR_MEM_SECTIONS)
				break;
			clear_bit(*secnr, kmmscand_ready_map);
			/* Pairs with the cmpxchg before set_bit() above. */
			smp_mb__after_atomic();
		}

		rcu_read_lock();
		sec = xa_load(&kmmscand_sections, *secnr);
		for (i = *idx; sec && i < PAGES_PER_SECTION && n < max; i++) {
			if (atomic_read(&sec->nr_ready) <= 0)
				break;
			old = READ_ONCE(sec->rec[i]);
			while (kmmscand_rec_ready(old)) {
				if (!try_cmpxchg(&sec->rec[i], &old,
						 old & ~KMMSCAND_REC_READY))
					continue;
				atomic_dec(&sec->nr_ready);
				pfns[n] = section_nr_to_pfn(*secnr) + i;
				recs[n++] = old;
				break;
			}
		}
		if (sec && n == max && i < PAGES_PER_SECTION &&
		    atomic_read(&sec->nr_ready) > 0) {
			/* Stopping inside the section: keep it findable. */
			set_bit(*secnr, kmmscand_ready_map);
			*idx = i;
			rcu_read_unlock();
			break;
		}
		rcu_read_unlock();
		*idx = 0;
		(*secnr)++;
	}
	return n;
}

/**
 * kmmscand_hotness_requeue - make a harvested record ready again
 * @pfn: a pfn returned by kmmscand_hotness_take_ready()
 *
 * For records kmmmigrated could not handle yet (rate limit): they are
 * found again by a later round, without waiting for new accesses.
 */
void kmmscand_hotness_requeue(unsigned long pfn)
{
	unsigned long secnr = pfn_to_section_nr(pfn);
	struct kmmscand_section *sec;
	u16 *rec, old;

	rcu_read_lock();
	sec = xa_load(&kmmscand_sections, secnr);
	if (sec) {
		rec = &sec->rec[pfn & (PAGES_PER_SECTION - 1)];
		old = READ_ONCE(*rec);
		do {
			if (kmmscand_rec_ready(old))
				goto out;
		} while (!try_cmpxchg(rec, &old, old | KMMSCAND_REC_READY));
		atomic_inc(&sec->nr_ready);
		set_bit(secnr, kmmscand_ready_map);
	}
out:
	rcu_read_unlock();
}

static void kmmscand_section_free_rcu(struct rcu_head *rcu)
{
	struct kmmscand_section *sec =
		container_of(rcu, struct kmmscand_section, rcu);

	kvfree(sec->rec);
	kfree(sec);
}

static void kmmscand_section_free(unsigned long secnr)
{
	struct kmmscand_section *sec;

	lockdep_assert_held(&kmmscand_hotness_mutex);

	sec = xa_erase(&kmmscand_sections, secnr);
	if (sec)
		call_rcu(&sec->rcu, kmmscand_section_free_rcu);
}

static void kmmscand_section_alloc(unsigned long secnr, int nid)
{
	struct kmmscand_section *sec;

	lockdep_assert_held(&kmmscand_hotness_mutex);

	if (xa_load(&kmmscand_sections, secnr))
		return;
	/*
	 * Records of slow memory live on slow memory: the top tier is the
	 * scarce resource, and the records are only touched by the scanner.
	 */
	sec = kzalloc_node(sizeof(*sec), GFP_KERNEL, nid);
	if (!sec)
		return;	/* its pages' reports are dropped and counted */
	sec->rec = kvcalloc_node(PAGES_PER_SECTION, sizeof(*sec->rec),
				 GFP_KERNEL, nid);
	if (!sec->rec)
		goto free;
	sec->nid = nid;
	if (!xa_err(xa_store(&kmmscand_sections, secnr, sec, GFP_KERNEL)))
		return;
	kvfree(sec->rec);
free:
	kfree(sec);
}

/* Create or free the records of the online sections in a pfn range. */
static void kmmscand_sections_update(unsigned long start_pfn,
				     unsigned long end_pfn, int nid, bool alloc)
{
	unsigned long pfn;

	lockdep_assert_held(&kmmscand_hotness_mutex);

	for (pfn = ALIGN_DOWN(start_pfn, PAGES_PER_SECTION); pfn < end_pfn;
	     pfn += PAGES_PER_SECTION) {
		unsigned long secnr = pfn_to_section_nr(pfn);
		struct page *page;

		if (!alloc) {
			struct kmmscand_section *sec;

			sec = xa_load(&kmmscand_sections, secnr);
			if (sec && (nid == NUMA_NO_NODE || sec->nid == nid))
				kmmscand_section_free(secnr);
			continue;
		}
		if (!online_section_nr(secnr))
			continue;
		page = pfn_to_online_page(max(pfn, start_pfn));
		if (!page || page_to_nid(page) != nid)
			continue;
		kmmscand_section_alloc(secnr, nid);
		cond_resched();
	}
}

/**
 * kmmscand_hotness_sync_tiers - follow changes of the memory tiers
 *
 * Creates the records of nodes that became lower tier and frees those of
 * nodes that left it. Cheap when nothing changed; called by the scanner
 * before each wake's work, as memory tiers have no change notifier.
 */
void kmmscand_hotness_sync_tiers(void)
{
	nodemask_t lower, gone, added;
	int nid;

	kmmscand_has_lowertier(&lower);
	mutex_lock(&kmmscand_hotness_mutex);
	if (nodes_equal(lower, kmmscand_lower_nodes)) {
		mutex_unlock(&kmmscand_hotness_mutex);
		return;
	}
	mutex_unlock(&kmmscand_hotness_mutex);

	/* mem_hotplug_lock nests outside kmmscand_hotness_mutex */
	get_online_mems();
	mutex_lock(&kmmscand_hotness_mutex);
	kmmscand_has_lowertier(&lower);
	nodes_andnot(gone, kmmscand_lower_nodes, lower);
	nodes_andnot(added, lower, kmmscand_lower_nodes);
	for_each_node_mask(nid, gone) {
		pg_data_t *pgdat = NODE_DATA(nid);

		kmmscand_sections_update(pgdat->node_start_pfn,
					 pgdat_end_pfn(pgdat), nid, false);
	}
	for_each_node_mask(nid, added) {
		pg_data_t *pgdat = NODE_DATA(nid);

		kmmscand_sections_update(pgdat->node_start_pfn,
					 pgdat_end_pfn(pgdat), nid, true);
	}
	kmmscand_lower_nodes = lower;
	mutex_unlock(&kmmscand_hotness_mutex);
	put_online_mems();
}

/*
 * Runs after the memory-tier callback (lower priority), so the tier of a
 * node onlined by this event is already known.
 */
static int kmmscand_memory_callback(struct notifier_block *nb,
				    unsigned long action, void *data)
{
	struct memory_notify *mn = data;
	unsigned long end_pfn = mn->start_pfn + mn->nr_pages;
	int nid;

	switch (action) {
	case MEM_ONLINE:
		nid = page_to_nid(pfn_to_page(mn->start_pfn));
		if (node_is_toptier(nid))
			break;
		mutex_lock(&kmmscand_hotness_mutex);
		kmmscand_sections_update(mn->start_pfn, end_pfn, nid, true);
		node_set(nid, kmmscand_lower_nodes);
		mutex_unlock(&kmmscand_hotness_mutex);
		break;
	case MEM_OFFLINE:
		mutex_lock(&kmmscand_hotness_mutex);
		kmmscand_sections_update(mn->start_pfn, end_pfn, NUMA_NO_NODE,
					 false);
		mutex_unlock(&kmmscand_hotness_mutex);
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block kmmscand_memory_nb = {
	.notifier_call = kmmscand_memory_callback,
	.priority = MEMTIER_HOTPLUG_PRI - 1,
};

/**
 * kmmscand_hotness_init - set up the store for the present lower tiers
 *
 * Return: 0 or a negative errno.
 */
int kmmscand_hotness_init(void)
{
	int err;

	kmmscand_ready_map = bitmap_zalloc(NR_MEM_SECTIONS, GFP_KERNEL);
	if (!kmmscand_ready_map)
		return -ENOMEM;

	err = register_memory_notifier(&kmmscand_memory_nb);
	if (err) {
		bitmap_free(kmmscand_ready_map);
		kmmscand_ready_map = NULL;
		return err;
	}
	kmmscand_hotness_sync_tiers();
	return 0;
}

/**
 * kmmscand_hotness_exit - tear the store down (init failure only)
 *
 * The threads must be stopped. Record reporters may still run: they hold
 * RCU and see the sections disappear.
 */
void kmmscand_hotness_exit(void)
{
	struct kmmscand_section *sec;
	unsigned long secnr;

	unregister_memory_notifier(&kmmscand_memory_nb);
	mutex_lock(&kmmscand_hotness_mutex);
	xa_for_each(&kmmscand_sections, secnr, sec)
		kmmscand_section_free(secnr);
	nodes_clear(kmmscand_lower_nodes);
	mutex_unlock(&kmmscand_hotness_mutex);
	/* Reporters that found a section may still set a bit: let them. */
	synchronize_rcu();
	bitmap_free(kmmscand_ready_map);
	kmmscand_ready_map = NULL;
}

#ifdef CONFIG_KMMSCAND_KUNIT_TEST
#include "tests/hotness_kunit.c"
#endif
