#!/usr/bin/env bash
# Golden-file test: `infra-monitor once --format=prom` over the fixture tree,
# compared line by line with tests/fixtures/e2e-output.txt.
#   tests/e2e.sh BIN        compare
#   tests/e2e.sh -u BIN     rewrite the golden file (review the diff!)
# Values that depend on the moment or on the machine running the test (the
# clock, durations, statvfs of the fixture root, the build revision) are
# replaced by "X" so the names, labels and every other value still count.
set -euo pipefail
cd "$(dirname "$0")/.."

update=0
if [ "${1:-}" = "-u" ]; then
	update=1
	shift
fi
bin=${1:?usage: tests/e2e.sh [-u] path/to/infra-monitor}
golden=tests/fixtures/e2e-output.txt
fx=tests/fixtures/default
out=$(mktemp)
trap 'rm -f "$out" "$out.raw"' EXIT

"$bin" once --format=prom --no-collector.bpf \
	--path.procfs="$fx/proc" --path.sysfs="$fx/sys" --path.rootfs="$fx/root" \
	--log.level=error >"$out.raw"

sed -E \
	-e 's/^((node_time_seconds|node_time_zone_offset_seconds|infra_monitor_collector_duration_seconds|infra_monitor_last_collect_timestamp_seconds|node_filesystem_(size|free|avail)_bytes|node_filesystem_files(_free)?)(\{[^}]*\})?) .*/\1 X/' \
	-e 's/^(node_time_zone_offset_seconds)\{time_zone="[^"]*"\}/\1{time_zone="X"}/' \
	-e 's/^(infra_monitor_build_info\{.*revision=")[^"]*(".*)/\1X\2/' \
	-e 's/^(node_uname_info\{.*machine=")[^"]*(".*)/\1X\2/' \
	"$out.raw" >"$out"

if [ "$update" = 1 ]; then
	cp "$out" "$golden"
	scripts/gen-metrics-doc.sh
	echo "e2e: rewrote $golden ($(wc -l <"$golden") lines) and the table in docs/metrics.md"
	exit 0
fi
scripts/gen-metrics-doc.sh --check
if diff -u "$golden" "$out"; then
	echo "e2e: 1 passed, 0 failed ($(wc -l <"$golden") lines match $golden)"
else
	echo "e2e: 0 passed, 1 failed (run 'tests/e2e.sh -u $bin' to accept, then review the diff)"
	exit 1
fi
