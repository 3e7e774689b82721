/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kmmscand selftests: NUMA topology and memory tiers
 * from sysfs, where a buffer's pages live (move_pages), /proc/vmstat
 * counters, and a workload that keeps a buffer hot.
 */
#ifndef __KMMSCAND_SELFTEST_TIERING_H
#define __KMMSCAND_SELFTEST_TIERING_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/mempolicy.h>

#define MAX_NODES	8
#define PAGE_SZ		4096UL

static inline long sys_move_pages(int pid, unsigned long count, void **pages,
				  const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, pid, count, pages, nodes, status, flags);
}

static inline long sys_set_mempolicy(int mode, const unsigned long *mask,
				     unsigned long maxnode)
{
	return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

static inline long sys_mbind(void *addr, unsigned long len, int mode,
			     const unsigned long *mask, unsigned long maxnode,
			     unsigned int flags)
{
	return syscall(SYS_mbind, addr, len, mode, mask, maxnode, flags);
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read a whole small file into buf; returns length or -errno. */
static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* Write a string to a file; returns 0 or -errno of the write. */
static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static inline long read_long(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) < 0)
		return LONG_MIN;
	return strtol(buf, NULL, 0);
}

/* A counter from /proc/vmstat, or -1 when the kernel has no such counter. */
static inline long long vmstat(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	long long val = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == ' ') {
			val = atoll(line + len + 1);
			break;
		}
	}
	fclose(f);
	return val;
}

static inline bool node_exists(int nid)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", nid);
	return access(path, F_OK) == 0;
}

/* A field of /proc/self/smaps_rollup in kB, or -1. */
static inline long smaps_kb(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			kb = atol(line + len + 1);
	fclose(f);
	return kb;
}

/* Number of online nodes with memory. */
static inline int nr_memory_nodes(void)
{
	char buf[256], *p;
	int n = 0, a, b;

	if (read_file("/sys/devices/system/node/has_memory", buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf; *p; ) {
		if (sscanf(p, "%d-%d", &a, &b) == 2)
			n += b - a + 1;
		else if (sscanf(p, "%d", &a) == 1)
			n++;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return n;
}

static inline bool node_has_cpus(int nid)
{
	char path[128], buf[256];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", nid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	return buf[0] >= '0' && buf[0] <= '9';
}

static inline bool list_has(const char *list, int nid)
{
	const char *p = list;
	int a, b;

	while (p && *p) {
		if (sscanf(p, "%d-%d", &a, &b) == 2) {
			if (nid >= a && nid <= b)
				return true;
		} else if (sscanf(p, "%d", &a) == 1 && a == nid) {
			return true;
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/*
 * The memory tier a node is in (the N of memory_tierN: a larger N is a
 * slower tier), or -1.
 */
static inline int node_tier(int nid)
{
	char path[192], buf[256];
	int tier;

	for (tier = 0; tier < 4096; tier++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/virtual/memory_tiering/memory_tier%d/nodelist", tier);
		if (read_file(path, buf, sizeof(buf)) < 0)
			continue;
		if (list_has(buf, nid))
			return tier;
	}
	return -1;
}

#define THP_SZ		(2UL << 20)

/* len bytes of anonymous memory at a THP_SZ-aligned address, or NULL. */
static inline char *mmap_thp_aligned(size_t len)
{
	char *raw, *buf;

	raw = mmap(NULL, len + THP_SZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	buf = (char *)(((unsigned long)raw + THP_SZ - 1) & ~(THP_SZ - 1));
	if (buf > raw)
		munmap(raw, buf - raw);
	munmap(buf + len, raw + THP_SZ - buf);
	return buf;
}

/*
 * Map len bytes of anonymous memory (THP-backed at a 2 MiB aligned
 * address, or never THP-backed) and bind the task to node nid, so that
 * the caller's first touch faults the pages in there; end_on_node() goes
 * back to the default policy: the pages stay on nid but nothing pins them
 * there.
 */
static inline char *begin_on_node(size_t len, int nid, bool thp)
{
	unsigned long mask = 1UL << nid;
	char *buf;

	if (thp) {
		buf = mmap_thp_aligned(len);
		if (!buf)
			return NULL;
	} else {
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			return NULL;
	}
	madvise(buf, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (sys_set_mempolicy(MPOL_BIND, &mask, MAX_NODES + 1)) {
		munmap(buf, len);
		return NULL;
	}
	return buf;
}

static inline void end_on_node(void)
{
	sys_set_mempolicy(MPOL_DEFAULT, NULL, 0);
}

/* Allocate len bytes of anonymous memory and fault it in on node nid. */
static inline char *alloc_on_node(size_t len, int nid, bool thp)
{
	char *buf = begin_on_node(len, nid, thp);
	size_t i;

	if (!buf)
		return NULL;
	for (i = 0; i < len; i += PAGE_SZ)
		buf[i] = (char)i;
	end_on_node();
	return buf;
}

/*
 * Count the pages of buf per node into count[MAX_NODES]; returns the
 * number of pages whose node could not be determined.
 */
static inline long pages_per_node(char *buf, size_t len, long *count)
{
	unsigned long n = len / PAGE_SZ, i;
	void **pages = malloc(n * sizeof(void *));
	int *status = malloc(n * sizeof(int));
	long unknown = 0;

	memset(count, 0, MAX_NODES * sizeof(long));
	if (!pages || !status) {
		free(pages);
		free(status);
		return n;
	}
	for (i = 0; i < n; i++)
		pages[i] = buf + i * PAGE_SZ;
	if (sys_move_pages(0, n, pages, NULL, status, 0)) {
		unknown = n;
	} else {
		for (i = 0; i < n; i++) {
			if (status[i] >= 0 && status[i] < MAX_NODES)
				count[status[i]]++;
			else
				unknown++;
		}
	}
	free(pages);
	free(status);
	return unknown;
}

/* Percentage of buf's pages on node nid. */
static inline double pct_on_node(char *buf, size_t len, int nid)
{
	long count[MAX_NODES];

	pages_per_node(buf, len, count);
	return 100.0 * count[nid] / (len / PAGE_SZ);
}

/*
 * One sweep over the buffer, one access per page: a load, or a load and a
 * store of the same value back (so a pattern written by fill_pattern()
 * stays intact). Returns a value the compiler cannot drop.
 */
static inline unsigned long touch_sweep(char *buf, size_t len, bool write)
{
	volatile char *p = buf;
	unsigned long sum = 0;
	size_t i;
	char c;

	for (i = 0; i < len; i += PAGE_SZ) {
		c = p[i];
		sum += c;
		if (write)
			p[i] = c;
	}
	return sum;
}

/* The 8-byte word at index w of page pg of a buffer filled with seed. */
static inline unsigned long long pattern_word(unsigned long long seed,
					      size_t pg, size_t w)
{
	unsigned long long x = seed ^ ((unsigned long long)pg << 20) ^ w;

	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ULL;
	return x ^ (x >> 29);
}

/* Fill every byte of buf with a pattern of its page, word and seed. */
static inline void fill_pattern(char *buf, size_t len, unsigned long long seed)
{
	size_t pg, w, words = PAGE_SZ / sizeof(unsigned long long);

	for (pg = 0; pg < len / PAGE_SZ; pg++) {
		unsigned long long *p = (unsigned long long *)(buf + pg * PAGE_SZ);

		for (w = 0; w < words; w++)
			p[w] = pattern_word(seed, pg, w);
	}
}

/*
 * Check every byte written by fill_pattern(); returns the number of pages
 * with a wrong byte, and the first bad page in *first (if not NULL).
 */
static inline long verify_pattern(const char *buf, size_t len,
				  unsigned long long seed, long *first)
{
	size_t pg, w, words = PAGE_SZ / sizeof(unsigned long long);
	long bad = 0;

	if (first)
		*first = -1;
	for (pg = 0; pg < len / PAGE_SZ; pg++) {
		const unsigned long long *p =
			(const unsigned long long *)(buf + pg * PAGE_SZ);

		for (w = 0; w < words; w++) {
			if (p[w] != pattern_word(seed, pg, w)) {
				if (first && *first < 0)
					*first = pg;
				bad++;
				break;
			}
		}
	}
	return bad;
}

/*
 * As alloc_on_node(), but every byte is written with the pattern of seed
 * in the one pass that faults the pages in: each page is accessed once,
 * so a scan pass cannot see it accessed twice.
 */
static inline char *alloc_pattern_on_node(size_t len, int nid, bool thp,
					  unsigned long long seed)
{
	char *buf = begin_on_node(len, nid, thp);

	if (!buf)
		return NULL;
	fill_pattern(buf, len, seed);
	end_on_node();
	return buf;
}

/*
 * Keep buf hot the way a real workload would, with sleeps between sweeps
 * (so the task is scheduled out and back, as real ones are), until
 * done(buf, len, arg) says so or deadline_s passes. Returns the seconds it
 * took, or a negative value at the deadline.
 */
static inline double keep_hot_until(char *buf, size_t len, bool write, double deadline_s,
				    bool (*done)(char *, size_t, void *), void *arg)
{
	double start = now_s(), last_check = 0;
	volatile unsigned long sink = 0;

	while (now_s() - start < deadline_s) {
		sink += touch_sweep(buf, len, write);
		usleep(2000);
		if (now_s() - last_check >= 1.0) {
			last_check = now_s();
			if (done(buf, len, arg))
				return now_s() - start;
		}
	}
	(void)sink;
	return -1;
}

/*
 * The skewed workload: a buffer whose every HOT_EVERY-th page takes 90% of
 * the accesses (kmmscand_hotfirst, skewbuf).
 */
/* Node of every page of buf into status[]; 0 or -1. */
static inline int page_nodes(char *buf, size_t pages, int *status)
{
	void **addr = malloc(pages * sizeof(void *));
	size_t i;
	long ret;

	if (!addr)
		return -1;
	for (i = 0; i < pages; i++)
		addr[i] = buf + i * PAGE_SZ;
	ret = sys_move_pages(0, pages, addr, NULL, status, 0);
	free(addr);
	return ret ? -1 : 0;
}

/* Every HOT_EVERY-th page of the skewed buffer is hot. */
#define HOT_EVERY	10

static inline bool is_hot(size_t pg)
{
	return pg % HOT_EVERY == 0;
}

/*
 * @warm_share: of every 1024 accesses, how many go to the pages that are
 *	not hot (0: 102, a tenth)
 * @accesses: out: accesses made, set when the worker stops
 */
struct skew {
	char *buf;
	size_t pages;
	unsigned int warm_share;
	unsigned long rate;	/* accesses per second at most; 0: no limit */
	volatile int stop;
	unsigned long accesses;
};

static inline uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * 90% of the accesses (or all but @warm_share in 1024) go to a random hot
 * page, the others to a random other page; each access loads a word and stores it back (the pattern stays).
 * A short sleep every 64 Ki accesses lets the task be scheduled out and
 * back, as real ones are; with @rate set it sleeps as long as it takes to
 * stay at or below that many accesses per second, so that a page's access
 * rate does not depend on how fast the machine is.
 */
static inline void *skew_worker(void *arg)
{
	struct skew *s = arg;
	unsigned int hot_share = 1024 - (s->warm_share ? s->warm_share : 102);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned long n = 0;
	double start = now_s(), ahead;

	while (!s->stop) {
		volatile unsigned long long *p;
		uint64_t r = xorshift(&x);
		size_t pg;

		if ((r & 1023) < hot_share) {
			pg = ((r >> 10) % (s->pages / HOT_EVERY)) * HOT_EVERY;
		} else {
			pg = (r >> 10) % s->pages;
			if (is_hot(pg))
				pg = (pg + 1) % s->pages;
		}
		p = (unsigned long long *)(s->buf + pg * PAGE_SZ) + ((r >> 50) & 511);
		*p = *p;
		if (++n & 0xffff)
			continue;
		ahead = s->rate ? (double)n / s->rate - (now_s() - start) : 0;
		usleep(ahead > 0.0005 ? ahead * 1e6 : 500);
	}
	s->accesses = n;
	return NULL;
}

/* MemFree of node nid in KiB, or -1. */
static inline long node_free_kb(int nid)
{
	char path[96], buf[4096], *p;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "MemFree:");
	return p ? atol(p + strlen("MemFree:")) : -1;
}

/*
 * Fill what node nid has free with a cold buffer of pattern seed; its
 * length in *len. The policy prefers nid rather than binding to it, so
 * that what does not fit goes elsewhere instead of to the OOM killer, and
 * is dropped once the buffer is in place: its pages stay unpinned by any
 * policy.
 */
static inline char *fill_node_cold(int nid, size_t *len, unsigned long long seed)
{
	unsigned long mask = 1UL << nid;
	long kb = node_free_kb(nid);
	char *buf;

	if (kb <= 0)
		return NULL;
	*len = (size_t)kb << 10;
	buf = mmap(NULL, *len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return NULL;
	madvise(buf, *len, MADV_NOHUGEPAGE);
	if (sys_mbind(buf, *len, MPOL_PREFERRED, &mask, MAX_NODES + 1, 0)) {
		munmap(buf, *len);
		return NULL;
	}
	fill_pattern(buf, *len, seed);
	sys_mbind(buf, *len, MPOL_DEFAULT, NULL, 0, 0);
	return buf;
}

#endif /* __KMMSCAND_SELFTEST_TIERING_H */
