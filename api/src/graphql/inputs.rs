//! The request's variables as execution will read them, set before validation so that
//! validation checks every argument whole.
//!
//! async-graphql checks an argument's value against its type during validation
//! (`ArgumentsOfCorrectType`, which calls each scalar's `ScalarType::is_valid`, our `Vnd` and
//! `Date` among them), but it skips an argument when a variable in it was not sent, although
//! execution then reads that variable as its default or `null`. An input object holding one
//! such variable went unchecked whole: in `mutation { a: createCase(…) b: createCase(input:
//! { detectedOn: $d, commune: $c }) }` with `$c` left out, `a` committed before `b`'s
//! malformed `$d` was refused at execution (the contract reviews of stop 31). So each
//! variable of the operation that runs is given here the value execution would read, and a
//! variable of a non-null type that is not sent, or sent as `null`, refuses the request as the
//! spec's coercion of variable values does — before anything runs.
//!
//! Two checks validation leaves out whatever the values: an `Int` must fit in 32 bits (the
//! spec's `Int`), and async-graphql's `is_valid` for it asks only whether the number fits in
//! 64, so `version: 2147483648` in a later field was refused only when that field ran; and
//! an input object must be an object (validation takes `input: "x"` as valid); and a string may
//! not hold NUL. [`check_values`]
//! walks the operation's arguments, variables read as completed, against the registry's types.
//!
//! And where a variable is used, its declared type must fit the place ([`check_positions`],
//! the spec's "All Variable Usages Are Allowed"): async-graphql 7.2 has the rule but never
//! runs it (its visitor does not pass input values to it), so `$k: String` went into an enum
//! argument, and a value hidden from the role there reached the resolver where a made-up one
//! failed validation (a review of stop 35).

use std::collections::HashMap;

use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
    VariableDefinition,
};
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{Positioned, ServerError, Value, Variables};

use crate::graphql::operation;

/// Deeper than any document the depth limit lets run (a guard: the walk is bounded by the
/// document's size, each fragment being walked once).
const MAX_DEPTH: usize = 64;

/// Sets each variable of the operation that runs that the request left out to what execution
/// would read (its default, else `null`), or refuses the request when its type is non-null.
/// The document's other operations are left alone (their variables do not apply).
pub fn complete(
    doc: &ExecutableDocument,
    operation: Option<&str>,
    variables: &mut Variables,
) -> Result<(), ServerError> {
    let Some(op) = running(doc, operation) else {
        return Ok(()); // validation refuses an unknown or ambiguous operation
    };
    for def in &op.node.variable_definitions {
        let name = &def.node.name.node;
        let nullable = def.node.var_type.node.nullable;
        match variables.get(name) {
            Some(Value::Null) if !nullable => {}
            Some(_) => continue,
            None => match def.node.default_value() {
                Some(value) => {
                    variables.insert(name.clone(), value.clone());
                    continue;
                }
                None => {}
            },
        }
        return Err(ServerError::new(
            format!(
                "variable `${name}` is of the non-null type `{}` and needs a value",
                def.node.var_type.node
            ),
            Some(def.pos),
        ));
    }
    Ok(())
}

/// The operation a request runs ([`operation::chosen`]).
fn running<'a>(
    doc: &'a ExecutableDocument,
    operation: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    operation::chosen(doc, operation).map(|(_, op)| op)
}

/// Refuses the request if an argument of the operation that runs holds an `Int` outside 32
/// bits, anything but an object for an input object or a string with NUL, literally or
/// through a variable (read as [`complete`] left it).
pub fn check_values(
    registry: &Registry,
    doc: &ExecutableDocument,
    operation: Option<&str>,
    variables: &Variables,
) -> Result<(), ServerError> {
    let Some(op) = running(doc, operation) else {
        return Ok(());
    };
    let walk = Walk {
        registry,
        doc,
        variables,
        positions: None,
        walked: Default::default(),
        scanned: Default::default(),
    };
    walk.operation(op)
}

/// Refuses the request if a variable of the operation that runs is used where its declared
/// type does not fit (graphql-js's words: `Variable "$k" of type "String" used in position
/// expecting type "WatchKind!".`), before validation. A variable of a type the schema does not
/// have is left to validation ("Unknown type").
pub fn check_positions(
    registry: &Registry,
    doc: &ExecutableDocument,
    operation: Option<&str>,
) -> Result<(), ServerError> {
    let Some(op) = running(doc, operation).filter(|op| !op.node.variable_definitions.is_empty())
    else {
        return Ok(()); // no variable, nothing misplaced: no walk
    };
    let definitions = op
        .node
        .variable_definitions
        .iter()
        .map(|d| (d.node.name.node.as_str(), d))
        .collect();
    let none = Variables::default();
    let walk = Walk {
        registry,
        doc,
        variables: &none,
        positions: Some(definitions),
        walked: Default::default(),
        scanned: Default::default(),
    };
    walk.operation(op)
}

/// Whether a variable of type `var` (with a default that is not `null`: `var_default`) may be
/// used where `place` is expected (with a default of its own: `place_default`): the spec's
/// `IsVariableUsageAllowed`, types as the registry writes them (`[Int!]!`).
fn usage_allowed(var: &str, var_default: bool, place: &str, place_default: bool) -> bool {
    match place.strip_suffix('!') {
        Some(inner) if !var.ends_with('!') => {
            (var_default || place_default) && sub_type(var, inner)
        }
        _ => sub_type(var, place),
    }
}

/// The spec's `AreTypesCompatible` for input types.
fn sub_type(sub: &str, of: &str) -> bool {
    let list = |t: &str| {
        t.strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .map(str::to_string)
    };
    if let Some(of) = of.strip_suffix('!') {
        return sub.strip_suffix('!').is_some_and(|sub| sub_type(sub, of));
    }
    if let Some(sub) = sub.strip_suffix('!') {
        return sub_type(sub, of);
    }
    match (list(sub), list(of)) {
        (Some(sub), Some(of)) => sub_type(&sub, &of),
        (None, None) => sub == of,
        _ => false,
    }
}

/// A walk of the operation that runs, each argument against its type in the registry.
struct Walk<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    /// The request's variables, completed ([`complete`]).
    variables: &'a Variables,
    /// Set: the walk checks where the operation's variables are used ([`check_positions`])
    /// instead of the arguments' values.
    positions: Option<HashMap<&'a str, &'a Positioned<VariableDefinition>>>,
    /// Whether a fragment's selections hold an argument anywhere ([`Walk::has_arguments`]).
    scanned: std::cell::RefCell<std::collections::HashMap<&'a str, bool>>,
    /// The fragments walked already. A fragment's fields are those of its own type condition
    /// wherever it is spread, so once is enough; and a document of fragments spreading each
    /// other (`fragment F on Query { ...F ...F }`, which validation refuses only after this
    /// runs, and which the limits count as nothing) would otherwise be walked exponentially.
    walked: std::cell::RefCell<std::collections::HashSet<&'a str>>,
}

impl<'a> Walk<'a> {
    /// Walks operation `op` from its root type.
    fn operation(&self, op: &'a Positioned<OperationDefinition>) -> Result<(), ServerError> {
        let registry = self.registry;
        let root = match op.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        match root {
            Some(root) => self.selection_set(root, &op.node.selection_set, 0),
            None => Ok(()),
        }
    }

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
                    // Only arguments hold values: a field without any, over selections without
                    // any, needs no look-up (a case list has one argument, at its root; the
                    // look-ups were 1.5 % of its instructions at stop 31).
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
                        if self.positions.is_some() {
                            let has_default = arg.default_value.is_some();
                            self.usages(&arg.ty, has_default, &value.node, value.pos)?;
                            continue;
                        }
                        let given = value.node.clone().into_const_with(|v| {
                            Ok::<_, ()>(self.variables.get(&v).cloned().unwrap_or(Value::Null))
                        });
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

    /// Checks each variable in `value`, a literal where `place` is expected (with a default of
    /// its own: `place_default`), against its declared type ([`usage_allowed`]).
    fn usages(
        &self,
        place: &str,
        place_default: bool,
        value: &async_graphql_value::Value,
        pos: async_graphql::Pos,
    ) -> Result<(), ServerError> {
        use async_graphql_value::Value as Literal;
        let Some(definitions) = &self.positions else {
            return Ok(());
        };
        match value {
            Literal::Variable(name) => {
                let Some(def) = definitions.get(name.as_str()) else {
                    return Ok(()); // undefined: validation says so
                };
                let declared = def.node.var_type.node.to_string();
                let named = declared.trim_matches(|c| matches!(c, '[' | ']' | '!'));
                if !self.registry.types.contains_key(named) {
                    return Ok(()); // an unknown type: validation says so
                }
                let var_default = def
                    .node
                    .default_value
                    .as_ref()
                    .is_some_and(|d| d.node != Value::Null);
                if !usage_allowed(&declared, var_default, place, place_default) {
                    let mut e = ServerError::new(
                        format!(
                            "Variable \"${name}\" of type \"{declared}\" used in position expecting type \"{place}\"."
                        ),
                        Some(def.pos),
                    );
                    e.locations.push(pos);
                    return Err(e);
                }
                Ok(())
            }
            Literal::List(items) => {
                let inner = place.trim_end_matches('!');
                let inner = inner
                    .strip_prefix('[')
                    .and_then(|t| t.strip_suffix(']'))
                    .unwrap_or(inner);
                items
                    .iter()
                    .try_for_each(|item| self.usages(inner, false, item, pos))
            }
            Literal::Object(fields) => {
                let named = place.trim_matches(|c| matches!(c, '[' | ']' | '!'));
                let Some(MetaType::InputObject { input_fields, .. }) =
                    self.registry.types.get(named)
                else {
                    return Ok(());
                };
                fields
                    .iter()
                    .try_for_each(|(key, v)| match input_fields.get(key.as_str()) {
                        Some(f) => self.usages(&f.ty, f.default_value.is_some(), v, pos),
                        None => Ok(()),
                    })
            }
            _ => Ok(()),
        }
    }

    /// Whether `value` fits the type `ty` (as the registry writes it: `[Int!]!`) as far as
    /// validation leaves it unchecked: an `Int`'s 32 bits, an input object's being an object,
    /// and no string holding NUL (U+0000, which JSON allows and PostgreSQL cannot take: a
    /// search or a name with one failed as `INTERNAL` there, and was stored on SQLite);
    /// everything else is validation's.
    fn valid(&self, ty: &str, value: &Value) -> bool {
        if let Some(inner) = ty.strip_suffix('!') {
            return self.valid(inner, value);
        }
        match value {
            Value::Null => return true,
            Value::String(s) if s.contains('\0') => return false,
            _ => {}
        }
        if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return match value {
                Value::List(items) => items.iter().all(|item| self.valid(inner, item)),
                single => self.valid(inner, single),
            };
        }
        if ty == "Int" {
            return match value {
                Value::Number(n) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                _ => true, // the wrong kind of value altogether: validation's
            };
        }
        match (self.registry.types.get(ty), value) {
            (Some(MetaType::InputObject { input_fields, .. }), Value::Object(fields)) => {
                fields.iter().all(|(name, v)| {
                    input_fields
                        .get(name.as_str())
                        .is_none_or(|f| self.valid(&f.ty, v))
                })
            }
            // async-graphql's validation takes any value that is not an object for an input
            // object as valid ("x", 5, an enum, a list of them), and only execution refused it.
            (Some(MetaType::InputObject { .. }), _) => false,
            _ => true,
        }
    }
}

#[cfg(test)]
mod usage_tests {
    use super::*;

    #[test]
    fn variables_fit_their_places_as_the_spec_says() {
        for (var, var_default, place, place_default, allowed) in [
            ("String", false, "String", false, true),
            ("String", false, "WatchKind!", false, false),
            ("WatchKind", false, "WatchKind!", false, false),
            ("WatchKind", true, "WatchKind!", false, true),
            ("WatchKind", false, "WatchKind!", true, true),
            ("WatchKind!", false, "WatchKind", false, true),
            ("[Int!]!", false, "[Int]", false, true),
            ("[Int]", false, "[Int!]", false, false),
            ("Int", false, "[Int]", false, false),
            ("[Int]", false, "Int", false, false),
            ("ID", false, "String", false, false),
        ] {
            assert_eq!(
                usage_allowed(var, var_default, place, place_default),
                allowed,
                "{var} ({var_default}) in {place} ({place_default})"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        query: &str,
        operation: Option<&str>,
        given: serde_json::Value,
    ) -> Result<Variables, String> {
        let doc = async_graphql::parser::parse_query(query).map_err(|e| e.to_string())?;
        let mut variables = Variables::from_json(given);
        complete(&doc, operation, &mut variables).map_err(|e| e.message)?;
        Ok(variables)
    }

    #[test]
    fn left_out_variables_take_what_execution_would_read() {
        let q = "query($a: Int, $b: Int = 3, $c: String!, $d: Int! = 4) { x }";
        let v = run(q, None, serde_json::json!({ "c": "có" })).expect("complete");
        assert_eq!(
            v.into_value().into_json().expect("json"),
            serde_json::json!({ "a": null, "b": 3, "c": "có", "d": 4 })
        );
    }

    #[test]
    fn a_non_null_variable_needs_a_value() {
        let q = "query($c: String!) { x }";
        assert!(run(q, None, serde_json::json!({})).is_err());
        assert!(run(q, None, serde_json::json!({ "c": null })).is_err());
        assert!(run(q, None, serde_json::json!({ "c": "x" })).is_ok());
    }

    #[test]
    fn a_lone_named_operation_runs_without_its_name() {
        let q = "mutation M($c: String!, $d: Int) { x }";
        assert!(run(q, None, serde_json::json!({})).is_err());
        let v = run(q, None, serde_json::json!({ "c": "x" })).expect("complete");
        assert_eq!(
            v.into_value().into_json().expect("json"),
            serde_json::json!({ "c": "x", "d": null })
        );
    }

    #[test]
    fn only_the_operation_that_runs() {
        let q = "query A($c: String!) { x } query B($d: Int) { x }";
        let v = run(q, Some("B"), serde_json::json!({})).expect("B runs");
        assert_eq!(
            v.into_value().into_json().expect("json"),
            serde_json::json!({ "d": null })
        );
        assert!(run(q, Some("A"), serde_json::json!({})).is_err());
        assert!(run(q, None, serde_json::json!({})).is_ok()); // validation names the ambiguity
    }
}
