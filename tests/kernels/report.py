#!/usr/bin/env python3
"""Turns the kernel matrix's results (build/kernels/results/<kernel>/) into docs/kernels.md and a
verdict. Exit status 0 when every check passed, 1 otherwise (each failure printed on stderr).

Per kernel directory: console.log (KMATRIX-END marker), r/ as written by tests/kernels/check.sh.
"""
import argparse
import json
import os
import re
import sys

KERNEL_ORDER = ["5.10", "6.1", "6.1-lockdown-integrity", "6.1-lockdown-confidentiality", "6.12",
                "arm64-6.1", "host"]
RUNG_ORDER = ["auto", "tp_btf", "raw_tp", "tracepoint"]

# Which exported series count the events of a program, by words in the program's label. The first
# family that exists in the scrape wins; the value is the sum over all its label sets.
PROGRAM_EVENTS = [
    (("disk", "bio", "block", "blk"), ["infra_monitor_disk_io_size_bytes_count",
                                       "infra_monitor_disk_io_latency_seconds_count"]),
    (("runq", "sched"), ["infra_monitor_runqueue_latency_seconds_count"]),
    (("drop", "skb"), ["infra_monitor_skb_drops_total"]),
    (("tcp", "sock", "net"), ["infra_monitor_tcp_connect_latency_seconds_count",
                              "infra_monitor_tcp_srtt_seconds_count"]),
]
# Which kernel BPF programs (bpftool names, at most 15 characters) belong to a program label.
PROG_WORDS = [
    (("disk", "bio", "block", "blk"), ("block", "blk", "bio", "rq_", "disk")),
    (("runq", "sched"), ("sched", "wakeup", "switch", "runq")),
    (("drop", "skb"), ("skb", "kfree", "drop")),
    (("tcp", "sock", "net"), ("tcp", "sock", "inet", "rst", "retrans", "probe")),
]
# Tracepoints the workload must fire on every kernel (the others are informative).
REQUIRED_PROBES = {"block/block_rq_issue", "block/block_rq_complete", "sock/inet_sock_set_state",
                   "tcp/tcp_probe", "sched/sched_wakeup"}
# Kernel features some rungs need, and the release that brought each: a forced rung may fail on an
# older kernel when the error names the feature; the table then names it and `auto` must still
# attach on another rung. (program, rungs, words in the error, feature, (major, minor))
MISSING_FEATURES = [
    ("runqlat", ("tp_btf",), ("runq_start_task", "bpf_task_storage_get"),
     "task storage for tracing programs", (5, 13)),
    ("tcplat", ("tp_btf", "raw_tp", "tracepoint"), ("bpf_rdonly_cast",), "the bpf_rdonly_cast kfunc", (6, 2)),
]
# Under lockdown=confidentiality the kernel refuses what reads its memory: the helper
# bpf_probe_read_kernel (the verifier's "unknown func"; libbpf, finding it refused, falls back to
# bpf_probe_read, refused as well) and tracefs (not mountable: no tracepoint ids, check.sh records
# tracefs=no). A program, rung or probe may fail there only so, said in its error.
LOCKDOWN_HELPER = "unknown func bpf_probe_read"
LOCKDOWN_TRACEFS = ("tracepoint", "No such file or directory")
# The cgroups check.sh runs the workload in, and what each does.
CG_DISK, CG_TCP, CG_CPU = "/kmatrix-A", "/kmatrix-B", "/kmatrix-C"
# Made, written to and removed within one collection: only cgroup:cgroup_mkdir can name it.
CG_BRIEF = "/kmatrix-D"
# Per-workload families and the host-wide family each must add up to (name, host-wide name, the
# host-wide labels to select).
CG_SUMS = [
    ("disk I/Os", "infra_monitor_cgroup_disk_io_latency_seconds_count",
     "infra_monitor_disk_io_latency_seconds_count", {"phase": "total"}),
    ("connects", "infra_monitor_cgroup_tcp_connect_latency_seconds_count",
     "infra_monitor_tcp_connect_latency_seconds_count", {}),
    ("run-queue", "infra_monitor_cgroup_runqueue_latency_seconds_count",
     "infra_monitor_runqueue_latency_seconds_count", {}),
]
# Programs whose per-workload series the classic tracepoint rung cannot give (docs/workloads.md).
CG_ABSENT_ON_TRACEPOINT = ("tcplat", "runqlat", "skbdrop")
# Accuracy (issue 13): the most a corrected quantile may be off its known value. Enforced where
# the emulated guest can show it: the 2 ms p50 (and srtt p50). Under TCG an hrtimer completion
# lands late, more than the 0 ns device's own cost: 40-80 us with the host's default 50 us of
# timer slack on QEMU's main loop, 20-30 us since the matrix gives QEMU 1 ns of slack (the 250 us
# p50 then 7-15 % high on 5.10, 6.1 and 6.12 in two runs); and a starved vCPU puts millisecond outliers into
# p99: the 250 us quantiles and the p99s are shown, not enforced.
# The enforced two came out 6.5-9.1 % (2 ms p50) and 6.8-8.7 % (srtt p50) high in the first
# runs, with the bucket width alone allowing 9 %: at 10 % a loaded run would fail now and then
# on the emulator's lateness, not on the histograms, so the bound is 15 % and the table keeps
# every figure; issue 13's 10 % needs real timers.
ACCURACY_TOLERANCE = 0.15
ACCURACY_ENFORCED = {("2ms", "p50")}
NETEM_RTT_S = 0.020
# Drop reasons in skb:kfree_skb (c504e5c2f964, v5.17); SOCKET_RCVBUFF for UDP since v5.19.
DROP_REASONS_SINCE = (5, 17)
UDP_RCVBUFF_SINCE = (5, 19)
PROM_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def kver(release):
    m = re.match(r"(\d+)\.(\d+)", release or "")
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def missing_feature(prog, rung, err, release):
    """The feature a kernel older than it needs, named by err; None when err is not that."""
    for p, rungs, words, feature, since in MISSING_FEATURES:
        if p == prog and rung in rungs and kver(release) < since and any(w in err for w in words):
            return "%s (Linux %d.%d+)" % (feature, since[0], since[1])
    return None


def lockdown_of(k):
    return k["env"].get("lockdown", "none")


def lockdown_refused(k, err):
    """True when k runs under lockdown=confidentiality and err is one of its refusals."""
    return lockdown_of(k) == "confidentiality" and lockdown_said(err, k["env"].get("tracefs") == "no")


def lockdown_said(err, tracefs_gone):
    err = err or ""
    return LOCKDOWN_HELPER in err or (tracefs_gone and all(w in err for w in LOCKDOWN_TRACEFS))


def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def kv(line):
    return dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line)) if line else {}


def unq(v):
    return v[1:-1] if v.startswith('"') else v


def parse_prom(text):
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = PROM_LINE.match(line)
        if not m:
            continue
        try:
            value = float(m.group(4))
        except ValueError:
            continue
        samples.append((m.group(1), dict(LABEL.findall(m.group(3) or "")), value))
    return samples


def family_for(program, table):
    p = program.lower()
    for words, what in table:
        if any(w in p for w in words):
            return what
    return None


def _sum(samples, name, **want):
    return int(sum(v for n, lab, v in samples
                   if n == name and all(lab.get(k) == x for k, x in want.items())))


def _missed(n):
    return " (+%d missed in recursion)" % n if n else ""


def program_events(program, samples, disk=None):
    """(events, detail) for one program from one scrape. events counts what the workload must
    cause (disk: I/Os on the scratch disk only), detail shows the breakdown. (None, why) when the
    program is unknown to the report."""
    p = program.lower()
    fam = family_for(program, PROGRAM_EVENTS)
    if fam is None:
        return None, "no known series"
    if "infra_monitor_disk_io_size_bytes_count" in fam:
        dev = os.path.basename(disk) if disk else None
        want = {"device": dev} if dev else {}
        size = "infra_monitor_disk_io_size_bytes_count"
        lat = "infra_monitor_disk_io_latency_seconds_count"
        ops = sorted({lab.get("op") for n, lab, v in samples if n == size and (not dev or lab.get("device") == dev)})
        phases = sorted({lab.get("phase") for n, lab, v in samples if n == lat})
        ev = _sum(samples, size, **want)
        detail = "%s: " % (dev or "all") + " ".join(
            "%s %d" % (op, _sum(samples, size, op=op, **want)) for op in ops)
        if phases:
            detail += "; latency " + " ".join(
                "%s %d" % (ph, _sum(samples, lat, phase=ph, **want)) for ph in phases)
        return ev, detail
    if "infra_monitor_runqueue_latency_seconds_count" in fam:
        ev = _sum(samples, "infra_monitor_runqueue_latency_seconds_count")
        return ev, "wakeup→run %d" % ev
    if "infra_monitor_skb_drops_total" in fam:
        by = {}
        for n, lab, v in samples:
            if n == "infra_monitor_skb_drops_total" and v > 0:
                by[lab.get("reason", "?")] = by.get(lab.get("reason", "?"), 0) + int(v)
        return sum(by.values()), " ".join("%s %d" % kv for kv in sorted(by.items(), key=lambda x: -x[1])[:4])
    ev = _sum(samples, "infra_monitor_tcp_connect_latency_seconds_count")
    detail = "connect %d, srtt %d, resets sent %d / received %d, retransmits %d" % (
        ev, _sum(samples, "infra_monitor_tcp_srtt_seconds_count"),
        _sum(samples, "infra_monitor_tcp_resets_total", direction="sent"),
        _sum(samples, "infra_monitor_tcp_resets_total", direction="received"),
        _sum(samples, "infra_monitor_tcp_retransmits_total"))
    return ev, detail


def daemon_progs(progs_json, pid):
    try:
        progs = json.loads(progs_json or "[]")
    except ValueError:
        return []
    if not any("pids" in p for p in progs):
        return progs        # tests/kernels/progs.c: already only the daemon's
    mine = []
    for p in progs:
        pids = [x.get("pid") for x in p.get("pids", [])]
        if pid and pids and int(pid) not in pids:
            continue
        if pid and not pids:
            continue
        mine.append(p)
    return mine


def parse_log_time(line):
    """(ts seconds, fields) of one daemon log line, JSON or logfmt; None when it has no ts."""
    line = line.strip()
    f = None
    if line.startswith("{"):
        try:
            f = json.loads(line)
        except ValueError:
            f = None
    if f is None:
        f = {k: unq(v) for k, v in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line)}
    m = re.match(r".*T(\d+):(\d+):(\d+(?:\.\d+)?)", str(f.get("ts", "")))
    if not m:
        return None
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)), f


def load_errors(log):
    """Per program: the error text of its 'program failed' log line."""
    out = {}
    for line in log.splitlines():
        r = parse_log_time(line)
        if r and r[1].get("msg") == "program failed" and r[1].get("program"):
            out[r[1]["program"]] = str(r[1].get("err", ""))
    return out


def load_times(log):
    """Per program: seconds from the previous program's result (or the daemon's first log line)
    to its own 'program attached' / 'program failed' line. The loader opens the programs one after
    the other, so this is its open + verify + load + attach time, at the log's millisecond grain."""
    out, prev = {}, None
    for line in log.splitlines():
        r = parse_log_time(line)
        if not r:
            continue
        t, f = r
        if prev is None:
            prev = t
        if f.get("msg") in ("program attached", "program failed") and f.get("program"):
            out[f["program"]] = max(0.0, t - prev)
            prev = t
    return out


def load_kernel(resdir, name):
    d = os.path.join(resdir, name)
    r = os.path.join(d, "r")
    k = {"name": name, "dir": d}
    con = read(os.path.join(d, "console.log"))
    m = re.findall(r"KMATRIX-END rc=(\d+) kernel=(\S+)", con)
    k["marker"] = m[-1] if m else None
    k["release"] = read(os.path.join(r, "kernel")).strip() or (m[-1][1] if m else "?")
    k["env"] = kv(read(os.path.join(r, "env")).replace("\n", " "))
    k["selfcheck"] = [kv(line) for line in read(os.path.join(r, "selfcheck.txt")).splitlines()
                      if line.startswith("selfcheck ")]
    k["probes"] = [kv(line) for line in read(os.path.join(r, "probes.txt")).splitlines()
                   if line.startswith("probe ")]
    k["rungs"] = {}
    for rung in RUNG_ORDER:
        meta = read(os.path.join(r, rung + ".meta"))
        if not meta:
            continue
        mt = kv(meta.strip())
        prom = read(os.path.join(r, rung + ".prom"))
        samples = parse_prom(prom)
        progs = daemon_progs(read(os.path.join(r, rung + ".progs.json")), mt.get("pid"))
        info = [(lab.get("program", "?"), lab.get("hook", "?"), lab.get("status", "?"))
                for n, lab, v in samples if n == "infra_monitor_bpf_program_info" and v == 1]
        wl = {lab.get("program"): lab.get("workloads", "?")
              for n, lab, v in samples if n == "infra_monitor_bpf_program_info" and v == 1}
        log = read(os.path.join(r, rung + ".log"))
        k["rungs"][rung] = {"meta": mt, "samples": samples, "progs": progs, "info": info, "wl": wl,
                            "kwork": {m.group(1): kv(m.group(2)) for m in re.finditer(
                                r"^kwork (\w+) (.*)$", read(os.path.join(r, rung + ".workload")), re.M)},
                            "load": load_times(log), "errors": load_errors(log),
                            "log": log,
                            "children": read(os.path.join(r, rung + ".children")).splitlines(),
                            "workload": read(os.path.join(r, rung + ".workload"))}
    k["accuracy"] = {"meta": kv(read(os.path.join(r, "accuracy.meta")).strip()),
                     "nullb": [kv(line) for line in read(os.path.join(r, "accuracy.env")).splitlines()],
                     "workload": read(os.path.join(r, "accuracy.workload")),
                     "line": None}
    try:
        k["accuracy"]["line"] = json.loads(read(os.path.join(r, "accuracy.jsonl")) or "null")
    except ValueError:
        pass
    k["doctor"] = {}
    for s in DOCTOR_SETTINGS:
        rc = read(os.path.join(r, "doctor-%s.rc" % s[0])).strip()
        if not rc:
            continue
        try:
            doc = json.loads(read(os.path.join(r, "doctor-%s.json" % s[0])))
        except ValueError:
            doc = None
        k["doctor"][s[0]] = {"rc": int(rc), "doc": doc, "err": read(os.path.join(r, "doctor-%s.err" % s[0])),
                             "once": parse_prom(read(os.path.join(r, "once-%s.prom" % s[0]))),
                             "once_log": read(os.path.join(r, "once-%s.log" % s[0]))}
    return k


# Settings check.sh runs `infra-monitor doctor` and `once` under: (name, what, the check doctor
# must name as the cause or None when it must pass, a predicate on the kernel release for when
# the cause applies; otherwise doctor must pass).
DOCTOR_SETTINGS = [
    ("normal", "root, nothing changed", None, None),
    ("nocaps", "root without CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN", "capabilities", None),
    ("nobody", "user nobody (no capabilities)", "capabilities", None),
    ("memlock", "RLIMIT_MEMLOCK 64 KiB without CAP_SYS_RESOURCE", "memlock", lambda v: v < (5, 11)),
    ("nobtf", "/sys/kernel/btf hidden (tmpfs over it)", "btf", None),
    ("unprivdisabled", "user nobody, kernel.unprivileged_bpf_disabled on", "unprivileged_bpf_disabled", None),
]
PROC_COLLECTORS = ("cpu", "meminfo", "diskstats", "netdev", "loadavg", "vmstat")


def doctor_section(kernels, w, failures):
    w("")
    w("## infra-monitor doctor")
    w("")
    w("`infra-monitor doctor --format=json` on each kernel after the rungs, as root and then under each "
      "hostile setting; beside it `infra-monitor once`, whose /proc collectors must all succeed while "
      "the bpf collector, or each program it cannot load, fails with its reason. *exit*: doctor's status "
      "(0: every program attaches on some rung); *cause*: the failed checks doctor names, with the first "
      "one's remedy; *auto*: the rung each program would use.")
    w("")
    w("| kernel | setting | exit | cause (doctor) | remedy (doctor) | auto rungs | /proc collectors | bpf collector (once) |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for k in kernels:
        if not k["marker"] or not k["rungs"]:
            continue
        if not k["doctor"]:
            failures.append("%s: doctor did not run" % k["name"])
            continue
        v = kver(k["release"])
        for name, what, cause, applies in DOCTOR_SETTINGS:
            d = k["doctor"].get(name)
            if not d:
                continue
            where = "%s: %s" % (k["name"], name)
            doc = d["doc"] or {}
            fails = [c for c in doc.get("checks", []) if c.get("status") == "fail"]
            causes = "; ".join("%s: %s" % (c["name"], c["detail"]) for c in fails) or "–"
            remedy = fails[0].get("remedy", "") if fails else ""
            autos = " ".join("%s=%s" % (p["name"], p["auto"] or "none") for p in doc.get("programs", []))
            procs = {lab.get("collector"): x for n, lab, x in d["once"]
                     if n == "infra_monitor_collector_success"}
            proc_ok = all(procs.get(c) == 1 for c in PROC_COLLECTORS)
            bpf_err = ""
            for line in d["once_log"].splitlines():
                if '"collector":"bpf"' in line or "collector=bpf" in line:
                    m = re.search(r'"err":"([^"]*)"', line)
                    bpf_err = m.group(1) if m else line
            named = load_errors(d["once_log"])
            if procs.get("bpf") == 1:
                bpf = "up" + ("; failed: " + "; ".join("%s: %s" % (p, named[p]) for p in sorted(named))
                              if named else "")
            else:
                bpf = "failed: " + (bpf_err or "?")
            w("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
                k["name"], what, d["rc"], causes.replace("|", "\\|"), remedy.replace("|", "\\|"),
                autos or "–", "all succeed" if proc_ok else "**%s**" % procs, bpf.replace("|", "\\|")))
            if d["doc"] is None:
                failures.append("%s: doctor wrote no JSON" % where)
                continue
            if not proc_ok:
                failures.append("%s: once: a /proc collector failed: %s" % (where, procs))
            if name == "normal" and lockdown_of(k) == "confidentiality":
                doctor_lockdown(where, doc, d["rc"], k["env"].get("tracefs") == "no", failures)
                continue
            if cause is None or (applies is not None and not applies(v)):
                if d["rc"] != 0:
                    failures.append("%s: doctor exit %d, want 0 (%s)" % (where, d["rc"], causes))
                continue
            if d["rc"] != 1:
                failures.append("%s: doctor exit %d, want 1" % (where, d["rc"]))
            if not any(c["name"] == cause and c.get("remedy") for c in fails):
                failures.append("%s: doctor does not name %s with a remedy (%s)" % (where, cause, causes))
            # Either the whole collector failed with its reason, or (some programs still load)
            # each program doctor found unloadable failed in the daemon by name.
            down = {p["name"] for p in doc.get("programs", []) if p["auto"] is None}
            if procs.get("bpf") != 1 and not bpf_err:
                failures.append("%s: once: the bpf collector failed without a reason" % where)
            elif procs.get("bpf") == 1 and not down <= set(named):
                failures.append("%s: once: %s failed in doctor, not in the daemon's log"
                                % (where, ", ".join(sorted(down - set(named)))))


def doctor_lockdown(where, doc, rc, tracefs_gone, failures):
    """Doctor under lockdown=confidentiality: the lockdown check warns with its remedy, and a
    program that attaches on no rung was refused on each by lockdown, by name."""
    ld = next((c for c in doc.get("checks", []) if c.get("name") == "lockdown"), {})
    if ld.get("status") not in ("warn", "fail") or "confidentiality" not in ld.get("detail", "") \
            or not ld.get("remedy"):
        failures.append("%s: doctor does not name lockdown=confidentiality with a remedy (%s)" % (where, ld))
    down = [p for p in doc.get("programs", []) if p.get("auto") is None]
    if rc != (1 if down else 0):
        failures.append("%s: doctor exit %d with %d program(s) attaching nowhere" % (where, rc, len(down)))
    for p in down:
        for r in p.get("rungs", []):
            said = " ".join(str(r.get(x, "")) for x in ("error", "libbpf", "verifier"))
            if r.get("status") == "failed" and not (lockdown_said(said, tracefs_gone)
                                                    and "lockdown" in r.get("remedy", "") + ld.get("remedy", "")):
                failures.append("%s: doctor: %s on %s failed for another reason: %s" % (
                    where, p.get("name"), r.get("rung"), said.strip()))


def cg_sum(samples, name, cgroup=None, **want):
    return _sum(samples, name, **dict(want, **({"cgroup": cgroup} if cgroup else {})))


def disk_shortfall(samples, disk):
    """Where A's missing I/Os may be, for the failure message: its count per op, what other
    cgroups and cgroup="other" counted, the scratch disk's own count, and the daemon's counts of
    evicted stamps, unnamed ids, full maps and events skipped in recursion."""
    lat = "infra_monitor_cgroup_disk_io_latency_seconds_count"
    by = {}
    for n, lab, v in samples:
        if n == lat and v:
            key = "%s %s" % (lab.get("cgroup"), lab.get("op"))
            by[key] = by.get(key, 0) + int(v)
    dev = os.path.basename(disk) if disk else None
    return "; ".join([
        " ".join("%s=%d" % kv for kv in sorted(by.items())),
        "%s I/Os %d" % (dev, _sum(samples, "infra_monitor_disk_io_size_bytes_count", device=dev)),
        "evicted stamps %d" % _sum(samples, "infra_monitor_bpf_map_full_misses_total", program="biolat",
                                   map="disk_io_start"),
        "resolve misses %d" % _sum(samples, "infra_monitor_cgroup_resolve_misses_total"),
        "overflow %d" % _sum(samples, "infra_monitor_cgroup_overflow_events_total"),
        "recursion misses %d" % _sum(samples, "infra_monitor_bpf_recursion_misses_total", program="biolat")])


def workloads_section(kernels, w, failures):
    w("")
    w("## Per-workload counting (cgroup v2)")
    w("")
    w("The workload of each rung runs in three cgroups made below the cgroup2 root (in the guests "
      "cgroup2 is mounted alone, with the `io` and `memory` controllers on for them; the host keeps "
      "its hybrid mount): **A** `kmatrix-A` makes the O_DIRECT I/O, then %s of buffered writes to the "
      "scratch disk that a `sync` from outside A writes back; **B** `kmatrix-B` the loopback TCP "
      "connections and resets; **C** `kmatrix-C` the CPU hogs. From the scrape after the workload: "
      "*A disk*: A's I/Os (`infra_monitor_cgroup_disk_io_latency_seconds_count`) / the direct I/Os kwork "
      "issued (all of them with the bio's blkcg; at least 98 %% with the task at insert, which loses "
      "a request inserted again from a kworker); *A write bytes*: A's `infra_monitor_cgroup_disk_io_bytes_total{op=\"write\"}` / direct "
      "+ buffered bytes written from A: with the bio's blkcg (the `io` controller on v2) the "
      "buffered ones must be A's, charged through the page's owner whoever writes it back; with the "
      "task at insert (the classic tracepoint rung; hosts without `io` on v2) they must not be "
      "(documented fallback: writeback counts for the flusher); *B, C disk*: their writes / reads "
      "(0 in the guests, whose files are in RAM; on the host reads are shown, not judged, see "
      "docs/workloads.md); *B connects*: B's connect latencies / kwork's connections; *A, C "
      "connects*: 0; *C run-queue*: C's run-queue latencies; *sums*: each family's per-workload "
      "series (`/`, `other` included) against its host-wide family: disk and connects exact in the "
      "guests, the run queue (thousands of events a second) within 1 %%, on the host (shared, never "
      "quiet: other I/O completes between the two map reads) within 5 %%; *D brief*: `kmatrix-D`, "
      "made, given 8 O_DIRECT writes and removed in a fraction of a collection, so that no walk "
      "of the tree ever sees it: its writes / 8, and how new cgroups were named (the "
      "`cgroup_mkdir` hook, which must name D, or walks only, allowed under "
      "`lockdown=confidentiality`, which refuses the path's read). On "
      "`tracepoint` the records lack the pointers: tcplat, runqlat and skbdrop must show "
      "`workloads=\"absent\"` and no per-workload series." % "1 MiB")
    w("")
    w("| kernel | rung | disk charged by | A disk | A write bytes | B, C disk (writes / reads) | B connects | A, C connects | C run-queue | D brief | sums (workloads / host-wide) |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for k in kernels:
        guest = k["name"] != "host"
        for rung in RUNG_ORDER:
            rr = k["rungs"].get(rung)
            if not rr:
                continue
            where = "%s/%s" % (k["name"], rung)
            if k["env"].get("cgroup2", "none") == "none":
                # Every guest mounts cgroup2; a host may lack it (a container on a hybrid
                # host, as make test-fresh runs): then the documented host-wide-only mode.
                wl_series = [n for n, lab, x in rr["samples"] if n.startswith("infra_monitor_cgroup_")
                             and n != "infra_monitor_cgroup_info"]
                attributed = sorted(p for p, v in rr["wl"].items() if v != "absent")
                w("| %s | %s | no cgroup2 mount: host-wide only | – | – | – | – | – | – | – | – |" % (k["name"], rung))
                if guest:
                    failures.append("%s: no cgroup2 mount: per-workload counting not shown" % where)
                elif wl_series or attributed:
                    failures.append("%s: no cgroup2 mount, yet per-workload series (%d) or programs "
                                    "attributing (%s)" % (where, len(wl_series), ", ".join(attributed)))
                continue
            sm = rr["samples"]
            st = {p: status for p, hook, status in rr["info"]}
            wl = rr["wl"]
            cells = []
            # Which programs must attribute here: attached ones, except the documented absences.
            for prog in sorted(st):
                if st[prog] != "attached":
                    continue
                want = "absent" if rung == "tracepoint" and prog in CG_ABSENT_ON_TRACEPOINT else "attributed"
                if wl.get(prog) != want:
                    failures.append("%s: %s workloads=%s, want %s" % (where, prog, wl.get(prog), want))
            def attr(prog):
                return st.get(prog) == "attached" and wl.get(prog) == "attributed"
            blkcg = "the bio's blkcg" in rr["log"]
            disk = rr["kwork"].get("disk", {})
            buf = rr["kwork"].get("buffered", {})
            tcpw = rr["kwork"].get("tcp", {})
            direct_ios = int(disk.get("ios", "0"))
            direct_wbytes = direct_ios // 2 * 4096
            buf_bytes = int(buf.get("bytes", "0"))
            lat = "infra_monitor_cgroup_disk_io_latency_seconds_count"
            byt = "infra_monitor_cgroup_disk_io_bytes_total"
            conn = "infra_monitor_cgroup_tcp_connect_latency_seconds_count"
            runq = "infra_monitor_cgroup_runqueue_latency_seconds_count"
            a_ios = cg_sum(sm, lat, CG_DISK)
            a_wb = cg_sum(sm, byt, CG_DISK, op="write")
            bc = [(cg_sum(sm, lat, g, op="write"), cg_sum(sm, lat, g, op="read")) for g in (CG_TCP, CG_CPU)]
            b_conn = cg_sum(sm, conn, CG_TCP)
            ac_conn = [cg_sum(sm, conn, g) for g in (CG_DISK, CG_CPU)]
            c_runq = cg_sum(sm, runq, CG_CPU)
            if attr("biolat"):
                if not disk or not buf:
                    failures.append("%s: the disk workload did not run in A (%s, %s)" % (where, disk, buf))
                # The task at insert is a proxy: a request the driver requeues is inserted again
                # from a kworker and charged there on raw_tp and tracepoint (seen on the busy host:
                # 127 of 128); tp_btf knows it by the kernel's start stamp and keeps its owner.
                if a_ios < (direct_ios if blkcg else direct_ios * 0.98):
                    failures.append("%s: A's disk I/Os %d < the %d it issued (%s)"
                                    % (where, a_ios, direct_ios, disk_shortfall(sm, k["env"].get("disk"))))
                if blkcg and a_wb < direct_wbytes + buf_bytes:
                    failures.append("%s: A's write bytes %d < %d direct + %d buffered: writeback not "
                                    "charged to A's blkcg" % (where, a_wb, direct_wbytes, buf_bytes))
                if not blkcg and a_wb >= direct_wbytes + buf_bytes:
                    failures.append("%s: A's write bytes %d include the buffered %d, but the task at "
                                    "insert was to be charged" % (where, a_wb, buf_bytes))
                for g, (wr, rd) in zip((CG_TCP, CG_CPU), bc):
                    if wr or (guest and rd):
                        failures.append("%s: %s made no disk I/O but shows %d writes, %d reads" % (where, g, wr, rd))
            if attr("tcplat"):
                if b_conn < int(tcpw.get("connections", "1")):
                    failures.append("%s: B's connects %d < the %s it made" % (where, b_conn, tcpw.get("connections")))
                if any(ac_conn):
                    failures.append("%s: A or C show connects %s" % (where, ac_conn))
            brief = rr["kwork"].get("brief", {})
            d_ios = cg_sum(sm, lat, CG_BRIEF, op="write")
            named = re.search(r'"msg":"new cgroups named as they are made"[^\n]*"hook":"([a-z_]+)"', rr["log"])
            naming = "cgroup_mkdir on %s" % named.group(1) if named else "walks only"
            if attr("biolat"):
                if "ios" not in brief:
                    failures.append("%s: D's writes did not run (%s)" % (where, brief))
                elif not named and lockdown_of(k) != "confidentiality":
                    failures.append("%s: new cgroups not named as they are made (see %s.log)" % (where, rung))
                elif named and d_ios < int(brief["ios"]):
                    failures.append("%s: D's writes %d < the %s it made: not named from its first "
                                    "event" % (where, d_ios, brief["ios"]))
            if attr("runqlat") and c_runq <= 0:
                failures.append("%s: C's run-queue latencies counted nothing" % where)
            for prog, fam in (("tcplat", conn), ("runqlat", runq), ("skbdrop", "infra_monitor_cgroup_skb_drops_total")):
                if wl.get(prog) == "absent" and any(n == fam for n, lab, v in sm):
                    failures.append("%s: %s is absent per workload yet %s has series" % (where, prog, fam))
            for label, fam, host, sel in CG_SUMS:
                prog = {"disk I/Os": "biolat", "connects": "tcplat", "run-queue": "runqlat"}[label]
                if not attr(prog):
                    cells.append("%s –" % label)
                    continue
                a, b = cg_sum(sm, fam), _sum(sm, host, **sel)
                cells.append("%s %d / %d" % (label, a, b))
                exact = guest and label != "run-queue"
                if (a != b) if exact else abs(a - b) > (0.01 if guest else 0.05) * max(a, b):
                    failures.append("%s: %s per workload %d, host-wide %d" % (where, label, a, b))
            w("| %s | %s | %s | %d / %d | %d / %d + %d | B %d / %d, C %d / %d | %d / %s | %d, %d | %d | %d / %s (%s) | %s |" % (
                k["name"], rung, "bio's blkcg" if blkcg else "task at insert", a_ios, direct_ios,
                a_wb, direct_wbytes, buf_bytes, bc[0][0], bc[0][1], bc[1][0], bc[1][1], b_conn,
                tcpw.get("connections", "?"), ac_conn[0], ac_conn[1], c_runq, d_ios,
                brief.get("ios", "?"), naming, "; ".join(cells)))


def quantile(hist, q):
    """histogram_quantile() over native buckets (list of JSONL histogram samples, merged): linear
    inside the bucket holding the rank; None when empty."""
    count = sum(h["count"] for h in hist)
    if not count:
        return None
    schema = hist[0]["schema"]
    zero = sum(h.get("zero_count", 0) for h in hist)
    buckets = {}
    for h in hist:
        for i, c in h.get("buckets", {}).items():
            buckets[int(i)] = buckets.get(int(i), 0) + c
    rank = q * count
    lo_first = 2 ** ((hist[0]["first"] - 1) / 2 ** schema)
    if rank <= zero:
        return lo_first * rank / zero
    seen = zero
    top = 0.0
    for i in sorted(buckets):
        lo, hi = 2 ** ((i - 1) / 2 ** schema), 2 ** (i / 2 ** schema)
        top = hi
        if seen + buckets[i] >= rank:
            return lo + (hi - lo) * (rank - seen) / buckets[i]
        seen += buckets[i]
    return top      # above the top bucket: its bound, as the docs say


def accuracy_section(kernels, w, failures):
    rows = [k for k in kernels if k["accuracy"]["meta"]]
    if not rows:
        return
    w("")
    w("## Accuracy against known delays")
    w("")
    w("One daemon (auto rung) per guest, on top of the rungs above: 100 O_DIRECT 4 KiB writes and 100 "
      "reads on each of three `null_blk` devices made through configfs with `irqmode=2` (an hrtimer "
      "completes each request) and `completion_nsec` 0, 250000 and 2000000, no I/O scheduler; then "
      "20 loopback TCP connections with `tc qdisc add dev lo root netem delay 10ms` (every packet "
      "10 ms, 20 ms a round trip; on before the daemon starts, so all its TCP has it). Quantiles are "
      "computed here from the **native-histogram buckets** of the daemon's last JSONL line (schema 3, "
      "cumulative since start; linear inside a bucket, as `histogram_quantile()`): disk from "
      "`infra_monitor_disk_io_latency_seconds{phase=\"service\"}` of that device, reads and writes "
      "together, srtt from `infra_monitor_tcp_srtt_seconds`. *corrected*: the quantile less the same "
      "quantile of the 0 ns device (what an empty request costs in that guest, measured the same "
      "way). *workload's clock*: kwork times each of those writes and reads itself (CLOCK_MONOTONIC "
      "around the syscall; nearest-rank p50, corrected by its own empty-device p50 the same way), an "
      "independent measure of the same I/Os: the verdict says how far the daemon's corrected p50 is from "
      "it, which separates the daemon's error from the guest's (an emulator's late timer shows on both "
      "clocks). The corrected p50 must be within %d %% of the delay for the 2 ms p50, and srtt p50 within %d %% of 20 ms as "
      "measured. The 250 us quantiles and the p99s are shown, **not enforced**: under TCG an hrtimer "
      "completion lands 20-30 us late, more than the 0 ns device's own cost, even with the 1 ns of "
      "timer slack the matrix gives QEMU (40-80 us with the host's default 50 us), and a vCPU the "
      "host starves puts millisecond outliers into p99 (2 of 200 samples are p99). Issue 13 asks all of "
      "them within 10 %%: that needs a guest with real timers (KVM), which this machine does not boot." % (
          ACCURACY_TOLERANCE * 100, ACCURACY_TOLERANCE * 100))
    w("")
    w("| kernel | what | known | I/Os or samples | p50 | p99 | p50 corrected | p99 corrected | workload's clock: p50, corrected | verdict |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")

    def ms(v):
        return "–" if v is None else "%.3f ms" % (v * 1000)

    for k in rows:
        acc = k["accuracy"]
        if acc["meta"].get("accuracy") != "ran":
            reason = unq(acc["meta"].get("reason", '"?"'))
            w("| %s | – | – | – | – | – | – | – | – | not run: %s |" % (k["name"], reason))
            # The x86 guests have the modules and tc: only the arm64 guest (no tc) may lack it.
            if not k["name"].startswith("arm64") and k["name"] != "host":
                failures.append("%s: accuracy checks did not run: %s" % (k["name"], reason))
            continue
        line = acc["line"] or {}
        fams = line.get("metrics", {})
        lat = fams.get("infra_monitor_disk_io_latency_seconds", {}).get("samples", [])
        by = {}
        for nb in acc["nullb"]:
            dev = nb.get("device")
            hist = [h for h in lat if h["labels"].get("device") == dev and h["labels"].get("phase") == "service"]
            by[nb.get("name")] = (int(nb.get("completion_nsec", "0")), dev, hist)
        # kwork's own per-I/O times of each device (nearest rank), an independent clock.
        own = {}
        for m in re.finditer(r"^kwork disk (.*)$", acc["workload"], re.M):
            f = kv(m.group(1))
            if "p50_ns" in f:
                own[f.get("dev", "").replace("/dev/", "")] = int(f["p50_ns"]) / 1e9
        own_empty = own.get(by["empty"][1]) if "empty" in by else None
        empty = by.get("empty")
        e50 = quantile(empty[2], 0.5) if empty else None
        e99 = quantile(empty[2], 0.99) if empty else None
        for name in ("empty", "250us", "2ms"):
            if name not in by:
                failures.append("%s: accuracy: no null_blk device %s" % (k["name"], name))
                continue
            ns, dev, hist = by[name]
            n = sum(h["count"] for h in hist)
            p50, p99 = quantile(hist, 0.5), quantile(hist, 0.99)
            verdict = "baseline"
            c50 = c99 = None
            if name != "empty":
                if None in (p50, p99, e50, e99):
                    verdict = "**no samples**"
                    failures.append("%s: accuracy: %s (%s) has no service latencies" % (k["name"], name, dev))
                else:
                    c50, c99 = p50 - e50, p99 - e99
                    want = ns / 1e9
                    bad = [q for q, v in (("p50", c50), ("p99", c99))
                           if abs(v - want) > ACCURACY_TOLERANCE * want]
                    verdict = "within %d %%" % (ACCURACY_TOLERANCE * 100) if not bad else \
                        "**%s off by more than %d %%**" % (" and ".join(bad), ACCURACY_TOLERANCE * 100)
                    if bad and not any((name, q) in ACCURACY_ENFORCED for q in bad):
                        verdict += " (not enforced under TCG)"
                    for q, v in (("p50", c50), ("p99", c99)):
                        if q in bad and (name, q) in ACCURACY_ENFORCED:
                            failures.append("%s: accuracy: %s %s %s corrected %.3f ms, want %.3f ms ± %d %%" % (
                                k["name"], name, dev, q, v * 1000, want * 1000, ACCURACY_TOLERANCE * 100))
            o50 = own.get(dev)
            oc50 = o50 - own_empty if name != "empty" and None not in (o50, own_empty) else None
            clock = "%s, %s" % (ms(o50), ms(oc50)) if name != "empty" else ms(o50)
            if c50 is not None and oc50:
                verdict += "; daemon %+.1f %% off the workload's clock" % ((c50 - oc50) / oc50 * 100)
            w("| %s | disk %s (`%s`) | %s | %d | %s | %s | %s | %s | %s | %s |" % (
                k["name"], name, dev, ms(ns / 1e9), n, ms(p50), ms(p99), ms(c50), ms(c99), clock, verdict))
        srtt = fams.get("infra_monitor_tcp_srtt_seconds", {}).get("samples", [])
        n = sum(h["count"] for h in srtt)
        p50, p99 = quantile(srtt, 0.5), quantile(srtt, 0.99)
        ok = p50 is not None and abs(p50 - NETEM_RTT_S) <= ACCURACY_TOLERANCE * NETEM_RTT_S
        w("| %s | TCP srtt, netem 10 ms each way on lo | %s | %d | %s | %s | – | – | – | %s |" % (
            k["name"], ms(NETEM_RTT_S), n, ms(p50), ms(p99),
            "p50 within %d %%" % (ACCURACY_TOLERANCE * 100) if ok else "**p50 off**"))
        if not ok:
            failures.append("%s: accuracy: srtt p50 %s, want 20 ms ± %d %%" % (
                k["name"], ms(p50), ACCURACY_TOLERANCE * 100))


def lockdown_section(kernels, w, failures):
    rows = [k for k in kernels if "-lockdown-" in k["name"]]
    if not rows:
        return
    w("")
    w("## Lockdown")
    w("")
    w("The 6.1 guest booted twice more, with `lockdown=integrity` and `lockdown=confidentiality` (Debian's "
      "kernels have the lockdown LSM; the guest reads `/sys/kernel/security/lockdown` to show it is "
      "honoured), same checks without the hostile settings and the accuracy runs. Integrity must change "
      "nothing. Confidentiality refuses `bpf_probe_read_kernel` (libbpf then falls back to "
      "`bpf_probe_read`, refused too) and tracefs, which then does not mount (the classic "
      "tracepoints need its ids): what uses them must fail naming it, the rest must attach and count, the /proc "
      "collectors must all run, and `infra-monitor doctor` must name lockdown with its remedy. One "
      "kernel is enough: the LSM is the same code on all of them.")
    w("")
    w("| kernel | lockdown | attached (program/rung) | refused by lockdown (program/rung: error) | doctor |")
    w("| --- | --- | --- | --- | --- |")
    for k in rows:
        ok, refused = [], []
        for rung in RUNG_ORDER:
            rr = k["rungs"].get(rung)
            if not rr:
                continue
            up = {prog for prog, hook, status in rr["info"] if status == "attached"}
            ok += ["%s/%s" % (prog, rung) for prog in sorted(up)]
            # Failed programs: from the log, also when none attached (no program info then).
            refused += ["%s/%s: %s" % (prog, rung, err) for prog, err in sorted(rr["errors"].items())
                        if prog not in up]
        d = k["doctor"].get("normal") or {}
        ld = next((c for c in (d.get("doc") or {}).get("checks", []) if c.get("name") == "lockdown"), {})
        w("| %s | %s | %s | %s | exit %s; lockdown: %s %s |" % (
            k["name"], lockdown_of(k), " ".join(ok) or "–",
            "; ".join(refused).replace("|", "\\|") or "–", d.get("rc", "?"), ld.get("status", "?"),
            ld.get("detail", "")))
        if not ok:
            failures.append("%s: nothing attached under lockdown=%s" % (k["name"], lockdown_of(k)))
        if lockdown_of(k) == "confidentiality" and not refused:
            failures.append("%s: lockdown=confidentiality refused nothing: the rungs reading kernel "
                            "memory were expected to fail" % k["name"])


def untested_section(kernels, w, failures):
    w("")
    w("## Paths no other workload reaches")
    w("")
    w("Per rung, beside the workload above: *retransmits*: `kwork retrans 8`, eight SYNs a listener with a "
      "full accept queue drops, each retransmitted once by the kernel (the clients' own TCP_INFO count / "
      "the daemon's `infra_monitor_tcp_retransmits_total` / the kernel's RetransSegs over the daemon's life); *UDP drops*: `kwork udpdrop 100` to a socket "
      "with the smallest receive buffer (the socket's own drop count / the daemon's drops of reason "
      "SOCKET_RCVBUFF / the kernel's Udp RcvbufErrors); *queue*: the scratch disk under mq-deadline, requests inserted "
      "(`block_rq_insert` probe) and the daemon's queue time, total − service latency sums. The daemon "
      "must count at least the workload's own and at most what the kernel counted (an emulated guest "
      "starved for a while retransmits other segments too). An event that fires while another BPF "
      "program runs on its CPU (an interrupt landing in it) is not handed to the program; the kernel "
      "counts it and the daemon exports `infra_monitor_bpf_recursion_misses_total`, shown here as "
      "\"missed in recursion\" and counted toward the lower bound (seen on the classic tracepoint rung "
      "on a busy host).")
    w("")
    w("| kernel | rung | retransmits (workload / daemon / kernel) | UDP drops (workload / SOCKET_RCVBUFF / kernel) | scheduler | queue time (ms) |")
    w("| --- | --- | --- | --- | --- | --- |")
    for k in kernels:
        v = kver(k["release"])
        sched = k["env"].get("iosched", "?")
        for rung in RUNG_ORDER:
            rr = k["rungs"].get(rung)
            if not rr:
                continue
            st = {p: status for p, hook, status in rr["info"]}
            rt = rr["kwork"].get("retrans", {})
            ud = rr["kwork"].get("udpdrop", {})
            want_rt = int(rt.get("retransmits", "-1"))
            want_ud = int(ud.get("drops", "-1"))
            k_rt = int(rr["meta"].get("kernel_retrans", "0"))
            k_ud = int(rr["meta"].get("kernel_rcvbuf", "0"))
            got_rt = _sum(rr["samples"], "infra_monitor_tcp_retransmits_total")
            got_ud = _sum(rr["samples"], "infra_monitor_skb_drops_total", reason="SOCKET_RCVBUFF")
            # An event that fires while another BPF program runs on its CPU (an interrupt
            # landing in it) is not given to the program; the kernel counts it (5.12+) and
            # the daemon exports the count, so such a shortfall is explained, not an error.
            miss_rt = _sum(rr["samples"], "infra_monitor_bpf_recursion_misses_total", program="tcplat")
            miss_ud = _sum(rr["samples"], "infra_monitor_bpf_recursion_misses_total", program="skbdrop")
            dev = os.path.basename(k["env"].get("disk", ""))
            lat = "infra_monitor_disk_io_latency_seconds_sum"
            qsum = None
            if any(n == lat and lab.get("phase") == "queue" for n, lab, x in rr["samples"]):
                qsum = sum(x for n, lab, x in rr["samples"] if n == lat and lab.get("phase") == "queue"
                           and lab.get("device") == dev)
            elif any(n == lat for n, lab, x in rr["samples"]):
                tot = sum(x for n, lab, x in rr["samples"] if n == lat and lab.get("phase") == "total"
                          and lab.get("device") == dev)
                svc = sum(x for n, lab, x in rr["samples"] if n == lat and lab.get("phase") == "service"
                          and lab.get("device") == dev)
                qsum = tot - svc
            if v < DROP_REASONS_SINCE:
                ud_cell = "%d / – (no drop reasons before 5.17)" % want_ud
            elif v < UDP_RCVBUFF_SINCE:
                ud_cell = "%d / – (SOCKET_RCVBUFF from 5.19)" % want_ud
            else:
                ud_cell = "%d / %d / %d%s" % (want_ud, got_ud, k_ud, _missed(miss_ud))
            w("| %s | %s | %d / %d / %d%s | %s | %s | %s |" % (
                k["name"], rung, want_rt, got_rt, k_rt, _missed(miss_rt), ud_cell, sched,
                "–" if qsum is None else "%.2f" % (qsum * 1000)))
            where = "%s/%s" % (k["name"], rung)
            # The kernel's SNMP counters are per network namespace, the programs see every
            # namespace: a guest runs nothing else, but on the host (shared, maybe itself a
            # container) other namespaces' retransmits and drops count too, so only the lower
            # bound holds there.
            top_rt, top_ud = (float("inf"),) * 2 if k["name"] == "host" else (k_rt, k_ud)
            if want_rt <= 0:
                failures.append("%s: the retransmit workload caused none (%s)" % (where, rt or "did not run"))
            elif st.get("tcplat") == "attached" and not (want_rt <= got_rt + miss_rt and got_rt <= top_rt):
                has_fam = any(n == "infra_monitor_tcp_retransmits_total" for n, lab, x in rr["samples"])
                failures.append("%s: tcplat counted %d retransmits (%d events missed in recursion): "
                                "the workload's sockets %d, the kernel's RetransSegs %d; the scrape %s, "
                                "bpf collector success %d"
                                % (where, got_rt, miss_rt, want_rt, k_rt,
                                   "has the family" if has_fam else "lacks the family",
                                   _sum(rr["samples"], "infra_monitor_collector_success", collector="bpf")))
            if want_ud <= 0:
                failures.append("%s: the UDP drop workload caused none (%s)" % (where, ud or "did not run"))
            elif v >= UDP_RCVBUFF_SINCE and st.get("skbdrop") == "attached" and \
                    not (want_ud <= got_ud + miss_ud and got_ud <= top_ud):
                failures.append("%s: skbdrop counted %d SOCKET_RCVBUFF drops (%d events missed in "
                                "recursion): the socket %d, the kernel's RcvbufErrors %d"
                                % (where, got_ud, miss_ud, want_ud, k_ud))
            if sched == "mq-deadline" and st.get("biolat") == "attached" and (qsum is None or qsum <= 0):
                failures.append("%s: mq-deadline on %s but no queue time" % (where, dev))


def prober_section(kernels, w, failures):
    w("")
    w("## Filesystem sizes through the statfs prober")
    w("")
    w("The filesystem collector's statfs() runs in a child process (prober.h), which runs the "
      "freestanding program the daemon carries (src/freestanding/prober_child.c, built for the "
      "kernel's architecture) from a memfd: the child's executable must be that memfd, and every "
      "mount it was asked about must have its size and no device error (auto rung).")
    w("")
    w("| kernel | child executables | mounts sized | device errors |")
    w("| --- | --- | --- | --- |")
    for k in kernels:
        rung = k["rungs"].get("auto")
        if not rung:
            continue
        sizes = [v for n, lab, v in rung["samples"] if n == "node_filesystem_size_bytes"]
        errors = sum(v for n, lab, v in rung["samples"] if n == "node_filesystem_device_error")
        kids = rung["children"]
        w("| %s | %s | %d | %d |" % (k["name"], ", ".join("`%s`" % c for c in kids) or "none",
                                    len(sizes), errors))
        if not any("memfd:infra-monitor-prober" in c for c in kids):
            failures.append("%s: the statfs prober's child is not the memfd program: %s"
                            % (k["name"], kids or "no children"))
        if not sizes or min(sizes) <= 0 or errors:
            failures.append("%s: filesystem sizes %s, %d device errors" % (k["name"], sizes, errors))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--doc")
    ap.add_argument("--daemon", default="")
    ap.add_argument("--version", default="")
    a = ap.parse_args()

    names = [n for n in KERNEL_ORDER if os.path.isdir(os.path.join(a.results, n))]
    names += sorted(n for n in os.listdir(a.results)
                    if os.path.isdir(os.path.join(a.results, n)) and n not in names)
    kernels = [load_kernel(a.results, n) for n in names]
    timing = dict(line.split() for line in read(os.path.join(a.results, "timing")).splitlines()
                  if len(line.split()) == 2)
    failures = []
    out = []
    w = out.append

    w("# Kernel matrix")
    w("")
    w("Generated by `make test-kernels` (scripts/kernels-matrix.sh, tests/kernels/); do not edit by hand.")
    w("Debian 11's 5.10, Debian 12's newest 6.1, Debian's 6.12 (amd64) and Debian 12's arm64 6.1 boot in "
      "QEMU (TCG: `-accel tcg,thread=single -cpu max -smp 2 -m 1024`; arm64 on the `virt` board with "
      "`-accel tcg,thread=multi -cpu max,pauth-impdef=on`, running the daemon cross-built with `make ARCH=aarch64`, beside the "
      "others at the lowest priority) from a busybox initramfs with a virtio scratch "
      "disk under mq-deadline; the host kernel runs the same checks natively on a loop device. Workload "
      "per rung, in three cgroups (below): 64 O_DIRECT 4 KiB writes (fsync every 8) and 64 reads on the "
      "scratch disk, then 1 MiB of buffered writes and a `sync`, 100 loopback "
      "TCP connections with 4 KiB each way, 20 "
      "connects to a closed port and 20 connections aborted with SO_LINGER 0, 400 ms of 2×CPU busy "
      "processes, then the paths below that nothing else reaches.")
    if a.daemon:
        w("")
        w("Daemon: `%s`%s." % (a.daemon, " (%s)" % a.version if a.version else ""))
    w("")
    w("## Kernels")
    w("")
    w("| kernel | release | where | BTF | scratch disk (I/O scheduler) | time (s) | console marker |")
    w("| --- | --- | --- | --- | --- | --- | --- |")
    for k in kernels:
        where = "native" if k["name"] == "host" else "QEMU/TCG guest" + (
            " (aarch64, virt board)" if k["name"].startswith("arm64") else "")
        booted = k["name"].split("-lockdown-")[1] if "-lockdown-" in k["name"] else None
        if booted:
            where += ", `lockdown=%s` (the guest reads %s)" % (booted, lockdown_of(k))
            if k["marker"] and lockdown_of(k) != booted:
                failures.append("%s: booted with lockdown=%s, /sys/kernel/security/lockdown says %s"
                                % (k["name"], booted, lockdown_of(k)))
        marker = "rc=%s" % k["marker"][0] if k["marker"] else "**missing**"
        w("| %s | %s | %s | %s | %s (%s) | %s | %s |" % (
            k["name"], k["release"], where, k["env"].get("btf", "?"), k["env"].get("disk", "?"),
            k["env"].get("iosched", "?"), timing.get(k["name"], "?"), marker))
        if not k["marker"]:
            failures.append("%s: no KMATRIX-END marker (guest did not finish)" % k["name"])
        elif k["marker"][0] != "0":
            failures.append("%s: checks exited rc=%s" % (k["name"], k["marker"][0]))
    if "total" in timing:
        w("")
        w("Whole matrix: %s s." % timing["total"])

    w("")
    w("## Harness self-check (tests/kernels/selfcheck.bpf.c)")
    w("")
    w("Not the daemon: the harness's own sched_switch counter on each hook, proving BPF, BTF, CO-RE "
      "relocation and each attach type work on that kernel before the daemon is judged there.")
    w("")
    w("| kernel | hook | status | events | load (ms) | verified insns |")
    w("| --- | --- | --- | --- | --- | --- |")
    for k in kernels:
        if not k["selfcheck"]:
            failures.append("%s: self-check produced no result" % k["name"])
        for s in k["selfcheck"]:
            ev = int(s.get("events", "0"))
            st = s.get("status", "?")
            err = unq(s.get("err", '""'))
            w("| %s | %s | %s | %d | %.1f | %s |" % (k["name"], s.get("rung"), st + (" (%s)" % err if err else ""),
                                                  ev, int(s.get("load_us", "0")) / 1000.0,
                                                  s.get("verified_insns", "?")))
            if st != "attached" and lockdown_refused(k, err):
                continue        # refused by name under lockdown=confidentiality
            if st != "attached" or ev <= 0:
                failures.append("%s: self-check %s %s, %d events %s" % (k["name"], s.get("rung"), st, ev, err))

    w("")
    w("## Workload probes")
    w("")
    w("The workload once more under the harness's classic-tracepoint counters: proof that it makes each "
      "kernel fire the events the daemon's programs consume (on the host the counts include everything "
      "else running there). A missing tracepoint or a zero count on a required one fails the matrix.")
    w("")
    tps = []
    for k in kernels:
        for p in k["probes"]:
            if p.get("tp") not in tps:
                tps.append(p.get("tp"))
    w("| tracepoint | " + " | ".join(k["name"] for k in kernels) + " |")
    w("| --- |" + " --- |" * len(kernels))
    for tp in tps:
        cells = []
        for k in kernels:
            p = next((x for x in k["probes"] if x.get("tp") == tp), None)
            if not p:
                cells.append("–")
                continue
            ev = int(p.get("events", "0"))
            cells.append(str(ev) if p.get("status") == "attached" else "failed: " + unq(p.get("err", '""')))
            if p.get("status") != "attached" and lockdown_refused(k, "tracepoint " + unq(p.get("err", '""'))):
                continue
            if p.get("status") != "attached":
                failures.append("%s: probe %s failed to attach: %s" % (k["name"], tp, unq(p.get("err", '""'))))
            elif tp in REQUIRED_PROBES and ev <= 0:
                failures.append("%s: the workload fired %s zero times" % (k["name"], tp))
        w("| %s%s | %s |" % (tp, " (required)" if tp in REQUIRED_PROBES else "", " | ".join(cells)))
    for k in kernels:
        if k["marker"] and not k["probes"]:
            failures.append("%s: the workload probes produced no result" % k["name"])

    w("")
    w("## infra-monitor BPF programs")
    w("")
    daemon_ran = any(k["rungs"] for k in kernels)
    if not daemon_ran:
        w("Not run: no daemon binary with BPF programs was available (`build/infra-monitor`).")
        if a.daemon:
            failures.append("daemon %s given but no rung ran" % a.daemon)
    else:
        w("One daemon per rung (`--bpf.hook=R`), one scrape of `/metrics` after the workload. *events*: what "
          "the program counted of the workload: biolat: I/Os on the scratch disk "
          "(`infra_monitor_disk_io_size_bytes_count{device=<scratch>}`), tcplat: connect latencies, "
          "skbdrop: drops of every reason, runqlat: run-queue latencies; "
          "*runs*: times the kernel ran the program's BPF code (`kernel.bpf_stats_enabled` on in guests only); *insns*: the verifier's processed instructions (`verified_insns`, summed over the "
          "program's BPF programs); *load*: the loader's open + verify + load + attach of the program, "
          "from the daemon's log (millisecond grain); *ready*: daemon start until `/metrics` showed the "
          "programs.")
        w("")
        w("| kernel | rung | program | hook | status | events | runs | insns | load (ms) | ready (s) | detail |")
        w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for k in kernels:
            if not k["rungs"] and k["marker"]:
                failures.append("%s: daemon did not run" % k["name"])
            for rung in RUNG_ORDER:
                rr = k["rungs"].get(rung)
                if not rr:
                    continue
                mt = rr["meta"]
                ready_s = int(mt.get("ready_ms", "0")) / 1000.0
                if mt.get("ready") != "1":
                    failures.append("%s/%s: daemon never showed infra_monitor_bpf_program_info (alive=%s)"
                                    % (k["name"], rung, mt.get("alive")))
                if not rr["info"]:
                    # The bpf collector failed: every program failed to load, each logged.
                    errs = rr["errors"]
                    if errs and all(lockdown_refused(k, e) for e in errs.values()):
                        for prog in sorted(errs):
                            w("| %s | %s | %s | – | refused (lockdown) | – | – | – | – | %.1f | %s |" % (
                                k["name"], rung, prog, ready_s,
                                ("lockdown=confidentiality: %s" % errs[prog]).replace("|", "\\|")))
                        continue
                    w("| %s | %s | – | – | **no program info** | – | – | – | – | %.1f | see %s.log |" % (
                        k["name"], rung, ready_s, rung))
                    failures.append("%s/%s: no BPF program info: %s" % (k["name"], rung, errs or "see the log"))
                    continue
                for prog, hook, status in sorted(rr["info"]):
                    ev, detail = program_events(prog, rr["samples"], k["env"].get("disk"))
                    words = family_for(prog, PROG_WORDS) or ()
                    bps = [p for p in rr["progs"] if any(x in p.get("name", "").lower() for x in words)]
                    runs = sum(p.get("run_cnt", 0) for p in bps) if bps else None
                    insns = sum(p.get("verified_insns", 0) for p in bps) if bps else None
                    lt = rr["load"].get(prog)
                    err = rr["errors"].get(prog, "")
                    missing = missing_feature(prog, rung, err, k["release"]) if status != "attached" else None
                    refused = status != "attached" and not missing and lockdown_refused(k, err)
                    if missing:
                        status = "unsupported"
                        detail = ("this kernel lacks %s: %s" % (missing, err)).replace("|", "\\|")
                    elif refused:
                        status = "refused (lockdown)"
                        detail = ("lockdown=confidentiality: %s" % err).replace("|", "\\|")
                    elif status != "attached":
                        detail = (err or "see %s.log" % rung).replace("|", "\\|")
                    w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %s |" % (
                        k["name"], rung, prog, hook, status, "?" if ev is None else ev,
                        "–" if runs is None or k["name"] == "host" else runs,
                        "–" if insns is None else insns, "–" if lt is None else "%.0f" % (lt * 1000),
                        ready_s, detail))
                    if missing or refused:
                        continue        # named; auto (never excused) must attach elsewhere
                    if status != "attached":
                        failures.append("%s/%s: %s %s: %s" % (k["name"], rung, prog, status, err or "?"))
                        continue
                    elif rung != "auto" and hook != rung:
                        failures.append("%s/%s: %s attached on %s, not the forced rung" % (k["name"], rung, prog, hook))
                    if ev is None:
                        failures.append("%s/%s: %s: no known series to count its events" % (k["name"], rung, prog))
                    elif ev <= 0:
                        failures.append("%s/%s: %s attached on %s but counted nothing (%s)"
                                        % (k["name"], rung, prog, hook, detail))
        w("")
        w("### BPF programs as the kernel sees them")
        w("")
        w("| kernel | rung | BPF program | type | verified insns | runs |")
        w("| --- | --- | --- | --- | --- | --- |")
        for k in kernels:
            for rung in RUNG_ORDER:
                rr = k["rungs"].get(rung)
                for p in (rr or {}).get("progs", []):
                    w("| %s | %s | %s | %s | %s | %s |" % (k["name"], rung, p.get("name"), p.get("type"),
                                                         p.get("verified_insns", "–"),
                                                         "–" if k["name"] == "host" else p.get("run_cnt", "–")))

    if daemon_ran:
        untested_section(kernels, w, failures)
        workloads_section(kernels, w, failures)
        accuracy_section(kernels, w, failures)
        lockdown_section(kernels, w, failures)
        doctor_section(kernels, w, failures)
        prober_section(kernels, w, failures)

    w("")
    w("## Verdict")
    w("")
    if failures:
        w("**FAIL**: %d problem(s):" % len(failures))
        w("")
        for f in failures:
            w("- " + f)
    else:
        w("**PASS**: every check above attached and counted.")
    text = "\n".join(out) + "\n"
    if a.doc:
        os.makedirs(os.path.dirname(a.doc) or ".", exist_ok=True)
        with open(a.doc, "w") as f:
            f.write(text)
    for f in failures:
        print("kernels: FAIL: " + f, file=sys.stderr)
    print("kernels: %s (%d problem(s))" % ("PASS" if not failures else "FAIL", len(failures)), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
