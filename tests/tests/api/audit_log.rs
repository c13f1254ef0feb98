//! The audit log: every write and every read of restricted data leaves an event naming who,
//! what and which request; only the administrator reads it; nothing, not even a direct SQL
//! statement, alters or removes an event.

use api::auth::Role;
use hub389_tests::{TestApp, minimal_case, nodes, ok, refusal_codes, refused, strings};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde_json::{Value, json};

const EVENTS: &str = r#"query($first: Int, $after: String, $filter: AuditFilter) {
  auditEvents(first: $first, after: $after, filter: $filter) {
    nodes { id occurredAt subject role agencyCode operation entity entityIds restrictedFields requestId }
    pageInfo { hasNextPage endCursor }
    totalCount } }"#;

/// A token with its own subject, so events can be told apart by who caused them.
fn signed(
    app: &TestApp,
    sub: &str,
    role: Role,
    agency: Option<&str>,
    commune: Option<&str>,
) -> String {
    app.token_as(sub, role, agency, commune)
}

fn admin(app: &TestApp) -> String {
    signed(app, "admin-auditor", Role::Admin, None, None)
}

async fn events(app: &TestApp, filter: Value) -> Vec<Value> {
    let r = ok(app
        .gql(
            Some(&admin(app)),
            EVENTS,
            json!({ "first": 100, "filter": filter }),
        )
        .await);
    nodes(&r, "auditEvents")
}

async fn count(app: &TestApp) -> u64 {
    app.count::<entity::audit_events::Entity>().await
}

async fn create_campaign(app: &TestApp, token: &str, code: &str) -> String {
    let r = ok(app
        .gql(
            Some(token),
            r#"mutation($input: NewCampaignInput!) { createCampaign(input: $input) { id } }"#,
            json!({ "input": {
                "code": code, "name": format!("Đợt {code}"), "startsOn": "2026-07-01",
                "endsOn": "2026-07-31", "focusCommodityGroups": ["SUGAR"],
                "focusViolationTypes": ["SMUGGLING"],
            } }),
        )
        .await);
    r["data"]["createCampaign"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_mutation_writes_an_event_naming_who_what_and_the_request() {
    let app = TestApp::spawn().await;
    let token = signed(
        &app,
        "so-nguyen-thu",
        Role::StandingOffice,
        Some("QLTT"),
        None,
    );
    let before = count(&app).await;
    let resp = app
        .graphql_request(Some(&token))
        .json(&json!({
            "query": r#"mutation($input: NewDirectiveInput!) { registerDirective(input: $input) { id } }"#,
            "variables": { "input": {
                "symbol": "77/KH-UBND", "issuerName": "Ủy ban nhân dân tỉnh Lạng Sơn",
                "issuedOn": "2026-06-10", "title": "Kế hoạch kiểm tra thị trường dịp Tết Trung thu",
            } },
        }))
        .send()
        .await
        .unwrap();
    let request_id = resp
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id header")
        .to_string();
    let body: Value = resp.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    let id = body["data"]["registerDirective"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        count(&app).await,
        before + 1,
        "one event, in the write's transaction"
    );

    let found = events(&app, json!({ "subject": "so-nguyen-thu" })).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let e = &found[0];
    assert_eq!(e["subject"], "so-nguyen-thu");
    assert_eq!(e["role"], "standing_office");
    assert_eq!(e["agencyCode"], "QLTT");
    assert_eq!(e["operation"], "registerDirective");
    assert_eq!(e["entity"], "directive");
    assert_eq!(strings(&e["entityIds"]), [id]);
    assert_eq!(e["restrictedFields"], json!([]));
    assert_eq!(e["requestId"], request_id.as_str());
    assert!(e["occurredAt"].is_string());

    // A refused write leaves no event.
    let before = count(&app).await;
    refused(app
        .query(Some(&token), r#"mutation { registerDirective(input: { symbol: "77/KH-UBND", issuerName: "x", issuedOn: "2026-06-11", title: "x" }) { id } }"#)
        .await, "CONFLICT");
    assert_eq!(count(&app).await, before);
}

/// Whether the page is written directly (`graphql::cases::projection`) or, with `id` selected
/// twice, by the executor, the read is audited alike: every case whose subjects were read, with
/// or without any (naming only the cases with subjects told the admin which cases have them).
#[tokio::test]
async fn a_police_read_of_subjects_writes_a_read_event_naming_fields_and_cases() {
    let app = TestApp::spawn().await;
    // The newest case, without subjects (every demo case has some).
    let border = app.token(Role::Officer, Some("BDBP"), None);
    app.create_case(&border, minimal_case("Vụ chưa có đối tượng"))
        .await;
    for (reader, query) in [
        (
            "police-reader",
            "{ cases(first: 20) { nodes { id subjects { fullName idNumber } } } }",
        ),
        (
            "police-reader-2",
            "{ cases(first: 20) { nodes { id id subjects { fullName idNumber } } } }",
        ),
    ] {
        read_of_subjects_is_audited(&app, reader, query).await;
    }
}

async fn read_of_subjects_is_audited(app: &TestApp, reader: &str, query: &str) {
    let police = signed(app, reader, Role::Police, Some("CA"), None);
    let r = ok(app.query(Some(&police), query).await);
    let nodes = r["data"]["cases"]["nodes"].as_array().unwrap();
    let read: Vec<String> = nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let with_subjects: Vec<String> = nodes
        .iter()
        .filter(|n| !n["subjects"].as_array().unwrap().is_empty())
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!with_subjects.is_empty(), "the demo data has subjects: {r}");
    assert!(with_subjects.len() < read.len(), "and cases without: {r}");

    let found = events(app, json!({ "subject": reader, "operation": "read" })).await;
    let subject_reads: Vec<&Value> = found
        .iter()
        .filter(|e| {
            strings(&e["restrictedFields"])
                .iter()
                .any(|f| f.starts_with("subjects"))
        })
        .collect();
    assert_eq!(
        subject_reads.len(),
        1,
        "one read event for the request: {found:?}"
    );
    let e = subject_reads[0];
    assert_eq!(e["role"], "police");
    assert_eq!(e["agencyCode"], "CA");
    assert!(e["requestId"].is_string());
    let mut ids = strings(&e["entityIds"]);
    ids.sort();
    let mut read = read;
    read.sort();
    assert_eq!(ids, read, "every case read is named, and only those: {e}");
    // Names of fields, never their values.
    let text = e.to_string();
    for n in nodes {
        for s in n["subjects"].as_array().unwrap() {
            assert!(!text.contains(s["fullName"].as_str().unwrap()), "{text}");
        }
    }
}

/// A read of a case's investigation record or customs records is audited for every case read,
/// whether it has one or none: the admin reads no case, and an event naming only the cases with
/// a record told it which cases have one (a review of stop 37).
#[tokio::test]
async fn reads_of_missing_records_are_audited_as_reads_of_present_ones() {
    let app = TestApp::spawn().await;
    let police = signed(&app, "police-records", Role::Police, Some("CA"), None);
    let r = ok(app
        .query(
            Some(&police),
            r#"{ cases(first: 30, filter: { leadAgency: "CA" }) { nodes { id investigation { prosecutedOn } customsRecords { id } } } }"#,
        )
        .await);
    let nodes = r["data"]["cases"]["nodes"].as_array().unwrap();
    let read = ids_of(nodes);
    let without = |field: &str| {
        nodes
            .iter()
            .filter(|n| n[field].is_null() || n[field].as_array().is_some_and(Vec::is_empty))
            .count()
    };
    assert!(without("investigation") > 0, "cases without a record: {r}");
    assert!(without("customsRecords") > 0, "cases without a record: {r}");
    assert!(
        without("investigation") < nodes.len(),
        "and cases with one: {r}"
    );
    let (fields, ids) = the_read_by(&app, "police-records").await;
    assert_eq!(fields, ["customsRecords", "investigation"]);
    assert_eq!(ids, read, "every case read, with a record or none");
}

/// The ids of a page's nodes, sorted.
fn ids_of(nodes: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// The one read event of `subject`'s request: its restricted fields and its ids, sorted.
async fn the_read_by(app: &TestApp, subject: &str) -> (Vec<String>, Vec<String>) {
    let found = events(app, json!({ "subject": subject, "operation": "read" })).await;
    assert_eq!(found.len(), 1, "one read event for the request: {found:?}");
    let sorted = |v: &Value| {
        let mut v = strings(v);
        v.sort();
        v
    };
    (
        sorted(&found[0]["restrictedFields"]),
        sorted(&found[0]["entityIds"]),
    )
}

#[tokio::test]
async fn a_customs_read_of_hs_codes_is_audited_too() {
    let app = TestApp::spawn().await;
    // The newest case, without seizures (every demo case has some).
    let border = app.token(Role::Officer, Some("BDBP"), None);
    app.create_case(&border, minimal_case("Vụ chưa có tang vật"))
        .await;
    let customs = signed(&app, "customs-reader", Role::Customs, Some("HQ"), None);
    let r = ok(app
        .query(
            Some(&customs),
            "{ cases(first: 20) { nodes { id seizures { hsCode } } } }",
        )
        .await);
    let nodes = r["data"]["cases"]["nodes"].as_array().unwrap();
    let read = ids_of(nodes);
    assert!(
        nodes
            .iter()
            .any(|n| n["seizures"].as_array().unwrap().is_empty()),
        "the page has cases without seizures: {r}"
    );
    let (fields, ids) = the_read_by(&app, "customs-reader").await;
    assert_eq!(fields, ["seizures.hsCode"]);
    // Every case read, with seizures or none: naming only those with seizures told the
    // admin, who reads no case, which cases have them.
    assert_eq!(ids, read);
}

#[tokio::test]
async fn a_leader_reading_core_fields_writes_no_read_event() {
    let app = TestApp::spawn().await;
    let leader = signed(&app, "leader-reader", Role::Leader, None, None);
    let before = count(&app).await;
    ok(app
        .query(Some(&leader), r#"{ cases(first: 50) { nodes { id code title status fineAmount goodsValue leadAgency { code }
                 commune { name } seizures { item quantity unit estimatedValue } } totalCount }
               directives(first: 100) { nodes { symbol tasks { text overdue } } } campaigns { nodes { code } } }"#)
        .await);
    assert_eq!(count(&app).await, before, "core reads are not audited");
    assert!(
        events(&app, json!({ "subject": "leader-reader" }))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_admin_filters_the_log_by_subject_entity_and_time_and_pages_through_it() {
    let app = TestApp::spawn().await;
    let anh = signed(&app, "so-anh", Role::StandingOffice, Some("QLTT"), None);
    let binh = signed(&app, "so-binh", Role::StandingOffice, Some("QLTT"), None);
    let mut early = vec![];
    for i in 0..3 {
        early.push(create_campaign(&app, &anh, &format!("ANH_EARLY_{i}")).await);
    }
    create_campaign(&app, &binh, "BINH_1").await;
    let cut = chrono::Utc::now();
    let mut late = vec![];
    for i in 0..2 {
        late.push(create_campaign(&app, &anh, &format!("ANH_LATE_{i}")).await);
    }
    // A directive by the same person: another entity.
    ok(app
        .query(Some(&anh), r#"mutation { registerDirective(input: { symbol: "78/KH-UBND", issuerName: "UBND tỉnh", issuedOn: "2026-06-10", title: "x" }) { id } }"#)
        .await);

    let ids_of = |evs: &[Value]| -> Vec<String> {
        evs.iter()
            .map(|e| strings(&e["entityIds"]).join(","))
            .collect()
    };
    // By subject and entity, newest first.
    let anh_campaigns = events(&app, json!({ "subject": "so-anh", "entity": "campaign" })).await;
    let mut expected: Vec<String> = early.iter().chain(late.iter()).cloned().collect();
    expected.reverse();
    assert_eq!(ids_of(&anh_campaigns), expected);
    let event_ids: Vec<i64> = anh_campaigns
        .iter()
        .map(|e| e["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        event_ids.windows(2).all(|w| w[0] > w[1]),
        "newest first by id"
    );
    assert_eq!(events(&app, json!({ "subject": "so-anh" })).await.len(), 6);
    assert_eq!(events(&app, json!({ "subject": "so-binh" })).await.len(), 1);
    assert_eq!(
        events(
            &app,
            json!({ "subject": "so-anh", "operation": "registerDirective" })
        )
        .await
        .len(),
        1
    );
    // By time: from the cut on, and before it.
    let after_cut = events(
        &app,
        json!({ "subject": "so-anh", "entity": "campaign", "from": cut.to_rfc3339() }),
    )
    .await;
    let mut late_rev = late.clone();
    late_rev.reverse();
    assert_eq!(ids_of(&after_cut), late_rev);
    let before_cut = events(&app, json!({ "subject": "so-anh", "to": cut.to_rfc3339() })).await;
    let mut early_rev = early.clone();
    early_rev.reverse();
    assert_eq!(ids_of(&before_cut), early_rev);
    refused(app
        .gql(
            Some(&admin(&app)),
            EVENTS,
            json!({ "filter": { "from": cut.to_rfc3339(), "to": (cut - chrono::Duration::hours(1)).to_rfc3339() } }),
        )
        .await, "BAD_USER_INPUT");

    // Pages of two: no overlap, no gap, the same order as one page.
    let mut paged = vec![];
    let mut after: Option<String> = None;
    loop {
        let r = ok(app
            .gql(
                Some(&admin(&app)),
                EVENTS,
                json!({ "first": 2, "after": after, "filter": { "subject": "so-anh" } }),
            )
            .await);
        let page = &r["data"]["auditEvents"];
        assert_eq!(page["totalCount"], 6);
        let nodes = page["nodes"].as_array().unwrap();
        assert!(nodes.len() <= 2);
        paged.extend(nodes.iter().map(|n| n["id"].as_str().unwrap().to_string()));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_string());
    }
    let whole: Vec<String> = events(&app, json!({ "subject": "so-anh" }))
        .await
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paged, whole);

    // Page bounds and cursors are checked.
    for (first, after) in [
        (json!(101), Value::Null),
        (json!(0), Value::Null),
        (json!(5), json!("bm90IGEgY3Vyc29y")),
    ] {
        let r = app
            .gql(
                Some(&admin(&app)),
                EVENTS,
                json!({ "first": first, "after": after }),
            )
            .await;
        assert_eq!(
            refusal_codes(&r),
            ["BAD_USER_INPUT"],
            "{first} {after}: {r}"
        );
    }
}

#[tokio::test]
async fn only_the_admin_reads_the_audit_log() {
    let app = TestApp::spawn().await;
    let introspect = "{ __schema { queryType { fields { name } } } }";
    for &role in Role::ALL {
        let token = app.token_for(role);
        let r = app.gql(Some(&token), EVENTS, json!({ "first": 5 })).await;
        let shown =
            app.query(Some(&token), introspect).await["data"]["__schema"]["queryType"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["name"] == "auditEvents");
        if role == Role::Admin {
            assert!(r["errors"].is_null(), "{r}");
            assert!(shown);
        } else {
            assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?}: {r}");
            assert!(r["data"].is_null() || r["data"]["auditEvents"].is_null());
            assert!(!shown, "{role:?} introspection shows auditEvents");
        }
    }
    // Without a token the audit log is not in the schema at all.
    let r = refused(
        app.gql(None, EVENTS, json!({ "first": 5 })).await,
        "FORBIDDEN",
    );
    hub389_tests::assert_unknown_to_caller(&r);
}

#[tokio::test]
async fn the_database_refuses_to_alter_or_remove_audit_events() {
    let app = TestApp::spawn().await;
    let so = app.token_for(Role::StandingOffice);
    create_campaign(&app, &so, "BAT_BIEN").await;
    let rows = || async {
        entity::audit_events::Entity::find()
            .order_by_asc(entity::audit_events::Column::Id)
            .all(&app.db)
            .await
            .unwrap()
    };
    let before = rows().await;
    assert!(!before.is_empty());
    let update = app
        .db
        .execute_unprepared("UPDATE audit_events SET subject='x'")
        .await;
    assert!(update.is_err(), "UPDATE must fail: {update:?}");
    let delete = app.db.execute_unprepared("DELETE FROM audit_events").await;
    assert!(delete.is_err(), "DELETE must fail: {delete:?}");
    let one = app
        .db
        .execute_unprepared(&format!(
            "DELETE FROM audit_events WHERE id = {}",
            before[0].id
        ))
        .await;
    assert!(one.is_err(), "deleting one event must fail too");
    assert_eq!(rows().await, before, "every event unchanged");
    // Appending still works.
    create_campaign(&app, &so, "BAT_BIEN_2").await;
    assert_eq!(rows().await.len(), before.len() + 1);
}
