#!/usr/bin/env bash
# Builds the kernel matrix's guest initramfs for one unpacked kernel (scripts/kernels-fetch.sh).
#
#   mkinitramfs.sh KDIR TOOLS OUT.cpio [BIN]
#     KDIR   build/kernels/<uname-r>  (root/ holds the unpacked linux-image package)
#     TOOLS  directory with kwork, selfcheck, selfcheck.bpf.o, progs (static builds);
#            none: no tools (a guest that only hands its BTF out, see init.sh)
#     BIN    the daemon binary; copied with the shared libraries it needs
#   Environment: GUEST_ARCH x86_64 (default) or aarch64; BUSYBOX, the static busybox
#   for that architecture (default /bin/busybox)
#
# An aarch64 daemon's libraries come from the host's :arm64 multiarch packages, found
# by following its ELF NEEDED entries (ldd cannot run a foreign binary).
#
# Contents: static busybox, /init (init.sh), /check.sh, /tools, the
# virtio modules in load order (decompressed: busybox insmod takes plain .ko), null_blk and
# sch_netem for the accuracy checks (known delays), iproute2's tc for netem (busybox's tc cannot
# add it), the kernel config under /boot (libbpf reads it for CONFIG_ externs), and the daemon
# when given.
set -Eeuo pipefail
trap 'echo "mkinitramfs: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
KDIR=$1 TOOLS=$2 OUT=$3 BIN=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
rel=$(basename "$KDIR")
root=$KDIR/root
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

arch=${GUEST_ARCH:-x86_64}
busybox=${BUSYBOX:-/bin/busybox}

mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,run,out,tools,boot,etc,lib/modules} "$stage/sys/fs/bpf"
cp "$busybox" "$stage/bin/busybox"
[[ $(readelf -l "$busybox" 2>/dev/null) == *INTERP* ]] && {
	echo "mkinitramfs: $busybox is not static: apt-get install busybox-static" >&2
	exit 1
}
install -m 0755 "$here/init.sh" "$stage/init"
install -m 0755 "$here/check.sh" "$stage/check.sh"
if [ "$TOOLS" != none ]; then
	cp "$TOOLS/kwork" "$TOOLS/selfcheck" "$TOOLS/selfcheck.bpf.o" "$TOOLS/progs" "$stage/tools/"
fi
cp "$KDIR/config" "$stage/boot/config-$rel"
echo "root:x:0:0:root:/:/bin/sh" >"$stage/etc/passwd"

# A dynamically linked program and every library ldd resolves for it, at the same paths.
copy_dyn() {
	local src=$1 dst=$2 lib
	cp -L "$src" "$stage/$dst"
	for lib in $(ldd "$src" | awk '/=> \//{print $3} /^\s*\/lib/{print $1}'); do
		mkdir -p "$stage/$(dirname "$lib")"
		[ -e "$stage/$lib" ] || cp -L "$lib" "$stage/$lib"
	done
}
# The same for a foreign binary: its interpreter, then its NEEDED libraries, transitively,
# from the multiarch directories of its architecture.
copy_foreign() {
	local src=$1 dst=$2 todo lib name dir found
	cp -L "$src" "$stage/$dst"
	interp=$(readelf -l "$src" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	mkdir -p "$stage/$(dirname "$interp")"
	cp -L "$interp" "$stage/$interp"
	todo=("$src")
	while [ "${#todo[@]}" -gt 0 ]; do
		lib=${todo[0]}
		todo=("${todo[@]:1}")
		for name in $(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			found=''
			for dir in /lib/$arch-linux-gnu /usr/lib/$arch-linux-gnu; do
				[ -e "$dir/$name" ] && found=$dir/$name && break
			done
			[ -n "$found" ] || { echo "mkinitramfs: $name ($arch) not found for $lib" >&2; exit 1; }
			[ -e "$stage/$found" ] && continue
			mkdir -p "$stage/$(dirname "$found")"
			cp -L "$found" "$stage/$found"
			todo+=("$found")
		done
	done
}
if [ -n "$BIN" ] && [ "$arch" = "$(uname -m)" ]; then
	copy_dyn "$BIN" infra-monitor
	mkdir -p "$stage/usr/sbin"
	copy_dyn "$(command -v tc)" usr/sbin/tc
elif [ -n "$BIN" ]; then
	copy_foreign "$BIN" infra-monitor
fi
# glibc's loader also lives under /lib64 on x86_64.
if [ -d "$stage/lib64" ] || [ -e "$stage/lib/x86_64-linux-gnu/libc.so.6" ]; then
	mkdir -p "$stage/lib64"
	[ -e "$stage/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$stage/lib64/"
fi

# Virtio modules the kernel does not have built in, then null_blk (no device at load: check.sh
# makes them through configfs, each with its own delay) and sch_netem, in dependency order.
# A line of modules.order is the file then its parameters.
: >"$stage/modules.order"
for m in virtio_pci virtio_blk null_blk sch_netem; do
	modprobe -d "$root" -S "$rel" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
	name=$(basename "$ko")
	name=${name%.xz}
	name=${name%.zst}
	case "$ko" in
	*.xz) xz -dc "$ko" >"$stage/lib/modules/$name" ;;
	*.zst) zstd -qdc "$ko" >"$stage/lib/modules/$name" ;;
	*) cp "$ko" "$stage/lib/modules/$name" ;;
	esac
	case "$name" in
	null_blk.ko) echo "$name nr_devices=0" ;;
	*) echo "$name" ;;
	esac >>"$stage/modules.order"
done

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
