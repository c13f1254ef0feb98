//! Loads, for a whole page of cases, every relation the query selects — one statement per
//! relation, issued before the page's fields resolve. The per-request loader caches then answer
//! each case's fields without touching the database, so the statement count of a `cases`
//! request depends on what is selected, never on the page size or on scheduling.

use std::collections::BTreeSet;

use async_graphql::Context;
use async_graphql::dataloader::Loader;

use entity::cases;

use crate::auth::Viewer;
use crate::domain::access::Compartment;
use crate::error::AppResult;
use crate::graphql::loaders::{Dl, LoadError, Loaders};

async fn load<T>(loader: &Dl<T>, ids: impl IntoIterator<Item = i64>) -> AppResult<Vec<T::Value>>
where
    T: Loader<i64, Error = LoadError>,
{
    let ids: Vec<i64> = ids
        .into_iter()
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // Straight to the loader, then into the request's cache: the whole page's keys are known
    // here, so the DataLoader's batching delay (1 ms, per level) would only add latency.
    let values = loader.loader().load(&ids).await?;
    loader.feed_many(values.clone()).await;
    Ok(values.into_values().collect())
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
    let ids = || rows.iter().map(|c| c.id);
    let readable = |comp: Compartment| {
        rows.iter()
            .filter(move |c| viewer.reads_case_compartment(comp, c.lead_agency_id))
            .map(|c| c.id)
    };

    let lead = async {
        if wants("leadAgency") {
            let agencies = load(&l.lead_agency, rows.iter().map(|c| c.lead_agency_id)).await?;
            if wants2("leadAgency", "parent") {
                load(
                    &l.parent_agency,
                    agencies.iter().filter_map(|a| a.parent_id),
                )
                .await?;
            }
        }
        AppResult::Ok(())
    };
    let coordinators = async {
        if wants("coordinatingAgencies") {
            let links = load(&l.case_coordinators, ids()).await?;
            load(&l.agency, links.iter().flatten().map(|c| c.agency_id)).await?;
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
            let gates = load(&l.border_gate, rows.iter().filter_map(|c| c.border_gate_id)).await?;
            if wants2("borderGate", "commune") {
                load(&l.gate_commune, gates.iter().map(|g| g.commune_id)).await?;
            }
        }
        AppResult::Ok(())
    };
    let campaigns = async {
        if wants("campaigns") {
            let links = load(&l.case_campaigns, ids()).await?;
            let campaigns =
                load(&l.campaign, links.iter().flatten().map(|c| c.campaign_id)).await?;
            if wants2("campaigns", "directive") {
                load(
                    &l.directive,
                    campaigns.iter().filter_map(|c| c.directive_id),
                )
                .await?;
            }
        }
        AppResult::Ok(())
    };
    let seizures = async {
        if wants("seizures") {
            load(&l.seizures, ids()).await?;
        }
        AppResult::Ok(())
    };
    let subjects = async {
        if wants("subjects") {
            load(&l.subjects, readable(Compartment::Police)).await?;
        }
        AppResult::Ok(())
    };
    let investigation = async {
        if wants("investigation") {
            let records = load(&l.investigation, readable(Compartment::Police)).await?;
            if wants2("investigation", "investigatingAgency") {
                load(
                    &l.investigating_agency,
                    records.iter().flatten().map(|r| r.investigating_agency_id),
                )
                .await?;
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
        seizures,
        subjects,
        investigation,
        customs
    )?;
    Ok(())
}
