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
#include <linux/migrate_mode.h>
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
 * @nr_ready: records of this section with the ready bit set, per frequency
 *	level (approximate: the record changes before the count does)
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
	atomic_t nr_ready[KMMSCAND_REC_FREQ_MAX + 1];
	int nid;
	struct rcu_head rcu;
	u16 *rec;
};

/* Section number -> struct kmmscand_section; read under RCU. */
static DEFINE_XARRAY(kmmscand_sections);

/* One bit per memory section that may hold ready records. */
static unsigned long *kmmscand_ready_map;

/*
 * Ready records of all sections per frequency level: the sum of the
 * sections' nr_ready. A section's counts leave the sum only once no
 * reporter can touch the section any more (kmmscand_section_free_rcu()).
 */
static atomic_long_t kmmscand_ready_level[KMMSCAND_REC_FREQ_MAX + 1];

/*
 * Arrivals per level: how often a record crossed a level on its way up
 * while ready (becoming ready at level l crosses 1..l), so that the
 * migrator sees the demand at each level even while it drains it.
 */
static atomic_long_t kmmscand_ready_arrivals[KMMSCAND_REC_FREQ_MAX + 1];

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
	return (now / kmmscand_tick_len(window_ms)) & KMMSCAND_REC_TICK_MASK;
}

/**
 * kmmscand_window_ticks - the window of an observation, in ticks
 * @span: jiffies the window must reach back at least (0: none)
 * @window_ms: hot_window_ms
 *
 * Return: KMMSCAND_WINDOW_TICKS, or more to cover @span and the tick in
 * which it started, at most KMMSCAND_WINDOW_MAX_TICKS.
 */
unsigned int kmmscand_window_ticks(unsigned long span, unsigned int window_ms)
{
	unsigned long ticks = min_t(unsigned long,
				    span / kmmscand_tick_len(window_ms),
				    KMMSCAND_WINDOW_MAX_TICKS);

	return clamp_t(unsigned long, ticks + 2, KMMSCAND_WINDOW_TICKS,
		       KMMSCAND_WINDOW_MAX_TICKS);
}

struct kmmscand_hint_slots kmmscand_hints = {
	.lock = __SPIN_LOCK_UNLOCKED(kmmscand_hints.lock),
};

/**
 * kmmscand_hint_slot - the slot of a node in a hint table
 * @hs: the table (kmmscand_hints, or a test's)
 * @nid: a node, or NUMA_NO_NODE
 *
 * Gives @nid the next free slot on its first use. Not from interrupts.
 *
 * Return: 1 to KMMSCAND_REC_HINT_SLOTS, or 0 if @nid is not a node or
 * every slot belongs to another node.
 */
unsigned int kmmscand_hint_slot(struct kmmscand_hint_slots *hs, int nid)
{
	unsigned int slot;

	if (nid < 0 || nid >= MAX_NUMNODES)
		return 0;
	slot = READ_ONCE(hs->slot[nid]);
	if (likely(slot))
		return slot;
	/* All given out: a node without one must not take the lock each time. */
	if (READ_ONCE(hs->nr) >= KMMSCAND_REC_HINT_SLOTS)
		return 0;

	spin_lock(&hs->lock);
	slot = hs->slot[nid];
	if (!slot && hs->nr < KMMSCAND_REC_HINT_SLOTS) {
		slot = hs->nr + 1;
		WRITE_ONCE(hs->nr, slot);
		WRITE_ONCE(hs->nid[slot - 1], nid);
		/* A reader that finds the slot finds its node. */
		smp_store_release(&hs->slot[nid], slot);
	}
	spin_unlock(&hs->lock);
	return slot;
}

/**
 * kmmscand_rec_encode - build a record
 * @tick: last-access tick
 * @freq: frequency, saturated at KMMSCAND_REC_FREQ_MAX
 * @ready: ready bit
 * @nid: target hint or NUMA_NO_NODE; a node that finds no free slot in
 *	kmmscand_hints is stored as "no hint" and counted
 *
 * Return: the record.
 */
u16 kmmscand_rec_encode(u8 tick, unsigned int freq, bool ready, int nid)
{
	unsigned int hint = 0;

	if (nid != NUMA_NO_NODE) {
		hint = kmmscand_hint_slot(&kmmscand_hints, nid);
		if (!hint)
			count_vm_event(KMMSCAND_HINT_DROPPED);
	}
	freq = min(freq, KMMSCAND_REC_FREQ_MAX);

	return tick | freq << KMMSCAND_REC_FREQ_SHIFT |
	       (ready ? KMMSCAND_REC_READY : 0) |
	       hint << KMMSCAND_REC_NID_SHIFT;
}

static bool kmmscand_rec_within(u16 rec, u8 tick, unsigned int window)
{
	return (u8)(tick - kmmscand_rec_tick(rec)) < window;
}

/**
 * kmmscand_rec_update - account one access in a record
 * @old: the record before the access
 * @tick: tick of the access
 * @window: the window in ticks, KMMSCAND_WINDOW_TICKS or stretched by
 *	kmmscand_window_ticks()
 * @threshold: hot_threshold
 * @nid: target hint of the source, or NUMA_NO_NODE to keep the old hint
 * @quick: the access was seen young again a re-check interval after the
 *	previous look cleared it
 *
 * The frequency goes up by one (saturating) when the previous access is
 * within the window and restarts at 1 otherwise; above 2 it goes up for
 * @quick accesses only, so that the levels above 2 mean "re-accessed
 * within recheck_ms" and a page merely seen at every pass stays at 2. The
 * record becomes ready when the frequency reaches @threshold. Ready stays set until kmmmigrated
 * clears it, so the ready summary only ever counts down in one place.
 *
 * Return: the new record.
 */
u16 kmmscand_rec_update(u16 old, u8 tick, unsigned int window,
			unsigned int threshold, int nid, bool quick)
{
	unsigned int freq = kmmscand_rec_freq(old);
	bool ready = kmmscand_rec_ready(old);
	bool within = kmmscand_rec_within(old, tick, window);
	u16 new;

	if (!freq || !within)
		freq = 1;
	else if (quick || freq < 2)
		freq = min(freq + 1, KMMSCAND_REC_FREQ_MAX);
	if (freq >= threshold)
		ready = true;
	if (nid == NUMA_NO_NODE)
		nid = kmmscand_rec_nid(old);

	new = kmmscand_rec_encode(tick, freq, ready, nid);
	/* Accessed without a pause since its demotion: keep the mark. */
	if (kmmscand_rec_demoted(old) && within)
		new = (new & ~KMMSCAND_REC_NID_MASK) |
		      KMMSCAND_REC_HINT_DEMOTED << KMMSCAND_REC_NID_SHIFT;
	return new;
}

/**
 * kmmscand_rec_demote - the record of a page that was just demoted
 * @tick: tick of the demotion
 *
 * Return: frequency 0, not ready, the demoted mark, see internal.h.
 */
u16 kmmscand_rec_demote(u8 tick)
{
	return tick | KMMSCAND_REC_HINT_DEMOTED << KMMSCAND_REC_NID_SHIFT;
}

/**
 * kmmscand_rec_age - forget a record that is too old to compare
 * @rec: the record
 * @tick: current tick
 *
 * Return: zero (never accessed, not ready, no hint, no demoted mark) if
 * the last access of @rec is KMMSCAND_AGE_TICKS or more before @tick,
 * else @rec. Applied to every record once per KMMSCAND_AGE_PERIOD_TICKS,
 * it keeps every record younger than the 256 ticks the tick can tell.
 */
u16 kmmscand_rec_age(u16 rec, u8 tick)
{
	if (rec && (u8)(tick - kmmscand_rec_tick(rec)) >= KMMSCAND_AGE_TICKS)
		return 0;
	return rec;
}

/**
 * kmmscand_rec_miss - account a re-check that found the page not accessed
 * @old: the record before the re-check
 *
 * A re-check looks at a page a short interval (recheck_ms) after its
 * Accessed bit was cleared. Finding it young again raises the frequency
 * like any observation; finding it old is evidence against the levels
 * above 2 that only quick re-accesses earn, so they are halved. Levels 1
 * and 2 (seen once, seen twice within the window) stay: a page touched a
 * few times per window is not young again within recheck_ms, and that
 * must not undo what the window already established.
 *
 * Return: the new record; tick, ready bit and hint are kept.
 */
u16 kmmscand_rec_miss(u16 old)
{
	unsigned int freq = kmmscand_rec_freq(old);

	if (freq <= 2)
		return old;
	freq = max(2U, freq / 2);
	return (old & ~KMMSCAND_REC_FREQ_MASK) |
	       freq << KMMSCAND_REC_FREQ_SHIFT;
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
	return kmmscand_rec_freq(rec) &&
	       kmmscand_rec_within(rec, tick, KMMSCAND_WINDOW_TICKS);
}

/*
 * A record changed from @old to @new: move it between the ready counts of
 * its levels, and count the levels it rose through if this is news (an
 * @arrival: an access, not the migrator putting a record back).
 * Return: true if it became ready (was not before).
 */
static bool kmmscand_ready_account(struct kmmscand_section *sec, u16 old,
				   u16 new, bool arrival)
{
	unsigned int fo = kmmscand_rec_freq(old), fn = kmmscand_rec_freq(new);
	bool ro = kmmscand_rec_ready(old), rn = kmmscand_rec_ready(new);
	unsigned int l;

	if (ro == rn && (!ro || fo == fn))
		return false;
	if (arrival && rn)
		for (l = ro ? fo + 1 : 1; l <= fn; l++)
			atomic_long_inc(&kmmscand_ready_arrivals[l]);
	if (ro) {
		atomic_dec(&sec->nr_ready[fo]);
		atomic_long_dec(&kmmscand_ready_level[fo]);
	}
	if (rn) {
		atomic_inc(&sec->nr_ready[fn]);
		atomic_long_inc(&kmmscand_ready_level[fn]);
	}
	return rn && !ro;
}

/*
 * Publish section @secnr in the ready map once a record in it became
 * ready and was counted. set_bit() is unordered on weakly ordered CPUs
 * (arm64): the barrier keeps the record and its nr_ready count before the
 * bit, and kmmscand_hotness_take_ready() reads them after clearing the
 * bit (smp_mb__after_atomic() there). A harvester that clears a bit set
 * for a new record therefore finds the record counted; if the bit is set
 * after the clear, the section is found again at the next round.
 */
static void kmmscand_publish_section(unsigned long secnr)
{
	/* The record and its count before the bit; see above. */
	smp_mb__before_atomic();
	set_bit(secnr, kmmscand_ready_map);
}

/* Ready records of @sec at level @min_level or above. */
static int kmmscand_section_ready(struct kmmscand_section *sec,
				  unsigned int min_level)
{
	unsigned int l;
	int n = 0;

	for (l = min_level; l <= KMMSCAND_REC_FREQ_MAX; l++)
		n += atomic_read(&sec->nr_ready[l]);
	return n;
}

/**
 * kmmscand_hotness_ready_levels - ready records per frequency level
 * @levels: out: KMMSCAND_REC_FREQ_MAX + 1 counts, index = level
 *
 * Approximate: concurrent reporters may be between a record update and
 * its count.
 */
void kmmscand_hotness_ready_levels(unsigned long *levels)
{
	unsigned int l;

	for (l = 0; l <= KMMSCAND_REC_FREQ_MAX; l++)
		levels[l] = max(0L, atomic_long_read(&kmmscand_ready_level[l]));
}

/**
 * kmmscand_hotness_ready_arrivals - arrivals per frequency level so far
 * @arrivals: out: KMMSCAND_REC_FREQ_MAX + 1 counters, index = level
 *
 * Counters that only grow (modulo wrap): the caller takes differences.
 */
void kmmscand_hotness_ready_arrivals(unsigned long *arrivals)
{
	unsigned int l;

	for (l = 0; l <= KMMSCAND_REC_FREQ_MAX; l++)
		arrivals[l] = atomic_long_read(&kmmscand_ready_arrivals[l]);
}

/**
 * __kmmscand_record_access - account an access to a page
 * @pfn: the page; for a large folio, its head pfn
 * @nid: the top-tier node the source suggests, or NUMA_NO_NODE
 * @src: the reporting source
 * @now: jiffies of the access
 * @span: jiffies since the previous access the source could have seen, if
 *	that is more than hot_window_ms (the scanner: since the start of
 *	the mm's previous sweep), else 0; see kmmscand_window_ticks()
 * @first: the source knows this is the first access it sees to the folio
 *	now at @pfn: what the record holds belongs to a previous owner of
 *	the pfn, and the frequency restarts from this access
 * @quick: the access was found by a re-check, see kmmscand_rec_update()
 *
 * Lock-free, callable from any context but NMI: a try_cmpxchg() loop on
 * the record under rcu_read_lock(). A pfn without a record (top tier,
 * offline, or not yet set up) is ignored: the scanner reports lower-tier
 * folios only, so that happens only in a race with a tier change or
 * hotplug.
 */
void __kmmscand_record_access(unsigned long pfn, int nid,
			      enum kmmscand_source src, unsigned long now,
			      unsigned long span, bool first, bool quick)
{
	unsigned long secnr = pfn_to_section_nr(pfn);
	unsigned int window_ms = READ_ONCE(kmmscand_tun.hot_window_ms);
	unsigned int threshold, window;
	struct kmmscand_section *sec;
	u16 *rec, old, new;
	bool became_ready;
	u8 tick;

	if (WARN_ON_ONCE((unsigned int)src >= KMMSCAND_NR_SOURCES))
		return;

	tick = kmmscand_tick(now, window_ms);
	window = kmmscand_window_ticks(span, window_ms);
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
		/*
		 * A folio that has not been seen by the scanner yet at a
		 * pfn that was given a record for it by migration (the
		 * demoted mark) keeps it; see kmmscand_folio_migrated().
		 */
		bool fresh_mark = kmmscand_rec_demoted(old) &&
				  !kmmscand_rec_freq(old);

		new = kmmscand_rec_update(first && !fresh_mark ? 0 : old, tick,
					  window, threshold, nid, quick);
	} while (!try_cmpxchg(rec, &old, new));

	trace_kmmscand_record(pfn, src, kmmscand_rec_freq(new),
			      !kmmscand_rec_ready(old) &&
			      kmmscand_rec_ready(new));
	became_ready = kmmscand_ready_account(sec, old, new, true);
	/*
	 * Newly ready, or ready afresh for a new owner (its count did not
	 * change, but its pages did): publish the section (take_ready).
	 */
	if (!became_ready && !(first && kmmscand_rec_ready(new))) {
		rcu_read_unlock();
		return;
	}
	kmmscand_publish_section(secnr);
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
	__kmmscand_record_access(pfn, nid, src, now, 0, false, false);
}

/**
 * kmmscand_record_miss - report a re-check that found a page not accessed
 * @pfn: a pfn the scanner saw young at its previous look, its folio's head
 *
 * Lock-free like __kmmscand_record_access(); see kmmscand_rec_miss().
 */
void kmmscand_record_miss(unsigned long pfn)
{
	struct kmmscand_section *sec;
	u16 *rec, old, new;

	rcu_read_lock();
	sec = xa_load(&kmmscand_sections, pfn_to_section_nr(pfn));
	if (sec) {
		rec = &sec->rec[pfn & (PAGES_PER_SECTION - 1)];
		old = READ_ONCE(*rec);
		do {
			new = kmmscand_rec_miss(old);
			if (new == old)
				goto out;
		} while (!try_cmpxchg(rec, &old, new));
		kmmscand_ready_account(sec, old, new, false);
	}
out:
	rcu_read_unlock();
}

/* Replace the record of @pfn in @sec; return the old one. Under RCU. */
static u16 kmmscand_rec_replace(struct kmmscand_section *sec,
				unsigned long pfn, u16 new)
{
	u16 old = xchg(&sec->rec[pfn & (PAGES_PER_SECTION - 1)], new);

	kmmscand_ready_account(sec, old, new, false);
	return old;
}

/**
 * kmmscand_folio_migrated - a folio moved to a new pfn: move its record
 * @src: the folio that was migrated
 * @dst: its copy, locked and not mapped yet
 * @reason: why it moved, an enum migrate_reason
 *
 * The record of @src goes with the folio when both pfns are lower tier
 * and @reason is not a demotion: compaction or a migration between slow
 * nodes does not make a page less hot. A demoted folio starts from the
 * demoted mark, any other folio new to the lower tier from zero, so that
 * whatever the destination pfn's previous owner left there is not taken
 * for this folio's history (migration copies PG_young, which the migrator
 * would otherwise accept as proof that the record is this folio's). The
 * record of @src is cleared: a promoted folio has none any more, and is
 * counted in kmmscand_promoted_demoted if the record had the mark (kept
 * while kmmmigrated waits on it: harvesting clears the ready bit only).
 *
 * Called by the migration core once @dst holds @src's contents; lock-free
 * against the access sources, as __kmmscand_record_access() is.
 */
void kmmscand_folio_migrated(struct folio *src, struct folio *dst,
			     int reason)
{
	unsigned long spfn = folio_pfn(src), dpfn = folio_pfn(dst);
	struct kmmscand_section *sec;
	unsigned int window = READ_ONCE(kmmscand_tun.hot_window_ms);
	u16 rec = 0;

	rcu_read_lock();
	sec = xa_load(&kmmscand_sections, pfn_to_section_nr(spfn));
	if (sec)
		rec = kmmscand_rec_replace(sec, spfn, 0);
	/* Only the records of migrations that succeeded come here. */
	if (reason == MR_KMMSCAND && kmmscand_rec_demoted(rec))
		count_vm_events(KMMSCAND_PROMOTED_DEMOTED,
				folio_nr_pages(src));
	sec = xa_load(&kmmscand_sections, pfn_to_section_nr(dpfn));
	if (!sec)
		goto out;
	if (reason == MR_DEMOTION)
		rec = kmmscand_rec_demote(kmmscand_tick(jiffies, window));
	kmmscand_rec_replace(sec, dpfn, rec);
	if (kmmscand_rec_ready(rec)) {
		kmmscand_publish_section(pfn_to_section_nr(dpfn));
		kmmscand_migrate_wake();
	}
out:
	rcu_read_unlock();
}

/**
 * kmmscand_hotness_take_ready - harvest ready records for kmmmigrated
 * @secnr: in/out: section to resume from
 * @idx: in/out: record index to resume from within @secnr
 * @pfns: out: pfns of the harvested records
 * @recs: out: the records as they were before their ready bit was cleared
 * @max: capacity of @pfns and @recs
 * @min_level: harvest only records of this frequency level or above
 *
 * Clears the ready bit of up to @max records, starting at @secnr/@idx.
 * A section's summary bit is cleared before its records are read and set
 * again if ready records remain in it (of any level); a producer sets the
 * record before the bit, so a record made ready concurrently is never
 * lost: either it is seen here, or its bit is set after ours was cleared.
 *
 * Return: the number of records harvested; fewer than @max means no ready
 * section is left after the cursor.
 */
unsigned int kmmscand_hotness_take_ready(unsigned long *secnr,
					 unsigned long *idx,
					 unsigned long *pfns, u16 *recs,
					 unsigned int max,
					 unsigned int min_level)
{
	struct kmmscand_section *sec;
	unsigned int n = 0;
	unsigned long i;
	u16 old, new;
	int want;

	while (n < max) {
		if (!*idx) {
			*secnr = find_next_bit(kmmscand_ready_map,
					       NR_MEM_SECTIONS, *secnr);
			if (*secnr >= NR_MEM_SECTIONS)
				break;
			clear_bit(*secnr, kmmscand_ready_map);
			/* Pairs with kmmscand_publish_section(). */
			smp_mb__after_atomic();
		}

		rcu_read_lock();
		sec = xa_load(&kmmscand_sections, *secnr);
		/* What to look for; records made ready later set the bit. */
		want = sec ? kmmscand_section_ready(sec, min_level) : 0;
		for (i = *idx; want > 0 && i < PAGES_PER_SECTION && n < max;
		     i++) {
			old = READ_ONCE(sec->rec[i]);
			while (kmmscand_rec_ready(old) &&
			       kmmscand_rec_freq(old) >= min_level) {
				new = old & ~KMMSCAND_REC_READY;
				if (!try_cmpxchg(&sec->rec[i], &old, new))
					continue;
				kmmscand_ready_account(sec, old, new, false);
				pfns[n] = section_nr_to_pfn(*secnr) + i;
				recs[n++] = old;
				want--;
				break;
			}
		}
		if (sec && kmmscand_section_ready(sec, 0) > 0) {
			/* Ready records remain: keep the section findable. */
			set_bit(*secnr, kmmscand_ready_map);
			if (n == max && i < PAGES_PER_SECTION) {
				*idx = i;
				rcu_read_unlock();
				break;
			}
		}
		rcu_read_unlock();
		*idx = 0;
		(*secnr)++;
	}
	return n;
}

/**
 * kmmscand_hotness_drop_stale - drop ready records that went cold
 * @tick: current tick
 * @below: only records below this frequency level
 *
 * Records that wait below the promotion level are not harvested; those
 * whose last access left the window (their page went cold, or was freed
 * and its owner is gone) would hold the summary and the ready counts for
 * nothing. Clears their ready bit, as kmmmigrated would after a harvest.
 *
 * Return: the number of records dropped.
 */
unsigned long kmmscand_hotness_drop_stale(u8 tick, unsigned int below)
{
	struct kmmscand_section *sec;
	unsigned long secnr, i, n = 0;
	u16 old, new;
	int want;

	for_each_set_bit(secnr, kmmscand_ready_map, NR_MEM_SECTIONS) {
		rcu_read_lock();
		sec = xa_load(&kmmscand_sections, secnr);
		want = sec ? kmmscand_section_ready(sec, 0) -
			     kmmscand_section_ready(sec, below) : 0;
		for (i = 0; want > 0 && i < PAGES_PER_SECTION; i++) {
			old = READ_ONCE(sec->rec[i]);
			while (kmmscand_rec_ready(old) &&
			       kmmscand_rec_freq(old) < below) {
				want--;
				if (kmmscand_rec_fresh(old, tick))
					break;
				new = old & ~KMMSCAND_REC_READY;
				if (!try_cmpxchg(&sec->rec[i], &old, new)) {
					want++;
					continue;
				}
				kmmscand_ready_account(sec, old, new, false);
				n++;
				break;
			}
		}
		rcu_read_unlock();
		cond_resched();
	}
	return n;
}

/**
 * kmmscand_hotness_age - forget the records too old to compare
 * @tick: current tick
 *
 * Resets every record whose last access is KMMSCAND_AGE_TICKS or more
 * before @tick (kmmscand_rec_age()), ready ones included: kmmmigrated
 * calls it once per KMMSCAND_AGE_PERIOD_TICKS, so that the tick never
 * wraps under a record. One pass over the store; each section is read
 * under RCU, which keeps it from being freed.
 *
 * Return: the number of records reset.
 */
unsigned long kmmscand_hotness_age(u8 tick)
{
	struct kmmscand_section *sec;
	unsigned long secnr = 0, i, n = 0;
	u16 old, new;

	rcu_read_lock();
	while ((sec = xa_find(&kmmscand_sections, &secnr, ULONG_MAX,
			      XA_PRESENT))) {
		for (i = 0; i < PAGES_PER_SECTION; i++) {
			old = READ_ONCE(sec->rec[i]);
			do {
				new = kmmscand_rec_age(old, tick);
			} while (new != old &&
				 !try_cmpxchg(&sec->rec[i], &old, new));
			if (new == old)
				continue;
			kmmscand_ready_account(sec, old, new, false);
			n++;
		}
		rcu_read_unlock();
		cond_resched();
		rcu_read_lock();
		secnr++;
	}
	rcu_read_unlock();
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
		kmmscand_ready_account(sec, old, old | KMMSCAND_REC_READY,
				       false);
		kmmscand_publish_section(secnr);
	}
out:
	rcu_read_unlock();
}

static void kmmscand_section_free_rcu(struct rcu_head *rcu)
{
	struct kmmscand_section *sec =
		container_of(rcu, struct kmmscand_section, rcu);
	unsigned int l;

	/* No reporter sees the section any more: its counts are final. */
	for (l = 0; l <= KMMSCAND_REC_FREQ_MAX; l++)
		atomic_long_sub(atomic_read(&sec->nr_ready[l]),
				&kmmscand_ready_level[l]);
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
