//! Cases (vụ việc): the core compartment, with the police and customs compartments hanging off
//! it behind per-case checks.

pub mod mutation;
mod prefetch;
mod projection;

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use entity::{cases, customs_records, investigation_records, seizures, subjects};

use crate::domain::access::Compartment;
use crate::domain::vocab::*;
use crate::graphql::context::{Date, Vnd, db, linked, loaders, viewer};
use crate::graphql::directives::Campaign;
use crate::graphql::ids::{NodeKind, parse_id};
use crate::graphql::loaders::{Columns, children, many, one};
use crate::graphql::pagination::{PageInfo, page_size};
use crate::graphql::reference::{Agency, BorderGate, Commune};
use crate::service::cases::{self as service, CaseFilterParams};

/// Filters on cases. The police- and customs-compartment filters are refused with `FORBIDDEN`
/// for roles that cannot read those compartments, and narrowed to the viewer's own agency's
/// cases for roles that read them only there.
#[derive(InputObject, Default, Clone)]
pub struct CaseFilter {
    pub status: Option<Vec<CaseStatus>>,
    pub violation_type: Option<Vec<ViolationType>>,
    pub commodity_group: Option<Vec<CommodityGroup>>,
    pub channel: Option<Vec<Channel>>,
    pub platform: Option<Vec<Platform>>,
    /// Lead agency code.
    pub lead_agency: Option<String>,
    /// Commune code.
    pub commune: Option<String>,
    /// Campaign code.
    pub campaign: Option<String>,
    pub detected_from: Option<Date>,
    pub detected_to: Option<Date>,
    /// A subject's name, with or without diacritics (police compartment).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    pub subject_name: Option<String>,
    /// A subject's ID number, CCCD (police compartment).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    pub subject_id_number: Option<String>,
    /// A customs declaration number (customs compartment).
    #[graphql(visible = "crate::graphql::guards::customs_visible")]
    pub declaration_number: Option<String>,
    /// An HS code or its prefix (customs compartment).
    #[graphql(visible = "crate::graphql::guards::customs_visible")]
    pub hs_code: Option<String>,
}

impl From<CaseFilter> for CaseFilterParams {
    fn from(f: CaseFilter) -> Self {
        CaseFilterParams {
            status: f.status.unwrap_or_default(),
            violation_type: f.violation_type.unwrap_or_default(),
            commodity_group: f.commodity_group.unwrap_or_default(),
            channel: f.channel.unwrap_or_default(),
            platform: f.platform.unwrap_or_default(),
            lead_agency: f.lead_agency,
            commune: f.commune,
            campaign: f.campaign,
            detected_from: f.detected_from.map(Into::into),
            detected_to: f.detected_to.map(Into::into),
            subject_name: f.subject_name,
            subject_id_number: f.subject_id_number,
            declaration_number: f.declaration_number,
            hs_code: f.hs_code,
        }
    }
}

#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// Cases in the viewer's scope, newest detection first (keyset pagination, `first` ≤ 100).
    #[graphql(
        visible = "crate::graphql::guards::cases_visible",
        complexity = "crate::graphql::cost::page(first, child_complexity) + crate::graphql::cost::search(&search)"
    )]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CaseFilter>,
        #[graphql(desc = "Words to find in title, goods and place, with or without diacritics")]
        search: Option<String>,
    ) -> Result<CaseConnection> {
        let viewer = viewer(ctx)?;
        let size = page_size(first)?;
        let params: CaseFilterParams = filter.map(Into::into).unwrap_or_default();
        let cond = service::case_condition(viewer, &params, search.as_deref())?;
        note_restricted_filter(ctx, "caseSearch", &params);
        let wanted = wanted_columns(ctx);
        let loaders = loaders(ctx)?;
        // The page and every relation's read on one connection (`db/reads.rs`): nothing
        // between here and the prefetch's end writes.
        let _held = loaders.reads.hold();
        // Boxed: the prefetch's state (its reads and loaders, all inline) would make this
        // resolver's future some kilobytes for async-graphql to copy into its box.
        let (rows, has_next) = Box::pin(prefetch::page(
            ctx,
            viewer,
            loaders,
            cond.clone(),
            after.as_deref(),
            size,
            &wanted,
        ))
        .await?;
        Ok(CaseConnection {
            rows,
            has_next,
            has_previous: after.is_some(),
            cond,
        })
    }

    /// One case by id; `null` with `NOT_FOUND` when it does not exist or is outside the scope.
    #[graphql(name = "case", visible = "crate::graphql::guards::cases_visible")]
    async fn case_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Case>> {
        let viewer = viewer(ctx)?;
        let id = parse_id(&id, NodeKind::Case)?;
        match service::get(db(ctx)?, viewer, id).await? {
            Some(case) => Ok(Some(Case(case))),
            None => Err(crate::error::AppError::NotFound("no such case".into()).into()),
        }
    }
}

/// A filter on restricted data — a subject's name or ID number (police compartment), a
/// declaration number or HS code (customs) — is a search of that compartment: it is audited,
/// with the cases matched, when the request ends (`entity` names the search: `caseSearch`,
/// `statisticsSearch`).
pub fn note_restricted_filter(ctx: &Context<'_>, entity: &'static str, params: &CaseFilterParams) {
    for field in restricted_filters(params) {
        crate::graphql::workflow::note_search(ctx, entity, field);
    }
}

/// The restricted fields a case filter searches by.
pub fn restricted_filters(params: &CaseFilterParams) -> Vec<&'static str> {
    [
        (params.subject_name.is_some(), "subjects.fullName"),
        (params.subject_id_number.is_some(), "subjects.idNumber"),
        (
            params.declaration_number.is_some(),
            "customsRecords.declarationNumber",
        ),
        (params.hs_code.is_some(), "hsCode"),
    ]
    .into_iter()
    .filter_map(|(set, field)| set.then_some(field))
    .collect()
}

/// A page of cases.
pub struct CaseConnection {
    rows: Vec<cases::Model>,
    has_next: bool,
    has_previous: bool,
    cond: sea_orm::Condition,
}

#[derive(SimpleObject)]
pub struct CaseEdge {
    pub cursor: String,
    pub node: Case,
}

impl CaseEdge {
    fn of(case: &cases::Model) -> CaseEdge {
        CaseEdge {
            cursor: service::cursor_of(case),
            node: Case(case.clone()),
        }
    }
}

#[Object]
impl CaseConnection {
    async fn edges(&self) -> projection::CaseEdges<'_> {
        projection::CaseList(&self.rows)
    }

    async fn nodes(&self) -> projection::CaseNodes<'_> {
        projection::CaseList(&self.rows)
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next,
            has_previous_page: self.has_previous,
            start_cursor: self.rows.first().map(service::cursor_of),
            end_cursor: self.rows.last().map(service::cursor_of),
        }
    }

    /// Matching cases in all pages (one `COUNT` statement, run only when asked for).
    #[graphql(complexity = "crate::graphql::cost::COUNT")]
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(service::count(db(ctx)?, self.cond.clone()).await?)
    }
}

/// The optional case columns ([`service::optional`]) that a page's selection reads: each field
/// of `Case` below that reads one is listed with it (test
/// `a_case_page_reads_each_field_as_a_full_read_does` checks every field against a full read).
fn wanted_columns(ctx: &Context<'_>) -> Vec<cases::Column> {
    use cases::Column as C;
    const FIELDS: [(&str, &[cases::Column]); 15] = [
        ("code", &[C::Code]),
        ("version", &[C::Version]),
        ("fineAmount", &[C::FineAmount]),
        ("taxArrears", &[C::TaxArrears]),
        ("goodsValue", &[C::GoodsValue]),
        ("budgetCollected", &[C::BudgetCollected]),
        ("title", &[C::Title]),
        ("violationType", &[C::ViolationType]),
        ("officialGroup", &[C::ViolationType]),
        ("commodityGroup", &[C::CommodityGroup]),
        ("channel", &[C::Channel]),
        ("platform", &[C::Platform]),
        ("handledOn", &[C::HandledOn]),
        ("borderGate", &[C::BorderGateId]),
        ("goodsSummary", &[C::GoodsSummary]),
    ];
    let la = ctx.look_ahead();
    let node = [la.field("nodes"), la.field("edges").field("node")];
    FIELDS
        .iter()
        .filter(|(f, _)| node.iter().any(|n| n.field(f).exists()))
        .flat_map(|(_, columns)| columns.iter().copied())
        .collect()
}

/// A violation case.
///
/// Its plain columns, and those of its lead agency, commune, subjects and seizures, are also
/// written by `graphql::cases::projection` for a page that selects nothing else: a guard, a redaction or an
/// audit note added to one of those resolvers belongs there too.
pub struct Case(pub cases::Model);

#[Object]
impl Case {
    pub async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Case, self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Optimistic-concurrency version: pass it back to update the case.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn status(&self) -> Result<CaseStatus> {
        Ok(CaseStatus::from_db(&self.0.status)?)
    }
    async fn violation_type(&self) -> Result<ViolationType> {
        Ok(ViolationType::from_db(&self.0.violation_type)?)
    }
    /// The official reporting group (1)–(3) the violation type counts under.
    async fn official_group(&self) -> Result<OfficialGroup> {
        Ok(ViolationType::from_db(&self.0.violation_type)?.official_group())
    }
    async fn commodity_group(&self) -> Result<CommodityGroup> {
        Ok(CommodityGroup::from_db(&self.0.commodity_group)?)
    }
    async fn channel(&self) -> Result<Channel> {
        Ok(Channel::from_db(&self.0.channel)?)
    }
    async fn platform(&self) -> Result<Option<Platform>> {
        Ok(self
            .0
            .platform
            .as_deref()
            .map(Platform::from_db)
            .transpose()?)
    }
    /// Local date (Asia/Ho_Chi_Minh) the violation was detected.
    async fn detected_on(&self) -> Date {
        self.0.detected_on.into()
    }
    async fn handled_on(&self) -> Option<Date> {
        self.0.handled_on.map(Into::into)
    }
    async fn lead_agency(&self, ctx: &Context<'_>) -> Result<Agency> {
        one(&loaders(ctx)?.lead_agency, self.0.lead_agency_id)
            .await?
            .map(Agency)
            .ok_or_else(|| {
                crate::error::AppError::internal(anyhow::anyhow!("case without lead agency")).into()
            })
    }
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn coordinating_agencies(&self, ctx: &Context<'_>) -> Result<Vec<Agency>> {
        let l = loaders(ctx)?;
        let links = children(&l.case_coordinators, self.0.id).await?;
        let ids = links.into_iter().map(|l| l.agency_id).collect();
        Ok(many(&l.agency, ids)
            .await?
            .into_iter()
            .map(Agency)
            .collect())
    }
    async fn commune(&self, ctx: &Context<'_>) -> Result<Option<Commune>> {
        Ok(linked(ctx, self.0.commune_id, |l| &l.commune)
            .await?
            .map(Commune))
    }
    async fn border_gate(&self, ctx: &Context<'_>) -> Result<Option<BorderGate>> {
        Ok(linked(ctx, self.0.border_gate_id, |l| &l.border_gate)
            .await?
            .map(BorderGate))
    }
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn campaigns(&self, ctx: &Context<'_>) -> Result<Vec<Campaign>> {
        let l = loaders(ctx)?;
        let links = children(&l.case_campaigns, self.0.id).await?;
        let ids = links.into_iter().map(|l| l.campaign_id).collect();
        Ok(many(&l.campaign, ids)
            .await?
            .into_iter()
            .map(Campaign)
            .collect())
    }
    async fn goods_summary(&self) -> &str {
        &self.0.goods_summary
    }
    /// Administrative fine (VND).
    async fn fine_amount(&self) -> Vnd {
        Vnd(self.0.fine_amount)
    }
    /// Tax arrears collected (VND).
    async fn tax_arrears(&self) -> Vnd {
        Vnd(self.0.tax_arrears)
    }
    /// Value of the goods (VND).
    async fn goods_value(&self) -> Vnd {
        Vnd(self.0.goods_value)
    }
    /// Money collected for the state budget (VND).
    async fn budget_collected(&self) -> Vnd {
        Vnd(self.0.budget_collected)
    }
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn seizures(&self, ctx: &Context<'_>) -> Result<Vec<Seizure>> {
        let columns = Columns::read_by::<seizures::Entity>(ctx.field().selection_set());
        let rows = children(&loaders(ctx)?.seizures, (self.0.id, columns)).await?;
        // A customs read of the HS codes is audited here, for the case whether it has seizures
        // or none (noted only by each seizure's `hsCode`, the audit log told which cases have
        // seizures); a seizure read by another path is noted by its `hsCode`.
        if ctx.look_ahead().field("hsCode").exists()
            && viewer(ctx)?.reads_case_compartment(Compartment::Customs, self.0.lead_agency_id)
        {
            crate::graphql::workflow::note_read(ctx, "case", self.0.id, "seizures.hsCode");
        }
        Ok(rows
            .into_iter()
            .map(|m| Seizure {
                m,
                lead_agency_id: self.0.lead_agency_id,
            })
            .collect())
    }
    /// Persons and organisations in the case (police compartment).
    #[graphql(
        visible = "crate::graphql::guards::police_visible",
        complexity = "crate::graphql::cost::nested(child_complexity)"
    )]
    async fn subjects(&self, ctx: &Context<'_>) -> Result<Option<Vec<Subject>>> {
        viewer(ctx)?.check_case_compartment(
            Compartment::Police,
            self.0.lead_agency_id,
            "subjects",
        )?;
        let columns = Columns::read_by::<subjects::Entity>(ctx.field().selection_set());
        let rows = children(&loaders(ctx)?.subjects, (self.0.id, columns)).await?;
        // Audited whatever the answer: an event for only the cases with records would tell
        // the audit log's reader (the admin) which cases have them.
        crate::graphql::workflow::note_read(ctx, "case", self.0.id, "subjects");
        Ok(Some(rows.into_iter().map(Subject).collect()))
    }
    /// The police investigation record, if any (police compartment).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn investigation(&self, ctx: &Context<'_>) -> Result<Option<InvestigationRecord>> {
        viewer(ctx)?.check_case_compartment(
            Compartment::Police,
            self.0.lead_agency_id,
            "investigation",
        )?;
        let rows = children(&loaders(ctx)?.investigation, self.0.id).await?;
        crate::graphql::workflow::note_read(ctx, "case", self.0.id, "investigation");
        Ok(rows.into_iter().next().map(InvestigationRecord))
    }
    /// Customs declarations on the case (customs compartment).
    #[graphql(
        visible = "crate::graphql::guards::customs_visible",
        complexity = "crate::graphql::cost::nested(child_complexity)"
    )]
    async fn customs_records(&self, ctx: &Context<'_>) -> Result<Option<Vec<CustomsRecord>>> {
        viewer(ctx)?.check_case_compartment(
            Compartment::Customs,
            self.0.lead_agency_id,
            "customsRecords",
        )?;
        let rows = children(&loaders(ctx)?.customs, self.0.id).await?;
        crate::graphql::workflow::note_read(ctx, "case", self.0.id, "customsRecords");
        Ok(Some(rows.into_iter().map(CustomsRecord).collect()))
    }
}

/// Seized goods (tang vật). Core, except the HS code (customs compartment).
pub struct Seizure {
    pub m: Arc<seizures::Model>,
    pub lead_agency_id: i64,
}

#[Object]
impl Seizure {
    async fn id(&self) -> ID {
        ID(self.m.id.to_string())
    }
    async fn version(&self) -> i32 {
        self.m.version
    }
    async fn item(&self) -> &str {
        &self.m.item
    }
    async fn commodity_group(&self) -> Result<CommodityGroup> {
        Ok(CommodityGroup::from_db(&self.m.commodity_group)?)
    }
    async fn quantity(&self) -> f64 {
        self.m.quantity
    }
    async fn unit(&self) -> &str {
        &self.m.unit
    }
    async fn estimated_value(&self) -> Vnd {
        Vnd(self.m.estimated_value)
    }
    /// HS code of the goods (customs compartment).
    #[graphql(visible = "crate::graphql::guards::customs_visible")]
    async fn hs_code(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        viewer(ctx)?.check_case_compartment(Compartment::Customs, self.lead_agency_id, "hsCode")?;
        crate::graphql::workflow::note_read(ctx, "case", self.m.case_id, "seizures.hsCode");
        Ok(self.m.hs_code.as_deref())
    }
    /// A seized vehicle's plate, letters and digits only (`29A12345`).
    async fn vehicle_plate(&self) -> Option<&str> {
        self.m.vehicle_plate.as_deref()
    }
    async fn storage_place(&self) -> Option<&str> {
        self.m.storage_place.as_deref()
    }
    async fn disposal_status(&self) -> Result<DisposalStatus> {
        Ok(DisposalStatus::from_db(&self.m.disposal_status)?)
    }
    /// Date the finance department approved the disposal.
    async fn disposal_approved_on(&self) -> Option<Date> {
        self.m.disposal_approved_on.map(Into::into)
    }
    async fn disposal_approval_ref(&self) -> Option<&str> {
        self.m.disposal_approval_ref.as_deref()
    }
}

/// A person or organisation in a case (đối tượng). Only reachable through `Case.subjects`,
/// which checks the police compartment.
pub struct Subject(pub Arc<subjects::Model>);

#[Object(visible = "crate::graphql::guards::police_visible")]
impl Subject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn kind(&self) -> Result<SubjectKind> {
        Ok(SubjectKind::from_db(&self.0.kind)?)
    }
    async fn role(&self) -> Result<SubjectRole> {
        Ok(SubjectRole::from_db(&self.0.role)?)
    }
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// Citizen ID number (CCCD).
    async fn id_number(&self) -> Option<&str> {
        self.0.id_number.as_deref()
    }
    async fn date_of_birth(&self) -> Option<Date> {
        self.0.date_of_birth.map(Into::into)
    }
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    async fn nationality(&self) -> Option<&str> {
        self.0.nationality.as_deref()
    }
    async fn tax_code(&self) -> Option<&str> {
        self.0.tax_code.as_deref()
    }
}

/// The police investigation record on a case.
pub struct InvestigationRecord(pub Arc<investigation_records::Model>);

#[Object(visible = "crate::graphql::guards::police_visible")]
impl InvestigationRecord {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn notes(&self) -> &str {
        &self.0.notes
    }
    /// Decision to prosecute (quyết định khởi tố), if any.
    async fn prosecution_decision(&self) -> Option<&str> {
        self.0.prosecution_decision.as_deref()
    }
    async fn prosecuted_on(&self) -> Option<Date> {
        self.0.prosecuted_on.map(Into::into)
    }
    /// Number of defendants (bị can).
    async fn defendants(&self) -> i32 {
        self.0.defendants
    }
    async fn investigating_agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(one(
            &loaders(ctx)?.investigating_agency,
            self.0.investigating_agency_id,
        )
        .await?
        .map(Agency))
    }
}

/// A customs record on a case (customs compartment).
pub struct CustomsRecord(pub Arc<customs_records::Model>);

#[Object(visible = "crate::graphql::guards::customs_visible")]
impl CustomsRecord {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn declaration_number(&self) -> &str {
        &self.0.declaration_number
    }
    async fn declared_on(&self) -> Date {
        self.0.declared_on.into()
    }
    /// Customs regime (loại hình), e.g. tạm nhập tái xuất.
    async fn regime(&self) -> &str {
        &self.0.regime
    }
    async fn hs_codes(&self) -> Vec<String> {
        self.0
            .hs_codes
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }
    async fn importer_tax_code(&self) -> Option<&str> {
        self.0.importer_tax_code.as_deref()
    }
    async fn exporter_tax_code(&self) -> Option<&str> {
        self.0.exporter_tax_code.as_deref()
    }
    async fn inspection_result(&self) -> &str {
        &self.0.inspection_result
    }
}
