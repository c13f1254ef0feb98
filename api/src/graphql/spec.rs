//! The one place that makes responses look as the GraphQL spec says, whatever a resolver does
//! and whatever async-graphql 7 does upstream (issue #1549 there).
//!
//! async-graphql 7 resolves an object's fields concurrently and builds the object from the
//! ones that succeeded, in the order they *finished*: a field whose resolver failed (a
//! compartment refusal) is missing instead of `null`, an object whose fields all failed becomes
//! `null` itself, and keys come out in completion order. Normalised caches and typed clients
//! break on each of these. This extension wraps every field:
//!
//! - a failed **nullable** field resolves to `null`, its error kept (with its path) and added
//!   to the response at the end — the key is always present;
//! - a failed **non-null** field makes its parent `null` instead, bubbling up to the nearest
//!   nullable ancestor (or `data: null`), as the spec's null propagation requires;
//! - every object's keys are put in the order of its selection set (fragments expanded in
//!   place), and so is `data`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextResolve,
    ResolveInfo,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{
    Name, PathSegment, Positioned, QueryPathNode, QueryPathSegment, Response, ServerError,
    ServerResult, Value, Variables,
};

/// Registers [`SpecResponseExt`] per request, on its own (the server's schema holds it inside
/// its [`Pipeline`](crate::graphql::pipeline::Pipeline)).
pub struct SpecResponse;

impl ExtensionFactory for SpecResponse {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SpecResponseExt::default())
    }
}

/// One per request.
#[derive(Default)]
pub struct SpecResponseExt {
    doc: Mutex<Option<Arc<ExecutableDocument>>>,
    /// Errors of fields turned into `null` here (async-graphql never saw them).
    errors: Mutex<Vec<ServerError>>,
    /// Paths of objects (or list items) that must become `null` because a non-null field in
    /// them failed; resolved by the ancestor that owns the path when it completes.
    poisoned: Mutex<Vec<Vec<PathSegment>>>,
}

fn path_of(node: &QueryPathNode<'_>) -> Vec<PathSegment> {
    let mut segments = Vec::new();
    let mut cur = Some(node);
    while let Some(n) = cur {
        segments.push(match n.segment {
            QueryPathSegment::Index(i) => PathSegment::Index(i),
            QueryPathSegment::Name(s) => PathSegment::Field(s.to_string()),
        });
        cur = n.parent;
    }
    segments.reverse();
    segments
}

/// `[Case!]!` → (nullable field?, nullable items? if a list).
fn nullability(ty: &str) -> (bool, Option<bool>) {
    let nullable = !ty.ends_with('!');
    let inner = ty.trim_end_matches('!');
    let item = inner
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .map(|item| !item.ends_with('!'));
    (nullable, item)
}

impl SpecResponseExt {
    /// Keeps the parsed document: its fragments give each object's key order.
    pub fn keep(&self, doc: &ExecutableDocument) {
        *Self::lock(&self.doc) = Some(Arc::new(doc.clone()));
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn stash(&self, e: ServerError) {
        Self::lock(&self.errors).push(e);
    }

    fn poison(&self, path: Vec<PathSegment>) {
        Self::lock(&self.poisoned).push(path);
    }

    /// This field failed or was nulled: `null` here if it may be, else its parent is poisoned.
    fn null_field(&self, nullable: bool, path: &[PathSegment]) -> ServerResult<Option<Value>> {
        if !nullable {
            self.poison(path[..path.len().saturating_sub(1)].to_vec());
        }
        Ok(Some(Value::Null))
    }

    /// Applies poison addressed to this field (its own path, or one of its list items).
    /// Returns `true` when the field's value itself must become null.
    fn take_poison(
        &self,
        path: &[PathSegment],
        item_nullable: Option<bool>,
        value: &mut Value,
    ) -> bool {
        let mut poisoned = Self::lock(&self.poisoned);
        if poisoned.is_empty() {
            return false;
        }
        let mut whole = false;
        poisoned.retain(|p| {
            if p.as_slice() == path {
                whole = true;
                return false;
            }
            if p.len() == path.len() + 1 && p.starts_with(path) {
                if let (Some(PathSegment::Index(i)), Value::List(items)) = (p.last(), &mut *value) {
                    match item_nullable {
                        Some(true) => {
                            if let Some(item) = items.get_mut(*i) {
                                *item = Value::Null;
                            }
                        }
                        _ => whole = true,
                    }
                    return false;
                }
            }
            true
        });
        whole
    }

    fn has_poison(&self) -> bool {
        !Self::lock(&self.poisoned).is_empty()
    }

    fn fragments(&self) -> Option<Arc<ExecutableDocument>> {
        Self::lock(&self.doc).clone()
    }
}

/// Response keys of a selection set in document order, fragments expanded in place.
fn response_keys(
    set: &SelectionSet,
    doc: &ExecutableDocument,
    keys: &mut Vec<Name>,
    seen_fragments: &mut HashSet<Name>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let key = f.node.response_key().node.clone();
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            Selection::InlineFragment(inline) => {
                response_keys(&inline.node.selection_set.node, doc, keys, seen_fragments)
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if seen_fragments.insert(name.clone()) {
                    let fragment: Option<&Positioned<FragmentDefinition>> = doc.fragments.get(name);
                    if let Some(fragment) = fragment {
                        response_keys(&fragment.node.selection_set.node, doc, keys, seen_fragments);
                    }
                }
            }
        }
    }
}

/// Whether an object (or each object of a list) already holds exactly the plain fields of `set`,
/// in document order: the common case, checked without allocating or taking the document's
/// lock, so only selections with fragments or repeated keys pay for [`reorder`].
fn in_document_order(value: &Value, set: &SelectionSet) -> bool {
    match value {
        Value::Object(map) => {
            map.len() == set.items.len()
                && map
                    .keys()
                    .zip(&set.items)
                    .all(|(key, item)| match &item.node {
                        Selection::Field(f) => f.node.response_key().node == *key,
                        _ => false,
                    })
        }
        Value::List(items) => items.iter().all(|i| in_document_order(i, set)),
        _ => true,
    }
}

/// Puts the keys of an object (or of each object in a list) in `keys` order.
fn reorder(value: &mut Value, keys: &[Name]) {
    match value {
        Value::Object(map) => {
            if map
                .keys()
                .zip(keys.iter().filter(|k| map.contains_key(*k)))
                .all(|(a, b)| a == b)
            {
                return;
            }
            let mut old = std::mem::take(map);
            for k in keys {
                if let Some(v) = old.swap_remove(k) {
                    map.insert(k.clone(), v);
                }
            }
            map.extend(old);
        }
        Value::List(items) => items.iter_mut().for_each(|i| reorder(i, keys)),
        _ => {}
    }
}

#[async_trait::async_trait]
impl Extension for SpecResponseExt {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        self.keep(&doc);
        Ok(doc)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let (nullable, item_nullable) = nullability(info.return_type);
        let path_node = info.path_node;
        let selection = &info.field.selection_set.node;
        // async-graphql also calls this for each item of a list, with the item type always
        // written non-null; the list field itself decides about its items (below).
        let list_item = matches!(path_node.segment, QueryPathSegment::Index(_));
        match next.run(ctx, info).await {
            Err(e) => {
                self.stash(e);
                if list_item {
                    self.poison(path_of(path_node));
                    return Ok(Some(Value::Null));
                }
                self.null_field(nullable, &path_of(path_node))
            }
            Ok(Some(value)) if list_item => Ok(Some(value)),
            Ok(Some(mut value)) => {
                if self.has_poison() {
                    let path = path_of(path_node);
                    if self.take_poison(&path, item_nullable, &mut value) {
                        return self.null_field(nullable, &path);
                    }
                }
                if !selection.items.is_empty() && !in_document_order(&value, selection) {
                    if let Some(doc) = self.fragments() {
                        let mut keys = Vec::new();
                        response_keys(selection, &doc, &mut keys, &mut HashSet::new());
                        reorder(&mut value, &keys);
                    }
                }
                Ok(Some(value))
            }
            Ok(None) => Ok(None),
        }
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut resp = next.run(ctx, operation_name).await;
        let root_poisoned = Self::lock(&self.poisoned).iter().any(|p| p.is_empty());
        if root_poisoned {
            resp.data = Value::Null;
        } else if let Some(doc) = self.fragments() {
            let operation = match &doc.operations {
                DocumentOperations::Single(op) => Some(op),
                DocumentOperations::Multiple(ops) => operation_name
                    .and_then(|n| ops.get(n))
                    .or_else(|| (ops.len() == 1).then(|| ops.values().next()).flatten()),
            };
            if let Some(op) = operation {
                let mut keys = Vec::new();
                response_keys(
                    &op.node.selection_set.node,
                    &doc,
                    &mut keys,
                    &mut HashSet::new(),
                );
                reorder(&mut resp.data, &keys);
            }
        }
        let stashed = std::mem::take(&mut *Self::lock(&self.errors));
        resp.errors.extend(stashed);
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::{SpecResponse, nullability};
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    struct Query;
    struct Obj;

    #[Object]
    impl Obj {
        async fn good(&self) -> i32 {
            1
        }
        /// Non-null and failing: the object must become null.
        async fn bad(&self) -> async_graphql::Result<i32> {
            Err("refused".into())
        }
        /// Nullable and failing: null in place.
        async fn soft(&self) -> async_graphql::Result<Option<i32>> {
            Err("refused".into())
        }
    }

    #[Object]
    impl Query {
        async fn obj(&self) -> Option<Obj> {
            Some(Obj)
        }
        async fn objs(&self) -> Vec<Obj> {
            vec![Obj, Obj]
        }
        async fn maybe_objs(&self) -> Vec<Option<Obj>> {
            vec![Some(Obj), Some(Obj)]
        }
        async fn must(&self) -> Obj {
            Obj
        }
    }

    async fn run(q: &str) -> serde_json::Value {
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(SpecResponse)
            .finish();
        serde_json::to_value(schema.execute(q).await).expect("json")
    }

    #[tokio::test]
    async fn nullable_errors_are_null_in_place() {
        let r = run("{ obj { soft good } }").await;
        assert_eq!(
            r["data"],
            serde_json::json!({ "obj": { "soft": null, "good": 1 } })
        );
        assert_eq!(r["errors"][0]["path"], serde_json::json!(["obj", "soft"]));
    }

    #[tokio::test]
    async fn non_null_errors_bubble_to_the_nearest_nullable_parent() {
        let r = run("{ obj { good bad } maybeObjs { bad } }").await;
        assert_eq!(
            r["data"],
            serde_json::json!({ "obj": null, "maybeObjs": [null, null] })
        );
        assert_eq!(r["errors"].as_array().map(Vec::len), Some(3));
        // `[Obj!]!` has no nullable level below the root: `data` is null.
        let r = run("{ obj { good } objs { bad } }").await;
        assert!(r["data"].is_null(), "{r}");
        let r = run("{ must { bad } }").await;
        assert!(r["data"].is_null(), "{r}");
    }

    #[test]
    fn reads_nullability_of_types() {
        assert_eq!(nullability("Case"), (true, None));
        assert_eq!(nullability("Case!"), (false, None));
        assert_eq!(nullability("[Case!]"), (true, Some(false)));
        assert_eq!(nullability("[Case]!"), (false, Some(true)));
    }
}
