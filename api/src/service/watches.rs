//! Watch-lists (danh sách theo dõi): an agency watches a subject's ID number, a tax code, an
//! HS code, a seized vehicle's plate, a commune or a commodity group, and hears (`watchHit`) when a case holding the
//! value is created or written — its core facts, a subject, a seizure, a customs record.
//!
//! A hit reaches the watching agency only from a record it may read on that case: a police
//! agency watching an ID number hears of every case with that subject, a customs agency only
//! of the cases it leads (where it reads subjects). Which roles may watch which kinds is
//! [`may_watch`]; a kind whose compartments a role never reads cannot be watched at all, so a
//! watch-list is never an oracle on a compartment.

use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use entity::{cases, communes, customs_records, seizures, subjects, watches};

use crate::auth::Viewer;
use crate::domain::access::{Action, Compartment, acting_agency, may_watch, watched_compartments};
use crate::domain::types::{HsCode, IdNumber, TaxCode, VehiclePlate};
use crate::domain::vocab::{CommodityGroup, WatchKind};
use crate::error::{AppError, AppResult};
use crate::service::case_records::current;
use crate::service::cases::{CaseFilterParams, case_condition};
use crate::service::write::{Done, Writer, write_once};

/// The longest value accepted before it is parsed.
const MAX_VALUE: usize = 100;

/// Entries one agency may watch at once of the kinds a role may watch (each case write
/// matches against all of them): counted among the entries the viewer sees, since a count of
/// all told a standing office how many ID numbers its agency's officers watch (a review of
/// stop 37). An agency thus holds at most this many per distinct set of kinds its roles watch.
pub const MAX_PER_AGENCY: u64 = 500;

/// The kinds a viewer's role may watch, as stored: an agency's list is shared by its users,
/// but each sees and touches only the entries of kinds its role may watch (a standing office
/// naming a police agency never reads the ID numbers that agency's police watch).
fn kinds_of(v: &Viewer) -> Vec<&'static str> {
    WatchKind::ALL
        .iter()
        .filter(|k| may_watch(v.role, **k))
        .map(|k| k.as_str())
        .collect()
}

/// Watches `value` for the viewer's agency; watching a value already watched returns that
/// entry.
pub async fn add(w: &Writer<'_>, kind: WatchKind, value: &str) -> AppResult<watches::Model> {
    let v = w.signed_in()?;
    let agency = acting_agency(v, Action::KeepWatchList)?;
    if !may_watch(v.role, kind) {
        return Err(AppError::forbidden(
            "this kind of value lies in a compartment your role may not read",
        ));
    }
    let value = normalise(w.db, v, kind, value).await?;
    let restricted = watched_compartments(kind).iter().any(Option::is_some);
    write_once(w, "watch", async |txn| {
        let existing = watches::Entity::find()
            .filter(watches::Column::AgencyId.eq(agency))
            .filter(watches::Column::Kind.eq(kind.as_str()))
            .filter(watches::Column::Value.eq(value.as_str()))
            .filter(watches::Column::ArchivedAt.is_null())
            .one(txn)
            .await?;
        let row = match existing {
            Some(row) => row,
            None => {
                let held = watches::Entity::find()
                    .filter(watches::Column::AgencyId.eq(agency))
                    .filter(watches::Column::Kind.is_in(kinds_of(v)))
                    .filter(watches::Column::ArchivedAt.is_null())
                    .count(txn)
                    .await?;
                if held >= MAX_PER_AGENCY {
                    return Err(AppError::bad_input(format!(
                        "an agency watches at most {MAX_PER_AGENCY} values of the kinds your role \
                         watches; unwatch some first"
                    )));
                }
                watches::ActiveModel {
                    agency_id: Set(agency),
                    kind: Set(kind.as_str().to_string()),
                    value: Set(value.clone()),
                    created_by: Set(v.sub.clone()),
                    created_at: Set(Utc::now()),
                    archived_at: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await?
            }
        };
        let mut done = Done::of(row);
        if restricted {
            done.restricted_fields = vec!["value"];
        }
        Ok(done)
    })
    .await
}

/// Stops watching (the entry is archived, never deleted). Only the agency's own entries;
/// another agency's is `NOT_FOUND`, as if it did not exist.
pub async fn remove(w: &Writer<'_>, id: i64) -> AppResult<watches::Model> {
    let v = w.signed_in()?;
    let agency = acting_agency(v, Action::KeepWatchList)?;
    write_once(w, "unwatch", async |txn| {
        let row = watches::Entity::find_by_id(id)
            .filter(watches::Column::AgencyId.eq(agency))
            .filter(watches::Column::Kind.is_in(kinds_of(v)))
            .filter(watches::Column::ArchivedAt.is_null())
            .one(txn)
            .await?
            .ok_or_else(|| AppError::NotFound("no such watch-list entry".into()))?;
        let mut am: watches::ActiveModel = row.into();
        am.archived_at = Set(Some(Utc::now()));
        Ok(Done::of(am.update(txn).await?))
    })
    .await
}

/// The viewer's agency's current watch-list (the kinds its role may watch), oldest first.
pub async fn list(db: &DatabaseConnection, v: &Viewer) -> AppResult<Vec<watches::Model>> {
    let agency = acting_agency(v, Action::KeepWatchList)?;
    Ok(watches::Entity::find()
        .filter(watches::Column::AgencyId.eq(agency))
        .filter(watches::Column::Kind.is_in(kinds_of(v)))
        .filter(watches::Column::ArchivedAt.is_null())
        .order_by_asc(watches::Column::Id)
        .all(db)
        .await?)
}

/// The value as the records hold it: digits of an ID number, tax code or HS code (without
/// the dots people write in HS codes), a commune's code (an existing one; a commune user's
/// own), a commodity group's name.
async fn normalise(
    db: &DatabaseConnection,
    v: &Viewer,
    kind: WatchKind,
    value: &str,
) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_VALUE {
        return Err(AppError::bad_input(format!(
            "`value` must be 1 to {MAX_VALUE} characters"
        )));
    }
    Ok(match kind {
        WatchKind::IdNumber => IdNumber::parse("value", value)?.into_inner(),
        WatchKind::TaxCode => TaxCode::parse("value", value)?.into_inner(),
        WatchKind::HsCode => HsCode::parse("value", value)?.into_inner(),
        WatchKind::VehiclePlate => VehiclePlate::parse("value", value)?.into_inner(),
        WatchKind::CommodityGroup => CommodityGroup::parse(&value.to_lowercase())
            .ok_or_else(|| AppError::bad_input("`value` is not a commodity group"))?
            .as_str()
            .to_string(),
        WatchKind::Commune => {
            let code = value.to_uppercase();
            let commune = communes::Entity::find()
                .filter(communes::Column::Code.eq(code.as_str()))
                .one(db)
                .await?
                .ok_or_else(|| AppError::bad_input("`value` is not a commune code"))?;
            if v.commune_id.is_some_and(|own| own != commune.id) {
                return Err(AppError::forbidden(
                    "a commune user watches its own commune's cases",
                ));
            }
            code
        }
    })
}

/// A case that holds watched values, and the entries it matched.
pub struct Hit {
    pub case: cases::Model,
    pub watches: Vec<watches::Model>,
    /// The restricted fields the match read (for the audit of the delivery).
    pub read: Vec<&'static str>,
}

/// The viewer's agency's entries that case `case_id` holds, counting only the records the
/// viewer reads on it; `None` when it holds none, or the case is outside the viewer's scope.
pub async fn hits(db: &DatabaseConnection, v: &Viewer, case_id: i64) -> AppResult<Option<Hit>> {
    let Ok(agency) = acting_agency(v, Action::KeepWatchList) else {
        return Ok(None);
    };
    let watched = watches::Entity::find()
        .filter(watches::Column::AgencyId.eq(agency))
        .filter(watches::Column::Kind.is_in(kinds_of(v)))
        .filter(watches::Column::ArchivedAt.is_null())
        .all(db)
        .await?;
    if watched.is_empty() {
        return Ok(None);
    }
    let cond = case_condition(v, &CaseFilterParams::default(), None)?;
    let Some(case) = cases::Entity::find_by_id(case_id)
        .filter(cond)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let police = v.reads_case_compartment(Compartment::Police, case.lead_agency_id);
    let customs = v.reads_case_compartment(Compartment::Customs, case.lead_agency_id);
    let wants = |k: WatchKind| watched.iter().any(|w| w.kind == k.as_str());

    // The case's values, by kind, from the records the viewer reads.
    let mut held: Vec<(WatchKind, String, Option<&'static str>)> = vec![(
        WatchKind::CommodityGroup,
        case.commodity_group.clone(),
        None,
    )];
    if wants(WatchKind::Commune)
        && let Some(commune_id) = case.commune_id
        && let Some(c) = communes::Entity::find_by_id(commune_id).one(db).await?
    {
        held.push((WatchKind::Commune, c.code, None));
    }
    if police && (wants(WatchKind::IdNumber) || wants(WatchKind::TaxCode)) {
        for s in current::<subjects::Entity, _>(db, case.id).await? {
            if let Some(id) = s.id_number {
                held.push((WatchKind::IdNumber, id, Some("subjects.idNumber")));
            }
            if let Some(t) = s.tax_code {
                held.push((WatchKind::TaxCode, t, Some("subjects.taxCode")));
            }
        }
    }
    if customs && (wants(WatchKind::HsCode) || wants(WatchKind::TaxCode)) {
        for r in current::<customs_records::Entity, _>(db, case.id).await? {
            for t in [r.importer_tax_code, r.exporter_tax_code]
                .into_iter()
                .flatten()
            {
                held.push((WatchKind::TaxCode, t, Some("customsRecords.taxCode")));
            }
            for code in r.hs_codes.split([',', ';', ' ']).filter(|c| !c.is_empty()) {
                if let Ok(code) = HsCode::parse("hs_codes", code) {
                    held.push((
                        WatchKind::HsCode,
                        code.into_inner(),
                        Some("customsRecords.hsCodes"),
                    ));
                }
            }
        }
    }
    // Seizures are core data; their HS codes are the customs compartment's.
    let hs_codes = customs && wants(WatchKind::HsCode);
    if hs_codes || wants(WatchKind::VehiclePlate) {
        for s in current::<seizures::Entity, _>(db, case.id).await? {
            if let Some(plate) = s.vehicle_plate {
                held.push((WatchKind::VehiclePlate, plate, None));
            }
            if let Some(code) = s
                .hs_code
                .filter(|_| hs_codes)
                .and_then(|c| HsCode::parse("hs_code", &c).ok())
            {
                held.push((
                    WatchKind::HsCode,
                    code.into_inner(),
                    Some("seizures.hsCode"),
                ));
            }
        }
    }

    let mut read = Vec::new();
    let matched: Vec<watches::Model> = watched
        .into_iter()
        .filter(|w| {
            let found = held
                .iter()
                .find(|(k, value, _)| k.as_str() == w.kind && *value == w.value);
            if let Some((_, _, Some(field))) = found
                && !read.contains(field)
            {
                read.push(*field);
            }
            found.is_some()
        })
        .collect();
    Ok((!matched.is_empty()).then_some(Hit {
        case,
        watches: matched,
        read,
    }))
}
