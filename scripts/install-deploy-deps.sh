#!/usr/bin/env bash
# Installs the deployment-only tools (container build, compose validation,
# coverage) with apt-get, idempotently.  Kept apart from install-deps.sh
# because the container tools are heavy and only `make container`, `make e2e`
# and `make lint` need them.  Called from scripts/container-build.sh,
# scripts/lint.sh and tests/e2e-stack.sh.
#
#   scripts/install-deploy-deps.sh [container|lint|e2e|all]   (default: all)
set -euo pipefail

what=${1:-all}
lint=(yamllint shellcheck cppcheck docker-compose systemd prometheus groff-base man-db nodejs npm)
container=(podman buildah runc debootstrap uidmap fuse-overlayfs)
e2e=(prometheus curl jq python3 python3-yaml docker-compose gzip)

case $what in
lint) packages=("${lint[@]}") ;;
container) packages=("${container[@]}") ;;
e2e) packages=("${e2e[@]}" "${container[@]}") ;;
all) packages=("${lint[@]}" "${container[@]}" "${e2e[@]}" gcovr) ;;
*) echo "usage: $0 [container|lint|e2e|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
	# nodejs may come from another repository under the same name; accept any
	# installed node >= 18 instead of insisting on Debian's build.
	if [ "$p" = nodejs ] || [ "$p" = npm ]; then
		command -v "${p/nodejs/node}" >/dev/null && continue
	fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-deploy-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
