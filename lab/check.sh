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

cd "$REPO"
files=$(find mm include kernel arch -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
for f in $files; do
	ignore=""
	# The EM()/EMe() symbol tables of trace headers are macros checkpatch
	# cannot judge (every trace header has them).
	case "$f" in include/trace/events/*) ignore="--ignore COMPLEX_MACRO,CAMELCASE" ;; esac
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

if [ -d "$TREE/mm/kmmscand" ] && [ -f "$KOUT/.config" ]; then
	log=$(make -C "$TREE" O="$KOUT" W=1 mm/kmmscand/ 2>&1)
	if grep -E 'warning|error' <<< "$log"; then
		bad=1
	fi
fi

if [ $bad = 0 ]; then
	echo "lab: check: clean ($(wc -w <<< "$files") files, $(grep -cv '^#' patches/series) patches)"
fi
exit $bad
