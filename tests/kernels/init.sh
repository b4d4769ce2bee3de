#!/bin/busybox sh
# shellcheck shell=dash
# /init of the kernel matrix's guest (busybox initramfs, see mkinitramfs.sh). Mounts what BPF
# needs, loads the virtio modules listed in /modules.order, finds the two virtio disks by serial
# (work: scratch disk for the workload; results: raw disk the results are written to as a tar),
# runs /check.sh, writes the results and powers off. With kmatrix.BTF_ONLY=1 on the kernel
# command line it only hands the kernel's BTF out (/out/vmlinux.btf: how vmlinux/<arch>/vmlinux.h
# is made for an architecture the host is not). The console carries marker lines
#   KMATRIX-BEGIN <uname -r>   and   KMATRIX-END rc=<n> kernel=<uname -r>
# that the host checks: QEMU exits 0 whatever happened in here.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mkdir -p /proc /sys /dev /tmp /run
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t bpf bpf /sys/fs/bpf
ulimit -l unlimited
# check.sh may change sysctls that cannot be switched back: only in a guest.
export KMATRIX_GUEST=1
echo "KMATRIX-BEGIN $(uname -r)"

# shellcheck disable=SC2086 # $args: the module's parameters, one word each
while read -r mod args; do
	[ -n "$mod" ] && insmod "/lib/modules/$mod" $args || echo "kmatrix: insmod $mod failed"
done </modules.order
# After the modules: configfs (null_blk's devices) comes with null_blk. cgroup2 alone, as on a
# host without v1 hierarchies, so that check.sh can enable the io and memory controllers on it.
mount -t configfs configfs /sys/kernel/config 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
ip link set lo up
# Run-time statistics on for the whole guest: bpftool then shows each program's run count.
echo 1 >/proc/sys/kernel/bpf_stats_enabled

work='' results=''
i=0
while [ $i -lt 50 ] && { [ -z "$work" ] || [ -z "$results" ]; }; do
	for s in /sys/block/vd*/serial; do
		[ -r "$s" ] || continue
		d=${s%/serial}
		d=/dev/${d##*/}
		case "$(cat "$s")" in
		work) work=$d ;;
		results) results=$d ;;
		esac
	done
	[ -n "$work" ] && [ -n "$results" ] && break
	sleep 0.1
	i=$((i + 1))
done

rc=0
if [ -z "$work" ] || [ -z "$results" ]; then
	echo "kmatrix: virtio disks not found (work='$work' results='$results')"
	ls /sys/block
	rc=2
else
	BIN=''
	[ -x /infra-monitor ] && BIN=/infra-monitor
	# Knobs of check.sh handed over on the kernel command line (kmatrix.NAME=VALUE).
	for a in $(cat /proc/cmdline); do
		case "$a" in
		kmatrix.*=*) a=${a#kmatrix.}; export "${a%%=*}=${a#*=}" ;;
		esac
	done
	if [ "${BTF_ONLY:-0}" = 1 ]; then
		cp /sys/kernel/btf/vmlinux /out/vmlinux.btf
		rc=$?
	else
		sh /check.sh /out "$work" /tools $BIN
		rc=$?
	fi
	cat /out/env /out/selfcheck.txt /out/probes.txt /out/*.meta 2>/dev/null | sed 's/^/kmatrix: /'
	tar -cf "$results" -C /out . || rc=3
	sync
fi
echo "KMATRIX-END rc=$rc kernel=$(uname -r)"
poweroff -f
