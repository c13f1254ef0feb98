//! The GraphQL contract as clients meet it (issue 9): refused fields are present and `null`
//! with an error at their path, nodes are never dropped, keys follow the selection, non-null
//! errors propagate as the spec says, and the standard introspection query works.

use api::auth::Role;
use hub389_tests::{TestApp, error_codes, errors_at};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// A refused field is present and `null`, with `FORBIDDEN` at its exact path; the node keeps
/// its other fields; keys come in selection order, aliases and fragments included.
#[tokio::test]
async fn refused_fields_are_null_in_place() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::Officer, Some("BDBP"), None);
    let q = "{ cases(first: 3) { nodes { customsRecords { declarationNumber } code
        ...F subjects { fullName } z: title } } }
        fragment F on Case { status id }";
    let resp = app.gql(Some(&officer), q, json!({})).await;
    let nodes = resp["data"]["cases"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 3, "{resp}");
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(
            keys(node),
            ["customsRecords", "code", "status", "id", "subjects", "z"],
            "{node}"
        );
        assert!(node["customsRecords"].is_null() && node["subjects"].is_null());
        for field in ["customsRecords", "subjects"] {
            let at = errors_at(
                &resp,
                &[json!("cases"), json!("nodes"), json!(i), json!(field)],
            );
            assert_eq!(at.len(), 1, "{field} at node {i}: {resp}");
            assert_eq!(at[0]["extensions"]["code"], "FORBIDDEN");
        }
    }
}

/// A node whose every selected field is refused is still an object of nulls, not `null`
/// inside `[Case!]!`.
#[tokio::test]
async fn a_node_of_refused_fields_is_kept() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::Officer, Some("BDBP"), None);
    let q = "{ cases(first: 2) { nodes { subjects { fullName } customsRecords { hsCodes } } } }";
    let resp = app.gql(Some(&officer), q, json!({})).await;
    for node in resp["data"]["cases"]["nodes"].as_array().expect("nodes") {
        assert_eq!(keys(node), ["subjects", "customsRecords"], "{resp}");
    }
}

/// Root fields keep selection order; a refused non-null root field nulls `data`, as the
/// spec's null propagation says (never a response with the key missing).
#[tokio::test]
async fn root_keys_in_order_and_non_null_errors_propagate() {
    let app = TestApp::spawn().await;
    let police = app.token(Role::Police, Some("CA"), None);
    let q = "{ me { role } b: agencies { code } a: cases(first: 1) { totalCount } }";
    let resp = app.gql(Some(&police), q, json!({})).await;
    assert_eq!(keys(&resp["data"]), ["me", "b", "a"], "{resp}");

    // `tip(id:)` is `Tip!`: not found nulls the whole `data`.
    let q = "{ me { role } tip(id: \"999999\") { id } }";
    let resp = app.gql(Some(&police), q, json!({})).await;
    assert!(resp["data"].is_null(), "{resp}");
    assert_eq!(error_codes(&resp), ["NOT_FOUND"]);
    assert_eq!(resp["errors"][0]["path"], json!(["tip"]));
    // Inside a nullable parent, the parent becomes null and the rest stays.
    let q = "{ me { role } cases(first: 1) { totalCount } }";
    let resp = app.gql(Some(&police), q, json!({})).await;
    assert_eq!(keys(&resp["data"]), ["me", "cases"]);
}

/// graphql-js 16's `getIntrospectionQuery` with every option, as GraphiQL and codegen send it:
/// it is deeper than the depth limit, and must work for every role and without a token, while
/// user queries stay limited.
#[tokio::test]
async fn the_standard_introspection_query_works_for_every_role() {
    let app = TestApp::spawn().await;
    let roles: Vec<Option<String>> = vec![
        None,
        Some(app.token(Role::Police, Some("CA"), None)),
        Some(app.token(Role::Press, Some("BAO_LS"), None)),
        Some(app.token(Role::Commune, Some("UBND_DONG_DANG"), Some("DONG_DANG"))),
        Some(app.token(Role::Admin, None, None)),
    ];
    for token in &roles {
        let resp = app.gql(token.as_deref(), INTROSPECTION, json!({})).await;
        assert!(resp["errors"].is_null(), "{resp}");
        let types = resp["data"]["__schema"]["types"].as_array().expect("types");
        let query = resp["data"]["__schema"]["queryType"]["name"].clone();
        assert!(types.iter().any(|t| t["name"] == query), "{query}");
        // Each type's fields carry descriptions (the Docs pane needs them).
        assert!(types.iter().any(|t| t["description"].is_string()));
    }
    // The press still sees no restricted type or field.
    let press = roles[2].as_deref();
    let resp = app.gql(press, INTROSPECTION, json!({})).await;
    let text = resp.to_string();
    for hidden in [
        "reporterName",
        "subjects",
        "customsRecords",
        "InvestigationRecord",
    ] {
        assert!(!text.contains(hidden), "press sees {hidden}");
    }
    // A user query as deep as the introspection query is still refused.
    let deep = "{ cases(first: 1) { nodes { leadAgency { parent { parent { parent { parent {
        parent { parent { parent { parent { parent { parent { code } } } } } } } } } } } } } }";
    let police = roles[1].as_deref();
    let resp = app.gql(police, deep, json!({})).await;
    assert_eq!(error_codes(&resp), ["BAD_USER_INPUT"], "{resp}");
    assert!(resp["data"].is_null());
}

/// graphql-js 16.9 `getIntrospectionQuery({ descriptions: true, specifiedByUrl: true,
/// directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true,
/// oneOf: true })`.
const INTROSPECTION: &str = r#"
    query IntrospectionQuery {
      __schema {
        description
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types { ...FullType }
        directives {
          name
          description
          isRepeatable
          locations
          args(includeDeprecated: true) { ...InputValue }
        }
      }
    }
    fragment FullType on __Type {
      kind
      name
      description
      specifiedByURL
      isOneOf
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) { ...InputValue }
        type { ...TypeRef }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      isDeprecated
      deprecationReason
    }
    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                    ofType {
                      kind
                      name
                      ofType {
                        kind
                        name
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
"#;
