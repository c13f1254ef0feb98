//! Subscriptions over `graphql-transport-ws`: a write made through one instance reaches a
//! subscriber on another, once; every subscriber gets only what the matrix lets it read; the
//! socket closes when the token expires or was never valid.
//!
//! A subscription starts listening a moment after its `subscribe` message; a test first makes
//! "warm-up" writes until one comes back, and tells the messages that matter by their titles.
//! "Nothing else came" is shown the same way, without waiting: events of one instance arrive
//! in order, so a marker written last and received proves every earlier event was delivered
//! or withheld.

use api::auth::Role;
use hub389_tests::live::{Live, Received};
use hub389_tests::{Backend, TestApp, docs, failed, graphql_request, ok};
use serde_json::{Value, json};

const CREATE: &str =
    r#"mutation($input: NewCaseInput!) { createCase(input: $input) { id code version } }"#;

fn new_case(title: &str, commune: &str) -> Value {
    json!({
        "title": title,
        "violationType": "SMUGGLING",
        "commodityGroup": "FROZEN_FOOD",
        "channel": "BORDER_TRAIL",
        "commune": commune,
        "detectedOn": "2026-11-20",
        "goodsSummary": "1,2 tấn chân gà đông lạnh không rõ nguồn gốc",
        "fineAmount": 45000000,
        "goodsValue": 120000000
    })
}

/// Creates a case through the instance at `base` as `token`'s agency; returns its code.
async fn create_case(app: &TestApp, base: &str, token: &str, title: &str, commune: &str) -> String {
    let r: Value = graphql_request(&app.client, base, Some(token))
        .json(&json!({ "query": CREATE, "variables": { "input": new_case(title, commune) } }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["createCase"]["code"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The payload of a `next` message for subscription `id`, or a panic.
fn data_of<'a>(msg: &'a Value, id: &str) -> &'a Value {
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], id, "{msg}");
    &msg["payload"]
}

/// Writes warm-up number 0, 1, … with `write` until `live` hears of one within `ms`, at most
/// `attempts` times: from then on the subscription is listening. Returns the number of the
/// warm-up heard of and the message.
async fn warm_up(
    live: &mut Live,
    attempts: usize,
    ms: u64,
    mut write: impl AsyncFnMut(usize),
) -> (usize, Value) {
    for n in 0..attempts {
        write(n).await;
        if let Some(msg) = live.next_within(ms).await {
            return (n, msg);
        }
    }
    panic!("the subscription never started listening");
}

/// Writes warm-up cases (through `app`) until `live` hears of one: from then on the
/// subscription `id` is listening. Returns the titles of the warm-up cases written.
async fn warm_up_cases(
    app: &TestApp,
    live: &mut Live,
    id: &str,
    token: &str,
    commune: &str,
) -> Vec<String> {
    let mut titles = Vec::new();
    let (_, msg) = warm_up(live, 50, 500, async |n| {
        let title = format!("Khởi động {n}");
        create_case(app, &app.base, token, &title, commune).await;
        titles.push(title);
    })
    .await;
    let title = data_of(&msg, id)["data"]["caseChanged"]["title"].clone();
    assert!(titles.iter().any(|t| title == *t), "{msg}");
    titles
}

/// The case titles delivered to subscription `id` until (and with) `last`, skipping warm-ups.
async fn titles_until(live: &mut Live, id: &str, last: &str, skip: &[String]) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let msg = live.next_json().await;
        let payload = data_of(&msg, id);
        assert!(payload["errors"].is_null(), "{msg}");
        let title = payload["data"]["caseChanged"]["title"]
            .as_str()
            .unwrap()
            .to_string();
        if skip.contains(&title) {
            continue;
        }
        let done = title == last;
        seen.push(title);
        if done {
            return seen;
        }
    }
}

const CASE_CHANGED: &str = "subscription { caseChanged { code title commune { code } } }";

#[tokio::test]
async fn a_case_created_through_one_instance_reaches_a_subscriber_on_another_once() {
    let app = TestApp::spawn().await;
    // SQLite is one process (an in-process broadcast); the fleet is PostgreSQL's.
    let other = if app.backend == Backend::Postgres {
        app.another_instance().await
    } else {
        app.base.clone()
    };
    let [police, bdbp] = app.tokens_for([Role::Police, Role::Officer]);
    let mut live = Live::connect(&app.base, &police).await;
    live.subscribe("c", CASE_CHANGED, json!({})).await;
    let warm = warm_up_cases(&app, &mut live, "c", &bdbp, "DONG_DANG").await;

    let code = create_case(&app, &other, &bdbp, "Qua phiên bản khác", "DONG_DANG").await;
    create_case(&app, &other, &bdbp, "Mốc cuối", "DONG_DANG").await;
    let seen = titles_until(&mut live, "c", "Mốc cuối", &warm).await;
    assert_eq!(
        seen,
        ["Qua phiên bản khác", "Mốc cuối"],
        "each case once, in order"
    );

    // The payload is the case as a query reads it.
    let r = app
        .query(
            Some(&police),
            "query($f: CaseFilter) { cases(first: 5, filter: $f) { nodes { code title } } }",
        )
        .await;
    assert!(
        r["data"]["cases"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["code"] == code.as_str()),
        "{r}"
    );
}

#[tokio::test]
async fn a_commune_subscriber_hears_only_of_its_communes_cases() {
    let app = TestApp::spawn().await;
    let [commune, bdbp] = app.tokens_for([Role::Commune, Role::Officer]);
    let mut live = Live::connect(&app.base, &commune).await;

    // Restricted data is not in a commune user's schema, over the socket as over HTTP.
    live.subscribe(
        "s",
        "subscription { caseChanged { code subjects { fullName } } }",
        json!({}),
    )
    .await;
    let refused = live.next_json().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "s");

    live.subscribe("c", CASE_CHANGED, json!({})).await;
    let warm = warm_up_cases(&app, &mut live, "c", &bdbp, "DONG_DANG").await;
    create_case(&app, &app.base, &bdbp, "Ở xã khác", "HOANG_VAN_THU").await;
    let code = create_case(&app, &app.base, &bdbp, "Ở Đồng Đăng", "DONG_DANG").await;
    // A subject added to its commune's case is police data: not even the moment is delivered.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let case = entity::cases::Entity::find()
        .filter(entity::cases::Column::Code.eq(code))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    app.add_subject(
        &bdbp,
        &case.id.to_string(),
        json!({ "kind": "PERSON", "role": "CARRIER", "fullName": "Nguyễn Thị Hằng" }),
    )
    .await;
    create_case(&app, &app.base, &bdbp, "Mốc cuối", "DONG_DANG").await;
    let seen = titles_until(&mut live, "c", "Mốc cuối", &warm).await;
    assert_eq!(
        seen,
        ["Ở Đồng Đăng", "Mốc cuối"],
        "neither the other commune's case nor the subject's write is delivered"
    );
}

#[tokio::test]
async fn a_restricted_field_of_a_delivered_case_is_null_with_forbidden_at_its_path() {
    let app = TestApp::spawn().await;
    // The border guard reads customs records only on the cases it leads.
    let [bdbp, police] = app.tokens_for([Role::Officer, Role::Police]);
    let mut live = Live::connect(&app.base, &police).await;
    live.subscribe(
        "c",
        "subscription { caseChanged { title customsRecords { declarationNumber } } }",
        json!({}),
    )
    .await;
    // Warm up with the subscription under test: its deliveries carry errors.
    let mut warm = Vec::new();
    let (_, msg) = warm_up(&mut live, 50, 500, async |n| {
        let title = format!("Khởi động {n}");
        create_case(&app, &app.base, &bdbp, &title, "DONG_DANG").await;
        warm.push(title);
    })
    .await;
    let payload = data_of(&msg, "c");
    assert_eq!(
        payload["data"]["caseChanged"]["customsRecords"],
        Value::Null,
        "{msg}"
    );
    assert_eq!(
        payload["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{msg}"
    );
    assert_eq!(
        payload["errors"][0]["path"],
        json!(["caseChanged", "customsRecords"]),
        "{msg}"
    );
    assert!(!warm.is_empty());
}

/// A subscription has one root field, written directly: aliases or copies of `caseChanged`
/// multiplied every case write's deliveries and audit rows (reviews, stop 35).
#[tokio::test]
async fn a_subscription_of_several_root_fields_is_refused() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    for query in [
        "subscription { a: caseChanged { code } b: caseChanged { code } }",
        "subscription { caseChanged { code } __typename }",
        // One response key, yet async-graphql ran each copy as a stream of its own.
        "subscription { caseChanged { code } caseChanged { code } }",
        // Answered `complete` at once, never delivering.
        "subscription { ...F } fragment F on SubscriptionRoot { caseChanged { code } }",
    ] {
        let mut live = Live::connect(&app.base, &police).await;
        live.subscribe("x", query, json!({})).await;
        let (errors, msg) = live.next_errors().await;
        assert_eq!(
            errors[0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {msg}"
        );
        assert!(
            errors[0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("exactly one root field"),
            "{msg}"
        );
    }
}

#[tokio::test]
async fn roles_that_may_not_read_a_subscriptions_records_are_refused_at_once() {
    let app = TestApp::spawn().await;
    let [press, commune, admin, leader] =
        app.tokens_for([Role::Press, Role::Commune, Role::Admin, Role::Leader]);
    // (token, subscription, why it is refused)
    let cases: &[(&str, &str)] = &[
        (&press, "subscription { caseChanged { code } }"),
        (&press, "subscription { tipAssigned { content } }"),
        (
            &press,
            "subscription { publicationChanged { publication { body } } }",
        ),
        (&commune, "subscription { tipAssigned { content } }"),
        (&commune, "subscription { publicationChanged { id } }"),
        (&admin, "subscription { caseChanged { code } }"),
        (&leader, "subscription { tipAssigned { content } }"),
        (
            &commune,
            "subscription { caseChanged(filter: { subjectName: \"Nguyễn\" }) { code } }",
        ),
    ];
    for (token, query) in cases {
        let mut live = Live::connect(&app.base, token).await;
        live.subscribe("x", query, json!({})).await;
        let (errors, msg) = live.next_errors().await;
        let code = errors[0]["extensions"]["code"].as_str().unwrap_or("");
        assert!(
            ["FORBIDDEN", "BAD_USER_INPUT"].contains(&code),
            "{query}: {msg}"
        );
        assert!(
            msg["payload"]["data"].is_null() || msg["payload"]["data"]["caseChanged"].is_null(),
            "{msg}"
        );
    }
}

#[tokio::test]
async fn the_press_hears_of_publications_published_and_withdrawn_and_nothing_else() {
    let app = TestApp::spawn().await;
    let [police, office, press] = app.tokens_for([Role::Police, Role::StandingOffice, Role::Press]);
    let mut live = Live::connect(&app.base, &press).await;
    let query = include_str!("../../../api/documents/publication-changed.graphql");
    live.subscribe("p", query, json!({})).await;

    let draft = r#"mutation($case: ID!, $input: PublicationInput!) { draftPublication(caseId: $case, input: $input) { id version } }"#;
    let approve = r#"mutation($id: ID!, $v: Int!) { approvePublication(id: $id, version: $v) { id version } }"#;
    let withdraw = r#"mutation($id: ID!, $v: Int!) { withdrawPublication(id: $id, version: $v) { id version } }"#;
    // A settled case of the police with a subject on it, published again and again until the
    // subscription listens (each publication is a new one on a new case).
    // (publication id, its version, its case's id, the case's version)
    let publish = async |headline: &str| -> (String, i64, String, i64) {
        let case = app
            .create_case(&police, new_case("Vụ để công bố", "DONG_DANG"))
            .await;
        app.add_subject(
            &police,
            &case,
            json!({ "kind": "PERSON", "role": "CARRIER", "fullName": "Nguyễn Thị Hằng", "idNumber": "001198012345" }),
        )
        .await;
        let v = app
            .move_case(
                &police,
                &case,
                1,
                &["VERIFYING", "HANDLED_ADMINISTRATIVELY"],
            )
            .await;
        let r = ok(app
            .gql(Some(&police), draft, json!({ "case": case, "input": { "headline": headline, "body": "Cơ quan chức năng đã xử phạt vi phạm hành chính 45 triệu đồng.", "publicFacts": ["violation_type", "goods_value"] } }))
            .await);
        let id = r["data"]["draftPublication"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = ok(app
            .gql(Some(&office), approve, json!({ "id": id, "v": 1 }))
            .await);
        (
            id,
            r["data"]["approvePublication"]["version"].as_i64().unwrap(),
            case,
            v,
        )
    };
    warm_up(&mut live, 30, 500, async |n| {
        publish(&format!("Khởi động {n}")).await;
    })
    .await;
    let (id, version, _, _) = publish("Bắt giữ lô chân gà đông lạnh").await;
    let (marker, _, marker_case, case_version) = publish("Mốc cuối").await;
    let mut got = changes(&mut live, 2).await;
    // Each delivery is the publication as it is when delivered, so the withdrawal is made
    // once its approval was heard (else both could be heard as withdrawals).
    ok(app
        .gql(Some(&office), withdraw, json!({ "id": id, "v": version }))
        .await);
    got.extend(changes(&mut live, 1).await);
    assert_eq!(
        got,
        [
            (id.clone(), true, "Bắt giữ lô chân gà đông lạnh".to_string()),
            (marker.clone(), true, "Mốc cuối".to_string()),
            (id, false, String::new()),
        ],
        "the drafts were not announced; the withdrawal was, without its text"
    );

    // Archiving the case takes its summary down; restoring it puts it back.
    let archive = r#"mutation($id: ID!, $v: Int!, $a: Boolean!) { setCaseArchived(id: $id, version: $v, archived: $a) { version } }"#;
    let r = ok(app
        .gql(
            Some(&police),
            archive,
            json!({ "id": marker_case, "v": case_version, "a": true }),
        )
        .await);
    let v = r["data"]["setCaseArchived"]["version"].as_i64().unwrap();
    assert_eq!(
        changes(&mut live, 1).await,
        [(marker.clone(), false, String::new())]
    );
    ok(app
        .gql(
            Some(&police),
            archive,
            json!({ "id": marker_case, "v": v, "a": false }),
        )
        .await);
    assert_eq!(
        changes(&mut live, 1).await,
        [(marker, true, "Mốc cuối".to_string())]
    );
}

/// The next `n` publication changes heard (id, published, headline), skipping warm-ups; no
/// restricted datum of the cases may be in any.
async fn changes(live: &mut Live, n: usize) -> Vec<(String, bool, String)> {
    let mut got = Vec::new();
    while got.len() < n {
        let msg = live.next_json().await;
        let change = data_of(&msg, "p")["data"]["publicationChanged"].clone();
        let text = msg.to_string();
        for secret in ["Nguyễn Thị Hằng", "001198012345", "không rõ nguồn gốc"] {
            assert!(
                !text.contains(secret),
                "a restricted datum reached the press: {text}"
            );
        }
        let headline = change["publishedCase"]["headline"]
            .as_str()
            .unwrap_or("")
            .to_string();
        if headline.starts_with("Khởi động") {
            continue;
        }
        got.push((
            change["id"].as_str().unwrap().to_string(),
            change["published"].as_bool().unwrap(),
            headline,
        ));
    }
    got
}

#[tokio::test]
async fn a_tip_forwarded_to_an_agency_reaches_that_agency_only() {
    let app = TestApp::spawn().await;
    let [office, customs] = app.tokens_for([Role::StandingOffice, Role::Customs]);
    let mut live = Live::connect(&app.base, &customs).await;
    live.subscribe(
        "t",
        "subscription { tipAssigned { content assignedAgency { code } } }",
        json!({}),
    )
    .await;
    let submit = r#"mutation($input: NewTipInput!) { submitTip(input: $input) { trackingCode } }"#;
    let forward = r#"mutation($id: ID!, $v: Int!, $a: String!) { forwardTip(id: $id, version: $v, agency: $a) { id } }"#;
    let send = async |content: &str, agency: &str| {
        let r = app
            .gql(
                None,
                submit,
                json!({ "input": { "channel": "ONLINE_FORM", "content": content } }),
            )
            .await;
        let code = r["data"]["submitTip"]["trackingCode"]
            .as_str()
            .unwrap()
            .to_string();
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let id = entity::tips::Entity::find()
            .filter(entity::tips::Column::TrackingCode.eq(code))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        ok(app
            .gql(
                Some(&office),
                forward,
                json!({ "id": id.to_string(), "v": 1, "a": agency }),
            )
            .await);
    };
    let (warm, _) = warm_up(&mut live, 50, 500, async |n| {
        let content =
            format!("Tin khởi động số {n}: hàng lậu tập kết ở kho gần cửa khẩu vào ban đêm.");
        send(&content, "HQ").await;
    })
    .await;
    send(
        "Tin cho bộ đội biên phòng: xe tải chở pháo nổ qua đường mòn lúc 3 giờ sáng.",
        "BDBP",
    )
    .await;
    send(
        "Tin cho hải quan: tờ khai khai sai mã HS của lô hàng điện tử qua cửa khẩu.",
        "HQ",
    )
    .await;
    loop {
        let msg = live.next_json().await;
        let tip = &data_of(&msg, "t")["data"]["tipAssigned"];
        let content = tip["content"].as_str().unwrap();
        if content.starts_with("Tin khởi động") {
            assert!(warm < 50);
            continue;
        }
        assert_eq!(tip["assignedAgency"]["code"], "HQ", "{msg}");
        assert!(content.starts_with("Tin cho hải quan"), "{msg}");
        break;
    }
}

#[tokio::test]
async fn the_socket_closes_when_the_token_expires() {
    let app = TestApp::spawn().await;
    let token = app
        .keys
        .sign(
            "tester",
            Role::Police,
            Some("CA"),
            None,
            chrono::Duration::seconds(2),
        )
        .unwrap();
    let mut live = Live::connect(&app.base, &token).await;
    live.subscribe("c", CASE_CHANGED, json!({})).await;
    match live.next().await {
        Received::Closed(code, reason) => {
            assert_eq!(code, Some(4403), "{reason}");
            assert!(reason.contains("expired"), "{reason}");
        }
        other => panic!("expected the socket to close, got {other:?}"),
    }
}

#[tokio::test]
async fn a_connection_without_a_valid_token_is_refused_and_queries_go_to_post() {
    let app = TestApp::spawn().await;
    for payload in [json!({}), json!({ "Authorization": "Bearer not-a-token" })] {
        let mut live = Live::open(&app.base, payload.clone()).await;
        match live.next().await {
            Received::Closed(code, _) => assert_eq!(code, Some(4403), "{payload}"),
            other => panic!("{payload}: expected a refusal, got {other:?}"),
        }
    }
    let police = app.token_for(Role::Police);
    let mut live = Live::connect(&app.base, &police).await;
    live.subscribe("q", "{ cases(first: 1) { totalCount } }", json!({}))
        .await;
    let (errors, msg) = live.next_errors().await;
    assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{msg}");
}

/// graphql-transport-ws: a `subscribe` reusing the id of a running operation closes the
/// socket with 4409 (async-graphql alone replaced the running one silently); once the
/// client completed it, the id may be used again.
#[tokio::test]
async fn a_running_subscription_id_used_again_closes_the_socket_with_4409() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let mut live = Live::connect(&app.base, &police).await;
    live.subscribe("a", CASE_CHANGED, json!({})).await;
    live.complete("a").await;
    live.subscribe("a", CASE_CHANGED, json!({})).await;
    live.subscribe("a", CASE_CHANGED, json!({})).await;
    match live.next().await {
        Received::Closed(code, reason) => {
            assert_eq!(code, Some(4409), "{reason}");
            assert_eq!(reason, "Subscriber for a already exists");
        }
        other => panic!("expected the socket to close, got {other:?}"),
    }
}

/// A message the protocol does not know closes the socket with 4400 and a reason a close
/// frame can hold (async-graphql's 1002 carried 160 bytes of parser words; Node's `ws` read
/// the frame as broken).
#[tokio::test]
async fn an_unknown_message_closes_the_socket_with_4400_in_a_valid_frame() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let mut live = Live::connect(&app.base, &police).await;
    live.send(json!({ "type": "foo" })).await;
    match live.next().await {
        Received::Closed(code, reason) => {
            assert_eq!(code, Some(4400), "{reason}");
            assert!(!reason.is_empty() && reason.len() <= 123, "{reason}");
        }
        other => panic!("expected the socket to close, got {other:?}"),
    }
}

/// A `subscribe` before `connection_init` closes the socket with 4401 (async-graphql: 1011).
#[tokio::test]
async fn a_subscription_before_connection_init_closes_with_4401() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base.replacen("http://", "ws://", 1));
    let mut req =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    use futures_util::{SinkExt, StreamExt};
    let sub = json!({ "id": "a", "type": "subscribe", "payload": { "query": CASE_CHANGED } });
    socket
        .send(tokio_tungstenite::tungstenite::Message::Text(
            sub.to_string().into(),
        ))
        .await
        .unwrap();
    let code = loop {
        match socket.next().await {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(f))) => {
                break f.map(|f| u16::from(f.code));
            }
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(code, Some(4401));
}

/// Inserts an open task of `agency` due `in_days` from today (Vietnam); returns its text.
async fn insert_task(app: &TestApp, agency: &str, text: &str, in_days: i64) {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let agency = entity::agencies::Entity::find()
        .filter(entity::agencies::Column::Code.eq(agency))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let directive = entity::directives::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let today = api::time::today();
    entity::tasks::ActiveModel {
        directive_id: Set(directive.id),
        text: Set(text.to_string()),
        lead_agency_id: Set(agency.id),
        due_on: Set(Some(today + chrono::Duration::days(in_days))),
        recurrence_day: Set(None),
        status: Set("open".into()),
        completed_on: Set(None),
        version: Set(1),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        archived_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn deadlines_reach_the_tasks_agency_once_from_one_scheduler_of_the_fleet() {
    let app = TestApp::spawn_with_workflow(api::config::WorkflowSettings {
        deadline_scan: std::time::Duration::from_millis(200),
        ..Default::default()
    })
    .await;
    // Two schedulers on PostgreSQL: one holds the lock, the notices keep each deadline once.
    if app.backend == Backend::Postgres {
        app.another_instance().await;
    }
    let customs = app.token_for(Role::Customs);
    let mut live = Live::connect(&app.base, &customs).await;
    live.subscribe(
        "d",
        "subscription { taskDue(withinDays: 3) { task { text } daysLeft overdue } }",
        json!({}),
    )
    .await;
    let text_of = |msg: &Value| {
        data_of(msg, "d")["data"]["taskDue"]["task"]["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    warm_up(&mut live, 20, 1500, async |n| {
        insert_task(&app, "HQ", &format!("Khởi động {n}"), 1).await;
    })
    .await;
    insert_task(&app, "HQ", "Còn xa", 10).await;
    insert_task(&app, "BDBP", "Của biên phòng", 1).await;
    insert_task(&app, "HQ", "Quá hạn", -1).await;
    // Warm-ups and the demo data's own deadlines are not this test's.
    let ours = ["Còn xa", "Của biên phòng", "Quá hạn", "Mốc cuối"];
    let overdue = loop {
        let msg = live.next_json().await;
        if ours.contains(&text_of(&msg).as_str()) {
            break msg;
        }
    };
    assert_eq!(text_of(&overdue), "Quá hạn", "{overdue}");
    let d = &data_of(&overdue, "d")["data"]["taskDue"];
    assert_eq!(d["overdue"], true);
    assert_eq!(d["daysLeft"], -1);
    // Later scans announce nothing again: the next delivery is a task added after this.
    insert_task(&app, "HQ", "Mốc cuối", 0).await;
    let msg = loop {
        let msg = live.next_json().await;
        if ours.contains(&text_of(&msg).as_str()) {
            break msg;
        }
    };
    assert_eq!(text_of(&msg), "Mốc cuối", "{msg}");
    assert_eq!(data_of(&msg, "d")["data"]["taskDue"]["daysLeft"], 0);
}

/// The instrument of "a subscriber receives nothing a query would not show it": for every role
/// that reads cases, the `caseChanged` delivery of a case equals what the same role reads of
/// it with `case(id)` and the same selection — the same data, the same refusals at the same
/// places.
#[tokio::test]
async fn every_role_hears_of_a_case_exactly_what_it_reads_of_it() {
    let app = TestApp::spawn().await;
    let bdbp = app.token_for(Role::Officer);
    let core =
        "code title status commune { code } leadAgency { code } seizures { item vehiclePlate";
    // (token, selection): the restricted fields only where the role's schema has them.
    let roles: Vec<(String, String)> = vec![
        (app.token_for(Role::Leader), format!("{core} }}")),
        (app.token_for(Role::StandingOffice), format!("{core} }}")),
        (
            app.token_for(Role::Police),
            format!(
                "{core} hsCode }} subjects {{ fullName idNumber }} customsRecords {{ declarationNumber }}"
            ),
        ),
        (
            app.token_for(Role::Customs),
            format!(
                "{core} hsCode }} subjects {{ fullName idNumber }} customsRecords {{ declarationNumber }}"
            ),
        ),
        (
            bdbp.clone(),
            format!(
                "{core} hsCode }} subjects {{ fullName idNumber }} customsRecords {{ declarationNumber }}"
            ),
        ),
        (
            app.token(Role::Officer, Some("THUE"), None),
            format!(
                "{core} hsCode }} subjects {{ fullName idNumber }} customsRecords {{ declarationNumber }}"
            ),
        ),
        (app.token_for(Role::Commune), format!("{core} }}")),
    ];
    let mut lives = Vec::new();
    for (token, selection) in &roles {
        let mut live = Live::connect(&app.base, token).await;
        live.subscribe(
            "c",
            &format!("subscription {{ caseChanged {{ {selection} }} }}"),
            json!({}),
        )
        .await;
        lives.push(live);
    }
    let mut ready = vec![false; lives.len()];
    for n in 0..50 {
        create_case(
            &app,
            &app.base,
            &bdbp,
            &format!("Khởi động {n}"),
            "DONG_DANG",
        )
        .await;
        for (i, live) in lives.iter_mut().enumerate() {
            if !ready[i] && live.next_within(300).await.is_some() {
                ready[i] = true;
            }
        }
        if ready.iter().all(|r| *r) {
            break;
        }
    }
    assert!(
        ready.iter().all(|r| *r),
        "the subscriptions never started listening"
    );

    // The border guard's case with a subject, a seizure with its HS code and a customs record.
    let id = app
        .create_case(&bdbp, new_case("Vụ của ma trận", "DONG_DANG"))
        .await;
    for (query, input) in [
        (
            docs::ADD_SUBJECT,
            json!({ "kind": "PERSON", "role": "CARRIER", "fullName": "Nguyễn Thị Hằng", "idNumber": "001198012345" }),
        ),
        (
            r#"mutation($case: ID!, $input: SeizureInput!) { addSeizure(caseId: $case, input: $input) { id } }"#,
            json!({ "item": "Xe tải", "commodityGroup": "FROZEN_FOOD", "quantity": 1.0, "unit": "chiếc",
                    "estimatedValue": 300000000, "hsCode": "0207.14", "vehiclePlate": "29C-123.45" }),
        ),
        (
            r#"mutation($case: ID!, $input: CustomsRecordInput!) { addCustomsRecord(caseId: $case, input: $input) { id } }"#,
            json!({ "declarationNumber": "105123456789", "declaredOn": "2026-11-19", "regime": "Tạm nhập tái xuất",
                    "hsCodes": ["0207.14"], "inspectionResult": "Khai sai tên hàng" }),
        ),
    ] {
        ok(app
            .gql(Some(&bdbp), query, json!({ "case": id, "input": input }))
            .await);
    }
    create_case(&app, &app.base, &bdbp, "Mốc cuối", "DONG_DANG").await;

    // Refusals as (code, path below the root field), sorted.
    let refusals = |errors: &Value| {
        let mut out: Vec<(String, Value)> = errors
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        let path = e["path"]
                            .as_array()
                            .map(|p| p[1..].to_vec())
                            .unwrap_or_default();
                        (
                            e["extensions"]["code"].as_str().unwrap_or("").to_string(),
                            Value::from(path),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by_key(|(c, p)| format!("{c}{p}"));
        out
    };
    let (mut refused, mut restricted_read) = (0, 0);
    for ((token, selection), live) in roles.iter().zip(lives.iter_mut()) {
        // The last delivery of the case: read after every write to it.
        let mut last = None;
        loop {
            let msg = live.next_json().await;
            let payload = data_of(&msg, "c").clone();
            let title = payload["data"]["caseChanged"]["title"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if title == "Vụ của ma trận" {
                last = Some(payload);
            } else if title == "Mốc cuối" {
                break;
            }
        }
        let heard = last.expect("the case was delivered");
        let read = app
            .gql(
                Some(token),
                &format!("query($id: ID!) {{ case(id: $id) {{ {selection} }} }}"),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            heard["data"]["caseChanged"], read["data"]["case"],
            "{selection}: {heard} vs {read}"
        );
        assert_eq!(
            refusals(&heard["errors"]),
            refusals(&read["errors"]),
            "{selection}: {heard} vs {read}"
        );
        refused += refusals(&heard["errors"]).len();
        restricted_read += usize::from(heard["data"]["caseChanged"]["subjects"].is_array());
    }
    // Not a vacuous comparison: some roles were refused restricted fields, some read them.
    assert!(
        refused > 0 && restricted_read > 0,
        "{refused} {restricted_read}"
    );
}

/// One user holds at most `HUB389_LIVE_SOCKETS_PER_USER` sockets, and one address at most
/// `HUB389_LIVE_SOCKETS_PER_ADDRESS`, initialised or not: a review (stop 33) held every slot of an
/// instance from one address with sockets that never sent `connection_init`, and with one
/// token ran 7,360 subscriptions that every write then read the database for.
#[tokio::test]
async fn one_user_or_one_address_cannot_take_every_socket() {
    let defaults = api::config::Limits::default();
    let (per_address, per_user) = (
        defaults.live_sockets_per_address,
        defaults.live_sockets_per_user,
    );
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let mut held = vec![];
    for _ in 0..per_user {
        held.push(Live::connect(&app.base, &police).await);
    }
    let refused = |mut live: Live| async move {
        match live.next().await {
            Received::Closed(code, reason) => (code, reason),
            other => panic!("expected a refusal, got {other:?}"),
        }
    };
    let token = json!({ "Authorization": format!("Bearer {police}") });
    let (code, reason) = refused(Live::open(&app.base, token.clone()).await).await;
    assert_eq!(code, Some(4403), "{reason}");
    assert!(reason.contains("live connections per user"), "{reason}");
    // Another user is not affected; the user gets a socket again once one is closed (the
    // server counts it off when it sees the close).
    let other = app.token_as("another-user", Role::Customs, Some("HQ"), None);
    let _other = Live::connect(&app.base, &other).await;
    drop(held.pop());
    let mut again = None;
    for _ in 0..50 {
        let mut live = Live::open(&app.base, token.clone()).await;
        if let Received::Json(m) = live.next().await
            && m["type"] == "connection_ack"
        {
            again = Some(live);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "a closed socket frees its user's slot");
    drop((held, again));

    // Sockets that never send `connection_init` count against their address.
    let request = || {
        let url = format!("{}/graphql", app.base.replacen("http://", "ws://", 1));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        req
    };
    let mut silent = vec![];
    let mut refusal = None;
    for _ in 0..=per_address {
        match tokio_tungstenite::connect_async(request()).await {
            Ok((socket, _)) => silent.push(socket),
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                refusal = Some(resp.status().as_u16());
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    // The address's other sockets (the customs user's) count too.
    assert!(silent.len() < per_address, "{}", silent.len());
    assert_eq!(refusal, Some(429));
}

/// A live connection holds only while its token does: once its agency leaves the committee,
/// the socket closes with 4403 (it once kept the agency's rights until the token expired,
/// while every other request of that token was refused: stop 35's review), and a
/// subscription sent meanwhile is refused.
#[tokio::test]
async fn a_socket_closes_when_its_agency_no_longer_fits_its_token() {
    let app = TestApp::spawn().await;
    let rangers = app.token(Role::Officer, Some("KIEMLAM"), None);
    let mut live = Live::connect(&app.base, &rangers).await;
    live.subscribe("1", "subscription { caseChanged { code } }", json!({}))
        .await;
    // The forest rangers sit on the committee as a unit of the agriculture department: no
    // longer, once that department is not a member.
    let admin = app.token_for(Role::Admin);
    let r = ok(app
        .query(Some(&admin), "{ agencies { id code version } }")
        .await);
    let snnmt = r["data"]["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "SNNMT")
        .unwrap()
        .clone();
    ok(app
        .gql(
            Some(&admin),
            "mutation($id: ID!, $v: Int!) { updateAgency(id: $id, version: $v, input: { isMember: false }) { isMember } }",
            json!({ "id": snnmt["id"], "v": snnmt["version"] }),
        )
        .await);
    failed(
        app.query(Some(&rangers), "{ me { role } }").await,
        "UNAUTHENTICATED",
    );
    live.subscribe("2", "subscription { caseChanged { code } }", json!({}))
        .await;
    loop {
        match live.next().await {
            Received::Closed(code, reason) => {
                assert_eq!(code, Some(4403), "{reason}");
                break;
            }
            // The second subscription refused, if it came before the close.
            Received::Json(msg) => assert!(msg["id"] == "2" && msg["type"] == "error", "{msg}"),
        }
    }
}

/// A restricted search delivered live is audited as one over HTTP is: the fields searched, not
/// the cases matched (a case's row id in the event told the admin which case a police search by
/// ID number matched: a review of stop 37).
#[tokio::test]
async fn a_search_delivered_live_is_audited_as_one_over_http() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let mut live = Live::connect(&app.base, &police).await;
    live.subscribe(
        "s",
        "subscription { caseChanged(filter: { subjectName: \"Trần Kiểm\" }) { code } }",
        json!({}),
    )
    .await;
    let mut heard = false;
    for n in 0..50 {
        let case = app
            .create_case(
                &police,
                new_case(&format!("Vụ tìm theo tên {n}"), "DONG_DANG"),
            )
            .await;
        app.add_subject(
            &police,
            &case,
            json!({ "kind": "PERSON", "role": "CARRIER", "fullName": format!("Trần Kiểm {n}") }),
        )
        .await;
        if tokio::time::timeout(std::time::Duration::from_millis(300), live.next_json())
            .await
            .is_ok()
        {
            heard = true;
            break;
        }
    }
    assert!(heard, "the search was delivered");
    let events = entity::audit_events::Entity::find()
        .filter(entity::audit_events::Column::Entity.eq("caseSearch"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(!events.is_empty(), "the delivery's search is audited");
    for e in events {
        assert_eq!(e.entity_ids, "", "no case named: {e:?}");
        assert!(e.restricted_fields.contains("subjects.fullName"), "{e:?}");
    }
}
