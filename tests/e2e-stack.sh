#!/usr/bin/env bash
# `make e2e`: infra-monitor under a real Prometheus (Debian's prometheus
# package), on loopback, with the shipped scrape config and rules.  Runs
# twice: against the binary, then against the container image started with
# the privileges, mounts and command of infra/docker-compose.yml's
# infra-monitor service (read from the compose file, not copied).
#
#   tests/e2e-stack.sh [BIN]     BIN defaults to build/infra-monitor
#
# Each run: start the daemon on a free loopback port, start Prometheus with
# infra/prometheus/prometheus.yml where only the target addresses (and the
# rule directory) are rewritten, wait for two scrapes and one rule
# evaluation, then tests/e2e-stack-eval.py asserts up == 1, evaluates every
# dashboard expression and every rule, and requires data for every
# host-overview panel.  Also scrapes /metrics directly with the OpenMetrics
# Accept header and with gzip.  Reports go to build/e2e/.
#
# A third run, "split", starts the compose file's split profile the same way:
# infra-monitor-collect (--mode=collect) and infra-monitor-export
# (--mode=export) sharing the JSONL volume; Prometheus scrapes the exporter.
#
# A fourth run, "systemd", checks the host install: `make install-systemd`
# into a staging tree, then the unit runs under a real systemd (PID 1 of a
# privileged podman container made from the same Debian minbase), with the
# shipped unit and config; only the listen address in the config changes.
#
# A fifth run, "native", is tests/e2e-native.sh: Prometheus with native
# histograms on (it then scrapes protobuf) and the native-mode rules.
#
# Environment: IMAGE (default localhost/infra-monitor:dev; rebuilt with
# scripts/container-build.sh first, E2E_NO_BUILD=1 reuses an existing one),
# E2E_TARGETS ("binary native container split systemd"), E2E_KEEP=1 keeps the
# temporary directory.
set -Eeuo pipefail
trap 'echo "e2e-stack: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

cd "$(dirname "$0")/.."
root=$PWD
BIN=${1:-build/infra-monitor}
IMAGE=${IMAGE:-localhost/infra-monitor:dev}
E2E_TARGETS=${E2E_TARGETS:-binary native container split systemd}
out=$root/build/e2e
mkdir -p "$out"
tmp=$(mktemp -d /tmp/infra-monitor-e2e.XXXXXX)
pids=()
ctr=
extra_ctrs=()

log() { printf 'e2e: %s\n' "$*" >&2; }

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	for p in "$ctr" "${extra_ctrs[@]}"; do
		[ -z "$p" ] || podman rm -f -t 2 "$p" >/dev/null 2>&1 || true
	done
	if [ "${E2E_KEEP:-0}" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# shellcheck source=tests/e2e-lib.sh
. tests/e2e-lib.sh

prom_query() {   # base query -> first value or empty
	curl -fsS --max-time 5 --data-urlencode "query=$2" "$1/api/v1/query" 2>/dev/null |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null || true
}

# podman arguments for one service of the compose file: network and PID
# mode, capabilities, read-only root, security options, tmpfs, host bind
# mounts (named volumes become directories under $tmp, shared between the
# services of one run) and the command with the listen address replaced.
compose_podman_args() {   # port profile service -> one argument per line
	(cd infra && GRAFANA_ADMIN_PASSWORD=e2e COMPOSE_PROFILES=$2 \
		docker-compose -f docker-compose.yml config) >"$tmp/compose-$2.yml"
	python3 - "$1" "$tmp" "$tmp/compose-$2.yml" "$3" <<-'PY'
			import os, sys, yaml
			port, tmp = sys.argv[1], sys.argv[2]
			infra = os.path.abspath("infra")
			svc = yaml.safe_load(open(sys.argv[3]))["services"][sys.argv[4]]
			args = []
			if svc.get("network_mode") == "host": args.append("--network=host")
			if svc.get("pid") == "host": args.append("--pid=host")
			if svc.get("read_only"): args.append("--read-only")
			args += [f"--cap-drop={c}" for c in svc.get("cap_drop", [])]
			args += [f"--cap-add={c}" for c in svc.get("cap_add", [])]
			for o in svc.get("security_opt", []):
			    key, _, val = o.replace(":", "=", 1).partition("=")
			    if key == "seccomp" and val not in ("unconfined", ""):
			        val = os.path.join(infra, val)      # relative to the compose file
			    elif val == "true":
			        val = ""
			    args.append(f"--security-opt={key}" + (f"={val}" if val else ""))
			for t in svc.get("tmpfs", []):
			    path, _, opts = t.partition(":")
			    args.append(f"--tmpfs={path}" + (f":{opts}" if opts else ""))
			for v in svc.get("volumes", []):
			    if isinstance(v, str):
			        src, dst, *mode = v.split(":")
			        opts = mode[0].split(",") if mode else []
			        v = {"type": "bind" if src.startswith("/") else "volume", "source": src, "target": dst}
			    else:
			        opts = ["ro"] if v.get("read_only") else []
			        prop = (v.get("bind") or {}).get("propagation")
			        if prop: opts.append(prop)
			    src = v["source"]
			    if v["type"] == "volume":
			        src = os.path.join(tmp, "vol-" + src)
			        os.makedirs(src, exist_ok=True)
			    args.append(f"--volume={src}:{v['target']}" + (":" + ",".join(opts) if opts else ""))
			args.append("--")
			args.append("IMAGE")
			for c in svc.get("command", []):
			    args.append(f"--web.listen-address=127.0.0.1:{port}" if c.startswith("--web.listen-address=") else c)
			print("\n".join(args))
		PY
}

start_binary() {   # port
	mkdir -p "$tmp/jsonl"
	"$BIN" --web.listen-address="127.0.0.1:$1" --collect.interval=15s \
		--output.dir="$tmp/jsonl" --log.file="$tmp/daemon.log" >"$tmp/daemon.stderr" 2>&1 &
	pids+=($!)
}

start_container() {   # port [profile service]
	local args=() a name=infra-monitor-e2e-${3:-infra-monitor}-$$
	while IFS= read -r a; do
		[ "$a" = IMAGE ] && a=$IMAGE
		args+=("$a")
	done < <(compose_podman_args "$1" "${2:-single}" "${3:-infra-monitor}")
	[ ${#args[@]} -gt 3 ] || { log "could not read infra/docker-compose.yml"; return 1; }
	# The image's CMD is replaced by the compose command; --log.file points
	# into the logs volume.
	local sep
	for sep in "${!args[@]}"; do [ "${args[$sep]}" = -- ] && break; done
	log "podman run ${args[*]}"
	# Without systemd as PID 1 podman cannot schedule the image's HEALTHCHECK
	# timer and says so on stderr; run_one runs the check by hand instead.
	podman run -d --name "$name" "${args[@]:0:$sep}" "${args[@]:$((sep + 1))}" \
		>/dev/null 2>"$tmp/podman-run.stderr" || { cat "$tmp/podman-run.stderr" >&2; return 1; }
	[ -z "$ctr" ] || extra_ctrs+=("$ctr")
	ctr=$name
}

# The compose service as shipped but with the runtime's default seccomp
# profile instead of infra/seccomp/infra-monitor.json (the mistake of a user
# who drops the security_opt line): podman's default refuses bpf() to a
# process holding CAP_BPF.  The BPF collector must fail alone, naming
# seccomp, every other collector must run, and doctor must exit 1 naming
# seccomp with its remedy.
seccomp_default_checks() {
	local args=() a name=infra-monitor-e2e-seccomp-$$
	while IFS= read -r a; do
		[ "$a" = IMAGE ] && break
		[[ $a == --security-opt=seccomp=* ]] && continue
		[ "$a" = -- ] || args+=("$a")
	done < <(compose_podman_args 0 single infra-monitor)
	podman run --rm --name "$name" "${args[@]}" "$IMAGE" once --format=json \
		--path.procfs=/host/proc --path.sysfs=/host/sys --path.rootfs=/host/root \
		>"$tmp/seccomp-once.json" 2>"$tmp/seccomp-once.stderr" || true
	local bpf others
	bpf=$(jq -r '.collectors.bpf | "\(.status): \(.error // "")"' "$tmp/seccomp-once.json" 2>/dev/null)
	others=$(jq -r '[.collectors | to_entries[] | select(.key != "bpf" and .value.status == "failed") | .key] | join(" ")' \
		"$tmp/seccomp-once.json" 2>/dev/null || echo unparsed)
	if [[ $bpf == failed:*seccomp* ]] && [ -z "$others" ]; then
		echo "ok    default seccomp profile: bpf collector fails alone, naming seccomp  ->  ${bpf:0:160}"
	else
		echo "FAIL  default seccomp profile: bpf collector ${bpf:-missing}; other failed collectors: ${others:-none}"
		tail -n 5 "$tmp/seccomp-once.stderr"
	fi
	local rc=0
	podman run --rm --name "$name" "${args[@]}" "$IMAGE" doctor --format=json \
		>"$tmp/seccomp-doctor.json" 2>/dev/null || rc=$?
	local chk
	chk=$(jq -r '.checks[] | select(.name == "seccomp") | "\(.status): \(.remedy // "")"' "$tmp/seccomp-doctor.json" 2>/dev/null)
	if [ "$rc" -eq 1 ] && [[ $chk == fail:*seccomp* ]]; then
		echo "ok    default seccomp profile: doctor exits 1  ->  seccomp ${chk:0:160}"
	else
		echo "FAIL  default seccomp profile: doctor exit $rc, seccomp check: ${chk:-missing}"
	fi
}

# The compose "split" profile: the collector writes JSONL into the shared
# volume, the exporter serves its newest line.  The exporter is what
# Prometheus scrapes (and what $ctr names afterwards).
start_split() {   # port
	start_container "$1" split infra-monitor-collect &&
		start_container "$1" split infra-monitor-export
}

# The unit under systemd: a minbase image with systemd and the runtime
# libraries, and the tree `make install-systemd` stages plus the binary.
start_systemd() {   # port
	local ctx=$tmp/systemd-image
	mkdir -p "$ctx/root/usr/local/bin"
	make --no-print-directory -s -f infra/make.mk install-systemd \
		DESTDIR="$ctx/root" PREFIX=/usr/local SYSCONFDIR=/etc >/dev/null
	install -m 0755 "$BIN" "$ctx/root/usr/local/bin/infra-monitor"
	cat >"$ctx/Containerfile" <<-EOF
		FROM ${BASE_IMAGE:-localhost/debian-minbase:bookworm}
		RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \\
		      systemd systemd-sysv libnss-systemd dbus libbpf1 libelf1 zlib1g \\
		      libmicrohttpd12 libjansson4 libyaml-0-2 libcrypt1 >/dev/null \\
		 && rm -rf /var/lib/apt/lists/*
		COPY root/ /
		RUN systemctl enable infra-monitor.service
		CMD ["/sbin/init"]
	EOF
	podman build -q --isolation=chroot -t localhost/infra-monitor-systemd-e2e "$ctx" >"$tmp/systemd-build.log" 2>&1 ||
		{ tail -n 20 "$tmp/systemd-build.log" >&2; return 1; }
	sed "s|listen-address: .*|listen-address: \"127.0.0.1:$1\"|" infra/infra-monitor.yml >"$tmp/systemd-config.yml"
	ctr=infra-monitor-e2e-systemd-$$
	podman run -d --name "$ctr" --privileged --systemd=always --network=host \
		-v "$tmp/systemd-config.yml:/etc/infra-monitor/infra-monitor.yml:ro" \
		localhost/infra-monitor-systemd-e2e >/dev/null 2>"$tmp/podman-run.stderr" ||
		{ cat "$tmp/podman-run.stderr" >&2; return 1; }
}

# What only the systemd run can show: the unit active, its sandbox score as
# systemd itself computes it, the process's capabilities, state and log
# directories written, reload (SIGHUP) and stop.
systemd_checks() {
	local active score caps files
	active=$(podman exec "$ctr" systemctl is-active infra-monitor 2>&1)
	echo "$([ "$active" = active ] && echo ok || echo FAIL)    systemctl is-active infra-monitor  ->  $active"
	score=$(podman exec "$ctr" systemd-analyze security infra-monitor --no-pager 2>&1 | tail -n 1)
	echo "ok    systemd-analyze security (live)  ->  ${score#→ }"
	# The bounding set is exactly CAP_DAC_READ_SEARCH (2), CAP_PERFMON (38)
	# and CAP_BPF (39); the daemon may drop its effective set further once
	# the programs are loaded.
	local bnd eff
	podman exec "$ctr" sh -c 'cat /proc/$(systemctl show -p MainPID --value infra-monitor)/status' >"$tmp/status"
	bnd=$(awk '/^CapBnd/ { print $2 }' "$tmp/status")
	eff=$(awk '/^CapEff/ { print $2 }' "$tmp/status")
	caps="CapBnd $bnd CapEff $eff"
	if [ "$bnd" = 000000c000000004 ] && [ $((0x${eff:-1} & ~0x$bnd)) -eq 0 ]; then
		echo "ok    capabilities of the main process  ->  $caps (bounding set DAC_READ_SEARCH, PERFMON, BPF)"
	else
		echo "FAIL  capabilities of the main process  ->  $caps (want bounding set 000000c000000004, effective within it)"
	fi
	files=$(podman exec "$ctr" sh -c 'ls /var/lib/infra-monitor/*.jsonl /var/log/infra-monitor/*.log 2>/dev/null | wc -l')
	echo "$([ "$files" -ge 2 ] && echo ok || echo FAIL)    StateDirectory/LogsDirectory written  ->  $files files (JSONL and log)"
	if podman exec "$ctr" systemctl reload infra-monitor >/dev/null 2>&1; then
		echo "ok    systemctl reload (SIGHUP reopens the log file)  ->  ok"
	else
		echo "FAIL  systemctl reload  ->  $(podman exec "$ctr" systemctl status infra-monitor --no-pager 2>&1 | tail -n 3 | tr '\n' ' ')"
	fi
}

systemd_stop_check() {
	local result
	podman exec "$ctr" systemctl stop infra-monitor >/dev/null 2>&1
	result=$(podman exec "$ctr" systemctl show -p Result --value infra-monitor 2>&1)
	echo "$([ "$result" = success ] && echo ok || echo FAIL)    systemctl stop  ->  Result=$result"
}

run_one() {   # target
	local target=$1 port pport base rc=0
	port=$(free_port)
	pport=$(free_port)
	log "== $target: daemon on 127.0.0.1:$port, Prometheus on 127.0.0.1:$pport"
	case $target in
	binary) start_binary "$port" ;;
	container) start_container "$port" || return 1 ;;
	split) start_split "$port" || return 1 ;;
	systemd) start_systemd "$port" || return 1 ;;
	esac
	if ! wait_http "http://127.0.0.1:$port/health" 30; then
		log "$target: /health did not answer within 30 s"
		[ "$target" = binary ] && tail -n 20 "$tmp/daemon.stderr" >&2
		[ "$target" = container ] || [ "$target" = split ] && podman logs --tail 20 "$ctr" >&2
		[ "$target" = systemd ] && podman exec "$ctr" journalctl -u infra-monitor --no-pager -n 20 >&2
		return 1
	fi

	# The shipped config, only the targets (and the rule directory) rewritten.
	mkdir -p "$tmp/prom-$target"
	sed -e "s|infra-monitor:9479|127.0.0.1:$port|" \
		-e "s|localhost:9090|127.0.0.1:$pport|" \
		-e "s|/etc/prometheus/rules/|$root/infra/prometheus/rules/|" \
		infra/prometheus/prometheus.yml >"$tmp/prom-$target/prometheus.yml"
	diff -u infra/prometheus/prometheus.yml "$tmp/prom-$target/prometheus.yml" >"$out/prometheus-$target.diff" || true
	promtool check config "$tmp/prom-$target/prometheus.yml" >/dev/null
	prometheus --config.file="$tmp/prom-$target/prometheus.yml" \
		--storage.tsdb.path="$tmp/prom-$target/data" \
		--web.listen-address="127.0.0.1:$pport" --log.level=warn \
		>"$out/prometheus-$target.log" 2>&1 &
	pids+=($!)
	base=http://127.0.0.1:$pport
	wait_http "$base/-/ready" 30 || { log "Prometheus not ready"; return 1; }

	# Two scrapes of the daemon, then one more rule evaluation after them.
	local i n=0
	for ((i = 0; i < 60; i++)); do
		n=$(prom_query "$base" 'count_over_time(up{job="infra-monitor"}[10m])')
		[ "${n:-0}" -ge 2 ] && break
		sleep 1
	done
	[ "${n:-0}" -ge 2 ] || { log "$target: fewer than two scrapes in 60 s"; return 1; }
	log "$target: $n scrapes; waiting one rule evaluation interval"
	sleep 16

	# Direct scrapes: OpenMetrics negotiation and gzip.
	{
		echo "== direct scrapes: $target =="
		local ct body
		ct=$(curl -fsS -o "$tmp/om.txt" -w '%{content_type}' \
			-H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' \
			"http://127.0.0.1:$port/metrics") || ct=ERROR
		if [[ $ct == application/openmetrics-text* ]]; then
			tail -n 1 "$tmp/om.txt" | grep -qx '# EOF' && body=ok || body="no '# EOF' terminator"
		elif [[ $ct == text/plain* ]]; then
			promtool check metrics <"$tmp/om.txt" >/dev/null 2>&1 && body=ok ||
				body="parses only with lint notes (see promtool check metrics)"
			grep -q '^infra_monitor_build_info' "$tmp/om.txt" || body="no infra_monitor_build_info"
		else
			body=failed
		fi
		echo "$([ "$body" = failed ] && echo FAIL || echo ok)    OpenMetrics Accept header  ->  Content-Type: $ct; body: $body"
		[ "$body" = failed ] && rc=1
		local enc
		enc=$(curl -fsS -D - -o "$tmp/gz.bin" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics" |
			tr -d '\r' | awk -F': ' 'tolower($1)=="content-encoding" { print $2 }')
		# Decompress to a file: grep -q closing a pipe early would fail gzip
		# with SIGPIPE under pipefail.
		if [ "$enc" = gzip ] && gzip -dc "$tmp/gz.bin" >"$tmp/gz.txt" && grep -q '^infra_monitor_build_info' "$tmp/gz.txt"; then
			echo "ok    gzip (Accept-Encoding: gzip)  ->  Content-Encoding: gzip, $(stat -c %s "$tmp/gz.bin") bytes, $(stat -c %s "$tmp/gz.txt") decompressed"
		else
			echo "FAIL  gzip (Accept-Encoding: gzip)  ->  Content-Encoding: ${enc:-none}"
			rc=1
		fi
		local status
		status=$(curl -fsS "http://127.0.0.1:$port/health" | jq -r .status)
		echo "ok    /health  ->  status $status"
		[ "$target" = systemd ] && systemd_checks
		if [ "$target" = container ] || [ "$target" = split ]; then
			# The image's HEALTHCHECK command, run inside the container against
			# this run's port (the shipped check probes :9479, which another
			# daemon on this host may hold).
			local hc=()
			mapfile -t hc < <(podman image inspect --format '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}' "$IMAGE" |
				sed -e '/^$/d' -e '1{/^CMD$/d}' -e "s|127.0.0.1:9479|127.0.0.1:$port|")
			if [ ${#hc[@]} -gt 0 ] && podman exec "$ctr" "${hc[@]}" >/dev/null 2>&1; then
				echo "ok    image HEALTHCHECK (${hc[*]})  ->  exit 0"
			else
				echo "FAIL  image HEALTHCHECK (${hc[*]:-none})  ->  failed"
				rc=1
			fi
		fi
		[ "$target" = container ] && seccomp_default_checks
	} >"$out/report-$target.txt"
	cat "$out/report-$target.txt"
	! grep -q '^FAIL' "$out/report-$target.txt" || rc=1

	local what=$BIN
	[ "$target" = container ] && what=$IMAGE
	[ "$target" = split ] && what="$IMAGE, --mode=collect + --mode=export"
	[ "$target" = systemd ] && what="$BIN under systemd, infra/systemd/infra-monitor.service"
	local empty_ok='' empty_why=''
	if [ "$target" = systemd ]; then
		empty_ok='mountpoint="/"'
		empty_why="/ of the systemd container is overlayfs, excluded by default like node_exporter does"
	fi
	E2E_EMPTY_OK=$empty_ok E2E_EMPTY_OK_WHY=$empty_why python3 tests/e2e-stack-eval.py "$base" "$target ($what)" |
		tee -a "$out/report-$target.txt"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1

	# Stop this run's daemon and Prometheus before the next.
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
	if [ "$target" = systemd ]; then
		systemd_stop_check | tee -a "$out/report-$target.txt"
		grep -q '^FAIL' "$out/report-$target.txt" && rc=1
		podman exec "$ctr" journalctl -u infra-monitor --no-pager >"$out/container-$target.log" 2>&1 || true
		podman rm -f -t 2 "$ctr" >/dev/null 2>&1 || true
		ctr=
extra_ctrs=()
	fi
	if [ -n "$ctr" ]; then
		: >"$out/container-$target.log"
		for p in "${extra_ctrs[@]}" "$ctr"; do
			podman logs "$p" >>"$out/container-$target.log" 2>&1 || true
			podman rm -f -t 2 "$p" >/dev/null 2>&1 || true
		done
		ctr=
		extra_ctrs=()
extra_ctrs=()
	fi
	return $rc
}

"$root/scripts/install-deps.sh" e2e
failed=()
for target in $E2E_TARGETS; do
	case $target in
	binary)
		[ -x "$BIN" ] || { log "no binary at $BIN (run make)"; exit 1; } ;;
	container | split)
		[ "$(id -u)" -eq 0 ] || { log "the $target run needs root (rootful podman)"; failed+=("$target"); continue; }
		eval "$(scripts/container-build.sh --env)"
		# Rebuild unless told not to, so the run never tests a stale image
		# (unchanged sources cost only the cached layers).
		if [ "${E2E_NO_BUILD:-0}" != 1 ] || ! podman image exists "$IMAGE"; then
			[ -n "${image_built:-}" ] || IMAGE=$IMAGE scripts/container-build.sh
			image_built=1
		fi
		log "image $IMAGE: $(podman image inspect --format '{{.Size}}' "$IMAGE") bytes" ;;
	native)
		tests/e2e-native.sh "$BIN" || failed+=(native)
		continue ;;
	systemd)
		[ -x "$BIN" ] || { log "no binary at $BIN (run make)"; exit 1; }
		[ "$(id -u)" -eq 0 ] || { log "the systemd run needs root (rootful podman)"; failed+=(systemd); continue; }
		eval "$(scripts/container-build.sh --env)"
		scripts/container-build.sh --base ;;
	*)
		log "unknown target $target"; exit 2 ;;
	esac
	run_one "$target" || failed+=("$target")
done

echo
echo "e2e reports: $out/report-*.txt"
if [ ${#failed[@]} -ne 0 ]; then
	echo "e2e: FAILED: ${failed[*]}"
	exit 1
fi
echo "e2e: passed (${E2E_TARGETS})"
