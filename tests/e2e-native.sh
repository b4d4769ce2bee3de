#!/usr/bin/env bash
# `make e2e`, native-histogram run (tests/e2e-stack.sh target "native"): a real
# Prometheus (Debian's 2.42) with --enable-feature=native-histograms scrapes the
# daemon, which it then asks for protobuf. Checks that the latency families are
# stored as native histograms (the query API returns "histogram" samples and
# no _bucket series), that histogram_quantile() over rate() of them answers,
# and that the recording rules rewritten by scripts/native-rules.sh, with the
# shipped alerts on top, evaluate without errors and produce data.
#
#   tests/e2e-native.sh [BIN]     report in build/e2e/report-native.txt
set -Eeuo pipefail
trap 'echo "e2e-native: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-build/infra-monitor}")
out=build/e2e
mkdir -p "$out"
tmp=$(mktemp -d /tmp/infra-monitor-native.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=tests/e2e-lib.sh
. tests/e2e-lib.sh
query() { # promql -> the API's JSON
	curl -fsS --max-time 5 --data-urlencode "query=$1" "$base/api/v1/query"
}

port=$(free_port)
pport=$(free_port)
base=http://127.0.0.1:$pport
"$BIN" --web.listen-address="127.0.0.1:$port" --collect.interval=5s --output.dir="$tmp/jsonl" \
	>"$tmp/daemon.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/health" 30 || {
	echo "e2e-native: daemon did not answer"
	exit 1
}

mkdir -p "$tmp/rules"
scripts/native-rules.sh >"$tmp/rules/native-recording.yml"
cp infra/prometheus/rules/infra-monitor-alerts.yml "$tmp/rules/"
cat >"$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - $tmp/rules/*.yml
scrape_configs:
  - job_name: infra-monitor
    static_configs:
      - targets: ['127.0.0.1:$port']
YML
promtool check config "$tmp/prometheus.yml" >/dev/null
prometheus --enable-feature=native-histograms --config.file="$tmp/prometheus.yml" \
	--storage.tsdb.path="$tmp/data" --web.listen-address="127.0.0.1:$pport" --log.level=warn \
	>"$out/prometheus-native.log" 2>&1 &
pids+=($!)
wait_http "$base/-/ready" 30 || {
	echo "e2e-native: Prometheus not ready"
	exit 1
}

# Direct I/O while Prometheus scrapes, so rate() has something to show (when
# the BPF programs can load here: root and BTF).
for ((i = 0; i < 40; i++)); do
	dd if=/dev/zero of="$tmp/io" bs=4k count=64 oflag=direct status=none 2>/dev/null || true
	n=$(query 'count_over_time(up{job="infra-monitor"}[5m])' | jq -r '.data.result[0].value[1] // 0')
	[ "$n" -ge 5 ] && break
	sleep 1
done
sleep 6 # one more rule evaluation after the last scrape

report() { # ok|FAIL text
	echo "$1  $2"
}
{
	echo "== native histograms: Prometheus $(prometheus --version 2>&1 | awk 'NR == 1 { print $3 }') --enable-feature=native-histograms =="
	last_err=$(curl -fsS "$base/api/v1/targets" | jq -r '.data.activeTargets[0].lastError')
	up=$(query 'up{job="infra-monitor"}' | jq -r '.data.result[0].value[1] // empty')
	[ "$up" = 1 ] && [ -z "$last_err" ] && report ok "up == 1, no scrape error" ||
		report FAIL "up=$up, last scrape error: $last_err"
	curl -fsS -o "$tmp/metrics.txt" "http://127.0.0.1:$port/metrics"
	if ! grep -q 'program="biolat",.*status="attached"' "$tmp/metrics.txt"; then
		report FAIL "BPF programs not attached (needs root and BTF): no histograms to check"
	else
		q=$(query 'infra_monitor_disk_io_latency_seconds')
		hs=$(jq '[.data.result[] | select(.histogram)] | length' <<<"$q")
		vs=$(jq '[.data.result[] | select(.value)] | length' <<<"$q")
		[ "$hs" -gt 0 ] && [ "$vs" -eq 0 ] &&
			report ok "infra_monitor_disk_io_latency_seconds: $hs native histogram samples" ||
			report FAIL "infra_monitor_disk_io_latency_seconds: $hs histogram, $vs float samples"
		b=$(query 'count(infra_monitor_disk_io_latency_seconds_bucket)' | jq '.data.result | length')
		[ "$b" -eq 0 ] && report ok "no classic _bucket series (2.42 stores only the native form)" ||
			report FAIL "classic _bucket series present"
		p50=$(query 'histogram_quantile(0.5, rate(infra_monitor_disk_io_latency_seconds[1m]))' |
			jq -r '[.data.result[].value[1] | tonumber | select(. > 0 and . < 1e9)] | length')
		[ "$p50" -gt 0 ] &&
			report ok "histogram_quantile(0.5, rate(infra_monitor_disk_io_latency_seconds[1m])): $p50 series with a value" ||
			report FAIL "histogram_quantile over the native histogram gave no value"
		rec=$(query 'instance_device_op_phase:infra_monitor_disk_io_latency_seconds:histogram_quantile_rate5m' |
			jq '.data.result | length')
		[ "$rec" -gt 0 ] && report ok "native recording rule (scripts/native-rules.sh): $rec series" ||
			report FAIL "native recording rule produced no series"
	fi
	bad=$(curl -fsS "$base/api/v1/rules" | jq -r '[.data.groups[].rules[] | select(.health != "ok") | .name] | join(", ")')
	[ -z "$bad" ] && report ok "every rule (native recording + shipped alerts) evaluates" ||
		report FAIL "rules with errors: $bad"
} | tee "$out/report-native.txt"
grep -q '^FAIL' "$out/report-native.txt" && exit 1
exit 0
