#!/usr/bin/env bash
# The kernel matrix: the daemon's BPF programs loaded, attached and counting on Debian 12's newest
# 6.1, Debian's 6.12 (both in QEMU guests) and the running kernel (natively). `make test-kernels`
# runs it (tests/kernels/kernels.mk).
#
#   scripts/kernels-matrix.sh [KERNEL...]     KERNEL: 6.1 6.12 host (default: all three)
#
# Environment:
#   KERNELS_BIN      daemon to test (default: build/infra-monitor when it exists; empty or none: only the
#                    harness's self-check and workload probes)
#   KERNELS_ACCEL    tcg (default) or kvm. KVM is a paravirtual nested hypervisor on the development
#                    machine and does not boot stock kernels there, so TCG is the default.
#   KERNELS_TIMEOUT  seconds per guest (default 240)
#   KERNELS_DOC      table to write (default docs/kernels.md; empty: do not write)
#   KERNELS_OFFLINE  1: use the cached kernels, do not ask apt
#   RUNGS            hook rungs to force, in the guest and on the host (default: auto tp_btf raw_tp tracepoint)
# Exit status: 0 when the self-check passed everywhere and, with a daemon, every program attached and
# counted on every kernel and rung; 1 otherwise; 2 when the harness itself could not run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
top=build/kernels
tools=$top/tools
res=$top/results
kernels=("$@")
[ "${#kernels[@]}" -gt 0 ] || kernels=(6.1 6.12 host)
accel=${KERNELS_ACCEL:-tcg}
tmo=${KERNELS_TIMEOUT:-240}
bin=${KERNELS_BIN-auto}
if [ "$bin" = auto ]; then
	bin=''
	[ -x build/infra-monitor ] && bin=build/infra-monitor
fi
[ "$bin" = none ] && bin=
doc=${KERNELS_DOC-docs/kernels.md}
export RUNGS=${RUNGS:-auto tp_btf raw_tp tracepoint}

say() { printf 'kernels: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }
now() { date +%s.%N; }
t_all=$(now)

[ "$(id -u)" = 0 ] || die "must run as root (BPF, loop devices)"
for c in qemu-system-x86_64 clang bpftool cpio xz depmod python3; do
	command -v "$c" >/dev/null || die "missing $c (apt-get install qemu-system-x86 busybox-static cpio kmod xz-utils clang bpftool python3)"
done
[ -x /bin/busybox ] || die "missing /bin/busybox (apt-get install busybox-static)"

# 1. Kernels.
vms=()
for k in "${kernels[@]}"; do [ "$k" = host ] || vms+=("$k"); done
if [ "${#vms[@]}" -gt 0 ]; then
	scripts/kernels-fetch.sh "${vms[@]}" || die "fetching kernels failed"
fi

# 2. The harness's own tools: static, so that a bare busybox guest runs them.
mkdir -p "$tools"
build_tools() {
	local src=tests/kernels
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ivmlinux/x86_64 -Wall -Werror \
		-c $src/selfcheck.bpf.c -o $tools/selfcheck.bpf.o &&
		cc -O2 -Wall -Wextra -Werror -static $src/selfcheck.c -lbpf -lelf -lz -o $tools/selfcheck &&
		cc -O2 -Wall -Wextra -Werror -static $src/progs.c -lbpf -lelf -lz -o $tools/progs &&
		cc -O2 -Wall -Wextra -Werror -static $src/kwork.c -o $tools/kwork
}
build_tools || die "building the harness tools failed"
if [ -n "$bin" ]; then
	[ -x "$bin" ] || die "KERNELS_BIN=$bin is not executable"
	say "daemon: $bin"
else
	say "daemon: none (build/infra-monitor absent): self-check only"
fi

# 3. One kernel at a time.
rm -rf "$res"
# boot_guest KERNEL OUT KDIR KNOBS: one QEMU boot, console in OUT/console.log.
# Returns QEMU's status, or 124 when the guest ran past $tmo or its kernel
# reported a CPU stuck for a minute (it will not finish; no need to wait out
# the clock).
boot_guest() {
	local k=$1 out=$2 kdir=$3 knobs=$4 qpid stuck start=$SECONDS
	# shellcheck disable=SC2054 # "tcg,thread=multi" is one argument
	local accel_args=(-accel tcg,thread=multi -cpu max)
	[ "$accel" = kvm ] && accel_args=(-accel kvm -cpu host)
	rm -f "$out/work.img" "$out/results.img" "$out/console.log"
	truncate -s 64M "$out/work.img"
	truncate -s 32M "$out/results.img"
	qemu-system-x86_64 "${accel_args[@]}" -smp 2 -m 1024 -nic none \
		-no-reboot -display none -monitor none -serial "file:$out/console.log" \
		-kernel "$kdir/vmlinuz" -initrd "$kdir/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 rdinit=/init quiet loglevel=3 $knobs" \
		-drive if=none,id=work,file="$out/work.img",format=raw,cache=unsafe \
		-device virtio-blk-pci,drive=work,serial=work \
		-drive if=none,id=results,file="$out/results.img",format=raw,cache=writeback \
		-device virtio-blk-pci,drive=results,serial=results \
		</dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	while kill -0 "$qpid" 2>/dev/null; do
		if [ $((SECONDS - start)) -ge "$tmo" ]; then
			say "$k: guest timed out after ${tmo}s"
			break
		fi
		# A loaded host can starve a vCPU for a while and the guest
		# recovers; a CPU stuck for a minute does not.
		stuck=$(grep -ao 'soft lockup - CPU#[0-9]* stuck for [0-9]*s' "$out/console.log" \
			2>/dev/null | grep -o '[0-9]*s$' | tr -d s | sort -n | tail -1)
		if [ "${stuck:-0}" -ge 60 ]; then
			say "$k: guest kernel reports a CPU stuck for ${stuck}s"
			break
		fi
		sleep 1
	done
	if kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid"
		wait "$qpid" 2>/dev/null
		return 124
	fi
	wait "$qpid"
}

mkdir -p "$res"
: >"$res/timing"
fail=0
for k in "${kernels[@]}"; do
	out=$res/$k
	mkdir -p "$out"
	t0=$(now)
	if [ "$k" = host ]; then
		img=$top/host-work.img
		truncate -s 64M "$img"
		loop=$(losetup -f --show --direct-io=on "$img") || die "losetup failed"
		say "host $(uname -r): natively, disk $loop"
		# A port of our own: the host is shared, 9947 may be taken.
		PORT=$((20000 + $$ % 20000)) sh tests/kernels/check.sh "$out/r" "$loop" "$(cd "$tools" && pwd)" "${bin:+$(realpath "$bin")}" \
			>"$out/console.log" 2>&1
		hrc=$?
		cat "$out/r/env" "$out/r/selfcheck.txt" "$out/r/probes.txt" "$out"/r/*.meta 2>/dev/null |
			sed 's/^/kmatrix: /' >>"$out/console.log"
		echo "KMATRIX-END rc=$hrc kernel=$(uname -r)" >>"$out/console.log"
		losetup -d "$loop"
		rm -f "$img"
	else
		rel=$(cat "$top/$k.release")
		kdir=$top/$rel
		say "$k ($rel): guest, $accel"
		tests/kernels/mkinitramfs.sh "$kdir" "$tools" "$kdir/initramfs.cpio" "${bin:-}" ||
			die "initramfs for $rel failed"
		# check.sh's knobs travel on the kernel command line; RUNGS with commas for spaces.
		knobs="kmatrix.RUNGS=$(echo $RUNGS | tr ' ' ,)"
		for v in READY_S KWORK_DISK_IOS KWORK_TCP KWORK_RST KWORK_CPU_MS; do
			[ -n "${!v:-}" ] && knobs="$knobs kmatrix.$v=${!v}"
		done
		# The emulated guest itself rarely wedges (a soft lockup in the guest
		# kernel under TCG, seen once in about ten boots, never tied to one
		# program): such a boot ends without the KMATRIX-END marker and is
		# tried once more, said in the output. A guest that finishes with a
		# failing program is never retried.
		for attempt in 1 2; do
			boot_guest "$k" "$out" "$kdir" "$knobs"
			qrc=$?
			grep -aq 'KMATRIX-END rc=' "$out/console.log" && break
			[ $attempt = 2 ] && break
			mv "$out/console.log" "$out/console.attempt$attempt.log"
			say "$k: guest did not finish (attempt $attempt, see $out/console.attempt$attempt.log); booting it once more"
		done
		echo "qemu_rc=$qrc" >"$out/qemu.rc"
		mkdir -p "$out/r"
		tar -xf "$out/results.img" -C "$out/r" 2>/dev/null || say "$k: no results on the results disk"
		rm -f "$out/work.img" "$out/results.img"
	fi
	t1=$(now)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	echo "$k $secs" >>"$res/timing"
	marker=$(grep -a -o 'KMATRIX-END rc=[0-9]*' "$out/console.log" | tail -1)
	if [ -z "$marker" ]; then
		say "$k: no KMATRIX-END marker on the console (${secs}s); see $out/console.log"
		fail=1
	else
		say "$k: ${marker#KMATRIX-END } in ${secs}s"
	fi
done
total=$(awk -v a="$t_all" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
echo "total $total" >>"$res/timing"
say "matrix time: ${total}s"

# 4. The table, and the verdict.
version=''
[ -n "$bin" ] && version=$("$bin" --version 2>&1 | head -1)
python3 tests/kernels/report.py "$res" ${doc:+--doc "$doc"} --daemon "${bin:-}" --version "$version" || fail=1
exit $fail
