#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks on what we wrote: checkpatch --strict on our kernel files and
# on every patch in the series, kernel-doc warnings, and a W=1 build of our
# kernel code. Exits non-zero on any finding.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
TREE=$BUILD/linux
KOUT=$BUILD/kernel
cp="$TREE/scripts/checkpatch.pl"
bad=0

# Every check must run: a check that cannot run is a failure, not a skip.
die() { echo "lab: check: $*" >&2; exit 1; }
[ -f "$cp" ] || die "no checkpatch.pl at $cp: run 'make tree'"
[ -x "$TREE/scripts/kernel-doc" ] || die "no scripts/kernel-doc in $TREE: run 'make tree'"
command -v perl > /dev/null || die "perl is missing (make deps)"
[ -d "$TREE/mm/kmmscand" ] || die "$TREE has no mm/kmmscand: run 'make tree'"
[ -f "$KOUT/.config" ] || die "no configured kernel in $KOUT for the W=1 build: run 'make kernel'"

cd "$REPO"
files=$(find mm include kernel arch -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
for f in $files; do
	ignore=""
	# The EM()/EMe() symbol tables of trace headers are macros checkpatch
	# cannot judge (every trace header has them).
	case "$f" in include/trace/events/*) ignore="--ignore COMPLEX_MACRO,CAMELCASE" ;; esac
	# checkpatch looks for a new __setup()'s documentation in the same
	# patch, which a file on its own cannot have: look for it in the
	# assembled kernel-parameters.txt (patches/0030 adds it) instead.
	setups=$(sed -n 's/.*__setup("\([^"]*\)".*/\1/p' "$f")
	if [ -n "$setups" ]; then
		documented=1
		for s in $setups; do
			grep -qE "^[[:space:]]+$s" "$TREE/Documentation/admin-guide/kernel-parameters.txt" ||
				documented=0
		done
		[ $documented = 1 ] && ignore="--ignore UNDOCUMENTED_SETUP"
	fi
	# shellcheck disable=SC2086
	out=$(perl "$cp" --no-tree --strict --terse --show-types $ignore -f "$f" 2>&1 | grep -E 'ERROR|WARNING|CHECK')
	[ -n "$out" ] && { echo "$out"; bad=1; }
	out=$("$TREE/scripts/kernel-doc" -none -Wall "$f" 2>&1)
	[ -n "$out" ] && { echo "$out"; bad=1; }
done
for p in $(sed -e '/^#/d' -e '/^$/d' -e 's/ .*//' patches/series); do
	# Through stdin: given a path, checkpatch treats a file git tracks as
	# a source file rather than a patch.
	# EM()/EMe() are the trace headers' own macro names (see above).
	out=$(perl "$cp" --no-tree --strict --terse --show-types - < "patches/$p" 2>&1 |
		grep -E 'ERROR|WARNING|CHECK' | grep -v 'CamelCase: <EMe\?>')
	[ -n "$out" ] && { echo "patches/$p: $out"; bad=1; }
done

# Rebuild our objects with W=1 (they are up to date from the normal build).
rm -f "$KOUT"/mm/kmmscand/*.o
if ! log=$(make -C "$TREE" O="$KOUT" W=1 mm/kmmscand/ 2>&1); then
	echo "$log" | tail -20
	echo "lab: check: the W=1 build of mm/kmmscand failed"
	bad=1
elif grep -E 'warning|error' <<< "$log"; then
	bad=1
elif ! ls "$KOUT"/mm/kmmscand/*.o > /dev/null 2>&1; then
	echo "lab: check: the W=1 build produced no object in $KOUT/mm/kmmscand"
	bad=1
fi

if [ $bad = 0 ]; then
	echo "lab: check: clean ($(wc -w <<< "$files") files, $(grep -cv '^#' patches/series) patches, W=1 of mm/kmmscand)"
else
	echo "lab: check: FAILED (see above)"
fi
exit $bad
