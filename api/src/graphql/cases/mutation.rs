//! Case mutations, each a body run by [`crate::service::write`] (one transaction, the audit
//! event, the idempotency key of creations, the event after commit); updates carry the
//! version the client read (stale → `CONFLICT`).

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter,
};

use entity::{
    case_campaigns, case_coordinators, cases, customs_records, investigation_records, seizures,
    subjects,
};

use super::{Case, CustomsRecord, InvestigationRecord, Seizure, Subject};
use crate::auth::{Role, Viewer};
use crate::domain::access::{Action, Compartment, acting_agency};
use crate::domain::types::{BirthDate, DeclarationNumber, HsCode, IdNumber, TaxCode};
use crate::domain::vocab::*;
use crate::error::{AppError, AppResult};
use crate::graphql::context::{Vnd, viewer};
use crate::graphql::ids::parse_id;
use crate::graphql::workflow::{key_of, writer};
use crate::service::case_write::*;
use crate::service::events::DomainEvent;
use crate::service::rows::by_id;
use crate::service::write::{Done, write, write_once};
use crate::text::{fold, nfc};
use crate::versioned_update;

#[derive(Default)]
pub struct CaseMutation;

/// A new case's facts. The lead agency is the viewer's agency.
#[derive(InputObject)]
pub struct NewCaseInput {
    pub title: String,
    pub violation_type: ViolationType,
    pub commodity_group: CommodityGroup,
    pub channel: Channel,
    pub platform: Option<Platform>,
    /// Commune code.
    pub commune: Option<String>,
    /// Border gate code.
    pub border_gate: Option<String>,
    pub detected_on: NaiveDate,
    pub goods_summary: String,
    pub fine_amount: Option<Vnd>,
    pub tax_arrears: Option<Vnd>,
    pub goods_value: Option<Vnd>,
    pub budget_collected: Option<Vnd>,
    /// Agency codes.
    pub coordinating_agencies: Option<Vec<String>>,
    /// Campaign codes.
    pub campaigns: Option<Vec<String>>,
}

/// Changes to a case's core facts; absent fields stay as they are.
#[derive(InputObject, Default)]
pub struct CasePatch {
    pub title: Option<String>,
    pub violation_type: Option<ViolationType>,
    pub commodity_group: Option<CommodityGroup>,
    pub channel: Option<Channel>,
    pub platform: Option<Platform>,
    pub commune: Option<String>,
    pub border_gate: Option<String>,
    pub detected_on: Option<NaiveDate>,
    pub goods_summary: Option<String>,
    pub fine_amount: Option<Vnd>,
    pub tax_arrears: Option<Vnd>,
    pub goods_value: Option<Vnd>,
    pub budget_collected: Option<Vnd>,
    /// Replaces the coordinating agencies (codes).
    pub coordinating_agencies: Option<Vec<String>>,
}

#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::police_visible")]
pub struct SubjectInput {
    pub kind: SubjectKind,
    pub role: SubjectRole,
    pub full_name: String,
    /// Citizen ID (CCCD, 12 digits) or old ID card (9 digits).
    pub id_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub address: Option<String>,
    pub nationality: Option<String>,
    /// Tax code: 10 digits, or 10-3 for a branch.
    pub tax_code: Option<String>,
}

#[derive(InputObject)]
pub struct SeizureInput {
    pub item: String,
    pub commodity_group: CommodityGroup,
    pub quantity: f64,
    pub unit: String,
    pub estimated_value: Vnd,
    /// HS code (customs compartment): 4 to 10 digits.
    #[graphql(visible = "crate::graphql::guards::customs_visible")]
    pub hs_code: Option<String>,
    pub storage_place: Option<String>,
    pub disposal_status: Option<DisposalStatus>,
}

#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::customs_visible")]
pub struct CustomsRecordInput {
    pub declaration_number: String,
    pub declared_on: NaiveDate,
    pub regime: String,
    pub hs_codes: Vec<String>,
    pub importer_tax_code: Option<String>,
    pub exporter_tax_code: Option<String>,
    pub inspection_result: String,
}

#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::police_visible")]
pub struct InvestigationInput {
    pub notes: String,
    pub prosecution_decision: Option<String>,
    pub prosecuted_on: Option<NaiveDate>,
    pub defendants: i32,
}

/// Records hanging off a case that can be archived and restored.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CaseRecordKind {
    Subject,
    Seizure,
    CustomsRecord,
    Investigation,
}

fn non_negative_quantity(q: f64) -> AppResult<f64> {
    if q.is_finite() && q > 0.0 {
        Ok(q)
    } else {
        Err(AppError::bad_input("`quantity` must be a positive number"))
    }
}

/// Most agencies or campaigns one case names (each is looked up inside the write).
const MAX_LINKS: usize = 50;

async fn coordinators<C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
    lead: i64,
    codes: &[String],
) -> AppResult<()> {
    if codes.len() > MAX_LINKS {
        return Err(AppError::bad_input(format!(
            "at most {MAX_LINKS} coordinating agencies"
        )));
    }
    case_coordinators::Entity::delete_many()
        .filter(case_coordinators::Column::CaseId.eq(case_id))
        .exec(conn)
        .await?;
    let mut ids = vec![];
    for code in codes {
        let a = agency_by_code(conn, code).await?;
        if a.id == lead {
            return Err(AppError::bad_input(
                "the lead agency cannot also coordinate",
            ));
        }
        if !ids.contains(&a.id) {
            ids.push(a.id);
        }
    }
    if !ids.is_empty() {
        case_coordinators::Entity::insert_many(ids.into_iter().map(|a| {
            case_coordinators::ActiveModel {
                case_id: Set(case_id),
                agency_id: Set(a),
            }
        }))
        .exec(conn)
        .await?;
    }
    Ok(())
}

async fn load_case(txn: &DatabaseTransaction, id: i64) -> AppResult<cases::Model> {
    by_id::<cases::Entity, _>(txn, id, "case").await
}

/// A write of a case's record (`entity` `id`), naming the restricted fields it wrote; a
/// change of the record is a change of its case.
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
        event: Some(DomainEvent::CaseChanged { case_id }),
    }
}

#[Object]
impl CaseMutation {
    /// Records a new case led by the viewer's agency.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn create_case(
        &self,
        ctx: &Context<'_>,
        input: NewCaseInput,
        idempotency_key: Option<String>,
    ) -> Result<Case> {
        let v = viewer(ctx)?;
        let lead = acting_agency(v, Action::RecordCases)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "createCase")?;
        let case = write(
            &writer(ctx)?,
            "createCase",
            keyed,
            async |txn, id| load_case(txn, id).await,
            async |txn| {
                let title = required_text("title", &input.title, 500)?;
                let goods = required_text("goodsSummary", &input.goods_summary, 5000)?;
                check_past_date("detectedOn", input.detected_on)?;
                check_platform(input.channel, input.platform)?;
                let commune = match &input.commune {
                    Some(c) => Some(commune_by_code(txn, c).await?.id),
                    None => None,
                };
                let gate = match &input.border_gate {
                    Some(c) => Some(gate_by_code(txn, c).await?.id),
                    None => None,
                };
                let now = chrono::Utc::now();
                let temp_code = format!("NEW-{}", uuid::Uuid::new_v4().simple());
                let inserted = cases::ActiveModel {
                    code: Set(temp_code),
                    title: Set(title),
                    violation_type: Set(input.violation_type.as_str().into()),
                    commodity_group: Set(input.commodity_group.as_str().into()),
                    channel: Set(input.channel.as_str().into()),
                    platform: Set(input.platform.map(|p| p.as_str().into())),
                    lead_agency_id: Set(lead),
                    commune_id: Set(commune),
                    border_gate_id: Set(gate),
                    detected_on: Set(input.detected_on),
                    status: Set(CaseStatus::Detected.as_str().into()),
                    goods_summary: Set(goods),
                    fine_amount: Set(input.fine_amount.map_or(0, |v| v.0)),
                    tax_arrears: Set(input.tax_arrears.map_or(0, |v| v.0)),
                    goods_value: Set(input.goods_value.map_or(0, |v| v.0)),
                    budget_collected: Set(input.budget_collected.map_or(0, |v| v.0)),
                    handled_on: Set(None),
                    search_key: Set(String::new()),
                    version: Set(1),
                    archived_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                // The code numbers cases by id, as the demo data does: VV-<year>-<id>.
                let code = format!("VV-{}-{:05}", input.detected_on.format("%Y"), inserted.id);
                cases::Entity::update_many()
                    .col_expr(cases::Column::Code, sea_orm::sea_query::Expr::value(code))
                    .filter(cases::Column::Id.eq(inserted.id))
                    .exec(txn)
                    .await?;
                coordinators(
                    txn,
                    inserted.id,
                    lead,
                    input.coordinating_agencies.as_deref().unwrap_or_default(),
                )
                .await?;
                let mut campaign_codes = input.campaigns.clone().unwrap_or_default();
                campaign_codes.sort();
                campaign_codes.dedup();
                if campaign_codes.len() > MAX_LINKS {
                    return Err(AppError::bad_input(format!(
                        "at most {MAX_LINKS} campaigns"
                    )));
                }
                for code in campaign_codes {
                    let c = campaign_by_code(txn, &code).await?;
                    case_campaigns::Entity::insert(case_campaigns::ActiveModel {
                        case_id: Set(inserted.id),
                        campaign_id: Set(c.id),
                    })
                    .exec(txn)
                    .await?;
                }
                Ok(Done::of(refresh_search_key(txn, inserted.id).await?))
            },
        )
        .await?;
        Ok(Case(case))
    }

    /// Changes a case's core facts (lead agency only).
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn update_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        patch: CasePatch,
    ) -> Result<Case> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let case = write_once(&writer(ctx)?, "updateCase", async |txn| {
            let case = case_led_by_viewer(txn, v, id).await?;
            not_archived(&case)?;
            let mut am = touch();
            if let Some(t) = &patch.title {
                am.title = Set(required_text("title", t, 500)?);
            }
            if let Some(t) = patch.violation_type {
                am.violation_type = Set(t.as_str().into());
            }
            if let Some(t) = patch.commodity_group {
                am.commodity_group = Set(t.as_str().into());
            }
            let channel = patch
                .channel
                .map(Ok)
                .unwrap_or_else(|| Channel::from_db(&case.channel))?;
            let platform = match patch.platform {
                Some(p) => Some(p),
                None => case
                    .platform
                    .as_deref()
                    .map(Platform::from_db)
                    .transpose()?,
            };
            check_platform(channel, platform)?;
            if let Some(c) = patch.channel {
                am.channel = Set(c.as_str().into());
            }
            if let Some(p) = patch.platform {
                am.platform = Set(Some(p.as_str().into()));
            }
            if let Some(c) = &patch.commune {
                am.commune_id = Set(Some(commune_by_code(txn, c).await?.id));
            }
            if let Some(c) = &patch.border_gate {
                am.border_gate_id = Set(Some(gate_by_code(txn, c).await?.id));
            }
            if let Some(d) = patch.detected_on {
                check_past_date("detectedOn", d)?;
                am.detected_on = Set(d);
            }
            if let Some(g) = &patch.goods_summary {
                am.goods_summary = Set(required_text("goodsSummary", g, 5000)?);
            }
            if let Some(x) = patch.fine_amount {
                am.fine_amount = Set(x.0);
            }
            if let Some(x) = patch.tax_arrears {
                am.tax_arrears = Set(x.0);
            }
            if let Some(x) = patch.goods_value {
                am.goods_value = Set(x.0);
            }
            if let Some(x) = patch.budget_collected {
                am.budget_collected = Set(x.0);
            }
            versioned_update!(txn, cases, am, id, version)?;
            if let Some(codes) = &patch.coordinating_agencies {
                coordinators(txn, id, case.lead_agency_id, codes).await?;
            }
            let case = refresh_search_key(txn, id).await?;
            Ok(Done::of(case))
        })
        .await?;
        Ok(Case(case))
    }

    /// Moves a case along its lifecycle (lead agency only). An illegal transition is
    /// `BAD_USER_INPUT` naming both states; transfer to the police has its own mutation.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn change_case_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        status: CaseStatus,
        #[graphql(desc = "Date handled (defaults to today in Vietnam)")] handled_on: Option<
            NaiveDate,
        >,
    ) -> Result<Case> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let case = write_once(&writer(ctx)?, "changeCaseStatus", async |txn| {
            let case = case_led_by_viewer(txn, v, id).await?;
            not_archived(&case)?;
            let from = CaseStatus::from_db(&case.status)?;
            check_transition(from, status)?;
            if status == CaseStatus::TransferredToPolice {
                return Err(AppError::bad_input(
                    "use transferCaseToPolice to name the investigating police agency",
                ));
            }
            let mut am = touch();
            am.status = Set(status.as_str().into());
            let handles = matches!(
                status,
                CaseStatus::HandledAdministratively | CaseStatus::Prosecuted | CaseStatus::Closed
            );
            if handles && case.handled_on.is_none() {
                let d = handled_on.unwrap_or_else(crate::time::today);
                check_past_date("handledOn", d)?;
                am.handled_on = Set(Some(d));
            }
            versioned_update!(txn, cases, am, id, version)?;
            let case = load_case(txn, id).await?;
            Ok(Done::of(case))
        })
        .await?;
        Ok(Case(case))
    }

    /// Transfers a case under verification to the investigating police: the police agency
    /// becomes its lead (and sees it as its own); the former lead coordinates.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn transfer_case_to_police(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        #[graphql(
            name = "policeAgency",
            desc = "Code of the investigating police agency"
        )]
        police_code: String,
    ) -> Result<Case> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let case = write_once(&writer(ctx)?, "transferCaseToPolice", async |txn| {
            let case = case_led_by_viewer(txn, v, id).await?;
            not_archived(&case)?;
            check_transition(
                CaseStatus::from_db(&case.status)?,
                CaseStatus::TransferredToPolice,
            )?;
            let police = police_agency(txn, &police_code).await?;
            if police.id == case.lead_agency_id {
                return Err(
                    AppError::bad_input("the case is already led by that police agency").into(),
                );
            }
            let mut am = touch();
            am.status = Set(CaseStatus::TransferredToPolice.as_str().into());
            am.lead_agency_id = Set(police.id);
            versioned_update!(txn, cases, am, id, version)?;
            case_coordinators::Entity::delete_many()
                .filter(case_coordinators::Column::CaseId.eq(id))
                .filter(case_coordinators::Column::AgencyId.is_in([police.id, case.lead_agency_id]))
                .exec(txn)
                .await
                .map_err(AppError::from)?;
            case_coordinators::Entity::insert(case_coordinators::ActiveModel {
                case_id: Set(id),
                agency_id: Set(case.lead_agency_id),
            })
            .exec(txn)
            .await
            .map_err(AppError::from)?;

            let case = load_case(txn, id).await?;
            Ok(Done::of(case))
        })
        .await?;
        Ok(Case(case))
    }

    /// Archives (`archived: true`) or restores a case (lead agency only). Nothing is deleted.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn set_case_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Case> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let op = if archived {
            "archiveCase"
        } else {
            "restoreCase"
        };
        let case = write_once(&writer(ctx)?, op, async |txn| {
            case_led_by_viewer(txn, v, id).await?;
            let mut am = touch();
            am.archived_at = Set(archived.then(chrono::Utc::now));
            versioned_update!(txn, cases, am, id, version)?;
            let case = load_case(txn, id).await?;
            Ok(Done::of(case))
        })
        .await?;
        Ok(Case(case))
    }

    /// Links (`linked: true`) or unlinks a campaign (lead agency only).
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn set_case_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        campaign: String,
        linked: bool,
    ) -> Result<Case> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let case = write_once(&writer(ctx)?, "setCaseCampaign", async |txn| {
            let case = case_led_by_viewer(txn, v, id).await?;
            not_archived(&case)?;
            let c = campaign_by_code(txn, &campaign).await?;
            versioned_update!(txn, cases, touch(), id, version)?;
            case_campaigns::Entity::delete_many()
                .filter(case_campaigns::Column::CaseId.eq(id))
                .filter(case_campaigns::Column::CampaignId.eq(c.id))
                .exec(txn)
                .await
                .map_err(AppError::from)?;
            if linked {
                case_campaigns::Entity::insert(case_campaigns::ActiveModel {
                    case_id: Set(id),
                    campaign_id: Set(c.id),
                })
                .exec(txn)
                .await
                .map_err(AppError::from)?;
            }

            let case = load_case(txn, id).await?;
            Ok(Done::of(case))
        })
        .await?;
        Ok(Case(case))
    }

    /// Adds a subject (police data: the police or the lead agency).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn add_subject(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: SubjectInput,
        idempotency_key: Option<String>,
    ) -> Result<Subject> {
        let v = viewer(ctx)?;
        let case_id = parse_id(&case_id)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "addSubject")?;
        let s = write(
            &writer(ctx)?,
            "addSubject",
            keyed,
            async |txn, id| {
                case_for_compartment_write(txn, v, case_id, Compartment::Police).await?;
                by_id::<subjects::Entity, _>(txn, id, "subject").await
            },
            async |txn| {
                case_for_compartment_write(txn, v, case_id, Compartment::Police).await?;
                let am = subject_model(
                    &input,
                    subjects::ActiveModel {
                        case_id: Set(case_id),
                        version: Set(1),
                        ..Default::default()
                    },
                )?;
                let s = am.insert(txn).await?;
                Ok(record_done(
                    "subject",
                    s.id,
                    case_id,
                    subject_fields(&input),
                    s,
                ))
            },
        )
        .await?;
        Ok(Subject(s))
    }

    /// Replaces a subject's details (police data: the police or the lead agency).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn update_subject(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: SubjectInput,
    ) -> Result<Subject> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let s = write_once(&writer(ctx)?, "updateSubject", async |txn| {
            let s = by_id::<subjects::Entity, _>(txn, id, "subject").await?;
            case_for_compartment_write(txn, v, s.case_id, Compartment::Police).await?;
            let am = subject_model(&input, Default::default())?;
            versioned_update!(txn, subjects, am, id, version)?;
            let s = by_id::<subjects::Entity, _>(txn, id, "subject").await?;
            Ok(record_done(
                "subject",
                id,
                s.case_id,
                subject_fields(&input),
                s,
            ))
        })
        .await?;
        Ok(Subject(s))
    }

    /// Adds seized goods (lead agency).
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn add_seizure(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: SeizureInput,
        idempotency_key: Option<String>,
    ) -> Result<Seizure> {
        let v = viewer(ctx)?;
        let case_id = parse_id(&case_id)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "addSeizure")?;
        let (m, lead_agency_id) = write(
            &writer(ctx)?,
            "addSeizure",
            keyed,
            async |txn, id| {
                let case = case_led_by_viewer(txn, v, case_id).await?;
                let m = by_id::<seizures::Entity, _>(txn, id, "seizure").await?;
                Ok((m, case.lead_agency_id))
            },
            async |txn| {
                let case = case_led_by_viewer(txn, v, case_id).await?;
                not_archived(&case)?;
                let m = seizures::ActiveModel {
                    case_id: Set(case_id),
                    item: Set(required_text("item", &input.item, 1000)?),
                    commodity_group: Set(input.commodity_group.as_str().into()),
                    quantity: Set(non_negative_quantity(input.quantity)?),
                    unit: Set(required_text("unit", &input.unit, 50)?),
                    estimated_value: Set(input.estimated_value.0),
                    hs_code: Set(input
                        .hs_code
                        .as_deref()
                        .map(|h| HsCode::parse("hsCode", h).map(HsCode::into_inner))
                        .transpose()?),
                    storage_place: Set(optional_text(
                        "storagePlace",
                        input.storage_place.as_deref(),
                        500,
                    )?),
                    disposal_status: Set(input
                        .disposal_status
                        .unwrap_or(DisposalStatus::Held)
                        .as_str()
                        .into()),
                    version: Set(1),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                let fields = if input.hs_code.is_some() {
                    vec!["hsCode"]
                } else {
                    vec![]
                };
                let value = (m, case.lead_agency_id);
                Ok(record_done("seizure", value.0.id, case_id, fields, value))
            },
        )
        .await?;
        Ok(Seizure { m, lead_agency_id })
    }

    /// Changes what became of seized goods (lead agency). Destroying or auctioning needs the
    /// finance department's approval first (`approveDisposal`).
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn set_disposal_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        status: DisposalStatus,
    ) -> Result<Seizure> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let (m, lead_agency_id) = write_once(&writer(ctx)?, "setDisposalStatus", async |txn| {
            let m = by_id::<seizures::Entity, _>(txn, id, "seizure").await?;
            let case = case_led_by_viewer(txn, v, m.case_id).await?;
            not_archived(&case)?;
            if m.archived_at.is_some() {
                return Err(AppError::bad_input(
                    "the seizure is archived; restore it first",
                ));
            }
            let from = DisposalStatus::from_db(&m.disposal_status)?;
            // Held goods are confiscated or returned; confiscated goods are destroyed or
            // auctioned. Destroyed, auctioned and returned goods are gone: those states are
            // final.
            let allowed = match from {
                DisposalStatus::Held => {
                    &[DisposalStatus::Confiscated, DisposalStatus::Returned][..]
                }
                DisposalStatus::Confiscated => &[
                    DisposalStatus::Destroyed,
                    DisposalStatus::Auctioned,
                    DisposalStatus::Returned,
                ][..],
                _ => &[][..],
            };
            if !allowed.contains(&status) {
                return Err(AppError::bad_input(format!(
                    "seized goods cannot go from {} to {}",
                    from.as_str().to_uppercase(),
                    status.as_str().to_uppercase()
                )));
            }
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
            versioned_update!(txn, seizures, am, id, version)?;
            let m = by_id::<seizures::Entity, _>(txn, id, "seizure").await?;
            let value = (m, case.lead_agency_id);
            Ok(record_done("seizure", id, case.id, vec![], value))
        })
        .await?;
        Ok(Seizure { m, lead_agency_id })
    }

    /// The finance department approves the disposal of seized goods.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn approve_disposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        approved_on: NaiveDate,
        reference: String,
    ) -> Result<Seizure> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let (m, lead_agency_id) = write_once(&writer(ctx)?, "approveDisposal", async |txn| {
            let agency = match v.agency_id {
                Some(a) => entity::agencies::Entity::find_by_id(a).one(txn).await?,
                None => None,
            };
            let kind = agency.as_ref().and_then(|a| AgencyKind::parse(&a.kind));
            crate::domain::access::check_disposal_approver(v, kind)?;
            check_past_date("approvedOn", approved_on)?;
            let m = by_id::<seizures::Entity, _>(txn, id, "seizure").await?;
            if m.archived_at.is_some() {
                return Err(AppError::bad_input(
                    "the seizure is archived; restore it first",
                ));
            }
            let case = cases::Entity::find_by_id(m.case_id).one(txn).await?;
            if let Some(case) = &case {
                not_archived(case)?;
            }
            let am = seizures::ActiveModel {
                disposal_approved_on: Set(Some(approved_on)),
                disposal_approval_ref: Set(Some(required_text("reference", &reference, 100)?)),
                ..Default::default()
            };
            versioned_update!(txn, seizures, am, id, version)?;
            let m = by_id::<seizures::Entity, _>(txn, id, "seizure").await?;
            let lead = case.map_or(0, |c| c.lead_agency_id);
            let case_id = m.case_id;
            Ok(record_done("seizure", id, case_id, vec![], (m, lead)))
        })
        .await?;
        Ok(Seizure { m, lead_agency_id })
    }

    /// Adds a customs record (customs data: customs or the lead agency).
    #[graphql(visible = "crate::graphql::guards::customs_visible")]
    async fn add_customs_record(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: CustomsRecordInput,
        idempotency_key: Option<String>,
    ) -> Result<CustomsRecord> {
        let v = viewer(ctx)?;
        let case_id = parse_id(&case_id)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "addCustomsRecord")?;
        let r = write(
            &writer(ctx)?,
            "addCustomsRecord",
            keyed,
            async |txn, id| {
                case_for_compartment_write(txn, v, case_id, Compartment::Customs).await?;
                by_id::<customs_records::Entity, _>(txn, id, "record").await
            },
            async |txn| {
                case_for_compartment_write(txn, v, case_id, Compartment::Customs).await?;
                let am = customs_model(
                    &input,
                    customs_records::ActiveModel {
                        case_id: Set(case_id),
                        version: Set(1),
                        ..Default::default()
                    },
                )?;
                let r = am.insert(txn).await?;
                let fields = CUSTOMS_FIELDS.to_vec();
                Ok(record_done("customs_record", r.id, case_id, fields, r))
            },
        )
        .await?;
        Ok(CustomsRecord(r))
    }

    /// Replaces a customs record (customs or the lead agency).
    #[graphql(visible = "crate::graphql::guards::customs_visible")]
    async fn update_customs_record(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: CustomsRecordInput,
    ) -> Result<CustomsRecord> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let r = write_once(&writer(ctx)?, "updateCustomsRecord", async |txn| {
            let r = by_id::<customs_records::Entity, _>(txn, id, "record").await?;
            case_for_compartment_write(txn, v, r.case_id, Compartment::Customs).await?;
            let am = customs_model(&input, Default::default())?;
            versioned_update!(txn, customs_records, am, id, version)?;
            let r = by_id::<customs_records::Entity, _>(txn, id, "record").await?;
            let (case_id, fields) = (r.case_id, CUSTOMS_FIELDS.to_vec());
            Ok(record_done("customs_record", id, case_id, fields, r))
        })
        .await?;
        Ok(CustomsRecord(r))
    }

    /// Creates or (with `version`) replaces the case's investigation record (police data).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn set_investigation(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: Option<i32>,
        input: InvestigationInput,
    ) -> Result<InvestigationRecord> {
        let v = viewer(ctx)?;
        let case_id = parse_id(&case_id)?;
        let r = write_once(&writer(ctx)?, "setInvestigation", async |txn| {
            let case = case_for_compartment_write(txn, v, case_id, Compartment::Police).await?;
            if input.defendants < 0 || input.defendants > 1000 {
                return Err(AppError::bad_input(
                    "`defendants` must be between 0 and 1000",
                ));
            }
            if let Some(d) = input.prosecuted_on {
                check_past_date("prosecutedOn", d)?;
            }
            let existing = investigation_records::Entity::find()
                .filter(investigation_records::Column::CaseId.eq(case_id))
                .one(txn)
                .await?;
            let mut am = investigation_records::ActiveModel {
                notes: Set(required_text("notes", &input.notes, 20_000)?),
                prosecution_decision: Set(optional_text(
                    "prosecutionDecision",
                    input.prosecution_decision.as_deref(),
                    200,
                )?),
                prosecuted_on: Set(input.prosecuted_on),
                defendants: Set(input.defendants),
                ..Default::default()
            };
            let id = match (existing, version) {
                (None, None) => {
                    am.case_id = Set(case_id);
                    am.version = Set(1);
                    let investigator = match v.role {
                        Role::Police => v.agency_id.unwrap_or(case.lead_agency_id),
                        _ => case.lead_agency_id,
                    };
                    am.investigating_agency_id = Set(investigator);
                    am.insert(txn).await?.id
                }
                (Some(r), Some(ver)) => {
                    versioned_update!(txn, investigation_records, am, r.id, ver)?;
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
                        "the case has no investigation record yet; omit `version` to create it"
                            .into(),
                    ));
                }
            };
            let r = by_id::<investigation_records::Entity, _>(txn, id, "record").await?;
            let fields = vec!["notes", "prosecutionDecision", "defendants"];
            Ok(record_done("investigation_record", id, case_id, fields, r))
        })
        .await?;
        Ok(InvestigationRecord(r))
    }

    /// Archives or restores a record of a case, by whoever may write it. Returns the new version.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn set_case_record_archived(
        &self,
        ctx: &Context<'_>,
        kind: CaseRecordKind,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<i32> {
        let v = viewer(ctx)?;
        let id = parse_id(&id)?;
        let op = if archived { "archive" } else { "restore" };
        let version = write_once(&writer(ctx)?, op, async |txn| {
            let at = Set(archived.then(chrono::Utc::now));
            let (entity, case_id) = match kind {
                CaseRecordKind::Subject => {
                    let r = by_id::<subjects::Entity, _>(txn, id, "subject").await?;
                    case_for_compartment_write(txn, v, r.case_id, Compartment::Police).await?;
                    let am = subjects::ActiveModel {
                        archived_at: at,
                        ..Default::default()
                    };
                    versioned_update!(txn, subjects, am, id, version)?;
                    ("subject", r.case_id)
                }
                CaseRecordKind::Seizure => {
                    let r = by_id::<seizures::Entity, _>(txn, id, "seizure").await?;
                    case_led_by_viewer(txn, v, r.case_id).await?;
                    let am = seizures::ActiveModel {
                        archived_at: at,
                        ..Default::default()
                    };
                    versioned_update!(txn, seizures, am, id, version)?;
                    ("seizure", r.case_id)
                }
                CaseRecordKind::CustomsRecord => {
                    let r = by_id::<customs_records::Entity, _>(txn, id, "record").await?;
                    case_for_compartment_write(txn, v, r.case_id, Compartment::Customs).await?;
                    let am = customs_records::ActiveModel {
                        archived_at: at,
                        ..Default::default()
                    };
                    versioned_update!(txn, customs_records, am, id, version)?;
                    ("customs_record", r.case_id)
                }
                CaseRecordKind::Investigation => {
                    let r = by_id::<investigation_records::Entity, _>(txn, id, "record").await?;
                    case_for_compartment_write(txn, v, r.case_id, Compartment::Police).await?;
                    let am = investigation_records::ActiveModel {
                        archived_at: at,
                        ..Default::default()
                    };
                    versioned_update!(txn, investigation_records, am, id, version)?;
                    ("investigation_record", r.case_id)
                }
            };
            Ok(record_done(entity, id, case_id, vec![], version + 1))
        })
        .await?;
        Ok(version)
    }
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

fn subject_fields(input: &SubjectInput) -> Vec<&'static str> {
    let mut f = vec!["fullName"];
    if input.id_number.is_some() {
        f.push("idNumber");
    }
    if input.date_of_birth.is_some() {
        f.push("dateOfBirth");
    }
    if input.address.is_some() {
        f.push("address");
    }
    if input.tax_code.is_some() {
        f.push("taxCode");
    }
    f
}

fn subject_model(
    input: &SubjectInput,
    mut am: subjects::ActiveModel,
) -> AppResult<subjects::ActiveModel> {
    let name = required_text("fullName", &input.full_name, 200)?;
    if let Some(d) = input.date_of_birth {
        BirthDate::parse(d)?;
    }
    am.kind = Set(input.kind.as_str().into());
    am.role = Set(input.role.as_str().into());
    am.name_key = Set(fold(&name));
    am.full_name = Set(name);
    am.id_number = Set(input
        .id_number
        .as_deref()
        .map(|n| IdNumber::parse("idNumber", n).map(IdNumber::into_inner))
        .transpose()?);
    am.date_of_birth = Set(input.date_of_birth);
    am.address = Set(optional_text("address", input.address.as_deref(), 500)?);
    am.nationality = Set(optional_text(
        "nationality",
        input.nationality.as_deref(),
        100,
    )?);
    am.tax_code = Set(
        TaxCode::parse_optional("taxCode", input.tax_code.as_deref())?.map(TaxCode::into_inner),
    );
    Ok(am)
}

fn customs_model(
    input: &CustomsRecordInput,
    mut am: customs_records::ActiveModel,
) -> AppResult<customs_records::ActiveModel> {
    check_past_date("declaredOn", input.declared_on)?;
    if input.hs_codes.is_empty() || input.hs_codes.len() > 50 {
        return Err(AppError::bad_input("`hsCodes` takes 1 to 50 codes"));
    }
    let codes = input
        .hs_codes
        .iter()
        .map(|c| HsCode::parse("hsCodes", c).map(HsCode::into_inner))
        .collect::<AppResult<Vec<_>>>()?;
    am.declaration_number =
        Set(DeclarationNumber::parse("declarationNumber", &input.declaration_number)?.into_inner());
    am.declared_on = Set(input.declared_on);
    am.regime = Set(required_text("regime", &input.regime, 200)?);
    am.hs_codes = Set(codes.join(","));
    am.importer_tax_code = Set(TaxCode::parse_optional(
        "importerTaxCode",
        input.importer_tax_code.as_deref(),
    )?
    .map(TaxCode::into_inner));
    am.exporter_tax_code = Set(TaxCode::parse_optional(
        "exporterTaxCode",
        input.exporter_tax_code.as_deref(),
    )?
    .map(TaxCode::into_inner));
    am.inspection_result = Set(required_text(
        "inspectionResult",
        &input.inspection_result,
        5000,
    )?);
    let _ = nfc("");
    Ok(am)
}

/// Keeps `Viewer` in scope for doc links.
#[allow(dead_code)]
fn _viewer(_: &Viewer) {}
