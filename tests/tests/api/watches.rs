//! Watch-lists: who may watch what, values normalised, and `watchHit` reaching the watching
//! agency only from records it may read on the case (the issue's proof: an ID number watched
//! by the police and by the customs, on a case the customs does not lead).

use api::auth::Role;
use hub389_tests::live::Live;
use hub389_tests::{TestApp, pluck, refusal_codes};
use serde_json::{Value, json};

const WATCH: &str =
    r#"mutation($k: WatchKind!, $v: String!) { watch(kind: $k, value: $v) { id kind value } }"#;
const HIT: &str = "subscription { watchHit { case { title } watches { kind value } } }";
const ID_NUMBER: &str = "001198012345";

fn new_case(title: &str, group: &str) -> Value {
    json!({
        "title": title,
        "violationType": "SMUGGLING",
        "commodityGroup": group,
        "channel": "BORDER_TRAIL",
        "commune": "DONG_DANG",
        "detectedOn": "2026-11-20",
        "goodsSummary": "Hàng hóa không rõ nguồn gốc",
        "fineAmount": 1000000,
        "goodsValue": 2000000
    })
}

async fn create(app: &TestApp, token: &str, title: &str, group: &str) -> String {
    app.create_case(token, new_case(title, group)).await
}

async fn watch(app: &TestApp, token: &str, kind: &str, value: &str) -> Value {
    app.gql(Some(token), WATCH, json!({ "k": kind, "v": value }))
        .await
}

/// (title, watched kinds) of the next hit.
async fn next_hit(live: &mut Live) -> (String, Vec<String>) {
    let msg = live.next_json().await;
    assert_eq!(msg["type"], "next", "{msg}");
    assert!(msg["payload"]["errors"].is_null(), "{msg}");
    let hit = &msg["payload"]["data"]["watchHit"];
    let kinds = pluck(&hit["watches"], "kind");
    (hit["case"]["title"].as_str().unwrap().to_string(), kinds)
}

#[tokio::test]
async fn an_id_number_hit_reaches_the_watching_police_agency_and_not_a_customs_one() {
    let app = TestApp::spawn().await;
    let [police, customs, bdbp] = app.tokens_for([Role::Police, Role::Customs, Role::Officer]);
    for token in [&police, &customs] {
        for (kind, value) in [("ID_NUMBER", ID_NUMBER), ("COMMODITY_GROUP", "CIGARETTES")] {
            let r = watch(&app, token, kind, value).await;
            assert!(r["errors"].is_null(), "{r}");
        }
    }
    let r = watch(&app, &police, "VEHICLE_PLATE", "29c-123.45").await;
    assert_eq!(r["data"]["watch"]["value"], "29C12345", "{r}");
    let mut police_live = Live::connect(&app.base, &police).await;
    let mut customs_live = Live::connect(&app.base, &customs).await;
    police_live.subscribe("w", HIT, json!({})).await;
    customs_live.subscribe("w", HIT, json!({})).await;
    // Warm up with cigarette cases (watched by both) until both listen.
    let mut ready = [false, false];
    for n in 0..50 {
        create(&app, &bdbp, &format!("Khởi động {n}"), "CIGARETTES").await;
        for (i, live) in [&mut police_live, &mut customs_live]
            .into_iter()
            .enumerate()
        {
            if !ready[i]
                && tokio::time::timeout(std::time::Duration::from_millis(300), live.next_json())
                    .await
                    .is_ok()
            {
                ready[i] = true;
            }
        }
        if ready == [true, true] {
            break;
        }
    }
    assert_eq!(
        ready,
        [true, true],
        "the subscriptions never started listening"
    );

    // The border guard's case, with the watched person on it.
    let case = create(&app, &bdbp, "Vụ có đối tượng theo dõi", "FROZEN_FOOD").await;
    app.add_subject(
        &bdbp,
        &case,
        json!({ "kind": "PERSON", "role": "CARRIER", "fullName": "Nguyễn Thị Hằng", "idNumber": ID_NUMBER }),
    )
    .await;
    // A seized truck whose plate the police watches (written another way).
    let seizure = r#"mutation($case: ID!, $input: SeizureInput!) { addSeizure(caseId: $case, input: $input) { vehiclePlate } }"#;
    let r = app
        .gql(
            Some(&bdbp),
            seizure,
            json!({ "case": case, "input": {
                "item": "Xe tải chở hàng", "commodityGroup": "FROZEN_FOOD", "quantity": 1.0,
                "unit": "chiếc", "estimatedValue": 300000000, "vehiclePlate": "29C 12345"
            }}),
        )
        .await;
    assert_eq!(r["data"]["addSeizure"]["vehiclePlate"], "29C12345", "{r}");
    create(&app, &bdbp, "Mốc cuối", "CIGARETTES").await;

    let until_marker = async |live: &mut Live| {
        let mut seen = Vec::new();
        loop {
            let (title, kinds) = next_hit(live).await;
            if title.starts_with("Khởi động") {
                continue;
            }
            let done = title == "Mốc cuối";
            seen.push((title, kinds));
            if done {
                return seen;
            }
        }
    };
    let police_seen = until_marker(&mut police_live).await;
    assert!(
        police_seen
            .iter()
            // A hit is read when delivered: the subject's may already see the seizure too.
            .any(|(t, k)| t == "Vụ có đối tượng theo dõi" && k.contains(&"ID_NUMBER".to_string())),
        "{police_seen:?}"
    );
    assert!(
        police_seen
            .iter()
            .any(|(t, k)| t == "Vụ có đối tượng theo dõi"
                && k.contains(&"VEHICLE_PLATE".to_string())),
        "{police_seen:?}"
    );
    let customs_seen = until_marker(&mut customs_live).await;
    assert_eq!(
        customs_seen,
        [("Mốc cuối".to_string(), vec!["COMMODITY_GROUP".to_string()])],
        "the customs reads no subjects on a case it does not lead"
    );
    // Each delivery to the police was audited as a read of the ID numbers it matched.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let audited = entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::Operation.eq("read"))
        .filter(entity::audit_events::Column::AgencyCode.eq("CA"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        audited
            .iter()
            .any(|a| a.restricted_fields.contains("subjects.idNumber")),
        "{audited:?}"
    );
}

#[tokio::test]
async fn who_may_watch_what_and_values_as_the_records_hold_them() {
    let app = TestApp::spawn().await;
    let [customs, police, commune, leader] =
        app.tokens_for([Role::Customs, Role::Police, Role::Commune, Role::Leader]);

    let r = watch(&app, &customs, "HS_CODE", " 0207.14 ").await;
    assert_eq!(r["data"]["watch"]["value"], "020714", "{r}");
    let id = r["data"]["watch"]["id"].clone();
    let again = watch(&app, &customs, "HS_CODE", "020714").await;
    assert_eq!(
        again["data"]["watch"]["id"], id,
        "watching twice is one entry"
    );

    let code = |r: &Value| {
        r["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        code(&watch(&app, &police, "ID_NUMBER", "12ab").await),
        "BAD_USER_INPUT"
    );
    // An ID number is police data: the kind does not exist for a commune user.
    let r = watch(&app, &commune, "ID_NUMBER", ID_NUMBER).await;
    assert_eq!(refusal_codes(&r), ["FORBIDDEN"], "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not contain the value \"ID_NUMBER\"")),
        "{r}"
    );
    assert_eq!(
        code(&watch(&app, &commune, "COMMUNE", "HOANG_VAN_THU").await),
        "FORBIDDEN"
    );
    assert!(watch(&app, &commune, "COMMUNE", "dong_dang").await["errors"].is_null());
    // A leader keeps no watch-list: `watch` is not in its schema.
    assert_eq!(
        code(&watch(&app, &leader, "COMMUNE", "DONG_DANG").await),
        "BAD_USER_INPUT"
    );

    // Another agency's entry does not exist for the police.
    let unwatch = r#"mutation($id: ID!) { unwatch(id: $id) { archivedAt } }"#;
    let r = app.gql(Some(&police), unwatch, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = app.gql(Some(&customs), unwatch, json!({ "id": id })).await;
    assert!(r["data"]["unwatch"]["archivedAt"].is_string(), "{r}");
    let r = app.query(Some(&customs), "{ watches { id } }").await;
    assert_eq!(r["data"]["watches"], json!([]), "{r}");

    // A standing office naming the police agency shares its list, but not the entries of
    // kinds its role may not watch (an ID number is police data).
    let r = watch(&app, &police, "ID_NUMBER", ID_NUMBER).await;
    assert!(r["errors"].is_null(), "{r}");
    let id_entry = r["data"]["watch"]["id"].clone();
    let r = watch(&app, &police, "COMMUNE", "DONG_DANG").await;
    assert!(r["errors"].is_null(), "{r}");
    let office = app.token(Role::StandingOffice, Some("CA"), None);
    let r = app.query(Some(&office), "{ watches { kind value } }").await;
    assert_eq!(
        r["data"]["watches"],
        json!([{ "kind": "COMMUNE", "value": "DONG_DANG" }]),
        "{r}"
    );
    let r = app
        .gql(Some(&office), unwatch, json!({ "id": id_entry }))
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // The press does not have watch-lists at all.
    let press = app.token_for(Role::Press);
    let r = app.query(Some(&press), "{ watches { id } }").await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
}

/// The bound on an agency's list counts the entries the viewer's role sees: counted over all,
/// a standing office watching plates learned how many ID numbers its agency's officers watch
/// (500 less the plates it could add; a review of stop 37).
#[tokio::test]
async fn the_bound_counts_only_the_entries_the_role_sees() {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let app = TestApp::spawn().await;
    let officer = app.token(Role::Officer, Some("QLTT"), None);
    let office = app.token(Role::StandingOffice, Some("QLTT"), None);
    use sea_orm::{ColumnTrait, QueryFilter};
    let first = watch(&app, &officer, "ID_NUMBER", ID_NUMBER).await;
    assert!(first["errors"].is_null(), "{first}");
    let agency = entity::agencies::Entity::find()
        .filter(entity::agencies::Column::Code.eq("QLTT"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    // The officers fill the list with ID numbers (written directly: 499 writes would only be
    // slower).
    let rows = (1..500).map(|i| entity::watches::ActiveModel {
        agency_id: Set(agency),
        kind: Set("id_number".into()),
        value: Set(format!("{:012}", 1_000_000 + i)),
        created_by: Set("officer".into()),
        created_at: Set(chrono::Utc::now()),
        archived_at: Set(None),
        ..Default::default()
    });
    entity::watches::Entity::insert_many(rows)
        .exec(&app.db)
        .await
        .unwrap();
    let r = watch(&app, &officer, "ID_NUMBER", "001198099999").await;
    assert_eq!(
        refusal_codes(&r),
        ["BAD_USER_INPUT"],
        "the officers' bound: {r}"
    );
    let r = watch(&app, &office, "VEHICLE_PLATE", "12A00000").await;
    assert!(
        r["errors"].is_null(),
        "none of the office's kinds is held: {r}"
    );
}
