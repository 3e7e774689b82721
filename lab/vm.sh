#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a lab kernel in QEMU with a tiered NUMA topology described by ACPI
# SRAT/SLIT/HMAT, so the kernel puts the CPU-less node in a lower memory tier.
#
#   T2: node0 = 2 CPUs + DRAM, node1 = CPU-less slow memory
#   T3: node0 = CPU0 + DRAM, node1 = CPU1 + DRAM, node2 = CPU-less slow memory
#
# Usage: vm.sh [--topo T2|T3] [--kernel bzImage] [--initrd cpio] [--append ARGS]
#              [--timeout SECONDS] [--fast-mb N] [--slow-mb N] [--interactive]
# The guest's serial console is this script's stdout. A guest still running
# at the timeout is killed and the script exits 124.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
TOPO=${TOPO:-T2}
KERNEL=$BUILD/kernel/arch/x86/boot/bzImage
INITRD=$BUILD/initramfs.cpio
APPEND=""
TIMEOUT=${VM_TIMEOUT:-900}
FAST_MB=${FAST_MB:-1024}
SLOW_MB=${SLOW_MB:-1024}
INTERACTIVE=0
ACCEL=${ACCEL:-tcg}

while [ $# -gt 0 ]; do
	case "$1" in
	--topo) TOPO=$2; shift ;;
	--kernel) KERNEL=$2; shift ;;
	--initrd) INITRD=$2; shift ;;
	--append) APPEND=$2; shift ;;
	--timeout) TIMEOUT=$2; shift ;;
	--fast-mb) FAST_MB=$2; shift ;;
	--slow-mb) SLOW_MB=$2; shift ;;
	--interactive) INTERACTIVE=1 ;;
	*) echo "vm.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done

for f in "$KERNEL" "$INITRD"; do
	[ -f "$f" ] || { echo "vm.sh: $f is missing (make kernel / make initramfs)" >&2; exit 2; }
done

# Latencies in ns and bandwidths per initiator -> target: DRAM is local and
# fast, the slow node is 4x the latency and a quarter of the bandwidth, which
# the kernel's HMAT-based abstract distance puts in a lower tier.
hmat() { # initiator target latency_ns bandwidth
	numa+=(-numa "hmat-lb,initiator=$1,target=$2,hierarchy=memory,data-type=access-latency,latency=$3"
	       -numa "hmat-lb,initiator=$1,target=$2,hierarchy=memory,data-type=access-bandwidth,bandwidth=$4")
}

numa=()
case "$TOPO" in
T2)
	SMP=2
	numa+=(-object "memory-backend-ram,id=m0,size=${FAST_MB}M"
	       -object "memory-backend-ram,id=m1,size=${SLOW_MB}M"
	       -numa node,nodeid=0,cpus=0-1,memdev=m0,initiator=0
	       -numa node,nodeid=1,memdev=m1,initiator=0
	       -numa dist,src=0,dst=1,val=20)
	hmat 0 0 100 20G
	hmat 0 1 400 5G
	MEM=$((FAST_MB + SLOW_MB))
	;;
T3)
	# One socket per node, so no cache is shared across nodes.
	SMP=2,sockets=2,cores=1,threads=1
	numa+=(-object "memory-backend-ram,id=m0,size=${FAST_MB}M"
	       -object "memory-backend-ram,id=m1,size=${FAST_MB}M"
	       -object "memory-backend-ram,id=m2,size=${SLOW_MB}M"
	       -numa node,nodeid=0,cpus=0,memdev=m0,initiator=0
	       -numa node,nodeid=1,cpus=1,memdev=m1,initiator=1
	       -numa node,nodeid=2,memdev=m2,initiator=0
	       -numa dist,src=0,dst=1,val=20
	       -numa dist,src=0,dst=2,val=30
	       -numa dist,src=1,dst=2,val=30)
	hmat 0 0 100 20G
	hmat 0 1 150 15G
	hmat 0 2 400 5G
	hmat 1 0 150 15G
	hmat 1 1 100 20G
	hmat 1 2 400 5G
	MEM=$((2 * FAST_MB + SLOW_MB))
	;;
*) echo "vm.sh: unknown topology '$TOPO' (T2 or T3)" >&2; exit 2 ;;
esac

accel=(-accel tcg,thread=multi,tb-size=256)
if [ "$ACCEL" = kvm ]; then
	# Nested KVM hangs on some hosts: use it only if a short probe boots.
	if "$REPO/lab/kvm-probe.sh" "$KERNEL" "$INITRD"; then
		accel=(-accel kvm -cpu host)
	else
		echo "vm.sh: KVM probe failed, using TCG" >&2
	fi
fi

cmdline="console=ttyS0 loglevel=5 panic=-1 lab.topo=$TOPO $APPEND"
qemu=(qemu-system-x86_64 -machine q35,hmat=on "${accel[@]}" -smp "$SMP" -m "${MEM}M"
      "${numa[@]}" -kernel "$KERNEL" -initrd "$INITRD" -append "$cmdline"
      -no-reboot -display none -nodefaults -monitor none)

if [ $INTERACTIVE = 1 ]; then
	# The console multiplexed with QEMU's monitor: Ctrl-A X quits.
	exec "${qemu[@]}" -serial mon:stdio
fi
exec timeout --foreground -k 10 "$TIMEOUT" "${qemu[@]}" -serial stdio < /dev/null
