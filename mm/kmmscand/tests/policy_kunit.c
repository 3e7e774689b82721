// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of kmmscand's policy functions: scan period and size
 * adaptation, target node choice and the promotion rate limiter.
 * Included at the end of mm/kmmscand/policy.c.
 */
#include <kunit/test.h>

#define MIN_MS	500
#define MAX_MS	5000

static void kmmscand_period_found_shortens(struct kunit *test)
{
	/* new activity halves, steady activity takes a quarter off */
	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_period(2000, 0, 10, MIN_MS,
							MAX_MS), 1000U);
	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_period(2000, 5, 10, MIN_MS,
							MAX_MS), 1500U);
}

static void kmmscand_period_none_lengthens(struct kunit *test)
{
	/* activity stopped doubles, idle grows by a quarter */
	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_period(2000, 5, 0, MIN_MS,
							MAX_MS), 4000U);
	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_period(2000, 0, 0, MIN_MS,
							MAX_MS), 2501U);
}

static void kmmscand_period_clamped(struct kunit *test)
{
	unsigned int p = 2000;
	int i;

	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_period(600, 0, 1, MIN_MS,
							MAX_MS), 500U);
	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_period(4000, 1, 0, MIN_MS,
							MAX_MS), 5000U);
	for (i = 0; i < 50; i++)
		p = kmmscand_next_scan_period(p, 0, 0, MIN_MS, MAX_MS);
	KUNIT_EXPECT_EQ(test, p, 5000U);
	for (i = 0; i < 50; i++)
		p = kmmscand_next_scan_period(p, 1, 1, MIN_MS, MAX_MS);
	KUNIT_EXPECT_EQ(test, p, 500U);
	/* a period outside new bounds is brought back inside */
	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_period(100000, 1, 1, MIN_MS,
							MAX_MS), 5000U);
}

static void kmmscand_size_adapts(struct kunit *test)
{
	unsigned int s = 256;
	int i;

	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_size(256, 0, 1, 64, 4096),
			512U);
	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_size(256, 1, 1, 64, 4096),
			512U);
	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_size(256, 1, 0, 64, 4096),
			256U);
	KUNIT_EXPECT_EQ(test, kmmscand_next_scan_size(256, 0, 0, 64, 4096),
			128U);
	for (i = 0; i < 20; i++)
		s = kmmscand_next_scan_size(s, 1, 1, 64, 4096);
	KUNIT_EXPECT_EQ(test, s, 4096U);
	for (i = 0; i < 20; i++)
		s = kmmscand_next_scan_size(s, 0, 0, 64, 4096);
	KUNIT_EXPECT_EQ(test, s, 64U);
}

/* A sweep takes at most KMMSCAND_SWEEP_PASSES passes, within bounds. */
static void kmmscand_size_sweeps_large_mm(struct kunit *test)
{
	/* small mms keep their adapted size */
	KUNIT_EXPECT_EQ(test, kmmscand_sweep_scan_size(64, 512, 64, 4096), 64U);
	KUNIT_EXPECT_EQ(test, kmmscand_sweep_scan_size(1024, 2048, 64, 4096),
			1024U);
	/* 16 GiB: 2 GiB passes, however idle */
	KUNIT_EXPECT_EQ(test, kmmscand_sweep_scan_size(64, 16384, 64, 4096),
			2048U);
	KUNIT_EXPECT_EQ(test, kmmscand_sweep_scan_size(64, 16385, 64, 4096),
			2049U);
	/* the bounds still hold */
	KUNIT_EXPECT_EQ(test, kmmscand_sweep_scan_size(64, 1ULL << 40, 64,
						       4096), 4096U);
	KUNIT_EXPECT_EQ(test, kmmscand_sweep_scan_size(8, 0, 64, 4096), 64U);
}

/* Nodes listed in *arg (a nodemask) lack headroom. */
static bool kmmscand_test_headroom(int nid, void *arg)
{
	const nodemask_t *full = arg;

	return !node_isset(nid, *full);
}

static void kmmscand_target_most_young(struct kunit *test)
{
	enum kmmscand_target_rule rule;
	unsigned long young[4] = { 10, 30, 20, 0 };
	nodemask_t allowed = NODE_MASK_NONE, full = NODE_MASK_NONE;

	node_set(0, allowed);
	node_set(1, allowed);
	node_set(2, allowed);
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(young, 4, 0, &allowed,
						     kmmscand_test_headroom,
						     &full, &rule), 1);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_YOUNG);
	/* a node outside the allowed set never wins */
	young[3] = 100;
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(young, 4, 0, &allowed,
						     NULL, NULL, &rule), 1);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_YOUNG);
}

static void kmmscand_target_task_node(struct kunit *test)
{
	enum kmmscand_target_rule rule;
	unsigned long young[4] = { 0 };
	nodemask_t allowed = NODE_MASK_NONE, full = NODE_MASK_NONE;

	node_set(0, allowed);
	node_set(2, allowed);
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(young, 4, 2, &allowed,
						     kmmscand_test_headroom,
						     &full, &rule), 2);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_TASK);
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(NULL, 0, 2, &allowed,
						     NULL, NULL, &rule), 2);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_TASK);
	/* task on a node that is not allowed: first allowed node */
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(young, 4, 1, &allowed,
						     NULL, NULL, &rule), 0);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_FIRST);
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(young, 4, NUMA_NO_NODE,
						     &allowed, NULL, NULL,
						     &rule), 0);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_FIRST);
}

static void kmmscand_target_headroom_fallback(struct kunit *test)
{
	enum kmmscand_target_rule rule;
	unsigned long young[4] = { 5, 30, 20, 0 };
	nodemask_t allowed = NODE_MASK_NONE, full = NODE_MASK_NONE;

	node_set(0, allowed);
	node_set(1, allowed);
	node_set(2, allowed);
	node_set(1, full);
	/* best (1) is full: the next best by young count (2) */
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(young, 4, 0, &allowed,
						     kmmscand_test_headroom,
						     &full, &rule), 2);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_HEADROOM);
	/* task node full, no young: another allowed node */
	memset(young, 0, sizeof(young));
	node_clear(1, full);
	node_set(2, full);
	KUNIT_EXPECT_NE(test, kmmscand_choose_target(young, 4, 2, &allowed,
						     kmmscand_test_headroom,
						     &full, &rule), 2);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_HEADROOM);
	/* everything full: the best node anyway, the migrator skips it */
	node_set(0, full);
	node_set(1, full);
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(young, 4, 2, &allowed,
						     kmmscand_test_headroom,
						     &full, &rule), 2);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_TASK);
}

static void kmmscand_target_single_node(struct kunit *test)
{
	enum kmmscand_target_rule rule;
	unsigned long young[4] = { 0, 0, 0, 50 };
	nodemask_t allowed = NODE_MASK_NONE, full = NODE_MASK_NONE;

	node_set(1, allowed);
	node_set(1, full);
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(young, 4, 3, &allowed,
						     kmmscand_test_headroom,
						     &full, &rule), 1);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_ONLY);
	nodes_clear(allowed);
	KUNIT_EXPECT_EQ(test, kmmscand_choose_target(young, 4, 3, &allowed,
						     NULL, NULL, &rule),
			NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, rule, KMMSCAND_TARGET_NONE);
}

/* Node 0 top tier, node 1 slow tier: moving a page from 1 to 0. */
static void kmmscand_policy_modes(struct kunit *test)
{
	nodemask_t slow = NODE_MASK_NONE, both = NODE_MASK_NONE;
	nodemask_t top = NODE_MASK_NONE;

	node_set(1, slow);
	node_set(0, top);
	node_set(0, both);
	node_set(1, both);
#define ALLOWS(mode, flags, nodes) \
	kmmscand_policy_allows(mode, flags, &(nodes), 1, 0)
	/* no policy, local: anywhere */
	KUNIT_EXPECT_TRUE(test, ALLOWS(MPOL_DEFAULT, 0, slow));
	KUNIT_EXPECT_TRUE(test, ALLOWS(MPOL_LOCAL, 0, slow));
	/* bound to the slow node, or to both: it is where it may be */
	KUNIT_EXPECT_FALSE(test, ALLOWS(MPOL_BIND, 0, slow));
	KUNIT_EXPECT_FALSE(test, ALLOWS(MPOL_BIND, 0, both));
	KUNIT_EXPECT_TRUE(test, ALLOWS(MPOL_BIND, 0, top));
	/* MPOL_F_MORON: placement among the nodes follows the accesses */
	KUNIT_EXPECT_TRUE(test, ALLOWS(MPOL_BIND, MPOL_F_MORON, both));
	KUNIT_EXPECT_FALSE(test, ALLOWS(MPOL_BIND, MPOL_F_MORON, slow));
	KUNIT_EXPECT_FALSE(test, ALLOWS(MPOL_PREFERRED_MANY, 0, both));
	KUNIT_EXPECT_TRUE(test, ALLOWS(MPOL_PREFERRED_MANY, 0, top));
	/* an interleaved page on a node of its set stays */
	KUNIT_EXPECT_FALSE(test, ALLOWS(MPOL_INTERLEAVE, 0, both));
	KUNIT_EXPECT_FALSE(test, ALLOWS(MPOL_WEIGHTED_INTERLEAVE, 0, both));
	KUNIT_EXPECT_TRUE(test, ALLOWS(MPOL_INTERLEAVE, 0, top));
	/* preferred: only to the preferred node, only from elsewhere */
	KUNIT_EXPECT_TRUE(test, ALLOWS(MPOL_PREFERRED, 0, top));
	KUNIT_EXPECT_FALSE(test, ALLOWS(MPOL_PREFERRED, 0, slow));
	KUNIT_EXPECT_FALSE(test, kmmscand_policy_allows(MPOL_PREFERRED, 0,
							&top, 1, 2));
	/* a mode this code does not know keeps the page where it is */
	KUNIT_EXPECT_FALSE(test, ALLOWS(MPOL_MAX, 0, top));
#undef ALLOWS
}

/* Pages per second at @mbps, as the limiter computes it. */
#define RATE(mbps)	((unsigned long)(mbps) << (20 - PAGE_SHIFT))

static void kmmscand_ratelimit_burst(struct kunit *test)
{
	struct kmmscand_ratelimit rl;
	unsigned long now = 100000;

	kmmscand_ratelimit_init(&rl, now);
	/* a full bucket holds one second's worth */
	KUNIT_EXPECT_TRUE(test, kmmscand_ratelimit_take(&rl, RATE(8), 8, now));
	KUNIT_EXPECT_FALSE(test, kmmscand_ratelimit_take(&rl, 1, 8, now));
}

static void kmmscand_ratelimit_refill(struct kunit *test)
{
	struct kmmscand_ratelimit rl;
	unsigned long now = 100000;

	kmmscand_ratelimit_init(&rl, now);
	KUNIT_ASSERT_TRUE(test, kmmscand_ratelimit_take(&rl, RATE(8), 8, now));
	now += HZ / 2;
	KUNIT_EXPECT_TRUE(test, kmmscand_ratelimit_take(&rl, RATE(8) / 2 - 1,
							8, now));
	KUNIT_EXPECT_FALSE(test, kmmscand_ratelimit_take(&rl, 2, 8, now));
	/* idle for long: full again, but not more than full */
	now += 10 * HZ;
	KUNIT_EXPECT_TRUE(test, kmmscand_ratelimit_take(&rl, RATE(8), 8, now));
	KUNIT_EXPECT_FALSE(test, kmmscand_ratelimit_take(&rl, 1, 8, now));
}

static void kmmscand_ratelimit_odd(struct kunit *test)
{
	struct kmmscand_ratelimit rl;
	unsigned long now = 100000, got = 0;
	int i;

	/* 0 means unlimited */
	kmmscand_ratelimit_init(&rl, now);
	for (i = 0; i < 1000; i++)
		KUNIT_EXPECT_TRUE(test, kmmscand_ratelimit_take(&rl, 512, 0,
								now));

	/* 1 MB/s drained every jiffy: no loss to rounding */
	kmmscand_ratelimit_init(&rl, now);
	KUNIT_ASSERT_TRUE(test, kmmscand_ratelimit_take(&rl, RATE(1), 1, now));
	for (i = 0; i < 10 * HZ; i++) {
		now++;
		while (kmmscand_ratelimit_take(&rl, 1, 1, now))
			got++;
	}
	KUNIT_EXPECT_GE(test, got, 10 * RATE(1) - 1);
	KUNIT_EXPECT_LE(test, got, 10 * RATE(1));

	/* a folio larger than the bucket passes only when it is full */
	kmmscand_ratelimit_init(&rl, now);
	KUNIT_EXPECT_TRUE(test, kmmscand_ratelimit_take(&rl, 2 * RATE(1), 1,
							now));
	KUNIT_EXPECT_FALSE(test, kmmscand_ratelimit_take(&rl, 2 * RATE(1), 1,
							 now + HZ / 2));
}

static void kmmscand_ratelimit_refunds(struct kunit *test)
{
	struct kmmscand_ratelimit rl;
	unsigned long now = 100000;

	kmmscand_ratelimit_init(&rl, now);
	KUNIT_ASSERT_TRUE(test, kmmscand_ratelimit_take(&rl, RATE(8), 8, now));
	/* a folio that was not isolated gives its pages back */
	kmmscand_ratelimit_refund(&rl, 16, 8);
	KUNIT_EXPECT_TRUE(test, kmmscand_ratelimit_take(&rl, 16, 8, now));
	KUNIT_EXPECT_FALSE(test, kmmscand_ratelimit_take(&rl, 1, 8, now));
	/* never above a second's worth */
	kmmscand_ratelimit_refund(&rl, 4 * RATE(8), 8);
	KUNIT_EXPECT_TRUE(test, kmmscand_ratelimit_take(&rl, RATE(8), 8, now));
	KUNIT_EXPECT_FALSE(test, kmmscand_ratelimit_take(&rl, 1, 8, now));
	/* the oversized folio that emptied a full bucket fills it again */
	now += HZ;
	KUNIT_ASSERT_TRUE(test, kmmscand_ratelimit_take(&rl, 2 * RATE(8), 8,
							now));
	kmmscand_ratelimit_refund(&rl, 2 * RATE(8), 8);
	KUNIT_EXPECT_TRUE(test, kmmscand_ratelimit_take(&rl, 2 * RATE(8), 8,
							now));
	/* no limit: nothing to give back, nothing to break */
	kmmscand_ratelimit_refund(&rl, 512, 0);
	KUNIT_EXPECT_TRUE(test, kmmscand_ratelimit_take(&rl, 512, 0, now));
}

static void kmmscand_level_scales_period(struct kunit *test)
{
	static const unsigned int want[] = {
		8000, 5625, 4000, 2875, 2000, 1375, 1000, 750, 500, 375
	};
	unsigned int level;

	/* level 5 is neutral; each step is about sqrt(2) */
	for (level = 1; level <= KMMSCAND_LEVEL_MAX; level++)
		KUNIT_EXPECT_EQ_MSG(test, kmmscand_level_period(2000, level),
				    want[level - 1], "level %u", level);
	/* out-of-range levels leave the period alone */
	KUNIT_EXPECT_EQ(test, kmmscand_level_period(2000, 0), 2000U);
	KUNIT_EXPECT_EQ(test, kmmscand_level_period(2000, 11), 2000U);
	/* never 0, no overflow at the largest bounds */
	KUNIT_EXPECT_EQ(test, kmmscand_level_period(1, 10), 1U);
	KUNIT_EXPECT_EQ(test, kmmscand_level_period(600000, 1), 2400000U);
	KUNIT_EXPECT_EQ(test, kmmscand_level_period(UINT_MAX, 1), UINT_MAX);
}

static void kmmscand_level_monotonic(struct kunit *test)
{
	unsigned int level;

	for (level = 2; level <= KMMSCAND_LEVEL_MAX; level++)
		KUNIT_EXPECT_LT(test, kmmscand_level_period(5000, level),
				kmmscand_level_period(5000, level - 1));
}

static void kmmscand_parse_uint_range(struct kunit *test)
{
	unsigned int v = 42;

	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("100\n", 100, 600000, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 100U);
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("600000", 100, 600000, &v),
			0);
	KUNIT_EXPECT_EQ(test, v, 600000U);
	/* base 10 only: a leading 0 is not octal */
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("0100", 1, 1000, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 100U);

	/* errors leave the value alone */
	v = 42;
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("99", 100, 600000, &v),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("600001", 100, 600000, &v),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("0", 1, 7, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("-1", 0, 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("abc", 0, 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("", 0, 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("5 5", 0, 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("0x10", 0, 100, &v),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kmmscand_parse_uint("4294967296", 0, UINT_MAX,
						  &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, v, 42U);
}

static void kmmscand_promote_level_fit(struct kunit *test)
{
	unsigned long ready[KMMSCAND_REC_FREQ_MAX + 1] = { 0 };
	unsigned long none[KMMSCAND_REC_FREQ_MAX + 1] = { 0 };
	unsigned long arr[KMMSCAND_REC_FREQ_MAX + 1] = { 0 };

	/* nothing ready, or everything fits: the threshold */
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 2, 0, 1), 2U);
	ready[2] = 1000;
	ready[5] = 100;
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 2, 1100, 1), 2U);
	/* level 2 does not fit: the level above it, although empty */
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 2, 1099, 1), 3U);
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 2, 100, 1), 3U);
	/* even the top ready level does not fit: wait one above */
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 2, 99, 1), 6U);
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 2, 99, 0), 5U);
	ready[7] = 50;
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 2, 49, 1),
			KMMSCAND_REC_FREQ_MAX);
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 2, 0, 1),
			KMMSCAND_REC_FREQ_MAX);
	/* below the threshold nothing counts */
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 5, 150, 1), 5U);
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 3, 150, 1), 3U);
	/* the default rate limit's pages per second */
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, none, 1, 65536, 1), 1U);

	/*
	 * Few ready now, but records arrive at level 2 and 3 much faster
	 * than they can move: wait for the levels whose arrivals fit.
	 */
	memset(ready, 0, sizeof(ready));
	ready[2] = 10;
	arr[1] = 40000;
	arr[2] = 30000;
	arr[3] = 5000;
	arr[4] = 1024;
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, arr, 2, 1024, 1), 4U);
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, arr, 2, 5000, 1), 3U);
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, arr, 2, 30000, 1), 2U);
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, arr, 1, 30000, 1), 2U);
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, arr, 1, 40000, 1), 1U);

	/* records at 3: wait for 4, or not once 4 brought nothing */
	memset(ready, 0, sizeof(ready));
	memset(arr, 0, sizeof(arr));
	ready[3] = 5000;
	arr[3] = 5000;
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, arr, 2, 1024, 1), 4U);
	KUNIT_EXPECT_EQ(test, kmmscand_promote_level(ready, arr, 2, 1024, 0), 3U);
}

static void kmmscand_promote_level_adapts(struct kunit *test)
{
	unsigned long ready[KMMSCAND_REC_FREQ_MAX + 1] = { 0 };
	unsigned int (*next)(unsigned int, unsigned int, const unsigned long *,
			     unsigned int, bool, bool) =
		kmmscand_next_promote_level;

	/* rises to the fit at once */
	KUNIT_EXPECT_EQ(test, next(2, 5, ready, 2, false, false), 5U);
	/* everything fits: down to the threshold once that is settled */
	ready[3] = 10;
	KUNIT_EXPECT_EQ(test, next(6, 2, ready, 2, false, true), 2U);
	KUNIT_EXPECT_EQ(test, next(6, 2, ready, 2, false, false), 6U);
	/* otherwise it waits for its patience... */
	KUNIT_EXPECT_EQ(test, next(6, 4, ready, 2, false, false), 6U);
	/* ...and for nothing to be ready at its level, one step at a time */
	KUNIT_EXPECT_EQ(test, next(6, 4, ready, 2, true, false), 5U);
	ready[7] = 1;
	KUNIT_EXPECT_EQ(test, next(6, 4, ready, 2, true, false), 6U);
	/* never below the threshold, never above the top level */
	KUNIT_EXPECT_EQ(test, next(1, 1, ready, 4, true, true), 4U);
	KUNIT_EXPECT_EQ(test, next(7, 9, ready, 2, true, false),
			KMMSCAND_REC_FREQ_MAX);
}

static struct kunit_case kmmscand_policy_cases[] = {
	KUNIT_CASE(kmmscand_period_found_shortens),
	KUNIT_CASE(kmmscand_period_none_lengthens),
	KUNIT_CASE(kmmscand_period_clamped),
	KUNIT_CASE(kmmscand_size_adapts),
	KUNIT_CASE(kmmscand_size_sweeps_large_mm),
	KUNIT_CASE(kmmscand_target_most_young),
	KUNIT_CASE(kmmscand_target_task_node),
	KUNIT_CASE(kmmscand_target_headroom_fallback),
	KUNIT_CASE(kmmscand_target_single_node),
	KUNIT_CASE(kmmscand_policy_modes),
	KUNIT_CASE(kmmscand_ratelimit_burst),
	KUNIT_CASE(kmmscand_ratelimit_refill),
	KUNIT_CASE(kmmscand_ratelimit_odd),
	KUNIT_CASE(kmmscand_ratelimit_refunds),
	KUNIT_CASE(kmmscand_level_scales_period),
	KUNIT_CASE(kmmscand_level_monotonic),
	KUNIT_CASE(kmmscand_parse_uint_range),
	KUNIT_CASE(kmmscand_promote_level_fit),
	KUNIT_CASE(kmmscand_promote_level_adapts),
	{}
};

static struct kunit_suite kmmscand_policy_suite = {
	.name = "kmmscand_policy",
	.test_cases = kmmscand_policy_cases,
};

kunit_test_suite(kmmscand_policy_suite);
