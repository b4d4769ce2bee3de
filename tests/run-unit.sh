#!/usr/bin/env bash
# Runs each cmocka test binary from the repo root (fixtures are found relative
# to it) and fails if any fails; cmocka prints its own summary per binary.
set -u
failed=0
for t in "$@"; do
	echo "== $t"
	"$t" || failed=$((failed + 1))
done
if [ "$failed" -ne 0 ]; then
	echo "unit: $failed test binaries failed" >&2
	exit 1
fi
