#!/usr/bin/env bash
# `make lint` check "commands": every program a shell script runs comes from a
# package that is there when the script runs, so a bare machine cannot stop it
# with "command not found".  A script may use:
#   - what Debian's debootstrap --variant=minbase has (packages of priority
#     required, Essential ones and apt) and what the README assumes after the
#     clone (git, curl, ca-certificates, sudo);
#   - what `make test` installs before any test (scripts/install-deps.sh
#     build test kernels), unless the script runs before that (bare_only);
#   - the groups the script installs itself (`install-deps.sh GROUP...`) and
#     those named for it below.
# Commands are read from shfmt's syntax tree: the first word of every simple
# command, and the command after a wrapper (sudo, exec, timeout, check ...).
# Each is resolved on this machine (command -v) and its package found with
# dpkg -S, with the packages each group brings in through dependencies.
#
#   scripts/lint-commands.sh FILE...
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# Scripts that run in the kernel matrix's QEMU guests, where static busybox
# (kernels group) provides every command.
guest='^tests/kernels/(init|check)\.sh$'
# Scripts that run before anything is installed.
bare_only='^scripts/(install-deps|bootstrap|readme-commands)\.sh$'
# Scripts that run a group they do not install themselves (who installs it).
declare -A extra_groups=(
	[tests/e2e-stack.sh]=container        # through scripts/container-build.sh
	[scripts/test-fresh.sh]=container
	[scripts/lint-commands.sh]=lint      # run by scripts/lint.sh
)
# Programs used only when present, each behind `command -v`.
optional='^(terraform)$'
# Wrappers whose next word (after their options) is the command they run.
wrappers='^(sudo|exec|timeout|nice|nohup|setsid|env|xargs|command|time|stdbuf|ionice|unshare|nsenter|chroot|ip)$'

# Programs are looked up where Debian's packages put them, not in /usr/local
# or a version manager's shims.
debian_path=/usr/sbin:/usr/bin:/sbin:/bin

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Installed packages and what each depends on (alternatives and virtual
# packages resolved to the installed ones): "PACKAGE DEP..." a line.
dpkg-query -W -f='${Status}\t${Package}\t${Provides}\t${Pre-Depends}, ${Depends}\n' |
	awk -F'\t' '$1 ~ / installed$/ {
		gsub(/\([^)]*\)|:[a-z0-9]+/, "", $3); gsub(/\([^)]*\)|:[a-z0-9]+/, "", $4)
		n = split($3, pr, /, */); for (i = 1; i <= n; i++) if (pr[i] != "") { gsub(/ /, "", pr[i]); prov[pr[i]] = prov[pr[i]] " " $2 }
		pkgs[$2] = 1; deps[$2] = $4
	}
	END {
		for (p in pkgs) {
			line = p; n = split(deps[p], d, /[,|]/)
			for (i = 1; i <= n; i++) {
				gsub(/ /, "", d[i]); if (d[i] == "") continue
				if (d[i] in pkgs) line = line " " d[i]
				if (d[i] in prov) line = line prov[d[i]]
			}
			print line
		}
	}' >"$tmp/depgraph"
# The required and Essential packages (minbase), apt, and what the README assumes.
base=$(dpkg-query -W -f='${Package} ${Priority} ${Essential}\n' |
	awk '$2 == "required" || $3 == "yes" { printf "%s ", $1 }')
base="$base apt git curl ca-certificates sudo"

# Packages a set of groups brings in, with their dependencies (cached per set).
closure() {   # closure GROUP... -> file with one package a line
	local key=${*:-none} f pkgs
	key=${key// /+}
	f=$tmp/closure.$key
	if [ ! -e "$f" ]; then
		pkgs=$(bash -c 'source <(sed -n "/^declare -A groups/,/^)/p" scripts/install-deps.sh)
			for g in "$@"; do echo ${groups[$g]}; done' _ "$@")
		awk -v roots="$base $pkgs" 'BEGIN { n = split(roots, r, /[ \t\n]+/); for (i = 1; i <= n; i++) if (r[i] != "") want[r[i]] = 1 }
			{ line[$1] = $0 }
			END {
				do {
					grew = 0
					for (p in want) if (!(p in done)) {
						done[p] = 1; m = split(line[p], d, " ")
						for (i = 2; i <= m; i++) if (!(d[i] in want)) { want[d[i]] = 1; grew = 1 }
					}
				} while (grew)
				for (p in want) print p
			}' "$tmp/depgraph" >"$f"
	fi
	echo "$f"
}

# All files as one script, parsed by one shfmt run (it is slow to start);
# the offsets map its lines back to the files.
n=0
for f in "$@"; do
	printf '%s\t%s\n' "$n" "$f"
	cat "$f" >>"$tmp/all.sh"
	echo >>"$tmp/all.sh"
	n=$((n + $(wc -l <"$f") + 1))
done >"$tmp/offsets"
shfmt --to-json <"$tmp/all.sh" >"$tmp/ast.json" || { echo "commands: shfmt cannot parse $*"; exit 1; }
declare -A funcs=()
while read -r fn; do funcs[$fn]=1; done < <(jq -r '.. | objects | select(.Type? == "FuncDecl") | .Name.Value' "$tmp/ast.json")

# The program each simple command runs, as "FILE<TAB>LINE<TAB>PROGRAM": its
# first literal word, and after a wrapper (a program too) the word after the
# wrapper's options, VAR=value words, a timeout's duration or a netns name.
jq -r '.. | objects | select(.Type? == "CallExpr" and .Args != null) |
	[(.Pos.Line | tostring)] + [.Args[] |
		if (.Parts | length) == 1 and .Parts[0].Type == "Lit" then .Parts[0].Value else "?" end] |
	@tsv' "$tmp/ast.json" |
	awk -F'\t' -v OFS='\t' -v wrappers="$wrappers" '
	NR == FNR { off[NR] = $1; name[NR] = $2; files = NR; next }
	{
		k = files; while (k > 1 && off[k] >= $1) k--
		f = name[k]; line = $1 - off[k]
		i = 2
		while (i <= NF) {
			c = $i
			# tests/integration/lib.sh: check "what" CMD..., start_bg LOG CMD...
			if (c == "check" || c == "start_bg") { i += 2; continue }
			if (c !~ wrappers) { print f, line, c; break }
			if (c == "command" && $(i + 1) ~ /^-[vV]$/) break
			print f, line, c
			if (c == "ip") { if ($(i + 1) != "netns" || $(i + 2) != "exec") break; i += 4; continue }
			for (i++; i <= NF && ($i ~ /^-|=/ || $i ~ /^[0-9.]+[smhd]?$/); i++) ;
		}
	}' "$tmp/offsets" - | sort -t$'\t' -k1,1 -k3,3 -u >"$tmp/runs"

# Every program that is not a function, a builtin or a file of the repository:
# FILE LINE PROGRAM PATH (PATH empty when it is not found here).
while IFS=$'\t' read -r f line c; do
	[[ $f =~ $guest ]] && continue
	case $c in '?' | '' | *'$'*) continue ;; */*) [[ $c == /* ]] || continue ;; esac
	[ -z "${funcs[$c]:-}" ] || continue
	[[ $c =~ $optional ]] && continue
	case $(type -t "$c") in builtin | keyword) continue ;; esac
	printf '%s\t%s\t%s\t%s\n' "$f" "$line" "$c" "$(PATH=$debian_path command -v "$c")"
done <"$tmp/runs" >"$tmp/uses"

# The owner of every path: dpkg -S matches each pattern against every file it
# knows (minutes for a few hundred paths); its file lists, read once, answer
# the same.  A path is also tried as its symlink's target and as its /bin <->
# /usr/bin twin (dpkg knows some programs only by the pre-usrmerge path).
cut -f4 "$tmp/uses" | grep . | sort -u | while read -r p; do
	t=$(readlink -f "$p")
	printf '%s\t%s\n' "$p" "$p" "$p" "$t" "$p" "${p#/usr}" "$p" "/usr$p" "$p" "${t#/usr}" "$p" "/usr$t"
done >"$tmp/candidates"
cut -f2 "$tmp/candidates" | sort -u >"$tmp/paths"
grep -HFxf "$tmp/paths" /var/lib/dpkg/info/*.list |
	sed -n 's|^/var/lib/dpkg/info/\([^/]*\)\.list:\(.*\)$|\2\t\1|p' | sed 's/:[a-z0-9]*\t/\t/' >"$tmp/owners"

# The groups each file has, and what they bring in.
cut -f1 "$tmp/uses" | sort -u | while read -r f; do
	groups=(build test kernels)
	[[ $f =~ $bare_only ]] && groups=()
	# shellcheck disable=SC2207  # group names are single words
	groups+=($(grep -oE 'install-deps\.sh"?( [a-z0-9]+)+' "$f" | tr ' ' '\n' | grep -v install-deps | grep -vx all))
	read -r -a more <<<"${extra_groups[$f]:-}"
	groups+=("${more[@]}")
	printf '%s\t%s\t%s\n' "$f" "${groups[*]:-none}" "$(closure "${groups[@]}")"
done >"$tmp/filegroups"

awk -F'\t' -v OFS='\t' '
	FILENAME ~ /candidates$/ { cand[$2] = cand[$2] " " $1; next }
	FILENAME ~ /owners$/ { n = split(cand[$1], ps, " "); for (i = 1; i <= n; i++) if (!(ps[i] in owner)) owner[ps[i]] = $2; next }
	FILENAME ~ /filegroups$/ {
		groups[$1] = $2
		while ((getline pkg < $3) > 0) allowed[$1, pkg] = 1
		close($3); next
	}
	{
		f = $1; where = f ":" $2 ": " $3
		if ($4 == "") { print where ": not found on this machine, no package provides it"; bad = 1 }
		else if (!($4 in owner)) { print where " (" $4 "): no Debian package owns it"; bad = 1 }
		else if (!((f, owner[$4]) in allowed)) {
			print where " comes from package " owner[$4] ", which no group this script has installs (" groups[f] ": scripts/install-deps.sh)"
			bad = 1
		}
	}
	END { exit bad }' "$tmp/candidates" "$tmp/owners" "$tmp/filegroups" "$tmp/uses"
