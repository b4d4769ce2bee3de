#!/usr/bin/env bash
# Golden-file test: `infra-monitor once --format=prom` over the fixture tree,
# compared line by line with tests/fixtures/e2e-output.txt.
#   tests/e2e.sh BIN        compare
#   tests/e2e.sh -u BIN     rewrite the golden file (review the diff!)
# Values that depend on the moment or on the machine running the test (the
# clock, durations, statvfs of the fixture root, the build revision) are
# replaced by "X" so the names, labels and every other value still count.
set -Eeuo pipefail
trap 'echo "e2e: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."

update=0
if [ "${1:-}" = "-u" ]; then
	update=1
	shift
fi
bin=${1:?usage: tests/e2e.sh [-u] path/to/infra-monitor}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Each variant is the default tree with an edge-case tree laid over it, so one
# odd host (an old kernel's short /proc/stat and no PSI, 64 CPUs) differs from
# the default in exactly the files it replaces. Golden files:
# tests/fixtures/e2e-output.txt, tests/fixtures/e2e-output-<variant>.txt.
variants=(default oldkernel many-cpus)

render() { # render VARIANT OUT
	local fx=$work/$1
	mkdir -p "$fx"
	cp -a tests/fixtures/default/. "$fx/"
	[ "$1" = default ] || cp -a "tests/fixtures/$1/." "$fx/"
	# An overlay cannot delete: a variant lists what its host lacks in .absent.
	if [ -f "$fx/.absent" ]; then
		while read -r gone; do rm -rf "${fx:?}/$gone"; done <"$fx/.absent"
	fi
	"$bin" once --format=prom --no-collector.bpf \
		--path.procfs="$fx/proc" --path.sysfs="$fx/sys" --path.rootfs="$fx/root" \
		--path.udev.data="$fx/root/run/udev/data" \
		--collector.textfile.directory="$fx/textfile" --log.level=error >"$2.raw" || true
	sed -E \
		-e 's/^((node_timex_[a-z_]+|node_time_seconds|node_time_zone_offset_seconds|infra_monitor_collector_duration_seconds|node_scrape_collector_duration_seconds|infra_monitor_last_collect_timestamp_seconds|node_filesystem_(size|free|avail)_bytes|node_filesystem_files(_free)?)(\{[^}]*\})?) .*/\1 X/' \
		-e 's/^(node_time_zone_offset_seconds)\{time_zone="[^"]*"\}/\1{time_zone="X"}/' \
		-e 's/^(infra_monitor_build_info\{.*revision=")[^"]*(".*)/\1X\2/' \
		-e 's/^(node_uname_info\{.*machine=")[^"]*(".*)/\1X\2/' \
		-e "s#\"$fx/#\"FIXTURE/#g" \
		-e 's/^(node_textfile_mtime_seconds\{file=")[^"]*(\/textfile\/[^"]*"\}) .*/\1X\2 X/' \
		-e 's/^(# HELP [^ ]+ Metric read from )[^ ,]*(\/textfile\/)/\1X\2/' \
		"$2.raw" >"$2"
}

golden_of() { [ "$1" = default ] && echo tests/fixtures/e2e-output.txt ||
	echo "tests/fixtures/e2e-output-$1.txt"; }

passed=0
failed=0
for v in "${variants[@]}"; do
	golden=$(golden_of "$v")
	render "$v" "$work/$v.out"
	if [ "$update" = 1 ]; then
		cp "$work/$v.out" "$golden"
		echo "e2e: rewrote $golden ($(wc -l <"$golden") lines)"
	elif diff -u "$golden" "$work/$v.out"; then
		passed=$((passed + 1))
		echo "e2e: $v: $(wc -l <"$golden") lines match $golden"
	else
		failed=$((failed + 1))
		echo "e2e: $v differs (run 'tests/e2e.sh -u $bin' to accept, then review the diff)"
	fi
done
if [ "$update" = 1 ]; then
	scripts/gen-metrics-doc.sh "$bin"
	exit 0
fi
scripts/gen-metrics-doc.sh --check "$bin"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
