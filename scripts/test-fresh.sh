#!/usr/bin/env bash
# `make test-fresh`: the README's two commands, exactly as written, on a bare
# Debian 12 as a newcomer has it: a debootstrap minbase root with only git,
# curl, ca-certificates and sudo added, unpacked afresh each run and used as a
# privileged podman container's root directly (--rootfs: an overlay `/` would
# hide the root filesystem from the filesystem collector), runc with the
# cgroupfs manager (crun fails on this host's hybrid cgroups), soft open-files
# limit 1,024 and an explicit process limit (podman's default one is refused
# here, as scripts/container-build.sh notes).  Inside, it clones the committed HEAD, runs the run command
# until /metrics answers, stops it, runs the test command, and reports.
#
#   scripts/test-fresh.sh
#
# Environment: FRESH_TIMEOUT (whole container run, s; default 5400),
# FRESH_RUN_TIMEOUT (run command until /metrics answers, s; default 1500),
# DEBIAN_MIRROR (default http://deb.debian.org/debian), DEBIAN_SECURITY_MIRROR
# (default http://deb.debian.org/debian-security), FRESH_CACHE
# (build/fresh: the cached minbase tarball, and last/ with this run's logs).
set -Eeuo pipefail
trap 'echo "test-fresh: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

cd "$(dirname "$0")/.."
root=$PWD
cache=${FRESH_CACHE:-$root/build/fresh}
limit=${FRESH_TIMEOUT:-5400}
run_limit=${FRESH_RUN_TIMEOUT:-1500}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
tarball=$cache/debian-bookworm-minbase-fresh.tar
name=infra-monitor-fresh-$$

log() { printf 'test-fresh: %s\n' "$*" >&2; }

mapfile -t cmds < <(scripts/readme-commands.sh)
[ ${#cmds[@]} -eq 2 ] || { log "README.md's first block has ${#cmds[@]} commands, not 2"; exit 1; }
log "run command:  ${cmds[0]}"
log "test command: ${cmds[1]}"

[ "$(id -u)" -eq 0 ] || { log "needs root (a privileged rootful podman container)"; exit 1; }
scripts/install-deps.sh container

if [ ! -s "$tarball" ]; then
	log "debootstrap --variant=minbase bookworm + git curl ca-certificates sudo (a few minutes, cached in $tarball)"
	mkdir -p "$cache"
	seed=$cache/seed
	rm -rf "$seed"
	debootstrap --variant=minbase --include=git,curl,ca-certificates,sudo bookworm "$seed" "$mirror" \
		>"$cache/debootstrap.log" 2>&1 || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
	rm -rf "$seed"/var/cache/apt/archives/*.deb "$seed"/var/lib/apt/lists/*
	tar --numeric-owner -C "$seed" -cf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	rm -rf "$seed"
fi

work=$(mktemp -d "$cache/run.XXXXXX")
cleanup() {
	podman --runtime runc --cgroup-manager cgroupfs rm -f -t 5 "$name" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/rootfs" "$work/out"
tar --numeric-owner -C "$work/rootfs" -xf "$tarball"
# debootstrap writes only the release suite; an installed Debian 12 (installer
# or cloud image) also has its updates and security suites, and Debian ships
# the 6.12 kernel the kernel matrix boots only from the security one.
cat >"$work/rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main
SOURCES
# A network that intercepts TLS (this build host's egress proxy does) has its
# CA installed on every machine by whoever runs that network: the fresh root
# gets the CAs added locally here, in the system store (apt, git, curl) and
# for npm, which trusts only its own bundle unless told (lint's npm ci).
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
	mkdir -p "$work/rootfs/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt "$work/rootfs/usr/local/share/ca-certificates/"
	# The global config is /etc/npmrc for Debian's npm, /usr/etc/npmrc for one
	# bundled with Node.js (npm config get globalconfig).
	mkdir -p "$work/rootfs/usr/etc"
	for rc in etc/npmrc usr/etc/npmrc; do
		echo 'cafile=/etc/ssl/certs/ca-certificates.crt' >"$work/rootfs/$rc"
	done
	log "this host's local CAs go into the fresh root: $(cd /usr/local/share/ca-certificates && echo *.crt)"
fi
# What the container clones: the committed HEAD only, as branch main.
git init -q --bare "$work/repo.git"
git push -q "$work/repo.git" HEAD:refs/heads/main
git -C "$work/repo.git" symbolic-ref HEAD refs/heads/main
log "HEAD $(git rev-parse --short HEAD): $(git log -1 --format=%s)"

# Runs inside the container as root, in a login-like environment.
cat >"$work/inside.sh" <<'INSIDE'
set -u
out=/fresh/out
say() { printf 'test-fresh[inside]: %s\n' "$*"; }
say "soft open files $(ulimit -Sn), hard $(ulimit -Hn); make: $(command -v make || echo absent)"
[ -d /usr/local/share/ca-certificates ] && update-ca-certificates >/dev/null
git clone -q /fresh/repo.git /root/infra-monitor || { say "FAIL: git clone"; exit 1; }
cd /root/infra-monitor || exit 1
t0=$SECONDS
setsid bash -c "$RUN_CMD" >"$out/run.log" 2>&1 </dev/null &
run=$!
until curl -fsS -o "$out/metrics.txt" http://127.0.0.1:9479/metrics 2>/dev/null; do
	if ! kill -0 "$run" 2>/dev/null; then
		wait "$run"
		say "FAIL: \`$RUN_CMD\` exited ($?) before /metrics answered; its last lines:"
		tail -n 20 "$out/run.log"
		exit 1
	fi
	if [ $((SECONDS - t0)) -ge "$RUN_LIMIT" ]; then
		say "FAIL: /metrics did not answer within $RUN_LIMIT s of \`$RUN_CMD\`; its last lines:"
		tail -n 20 "$out/run.log"
		kill -KILL -- -"$run"
		exit 1
	fi
	sleep 2
done
say "ok: \`$RUN_CMD\` served /metrics $((SECONDS - t0)) s after the clone ($(grep -c '^node_' "$out/metrics.txt") node_ samples)"
kill -TERM -- -"$run"
for _ in $(seq 20); do kill -0 "$run" 2>/dev/null || break; sleep 0.5; done
kill -0 "$run" 2>/dev/null && { say "the run command ignored SIGTERM for 10 s; killed"; kill -KILL -- -"$run"; }
t0=$SECONDS
bash -c "$TEST_CMD" </dev/null 2>&1 | tee "$out/test.log"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 0 ]; then
	say "ok: \`$TEST_CMD\` passed in $((SECONDS - t0)) s"
else
	say "FAIL: \`$TEST_CMD\` exited $rc after $((SECONDS - t0)) s"
	# The kernel matrix's per-rung scrapes, logs and workload output, for a failure there.
	[ -d build/kernels/results ] && cp -r build/kernels/results "$out/kernels-results"
fi
exit "$rc"
INSIDE

log "podman run --privileged --rootfs (fresh minbase), nofile soft 1024, at most $limit s"
t0=$SECONDS
rc=0
timeout -k 30 "$limit" podman --runtime runc --cgroup-manager cgroupfs run --rm --name "$name" \
	--privileged --ulimit "nofile=1024:$(ulimit -Hn)" --ulimit nproc=4096:4096 \
	-e RUN_CMD="${cmds[0]}" -e TEST_CMD="${cmds[1]}" -e RUN_LIMIT="$run_limit" \
	-e HOME=/root -e LANG=C.UTF-8 \
	-v "$work/repo.git:/fresh/repo.git:ro" -v "$work/inside.sh:/fresh/inside.sh:ro" \
	-v "$work/out:/fresh/out" \
	--rootfs "$work/rootfs" bash /fresh/inside.sh || rc=$?
secs=$((SECONDS - t0))
rm -rf "$cache/last"
mv "$work/out" "$cache/last"
[ $rc -ne 124 ] || log "the container ran past $limit s and was stopped"
if [ $rc -eq 0 ]; then
	log "PASS in $secs s (logs in $cache/last)"
else
	log "FAIL (exit $rc) after $secs s (logs in $cache/last)"
fi
exit $rc
