//! Values of the scalars whose validity async-graphql leaves to execution, checked before
//! anything runs.
//!
//! Validation checks every argument against its type, calling each scalar's
//! `ScalarType::is_valid`; chrono's `NaiveDate` and `DateTime<Utc>` are async-graphql's own
//! impls and leave it at its default (everything valid), so a malformed date was found only
//! when its field resolved. In a mutation of two fields, the first had then committed before
//! the second's `detectedOn: "2026-13-45"` was refused, under a `data: null` (the contract
//! review of stop 31). Our own scalars say it themselves (`Vnd::is_valid`); for these two the
//! request's document is walked here — each argument against the registry's type of it, input
//! objects and lists included — and a malformed value, or a date outside
//! [`DATE_YEARS`], refuses the request as validation would, with nothing run.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::parser::types::{Selection, SelectionSet};
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{Positioned, ScalarType, ServerError, Value as ConstValue, Variables};

use crate::domain::calendar::DATE_YEARS;

/// Deeper than any document the depth limit lets run (a guard: the walk is bounded by the
/// document's size, each fragment being walked once).
const MAX_DEPTH: usize = 64;

/// Whether `value` is one of the scalar `name`'s, for the scalars async-graphql does not check:
/// a date in [`DATE_YEARS`] as well.
fn scalar_valid(name: &str, value: &ConstValue) -> Option<bool> {
    use chrono::Datelike;
    let year = match name {
        "NaiveDate" => <chrono::NaiveDate as ScalarType>::parse(value.clone())
            .ok()
            .map(|d| d.year()),
        "DateTime" => <chrono::DateTime<chrono::Utc> as ScalarType>::parse(value.clone())
            .ok()
            .map(|d| d.year()),
        _ => return None,
    };
    Some(year.is_some_and(|y| DATE_YEARS.contains(&y)))
}

/// Refuses the request if an argument of the operation it runs holds a malformed date. A
/// variable the request does not give takes its definition's default, else `null`, as
/// async-graphql gives it; the other operations of the document are not checked (their
/// variables do not apply to them).
pub fn check(
    registry: &Registry,
    doc: &ExecutableDocument,
    operation: Option<&str>,
    variables: &Variables,
) -> Result<(), ServerError> {
    let op = match (&doc.operations, operation) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return Ok(()), // validation refuses an unknown operation
        },
        (DocumentOperations::Multiple(_), None) => return Ok(()), // and an ambiguous one
    };
    let given = |name: &str| -> ConstValue {
        if let Some(v) = variables.get(name) {
            return v.clone();
        }
        op.node
            .variable_definitions
            .iter()
            .find(|d| d.node.name.node == name)
            .and_then(|d| d.node.default_value.as_ref())
            .map_or(ConstValue::Null, |v| v.node.clone())
    };
    let walk = Walk {
        registry,
        doc,
        given: &given,
        walked: Default::default(),
        scanned: Default::default(),
    };
    let root = match op.node.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    match root {
        Some(root) => walk.selection_set(root, &op.node.selection_set, 0),
        None => Ok(()),
    }
}

struct Walk<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    /// A variable's value: given, else its default, else `null`.
    given: &'a dyn Fn(&str) -> ConstValue,
    /// Whether a fragment's selections hold an argument anywhere ([`Walk::has_arguments`]).
    scanned: std::cell::RefCell<std::collections::HashMap<&'a str, bool>>,
    /// The fragments walked already. A fragment's fields are those of its own type condition
    /// wherever it is spread, so once is enough; and a document of fragments spreading each
    /// other (`fragment F on Query { ...F ...F }`, which validation refuses only after this
    /// runs, and which the limits count as nothing) would otherwise be walked exponentially.
    walked: std::cell::RefCell<std::collections::HashSet<&'a str>>,
}

impl<'a> Walk<'a> {
    fn selection_set(
        &self,
        ty: &str,
        set: &'a Positioned<SelectionSet>,
        depth: usize,
    ) -> Result<(), ServerError> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        for selection in &set.node.items {
            match &selection.node {
                Selection::Field(f) => {
                    // Only arguments hold dates: a field without any, over selections without
                    // any, needs no look-up (a case list has one argument, at its root; the
                    // look-ups were 1.5 % of its instructions).
                    if f.node.arguments.is_empty() && !self.has_arguments(&f.node.selection_set) {
                        continue;
                    }
                    let Some(field) = self
                        .registry
                        .types
                        .get(ty)
                        .and_then(|t| t.field_by_name(&f.node.name.node))
                    else {
                        continue; // unknown here: validation says so
                    };
                    for (name, value) in &f.node.arguments {
                        let Some(arg) = field.args.get(name.node.as_str()) else {
                            continue;
                        };
                        let given = value
                            .node
                            .clone()
                            .into_const_with(|v| Ok::<_, ()>((self.given)(v.as_str())));
                        if let Ok(given) = given
                            && !self.valid(&arg.ty, &given)
                        {
                            return Err(ServerError::new(
                                format!(
                                    "Invalid value for argument \"{}\", expected type \"{}\"",
                                    name.node, arg.ty
                                ),
                                Some(name.pos),
                            ));
                        }
                    }
                    let inner = field.ty.trim_matches(|c| matches!(c, '[' | ']' | '!'));
                    self.selection_set(inner, &f.node.selection_set, depth + 1)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let first = self.walked.borrow_mut().insert(name);
                    if let Some(fragment) = self.doc.fragments.get(&spread.node.fragment_name.node)
                        && first
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.selection_set(on, &fragment.node.selection_set, depth + 1)?;
                    }
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(ty, |c| c.node.on.node.as_str());
                    self.selection_set(on, &inline.node.selection_set, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// Whether any field under `set` (fragments included) takes an argument. A fragment is
    /// scanned once; one being scanned (a cycle, which validation refuses) counts as none.
    fn has_arguments(&self, set: &'a Positioned<SelectionSet>) -> bool {
        set.node
            .items
            .iter()
            .any(|selection| match &selection.node {
                Selection::Field(f) => {
                    !f.node.arguments.is_empty() || self.has_arguments(&f.node.selection_set)
                }
                Selection::InlineFragment(inline) => self.has_arguments(&inline.node.selection_set),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(known) = self.scanned.borrow().get(name) {
                        return *known;
                    }
                    self.scanned.borrow_mut().insert(name, false);
                    let found = self
                        .doc
                        .fragments
                        .get(&spread.node.fragment_name.node)
                        .is_some_and(|fragment| self.has_arguments(&fragment.node.selection_set));
                    self.scanned.borrow_mut().insert(name, found);
                    found
                }
            })
    }

    /// Whether `value` fits the type `ty` (as the registry writes it: `[NaiveDate!]!`) as far
    /// as the unchecked scalars go; everything else is validation's.
    fn valid(&self, ty: &str, value: &ConstValue) -> bool {
        if let Some(inner) = ty.strip_suffix('!') {
            return self.valid(inner, value);
        }
        if matches!(value, ConstValue::Null) {
            return true;
        }
        if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return match value {
                ConstValue::List(items) => items.iter().all(|item| self.valid(inner, item)),
                single => self.valid(inner, single),
            };
        }
        if let Some(valid) = scalar_valid(ty, value) {
            return valid;
        }
        match (self.registry.types.get(ty), value) {
            (Some(MetaType::InputObject { input_fields, .. }), ConstValue::Object(fields)) => {
                fields.iter().all(|(name, v)| {
                    input_fields
                        .get(name.as_str())
                        .is_none_or(|f| self.valid(&f.ty, v))
                })
            }
            _ => true,
        }
    }
}
