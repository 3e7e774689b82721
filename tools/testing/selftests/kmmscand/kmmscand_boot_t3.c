// SPDX-License-Identifier: GPL-2.0
/*
 * The boot default (lab topology T3, which the lab boots with
 * kmmscand=off while the lab's build default is on): kmmscand=off keeps
 * the scanner off from boot, so nothing was scanned before this test, the
 * promoter file says none, and scan_enabled turns it on afterwards. Runs
 * first on T3, before kmmscand_target_t3 turns scanning on.
 */
#include "../kselftest_harness.h"
#include "kmmscand.h"

static bool cmdline_has(const char *word)
{
	char buf[4096], *tok, *save;

	if (read_file("/proc/cmdline", buf, sizeof(buf)) <= 0)
		return false;
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

static bool promoter_is(const char *want)
{
	char buf[32];

	if (kmmscand_get("promoter", buf, sizeof(buf)) <= 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return !strcmp(buf, want);
}

TEST(cmdline_off_until_enabled)
{
	char numab[16], scan[16];
	long long ptes;
	double start;
	char *buf;

	KMMSCAND_REQUIRE(kmmscand_present(), "kmmscand is not built in");
	ASSERT_TRUE(cmdline_has("kmmscand=off"))
		TH_LOG("the lab boots T3 with kmmscand=off");
	ASSERT_GT(kmmscand_get("scan_enabled", scan, sizeof(scan)), 0);
	EXPECT_STREQ("0", scan);
	/* Not one PTE was examined since boot. */
	EXPECT_EQ(0, vmstat("kmmscand_pte_scanned"));
	EXPECT_EQ(0, vmstat("kmmscand_mm_scans"));

	ASSERT_GT(read_file(NUMAB, numab, sizeof(numab)), 0);
	ASSERT_EQ(0, write_file(NUMAB, "0"));
	EXPECT_TRUE(promoter_is("none"));

	/* Turned on at run time, it scans. */
	buf = alloc_pattern_on_node(16UL << 20, 2, false, 0xb007);
	ASSERT_NE(NULL, buf);
	ptes = vmstat("kmmscand_pte_scanned");
	ASSERT_EQ(0, kmmscand_set("scan_enabled", "1"));
	EXPECT_TRUE(promoter_is("kmmscand"));
	start = now_s();
	while (vmstat("kmmscand_pte_scanned") == ptes && now_s() - start < 30) {
		touch_sweep(buf, 16UL << 20, true);
		usleep(100000);
	}
	EXPECT_GT(vmstat("kmmscand_pte_scanned"), ptes);

	kmmscand_set("scan_enabled", "0");
	write_file(NUMAB, numab);
	munmap(buf, 16UL << 20);
}

TEST_HARNESS_MAIN
