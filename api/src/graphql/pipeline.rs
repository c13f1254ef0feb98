//! The schema's one async-graphql extension: the request-level checks and the per-field shape
//! of responses, in the order they must run.
//!
//! async-graphql runs the `resolve` hook of *every* registered extension around *every* field
//! — a boxed future per extension per field, even for an extension that only checks the
//! request once. With five extensions a page of 50 cases paid five of them for each of its
//! ~1,250 fields. So the checks are plain functions of their modules, and this one extension
//! calls them:
//!
//! - before parsing: a kept parse of the same text ([`documents`]), the document's bounds
//!   ([`limits`]), the variables as execution will read them and what validation leaves
//!   unchecked in their values ([`inputs`], a refusal answered after validation), then the
//!   fields its role does not see ([`visibility`]);
//! - once parsed: the operation's label ([`operation`]) and the document for key order
//!   ([`spec`]);
//! - validation: a kept result of the same viewer, document, operation and variables
//!   ([`documents`]), or async-graphql's run, whose passed result is then kept;
//! - after validation: the cost charged to the caller ([`cost`]), then the unseen fields
//!   reported with validation's own errors ([`visibility`]);
//! - around execution and each field: the response as the spec says ([`spec`]).

use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};

use crate::graphql::documents::Documents;
use crate::graphql::limits::DepthLimit;
use crate::graphql::spec::{FieldShape, SpecResponse};
use crate::graphql::visibility::{HiddenNames, RoleViews};
use crate::graphql::{cost, inputs, operation};

/// Registers [`PipelineExt`] per request.
pub struct Pipeline {
    pub limits: DepthLimit,
    /// Each role's view of the schema, set once the schema is built.
    pub views: Arc<OnceLock<RoleViews>>,
    /// The process's parsed documents.
    pub documents: Documents,
}

impl ExtensionFactory for Pipeline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PipelineExt {
            limits: self.limits,
            documents: self.documents.clone(),
            hidden: HiddenNames::new(self.views.clone()),
            spec: SpecResponse::default(),
            validation_key: Mutex::new(None),
            bad_variable: Mutex::new(None),
            introspection: Mutex::new(0),
        })
    }
}

/// One per request.
pub struct PipelineExt {
    limits: DepthLimit,
    documents: Documents,
    hidden: HiddenNames,
    spec: SpecResponse,
    /// Where this request's validation is kept ([`Documents::validation_key`]).
    validation_key: Mutex<Option<String>>,
    /// A variable of a non-null type left without a value, an `Int` outside 32 bits, an input
    /// object that is not an object ([`inputs`]), answered once validation passes.
    bad_variable: Mutex<Option<ServerError>>,
    /// What the document's introspection costs, charged with the rest
    /// ([`DepthLimit::check`]).
    introspection: Mutex<usize>,
}

#[async_trait::async_trait]
impl Extension for PipelineExt {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        crate::graphql::limits::check_nesting(&request.query)?;
        crate::graphql::visibility::refuse_marks(&request)?;
        let kept = self.documents.lend(&mut request).await;
        let introspection = self.limits.check(&mut request)?;
        if let Ok(mut cost) = self.introspection.lock() {
            *cost = introspection;
        }
        if !kept {
            // Renamed before it is kept: a kept document is renamed for its role once.
            self.hidden.hide_document(ctx, &mut request);
            self.documents.keep(&mut request).await;
        }
        // Every variable as execution will read it, so that validation checks each argument
        // whole; a refusal waits for validation, which speaks first of unseen fields.
        let mut variables = std::mem::take(&mut request.variables);
        let operation = request.operation_name.take();
        if let Ok(doc) = request.parsed_query() {
            let registry = &ctx.schema_env.registry;
            // No operation to run: async-graphql says so only after validating every
            // operation, whose variables were renamed for none (a hidden value then passed
            // where a made-up one failed: a review of stop 35). Said first, in its words.
            if crate::graphql::operation::chosen(doc, operation.as_deref()).is_none() {
                let message = match &operation {
                    Some(name) => format!(r#"Unknown operation named "{name}""#),
                    None => "Operation name required in request.".to_string(),
                };
                return Err(ServerError::new(message, None));
            }
            inputs::check_positions(registry, doc, operation.as_deref())?;
            let checked =
                inputs::complete(doc, operation.as_deref(), &mut variables).and_then(|()| {
                    inputs::check_values(registry, doc, operation.as_deref(), &variables)
                });
            if let (Err(e), Ok(mut bad)) = (checked, self.bad_variable.lock()) {
                *bad = Some(e);
            }
        }
        request.variables = variables;
        request.operation_name = operation;
        self.hidden.hide_variables(ctx, &mut request);
        if let Ok(mut key) = self.validation_key.lock() {
            *key = Documents::validation_key(&request);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(syntax_error)?;
        operation::label(ctx, &doc);
        self.spec.keep(&doc);
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let key = self.validation_key.lock().ok().and_then(|mut k| k.take());
        let kept = match &key {
            Some(k) => self.documents.validated(k).await,
            None => None,
        };
        let result = match kept {
            Some(passed) => Ok(passed),
            None => {
                let result = next.run(ctx).await;
                if let (Ok(passed), Some(k)) = (&result, key) {
                    self.documents.keep_validated(k, *passed).await;
                }
                result
            }
        };
        let mut passed = self.hidden.unmark(result)?;
        if let Some(e) = self.bad_variable.lock().ok().and_then(|mut bad| bad.take()) {
            return Err(vec![e]);
        }
        let introspection = self.introspection.lock().map_or(0, |c| *c);
        passed.complexity = passed.complexity.saturating_add(introspection);
        cost::charge(ctx, passed)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let resp = next.run(ctx, operation_name).await;
        self.spec.response(operation_name, resp)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let shape = FieldShape::of(&info);
        let result = next.run(ctx, info).await;
        self.spec.field(shape, result)
    }
}

/// The parser's error in one line, as graphql-js words it (`Syntax Error: Expected …`).
///
/// async-graphql hands on pest's rendering: the line of the query drawn with a caret under it
/// over five lines, then `= expected selection`, in the grammar's rule names. Clients show the
/// message as it is, and the position is in `locations` already, so the message keeps only
/// what was expected, named as a reader of the spec would name it.
fn syntax_error(mut error: ServerError) -> ServerError {
    let Some(found) = error
        .message
        .lines()
        .last()
        .and_then(|l| l.trim().strip_prefix("= "))
    else {
        return error;
    };
    let name = |rule: &str| match rule.trim() {
        "EOI" => "the end of the document",
        "executable_definition" => "an operation or a fragment",
        "selection" | "selection_set" => "a field or a fragment",
        "value" | "const_value" | "default_value" => "a value",
        "type_" | "named_type" | "list_type" | "non_null_type" => "a type",
        "name" | "alias" => "a name",
        "variable" => "a variable",
        "arguments" | "argument" => "an argument",
        "directive" | "directives" => "a directive",
        "fragment_spread" | "inline_fragment" => "a fragment",
        "variable_definitions" | "variable_definition" => "a variable definition",
        "type_condition" => "a type condition",
        "operation_type" => "query, mutation or subscription",
        _ => "",
    };
    let says = |list: &str| -> Option<String> {
        let names: Vec<&str> = list
            .split([',', ' '])
            .filter(|w| !w.is_empty() && *w != "or")
            .map(name)
            .collect();
        if names.iter().any(|n| n.is_empty()) {
            return None;
        }
        let mut unique: Vec<&str> = Vec::new();
        for n in names {
            if !unique.contains(&n) {
                unique.push(n);
            }
        }
        Some(unique.join(" or "))
    };
    let line = if let Some(rest) = found.strip_prefix("expected ") {
        says(rest).map(|s| format!("Syntax Error: Expected {s}."))
    } else if let Some(rest) = found.strip_prefix("unexpected ") {
        says(rest).map(|s| format!("Syntax Error: Unexpected {s}."))
    } else {
        None
    };
    error.message = line.unwrap_or_else(|| format!("Syntax Error: {found}."));
    error
}

#[cfg(test)]
mod tests {
    use super::Pipeline;
    use crate::graphql::limits::DepthLimit;
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
            .extension(Pipeline {
                limits: DepthLimit {
                    max_depth: 10,
                    max_expanded_fields: 100,
                    max_aliases: 10,
                },
                // Never set: no role views, as while the server computes them.
                views: Default::default(),
                documents: Default::default(),
            })
            .finish();
        serde_json::to_value(schema.execute(q).await).expect("json")
    }

    #[tokio::test]
    async fn syntax_errors_say_in_one_line_what_was_expected() {
        for (q, says, at) in [
            (
                "",
                "Syntax Error: Expected an operation or a fragment.",
                [1, 1],
            ),
            ("{", "Syntax Error: Expected a field or a fragment.", [1, 2]),
            (
                "{ obj(x: ) { good } }",
                "Syntax Error: Expected a value.",
                [1, 10],
            ),
            (
                "{ obj { good } } }",
                "Syntax Error: Expected the end of the document or an operation or a fragment.",
                [1, 18],
            ),
            (
                "query Q($x: ) { obj { good } }",
                "Syntax Error: Expected a type.",
                [1, 13],
            ),
        ] {
            let r = run(q).await;
            let e = &r["errors"][0];
            assert_eq!(e["message"], says, "{q:?}: {r}");
            assert_eq!(
                e["locations"],
                serde_json::json!([{ "line": at[0], "column": at[1] }])
            );
        }
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
}
