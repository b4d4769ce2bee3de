#!/usr/bin/env bash
# --mode=export fed a damaged JSONL directory. At every step the exporter must
# stay up, keep serving the last good snapshot (node_load1 tells which one),
# say in /health why it is degraded, and keep its memory bounded:
#   a truncated last line (a write in progress: ignored, not an error),
#   binary junk ending in a newline, a 1 GiB line (a sparse hole, so the test
#   costs no disk; RSS is sampled while the reader meets it), a file replaced
#   under the reader (new inode, shorter), a replacement that is junk, the
#   current file removed with only a corrupt .gz left; and recovery when a
#   good line arrives after each.
# usage: tests/integration/export-damage.sh path/to/infra-monitor
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: export-damage.sh path/to/infra-monitor}")
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT
dir=$work/jsonl
mkdir -p "$dir"
cur=$dir/infra-monitor.jsonl
# RSS ceiling: the reader holds at most one 16 MiB line plus its scan chunk.
rss_limit_kb=$((96 * 1024))

fx=tests/fixtures/default
"$bin" once --format=json --path.procfs=$fx/proc --path.sysfs=$fx/sys --path.rootfs=$fx/root \
	--no-collector.bpf >"$work/a" 2>/dev/null     # node_load1 0.52
"$bin" once --format=json --no-collector.bpf >"$work/b" 2>/dev/null
sed 's/"seq":[0-9]*/"seq":7/' "$work/b" >"$work/c"
[ "$(wc -l <"$work/a")" = 1 ] || { echo "export-damage: cannot make a JSONL line"; exit 1; }

cp "$work/a" "$cur"
port=$(free_port)
url=http://127.0.0.1:$port
start_bg "$work/export.log" "$bin" --mode=export --output.dir="$dir" \
	--web.listen-address="127.0.0.1:$port" --export.stale-after=1h
pid=$last_pid
check "exporter up" wait_url "$url/health" 10
sleep 1.2

load1() { curl -fsS "$url/metrics" | awk '$1 == "node_load1" { print $2 }'; }
reader() { curl -fsS "$url/health" | jq -r '.components.jsonl_reader | "\(.state): \(.detail)"'; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status"; }
alive() { kill -0 "$pid" 2>/dev/null; }
step() { sleep 1.3; }   # the reader polls once a second
starts() { [[ $1 == "$2"* ]]; }        # starts TEXT PREFIX
has() { [[ $1 == *"$2"* ]]; }          # has TEXT PART

check "serves the good line (node_load1 $(load1))" test "$(load1)" = 0.52

echo "== truncated last line"
head -c 5000 "$work/b" >>"$cur"
step
check "a half-written last line is a write in progress: still the good snapshot" \
	test "$(load1)" = 0.52
check "and not an error ($(reader))" starts "$(reader)" ok:

echo "== binary junk"
printf '\n' >>"$cur"         # ends the torn piece: now a bad line
head -c 3000 /dev/urandom | tr -d '\n' >>"$cur"
printf '\n' >>"$cur"
step
check "junk: alive, still the good snapshot" bash -c "kill -0 $pid && [ '$(load1)' = 0.52 ]"
why=$(reader)
check "junk: /health says why ($why)" starts "$why" degraded:
cat "$work/c" >>"$cur"
step
check "a good line after the junk is served (node_load1 $(load1))" \
	bash -c "[ '$(load1)' != 0.52 ] && [ -n '$(load1)' ]"
check "and the reader is ok again" starts "$(reader)" ok:

echo "== a 1 GiB line"
cp "$work/a" "$dir/new" && mv "$dir/new" "$cur"
step
check "replaced file read afresh (node_load1 $(load1))" test "$(load1)" = 0.52
rss0=$(rss_kb)
# A sparse 1 GiB hole with no newline, then its newline: a 1 GiB line.
truncate -s +1G "$cur"
maxrss=$rss0
for _ in 1 2 3; do
	sleep 0.5
	r=$(rss_kb)
	[ "${r:-0}" -gt "$maxrss" ] && maxrss=$r
done
check "1 GiB without a newline: a line in progress, still the good snapshot" \
	bash -c "kill -0 $pid && [ '$(load1)' = 0.52 ]"
printf '\n' >>"$cur"
for _ in 1 2 3 4; do
	sleep 0.5
	r=$(rss_kb)
	[ "${r:-0}" -gt "$maxrss" ] && maxrss=$r
done
why=$(reader)
check "1 GiB line: skipped, /health says why ($why)" \
	has "$why" "longer than the limit"
check "1 GiB line: still the good snapshot" test "$(load1)" = 0.52
hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status")
echo "  RSS: ${rss0} kB before, ${maxrss} kB max while reading, VmHWM ${hwm} kB"
check "memory bounded: peak RSS ${hwm} kB < ${rss_limit_kb} kB" test "$hwm" -lt "$rss_limit_kb"
cat "$work/c" >>"$cur"
step
check "a good line after the 1 GiB line is served" \
	bash -c "[ '$(load1)' != 0.52 ] && [ -n '$(load1)' ]"
check "reader ok again" starts "$(reader)" ok:

echo "== file replaced under the reader"
head -c 2000 /dev/urandom >"$dir/new"
printf '\n' >>"$dir/new"
mv "$dir/new" "$cur"
step
check "replaced by junk: alive, still the last good snapshot" \
	bash -c "kill -0 $pid && [ '$(load1)' != 0.52 ] && [ -n '$(load1)' ]"
why=$(reader)
check "replaced by junk: /health says why ($why)" starts "$why" degraded:
cp "$work/a" "$dir/new" && mv "$dir/new" "$cur"
step
check "replaced by a good file: served (node_load1 $(load1))" test "$(load1)" = 0.52

echo "== current file gone, only a corrupt .gz"
rm -f "$cur"
head -c 4096 /dev/urandom >"$dir/infra-monitor-20990101T000000.000000Z.jsonl.gz"
step
check "corrupt .gz: alive, still the last good snapshot" \
	bash -c "kill -0 $pid && [ '$(load1)' = 0.52 ]"
why=$(reader)
check "corrupt .gz: /health says why ($why)" starts "$why" degraded:
{ printf 'x'; head -c 100000 /dev/zero; } | gzip >"$dir/infra-monitor-20990101T000001.000000Z.jsonl.gz"
step
check "gzip of one endless NUL line: alive" alive
check "/health still answers" wait_url "$url/health" 2
check "export read errors are counted" \
	bash -c "curl -fsS $url/metrics | awk '\$1 == \"infra_monitor_export_read_errors_total\" && \$2 >= 3 { f = 1 } END { exit !f }'"
kill -TERM "$pid"
wait "$pid"
check "clean exit after all of it ($?)" test $? = 0
summary export-damage
