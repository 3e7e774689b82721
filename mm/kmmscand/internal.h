/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmmscand internals shared by the files of mm/kmmscand/: tunables, the mm
 * slot and scan cursor, the hotness record layout and the prototypes of
 * every non-static function.
 */
#ifndef _MM_KMMSCAND_INTERNAL_H
#define _MM_KMMSCAND_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kmmscand.h>
#include <linux/nodemask.h>
#include <linux/pgtable.h>
#include <linux/numa.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../mm_slot.h"

/*
 * Defaults. Each one is a tunable in struct kmmscand_tunables unless marked
 * as a fixed bound.
 *
 * scan_sleep_ms 20: one short wake every 20 ms keeps the thread's latency to
 *	new work low while a wake without due mms costs only the list walk.
 * mms_to_scan 64: visits (due or not) per wake; 3200 slot visits/s bound
 *	the cost of long lists of idle mms.
 * scan_size 256 MB per pass, adaptive in [64 MB, 4 GB] (fixed bounds):
 *	256 MB is 64 Ki PTEs, two wakes' worth of budget, so a pass of a
 *	typical mm ends within about 40 ms of scanner time; hot mms grow to
 *	4 GB per pass, cold ones shrink to 64 MB.
 * scan period 2000 ms, adaptive in [500, 5000] ms: two passes fit into
 *	the default 5 s hot window even after backing off once.
 * initial_scan_delay_ms 1000: short-lived processes are never scanned.
 * hot_threshold 2 in hot_window_ms 5000: a page is ready on its second
 *	observed access within 5 s.
 * recheck_ms 100: a range with young slow-tier pages is looked at again
 *	twice, 100 ms apart, after a pass clears its Accessed bits. A page
 *	young again that soon is hot; 100 ms is five scanner wakes, short
 *	enough to resolve pages touched more than a few times a second,
 *	long enough that a range's re-checks do not stall its pass.
 * promote_rate_limit 256 MB/s: 65536 pages/s, well above what a scan can
 *	find, but bounds the migration bandwidth taken from the top tier.
 */
#define KMMSCAND_SCAN_SLEEP_MS_DEF		20
#define KMMSCAND_MMS_TO_SCAN_DEF		64
#define KMMSCAND_SCAN_SIZE_MB_DEF		256
#define KMMSCAND_SCAN_SIZE_MB_MIN		64
#define KMMSCAND_SCAN_SIZE_MB_MAX		4096
#define KMMSCAND_SCAN_PERIOD_MS_DEF		2000
#define KMMSCAND_SCAN_PERIOD_MIN_MS_DEF		500
#define KMMSCAND_SCAN_PERIOD_MAX_MS_DEF		5000
#define KMMSCAND_INITIAL_SCAN_DELAY_MS_DEF	1000
#define KMMSCAND_HOT_THRESHOLD_DEF		2
#define KMMSCAND_HOT_WINDOW_MS_DEF		5000
#define KMMSCAND_PROMOTE_RATE_LIMIT_MBPS_DEF	256
#define KMMSCAND_RECHECK_MS_DEF			100

/*
 * Re-checks of a range after the pass that found it young, and how many
 * ranges of one mm may wait for theirs: a pass stops for the mm's visit
 * when the queue is full, so at most this many batches are in flight.
 */
/*
 * Passes a sweep of an mm takes at most (kmmscand_sweep_scan_size()):
 * 40 s at the default scan_period_max_ms, half the longest window.
 */
#define KMMSCAND_SWEEP_PASSES			8U

#define KMMSCAND_RECHECKS			2U
#define KMMSCAND_RECHECK_SLOTS			8

/*
 * Probes of an mm between passes: this many slow-tier pages sampled by
 * the last pass, tested (not cleared) for their Accessed bit once per
 * KMMSCAND_PROBE_INTERVAL while the mm waits for its next pass. A young
 * probe starts the pass at once, so an mm whose period backed off while
 * it was idle is noticed within about a second of turning hot.
 * KMMSCAND_PROBE_STRIDE: one present slow-tier PTE in this many is a
 * candidate for the sample.
 */
#define KMMSCAND_NR_PROBES			16
#define KMMSCAND_PROBE_INTERVAL			HZ
#define KMMSCAND_PROBE_STRIDE			64U

/*
 * Work budget of the scanner in PTE units: one unit per PTE examined, per
 * huge PMD, per page-table hole, per skipped VMA and per mm visited.
 * KMMSCAND_WAKE_BUDGET bounds one wake (32 Ki units, about 1-2 ms of
 * CPU), KMMSCAND_BATCH bounds one mmap_lock hold and one TLB flush.
 */
#define KMMSCAND_WAKE_BUDGET			32768U
#define KMMSCAND_BATCH				4096U

/* Pages handed to one migrate_pages() call by kmmmigrated. */
#define KMMSCAND_MIGRATE_BATCH			512U

/**
 * struct kmmscand_tunables - every knob of kmmscand in one place
 * @scan_enabled: the scanner walks page tables; the switch of the "scan"
 *	source, in sysfs both scan_enabled and sources/scan/enabled
 * @migrate_enabled: kmmmigrated promotes ready pages
 * @scan_sleep_ms: sleep between two scanner wakes
 * @mms_to_scan: mm visits per scanner wake
 * @scan_size_mb: initial per-pass scan size of a new mm
 * @scan_period_min_ms: lower bound of the adaptive scan period
 * @scan_period_max_ms: upper bound of the adaptive scan period
 * @initial_scan_delay_ms: delay between registration and the first scan
 * @hot_threshold: accesses within @hot_window_ms that make a page ready
 * @hot_window_ms: length of the access-frequency window
 * @promote_rate_limit_mbps: promotion bandwidth limit in MB/s (0: none)
 * @recheck_ms: interval between a range's clearing and its re-checks
 * @target_node: forced promotion target, NUMA_NO_NODE for the heuristic
 *
 * Readers use READ_ONCE() and writers WRITE_ONCE(): a reader may see a
 * mix of old and new values. Writers (sysfs.c) hold kmmscand_sysfs_mutex,
 * which keeps scan_period_min_ms <= scan_period_max_ms.
 */
struct kmmscand_tunables {
	bool scan_enabled;
	bool migrate_enabled;
	unsigned int scan_sleep_ms;
	unsigned int mms_to_scan;
	unsigned int scan_size_mb;
	unsigned int scan_period_min_ms;
	unsigned int scan_period_max_ms;
	unsigned int initial_scan_delay_ms;
	unsigned int hot_threshold;
	unsigned int hot_window_ms;
	unsigned int promote_rate_limit_mbps;
	unsigned int recheck_ms;
	int target_node;
};

extern struct kmmscand_tunables kmmscand_tun;

/**
 * struct kmmscand_recheck - a range of an mm waiting to be looked at again
 * @start: first address
 * @end: end address
 * @cleared: jiffies when its Accessed bits were last cleared
 * @left: re-checks still to do
 */
struct kmmscand_recheck {
	unsigned long start;
	unsigned long end;
	unsigned long cleared;
	unsigned int left;
};

/**
 * struct kmmscand_mm_slot - per-mm scan state
 * @slot: list linkage and mm (its hash node is unused), must be first
 * @next_scan: jiffies at which the next pass may start
 * @scan_addr: address where the current or next pass resumes
 * @pass_bytes: bytes of scannable VMA covered by the current pass
 * @scan_period_ms: adaptive period between two passes
 * @scan_size_mb: adaptive amount of address space covered by one pass
 * @found_prev: slow-tier accesses recorded by the previous pass
 * @found_cur: slow-tier accesses recorded by the current pass so far
 * @target_nid: promotion target chosen at the end of the last pass
 * @target_rule: the rule that chose @target_nid
 * @pid: tgid of the mm's owner when last seen, 0 if never seen; for
 *	tracepoints only
 * @initial: the first pass has not started yet: @next_scan is the end of
 *	the initial scan delay
 * @in_pass: kmmscand_scan_start was emitted for the current pass
 * @pass_ptes: page-table entries examined by the current pass, a huge PMD
 *	counting for the PTEs it maps
 * @pass_young_slow: young slow-tier entries found by the current pass
 * @pass_young_top: young top-tier anon entries found by the current pass
 * @recheck: ranges waiting for a re-check, oldest first
 * @nr_recheck: entries of @recheck in use
 * @probe: slow-tier addresses sampled by the last pass
 * @nr_probe: entries of @probe in use
 * @probe_seen: candidates offered to @probe during the current pass
 * @probe_next: jiffies of the next probe round
 * @rss_seen: the mm's resident pages when its last pass ended
 * @sweep_start: jiffies when the current sweep (of the whole address
 *	space, one or more passes) started
 * @prev_sweep_start: jiffies when the sweep before it started, or when
 *	the first sweep started: the window of the pass's observations
 *	reaches back to it (kmmscand_window_ticks())
 *
 * The linkage is protected by the lock of the slot's list (a hash of the
 * mm picks it, see struct kmmscand_mm_list in scan.c). Every other field is
 * only touched by the scanner thread, and only while the slot is the
 * cursor's, which keeps __kmmscand_exit() from freeing it.
 */
struct kmmscand_mm_slot {
	struct mm_slot slot;
	unsigned long next_scan;
	unsigned long scan_addr;
	u64 pass_bytes;
	unsigned int scan_period_ms;
	unsigned int scan_size_mb;
	unsigned long found_prev;
	unsigned long found_cur;
	int target_nid;
	enum kmmscand_target_rule target_rule;
	pid_t pid;
	bool initial;
	bool in_pass;
	unsigned long pass_ptes;
	unsigned long pass_young_slow;
	unsigned long pass_young_top;
	struct kmmscand_recheck recheck[KMMSCAND_RECHECK_SLOTS];
	unsigned int nr_recheck;
	unsigned long probe[KMMSCAND_NR_PROBES];
	unsigned int nr_probe;
	unsigned long probe_seen;
	unsigned long probe_next;
	unsigned long rss_seen;
	unsigned long sweep_start;
	unsigned long prev_sweep_start;
};

/**
 * enum kmmscand_scan_result - outcome of one visit of an mm
 * @KMMSCAND_SCAN_PASS_DONE: the pass ended; the cursor moves on
 * @KMMSCAND_SCAN_BUDGET: the wake budget ran out mid-pass; the cursor stays
 * @KMMSCAND_SCAN_CONTENDED: mmap_lock was contended; the cursor moves on
 * @KMMSCAND_SCAN_EXITING: the mm has no users left; the slot is collected
 * @KMMSCAND_SCAN_OPTOUT: the mm's level is 0; the cursor moves on
 * @KMMSCAND_SCAN_WAIT: re-checks or probes done, or the pass waits for
 *	its re-check queue to drain; the cursor moves on
 */
enum kmmscand_scan_result {
	KMMSCAND_SCAN_PASS_DONE,
	KMMSCAND_SCAN_BUDGET,
	KMMSCAND_SCAN_CONTENDED,
	KMMSCAND_SCAN_EXITING,
	KMMSCAND_SCAN_OPTOUT,
	KMMSCAND_SCAN_WAIT,
};

/**
 * kmmscand_test_exit - has the mm lost its last user?
 * @mm: a registered mm, pinned by mmgrab()
 *
 * Return: true once exit_mmap() may run or has run on @mm. Checked after
 * every (re)acquisition of mmap_lock; see __kmmscand_exit().
 */
static inline bool kmmscand_test_exit(struct mm_struct *mm)
{
	return atomic_read(&mm->mm_users) == 0;
}

/*
 * Hotness record: one u16 per 4 KiB page of lower-tier memory.
 *
 *   bits  0-7  last-access tick; a tick is hot_window_ms / 8, so the
 *              frequency window spans KMMSCAND_WINDOW_TICKS ticks
 *   bits  8-10 frequency level: 1 seen once, 2 seen twice with the
 *              previous access within the window, 3-7 one more for each
 *              re-check that found the page young again recheck_ms after
 *              its clearing; 0 means "never accessed". A re-check that
 *              finds it old halves the levels above 2
 *              (kmmscand_rec_update(), kmmscand_rec_miss())
 *   bit  11    ready: queued for kmmmigrated
 *   bits 12-15 target-node hint: 1-14 a slot of kmmscand_hints (below),
 *              0 = resolve at migration time, 15 = demoted (below),
 *              resolve at migration time
 *
 * A folio that migrates to a lower-tier pfn takes its record with it when
 * it comes from another lower-tier pfn (compaction, NUMA migration among
 * slow nodes) and starts from zero otherwise, so the pfn's previous owner
 * lends it nothing (kmmscand_folio_migrated()). A demoted folio starts from
 * the demoted mark: frequency 0, the tick of the demotion, hint 15. The
 * accesses after it count as usual, so a demoted page is promoted again
 * only once it has earned the threshold since its demotion; the mark
 * stays while its accesses keep within the window of each other, and
 * kmmmigrated counts the pages it promotes with the mark
 * (kmmscand_promoted_demoted): demotions that turned out wrong.
 *
 * The window of an access is hot_window_ms for every source, stretched
 * for the scanner to reach back to the start of the mm's previous sweep
 * (kmmscand_window_ticks()): one sweep of a large mm, or of many mms, may
 * take longer than hot_window_ms, and a page the scanner sees at every
 * sweep is then still seen "twice within the window". Readiness does not
 * depend on how long a sweep takes, up to KMMSCAND_WINDOW_MAX_TICKS (16
 * windows, 80 s at the default); pages re-accessed within recheck_ms are
 * ready at their first re-check whatever the sweep takes.
 *
 * The tick wraps after 256 ticks (32 windows). kmmmigrated ages the
 * store every KMMSCAND_AGE_PERIOD_TICKS: a record whose last access is
 * KMMSCAND_AGE_TICKS or more old is reset to zero, ready or not
 * (kmmscand_rec_age()). So no record is ever 256 ticks old, and the
 * 8-bit difference of two ticks is the true age of a record.
 */
#define KMMSCAND_REC_TICK_MASK		0x00ffU
#define KMMSCAND_REC_FREQ_SHIFT		8
#define KMMSCAND_REC_FREQ_MASK		0x0700U
#define KMMSCAND_REC_FREQ_MAX		7U
#define KMMSCAND_REC_READY		0x0800U
#define KMMSCAND_REC_NID_SHIFT		12
#define KMMSCAND_REC_NID_MASK		0xf000U
#define KMMSCAND_REC_HINT_SLOTS		14U
#define KMMSCAND_REC_HINT_DEMOTED	15U
#define KMMSCAND_WINDOW_TICKS		8U
#define KMMSCAND_WINDOW_MAX_TICKS	128U
#define KMMSCAND_AGE_TICKS		KMMSCAND_WINDOW_MAX_TICKS
#define KMMSCAND_AGE_PERIOD_TICKS	64U

/* Jiffies per record tick: an eighth of hot_window_ms, at least one. */
static inline unsigned long kmmscand_tick_len(unsigned int window_ms)
{
	return max(msecs_to_jiffies(window_ms) / KMMSCAND_WINDOW_TICKS, 1UL);
}

static inline u8 kmmscand_rec_tick(u16 rec)
{
	return rec & KMMSCAND_REC_TICK_MASK;
}

static inline unsigned int kmmscand_rec_freq(u16 rec)
{
	return (rec & KMMSCAND_REC_FREQ_MASK) >> KMMSCAND_REC_FREQ_SHIFT;
}

static inline bool kmmscand_rec_ready(u16 rec)
{
	return rec & KMMSCAND_REC_READY;
}

static inline unsigned int kmmscand_rec_hint(u16 rec)
{
	return (rec & KMMSCAND_REC_NID_MASK) >> KMMSCAND_REC_NID_SHIFT;
}

/*
 * Target hints: four bits cannot name every node, so the record stores a
 * slot, and the slots are given to nodes as they are first stored. A slot
 * is never taken back or given to another node, so a record's slot always
 * means the node it was written for. Hints are top-tier nodes (the
 * scanner's choice for a process, the node of a sampling CPU), so only a
 * machine with more than 14 of those runs out: the nodes then without a
 * slot are stored as "resolve at migration time" and counted
 * (kmmscand_hint_dropped).
 */
struct kmmscand_hint_slots {
	spinlock_t lock;	/* serialises giving slots out; reads are lock-free */
	unsigned int nr;	/* slots given out */
	int nid[KMMSCAND_REC_HINT_SLOTS];	/* slot - 1 -> node */
	u8 slot[MAX_NUMNODES];	/* node -> slot, 0 for none yet */
};

extern struct kmmscand_hint_slots kmmscand_hints;

static inline int kmmscand_rec_nid(u16 rec)
{
	unsigned int hint = kmmscand_rec_hint(rec);

	if (!hint || hint == KMMSCAND_REC_HINT_DEMOTED)
		return NUMA_NO_NODE;
	/* The slot was published before any record could hold it. */
	return READ_ONCE(kmmscand_hints.nid[hint - 1]);
}

/* Has the page been accessed without a pause since it was demoted? */
static inline bool kmmscand_rec_demoted(u16 rec)
{
	return kmmscand_rec_hint(rec) == KMMSCAND_REC_HINT_DEMOTED;
}

/**
 * struct kmmscand_ratelimit - token bucket state
 * @tokens: pages that may be promoted right now
 * @last: jiffies up to which time has been converted into tokens
 * @rem: fraction of a page not yet converted, in pages * jiffies / HZ
 */
struct kmmscand_ratelimit {
	unsigned long tokens;
	unsigned long last;
	u32 rem;
};

/**
 * kmmscand_scan_available - can the scan source work on this machine?
 *
 * Return: true if the CPUs set Accessed bits in hardware.
 */
static inline bool kmmscand_scan_available(void)
{
	return arch_has_hw_pte_young();
}

/**
 * struct kmmscand_mpol - the placement rule of a memory policy, copied
 * @mode: MPOL_* mode, MPOL_DEFAULT for no policy
 * @flags: its internal flags (MPOL_F_*)
 * @nodes: its nodes
 */
struct kmmscand_mpol {
	unsigned short mode;
	unsigned short flags;
	nodemask_t nodes;
};

/**
 * enum kmmscand_owner_verdict - may a folio be promoted, as its owners say?
 * @KMMSCAND_OWNER_OK: yes, to one of the nodes left allowed
 * @KMMSCAND_OWNER_BUSY: a lock needed to tell was contended
 * @KMMSCAND_OWNER_OPTOUT: an mm mapping it has memscan level 0
 * @KMMSCAND_OWNER_CPUSET: no candidate node is in a mapping mm's cpuset
 * @KMMSCAND_OWNER_MEMPOLICY: a mapping's memory policy keeps it where it is
 */
enum kmmscand_owner_verdict {
	KMMSCAND_OWNER_OK,
	KMMSCAND_OWNER_BUSY,
	KMMSCAND_OWNER_OPTOUT,
	KMMSCAND_OWNER_CPUSET,
	KMMSCAND_OWNER_MEMPOLICY,
};

/* core.c */
pid_t kmmscand_mm_pid(struct mm_struct *mm);

/* tier.c */
void kmmscand_toptier_nodes(nodemask_t *mask);
bool kmmscand_has_lowertier(nodemask_t *lower);
bool kmmscand_node_has_headroom(int nid, void *arg);
int kmmscand_forced_target(const nodemask_t *allowed);

/* scan.c */
void kmmscand_scan_wake(void);
void kmmscand_scan_retune(void);
int kmmscand_scan_init(void);

/* owner.c */
struct folio;
struct mempolicy;
void kmmscand_mpol_copy(struct kmmscand_mpol *dst, const struct mempolicy *pol);
pid_t kmmscand_task_rules(struct mm_struct *mm, struct kmmscand_mpol *pol,
			  nodemask_t *cpuset_nodes, int *task_nid);
bool kmmscand_mpol_allows(const struct kmmscand_mpol *pol, int cur, int dst);
enum kmmscand_owner_verdict kmmscand_owner_check(struct folio *folio,
						 int src_nid,
						 nodemask_t *allowed);

/* peer.c */
enum kmmscand_peer kmmscand_peer_in_charge(void);

/* policy.c */
unsigned int kmmscand_next_scan_period(unsigned int period_ms,
				       unsigned long found_prev,
				       unsigned long found_cur,
				       unsigned int min_ms, unsigned int max_ms);
unsigned int kmmscand_next_scan_size(unsigned int size_mb,
				     unsigned long found_prev,
				     unsigned long found_cur,
				     unsigned int min_mb, unsigned int max_mb);
unsigned int kmmscand_sweep_scan_size(unsigned int size_mb, u64 vm_mb,
				      unsigned int min_mb, unsigned int max_mb);
unsigned int kmmscand_level_period(unsigned int period_ms, unsigned int level);
int kmmscand_parse_uint(const char *buf, unsigned int min, unsigned int max,
			unsigned int *val);
int kmmscand_choose_target(const unsigned long *node_young, int nr,
			   int pref_nid, const nodemask_t *allowed,
			   bool (*has_headroom)(int nid, void *arg), void *arg,
			   enum kmmscand_target_rule *rule);
int kmmscand_pick_target(const nodemask_t *allowed, int hint, int pref_nid,
			 enum kmmscand_target_rule *rule);
bool kmmscand_policy_allows(unsigned short mode, unsigned short flags,
			    const nodemask_t *nodes, int cur, int dst);
void kmmscand_ratelimit_init(struct kmmscand_ratelimit *rl, unsigned long now);
bool kmmscand_ratelimit_take(struct kmmscand_ratelimit *rl,
			     unsigned long nr_pages, unsigned int mbps,
			     unsigned long now);
void kmmscand_ratelimit_refund(struct kmmscand_ratelimit *rl,
			       unsigned long nr_pages, unsigned int mbps);
unsigned int kmmscand_promote_level(const unsigned long *ready,
				    const unsigned long *arrivals,
				    unsigned int threshold,
				    unsigned long capacity, unsigned int above);
unsigned int kmmscand_next_promote_level(unsigned int cur,
					 unsigned int fit,
					 const unsigned long *ready,
					 unsigned int threshold,
					 bool patience_over, bool settled);

/* hotness.c */
void __kmmscand_record_access(unsigned long pfn, int nid,
			      enum kmmscand_source src, unsigned long now,
			      unsigned long span, bool first, bool quick);
u8 kmmscand_tick(unsigned long now, unsigned int window_ms);
unsigned int kmmscand_window_ticks(unsigned long span,
				   unsigned int window_ms);
unsigned int kmmscand_hint_slot(struct kmmscand_hint_slots *hs, int nid);
u16 kmmscand_rec_encode(u8 tick, unsigned int freq, bool ready, int nid);
u16 kmmscand_rec_update(u16 old, u8 tick, unsigned int window,
			unsigned int threshold, int nid, bool quick);
u16 kmmscand_rec_miss(u16 old);
u16 kmmscand_rec_demote(u8 tick);
u16 kmmscand_rec_age(u16 rec, u8 tick);
bool kmmscand_rec_fresh(u16 rec, u8 tick);
void kmmscand_record_miss(unsigned long pfn);
void kmmscand_hotness_ready_levels(unsigned long *levels);
void kmmscand_hotness_ready_arrivals(unsigned long *arrivals);
unsigned int kmmscand_hotness_take_ready(unsigned long *secnr,
					 unsigned long *idx,
					 unsigned long *pfns, u16 *recs,
					 unsigned int max,
					 unsigned int min_level);
void kmmscand_hotness_requeue(unsigned long pfn);
unsigned long kmmscand_hotness_drop_stale(u8 tick, unsigned int below);
unsigned long kmmscand_hotness_age(u8 tick);
void kmmscand_hotness_sync_tiers(void);
int kmmscand_hotness_init(void);
void kmmscand_hotness_exit(void);

/* migrate.c */
void kmmscand_migrate_wake(void);
unsigned int kmmscand_migrate_level(void);
int kmmscand_migrate_start(void);
void kmmscand_migrate_stop(void);

/* sysfs.c */
#ifdef CONFIG_SYSFS
int kmmscand_sysfs_init(void);
void kmmscand_sysfs_exit(void);
#else
static inline int kmmscand_sysfs_init(void)
{
	return 0;
}

static inline void kmmscand_sysfs_exit(void)
{
}
#endif

#endif /* _MM_KMMSCAND_INTERNAL_H */
