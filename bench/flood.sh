#!/usr/bin/env bash
# infra-monitor and node_exporter side by side under the same connection
# flood: 1,100 idle connections + 200 slow-header clients from 127.0.0.2 and
# up (8 per address), 10 scrapes from 127.0.0.1 while it holds, RSS sampled
# every 0.1 s. One exporter at a time, same collectors, same flood.
#
#   bench/flood.sh [BIN] [SECONDS]     (defaults: build/infra-monitor, 20)
#
# Prints a table and writes it to $FLOOD_RESULTS (bench/results/flood.txt).
# Loopback only.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
scripts/install-deps.sh build test bench
# shellcheck source=bench/flood-lib.sh
. bench/flood-lib.sh

bin=$(realpath "${1:-build/infra-monitor}")
secs=${2:-20}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
ne=$(command -v prometheus-node-exporter || command -v node_exporter) ||
	{ echo "flood.sh: node_exporter not installed" >&2; exit 1; }
flood_build "$work/flood" || exit 1

# Below 32768, where the kernel picks ephemeral ports for outgoing connections.
port() { echo $((20000 + RANDOM % 12000)); }
start() { # start PORT command...: background, wait for /metrics, sets started_pid
	local p=$1
	shift
	"$@" >"$work/$p.log" 2>&1 &
	started_pid=$!
	pids+=("$started_pid")
	for _ in $(seq 100); do
		curl -fs -o /dev/null "http://127.0.0.1:$p/metrics" && return 0
		sleep 0.1
	done
	echo "flood.sh: $1 did not come up on port $p" >&2
	return 1
}

declare -A row
measure() { # measure NAME PID PORT
	mkdir -p "$work/$1"
	flood_measure "$work/flood" "$2" "$3" "$secs" "$work/$1" --idle 1100 --slow 200 --per-ip 8
	row[$1]=$(printf '%-15s %10s %10s %12s %12s %9s %11s' "$1" "$fm_median_ms" "$fm_max_ms" \
		"$((fm_rss_base_kb / 1024)).$((fm_rss_base_kb % 1024 * 10 / 1024))" \
		"$((fm_rss_peak_kb / 1024)).$((fm_rss_peak_kb % 1024 * 10 / 1024))" \
		"$(flood_field open "$fm_flood")" "$(flood_field closed_by_server "$fm_flood")")
	kill -TERM "$2"
	wait "$2" 2>/dev/null
}

p=$(port)
start "$p" "$bin" --web.listen-address="127.0.0.1:$p" --output.dir="$work/out" \
	--collect.interval=15s --no-collector.bpf || exit 1
measure infra-monitor "$started_pid" "$p"

ne_flags=(--collector.disable-defaults)
for c in "${flood_collectors[@]}"; do ne_flags+=("--collector.$c"); done
p=$(port)
start "$p" "$ne" --web.listen-address="127.0.0.1:$p" "${ne_flags[@]}" || exit 1
measure node_exporter "$started_pid" "$p"

results=${FLOOD_RESULTS:-bench/results/flood.txt}
mkdir -p "$(dirname "$results")"
{
	echo "# flood: 1,100 idle + 200 slow-header connections for ${secs} s, $(nproc) CPUs," \
		"$(date -u +%Y-%m-%dT%H:%MZ), node_exporter $("$ne" --version 2>&1 | awk 'NR==1 {print $3}')"
	printf '%-15s %10s %10s %12s %12s %9s %11s\n' exporter "median_ms" "max_ms" "rss_idle_MB" \
		"rss_peak_MB" "held" "closed_by"
	echo "${row[infra-monitor]}"
	echo "${row[node_exporter]}"
	echo "# scrape: curl time_total from 127.0.0.1 (connect included), 10 scrapes 0.2 s apart"
	echo "# held: flood connections open at the end; closed_by: connections the server ended"
	echo "# (infra-monitor's 10 s header deadline closes every connection that sent no request)"
} | tee "$results"
