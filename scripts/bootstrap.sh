#!/usr/bin/env bash
# The README's way in on a bare machine: Debian and Ubuntu server and cloud
# images ship without make, so this installs what the Makefile itself needs
# (the build group, which brings make) and then runs make with the targets
# given.  Each target installs the rest of what it needs.
#
#   scripts/bootstrap.sh TARGET...     e.g. `sudo scripts/bootstrap.sh run`
set -Eeuo pipefail
trap 'echo "bootstrap: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: scripts/bootstrap.sh TARGET... (run, test, ...)" >&2; exit 2; }
scripts/install-deps.sh build
exec make "$@"
