//! Fields a role can never read fail validation for that role exactly as if they did not exist.
//!
//! async-graphql hides invisible types, fields and arguments from introspection only; its
//! validation still accepts them, and our resolvers refuse them with `FORBIDDEN` — which tells
//! a caller that the field exists. Here, before validation, every field, argument, type
//! condition and input-object field of the document is checked against what the caller's role
//! sees, and an unseen one gets the very error async-graphql gives a field that does not
//! exist (`Unknown field "subjects" on type "Case".`). Input fields are not checked: what a
//! role may *write* is not what it may read (the standing office records a hotline caller's
//! name it can never read back), and filters on restricted data are refused by the resolvers.
//!
//! What a role sees is read once, at start-up, from the schema's own introspection run as that
//! role (and as a caller without a token), so the `visible` functions of the access matrix stay
//! the only place that decides — nothing here restates them.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::extensions::ExtensionContext;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{
    ObjectType, Pos, Request, Schema, ServerError, SubscriptionType, ValidationResult,
};

use crate::auth::{Role, Viewer};
use crate::graphql::context::RequestCtx;

/// What one role sees of the schema.
#[derive(Debug, Default)]
struct View {
    types: HashSet<String>,
    /// (type, field) of objects and interfaces.
    fields: HashSet<(String, String)>,
    /// (type, field, argument).
    args: HashSet<(String, String, String)>,
}

/// Each role's view, and the anonymous caller's (`None`).
#[derive(Debug, Default)]
pub struct RoleViews(HashMap<Option<Role>, View>);

const VIEW_QUERY: &str = "{ __schema { types { name fields(includeDeprecated: true) { name args(includeDeprecated: true) { name } } } } }";

impl RoleViews {
    /// Runs the introspection query as every role. Generic over the schema's roots so this
    /// module does not import the schema that installs it.
    pub async fn compute<Q, M, S>(schema: &Schema<Q, M, S>) -> anyhow::Result<RoleViews>
    where
        Q: ObjectType + 'static,
        M: ObjectType + 'static,
        S: SubscriptionType + 'static,
    {
        let mut out = HashMap::new();
        for role in Role::ALL.iter().copied().map(Some).chain([None]) {
            let viewer = role.map(|role| Viewer {
                sub: "schema-view".into(),
                role,
                agency_id: None,
                agency_code: None,
                commune_id: None,
                commune_code: None,
            });
            let req = Request::new(VIEW_QUERY).data(RequestCtx {
                viewer,
                request_id: "schema-view".into(),
                client_ip: None,
                reads: Arc::default(),
            });
            let resp = schema.execute(req).await;
            if !resp.errors.is_empty() {
                anyhow::bail!("introspection as {role:?} failed: {:?}", resp.errors);
            }
            let json = resp.data.into_json()?;
            out.insert(role, view_of(&json));
        }
        Ok(RoleViews(out))
    }
}

fn view_of(json: &serde_json::Value) -> View {
    let mut v = View::default();
    let names = |x: &serde_json::Value| -> Vec<String> {
        x.as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["name"].as_str().map(str::to_string))
            .collect()
    };
    for t in json["__schema"]["types"].as_array().into_iter().flatten() {
        let Some(name) = t["name"].as_str() else {
            continue;
        };
        v.types.insert(name.to_string());
        for f in t["fields"].as_array().into_iter().flatten() {
            let Some(field) = f["name"].as_str() else {
                continue;
            };
            v.fields.insert((name.to_string(), field.to_string()));
            for a in names(&f["args"]) {
                v.args.insert((name.to_string(), field.to_string(), a));
            }
        }
    }
    v
}

/// The fields a request names that its role does not see, found before validation and
/// reported with validation's own errors; one per request, held by the schema's
/// [`Pipeline`](crate::graphql::pipeline::Pipeline).
pub struct HiddenFields {
    views: Arc<OnceLock<RoleViews>>,
    found: Mutex<Vec<ServerError>>,
}

impl HiddenFields {
    pub fn new(views: Arc<OnceLock<RoleViews>>) -> Self {
        HiddenFields {
            views,
            found: Mutex::new(Vec::new()),
        }
    }

    /// Checks the request's document against its role's view, before validation.
    pub fn find(&self, ctx: &ExtensionContext<'_>, request: &mut Request) {
        // Before the views exist (while they are being computed) nothing is checked.
        if let Some(views) = self.views.get() {
            let role = RequestCtx::of(request).map(|r| r.viewer.as_ref().map(|v| v.role));
            if let Some(role) = role
                && let Some(view) = views.0.get(&role)
                && let Ok(doc) = request.parsed_query()
            {
                let checker = Checker {
                    registry: &ctx.schema_env.registry,
                    view,
                    doc,
                    found: Vec::new(),
                };
                let found = checker.document();
                if let Ok(mut h) = self.found.lock() {
                    *h = found;
                }
            }
        }
    }

    /// Reports the unseen fields together with whatever else validation finds, in document
    /// order, so the answer has the shape of one for fields that do not exist (a request with
    /// one unseen and one misspelt field gets two errors, like one with two misspelt fields).
    pub fn merge(
        &self,
        result: Result<ValidationResult, Vec<ServerError>>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let hidden = self
            .found
            .lock()
            .map(|mut h| std::mem::take(&mut *h))
            .unwrap_or_default();
        if hidden.is_empty() {
            return result;
        }
        let mut errors = match result {
            Ok(_) => hidden,
            Err(others) => {
                // What validation says at the place of an unseen field or type ("fragment
                // cannot be spread here…") would not be said of one that does not exist.
                let at: Vec<_> = hidden.iter().flat_map(|e| e.locations.clone()).collect();
                let mut merged: Vec<ServerError> = others
                    .into_iter()
                    .filter(|e| !e.locations.iter().any(|l| at.contains(l)))
                    .collect();
                merged.extend(hidden);
                merged
            }
        };
        errors.sort_by_key(|e| e.locations.first().map(|p| (p.line, p.column)));
        Err(errors)
    }
}

struct Checker<'a> {
    registry: &'a Registry,
    view: &'a View,
    doc: &'a ExecutableDocument,
    found: Vec<ServerError>,
}

fn unknown(message: String, pos: Pos) -> ServerError {
    ServerError::new(message, Some(pos))
}

impl Checker<'_> {
    /// Every unseen field, argument and type of the document.
    fn document(mut self) -> Vec<ServerError> {
        for (_, op) in self.doc.operations.iter() {
            let root = match op.node.ty {
                OperationType::Query => Some(self.registry.query_type.as_str()),
                OperationType::Mutation => self.registry.mutation_type.as_deref(),
                OperationType::Subscription => self.registry.subscription_type.as_deref(),
            };
            if let Some(root) = root {
                self.selection_set(root, &op.node.selection_set.node);
            }
            for var in &op.node.variable_definitions {
                let ty = MetaTypeName::concrete_typename(&var.node.var_type.node.to_string())
                    .to_string();
                if !self.view.types.contains(&ty) && self.registry.types.contains_key(&ty) {
                    self.found
                        .push(unknown(format!("Unknown type \"{ty}\""), var.pos));
                }
            }
        }
        for (_, fragment) in self.doc.fragments.iter() {
            let ty = fragment.node.type_condition.node.on.node.as_str();
            if self.registry.types.contains_key(ty) && !self.view.types.contains(ty) {
                self.found
                    .push(unknown(format!("Unknown type \"{ty}\""), fragment.pos));
                continue;
            }
            self.selection_set(ty, &fragment.node.selection_set.node);
        }
        self.found
    }

    /// Checks a selection set on `ty`; fragment spreads are checked once, as definitions.
    fn selection_set(&mut self, ty: &str, set: &SelectionSet) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    if name.starts_with("__") {
                        continue;
                    }
                    let Some(meta) = self.registry.types.get(ty) else {
                        continue;
                    };
                    let Some(field) = meta.field_by_name(name) else {
                        // Not in the schema at all: validation says so itself.
                        continue;
                    };
                    if !self
                        .view
                        .fields
                        .contains(&(ty.to_string(), name.to_string()))
                    {
                        // Like a field that does not exist: reported, not descended into.
                        self.found.push(unknown(
                            format!("Unknown field \"{name}\" on type \"{ty}\"."),
                            f.pos,
                        ));
                        continue;
                    }
                    for (arg, value) in &f.node.arguments {
                        let arg = arg.node.as_str();
                        if !field.args.contains_key(arg) {
                            continue;
                        }
                        let key = (ty.to_string(), name.to_string(), arg.to_string());
                        if !self.view.args.contains(&key) {
                            self.found.push(unknown(
                                format!(
                                    "Unknown argument \"{arg}\" on field \"{name}\" of type \"{ty}\"."
                                ),
                                value.pos,
                            ));
                        }
                    }
                    let child = MetaTypeName::concrete_typename(&field.ty);
                    self.selection_set(child, &f.node.selection_set.node);
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.as_str())
                        .unwrap_or(ty);
                    if self.registry.types.contains_key(on) && !self.view.types.contains(on) {
                        self.found
                            .push(unknown(format!("Unknown type \"{on}\""), inline.pos));
                        continue;
                    }
                    self.selection_set(on, &inline.node.selection_set.node);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
}
