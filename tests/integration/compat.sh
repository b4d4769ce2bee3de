#!/usr/bin/env bash
# node_exporter compatibility: run prometheus-node-exporter with the cpu,
# meminfo, loadavg, diskstats, filesystem, netdev, pressure and vmstat
# collectors beside infra-monitor on this host, and require every series name
# and label set it exports to exist here too (values, and label values that
# name things, are not compared). Used by `make test-integration` and by
# bench/compare-node-exporter.sh.
#   tests/integration/compat.sh BIN
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: compat.sh path/to/infra-monitor}")
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT

if ! command -v prometheus-node-exporter >/dev/null; then
	echo "compat: SKIP: prometheus-node-exporter is not installed (scripts/install-deps.sh test)"
	exit 0
fi
compared=(cpu meminfo loadavg diskstats filesystem netdev pressure vmstat)
ne_flags=(--collector.disable-defaults)
for c in "${compared[@]}"; do ne_flags+=("--collector.$c"); done

p_ne=$(free_port)
p_im=$(free_port)
start_bg "$work/ne.log" prometheus-node-exporter --web.listen-address="127.0.0.1:$p_ne" \
	"${ne_flags[@]}"
start_bg "$work/im.log" "$bin" --web.listen-address="127.0.0.1:$p_im" \
	--output.dir="$work/jsonl" --no-collector.bpf --log.level=warn
check "node_exporter up" wait_url "http://127.0.0.1:$p_ne/metrics" 10
check "infra-monitor up" wait_url "http://127.0.0.1:$p_im/metrics" 10

# name{label names} of every series; histogram buckets fold into one.
labelsets() {
	grep -v '^#' | sed -E -e 's/ [^ ]+$//' -e 's/(\{|,)le="[^"]*"/\1/' -e 's/="[^"]*"/=""/g' |
		sort -u
}
curl -fsS "http://127.0.0.1:$p_ne/metrics" | grep -E '^node_' |
	grep -vE '^node_(scrape_collector_|exporter_build_info)' | labelsets >"$work/ne"
curl -fsS "http://127.0.0.1:$p_im/metrics" | labelsets >"$work/im"
missing=$(comm -23 "$work/ne" "$work/im")
total=$(wc -l <"$work/ne")
check "node_exporter exported $total name+label sets from ${compared[*]}" test "$total" -gt 50
if [ -n "$missing" ]; then
	echo "$missing" | sed 's/^/    missing here: /'
fi
check "every one of them exists here ($(echo -n "$missing" | grep -c '') missing)" test -z "$missing"
summary compat
