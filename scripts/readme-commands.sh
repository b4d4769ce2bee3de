#!/usr/bin/env bash
# Prints the README's two commands (run, then test), one a line: the first
# fenced block of README.md without its comments.  .ci/run and
# scripts/test-fresh.sh run them from here, so they cannot drift from the README.
set -euo pipefail
cd "$(dirname "$0")/.."
awk '/^```/ { if (inblock) exit; inblock = 1; next }
	inblock { sub(/[ \t]+#.*/, ""); if ($0 != "") print }' README.md
