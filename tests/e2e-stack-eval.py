#!/usr/bin/env python3
"""Evaluates every shipped dashboard and rule expression against a running
Prometheus through its HTTP API and prints a report (tests/e2e-stack.sh).

  e2e-stack-eval.py PROM_URL LABEL

Checks, each a line in the report:
  - up{job="infra-monitor"} == 1
  - every Prometheus target expression of every panel in
    infra/grafana/dashboards/*.json evaluates without error (instant query
    and a 5-minute range query); Grafana's variables are replaced by what
    Grafana would send ($__rate_interval=1m, $__interval=15s, $__range=5m,
    multi-value variables by their "All" value)
  - every template variable query (label_values) evaluates
  - in the host-overview dashboard every expression and variable returns data
  - every recording and alerting rule reports health "ok" after at least one
    evaluation, and its expression evaluates without error

Exit status 0 when everything passes, 1 otherwise.
"""
import glob
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MUST_HAVE_DATA = {"infra-monitor-host"}
# A run whose environment cannot have some host data (the systemd run's root
# is the container's overlay, which the filesystem collector excludes like
# node_exporter does) names the expressions allowed to be empty, and why.
EMPTY_OK = os.environ.get("E2E_EMPTY_OK", "")
EMPTY_OK_WHY = os.environ.get("E2E_EMPTY_OK_WHY", "")
GRAFANA_VARS = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m",
                "__range_s": "300", "__interval_ms": "15000"}


def api(base, path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except Exception:
            return {"status": "error", "error": f"HTTP {e.code}"}
    except Exception as e:  # connection refused, timeout
        return {"status": "error", "error": str(e)}


def substitute(expr, variables):
    def repl(m):
        name = m.group(1) or m.group(2)
        if name in GRAFANA_VARS:
            return GRAFANA_VARS[name]
        if name in variables:
            return variables[name]
        return m.group(0)
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", repl, expr)


class Report:
    def __init__(self, label):
        self.label, self.lines, self.failed, self.counts = label, [], 0, {"ok": 0, "FAIL": 0}

    def add(self, ok, what, detail):
        status = "ok" if ok else "FAIL"
        self.counts[status] += 1
        self.failed += not ok
        self.lines.append(f"{status:4}  {what}  ->  {detail}")

    def text(self):
        head = [f"== e2e report: {self.label} ==",
                f"{self.counts['ok']} passed, {self.counts['FAIL']} failed"]
        return "\n".join(head + self.lines + head[1:]) + "\n"


def describe(res):
    if res.get("status") != "success":
        return False, 0, f"error: {res.get('errorType', '')} {res.get('error', '')}".strip()
    data = res["data"]
    if data["resultType"] in ("vector", "matrix"):
        n = len(data["result"])
        return True, n, f"{data['resultType']}, {n} series"
    return True, 1, f"{data['resultType']} {data['result'][1]}"


def main():
    base, label = sys.argv[1].rstrip("/"), sys.argv[2]
    rep = Report(label)
    now = time.time()

    res = api(base, "/api/v1/query", query='up{job="infra-monitor"}')
    ok, n, det = describe(res)
    vals = [s["value"][1] for s in res.get("data", {}).get("result", [])]
    rep.add(ok and n == 1 and vals == ["1"], 'up{job="infra-monitor"} == 1', f"{det} values={vals}")

    for path in sorted(glob.glob(os.path.join(ROOT, "infra/grafana/dashboards/*.json"))):
        dash = json.load(open(path))
        uid, need_data = dash["uid"], dash["uid"] in MUST_HAVE_DATA
        variables = {}
        for v in dash.get("templating", {}).get("list", []):
            variables[v["name"]] = v.get("allValue") or ".+"
        for v in dash.get("templating", {}).get("list", []):
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            m = re.fullmatch(r"label_values\((?:(.*),\s*)?(\w+)\)", (q or "").strip())
            if not m:
                rep.add(False, f"{uid} variable ${v['name']}", f"unsupported query {q!r}")
                continue
            params = {"start": now - 3600, "end": now}
            if m.group(1):
                params["match[]"] = substitute(m.group(1), variables)
            res = api(base, f"/api/v1/label/{m.group(2)}/values", **params)
            n = len(res.get("data") or [])
            ok = res.get("status") == "success" and (n > 0 or not need_data)
            rep.add(ok, f"{uid} variable ${v['name']}: {q}",
                    f"{n} values" if res.get("status") == "success" else f"error: {res.get('error')}")
        panels = []
        for p in dash.get("panels", []):
            panels += [p] + p.get("panels", [])
        for p in panels:
            for t in p.get("targets", []):
                ds = (t.get("datasource") or p.get("datasource") or {}).get("type")
                what = f"{uid} / {p.get('title')} [{t.get('refId')}]"
                if ds != "prometheus":
                    rep.lines.append(f"skip  {what}  ->  {ds} query, not PromQL: {t.get('expr')}")
                    continue
                expr = substitute(t["expr"], variables)
                if "$" in expr:
                    rep.add(False, what, f"unresolved variable in {expr}")
                    continue
                ok1, n, det = describe(api(base, "/api/v1/query", query=expr, time=now))
                ok2, _, det2 = describe(api(base, "/api/v1/query_range", query=expr,
                                            start=now - 300, end=now, step=15))
                empty_ok = EMPTY_OK and re.search(EMPTY_OK, expr)
                ok = ok1 and ok2 and (n > 0 or not need_data or empty_ok)
                if n == 0 and need_data and empty_ok:
                    det += f" (allowed in this run: {EMPTY_OK_WHY})"
                rep.add(ok, f"{what}: {expr}", det if ok2 else f"{det}; range {det2}")

    res = api(base, "/api/v1/rules")
    groups = res.get("data", {}).get("groups", []) if res.get("status") == "success" else []
    if not groups:
        rep.add(False, "rules loaded", f"no rule groups ({res.get('error', 'empty')})")
    for g in groups:
        for r in g["rules"]:
            name = r.get("name")
            evaluated = not r.get("lastEvaluation", "").startswith("0001-")
            ok_h = r.get("health") == "ok" and evaluated
            ok_q, n, det = describe(api(base, "/api/v1/query", query=r["query"], time=now))
            kind = "record" if r["type"] == "recording" else "alert"
            state = f", state {r.get('state')}" if kind == "alert" else ""
            rep.add(ok_h and ok_q, f"rule {g['name']} {kind} {name}: {r['query']}",
                    f"health {r.get('health')}{' (not evaluated yet)' if not evaluated else ''}"
                    f"{', ' + r['lastError'] if r.get('lastError') else ''}{state}; query {det}")

    sys.stdout.write(rep.text())
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
