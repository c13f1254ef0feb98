//! A hostile client (issue 12, first slices): requests bounded before they cost, no schema
//! hints, security headers, request ids that cannot flood the logs.

use api::auth::Role;
use hub389_tests::{TestApp, error_codes};
use serde_json::json;

/// Fragments that each spread the next twice: 2^26 fields from about a kilobyte, with no
/// token. Refused by counting (memoised), before async-graphql's validation expands them.
#[tokio::test]
async fn fragment_fan_out_is_refused_before_validation() {
    let app = TestApp::spawn().await;
    let mut q = String::from("query { ...F0 }");
    for i in 0..26 {
        q.push_str(&format!(
            " fragment F{i} on QueryRoot {{ ...F{} ...F{} }}",
            i + 1,
            i + 1
        ));
    }
    q.push_str(" fragment F26 on QueryRoot { __typename }");
    let r = app.gql(None, &q, json!({})).await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("too many fields")
    );
    // The server is still answering.
    let r = app.gql(None, "{ __typename }", json!({})).await;
    assert_eq!(r["data"]["__typename"], "QueryRoot");
}

#[tokio::test]
async fn aliases_are_capped() {
    let app = TestApp::spawn().await;
    let police = app.token(Role::Police, Some("CA"), None);
    let many: String = (0..60).map(|i| format!(" a{i}: me {{ role }}")).collect();
    let r = app
        .gql(Some(&police), &format!("{{{many} }}"), json!({}))
        .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    let few: String = (0..5).map(|i| format!(" a{i}: me {{ role }}")).collect();
    let r = app
        .gql(Some(&police), &format!("{{{few} }}"), json!({}))
        .await;
    assert!(r["errors"].is_null(), "{r}");
}

/// "Did you mean …" would name fields a caller may not see.
#[tokio::test]
async fn no_field_suggestions() {
    let app = TestApp::spawn().await;
    for q in [
        "{ subject }",
        "{ auditEvent { totalCount } }",
        "{ cases { nodes { reporterNam } } }",
    ] {
        let r = app.gql(None, q, json!({})).await;
        let text = r.to_string();
        assert!(
            !text.contains("Did you mean") && !text.contains("auditEvents"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn security_headers_and_no_caching() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    // GraphiQL keeps its own policy, which lets its scripts run.
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
}

#[tokio::test]
async fn request_ids_are_validated() {
    let app = TestApp::spawn().await;
    let send = |id: String| {
        app.client
            .post(format!("{}/graphql", app.base))
            .header("x-request-id", id)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
    };
    let r = send("client-req-42".into()).await.unwrap();
    assert_eq!(r.headers()["x-request-id"], "client-req-42");
    let r = send("x".repeat(8000)).await.unwrap();
    let got = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(got.len() <= 64 && got != "x".repeat(8000), "{got}");
    let r = send("<script>".into()).await.unwrap();
    assert_ne!(r.headers()["x-request-id"], "<script>");
}
