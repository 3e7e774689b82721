#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make forkcost: what kmmscand's registration costs fork, exit and wait.
# Boots the lab kernel and the same kernel without CONFIG_KMMSCAND
# (configs/variants/nokmmscand.config) in turn, RUNS times each, runs
# forkexit (tools/testing/selftests/kmmscand/forkexit.c) in each boot,
# and prints the median ns per fork+exit+wait of each kernel and their
# difference. Timing under TCG is noisy: the boots alternate, and the
# medians of all rounds of a kernel are compared.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
RUNS=${RUNS:-3}
ARGS=${FORKCOST_ARGS:-15,2000,16}
logdir=$BUILD/logs
mkdir -p "$logdir"

VARIANT=nokmmscand "$REPO/lab/kernel.sh"

for k in kernel kernel-nokmmscand; do
	: > "$logdir/forkcost-$k.log"
done
for run in $(seq "$RUNS"); do
	for k in kernel kernel-nokmmscand; do
		echo "lab: forkcost: boot $run of $RUNS, $k"
		"$REPO/lab/vm.sh" --topo T2 --kernel "$BUILD/$k/arch/x86/boot/bzImage" \
			--timeout 900 --append "lab.mode=forkcost quiet lab.forkcost=$ARGS" |
			tr -d '\r' | grep '^forkexit:' | tee -a "$logdir/forkcost-$k.log"
	done
done

# The median of every round of every boot, per kernel.
median() {
	sed -n 's/^forkexit: round [0-9]*: \([0-9]*\) ns.*/\1/p' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
with=$(median "$logdir/forkcost-kernel.log")
without=$(median "$logdir/forkcost-kernel-nokmmscand.log")
[ -n "$with" ] && [ -n "$without" ] || { echo "lab: forkcost: no rounds measured" >&2; exit 1; }
awk -v w="$with" -v wo="$without" -v runs="$RUNS" -v args="$ARGS" 'BEGIN {
	printf "forkcost: %s boots each (rounds,forks,MB %s): median %d ns per fork+exit+wait with kmmscand, %d without: %+.1f%%\n",
	       runs, args, w, wo, (w - wo) * 100 / wo
}'
