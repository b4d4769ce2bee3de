#!/usr/bin/env bash
# Least privilege, checked from outside on the running daemon:
#   - /proc/PID/status of every thread: CapEff, CapPrm, CapBnd, CapAmb all 0,
#     NoNewPrivs 1 (and with --runtime.user=nobody the uid too);
#   - the helper (comm im-privsep, a child of the daemon) holds CAP_SYS_ADMIN
#     only, in its bounding set too, with NoNewPrivs 1;
#   - /health and the log show what each process holds;
#   - BPF maps are still read through the fds opened before the drop
#     (histogram counts grow), and the sampled run-time statistics, which
#     need the helper, still arrive window after window;
#   - the helper goes away with the daemon.
# Needs root and kernel BTF; skips with the reason otherwise.
# usage: tests/integration/privdrop.sh path/to/infra-monitor
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: privdrop.sh path/to/infra-monitor}")
if [ "$(id -u)" -ne 0 ]; then
	echo "privdrop: SKIP: not root (nothing to drop, and BPF needs CAP_BPF)"
	echo "privdrop: 0 passed, 0 failed"
	exit 0
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "privdrop: SKIP: no kernel BTF at /sys/kernel/btf/vmlinux"
	echo "privdrop: 0 passed, 0 failed"
	exit 0
fi
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT
CAP_SYS_ADMIN_MASK=0000000000200000     # 1 << 21

field() { # field PID|PID/task/TID NAME
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

all_threads_dropped() { # all_threads_dropped PID
	local t ok=0
	for t in /proc/"$1"/task/*; do
		t=${t#/proc/}
		for f in CapEff CapPrm CapBnd CapAmb CapInh; do
			[ "$(field "$t" $f)" = 0000000000000000 ] || { echo "    $t $f=$(field "$t" $f)"; ok=1; }
		done
		[ "$(field "$t" NoNewPrivs)" = 1 ] || { echo "    $t NoNewPrivs=$(field "$t" NoNewPrivs)"; ok=1; }
	done
	return $ok
}

metric_sum() { # metric_sum URL REGEX: sum of the matching series
	curl -fsS "$1" | awk -v re="$2" '$0 ~ re { s += $NF } END { printf "%.0f\n", s }'
}

helper_of() { # helper_of PID: the im-privsep child
	local c
	for c in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = im-privsep ] && { echo "$c"; return 0; }
	done
	return 1
}

helper_fds() { # helper_fds PID: "fd=target" of each open file
	local f
	for f in /proc/"$1"/fd/*; do
		printf '%s=%s ' "${f##*/}" "$(readlink "$f")"
	done
}

# Its socket and stdio, and while it answers a request the statistics fd it
# is handing over (anon_inode:bpf-stats), which it closes once sent.
only_socket_and_stdio() { # only_socket_and_stdio PID
	local f sockets=0
	for f in /proc/"$1"/fd/*; do
		case "${f##*/}:$(readlink "$f")" in
		[012]:*) ;;
		*:socket:*) sockets=$((sockets + 1)) ;;
		*:anon_inode:bpf-stats) ;;
		*) return 1 ;;
		esac
	done
	[ "$sockets" = 1 ]
}

run_case() { # run_case NAME [extra flags...]
	local name=$1
	shift
	local port out pid helper t0 t1 s0 s1 uid
	port=$(free_port)
	out=$work/$name
	mkdir -p "$out"
	chown nobody "$out"
	start_bg "$work/$name.log" "$bin" --web.listen-address="127.0.0.1:$port" \
		--output.dir="$out" --collect.interval=500ms --bpf.stats=sampled \
		--bpf.stats-period=2s --bpf.stats-window=500ms "$@"
	pid=$last_pid
	if ! wait_url "http://127.0.0.1:$port/health" 10; then
		bad "$name: daemon up"
		tail -5 "$work/$name.log"
		return
	fi
	sleep 0.5
	echo "  $name: daemon $(grep -E '^(CapEff|CapBnd|NoNewPrivs)' "/proc/$pid/status" | tr -s '\t\n' ' ')"
	check "$name: CapEff 0" test "$(field "$pid" CapEff)" = 0000000000000000
	check "$name: CapPrm 0" test "$(field "$pid" CapPrm)" = 0000000000000000
	check "$name: CapBnd 0" test "$(field "$pid" CapBnd)" = 0000000000000000
	check "$name: NoNewPrivs 1" test "$(field "$pid" NoNewPrivs)" = 1
	check "$name: every thread ($(ls /proc/"$pid"/task | wc -l)) dropped everything" \
		all_threads_dropped "$pid"
	helper=$(helper_of "$pid")
	check "$name: privileged helper running" test -n "$helper"
	if [ -n "$helper" ]; then
		check "$name: helper CapEff = CAP_SYS_ADMIN only" \
			test "$(field "$helper" CapEff)" = $CAP_SYS_ADMIN_MASK
		check "$name: helper CapPrm = CAP_SYS_ADMIN only" \
			test "$(field "$helper" CapPrm)" = $CAP_SYS_ADMIN_MASK
		check "$name: helper CapBnd = CAP_SYS_ADMIN only" \
			test "$(field "$helper" CapBnd)" = $CAP_SYS_ADMIN_MASK
		check "$name: helper NoNewPrivs 1" test "$(field "$helper" NoNewPrivs)" = 1
		check "$name: helper has no file open but its socket and stdio ($(helper_fds "$helper"))" \
			only_socket_and_stdio "$helper"
	fi
	curl -fsS "http://127.0.0.1:$port/health" >"$work/$name.health"
	check "$name: /health shows the daemon's capabilities" \
		json_true "$work/$name.health" '.components.privileges.state == "ok" and
		       (.components.privileges.detail | test("CapEff=0000000000000000"))'
	check "$name: /health shows the helper's capabilities" \
		json_true "$work/$name.health" \
		".components.privsep_helper.detail | test(\"CapEff=$CAP_SYS_ADMIN_MASK\")"
	check "$name: a log line gives both processes' capabilities" \
		grep -q '"msg":"privileges dropped".*"daemon":"CapEff=0000000000000000.*"helper":"pid' \
		"$work/$name.log"
	# Map reads through fds opened before the drop.
	t0=$(metric_sum "http://127.0.0.1:$port/metrics" '^infra_monitor_runqueue_latency_seconds_count')
	s0=$(metric_sum "http://127.0.0.1:$port/metrics" '^infra_monitor_bpf_run_count_total')
	dd if=/dev/zero of="$out/io" bs=64k count=64 oflag=direct status=none 2>/dev/null
	rm -f "$out/io"
	sleep 4.5       # two more statistics windows, several collections
	t1=$(metric_sum "http://127.0.0.1:$port/metrics" '^infra_monitor_runqueue_latency_seconds_count')
	s1=$(metric_sum "http://127.0.0.1:$port/metrics" '^infra_monitor_bpf_run_count_total')
	check "$name: BPF map counts grow after the drop ($t0 -> $t1)" test "$t1" -gt "$t0"
	check "$name: sampled BPF statistics arrive via the helper ($s0 -> $s1)" \
		test "$s1" -gt "$s0"
	check "$name: no statistics error in the log" \
		bash -c "! grep -q 'enable BPF run-time statistics failed' '$work/$name.log'"
	uid=$(field "$pid" Uid)
	echo "  $name: uid $uid, helper uid $( [ -n "$helper" ] && field "$helper" Uid)"
	if [ "$name" = user ]; then
		check "$name: daemon runs as nobody" test "$uid" = "$(id -u nobody)"
		check "$name: helper runs as nobody" test "$(field "$helper" Uid)" = "$(id -u nobody)"
		check "$name: JSONL still written" test -s "$out/infra-monitor.jsonl"
	fi
	if [ "$name" = root ] && [ -n "$helper" ]; then
		# The helper killed under the daemon: it notices at the next
		# window, says so in /health, and keeps running unprivileged.
		kill -KILL "$helper"
		sleep 3
		check "$name: helper killed: daemon alive" kill -0 "$pid"
		check "$name: helper killed: /health says so" \
			bash -c "curl -fsS http://127.0.0.1:$port/health | jq -e '.components.privsep_helper.state == \"failed\"' >/dev/null"
		check "$name: helper killed: still CapEff 0" test "$(field "$pid" CapEff)" = 0000000000000000
	fi
	kill -TERM "$pid"
	wait "$pid"
	check "$name: exit 0 on SIGTERM" test $? = 0
	sleep 0.2
	check "$name: helper gone with the daemon" bash -c "[ -z '$helper' ] || ! kill -0 '$helper' 2>/dev/null"
}

echo "== privilege drop, staying root"
run_case root
echo "== privilege drop, --runtime.user=nobody"
run_case user --runtime.user=nobody
echo "== unknown --runtime.user"
"$bin" --runtime.user=no-such-user-here --web.listen-address=127.0.0.1:0 \
	--output.dir="$work/x" >"$work/nouser.log" 2>&1
rc=$?
check "unknown user: refused before anything opens (exit $rc)" \
	test "$rc" -ne 0 -a ! -e "$work/x"
summary privdrop
