# Shared helpers for the integration scripts: a pass/fail tally, a free
# loopback port, waiting for a URL, and cleanup of started processes.
# shellcheck shell=bash

passed=0
failed=0
pids=()

ok() { passed=$((passed + 1)); echo "  ok   $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL $*"; }
check() { # check "description" command...: a failure also prints the command and its status
	local what=$1 rc=0
	shift
	"$@" || rc=$?
	if [ $rc -eq 0 ]; then
		ok "$what"
	else
		bad "$what"
		printf '         exit %d:' "$rc"
		printf ' %q' "$@"
		printf '\n'
	fi
}

# json_true FILE JQ-ARGS...: jq -e ARGS FILE with its output dropped, so that
# check's own "ok" line, outside the redirection, still shows.
json_true() {
	local file=$1
	shift
	jq -e "$@" "$file" >/dev/null
}

# Below Linux's ephemeral range (32768 and up): a port there can be the local
# end of some connection, which refuses a connect as a free port does and
# then refuses the listener's bind.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	return 1
}

wait_url() { # wait_url URL SECONDS
	local deadline=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$deadline" ]; do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

wait_file() { # wait_file GLOB SECONDS: true once a non-empty file matches
	local deadline=$((SECONDS * 10 + $2 * 10)) f
	while [ $((SECONDS * 10)) -lt "$deadline" ]; do
		for f in $1; do [ -s "$f" ] && return 0; done
		sleep 0.1
	done
	return 1
}

start_bg() { # start_bg LOG command...: runs it in the background, records the pid
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	pids+=($!)
	# shellcheck disable=SC2034 # read by the scripts that source this file
	last_pid=$!
}

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}

skip_unless_bpf() { # skip_unless_bpf SUITE: exit 0 with the reason where BPF cannot load here
	if [ "$(id -u)" -ne 0 ]; then
		echo "$1: SKIP: not root (loading BPF needs CAP_BPF and CAP_PERFMON)"
		exit 0
	fi
	if [ ! -r /sys/kernel/btf/vmlinux ]; then
		echo "$1: SKIP: no kernel BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)"
		exit 0
	fi
}

summary() { # summary NAME: the closing line CI reads, and the exit status
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
