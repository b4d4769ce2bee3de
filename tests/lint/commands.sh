#!/usr/bin/env bash
# lint self-test fixture: gdb is in no group of scripts/install-deps.sh, so a
# bare machine would stop here with "command not found".
set -euo pipefail
timeout 5 gdb -batch -ex 'info proc' -p "$$"
