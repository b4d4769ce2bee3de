#!/usr/bin/env bash
# Fetches and unpacks the Debian kernels of the kernel matrix into build/kernels/, once.
#
#   scripts/kernels-fetch.sh [SERIES...]      SERIES: 6.1 6.12 (default: both)
#
# For each series it picks the newest linux-image package apt knows about
# (6.1: linux-image-6.1.0-N-amd64; 6.12: linux-image-6.12.N+deb12-amd64, which
# Debian 12 ships from the bookworm-security suite), downloads it with
# `apt-get download`, unpacks it with `dpkg-deb -x` and runs `depmod -b` (the
# packages lack modules.dep). Nothing is installed on the host.
#
# Result, per kernel:  build/kernels/<uname-r>/root/   unpacked package
#                      build/kernels/<uname-r>/vmlinuz
#                      build/kernels/<uname-r>/config
# and build/kernels/<series>.release holds the chosen <uname-r>.
# KERNELS_OFFLINE=1 reuses whatever is cached without asking apt.
set -euo pipefail

cd "$(dirname "$0")/.."
top=build/kernels
mkdir -p "$top/debs"

series=("$@")
[ "${#series[@]}" -gt 0 ] || series=(6.1 6.12)

die() { echo "kernels-fetch: $*" >&2; exit 1; }

newest() {
	local re
	case "$1" in
	6.1) re='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
	6.12) re='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
	*) die "unknown series $1 (want 6.1 or 6.12)" ;;
	esac
	apt-cache search --names-only '^linux-image-6\.1' 2>/dev/null | awk '{print $1}' |
		grep -E "$re" | sort -V | tail -1
}

for s in "${series[@]}"; do
	if [ "${KERNELS_OFFLINE:-0}" = 1 ] && [ -s "$top/$s.release" ]; then
		rel=$(cat "$top/$s.release")
		[ -f "$top/$rel/vmlinuz" ] || die "offline, and $top/$rel is incomplete"
		echo "kernels-fetch: $s -> $rel (cached, offline)"
		continue
	fi
	pkg=$(newest "$s")
	if [ -z "$pkg" ]; then
		if [ "$s" = 6.12 ]; then
			die "no linux-image-6.12.*+deb12-amd64 known to apt. It comes from Debian 12's security suite: add
  'deb http://deb.debian.org/debian-security bookworm-security main' (or the deb822 equivalent) to apt's
  sources and run apt-get update."
		fi
		die "no linux-image package for $s known to apt (run apt-get update)"
	fi
	rel=${pkg#linux-image-}
	dir=$top/$rel
	if [ -f "$dir/.done" ]; then
		echo "kernels-fetch: $s -> $rel (cached)"
		echo "$rel" >"$top/$s.release"
		continue
	fi
	echo "kernels-fetch: $s -> $pkg: downloading" >&2
	(cd "$top/debs" && ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download -q "$pkg" 2>&1 >/dev/null | grep -v "unsandboxed as root" >&2; test -n "$(ls "${pkg}"_*.deb 2>/dev/null)") ||
		die "apt-get download $pkg failed"
	deb=$(ls "$top/debs/${pkg}"_*.deb | sort -V | tail -1)
	rm -rf "$dir" && mkdir -p "$dir/root"
	dpkg-deb -x "$deb" "$dir/root"
	[ -f "$dir/root/boot/vmlinuz-$rel" ] || die "$deb has no boot/vmlinuz-$rel"
	ln -sf "root/boot/vmlinuz-$rel" "$dir/vmlinuz"
	ln -sf "root/boot/config-$rel" "$dir/config"
	depmod -b "$dir/root" "$rel"
	# The matrix needs BTF (CO-RE) and tracepoints: refuse early when the config lacks them.
	for opt in CONFIG_DEBUG_INFO_BTF=y CONFIG_BPF_SYSCALL=y CONFIG_FTRACE_SYSCALLS=y; do
		grep -qx "$opt" "$dir/config" || echo "kernels-fetch: warning: $rel lacks $opt" >&2
	done
	touch "$dir/.done"
	echo "$rel" >"$top/$s.release"
	echo "kernels-fetch: $s -> $rel (fetched)"
done
