#!/usr/bin/env bash
# The daemon under valgrind (memcheck) through a short integration scenario:
#   --mode=all (collectors, the privilege drop of every thread), JSONL rotating every few lines into gzip, scrapes of
#   /metrics (plain and gzip), /health, /, a 404 and a 405, SIGHUP, SIGTERM;
#   then --mode=export serving what that run wrote.
# valgrind --error-exitcode=1 --leak-check=full: zero errors and zero
# definite leaks, or the exit status says so. Forked children (no exec) stay
# under valgrind and get their own log, checked too.
# usage: tests/integration/valgrind.sh path/to/infra-monitor (a normal -O2 -g build)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: valgrind.sh path/to/infra-monitor}")
if ! command -v valgrind >/dev/null; then
	echo "valgrind: SKIP: valgrind not installed (apt-get install valgrind)"
	echo "valgrind: 0 passed, 0 failed"
	exit 0
fi
# (Not a pipe into grep -q: under pipefail nm's SIGPIPE would fail the test.)
if [[ $(nm -an "$bin" 2>/dev/null) == *__asan_init* ]]; then
	echo "valgrind: SKIP: $bin is a sanitizer build; valgrind needs the normal one"
	echo "valgrind: 0 passed, 0 failed"
	exit 0
fi
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT
vg=(valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
	--errors-for-leak-kinds=definite --track-origins=yes --num-callers=30)
# valgrind 3.19 does not model the bpf() commands the loader uses
# (BPF_MAP_LOOKUP_BATCH, BPF_LINK_CREATE: "unhandled eBPF command 24/28"), so
# every value the kernel writes back looks uninitialised to it and each map
# read is a false report. The BPF paths run under ASan+UBSan instead
# (bpf.sh and privdrop.sh on the SANITIZE=1 build); here the bpf collector
# is off, which also leaves the stats helper unforked.
bpf=(--no-collector.bpf)
vg_result() { # vg_result LOG RC NAME
	local errs leaks
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$1" | head -1)
	leaks=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$1" | head -1)
	echo "  $3: valgrind errors ${errs:-?}, definitely lost ${leaks:-0} bytes, exit $2"
	check "$3: exit 0 under valgrind (got $2)" test "$2" = 0
	check "$3: 0 errors" test "${errs:-x}" = 0
	check "$3: 0 bytes definitely lost" test "${leaks:-0}" = 0
	[ "${errs:-x}" = 0 ] || grep -A25 -m3 -E '^==[0-9]+== (Invalid|Conditional|Syscall param|Use of|Mismatched)|definitely lost in' "$1" | head -80
}

echo "== --mode=all under valgrind"
port=$(free_port)
url=http://127.0.0.1:$port
start_bg "$work/all.log" "${vg[@]}" --log-file="$work/vg-all.%p" "$bin" \
	--web.listen-address="127.0.0.1:$port" --output.dir="$work/out" --collect.interval=500ms \
	--output.max-bytes=100KiB --output.max-files=3 "${bpf[@]}"
pid=$last_pid
check "HTTP up under valgrind" wait_url "$url/health" 60
sleep 2
for _ in 1 2 3; do
	curl -fsS "$url/metrics" >/dev/null
	curl -fsS -H 'Accept-Encoding: gzip' "$url/metrics" >/dev/null
	curl -fsS "$url/health" >/dev/null
	curl -fsS "$url/" >/dev/null
	curl -s "$url/nope" >/dev/null
	curl -s -X POST "$url/metrics" >/dev/null
	sleep 1
done
check "scrapes answered" bash -c "curl -fsS '$url/metrics' | grep -q '^node_load1 '"
kill -HUP "$pid"
sleep 3
check "JSONL rotated into gzip" bash -c "ls '$work'/out/*.jsonl.gz >/dev/null 2>&1"
kill -TERM "$pid"
wait "$pid"
rc=$?
main_log=$work/vg-all.$pid     # valgrind runs the program in its own pid
vg_result "$main_log" "$rc" "mode=all"
for h in "$work"/vg-all.*; do
	[ "$h" = "$main_log" ] && continue
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$h" | head -1)
	check "child process $(basename "$h") (stats helper or probe): ${errs:-?} errors" \
		test "${errs:-0}" = 0
done

echo "== --mode=export under valgrind"
port=$(free_port)
url=http://127.0.0.1:$port
start_bg "$work/export.log" "${vg[@]}" --log-file="$work/vg-export" "$bin" --mode=export \
	--web.listen-address="127.0.0.1:$port" --output.dir="$work/out" --export.stale-after=1h
pid=$last_pid
check "exporter up under valgrind" wait_url "$url/health" 60
sleep 2.5
check "exporter serves the data" bash -c "curl -fsS '$url/metrics' | grep -q '^node_load1 '"
curl -fsS "$url/health" >/dev/null
kill -TERM "$pid"
wait "$pid"
vg_result "$work/vg-export" "$?" "mode=export"
summary valgrind
