#!/usr/bin/env bash
# Seeds tests/fuzz/corpus/<name>/ from tests/fixtures: every fixture tree's
# copy of the files a target reads, joined at the split line that
# fuzz_collector.h cuts on, plus hand-written inputs for the other targets.
# Rerun after adding fixtures; the corpora are committed.
set -euo pipefail
cd "$(dirname "$0")/../.." || exit 2
c=tests/fuzz/corpus
split=$'\n----8<----\n'

seed() { # seed NAME FILE...: one input per fixture tree
	local name=$1 tree f first out
	shift
	mkdir -p "$c/$name"
	for tree in tests/fixtures/*/; do
		out=
		first=1
		local any=0
		for f in "$@"; do
			[ $first = 1 ] || out+=$split
			first=0
			if [ -f "$tree$f" ]; then
				out+=$(cat "$tree$f"; echo x)
				out=${out%x}
				any=1
			fi
		done
		[ $any = 1 ] || continue
		printf '%s' "$out" >"$c/$name/$(basename "$tree")"
	done
}

seed meminfo proc/meminfo
seed loadavg proc/loadavg
seed vmstat proc/vmstat
seed stat proc/stat
seed filefd proc/sys/fs/file-nr
seed netdev proc/net/dev
seed netstat proc/net/netstat proc/net/snmp
seed sockstat proc/net/sockstat proc/net/sockstat6
seed pressure proc/pressure/cpu proc/pressure/io proc/pressure/memory
seed diskname proc/diskstats
seed diskstats proc/diskstats root/run/udev/data/b8:0 root/run/udev/data/b259:0
seed filesystem proc/1/mountinfo
seed cpu proc/stat sys/devices/system/cpu/isolated \
	sys/devices/system/cpu/cpu0/topology/physical_package_id \
	sys/devices/system/cpu/cpu0/topology/core_id \
	sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count \
	sys/devices/system/cpu/cpu0/thermal_throttle/package_throttle_count
seed time sys/devices/system/clocksource/clocksource0/current_clocksource \
	sys/devices/system/clocksource/clocksource0/available_clocksource
seed uname proc/sys/kernel/ostype proc/sys/kernel/osrelease proc/sys/kernel/version \
	proc/sys/kernel/hostname proc/sys/kernel/domainname
seed hwmon sys/class/hwmon/hwmon0/temp1_input sys/class/hwmon/hwmon0/temp1_label \
	sys/class/hwmon/hwmon0/name sys/class/hwmon/hwmon0/freq1_label
seed thermal_zone sys/class/thermal/thermal_zone0/type sys/class/thermal/thermal_zone0/temp \
	sys/class/thermal/cooling_device0/type sys/class/thermal/cooling_device0/max_state \
	sys/class/thermal/cooling_device0/cur_state
seed netclass sys/class/net/eth0/operstate sys/class/net/eth0/address sys/class/net/eth0/ifalias \
	sys/class/net/eth0/flags sys/class/net/eth0/mtu sys/class/net/eth0/speed
seed cpufreq sys/devices/system/cpu/offline sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq \
	sys/devices/system/cpu/cpu0/cpufreq/scaling_governor \
	sys/devices/system/cpu/cpu0/cpufreq/scaling_available_governors
seed powersupplyclass sys/class/power_supply/BAT0/capacity sys/class/power_supply/BAT0/model_name \
	sys/class/power_supply/BAT0/power_now sys/class/power_supply/BAT0/status
seed conntrack proc/sys/net/netfilter/nf_conntrack_count proc/sys/net/netfilter/nf_conntrack_max \
	proc/net/stat/nf_conntrack
seed entropy proc/sys/kernel/random/entropy_avail proc/sys/kernel/random/poolsize
seed softnet proc/net/softnet_stat
seed udp_queues proc/net/udp proc/net/udp6
seed arp proc/net/arp
seed schedstat proc/schedstat
seed os root/etc/os-release root/usr/lib/os-release
seed selinux sys/fs/selinux/enforce root/etc/selinux/config
seed rapl sys/class/powercap/intel-rapl:0/name sys/class/powercap/intel-rapl:0/max_energy_range_uj \
	sys/class/powercap/intel-rapl:0/energy_uj
seed bonding sys/class/net/bonding_masters sys/class/net/bond0/bonding/slaves \
	sys/class/net/bond0/lower_eth0/bonding_slave/mii_status \
	sys/class/net/bond0/slave_eth1/bonding_slave/mii_status
seed dmi sys/class/dmi/id/bios_vendor sys/class/dmi/id/product_name sys/class/dmi/id/product_version
seed nfs proc/net/rpc/nfs
seed nfsd proc/net/rpc/nfsd
seed ipvs proc/net/ip_vs_stats proc/net/ip_vs
seed watchdog sys/class/watchdog/watchdog0/timeout sys/class/watchdog/watchdog0/identity \
	sys/class/watchdog/watchdog0/bootstatus
seed edac sys/devices/system/edac/mc/mc0/ce_count sys/devices/system/edac/mc/mc0/ce_noinfo_count \
	sys/devices/system/edac/mc/mc0/ue_count sys/devices/system/edac/mc/mc0/ue_noinfo_count \
	sys/devices/system/edac/mc/mc0/csrow0/ce_count sys/devices/system/edac/mc/mc0/csrow0/ue_count \
	sys/devices/system/edac/mc/mc0/csrow0/ch0_ce_count sys/devices/system/edac/mc/mc0/csrow0/ch0_dimm_label
seed fibrechannel sys/class/fc_host/host3/port_state sys/class/fc_host/host3/port_name \
	sys/class/fc_host/host3/symbolic_name sys/class/fc_host/host3/statistics/rx_frames \
	sys/class/fc_host/host3/statistics/dumped_frames
seed nvme sys/class/nvme/nvme0/firmware_rev sys/class/nvme/nvme0/model sys/class/nvme/nvme0/serial \
	sys/class/nvme/nvme0/state sys/class/nvme/nvme0/cntlid sys/class/nvme/nvme0/nvme0n1/nuse \
	sys/class/nvme/nvme0/nvme0n1/size sys/class/nvme/nvme0/nvme0n1/queue/logical_block_size
seed tapestats sys/class/scsi_tape/st0/stats/in_flight sys/class/scsi_tape/st0/stats/io_ns \
	sys/class/scsi_tape/st0/stats/read_cnt
ib=sys/class/infiniband/mlx4_0
seed infiniband $ib/fw_ver $ib/ports/1/link_layer $ib/ports/1/state $ib/ports/1/phys_state \
	$ib/ports/1/rate $ib/ports/1/counters/port_rcv_data $ib/ports/1/counters_ext/port_xmit_data_64 \
	$ib/ports/1/hw_counters/lifespan
zfs=proc/spl/kstat/zfs
seed zfs $zfs/arcstats $zfs/fm $zfs/tank/io $zfs/tank/objset-0x36 $zfs/tank/state
dm=sys/block/dm-1
seed dmmultipath $dm/dm/uuid $dm/dm/name $dm/dm/suspended $dm/size $dm/slaves/sdb \
	sys/block/sdb/device/state
seed mdadm proc/mdstat sys/block/md3/md/level sys/block/md3/md/raid_disks sys/block/md3/md/degraded
seed xfs sys/fs/xfs/sdb1/stats/stats
bt=sys/fs/btrfs/5c8e1f0a-3b7d-4e92-a6c1-7d2f90b3e845
seed btrfs $bt/commit_stats $bt/label $bt/metadata_uuid $bt/allocation/global_rsv_size \
	$bt/allocation/data/raid1/total_bytes $bt/allocation/system/raid1/used_bytes $bt/devices/sdc/size \
	$bt/devinfo/1/error_stats
bc=sys/fs/bcache/8b2f4f1e-0c73-4a9d-9e55-3c1d2a7b6f04
seed bcache $bc/average_key_size $bc/internal/btree_nodes $bc/bdev0/dirty_data $bc/bdev0/writeback_rate_debug \
	$bc/bdev0/stats_total/bypassed $bc/cache0/written $bc/cache0/priority_stats

mkdir -p "$c/procself"
for f in tests/fixtures/procself/*; do [ -f "$f" ] && cp "$f" "$c/procself/"; done
printf '1234 (infra monitor) S 1 1234 1234 0 -1 4194560 1 0 0 0 5 3 0 0 20 0 7 0 100 123456789 2048 18446744073709551615\n' \
	>"$c/procself/stat-spaces"
printf 'btime 1764130000\n' >"$c/procself/btime"

mkdir -p "$c/config"
printf 'web:\n  listen-address: ":9479"\n  telemetry-path: /metrics\ncollect:\n  interval: 15s\noutput:\n  dir: /var/lib/infra-monitor\n  max-bytes: 64MiB\n  max-files: 10\n  fsync: true\nlog:\n  level: info\n' >"$c/config/full.yml"
printf 'collector:\n  cpu: false\n  filesystem:\n    timeout: 5s\n    fs-types-exclude: "^(tmpfs|proc)$"\nbpf:\n  stats: sampled\n  stats-window: 1s\nmode: export\nruntime:\n  user: nobody\n' >"$c/config/nested.yml"
printf -- '--output.max-bytes=4KiB' >"$c/config/flag"

mkdir -p "$c/jsonl" "$c/jsonl_reader"
if [ -x build/infra-monitor ]; then
	for t in default many-cpus oldkernel fs-escapes; do
		build/infra-monitor once --format=json --path.procfs="tests/fixtures/$t/proc" \
			--path.sysfs="tests/fixtures/$t/sys" --path.rootfs="tests/fixtures/$t/root" \
			--no-collector.bpf 2>/dev/null | head -c 60000 >"$c/jsonl/$t" || true
		{ cat "$c/jsonl/$t"; head -c 300 "$c/jsonl/$t"; } >"$c/jsonl_reader/$t-torn"
	done
fi

mkdir -p "$c/http"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0.5, identity\r\n\r\n' >"$c/http/metrics-gzip"
printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n' >"$c/http/health"
printf 'GET / HTTP/1.0\r\n\r\n' >"$c/http/index"
printf 'HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n' >"$c/http/pipelined"
printf 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' >"$c/http/post"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcjpwYXNz\r\nAccept-Encoding: *;q=0, x-gzip\r\n\r\n' >"$c/http/auth"
printf 'GET /metrics?x=%%00&y HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >"$c/http/chunked"

mkdir -p "$c/webconfig"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS12\n  max_version: TLS13\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\nbasic_auth_users:\n  alice: $2y$10$X0h1bGxvV29ybGQxMjM0NeuV3GzjOzQ7b8Ahr1w1Jmr5w3J1yWc2e\n' >"$c/webconfig/full.yml"
printf 'basic_auth_users:\n  bob: "$2b$04$abcdefghijklmnopqrstuuP4.b8JK0G3qT7bQ6fO1VtA2NQ3b0S7y"\n' >"$c/webconfig/users.yml"
printf 'Basic Ym9iOnNlY3JldA==' >"$c/webconfig/header"
for d in "$c"/*/; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
