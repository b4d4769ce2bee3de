#!/usr/bin/env bash
# Integration tests against the real binary on this host:
#   the daemon's /metrics passes promtool, /health is JSON with a status,
#   JSONL lines appear, validate against the schema and rotate into gzip,
#   --mode=collect and --mode=export cooperate through one directory,
#   SIGTERM stops it cleanly, bad flags exit 2;
# then the suites of their own: node_exporter compatibility, web config (TLS,
# mTLS, basic auth), the connection flood, the privilege drop, 100 SIGKILLs
# during writing and rotation plus a full disk, damaged JSONL in export mode,
# a valgrind run, the BPF tests (root and BTF), btrfs error counters on loop
# devices (root), and the three /metrics formats decoded by other parsers.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: run.sh path/to/infra-monitor}")
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT
py=/usr/bin/python3     # Debian's, which has python3-jsonschema

# node_exporter keeps these names for compatibility and filters the same
# promtool notes out of its own check (camelCase, base units).
promtool_allowed='^node_(memory|netstat|entropy|wifi_station)_'

lint_metrics() { # lint_metrics FILE: promtool says nothing but the allowed notes
	local notes
	notes=$(promtool check metrics <"$1" 2>&1 | grep -Ev "$promtool_allowed")
	[ -z "$notes" ] || { echo "$notes" | head -20; return 1; }
}

echo "== daemon, --mode=all"
port=$(free_port)
out=$work/all
mkdir -p "$out"
start_bg "$work/all.log" "$bin" --web.listen-address="127.0.0.1:$port" --output.dir="$out" \
	--collect.interval=1s --no-collector.bpf
daemon=$last_pid
check "a JSONL line within 2 s" wait_file "$out/infra-monitor.jsonl" 2
check "HTTP up" wait_url "http://127.0.0.1:$port/health" 5
curl -fsS "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
check "promtool check metrics: no message but node_exporter's accepted notes" \
	lint_metrics "$work/metrics.txt"
check "/metrics has node_ and meta series" \
	grep -q '^infra_monitor_collector_success{collector="cpu"} 1$' "$work/metrics.txt"
check "/metrics has process metrics" grep -q '^process_resident_memory_bytes ' "$work/metrics.txt"
curl -fsS -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics" >"$work/metrics.gz"
check "gzip scrape is valid gzip" gzip -t "$work/metrics.gz"
curl -fsS "http://127.0.0.1:$port/health" >"$work/health.json"
check "/health is JSON with a status" jq -e '.status == "ok" or .status == "degraded"' \
	"$work/health.json"
check "/health lists collectors" jq -e '.collectors | length > 10' "$work/health.json"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")
check "unknown path is 404" [ "$code" = 404 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/metrics")
check "POST is 405" [ "$code" = 405 ]
sleep 1.5
check "JSONL lines validate against docs/jsonl.schema.json" \
	"$py" tests/validate-jsonl.py "$out/infra-monitor.jsonl"
check "JSONL has derived per-interval values by the second line" \
	bash -c "tail -n 1 '$out/infra-monitor.jsonl' | jq -e '.derived.cpu_busy_ratio >= 0' >/dev/null"
start=$SECONDS
kill -TERM "$daemon"
wait "$daemon"
rc=$?
check "SIGTERM: exit 0 (got $rc) within 2 s ($((SECONDS - start)) s)" \
	test "$rc" = 0 -a $((SECONDS - start)) -le 2
check "logs are JSON lines" bash -c "grep -v '^$' '$work/all.log' | jq -e -s 'all(.[]; .ts and .level and .msg and .component)' >/dev/null"

echo "== netclass: a link change shows at the next collection"
# The collector exports its last read again while rtnetlink reports no link
# change; an alias set through sysfs is such a change.
alias_file=/sys/class/net/lo/ifalias
if [ "$(id -u)" != 0 ] || ! [ -w "$alias_file" ]; then
	echo "  skip: needs root and a writable $alias_file (set and cleared here)"
else
	port=$(free_port)
	start_bg "$work/nc.log" "$bin" --web.listen-address="127.0.0.1:$port" \
		--output.dir="$work/nc" --collect.interval=200ms --no-collector.bpf
	nc_daemon=$last_pid
	wait_url "http://127.0.0.1:$port/health" 5
	lo_alias() { curl -fsS "http://127.0.0.1:$port/metrics" |
		grep -o 'node_network_info{device="lo",[^}]*ifalias="[^"]*"' | sed 's/.*ifalias="//; s/"$//'; }
	sees_alias() { # sees_alias TEXT: within 2 s
		for _ in $(seq 20); do [ "$(lo_alias)" = "$1" ] && return 0; sleep 0.1; done
		return 1
	}
	old_alias=$(cat "$alias_file")
	sleep 0.5       # a few collections, so the next one may replay
	echo "infra-monitor-test-$$" >"$alias_file"
	check "alias set: exported within 2 s" sees_alias "infra-monitor-test-$$"
	printf '%s\n' "$old_alias" >"$alias_file"
	check "alias restored: exported within 2 s" sees_alias "$old_alias"
	kill -TERM "$nc_daemon"
	wait "$nc_daemon"
fi

echo "== rotation"
out=$work/rot
mkdir -p "$out"
start_bg "$work/rot.log" "$bin" --mode=collect --output.dir="$out" --collect.interval=200ms \
	--output.max-bytes=64KiB --output.max-files=3 --no-collector.bpf
rot=$last_pid
sleep 4
kill -TERM "$rot"
wait "$rot"
n=$(find "$out" -name '*.jsonl.gz' | wc -l)
check "rotated files kept: $n (max 3)" test "$n" -ge 1 -a "$n" -le 3
for gz in "$out"/*.jsonl.gz; do
	check "$(basename "$gz") is valid gzip of valid lines" \
		bash -c "gzip -t '$gz' && zcat '$gz' | $py tests/validate-jsonl.py -"
done

echo "== --mode=collect + --mode=export sharing a directory"
out=$work/split
mkdir -p "$out"
eport=$(free_port)
start_bg "$work/collect.log" "$bin" --mode=collect --output.dir="$out" --collect.interval=1s \
	--no-collector.bpf
collector=$last_pid
start_bg "$work/export.log" "$bin" --mode=export --output.dir="$out" \
	--web.listen-address="127.0.0.1:$eport" --export.stale-after=3s
check "exporter up" wait_url "http://127.0.0.1:$eport/health" 5
sleep 2.5
curl -fsS "http://127.0.0.1:$eport/metrics" >"$work/export.txt"
check "exporter serves the collector's data" grep -q '^node_load1 ' "$work/export.txt"
check "exporter output passes promtool" lint_metrics "$work/export.txt"
check "exporter healthy while fresh" \
	bash -c "curl -fsS http://127.0.0.1:$eport/health | jq -e '.status == \"ok\"' >/dev/null"
kill -TERM "$collector"
wait "$collector"
sleep 4.5
curl -fsS "http://127.0.0.1:$eport/health" >"$work/stale.json"
check "exporter degraded once the data is stale" jq -e '.status == "degraded"' "$work/stale.json"
check "exporter keeps serving the last good snapshot" \
	bash -c "curl -fsS http://127.0.0.1:$eport/metrics | grep -c '^node_load1 ' >/dev/null"

echo "== bad input"
"$bin" --no-such-flag >/dev/null 2>"$work/err"
rc=$?
check "unknown flag: exit 2 (got $rc) and named" \
	test "$rc" = 2 -a -n "$(grep -- '--no-such-flag' "$work/err")"
printf 'web:\n  listen-adress: x\n' >"$work/bad.yml"
"$bin" --config.file="$work/bad.yml" >/dev/null 2>"$work/err"
rc=$?
check "unknown config key: exit 2 (got $rc), file:line and key named" \
	test "$rc" = 2 -a -n "$(grep "bad.yml:2:3: web.listen-adress: unknown key" "$work/err")"

# Each suite prints its own checks and closing line; here it counts as one.
for suite in compat webconfig flood privdrop crash export-damage hung-mount valgrind bpf btrfs \
	formats doctor workloads; do
	echo "== $suite"
	if tests/integration/$suite.sh "$bin"; then ok "$suite suite"; else bad "$suite suite"; fi
done

summary integration
