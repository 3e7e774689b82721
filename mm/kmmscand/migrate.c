// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand migration thread: promotes ready slow-tier folios to a top-tier
 * node in batches, within a rate limit and the target's headroom.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/freezer.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/memory-tiers.h>
#include <linux/memory_hotplug.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmzone.h>
#include <linux/sched.h>
#include <linux/topology.h>
#include <linux/vmstat.h>
#include <linux/wait.h>

#include "../internal.h"
#include "internal.h"

#include <trace/events/kmmscand.h>

/*
 * One global kmmmigrated: the scanner, its only producer today, is a
 * single thread too, one thread makes one global rate limit exact without
 * locking, and tiered systems have few nodes. A thread per target node
 * can come when hardware sources produce faster than one thread drains.
 */
static struct task_struct *kmmscand_migrate_thread __read_mostly;

/* kmmmigrated sleeps here; producers wake it. */
static DECLARE_WAIT_QUEUE_HEAD(kmmscand_migrate_wait);

/* Set by producers when a record became ready, cleared by kmmmigrated. */
static bool kmmscand_migrate_pending;

/* Records harvested per round trip to the store. */
#define KMMSCAND_TAKE		64

/* Sleep without work, and after hitting the rate limit. */
#define KMMSCAND_MIGRATE_IDLE	HZ
#define KMMSCAND_MIGRATE_RETRY	(HZ / 10)

/**
 * struct kmmscand_batch - isolated folios sharing source, target, memcg,
 *	frequency level and folio order
 * @folios: the isolated folios, linked through folio->lru
 * @src_nid: node the folios are on, captured before migration
 * @dst_nid: target node
 * @memcg: memcg of the folios, referenced
 * @freq: frequency level of the folios' records when harvested
 * @order: order of the folios; large ones move whole or stay
 * @nr_folios: folios in @folios
 * @nr_pages: pages in @folios
 */
struct kmmscand_batch {
	struct list_head folios;
	int src_nid;
	int dst_nid;
	struct mem_cgroup *memcg;
	unsigned int freq;
	unsigned int order;
	unsigned int nr_folios;
	unsigned int nr_pages;
};

/*
 * Back-off of folios that could not move (pinned, shared, dirty, under
 * writeback): a folio is not tried again for a second after such a try,
 * then two, four, up to a minute while it keeps failing, so that a few
 * stuck pages cannot take the migrator's time from the rest. The table is
 * two-way set-associative by pfn: when both entries of a set are taken,
 * the one whose back-off ends first is forgotten, which only shortens
 * that folio's back-off. A stuck folio is never isolated and is not
 * charged to the rate limit.
 */
#define KMMSCAND_BACKOFF_BITS		10
#define KMMSCAND_BACKOFF_MAX_SHIFT	6

/**
 * struct kmmscand_backoff - one folio that could not move
 * @pfn: its pfn, ULONG_MAX for a free entry
 * @until: jiffies before which it is not tried again
 * @shift: the back-off is HZ << @shift
 */
struct kmmscand_backoff {
	unsigned long pfn;
	unsigned long until;
	unsigned int shift;
};

/**
 * struct kmmscand_migrate_state - kmmmigrated's private state
 * @rl: promotion rate limiter
 * @batch: the batch being filled
 * @toptier: top-tier memory nodes, refreshed every round
 * @kswapd_woken: nodes whose kswapd was woken this round
 * @level: promotion level, see "Promotion level" in policy.c
 * @level_since: jiffies when @level was last changed
 * @stale_next: jiffies of the next sweep for cold records below @level
 * @age_next: jiffies of the next ageing of the store
 * @fit_low_since: jiffies since when everything ready fits (the fit was
 *	hot_threshold at every update since)
 * @above: levels above the highest occupied one the fit may wait for
 * @idle: nothing was ready at the last update
 * @arr_seen: the arrival counters at @arr_time
 * @arr_recent: arrivals per level in about the last second
 * @arr_time: jiffies of the last arrival sample
 * @pfns: harvested pfns
 * @recs: harvested records
 * @backoff: folios that could not move, see KMMSCAND_BACKOFF_BITS
 */
struct kmmscand_migrate_state {
	struct kmmscand_ratelimit rl;
	struct kmmscand_batch batch;
	nodemask_t toptier;
	nodemask_t kswapd_woken;
	unsigned int level;
	unsigned long level_since;
	unsigned long stale_next;
	unsigned long age_next;
	unsigned long fit_low_since;
	unsigned int above;
	bool idle;
	unsigned long arr_seen[KMMSCAND_REC_FREQ_MAX + 1];
	unsigned long arr_recent[KMMSCAND_REC_FREQ_MAX + 1];
	unsigned long arr_time;
	unsigned long pfns[KMMSCAND_TAKE];
	u16 recs[KMMSCAND_TAKE];
	struct kmmscand_backoff backoff[1 << KMMSCAND_BACKOFF_BITS];
};

static struct kmmscand_migrate_state kmmscand_mstate;

/*
 * Room ahead of promotion. When promotion into a node that can demote is
 * blocked for lack of free pages, its kswapd is asked to reclaim, which
 * there means demote, to above its high watermarks by what promotion will
 * take next (kmmscand_promo_room()): the room appears as fast as promotion
 * uses it, and the coldest pages go down for it, as the tiering mode of
 * NUMA balancing has kswapd balance to WMARK_PROMO. The request lapses
 * KMMSCAND_ROOM_HOLD after the last blocked attempt. A node that cannot
 * demote is left alone: making room there would mean evicting page cache
 * or swapping for the sake of promotion.
 */
#define KMMSCAND_ROOM_HOLD	HZ

static nodemask_t kmmscand_room_wanted;
static unsigned long kmmscand_room_until[MAX_NUMNODES];

/*
 * A kswapd that failed MAX_RECLAIM_RETRIES times in a row gives up on its
 * node until direct reclaim there makes progress, and promotion never
 * reclaims directly. A top-tier node that was full with nothing to
 * reclaim (demotion off, no swap) stays given up after demotion becomes
 * possible, and promotion into it would wait forever. So when promotion
 * is blocked on a node that can demote and whose kswapd has given up, the
 * failures are forgotten, at most once per KMMSCAND_KSWAPD_RETRY: a
 * kswapd that still cannot make progress gives up again after
 * MAX_RECLAIM_RETRIES runs, which bounds the waste.
 */
#define KMMSCAND_KSWAPD_RETRY	(10 * HZ)

/* Both written by kmmmigrated only. */
static nodemask_t kmmscand_kswapd_retried;
static unsigned long kmmscand_kswapd_retry_next[MAX_NUMNODES];

/**
 * kmmscand_promo_room - free pages kswapd should keep for promotion
 * @zone: a zone of the node kswapd balances
 *
 * Called by kswapd to pick its watermark; lockless, any staleness costs a
 * kswapd run more or less.
 *
 * Return: pages above the high watermark of @zone to reclaim to, 0 unless
 * promotion into the node was blocked for lack of room within the last
 * KMMSCAND_ROOM_HOLD: half a second of promotion at the rate limit, and no
 * more than 1/32 of the zone.
 */
unsigned long kmmscand_promo_room(struct zone *zone)
{
	unsigned int mbps = READ_ONCE(kmmscand_tun.promote_rate_limit_mbps);
	int nid = zone_to_nid(zone);
	unsigned long room;

	if (!node_isset(nid, kmmscand_room_wanted) ||
	    time_after(jiffies, READ_ONCE(kmmscand_room_until[nid])))
		return 0;
	room = zone_managed_pages(zone) / 32;
	if (mbps)
		room = min(room, ((unsigned long)mbps << (20 - PAGE_SHIFT)) / 2);
	return room;
}

/* Can @nid make room for promotion by demoting? */
static bool kmmscand_node_demotes(int nid)
{
	return numa_demotion_enabled && next_demotion_node(nid) != NUMA_NO_NODE;
}

/* The promotion level, for sysfs; written by kmmmigrated only. */
static unsigned int kmmscand_promote_level_cur = KMMSCAND_REC_FREQ_MAX;

/**
 * kmmscand_migrate_level - the promotion level in force
 *
 * Return: the lowest frequency level kmmmigrated promotes now.
 */
unsigned int kmmscand_migrate_level(void)
{
	return READ_ONCE(kmmscand_promote_level_cur);
}

/**
 * kmmscand_migrate_wake - tell kmmmigrated that records became ready
 *
 * Safe in any context but NMI.
 */
void kmmscand_migrate_wake(void)
{
	/*
	 * The caller's ready record and bit before the check of the flag;
	 * pairs with the smp_store_mb() that clears it before a round reads
	 * the ready map: either the round sees the record, or this sees the
	 * flag cleared and sets it.
	 */
	smp_mb();
	if (READ_ONCE(kmmscand_migrate_pending))
		return;
	WRITE_ONCE(kmmscand_migrate_pending, true);
	/* wq_has_sleeper() orders the store before the sleeper check. */
	if (wq_has_sleeper(&kmmscand_migrate_wait))
		wake_up(&kmmscand_migrate_wait);
}

static void kmmscand_flush_batch(struct kmmscand_batch *b)
{
	unsigned int nr_succeeded = 0;

	if (!b->nr_pages)
		return;

	migrate_misplaced_folio_batch(&b->folios, b->dst_nid, MR_KMMSCAND,
				      &nr_succeeded);
	trace_kmmscand_migrate_batch(b->src_nid, b->dst_nid, b->nr_pages,
				     nr_succeeded);
	if (nr_succeeded) {
		struct lruvec *lruvec;

		count_vm_events(KMMSCAND_PROMOTED, nr_succeeded);
		/* The histogram: which frequency levels got promoted. */
		count_vm_events(KMMSCAND_PROMOTED_FREQ1 + b->freq - 1,
				nr_succeeded);
		lruvec = mem_cgroup_lruvec(b->memcg, NODE_DATA(b->dst_nid));
		mod_lruvec_state(lruvec, PGPROMOTE_SUCCESS, nr_succeeded);
	}
	if (b->nr_pages > nr_succeeded)
		count_vm_events(KMMSCAND_PROMOTE_FAIL_MIGRATE,
				b->nr_pages - nr_succeeded);
	/*
	 * MR_KMMSCAND never splits a large folio that failed to move, so
	 * the pages of a batch of large folios moved in whole folios.
	 */
	if (b->order) {
		unsigned int moved = nr_succeeded >> b->order;

		count_vm_events(KMMSCAND_PROMOTED_THP, moved);
		count_vm_events(KMMSCAND_PROMOTE_FAIL_THP,
				b->nr_folios - moved);
	}
	mem_cgroup_put(b->memcg);
	b->memcg = NULL;
	b->nr_folios = 0;
	b->nr_pages = 0;
	cond_resched();
}

/* Add an isolated folio, flushing the batch if its key differs. */
static void kmmscand_batch_add(struct kmmscand_batch *b, struct folio *folio,
			       int src_nid, int dst_nid, unsigned int freq)
{
	unsigned int order = folio_order(folio);

	if (b->nr_pages &&
	    (b->src_nid != src_nid || b->dst_nid != dst_nid ||
	     b->memcg != folio_memcg(folio) || b->freq != freq ||
	     b->order != order))
		kmmscand_flush_batch(b);
	if (!b->nr_pages) {
		b->src_nid = src_nid;
		b->dst_nid = dst_nid;
		b->memcg = get_mem_cgroup_from_folio(folio);
		b->freq = freq;
		b->order = order;
	}
	list_add_tail(&folio->lru, &b->folios);
	b->nr_folios++;
	b->nr_pages += folio_nr_pages(folio);
	if (b->nr_pages >= KMMSCAND_MIGRATE_BATCH)
		kmmscand_flush_batch(b);
}

/* The top-tier node nearest to @nid, or NUMA_NO_NODE. */
static int kmmscand_nearest_toptier(int nid, const nodemask_t *toptier)
{
	int n, best = NUMA_NO_NODE;

	for_each_node_mask(n, *toptier)
		if (best == NUMA_NO_NODE ||
		    node_distance(nid, n) < node_distance(nid, best))
			best = n;
	return best;
}

/*
 * Target for a record among @allowed, the top-tier nodes its owners allow
 * now: target_node, else the hint the scanner stored (its per-mm choice),
 * else the allowed node nearest to the page.
 */
static int kmmscand_resolve_target(const nodemask_t *allowed, u16 rec,
				   int src_nid,
				   enum kmmscand_target_rule *rule)
{
	int nid = kmmscand_pick_target(allowed, kmmscand_rec_nid(rec),
				       kmmscand_nearest_toptier(src_nid,
								allowed),
				       rule);

	if (*rule == KMMSCAND_TARGET_TASK)
		*rule = KMMSCAND_TARGET_NEAREST;
	return nid;
}

/* Promotion into @nid is blocked for lack of room: have kswapd make it. */
static void kmmscand_wake_kswapd(struct kmmscand_migrate_state *ms, int nid,
				 unsigned int order)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	int z;

	if (node_isset(nid, ms->kswapd_woken))
		return;
	node_set(nid, ms->kswapd_woken);
	if (kmmscand_node_demotes(nid)) {
		WRITE_ONCE(kmmscand_room_until[nid],
			   jiffies + KMMSCAND_ROOM_HOLD);
		node_set(nid, kmmscand_room_wanted);
		/*
		 * kswapd_failures is kswapd's own, written without a lock;
		 * direct reclaim resets it the same way (shrink_node()).
		 */
		if (READ_ONCE(pgdat->kswapd_failures) >= MAX_RECLAIM_RETRIES &&
		    (!node_isset(nid, kmmscand_kswapd_retried) ||
		     time_after_eq(jiffies, kmmscand_kswapd_retry_next[nid]))) {
			node_set(nid, kmmscand_kswapd_retried);
			kmmscand_kswapd_retry_next[nid] =
				jiffies + KMMSCAND_KSWAPD_RETRY;
			WRITE_ONCE(pgdat->kswapd_failures, 0);
		}
	}
	for (z = pgdat->nr_zones - 1; z >= 0; z--) {
		if (managed_zone(pgdat->node_zones + z)) {
			wakeup_kswapd(pgdat->node_zones + z, 0, order,
				      ZONE_MOVABLE);
			return;
		}
	}
}

/* How kmmmigrated counts and traces each refusal of the owner check. */
static const struct {
	enum vm_event_item event;
	enum kmmscand_migrate_result result;
} kmmscand_owner_refusal[] = {
	[KMMSCAND_OWNER_BUSY] = {
		KMMSCAND_PROMOTE_FAIL_ISOLATE, KMMSCAND_MIGRATE_FAIL_ISOLATE },
	[KMMSCAND_OWNER_OPTOUT] = {
		KMMSCAND_PROMOTE_SKIP_OPTOUT, KMMSCAND_MIGRATE_SKIP_OPTOUT },
	[KMMSCAND_OWNER_CPUSET] = {
		KMMSCAND_PROMOTE_SKIP_CPUSET, KMMSCAND_MIGRATE_SKIP_CPUSET },
	[KMMSCAND_OWNER_MEMPOLICY] = {
		KMMSCAND_PROMOTE_SKIP_MEMPOLICY, KMMSCAND_MIGRATE_SKIP_MEMPOLICY },
};

/* The entry of @pfn in the back-off table, or NULL. */
static struct kmmscand_backoff *
kmmscand_backoff_find(struct kmmscand_migrate_state *ms, unsigned long pfn)
{
	unsigned int set = hash_long(pfn, KMMSCAND_BACKOFF_BITS - 1) * 2;

	if (ms->backoff[set].pfn == pfn)
		return &ms->backoff[set];
	if (ms->backoff[set + 1].pfn == pfn)
		return &ms->backoff[set + 1];
	return NULL;
}

/* Is the folio at @pfn waiting out a back-off? */
static bool kmmscand_backing_off(struct kmmscand_migrate_state *ms,
				 unsigned long pfn)
{
	struct kmmscand_backoff *e = kmmscand_backoff_find(ms, pfn);

	return e && time_before(jiffies, e->until);
}

/*
 * The folio at @pfn could not move: double its back-off if it failed at
 * its last try too (within a back-off of its end), else start at 1 s.
 */
static void kmmscand_back_off(struct kmmscand_migrate_state *ms,
			      unsigned long pfn)
{
	struct kmmscand_backoff *e = kmmscand_backoff_find(ms, pfn);
	unsigned int shift = 0;

	if (e && time_before(jiffies, e->until + (HZ << e->shift))) {
		shift = min(e->shift + 1, KMMSCAND_BACKOFF_MAX_SHIFT);
	} else if (!e) {
		unsigned int set = hash_long(pfn, KMMSCAND_BACKOFF_BITS - 1) * 2;

		/* Free entries hold ULONG_MAX, whose back-off ended long ago. */
		e = &ms->backoff[set];
		if (e->pfn != ULONG_MAX &&
		    (ms->backoff[set + 1].pfn == ULONG_MAX ||
		     time_before(ms->backoff[set + 1].until, e->until)))
			e = &ms->backoff[set + 1];
	}
	e->pfn = pfn;
	e->shift = shift;
	e->until = jiffies + (HZ << shift);
}

/* The folio at @pfn can move now: forget its failures. */
static void kmmscand_backoff_forget(struct kmmscand_migrate_state *ms,
				    unsigned long pfn)
{
	struct kmmscand_backoff *e = kmmscand_backoff_find(ms, pfn);

	if (e)
		e->pfn = ULONG_MAX;
}

static void kmmscand_backoff_init(struct kmmscand_migrate_state *ms)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ms->backoff); i++)
		ms->backoff[i].pfn = ULONG_MAX;
}

/*
 * Why @folio cannot move now, found before isolating it, where migration
 * would find out only after isolating and unmapping it; or
 * KMMSCAND_MIGRATE_QUEUED if nothing stops it. As racy as compaction's
 * check of the same kind (isolate_migratepages_block()): a folio that
 * passes may still fail, one that fails is tried again after a back-off.
 */
static enum kmmscand_migrate_result kmmscand_folio_stuck(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);
	long expected;

	if (folio_test_writeback(folio))
		return KMMSCAND_MIGRATE_FAIL_WRITEBACK;
	if (folio_is_file_lru(folio)) {
		/* What migrate_misplaced_folio_prepare() refuses without a vma */
		if (folio_likely_mapped_shared(folio))
			return KMMSCAND_MIGRATE_FAIL_SHARED;
		if (folio_test_dirty(folio))
			return KMMSCAND_MIGRATE_FAIL_DIRTY;
	}
	/* Our reference, one per mapping, the page or swap cache's */
	expected = 1 + folio_mapcount(folio);
	if (mapping)
		expected += folio_nr_pages(folio) + folio_test_private(folio);
	if (folio_ref_count(folio) > expected)
		return KMMSCAND_MIGRATE_FAIL_PINNED;
	return KMMSCAND_MIGRATE_QUEUED;
}

/* The vmstat event of each result of kmmscand_folio_stuck(). */
static const enum vm_event_item kmmscand_stuck_event[] = {
	[KMMSCAND_MIGRATE_FAIL_PINNED] = KMMSCAND_PROMOTE_FAIL_PINNED,
	[KMMSCAND_MIGRATE_FAIL_SHARED] = KMMSCAND_PROMOTE_FAIL_SHARED,
	[KMMSCAND_MIGRATE_FAIL_DIRTY] = KMMSCAND_PROMOTE_FAIL_DIRTY,
	[KMMSCAND_MIGRATE_FAIL_WRITEBACK] = KMMSCAND_PROMOTE_FAIL_WRITEBACK,
};

/* What kmmscand_promote_one() tells the round: go on, or why it stops. */
enum kmmscand_promote_stop {
	KMMSCAND_PROMOTE_GO,
	KMMSCAND_PROMOTE_STOP_RATELIMIT,
	KMMSCAND_PROMOTE_STOP_HEADROOM,
};

/*
 * Re-check and isolate the folio of one ready record.
 * Return: why the round stops here, or KMMSCAND_PROMOTE_GO. When it stops,
 * the caller makes this record and the rest ready again.
 */
static enum kmmscand_promote_stop
kmmscand_promote_one(struct kmmscand_migrate_state *ms, unsigned long pfn,
		     u16 rec, u8 tick)
{
	unsigned int freq = kmmscand_rec_freq(rec);
	struct kmmscand_batch *b = &ms->batch;
	enum kmmscand_target_rule rule;
	enum kmmscand_promote_stop ret = KMMSCAND_PROMOTE_GO;
	enum kmmscand_owner_verdict verdict;
	enum kmmscand_migrate_result stuck;
	unsigned int mbps;
	nodemask_t allowed;
	struct folio *folio;
	struct page *page;
	int src_nid, dst_nid, nr;

	page = pfn_to_online_page(pfn);
	if (!page)
		return ret;
	folio = page_folio(page);
	if (!folio_try_get(folio))
		return ret;
	/* Only a folio's head pfn is recorded; a tail means it was split. */
	if (unlikely(page_folio(page) != folio || folio_pfn(folio) != pfn))
		goto put;
	/*
	 * The scanner sets PG_young on every folio it records: without it,
	 * the record belongs to a previous owner of the pfn (the folio was
	 * freed and the pfn reused since), or reclaim consumed the flag.
	 * Either way this folio has not been seen hot: drop it.
	 */
	if (!folio_test_young(folio))
		goto put;
	src_nid = folio_nid(folio);
	if (!folio_test_lru(folio)) {
		count_vm_event(KMMSCAND_PROMOTE_FAIL_ISOLATE);
		trace_kmmscand_migrate(pfn, src_nid, NUMA_NO_NODE,
				       KMMSCAND_TARGET_NONE,
				       KMMSCAND_MIGRATE_FAIL_ISOLATE, freq);
		goto put;
	}
	if (node_isset(src_nid, ms->toptier))
		goto put;
	if (!kmmscand_rec_fresh(rec, tick)) {
		count_vm_event(KMMSCAND_PROMOTE_SKIP_COLD);
		trace_kmmscand_migrate(pfn, src_nid, NUMA_NO_NODE,
				       KMMSCAND_TARGET_NONE,
				       KMMSCAND_MIGRATE_SKIP_COLD, freq);
		goto put;
	}
	if (kmmscand_backing_off(ms, pfn)) {
		count_vm_event(KMMSCAND_PROMOTE_SKIP_BACKOFF);
		trace_kmmscand_migrate(pfn, src_nid, NUMA_NO_NODE,
				       KMMSCAND_TARGET_NONE,
				       KMMSCAND_MIGRATE_SKIP_BACKOFF, freq);
		goto put;
	}
	stuck = kmmscand_folio_stuck(folio);
	if (stuck != KMMSCAND_MIGRATE_QUEUED) {
		kmmscand_back_off(ms, pfn);
		count_vm_event(kmmscand_stuck_event[stuck]);
		trace_kmmscand_migrate(pfn, src_nid, NUMA_NO_NODE,
				       KMMSCAND_TARGET_NONE, stuck, freq);
		goto put;
	}
	kmmscand_backoff_forget(ms, pfn);
	/*
	 * The record may have waited for a window: the owners' rules of
	 * now decide, not those of the scan that found the page hot.
	 */
	allowed = ms->toptier;
	verdict = kmmscand_owner_check(folio, src_nid, &allowed);
	if (verdict != KMMSCAND_OWNER_OK) {
		count_vm_event(kmmscand_owner_refusal[verdict].event);
		trace_kmmscand_migrate(pfn, src_nid, NUMA_NO_NODE,
				       KMMSCAND_TARGET_NONE,
				       kmmscand_owner_refusal[verdict].result,
				       freq);
		goto put;
	}
	/* Never NUMA_NO_NODE: @allowed is a non-empty part of the top tier. */
	dst_nid = kmmscand_resolve_target(&allowed, rec, src_nid, &rule);

	nr = folio_nr_pages(folio);
	if (!migrate_balanced_pgdat(NODE_DATA(dst_nid),
				    nr + (b->dst_nid == dst_nid ?
					  b->nr_pages : 0))) {
		/*
		 * Wait for the room rather than drop the record: it is as
		 * hot as it was, and the next round comes in 100 ms.
		 */
		kmmscand_wake_kswapd(ms, dst_nid, folio_order(folio));
		trace_kmmscand_migrate(pfn, src_nid, dst_nid, rule,
				       KMMSCAND_MIGRATE_SKIP_HEADROOM, freq);
		ret = KMMSCAND_PROMOTE_STOP_HEADROOM;
		goto put;
	}
	mbps = READ_ONCE(kmmscand_tun.promote_rate_limit_mbps);
	if (!kmmscand_ratelimit_take(&ms->rl, nr, mbps, jiffies)) {
		/* Counted by the caller, which requeues it. */
		trace_kmmscand_migrate(pfn, src_nid, dst_nid, rule,
				       KMMSCAND_MIGRATE_SKIP_RATELIMIT, freq);
		ret = KMMSCAND_PROMOTE_STOP_RATELIMIT;
		goto put;
	}

	/*
	 * Our reference keeps the folio from being freed, which is what
	 * the PTL does for the fault path; the prepare step isolates it
	 * from the LRU with a reference of its own.
	 */
	if (migrate_misplaced_folio_prepare(folio, NULL, dst_nid)) {
		/* Only pages handed to migration are charged. */
		kmmscand_ratelimit_refund(&ms->rl, nr, mbps);
		count_vm_event(KMMSCAND_PROMOTE_FAIL_ISOLATE);
		trace_kmmscand_migrate(pfn, src_nid, dst_nid, rule,
				       KMMSCAND_MIGRATE_FAIL_ISOLATE, freq);
		goto put;
	}
	trace_kmmscand_migrate(pfn, src_nid, dst_nid, rule,
			       KMMSCAND_MIGRATE_QUEUED, freq);
	folio_put(folio);
	kmmscand_batch_add(b, folio, src_nid, dst_nid, freq);
	return KMMSCAND_PROMOTE_GO;
put:
	folio_put(folio);
	return ret;
}

/*
 * Pages that can be promoted within the next second: the rate limit's,
 * and no more than the top tier's free pages above the high watermarks,
 * unless a top-tier node can demote: there kswapd makes the room.
 */
static unsigned long kmmscand_capacity(struct kmmscand_migrate_state *ms)
{
	unsigned int mbps = READ_ONCE(kmmscand_tun.promote_rate_limit_mbps);
	unsigned long cap = ULONG_MAX, room = 0;
	int nid, z;

	if (mbps)
		cap = (unsigned long)mbps << (20 - PAGE_SHIFT);
	for_each_node_mask(nid, ms->toptier) {
		pg_data_t *pgdat = NODE_DATA(nid);

		if (kmmscand_node_demotes(nid))
			return cap;
		for (z = 0; z < pgdat->nr_zones; z++) {
			struct zone *zone = pgdat->node_zones + z;
			unsigned long free, high;

			if (!managed_zone(zone))
				continue;
			free = zone_page_state(zone, NR_FREE_PAGES);
			high = high_wmark_pages(zone);
			if (free > high)
				room += free - high;
		}
	}
	return min(cap, room);
}

/*
 * Arrivals per level in about the last second: a count that loses the
 * share of the elapsed time of a second, and takes the new arrivals. After
 * a quiet spell it starts from zero, so a burst is seen as it builds up.
 */
static void kmmscand_arrival_rate(struct kmmscand_migrate_state *ms,
				  unsigned long *rate)
{
	unsigned long now = jiffies, cur[KMMSCAND_REC_FREQ_MAX + 1];
	unsigned long elapsed = min(now - ms->arr_time, (unsigned long)HZ);
	unsigned int l;

	kmmscand_hotness_ready_arrivals(cur);
	for (l = 0; l <= KMMSCAND_REC_FREQ_MAX; l++) {
		ms->arr_recent[l] -= div_u64((u64)ms->arr_recent[l] * elapsed,
					     HZ);
		ms->arr_recent[l] += cur[l] - ms->arr_seen[l];
		ms->arr_seen[l] = cur[l];
		rate[l] = ms->arr_recent[l];
	}
	ms->arr_time = now;
}

/* Adapt the promotion level to what is ready and what can move. */
static void kmmscand_update_level(struct kmmscand_migrate_state *ms)
{
	unsigned int thr = READ_ONCE(kmmscand_tun.hot_threshold);
	unsigned int max_ms = READ_ONCE(kmmscand_tun.scan_period_max_ms);
	unsigned int window_ms = READ_ONCE(kmmscand_tun.hot_window_ms);
	unsigned long ready[KMMSCAND_REC_FREQ_MAX + 1];
	unsigned long rate[KMMSCAND_REC_FREQ_MAX + 1];
	unsigned int recheck_ms = READ_ONCE(kmmscand_tun.recheck_ms);
	unsigned int fit, level, l;
	bool patience_over, settled;

	kmmscand_hotness_ready_levels(ready);
	kmmscand_arrival_rate(ms, rate);
	/* A burst begins: everything fits only after it had time to show. */
	if (ms->idle)
		ms->fit_low_since = jiffies;
	fit = kmmscand_promote_level(ready, rate, thr, kmmscand_capacity(ms),
				     ms->above);
	/* A window: how long an observation waits for the next one. */
	patience_over = time_after_eq(jiffies, ms->level_since +
				      msecs_to_jiffies(max(max_ms, window_ms)));
	if (fit > thr)
		ms->fit_low_since = jiffies;
	settled = time_after_eq(jiffies, ms->fit_low_since +
				msecs_to_jiffies(2 * recheck_ms));
	level = kmmscand_next_promote_level(ms->level, fit, ready, thr,
					    patience_over, settled);
	/*
	 * Came down for want of records at its level: do not go back up
	 * for a level that nothing reaches, until records reach above it.
	 */
	if (level < ms->level && fit < ms->level && !settled)
		ms->above = 0;
	for (l = KMMSCAND_REC_FREQ_MAX; l > level; l--)
		if (ready[l] || rate[l])
			ms->above = 1;
	/*
	 * Nothing waits: the next burst starts from the top, and comes down
	 * at once if all of it fits, else as evidence and patience allow.
	 */
	for (l = 0; l <= KMMSCAND_REC_FREQ_MAX && !ready[l]; l++)
		;
	ms->idle = l > KMMSCAND_REC_FREQ_MAX;
	if (ms->idle) {
		level = KMMSCAND_REC_FREQ_MAX;
		ms->above = 1;
	}
	if (level != ms->level) {
		trace_kmmscand_promote_level(ms->level, level, fit);
		ms->level = level;
		ms->level_since = jiffies;
		WRITE_ONCE(kmmscand_promote_level_cur, level);
	}
}

/* Promotion is on, and no other promoter is in charge. */
static bool kmmscand_promotion_on(void)
{
	return READ_ONCE(kmmscand_tun.migrate_enabled) &&
	       kmmscand_peer_in_charge() == KMMSCAND_PEER_NONE;
}

/*
 * Harvest and handle the ready records of one frequency level and above.
 * When the rate limit or the headroom stops it, the records not handled
 * are made ready again and the caller retries after
 * KMMSCAND_MIGRATE_RETRY. It also ends, between two harvests, once
 * promotion is paused or another promoter is in charge.
 * Return: false if stopped by the rate limit or the headroom.
 */
static bool kmmscand_migrate_level_round(struct kmmscand_migrate_state *ms,
					 unsigned int level)
{
	enum kmmscand_promote_stop stop = KMMSCAND_PROMOTE_GO;
	unsigned long secnr = 0, idx = 0;
	unsigned int i, n;
	u8 tick;

	do {
		/*
		 * Paused, or another promoter took over: stop within one
		 * harvest, not at the end of everything ready.
		 */
		if (!kmmscand_promotion_on())
			break;
		n = kmmscand_hotness_take_ready(&secnr, &idx, ms->pfns,
						ms->recs, KMMSCAND_TAKE, level);
		tick = kmmscand_tick(jiffies,
				     READ_ONCE(kmmscand_tun.hot_window_ms));
		for (i = 0; i < n; i++) {
			if (stop == KMMSCAND_PROMOTE_GO)
				stop = kmmscand_promote_one(ms, ms->pfns[i],
							    ms->recs[i], tick);
			if (stop == KMMSCAND_PROMOTE_GO)
				continue;
			/* Stopped: leave the rest for the next round. */
			kmmscand_hotness_requeue(ms->pfns[i]);
			count_vm_event(stop == KMMSCAND_PROMOTE_STOP_HEADROOM ?
				       KMMSCAND_PROMOTE_SKIP_HEADROOM :
				       KMMSCAND_PROMOTE_SKIP_RATELIMIT);
		}
		cond_resched();
		/* Records keep arriving: what is hot enough may change. */
		kmmscand_update_level(ms);
	} while (stop == KMMSCAND_PROMOTE_GO && n == KMMSCAND_TAKE &&
		 level >= ms->level && !kthread_should_stop());
	return stop == KMMSCAND_PROMOTE_GO;
}

/*
 * One round: the ready records from the highest frequency level down to
 * the promotion level, so that what the rate limit and the headroom let
 * through is the hottest.
 * Return: false if rate limited, or if ready records wait below the
 * promotion level (their level may rise or the promotion level fall).
 */
static bool kmmscand_migrate_round(struct kmmscand_migrate_state *ms)
{
	unsigned long ready[KMMSCAND_REC_FREQ_MAX + 1];
	unsigned int level;
	bool ok = true;

	kmmscand_toptier_nodes(&ms->toptier);
	nodes_clear(ms->kswapd_woken);
	if (nodes_empty(ms->toptier))
		return true;

	kmmscand_update_level(ms);
	for (level = KMMSCAND_REC_FREQ_MAX; ok && level >= ms->level; level--)
		ok = kmmscand_migrate_level_round(ms, level);
	kmmscand_flush_batch(&ms->batch);
	if (!ok)
		return false;

	kmmscand_hotness_ready_levels(ready);
	for (level = 1; level < ms->level; level++)
		if (ready[level])
			break;
	if (level == ms->level)
		return true;
	/* Records wait below the level: drop those that went cold. */
	if (time_after_eq(jiffies, ms->stale_next)) {
		u8 tick = kmmscand_tick(jiffies,
					READ_ONCE(kmmscand_tun.hot_window_ms));

		ms->stale_next = jiffies + HZ;
		count_vm_events(KMMSCAND_PROMOTE_SKIP_COLD,
				kmmscand_hotness_drop_stale(tick, ms->level));
	}
	return false;
}

/*
 * Once per KMMSCAND_AGE_PERIOD_TICKS, whether promotion is on or not:
 * reset the records too old for the 8-bit tick (kmmscand_hotness_age()).
 */
static void kmmscand_age_store(struct kmmscand_migrate_state *ms)
{
	unsigned int window_ms = READ_ONCE(kmmscand_tun.hot_window_ms);

	if (time_before(jiffies, ms->age_next))
		return;
	ms->age_next = jiffies +
		kmmscand_tick_len(window_ms) * KMMSCAND_AGE_PERIOD_TICKS;
	kmmscand_hotness_age(kmmscand_tick(jiffies, window_ms));
}

static int kmmscand_migrated(void *none)
{
	struct kmmscand_migrate_state *ms = &kmmscand_mstate;
	long timeout = KMMSCAND_MIGRATE_IDLE;

	set_freezable();
	set_user_nice(current, MAX_NICE);
	INIT_LIST_HEAD(&ms->batch.folios);
	kmmscand_ratelimit_init(&ms->rl, jiffies);
	kmmscand_backoff_init(ms);
	/* Nothing is ready yet: the state of an idle migrator. */
	ms->level = KMMSCAND_REC_FREQ_MAX;
	ms->level_since = jiffies;
	ms->stale_next = jiffies;
	ms->age_next = jiffies;
	ms->fit_low_since = jiffies;
	ms->above = 1;
	ms->idle = true;
	kmmscand_hotness_ready_arrivals(ms->arr_seen);
	ms->arr_time = jiffies;
	WRITE_ONCE(kmmscand_promote_level_cur, ms->level);

	while (!kthread_should_stop()) {
		wait_event_freezable_timeout(kmmscand_migrate_wait,
					     kthread_should_stop() ||
					     READ_ONCE(kmmscand_migrate_pending),
					     timeout);
		/* Cleared before the round reads the ready map: see _wake() */
		smp_store_mb(kmmscand_migrate_pending, false);
		timeout = KMMSCAND_MIGRATE_IDLE;
		kmmscand_age_store(ms);
		/* Another promoter is on: it moves the pages, not us. */
		if (!kmmscand_promotion_on())
			continue;
		if (!kmmscand_migrate_round(ms))
			timeout = KMMSCAND_MIGRATE_RETRY;
	}
	return 0;
}

/**
 * kmmscand_migrate_start - start kmmmigrated
 *
 * Return: 0 or a negative errno.
 */
int kmmscand_migrate_start(void)
{
	struct task_struct *t;

	t = kthread_run(kmmscand_migrated, NULL, "kmmmigrated");
	if (IS_ERR(t))
		return PTR_ERR(t);
	kmmscand_migrate_thread = t;
	return 0;
}

/**
 * kmmscand_migrate_stop - stop kmmmigrated
 */
void kmmscand_migrate_stop(void)
{
	if (kmmscand_migrate_thread) {
		kthread_stop(kmmscand_migrate_thread);
		kmmscand_migrate_thread = NULL;
	}
}
