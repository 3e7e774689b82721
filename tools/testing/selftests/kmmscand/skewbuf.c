// SPDX-License-Identifier: GPL-2.0
/*
 * skewbuf: the skewed workload of kmmscand_hotfirst as a measurement tool.
 * Places a buffer on a slow node, sends 90% of its accesses to every tenth
 * page and the rest to the others, and reports, whatever promotes it
 * (kmmscand, NUMA balancing's tiering mode, DAMON):
 *
 *   skewbuf: t50 T t90 T first N P% hot rest R% cpu kmmscand C kmmmigrated C
 *            kdamond.0 C ptes P rechecked R
 *
 * t50/t90: seconds until 50%/90% of the hot pages are on the top node
 * (-1: not within the run); first: the first pages seen on the top node
 * (at least -f of them, default 2048) and the share of hot pages among
 * them; rest: the share of the other pages on the top node at the end;
 * cpu: seconds of CPU of those kernel threads during the run; ptes: page-
 * table entries kmmscand examined in passes and in re-checks (0 where a
 * kernel has no such counter).
 *
 *   skewbuf [-s SIZE_MB] [-n SLOW_NODE] [-N TOP_NODE] [-t SECONDS] [-f FIRST]
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <dirent.h>
#include "kmmscand.h"

static const char * const threads[] = { "kmmscand", "kmmmigrated", "kdamond.0" };
#define NR_THREADS	(sizeof(threads) / sizeof(threads[0]))

int main(int argc, char **argv)
{
	unsigned long size_mb = 512, first_min = 2048;
	int slow = 1, top = 0, seconds = 60, opt;
	double start, t50 = -1, t90 = -1, first_pct = -1, rest_pct = 0;
	double cpu0[NR_THREADS];
	long long ptes0 = vmstat("kmmscand_pte_scanned");
	long long rechecked0 = vmstat("kmmscand_pte_rechecked");
	size_t pages, hot_total, pg, first_n = 0;
	struct skew s = { 0 };
	unsigned int i;
	int *status;
	pthread_t t;

	while ((opt = getopt(argc, argv, "s:n:N:t:f:")) != -1) {
		switch (opt) {
		case 's': size_mb = strtoul(optarg, NULL, 0); break;
		case 'n': slow = atoi(optarg); break;
		case 'N': top = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		case 'f': first_min = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-s SIZE_MB] [-n SLOW_NODE] [-N TOP_NODE] [-t SECONDS] [-f FIRST]\n",
				argv[0]);
			return 2;
		}
	}
	pages = (size_mb << 20) / PAGE_SZ;
	hot_total = pages / HOT_EVERY;
	status = malloc(pages * sizeof(int));
	s.buf = alloc_pattern_on_node(size_mb << 20, slow, false, 0x5e3);
	if (!status || !s.buf) {
		perror("skewbuf: allocation");
		return 1;
	}
	s.pages = pages;
	for (i = 0; i < NR_THREADS; i++)
		cpu0[i] = kthread_cpu_s(threads[i]);
	printf("skewbuf: pid %d, %lu MiB on node%d, 1 page in %d hot\n", getpid(),
	       size_mb, slow, HOT_EVERY);
	fflush(stdout);
	if (pthread_create(&t, NULL, skew_worker, &s))
		return 1;

	start = now_s();
	while (now_s() - start < seconds) {
		size_t hot0 = 0, rest0 = 0;
		double el;

		usleep(500000);
		if (page_nodes(s.buf, pages, status))
			break;
		for (pg = 0; pg < pages; pg++) {
			if (status[pg] != top)
				continue;
			if (is_hot(pg))
				hot0++;
			else
				rest0++;
		}
		el = now_s() - start;
		if (first_pct < 0 && hot0 + rest0 >= first_min) {
			first_n = hot0 + rest0;
			first_pct = 100.0 * hot0 / first_n;
		}
		if (t50 < 0 && hot0 * 2 >= hot_total)
			t50 = el;
		if (t90 < 0 && hot0 * 10 >= hot_total * 9)
			t90 = el;
		rest_pct = 100.0 * rest0 / (pages - hot_total);
		printf("skewbuf: %5.1f s hot %5.1f%% rest %5.1f%% on node%d\n", el,
		       100.0 * hot0 / hot_total, rest_pct, top);
		fflush(stdout);
	}
	s.stop = 1;
	pthread_join(t, NULL);
	printf("skewbuf: t50 %.1f t90 %.1f first %zu %.1f%% hot rest %.1f%%", t50, t90,
	       first_n, first_pct, rest_pct);
	printf(" cpu");
	for (i = 0; i < NR_THREADS; i++)
		printf(" %s %.2f", threads[i],
		       cpu0[i] < 0 ? 0.0 : kthread_cpu_s(threads[i]) - cpu0[i]);
	printf(" ptes %lld rechecked %lld\n",
	       ptes0 < 0 ? 0 : vmstat("kmmscand_pte_scanned") - ptes0,
	       rechecked0 < 0 ? 0 : vmstat("kmmscand_pte_rechecked") - rechecked0);
	if (verify_pattern(s.buf, size_mb << 20, 0x5e3, NULL)) {
		printf("skewbuf: data corrupted\n");
		return 3;
	}
	return 0;
}
