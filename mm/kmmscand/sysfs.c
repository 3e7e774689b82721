// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand sysfs interface: the knobs in /sys/kernel/mm/kmmscand/ and one
 * directory per access source in /sys/kernel/mm/kmmscand/sources/.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/memory-tiers.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "internal.h"

#include <trace/events/kmmscand.h>

/*
 * DOC: sysfs
 *
 * Every value is base 10. A store returns the kstrto*() error as is
 * (-EINVAL for malformed text, -ERANGE for overflow) and -EINVAL for a
 * value out of its range or breaking a rule between knobs; on any error
 * the old value stays. Every accepted write emits the kmmscand_tune
 * tracepoint, even when the value does not change.
 *
 * Stores run under kmmscand_sysfs_mutex, so the rules between knobs
 * (scan_period_min_ms <= scan_period_max_ms) hold whatever the order of
 * concurrent writes. Readers of the tunables do not take it: each field
 * is read with READ_ONCE(), and a reader may see a mix of old and new
 * values of different knobs.
 *
 * sources/<name>/enabled switches one access source, sources/<name>/
 * available tells whether it can work on this machine; enabling an
 * unavailable source fails with -ENODEV. Only "scan" exists today, and it
 * is available when the CPUs set Accessed bits in hardware;
 * sources/scan/enabled and scan_enabled are one switch under two names
 * (scan_enabled came first and stays for compatibility).
 */

/* Serialises the stores; protects the rules between knobs. */
static DEFINE_MUTEX(kmmscand_sysfs_mutex);

/**
 * struct kmmscand_uint_attr - an unsigned int knob
 * @attr: the sysfs attribute
 * @val: the tunable
 * @min: smallest valid value
 * @max: largest valid value
 * @valid: rule with other knobs, or NULL; called under kmmscand_sysfs_mutex
 * @changed: applies a new value, or NULL; called under kmmscand_sysfs_mutex
 */
struct kmmscand_uint_attr {
	struct kobj_attribute attr;
	unsigned int *val;
	unsigned int min;
	unsigned int max;
	bool (*valid)(unsigned int val);
	void (*changed)(void);
};

/**
 * struct kmmscand_bool_attr - a boolean knob
 * @attr: the sysfs attribute
 * @val: the tunable
 * @available: whether 1 may be written, or NULL for always
 * @changed: applies a new value, or NULL; called under kmmscand_sysfs_mutex
 */
struct kmmscand_bool_attr {
	struct kobj_attribute attr;
	bool *val;
	bool (*available)(void);
	void (*changed)(bool val);
};

static ssize_t kmmscand_uint_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct kmmscand_uint_attr *ka =
		container_of(attr, struct kmmscand_uint_attr, attr);

	return sysfs_emit(buf, "%u\n", READ_ONCE(*ka->val));
}

static ssize_t kmmscand_uint_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	struct kmmscand_uint_attr *ka =
		container_of(attr, struct kmmscand_uint_attr, attr);
	unsigned int val, old;
	int err;

	err = kmmscand_parse_uint(buf, ka->min, ka->max, &val);
	if (err)
		return err;

	mutex_lock(&kmmscand_sysfs_mutex);
	if (ka->valid && !ka->valid(val)) {
		mutex_unlock(&kmmscand_sysfs_mutex);
		return -EINVAL;
	}
	old = *ka->val;
	WRITE_ONCE(*ka->val, val);
	trace_kmmscand_tune(attr->attr.name, old, val);
	if (ka->changed)
		ka->changed();
	mutex_unlock(&kmmscand_sysfs_mutex);
	return count;
}

static ssize_t kmmscand_bool_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct kmmscand_bool_attr *ka =
		container_of(attr, struct kmmscand_bool_attr, attr);

	return sysfs_emit(buf, "%d\n", READ_ONCE(*ka->val));
}

/*
 * Set a boolean knob; @name is its path below kmmscand/ for the trace.
 * A switch whose @available() says no refuses 1 with -ENODEV.
 */
static int kmmscand_bool_set(const char *name, bool *knob, const char *buf,
			     bool (*available)(void),
			     void (*changed)(bool val))
{
	bool val, old;
	int err;

	err = kstrtobool(buf, &val);
	if (err)
		return err;
	if (val && available && !available())
		return -ENODEV;

	mutex_lock(&kmmscand_sysfs_mutex);
	old = *knob;
	WRITE_ONCE(*knob, val);
	trace_kmmscand_tune(name, old, val);
	if (changed)
		changed(val);
	mutex_unlock(&kmmscand_sysfs_mutex);
	return 0;
}

static ssize_t kmmscand_bool_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	struct kmmscand_bool_attr *ka =
		container_of(attr, struct kmmscand_bool_attr, attr);
	int err;

	err = kmmscand_bool_set(attr->attr.name, ka->val, buf, ka->available,
				ka->changed);
	return err ? err : count;
}

/*
 * KMMSCAND_ATTR_FILE - file @_file for the unsigned int knob
 * kmmscand_tun.@_field, valid in [@_min, @_max], with an optional rule
 * with other knobs and an optional hook run after a change.
 */
#define KMMSCAND_ATTR_FILE(_field, _file, _min, _max, _valid, _changed)	\
	static struct kmmscand_uint_attr _field##_attr = {		\
		.attr = {						\
			.attr = { .name = _file, .mode = 0644 },	\
			.show = kmmscand_uint_show,			\
			.store = kmmscand_uint_store,			\
		},							\
		.val = &kmmscand_tun._field,				\
		.min = _min,						\
		.max = _max,						\
		.valid = _valid,					\
		.changed = _changed,					\
	}

/* KMMSCAND_ATTR - the same, the file named after the field. */
#define KMMSCAND_ATTR(_field, _min, _max, _valid, _changed)		\
	KMMSCAND_ATTR_FILE(_field, #_field, _min, _max, _valid, _changed)

/* KMMSCAND_BOOL_ATTR - file @_file for the boolean kmmscand_tun.@_field */
#define KMMSCAND_BOOL_ATTR(_field, _file, _available, _changed)	\
	static struct kmmscand_bool_attr _field##_attr = {		\
		.attr = {						\
			.attr = { .name = _file, .mode = 0644 },	\
			.show = kmmscand_bool_show,			\
			.store = kmmscand_bool_store,			\
		},							\
		.val = &kmmscand_tun._field,				\
		.available = _available,				\
		.changed = _changed,					\
	}

static void kmmscand_scan_enabled_changed(bool enabled)
{
	if (enabled)
		kmmscand_scan_wake();
}

static void kmmscand_migrate_enabled_changed(bool enabled)
{
	if (enabled)
		kmmscand_migrate_wake();
}

static bool kmmscand_period_min_valid(unsigned int val)
{
	lockdep_assert_held(&kmmscand_sysfs_mutex);
	return val <= kmmscand_tun.scan_period_max_ms;
}

static bool kmmscand_period_max_valid(unsigned int val)
{
	lockdep_assert_held(&kmmscand_sysfs_mutex);
	return val >= kmmscand_tun.scan_period_min_ms;
}

KMMSCAND_BOOL_ATTR(scan_enabled, "scan_enabled", kmmscand_scan_available,
		   kmmscand_scan_enabled_changed);
KMMSCAND_BOOL_ATTR(migrate_enabled, "migrate_enabled", NULL,
		   kmmscand_migrate_enabled_changed);
KMMSCAND_ATTR(scan_sleep_ms, 1, 60000, NULL, kmmscand_scan_retune);
KMMSCAND_ATTR(mms_to_scan, 1, 65536, NULL, NULL);
KMMSCAND_ATTR(scan_size_mb, KMMSCAND_SCAN_SIZE_MB_MIN,
	      KMMSCAND_SCAN_SIZE_MB_MAX, NULL, NULL);
KMMSCAND_ATTR(scan_period_min_ms, 100, 600000, kmmscand_period_min_valid,
	      kmmscand_scan_retune);
KMMSCAND_ATTR(scan_period_max_ms, 100, 600000, kmmscand_period_max_valid,
	      kmmscand_scan_retune);
KMMSCAND_ATTR(initial_scan_delay_ms, 0, 600000, NULL, kmmscand_scan_retune);
KMMSCAND_ATTR(hot_threshold, 1, KMMSCAND_REC_FREQ_MAX, NULL, NULL);
KMMSCAND_ATTR(hot_window_ms, 100, 60000, NULL, NULL);
KMMSCAND_ATTR_FILE(promote_rate_limit_mbps, "promote_rate_limit_MBps", 0,
		   1048576, NULL, NULL);
KMMSCAND_ATTR(recheck_ms, 10, 10000, NULL, NULL);

/* Read only: the lowest frequency level kmmmigrated promotes now. */
static ssize_t promote_level_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", kmmscand_migrate_level());
}

static struct kobj_attribute promote_level_attr = __ATTR_RO(promote_level);

/*
 * Read only: the mechanism promoting lower-tier pages now. Another
 * promoter that is on wins (kmmscand yields to it), else kmmscand when
 * both its scanner and kmmmigrated are enabled, else none.
 */
static ssize_t promoter_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	static const char * const peers[] = {
		[KMMSCAND_PEER_NUMAB] = "numa_balancing",
		[KMMSCAND_PEER_DAMON] = "damon",
	};
	enum kmmscand_peer peer = kmmscand_peer_in_charge();

	if (peer != KMMSCAND_PEER_NONE)
		return sysfs_emit(buf, "%s\n", peers[peer]);
	if (READ_ONCE(kmmscand_tun.scan_enabled) &&
	    READ_ONCE(kmmscand_tun.migrate_enabled))
		return sysfs_emit(buf, "kmmscand\n");
	return sysfs_emit(buf, "none\n");
}

static struct kobj_attribute promoter_attr = __ATTR_RO(promoter);

static ssize_t target_node_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(kmmscand_tun.target_node));
}

/* -1 (the heuristic) or an online top-tier memory node. */
static ssize_t target_node_store(struct kobject *kobj,
				 struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	int nid, old, err;

	err = kstrtoint(buf, 10, &nid);
	if (err)
		return err;
	if (nid < NUMA_NO_NODE || nid >= MAX_NUMNODES)
		return -EINVAL;

	mutex_lock(&kmmscand_sysfs_mutex);
	/* Hot-remove may take the node later; kmmmigrated re-checks it. */
	if (nid != NUMA_NO_NODE &&
	    (!node_online(nid) || !node_state(nid, N_MEMORY) ||
	     !node_is_toptier(nid))) {
		mutex_unlock(&kmmscand_sysfs_mutex);
		return -EINVAL;
	}
	old = kmmscand_tun.target_node;
	WRITE_ONCE(kmmscand_tun.target_node, nid);
	trace_kmmscand_tune(attr->attr.name, old, nid);
	mutex_unlock(&kmmscand_sysfs_mutex);
	return count;
}

static struct kobj_attribute target_node_attr = __ATTR_RW(target_node);

static struct attribute *kmmscand_attrs[] = {
	&scan_enabled_attr.attr.attr,
	&migrate_enabled_attr.attr.attr,
	&scan_sleep_ms_attr.attr.attr,
	&mms_to_scan_attr.attr.attr,
	&scan_size_mb_attr.attr.attr,
	&scan_period_min_ms_attr.attr.attr,
	&scan_period_max_ms_attr.attr.attr,
	&initial_scan_delay_ms_attr.attr.attr,
	&hot_threshold_attr.attr.attr,
	&hot_window_ms_attr.attr.attr,
	&promote_rate_limit_mbps_attr.attr.attr,
	&recheck_ms_attr.attr.attr,
	&promote_level_attr.attr,
	&promoter_attr.attr,
	&target_node_attr.attr,
	NULL,
};

static const struct attribute_group kmmscand_attr_group = {
	.attrs = kmmscand_attrs,
};

/**
 * struct kmmscand_source_info - one directory in sources/
 * @name: directory name
 * @enabled: the source's on/off switch
 * @changed: applies a new @enabled, or NULL; called under
 *	kmmscand_sysfs_mutex
 * @available: whether the source can work on this machine
 *
 * Adding a source is adding an entry to kmmscand_sources[].
 */
struct kmmscand_source_info {
	const char *name;
	bool *enabled;
	void (*changed)(bool val);
	bool (*available)(void);
};

static const struct kmmscand_source_info kmmscand_sources[] = {
	{
		.name = "scan",
		.enabled = &kmmscand_tun.scan_enabled,
		.changed = kmmscand_scan_enabled_changed,
		.available = kmmscand_scan_available,
	},
};

/* kmmscand/, kmmscand/sources/ and one kobject per kmmscand_sources[] */
static struct kobject *kmmscand_kobj;
static struct kobject *kmmscand_sources_kobj;
static struct kobject *kmmscand_source_kobjs[ARRAY_SIZE(kmmscand_sources)];

static const struct kmmscand_source_info *
kmmscand_source_of(struct kobject *kobj)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmmscand_sources); i++)
		if (kmmscand_source_kobjs[i] == kobj)
			return &kmmscand_sources[i];
	/* Only our attribute group's files call this, on our kobjects. */
	WARN_ON_ONCE(1);
	return NULL;
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	const struct kmmscand_source_info *src = kmmscand_source_of(kobj);

	if (!src)
		return -ENODEV;
	return sysfs_emit(buf, "%d\n", READ_ONCE(*src->enabled));
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	const struct kmmscand_source_info *src = kmmscand_source_of(kobj);
	char name[32];
	int err;

	if (!src)
		return -ENODEV;
	snprintf(name, sizeof(name), "sources/%s/enabled", src->name);
	err = kmmscand_bool_set(name, src->enabled, buf, src->available,
				src->changed);
	return err ? err : count;
}

static ssize_t available_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	const struct kmmscand_source_info *src = kmmscand_source_of(kobj);

	if (!src)
		return -ENODEV;
	return sysfs_emit(buf, "%d\n", src->available());
}

static struct kobj_attribute enabled_attr = __ATTR_RW(enabled);
static struct kobj_attribute available_attr = __ATTR_RO(available);

static struct attribute *kmmscand_source_attrs[] = {
	&enabled_attr.attr,
	&available_attr.attr,
	NULL,
};

static const struct attribute_group kmmscand_source_attr_group = {
	.attrs = kmmscand_source_attrs,
};

/* Remove the source directories, sources/ and kmmscand/; NULL-safe. */
static void kmmscand_sysfs_put(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmmscand_sources); i++) {
		kobject_put(kmmscand_source_kobjs[i]);
		kmmscand_source_kobjs[i] = NULL;
	}
	kobject_put(kmmscand_sources_kobj);
	kmmscand_sources_kobj = NULL;
	kobject_put(kmmscand_kobj);
	kmmscand_kobj = NULL;
}

/**
 * kmmscand_sysfs_init - create /sys/kernel/mm/kmmscand
 *
 * Attribute groups nest one level only, so each directory is a kobject
 * with one attribute group: kmmscand/ under mm_kobj, sources/ under it
 * and one directory per source under sources/. Removing a kobject removes
 * its files.
 *
 * Return: 0 or a negative errno; on error nothing is left behind.
 */
int kmmscand_sysfs_init(void)
{
	struct kobject *kobj;
	unsigned int i;
	int err;

	kmmscand_kobj = kobject_create_and_add("kmmscand", mm_kobj);
	if (!kmmscand_kobj)
		return -ENOMEM;
	err = sysfs_create_group(kmmscand_kobj, &kmmscand_attr_group);
	if (err)
		goto err_put;

	kmmscand_sources_kobj = kobject_create_and_add("sources",
						       kmmscand_kobj);
	if (!kmmscand_sources_kobj) {
		err = -ENOMEM;
		goto err_put;
	}
	for (i = 0; i < ARRAY_SIZE(kmmscand_sources); i++) {
		kobj = kobject_create_and_add(kmmscand_sources[i].name,
					      kmmscand_sources_kobj);
		if (!kobj) {
			err = -ENOMEM;
			goto err_put;
		}
		kmmscand_source_kobjs[i] = kobj;
		err = sysfs_create_group(kobj, &kmmscand_source_attr_group);
		if (err)
			goto err_put;
	}
	return 0;

err_put:
	kmmscand_sysfs_put();
	return err;
}

/**
 * kmmscand_sysfs_exit - remove /sys/kernel/mm/kmmscand
 */
void kmmscand_sysfs_exit(void)
{
	kmmscand_sysfs_put();
}
