//! Who the bearer of a verified token is: its agency and commune codes resolved to rows, and
//! checked against its role (a police token naming the customs agency is refused).
//!
//! Every signed-in request needs those rows, and they change a few times a year: the
//! [`Directory`] keeps them for a minute instead of asking the database per request. A write
//! of an agency or a commune empties it on this instance before the write is answered (the
//! events' reference generation, compared on every look-up); other instances see the change
//! within the minute. The same rows by id serve every page
//! that shows an agency or a commune (a case's lead agency and commune), so a case list does
//! not ask the database for reference data either ([`Directory::agencies_by_id`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::future::Cache;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use entity::{agencies, communes};

use crate::auth::{Claims, Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::events::Events;

/// How long a token's agency and commune are kept.
const DIRECTORY_TTL: Duration = Duration::from_secs(60);

/// Agencies and communes by code (as tokens name them) and by id (as records point at them).
/// Only rows found are kept: an unknown code is asked again, so an agency created a moment ago
/// is found at once.
pub struct Directory {
    agencies: Cache<String, agencies::Model>,
    communes: Cache<String, communes::Model>,
    agencies_by_id: Cache<i64, agencies::Model>,
    communes_by_id: Cache<i64, communes::Model>,
    /// The events' count of agency and commune writes, and the count the kept rows belong to.
    published: Arc<AtomicU64>,
    kept: AtomicU64,
}

fn cache<K, V>() -> Cache<K, V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(10_000)
        .time_to_live(DIRECTORY_TTL)
        .build()
}

impl Directory {
    /// A directory kept current by the reference writes published on `events`.
    pub fn new(events: &Events) -> Directory {
        let published = events.reference_generation();
        let kept = AtomicU64::new(published.load(Ordering::SeqCst));
        Directory {
            agencies: cache(),
            communes: cache(),
            agencies_by_id: cache(),
            communes_by_id: cache(),
            published,
            kept,
        }
    }

    /// The generation rows read now belong to, after emptying the directory if an agency or
    /// a commune was written since its rows were read. A row read under one generation is
    /// taken back out if a write was published before it was stored ([`Self::keep`] checked
    /// after storing), so a look-up racing a write never leaves the old row behind: either
    /// the write came after the row was stored, and the next look-up empties the directory,
    /// or before, and the row is taken out.
    fn current(&self) -> u64 {
        let now = self.published.load(Ordering::SeqCst);
        if self.kept.swap(now, Ordering::SeqCst) != now {
            self.agencies.invalidate_all();
            self.communes.invalidate_all();
            self.agencies_by_id.invalidate_all();
            self.communes_by_id.invalidate_all();
        }
        now
    }

    /// The count of agency and commune writes published on this instance: a viewer resolved
    /// under another count may have changed (a live connection resolves its own again).
    pub fn generation(&self) -> u64 {
        self.published.load(Ordering::SeqCst)
    }

    fn keep(&self, generation: u64) -> bool {
        self.published.load(Ordering::SeqCst) == generation
    }

    /// The agency of this code, if any (kept for a minute).
    pub async fn agency(
        &self,
        db: &DatabaseConnection,
        code: &str,
    ) -> AppResult<Option<agencies::Model>> {
        let generation = self.current();
        let fetch = agencies::Entity::find().filter(agencies::Column::Code.eq(code));
        by_code(
            &self.agencies,
            code,
            || self.keep(generation),
            fetch.one(db),
        )
        .await
    }

    /// The commune of this code, if any (kept for a minute).
    pub async fn commune(
        &self,
        db: &DatabaseConnection,
        code: &str,
    ) -> AppResult<Option<communes::Model>> {
        let generation = self.current();
        let fetch = communes::Entity::find().filter(communes::Column::Code.eq(code));
        by_code(
            &self.communes,
            code,
            || self.keep(generation),
            fetch.one(db),
        )
        .await
    }

    /// Agencies by id: those kept, and the others in one statement (then kept).
    pub async fn agencies_by_id<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: &[i64],
    ) -> Result<HashMap<i64, agencies::Model>, sea_orm::DbErr> {
        let kept = &self.agencies_by_id;
        self.rows_by_id::<agencies::Entity, C>(kept, db, ids, agencies::Column::Id, |a| a.id)
            .await
    }

    /// Communes by id, as [`Self::agencies_by_id`].
    pub async fn communes_by_id<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: &[i64],
    ) -> Result<HashMap<i64, communes::Model>, sea_orm::DbErr> {
        let kept = &self.communes_by_id;
        self.rows_by_id::<communes::Entity, C>(kept, db, ids, communes::Column::Id, |c| c.id)
            .await
    }

    /// Rows of `E` by id ([`by_id`] under the current generation): those in `kept`, and the
    /// others in one statement over `id_col`, keyed by `id_of`.
    async fn rows_by_id<E, C: ConnectionTrait>(
        &self,
        kept: &Cache<i64, E::Model>,
        db: &C,
        ids: &[i64],
        id_col: E::Column,
        id_of: fn(&E::Model) -> i64,
    ) -> Result<HashMap<i64, E::Model>, sea_orm::DbErr>
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        let generation = self.current();
        by_id(
            kept,
            ids,
            || self.keep(generation),
            async |missing| {
                E::find()
                    .filter(id_col.is_in(missing))
                    .all(db)
                    .await
                    .map(|rows| rows.into_iter().map(|r| (id_of(&r), r)).collect())
            },
        )
        .await
    }
}

/// The row of `code` from `kept`, else from `fetch` (then kept unless `still_current` says a
/// reference write came before it was stored). Only rows found are kept.
async fn by_code<V: Clone + Send + Sync + 'static>(
    kept: &Cache<String, V>,
    code: &str,
    still_current: impl Fn() -> bool,
    fetch: impl Future<Output = Result<Option<V>, sea_orm::DbErr>>,
) -> AppResult<Option<V>> {
    if let Some(v) = kept.get(code).await {
        return Ok(Some(v));
    }
    let found = fetch.await?;
    if let Some(v) = &found {
        kept.insert(code.to_string(), v.clone()).await;
        if !still_current() {
            kept.invalidate(code).await;
        }
    }
    Ok(found)
}

/// The rows of `ids` from `kept`, asking `fetch` (one statement) only for the missing ones,
/// kept unless `still_current` says a reference write came before they were stored.
async fn by_id<V: Clone + Send + Sync + 'static>(
    kept: &Cache<i64, V>,
    ids: &[i64],
    still_current: impl Fn() -> bool,
    fetch: impl AsyncFnOnce(Vec<i64>) -> Result<HashMap<i64, V>, sea_orm::DbErr>,
) -> Result<HashMap<i64, V>, sea_orm::DbErr> {
    let mut found = HashMap::with_capacity(ids.len());
    let mut missing = vec![];
    for &id in ids {
        match kept.get(&id).await {
            Some(v) => {
                found.insert(id, v);
            }
            None => missing.push(id),
        }
    }
    if !missing.is_empty() {
        let fetched = fetch(missing).await?;
        for (id, v) in &fetched {
            kept.insert(*id, v.clone()).await;
        }
        if !still_current() {
            for id in fetched.keys() {
                kept.invalidate(id).await;
            }
        }
        found.extend(fetched);
    }
    Ok(found)
}

/// The viewer of verified claims, or `UNAUTHENTICATED` when the claims do not fit the data.
pub async fn resolve(
    db: &DatabaseConnection,
    directory: &Directory,
    claims: Claims,
) -> Result<Viewer, AppError> {
    let agency = match &claims.agency {
        Some(code) => Some(directory.agency(db, code).await?.ok_or_else(|| {
            AppError::Unauthenticated("the token names an unknown agency".into())
        })?),
        None => None,
    };
    if let Some(a) = &agency {
        let parent = match crate::service::case_write::parent_for_standing(a) {
            Some(id) => directory.agencies_by_id(db, &[id]).await?.remove(&id),
            None => None,
        };
        let standing = crate::service::case_write::standing(a, parent.as_ref());
        if !standing.is_ok_and(|s| crate::domain::access::role_fits_agency(claims.role, s)) {
            return Err(AppError::Unauthenticated(
                "the token's role does not fit its agency".into(),
            ));
        }
    }
    let commune = match (&claims.commune, claims.role) {
        (Some(code), Role::Commune) => {
            Some(directory.commune(db, code).await?.ok_or_else(|| {
                AppError::Unauthenticated("the token names an unknown commune".into())
            })?)
        }
        _ => None,
    };
    // A commune user's agency is its own commune's committee.
    if let (Some(a), Some(c)) = (&agency, &commune)
        && a.commune_id != Some(c.id)
    {
        return Err(AppError::Unauthenticated(
            "the token's agency is not its commune's".into(),
        ));
    }
    Ok(Viewer {
        sub: claims.sub,
        role: claims.role,
        agency_id: agency.as_ref().map(|a| a.id),
        agency_code: agency.map(|a| a.code),
        commune_id: commune.as_ref().map(|c| c.id),
        commune_code: commune.map(|c| c.code),
    })
}
