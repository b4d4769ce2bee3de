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
set -Eeuo pipefail
trap 'echo "kernels-fetch: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

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
		grep -E "$re" | sort -V | tail -1 || true   # none known: the caller says what to do
}

# apt's lists may be missing (a fresh machine) or stale (the newest package already replaced on the
# mirror): refresh them once, then try again.
updated=0
apt_update() {
	[ "$updated" = 1 ] && return 1
	echo "kernels-fetch: apt-get update" >&2
	apt-get update -qq >/dev/null 2>&1 || true
	updated=1
}
download() {
	(cd "$top/debs" && apt-get download -q "$1" 2>&1 >/dev/null | grep -v "unsandboxed as root" >&2
	 ls "$1"_*.deb >/dev/null 2>&1)
}

for s in "${series[@]}"; do
	if [ "${KERNELS_OFFLINE:-0}" = 1 ] && [ -s "$top/$s.release" ]; then
		rel=$(cat "$top/$s.release")
		[ -f "$top/$rel/vmlinuz" ] || die "offline, and $top/$rel is incomplete"
		echo "kernels-fetch: $s -> $rel (cached, offline)"
		continue
	fi
	pkg=$(newest "$s")
	[ -n "$pkg" ] || { apt_update && pkg=$(newest "$s"); }
	if [ -z "$pkg" ]; then
		if [ "$s" = 6.12 ]; then
			die "no linux-image-6.12.*+deb12-amd64 known to apt. Debian 12 ships it from its security
  suite: add the bookworm-security suite (component main) of Debian's security archive to apt's
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
	echo "kernels-fetch: $s -> $pkg: fetching" >&2
	if ! ls "$top/debs/${pkg}"_*.deb >/dev/null 2>&1; then
		download "$pkg" || { apt_update && pkg=$(newest "$s") && rel=${pkg#linux-image-} && dir=$top/$rel &&
			download "$pkg"; } || die "apt-get download $pkg failed"
	fi
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
	# An older kernel of the same series is no longer needed.
	for old in "$top"/debs/linux-image-"$s"[.-]*.deb "$top"/"$s"[.-]*/; do
		case "$old" in
		*"/$pkg"_*.deb | "$top/$rel/") ;;
		*) [ -e "$old" ] && rm -rf "$old" ;;
		esac
	done
	echo "kernels-fetch: $s -> $rel (fetched)"
done
