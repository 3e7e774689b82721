#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make compare`: the skewed workload (skewbuf) once per promoter, in one
# boot, each with every other promoter off: kmmscand (NUMA balancing off),
# NUMA balancing's tiering mode (kmmscand off) and DAMON migrate_hot on the
# slow node's physical memory (kmmscand and NUMA balancing off); first with
# each mechanism's default limits (the top tier has room for everything),
# then with each one's promotion limited to 4 MB/s (a tenth of the hot set
# per second), where the order of promotion shows.
#
# LAB_COMPARE_WORKLOAD=fulltop instead: node0 is first filled with cold
# data, then a 256 MiB buffer on node1 is kept hot (hotbuf -F), with
# demotion on and each mechanism's default limits: who makes room, and how
# soon the hot buffer is up.
K=/sys/kernel/mm/kmmscand
D=/sys/kernel/mm/damon/admin
secs=${LAB_COMPARE_SECONDS:-40}
numab_rl=/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps
size=${LAB_COMPARE_MB:-512}
skewbuf=/kselftest/kmmscand/skewbuf
hotbuf=/kselftest/kmmscand/hotbuf
workload=${LAB_COMPARE_WORKLOAD:-skewed}
demotion=/sys/kernel/mm/numa/demotion_enabled

all_off() {
	echo 0 > /proc/sys/kernel/numa_balancing
	echo 0 > "$K/scan_enabled"
	echo 0 > "$K/migrate_enabled"
	[ -d "$D/kdamonds/0" ] && echo off > "$D/kdamonds/0/state" 2>/dev/null
	[ -d "$D" ] && echo 0 > "$D/kdamonds/nr_kdamonds"
}

# The physical address range of node $1, from its zones in /proc/zoneinfo.
node_range() {
	awk -v node="$1" '
		/^Node/ { n = $2; sub(",", "", n); cur = (n == node) }
		cur && $1 == "spanned" { spanned = $2 }
		cur && $1 == "start_pfn:" && spanned > 0 {
			s = $2; e = $2 + spanned
			if (!lo || s < lo) lo = s
			if (e > hi) hi = e
		}
		END { printf "%.0f %.0f\n", lo * 4096, hi * 4096 }' /proc/zoneinfo
}

# DAMON's migrate_hot as its documentation shows it: paddr monitoring of
# the slow node, regions accessed in at least one sample of twenty (5%)
# migrated to node 0, no quota.
damon_on() {
	quota=$1
	set -- $(node_range 1)
	[ "$quota" ] && echo "damon: quota $quota MB/s"
	echo "damon: node1 at $1-$2"
	echo 1 > "$D/kdamonds/nr_kdamonds"
	c=$D/kdamonds/0/contexts
	echo 1 > "$c/nr_contexts"
	c=$c/0
	echo paddr > "$c/operations"
	echo 1 > "$c/targets/nr_targets"
	echo 1 > "$c/targets/0/regions/nr_regions"
	echo "$1" > "$c/targets/0/regions/0/start"
	echo "$2" > "$c/targets/0/regions/0/end"
	echo 1 > "$c/schemes/nr_schemes"
	s=$c/schemes/0
	echo migrate_hot > "$s/action"
	echo 0 > "$s/target_nid"
	echo 1 > "$s/access_pattern/nr_accesses/min"
	echo 20 > "$s/access_pattern/nr_accesses/max"
	# every range of the pattern defaults to 0..0 in the sysfs interface
	echo 18446744073709551615 > "$s/access_pattern/sz/max"
	echo 18446744073709551615 > "$s/access_pattern/age/max"
	if [ "$quota" ]; then
		echo $((quota << 20)) > "$s/quotas/bytes"
		echo 1000 > "$s/quotas/reset_interval_ms"
	fi
	echo on > "$D/kdamonds/0/state"
}

run() {
	name=$1
	echo "== $name"
	if [ "$workload" = fulltop ]; then
		sync
		echo 3 > /proc/sys/vm/drop_caches
		line=$($hotbuf -F -s 256 -t "$secs" \
			-c pgpromote_success,pgdemote_kswapd,pgdemote_direct |
			tee /tmp/hotbuf.$name | grep '^hotbuf: ' | tail -2 | tr '\n' ' ')
	else
		line=$($skewbuf -s "$size" -t "$secs" | tee /tmp/skewbuf.$name | tail -1)
	fi
	echo "$line"
	echo "$name $line" >> /tmp/compare.txt
	all_off
	# let the pages of the run go before the next one
	sleep 2
}

: > /tmp/compare.txt
numab_rl_def=$(cat $numab_rl)
kmm_rl_def=$(cat $K/promote_rate_limit_MBps)
limits='"" 4'
if [ "$workload" = fulltop ]; then
	limits='""'
	echo 1 > $demotion
fi
eval "set -- $limits"
for limit in "$@"; do
	tag=${limit:+@${limit}MBps}
	all_off
	echo "${limit:-$kmm_rl_def}" > "$K/promote_rate_limit_MBps"
	echo 1 > "$K/scan_enabled"; echo 1 > "$K/migrate_enabled"
	run "kmmscand$tag"
	echo "${limit:-$numab_rl_def}" > $numab_rl
	echo 2 > /proc/sys/kernel/numa_balancing
	run "numab2$tag"
	if [ -d "$D" ]; then
		damon_on $limit && run "damon$tag"
	else
		echo "== damon: not in this kernel"
	fi
done
echo "$kmm_rl_def" > "$K/promote_rate_limit_MBps"
echo "$numab_rl_def" > $numab_rl
echo 1 > "$K/scan_enabled"; echo 1 > "$K/migrate_enabled"
if [ "$workload" = fulltop ]; then
	echo 0 > $demotion
	echo "== summary (node0 filled with cold data, 256 MiB hot on node1, demotion on, $secs s)"
else
	echo "== summary ($size MiB on node1, 1 page in 10 takes 90% of the accesses, $secs s)"
fi
cat /tmp/compare.txt
