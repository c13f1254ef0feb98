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

use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{Name, Request, ServerError, ServerResult};

/// The bounds of one document, checked first of all by the schema's
/// [`Pipeline`](crate::graphql::pipeline::Pipeline).
#[derive(Debug, Clone, Copy)]
pub struct DepthLimit {
    pub max_depth: usize,
    /// Fields in the document once every fragment spread is expanded in place.
    pub max_expanded_fields: usize,
    /// Aliased fields in the document.
    pub max_aliases: usize,
}

/// The deepest a request's text may nest brackets (`{`, `[`, `(`, outside strings and
/// comments): far beyond what a query within [`DepthLimit`] needs (the standard introspection
/// query nests 13 deep), far below what parsing and walking a document can recurse through.
pub const MAX_NESTING: usize = 64;

/// Whether `text` nests brackets deeper than [`MAX_NESTING`], read as GraphQL source (strings,
/// block strings and comments skipped) before anything parses it. Nothing bounded how deeply a
/// literal value nests: `tipStatus(trackingCode: [[[…]]])` 650 lists deep, 1.4 KB without a
/// token, overflowed the stack of the walk over argument values and aborted the whole process
/// (1 270 deep, async-graphql's parser itself: a review of stop 35). Linear in the text.
pub fn too_deep(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // An escaped triple quote inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return true;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// Refuses a request whose text nests too deep ([`too_deep`]), before it is parsed.
pub fn check_nesting(query: &str) -> ServerResult<()> {
    if too_deep(query) {
        return Err(refusal(format!(
            "the query nests brackets more than {MAX_NESTING} deep"
        )));
    }
    Ok(())
}

/// What is known of each fragment while measuring a document: its measure once computed;
/// `None` while it is being computed.
type Memo = HashMap<Name, Option<usize>>;

/// A measure of a selection set (its depth, its expanded size), computed over the document's
/// fragments with their measures kept in the memo.
type Measure = fn(&SelectionSet, &ExecutableDocument, &mut Memo) -> usize;

/// The `measure` of the fragment a spread names, computed once per document: a fragment being
/// computed (a cycle, which validation rejects afterwards) or unknown counts 0.
fn spread_measure(
    name: &Name,
    doc: &ExecutableDocument,
    memo: &mut Memo,
    measure: Measure,
) -> usize {
    match memo.get(name) {
        Some(Some(n)) => *n,
        Some(None) => 0,
        None => match doc.fragments.get(name) {
            Some(fragment) => {
                memo.insert(name.clone(), None);
                let n = measure(&fragment.node.selection_set.node, doc, memo);
                memo.insert(name.clone(), Some(n));
                n
            }
            None => 0,
        },
    }
}

/// The largest `measure` of the document's operations, fragments measured once for all.
fn largest_operation(doc: &ExecutableDocument, measure: Measure) -> usize {
    let mut memo = HashMap::new();
    doc.operations
        .iter()
        .map(|(_, op)| measure(&op.node.selection_set.node, doc, &mut memo))
        .max()
        .unwrap_or(0)
}

/// Fields of a selection set with fragments expanded, computed with each fragment's size once
/// (memoised), saturating: fragments that each spread the next twice — 2^28 fields from 1 KB
/// — cost a few hundred additions here, and are refused before async-graphql's own
/// validation would expand them.
fn expanded(set: &SelectionSet, doc: &ExecutableDocument, memo: &mut Memo) -> usize {
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
                spread_measure(&spread.node.fragment_name.node, doc, memo, expanded)
            }
        };
        total = total.saturating_add(n);
    }
    total
}

/// The largest operation of a document, in fields after fragment expansion.
pub fn document_expanded_fields(doc: &ExecutableDocument) -> usize {
    largest_operation(doc, expanded)
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

/// Lists of `__Type` an introspection path may pass once: each multiplies what it selects by
/// a type's members, and through `type` or `ofType` a member's type has members again
/// (`types { fields { type { fields { type { fields … } } } } }`).
const TYPE_MEMBERS: [&str; 5] = [
    "fields",
    "inputFields",
    "enumValues",
    "interfaces",
    "possibleTypes",
];

/// How deep introspection may go: the standard query of graphql-js nests `ofType` nine times
/// below `__schema { types { fields { args { type …`.
const INTROSPECTION_DEPTH: usize = 24;

/// `__type(name:)` lookups in one operation.
const TYPE_LOOKUPS: usize = 20;

/// What introspection costs against the caller's budget per minute: the whole schema, read
/// type by type, as a few hundred rows (a full `__schema` answers about as much as a page of
/// a hundred cases); one `__type` as a tenth of it (the mutation root's type alone answers
/// 36 KB: twenty of them were 721 KB charged 500, a review of stop 35).
const SCHEMA_COST: usize = 2_500;
const TYPE_COST: usize = 250;

/// The bounds of introspection, which the depth limit leaves out ([`depth`]): the whole
/// schema is one answer, so an operation asks for it once (`__schema` once, `__type` up to
/// [`TYPE_LOOKUPS`] times); inside it no alias (the same list twice under two names) and each
/// path passes at most one of a type's member lists ([`TYPE_MEMBERS`]) and one `args`. The
/// standard introspection query of GraphiQL, graphql-js and codegen tools asks exactly that;
/// an 8-alias document nesting `fields { type { ofType … } }` answered 13 MB for 26 KB, a
/// batch of three 40 MB (a review, stop 35). The document's expanded size was bounded first,
/// so walking its fragments in place is bounded too. Returns what the document's
/// introspection costs ([`SCHEMA_COST`], [`TYPE_COST`]): the cost analysis counts a meta-field
/// as nothing, and a caller past its budget could still read the schema again and again.
fn introspection(doc: &ExecutableDocument) -> Result<usize, String> {
    /// Checks an introspection selection `depth` levels down, `members` and `args` telling
    /// whether the path has passed a type's member list or an `args` already.
    fn inside<'a>(
        set: &'a SelectionSet,
        doc: &'a ExecutableDocument,
        depth: usize,
        (members, args): (bool, bool),
        open: &mut Vec<&'a Name>,
    ) -> Result<(), String> {
        if depth > INTROSPECTION_DEPTH {
            return Err(format!(
                "introspection is nested too deep: at most {INTROSPECTION_DEPTH} levels"
            ));
        }
        each_field(set, doc, open, &mut |f, open| {
            if f.alias.is_some() {
                return Err("introspection takes no aliases".into());
            }
            let name = f.name.node.as_str();
            let member = TYPE_MEMBERS.contains(&name);
            if (member && members) || (name == "args" && args) {
                return Err(format!(
                    "introspection lists `{name}` once on a path: a type's members are read \
                     once, from `__schema {{ types }}` or `__type`"
                ));
            }
            let passed = (members || member, args || name == "args");
            inside(&f.selection_set.node, doc, depth + 1, passed, open)
        })
    }
    let mut cost = 0usize;
    for (_, op) in doc.operations.iter() {
        let (mut schema, mut types) = (0, 0);
        each_field(
            &op.node.selection_set.node,
            doc,
            &mut vec![],
            &mut |f, open| {
                match f.name.node.as_str() {
                    "__schema" => schema += 1,
                    "__type" => types += 1,
                    _ => return Ok(()),
                }
                inside(&f.selection_set.node, doc, 1, (false, false), open)
            },
        )?;
        if schema > 1 {
            return Err("an operation asks for `__schema` once".into());
        }
        if types > TYPE_LOOKUPS {
            return Err(format!(
                "an operation looks up `__type` at most {TYPE_LOOKUPS} times"
            ));
        }
        cost = cost.max(schema * SCHEMA_COST + types * TYPE_COST);
    }
    Ok(cost)
}

/// Calls `visit` on each field a selection set selects at its own level, through inline
/// fragments and fragment spreads (a fragment already open on the way is skipped: a cycle,
/// which validation refuses afterwards). The walk is in place, so it is bounded by the
/// document's expanded size, checked before.
fn each_field<'a>(
    set: &'a SelectionSet,
    doc: &'a ExecutableDocument,
    open: &mut Vec<&'a Name>,
    visit: &mut impl FnMut(&'a Field, &mut Vec<&'a Name>) -> Result<(), String>,
) -> Result<(), String> {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => visit(&f.node, open)?,
            Selection::InlineFragment(inline) => {
                each_field(&inline.node.selection_set.node, doc, open, visit)?
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if let Some(fragment) = doc.fragments.get(name)
                    && !open.contains(&name)
                {
                    open.push(name);
                    each_field(&fragment.node.selection_set.node, doc, open, visit)?;
                    open.pop();
                }
            }
        }
    }
    Ok(())
}

/// A subscription selects one root field, written directly: not two (even under one
/// response key, which the spec would merge), not in a fragment, not an introspection field.
/// async-graphql runs each root selection of a subscription as a stream of its own and does
/// not merge them: 50 aliases of `caseChanged`, then 40 unaliased copies, delivered 50 and
/// 40 events and audit rows per case write; and a root field inside a fragment was answered
/// `complete` at once, never delivering (reviews of stop 35).
fn subscription_roots(doc: &ExecutableDocument) -> Result<(), String> {
    for (_, op) in doc.operations.iter() {
        if op.node.ty != async_graphql::parser::types::OperationType::Subscription {
            continue;
        }
        let one = match op.node.selection_set.node.items.as_slice() {
            [only] => match &only.node {
                Selection::Field(f) => !f.node.name.node.starts_with("__"),
                _ => false,
            },
            _ => false,
        };
        if !one {
            return Err(
                "a subscription selects exactly one root field, written directly \
                        (not in a fragment) and not an introspection field"
                    .into(),
            );
        }
    }
    Ok(())
}

fn refusal(message: String) -> ServerError {
    crate::error::AppError::BadInput(message).into_server_error()
}

/// Depth of a selection set, each fragment's depth computed once ([`spread_measure`]).
fn depth(set: &SelectionSet, doc: &ExecutableDocument, memo: &mut Memo) -> usize {
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
                spread_measure(&spread.node.fragment_name.node, doc, memo, depth)
            }
        };
        deepest = deepest.max(d);
    }
    deepest
}

/// The deepest operation of a document.
pub fn document_depth(doc: &ExecutableDocument) -> usize {
    largest_operation(doc, depth)
}

impl DepthLimit {
    /// Runs before async-graphql parses the request: its own parse step also checks the
    /// recursion depth and directives by walking fragments in place (exponential for
    /// fragments that spread each other), so the bounds must be checked first. The parsed
    /// document is kept on the request, so the query is parsed once. Returns what its
    /// introspection costs, for the caller's budget ([`introspection`]).
    pub fn check(&self, request: &mut Request) -> ServerResult<usize> {
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
            let cost = introspection(doc).map_err(refusal)?;
            subscription_roots(doc).map_err(refusal)?;
            return Ok(cost);
        }
        Ok(0)
    }
}

#[cfg(test)]
mod nesting_tests {
    use super::*;

    #[test]
    fn brackets_count_outside_strings_and_comments() {
        let deep = |n: usize| format!("{{ a(b: {}1{}) }}", "[".repeat(n), "]".repeat(n));
        assert!(!too_deep(&deep(MAX_NESTING - 3)));
        assert!(too_deep(&deep(MAX_NESTING)));
        assert!(too_deep(&deep(650)));
        // Brackets inside strings, block strings (an escaped triple quote included) and
        // comments are text.
        let inside = "[".repeat(200);
        for text in [
            format!("{{ a(b: \"{inside}\") }}"),
            format!("{{ a(b: \"\\\"{inside}\") }}"),
            format!("{{ a(b: \"\"\"x \\\"\"\" {inside}\"\"\") }}"),
            format!("# {inside}\n{{ a }}"),
        ] {
            assert!(!too_deep(&text), "{text}");
        }
        // Unbalanced closing brackets do not make room for deeper nesting.
        assert!(too_deep(&format!(
            "{}{}",
            "]".repeat(100),
            "[".repeat(MAX_NESTING + 1)
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::{document_depth, introspection, subscription_roots};

    fn doc(q: &str) -> async_graphql::parser::types::ExecutableDocument {
        async_graphql::parser::parse_query(q).expect("parses")
    }

    #[test]
    fn introspection_is_asked_once_per_path_and_without_aliases() {
        let standard = "query I { __schema { queryType { name } types { ...T } directives { name args { ...V } } } }
            fragment T on __Type { kind name fields(includeDeprecated: true) { name args { ...V } type { ...R } }
              inputFields { ...V } interfaces { ...R } enumValues(includeDeprecated: true) { name } possibleTypes { ...R } }
            fragment V on __InputValue { name type { ...R } defaultValue }
            fragment R on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
              kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }";
        assert_eq!(introspection(&doc(standard)), Ok(super::SCHEMA_COST));
        assert_eq!(
            introspection(&doc(
                "{ __type(name: \"Case\") { fields { name } } a: __type(name: \"Tip\") { name } }"
            )),
            Ok(2 * super::TYPE_COST)
        );
        assert_eq!(introspection(&doc("{ me { role } }")), Ok(0));
        for refused in [
            "{ __schema { types { name } } b: __schema { types { name } } }",
            "{ __schema { types { a: fields { name } b: fields { name } } } }",
            "{ __schema { types { fields { type { fields { name } } } } } }",
            "{ __schema { types { interfaces { possibleTypes { name } } } } }",
            "{ __schema { directives { args { type { fields { args { name } } } } } } }",
            "{ __schema { types { ...F } } } fragment F on __Type { fields { type { ...G } } } fragment G on __Type { inputFields { name } }",
        ] {
            assert!(introspection(&doc(refused)).is_err(), "{refused}");
        }
    }

    #[test]
    fn a_subscription_selects_one_root_field() {
        for ok in [
            "subscription { caseChanged { id } }",
            "subscription S { c: caseChanged(filter: { status: OPEN }) { id code } }",
            "query { a: me { role } b: me { role } }",
        ] {
            assert_eq!(subscription_roots(&doc(ok)), Ok(()), "{ok}");
        }
        for refused in [
            "subscription { a: caseChanged { id } b: caseChanged { id } }",
            "subscription { caseChanged { id } ... on Subscription { taskDue { id } } }",
            "subscription { __typename }",
            "subscription { caseChanged { id } __typename }",
            "subscription { caseChanged { id } caseChanged { id } }",
            "subscription { ...F } fragment F on Subscription { caseChanged { id } }",
            "subscription { ... on Subscription { caseChanged { id } } }",
        ] {
            assert!(subscription_roots(&doc(refused)).is_err(), "{refused}");
        }
    }

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
