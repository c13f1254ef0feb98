//! The depth limit, counted our way: introspection (`__schema`, `__type`) does not count, so
//! the standard introspection query of GraphiQL, graphql-js and every codegen tool works for
//! every role, while user queries stay limited. async-graphql's own `limit_depth` counts the
//! introspection query's nine levels of `ofType` and refuses it, and cannot be told otherwise.
//!
//! Also bounded here, before async-graphql's validation (which expands every fragment spread
//! in place, exponentially for fragments that spread each other): the number of fields once
//! fragments are expanded, and the number of aliases. Fragment depths and sizes are computed
//! once each (memoised), so a document costs time linear in its size, not in its expansion.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Request, ServerError, ServerResult};

pub struct DepthLimit {
    pub max_depth: usize,
    /// Fields in the document once every fragment spread is expanded in place.
    pub max_expanded_fields: usize,
    /// Aliased fields in the document.
    pub max_aliases: usize,
}

impl ExtensionFactory for DepthLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DepthLimitExt {
            max_depth: self.max_depth,
            max_expanded_fields: self.max_expanded_fields,
            max_aliases: self.max_aliases,
        })
    }
}

struct DepthLimitExt {
    max_depth: usize,
    max_expanded_fields: usize,
    max_aliases: usize,
}

/// Fields of a selection set with fragments expanded, computed with each fragment's size once
/// (memoised), saturating: fragments that each spread the next twice — 2^28 fields from 1 KB
/// — cost a few hundred additions here, and are refused before async-graphql's own
/// validation would expand them.
fn expanded(
    set: &SelectionSet,
    doc: &ExecutableDocument,
    memo: &mut HashMap<Name, Option<usize>>,
) -> usize {
    let mut total: usize = 0;
    for item in &set.items {
        let n = match &item.node {
            Selection::Field(f) => {
                1usize.saturating_add(expanded(&f.node.selection_set.node, doc, memo))
            }
            Selection::InlineFragment(inline) => {
                expanded(&inline.node.selection_set.node, doc, memo)
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                match memo.get(name) {
                    Some(Some(n)) => *n,
                    Some(None) => 0,
                    None => match doc.fragments.get(name) {
                        Some(fragment) => {
                            memo.insert(name.clone(), None);
                            let n = expanded(&fragment.node.selection_set.node, doc, memo);
                            memo.insert(name.clone(), Some(n));
                            n
                        }
                        None => 0,
                    },
                }
            }
        };
        total = total.saturating_add(n);
    }
    total
}

/// The largest operation of a document, in fields after fragment expansion.
pub fn document_expanded_fields(doc: &ExecutableDocument) -> usize {
    let mut memo = HashMap::new();
    doc.operations
        .iter()
        .map(|(_, op)| expanded(&op.node.selection_set.node, doc, &mut memo))
        .max()
        .unwrap_or(0)
}

/// Aliased fields written in the document (operations and fragments, as written).
pub fn document_aliases(doc: &ExecutableDocument) -> usize {
    fn count(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|i| match &i.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + count(&f.node.selection_set.node)
                }
                Selection::InlineFragment(inline) => count(&inline.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    doc.operations
        .iter()
        .map(|(_, op)| count(&op.node.selection_set.node))
        .chain(
            doc.fragments
                .values()
                .map(|f| count(&f.node.selection_set.node)),
        )
        .sum()
}

fn refusal(message: String) -> ServerError {
    crate::error::AppError::BadInput(message).into_server_error()
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
    /// Runs before async-graphql parses the request: its own parse step also checks the
    /// recursion depth and directives by walking fragments in place (exponential for
    /// fragments that spread each other), so the bounds must be checked first. The parsed
    /// document is kept on the request, so the query is parsed once.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // A syntax error is reported by the normal parse step, with its usual message.
        if let Ok(doc) = request.parsed_query() {
            let fields = document_expanded_fields(doc);
            if fields > self.max_expanded_fields {
                return Err(refusal(format!(
                    "the query selects too many fields once its fragments are expanded: more than {}",
                    self.max_expanded_fields
                )));
            }
            let aliases = document_aliases(doc);
            if aliases > self.max_aliases {
                return Err(refusal(format!(
                    "the query uses {aliases} aliases, at most {}",
                    self.max_aliases
                )));
            }
            let d = document_depth(doc);
            if d > self.max_depth {
                return Err(refusal(format!(
                    "the query is nested too deep: {d} levels, at most {}",
                    self.max_depth
                )));
            }
        }
        next.run(ctx, request).await
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
