#!/usr/bin/env bash
# Runs the GraphQL fuzzer (fuzz.mjs) against a private Hub389 server.
#
#   scripts/fuzz/run.sh [--ops N] [--seed S] [--concurrency C] [other fuzz.mjs options]
#
# - waits (up to FUZZ_BIN_WAIT seconds, default 2400, polling every 30 s) until the server
#   binary exists and no `cargo build` is running, then COPIES it to a temporary directory, so
#   a rebuild during the run changes nothing;
# - starts it on a free port of 127.0.0.1 with a fresh SQLite database in that directory (the
#   server loads the demo data and generates its signing secret and data key beside it);
# - waits for GET /readyz, mints one token per role with `hub389 token` (same database
#   directory, so the same secret);
# - runs fuzz.mjs, then stops the server (SIGTERM) and checks that it shut down cleanly.
#
# Environment: HUB389_BIN (default target/debug/hub389), FUZZ_OUT (where fuzz-failures.json and
# fuzz-summary.json go; default the run directory), FUZZ_KEEP=1 keeps the database too,
# FUZZ_BIN_WAIT (seconds), RUST_LOG (server log filter, default info),
# FUZZ_LIMITS=open (default) or server: `open` lets every role send any document and turns the
# per-user cost budget and the tip, tracking and publication-refusal rate limits off, so random
# operations reach the resolvers; `server` keeps the server's defaults (press and anonymous may
# then run only registered documents, and budgets answer RATE_LIMITED),
# FUZZ_SERVER_ENV="HUB389_X=1 HUB389_Y=2": more server variables, applied last.
# Exit status: fuzz.mjs's (0 clean, 1 failures found, 2 set-up error), or 1 when the server did
# not shut down cleanly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN_SRC="${HUB389_BIN:-$ROOT/target/debug/hub389}"
WAIT="${FUZZ_BIN_WAIT:-2400}"

if ! command -v node >/dev/null; then
    echo "fuzz: needs Node ≥ 20" >&2
    exit 2
fi
if [ ! -d "$ROOT/clients/node_modules/graphql" ]; then
    echo "fuzz: installing the clients' packages (npm ci)…" >&2
    (cd "$ROOT/clients" && npm ci --no-audit --no-fund >/dev/null)
fi

# 1. The binary, once no build is writing it.
waited=0
while [ ! -x "$BIN_SRC" ] || pgrep -f "cargo build" >/dev/null; do
    if [ "$waited" -ge "$WAIT" ]; then
        echo "fuzz: no usable binary at $BIN_SRC after ${WAIT}s (build it: cargo build -p api, or set HUB389_BIN)" >&2
        exit 2
    fi
    echo "fuzz: waiting for $BIN_SRC (exists: $([ -x "$BIN_SRC" ] && echo yes || echo no); cargo build running: $(pgrep -f 'cargo build' >/dev/null && echo yes || echo no))…" >&2
    sleep 30
    waited=$((waited + 30))
done

RUN="$(mktemp -d "${TMPDIR:-/tmp}/hub389-fuzz.XXXXXX")"
BIN="$RUN/hub389"
cp "$BIN_SRC" "$BIN"
chmod +x "$BIN"
"$BIN" --version >/dev/null # a truncated copy would fail here
# The full schema of this very binary (the checked-in schema.graphql may lag or be mid-rewrite).
"$BIN" schema >"$RUN/schema.graphql" 2>/dev/null || rm -f "$RUN/schema.graphql"
OUT="${FUZZ_OUT:-$RUN}"
mkdir -p "$OUT"

# 2. The server's environment: nothing of the caller's HUB389_* or DATABASE_URL leaks in.
for v in $(compgen -e); do
    case "$v" in HUB389_* | DATABASE_URL) unset "$v" ;; esac
done
PORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
export DATABASE_URL="sqlite://$RUN/hub.db?mode=rwc"
export HUB389_BIND="127.0.0.1:$PORT"
export HUB389_SHUTDOWN_GRACE=5s
export RUST_LOG="${RUST_LOG:-info}"
export NO_COLOR=1
case "${FUZZ_LIMITS:-open}" in
    open)
        export HUB389_TRUSTED_DOCUMENTS_ONLY=none
        export HUB389_COST_BUDGET_PER_MINUTE=0
        export HUB389_TIP_RATE_PER_MINUTE=0
        export HUB389_TIP_STATUS_RATE_PER_MINUTE=0
        export HUB389_PUBLICATION_REFUSALS_PER_HOUR=0
        ;;
    server) ;;
    *)
        echo "fuzz: FUZZ_LIMITS is open or server, not ${FUZZ_LIMITS}" >&2
        exit 2
        ;;
esac
for kv in ${FUZZ_SERVER_ENV:-}; do
    export "${kv?}"
done
URL="http://127.0.0.1:$PORT"

SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    rm -f "$BIN" "$RUN/tokens.json"
    if [ "${FUZZ_KEEP:-0}" != 1 ]; then
        rm -f "$RUN"/hub.db "$RUN"/hub.db-* "$RUN"/*.jwt-secret "$RUN"/*.data-key
    fi
}
trap cleanup EXIT

(cd "$RUN" && exec "$BIN" serve) >"$RUN/server.log" 2>&1 &
SERVER_PID=$!
echo "fuzz: server $SERVER_PID on $URL (limits: ${FUZZ_LIMITS:-open}), files in $RUN" >&2

for _ in $(seq 1 600); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "fuzz: the server exited during start-up:" >&2
        tail -n 40 "$RUN/server.log" >&2
        exit 2
    fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz" || true)" = 200 ]; then
        break
    fi
    sleep 0.2
done
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz" || true)" != 200 ]; then
    echo "fuzz: the server is not ready after 120 s:" >&2
    tail -n 40 "$RUN/server.log" >&2
    exit 2
fi

# 3. One token per role (the CLI reads the secret beside the database, like the server).
token() { (cd "$RUN" && "$BIN" token "$@" 2>>"$RUN/token.log"); }
umask 077
cat >"$RUN/tokens.json" <<EOF
{
  "police": "$(token --role police --agency CA)",
  "customs": "$(token --role customs --agency HQ)",
  "press": "$(token --role press --agency BAO_LS)",
  "commune": "$(token --role commune --agency UBND_DONG_DANG --commune DONG_DANG)",
  "leader": "$(token --role leader)",
  "standing_office": "$(token --role standing_office --agency QLTT)",
  "officer": "$(token --role officer --agency QLTT)",
  "admin": "$(token --role admin)"
}
EOF
umask 022

# 4. The fuzzer.
SCHEMA_ARG=()
if [ -s "$RUN/schema.graphql" ]; then SCHEMA_ARG=(--schema "$RUN/schema.graphql"); fi
set +e
node "$ROOT/scripts/fuzz/fuzz.mjs" --url "$URL" --tokens "$RUN/tokens.json" --out "$OUT" \
    --server-log "$RUN/server.log" ${SCHEMA_ARG[@]+"${SCHEMA_ARG[@]}"} "$@"
rc=$?
set -e

# 5. Stop the server; it must drain and exit 0.
if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 1 150); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "fuzz: the server did not stop within 15 s of SIGTERM" >&2
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        rc=1
    fi
    server_rc=0
    wait "$SERVER_PID" || server_rc=$?
    if [ "$server_rc" != 0 ]; then
        echo "fuzz: the server exited with status $server_rc after SIGTERM" >&2
        rc=1
    fi
else
    server_rc=0
    wait "$SERVER_PID" || server_rc=$?
    echo "fuzz: the server was no longer running at the end (exit status $server_rc); log tail:" >&2
    tail -n 40 "$RUN/server.log" >&2
    rc=1
fi
SERVER_PID=""

errors=$(grep -c -E ' ERROR |panicked' "$RUN/server.log" || true)
echo "fuzz: server log $RUN/server.log ($errors ERROR/panic lines); results in $OUT" >&2
exit "$rc"
