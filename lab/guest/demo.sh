#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make run`: put a hot buffer on the slow node and watch it being promoted.
K=/sys/kernel/mm/kmmscand
secs=${LAB_DEMO_SECONDS:-30}
hotbuf=/kselftest/kmmscand/hotbuf

echo "== topology"
for n in /sys/devices/system/node/node[0-9]*; do
	echo "$(basename "$n"): cpus [$(cat "$n/cpulist")] memory $(awk '/MemTotal/ { print $4 " kB" }' "$n/meminfo")"
done
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	[ -d "$t" ] && echo "$(basename "$t"): nodes $(cat "$t/nodelist")"
done

if [ ! -d "$K" ]; then
	echo "== kmmscand is not in this kernel: showing the stock tiering mode (numa_balancing=2)"
	echo 2 > /proc/sys/kernel/numa_balancing
	$hotbuf -s 256 -n 1 -t "$secs" -c pgpromote_success,numa_hint_faults
	exit 0
fi

echo "== kmmscand (numa_balancing=0), traced with trace-cmd record -e kmmscand"
echo 0 > /proc/sys/kernel/numa_balancing
echo 1 > "$K/scan_enabled"
counters=$(awk '/^kmmscand_(mm_scans|young_slowtier|pages_ready|promoted) / { printf "%s,", $1 }' /proc/vmstat)pgpromote_success
awk '/^kmmscand_/ { print $1, $2 }' /proc/vmstat > /tmp/vmstat.before
trace-cmd record -q -e kmmscand -o /tmp/demo.dat -- $hotbuf -s 256 -n 1 -t "$secs" -c "$counters" | tee /tmp/demo.log
pid=$(sed -n 's/^hotbuf: pid \([0-9]*\),.*/\1/p' /tmp/demo.log)

echo "== trace excerpt (trace-cmd report)"
trace-cmd report -i /tmp/demo.dat 2>/dev/null > /tmp/demo.txt
grep "kmmscand_scan_end:.* pid=$pid " /tmp/demo.txt | head -4
grep "kmmscand_record:" /tmp/demo.txt | head -2
grep "kmmscand_migrate:" /tmp/demo.txt | head -3
grep "kmmscand_migrate_batch:" /tmp/demo.txt | head -3
echo "($(grep -c ' kmmscand_' /tmp/demo.txt) kmmscand events in all:$(grep -o ' kmmscand_[a-z_]*:' /tmp/demo.txt | sort | uniq -c | awk '{ printf " %s %s", $2, $1 }'))"

echo "== kmmscand counters (change during the run)"
awk '/^kmmscand_/ { print $1, $2 }' /proc/vmstat | while read -r name val; do
	old=$(awk -v n="$name" '$1 == n { print $2 }' /tmp/vmstat.before)
	[ "$val" != "${old:-0}" ] && printf '%-34s +%s\n' "$name" $((val - ${old:-0}))
done
grep '^pgpromote_success ' /proc/vmstat
# CPU time of a kernel thread since boot, from /proc/<pid>/stat (USER_HZ).
kthread_cpu() {
	for st in /proc/[0-9]*/stat; do
		read -r _ comm _ < "$st" 2>/dev/null
		[ "$comm" = "($1)" ] && awk '{ printf "%.2f s", ($14 + $15) / 100 }' "$st" && return
	done
	echo "?"
}
echo "kmmscand CPU $(kthread_cpu kmmscand), kmmmigrated CPU $(kthread_cpu kmmmigrated) (since boot)"
tail -1 /tmp/demo.log
