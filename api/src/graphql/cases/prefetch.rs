//! Loads, for a whole page of cases, every relation the query selects — one statement per
//! relation (and level), subjects and seizures together in one — issued before the page's
//! fields resolve. The per-request loader caches then answer each case's fields without
//! touching the database, so the statement count of a `cases` request depends on what is
//! selected, never on the page size or on scheduling.

use std::collections::BTreeSet;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Lookahead};

use entity::cases;

use crate::auth::Viewer;
use crate::domain::access::Compartment;
use crate::error::AppResult;
use crate::graphql::loaders::{
    self, Columns, Dl, LoadError, Loaders, SeizuresByCase, SubjectsByCase,
};

/// Loads the rows of `ids` straight into the request's cache, and returns what `then` takes
/// from them (the keys of the next level) — the rows themselves are moved into the cache, not
/// copied.
async fn load_then<T, K, N>(
    loader: &Dl<T>,
    ids: impl IntoIterator<Item = K>,
    then: impl FnOnce(&std::collections::HashMap<K, T::Value>) -> Vec<N>,
) -> AppResult<Vec<N>>
where
    T: Loader<K, Error = LoadError>,
    K: Send + Sync + std::hash::Hash + Ord + Clone + 'static,
{
    let ids: Vec<K> = ids
        .into_iter()
        .collect::<BTreeSet<K>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // Straight to the loader, then into the request's cache: the whole page's keys are known
    // here, so the DataLoader's batching delay (1 ms, per level) would only add latency.
    let values = loader.loader().load(&ids).await?;
    let next = then(&values);
    loader.feed_many(values).await;
    Ok(next)
}

/// [`load_then`] for the last level of a relation.
async fn load<T, K>(loader: &Dl<T>, ids: impl IntoIterator<Item = K>) -> AppResult<()>
where
    T: Loader<K, Error = LoadError>,
    K: Send + Sync + std::hash::Hash + Ord + Clone + 'static,
{
    load_then(loader, ids, |_| Vec::<()>::new()).await?;
    Ok(())
}

/// What a loader keyed by the columns its selection reads is asked for: each id once, with the
/// columns every key (`keys`: each selection of the relation) reads.
fn narrowed_ids(ids: impl IntoIterator<Item = i64>, keys: &[Columns]) -> Vec<(i64, Columns)> {
    let all = keys.iter().fold(Columns::default(), |all, k| all.and(*k));
    ids.into_iter()
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .map(|id| (id, all))
        .collect()
}

/// Feeds the rows `read` for [`narrowed_ids`] under each of `keys`, so every selection of the
/// relation answers from the same rows (and no resolver asks again).
async fn feed_narrowed<T, V>(
    loader: &Dl<T>,
    read: std::collections::HashMap<(i64, Columns), Vec<V>>,
    keys: &[Columns],
) where
    T: Loader<(i64, Columns), Value = Vec<V>, Error = LoadError>,
    V: Send + Sync + Clone + 'static,
{
    let mut fed = Vec::with_capacity(read.len() * keys.len());
    for ((id, _), rows) in read {
        for key in keys {
            fed.push(((id, *key), rows.clone()));
        }
    }
    loader.feed_many(fed).await;
}

/// [`load`] for a loader keyed by the columns its selection reads: one read of the columns
/// every key reads (`ids`, from [`narrowed_ids`]), fed under each key.
async fn load_narrowed<T, V>(
    loader: &Dl<T>,
    ids: &[(i64, Columns)],
    keys: &[Columns],
) -> AppResult<()>
where
    T: Loader<(i64, Columns), Value = Vec<V>, Error = LoadError>,
    V: Send + Sync + Clone + 'static,
{
    if ids.is_empty() {
        return Ok(());
    }
    let read = loader.loader().load(ids).await?;
    feed_narrowed(loader, read, keys).await;
    Ok(())
}

pub async fn prefetch(
    ctx: &Context<'_>,
    viewer: &Viewer,
    l: &Loaders,
    rows: &[cases::Model],
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let la = ctx.look_ahead();
    let sel = [la.field("nodes"), la.field("edges").field("node")];
    let wants = |a: &str| sel.iter().any(|s| s.field(a).exists());
    let wants2 = |a: &str, b: &str| sel.iter().any(|s| s.field(a).field(b).exists());
    // The columns of `E` each selection of the relation `a` reads (one per alias or fragment
    // that selects it, under `nodes` or `edges.node`): the keys `Case`'s resolver of `a` asks
    // the loader for.
    fn columns<E: sea_orm::EntityTrait>(sel: &[Lookahead<'_>], a: &str) -> Vec<Columns> {
        let mut keys: Vec<Columns> = sel
            .iter()
            .flat_map(|s| s.field(a).selection_fields())
            .map(|f| Columns::read_by::<E>(f.selection_set()))
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }
    let ids = || rows.iter().map(|c| c.id);
    let readable = |comp: Compartment| {
        rows.iter()
            .filter(move |c| viewer.reads_case_compartment(comp, c.lead_agency_id))
            .map(|c| c.id)
    };

    let lead = async {
        if wants("leadAgency") {
            let parents = load_then(&l.lead_agency, rows.iter().map(|c| c.lead_agency_id), |a| {
                a.values().filter_map(|a| a.parent_id).collect()
            })
            .await?;
            if wants2("leadAgency", "parent") {
                load(&l.parent_agency, parents).await?;
            }
        }
        AppResult::Ok(())
    };
    let coordinators = async {
        if wants("coordinatingAgencies") {
            let agencies = load_then(&l.case_coordinators, ids(), |links| {
                links.values().flatten().map(|c| c.agency_id).collect()
            })
            .await?;
            load(&l.agency, agencies).await?;
        }
        AppResult::Ok(())
    };
    let commune = async {
        if wants("commune") {
            load(&l.commune, rows.iter().filter_map(|c| c.commune_id)).await?;
        }
        AppResult::Ok(())
    };
    let gate = async {
        if wants("borderGate") {
            let communes = load_then(
                &l.border_gate,
                rows.iter().filter_map(|c| c.border_gate_id),
                |gates| gates.values().map(|g| g.commune_id).collect(),
            )
            .await?;
            if wants2("borderGate", "commune") {
                load(&l.gate_commune, communes).await?;
            }
        }
        AppResult::Ok(())
    };
    let campaigns = async {
        if wants("campaigns") {
            let campaigns = load_then(&l.case_campaigns, ids(), |links| {
                links.values().flatten().map(|c| c.campaign_id).collect()
            })
            .await?;
            let directives = load_then(&l.campaign, campaigns, |campaigns| {
                campaigns.values().filter_map(|c| c.directive_id).collect()
            })
            .await?;
            if wants2("campaigns", "directive") {
                load(&l.directive, directives).await?;
            }
        }
        AppResult::Ok(())
    };
    // Subjects and seizures, when both are asked for (the benchmark's page, a case list's
    // usual shape) and the viewer reads some of the page's subjects, share one statement: one
    // round trip fewer ([`loaders::both`]).
    let subjects_and_seizures = async {
        let seizures = wants("seizures").then(|| {
            let keys = columns::<entity::seizures::Entity>(&sel, "seizures");
            (narrowed_ids(ids(), &keys), keys)
        });
        let subjects = wants("subjects").then(|| {
            let keys = columns::<entity::subjects::Entity>(&sel, "subjects");
            (narrowed_ids(readable(Compartment::Police), &keys), keys)
        });
        match (subjects, seizures) {
            (Some((subject_ids, subject_keys)), Some((seizure_ids, seizure_keys)))
                if !subject_ids.is_empty() =>
            {
                let (subjects, seizures) = loaders::both::<SubjectsByCase, SeizuresByCase>(
                    &l.reads,
                    &subject_ids,
                    &seizure_ids,
                )
                .await?;
                feed_narrowed(&l.subjects, subjects, &subject_keys).await;
                feed_narrowed(&l.seizures, seizures, &seizure_keys).await;
            }
            (subjects, seizures) => {
                if let Some((ids, keys)) = subjects {
                    load_narrowed(&l.subjects, &ids, &keys).await?;
                }
                if let Some((ids, keys)) = seizures {
                    load_narrowed(&l.seizures, &ids, &keys).await?;
                }
            }
        }
        AppResult::Ok(())
    };
    let investigation = async {
        if wants("investigation") {
            let agencies = load_then(&l.investigation, readable(Compartment::Police), |records| {
                records
                    .values()
                    .flatten()
                    .map(|r| r.investigating_agency_id)
                    .collect()
            })
            .await?;
            if wants2("investigation", "investigatingAgency") {
                load(&l.investigating_agency, agencies).await?;
            }
        }
        AppResult::Ok(())
    };
    let customs = async {
        if wants("customsRecords") {
            load(&l.customs, readable(Compartment::Customs)).await?;
        }
        AppResult::Ok(())
    };
    tokio::try_join!(
        lead,
        coordinators,
        commune,
        gate,
        campaigns,
        subjects_and_seizures,
        investigation,
        customs
    )?;
    Ok(())
}
