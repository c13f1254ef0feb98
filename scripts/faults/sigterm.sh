#!/usr/bin/env bash
# SIGTERM under load: does every in-flight request get its response, and does the process exit 0
# saying it shut down?
#
# Runs the server on a fresh SQLite file, 16 writers (load.py, createCase with idempotency keys)
# and the /readyz poller; after LOAD_BEFORE seconds sends SIGTERM to the server process itself
# (its pid, not a parent shell), stops the writers from starting new requests, waits for the
# process to exit (up to GRACE + 15 s), then classifies every request that was in flight at the
# signal: answered (any HTTP status) or dropped (connection reset / closed without a response).
# Finally restarts on the file and checks that every acknowledged write is there.
#
# Needs python3, curl. Usage:
#   scripts/faults/sigterm.sh
#   WRITERS=32 HUB389_SHUTDOWN_GRACE=10 scripts/faults/sigterm.sh
# With HOLD > 0 (default 2 s) an outside connection holds the SQLite write lock for HOLD
# seconds and the signal comes in the middle of it, so every writer is certainly in flight
# (accepted and waiting on the database, HOLD/2 s old) at the signal; the lock is shorter than
# HUB389_DB_TIMEOUT (3 s), so the queued writes then succeed. HOLD=0 sends the signal into
# free-running load instead.
# Knobs: WRITERS (16), LOAD_BEFORE (5), HOLD (2), HUB389_SHUTDOWN_GRACE (30, passed to the server),
#   FAULTS_PORT (18392), HUB389_BIN, FAULTS_OUT.
# Exit status: 0 when no in-flight request was dropped, the exit status was 0, the log says it
# shut down and nothing acknowledged was lost; 1 otherwise; 2 when the set-up failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

WRITERS="${WRITERS:-16}"
LOAD_BEFORE="${LOAD_BEFORE:-5}"
HOLD="${HOLD:-2}"
export HUB389_SHUTDOWN_GRACE="${HUB389_SHUTDOWN_GRACE:-30}"

faults_init sigterm 18392
export DATABASE_URL="sqlite://$WORK/hub.db?mode=rwc"
tag="st$RANDOM"

say "server on $WORK/hub.db, $WRITERS writers"
event start
start_server "$WORK/server.log"
wait_ready 180 || { tail -20 "$WORK/server.log" >&2; die "server not ready (rc=$SERVER_RC)"; }
token="$(mint_token)" || die "token"
pid=$SERVER_PID
note "server pid $pid ($(tr '\0' ' ' </proc/$pid/cmdline))"

$LOAD ready --url "$URL" --seconds 200 --out "$WORK/ready.jsonl" --stop-file "$WORK/stop-ready" &
ready_pid=$!
$LOAD write --url "$URL" --token "$token" --writers "$WRITERS" --seconds 120 --tag "$tag" \
    --out "$WORK/acks.jsonl" --attempts "$WORK/attempts.jsonl" --summary "$WORK/write.json" \
    --stop-file "$WORK/stop-writers" >/dev/null &
writers_pid=$!
event load_start
sleep "$LOAD_BEFORE"

if [ "$HOLD" != 0 ]; then
    # Queue the writers behind an outside write lock so that all of them are certainly in
    # flight (accepted, waiting on the database) when the signal comes; released HOLD/2 s later.
    $LOAD sqlite-hold --sqlite "$WORK/hub.db" --seconds "$HOLD" >"$WORK/hold.jsonl" &
    hold_pid=$!
    sleep "$(python3 -c "print($HOLD / 2)")"
fi
say "SIGTERM to pid $pid"
event sigterm
kill -TERM "$pid"
touch "$WORK/stop-writers"
t0=$SECONDS
deadline=$((SECONDS + HUB389_SHUTDOWN_GRACE + 15))
while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
if kill -0 "$pid" 2>/dev/null; then
    note "still running after $((SECONDS - t0)) s: SIGKILL"
    kill -9 "$pid"
fi
wait "$pid" 2>/dev/null
rc=$?
SERVER_PID=""
event exited
note "exited with status $rc after ~$((SECONDS - t0)) s"
wait "$writers_pid"
touch "$WORK/stop-ready"
wait "$ready_pid"

[ "$HOLD" != 0 ] && wait "$hold_pid"
min_age=$(python3 -c "print(max(0.05, $HOLD / 4))")
$LOAD report --attempts "$WORK/attempts.jsonl" --ready "$WORK/ready.jsonl" --events "$EVENTS" \
    --signal sigterm --min-age "$min_age" --summary "$WORK/report.json" >/dev/null

say "restart on the same file and verify"
start_server "$WORK/server2.log"
if wait_ready 120; then restarted=yes; else restarted="no (rc=$SERVER_RC)"; fi
stop_server INT 40
$LOAD verify --acks "$WORK/acks.jsonl" --tag "$tag" --sqlite "$WORK/hub.db" --summary "$WORK/verify.json" >/dev/null
vrc=$?

shutdown_lines="$(grep -aiE 'shut ?down|shutting|signal|drain|grace' "$WORK/server.log" | sed 's/\x1b\[[0-9;]*m//g' | tail -5)"

say "result (details in $WORK)"
python3 - "$WORK" "$rc" <<'PY'
import json, os, sys
d, rc = sys.argv[1], int(sys.argv[2])
r = json.load(open(os.path.join(d, "report.json")))
v = json.load(open(os.path.join(d, "verify.json")))
s = r.get("signal", {})
print(f"   in flight at SIGTERM: {s.get('in_flight_at_signal')} (started >= {s.get('min_age_s')} s before it: {s.get('in_flight_older_than_min_age')})")
print(f"   answered: {s.get('completed_with_response')} (ok {s.get('completed_ok')}), dropped: {s.get('dropped')} "
      f"(of those started >= {s.get('min_age_s')} s before: {s.get('dropped_older_than_min_age')}); outcomes {s.get('outcomes')}")
print(f"   last in-flight answer {s.get('max_completion_after_signal_s')} s after the signal; requests started after it: {s.get('started_after_signal')}")
print(f"   exit status {rc}{' (killed by SIGTERM)' if rc == 143 else ''}")
print(f"   readiness: {r.get('readiness')}")
print(f"   after restart: acknowledged {v['acknowledged']}, lost {v['lost']}, duplicated {v['duplicated']}")
PY
note "restarted: $restarted"
if [ -n "$shutdown_lines" ]; then
    note "log lines about the shutdown:"
    sed 's/^/      /' <<<"$shutdown_lines" >&2
else
    note "the log says nothing about shutting down (last lines:)"
    tail -3 "$WORK/server.log" | sed 's/\x1b\[[0-9;]*m//g' | sed 's/^/      /' >&2
fi
dropped="$(json_get "$WORK/report.json" signal dropped_older_than_min_age)"
ok=0
[ "$dropped" = 0 ] || ok=1
[ "$rc" = 0 ] || ok=1
grep -qai 'shut down' "$WORK/server.log" || ok=1
[ "$vrc" = 0 ] || ok=1
[ "$(json_get "$WORK/verify.json" acknowledged)" != 0 ] || { note "nothing was acknowledged: the scenario proves nothing"; ok=1; }
echo "sigterm: in_flight=$(json_get "$WORK/report.json" signal in_flight_at_signal) dropped=$(json_get "$WORK/report.json" signal dropped) exit=$rc logged_shut_down=$(grep -qai 'shut down' "$WORK/server.log" && echo yes || echo no) lost=$(json_get "$WORK/verify.json" lost) -> $([ $ok = 0 ] && echo PASS || echo FAIL)"
exit $ok
