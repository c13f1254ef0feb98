# Shared helpers of the fault-injection scripts (sourced, not run).
#
# Environment understood by every script:
#   HUB389_BIN        the server binary (default target/debug/hub389 of this checkout; never built here)
#   FAULTS_OUT        directory for logs and results (default: a new /tmp/hub389-faults-<name>.XXXX)
#   FAULTS_PORT       port of the server under test (each script has its own default)
#   RUST_LOG          passed to the server (default: its own default, info)

FAULTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOAD="python3 $FAULTS_DIR/load.py"
BIN="${HUB389_BIN:-$(cd "$FAULTS_DIR/../.." && pwd)/target/debug/hub389}"
CLEANUPS=()
SERVER_PID=""
SERVER_RC=""

say() { printf '\n== %s\n' "$*" >&2; }
note() { printf '   %s\n' "$*" >&2; }
die() { printf 'FAILED: %s\n' "$*" >&2; exit 2; }

# Ends the server and helpers, then runs the registered clean-ups in reverse order (trap on EXIT).
run_cleanups() {
    local i
    kill_children
    for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${CLEANUPS[$i]}" || true
    done
}
on_exit() { CLEANUPS+=("$1"); }

# faults_init NAME DEFAULT_PORT: work directory, secrets, ports, events file.
faults_init() {
    local name=$1
    [ -x "$BIN" ] || die "no server binary at $BIN (set HUB389_BIN; this script never builds it)"
    command -v python3 >/dev/null || die "python3 is needed"
    command -v curl >/dev/null || die "curl is needed"
    WORK="${FAULTS_OUT:-$(mktemp -d "/tmp/hub389-faults-$name.XXXX")}"
    mkdir -p "$WORK"
    chmod 755 "$WORK"
    PORT="${FAULTS_PORT:-$2}"
    URL="http://127.0.0.1:$PORT"
    EVENTS="$WORK/events.jsonl"
    : >"$EVENTS"
    # Fixed per run, always explicit: the fixed server refuses PostgreSQL without them, and on
    # SQLite they keep key files out of the database's directory.
    HUB389_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
    HUB389_DATA_KEY="$(python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')"
    HUB389_BIND="127.0.0.1:$PORT"
    export HUB389_JWT_SECRET HUB389_DATA_KEY HUB389_BIND
    trap run_cleanups EXIT
    trap 'exit 130' INT TERM
    port_free "$PORT" || die "port $PORT is in use (set FAULTS_PORT)"
    note "binary: $BIN"
    note "output: $WORK"
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# event NAME: appends {"t": now, "event": NAME} to the events file.
event() {
    printf '{"t": %s, "event": "%s"}\n' "$(date +%s.%N)" "$1" >>"$EVENTS"
}

# start_server LOG [WRAPPER...]: starts the binary (optionally through a wrapper that execs it,
# e.g. setpriv) in the background with the exported environment; SERVER_PID is the server's own
# pid (the wrapper execs), not a shell's.
start_server() {
    local log=$1
    shift
    "$@" "$BIN" serve >>"$log" 2>&1 &
    SERVER_PID=$!
    SERVER_RC=""
}

# kill_children: at exit, ends the server and the helpers this script started (its own jobs
# only, by pid).
kill_children() {
    local p
    [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
    for p in $(jobs -p); do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
}

# wait_ready SECONDS: polls /readyz until 200; fails when the server exits or time runs out.
wait_ready() {
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            wait "$SERVER_PID" 2>/dev/null
            SERVER_RC=$?
            return 1
        fi
        [ "$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$URL/readyz")" = 200 ] && return 0
        sleep 0.2
    done
    return 1
}

# stop_server SIGNAL TIMEOUT: signals the server and waits for it; SERVER_RC is its exit status
# (128+N when a signal killed it). SIGKILL after TIMEOUT seconds.
stop_server() {
    local sig=$1 timeout=$2 deadline
    [ -n "$SERVER_PID" ] || return 0
    kill -s "$sig" "$SERVER_PID" 2>/dev/null
    deadline=$((SECONDS + timeout))
    while kill -0 "$SERVER_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        note "server still running ${timeout}s after SIG$sig: SIGKILL"
        kill -9 "$SERVER_PID" 2>/dev/null
    fi
    wait "$SERVER_PID" 2>/dev/null
    SERVER_RC=$?
    SERVER_PID=""
}

# mint_token: an officer of QLTT (may create cases), signed with this run's secret.
mint_token() {
    "$BIN" token --role officer --agency QLTT 2>>"$WORK/token.log"
}

# json_get FILE KEY...: prints one value of a JSON file (nested keys).
json_get() {
    python3 -c 'import functools, json, sys
v = functools.reduce(lambda d, k: d.get(k) if isinstance(d, dict) else None, sys.argv[2:], json.load(open(sys.argv[1])))
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$@"
}

# log_excerpt LOG: the distinct error / warning lines of a server log, counted, shortest form.
log_excerpt() {
    python3 - "$1" <<'PY'
import collections, re, sys
c = collections.Counter()
first = {}
for line in open(sys.argv[1], errors="replace"):
    if not re.search(r"\b(ERROR|WARN)\b|panick|error", line):
        continue
    line = re.sub(r"\x1b\[[0-9;]*m", "", line.strip())
    key = re.sub(r"^\S+\s+", "", line)                      # timestamp
    key = re.sub(r"request_id=[0-9a-f-]+", "request_id=…", key)
    key = re.sub(r"\b\d+(\.\d+)?(ms|µs|s)\b", "…", key)
    key = re.sub(r"\bid=\d+|\b\d{2,}\b", "…", key)
    key = key[:300]
    c[key] += 1
for k, n in c.most_common(12):
    print(f"   {n:6d} × {k}")
if not c:
    print("   (no error or warning lines)")
PY
}
