#!/usr/bin/env bash
# Installs build, test and deployment dependencies with apt-get. Idempotent:
# it asks dpkg first and touches apt only when something is missing, so every
# make target and script can call it each time.
#
#   scripts/install-deps.sh [GROUP...]    groups: build test kernels arm64 lint container e2e bench all
#                                         (default: build test kernels arm64, what `make test`
#                                         needs before lint and e2e install their own)
# arm64: the kernel matrix's arm64 guest (QEMU) and the cross-built daemon it runs (`make
# ARCH=aarch64`: Debian's cross compiler and the :arm64 multiarch -dev packages, for which
# dpkg gets the arm64 architecture added).
set -Eeuo pipefail
trap 'echo "install-deps: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

declare -A groups=(
	[build]="build-essential clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
		libmicrohttpd-dev libjansson-dev libyaml-dev libcrypt-dev libcap-dev libgnutls28-dev"
	[test]="libcmocka-dev libclang-rt-14-dev curl jq prometheus prometheus-node-exporter iproute2
		util-linux e2fsprogs btrfs-progs python3-jsonschema strace openssl valgrind wrk python3-fusepy bc procps
		protobuf-compiler libprotobuf-dev python3-protobuf golang-github-prometheus-client-model-dev
		python3-prometheus-client"
	[kernels]="qemu-system-x86 busybox-static cpio kmod xz-utils zstd"
	[arm64]="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross libbpf-dev:arm64
		libelf-dev:arm64 zlib1g-dev:arm64 libmicrohttpd-dev:arm64 libjansson-dev:arm64
		libyaml-dev:arm64 libcrypt-dev:arm64 libgnutls28-dev:arm64"
	[bench]="bpftrace linux-perf wrk hyperfine prometheus-node-exporter"
	[lint]="yamllint shellcheck shfmt cppcheck docker-compose systemd prometheus groff-base man-db
		nodejs npm jq"
	[container]="podman buildah runc debootstrap uidmap fuse-overlayfs"
	[e2e]="prometheus curl jq python3 python3-yaml docker-compose gzip podman buildah runc
		debootstrap uidmap fuse-overlayfs gcovr"
)
wanted=("$@")
[ "${#wanted[@]}" -gt 0 ] || wanted=(build test kernels arm64)
[ "${wanted[*]}" = all ] && wanted=("${!groups[@]}")

missing=()
for g in "${wanted[@]}"; do
	[ -n "${groups[$g]:-}" ] || { echo "install-deps: unknown group '$g'" >&2; exit 2; }
	for p in ${groups[$g]}; do
		# node may come from outside Debian under the same name; any node on
		# PATH will do.
		if [ "$p" = nodejs ] || [ "$p" = npm ]; then
			command -v "${p/nodejs/node}" >/dev/null && continue
		fi
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
done
[ "${#missing[@]}" -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if printf '%s\n' "${missing[@]}" | grep -q ':arm64$' && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	"${sudo[@]}" dpkg --add-architecture arm64
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
