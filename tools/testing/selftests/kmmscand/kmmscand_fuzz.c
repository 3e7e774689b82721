// SPDX-License-Identifier: GPL-2.0
/*
 * ABI fuzzing: every file under /sys/kernel/mm/kmmscand/ (sources/ too)
 * gets random bytes, huge and negative numbers, whitespace, partial and
 * repeated writes and concurrent writers, and every answer is checked
 * against a model of the parser the kernel documents (kstrtouint(),
 * kstrtoint() or kstrtobool() in base 10, one trailing newline, then the
 * knob's range): an accepted write reads back as the value the model
 * parsed, a refused one returns the errno the model says and leaves the
 * old value. A file the model does not know fails the test, so a new
 * knob cannot escape it. The prctl gets random arguments and must change
 * the caller's mm only.
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#ifndef PR_SET_MEMSCAN
#define PR_SET_MEMSCAN	0x4d534353
#define PR_GET_MEMSCAN	0x4d534347
#endif

enum ktype { K_UINT, K_INT, K_BOOL, K_RO };

struct model {
	const char *name;
	enum ktype type;
	long long min, max;
};

/* target_node: [-1, top-tier nodes], checked separately (see node_ok()) */
static const struct model models[] = {
	{ "scan_enabled", K_BOOL },
	{ "migrate_enabled", K_BOOL },
	{ "scan_sleep_ms", K_UINT, 1, 60000 },
	{ "mms_to_scan", K_UINT, 1, 65536 },
	{ "scan_size_mb", K_UINT, 64, 4096 },
	{ "scan_period_min_ms", K_UINT, 100, 600000 },
	{ "scan_period_max_ms", K_UINT, 100, 600000 },
	{ "initial_scan_delay_ms", K_UINT, 0, 600000 },
	{ "hot_threshold", K_UINT, 1, 7 },
	{ "hot_window_ms", K_UINT, 100, 60000 },
	{ "promote_rate_limit_MBps", K_UINT, 0, 1048576 },
	{ "recheck_ms", K_UINT, 10, 10000 },
	{ "target_node", K_INT, -1, 1023 },
	{ "promote_level", K_RO },
	{ "promoter", K_RO },
	{ "sources/*/enabled", K_BOOL },
	{ "sources/*/available", K_RO },
};

#define NR_MODELS	(sizeof(models) / sizeof(models[0]))
#define MAX_FILES	32

struct file {
	char name[512];
	const struct model *m;
	char saved[32];
};

static const struct model *model_of(const char *name)
{
	const char *slash = strrchr(name, '/');
	unsigned int i;

	for (i = 0; i < NR_MODELS; i++) {
		if (!strcmp(models[i].name, name))
			return &models[i];
		if (!strncmp(name, "sources/", 8) && slash &&
		    !strncmp(models[i].name, "sources/*/", 10) &&
		    !strcmp(models[i].name + 10, slash + 1))
			return &models[i];
	}
	return NULL;
}

/* Every regular file below KMMSCAND_DIR, as paths relative to it. */
static int list_files(struct file *f, const char *sub, int n)
{
	char path[1024], rel[512];
	struct dirent *d;
	struct stat sb;
	DIR *dir;

	snprintf(path, sizeof(path), KMMSCAND_DIR "%s%s", *sub ? "/" : "", sub);
	dir = opendir(path);
	if (!dir)
		return n;
	while ((d = readdir(dir)) && n < MAX_FILES) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "%s%s%s", sub, *sub ? "/" : "", d->d_name);
		snprintf(path, sizeof(path), KMMSCAND_DIR "/%s", rel);
		if (stat(path, &sb))
			continue;
		if (S_ISDIR(sb.st_mode)) {
			n = list_files(f, rel, n);
			continue;
		}
		snprintf(f[n].name, sizeof(f[n].name), "%s", rel);
		f[n].m = model_of(rel);
		n++;
	}
	closedir(dir);
	return n;
}

/* write(2) exactly len bytes (NULs and all) in one call: 0 or -errno. */
static int fd_write(int fd, const char *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/*
 * kstrtoull(s, 10) as lib/kstrtox.c documents it: an optional '+', at
 * least one digit, an optional '\n', the end; overflow is -ERANGE and is
 * found before trailing garbage.
 */
static int model_ull(const char *s, unsigned long long *v, bool plus)
{
	unsigned long long x = 0;
	const char *p = s;
	bool over = false;

	if (plus && *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (~0ULL - (*p - '0')) / 10)
			over = true;
		x = x * 10 + (*p - '0');
	}
	if (over)
		return -ERANGE;
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*v = x;
	return 0;
}

static int model_bool(const char *s, long long *v)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*v = 1;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*v = 0;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*v = 1;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*v = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* A top-tier node with memory (what target_node accepts, besides -1). */
static bool node_ok(long long nid)
{
	int top = node_tier(0);

	return nid >= 0 && nid < 64 && node_exists(nid) && node_tier(nid) == top;
}

/*
 * What the kernel must answer to the bytes buf[0..len): 0 and *v, or the
 * errno. The kernel sees the bytes up to the first NUL (sysfs terminates
 * the buffer; the parsers stop there). cur_min/max: the other period knob.
 */
static int model_write(const struct file *f, const char *buf, size_t len,
		       long long *v, long long pmin, long long pmax)
{
	char s[4096];
	unsigned long long u;
	int err;

	if (len >= sizeof(s))
		return -E2BIG;		/* the caller accepts any error here */
	memcpy(s, buf, len);
	s[len] = '\0';
	switch (f->m->type) {
	case K_BOOL:
		return model_bool(s, v);
	case K_UINT:
		err = model_ull(s, &u, true);
		if (err)
			return err;
		if (u > UINT_MAX)
			return -ERANGE;
		break;
	case K_INT:
		if (s[0] == '-') {
			err = model_ull(s + 1, &u, false);
			if (err)
				return err;
			if (u > (unsigned long long)INT_MAX + 1)
				return -ERANGE;
			*v = -(long long)u;
			return *v == -1 || node_ok(*v) ? 0 : -EINVAL;
		}
		err = model_ull(s, &u, true);
		if (err)
			return err;
		if (u > INT_MAX)
			return -ERANGE;
		*v = u;
		return node_ok(*v) ? 0 : -EINVAL;
	case K_RO:
		return -EACCES;
	}
	*v = u;
	if (*v < f->m->min || *v > f->m->max)
		return -EINVAL;
	if (!strcmp(f->name, "scan_period_min_ms") && *v > pmax)
		return -EINVAL;
	if (!strcmp(f->name, "scan_period_max_ms") && *v < pmin)
		return -EINVAL;
	return 0;
}

static uint64_t xs = 0x2545f4914f6cdd1dULL;

static unsigned long long rnd(void)
{
	return xorshift(&xs);
}

static const char * const words[] = {
	"y", "n", "yes", "no", "on", "off", "of", "o", "true", "false",
	"Y", "N", "T", "F", "2", "", "\n", "1\n", "0\n\n", "-0", "+1",
	"0x10", "010", "1e3", "1.5", " 1", "1 ", "\t0", "1\n1",
};

static const char * const huge[] = {
	"4294967295", "4294967296", "2147483647", "2147483648",
	"-2147483648", "-2147483649", "18446744073709551615",
	"18446744073709551616", "99999999999999999999999999", "-1",
	"-9223372036854775808", "+4294967296",
};

/* One random input of one of the classes the issue names. */
static size_t gen_one(const struct file *f, char *buf, size_t size)
{
	long long span = f->m->max - f->m->min + 1, v;
	size_t len, i;

	switch (rnd() % 7) {
	case 0:		/* random bytes, NULs included */
		len = 1 + rnd() % 24;
		for (i = 0; i < len; i++)
			buf[i] = rnd();
		return len;
	case 1:		/* characters a parser may trip on */
		len = 1 + rnd() % 12;
		for (i = 0; i < len; i++)
			buf[i] = "0123456789+- \t\nxXabe.yn"[rnd() % 24];
		return len;
	case 2:		/* in range, perhaps with a '+', zeros, a newline */
		v = f->m->min + (span > 0 ? (long long)(rnd() % span) : 0);
		return snprintf(buf, size, "%s%s%lld%s", rnd() % 4 ? "" : "+",
				rnd() % 4 ? "" : "00", v, rnd() % 2 ? "" : "\n");
	case 3:		/* just out of range */
		v = rnd() % 2 ? f->m->max + 1 + (long long)(rnd() % 3) :
				f->m->min - 1 - (long long)(rnd() % 3);
		return snprintf(buf, size, "%lld", v);
	case 4:		/* huge and negative numbers */
		return snprintf(buf, size, "%s", huge[rnd() % ARRAY_SIZE(huge)]);
	case 5:
		return snprintf(buf, size, "%s", words[rnd() % ARRAY_SIZE(words)]);
	default:	/* a partial write: a prefix of a valid value */
		v = f->m->min + (span > 0 ? (long long)(rnd() % span) : 0);
		len = snprintf(buf, size, "%lld\n", v);
		return 1 + rnd() % len;
	}
}

/*
 * A zero-length write stores nothing: not an input. Numeric knobs now and
 * then get more than a page of digits (refused, whatever the errno).
 */
static size_t gen_input(const struct file *f, char *buf, size_t size)
{
	size_t len;

	if (f->m->type != K_BOOL && rnd() % 50 == 0) {
		memset(buf, '1', 4100);
		return 4100;
	}
	len = gen_one(f, buf, size);
	if (!len) {
		buf[0] = '\n';
		len = 1;
	}
	return len;
}

FIXTURE(fuzz)
{
	struct file files[MAX_FILES];
	int nr;
};

FIXTURE_SETUP(fuzz)
{
	int i;

	KMMSCAND_REQUIRE(kmmscand_present(), "kmmscand is not built in");
	self->nr = list_files(self->files, "", 0);
	ASSERT_GE(self->nr, (int)NR_MODELS);
	for (i = 0; i < self->nr; i++) {
		ASSERT_NE(NULL, self->files[i].m)
			TH_LOG("%s: a file the fuzz model does not know", self->files[i].name);
		ASSERT_GT(kmmscand_get(self->files[i].name, self->files[i].saved,
				    sizeof(self->files[i].saved)), 0);
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	int pass, i;

	/* twice: the period pair may only go back in one order */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < self->nr; i++)
			if (self->files[i].m && self->files[i].m->type != K_RO)
				kmmscand_set(self->files[i].name, self->files[i].saved);
}

static long long read_ll(const char *name)
{
	char buf[32];

	if (kmmscand_get(name, buf, sizeof(buf)) <= 0)
		return LLONG_MIN;
	return strtoll(buf, NULL, 10);
}

/*
 * Random writes to every file, each on a fresh fd or several on one:
 * the answer and the value afterwards match the model.
 */
TEST_F(fuzz, random_writes_match_the_model)
{
	char buf[4200], before[32], after[32], path[1024], shown[64];
	int i, j, k, fd, want, got, rounds = 0, refused = 0;
	long long v = 0, pmin, pmax;
	size_t len, c;

	for (i = 0; i < self->nr; i++) {
		struct file *f = &self->files[i];

		snprintf(path, sizeof(path), KMMSCAND_DIR "/%s", f->name);
		for (j = 0; j < 300; j++) {
			fd = open(path, O_WRONLY);
			if (f->m->type == K_RO) {
				EXPECT_EQ(-1, fd) TH_LOG("%s opened for writing", f->name);
				if (fd >= 0)
					close(fd);
				break;
			}
			ASSERT_GE(fd, 0);
			/* up to four writes on one fd: each is a store of its own */
			for (k = 0; k < 1 + (int)(rnd() % 4); k++) {
				len = gen_input(f, buf, sizeof(buf));
				pmin = read_ll("scan_period_min_ms");
				pmax = read_ll("scan_period_max_ms");
				ASSERT_GT(kmmscand_get(f->name, before, sizeof(before)), 0);
				want = model_write(f, buf, len, &v, pmin, pmax);
				got = fd_write(fd, buf, len);
				ASSERT_GT(kmmscand_get(f->name, after, sizeof(after)), 0);
				for (c = 0; c < len && c < 20; c++)
					snprintf(shown + 3 * c, 4, "%02x ", (unsigned char)buf[c]);
				shown[3 * c] = '\0';
				rounds++;
				if (want == -E2BIG) {
					EXPECT_NE(0, got) TH_LOG("%s: %zu bytes accepted", f->name, len);
				} else {
					EXPECT_EQ(want, got)
						TH_LOG("%s <- [%s] (%zu bytes): want %d, got %d",
						       f->name, shown, len, want, got);
				}
				if (got) {
					refused++;
					EXPECT_STREQ(before, after)
						TH_LOG("%s: refused [%s] changed the value", f->name,
						       shown);
				} else if (!want) {
					EXPECT_EQ(v, strtoll(after, NULL, 10))
						TH_LOG("%s <- [%s]: reads %s", f->name, shown, after);
				}
				if (got != want && want != -E2BIG) {
					close(fd);
					return;
				}
			}
			close(fd);
		}
	}
	ksft_print_msg("%d writes to %d files, %d refused\n", rounds, self->nr, refused);
	EXPECT_GT(refused, rounds / 10);
	EXPECT_LT(refused, rounds);
}

struct writer {
	int id;
	uint64_t seed;
	long long wrote[2][4096];
	int nr[2];
	int bad_errno;
};

static void *period_writer(void *arg)
{
	static const char * const name[2] = { "scan_period_min_ms", "scan_period_max_ms" };
	struct writer *w = arg;
	char path[2][128], val[32];
	int fd[2], i, k, ret;
	long long v;

	for (k = 0; k < 2; k++) {
		snprintf(path[k], sizeof(path[k]), KMMSCAND_DIR "/%s", name[k]);
		fd[k] = open(path[k], O_WRONLY);
	}
	for (i = 0; i < 2000 && fd[0] >= 0 && fd[1] >= 0; i++) {
		k = xorshift(&w->seed) % 2;
		v = 100 + xorshift(&w->seed) % 2000;
		snprintf(val, sizeof(val), "%lld", v);
		ret = fd_write(fd[k], val, strlen(val));
		if (!ret && w->nr[k] < 4096)
			w->wrote[k][w->nr[k]++] = v;
		else if (ret && ret != -EINVAL)
			w->bad_errno = ret;
	}
	close(fd[0]);
	close(fd[1]);
	return NULL;
}

static bool written(struct writer *w, int n, int k, long long v)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < w[i].nr[k]; j++)
			if (w[i].wrote[k][j] == v)
				return true;
	return false;
}

struct replay {
	long long min, max;
	long changes, crossed;
};

/* Replay the accepted writes, in the order the kernel applied them. */
static void replay_tune(const char *line, void *arg)
{
	struct replay *r = arg;
	long long old, new;
	const char *p;

	p = strstr(line, "knob=scan_period_m");
	if (!p || sscanf(strstr(p, "old="), "old=%lld new=%lld", &old, &new) != 2)
		return;
	if (!strncmp(p, "knob=scan_period_min_ms ", 24))
		r->min = new;
	else
		r->max = new;
	r->changes++;
	if (r->min > r->max)
		r->crossed++;
}

/*
 * Four threads write scan_period_min_ms and scan_period_max_ms at random
 * (in range; a write that would cross the other is refused, EINVAL).
 * The kmmscand_tune events (one per accepted write, emitted under the
 * knobs' mutex, on the global trace clock) are replayed in order: min
 * never went above max, and there was one per accepted write. At the end
 * each knob holds a value somebody wrote.
 */
TEST_F(fuzz, concurrent_writers_keep_min_le_max)
{
	static const char * const tune[] = { "kmmscand_tune", NULL };
	static const char * const match[] = { "kmmscand_tune:", NULL };
	struct replay r = { .min = 100, .max = 2100 };
	static struct writer w[4];
	pthread_t tid[4];
	long long pmin, pmax;
	long accepted = 0;
	int i;

	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "2100"));
	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "100"));
	ASSERT_EQ(0, trace_write("trace_clock", "global"));
	ASSERT_EQ(0, trace_start(tune, NULL));
	for (i = 0; i < 4; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].seed = 0x9e3779b97f4a7c15ULL * (i + 1);
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, period_writer, &w[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		accepted += w[i].nr[0] + w[i].nr[1];
	}
	trace_stop();
	ASSERT_GE(trace_count(match, replay_tune, &r), 0);
	trace_write("trace_clock", "local");
	ksft_print_msg("%ld accepted writes, %ld traced, min > max after %ld of them\n",
		       accepted, r.changes, r.crossed);
	EXPECT_EQ(accepted, r.changes);
	EXPECT_EQ(0, r.crossed);
	pmin = read_ll("scan_period_min_ms");
	pmax = read_ll("scan_period_max_ms");
	for (i = 0; i < 4; i++) {
		int err = w[i].bad_errno;

		EXPECT_EQ(0, err) TH_LOG("writer %d: errno %d", i, -err);
	}
	EXPECT_LE(pmin, pmax);
	EXPECT_TRUE(pmin == 100 || written(w, 4, 0, pmin)) TH_LOG("min %lld", pmin);
	EXPECT_TRUE(pmax == 2100 || written(w, 4, 1, pmax)) TH_LOG("max %lld", pmax);
	ksft_print_msg("min %lld, max %lld; accepted %d/%d min, %d/%d max writes (thread 0)\n",
		       pmin, pmax, w[0].nr[0], 2000, w[0].nr[1], 2000);
}

static long get_level(void)
{
	return prctl(PR_GET_MEMSCAN, 0, 0, 0, 0);
}

/*
 * Random prctl arguments: only a level in 0..10 with every other argument
 * 0 is accepted; anything else is EINVAL and leaves the level.
 */
TEST_F(fuzz, prctl_random_arguments)
{
	unsigned long a[4];
	int i, j, accepted = 0;
	long level = 5, ret;
	bool ok;

	ASSERT_EQ(0, prctl(PR_SET_MEMSCAN, level, 0, 0, 0));
	for (i = 0; i < 20000; i++) {
		for (j = 0; j < 4; j++) {
			switch (rnd() % 4) {
			case 0:
				a[j] = 0;
				break;
			case 1:
				a[j] = rnd() % 12;
				break;
			case 2:
				a[j] = -(rnd() % 3);
				break;
			default:
				a[j] = rnd() << (rnd() % 64);
			}
		}
		if (rnd() % 2)
			a[1] = a[2] = a[3] = 0;
		ok = a[0] <= 10 && !a[1] && !a[2] && !a[3];
		errno = 0;
		ret = prctl(PR_SET_MEMSCAN, a[0], a[1], a[2], a[3]);
		if (ok) {
			ASSERT_EQ(0, ret) TH_LOG("level %lu refused: %d", a[0], errno);
			level = a[0];
			accepted++;
		} else {
			ASSERT_EQ(-1, ret) TH_LOG("args %lx %lx %lx %lx accepted",
						  a[0], a[1], a[2], a[3]);
			ASSERT_EQ(EINVAL, errno);
		}
		ASSERT_EQ(level, get_level());
		if (a[1] || a[2] || a[3]) {
			errno = 0;
			ASSERT_EQ(-1, prctl(PR_GET_MEMSCAN, a[1], a[2], a[3], 0));
			ASSERT_EQ(EINVAL, errno);
		}
	}
	ksft_print_msg("20000 calls, %d accepted\n", accepted);
	EXPECT_GT(accepted, 1000);
	EXPECT_LT(accepted, 19000);
}

static void *thread_set(void *arg)
{
	return (void *)(long)prctl(PR_SET_MEMSCAN, (long)arg, 0, 0, 0);
}

/*
 * The level belongs to the caller's mm: a thread (same mm) changes it for
 * the process; a child (its own mm) does not change the parent's, and
 * cannot aim the call at another process: a pid in any argument is EINVAL.
 */
TEST_F(fuzz, prctl_changes_only_the_callers_mm)
{
	int status, p[2], q[2];
	pthread_t tid;
	void *ret;
	pid_t pid, parent = getpid();
	char c;

	ASSERT_EQ(0, prctl(PR_SET_MEMSCAN, 3, 0, 0, 0));
	ASSERT_EQ(0, pthread_create(&tid, NULL, thread_set, (void *)6L));
	ASSERT_EQ(0, pthread_join(tid, &ret));
	ASSERT_EQ(0, (long)ret);
	EXPECT_EQ(6, get_level());

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(q));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		int bad = 0;

		if (prctl(PR_SET_MEMSCAN, 1, parent, 0, 0) != -1 || errno != EINVAL)
			bad |= 1;
		if (prctl(PR_SET_MEMSCAN, 1, 0, parent, 0) != -1 || errno != EINVAL)
			bad |= 2;
		if (prctl(PR_SET_MEMSCAN, 9, 0, 0, 0) || get_level() != 9)
			bad |= 4;
		/* tell the parent, then wait for it to look */
		if (write(p[1], "x", 1) != 1 || read(q[0], &c, 1) != 1)
			bad |= 8;
		_exit(bad);
	}
	ASSERT_EQ(1, read(p[0], &c, 1));
	EXPECT_EQ(6, get_level());
	EXPECT_EQ(9, memscan_status_level(pid));
	EXPECT_EQ(6, memscan_status_level(parent));
	ASSERT_EQ(1, write(q[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(6, get_level());
}

TEST_HARNESS_MAIN
