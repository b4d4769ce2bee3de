#!/usr/bin/env bash
# lint self-test fixture: yamllint is installed here only by the lint group
# (which make lint installs before it runs), not by a group this script has,
# so a bare machine would stop here with "command not found".
set -euo pipefail
yamllint --version
