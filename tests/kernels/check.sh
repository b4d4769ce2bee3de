#!/bin/sh
# The kernel matrix's checks, for one kernel. Runs inside a QEMU guest (as part of its /init, under
# busybox sh) and natively on the host (bash): the same steps and the same output files.
#
#   check.sh OUT DISK TOOLS [BIN]
#     OUT    directory for the results (created)
#     DISK   block device for the disk workload (written to: a scratch virtio disk or a loop device)
#     TOOLS  directory with kwork, selfcheck, selfcheck.bpf.o, progs (static builds)
#     BIN    the daemon (infra-monitor); absent or not executable: only the self-check runs
#   Environment: RUNGS (default "auto tp_btf raw_tp tracepoint"), PORT (default 9947),
#                KWORK_DISK_IOS (64), KWORK_TCP (100), KWORK_RST (20), KWORK_CPU_MS (400),
#                KWORK_RETRANS (8), KWORK_UDPDROP (100), KWORK_BUFFERED_KB (1024),
#                ACCURACY (1: the null_blk and netem checks where the guest has them; 0: not)
#
# OUT receives: kernel, selfcheck.txt, and per rung R: R.prom (one scrape after the workload),
# R.progs.json (tests/kernels/progs.c: the daemon's BPF programs), R.children (the executables of
# the daemon's child processes), R.log (daemon stderr), R.workload
# (what the workload did), R.meta (timings); then, in a guest with null_blk and netem, accuracy.*
# (see accuracy); then per setting S of `infra-monitor doctor` (normal, and the hostile ones, see
# hostile_settings): doctor-S.json, doctor-S.rc, once-S.prom and once-S.log; finally `done`.
# Nothing here judges: the report does.
#
# The workload runs in three cgroups of the v2 hierarchy (issue 10), kmatrix-A (disk: O_DIRECT,
# then buffered writes), kmatrix-B (TCP), kmatrix-C (CPU hogs), so that the report can check the
# daemon's per-workload families against who did what.
#
#   check.sh --workload DISK TOOLS   only the workload (what the probe step runs)
set -u

# The paths no other workload reaches (issue 12): SYN retransmits against a full accept queue,
# UDP drops of a named reason (SOCKET_RCVBUFF, 5.19+), each printing its own count for the report
# to compare with the daemon's.
untested_paths() {
	"$TOOLS/kwork" retrans "${KWORK_RETRANS:-8}" || echo "kwork retrans failed rc=$?"
	"$TOOLS/kwork" udpdrop "${KWORK_UDPDROP:-100}" || echo "kwork udpdrop failed rc=$?"
}

# The kernel's own counts of what untested_paths causes: Tcp RetransSegs and Udp RcvbufErrors
# of /proc/net/snmp, "RETRANS RCVBUF".
kernel_counts() {
	awk '$1 == "Tcp:" || $1 == "Udp:" {
		if (!($1 in hdr)) { hdr[$1] = 1; for (i = 2; i <= NF; i++) col[$1, $i] = i; next }
		if ($1 == "Tcp:") r = $(col["Tcp:", "RetransSegs"]); else u = $(col["Udp:", "RcvbufErrors"])
	} END { print r + 0, u + 0 }' /proc/net/snmp
}

# The disk queue phase (block_rq_insert to issue) needs an I/O scheduler: with none, requests go
# straight to the driver and insert never fires on 6.12. mq-deadline where the kernel has it.
use_mq_deadline() {
	q=/sys/block/${1##*/}/queue/scheduler
	grep -q 'mq-deadline' "$q" 2>/dev/null || modprobe mq-deadline 2>/dev/null
	echo mq-deadline >"$q" 2>/dev/null || echo "kmatrix: no mq-deadline for $1" >&2
}

# doctor_as S WRAP...: `infra-monitor doctor` and `infra-monitor once` under setting S, run through
# WRAP (kwork as ..., or nothing).
doctor_as() {
	s=$1
	shift
	"$@" "$BIN" doctor --format=json >"$OUT/doctor-$s.json" 2>"$OUT/doctor-$s.err"
	echo $? >"$OUT/doctor-$s.rc"
	"$@" "$BIN" once --format=prom >"$OUT/once-$s.prom" 2>"$OUT/once-$s.log"
	echo "kmatrix: doctor $s: exit $(cat "$OUT/doctor-$s.rc")" >&2
}

# What a node can do to BPF, one at a time (issue 12): the daemon's /proc collectors must keep
# running and doctor must exit 1 naming the cause. Run last: the sysctl cannot be switched back.
hostile_settings() {
	# 21 CAP_SYS_ADMIN, 24 CAP_SYS_RESOURCE, 38 CAP_PERFMON, 39 CAP_BPF
	doctor_as nocaps "$TOOLS/kwork" as - 21,38,39 -
	doctor_as nobody "$TOOLS/kwork" as 65534 - -
	# 64 KiB: the smallest limit distributions set; it matters only before 5.11 (memory cgroup
	# accounting since), so a guest of a newer kernel skips it (the host shows it does not matter).
	case "$(uname -r)" in
	[1-4].* | 5.[0-9].* | 5.10.*) doctor_as memlock "$TOOLS/kwork" as - 24 65536 ;;
	*) [ "${KMATRIX_GUEST:-0}" = 1 ] || doctor_as memlock "$TOOLS/kwork" as - 24 65536 ;;
	esac
	if [ -d /sys/kernel/btf ] && mount -t tmpfs none /sys/kernel/btf; then
		doctor_as nobtf
		umount /sys/kernel/btf
	fi
	if [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" = 0 ] &&
	   [ "${KMATRIX_GUEST:-0}" = 1 ]; then
		echo 1 >/proc/sys/kernel/unprivileged_bpf_disabled
	fi
	doctor_as unprivdisabled "$TOOLS/kwork" as 65534 - -
}

# The cgroup v2 mount (a guest mounts it alone; the build host keeps a hybrid one) and the
# workload's three cgroups below its root. In a guest the io and memory controllers go on for
# them: the daemon then charges a request to its bio's blkcg, and page cache dirtied in A
# belongs to A's writeback. Prints the mount, or nothing without cgroup2.
cgroups_setup() {
	r=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$r" ] || return 0
	if [ "${KMATRIX_GUEST:-0}" = 1 ]; then
		echo "+io +memory" >"$r/cgroup.subtree_control" ||
			echo "kmatrix: io and memory controllers not enabled" >&2
	fi
	mkdir -p "$r/kmatrix-A" "$r/kmatrix-B" "$r/kmatrix-C" || return 0
	echo "$r"
}

# in_cg NAME CMD...: CMD in cgroup kmatrix-NAME (as it is without cgroup2), waited for.
in_cg() {
	g=$1
	shift
	if [ -n "${CGROOT:-}" ]; then
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CGROOT/kmatrix-$g" "$@"
	else
		"$@"
	fi
}

# nullb_add NAME NSEC: a null_blk device made through configfs that completes each request
# NSEC ns after it was issued, from an hrtimer (irqmode=2), without an I/O scheduler.
# Prints its block device name.
nullb_add() {
	d=/sys/kernel/config/nullb/km$1
	before=$(echo /sys/block/*)
	mkdir "$d" && echo 2 >"$d/irqmode" && echo "$2" >"$d/completion_nsec" && echo 1 >"$d/power" ||
		return 1
	for b in /sys/block/*; do
		case " $before " in
		*" $b "*) continue ;;
		esac
		echo none >"$b/queue/scheduler" 2>/dev/null
		echo "${b##*/}"
		return 0
	done
	return 1
}

# Accuracy against known delays (issue 13), in a guest that has null_blk, sch_netem and tc: one
# daemon (auto rung) sees O_DIRECT I/O on three null_blk devices that complete after 0 (what an
# empty request costs here, measured the same way), 250 us and 2 ms, and loopback TCP with netem
# delaying every packet 10 ms on lo (20 ms round trip). Writes accuracy.env (devices), .workload,
# .prom, .jsonl (the daemon's last JSONL line: the native buckets the report reads), .log, .meta.
accuracy() {
	tc=/usr/sbin/tc
	why=''
	[ "${KMATRIX_GUEST:-0}" = 1 ] || why='not a guest (the host kernel has neither null_blk nor netem)'
	[ -z "$why" ] && [ ! -d /sys/kernel/config/nullb ] && why='no null_blk configfs (module or configfs missing)'
	[ -z "$why" ] && [ ! -x $tc ] && why='no iproute2 tc in this guest'
	if [ -n "$why" ]; then
		echo "accuracy=absent reason=\"$why\"" >"$OUT/accuracy.meta"
		return 0
	fi
	echo "kmatrix: accuracy" >&2
	: >"$OUT/accuracy.env"
	for spec in empty:0 250us:250000 2ms:2000000; do
		dev=$(nullb_add "${spec%%:*}" "${spec#*:}") ||
			{ echo "accuracy=absent reason=\"null_blk device ${spec%%:*} not made\"" >"$OUT/accuracy.meta"; return 0; }
		echo "nullb name=${spec%%:*} completion_nsec=${spec#*:} device=$dev" >>"$OUT/accuracy.env"
	done
	# Before the daemon starts, so that every TCP connection of its life (scrapes included) has
	# the delay: srtt then holds nothing else.
	$tc qdisc add dev lo root netem delay 10ms 2>"$OUT/accuracy.tc" ||
		{ echo "accuracy=absent reason=\"tc netem: $(head -1 "$OUT/accuracy.tc")\"" >"$OUT/accuracy.meta"; return 0; }
	t0=$(ms)
	start_daemon accuracy --bpf.hook=auto
	{
		while read -r _ _ _ dev; do
			"$TOOLS/kwork" disk "/dev/${dev#device=}" "${KWORK_NULLB_IOS:-100}" || echo "kwork disk failed rc=$?"
		done <"$OUT/accuracy.env"
		"$TOOLS/kwork" tcp "${KWORK_NETEM_TCP:-20}" || echo "kwork tcp failed rc=$?"
	} >"$OUT/accuracy.workload" 2>&1
	scrape_after_now accuracy >"$OUT/accuracy.prom" 2>/dev/null
	tail -n 1 "$OUT/jsonl-accuracy/infra-monitor.jsonl" >"$OUT/accuracy.jsonl" 2>/dev/null
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	$tc qdisc del dev lo root 2>/dev/null
	echo "accuracy=ran ready=$ready ms=$(($(ms) - t0))" >"$OUT/accuracy.meta"
	rm -rf "$OUT/jsonl-accuracy"
}

if [ "${1:-}" = --workload ]; then
	DISK=$2 TOOLS=$3
	in_cg A "$TOOLS/kwork" disk "$DISK" "${KWORK_DISK_IOS:-64}" || echo "kwork disk failed rc=$?"
	# Buffered writes from A, 16 MiB into the disk (past the direct ones), written back by a
	# sync from outside A: the request then carries A only through its bio's blkcg, never
	# through the task that issues it. The disk stays open here meanwhile: the last close of a
	# block device writes its dirty pages back itself, which would be dd's, in A.
	kb=${KWORK_BUFFERED_KB:-1024}
	exec 3<"$DISK"
	if in_cg A dd if=/dev/zero of="$DISK" bs=4096 count=$((kb / 4)) seek=4096 conv=notrunc 2>/dev/null &&
		sync; then
		echo "kwork buffered dev=$DISK bytes=$((kb * 1024))"
	else
		echo "kwork buffered failed"
	fi
	exec 3<&-
	in_cg B "$TOOLS/kwork" tcp "${KWORK_TCP:-100}" || echo "kwork tcp failed rc=$?"
	in_cg B "$TOOLS/kwork" rst "${KWORK_RST:-20}" || echo "kwork rst failed rc=$?"
	in_cg C "$TOOLS/kwork" cpu "${KWORK_CPU_MS:-400}" || echo "kwork cpu failed rc=$?"
	# D lives a fraction of a collection, no walk of the tree ever sees it: named as it was
	# made (cgroup:cgroup_mkdir), its O_DIRECT writes must still be its own.
	if [ -n "${CGROOT:-}" ] && mkdir "$CGROOT/kmatrix-D"; then
		if in_cg D dd if=/dev/zero of="$DISK" bs=4096 count=8 seek=8192 oflag=direct \
			conv=notrunc 2>/dev/null; then
			echo "kwork brief ios=8"
		else
			echo "kwork brief failed"
		fi
		rmdir "$CGROOT/kmatrix-D"
	fi
	untested_paths
	exit 0
fi
OUT=$1 DISK=$2 TOOLS=$3 BIN=${4:-}
RUNGS=$(echo "${RUNGS:-auto tp_btf raw_tp tracepoint}" | tr , ' ')
PORT=${PORT:-9947}
mkdir -p "$OUT"

# Milliseconds since boot, from /proc/uptime (busybox date has no portable %N).
ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

uname -r >"$OUT/kernel"
use_mq_deadline "$DISK"
sched=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "/sys/block/${DISK##*/}/queue/scheduler" 2>/dev/null)
CGROOT=$(cgroups_setup)
export CGROOT
lockdown=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)
echo "cpus=$(grep -c ^processor /proc/cpuinfo) btf=$([ -r /sys/kernel/btf/vmlinux ] && echo yes || echo no) disk=$DISK iosched=${sched:-?}" \
	"cgroup2=${CGROOT:-none} controllers=\"$(cat "${CGROOT:-/nonexistent}/cgroup.subtree_control" 2>/dev/null)\"" \
	"lockdown=${lockdown:-none} tracefs=$([ -r /sys/kernel/tracing/events/sched/sched_switch/id ] && echo yes || echo no)" \
	>"$OUT/env"

echo "kmatrix: self-check" >&2
t0=$(ms)
"$TOOLS/selfcheck" "$TOOLS/selfcheck.bpf.o" >"$OUT/selfcheck.txt" 2>&1
echo "selfcheck_rc=$? selfcheck_ms=$(($(ms) - t0))" >>"$OUT/env"

self=$0
workload() { sh "$self" --workload "$DISK" "$TOOLS"; }

# The workload once under the harness's own tracepoint probes: does it make this kernel fire the
# events the daemon's programs consume (real block requests, TCP handshakes, resets, wakeups)?
echo "kmatrix: workload probes" >&2
t0=$(ms)
"$TOOLS/selfcheck" "$TOOLS/selfcheck.bpf.o" probe sh "$self" --workload "$DISK" "$TOOLS" \
	>"$OUT/probes.txt" 2>&1
echo "probes_rc=$? probes_ms=$(($(ms) - t0))" >>"$OUT/env"

scrape() { "$TOOLS/kwork" get "$PORT" /metrics; }
# A scrape once 2.2 s have passed and the daemon NAME has made two more
# collections (two more JSONL lines: the second started after the call), so that
# the snapshot counts everything done before the call. The sleep alone was not
# always enough on a host whose CPUs the matrix's guests keep busy. Not polled by
# scraping: a scrape is a TCP connection, and one landing inside a collection
# makes the per-workload and host-wide connect counts differ. Gives up after 30 s
# and scrapes what there is.
lines_of() { n=$(wc -l 2>/dev/null <"$1") || n=0; echo $((n)); }
scrape_after_now() {
	jsonl=$OUT/jsonl-$1/infra-monitor.jsonl
	want=$(($(lines_of "$jsonl") + 2))
	sleep 2.2
	give_up=$(($(ms) + 30000))
	while [ "$(lines_of "$jsonl")" -lt "$want" ] && [ "$(ms)" -lt "$give_up" ]; do
		sleep 0.2
	done
	scrape
}

# start_daemon NAME ARGS...: the daemon in the background (pid), logging to NAME.log and writing
# JSONL to jsonl-NAME/. Ready (ready=1) when a scrape shows the BPF program info (every program
# attached or failed) or the bpf collector failed (none attached: no program info); ready=0 when
# it died or READY_S seconds passed (the verifier is slow under emulation).
start_daemon() {
	n=$1
	shift
	rm -rf "$OUT/jsonl-$n"
	s0=$(ms)
	"$BIN" --web.listen-address="127.0.0.1:$PORT" --collect.interval=1s \
		--output.dir="$OUT/jsonl-$n" --bpf.stats=off "$@" >"$OUT/$n.log" 2>&1 &
	pid=$!
	ready=0
	while [ $(($(ms) - s0)) -lt $((${READY_S:-60} * 1000)) ]; do
		kill -0 "$pid" 2>/dev/null || break
		if scrape 2>/dev/null |
			grep -q '^infra_monitor_bpf_program_info\|^infra_monitor_collector_success{collector="bpf"} 0'; then
			ready=1
			break
		fi
		sleep 0.2
	done
}

# The daemon's BPF programs (those it holds a descriptor of), with verified_insns and run counts.
progs_of() { "$TOOLS/progs" "$1" 2>/dev/null || echo '[]'; }

if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
	echo "daemon=absent" >>"$OUT/env"
	touch "$OUT/done"
	exit 0
fi
echo "daemon=present" >>"$OUT/env"

for rung in $RUNGS; do
	counts0=$(kernel_counts)
	t0=$(ms)
	start_daemon "$rung" --bpf.hook="$rung"
	t_ready=$(($(ms) - t0))
	echo "kmatrix: rung $rung: ready=$ready after ${t_ready}ms" >&2
	if [ $ready != 1 ]; then
		tail -5 "$OUT/$rung.log" | sed 's/^/kmatrix:   /' >&2
		scrape 2>&1 | grep -v '^#' | head -5 | sed 's/^/kmatrix:   scrape: /' >&2
	fi
	workload >"$OUT/$rung.workload" 2>&1
	t_work=$(($(ms) - t0 - t_ready))
	scrape_after_now "$rung" >"$OUT/$rung.prom" 2>"$OUT/$rung.scrape-err"
	scrape_rc=$?
	counts1=$(kernel_counts)
	progs_of "$pid" >"$OUT/$rung.progs.json"
	# What the daemon's children run: the statfs prober's is a program from a memfd (prober.c).
	for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
		readlink /proc/"$c"/exe
	done >"$OUT/$rung.children" 2>/dev/null
	alive=0
	kill -0 "$pid" 2>/dev/null && alive=1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "rung=$rung pid=$pid ready=$ready ready_ms=$t_ready workload_ms=$t_work scrape_rc=$scrape_rc alive=$alive" \
		"$(echo "$counts0 $counts1" | awk '{ print "kernel_retrans=" $3 - $1, "kernel_rcvbuf=" $4 - $2 }')" \
		>"$OUT/$rung.meta"
	rm -rf "$OUT/jsonl-$rung"
done
[ "${ACCURACY:-1}" = 0 ] || accuracy
doctor_as normal
# HOSTILE=0 (an emulated foreign architecture, where each doctor run takes minutes): the
# hostile settings stay with the other kernels.
[ "${HOSTILE:-1}" = 0 ] || hostile_settings
touch "$OUT/done"
