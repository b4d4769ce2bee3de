#!/usr/bin/env bash
# Crash-safe JSONL, the hard way.
#
# 1. SIGKILL loop: CRASH_KILLS (100) SIGKILLs at random points of heavy
#    writing, spread over CRASH_CHAINS (2) directories written at once. Each
#    daemon runs --mode=collect at the 100 ms minimum interval with
#    --output.max-bytes=4KiB, so every line (~35 KB) rotates the file first:
#    the kills land in write(), in rename, in gzip, in fsync, between steps.
#    Each is restarted on its directory; a last clean run finishes what the
#    kills left. Then every line of every file, plain and gzip, must validate
#    (tests/validate-jsonl.py --strict: a torn last line is an error too),
#    no temporary file may remain, no line may appear twice, and within each
#    run (seq counts from 1 per process) no seq and no interval may be
#    missing: the only line a kill may cost is the one being written.
# 2. ENOSPC: a 4 MiB tmpfs (root only; skipped otherwise) is filled until
#    writes fail; the failures must be logged once, counted in
#    infra_monitor_jsonl_write_errors_total and /health, leave no partial
#    line, and writing must resume by itself once space is freed.
# usage: tests/integration/crash.sh path/to/infra-monitor
# CRASH_KILLS=10 for a quick run.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: crash.sh path/to/infra-monitor}")
kills=${CRASH_KILLS:-100}
chains=${CRASH_CHAINS:-2}
py=/usr/bin/python3
work=$(mktemp -d)
mnt=
finish() {
	cleanup
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap finish EXIT

echo "== $kills SIGKILLs over $chains directories during writing and rotation"
# One chain: start, sleep a random 0.15-1.2 s, SIGKILL, restart; then one
# clean run. Writes the kill and restart times (unix seconds) to its log.
chain() { # chain DIR KILLS
	local dir=$1 n=$2 i pid
	mkdir -p "$dir/out"
	for ((i = 0; i < n; i++)); do
		"$bin" --mode=collect --output.dir="$dir/out" --collect.interval=100ms \
			--output.max-bytes=4KiB --output.max-files=1000000 --no-collector.bpf \
			--no-collector.filesystem >>"$dir/daemon.log" 2>&1 &
		pid=$!
		sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.15 + r / 32767 * 1.05 }')"
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		echo "kill $i $(date +%s.%N)" >>"$dir/kills"
	done
	"$bin" --mode=collect --output.dir="$dir/out" --collect.interval=100ms \
		--output.max-bytes=4KiB --output.max-files=1000000 --no-collector.bpf \
		--no-collector.filesystem >>"$dir/daemon.log" 2>&1 &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	wait "$pid"
	echo "clean exit $?" >>"$dir/kills"
}

start=$SECONDS
per=$(((kills + chains - 1) / chains))
left=$kills
cpids=()
for ((c = 0; c < chains; c++)); do
	n=$((left < per ? left : per))
	left=$((left - n))
	chain "$work/chain$c" "$n" &
	cpids+=($!)
done
for p in "${cpids[@]}"; do wait "$p"; done
echo "  kill loop took $((SECONDS - start)) s"

total_kills=$(cat "$work"/chain*/kills | grep -c '^kill ')
check "SIGKILLs delivered: $total_kills" test "$total_kills" -eq "$kills"
check "every chain's last run exited cleanly" \
	bash -c "! grep '^clean exit' '$work'/chain*/kills | grep -qv 'exit 0$'"
repaired=$(cat "$work"/chain*/daemon.log | grep -c 'cut a torn last line' || true)
echo "  torn last lines left by kills and cut at restart: $repaired"
leftovers=$(find "$work" \( -name '*.rotating' -o -name '*.gz.tmp' \) | wc -l)
check "no .rotating or .gz.tmp left after a clean run ($leftovers)" test "$leftovers" -eq 0
files=$(find "$work" -name 'infra-monitor*.jsonl*' | wc -l)
echo "  files: $files"
bad_gz=0
for gz in "$work"/chain*/out/*.jsonl.gz; do gzip -t "$gz" 2>/dev/null || bad_gz=$((bad_gz + 1)); done
check "every .gz is a complete gzip file ($bad_gz bad)" test "$bad_gz" -eq 0
# shellcheck disable=SC2046
check "every line of every file validates (--strict: torn lines count)" \
	"$py" tests/validate-jsonl.py --strict $(find "$work" -name 'infra-monitor*.jsonl*' | sort)

# Runs, seq and time: the kill may cost the line being written, nothing else.
cat >"$work/gaps.py" <<'EOF'
import gzip, json, os, sys
bad = 0
for chain in sorted(d for d in os.listdir(sys.argv[1]) if d.startswith("chain")):
    out = os.path.join(sys.argv[1], chain, "out")
    lines = []
    for name in os.listdir(out):
        path = os.path.join(out, name)
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rb") as f:
            for raw in f.read().split(b"\n"):
                if raw:
                    o = json.loads(raw)
                    lines.append((o["unix_seconds"], o["seq"], name))
    lines.sort()
    seen = set()
    runs, prev = 0, None
    for t, seq, name in lines:
        if (t, seq) in seen:
            print("%s: duplicate line seq %d at %.1f (%s)" % (chain, seq, t, name)); bad += 1
        seen.add((t, seq))
        if seq == 1:
            runs += 1
        elif prev is None or seq != prev[1] + 1:
            print("%s: seq %d at %.1f follows %s: a line is missing" % (chain, seq, t, prev)); bad += 1
        elif abs(t - prev[0] - 0.1) > 0.001 and t - prev[0] > 0.1:
            # A late collection may skip a tick (a slow host), never lose one
            # it numbered: seq is what proves nothing was lost.
            pass
        prev = (t, seq)
    print("  %s: %d lines in %d runs" % (chain, len(lines), runs))
sys.exit(1 if bad else 0)
EOF
"$py" "$work/gaps.py" "$work" >"$work/gaps.out"
rc=$?
cat "$work/gaps.out"
check "no line missing inside any run, none duplicated" test "$rc" -eq 0
runs=$(grep -h ' runs$' "$work/gaps.out" | awk '{ s += $5 } END { print s }')
check "runs that wrote lines: $runs of $((kills + chains))" test "${runs:-0}" -ge $((kills * 9 / 10))

echo "== a crash between rotation steps, a torn last line"
# What a kill can leave, made on purpose: a .rotating file not compressed
# yet (with a torn tail), a half-written .gz.tmp, and a current file whose
# last line was cut by a kill inside write().
dir=$work/steps
mkdir -p "$dir"
zcat "$work"/chain0/out/*.jsonl.gz | head -5 >"$work/good"
stem=infra-monitor-20260101T000000.000000Z.jsonl
{ head -3 "$work/good"; head -c 777 "$work/good"; } >"$dir/$stem.rotating"
head -c 100 "$work/good" | gzip >"$dir/infra-monitor-20260101T000001.000000Z.jsonl.gz.tmp"
{ sed -n 4,5p "$work/good"; head -c 1234 "$work/good"; } >"$dir/infra-monitor.jsonl"
"$bin" --mode=collect --output.dir="$dir" --collect.interval=100ms --no-collector.bpf \
	--no-collector.filesystem >"$work/steps.log" 2>&1 &
p=$!
sleep 0.6
kill -TERM "$p"
wait "$p"
check "the .rotating file was compressed, its 3 complete lines kept" \
	test "$(zcat "$dir/$stem.gz" 2>/dev/null | wc -l)" -eq 3 -a ! -e "$dir/$stem.rotating"
check "the stale .gz.tmp was removed" bash -c "! ls '$dir'/*.gz.tmp 2>/dev/null"
check "the previous current file's 2 complete lines were rotated: 5 lines in .gz files" \
	test "$(zcat "$dir"/*.jsonl.gz | wc -l)" -eq 5
check "both torn tails were cut and logged" \
	test "$(grep -c 'cut a torn last line' "$work/steps.log")" -eq 2
check "every file validates (--strict)" "$py" tests/validate-jsonl.py --strict "$dir"/infra-monitor*

echo "== ENOSPC on a small tmpfs"
if [ "$(id -u)" -ne 0 ]; then
	echo "  SKIP: not root (mounting a tmpfs needs CAP_SYS_ADMIN)"
else
	mnt=$work/tmpfs
	mkdir -p "$mnt"
	if ! mount -t tmpfs -o size=4m tmpfs "$mnt"; then
		echo "  SKIP: mount -t tmpfs failed"
		mnt=
	fi
fi
if [ -n "$mnt" ]; then
	port=$(free_port)
	start_bg "$work/enospc.log" "$bin" --output.dir="$mnt/out" --collect.interval=200ms \
		--output.max-bytes=1MiB --output.max-files=100 --no-collector.bpf \
		--web.listen-address="127.0.0.1:$port"
	d=$last_pid
	wait_url "http://127.0.0.1:$port/health" 10
	sleep 0.5
	# Leave less room than one line.
	dd if=/dev/zero of="$mnt/filler" bs=64k status=none 2>/dev/null
	avail=$(df -B1 --output=avail "$mnt" | tail -1)
	echo "  disk full: $avail bytes free"
	sleep 1.5
	m=$(curl -fsS "http://127.0.0.1:$port/metrics")
	errs=$(awk '$1 == "infra_monitor_jsonl_write_errors_total" { print $2 }' <<<"$m")
	check "write errors counted: ${errs:-none}" test "${errs:-0}" -ge 3
	check "/health: jsonl_sink degraded with the reason" \
		bash -c "curl -fsS http://127.0.0.1:$port/health | jq -e '.components.jsonl_sink.state == \"degraded\" and (.components.jsonl_sink.detail | test(\"space\"))' >/dev/null"
	nwarn=$(grep -c 'JSONL write failed' "$work/enospc.log")
	check "logged once per streak, not per line ($nwarn)" test "$nwarn" -eq 1
	check "no partial line in the current file" \
		"$py" tests/validate-jsonl.py --strict "$mnt/out/infra-monitor.jsonl"
	lines_full=$(wc -l <"$mnt/out/infra-monitor.jsonl")
	rm -f "$mnt/filler"
	sleep 1.5
	lines_after=$(wc -l <"$mnt/out/infra-monitor.jsonl")
	check "writing resumed once space returned ($lines_full -> $lines_after lines)" \
		test "$lines_after" -gt "$lines_full"
	check "resumption logged" grep -q 'JSONL writes resumed' "$work/enospc.log"
	check "/health: jsonl_sink ok again" \
		bash -c "curl -fsS http://127.0.0.1:$port/health | jq -e '.components.jsonl_sink.state == \"ok\"' >/dev/null"
	kill -TERM "$d"
	wait "$d"
	check "every file on the tmpfs validates (--strict)" \
		"$py" tests/validate-jsonl.py --strict "$mnt"/out/infra-monitor*
fi
summary crash
