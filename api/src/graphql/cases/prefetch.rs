//! Reads a page of cases and, for the whole page, every relation the query selects — subjects
//! and seizures in the page's own statement, then one statement per other relation (and
//! level) — before the page's fields resolve. The per-request loader caches then answer each
//! case's fields without touching the database, so the statement count of a `cases` request
//! depends on what is selected, never on the page size or on scheduling.

use std::collections::BTreeSet;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Lookahead};
use sea_orm::ConnectionTrait;

use entity::cases;

use crate::auth::Viewer;
use crate::domain::access::Compartment;
use crate::error::AppResult;
use crate::graphql::loaders::{
    Beside, Columns, Dl, LoadError, Loaders, SeizuresByCase, SubjectsByCase,
};
use crate::service::cases as service;

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

/// The look-ahead of a page's cases: each selection of a case, under `nodes` and `edges.node`.
fn case_selections<'a>(ctx: &'a Context<'_>) -> [Lookahead<'a>; 2] {
    let la = ctx.look_ahead();
    [la.field("nodes"), la.field("edges").field("node")]
}

/// The columns of `E` each selection of the relation `a` reads (one per alias or fragment that
/// selects it, under `nodes` or `edges.node`): the keys `Case`'s resolver of `a` asks the
/// loader for.
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

/// A page of cases, with the subjects and seizures it selects read in the page's own statement
/// (`service::rows::page_beside`: one round trip for the three) and fed to their loaders; then
/// every other relation it selects ([`prefetch`]). Subjects are read only for the cases whose
/// police compartment the viewer reads, as `Case.subjects` checks.
pub async fn page(
    ctx: &Context<'_>,
    viewer: &Viewer,
    l: &Loaders,
    cond: sea_orm::Condition,
    after: Option<&str>,
    size: u64,
    wanted: &[cases::Column],
) -> AppResult<(Vec<cases::Model>, bool)> {
    let sel = case_selections(ctx);
    let wants = |a: &str| sel.iter().any(|s| s.field(a).exists());
    let backend = l.reads.get_database_backend();
    let mut subjects = wants("subjects")
        .then(|| service::readable_on_page(viewer, Compartment::Police))
        .flatten()
        .map(|readable| {
            let keys = columns::<entity::subjects::Entity>(&sel, "subjects");
            Beside::<SubjectsByCase>::new(keys, readable, backend)
        });
    let mut seizures = wants("seizures").then(|| {
        let keys = columns::<entity::seizures::Entity>(&sel, "seizures");
        Beside::<SeizuresByCase>::new(keys, sea_orm::Condition::all(), backend)
    });
    let page = service::list(
        &l.reads,
        cond,
        after,
        size,
        wanted,
        subjects.as_mut().map(Beside::side),
        seizures.as_mut().map(Beside::side),
    )
    .await?;
    let (subject_rows, seizure_rows) = page.beside;
    let rows = page.rows;
    if let Some(subjects) = subjects {
        let readable = rows
            .iter()
            .filter(|c| viewer.reads_case_compartment(Compartment::Police, c.lead_agency_id))
            .map(|c| c.id);
        subjects.feed(&l.subjects, subject_rows, readable).await;
    }
    if let Some(seizures) = seizures {
        seizures
            .feed(&l.seizures, seizure_rows, rows.iter().map(|c| c.id))
            .await;
    }
    prefetch(ctx, viewer, l, &rows).await?;
    Ok((rows, page.has_next))
}

/// Loads every relation of the page's `rows` that the query selects but subjects and seizures
/// ([`page`] reads those).
async fn prefetch(
    ctx: &Context<'_>,
    viewer: &Viewer,
    l: &Loaders,
    rows: &[cases::Model],
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sel = case_selections(ctx);
    let wants = |a: &str| sel.iter().any(|s| s.field(a).exists());
    let wants2 = |a: &str, b: &str| sel.iter().any(|s| s.field(a).field(b).exists());
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
        investigation,
        customs
    )?;
    Ok(())
}
