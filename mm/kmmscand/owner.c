// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand owner rules: where may a folio go, as its owners' memscan
 * levels, memory policies and cpusets say now? The scanner asks for the
 * mm it walks; kmmmigrated asks again, through rmap, for the folio it is
 * about to isolate, because a record may have waited in the store for a
 * window while its owner opted out, rebound its memory or changed cpuset.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/cpuset.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/rmap.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#include "../internal.h"
#include "internal.h"

/**
 * kmmscand_mpol_copy - take the placement rule of a memory policy
 * @dst: out: the rule
 * @pol: a policy, or NULL for none (MPOL_DEFAULT)
 */
void kmmscand_mpol_copy(struct kmmscand_mpol *dst, const struct mempolicy *pol)
{
	if (!pol) {
		dst->mode = MPOL_DEFAULT;
		dst->flags = 0;
		nodes_clear(dst->nodes);
		return;
	}
	dst->mode = pol->mode;
	dst->flags = pol->flags;
	dst->nodes = pol->nodes;
}

/**
 * kmmscand_task_rules - the placement rules of an mm's owner task
 * @mm: the mm
 * @pol: out: the owner's task mempolicy, MPOL_DEFAULT without one
 * @cpuset_nodes: out: the memory nodes of the owner's cpuset, every node
 *	without an owner
 * @task_nid: out: the node the owner runs on, NUMA_NO_NODE without one;
 *	may be NULL
 *
 * The owner (mm->owner) stands for the mm's tasks, as for memcg charging:
 * a thread with a task policy of its own is not looked at.
 *
 * Return: the owner's tgid, or 0 without an owner (no CONFIG_MEMCG, or
 * the mm is exiting).
 */
pid_t kmmscand_task_rules(struct mm_struct *mm, struct kmmscand_mpol *pol,
			  nodemask_t *cpuset_nodes, int *task_nid)
{
	pid_t pid = 0;
#ifdef CONFIG_MEMCG
	struct task_struct *owner;
#endif

	kmmscand_mpol_copy(pol, NULL);
	nodes_setall(*cpuset_nodes);
	if (task_nid)
		*task_nid = NUMA_NO_NODE;
#ifdef CONFIG_MEMCG
	rcu_read_lock();
	owner = rcu_dereference(mm->owner);
	if (owner) {
		pid = task_tgid_nr(owner);
		if (task_nid)
			*task_nid = cpu_to_node(task_cpu(owner));
		*cpuset_nodes = cpuset_mems_allowed(owner);
		/* task_lock() keeps the policy from being freed under us. */
		task_lock(owner);
		kmmscand_mpol_copy(pol, owner->mempolicy);
		task_unlock(owner);
	}
	rcu_read_unlock();
#endif
	return pid;
}

/**
 * kmmscand_mpol_allows - may a page move from @cur to @dst under a rule?
 * @pol: the rule
 * @cur: the node the page is on
 * @dst: the top-tier node it would move to
 *
 * Return: see kmmscand_policy_allows().
 */
bool kmmscand_mpol_allows(const struct kmmscand_mpol *pol, int cur, int dst)
{
	return kmmscand_policy_allows(pol->mode, pol->flags, &pol->nodes, cur,
				      dst);
}

/* Where a folio may go, narrowed VMA by VMA by kmmscand_owner_one(). */
struct kmmscand_owner_walk {
	nodemask_t allowed;
	int src_nid;
	enum kmmscand_owner_verdict verdict;
};

/*
 * One mapping of the folio: its mm must still be opted in, and the node
 * the folio would go to must be in the mm's cpuset and keep to the policy
 * that applies at @addr (the VMA's, else the owner's task policy).
 * Return: false to stop the walk, when nothing is left allowed.
 */
static bool kmmscand_owner_one(struct folio *folio, struct vm_area_struct *vma,
			       unsigned long addr, void *arg)
{
	struct kmmscand_owner_walk *ow = arg;
	struct mm_struct *mm = vma->vm_mm;
	struct kmmscand_mpol pol, task_pol;
	struct mempolicy *vpol;
	nodemask_t cpuset_nodes;
	pgoff_t ilx;
	int nid;

	if (kmmscand_mm_level(mm) == KMMSCAND_LEVEL_OFF) {
		ow->verdict = KMMSCAND_OWNER_OPTOUT;
		return false;
	}
	/*
	 * vma_replace_policy() frees the old policy under mmap_lock. The
	 * rmap lock held here nests inside mmap_lock, so only try it.
	 */
	if (!mmap_read_trylock(mm)) {
		ow->verdict = KMMSCAND_OWNER_BUSY;
		return false;
	}
	vpol = __get_vma_policy(vma, addr, &ilx);
	kmmscand_mpol_copy(&pol, vpol);
	mpol_cond_put(vpol);
	mmap_read_unlock(mm);

	kmmscand_task_rules(mm, &task_pol, &cpuset_nodes, NULL);
	if (!vpol)
		pol = task_pol;
	nodes_and(ow->allowed, ow->allowed, cpuset_nodes);
	if (nodes_empty(ow->allowed)) {
		ow->verdict = KMMSCAND_OWNER_CPUSET;
		return false;
	}
	for_each_node_mask(nid, ow->allowed)
		if (!kmmscand_mpol_allows(&pol, ow->src_nid, nid))
			node_clear(nid, ow->allowed);
	if (nodes_empty(ow->allowed)) {
		ow->verdict = KMMSCAND_OWNER_MEMPOLICY;
		return false;
	}
	return true;
}

/**
 * kmmscand_owner_check - may a folio be promoted, and where to?
 * @folio: a folio on @src_nid, referenced by the caller, not locked
 * @src_nid: its node
 * @allowed: in: the candidate top-tier nodes; out: those that every
 *	mapping of @folio allows, when the verdict is KMMSCAND_OWNER_OK
 *
 * Walks the folio's mappings as mpol_misplaced() and the cpuset check do
 * for a NUMA hinting fault, but for every mapping rather than the one
 * that faulted. An unmapped folio has no owner whose rules could object.
 * Nothing sleeps waiting: a contended folio or rmap lock says busy.
 *
 * Return: KMMSCAND_OWNER_OK, or why the folio must stay.
 */
enum kmmscand_owner_verdict kmmscand_owner_check(struct folio *folio,
						 int src_nid,
						 nodemask_t *allowed)
{
	struct kmmscand_owner_walk ow = {
		.allowed = *allowed,
		.src_nid = src_nid,
		.verdict = KMMSCAND_OWNER_OK,
	};
	struct rmap_walk_control rwc = {
		.rmap_one = kmmscand_owner_one,
		.arg = &ow,
		.anon_lock = folio_lock_anon_vma_read,
		.try_lock = true,
	};
	bool need_lock;

	if (!folio_mapped(folio) || !folio_raw_mapping(folio))
		return KMMSCAND_OWNER_OK;
	/* As page_idle: anon rmap is safe with a reference, the rest not. */
	need_lock = !folio_test_anon(folio) || folio_test_ksm(folio);
	if (need_lock && !folio_trylock(folio))
		return KMMSCAND_OWNER_BUSY;
	rmap_walk(folio, &rwc);
	if (need_lock)
		folio_unlock(folio);
	if (rwc.contended && ow.verdict == KMMSCAND_OWNER_OK)
		return KMMSCAND_OWNER_BUSY;
	if (ow.verdict == KMMSCAND_OWNER_OK)
		*allowed = ow.allowed;
	return ow.verdict;
}
