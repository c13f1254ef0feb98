//! The one place that makes responses look as the GraphQL spec says, whatever a resolver does
//! and whatever async-graphql 7 does upstream (issue #1549 there).
//!
//! async-graphql 7 resolves an object's fields concurrently and builds the object from the
//! ones that succeeded, in the order they *finished*: a field whose resolver failed (a
//! compartment refusal) is missing instead of `null`, an object whose fields all failed becomes
//! `null` itself, and keys come out in completion order. Normalised caches and typed clients
//! break on each of these. The schema's one extension ([`pipeline`](crate::graphql::pipeline))
//! hands every field's result to [`SpecResponse::field`]:
//!
//! - a failed **nullable** field resolves to `null`, its error kept (with its path) and added
//!   to the response at the end — the key is always present;
//! - a failed **non-null** field makes its parent `null` instead, bubbling up to the nearest
//!   nullable ancestor (or `data: null`), as the spec's null propagation requires;
//! - every object's keys are put in the order of its selection set (fragments expanded in
//!   place), and so is `data`.
//!
//! A value may also be JSON text written by its resolver ([`raw_json`]); it is left as written,
//! and [`to_json`] serialises responses with that text spliced in.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::ResolveInfo;
use async_graphql::parser::types::{
    ExecutableDocument, Field, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{
    ContextSelectionSet, Name, PathSegment, Positioned, QueryPathNode, QueryPathSegment, Response,
    ServerError, ServerResult, Value,
};

/// The response's shape for one request; the schema's
/// [`Pipeline`](crate::graphql::pipeline::Pipeline) holds one and hands it each field.
#[derive(Default)]
pub struct SpecResponse {
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

impl SpecResponse {
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

/// Marks a request whose response is serialised by [`to_json`], which writes JSON text
/// that a resolver wrote itself ([`raw_json`]) as it is. The HTTP handler adds it; a request
/// without it (a subscription, a test executing the schema) gets the text parsed into values.
pub struct SplicedJson;

/// This process's mark on the text [`raw_json`] carries: [`Splice`] writes as they are only the
/// bytes that begin with it, and any other bytes in a response as serde_json would. Random per
/// process, so no value from outside can carry it.
static MARK: std::sync::LazyLock<[u8; 16]> = std::sync::LazyLock::new(rand::random);

/// A buffer to write [`raw_json`]'s text into (its mark is already in it).
pub fn raw_text(capacity: usize) -> Vec<u8> {
    let mut text = Vec::with_capacity(MARK.len() + capacity);
    text.extend_from_slice(&*MARK);
    text
}

/// A resolver's value written as JSON text into a [`raw_text`] buffer: the executor's answer
/// for the field, keys in document order, nothing refused inside (nothing here looks into it).
/// Where the response is serialised by [`to_json`] the text is carried as bytes
/// (`Value::Binary`) and spliced in unchanged, neither checked nor copied again. Elsewhere,
/// and where async-graphql would have to merge the value with another selection of the same
/// response key ([`merges_values`]; it merges objects and lists, not bytes), it is parsed.
/// `None` when it is not a [`raw_text`] buffer or, parsed, not JSON: the caller then answers
/// through the executor.
pub fn raw_json(ctx: &ContextSelectionSet<'_>, text: Vec<u8>) -> Option<Value> {
    let spliced = ctx.data_opt::<SplicedJson>().is_some()
        && !merges_values(
            &ctx.query_env.operation.node.selection_set.node,
            &ctx.query_env.fragments,
        );
    carried(spliced, text)
}

fn carried(spliced: bool, text: Vec<u8>) -> Option<Value> {
    let json = text.strip_prefix(&*MARK)?;
    if spliced {
        Some(Value::Binary(text.into()))
    } else {
        serde_json::from_slice(json).ok()
    }
}

/// Whether some selection set of the operation selects a response key more than once,
/// fragments expanded: async-graphql then resolves each selection and merges their values.
/// Checked over the whole operation rather than the field's ancestors only; an operation that
/// repeats a key anywhere just does not have its text spliced.
fn merges_values(set: &SelectionSet, fragments: &Fragments) -> bool {
    let mut keys = Vec::new();
    for field in fields_of(set, fragments) {
        let key = &field.response_key().node;
        if keys.contains(&key) || merges_values(&field.selection_set.node, fragments) {
            return true;
        }
        keys.push(key);
    }
    false
}

/// A document's fragments by name, as the parser gives them.
pub type Fragments = std::collections::HashMap<Name, Positioned<FragmentDefinition>>;

/// The fields of a selection set in document order, fragments expanded in place, each named
/// fragment once (spread again, it adds the same fields; validation has refused cycles).
fn fields_of<'a>(set: &'a SelectionSet, fragments: &'a Fragments) -> Vec<&'a Field> {
    fn walk<'a>(
        set: &'a SelectionSet,
        fragments: &'a Fragments,
        seen: &mut HashSet<&'a Name>,
        out: &mut Vec<&'a Field>,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => out.push(&f.node),
                Selection::InlineFragment(inline) => {
                    walk(&inline.node.selection_set.node, fragments, seen, out)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if let Some(fragment) = fragments.get(name).filter(|_| seen.insert(name)) {
                        walk(&fragment.node.selection_set.node, fragments, seen, out)
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(set, fragments, &mut HashSet::new(), &mut out);
    out
}

/// serde_json's compact output, except that [`raw_json`]'s text (bytes that begin with
/// [`MARK`]) is written as it is.
struct Splice;

impl serde_json::ser::Formatter for Splice {
    fn write_byte_array<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: &[u8],
    ) -> std::io::Result<()> {
        match value.strip_prefix(&*MARK) {
            Some(json) => writer.write_all(json),
            None => serde_json::ser::CompactFormatter.write_byte_array(writer, value),
        }
    }
}

/// A response as JSON, with [`raw_json`]'s text spliced in.
pub fn to_json(response: &Response) -> serde_json::Result<Vec<u8>> {
    // Room for the spliced text and what surrounds it, so the buffer is not grown (and
    // copied) several times on the way to a page's 30 KB.
    let mut out = Vec::with_capacity(spliced_len(&response.data) + 1024);
    let mut json = serde_json::Serializer::with_formatter(&mut out, Splice);
    serde::Serialize::serialize(response, &mut json)?;
    Ok(out)
}

/// The length of the [`raw_json`] text in a value (the text itself is not walked).
fn spliced_len(value: &Value) -> usize {
    match value {
        Value::Binary(text) => text.len(),
        Value::List(items) => items.iter().map(spliced_len).sum(),
        Value::Object(map) => map.values().map(spliced_len).sum(),
        _ => 0,
    }
}

/// Response keys of a selection set in document order, fragments expanded in place.
fn response_keys(set: &SelectionSet, fragments: &Fragments) -> Vec<Name> {
    let mut keys: Vec<Name> = Vec::new();
    for field in fields_of(set, fragments) {
        let key = &field.response_key().node;
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    keys
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

/// What the response shape needs of a field, read before the field resolves (its
/// [`ResolveInfo`] goes to the resolver).
pub struct FieldShape<'a> {
    path_node: &'a QueryPathNode<'a>,
    selection: &'a SelectionSet,
    nullable: bool,
    item_nullable: Option<bool>,
    /// async-graphql also resolves each item of a list as a "field", with the item type always
    /// written non-null; the list field itself decides about its items.
    list_item: bool,
}

impl<'a> FieldShape<'a> {
    pub fn of(info: &ResolveInfo<'a>) -> Self {
        let (nullable, item_nullable) = nullability(info.return_type);
        FieldShape {
            path_node: info.path_node,
            selection: &info.field.selection_set.node,
            nullable,
            item_nullable,
            list_item: matches!(info.path_node.segment, QueryPathSegment::Index(_)),
        }
    }
}

impl SpecResponse {
    /// A field's result as the spec says: an error becomes `null` here or at the nearest
    /// nullable ancestor, and an object's keys come in selection order.
    pub fn field(
        &self,
        shape: FieldShape<'_>,
        result: ServerResult<Option<Value>>,
    ) -> ServerResult<Option<Value>> {
        let path_node = shape.path_node;
        match result {
            Err(e) => {
                self.stash(e);
                if shape.list_item {
                    self.poison(path_of(path_node));
                    return Ok(Some(Value::Null));
                }
                self.null_field(shape.nullable, &path_of(path_node))
            }
            Ok(Some(value)) if shape.list_item => Ok(Some(value)),
            Ok(Some(mut value)) => {
                if self.has_poison() {
                    let path = path_of(path_node);
                    if self.take_poison(&path, shape.item_nullable, &mut value) {
                        return self.null_field(shape.nullable, &path);
                    }
                }
                let selection = shape.selection;
                if !selection.items.is_empty() && !in_document_order(&value, selection) {
                    if let Some(doc) = self.fragments() {
                        reorder(&mut value, &response_keys(selection, &doc.fragments));
                    }
                }
                Ok(Some(value))
            }
            Ok(None) => Ok(None),
        }
    }

    /// The whole response: `data: null` when a non-null root field failed, `data`'s keys in
    /// selection order, and the errors of the fields nulled here.
    pub fn response(&self, operation_name: Option<&str>, mut resp: Response) -> Response {
        let root_poisoned = Self::lock(&self.poisoned).iter().any(|p| p.is_empty());
        if root_poisoned {
            resp.data = Value::Null;
        } else if let Some(doc) = self.fragments() {
            if let Some((_, op)) = crate::graphql::operation::chosen(&doc, operation_name) {
                let keys = response_keys(&op.node.selection_set.node, &doc.fragments);
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
    use super::{carried, merges_values, nullability, raw_text, to_json};
    use async_graphql::parser::types::DocumentOperations;
    use async_graphql::{Name, Value};

    #[test]
    fn written_json_is_spliced_in_or_parsed() {
        let text = r#"[{"id":"1","name":"Nguy\u1ec5n \"Văn\" A","n":1.5,"k":null}]"#;
        let mut data = async_graphql::indexmap::IndexMap::new();
        data.insert(Name::new("before"), Value::from(1));
        let written = || {
            let mut buffer = raw_text(text.len());
            buffer.extend_from_slice(text.as_bytes());
            buffer
        };
        let spliced = carried(true, written()).expect("carried");
        assert!(matches!(spliced, Value::Binary(_)));
        data.insert(Name::new("nodes"), spliced);
        data.insert(Name::new("after"), Value::from("x"));
        let response = async_graphql::Response::new(Value::Object(data));
        let out = to_json(&response).expect("json");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            format!(r#"{{"data":{{"before":1,"nodes":{text},"after":"x"}}}}"#)
        );
        // Parsed where the response is serialised some other way: the same JSON.
        let parsed = carried(false, written()).expect("parsed");
        let again: serde_json::Value = serde_json::to_value(&parsed).expect("json");
        let want: serde_json::Value = serde_json::from_str(text).expect("json");
        assert_eq!(again, want);
        let mut broken = raw_text(2);
        broken.extend_from_slice(b"[{");
        assert_eq!(carried(false, broken), None);
        // Text without the mark is not carried; other bytes are written as serde_json would.
        assert_eq!(carried(true, text.as_bytes().to_vec()), None);
        let bytes = async_graphql::Response::new(Value::Binary(b"[1]".to_vec().into()));
        assert_eq!(to_json(&bytes).expect("json"), br#"{"data":[91,49,93]}"#);
    }

    #[test]
    fn a_key_selected_twice_anywhere_is_merged() {
        let merges = |query: &str| {
            let doc = async_graphql::parser::parse_query(query).expect("a document");
            let DocumentOperations::Single(op) = &doc.operations else {
                panic!("one operation")
            };
            merges_values(&op.node.selection_set.node, &doc.fragments)
        };
        assert!(!merges(
            "{ cases { nodes { id code } pageInfo { hasNextPage } } }"
        ));
        assert!(!merges(
            "{ a: cases { nodes { id } } b: cases { nodes { id } } }"
        ));
        assert!(!merges(
            "{ cases { ...F } } fragment F on CaseConnection { nodes { id } }"
        ));
        assert!(merges("{ cases { nodes { id } nodes { code } } }"));
        assert!(merges(
            "{ cases { nodes { id } } cases { nodes { code } } }"
        ));
        assert!(merges(
            "{ cases { nodes { id } ...F } } fragment F on CaseConnection { nodes { title } }"
        ));
        assert!(merges("{ cases { nodes { id } ... { nodes { code } } } }"));
        assert!(merges("{ cases { nodes { leadAgency { code code } } } }"));
    }

    #[test]
    fn reads_nullability_of_types() {
        assert_eq!(nullability("Case"), (true, None));
        assert_eq!(nullability("Case!"), (false, None));
        assert_eq!(nullability("[Case!]"), (true, Some(false)));
        assert_eq!(nullability("[Case]!"), (false, Some(true)));
    }
}
