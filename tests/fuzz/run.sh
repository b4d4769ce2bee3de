#!/usr/bin/env bash
# Runs libFuzzer targets for FUZZ_SECONDS each, FUZZ_JOBS at a time, over
# their committed corpus (tests/fuzz/corpus/NAME, read only) plus a scratch
# corpus (build/fuzz/corpus/NAME, where new inputs go), and prints one line per
# target: executions, new corpus units, crashes. Exit 1 if any target crashed
# (the input is in build/fuzz/artifacts/NAME-crash-*; replay it with
# build/fuzz/fuzz_NAME FILE).
# usage: FUZZ_SECONDS=60 FUZZ_JOBS=2 tests/fuzz/run.sh build/fuzz/fuzz_*
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
out=build/fuzz
# Each run reports only what it found: earlier crashes move aside, kept for replay.
if [ -n "$(ls -A "$out/artifacts" 2>/dev/null)" ]; then
	mkdir -p "$out/artifacts.old"
	mv "$out"/artifacts/* "$out/artifacts.old/"
fi
mkdir -p "$out/artifacts" "$out/logs"
# The targets build their fake /proc and /sys trees and write their files
# under TMPDIR, and a libFuzzer process ends by exit(), not by cleaning up:
# one scratch directory per run, removed with it.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/im-fuzz-run.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
export TMPDIR=$scratch

run_one() {
	local bin=$1 seconds=$2 out=$3 name maxlen=65536
	name=${bin##*/fuzz_}
	# The JSONL line and web config have their own limits far above this;
	# long inputs are exercised by tests/integration/export-damage.sh.
	case $name in http) maxlen=16384 ;; esac
	mkdir -p "$out/corpus/$name" "tests/fuzz/corpus/$name"
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" \
		-print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" \
		"$out/corpus/$name" "tests/fuzz/corpus/$name" >"$out/logs/$name.log" 2>&1
	echo "$name $?"
}
export -f run_one

printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$out" \
	>"$out/status.txt"
fail=0
passed=0
printf '%-14s %12s %10s %8s %s\n' target executions exec/s crashes result
for bin in "$@"; do
	name=${bin##*/fuzz_}
	log=$out/logs/$name.log
	rc=$(awk -v n="$name" '$1 == n { print $2 }' "$out/status.txt")
	execs=$(awk '/stat::number_of_executed_units/ { print $NF }' "$log" | tail -1)
	rate=$(awk '/stat::average_exec_per_sec/ { print $NF }' "$log" | tail -1)
	crashes=$(find "$out/artifacts" -name "$name-*" 2>/dev/null | wc -l)
	result=ok
	if [ "${rc:-1}" != 0 ] || [ "$crashes" -gt 0 ]; then
		result="FAIL (see $log)"
		fail=$((fail + 1))
	else
		passed=$((passed + 1))
	fi
	printf '%-14s %12s %10s %8s %s\n' "$name" "${execs:-?}" "${rate:-?}" "$crashes" "$result"
done
echo "fuzz: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
