#!/usr/bin/env bash
# Builds the infra-monitor container image with podman, without any image
# registry: the Debian base image is made here with debootstrap
# (--variant=minbase, from the apt mirror this host already uses), cached as a
# tarball under build/container/ and imported once into podman.  The
# Dockerfile itself is the plain one that `docker build .` uses elsewhere; only
# its DEBIAN_IMAGE build argument points at the local base.
#
#   scripts/container-build.sh            build localhost/infra-monitor:dev (and :VERSION)
#   scripts/container-build.sh --base     only make and import the base image
#   scripts/container-build.sh --env      print the podman environment (eval it)
#
# Environment: IMAGE (tag to build), BASE_IMAGE (local base tag),
# DEBIAN_SUITE (bookworm), DEBIAN_MIRROR (default: first Debian mirror in the
# apt sources), CONTAINER_CACHE (build/container).
#
# This host's cgroups are hybrid (v1 controllers, v2 unified for systemd) and
# crun, podman's default runtime, fails on them; so does podman's default
# rlimit handling.  `podman build --isolation=chroot` needs no runtime at all,
# and `podman run` works with runc, the cgroupfs manager and explicit
# nofile/nproc ulimits, which the containers.conf written below sets.
set -Eeuo pipefail
trap 'echo "container-build: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR

cd "$(dirname "$0")/.."
root=$PWD
IMAGE=${IMAGE:-localhost/infra-monitor:dev}
DEBIAN_SUITE=${DEBIAN_SUITE:-bookworm}
BASE_IMAGE=${BASE_IMAGE:-localhost/debian-minbase:$DEBIAN_SUITE}
CONTAINER_CACHE=${CONTAINER_CACHE:-$root/build/container}
base_tar=$CONTAINER_CACHE/debian-$DEBIAN_SUITE-minbase.tar

log() { printf 'container-build: %s\n' "$*" >&2; }

# The podman configuration this script and tests/e2e-stack.sh use.
write_containers_conf() {
	mkdir -p "$CONTAINER_CACHE"
	local n
	n=$(ulimit -Hn)
	[ "$n" = unlimited ] && n=1048576
	[ "$n" -gt 65536 ] && n=65536
	cat >"$CONTAINER_CACHE/containers.conf" <<-CONF
		# Written by scripts/container-build.sh; see the comment there.
		[containers]
		default_ulimits = ["nofile=$n:$n", "nproc=4096:4096"]
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	CONF
	export CONTAINERS_CONF=$CONTAINER_CACHE/containers.conf
}

# First Debian (not security) mirror of the apt sources, one-line or deb822.
debian_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		case $f in
		*.sources)
			awk 'tolower($1)=="uris:" { for (i = 2; i <= NF; i++) print $i }' "$f" ;;
		*)
			awk '$1=="deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f" ;;
		esac
	done | grep -E '/debian/?$' | grep -v -- '-security' | head -n1
}

make_base() {
	if podman image exists "$BASE_IMAGE"; then
		log "base $BASE_IMAGE present"
		return
	fi
	if [ ! -s "$base_tar" ]; then
		local mirror=${DEBIAN_MIRROR:-$(debian_mirror)}
		[ -n "$mirror" ] || { log "no Debian mirror in the apt sources; set DEBIAN_MIRROR"; exit 1; }
		local rootfs=$CONTAINER_CACHE/rootfs-$DEBIAN_SUITE
		rm -rf "$rootfs"
		log "debootstrap --variant=minbase $DEBIAN_SUITE from $mirror (about 80 s)"
		debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$mirror" >"$CONTAINER_CACHE/debootstrap.log" 2>&1 ||
			{ tail -n 20 "$CONTAINER_CACHE/debootstrap.log" >&2; exit 1; }
		rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
		tar --numeric-owner -C "$rootfs" -cf "$base_tar.tmp" .
		mv "$base_tar.tmp" "$base_tar"
		rm -rf "$rootfs"
	fi
	log "podman import $base_tar -> $BASE_IMAGE"
	podman import --quiet \
		--change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' \
		"$base_tar" "$BASE_IMAGE" >/dev/null
}

main() {
	case ${1:-} in
	--env)
		CONTAINER_CACHE=$CONTAINER_CACHE write_containers_conf
		echo "export CONTAINERS_CONF=$CONTAINERS_CONF"
		return ;;
	esac
	"$root/scripts/install-deps.sh" container
	write_containers_conf
	make_base
	[ "${1:-}" = --base ] && return

	local version revision
	version=$(sed -n 's/^VERSION *?= *//p' Makefile | head -n1)
	revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	log "podman build $IMAGE (version ${version:-?}, revision $revision)"
	# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
	podman build --isolation=chroot --format docker --layers \
		--build-arg "DEBIAN_IMAGE=$BASE_IMAGE" \
		--build-arg "VERSION=${version:-0.0.0}" \
		--build-arg "REVISION=$revision" \
		--build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		-t "$IMAGE" -t "localhost/infra-monitor:${version:-0.0.0}" -f Dockerfile .
	local size
	size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
	log "built $IMAGE: $size bytes ($((size / 1024 / 1024)) MiB)"
}

main "$@"
