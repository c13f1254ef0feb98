#!/usr/bin/env bash
# The read-path benchmark (issue 11): not a test. Runs the case list and the dashboards under
# concurrent load against a release server, next to the same data read by bare SQL, and prints
# requests per second, p50/p99, statements per request and the server's peak RSS.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub389bench scripts/bench/run.sh --cases 1000000
#   scripts/bench/run.sh --cases 100000            # SQLite file under $BENCH_DIR
#
# Options: --cases N (generate until the database holds at least N cases, the demo's 300
# included; timed),
# --seconds S (20), --warmup S (5), --connections "4 16", --deep (also time a page 900,000
# rows in, reached by walking the cursors), --year Y (2026) and --month M (11) for the
# dashboards. Figures vary by ±20 % between runs on a shared machine: compare ratios measured in
# one run. Load comes from wrk when it is installed (load.py otherwise; see lib.sh), and
# PostgreSQL is read without TLS by every client (lib.sh). See README "Benchmarks".
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=scripts/bench
. $HERE/lib.sh
BENCH_DIR=${BENCH_DIR:-/tmp/hub389-bench}
mkdir -p "$BENCH_DIR"
export DATABASE_URL=${DATABASE_URL:-sqlite://$BENCH_DIR/bench.db}
CASES=0 SECONDS_=20 WARMUP=5 CONNS="4 16" DEEP=0 YEAR=2026 MONTH=11
parse_options "--cases CASES --seconds SECONDS_ --warmup WARMUP --connections CONNS --deep DEEP=1 --year YEAR --month MONTH" "$@"

bench_bin
PG=0; case "$DATABASE_URL" in postgres*) PG=1; DATABASE_URL=$(plain_url "$DATABASE_URL") ;; esac

sql() {  # one scalar from the bench database
    if [ $PG = 1 ]; then psql -X -Atq "$DATABASE_URL" -c "$1"
    else local file=${DATABASE_URL#sqlite://}; file=${file%%\?*}
        python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" \
        "$file" "$1"; fi
}

have=$( (sql "SELECT count(*) FROM cases" 2>/dev/null) || echo 0)
if [ "$have" -lt "$CASES" ]; then  # (counts the demo's 300 too)
    echo "== generating $((CASES - have)) cases"
    t0=$(date +%s.%N)
    $BIN seed --cases $((CASES - have)) >/dev/null
    echo "generated in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
fi
if [ $PG = 1 ]; then psql -X -q "$DATABASE_URL" -c "VACUUM ANALYZE" ; fi
echo "== $(sql "SELECT count(*) FROM cases") cases, $(sql "SELECT count(*) FROM subjects") subjects"

# BENCH_PORT (18390) and the port after it: another run's servers on the same ports would answer
# /readyz for ours (and reject our tokens), so a second run at once needs other ports.
LOAD_PORT=${BENCH_PORT:-18390} COUNT_PORT=$((${BENCH_PORT:-18390} + 1))
TOKEN=$($BIN token --role police --agency CA --ttl 2h)
# The dashboard as the police, who read every figure: since stop 34 leaders get no police
# figure, and the statistics document asks for two.
STATS_YEAR="{\"kind\": \"YEAR\", \"year\": $YEAR}"
STATS_MONTH="{\"kind\": \"MONTH\", \"year\": $YEAR, \"month\": $MONTH}"

echo "== statements per request (a second server logging each statement)"
serve $COUNT_PORT HUB389_LOG_STATEMENTS=1 RUST_LOG=warn,sqlx::query=info HUB389_COST_BUDGET_PER_MINUTE=0
count_statements() {  # label, token, query file, variables
    python3 $HERE/load.py --url http://127.0.0.1:$COUNT_PORT/graphql --token "$2" --query "$3" \
        --variables "$4" --once  # warms the caches
    local before after
    before=$(grep -cE "(INFO|WARN).*db\.statement" "$BENCH_DIR/server-$COUNT_PORT.log" || true)
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        python3 $HERE/load.py --url http://127.0.0.1:$COUNT_PORT/graphql --token "$2" --query "$3" \
            --variables "$4" --once
    done
    after=$(grep -cE "(INFO|WARN).*db\.statement" "$BENCH_DIR/server-$COUNT_PORT.log" || true)
    echo "$1: $(python3 -c "print(($after - $before) / 10)") statements per request"
}
count_statements "case list" "$TOKEN" $HERE/case-list.graphql "{}"
count_statements "statistics MONTH" "$TOKEN" $HERE/statistics.graphql "$STATS_MONTH"
count_statements "statistics YEAR" "$TOKEN" $HERE/statistics.graphql "$STATS_YEAR"
stop

# The raw-SQL floor (lib.sh), before the load and again after it: quote the ratio against each.
floors() {  # when
    [ $PG = 1 ] || return 0
    for c in $CONNS; do floor "$c" "$SECONDS_" "$1"; done
}
echo "== bare SQL before the load"
floors "before the load"

echo "== load ($BIN, $SECONDS_ s after $WARMUP s warm-up per run)"
serve $LOAD_PORT RUST_LOG=warn HUB389_COST_BUDGET_PER_MINUTE=0  # throughput, not the per-user budget
run() {  # label, token, query, variables, connections, seconds, warmup
    load "$1" http://127.0.0.1:$LOAD_PORT/graphql "$2" "$3" "$4" "$5" "$6" "$7"
}
CPU_DB=(); [ $PG = 1 ] && CPU_DB=(--database "$(db_name "$DATABASE_URL")")
python3 $HERE/cpu.py --url http://127.0.0.1:$LOAD_PORT/graphql --token "$TOKEN" \
    --query $HERE/case-list.graphql --pid "$SERVER" --label "case list, CPU per request" "${CPU_DB[@]}"
for c in $CONNS; do
    run "case list" "$TOKEN" $HERE/case-list.graphql "{}" "$c" "$SECONDS_" "$WARMUP"
done
run "statistics MONTH" "$TOKEN" $HERE/statistics.graphql "$STATS_MONTH" 1 "$SECONDS_" 1
run "statistics YEAR" "$TOKEN" $HERE/statistics.graphql "$STATS_YEAR" 1 "$SECONDS_" 1
if [ $DEEP = 1 ]; then
    CURSOR=$(python3 $HERE/deep.py http://127.0.0.1:$LOAD_PORT/graphql "$TOKEN" 900000)
    run "first page" "$TOKEN" $HERE/deep-page.graphql "{}" 1 "$SECONDS_" 1
    run "page 900,000 rows in" "$TOKEN" $HERE/deep-page.graphql "{\"after\": \"$CURSOR\"}" 1 "$SECONDS_" 1
fi
echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$SERVER/status)"

echo "== bare SQL, same data"
floors "after the load"
python3 $HERE/bare.py "$DATABASE_URL" "$YEAR" "$MONTH"
