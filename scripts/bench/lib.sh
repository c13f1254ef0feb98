# Shared by run.sh and peer.sh (sourced): the load generator and the database URL.

# A PostgreSQL URL as every client in the comparison reads it: sqlx and libpq (pgbench) use TLS
# when the server offers it, node-postgres (the PostGraphile peer) does not. On one machine that
# is only cost, so every client connects with `sslmode=disable` unless the URL says otherwise.
plain_url() {
    case "$1" in
        *sslmode=*) echo "$1" ;;
        *\?*) echo "$1&sslmode=disable" ;;
        *) echo "$1?sslmode=disable" ;;
    esac
}

# load LABEL URL TOKEN QUERY_FILE VARIABLES CONNECTIONS SECONDS WARMUP
# One JSON line: requests per second, p50/p99/max in ms, errors. The first request is checked
# (load.py --once: HTTP 200, no `errors`). With wrk (Debian package `wrk`; C, a few percent of
# a core) the load generator does not take the CPU the servers need; without it, load.py
# (stdlib Python threads, about a core at these rates) — its figures are lower for every server.
load() {
    local label=$1 url=$2 token=$3 query=$4 variables=$5 conns=$6 seconds=$7 warmup=$8
    python3 "$HERE/load.py" --url "$url" --token "$token" --query "$query" --variables "$variables" \
        --once --label "$label" || return 1
    if command -v wrk >/dev/null 2>&1; then
        local body
        body=$(mktemp)
        python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read(), "variables": json.loads(sys.argv[2])}))' \
            "$query" "$variables" >"$body"
        local threads=$((conns < 2 ? 1 : 2))
        if [ "$warmup" != 0 ]; then
            BENCH_BODY=$body BENCH_TOKEN=$token wrk -t"$threads" -c"$conns" -d"${warmup}s" \
                -s "$HERE/wrk.lua" "$url" >/dev/null
        fi
        BENCH_BODY=$body BENCH_TOKEN=$token BENCH_LABEL=$label BENCH_CONNECTIONS=$conns \
            wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 120s -s "$HERE/wrk.lua" "$url" | grep '^{'
        rm -f "$body"
    else
        python3 "$HERE/load.py" --url "$url" --token "$token" --query "$query" \
            --variables "$variables" --connections "$conns" --seconds "$seconds" \
            --warmup "$warmup" --label "$label"
    fi
}

# The database a PostgreSQL URL names (cpu.py counts only the backends connected to it).
db_name() {
    python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).path.lstrip("/"))' "$1"
}

# bench_bin: the server binary to measure, in $BIN. BENCH_BIN=path measures that binary (two
# builds, one data set); otherwise `cargo build --profile $BENCH_PROFILE` (release; `dev` for a
# quick check of a script). Then the keys every server of a run shares, under $BENCH_DIR/keys.
bench_bin() {
    local profile=${BENCH_PROFILE:-release}
    if [ -n "${BENCH_BIN:-}" ]; then
        BIN=$BENCH_BIN
    else
        cargo build --profile "$profile" -q -p api
        BIN=${CARGO_TARGET_DIR:-target}/$([ "$profile" = dev ] && echo debug || echo "$profile")/hub389
    fi
    [ -f "$BENCH_DIR/keys/hub389.jwt-secret" ] || $BIN keys generate --dir "$BENCH_DIR/keys" >/dev/null
    export HUB389_JWT_SECRET_FILE=$BENCH_DIR/keys/hub389.jwt-secret
    export HUB389_DATA_KEY_FILE=$BENCH_DIR/keys/hub389.data-key
}

# serve PORT [VAR=value…]: starts `$SERVE_BIN serve` ($BIN unless set) on PORT, without demo
# data, and waits for /readyz; its pid is appended to PIDS (killed on exit) and left in
# $SERVER, its log in $BENCH_DIR/server-PORT.log. A server already answering on the port
# (another run's) would answer for ours and reject our tokens, so that stops the run. SERVE_WRAP
# runs the server under a tool (valgrind); readiness then waits up to 5 minutes.
PIDS=()
trap 'kill ${PIDS[@]} 2>/dev/null || true' EXIT
serve() {
    local port=$1; shift
    if curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
        echo "port $port already answers: another server is running there; set BENCH_PORT"; exit 1
    fi
    env HUB389_BIND=127.0.0.1:$port HUB389_DEMO_DATA=false "$@" ${SERVE_WRAP:-} "${SERVE_BIN:-$BIN}" serve \
        >"$BENCH_DIR/server-$port.log" 2>&1 &
    SERVER=$!
    PIDS+=("$SERVER")
    for _ in $(seq 1 1500); do
        curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.2
    done
    echo "server on $port did not start:"; tail -20 "$BENCH_DIR/server-$port.log"; exit 1
}

# stop: stops the server `serve` started last and waits for it to end.
stop() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    PIDS=("${PIDS[@]/$SERVER}")
}

# floor CONNECTIONS SECONDS WHEN: the raw-SQL floor of the case list (pgbench, case-list.sql)
# on $DATABASE_URL, one line. On a shared machine it spreads by ±20 % from one run to the next
# (stop 30), so every ratio in these scripts is taken against a floor measured beside it.
floor() {
    pgbench -n -M prepared -c "$1" -j "$1" -T "$2" -f "$HERE/case-list.sql" "$DATABASE_URL" 2>/dev/null \
        | awk -v c="$1" -v when="$3" '/latency average/ {lat=$4} /^tps/ {tps=$3}
              END {print "case list floor, " c " connections, " when ": " tps " tps, mean " lat " ms"}'
}

# parse_options SPEC ARGS…: SPEC pairs each option with the variable it sets, e.g.
# "--seconds SECONDS_ --deep DEEP=1": `--seconds 5` sets SECONDS_ to 5, `--deep` sets DEEP to 1.
# Anything else stops the script with a usage error.
parse_options() {
    local spec=$1 var; shift
    while [ $# -gt 0 ]; do
        var=$(awk -v o="$1" '{for (i = 1; i < NF; i += 2) if ($i == o) print $(i + 1)}' <<<"$spec")
        case "$var" in
            "") echo "unknown option $1" >&2; exit 2 ;;
            *=*) printf -v "${var%%=*}" '%s' "${var#*=}"; shift ;;
            *) [ $# -ge 2 ] || { echo "$1 takes a value" >&2; exit 2; }
               printf -v "$var" '%s' "$2"; shift 2 ;;
        esac
    done
}
