//! Periodic reports: figures prefilled from the agency's cases (checked against an independent
//! count over the cases the API returns), corrections with reasons, late flags, duplicates,
//! who reads what, and who has not filed.

use std::collections::BTreeMap;

use api::auth::Role;
use chrono::{Datelike, NaiveDate};
use hub389_tests::{TestApp, assert_refused, error_codes, failed, ok, pluck};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

const FIGURES: &str = "group casesDetected casesHandledAdministrative casesHandledCriminal subjectCount prosecutedCases defendants fines taxArrears confiscatedSales budgetCollected goodsValue";

fn file_mutation() -> String {
    format!(
        r#"mutation($input: FileReportInput!, $key: String) {{ fileReport(input: $input, idempotencyKey: $key) {{
  id version isLate dueOn periodKind periodStart periodEnd corrected correctionReason agency {{ code }}
  figures {{ {FIGURES} }} computedFigures {{ {FIGURES} }} }} }}"#
    )
}

async fn file(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), &file_mutation(), json!({ "input": input }))
        .await
}

fn month(year: i32, month: u32) -> Value {
    json!({ "periodKind": "MONTH", "year": year, "month": month })
}

fn today_vn() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}

/// The official group of a violation type, transcribed from DOMAIN.md's three groups (food
/// safety and "other" are reported with trade fraud).
fn group_of(violation: &str) -> &'static str {
    match violation {
        "SMUGGLING" | "ILLEGAL_CROSS_BORDER_TRANSPORT" | "PROHIBITED_GOODS" => {
            "SMUGGLING_AND_PROHIBITED"
        }
        "COUNTERFEIT" | "IP_INFRINGEMENT" => "COUNTERFEIT_AND_IP",
        _ => "TRADE_AND_TAX_FRAUD",
    }
}

/// Every page of a case listing.
async fn all_cases(app: &TestApp, token: &str, fields: &str, filter: Value) -> Vec<Value> {
    let q = format!(
        r#"query($f: CaseFilter, $after: String) {{ cases(first: 100, after: $after, filter: $f) {{
  nodes {{ {fields} }} pageInfo {{ hasNextPage endCursor }} }} }}"#
    );
    let mut out = vec![];
    let mut after = Value::Null;
    loop {
        let r = ok(app
            .gql(Some(token), &q, json!({ "f": filter, "after": after }))
            .await);
        let page = &r["data"]["cases"];
        out.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    out
}

/// The figures of an agency's period, counted here from the cases the API lists: the core
/// facts through a leader, the police compartment (subjects, investigation) through the police.
async fn expected_figures(
    app: &TestApp,
    agency: &str,
    from: &str,
    to: &str,
) -> BTreeMap<String, BTreeMap<&'static str, i64>> {
    let filter = json!({ "leadAgency": agency, "detectedFrom": from, "detectedTo": to });
    let leader = app.token_for(Role::Leader);
    let core = all_cases(
        app,
        &leader,
        "id status violationType fineAmount taxArrears budgetCollected goodsValue",
        filter.clone(),
    )
    .await;
    let police = app.token_for(Role::Police);
    let restricted: BTreeMap<String, Value> = all_cases(
        app,
        &police,
        "id subjects { id } investigation { prosecutedOn defendants }",
        filter,
    )
    .await
    .into_iter()
    .map(|c| (c["id"].as_str().unwrap().to_string(), c))
    .collect();
    assert_eq!(core.len(), restricted.len());
    let mut out: BTreeMap<String, BTreeMap<&'static str, i64>> = BTreeMap::new();
    for g in [
        "SMUGGLING_AND_PROHIBITED",
        "TRADE_AND_TAX_FRAUD",
        "COUNTERFEIT_AND_IP",
    ] {
        out.insert(g.to_string(), BTreeMap::new());
    }
    for c in &core {
        let r = &restricted[c["id"].as_str().unwrap()];
        let status = c["status"].as_str().unwrap();
        let inv = &r["investigation"];
        let criminal = matches!(status, "TRANSFERRED_TO_POLICE" | "PROSECUTED")
            || (status == "CLOSED" && !inv.is_null());
        let administrative =
            status == "HANDLED_ADMINISTRATIVELY" || (status == "CLOSED" && inv.is_null());
        let prosecuted = status == "PROSECUTED" || inv["prosecutedOn"].is_string();
        let g = out
            .get_mut(group_of(c["violationType"].as_str().unwrap()))
            .unwrap();
        let mut add = |k: &'static str, n: i64| *g.entry(k).or_insert(0) += n;
        add("casesDetected", 1);
        add("casesHandledAdministrative", administrative as i64);
        add("casesHandledCriminal", criminal as i64);
        add(
            "subjectCount",
            r["subjects"].as_array().unwrap().len() as i64,
        );
        add("prosecutedCases", prosecuted as i64);
        add("defendants", inv["defendants"].as_i64().unwrap_or(0));
        add("fines", c["fineAmount"].as_i64().unwrap());
        add("taxArrears", c["taxArrears"].as_i64().unwrap());
        add("budgetCollected", c["budgetCollected"].as_i64().unwrap());
        add("goodsValue", c["goodsValue"].as_i64().unwrap());
        // Per case: one case's unpaid fine does not cancel another's sale.
        let sale = c["budgetCollected"].as_i64().unwrap()
            - c["fineAmount"].as_i64().unwrap()
            - c["taxArrears"].as_i64().unwrap();
        add("confiscatedSales", sale.max(0));
    }
    out
}

/// Compares the report's figures with the independent count.
fn assert_figures(
    figures: &Value,
    expected: &BTreeMap<String, BTreeMap<&'static str, i64>>,
) -> i64 {
    let list = figures.as_array().unwrap();
    assert_eq!(list.len(), 3, "one entry per official group");
    let mut detected = 0;
    for f in list {
        let g = f["group"].as_str().unwrap();
        for (k, want) in &expected[g] {
            assert_eq!(f[*k].as_i64().unwrap(), *want, "{g} {k}: {f}");
        }
        for k in [
            "casesDetected",
            "casesHandledAdministrative",
            "casesHandledCriminal",
            "subjectCount",
            "prosecutedCases",
            "defendants",
            "fines",
            "confiscatedSales",
        ] {
            if !expected[g].contains_key(k) {
                assert_eq!(f[k], 0, "{g} {k}");
            }
        }
        detected += f["casesDetected"].as_i64().unwrap();
    }
    detected
}

/// The sale of confiscated goods is each case's budget collected beyond its own fine and tax,
/// so a month's figure counts an auction whatever another case's unpaid fine, and the months
/// add up to their quarter (from a group's sums, March said 0 and the quarter 20 million
/// against the months' 40: a review of stop 37).
#[tokio::test]
async fn confiscated_sales_are_counted_case_by_case() {
    let app = TestApp::spawn().await;
    let rangers = app.token(Role::Officer, Some("KIEMLAM"), None);
    for (title, detected, fine, budget) in [
        ("Vụ phạt chưa nộp", "2025-03-01", 50_000_000, 0),
        ("Vụ bán đấu giá tang vật", "2025-03-01", 0, 30_000_000),
        (
            "Vụ bán đấu giá tang vật tháng Một",
            "2025-01-05",
            0,
            40_000_000,
        ),
    ] {
        let mut case = hub389_tests::minimal_case(title);
        case["violationType"] = json!("SMUGGLING");
        case["commodityGroup"] = json!("FOREST_PRODUCTS");
        case["detectedOn"] = json!(detected);
        case["fineAmount"] = json!(fine);
        case["budgetCollected"] = json!(budget);
        app.create_case(&rangers, case).await;
    }
    let sales = |r: &Value| {
        r["data"]["fileReport"]["computedFigures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["group"] == "SMUGGLING_AND_PROHIBITED")
            .map(|f| f["confiscatedSales"].as_i64().unwrap())
    };
    let mut months = 0;
    for (m, want) in [(1, 40_000_000), (2, 0), (3, 30_000_000)] {
        let r = file(&app, &rangers, month(2025, m)).await;
        assert_eq!(sales(&r), Some(want), "month {m}: {r}");
        months += want;
    }
    let r = file(
        &app,
        &rangers,
        json!({ "periodKind": "QUARTER", "year": 2025, "quarter": 1 }),
    )
    .await;
    assert_eq!(sales(&r), Some(months), "the quarter: {r}");
}

#[tokio::test]
async fn prefilled_figures_equal_a_count_of_the_agencys_cases() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);

    // December 2025: 15/11/2025 – 14/12/2025, due before 17/12/2025 — long past, so late.
    let r = file(&app, &police, month(2025, 12)).await;
    let rep = &r["data"]["fileReport"];
    assert_eq!(rep["periodStart"], "2025-11-15", "{r}");
    assert_eq!(rep["periodEnd"], "2025-12-14");
    assert_eq!(rep["dueOn"], "2025-12-17");
    assert_eq!(rep["isLate"], true);
    assert_eq!(rep["agency"]["code"], "CA");
    assert_eq!(rep["corrected"], false);
    let expected = expected_figures(&app, "CA", "2025-11-15", "2025-12-14").await;
    assert_figures(&rep["figures"], &expected);
    assert_figures(&rep["computedFigures"], &expected);

    // A whole year (15/12/2024 – 14/12/2025) counts enough cases to exercise every figure.
    let r = file(&app, &police, json!({ "periodKind": "YEAR", "year": 2025 })).await;
    let rep = &r["data"]["fileReport"];
    assert_eq!(rep["periodStart"], "2024-12-15", "{r}");
    let expected = expected_figures(&app, "CA", "2024-12-15", "2025-12-14").await;
    let detected = assert_figures(&rep["figures"], &expected);
    assert!(detected > 5, "too few cases to test anything: {detected}");
    let total = |k: &str| {
        expected
            .values()
            .map(|g| g.get(k).copied().unwrap_or(0))
            .sum::<i64>()
    };
    assert!(total("subjectCount") > 0 && total("casesHandledAdministrative") > 0);
    assert!(total("casesHandledCriminal") > 0 && total("defendants") > 0);

    // The same for an agency whose cases are not the police's, filed by its officers: not by
    // the standing office it hosts, which reads no police figure (stop 34's review).
    let so = app.token_for(Role::StandingOffice);
    let r = file(
        &app,
        &so,
        json!({ "periodKind": "QUARTER", "year": 2025, "quarter": 4 }),
    )
    .await;
    hub389_tests::assert_unknown_to_caller(&r);
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let r = file(
        &app,
        &qltt,
        json!({ "periodKind": "QUARTER", "year": 2025, "quarter": 4 }),
    )
    .await;
    let rep = &r["data"]["fileReport"];
    assert_eq!(rep["periodStart"], "2025-09-15", "{r}");
    assert_eq!(rep["agency"]["code"], "QLTT");
    let expected = expected_figures(&app, "QLTT", "2025-09-15", "2025-12-14").await;
    assert_figures(&rep["figures"], &expected);
}

#[tokio::test]
async fn corrections_need_a_reason_and_a_period_is_filed_once() {
    let app = TestApp::spawn().await;
    let qltt = app.token(Role::Officer, Some("QLTT"), None);
    let stored = || app.count::<entity::periodic_reports::Entity>();
    let before = stored().await;
    let fix = json!([{ "group": "COUNTERFEIT_AND_IP", "field": "FINES", "value": 123456789 }]);

    let mut input = month(2025, 11);
    input["corrections"] = fix.clone();
    let r = file(&app, &qltt, input.clone()).await;
    assert_refused(&r, "BAD_USER_INPUT", "correctionReason");
    input["correctionReason"] = json!("   ");
    let r = file(&app, &qltt, input.clone()).await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(stored().await, before, "a refused report stores nothing");

    input["correctionReason"] = json!("Bổ sung tiền phạt của vụ việc xử lý ngày 13/11");
    let filing = json!({ "input": input, "key": "report-qltt-2025-11" });
    let r = app.gql(Some(&qltt), &file_mutation(), filing.clone()).await;
    let rep = r["data"]["fileReport"].clone();
    assert_eq!(rep["corrected"], true, "{r}");
    let id = rep["id"].as_str().unwrap().to_string();
    let ip = |figs: &Value| {
        figs.as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"] == "COUNTERFEIT_AND_IP")
            .unwrap()
            .clone()
    };
    assert_eq!(ip(&rep["figures"])["fines"], 123456789);
    assert_ne!(ip(&rep["computedFigures"])["fines"], 123456789);
    // Other figures are the computed ones.
    assert_eq!(
        ip(&rep["figures"])["casesDetected"],
        ip(&rep["computedFigures"])["casesDetected"]
    );
    // A retry with the key returns the same report.
    let again = app.gql(Some(&qltt), &file_mutation(), filing).await;
    assert_eq!(again["data"]["fileReport"]["id"], id, "{again}");
    assert_eq!(stored().await, before + 1);

    // Filing the period again is a conflict.
    let r = file(&app, &qltt, month(2025, 11)).await;
    assert_eq!(error_codes(&r), ["CONFLICT"], "{r}");

    // Corrections after filing go through correctReport, with a reason and the version.
    const CORRECT: &str = r#"mutation($id: ID!, $v: Int!, $c: [ReportCorrectionInput!]!, $r: String!) {
      correctReport(id: $id, version: $v, corrections: $c, reason: $r) { version correctionReason figures { group casesDetected fines } } }"#;
    let fix2 =
        json!([{ "group": "SMUGGLING_AND_PROHIBITED", "field": "CASES_DETECTED", "value": 42 }]);
    // Refused: no reason, a stale version, another agency (which does not read the report:
    // not found, as a missing id).
    let hq = app.token_for(Role::Customs);
    for (token, v, reason, code) in [
        (&qltt, 1, "", "BAD_USER_INPUT"),
        (&qltt, 7, "Thêm vụ", "CONFLICT"),
        (&hq, 1, "Thêm vụ", "NOT_FOUND"),
    ] {
        let vars = json!({ "id": id, "v": v, "c": fix2, "r": reason });
        failed(app.gql(Some(token), CORRECT, vars).await, code);
    }
    let r = app
        .gql(
            Some(&qltt),
            CORRECT,
            json!({ "id": id, "v": 1, "c": fix2, "r": "Bổ sung vụ việc phối hợp" }),
        )
        .await;
    let c = &r["data"]["correctReport"];
    assert_eq!(c["version"], 2, "{r}");
    let reasons = c["correctionReason"].as_str().unwrap();
    assert!(
        reasons.contains("13/11") && reasons.contains("phối hợp"),
        "{reasons}"
    );
    let smug = c["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "SMUGGLING_AND_PROHIBITED")
        .unwrap();
    assert_eq!(smug["casesDetected"], 42);
    assert_eq!(
        ip(&c["figures"])["fines"],
        123456789,
        "earlier corrections stay"
    );

    // Roles that do not file do not see the mutation: leaders read reports but file none,
    // nor do the admin, commune users and the press.
    let leader = app.token_for(Role::Leader);
    let r = file(&app, &leader, month(2025, 10)).await;
    hub389_tests::assert_unknown_to_caller(&r);
    for (role, agency, commune) in [
        (Role::Commune, Some("UBND_DONG_DANG"), Some("DONG_DANG")),
        (Role::Admin, None, None),
        (Role::Press, Some("BAO_LS"), None),
    ] {
        let t = app.token(role, agency, commune);
        let r = file(&app, &t, month(2025, 10)).await;
        assert!(
            !error_codes(&r).is_empty() && r["data"].is_null(),
            "{role:?}: {r}"
        );
    }
    assert_eq!(stored().await, before + 1);
}

#[tokio::test]
async fn late_and_on_time_reports() {
    let app = TestApp::spawn().await;
    // Sở Công Thương files no report in the demo data.
    let sct = app.token(Role::Officer, Some("SCT"), None);
    let today = today_vn();
    // The period open today (ending on the 14th of this month, or of next month once the 15th
    // is reached) is filed once it has ended: between its end and its due day a report is on
    // time (`report_period`'s unit tests; here only on the 15th and 16th).
    let (y, m) = hub389_tests::reporting_month(today);
    let r = file(&app, &sct, month(y, m)).await;
    assert_eq!(
        error_codes(&r),
        ["BAD_USER_INPUT"],
        "the running month: {r}"
    );
    if (15..17).contains(&today.day()) {
        let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
        let r = file(&app, &sct, month(py, pm)).await;
        assert_eq!(r["data"]["fileReport"]["isLate"], false, "{r}");
    }

    // January 2026 was due before 17/01/2026.
    let r = file(&app, &sct, month(2026, 1)).await;
    assert_eq!(r["data"]["fileReport"]["isLate"], true, "{r}");
    assert_eq!(r["data"]["fileReport"]["dueOn"], "2026-01-17");

    // A period that has not ended cannot be filed (filed within it, a report kept its first
    // days' figures and counted as filed: stop 34's review); nor a malformed one.
    let r = file(&app, &sct, month(today.year() + 1, 12)).await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");

    let r = file(&app, &sct, month(2026, 13)).await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let r = file(
        &app,
        &sct,
        json!({ "periodKind": "QUARTER", "year": 2026, "month": 3 }),
    )
    .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
}

const MISSING: &str = r#"query($y: Int!, $m: Int!) { missingReports(year: $y, month: $m) {
  overdue period { start end dueOn } agencies { code isMember kind } } }"#;

fn codes(r: &Value) -> Vec<String> {
    pluck(&r["data"]["missingReports"]["agencies"], "code")
}

#[tokio::test]
async fn missing_reports_and_who_reads_reports() {
    let app = TestApp::spawn().await;
    let [leader, office] = app.tokens_for([Role::Leader, Role::StandingOffice]);

    // November 2026: the demo data has Sở Y tế and Thuế missing among the usual reporters.
    let r = ok(app
        .gql(Some(&leader), MISSING, json!({ "y": 2026, "m": 11 }))
        .await);
    let m = &r["data"]["missingReports"];
    assert_eq!(m["period"]["start"], "2026-10-15");
    assert_eq!(m["period"]["dueOn"], "2026-11-17");
    assert_eq!(
        m["overdue"],
        today_vn() >= NaiveDate::from_ymd_opt(2026, 11, 17).unwrap()
    );
    let missing = codes(&r);
    for c in ["SYT", "THUE", "SCT"] {
        assert!(
            missing.contains(&c.to_string()),
            "{c} not missing: {missing:?}"
        );
    }
    for c in ["CA", "HQ", "QLTT", "BDBP", "UBND_TINH", "BAO_LS", "VP_UBND"] {
        assert!(!missing.contains(&c.to_string()), "{c} listed: {missing:?}");
    }
    assert!(
        m["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["isMember"] == true)
    );

    // Thuế files (late, if the due date has passed); it is no longer missing.
    let thue = app.token(Role::Officer, Some("THUE"), None);
    let r = file(&app, &thue, month(2026, 11)).await;
    assert_eq!(
        r["data"]["fileReport"]["isLate"],
        today_vn() >= NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(),
        "{r}"
    );
    let r = app
        .gql(Some(&office), MISSING, json!({ "y": 2026, "m": 11 }))
        .await;
    let missing = codes(&r);
    assert!(!missing.contains(&"THUE".to_string()) && missing.contains(&"SYT".to_string()));

    // Agencies do not see who is missing: the query does not exist for them.
    for t in [app.token_for(Role::Police), thue.clone()] {
        hub389_tests::assert_unknown_to_caller(
            &app.gql(Some(&t), MISSING, json!({ "y": 2026, "m": 11 }))
                .await,
        );
    }

    // Reading reports: an agency its own only; the standing office and leaders all.
    const LIST: &str = r#"query($f: ReportFilter) { periodicReports(first: 100, filter: $f) {
      nodes { agency { code } periodStart isLate figures { group casesDetected }
              previousPeriod { periodStart } samePeriodLastYear { periodStart } } } }"#;
    let r = app
        .gql(Some(&thue), LIST, json!({ "f": { "year": 2026 } }))
        .await;
    let nodes = r["data"]["periodicReports"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty(), "{r}");
    assert!(nodes.iter().all(|n| n["agency"]["code"] == "THUE"));
    failed(
        app.gql(Some(&thue), LIST, json!({ "f": { "agency": "CA" } }))
            .await,
        "FORBIDDEN",
    );
    let r = app
        .gql(
            Some(&leader),
            LIST,
            json!({ "f": { "year": 2026, "month": 11 } }),
        )
        .await;
    let nodes = r["data"]["periodicReports"]["nodes"].as_array().unwrap();
    let agencies: Vec<&str> = nodes
        .iter()
        .map(|n| n["agency"]["code"].as_str().unwrap())
        .collect();
    assert!(
        agencies.contains(&"CA") && agencies.contains(&"THUE"),
        "{agencies:?}"
    );
    let ca = nodes.iter().find(|n| n["agency"]["code"] == "CA").unwrap();
    assert_eq!(ca["previousPeriod"]["periodStart"], "2026-09-15");
    // The demo data starts in 2026: no report for November 2025.
    assert!(ca["samePeriodLastYear"].is_null());
    let r = app
        .gql(
            Some(&office),
            LIST,
            json!({ "f": { "agency": "CA", "year": 2026 } }),
        )
        .await;
    assert_eq!(
        r["data"]["periodicReports"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        11,
        "{r}"
    );
    // Roles outside the statistics row of the matrix do not see reports at all.
    for (role, agency, commune) in [
        (Role::Commune, Some("UBND_DONG_DANG"), Some("DONG_DANG")),
        (Role::Admin, None, None),
        (Role::Press, Some("BAO_LS"), None),
    ] {
        let t = app.token(role, agency, commune);
        let r = app.query(Some(&t), LIST).await;
        assert!(
            !error_codes(&r).is_empty() && r["data"].is_null(),
            "{role:?}: {r}"
        );
    }
}

/// One definition of every figure: after shuffling the demo cases' statuses and investigation
/// records at random (prosecuted with and without a record, closed after an administrative
/// handling that the police looked into, closed after prosecution…), each agency's report
/// prefill equals its `statistics` row for the same period, figure by figure.
#[tokio::test]
async fn report_prefill_equals_statistics_for_random_data() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, QueryFilter};
    let app = TestApp::spawn().await;
    let mut rng = fastrand::Rng::with_seed(389);
    let cases = entity::cases::Entity::find().all(&app.db).await.unwrap();
    let statuses = [
        "handled_administratively",
        "transferred_to_police",
        "prosecuted",
        "closed",
        "verifying",
        "dropped",
    ];
    for c in &cases {
        if rng.bool() {
            continue;
        }
        let status = statuses[rng.usize(..statuses.len())];
        let mut am: entity::cases::ActiveModel = c.clone().into();
        am.status = Set(status.into());
        am.update(&app.db).await.unwrap();
        entity::investigation_records::Entity::delete_many()
            .filter(entity::investigation_records::Column::CaseId.eq(c.id))
            .exec(&app.db)
            .await
            .unwrap();
        if rng.bool() {
            entity::investigation_records::ActiveModel {
                case_id: Set(c.id),
                investigating_agency_id: Set(c.lead_agency_id),
                notes: Set("Xác minh".into()),
                prosecution_decision: Set(None),
                prosecuted_on: Set(rng.bool().then_some(c.detected_on)),
                defendants: Set(rng.i32(0..5)),
                version: Set(1),
                archived_at: Set(None),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
    }
    hub389_tests::rebuild_rollups(&app.db).await;
    let agencies: BTreeMap<i64, entity::agencies::Model> = entity::agencies::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let leads: std::collections::BTreeSet<i64> = cases.iter().map(|c| c.lead_agency_id).collect();
    // The police read every figure of every case (a leader gets the police figures only where
    // they cannot single out a case: no filter, `statistics::police_figures_are_withheld_where_a_case_could_be_singled_out`).
    let leader = app.token_for(Role::Police);
    let q = r#"query($y: Int!, $m: Int!, $lead: String!) { statistics(period: { kind: MONTH, year: $y, month: $m },
        groupBy: [OFFICIAL_GROUP], filter: { leadAgency: $lead }) { period { from to }
        officialGroups { officialGroup figures {
          casesDetected { value } casesHandledAdministratively { value } casesHandledCriminally { value }
          subjectCount { value } prosecutedCases { value } defendants { value } fines { value }
          taxArrears { value } budgetCollected { value } goodsValue { value } } } } }"#;
    let pairs = [
        ("casesDetected", "cases_detected"),
        (
            "casesHandledAdministratively",
            "cases_handled_administrative",
        ),
        ("casesHandledCriminally", "cases_handled_criminal"),
        ("subjectCount", "subjects"),
        ("prosecutedCases", "prosecuted_cases"),
        ("defendants", "defendants"),
        ("fines", "fines"),
        ("taxArrears", "tax_arrears"),
        ("budgetCollected", "budget_collected"),
        ("goodsValue", "goods_value"),
    ];
    let mut compared = 0;
    for lead in leads {
        let code = &agencies[&lead].code;
        for (y, m) in [(2026, 3), (2026, 7), (2026, 10), (2025, 12)] {
            let r = ok(app
                .gql(Some(&leader), q, json!({ "y": y, "m": m, "lead": code }))
                .await);
            let s = &r["data"]["statistics"];
            let from: NaiveDate = s["period"]["from"].as_str().unwrap().parse().unwrap();
            let to: NaiveDate = s["period"]["to"].as_str().unwrap().parse().unwrap();
            let prefill = api::service::reports::compute(&app.db, lead, from, to)
                .await
                .unwrap();
            for g in s["officialGroups"].as_array().unwrap() {
                let group = g["officialGroup"].as_str().unwrap().to_lowercase();
                let group = group.as_str();
                for (stat, report) in pairs {
                    assert_eq!(
                        g["figures"][stat]["value"].as_i64().unwrap(),
                        prefill[group][report].as_i64().unwrap(),
                        "{code} {y}-{m} {group} {stat}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 300, "compared {compared} figures");
}
