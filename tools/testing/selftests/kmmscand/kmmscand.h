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

/*
 * The lab boots kernels built with CONFIG_KMMSCAND=y and says so on the
 * command line (its init exports KMMSCAND_EXPECTED=1): there, a missing
 * kmmscand or a missing lab topology is a failure, not a reason to skip.
 */
static inline bool kmmscand_expected(void)
{
	const char *e = getenv("KMMSCAND_EXPECTED");

	return e && !strcmp(e, "1");
}

/* In a FIXTURE_SETUP or TEST: fail in the lab, skip elsewhere. */
#define KMMSCAND_REQUIRE(cond, why)					\
	do {								\
		if (cond)						\
			break;						\
		if (kmmscand_expected())				\
			ASSERT_TRUE(cond) TH_LOG("lab: %s", why);	\
		SKIP(return, "%s", why);				\
	} while (0)

/* kmmscand is there and node1 is a slower tier than node0 (T2). */
#define KMMSCAND_REQUIRE_T2()						\
	do {								\
		KMMSCAND_REQUIRE(kmmscand_present(),			\
				 "kmmscand is not built in");		\
		KMMSCAND_REQUIRE(nr_memory_nodes() >= 2 &&		\
				 node_tier(1) > node_tier(0),		\
				 "needs a slow node1 below node0 (lab topology T2)"); \
	} while (0)

/* Read a knob (a path below KMMSCAND_DIR) without its newline. */
static inline int kmmscand_get(const char *knob, char *buf, size_t len)
{
	char path[256];
	int n;

	snprintf(path, sizeof(path), KMMSCAND_DIR "/%s", knob);
	n = read_file(path, buf, len);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return n;
}

/* The Memscan: level in /proc/<pid>/status, or -1. */
static inline int memscan_status_level(pid_t pid)
{
	char path[64], line[256];
	int level = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Memscan:", 8))
			level = atoi(line + 8);
	fclose(f);
	return level;
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

/* The pid of the (first) task named comm, or -1. */
static inline pid_t kthread_pid(const char *comm)
{
	char path[300], buf[64];
	struct dirent *d;
	pid_t pid = -1;
	size_t n = strlen(comm);
	DIR *dir = opendir("/proc");

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		if (read_file(path, buf, sizeof(buf)) > 0 &&
		    !strncmp(buf, comm, n) && buf[n] == '\n') {
			pid = atoi(d->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
	return pid;
}

/* CPU time (user + system) of the kernel thread named comm, or -1. */
static inline double kthread_cpu_s(const char *comm)
{
	unsigned long utime, stime;
	pid_t pid = kthread_pid(comm);
	char path[64], buf[512], *p;

	if (pid < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');
	/* fields 14 and 15 (utime, stime), counted after "pid (comm)" */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
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

/* Open /sys/kernel/tracing (or the debugfs copy); returns the path or NULL. */
static inline const char *tracefs(void)
{
	if (!access("/sys/kernel/tracing/trace", F_OK))
		return "/sys/kernel/tracing";
	if (!access("/sys/kernel/debug/tracing/trace", F_OK))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

static inline int trace_write(const char *file, const char *val)
{
	char path[256];
	const char *t = tracefs();

	if (!t)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", t, file);
	return write_file(path, val);
}

/* Empty the trace buffer: opening "trace" with O_TRUNC does it. */
static inline int trace_clear(void)
{
	char path[256];
	const char *t = tracefs();
	int fd;

	if (!t)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/trace", t);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Start tracing the kmmscand events in the NULL-terminated list, each
 * with filter (or none), into an emptied buffer big enough for a test.
 */
static inline int trace_start(const char * const *events, const char *filter)
{
	char file[128];
	int err = 0;

	trace_write("tracing_on", "0");
	trace_write("events/enable", "0");
	trace_write("buffer_size_kb", "8192");
	err |= trace_clear();
	for (; *events; events++) {
		snprintf(file, sizeof(file), "events/kmmscand/%s/filter", *events);
		err |= trace_write(file, filter ? filter : "0");
		snprintf(file, sizeof(file), "events/kmmscand/%s/enable", *events);
		err |= trace_write(file, "1");
	}
	err |= trace_write("tracing_on", "1");
	return err;
}

/* Stop tracing and switch the kmmscand events off; keeps the buffer. */
static inline void trace_stop(void)
{
	trace_write("tracing_on", "0");
	trace_write("events/kmmscand/enable", "0");
}

/*
 * Count the lines of the trace buffer that contain every one of the
 * NULL-terminated strings in match; lines are passed to each(line, arg)
 * too when each is not NULL. Returns the count, or -1.
 */
static inline long trace_count(const char * const *match,
			       void (*each)(const char *line, void *arg), void *arg)
{
	char path[256], line[1024];
	const char *t = tracefs();
	const char * const *m;
	long n = 0;
	FILE *f;

	if (!t)
		return -1;
	snprintf(path, sizeof(path), "%s/trace", t);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		for (m = match; *m && strstr(line, *m); m++)
			;
		if (*m)
			continue;
		n++;
		if (each)
			each(line, arg);
	}
	fclose(f);
	return n;
}

#endif /* __KMMSCAND_SELFTEST_KMMSCAND_H */
