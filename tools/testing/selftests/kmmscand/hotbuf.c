// SPDX-License-Identifier: GPL-2.0
/*
 * hotbuf: the lab's demo workload. Places a buffer on a slow node, keeps it
 * hot, and prints every second where its pages live and how the promotion
 * counters moved, then a one-line summary.
 *
 *   hotbuf [-s SIZE_MB] [-n SLOW_NODE] [-t SECONDS] [-c counter,...] [-F]
 *
 * -F first fills what node0 has free with a cold buffer (a full top tier:
 * promotion needs demotion to make room).
 */
#include <getopt.h>
#include "tiering.h"

static const char *default_counters = "pgpromote_success,numa_hint_faults";

int main(int argc, char **argv)
{
	unsigned long size_mb = 256;
	int slow = 1, seconds = 30, opt, i, n = 0;
	char counters[512], *names[16], *tok;
	long long base[16];
	double start, next, t50 = -1, t90 = -1, t99 = -1;
	volatile unsigned long sink = 0;
	long count[MAX_NODES];
	char *buf, *cold = NULL;
	size_t len, cold_len = 0;
	bool full = false;

	snprintf(counters, sizeof(counters), "%s", default_counters);
	while ((opt = getopt(argc, argv, "s:n:t:c:F")) != -1) {
		switch (opt) {
		case 's': size_mb = strtoul(optarg, NULL, 0); break;
		case 'n': slow = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		case 'c': snprintf(counters, sizeof(counters), "%s", optarg); break;
		case 'F': full = true; break;
		default:
			fprintf(stderr, "usage: %s [-s SIZE_MB] [-n SLOW_NODE] [-t SECONDS] [-c counter,...] [-F]\n",
				argv[0]);
			return 2;
		}
	}
	for (tok = strtok(counters, ","); tok && n < 16; tok = strtok(NULL, ","))
		names[n++] = tok;

	len = size_mb << 20;
	if (full) {
		cold = fill_node_cold(0, &cold_len, 0xc01d);
		if (!cold) {
			perror("hotbuf: cannot fill node0");
			return 1;
		}
		printf("hotbuf: node0 filled with %zu MiB of cold data, %ld MiB free\n",
		       cold_len >> 20, node_free_kb(0) >> 10);
	}
	buf = alloc_on_node(len, slow, false);
	if (!buf) {
		perror("hotbuf: cannot place the buffer on the slow node");
		return 1;
	}
	for (i = 0; i < n; i++)
		base[i] = vmstat(names[i]);

	printf("hotbuf: pid %d, %lu MiB on node%d, kept hot for %d s\n", getpid(), size_mb, slow, seconds);
	fflush(stdout);
	start = now_s();
	next = start;
	while (now_s() - start < seconds) {
		sink += touch_sweep(buf, len, true);
		usleep(2000);
		if (now_s() < next)
			continue;
		next += 1.0;
		pages_per_node(buf, len, count);
		double pct = 100.0 * count[0] / (len / PAGE_SZ);

		if (pct >= 50 && t50 < 0)
			t50 = now_s() - start;
		if (pct >= 90 && t90 < 0)
			t90 = now_s() - start;
		if (pct >= 99 && t99 < 0)
			t99 = now_s() - start;
		printf("%5.1fs  node0 %5.1f%%  node%d %5.1f%% ", now_s() - start, pct,
		       slow, 100.0 * count[slow] / (len / PAGE_SZ));
		for (i = 0; i < n; i++)
			printf(" %s +%lld", names[i], vmstat(names[i]) - base[i]);
		printf("\n");
		fflush(stdout);
	}
	pages_per_node(buf, len, count);
	printf("hotbuf: summary: %.1f%% on node0 after %d s; 50%%/90%%/99%% at %.0f/%.0f/%.0f s (-1 = never)\n",
	       100.0 * count[0] / (len / PAGE_SZ), seconds, t50, t90, t99);
	if (cold) {
		pages_per_node(cold, cold_len, count);
		printf("hotbuf: cold buffer: %.1f%% on node0\n",
		       100.0 * count[0] / (cold_len / PAGE_SZ));
	}
	(void)sink;
	return 0;
}
