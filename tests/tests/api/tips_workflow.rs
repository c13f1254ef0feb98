//! Tips (tin báo): anonymous submission and tracking, the staff workflow with its refusals,
//! the per-address rate limit, and the informant's identity encrypted at rest.

use api::auth::Role;
use api::config::WorkflowSettings;
use hub389_tests::{TestApp, pluck, refusal_codes};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const SUBMIT: &str = r#"mutation($input: NewTipInput!, $key: String) {
  submitTip(input: $input, idempotencyKey: $key) { trackingCode status receivedAt } }"#;
const STATUS: &str =
    r#"query($code: String!) { tipStatus(trackingCode: $code) { status receivedAt updatedAt } }"#;
const TIP_FIELDS: &str =
    "id version status updatedAt archivedAt dismissalReason assignedAgency { code } case { id }";

/// One staff step on a tip, with the version it is taken at (the first number).
#[derive(Clone, Copy)]
enum Step<'a> {
    Forward(i64, &'a str),
    Verify(i64),
    Link(i64, &'a str),
    Dismiss(i64, &'a str),
    Archive(i64, bool),
}

impl Step<'_> {
    /// The mutation on tip `id`, its variables, and the field that holds the tip.
    fn request(self, id: &str) -> (String, Value, &'static str) {
        let (field, extra, argument, vars) = match self {
            Step::Forward(v, agency) => (
                "forwardTip",
                ", $a: String!",
                ", agency: $a",
                json!({ "id": id, "v": v, "a": agency }),
            ),
            Step::Verify(v) => ("verifyTip", "", "", json!({ "id": id, "v": v })),
            Step::Link(v, case) => (
                "linkTipToCase",
                ", $c: ID!",
                ", caseId: $c",
                json!({ "id": id, "v": v, "c": case }),
            ),
            Step::Dismiss(v, reason) => (
                "dismissTip",
                ", $r: String!",
                ", reason: $r",
                json!({ "id": id, "v": v, "r": reason }),
            ),
            Step::Archive(v, archived) => (
                "setTipArchived",
                ", $a: Boolean!",
                ", archived: $a",
                json!({ "id": id, "v": v, "a": archived }),
            ),
        };
        let query = format!(
            "mutation($id: ID!, $v: Int!{extra}) {{ {field}(id: $id, version: $v{argument}) {{ {TIP_FIELDS} }} }}"
        );
        (query, vars, field)
    }
}

const CONTENT: &str = "Kho hàng ở thôn Nà Lầu, xã Đồng Đăng tập kết thuốc lá điếu nhập lậu vào ban đêm, xe tải biển Lạng Sơn chở đi lúc 2 giờ sáng.";

fn tip_input(content: &str) -> Value {
    json!({ "channel": "ONLINE_FORM", "content": content })
}

/// Submits a tip without a token; returns the receipt.
async fn submit_anonymous(app: &TestApp, input: Value) -> Value {
    let r = hub389_tests::ok(app.gql(None, SUBMIT, json!({ "input": input })).await);
    r["data"]["submitTip"].clone()
}

/// The row id behind a tracking code (staff learn ids from `tips`; the sender never does).
async fn tip_id(app: &TestApp, code: &str) -> String {
    entity::tips::Entity::find()
        .filter(entity::tips::Column::TrackingCode.eq(code))
        .one(&app.db)
        .await
        .unwrap()
        .expect("stored tip")
        .id
        .to_string()
}

/// Reads tip `id` as `token`, selecting `fields`; returns the response.
async fn read_tip(app: &TestApp, token: &str, id: &str, fields: &str) -> Value {
    let query = format!("query($id: ID!) {{ tip(id: $id) {{ {fields} }} }}");
    app.gql(Some(token), &query, json!({ "id": id })).await
}

async fn tip_count(app: &TestApp) -> u64 {
    app.count::<entity::tips::Entity>().await
}

async fn audits(app: &TestApp, operation: &str, id: &str) -> Vec<entity::audit_events::Model> {
    entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::Operation.eq(operation))
        .filter(entity::audit_events::Column::Entity.eq("tip"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity_ids.split(',').any(|x| x == id))
        .collect()
}

/// Takes a staff step, expecting success; returns the tip.
async fn ok(app: &TestApp, token: &str, id: &str, step: Step<'_>) -> Value {
    let (query, vars, field) = step.request(id);
    let r = app.gql(Some(token), &query, vars).await;
    assert!(r["errors"].is_null(), "{field}: {r}");
    r["data"][field].clone()
}

/// Takes a staff step, expecting exactly this error code; returns the message.
async fn refused(app: &TestApp, token: &str, id: &str, step: Step<'_>, code: &str) -> String {
    let (query, vars, field) = step.request(id);
    let r = app.gql(Some(token), &query, vars).await;
    assert_eq!(refusal_codes(&r), vec![code.to_string()], "{r}");
    assert!(r["data"][field].is_null(), "{r}");
    r["errors"][0]["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_anonymous_tip_is_tracked_without_a_token_and_shows_no_content() {
    let app = TestApp::spawn().await;
    let receipt = submit_anonymous(&app, tip_input(CONTENT)).await;
    let code = receipt["trackingCode"].as_str().unwrap().to_string();
    assert_eq!(receipt["status"], "NEW");
    assert!(receipt["receivedAt"].is_string());
    // TB- and 16 characters of an uppercase base32 alphabet: not guessable.
    let body: String = code.trim_start_matches("TB-").replace('-', "");
    assert!(code.starts_with("TB-") && body.len() >= 12, "{code}");
    assert!(
        body.chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='9').contains(&c))
    );
    let other = submit_anonymous(&app, tip_input("Một tin báo khác về hàng giả")).await;
    assert_ne!(other["trackingCode"], receipt["trackingCode"]);

    // Public status, without a token; the sender's code may be typed in lower case.
    let r = hub389_tests::ok(
        app.gql(None, STATUS, json!({ "code": code.to_lowercase() }))
            .await,
    );
    let s = &r["data"]["tipStatus"];
    assert_eq!(s["status"], "NEW");
    assert_eq!(s["receivedAt"], receipt["receivedAt"]);
    assert!(s["updatedAt"].is_string());
    assert!(!r.to_string().contains("Nà Lầu"));
    // The public type has nothing but status and dates.
    let r = app
        .query(
            None,
            r#"{ __type(name: "TipTracking") { fields { name } } }"#,
        )
        .await;
    let mut names: Vec<&str> = r["data"]["__type"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["receivedAt", "status", "updatedAt"]);
    let r = app
        .gql(
            None,
            r#"query($code: String!) { tipStatus(trackingCode: $code) { content } }"#,
            json!({ "code": code }),
        )
        .await;
    assert_eq!(hub389_tests::error_codes(&r), vec!["BAD_USER_INPUT"], "{r}");
    // Unknown codes are NOT_FOUND; anonymous readers still cannot list tips.
    for unknown in ["TB-AAAA-BBBB-CCCC-DDDD", "", "x"] {
        let r = app.gql(None, STATUS, json!({ "code": unknown })).await;
        assert_eq!(refusal_codes(&r), vec!["NOT_FOUND"], "{r}");
    }
    let r = app.query(None, "{ tips { totalCount } }").await;
    // Without a token the field is not in the caller's schema: an unknown field.
    assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{r}");
    hub389_tests::assert_unknown_to_caller(&r);

    // The submission is audited as anonymous. It names both informant fields though none was
    // given, as a named one does (below): which were given would tell the administrator
    // whether the tipster stayed anonymous.
    let id = tip_id(&app, &code).await;
    let events = audits(&app, "submitTip", &id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].subject, "anonymous");
    assert_eq!(events[0].role, "anonymous");
    assert_eq!(events[0].restricted_fields, "reporterName,reporterContact");

    // Without a token only the online form is a channel, and no idempotency key is taken.
    for vars in [
        json!({ "input": { "channel": "HOTLINE", "content": CONTENT } }),
        json!({ "input": tip_input(CONTENT), "key": "0b0f4a42-9d0e-4c55-a1d5-2cf0c3f1b7a1" }),
    ] {
        let r = app.gql(None, SUBMIT, vars).await;
        assert_eq!(refusal_codes(&r), vec!["BAD_USER_INPUT"], "{r}");
    }
}

#[tokio::test]
async fn a_tip_is_forwarded_verified_and_linked_to_a_case() {
    let app = TestApp::spawn().await;
    let [so, police] = app.tokens_for([Role::StandingOffice, Role::Police]);

    // Staff enter a hotline tip with an idempotency key: a retry returns the same receipt.
    let before = tip_count(&app).await;
    let vars = json!({
        "input": { "channel": "HOTLINE", "content": CONTENT },
        "key": "hotline-call-2026-11-20-0001"
    });
    let first = hub389_tests::ok(app.gql(Some(&so), SUBMIT, vars.clone()).await);
    let again = app.gql(Some(&so), SUBMIT, vars).await;
    assert_eq!(first["data"], again["data"], "{again}");
    assert_eq!(tip_count(&app).await, before + 1);
    let code = first["data"]["submitTip"]["trackingCode"]
        .as_str()
        .unwrap()
        .to_string();
    let id = tip_id(&app, &code).await;

    let t = ok(&app, &so, &id, Step::Forward(1, "CA")).await;
    assert_eq!(t["status"], "FORWARDED");
    assert_eq!(t["version"], 2);
    assert_eq!(t["assignedAgency"]["code"], "CA");

    let t = ok(&app, &police, &id, Step::Verify(2)).await;
    assert_eq!(t["status"], "VERIFYING");
    assert_eq!(t["version"], 3);

    let cases = app
        .query(Some(&police), "{ cases(first: 1) { nodes { id } } }")
        .await;
    let case_id = cases["data"]["cases"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = ok(&app, &police, &id, Step::Link(3, &case_id)).await;
    assert_eq!(t["status"], "LINKED_TO_CASE");
    assert_eq!(t["version"], 4);
    assert_eq!(t["case"]["id"], json!(case_id));

    // The sender sees the progress, nothing else.
    let r = app.gql(None, STATUS, json!({ "code": code })).await;
    assert_eq!(r["data"]["tipStatus"]["status"], "LINKED_TO_CASE", "{r}");
    assert_eq!(r["data"]["tipStatus"]["updatedAt"], t["updatedAt"]);

    // Each step is audited under the staff member who took it.
    for op in ["submitTip", "forwardTip", "verifyTip", "linkTipToCase"] {
        let e = audits(&app, op, &id).await;
        assert_eq!(e.len(), 1, "{op}");
        assert_eq!(e[0].subject, "tester");
    }
    assert_eq!(audits(&app, "verifyTip", &id).await[0].role, "police");
}

#[tokio::test]
async fn refusals_of_the_staff_workflow() {
    let app = TestApp::spawn().await;
    let [so, police, customs, border, leader] = app.tokens_for([
        Role::StandingOffice,
        Role::Police,
        Role::Customs,
        Role::Officer,
        Role::Leader,
    ]);
    let code = submit_anonymous(&app, tip_input(CONTENT)).await["trackingCode"]
        .as_str()
        .unwrap()
        .to_string();
    let id = tip_id(&app, &code).await;

    // Wrong role.
    for t in [&customs, &border, &leader] {
        refused(&app, t, &id, Step::Forward(1, "HQ"), "FORBIDDEN").await;
    }
    // A new tip is nobody's to verify.
    let m = refused(&app, &police, &id, Step::Verify(1), "FORBIDDEN").await;
    assert!(m.contains("assigned"), "{m}");
    // Unknown or non-handling agencies.
    refused(&app, &so, &id, Step::Forward(1, "NOPE"), "BAD_USER_INPUT").await;
    refused(&app, &so, &id, Step::Forward(1, "BAO_LS"), "BAD_USER_INPUT").await;
    // Nor to an organisation outside the committee or the leadership's office, where it
    // would wait for ever (stop 35's review forwarded tips to the Fatherland Front).
    for code in ["MTTQ", "VP_UBND", "UBND_TINH", "UBND_DONG_DANG"] {
        refused(&app, &so, &id, Step::Forward(1, code), "BAD_USER_INPUT").await;
    }

    // The police forward a new tip to customs.
    let t = ok(&app, &police, &id, Step::Forward(1, "HQ")).await;
    assert_eq!(t["version"], 2);
    // Stale version.
    refused(&app, &so, &id, Step::Forward(1, "BDBP"), "CONFLICT").await;
    // Only the standing office re-forwards.
    refused(&app, &police, &id, Step::Forward(2, "BDBP"), "FORBIDDEN").await;
    // Wrong agency: the police see the tip but it is not theirs; the border guard does not
    // even see it; the standing office does not verify.
    refused(&app, &police, &id, Step::Verify(2), "FORBIDDEN").await;
    refused(&app, &border, &id, Step::Verify(2), "NOT_FOUND").await;
    refused(&app, &so, &id, Step::Verify(2), "FORBIDDEN").await;
    // Illegal transition: forwarded → linked to a case.
    let m = refused(&app, &customs, &id, Step::Link(2, "1"), "BAD_USER_INPUT").await;
    assert!(
        m.contains("FORWARDED") && m.contains("LINKED_TO_CASE"),
        "{m}"
    );
    // The standing office re-forwards to the border guard.
    let t = ok(&app, &so, &id, Step::Forward(2, "BDBP")).await;
    assert_eq!(t["assignedAgency"]["code"], "BDBP");
    assert_eq!(t["version"], 3);
    // Customs lost it with the re-forward.
    refused(&app, &customs, &id, Step::Verify(3), "NOT_FOUND").await;
    let t = ok(&app, &border, &id, Step::Verify(3)).await;
    assert_eq!(t["status"], "VERIFYING");
    // Linking to a case that does not exist.
    refused(&app, &border, &id, Step::Link(4, "999999"), "NOT_FOUND").await;
    // Dismissal needs a reason.
    for reason in ["", "   "] {
        refused(
            &app,
            &border,
            &id,
            Step::Dismiss(4, reason),
            "BAD_USER_INPUT",
        )
        .await;
    }
    // Another agency may not dismiss.
    refused(
        &app,
        &police,
        &id,
        Step::Dismiss(4, "Không có căn cứ"),
        "FORBIDDEN",
    )
    .await;
    let t = ok(
        &app,
        &border,
        &id,
        Step::Dismiss(4, "Kiểm tra thực tế không phát hiện vi phạm"),
    )
    .await;
    assert_eq!(t["status"], "DISMISSED");
    assert_eq!(
        t["dismissalReason"],
        "Kiểm tra thực tế không phát hiện vi phạm"
    );
    assert_eq!(t["version"], 5);
    // Nothing leaves a dismissed tip.
    let m = refused(&app, &so, &id, Step::Forward(5, "CA"), "BAD_USER_INPUT").await;
    assert!(m.contains("DISMISSED") && m.contains("FORWARDED"), "{m}");
    // Nothing was written by the refusals: five versions, five audited writes.
    let writes = entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::Entity.eq("tip"))
        .filter(entity::audit_events::Column::Operation.ne("read"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity_ids == id)
        .count();
    assert_eq!(writes, 5);

    // Archiving: the standing office only; an archived tip leaves `tips` and stops moving.
    refused(&app, &police, &id, Step::Archive(5, true), "FORBIDDEN").await;
    let t = ok(&app, &so, &id, Step::Archive(5, true)).await;
    assert!(t["archivedAt"].is_string());
    let list = |archived: bool| {
        let so = so.clone();
        let app = &app;
        async move {
            let r = app
                .gql(
                    Some(&so),
                    "query($a: Boolean) { tips(first: 100, filter: { archived: $a }) { nodes { id } } }",
                    json!({ "a": archived }),
                )
                .await;
            r["data"]["tips"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{r}"))
                .iter()
                .map(|n| hub389_tests::row_id(n["id"].as_str().unwrap()).to_string())
                .collect::<Vec<_>>()
        }
    };
    assert!(!list(false).await.contains(&id));
    assert!(list(true).await.contains(&id));
    let t = ok(&app, &so, &id, Step::Archive(6, false)).await;
    assert!(t["archivedAt"].is_null());
    assert!(list(false).await.contains(&id));
}

#[tokio::test]
async fn an_archived_tip_cannot_move() {
    let app = TestApp::spawn().await;
    let so = app.token_for(Role::StandingOffice);
    let code = submit_anonymous(&app, tip_input(CONTENT)).await["trackingCode"]
        .as_str()
        .unwrap()
        .to_string();
    let id = tip_id(&app, &code).await;
    ok(&app, &so, &id, Step::Archive(1, true)).await;
    let m = refused(&app, &so, &id, Step::Forward(2, "CA"), "BAD_USER_INPUT").await;
    assert!(m.contains("archived"), "{m}");
}

#[tokio::test]
async fn invalid_tips_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let max = WorkflowSettings::default().tip_max_bytes;
    let before = tip_count(&app).await;
    let audit_before = entity::audit_events::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    // 3-byte characters: under the limit in characters, over it in bytes.
    let oversize = "ả".repeat(max / 3 + 1);
    assert!(oversize.chars().count() < max && oversize.len() > max);
    let bad = [
        tip_input(&oversize),
        tip_input(""),
        tip_input("  \n "),
        json!({ "channel": "ONLINE_FORM", "content": CONTENT, "reporterContact": "gọi tôi" }),
        json!({ "channel": "ONLINE_FORM", "content": CONTENT, "reporterContact": "123" }),
        json!({ "channel": "ONLINE_FORM", "content": CONTENT, "reporterContact": "a@b" }),
        json!({ "channel": "ONLINE_FORM", "content": CONTENT, "reporterName": "x".repeat(201) }),
        json!({ "channel": "ONLINE_FORM", "content": CONTENT, "reporterContact": format!("{}@x.vn", "a".repeat(300)) }),
    ];
    for input in bad {
        let r = app.gql(None, SUBMIT, json!({ "input": input })).await;
        assert_eq!(refusal_codes(&r), vec!["BAD_USER_INPUT"], "{r}");
        assert!(
            !r.to_string().contains("gọi tôi"),
            "the value is not echoed"
        );
    }
    assert_eq!(tip_count(&app).await, before);
    assert_eq!(
        entity::audit_events::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        audit_before
    );
    // Exactly at the limit is accepted, and stored NFC.
    let at_limit = format!("{}{}", "a\u{309}", "x".repeat(max - 3));
    let receipt = submit_anonymous(&app, tip_input(&at_limit)).await;
    let id = tip_id(&app, receipt["trackingCode"].as_str().unwrap()).await;
    let stored = entity::tips::Entity::find_by_id(hub389_tests::row_id(&id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.content.starts_with('ả') && stored.content.len() == max);
}

#[tokio::test]
async fn tips_are_rate_limited_per_address() {
    let app = TestApp::spawn_with_workflow(WorkflowSettings {
        tip_rate_per_minute: 3,
        ..Default::default()
    })
    .await;
    let before = tip_count(&app).await;
    for i in 0..3 {
        submit_anonymous(&app, tip_input(&format!("{CONTENT} ({i})"))).await;
    }
    let r = app
        .gql(None, SUBMIT, json!({ "input": tip_input(CONTENT) }))
        .await;
    assert_eq!(refusal_codes(&r), vec!["RATE_LIMITED"], "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too many tips"),
        "{r}"
    );
    assert_eq!(tip_count(&app).await, before + 3);
    // A signed-in hotline operator at the same address keeps an allowance of their own.
    let so = app.token_for(Role::StandingOffice);
    hub389_tests::ok(
        app.gql(
            Some(&so),
            SUBMIT,
            json!({ "input": { "channel": "HOTLINE", "content": CONTENT } }),
        )
        .await,
    );
    assert_eq!(tip_count(&app).await, before + 4);
}

#[tokio::test]
async fn the_informant_is_ciphertext_at_rest_and_readable_only_by_the_assigned_police() {
    let app = TestApp::spawn().await;
    let name = "Nguyễn Thị Hoa";
    let phone = "0912345678";
    let receipt = submit_anonymous(
        &app,
        json!({
            "channel": "ONLINE_FORM",
            "content": CONTENT,
            "reporterName": name,
            "reporterContact": phone,
        }),
    )
    .await;
    let code = receipt["trackingCode"].as_str().unwrap().to_string();
    let id = tip_id(&app, &code).await;

    // The raw rows hold neither the name nor the phone number.
    let rows = entity::tips::Entity::find().all(&app.db).await.unwrap();
    let raw = serde_json::to_string(&rows).unwrap();
    assert!(raw.contains(&code), "the rows were read");
    assert!(!raw.contains(name) && !raw.contains(phone));
    assert!(!raw.contains("Thị Hoa") && !raw.contains("912345678"));
    let row = rows.iter().find(|t| t.tracking_code == code).unwrap();
    assert!(row.reporter_name.as_deref().unwrap().starts_with("v1:"));
    assert!(row.reporter_contact.as_deref().unwrap().starts_with("v1:"));

    // The submission's audit event names the fields, never the values.
    let e = audits(&app, "submitTip", &id).await;
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].subject, "anonymous");
    assert_eq!(e[0].restricted_fields, "reporterName,reporterContact");
    let all_audit = serde_json::to_string(
        &entity::audit_events::Entity::find()
            .all(&app.db)
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(!all_audit.contains(name) && !all_audit.contains(phone));

    // Assigned to the police, who read it back decrypted.
    let so = app.token_for(Role::StandingOffice);
    ok(&app, &so, &id, Step::Forward(1, "CA")).await;
    let police = app.token_for(Role::Police);
    let fields = "content reporterName reporterContact";
    let r = hub389_tests::ok(read_tip(&app, &police, &id, fields).await);
    assert_eq!(r["data"]["tip"]["reporterName"], name);
    assert_eq!(r["data"]["tip"]["reporterContact"], phone);
    assert_eq!(r["data"]["tip"]["content"], CONTENT);
    let reads: Vec<_> = audits(&app, "read", &id)
        .await
        .into_iter()
        .filter(|e| e.role == "police")
        .collect();
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert!(
        reads[0]
            .restricted_fields
            .split(',')
            .any(|f| f == "reporterName")
    );
    assert_eq!(reads[0].agency_code.as_deref(), Some("CA"));

    // Nobody else: not the standing office that forwarded it, nor the leader.
    for t in [&so, &app.token_for(Role::Leader)] {
        let r = read_tip(&app, t, &id, "content reporterName").await;
        assert_eq!(refusal_codes(&r), vec!["FORBIDDEN"], "{r}");
        assert!(!r.to_string().contains(name));
    }
}

/// Anyone may send a tip with its sender's name, staff entering a hotline caller's too: the
/// sender's fields of `NewTipInput` are shown to every role, though most never read one back
/// (they were hidden from those and accepted all the same: stop 35's review).
#[tokio::test]
async fn the_sender_fields_are_shown_to_everyone_who_sends_tips() {
    let app = TestApp::spawn().await;
    let q = r#"{ __type(name: "NewTipInput") { inputFields { name } } }"#;
    let fields = |r: &Value| pluck(&r["data"]["__type"]["inputFields"], "name");
    let anonymous = fields(&app.query(None, q).await);
    assert!(anonymous.contains(&"reporterName".to_string()));
    assert!(anonymous.contains(&"reporterContact".to_string()));
    for role in [
        Role::Police,
        Role::StandingOffice,
        Role::Leader,
        Role::Commune,
    ] {
        let t = app.token_for(role);
        let shown = fields(&app.query(Some(&t), q).await);
        assert!(shown.contains(&"content".to_string()), "{role:?}");
        assert!(shown.contains(&"reporterName".to_string()), "{role:?}");
    }
    let so = app.token_for(Role::StandingOffice);
    // Still accepted from a hotline operator recording a caller, and encrypted.
    let r = hub389_tests::ok(
        app.gql(
            Some(&so),
            SUBMIT,
            json!({ "input": {
                "channel": "HOTLINE", "content": CONTENT,
                "reporterName": "Hoàng Văn Nam", "reporterContact": "nam.hv@example.vn"
            } }),
        )
        .await,
    );
    let code = r["data"]["submitTip"]["trackingCode"].as_str().unwrap();
    let id = tip_id(&app, code).await;
    let row = entity::tips::Entity::find_by_id(hub389_tests::row_id(&id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let raw = serde_json::to_string(&row).unwrap();
    assert!(!raw.contains("Hoàng Văn Nam") && !raw.contains("nam.hv@example.vn"));
    let e = audits(&app, "submitTip", &id).await;
    assert_eq!(e[0].subject, "tester");
    assert_eq!(e[0].role, "standing_office");
}

#[tokio::test]
async fn the_police_cannot_assign_a_tip_to_themselves() {
    let app = TestApp::spawn().await;
    let receipt =
        submit_anonymous(&app, tip_input("Có kho chứa thuốc lá lậu tại thôn Nà Lầu")).await;
    let id = tip_id(&app, receipt["trackingCode"].as_str().unwrap()).await;
    let police = app.token_for(Role::Police);
    // Forwarding to itself would unlock the informant for the police: refused.
    refused(&app, &police, &id, Step::Forward(1, "CA"), "FORBIDDEN").await;
    let r = read_tip(&app, &police, &id, "reporterName").await;
    assert!(r["data"]["tip"]["reporterName"].is_null());
    // The standing office assigns it; then the police of CA read it.
    let so = app.token_for(Role::StandingOffice);
    ok(&app, &so, &id, Step::Forward(1, "CA")).await;
}
