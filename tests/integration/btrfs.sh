#!/usr/bin/env bash
# btrfs device error counters on this host's kernel: two loop-device
# filesystems, one on a single device and one raid1 pair, a data block of the
# single one overwritten under it so that reading the file fails its checksum
# (the kernel counts corruption errors). Then:
#   - devinfo/<devid>/error_stats exists (Linux 5.14 and later);
#   - node_btrfs_device_errors_total has the kernel's counts, named by the
#     block device for the single device and by devid for the pair (sysfs
#     does not say which block device a devid is);
#   - node_exporter, which asks the kernel by ioctl, reports the same counters
#     (its extra btrfs_dev_uuid label dropped; the pair's devices compared as
#     a set of counts, since it names them by block device).
# Needs root, loop devices, btrfs in the kernel and mkfs.btrfs (btrfs-progs,
# scripts/install-deps.sh test); skips with the reason otherwise.
#   tests/integration/btrfs.sh path/to/infra-monitor
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: btrfs.sh path/to/infra-monitor}")
skip() { echo "btrfs: SKIP: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (loop devices, mount)"
command -v mkfs.btrfs >/dev/null || skip "mkfs.btrfs missing (scripts/install-deps.sh test)"
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null ||
	skip "this kernel ($(uname -r)) has no btrfs"

work=$(mktemp -d)
loops=()
mounts=()
finish() {
	local m l
	cleanup
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$work"
}
trap finish EXIT

for img in single pair1 pair2; do
	truncate -s 256M "$work/$img.img"
	loop=$(losetup -f --show "$work/$img.img") || skip "losetup: no loop device"
	loops+=("$loop")
done
mkfs.btrfs -q -f "${loops[0]}" >/dev/null 2>&1 || skip "mkfs.btrfs ${loops[0]} failed"
mkfs.btrfs -q -f -d raid1 -m raid1 "${loops[1]}" "${loops[2]}" >/dev/null 2>&1 ||
	skip "mkfs.btrfs raid1 failed"
mkdir "$work/single" "$work/pair"
mount "${loops[0]}" "$work/single" || skip "mount btrfs failed"
mounts+=("$work/single")
mount "${loops[1]}" "$work/pair" || skip "mount btrfs failed"
mounts+=("$work/pair")
single=$(blkid -s UUID -o value "${loops[0]}")
pair=$(blkid -s UUID -o value "${loops[1]}")
echo "== btrfs: $single on ${loops[0]}, $pair on ${loops[1]} ${loops[2]} (Linux $(uname -r))"
stats=/sys/fs/btrfs/$single/devinfo/1/error_stats
[ -f "$stats" ] || skip "Linux $(uname -r) has no $stats (5.14 and later have it)"

# A 72 kB file (past the inline limit: a data extent of its own) with a text
# found again in the image once it is written out; four bytes of it changed
# while unmounted, a read after the remount fails its checksum.
python3 -c "import sys; sys.stdout.write('IM-BTRFS-PROBE-' * 4800)" >"$work/single/victim"
sync
umount "$work/single"
mounts=("$work/pair")
off=$(grep -obUa -m1 'IM-BTRFS-PROBE-IM-BTRFS-PROBE-' "$work/single.img" | head -1 | cut -d: -f1)
check "the file's data found in the image" test -n "$off"
printf 'XXXX' | dd of="$work/single.img" bs=1 seek=$((${off:-0} + 100)) conv=notrunc status=none
mount "${loops[0]}" "$work/single" || skip "remount btrfs failed"
mounts+=("$work/single")
check "reading the damaged file fails" bash -c "! cat '$work/single/victim' >/dev/null 2>&1"
corrupt=$(awk '$1 == "corruption_errs" { print $2 }' "$stats")
check "the kernel counted corruption errors (${corrupt:-none})" test "${corrupt:-0}" -gt 0

errors() { # errors FILE: node_btrfs_device_errors_total lines of the two test filesystems
	grep -E "^node_btrfs_device_errors_total\{.*uuid=\"($single|$pair)\"" "$1" |
		sed -E 's/btrfs_dev_uuid="[^"]*",//' | sort
}
"$bin" once --format=prom --collector.disable-defaults --collector.btrfs --log.level=error \
	>"$work/im.prom"
errors "$work/im.prom" >"$work/im.err"
check "single device: its five counters, named by its block device" \
	test "$(grep -c "device=\"${loops[0]##*/}\",type=\"[a-z]*\",uuid=\"$single\"" "$work/im.err")" = 5
check "single device: corruption = the kernel's count ($corrupt)" \
	grep -qx "node_btrfs_device_errors_total{device=\"${loops[0]##*/}\",type=\"corruption\",uuid=\"$single\"} $corrupt" \
	"$work/im.err"
check "raid1 pair: five counters per devid" \
	test "$(grep -cE "device=\"devid:[12]\",type=\"[a-z]*\",uuid=\"$pair\"" "$work/im.err")" = 10

if command -v prometheus-node-exporter >/dev/null; then
	port=$(free_port)
	start_bg "$work/ne.log" prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
		--collector.disable-defaults --collector.btrfs
	check "node_exporter up" wait_url "http://127.0.0.1:$port/metrics" 10
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/ne.prom"
	errors "$work/ne.prom" >"$work/ne.err"
	check "node_exporter: the single device's series are the same" \
		diff -u <(grep "uuid=\"$single\"" "$work/ne.err") <(grep "uuid=\"$single\"" "$work/im.err")
	# type and count per device, the device left out.
	counts() { grep "uuid=\"$pair\"" "$1" | sed -E 's/.*type="([a-z]*)".* /\1 /' | sort; }
	check "node_exporter: the pair's counts are the same" \
		diff -u <(counts "$work/ne.err") <(counts "$work/im.err")
else
	echo "btrfs: note: prometheus-node-exporter missing, no comparison (scripts/install-deps.sh test)"
fi
summary btrfs
