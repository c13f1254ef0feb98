#!/usr/bin/env python3
"""Load generator and verifier for Hub389's fault-injection scripts (stdlib only).

Subcommands (all times are Unix epoch seconds, so that they line up with the
`events.jsonl` that the shell scripts write with `date +%s.%N`):

  write   N writer threads, each creating cases with `createCase(idempotencyKey: ...)`.
          A key is retried (same key, same input) until the server acknowledges it with an
          id or the time is up.  Each acknowledged (key, id, t) is appended to --out, one JSON
          line, flushed per line; every attempt goes to --attempts (optional).
  verify  Reads the database directly (sqlite3 module, or `psql -Atc`) and checks that every
          acknowledged id is present and that no idempotency key made two cases.  Exits 1 when
          anything was lost or duplicated.
  ready   Polls GET /readyz every 200 ms (3 s timeout) and logs each poll.
  counts  The same `{ cases { totalCount } }` read N times at once (do pooled connections agree?).
  sqlite-lock  BEGIN IMMEDIATE from outside the server: is a write transaction left open?
  sqlite-hold  Holds the SQLite write lock a few seconds (writers queue: surely in flight).
  report  Summarises an attempts log and a readiness log around the events of a run
          (fault start / end, signal ...): failures, latencies, recovery, readiness timeline.

Examples:
  load.py write --url http://127.0.0.1:18389 --token "$T" --writers 16 --seconds 20 \\
      --tag df16 --out acks.jsonl --attempts attempts.jsonl
  load.py verify --acks acks.jsonl --tag df16 --sqlite /mnt/x/hub.db
  load.py verify --acks acks.jsonl --tag pg1 --pg postgres://postgres@127.0.0.1:5499/hub389
  load.py ready --url http://127.0.0.1:18389 --seconds 60 --out ready.jsonl
  load.py report --attempts attempts.jsonl --ready ready.jsonl --events events.jsonl \\
      --fault-start fill --fault-end free
"""

import argparse
import collections
import http.client
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

MUTATION = (
    "mutation($k: String, $t: String!) { createCase(idempotencyKey: $k, input: { "
    "title: $t, violationType: COUNTERFEIT, commodityGroup: COSMETICS, channel: INLAND_TRANSPORT, "
    'detectedOn: "2026-11-20", goodsSummary: "fault test" }) { id code } }'
)

TAG_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def now():
    return time.time()


def print_summary(summary, path):
    """Prints a command's summary as JSON and, given --summary, writes it to that file too."""
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    print(text)
    if path:
        with open(path, "w") as f:
            f.write(text + "\n")


def check_tag(tag):
    if not TAG_RE.match(tag):
        sys.exit(f"--tag must match {TAG_RE.pattern}: {tag!r}")
    return tag


def classify_exception(e):
    """A short name for a transport-level failure."""
    if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError):
        if not isinstance(e.reason, BaseException):
            return "URL_ERROR"
        e = e.reason
    if isinstance(e, ConnectionRefusedError):
        return "ECONNREFUSED"
    if isinstance(e, ConnectionResetError):
        return "ECONNRESET"
    if isinstance(e, BrokenPipeError):
        return "EPIPE"
    if isinstance(e, http.client.RemoteDisconnected):
        return "REMOTE_DISCONNECTED"
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "TIMEOUT"
    if isinstance(e, http.client.IncompleteRead):
        return "INCOMPLETE_READ"
    if isinstance(e, http.client.HTTPException):
        return "HTTP_PROTOCOL"
    if isinstance(e, OSError):
        return f"OSERROR_{e.errno}"
    return type(e).__name__


def post_json(url, body, headers, timeout):
    """POST, returning (status, headers, parsed-json-or-None, raw) or raising on transport errors."""
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST")
    for k, v in headers.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status, hdrs = resp.status, resp.headers
    except urllib.error.HTTPError as e:  # non-2xx: still a response
        raw = e.read() if e.fp is not None else b""
        status, hdrs = e.code, e.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, hdrs, parsed, raw


# --------------------------------------------------------------------------------------------
# write


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.outcomes = collections.Counter()  # "200 OK", "200 INTERNAL", "503 UNAVAILABLE", "ECONNREFUSED"
        self.codes = collections.Counter()  # every extensions.code seen
        self.samples = {}  # outcome -> first message
        self.attempts = 0
        self.ok = 0
        self.failed = 0
        self.first_failure = None
        self.first_recovery = None  # first success after the first failure
        self.last_failure = None
        self.max_failed_latency = 0.0
        self.max_ok_latency = 0.0
        self.retry_after = collections.Counter()


def write_cmd(a):
    tag = check_tag(a.tag)
    url = a.url.rstrip("/") + "/graphql"
    headers = {"content-type": "application/json", "authorization": f"Bearer {a.token}"}
    stats = Stats()
    out = open(a.out, "a", buffering=1)
    attempts_f = open(a.attempts, "a", buffering=1) if a.attempts else None
    out_lock = threading.Lock()
    start = now()
    deadline = start + a.seconds
    unacked = []  # keys tried but never acknowledged (outcome unknown to the client)
    acked = [0]
    budget = [a.max_attempts]

    def stop_requested():
        return now() >= deadline or (a.stop_file and os.path.exists(a.stop_file))

    def worker(i):
        n = 0
        while not stop_requested():
            n += 1
            key = f"{tag}-{i}-{n}"
            title = f"{tag} {key}"
            tries = 0
            done = False
            while not stop_requested():
                with stats.lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                tries += 1
                t0 = now()
                status, outcome, case_id, codes, msg, ra = None, None, None, [], None, None
                case_code = None
                try:
                    status, hdrs, body, raw = post_json(
                        url, {"query": MUTATION, "variables": {"k": key, "t": title}}, headers, a.timeout
                    )
                    ra = hdrs.get("retry-after") if hdrs else None
                    errors = (body or {}).get("errors") if isinstance(body, dict) else None
                    if errors:
                        codes = [((e.get("extensions") or {}).get("code") or "NO_CODE") for e in errors]
                        msg = errors[0].get("message")
                    data = (body or {}).get("data") if isinstance(body, dict) else None
                    if status == 200 and not errors and data and data.get("createCase"):
                        case_id = data["createCase"]["id"]
                        # Ids are opaque global ids; the case code names the stored row.
                        case_code = data["createCase"].get("code")
                        outcome = "200 OK"
                    else:
                        outcome = f"{status} {codes[0] if codes else ('NO_JSON' if body is None else 'NO_DATA')}"
                        if msg is None:
                            msg = raw[:200].decode("utf-8", "replace")
                except Exception as e:  # transport failure: connection refused / reset / timeout
                    outcome = classify_exception(e)
                    msg = str(e)[:200]
                t1 = now()
                ok = case_id is not None
                with stats.lock:
                    stats.attempts += 1
                    stats.outcomes[outcome] += 1
                    for c in codes:
                        stats.codes[c] += 1
                    if ra is not None:
                        stats.retry_after[ra] += 1
                    stats.samples.setdefault(outcome, msg)
                    if ok:
                        stats.ok += 1
                        stats.max_ok_latency = max(stats.max_ok_latency, t1 - t0)
                        if stats.first_failure is not None and stats.first_recovery is None:
                            stats.first_recovery = t1
                    else:
                        stats.failed += 1
                        stats.max_failed_latency = max(stats.max_failed_latency, t1 - t0)
                        if stats.first_failure is None:
                            stats.first_failure = t1
                        stats.last_failure = t1
                if attempts_f:
                    line = {
                        "t0": round(t0, 4), "t1": round(t1, 4), "w": i, "key": key, "try": tries,
                        "ok": ok, "outcome": outcome, "status": status, "codes": codes, "id": case_id,
                    }
                    if ra is not None:
                        line["retry_after"] = ra
                    if not ok and msg:
                        line["msg"] = msg[:160]
                    with out_lock:
                        attempts_f.write(json.dumps(line) + "\n")
                if ok:
                    with out_lock:
                        out.write(json.dumps({"key": key, "id": case_id, "code": case_code, "t": round(t1, 4), "tries": tries}) + "\n")
                        acked[0] += 1
                    done = True
                    break
                time.sleep(a.retry_sleep)
            if not done and tries > 0:
                with out_lock:
                    unacked.append(key)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(a.writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = now()
    out.close()
    if attempts_f:
        attempts_f.close()
    s = stats
    summary = {
        "tag": tag,
        "writers": a.writers,
        "seconds": round(end - start, 2),
        "acknowledged": acked[0],
        "attempts": s.attempts,
        "ok": s.ok,
        "failed": s.failed,
        "unacknowledged_keys": len(unacked),
        "outcomes": dict(s.outcomes.most_common()),
        "error_codes": dict(s.codes.most_common()),
        "retry_after": dict(s.retry_after),
        "samples": {k: v for k, v in s.samples.items() if k != "200 OK"},
        "first_failure_s": None if s.first_failure is None else round(s.first_failure - start, 2),
        "first_recovery_s": None if s.first_recovery is None else round(s.first_recovery - start, 2),
        "last_failure_s": None if s.last_failure is None else round(s.last_failure - start, 2),
        "recovery_after_first_failure_s": None
        if s.first_recovery is None
        else round(s.first_recovery - s.first_failure, 2),
        "max_failed_latency_s": round(s.max_failed_latency, 3),
        "max_ok_latency_s": round(s.max_ok_latency, 3),
    }
    print_summary(summary, a.summary)


# --------------------------------------------------------------------------------------------
# verify


def read_acks(path):
    acks = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                acks.append(json.loads(line))
    return acks


def rows_sqlite(path, tag):
    # Read-only URI: the verifier must never change the database it checks.
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        rows = conn.execute(
            "SELECT code, title FROM cases WHERE substr(title, 1, ?) = ?", (len(tag) + 1, tag + " ")
        ).fetchall()
        total = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        conn.close()
    return [(c, t) for c, t in rows], total


def rows_pg(url, tag):
    def psql(sql):
        r = subprocess.run(
            ["psql", url, "-X", "-v", "ON_ERROR_STOP=1", "-AtF", "\t", "-c", sql],
            capture_output=True, text=True, timeout=60,
        )
        if r.returncode != 0:
            sys.exit(f"psql failed: {r.stderr.strip()}")
        return r.stdout

    # tag is checked against TAG_RE, so it is safe inside a literal.
    out = psql(f"SELECT code, title FROM cases WHERE left(title, {len(tag) + 1}) = '{tag} '")
    rows = []
    for line in out.splitlines():
        if line:
            i, t = line.split("\t", 1)
            rows.append((i, t))
    total = int(psql("SELECT count(*) FROM cases").strip())
    return rows, total


def verify_cmd(a):
    tag = check_tag(a.tag)
    acks = read_acks(a.acks)
    if a.sqlite:
        rows, total = rows_sqlite(a.sqlite, tag)
    else:
        rows, total = rows_pg(a.pg, tag)
    ids = {i for i, _ in rows}
    by_title = collections.Counter(t for _, t in rows)
    acked_keys = {x["key"] for x in acks}
    # Acknowledged cases are matched by their code (ids are opaque global ids).
    lost = [x for x in acks if x.get("code") not in ids]
    lost_title_present = [x for x in lost if by_title.get(f"{tag} {x['key']}", 0) > 0]
    dups = {t: c for t, c in by_title.items() if c > 1}
    # The same key acknowledged twice with two different ids (a retry answered with a new id).
    ids_per_key = collections.defaultdict(set)
    for x in acks:
        ids_per_key[x["key"]].add(x["id"])
    key_two_ids = {k: sorted(v) for k, v in ids_per_key.items() if len(v) > 1}
    result = {
        "tag": tag,
        "acknowledged": len(acks),
        "acknowledged_keys": len(acked_keys),
        "rows_with_tag": len(rows),
        "distinct_keys_in_db": len(by_title),
        "unacknowledged_rows": len([t for t in by_title if t[len(tag) + 1:] not in acked_keys]),
        "lost": len(lost),
        "lost_but_key_present_under_other_id": len(lost_title_present),
        "duplicated": sum(c - 1 for c in dups.values()),
        "duplicated_keys": len(dups),
        "key_acknowledged_with_two_ids": len(key_two_ids),
        "cases_total": total,
        "lost_examples": lost[:5],
        "duplicated_examples": dict(list(dups.items())[:5]),
    }
    print_summary(result, a.summary)
    sys.exit(1 if result["lost"] or result["duplicated"] or key_two_ids else 0)


# --------------------------------------------------------------------------------------------
# ready


def ready_cmd(a):
    url = a.url.rstrip("/") + "/readyz"
    end = now() + a.seconds
    with open(a.out, "a", buffering=1) as f:
        while now() < end and not (a.stop_file and os.path.exists(a.stop_file)):
            t0 = now()
            status, err = None, None
            try:
                with urllib.request.urlopen(url, timeout=a.timeout) as r:
                    r.read()
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            except Exception as e:
                err = classify_exception(e)
            t1 = now()
            line = {"t": round(t0, 4), "status": status, "elapsed": round(t1 - t0, 4)}
            if err:
                line["err"] = err
            f.write(json.dumps(line) + "\n")
            time.sleep(max(0.0, a.interval - (now() - t0)))


# --------------------------------------------------------------------------------------------
# report


def read_jsonl(path):
    if not path or not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def readiness_timeline(polls, base):
    """Transitions green <-> red (red = not 200, including timeouts and refusals)."""
    timeline, state = [], None
    for p in polls:
        green = p.get("status") == 200
        label = "green" if green else f"red({p.get('status') or p.get('err')})"
        if label != state:
            timeline.append({"t": round(p["t"] - base, 2), "state": label, "poll_s": p["elapsed"]})
            state = label
    return timeline


def report_cmd(a):
    events = read_jsonl(a.events)
    ev = {}
    for e in events:
        ev.setdefault(e["event"], e["t"])
    attempts = sorted(read_jsonl(a.attempts), key=lambda x: x["t0"])
    polls = sorted(read_jsonl(a.ready), key=lambda x: x["t"])
    base = events[0]["t"] if events else (attempts[0]["t0"] if attempts else 0)
    rel = lambda t: None if t is None else round(t - base, 2)  # noqa: E731
    rep = {"events_s": {k: rel(v) for k, v in ev.items()}}

    def phase(lo, hi):
        sel = [x for x in attempts if (lo is None or x["t0"] >= lo) and (hi is None or x["t0"] < hi)]
        failed = [x for x in sel if not x["ok"]]
        return {
            "attempts": len(sel),
            "ok": len(sel) - len(failed),
            "failed": len(failed),
            "outcomes": dict(collections.Counter(x["outcome"] for x in sel).most_common()),
            "max_failed_latency_s": round(max((x["t1"] - x["t0"] for x in failed), default=0), 3),
            "max_latency_s": round(max((x["t1"] - x["t0"] for x in sel), default=0), 3),
        }

    fs, fe = ev.get(a.fault_start), ev.get(a.fault_end)
    if fs is not None:
        rep["before_fault"] = phase(None, fs)
        rep["during_fault"] = phase(fs, fe)
        if fe is not None:
            rep["after_fault"] = phase(fe, None)
        first_fail = next((x for x in attempts if x["t1"] >= fs and not x["ok"]), None)
        rep["first_failure_after_fault_start_s"] = None if not first_fail else round(first_fail["t1"] - fs, 2)
        if fe is not None:
            after = [x for x in attempts if x["t0"] >= fe]
            fails_after = [x for x in after if not x["ok"]]
            first_ok = next((x for x in after if x["ok"]), None)
            last_t = max((x["t1"] for x in attempts), default=fe)
            tail = [x for x in after if x["t0"] >= last_t - a.tail]
            recovered = bool(tail) and all(x["ok"] for x in tail)
            rep["first_ok_after_fault_end_s"] = None if not first_ok else round(first_ok["t1"] - fe, 2)
            rep["last_failure_after_fault_end_s"] = (
                None if not fails_after else round(max(x["t1"] for x in fails_after) - fe, 2)
            )
            rep["recovered"] = recovered
            # Seconds from the end of the fault until writes succeed for good (no failure after).
            rep["recovery_s"] = (
                None if not recovered else (0.0 if not fails_after else round(max(x["t1"] for x in fails_after) - fe, 2))
            )
            rep["failures_in_last_%gs" % a.tail] = len([x for x in tail if not x["ok"]])
    if a.signal:
        sig = ev.get(a.signal)
        if sig is not None:
            inflight = [x for x in attempts if x["t0"] < sig and x["t1"] >= sig]
            dropped = [x for x in inflight if x["status"] is None]
            old = sig - a.min_age  # surely accepted by the server before the signal
            rep["signal"] = {
                "in_flight_at_signal": len(inflight),
                "min_age_s": a.min_age,
                "in_flight_older_than_min_age": len([x for x in inflight if x["t0"] < old]),
                "completed_with_response": len(inflight) - len(dropped),
                "completed_ok": len([x for x in inflight if x["ok"]]),
                "dropped": len(dropped),
                "dropped_older_than_min_age": len([x for x in dropped if x["t0"] < old]),
                "outcomes": dict(collections.Counter(x["outcome"] for x in inflight).most_common()),
                "max_completion_after_signal_s": round(max((x["t1"] - sig for x in inflight), default=0), 3),
                "started_after_signal": dict(
                    collections.Counter(x["outcome"] for x in attempts if x["t0"] >= sig).most_common()
                ),
            }
    if polls:
        rep["readiness"] = readiness_timeline(polls, base)
        rep["readiness_max_poll_s"] = round(max(p["elapsed"] for p in polls), 3)
        if fs is not None:
            red = next((p for p in polls if p["t"] >= fs and p.get("status") != 200), None)
            rep["readiness_red_after_fault_start_s"] = None if not red else round(red["t"] - fs, 2)
            in_fault = [p for p in polls if p["t"] >= fs and (fe is None or p["t"] < fe)]
            rep["readiness_polls_during_fault"] = dict(
                collections.Counter(str(p.get("status") or p.get("err")) for p in in_fault)
            )
            if fe is not None:
                green = next((p for p in polls if p["t"] >= fe and p.get("status") == 200), None)
                rep["readiness_green_after_fault_end_s"] = None if not green else round(green["t"] + green["elapsed"] - fe, 2)
    print_summary(rep, a.summary)


# --------------------------------------------------------------------------------------------
# counts, sqlite-lock: evidence while the server runs


def counts_cmd(a):
    """The same `totalCount` read N times at once: different answers mean some pooled connection
    sees rows the others do not (an open, uncommitted transaction)."""
    url = a.url.rstrip("/") + "/graphql"
    headers = {"content-type": "application/json", "authorization": f"Bearer {a.token}"}
    results = collections.Counter()
    lock = threading.Lock()

    def one():
        try:
            status, _, body, _ = post_json(url, {"query": "{ cases(first: 1) { totalCount } }"}, headers, 30)
            v = ((body or {}).get("data") or {}).get("cases") if isinstance(body, dict) else None
            r = str(v["totalCount"]) if v else f"{status} {((body or {}).get('errors') or [{}])[0].get('message')}"
        except Exception as e:
            r = classify_exception(e)
        with lock:
            results[r] += 1

    for _ in range(a.rounds):
        ts = [threading.Thread(target=one) for _ in range(a.concurrency)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    print(json.dumps({"totalCount_answers": dict(results.most_common()), "distinct": len(results)}))


def sqlite_lock_cmd(a):
    """Tries BEGIN IMMEDIATE from outside the server: 'locked' while the server is idle means one
    of its connections holds a write transaction open."""
    t0 = now()
    conn = sqlite3.connect(a.sqlite, timeout=a.timeout, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        r = {"write_lock": "free"}
    except sqlite3.OperationalError as e:
        r = {"write_lock": "held by another connection", "error": str(e)}
    finally:
        conn.close()
    r["waited_s"] = round(now() - t0, 2)
    print(json.dumps(r))


def sqlite_hold_cmd(a):
    """Holds the SQLite write lock (BEGIN IMMEDIATE) for --seconds, so that the server's writers
    queue behind it: requests that are certainly in flight."""
    conn = sqlite3.connect(a.sqlite, timeout=10, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print(json.dumps({"held_from": round(now(), 4)}), flush=True)
    time.sleep(a.seconds)
    conn.execute("ROLLBACK")
    conn.close()
    print(json.dumps({"released_at": round(now(), 4)}), flush=True)


# --------------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    w = sub.add_parser("write", help="concurrent createCase writers with idempotency keys")
    w.add_argument("--url", required=True)
    w.add_argument("--token", required=True)
    w.add_argument("--writers", type=int, default=1)
    w.add_argument("--seconds", type=float, default=10)
    w.add_argument("--tag", required=True, help="[A-Za-z0-9_-], starts every key and title")
    w.add_argument("--out", required=True, help="acknowledged writes, JSON lines (appended)")
    w.add_argument("--attempts", help="every attempt, JSON lines (appended)")
    w.add_argument("--summary", help="also write the JSON summary here")
    w.add_argument("--timeout", type=float, default=30, help="per-request timeout (s)")
    w.add_argument("--retry-sleep", type=float, default=0.1)
    w.add_argument("--max-attempts", type=int, default=500_000, help="bound on all requests")
    w.add_argument("--stop-file", help="start no new request once this file exists")
    w.set_defaults(func=write_cmd)

    v = sub.add_parser("verify", help="check acknowledged writes against the database")
    v.add_argument("--acks", required=True)
    v.add_argument("--tag", required=True)
    g = v.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite", help="path of the SQLite file")
    g.add_argument("--pg", help="postgres:// URL (read with psql)")
    v.add_argument("--summary", help="also write the JSON result here")
    v.set_defaults(func=verify_cmd)

    r = sub.add_parser("ready", help="poll /readyz")
    r.add_argument("--url", required=True)
    r.add_argument("--seconds", type=float, default=60)
    r.add_argument("--out", required=True)
    r.add_argument("--interval", type=float, default=0.2)
    r.add_argument("--timeout", type=float, default=3)
    r.add_argument("--stop-file")
    r.set_defaults(func=ready_cmd)

    rp = sub.add_parser("report", help="summarise attempts and readiness around events")
    rp.add_argument("--attempts")
    rp.add_argument("--ready")
    rp.add_argument("--events")
    rp.add_argument("--fault-start")
    rp.add_argument("--fault-end")
    rp.add_argument("--signal", help="event name of a signal: in-flight requests at that instant")
    rp.add_argument("--min-age", type=float, default=0.05,
                    help="in-flight requests started at least this long before the signal count as accepted")
    rp.add_argument("--tail", type=float, default=2.0, help="recovered = every attempt of the last TAIL s ok")
    rp.add_argument("--summary")
    rp.set_defaults(func=report_cmd)

    c = sub.add_parser("counts", help="N concurrent identical totalCount reads")
    c.add_argument("--url", required=True)
    c.add_argument("--token", required=True)
    c.add_argument("--concurrency", type=int, default=16)
    c.add_argument("--rounds", type=int, default=2)
    c.set_defaults(func=counts_cmd)

    sl = sub.add_parser("sqlite-lock", help="is the SQLite write lock held by someone else?")
    sl.add_argument("--sqlite", required=True)
    sl.add_argument("--timeout", type=float, default=2)
    sl.set_defaults(func=sqlite_lock_cmd)

    sh = sub.add_parser("sqlite-hold", help="hold the SQLite write lock for a while")
    sh.add_argument("--sqlite", required=True)
    sh.add_argument("--seconds", type=float, default=2)
    sh.set_defaults(func=sqlite_hold_cmd)

    a = p.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
