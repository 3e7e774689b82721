# SPDX-License-Identifier: GPL-2.0
# kmmscand lab: assemble Debian's linux-source-6.12 with our overlay and
# patches, build it, boot it in QEMU with a slow memory tier, and test it.
#
#   make run            boot topology T2 and show a hot buffer being promoted
#   make test           build everything, run KUnit + kselftests, print the verdict
#   make stress         minutes of churn, hotplug and fuzzing on the debug kernel
#   make help           all targets and variables

SHELL      := /bin/bash
.SHELLFLAGS := -o pipefail -c
BUILD      ?= $(CURDIR)/build
# make stress runs the debug kernel unless told otherwise
ifneq ($(filter stress,$(MAKECMDGOALS)),)
DEBUG      ?= 1
endif
DEBUG      ?= 0
TOPO       ?= T2
KSRC       ?=
DEMO_SECONDS ?= 30
COMPARE_SECONDS ?= 40
COMPARE_WORKLOAD ?= skewed
DURATION   ?= 300
export BUILD DEBUG KSRC

ifeq ($(DEBUG),1)
KOUT := $(BUILD)/kernel-debug
else
KOUT := $(BUILD)/kernel
endif
BZIMAGE := $(KOUT)/arch/x86/boot/bzImage

.PHONY: all help deps tree kernel initramfs vm run compare test stress forkcost check quilt clean distclean

all: kernel initramfs

help:
	@echo "Targets:"
	@echo "  deps       install missing Debian packages (root) or print the apt-get line"
	@echo "  tree       fetch + verify linux-source-6.12, copy the overlay, apply patches/series"
	@echo "  kernel     build bzImage (tinyconfig + configs/*.config; DEBUG=1: + debug.config)"
	@echo "  initramfs  build the guest root (busybox, kselftests, tools, trace-cmd)"
	@echo "  vm         boot an interactive guest shell (TOPO=T2|T3; Ctrl-A X quits)"
	@echo "  run        boot T2 and run the promotion demo"
	@echo "  compare    a workload under kmmscand, numa_balancing=2 and DAMON, side by side"
	@echo "  test       run KUnit and kselftests in the VM; closing line 'N passed, N failed'"
	@echo "  stress     DURATION seconds (300) of churn, hotplug, pressure and knob fuzzing (DEBUG=1 by default)"
	@echo "  forkcost   fork+exit+wait cost with and without CONFIG_KMMSCAND (RUNS=3 boots each)"
	@echo "  check      checkpatch --strict on our files and patches, W=1 build of our code"
	@echo "  quilt      run quilt in the assembled tree on patches/, e.g. make quilt Q=refresh"
	@echo "  clean      remove build outputs (keeps the downloaded package and the tree)"
	@echo "  distclean  remove the whole build folder"
	@echo "Variables: DEBUG=1  KSRC=/path/to/6.12  TOPO=T2|T3  FAST_MB=  SLOW_MB=  JOBS="
	@echo "           ONLY=coll:test,... (make test)  DEMO_SECONDS=30 (make run)  COMPARE_SECONDS=40"
	@echo "           COMPARE_WORKLOAD=skewed|fulltop (make compare)"
	@echo "           DURATION=300 (make stress)"

deps:
	@lab/deps.sh

tree: deps
	@lab/tree.sh

kernel: tree
	@lab/kernel.sh

initramfs: kernel
	@KOUT=$(KOUT) lab/initramfs.sh

vm: initramfs
	lab/vm.sh --interactive --topo $(TOPO) --kernel $(BZIMAGE) --append "lab.mode=shell"

run: initramfs
	@lab/vm.sh --topo $(TOPO) --kernel $(BZIMAGE) --timeout 600 --append "lab.mode=demo quiet lab.demo_seconds=$(DEMO_SECONDS)" | \
		sed -un '/^== /,/@@LAB-DMESG-BEGIN@@/p' | grep --line-buffered -v '@@LAB-'

compare: initramfs
	@lab/vm.sh --topo T2 --kernel $(BZIMAGE) --timeout 1200 --append "lab.mode=compare quiet lab.compare_seconds=$(COMPARE_SECONDS) lab.compare_workload=$(COMPARE_WORKLOAD)" | \
		sed -un '/^== /,/@@LAB-DMESG-BEGIN@@/p' | grep --line-buffered -v '@@LAB-' | grep --line-buffered -v '^skewbuf: *[0-9.]* s '

test: initramfs
	@lab/run-tests.py $(if $(filter 1,$(DEBUG)),--debug) $(if $(ONLY),--only $(ONLY))

stress: initramfs
	@lab/run-tests.py --stress $(DURATION) $(if $(filter 1,$(DEBUG)),--debug)

forkcost: initramfs
	@lab/forkcost.sh

check: kernel
	@lab/check.sh

quilt: tree
	cd $(BUILD)/linux && QUILT_PATCHES=$(CURDIR)/patches QUILT_PC=.pc quilt $(Q)

clean:
	rm -rf $(BUILD)/kernel $(BUILD)/kernel-debug $(BUILD)/kernel-nokmmscand $(BUILD)/initramfs $(BUILD)/initramfs.cpio \
		$(BUILD)/kselftest $(BUILD)/kselftest-build $(BUILD)/logs

distclean:
	rm -rf $(BUILD)
