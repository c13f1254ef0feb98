#!/usr/bin/env python3
"""Concurrent load on one GraphQL query (stdlib only): N connections, each a thread with a
kept-alive HTTP/1.1 connection posting the same body for a time, after a warm-up.

Prints one JSON line: requests per second, p50/p99/max latency in ms, errors. The first
response is checked (HTTP 200, no `errors`), so a benchmark never measures refusals; during
the run a response with `errors` counts as an error.

  load.py --url http://127.0.0.1:18390/graphql --token T --query case-list.graphql \
          --connections 4 --seconds 20 --warmup 5 [--variables '{"year": 2026}'] [--label x]
"""

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse


def post(conn, path, body, headers):
    conn.request("POST", path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token")
    ap.add_argument("--query", required=True, help="file holding the GraphQL document")
    ap.add_argument("--variables", default="{}")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--label", default="")
    ap.add_argument("--once", action="store_true", help="only the checked first request")
    a = ap.parse_args()

    u = urllib.parse.urlsplit(a.url)
    with open(a.query, encoding="utf-8") as f:
        body = json.dumps({"query": f.read(), "variables": json.loads(a.variables)}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if a.token:
        headers["Authorization"] = f"Bearer {a.token}"

    first = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    status, data = post(first, u.path, body, headers)
    reply = json.loads(data)
    if status != 200 or reply.get("errors"):
        print(f"{a.label}: the query fails: HTTP {status} {data[:500]!r}", file=sys.stderr)
        sys.exit(1)
    first.close()
    if a.once:
        return

    start = time.monotonic()
    measure_from = start + a.warmup
    stop = measure_from + a.seconds
    # Requests started from `measure_from` until `stop` are measured, each to its end (a slow
    # dashboard is not dropped for ending after `stop`); the rate is over the time they took.
    latencies, ends, errors, lock = [], [], [0], threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        mine, last, bad = [], measure_from, 0
        while True:
            t0 = time.monotonic()
            if t0 >= stop:
                break
            try:
                status, data = post(conn, u.path, body, headers)
                # A refusal or a timeout can come back as HTTP 200 with `errors`.
                ok = status == 200 and b'"errors"' not in data
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
            t1 = time.monotonic()
            if t0 >= measure_from:
                mine.append(t1 - t0)
                last = max(last, t1)
                bad += 0 if ok else 1
        with lock:
            latencies.extend(mine)
            ends.append(last)
            errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    n = len(latencies)
    elapsed = max(ends, default=measure_from) - measure_from

    def pct(p):
        return round(latencies[min(n - 1, int(p * n))] * 1000, 2) if n else None

    print(json.dumps({
        "label": a.label,
        "connections": a.connections,
        "requests": n,
        "rps": round(n / elapsed, 2) if elapsed > 0 else None,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 2) if n else None,
        "errors": errors[0],
    }))


if __name__ == "__main__":
    main()
