#!/usr/bin/env bash
# SQLite disk full mid-load: is every acknowledged write still there after a restart?
#
# For each writer count (default "1 16"): mounts a small tmpfs, runs the server on a SQLite file
# there, starts the writers (scripts/faults/load.py: each key retried until acknowledged) and the
# /readyz poller, fills the tmpfs to 100 % with a filler file for FILL_SECONDS, removes it, keeps
# writing, then checks from outside while the server still runs (rows an outside reader sees, the
# SQLite write lock, whether the pool's connections agree on one count), stops the server with
# SIGTERM, restarts it on the same file (it must come up), stops it, and reads the file directly:
# every acknowledged id present (lost = 0) and one case per idempotency key (duplicated = 0).
#
# Needs root (mount), python3, curl. Usage:
#   scripts/faults/sqlite-disk-full.sh                    # 1 writer, then 16
#   WRITERS="16" FILL_SECONDS=3 scripts/faults/sqlite-disk-full.sh
# Knobs: WRITERS, LOAD_SECONDS (20), FILL_AT (6 s into the load), FILL_SECONDS (3),
#   FILL_UNTIL_FAILURE=1 (keep the disk full, up to FILL_MAX_SECONDS=20, until a write fails),
#   TMPFS_MB (64), FAULTS_PORT (18389), HUB389_BIN, FAULTS_OUT.
# Exit status: 0 when no run lost or duplicated anything and writes succeeded again after the
# space was freed (without a restart); 1 otherwise; 2 when the set-up failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

WRITERS="${WRITERS:-1 16}"
LOAD_SECONDS="${LOAD_SECONDS:-20}"
FILL_AT="${FILL_AT:-6}"
FILL_SECONDS="${FILL_SECONDS:-3}"
FILL_UNTIL_FAILURE="${FILL_UNTIL_FAILURE:-0}"
FILL_MAX_SECONDS="${FILL_MAX_SECONDS:-20}"
TMPFS_MB="${TMPFS_MB:-64}"

[ "$(id -u)" = 0 ] || die "needs root (mounts a tmpfs)"
faults_init disk-full 18389
export HUB389_DB_TIMEOUT="${HUB389_DB_TIMEOUT:-3}"

failures_since() { # ATTEMPTS EPOCH: failed attempts that ended after EPOCH
    python3 -c 'import json, sys
n = 0
for l in open(sys.argv[1]):
    try: x = json.loads(l)
    except ValueError: continue
    n += (not x["ok"]) and x["t1"] >= float(sys.argv[2])
print(n)' "$1" "$2"
}

overall=0
SUMMARY_LINES=()

run_case() {
    local w=$1 dir="$WORK/w$1" mnt="$WORK/w$1/mnt" tag="df$1x$RANDOM" t_fill held
    mkdir -p "$mnt"
    mount -t tmpfs -o "size=${TMPFS_MB}m,mode=0755" tmpfs "$mnt" || die "mount tmpfs on $mnt"
    on_exit "umount -l '$mnt' 2>/dev/null"
    EVENTS="$dir/events.jsonl"
    : >"$EVENTS"
    export DATABASE_URL="sqlite://$mnt/hub.db?mode=rwc"

    say "disk full, $w writer(s): server on a ${TMPFS_MB} MB tmpfs ($mnt)"
    event start
    start_server "$dir/server.log"
    wait_ready 180 || { tail -20 "$dir/server.log" >&2; die "server not ready (rc=$SERVER_RC)"; }
    event ready
    local token
    token="$(mint_token)" || die "token"
    note "ready; $(df -h --output=used,avail,pcent "$mnt" | tail -1 | xargs) used/avail/use of the tmpfs"

    $LOAD ready --url "$URL" --seconds 300 --out "$dir/ready.jsonl" --stop-file "$dir/stop" &
    local ready_pid=$!
    $LOAD write --url "$URL" --token "$token" --writers "$w" --seconds "$LOAD_SECONDS" --tag "$tag" \
        --out "$dir/acks.jsonl" --attempts "$dir/attempts.jsonl" --summary "$dir/write.json" >/dev/null &
    local writers_pid=$!
    event load_start

    sleep "$FILL_AT"
    event fill
    t_fill=$(date +%s.%N)
    dd if=/dev/zero of="$mnt/filler" bs=1M status=none 2>/dev/null
    dd if=/dev/zero of="$mnt/filler2" bs=4k status=none 2>/dev/null
    note "filled: $(df --output=pcent "$mnt" | tail -1 | xargs) of the tmpfs used"
    sleep "$FILL_SECONDS"
    held=$FILL_SECONDS
    if [ "$FILL_UNTIL_FAILURE" = 1 ]; then
        while [ "$(failures_since "$dir/attempts.jsonl" "$t_fill")" = 0 ] && ((held < FILL_MAX_SECONDS)); do
            sleep 1
            held=$((held + 1))
        done
    fi
    rm -f "$mnt/filler" "$mnt/filler2"
    event free
    note "freed after ${held}s full; $(failures_since "$dir/attempts.jsonl" "$t_fill") failed attempts so far"

    wait "$writers_pid"
    event load_end
    touch "$dir/stop"
    wait "$ready_pid"

    say "while the server still runs (no load)"
    $LOAD verify --acks "$dir/acks.jsonl" --tag "$tag" --sqlite "$mnt/hub.db" --summary "$dir/live.json" >/dev/null
    note "outside reader: acknowledged $(json_get "$dir/live.json" acknowledged), not visible: $(json_get "$dir/live.json" lost)"
    $LOAD sqlite-lock --sqlite "$mnt/hub.db" --timeout 2 >"$dir/lock.json"
    note "SQLite write lock from outside: $(cat "$dir/lock.json")"
    $LOAD counts --url "$URL" --token "$token" --concurrency 16 --rounds 2 >"$dir/counts.json"
    note "16×2 identical totalCount reads through the API: $(cat "$dir/counts.json")"

    say "SIGTERM, restart on the same file"
    event sigterm
    stop_server TERM 40
    local rc1=$SERVER_RC
    note "exit status after SIGTERM: $rc1"
    event restart
    start_server "$dir/server2.log"
    local restarted=yes
    if ! wait_ready 120; then
        restarted="no (rc=$SERVER_RC)"
        tail -5 "$dir/server2.log" >&2
    fi
    event restarted
    note "restarted and ready: $restarted"
    stop_server TERM 40

    $LOAD verify --acks "$dir/acks.jsonl" --tag "$tag" --sqlite "$mnt/hub.db" --summary "$dir/verify.json" >/dev/null
    local vrc=$?
    $LOAD report --attempts "$dir/attempts.jsonl" --ready "$dir/ready.jsonl" --events "$EVENTS" \
        --fault-start fill --fault-end free --summary "$dir/report.json" >/dev/null

    say "result, $w writer(s)"
    python3 - "$dir" <<'PY'
import json, sys, os
d = sys.argv[1]
j = lambda n: json.load(open(os.path.join(d, n)))
w, v, r = j("write.json"), j("verify.json"), j("report.json")
print(f"   acknowledged {v['acknowledged']}, lost {v['lost']}, duplicated {v['duplicated']} "
      f"(rows with the tag {v['rows_with_tag']}, keys never acknowledged {w['unacknowledged_keys']})")
print(f"   attempts {w['attempts']}: {w['outcomes']}")
print(f"   during the fault: {r.get('during_fault', {}).get('outcomes')}; after it: {r.get('after_fault', {}).get('outcomes')}")
print(f"   first failure {r.get('first_failure_after_fault_start_s')} s after the fill; recovered: {r.get('recovered')}, "
      f"recovery {r.get('recovery_s')} s after the space was freed (last failure {r.get('last_failure_after_fault_end_s')} s)")
print(f"   readiness: {r.get('readiness')}")
for k, m in list(w["samples"].items())[:4]:
    print(f"   sample {k}: {m}")
PY
    note "server log (errors and warnings, counted):"
    log_excerpt "$dir/server.log" >&2
    SUMMARY_LINES+=("$(python3 - "$dir" "$w" <<'PY'
import json, os, sys
d, w = sys.argv[1], sys.argv[2]
v = json.load(open(os.path.join(d, "verify.json")))
r = json.load(open(os.path.join(d, "report.json")))
print(f"writers={w:>2} acknowledged={v['acknowledged']} lost={v['lost']} duplicated={v['duplicated']} "
      f"failed_while_full={r.get('during_fault', {}).get('failed')} recovered={r.get('recovered')} "
      f"recovery_s={r.get('recovery_s')} readiness_red_while_full={r.get('readiness_red_after_fault_start_s') is not None} "
      f"ready_green_after_free_s={r.get('readiness_green_after_fault_end_s')}")
PY
) exit_after_sigterm=$rc1 restarted=$restarted")
    [ "$vrc" = 0 ] || overall=1
    [ "$(json_get "$dir/report.json" recovered)" = True ] || overall=1
    [ "$(json_get "$dir/report.json" during_fault failed)" != 0 ] ||
        note "WARNING: no write failed while the disk was full: the fault was not exercised (try FILL_UNTIL_FAILURE=1)"
    umount -l "$mnt" 2>/dev/null
}

for w in $WRITERS; do
    run_case "$w"
done

say "summary (details in $WORK)"
printf '   %s\n' "${SUMMARY_LINES[@]}"
exit $overall
