//! Recording and progressing cases: happy paths, refusals, the status machine, races,
//! idempotent retries and failed writes that leave no trace.

use std::collections::BTreeSet;

use api::auth::Role;
use hub389_tests::{TestApp, agency_viewer, ok, refusal_codes, refused};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: NewCaseInput!, $key: String) {
  createCase(input: $input, idempotencyKey: $key) { id code version status title leadAgency { code } coordinatingAgencies { code } campaigns { code } commune { code } borderGate { code } } }"#;

fn new_case(title: &str) -> Value {
    json!({
        "title": title,
        "violationType": "SMUGGLING",
        "commodityGroup": "FROZEN_FOOD",
        "channel": "BORDER_TRAIL",
        "commune": "DONG_DANG",
        "detectedOn": "2026-11-20",
        "goodsSummary": "1,2 tấn chân gà đông lạnh không rõ nguồn gốc",
        "fineAmount": 45000000,
        "goodsValue": 120000000,
        "coordinatingAgencies": ["CA"],
        "campaigns": []
    })
}

async fn create(app: &TestApp, token: &str, title: &str) -> Value {
    let r = ok(app
        .gql(Some(token), CREATE, json!({ "input": new_case(title) }))
        .await);
    r["data"]["createCase"].clone()
}

async fn total(app: &TestApp) -> u64 {
    let leader = app.token_for(Role::Leader);
    let r = app
        .query(Some(&leader), "{ cases(first: 1) { totalCount } }")
        .await;
    r["data"]["cases"]["totalCount"].as_u64().unwrap()
}

async fn audit_count(app: &TestApp) -> i64 {
    app.count::<entity::audit_events::Entity>().await as i64
}

const STATUS: &str = r#"mutation($id: ID!, $v: Int!, $s: CaseStatus!) { changeCaseStatus(id: $id, version: $v, status: $s) { status version handledOn } }"#;

/// Asks, as `token`, to move case `id` at version `v` to status `s`; returns the response.
/// Moves a new case (version 1) of `token`'s agency to verification, then to the police (CA).
async fn to_the_police(app: &TestApp, token: &str, id: &str) {
    ok(change_status(app, token, id, 1, "VERIFYING").await);
    ok(app
        .gql(
            Some(token),
            "mutation($id: ID!) { transferCaseToPolice(id: $id, version: 2, policeAgency: \"CA\") { status } }",
            json!({ "id": id }),
        )
        .await);
}

/// Records a prosecution of 21/11/2026 with one defendant on case `id` (a new record).
async fn prosecute(app: &TestApp, token: &str, id: &str) {
    ok(app
        .gql(
            Some(token),
            "mutation($id: ID!) { setInvestigation(caseId: $id, input: { notes: \"Khởi tố\",
                prosecutionDecision: \"01/QĐ-KTVA\", prosecutedOn: \"2026-11-21\", defendants: 1 }) { id } }",
            json!({ "id": id }),
        )
        .await);
}

async fn change_status(app: &TestApp, token: &str, id: &str, v: i64, s: &str) -> Value {
    app.gql(Some(token), STATUS, json!({ "id": id, "v": v, "s": s }))
        .await
}

#[tokio::test]
async fn a_case_from_detection_to_closure_with_a_transfer_to_the_police() {
    let app = TestApp::spawn().await;
    let [bdbp, police] = app.tokens_for([Role::Officer, Role::Police]);
    let case = create(&app, &bdbp, "Vận chuyển chân gà đông lạnh qua đường mòn").await;
    assert_eq!(case["status"], "DETECTED");
    assert_eq!(case["leadAgency"]["code"], "BDBP");
    assert!(case["code"].as_str().unwrap().starts_with("VV-2026-"));
    let id = case["id"].as_str().unwrap().to_string();

    let r = change_status(&app, &bdbp, &id, 1, "VERIFYING").await;
    assert_eq!(r["data"]["changeCaseStatus"]["status"], "VERIFYING", "{r}");
    let r = app
        .gql(
            Some(&bdbp),
            "mutation($id: ID!) { transferCaseToPolice(id: $id, version: 2, policeAgency: \"CA\") { status version leadAgency { code } coordinatingAgencies { code } } }",
            json!({ "id": id }),
        )
        .await;
    let t = &r["data"]["transferCaseToPolice"];
    assert_eq!(t["status"], "TRANSFERRED_TO_POLICE", "{r}");
    assert_eq!(t["leadAgency"]["code"], "CA");
    assert_eq!(t["coordinatingAgencies"][0]["code"], "BDBP");
    // The border guard no longer leads it; the police now do.
    let r = change_status(&app, &bdbp, &id, 3, "PROSECUTED").await;
    assert_eq!(refusal_codes(&r), ["FORBIDDEN"]);
    let r = change_status(&app, &police, &id, 3, "PROSECUTED").await;
    assert_eq!(r["data"]["changeCaseStatus"]["status"], "PROSECUTED", "{r}");
    assert!(r["data"]["changeCaseStatus"]["handledOn"].is_string());
    // A prosecuted case is closed once its prosecution is on record (a closed case counts as
    // prosecuted by its record).
    let r = change_status(&app, &police, &id, 4, "CLOSED").await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    prosecute(&app, &police, &id).await;
    let r = change_status(&app, &police, &id, 4, "CLOSED").await;
    assert_eq!(r["data"]["changeCaseStatus"]["status"], "CLOSED", "{r}");
    // Closed, it keeps that prosecution: not dropped, not changed.
    for input in [
        json!({ "notes": "Không khởi tố" }),
        json!({ "notes": "Khởi tố", "prosecutionDecision": "01/QĐ-KTVA", "prosecutedOn": "2026-11-21", "defendants": 2 }),
    ] {
        let r = app
            .gql(
                Some(&police),
                "mutation($id: ID!, $i: InvestigationInput!) { setInvestigation(caseId: $id, version: 1, input: $i) { id } }",
                json!({ "id": id, "i": input }),
            )
            .await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{input}: {r}");
    }
}

#[tokio::test]
async fn illegal_transitions_are_refused_naming_both_states() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let case = create(&app, &qltt, "Kinh doanh mỹ phẩm giả").await;
    let id = case["id"].as_str().unwrap();
    for target in [
        "HANDLED_ADMINISTRATIVELY",
        "PROSECUTED",
        "CLOSED",
        "DROPPED",
        "DETECTED",
    ] {
        let r = change_status(&app, &qltt, &id, 1, target).await;
        assert_eq!(
            refusal_codes(&r),
            ["BAD_USER_INPUT"],
            "DETECTED → {target}: {r}"
        );
        let msg = r["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains("DETECTED") && msg.contains(target), "{msg}");
    }
    // Transfer only via its own mutation, and only from VERIFYING.
    refused(app
        .gql(Some(&qltt), "mutation($id: ID!) { transferCaseToPolice(id: $id, version: 1, policeAgency: \"CA\") { status } }", json!({ "id": id }))
        .await, "BAD_USER_INPUT");
    // Nothing changed.
    let r = app
        .gql(
            Some(&qltt),
            "query($id: ID!) { case(id: $id) { status version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["data"]["case"]["status"], "DETECTED");
    assert_eq!(r["data"]["case"]["version"], 1);
}

#[tokio::test]
async fn writes_are_refused_to_other_agencies_and_roles() {
    let app = TestApp::spawn().await;
    let bdbp = app.token_for(Role::Officer);
    let id = app
        .create_case(&bdbp, new_case("Buôn lậu thuốc lá điếu"))
        .await;
    let update = "mutation($id: ID!) { updateCase(id: $id, version: 1, patch: { title: \"Đổi tên\" }) { title } }";
    for (role, agency) in [
        (Role::Officer, Some("QLTT")),
        (Role::Police, Some("CA")),
        (Role::Leader, None),
        (Role::StandingOffice, Some("QLTT")),
        (Role::Admin, None),
        (Role::Press, Some("BAO_LS")),
    ] {
        let t = app.token(role, agency, None);
        let r = app.gql(Some(&t), update, json!({ "id": id })).await;
        assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?}: {r}");
    }
    let r = app.gql(None, update, json!({ "id": id })).await;
    // Without a token the field is not in the caller's schema: an unknown field.
    assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{r}");
    hub389_tests::assert_unknown_to_caller(&r);
    // Leaders, the press and the admin cannot create cases.
    for (role, agency) in [
        (Role::Leader, None),
        (Role::Press, Some("BAO_LS")),
        (Role::Admin, None),
    ] {
        let t = app.token(role, agency, None);
        let r = app
            .gql(Some(&t), CREATE, json!({ "input": new_case("x") }))
            .await;
        assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?}");
    }
    // Police data: the police or the lead agency; customs data: customs or the lead agency.
    let subject = json!({ "kind": "PERSON", "role": "CARRIER", "fullName": "Hoàng Văn Tú", "idNumber": "020199001234" });
    let add_subject = "mutation($id: ID!, $s: SubjectInput!) { addSubject(caseId: $id, input: $s) { id fullName } }";
    for (role, agency, ok) in [
        (Role::Officer, "BDBP", true),
        (Role::Police, "CA", true),
        (Role::Customs, "HQ", false),
        (Role::Officer, "QLTT", false),
    ] {
        let t = app.token(role, Some(agency), None);
        let r = app
            .gql(Some(&t), add_subject, json!({ "id": id, "s": subject }))
            .await;
        if ok {
            assert!(r["errors"].is_null(), "{role:?} {agency}: {r}");
        } else {
            assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?} {agency}: {r}");
            assert!(
                !r.to_string().contains("020199001234"),
                "errors never echo restricted data"
            );
        }
    }
    // The same code twice, as typed two ways, is stored once.
    let record = json!({ "declarationNumber": "105123456789", "declaredOn": "2026-11-01", "regime": "Kinh doanh", "hsCodes": ["2402.20", "240220"], "importerTaxCode": "4900123456", "inspectionResult": "Phân luồng đỏ" });
    let add_record = "mutation($id: ID!, $c: CustomsRecordInput!) { addCustomsRecord(caseId: $id, input: $c) { id hsCodes } }";
    for (role, agency, ok) in [
        (Role::Customs, "HQ", true),
        (Role::Officer, "BDBP", true),
        (Role::Police, "CA", false),
        (Role::Officer, "QLTT", false),
    ] {
        let t = app.token(role, Some(agency), None);
        let r = app
            .gql(Some(&t), add_record, json!({ "id": id, "c": record }))
            .await;
        if ok {
            assert_eq!(
                r["data"]["addCustomsRecord"]["hsCodes"],
                json!(["240220"]),
                "{r}"
            );
        } else {
            assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?} {agency}");
        }
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let before = total(&app).await;
    let audits = audit_count(&app).await;
    let mut bad = vec![];
    for (field, value) in [
        ("title", json!("   ")),
        ("detectedOn", json!("2099-01-01")),
        ("commune", json!("NO_SUCH_COMMUNE")),
        ("coordinatingAgencies", json!(["NOPE"])),
        ("coordinatingAgencies", json!(["QLTT"])),
        ("campaigns", json!(["NOPE"])),
        ("platform", json!("SHOPEE")),
        ("fineAmount", json!(-5)),
        // NUL (which PostgreSQL cannot store: it failed there as INTERNAL), other controls,
        // a bidirectional override, and a title of zero-width spaces alone (stop 33).
        ("title", json!("Vụ\u{0}x")),
        ("goodsSummary", json!("hàng \u{1b}[31m")),
        ("title", json!("Vụ \u{202E}x")),
        ("title", json!("\u{200B}\u{200B}")),
        // A border gate of another commune (Chi Ma is in Mẫu Sơn), and the newspaper as a
        // coordinator: it records no case (stop 34's review).
        ("borderGate", json!("CHI_MA")),
        ("coordinatingAgencies", json!(["BAO_LS"])),
        // The leadership and organisations outside the committee do not coordinate; a
        // commune's committee only cases in its commune (this one is in Đồng Đăng).
        ("coordinatingAgencies", json!(["UBND_TINH"])),
        ("coordinatingAgencies", json!(["MTTQ"])),
        ("coordinatingAgencies", json!(["UBND_TAN_THANH"])),
    ] {
        let mut input = new_case("Vụ hợp lệ");
        input[field] = value;
        bad.push(input);
    }
    for input in bad {
        let r = app
            .gql(Some(&qltt), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{input}: {r}");
    }
    assert_eq!(total(&app).await, before, "no half-written case");
    // A search with NUL is the client's mistake too, on both databases.
    let r = app
        .query(
            Some(&qltt),
            "{ cases(search: \"a\\u0000\") { totalCount } }",
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(
        audit_count(&app).await,
        audits,
        "no audit event for a refused write"
    );
}

/// A case at a border gate is in the gate's commune: named without a commune, it takes the
/// gate's (so that commune's committee sees it); a patch cannot part the two.
#[tokio::test]
async fn a_case_at_a_border_gate_is_in_the_gates_commune() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    // A commune's committee may coordinate (the newspaper may not: `bad_input_…`).
    let mut with_commune = new_case("Vụ phối hợp với xã");
    with_commune["coordinatingAgencies"] = json!(["UBND_DONG_DANG"]);
    let c = create_with(&app, &qltt, with_commune).await;
    assert_eq!(
        c["coordinatingAgencies"][0]["code"], "UBND_DONG_DANG",
        "{c}"
    );
    // ... in its commune only: the case cannot move away from it, nor take another's.
    let move_to = |p: Value| json!({ "id": c["id"], "v": c["version"], "p": p });
    const MOVE: &str = r#"mutation($id: ID!, $v: Int!, $p: CasePatch!) {
      updateCase(id: $id, version: $v, patch: $p) { version } }"#;
    for p in [
        json!({ "commune": "TAN_THANH" }),
        json!({ "coordinatingAgencies": ["UBND_TAN_THANH"] }),
        json!({ "borderGate": "CHI_MA" }),
    ] {
        let r = app.gql(Some(&qltt), MOVE, move_to(p.clone())).await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{p}: {r}");
    }
    ok(app
        .gql(
            Some(&qltt),
            MOVE,
            move_to(json!({ "commune": "TAN_THANH", "coordinatingAgencies": ["CA"] })),
        )
        .await);
    let mut input = new_case("Vụ tại cửa khẩu Chi Ma");
    input["commune"] = Value::Null;
    input["borderGate"] = json!("CHI_MA");
    let c = create_with(&app, &qltt, input).await;
    assert_eq!(c["commune"]["code"], "MAU_SON", "{c}");
    let patch = |v: &Value, p: Value| json!({ "id": v["id"], "v": v["version"], "p": p });
    const UPDATE: &str = r#"mutation($id: ID!, $v: Int!, $p: CasePatch!) {
      updateCase(id: $id, version: $v, patch: $p) { version commune { code } borderGate { code } } }"#;
    for p in [
        json!({ "commune": "DONG_DANG" }),
        json!({ "commune": null }),
    ] {
        let r = app.gql(Some(&qltt), UPDATE, patch(&c, p.clone())).await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{p}: {r}");
    }
    let r = ok(app
        .gql(
            Some(&qltt),
            UPDATE,
            patch(&c, json!({ "commune": "DONG_DANG", "borderGate": null })),
        )
        .await);
    assert_eq!(r["data"]["updateCase"]["commune"]["code"], "DONG_DANG");
    assert!(r["data"]["updateCase"]["borderGate"].is_null());
}

async fn create_with(app: &TestApp, token: &str, input: Value) -> Value {
    let r = ok(app
        .gql(Some(token), CREATE, json!({ "input": input }))
        .await);
    r["data"]["createCase"].clone()
}

#[tokio::test]
async fn retries_with_the_same_idempotency_key_create_nothing_new() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let before = total(&app).await;
    let vars = json!({ "input": new_case("Sữa bột giả"), "key": "2b9f7d0e-retry-key" });
    let a = app.gql(Some(&qltt), CREATE, vars.clone()).await;
    let b = app.gql(Some(&qltt), CREATE, vars.clone()).await;
    assert_eq!(
        a["data"]["createCase"]["id"], b["data"]["createCase"]["id"],
        "{a} {b}"
    );
    assert_eq!(total(&app).await, before + 1);
    // The same user (the token's subject) acting for another agency owns other keys: its
    // request runs, and the first agency's case is not handed to it (stop 33's review).
    let bdbp = app.token(Role::Officer, Some("BDBP"), None);
    let c = app.gql(Some(&bdbp), CREATE, vars.clone()).await;
    assert_ne!(
        c["data"]["createCase"]["id"], a["data"]["createCase"]["id"],
        "{c}"
    );
    assert_eq!(total(&app).await, before + 2);
    // The same key for another operation is a conflict.
    refused(app
        .gql(
            Some(&qltt),
            "mutation($id: ID!) { addSeizure(caseId: $id, input: { item: \"Sữa\", commodityGroup: MILK, quantity: 10, unit: \"thùng\", estimatedValue: 1000 }, idempotencyKey: \"2b9f7d0e-retry-key\") { id } }",
            json!({ "id": a["data"]["createCase"]["id"] }),
        )
        .await, "CONFLICT");
}

#[tokio::test]
async fn two_officers_editing_one_case_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let id = app.create_case(&qltt, new_case("Hàng giả nhãn hiệu")).await;
    let q = "mutation($id: ID!, $t: String!) { updateCase(id: $id, version: 1, patch: { title: $t }) { title version } }";
    let (a, b) = tokio::join!(
        app.gql(Some(&qltt), q, json!({ "id": id, "t": "Bản của cán bộ A" })),
        app.gql(Some(&qltt), q, json!({ "id": id, "t": "Bản của cán bộ B" }))
    );
    let codes: Vec<Vec<String>> = vec![refusal_codes(&a), refusal_codes(&b)];
    let winners = codes.iter().filter(|c| c.is_empty()).count();
    assert_eq!(winners, 1, "{a} {b}");
    assert!(codes.iter().any(|c| c == &["CONFLICT"]), "{codes:?}");
    let winner = if codes[0].is_empty() { &a } else { &b };
    let r = app
        .gql(
            Some(&qltt),
            "query($id: ID!) { case(id: $id) { title version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        r["data"]["case"]["title"],
        winner["data"]["updateCase"]["title"]
    );
    assert_eq!(r["data"]["case"]["version"], 2);
}

/// Codes and numbers are found however they are typed: an HS code with or without its dots
/// (the demo kept them, writes did not, and a filter by one form missed the other), an ID
/// number in groups; one that cannot be a code is the client's mistake (a review, stop 35).
#[tokio::test]
async fn filters_compare_codes_and_numbers_as_stored() {
    let app = TestApp::spawn().await;
    let hq = app.token(Role::Customs, Some("HQ"), None);
    let id = app
        .create_case(&hq, new_case("Thuốc lá điếu nhập lậu"))
        .await;
    let r = app
        .gql(
            Some(&hq),
            "mutation($id: ID!) { addSeizure(caseId: $id, input: { item: \"Thuốc lá\", commodityGroup: CIGARETTES, quantity: 500, unit: \"bao\", estimatedValue: 15000000, hsCode: \"2402.20.90\" }) { hsCode } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["data"]["addSeizure"]["hsCode"], "24022090", "{r}");
    let found = async |filter: Value| {
        let r = app
            .gql(
                Some(&hq),
                "query($f: CaseFilter) { cases(first: 100, filter: $f) { nodes { id } } }",
                json!({ "f": filter }),
            )
            .await;
        r
    };
    for typed in ["2402.20.90", "24022090", "2402.20", "2402", " 2402 20 "] {
        let r = found(json!({ "hsCode": typed })).await;
        let ids: Vec<&str> = r["data"]["cases"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{typed}: {r}"))
            .iter()
            .filter_map(|n| n["id"].as_str())
            .collect();
        assert!(ids.contains(&id.as_str()), "{typed}: {r}");
    }
    // The demo's codes are stored as writes store them: digits only.
    let r = found(json!({ "hsCode": "2402.20" })).await;
    assert!(
        r["data"]["cases"]["nodes"].as_array().unwrap().len() > 1,
        "{r}"
    );
    let r = app
        .query(
            Some(&hq),
            "{ cases(first: 100) { nodes { seizures { hsCode } customsRecords { hsCodes } } } }",
        )
        .await;
    assert!(!dotted_code(&r.to_string()), "{r}");
    for bad in ["24x", "", "12345678901"] {
        let r = found(json!({ "hsCode": bad })).await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{bad}: {r}");
    }
    // An ID number typed in groups is the number; a malformed one is refused whoever asks
    // (what is refused depends on the text alone).
    let ca = app.token(Role::Police, Some("CA"), None);
    let r = app
        .query(
            Some(&ca),
            "{ cases(first: 100) { nodes { subjects { idNumber } } } }",
        )
        .await;
    let number = r["data"]["cases"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["subjects"].as_array().cloned().unwrap_or_default())
        .find_map(|s| {
            s["idNumber"]
                .as_str()
                .filter(|n| n.len() == 12)
                .map(str::to_owned)
        })
        .expect("a subject with a CCCD");
    let grouped = format!(
        "{} {} {} {}",
        &number[..3],
        &number[3..6],
        &number[6..9],
        &number[9..]
    );
    let count = async |token: &str, n: &str| {
        app.gql(
            Some(token),
            "query($f: CaseFilter) { cases(first: 100, filter: $f) { totalCount } }",
            json!({ "f": { "subjectIdNumber": n } }),
        )
        .await
    };
    let plain = count(&ca, &number).await;
    assert!(
        plain["data"]["cases"]["totalCount"].as_i64().unwrap() >= 1,
        "{plain}"
    );
    assert_eq!(count(&ca, &grouped).await["data"], plain["data"]);
    for token in [&ca, &hq] {
        let r = count(token, "00123456789x").await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    }
}

/// Whether `text` (JSON) holds an HS code written with dots ("2402.20") as a string.
fn dotted_code(text: &str) -> bool {
    text.split('"').any(|s| {
        s.len() >= 6
            && s.contains('.')
            && s.chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
            && s.chars().next().is_some_and(|c| c.is_ascii_digit())
    })
}

#[tokio::test]
async fn seizures_need_the_finance_departments_approval_before_destruction() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let id = app.create_case(&qltt, new_case("Pháo nổ nhập lậu")).await;
    let r = app
        .gql(
            Some(&qltt),
            "mutation($id: ID!) { addSeizure(caseId: $id, input: { item: \"Pháo nổ\", commodityGroup: OTHER, quantity: 120.5, unit: \"kg\", estimatedValue: 60000000, hsCode: \"3604.10\" }) { id version disposalStatus hsCode } }",
            json!({ "id": id }),
        )
        .await;
    let s = &r["data"]["addSeizure"];
    assert_eq!(s["disposalStatus"], "HELD", "{r}");
    let sid = s["id"].as_str().unwrap();
    // Quantities a scale could not weigh are refused (stop 34's review stored 1e308).
    for q in [1e308, 1e-300, 0.0] {
        let r = app
            .gql(
                Some(&qltt),
                "mutation($id: ID!, $q: Float!) { addSeizure(caseId: $id, input: { item: \"Pháo\", commodityGroup: OTHER, quantity: $q, unit: \"kg\", estimatedValue: 1 }) { id } }",
                json!({ "id": id, "q": q }),
            )
            .await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{q}: {r}");
    }
    // Nor are goods recorded as destroyed or auctioned in the first place (stop 33's review).
    for status in ["DESTROYED", "AUCTIONED"] {
        let r = app
            .gql(
                Some(&qltt),
                "mutation($id: ID!, $s: DisposalStatus!) { addSeizure(caseId: $id, input: { item: \"Pháo\", commodityGroup: OTHER, quantity: 1, unit: \"kg\", estimatedValue: 1, disposalStatus: $s }) { id } }",
                json!({ "id": id, "s": status }),
            )
            .await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{status}: {r}");
    }
    let destroy = "mutation($id: ID!, $v: Int!) { setDisposalStatus(id: $id, version: $v, status: DESTROYED) { disposalStatus } }";
    let r = app
        .gql(Some(&qltt), destroy, json!({ "id": sid, "v": 1 }))
        .await;
    assert_eq!(
        refusal_codes(&r),
        ["BAD_USER_INPUT"],
        "held goods are confiscated first"
    );
    let confiscate = "mutation($id: ID!) { setDisposalStatus(id: $id, version: 1, status: CONFISCATED) { disposalStatus } }";
    let r = app.gql(Some(&qltt), confiscate, json!({ "id": sid })).await;
    assert_eq!(
        r["data"]["setDisposalStatus"]["disposalStatus"], "CONFISCATED",
        "{r}"
    );
    let r = app
        .gql(Some(&qltt), destroy, json!({ "id": sid, "v": 2 }))
        .await;
    assert_eq!(
        refusal_codes(&r),
        ["BAD_USER_INPUT"],
        "not before the finance department approves"
    );
    let approve = "mutation($id: ID!) { approveDisposal(id: $id, version: 2, approvedOn: \"2026-11-21\", reference: \"512/QĐ-STC\") { version disposalApprovedOn } }";
    let r = app
        .gql(
            Some(&app.token(Role::Officer, Some("QLTT"), None)),
            approve,
            json!({ "id": sid }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "only finance approves");
    let r = app
        .gql(
            Some(&app.token(Role::Officer, Some("STC"), None)),
            approve,
            json!({ "id": sid }),
        )
        .await;
    assert_eq!(
        r["data"]["approveDisposal"]["disposalApprovedOn"], "2026-11-21",
        "{r}"
    );
    let r = app
        .gql(Some(&qltt), destroy, json!({ "id": sid, "v": 3 }))
        .await;
    assert_eq!(
        r["data"]["setDisposalStatus"]["disposalStatus"], "DESTROYED",
        "{r}"
    );
    let back = "mutation($id: ID!) { setDisposalStatus(id: $id, version: 4, status: HELD) { disposalStatus } }";
    let r = app.gql(Some(&qltt), back, json!({ "id": sid })).await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "destroyed is final");
    // The approval that let the goods be destroyed stands: a later one would replace it with
    // a date after the act (stop 35's review).
    let again = "mutation($id: ID!) { approveDisposal(id: $id, version: 4, approvedOn: \"2026-11-22\", reference: \"513/QĐ-STC\") { disposalApprovedOn } }";
    let r = app
        .gql(
            Some(&app.token(Role::Officer, Some("STC"), None)),
            again,
            json!({ "id": sid }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
}

/// A prosecution comes once the case is with the investigating police, as a decision with its
/// date, and defendants with it (stop 35's review: a border guard's case still `DETECTED`
/// took a prosecution and counted as prosecuted, not handled criminally).
#[tokio::test]
async fn a_prosecution_comes_with_the_police() {
    let app = TestApp::spawn().await;
    let [bdbp, ca] = app.tokens_for([Role::Officer, Role::Police]);
    let case = create(&app, &bdbp, "Vụ chưa chuyển công an").await;
    let id = case["id"].as_str().unwrap().to_string();
    let investigate = "mutation($id: ID!, $input: InvestigationInput!) {
        setInvestigation(caseId: $id, input: $input) { prosecutedOn defendants } }";
    let prosecution = json!({ "notes": "Khởi tố", "prosecutionDecision": "01/QĐ-KTVA",
        "prosecutedOn": "2026-11-25", "defendants": 2 });
    for token in [&bdbp, &ca] {
        let r = app
            .gql(
                Some(token),
                investigate,
                json!({ "id": id, "input": prosecution }),
            )
            .await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "still detected: {r}");
    }
    to_the_police(&app, &bdbp, &id).await;
    // With the police: a decision without its date, or defendants without a prosecution, no.
    for bad in [
        json!({ "notes": "Khởi tố", "prosecutionDecision": "01/QĐ-KTVA", "defendants": 1 }),
        json!({ "notes": "Khởi tố", "prosecutedOn": "2026-11-25" }),
        json!({ "notes": "Đang xác minh", "defendants": 1 }),
    ] {
        let r = app
            .gql(Some(&ca), investigate, json!({ "id": id, "input": bad }))
            .await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{bad}: {r}");
    }
    let r = ok(app
        .gql(
            Some(&ca),
            investigate,
            json!({ "id": id, "input": prosecution }),
        )
        .await);
    assert_eq!(r["data"]["setInvestigation"]["defendants"], 2);
}

/// An archived case is read by nobody, so a write naming it is, to any agency but its lead,
/// the `NOT_FOUND` of a missing id, in the same words; its lead, which may restore it, is told
/// it is archived (stop 35's review told archived ids from missing ones by writing to them).
#[tokio::test]
async fn an_archived_case_is_missing_to_other_writers() {
    let app = TestApp::spawn().await;
    let [bdbp, ca] = app.tokens_for([Role::Officer, Role::Police]);
    let [hq, stc] = [
        app.token_for(Role::Customs),
        app.token(Role::Officer, Some("STC"), None),
    ];
    let case = create(&app, &bdbp, "Vụ sẽ lưu trữ").await;
    let id = case["id"].as_str().unwrap().to_string();
    let seize = "mutation($id: ID!) { addSeizure(caseId: $id, input: { item: \"Đường\", commodityGroup: SUGAR,
        quantity: 1, unit: \"tấn\", estimatedValue: 1000000, disposalStatus: CONFISCATED }) { id } }";
    let sid =
        ok(app.gql(Some(&bdbp), seize, json!({ "id": id })).await)["data"]["addSeizure"]["id"]
            .clone();
    let subject = "mutation($id: ID!) { addSubject(caseId: $id, input: { kind: PERSON, role: CARRIER, fullName: \"Lê Văn B\" }) { id } }";
    let pid =
        ok(app.gql(Some(&ca), subject, json!({ "id": id })).await)["data"]["addSubject"]["id"]
            .clone();
    ok(app
        .gql(
            Some(&bdbp),
            "mutation($id: ID!) { setCaseArchived(id: $id, version: 1, archived: true) { version } }",
            json!({ "id": id }),
        )
        .await);
    let missing = "999999";
    let writes: [(&str, &str, &str, Value); 8] = [
        (
            &ca,
            "updateCase",
            "mutation($id: ID!) { updateCase(id: $id, version: 2, patch: { title: \"x y\" }) { id } }",
            json!(null),
        ),
        (
            &hq,
            "setCaseArchived",
            "mutation($id: ID!) { setCaseArchived(id: $id, version: 2, archived: false) { id } }",
            json!(null),
        ),
        (&ca, "addSubject", subject, json!(null)),
        (
            &ca,
            "updateSubject",
            "mutation($id: ID!) { updateSubject(id: $id, version: 1, input: { kind: PERSON, role: CARRIER, fullName: \"Lê Văn C\" }) { id } }",
            pid.clone(),
        ),
        (
            &stc,
            "approveDisposal",
            "mutation($id: ID!) { approveDisposal(id: $id, version: 1, approvedOn: \"2026-11-21\", reference: \"1/QĐ-STC\") { id } }",
            sid.clone(),
        ),
        (
            &ca,
            "setCaseRecordArchived",
            "mutation($id: ID!) { setCaseRecordArchived(kind: SUBJECT, id: $id, version: 1, archived: true) }",
            pid.clone(),
        ),
        (
            &hq,
            "draftPublication",
            "mutation($id: ID!) { draftPublication(caseId: $id, input: { headline: \"Tin\", body: \"Nội dung\" }) { id } }",
            json!(null),
        ),
        (
            &ca,
            "setDisposalStatus",
            "mutation($id: ID!) { setDisposalStatus(id: $id, version: 1, status: CONFISCATED) { id } }",
            sid.clone(),
        ),
    ];
    // Each writer's agency is then in the directory's cache, so both answers find it alike.
    for token in [&ca, &hq, &stc] {
        ok(app.query(Some(token), "{ me { role } }").await);
    }
    // A write naming `target` answers as one naming a missing id: same code and words, and
    // the same work too (the time of the answer tells nothing either).
    let as_missing = async |token: &str, name: &str, m: &str, target: Value| {
        let answer = |r: &Value| {
            (
                refusal_codes(r),
                r["errors"][0]["message"].as_str().map(str::to_string),
            )
        };
        app.reset_statements();
        let hidden = app.gql(Some(token), m, json!({ "id": target })).await;
        let hidden_statements = app.statement_texts();
        app.reset_statements();
        let absent = app.gql(Some(token), m, json!({ "id": missing })).await;
        assert_eq!(hidden_statements, app.statement_texts(), "{name}");
        assert_eq!(
            answer(&hidden),
            answer(&absent),
            "{name}: {hidden} / {absent}"
        );
        assert_eq!(refusal_codes(&absent), ["NOT_FOUND"], "{name}: {absent}");
    };
    for (token, name, m, record) in writes {
        let target = if record.is_null() { json!(id) } else { record };
        as_missing(token, name, m, target).await;
    }
    // The lead agency is told, and may restore it.
    let r = app
        .gql(
            Some(&bdbp),
            "mutation($id: ID!) { updateCase(id: $id, version: 2, patch: { title: \"x y\" }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    // Nor do the records of its archived case change, the lead's own seizures included.
    let r = app
        .gql(
            Some(&bdbp),
            "mutation($id: ID!) { setCaseRecordArchived(kind: SEIZURE, id: $id, version: 1, archived: true) }",
            json!({ "id": sid }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    ok(app
        .gql(
            Some(&bdbp),
            "mutation($id: ID!) { setCaseArchived(id: $id, version: 2, archived: false) { version } }",
            json!({ "id": id }),
        )
        .await);
    // An archived record takes no change until it is restored.
    ok(app
        .gql(
            Some(&ca),
            "mutation($id: ID!) { setCaseRecordArchived(kind: SUBJECT, id: $id, version: 1, archived: true) }",
            json!({ "id": pid }),
        )
        .await);
    let r = app
        .gql(
            Some(&ca),
            "mutation($id: ID!) { updateSubject(id: $id, version: 2, input: { kind: PERSON, role: CARRIER, fullName: \"Lê Văn C\" }) { id } }",
            json!({ "id": pid }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    // An archived seizure is read by nobody but its lead: to the finance department it is a
    // missing one, with the same work.
    ok(app
        .gql(
            Some(&bdbp),
            "mutation($id: ID!) { setCaseRecordArchived(kind: SEIZURE, id: $id, version: 1, archived: true) }",
            json!({ "id": sid }),
        )
        .await);
    let approve = "mutation($id: ID!) { approveDisposal(id: $id, version: 2, approvedOn: \"2026-11-21\", reference: \"1/QĐ-STC\") { id } }";
    as_missing(&stc, "approveDisposal", approve, sid).await;
}

#[tokio::test]
async fn archived_cases_leave_the_listings_and_come_back_on_restore() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let id = app
        .create_case(&qltt, new_case("Vụ thử lưu trữ Zyxwv"))
        .await;
    let find = "{ cases(first: 5, search: \"vu thu luu tru zyxwv\") { totalCount } }";
    assert_eq!(
        app.query(Some(&qltt), find).await["data"]["cases"]["totalCount"],
        1
    );
    let arch = "mutation($id: ID!, $v: Int!, $a: Boolean!) { setCaseArchived(id: $id, version: $v, archived: $a) { version } }";
    ok(app
        .gql(Some(&qltt), arch, json!({ "id": id, "v": 1, "a": true }))
        .await);
    assert_eq!(
        app.query(Some(&qltt), find).await["data"]["cases"]["totalCount"],
        0
    );
    // Archiving it again changes nothing, so it is refused: no new version, no audit event,
    // the time it was archived kept (stop 33's review).
    let audits = audit_count(&app).await;
    let r = app
        .gql(Some(&qltt), arch, json!({ "id": id, "v": 2, "a": true }))
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(audit_count(&app).await, audits);
    ok(app
        .gql(Some(&qltt), arch, json!({ "id": id, "v": 2, "a": false }))
        .await);
    assert_eq!(
        app.query(Some(&qltt), find).await["data"]["cases"]["totalCount"],
        1
    );
}

/// A write is a plain service function: called without GraphQL (as a CLI or a job would), it
/// validates, checks the matrix, audits and announces exactly as the mutation does.
#[tokio::test]
async fn case_writes_are_services_callable_without_graphql() {
    use api::domain::vocab::{
        CaseStatus, Channel, CommodityGroup, SubjectKind, SubjectRole, ViolationType,
    };
    use api::service::case_records::{self, SubjectDetails};
    use api::service::case_write::{self, NewCase};
    use api::service::events::{DomainEvent, Events};
    use api::service::write::Writer;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    let app = TestApp::spawn().await;
    let border = agency_viewer(&app.db, Role::Officer, "BDBP").await;
    let customs = agency_viewer(&app.db, Role::Customs, "HQ").await;
    let events = Events::default();
    let mut heard = events.subscribe();
    let writer = |v| Writer {
        db: &app.db,
        viewer: Some(v),
        request_id: "cli-test",
        events: &events,
    };
    let case = NewCase {
        title: "  Vận chuyển thuốc lá ngoại nhập lậu ".into(),
        violation_type: ViolationType::Smuggling,
        commodity_group: CommodityGroup::Cigarettes,
        channel: Channel::BorderTrail,
        platform: None,
        commune: Some("DONG_DANG".into()),
        border_gate: None,
        detected_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        goods_summary: "3.000 bao thuốc lá".into(),
        fine_amount: None,
        tax_arrears: None,
        goods_value: None,
        budget_collected: None,
        coordinating_agencies: vec!["CA".into()],
        campaigns: vec![],
    };
    let created = case_write::create(&writer(&border), case, None)
        .await
        .unwrap();
    assert_eq!(created.title, "Vận chuyển thuốc lá ngoại nhập lậu");
    assert_eq!(created.code, format!("VV-2026-{:05}", created.id));
    assert_eq!(
        heard.try_recv().unwrap(),
        DomainEvent::CaseChanged {
            case_id: created.id
        }
    );
    // The matrix holds outside GraphQL too: customs neither leads this case nor reads police data.
    let moved = case_write::change_status(
        &writer(&customs),
        created.id,
        1,
        CaseStatus::Verifying,
        None,
    )
    .await;
    assert_eq!(moved.unwrap_err().code(), "FORBIDDEN");
    let subject = SubjectDetails {
        kind: SubjectKind::Person,
        role: SubjectRole::Carrier,
        full_name: "Nguyễn Văn A".into(),
        id_number: Some("123".into()),
        date_of_birth: None,
        address: None,
        nationality: None,
        tax_code: None,
    };
    let refused = case_records::add_subject(&writer(&border), created.id, subject, None).await;
    assert_eq!(refused.unwrap_err().code(), "BAD_USER_INPUT");
    let audited = entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::RequestId.eq("cli-test"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 1, "one audited write, nothing for the refusals");
}

/// An archived seizure of a live case is read by the case's lead alone: to another agency a
/// write naming it answers as one naming a missing id (it was `FORBIDDEN`, so enumerating ids
/// told archived seizures from missing ones; a review of stop 37).
#[tokio::test]
async fn an_archived_seizure_is_missing_to_other_agencies() {
    let app = TestApp::spawn().await;
    let [bdbp, hq] = app.tokens_for([Role::Officer, Role::Customs]);
    let stc = app.token(Role::Officer, Some("STC"), None);
    let id = create(&app, &bdbp, "Vụ có tang vật lưu trữ").await["id"].clone();
    let seize = "mutation($id: ID!) { addSeizure(caseId: $id, input: { item: \"Đường\", commodityGroup: SUGAR,
        quantity: 1, unit: \"tấn\", estimatedValue: 1000000, disposalStatus: CONFISCATED }) { id } }";
    let sid =
        ok(app.gql(Some(&bdbp), seize, json!({ "id": id })).await)["data"]["addSeizure"]["id"]
            .clone();
    let archive = "mutation($id: ID!, $v: Int!, $a: Boolean!) { setCaseRecordArchived(kind: SEIZURE, id: $id, version: $v, archived: $a) }";
    ok(app
        .gql(
            Some(&bdbp),
            archive,
            json!({ "id": sid, "v": 1, "a": true }),
        )
        .await);
    for token in [&hq, &stc] {
        ok(app.query(Some(token), "{ me { role } }").await);
    }
    let writes = [
        (
            &hq,
            "mutation($id: ID!) { setDisposalStatus(id: $id, version: 2, status: DESTROYED) { id } }",
            json!({}),
        ),
        (&hq, archive, json!({ "v": 2, "a": false })),
        (
            &stc,
            "mutation($id: ID!) { approveDisposal(id: $id, version: 2, approvedOn: \"2026-11-21\", reference: \"1/QĐ-STC\") { id } }",
            json!({}),
        ),
    ];
    for (token, m, vars) in writes {
        let with = |target: &Value| {
            let mut v = vars.clone();
            v["id"] = target.clone();
            v
        };
        app.reset_statements();
        let hidden = app.gql(Some(token), m, with(&sid)).await;
        let hidden_statements = app.statement_texts();
        app.reset_statements();
        let absent = app.gql(Some(token), m, with(&json!("999999"))).await;
        assert_eq!(hidden_statements, app.statement_texts(), "{m}");
        assert_eq!(refusal_codes(&absent), ["NOT_FOUND"], "{m}: {absent}");
        assert_eq!(hidden["errors"], absent["errors"], "{m}");
    }
    // Its lead restores it.
    ok(app
        .gql(
            Some(&bdbp),
            archive,
            json!({ "id": sid, "v": 2, "a": false }),
        )
        .await);
}

/// An archived seizure or customs record no longer finds its case by its HS code, as archived
/// subjects and declarations do not by theirs (a review found the code searched every row).
#[tokio::test]
async fn archived_records_no_longer_find_their_case_by_hs_code() {
    let app = TestApp::spawn().await;
    let border = app.token(Role::Officer, Some("BDBP"), None);
    let customs = app.token(Role::Customs, Some("HQ"), None);
    let id = create(&app, &border, "Vụ tang vật có mã HS").await["id"].clone();
    let found = |code: &'static str| {
        let (app, customs) = (&app, &customs);
        async move {
            let r = ok(app
                .gql(
                    Some(customs),
                    "query($c: String!) { cases(first: 1, filter: { hsCode: $c }) { totalCount } }",
                    json!({ "c": code }),
                )
                .await);
            r["data"]["cases"]["totalCount"].as_u64().unwrap()
        }
    };
    let (seized, declared) = (found("0106.90").await, found("9705.21").await);
    let r = ok(app
        .gql(
            Some(&border),
            "mutation($id: ID!) { addSeizure(caseId: $id, input: { item: \"Tê tê\", commodityGroup: FOREST_PRODUCTS, quantity: 2, unit: \"con\", estimatedValue: 1000000, hsCode: \"0106.90\" }) { id } }",
            json!({ "id": id }),
        )
        .await);
    let seizure = r["data"]["addSeizure"]["id"].clone();
    let record = json!({ "declarationNumber": "105123456700", "declaredOn": "2026-11-01", "regime": "Kinh doanh", "hsCodes": ["4202.21", "9705.21"], "importerTaxCode": "4900123456", "inspectionResult": "Phân luồng đỏ" });
    let r = ok(app
        .gql(
            Some(&customs),
            "mutation($id: ID!, $c: CustomsRecordInput!) { addCustomsRecord(caseId: $id, input: $c) { id } }",
            json!({ "id": id, "c": record }),
        )
        .await);
    let declaration = r["data"]["addCustomsRecord"]["id"].clone();
    assert_eq!(found("0106.90").await, seized + 1);
    assert_eq!(found("9705.21").await, declared + 1);

    let archive = "mutation($k: CaseRecordKind!, $id: ID!) { setCaseRecordArchived(kind: $k, id: $id, version: 1, archived: true) }";
    ok(app
        .gql(
            Some(&border),
            archive,
            json!({ "k": "SEIZURE", "id": seizure }),
        )
        .await);
    ok(app
        .gql(
            Some(&customs),
            archive,
            json!({ "k": "CUSTOMS_RECORD", "id": declaration }),
        )
        .await);
    assert_eq!(found("0106.90").await, seized, "an archived seizure");
    assert_eq!(
        found("9705.21").await,
        declared,
        "an archived customs record"
    );
}

/// Each case's kept count of subjects (which the statistics read) equals a recount from the
/// subjects table after random subject writes: additions, archives and restores, some of them
/// refused.
#[tokio::test]
async fn kept_subject_counts_equal_a_recount_after_random_writes() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn().await;
    let [police, border] = app.tokens_for([Role::Police, Role::Officer]);
    let mut cases = vec![];
    for i in 0..3 {
        cases.push(create(&app, &border, &format!("Vụ {i}")).await["id"].clone());
    }
    let add = "mutation($id: ID!, $s: SubjectInput!) { addSubject(caseId: $id, input: $s) { id version } }";
    let archive = "mutation($id: ID!, $v: Int!, $a: Boolean!) { setCaseRecordArchived(kind: SUBJECT, id: $id, version: $v, archived: $a) }";
    let mut subjects: Vec<(Value, i64, bool)> = vec![]; // (id, version, archived)
    let mut rng = 389u64;
    let mut next = |n: u64| {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (rng >> 33) % n
    };
    for step in 0..40 {
        if subjects.is_empty() || next(3) == 0 {
            let case = &cases[next(cases.len() as u64) as usize];
            let name = format!("Người {step}");
            let r = ok(app
                .gql(
                    Some(&police),
                    add,
                    json!({ "id": case, "s": { "kind": "PERSON", "role": "CARRIER", "fullName": name } }),
                )
                .await);
            let s = &r["data"]["addSubject"];
            subjects.push((s["id"].clone(), s["version"].as_i64().unwrap(), false));
        } else {
            let i = next(subjects.len() as u64) as usize;
            // Archiving an archived subject (or restoring a live one) is refused, whatever
            // the version, as is a stale version; either changes nothing at all.
            let stale = next(5) == 0;
            let (id, version, archived) = subjects[i].clone();
            let to = next(2) == 0;
            let v = if stale { version - 1 } else { version };
            let r = app
                .gql(Some(&police), archive, json!({ "id": id, "v": v, "a": to }))
                .await;
            if to == archived {
                assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
                continue;
            }
            if stale && version > 1 {
                assert_eq!(refusal_codes(&r), ["CONFLICT"], "{r}");
                continue;
            }
            if stale {
                continue;
            }
            assert!(r["errors"].is_null(), "{r}");
            subjects[i] = (id, r["data"]["setCaseRecordArchived"].as_i64().unwrap(), to);
        }
    }
    let backend = app.db.get_database_backend();
    let off = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM cases WHERE subject_count <> (SELECT COUNT(*) FROM subjects \
             WHERE subjects.case_id = cases.id AND subjects.archived_at IS NULL)",
        ))
        .await
        .unwrap();
    assert!(
        off.is_empty(),
        "{} cases with a wrong kept count",
        off.len()
    );
    let live = subjects.iter().filter(|s| !s.2).count() as i64;
    let kept = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT CAST(SUM(subject_count) AS BIGINT) AS n FROM cases WHERE code LIKE 'VV-2026-%' AND title LIKE 'Vụ %'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(kept, live);
}

/// Every argument-less field of `type_name`, as a selection: a leaf by its name, an object as
/// `name { __typename }`. None when the role does not see the type.
async fn field_selections(app: &TestApp, token: &str, type_name: &str) -> Vec<String> {
    let r = app
        .gql(Some(token), r#"query($t: String!) { __type(name: $t) { fields { name args { name } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }"#, json!({ "t": type_name }))
        .await;
    let leaf = |t: &Value| -> bool {
        let mut t = t;
        while t["ofType"].is_object() {
            t = &t["ofType"];
        }
        matches!(t["kind"].as_str(), Some("SCALAR" | "ENUM"))
    };
    r["data"]["__type"]["fields"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|f| f["args"].as_array().is_some_and(|a| a.is_empty()))
        .map(|f| {
            let name = f["name"].as_str().unwrap_or_default();
            if leaf(&f["type"]) {
                name.to_string()
            } else {
                format!("{name} {{ __typename }}")
            }
        })
        .collect()
}

/// A page of cases fetches only the optional columns its selection reads: every field of
/// `Case`, asked for alone, answers what it answers in a page that asks for everything (a field
/// missing from the page's column table would read an empty stand-in and differ here).
#[tokio::test]
async fn a_case_page_reads_each_field_as_a_full_read_does() {
    let app = TestApp::spawn().await;
    let office = app.token_for(Role::StandingOffice);
    let selections = field_selections(&app, &office, "Case").await;
    assert!(selections.len() > 20, "{selections:?}");
    let page = |fields: &str| format!("{{ cases(first: 20) {{ nodes {{ id {fields} }} }} }}");
    // The reference: each case read whole, by id (that read takes every column).
    let ids = app.query(Some(&office), &page("")).await;
    let mut all = vec![];
    for node in ids["data"]["cases"]["nodes"].as_array().expect("a page") {
        let one = format!(
            "query($id: ID!) {{ case(id: $id) {{ id {} }} }}",
            selections.join(" ")
        );
        let r = app
            .gql(Some(&office), &one, json!({ "id": node["id"] }))
            .await;
        all.push(r["data"]["case"].clone());
    }
    assert!(all.len() == 20, "the demo's cases");
    for field in &selections {
        let r = app.query(Some(&office), &page(field)).await;
        let nodes = r["data"]["cases"]["nodes"].as_array().expect("a page");
        let name = field.split(' ').next().unwrap_or_default();
        for (alone, full) in nodes.iter().zip(&all) {
            assert_eq!(alone["id"], full["id"]);
            assert_eq!(alone[name], full[name], "{field} of case {}", full["id"]);
        }
    }
}

/// The demo's seized goods have no plates nor approved disposals: gives some to the first page's,
/// so that a field standing empty shows.
async fn plates_on_the_first_page(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(
            "UPDATE seizures SET vehicle_plate = '29A12345', disposal_approved_on = '2026-11-02', \
             disposal_approval_ref = '15/QĐ-STC' WHERE case_id IN \
             (SELECT id FROM cases ORDER BY detected_on DESC, id DESC LIMIT 10)",
        )
        .await
        .expect("plates on the first page's seizures");
}

/// A page reads of its cases' subjects and seizures only the columns the selection asks for,
/// and the rows so read are cached by the columns they hold: each field alone, beside a
/// narrower selection of the same relation, in a fragment colocated with another selection of
/// it under the same key, and after another page of the same request, reads as the selection
/// of every field does (which reads every column a field is named after; each field has a
/// value somewhere on the page, so a stand-in would show).
#[tokio::test]
async fn a_case_pages_subjects_and_seizures_read_each_field_as_a_full_read_does() {
    let app = TestApp::spawn().await;
    plates_on_the_first_page(&app).await;
    // The police read every case's subjects, customs every seizure's HS code. The police also
    // read every seizure but its HS code, and beside the other relation they read subjects and
    // seizures in the page's statement, each side with its own columns (`rows::page_beside`).
    for (relation, other, type_name, role) in [
        ("subjects", "seizures", "Subject", Role::Police),
        ("seizures", "subjects", "Seizure", Role::Customs),
        ("seizures", "subjects", "Seizure", Role::Police),
    ] {
        let token = app.token_for(role);
        let mut fields = field_selections(&app, &token, type_name).await;
        if role == Role::Police {
            fields.retain(|f| f != "hsCode");
        }
        assert!(fields.len() >= 8, "{fields:?}");
        let page = |inner: &str| format!("{{ cases(first: 30) {{ nodes {{ id {inner} }} }} }}");
        let full = ok(app
            .query(
                Some(&token),
                &page(&format!("{relation} {{ {} }}", fields.join(" "))),
            )
            .await);
        let full = &full["data"]["cases"]["nodes"];
        let records: Vec<&Value> = full
            .as_array()
            .expect("a page")
            .iter()
            .flat_map(|c| c[relation].as_array().into_iter().flatten())
            .collect();
        assert!(
            records.len() > 10,
            "the demo's {relation} on the first page"
        );
        for field in &fields {
            let name = field.split(' ').next().unwrap_or_default();
            assert!(
                records
                    .iter()
                    .any(|r| !r[name].is_null() && r[name] != json!("") && r[name] != json!(0)),
                "{relation}.{name} has no value on the page to tell a stand-in from"
            );
        }
        for field in &fields {
            let name = field.split(' ').next().unwrap_or_default();
            // Alone; then beside a narrower read of the same relation (which the request's
            // cache must not hand to this one), under an alias and in a second page.
            let alone = format!("{relation} {{ id {field} }}");
            let beside = format!("narrow: {relation} {{ __typename }} {relation} {{ id {field} }}");
            let twice = format!(
                "{{ a: cases(first: 30) {{ nodes {{ {relation} {{ id }} }} }} cases(first: 30) {{ nodes {{ id {relation} {{ id {field} }} }} }} }}"
            );
            let colocated = format!(
                "{{ cases(first: 30) {{ nodes {{ id {relation} {{ id }} ...F }} }} }} fragment F on Case {{ {relation} {{ {field} }} }}"
            );
            let with_other = format!("{other} {{ id }} {relation} {{ id {field} }}");
            let mut queries = vec![page(&alone), page(&beside), twice, colocated];
            if role == Role::Police {
                queries.push(page(&with_other));
            }
            for query in queries {
                let r = ok(app.query(Some(&token), &query).await);
                let nodes = r["data"]["cases"]["nodes"].as_array().expect("a page");
                for (case, reference) in nodes.iter().zip(full.as_array().expect("a page")) {
                    assert_eq!(case["id"], reference["id"]);
                    let got = case[relation].as_array().expect("records");
                    let want = reference[relation].as_array().expect("records");
                    assert_eq!(got.len(), want.len(), "{query}");
                    for (g, w) in got.iter().zip(want) {
                        assert_eq!(
                            g[name], w[name],
                            "{relation}.{name} of {}: {query}",
                            w["id"]
                        );
                    }
                }
            }
        }
    }
}

/// A page where the viewer reads some cases' subjects and not others (customs and border guard
/// officers read the police compartment of their own agency's cases only). Beside seizures the
/// page reads both in its own statement (`rows::page_beside`), and its subjects answer as they
/// do alone: the same values, and the same refusals at the same paths.
#[tokio::test]
async fn subjects_beside_seizures_answer_as_alone_where_only_some_are_readable() {
    let app = TestApp::spawn().await;
    for role in [Role::Customs, Role::Officer] {
        let token = app.token_for(role);
        let page =
            |relations: &str| format!("{{ cases(first: 100) {{ nodes {{ id {relations} }} }} }}");
        let alone = app
            .query(Some(&token), &page("subjects { id fullName role }"))
            .await;
        let beside = app
            .query(
                Some(&token),
                &page("seizures { id item } subjects { id fullName role }"),
            )
            .await;
        let nodes = |r: &Value| {
            r["data"]["cases"]["nodes"]
                .as_array()
                .cloned()
                .expect("a page")
        };
        let (alone_nodes, beside_nodes) = (nodes(&alone), nodes(&beside));
        let read = alone_nodes
            .iter()
            .filter(|n| n["subjects"].as_array().is_some_and(|s| !s.is_empty()))
            .count();
        let refused = alone_nodes
            .iter()
            .filter(|n| n["subjects"].is_null())
            .count();
        assert!(
            read > 0 && refused > 0,
            "{role:?}: {read} read, {refused} refused"
        );
        assert_eq!(alone_nodes.len(), beside_nodes.len());
        for (a, b) in alone_nodes.iter().zip(&beside_nodes) {
            assert_eq!(
                (&a["id"], &a["subjects"]),
                (&b["id"], &b["subjects"]),
                "{role:?}"
            );
        }
        let paths = |r: &Value| -> Vec<Value> {
            r["errors"]
                .as_array()
                .map(|errors| errors.iter().map(|e| e["path"].clone()).collect())
                .unwrap_or_default()
        };
        assert_eq!(paths(&alone).len(), refused, "{alone}");
        assert_eq!(paths(&alone), paths(&beside));
    }
}

/// Pages whose viewer reads the subjects of different numbers of their cases (a border guard
/// officer reads only their own agency's) read with one statement text: the subjects' parents
/// are named from the page inside the statement (`rows::page_beside`), never listed. A
/// statement is prepared once per connection and text, and each new text costs a round trip.
#[tokio::test]
async fn pages_with_other_counts_of_readable_cases_read_with_one_statement_text() {
    let app = TestApp::spawn().await;
    let token = app.token_for(Role::Officer);
    let query = "query($after: String) { cases(first: 7, after: $after) { \
        pageInfo { endCursor hasNextPage } nodes { id subjects { id } seizures { id } } } }";
    let (mut after, mut counts, mut texts) = (Value::Null, BTreeSet::new(), BTreeSet::new());
    loop {
        app.reset_statements();
        let r = app
            .gql(Some(&token), query, json!({ "after": after }))
            .await;
        let unions: Vec<String> = app
            .statement_texts()
            .into_iter()
            .filter(|sql| sql.contains("UNION ALL"))
            .collect();
        assert_eq!(unions.len(), 1, "the page's one read");
        let nodes = r["data"]["cases"]["nodes"].as_array().expect("a page");
        counts.insert(nodes.iter().filter(|n| !n["subjects"].is_null()).count());
        // The first page has no cursor, so a text of its own.
        if !after.is_null() {
            texts.extend(unions);
        }
        let info = &r["data"]["cases"]["pageInfo"];
        if info["hasNextPage"] != json!(true) {
            break;
        }
        after = info["endCursor"].clone();
    }
    assert!(counts.len() >= 2, "readable cases per page: {counts:?}");
    assert_eq!(texts.len(), 1, "{texts:#?}");
    // The subjects are asked only of the cases the officer's agency leads, in the statement
    // itself (the resolver refuses the others all the same).
    let text = texts.first().expect("a text");
    assert!(
        text.contains(r#"WHERE "page"."lead_agency_id" = "#),
        "{text}"
    );
}

/// A page's `nodes` (or the page itself) selected twice under one response key answers as one
/// selection of both: async-graphql resolves each and merges the values, which a page written
/// directly as JSON text must not escape.
#[tokio::test]
async fn a_page_selected_twice_under_one_key_answers_merged() {
    let app = TestApp::spawn().await;
    let token = app.token_for(Role::Police);
    let fields = "id code title status leadAgency { code name } subjects { fullName role }";
    let once = format!("{{ cases(first: 10) {{ nodes {{ {fields} }} }} }}");
    let reference = ok(app.query(Some(&token), &once).await);
    assert_eq!(
        reference["data"]["cases"]["nodes"].as_array().map(Vec::len),
        Some(10)
    );
    for twice in [
        "{ cases(first: 10) { nodes { id code title } nodes { status leadAgency { code name } subjects { fullName role } } } }",
        "{ cases(first: 10) { nodes { id code title status } ...F } } fragment F on CaseConnection { nodes { leadAgency { code name } subjects { fullName role } } }",
        "{ cases(first: 10) { nodes { id code } ... { nodes { title status leadAgency { code name } subjects { fullName role } } } } }",
        "{ cases(first: 10) { nodes { id code title status } } cases(first: 10) { nodes { leadAgency { code name } subjects { fullName role } } } }",
        // One side written directly, the other by the executor (a field the projection leaves).
        "{ cases(first: 10) { nodes { id code title status leadAgency { code name } subjects { fullName role } } nodes { coordinatingAgencies { code } } } }",
    ] {
        let mut got = ok(app.query(Some(&token), twice).await);
        for node in got["data"]["cases"]["nodes"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if let Some(node) = node.as_object_mut() {
                node.remove("coordinatingAgencies");
            }
        }
        // As values, not text: the keys of merged selections come in the order the executor
        // finished them (async-graphql's `insert_value`), which this test is not about.
        assert_eq!(got, reference, "{twice}");
    }
}

/// The nodes of a page written directly (`graphql::cases::projection`) answer as the executor
/// does, for every role: each field of `Case` and of its lead agency, commune, subjects and
/// seizures alone, then all of them at once under an alias and through a fragment, in `nodes`
/// and in `edges`. The
/// reference is the same selection with its field selected twice: the executor merges the two
/// into one key, and the direct path leaves a response key selected twice to the executor (its
/// unit tests check that it does). Errors are compared too, as a set and without locations;
/// roles that read the police compartment on their own agency's cases only are also compared
/// on a page of those cases.
#[tokio::test]
async fn the_direct_case_page_answers_as_the_executor() {
    let app = TestApp::spawn().await;
    plates_on_the_first_page(&app).await;
    let through_executor = |selection: &str| format!("{selection} {selection}");
    // The executor reports a refused field selected twice twice: errors are compared as a set.
    // Cursors are sealed with a fresh nonce each time: compared by the page after them, below.
    let without_locations = |mut r: Value| {
        for edge in r["data"]["cases"]["edges"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if edge["cursor"].is_string() {
                edge["cursor"] = json!("<cursor>");
            }
        }
        if let Some(errors) = r["errors"].as_array_mut() {
            for e in errors.iter_mut().filter_map(Value::as_object_mut) {
                e.remove("locations");
            }
            errors.sort_by_key(Value::to_string);
            errors.dedup();
        }
        r
    };
    let relations = [
        ("leadAgency", "Agency"),
        ("commune", "Commune"),
        ("subjects", "Subject"),
        ("seizures", "Seizure"),
    ];
    let mut compared = 0;
    for &role in Role::ALL {
        let token = app.token_for(role);
        let page = |nodes: &str| format!("{{ cases(first: 20) {{ nodes {{ {nodes} }} }} }}");
        // (a query, the same through the executor)
        let mut pairs = vec![];
        let case_fields = field_selections(&app, &token, "Case").await;
        for field in &case_fields {
            pairs.push((page(field), page(&through_executor(field))));
        }
        let mut everything = case_fields
            .iter()
            .filter(|f| !f.contains('{'))
            .cloned()
            .collect::<Vec<_>>();
        for (relation, type_name) in relations {
            if !case_fields
                .iter()
                .any(|f| f.starts_with(&format!("{relation} ")))
            {
                continue;
            }
            let fields = field_selections(&app, &token, type_name).await;
            for field in &fields {
                pairs.push((
                    page(&format!("{relation} {{ {field} }}")),
                    page(&format!("{relation} {{ {} }}", through_executor(field))),
                ));
            }
            everything.push(format!("{relation} {{ __typename {} }}", fields.join(" ")));
        }
        if !everything.is_empty() {
            let fragment = format!("fragment F on Case {{ {} }}", everything.join(" "));
            pairs.push((
                format!("{} {fragment}", page("__typename x: code ...F")),
                format!("{} {fragment}", page("__typename x: code x: code ...F")),
            ));
            let edges =
                |edge: &str| format!("{{ cases(first: 20) {{ edges {{ {edge} }} }} }} {fragment}");
            pairs.push((
                edges("cursor __typename node { ...F }"),
                edges("cursor cursor __typename node { ...F }"),
            ));
            pairs.push((edges("cursor"), edges("cursor cursor")));
            // A role that reads the police compartment on its own agency's cases only: a page
            // of those cases writes their subjects directly.
            if let (Some(agency), _) = hub389_tests::home(role) {
                let own = |nodes: &str| {
                    format!(
                        "{{ cases(first: 20, filter: {{ leadAgency: \"{agency}\" }}) {{ nodes {{ {nodes} }} }} }} {fragment}"
                    )
                };
                pairs.push((own("...F"), own("...F ...F")));
            }
        }
        for (direct, executor) in pairs {
            let a = without_locations(app.query(Some(&token), &direct).await);
            let b = without_locations(app.query(Some(&token), &executor).await);
            // As text: `Value`'s equality ignores the order of an object's keys.
            assert_eq!(a.to_string(), b.to_string(), "{role:?}: {direct}");
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared} selections compared");
    // The direct path did answer: the benchmark's page counts as written directly (no page
    // anywhere would, were it never taken).
    let direct_pages = || async {
        let (_, body) = app.metrics().await;
        body.lines()
            .find_map(|l| l.strip_prefix("hub389_case_pages_total{path=\"direct\"} "))
            .and_then(|n| n.trim().parse::<f64>().ok())
            .unwrap_or_default()
    };
    let before = direct_pages().await;
    let bench = "{ cases(first: 50) { nodes { id code title status detectedOn leadAgency { code name } \
                 commune { name } subjects { fullName role } seizures { item quantity unit } } } }";
    ok(app.query(Some(&app.token_for(Role::Police)), bench).await);
    assert!(
        direct_pages().await > before,
        "the benchmark's page is written directly"
    );
    // A cursor written directly opens the page after its case, as the executor's does.
    let token = app.token_for(Role::Police);
    let after = |cursor: &Value| {
        let q = "query($after: String) { cases(first: 5, after: $after) { nodes { id } } }";
        app.gql(Some(&token), q, json!({ "after": cursor }))
    };
    for edges in ["cursor", "cursor cursor"] {
        let q = format!("{{ cases(first: 5) {{ edges {{ {edges} node {{ id }} }} }} }}");
        let r = ok(app.query(Some(&token), &q).await);
        let page = r["data"]["cases"]["edges"].as_array().expect("edges");
        let next = ok(after(&page[2]["cursor"]).await);
        let ids: Vec<&Value> = next["data"]["cases"]["nodes"]
            .as_array()
            .expect("a page")
            .iter()
            .map(|n| &n["id"])
            .collect();
        assert_eq!(
            ids[..2],
            [&page[3]["node"]["id"], &page[4]["node"]["id"]],
            "{q}"
        );
    }
}

/// `null` clears a case's platform, commune and border gate; absent keeps them. A case recorded
/// as e-commerce could never move to another channel, since its stored platform was always
/// carried into the check (stop 31's contract review).
#[tokio::test]
async fn a_patch_clears_platform_commune_and_gate_with_null() {
    let app = TestApp::spawn().await;
    let officer = app.token_for(Role::Officer);
    let mut input = new_case("Bán hàng giả trên sàn");
    input["channel"] = json!("E_COMMERCE");
    input["platform"] = json!("SHOPEE");
    let r = ok(app
        .gql(Some(&officer), CREATE, json!({ "input": input }))
        .await);
    let id = r["data"]["createCase"]["id"].clone();
    let update = "mutation($id: ID!, $v: Int!, $p: CasePatch!) { updateCase(id: $id, version: $v, patch: $p) { version channel platform commune { code } } }";
    // Absent keeps.
    let r = ok(app
        .gql(
            Some(&officer),
            update,
            json!({ "id": id, "v": 1, "p": { "title": "Bán hàng giả" } }),
        )
        .await);
    let c = &r["data"]["updateCase"];
    assert_eq!(
        (c["platform"].as_str(), c["commune"]["code"].as_str()),
        (Some("SHOPEE"), Some("DONG_DANG")),
        "{r}"
    );
    // Moving off e-commerce without clearing the platform is refused; with `null`, it moves.
    let refused = app
        .gql(
            Some(&officer),
            update,
            json!({ "id": id, "v": 2, "p": { "channel": "WAREHOUSE" } }),
        )
        .await;
    assert_eq!(refusal_codes(&refused), ["BAD_USER_INPUT"], "{refused}");
    let r = ok(app
        .gql(
            Some(&officer),
            update,
            json!({ "id": id, "v": 2, "p": { "channel": "WAREHOUSE", "platform": null, "commune": null } }),
        )
        .await);
    let c = &r["data"]["updateCase"];
    assert_eq!(c["channel"], "WAREHOUSE", "{r}");
    assert!(c["platform"].is_null() && c["commune"].is_null(), "{r}");
    // An empty patch changes nothing, not even the version, and leaves no audit event.
    let events = app.count::<entity::audit_events::Entity>().await;
    let empty = app
        .gql(Some(&officer), update, json!({ "id": id, "v": 3, "p": {} }))
        .await;
    assert_eq!(refusal_codes(&empty), ["BAD_USER_INPUT"], "{empty}");
    assert_eq!(app.count::<entity::audit_events::Entity>().await, events);
    let r = ok(app
        .gql(
            Some(&officer),
            update,
            json!({ "id": id, "v": 3, "p": { "title": "Bán hàng giả (kho)" } }),
        )
        .await);
    assert_eq!(r["data"]["updateCase"]["version"], 4, "{r}");
}

/// A case is handled on or after the day it was detected, whichever date is written last
/// (stop 33's review handled one in 1990, and moved another's detection past its handling).
#[tokio::test]
async fn a_case_is_not_handled_before_it_is_detected() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let id = create(&app, &qltt, "Vụ xử lý trước khi phát hiện").await["id"].clone();
    let handle = "mutation($id: ID!, $v: Int!, $d: NaiveDate) {
        changeCaseStatus(id: $id, version: $v, status: HANDLED_ADMINISTRATIVELY, handledOn: $d) {
            handledOn version } }";
    ok(change_status(&app, &qltt, id.as_str().unwrap(), 1, "VERIFYING").await);
    for early in ["1990-01-01", "2026-11-19"] {
        let r = app
            .gql(Some(&qltt), handle, json!({ "id": id, "v": 2, "d": early }))
            .await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{early}: {r}");
    }
    let r = ok(app
        .gql(
            Some(&qltt),
            handle,
            json!({ "id": id, "v": 2, "d": "2026-11-20" }),
        )
        .await);
    assert_eq!(r["data"]["changeCaseStatus"]["handledOn"], "2026-11-20");
    let later = "mutation($id: ID!) { updateCase(id: $id, version: 3, patch: { detectedOn: \"2026-11-21\" }) { id } }";
    let r = app.gql(Some(&qltt), later, json!({ "id": id })).await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
}

/// Nothing recorded on a case happens before it was detected — a prosecution, a disposal
/// approved — and nobody involved was born after it, whichever date is written last (stop
/// 34's review stored a prosecution and an approval of 2020 on a case of November 2026, and
/// a suspect born after the case).
#[tokio::test]
async fn a_cases_records_do_not_precede_its_detection() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let case = create(&app, &qltt, "Vụ có ngày tháng mâu thuẫn").await;
    let id = case["id"].as_str().unwrap().to_string();
    // A prosecution comes once the case is with the police, who lead it from then on.
    to_the_police(&app, &qltt, &id).await;
    let ca = app.token_for(Role::Police);
    let investigate = "mutation($id: ID!, $d: NaiveDate) { setInvestigation(caseId: $id, input: {
        notes: \"Khởi tố\", prosecutionDecision: \"01/QĐ-KTVA\", prosecutedOn: $d, defendants: 1 }) { prosecutedOn } }";
    let r = app
        .gql(
            Some(&ca),
            investigate,
            json!({ "id": id, "d": "2020-01-01" }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let subject = "mutation($id: ID!, $d: NaiveDate) { addSubject(caseId: $id, input: {
        kind: PERSON, role: CARRIER, fullName: \"Nguyễn Văn A\", dateOfBirth: $d }) { id } }";
    let r = app
        .gql(Some(&ca), subject, json!({ "id": id, "d": "2026-11-25" }))
        .await;
    assert_eq!(
        refusal_codes(&r),
        ["BAD_USER_INPUT"],
        "born after the case: {r}"
    );
    let born = ok(app
        .gql(Some(&ca), subject, json!({ "id": id, "d": "2026-11-20" }))
        .await);
    let subject_id = born["data"]["addSubject"]["id"].clone();
    ok(app
        .gql(
            Some(&ca),
            investigate,
            json!({ "id": id, "d": "2026-11-22" }),
        )
        .await);
    // The detection moved past the prosecution, or before the subject's birth: refused.
    let moved = "mutation($id: ID!, $d: NaiveDate!) { updateCase(id: $id, version: 3, patch: { detectedOn: $d }) { id } }";
    for d in ["2026-11-23", "2026-11-19"] {
        let r = app.gql(Some(&ca), moved, json!({ "id": id, "d": d })).await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{d}: {r}");
    }
    ok(app
        .gql(Some(&ca), moved, json!({ "id": id, "d": "2026-11-21" }))
        .await);
    // Archived, the subject no longer holds the detection back; restored, it must fit it.
    let archive = "mutation($id: ID!, $v: Int!, $a: Boolean!) { setCaseRecordArchived(kind: SUBJECT, id: $id, version: $v, archived: $a) }";
    ok(app
        .gql(
            Some(&ca),
            archive,
            json!({ "id": subject_id, "v": 1, "a": true }),
        )
        .await);
    let moved_again = "mutation($id: ID!) { updateCase(id: $id, version: 4, patch: { detectedOn: \"2026-11-19\" }) { id } }";
    ok(app.gql(Some(&ca), moved_again, json!({ "id": id })).await);
    let r = app
        .gql(
            Some(&ca),
            archive,
            json!({ "id": subject_id, "v": 2, "a": false }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "restored: {r}");
    // A disposal approved before the detection.
    let seize = "mutation($id: ID!) { addSeizure(caseId: $id, input: { item: \"Đường cát\", commodityGroup: SUGAR,
        quantity: 10, unit: \"tấn\", estimatedValue: 1000000, disposalStatus: CONFISCATED }) { id } }";
    let r = ok(app.gql(Some(&ca), seize, json!({ "id": id })).await);
    let sid = r["data"]["addSeizure"]["id"].clone();
    let approve = "mutation($id: ID!, $d: NaiveDate!) { approveDisposal(id: $id, version: 1, approvedOn: $d, reference: \"512/QĐ-STC\") { disposalApprovedOn } }";
    let stc = app.token(Role::Officer, Some("STC"), None);
    let r = app
        .gql(Some(&stc), approve, json!({ "id": sid, "d": "2020-01-01" }))
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    ok(app
        .gql(Some(&stc), approve, json!({ "id": sid, "d": "2026-11-21" }))
        .await);
}

/// A campaign counts the cases detected while it runs: a case is linked only to a campaign it
/// was detected in, and neither its detection nor the campaign's dates may move apart from it
/// after; an archived campaign takes no new case (stop 35's review linked cases of November to
/// the campaign of Tết).
#[tokio::test]
async fn a_case_belongs_only_to_campaigns_it_was_detected_in() {
    let app = TestApp::spawn().await;
    let [bdbp, so] = app.tokens_for([Role::Officer, Role::StandingOffice]);
    let mut november = new_case("Vụ tháng mười một");
    november["campaigns"] = json!(["TET_2026"]);
    let r = app
        .gql(Some(&bdbp), CREATE, json!({ "input": november }))
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let mut tet = new_case("Vụ dịp Tết");
    tet["detectedOn"] = json!("2026-02-10");
    tet["campaigns"] = json!(["TET_2026"]);
    let case = create_with(&app, &bdbp, tet).await;
    let id = case["id"].clone();
    assert_eq!(case["campaigns"][0]["code"], "TET_2026", "{case}");
    let link = "mutation($id: ID!, $v: Int!, $c: String!) { setCaseCampaign(id: $id, version: $v, campaign: $c, linked: true) { version } }";
    let r = app
        .gql(
            Some(&bdbp),
            link,
            json!({ "id": id, "v": 1, "c": "SHTT_2026" }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let moved = "mutation($id: ID!, $d: NaiveDate!) { updateCase(id: $id, version: 1, patch: { detectedOn: $d }) { version } }";
    let r = app
        .gql(Some(&bdbp), moved, json!({ "id": id, "d": "2026-04-01" }))
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    ok(app
        .gql(Some(&bdbp), moved, json!({ "id": id, "d": "2026-03-15" }))
        .await);
    // The campaign cannot end before the case it counts.
    let campaigns = ok(app
        .query(Some(&so), "{ campaigns { nodes { id code version } } }")
        .await);
    let find = |code: &str| {
        campaigns["data"]["campaigns"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap()
            .clone()
    };
    let t = find("TET_2026");
    let shorten = "mutation($id: ID!, $v: Int!) { updateCampaign(id: $id, version: $v, input: { endsOn: \"2026-03-14\" }) { version } }";
    let r = app
        .gql(
            Some(&so),
            shorten,
            json!({ "id": t["id"], "v": t["version"] }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    // An archived case does not hold it back (the standing office does not know it: counted,
    // the refusal told of it), but it is restored only into campaigns it still fits.
    let archive = "mutation($id: ID!, $v: Int!, $a: Boolean!) { setCaseArchived(id: $id, version: $v, archived: $a) { version } }";
    ok(app
        .gql(Some(&bdbp), archive, json!({ "id": id, "v": 2, "a": true }))
        .await);
    ok(app
        .gql(
            Some(&so),
            shorten,
            json!({ "id": t["id"], "v": t["version"] }),
        )
        .await);
    let r = app
        .gql(
            Some(&bdbp),
            archive,
            json!({ "id": id, "v": 3, "a": false }),
        )
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    // An archived campaign takes no new case.
    let c = find("CD65_2025");
    ok(app
        .gql(
            Some(&so),
            "mutation($id: ID!, $v: Int!) { setCampaignArchived(id: $id, version: $v, archived: true) { version } }",
            json!({ "id": c["id"], "v": c["version"] }),
        )
        .await);
    let mut old = new_case("Vụ năm trước");
    old["detectedOn"] = json!("2025-05-20");
    old["campaigns"] = json!(["CD65_2025"]);
    let r = app.gql(Some(&bdbp), CREATE, json!({ "input": old })).await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
}

/// A retry of `createCase` answers with the case as its writer may know it now: transferred to
/// the police and archived by them since, it is a missing case (it was read back whole).
#[tokio::test]
async fn a_retry_does_not_read_back_a_case_archived_since() {
    let app = TestApp::spawn().await;
    let [qltt, ca] = [
        app.token(Role::Officer, Some("QLTT"), None),
        app.token_for(Role::Police),
    ];
    let vars = json!({ "input": new_case("Vụ sẽ chuyển công an"), "key": "retry-after-archive-1" });
    let first = ok(app.gql(Some(&qltt), CREATE, vars.clone()).await);
    let id = first["data"]["createCase"]["id"].clone();
    to_the_police(&app, &qltt, id.as_str().unwrap()).await;
    ok(app
        .gql(
            Some(&ca),
            "mutation($id: ID!) { setCaseArchived(id: $id, version: 3, archived: true) { version } }",
            json!({ "id": id }),
        )
        .await);
    let again = app.gql(Some(&qltt), CREATE, vars).await;
    assert_eq!(refusal_codes(&again), ["NOT_FOUND"], "{again}");
}

/// Closing a prosecuted case and dropping its prosecution, at the same moment, cannot both
/// pass: each checks the other's row, so the case is locked for the write (on PostgreSQL two
/// such writes both committed, leaving a closed case that counted as handled administratively:
/// stop 35's review).
#[tokio::test]
async fn closing_and_dropping_the_prosecution_at_once_cannot_both_pass() {
    let app = TestApp::spawn().await;
    let [bdbp, ca] = app.tokens_for([Role::Officer, Role::Police]);
    for round in 0..6 {
        let case = create(&app, &bdbp, &format!("Vụ chạy đua {round}")).await;
        let id = case["id"].as_str().unwrap().to_string();
        to_the_police(&app, &bdbp, &id).await;
        prosecute(&app, &ca, &id).await;
        ok(change_status(&app, &ca, &id, 3, "PROSECUTED").await);
        let drop = app.gql(
            Some(&ca),
            "mutation($id: ID!) { setInvestigation(caseId: $id, version: 1, input: { notes: \"Không khởi tố\" }) { id } }",
            json!({ "id": id }),
        );
        let (closed, dropped) = tokio::join!(change_status(&app, &ca, &id, 4, "CLOSED"), drop);
        let passed = |r: &Value| r["errors"].is_null();
        assert!(!(passed(&closed) && passed(&dropped)), "{closed} {dropped}");
    }
}
