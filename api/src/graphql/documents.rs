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
//! The cache is bounded by the size of the texts it keeps (a parsed tree is some ten times its
//! text): 1 MiB of documents, far above what a frontend sends, so a client sending a new
//! document with every request evicts others but cannot grow the process.

use std::sync::Arc;

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;
use moka::future::Cache;

/// The bytes of document text the cache holds at most.
const MAX_TEXT_BYTES: u64 = 1024 * 1024;

/// The process's parsed documents, by their text (shared by every request).
#[derive(Clone)]
pub struct Documents(Cache<String, Arc<ExecutableDocument>>);

impl Default for Documents {
    fn default() -> Self {
        Self(
            Cache::builder()
                .weigher(|text: &String, _| u32::try_from(text.len()).unwrap_or(u32::MAX))
                .max_capacity(MAX_TEXT_BYTES)
                .build(),
        )
    }
}

impl Documents {
    /// Gives the request a copy of its document when one is kept; `false` when none is (the
    /// request then parses its text as usual).
    pub async fn lend(&self, request: &mut Request) -> bool {
        match self.0.get(request.query.as_str()).await {
            Some(doc) => {
                request.set_parsed_query(ExecutableDocument::clone(&doc));
                true
            }
            None => false,
        }
    }

    /// Keeps the request's document, if it parsed (call it once the document is within bounds).
    pub async fn keep(&self, request: &mut Request) {
        if request.query.len() as u64 > MAX_TEXT_BYTES / 16 {
            return; // rare and large: not worth a sixteenth of the cache
        }
        if let Ok(doc) = request.parsed_query() {
            let doc = Arc::new(doc.clone());
            self.0.insert(request.query.clone(), doc).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Documents;
    use async_graphql::Request;

    #[tokio::test]
    async fn a_kept_document_is_lent_to_the_next_request_with_the_same_text() {
        let docs = Documents::default();
        let text = "query A { a b { c } }";
        let mut first = Request::new(text);
        assert!(!docs.lend(&mut first).await, "nothing kept yet");
        docs.keep(&mut first).await;
        let mut again = Request::new(text);
        assert!(docs.lend(&mut again).await);
        let lent = format!("{:?}", again.parsed_query().expect("lent"));
        let parsed = format!("{:?}", Request::new(text).parsed_query().expect("parses"));
        assert_eq!(lent, parsed, "the same tree as a parse of the text");
        // Another text is not served the kept tree.
        assert!(!docs.lend(&mut Request::new("query A { a b { d } }")).await);
    }

    #[tokio::test]
    async fn a_document_that_does_not_parse_is_not_kept() {
        let docs = Documents::default();
        let mut bad = Request::new("query { a ");
        docs.keep(&mut bad).await;
        assert!(!docs.lend(&mut Request::new("query { a ")).await);
    }
}
