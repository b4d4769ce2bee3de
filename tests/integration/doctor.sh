#!/usr/bin/env bash
# `infra-monitor doctor` on this host: as root it finds every program
# attaching on some rung (exit 0); without capabilities it exits 1 naming the
# cause and its remedy; both JSON outputs validate against
# docs/doctor.schema.json, and a damaged one does not.
#
# Needs root and kernel BTF; skips with the reason otherwise.
# usage: tests/integration/doctor.sh path/to/infra-monitor
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: doctor.sh path/to/infra-monitor}")
py=/usr/bin/python3

skip_unless_bpf doctor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== doctor as root"
"$bin" doctor >"$work/root.txt" 2>"$work/root.err"
check "table: exit 0" [ $? -eq 0 ]
check "table: verdict OK" grep -q '^verdict: OK' "$work/root.txt"
check "table: every program has an auto rung" \
	bash -c "[ \$(grep -cE '^[a-z]+ +auto +(tp_btf|raw_tp|tracepoint)\$' '$work/root.txt') -eq 4 ]"
"$bin" doctor --format=json >"$work/root.json" 2>>"$work/root.err"
check "json: exit 0" [ $? -eq 0 ]
check "json: validates against docs/doctor.schema.json, ok true" \
	"$py" tests/validate-doctor.py "$work/root.json" --expect-ok
check "json: the tp_btf rung of every program attached on this kernel" \
	json_true "$work/root.json" '[.programs[].rungs[0].status] == ["attached","attached","attached","attached"]'

echo "== doctor without privileges"
if command -v setpriv >/dev/null; then
	nopriv=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
	"${nopriv[@]}" "$bin" doctor >"$work/user.txt" 2>"$work/user.err"
	check "table: exit 1" [ $? -eq 1 ]
	check "table: names the capabilities as the cause" grep -q '^cause: capabilities: held: none' "$work/user.txt"
	check "table: with a remedy" grep -q 'remedy: run as root, or grant CAP_BPF, CAP_PERFMON' "$work/user.txt"
	if [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ]; then
		check "table: names kernel.unprivileged_bpf_disabled" \
			grep -q '^cause: unprivileged_bpf_disabled: [12]: bpf() refused' "$work/user.txt"
	fi
	"${nopriv[@]}" "$bin" doctor --format=json >"$work/user.json" 2>>"$work/user.err"
	check "json: exit 1" [ $? -eq 1 ]
	check "json: validates, ok false, a failed check names the cause" \
		"$py" tests/validate-doctor.py "$work/user.json" --expect-fail
	check "json: capabilities failed with a remedy" \
		json_true "$work/user.json" \
		'.checks[] | select(.name == "capabilities") | .status == "fail" and (.remedy | length > 0)'
else
	bad "setpriv missing (util-linux): the unprivileged run cannot be checked"
fi

echo "== the schema check can fail"
jq 'del(.programs[0].rungs[0].ms)' "$work/root.json" >"$work/damaged.json"
check "a rung without ms is refused" bash -c "! '$py' tests/validate-doctor.py '$work/damaged.json' >/dev/null"
jq '.ok = false' "$work/root.json" >"$work/lying.json"
check "ok false with every program attached is refused" \
	bash -c "! '$py' tests/validate-doctor.py '$work/lying.json' >/dev/null"

echo "== bad flags"
"$bin" doctor --format=prom >/dev/null 2>"$work/flag.err"
check "doctor --format=prom: exit 2" [ $? -eq 2 ]
check "doctor --format=prom: says why" grep -q 'is for once; doctor prints table or json' "$work/flag.err"
"$bin" once --format=table >/dev/null 2>"$work/flag2.err"
check "once --format=table: exit 2" [ $? -eq 2 ]

summary doctor
