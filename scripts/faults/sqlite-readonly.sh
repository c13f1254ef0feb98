#!/usr/bin/env bash
# SQLite file read-only, then writable again: do writes recover without a restart?  And does the
# server refuse to start on a read-only file?
#
# The server runs as `nobody` (root ignores file modes): the database lives in a temp dir owned
# by nobody, the binary is started through `setpriv --reuid=nobody --regid=nogroup --clear-groups`
# with HOME set to that dir.
#
# Scenario A (running server): with the server ready, `chmod a-w` the database file, its -wal
# and -shm and the directory, start WRITERS writers (so the pool opens connections while the
# file is read-only, as it would under any load), keep it read-only RO_SECONDS, restore the modes
# and keep writing AFTER seconds. Reports failures while read-only, whether and when writes
# succeed again without a restart, readiness, and (after a restart) lost/duplicated.
# Scenario B (start-up): stop the server, make the file (and -wal/-shm) read-only, start it:
# expected to refuse to start with a message naming the file; a server that starts is asked
# whether it is ready and made to write once.
#
# Needs root (chown, setpriv), python3, curl.
#   scripts/faults/sqlite-readonly.sh
# Knobs: WRITERS (8), RO_SECONDS (5), AFTER (12), FAULTS_PORT (18390), HUB389_BIN, FAULTS_OUT.
# Exit status: 0 when A recovered without restart (and nothing lost) and B refused to start
# naming the file; 1 otherwise; 2 when the set-up failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

WRITERS="${WRITERS:-8}"
RO_SECONDS="${RO_SECONDS:-5}"
AFTER="${AFTER:-12}"

[ "$(id -u)" = 0 ] || die "needs root (runs the server as nobody)"
command -v setpriv >/dev/null || die "setpriv (util-linux) is needed"
faults_init readonly 18390

DB_DIR="$WORK/db"
mkdir -p "$DB_DIR"
chown nobody:nogroup "$DB_DIR"
chmod 755 "$DB_DIR"
DB="$DB_DIR/hub.db"
export DATABASE_URL="sqlite://$DB?mode=rwc"
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$DB_DIR")
# The binary must be readable and executable by nobody.
if ! "${AS_NOBODY[@]}" test -x "$BIN"; then
    cp "$BIN" "$WORK/hub389" && chmod 755 "$WORK/hub389" && BIN="$WORK/hub389"
fi

ro_files() { local f; for f in "$DB" "$DB-wal" "$DB-shm"; do [ -e "$f" ] && echo "$f"; done; }
modes() { stat -c '%a %U %n' "$DB_DIR" $(ro_files) | tr '\n' ';'; }

# ---------------------------------------------------------------- A
say "A: running server as nobody; file and directory read-only for ${RO_SECONDS}s under load"
: >"$WORK/server-a.log"
chown nobody "$WORK/server-a.log"
event start
start_server "$WORK/server-a.log" "${AS_NOBODY[@]}"
wait_ready 180 || { tail -20 "$WORK/server-a.log" >&2; die "server not ready (rc=$SERVER_RC)"; }
note "server pid $SERVER_PID runs as $(ps -o user= -p "$SERVER_PID")"
token="$(mint_token)" || die "token"
tag="ro$RANDOM"

$LOAD ready --url "$URL" --seconds 300 --out "$WORK/ready.jsonl" --stop-file "$WORK/stop" &
ready_pid=$!
declare -A saved_mode
for f in "$DB_DIR" $(ro_files); do saved_mode[$f]=$(stat -c %a "$f"); done
event readonly
chmod a-w "$DB_DIR" $(ro_files)
note "read-only: $(modes)"
$LOAD write --url "$URL" --token "$token" --writers "$WRITERS" --seconds $((RO_SECONDS + AFTER)) --tag "$tag" \
    --out "$WORK/acks.jsonl" --attempts "$WORK/attempts.jsonl" --summary "$WORK/write.json" >/dev/null &
writers_pid=$!
event load_start
sleep "$RO_SECONDS"
for f in "${!saved_mode[@]}"; do chmod "${saved_mode[$f]}" "$f"; done
event writable
note "writable again: $(modes)"
wait "$writers_pid"
event load_end
touch "$WORK/stop"
wait "$ready_pid"
$LOAD report --attempts "$WORK/attempts.jsonl" --ready "$WORK/ready.jsonl" --events "$EVENTS" \
    --fault-start readonly --fault-end writable --summary "$WORK/report-a.json" >/dev/null
stop_server TERM 40
note "server exit status after SIGTERM: $SERVER_RC"

# Restart (as nobody) to check what was acknowledged is there, then verify from the file.
start_server "$WORK/server-a2.log" "${AS_NOBODY[@]}"
wait_ready 120 || note "restart for verification did not become ready (rc=$SERVER_RC)"
stop_server TERM 40
$LOAD verify --acks "$WORK/acks.jsonl" --tag "$tag" --sqlite "$DB" --summary "$WORK/verify-a.json" >/dev/null
vrc=$?

say "A: result"
python3 - "$WORK" <<'PY'
import json, os, sys
d = sys.argv[1]
j = lambda n: json.load(open(os.path.join(d, n)))
w, v, r = j("write.json"), j("verify-a.json"), j("report-a.json")
print(f"   while read-only: {r.get('during_fault', {}).get('outcomes')}")
print(f"   after writable:  {r.get('after_fault', {}).get('outcomes')}")
print(f"   recovered without restart: {r.get('recovered')}; recovery {r.get('recovery_s')} s after the modes were "
      f"restored (first ok {r.get('first_ok_after_fault_end_s')} s, last failure {r.get('last_failure_after_fault_end_s')} s, "
      f"failures in the last 2 s: {r.get('failures_in_last_2s')})")
print(f"   readiness: {r.get('readiness')}")
print(f"   acknowledged {v['acknowledged']}, lost {v['lost']}, duplicated {v['duplicated']}")
for k, m in list(w["samples"].items())[:4]:
    print(f"   sample {k}: {m}")
PY
note "server log (errors and warnings, counted):"
log_excerpt "$WORK/server-a.log" >&2
a_ok=0
[ "$(json_get "$WORK/report-a.json" recovered)" = True ] || a_ok=1
[ "$vrc" = 0 ] || a_ok=1

# ---------------------------------------------------------------- B
say "B: start on a read-only file"
chmod a-w $(ro_files)
note "modes: $(modes)"
: >"$WORK/server-b.log"
chown nobody "$WORK/server-b.log"
event b_start
start_server "$WORK/server-b.log" "${AS_NOBODY[@]}"
b_result=""
if wait_ready 60; then
    write_out="$(curl -s -m 30 "$URL/graphql" -H "authorization: Bearer $token" -H 'content-type: application/json' \
        -d "{\"query\": \"mutation { createCase(idempotencyKey: \\\"$tag-b-probe\\\", input: { title: \\\"$tag b probe\\\", violationType: COUNTERFEIT, commodityGroup: COSMETICS, channel: INLAND_TRANSPORT, detectedOn: \\\"2026-11-20\\\", goodsSummary: \\\"fault test\\\" }) { id } }\"}")"
    b_result="started and reported ready on a read-only file; a write answered: ${write_out:0:300}"
    stop_server TERM 40
    b_ok=1
else
    [ -n "$SERVER_RC" ] || { stop_server TERM 10; }
    b_result="did not start (exit status $SERVER_RC)"
    if grep -aq "$DB" "$WORK/server-b.log"; then
        b_result="$b_result; its message names the file"
        b_ok=0
    else
        b_result="$b_result; its message does NOT name $DB"
        b_ok=1
    fi
fi
note "$b_result"
if grep -aq '^Error:' "$WORK/server-b.log"; then
    note "its error:"
    grep -a -m1 -A1 '^Error:' "$WORK/server-b.log" | sed 's/^/      /' >&2
else
    note "last lines of its log:"
    sed 's/\x1b\[[0-9;]*m//g' "$WORK/server-b.log" | grep -av '^ *[0-9]*: \|^ *at ' | tail -4 | sed 's/^/      /' >&2
fi
chmod u+w $(ro_files)

say "summary (details in $WORK)"
echo "readonly A: recovered_without_restart=$(json_get "$WORK/report-a.json" recovered) recovery_s=$(json_get "$WORK/report-a.json" recovery_s) acknowledged=$(json_get "$WORK/verify-a.json" acknowledged) lost=$(json_get "$WORK/verify-a.json" lost) -> $([ $a_ok = 0 ] && echo PASS || echo FAIL)"
echo "readonly B: $b_result -> $([ $b_ok = 0 ] && echo PASS || echo FAIL)"
exit $((a_ok | b_ok))
