//! The nodes (or edges) of a page of cases written straight into the response when their
//! selection is plain: columns of the cases and of their lead agency, commune, subjects and
//! seizures.
//!
//! async-graphql resolves each field of each object as a boxed future that it runs through the
//! schema's extension, after finding the field's type in the registry by name. A page of 50
//! cases with those relations has about 1,100 fields, and that machinery cost more CPU than
//! reading the page and its relations (issue 11). Yet every such field is a column of a row
//! that the page's read or its prefetch already holds. [`CaseList`] writes those fields itself.
//!
//! It is a shortcut to the executor's answer, not a second set of rules:
//! - [`plan`] takes a selection only when every field in it is one the tables below know, with
//!   no arguments and no directives (async-graphql has applied `@skip` and `@include` and
//!   removed them by then), fragments only on the object's own type, and each response key
//!   once. Anything else sends the whole list to the executor.
//! - So does anything the executor would answer with an error: a compartment the viewer may not
//!   read on one of the cases (the check of `Case.subjects`), a stored value that is not one of
//!   its enum's, a relation row missing from the request's cache.
//! - The subjects it writes are noted for the read audit as `Case.subjects` notes them.
//! - Values are written as the executor writes them: scalars by their own `to_value`, enums by
//!   their item's name, strings by serde_json; keys come in document order, fragments expanded
//!   in place, as [`spec`](crate::graphql::spec) puts them.
//! - The list is written as JSON text, not as a tree of `Value`s: building, dropping and then
//!   serialising that tree was a third of a case list's instructions (callgrind, issue 11). It
//!   goes into the response as it is ([`spec::raw_json`](crate::graphql::spec::raw_json)).
//!
//! Test `the_direct_case_page_answers_as_the_executor` compares the two paths for every field
//! of these types, for every role. A guard, redaction or audit note added to one of their
//! resolvers must be added here too, or the field taken out of the tables.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::resolver_utils::EnumType;
use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ScalarType, ServerResult, Value,
};

use entity::{agencies, cases, communes, seizures, subjects};

use crate::domain::access::Compartment;
use crate::domain::vocab::*;
use crate::graphql::cases::{Case, CaseEdge};
use crate::graphql::context::{RequestCtx, Vnd};
use crate::graphql::ids::{NodeKind, global_id};
use crate::graphql::loaders::{Columns, Dl, LoadError, Loaders};
use crate::graphql::spec::Fragments;

/// A list of a page's cases: its `nodes` (`[Case!]!` to the schema) or its `edges`
/// (`[CaseEdge!]!`), written directly when [`plan`] (or [`edge_plan`]) takes the selection and
/// by the executor otherwise.
pub struct CaseList<'a, const EDGES: bool>(pub &'a [cases::Model]);

pub type CaseNodes<'a> = CaseList<'a, false>;
pub type CaseEdges<'a> = CaseList<'a, true>;

impl<const EDGES: bool> OutputType for CaseList<'_, EDGES> {
    fn type_name() -> std::borrow::Cow<'static, str> {
        if EDGES {
            <Vec<CaseEdge> as OutputType>::type_name()
        } else {
            <Vec<Case> as OutputType>::type_name()
        }
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        if EDGES {
            <Vec<CaseEdge> as OutputType>::create_type_info(registry)
        } else {
            <Vec<Case> as OutputType>::create_type_info(registry)
        }
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let (set, fragments) = (&field.node.selection_set.node, &ctx.query_env.fragments);
        // Each read and write below is boxed: inline, their state made this future some
        // kilobytes, which async-graphql copies each time it moves it into a box of its own
        // (1.7 % of a case list's instructions in `memcpy`, callgrind, stop 30).
        let direct = if EDGES {
            match edge_plan(set, fragments) {
                Some(mut plan) => Box::pin(direct_edges(ctx, &mut plan, self.0)).await,
                None => None,
            }
        } else {
            match plan(set, fragments) {
                Some(mut plan) => Box::pin(direct(ctx, &mut plan, self.0)).await,
                None => None,
            }
        };
        crate::telemetry::metrics::case_page(direct.is_some());
        if let Some(value) = direct {
            return Ok(value);
        }
        let len = Some(self.0.len());
        if EDGES {
            let edges = self.0.iter().map(CaseEdge::of);
            Box::pin(async_graphql::resolver_utils::resolve_list(
                ctx, field, edges, len,
            ))
            .await
        } else {
            let nodes = self.0.iter().cloned().map(Case);
            Box::pin(async_graphql::resolver_utils::resolve_list(
                ctx, field, nodes, len,
            ))
            .await
        }
    }
}

/// The JSON text of the list being written. Strings and numbers go through serde_json and the
/// punctuation is written here, so the text is JSON (UTF-8) by construction; unit tests
/// compare each kind of value with the executor's.
type Out = Vec<u8>;

/// Room for a case's JSON, so the text is seldom grown (and copied) on the way: the benchmark's
/// selection writes about 630 bytes a case.
const ROW_BYTES: usize = 1024;

/// A column (or a value computed from one row) written as the executor writes it; `None` when
/// the executor would answer with an error.
type Plain<M> = fn(&M, &mut Out) -> Option<()>;

/// One selected field of an object: its response key and what to write there.
struct Pick<'a, W> {
    key: &'a Name,
    write: W,
}

/// A field of an object without relations.
enum Leaf<M> {
    Typename(&'static str),
    Plain(Plain<M>),
}

/// A relation's rows, read through the request's loaders by [`prepare`].
type Rows<K, V> = HashMap<K, V>;

/// A field of an edge.
enum EdgeField {
    Typename,
    Cursor,
    /// The plan of the edge's case (one `node` at most: the executor answers two).
    Node,
}

/// The fields of an edge, and the plan of its `node` if selected.
type EdgePlan<'a> = (Vec<Pick<'a, EdgeField>>, Vec<Pick<'a, CaseField<'a>>>);

/// A field of a case.
enum CaseField<'a> {
    Own(Leaf<cases::Model>),
    LeadAgency(
        Vec<Pick<'a, Leaf<agencies::Model>>>,
        Rows<i64, agencies::Model>,
    ),
    Commune(
        Vec<Pick<'a, Leaf<communes::Model>>>,
        Rows<i64, communes::Model>,
    ),
    Subjects(Relation<'a, subjects::Model>),
    Seizures(Relation<'a, seizures::Model>),
}

/// A case's list of child records, read by the narrowed loader under the columns its
/// selection reads (the key its resolver and the prefetch use).
struct Relation<'a, M> {
    field: &'a Positioned<Field>,
    picks: Vec<Pick<'a, Leaf<M>>>,
    /// Set by [`fill`].
    columns: Columns,
    rows: Rows<(i64, Columns), Vec<Arc<M>>>,
}

/// What to write for each field selected on an edge, in document order; `None` when the
/// executor must answer.
fn edge_plan<'a>(set: &'a SelectionSet, fragments: &'a Fragments) -> Option<EdgePlan<'a>> {
    let mut node = None;
    let mut picks = Vec::new();
    let mut take = |f: &'a Positioned<Field>| match f.node.name.node.as_str() {
        "__typename" => Some(EdgeField::Typename),
        "cursor" if f.node.selection_set.node.items.is_empty() => Some(EdgeField::Cursor),
        "node" if node.is_none() => {
            node = Some(plan(&f.node.selection_set.node, fragments)?);
            Some(EdgeField::Node)
        }
        _ => None,
    };
    fields(set, "CaseEdge", fragments, &mut take, &mut picks)?;
    Some((picks, node.unwrap_or_default()))
}

/// What to write for each field selected on a case, in document order; `None` when the
/// executor must answer.
fn plan<'a>(
    set: &'a SelectionSet,
    fragments: &'a Fragments,
) -> Option<Vec<Pick<'a, CaseField<'a>>>> {
    let mut picks = Vec::new();
    fields(
        set,
        "Case",
        fragments,
        &mut |f| case_field(f, fragments),
        &mut picks,
    )?;
    Some(picks)
}

fn case_field<'a>(f: &'a Positioned<Field>, fragments: &'a Fragments) -> Option<CaseField<'a>> {
    let set = &f.node.selection_set.node;
    Some(match f.node.name.node.as_str() {
        "leadAgency" => CaseField::LeadAgency(
            leaves(set, "Agency", fragments, agency_column)?,
            HashMap::new(),
        ),
        "commune" => CaseField::Commune(
            leaves(set, "Commune", fragments, commune_column)?,
            HashMap::new(),
        ),
        "subjects" => CaseField::Subjects(Relation {
            field: f,
            picks: leaves(set, "Subject", fragments, subject_column)?,
            columns: Columns::default(),
            rows: HashMap::new(),
        }),
        "seizures" => CaseField::Seizures(Relation {
            field: f,
            picks: leaves(set, "Seizure", fragments, seizure_column)?,
            columns: Columns::default(),
            rows: HashMap::new(),
        }),
        _ => CaseField::Own(leaf(f, "Case", case_column)?),
    })
}

/// The fields selected on an object without relations.
fn leaves<'a, M>(
    set: &'a SelectionSet,
    on: &'static str,
    fragments: &'a Fragments,
    plain: fn(&str) -> Option<Plain<M>>,
) -> Option<Vec<Pick<'a, Leaf<M>>>> {
    let mut picks = Vec::new();
    fields(set, on, fragments, &mut |f| leaf(f, on, plain), &mut picks)?;
    Some(picks)
}

/// A field of an object without relations: `__typename` or one of `plain`'s columns.
fn leaf<M>(
    f: &Positioned<Field>,
    on: &'static str,
    plain: fn(&str) -> Option<Plain<M>>,
) -> Option<Leaf<M>> {
    let name = f.node.name.node.as_str();
    if name == "__typename" {
        return Some(Leaf::Typename(on));
    }
    if !f.node.selection_set.node.items.is_empty() {
        return None;
    }
    plain(name).map(Leaf::Plain)
}

/// The fields of `set` on an object of type `on`, fragments expanded in place, each taken by
/// `take`; `None` when any of them is not taken or needs what only the executor does
/// (arguments, directives, a type condition, a response key selected twice).
fn fields<'a, W>(
    set: &'a SelectionSet,
    on: &str,
    fragments: &'a Fragments,
    take: &mut impl FnMut(&'a Positioned<Field>) -> Option<W>,
    out: &mut Vec<Pick<'a, W>>,
) -> Option<()> {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                if !f.node.directives.is_empty() || !f.node.arguments.is_empty() {
                    return None;
                }
                let key = &f.node.response_key().node;
                if out.iter().any(|p| p.key == key) {
                    return None;
                }
                out.push(Pick {
                    key,
                    write: take(f)?,
                });
            }
            Selection::InlineFragment(inline) => {
                let inline = &inline.node;
                let other = inline
                    .type_condition
                    .as_ref()
                    .is_some_and(|t| t.node.on.node != on);
                if other || !inline.directives.is_empty() {
                    return None;
                }
                fields(&inline.selection_set.node, on, fragments, take, out)?;
            }
            Selection::FragmentSpread(spread) => {
                let fragment = &fragments.get(&spread.node.fragment_name.node)?.node;
                if fragment.type_condition.node.on.node != on
                    || !spread.node.directives.is_empty()
                    || !fragment.directives.is_empty()
                {
                    return None;
                }
                fields(&fragment.selection_set.node, on, fragments, take, out)?;
            }
        }
    }
    Some(())
}

/// Writes the nodes of a page; `None` when the executor must answer.
async fn direct(
    ctx: &ContextSelectionSet<'_>,
    plan: &mut [Pick<'_, CaseField<'_>>],
    rows: &[cases::Model],
) -> Option<Value> {
    let request = prepare(ctx, plan, rows).await?;
    let mut read = Vec::new();
    let mut out = crate::graphql::spec::raw_text(rows.len() * ROW_BYTES);
    list(&mut out, rows, |case, out| {
        write_case(plan, case, &mut read, out)
    })?;
    finish(ctx, request, out, read)
}

/// Writes the edges of a page; `None` when the executor must answer.
async fn direct_edges(
    ctx: &ContextSelectionSet<'_>,
    (edge, plan): &mut EdgePlan<'_>,
    rows: &[cases::Model],
) -> Option<Value> {
    let request = prepare(ctx, plan, rows).await?;
    let mut read = Vec::new();
    let mut out = crate::graphql::spec::raw_text(rows.len() * ROW_BYTES);
    list(&mut out, rows, |case, out| {
        object(out, edge, |field, out| match field {
            EdgeField::Typename => text("CaseEdge", out),
            EdgeField::Cursor => text(&crate::service::cases::cursor_of(case), out),
            EdgeField::Node => write_case(plan, case, &mut read, out),
        })
    })?;
    finish(ctx, request, out, read)
}

/// Checks the compartments of the planned relations on every case of the page and reads their
/// rows through the request's loaders (which the prefetch has filled); `None` when the executor
/// must answer.
async fn prepare<'c>(
    ctx: &'c ContextSelectionSet<'_>,
    plan: &mut [Pick<'_, CaseField<'_>>],
    rows: &[cases::Model],
) -> Option<&'c RequestCtx> {
    let request = ctx.data_opt::<RequestCtx>()?;
    let viewer = request.viewer.as_ref()?;
    let l = ctx.data_opt::<Loaders>()?;
    let wants_subjects = plan
        .iter()
        .any(|p| matches!(p.write, CaseField::Subjects(_)));
    if wants_subjects
        && !rows
            .iter()
            .all(|c| viewer.reads_case_compartment(Compartment::Police, c.lead_agency_id))
    {
        return None;
    }
    for pick in plan.iter_mut() {
        match &mut pick.write {
            CaseField::Own(_) => {}
            CaseField::LeadAgency(_, found) => {
                *found = cached(&l.lead_agency, rows.iter().map(|c| c.lead_agency_id)).await?;
            }
            CaseField::Commune(_, found) => {
                *found = cached(&l.commune, rows.iter().filter_map(|c| c.commune_id)).await?;
            }
            CaseField::Subjects(r) => {
                fill::<subjects::Entity, _, _>(ctx, &l.subjects, r, rows).await?
            }
            CaseField::Seizures(r) => {
                fill::<seizures::Entity, _, _>(ctx, &l.seizures, r, rows).await?
            }
        }
    }
    Some(request)
}

/// One case as its plan says; the ids of cases whose subjects it wrote go to `read`.
fn write_case(
    plan: &[Pick<'_, CaseField<'_>>],
    case: &cases::Model,
    read: &mut Vec<i64>,
    out: &mut Out,
) -> Option<()> {
    object(out, plan, |field, out| match field {
        CaseField::Own(leaf) => write(leaf, case, out),
        CaseField::LeadAgency(picks, found) => {
            object_of(picks, found.get(&case.lead_agency_id)?, out)
        }
        CaseField::Commune(picks, found) => match case.commune_id {
            Some(id) => object_of(picks, found.get(&id)?, out),
            None => null(out),
        },
        CaseField::Subjects(r) => {
            // Noted whether the case has subjects or none: an audit of only the cases with
            // some would tell the audit log's reader which cases have them.
            read.push(case.id);
            r.write(r.list(case.id)?, out)
        }
        CaseField::Seizures(r) => r.write(r.list(case.id)?, out),
    })
}

/// The written list as the response's value; the cases whose subjects it read are then noted
/// for the read audit (a list left to the executor, when this is `None`, is noted by its
/// resolvers).
fn finish(
    ctx: &ContextSelectionSet<'_>,
    request: &RequestCtx,
    out: Out,
    subjects_read: Vec<i64>,
) -> Option<Value> {
    let value = crate::graphql::spec::raw_json(ctx, out)?;
    for id in subjects_read {
        request.reads.note("case", id, "subjects");
    }
    Some(value)
}

/// Rows by id through the request's loader, which the prefetch has filled (a row missing there
/// costs a statement; one missing altogether sends the list to the executor when written).
async fn cached<T>(loader: &Dl<T>, ids: impl Iterator<Item = i64>) -> Option<HashMap<i64, T::Value>>
where
    T: Loader<i64, Error = LoadError>,
{
    // Each id once: a page's 50 cases share a few agencies, and the loader clones a row per
    // key it is given.
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    loader.load_many(ids).await.ok()
}

/// Reads a relation's rows for every case of the page under the columns its selection reads.
async fn fill<E, T, M>(
    ctx: &ContextSelectionSet<'_>,
    loader: &Dl<T>,
    relation: &mut Relation<'_, M>,
    rows: &[cases::Model],
) -> Option<()>
where
    E: sea_orm::EntityTrait,
    T: Loader<(i64, Columns), Value = Vec<Arc<M>>, Error = LoadError>,
    M: Send + Sync + 'static,
{
    // The key `Case`'s resolver of the relation asks for, so the prefetch's rows answer it.
    relation.columns =
        Columns::read_by::<E>(ctx.with_field(relation.field).field().selection_set());
    let keys = rows.iter().map(|c| (c.id, relation.columns));
    relation.rows = loader.load_many(keys).await.ok()?;
    Some(())
}

impl<M> Relation<'_, M> {
    fn list(&self, case_id: i64) -> Option<&[Arc<M>]> {
        self.rows.get(&(case_id, self.columns)).map(Vec::as_slice)
    }

    fn write(&self, rows: &[Arc<M>], out: &mut Out) -> Option<()> {
        list(out, rows, |row, out| object_of(&self.picks, row, out))
    }
}

fn write<M>(leaf: &Leaf<M>, row: &M, out: &mut Out) -> Option<()> {
    match leaf {
        Leaf::Typename(name) => text(name, out),
        Leaf::Plain(plain) => plain(row, out),
    }
}

fn object_of<M>(picks: &[Pick<'_, Leaf<M>>], row: &M, out: &mut Out) -> Option<()> {
    object(out, picks, |leaf, out| write(leaf, row, out))
}

/// A JSON list of `items`, each written by `each`.
fn list<T>(
    out: &mut Out,
    items: impl IntoIterator<Item = T>,
    mut each: impl FnMut(T, &mut Out) -> Option<()>,
) -> Option<()> {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(item, out)?;
    }
    out.push(b']');
    Some(())
}

/// A JSON object of `picks`' keys, in their order, each value written by `value`. A key is a
/// GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`, checked by the parser), so it needs no escaping.
fn object<W>(
    out: &mut Out,
    picks: &[Pick<'_, W>],
    mut value: impl FnMut(&W, &mut Out) -> Option<()>,
) -> Option<()> {
    out.push(b'{');
    for (i, pick) in picks.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(pick.key.as_bytes());
        out.extend_from_slice(b"\":");
        value(&pick.write, out)?;
    }
    out.push(b'}');
    Some(())
}

fn null(out: &mut Out) -> Option<()> {
    out.extend_from_slice(b"null");
    Some(())
}

/// A scalar as the executor writes it (its `OutputType` is `to_value`).
fn scalar<T: ScalarType>(value: T, out: &mut Out) -> Option<()> {
    serde_json::to_writer(out, &value.to_value()).ok()
}

/// A row id as the `ID` scalar writes it: a string of its digits.
fn row_id(id: i64, out: &mut Out) -> Option<()> {
    out.push(b'"');
    serde_json::to_writer(&mut *out, &id).ok()?;
    out.push(b'"');
    Some(())
}

/// A date as `NaiveDate`'s `to_value` writes it (`%Y-%m-%d`), without chrono's format string,
/// which it parses on every call (2 % of a case list's instructions by callgrind). Years
/// outside 0–9999, which chrono writes with a sign or more digits, go through `to_value`.
fn date(value: chrono::NaiveDate, out: &mut Out) -> Option<()> {
    use chrono::Datelike;
    let Ok(year @ 0..=9999) = u32::try_from(value.year()) else {
        return scalar(value, out);
    };
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (month, day) = (value.month(), value.day());
    let text = [
        b'"',
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
        b'"',
    ];
    out.extend_from_slice(&text);
    Some(())
}

/// A string as serde_json writes it. Most text needs no escape, and serde_json looks each byte
/// up in its escape table one at a time (6 % of a case list's instructions by callgrind, stop
/// 29): text with none of the bytes it escapes (control characters, `"` and `\`) is
/// copied as it is, after a check with no early exit (so the compiler may vectorise it).
/// Anything else goes through serde_json.
fn text(value: &str, out: &mut Out) -> Option<()> {
    let plain = !value.bytes().fold(false, |escape, b| {
        escape | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.reserve(value.len() + 2);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
        Some(())
    } else {
        serde_json::to_writer(out, value).ok()
    }
}

/// An optional value: `null` when absent.
fn optional<T>(
    value: Option<T>,
    out: &mut Out,
    write: impl FnOnce(T, &mut Out) -> Option<()>,
) -> Option<()> {
    match value {
        Some(v) => write(v, out),
        None => null(out),
    }
}

/// An enum value by its item's name, as `enum_value` writes it (without its `Name`'s allocation).
fn item<T: EnumType>(value: T, out: &mut Out) -> Option<()> {
    let item = T::items().iter().find(|item| item.value == value)?;
    text(item.name, out)
}

/// A stored vocabulary value read by its `from_db`, as its GraphQL enum value; `None` (the
/// executor's error) when it is not one.
fn vocab<T: EnumType>(read: crate::error::AppResult<T>, out: &mut Out) -> Option<()> {
    item(read.ok()?, out)
}

/// The columns of `Case` written directly: each as the field of the same name in
/// [`Case`]'s resolvers writes it.
fn case_column(name: &str) -> Option<Plain<cases::Model>> {
    Some(match name {
        "id" => |c, o| text(&global_id(NodeKind::Case, c.id), o),
        "code" => |c, o| text(&c.code, o),
        "version" => |c, o| scalar(c.version, o),
        "title" => |c, o| text(&c.title, o),
        "status" => |c, o| vocab(CaseStatus::from_db(&c.status), o),
        "violationType" => |c, o| vocab(ViolationType::from_db(&c.violation_type), o),
        "officialGroup" => |c, o| {
            let group = ViolationType::from_db(&c.violation_type)
                .ok()?
                .official_group();
            item(group, o)
        },
        "commodityGroup" => |c, o| vocab(CommodityGroup::from_db(&c.commodity_group), o),
        "channel" => |c, o| vocab(Channel::from_db(&c.channel), o),
        "platform" => |c, o| {
            optional(c.platform.as_deref(), o, |p, o| {
                vocab(Platform::from_db(p), o)
            })
        },
        "detectedOn" => |c, o| date(c.detected_on, o),
        "handledOn" => |c, o| optional(c.handled_on, o, date),
        "goodsSummary" => |c, o| text(&c.goods_summary, o),
        "fineAmount" => |c, o| scalar(Vnd(c.fine_amount), o),
        "taxArrears" => |c, o| scalar(Vnd(c.tax_arrears), o),
        "goodsValue" => |c, o| scalar(Vnd(c.goods_value), o),
        "budgetCollected" => |c, o| scalar(Vnd(c.budget_collected), o),
        _ => return None,
    })
}

fn agency_column(name: &str) -> Option<Plain<agencies::Model>> {
    Some(match name {
        "id" => |a, o| text(&global_id(NodeKind::Agency, a.id), o),
        "code" => |a, o| text(&a.code, o),
        "name" => |a, o| text(&a.name, o),
        "version" => |a, o| scalar(a.version, o),
        "shortName" => |a, o| optional(a.short_name.as_deref(), o, text),
        "kind" => |a, o| vocab(AgencyKind::from_db(&a.kind), o),
        "level" => |a, o| vocab(AgencyLevel::from_db(&a.level), o),
        "isMember" => |a, o| scalar(a.is_member, o),
        _ => return None,
    })
}

fn commune_column(name: &str) -> Option<Plain<communes::Model>> {
    Some(match name {
        "id" => |c, o| text(&global_id(NodeKind::Commune, c.id), o),
        "code" => |c, o| text(&c.code, o),
        "name" => |c, o| text(&c.name, o),
        "version" => |c, o| scalar(c.version, o),
        "kind" => |c, o| vocab(CommuneKind::from_db(&c.kind), o),
        "isBorder" => |c, o| scalar(c.is_border, o),
        "committeeEstablishedOn" => |c, o| optional(c.committee_established_on, o, date),
        _ => return None,
    })
}

fn subject_column(name: &str) -> Option<Plain<subjects::Model>> {
    Some(match name {
        "id" => |s, o| row_id(s.id, o),
        "version" => |s, o| scalar(s.version, o),
        "kind" => |s, o| vocab(SubjectKind::from_db(&s.kind), o),
        "role" => |s, o| vocab(SubjectRole::from_db(&s.role), o),
        "fullName" => |s, o| text(&s.full_name, o),
        "idNumber" => |s, o| optional(s.id_number.as_deref(), o, text),
        "dateOfBirth" => |s, o| optional(s.date_of_birth, o, date),
        "address" => |s, o| optional(s.address.as_deref(), o, text),
        "nationality" => |s, o| optional(s.nationality.as_deref(), o, text),
        "taxCode" => |s, o| optional(s.tax_code.as_deref(), o, text),
        _ => return None,
    })
}

/// `hsCode` (customs compartment) is not here: it is checked and audited per seizure by its
/// resolver.
fn seizure_column(name: &str) -> Option<Plain<seizures::Model>> {
    Some(match name {
        "id" => |s, o| row_id(s.id, o),
        "version" => |s, o| scalar(s.version, o),
        "item" => |s, o| text(&s.item, o),
        "commodityGroup" => |s, o| vocab(CommodityGroup::from_db(&s.commodity_group), o),
        "quantity" => |s, o| scalar(s.quantity, o),
        "unit" => |s, o| text(&s.unit, o),
        "estimatedValue" => |s, o| scalar(Vnd(s.estimated_value), o),
        "vehiclePlate" => |s, o| optional(s.vehicle_plate.as_deref(), o, text),
        "storagePlace" => |s, o| optional(s.storage_place.as_deref(), o, text),
        "disposalStatus" => |s, o| vocab(DisposalStatus::from_db(&s.disposal_status), o),
        "disposalApprovedOn" => |s, o| optional(s.disposal_approved_on, o, date),
        "disposalApprovalRef" => |s, o| optional(s.disposal_approval_ref.as_deref(), o, text),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection};

    use super::{
        CaseField, date, edge_plan, item, list, null, optional, plan, row_id, scalar, text,
    };
    use crate::graphql::context::Vnd;

    /// What a writer wrote, as text.
    fn written(write: impl FnOnce(&mut Vec<u8>) -> Option<()>) -> String {
        let mut out = Vec::new();
        assert_eq!(write(&mut out), Some(()));
        String::from_utf8(out).expect("utf-8")
    }

    /// The executor's JSON for a value.
    fn json(value: async_graphql::Value) -> String {
        serde_json::to_string(&value).expect("json")
    }

    #[test]
    fn values_are_written_as_the_executor_writes_them() {
        use async_graphql::{InputType, ScalarType};
        for s in [
            "",
            "Nguyễn Văn Đức",
            "a \"quoted\" \\ back",
            "tab\tnew\nline\u{1}\u{7f}",
            "đ/</script>",
        ] {
            assert_eq!(written(|o| text(s, o)), json(s.into()), "{s:?}");
        }
        // Every character below U+0100, alone and inside plain text, and a long plain text.
        for c in (0u32..0x100).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("Hồ sơ {c} vụ việc")] {
                assert_eq!(written(|o| text(&s, o)), json(s.as_str().into()), "{s:?}");
            }
        }
        let long = "Vận chuyển hàng cấm qua biên giới ".repeat(20);
        assert_eq!(written(|o| text(&long, o)), json(long.as_str().into()));
        assert_eq!(
            written(|o| scalar(1.5f64, o)),
            json(ScalarType::to_value(&1.5f64))
        );
        assert_eq!(
            written(|o| scalar(3.0f64, o)),
            json(ScalarType::to_value(&3.0f64))
        );
        assert_eq!(
            written(|o| scalar(7i32, o)),
            json(ScalarType::to_value(&7i32))
        );
        assert_eq!(
            written(|o| scalar(true, o)),
            json(ScalarType::to_value(&true))
        );
        let vnd = Vnd(12_500_000_000);
        assert_eq!(
            written(|o| scalar(vnd, o)),
            json(ScalarType::to_value(&vnd))
        );
        assert_eq!(
            written(|o| row_id(42, o)),
            json(ScalarType::to_value(&async_graphql::ID("42".into())))
        );
        for status in [
            crate::domain::vocab::CaseStatus::Detected,
            crate::domain::vocab::CaseStatus::Closed,
        ] {
            assert_eq!(
                written(|o| item(status, o)),
                json(InputType::to_value(&status))
            );
        }
        assert_eq!(written(null), "null");
        assert_eq!(written(|o| optional(None::<&str>, o, text)), "null");
        assert_eq!(written(|o| optional(Some("x"), o, text)), r#""x""#);
        assert_eq!(
            written(|o| list(o, ["a", "b"], |s, o| text(s, o))),
            r#"["a","b"]"#
        );
        assert_eq!(
            written(|o| list(o, Vec::<&str>::new(), |s, o| text(s, o))),
            "[]"
        );
    }

    #[test]
    fn dates_are_written_as_the_date_scalar_writes_them() {
        use async_graphql::ScalarType;
        use chrono::NaiveDate;
        let mut days: Vec<NaiveDate> = [(0, 1, 1), (9, 2, 3), (99, 12, 31), (999, 6, 15)]
            .iter()
            .chain(&[(1990, 1, 1), (2026, 12, 14), (2026, 12, 15), (2024, 2, 29)])
            .chain(&[(9999, 12, 31), (10000, 1, 1), (-1, 7, 4), (-12345, 3, 9)])
            .filter_map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
            .collect();
        // Every day of two years, for every month and day length.
        let start = NaiveDate::from_ymd_opt(2023, 1, 1).expect("a date");
        days.extend(start.iter_days().take(731));
        assert_eq!(days.len(), 12 + 731);
        for day in days {
            assert_eq!(written(|o| date(day, o)), json(day.to_value()), "{day:?}");
        }
    }

    /// The selection under `cases { nodes { … } }` of `query`, planned: what each field of a
    /// case is written from, or `None` for the executor.
    fn planned(query: &str) -> Option<Vec<&'static str>> {
        let doc: ExecutableDocument = parse_query(query).expect("a document");
        let DocumentOperations::Single(op) = &doc.operations else {
            panic!("one operation")
        };
        let field = |set: &async_graphql::parser::types::SelectionSet| match &set.items[0].node {
            Selection::Field(f) => f.node.selection_set.node.clone(),
            _ => panic!("a field"),
        };
        let cases = field(&op.node.selection_set.node);
        let nodes = field(&cases);
        let picks = plan(&nodes, &doc.fragments)?;
        let kinds = picks.iter().map(|p| match p.write {
            CaseField::Own(_) => "own",
            CaseField::LeadAgency(..) => "leadAgency",
            CaseField::Commune(..) => "commune",
            CaseField::Subjects(_) => "subjects",
            CaseField::Seizures(_) => "seizures",
        });
        Some(kinds.collect())
    }

    #[test]
    fn plain_selections_are_written_directly() {
        // The benchmark's page.
        let bench = "{ cases { nodes { id code title status detectedOn leadAgency { code name } \
                     commune { name } subjects { fullName role } seizures { item quantity unit } } } }";
        assert_eq!(planned(bench).map(|k| k.len()), Some(9));
        assert_eq!(
            planned("{ cases { nodes { __typename a: code b: code } } }").map(|k| k.len()),
            Some(3)
        );
        assert_eq!(
            planned(
                "{ cases { nodes { id ...F ... on Case { title } ... { status } } } } fragment F on Case { code seizures { ...S } } fragment S on Seizure { item }"
            ),
            Some(vec!["own", "own", "seizures", "own", "own"])
        );
    }

    #[test]
    fn anything_else_goes_to_the_executor() {
        for query in [
            // directives, anywhere
            "{ cases { nodes { id @include(if: true) } } }",
            "{ cases { nodes { id subjects { fullName @skip(if: false) } } } }",
            "{ cases { nodes { id ...F @include(if: true) } } } fragment F on Case { code }",
            "{ cases { nodes { id ... @include(if: true) { code } } } }",
            "{ cases { nodes { id ...F } } } fragment F on Case @deprecated { code }",
            // a response key twice (the executor merges them)
            "{ cases { nodes { code code } } }",
            "{ cases { nodes { code ...F } } } fragment F on Case { code }",
            "{ cases { nodes { subjects { role } subjects { fullName } } } }",
            // fields it does not write: restricted, relations of their own, arguments
            "{ cases { nodes { seizures { hsCode } } } }",
            "{ cases { nodes { investigation { notes } } } }",
            "{ cases { nodes { customsRecords { regime } } } }",
            "{ cases { nodes { coordinatingAgencies { code } } } }",
            "{ cases { nodes { leadAgency { parent { code } } } } }",
            "{ cases { nodes { borderGate { code } } } }",
            "{ cases { nodes { campaigns { code } } } }",
            "{ cases { nodes { code(x: 1) } } }",
            "{ cases { nodes { unknownField } } }",
            // a type condition other than the object's
            "{ cases { nodes { ... on Node { id } } } }",
            "{ cases { nodes { ...F } } } fragment F on Node { id }",
            "{ cases { nodes { ...Missing } } }",
        ] {
            assert_eq!(planned(query), None, "{query}");
        }
    }

    #[test]
    fn edges_are_written_directly_with_one_plain_node() {
        let planned = |query: &str| {
            let doc = parse_query(query).expect("a document");
            let DocumentOperations::Single(op) = &doc.operations else {
                panic!("one operation")
            };
            let Selection::Field(cases) = &op.node.selection_set.node.items[0].node else {
                panic!("a field")
            };
            let Selection::Field(edges) = &cases.node.selection_set.node.items[0].node else {
                panic!("a field")
            };
            edge_plan(&edges.node.selection_set.node, &doc.fragments)
                .map(|(edge, node)| (edge.len(), node.len()))
        };
        assert_eq!(
            planned("{ cases { edges { cursor node { id code } } } }"),
            Some((2, 2))
        );
        assert_eq!(
            planned("{ cases { edges { __typename cursor } } }"),
            Some((2, 0))
        );
        assert_eq!(
            planned("{ cases { edges { a: node { id } b: node { code } } } }"),
            None
        );
        assert_eq!(
            planned("{ cases { edges { node { investigation { notes } } } } }"),
            None
        );
        assert_eq!(planned("{ cases { edges { cursor cursor } } }"), None);
    }

    #[test]
    fn a_plan_knows_each_relation() {
        assert_eq!(
            planned(
                "{ cases { nodes { leadAgency { code } commune { name } subjects { role } seizures { unit } code } } }"
            ),
            Some(vec!["leadAgency", "commune", "subjects", "seizures", "own"])
        );
    }
}
