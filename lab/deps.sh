#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the lab needs from Debian's archive, or print the apt-get line
# when we are not root. Fast and silent when everything is already there.
set -euo pipefail

PKGS=(
	make gcc libc6-dev flex bison bc libelf-dev libssl-dev cpio xz-utils
	quilt python3 perl rsync kmod ccache
	qemu-system-x86 busybox-static trace-cmd
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "lab: missing packages: ${missing[*]}" >&2
	echo "lab: run as root:  apt-get update && $cmd" >&2
	exit 1
fi

echo "lab: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
