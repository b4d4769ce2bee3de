#!/usr/bin/python3
"""Decodes one snapshot's /metrics in text 0.0.4, OpenMetrics 1.0 and protobuf with
parsers that are not ours, and checks they carry the same series and values.

text and OpenMetrics: prometheus_client's parsers (Debian python3-prometheus-client;
the OpenMetrics one is strict: it raises on anything the spec forbids). protobuf:
Google's python3-protobuf over prometheus/client_model's metrics.proto (Debian
golang-github-prometheus-client-model-dev), compiled here with protoc. Histograms
are also checked in their native form: schema 3, a zero threshold above 0, spans
and deltas that expand to buckets whose sums are the classic buckets.

usage: formats.py URL WORKDIR     (exit 0 when every check passes)
"""
import glob
import math
import os
import subprocess
import sys
import urllib.request

from prometheus_client.openmetrics import parser as om_parser
from prometheus_client import parser as text_parser

ACCEPT = {
    "text": "text/plain;version=0.0.4",
    "openmetrics": "application/openmetrics-text;version=1.0.0",
    "protobuf": "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                "encoding=delimited",
}
# Measured per scrape, not part of the snapshot.
LIVE = ("process_", "infra_monitor_healthy", "infra_monitor_snapshot_age_seconds",
        "infra_monitor_http_requests_total", "infra_monitor_component_state",
        "infra_monitor_process_threads")
PROTO_GLOB = "/usr/share/gocode/src/github.com/prometheus/client_model/io/prometheus/client/metrics.proto"

failures = []


def fail(msg):
    failures.append(msg)
    print("  FAIL " + msg)


def fetch(url, fmt):
    req = urllib.request.Request(url, headers={"Accept": ACCEPT[fmt]})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers.get("Content-Type", ""), r.read()


def key(name, labels):
    labels = dict(labels)
    if "le" in labels:
        labels["le"] = repr(float(labels["le"]))
    return (name, tuple(sorted(labels.items())))


def from_text(families):
    out = {}
    for fam in families:
        for s in fam.samples:
            if s.name.startswith(LIVE):
                continue
            out[key(s.name, s.labels)] = float(s.value)
    return out


def load_pb(work):
    protos = glob.glob(PROTO_GLOB)
    if not protos:
        sys.exit("formats: metrics.proto not found (apt-get install "
                 "golang-github-prometheus-client-model-dev)")
    src = os.path.dirname(protos[0])
    subprocess.run(["protoc", "-I", src, "--python_out", work, protos[0]], check=True)
    sys.path.insert(0, work)
    import metrics_pb2  # noqa: E402  (generated just above)
    return metrics_pb2


def from_pb(body, pb):
    from google.protobuf.internal.decoder import _DecodeVarint32
    out, natives, pos = {}, 0, 0
    while pos < len(body):
        n, pos = _DecodeVarint32(body, pos)
        mf = pb.MetricFamily()
        mf.ParseFromString(body[pos:pos + n])
        pos += n
        if mf.name.startswith(LIVE):
            continue
        for m in mf.metric:
            labels = [(lp.name, lp.value) for lp in m.label]
            if mf.type == pb.HISTOGRAM:
                h = m.histogram
                for b in h.bucket:
                    out[key(mf.name + "_bucket", labels + [("le", b.upper_bound)])] = \
                        float(b.cumulative_count)
                out[key(mf.name + "_bucket", labels + [("le", math.inf)])] = float(h.sample_count)
                out[key(mf.name + "_count", labels)] = float(h.sample_count)
                out[key(mf.name + "_sum", labels)] = h.sample_sum
                check_native(mf.name, labels, h)
                natives += 1
            elif mf.type == pb.COUNTER:
                out[key(mf.name, labels)] = m.counter.value
            elif mf.type == pb.GAUGE:
                out[key(mf.name, labels)] = m.gauge.value
            else:
                out[key(mf.name, labels)] = m.untyped.value
    return out, natives


def check_native(name, labels, h):
    where = "%s%s" % (name, dict(labels))
    if h.schema != 3 or not h.zero_threshold > 0:
        fail("%s: schema %d, zero threshold %g" % (where, h.schema, h.zero_threshold))
        return
    counts, idx, count = {}, 0, 0
    deltas = list(h.positive_delta)
    for span in h.positive_span:
        idx += span.offset
        for _ in range(span.length):
            count += deltas.pop(0)
            counts[idx] = count
            idx += 1
    if deltas or any(c < 0 for c in counts.values()):
        fail("%s: spans and deltas do not match" % where)
    if h.zero_count + sum(counts.values()) > h.sample_count:
        fail("%s: buckets hold more than sample_count" % where)
    # A classic bucket le=2^k counts the zero bucket and native buckets <= 8k.
    for b in h.bucket:
        k = round(math.log2(b.upper_bound) * 8)
        want = h.zero_count + sum(c for i, c in counts.items() if i <= k)
        if want != b.cumulative_count:
            fail("%s: classic le=%g has %d, native buckets sum to %d"
                 % (where, b.upper_bound, b.cumulative_count, want))


def same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def compare(name_a, a, name_b, b):
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    for k in only_a[:5]:
        fail("%s has %s, %s does not" % (name_a, k, name_b))
    for k in only_b[:5]:
        fail("%s has %s, %s does not" % (name_b, k, name_a))
    diff = [k for k in set(a) & set(b) if not same(a[k], b[k])]
    for k in sorted(diff)[:5]:
        fail("%s: %s=%r, %s=%r" % (k, name_a, a[k], name_b, b[k]))
    return not (only_a or only_b or diff)


def main():
    url, work = sys.argv[1], sys.argv[2]
    pb = load_pb(work)
    bodies = {}
    for fmt in ACCEPT:
        ctype, bodies[fmt] = fetch(url, fmt)
        want = ACCEPT[fmt].split(";")[0]
        if not ctype.startswith(want):
            fail("Accept %s: Content-Type %r" % (fmt, ctype))
    text = from_text(text_parser.text_string_to_metric_families(bodies["text"].decode()))
    try:
        om = from_text(om_parser.text_string_to_metric_families(bodies["openmetrics"].decode()))
    except ValueError as e:
        fail("strict OpenMetrics parser: %s" % e)
        om = {}
    pbv, natives = from_pb(bodies["protobuf"], pb)
    ok = compare("text", text, "openmetrics", om) and compare("text", text, "protobuf", pbv)
    print("  %s  %d series the same in text, OpenMetrics and protobuf; %d native histograms"
          % ("ok  " if ok and not failures else "FAIL", len(text), natives))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
