#!/usr/bin/env python3
"""CPU per request, the figure behind throughput on a machine the servers share with
PostgreSQL: sends N requests (500) one after another on one kept-alive connection, after 50
unmeasured ones, and reads from /proc the CPU time (user + system) that the server process and
the PostgreSQL processes spent meanwhile. Less sensitive than a rate to whatever else runs.

  cpu.py --url URL --query FILE [--variables JSON] [--token T] --pid SERVER_PID [-n N] [--label L]
         [--database NAME]

Prints one JSON line: server and PostgreSQL CPU ms per request, wall ms per request.
"""
import argparse
import http.client
import json
import os
import time
import urllib.parse



def cpu(pids):
    """CPU seconds (user + system) each process has spent, by pid."""
    tck = os.sysconf("SC_CLK_TCK")
    spent = {}
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            spent[p] = (int(f[11]) + int(f[12])) / tck
        except OSError:
            pass
    return spent


def delta(before, after):
    """What the processes spent between two readings: a process that ended meanwhile counts
    nothing, one that started counts all it spent."""
    return sum(t - before.get(p, 0) for p, t in after.items())


def pg_pids(database):
    """PostgreSQL's processes: with `database`, only the backends connected to it (whatever
    else the cluster serves meanwhile — another suite's tests — is not counted)."""
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if open(f"/proc/{p}/comm").read().strip() not in ("postgres", "postmaster"):
                    continue
                title = open(f"/proc/{p}/cmdline").read().replace("\0", " ")
            except OSError:
                continue
            if database is None or f" {database} " in title:
                out.append(p)
    return out


ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)
ap.add_argument("--query", required=True)
ap.add_argument("--variables", default="{}")
ap.add_argument("--token", default="")
ap.add_argument("--pid", required=True)
ap.add_argument("-n", type=int, default=500)
ap.add_argument("--label", default="")
ap.add_argument("--database", help="count only PostgreSQL backends connected to this database")
a = ap.parse_args()
with open(a.query, encoding="utf-8") as f:
    body = json.dumps({"query": f.read(), "variables": json.loads(a.variables)}).encode()
pid, n = a.pid, a.n
u = urllib.parse.urlsplit(a.url)
h = {"Content-Type": "application/json", "Accept": "application/json"}
if a.token:
    h["Authorization"] = "Bearer " + a.token
c = http.client.HTTPConnection(u.hostname, u.port)
for _ in range(50):
    c.request("POST", u.path, body, h)
    c.getresponse().read()
s0, p0, t0 = cpu([pid]), cpu(pg_pids(a.database)), time.monotonic()
for _ in range(n):
    c.request("POST", u.path, body, h)
    r = c.getresponse()
    d = r.read()
    if r.status != 200 or b'"errors"' in d:
        raise SystemExit(f"{a.label}: the query fails: HTTP {r.status} {d[:300]!r}")
s1, p1, t1 = cpu([pid]), cpu(pg_pids(a.database)), time.monotonic()
print(json.dumps({
    "label": a.label,
    "server_cpu_ms": round(1000 * delta(s0, s1) / n, 2),
    "postgres_cpu_ms": round(1000 * delta(p0, p1) / n, 2),
    "wall_ms": round(1000 * (t1 - t0) / n, 2),
}))
