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

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{ServerError, Value, Variables};

/// Sets each variable of the operation that runs that the request left out to what execution
/// would read (its default, else `null`), or refuses the request when its type is non-null.
/// The document's other operations are left alone (their variables do not apply).
pub fn complete(
    doc: &ExecutableDocument,
    operation: Option<&str>,
    variables: &mut Variables,
) -> Result<(), ServerError> {
    let op = match (&doc.operations, operation) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return Ok(()), // validation refuses an unknown operation
        },
        (DocumentOperations::Multiple(_), None) => return Ok(()), // and an ambiguous one
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
