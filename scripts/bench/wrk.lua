-- wrk script for the read-path benchmark (see lib.sh): POSTs the JSON body in $BENCH_BODY,
-- with `Authorization: Bearer $BENCH_TOKEN` when set, counts responses that are not HTTP 200
-- or carry `"errors"`, and prints one JSON line like load.py's.
local body_file = assert(io.open(os.getenv("BENCH_BODY"), "r"))
wrk.method = "POST"
wrk.body = body_file:read("*a")
body_file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
end

local threads = {}
function setup(thread)
    table.insert(threads, thread)
end

bad = 0
function response(status, headers, body)
    if status ~= 200 or string.find(body, '"errors"', 1, true) then
        bad = bad + 1
    end
end

function done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.status + summary.errors.timeout
    for _, t in ipairs(threads) do
        errors = errors + t:get("bad")
    end
    io.write(string.format(
        '{"label": "%s", "connections": %s, "requests": %d, "rps": %.2f, "p50_ms": %.2f, '
            .. '"p99_ms": %.2f, "max_ms": %.2f, "errors": %d}\n',
        os.getenv("BENCH_LABEL") or "", os.getenv("BENCH_CONNECTIONS") or "?",
        summary.requests, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, errors))
end
