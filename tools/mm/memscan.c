// SPDX-License-Identifier: GPL-2.0
/*
 * memscan: run a command at a kmmscand scan level, or show a process's
 * level, where its memory lives and the kmmscand counters.
 *
 *   memscan -l LEVEL [--] COMMAND [ARG...]
 *   memscan -p PID
 *
 * The level (0..10, default 5) is per address space: 0 opts the process
 * out of kmmscand (neither scanned nor promoted), higher levels scan it more
 * often. It is inherited on fork and kept across execve, so it applies to
 * COMMAND and everything it starts.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/prctl.h>

#ifndef PR_SET_MEMSCAN
#define PR_SET_MEMSCAN	0x4d534353
#define PR_GET_MEMSCAN	0x4d534347
#endif

#define MAX_NODES	64

static const char *prog = "memscan";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s -l LEVEL [--] COMMAND [ARG...]   run COMMAND at scan level LEVEL (0..10)\n"
		"       %s -p PID                         show PID's level, memory per node, counters\n"
		"       %s -h                             this help\n"
		"Level 0 opts out of kmmscand; 5 is the default; higher scans more often.\n",
		prog, prog, prog);
}

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int run_at_level(long level, char **argv)
{
	if (prctl(PR_SET_MEMSCAN, level, 0, 0, 0)) {
		if (errno == EINVAL)
			fprintf(stderr, "%s: the kernel refused level %ld (no kmmscand, or out of range)\n",
				prog, level);
		else
			fprintf(stderr, "%s: prctl(PR_SET_MEMSCAN): %s\n", prog, strerror(errno));
		return 1;
	}
	execvp(argv[0], argv);
	fprintf(stderr, "%s: %s: %s\n", prog, argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* Pages of the process per node, summed from /proc/PID/numa_maps. */
static int pages_per_node(long pid, unsigned long *pages, int *max_nid)
{
	char path[64], *line = NULL, *tok;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/numa_maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	*max_nid = -1;
	while (getline(&line, &cap, f) > 0) {
		for (tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
			int nid;
			unsigned long n;

			if (sscanf(tok, "N%d=%lu", &nid, &n) != 2 || nid < 0 || nid >= MAX_NODES)
				continue;
			pages[nid] += n;
			if (nid > *max_nid)
				*max_nid = nid;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static int show(long pid)
{
	unsigned long pages[MAX_NODES] = { 0 };
	char path[64], line[256], comm[64] = "?";
	int max_nid, nid, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: no process %ld: %s\n", prog, pid, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Name:", 5))
			sscanf(line + 5, "%63s", comm);
		if (!strncmp(line, "Memscan:", 8)) {
			printf("pid %ld (%s): level %s", pid, comm, line + 8 + strspn(line + 8, " \t"));
			found = 1;
		}
	}
	fclose(f);
	if (!found) {
		fprintf(stderr, "%s: %s has no Memscan: line (kernel without kmmscand, or a kernel thread)\n",
			prog, path);
		return 1;
	}

	if (!pages_per_node(pid, pages, &max_nid)) {
		printf("memory:");
		for (nid = 0; nid <= max_nid; nid++)
			printf(" node%d %lu kB", nid, pages[nid] * (unsigned long)getpagesize() / 1024);
		printf("\n");
	}

	f = fopen("/proc/vmstat", "r");
	if (f) {
		printf("kmmscand counters (system-wide):\n");
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "kmmscand_", 9) || !strncmp(line, "pgpromote_success ", 18))
				printf("  %s", line);
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long level = -1, pid = -1;
	int opt;

	prog = argv[0];
	while ((opt = getopt(argc, argv, "+l:p:h")) != -1) {
		switch (opt) {
		case 'l':
			if (parse_int(optarg, 0, 10, &level)) {
				fprintf(stderr, "%s: invalid level '%s' (0..10)\n", prog, optarg);
				return 2;
			}
			break;
		case 'p':
			if (parse_int(optarg, 1, INT_MAX, &pid)) {
				fprintf(stderr, "%s: invalid pid '%s'\n", prog, optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (pid > 0 && level < 0 && optind == argc)
		return show(pid);
	if (level >= 0 && pid < 0 && optind < argc)
		return run_at_level(level, argv + optind);
	usage(stderr);
	return 2;
}
