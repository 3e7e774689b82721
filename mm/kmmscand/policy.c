// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand policy: pure functions deciding how often and how much of an mm
 * is scanned, which top-tier node receives its hot pages, and how fast
 * pages may be promoted. No locks, no global state: KUnit tests them.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/math64.h>
#include <linux/mempolicy.h>
#include <linux/minmax.h>
#include <linux/nodemask.h>
#include <linux/topology.h>

#include "internal.h"

/*
 * DOC: Scan period and scan size adaptation
 *
 * After each pass over (part of) an mm, the number of slow-tier accesses
 * found by this pass (cur) and by the previous one (prev) steer the next
 * pass:
 *
 *   cur  prev   period            size       meaning
 *   >0   >0     x 3/4             x 2        steady activity: tighten
 *   >0   0      / 2               x 2        new activity: react fast
 *   0    >0     x 2               =          activity stopped: back off
 *   0    0      x 5/4             / 2        idle: drift to the maximum
 *
 * Both results are clamped to their bounds. The period shrinks faster
 * than it grows because a missed hot page costs more than a wasted pass;
 * the size only shrinks when two passes in a row found nothing, so one
 * quiet pass of a large hot mm does not halve its coverage.
 */

/**
 * kmmscand_next_scan_period - adapt the period between two passes of an mm
 * @period_ms: the current period
 * @found_prev: slow-tier accesses found by the previous pass
 * @found_cur: slow-tier accesses found by the pass that just ended
 * @min_ms: lower bound
 * @max_ms: upper bound, at least @min_ms
 *
 * Return: the next period in milliseconds, within [@min_ms, @max_ms].
 */
unsigned int kmmscand_next_scan_period(unsigned int period_ms,
				       unsigned long found_prev,
				       unsigned long found_cur,
				       unsigned int min_ms, unsigned int max_ms)
{
	u64 period = period_ms;

	if (found_cur && found_prev)
		period = period * 3 / 4;
	else if (found_cur)
		period /= 2;
	else if (found_prev)
		period *= 2;
	else
		period += period / 4 + 1;

	return clamp_t(u64, period, min_ms, max(min_ms, max_ms));
}

/**
 * kmmscand_next_scan_size - adapt the address-space coverage of one pass
 * @size_mb: the current size
 * @found_prev: slow-tier accesses found by the previous pass
 * @found_cur: slow-tier accesses found by the pass that just ended
 * @min_mb: lower bound
 * @max_mb: upper bound, at least @min_mb
 *
 * Return: the next scan size in MB, within [@min_mb, @max_mb].
 */
unsigned int kmmscand_next_scan_size(unsigned int size_mb,
				     unsigned long found_prev,
				     unsigned long found_cur,
				     unsigned int min_mb, unsigned int max_mb)
{
	u64 size = size_mb;

	if (found_cur)
		size *= 2;
	else if (!found_prev)
		size /= 2;

	return clamp_t(u64, size, min_mb, max(min_mb, max_mb));
}

/**
 * kmmscand_sweep_scan_size - keep the sweep of a large mm short
 * @size_mb: the adapted size of the next pass
 * @vm_mb: the mm's mapped address space
 * @min_mb: lower bound
 * @max_mb: upper bound, at least @min_mb
 *
 * However idle most of it is, an mm is swept (every page looked at once)
 * in at most KMMSCAND_SWEEP_PASSES passes, up to the size bound: a hot
 * page among gigabytes of cold mappings is still seen every few periods,
 * and within the window its observations are compared in (internal.h).
 * The wake budget, not the pass size, bounds the CPU taken at a time.
 *
 * Return: @size_mb, or more for an mm of more than
 * KMMSCAND_SWEEP_PASSES * @size_mb, within [@min_mb, @max_mb].
 */
unsigned int kmmscand_sweep_scan_size(unsigned int size_mb, u64 vm_mb,
				      unsigned int min_mb, unsigned int max_mb)
{
	u64 sweep = div_u64(vm_mb + KMMSCAND_SWEEP_PASSES - 1,
			    KMMSCAND_SWEEP_PASSES);

	return clamp_t(u64, max_t(u64, size_mb, sweep), min_mb,
		       max(min_mb, max_mb));
}

/*
 * DOC: Per-mm level
 *
 * prctl(PR_SET_MEMSCAN) gives an mm a level, 1..10 when it is scanned
 * (0 opts it out and never gets here). The level scales the adaptive
 * period once it has been clamped to [scan_period_min_ms,
 * scan_period_max_ms]: effective = period * 2^((5 - level) / 2), a factor
 * of sqrt(2) per step. The factors are kept as x/16 fixed point, rounded
 * to the nearest sixteenth:
 *
 *   level    1   2   3   4   5   6   7   8   9   10
 *   x/16    64  45  32  23  16  11   8   6   4    3
 *   factor   4 2.8   2 1.4   1 .69  .5 .38 .25  .19
 *
 * Level 10 is 3/16, about period / 5.3 (2^-2.5 would be period / 5.66).
 */
static const u8 kmmscand_level_factor[KMMSCAND_LEVEL_MAX] = {
	64, 45, 32, 23, 16, 11, 8, 6, 4, 3
};

/**
 * kmmscand_level_period - scale a scan period by an mm's level
 * @period_ms: the adaptive period, already clamped to its bounds
 * @level: the mm's level, 1..KMMSCAND_LEVEL_MAX
 *
 * Return: the period to wait before the mm's next pass, at least 1 ms;
 * @period_ms itself for a level outside 1..KMMSCAND_LEVEL_MAX.
 */
unsigned int kmmscand_level_period(unsigned int period_ms, unsigned int level)
{
	u64 period;

	if (level < 1 || level > KMMSCAND_LEVEL_MAX)
		return period_ms;
	period = (u64)period_ms * kmmscand_level_factor[level - 1] / 16;
	return clamp_t(u64, period, 1, UINT_MAX);
}

/**
 * kmmscand_parse_uint - parse a sysfs value and check its range
 * @buf: the text written, base 10, an optional trailing newline
 * @min: smallest valid value
 * @max: largest valid value
 * @val: out: the value; left untouched on error
 *
 * Return: 0, the kstrtouint() error as is (-EINVAL for malformed text,
 * -ERANGE for overflow), or -EINVAL when out of [@min, @max].
 */
int kmmscand_parse_uint(const char *buf, unsigned int min, unsigned int max,
			unsigned int *val)
{
	unsigned int v;
	int err;

	err = kstrtouint(buf, 10, &v);
	if (err)
		return err;
	if (v < min || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

static unsigned long kmmscand_young_of(const unsigned long *node_young,
				       int nr, int nid)
{
	return node_young && nid < nr ? node_young[nid] : 0;
}

/**
 * kmmscand_choose_target - pick the top-tier node for an mm's hot pages
 * @node_young: young top-tier anon pages per node found in the mm, or NULL
 * @nr: number of entries in @node_young
 * @pref_nid: fallback when no access was seen (the node the mm's tasks run
 *	on), or NUMA_NO_NODE
 * @allowed: top-tier nodes the mm may be promoted to
 * @has_headroom: whether a node can take promotions now, or NULL
 * @arg: passed to @has_headroom
 * @rule: out: the rule that chose the node, or NULL
 *
 * The node with most young pages wins (ties: lowest nid); with no young
 * page, @pref_nid if allowed, else the first allowed node. If that node
 * lacks headroom, the allowed node with headroom that has most young
 * pages, then is closest to it, is taken instead. A single allowed node
 * is returned as is: there is no alternative to fall back to.
 *
 * Return: a node of @allowed, or NUMA_NO_NODE if @allowed is empty.
 */
int kmmscand_choose_target(const unsigned long *node_young, int nr,
			   int pref_nid, const nodemask_t *allowed,
			   bool (*has_headroom)(int nid, void *arg), void *arg,
			   enum kmmscand_target_rule *rule)
{
	enum kmmscand_target_rule why = KMMSCAND_TARGET_YOUNG;
	int nid, best = NUMA_NO_NODE, alt = NUMA_NO_NODE;
	unsigned long most = 0;

	if (nodes_empty(*allowed)) {
		why = KMMSCAND_TARGET_NONE;
		goto out;
	}
	if (nodes_weight(*allowed) == 1) {
		why = KMMSCAND_TARGET_ONLY;
		best = first_node(*allowed);
		goto out;
	}

	for_each_node_mask(nid, *allowed) {
		unsigned long young = kmmscand_young_of(node_young, nr, nid);

		if (young > most) {
			most = young;
			best = nid;
		}
	}
	if (best == NUMA_NO_NODE) {
		if (pref_nid >= 0 && pref_nid < MAX_NUMNODES &&
		    node_isset(pref_nid, *allowed)) {
			why = KMMSCAND_TARGET_TASK;
			best = pref_nid;
		} else {
			why = KMMSCAND_TARGET_FIRST;
			best = first_node(*allowed);
		}
	}
	if (!has_headroom || has_headroom(best, arg))
		goto out;

	for_each_node_mask(nid, *allowed) {
		unsigned long young, alt_young;

		if (nid == best || !has_headroom(nid, arg))
			continue;
		if (alt == NUMA_NO_NODE) {
			alt = nid;
			continue;
		}
		young = kmmscand_young_of(node_young, nr, nid);
		alt_young = kmmscand_young_of(node_young, nr, alt);
		if (young > alt_young ||
		    (young == alt_young &&
		     node_distance(best, nid) < node_distance(best, alt)))
			alt = nid;
	}
	if (alt != NUMA_NO_NODE) {
		why = KMMSCAND_TARGET_HEADROOM;
		best = alt;
	}
out:
	if (rule)
		*rule = why;
	return best;
}

/**
 * kmmscand_pick_target - the top-tier node to promote to, decided now
 * @allowed: top-tier nodes the page's owners allow now
 * @hint: the node chosen earlier (a record's hint, an mm's last choice),
 *	or NUMA_NO_NODE
 * @pref_nid: where to fall back to: the node the mm's tasks run on, or the
 *	allowed node nearest to the page
 * @rule: out: the rule that chose the node, or NULL
 *
 * target_node first, if @allowed has it: it is the admin's word of now,
 * and a hint written before it was set must not overrule it. Then @hint,
 * if still allowed, then kmmscand_choose_target() from @pref_nid among the
 * nodes with headroom. The scanner (per visit) and kmmmigrated (per
 * record) both decide here.
 *
 * Return: a node of @allowed, or NUMA_NO_NODE if @allowed is empty.
 */
int kmmscand_pick_target(const nodemask_t *allowed, int hint, int pref_nid,
			 enum kmmscand_target_rule *rule)
{
	enum kmmscand_target_rule why;
	int nid = kmmscand_forced_target(allowed);

	if (nid != NUMA_NO_NODE) {
		why = KMMSCAND_TARGET_FORCED;
	} else if (hint >= 0 && hint < MAX_NUMNODES &&
		   node_isset(hint, *allowed)) {
		why = KMMSCAND_TARGET_HINT;
		nid = hint;
	} else {
		nid = kmmscand_choose_target(NULL, 0, pref_nid, allowed,
					     kmmscand_node_has_headroom, NULL,
					     &why);
	}
	if (rule)
		*rule = why;
	return nid;
}

/**
 * kmmscand_policy_allows - may a page move from @cur to @dst under a policy?
 * @mode: the memory policy mode (MPOL_DEFAULT when there is none)
 * @flags: its internal flags (MPOL_F_MORON matters here)
 * @nodes: its nodes; unused for MPOL_DEFAULT and MPOL_LOCAL
 * @cur: the node the page is on
 * @dst: the top-tier node kmmscand would move it to
 *
 * What mpol_misplaced() decides for a NUMA hinting fault, with @dst as
 * the faulting node: a page is misplaced, and may move, when its policy
 * would not have put it where it is and would have put it on @dst.
 *
 *   default, local          always
 *   preferred               @cur not preferred and @dst the preferred node
 *   bind, preferred-many    @cur outside @nodes and @dst in @nodes; with
 *                           MPOL_F_MORON, @dst in @nodes
 *   (weighted) interleave   @cur outside @nodes and @dst in @nodes: a
 *                           page interleaved onto the slow tier is where
 *                           its policy put it
 *
 * Two departures from mpol_misplaced(): a policy without MPOL_F_MOF is not
 * exempt (the opt-in to kmmscand is the mm's memscan level, not the
 * policy's flag), and an interleaved page on another node of the set is
 * left where it is rather than moved to its own interleave slot.
 *
 * Return: true if promotion from @cur to @dst keeps to the policy.
 */
bool kmmscand_policy_allows(unsigned short mode, unsigned short flags,
			    const nodemask_t *nodes, int cur, int dst)
{
	switch (mode) {
	case MPOL_DEFAULT:
	case MPOL_LOCAL:
		return true;
	case MPOL_PREFERRED:
		return !node_isset(cur, *nodes) && dst == first_node(*nodes);
	case MPOL_BIND:
	case MPOL_PREFERRED_MANY:
		if (flags & MPOL_F_MORON)
			return node_isset(dst, *nodes);
		fallthrough;
	case MPOL_INTERLEAVE:
	case MPOL_WEIGHTED_INTERLEAVE:
		return !node_isset(cur, *nodes) && node_isset(dst, *nodes);
	default:
		return false;
	}
}

/*
 * DOC: Promotion rate limit
 *
 * A token bucket counted in pages. It refills at the limit's rate
 * (mbps << (20 - PAGE_SHIFT) pages per second) and holds at most one
 * second's worth, which is also the largest burst. Elapsed time is
 * converted exactly: the fraction of a page left over is carried in
 * @rem, so low or odd rates lose nothing to rounding. A folio larger
 * than the whole bucket is let through when the bucket is full, leaving it
 * empty. A limit of 0 disables limiting.
 */

/**
 * kmmscand_ratelimit_init - start a bucket full
 * @rl: the bucket
 * @now: current jiffies
 */
void kmmscand_ratelimit_init(struct kmmscand_ratelimit *rl, unsigned long now)
{
	rl->tokens = 0;
	rl->rem = 0;
	rl->last = now - HZ;
}

/**
 * kmmscand_ratelimit_take - try to spend tokens for a promotion
 * @rl: the bucket
 * @nr_pages: size of the folio to promote
 * @mbps: limit in MB/s, 0 for none
 * @now: current jiffies
 *
 * Return: true if @nr_pages may be promoted now (the tokens are spent),
 * false if the caller must wait.
 */
bool kmmscand_ratelimit_take(struct kmmscand_ratelimit *rl,
			     unsigned long nr_pages, unsigned int mbps,
			     unsigned long now)
{
	unsigned long elapsed = now - rl->last;
	u64 rate;

	if (!mbps)
		return true;

	rate = (u64)mbps << (20 - PAGE_SHIFT);
	if (elapsed >= HZ) {
		rl->tokens = rate;
		rl->rem = 0;
	} else {
		rl->tokens += div_u64_rem(rate * elapsed + rl->rem, HZ,
					  &rl->rem);
		if (rl->tokens >= rate) {
			rl->tokens = rate;
			rl->rem = 0;
		}
	}
	rl->last = now;

	if (rl->tokens >= nr_pages) {
		rl->tokens -= nr_pages;
		return true;
	}
	if (nr_pages > rate && rl->tokens == rate) {
		rl->tokens = 0;
		return true;
	}
	return false;
}

/**
 * kmmscand_ratelimit_refund - give back tokens for pages that did not move
 * @rl: the bucket
 * @nr_pages: the pages kmmscand_ratelimit_take() was asked for
 * @mbps: the limit they were taken under, in MB/s; 0 for none
 *
 * For a folio that could not be isolated after its tokens were spent: only
 * pages handed to migration are charged. The bucket never holds more than
 * a second's worth.
 */
void kmmscand_ratelimit_refund(struct kmmscand_ratelimit *rl,
			       unsigned long nr_pages, unsigned int mbps)
{
	unsigned long rate = (unsigned long)mbps << (20 - PAGE_SHIFT);

	if (mbps)
		rl->tokens = min(rl->tokens + nr_pages, rate);
}

/*
 * DOC: Promotion level
 *
 * kmmmigrated promotes ready pages level by level, the highest frequency
 * level first, and not below its current promotion level. The level is
 * what "hot enough" means right now; it adapts to what the migrator can
 * take, the way NUMA balancing's tiering mode adjusts its hot threshold
 * to the promotion rate limit:
 *
 * - capacity: the pages that can be promoted within the next second: the
 *   rate limit's pages per second, and no more than the free pages the
 *   top tier has above its high watermarks;
 * - fit: the lowest level whose ready pages, with those of all the levels
 *   above it, do not exceed the capacity, and whose arrivals (records that
 *   rose to it in about the last second) do not exceed the capacity
 *   either; the top level if even that one does not fit. The arrivals
 *   show the demand while kmmmigrated drains it: without them, records
 *   trickling in at a low level would spend the rate limit before the
 *   better ones, a re-check later, are known. The fit is
 *   at most one level above the highest level that holds ready records
 *   or saw arrivals (evidence climbs one level per look), and no higher
 *   than that level once the level came down for want of records: waiting
 *   for a level nothing reaches promotes nothing;
 * - the promotion level rises to the fit at once: when more pages are
 *   ready than can move, the ones with the most evidence go first, and
 *   pages at lower levels wait while re-checks and passes either raise
 *   them or leave them where they are;
 * - when everything ready fits, and has for two re-check intervals (so
 *   that the first records of a burst do not look like all of it), it
 *   drops to hot_threshold (room appeared, or the rate limit was raised,
 *   or the candidates are few); otherwise it comes down one
 *   level at a time, only once nothing is ready at the current level and
 *   the level has been in force for hot_window_ms or scan_period_max_ms,
 *   whichever is longer (every mm had a pass in which to show its pages'
 *   frequency, and an observation counts with the next one for a window).
 *
 * The level never goes below hot_threshold. While nothing is ready it is
 * the top level, so that a burst of new candidates is judged by evidence:
 * with the default rate limit and an empty top tier everything fits and
 * the level drops to hot_threshold at once (everything ready moves at
 * once); with a binding limit or a full top tier only the records with
 * the most re-check hits go, and the level comes down as they are done.
 */

/**
 * kmmscand_promote_level - the lowest level whose ready pages fit
 * @ready: ready records per frequency level, KMMSCAND_REC_FREQ_MAX + 1
 * @arrivals: records that rose to each level, per second
 * @threshold: hot_threshold, 1..KMMSCAND_REC_FREQ_MAX
 * @capacity: pages that can be promoted within the next second
 * @above: how many levels above the highest level holding ready records
 *	or arrivals the fit may be: 1 while records climb, 0 once waiting
 *	for one more level brought nothing
 *
 * Return: the fit, see "Promotion level".
 */
unsigned int kmmscand_promote_level(const unsigned long *ready,
				    const unsigned long *arrivals,
				    unsigned int threshold,
				    unsigned long capacity, unsigned int above)
{
	unsigned int l, top = 0;
	unsigned long sum = 0;

	threshold = clamp(threshold, 1U, KMMSCAND_REC_FREQ_MAX);
	for (l = KMMSCAND_REC_FREQ_MAX; l >= threshold; l--) {
		sum += ready[l];
		if (!top && (ready[l] || arrivals[l]))
			top = l;
		if (sum > capacity || arrivals[l] > capacity)
			return min3(l + 1, top + above, KMMSCAND_REC_FREQ_MAX);
	}
	return threshold;
}

/**
 * kmmscand_next_promote_level - adapt the promotion level
 * @cur: the current promotion level
 * @fit: kmmscand_promote_level() now
 * @ready: ready records per frequency level
 * @threshold: hot_threshold
 * @patience_over: @cur has been in force for hot_window_ms (or
 *	scan_period_max_ms if longer)
 * @settled: @fit has been @threshold for two re-check intervals
 *
 * Return: the new promotion level, see "Promotion level".
 */
unsigned int kmmscand_next_promote_level(unsigned int cur, unsigned int fit,
					 const unsigned long *ready,
					 unsigned int threshold,
					 bool patience_over, bool settled)
{
	unsigned int l;

	threshold = clamp(threshold, 1U, KMMSCAND_REC_FREQ_MAX);
	cur = clamp(cur, threshold, KMMSCAND_REC_FREQ_MAX);
	fit = clamp(fit, threshold, KMMSCAND_REC_FREQ_MAX);
	if (fit >= cur || (fit == threshold && settled))
		return fit;
	if (!patience_over)
		return cur;
	for (l = cur; l <= KMMSCAND_REC_FREQ_MAX; l++)
		if (ready[l])
			return cur;
	return cur - 1;
}

#ifdef CONFIG_KMMSCAND_KUNIT_TEST
#include "tests/policy_kunit.c"
#endif
