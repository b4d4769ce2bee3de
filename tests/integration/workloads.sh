#!/usr/bin/env bash
# Per-workload attribution against the real kernel (root and BTF):
#   - three cgroups on the v2 hierarchy: an O_DIRECT writer in A, a loopback
#     TCP client in B, two CPU hogs on one CPU in C; each family's events land
#     in the right one (disk reads: what each cgroup's tasks read by the
#     kernel's own per-task count), and exported workloads plus other add up
#     to the host-wide families;
#   - a kubelet-style layout (both drivers) with /var/log/pods and
#     /var/log/containers under --path.pod-logs: namespace, pod, container;
#   - latency --by=cgroup against those cgroups and on the tracepoint rung;
#   - a real podman container writing to a disk: kind="container", its id;
#   - the cgroup2 tree unmounted, back, removed: host-wide only meanwhile;
#   - 500 short-lived cgroups doing I/O one after another, with a cap of 5
#     series and 16 map entries: the cap holds, overflow is counted, the sums
#     stay exact, removed cgroups leave after the grace period, RSS grows by
#     less than 2 MiB. WORKLOADS_SCALE=2000 runs only this, with 2,000
#     (make test-workloads-scale; about 6 minutes on this loaded 2-core host).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: workloads.sh path/to/infra-monitor}")
if [ "$(id -u)" -ne 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "workloads: skipped: needs root and BTF (uid $(id -u))"
	exit 0
fi
root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$root" ]; then
	echo "workloads: skipped: no cgroup2 mount on this host"
	exit 0
fi
work=$(mktemp -d)
tag=imtest$$
base=$root/$tag
loop=
finish() {
	cleanup
	# Move anything left back to the root, then remove the test's cgroups.
	find "$base" -depth -type d 2>/dev/null | while read -r d; do
		while read -r p; do echo "$p" >"$root/cgroup.procs" 2>/dev/null; done <"$d/cgroup.procs"
		rmdir "$d" 2>/dev/null
	done
	[ -n "$loop" ] && losetup -d "$loop"
	mountpoint -q "$work/cg" && umount "$work/cg"
	rm -rf "$work"
}
trap finish EXIT
mkdir -p "$base"

truncate -s 64M "$work/disk.img"
loop=$(losetup -f --show "$work/disk.img")

# run_in CGROUP-DIR COMMAND...: the command in that cgroup, waited for.
run_in() {
	local cg=$1
	shift
	bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

# read_in CGROUP-DIR COMMAND...: the command in that cgroup, waited for; prints
# how many bytes its processes read from disk by their own requests, which
# the kernel counts per task as it submits them (getrusage's ru_inblock, in
# 512-byte units, over the waited-for children, plus the runner's own after
# it joined the cgroup). A witness that does not go through our programs.
read_in() {
	/usr/bin/python3 -c '
import os, resource, subprocess, sys
with open(sys.argv[1] + "/cgroup.procs", "w") as f:
	f.write(str(os.getpid()))
own = resource.getrusage(resource.RUSAGE_SELF).ru_inblock
subprocess.run(sys.argv[2:])
blocks = resource.getrusage(resource.RUSAGE_CHILDREN).ru_inblock
blocks += resource.getrusage(resource.RUSAGE_SELF).ru_inblock - own
print(blocks * 512)' "$@"
}

metric() { # metric FILE PREFIX: sum of the values of the lines starting with PREFIX
	awk -v p="$2" 'index($0, p) == 1 { s += $NF } END { printf "%d\n", s }' "$1"
}

# disk_sums PORT: "equal" when, in one of up to 5 scrapes, the per-workload
# disk I/O count (other included) equals the host-wide one, else both sums.
# The two are read a few microseconds apart within one collection, so an
# I/O completing in between (this host is never quite idle) can show in one
# and not yet the other; a quiet collection shows them equal.
disk_sums() {
	local hw wl
	for _ in 1 2 3 4 5; do
		curl -fsS "http://127.0.0.1:$1/metrics" >"$work/sums.txt"
		hw=$(grep -E '^infra_monitor_disk_io_latency_seconds_count\{.*phase="total"' \
			"$work/sums.txt" | awk '{ s += $NF } END { printf "%d\n", s }')
		wl=$(metric "$work/sums.txt" 'infra_monitor_cgroup_disk_io_latency_seconds_count{')
		[ "$wl" -eq "$hw" ] && { echo equal; return; }
		sleep 1
	done
	echo "workloads $wl, host-wide $hw"
}

# own_reads NAME CGROUP WITNESS [ALONE]: the cgroup's disk read bytes against
# what its tasks read by their own count (read_in), of which ALONE bytes no
# other task could share a request with. Without the io controller on v2
# nothing stops the scheduler merging another task's read into the
# cgroup's request or the cgroup's into another's, which happens when the
# host drops cached pages and they all read the same shared libraries again
# (seen: 49152 for 45056). So the two agree exactly when the cgroup read
# nothing else (a cgroup that submits no read inserts no request to charge),
# and within half of the rest otherwise.
own_reads() {
	local n alone=${4:-0}
	n=$(metric "$work/m.txt" "infra_monitor_cgroup_disk_io_bytes_total{cgroup=\"$2\",op=\"read\"}")
	if [ "$3" -eq "$alone" ]; then
		check "$1: disk read bytes $n = its tasks' own reads $3" [ "$n" -eq "$3" ]
	else
		check "$1: disk read bytes $n, its tasks' own reads $3 (within half of their $(($3 - alone)) shared)" \
			[ "$n" -gt "$alone" -a $((n > $3 ? n - $3 : $3 - n)) -le $((($3 - alone) / 2)) ]
	fi
}

# The three workloads, their top on the terminal, a kubelet layout.
attribution() {
	port=$(free_port)
	start_bg "$work/daemon.log" "$bin" --web.listen-address="127.0.0.1:$port" \
		--output.dir="$work/out" --collect.interval=1s --path.pod-logs="$work/logs"
	daemon=$last_pid
	check "HTTP up" wait_url "http://127.0.0.1:$port/health" 20
	sleep 2

	echo "== three workloads"
	mkdir -p "$base/a" "$base/b" "$base/c"
	client=(bash -c "for _ in \$(seq 60); do curl -fsS -o /dev/null http://127.0.0.1:$port/health; done")
	hogs=(bash -c 'taskset -c 0 timeout 2 sh -c "while :; do :; done" &
		taskset -c 0 timeout 2 sh -c "while :; do :; done"; wait')
	# Run B's and C's commands once outside, so the page cache holds the files
	# they read: their disk reads in the cgroups are then 0, unless the host
	# drops cached pages meanwhile (this VM does: refaults with no reclaim),
	# and they read them again, as the witness read_in() shows.
	"${client[@]}"
	"${hogs[@]}"
	read_b=$(read_in "$base/b" "${client[@]}")
	read_c=$(read_in "$base/c" "${hogs[@]}")
	read_a=$(read_in "$base/a" dd if=/dev/zero of="$loop" bs=4k count=128 oflag=direct status=none)
	# Reads that always reach the disk, so the witness is seen to agree on a
	# figure other than 0.
	read_a=$((read_a + $(read_in "$base/a" dd if="$loop" of=/dev/null bs=4k count=64 iflag=direct status=none)))
	sleep 3
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/m.txt"
	a="/$tag/a" b="/$tag/b" c="/$tag/c"
	w=$(metric "$work/m.txt" "infra_monitor_cgroup_disk_io_latency_seconds_count{cgroup=\"$a\",op=\"write\"}")
	check "A: disk writes $w >= 128" [ "$w" -ge 128 ]
	bytes=$(metric "$work/m.txt" "infra_monitor_cgroup_disk_io_bytes_total{cgroup=\"$a\",op=\"write\"}")
	check "A: disk bytes $bytes >= 524288" [ "$bytes" -ge 524288 ]
	# A's reads of the loop device, which nothing else reads; B and C write
	# nothing, and read nothing while their files stay cached.
	own_reads A "$a" "$read_a" 262144
	for x in "$b" "$c"; do
		n=$(metric "$work/m.txt" "infra_monitor_cgroup_disk_io_latency_seconds_count{cgroup=\"$x\",op=\"write\"}")
		check "${x##*/}: no disk writes ($n)" [ "$n" -eq 0 ]
	done
	own_reads B "$b" "$read_b"
	own_reads C "$c" "$read_c"
	n=$(metric "$work/m.txt" "infra_monitor_cgroup_tcp_connect_latency_seconds_count{cgroup=\"$b\"}")
	check "B: connects $n >= 60" [ "$n" -ge 60 ]
	n=$(metric "$work/m.txt" "infra_monitor_cgroup_tcp_connect_latency_seconds_count{cgroup=\"$a\"}")
	check "A: no connects ($n)" [ "$n" -eq 0 ]
	n=$(metric "$work/m.txt" "infra_monitor_cgroup_runqueue_latency_seconds_count{cgroup=\"$c\"}")
	check "C: run-queue samples $n > 0" [ "$n" -gt 0 ]
	check "A, B and C carry kind=\"cgroup\" info" \
		[ "$(grep -c "^infra_monitor_cgroup_info{cgroup=\"/$tag/[abc]\",kind=\"cgroup\"" "$work/m.txt")" -eq 3 ]

	# Sums: with the host quiet, each family's workloads plus other equal its
	# host-wide family read in the same collection. Disk and TCP are exact; the
	# run queue moves thousands of times a second between the two map reads, so
	# within 1 %.
	check "disk: workloads + other = host-wide ($(disk_sums "$port"))" test "$(disk_sums "$port")" = equal
	hw=$(metric "$work/m.txt" 'infra_monitor_tcp_connect_latency_seconds_count')
	wl=$(metric "$work/m.txt" 'infra_monitor_cgroup_tcp_connect_latency_seconds_count{')
	check "tcp connect: workloads + other $wl = host-wide $hw" [ "$wl" -eq "$hw" ]
	hw=$(metric "$work/m.txt" 'infra_monitor_runqueue_latency_seconds_count')
	wl=$(metric "$work/m.txt" 'infra_monitor_cgroup_runqueue_latency_seconds_count{')
	check "run queue: workloads + other $wl within 1 % of host-wide $hw" \
		[ $(((wl - hw) * 100 / (hw + 1))) -le 1 -a $(((hw - wl) * 100 / (hw + 1))) -le 1 ]
	if grep -qw io "$root/cgroup.controllers"; then
		check "disk: charged by the bio's blkcg (io controller on v2)" \
			grep -q 'charged to the bio' "$work/daemon.log"
	else
		check "disk: the documented fallback (no io controller on v2): charged to the inserting task" \
			grep -q 'charged to the task' "$work/daemon.log"
	fi

	brief_cgroup
	cgroups_in_turn

	echo "== latency --by=cgroup: a top of workloads"
	# Three intervals while A writes: A ranks with its writes; the regex keeps
	# every other cgroup out.
	"$bin" latency disk --by=cgroup --cgroup="^/$tag/" --interval=1s --count=3 \
		>"$work/top.txt" 2>"$work/top.err" &
	top=$!
	# After the baseline (taken right after "Tracing"), so the writes fall in an interval.
	for _ in $(seq 100); do grep -q '^Tracing' "$work/top.txt" && break; sleep 0.1; done
	run_in "$base/a" dd if=/dev/zero of="$loop" bs=4k count=256 oflag=direct status=none
	wait "$top"
	rc=$?
	check "top: exit 0 ($rc; $(head -c 300 "$work/top.err"))" [ "$rc" -eq 0 ]
	n=$(awk -v p="/$tag/a" '$1 != "by" && $NF == p { if ($3 > m) m = $3 } END { print m + 0 }' "$work/top.txt")
	check "top: A ranked with its writes in one interval ($n >= 256)" [ "$n" -ge 256 ]
	check "top: only cgroups matching --cgroup" \
		bash -c "! grep -E '^    [0-9.]+[mu]?s ' '$work/top.txt' | grep -v ' /$tag/'"
	check "top: both rankings" grep -q 'by events:' "$work/top.txt"
	"$bin" latency runq --by=cgroup --bpf.hook=tracepoint --interval=500ms --count=1 >"$work/tp.txt" 2>&1
	check "top on the tracepoint rung: says why, shows host-wide" \
		grep -q 'per-workload view unavailable on tracepoint: the sched_switch tracepoint gives only pids' "$work/tp.txt"
	check "top on the tracepoint rung: the host-wide histogram follows" grep -q 'run queue  count=' "$work/tp.txt"
	"$bin" latency runq --by=cgroup --cgroup='(' >/dev/null 2>"$work/re.txt"
	rc=$?
	check "top: a bad regex exits 2 ($rc) naming --cgroup" \
		bash -c "[ $rc -eq 2 ] && grep -q -- '--cgroup: invalid regular expression' '$work/re.txt'"
	sed -n '1,40p' "$work/top.txt"

	echo "== a kubelet layout"
	uid=8b0a4cb4-4d4e-4b1a-9a63-0e1c5b1b7c1a
	cid=3f2a9c1b7e4d5a6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7
	sysd="$tag.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid//-/_}.slice/cri-containerd-$cid.scope"
	cgfs="kubepods/burstable/pod$uid/$cid"
	mkdir -p "$root/$sysd" "$base/$cgfs" "$work/logs/pods/shop_web-7d9f8-x2k4q_$uid" "$work/logs/containers"
	: >"$work/logs/containers/web-7d9f8-x2k4q_shop_nginx-$cid.log"
	for cg in "$root/$sysd" "$base/$cgfs"; do
		run_in "$cg" bash -c "for _ in \$(seq 20); do curl -fsS -o /dev/null http://127.0.0.1:$port/health; done"
	done
	sleep 3
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/k.txt"
	for cg in "/$sysd" "/$tag/$cgfs"; do
		check "pod in $cg: uid, namespace, pod and container named" \
			grep -qF "infra_monitor_cgroup_info{cgroup=\"$cg\",kind=\"pod\",unit=\"\",container_id=\"$cid\",pod_uid=\"$uid\",namespace=\"shop\",pod=\"web-7d9f8-x2k4q\",container=\"nginx\"} 1" "$work/k.txt"
	done
	run_in "$root" true
	rmdir "$root/$sysd" "$root/$tag.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid//-/_}.slice" \
		"$root/$tag.slice/kubepods-burstable.slice" "$root/$tag.slice"
	podman_container
	kill -TERM "$daemon"
	wait "$daemon"
}

# A cgroup gone within the collection it was made in, long before any walk
# of the tree could find it: cgroup:cgroup_mkdir named it as it was made, so
# its writes are its own, all of them, not other's.
# Made, written from and removed one after another on one CPU. biolat keeps
# each CPU's last cgroup of the writing task; the pause lets a removed
# cgroup be freed (after a grace period and its release work), so that the
# next mkdir reuses its memory. Each must still get exactly its own writes:
# with the cache checked by address alone, turn1 got 48 and the others 0.
cgroups_in_turn() {
	echo "== cgroups made and removed in turn, on one CPU"
	local k n
	for k in 1 2 3 4 5; do
		mkdir "$base/turn$k"
		run_in "$base/turn$k" taskset -c 0 dd if=/dev/zero of="$loop" bs=4k count=$((8 * k)) \
			oflag=direct status=none
		rmdir "$base/turn$k"
		sleep 1
	done
	sleep 2.5
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/turns.txt"
	for k in 1 2 3 4 5; do
		n=$(metric "$work/turns.txt" "infra_monitor_cgroup_disk_io_latency_seconds_count{cgroup=\"/$tag/turn$k\",op=\"write\"}")
		check "turn$k: exactly its own $((8 * k)) writes ($n)" [ "$n" -eq $((8 * k)) ]
	done
}

brief_cgroup() {
	echo "== a cgroup living less than a collection"
	local before n
	curl -fsS "http://127.0.0.1:$port/health" >"$work/brief.health"
	check "/health: $(jq -r '.components["bpf/cgroup"].detail' "$work/brief.health")" \
		grep -qF "new cgroups named as they are made" "$work/brief.health"
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/brief0.txt"
	before=$(metric "$work/brief0.txt" infra_monitor_cgroup_created_total)
	mkdir "$base/brief"
	run_in "$base/brief" dd if=/dev/zero of="$loop" bs=4k count=32 oflag=direct status=none
	rmdir "$base/brief"
	sleep 2.5
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/brief.txt"
	n=$(metric "$work/brief.txt" infra_monitor_cgroup_created_total)
	check "its creation counted ($before -> $n)" [ "$n" -gt "$before" ]
	n=$(metric "$work/brief.txt" "infra_monitor_cgroup_disk_io_latency_seconds_count{cgroup=\"/$tag/brief\",op=\"write\"}")
	check "named though gone: its writes $n >= 32" [ "$n" -ge 32 ]

	# A path of 512 bytes or more is not sent (counted); a walk names it.
	local long=$base seg rel named=0
	seg=$(printf 'l%.0s' $(seq 200))
	for _ in 1 2 3; do long=$long/$seg; done
	rel=${long#"$root"}
	mkdir -p "$long"
	for _ in $(seq 40); do
		run_in "$long" dd if=/dev/zero of="$loop" bs=4k count=1 oflag=direct status=none
		curl -fsS "http://127.0.0.1:$port/metrics" >"$work/long.txt"
		grep -qF "infra_monitor_cgroup_info{cgroup=\"$rel\"" "$work/long.txt" && { named=1; break; }
		sleep 0.5
	done
	n=$(metric "$work/long.txt" 'infra_monitor_cgroup_events_unsent_total{reason="path_too_long"}')
	check "a ${#rel}-byte path: not sent ($n), named by a walk within 20 s" \
		[ "$n" -ge 1 -a "$named" = 1 ]
	rmdir "$long" "${long%/*}" "${long%/*/*}"
}

# A real container: podman with runc and the cgroupfs manager (crun fails on
# this host's hybrid cgroups; see scripts/container-build.sh), a busybox
# rootfs, O_DIRECT writes to the loop device passed in. podman puts it on the
# v2 hierarchy too, at /libpod_parent/libpod-<id>.
podman_container() {
	echo "== a real podman container (runc, cgroupfs)"
	# A new cgroup's events count as other until it is named (as it is
	# made, or by a walk of the tree where the kernel cannot tell), and its
	# series starts from there (docs/workloads.md). So the container writes
	# once, waits until /metrics names it (the go file, in its rootfs), and
	# then makes the 256 writes checked for.
	if ! command -v podman >/dev/null || [ ! -x /bin/busybox ]; then
		bad "podman container: needs podman and busybox-static (scripts/install-deps.sh container kernels)"
		return
	fi
	mkdir -p "$work/ctr/bin"
	cp /bin/busybox "$work/ctr/bin/"
	rm -f "$work/ctr/go" "$work/cid"
	podman --runtime runc --cgroup-manager cgroupfs run --rm --cidfile "$work/cid" \
		--ulimit "nofile=1024:$(ulimit -Hn)" --ulimit nproc=4096:4096 \
		--device "$loop:/dev/disk0" --rootfs "$work/ctr" /bin/busybox sh -c \
		'/bin/busybox grep "^0::" /proc/self/cgroup &&
		/bin/busybox dd if=/dev/zero of=/dev/disk0 bs=4k count=1 oflag=direct 2>/dev/null &&
		for _ in $(/bin/busybox seq 600); do [ -e /go ] && break; /bin/busybox sleep 0.1; done &&
		/bin/busybox dd if=/dev/zero of=/dev/disk0 bs=4k count=256 oflag=direct 2>/dev/null' \
		>"$work/ctr.out" 2>"$work/ctr.err" &
	local ctr=$! id cg n named=0
	wait_file "$work/cid" 30
	id=$(cat "$work/cid" 2>/dev/null)
	cg=/libpod_parent/libpod-$id
	for _ in $(seq 200); do
		[ -n "$id" ] || break
		curl -fsS "http://127.0.0.1:$port/metrics" >"$work/p.txt" || true
		if grep -qF "infra_monitor_cgroup_info{cgroup=\"$cg\"," "$work/p.txt"; then
			named=1
			break
		fi
		sleep 0.2
	done
	: >"$work/ctr/go"
	wait "$ctr"
	check "podman run ($(head -c 300 "$work/ctr.err"))" [ -n "$id" ]
	check "the container ran on the v2 hierarchy at $cg ($(cat "$work/ctr.out"))" \
		grep -qx "0::$cg" "$work/ctr.out"
	check "named while it runs (within 40 s of its first write)" [ "$named" = 1 ]
	sleep 3
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/p.txt"
	check "its id resolved: kind=\"container\", container_id=${id:0:12}..." \
		grep -qF "infra_monitor_cgroup_info{cgroup=\"$cg\",kind=\"container\",unit=\"\",container_id=\"$id\"," "$work/p.txt"
	n=$(metric "$work/p.txt" "infra_monitor_cgroup_disk_io_latency_seconds_count{cgroup=\"$cg\",op=\"write\"}")
	check "its disk writes: $n >= 256" [ "$n" -ge 256 ]
}

# --bpf.cgroup.include: a cgroup made after the daemon started, matching the
# filter, gets its own series (added to the kernel's set as it is made; a
# timed walk is the fallback, since under include no lookup misses on it);
# one not matching stays in other.
include_filter() {
	echo "== --bpf.cgroup.include picks up a cgroup made later"
	port=$(free_port)
	start_bg "$work/include.log" "$bin" --web.listen-address="127.0.0.1:$port" \
		--output.dir="$work/out-include" --collect.interval=1s --bpf.cgroup.include="^/$tag/inc"
	local d=$last_pid n
	check "HTTP up" wait_url "http://127.0.0.1:$port/health" 20
	sleep 2
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/inc0.txt"
	n=$(metric "$work/inc0.txt" infra_monitor_cgroup_created_total)
	mkdir -p "$base/inc-late" "$base/out-late"
	# Named as made, the matching one joins the set in the collection that
	# reads its creation, which the counter shows.
	for _ in $(seq 50); do
		curl -fsS "http://127.0.0.1:$port/metrics" >"$work/inc0.txt"
		[ "$(metric "$work/inc0.txt" infra_monitor_cgroup_created_total)" -ge $((n + 2)) ] && break
		sleep 0.2
	done
	run_in "$base/inc-late" dd if=/dev/zero of="$loop" bs=4k count=64 oflag=direct status=none
	run_in "$base/out-late" dd if=/dev/zero of="$loop" bs=4k count=64 oflag=direct status=none
	sleep 3
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/inc.txt"
	n=$(metric "$work/inc.txt" "infra_monitor_cgroup_disk_io_latency_seconds_count{cgroup=\"/$tag/inc-late\",op=\"write\"}")
	check "matching cgroup made later: its own writes $n >= 64" [ "$n" -ge 64 ]
	check "cgroup not matching: no series of its own" \
		bash -c "! grep -q 'cgroup=\"/$tag/out-late\"' '$work/inc.txt'"
	kill -TERM "$d"
	wait "$d"
}

# The tree vanishing, unmounted, back: host-wide only meanwhile.
tree_gone() {
	echo "== the cgroup2 tree goes away: host-wide only, nothing else stops"
	# --path.cgroup on a bind mount of the real tree: unmounted (the directory
	# stays, no longer cgroup2), mounted again, then removed altogether.
	mkdir "$work/cg"
	mount --bind "$root" "$work/cg"
	port=$(free_port)
	start_bg "$work/tree.log" "$bin" --web.listen-address="127.0.0.1:$port" \
		--output.dir="$work/out3" --collect.interval=1s --path.cgroup="$work/cg"
	daemon=$last_pid
	check "HTTP up" wait_url "http://127.0.0.1:$port/health" 20
	sleep 2
	# health_of COMPONENT: its state and detail in /health, one line
	health_of() {
		curl -fsS "http://127.0.0.1:$port/health" |
			python3 -c 'import json, sys; c = json.load(sys.stdin)["components"].get(sys.argv[1], {}); print(c.get("state"), c.get("detail"))' "$1"
	}
	# wait_health COMPONENT REGEX: up to 5 s for its state and detail to match
	wait_health() {
		for _ in $(seq 10); do health_of "$1" | grep -Eq "$2" && return 0; sleep 0.5; done
		health_of "$1"
		return 1
	}
	families() { curl -fsS "http://127.0.0.1:$port/metrics" >"$work/t.txt"; }
	families
	check "tree on: bpf/cgroup ok" wait_health bpf/cgroup '^ok '
	check "tree on: per-workload run queue exported" grep -q '^infra_monitor_cgroup_runqueue_latency_seconds_count{' "$work/t.txt"
	for step in unmount mount remove; do
		case $step in
		unmount) umount "$work/cg" ;;
		mount) mount --bind "$root" "$work/cg" ;;
		remove) umount "$work/cg" && rmdir "$work/cg" ;;
		esac
		if [ "$step" = mount ]; then
			check "$step: bpf/cgroup ok again" wait_health bpf/cgroup '^ok '
			sleep 1.5
			families
			check "$step: per-workload series back" grep -q '^infra_monitor_cgroup_runqueue_latency_seconds_count{' "$work/t.txt"
			continue
		fi
		check "$step: bpf/cgroup degraded with the reason" \
			wait_health bpf/cgroup "^degraded cgroup2 tree $work/cg: $([ $step = unmount ] && echo 'not a cgroup2 mount' || echo 'No such file').*host-wide only"
		echo "       /health bpf/cgroup: $(health_of bpf/cgroup)"
		rq0=$(metric "$work/t.txt" 'infra_monitor_runqueue_latency_seconds_count')
		sleep 1.5
		families
		check "$step: no per-workload family left" bash -c "! grep -q '^infra_monitor_cgroup_' '$work/t.txt'"
		rq1=$(metric "$work/t.txt" 'infra_monitor_runqueue_latency_seconds_count')
		check "$step: host-wide run queue goes on ($rq0 -> $rq1)" [ "$rq1" -gt "$rq0" ]
		check "$step: the BPF programs stay attached" wait_health bpf/runqlat '^ok '
		check "$step: the other collectors go on" \
			grep -q '^infra_monitor_collector_success{collector="diskstats"} 1' "$work/t.txt"
	done
	check "one log line per change (2 off, 1 back)" \
		[ "$(grep -c 'cgroup2 tree gone or unreadable' "$work/tree.log")" -eq 2 -a \
		  "$(grep -c 'cgroup2 tree readable again' "$work/tree.log")" -eq 1 ]
	kill -TERM "$daemon"
	wait "$daemon"
	rc=$?
	check "the daemon exits cleanly after all that ($rc)" [ "$rc" -eq 0 ]
}

# churn N: N short-lived cgroups doing I/O one after another.
churn() {
	local cgroups=$1
	echo "== $cgroups short-lived cgroups, a cap of 5"
	port=$(free_port)
	start_bg "$work/churn.log" "$bin" --web.listen-address="127.0.0.1:$port" \
		--output.dir="$work/out2" --collect.interval=1s --bpf.cgroup.max-series=5 \
		--bpf.cgroup.max-entries=16 --bpf.cgroup.grace=2s --bpf.cgroup.hold=3s
	daemon=$last_pid
	check "HTTP up" wait_url "http://127.0.0.1:$port/health" 20
	sleep 2
	maxw=0
	for i in $(seq "$cgroups"); do
		mkdir "$base/churn$i"
		run_in "$base/churn$i" dd if=/dev/zero of="$loop" bs=4k count=2 seek="$i" oflag=direct status=none
		rmdir "$base/churn$i"
		if [ $((i % 30)) -eq 0 ]; then
			curl -fsS "http://127.0.0.1:$port/metrics" >"$work/c.txt"
			n=$(grep -c '^infra_monitor_cgroup_info{' "$work/c.txt")
			[ "$n" -gt "$maxw" ] && maxw=$n
		fi
		# Memory from the first 30 on: the start-up's own allocations
		# (buffers sized by the first renders) are not growth.
		[ "$i" -eq 30 ] && rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$daemon/status")
	done
	check "exported workloads never above the cap: at most $maxw of 5" [ "$maxw" -le 5 ]
	sleep 6
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/c.txt"
	n=$(metric "$work/c.txt" 'infra_monitor_cgroup_overflow_events_total{program="biolat"}')
	check "a full map is counted: $n overflow events" [ "$n" -gt 0 ]
	n=$(metric "$work/c.txt" 'infra_monitor_cgroup_removed_total')
	check "removed cgroups settled into other: $n" [ "$n" -gt 0 ]
	check "no series left for a removed cgroup after the grace period" \
		bash -c "! grep -q 'cgroup=\"/$tag/churn' '$work/c.txt'"
	check "disk: workloads + other = host-wide after the churn ($(disk_sums "$port"))" \
		test "$(disk_sums "$port")" = equal
	rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$daemon/status")
	check "RSS grew by $((rss1 - rss0)) KiB (< 2 MiB) over the last $((cgroups - 30)) cgroups" \
		[ $((rss1 - rss0)) -lt 2048 ]
	kill -TERM "$daemon"
	wait "$daemon"
}

# WORKLOADS_SCALE=N: only the churn, with N cgroups (make test-workloads-scale:
# 2,000, minutes here); make test runs everything with 500.
if [ -n "${WORKLOADS_SCALE:-}" ]; then
	churn "$WORKLOADS_SCALE"
else
	attribution
	include_filter
	tree_gone
	churn 500
fi

summary workloads
