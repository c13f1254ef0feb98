#!/usr/bin/env bash
# GraphiQL in headless Chromium: the page the server serves at GET /graphql loads its assets
# from the server itself (api/assets/graphiql/), takes a token in its headers editor, loads the
# schema's docs with it and runs a query. Saves a screenshot and prints its path.
#
#   scripts/graphiql-check.sh [--out FILE.png] [--url http://host:port --token JWT] [--timeout S]
#
# Without --url it starts its own server like clients/ does: the binary from HUB389_BIN or
# target/debug/hub389 (build it first: cargo build -p api), a fresh SQLite file in a temporary
# directory, a free port, demo data, and a police token minted with `hub389 token`.
# With --url it checks a running server; --token must then be a police token for it.
#
# Needs, and installs nothing by itself:
#   - Chromium:  apt-get install -y chromium   (Debian's package; or CHROMIUM=/path/to/chrome)
#   - Node ≥ 20.10 (its built-in WebSocket speaks the DevTools protocol; no npm packages,
#     no `npm ci` needed)
#
# Exit status: 0 when the check passed, 1 when it failed (the reasons are printed, and the
# screenshot shows the page at the moment of failure), 2 when a prerequisite is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v node >/dev/null; then
    echo "graphiql-check: needs Node ≥ 20.10 (node not found)" >&2
    exit 2
fi
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
    && ! command -v google-chrome >/dev/null; then
    echo "graphiql-check: needs Chromium: apt-get install -y chromium (or set CHROMIUM=/path/to/chrome)" >&2
    exit 2
fi

# Node 20 has WebSocket behind a flag; Node ≥ 22 has it by default.
flags=()
if [ "$(node -e 'process.stdout.write(typeof WebSocket)')" != function ]; then
    flags+=(--experimental-websocket)
fi
exec node ${flags[@]+"${flags[@]}"} "$ROOT/clients/graphiql-check.mjs" "$@"
