// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand and the other promoters: one mechanism moves lower-tier pages
 * up at a time, and the admin chooses which.
 *
 * NUMA balancing, in any mode, migrates the pages a task touches to the
 * task's node, lower-tier pages included (mode 2 adds the tiering rules
 * and a rate limit); a DAMON scheme with action migrate_hot moves the hot
 * regions it monitors to its target node. While either is on, kmmscand
 * yields: the scanner and kmmmigrated stop, and the "promoter" file in
 * sysfs names the mechanism in charge. kmmscand takes over again within
 * about a second of the other one stopping.
 *
 * Whether kmmscand runs from boot is CONFIG_KMMSCAND_DEFAULT_ON, which the
 * kmmscand=on|off command-line parameter overrides; after boot, it is
 * scan_enabled.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/minmax.h>
#include <linux/sched/sysctl.h>

#include "internal.h"

/*
 * DAMON applies its schemes once per apply interval: kmmscand yields for
 * two of them after the last application, and at least this long.
 */
#define KMMSCAND_PEER_HOLD	(2 * HZ)

/*
 * get_jiffies_64() until which a DAMON migrate_hot scheme is in charge;
 * 64 bits, so that a value left from long ago never looks recent. A torn
 * read on a 32-bit machine costs one wrong answer, corrected at the next.
 */
static u64 kmmscand_damon_until;

/**
 * kmmscand_peer_active - another promoter is at work
 * @peer: which one; only KMMSCAND_PEER_DAMON reports itself
 * @interval: jiffies until it reports again at the latest
 *
 * Called by kdamond each time it is about to apply a migrate_hot scheme.
 */
void kmmscand_peer_active(enum kmmscand_peer peer, unsigned long interval)
{
	u64 until;

	if (peer != KMMSCAND_PEER_DAMON)
		return;
	until = get_jiffies_64() + max(2 * interval, KMMSCAND_PEER_HOLD);
	/* Several kdamonds: the one that waits longest sets the hold. */
	if (time_after64(until, READ_ONCE(kmmscand_damon_until)))
		WRITE_ONCE(kmmscand_damon_until, until);
}

/**
 * kmmscand_peer_in_charge - is another promoter on?
 *
 * Return: KMMSCAND_PEER_NUMAB while NUMA balancing is on in any mode,
 * else KMMSCAND_PEER_DAMON while a DAMON migrate_hot scheme runs, else
 * KMMSCAND_PEER_NONE.
 */
enum kmmscand_peer kmmscand_peer_in_charge(void)
{
	if (READ_ONCE(sysctl_numa_balancing_mode))
		return KMMSCAND_PEER_NUMAB;
	if (time_before64(get_jiffies_64(), READ_ONCE(kmmscand_damon_until)))
		return KMMSCAND_PEER_DAMON;
	return KMMSCAND_PEER_NONE;
}

/* kmmscand=on|off: scan from boot or not, whatever the build default. */
static int __init kmmscand_param(char *str)
{
	bool on;

	if (kstrtobool(str, &on)) {
		pr_warn("kmmscand=%s is neither on nor off: ignored\n", str);
		return 1;
	}
	kmmscand_tun.scan_enabled = on;
	return 1;
}
__setup("kmmscand=", kmmscand_param);
