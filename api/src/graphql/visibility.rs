//! What a role can never read or use does not exist for it: not in its introspection, and
//! named in a request, it fails validation exactly as a name that does not exist does.
//!
//! async-graphql hides invisible types, fields, arguments, input fields and enum values from
//! introspection only; its validation still checks a document against the whole schema. A
//! hidden field then answered `FORBIDDEN` at run time, and validation looked inside it — a
//! misspelt field under a hidden one was named on its hidden type, so any role could rebuild
//! the hidden schema from error messages (a review of stop 35). So before validation every
//! name of the document the caller's role does not see — a field, an argument, a type in a
//! fragment or a variable's type, an input object's field, an enum value, in the document and
//! in the variables' values — is *renamed* to a name no schema holds (its own followed by
//! [`MARK`]), and validation, which then finds nothing by that name, answers exactly as for a
//! name that does not exist: the same errors, as many, in the same places. The mark is taken
//! out of the messages ([`HiddenNames::unmark`]). A renamed document never runs (it cannot
//! pass validation).
//!
//! A role's input fields are what it sees as inputs: a role may *write* what it cannot read
//! (anyone submits a tip with its sender's name), and those fields are shown to it.
//!
//! What a role sees is read once, at start-up, from the schema's own introspection run as that
//! role (and as a caller without a token), so the `visible` functions of the access matrix stay
//! the only place that decides — nothing here restates them.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use async_graphql::extensions::ExtensionContext;
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet, Type,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{
    Name, ObjectType, Request, Schema, ServerError, SubscriptionType, ValidationResult,
    Value as ConstValue,
};
use async_graphql_value::Value;

use crate::auth::{Role, Viewer};
use crate::graphql::context::RequestCtx;

/// What follows a hidden name: a private-use character, which no GraphQL name may hold.
const MARK: char = '\u{E000}';

/// What one role sees of one named type.
#[derive(Debug, Default)]
struct TypeView {
    /// Fields of an object or interface, each with its arguments.
    fields: HashMap<String, HashSet<String>>,
    /// Fields of an input object.
    input_fields: HashSet<String>,
    /// Values of an enum.
    enum_values: HashSet<String>,
}

/// What one role sees of the schema: its types, by name.
#[derive(Debug, Default)]
struct View(HashMap<String, TypeView>);

impl View {
    fn has_type(&self, ty: &str) -> bool {
        self.0.contains_key(ty)
    }

    fn has_field(&self, ty: &str, field: &str) -> bool {
        self.0.get(ty).is_some_and(|t| t.fields.contains_key(field))
    }

    fn has_arg(&self, ty: &str, field: &str, arg: &str) -> bool {
        self.0
            .get(ty)
            .and_then(|t| t.fields.get(field))
            .is_some_and(|args| args.contains(arg))
    }

    fn has_input_field(&self, ty: &str, field: &str) -> bool {
        self.0
            .get(ty)
            .is_some_and(|t| t.input_fields.contains(field))
    }

    fn has_enum_value(&self, ty: &str, value: &str) -> bool {
        self.0
            .get(ty)
            .is_some_and(|t| t.enum_values.contains(value))
    }
}

/// Each role's view, and the anonymous caller's (`None`).
#[derive(Debug, Default)]
pub struct RoleViews(HashMap<Option<Role>, View>);

const VIEW_QUERY: &str = "{ __schema { types { name \
    fields(includeDeprecated: true) { name args(includeDeprecated: true) { name } } \
    inputFields(includeDeprecated: true) { name } \
    enumValues(includeDeprecated: true) { name } } } }";

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
    let names = |x: &serde_json::Value| -> Vec<String> {
        x.as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["name"].as_str().map(str::to_string))
            .collect()
    };
    let mut view = View::default();
    for t in json["__schema"]["types"].as_array().into_iter().flatten() {
        let Some(name) = t["name"].as_str() else {
            continue;
        };
        let mut ty = TypeView::default();
        for f in t["fields"].as_array().into_iter().flatten() {
            if let Some(field) = f["name"].as_str() {
                let args = names(&f["args"]).into_iter().collect();
                ty.fields.insert(field.to_string(), args);
            }
        }
        ty.input_fields = names(&t["inputFields"]).into_iter().collect();
        ty.enum_values = names(&t["enumValues"]).into_iter().collect();
        view.0.insert(name.to_string(), ty);
    }
    view
}

/// Renames, in each request, the names its role does not see (see the module's header); held
/// by the schema's [`Pipeline`](crate::graphql::pipeline::Pipeline).
pub struct HiddenNames {
    views: Arc<OnceLock<RoleViews>>,
}

impl HiddenNames {
    pub fn new(views: Arc<OnceLock<RoleViews>>) -> Self {
        HiddenNames { views }
    }

    /// The request's role's view and the schema's registry, once the views exist (while they
    /// are being computed, at start-up, nothing is renamed).
    fn hider<'a>(&'a self, ctx: &'a ExtensionContext<'_>, request: &Request) -> Option<Hider<'a>> {
        let views = self.views.get()?;
        let role = RequestCtx::of(request).map(|r| r.viewer.as_ref().map(|v| v.role))?;
        Some(Hider {
            registry: &ctx.schema_env.registry,
            view: views.0.get(&role)?,
            hid: false,
        })
    }

    /// Renames the hidden names of the request's document: call it on a document as parsed,
    /// before it is kept for the role ([`crate::graphql::documents`]), so that a kept document
    /// is renamed once, not per request. Also drops the default values of variables of types
    /// the schema does not have ([`drop_unknown_defaults`]).
    pub fn hide_document(&self, ctx: &ExtensionContext<'_>, request: &mut Request) {
        let hider = self.hider(ctx, request);
        let Ok(doc) = request.parsed_query() else {
            return;
        };
        // Cloned only to be changed: the document is nearly always seen whole.
        let mut doc = doc.clone();
        let mut changed = false;
        if let Some(mut hider) = hider {
            hider.document(&mut doc);
            changed = hider.hid;
        }
        changed |= drop_unknown_defaults(&ctx.schema_env.registry, &mut doc);
        if changed {
            request.set_parsed_query(doc);
        }
    }

    /// Renames the hidden input fields and enum values in the request's variables (per
    /// request: they change while a kept document does not).
    pub fn hide_variables(&self, ctx: &ExtensionContext<'_>, request: &mut Request) {
        // Most requests send none (defaults are in by now): nothing to look up.
        if request.variables.is_empty() {
            return;
        }
        let Some(mut hider) = self.hider(ctx, request) else {
            return;
        };
        let requested = request.operation_name.clone();
        let Ok(doc) = request.parsed_query() else {
            return;
        };
        // Only the operation that runs gives the variables their types (another may name the
        // same variable with another type: a review of stop 35 had a `String` renamed as an
        // enum value of the other, which told which values are hidden).
        let Some((_, op)) = crate::graphql::operation::chosen(doc, requested.as_deref()) else {
            return;
        };
        let types: Vec<(Name, String)> = op
            .node
            .variable_definitions
            .iter()
            .map(|v| (v.node.name.node.clone(), v.node.var_type.node.to_string()))
            .collect();
        let mut variables = std::mem::take(&mut request.variables);
        for (name, ty) in types {
            if let Some(value) = variables.get_mut(&name) {
                hider.value(&ty, value);
            }
        }
        request.variables = variables;
    }

    /// Takes the mark out of validation's messages, so that a hidden name reads as it was
    /// written: the message of a name that does not exist. (A kept document was renamed when
    /// first seen: every failed validation is looked at.)
    pub fn unmark(
        &self,
        result: Result<ValidationResult, Vec<ServerError>>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        result.map_err(|errors| {
            errors
                .into_iter()
                .map(|mut e| {
                    if e.message.contains(MARK) {
                        e.message = e.message.replace(MARK, "");
                    }
                    e
                })
                .collect()
        })
    }
}

/// The operations of a document, to change.
fn operations_mut(
    doc: &mut ExecutableDocument,
) -> Vec<&mut async_graphql::Positioned<async_graphql::parser::types::OperationDefinition>> {
    match &mut doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => ops.values_mut().collect(),
    }
}

/// Drops the default value of every variable whose type the schema does not have (made up, or
/// renamed here): async-graphql 7.2 validates the default of a list of an unknown type by
/// looking the type up and panicking ("Type `X` not defined", `validation/utils.rs`), so a
/// 45-byte request without a token (`query($v: [X] = [1]) { __typename }`) killed its
/// handler (a review of stop 35). Validation says the type is unknown all the same. Whether
/// anything was dropped.
fn drop_unknown_defaults(registry: &Registry, doc: &mut ExecutableDocument) -> bool {
    fn named(ty: &Type) -> &str {
        match &ty.base {
            BaseType::Named(name) => name.as_str(),
            BaseType::List(inner) => named(inner),
        }
    }
    let mut dropped = false;
    for op in operations_mut(doc) {
        for var in &mut op.node.variable_definitions {
            if var.node.default_value.is_some()
                && !registry.types.contains_key(named(&var.node.var_type.node))
            {
                var.node.default_value = None;
                dropped = true;
            }
        }
    }
    dropped
}

/// Refuses a request whose text or variables hold [`MARK`] itself: the mark is taken out of
/// validation's messages, so a client's own U+E000 (a private-use character no text needs)
/// would have made them read falsely — a visible field named unknown, a value quoted without
/// it (a review of stop 35).
pub fn refuse_marks(request: &Request) -> Result<(), ServerError> {
    fn holds(v: &ConstValue) -> bool {
        match v {
            ConstValue::String(s) => s.contains(MARK),
            ConstValue::Enum(n) => n.contains(MARK),
            ConstValue::List(items) => items.iter().any(holds),
            ConstValue::Object(fields) => fields.iter().any(|(k, v)| k.contains(MARK) || holds(v)),
            _ => false,
        }
    }
    let marked = request.query.contains(MARK)
        || request
            .operation_name
            .as_deref()
            .is_some_and(|n| n.contains(MARK))
        || request
            .variables
            .iter()
            .any(|(k, v)| k.contains(MARK) || holds(v));
    if marked {
        return Err(crate::error::AppError::bad_input(
            "the request holds U+E000, a private-use character the server does not take",
        )
        .into_server_error());
    }
    Ok(())
}

/// A name no schema holds: `name` and [`MARK`].
fn hidden(name: &str) -> Name {
    Name::new(format!("{name}{MARK}"))
}

/// The parts of an input value the renaming looks into, for literals ([`Value`]) and the
/// variables' values ([`ConstValue`]) alike.
enum Parts<'a, V> {
    Object(&'a mut IndexMap<Name, V>),
    List(&'a mut Vec<V>),
    Enum(&'a mut Name),
    /// Text where an enum value is due: a variable's arrives as JSON text, and validation
    /// takes a string literal as the value of that name.
    Text(&'a mut String),
    Other,
}

trait Input: Sized {
    fn parts(&mut self) -> Parts<'_, Self>;
}

impl Input for Value {
    fn parts(&mut self) -> Parts<'_, Self> {
        match self {
            Value::Object(m) => Parts::Object(m),
            Value::List(l) => Parts::List(l),
            Value::Enum(n) => Parts::Enum(n),
            // Validation takes a string where an enum value is due, as a value by that name
            // (a review of stop 35 ran a hidden one written `"ID_NUMBER"`).
            Value::String(s) => Parts::Text(s),
            _ => Parts::Other,
        }
    }
}

impl Input for ConstValue {
    fn parts(&mut self) -> Parts<'_, Self> {
        match self {
            ConstValue::Object(m) => Parts::Object(m),
            ConstValue::List(l) => Parts::List(l),
            ConstValue::Enum(n) => Parts::Enum(n),
            ConstValue::String(s) => Parts::Text(s),
            _ => Parts::Other,
        }
    }
}

/// Renames what one role does not see. Names not in the schema at all are left alone (the
/// validation says so itself), as is anything under a renamed name (validation does not look
/// below a name it does not know).
struct Hider<'a> {
    registry: &'a Registry,
    view: &'a View,
    hid: bool,
}

impl Hider<'_> {
    fn document(&mut self, doc: &mut ExecutableDocument) {
        for op in operations_mut(doc) {
            let root = match op.node.ty {
                OperationType::Query => Some(self.registry.query_type.clone()),
                OperationType::Mutation => self.registry.mutation_type.clone(),
                OperationType::Subscription => self.registry.subscription_type.clone(),
            };
            for var in &mut op.node.variable_definitions {
                let ty = var.node.var_type.node.to_string();
                if let Some(default) = &mut var.node.default_value {
                    self.value(&ty, &mut default.node);
                }
                self.var_type(&mut var.node.var_type.node);
            }
            if let Some(root) = root {
                self.selection_set(&root, &mut op.node.selection_set.node);
            }
        }
        for (_, fragment) in doc.fragments.iter_mut() {
            let on = &mut fragment.node.type_condition.node.on.node;
            if let Some(renamed) = self.unseen_type(on) {
                *on = renamed;
                continue;
            }
            let on = on.to_string();
            self.selection_set(&on, &mut fragment.node.selection_set.node);
        }
    }

    /// The hidden name of `ty` when it is a type of the schema the role does not see.
    fn unseen_type(&mut self, ty: &str) -> Option<Name> {
        let unseen = self.registry.types.contains_key(ty) && !self.view.has_type(ty);
        self.hid |= unseen;
        unseen.then(|| hidden(ty))
    }

    fn var_type(&mut self, ty: &mut Type) {
        match &mut ty.base {
            BaseType::Named(name) => {
                if let Some(renamed) = self.unseen_type(name) {
                    *name = renamed;
                }
            }
            BaseType::List(inner) => self.var_type(inner),
        }
    }

    fn selection_set(&mut self, ty: &str, set: &mut SelectionSet) {
        for item in &mut set.items {
            match &mut item.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.clone();
                    let field = self
                        .registry
                        .types
                        .get(ty)
                        .and_then(|meta| meta.field_by_name(&name));
                    // Introspection (shown as each role sees it elsewhere), a field not in the
                    // schema (validation speaks), or one hidden: what is below has no type, but
                    // validation still reads an inline fragment's own type condition there.
                    let Some(field) = field.filter(|_| !name.starts_with("__")) else {
                        self.untyped(&mut f.node.selection_set.node);
                        continue;
                    };
                    if !self.view.has_field(ty, &name) {
                        f.node.name.node = hidden(&name);
                        self.hid = true;
                        self.untyped(&mut f.node.selection_set.node);
                        continue;
                    }
                    for (arg, value) in &mut f.node.arguments {
                        let Some(meta) = field.args.get(arg.node.as_str()) else {
                            continue;
                        };
                        if !self.view.has_arg(ty, &name, &arg.node) {
                            arg.node = hidden(&arg.node);
                            self.hid = true;
                            continue;
                        }
                        self.value(&meta.ty, &mut value.node);
                    }
                    let child = MetaTypeName::concrete_typename(&field.ty).to_string();
                    self.selection_set(&child, &mut f.node.selection_set.node);
                }
                Selection::InlineFragment(inline) => {
                    let on = match &mut inline.node.type_condition {
                        Some(c) => {
                            if let Some(renamed) = self.unseen_type(&c.node.on.node) {
                                c.node.on.node = renamed;
                                continue;
                            }
                            c.node.on.node.to_string()
                        }
                        None => ty.to_string(),
                    };
                    self.selection_set(&on, &mut inline.node.selection_set.node);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    /// A selection set under a field without a type (unknown, hidden or introspection):
    /// validation reads nothing of it but the inline fragments that name their type, which are
    /// checked as on that type (`{ bogus { ... on Subject { idNumbex } } }` named the hidden
    /// type's fields, a review of stop 35).
    fn untyped(&mut self, set: &mut SelectionSet) {
        for item in &mut set.items {
            match &mut item.node {
                Selection::Field(f) => self.untyped(&mut f.node.selection_set.node),
                Selection::InlineFragment(inline) => match &mut inline.node.type_condition {
                    Some(c) => {
                        if let Some(renamed) = self.unseen_type(&c.node.on.node) {
                            c.node.on.node = renamed;
                            continue;
                        }
                        let on = c.node.on.node.to_string();
                        self.selection_set(&on, &mut inline.node.selection_set.node);
                    }
                    None => self.untyped(&mut inline.node.selection_set.node),
                },
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    /// An input value of type `ty` (as the schema writes it: `[CaseFilter!]`).
    fn value<V: Input>(&mut self, ty: &str, value: &mut V) {
        let base = MetaTypeName::concrete_typename(ty);
        let Some(meta) = self.registry.types.get(base) else {
            return;
        };
        match (meta, value.parts()) {
            (_, Parts::List(items)) => {
                for item in items {
                    self.value(base, item);
                }
            }
            (MetaType::InputObject { input_fields, .. }, Parts::Object(fields)) => {
                let keys: Vec<Name> = fields.keys().cloned().collect();
                for key in keys {
                    let Some(field) = input_fields.get(key.as_str()) else {
                        continue;
                    };
                    if self.view.has_input_field(base, &key) {
                        if let Some(v) = fields.get_mut(&key) {
                            self.value(&field.ty, v);
                        }
                    } else if let Some((i, _, v)) = fields.shift_remove_full(&key) {
                        let (end, _) = fields.insert_full(hidden(&key), v);
                        fields.move_index(end, i);
                        self.hid = true;
                    }
                }
            }
            (MetaType::Enum { enum_values, .. }, Parts::Enum(name)) => {
                if enum_values.contains_key(name.as_str()) && !self.view.has_enum_value(base, name)
                {
                    *name = hidden(name);
                    self.hid = true;
                }
            }
            (MetaType::Enum { enum_values, .. }, Parts::Text(text)) => {
                if enum_values.contains_key(text.as_str()) && !self.view.has_enum_value(base, text)
                {
                    text.push(MARK);
                    self.hid = true;
                }
            }
            _ => {}
        }
    }
}
