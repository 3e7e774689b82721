#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make stress, in the guest (lab.mode=stress): swap and an ext2 file system
# on RAM disks, THP always on and khugepaged eager, demotion on, NUMA
# balancing off (kmmscand is the promoter under test), then
# kmmscand_churn for lab.stress_seconds. With kmemleak in the kernel, its
# reports from before the run are cleared and, after the run, two scans
# look for objects leaked during it.
secs=${LAB_STRESS_SECONDS:-60}
kmemleak=/sys/kernel/debug/kmemleak
fs=/mnt/ext2

setup() {
	mkswap /dev/ram0 >/dev/null && swapon /dev/ram0 || return 1
	mke2fs -q /dev/ram1 && mkdir -p $fs && mount -t ext2 /dev/ram1 $fs || return 1
	echo always > /sys/kernel/mm/transparent_hugepage/enabled || return 1
	echo 100 > /sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs
	echo 100 > /sys/kernel/mm/transparent_hugepage/khugepaged/alloc_sleep_millisecs
	echo 1 > /sys/kernel/mm/numa/demotion_enabled || return 1
	echo 0 > /proc/sys/kernel/numa_balancing || return 1
}

echo "@@LAB-STRESS-BEGIN@@"
[ -e $kmemleak ] && echo clear > $kmemleak
if setup; then
	/kselftest/kmmscand/kmmscand_churn "$secs" $fs 2>&1
	echo "stress: churn exited with $?"
else
	echo "stress: FAIL: setting up swap, ext2 and the mm knobs"
fi
swapoff /dev/ram0
umount $fs
echo "@@LAB-STRESS-END@@"

echo "@@LAB-KMEMLEAK-BEGIN@@"
if [ -e $kmemleak ]; then
	# an object counts once it has been unreferenced for 5 s, over a scan
	echo scan > $kmemleak
	sleep 6
	echo scan > $kmemleak
	n=$(grep -c '^unreferenced object' $kmemleak)
	echo "kmemleak: $n suspected leaks"
	head -c 20000 $kmemleak
else
	echo "kmemleak: not in this kernel"
fi
echo "@@LAB-KMEMLEAK-END@@"
