#!/usr/bin/env bash
# The three /metrics formats of one snapshot, decoded by parsers that are not
# ours (tests/integration/formats.py), with the BPF histograms in it when this
# host can load them (root and BTF; said when it cannot).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: formats.sh path/to/infra-monitor}")
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT
for t in protoc /usr/bin/python3; do
	command -v "$t" >/dev/null || {
		echo "formats: needs $t (scripts/install-deps.sh test)"
		exit 1
	}
done

port=$(free_port)
# A long interval: the three scrapes read one snapshot.
start_bg "$work/daemon.log" "$bin" --web.listen-address="127.0.0.1:$port" \
	--output.dir="$work/jsonl" --collect.interval=60s
check "HTTP up" wait_url "http://127.0.0.1:$port/health" 20
# Some I/O and a TCP connection, so the histograms are not all empty.
dd if=/dev/zero of="$work/io" bs=4k count=64 oflag=direct status=none 2>/dev/null
curl -fsS -o /dev/null "http://127.0.0.1:$port/health"
curl -fsS "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
if [ "$(id -u)" -eq 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	check "BPF programs attached: histograms included" \
		grep -q 'program="biolat",.*status="attached"' "$work/metrics.txt"
else
	echo "  note BPF not attached here (needs root and BTF): no histograms to compare"
fi
check "text, OpenMetrics and protobuf decode to the same values" \
	/usr/bin/python3 tests/integration/formats.py "http://127.0.0.1:$port/metrics" "$work"
summary formats
