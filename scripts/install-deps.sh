#!/usr/bin/env bash
# Installs every build, test and lint dependency with apt-get. Idempotent: it
# asks dpkg first and touches apt only when something is missing, so `make run`
# and `make test` can call it every time.
set -euo pipefail

packages=(
	# build
	build-essential clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
	libmicrohttpd-dev libjansson-dev libyaml-dev libcrypt-dev libcap-dev libgnutls28-dev
	# tests
	libcmocka-dev curl jq prometheus prometheus-node-exporter iproute2 util-linux
	e2fsprogs python3-jsonschema strace openssl
	# kernel matrix (tests/kernels/)
	qemu-system-x86 busybox-static cpio kmod xz-utils
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
