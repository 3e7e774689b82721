#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Sourced by the kmmscand shell selftests: TAP helpers, the "expected in
# the lab" rule for missing prerequisites, and saving and restoring the
# knobs a test changes.
ksft_skip=4
K=/sys/kernel/mm/kmmscand
fail=0

ok() { echo "ok $1 $2"; }
notok() { echo "not ok $1 $2"; fail=1; }

# require COND_CMD WHY: run COND_CMD; if it fails, a failure where the lab
# says kmmscand is expected (KMMSCAND_EXPECTED=1), a skip elsewhere.
require() {
	eval "$1" && return 0
	if [ "${KMMSCAND_EXPECTED:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 prerequisites # lab: $2"
		exit 1
	fi
	echo "1..0 # SKIP $2"
	exit $ksft_skip
}

# Save numa_balancing and scan_enabled, restore them (and remove
# $tmp.*) at exit, and leave kmmscand alone to promote.
kmmscand_setup() {
	saved_numab=$(cat /proc/sys/kernel/numa_balancing)
	saved_scan=$(cat $K/scan_enabled)
	trap 'echo $saved_numab > /proc/sys/kernel/numa_balancing; echo $saved_scan > $K/scan_enabled; rm -f $tmp.*' EXIT
	echo 0 > /proc/sys/kernel/numa_balancing
	echo 1 > $K/scan_enabled
}
