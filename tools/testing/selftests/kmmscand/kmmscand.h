/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixture helpers for the kmmscand selftests: save and restore the knobs a
 * test changes, and read kmmscand's counters.
 */
#ifndef __KMMSCAND_SELFTEST_KMMSCAND_H
#define __KMMSCAND_SELFTEST_KMMSCAND_H

#include <dirent.h>
#include "tiering.h"

#define KMMSCAND_DIR	"/sys/kernel/mm/kmmscand"
#define NUMAB		"/proc/sys/kernel/numa_balancing"

struct knob_save {
	char numab[16];
	char scan_enabled[16];
};

static inline bool kmmscand_present(void)
{
	return access(KMMSCAND_DIR "/scan_enabled", F_OK) == 0;
}

static inline int kmmscand_set(const char *knob, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), KMMSCAND_DIR "/%s", knob);
	return write_file(path, val);
}

/* Save the knobs, turn NUMA balancing off and scanning on. */
static inline int kmmscand_setup(struct knob_save *s)
{
	if (read_file(NUMAB, s->numab, sizeof(s->numab)) < 0 ||
	    read_file(KMMSCAND_DIR "/scan_enabled", s->scan_enabled,
		      sizeof(s->scan_enabled)) < 0)
		return -1;
	if (write_file(NUMAB, "0"))
		return -1;
	return kmmscand_set("scan_enabled", "1");
}

static inline void kmmscand_restore(struct knob_save *s)
{
	if (s->numab[0])
		write_file(NUMAB, s->numab);
	if (s->scan_enabled[0])
		kmmscand_set("scan_enabled", s->scan_enabled);
}

/* CPU time (user + system) of the kernel thread named comm, or -1. */
static inline double kthread_cpu_s(const char *comm)
{
	char path[300], buf[512], *p;
	unsigned long utime, stime;
	struct dirent *d;
	double cpu = -1;
	DIR *dir = opendir("/proc");

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		if (read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		p = strchr(buf, '(');
		if (!p || strncmp(p + 1, comm, strlen(comm)) || p[1 + strlen(comm)] != ')')
			continue;
		p = strrchr(buf, ')');
		/* fields 14 and 15 (utime, stime), counted after "pid (comm)" */
		if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			   &utime, &stime) == 2)
			cpu = (double)(utime + stime) / sysconf(_SC_CLK_TCK);
		break;
	}
	if (dir)
		closedir(dir);
	return cpu;
}

/* True when at least pct percent of buf lives on the node *arg. */
struct goal {
	int nid;
	double pct;
};

static inline bool reached(char *buf, size_t len, void *arg)
{
	struct goal *g = arg;

	return pct_on_node(buf, len, g->nid) >= g->pct;
}

#endif /* __KMMSCAND_SELFTEST_KMMSCAND_H */
