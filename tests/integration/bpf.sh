#!/usr/bin/env bash
# BPF integration tests: the kernel programs on this host's kernel.
#
#   1. tests/integration/bpf/bpf_check.c, built against the daemon's library,
#      drives collector_bpf directly on every hook rung (auto, tp_btf, raw_tp,
#      tracepoint): O_DIRECT I/O on a loop device, 200 loopback connections,
#      refused connects, CPU contention; it asserts the counts on that device
#      and socket and lints the output with promtool.
#      tests/integration/bpf/spill_check.c runs biolat's raw_tp programs
#      through BPF_PROG_TEST_RUN on requests that share an in-flight slot.
#   2. The daemon itself: `once --format=prom --bpf.hook=RUNG` reports every
#      program attached on that rung; in daemon mode, real I/O and TCP show
#      up in /metrics and promtool has nothing to say about infra_monitor_.
#
# Needs root (CAP_BPF, CAP_PERFMON), kernel BTF and tracefs; skips with the
# reason otherwise. usage: tests/integration/bpf.sh path/to/infra-monitor
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: bpf.sh path/to/infra-monitor}")
out=$(dirname "$bin")
rungs=(auto tp_btf raw_tp tracepoint)

skip_unless_bpf bpf
# Classic tracepoints attach through tracefs.
if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
	mount -t tracefs none /sys/kernel/tracing 2>/dev/null ||
		echo "bpf: note: tracefs not mounted and mount failed; the tracepoint rung will fail"
fi

work=$(mktemp -d)
loop=
sched_was=
finish() {
	cleanup
	if [ -n "$loop" ]; then
		# Queue settings outlive the device's binding: leave them as found.
		echo 1 >"/sys/block/${loop##*/}/queue/iostats" 2>/dev/null
		[ -n "$sched_was" ] && echo "$sched_was" >"/sys/block/${loop##*/}/queue/scheduler" 2>/dev/null
		losetup -d "$loop" 2>/dev/null
	fi
	rm -rf "$work"
}
trap finish EXIT

truncate -s 64M "$work/disk.img"
loop=$(losetup -f --show "$work/disk.img") || { bad "losetup: no loop device"; summary bpf; exit; }
loopname=${loop##*/}

echo "== bpf: collector checks per hook rung (loop device $loop)"
sanitize=()
# shellcheck disable=SC2054 # one compiler flag
case "$out" in *sanitize*) sanitize=(-fsanitize=address,undefined) ;; esac
stop_daemon() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; pids=(); }

# The checks that need no checker binary: unprivileged runs and the terminal view.
unprivileged_and_terminal_checks() {
	echo "== bpf: without privileges"
	if command -v setpriv >/dev/null; then
		unpriv=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
		"${unpriv[@]}" "$bin" once --format=prom >"$work/np.txt" 2>"$work/np.log"
		rc=$?
		check "unprivileged once: exit 0" [ "$rc" -eq 0 ]
		check "unprivileged once: /proc series still there" grep -q '^node_load1 ' "$work/np.txt"
		check "unprivileged once: no BPF series" bash -c "! grep -q '^infra_monitor_disk_io' '$work/np.txt'"
		check "unprivileged once: one log line says why" \
			[ "$(grep -c 'bpf() refused' "$work/np.log")" -eq 1 ]
		"${unpriv[@]}" "$bin" latency --count=1 >"$work/np-lat.txt" 2>&1
		rc=$?
		check "unprivileged latency: exit 1 with the reason" \
			bash -c "[ $rc -eq 1 ] && grep -q 'bpf() refused' '$work/np-lat.txt'"
	else
		echo "  skip unprivileged checks: no setpriv"
	fi

	echo "== bpf: terminal view"
	timeout 60 "$bin" latency disk --interval=1s --count=3 >"$work/lat.txt" 2>&1 &
	latpid=$!
	# Loading takes seconds on a busy host: the reads go in once it traces.
	for _ in $(seq 150); do grep -q Tracing "$work/lat.txt" && break; sleep 0.2; done
	dd if="$loop" of=/dev/null bs=4k count=256 iflag=direct status=none
	wait "$latpid"
	rc=$?
	check "latency disk --count=3: exit 0" [ "$rc" -eq 0 ]
	check "latency disk --count=3: three intervals" \
		[ "$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$work/lat.txt")" -eq 3 ]
	check "latency disk: a $loopname read histogram with percentiles" \
		grep -q "disk $loopname read .*p50=.*p99=" "$work/lat.txt"
	# dd's 4 KiB O_DIRECT reads: the size is the bucket's bound, not an interpolation.
	check "latency disk: 4 KiB reads read p50=4 KiB" \
		grep -q "disk $loopname read size  count=[0-9]* p50=4 KiB " "$work/lat.txt"
	check "latency disk: bars show each row's share of the events" \
		grep -qE "KiB -> 4 KiB : [0-9]+ +[0-9.]+% [|][*]+ *[|]" "$work/lat.txt"
	check "latency: no log line on the terminal" bash -c "! grep -q '\"level\"' '$work/lat.txt'"
	timeout 60 "$bin" latency tcp --interval=1s --count=2 >"$work/lat-tcp.txt" 2>&1
	check "latency tcp: a kind without events says so instead of vanishing" \
		[ "$(grep -cE '^  tcp connect(  count=|: no connection opened)' "$work/lat-tcp.txt")" -eq 2 ]
	timeout 60 "$bin" latency drops --interval=3s --count=1 >"$work/lat-drops.txt" 2>&1 &
	latpid=$!
	for _ in $(seq 100); do grep -q Tracing "$work/lat-drops.txt" && break; sleep 0.2; done
	# Refused connects: SYNs to a closed port are dropped as NO_SOCKET.
	for _ in 1 2 3; do (exec 3<>/dev/tcp/127.0.0.1/1) 2>/dev/null; done
	wait "$latpid"
	check "latency drops: NO_SOCKET with its meaning and a usually-harmless hint" \
		grep -qE '^  NO_SOCKET +[0-9]+  nobody listening.*[(]usually harmless[)]' "$work/lat-drops.txt"
	timeout 10 "$bin" latency runq --interval=1s >"$work/lat-int.txt" 2>&1 &
	latpid=$!
	sleep 2.5
	kill -INT "$latpid"
	wait "$latpid"
	check "latency: SIGINT exits 0" [ $? -eq 0 ]
}

# The daemon's own link line, whatever libraries the library needs today.
ldlibs=$(make -p -n -q 2>/dev/null | sed -n 's/^LDLIBS = //p' | tail -1)
[ -n "$ldlibs" ] || ldlibs="-lbpf -lelf -lz -lmicrohttpd -ljansson -lyaml -lcrypt -lpthread -lm"
# shellcheck disable=SC2086
if ! cc -O2 -g -std=gnu11 -D_GNU_SOURCE -pthread "${sanitize[@]}" -Iinclude -I"$out" \
	tests/integration/bpf/bpf_check.c "$out/libinfra.a" $ldlibs -o "$work/bpf_check"; then
	bad "build bpf_check"
	stop_daemon
	unprivileged_and_terminal_checks
	summary bpf
	exit
fi
# biolat's in-flight table when requests share a slot (spill, eviction): its
# raw_tp programs run on made-up requests, as no two real ones can be made to.
if cc -O2 -g -std=gnu11 -D_GNU_SOURCE "${sanitize[@]}" -Iinclude -I"$out" \
	tests/integration/bpf/spill_check.c -lbpf -lelf -lz -o "$work/spill_check" &&
	"$work/spill_check" >"$work/spill.txt" 2>&1; then
	ok "in-flight table: requests of one slot spill, then evict: $(grep -c '^ok' "$work/spill.txt") checks"
else
	bad "in-flight table: requests of one slot"
	grep -v '^ok' "$work/spill.txt" | head -20
fi
for r in "${rungs[@]}"; do
	if "$work/bpf_check" --hook "$r" --loop "$loop" >"$work/check-$r.txt" 2>&1; then
		ok "collector on rung $r: $(grep -c '^ok' "$work/check-$r.txt") checks"
	else
		bad "collector on rung $r"
		grep -v '^ok' "$work/check-$r.txt" | head -20
	fi
done

echo "== bpf: the daemon"
lint_infra() { # lint_infra FILE: promtool prints nothing for any infra_monitor_ metric
	local notes
	notes=$(promtool check metrics <"$1" 2>&1 | grep 'infra_monitor_')
	[ -z "$notes" ] || { echo "$notes" | head -10; return 1; }
}
for r in tp_btf raw_tp tracepoint; do
	"$bin" once --format=prom --bpf.hook="$r" >"$work/once-$r.txt" 2>"$work/once-$r.log"
	n=$(grep -c "^infra_monitor_bpf_program_info{.*hook=\"$r\",status=\"attached\"} 1" \
		"$work/once-$r.txt")
	check "once --bpf.hook=$r: 4 programs attached on $r (got $n)" [ "$n" -eq 4 ]
done
check "once output: promtool silent on infra_monitor_" lint_infra "$work/once-tp_btf.txt"
# A moment after load is no distribution: once leaves the histograms out and says so.
check "once: no BPF histograms or counters of a moment" \
	bash -c "! grep -qE '^infra_monitor_(disk_io|tcp|runqueue|skb)_' '$work/once-tp_btf.txt'"
check "once: the log says why" grep -q 'left out' "$work/once-tp_btf.log"

port=$(free_port)
mkdir -p "$work/jsonl"
start_bg "$work/daemon.log" "$bin" --web.listen-address="127.0.0.1:$port" \
	--output.dir="$work/jsonl" --collect.interval=1s --bpf.stats-window=500ms \
	--bpf.stats-period=2s
check "daemon HTTP up" wait_url "http://127.0.0.1:$port/health" 10
sleep 1
# 64 O_DIRECT writes, fsync, 64 O_DIRECT reads on the loop device.
dd if=/dev/zero of="$loop" bs=4k count=64 oflag=direct conv=fsync status=none
dd if="$loop" of=/dev/null bs=4k count=64 iflag=direct status=none
# 200 loopback TCP connections with data: scrapes of our own /health.
for _ in $(seq 200); do curl -fsS -o /dev/null "http://127.0.0.1:$port/health"; done
sleep 3
curl -fsS "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
count() { # count FILE SERIES-PREFIX: value of the first matching line, or 0
	awk -v p="$2" 'index($0, p) == 1 { print $NF; found = 1; exit } END { if (!found) print 0 }' "$1"
}
w=$(count "$work/metrics.txt" "infra_monitor_disk_io_latency_seconds_count{device=\"$loopname\",op=\"write\",phase=\"total\"}")
rd=$(count "$work/metrics.txt" "infra_monitor_disk_io_latency_seconds_count{device=\"$loopname\",op=\"read\",phase=\"service\"}")
wq=$(count "$work/metrics.txt" "infra_monitor_disk_io_latency_seconds_count{device=\"$loopname\",op=\"write\",phase=\"queue\"}")
c=$(count "$work/metrics.txt" "infra_monitor_tcp_connect_latency_seconds_count")
s=$(count "$work/metrics.txt" "infra_monitor_tcp_srtt_seconds_count")
q=$(count "$work/metrics.txt" "infra_monitor_runqueue_latency_seconds_count")
check "daemon: disk $loopname write count $w >= 64" [ "${w%.*}" -ge 64 ]
check "daemon: disk $loopname read count $rd >= 64" [ "${rd%.*}" -ge 64 ]
check "daemon: disk $loopname write queue phase counts every write ($wq = $w)" [ "$wq" = "$w" ]
check "daemon: tcp connect count $c >= 200" [ "${c%.*}" -ge 200 ]
check "daemon: tcp srtt count $s > 0" [ "${s%.*}" -gt 0 ]
check "daemon: run-queue count $q > 0" [ "${q%.*}" -gt 0 ]
check "daemon: all programs attached" \
	[ "$(grep -c '^infra_monitor_bpf_program_info{.*status="attached"} 1' "$work/metrics.txt")" -eq 4 ]
check "daemon: sampled run counts exported" \
	grep -q '^infra_monitor_bpf_run_count_total{program="runqlat"} [1-9]' "$work/metrics.txt"
check "daemon: /metrics promtool silent on infra_monitor_" lint_infra "$work/metrics.txt"
check "daemon: /health lists bpf/biolat" \
	bash -c "curl -fsS http://127.0.0.1:$port/health | grep -q 'bpf/biolat'"
stop_daemon

# Host-wide only, on a device the kernel stamps every request of (a scheduler,
# or I/O statistics), biolat leaves its insert program out and takes the
# start from the kernel's stamp, and the issue too where the queue tracks I/O
# times (writeback throttling does, on a loop device); on a device with
# neither stamp, insert is back.
queue=/sys/block/$loopname/queue
host_only_daemon() { # host_only_daemon LOG: --no-bpf.cgroup on a new port ($port)
	port=$(free_port)
	start_bg "$1" "$bin" --web.listen-address="127.0.0.1:$port" --output.dir="$work/jsonl" \
		--collect.interval=1s --no-bpf.cgroup
	wait_url "http://127.0.0.1:$port/health" 10
}
# (Not a pipe into grep -q: bpftool would die of SIGPIPE, and pipefail says so.)
insert_attached() { [[ $(bpftool prog show) == *"name biolat_insert_btf "* ]]; }
insert_absent() { ! insert_attached; }
# A queue learned to carry the kernel's issue stamp holds its id + 1.
issue_stamp_learned() {
	local dump
	dump=$(bpftool -j map dump name disk_queue_issu) || return 1
	/usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
# One map: its elements; several of that name: each with its elements.
elements = [e for m in d for e in m["elements"]] if d and "elements" in d[0] else d
sys.exit(not any(int(b, 16) for e in elements for b in e["value"]))' <<<"$dump"
}
sched_was=$(sed 's/.*\[\(.*\)\].*/\1/' "$queue/scheduler")
echo mq-deadline >"$queue/scheduler"
host_only_daemon "$work/host-only.log"
dd if=/dev/zero of="$loop" bs=4k count=64 oflag=direct conv=fsync status=none
sleep 2
curl -fsS "http://127.0.0.1:$port/metrics" >"$work/host-only.txt"
w=$(count "$work/host-only.txt" "infra_monitor_disk_io_latency_seconds_count{device=\"$loopname\",op=\"write\",phase=\"total\"}")
wq=$(count "$work/host-only.txt" "infra_monitor_disk_io_latency_seconds_count{device=\"$loopname\",op=\"write\",phase=\"queue\"}")
sum_of() { count "$work/host-only.txt" "infra_monitor_disk_io_latency_seconds_sum{device=\"$loopname\",op=\"write\",phase=\"$1\"}"; }
ts=$(sum_of total) qs=$(sum_of queue) ss=$(sum_of service)
check "host-only, mq-deadline: no insert program" insert_absent
check "host-only, mq-deadline: $w writes >= 64" [ "${w%.*}" -ge 64 ]
check "host-only, mq-deadline: queue phase counts each write ($wq = $w)" [ "$wq" = "$w" ]
check "host-only, mq-deadline: total = queue + service ($ts = $qs + $ss s), service > 0" \
	awk -v t="$ts" -v q="$qs" -v s="$ss" 'BEGIN { d = t - q - s; exit !(s > 0 && q >= 0 && d < 1e-6 && d > -1e-6) }'
check "host-only, mq-deadline: the loop device's completions showed the kernel's issue stamp" \
	issue_stamp_learned
stop_daemon
echo none >"$queue/scheduler"
echo 0 >"$queue/iostats"
host_only_daemon "$work/host-only2.log"
check "host-only, no scheduler and no I/O statistics: insert program attached" insert_attached
stop_daemon
echo 1 >"$queue/iostats"
unprivileged_and_terminal_checks
summary bpf
