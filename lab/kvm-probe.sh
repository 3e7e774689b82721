#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Does KVM really boot our guest here? Nested KVM may hang before the first
# serial line, so give it a short bounded try and look for the guest's word.
set -u
[ -w /dev/kvm ] || exit 1
out=$(timeout -k 2 20 qemu-system-x86_64 -machine q35 -accel kvm -cpu host -smp 1 -m 512M \
	-kernel "$1" -initrd "$2" -append "console=ttyS0 lab.mode=probe panic=-1" \
	-no-reboot -display none -nodefaults -serial stdio -monitor none < /dev/null 2>&1)
grep -q '@@LAB-PROBE-OK@@' <<< "$out"
