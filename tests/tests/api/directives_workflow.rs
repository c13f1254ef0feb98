//! Directives, tasks and campaigns written by the standing office, progress reported by the
//! agencies on their tasks, and reference data written by the administrator.

use api::auth::Role;
use hub389_tests::{TestApp, pluck, refusal_codes, refused};
use serde_json::{Value, json};

const REGISTER: &str = r#"mutation($input: NewDirectiveInput!, $key: String) {
  registerDirective(input: $input, idempotencyKey: $key) {
    id symbol number type issuer draftingUnit year version validFrom validUntil
    cites { symbol } citedBy { symbol } } }"#;

const DIRECTIVE: &str = r#"query($id: ID!) { directive(id: $id) {
  id symbol version archivedAt cites { symbol } citedBy { symbol } } }"#;

const ASSIGN: &str = r#"mutation($input: NewTaskInput!, $key: String) {
  assignTask(input: $input, idempotencyKey: $key) {
    id version status dueOn recurrenceDay nextDueOn overdue completedOn
    leadAgency { code } coordinatingAgencies { code } directive { symbol } } }"#;

const POST: &str = r#"mutation($id: ID!, $note: String!, $p: Int) {
  postTaskUpdate(taskId: $id, note: $note, progressPercent: $p) {
    id version status updates { agency { code } note progressPercent } } }"#;

const COMPLETE: &str = r#"mutation($id: ID!, $v: Int!, $on: NaiveDate) {
  completeTask(id: $id, version: $v, completedOn: $on) {
    id version status completedOn overdue daysLate } }"#;

const CREATE_CAMPAIGN: &str = r#"mutation($input: NewCampaignInput!) {
  createCampaign(input: $input) { id code name version startsOn endsOn directive { symbol }
    focusCommodityGroups focusViolationTypes } }"#;

fn so(app: &TestApp) -> String {
    app.token_for(Role::StandingOffice)
}

fn ok<'a>(r: &'a Value, field: &str) -> &'a Value {
    assert!(r["errors"].is_null(), "{field}: {r}");
    &r["data"][field]
}

async fn directive_id(app: &TestApp, symbol: &str) -> String {
    let r = app
        .query(
            Some(&so(app)),
            "{ directives(includeArchived: true, first: 100) { nodes { id symbol } } }",
        )
        .await;
    ok(&r, "directives")["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["symbol"] == symbol)
        .unwrap_or_else(|| panic!("seeded {symbol}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn directive_count(app: &TestApp) -> u64 {
    app.count::<entity::directives::Entity>().await
}

fn symbols(v: &Value) -> Vec<String> {
    pluck(v, "symbol")
}

/// The symbols of the directives that cite directive `id`, as `token` reads them.
async fn cited_by(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let r = app.gql(Some(token), DIRECTIVE, json!({ "id": id })).await;
    symbols(&ok(&r, "directive")["citedBy"])
}

#[tokio::test]
async fn a_directive_is_registered_with_its_citations_read_both_ways() {
    let app = TestApp::spawn().await;
    let so = so(&app);
    let cd38 = directive_id(&app, "38/CĐ-TTg").await;
    let ct13 = directive_id(&app, "13/CT-TTg").await;
    let input = json!({
        "symbol": "45/KH-UBND",
        "issuerName": "Ủy ban nhân dân tỉnh Lạng Sơn",
        "issuedOn": "2026-05-12",
        "title": "Kế hoạch cao điểm đấu tranh với hàng giả, xâm phạm quyền sở hữu trí tuệ",
        "validFrom": "2026-05-12",
        "validUntil": "2026-05-30",
        "cites": [cd38, ct13],
    });
    let register = json!({ "input": input, "key": "register-kh45-2026" });
    let r = app.gql(Some(&so), REGISTER, register.clone()).await;
    let d = ok(&r, "registerDirective").clone();
    assert_eq!(d["number"], 45);
    assert_eq!(d["type"], "PLAN");
    assert_eq!(d["issuer"], "UBND");
    assert_eq!(d["draftingUnit"], Value::Null);
    assert_eq!(d["year"], 2026);
    assert_eq!(d["version"], 1);
    let mut cites = symbols(&d["cites"]);
    cites.sort();
    assert_eq!(cites, ["13/CT-TTg", "38/CĐ-TTg"]);
    let id = d["id"].as_str().unwrap().to_string();

    // The other way: the cited directives list it under citedBy, also for another reader.
    let police = app.token_for(Role::Police);
    for cited in [&cd38, &ct13] {
        let cited_by = cited_by(&app, &police, cited).await;
        assert!(cited_by.contains(&"45/KH-UBND".to_string()), "{cited_by:?}");
    }

    // A retry with the same key returns the same directive and registers nothing more.
    let before = directive_count(&app).await;
    let r = app.gql(Some(&so), REGISTER, register).await;
    assert_eq!(ok(&r, "registerDirective")["id"], id.as_str());
    assert_eq!(directive_count(&app).await, before);

    // A công văn: issuer and drafting unit, no type abbreviation.
    let r = app
        .gql(
            Some(&so),
            REGISTER,
            json!({ "input": {
                "symbol": "1234/UBND-KTTH",
                "issuerName": "Ủy ban nhân dân tỉnh Lạng Sơn",
                "issuedOn": "2026-06-02",
                "title": "Về việc triển khai Kế hoạch 45/KH-UBND",
                "cites": [id],
            } }),
        )
        .await;
    let cv = ok(&r, "registerDirective");
    assert_eq!(cv["type"], "OFFICIAL_LETTER");
    assert_eq!(cv["issuer"], "UBND");
    assert_eq!(cv["draftingUnit"], "KTTH");
    assert_eq!(symbols(&cv["cites"]), ["45/KH-UBND"]);
    assert_eq!(cited_by(&app, &so, &id).await, ["1234/UBND-KTTH"]);

    // Updating replaces the citations (and bumps the version).
    let r = app
        .gql(
            Some(&so),
            r#"mutation($id: ID!, $v: Int!, $input: DirectivePatch!) {
              updateDirective(id: $id, version: $v, input: $input) { version cites { symbol } validUntil } }"#,
            json!({ "id": id, "v": 1, "input": { "cites": [cd38], "validUntil": null } }),
        )
        .await;
    let u = ok(&r, "updateDirective");
    assert_eq!(u["version"], 2);
    assert_eq!(symbols(&u["cites"]), ["38/CĐ-TTg"]);
    assert_eq!(u["validUntil"], Value::Null);
    assert!(
        !cited_by(&app, &so, &ct13)
            .await
            .contains(&"45/KH-UBND".to_string())
    );
}

#[tokio::test]
async fn malformed_duplicate_and_impossible_directives_are_refused() {
    let app = TestApp::spawn().await;
    let so = so(&app);
    let before = directive_count(&app).await;
    let base = |symbol: &str, issued: &str| {
        json!({ "input": {
            "symbol": symbol,
            "issuerName": "Thủ tướng Chính phủ",
            "issuedOn": issued,
            "title": "Công điện về cao điểm",
        } })
    };
    for bad in [
        "KH-UBND/45",
        "45/KH",
        "45 /KH-UBND",
        "số 45/KH-UBND",
        "45/CD-TTg",
        "x/TB-VPCP",
    ] {
        let r = app.gql(Some(&so), REGISTER, base(bad, "2026-05-12")).await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{bad}: {r}");
        let msg = r["errors"][0]["message"].as_str().unwrap();
        assert!(
            msg.contains("341/TB-VPCP"),
            "{bad}: the message shows the form: {msg}"
        );
    }
    // Issuer, year, number and type already registered.
    refused(
        app.gql(Some(&so), REGISTER, base("38/CĐ-TTg", "2026-05-20"))
            .await,
        "CONFLICT",
    );
    // The year written in a symbol must be the year of issue.
    refused(
        app.gql(Some(&so), REGISTER, base("21/2016/QĐ-TTg", "2017-01-05"))
            .await,
        "BAD_USER_INPUT",
    );
    // Not issued in the future.
    refused(
        app.gql(Some(&so), REGISTER, base("39/CĐ-TTg", "2099-01-01"))
            .await,
        "BAD_USER_INPUT",
    );
    // A directive cannot cite one issued after it.
    let cd38 = directive_id(&app, "38/CĐ-TTg").await;
    let mut input = base("7/CĐ-TTg", "2026-01-10");
    input["input"]["cites"] = json!([cd38]);
    refused(app.gql(Some(&so), REGISTER, input).await, "BAD_USER_INPUT");
    // Nor one that does not exist.
    let mut input = base("8/CĐ-TTg", "2026-01-10");
    input["input"]["cites"] = json!(["999999"]);
    refused(app.gql(Some(&so), REGISTER, input).await, "BAD_USER_INPUT");
    assert_eq!(
        directive_count(&app).await,
        before,
        "nothing refused was stored"
    );

    // Numbers restart each year: 38/CĐ-TTg of 2025 is another document.
    let r = app
        .gql(Some(&so), REGISTER, base("38/CĐ-TTg", "2025-03-14"))
        .await;
    assert_eq!(ok(&r, "registerDirective")["year"], 2025);
    assert_eq!(directive_count(&app).await, before + 1);
}

#[tokio::test]
async fn a_task_is_assigned_reported_on_by_its_agencies_and_completed_by_the_lead() {
    let app = TestApp::spawn().await;
    let so = so(&app);
    let cd38 = directive_id(&app, "38/CĐ-TTg").await;
    // "chậm nhất ngày 22/5/2026": already past today, so overdue from the start.
    let r = app
        .gql(
            Some(&so),
            ASSIGN,
            json!({ "input": {
                "directive": cd38,
                "text": "Báo cáo kết quả đợt cao điểm chống hàng giả, xâm phạm quyền sở hữu trí tuệ",
                "leadAgency": "BDBP",
                "coordinatingAgencies": ["CA", "HQ", "CA"],
                "dueOn": "2026-05-22",
            } }),
        )
        .await;
    let t = ok(&r, "assignTask").clone();
    assert_eq!(t["status"], "OPEN");
    assert_eq!(t["dueOn"], "2026-05-22");
    assert_eq!(t["recurrenceDay"], Value::Null);
    assert_eq!(t["overdue"], true, "due 22/5/2026 and not done");
    assert_eq!(t["leadAgency"]["code"], "BDBP");
    assert_eq!(t["directive"]["symbol"], "38/CĐ-TTg");
    let mut coord: Vec<&str> = t["coordinatingAgencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    coord.sort();
    assert_eq!(coord, ["CA", "HQ"]);
    let id = t["id"].as_str().unwrap().to_string();

    // The lead agency reports: the task is now in progress.
    let bdbp = app.token_for(Role::Officer);
    let r = app
        .gql(
            Some(&bdbp),
            POST,
            json!({ "id": id, "note": "Đã kiểm tra 12 cơ sở", "p": 40 }),
        )
        .await;
    let u = ok(&r, "postTaskUpdate");
    assert_eq!(u["status"], "IN_PROGRESS");
    assert_eq!(u["version"], 2);
    // A coordinating agency reports too.
    let police = app.token_for(Role::Police);
    let r = app
        .gql(
            Some(&police),
            POST,
            json!({ "id": id, "note": "Phối hợp xác minh 2 vụ" }),
        )
        .await;
    let updates = ok(&r, "postTaskUpdate")["updates"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0]["agency"]["code"], "BDBP");
    assert_eq!(updates[0]["progressPercent"], 40);
    assert_eq!(updates[1]["agency"]["code"], "CA");

    // Unrelated agencies, and roles without an agency of the task, may not. A commune user
    // does not read a task its agency has no part in: not found, as a missing id.
    for (role, agency, commune, code) in [
        (Role::Officer, Some("STC"), None, "FORBIDDEN"),
        (
            Role::Commune,
            Some("UBND_DONG_DANG"),
            Some("DONG_DANG"),
            "NOT_FOUND",
        ),
        (Role::Leader, None, None, "FORBIDDEN"),
        (Role::Press, Some("BAO_LS"), None, "FORBIDDEN"),
    ] {
        let token = app.token(role, agency, commune);
        let r = app
            .gql(Some(&token), POST, json!({ "id": id, "note": "x" }))
            .await;
        assert_eq!(refusal_codes(&r), [code], "{role:?} {agency:?}: {r}");
    }
    refused(
        app.gql(
            Some(&bdbp),
            POST,
            json!({ "id": id, "note": "x", "p": 101 }),
        )
        .await,
        "BAD_USER_INPUT",
    );

    // Still overdue while open, in every reader's list of overdue tasks.
    let leader = app.token_for(Role::Leader);
    let overdue_ids = |r: &Value| pluck(&r["data"]["tasks"]["nodes"], "id");
    let q = "{ tasks(first: 100, filter: { overdue: true }) { nodes { id } } }";
    assert!(overdue_ids(&app.query(Some(&leader), q).await).contains(&id));

    // Only the lead completes; a coordinator may not; a stale version conflicts; no future date.
    refused(
        app.gql(Some(&police), COMPLETE, json!({ "id": id, "v": 2 }))
            .await,
        "FORBIDDEN",
    );
    refused(
        app.gql(Some(&bdbp), COMPLETE, json!({ "id": id, "v": 1 }))
            .await,
        "CONFLICT",
    );
    let tomorrow = api::time::today() + chrono::Duration::days(1);
    refused(
        app.gql(
            Some(&bdbp),
            COMPLETE,
            json!({ "id": id, "v": 2, "on": tomorrow.to_string() }),
        )
        .await,
        "BAD_USER_INPUT",
    );
    let r = app
        .gql(Some(&bdbp), COMPLETE, json!({ "id": id, "v": 2 }))
        .await;
    let done = ok(&r, "completeTask");
    assert_eq!(done["status"], "DONE");
    assert_eq!(done["completedOn"], api::time::today().to_string());
    assert_eq!(done["overdue"], false, "done is no longer overdue");
    assert!(done["daysLate"].as_i64().unwrap() > 0, "but it was late");
    assert!(!overdue_ids(&app.query(Some(&leader), q).await).contains(&id));
    // Done is done: no second completion, no more reports.
    refused(
        app.gql(Some(&bdbp), COMPLETE, json!({ "id": id, "v": 3 }))
            .await,
        "BAD_USER_INPUT",
    );
    refused(
        app.gql(Some(&bdbp), POST, json!({ "id": id, "note": "x" }))
            .await,
        "BAD_USER_INPUT",
    );
}

#[tokio::test]
async fn a_task_has_a_deadline_or_a_monthly_day_but_not_both() {
    let app = TestApp::spawn().await;
    let so = so(&app);
    let cd38 = directive_id(&app, "38/CĐ-TTg").await;
    let input = |due: Value, day: Value| {
        json!({ "input": {
            "directive": cd38, "text": "Báo cáo tháng", "leadAgency": "HQ",
            "dueOn": due, "recurrenceDay": day,
        } })
    };
    for (due, day) in [
        (json!("2026-06-30"), json!(17)),
        (Value::Null, Value::Null),
        (Value::Null, json!(0)),
        (Value::Null, json!(29)),
        (json!("2026-01-01"), Value::Null), // before the directive was issued
    ] {
        let r = app
            .gql(Some(&so), ASSIGN, input(due.clone(), day.clone()))
            .await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{due} {day}: {r}");
    }
    let r = app
        .gql(Some(&so), ASSIGN, input(Value::Null, json!(17)))
        .await;
    let t = ok(&r, "assignTask");
    assert_eq!(t["recurrenceDay"], 17);
    assert_eq!(t["overdue"], false);
    assert!(t["nextDueOn"].as_str().unwrap().ends_with("-17"));
    // An unknown agency is named as such; the newspaper, which reports on no task, can
    // neither lead nor coordinate one (it would stand undone for ever).
    let mut bad = input(Value::Null, json!(17));
    bad["input"]["leadAgency"] = json!("NOPE");
    refused(app.gql(Some(&so), ASSIGN, bad).await, "BAD_USER_INPUT");
    let mut press = input(Value::Null, json!(17));
    press["input"]["leadAgency"] = json!("BAO_LS");
    refused(app.gql(Some(&so), ASSIGN, press).await, "BAD_USER_INPUT");
    let mut press = input(Value::Null, json!(17));
    press["input"]["coordinatingAgencies"] = json!(["BAO_LS"]);
    refused(app.gql(Some(&so), ASSIGN, press).await, "BAD_USER_INPUT");
    // Nor can the leadership, which directs and files nothing, nor an organisation outside
    // the committee (stop 34's review made the leadership lead a task).
    for code in ["UBND_TINH", "MTTQ", "VP_UBND"] {
        let mut other = input(Value::Null, json!(17));
        other["input"]["leadAgency"] = json!(code);
        refused(app.gql(Some(&so), ASSIGN, other).await, "BAD_USER_INPUT");
    }
}

/// `mutation($id: ID!, $v: Int!, $input: …Patch!)`: updates record `id` at version `v`.
async fn update(
    app: &TestApp,
    token: &str,
    mutation: &str,
    id: &str,
    v: i64,
    input: Value,
) -> Value {
    let vars = json!({ "id": id, "v": v, "input": input });
    app.gql(Some(token), mutation, vars).await
}

/// `mutation($id: ID!, $v: Int!, $a: Boolean!)`: archives or restores record `id` at version `v`.
async fn set_archived(
    app: &TestApp,
    token: &str,
    mutation: &str,
    id: &str,
    v: i64,
    archived: bool,
) -> Value {
    let vars = json!({ "id": id, "v": v, "a": archived });
    app.gql(Some(token), mutation, vars).await
}

#[tokio::test]
async fn stale_versions_conflict_and_archived_records_leave_the_lists() {
    let app = TestApp::spawn().await;
    let so = so(&app);
    let ct13 = directive_id(&app, "13/CT-TTg").await;
    let upd = r#"mutation($id: ID!, $v: Int!, $input: DirectivePatch!) {
      updateDirective(id: $id, version: $v, input: $input) { version title } }"#;
    let r = update(
        &app,
        &so,
        upd,
        &ct13,
        1,
        json!({ "title": "Chỉ thị 13 (sửa)" }),
    )
    .await;
    assert_eq!(ok(&r, "updateDirective")["version"], 2);
    refused(
        update(&app, &so, upd, &ct13, 1, json!({ "title": "Lần sửa cũ" })).await,
        "CONFLICT",
    );
    let r = app.gql(Some(&so), DIRECTIVE, json!({ "id": ct13 })).await;
    assert_eq!(ok(&r, "directive")["version"], 2);

    // A task: update, then a stale update.
    let r = app
        .gql(
            Some(&so),
            ASSIGN,
            json!({ "input": { "directive": ct13, "text": "Rà soát địa bàn", "leadAgency": "CA", "dueOn": "2026-12-31" } }),
        )
        .await;
    let task = ok(&r, "assignTask")["id"].as_str().unwrap().to_string();
    let upd_task = r#"mutation($id: ID!, $v: Int!, $input: TaskPatch!) {
      updateTask(id: $id, version: $v, input: $input) { version text recurrenceDay dueOn leadAgency { code } coordinatingAgencies { code } } }"#;
    let r = update(
        &app,
        &so,
        upd_task,
        &task,
        1,
        json!({ "recurrenceDay": 17, "leadAgency": "HQ", "coordinatingAgencies": ["CA"] }),
    )
    .await;
    let t = ok(&r, "updateTask");
    assert_eq!(t["version"], 2);
    assert_eq!(t["recurrenceDay"], 17);
    assert_eq!(t["dueOn"], Value::Null);
    assert_eq!(t["leadAgency"]["code"], "HQ");
    assert_eq!(t["coordinatingAgencies"][0]["code"], "CA");
    refused(
        update(&app, &so, upd_task, &task, 1, json!({ "text": "cũ" })).await,
        "CONFLICT",
    );

    // Archiving a task takes it off the lists; it stays in the table.
    let arch = r#"mutation($id: ID!, $v: Int!, $a: Boolean!) { setTaskArchived(id: $id, version: $v, archived: $a) { version archivedAt } }"#;
    let r = set_archived(&app, &so, arch, &task, 2, true).await;
    assert!(ok(&r, "setTaskArchived")["archivedAt"].is_string());
    let listed = |r: &Value| {
        r["data"]["tasks"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == task.as_str())
    };
    let r = app
        .query(Some(&so), "{ tasks(first: 100) { nodes { id } } }")
        .await;
    assert!(!listed(&r));
    let r = app
        .query(
            Some(&so),
            "{ tasks(first: 100, filter: { includeArchived: true }) { nodes { id } } }",
        )
        .await;
    assert!(listed(&r));

    // Archiving a directive: off the list, no new tasks until restored.
    let arch = r#"mutation($id: ID!, $v: Int!, $a: Boolean!) { setDirectiveArchived(id: $id, version: $v, archived: $a) { version archivedAt } }"#;
    let r = set_archived(&app, &so, arch, &ct13, 2, true).await;
    assert_eq!(ok(&r, "setDirectiveArchived")["version"], 3);
    let r = app
        .query(Some(&so), "{ directives(first: 100) { nodes { id } } }")
        .await;
    assert!(
        !ok(&r, "directives")["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == ct13.as_str())
    );
    refused(app
        .gql(
            Some(&so),
            ASSIGN,
            json!({ "input": { "directive": ct13, "text": "x", "leadAgency": "CA", "dueOn": "2026-12-31" } }),
        )
        .await, "BAD_USER_INPUT");
    let r = set_archived(&app, &so, arch, &ct13, 3, false).await;
    assert_eq!(ok(&r, "setDirectiveArchived")["archivedAt"], Value::Null);
}

#[tokio::test]
async fn campaigns_are_created_and_updated_by_the_standing_office() {
    let app = TestApp::spawn().await;
    let so = so(&app);
    let cd38 = directive_id(&app, "38/CĐ-TTg").await;
    let input = json!({
        "code": "HANG_GIA_Q3_2026",
        "name": "Cao điểm chống hàng giả quý III/2026",
        "startsOn": "2026-07-01",
        "endsOn": "2026-09-30",
        "directive": cd38,
        "focusCommodityGroups": ["COSMETICS", "FUNCTIONAL_FOOD", "COSMETICS"],
        "focusViolationTypes": ["COUNTERFEIT", "IP_INFRINGEMENT"],
    });
    let r = app
        .gql(Some(&so), CREATE_CAMPAIGN, json!({ "input": input }))
        .await;
    let c = ok(&r, "createCampaign").clone();
    assert_eq!(c["version"], 1);
    assert_eq!(c["directive"]["symbol"], "38/CĐ-TTg");
    assert_eq!(
        c["focusCommodityGroups"],
        json!(["COSMETICS", "FUNCTIONAL_FOOD"])
    );
    // The code is taken now; the dates must be in order; codes are upper-case.
    let changed = |fields: Value| {
        let mut changed = input.clone();
        for (name, value) in fields.as_object().unwrap() {
            changed[name] = value.clone();
        }
        changed
    };
    for (bad, code) in [
        (input.clone(), "CONFLICT"),
        (
            changed(json!({ "code": "KHAC_2026", "endsOn": "2026-06-30" })),
            "BAD_USER_INPUT",
        ),
        (changed(json!({ "code": "hang gia" })), "BAD_USER_INPUT"),
        // Longer than any period the statistics read: it once made `runningCampaigns` fail
        // for every leader (stop 32's review).
        (
            changed(json!({ "code": "MAI_MAI", "startsOn": "1990-01-01", "endsOn": "2100-12-31" })),
            "BAD_USER_INPUT",
        ),
    ] {
        let r = app
            .gql(Some(&so), CREATE_CAMPAIGN, json!({ "input": bad }))
            .await;
        refused(r, code);
    }

    let upd = r#"mutation($id: ID!, $v: Int!, $input: CampaignPatch!) {
      updateCampaign(id: $id, version: $v, input: $input) { version endsOn directive { symbol } focusViolationTypes } }"#;
    let id = c["id"].as_str().unwrap();
    let r = update(
        &app,
        &so,
        upd,
        id,
        1,
        json!({ "endsOn": "2026-10-15", "directive": null, "focusViolationTypes": ["COUNTERFEIT"] }),
    )
    .await;
    let u = ok(&r, "updateCampaign");
    assert_eq!(u["version"], 2);
    assert_eq!(u["endsOn"], "2026-10-15");
    assert_eq!(u["directive"], Value::Null);
    assert_eq!(u["focusViolationTypes"], json!(["COUNTERFEIT"]));
    refused(
        update(&app, &so, upd, id, 1, json!({ "name": "cũ" })).await,
        "CONFLICT",
    );
    // An empty patch changes nothing, not even the version (every patch: `service::write::Changes`).
    refused(
        update(&app, &so, upd, id, 2, json!({})).await,
        "BAD_USER_INPUT",
    );
    let r = update(&app, &so, upd, id, 2, json!({ "startsOn": "2026-11-01" })).await;
    assert_eq!(
        refusal_codes(&r),
        ["BAD_USER_INPUT"],
        "starts after it ends: {r}"
    );
    let r = app
        .query(Some(&so), "{ campaigns { nodes { code version } } }")
        .await;
    assert!(
        ok(&r, "campaigns")["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "HANG_GIA_Q3_2026" && c["version"] == 2)
    );
}

#[tokio::test]
async fn only_the_standing_office_writes_directives_tasks_and_campaigns() {
    let app = TestApp::spawn().await;
    let cd38 = directive_id(&app, "38/CĐ-TTg").await;
    let before = directive_count(&app).await;
    // A task to try updating.
    let r = app
        .gql(
            Some(&so(&app)),
            ASSIGN,
            json!({ "input": { "directive": cd38, "text": "Kiểm tra", "leadAgency": "CA", "dueOn": "2026-12-31" } }),
        )
        .await;
    let task = ok(&r, "assignTask")["id"].as_str().unwrap().to_string();
    for &role in Role::ALL {
        if role == Role::StandingOffice {
            continue;
        }
        let token = app.token_for(role);
        let attempts = [
            (
                REGISTER,
                json!({ "input": { "symbol": "99/KH-UBND", "issuerName": "UBND tỉnh", "issuedOn": "2026-06-01", "title": "x" } }),
            ),
            (
                ASSIGN,
                json!({ "input": { "directive": cd38, "text": "x", "leadAgency": "CA", "dueOn": "2026-12-31" } }),
            ),
            (
                CREATE_CAMPAIGN,
                json!({ "input": { "code": "X_2026", "name": "x", "startsOn": "2026-07-01", "endsOn": "2026-07-02", "focusCommodityGroups": [], "focusViolationTypes": [] } }),
            ),
            (
                r#"mutation($id: ID!) { updateTask(id: $id, version: 1, input: { text: "x" }) { id } }"#,
                json!({ "id": task }),
            ),
            (
                r#"mutation($id: ID!) { setDirectiveArchived(id: $id, version: 1, archived: true) { id } }"#,
                json!({ "id": cd38 }),
            ),
        ];
        for (q, vars) in attempts {
            let r = app.gql(Some(&token), q, vars).await;
            assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?}: {r}");
        }
    }
    assert_eq!(directive_count(&app).await, before);
    let r = app
        .gql(None, REGISTER, json!({ "input": { "symbol": "99/KH-UBND", "issuerName": "x", "issuedOn": "2026-06-01", "title": "x" } }))
        .await;
    // Without a token the field is not in the caller's schema: an unknown field.
    assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{r}");
    hub389_tests::assert_unknown_to_caller(&r);
}

const CREATE_COMMUNE: &str = r#"mutation($input: NewCommuneInput!) {
  createCommune(input: $input) { id code name kind isBorder committeeEstablishedOn version } }"#;

const COMMITTEE: &str = r#"mutation($id: ID!, $v: Int!, $on: NaiveDate) {
  setCommuneCommittee(id: $id, version: $v, establishedOn: $on) { version committeeEstablishedOn } }"#;

/// `setCommuneCommittee` on commune `id` at version `v`, with `on` the date or null.
async fn set_committee(app: &TestApp, token: &str, id: &str, v: i64, on: Value) -> Value {
    app.gql(
        Some(token),
        COMMITTEE,
        json!({ "id": id, "v": v, "on": on }),
    )
    .await
}

/// `createCommune` with this input.
async fn create_commune(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), CREATE_COMMUNE, json!({ "input": input }))
        .await
}

/// The communes the leader lists, with these fields.
async fn communes(app: &TestApp, fields: &str) -> Vec<Value> {
    let leader = app.token_for(Role::Leader);
    let r = app
        .query(Some(&leader), &format!("{{ communes {{ {fields} }} }}"))
        .await;
    ok(&r, "communes").as_array().unwrap().clone()
}

fn by_code<'a>(list: &'a [Value], code: &str) -> Option<&'a Value> {
    list.iter().find(|c| c["code"] == code)
}

#[tokio::test]
async fn the_admin_writes_reference_data_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let admin = app.token_for(Role::Admin);
    let r = create_commune(
        &app,
        &admin,
        json!({ "code": "XUAN_DUONG", "name": "Xuân Dương", "kind": "COMMUNE", "isBorder": false }),
    )
    .await;
    let c = ok(&r, "createCommune").clone();
    assert_eq!(c["committeeEstablishedOn"], Value::Null);
    assert_eq!(c["version"], 1);
    let id = c["id"].as_str().unwrap().to_string();
    // The committee is set up; the leaders' view of communes shows it.
    let r = set_committee(&app, &admin, &id, 1, json!("2025-10-02")).await;
    let s = ok(&r, "setCommuneCommittee");
    assert_eq!(s["committeeEstablishedOn"], "2025-10-02");
    assert_eq!(s["version"], 2);
    let listed = communes(&app, "code name committeeEstablishedOn version").await;
    let found = by_code(&listed, "XUAN_DUONG").unwrap();
    assert_eq!(found["committeeEstablishedOn"], "2025-10-02");
    assert_eq!(found["name"], "Xuân Dương");
    // Stale version, future date, duplicate code.
    refused(
        set_committee(&app, &admin, &id, 1, Value::Null).await,
        "CONFLICT",
    );
    refused(
        set_committee(&app, &admin, &id, 2, json!("2099-01-01")).await,
        "BAD_USER_INPUT",
    );
    refused(create_commune(&app, &admin, json!({ "code": "DONG_DANG", "name": "Đồng Đăng", "kind": "COMMUNE", "isBorder": true })).await, "CONFLICT");
    // Back to "not yet".
    let r = set_committee(&app, &admin, &id, 2, Value::Null).await;
    assert_eq!(
        ok(&r, "setCommuneCommittee")["committeeEstablishedOn"],
        Value::Null
    );

    // Its people's committee, as an agency of the commune.
    let r = app
        .gql(
            Some(&admin),
            r#"mutation($input: NewAgencyInput!) { createAgency(input: $input) { id code kind level version parent { code } commune { code } } }"#,
            json!({ "input": { "code": "UBND_XUAN_DUONG", "name": "Ủy ban nhân dân xã Xuân Dương", "kind": "COMMUNE", "level": "COMMUNE", "parent": "UBND_TINH", "commune": "XUAN_DUONG", "isMember": false } }),
        )
        .await;
    let a = ok(&r, "createAgency").clone();
    assert_eq!(a["commune"]["code"], "XUAN_DUONG");
    assert_eq!(a["parent"]["code"], "UBND_TINH");
    let r = app
        .gql(
            Some(&admin),
            r#"mutation($id: ID!, $v: Int!) { updateAgency(id: $id, version: $v, input: { shortName: "UBND xã Xuân Dương", isMember: true }) { version shortName isMember } }"#,
            json!({ "id": a["id"], "v": 1 }),
        )
        .await;
    let u = ok(&r, "updateAgency");
    assert_eq!(u["version"], 2);
    assert_eq!(u["isMember"], true);
    let r = app
        .gql(
            Some(&admin),
            r#"mutation($id: ID!) { updateAgency(id: $id, version: 2, input: { commune: null }) { id } }"#,
            json!({ "id": a["id"] }),
        )
        .await;
    assert_eq!(
        refusal_codes(&r),
        ["BAD_USER_INPUT"],
        "a commune committee needs its commune: {r}"
    );

    // Every other role is refused, and nothing changes.
    for &role in Role::ALL {
        if role == Role::Admin {
            continue;
        }
        let token = app.token_for(role);
        let r = create_commune(
            &app,
            &token,
            json!({ "code": "XA_KHAC", "name": "Xã khác", "kind": "COMMUNE", "isBorder": false }),
        )
        .await;
        assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?}: {r}");
        let r = set_committee(&app, &token, &id, 3, json!("2025-10-02")).await;
        assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?}: {r}");
        let r = app
            .query(Some(&token), r#"mutation { createAgency(input: { code: "X_AGENCY", name: "x", kind: OTHER, level: PROVINCIAL, isMember: false }) { id } }"#)
            .await;
        assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?}: {r}");
    }
    let listed = communes(&app, "code committeeEstablishedOn version").await;
    assert_eq!(by_code(&listed, "XUAN_DUONG").unwrap()["version"], 3);
    assert!(by_code(&listed, "XA_KHAC").is_none());
}
