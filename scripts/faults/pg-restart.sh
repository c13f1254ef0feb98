#!/usr/bin/env bash
# PostgreSQL stopped (-m immediate) mid-load and started again: nothing acknowledged lost, no key
# applied twice, outage failures fast and distinct, readiness red during and green soon after.
#
# Starts its own PostgreSQL 15 cluster (initdb in a temp dir, port PG_PORT=5499, run as the
# `postgres` OS user; the machine's server on 5432 is never touched), runs the server against it
# with writers (load.py) and the /readyz poller, `pg_ctl stop -m immediate` LOAD_BEFORE seconds
# into the load, waits OUTAGE seconds, starts it again, keeps writing AFTER seconds, then checks
# the tables with psql: every acknowledged id present, one case per idempotency key. Reports the
# failures during the outage (HTTP status, error code, latency) and the readiness timeline.
#
# Needs root (runs the cluster as `postgres`), PostgreSQL 15 binaries, psql, python3, curl.
#   scripts/faults/pg-restart.sh
#   WRITERS=16 OUTAGE=5 scripts/faults/pg-restart.sh
# Knobs: WRITERS (8), LOAD_BEFORE (6), OUTAGE (5), AFTER (8), PG_PORT (5499), PG_BIN
#   (/usr/lib/postgresql/15/bin), HUB389_DB_TIMEOUT (3, passed to the server), FAULTS_PORT
#   (18391), HUB389_BIN, FAULTS_OUT.
# Exit status: 0 when writes succeeded before the outage and again after it (every attempt of the
# last 2 s ok), lost = 0, duplicated = 0, readiness went red during the outage and green within
# 5 s after, and every failed request during the outage took at most 5 s; 1 otherwise.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

WRITERS="${WRITERS:-8}"
LOAD_BEFORE="${LOAD_BEFORE:-6}"
OUTAGE="${OUTAGE:-5}"
AFTER="${AFTER:-8}"
PG_PORT="${PG_PORT:-5499}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
export HUB389_DB_TIMEOUT="${HUB389_DB_TIMEOUT:-3}"

[ "$(id -u)" = 0 ] || die "needs root (runs the cluster as the postgres user)"
[ -x "$PG_BIN/initdb" ] || die "no PostgreSQL binaries in $PG_BIN"
[ "$PG_PORT" != 5432 ] || die "PG_PORT must not be the machine's main server (5432)"
faults_init pg-restart 18391
port_free "$PG_PORT" || die "port $PG_PORT is in use (set PG_PORT)"

PGDIR="$WORK/pg"
mkdir -p "$PGDIR"
chown postgres: "$PGDIR"
as_pg() { runuser -u postgres -- "$@"; }
pg_ctl_() { as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgres.log" "$@"; }
pg_start() {
    pg_ctl_ -w -t 60 -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGDIR" start >/dev/null
}

say "own PostgreSQL cluster in $PGDIR, port $PG_PORT"
as_pg "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1 ||
    as_pg "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 >"$PGDIR/initdb.log" 2>&1 ||
    die "initdb (see $PGDIR/initdb.log)"
on_exit "runuser -u postgres -- '$PG_BIN/pg_ctl' -D '$PGDIR/data' stop -m immediate >/dev/null 2>&1"
pg_start || die "pg_ctl start (see $PGDIR/postgres.log)"
PGURL_ADMIN="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
psql "$PGURL_ADMIN" -X -qc "CREATE DATABASE hub389" || die "createdb"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/hub389"
tag="pg$RANDOM"

event start
start_server "$WORK/server.log"
wait_ready 180 || { tail -20 "$WORK/server.log" >&2; die "server not ready (rc=$SERVER_RC)"; }
event ready
token="$(mint_token)" || die "token"
note "server ready on $URL"

$LOAD ready --url "$URL" --seconds 300 --out "$WORK/ready.jsonl" --stop-file "$WORK/stop" &
ready_pid=$!
$LOAD write --url "$URL" --token "$token" --writers "$WRITERS" --seconds $((LOAD_BEFORE + OUTAGE + AFTER)) \
    --tag "$tag" --out "$WORK/acks.jsonl" --attempts "$WORK/attempts.jsonl" --summary "$WORK/write.json" >/dev/null &
writers_pid=$!
event load_start
sleep "$LOAD_BEFORE"

say "pg_ctl stop -m immediate; ${OUTAGE}s down"
event pg_stop
pg_ctl_ stop -m immediate >/dev/null || note "pg_ctl stop failed"
sleep "$OUTAGE"
event pg_start
pg_start || die "pg_ctl start after the outage (see $PGDIR/postgres.log)"
event pg_started
note "PostgreSQL back; writing ${AFTER}s more"
wait "$writers_pid"
event load_end
sleep 1
touch "$WORK/stop"
wait "$ready_pid"
stop_server TERM 40
note "server exit status after SIGTERM: $SERVER_RC"

$LOAD verify --acks "$WORK/acks.jsonl" --tag "$tag" --pg "$DATABASE_URL" --summary "$WORK/verify.json" >/dev/null
vrc=$?
$LOAD report --attempts "$WORK/attempts.jsonl" --ready "$WORK/ready.jsonl" --events "$EVENTS" \
    --fault-start pg_stop --fault-end pg_started --summary "$WORK/report.json" >/dev/null

say "result (details in $WORK)"
python3 - "$WORK" "$vrc" <<'PY'
import json, os, sys
d, vrc = sys.argv[1], int(sys.argv[2])
j = lambda n: json.load(open(os.path.join(d, n)))
w, v, r = j("write.json"), j("verify.json"), j("report.json")
during = r.get("during_fault", {})
print(f"   acknowledged {v['acknowledged']}, lost {v['lost']}, duplicated {v['duplicated']} "
      f"(keys never acknowledged {w['unacknowledged_keys']})")
print(f"   requests started during the outage: {during.get('attempts')}, failed {during.get('failed')}, "
      f"outcomes {during.get('outcomes')}, slowest failure {during.get('max_failed_latency_s')} s")
print(f"   after PostgreSQL was back: first ok {r.get('first_ok_after_fault_end_s')} s, last failure "
      f"{r.get('last_failure_after_fault_end_s')} s, recovered: {r.get('recovered')}")
print(f"   readiness: red {r.get('readiness_red_after_fault_start_s')} s after the stop, green "
      f"{r.get('readiness_green_after_fault_end_s')} s after the start; slowest /readyz {r.get('readiness_max_poll_s')} s")
print(f"   readiness polls during the outage: {r.get('readiness_polls_during_fault')}")
print(f"   error codes seen: {w['error_codes']}; Retry-After values: {w['retry_after']}")
for k, m in list(w["samples"].items())[:4]:
    print(f"   sample {k}: {m}")
before = r.get("before_fault", {})
if not before.get("ok"):
    print(f"   NO write succeeded before the outage: {before.get('outcomes')} -- the scenario proves nothing")
ok = (vrc == 0
      and before.get("ok", 0) > 0 and r.get("recovered") is True
      and r.get("readiness_red_after_fault_start_s") is not None
      and r.get("readiness_green_after_fault_end_s") is not None and r["readiness_green_after_fault_end_s"] <= 5
      and during.get("max_failed_latency_s", 0) <= 5)
print(f"pg-restart: acknowledged={v['acknowledged']} lost={v['lost']} duplicated={v['duplicated']} "
      f"max_failed_latency_s={during.get('max_failed_latency_s')} ready_green_after_s={r.get('readiness_green_after_fault_end_s')} "
      f"-> {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
rc=$?
note "server log (errors and warnings, counted):"
log_excerpt "$WORK/server.log" >&2
exit $rc
