//! The depth limit, counted our way: introspection (`__schema`, `__type`) does not count, so
//! the standard introspection query of GraphiQL, graphql-js and every codegen tool works for
//! every role, while user queries stay limited. async-graphql's own `limit_depth` counts the
//! introspection query's nine levels of `ofType` and refuses it, and cannot be told otherwise.
//!
//! Fragment depths are computed once each (memoised), so a document whose fragments spread
//! each other many times costs time linear in its size, not in its expansion.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Name, ServerError, ServerResult, Variables};

pub struct DepthLimit {
    pub max_depth: usize,
}

impl ExtensionFactory for DepthLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DepthLimitExt {
            max_depth: self.max_depth,
        })
    }
}

struct DepthLimitExt {
    max_depth: usize,
}

/// Depth of a selection set; `None` in `memo` marks a fragment being computed (a cycle, which
/// validation rejects afterwards, counts 0 here).
fn depth(
    set: &SelectionSet,
    doc: &ExecutableDocument,
    memo: &mut HashMap<Name, Option<usize>>,
) -> usize {
    let mut deepest = 0;
    for item in &set.items {
        let d = match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                if name == "__schema" || name == "__type" {
                    0
                } else {
                    1 + depth(&f.node.selection_set.node, doc, memo)
                }
            }
            Selection::InlineFragment(inline) => depth(&inline.node.selection_set.node, doc, memo),
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                match memo.get(name) {
                    Some(Some(d)) => *d,
                    Some(None) => 0,
                    None => match doc.fragments.get(name) {
                        Some(fragment) => {
                            memo.insert(name.clone(), None);
                            let d = depth(&fragment.node.selection_set.node, doc, memo);
                            memo.insert(name.clone(), Some(d));
                            d
                        }
                        None => 0,
                    },
                }
            }
        };
        deepest = deepest.max(d);
    }
    deepest
}

/// The deepest operation of a document.
pub fn document_depth(doc: &ExecutableDocument) -> usize {
    let mut memo = HashMap::new();
    doc.operations
        .iter()
        .map(|(_, op)| depth(&op.node.selection_set.node, doc, &mut memo))
        .max()
        .unwrap_or(0)
}

#[async_trait::async_trait]
impl Extension for DepthLimitExt {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let d = document_depth(&doc);
        if d > self.max_depth {
            let e = async_graphql::Error::new(format!(
                "the query is nested too deep: {d} levels, at most {}",
                self.max_depth
            ))
            .extend_with(|_, e| e.set("code", "BAD_USER_INPUT"));
            let mut err = ServerError::new(e.message, None);
            err.extensions = e.extensions;
            return Err(err);
        }
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::document_depth;

    fn depth_of(q: &str) -> usize {
        document_depth(&async_graphql::parser::parse_query(q).expect("parses"))
    }

    #[test]
    fn introspection_does_not_count_and_fragments_do() {
        assert_eq!(depth_of("{ a { b { c } } }"), 3);
        assert_eq!(
            depth_of(
                "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }"
            ),
            0
        );
        assert_eq!(depth_of("{ a { ...F } } fragment F on T { b { c } }"), 3);
        assert_eq!(depth_of("{ a { ... on T { b } } }"), 2);
    }

    #[test]
    fn fan_out_is_computed_once_per_fragment() {
        // Each fragment spreads the next twice: 2^40 expansions, 41 fragment bodies.
        let mut q = String::from("{ ...F0 }");
        for i in 0..40 {
            q.push_str(&format!(
                " fragment F{i} on Q {{ a {{ ...F{} ...F{} }} }}",
                i + 1,
                i + 1
            ));
        }
        q.push_str(" fragment F40 on Q { leaf }");
        assert_eq!(depth_of(&q), 41);
    }
}
