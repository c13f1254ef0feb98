//! Writing the records hanging off a case: subjects (police data), seized goods and their
//! disposal, customs records (customs data) and the investigation record (police data). Who may
//! write each follows the read matrix ([`case_for_compartment_write`]); seized goods are the
//! lead agency's. A change of a record is announced as a change of its case.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, IntoActiveModel, PrimaryKeyTrait, QueryFilter,
};

use entity::{cases, customs_records, investigation_records, seizures, subjects};

use crate::auth::{Role, Viewer};
use crate::domain::access::{Action, CaseReaders, Compartment, acting_agency};
use crate::domain::lifecycle::Prosecution;
use crate::domain::lifecycle::check_move;
use crate::domain::types::{
    BirthDate, DeclarationNumber, HsCode, IdNumber, TaxCode, VehiclePlate, Vnd,
};
use crate::domain::vocab::{
    AgencyKind, CaseStatus, CommodityGroup, DisposalStatus, SubjectKind, SubjectRole,
};
use crate::error::{AppError, AppResult};
use crate::service::case_write::{
    case_for_compartment_write, case_led_by_viewer, check_not_before_detection, check_past_date,
    not_archived, optional_text, required_text, unless_hidden,
};
use crate::service::events::DomainEvent;
use crate::service::rollups;
use crate::service::rows::by_id;
use crate::service::write::{
    Done, Keyed, Writer, check_not_archived, update_at_version, write, write_once,
};
use crate::text::fold;

/// A person or company of a case (police data).
pub struct SubjectDetails {
    pub kind: SubjectKind,
    pub role: SubjectRole,
    pub full_name: String,
    pub id_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub address: Option<String>,
    pub nationality: Option<String>,
    pub tax_code: Option<String>,
}

/// Seized goods; the HS code is customs data.
pub struct NewSeizure {
    pub item: String,
    pub commodity_group: CommodityGroup,
    pub quantity: f64,
    pub unit: String,
    pub estimated_value: Vnd,
    pub hs_code: Option<String>,
    /// A seized vehicle's plate.
    pub vehicle_plate: Option<String>,
    pub storage_place: Option<String>,
    pub disposal_status: Option<DisposalStatus>,
}

/// A customs declaration and its inspection (customs data).
pub struct CustomsDetails {
    pub declaration_number: String,
    pub declared_on: NaiveDate,
    pub regime: String,
    pub hs_codes: Vec<String>,
    pub importer_tax_code: Option<String>,
    pub exporter_tax_code: Option<String>,
    pub inspection_result: String,
}

/// The investigation record of a case (police data).
pub struct InvestigationDetails {
    pub notes: String,
    pub prosecution_decision: Option<String>,
    pub prosecuted_on: Option<NaiveDate>,
    pub defendants: i32,
}

/// The records that can be archived and restored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    Subject,
    Seizure,
    CustomsRecord,
    Investigation,
}

/// Seized goods with the lead agency of their case (which decides who reads their value).
pub struct SeizureRow {
    pub seizure: seizures::Model,
    pub lead_agency_id: i64,
}

const CUSTOMS_FIELDS: &[&str] = &[
    "declarationNumber",
    "declaredOn",
    "regime",
    "hsCodes",
    "importerTaxCode",
    "exporterTaxCode",
    "inspectionResult",
];

/// A write of a case's record (`entity` `id`), naming the restricted fields it wrote; a
/// change of the record is a change of its case, announced as one of its compartment when the
/// record is restricted.
fn record_done<T>(
    entity: &'static str,
    id: i64,
    case_id: i64,
    restricted_fields: Vec<&'static str>,
    value: T,
) -> Done<T> {
    Done {
        value,
        entity,
        id,
        restricted_fields,
        event: Some(
            match crate::domain::access::Compartment::of_record(entity) {
                None => DomainEvent::CaseChanged { case_id },
                Some(compartment) => DomainEvent::CaseRecordChanged {
                    case_id,
                    compartment,
                },
            },
        ),
    }
}

/// A record hanging off a case, as its writes see it: what it is called, who may write it,
/// and its columns (named alike in each table).
pub(crate) trait CaseRecord:
    EntityTrait<PrimaryKey: PrimaryKeyTrait<ValueType: From<i64>>, ActiveModel: Send>
{
    /// Its name in the audit trail and the events.
    const ENTITY: &'static str;
    /// What `NOT_FOUND` calls it.
    const WHAT: &'static str;
    /// The compartment whose writers may write it; `None`: the case's lead agency.
    const COMPARTMENT: Option<Compartment>;
    const ID: Self::Column;
    const CASE_ID: Self::Column;
    const VERSION: Self::Column;
    const ARCHIVED_AT: Self::Column;
    /// Whether its rows are counted on their case ([`recount_subjects`]).
    const COUNTED: bool = false;
    /// Whether its rows hold figures of their case (the case's rollups follow them).
    const IN_FIGURES: bool = false;
    fn id(row: &Self::Model) -> i64;
    fn case_id(row: &Self::Model) -> i64;
    fn archived_at(row: &Self::Model) -> Option<chrono::DateTime<chrono::Utc>>;
}

/// The [`CaseRecord`] of table `$module` (whose columns are named alike), optionally setting
/// a flag.
macro_rules! case_record {
    ($module:ident, $entity:literal, $what:literal, $compartment:expr $(, $flag:ident)?) => {
        impl CaseRecord for $module::Entity {
            const ENTITY: &'static str = $entity;
            const WHAT: &'static str = $what;
            const COMPARTMENT: Option<Compartment> = $compartment;
            const ID: Self::Column = $module::Column::Id;
            const CASE_ID: Self::Column = $module::Column::CaseId;
            const VERSION: Self::Column = $module::Column::Version;
            const ARCHIVED_AT: Self::Column = $module::Column::ArchivedAt;
            $(const $flag: bool = true;)?
            fn id(row: &$module::Model) -> i64 {
                row.id
            }
            fn case_id(row: &$module::Model) -> i64 {
                row.case_id
            }
            fn archived_at(row: &$module::Model) -> Option<chrono::DateTime<chrono::Utc>> {
                row.archived_at
            }
        }
    };
}

case_record!(
    subjects,
    "subject",
    "subject",
    Some(Compartment::Police),
    COUNTED
);
case_record!(seizures, "seizure", "seizure", None);
case_record!(
    customs_records,
    "customs_record",
    "record",
    Some(Compartment::Customs)
);
case_record!(
    investigation_records,
    "investigation_record",
    "record",
    Some(Compartment::Police),
    IN_FIGURES
);

/// The records of kind `R` of case `case_id` that are not archived.
pub(crate) async fn current<R: CaseRecord, C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
) -> AppResult<Vec<R::Model>> {
    Ok(R::find()
        .filter(R::CASE_ID.eq(case_id))
        .filter(R::ARCHIVED_AT.is_null())
        .all(conn)
        .await?)
}

/// Case `case_id`, if the viewer may write its records of kind `R`.
async fn case_for<R: CaseRecord>(
    txn: &DatabaseTransaction,
    v: &Viewer,
    case_id: i64,
) -> AppResult<cases::Model> {
    match R::COMPARTMENT {
        Some(c) => case_for_compartment_write(txn, v, case_id, c).await,
        None => case_led_by_viewer(txn, v, case_id).await,
    }
}

/// Record `id` of kind `R`, if the viewer may write it, with its case. A record the viewer
/// cannot know — of a compartment it does not read on its case, or on an archived case of
/// another agency ([`unless_hidden`]) — is answered as one that does not exist: `FORBIDDEN`
/// there would tell an agency which ids of other agencies' police or customs records exist,
/// and when new ones appear. Both rules are conditions of the statement that looks the record
/// up, so a hidden record costs what a missing one does (one statement, then `NOT_FOUND`):
/// read first and refused after, it took a second statement, for its case, and the time told
/// the two apart (stop 33's review, and stop 35's for archived cases). A record on an archived
/// case, or archived itself, takes no change until restored; its lead is told so.
async fn writable<R: CaseRecord>(
    txn: &DatabaseTransaction,
    v: &Viewer,
    id: i64,
) -> AppResult<(R::Model, cases::Model)> {
    let hidden = || AppError::NotFound(format!("no such {}", R::WHAT));
    // Both rules on the record's case, as one condition looked up by the case's key (a
    // subquery over the cases' conditions scanned every case when the record existed and
    // nothing when it did not: 75 ms against 1.5 ms at 200 000 cases, a review of stop 35).
    let mut on_case = known_case(v);
    let mut seen = Condition::all();
    match R::COMPARTMENT {
        // Who may write a case's core records at all, before anything is read: a role that
        // may not (a commune user) was told `FORBIDDEN` for a record and `NOT_FOUND` for a
        // missing id (stop 33's review). Those who may, read every live record's core data,
        // so a refusal after the read tells them nothing new; an archived record is read by
        // its case's lead alone (who may restore it), so to any other agency it is missing
        // (it was `FORBIDDEN`, a missing id `NOT_FOUND`: a review of stop 37).
        None => {
            let agency = acting_agency(v, Action::RecordCases)?;
            seen = seen.add(
                Condition::any()
                    .add(R::ARCHIVED_AT.is_null())
                    .add(case_where::<R>(
                        Condition::all().add(cases::Column::LeadAgencyId.eq(agency)),
                    )),
            );
        }
        Some(compartment) => match v.case_compartment_readers(compartment) {
            CaseReaders::All => {}
            CaseReaders::LeadAgency(agency) => {
                on_case = on_case.add(cases::Column::LeadAgencyId.eq(agency));
            }
            // Reads it nowhere: whatever the id, nothing to look up.
            CaseReaders::Nobody => return Err(hidden()),
        },
    }
    let query = R::find_by_id(id)
        .filter(case_where::<R>(on_case))
        .filter(seen);
    let r = query.one(txn).await?.ok_or_else(hidden)?;
    // Its case's own rules; its reach holds already.
    let case = case_for::<R>(txn, v, R::case_id(&r))
        .await
        .map_err(|e| missing_as::<R>(e))?;
    not_archived(&case)?;
    Ok((r, case))
}

/// A case the viewer may know: not archived, or led by the viewer's agency
/// ([`unless_hidden`], as a condition for a record's own statement: [`case_where`]).
fn known_case(v: &Viewer) -> Condition {
    let mut known = Condition::any().add(cases::Column::ArchivedAt.is_null());
    if let Some(agency) = v.agency_id {
        known = known.add(cases::Column::LeadAgencyId.eq(agency));
    }
    Condition::all().add(known)
}

/// A record of kind `R` whose case meets `cond`: `EXISTS` over the case by its key, so that
/// the statement costs the same whether it finds the record or not.
fn case_where<R: CaseRecord>(cond: Condition) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(cases::Entity)
            .and_where(
                Expr::col((cases::Entity, cases::Column::Id)).equals((R::default(), R::CASE_ID)),
            )
            .cond_where(cond)
            .to_owned(),
    )
}

/// A record on a case the writer cannot know ([`unless_hidden`]) is a missing record, in the
/// same words as one.
fn missing_as<R: CaseRecord>(e: AppError) -> AppError {
    match e {
        AppError::NotFound(_) => AppError::NotFound(format!("no such {}", R::WHAT)),
        other => other,
    }
}

/// The versioned update of record `id` of kind `R`.
async fn update_record<R: CaseRecord>(
    txn: &DatabaseTransaction,
    am: R::ActiveModel,
    id: i64,
    version: i32,
) -> AppResult<()> {
    update_at_version::<R, _>(txn, am, [R::ID, R::VERSION], id, version).await
}

/// Adds a record of kind `R` to case `case_id`, by whoever may write it: `model` gives its
/// validated columns (checked once the writer is), `fields` the restricted ones written.
async fn add_record<R: CaseRecord>(
    w: &Writer<'_>,
    operation: &'static str,
    case_id: i64,
    keyed: Option<Keyed>,
    model: impl FnOnce(&cases::Model) -> AppResult<R::ActiveModel>,
    fields: Vec<&'static str>,
) -> AppResult<R::Model>
where
    R::Model: IntoActiveModel<R::ActiveModel>,
{
    let v = w.signed_in()?;
    write(
        w,
        operation,
        keyed,
        async |txn, id| {
            case_for::<R>(txn, v, case_id).await?;
            by_id::<R, _>(txn, id, R::WHAT).await
        },
        async |txn| {
            let case = case_for::<R>(txn, v, case_id).await?;
            let mut am = model(&case)?;
            am.set(R::CASE_ID, case_id.into());
            am.set(R::VERSION, 1.into());
            let r = am.insert(txn).await?;
            if R::COUNTED {
                recount_subjects(txn, Some(case_id)).await?;
            }
            Ok(record_done(R::ENTITY, R::id(&r), case_id, fields, r))
        },
    )
    .await
}

/// Replaces the columns `model` gives of record `id` of kind `R` at `version`, by whoever may
/// write it.
async fn replace_record<R: CaseRecord>(
    w: &Writer<'_>,
    operation: &'static str,
    id: i64,
    version: i32,
    model: impl FnOnce(&cases::Model) -> AppResult<R::ActiveModel>,
    fields: Vec<&'static str>,
) -> AppResult<R::Model> {
    let v = w.signed_in()?;
    write_once(w, operation, async |txn| {
        let (row, case) = writable::<R>(txn, v, id).await?;
        check_not_archived(R::WHAT, R::archived_at(&row))?;
        update_record::<R>(txn, model(&case)?, id, version).await?;
        let r = by_id::<R, _>(txn, id, R::WHAT).await?;
        let case_id = R::case_id(&r);
        Ok(record_done(R::ENTITY, id, case_id, fields, r))
    })
    .await
}

/// Adds a subject to a case (police data: the police or the lead agency).
pub async fn add_subject(
    w: &Writer<'_>,
    case_id: i64,
    input: SubjectDetails,
    keyed: Option<Keyed>,
) -> AppResult<subjects::Model> {
    let fields = SUBJECT_FIELDS.to_vec();
    let model = |case: &cases::Model| subject_model(&input, case.detected_on);
    add_record::<subjects::Entity>(w, "addSubject", case_id, keyed, model, fields).await
}

/// Replaces a subject's details (police data: the police or the lead agency).
pub async fn update_subject(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    input: SubjectDetails,
) -> AppResult<subjects::Model> {
    let fields = SUBJECT_FIELDS.to_vec();
    let model = |case: &cases::Model| subject_model(&input, case.detected_on);
    replace_record::<subjects::Entity>(w, "updateSubject", id, version, model, fields).await
}

/// Adds seized goods to a case (lead agency).
pub async fn add_seizure(
    w: &Writer<'_>,
    case_id: i64,
    input: NewSeizure,
    keyed: Option<Keyed>,
) -> AppResult<SeizureRow> {
    let v = w.signed_in()?;
    write(
        w,
        "addSeizure",
        keyed,
        async |txn, id| {
            let case = case_led_by_viewer(txn, v, case_id).await?;
            let seizure = by_id::<seizures::Entity, _>(txn, id, "seizure").await?;
            Ok(SeizureRow {
                seizure,
                lead_agency_id: case.lead_agency_id,
            })
        },
        async |txn| {
            let case = case_led_by_viewer(txn, v, case_id).await?;
            not_archived(&case)?;
            // From a thousandth (a gram of a kilo) to a thousand million of the unit: a
            // review of stop 34 stored 1e308 and 1e-300.
            if !(input.quantity.is_finite() && (0.001..=1e9).contains(&input.quantity)) {
                return Err(AppError::bad_input(
                    "`quantity` must be a number from 0.001 to 1 000 000 000",
                ));
            }
            let seizure = seizures::ActiveModel {
                case_id: Set(case_id),
                item: Set(required_text("item", &input.item, 1000)?),
                commodity_group: Set(input.commodity_group.as_str().into()),
                quantity: Set(input.quantity),
                unit: Set(required_text("unit", &input.unit, 50)?),
                estimated_value: Set(input.estimated_value.0),
                hs_code: Set(input
                    .hs_code
                    .as_deref()
                    .map(|h| HsCode::parse("hsCode", h).map(HsCode::into_inner))
                    .transpose()?),
                vehicle_plate: Set(input
                    .vehicle_plate
                    .as_deref()
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| VehiclePlate::parse("vehiclePlate", p).map(VehiclePlate::into_inner))
                    .transpose()?),
                storage_place: Set(optional_text(
                    "storagePlace",
                    input.storage_place.as_deref(),
                    500,
                )?),
                disposal_status: Set({
                    let status = input.disposal_status.unwrap_or(DisposalStatus::Held);
                    crate::domain::lifecycle::check_initial_disposal(status)?;
                    status.as_str().into()
                }),
                version: Set(1),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            // Always named, given or not: whether a seizure has an HS code is customs data
            // (as for the subjects' and tips' fields, `SUBJECT_FIELDS`).
            let fields = vec!["hsCode"];
            let id = seizure.id;
            let row = SeizureRow {
                seizure,
                lead_agency_id: case.lead_agency_id,
            };
            Ok(record_done("seizure", id, case_id, fields, row))
        },
    )
    .await
}

/// Changes what became of seized goods (lead agency). Destroying or auctioning needs the
/// finance department's approval first ([`approve_disposal`]).
pub async fn set_disposal_status(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    status: DisposalStatus,
) -> AppResult<SeizureRow> {
    let v = w.signed_in()?;
    // The role first, as for every core record ([`writable`]).
    acting_agency(v, Action::RecordCases)?;
    write_once(w, "setDisposalStatus", async |txn| {
        let (m, case) = writable::<seizures::Entity>(txn, v, id).await?;
        check_not_archived("seizure", m.archived_at)?;
        let from = DisposalStatus::from_db(&m.disposal_status)?;
        check_move(from, status)?;
        if matches!(
            status,
            DisposalStatus::Destroyed | DisposalStatus::Auctioned
        ) && m.disposal_approved_on.is_none()
        {
            return Err(AppError::bad_input(
                "destroying or auctioning needs the finance department's approval first",
            ));
        }
        let am = seizures::ActiveModel {
            disposal_status: Set(status.as_str().into()),
            ..Default::default()
        };
        seizure_updated(txn, am, id, version, case.id, case.lead_agency_id).await
    })
    .await
}

/// The versioned update of seized goods, reloaded with their case's lead agency.
async fn seizure_updated(
    txn: &DatabaseTransaction,
    am: seizures::ActiveModel,
    id: i64,
    version: i32,
    case_id: i64,
    lead_agency_id: i64,
) -> AppResult<Done<SeizureRow>> {
    update_record::<seizures::Entity>(txn, am, id, version).await?;
    let seizure = by_id::<seizures::Entity, _>(txn, id, "seizure").await?;
    let row = SeizureRow {
        seizure,
        lead_agency_id,
    };
    Ok(record_done("seizure", id, case_id, vec![], row))
}

/// The finance department approves the disposal of seized goods (`reference`: its decision).
pub async fn approve_disposal(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    approved_on: NaiveDate,
    reference: &str,
) -> AppResult<SeizureRow> {
    let v = w.signed_in()?;
    write_once(w, "approveDisposal", async |txn| {
        let agency = match v.agency_id {
            Some(a) => entity::agencies::Entity::find_by_id(a).one(txn).await?,
            None => None,
        };
        let kind = agency.as_ref().and_then(|a| AgencyKind::parse(&a.kind));
        crate::domain::access::check_disposal_approver(v, kind)?;
        check_past_date("approvedOn", approved_on)?;
        // An archived seizure is read by nobody but its case's lead (who may restore it): to
        // the finance department it is a missing one, in the same statement.
        let mut seen = Condition::any().add(seizures::Column::ArchivedAt.is_null());
        if let Some(agency) = v.agency_id {
            seen = seen.add(case_where::<seizures::Entity>(
                Condition::all().add(cases::Column::LeadAgencyId.eq(agency)),
            ));
        }
        let m = seizures::Entity::find_by_id(id)
            .filter(case_where::<seizures::Entity>(known_case(v)))
            .filter(seen)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::NotFound("no such seizure".into()))?;
        let case = cases::Entity::find_by_id(m.case_id).one(txn).await?;
        let case = unless_hidden(case, v).map_err(missing_as::<seizures::Entity>)?;
        check_not_archived("seizure", m.archived_at)?;
        not_archived(&case)?;
        check_not_before_detection("approvedOn", case.detected_on, approved_on)?;
        // Once the goods are disposed of, the approval that let it is the record of it: a
        // later one would replace it with a date after the act (a review of stop 35). Until
        // then the finance department may correct its approval.
        let status = DisposalStatus::from_db(&m.disposal_status)?;
        if matches!(
            status,
            DisposalStatus::Destroyed | DisposalStatus::Auctioned | DisposalStatus::Returned
        ) {
            return Err(AppError::bad_input(format!(
                "the goods are {} already: their disposal can no longer be approved",
                status.as_str()
            )));
        }
        let am = seizures::ActiveModel {
            disposal_approved_on: Set(Some(approved_on)),
            disposal_approval_ref: Set(Some(required_text("reference", reference, 100)?)),
            ..Default::default()
        };
        seizure_updated(txn, am, id, version, m.case_id, case.lead_agency_id).await
    })
    .await
}

/// Adds a customs record to a case (customs data: customs or the lead agency).
pub async fn add_customs_record(
    w: &Writer<'_>,
    case_id: i64,
    input: CustomsDetails,
    keyed: Option<Keyed>,
) -> AppResult<customs_records::Model> {
    let (model, fields) = (
        |_: &cases::Model| customs_model(&input),
        CUSTOMS_FIELDS.to_vec(),
    );
    add_record::<customs_records::Entity>(w, "addCustomsRecord", case_id, keyed, model, fields)
        .await
}

/// Replaces a customs record (customs or the lead agency).
pub async fn update_customs_record(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    input: CustomsDetails,
) -> AppResult<customs_records::Model> {
    let (model, fields) = (
        |_: &cases::Model| customs_model(&input),
        CUSTOMS_FIELDS.to_vec(),
    );
    replace_record::<customs_records::Entity>(w, "updateCustomsRecord", id, version, model, fields)
        .await
}

/// Creates (no `version`) or replaces (at `version`) the case's investigation record (police
/// data). A new record's investigating agency is the writing police agency, else the lead.
pub async fn set_investigation(
    w: &Writer<'_>,
    case_id: i64,
    version: Option<i32>,
    input: InvestigationDetails,
) -> AppResult<investigation_records::Model> {
    let v = w.signed_in()?;
    write_once(w, "setInvestigation", async |txn| {
        let case = case_for_compartment_write(txn, v, case_id, Compartment::Police).await?;
        if input.defendants < 0 || input.defendants > 1000 {
            return Err(AppError::bad_input(
                "`defendants` must be between 0 and 1000",
            ));
        }
        if let Some(d) = input.prosecuted_on {
            check_past_date("prosecutedOn", d)?;
            check_not_before_detection("prosecutedOn", case.detected_on, d)?;
        }
        let decision = optional_text(
            "prosecutionDecision",
            input.prosecution_decision.as_deref(),
            200,
        )?;
        // A prosecution is a decision and its date; defendants come with it (the figures
        // count them for prosecuted cases only, and a decision without a date counted none).
        if decision.is_some() != input.prosecuted_on.is_some() {
            return Err(AppError::bad_input(
                "a prosecution is a decision and its date: give `prosecutionDecision` and `prosecutedOn` together",
            ));
        }
        if input.defendants > 0 && input.prosecuted_on.is_none() {
            return Err(AppError::bad_input(
                "defendants come with a prosecution: give its `prosecutionDecision` and `prosecutedOn`",
            ));
        }
        let existing = investigation_records::Entity::find()
            .filter(investigation_records::Column::CaseId.eq(case_id))
            .one(txn)
            .await?;
        if let Some(r) = &existing {
            check_not_archived("investigation record", r.archived_at)?;
        }
        let gets = input.prosecuted_on.map(|on| Prosecution {
            decision: decision.clone().unwrap_or_default(),
            on,
            defendants: input.defendants,
        });
        crate::domain::lifecycle::check_prosecution(
            CaseStatus::from_db(&case.status)?,
            existing.as_ref().and_then(prosecution).as_ref(),
            gets.as_ref(),
        )?;
        rollups::retract(txn, &[case_id]).await?;
        let mut am = investigation_records::ActiveModel {
            notes: Set(required_text("notes", &input.notes, 20_000)?),
            prosecution_decision: Set(decision),
            prosecuted_on: Set(input.prosecuted_on),
            defendants: Set(input.defendants),
            ..Default::default()
        };
        let id = match (existing, version) {
            (None, None) => {
                am.case_id = Set(case_id);
                am.version = Set(1);
                am.investigating_agency_id = Set(investigator(v, &case));
                am.insert(txn).await?.id
            }
            (Some(r), Some(ver)) => {
                update_record::<investigation_records::Entity>(txn, am, r.id, ver).await?;
                r.id
            }
            (Some(_), None) => {
                return Err(AppError::Conflict(
                    "the case already has an investigation record; pass its version to replace it"
                        .into(),
                ));
            }
            (None, Some(_)) => {
                return Err(AppError::NotFound(
                    "the case has no investigation record yet; omit `version` to create it".into(),
                ));
            }
        };
        rollups::apply(txn, &[case_id]).await?;
        let r = by_id::<investigation_records::Entity, _>(txn, id, "record").await?;
        let fields = vec!["notes", "prosecutionDecision", "defendants"];
        Ok(record_done("investigation_record", id, case_id, fields, r))
    })
    .await
}

/// The prosecution an investigation record carries, if any.
pub fn prosecution(r: &investigation_records::Model) -> Option<Prosecution> {
    r.prosecuted_on.map(|on| Prosecution {
        decision: r.prosecution_decision.clone().unwrap_or_default(),
        on,
        defendants: r.defendants,
    })
}

fn investigator(v: &Viewer, case: &cases::Model) -> i64 {
    match v.role {
        Role::Police => v.agency_id.unwrap_or(case.lead_agency_id),
        _ => case.lead_agency_id,
    }
}

/// Archives (`archived`) or restores a record of a case, by whoever may write it. Returns the
/// record's new version.
pub async fn set_record_archived(
    w: &Writer<'_>,
    kind: RecordKind,
    id: i64,
    version: i32,
    archived: bool,
) -> AppResult<i32> {
    let v = w.signed_in()?;
    let op = if archived { "archive" } else { "restore" };
    write_once(w, op, async |txn| {
        let at = archived.then(chrono::Utc::now);
        match kind {
            RecordKind::Subject => archive::<subjects::Entity>(txn, v, id, version, at).await,
            RecordKind::Seizure => archive::<seizures::Entity>(txn, v, id, version, at).await,
            RecordKind::CustomsRecord => {
                archive::<customs_records::Entity>(txn, v, id, version, at).await
            }
            RecordKind::Investigation => {
                archive::<investigation_records::Entity>(txn, v, id, version, at).await
            }
        }
    })
    .await
}

/// Stamps `archived_at` on record `id` of kind `R` at `version`, by whoever may write it; a
/// change of what its case counts is followed by the case's count and rollups.
async fn archive<R: CaseRecord>(
    txn: &DatabaseTransaction,
    v: &Viewer,
    id: i64,
    version: i32,
    archived_at: Option<chrono::DateTime<chrono::Utc>>,
) -> AppResult<Done<i32>> {
    let (row, case) = writable::<R>(txn, v, id).await?;
    crate::service::write::check_archive_move(
        R::WHAT,
        R::archived_at(&row),
        archived_at.is_some(),
    )?;
    if R::ENTITY == "investigation_record" {
        // Archived, a record's prosecution is not counted: a closed case keeps its own.
        let carried = investigation_records::Entity::find_by_id(id)
            .one(txn)
            .await?
            .as_ref()
            .and_then(prosecution);
        let counted = |archived: bool| carried.clone().filter(|_| !archived);
        crate::domain::lifecycle::check_prosecution(
            CaseStatus::from_db(&case.status)?,
            counted(R::archived_at(&row).is_some()).as_ref(),
            counted(archived_at.is_some()).as_ref(),
        )?;
    }
    let case_id = R::case_id(&row);
    let mut am = <R::ActiveModel as ActiveModelTrait>::default();
    am.set(R::ARCHIVED_AT, archived_at.into());
    if R::IN_FIGURES {
        rollups::retract(txn, &[case_id]).await?;
    }
    update_record::<R>(txn, am, id, version).await?;
    if archived_at.is_none() {
        // A record restored after its case's detection moved must still fit it (a review of
        // stop 34 archived a prosecution, moved the detection past it, and restored it).
        use crate::service::case_write::{Dated, check_records_after};
        check_records_after(txn, case_id, case.detected_on, Dated::Only(R::ENTITY)).await?;
    }
    if R::IN_FIGURES {
        rollups::apply(txn, &[case_id]).await?;
    }
    if R::COUNTED {
        recount_subjects(txn, Some(case_id)).await?;
    }
    Ok(record_done(R::ENTITY, id, case_id, vec![], version + 1))
}

/// Sets a case's `subject_count` to its subjects that are not archived (one statement, in the
/// caller's transaction): every subject write ends with it, so the statistics can read the
/// count from the case row.
pub async fn recount_subjects<C: ConnectionTrait>(conn: &C, case_id: Option<i64>) -> AppResult<()> {
    let mut sql = String::from(
        "UPDATE cases SET subject_count = (SELECT COUNT(*) FROM subjects \
         WHERE subjects.case_id = cases.id AND subjects.archived_at IS NULL)",
    );
    if let Some(id) = case_id {
        sql.push_str(&format!(" WHERE cases.id = {id}"));
    }
    // The count is a figure: the case's rollups follow it (a recount of every case is
    // followed by a rebuild instead, see `recount_all`).
    let ids: Vec<i64> = case_id.into_iter().collect();
    rollups::retract(conn, &ids).await?;
    conn.execute_unprepared(&sql).await?;
    rollups::apply(conn, &ids).await?;
    Ok(())
}

/// Recounts every case's subjects, then rebuilds the rollups from them (`hub389 recount`),
/// in one transaction without the pool's statement timeout on PostgreSQL: at a million cases
/// it takes longer than any request may.
pub async fn recount_all(db: &sea_orm::DatabaseConnection) -> AppResult<()> {
    let txn = crate::db::begin_unbounded(db).await?;
    recount_subjects(&txn, None).await?;
    rollups::rebuild(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// The restricted fields a subject write names in the audit trail: all of them, whatever was
/// given, as for every record. Which details the police hold on a subject (an ID number, a
/// tax code) is police data, and the administrator reading the audit log may not know it (a
/// review of stop 34 read it from events that named only the fields given).
const SUBJECT_FIELDS: [&str; 5] = ["fullName", "idNumber", "dateOfBirth", "address", "taxCode"];

/// A subject's validated columns: NFC name with its folded search key, ID number, birth date
/// (never in the future, no earlier than 1900), tax code.
fn subject_model(
    input: &SubjectDetails,
    detected_on: NaiveDate,
) -> AppResult<subjects::ActiveModel> {
    let name = required_text("fullName", &input.full_name, 200)?;
    if let Some(d) = input.date_of_birth {
        BirthDate::parse(d)?;
        // Nobody is involved in a case before they were born (a review of stop 34 stored a
        // suspect born after the case was detected).
        if d > detected_on {
            return Err(AppError::bad_input(format!(
                "`dateOfBirth` {d} is after the case was detected ({detected_on})"
            )));
        }
    }
    Ok(subjects::ActiveModel {
        kind: Set(input.kind.as_str().into()),
        role: Set(input.role.as_str().into()),
        name_key: Set(fold(&name)),
        full_name: Set(name),
        id_number: Set(input
            .id_number
            .as_deref()
            .map(|n| IdNumber::parse("idNumber", n).map(IdNumber::into_inner))
            .transpose()?),
        date_of_birth: Set(input.date_of_birth),
        address: Set(optional_text("address", input.address.as_deref(), 500)?),
        nationality: Set(optional_text(
            "nationality",
            input.nationality.as_deref(),
            100,
        )?),
        tax_code: Set(
            TaxCode::parse_optional("taxCode", input.tax_code.as_deref())?.map(TaxCode::into_inner),
        ),
        ..Default::default()
    })
}

/// A customs record's validated columns: declaration number, a past declaration date, 1 to 50
/// HS codes, tax codes.
fn customs_model(input: &CustomsDetails) -> AppResult<customs_records::ActiveModel> {
    check_past_date("declaredOn", input.declared_on)?;
    if input.hs_codes.is_empty() || input.hs_codes.len() > 50 {
        return Err(AppError::bad_input("`hsCodes` takes 1 to 50 codes"));
    }
    let mut codes = Vec::with_capacity(input.hs_codes.len());
    for c in &input.hs_codes {
        // Each code once, in the order first given, as every other list input (a review of
        // stop 34 stored `2402` twice).
        let code = HsCode::parse("hsCodes", c)?.into_inner();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    let tax_code = |field, v: &Option<String>| {
        TaxCode::parse_optional(field, v.as_deref()).map(|t| t.map(TaxCode::into_inner))
    };
    Ok(customs_records::ActiveModel {
        declaration_number: Set(DeclarationNumber::parse(
            "declarationNumber",
            &input.declaration_number,
        )?
        .into_inner()),
        declared_on: Set(input.declared_on),
        regime: Set(required_text("regime", &input.regime, 200)?),
        hs_codes: Set(codes.join(",")),
        importer_tax_code: Set(tax_code("importerTaxCode", &input.importer_tax_code)?),
        exporter_tax_code: Set(tax_code("exporterTaxCode", &input.exporter_tax_code)?),
        inspection_result: Set(required_text(
            "inspectionResult",
            &input.inspection_result,
            5000,
        )?),
        ..Default::default()
    })
}
