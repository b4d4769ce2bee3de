#!/usr/bin/env bash
# HTTP_MUTATIONS (5000) mutated HTTP requests against a running sanitizer
# build (`make SANITIZE=1`: ASan + UBSan, any report aborts the process).
# Each request starts from a valid one (GET/HEAD of /metrics, /health, /,
# with Accept-Encoding, Authorization, keep-alive, pipelining, a body) and
# gets 1-4 mutations: bit flips, random bytes inserted or overwritten,
# slices cut or repeated, NULs, bare CR or LF, huge or negative numbers,
# oversized header names, values and URLs, odd methods and versions,
# percent-encoding and chunked bodies. Each goes on its own connection from
# 127.0.0.2 and up, 16 at a time; the reply (or a close) is read with a short timeout. Afterwards the
# daemon must be alive, answer /metrics and /health correctly, have printed
# no sanitizer report, and exit 0 on SIGTERM (LeakSanitizer runs then).
# The mutator is seeded (HTTP_SEED) so a failure can be replayed; every
# request is kept in the work directory's requests.bin on failure.
# usage: tests/integration/http-mutate.sh path/to/infra-monitor (a SANITIZE=1 build)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: http-mutate.sh path/to/infra-monitor (SANITIZE=1 build)}")
n=${HTTP_MUTATIONS:-5000}
seed=${HTTP_SEED:-$RANDOM}
work=$(mktemp -d)
trap 'cleanup; [ "$failed" -eq 0 ] && rm -rf "$work" || echo "  kept $work"' EXIT
# (Not a pipe into grep -q: under pipefail nm's SIGPIPE would fail the test.)
if [[ $(nm -an "$bin" 2>/dev/null) != *__asan_init* ]]; then
	echo "  note: $bin has no ASan runtime; build with make SANITIZE=1 for the real test"
fi

port=$(free_port)
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	start_bg "$work/daemon.log" "$bin" --web.listen-address="127.0.0.1:$port" \
	--output.dir="$work/out" --collect.interval=1s --no-collector.bpf
pid=$last_pid
check "daemon up" wait_url "http://127.0.0.1:$port/health" 20

cat >"$work/mutate.py" <<'EOF'
import random, socket, sys, time
from concurrent.futures import ThreadPoolExecutor

port, n, seed, dump = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(seed)
paths = [b"/metrics", b"/health", b"/", b"/nope", b"/metrics?x=1", b"//metrics", b"/%6detrics"]
seeds = []
for p in paths:
    seeds += [
        b"GET " + p + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET " + p + b" HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip;q=0.8, identity;q=0.1\r\n\r\n",
        b"HEAD " + p + b" HTTP/1.0\r\n\r\n",
        b"GET " + p + b" HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET " + p + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n",
        b"POST " + p + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world",
        b"PUT " + p + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    ]
tokens = [b"\x00", b"\r", b"\n", b"\r\n", b"\r\n\r\n", b":", b" ", b"\t", b"%", b"%00", b"%zz",
          b"18446744073709551616", b"-1", b"99999999999999999999", b"gzip;q=", b";q=0.",
          b"Content-Length: ", b"Transfer-Encoding: chunked\r\n", b"Expect: 100-continue\r\n",
          b"Host:", b"HTTP/1.1", b"HTTP/0.9", b"HTTP/2.0", b"\xff\xfe", b"\xc3\x28", b"*", b",,,,"]

def mutate(b):
    b = bytearray(b)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(11)
        i = rnd.randrange(len(b) + 1) if b else 0
        if op == 0 and b:                 # bit flip
            j = rnd.randrange(len(b)); b[j] ^= 1 << rnd.randrange(8)
        elif op == 1:                     # random bytes inserted
            b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
        elif op == 2 and b:               # overwrite
            j = rnd.randrange(len(b)); b[j] = rnd.randrange(256)
        elif op == 3 and b:               # cut a slice
            j = rnd.randrange(i, len(b) + 1); del b[i:j]
        elif op == 4 and b:               # repeat a slice
            j = rnd.randrange(i, len(b) + 1); b[i:i] = b[i:j] * rnd.randint(2, 50)
        elif op == 5:                     # a token
            b[i:i] = rnd.choice(tokens)
        elif op == 6:                     # oversized header
            b[i:i] = b"X-" + b"a" * rnd.choice([100, 5000, 70000]) + b": " + b"v" * rnd.choice([1, 9000, 200000]) + b"\r\n"
        elif op == 7:                     # very long URL
            b = bytearray(b"GET /" + b"m" * rnd.choice([2000, 9000, 100000]) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        elif op == 8:                     # odd method
            b = bytearray(rnd.choice([b"DELETE", b"OPTIONS", b"TRACE", b"CONNECT", b"G\x00T", b"get", b"PATCH"]) + b" /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        elif op == 9:                     # many headers
            b[i:i] = b"".join(b"H%d: v\r\n" % k for k in range(rnd.choice([50, 500, 3000])))
        else:                             # truncate
            del b[i:]
    return bytes(b)

reqs = [mutate(rnd.choice(seeds)) for _ in range(n)]
with open(dump, "wb") as f:
    for r in reqs:
        f.write(len(r).to_bytes(4, "big") + r)

stats = {"answered": 0, "closed": 0, "refused": 0}
def send(ir):
    i, r = ir
    # From 127.0.0.2 and up, as a scraper elsewhere would be: the per-IP
    # connection limit is the flood test's business, not this one's.
    src = "127.0.0.%d" % (2 + i % 250)
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=(src, 0))
    except OSError:
        return "refused"
    try:
        # No shutdown(SHUT_WR): a half-closed client is dropped unanswered.
        # An incomplete request gets no answer either; stop waiting soon.
        s.settimeout(0.25)
        try:
            s.sendall(r)
        except OSError:
            pass
        got = b""
        try:
            while len(got) < 1 << 20:
                d = s.recv(65536)
                if not d:
                    break
                got += d
        except OSError:
            pass
        return "answered" if got.startswith(b"HTTP/") else "closed"
    finally:
        s.close()

t0 = time.time()
with ThreadPoolExecutor(16) as ex:
    for res in ex.map(send, enumerate(reqs)):
        stats[res] += 1
print("  %d requests in %.1f s: %d answered, %d closed without an answer, %d refused"
      % (n, time.time() - t0, stats["answered"], stats["closed"], stats["refused"]))
sys.exit(1 if stats["refused"] else 0)
EOF
echo "== $n mutated requests (seed $seed)"
check "every connection accepted" python3 "$work/mutate.py" "$port" "$n" "$seed" "$work/requests.bin"
check "daemon alive after $n requests" kill -0 "$pid"
sleep 1
code=$(curl -s -o "$work/metrics" -w '%{http_code}' "http://127.0.0.1:$port/metrics")
check "/metrics still 200 ($code) with data" bash -c "[ $code = 200 ] && grep -q '^node_load1 ' '$work/metrics'"
check "/health still JSON" bash -c "curl -fsS http://127.0.0.1:$port/health | jq -e .status >/dev/null"
kill -TERM "$pid"
wait "$pid"
rc=$?
check "SIGTERM: exit 0 ($rc; LeakSanitizer runs at exit)" test "$rc" = 0
reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$work/daemon.log")
check "no sanitizer report ($reports)" test "$reports" -eq 0
[ "$reports" -eq 0 ] || grep -m5 -E 'ERROR|runtime error' "$work/daemon.log"
summary http-mutate
