// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand sysfs interface: /sys/kernel/mm/kmmscand/. Only scan_enabled
 * for now; every other knob already lives in struct kmmscand_tunables.
 */
#define pr_fmt(fmt) "kmmscand: " fmt

#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "internal.h"

#define KMMSCAND_ATTR_RW(_name) \
	static struct kobj_attribute _name##_attr = __ATTR_RW(_name)

static ssize_t scan_enabled_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(kmmscand_tun.scan_enabled));
}

static ssize_t scan_enabled_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	bool enabled;
	int err;

	err = kstrtobool(buf, &enabled);
	if (err)
		return err;

	WRITE_ONCE(kmmscand_tun.scan_enabled, enabled);
	if (enabled)
		kmmscand_scan_wake();
	return count;
}
KMMSCAND_ATTR_RW(scan_enabled);

static struct attribute *kmmscand_attrs[] = {
	&scan_enabled_attr.attr,
	NULL,
};

static const struct attribute_group kmmscand_attr_group = {
	.attrs = kmmscand_attrs,
	.name = "kmmscand",
};

/**
 * kmmscand_sysfs_init - create /sys/kernel/mm/kmmscand
 *
 * Return: 0 or a negative errno.
 */
int kmmscand_sysfs_init(void)
{
	return sysfs_create_group(mm_kobj, &kmmscand_attr_group);
}

/**
 * kmmscand_sysfs_exit - remove /sys/kernel/mm/kmmscand
 */
void kmmscand_sysfs_exit(void)
{
	sysfs_remove_group(mm_kobj, &kmmscand_attr_group);
}
