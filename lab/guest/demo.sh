#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make run`: put a hot buffer on the slow node and watch it being promoted.
K=/sys/kernel/mm/kmmscand
secs=${LAB_DEMO_SECONDS:-30}

echo "== topology"
for n in /sys/devices/system/node/node[0-9]*; do
	echo "$(basename "$n"): cpus [$(cat "$n/cpulist")] memory $(awk '/MemTotal/ { print $4 " kB" }' "$n/meminfo")"
done
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	[ -d "$t" ] && echo "$(basename "$t"): nodes $(cat "$t/nodelist")"
done

if [ -d "$K" ]; then
	echo "== kmmscand (numa_balancing=0)"
	echo 0 > /proc/sys/kernel/numa_balancing
	echo 1 > "$K/scan_enabled"
	counters=$(awk '/^kmmscand_(mm_scans|young_slowtier|pages_ready|promoted)/ { printf "%s,", $1 }' /proc/vmstat)pgpromote_success
else
	echo "== kmmscand is not in this kernel: showing the stock tiering mode (numa_balancing=2)"
	echo 2 > /proc/sys/kernel/numa_balancing
	counters=pgpromote_success,numa_hint_faults
fi
/kselftest/kmmscand/hotbuf -s 256 -n 1 -t "$secs" -c "$counters"
