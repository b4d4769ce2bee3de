#!/usr/bin/env bash
# The kernel matrix: the daemon's BPF programs loaded, attached and counting on Debian 11's 5.10,
# Debian 12's newest 6.1, Debian's 6.12, Debian 12's arm64 6.1 (all in QEMU guests) and the running
# kernel (natively). `make test-kernels` runs it (tests/kernels/kernels.mk).
#
#   scripts/kernels-matrix.sh [KERNEL...]     KERNEL: 5.10 6.1 6.12 arm64-6.1 host (default: all)
#   scripts/kernels-matrix.sh --vmlinux KERNEL
#       boots that guest only to read its /sys/kernel/btf/vmlinux and writes
#       vmlinux/<arch>/vmlinux.h from it (how vmlinux/aarch64/ is made on an amd64 host)
#
# Environment:
#   KERNELS_BIN      daemon to test (default: build/infra-monitor when it exists; empty or none: only the
#                    harness's self-check and workload probes)
#   KERNELS_BIN_AARCH64  the daemon for arm64 guests (default: build/aarch64/infra-monitor when it
#                    exists, `make ARCH=aarch64`)
#   KERNELS_ACCEL    tcg (default) or kvm. KVM is a paravirtual nested hypervisor on the development
#                    machine and does not boot stock kernels there, so TCG is the default.
#   KERNELS_TIMEOUT  seconds per guest (default 240)
#   KERNELS_DOC      table to write (default docs/kernels.md; empty: do not write)
#   KERNELS_OFFLINE  1: use the cached kernels, do not ask apt
#   KERNELS_RESULTS  results directory (default build/kernels/results; emptied first)
#   RUNGS            hook rungs to force, in the guest and on the host (default: auto tp_btf raw_tp tracepoint)
#   KERNELS_LOCKDOWN the guest kernels among those run that boot twice more, with lockdown=integrity
#                    and lockdown=confidentiality, as KERNEL-lockdown-MODE (default: 6.1; empty: none)
#   KERNELS_FOREIGN_NICE  the nice value of a guest of another architecture than the host's, which
#                    runs beside the others (default 19)
# Exit status: 0 when the self-check passed everywhere and, with a daemon, every program attached and
# counted on every kernel and rung; 1 otherwise; 2 when the harness itself could not run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
top=build/kernels
tools=$top/tools
res=${KERNELS_RESULTS:-$top/results}
vmlinux_only=0
if [ "${1:-}" = --vmlinux ]; then
	vmlinux_only=1
	res=$top/results-vmlinux
	shift
	[ $# = 1 ] || { echo "usage: $0 --vmlinux KERNEL" >&2; exit 2; }
fi
kernels=("$@")
[ "${#kernels[@]}" -gt 0 ] || kernels=(5.10 6.1 6.12 arm64-6.1 host)
# Lockdown (issue 12) on one kernel is enough: the LSM is the same code on all of them.
if [ $vmlinux_only = 0 ]; then
	for k in ${KERNELS_LOCKDOWN-6.1}; do
		for x in "${kernels[@]}"; do
			[ "$x" = "$k" ] && kernels+=("$k-lockdown-integrity" "$k-lockdown-confidentiality") && break
		done
	done
fi
accel=${KERNELS_ACCEL:-tcg}
tmo=${KERNELS_TIMEOUT:-240}
bin=${KERNELS_BIN-auto}
if [ "$bin" = auto ]; then
	bin=''
	[ -x build/infra-monitor ] && bin=build/infra-monitor
fi
[ "$bin" = none ] && bin=
bin_a64=${KERNELS_BIN_AARCH64-auto}
if [ "$bin_a64" = auto ]; then
	bin_a64=''
	[ -n "$bin" ] && [ -x build/aarch64/infra-monitor ] && bin_a64=build/aarch64/infra-monitor
fi
[ "$bin_a64" = none ] && bin_a64=
# guest_arch KERNEL: the architecture (uname -m) of that guest
guest_arch() { case "$1" in arm64-*) echo aarch64 ;; host) uname -m ;; *) echo x86_64 ;; esac; }
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
for k in "${kernels[@]}"; do
	[ "$(guest_arch "$k")" = aarch64 ] || continue
	for c in qemu-system-aarch64 aarch64-linux-gnu-gcc; do
		command -v "$c" >/dev/null || die "missing $c for $k (scripts/install-deps.sh arm64)"
	done
done
[ -x /bin/busybox ] || die "missing /bin/busybox (apt-get install busybox-static)"

# 1. Kernels.
vms=()
for k in "${kernels[@]}"; do [ "$k" = host ] || [ "$k" != "${k%-lockdown-*}" ] || vms+=("$k"); done
if [ "${#vms[@]}" -gt 0 ]; then
	scripts/kernels-fetch.sh "${vms[@]}" || die "fetching kernels failed"
fi

# 2. The harness's own tools: static, so that a bare busybox guest runs them.
build_tools() { # build_tools ARCH: static tools in $tools/ARCH/
	local src=tests/kernels arch=$1 out=$tools/$1 cc=cc bpfarch=x86
	if [ "$arch" = aarch64 ]; then
		cc=aarch64-linux-gnu-gcc
		bpfarch=arm64
	fi
	mkdir -p "$out"
	clang -g -O2 -target bpf -D__TARGET_ARCH_$bpfarch -Ivmlinux/$arch -Wall -Werror \
		-c $src/selfcheck.bpf.c -o "$out/selfcheck.bpf.o" &&
		$cc -O2 -Wall -Wextra -Werror -static $src/selfcheck.c -lbpf -lelf -lz -o "$out/selfcheck" &&
		$cc -O2 -Wall -Wextra -Werror -static $src/progs.c -lbpf -lelf -lz -o "$out/progs" &&
		$cc -O2 -Wall -Wextra -Werror -static $src/kwork.c -o "$out/kwork"
}
if [ $vmlinux_only = 0 ]; then
	for a in $(for k in "${kernels[@]}"; do guest_arch "$k"; done | sort -u); do
		[ -f "vmlinux/$a/vmlinux.h" ] ||
			die "no vmlinux/$a/vmlinux.h: scripts/kernels-matrix.sh --vmlinux arm64-6.1 makes it"
		build_tools "$a" || die "building the harness tools for $a failed"
	done
fi
if [ -n "$bin" ]; then
	[ -x "$bin" ] || die "KERNELS_BIN=$bin is not executable"
	say "daemon: $bin${bin_a64:+, arm64: $bin_a64}"
else
	say "daemon: none (build/infra-monitor absent): self-check only"
fi

# 3. One kernel at a time.
rm -rf "$res"
# boot_guest KERNEL OUT KDIR KNOBS: one QEMU boot, console in OUT/console.log.
# Returns QEMU's status, or 124 when the guest ran past $tmo, its kernel
# reported a CPU stuck for a minute, or its console stayed silent for half of
# $tmo (it will not finish; no need to wait out the clock).
boot_guest() {
	local k=$1 out=$2 kdir=$3 knobs=$4 qpid stuck quiet start=$SECONDS
	# One host thread runs both x86 vCPUs in turn. With a thread each
	# (thread=multi), code the kernel patched at run time (text_poke_bp: static
	# calls and keys, switched when a BPF link attaches or goes) sometimes ran
	# stale on the other vCPU: Debian's 6.12 died of "Oops: int3" in
	# __schedule() or sched_clock_cpu(), and 6.1 wedged in
	# smp_call_function_many_cond(), its IPIs never taken. Every full matrix
	# of stop 24 booted some guest twice; a guest takes about a third longer.
	# shellcheck disable=SC2054 # "tcg,thread=single" is one argument
	local accel_args=(-accel tcg,thread=single -cpu max) qemu="qemu-system-x86_64" console=ttyS0
	# 5.10 checks that the IO-APIC timer ticks during a short calibration window,
	# which a vCPU starved under TCG on a loaded host misses: the guest panics
	# ("IO-APIC + timer doesn't work!"). The check is skipped, as for any VM.
	local extra=no_timer_check
	[ "$accel" = kvm ] && accel_args=(-accel kvm -cpu host)
	if [ "$(guest_arch "$k")" = aarch64 ]; then
		# The virt board: PCIe for the virtio disks, a PL011 UART for the console.
		# Debian's arm64 kernel signs and checks the return address (pointer
		# authentication) in its non-leaf functions; QEMU's emulation of the architected
		# QARMA5 cipher made the whole guest 3.6 times slower (179 s against 50 s
		# alone on this host; the verifier 21 s against 2.6 s before the daemon was
		# ready). pauth-impdef keeps the feature with QEMU's own cheap hash.
		# shellcheck disable=SC2054
		accel_args=(-M virt -accel tcg,thread=multi -cpu max,pauth-impdef=on)
		qemu="qemu-system-aarch64"
		console=ttyAMA0
		extra=''
	fi
	rm -f "$out/work.img" "$out/results.img" "$out/console.log"
	truncate -s 64M "$out/work.img"
	truncate -s 32M "$out/results.img"
	# The guest's hrtimers are QEMU timers, which its main loop waits for in ppoll(); with the
	# host's default 50 us of timer slack they fired up to that much late, so a null_blk device
	# completing after 250 us took 33-50 % longer (issue 13's accuracy runs); with 1 ns of
	# slack, 7-15 % (two runs of 5.10, 6.1 and 6.12). QEMU inherits the slack from this shell.
	echo 1 2>/dev/null >/proc/self/timerslack_ns
	$qemu "${accel_args[@]}" -smp 2 -m 1024 -nic none \
		-no-reboot -display none -monitor none -serial "file:$out/console.log" \
		-kernel "$kdir/vmlinuz" -initrd "$kdir/initramfs.cpio" \
		-append "console=$console panic=-1 rdinit=/init quiet loglevel=5 $extra $knobs" \
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
		# check.sh prints a line per step, the slowest of which (a daemon
		# never ready, READY_S) takes a fraction of the box. A guest wedged
		# under TCG without a lockup report goes silent instead (5.10 once,
		# after its last rung, for the 190 s left of its box).
		quiet=$(($(date +%s) - $(stat -c %Y "$out/console.log" 2>/dev/null || date +%s)))
		if [ "$quiet" -ge $((tmo / 2)) ]; then
			say "$k: guest console silent for ${quiet}s, after: $(grep -a kmatrix: "$out/console.log" | tail -1)"
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

# run_kernel KERNEL: that kernel's checks into $res/KERNEL, its time into $res/timing.
run_kernel() {
	local k=$1 out t0 t1 secs marker img loop stage hrc lockdown rel kdir arch kbin ktools busybox
	local knobs v attempt qrc
	out=$res/$k
	mkdir -p "$out"
	t0=$(now)
	if [ "$k" = host ]; then
		img=$top/host-work.img
		truncate -s 64M "$img"
		loop=$(losetup -f --show --direct-io=on "$img") || die "losetup failed"
		say "host $(uname -r): natively, disk $loop"
		# The hostile settings run the daemon and the tools as nobody: a clone under a
		# home directory (0700) is out of its reach, so they run from a copy in a
		# directory anyone may enter.
		stage=$(mktemp -d /tmp/kmatrix-host.XXXXXX)
		chmod 755 "$stage"
		cp -r "$tools/$(uname -m)" "$stage/tools"
		[ -z "$bin" ] || install -m 755 "$bin" "$stage/infra-monitor"
		chmod -R a+rX "$stage"
		# A port of our own: the host is shared, 9947 may be taken.
		PORT=$((20000 + $$ % 20000)) sh tests/kernels/check.sh "$out/r" "$loop" "$stage/tools" "${bin:+$stage/infra-monitor}" \
			>"$out/console.log" 2>&1
		hrc=$?
		rm -rf "$stage"
		cat "$out/r/env" "$out/r/selfcheck.txt" "$out/r/probes.txt" "$out"/r/*.meta 2>/dev/null |
			sed 's/^/kmatrix: /' >>"$out/console.log"
		echo "KMATRIX-END rc=$hrc kernel=$(uname -r)" >>"$out/console.log"
		losetup -d "$loop"
		rm -f "$img"
	else
		# KERNEL-lockdown-MODE: that kernel booted with lockdown=MODE; the hostile settings and
		# the accuracy checks stay with its plain boot.
		lockdown=''
		[ "$k" != "${k%-lockdown-*}" ] && lockdown=${k##*-lockdown-}
		rel=$(cat "$top/${k%-lockdown-*}.release")
		kdir=$top/$rel
		arch=$(guest_arch "$k")
		kbin=$bin
		[ "$arch" = aarch64 ] && kbin=$bin_a64
		[ -n "$bin" ] && [ -z "$kbin" ] && say "$k: no $arch daemon (make ARCH=$arch): self-check only"
		say "$k ($rel): guest, $accel"
		ktools=$tools/$arch
		[ $vmlinux_only = 1 ] && ktools=none kbin=
		busybox=/bin/busybox
		[ "$arch" = aarch64 ] && busybox=$top/arm64-busybox/bin/busybox
		GUEST_ARCH=$arch BUSYBOX=$busybox tests/kernels/mkinitramfs.sh "$kdir" "$ktools" \
			"$kdir/initramfs.cpio" "${kbin:-}" || die "initramfs for $rel failed"
		# check.sh's knobs travel on the kernel command line; RUNGS with commas for spaces.
		knobs="kmatrix.RUNGS=$(echo $RUNGS | tr ' ' ,)"
		[ $vmlinux_only = 1 ] && knobs="$knobs kmatrix.BTF_ONLY=1"
		[ -n "$lockdown" ] && knobs="$knobs lockdown=$lockdown kmatrix.HOSTILE=0 kmatrix.ACCURACY=0"
		for v in READY_S KWORK_DISK_IOS KWORK_TCP KWORK_RST KWORK_CPU_MS KWORK_RETRANS KWORK_UDPDROP \
			KWORK_BUFFERED_KB KWORK_NULLB_IOS KWORK_NETEM_TCP; do
			[ -n "${!v:-}" ] && knobs="$knobs kmatrix.$v=${!v}"
		done
		# A guest that dies or wedges before its KMATRIX-END marker (the
		# emulator's fault, as under thread=multi: see boot_guest; the
		# console's loglevel=5 shows the backtrace) is booted again, up to
		# three boots, said in the output. A guest that finishes with a
		# failing program is never retried.
		for attempt in 1 2 3; do
			boot_guest "$k" "$out" "$kdir" "$knobs"
			qrc=$?
			grep -aq 'KMATRIX-END rc=' "$out/console.log" && break
			[ $attempt = 3 ] && break
			mv "$out/console.log" "$out/console.attempt$attempt.log"
			say "$k: guest did not finish (attempt $attempt, see $out/console.attempt$attempt.log); booting it again"
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
	else
		say "$k: ${marker#KMATRIX-END } in ${secs}s"
	fi
}

mkdir -p "$res"
: >"$res/timing"
# A guest of a foreign architecture has no timing check of its own (no accuracy run): it starts
# first, in the background at the lowest priority, and soaks up what the others leave idle
# (their sleeps, waits and timeouts) instead of adding its minute at the end. The others stay
# one at a time: their accuracy checks measure timer lateness, which a second guest competing
# for the CPU on equal terms would add to.
foreign() { [ $vmlinux_only = 0 ] && [ "$1" != host ] && [ "$(guest_arch "$1")" != "$(uname -m)" ]; }
bg=()
# When the matrix stops early, the guest in front (its QEMU) and the one in the background
# (its subshell, which takes its QEMU along) go with it.
# shellcheck disable=SC2046 # one PID a word
trap 'kill $(jobs -p) 2>/dev/null' EXIT
for k in "${kernels[@]}"; do
	foreign "$k" || continue
	(
		trap 'kill $(jobs -p) 2>/dev/null; exit 143' TERM INT
		renice -n "${KERNELS_FOREIGN_NICE:-19}" -p "$BASHPID" >/dev/null
		# Starved by design while another guest is busy: three times the
		# others' clock, and three minutes for the daemon to be ready.
		tmo=$((tmo * 3)) READY_S=${READY_S:-180}
		run_kernel "$k"
	) &
	bg+=("$!")
done
for k in "${kernels[@]}"; do
	foreign "$k" || run_kernel "$k"
done
for p in "${bg[@]}"; do
	wait "$p" || exit
done
fail=0
for k in "${kernels[@]}"; do
	grep -aq 'KMATRIX-END rc=' "$res/$k/console.log" 2>/dev/null || fail=1
done
if [ $vmlinux_only = 1 ]; then
	k=${kernels[0]}
	arch=$(guest_arch "$k")
	[ -s "$res/$k/r/vmlinux.btf" ] || die "$k: the guest handed out no BTF (see $res/$k/console.log)"
	mkdir -p "vmlinux/$arch"
	bpftool btf dump file "$res/$k/r/vmlinux.btf" format c >"vmlinux/$arch/vmlinux.h.tmp" ||
		die "bpftool could not read $k's BTF"
	mv "vmlinux/$arch/vmlinux.h.tmp" "vmlinux/$arch/vmlinux.h"
	say "vmlinux/$arch/vmlinux.h from $(cat "$res/$k/r/kernel" 2>/dev/null || echo "$k")'s BTF" \
		"($(wc -l <"vmlinux/$arch/vmlinux.h") lines)"
	exit 0
fi
total=$(awk -v a="$t_all" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
echo "total $total" >>"$res/timing"
say "matrix time: ${total}s"

# 4. The table, and the verdict.
version=''
[ -n "$bin" ] && version=$("$bin" --version 2>&1 | head -1)
python3 tests/kernels/report.py "$res" ${doc:+--doc "$doc"} --daemon "${bin:-}" --version "$version" || fail=1
exit $fail
