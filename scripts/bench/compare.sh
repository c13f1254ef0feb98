#!/usr/bin/env bash
# Two builds of the server on one data set, to decide whether a change to the read path pays:
# the case list (case-list.graphql) as police, in rounds that alternate the builds (A B, then
# B A, …) at one connection count, each round followed by the pgbench floor (lib.sh) and each
# build's CPU per request (cpu.py). Figures of builds measured minutes apart on a shared
# machine differ by ±5 % for the same code (stop 30); alternating spreads that over both.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub389bench \
#     scripts/bench/compare.sh OLD_BINARY NEW_BINARY [--rounds 3] [--seconds 10] [--warmup 2] \
#       [--connections 4] [--instructions]
#
# The database: one that run.sh --cases N has filled. Build each binary with
# `cargo build --profile profiling -p api` (release with symbols) in its own CARGO_TARGET_DIR.
# --instructions also counts each build's instructions per case list under valgrind's
# callgrind (40 requests unmeasured, then 200 counted; two worker threads): slow (a minute or
# two per build), but the same count each time for the same binary and data, whatever else the
# machine does — the figure a change of a few percent can be judged by.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=scripts/bench
. $HERE/lib.sh
BENCH_DIR=${BENCH_DIR:-/tmp/hub389-bench}
[ $# -ge 2 ] || { sed -n 2,17p "$0"; exit 2; }
A=$1 B=$2; shift 2
ROUNDS=3 SECONDS_=10 WARMUP=2 CONNS=4 INSTRUCTIONS=0
parse_options "--rounds ROUNDS --seconds SECONDS_ --warmup WARMUP --connections CONNS --instructions INSTRUCTIONS=1" "$@"
: "${DATABASE_URL:?DATABASE_URL names the PostgreSQL database run.sh filled}"
DATABASE_URL=$(plain_url "$DATABASE_URL")
BENCH_BIN=$A bench_bin
PORT=${BENCH_PORT:-18390}
URL=http://127.0.0.1:$PORT/graphql
TOKEN=$($A token --role police --agency CA --ttl 2h)
ENV=(RUST_LOG=warn HUB389_COST_BUDGET_PER_MINUTE=0)

# one LABEL BINARY: the build's CPU per request, then its throughput.
one() {
    SERVE_BIN=$2 serve "$PORT" "${ENV[@]}"
    python3 $HERE/cpu.py --url "$URL" --token "$TOKEN" --query $HERE/case-list.graphql \
        --pid "$SERVER" -n 1500 --label "$1, CPU per request" --database "$(db_name "$DATABASE_URL")"
    load "$1" "$URL" "$TOKEN" $HERE/case-list.graphql "{}" "$CONNS" "$SECONDS_" "$WARMUP"
    stop
}

for r in $(seq 1 "$ROUNDS"); do
    echo "== round $r"
    if [ $((r % 2)) = 1 ]; then one "A $r" "$A"; one "B $r" "$B"
    else one "B $r" "$B"; one "A $r" "$A"; fi
    floor "$CONNS" "$SECONDS_" "after round $r"
done

# instructions LABEL BINARY: instructions per case list under callgrind (counting switched on
# only around the 200 measured requests; the file is written when the server stops).
instructions() {
    local out=$BENCH_DIR/callgrind.$1 body
    body=$(mktemp)
    python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' \
        $HERE/case-list.graphql >"$body"
    ask() {  # N requests, one after another
        for _ in $(seq 1 "$1"); do
            curl -fs -o /dev/null "$URL" -H "authorization: Bearer $TOKEN" \
                -H 'content-type: application/json' --data-binary @"$body"
        done
    }
    rm -f "$out"
    SERVE_BIN=$2 SERVE_WRAP="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$out" \
        serve "$PORT" "${ENV[@]}" TOKIO_WORKER_THREADS=2
    ask 40
    callgrind_control -i on "$SERVER" >/dev/null 2>&1
    ask 200
    callgrind_control -i off "$SERVER" >/dev/null 2>&1
    stop
    rm -f "$body"
    local total
    total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    python3 -c "print('$1: %d instructions per case list (callgrind, 200 requests)' % ($total / 200))"
}
if [ $INSTRUCTIONS = 1 ]; then
    command -v valgrind >/dev/null || { echo "--instructions needs valgrind"; exit 1; }
    instructions A "$A"
    instructions B "$B"
fi
