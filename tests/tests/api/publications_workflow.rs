//! The publication workflow end to end: the lead agency drafts a case's public summary, the
//! standing office approves it, the press reads it, and it is withdrawn; and every refusal —
//! wrong agency, unsettled case, restricted data in the text (with or without diacritics),
//! stale versions, illegal moves, the press.

use api::auth::Role;
use hub389_tests::{TestApp, assert_refused, error_codes, failed, nodes, ok};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const SUBJECT_NAME: &str = "Nguyễn Thị Hằng";
const SUBJECT_ID: &str = "001198012345";

const DRAFT: &str = r#"mutation($case: ID!, $input: PublicationInput!, $key: String) {
  draftPublication(caseId: $case, input: $input, idempotencyKey: $key) { id version status headline publicFacts drafted_by: draftedBy { code } } }"#;
const UPDATE: &str = r#"mutation($id: ID!, $v: Int!, $input: PublicationInput!) {
  updatePublication(id: $id, version: $v, input: $input) { id version status headline } }"#;
const APPROVE: &str = r#"mutation($id: ID!, $v: Int!) { approvePublication(id: $id, version: $v) { id version status approvedAt } }"#;
const REJECT: &str = r#"mutation($id: ID!, $v: Int!, $r: String!) { rejectPublication(id: $id, version: $v, reason: $r) { id version status reviewReason } }"#;
const WITHDRAW: &str = r#"mutation($id: ID!, $v: Int!) { withdrawPublication(id: $id, version: $v) { id version status } }"#;
const PUBLISHED: &str = r#"{ publishedCases(first: 100) { nodes { id headline body violationType commodityGroup goodsValue fineAmount status } } }"#;

/// A case led by the police, moved to `status` through the API (with a subject on it).
async fn police_case(app: &TestApp, status: &str) -> String {
    let police = app.token_for(Role::Police);
    let id = app
        .create_case(
            &police,
            json!({
                "title": "Vận chuyển thuốc lá điếu nhập lậu",
                "violationType": "SMUGGLING",
                "commodityGroup": "CIGARETTES",
                "channel": "INLAND_TRANSPORT",
                "commune": "DONG_DANG",
                "detectedOn": "2026-10-02",
                "goodsSummary": "2.500 bao thuốc lá điếu nhãn hiệu ngoại không có hóa đơn",
                "fineAmount": 30000000,
                "goodsValue": 75000000
            }),
        )
        .await;
    app.add_subject(
        &police,
        &id,
        json!({ "kind": "PERSON", "role": "CARRIER", "fullName": SUBJECT_NAME, "idNumber": SUBJECT_ID }),
    )
    .await;
    let path: &[&str] = match status {
        "DETECTED" => &[],
        "VERIFYING" => &["VERIFYING"],
        "HANDLED_ADMINISTRATIVELY" => &["VERIFYING", "HANDLED_ADMINISTRATIVELY"],
        other => panic!("no path to {other}"),
    };
    app.move_case(&police, &id, 1, path).await;
    id
}

/// Asks, as `token`, to take a step without arguments (`APPROVE`, `WITHDRAW`) on publication
/// `id` at version `v`; returns the response.
async fn step(app: &TestApp, token: &str, mutation: &str, id: &str, v: i64) -> Value {
    app.gql(Some(token), mutation, json!({ "id": id, "v": v }))
        .await
}

/// Asks, as `token`, to revise publication `id` at version `v`; returns the response.
async fn revise(app: &TestApp, token: &str, id: &str, v: i64, input: Value) -> Value {
    app.gql(
        Some(token),
        UPDATE,
        json!({ "id": id, "v": v, "input": input }),
    )
    .await
}

/// Asks, as `token`, to draft a publication of `case`; returns the response.
async fn draft(app: &TestApp, token: &str, case: &str, input: Value) -> Value {
    app.gql(Some(token), DRAFT, json!({ "case": case, "input": input }))
        .await
}

fn input(headline: &str, body: &str) -> Value {
    json!({ "headline": headline, "body": body, "publicFacts": ["violation_type", "goods_value"] })
}

const HEADLINE: &str = "Bắt giữ vụ vận chuyển 2.500 bao thuốc lá nhập lậu tại Đồng Đăng";
const BODY: &str = "Ngày 02/10/2026, Công an tỉnh phát hiện một xe ô tô tải vận chuyển 2.500 bao \
                    thuốc lá điếu nhập lậu. Cơ quan chức năng đã xử phạt vi phạm hành chính 30 triệu đồng.";

async fn published(app: &TestApp) -> Vec<Value> {
    let press = app.token_for(Role::Press);
    let r = ok(app.query(Some(&press), PUBLISHED).await);
    nodes(&r, "publishedCases")
}

async fn publication_count(app: &TestApp) -> u64 {
    app.count::<entity::publications::Entity>().await
}

#[tokio::test]
async fn drafted_approved_published_for_the_press_then_withdrawn() {
    let app = TestApp::spawn().await;
    let [police, office] = app.tokens_for([Role::Police, Role::StandingOffice]);
    let case = police_case(&app, "HANDLED_ADMINISTRATIVELY").await;

    let r = app
        .gql(
            Some(&police),
            DRAFT,
            json!({ "case": case, "input": input(HEADLINE, BODY), "key": "pub-draft-0001" }),
        )
        .await;
    let p = &r["data"]["draftPublication"];
    assert_eq!(p["status"], "DRAFT", "{r}");
    assert_eq!(p["version"], 1);
    assert_eq!(p["drafted_by"]["code"], "CA");
    assert_eq!(p["publicFacts"], json!(["violation_type", "goods_value"]));
    let id = p["id"].as_str().unwrap().to_string();
    // A retry with the same key returns the same draft and creates nothing.
    let before = publication_count(&app).await;
    let again = app
        .gql(
            Some(&police),
            DRAFT,
            json!({ "case": case, "input": input(HEADLINE, BODY), "key": "pub-draft-0001" }),
        )
        .await;
    assert_eq!(again["data"]["draftPublication"]["id"], id, "{again}");
    assert_eq!(publication_count(&app).await, before);

    // Not public while a draft.
    assert!(!published(&app).await.iter().any(|n| n["id"] == id));

    let r = step(&app, &office, APPROVE, &id, 1).await;
    assert_eq!(r["data"]["approvePublication"]["status"], "APPROVED", "{r}");
    assert_eq!(r["data"]["approvePublication"]["version"], 2);
    assert!(r["data"]["approvePublication"]["approvedAt"].is_string());

    let pubs = published(&app).await;
    let mine = pubs
        .iter()
        .find(|n| n["id"] == id)
        .expect("the approved summary is published");
    assert_eq!(mine["headline"], HEADLINE);
    assert_eq!(mine["violationType"], "SMUGGLING");
    assert_eq!(mine["goodsValue"], 75000000);
    // Facts not declared public stay null.
    assert!(mine["commodityGroup"].is_null());
    assert!(mine["fineAmount"].is_null());
    assert!(mine["status"].is_null());

    // Published, it is withdrawn, not archived: archived, the standing office could no
    // longer withdraw it, and its drafter could restore it at will (stop 35's review).
    let r = app
        .gql(
            Some(&police),
            "mutation($id: ID!) { setPublicationArchived(id: $id, version: 2, archived: true) { version } }",
            json!({ "id": id }),
        )
        .await;
    failed(r, "BAD_USER_INPUT");
    let r = step(&app, &office, WITHDRAW, &id, 2).await;
    assert_eq!(
        r["data"]["withdrawPublication"]["status"], "WITHDRAWN",
        "{r}"
    );
    assert!(!published(&app).await.iter().any(|n| n["id"] == id));

    // Every step left an audit event.
    let ops: Vec<String> = entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::Entity.eq("publication"))
        .filter(entity::audit_events::Column::EntityIds.eq(hub389_tests::row_id(&id).to_string()))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.operation)
        .collect();
    for op in [
        "draftPublication",
        "approvePublication",
        "withdrawPublication",
    ] {
        assert!(ops.iter().any(|o| o == op), "{op} not audited: {ops:?}");
    }
}

#[tokio::test]
async fn rejected_revised_and_archived_publications() {
    let app = TestApp::spawn().await;
    let [police, office] = app.tokens_for([Role::Police, Role::StandingOffice]);
    let case = police_case(&app, "HANDLED_ADMINISTRATIVELY").await;
    let r = draft(&app, &police, &case, input(HEADLINE, BODY)).await;
    let id = r["data"]["draftPublication"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A rejection needs a reason.
    failed(
        app.gql(
            Some(&office),
            REJECT,
            json!({ "id": id, "v": 1, "r": "  " }),
        )
        .await,
        "BAD_USER_INPUT",
    );
    let r = app
        .gql(
            Some(&office),
            REJECT,
            json!({ "id": id, "v": 1, "r": "Bổ sung kết quả xử lý tang vật" }),
        )
        .await;
    assert_eq!(r["data"]["rejectPublication"]["status"], "REJECTED", "{r}");
    // A rejected publication cannot be approved…
    let r = failed(step(&app, &office, APPROVE, &id, 2).await, "BAD_USER_INPUT");
    let msg = r["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("REJECTED") && msg.contains("APPROVED"),
        "{msg}"
    );
    // …but revising it makes it a draft again.
    let r = revise(
        &app,
        &police,
        &id,
        2,
        input(HEADLINE, &format!("{BODY} Tang vật đã bị tịch thu.")),
    )
    .await;
    assert_eq!(r["data"]["updatePublication"]["status"], "DRAFT", "{r}");
    assert_eq!(r["data"]["updatePublication"]["version"], 3);

    // Archived by the drafting agency: not listed, not approvable.
    let r = app
        .gql(
            Some(&police),
            "mutation($id: ID!) { setPublicationArchived(id: $id, version: 3, archived: true) { version archivedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert!(
        r["data"]["setPublicationArchived"]["archivedAt"].is_string(),
        "{r}"
    );
    failed(step(&app, &office, APPROVE, &id, 4).await, "BAD_USER_INPUT");
    let r = app
        .query(
            Some(&office),
            "{ publications(first: 100) { nodes { id } } }",
        )
        .await;
    assert!(
        !r["data"]["publications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == id)
    );
}

#[tokio::test]
async fn refusals_name_the_problem_never_the_datum() {
    let app = TestApp::spawn().await;
    let [police, office] = app.tokens_for([Role::Police, Role::StandingOffice]);
    let case = police_case(&app, "HANDLED_ADMINISTRATIVELY").await;
    let before = publication_count(&app).await;

    // Not the lead agency.
    let bdbp = app.token_for(Role::Officer);
    let r = draft(&app, &bdbp, &case, input(HEADLINE, BODY)).await;
    assert_eq!(error_codes(&r), ["FORBIDDEN"], "{r}");
    // Nor the standing office, which drafts nothing: the mutation does not exist for it.
    let r = draft(&app, &office, &case, input(HEADLINE, BODY)).await;
    hub389_tests::assert_unknown_to_caller(&r);

    // The press cannot even see the mutation.
    let press = app.token_for(Role::Press);
    let r = draft(&app, &press, &case, input(HEADLINE, BODY)).await;
    assert!(
        r["data"].is_null() || r["data"]["draftPublication"].is_null(),
        "{r}"
    );
    assert!(!error_codes(&r).is_empty());

    // A case still under verification is not published.
    let open = police_case(&app, "VERIFYING").await;
    let r = draft(&app, &police, &open, input(HEADLINE, BODY)).await;
    assert_refused(&r, "BAD_USER_INPUT", "VERIFYING");

    // Unknown public fact.
    let r = draft(
        &app,
        &police,
        &case,
        json!({ "headline": HEADLINE, "body": BODY, "publicFacts": ["subjects"] }),
    )
    .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");

    // The subject's name, written without diacritics (and in capitals), is caught.
    let folded_name = "NGUYEN THI HANG";
    for body in [
        format!("{BODY} Đối tượng {folded_name} đã khai nhận."),
        format!("{BODY} Doi tuong nguyen thi hang, sinh nam 1980."),
        format!("{BODY} Đối tượng {SUBJECT_NAME} đã khai nhận."),
    ] {
        let r = draft(&app, &police, &case, input(HEADLINE, &body)).await;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
        let msg = r["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains("subject's name"), "{msg}");
        let lower = msg.to_lowercase();
        assert!(
            !lower.contains("hằng") && !lower.contains("hang") && !lower.contains("nguy"),
            "the refusal repeats the name: {msg}"
        );
    }

    // The ID number, even with spaces, in the headline.
    let r = draft(
        &app,
        &police,
        &case,
        input(
            &format!("Đối tượng CCCD {} bị xử phạt", "0011 9801 2345"),
            BODY,
        ),
    )
    .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let msg = r["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("ID number"), "{msg}");
    assert!(!msg.contains(SUBJECT_ID) && !msg.contains("2345"), "{msg}");

    // Nothing was stored; the refused attempts are on the audit trail (kind only).
    assert_eq!(publication_count(&app).await, before);
    let refused = entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::Operation.eq("publicationTextRefused"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(refused.len(), 4);
    let case_row = hub389_tests::row_id(&case).to_string();
    assert!(refused.iter().all(|e| e.entity_ids == case_row));
    assert!(
        refused
            .iter()
            .any(|e| e.restricted_fields == "subjects.idNumber")
    );

    // A clean draft, then a stale version and illegal moves.
    let r = draft(&app, &police, &case, input(HEADLINE, BODY)).await;
    let id = r["data"]["draftPublication"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = revise(
        &app,
        &police,
        &id,
        1,
        input("Thu giữ 2.500 bao thuốc lá nhập lậu", BODY),
    )
    .await;
    assert_eq!(r["data"]["updatePublication"]["version"], 2, "{r}");
    // Revising it to name the subject is refused the same way.
    failed(
        revise(
            &app,
            &police,
            &id,
            2,
            input(HEADLINE, &format!("{BODY} nguyễn thị hằng")),
        )
        .await,
        "BAD_USER_INPUT",
    );
    failed(step(&app, &office, APPROVE, &id, 1).await, "CONFLICT");
    // Withdrawing a draft is not a move the machine knows.
    let r = failed(
        step(&app, &office, WITHDRAW, &id, 2).await,
        "BAD_USER_INPUT",
    );
    let msg = r["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("DRAFT") && msg.contains("WITHDRAWN"), "{msg}");
    // Only the standing office approves: for the police the mutation does not exist.
    hub389_tests::assert_unknown_to_caller(&step(&app, &police, APPROVE, &id, 2).await);
    let r = step(&app, &office, APPROVE, &id, 2).await;
    assert_eq!(r["data"]["approvePublication"]["status"], "APPROVED", "{r}");
    // An approved publication is not revised, nor approved twice.
    failed(
        revise(&app, &police, &id, 3, input(HEADLINE, BODY)).await,
        "BAD_USER_INPUT",
    );
    failed(step(&app, &office, APPROVE, &id, 3).await, "BAD_USER_INPUT");
    // Another agency cannot withdraw it (it does not read the draft, so it is not found for
    // it, as a missing id); the drafting agency can.
    failed(step(&app, &bdbp, WITHDRAW, &id, 3).await, "NOT_FOUND");
    let r = step(&app, &police, WITHDRAW, &id, 3).await;
    assert_eq!(
        r["data"]["withdrawPublication"]["status"], "WITHDRAWN",
        "{r}"
    );
}

#[tokio::test]
async fn approval_rechecks_data_added_after_drafting() {
    let app = TestApp::spawn().await;
    let [police, office] = app.tokens_for([Role::Police, Role::StandingOffice]);
    let case = police_case(&app, "HANDLED_ADMINISTRATIVELY").await;
    let body = format!("{BODY} Chủ hàng là Trần Văn Bình.");
    let r = draft(&app, &police, &case, input(HEADLINE, &body)).await;
    let id = r["data"]["draftPublication"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The owner is then recorded as a subject of the case.
    app.add_subject(
        &police,
        &case,
        json!({ "kind": "PERSON", "role": "OWNER", "fullName": "Trần Văn Bình" }),
    )
    .await;
    let r = failed(step(&app, &office, APPROVE, &id, 1).await, "BAD_USER_INPUT");
    let msg = r["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("restricted data") && !msg.contains("Bình"),
        "{msg}"
    );
    assert!(!published(&app).await.iter().any(|n| n["id"] == id));
}

#[tokio::test]
async fn informant_details_of_linked_tips_are_refused() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    // The police read the informants of the tips assigned to them (decrypted by the API).
    let r = ok(app
        .query(Some(&police), r#"{ tips(first: 100, filter: { status: [LINKED_TO_CASE], assignedAgency: "CA" }) {
                 nodes { reporterName reporterContact case { id status leadAgency { code } } } } }"#)
        .await);
    let tip = r["data"]["tips"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["reporterName"].is_string()
                && t["reporterContact"].is_string()
                && t["case"]["leadAgency"]["code"] == "CA"
                && ["HANDLED_ADMINISTRATIVELY", "PROSECUTED", "CLOSED"]
                    .contains(&t["case"]["status"].as_str().unwrap())
        })
        .expect("the demo data links a named tip to a settled police case")
        .clone();
    let case = tip["case"]["id"].as_str().unwrap();
    let name = tip["reporterName"].as_str().unwrap();
    let contact = tip["reporterContact"].as_str().unwrap();

    // The informant's name, as written, in lower case, and without diacritics.
    let ascii = api::text::fold(name);
    for written in [name.to_string(), name.to_lowercase(), ascii.to_uppercase()] {
        let body =
            format!("{BODY} Nhờ tin báo của {written}, lực lượng chức năng đã phát hiện vụ việc.");
        let r = draft(&app, &police, &case, input(HEADLINE, &body)).await;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
        let msg = r["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains("informant's name"), "{msg}");
        let last = ascii.split(' ').next_back().unwrap();
        assert!(!api::text::fold(msg).contains(last), "{msg}");
    }
    // The contact, written with spaces and the country code.
    let digits: String = contact.chars().filter(char::is_ascii_digit).collect();
    let spaced = format!("+84 {} {} {}", &digits[1..4], &digits[4..7], &digits[7..]);
    let r = draft(
        &app,
        &police,
        &case,
        input(HEADLINE, &format!("{BODY} Liên hệ {spaced}.")),
    )
    .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let msg = r["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("informant's contact") && !msg.contains(&digits[4..7]),
        "{msg}"
    );
    // The clean text goes through.
    let r = draft(&app, &police, &case, input(HEADLINE, BODY)).await;
    assert_eq!(r["data"]["draftPublication"]["status"], "DRAFT", "{r}");
}
