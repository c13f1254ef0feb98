#!/usr/bin/env bash
# The case list against the peer (issue 11): Hub389 and PostGraphile 5 on the same PostgreSQL
# database, the same 50 newest cases with lead agency, commune, subjects and seizures, measured
# interleaved (ours, peer, ours, peer) so drift on a shared machine hits both alike.
#
#   1. a database filled by Hub389 (scripts/bench/run.sh --cases N leaves one), VACUUM ANALYZEd;
#   2. PostGraphile running on it as ../shared/peers/README.md says (port 5679 by default);
#   3. DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub389bench scripts/bench/peer.sh
#
# Options: --connections "4 16", --seconds S (15), --warmup S (3), --rounds R (2),
# --peer URL (http://127.0.0.1:5679/graphql). Prints each server's CPU per request (cpu.py,
# the least noisy figure), one load line per run (wrk when installed, see lib.sh), then the
# servers' peak RSS. BENCH_DIR and BENCH_PROFILE as for run.sh (the same keys are reused).
# Start the peer on the same URL without TLS, as lib.sh connects Hub389.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=scripts/bench
. $HERE/lib.sh
BENCH_DIR=${BENCH_DIR:-/tmp/hub389-bench}
CONNS="4 16" SECONDS_=15 WARMUP=3 ROUNDS=2 PEER=http://127.0.0.1:5679/graphql
parse_options "--connections CONNS --seconds SECONDS_ --warmup WARMUP --rounds ROUNDS --peer PEER" "$@"
: "${DATABASE_URL:?DATABASE_URL names the PostgreSQL database both servers read}"
DATABASE_URL=$(plain_url "$DATABASE_URL")
bench_bin
serve 18390 RUST_LOG=warn HUB389_COST_BUDGET_PER_MINUTE=0
TOKEN=$($BIN token --role police --agency CA --ttl 2h)

PEER_PID=$(pgrep -f "postgraphile/dist/cli-run.js" | head -n 1 || true)
for r in $(seq 1 "$ROUNDS"); do
    python3 $HERE/cpu.py --url http://127.0.0.1:18390/graphql --token "$TOKEN" \
        --query $HERE/case-list.graphql --pid "$SERVER" --label "hub389 CPU, round $r" \
        --database "$(db_name "$DATABASE_URL")"
    [ -n "$PEER_PID" ] && python3 $HERE/cpu.py --url "$PEER" \
        --query $HERE/case-list.postgraphile.graphql --pid "$PEER_PID" \
        --label "postgraphile CPU, round $r" --database "$(db_name "$DATABASE_URL")"
done
for c in $CONNS; do
    for r in $(seq 1 "$ROUNDS"); do
        load "hub389 round $r" http://127.0.0.1:18390/graphql "$TOKEN" $HERE/case-list.graphql "{}" \
            "$c" "$SECONDS_" "$WARMUP"
        load "postgraphile round $r" "$PEER" "" $HERE/case-list.postgraphile.graphql "{}" \
            "$c" "$SECONDS_" "$WARMUP"
    done
done
echo "hub389 peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$SERVER/status)"
[ -n "$PEER_PID" ] && echo "postgraphile peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$PEER_PID/status)"
