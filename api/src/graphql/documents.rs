//! Parsed documents kept by their text, as Apollo Server's document store keeps them.
//!
//! Clients send the same few documents over and over (a frontend's queries, the registered
//! documents), and async-graphql parses each request's text anew: on the case list the parse
//! (a pest grammar) was ~3 % of the server's CPU (issue 11), where a copy of the kept tree
//! costs a fraction of it. A document is kept only once it has parsed and passed the bounds of
//! [`limits`](crate::graphql::limits), and each request still gets its own copy (the executor
//! consumes it) and goes through every check after the parse as before: the cache changes
//! what the parse costs, never what a request may do.
//!
//! Each signed-in viewer has their own documents (the key is the token's subject and role
//! with the text), and anonymous requests are never kept. A document's text can hold
//! restricted values as literals — a subject's name in a filter, a tip's words — and a kept
//! document answers sooner than a new one: shared between viewers, the time of a parse would
//! tell one client what another had asked.
//!
//! The cache is bounded by the size of the texts it keeps (a parsed tree is some ten times its
//! text): 1 MiB of documents, far above what the frontends send, so a client sending a new
//! document with every request evicts others but cannot grow the process.
//!
//! **Validations kept too.** async-graphql validates every request's document against the
//! schema (its 22 rules, then the complexity our cost is charged by): 3.5 % of the server's CPU
//! on the case list (issue 11, stop 29). That check is a function of the schema, the document,
//! the operation's name and the variables' values alone, so its result is kept under those
//! (with the viewer, as above) and a request that matches all of them is given it instead of a
//! new run. Only a passed validation is kept; the cost is still charged and the unseen fields
//! still reported for every request (`pipeline.rs`). Variables of more than
//! [`MAX_VARIABLES_BYTES`] as JSON, or an operation name over [`MAX_OPERATION_NAME_BYTES`], are
//! not kept (a key that size is rare and would crowd others); the keys count against their own
//! 1 MiB.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ValidationResult};
use moka::future::Cache;

use crate::graphql::context::RequestCtx;

/// The bytes of document text the cache holds at most (and of validation keys, apart).
const MAX_TEXT_BYTES: u64 = 1024 * 1024;

/// The largest variables, as JSON text, whose validation is kept.
pub const MAX_VARIABLES_BYTES: usize = 1024;

/// The longest operation name whose validation is kept (a frontend's are a few words).
pub const MAX_OPERATION_NAME_BYTES: usize = 128;

/// The process's parsed documents, by viewer and text, and their validations, by viewer, text,
/// operation and variables (one of each for every request).
#[derive(Clone)]
pub struct Documents {
    parsed: Cache<String, Arc<ExecutableDocument>>,
    validated: Cache<String, ValidationResult>,
}

/// A cache weighed by its keys' bytes, at most [`MAX_TEXT_BYTES`] of them.
fn bounded<V: Clone + Send + Sync + 'static>() -> Cache<String, V> {
    Cache::builder()
        .weigher(|key: &String, _| u32::try_from(key.len()).unwrap_or(u32::MAX))
        .max_capacity(MAX_TEXT_BYTES)
        .build()
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            parsed: bounded(),
            validated: bounded(),
        }
    }
}

/// The cache key of a request's document: its viewer (subject and role) and its text; `None`
/// for an anonymous request, whose documents are not kept.
fn key(request: &Request) -> Option<String> {
    let viewer = RequestCtx::of(request)?.viewer.as_ref()?;
    // The subject is length-prefixed: no subject can end where another's text begins.
    Some(format!(
        "{:?} {} {}\n{}",
        viewer.role,
        viewer.sub.len(),
        viewer.sub,
        request.query
    ))
}

impl Documents {
    /// Gives the request a copy of its document when one is kept for its viewer; `false` when
    /// none is (the request then parses its text as usual).
    pub async fn lend(&self, request: &mut Request) -> bool {
        let Some(key) = key(request) else {
            return false;
        };
        match self.parsed.get(&key).await {
            Some(doc) => {
                request.set_parsed_query(ExecutableDocument::clone(&doc));
                true
            }
            None => false,
        }
    }

    /// Keeps the request's document for its viewer, if it parsed (call it once the document
    /// is within bounds).
    pub async fn keep(&self, request: &mut Request) {
        if request.query.len() as u64 > MAX_TEXT_BYTES / 16 {
            return; // rare and large: not worth a sixteenth of the cache
        }
        let Some(key) = key(request) else {
            return;
        };
        if let Ok(doc) = request.parsed_query() {
            let doc = Arc::new(doc.clone());
            self.parsed.insert(key, doc).await;
        }
    }

    /// The key of the request's validation: its document's key, operation name and variables;
    /// `None` when it is not kept (anonymous, variables over [`MAX_VARIABLES_BYTES`], or an
    /// operation name over [`MAX_OPERATION_NAME_BYTES`]).
    pub fn validation_key(request: &Request) -> Option<String> {
        let document = key(request)?;
        let variables = serde_json::to_string(&request.variables).ok()?;
        if variables.len() > MAX_VARIABLES_BYTES {
            return None;
        }
        // No operation name and an empty one validate differently (async-graphql checks
        // variables only in the operation it will run, and `""` names none), so they differ
        // here: `-` for none, else the name after its length (a name cannot run into the
        // variables). The text may hold anything, so it ends the key, after its length.
        let operation = match request.operation_name.as_deref() {
            None => "-".to_string(),
            Some(name) if name.len() <= MAX_OPERATION_NAME_BYTES => {
                format!("{} {name}", name.len())
            }
            Some(_) => return None,
        };
        Some(format!(
            "{operation} {variables}\n{} {document}",
            document.len()
        ))
    }

    /// The validation kept under `key`, if any.
    pub async fn validated(&self, key: &str) -> Option<ValidationResult> {
        self.validated.get(key).await
    }

    /// Keeps a validation the request passed.
    pub async fn keep_validated(&self, key: String, result: ValidationResult) {
        self.validated.insert(key, result).await;
    }
}

#[cfg(test)]
mod tests {
    use super::Documents;
    use crate::auth::{Role, Viewer};
    use crate::graphql::context::RequestCtx;
    use async_graphql::Request;

    /// A request of `text` by `sub` in `role` (anonymous when `sub` is `None`).
    fn request(text: &str, viewer: Option<(&str, Role)>) -> Request {
        Request::new(text).data(RequestCtx {
            viewer: viewer.map(|(sub, role)| Viewer {
                sub: sub.into(),
                role,
                agency_id: None,
                agency_code: None,
                commune_id: None,
                commune_code: None,
            }),
            request_id: "test".into(),
            client_ip: None,
            reads: Default::default(),
        })
    }

    #[tokio::test]
    async fn a_kept_document_is_lent_to_the_same_viewers_next_request_with_the_same_text() {
        let docs = Documents::default();
        let text = "query A { a b { c } }";
        let alice = Some(("alice", Role::Police));
        let mut first = request(text, alice);
        assert!(!docs.lend(&mut first).await, "nothing kept yet");
        docs.keep(&mut first).await;
        let mut again = request(text, alice);
        assert!(docs.lend(&mut again).await);
        let lent = format!("{:?}", again.parsed_query().expect("lent"));
        let parsed = format!("{:?}", Request::new(text).parsed_query().expect("parses"));
        assert_eq!(lent, parsed, "the same tree as a parse of the text");
        // Another text is not served the kept tree.
        assert!(
            !docs
                .lend(&mut request("query A { a b { d } }", alice))
                .await
        );
    }

    /// A text may hold restricted literals: whether it was sent before must not show to
    /// another viewer (a kept document answers sooner), nor across anonymous requests.
    #[tokio::test]
    async fn documents_are_kept_per_viewer_and_never_for_anonymous_requests() {
        let docs = Documents::default();
        let text = r#"{ cases(first: 5, filter: { subjectName: "Nguyễn Văn A" }) { totalCount } }"#;
        docs.keep(&mut request(text, Some(("alice", Role::Police))))
            .await;
        for other in [
            Some(("bob", Role::Police)),
            Some(("alice", Role::Customs)),
            None,
        ] {
            assert!(!docs.lend(&mut request(text, other)).await, "{other:?}");
        }
        docs.keep(&mut request(text, None)).await;
        assert!(!docs.lend(&mut request(text, None)).await, "anonymous");
    }

    /// A kept validation answers only the same viewer, text, operation and variables.
    #[tokio::test]
    async fn a_validation_is_kept_per_viewer_text_operation_and_variables() {
        use async_graphql::{CacheControl, ValidationResult, Variables};
        use serde_json::json;
        let docs = Documents::default();
        let text = "query A($n: Int) { a(n: $n) } query B { b }";
        let alice = Some(("alice", Role::Police));
        let ask = |text: &str, viewer, op: Option<&str>, vars: serde_json::Value| {
            let r = request(text, viewer).variables(Variables::from_json(vars));
            match op {
                Some(op) => r.operation_name(op),
                None => r,
            }
        };
        let key = Documents::validation_key(&ask(text, alice, Some("A"), json!({ "n": 1 })))
            .expect("a viewer's request with small variables has a key");
        let passed = ValidationResult {
            cache_control: CacheControl::default(),
            complexity: 7,
            depth: 2,
        };
        docs.keep_validated(key.clone(), passed).await;
        let kept = docs.validated(&key).await.expect("kept");
        assert_eq!((kept.complexity, kept.depth), (7, 2));
        let same = Documents::validation_key(&ask(text, alice, Some("A"), json!({ "n": 1 })));
        assert_eq!(same.as_deref(), Some(key.as_str()));
        for other in [
            ask(text, alice, Some("A"), json!({ "n": 2 })),
            ask(text, alice, Some("A"), json!({})),
            ask(text, alice, Some("B"), json!({ "n": 1 })),
            ask(text, alice, None, json!({ "n": 1 })),
            ask(text, alice, Some(""), json!({ "n": 1 })),
            ask(
                text,
                Some(("bob", Role::Police)),
                Some("A"),
                json!({ "n": 1 }),
            ),
            ask(
                text,
                Some(("alice", Role::Customs)),
                Some("A"),
                json!({ "n": 1 }),
            ),
            ask(
                "query A($n: Int) { a(n: $n) }",
                alice,
                Some("A"),
                json!({ "n": 1 }),
            ),
        ] {
            let k = Documents::validation_key(&other).expect("a key");
            assert_ne!(k, key);
            assert!(docs.validated(&k).await.is_none(), "{k}");
        }
        // Anonymous requests and large variables are never kept.
        assert!(
            Documents::validation_key(&ask(text, None, Some("A"), json!({ "n": 1 }))).is_none()
        );
        let large = json!({ "n": 1, "s": "x".repeat(super::MAX_VARIABLES_BYTES) });
        assert!(Documents::validation_key(&ask(text, alice, Some("A"), large)).is_none());
        let long = "A".repeat(super::MAX_OPERATION_NAME_BYTES + 1);
        assert!(Documents::validation_key(&ask(text, alice, Some(&long), json!({}))).is_none());
        // No operation name and an empty one are not the same request.
        assert_ne!(
            Documents::validation_key(&ask(text, alice, None, json!({}))),
            Documents::validation_key(&ask(text, alice, Some(""), json!({})))
        );
    }

    #[tokio::test]
    async fn a_document_that_does_not_parse_is_not_kept() {
        let docs = Documents::default();
        let alice = Some(("alice", Role::Police));
        docs.keep(&mut request("query { a ", alice)).await;
        assert!(!docs.lend(&mut request("query { a ", alice)).await);
    }
}
