//! Batched loaders, one per relation, so that resolving a page of N records costs a constant
//! number of statements whatever N is. They are created per request (see [`Loaders::new`]),
//! so their caches never outlive one viewer's request — except reference rows (agencies,
//! communes: public, changed a few times a year), kept for the whole process by the
//! [`Directory`](crate::service::viewer::Directory).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::SelectionField;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, Iterable,
    QueryFilter, QueryOrder,
};

use entity::*;

use crate::db::Reads;
use crate::error::{AppError, AppResult};
use crate::service::rows::{Narrowed, Parents, Readable, Side};

/// Loader errors must be `Clone`; the database error is shared.
pub type LoadError = Arc<sea_orm::DbErr>;

impl From<LoadError> for AppError {
    fn from(err: LoadError) -> Self {
        AppError::Internal(anyhow::anyhow!("{err}"))
    }
}

/// Loads rows of one table by primary key.
macro_rules! by_id_loader {
    ($name:ident, $module:ident) => {
        pub struct $name(pub Reads);

        impl Loader<i64> for $name {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::Id.is_in(keys.iter().copied()))
                    .all(&self.0)
                    .await
                    .map_err(Arc::new)?;
                Ok(rows.into_iter().map(|r| (r.id, r)).collect())
            }
        }
    };
}

/// Loads the child rows of many parents at once, grouped by the parent key, in a stable order.
/// Each row is behind an `Arc`: a cache hit hands out the rows without copying their text.
macro_rules! children_loader {
    ($name:ident, $module:ident, $key:ident, $key_col:ident, $order:ident) => {
        children_loader!(
            $name,
            $module,
            $key,
            $key_col,
            $order,
            sea_orm::Condition::all()
        );
    };
    ($name:ident, $module:ident, $key:ident, $key_col:ident, $order:ident, $extra:expr) => {
        pub struct $name(pub Reads);

        impl Loader<i64> for $name {
            type Value = Vec<Arc<$module::Model>>;
            type Error = LoadError;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::$key_col.is_in(keys.iter().copied()))
                    .filter($extra)
                    .order_by_asc($module::Column::$order)
                    .all(&self.0)
                    .await
                    .map_err(Arc::new)?;
                // Every requested key gets an entry, empty when it has no children, so the
                // request cache also remembers "none" and never asks twice.
                let mut map: HashMap<i64, Self::Value> =
                    keys.iter().map(|k| (*k, Vec::new())).collect();
                for row in rows {
                    map.entry(row.$key).or_default().push(Arc::new(row));
                }
                Ok(map)
            }
        }
    };
}

/// Which columns of a table a selection reads: a bit per column, in the entity's column order.
///
/// It is part of the key of the narrowed loaders, so rows read for one set of columns only
/// ever answer a request for that same set — never a selection that reads a column they stood
/// in for ([`crate::service::rows::Narrowed`]).
#[derive(Copy, Clone, Debug, Default, Eq, PartialEq, Hash, Ord, PartialOrd)]
pub struct Columns(u64);

impl Columns {
    const ALL: Columns = Columns(u64::MAX);

    /// The columns of `E` that the selected fields read. A field reads the column of its name
    /// (`fullName` → `full_name`) and `__typename` reads none. Any other field might read
    /// anything, so it takes every column: a field added to a type without a column of its
    /// name costs a wider read, never a wrong answer.
    pub fn read_by<'a, E: EntityTrait>(
        fields: impl IntoIterator<Item = SelectionField<'a>>,
    ) -> Self {
        let mut columns = Columns::default();
        for field in fields {
            let name = field.name();
            if name == "__typename" {
                continue;
            }
            let column = snake_case(name);
            match bit::<E>(|c| c.as_str() == column) {
                Some(bit) => columns.0 |= bit,
                None => return Columns::ALL,
            }
        }
        columns
    }

    /// These and `other`.
    pub fn and(self, other: Columns) -> Columns {
        Columns(self.0 | other.0)
    }

    /// Whether `column` of `E` is one of these (a column past the 64th always is).
    fn has<E: EntityTrait>(self, column: E::Column) -> bool {
        bit::<E>(|c| c.as_str() == column.as_str()).is_none_or(|bit| self.0 & bit != 0)
    }
}

/// The bit of the column of `E` that `is` picks, by its place in the entity's column order;
/// `None` when there is none, or it is past the 64th.
fn bit<E: EntityTrait>(is: impl Fn(&E::Column) -> bool) -> Option<u64> {
    let place = E::Column::iter().position(|c| is(&c))?;
    1u64.checked_shl(u32::try_from(place).ok()?)
}

/// `fullName` → `full_name`: a GraphQL field's name as the column it reads.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A loader of children keyed by the parent *and* the [`Columns`] its selection reads: one
/// statement per batch, reading the columns its keys read together. Written once for every
/// such relation ([`narrowed_children_loader!`] says which table, key and order), so that a
/// page can read them in its own statement ([`Beside`]).
pub trait NarrowedChildren {
    type Entity: Readable;

    /// The read of a batch: every column any of its keys reads, and the parent key (the rows
    /// are grouped by it).
    fn read(columns: Columns) -> Narrowed<Self::Entity>;

    /// The batch's conditions: the parents' ([`Parents::of`]), and the relation's own.
    fn condition(parents: Parents, backend: DbBackend) -> Condition;

    /// The column a parent's children are listed by.
    fn order() -> <Self::Entity as EntityTrait>::Column;

    fn parent(child: &<Self::Entity as EntityTrait>::Model) -> i64;
}

/// The children of each key of a batch: what a loader answers and what a page feeds.
type Children<T> = Vec<(
    (i64, Columns),
    Vec<Arc<<<T as NarrowedChildren>::Entity as EntityTrait>::Model>>,
)>;

/// The read of a batch of keys of `T` (one statement's worth): the columns and the conditions.
struct Batch<T: NarrowedChildren> {
    read: Narrowed<T::Entity>,
    condition: Condition,
}

impl<T: NarrowedChildren> Batch<T> {
    fn of(keys: &[(i64, Columns)], backend: DbBackend) -> Self {
        let parents = keys.iter().map(|(parent, _)| *parent).collect();
        Batch {
            read: T::read(every(keys.iter().map(|(_, columns)| columns))),
            condition: T::condition(Parents::Ids(parents), backend),
        }
    }

    async fn load(self, db: &Reads, keys: &[(i64, Columns)]) -> Result<Children<T>, LoadError> {
        let rows = self
            .read
            .all(db, |query| {
                query.filter(self.condition).order_by_asc(T::order())
            })
            .await
            .map_err(Arc::new)?;
        Ok(grouped::<T>(rows, keys))
    }
}

/// Every column any of `keys` reads: rows with more columns answer a narrower key as well, and
/// every key then sees the same rows. (Two selections of one relation under one response key —
/// fragments colocated by a client — are merged item by item; two reads could disagree on the
/// items.)
fn every<'a>(keys: impl IntoIterator<Item = &'a Columns>) -> Columns {
    keys.into_iter()
        .fold(Columns::default(), |all, columns| all.and(*columns))
}

/// `rows` under each of `keys` whose parent they belong to, in their order.
fn grouped<T: NarrowedChildren>(
    rows: Vec<<T::Entity as EntityTrait>::Model>,
    keys: &[(i64, Columns)],
) -> Children<T> {
    // foldhash, as the caches below. The pairs are handed back as they are: a page feeds them
    // to the cache, and only a loader's answer must be a (std, SipHash) map, as `Loader` fixes
    // its type — built for the page, that map cost 1.3 % of a case list's instructions.
    let mut children: HashMap<i64, Vec<Arc<_>>, foldhash::fast::RandomState> = HashMap::default();
    for row in rows {
        children
            .entry(T::parent(&row))
            .or_default()
            .push(Arc::new(row));
    }
    keys.iter()
        .map(|key| (*key, children.get(&key.0).cloned().unwrap_or_default()))
        .collect()
}

/// The children in `T` of a page's rows, read in the page's own statement
/// ([`crate::service::rows::page_beside`]) rather than by the loader after it: the columns of
/// every selection of the relation (`keys`, one per alias or fragment), for the page's rows
/// that meet `parents` (a condition on the page, [`Parents::OfPage`]).
pub struct Beside<T: NarrowedChildren> {
    batch: Batch<T>,
    keys: Vec<Columns>,
}

impl<T: NarrowedChildren> Beside<T>
where
    T: Loader<
            (i64, Columns),
            Value = Vec<Arc<<T::Entity as EntityTrait>::Model>>,
            Error = LoadError,
        >,
{
    pub fn new(keys: Vec<Columns>, parents: Condition, backend: DbBackend) -> Self {
        Beside {
            batch: Batch {
                read: T::read(every(&keys)),
                condition: T::condition(Parents::OfPage(parents), backend),
            },
            keys,
        }
    }

    /// The side of the page's statement. The conditions move into it (a copy of them, their
    /// subquery of the page included, was most of a side's cost to build): a second side of
    /// the same `Beside` reads nothing (an empty `any`, `FALSE`).
    pub fn side(&mut self) -> Side<'_, T::Entity> {
        let condition = std::mem::replace(&mut self.batch.condition, Condition::any());
        Side {
            read: &self.batch.read,
            condition,
            order: T::order(),
        }
    }

    /// Feeds `loader` the `rows` the side read, under each key for each of `parents` (those of
    /// the page's rows the side's condition takes: they answer with no children where none
    /// were read). Rows of other parents are dropped.
    pub async fn feed(
        &self,
        loader: &Dl<T>,
        rows: Vec<<T::Entity as EntityTrait>::Model>,
        parents: impl IntoIterator<Item = i64>,
    ) {
        let keys: Vec<(i64, Columns)> = parents
            .into_iter()
            .flat_map(|parent| self.keys.iter().map(move |key| (parent, *key)))
            .collect();
        loader.feed_many(grouped::<T>(rows, &keys)).await;
    }
}

/// A [`NarrowedChildren`] loader of `$module`'s rows by `$key` (column `$key_col`), listed by
/// `$order`, with the relation's own condition `$extra`.
macro_rules! narrowed_children_loader {
    ($name:ident, $module:ident, $key:ident, $key_col:ident, $order:ident, $extra:expr) => {
        pub struct $name(pub Reads);

        impl NarrowedChildren for $name {
            type Entity = $module::Entity;

            fn read(columns: Columns) -> Narrowed<$module::Entity> {
                Narrowed::new(|c| {
                    columns.has::<$module::Entity>(c)
                        || c.as_str() == $module::Column::$key_col.as_str()
                })
            }

            fn condition(parents: Parents, backend: DbBackend) -> Condition {
                Condition::all()
                    .add(parents.of($module::Column::$key_col, backend))
                    .add($extra)
            }

            fn order() -> $module::Column {
                $module::Column::$order
            }

            fn parent(child: &$module::Model) -> i64 {
                child.$key
            }
        }

        impl Loader<(i64, Columns)> for $name {
            type Value = Vec<Arc<$module::Model>>;
            type Error = LoadError;

            async fn load(
                &self,
                keys: &[(i64, Columns)],
            ) -> Result<HashMap<(i64, Columns), Self::Value>, Self::Error> {
                let children = Batch::<Self>::of(keys, self.0.get_database_backend())
                    .load(&self.0, keys)
                    .await?;
                Ok(children.into_iter().collect())
            }
        }
    };
}

/// Loads reference rows (agencies, communes) by id through the process-wide
/// [`Directory`](crate::service::viewer::Directory): kept ones cost no statement.
macro_rules! reference_loader {
    ($name:ident, $module:ident, $method:ident) => {
        pub struct $name(pub Reads, pub Arc<crate::service::viewer::Directory>);

        impl Loader<i64> for $name {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                self.1.$method(&self.0, keys).await.map_err(Arc::new)
            }
        }
    };
}

reference_loader!(AgencyById, agencies, agencies_by_id);
reference_loader!(CommuneById, communes, communes_by_id);
by_id_loader!(BorderGateById, border_gates);
by_id_loader!(DirectiveById, directives);
by_id_loader!(CampaignById, campaigns);
by_id_loader!(CaseById, cases);

narrowed_children_loader!(
    SeizuresByCase,
    seizures,
    case_id,
    CaseId,
    Id,
    seizures::Column::ArchivedAt.is_null()
);
narrowed_children_loader!(
    SubjectsByCase,
    subjects,
    case_id,
    CaseId,
    Id,
    subjects::Column::ArchivedAt.is_null()
);
children_loader!(
    CustomsByCase,
    customs_records,
    case_id,
    CaseId,
    Id,
    customs_records::Column::ArchivedAt.is_null()
);
children_loader!(
    InvestigationByCase,
    investigation_records,
    case_id,
    CaseId,
    Id,
    investigation_records::Column::ArchivedAt.is_null()
);
children_loader!(
    CaseCoordinatorLinks,
    case_coordinators,
    case_id,
    CaseId,
    AgencyId
);
children_loader!(
    CaseCampaignLinks,
    case_campaigns,
    case_id,
    CaseId,
    CampaignId
);
children_loader!(
    TasksByDirective,
    tasks,
    directive_id,
    DirectiveId,
    Id,
    tasks::Column::ArchivedAt.is_null()
);
children_loader!(
    TaskCoordinatorLinks,
    task_coordinators,
    task_id,
    TaskId,
    AgencyId
);
children_loader!(TaskUpdatesByTask, task_updates, task_id, TaskId, PostedAt);
children_loader!(
    CitesLinks,
    directive_citations,
    directive_id,
    DirectiveId,
    CitedId
);
children_loader!(
    CitedByLinks,
    directive_citations,
    cited_id,
    CitedId,
    DirectiveId
);

/// A request-scoped loader with a per-request cache (never shared between viewers).
pub type Dl<T> = DataLoader<T, Cache>;

/// The loaders' caches hash with foldhash rather than std's SipHash: a case page makes a few
/// hundred look-ups and inserts, and SipHash was most of their cost (callgrind, issue 11).
/// Their keys are row ids (and column sets) of one request, not text a client chooses, and
/// foldhash is still seeded per process.
type Cache = HashMapCache<foldhash::fast::RandomState>;

/// All loaders of one request.
///
/// A loader batches the keys requested within one scheduling pass. Relations reached at
/// different depths of a query get loaders of their own (`lead_agency`, `parent_agency`,
/// `investigating_agency`, `gate_commune` beside the general `agency` and `commune`), so each
/// relation costs exactly one statement per level and the count never depends on which of two
/// unrelated batches happened to finish first.
pub struct Loaders {
    /// The request's reads, which every loader reads through: hold them (see [`Reads::hold`])
    /// around a run of reads to share one connection.
    pub reads: Reads,
    pub agency: Dl<AgencyById>,
    pub lead_agency: Dl<AgencyById>,
    pub parent_agency: Dl<AgencyById>,
    pub investigating_agency: Dl<AgencyById>,
    pub commune: Dl<CommuneById>,
    pub gate_commune: Dl<CommuneById>,
    pub border_gate: Dl<BorderGateById>,
    pub directive: Dl<DirectiveById>,
    pub campaign: Dl<CampaignById>,
    pub case: Dl<CaseById>,
    pub seizures: Dl<SeizuresByCase>,
    pub subjects: Dl<SubjectsByCase>,
    pub customs: Dl<CustomsByCase>,
    pub investigation: Dl<InvestigationByCase>,
    pub case_coordinators: Dl<CaseCoordinatorLinks>,
    pub case_campaigns: Dl<CaseCampaignLinks>,
    pub tasks: Dl<TasksByDirective>,
    pub task_coordinators: Dl<TaskCoordinatorLinks>,
    pub task_updates: Dl<TaskUpdatesByTask>,
    pub cites: Dl<CitesLinks>,
    pub cited_by: Dl<CitedByLinks>,
}

impl Loaders {
    /// A request's loaders, each with a per-request cache.
    pub fn new(db: &Reads, directory: &Arc<crate::service::viewer::Directory>) -> Self {
        Loaders::build(db, directory, true)
    }

    /// Loaders for one subscription: they still batch, but keep nothing. A subscription lives
    /// for hours and resolves one event after another; a cache would answer a later event with
    /// the rows of an earlier one.
    pub fn uncached(db: &Reads, directory: &Arc<crate::service::viewer::Directory>) -> Self {
        Loaders::build(db, directory, false)
    }

    /// Every loader is made here, so none can be left out of `cache`.
    fn build(db: &Reads, directory: &Arc<crate::service::viewer::Directory>, cache: bool) -> Self {
        fn with_cache<K, T>(loader: T, cache: bool) -> Dl<T>
        where
            K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
            T: Loader<K>,
        {
            // The batch runs on a task of its own; with traces on, it keeps the request's span.
            let loader = DataLoader::with_cache(
                loader,
                crate::telemetry::otel::spawn_in_request,
                Cache::new(),
            )
            .max_batch_size(1000);
            loader.enable_all_cache(cache);
            loader
        }
        macro_rules! dl {
            ($loader:expr) => {
                with_cache($loader, cache)
            };
        }
        let d = || db.clone();
        let agency = || AgencyById(d(), directory.clone());
        let commune = || CommuneById(d(), directory.clone());
        Loaders {
            reads: db.clone(),
            agency: dl!(agency()),
            lead_agency: dl!(agency()),
            parent_agency: dl!(agency()),
            investigating_agency: dl!(agency()),
            commune: dl!(commune()),
            gate_commune: dl!(commune()),
            border_gate: dl!(BorderGateById(d())),
            directive: dl!(DirectiveById(d())),
            campaign: dl!(CampaignById(d())),
            case: dl!(CaseById(d())),
            seizures: dl!(SeizuresByCase(d())),
            subjects: dl!(SubjectsByCase(d())),
            customs: dl!(CustomsByCase(d())),
            investigation: dl!(InvestigationByCase(d())),
            case_coordinators: dl!(CaseCoordinatorLinks(d())),
            case_campaigns: dl!(CaseCampaignLinks(d())),
            tasks: dl!(TasksByDirective(d())),
            task_coordinators: dl!(TaskCoordinatorLinks(d())),
            task_updates: dl!(TaskUpdatesByTask(d())),
            cites: dl!(CitesLinks(d())),
            cited_by: dl!(CitedByLinks(d())),
        }
    }
}

/// Loads one row by id (`None` when absent).
pub async fn one<T>(loader: &Dl<T>, id: i64) -> AppResult<Option<T::Value>>
where
    T: Loader<i64, Error = LoadError>,
{
    Ok(loader.load_one(id).await?)
}

/// Loads many rows by id, in the order of `ids`, skipping absent ones.
pub async fn many<T>(loader: &Dl<T>, ids: Vec<i64>) -> AppResult<Vec<T::Value>>
where
    T: Loader<i64, Error = LoadError>,
{
    let mut found = loader.load_many(ids.iter().copied()).await?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// Loads the children of one parent (empty when none); `key` is the parent's id, or for a
/// narrowed loader the id and the [`Columns`] the selection reads.
pub async fn children<T, K, V>(loader: &Dl<T>, key: K) -> AppResult<Vec<V>>
where
    T: Loader<K, Value = Vec<V>, Error = LoadError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    Ok(loader.load_one(key).await?.unwrap_or_default())
}
