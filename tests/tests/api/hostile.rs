//! A hostile client (issue 12, first slices): requests bounded before they cost, no schema
//! hints, security headers, request ids that cannot flood the logs.

use api::auth::Role;
use hub389_tests::{TestApp, assert_refused, error_codes, failed, ok, refusal_codes};
use serde_json::json;

/// Fragments that each spread the next twice: 2^26 fields from about a kilobyte, with no
/// token. Refused by counting (memoised), before async-graphql's validation expands them.
#[tokio::test]
async fn fragment_fan_out_is_refused_before_validation() {
    let app = TestApp::spawn().await;
    let mut q = String::from("query { ...F0 }");
    for i in 0..26 {
        q.push_str(&format!(
            " fragment F{i} on QueryRoot {{ ...F{} ...F{} }}",
            i + 1,
            i + 1
        ));
    }
    q.push_str(" fragment F26 on QueryRoot { __typename }");
    let r = app.query(None, &q).await;
    assert_refused(&r, "BAD_USER_INPUT", "too many fields");
    // The server is still answering.
    let r = app.query(None, "{ __typename }").await;
    assert_eq!(r["data"]["__typename"], "QueryRoot");
}

#[tokio::test]
async fn aliases_are_capped() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let many: String = (0..60).map(|i| format!(" a{i}: me {{ role }}")).collect();
    failed(
        app.query(Some(&police), &format!("{{{many} }}")).await,
        "BAD_USER_INPUT",
    );
    let few: String = (0..5).map(|i| format!(" a{i}: me {{ role }}")).collect();
    ok(app.query(Some(&police), &format!("{{{few} }}")).await);
}

/// "Did you mean …" would name fields a caller may not see.
#[tokio::test]
async fn no_field_suggestions() {
    let app = TestApp::spawn().await;
    for q in [
        "{ subject }",
        "{ auditEvent { totalCount } }",
        "{ cases { nodes { reporterNam } } }",
    ] {
        let r = app.query(None, q).await;
        let text = r.to_string();
        assert!(
            !text.contains("Did you mean") && !text.contains("auditEvents"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn security_headers_and_no_caching() {
    let app = TestApp::spawn().await;
    let r = app
        .graphql_request(None)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    // GraphiQL keeps its own policy, which lets its scripts run.
    let r = app.browse("/graphql").await;
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
}

#[tokio::test]
async fn request_ids_are_validated() {
    let app = TestApp::spawn().await;
    let send = |id: String| {
        app.graphql_request(None)
            .header("x-request-id", id)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
    };
    let r = send("client-req-42".into()).await.unwrap();
    assert_eq!(r.headers()["x-request-id"], "client-req-42");
    let r = send("x".repeat(8000)).await.unwrap();
    let got = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(got.len() <= 64 && got != "x".repeat(8000), "{got}");
    let r = send("<script>".into()).await.unwrap();
    assert_ne!(r.headers()["x-request-id"], "<script>");
}

// ---------------------------------------------------------------------------------------------
// The publication check: no oracle on informants, normalised before it compares
// ---------------------------------------------------------------------------------------------

const DRAFT: &str = r#"mutation($case: ID!, $input: PublicationInput!) {
  draftPublication(caseId: $case, input: $input) { id version status awaitingReview } }"#;
const HEADLINE: &str = "Xử lý vụ vận chuyển hàng nhập lậu";
const BODY: &str = "Lực lượng chức năng đã phát hiện, xử lý một vụ vận chuyển hàng hóa nhập lậu.";

fn input(body: &str) -> serde_json::Value {
    json!({ "headline": HEADLINE, "body": body, "publicFacts": ["violation_type"] })
}

/// Drafts a publication of `case` with this body.
async fn draft(app: &TestApp, token: &str, case: &str, body: &str) -> serde_json::Value {
    app.gql(
        Some(token),
        DRAFT,
        json!({ "case": case, "input": input(body) }),
    )
    .await
}

/// Runs a publication step (`mutation($id: ID!, $v: Int!)`) on `publication` at version `v`.
async fn step(
    app: &TestApp,
    token: &str,
    mutation: &str,
    publication: &serde_json::Value,
    v: &serde_json::Value,
) -> serde_json::Value {
    app.gql(
        Some(token),
        mutation,
        json!({ "id": publication["id"], "v": v }),
    )
    .await
}

/// A settled case led by the customs with a named tip of the police linked to it, as the
/// police read that tip: (case id, informant name, customs token, police token).
async fn customs_case_with_police_informant(app: &TestApp) -> (String, String, String, String) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let [customs, police] = app.tokens_for([Role::Customs, Role::Police]);
    let r = app
        .query(Some(&customs), r#"{ cases(first: 1, filter: { leadAgency: "HQ", status: [HANDLED_ADMINISTRATIVELY, PROSECUTED, CLOSED] }) { nodes { id } } }"#)
        .await;
    let case = r["data"]["cases"]["nodes"][0]["id"]
        .as_str()
        .expect("a settled customs case")
        .to_string();
    let r = app
        .query(Some(&police), r#"{ tips(first: 100, filter: { assignedAgency: "CA" }) { nodes { id reporterName } } }"#)
        .await;
    let tip = r["data"]["tips"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["reporterName"].is_string())
        .expect("a named tip of the police")
        .clone();
    let name = tip["reporterName"].as_str().unwrap().to_string();
    let tip_row =
        entity::tips::Entity::find_by_id(hub389_tests::row_id(tip["id"].as_str().unwrap()))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
    let mut am: entity::tips::ActiveModel = tip_row.into();
    am.case_id = Set(Some(hub389_tests::row_id(&case)));
    am.update(&app.db).await.unwrap();
    (case, name, customs, police)
}

/// An app that allows `refusals_per_hour` refused publications, and the customs case of
/// [`customs_case_with_police_informant`] with `owner` among its subjects: (app, case id,
/// customs token).
async fn customs_case_with_owner(
    refusals_per_hour: u32,
    owner: serde_json::Value,
) -> (TestApp, String, String) {
    let app = TestApp::spawn_with_workflow(api::config::WorkflowSettings {
        publication_refusals_per_hour: refusals_per_hour,
        ..Default::default()
    })
    .await;
    let (case, _, customs, _) = customs_case_with_police_informant(&app).await;
    app.add_subject(&customs, &case, owner).await;
    (app, case, customs)
}

/// The bisection attack of the issue: a customs drafter, who may not read the police's
/// informant, tries the informant's name (and parts of it) and a false name. The answers are
/// the same — saved, waiting for the police's review — so nothing is learnt; the police
/// reviewer is told, the standing office cannot approve before that review, and a text with
/// the name never reaches the press.
#[tokio::test]
async fn the_informant_oracle_is_closed() {
    let app = TestApp::spawn().await;
    let office = app.token_for(Role::StandingOffice);
    let (case, name, customs, police) = customs_case_with_police_informant(&app).await;
    let first_word = name.split(' ').next().unwrap().to_string();
    let shape = |r: &serde_json::Value| {
        let p = &r["data"]["draftPublication"];
        (
            r["errors"].clone(),
            p["status"].clone(),
            p["awaitingReview"].clone(),
        )
    };
    let mut drafts = vec![];
    for probe in [name.clone(), first_word, "Trần Văn Không Có".to_string()] {
        let r = draft(
            &app,
            &customs,
            &case,
            &format!("{BODY} Người báo tin: {probe}."),
        )
        .await;
        drafts.push(r);
    }
    let expected = (serde_json::Value::Null, json!("DRAFT"), json!(true));
    for r in &drafts {
        assert_eq!(shape(r), expected, "{r}");
    }
    let real = &drafts[0]["data"]["draftPublication"];
    let fake = &drafts[2]["data"]["draftPublication"];
    let approve =
        r#"mutation($id: ID!, $v: Int!) { approvePublication(id: $id, version: $v) { status } }"#;
    let review = r#"mutation($id: ID!, $v: Int!) { passPublicationReview(id: $id, version: $v) { version awaitingReview } }"#;
    // The standing office waits for the review.
    failed(
        step(&app, &office, approve, real, &real["version"]).await,
        "BAD_USER_INPUT",
    );
    // The police reviewer reads the informant and is told.
    let r = step(&app, &police, review, real, &real["version"]).await;
    assert_refused(&r, "BAD_USER_INPUT", "informant's name");
    // The false name passes review and approval.
    let r = step(&app, &police, review, fake, &fake["version"]).await;
    assert_eq!(
        r["data"]["passPublicationReview"]["awaitingReview"], false,
        "{r}"
    );
    let v = r["data"]["passPublicationReview"]["version"].clone();
    let r = step(&app, &office, approve, fake, &v).await;
    assert_eq!(r["data"]["approvePublication"]["status"], "APPROVED", "{r}");
    // An agency of a role that reviews nothing has no such mutation at all.
    let border = app.token_for(Role::Officer);
    hub389_tests::assert_unknown_to_caller(
        &step(&app, &border, review, real, &real["version"]).await,
    );
}

/// The spellings that got police data past the old check: each is refused (the customs lead
/// agency reads the subjects of its own case, so it is told the kind).
#[tokio::test]
async fn disguised_spellings_are_refused() {
    let owner = json!({
        "kind": "PERSON", "role": "OWNER", "fullName": "Hoàng Văn Nam",
        "idNumber": "020080804601", "dateOfBirth": "1975-03-05",
        "address": "Số 12 ngõ 34 phố Lê Lợi, phường Đông Kinh"
    });
    let (app, case, customs) = customs_case_with_owner(100, owner).await;
    for (text, kind) in [
        ("Đối tượng Ноàng Văn Nam", "name"),         // Cyrillic Н and о
        ("Đối tượng Hoàng\u{200b} Văn Nam", "name"), // zero-width space
        ("Đối tượng HoangVanNam", "name"),           // no spaces
        ("Đối tượng H.o.a.n.g V.a.n N.a.m", "name"),
        ("CCCD ０２００８０８０４６０１", "ID number"), // full-width digits
        ("CCCD 02OO8O8O46O1", "ID number"),             // O for 0
        ("CCCD 020 080 804 601", "ID number"),
        ("sinh ngày 5/3/1975", "date of birth"),
        ("sinh ngày 05 tháng 03 năm 1975", "date of birth"),
        ("trú tại số 12 ngõ 34 phố Lê Lợi", "address"),
    ] {
        let r = draft(&app, &customs, &case, &format!("{BODY} {text}")).await;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{text}: {r}");
        let msg = r["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains(kind), "{text}: {msg}");
    }
}

/// Repeated refusals are rate-limited and leave an alert in the audit trail.
#[tokio::test]
async fn repeated_refusals_are_limited_and_alerted() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let owner = json!({ "kind": "PERSON", "role": "OWNER", "fullName": "Hoàng Văn Nam" });
    let (app, case, customs) = customs_case_with_owner(2, owner).await;
    let body = format!("{BODY} Hoàng Văn Nam");
    let mut codes = vec![];
    for _ in 0..3 {
        let r = draft(&app, &customs, &case, &body).await;
        codes.extend(error_codes(&r));
    }
    assert_eq!(codes, ["BAD_USER_INPUT", "BAD_USER_INPUT", "RATE_LIMITED"]);
    let alerts = entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::Operation.eq("publicationRefusalsAlert"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(alerts, 1);
}

/// A text refused at approval holds a datum its drafting agency may not read (what it reads,
/// its own check refuses), and the agency sees its text sent back: an answer to a guess. A
/// review (stop 33) confirmed an informant's name so, through a tip held by an agency that
/// reads no informant (so nobody reviews the text). These refusals count against the drafting
/// agency, and past the bound each is audited as an alert.
#[tokio::test]
async fn texts_refused_at_approval_count_against_the_drafting_agency() {
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
        Set,
    };
    let app = TestApp::spawn_with_workflow(api::config::WorkflowSettings {
        publication_refusals_per_hour: 1,
        ..Default::default()
    })
    .await;
    let office = app.token_for(Role::StandingOffice);
    let (case, name, customs, _) = customs_case_with_police_informant(&app).await;
    // The tip is with customs, which reads no informant: nobody reviews the text.
    let hq = entity::agencies::Entity::find()
        .filter(entity::agencies::Column::Code.eq("HQ"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let tip = entity::tips::Entity::find()
        .filter(entity::tips::Column::CaseId.eq(hub389_tests::row_id(&case)))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut am = tip.into_active_model();
    am.assigned_agency_id = Set(Some(hq.id));
    am.update(&app.db).await.unwrap();
    let approve =
        r#"mutation($id: ID!, $v: Int!) { approvePublication(id: $id, version: $v) { status } }"#;
    let alerts = async || {
        entity::audit_events::Entity::find()
            .filter(entity::audit_events::Column::Operation.eq("publicationRefusalsAlert"))
            .count(&app.db)
            .await
            .unwrap()
    };
    for expected_alerts in [0, 1] {
        let r = draft(
            &app,
            &customs,
            &case,
            &format!("{BODY} Người báo tin: {name}."),
        )
        .await;
        let p = &r["data"]["draftPublication"];
        assert_eq!(p["awaitingReview"], false, "{r}");
        failed(
            step(&app, &office, approve, p, &p["version"]).await,
            "BAD_USER_INPUT",
        );
        assert_eq!(alerts().await, expected_alerts);
    }
}

// ---------------------------------------------------------------------------------------------
// Cost, budgets, trusted documents, visibility, claims, small cells, typed input
// ---------------------------------------------------------------------------------------------

/// Twenty aliases of `cases(first: 100)` with a nested list weigh 100 rows each: refused by cost
/// before any SQL (the 1,666 of the issue are refused sooner, by the alias cap).
#[tokio::test]
async fn row_weighted_cost_is_refused_before_any_sql() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    // Each alias: 100 rows × (code, status, and a nested list of seizures weighed 10 rows).
    let q: String = (0..20)
        .map(|i| {
            format!(" a{i}: cases(first: 100) {{ nodes {{ code status seizures {{ item }} }} }}")
        })
        .collect();
    app.reset_statements();
    let r = app.query(Some(&police), &format!("{{{q} }}")).await;
    assert_refused(&r, "BAD_USER_INPUT", "too complex");
    // Authentication reads the agency; no query of cases ran.
    assert!(
        !app.statement_log().iter().any(|s| s.contains("\"cases\"")),
        "{:?}",
        app.statement_log()
    );
    // Five YEAR statistics weigh 5 × 12 months: refused as well; one is fine.
    let stat = |n: usize| -> String {
        (0..n)
            .map(|i| format!(" s{i}: statistics(period: {{ kind: YEAR, year: 2025 }}) {{ total {{ casesDetected {{ value }} }} }}"))
            .collect()
    };
    failed(
        app.query(Some(&police), &format!("{{{} }}", stat(5))).await,
        "BAD_USER_INPUT",
    );
    ok(app.query(Some(&police), &format!("{{{} }}", stat(1))).await);
}

/// Each user has a cost budget per minute; past it, 429 and nothing runs.
#[tokio::test]
async fn cost_budget_per_subject() {
    let app = TestApp::spawn_with_limits(api::config::Limits {
        cost_budget_per_minute: 1_000,
        max_cost: 500,
        ..hub389_tests::test_limits()
    })
    .await;
    let police = app.token_for(Role::Police);
    let q = "{ cases(first: 100) { nodes { code } } }"; // ~201
    for _ in 0..4 {
        ok(app.query(Some(&police), q).await);
    }
    let resp = app
        .graphql_request(Some(&police))
        .json(&json!({ "query": q }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    let r: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(error_codes(&r), ["RATE_LIMITED"], "{r}");
    // Another user is not affected.
    let customs = app.token_as("another-user", Role::Customs, Some("HQ"), None);
    ok(app.query(Some(&customs), q).await);
}

/// Introspection is charged to the budget too: the cost analysis counts meta-fields as
/// nothing, and a user past its budget still read the whole schema (a review, stop 35).
#[tokio::test]
async fn introspection_is_charged_to_the_budget() {
    let app = TestApp::spawn_with_limits(api::config::Limits {
        cost_budget_per_minute: 6_000,
        max_cost: 5_000,
        ..hub389_tests::test_limits()
    })
    .await;
    let police = app.token_for(Role::Police);
    let q = "{ __schema { types { name } } }";
    for _ in 0..2 {
        ok(app.query(Some(&police), q).await);
    }
    let r = app.query(Some(&police), q).await;
    assert_eq!(error_codes(&r), ["RATE_LIMITED"], "{r}");
}

/// With the default policy the press and anonymous callers run registered documents only (the
/// server's own are registered at start); other roles run anything.
#[tokio::test]
async fn trusted_documents_for_the_press_and_anonymous() {
    let app = TestApp::spawn_with_limits(api::config::Limits {
        cost_budget_per_minute: 0,
        ..Default::default()
    })
    .await;
    let [press, police] = app.tokens_for([Role::Press, Role::Police]);
    let adhoc = "{ publishedCases(first: 1) { nodes { headline } } }";
    failed(app.query(Some(&press), adhoc).await, "FORBIDDEN");
    failed(app.query(None, "{ __typename }").await, "FORBIDDEN");
    ok(app.query(Some(&police), adhoc).await);

    let (_, doc) = api::graphql::trusted::BUILT_IN
        .iter()
        .find(|(n, _)| *n == "published-cases.graphql")
        .unwrap();
    let sha = api::graphql::trusted::hash(doc);
    // By hash (Apollo's persisted queries), by documentId, and as the full text.
    for body in [
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha } }, "variables": { "first": 2 } }),
        json!({ "extensions": { "documentId": format!("sha256:{sha}") }, "variables": { "first": 2 } }),
        json!({ "query": doc, "variables": { "first": 2 } }),
    ] {
        let r = app.post(Some(&press), body).await;
        assert!(r["errors"].is_null(), "{r}");
        assert!(r["data"]["publishedCases"]["nodes"].is_array(), "{r}");
    }
    // An unknown hash, and a hash that is not the text's.
    let r = app
        .post(Some(&press), json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } } }))
        .await;
    assert_eq!(r["errors"][0]["message"], "PersistedQueryNotFound", "{r}");
    let r = app
        .post(Some(&police), json!({ "query": adhoc, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha } } }))
        .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    // The public tip form works without a token.
    let (_, status_doc) = api::graphql::trusted::BUILT_IN
        .iter()
        .find(|(n, _)| *n == "tip-status.graphql")
        .unwrap();
    let r = app
        .post(None, json!({ "query": status_doc, "variables": { "trackingCode": "TB-AAAA-BBBB-CCCC-DDDD" } }))
        .await;
    assert_eq!(error_codes(&r), ["NOT_FOUND"], "{r}");
}

/// What a role does not see fails as a name that does not exist, whole: the same errors, as
/// many, in the same places — not only at the top. Validation looked inside a hidden field, a
/// fragment on a hidden type or a hidden input object, so a misspelt name there was reported on
/// its hidden type (the rest confirmed by silence), a hidden type in a fragment or a variable
/// gave another count of errors than a made-up one, and a hidden filter ran to a `FORBIDDEN`
/// naming its compartment (stop 35's review). Each pair below differs only by a hidden name
/// against a made-up one; with that name swapped, the two answers are the same text.
#[tokio::test]
async fn hidden_names_fail_whole_as_names_that_do_not_exist() {
    let app = TestApp::spawn().await;
    let [leader, commune, press] = app.tokens_for([Role::Leader, Role::Commune, Role::Press]);
    let pairs: [(&str, &str, serde_json::Value, &str, &str); 14] = [
        // A variable declared with another type than its place (async-graphql never checked
        // it: the hidden value reached the resolver).
        (
            &commune,
            "mutation($k: String) { watch(kind: $k, value: \"020090168682\") { id } }",
            json!({ "k": "ID_NUMBER" }),
            "ID_NUMBER",
            "ID_NUMBEX",
        ),
        // Under a field without a type, validation still reads an inline fragment's type.
        (
            &leader,
            "{ bogus { ... on Subject { idNumbex } } }",
            json!({}),
            "Subject",
            "Foo",
        ),
        (
            &leader,
            "{ me { role } cases(first: 1) { nodes { subjects { ... on Case { code nope } } } } }",
            json!({}),
            "subjects",
            "subjectz",
        ),
        (
            &leader,
            "{ cases(first: 1) { nodes { subjects { fullName passportNumber } } } }",
            json!({}),
            "subjects",
            "foos",
        ),
        (
            &leader,
            "{ cases(first: 1) { nodes { code subjects(x: 1) { fullName } } } }",
            json!({}),
            "subjects",
            "foos",
        ),
        (
            &leader,
            "{ node(id: \"x\") { ...S } } fragment S on Subject { fullName bogus }",
            json!({}),
            "Subject",
            "Foo",
        ),
        (
            &leader,
            "{ me { role } } fragment S on Subject { fullName }",
            json!({}),
            "Subject",
            "Foo",
        ),
        (
            &leader,
            "{ me { role } ... on Subject { fullName } }",
            json!({}),
            "Subject",
            "Foo",
        ),
        (
            &leader,
            "query($s: SubjectInput) { me { role } }",
            json!({}),
            "SubjectInput",
            "FooInput",
        ),
        (
            &leader,
            "{ cases(first: 1, filter: { subjectName: \"Nam\" }) { totalCount } }",
            json!({}),
            "subjectName",
            "fooName",
        ),
        (
            &leader,
            "query($f: CaseFilter) { cases(first: 1, filter: $f) { totalCount } }",
            json!({ "f": { "subjectName": "Nam" } }),
            "subjectName",
            "fooName",
        ),
        (
            &commune,
            "mutation($k: WatchKind!) { watch(kind: $k, value: \"020090168682\") { id } }",
            json!({ "k": "ID_NUMBER" }),
            "ID_NUMBER",
            "FOO_NUMBER",
        ),
        // The press: official groups and periods only.
        (
            &press,
            "query($g: [Dimension!]!) { statistics(period: { kind: YEAR, year: 2026 }, groupBy: $g) { total { casesDetected { value } } } }",
            json!({ "g": ["AGENCY"] }),
            "AGENCY",
            "AGENXY",
        ),
        (
            &press,
            "{ statistics(period: { kind: RANGE, from: \"2026-05-07\", to: \"2026-05-07\" }) { total { casesDetected { value } } } }",
            json!({}),
            "RANGE",
            "RANGX",
        ),
    ];
    for (token, doc, vars, hidden, made_up) in pairs {
        let swap = |v: &serde_json::Value| {
            serde_json::from_str::<serde_json::Value>(&v.to_string().replace(hidden, made_up))
                .unwrap()
        };
        let seen = app.gql(Some(token), doc, vars.clone()).await;
        let unknown = app
            .gql(Some(token), &doc.replace(hidden, made_up), swap(&vars))
            .await;
        assert!(
            seen["data"].is_null() && !seen["errors"].as_array().unwrap().is_empty(),
            "{seen}"
        );
        assert_eq!(swap(&seen), unknown, "{doc}");
    }
    // The literal enum value too, and written as a string, which validation takes for the
    // value of that name (stop 35's second review ran it into the resolver).
    for doc in [
        "mutation { watch(kind: ID_NUMBER, value: \"020090168682\") { id } }",
        "mutation { watch(kind: \"ID_NUMBER\", value: \"020090168682\") { id } }",
    ] {
        let seen = app.query(Some(&commune), doc).await;
        let unknown = app
            .query(Some(&commune), &doc.replace("ID_NUMBER", "FOO"))
            .await;
        assert_eq!(
            seen.to_string().replace("ID_NUMBER", "FOO"),
            unknown.to_string()
        );
    }
    // A variable takes its type from the operation that runs, not from another one of the
    // document naming it too (a `String` was renamed as the other's hidden enum value).
    let so = app.token_for(Role::StandingOffice);
    let doc = "query A($k: String!) { statistics(period: { kind: CAMPAIGN, campaign: $k }) { total { casesDetected { value } } } }
        query B($k: WatchKind!) { watches { id } }";
    let run = async |k: &str| {
        let body = json!({ "query": doc, "operationName": "A", "variables": { "k": k } });
        app.post(Some(&so), body).await.to_string()
    };
    let seen = run("ID_NUMBER").await;
    assert!(!seen.contains('\u{E000}'), "{seen}");
    assert_eq!(
        seen.replace("ID_NUMBER", "ID_NUMBEQ"),
        run("ID_NUMBEQ").await
    );
    // Without an operation chosen, nothing runs, whatever the values: said before validation.
    let doc =
        "query A($k: WatchKind!) { watches { id } } query B($k: WatchKind!) { watches { id } }";
    let none = async |k: &str| {
        let body = json!({ "query": doc, "variables": { "k": k } });
        app.post(Some(&commune), body).await
    };
    let (seen, unknown) = (none("ID_NUMBER").await, none("ID_NUMBEQ").await);
    assert_eq!(seen, unknown);
    assert_eq!(
        seen["errors"][0]["message"], "Operation name required in request.",
        "{seen}"
    );
    // The mark itself is not taken from clients: stripped from the messages, it made them
    // read falsely (a visible field named unknown).
    let leader_filter = "query($f: CaseFilter) { cases(first: 1, filter: $f) { totalCount } }";
    for (doc, vars) in [
        (
            leader_filter,
            json!({ "f": { "status\u{E000}": "CLOSED" } }),
        ),
        (
            leader_filter,
            json!({ "f": { "status": ["CLOSED\u{E000}"] } }),
        ),
        (
            "{ cases(first: 1, search: \"a\u{E000}b\") { totalCount } }",
            json!({}),
        ),
    ] {
        let r = app.gql(Some(&leader), doc, vars).await;
        assert_eq!(hub389_tests::error_codes(&r), ["BAD_USER_INPUT"], "{r}");
        assert!(
            r["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("U+E000"),
            "{r}"
        );
    }
    // Nothing bounded how deeply a literal nests: 650 lists deep, without a token, aborted the
    // whole process (stack overflow). Refused before parsing, by POST and GET; the server
    // answers the next request.
    let deep = format!(
        "{{ tipStatus(trackingCode: {}1{}) {{ __typename }} }}",
        "[".repeat(700),
        "]".repeat(700)
    );
    let r = app.query(None, &deep).await;
    assert_eq!(hub389_tests::error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", deep.as_str())])
        .header("accept", "application/json")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(r.status(), 200);
    let r: serde_json::Value = r.json().await.unwrap();
    assert_eq!(hub389_tests::error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    // A default value of a list of an unknown type once killed its request's handler
    // (async-graphql looked the type up and panicked): now an error like any other.
    let r = app.query(None, "query($v: [X] = [1]) { __typename }").await;
    assert!(
        r["errors"][0]["message"] == "Unknown type \"X\"" && r["data"].is_null(),
        "{r}"
    );
}

/// A field a role can never read fails validation for it exactly as a field that does not
/// exist: same message, same code, nothing runs.
#[tokio::test]
async fn invisible_fields_do_not_exist_for_the_role() {
    let app = TestApp::spawn().await;
    let [leader, press] = app.tokens_for([Role::Leader, Role::Press]);
    let hidden = app
        .query(
            Some(&leader),
            "{ cases(first: 1) { nodes { subjects { fullName } } } }",
        )
        .await;
    let missing = app
        .query(
            Some(&leader),
            "{ cases(first: 1) { nodes { subjectz { fullName } } } }",
        )
        .await;
    assert_eq!(error_codes(&hidden), ["BAD_USER_INPUT"], "{hidden}");
    assert!(hidden["data"].is_null(), "{hidden}");
    assert_eq!(
        hidden["errors"][0]["message"]
            .as_str()
            .unwrap()
            .replace("subjects", "X"),
        missing["errors"][0]["message"]
            .as_str()
            .unwrap()
            .replace("subjectz", "X"),
    );
    let r = app.query(Some(&press), "{ cases { totalCount } }").await;
    assert_eq!(
        r["errors"][0]["message"], "Unknown field \"cases\" on type \"QueryRoot\".",
        "{r}"
    );
    let r = app.query(None, "{ tips { totalCount } }").await;
    assert_eq!(
        r["errors"][0]["message"], "Unknown field \"tips\" on type \"QueryRoot\".",
        "{r}"
    );
    // A fragment on a hidden type, and an input field the role does not see.
    let r = app
        .query(
            Some(&leader),
            "{ node(id: \"x\") { ... on Subject { fullName } } }",
        )
        .await;
    assert_eq!(r["errors"][0]["message"], "Unknown type \"Subject\"", "{r}");
    // An enum of the vocabulary table hidden from a role (the report figures: not the
    // communes') is not in its schema either; a role that files reports sees it whole.
    let [commune, customs] = app.tokens_for([Role::Commune, Role::Customs]);
    let report_field = "{ __type(name: \"ReportField\") { enumValues { name } } }";
    let r = app.query(Some(&commune), report_field).await;
    assert!(r["data"]["__type"].is_null(), "{r}");
    let r = app.query(Some(&customs), report_field).await;
    let values = r["data"]["__type"]["enumValues"].as_array().unwrap();
    assert_eq!(values.len(), 11, "{r}");
    assert_eq!(values[3]["name"], "SUBJECT_COUNT", "{r}");
    // The police see them.
    let police = app.token_for(Role::Police);
    ok(app
        .query(
            Some(&police),
            "{ cases(first: 1) { nodes { subjects { fullName } } } }",
        )
        .await);
}

/// A `police` token naming the customs agency (or a commune token naming another commune's
/// committee) is refused: the role must fit the agency.
#[tokio::test]
async fn role_and_agency_must_fit() {
    let app = TestApp::spawn().await;
    for (role, agency, commune) in [
        (Role::Police, "HQ", None),
        (Role::Customs, "CA", None),
        (Role::Press, "CA", None),
        (Role::Officer, "CA", None),
        (Role::Commune, "UBND_DONG_DANG", Some("TAN_THANH")),
        // An officer is an agency of the committee (stop 34's review filed reports for the
        // Fatherland Front and made the leadership lead a task): not an organisation outside
        // it, not the leadership nor its office; a leader is the leadership.
        (Role::Officer, "MTTQ", None),
        (Role::Officer, "UBND_TINH", None),
        (Role::Officer, "VP_UBND", None),
        (Role::Officer, "SXD", None),
        (Role::StandingOffice, "UBND_TINH", None),
        (Role::StandingOffice, "MTTQ", None),
        (Role::Leader, "CA", None),
    ] {
        let t = app.token(role, Some(agency), commune);
        let r = app.query(Some(&t), "{ me { role } }").await;
        assert_eq!(
            error_codes(&r),
            ["UNAUTHENTICATED"],
            "{role:?} {agency}: {r}"
        );
    }
    let t = app.token_for(Role::Police);
    let r = app.query(Some(&t), "{ me { role } }").await;
    assert_eq!(r["data"]["me"]["role"], "POLICE", "{r}");
    // A unit of a member agency sits on the committee with it: the forest rangers under the
    // agriculture department, Team 389 under market management.
    for (role, agency) in [
        (Role::Officer, "KIEMLAM"),
        (Role::Officer, "DOI389"),
        (Role::Leader, "UBND_TINH"),
    ] {
        let t = app.token(role, Some(agency), None);
        ok(app.query(Some(&t), "{ me { role } }").await);
    }
}

/// Tokens' agencies are kept in memory for a minute, but a change of an agency on this
/// instance applies at once: a police token naming an agency that stops being a police agency
/// is refused by the next request.
#[tokio::test]
async fn an_agency_change_applies_to_tokens_at_once() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let me = "{ me { role } }";
    for _ in 0..2 {
        let r = app.query(Some(&police), me).await;
        assert_eq!(r["data"]["me"]["role"], "POLICE", "{r}");
    }
    let admin = app.token_for(Role::Admin);
    let r = app
        .query(Some(&admin), "{ agencies { id code version } }")
        .await;
    let agency = r["data"]["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "CA")
        .unwrap()
        .clone();
    // Lists show agencies from the same directory: a case's lead agency, read once (kept)...
    let leads = "{ cases(first: 100) { nodes { leadAgency { code name } } } }";
    let ca_name = |r: &serde_json::Value| {
        r["data"]["cases"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["leadAgency"]["code"] == "CA")
            .map(|c| c["leadAgency"]["name"].clone())
    };
    let leader = app.token_for(Role::Leader);
    let before = ca_name(&app.query(Some(&leader), leads).await);
    assert!(before.is_some(), "a demo case led by CA");
    let r = app
        .gql(
            Some(&admin),
            "mutation($id: ID!, $v: Int!) { updateAgency(id: $id, version: $v, input: { kind: CUSTOMS, name: \"Cục Hải quan mới\" }) { kind } }",
            json!({ "id": agency["id"], "v": agency["version"] }),
        )
        .await;
    assert_eq!(r["data"]["updateAgency"]["kind"], "CUSTOMS", "{r}");
    failed(app.query(Some(&police), me).await, "UNAUTHENTICATED");
    // ... shows the new name at once.
    let after = ca_name(&app.query(Some(&leader), leads).await);
    assert_eq!(after, Some(json!("Cục Hải quan mới")));
}

/// The press never sees a figure resting on fewer than three cases, nor one it could work out
/// by subtraction: its figures are sums of the reporting-month × group cells shown, so a
/// quarter is exactly the sum of its three months, and the total the sum of the groups.
#[tokio::test]
async fn the_press_cannot_single_out_a_case() {
    let app = TestApp::spawn().await;
    let [press, leader] = app.tokens_for([Role::Press, Role::Leader]);
    let q = r#"query($p: PeriodInput!) { statistics(period: $p, groupBy: [OFFICIAL_GROUP]) {
        suppressed rows { officialGroup figures { casesDetected { value previous lastYear }
          fines { value } goodsValue { value } } }
        total { casesDetected { value } goodsValue { value } } } }"#;
    let get = |r: &serde_json::Value, group: &str, figure: &str| -> i64 {
        r["data"]["statistics"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["officialGroup"] == group)
            .map(|row| row["figures"][figure]["value"].as_i64().unwrap())
            .unwrap_or(0)
    };
    let mut withheld = false;
    let quarter = ok(app
        .gql(
            Some(&press),
            q,
            json!({ "p": { "kind": "QUARTER", "year": 2026, "quarter": 1 } }),
        )
        .await);
    let mut months = vec![];
    for m in 1..=3 {
        let vars = json!({ "p": { "kind": "MONTH", "year": 2026, "month": m } });
        let r = ok(app.gql(Some(&press), q, vars.clone()).await);
        withheld |= r["data"]["statistics"]["suppressed"] == true;
        for row in r["data"]["statistics"]["rows"].as_array().unwrap() {
            let n = row["figures"]["casesDetected"]["value"].as_i64().unwrap();
            assert!(n == 0 || n >= 3, "2026-{m}: {r}");
        }
        // The leader sees the true figures, small cells included; the split of the cases
        // handled goes with the police figures, which it never gets.
        let lead = app.gql(Some(&leader), q, vars).await;
        assert!(
            lead["data"]["statistics"]["total"]["casesDetected"]["value"].is_i64(),
            "{lead}"
        );
        assert!(
            refusal_codes(&lead).iter().all(|c| c == "FORBIDDEN"),
            "{lead}"
        );
        months.push(r);
    }
    // Nor does the press: beside the statuses its summaries declare, the split named a closed
    // case that was prosecuted (stop 34's review). It is not in the press's schema.
    let r = app
        .query(
            Some(&press),
            "{ statistics(period: { kind: YEAR, year: 2026 }) { total { casesHandledCriminally { value } } } }",
        )
        .await;
    hub389_tests::assert_unknown_to_caller(&r);
    for group in [
        "SMUGGLING_AND_PROHIBITED",
        "TRADE_AND_TAX_FRAUD",
        "COUNTERFEIT_AND_IP",
    ] {
        for figure in ["casesDetected", "fines", "goodsValue"] {
            let sum: i64 = months.iter().map(|r| get(r, group, figure)).sum();
            assert_eq!(
                get(&quarter, group, figure),
                sum,
                "{group} {figure}: Q1 = its months"
            );
        }
    }
    assert!(
        withheld,
        "the demo data has small cells in the first quarter"
    );
    // Figures that are not public are not in the press's schema.
    let r = app
        .query(
            Some(&press),
            "{ statistics(period: { kind: YEAR, year: 2025 }) { total { defendants { value } } } }",
        )
        .await;
    assert_eq!(
        r["errors"][0]["message"], "Unknown field \"defendants\" on type \"StatisticsFigures\".",
        "{r}"
    );
}

/// Wrongly typed input is the client's mistake: `BAD_USER_INPUT`, never `INTERNAL`.
#[tokio::test]
async fn wrongly_typed_input_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    for (q, vars) in [
        ("{ cases(filter: 1) { totalCount } }", json!({})),
        ("{ cases(first: \"100\") { totalCount } }", json!({})),
        (
            "mutation($i: NewCaseInput!) { createCase(input: $i) { id } }",
            json!({ "i": { "title": "x", "violationType": "SMUGGLING", "commodityGroup": "CIGARETTES",
                           "channel": "INLAND_TRANSPORT", "commune": "DONG_DANG", "detectedOn": "2026-10-02",
                           "fineAmount": "100" } }),
        ),
        (
            "mutation { createCase(input: { title: \"x\", violationType: SMUGGLING, commodityGroup: CIGARETTES, channel: INLAND_TRANSPORT, commune: \"DONG_DANG\", detectedOn: \"2026-10-02\", fineAmount: \"100\" }) { id } }",
            json!({}),
        ),
        (
            "query($f: CaseFilter) { cases(filter: $f) { totalCount } }",
            json!({ "f": 1 }),
        ),
        (
            "query($f: CaseFilter) { cases(filter: $f) { totalCount } }",
            json!({ "f": { "status": 7 } }),
        ),
        // Found by the fuzzer (scripts/fuzz): a required variable left out, a list where an
        // input object goes, an object where a date goes.
        (
            "query($c: String!) { tipStatus(trackingCode: $c) { status } }",
            json!({}),
        ),
        (
            "mutation { submitTip(input: [{}]) { trackingCode } }",
            json!({}),
        ),
        (
            "{ cases(filter: { detectedFrom: {} }) { totalCount } }",
            json!({}),
        ),
    ] {
        let r = app.gql(Some(&police), q, vars).await;
        let codes = error_codes(&r);
        assert!(
            !codes.is_empty() && codes.iter().all(|c| c == "BAD_USER_INPUT"),
            "{q}: {r}"
        );
    }
}

/// A passed validation is kept by document, operation and variables (`graphql/documents.rs`):
/// the same text with other variables is validated again, and its cost follows them.
#[tokio::test]
async fn a_kept_validation_serves_only_the_same_variables() {
    let app = TestApp::spawn_with_limits(api::config::Limits {
        max_cost: 500,
        ..hub389_tests::test_limits()
    })
    .await;
    let police = app.token_for(Role::Police);
    let q = "query List($f: CaseFilter, $n: Int) { cases(filter: $f, first: $n) { nodes { code seizures { item } } } }";
    let few = json!({ "f": { "status": "DETECTED" }, "n": 5 });
    for _ in 0..2 {
        ok(app.gql(Some(&police), q, few.clone()).await);
        // A wrongly typed variable, then a costlier page: refused each time, though the text
        // passed with the first variables.
        // Refused by validation itself, before anything runs: an error without a path.
        let mistyped = app
            .gql(Some(&police), q, json!({ "f": { "status": 7 }, "n": 5 }))
            .await;
        assert!(before_running(failed(mistyped, "BAD_USER_INPUT")));
        let costly = app
            .gql(Some(&police), q, json!({ "f": null, "n": 100 }))
            .await;
        assert_refused(&costly, "BAD_USER_INPUT", "too complex");
    }
    // An empty operation name names no operation, so async-graphql's validation does not check
    // the variables and passes (the request then fails choosing its operation). What it passed
    // must not serve the same text and variables without a name, which validation refuses.
    let mistyped = json!({ "f": { "status": 7 }, "n": 5 });
    let body = |name: Option<&str>| {
        let mut body = json!({ "query": q, "variables": mistyped });
        if let Some(name) = name {
            body["operationName"] = json!(name);
        }
        body
    };
    failed(
        app.post(Some(&police), body(Some(""))).await,
        "BAD_USER_INPUT",
    );
    let unnamed = app.post(Some(&police), body(None)).await;
    assert!(before_running(failed(unnamed, "BAD_USER_INPUT")));
}

/// Whether a refused response's error came before execution: no data, no path (a resolver's
/// error would carry the path of its field).
fn before_running(resp: serde_json::Value) -> bool {
    resp["data"].is_null() && resp["errors"][0]["path"].is_null()
}

/// `tipStatus` answers a few lookups per address per minute, found or not.
#[tokio::test]
async fn tip_status_is_rate_limited() {
    let app = TestApp::spawn_with_workflow(api::config::WorkflowSettings {
        tip_status_rate_per_minute: 3,
        ..Default::default()
    })
    .await;
    let q = "{ tipStatus(trackingCode: \"TB-AAAA-BBBB-CCCC-DDDD\") { status } }";
    let mut codes = vec![];
    for _ in 0..4 {
        codes.extend(error_codes(&app.query(None, q).await));
    }
    assert_eq!(
        codes,
        ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "RATE_LIMITED"]
    );
}

/// A search by a subject's name or ID number is audited, whatever it matched.
#[tokio::test]
async fn restricted_searches_are_audited() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    for filter in [
        json!({ "subjectName": "Không Có Ai" }),
        json!({ "subjectIdNumber": "001234567890" }),
    ] {
        ok(app
            .gql(
                Some(&police),
                "query($f: CaseFilter) { cases(filter: $f) { totalCount } }",
                json!({ "f": filter }),
            )
            .await);
    }
    let events = entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::Entity.eq("caseSearch"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    let fields: Vec<String> = events.iter().map(|e| format!("{:?}", e)).collect();
    assert!(
        fields.iter().any(|f| f.contains("subjects.fullName")),
        "{fields:?}"
    );
    assert!(
        fields.iter().any(|f| f.contains("subjects.idNumber")),
        "{fields:?}"
    );
}

/// A 50 MB body is refused with 413 from its `Content-Length` alone: the server answers
/// while the client has sent only a kilobyte of it.
#[tokio::test]
async fn a_huge_body_is_refused_without_being_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        50 * 1024 * 1024
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&[b' '; 1024]).await.unwrap();
    let mut buf = vec![0u8; 4096];
    // If the server waited for the rest of the body, this read would never return; the
    // timeout only keeps such a failure from hanging the suite.
    let n = tokio::time::timeout(std::time::Duration::from_secs(60), s.read(&mut buf))
        .await
        .expect("the server answered before the body was sent")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("BAD_USER_INPUT"), "{text}");
}

/// The query text is bounded before parsing (64 KB), well inside the body limit.
#[tokio::test]
async fn long_query_text_is_refused_before_parsing() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let q = format!("{{ me {{ role }} }} # {}", "x".repeat(70 * 1024));
    let r = app.query(Some(&police), &q).await;
    assert_refused(&r, "BAD_USER_INPUT", "longer than 64 KB");
    // The graphql-response media type is accepted as the request's type too.
    let resp = app
        .post_raw(
            Some(&police),
            "application/graphql-response+json",
            r#"{"query":"{ me { role } }"}"#,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let r: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(r["data"]["me"]["role"], "POLICE", "{r}");
}

/// A registered mutation named by its hash in a GET's URL does not run: any page could
/// otherwise make its visitors' browsers submit tips.
#[tokio::test]
async fn a_persisted_mutation_does_not_run_by_get() {
    let app = TestApp::spawn_with_limits(api::config::Limits {
        cost_budget_per_minute: 0,
        ..Default::default()
    })
    .await;
    let (_, doc) = api::graphql::trusted::BUILT_IN
        .iter()
        .find(|(n, _)| *n == "submit-tip.graphql")
        .unwrap();
    let sha = api::graphql::trusted::hash(doc);
    let before = app.count::<entity::tips::Entity>().await;
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha } }).to_string();
    let vars = json!({ "input": { "channel": "ONLINE_FORM", "content": "Có xe tải chở hàng lậu qua đường mòn vào ban đêm." } }).to_string();
    let url = format!(
        "{}/graphql?extensions={}&variables={}",
        app.base,
        urlencode(&ext),
        urlencode(&vars)
    );
    let resp = app.client.get(&url).send().await.unwrap();
    // 405 with `Allow: POST`, as for the text of a mutation in a GET (stop 31's review).
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    let r: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(app.count::<entity::tips::Entity>().await, before);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// On PostgreSQL every pooled connection carries the statement timeout, so a runaway
/// statement is cancelled by the database itself.
#[tokio::test]
async fn postgres_connections_carry_a_statement_timeout() {
    use sea_orm::ConnectionTrait;
    if hub389_tests::backend() != hub389_tests::Backend::Postgres {
        return;
    }
    let app = TestApp::spawn().await;
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SHOW statement_timeout",
        ))
        .await
        .unwrap()
        .unwrap();
    let v: String = row.try_get("", "statement_timeout").unwrap();
    assert_eq!(v, "10s");
}

/// An operation that would start after its request's deadline does not start: with the
/// deadline already past when the request arrives, a query and both operations of a batch
/// are answered with the timeout error and no mutation runs.
#[tokio::test]
async fn nothing_starts_after_the_deadline() {
    let app = TestApp::spawn_with_limits(api::config::Limits {
        request_timeout: std::time::Duration::ZERO,
        ..hub389_tests::test_limits()
    })
    .await;
    let police = app.token_for(Role::Police);
    let r = app
        .query(Some(&police), "{ cases(first: 5) { totalCount } }")
        .await;
    assert_refused(&r, "BAD_USER_INPUT", "was stopped");
    let before = app.count::<entity::tips::Entity>().await;
    let submit = json!({
        "query": "mutation($i: NewTipInput!) { submitTip(input: $i) { trackingCode } }",
        "variables": { "i": { "channel": "HOTLINE", "content": "Có xe tải chở hàng lậu qua đường mòn vào ban đêm." } }
    });
    // A write out of time is the database's holding it up, never the client's to shrink:
    // `UNAVAILABLE`, to be retried.
    let batch = app.post(Some(&police), json!([submit, submit])).await;
    for r in batch.as_array().unwrap() {
        assert_eq!(error_codes(r), ["UNAVAILABLE"], "{r}");
    }
    assert_eq!(app.count::<entity::tips::Entity>().await, before);
}

/// A text search is charged as the scan it is (`cost::COUNT`, as the README says): three
/// searches in one request pass a limit three plain pages pass only when they are not
/// charged (stop 31's review found the charge written but never applied).
#[tokio::test]
async fn a_search_is_charged_as_a_scan() {
    let app = TestApp::spawn_with_limits(api::config::Limits {
        cost_budget_per_minute: 0,
        max_cost: 250,
        ..hub389_tests::test_limits()
    })
    .await;
    let police = app.token_for(Role::Police);
    let three = |search: &str| -> String {
        let args = if search.is_empty() {
            String::new()
        } else {
            format!(", search: \"{search}\"")
        };
        (0..3)
            .map(|i| format!(" a{i}: cases(first: 1{args}) {{ nodes {{ code }} }}"))
            .collect()
    };
    ok(app
        .query(Some(&police), &format!("{{{} }}", three("")))
        .await);
    let r = app
        .query(Some(&police), &format!("{{{} }}", three("dong dang")))
        .await;
    assert_refused(&r, "BAD_USER_INPUT", "too complex");
    // A blank search scans nothing and costs nothing; one search fits.
    ok(app
        .query(Some(&police), &format!("{{{} }}", three("  ")))
        .await);
    ok(app
        .query(
            Some(&police),
            "{ cases(first: 1, search: \"dong dang\") { nodes { code } } }",
        )
        .await);
}

/// Fragments that spread themselves many times are refused by validation, and nothing before
/// it walks them exponentially: the limits count a cycle as nothing, and validation visits each
/// fragment once (the dates in it included: `graphql::context::Date`).
#[tokio::test]
async fn self_spreading_fragments_are_refused_at_once() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let spreads = " ...F".repeat(40);
    let q = format!(
        "query {{ ...F }} fragment F on Query {{ {spreads} cases(first: 1, filter: {{ detectedFrom: \"2026-01-01\" }}) {{ nodes {{ code }} }} }}"
    );
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        app.query(Some(&police), &q),
    )
    .await
    .expect("answered");
    assert_eq!(error_codes(&r)[0], "BAD_USER_INPUT", "{r}");
}

/// A body that does not arrive whole within the request's deadline is not waited for: a
/// review (stop 33) held requests open for minutes by declaring a body and sending a few bytes
/// of it, then (past a deadline for each chunk) a byte every two seconds.
#[tokio::test]
async fn a_body_sent_too_slowly_is_not_waited_for() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with_limits(api::config::Limits {
        request_timeout: std::time::Duration::from_millis(300),
        ..hub389_tests::test_limits()
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    for trickle in [false, true] {
        let conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let (mut read, mut write) = conn.into_split();
        write
            .write_all(
                format!(
                    "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
                     Content-Length: 1000\r\n\r\n{{\"query\": \"{{"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        // The client never sends the whole body: it stops, or sends a byte every 100 ms,
        // each well within the deadline.
        let writer = tokio::spawn(async move {
            for _ in 0..300 {
                if !trickle {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                if write.write_all(b" ").await.is_err() {
                    break;
                }
            }
            write
        });
        let mut answer = vec![];
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            read.read_to_end(&mut answer),
        )
        .await;
        writer.abort();
        assert!(read.is_ok(), "trickle {trickle}: still waiting after 20 s");
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
            "{answer}"
        );
    }
}

/// Introspection is bounded like any query: the schema once per operation, no aliases, a
/// type's members read once per path (an 8-alias document answered 13 MB); and a document
/// repeating one mistake gets twenty errors and a count, not sixteen thousand (a review,
/// stop 35).
#[tokio::test]
async fn introspection_and_error_lists_are_bounded() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let fanned = format!(
        "{{ {} }}",
        (0..8)
            .map(|i| format!("s{i}: __schema {{ types {{ name }} }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    for q in [
        fanned.as_str(),
        "{ __schema { types { a: fields { name } b: fields { name } } } }",
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
    ] {
        let r = app.query(Some(&police), q).await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{q}: {r}");
        assert!(r["data"].is_null(), "{r}");
    }
    // The standard query's shape still answers.
    let r = app
        .query(
            Some(&police),
            "{ __schema { types { name fields { name args { name type { name ofType { name } } } } } } }",
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    assert!(r["data"]["__schema"]["types"].as_array().unwrap().len() > 10);
    let repeated = format!(
        "{{ me({}) {{ role }} }}",
        (0..500).map(|_| "a: 1").collect::<Vec<_>>().join(", ")
    );
    let r = app.query(Some(&police), &repeated).await;
    let errors = r["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 21, "{r}");
    assert!(
        errors[20]["message"]
            .as_str()
            .unwrap()
            .contains("more errors"),
        "{r}"
    );
    assert!(
        errors
            .iter()
            .all(|e| e["extensions"]["code"] == "BAD_USER_INPUT")
    );
}
