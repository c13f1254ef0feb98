//! `/metrics` as Prometheus reads it: parsed with a text-format parser, the request counter by
//! operation and outcome, the pool gauges, tips and audit writes, and the bound on operation
//! names. The recorder is the process's, shared by every test server of this binary: each test
//! asserts on labels of its own (operation names with a random suffix) or on increases.

use api::auth::Role;
use api::telemetry::metrics::{self as m, MAX_OPERATION_NAMES};
use hub389_tests::{METRICS_TOKEN, TestApp, error_codes, failed, ok};
use prometheus_parse::{Sample, Scrape, Value as Metric};
use serde_json::{Value, json};

async fn scrape(app: &TestApp) -> Scrape {
    let (status, text) = app.metrics().await;
    assert_eq!(status, 200, "{text}");
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text format")
}

fn samples<'a>(s: &'a Scrape, metric: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
    s.samples.iter().filter(move |x| x.metric == metric)
}

fn value(sample: &Sample) -> f64 {
    match &sample.value {
        Metric::Counter(v) | Metric::Gauge(v) | Metric::Untyped(v) => *v,
        Metric::Histogram(buckets) => buckets.last().map(|b| b.count).unwrap_or(0.0),
        Metric::Summary(_) => 0.0,
    }
}

/// The value of `metric` whose labels are exactly those given (0 when absent).
fn get(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    samples(s, metric)
        .find(|x| labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(value)
        .unwrap_or(0.0)
}

fn requests(s: &Scrape, operation: &str, outcome: &str) -> f64 {
    get(
        s,
        m::REQUESTS,
        &[("operation", operation), ("outcome", outcome)],
    )
}

fn suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// Registers `doc` as a trusted document and runs it by its hash.
async fn run_registered(app: &TestApp, token: &str, doc: &str) -> Value {
    let hashes = api::graphql::trusted::register(&app.db, &[("test".into(), doc.to_string())])
        .await
        .expect("register");
    app.post(
        Some(token),
        json!({ "extensions": { "documentId": format!("sha256:{}", hashes[0]) } }),
    )
    .await
}

#[tokio::test]
async fn metrics_need_the_token_and_show_the_pool() {
    let app = TestApp::spawn().await;
    let url = format!("{}/metrics", app.base);
    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let wrong = app.client.get(&url).bearer_auth("x").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let (status, text) = app.metrics().await;
    assert_eq!(status, 200);
    assert!(!text.contains(METRICS_TOKEN));
    let s = scrape(&app).await;
    // Sampled when scraped: the default bound of the backend (every test server has it; the
    // gauges are the process's, so a parallel scrape of another server may have set them).
    let max = match app.backend {
        hub389_tests::Backend::Sqlite => api::db::SQLITE_POOL,
        hub389_tests::Backend::Postgres => api::db::POSTGRES_POOL,
    };
    assert_eq!(get(&s, m::POOL_MAX, &[]), f64::from(max), "{:?}", s.samples);
    assert!(get(&s, m::POOL_CONNECTIONS, &[]) >= 1.0);
    assert!(samples(&s, m::POOL_IDLE).next().is_some());
    assert!(samples(&s, m::SUBSCRIPTIONS_OPEN).next().is_some());
    assert!(samples(&s, m::TIPS_RECEIVED).next().is_some());
    // The help texts are there for Prometheus too.
    assert!(s.docs.contains_key(m::TIPS_RECEIVED), "{:?}", s.docs);
}

#[tokio::test]
async fn operations_are_counted_by_their_name_and_outcome() {
    let app = TestApp::spawn().await;
    let u = suffix();
    let police = app.token_for(Role::Police);

    let ok = format!("ObsOk_{u}");
    let r = run_registered(&app, &police, &format!("query {ok} {{ me {{ role }} }}")).await;
    assert!(r["errors"].is_null(), "{r}");
    let forbidden = format!("ObsForbidden_{u}");
    // Customs read the police compartment only on the cases they lead.
    let customs = app.token_for(Role::Customs);
    let r = run_registered(
        &app,
        &customs,
        &format!(
            "query {forbidden} {{ cases(first: 1, filter: {{ leadAgency: \"CA\" }}) {{ nodes {{ subjects {{ fullName }} }} }} }}"
        ),
    )
    .await;
    assert_eq!(error_codes(&r), ["FORBIDDEN"], "{r}");
    let bad = format!("ObsBad_{u}");
    let r = run_registered(
        &app,
        &police,
        &format!("query {bad} {{ cases(first: 1000) {{ totalCount }} }}"),
    )
    .await;
    assert_eq!(error_codes(&r)[0], "BAD_USER_INPUT", "{r}");
    // A batch counts each of its operations; the document's name is the label, whatever
    // `operationName` says.
    let text = format!("query {ok} {{ me {{ role }} }}");
    let r = app
        .post(
            Some(&police),
            json!([{ "query": text }, { "query": text, "operationName": ok }]),
        )
        .await;
    assert!(r[0]["errors"].is_null() && r[1]["errors"].is_null(), "{r}");

    let s = scrape(&app).await;
    assert_eq!(requests(&s, &ok, "OK"), 3.0);
    assert_eq!(requests(&s, &forbidden, "FORBIDDEN"), 1.0);
    assert_eq!(requests(&s, &bad, "BAD_USER_INPUT"), 1.0);
    assert_eq!(requests(&s, &forbidden, "OK"), 0.0);
    // The latency histogram has the same labels, with its buckets.
    let hist = samples(&s, m::REQUEST_DURATION)
        .find(|x| x.labels.get("operation") == Some(ok.as_str()))
        .expect("latency of the operation");
    match &hist.value {
        Metric::Histogram(buckets) => {
            assert!(buckets.len() > 5, "{buckets:?}");
            assert_eq!(buckets.last().map(|b| b.count), Some(3.0));
        }
        other => panic!("a histogram, not {other:?}"),
    }

    // A bad token: refused before any document is parsed.
    let before = requests(&s, m::UNPARSED, "UNAUTHENTICATED");
    failed(
        app.query(Some("not-a-token"), "{ me { role } }").await,
        "UNAUTHENTICATED",
    );
    let s = scrape(&app).await;
    assert!(requests(&s, m::UNPARSED, "UNAUTHENTICATED") >= before + 1.0);
}

#[tokio::test]
async fn tips_and_audit_writes_are_counted() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let before = scrape(&app).await;
    let audit = |s: &Scrape, kind| get(s, m::AUDIT_EVENTS, &[("kind", kind)]);

    ok(app
        .gql(
            None,
            r#"mutation($input: NewTipInput!) { submitTip(input: $input) { trackingCode } }"#,
            json!({ "input": { "channel": "ONLINE_FORM", "content": "Kho hàng ở thôn Nà Lầu tập kết thuốc lá điếu nhập lậu vào ban đêm, xe tải chở đi lúc 2 giờ sáng." } }),
        )
        .await);
    // A restricted read: its audit event goes through the group commit.
    ok(app
        .query(Some(&police), "{ cases(first: 2, filter: { leadAgency: \"CA\" }) { nodes { subjects { fullName } } } }")
        .await);

    let after = scrape(&app).await;
    // Other tests of this binary count too: at least ours.
    assert!(get(&after, m::TIPS_RECEIVED, &[]) >= get(&before, m::TIPS_RECEIVED, &[]) + 1.0);
    assert!(audit(&after, "write") >= audit(&before, "write") + 1.0);
    assert!(audit(&after, "read") >= audit(&before, "read") + 1.0);
}

#[tokio::test]
async fn a_flood_of_invented_operation_names_stays_under_the_cap() {
    let app = TestApp::spawn().await;
    let police = app.token_for(Role::Police);
    let u = suffix();
    let before = scrape(&app).await;
    let flood = MAX_OPERATION_NAMES + 30;
    let names: Vec<String> = (0..flood).map(|i| format!("Flood{u}_{i}")).collect();
    for chunk in names.chunks(10) {
        let batch: Vec<Value> = chunk
            .iter()
            .map(|n| json!({ "query": format!("query {n} {{ __typename }}") }))
            .collect();
        let r = app.post(Some(&police), Value::Array(batch)).await;
        assert!(r.as_array().is_some_and(|a| a.len() == chunk.len()), "{r}");
    }
    // And a name too long for a label.
    let long = format!("L{}", "o".repeat(100));
    app.query(Some(&police), &format!("query {long} {{ __typename }}"))
        .await;

    let s = scrape(&app).await;
    let labels: std::collections::HashSet<&str> = samples(&s, m::REQUESTS)
        .filter_map(|x| x.labels.get("operation"))
        .collect();
    let ours = labels.iter().filter(|l| l.starts_with("Flood")).count();
    assert!(ours <= MAX_OPERATION_NAMES, "{ours} flood labels");
    assert!(!labels.contains(long.as_str()));
    // At least the names past the cap (and the long one) were counted as `other`.
    let other = |s: &Scrape| requests(s, m::OTHER, "OK");
    assert!(other(&s) >= other(&before) + 31.0, "{}", other(&s));
    // Every label: the free places, the three fixed labels, and registered documents' names
    // (the built-in ones and the few tests register).
    assert!(
        labels.len() <= MAX_OPERATION_NAMES + 3 + 60,
        "{} labels",
        labels.len()
    );
}
