# infra-monitor container image.
#
# Two stages: a Debian bookworm stage that builds the daemon and its BPF
# skeletons, and a runtime stage FROM scratch that holds only the binary, the
# shared libraries ldd lists for it, and a static busybox for the health check.
#
#   docker build -t infra-monitor .                       (anywhere with Docker)
#   docker buildx build --platform linux/arm64 -t infra-monitor:arm64 .
#                        (arm64: the build stage runs on that platform, and the
#                        Makefile picks vmlinux/aarch64/ from its uname -m)
#   scripts/container-build.sh                            (here: podman, local base)
#
# Run it with the host's view, from the repository (the seccomp profile path is
# relative): the host network (/proc/net is per namespace) and PID namespace,
# CAP_BPF and CAP_PERFMON, and the seccomp profile that lets bpf() and
# perf_event_open() through; docs/deployment.md says what each one buys and
# infra/docker-compose.yml has the same set:
#   docker run -d --name infra-monitor --network=host --pid=host --read-only --tmpfs /tmp \
#     --cap-drop=ALL --cap-add=BPF --cap-add=PERFMON --security-opt no-new-privileges \
#     --security-opt seccomp=infra/seccomp/infra-monitor.json \
#     -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /:/host/root:ro,rslave \
#     -v /sys/kernel/tracing:/sys/kernel/tracing:ro -v infra-monitor-data:/var/lib/infra-monitor \
#     infra-monitor

ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      make gcc libc6-dev clang llvm bpftool pkg-config binutils \
      libbpf-dev libelf-dev zlib1g-dev libmicrohttpd-dev libjansson-dev \
      libyaml-dev libcrypt-dev busybox-static \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY Makefile ./
COPY vmlinux/ vmlinux/
COPY bpf/ bpf/
COPY include/ include/
COPY src/ src/
ARG VERSION=0.1.0
ARG REVISION=unknown
# The Makefile includes make fragments (deployment, kernel matrix, fuzzing)
# that `make all` does not use and that stay out of the build context: stand
# in an empty file for each one that is missing.
RUN set -eu; \
    for f in $(sed -n 's/^-\{0,1\}include[[:space:]]//p' Makefile); do \
        case $f in *'$'*) continue ;; esac; \
        [ -e "$f" ] || { mkdir -p "$(dirname "$f")"; : > "$f"; }; \
    done; \
    make -j"$(nproc)" VERSION="$VERSION" REVISION="$REVISION" all

# The runtime tree: the binary, every shared object it loads (as ldd resolves
# them, with their real paths) and the loader, nothing else.
RUN set -eu; r=/rootfs; \
    mkdir -p "$r/usr/bin" "$r/etc" "$r/tmp" "$r/var/lib/infra-monitor" "$r/var/log/infra-monitor" \
             "$r/host/proc" "$r/host/sys" "$r/host/root"; \
    install -m 0755 build/infra-monitor "$r/usr/bin/infra-monitor"; \
    strip --strip-unneeded "$r/usr/bin/infra-monitor"; \
    for so in $(ldd build/infra-monitor | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }'); do \
        cp --parents -L "$so" "$r/"; \
    done; \
    install -m 0755 /bin/busybox "$r/usr/bin/busybox"; \
    printf 'root:x:0:0:root:/:/usr/bin/infra-monitor\n' > "$r/etc/passwd"; \
    printf 'root:x:0:\n' > "$r/etc/group"; \
    chmod 1777 "$r/tmp"; \
    "$r/usr/bin/infra-monitor" --version

FROM scratch
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="infra-monitor" \
      org.opencontainers.image.description="Linux host metrics daemon: /proc, /sys and CO-RE eBPF latency histograms for Prometheus" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="scratch"
COPY --from=build /rootfs/ /
EXPOSE 9479
VOLUME ["/var/lib/infra-monitor"]
# /health answers 200 for "ok" and "degraded" and 503 before the first
# snapshot; busybox wget exits non-zero on anything but 2xx or a refused
# connection, and the engine's --timeout bounds a hung one.  (busybox 1.35's
# own -T timeout crashes the static build: do not add it.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9479/health"]
ENTRYPOINT ["/usr/bin/infra-monitor"]
CMD ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root", \
     "--output.dir=/var/lib/infra-monitor"]
