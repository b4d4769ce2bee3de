#!/usr/bin/env bash
# Every benchmark once in a short form (about 3 minutes in all), as CI runs
# them: each must run to its end and print its figures, which are shown and
# not judged (on a shared 2-CPU machine they move by more than the targets'
# margins; the full forms, `make bench`, are for that). A benchmark that
# stops early or prints no table fails this.
#
#   bench/smoke.sh [BIN]     (default build/infra-monitor; root)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
bin=${1:-build/infra-monitor}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# run NAME MARKER... -- COMMAND...: COMMAND's output goes to the terminal and
# must hold every MARKER (a fixed string from the end of its table).
run() {
	local name=$1 start=$SECONDS markers=() m rc
	shift
	while [ "$1" != -- ]; do markers+=("$1"); shift; done
	shift
	echo "== bench-smoke: $name: $*"
	"$@" 2>&1 | tee "$work/$name.log"
	rc=${PIPESTATUS[0]}
	for m in "${markers[@]}"; do
		grep -qF -- "$m" "$work/$name.log" && continue
		echo "bench-smoke: $name printed no \"$m\""
		[ "$rc" = 0 ] && rc=1
	done
	echo "== bench-smoke: $name: exit $rc in $((SECONDS - start)) s"
	[ "$rc" = 0 ] || failed=1
}

run compare "== issue 11 targets" "req/s lead kept" -- \
	env CADENCE_WINDOWS=1 bench/compare-node-exporter.sh "$bin" 1100
run bpf-overhead "per I/O, all hooks" "mq-deadline): +insert, attribution on" "getppid" -- \
	env PART1_ROUNDS=1 bench/bpf-overhead.sh "$bin" 1
run flood "infra-monitor " "node_exporter " -- \
	env FLOOD_RESULTS="$work/flood.txt" bench/flood.sh "$bin" 5
[ $failed = 0 ] && echo "bench-smoke: every benchmark ran" || echo "bench-smoke: FAILED"
exit $failed
