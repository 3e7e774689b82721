#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Assemble the kernel tree: the pinned Debian linux-source package (or the
# user's own tree in $KSRC), our overlay of new files, and patches/series.
#
# Re-running is cheap: the overlay is synced by content, and the patch series
# is re-applied only when a patch or the series changed; files whose content
# did not change keep their timestamps, so make rebuilds only what changed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
# shellcheck source=source.pin
. "$REPO/lab/source.pin"
KVER=${LINUX_SOURCE_VERSION%%-*}

die() { echo "lab: tree: $*" >&2; exit 1; }

# Overlay folders: new files at their kernel paths. They must not replace
# upstream files (changes to those belong in patches/).
OVERLAY_DIRS=(mm include kernel arch Documentation tools)

fetch_debian_tree() {
	local dl="$BUILD/download" deb tree="$BUILD/linux-$KVER"

	if [ -f "$tree/.lab-extracted" ]; then
		echo "$tree"
		return
	fi
	mkdir -p "$dl"
	deb="$dl/${LINUX_SOURCE_PKG}_${LINUX_SOURCE_VERSION}_all.deb"
	if [ ! -f "$deb" ] || ! echo "$LINUX_SOURCE_SHA256  $deb" | sha256sum -c --quiet 2>/dev/null; then
		rm -f "$dl"/*.deb
		echo "lab: downloading $LINUX_SOURCE_PKG=$LINUX_SOURCE_VERSION" >&2
		# A fresh machine has no package lists yet: update once and retry.
		if ! (cd "$dl" && apt-get download -q "$LINUX_SOURCE_PKG=$LINUX_SOURCE_VERSION" >&2 2>"$dl/apt.log") &&
		   ! { [ "$(id -u)" = 0 ] && apt-get update -qq >&2 &&
		       (cd "$dl" && apt-get download -q "$LINUX_SOURCE_PKG=$LINUX_SOURCE_VERSION" >&2 2>"$dl/apt.log"); }; then
			cat "$dl/apt.log" >&2
			echo "lab: tree: could not download $LINUX_SOURCE_PKG=$LINUX_SOURCE_VERSION." >&2
			echo "lab: tree: Debian's archive keeps only recent versions; 'apt-cache policy $LINUX_SOURCE_PKG'" >&2
			echo "lab: tree: lists them. Move the pin in lab/source.pin (version and sha256), or" >&2
			echo "lab: tree: build on your own tree with KSRC=/path/to/linux-6.12." >&2
			exit 1
		fi
		deb=$(ls "$dl"/*.deb)
	fi
	local sum
	sum=$(sha256sum "$deb" | cut -d' ' -f1)
	if [ "$sum" != "$LINUX_SOURCE_SHA256" ]; then
		die "checksum mismatch for $(basename "$deb"):
  expected $LINUX_SOURCE_SHA256 (lab/source.pin)
  got      $sum
If you moved the pin on purpose, record the new sum in lab/source.pin."
	fi

	echo "lab: extracting $(basename "$deb")" >&2
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/$LINUX_SOURCE_PKG.tar.xz" |
		tar -xJ -C "$tree.tmp" --strip-components=1
	touch "$tree.tmp/.lab-extracted"
	mv "$tree.tmp" "$tree"
	echo "$tree"
}

# Copy overlay files whose content differs; remove ones we copied earlier
# that the repo no longer has.
sync_overlay() {
	local tree=$1 manifest=$1/.lab-overlay-files new f

	new=$(mktemp)
	(cd "$REPO" && for d in "${OVERLAY_DIRS[@]}"; do
		[ -d "$d" ] && find "$d" -type f
	done) | sort > "$new"

	if [ -f "$manifest" ]; then
		comm -23 "$manifest" "$new" | while read -r f; do
			rm -f "$tree/$f"
		done
	fi
	while read -r f; do
		if ! grep -qxF "$f" "$manifest" 2>/dev/null && [ -e "$tree/$f" ]; then
			if ! cmp -s "$REPO/$f" "$tree/$f"; then
				die "overlay file $f would replace an upstream file; change upstream files with a patch in patches/"
			fi
		fi
	done < "$new"
	(cd "$REPO" && rsync -rc --files-from="$new" . "$tree/")
	mv "$new" "$manifest"
}

patches_stamp() {
	(cd "$REPO/patches" && cat series && sed -e '/^#/d' -e '/^$/d' -e 's/ .*//' series | xargs -r cat) |
		sha256sum | cut -d' ' -f1
}

# Re-apply patches/series with quilt when it changed.
apply_patches() {
	local tree=$1 stamp saved
	stamp=$(patches_stamp)
	[ "$(cat "$tree/.lab-patches-stamp" 2>/dev/null)" = "$stamp" ] && return 0

	cd "$tree"
	export QUILT_PATCHES="$REPO/patches" QUILT_PC=.pc
	# Remember content and mtime of every file the applied patches touch.
	saved=$(mktemp)
	if [ -d .pc ]; then
		find .pc -mindepth 2 -type f | cut -d/ -f3- | sort -u |
			while read -r f; do
				[ -f "$f" ] && printf '%s %s %s\n' "$(sha256sum < "$f" | cut -c1-64)" "$(stat -c %Y "$f")" "$f"
			done > "$saved"
		if [ -n "$(quilt applied 2>/dev/null)" ]; then
			quilt pop -a -f -q >/dev/null || die "could not unapply the previous series (quilt pop -a -f in $tree)"
		fi
	fi
	rm -f .lab-patches-stamp
	while read -r p; do
		if ! out=$(quilt push -q 2>&1); then
			echo "$out" >&2
			p=$(quilt next 2>/dev/null || true)
			quilt pop -f -q >/dev/null 2>&1 || true
			die "patch ${p:-?} does not apply to $tree (fix it, or refresh it: see README 'Editing patches')"
		fi
	done < <(quilt unapplied 2>/dev/null || true)
	# Give unchanged files back their old timestamps.
	while read -r sum mtime f; do
		[ -f "$f" ] && [ "$(sha256sum < "$f" | cut -c1-64)" = "$sum" ] && touch -m -d "@$mtime" "$f"
	done < "$saved"
	rm -f "$saved"
	echo "$stamp" > .lab-patches-stamp
	echo "lab: applied $(quilt applied 2>/dev/null | wc -l) patches" >&2
}

if [ -n "${KSRC:-}" ]; then
	tree=$(cd "$KSRC" && pwd)
	[ -f "$tree/Makefile" ] && grep -q '^PATCHLEVEL = 12$' "$tree/Makefile" ||
		die "KSRC=$KSRC is not a Linux 6.12 source tree"
else
	tree=$(fetch_debian_tree)
fi
[ -f "$REPO/patches/series" ] || die "patches/series is missing"
apply_patches "$tree"
sync_overlay "$tree"
mkdir -p "$BUILD"
ln -sfn "$tree" "$BUILD/linux"
echo "lab: tree ready: $tree" >&2
