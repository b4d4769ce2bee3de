#!/usr/bin/env bash
# --web.config.file against the real binary, with real TLS clients:
#   TLS 1.2 minimum (TLS 1.1 refused by the server, accepted when the file
#   allows it), client certificates under each client_auth_type (none, from
#   the right CA, from another CA), basic auth right/wrong/unknown user with
#   401 + WWW-Authenticate, configured headers on every response, SIGHUP
#   reloading certificates, auth type and users on the same listener, a bad
#   file on SIGHUP keeping the old settings, a bad file at start refused with
#   file:line and key; 404/405/413/431 limits over plain HTTP.
# Certificates are generated here with openssl, under a temporary directory.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh

bin=$(realpath "${1:?usage: webconfig.sh path/to/infra-monitor}")
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT
cd "$work" || exit 1

echo "== web config: test certificates"
mkca() { # mkca NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-out "$1.crt" -subj "/CN=$1" -days 2 -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
mkcert() { # mkcert NAME CA EXTENDED_KEY_USAGE [EXTRA_EXTENSION]
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-out "$1.csr" -subj "/CN=$1" 2>/dev/null &&
		printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=%s\n%s\n' "$3" "${4:-}" >"$1.ext" &&
		openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial \
			-out "$1.crt" -days 2 -extfile "$1.ext" 2>/dev/null
}
san="subjectAltName=IP:127.0.0.1,DNS:localhost"
mkca ca && mkca otherca && mkcert server ca serverAuth "$san" &&
	mkcert server2 otherca serverAuth "$san" && mkcert client ca clientAuth &&
	mkcert rogue otherca clientAuth && mkcert serveronly ca serverAuth
check "openssl made the test CAs and certificates" test -s serveronly.crt -a -s server2.crt

# bob: "hunter2", carol: "s3cr3t" (bcrypt cost 4: fast tests; real files use 10+)
bob='bob: $2y$04$ABCDEFGHIJKLMNOPQRSTUOuTTL4icfB1GG/vt2MogfwWS8HG4KO.W'
carol='carol: $2y$04$0123456789abcdefghijke3iQ6PCEPbS9MbgvWQFsUSwgXyE4uimm'

webcfg() { # webcfg CLIENT_AUTH_TYPE CERT USER [EXTRA_TLS_LINE]: writes web.yml
	{
		echo "tls_server_config:"
		echo "  cert_file: $2.crt"
		echo "  key_file: $2.key"
		echo "  client_auth_type: $1"
		[ "$1" = NoClientCert ] || echo "  client_ca_file: ca.crt"
		[ -z "${4:-}" ] || echo "  $4"
		echo "http_server_config:"
		echo "  headers:"
		echo "    X-Content-Type-Options: nosniff"
		echo "basic_auth_users:"
		echo "  $3"
	} >web.yml.new && mv web.yml.new web.yml
}

port=$(free_port)
url="https://127.0.0.1:$port/metrics"

# code [CURL_ARGS...]: the HTTP status, or 000 when TLS (or the connection) failed
code() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert ca.crt "$@" "$url"
}
with_cert=(--cert client.crt --key client.key)
with_rogue=(--cert rogue.crt --key rogue.key)
as_bob=(-u bob:hunter2)

reloads=0
hup() { # hup: SIGHUP, then wait until the log shows one more reload attempt
	reloads=$((reloads + 1))
	kill -HUP "$daemon"
	for _ in $(seq 50); do
		[ "$(grep -c 'web config reloaded\|web config not reloaded' "$work/d.log")" -ge "$reloads" ] && return 0
		sleep 0.1
	done
	return 1
}

echo "== RequireAndVerifyClientCert, basic auth"
webcfg RequireAndVerifyClientCert server "$bob"
start_bg "$work/d.log" "$bin" --web.listen-address="127.0.0.1:$port" --web.config.file=web.yml \
	--output.dir="$work/out" --collect.interval=1s --no-collector.bpf
daemon=$last_pid
for _ in $(seq 50); do [ "$(code "${with_cert[@]}" "${as_bob[@]}")" = 200 ] && break; sleep 0.1; done
check "client from the right CA, right password: 200" \
	test "$(code "${with_cert[@]}" "${as_bob[@]}")" = 200
check "client certificate from another CA: handshake refused" \
	test "$(code "${with_rogue[@]}" "${as_bob[@]}")" = 000
check "no client certificate: handshake refused" test "$(code "${as_bob[@]}")" = 000
check "right CA but not for client auth (extendedKeyUsage serverAuth): refused" \
	test "$(code --cert serveronly.crt --key serveronly.key "${as_bob[@]}")" = 000
check "wrong password: 401" test "$(code "${with_cert[@]}" -u bob:hunter3)" = 401
check "unknown user: 401" test "$(code "${with_cert[@]}" -u mallory:hunter2)" = 401
check "no credentials: 401" test "$(code "${with_cert[@]}")" = 401
hdrs=$(curl -s -D - -o /dev/null --cacert ca.crt "${with_cert[@]}" "$url")
check "401 carries WWW-Authenticate: Basic realm" \
	grep -qi '^WWW-Authenticate: Basic realm="infra-monitor"' <<<"$hdrs"
check "401 carries the configured header" grep -qi '^X-Content-Type-Options: nosniff' <<<"$hdrs"
hdrs=$(curl -s -D - -o /dev/null --cacert ca.crt "${with_cert[@]}" "${as_bob[@]}" "$url")
check "200 carries the configured header" grep -qi '^X-Content-Type-Options: nosniff' <<<"$hdrs"
# Debian's OpenSSL refuses TLS 1.1 by itself at its default security level;
# SECLEVEL=0 lifts that, so a refusal below comes from the server.
tls11=(--tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0')
check "TLS 1.1 refused by default" test "$(code "${tls11[@]}" "${with_cert[@]}" "${as_bob[@]}")" = 000
check "TLS 1.2 accepted" \
	test "$(code --tlsv1.2 --tls-max 1.2 --ciphers 'DEFAULT@SECLEVEL=0' "${with_cert[@]}" "${as_bob[@]}")" = 200
check "TLS 1.3 accepted" test "$(code --tlsv1.3 "${with_cert[@]}" "${as_bob[@]}")" = 200
check "the server refuses TLS 1.1 (openssl s_client at SECLEVEL=0 negotiates nothing)" \
	bash -c "! openssl s_client -connect 127.0.0.1:$port -tls1_1 -cipher DEFAULT@SECLEVEL=0 \
		-cert client.crt -key client.key -CAfile ca.crt </dev/null 2>/dev/null |
		grep -q 'Cipher is [A-Z]'"

echo "== SIGHUP: auth types, users, certificates on the same listener"
webcfg RequireAnyClientCert server "$bob"
hup
check "RequireAnyClientCert: any certificate, even unverified: 200" \
	test "$(code "${with_rogue[@]}" "${as_bob[@]}")" = 200
check "RequireAnyClientCert: none: refused" test "$(code "${as_bob[@]}")" = 000
webcfg VerifyClientCertIfGiven server "$bob"
hup
check "VerifyClientCertIfGiven: none: 200" test "$(code "${as_bob[@]}")" = 200
check "VerifyClientCertIfGiven: right CA: 200" test "$(code "${with_cert[@]}" "${as_bob[@]}")" = 200
check "VerifyClientCertIfGiven: another CA: refused" \
	test "$(code "${with_rogue[@]}" "${as_bob[@]}")" = 000
webcfg RequestClientCert server "$bob"
hup
check "RequestClientCert: none: 200" test "$(code "${as_bob[@]}")" = 200
check "RequestClientCert: unverified: 200" test "$(code "${with_rogue[@]}" "${as_bob[@]}")" = 200
webcfg NoClientCert server "$carol" "min_version: TLS10"
hup
check "NoClientCert: 200 without a certificate" test "$(code -u carol:s3cr3t)" = 200
check "users reloaded: the new one is let in" test "$(code -u carol:s3cr3t)" = 200
check "users reloaded: the removed one gets 401" test "$(code "${as_bob[@]}")" = 401
check "min_version TLS10 reloaded: now TLS 1.1 is accepted (so the refusal was the server's)" \
	test "$(code "${tls11[@]}" -u carol:s3cr3t)" = 200
webcfg NoClientCert server2 "$carol"
hup
check "certificate reloaded: the old CA no longer verifies the server" \
	test "$(code -u carol:s3cr3t)" = 000
check "certificate reloaded: the new one is served" \
	test "$(curl -s -o /dev/null -w '%{http_code}' --cacert otherca.crt -u carol:s3cr3t "$url")" = 200
printf 'tls_server_config:\n  cert_file: server.crt\n  key_fil: server.key\n' >web.yml
hup
check "bad file on SIGHUP: logged with file:line and key" \
	grep -q 'web.yml:3:3: tls_server_config.key_fil: unknown key' "$work/d.log"
check "bad file on SIGHUP: old settings kept" \
	test "$(curl -s -o /dev/null -w '%{http_code}' --cacert otherca.crt -u carol:s3cr3t "$url")" = 200
printf 'basic_auth_users:\n  %s\n' "$carol" >web.yml
hup
check "switching to plain HTTP on SIGHUP: refused, HTTPS kept" \
	test "$(curl -s -o /dev/null -w '%{http_code}' --cacert otherca.crt -u carol:s3cr3t "$url")" = 200
check "the daemon survived every reload (same process)" kill -0 "$daemon"
kill -TERM "$daemon"
wait "$daemon"
check "SIGTERM after reloads: exit 0" test $? = 0

echo "== bad web config at start"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  bob: plaintext\n' >bad.yml
"$bin" --web.listen-address="127.0.0.1:$(free_port)" --web.config.file=bad.yml \
	--output.dir="$work/out" --no-collector.bpf >bad.log 2>&1
rc=$?
check "refused at start (exit $rc), naming file:line and key" \
	test "$rc" -ne 0 -a -n "$(grep 'bad.yml:5:8: basic_auth_users.bob: not a bcrypt hash' bad.log)"

printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n' >mismatch.yml
"$bin" --web.listen-address="127.0.0.1:$(free_port)" --web.config.file=mismatch.yml \
	--output.dir="$work/out" --no-collector.bpf >mismatch.log 2>&1
rc=$?
check "key that does not match the certificate: refused at start (exit $rc)" \
	test "$rc" -ne 0 -a -n "$(grep 'cert_file .*server.crt, key_file .*client.key' mismatch.log)"

echo "== plain HTTP limits"
pport=$(free_port)
start_bg "$work/p.log" "$bin" --web.listen-address="127.0.0.1:$pport" --output.dir="$work/out2" \
	--collect.interval=1s --no-collector.bpf
plain=$last_pid
check "HTTP up" wait_url "http://127.0.0.1:$pport/health" 5
pcode() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
check "unknown path: 404" test "$(pcode "http://127.0.0.1:$pport/nope")" = 404
check "DELETE: 405" test "$(pcode -X DELETE "http://127.0.0.1:$pport/metrics")" = 405
head -c 5000 /dev/zero >body
check "GET with a 5000-byte body: 413" \
	test "$(pcode -X GET --data-binary @body "http://127.0.0.1:$pport/metrics")" = 413
big=$(head -c 80000 /dev/zero | tr '\0' a)
check "80 KB of headers: 431" test "$(pcode -H "X-Big: $big" "http://127.0.0.1:$pport/metrics")" = 431
check "still serving after all that" test "$(pcode "http://127.0.0.1:$pport/metrics")" = 200
kill -TERM "$plain"
wait "$plain"

summary webconfig
