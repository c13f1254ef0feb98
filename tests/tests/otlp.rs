//! OTLP traces, in a test binary of its own: the tracer provider and the tracing subscriber
//! are global to a process and set up once, from `OTEL_EXPORTER_OTLP_ENDPOINT`, which this
//! test sets before its server starts (the API tests' binary runs without it).
//!
//! A tiny collector (`POST /v1/traces`, OTLP/HTTP protobuf) records what the server sends; after
//! one GraphQL request and a flush it must hold the request's span and its SQL statements'
//! spans, children of it, carrying the request id.

use std::sync::{Arc, Mutex};

use api::auth::Role;
use axum::body::Bytes;
use axum::routing::post;
use hub389_tests::TestApp;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::json;

fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| match &v.value {
            Some(Any::StringValue(s)) => Some(s.as_str()),
            _ => None,
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_statements_are_exported_as_spans() {
    let bodies: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let kept = bodies.clone();
    let collector = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body);
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, collector).await });
    // SAFETY: set before the server (and anything reading it) starts; the only test here.
    unsafe {
        std::env::set_var(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        );
    }

    let app = TestApp::spawn().await;
    assert!(api::telemetry::otel::enabled());
    let police = app.token_for(Role::Police);
    let resp = app
        .graphql_request(Some(&police))
        .header("x-request-id", "otlp-test-42")
        .json(&json!({ "query": "query CaseList { cases(first: 3) { nodes { code leadAgency { code } subjects { fullName } } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");

    tokio::task::spawn_blocking(api::telemetry::otel::flush)
        .await
        .unwrap();
    let spans: Vec<Span> = bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| ExportTraceServiceRequest::decode(b.clone()).expect("OTLP protobuf"))
        .flat_map(|r| r.resource_spans)
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .collect();
    let request = spans
        .iter()
        .find(|s| attribute(s, "request_id") == Some("otlp-test-42"))
        .unwrap_or_else(|| panic!("no request span among {} spans", spans.len()));
    assert_eq!(request.name, "POST /graphql");
    let statements: Vec<&Span> = spans
        .iter()
        .filter(|s| attribute(s, "hub389.request_id") == Some("otlp-test-42"))
        .collect();
    assert!(statements.len() >= 2, "{statements:?}");
    for s in &statements {
        assert_eq!(s.trace_id, request.trace_id, "{s:?}");
        let sql = attribute(s, "db.query.text").expect("statement text");
        // Named by their first word: the page's read (with its subjects) begins `WITH`.
        assert!(
            ["SELECT", "WITH", "INSERT"].contains(&s.name.as_str()),
            "{}: {sql}",
            s.name
        );
        assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
    }
    // Directly under the request span, or under a span inside it: the same trace, never a
    // root of its own.
    assert!(statements.iter().all(|s| !s.parent_span_id.is_empty()));
    // No token and no subject's name in anything exported.
    let all = format!("{spans:?}");
    assert!(!all.contains(&police));
    let name = body["data"]["cases"]["nodes"]
        .as_array()
        .and_then(|n| n.iter().find_map(|c| c["subjects"][0]["fullName"].as_str()))
        .map(str::to_string);
    if let Some(name) = name {
        assert!(!all.contains(&name), "{name} exported");
    }
}
