# The flood measurement shared by bench/flood.sh and tests/integration/flood.sh:
# hold the flood (bench/flood.c) against one exporter, time scrapes from
# 127.0.0.1 while it is at full strength, and sample the exporter's RSS for
# the whole run. Bounded: the flood client stops itself after its seconds.
# shellcheck shell=bash
# The fm_* results and flood_collectors are read by the scripts that source this.
# shellcheck disable=SC2034

# Collectors both exporters run, so the comparison is like for like.
flood_collectors=(cpu stat meminfo loadavg vmstat pressure diskstats filesystem netdev netstat
	sockstat uname time filefd)

flood_build() { # flood_build OUT: compiles the flood client
	cc -O2 -Wall -Wextra -o "$1" "$(dirname "${BASH_SOURCE[0]}")/flood.c"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# flood_measure FLOOD_BIN PID PORT SECONDS OUTDIR [FLOOD_ARGS...]
# Runs FLOOD_BIN --port PORT --seconds SECONDS FLOOD_ARGS against the exporter
# PID listening on PORT; once the flood holds what it asked for (or after 5 s)
# makes 10 scrapes of /metrics from 127.0.0.1, 0.2 s apart. Sets:
#   fm_median_ms fm_max_ms  scrape times (curl's time_total, connect included)
#   fm_codes                 the 10 HTTP status codes
#   fm_rss_base_kb           RSS before the flood
#   fm_rss_peak_kb           highest RSS sampled every 0.1 s during the flood
#   fm_flood                 the flood client's closing line
#                            (open=.. opened=.. closed_by_server=..)
flood_measure() {
	local flood=$1 pid=$2 port=$3 secs=$4 out=$5
	shift 5
	local fpid spid want t times=() codes=() deadline
	fm_rss_base_kb=$(rss_kb "$pid")
	"$flood" --port "$port" --seconds "$secs" --status "$out/status" "$@" >"$out/flood.out" &
	fpid=$!
	# RSS sampler: the peak, written as it rises.
	(
		peak=0
		while kill -0 "$fpid" 2>/dev/null; do
			r=$(rss_kb "$pid")
			[ "${r:-0}" -gt "$peak" ] && peak=$r && echo "$peak" >"$out/rss_peak"
			sleep 0.1
		done
	) &
	spid=$!
	want=$(("$(flood_arg --idle 1100 "$@")" + "$(flood_arg --slow 200 "$@")"))
	deadline=$((SECONDS + 5))
	while [ "$SECONDS" -lt "$deadline" ]; do
		[ -f "$out/status" ] && [ "$(sed -n 's/^open=\([0-9]*\).*/\1/p' "$out/status")" -ge "$want" ] &&
			break
		sleep 0.1
	done
	sleep 0.5
	for _ in $(seq 10); do
		t=$(curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}' \
			"http://127.0.0.1:$port/metrics")
		codes+=("${t% *}")
		times+=("$(awk -v s="${t#* }" 'BEGIN { printf "%.1f", s * 1000 }')")
		sleep 0.2
	done
	wait "$fpid"
	wait "$spid"
	fm_codes="${codes[*]}"
	fm_median_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 }
		END { printf "%.1f", (v[5] + v[6]) / 2 }')
	fm_max_ms=$(printf '%s\n' "${times[@]}" | sort -n | tail -1)
	fm_rss_peak_kb=$(cat "$out/rss_peak" 2>/dev/null || echo 0)
	fm_flood=$(cat "$out/flood.out")
}

flood_arg() { # flood_arg NAME DEFAULT ARGS...: the value of --NAME in ARGS, or DEFAULT
	local name=$1 def=$2
	shift 2
	while [ $# -gt 1 ]; do
		[ "$1" = "$name" ] && def=$2
		shift
	done
	echo "$def"
}

flood_field() { # flood_field NAME LINE: the number after NAME= in LINE
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"
}
