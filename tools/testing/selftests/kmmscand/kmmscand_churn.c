// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand_churn SECONDS FSDIR: the workload of `make stress`.
 *
 * For SECONDS, while kmmscand scans and migrates with aggressive knobs,
 * these run at once, each in its own process:
 *
 *  - a forker: children that fork, exec this program and exit, checking
 *    memory they inherited (copy-on-write) and memory of their own;
 *  - two mappers, three owner threads each: every owner keeps regions of
 *    every kind (THP, small anonymous, shared anonymous, tmpfs, a file on
 *    FSDIR, KSM-mergeable) on the slow node and keeps changing them
 *    (rewrite, MADV_DONTNEED/FREE/PAGEOUT/COLD/COLLAPSE, partial mprotect
 *    and munmap, mremap, recycle, fork and check); a fourth thread changes
 *    their mempolicies and the mm's PR_SET_MEMSCAN level;
 *  - a pressure process in a memory cgroup that keeps the top tier full
 *    and reclaims, so that demotion runs;
 *  - a hotplug process that offlines and onlines memory blocks of node1;
 *  - this process toggles every kmmscand knob and source at random (and
 *    checks that refused writes keep the old value), moves the mappers
 *    between cpusets and changes their cpuset.mems, and migrate_pages()s
 *    them between the nodes.
 *
 * Every page any of them owns has a known content (three check words
 * derived from its region, index and generation) or is known to read
 * zero; every check of every page compares. The first mismatch, a refused
 * valid write, an accepted invalid one, or a role that dies fails the run.
 * At the end a summary line says what was done, and the run fails if it
 * was idle (no promotion, no demotion, no hotplug cycle).
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "kmmscand.h"

#ifndef PR_SET_MEMSCAN
#define PR_SET_MEMSCAN		0x4d534353
#define PR_GET_MEMSCAN		0x4d534347
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_PAGEOUT
#define MADV_COLD		20
#define MADV_PAGEOUT		21
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define NR_MAPPERS	2
#define NR_OWNERS	3
#define CGROOT		"/sys/fs/cgroup"
#define MEMDIR		"/sys/devices/system/memory"

enum role { R_FORKER, R_MAPPER0, R_MAPPER1, R_PRESSURE, R_HOTPLUG, NR_ROLES };

static const char * const role_name[NR_ROLES] = {
	"forker", "mapper0", "mapper1", "pressure", "hotplug",
};

enum op {
	OP_VERIFY, OP_REWRITE, OP_DONTNEED, OP_FREE, OP_PAGEOUT, OP_COLD,
	OP_COLLAPSE, OP_MPROTECT, OP_REMAP, OP_MUNMAP, OP_MREMAP, OP_RECYCLE,
	OP_FORK, OP_MBIND, NR_OPS
};

static const char * const op_name[NR_OPS] = {
	"verify", "rewrite", "dontneed", "free", "pageout", "cold",
	"collapse", "mprotect", "remap", "munmap", "mremap", "recycle", "fork",
	"mbind",
};

/* Shared by every process of the run (MAP_SHARED before the forks). */
struct stats {
	volatile int stop;
	volatile int failed;
	char why[512];
	long forks, execs, child_checks;
	long ops[NR_OPS];
	long mismatches, mbinds, prctls, cpusets, moves, migrate_pages;
	long knob_changes, knob_refused, knob_invalid;
	long hp_offline, hp_busy, reclaims, pressure_mb;
};

static struct stats *st;
static const char *fsdir;

/*
 * CHURN_OFF=a,b,...: leave out parts of the run (kmmscand, ksm, hotplug,
 * pressure, forker, cgroup, migrate), to tell which one a failure needs.
 */
static bool off(const char *what)
{
	const char *list = getenv("CHURN_OFF"), *p;
	size_t n = strlen(what);

	for (p = list; p && (p = strstr(p, what)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

#define ADD(field, n)	__atomic_fetch_add(&st->field, (n), __ATOMIC_RELAXED)

static void fail(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!__atomic_exchange_n(&st->failed, 1, __ATOMIC_SEQ_CST))
		memcpy(st->why, buf, sizeof(buf));
	st->stop = 1;
	/* write(2), not stdio: this may run in the child of a threaded fork */
	if (n > 0 && write(2, "churn: FAIL: ", 13) > 0 &&
	    write(2, buf, strlen(buf)) > 0)
		n = write(2, "\n", 1);
}

static unsigned long long rnd(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned long rnd_below(unsigned long long *s, unsigned long n)
{
	return n ? rnd(s) % n : 0;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int set_policy(int mode, int nid)
{
	unsigned long mask = 1UL << nid;

	return sys_set_mempolicy(mode, mode == MPOL_DEFAULT ? NULL : &mask,
				 mode == MPOL_DEFAULT ? 0 : MAX_NODES + 1);
}

/* The node page p lives on, or a negative errno (for a report). */
static int node_of(void *p)
{
	int status = -1;

	if (sys_move_pages(0, 1, &p, NULL, &status, 0))
		return -errno;
	return status;
}

/* ---------------------------------------------------------------------
 * Regions and their pages' known contents
 */

enum kind { K_THP, K_ANON, K_SHARED, K_TMPFS, K_FILE, K_KSM, NR_KINDS };

static const char * const kind_name[NR_KINDS] = {
	"thp", "anon", "shared", "tmpfs", "file", "ksm",
};

static const size_t kind_len[NR_KINDS] = {
	8UL << 20, 1UL << 20, 1UL << 20, 1UL << 20, 1UL << 20, 1UL << 20,
};

/*
 * The state of a page: gen > 0 reads the words of generation gen, 0 reads
 * zero, -gen (after MADV_FREE) reads either. A region may lose pages at
 * its end (npages < maxpages) and get them back.
 */
struct region {
	int kind;
	int fd;
	char *addr;
	size_t len;
	unsigned long npages;
	unsigned long maxpages;
	unsigned long long seed;
	int next_gen;
	int *gen;
};

/* Shared mappings keep their content over DONTNEED and a remap. */
static bool kind_shared(int kind)
{
	return kind == K_SHARED || kind == K_TMPFS || kind == K_FILE;
}

static bool kind_file(int kind)
{
	return kind == K_TMPFS || kind == K_FILE;
}

static const size_t check_word[3] = { 0, 255, 511 };

static unsigned long long word_of(struct region *r, unsigned long pg,
				  int w, int gen)
{
	unsigned long long seed = r->seed ^ ((unsigned long long)gen << 40);

	/* KSM regions repeat four pages, so that KSM has pages to merge */
	if (r->kind == K_KSM)
		return pattern_word(seed, pg % 4, check_word[w]);
	return pattern_word(seed, pg, check_word[w]);
}

static void write_page(struct region *r, unsigned long pg, int gen)
{
	unsigned long long *p = (unsigned long long *)(r->addr + pg * PAGE_SZ);
	int w;

	for (w = 0; w < 3; w++)
		p[check_word[w]] = word_of(r, pg, w, gen);
	r->gen[pg] = gen;
}

/* Check one page; 0 when it reads what its state says. */
static int check_page(struct region *r, unsigned long pg, const char *who)
{
	volatile unsigned long long *p =
		(unsigned long long *)(r->addr + pg * PAGE_SZ);
	unsigned long long got[3];
	int gen = r->gen[pg], w, zero = 1, match = 1, found = 0;
	char whose[64] = "not of this region";
	unsigned long i;

	for (w = 0; w < 3; w++) {
		got[w] = p[check_word[w]];
		if (got[w])
			zero = 0;
		if (gen && got[w] != word_of(r, pg, w, gen < 0 ? -gen : gen))
			match = 0;
	}
	if (gen > 0 ? match : gen == 0 ? zero : (match || zero))
		return 0;
	ADD(mismatches, 1);
	/* whose words are these: another page or generation of the region? */
	for (w = 0; w <= r->next_gen && !found; w++)
		for (i = 0; i < r->npages && !found; i++)
			if (got[0] == word_of(r, i, 0, w)) {
				snprintf(whose, sizeof(whose), "page %lu gen %d", i, w);
				found = 1;
			}
	fail("%s pid %d: %s region %p page %lu of %lu (node %d) gen %d: "
	     "read %llx %llx %llx, want %llx (%s)",
	     who, getpid(), kind_name[r->kind], r->addr, pg, r->npages,
	     node_of(r->addr + pg * PAGE_SZ), gen, got[0], got[1], got[2],
	     gen ? word_of(r, pg, 0, gen < 0 ? -gen : gen) : 0ULL, whose);
	return -1;
}

static int check_range(struct region *r, unsigned long pg, unsigned long n,
		       const char *who)
{
	unsigned long i;

	for (i = pg; i < pg + n && i < r->npages; i++)
		if (check_page(r, i, who))
			return -1;
	return 0;
}

/* Write a new generation over pages [pg, pg + n), faulting on node1. */
static void rewrite_range(struct region *r, unsigned long pg, unsigned long n)
{
	int gen = ++r->next_gen;
	unsigned long i;

	set_policy(MPOL_PREFERRED, 1);
	for (i = pg; i < pg + n && i < r->npages; i++)
		write_page(r, i, gen);
	set_policy(MPOL_DEFAULT, 0);
}

static char *map_kind(struct region *r, char *at, size_t off, size_t len)
{
	int flags = at ? MAP_FIXED : 0;
	char *p;

	if (kind_file(r->kind))
		p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | flags,
			 r->fd, off);
	else if (r->kind == K_SHARED)
		p = mmap(at, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | flags, -1, 0);
	else if (r->kind == K_THP && !at)
		p = mmap_thp_aligned(len);
	else
		p = mmap(at, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (!p || p == MAP_FAILED)
		return NULL;
	if (r->kind == K_THP)
		madvise(p, len, MADV_HUGEPAGE);
	else if (r->kind == K_ANON)
		madvise(p, len, MADV_NOHUGEPAGE);
	else if (r->kind == K_KSM)
		madvise(p, len, MADV_MERGEABLE);
	return p;
}

static int region_create(struct region *r, int kind, unsigned long long seed,
			 const char *tag)
{
	char path[256];

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->fd = -1;
	r->len = kind_len[kind];
	r->npages = r->len / PAGE_SZ;
	r->maxpages = r->npages;
	r->seed = seed;
	if (kind_file(kind)) {
		snprintf(path, sizeof(path), "%s/churn-%s-%d-%s",
			 kind == K_FILE ? fsdir : "/tmp", tag, getpid(),
			 kind_name[kind]);
		r->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (r->fd < 0 || ftruncate(r->fd, r->len)) {
			fail("%s: %s: %s", tag, path, strerror(errno));
			return -1;
		}
		unlink(path);
	}
	r->gen = calloc(r->npages, sizeof(int));
	r->addr = map_kind(r, NULL, 0, r->len);
	if (!r->gen || !r->addr) {
		fail("%s: cannot map a %s region: %s", tag, kind_name[kind],
		     strerror(errno));
		return -1;
	}
	rewrite_range(r, 0, r->npages);
	return 0;
}

static void region_destroy(struct region *r)
{
	munmap(r->addr, r->len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->gen);
	r->addr = NULL;
	r->gen = NULL;
}

/*
 * Map [pg, pg + n) again in place: MAP_FIXED unmaps what was there in the
 * same call (an munmap() first would leave a hole that another thread's
 * mmap() could take, and be clobbered).
 */
static int region_remap(struct region *r, unsigned long pg, unsigned long n)
{
	char *at = r->addr + pg * PAGE_SZ;
	unsigned long i;

	if (map_kind(r, at, pg * PAGE_SZ, n * PAGE_SZ) != at) {
		fail("refill %p: %s", at, strerror(errno));
		return -1;
	}
	/* a file keeps its pages; anonymous memory comes back zero */
	if (!kind_file(r->kind))
		for (i = pg; i < pg + n; i++)
			r->gen[i] = 0;
	return 0;
}

/*
 * munmap() the last n pages; then, half of the time, grow back in place
 * with mremap() if nobody took the hole: a file maps its pages again,
 * private memory comes back zero. A shared anonymous region stays short
 * (the tail VMA may belong to a smaller object of a remap).
 */
static int region_trim(struct region *r, unsigned long n, bool grow)
{
	size_t old = r->npages * PAGE_SZ;
	unsigned long i;

	if (n && munmap(r->addr + old - n * PAGE_SZ, n * PAGE_SZ)) {
		fail("munmap %p: %s", r->addr + old - n * PAGE_SZ, strerror(errno));
		return -1;
	}
	r->npages -= n;
	r->len = r->npages * PAGE_SZ;
	if (!grow || r->kind == K_SHARED || r->npages == r->maxpages ||
	    mremap(r->addr, r->len, r->maxpages * PAGE_SZ, 0) != r->addr)
		return 0;
	for (i = r->npages; i < r->maxpages; i++)
		if (!kind_file(r->kind))
			r->gen[i] = 0;
	r->npages = r->maxpages;
	r->len = r->npages * PAGE_SZ;
	return 0;
}

/* Move the whole region elsewhere, in one piece or page by page. */
static int region_mremap(struct region *r)
{
	char *to, *res;
	unsigned long i;

	to = mmap(NULL, r->len + THP_SZ, PROT_NONE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (to == MAP_FAILED)
		return 0;
	/* keep THP alignment so that huge PMDs can move as they are */
	res = (char *)(((unsigned long)to + THP_SZ - 1) & ~(THP_SZ - 1));
	if (res > to)
		munmap(to, res - to);
	munmap(res + r->len, to + THP_SZ - res);
	if (mremap(r->addr, r->len, r->len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   res) == res) {
		r->addr = res;
		return 0;
	}
	/*
	 * Several VMAs (mbind, madvise and remaps split it): page by page.
	 * The failed call unmapped the target first: reserve it again, or
	 * another one if some other thread's mmap() took the hole.
	 */
	to = mmap(res, r->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		  MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (to != res) {
		if (to != MAP_FAILED)
			munmap(to, r->len);
		res = mmap(NULL, r->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			   MAP_NORESERVE, -1, 0);
		if (res == MAP_FAILED)
			return 0;
	}
	for (i = 0; i < r->npages; i++) {
		if (mremap(r->addr + i * PAGE_SZ, PAGE_SZ, PAGE_SZ,
			   MREMAP_MAYMOVE | MREMAP_FIXED,
			   res + i * PAGE_SZ) != res + i * PAGE_SZ) {
			fail("mremap page %lu of %p: %s", i, r->addr,
			     strerror(errno));
			return -1;
		}
	}
	r->addr = res;
	return 0;
}

/* ---------------------------------------------------------------------
 * Mappers: owner threads and their policy thread
 */

struct owner {
	pthread_mutex_t lock;
	struct region reg[NR_KINDS];
	unsigned long long seed;
	char tag[32];
};

static struct owner owners[NR_OWNERS];

/* The forked child of an owner checks what it inherited, then exits. */
static int fork_check(struct owner *o, unsigned long long *s)
{
	struct region *r = &o->reg[K_THP];
	unsigned long pg;
	int status, k;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return 0;
	if (!pid) {
		for (k = 0; k < NR_KINDS; k++)
			if (check_range(&o->reg[k], 0, o->reg[k].npages,
					"fork child"))
				_exit(3);
		_exit(0);
	}
	/* break copy-on-write under the child's feet (private kinds only) */
	pg = rnd_below(s, r->npages - 64);
	rewrite_range(r, pg, 64);
	rewrite_range(&o->reg[K_ANON], 0, 16);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		if (!st->failed)
			fail("%s: forked checker exited with status %#x",
			     o->tag, status);
		return -1;
	}
	return 0;
}

static int owner_op(struct owner *o, unsigned long long *s)
{
	int kind = rnd_below(s, NR_KINDS), op = rnd_below(s, NR_OPS), ret = 0;
	struct region *r = &o->reg[kind];
	unsigned long pg = rnd_below(s, r->npages), n, i;
	unsigned long mask;

	n = 1 + rnd_below(s, r->npages - pg);
	if (n > 128 && rnd_below(s, 2))
		n = 1 + rnd_below(s, 128);
	switch (op) {
	case OP_VERIFY:
		ret = check_range(r, 0, r->npages, o->tag);
		break;
	case OP_REWRITE:
		rewrite_range(r, pg, n);
		break;
	case OP_DONTNEED:
		if (madvise(r->addr + pg * PAGE_SZ, n * PAGE_SZ,
			    MADV_DONTNEED)) {
			fail("%s: MADV_DONTNEED: %s", o->tag, strerror(errno));
			return -1;
		}
		if (!kind_shared(kind))
			for (i = pg; i < pg + n; i++)
				r->gen[i] = 0;
		ret = check_range(r, pg, n, o->tag);
		break;
	case OP_FREE:
		if (kind_shared(kind)) {
			op = OP_COLD;
			madvise(r->addr + pg * PAGE_SZ, n * PAGE_SZ, MADV_COLD);
			break;
		}
		if (madvise(r->addr + pg * PAGE_SZ, n * PAGE_SZ, MADV_FREE)) {
			fail("%s: MADV_FREE: %s", o->tag, strerror(errno));
			return -1;
		}
		for (i = pg; i < pg + n; i++)
			r->gen[i] = -abs(r->gen[i]);
		break;
	case OP_PAGEOUT:
	case OP_COLD:
		madvise(r->addr + pg * PAGE_SZ, n * PAGE_SZ,
			op == OP_PAGEOUT ? MADV_PAGEOUT : MADV_COLD);
		ret = check_range(r, pg, n, o->tag);
		break;
	case OP_COLLAPSE:
		/* may fail (no memory, a shared page): the content must not */
		madvise(r->addr, r->len, MADV_COLLAPSE);
		ret = check_range(r, 0, r->npages, o->tag);
		break;
	case OP_MPROTECT:
		if (mprotect(r->addr + pg * PAGE_SZ, n * PAGE_SZ, PROT_READ)) {
			fail("%s: mprotect: %s", o->tag, strerror(errno));
			return -1;
		}
		ret = check_range(r, 0, r->npages, o->tag);
		if (mprotect(r->addr + pg * PAGE_SZ, n * PAGE_SZ,
			     PROT_READ | PROT_WRITE)) {
			fail("%s: mprotect back: %s", o->tag, strerror(errno));
			return -1;
		}
		break;
	case OP_REMAP:
		ret = region_remap(r, pg, n);
		if (!ret && rnd_below(s, 2))
			rewrite_range(r, pg, n);
		if (!ret)
			ret = check_range(r, 0, r->npages, o->tag);
		break;
	case OP_MUNMAP:
		if (r->npages > r->maxpages / 2)
			ret = region_trim(r, 1 + rnd_below(s, r->npages - r->maxpages / 2),
					  rnd_below(s, 2));
		else
			ret = region_trim(r, 0, true);
		if (!ret)
			ret = check_range(r, 0, r->npages, o->tag);
		break;
	case OP_MREMAP:
		ret = region_mremap(r);
		if (!ret)
			ret = check_range(r, 0, r->npages, o->tag);
		break;
	case OP_RECYCLE:
		ret = check_range(r, 0, r->npages, o->tag);
		region_destroy(r);
		if (!ret)
			ret = region_create(r, kind, rnd(s), o->tag);
		break;
	case OP_FORK:
		ret = fork_check(o, s);
		break;
	case OP_MBIND:
		/* move the range to a node: content stays */
		mask = 1UL << rnd_below(s, 2);
		sys_mbind(r->addr + pg * PAGE_SZ, n * PAGE_SZ, MPOL_PREFERRED,
			  &mask, MAX_NODES + 1, MPOL_MF_MOVE);
		ret = check_range(r, pg, n, o->tag);
		break;
	}
	ADD(ops[op], 1);
	return ret;
}

static void *owner_thread(void *arg)
{
	struct owner *o = arg;
	unsigned long long s = o->seed;
	int k;

	pthread_mutex_lock(&o->lock);
	for (k = 0; k < NR_KINDS; k++)
		if (region_create(&o->reg[k], k, rnd(&s), o->tag))
			break;
	pthread_mutex_unlock(&o->lock);
	while (!st->stop) {
		pthread_mutex_lock(&o->lock);
		if (owner_op(o, &s)) {
			pthread_mutex_unlock(&o->lock);
			break;
		}
		pthread_mutex_unlock(&o->lock);
		msleep(rnd_below(&s, 4));
	}
	/* a last full check */
	pthread_mutex_lock(&o->lock);
	for (k = 0; k < NR_KINDS && !st->failed; k++)
		check_range(&o->reg[k], 0, o->reg[k].npages, o->tag);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

static const int policy_mode[] = {
	MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL,
};

/* Change owners' VMA policies and the mm's scan level behind their backs. */
static void policy_thread(unsigned long long s)
{
	unsigned long mask, pg, n;
	struct region *r;
	struct owner *o;
	long level, got;
	int mode;

	while (!st->stop) {
		msleep(10 + rnd_below(&s, 60));
		if (rnd_below(&s, 3) == 0) {
			level = rnd_below(&s, 11);
			if (prctl(PR_SET_MEMSCAN, level, 0, 0, 0)) {
				fail("PR_SET_MEMSCAN %ld: %s", level, strerror(errno));
				return;
			}
			got = prctl(PR_GET_MEMSCAN, 0, 0, 0, 0);
			if (got != level) {
				fail("PR_GET_MEMSCAN read %ld after setting %ld", got, level);
				return;
			}
			ADD(prctls, 1);
			continue;
		}
		o = &owners[rnd_below(&s, NR_OWNERS)];
		if (pthread_mutex_trylock(&o->lock))
			continue;
		r = &o->reg[rnd_below(&s, NR_KINDS)];
		pg = rnd_below(&s, r->npages);
		n = 1 + rnd_below(&s, r->npages - pg);
		mode = policy_mode[rnd_below(&s, ARRAY_SIZE(policy_mode))];
		mask = mode == MPOL_INTERLEAVE ? 3 : 1UL << rnd_below(&s, 2);
		if (sys_mbind(r->addr + pg * PAGE_SZ, n * PAGE_SZ, mode,
			      mode == MPOL_DEFAULT || mode == MPOL_LOCAL ? NULL : &mask,
			      MAX_NODES + 1,
			      rnd_below(&s, 2) ? MPOL_MF_MOVE : 0) == 0)
			ADD(mbinds, 1);
		else if (errno != EINVAL && errno != EIO && errno != ENOMEM)
			/* EINVAL: a node the cpuset took away; EIO: not moved */
			fail("mbind mode %d: %s", mode, strerror(errno));
		check_range(r, pg, n, "policy");
		pthread_mutex_unlock(&o->lock);
	}
}

static void mapper(int id, unsigned long long seed)
{
	pthread_t tid[NR_OWNERS];
	int i;

	for (i = 0; i < NR_OWNERS; i++) {
		pthread_mutex_init(&owners[i].lock, NULL);
		owners[i].seed = seed + i * 0x9e3779b97f4a7c15ULL;
		snprintf(owners[i].tag, sizeof(owners[i].tag), "m%d.%d", id, i);
		if (pthread_create(&tid[i], NULL, owner_thread, &owners[i])) {
			fail("mapper %d: pthread_create", id);
			_exit(1);
		}
	}
	policy_thread(seed ^ 0x5555);
	for (i = 0; i < NR_OWNERS; i++)
		pthread_join(tid[i], NULL);
}

/* ---------------------------------------------------------------------
 * The forker and its children
 */

/* A child's own work: memory on node1, touched and checked, then exit. */
static int child_work(unsigned long long s)
{
	size_t len = (1 + rnd_below(&s, 4)) << 20;
	unsigned long long seed = rnd(&s);
	int rounds = 3 + rnd_below(&s, 10), i;
	long first;
	char *buf;

	set_policy(MPOL_PREFERRED, 1);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 0;
	fill_pattern(buf, len, seed);
	set_policy(MPOL_DEFAULT, 0);
	for (i = 0; i < rounds; i++) {
		if (verify_pattern(buf, len, seed, &first)) {
			fail("child %d: page %ld of its own buffer (node %d)",
			     getpid(), first, node_of(buf + first * PAGE_SZ));
			return 3;
		}
		msleep(5 + rnd_below(&s, 20));
	}
	return 0;
}

#define INHERIT_LEN	(4UL << 20)

static void forker(unsigned long long s)
{
	unsigned long long seed = rnd(&s);
	char *inherit, arg[32];
	int live = 0, status;
	long first;
	pid_t pid;

	inherit = alloc_pattern_on_node(INHERIT_LEN, 1, rnd_below(&s, 2), seed);
	if (!inherit) {
		fail("forker: no memory");
		return;
	}
	while (!st->stop) {
		while (live < 4 && !st->stop) {
			unsigned long long cs = rnd(&s) | 1;

			pid = fork();
			if (pid < 0)
				break;
			if (!pid) {
				if (verify_pattern(inherit, INHERIT_LEN, seed, &first)) {
					fail("forker child: inherited page %ld", first);
					_exit(3);
				}
				/* copy-on-write: the parent must not see this */
				memset(inherit + rnd_below(&cs, INHERIT_LEN / PAGE_SZ) *
				       PAGE_SZ, 0x5a, PAGE_SZ);
				if (rnd_below(&cs, 4) == 0) {
					ADD(execs, 1);
					snprintf(arg, sizeof(arg), "%llu", cs);
					execl("/proc/self/exe", "kmmscand_churn",
					      "--exec-child", arg, (char *)NULL);
					/* exec failed (no memory now): work as is */
				}
				_exit(child_work(cs));
			}
			ADD(forks, 1);
			live++;
		}
		pid = wait(&status);
		if (pid < 0)
			break;
		live--;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			if (!st->failed)
				fail("forker: child %d ended with status %#x", pid, status);
			break;
		}
		ADD(child_checks, 1);
		if (verify_pattern(inherit, INHERIT_LEN, seed, &first)) {
			fail("forker: page %ld changed under a child (node %d)",
			     first, node_of(inherit + first * PAGE_SZ));
			break;
		}
	}
	while (wait(&status) > 0)
		;
}

/* ---------------------------------------------------------------------
 * Pressure: keep the top tier full, reclaim (and so demote) from it
 */

static long node_free_mb(int nid)
{
	long kb = node_free_kb(nid);

	return kb < 0 ? -1 : kb >> 10;
}

#define PCHUNK		(8UL << 20)
#define MAX_PCHUNKS	256

static void pressure(unsigned long long s)
{
	static char *chunk[MAX_PCHUNKS];
	static unsigned long long cseed[MAX_PCHUNKS];
	long target = node_free_mb(0) - 48, slack = node_free_mb(1) - 400;
	int n, i, nr;
	double last_reclaim = 0;
	long first;

	if (target > slack)
		target = slack;
	nr = target > 0 ? target / (PCHUNK >> 20) : 0;
	if (nr > MAX_PCHUNKS)
		nr = MAX_PCHUNKS;
	st->pressure_mb = nr * (PCHUNK >> 20);
	set_policy(MPOL_PREFERRED, 0);
	for (n = 0; n < nr && !st->stop; n++) {
		cseed[n] = rnd(&s);
		chunk[n] = mmap(NULL, PCHUNK, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (chunk[n] == MAP_FAILED)
			break;
		fill_pattern(chunk[n], PCHUNK, cseed[n]);
	}
	nr = n;
	while (!st->stop && nr) {
		i = rnd_below(&s, nr);
		if (verify_pattern(chunk[i], PCHUNK, cseed[i], &first)) {
			fail("pressure: chunk %d page %ld (node %d)", i, first,
			     node_of(chunk[i] + first * PAGE_SZ));
			break;
		}
		switch (rnd_below(&s, 4)) {
		case 0:	/* a new chunk for an old one: new pages on node0 */
			munmap(chunk[i], PCHUNK);
			cseed[i] = rnd(&s);
			chunk[i] = mmap(NULL, PCHUNK, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (chunk[i] == MAP_FAILED) {
				fail("pressure: mmap: %s", strerror(errno));
				return;
			}
			fill_pattern(chunk[i], PCHUNK, cseed[i]);
			break;
		case 1:	/* to swap */
			if (!rnd_below(&s, 4))
				madvise(chunk[i], PCHUNK, MADV_PAGEOUT);
			break;
		}
		if (now_s() - last_reclaim > 1) {
			/* memcg reclaim demotes: the top tier is the first to go */
			if (write_file(CGROOT "/churn-p/memory.reclaim", "16M") == 0)
				ADD(reclaims, 1);
			last_reclaim = now_s();
		}
		msleep(5);
	}
}

/* ---------------------------------------------------------------------
 * Hotplug: offline and online node1's memory blocks
 */

static void on_alarm(int sig)
{
	(void)sig;
}

static int block_state(int blk, const char *val)
{
	char path[96];

	snprintf(path, sizeof(path), MEMDIR "/memory%d/state", blk);
	return write_file(path, val);
}

static void hotplug(unsigned long long s)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int blk[64], nr = 0, b, ret, tries;
	struct dirent *d;
	DIR *dir;

	sigaction(SIGALRM, &sa, NULL);
	dir = opendir("/sys/devices/system/node/node1");
	while (dir && (d = readdir(dir)) && nr < 64)
		if (!strncmp(d->d_name, "memory", 6) &&
		    d->d_name[6] >= '0' && d->d_name[6] <= '9')
			blk[nr++] = atoi(d->d_name + 6);
	if (dir)
		closedir(dir);
	if (!nr) {
		fail("hotplug: node1 has no memory blocks");
		return;
	}
	while (!st->stop) {
		b = blk[rnd_below(&s, nr)];
		/* offlining retries migration until a signal: bound it */
		alarm(10);
		ret = block_state(b, "offline");
		alarm(0);
		if (ret) {
			/*
			 * unmovable pages, a signal, nowhere to migrate to, a
			 * block that spans two zones (EINVAL)
			 */
			if (ret != -EBUSY && ret != -EINTR && ret != -EAGAIN &&
			    ret != -ENOMEM && ret != -EINVAL) {
				fail("hotplug: offline memory%d: %s", b, strerror(-ret));
				return;
			}
			ADD(hp_busy, 1);
			msleep(200);
			continue;
		}
		msleep(200 + rnd_below(&s, 800));
		for (tries = 0; (ret = block_state(b, "online")); tries++) {
			if (tries == 50) {
				fail("hotplug: cannot online memory%d: %s", b,
				     strerror(-ret));
				return;
			}
			msleep(100);
		}
		ADD(hp_offline, 1);
		msleep(500 + rnd_below(&s, 1500));
	}
}

/* ---------------------------------------------------------------------
 * The coordinator: knobs, cpusets, migrate_pages, roles
 */

struct knob {
	const char *name;
	long min, max;
	long base;		/* < LONG_MIN + 1: keep what the system had */
	char saved[32];
	double restore_at;
};

#define KEEP	LONG_MIN

static struct knob knobs[] = {
	{ "scan_enabled", 0, 1, 1 },
	{ "migrate_enabled", 0, 1, 1 },
	{ "scan_sleep_ms", 1, 60000, 5 },
	{ "mms_to_scan", 1, 65536, KEEP },
	{ "scan_size_mb", 64, 4096, KEEP },
	{ "scan_period_min_ms", 100, 600000, 100 },
	{ "scan_period_max_ms", 100, 600000, 500 },
	{ "initial_scan_delay_ms", 0, 600000, 0 },
	{ "hot_threshold", 1, 7, 1 },
	{ "hot_window_ms", 100, 60000, KEEP },
	{ "promote_rate_limit_MBps", 0, 1048576, KEEP },
	{ "recheck_ms", 10, 10000, KEEP },
	{ "target_node", -1, 0, -1 },
	{ "sources/scan/enabled", 0, 1, 1 },
};

static int knob_read(struct knob *k, char *buf, size_t len)
{
	return kmmscand_get(k->name, buf, len);
}

static int knob_write(struct knob *k, const char *val)
{
	return kmmscand_set(k->name, val);
}

static bool knob_is_period(struct knob *k)
{
	return strstr(k->name, "period");
}

/*
 * Back to the run's base value. scan_period_min_ms may not exceed
 * scan_period_max_ms: while its partner holds a random value, a period
 * knob can be refused; it is tried again a little later.
 */
static void knob_base(struct knob *k)
{
	char val[32];
	int ret;

	if (k->base == KEEP)
		snprintf(val, sizeof(val), "%s", k->saved);
	else
		snprintf(val, sizeof(val), "%ld", k->base);
	ret = knob_write(k, val);
	if (ret == -EINVAL && knob_is_period(k)) {
		k->restore_at = now_s() + 0.2;
		return;
	}
	if (ret)
		fail("knob %s: cannot restore %s: %s", k->name, val, strerror(-ret));
	k->restore_at = 0;
}

/*
 * Write a random value to a knob: in range (accepted, unless the pair
 * scan_period_min/max forbids it) or out of it (refused); a refused write
 * must leave the old value.
 */
static void knob_toggle(struct knob *k, unsigned long long *s)
{
	char before[32], after[32], val[32];
	bool invalid = rnd_below(s, 5) == 0;
	bool may_refuse = knob_is_period(k);
	long span = k->max - k->min + 1;
	int ret;

	if (invalid) {
		switch (rnd_below(s, 3)) {
		case 0:
			/* kstrtobool() reads "1..." as true: a bool gets "2" */
			snprintf(val, sizeof(val), "%ld", k->max + 1 +
				 (k->max == 1 ? 0 : (long)rnd_below(s, 1000)));
			break;
		case 1:
			snprintf(val, sizeof(val), "%ld", k->min - 1 - (long)rnd_below(s, 1000));
			break;
		default:
			snprintf(val, sizeof(val), "x%llu", rnd(s) % 1000);
		}
		/* target_node: 1 is a slow node, the next ones do not exist */
	} else {
		/* small values half of the time: the ranges are wide */
		if (span > 1000 && rnd_below(s, 2))
			span /= 100;
		snprintf(val, sizeof(val), "%ld", k->min + (long)rnd_below(s, span));
	}
	if (knob_read(k, before, sizeof(before)) < 0) {
		fail("knob %s: unreadable", k->name);
		return;
	}
	ret = knob_write(k, val);
	knob_read(k, after, sizeof(after));
	if (ret) {
		if (!invalid && !may_refuse) {
			fail("knob %s: valid %s refused: %s", k->name, val, strerror(-ret));
			return;
		}
		if (strcmp(before, after)) {
			fail("knob %s: refused %s changed %s to %s", k->name, val,
			     before, after);
			return;
		}
		ADD(knob_refused, 1);
	} else {
		if (invalid) {
			fail("knob %s: invalid %s accepted", k->name, val);
			return;
		}
		if (strtol(after, NULL, 10) != strtol(val, NULL, 10)) {
			fail("knob %s: wrote %s, reads %s", k->name, val, after);
			return;
		}
		k->restore_at = now_s() + 0.5 + rnd_below(s, 1500) / 1000.0;
		ADD(knob_changes, 1);
	}
}

static const char * const cg_mems[] = { "0-1", "0-1", "1", "0" };

static void cg_write(const char *cg, const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), CGROOT "/%s/%s", cg, file);
	if (write_file(path, val) == 0)
		ADD(cpusets, 1);
}

static int cg_setup(void)
{
	if (write_file(CGROOT "/cgroup.subtree_control", "+cpuset +memory"))
		return -1;
	if ((mkdir(CGROOT "/churn-a", 0755) && errno != EEXIST) ||
	    (mkdir(CGROOT "/churn-b", 0755) && errno != EEXIST) ||
	    (mkdir(CGROOT "/churn-p", 0755) && errno != EEXIST))
		return -1;
	return 0;
}

static void cg_move(const char *cg, pid_t pid)
{
	char val[32];

	snprintf(val, sizeof(val), "%d", pid);
	cg_write(cg, "cgroup.procs", val);
	ADD(moves, 1);
}

static long long vmstat_sum(const char * const *names)
{
	long long sum = 0, v;

	for (; *names; names++) {
		v = vmstat(*names);
		if (v > 0)
			sum += v;
	}
	return sum;
}

static const char * const vm_scans[] = { "kmmscand_mm_scans", NULL };
static const char * const vm_promoted[] = { "kmmscand_promoted", NULL };
static const char * const vm_thp[] = { "kmmscand_promoted_thp", NULL };
static const char * const vm_demoted[] = {
	"pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged", NULL,
};

static pid_t start_role(int role, unsigned long long seed)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	switch (role) {
	case R_FORKER:
		forker(seed);
		break;
	case R_MAPPER0:
	case R_MAPPER1:
		mapper(role - R_MAPPER0, seed);
		break;
	case R_PRESSURE:
		cg_move("churn-p", getpid());
		pressure(seed);
		break;
	case R_HOTPLUG:
		hotplug(seed);
		break;
	}
	_exit(st->failed ? 1 : 0);
}

static int exec_child(const char *arg)
{
	static struct stats local;

	/* an exec'd child shares no stats: it reports by its exit code */
	st = &local;
	return child_work(strtoull(arg, NULL, 10));
}

int main(int argc, char **argv)
{
	long long scans0, prom0, thp0, dem0, ksm_max = 0, v;
	unsigned long long s = (unsigned long long)time(NULL) * 2654435761ULL | 1;
	pid_t pid[NR_ROLES];
	double end, t0;
	int r, status, k;
	long total = 0;
	unsigned long from, to;
	size_t i;

	if (argc == 3 && !strcmp(argv[1], "--exec-child"))
		return exec_child(argv[2]);
	if (argc != 3) {
		fprintf(stderr, "usage: %s SECONDS FSDIR\n", argv[0]);
		return 2;
	}
	fsdir = argv[2];
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		return 2;
	if (!kmmscand_present() || node_tier(1) <= node_tier(0)) {
		printf("stress: FAIL: needs kmmscand and a slow node1\n");
		return 1;
	}
	if (cg_setup()) {
		printf("stress: FAIL: cgroups: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		if (knob_read(&knobs[i], knobs[i].saved, sizeof(knobs[i].saved)) <= 0) {
			printf("stress: FAIL: knob %s unreadable\n", knobs[i].name);
			return 1;
		}
		knob_base(&knobs[i]);
	}
	write_file("/sys/kernel/mm/ksm/sleep_millisecs", "20");
	write_file("/sys/kernel/mm/ksm/pages_to_scan", "1000");
	if (!off("ksm"))
		write_file("/sys/kernel/mm/ksm/run", "1");
	if (off("kmmscand")) {
		knob_write(&knobs[0], "0");
		knob_write(&knobs[1], "0");
	}

	scans0 = vmstat_sum(vm_scans);
	prom0 = vmstat_sum(vm_promoted);
	thp0 = vmstat_sum(vm_thp);
	dem0 = vmstat_sum(vm_demoted);
	t0 = now_s();
	end = t0 + strtod(argv[1], NULL);
	for (r = 0; r < NR_ROLES; r++) {
		if ((r == R_FORKER && off("forker")) ||
		    (r == R_PRESSURE && off("pressure")) ||
		    (r == R_HOTPLUG && off("hotplug"))) {
			pid[r] = 0;
			continue;
		}
		pid[r] = start_role(r, rnd(&s));
		if (r == R_MAPPER0 || r == R_MAPPER1)
			cg_move("churn-a", pid[r]);
	}

	while (!st->stop && now_s() < end) {
		msleep(50 + rnd_below(&s, 150));
		for (r = 0; r < NR_ROLES; r++)
			if (pid[r] && waitpid(pid[r], &status, WNOHANG) == pid[r]) {
				pid[r] = 0;
				if (!st->failed)
					fail("%s ended early with status %#x",
					     role_name[r], status);
			}
		for (i = 0; i < ARRAY_SIZE(knobs); i++)
			if (knobs[i].restore_at && now_s() > knobs[i].restore_at)
				knob_base(&knobs[i]);
		switch (rnd_below(&s, 6)) {
		case 0:
		case 1:
		case 2:
			k = rnd_below(&s, ARRAY_SIZE(knobs));
			if (!knobs[k].restore_at && !off("kmmscand"))
				knob_toggle(&knobs[k], &s);
			break;
		case 3:
			if (off("cgroup"))
				break;
			cg_write(rnd_below(&s, 2) ? "churn-a" : "churn-b",
				 "cpuset.mems", cg_mems[rnd_below(&s, 4)]);
			break;
		case 4:
			r = R_MAPPER0 + rnd_below(&s, 2);
			if (pid[r] && !off("cgroup"))
				cg_move(rnd_below(&s, 2) ? "churn-a" : "churn-b", pid[r]);
			break;
		case 5:
			r = R_MAPPER0 + rnd_below(&s, 2);
			from = rnd_below(&s, 2) ? 2 : 1;
			to = from ^ 3;
			if (pid[r] && !off("migrate") &&
			    syscall(SYS_migrate_pages, pid[r], MAX_NODES + 1,
				    &from, &to) >= 0)
				ADD(migrate_pages, 1);
			break;
		}
		v = read_long("/sys/kernel/mm/ksm/pages_sharing");
		if (v > ksm_max)
			ksm_max = v;
	}

	st->stop = 1;
	for (r = 0; r < NR_ROLES; r++) {
		double deadline = now_s() + 120;

		while (pid[r] && now_s() < deadline &&
		       waitpid(pid[r], &status, WNOHANG) == 0)
			msleep(100);
		if (!pid[r])
			continue;
		if (now_s() >= deadline) {
			fail("%s did not stop within 120 s", role_name[r]);
			kill(pid[r], SIGKILL);
			waitpid(pid[r], &status, 0);
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			if (!st->failed)
				fail("%s exited with status %#x", role_name[r], status);
		}
	}
	/* the period pair may need a second pass to come back in order */
	for (k = 0; k < 2; k++)
		for (i = 0; i < ARRAY_SIZE(knobs); i++)
			if (knob_write(&knobs[i], knobs[i].saved) && k)
				fail("knob %s: cannot restore %s", knobs[i].name,
				     knobs[i].saved);
	write_file("/sys/kernel/mm/ksm/run", "2");
	cg_write("churn-a", "cpuset.mems", "");
	cg_write("churn-b", "cpuset.mems", "");
	rmdir(CGROOT "/churn-a");
	rmdir(CGROOT "/churn-b");
	rmdir(CGROOT "/churn-p");

	v = vmstat_sum(vm_promoted) - prom0;
	if (!st->failed && !getenv("CHURN_OFF")) {
		if (st->forks == 0 || v <= 0 ||
		    vmstat_sum(vm_demoted) - dem0 <= 0 || st->hp_offline == 0)
			fail("idle run: forks %ld, promoted %lld, demoted %lld, hotplug cycles %ld",
			     st->forks, v, vmstat_sum(vm_demoted) - dem0, st->hp_offline);
	}
	for (i = 0; i < NR_OPS; i++)
		total += st->ops[i];
	printf("stress: %s %.0f s: forks %ld (exec %ld), mapper ops %ld (",
	       st->failed ? "FAIL" : "PASS", now_s() - t0, st->forks, st->execs,
	       total);
	for (i = 0; i < NR_OPS; i++)
		printf("%s%s %ld", i ? ", " : "", op_name[i], st->ops[i]);
	printf("), mismatches %ld, mbind %ld, prctl %ld, cgroup writes %ld, "
	       "migrate_pages %ld, knob changes %ld (refused %ld), "
	       "hotplug cycles %ld (busy %ld), pressure %ld MiB, reclaims %ld, "
	       "kmmscand scans +%lld promoted +%lld (thp +%lld), demoted +%lld, "
	       "ksm sharing max %lld\n",
	       st->mismatches, st->mbinds, st->prctls, st->cpusets,
	       st->migrate_pages, st->knob_changes, st->knob_refused,
	       st->hp_offline, st->hp_busy, st->pressure_mb, st->reclaims,
	       vmstat_sum(vm_scans) - scans0, v, vmstat_sum(vm_thp) - thp0,
	       vmstat_sum(vm_demoted) - dem0, ksm_max);
	if (st->failed)
		printf("stress: first failure: %s\n", st->why);
	return st->failed ? 1 : 0;
}
