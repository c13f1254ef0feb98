#!/usr/bin/env bash
# A case from detection to publication, against a running server (`cargo run --release -p api`)
# on the demo data. Needs curl and python3. HUB389_URL overrides http://127.0.0.1:8000.
set -euo pipefail
URL="${HUB389_URL:-http://127.0.0.1:8000}/graphql"
token() { ${HUB389_BIN:-cargo run -q --release -p api --} token "$@"; }
# gql TOKEN QUERY [VARIABLES-JSON] → prints the response; exits on errors.
gql() {
    local body
    body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$2" "${3:-{\}}")
    curl -s "$URL" -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$body" |
        python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(r, ensure_ascii=False)); sys.exit(1 if r.get("errors") else 0)'
}
field() { python3 -c 'import functools,json,sys; print(functools.reduce(lambda d, k: d[k], sys.argv[1:], json.load(sys.stdin)["data"]))' "$@"; }

QLTT=$(token --role officer --agency QLTT)          # market management leads the case
SO=$(token --role standing_office --agency QLTT)     # the standing office approves
PRESS=$(token --role press --agency BAO_LS)          # the newspaper reads

echo "1. QLTT records a case detected on an e-commerce platform"
ID=$(gql "$QLTT" 'mutation($k: String) { createCase(idempotencyKey: $k, input: {
    title: "Kinh doanh mỹ phẩm giả mạo nhãn hiệu trên sàn Shopee", violationType: COUNTERFEIT,
    commodityGroup: COSMETICS, channel: E_COMMERCE, platform: SHOPEE, commune: "DONG_DANG",
    detectedOn: "2026-11-20", goodsSummary: "1.200 hộp kem dưỡng da giả mạo nhãn hiệu",
    fineAmount: 35000000, goodsValue: 180000000, budgetCollected: 35000000 }) { id code } }' \
    "{\"k\": \"walkthrough-$RANDOM$RANDOM\"}" | field createCase id)
echo "   case id $ID"

echo "2. verifying, then handled administratively (versions 1 → 2 → 3)"
gql "$QLTT" 'mutation($id: ID!) { changeCaseStatus(id: $id, version: 1, status: VERIFYING) { status version } }' "{\"id\": \"$ID\"}"
gql "$QLTT" 'mutation($id: ID!) { changeCaseStatus(id: $id, version: 2, status: HANDLED_ADMINISTRATIVELY) { status version handledOn } }' "{\"id\": \"$ID\"}"

echo "3. QLTT drafts the public summary (checked against the case's restricted data)"
PUB=$(gql "$QLTT" 'mutation($id: ID!) { draftPublication(caseId: $id, input: {
    headline: "Lạng Sơn: xử phạt 35 triệu đồng vụ kinh doanh mỹ phẩm giả trên sàn thương mại điện tử",
    body: "Đội Quản lý thị trường đã phát hiện, xử lý vụ kinh doanh 1.200 hộp kem dưỡng da giả mạo nhãn hiệu.",
    publicFacts: ["violation_type", "commodity_group", "commune", "fine_amount"] }) { id version status } }' \
    "{\"id\": \"$ID\"}" | field draftPublication id)

echo "4. the standing office approves it"
gql "$SO" 'mutation($id: ID!) { approvePublication(id: $id, version: 1) { status approvedAt } }' "{\"id\": \"$PUB\"}"

echo "5. the newspaper reads it: public facts only"
gql "$PRESS" '{ publishedCases(first: 1) { nodes { headline violationType commodityGroup communeName fineAmount goodsValue } } }'
