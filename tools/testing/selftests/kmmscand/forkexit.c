// SPDX-License-Identifier: GPL-2.0
/*
 * forkexit: the cost of fork + exit + wait, for the registration overhead
 * of kmmscand (make forkcost runs it on a kernel with and one without
 * CONFIG_KMMSCAND). The parent first faults in MB of anonymous memory, so
 * that fork copies page tables as a real process's does.
 *
 *   forkexit [rounds [forks [MB]]]     defaults: 15 rounds of 2000 forks, 16 MB
 *
 * Prints one line per round and a summary with the median, minimum and
 * maximum nanoseconds per fork+exit+wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 15;
	int forks = argc > 2 ? atoi(argv[2]) : 2000;
	size_t mb = argc > 3 ? strtoul(argv[3], NULL, 0) : 16;
	double *ns;
	char *buf;
	int r, i;

	if (rounds < 1 || forks < 1) {
		fprintf(stderr, "usage: forkexit [rounds [forks [MB]]]\n");
		return 2;
	}
	ns = calloc(rounds, sizeof(*ns));
	buf = mmap(NULL, mb << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ns || buf == MAP_FAILED) {
		perror("forkexit");
		return 1;
	}
	memset(buf, 1, mb << 20);
	for (r = 0; r < rounds; r++) {
		double t0 = now_ns();

		for (i = 0; i < forks; i++) {
			pid_t pid = fork();

			if (pid < 0) {
				perror("fork");
				return 1;
			}
			if (!pid)
				_exit(0);
			if (waitpid(pid, NULL, 0) != pid) {
				perror("waitpid");
				return 1;
			}
		}
		ns[r] = (now_ns() - t0) / forks;
		printf("forkexit: round %d: %.0f ns per fork+exit+wait\n",
		       r + 1, ns[r]);
	}
	qsort(ns, rounds, sizeof(*ns), cmp);
	printf("forkexit: %d x %d forks, %zu MB parent: median %.0f ns, min %.0f, max %.0f\n",
	       rounds, forks, mb, ns[rounds / 2], ns[0], ns[rounds - 1]);
	return 0;
}
