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

KERNEL_ORDER = ["5.10", "6.1", "6.12", "arm64-6.1", "host"]
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
        log = read(os.path.join(r, rung + ".log"))
        k["rungs"][rung] = {"meta": mt, "samples": samples, "progs": progs, "info": info,
                            "kwork": {m.group(1): kv(m.group(2)) for m in re.finditer(
                                r"^kwork (\w+) (.*)$", read(os.path.join(r, rung + ".workload")), re.M)},
                            "load": load_times(log), "errors": load_errors(log),
                            "log": log,
                            "workload": read(os.path.join(r, rung + ".workload"))}
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
      "starved for a while retransmits other segments too).")
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
                ud_cell = "%d / %d / %d" % (want_ud, got_ud, k_ud)
            w("| %s | %s | %d / %d / %d | %s | %s | %s |" % (
                k["name"], rung, want_rt, got_rt, k_rt, ud_cell, sched,
                "–" if qsum is None else "%.2f" % (qsum * 1000)))
            where = "%s/%s" % (k["name"], rung)
            # The kernel's SNMP counters are per network namespace, the programs see every
            # namespace: a guest runs nothing else, but on the host (shared, maybe itself a
            # container) other namespaces' retransmits and drops count too, so only the lower
            # bound holds there.
            top_rt, top_ud = (float("inf"),) * 2 if k["name"] == "host" else (k_rt, k_ud)
            if want_rt <= 0:
                failures.append("%s: the retransmit workload caused none (%s)" % (where, rt or "did not run"))
            elif st.get("tcplat") == "attached" and not want_rt <= got_rt <= top_rt:
                failures.append("%s: tcplat counted %d retransmits: the workload's sockets %d, the "
                                "kernel's RetransSegs %d" % (where, got_rt, want_rt, k_rt))
            if want_ud <= 0:
                failures.append("%s: the UDP drop workload caused none (%s)" % (where, ud or "did not run"))
            elif v >= UDP_RCVBUFF_SINCE and st.get("skbdrop") == "attached" and \
                    not want_ud <= got_ud <= top_ud:
                failures.append("%s: skbdrop counted %d SOCKET_RCVBUFF drops: the socket %d, the "
                                "kernel's RcvbufErrors %d" % (where, got_ud, want_ud, k_ud))
            if sched == "mq-deadline" and st.get("biolat") == "attached" and (qsum is None or qsum <= 0):
                failures.append("%s: mq-deadline on %s but no queue time" % (where, dev))


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
      "QEMU (TCG: `-accel tcg,thread=multi -cpu max -smp 2 -m 1024`; arm64 on the `virt` board, running "
      "the daemon cross-built with `make ARCH=aarch64`) from a busybox initramfs with a virtio scratch "
      "disk under mq-deadline; the host kernel runs the same checks natively on a loop device. Workload "
      "per rung: 64 O_DIRECT 4 KiB writes (fsync every 8) and 64 reads on the scratch disk, 100 loopback "
      "TCP connections with 4 KiB each way (40 on arm64, whose emulation is several times slower), 20 "
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
                    w("| %s | %s | – | – | **no program info** | – | – | – | – | %.1f | see %s.log |" % (
                        k["name"], rung, ready_s, rung))
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
                    if missing:
                        status = "unsupported"
                        detail = ("this kernel lacks %s: %s" % (missing, err)).replace("|", "\\|")
                    elif status != "attached":
                        detail = (err or "see %s.log" % rung).replace("|", "\\|")
                    w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %s |" % (
                        k["name"], rung, prog, hook, status, "?" if ev is None else ev,
                        "–" if runs is None or k["name"] == "host" else runs,
                        "–" if insns is None else insns, "–" if lt is None else "%.0f" % (lt * 1000),
                        ready_s, detail))
                    if missing:
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
        doctor_section(kernels, w, failures)

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
