// SPDX-License-Identifier: GPL-2.0
/*
 * The /sys/kernel/mm/kmmscand knobs: defaults, valid writes read back,
 * malformed / overflowing / out-of-range writes fail with the old value
 * kept, cross-knob rules, root-only writes, and that shortening a sleep or
 * a period takes effect without waiting out the old one. Also: every
 * kmmscand_* vmstat counter exists.
 */
#include <pwd.h>
#include <sys/wait.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

struct knob {
	const char *name;
	const char *def;
	const char *valid;		/* a valid non-default value */
	const char *bad[6];		/* out of range or malformed: EINVAL */
};

static const struct knob knobs[] = {
	{ "scan_enabled", "1", "0", { "2", "-1", "maybe" } },
	{ "migrate_enabled", "1", "0", { "2", "x" } },
	{ "scan_sleep_ms", "20", "100", { "0", "60001", "-5", "12ms", "0x10" } },
	{ "mms_to_scan", "64", "1", { "0", "65537", "abc" } },
	{ "scan_size_mb", "256", "64", { "63", "4097", "0", "1e3" } },
	{ "scan_period_min_ms", "500", "100", { "99", "600001", "5001" } },
	{ "scan_period_max_ms", "5000", "600000", { "99", "600001", "499" } },
	{ "initial_scan_delay_ms", "1000", "0", { "600001", "-1", "1.5" } },
	{ "hot_threshold", "2", "7", { "0", "8", "two" } },
	{ "hot_window_ms", "5000", "100", { "99", "60001", "5s" } },
	{ "promote_rate_limit_MBps", "256", "0", { "1048577", "-1", "fast" } },
	{ "recheck_ms", "100", "10", { "9", "10001", "-1", "0", "1s" } },
	{ "target_node", "-1", "0", { "-2", "1", "64", "1024", "zero" } },
	{ "sources/scan/enabled", "1", "0", { "2", "x" } },
};

#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

FIXTURE(sysfs)
{
	char saved[NR_KNOBS][32];
	struct knob_save ks;
};

FIXTURE_SETUP(sysfs)
{
	unsigned int i;

	KMMSCAND_REQUIRE(kmmscand_present(), "kmmscand is not built in");
	for (i = 0; i < NR_KNOBS; i++)
		ASSERT_GT(kmmscand_get(knobs[i].name, self->saved[i], sizeof(self->saved[i])), 0)
			TH_LOG("cannot read %s", knobs[i].name);
	/* NUMA balancing, on at boot, would keep the scanner idle */
	ASSERT_EQ(0, kmmscand_setup(&self->ks));
}

FIXTURE_TEARDOWN(sysfs)
{
	int i;

	/* max before min, so restoring never trips min <= max */
	for (i = NR_KNOBS - 1; i >= 0; i--)
		if (self->saved[i][0])
			kmmscand_set(knobs[i].name, self->saved[i]);
	kmmscand_restore(&self->ks);
}

TEST_F(sysfs, defaults)
{
	unsigned int i;

	/* Nothing before this test changed them (the lab boots fresh). */
	for (i = 0; i < NR_KNOBS; i++)
		EXPECT_STREQ(knobs[i].def, self->saved[i]) TH_LOG("%s", knobs[i].name);
}

TEST_F(sysfs, valid_writes_read_back)
{
	char buf[32];
	unsigned int i;

	for (i = 0; i < NR_KNOBS; i++) {
		EXPECT_EQ(0, kmmscand_set(knobs[i].name, knobs[i].valid))
			TH_LOG("writing %s to %s", knobs[i].valid, knobs[i].name);
		ASSERT_GT(kmmscand_get(knobs[i].name, buf, sizeof(buf)), 0);
		EXPECT_STREQ(knobs[i].valid, buf) TH_LOG("%s", knobs[i].name);
		EXPECT_EQ(0, kmmscand_set(knobs[i].name, knobs[i].def));
	}
}

TEST_F(sysfs, bad_writes_keep_old_value)
{
	char buf[32];
	unsigned int i, j;

	for (i = 0; i < NR_KNOBS; i++) {
		for (j = 0; j < 6 && knobs[i].bad[j]; j++) {
			EXPECT_EQ(-EINVAL, kmmscand_set(knobs[i].name, knobs[i].bad[j]))
				TH_LOG("'%s' > %s", knobs[i].bad[j], knobs[i].name);
			ASSERT_GT(kmmscand_get(knobs[i].name, buf, sizeof(buf)), 0);
			EXPECT_STREQ(knobs[i].def, buf) TH_LOG("%s", knobs[i].name);
		}
	}
}

TEST_F(sysfs, overflow_is_erange)
{
	static const char * const numeric[] = {
		"scan_sleep_ms", "mms_to_scan", "scan_size_mb", "scan_period_min_ms",
		"scan_period_max_ms", "initial_scan_delay_ms", "hot_threshold",
		"hot_window_ms", "promote_rate_limit_MBps", "recheck_ms",
		"target_node",
	};
	char buf[32];
	unsigned int i, k;

	for (k = 0; k < sizeof(numeric) / sizeof(numeric[0]); k++) {
		for (i = 0; strcmp(knobs[i].name, numeric[k]); i++)
			;
		EXPECT_EQ(-ERANGE, kmmscand_set(numeric[k], "99999999999999999999"))
			TH_LOG("%s", numeric[k]);
		ASSERT_GT(kmmscand_get(numeric[k], buf, sizeof(buf)), 0);
		EXPECT_STREQ(knobs[i].def, buf);
	}
}

TEST_F(sysfs, period_bounds_cross_check)
{
	char buf[32];

	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "1000"));
	EXPECT_EQ(-EINVAL, kmmscand_set("scan_period_min_ms", "1001"));
	EXPECT_EQ(0, kmmscand_set("scan_period_min_ms", "1000"));
	EXPECT_EQ(-EINVAL, kmmscand_set("scan_period_max_ms", "999"));
	ASSERT_GT(kmmscand_get("scan_period_max_ms", buf, sizeof(buf)), 0);
	EXPECT_STREQ("1000", buf);
	EXPECT_EQ(0, kmmscand_set("scan_period_min_ms", "500"));
	EXPECT_EQ(0, kmmscand_set("scan_period_max_ms", "5000"));
}

TEST_F(sysfs, sources_scan_is_scan_enabled)
{
	char buf[32];

	ASSERT_GT(kmmscand_get("sources/scan/available", buf, sizeof(buf)), 0);
	EXPECT_STREQ("1", buf);
	ASSERT_EQ(0, kmmscand_set("sources/scan/enabled", "0"));
	ASSERT_GT(kmmscand_get("scan_enabled", buf, sizeof(buf)), 0);
	EXPECT_STREQ("0", buf);
	ASSERT_EQ(0, kmmscand_set("scan_enabled", "1"));
	ASSERT_GT(kmmscand_get("sources/scan/enabled", buf, sizeof(buf)), 0);
	EXPECT_STREQ("1", buf);
	/* read-only */
	EXPECT_NE(0, kmmscand_set("sources/scan/available", "0"));
}

/* promote_level is read only and lies between hot_threshold (2) and 7. */
TEST_F(sysfs, promote_level_read_only)
{
	char buf[32];
	long level;

	ASSERT_GT(kmmscand_get("promote_level", buf, sizeof(buf)), 0);
	level = strtol(buf, NULL, 10);
	EXPECT_GE(level, 2);
	EXPECT_LE(level, 7);
	EXPECT_NE(0, kmmscand_set("promote_level", "1"));
	ASSERT_GT(kmmscand_get("promote_level", buf, sizeof(buf)), 0);
	EXPECT_EQ(level, strtol(buf, NULL, 10));
}

TEST_F(sysfs, non_root_write_refused)
{
	unsigned int i;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		for (i = 0; i < NR_KNOBS; i++)
			if (kmmscand_set(knobs[i].name, knobs[i].valid) != -EACCES)
				_exit(1 + i);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_NE(100, WEXITSTATUS(status)) TH_LOG("could not drop privileges");
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("non-root wrote %s",
					       knobs[WEXITSTATUS(status) - 1].name);
}

/*
 * A new short sleep takes effect at once: with scan_sleep_ms at 60 s the
 * scanner is idle; after writing 20 it must be scanning again well before
 * the old sleep would have ended.
 */
TEST_F_TIMEOUT(sysfs, shorter_sleep_applies_now, 60)
{
	long long before;
	double start;

	ASSERT_EQ(0, kmmscand_set("scan_sleep_ms", "60000"));
	/* let the thread go to sleep with the long timeout */
	sleep(2);
	before = vmstat("kmmscand_pte_scanned") + vmstat("kmmscand_mm_skipped");
	ASSERT_EQ(0, kmmscand_set("scan_sleep_ms", "20"));
	start = now_s();
	while (vmstat("kmmscand_pte_scanned") + vmstat("kmmscand_mm_skipped") == before &&
	       now_s() - start < 20)
		usleep(100000);
	EXPECT_LT(now_s() - start, 20) TH_LOG("the scanner still slept the old 60 s");
}

/*
 * Shorter period bounds take effect without waiting out a pass scheduled
 * with the old, long period: a process scanned with a 10-minute period is
 * scanned again soon after the bounds come down.
 */
TEST_F_TIMEOUT(sysfs, shorter_period_applies_now, 90)
{
	char *buf;
	long long before;
	double start;

	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "600000"));
	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "600000"));
	buf = alloc_on_node(16UL << 20, nr_memory_nodes() > 1 ? 1 : 0, false);
	ASSERT_NE(NULL, buf);
	/* a first pass happens after the initial delay, then none for 10 min */
	sleep(5);
	before = vmstat("kmmscand_mm_scans");
	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "500"));
	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "5000"));
	start = now_s();
	while (vmstat("kmmscand_mm_scans") == before && now_s() - start < 30)
		usleep(100000);
	EXPECT_LT(now_s() - start, 30) TH_LOG("no pass within 30 s of shorter bounds");
	munmap(buf, 16UL << 20);
}

TEST(vmstat_names)
{
	static const char * const names[] = {
		"kmmscand_mm_scans", "kmmscand_mm_skipped", "kmmscand_mm_optout",
		"kmmscand_vma_scans", "kmmscand_pte_scanned", "kmmscand_pmd_scanned",
		"kmmscand_young_slowtier", "kmmscand_young_toptier",
		"kmmscand_pte_rechecked", "kmmscand_recheck_young",
		"kmmscand_recheck_old", "kmmscand_probes", "kmmscand_probe_hit",
		"kmmscand_record_scan", "kmmscand_record_skip_policy",
		"kmmscand_hint_dropped",
		"kmmscand_pages_ready", "kmmscand_promoted",
		"kmmscand_promoted_freq1", "kmmscand_promoted_freq2",
		"kmmscand_promoted_freq3", "kmmscand_promoted_freq4",
		"kmmscand_promoted_freq5", "kmmscand_promoted_freq6",
		"kmmscand_promoted_freq7", "kmmscand_promoted_thp",
		"kmmscand_promote_fail_isolate", "kmmscand_promote_fail_migrate",
		"kmmscand_promote_fail_thp",
		"kmmscand_promote_skip_headroom", "kmmscand_promote_skip_ratelimit",
		"kmmscand_promote_skip_cold", "kmmscand_promote_skip_optout",
		"kmmscand_promote_skip_mempolicy", "kmmscand_promote_skip_cpuset",
		"kmmscand_promote_skip_backoff", "kmmscand_promote_fail_pinned",
		"kmmscand_promote_fail_shared", "kmmscand_promote_fail_dirty",
		"kmmscand_promote_fail_writeback",
	};
	static const char * const gone[] = {
		/* sources that do not exist yet have no counters */
		"kmmscand_record_ibs", "kmmscand_record_spe",
		"kmmscand_record_hintfault", "kmmscand_record_dropped",
		"kmmscand_promote_skip_policy",
	};
	unsigned int i;

	KMMSCAND_REQUIRE(kmmscand_present(), "kmmscand is not built in");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long long v = vmstat(names[i]);

		if (v < 0)
			ksft_print_msg("no %s in /proc/vmstat\n", names[i]);
		EXPECT_GE(v, 0);
	}
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		long long v = vmstat(gone[i]);

		if (v != -1)
			ksft_print_msg("%s in /proc/vmstat\n", gone[i]);
		EXPECT_EQ(-1, v);
	}
}

TEST_HARNESS_MAIN
