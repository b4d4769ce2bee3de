#!/usr/bin/env bash
# node_exporter compatibility on this host: every collector that Debian's
# node_exporter (1.5) enables by default and infra-monitor also has runs in a
# node_exporter of its own (--collector.disable-defaults --collector.NAME),
# beside one infra-monitor on its defaults (bpf off), both reading the same
# text file directory. Every series shape node_exporter exports (the name and
# its labels, sample values not compared, nor the values of labels that name
# devices and mounts, which come and go with containers) must exist here,
# node_scrape_collector_{success,duration_seconds}{collector="NAME"} included, except the deliberate differences listed below
# with their reasons. Prints per collector "N series shapes, M excluded".
# Used by `make test-integration` and by bench/compare-node-exporter.sh.
#   tests/integration/compat.sh BIN
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: compat.sh path/to/infra-monitor}")
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT
ne=prometheus-node-exporter

if ! command -v "$ne" >/dev/null; then
	echo "compat: SKIP: prometheus-node-exporter is not installed (scripts/install-deps.sh test)"
	exit 0
fi

# The deliberate differences: collector, a Perl regex matched against the whole
# shape (`name{label="value",...}`, labels sorted, naming labels' values
# emptied), the reason. Against 1.5, they are where infra-monitor follows
# node_exporter 1.12 instead. Deliberate differences no shape shows:
#   diskstats: zram devices are left out, as by 1.12's default
#     --collector.diskstats.device-exclude (1.5's exports them);
#   netdev: address info and the netlink-only counters are as documented in
#     docs/migrating-from-node-exporter.md;
#   textfile: node_textfile_mtime_seconds is not compared (its file label is a path).
cat >"$work/exclusions" <<'EOF'
diskstats	node_disk_info\{device="",major="",minor="",model="",path="",revision="",serial="",wwn=""\}	1.12 adds the rotational label (from /sys/block/<dev>/queue/rotational); the 1.5 shape without it is gone
netclass	node_network_info\{address="",broadcast="",device="",duplex="",ifalias="",operstate=""\}	1.12 adds the adminstate label (IFF_UP of the flags attribute); the 1.5 shape without it is gone
EOF

# Both read the same text file directory (node_exporter's default has none).
mkdir -p "$work/textfile"
printf '# HELP compat_probe A series from a text file.\n# TYPE compat_probe gauge\ncompat_probe{k="v"} 1\n' \
	>"$work/textfile/probe.prom"

ne_defaults=$("$ne" --help 2>&1 | tr -s ' \n' ' ' |
	grep -oE -- '--collector\.[a-z_]+ Enable the [a-z_]+ collector \(default: enabled\)' |
	awk '{ print $4 }' | sort)
im_defaults=$("$bin" --help 2>&1 | awk '/Enable or disable a collector/ { on = 1; next }
	on && /^      [a-z]/ && $2 == "[on]" && $1 != "bpf" { print $1 }' | sort)
mapfile -t compared < <(comm -12 <(echo "$ne_defaults") <(echo "$im_defaults"))
check "node_exporter and infra-monitor share default collectors (${#compared[@]})" \
	test "${#compared[@]}" -gt 20

# Ports without a fork each (this runs on loaded CI machines): a refused
# connection means free. Below the ephemeral range, as free_port (lib.sh).
ports=()
for ((p = 20000 + RANDOM % 12000; ${#ports[@]} <= ${#compared[@]} + 1 && p < 32768; p++)); do
	if ! { exec 3<>"/dev/tcp/127.0.0.1/$p"; } 2>/dev/null; then
		ports+=("$p")
	else
		exec 3<&-
	fi
done

p_im=${ports[0]}
start_bg "$work/im.log" "$bin" --web.listen-address="127.0.0.1:$p_im" \
	--output.dir="$work/jsonl" --no-collector.bpf --log.level=warn \
	--collector.textfile.directory="$work/textfile"
# One node_exporter per collector, all at once, and one curl fetching every
# exposition in parallel (retrying until each listens): 40 first scrapes one
# after the other cost tens of seconds. Forty-odd Go programs starting at
# once on two busy CPUs took over 20 s once: a minute before giving up.
urls=()
for i in "${!compared[@]}"; do
	c=${compared[$i]}
	start_bg "$work/ne-$c.log" "$ne" --web.listen-address="127.0.0.1:${ports[$((i + 1))]}" \
		--collector.disable-defaults --collector."$c" \
		--collector.textfile.directory="$work/textfile"
	urls+=("http://127.0.0.1:${ports[$((i + 1))]}/metrics" -o "$work/ne-$c.prom")
done
# And netdev with --collector.netdev.enable-detailed-metrics (checked below);
# '^$' overrides Debian's patched-in default exclude of lo, which 1.12 lacks.
p_detailed=${ports[$((${#compared[@]} + 1))]}
start_bg "$work/ne-detailed.log" "$ne" --web.listen-address="127.0.0.1:$p_detailed" \
	--collector.disable-defaults --collector.netdev --collector.netdev.enable-detailed-metrics \
	--collector.netdev.device-exclude='^$'
urls+=("http://127.0.0.1:$p_detailed/metrics" -o "$work/ne-detailed.prom")
check "infra-monitor up" wait_url "http://127.0.0.1:$p_im/metrics" 10
curl -fsS "http://127.0.0.1:$p_im/metrics" >"$work/im.prom"
if ! curl -sS --no-progress-meter -Z --retry 50 --retry-connrefused --retry-delay 0 --retry-max-time 60 \
	"${urls[@]}"; then
	bad "a node_exporter did not answer (curl: $?)"
	for c in "${compared[@]}"; do
		[ -s "$work/ne-$c.prom" ] || tail -3 "$work/ne-$c.log" | sed "s/^/  node_exporter --collector.$c: /"
	done
fi
# Scraped again after them: a device or mount that came or went in between
# (a container's veth) is then in one of the two, as it was for node_exporter.
curl -fsS "http://127.0.0.1:$p_im/metrics" >>"$work/im.prom"

# Shapes, per collector counts, and what is missing, in one pass.
perl -e '
	my ($work, @colls) = @ARGV;
	# Labels naming things that come and go (container veths and mounts) or
	# that only label a thing: their values are not compared.
	my $naming = "device|mountpoint|fstype|address|broadcast|duplex|operstate|ifalias|" .
		"major|minor|model|path|revision|serial|wwn";
	sub shapes {
		my ($file) = @_;
		my %s;
		open(my $fh, "<", $file) or return undef;
		while (<$fh>) {
			next if /^#/ || !/^node_/;
			next if /^node_(exporter_build_info|textfile_mtime_seconds)\b/;
			s/ \S+\s*$//;
			s/\b($naming)="(?:[^"\\]|\\.)*"/$1=""/g;
			if (/^([^{]+)\{(.*)\}$/) {
				my @l = grep { !/^le=/ } split(/,/, $2);
				$_ = @l ? "$1\{" . join(",", sort @l) . "}" : $1;
			}
			$s{$_} = 1;
		}
		return \%s;
	}
	my $im = shapes("$work/im.prom");
	my %rules;
	open(my $ex, "<", "$work/exclusions") or die;
	while (<$ex>) {
		chomp;
		my ($c, $re) = split(/\t/);
		push @{$rules{$c}}, qr/^(?:$re)$/;
	}
	my ($total, $missing, $used) = (0, 0, 0);
	for my $c (@colls) {
		my $ne = shapes("$work/ne-$c.prom");
		if (!$ne || !%$ne) { print "  FAIL $c: no exposition from node_exporter\n"; $missing++; next; }
		my ($n, $m, @miss) = (scalar(keys %$ne), 0);
		for my $s (sort keys %$ne) {
			if (grep { $s =~ $_ } @{$rules{$c} || []}) { $m++; next; }
			push @miss, $s unless $im->{$s};
		}
		$total += $n;
		$used += $m;
		printf "  %-16s %4d series shapes, %3d excluded\n", $c, $n, $m;
		print "    missing here: $_\n" for @miss;
		$missing += @miss;
	}
	print "TOTAL $total $missing $used\n";
' "$work" "${compared[@]}" >"$work/result"
grep -v '^TOTAL ' "$work/result"
read -r _ total missing excluded < <(grep '^TOTAL ' "$work/result")
check "node_exporter exported ${total:-0} series shapes from ${#compared[@]} collectors" \
	test "${total:-0}" -gt 200
check "every one exists here, ${excluded:-0} listed as deliberate differences (${missing:-?} missing)" \
	test "${missing:-1}" -eq 0

# Detailed netdev counters: the same families (HELP and TYPE lines) and the
# same series shapes in both directions; device names blanked, as above.
netdev_shapes() { # netdev_shapes FILE: its node_network_ lines, values dropped
	grep -E '^(# (HELP|TYPE) )?node_network_' "$1" | sed -E 's/^(node_[^ ]*) .*/\1/; s/device="[^"]*"/device=""/' |
		sort -u
}
"$bin" once --format=prom --collector.disable-defaults --collector.netdev \
	--collector.netdev.enable-detailed-metrics --log.level=error >"$work/im-detailed.prom"
netdev_shapes "$work/ne-detailed.prom" >"$work/ne-detailed.shapes"
netdev_shapes "$work/im-detailed.prom" >"$work/im-detailed.shapes"
check "netdev detailed: node_exporter exported $(grep -c '^# TYPE' "$work/ne-detailed.shapes") families" \
	test "$(grep -c '^# TYPE' "$work/ne-detailed.shapes")" -ge 24
check "netdev detailed: the same families and series shapes here" \
	diff -u "$work/ne-detailed.shapes" "$work/im-detailed.shapes"
summary compat
