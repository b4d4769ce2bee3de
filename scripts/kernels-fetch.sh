#!/usr/bin/env bash
# Fetches and unpacks the Debian kernels of the kernel matrix into build/kernels/, once.
#
#   scripts/kernels-fetch.sh [SERIES...]      SERIES: 5.10 6.1 6.12 arm64-6.1 (default: all)
#
# For each series it picks the newest linux-image package apt knows about
# (5.10: Debian 11's linux-image-5.10.0-N-amd64; 6.1: linux-image-6.1.0-N-amd64;
# 6.12: linux-image-6.12.N+deb12-amd64, which Debian 12 ships from the
# bookworm-security suite; arm64-6.1: Debian 12's linux-image-6.1.0-N-arm64),
# downloads it with `apt-get download`, unpacks it with `dpkg-deb -x` and runs
# `depmod -b` (the packages lack modules.dep). Nothing is installed on the host.
#
# 6.1 and 6.12 come through the host's own apt sources. 5.10 (bullseye) and the
# arm64 packages come through a sources list private to this script, with its
# own lists and cache under build/kernels/apt/: the host's apt is untouched.
# arm64-6.1 also brings Debian 12's arm64 busybox-static (build/kernels/arm64-busybox/),
# the arm64 guest's shell.
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
[ "${#series[@]}" -gt 0 ] || series=(5.10 6.1 6.12 arm64-6.1)

die() { echo "kernels-fetch: $*" >&2; exit 1; }

# The private apt: Debian 11 for amd64 and Debian 12 for arm64, keys from debian-archive-keyring.
papt=$(pwd)/$top/apt
key=/usr/share/keyrings/debian-archive-keyring.gpg
mkdir -p "$papt/lists/partial" "$papt/cache/archives/partial" "$papt/parts"
{
	echo "deb [arch=amd64 signed-by=$key] http://deb.debian.org/debian bullseye main"
	echo "deb [arch=amd64 signed-by=$key] http://deb.debian.org/debian-security bullseye-security main"
	echo "deb [arch=arm64 signed-by=$key] http://deb.debian.org/debian bookworm main"
	echo "deb [arch=arm64 signed-by=$key] http://deb.debian.org/debian-security bookworm-security main"
} >"$papt/sources.list"
private=(-o "Dir::Etc::SourceList=$papt/sources.list" -o "Dir::Etc::SourceParts=$papt/parts"
	-o "Dir::State::Lists=$papt/lists" -o "Dir::Cache=$papt/cache"
	-o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64")

# uses_private SERIES: true when that series comes through the private sources.
uses_private() { case "$1" in 5.10 | arm64-*) return 0 ;; esac; return 1; }
apt_cmd() { # apt_cmd SERIES apt-get|apt-cache ARGS...
	local s=$1 cmd=$2
	shift 2
	if uses_private "$s"; then "$cmd" "${private[@]}" "$@"; else "$cmd" "$@"; fi
}

series_re() { # the package names of a series
	case "$1" in
	5.10) echo '^linux-image-5\.10\.0-[0-9]+-amd64$' ;;
	6.1) echo '^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
	arm64-6.1) echo '^linux-image-6\.1\.0-[0-9]+-arm64$' ;;
	*) die "unknown series $1 (want 5.10, 6.1, 6.12 or arm64-6.1)" ;;
	esac
}

newest() {
	local re
	re=$(series_re "$1")
	apt_cmd "$1" apt-cache search --names-only '^linux-image-[56]\.1' 2>/dev/null | awk '{print $1}' |
		{ grep -E "$re" || true; } | sort -V | tail -1
}

# apt's lists may be missing (a fresh machine) or stale (the newest package already replaced on the
# mirror): refresh them once per set of sources, then try again.
updated=''
apt_update() { # apt_update SERIES
	local which=host
	uses_private "$1" && which=private
	case " $updated " in *" $which "*) return 1 ;; esac
	echo "kernels-fetch: apt-get update ($which sources)" >&2
	apt_cmd "$1" apt-get update -qq >/dev/null 2>&1 || true
	updated="$updated $which"
}
download() { # download SERIES PACKAGE[:ARCH]
	(cd "$top/debs" && apt_cmd "$1" apt-get download -q "$2" 2>&1 >/dev/null |
		grep -v "unsandboxed as root" >&2
	 ls "${2%:*}"_*.deb >/dev/null 2>&1)
}

arm64_busybox() {
	local dir=$top/arm64-busybox deb
	[ -x "$dir/bin/busybox" ] && return 0
	[ "${KERNELS_OFFLINE:-0}" = 1 ] && die "offline, and $dir has no arm64 busybox"
	download arm64-6.1 busybox-static:arm64 ||
		{ apt_update arm64-6.1 && download arm64-6.1 busybox-static:arm64; } ||
		die "apt-get download busybox-static:arm64 failed"
	deb=$(ls "$top"/debs/busybox-static_*_arm64.deb | sort -V | tail -1)
	rm -rf "$dir" && mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir"
	[ -x "$dir/bin/busybox" ] || die "$deb has no bin/busybox"
}

for s in "${series[@]}"; do
	case "$s" in arm64-*) arm64_busybox ;; esac
	if [ "${KERNELS_OFFLINE:-0}" = 1 ] && [ -s "$top/$s.release" ]; then
		rel=$(cat "$top/$s.release")
		[ -f "$top/$rel/vmlinuz" ] || die "offline, and $top/$rel is incomplete"
		echo "kernels-fetch: $s -> $rel (cached, offline)"
		continue
	fi
	pkg=$(newest "$s")
	[ -n "$pkg" ] || { apt_update "$s" && pkg=$(newest "$s"); }
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
	arch=''
	case "$s" in arm64-*) arch=:arm64 ;; esac
	if [ -f "$dir/.done" ]; then
		echo "kernels-fetch: $s -> $rel (cached)"
		echo "$rel" >"$top/$s.release"
		continue
	fi
	echo "kernels-fetch: $s -> $pkg: fetching" >&2
	if ! ls "$top/debs/${pkg}"_*.deb >/dev/null 2>&1; then
		download "$s" "$pkg$arch" || { apt_update "$s" && pkg=$(newest "$s") && rel=${pkg#linux-image-} &&
			dir=$top/$rel && download "$s" "$pkg$arch"; } || die "apt-get download $pkg failed"
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
	re=$(series_re "$s")
	for old in "$top"/debs/linux-image-*.deb "$top"/*/; do
		name=${old%/}
		name=${name##*/}
		name=${name%%_*}
		case "$name" in linux-image-*) ;; *) name=linux-image-$name ;; esac
		[[ $name =~ $re ]] && [ "$name" != "$pkg" ] && rm -rf "$old"
	done
	echo "kernels-fetch: $s -> $rel (fetched)"
done
