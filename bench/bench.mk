# The benchmarks (bench/): each prints figures beside a peer's, node_exporter
# or bpftrace, measured in the same run. The full forms take from minutes
# (flood) to most of an hour (compare) and are run by hand, their results
# kept in bench/results/; bench-smoke runs each in a short form, as CI does,
# to prove they still run to the end.
.PHONY: bench bench-bpf bench-compare bench-flood bench-smoke

bench: bench-compare bench-bpf bench-flood ## every benchmark in full (root; about an hour): figures beside node_exporter and bpftrace

bench-bpf: $(BIN) ## bench/bpf-overhead.sh: ns per event of our BPF programs against empty ones and bpftrace (root)
	$(Q)bench/bpf-overhead.sh $(BIN)

bench-compare: $(BIN) ## bench/compare-node-exporter.sh: RSS, CPU, scrape latency and req/s against node_exporter
	$(Q)bench/compare-node-exporter.sh $(BIN)

bench-flood: $(BIN) ## bench/flood.sh: scrapes and RSS under a connection flood, against node_exporter
	$(Q)bench/flood.sh $(BIN)

bench-smoke: $(BIN) ## every benchmark in a short form (root; about 3 min; CI runs it): figures shown, not judged
	$(Q)bench/smoke.sh $(BIN)
