# Helpers shared by the stack tests (tests/e2e-stack.sh, tests/e2e-native.sh):
# a free loopback port and waiting for a URL to answer.
# shellcheck shell=bash

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # url seconds
	local i
	for ((i = 0; i < $2 * 4; i++)); do
		curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
		sleep 0.25
	done
	return 1
}
