#!/usr/bin/env bash
# `make lint`: static checks for everything that cannot run here (or should
# fail before it runs), each one proven by a broken fixture in tests/lint/.
#
#   scripts/lint.sh                 every check on the real files, then the self-test
#   scripts/lint.sh --no-self-test  only the real files
#   scripts/lint.sh --self-test     only the fixtures: each check must fail on
#                                   its broken copy and print the expected complaint
#   scripts/lint.sh CHECK...        only these checks (names as in the summary)
#
# Tools: Debian packages (shellcheck, shfmt, jq, yamllint, cppcheck, prometheus for
# promtool, docker-compose, systemd, groff-base, man-db) from
# scripts/install-deps.sh lint, and npm packages pinned in
# tools/lint/package-lock.json (@grafana/schema, kubernetes-types, typescript,
# @cdktf/hcl2json, @action-validator/cli), installed with `npm ci`.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node_bin=$root/tools/lint/node_modules/.bin

# ---------------------------------------------------------------- the checks
# Each takes the files to check, prints what it finds and returns non-zero on
# any finding.  The same function runs on the real files and on the fixtures.

lint_shellcheck() { shellcheck -x -S warning "$@"; }

lint_yamllint() { yamllint -s -f parsable -c tools/lint/yamllint.yml "$@"; }

# cppcheck over the C sources.  Suppressed, with reasons:
#  varFuncNullUB: log.h's macros end the variadic list with NULL; glibc's NULL
#                 is ((void *)0), so the sentinel is a pointer, not int 0.
lint_cppcheck() {
	cppcheck -q --error-exitcode=1 --enable=warning,portability --inline-suppr --std=c11 \
		-D__x86_64__ -D__linux__ -Iinclude --suppress=missingIncludeSystem \
		--suppress=varFuncNullUB --suppressions-list=tools/lint/cppcheck-suppressions.txt \
		--template='{file}:{line}: {severity}: {message} [{id}]' -j2 "$@"
}

lint_promtool_config() {
	local f rc=0
	for f in "$@"; do promtool check config --syntax-only "$f" || rc=1; done
	return $rc
}

lint_promtool_rules() { promtool check rules "$@"; }

lint_promtool_test() { promtool test rules "$@"; }

# Debian's docker-compose (v1) validates against the compose schema without
# an engine; any warning (unset variable, ignored key) counts as a failure.
# It runs in the compose file's directory, as users do: relative paths (the
# seccomp profile, the .env file) resolve there.
lint_compose() {
	local f out rc=0 p
	for f in "$@"; do
		out=$(cd "$(dirname "$f")" && GRAFANA_ADMIN_PASSWORD=lint-only docker-compose -f "$(basename "$f")" config -q 2>&1) || rc=1
		[ -z "$out" ] || { printf '%s\n' "$out"; rc=1; }
		# Every profile resolves on its own, too.
		for p in single split promtail; do
			out=$(cd "$(dirname "$f")" && COMPOSE_PROFILES=$p GRAFANA_ADMIN_PASSWORD=lint-only \
				docker-compose -f "$(basename "$f")" config -q 2>&1) ||
				{ printf 'profile %s: %s\n' "$p" "$out"; rc=1; }
		done
	done
	return $rc
}

lint_dashboards() {
	node tools/lint/check.mjs dashboards infra/grafana/provisioning/datasources/datasources.yml "$@"
}

lint_k8s() { node tools/lint/check.mjs k8s "$@"; }

lint_terraform() {
	local d rc=0
	for d in "$@"; do
		node tools/lint/check.mjs terraform "$d" || rc=1
		# terraform itself, where installed: formatting only (validate
		# needs the provider, which needs a registry).
		if command -v terraform >/dev/null; then
			TF_CLI_CONFIG_FILE=/dev/null terraform fmt -check -diff "$d" || rc=1
		fi
	done
	return $rc
}

lint_workflow() { "$node_bin/action-validator" "$@"; }

lint_alloy() { node tools/lint/check.mjs alloy "$@"; }

lint_manpage() {
	local f out rc=0
	for f in "$@"; do
		out=$(groff -man -ww -z "$f" 2>&1)
		[ -z "$out" ] || { printf '%s\n' "$out"; rc=1; }
	done
	return $rc
}

# systemd-analyze verify exits 0 on unknown keys and only warns, so any output
# fails.  It also checks that ExecStart= exists and that Documentation=man:
# pages resolve: the binary is pointed at build/infra-monitor (or /bin/true
# before the first build) and MANPATH at docs/.
lint_systemd_verify() {
	local f u out rc=0 exe=/bin/true
	[ -x "$root/build/infra-monitor" ] && exe=$root/build/infra-monitor
	mkdir -p "$tmp/man/man8"
	cp docs/infra-monitor.8 "$tmp/man/man8/"
	for f in "$@"; do
		u=$tmp/$(basename "$f")
		sed -E "s|^(ExecStart=[-@:+!]*)[^ ]+|\1$exe|" "$f" >"$u"
		out=$(MANPATH=$tmp/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$u" 2>&1) || rc=1
		[ -z "$out" ] || { printf '%s\n' "${out//$tmp\//}"; rc=1; }
		rm -f "$u"
	done
	return $rc
}

# Exposure gate: 3.0 or lower (docs/deployment.md explains what is left).
lint_systemd_security() {
	local f rc=0 line
	for f in "$@"; do
		line=$(systemd-analyze security --offline=true --no-pager "$f" 2>&1 | tail -n 1)
		echo "$(basename "$f"): $line"
		local score
		score=$(sed -nE 's/.*exposure level for [^:]*: ([0-9.]+).*/\1/p' <<<"$line")
		if [ -z "$score" ] || awk -v s="$score" 'BEGIN { exit !(s > 3.0) }'; then
			echo "$(basename "$f"): exposure ${score:-unknown} above the 3.0 gate"
			rc=1
		fi
	done
	return $rc
}

# Every program the scripts run comes from a group of scripts/install-deps.sh
# that is installed by then (see scripts/lint-commands.sh); programs are found
# on this machine, so every group is installed first.
lint_commands() {
	"$root/scripts/install-deps.sh" all >&2 || return 1
	scripts/lint-commands.sh "$@"
}

# Every infra_monitor_* name the docs use is a family docs/metrics.md
# describes; a histogram's _bucket, _sum and _count count as the family, and a
# name ending in `_` (a prefix, as in infra_monitor_bpf_*) must start one.
lint_doc_names() {
	awk '
		FNR == 1 { ref = (FILENAME == "docs/metrics.md" && !refdone); if (!ref) refdone = 1 }
		ref {
			if (match($0, /^\| `infra_monitor_[a-z0-9_]+` \| histogram /)) hist[substr($0, 4, RLENGTH - 17)] = 1
			if ($0 ~ /^### infra_monitor_/) head = $2
			else if (head != "" && $0 ~ /Type: histogram/) { hist[head] = 1; head = "" }
			else if ($0 ~ /^###/) head = ""
			s = $0
			while (match(s, /infra_monitor_[a-z0-9_]*[a-z0-9]/)) { known[substr(s, RSTART, RLENGTH)] = 1; s = substr(s, RSTART + RLENGTH) }
			next
		}
		{
			s = $0
			while (match(s, /infra_monitor_[a-z0-9_]*/)) {
				n = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
				if (n in known) continue
				if (n ~ /_$/) { for (k in known) if (index(k, n) == 1) break; if (index(k, n) == 1) continue }
				base = n; sub(/_(bucket|sum|count)$/, "", base)
				if (base != n && base in hist) continue
				printf "%s:%d: %s is not a family in docs/metrics.md\n", FILENAME, FNR, n; bad = 1
			}
		}
		END { exit bad }' docs/metrics.md "$@"
}

# Every repository path docs/design.md names (in backticks) exists: a file, a
# folder (ending in /) or a glob that matches something; NAME stands for any
# name (`src/collect/NAME.c`), and a bare file name must be some tracked
# file's name.  build/ is made by make, absolute paths are the host's.
lint_doc_paths() {
	local f n p g rc=0
	for f in "$@"; do
		while IFS=: read -r n p; do
			p=${p//\`/}
			[[ $p == */* || $p =~ ^[^.].*\.(c|h|sh|md|mk|py|json|yml|yaml)$ || $p == Makefile || $p == Dockerfile ]] || continue
			case $p in /* | build/*) continue ;; esac
			g=${p//NAME/*}
			if [[ $g == */* ]]; then
				compgen -G "${g%/}" >/dev/null && continue
			else
				[ -n "$(git ls-files -- ":(glob)$g" ":(glob)**/$g")" ] && continue
			fi
			echo "$f:$n: $p does not exist"
			rc=1
		done < <(grep -noE '`[A-Za-z0-9_.*-]+(/[A-Za-z0-9_.*-]+)*/?`' "$f")
	done
	return $rc
}

# ---------------------------------------------------------------- what runs
# name|function|files (globs, relative to the repository)
real_checks=(
	"shellcheck|lint_shellcheck|$(git ls-files '*.sh' ':!tests/lint/' | tr '\n' ' ')"
	"yamllint|lint_yamllint|infra .github tools/lint/yamllint.yml"
	"cppcheck|lint_cppcheck|src"
	"promtool-config|lint_promtool_config|infra/prometheus/prometheus.yml"
	"promtool-rules|lint_promtool_rules|infra/prometheus/rules/*.yml"
	"promtool-test|lint_promtool_test|infra/prometheus/tests/*.test.yml"
	"compose|lint_compose|infra/docker-compose.yml"
	"dashboards|lint_dashboards|infra/grafana/dashboards/*.json"
	"k8s|lint_k8s|infra/k8s/*.yaml"
	"systemd-verify|lint_systemd_verify|infra/systemd/*.service"
	"systemd-security|lint_systemd_security|infra/systemd/*.service"
	"terraform|lint_terraform|infra/terraform"
	"workflow|lint_workflow|.github/workflows/*.yml"
	"alloy|lint_alloy|infra/alloy/*.alloy"
	"manpage|lint_manpage|docs/*.8"
	"doc-names|lint_doc_names|README.md docs/*.md"
	"doc-paths|lint_doc_paths|docs/design.md docs/style.md"
	"commands|lint_commands|$(git ls-files '*.sh' ':!tests/lint/' | tr '\n' ' ').ci/run"
)

# name|function|fixture|pattern the output must contain
self_tests=(
	"shellcheck|lint_shellcheck|tests/lint/shellcheck.sh|SC2164"
	"yamllint|lint_yamllint|tests/lint/yamllint.yml|duplication of key"
	"cppcheck|lint_cppcheck|tests/lint/cppcheck.c|arrayIndexOutOfBounds"
	"promtool-config|lint_promtool_config|tests/lint/prometheus.yml|scrape_intervall"
	"promtool-rules|lint_promtool_rules|tests/lint/rules.yml|unclosed left parenthesis"
	"promtool-test|lint_promtool_test|tests/lint/rules.test.yml|FAILED"
	"compose|lint_compose|tests/lint/docker-compose.yml|cap_addd"
	"dashboards|lint_dashboards|tests/lint/dashboard-unknown-key.json|'\"titel\"' does not exist"
	"dashboards|lint_dashboards|tests/lint/dashboard-datasource.json|\"mimir-prod\" is not provisioned"
	"k8s|lint_k8s|tests/lint/k8s-daemonset.yaml|'\"capabilites\"' does not exist"
	"systemd-verify|lint_systemd_verify|tests/lint/systemd-unknown-key.service|ProtectSytem"
	"systemd-security|lint_systemd_security|tests/lint/systemd-exposure.service|above the 3.0 gate"
	"terraform|lint_terraform|tests/lint/terraform-syntax|HCL"
	"terraform|lint_terraform|tests/lint/terraform-unpinned|is not pinned to one release"
	"workflow|lint_workflow|tests/lint/workflow.yml|runs-on"
	"alloy|lint_alloy|tests/lint/config.alloy|undefined component loki.write \"remote\""
	"manpage|lint_manpage|tests/lint/infra-monitor.8|not defined"
	"doc-names|lint_doc_names|tests/lint/doc-names.md|infra_monitor_disk_latency_seconds is not a family"
	"doc-paths|lint_doc_paths|tests/lint/doc-paths.md|docs/troubleshooting.md does not exist"
	"commands|lint_commands|tests/lint/commands.sh|yamllint comes from package yamllint, which no group"
)

want() {   # is check $1 selected on the command line?
	[ ${#only[@]} -eq 0 ] && return 0
	local o
	for o in "${only[@]}"; do [ "$o" = "$1" ] && return 0; done
	return 1
}

setup() {
	"$root/scripts/install-deps.sh" lint
	if [ ! -x "$node_bin/tsc" ] || [ tools/lint/package-lock.json -nt tools/lint/node_modules/.package-lock.json ]; then
		echo "lint: npm ci in tools/lint" >&2
		(cd tools/lint && npm ci --no-audit --no-fund --loglevel=error) >&2 || exit 1
	fi
}

run_real() {
	local entry name fn files t0 rc out
	for entry in "${real_checks[@]}"; do
		IFS='|' read -r name fn files <<<"$entry"
		want "$name" || continue
		t0=$(date +%s.%N)
		# shellcheck disable=SC2086  # word splitting and globbing of the file list is wanted
		out=$($fn $files 2>&1)
		rc=$?
		result "$name" "$rc" "$t0" "$files"
		[ $rc -eq 0 ] || { printf '%s\n' "$out" | sed 's/^/    /'; failed=1; }
	done
}

run_self_test() {
	local entry name fn fixture pattern t0 rc out
	for entry in "${self_tests[@]}"; do
		IFS='|' read -r name fn fixture pattern <<<"$entry"
		want "$name" || continue
		t0=$(date +%s.%N)
		out=$($fn "$fixture" 2>&1)
		rc=$?
		if [ $rc -ne 0 ] && grep -qF -- "$pattern" <<<"$out"; then
			result "self-test $name" 0 "$t0" "$fixture rejected"
		else
			result "self-test $name" 1 "$t0" "$fixture NOT rejected as expected (exit $rc, wanted: $pattern)"
			printf '%s\n' "$out" | sed 's/^/    /'
			failed=1
		fi
	done
}

result() {   # name rc t0 detail
	local secs
	secs=$(awk -v a="$3" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	printf '%-26s %-4s %5ss  %s\n' "$1" "$([ "$2" -eq 0 ] && echo ok || echo FAIL)" "$secs" "$4" | cut -c1-160
}

mode=all
only=()
for a in "$@"; do
	case $a in
	--self-test) mode=self ;;
	--no-self-test) mode=real ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) only+=("$a") ;;
	esac
done

setup
failed=0
[ $mode = self ] || run_real
[ $mode = real ] || run_self_test
if [ $failed -ne 0 ]; then
	echo "lint: FAILED" >&2
	exit 1
fi
echo "lint: all checks passed"
