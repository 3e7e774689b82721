#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build bzImage: tinyconfig + configs/*.config (+ debug.config
# with DEBUG=1) in its own output folder. Every fragment line must survive
# olddefconfig, or the build stops and names the line.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
TREE=$BUILD/linux
DEBUG=${DEBUG:-0}
# VARIANT=name: configs/variants/name.config on top, built in
# $BUILD/kernel-name (make forkcost builds VARIANT=nokmmscand).
VARIANT=${VARIANT:-}
if [ "$DEBUG" = 1 ]; then
	OUT=$BUILD/kernel-debug
else
	OUT=$BUILD/kernel
fi
[ -n "$VARIANT" ] && OUT=$BUILD/kernel-$VARIANT
JOBS=${JOBS:-$(nproc)}

die() { echo "lab: kernel: $*" >&2; exit 1; }
[ -f "$TREE/Makefile" ] || die "no tree at $TREE: run 'make tree'"

# A variant names the fragments it replaces: "# lab-drop: NAME.config".
drop=" debug.config "
if [ -n "$VARIANT" ] && [ -f "$REPO/configs/variants/$VARIANT.config" ]; then
	drop+="$(sed -n 's/^# lab-drop: *//p' "$REPO/configs/variants/$VARIANT.config" | tr '\n' ' ') "
fi
fragments=()
for f in "$REPO"/configs/*.config; do
	case "$drop" in *" $(basename "$f") "*) continue ;; esac
	fragments+=("$f")
done
[ "$DEBUG" = 1 ] && fragments+=("$REPO/configs/debug.config")
if [ -n "$VARIANT" ]; then
	[ -f "$REPO/configs/variants/$VARIANT.config" ] ||
		die "no configs/variants/$VARIANT.config"
	fragments+=("$REPO/configs/variants/$VARIANT.config")
fi

make_args=(-C "$TREE" O="$OUT" ARCH=x86_64)
if command -v ccache >/dev/null && [ "${CCACHE:-1}" != 0 ]; then
	make_args+=(CC="ccache gcc")
fi

# Reconfigure only when a fragment changed (or on the first build).
stamp=$(cat "${fragments[@]}" | sha256sum | cut -d' ' -f1)
mkdir -p "$OUT"
if [ "$(cat "$OUT/.lab-config-stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$OUT/.config" ] ||
   [ "$TREE/Makefile" -nt "$OUT/.config" ] || [ -n "$(find "$TREE" -name 'Kconfig*' -newer "$OUT/.config" -print -quit)" ]; then
	echo "lab: configuring $OUT"
	make -s "${make_args[@]}" tinyconfig >/dev/null
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" "${fragments[@]}" >/dev/null
	make -s "${make_args[@]}" olddefconfig >/dev/null
	bad=0
	for f in "${fragments[@]}"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*)
				grep -qxF "$line" "$OUT/.config" || {
					echo "lab: kernel: $(basename "$f"): '$line' is not in the final .config (unmet dependency?)" >&2
					bad=1
				} ;;
			"# CONFIG_"*" is not set")
				sym=${line#\# }; sym=${sym%% *}
				grep -q "^$sym=" "$OUT/.config" && {
					echo "lab: kernel: $(basename "$f"): '$line' but .config has $(grep "^$sym=" "$OUT/.config")" >&2
					bad=1
				} ;;
			esac
		done < "$f"
	done
	[ $bad = 0 ] || { rm -f "$OUT/.lab-config-stamp"; die "config fragments were not honoured"; }
	echo "$stamp" > "$OUT/.lab-config-stamp"
fi

echo "lab: building $OUT/arch/x86/boot/bzImage (-j$JOBS)"
log=$OUT/build.log
if ! make "${make_args[@]}" -j"$JOBS" bzImage > "$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -30 >&2
	die "build failed, full log: $log"
fi
# Our own files must build without warnings. With O= the compiler names
# them by their path in the tree, relative or absolute.
if grep -E '(^|/)(mm/kmmscand/|include/linux/kmmscand\.h|include/trace/events/kmmscand\.h)[^ ]*: warning' "$log" >&2; then
	die "warnings in our files (see above, full log: $log)"
fi
make -s "${make_args[@]}" headers >/dev/null
echo "lab: kernel ready: $OUT/arch/x86/boot/bzImage"
