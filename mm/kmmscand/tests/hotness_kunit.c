// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the kmmscand hotness record: encoding, frequency window,
 * threshold, saturation and tick wrap. Included at the end of
 * mm/kmmscand/hotness.c.
 */
#include <kunit/test.h>

/* The window of an observation that is not stretched. */
#define WIN	KMMSCAND_WINDOW_TICKS

static void kmmscand_rec_encode_decode(struct kunit *test)
{
	u16 rec = kmmscand_rec_encode(0xab, 5, true, 1);
	unsigned int slot = kmmscand_hint_slot(&kmmscand_hints, 1);

	KUNIT_EXPECT_EQ(test, kmmscand_rec_tick(rec), 0xab);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 5U);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), 1);
	/* the hint is node 1's slot, given at its first use */
	KUNIT_EXPECT_GE(test, slot, 1U);
	KUNIT_EXPECT_LE(test, slot, KMMSCAND_REC_HINT_SLOTS);
	KUNIT_EXPECT_EQ(test, rec,
			(u16)(0x0dab | slot << KMMSCAND_REC_NID_SHIFT));

	rec = kmmscand_rec_encode(0, 0, false, NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, rec, (u16)0);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(kmmscand_rec_encode(0, 1, false,
								   0)), 0);
	/* frequency saturates, never spills into the ready bit */
	rec = kmmscand_rec_encode(0, 9, false, 0);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 7U);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
}

static void kmmscand_rec_second_access_ready(struct kunit *test)
{
	u16 rec = kmmscand_rec_update(0, 10, WIN, 2, NUMA_NO_NODE, true);

	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_tick(rec), 10);

	/* second access, last tick of the window */
	rec = kmmscand_rec_update(rec, 10 + KMMSCAND_WINDOW_TICKS - 1, WIN, 2, 1, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 2U);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), 1);

	/* a higher threshold needs more accesses */
	rec = kmmscand_rec_update(0, 10, WIN, 3, NUMA_NO_NODE, true);
	rec = kmmscand_rec_update(rec, 11, WIN, 3, NUMA_NO_NODE, true);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
	rec = kmmscand_rec_update(rec, 12, WIN, 3, NUMA_NO_NODE, true);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
}

static void kmmscand_rec_window_expiry(struct kunit *test)
{
	u16 rec = kmmscand_rec_update(0, 10, WIN, 2, 2, true);

	/* one tick past the window: restart at 1, not ready */
	rec = kmmscand_rec_update(rec, 10 + KMMSCAND_WINDOW_TICKS, WIN, 2,
				  NUMA_NO_NODE, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
	/* the hint survives an access without one */
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), 2);

	/* ready stays set until kmmmigrated clears it */
	rec = kmmscand_rec_update(rec, 20, WIN, 2, NUMA_NO_NODE, true);
	KUNIT_ASSERT_TRUE(test, kmmscand_rec_ready(rec));
	rec = kmmscand_rec_update(rec, 100, WIN, 2, NUMA_NO_NODE, true);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);

	/* freshness at migration time */
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_fresh(rec, 100));
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_fresh(rec, 107));
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_fresh(rec, 108));
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_fresh(0, 0));
}

static void kmmscand_rec_saturation(struct kunit *test)
{
	u16 rec = 0;
	int i;

	for (i = 0; i < 20; i++)
		rec = kmmscand_rec_update(rec, 50, WIN, 2, 0, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), KMMSCAND_REC_FREQ_MAX);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_tick(rec), 50);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), 0);
	/* threshold above the saturation value: never ready */
	rec = 0;
	for (i = 0; i < 20; i++)
		rec = kmmscand_rec_update(rec, 50, WIN, 8, NUMA_NO_NODE, true);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
}

static void kmmscand_rec_tick_wrap(struct kunit *test)
{
	u16 rec = kmmscand_rec_update(0, 252, WIN, 2, NUMA_NO_NODE, true);

	/* the window spans the wrap of the 8-bit tick */
	rec = kmmscand_rec_update(rec, 2, WIN, 2, NUMA_NO_NODE, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 2U);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_fresh(rec, 9));
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_fresh(rec, 10));

	/*
	 * Ticks are compared modulo 256: 9 ticks later across the wrap
	 * (250 -> 3) is out of the window, and so is a tick that looks
	 * smaller (100 -> 50 is 206 ticks later), although a signed
	 * difference would be below the window in both cases.
	 */
	rec = kmmscand_rec_update(0, 250, WIN, 2, NUMA_NO_NODE, true);
	rec = kmmscand_rec_update(rec, 3, WIN, 2, NUMA_NO_NODE, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_fresh(rec, 11));
	rec = kmmscand_rec_update(0, 100, WIN, 2, NUMA_NO_NODE, true);
	rec = kmmscand_rec_update(rec, 50, WIN, 2, NUMA_NO_NODE, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_fresh(kmmscand_rec_update(0, 100, WIN,
									2, 0, true),
						    50));

	/*
	 * Exactly 256 ticks later would look recent to the 8-bit tick, but
	 * the store is aged every KMMSCAND_AGE_PERIOD_TICKS: a record is
	 * reset once 128 ticks old, so at the latest when 191 ticks old,
	 * and the access 256 ticks later starts afresh.
	 */
	rec = kmmscand_rec_update(0, 40, WIN, 3, NUMA_NO_NODE, true);
	rec = kmmscand_rec_update(rec, 40, WIN, 3, NUMA_NO_NODE, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 2U);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_age(rec, 40 + KMMSCAND_AGE_TICKS - 1),
			rec);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_age(rec, 40 + KMMSCAND_AGE_TICKS),
			(u16)0);
	rec = kmmscand_rec_age(rec, (u8)(40 + KMMSCAND_AGE_TICKS +
					 KMMSCAND_AGE_PERIOD_TICKS - 1));
	KUNIT_EXPECT_EQ(test, rec, (u16)0);
	rec = kmmscand_rec_update(rec, (u8)(40 + 256), WIN, 3, NUMA_NO_NODE,
				  true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);

	/* across the wrap too, and ready records and demoted marks alike */
	rec = kmmscand_rec_update(0, 200, WIN, 1, 0, false);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_age(rec, (u8)(200 + 127)), rec);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_age(rec, (u8)(200 + 128)), (u16)0);
	rec = kmmscand_rec_demote(5);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_age(rec, 5 + 127), rec);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_age(rec, 5 + 128), (u16)0);

	/* ticks: an eighth of the window, modulo 256 */
	KUNIT_EXPECT_EQ(test, kmmscand_tick(0, 8000), 0);
	KUNIT_EXPECT_EQ(test, kmmscand_tick(msecs_to_jiffies(8000), 8000),
			KMMSCAND_WINDOW_TICKS);
	KUNIT_EXPECT_EQ(test, kmmscand_tick(256 * (msecs_to_jiffies(8000) /
						   KMMSCAND_WINDOW_TICKS),
					    8000), 0);
	/* a window shorter than 8 jiffies still ticks */
	KUNIT_EXPECT_EQ(test, kmmscand_tick(5, 0), 5);
}

static void kmmscand_rec_recheck_miss(struct kunit *test)
{
	u16 rec = 0;
	int i;

	/* seen, then young again at two re-checks: level 3, ready */
	for (i = 0; i < 3; i++)
		rec = kmmscand_rec_update(rec, 20, WIN, 2, 1, true);
	KUNIT_ASSERT_EQ(test, kmmscand_rec_freq(rec), 3U);
	KUNIT_ASSERT_TRUE(test, kmmscand_rec_ready(rec));

	/* found old: the levels above 2 halve, never below 2 */
	rec = kmmscand_rec_miss(rec);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 2U);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_tick(rec), 20);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), 1);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_miss(rec), rec);

	rec = kmmscand_rec_encode(7, 7, false, 0);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(kmmscand_rec_miss(rec)), 3U);
	rec = kmmscand_rec_encode(7, 6, true, 0);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(kmmscand_rec_miss(rec)), 3U);
	rec = kmmscand_rec_encode(7, 5, true, 0);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(kmmscand_rec_miss(rec)), 2U);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(kmmscand_rec_miss(rec)));
	/* seen once, or never: nothing to take back */
	rec = kmmscand_rec_encode(7, 1, false, NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_miss(rec), rec);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_miss(0), (u16)0);

	/*
	 * A hot page (young at every look) climbs above a warm page that
	 * is young at passes but old at re-checks.
	 */
	rec = 0;
	for (i = 0; i < 3; i++) {
		rec = kmmscand_rec_update(rec, 30 + i, WIN, 2, NUMA_NO_NODE, true);
		rec = kmmscand_rec_miss(rec);
		rec = kmmscand_rec_miss(rec);
	}
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 2U);
	rec = 0;
	for (i = 0; i < 3; i++) {
		rec = kmmscand_rec_update(rec, 30 + i, WIN, 2, NUMA_NO_NODE, true);
		rec = kmmscand_rec_update(rec, 30 + i, WIN, 2, NUMA_NO_NODE, true);
		rec = kmmscand_rec_update(rec, 30 + i, WIN, 2, NUMA_NO_NODE, true);
	}
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), KMMSCAND_REC_FREQ_MAX);
}

static void kmmscand_rec_quick_levels(struct kunit *test)
{
	u16 rec = 0;
	int i;

	/* observations a pass apart: seen twice within the window is 2 */
	for (i = 0; i < 10; i++)
		rec = kmmscand_rec_update(rec, 40 + i % 4, WIN, 2, NUMA_NO_NODE,
					  false);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 2U);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	/* only re-check hits earn the levels above */
	rec = kmmscand_rec_update(rec, 44, WIN, 2, NUMA_NO_NODE, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 3U);
	rec = kmmscand_rec_update(rec, 44, WIN, 2, NUMA_NO_NODE, false);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 3U);
	/* a quick hit is an access too: 1 then 2 */
	rec = kmmscand_rec_update(0, 44, WIN, 2, NUMA_NO_NODE, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);
	rec = kmmscand_rec_update(rec, 44, WIN, 2, NUMA_NO_NODE, true);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 2U);
	/* threshold 3 is not reached by passes alone */
	rec = 0;
	for (i = 0; i < 5; i++)
		rec = kmmscand_rec_update(rec, 40 + i, WIN, 3, NUMA_NO_NODE, false);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
}

static void kmmscand_rec_demoted_mark(struct kunit *test)
{
	u16 rec = kmmscand_rec_demote(30);

	/* a demoted page starts from nothing, with the mark */
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 0U);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_demoted(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), NUMA_NO_NODE);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_fresh(rec, 30));

	/* it earns the threshold again, the mark stays, no hint is taken */
	rec = kmmscand_rec_update(rec, 31, WIN, 2, 0, false);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_demoted(rec));
	rec = kmmscand_rec_update(rec, 33, WIN, 2, 0, false);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_demoted(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), NUMA_NO_NODE);
	/* a re-check miss keeps it */
	rec = kmmscand_rec_miss(kmmscand_rec_update(rec, 33, WIN, 2, 0, true));
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_demoted(rec));

	/* a pause longer than the window ends it, and the hint comes back */
	rec = kmmscand_rec_update(rec, 33 + KMMSCAND_WINDOW_TICKS, WIN, 2, 1, false);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_demoted(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), 1);

	/* the first access comes too late after the demotion: no mark */
	rec = kmmscand_rec_update(kmmscand_rec_demote(30),
				  30 + KMMSCAND_WINDOW_TICKS, WIN, 2, 1, false);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_demoted(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);

	/* the mark is not a node: the slots end below it */
	rec = kmmscand_rec_encode(0, 1, false, 2);
	KUNIT_EXPECT_FALSE(test, kmmscand_rec_demoted(rec));
	KUNIT_EXPECT_EQ(test, kmmscand_rec_nid(rec), 2);
}

/*
 * Hint slots go to nodes in the order of their first use, whatever their
 * ids, and stay theirs; once all are taken, other nodes get none. On a
 * table of the test's own: the running scanner uses kmmscand_hints (in
 * which the cases above claim slots for nodes 0, 1 and 2).
 */
static void kmmscand_hint_slots_fill(struct kunit *test)
{
	struct kmmscand_hint_slots *hs;
	unsigned int i;

	if ((unsigned int)MAX_NUMNODES <= KMMSCAND_REC_HINT_SLOTS)
		kunit_skip(test, "every node has a slot with MAX_NUMNODES %d",
			   MAX_NUMNODES);
	hs = kunit_kzalloc(test, sizeof(*hs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hs);
	spin_lock_init(&hs->lock);

	KUNIT_EXPECT_EQ(test, kmmscand_hint_slot(hs, NUMA_NO_NODE), 0U);
	KUNIT_EXPECT_EQ(test, kmmscand_hint_slot(hs, MAX_NUMNODES), 0U);
	/* the largest node ids first: no id is too large for a slot */
	for (i = 0; i < KMMSCAND_REC_HINT_SLOTS; i++) {
		int nid = MAX_NUMNODES - 1 - i;

		KUNIT_EXPECT_EQ(test, kmmscand_hint_slot(hs, nid), i + 1);
		KUNIT_EXPECT_EQ(test, hs->nid[i], nid);
	}
	/* a node keeps its slot */
	KUNIT_EXPECT_EQ(test, kmmscand_hint_slot(hs, MAX_NUMNODES - 1), 1U);
	KUNIT_EXPECT_EQ(test,
			kmmscand_hint_slot(hs, MAX_NUMNODES -
					   KMMSCAND_REC_HINT_SLOTS),
			KMMSCAND_REC_HINT_SLOTS);
	/* all taken: the fifteenth node, even node 0, has none */
	KUNIT_EXPECT_EQ(test,
			kmmscand_hint_slot(hs, MAX_NUMNODES - 1 -
					   KMMSCAND_REC_HINT_SLOTS), 0U);
	KUNIT_EXPECT_EQ(test, kmmscand_hint_slot(hs, 0), 0U);
	KUNIT_EXPECT_EQ(test, hs->nr, KMMSCAND_REC_HINT_SLOTS);
}

/*
 * The scanner's observations look back to the start of the mm's previous
 * sweep: a page seen at two consecutive sweeps is seen twice within the
 * window however long a sweep takes, up to KMMSCAND_WINDOW_MAX_TICKS.
 */
static void kmmscand_rec_stretched_window(struct kunit *test)
{
	unsigned long len = msecs_to_jiffies(5000) / KMMSCAND_WINDOW_TICKS;
	unsigned int w;
	u16 rec;

	KUNIT_EXPECT_EQ(test, kmmscand_window_ticks(0, 5000), WIN);
	KUNIT_EXPECT_EQ(test, kmmscand_window_ticks(6 * len - 1, 5000), WIN);
	KUNIT_EXPECT_EQ(test, kmmscand_window_ticks(7 * len, 5000), 9U);
	/* an access at the span's start is at most span / len + 1 ticks back */
	KUNIT_EXPECT_EQ(test, kmmscand_window_ticks(20 * len, 5000), 22U);
	KUNIT_EXPECT_EQ(test, kmmscand_window_ticks(21 * len - 1, 5000), 22U);
	KUNIT_EXPECT_EQ(test, kmmscand_window_ticks(1000 * len, 5000),
			KMMSCAND_WINDOW_MAX_TICKS);
	KUNIT_EXPECT_EQ(test, kmmscand_window_ticks(ULONG_MAX, 5000),
			KMMSCAND_WINDOW_MAX_TICKS);

	/* seen at tick 10, then at the next sweep 21 ticks later */
	rec = kmmscand_rec_update(0, 10, WIN, 2, NUMA_NO_NODE, false);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(kmmscand_rec_update(rec, 31, WIN,
								    2, 0, false)),
			1U);
	w = kmmscand_window_ticks(20 * len, 5000);
	rec = kmmscand_rec_update(rec, 31, w, 2, 0, false);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 2U);
	KUNIT_EXPECT_TRUE(test, kmmscand_rec_ready(rec));
	/* a pass still never raises a page above 2 */
	rec = kmmscand_rec_update(rec, 52, w, 2, 0, false);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 2U);
	/* but the window does not reach beyond the sweep */
	rec = kmmscand_rec_update(rec, 52 + w, w, 2, 0, false);
	KUNIT_EXPECT_EQ(test, kmmscand_rec_freq(rec), 1U);
}

static struct kunit_case kmmscand_hotness_cases[] = {
	KUNIT_CASE(kmmscand_rec_encode_decode),
	KUNIT_CASE(kmmscand_hint_slots_fill),
	KUNIT_CASE(kmmscand_rec_second_access_ready),
	KUNIT_CASE(kmmscand_rec_window_expiry),
	KUNIT_CASE(kmmscand_rec_saturation),
	KUNIT_CASE(kmmscand_rec_tick_wrap),
	KUNIT_CASE(kmmscand_rec_stretched_window),
	KUNIT_CASE(kmmscand_rec_recheck_miss),
	KUNIT_CASE(kmmscand_rec_quick_levels),
	KUNIT_CASE(kmmscand_rec_demoted_mark),
	{}
};

static struct kunit_suite kmmscand_hotness_suite = {
	.name = "kmmscand_hotness",
	.test_cases = kmmscand_hotness_cases,
};

kunit_test_suite(kmmscand_hotness_suite);
