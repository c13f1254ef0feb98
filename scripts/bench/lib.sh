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
