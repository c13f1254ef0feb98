//! Case mutations: each resolver reads its arguments and calls the write in
//! [`crate::service::case_write`] (the case) or [`crate::service::case_records`] (what hangs
//! off it); updates carry the version the client read (stale → `CONFLICT`).

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use super::{Case, CustomsRecord, InvestigationRecord, Seizure, Subject};
use crate::domain::vocab::*;
use crate::graphql::context::{Date, Vnd};
use crate::graphql::ids::{NodeKind, parse_id, parse_row};
use crate::graphql::workflow::{key_of, writer};
use crate::service::case_records::{
    self as records, CustomsDetails, InvestigationDetails, NewSeizure, RecordKind, SeizureRow,
    SubjectDetails,
};
use crate::service::case_write::{self as svc, CaseChanges, NewCase};

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
    pub detected_on: Date,
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

/// Changes to a case's core facts; absent fields stay as they are, and `null` clears
/// `platform`, `commune` and `borderGate` (the others cannot be cleared). A variable the
/// request leaves out is `null` in GraphQL, so a document writing `commune: $commune` clears
/// the commune when `$commune` is not sent: send the whole patch as one variable.
#[derive(InputObject, Default)]
pub struct CasePatch {
    pub title: Option<String>,
    pub violation_type: Option<ViolationType>,
    pub commodity_group: Option<CommodityGroup>,
    pub channel: Option<Channel>,
    /// `null` clears it (a case moved off e-commerce and social networks must).
    pub platform: MaybeUndefined<Platform>,
    /// Commune code; `null` clears it.
    pub commune: MaybeUndefined<String>,
    /// Border gate code; `null` clears it.
    pub border_gate: MaybeUndefined<String>,
    pub detected_on: Option<Date>,
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
    pub date_of_birth: Option<Date>,
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
    /// A seized vehicle's plate, as written (`29A-123.45`).
    pub vehicle_plate: Option<String>,
    pub storage_place: Option<String>,
    /// HELD (the default), CONFISCATED or RETURNED; goods are destroyed or auctioned only
    /// after the finance department's `approveDisposal`, through `setDisposalStatus`.
    pub disposal_status: Option<DisposalStatus>,
}

#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::customs_visible")]
pub struct CustomsRecordInput {
    pub declaration_number: String,
    pub declared_on: Date,
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
    pub prosecuted_on: Option<Date>,
    pub defendants: i32,
}

/// Records hanging off a case that can be archived and restored.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::service::case_records::RecordKind")]
pub enum CaseRecordKind {
    Subject,
    Seizure,
    CustomsRecord,
    Investigation,
}

impl From<NewCaseInput> for NewCase {
    fn from(i: NewCaseInput) -> NewCase {
        NewCase {
            title: i.title,
            violation_type: i.violation_type,
            commodity_group: i.commodity_group,
            channel: i.channel,
            platform: i.platform,
            commune: i.commune,
            border_gate: i.border_gate,
            detected_on: i.detected_on.into(),
            goods_summary: i.goods_summary,
            fine_amount: i.fine_amount,
            tax_arrears: i.tax_arrears,
            goods_value: i.goods_value,
            budget_collected: i.budget_collected,
            coordinating_agencies: i.coordinating_agencies.unwrap_or_default(),
            campaigns: i.campaigns.unwrap_or_default(),
        }
    }
}

impl From<CasePatch> for CaseChanges {
    fn from(p: CasePatch) -> CaseChanges {
        CaseChanges {
            title: p.title,
            violation_type: p.violation_type,
            commodity_group: p.commodity_group,
            channel: p.channel,
            platform: p.platform.into(),
            commune: p.commune.into(),
            border_gate: p.border_gate.into(),
            detected_on: p.detected_on.map(Into::into),
            goods_summary: p.goods_summary,
            fine_amount: p.fine_amount,
            tax_arrears: p.tax_arrears,
            goods_value: p.goods_value,
            budget_collected: p.budget_collected,
            coordinating_agencies: p.coordinating_agencies,
        }
    }
}

impl From<SubjectInput> for SubjectDetails {
    fn from(i: SubjectInput) -> SubjectDetails {
        SubjectDetails {
            kind: i.kind,
            role: i.role,
            full_name: i.full_name,
            id_number: i.id_number,
            date_of_birth: i.date_of_birth.map(Into::into),
            address: i.address,
            nationality: i.nationality,
            tax_code: i.tax_code,
        }
    }
}

impl From<SeizureInput> for NewSeizure {
    fn from(i: SeizureInput) -> NewSeizure {
        NewSeizure {
            item: i.item,
            commodity_group: i.commodity_group,
            quantity: i.quantity,
            unit: i.unit,
            estimated_value: i.estimated_value,
            hs_code: i.hs_code,
            vehicle_plate: i.vehicle_plate,
            storage_place: i.storage_place,
            disposal_status: i.disposal_status,
        }
    }
}

impl From<CustomsRecordInput> for CustomsDetails {
    fn from(i: CustomsRecordInput) -> CustomsDetails {
        CustomsDetails {
            declaration_number: i.declaration_number,
            declared_on: i.declared_on.into(),
            regime: i.regime,
            hs_codes: i.hs_codes,
            importer_tax_code: i.importer_tax_code,
            exporter_tax_code: i.exporter_tax_code,
            inspection_result: i.inspection_result,
        }
    }
}

impl From<InvestigationInput> for InvestigationDetails {
    fn from(i: InvestigationInput) -> InvestigationDetails {
        InvestigationDetails {
            notes: i.notes,
            prosecution_decision: i.prosecution_decision,
            prosecuted_on: i.prosecuted_on.map(Into::into),
            defendants: i.defendants,
        }
    }
}

fn seizure(r: SeizureRow) -> Seizure {
    Seizure {
        m: r.seizure.into(),
        lead_agency_id: r.lead_agency_id,
    }
}

#[Object]
impl CaseMutation {
    /// Records a new case led by the viewer's agency.
    #[graphql(visible = "crate::graphql::guards::records_cases_visible")]
    async fn create_case(
        &self,
        ctx: &Context<'_>,
        input: NewCaseInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<Case>> {
        let w = writer(ctx)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "createCase")?;
        Ok(Some(Case(svc::create(&w, input.into(), keyed).await?)))
    }

    /// Changes a case's core facts (lead agency only).
    #[graphql(visible = "crate::graphql::guards::records_cases_visible")]
    async fn update_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        patch: CasePatch,
    ) -> Result<Option<Case>> {
        let w = writer(ctx)?;
        let case = svc::update(&w, parse_id(&id, NodeKind::Case)?, version, patch.into()).await?;
        Ok(Some(Case(case)))
    }

    /// Moves a case along its lifecycle (lead agency only). An illegal transition is
    /// `BAD_USER_INPUT` naming both states; transfer to the police has its own mutation.
    #[graphql(visible = "crate::graphql::guards::records_cases_visible")]
    async fn change_case_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        status: CaseStatus,
        #[graphql(desc = "Date handled (defaults to today in Vietnam)")] handled_on: Option<Date>,
    ) -> Result<Option<Case>> {
        let w = writer(ctx)?;
        let id = parse_id(&id, NodeKind::Case)?;
        let case = svc::change_status(&w, id, version, status, handled_on.map(Into::into)).await?;
        Ok(Some(Case(case)))
    }

    /// Transfers a case under verification to the investigating police: the police agency
    /// becomes its lead (and sees it as its own); the former lead coordinates.
    #[graphql(visible = "crate::graphql::guards::records_cases_visible")]
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
    ) -> Result<Option<Case>> {
        let w = writer(ctx)?;
        let id = parse_id(&id, NodeKind::Case)?;
        let case = svc::transfer_to_police(&w, id, version, &police_code).await?;
        Ok(Some(Case(case)))
    }

    /// Archives (`archived: true`) or restores a case (lead agency only). Nothing is deleted.
    #[graphql(visible = "crate::graphql::guards::records_cases_visible")]
    async fn set_case_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Option<Case>> {
        let w = writer(ctx)?;
        let case = svc::set_archived(&w, parse_id(&id, NodeKind::Case)?, version, archived).await?;
        Ok(Some(Case(case)))
    }

    /// Links (`linked: true`) or unlinks a campaign (lead agency only).
    #[graphql(visible = "crate::graphql::guards::records_cases_visible")]
    async fn set_case_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        campaign: String,
        linked: bool,
    ) -> Result<Option<Case>> {
        let w = writer(ctx)?;
        let id = parse_id(&id, NodeKind::Case)?;
        let case = svc::set_campaign(&w, id, version, &campaign, linked).await?;
        Ok(Some(Case(case)))
    }

    /// Adds a subject (police data: the police or the lead agency).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn add_subject(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: SubjectInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<Subject>> {
        let w = writer(ctx)?;
        let case_id = parse_id(&case_id, NodeKind::Case)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "addSubject")?;
        let s = records::add_subject(&w, case_id, input.into(), keyed).await?;
        Ok(Some(Subject(s.into())))
    }

    /// Replaces a subject's details (police data: the police or the lead agency).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn update_subject(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: SubjectInput,
    ) -> Result<Option<Subject>> {
        let w = writer(ctx)?;
        let s = records::update_subject(&w, parse_row(&id)?, version, input.into()).await?;
        Ok(Some(Subject(s.into())))
    }

    /// Adds seized goods (lead agency).
    #[graphql(visible = "crate::graphql::guards::records_cases_visible")]
    async fn add_seizure(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: SeizureInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<Seizure>> {
        let w = writer(ctx)?;
        let case_id = parse_id(&case_id, NodeKind::Case)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "addSeizure")?;
        let row = records::add_seizure(&w, case_id, input.into(), keyed).await?;
        Ok(Some(seizure(row)))
    }

    /// Changes what became of seized goods (lead agency). Destroying or auctioning needs the
    /// finance department's approval first (`approveDisposal`).
    #[graphql(visible = "crate::graphql::guards::records_cases_visible")]
    async fn set_disposal_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        status: DisposalStatus,
    ) -> Result<Option<Seizure>> {
        let w = writer(ctx)?;
        let row = records::set_disposal_status(&w, parse_row(&id)?, version, status).await?;
        Ok(Some(seizure(row)))
    }

    /// The finance department approves the disposal of seized goods.
    #[graphql(visible = "crate::graphql::guards::approves_disposals_visible")]
    async fn approve_disposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        approved_on: Date,
        reference: String,
    ) -> Result<Option<Seizure>> {
        let w = writer(ctx)?;
        let id = parse_row(&id)?;
        let row =
            records::approve_disposal(&w, id, version, approved_on.into(), &reference).await?;
        Ok(Some(seizure(row)))
    }

    /// Adds a customs record (customs data: customs or the lead agency).
    #[graphql(visible = "crate::graphql::guards::customs_visible")]
    async fn add_customs_record(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: CustomsRecordInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<CustomsRecord>> {
        let w = writer(ctx)?;
        let case_id = parse_id(&case_id, NodeKind::Case)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "addCustomsRecord")?;
        let r = records::add_customs_record(&w, case_id, input.into(), keyed).await?;
        Ok(Some(CustomsRecord(r.into())))
    }

    /// Replaces a customs record (customs or the lead agency).
    #[graphql(visible = "crate::graphql::guards::customs_visible")]
    async fn update_customs_record(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: CustomsRecordInput,
    ) -> Result<Option<CustomsRecord>> {
        let w = writer(ctx)?;
        let id = parse_row(&id)?;
        let r = records::update_customs_record(&w, id, version, input.into()).await?;
        Ok(Some(CustomsRecord(r.into())))
    }

    /// Creates or (with `version`) replaces the case's investigation record (police data).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn set_investigation(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: Option<i32>,
        input: InvestigationInput,
    ) -> Result<Option<InvestigationRecord>> {
        let w = writer(ctx)?;
        let case_id = parse_id(&case_id, NodeKind::Case)?;
        let r = records::set_investigation(&w, case_id, version, input.into()).await?;
        Ok(Some(InvestigationRecord(r.into())))
    }

    /// Archives or restores a record of a case, by whoever may write it. Returns the new version.
    #[graphql(visible = "crate::graphql::guards::records_cases_visible")]
    async fn set_case_record_archived(
        &self,
        ctx: &Context<'_>,
        kind: CaseRecordKind,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Option<i32>> {
        let w = writer(ctx)?;
        let kind = RecordKind::from(kind);
        let id = parse_row(&id)?;
        Ok(Some(
            records::set_record_archived(&w, kind, id, version, archived).await?,
        ))
    }
}
