//! Who the bearer of a verified token is: its agency and commune codes resolved to rows, and
//! checked against its role (a police token naming the customs agency is refused).
//!
//! Every signed-in request needs those rows, and they change a few times a year: the
//! [`Directory`] keeps them for a minute instead of asking the database per request. A write
//! of an agency or a commune empties it on this instance at once (through the domain events);
//! other instances see the change within the minute. The same rows by id serve every page
//! that shows an agency or a commune (a case's lead agency and commune), so a case list does
//! not ask the database for reference data either ([`Directory::agencies_by_id`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use entity::{agencies, communes};

use crate::auth::{Claims, Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::events::{DomainEvent, Events};

/// How long a token's agency and commune are kept.
const DIRECTORY_TTL: Duration = Duration::from_secs(60);

/// Agencies and communes by code, as tokens name them. Only rows found are kept: an unknown
/// code is asked again, so an agency created a moment ago is found at once.
pub struct Directory {
    agencies: Cache<String, agencies::Model>,
    communes: Cache<String, communes::Model>,
    agencies_by_id: Cache<i64, agencies::Model>,
    communes_by_id: Cache<i64, communes::Model>,
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

impl Default for Directory {
    fn default() -> Self {
        Directory {
            agencies: cache(),
            communes: cache(),
            agencies_by_id: cache(),
            communes_by_id: cache(),
        }
    }
}

impl Directory {
    async fn agency(
        &self,
        db: &DatabaseConnection,
        code: &str,
    ) -> AppResult<Option<agencies::Model>> {
        if let Some(a) = self.agencies.get(code).await {
            return Ok(Some(a));
        }
        let found = agencies::Entity::find()
            .filter(agencies::Column::Code.eq(code))
            .one(db)
            .await?;
        if let Some(a) = &found {
            self.agencies.insert(code.to_string(), a.clone()).await;
        }
        Ok(found)
    }

    async fn commune(
        &self,
        db: &DatabaseConnection,
        code: &str,
    ) -> AppResult<Option<communes::Model>> {
        if let Some(c) = self.communes.get(code).await {
            return Ok(Some(c));
        }
        let found = communes::Entity::find()
            .filter(communes::Column::Code.eq(code))
            .one(db)
            .await?;
        if let Some(c) = &found {
            self.communes.insert(code.to_string(), c.clone()).await;
        }
        Ok(found)
    }

    /// Agencies by id: those kept, and the others in one statement (then kept).
    pub async fn agencies_by_id(
        &self,
        db: &DatabaseConnection,
        ids: &[i64],
    ) -> Result<HashMap<i64, agencies::Model>, sea_orm::DbErr> {
        by_id(&self.agencies_by_id, ids, async |missing| {
            agencies::Entity::find()
                .filter(agencies::Column::Id.is_in(missing))
                .all(db)
                .await
                .map(|rows| rows.into_iter().map(|a| (a.id, a)).collect())
        })
        .await
    }

    /// Communes by id, as [`Self::agencies_by_id`].
    pub async fn communes_by_id(
        &self,
        db: &DatabaseConnection,
        ids: &[i64],
    ) -> Result<HashMap<i64, communes::Model>, sea_orm::DbErr> {
        by_id(&self.communes_by_id, ids, async |missing| {
            communes::Entity::find()
                .filter(communes::Column::Id.is_in(missing))
                .all(db)
                .await
                .map(|rows| rows.into_iter().map(|c| (c.id, c)).collect())
        })
        .await
    }

    fn forget(&self) {
        self.agencies.invalidate_all();
        self.communes.invalidate_all();
        self.agencies_by_id.invalidate_all();
        self.communes_by_id.invalidate_all();
    }

    /// Empties the directory whenever an agency or a commune is written on this instance (or
    /// when events were missed), for as long as the events flow.
    pub fn follow(self: &Arc<Self>, events: &Events) {
        let mut rx = events.subscribe();
        let directory = Arc::downgrade(self);
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                let event = rx.recv().await;
                let Some(directory) = directory.upgrade() else {
                    break;
                };
                match event {
                    Ok(DomainEvent::AgencyChanged { .. } | DomainEvent::CommuneChanged { .. })
                    | Err(RecvError::Lagged(_)) => directory.forget(),
                    Ok(_) => {}
                    Err(RecvError::Closed) => break,
                }
            }
        });
    }
}

/// The rows of `ids` from `kept`, asking `fetch` (one statement) only for the missing ones.
async fn by_id<V: Clone + Send + Sync + 'static>(
    kept: &Cache<i64, V>,
    ids: &[i64],
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
        for (id, v) in fetch(missing).await? {
            kept.insert(id, v.clone()).await;
            found.insert(id, v);
        }
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
        let kind = crate::domain::vocab::AgencyKind::parse(&a.kind);
        if !kind.is_some_and(|k| crate::domain::access::role_fits_agency(claims.role, k)) {
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
