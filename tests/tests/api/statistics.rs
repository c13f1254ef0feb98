//! Statistics checked against an independent oracle: random data sets, every figure recomputed
//! here by plain iteration over the generated cases, for every period kind including the year
//! boundary (the year 2026 starts on 15/12/2025).

use std::collections::BTreeMap;

use api::auth::Role;
use chrono::NaiveDate;
use hub389_tests::{TestApp, insert_agencies, insert_communes, ok, refusal_codes, refused};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

const AGENCIES: [&str; 3] = ["CA", "HQ", "QLTT"];
const TYPES: [(&str, &str); 6] = [
    ("smuggling", "SMUGGLING_AND_PROHIBITED"),
    ("prohibited_goods", "SMUGGLING_AND_PROHIBITED"),
    ("tax_evasion", "TRADE_AND_TAX_FRAUD"),
    ("food_safety", "TRADE_AND_TAX_FRAUD"),
    ("counterfeit", "COUNTERFEIT_AND_IP"),
    ("ip_infringement", "COUNTERFEIT_AND_IP"),
];
const STATUSES: [&str; 7] = [
    "detected",
    "verifying",
    "handled_administratively",
    "transferred_to_police",
    "prosecuted",
    "closed",
    "dropped",
];

#[derive(Debug, Clone)]
struct Gen {
    agency: usize,
    commune: i64,
    vtype: usize,
    status: &'static str,
    detected: NaiveDate,
    fine: i64,
    tax: i64,
    budget: i64,
    goods: i64,
    subjects: i64,
    archived_subjects: i64,
    prosecuted: Option<i64>,
    archived: bool,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn generate(app: &TestApp, seed: u64, n: usize) -> Vec<Gen> {
    use entity::*;
    let db = &app.db;
    let mut rng = fastrand::Rng::with_seed(seed);
    insert_communes(
        db,
        &[
            (1, "DONG_DANG", "DONG_DANG", None),
            (2, "HOANG_VAN_THU", "HOANG_VAN_THU", None),
        ],
    )
    .await;
    let mut agencies: Vec<(i64, &str, &str, &str, &str, Option<i64>)> = AGENCIES
        .iter()
        .zip(["police", "customs", "market_management"])
        .enumerate()
        .map(|(i, (code, kind))| (i as i64 + 1, *code, *code, kind, "provincial", None))
        .collect();
    agencies.push((11, "BAO_LS", "Báo Lạng Sơn", "press", "provincial", None));
    agencies.push((
        10,
        "UBND_DONG_DANG",
        "UBND xã Đồng Đăng",
        "commune",
        "commune",
        Some(1),
    ));
    insert_agencies(db, &agencies).await;
    let start = d(2024, 11, 1);
    let mut out = vec![];
    let now = chrono::Utc::now();
    let mut case_rows = vec![];
    let mut subject_rows = vec![];
    let mut inv_rows = vec![];
    for i in 0..n {
        // Dates cluster around the 14th/15th cuts and the year boundary.
        let detected = if rng.u8(0..4) == 0 {
            let base = [
                d(2025, 12, 14),
                d(2025, 12, 15),
                d(2026, 12, 14),
                d(2026, 12, 15),
                d(2025, 1, 14),
                d(2026, 3, 14),
            ][rng.usize(0..6)];
            base
        } else {
            start + chrono::Duration::days(rng.i64(0..800))
        };
        let status = STATUSES[rng.usize(0..STATUSES.len())];
        let prosecuted =
            (matches!(status, "prosecuted" | "closed") && rng.bool()).then(|| rng.i64(1..5));
        let g = Gen {
            agency: rng.usize(0..3),
            commune: rng.i64(1..3),
            vtype: rng.usize(0..TYPES.len()),
            status,
            detected,
            fine: rng.i64(0..500) * 1_000_000,
            tax: rng.i64(0..50) * 1_000_000,
            budget: rng.i64(0..900) * 1_000_000,
            goods: rng.i64(0..5000) * 1_000_000,
            subjects: rng.i64(0..4),
            archived_subjects: rng.i64(0..2),
            prosecuted,
            archived: rng.u8(0..20) == 0,
        };
        let id = i as i64 + 1;
        case_rows.push(cases::ActiveModel {
            id: Set(id),
            code: Set(format!("VV-T-{id:05}")),
            title: Set(format!("Vụ {id}")),
            violation_type: Set(TYPES[g.vtype].0.into()),
            commodity_group: Set("other".into()),
            channel: Set("domestic_market".into()),
            platform: Set(None),
            lead_agency_id: Set(g.agency as i64 + 1),
            commune_id: Set(Some(g.commune)),
            border_gate_id: Set(None),
            detected_on: Set(g.detected),
            status: Set(g.status.into()),
            goods_summary: Set("hàng".into()),
            fine_amount: Set(g.fine),
            tax_arrears: Set(g.tax),
            goods_value: Set(g.goods),
            budget_collected: Set(g.budget),
            handled_on: Set(None),
            subject_count: Set(0),
            search_key: Set(String::new()),
            version: Set(1),
            archived_at: Set(g.archived.then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
        });
        for s in 0..(g.subjects + g.archived_subjects) {
            subject_rows.push(subjects::ActiveModel {
                case_id: Set(id),
                kind: Set("person".into()),
                role: Set("carrier".into()),
                full_name: Set(format!("Người {id}-{s}")),
                name_key: Set(format!("nguoi {id}-{s}")),
                archived_at: Set((s >= g.subjects).then_some(now)),
                version: Set(1),
                ..Default::default()
            });
        }
        if matches!(status, "transferred_to_police" | "prosecuted" | "closed") {
            inv_rows.push(investigation_records::ActiveModel {
                case_id: Set(id),
                investigating_agency_id: Set(1),
                notes: Set("…".into()),
                prosecution_decision: Set(prosecuted.map(|_| "QĐ".to_string())),
                prosecuted_on: Set(prosecuted.map(|_| detected)),
                defendants: Set(prosecuted.unwrap_or(0) as i32),
                version: Set(1),
                ..Default::default()
            });
        }
        out.push(g);
    }
    for chunk in case_rows.chunks(200) {
        cases::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    for chunk in subject_rows.chunks(200) {
        subjects::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    for chunk in inv_rows.chunks(200) {
        investigation_records::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    // Rows written behind the services' back: counted and summed as the services would.
    hub389_tests::recount(db).await;
    out
}

/// The oracle's figures, in the API's field order.
fn figures(cases: &[&Gen]) -> [i64; 10] {
    let mut f = [0i64; 10];
    for c in cases {
        f[0] += 1;
        let closed_prosecuted = c.status == "closed" && c.prosecuted.is_some();
        f[1] += (c.status == "handled_administratively"
            || (c.status == "closed" && c.prosecuted.is_none())) as i64;
        f[2] += (matches!(c.status, "transferred_to_police" | "prosecuted") || closed_prosecuted)
            as i64;
        f[3] += c.subjects;
        // Prosecuted: the status says so, or the investigation record has a prosecution date
        // (the decision of `domain::figures`: the status is the agency's own statement).
        f[4] += (c.status == "prosecuted" || c.prosecuted.is_some()) as i64;
        f[5] += c.prosecuted.unwrap_or(0);
        f[6] += c.fine;
        f[7] += c.tax;
        f[8] += c.budget;
        f[9] += c.goods;
    }
    f
}

const FIELDS: [&str; 10] = [
    "casesDetected",
    "casesHandledAdministratively",
    "casesHandledCriminally",
    "subjectCount",
    "prosecutedCases",
    "defendants",
    "fines",
    "taxArrears",
    "budgetCollected",
    "goodsValue",
];

fn fig_selection() -> String {
    let parts: Vec<String> = FIELDS
        .iter()
        .map(|f| format!("{f} {{ value previous lastYear changeFromPrevious changeFromLastYear }}"))
        .collect();
    format!("{{ {} }}", parts.join(" "))
}

fn api_figures(v: &Value, which: &str) -> [i64; 10] {
    let mut f = [0i64; 10];
    for (i, name) in FIELDS.iter().enumerate() {
        f[i] = v[*name][which]
            .as_i64()
            .unwrap_or_else(|| panic!("{name}.{which} in {v}"));
    }
    f
}

type Range = (NaiveDate, NaiveDate);

fn in_range(c: &Gen, r: Range) -> bool {
    !c.archived && c.detected >= r.0 && c.detected <= r.1
}

fn reporting_month(x: NaiveDate) -> String {
    let (y, m) = hub389_tests::reporting_month(x);
    format!("{y:04}-{m:02}")
}

#[tokio::test]
async fn figures_match_an_independent_oracle_for_every_period_kind() {
    for seed in [7u64, 389] {
        let app = TestApp::spawn_with(false).await;
        let data = generate(&app, seed, 500).await;
        // The police read every figure of every case; see
        // `police_figures_are_withheld_where_a_case_could_be_singled_out` for the others.
        let leader = app.token_for(Role::Police);
        // (period input, current, previous, same period last year): the cut written out by hand.
        let periods: Vec<(Value, Range, Range, Range)> = vec![
            (
                json!({"kind": "MONTH", "year": 2026, "month": 1}),
                (d(2025, 12, 15), d(2026, 1, 14)),
                (d(2025, 11, 15), d(2025, 12, 14)),
                (d(2024, 12, 15), d(2025, 1, 14)),
            ),
            (
                json!({"kind": "MONTH", "year": 2026, "month": 12}),
                (d(2026, 11, 15), d(2026, 12, 14)),
                (d(2026, 10, 15), d(2026, 11, 14)),
                (d(2025, 11, 15), d(2025, 12, 14)),
            ),
            (
                json!({"kind": "QUARTER", "year": 2026, "quarter": 1}),
                (d(2025, 12, 15), d(2026, 3, 14)),
                (d(2025, 9, 15), d(2025, 12, 14)),
                (d(2024, 12, 15), d(2025, 3, 14)),
            ),
            (
                // Cumulative kinds: the previous period is the same period last year (the
                // calendar's one meaning, as in periodic reports).
                json!({"kind": "SIX_MONTHS", "year": 2026}),
                (d(2025, 12, 15), d(2026, 6, 14)),
                (d(2024, 12, 15), d(2025, 6, 14)),
                (d(2024, 12, 15), d(2025, 6, 14)),
            ),
            (
                json!({"kind": "NINE_MONTHS", "year": 2026}),
                (d(2025, 12, 15), d(2026, 9, 14)),
                (d(2024, 12, 15), d(2025, 9, 14)),
                (d(2024, 12, 15), d(2025, 9, 14)),
            ),
            (
                json!({"kind": "YEAR", "year": 2026}),
                (d(2025, 12, 15), d(2026, 12, 14)),
                (d(2024, 12, 15), d(2025, 12, 14)),
                (d(2024, 12, 15), d(2025, 12, 14)),
            ),
            (
                json!({"kind": "RANGE", "from": "2026-05-07", "to": "2026-05-30"}),
                (d(2026, 5, 7), d(2026, 5, 30)),
                (d(2026, 4, 13), d(2026, 5, 6)),
                (d(2025, 5, 7), d(2025, 5, 30)),
            ),
        ];
        let q = format!(
            "query($p: PeriodInput!, $g: [Dimension!]!) {{ statistics(period: $p, groupBy: $g) {{
               period {{ from to }} previousPeriod {{ from to }} samePeriodLastYear {{ from to }}
               rows {{ agency {{ code }} officialGroup month figures {fig} }}
               officialGroups {{ officialGroup figures {fig} }}
               total {fig} }} }}",
            fig = fig_selection()
        );
        for (period, cur, prev, last) in &periods {
            for group_by in [json!(["AGENCY", "OFFICIAL_GROUP"]), json!(["MONTH"])] {
                let r = app
                    .gql(Some(&leader), &q, json!({ "p": period, "g": group_by }))
                    .await;
                assert!(r["errors"].is_null(), "{period} {group_by}: {r}");
                let s = &r["data"]["statistics"];
                assert_eq!(
                    s["period"],
                    json!({"from": cur.0.to_string(), "to": cur.1.to_string()}),
                    "{period}"
                );
                assert_eq!(
                    s["previousPeriod"],
                    json!({"from": prev.0.to_string(), "to": prev.1.to_string()}),
                    "{period}"
                );
                assert_eq!(
                    s["samePeriodLastYear"],
                    json!({"from": last.0.to_string(), "to": last.1.to_string()}),
                    "{period}"
                );
                // Expected rows: key → [current, previous, last year].
                let key_of = |c: &Gen| -> String {
                    if group_by == json!(["MONTH"]) {
                        reporting_month(c.detected)
                    } else {
                        format!("{}/{}", AGENCIES[c.agency], TYPES[c.vtype].1)
                    }
                };
                // By month, a row is a month of the period: a case of the previous period
                // counts on the month at its month's place there (from the end), one of last
                // year on the same month a year later.
                let months = |(from, to): Range| {
                    let mut out: Vec<String> = vec![];
                    for day in from.iter_days().take_while(|day| *day <= to) {
                        let m = reporting_month(day);
                        if out.last() != Some(&m) {
                            out.push(m);
                        }
                    }
                    out
                };
                let (cur_months, prev_months) = (months(*cur), months(*prev));
                let row_of = |c: &Gen, i: usize| -> Option<String> {
                    let key = key_of(c);
                    if group_by != json!(["MONTH"]) {
                        return Some(key);
                    }
                    match i {
                        0 => Some(key),
                        // Places counted from the end of each period.
                        1 => prev_months
                            .iter()
                            .position(|m| *m == key)
                            .map(|at| prev_months.len() - at)
                            .and_then(|from_end| cur_months.len().checked_sub(from_end))
                            .map(|j| cur_months[j].clone()),
                        _ => {
                            let (y, m) = key.split_once('-').unwrap();
                            let later = format!("{:04}-{m}", y.parse::<i32>().unwrap() + 1);
                            cur_months.contains(&later).then_some(later)
                        }
                    }
                };
                let mut expected: BTreeMap<String, [Vec<&Gen>; 3]> = BTreeMap::new();
                for c in &data {
                    for (i, r) in [*cur, *prev, *last].into_iter().enumerate() {
                        if in_range(c, r)
                            && let Some(row) = row_of(c, i)
                        {
                            expected.entry(row).or_default()[i].push(c);
                        }
                    }
                }
                let rows = s["rows"].as_array().unwrap();
                assert_eq!(rows.len(), expected.len(), "{period} {group_by}: row count");
                for row in rows {
                    let key = if group_by == json!(["MONTH"]) {
                        row["month"].as_str().unwrap().to_string()
                    } else {
                        format!(
                            "{}/{}",
                            row["agency"]["code"].as_str().unwrap(),
                            row["officialGroup"].as_str().unwrap()
                        )
                    };
                    let e = expected
                        .get(&key)
                        .unwrap_or_else(|| panic!("unexpected row {key}"));
                    for (i, which) in ["value", "previous", "lastYear"].iter().enumerate() {
                        assert_eq!(
                            api_figures(&row["figures"], which),
                            figures(&e[i]),
                            "{period} {key} {which}"
                        );
                    }
                }
                // Totals and the three official groups.
                for (i, which) in ["value", "previous", "lastYear"].iter().enumerate() {
                    let range = [*cur, *prev, *last][i];
                    let all: Vec<&Gen> = data.iter().filter(|c| in_range(c, range)).collect();
                    assert_eq!(
                        api_figures(&s["total"], which),
                        figures(&all),
                        "{period} total {which}"
                    );
                    let groups = s["officialGroups"].as_array().unwrap();
                    assert_eq!(groups.len(), 3);
                    for g in groups {
                        let name = g["officialGroup"].as_str().unwrap();
                        let sub: Vec<&Gen> = all
                            .iter()
                            .copied()
                            .filter(|c| TYPES[c.vtype].1 == name)
                            .collect();
                        assert_eq!(
                            api_figures(&g["figures"], which),
                            figures(&sub),
                            "{period} {name} {which}"
                        );
                    }
                }
                // Change in percent, null where the base is zero.
                let t = &s["total"]["casesDetected"];
                let (v, p) = (
                    t["value"].as_i64().unwrap(),
                    t["previous"].as_i64().unwrap(),
                );
                if p == 0 {
                    assert!(t["changeFromPrevious"].is_null());
                } else {
                    let want = ((v - p) as f64 / p as f64 * 1000.0).round() / 10.0;
                    assert_eq!(t["changeFromPrevious"].as_f64().unwrap(), want);
                }
            }
        }
    }
}

#[tokio::test]
async fn statistics_are_scoped_by_role() {
    let app = TestApp::spawn_with(false).await;
    let data = generate(&app, 11, 200).await;
    let q = "query($g: [Dimension!]!) { statistics(period: { kind: YEAR, year: 2026 }, groupBy: $g) { total { casesDetected { value } } } }";
    let year = (d(2025, 12, 15), d(2026, 12, 14));
    // A commune user counts its own commune only.
    let commune = app.token_for(Role::Commune);
    let r = app
        .gql(Some(&commune), q, json!({ "g": ["COMMUNE"] }))
        .await;
    let want = data
        .iter()
        .filter(|c| in_range(c, year) && c.commune == 1)
        .count() as i64;
    assert_eq!(
        r["data"]["statistics"]["total"]["casesDetected"]["value"].as_i64(),
        Some(want),
        "{r}"
    );
    // The press: province-wide by official group only.
    let press = app.token_for(Role::Press);
    let r = app
        .gql(Some(&press), q, json!({ "g": ["OFFICIAL_GROUP"] }))
        .await;
    // Its figures are sums of the month × group cells it may see (small cells and the month
    // still running left out; see `compute_public` and tests/tests/api/hostile.rs).
    let want = data.iter().filter(|c| in_range(c, year)).count() as i64;
    let shown = r["data"]["statistics"]["total"]["casesDetected"]["value"]
        .as_i64()
        .unwrap();
    assert!(shown > 0 && shown <= want, "{shown} of {want}: {r}");
    for g in [json!(["AGENCY"]), json!(["COMMUNE"]), json!(["MONTH"])] {
        let r = app.gql(Some(&press), q, json!({ "g": g })).await;
        assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "press groupBy {g}: {r}");
    }
    refused(app
        .query(Some(&press), "{ statistics(period: { kind: YEAR, year: 2026 }, filter: { leadAgency: \"CA\" }) { total { casesDetected { value } } } }")
        .await, "FORBIDDEN");
    // Only official periods for the press: a short range could single out one case.
    for p in [
        json!({"kind": "RANGE", "from": "2026-05-07", "to": "2026-05-07"}),
        json!({"kind": "CAMPAIGN", "campaign": "SHTT_2026"}),
    ] {
        let r = app
            .gql(Some(&press), "query($p: PeriodInput!) { statistics(period: $p) { total { casesDetected { value } } } }", json!({ "p": p }))
            .await;
        assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "press {p}");
    }
    // The admin reads no statistics; restricted filters follow the compartments.
    let admin = app.token_for(Role::Admin);
    assert_eq!(
        refusal_codes(&app.gql(Some(&admin), q, json!({ "g": [] })).await),
        ["FORBIDDEN"]
    );
    let leader = app.token_for(Role::Leader);
    refused(app
        .query(Some(&leader), "{ statistics(period: { kind: YEAR, year: 2026 }, filter: { subjectName: \"x\" }) { total { casesDetected { value } } } }")
        .await, "FORBIDDEN");
    // Bad periods are bad input.
    for p in [
        json!({"kind": "MONTH", "year": 2026}),
        json!({"kind": "MONTH", "year": 2026, "month": 13}),
        json!({"kind": "RANGE", "from": "2026-02-01", "to": "2026-01-01"}),
        json!({"kind": "CAMPAIGN", "campaign": "NOPE"}),
    ] {
        let r = app.gql(Some(&leader), "query($p: PeriodInput!) { statistics(period: $p) { total { casesDetected { value } } } }", json!({ "p": p })).await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{p}");
    }
}

#[tokio::test]
async fn compliance_shows_who_is_late() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader);
    let q = "{ taskCompliance { agency { code } overdue overdueDays doneLate doneLateDays }
               reportCompliance(year: 2026) { agency { code } due filed late missingMonths }
               communesWithoutCommittee { code name committeeEstablishedOn }
               runningCampaigns { campaign { code } statistics { total { casesDetected { value } } } } }";
    let r = ok(app.query(Some(&leader), q).await);
    let d = &r["data"];
    let tasks = d["taskCompliance"].as_array().unwrap();
    assert!(
        tasks.iter().any(|t| t["overdue"].as_i64().unwrap() > 0),
        "the demo has overdue tasks: {tasks:?}"
    );
    assert!(
        tasks.iter().any(|t| t["doneLate"].as_i64().unwrap() > 0),
        "and tasks done late"
    );
    for t in tasks {
        assert!(t["overdueDays"].as_i64().unwrap() >= t["overdue"].as_i64().unwrap());
    }
    let communes = d["communesWithoutCommittee"].as_array().unwrap();
    assert_eq!(communes.len(), 8, "seed 001 names eight late communes");
    assert!(
        communes
            .iter()
            .all(|c| c["committeeEstablishedOn"].is_null())
    );
    let reports = d["reportCompliance"].as_array().unwrap();
    assert!(!reports.is_empty());
    // Only agencies that file: not the newspaper, nor the provincial leadership (stop 34).
    for code in ["BAO_LS", "UBND_TINH"] {
        assert!(
            reports.iter().all(|a| a["agency"]["code"] != code),
            "{code} listed"
        );
    }
    for a in reports {
        let (due, filed, missing) = (
            a["due"].as_i64().unwrap(),
            a["filed"].as_i64().unwrap(),
            a["missingMonths"].as_array().unwrap().len() as i64,
        );
        assert!(filed + missing >= due, "{a}");
    }
    assert!(
        reports
            .iter()
            .any(|a| !a["missingMonths"].as_array().unwrap().is_empty()),
        "someone is missing a report"
    );
    // Only leaders and the standing office.
    for (role, agency) in [
        (Role::Officer, Some("BDBP")),
        (Role::Press, Some("BAO_LS")),
        (Role::Admin, None),
    ] {
        let t = app.token(role, agency, None);
        let r = app
            .query(Some(&t), "{ communesWithoutCommittee { code } }")
            .await;
        assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{role:?}");
    }
}

#[tokio::test]
async fn the_table_downloads_as_excel_and_csv() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader);
    let total = app
        .query(Some(&leader), "{ statistics(period: { kind: YEAR, year: 2026 }) { total { casesDetected { value } } } }")
        .await["data"]["statistics"]["total"]["casesDetected"]["value"]
        .as_i64()
        .unwrap();
    let get = async |file: &str, token: Option<&str>| {
        app.get(&format!("/export/{file}?kind=YEAR&year=2026"), token)
            .await
    };
    let r = get("statistics.csv", Some(&leader)).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.text().await.unwrap();
    let total_line = text
        .lines()
        .find(|l| l.starts_with("Tổng cộng"))
        .expect("a total row");
    assert_eq!(
        total_line.split(',').nth(1).unwrap(),
        total.to_string(),
        "{total_line}"
    );
    assert!(text.contains("(3) Hàng giả, xâm phạm quyền sở hữu trí tuệ"));
    assert!(text.contains("Số vụ phát hiện - Tăng, giảm so cùng kỳ (%)"));
    let r = get("statistics.xlsx", Some(&leader)).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an .xlsx is a zip");
    assert_eq!(get("statistics.csv", None).await.status(), 401);
    let admin = app.token_for(Role::Admin);
    assert_eq!(get("statistics.csv", Some(&admin)).await.status(), 403);
    let r = app
        .get("/export/statistics.csv?kind=WEEK", Some(&leader))
        .await;
    assert_eq!(r.status(), 400);
    // A parameter the export does not take is refused, not ignored (a leader's `commune=` got
    // the province's figures: stop 34's review).
    let r = app
        .get(
            "/export/statistics.csv?kind=YEAR&year=2026&commune=DONG_DANG",
            Some(&leader),
        )
        .await;
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("BAD_USER_INPUT") && body.contains("commune"),
        "{body}"
    );
    // Codes in the URL are codes: NUL (which failed on PostgreSQL as INTERNAL) and escape
    // sequences are refused before any statement, and not echoed (stop 33's review).
    for q in [
        "kind=CAMPAIGN&campaign=SHTT%00",
        "kind=CAMPAIGN&campaign=%1B%5B31mX",
        "kind=YEAR&year=2025&leadAgency=HQ%00",
    ] {
        let r = app
            .get(&format!("/export/statistics.csv?{q}"), Some(&leader))
            .await;
        assert_eq!(r.status(), 400, "{q}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("BAD_USER_INPUT") && !body.contains('\u{1b}'),
            "{q}: {body}"
        );
    }
}

/// The YEAR export shows its previous period once, as the same period last year (they are
/// one period, per the calendar); a quarter's export shows both comparisons.
#[tokio::test]
async fn the_export_shows_each_comparison_once() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader);
    let header = |q: &'static str| {
        let app = &app;
        let leader = leader.clone();
        async move {
            let text = app
                .get(&format!("/export/statistics.csv?{q}"), Some(&leader))
                .await
                .text()
                .await
                .unwrap();
            text.lines().nth(1).unwrap_or_default().to_string()
        }
    };
    let year = header("kind=YEAR&year=2025").await;
    assert!(year.contains("Cùng kỳ năm trước"), "{year}");
    assert!(!year.contains("Kỳ trước"), "{year}");
    let quarter = header("kind=QUARTER&year=2026&quarter=2").await;
    assert!(
        quarter.contains("Kỳ trước") && quarter.contains("Cùng kỳ năm trước"),
        "{quarter}"
    );
}

/// The text of an .xlsx's cells (its shared strings), in order.
fn xlsx_strings(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut xml = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .expect("shared strings")
        .read_to_string(&mut xml)
        .expect("read");
    xml
}

/// The export is issued by whoever downloads it (the police export carried the standing
/// office's heading and signature), names its period as reports do, dates itself as official
/// documents are dated, and the press's says its figures leave withheld cells out (a review,
/// stop 35).
#[tokio::test]
async fn the_export_names_its_issuer_period_and_what_it_withholds() {
    let app = TestApp::spawn().await;
    let xlsx = async |token: &str, q: &str| {
        let r = app
            .get(&format!("/export/statistics.xlsx?{q}"), Some(token))
            .await;
        assert_eq!(r.status(), 200, "{q}");
        xlsx_strings(&r.bytes().await.unwrap())
    };
    let police = app.token_for(Role::Police);
    let text = xlsx(&police, "kind=QUARTER&year=2026&quarter=3").await;
    assert!(text.contains("CÔNG AN TỈNH LẠNG SƠN"), "{text}");
    assert!(text.contains("THỦ TRƯỞNG ĐƠN VỊ"), "{text}");
    assert!(!text.contains("THƯỜNG TRỰC"), "{text}");
    assert!(
        text.contains("Quý III năm 2026 (từ ngày 15/06/2026 đến ngày 14/09/2026)"),
        "{text}"
    );
    let leader = app.token_for(Role::Leader);
    let text = xlsx(&leader, "kind=SIX_MONTHS&year=2026").await;
    assert!(
        text.contains("CƠ QUAN THƯỜNG TRỰC") && text.contains("6 tháng đầu năm 2026"),
        "{text}"
    );
    // The date line: "ngày 05 tháng 3", months 1 and 2 with a zero.
    let today = api::time::today();
    let month = match chrono::Datelike::month(&today) {
        m @ 1..=2 => format!("{m:02}"),
        m => m.to_string(),
    };
    let dated = format!("ngày {} tháng {month} năm", today.format("%d"));
    assert!(text.contains(&dated), "{dated} in {text}");
    let text = xlsx(&leader, "kind=CAMPAIGN&campaign=SHTT_2026").await;
    assert!(text.contains("Đợt cao điểm"), "{text}");
    // The press's figures leave small cells out, and say so.
    let press = app.token_for(Role::Press);
    let csv = app
        .get("/export/statistics.csv?kind=YEAR&year=2026", Some(&press))
        .await
        .text()
        .await
        .unwrap();
    let statistics = app
        .query(
            Some(&press),
            "{ statistics(period: { kind: YEAR, year: 2026 }) { suppressed } }",
        )
        .await;
    let suppressed = statistics["data"]["statistics"]["suppressed"]
        .as_bool()
        .unwrap();
    assert!(suppressed, "the demo has cells under k");
    assert!(csv.contains("Số liệu công khai"), "{csv}");
    let leader_csv = app
        .get("/export/statistics.csv?kind=YEAR&year=2026", Some(&leader))
        .await
        .text()
        .await
        .unwrap();
    assert!(!leader_csv.contains("Số liệu công khai"), "{leader_csv}");
}

/// The export names its scope: the lead agency asked for is in the title and the file name.
#[tokio::test]
async fn the_export_names_its_scope() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader);
    let get = |format: &'static str| {
        let app = &app;
        let leader = leader.clone();
        async move {
            app.client
                .get(format!(
                    "{}/export/statistics.{format}?kind=QUARTER&year=2026&quarter=3&leadAgency=HQ",
                    app.base
                ))
                .bearer_auth(leader)
                .send()
                .await
                .unwrap()
        }
    };
    let xlsx = get("xlsx").await;
    let disposition = xlsx.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.ends_with("-HQ.xlsx\""), "{disposition}");
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK"),
        "an Office Open XML zip"
    );
    // An agency that does not exist is the client's mistake, not an empty report.
    let unknown = app
        .client
        .get(format!(
            "{}/export/statistics.xlsx?kind=YEAR&year=2025&leadAgency=NOPE",
            app.base
        ))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    let csv = get("csv").await.text().await.unwrap();
    let title = csv.lines().next().unwrap();
    assert!(
        title.contains("Hải quan") && title.contains("15/06/2026"),
        "{title}"
    );
}

/// The police figures (subjects counted, prosecutions, defendants) of statistics that could
/// single out a case are `null` with `FORBIDDEN` for a viewer who does not read the police
/// compartment on every case counted; the other figures stay. A security review (stop 31)
/// read one case's defendants as an officer of another agency through a one-day `RANGE` and a
/// lead agency, which `investigation { defendants }` refuses it; and a leader's and a commune
/// user's through small cells. The police, and an agency over its own cases, read them all;
/// the export leaves the three columns out where they are withheld. The split of the cases
/// handled goes with them: a closed case is handled criminally when its investigation record
/// carries a prosecution, so a one-case split told whether it was prosecuted (stop 33's
/// review).
#[tokio::test]
async fn police_figures_are_withheld_where_a_case_could_be_singled_out() {
    let app = TestApp::spawn().await;
    let [police, officer, leader, commune] =
        app.tokens_for([Role::Police, Role::Officer, Role::Leader, Role::Commune]);
    let q = "query($p: PeriodInput!, $f: CaseFilter) { statistics(period: $p, filter: $f) {
        total { casesDetected { value } subjectCount { value } prosecutedCases { value }
                defendants { value } casesHandledAdministratively { value }
                casesHandledCriminally { value } } } }";
    let one_case = app
        .query(
            Some(&police),
            "{ cases(first: 1, filter: { leadAgency: \"CA\" }) { nodes { detectedOn } } }",
        )
        .await;
    let day = one_case["data"]["cases"]["nodes"][0]["detectedOn"].clone();
    let range = json!({ "kind": "RANGE", "from": day, "to": day });
    let ca = json!({ "leadAgency": "CA" });
    let police_figures = [
        "subjectCount",
        "prosecutedCases",
        "defendants",
        "casesHandledAdministratively",
        "casesHandledCriminally",
    ];
    for (token, filter) in [(&officer, &ca)] {
        let r = app
            .gql(Some(token), q, json!({ "p": range, "f": filter }))
            .await;
        let total = &r["data"]["statistics"]["total"];
        assert!(total["casesDetected"]["value"].is_i64(), "{r}");
        for field in police_figures {
            assert!(total[field].is_null(), "{field}: {r}");
        }
        assert!(
            refusal_codes(&r).iter().all(|c| c == "FORBIDDEN")
                && r["errors"].as_array().unwrap().len() == police_figures.len(),
            "{r}"
        );
    }
    // Leaders, the standing office and commune users read them nowhere, not even over a
    // whole year without a filter (the statuses they list beside the prosecutions named a
    // closed case that was prosecuted, however large the cell: stop 34's review): the
    // figures do not exist for them, and the others stay.
    let so = app.token_for(Role::StandingOffice);
    let year = json!({ "kind": "YEAR", "year": 2026 });
    let core =
        "query($p: PeriodInput!) { statistics(period: $p) { total { casesDetected { value } } } }";
    for token in [&leader, &so, &commune] {
        let r = app.gql(Some(token), q, json!({ "p": year })).await;
        hub389_tests::assert_unknown_to_caller(&r);
        let r = ok(app.gql(Some(token), core, json!({ "p": year })).await);
        let total = &r["data"]["statistics"]["total"];
        assert!(total["casesDetected"]["value"].as_i64() > Some(3), "{r}");
    }
    // The police read them; so does an agency over the cases it leads.
    let r = ok(app
        .gql(Some(&police), q, json!({ "p": range, "f": ca }))
        .await);
    for field in police_figures {
        assert!(
            r["data"]["statistics"]["total"][field]["value"].is_i64(),
            "{r}"
        );
    }
    let own = json!({ "leadAgency": "BDBP" });
    let r = ok(app
        .gql(Some(&officer), q, json!({ "p": range, "f": own }))
        .await);
    assert!(
        r["data"]["statistics"]["total"]["defendants"]["value"].is_i64(),
        "{r}"
    );
    // The export: no police columns for the officer's one-day range of another agency.
    let export = |token: String| {
        let path = format!(
            "/export/statistics.csv?kind=RANGE&from={0}&to={0}&leadAgency=CA",
            day.as_str().unwrap()
        );
        let app = &app;
        async move { app.get(&path, Some(&token)).await.text().await.unwrap() }
    };
    let csv = export(officer.clone()).await;
    assert!(
        csv.contains("Số vụ phát hiện")
            && !csv.contains("Số bị can")
            && !csv.contains("Số vụ xử lý hình sự"),
        "{csv}"
    );
    let csv = export(police.clone()).await;
    assert!(
        csv.contains("Số bị can") && csv.contains("Số vụ xử lý hình sự"),
        "{csv}"
    );
}

/// Official periods are made of whole reporting months, so two of them differ by a sum of
/// month cells: a stop 33 review read a leader's withheld quarter cell (two prosecutions) as
/// the year less its nine months, both of whose cells were large enough. The police figures
/// are given to a viewer who reads the compartment on no case only where every reporting
/// month × official group cell of the three periods is empty or rests on at least k cases and
/// prosecuted cases.
#[tokio::test]
async fn police_figures_are_withheld_where_months_would_single_out_a_case() {
    let app = TestApp::spawn().await;
    let [police, leader] = app.tokens_for([Role::Police, Role::Leader]);
    let year = json!({ "kind": "YEAR", "year": 2025 });
    let small = |n: i64| n > 0 && n < 3;
    let cells_small = |r: &Value| {
        r["data"]["statistics"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| ["casesDetected", "prosecutedCases"].map(|f| row["figures"][f].clone()))
            .any(|f| {
                ["value", "previous", "lastYear"]
                    .iter()
                    .any(|p| small(f[*p].as_i64().unwrap()))
            })
    };
    let q = "query($p: PeriodInput!, $g: [Dimension!]!) { statistics(period: $p, groupBy: $g) {
        rows { figures { casesDetected { value previous lastYear }
          prosecutedCases { value previous lastYear } } }
        total { prosecutedCases { value } } } }";
    // The police's true cells: the year's groups are large enough, some of its months not.
    let groups = ok(app
        .gql(
            Some(&police),
            q,
            json!({ "p": year, "g": ["OFFICIAL_GROUP"] }),
        )
        .await);
    let months = ok(app
        .gql(
            Some(&police),
            q,
            json!({ "p": year, "g": ["MONTH", "OFFICIAL_GROUP"] }),
        )
        .await);
    assert!(
        !cells_small(&groups) && cells_small(&months),
        "{groups} {months}"
    );
    // So the leader does not get them, by group or in all; neither their months, nor by
    // campaign (whose rows overlap: a case of two campaigns is in both).
    for g in [
        json!(["OFFICIAL_GROUP"]),
        json!([]),
        json!(["MONTH"]),
        json!(["CAMPAIGN"]),
    ] {
        let r = app
            .gql(Some(&leader), q, json!({ "p": year, "g": g }))
            .await;
        assert!(
            r["data"]["statistics"]["total"]["prosecutedCases"].is_null(),
            "{g}: {r}"
        );
        assert!(
            refusal_codes(&r).iter().all(|c| c == "FORBIDDEN"),
            "{g}: {r}"
        );
    }
}

/// A campaign out of the viewer's scope is an unknown code as a period too: a commune user
/// read the dates of campaigns hidden from its list, and learnt which codes exist, by asking
/// for their statistics (stop 34's review).
#[tokio::test]
async fn a_campaign_the_viewer_may_not_list_is_an_unknown_period() {
    let app = TestApp::spawn().await;
    let so = app.token_for(Role::StandingOffice);
    ok(app
        .gql(
            Some(&so),
            r#"mutation($input: NewCampaignInput!) { createCampaign(input: $input) { id } }"#,
            json!({ "input": {
                "code": "KHUAT_2026", "name": "Đợt không có vụ nào", "startsOn": "2026-07-01",
                "endsOn": "2026-07-31", "focusCommodityGroups": ["SUGAR"],
                "focusViolationTypes": ["SMUGGLING"],
            } }),
        )
        .await);
    let q = "query($c: String!) { statistics(period: { kind: CAMPAIGN, campaign: $c }) { period { from to } } }";
    let commune = app.token_for(Role::Commune);
    let listed = app
        .query(
            Some(&commune),
            "{ campaigns(first: 100) { nodes { code } } }",
        )
        .await;
    assert!(!listed.to_string().contains("KHUAT_2026"), "{listed}");
    let hidden = app
        .gql(Some(&commune), q, json!({ "c": "KHUAT_2026" }))
        .await;
    let missing = app.gql(Some(&commune), q, json!({ "c": "NO_SUCH" })).await;
    assert_eq!(refusal_codes(&hidden), ["BAD_USER_INPUT"], "{hidden}");
    assert_eq!(
        hidden["errors"][0]["message"]
            .as_str()
            .map(|m| m.replace("KHUAT_2026", "?")),
        missing["errors"][0]["message"]
            .as_str()
            .map(|m| m.replace("NO_SUCH", "?")),
    );
    // The standing office, which lists it, gets its dates.
    let r = ok(app.gql(Some(&so), q, json!({ "c": "KHUAT_2026" })).await);
    assert_eq!(r["data"]["statistics"]["period"]["from"], "2026-07-01");
}

/// Sums past what 64 bits hold stop at `i64::MAX`, through the rollups and through the cases
/// alike, and a change in percent beside them is still computed: one agency's absurd amounts
/// (9 250 cases at 10^15 đồng in a month) panicked every viewer's dashboard of the month, and a
/// range failed as `INTERNAL` (a review of stop 37). Amounts that large are written straight
/// to the tables here, as thousands of writes would only be slower.
#[tokio::test]
async fn sums_past_sixty_four_bits_stop_at_the_bound_and_never_fail() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let backend = app.db.get_database_backend();
    let run = |sql: String| {
        let db = &app.db;
        async move {
            db.execute_raw(Statement::from_string(backend, sql))
                .await
                .unwrap()
        }
    };
    let half = 5_000_000_000_000_000_000i64;
    for table in [
        "case_rollups",
        "case_rollups_any_status",
        "case_rollups_by_agency",
    ] {
        run(format!(
            "UPDATE {table} SET fines = {half} WHERE month = 202611"
        ))
        .await;
    }
    let two = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM cases WHERE detected_on BETWEEN '2026-10-15' AND '2026-11-14' \
             AND archived_at IS NULL ORDER BY id LIMIT 2",
        ))
        .await
        .unwrap();
    assert_eq!(two.len(), 2, "the demo data has cases in November");
    for row in two {
        let id: i64 = row.try_get_by_index(0).unwrap();
        run(format!(
            "UPDATE cases SET fine_amount = {half} WHERE id = {id}"
        ))
        .await;
    }
    for period in [
        json!({ "kind": "MONTH", "year": 2026, "month": 11 }),
        json!({ "kind": "MONTH", "year": 2026, "month": 12 }),
        json!({ "kind": "YEAR", "year": 2026 }),
        json!({ "kind": "RANGE", "from": "2026-10-15", "to": "2026-11-14" }),
    ] {
        let r = ok(app
            .gql(
                Some(&police),
                "query($p: PeriodInput!) { statistics(period: $p, groupBy: [AGENCY]) {
                   total { fines { value previous changeFromPrevious } } rows { figures { fines { value } } } } }",
                json!({ "p": period }),
            )
            .await);
        let fines = &r["data"]["statistics"]["total"]["fines"];
        assert!(
            [fines["value"].as_i64(), fines["previous"].as_i64()].contains(&Some(i64::MAX)),
            "{period}: {r}"
        );
    }
}

/// A filter's codes mean the same on every path: an agency or commune code that does not exist
/// is `BAD_USER_INPUT` in `statistics` as in the export (the dashboard said 0 cases where the
/// export refused), and a code written with spaces is the agency's own for the rule on police
/// figures as for the count (a review of stop 37).
#[tokio::test]
async fn a_filter_code_means_the_same_to_the_count_the_rule_and_the_export() {
    let app = TestApp::spawn().await;
    let customs = app.token(Role::Customs, Some("HQ"), None);
    let q = "query($f: CaseFilter!) { statistics(period: { kind: YEAR, year: 2026 }, filter: $f) {
               total { casesDetected { value } prosecutedCases { value } } } }";
    for f in [
        json!({ "leadAgency": "NOPE" }),
        json!({ "leadAgency": "hq" }),
        json!({ "commune": "NOPE" }),
    ] {
        let r = app.gql(Some(&customs), q, json!({ "f": f })).await;
        assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{f}: {r}");
    }
    // A campaign too, as a filter as as a period, and its code trimmed in both.
    let r = app
        .gql(Some(&customs), q, json!({ "f": { "campaign": "NOPE" } }))
        .await;
    assert_eq!(refusal_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let by_period = ok(app
        .query(
            Some(&customs),
            r#"{ statistics(period: { kind: CAMPAIGN, campaign: " TET_2026 " }) { total { casesDetected { value } } } }"#,
        )
        .await);
    assert!(by_period["data"]["statistics"]["total"]["casesDetected"]["value"].is_i64());
    let csv = app
        .get(
            "/export/statistics.csv?kind=YEAR&year=2026&leadAgency=NOPE",
            Some(&customs),
        )
        .await;
    assert_eq!(csv.status(), 400);
    let own = ok(app
        .gql(Some(&customs), q, json!({ "f": { "leadAgency": "HQ" } }))
        .await);
    let spaced = ok(app
        .gql(Some(&customs), q, json!({ "f": { "leadAgency": " HQ " } }))
        .await);
    assert_eq!(own, spaced);
    assert!(
        own["data"]["statistics"]["total"]["prosecutedCases"]["value"].is_i64(),
        "{own}"
    );
}

/// A running campaign's figures are the statistics of its period: the cases detected in its
/// dates, compared with as many days before (counted by linked cases, they disagreed with
/// `statistics(period: CAMPAIGN)` and their comparisons were always 0).
#[tokio::test]
async fn a_running_campaign_counts_as_its_period() {
    let app = TestApp::spawn().await;
    let [office, leader] = app.tokens_for([Role::StandingOffice, Role::Leader]);
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let starts = today - chrono::Duration::days(40);
    let ends = today + chrono::Duration::days(20);
    ok(app
        .gql(
            Some(&office),
            "mutation($i: NewCampaignInput!) { createCampaign(input: $i) { code } }",
            json!({ "i": { "code": "RV_TEST", "name": "Đợt cao điểm thử", "startsOn": starts.to_string(),
                           "endsOn": ends.to_string(), "focusCommodityGroups": ["MEDICINE"],
                           "focusViolationTypes": ["SMUGGLING"] } }),
        )
        .await);
    let border = app.token(Role::Officer, Some("BDBP"), None);
    for days in [1, 50] {
        let mut case = hub389_tests::minimal_case("Vụ trong và trước đợt");
        case["detectedOn"] = json!((today - chrono::Duration::days(days)).to_string());
        app.create_case(&border, case).await;
    }
    let figures = "total { casesDetected { value previous } fines { value previous } }";
    let r = ok(app
        .query(
            Some(&leader),
            &format!("{{ runningCampaigns {{ campaign {{ code }} statistics {{ {figures} }} }}
                        statistics(period: {{ kind: CAMPAIGN, campaign: \"RV_TEST\" }}) {{ {figures} }} }}"),
        )
        .await);
    let running = r["data"]["runningCampaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["campaign"]["code"] == "RV_TEST")
        .cloned()
        .expect("the campaign runs");
    assert_eq!(running["statistics"], r["data"]["statistics"], "{r}");
    let detected = &running["statistics"]["total"]["casesDetected"];
    assert!(detected["value"].as_i64().unwrap() >= 1, "{r}");
    assert!(detected["previous"].as_i64().unwrap() >= 1, "{r}");
}

/// Rows by month are the months of the period, each compared with its place in the previous
/// period and with the same month last year, as the MONTH period of each compares (a quarter had
/// nine rows: its own three without comparisons and six of the other periods at −100 %).
#[tokio::test]
async fn rows_by_month_are_the_periods_months_with_their_comparisons() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let q = "query($p: PeriodInput!, $g: [Dimension!]!) { statistics(period: $p, groupBy: $g) {
               rows { month agency { code } figures { casesDetected { value previous lastYear } } }
               total { casesDetected { value previous lastYear } } } }";
    let (app, police) = (&app, &police);
    let month = |m: u32| async move {
        let r = ok(app
            .gql(
                Some(police),
                q,
                json!({ "p": { "kind": "MONTH", "year": 2026, "month": m }, "g": [] }),
            )
            .await);
        r["data"]["statistics"]["total"]["casesDetected"].clone()
    };
    let r = ok(app
        .gql(
            Some(police),
            q,
            json!({ "p": { "kind": "QUARTER", "year": 2026, "quarter": 3 }, "g": ["MONTH"] }),
        )
        .await);
    let rows = r["data"]["statistics"]["rows"].as_array().unwrap().clone();
    let months: Vec<&str> = rows.iter().map(|r| r["month"].as_str().unwrap()).collect();
    assert_eq!(months, ["2026-07", "2026-08", "2026-09"], "{r}");
    let mut any = 0;
    for (row, m) in rows.iter().zip([7, 8, 9]) {
        let alone = month(m).await;
        let previous = month(m - 3).await;
        let c = &row["figures"]["casesDetected"];
        assert_eq!(c["value"], alone["value"], "{m}");
        assert_eq!(c["lastYear"], alone["lastYear"], "{m}");
        assert_eq!(c["previous"], previous["value"], "{m}: three months before");
        any += c["previous"].as_i64().unwrap() + c["lastYear"].as_i64().unwrap();
    }
    assert!(any > 0, "the demo data has cases to compare with: {r}");
    // A range of one whole month is compared with as many days before it, a day of one month
    // and the whole month before: its row takes the whole month, as its total does.
    let r = ok(app
        .gql(
            Some(police),
            q,
            json!({ "p": { "kind": "RANGE", "from": "2026-10-15", "to": "2026-11-14" }, "g": ["MONTH"] }),
        )
        .await);
    let s = &r["data"]["statistics"];
    assert_eq!(s["rows"].as_array().map(Vec::len), Some(1), "{r}");
    let row = &s["rows"][0]["figures"]["casesDetected"];
    assert_eq!(row, &s["total"]["casesDetected"], "{r}");
    // With another dimension, each month's rows likewise.
    let r = ok(app
        .gql(
            Some(police),
            q,
            json!({ "p": { "kind": "MONTH", "year": 2026, "month": 11 }, "g": ["MONTH", "AGENCY"] }),
        )
        .await);
    for row in r["data"]["statistics"]["rows"].as_array().unwrap() {
        assert_eq!(row["month"], "2026-11", "{r}");
    }
}

/// The press's figures leave out the reporting month still running, and with it its places in
/// the previous period and last year: a running month against a whole one read "0 cases,
/// −100 %" (a review of stop 37). `suppressed` says the figures are partial.
#[tokio::test]
async fn the_press_compares_ended_months_with_their_like() {
    let app = TestApp::spawn().await;
    let press = app.token_for(Role::Press);
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let (year, month) = hub389_tests::reporting_month(today);
    let q = "query($p: PeriodInput!) { statistics(period: $p) { suppressed
               total { casesDetected { value previous lastYear changeFromPrevious } } } }";
    let get = |p: Value| {
        let (app, press) = (&app, &press);
        async move {
            let r = ok(app.gql(Some(press), q, json!({ "p": p })).await);
            r["data"]["statistics"].clone()
        }
    };
    let running = get(json!({ "kind": "MONTH", "year": year, "month": month })).await;
    assert_eq!(running["suppressed"], true, "{running}");
    assert_eq!(
        running["total"]["casesDetected"],
        json!({ "value": 0, "previous": 0, "lastYear": 0, "changeFromPrevious": null }),
        "{running}"
    );
    let whole = get(json!({ "kind": "YEAR", "year": year })).await;
    let mut last_year = 0;
    for m in 1..month {
        let r = get(json!({ "kind": "MONTH", "year": year - 1, "month": m })).await;
        last_year += r["total"]["casesDetected"]["value"].as_i64().unwrap();
    }
    assert_eq!(
        whole["total"]["casesDetected"]["previous"].as_i64(),
        Some(last_year),
        "last year's months at the places of this year's ended ones: {whole}"
    );
}
