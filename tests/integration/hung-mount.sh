#!/usr/bin/env bash
# A mount whose statfs never answers, as a dead NFS server behaves: a FUSE
# file system (python3-fusepy) that answers everything but statfs. Once the
# request has reached its daemon, the kernel waits for the answer
# uninterruptibly, so whoever calls statfs on it cannot be killed.
#   - the daemon's snapshots still arrive every interval;
#   - the mount gets node_filesystem_device_error 1, and /health and the log
#     name it;
#   - the daemon's main process exits within 2 s of SIGTERM;
#   - `once | cat` returns (no stuck process holds the pipe).
# The test ends the hang by killing its FUSE server. Needs root (mount).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: hung-mount.sh path/to/infra-monitor}")
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/fuse ]; then
	echo "hung-mount: skipped: needs root and /dev/fuse (uid $(id -u))"
	exit 0
fi
work=$(mktemp -d)
mnt=$work/dead
mkdir -p "$mnt" "$work/out"
fuse_pid=
finish() {
	[ -n "$fuse_pid" ] && kill -KILL "$fuse_pid" 2>/dev/null
	# The kernel aborts the pending requests once the server is gone.
	umount -l "$mnt" 2>/dev/null
	cleanup
	rm -rf "$work"
}
trap finish EXIT

cat >"$work/deadfs.py" <<'EOF'
import errno, stat, sys, threading, time
from fusepy import FUSE, FuseOSError, Operations

class Dead(Operations):
    def getattr(self, path, fh=None):
        if path != "/":
            raise FuseOSError(errno.ENOENT)
        now = time.time()
        return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, st_ctime=now,
                    st_mtime=now, st_atime=now)

    def readdir(self, path, fh):
        return [".", ".."]

    def statfs(self, path):
        threading.Event().wait()    # the server that never answers

FUSE(Dead(), sys.argv[1], foreground=True, nothreads=False, allow_other=True)
EOF
/usr/bin/python3 "$work/deadfs.py" "$mnt" >"$work/fuse.log" 2>&1 &
fuse_pid=$!
for _ in $(seq 50); do mountpoint -q "$mnt" && break; sleep 0.1; done
if ! mountpoint -q "$mnt"; then
	bad "FUSE mount came up: $(cat "$work/fuse.log")"
	summary hung-mount
	exit 1
fi

port=$(free_port)
start_bg "$work/daemon.log" "$bin" --web.listen-address="127.0.0.1:$port" \
	--output.dir="$work/out" --collect.interval=1s --collector.filesystem.timeout=300ms \
	--no-collector.bpf
daemon=$last_pid
check "HTTP up" wait_url "http://127.0.0.1:$port/health" 5
sleep 4.5
lines=$(wc -l <"$work/out/infra-monitor.jsonl")
check "snapshots keep arriving: $lines lines in ~5 s" test "$lines" -ge 4
curl -fsS "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
check "node_filesystem_device_error 1 for the dead mount" \
	grep -q "^node_filesystem_device_error{.*mountpoint=\"$mnt\"} 1$" "$work/metrics.txt"
check "the other mounts still have sizes" grep -q '^node_filesystem_size_bytes{' "$work/metrics.txt"
curl -fsS "http://127.0.0.1:$port/health" >"$work/health.json"
check "/health names the mount among its reasons" \
	json_true "$work/health.json" --arg m "$mnt" '.status == "degraded" and any(.reasons[]; contains($m))'
check "/health names it in the filesystem collector" \
	json_true "$work/health.json" --arg m "$mnt" '.collectors.filesystem.detail | contains($m)'
check "the log names it once" \
	test "$(grep -c "statvfs hung: .*$mnt" "$work/daemon.log")" -eq 1
start=$(date +%s.%N)
kill -TERM "$daemon"
wait "$daemon"
rc=$?
took=$(echo "$(date +%s.%N) - $start" | bc)
check "SIGTERM: the main process exits 0 (got $rc) within 2 s (took $took s)" \
	bash -c "[ $rc = 0 ] && (( \$(echo '$took < 2' | bc) ))"

start=$(date +%s.%N)
timeout 20 bash -c "'$bin' once --format=prom --no-collector.bpf \
	--collector.filesystem.timeout=300ms 2>/dev/null | cat >'$work/once.txt'"
rc=$?
took=$(echo "$(date +%s.%N) - $start" | bc)
check "once | cat returns (exit $rc, $took s)" test "$rc" = 0
check "once reports the dead mount" \
	grep -q "^node_filesystem_device_error{.*mountpoint=\"$mnt\"} 1$" "$work/once.txt"

kill -KILL "$fuse_pid"
wait "$fuse_pid" 2>/dev/null
fuse_pid=
summary hung-mount
