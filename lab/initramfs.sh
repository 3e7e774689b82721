#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's root: busybox-static, our init and demo, the kselftests
# (static) installed with the kselftest runner, our tools, and trace-cmd with
# the shared libraries it needs.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
TREE=$BUILD/linux
KOUT=${KOUT:-$BUILD/kernel}
ROOT=$BUILD/initramfs
OUT=$BUILD/initramfs.cpio
SELFTESTS=(kmmscand)

die() { echo "lab: initramfs: $*" >&2; exit 1; }
[ -d "$KOUT/usr/include" ] || die "no kernel headers in $KOUT/usr/include: run 'make kernel'"

rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,etc,lab}

# Kselftests, statically linked so the guest needs no libc.
ksft=$BUILD/kselftest
rm -rf "$ksft"
echo "lab: building kselftests: ${SELFTESTS[*]}"
if ! make -s -C "$TREE/tools/testing/selftests" TARGETS="${SELFTESTS[*]}" \
	O="$BUILD/kselftest-build" KHDR_INCLUDES="-isystem $KOUT/usr/include" \
	EXTRA_LDFLAGS=-static LDFLAGS=-static INSTALL_PATH="$ksft" install \
	> "$BUILD/kselftest-build.log" 2>&1; then
	grep -E 'error|Error' "$BUILD/kselftest-build.log" | head -30 >&2
	die "kselftest build failed, full log: $BUILD/kselftest-build.log"
fi
cp -a "$ksft" "$ROOT/kselftest"

# Which tests run on which topology: names ending in _t3 need T3.
: > "$ROOT/lab/tests.T2"
: > "$ROOT/lab/tests.T3"
while read -r t; do
	case "$t" in
	*_t3) echo "$t" >> "$ROOT/lab/tests.T3" ;;
	*) echo "$t" >> "$ROOT/lab/tests.T2" ;;
	esac
done < "$ksft/kselftest-list.txt"

# Userspace tools of ours (tools/mm/*), if any, static too.
if [ -f "$TREE/tools/mm/memscan.c" ]; then
	gcc -O2 -Wall -static -isystem "$KOUT/usr/include" -o "$ROOT/usr/bin/memscan" "$TREE/tools/mm/memscan.c"
fi

cp /bin/busybox "$ROOT/bin/busybox"
# The kselftest runner calls GNU 'timeout --foreground'; busybox's timeout
# has no such option (and needs none: there is no job control here).
cat > "$ROOT/usr/bin/timeout" <<'SH'
#!/bin/sh
[ "$1" = --foreground ] && shift
exec /bin/busybox timeout "$@"
SH
chmod +x "$ROOT/usr/bin/timeout"
cp "$REPO/lab/guest/init" "$ROOT/init"
cp "$REPO"/lab/guest/*.sh "$ROOT/lab/" 2>/dev/null || true
chmod +x "$ROOT/init" "$ROOT"/lab/*.sh 2>/dev/null || true

# trace-cmd and its libraries, from the host.
tc=$(command -v trace-cmd) || die "trace-cmd is not installed (make deps)"
cp "$tc" "$ROOT/usr/bin/trace-cmd"
ldd "$tc" | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }' | while read -r lib; do
	[ -f "$lib" ] || continue
	mkdir -p "$ROOT$(dirname "$lib")"
	cp -L "$lib" "$ROOT$lib"
done
# the loader, where the binaries expect it
cp -L /lib64/ld-linux-x86-64.so.2 "$ROOT/lib64/"

echo "root:x:0:0:root:/:/bin/sh" > "$ROOT/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >> "$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$ROOT/etc/group"

(cd "$ROOT" && find . -print0 | cpio --null -o -H newc --quiet) > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "lab: initramfs ready: $OUT ($(du -h "$OUT" | cut -f1))"
