//! The GraphQL contract as clients meet it (issue 9): refused fields are present and `null`
//! with an error at their path, nodes are never dropped, keys follow the selection, non-null
//! errors propagate as the spec says, and the standard introspection query works.

use api::auth::Role;
use hub389_tests::{TestApp, error_codes, errors_at, failed, nodes, ok};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Mutation results are nullable: in a document of two writes, a refused second one is `null`
/// with its error at its path, and the first one's result stays. With non-null results
/// (before stop 34) the refusal nulled the whole `data`, hiding the case the first write had
/// committed: the client saw no id, and a retry without a key recorded it twice.
#[tokio::test]
async fn a_refused_write_leaves_the_result_of_the_write_before_it() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::Officer, Some("QLTT"), None);
    let case = |title: &str| {
        json!({
            "title": title, "violationType": "SMUGGLING", "commodityGroup": "SUGAR",
            "channel": "BORDER_TRAIL", "detectedOn": "2026-11-20", "goodsSummary": "đường cát",
        })
    };
    let r = app
        .gql(
            Some(&officer),
            r#"mutation($a: NewCaseInput!, $b: NewCaseInput!) {
              first: createCase(input: $a) { code title }
              second: createCase(input: $b) { code title } }"#,
            json!({ "a": case("Vụ thứ nhất"), "b": case("   ") }),
        )
        .await;
    assert_eq!(r["data"]["first"]["title"], "Vụ thứ nhất", "{r}");
    assert!(r["data"]["first"]["code"].is_string(), "{r}");
    assert!(r["data"]["second"].is_null(), "{r}");
    assert_eq!(keys(&r["data"]), ["first", "second"]);
    assert_eq!(r["errors"][0]["path"], json!(["second"]), "{r}");
    assert_eq!(
        r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{r}"
    );
}

/// A refused field is present and `null`, with `FORBIDDEN` at its exact path; the node keeps
/// its other fields; keys come in selection order, aliases and fragments included.
#[tokio::test]
async fn refused_fields_are_null_in_place() {
    let app = TestApp::spawn().await;
    let officer = app.token_for(Role::Officer);
    let q = "{ cases(first: 3) { nodes { customsRecords { declarationNumber } code
        ...F subjects { fullName } z: title } } }
        fragment F on Case { status id }";
    let resp = app.query(Some(&officer), q).await;
    let nodes = resp["data"]["cases"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 3, "{resp}");
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(
            keys(node),
            ["customsRecords", "code", "status", "id", "subjects", "z"],
            "{node}"
        );
        assert!(node["customsRecords"].is_null() && node["subjects"].is_null());
        for field in ["customsRecords", "subjects"] {
            let at = errors_at(
                &resp,
                &[json!("cases"), json!("nodes"), json!(i), json!(field)],
            );
            assert_eq!(at.len(), 1, "{field} at node {i}: {resp}");
            assert_eq!(at[0]["extensions"]["code"], "FORBIDDEN");
        }
    }
}

/// A node whose every selected field is refused is still an object of nulls, not `null`
/// inside `[Case!]!`.
#[tokio::test]
async fn a_node_of_refused_fields_is_kept() {
    let app = TestApp::spawn().await;
    let officer = app.token_for(Role::Officer);
    let q = "{ cases(first: 2) { nodes { subjects { fullName } customsRecords { hsCodes } } } }";
    let resp = app.query(Some(&officer), q).await;
    for node in resp["data"]["cases"]["nodes"].as_array().expect("nodes") {
        assert_eq!(keys(node), ["subjects", "customsRecords"], "{resp}");
    }
}

/// Root fields keep selection order; a refused non-null root field nulls `data`, as the
/// spec's null propagation says (never a response with the key missing).
#[tokio::test]
async fn root_keys_in_order_and_non_null_errors_propagate() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let q = "{ me { role } b: agencies { code } a: cases(first: 1) { totalCount } }";
    let resp = app.query(Some(&police), q).await;
    assert_eq!(keys(&resp["data"]), ["me", "b", "a"], "{resp}");

    // `tip(id:)` is `Tip!`: not found nulls the whole `data`.
    let q = "{ me { role } tip(id: \"999999\") { id } }";
    let resp = app.query(Some(&police), q).await;
    assert!(resp["data"].is_null(), "{resp}");
    assert_eq!(error_codes(&resp), ["NOT_FOUND"]);
    assert_eq!(resp["errors"][0]["path"], json!(["tip"]));
    // Inside a nullable parent, the parent becomes null and the rest stays.
    let q = "{ me { role } cases(first: 1) { totalCount } }";
    let resp = app.query(Some(&police), q).await;
    assert_eq!(keys(&resp["data"]), ["me", "cases"]);
}

/// graphql-js 16's `getIntrospectionQuery` with every option, as GraphiQL and codegen send it:
/// it is deeper than the depth limit, and must work for every role and without a token, while
/// user queries stay limited.
#[tokio::test]
async fn the_standard_introspection_query_works_for_every_role() {
    let app = TestApp::spawn().await;
    let roles: Vec<Option<String>> = std::iter::once(None)
        .chain(Role::ALL.iter().map(|r| Some(app.token_for(*r))))
        .collect();
    let introspection = introspection_query();
    for token in &roles {
        let resp = ok(app.query(token.as_deref(), &introspection).await);
        let types = resp["data"]["__schema"]["types"].as_array().expect("types");
        let query = resp["data"]["__schema"]["queryType"]["name"].clone();
        assert!(types.iter().any(|t| t["name"] == query), "{query}");
        // Each root a role is shown has fields: graphql-js refuses a schema with an empty
        // one (hiding the anonymous caller's one subscription once made it so).
        for root in ["queryType", "mutationType", "subscriptionType"] {
            let name = &resp["data"]["__schema"][root]["name"];
            let fields = types
                .iter()
                .find(|t| &t["name"] == name)
                .map(|t| t["fields"].as_array().map_or(0, Vec::len));
            assert!(
                fields.is_none_or(|n| n > 0),
                "{root} {name} is empty for {token:?}"
            );
        }
        // Each type's fields carry descriptions (the Docs pane needs them).
        assert!(types.iter().any(|t| t["description"].is_string()));
    }
    // The press still sees no restricted type or field (a tip's sender's fields are its to
    // send, in `NewTipInput`, never to read).
    let press = app.token_for(Role::Press);
    let press = Some(press.as_str());
    let resp = app.query(press, &introspection).await;
    let text = resp.to_string();
    for hidden in [
        "\"Tip\"",
        "subjects",
        "customsRecords",
        "InvestigationRecord",
    ] {
        assert!(!text.contains(hidden), "press sees {hidden}");
    }
    // A user query as deep as the introspection query is still refused.
    let deep = "{ cases(first: 1) { nodes { leadAgency { parent { parent { parent { parent {
        parent { parent { parent { parent { parent { parent { code } } } } } } } } } } } } } }";
    let police = roles[1].as_deref();
    let resp = app.query(police, deep).await;
    assert_eq!(error_codes(&resp), ["BAD_USER_INPUT"], "{resp}");
    assert!(resp["data"].is_null());
}

/// graphql-js 16.9 `getIntrospectionQuery({ descriptions: true, specifiedByUrl: true,
/// directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true,
/// oneOf: true })`, but for the `TypeRef` fragment: see [`introspection_query`].
const INTROSPECTION_HEAD: &str = r#"
    query IntrospectionQuery {
      __schema {
        description
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types { ...FullType }
        directives {
          name
          description
          isRepeatable
          locations
          args(includeDeprecated: true) { ...InputValue }
        }
      }
    }
    fragment FullType on __Type {
      kind
      name
      description
      specifiedByURL
      isOneOf
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) { ...InputValue }
        type { ...TypeRef }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      isDeprecated
      deprecationReason
    }
"#;

/// The introspection query with its `TypeRef` fragment, which graphql-js writes as `kind name`
/// under nine nested `ofType`, spelt out here as a loop: the nesting is what
/// makes the query deeper than the depth limit.
fn introspection_query() -> String {
    let mut type_ref = "kind name".to_string();
    for _ in 0..9 {
        type_ref = format!("kind name ofType {{ {type_ref} }}");
    }
    format!("{INTROSPECTION_HEAD}\n    fragment TypeRef on __Type {{ {type_ref} }}\n")
}

/// Global ids: opaque and stable; `node(id)` refetches exactly what the lists show and
/// nothing they hide (an out-of-reach id is `null`, like a missing one).
#[tokio::test]
async fn node_refetches_through_the_list_rules() {
    let app = TestApp::spawn().await;
    let [commune, police] = app.tokens_for([Role::Commune, Role::Police]);
    let q = "{ cases(first: 100) { nodes { id code commune { code } } } }";
    let all = app.query(Some(&police), q).await;
    let nodes = nodes(&all, "cases");
    let inside = nodes
        .iter()
        .find(|n| n["commune"]["code"] == "DONG_DANG")
        .expect("a Đồng Đăng case");
    let outside = nodes
        .iter()
        .find(|n| n["commune"]["code"] != "DONG_DANG")
        .expect("another case");
    for n in [inside, outside] {
        let id = n["id"].as_str().expect("id");
        assert!(!id.chars().all(|c| c.is_ascii_digit()), "opaque: {id}");
        assert_eq!(
            id.len(),
            22,
            "one encrypted block, not a readable number: {id}"
        );
    }
    // Stable: the same object has the same id in a second request.
    let again = app.query(Some(&police), q).await;
    assert_eq!(again["data"]["cases"]["nodes"][0]["id"], nodes[0]["id"]);

    let node = "query($id: ID!) { node(id: $id) { __typename id ... on Case { code } } }";
    let r = app
        .gql(Some(&police), node, json!({ "id": inside["id"] }))
        .await;
    assert_eq!(r["data"]["node"]["code"], inside["code"], "{r}");
    assert_eq!(r["data"]["node"]["__typename"], "Case");
    let r = app
        .gql(Some(&commune), node, json!({ "id": inside["id"] }))
        .await;
    assert_eq!(r["data"]["node"]["code"], inside["code"], "{r}");
    // Outside the commune: null without an error, exactly as for an id that does not exist.
    let r = app
        .gql(Some(&commune), node, json!({ "id": outside["id"] }))
        .await;
    assert!(r["data"]["node"].is_null() && r["errors"].is_null(), "{r}");
    let r = app
        .gql(
            Some(&commune),
            node,
            json!({ "id": "AAAAAAAAAAAAAAAAAAAAAA" }),
        )
        .await;
    assert!(r["data"]["node"].is_null() && r["errors"].is_null(), "{r}");

    // Tips: the police reads those assigned to CA; an officer of another agency reads none.
    let tips = "{ tips(first: 1, filter: { assignedAgency: \"CA\" }) { nodes { id } } }";
    let r = app.query(Some(&police), tips).await;
    let tip = r["data"]["tips"]["nodes"][0]["id"].clone();
    let by_id = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Tip { content } } }";
    let r = app
        .gql(Some(&police), by_id, json!({ "ids": [tip, inside["id"]] }))
        .await;
    assert_eq!(r["data"]["nodes"][0]["id"], tip, "{r}");
    assert_eq!(r["data"]["nodes"][1]["id"], inside["id"]);
    let officer = app.token_for(Role::Officer);
    let r = app
        .gql(Some(&officer), by_id, json!({ "ids": [tip] }))
        .await;
    assert!(r["data"]["nodes"][0].is_null(), "{r}");
    // Mutations take the global id.
    let r = app
        .gql(
            Some(&police),
            "query($id: ID!) { case(id: $id) { code } }",
            json!({ "id": inside["id"] }),
        )
        .await;
    assert_eq!(r["data"]["case"]["code"], inside["code"], "{r}");
}

/// Cursors are opaque: no id or date can be read from them, and a forged one is refused.
#[tokio::test]
async fn cursors_are_opaque() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let q = "query($after: String) { directives(first: 2, after: $after) { totalCount pageInfo { endCursor hasNextPage } edges { cursor node { id issuedOn } } } }";
    let r = app.query(Some(&police), q).await;
    let first = &r["data"]["directives"];
    assert!(first["totalCount"].as_u64().unwrap_or(0) > 2, "{r}");
    let end = first["pageInfo"]["endCursor"]
        .as_str()
        .expect("cursor")
        .to_string();
    use base64::Engine;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&end)
        .unwrap_or_default();
    let issued = first["edges"][1]["node"]["issuedOn"]
        .as_str()
        .expect("date");
    assert!(
        !String::from_utf8_lossy(&decoded).contains(issued),
        "no date in the cursor"
    );
    let next = app.gql(Some(&police), q, json!({ "after": end })).await;
    assert_ne!(
        next["data"]["directives"]["edges"][0]["node"]["id"],
        first["edges"][0]["node"]["id"]
    );
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{issued}|1"));
    failed(
        app.gql(Some(&police), q, json!({ "after": forged })).await,
        "BAD_USER_INPUT",
    );
}

/// Every HTTP-level error is JSON with a code; GraphQL-over-HTTP status codes for clients that
/// ask for `application/graphql-response+json`; authentication errors carry no `locations`.
#[tokio::test]
async fn http_errors_are_json_with_a_code() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let url = format!("{}/graphql", app.base);
    let code = |v: &Value| {
        v["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    // A POST of `query` with a bearer token; without `accept` it is the legacy
    // `application/json` client.
    let post = |accept: Option<&str>, token: &str, query: &str| {
        let mut request = app
            .client
            .post(&url)
            .bearer_auth(token)
            .json(&json!({ "query": query }));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        async move { request.send().await.unwrap() }
    };
    // A GET of `query_string` with the police token, asking for JSON.
    let get = |query_string: &str| {
        let request = app
            .client
            .get(format!("{url}?{query_string}"))
            .header("accept", "application/json")
            .bearer_auth(&police);
        async move { request.send().await.unwrap() }
    };
    const NEW_MEDIA_TYPE: Option<&str> = Some("application/graphql-response+json");

    // The export with a malformed query string.
    let r = app
        .get("/export/statistics.csv?kind=YEAR&year=abc", Some(&police))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(code(&r.json::<Value>().await.unwrap()), "BAD_USER_INPUT");

    // Not JSON, a form post, too large.
    let r = app.post_raw(None, "application/json", "{ nope").await;
    assert_eq!(r.status(), 400);
    assert_eq!(code(&r.json::<Value>().await.unwrap()), "BAD_USER_INPUT");
    let r = app
        .post_raw(None, "text/plain", r#"{"query":"{ me { role } }"}"#)
        .await;
    assert_eq!(r.status(), 415);
    assert_eq!(code(&r.json::<Value>().await.unwrap()), "BAD_USER_INPUT");
    // A body in an encoding the server does not decode (stop 35's review).
    for encoding in ["gzip", "br"] {
        let r = app
            .client
            .post(format!("{}/graphql", app.base))
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(r#"{"query":"{ me { role } }"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{encoding}");
        assert_eq!(code(&r.json::<Value>().await.unwrap()), "BAD_USER_INPUT");
    }
    let big = format!(
        r#"{{"query":"{{ me {{ role }} }}","variables":{{"x":"{}"}}}}"#,
        "x".repeat(600 * 1024)
    );
    let r = app.post_raw(None, "application/json", big).await;
    assert_eq!(r.status(), 413);
    assert_eq!(code(&r.json::<Value>().await.unwrap()), "BAD_USER_INPUT");

    // A bad token: UNAUTHENTICATED, no fake `locations`; 401 for graphql-response+json.
    let r = post(None, "garbage", "{ me { role } }").await;
    assert_eq!(r.status(), 200, "legacy application/json");
    let body = r.json::<Value>().await.unwrap();
    assert_eq!(code(&body), "UNAUTHENTICATED");
    assert!(body["errors"][0].get("locations").is_none(), "{body}");
    let r = post(NEW_MEDIA_TYPE, "garbage", "{ me { role } }").await;
    assert_eq!(r.status(), 401);

    // A syntax error: 400 without `data` for the new media type, 200 with `data: null` for the old.
    let r = post(NEW_MEDIA_TYPE, &police, "{ me { role }").await;
    assert_eq!(r.status(), 400);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let body = r.json::<Value>().await.unwrap();
    assert!(
        body.get("data").is_none() && code(&body) == "BAD_USER_INPUT",
        "{body}"
    );
    // Executed with a field error: 200 even for the new media type.
    let r = post(
        NEW_MEDIA_TYPE,
        &police,
        "{ cases(first: 1) { nodes { customsRecords { declarationNumber } } } }",
    )
    .await;
    assert_eq!(r.status(), 200);

    // GET: a query runs, a mutation is 405.
    let r = get("query=%7B%20me%20%7B%20role%20%7D%20%7D").await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["data"]["me"]["role"],
        "POLICE"
    );
    let r = get("query=mutation%20%7B%20x%20%7D").await;
    assert_eq!(r.status(), 405);
}

/// A wrongly typed amount in a later field of a mutation is refused before anything runs, as
/// validation refuses a wrong `Int`: the earlier fields do not commit behind a `data: null`
/// (found by the contract review of stop 31: `Vnd` was only checked when its field ran).
#[tokio::test]
async fn a_bad_amount_anywhere_in_a_mutation_runs_nothing() {
    let app = TestApp::spawn().await;
    let officer = app.token_for(Role::Officer);
    let before = app.count::<entity::cases::Entity>().await;
    let case = |fine: Value| {
        json!({
            "title": "Thử giá trị sai", "violationType": "SMUGGLING",
            "commodityGroup": "FROZEN_FOOD", "channel": "BORDER_TRAIL", "commune": "DONG_DANG",
            "detectedOn": "2026-11-20", "goodsSummary": "hàng", "fineAmount": fine
        })
    };
    let two = "mutation($good: NewCaseInput!, $bad: NewCaseInput!) {
        a: createCase(input: $good) { id } b: createCase(input: $bad) { id } }";
    for bad in [
        json!(-5),
        json!(1.5),
        json!("12"),
        json!(10_000_000_000_000_000i64),
    ] {
        let r = app
            .gql(
                Some(&officer),
                two,
                json!({ "good": case(json!(1)), "bad": case(bad) }),
            )
            .await;
        assert!(r["data"].is_null(), "{r}");
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    }
    let literal = |fine: i64| {
        format!(
            "{{ title: \"Thử\", violationType: SMUGGLING, commodityGroup: FROZEN_FOOD,
               channel: BORDER_TRAIL, commune: \"DONG_DANG\", detectedOn: \"2026-11-20\",
               goodsSummary: \"hàng\", fineAmount: {fine} }}"
        )
    };
    let r = app
        .query(
            Some(&officer),
            &format!(
                "mutation {{ a: createCase(input: {}) {{ id }} b: createCase(input: {}) {{ id }} }}",
                literal(1),
                literal(-5)
            ),
        )
        .await;
    assert!(r["data"].is_null(), "{r}");
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(app.count::<entity::cases::Entity>().await, before);
}

/// An id of another kind is refused, never read as the row number of the kind asked for: a
/// tip's id given to `updateCase` changed the case with the tip's number (stop 31's review).
/// The case's own id, and its plain row number, still address it.
#[tokio::test]
async fn an_id_of_another_kind_is_refused() {
    let app = TestApp::spawn().await;
    let [officer, police] = app.tokens_for([Role::Officer, Role::Police]);
    let tips = ok(app
        .query(Some(&police), "{ tips(first: 1) { nodes { id } } }")
        .await);
    let tip = tips["data"]["tips"]["nodes"][0]["id"].clone();
    let update = "mutation($id: ID!, $v: Int!) { updateCase(id: $id, version: $v, patch: { title: \"Đổi tên\" }) { code version } }";
    let r = app
        .gql(Some(&officer), update, json!({ "id": tip, "v": 1 }))
        .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not the id of a Case"),
        "{r}"
    );
    let read = "query($id: ID!) { case(id: $id) { code } }";
    let r = app.gql(Some(&police), read, json!({ "id": tip })).await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let case = app
        .create_case(&officer, hub389_tests::minimal_case("Vụ của BĐBP"))
        .await;
    let r = ok(app
        .gql(Some(&officer), update, json!({ "id": case, "v": 1 }))
        .await);
    assert_eq!(r["data"]["updateCase"]["version"], 2, "{r}");
    let row = hub389_tests::row_id(case.as_str());
    let r = ok(app
        .gql(Some(&police), read, json!({ "id": row.to_string() }))
        .await);
    assert!(r["data"]["case"]["code"].is_string(), "{r}");
}

/// Refused whole as the client's mistake: no data, and every error `BAD_USER_INPUT`.
fn refused_before_running(r: &Value, sent: &str) {
    assert!(r["data"].is_null(), "{sent}: {r}");
    let codes = error_codes(r);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "BAD_USER_INPUT"),
        "{sent}: {r}"
    );
}

/// An `Int` outside 32 bits, a named operation sent without its name, a non-null variable not
/// sent, a value that is not an object for an input object: each refuses the whole mutation
/// before its first field commits (stop 32's reviews committed `a` in each case).
#[tokio::test]
async fn int_overflow_and_lone_named_operations_run_nothing() {
    let app = TestApp::spawn().await;
    let officer = app.token_for(Role::Officer);
    let before = app.count::<entity::cases::Entity>().await;
    let a = "a: createCase(input: { title: \"Thử\", violationType: SMUGGLING,
        commodityGroup: FROZEN_FOOD, channel: BORDER_TRAIL, detectedOn: \"2026-11-20\",
        goodsSummary: \"hàng\" }) { id }";
    for (q, variables) in [
        (
            format!(
                "mutation {{ {a} b: updateCase(id: \"1\", version: 2147483648, patch: {{ title: \"x\" }}) {{ id }} }}"
            ),
            json!({}),
        ),
        (
            format!(
                "mutation($v: Int!) {{ {a} b: updateCase(id: \"1\", version: $v, patch: {{ title: \"x\" }}) {{ id }} }}"
            ),
            json!({ "v": -2147483649i64 }),
        ),
        (
            format!(
                "mutation M($d: NaiveDate!) {{ {a} b: updateCase(id: \"1\", version: 1, patch: {{ detectedOn: $d }}) {{ id }} }}"
            ),
            json!({}),
        ),
        (
            format!(
                "mutation M($c: String, $m: Vnd = -5) {{ {a} b: updateCase(id: \"1\", version: 1, patch: {{ commune: $c, fineAmount: $m }}) {{ id }} }}"
            ),
            json!({}),
        ),
        // Not an object where an input object is asked for: validation took it as valid.
        (
            format!(
                "mutation {{ {a} b: updateCase(id: \"1\", version: 1, patch: \"x\") {{ id }} }}"
            ),
            json!({}),
        ),
        (
            format!(
                "mutation($p: CasePatch!) {{ {a} b: updateCase(id: \"1\", version: 1, patch: $p) {{ id }} }}"
            ),
            json!({ "p": [5] }),
        ),
    ] {
        refused_before_running(&app.gql(Some(&officer), &q, variables).await, &q);
    }
    assert_eq!(app.count::<entity::cases::Entity>().await, before);
    // The largest `Int` still runs (and is then a stale version).
    let r = app
        .query(
            Some(&officer),
            "mutation { updateCase(id: \"1\", version: 2147483647, patch: { title: \"x\" }) { id } }",
        )
        .await;
    assert_ne!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
}

/// A malformed date anywhere in a request — a variable, a literal, inside an input object, in a
/// later field of a mutation, or in a read's filter — refuses the whole request before it runs,
/// as validation refuses a wrong `Int` (chrono's scalars leave `is_valid` open, so the API's
/// dates are our own scalars: `graphql::context::Date`). Stop 31's contract review created
/// cases through a mutation whose second field had `detectedOn: "2026-13-45"`.
#[tokio::test]
async fn a_bad_date_anywhere_runs_nothing() {
    let app = TestApp::spawn().await;
    let officer = app.token_for(Role::Officer);
    let before = app.count::<entity::cases::Entity>().await;
    let case = |day: &str| {
        json!({
            "title": "Thử ngày sai", "violationType": "SMUGGLING",
            "commodityGroup": "FROZEN_FOOD", "channel": "BORDER_TRAIL",
            "detectedOn": day, "goodsSummary": "hàng"
        })
    };
    let two = "mutation($good: NewCaseInput!, $bad: NewCaseInput!) {
        a: createCase(input: $good) { id } b: createCase(input: $bad) { id } }";
    // Outside 1900–2100 too: a deadline in year −1 broke SQLite's date arithmetic.
    for bad in [
        "2026-13-45",
        "20/11/2026",
        "",
        "-0001-04-15",
        "1899-12-31",
        "2101-01-01",
    ] {
        let r = app
            .gql(
                Some(&officer),
                two,
                json!({ "good": case("2026-11-20"), "bad": case(bad) }),
            )
            .await;
        assert!(r["data"].is_null(), "{r}");
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    }
    let literal = "mutation { a: createCase(input: { title: \"Thử\", violationType: SMUGGLING,
        commodityGroup: FROZEN_FOOD, channel: BORDER_TRAIL, detectedOn: \"2026-11-20\",
        goodsSummary: \"hàng\" }) { id }
      b: createCase(input: { title: \"Thử\", violationType: SMUGGLING,
        commodityGroup: FROZEN_FOOD, channel: BORDER_TRAIL, detectedOn: \"2026-02-30\",
        goodsSummary: \"hàng\" }) { id } }";
    let r = app.query(Some(&officer), literal).await;
    assert!(r["data"].is_null(), "{r}");
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    // Not a string at all; a variable's default; a variable left out beside one given, in
    // one input object (found by the review of this check).
    let inline = |date: &str| {
        format!(
            "{{ title: \"Thử\", violationType: SMUGGLING, commodityGroup: FROZEN_FOOD,
               channel: BORDER_TRAIL, detectedOn: {date}, goodsSummary: $g }}"
        )
    };
    for (definitions, date, variables) in [
        ("$g: String!", "20261120", json!({ "g": "hàng" })),
        (
            "$g: String!, $d: NaiveDate = \"-0001-04-15\"",
            "$d",
            json!({ "g": "hàng" }),
        ),
        (
            "$g: String, $d: NaiveDate!",
            "$d",
            json!({ "d": "2026-13-01" }),
        ),
    ] {
        let q = format!(
            "mutation({definitions}) {{ a: createCase(input: {}) {{ id }} b: createCase(input: {}) {{ id }} }}",
            inline("\"2026-11-20\""),
            inline(date)
        );
        refused_before_running(&app.gql(Some(&officer), &q, variables).await, &q);
    }
    // `a` is valid whole; `b`'s input holds a variable left out (`$c`, nullable: a commune
    // of `null`) beside a bad one, or a non-null variable is not sent at all. async-graphql's
    // validation skipped such an argument whole, and `a` committed (`graphql::inputs`).
    let q = "mutation($c: String, $d: NaiveDate!, $m: Vnd) {
        a: createCase(input: { title: \"Thử\", violationType: SMUGGLING, commodityGroup: FROZEN_FOOD,
            channel: BORDER_TRAIL, detectedOn: \"2026-11-20\", goodsSummary: \"hàng\" }) { id }
        b: createCase(input: { title: \"Thử\", violationType: SMUGGLING, commodityGroup: FROZEN_FOOD,
            channel: BORDER_TRAIL, detectedOn: $d, goodsSummary: \"hàng\", commune: $c,
            fineAmount: $m }) { id } }";
    for variables in [
        json!({ "d": "2026-13-01" }),
        json!({ "d": "2026-11-20", "m": -5 }),
        json!({ "m": 5 }),
        json!({ "d": null }),
    ] {
        let r = app.gql(Some(&officer), q, variables.clone()).await;
        refused_before_running(&r, &variables.to_string());
    }
    assert_eq!(app.count::<entity::cases::Entity>().await, before);
    // Only the operation that runs is checked: another's variable of the same name is not a date.
    let two_operations =
        "query A($d: NaiveDate) { cases(first: 1, filter: { detectedFrom: $d }) { totalCount } }
        query B($d: String) { me { role } search: cases(first: 1, search: $d) { totalCount } }";
    let r = ok(app
        .post(
            Some(&officer),
            json!({ "query": two_operations, "operationName": "B", "variables": { "d": "không phải ngày" } }),
        )
        .await);
    assert!(r["data"]["me"]["role"].is_string(), "{r}");
    // A read: a request error (400 and no `data` for graphql-response+json), as a wrong `Int`.
    let resp = app
        .graphql_request(Some(&officer))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "query($d: NaiveDate) { me { role } cases(first: 1, filter: { detectedFrom: $d }) { nodes { code } } }",
                       "variables": { "d": "garbage" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let r: Value = resp.json().await.unwrap();
    assert!(r.get("data").is_none(), "{r}");
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    // Well-formed dates still run.
    ok(app
        .gql(
            Some(&officer),
            two,
            json!({ "good": case("2026-11-20"), "bad": case("2026-11-21") }),
        )
        .await);
    assert_eq!(app.count::<entity::cases::Entity>().await, before + 2);
}

/// GraphQL over HTTP as the HTTP specs say it (stop 31's contract review): `Accept` is read by
/// its qualities and case-insensitively; a 401 names its scheme; a JSON array is a batch, even
/// an empty one or one of strings, never a single request.
#[tokio::test]
async fn accept_qualities_401_and_arrays() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let bad = json!({ "query": "{ me { nope } }" });
    for (accept, status, media) in [
        (
            "application/graphql-response+json",
            400,
            "application/graphql-response+json",
        ),
        (
            "Application/GraphQL-Response+JSON",
            400,
            "application/graphql-response+json",
        ),
        (
            "application/graphql-response+json;q=0, application/json",
            200,
            "application/json",
        ),
        (
            "application/json;q=1, application/graphql-response+json;q=0.1",
            200,
            "application/json",
        ),
        (
            "application/json;q=0.5, application/graphql-response+json",
            400,
            "application/graphql-response+json",
        ),
        ("*/*", 200, "application/json"),
    ] {
        let resp = app
            .graphql_request(Some(&police))
            .header("accept", accept)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{accept}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with(media), "{accept}: {ct}");
    }
    let resp = app
        .graphql_request(Some("abc.def.ghi"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ me { role } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    // An empty batch is refused as a batch (answered with an array); an array of strings is
    // not a request at all.
    let resp = app.post_raw(Some(&police), "application/json", "[]").await;
    let r: Value = resp.json().await.unwrap();
    assert_eq!(error_codes(&r[0]), ["BAD_USER_INPUT"], "{r}");
    assert!(
        r[0]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1 to 10"),
        "{r}"
    );
    let resp = app
        .post_raw(Some(&police), "application/json", "[\"{ me { role } }\"]")
        .await;
    assert_eq!(resp.status(), 400);
    let r: Value = resp.json().await.unwrap();
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert!(r["data"].is_null(), "{r}");
    let resp = app
        .post_raw(
            Some(&police),
            "application/json",
            "[{\"query\": \"{ me { role } }\"}]",
        )
        .await;
    let r: Value = resp.json().await.unwrap();
    assert_eq!(r[0]["data"]["me"]["role"], "POLICE", "{r}");
}
