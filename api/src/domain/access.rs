//! The role × compartment matrix of DOMAIN.md, in one place. Every resolver and service asks
//! these functions; nothing else decides who reads what. Deny unless the matrix allows.

use serde::{Deserialize, Serialize};

use crate::domain::vocab::{AgencyKind, WatchKind};
use crate::error::{AppError, AppResult};

crate::db_enum!(
    /// The eight roles of the access matrix in DOMAIN.md.
    Role + #[derive(Serialize, Deserialize)] + #[serde(rename_all = "snake_case")] {
        Admin = "admin",
        Leader = "leader",
        StandingOffice = "standing_office",
        Police = "police",
        Customs = "customs",
        /// A member agency other than police and customs (border guard, market management, tax…).
        Officer = "officer",
        Commune = "commune",
        Press = "press",
    }
);

impl Role {
    /// Roles whose users always belong to an agency (the JWT must carry its code).
    pub fn needs_agency(self) -> bool {
        !matches!(self, Role::Admin | Role::Leader)
    }
}

/// The authenticated user of one request, with agency and commune resolved to ids.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub sub: String,
    pub role: Role,
    pub agency_id: Option<i64>,
    pub agency_code: Option<String>,
    pub commune_id: Option<i64>,
    pub commune_code: Option<String>,
}

/// Restricted compartments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compartment {
    /// Subjects' identities, investigation records, prosecution details.
    Police,
    /// Customs records, HS codes, importer/exporter tax codes.
    Customs,
    /// Who sent a tip and how to reach them.
    Informant,
}

impl Compartment {
    /// The compartment of a case's record, by the entity name its writes carry (`None`: core
    /// data, such as a seizure).
    pub fn of_record(entity: &str) -> Option<Compartment> {
        match entity {
            "subject" | "investigation_record" => Some(Compartment::Police),
            "customs_record" => Some(Compartment::Customs),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compartment::Police => "police",
            Compartment::Customs => "customs",
            Compartment::Informant => "informant",
        }
    }
}

/// How far a role reaches into a compartment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Never.
    None,
    /// Only on cases the viewer's agency leads (for informant: tips assigned to its agency).
    OwnAgency,
    /// Everywhere the viewer can see the record.
    All,
}

/// The cases on which a viewer reads a compartment ([`Viewer::case_compartment_readers`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseReaders {
    All,
    /// The cases this agency leads.
    LeadAgency(i64),
    Nobody,
}

/// The matrix's restricted rows.
pub fn reach(role: Role, compartment: Compartment) -> Reach {
    match (role, compartment) {
        (Role::Police, Compartment::Police) => Reach::All,
        (Role::Customs | Role::Officer, Compartment::Police) => Reach::OwnAgency,
        (Role::Customs, Compartment::Customs) => Reach::All,
        (Role::Police | Role::Officer, Compartment::Customs) => Reach::OwnAgency,
        (Role::Police, Compartment::Informant) => Reach::OwnAgency,
        _ => Reach::None,
    }
}

impl Viewer {
    /// The viewer of a unit test: `role` in the agency `agency_id`, nothing else resolved.
    #[cfg(test)]
    pub(crate) fn in_agency(role: Role, agency_id: Option<i64>) -> Viewer {
        Viewer {
            sub: "u".into(),
            role,
            agency_id,
            agency_code: None,
            commune_id: None,
            commune_code: None,
        }
    }

    /// May this viewer read `compartment` on a case led by `lead_agency_id`?
    pub fn reads_case_compartment(&self, compartment: Compartment, lead_agency_id: i64) -> bool {
        match self.case_compartment_readers(compartment) {
            CaseReaders::All => true,
            CaseReaders::LeadAgency(agency) => agency == lead_agency_id,
            CaseReaders::Nobody => false,
        }
    }

    /// On which cases this viewer reads `compartment`: [`Viewer::reads_case_compartment`] for
    /// every case at once, which a query writes as a condition on the lead agency.
    pub fn case_compartment_readers(&self, compartment: Compartment) -> CaseReaders {
        match (reach(self.role, compartment), self.agency_id) {
            (Reach::All, _) => CaseReaders::All,
            (Reach::OwnAgency, Some(agency)) => CaseReaders::LeadAgency(agency),
            (Reach::OwnAgency, None) | (Reach::None, _) => CaseReaders::Nobody,
        }
    }

    /// May this viewer read the reporter of a tip assigned to `assigned_agency_id`?
    pub fn reads_informant(&self, assigned_agency_id: Option<i64>) -> bool {
        match reach(self.role, Compartment::Informant) {
            Reach::All => true,
            Reach::OwnAgency => {
                assigned_agency_id.is_some() && self.agency_id == assigned_agency_id
            }
            Reach::None => false,
        }
    }

    /// Refuses a restricted field on one record, naming the field, never its value.
    pub fn check_case_compartment(
        &self,
        compartment: Compartment,
        lead_agency_id: i64,
        field: &str,
    ) -> AppResult<()> {
        if self.reads_case_compartment(compartment, lead_agency_id) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "`{field}` is in the {} compartment, which your role may not read on this case",
                compartment.name()
            )))
        }
    }
}

/// What a viewer may do — the write side of the matrix (DOMAIN.md: "writes follow the same
/// lines"). Rules that depend on the record as well (the lead agency of *this* case, the agency
/// *this* tip is assigned to) are checked by the services on top of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create and update the cases its agency leads.
    RecordCases,
    /// Draft the public summaries of the cases its agency leads.
    DraftPublications,
    /// Approve or reject publications.
    ApprovePublications,
    /// Register directives, manage tasks and campaigns.
    ManageDirectives,
    /// Report progress on its agency's tasks.
    ReportOnTasks,
    /// File its agency's periodic reports.
    FileReports,
    /// Forward a new tip to an agency.
    ForwardTips,
    /// Forward again a tip already forwarded.
    ReforwardTips,
    /// Archive or restore tips.
    ArchiveTips,
    /// Verify, link or dismiss the tips assigned to its agency.
    VerifyTips,
    /// Approve the disposal of seized goods (an officer of the finance department: its
    /// agency's kind is checked on top, [`check_disposal_approver`]).
    ApproveDisposals,
    /// Write reference data (agencies, communes, border gates).
    WriteReferenceData,
    /// Read the audit log.
    ReadAuditLog,
    /// Keep its agency's watch-list (which values it may watch: [`may_watch`]).
    KeepWatchList,
}

impl Action {
    pub const ALL: [Action; 14] = [
        Action::RecordCases,
        Action::DraftPublications,
        Action::ApprovePublications,
        Action::ManageDirectives,
        Action::ReportOnTasks,
        Action::FileReports,
        Action::ForwardTips,
        Action::ReforwardTips,
        Action::ArchiveTips,
        Action::VerifyTips,
        Action::ApproveDisposals,
        Action::WriteReferenceData,
        Action::ReadAuditLog,
        Action::KeepWatchList,
    ];

    /// What a viewer who may not is told.
    pub fn refusal(self) -> &'static str {
        match self {
            Action::RecordCases => "only an agency's officers record cases",
            Action::DraftPublications => "only the case's lead agency drafts its publication",
            Action::ApprovePublications => {
                "only the standing office approves or rejects publications"
            }
            Action::ManageDirectives => {
                "only the standing office manages directives, tasks and campaigns"
            }
            Action::ReportOnTasks => "only the users of an agency report on its tasks",
            Action::FileReports => "only an agency's officers file its periodic report",
            Action::ForwardTips => "only the standing office or the police forward tips",
            Action::ReforwardTips => "only the standing office forwards a tip again",
            Action::ArchiveTips => "only the standing office archives or restores tips",
            Action::VerifyTips => "only the agency the tip is assigned to does this",
            Action::ApproveDisposals => "only the finance department approves disposals",
            Action::WriteReferenceData => "only the administrator writes reference data",
            Action::ReadAuditLog => "only the administrator reads the audit log",
            Action::KeepWatchList => "only an agency that reads cases keeps a watch-list",
        }
    }

    /// Whether the action is done on behalf of the viewer's agency (which the token must name).
    fn for_an_agency(self) -> bool {
        matches!(
            self,
            Action::RecordCases
                | Action::DraftPublications
                | Action::ReportOnTasks
                | Action::FileReports
                | Action::VerifyTips
                | Action::ApproveDisposals
                | Action::KeepWatchList
        )
    }
}

/// The write matrix: may `role` do `action` at all?
pub fn may(role: Role, action: Action) -> bool {
    use Role::*;
    match action {
        Action::RecordCases | Action::DraftPublications => {
            matches!(role, Police | Customs | Officer)
        }
        Action::ApprovePublications
        | Action::ManageDirectives
        | Action::ReforwardTips
        | Action::ArchiveTips => role == StandingOffice,
        Action::ReportOnTasks => {
            matches!(role, Police | Customs | Officer | Commune | StandingOffice)
        }
        // Not the standing office: it filed its host agency's report, reading police figures
        // the matrix gives it nowhere, and took the period from that agency's officers (a review
        // of stop 34).
        Action::FileReports => matches!(role, Police | Customs | Officer),
        Action::ForwardTips => matches!(role, StandingOffice | Police),
        Action::VerifyTips => matches!(role, Police | Customs | Officer),
        Action::ApproveDisposals => role == Officer,
        Action::WriteReferenceData | Action::ReadAuditLog => role == Admin,
        Action::KeepWatchList => {
            matches!(role, StandingOffice | Police | Customs | Officer | Commune)
        }
    }
}

/// The compartments a watched value of `kind` is found in: a hit reaches the watching agency
/// only from a record whose compartment it reads on that case.
pub fn watched_compartments(kind: WatchKind) -> &'static [Option<Compartment>] {
    match kind {
        WatchKind::IdNumber => &[Some(Compartment::Police)],
        WatchKind::TaxCode => &[Some(Compartment::Police), Some(Compartment::Customs)],
        WatchKind::HsCode => &[Some(Compartment::Customs)],
        WatchKind::VehiclePlate | WatchKind::Commune | WatchKind::CommodityGroup => &[None],
    }
}

/// May `role` watch values of `kind` at all? Only where it could ever read one of the
/// compartments the value is found in (else its watch-list would be an oracle on them).
pub fn may_watch(role: Role, kind: WatchKind) -> bool {
    may(role, Action::KeepWatchList)
        && watched_compartments(kind)
            .iter()
            .any(|c| c.is_none_or(|c| ever_reads(role, c)))
}

/// Whether `agency` can do `action` through some role its users may hold
/// ([`role_fits_agency`]). A task led or shared, or a case coordinated, by an agency that
/// cannot report on tasks — the newspaper, the provincial leadership, an organisation outside
/// the committee — would stand undone for ever (a review of stop 34 gave tasks to the
/// newspaper and to the leadership).
pub fn agency_may(agency: Standing, action: Action) -> bool {
    Role::ALL
        .iter()
        .any(|r| role_fits_agency(*r, agency) && may(*r, action))
}

/// Agency kinds that receive periodic reports or never file them (the provincial leadership
/// reads them; the newspaper has no filing role): not counted as missing, in `missingReports`
/// and `reportCompliance` alike (the second listed them as missing every month until a review
/// of stop 34).
pub const NOT_FILING: &[AgencyKind] = &[AgencyKind::ProvincialLeadership, AgencyKind::Press];

/// `FORBIDDEN` unless the viewer may do `action`.
pub fn check(viewer: &Viewer, action: Action) -> AppResult<()> {
    if may(viewer.role, action) && (!action.for_an_agency() || viewer.agency_id.is_some()) {
        Ok(())
    } else {
        Err(AppError::forbidden(action.refusal()))
    }
}

/// The agency on whose behalf the viewer does `action`, or `FORBIDDEN`.
pub fn acting_agency(viewer: &Viewer, action: Action) -> AppResult<i64> {
    check(viewer, action)?;
    viewer
        .agency_id
        .ok_or_else(|| AppError::forbidden(action.refusal()))
}

/// Where an agency stands towards the committee: its kind, and whether it sits on it — a
/// member (`agencies.is_member`), or a unit of a member other than the provincial leadership,
/// the newspaper or a commune's committee (the forest rangers under the agriculture
/// department, Team 389 under market management).
/// The leadership's own units — its office, the communes' committees — do not sit on it by
/// being under it, nor does an organisation outside it (the Fatherland Front).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub kind: AgencyKind,
    pub in_committee: bool,
}

impl Standing {
    /// An agency of `kind`, a member or not, under `parent` (its kind and membership).
    pub fn of(kind: AgencyKind, is_member: bool, parent: Option<(AgencyKind, bool)>) -> Standing {
        // Not a unit of the leadership, the newspaper or a commune's committee: none of them
        // sits on the committee as an agency that acts (a review of stop 35 made a unit of
        // the newspaper an officer).
        let under_member = parent.is_some_and(|(parent_kind, parent_member)| {
            parent_member
                && !matches!(
                    parent_kind,
                    AgencyKind::ProvincialLeadership | AgencyKind::Press | AgencyKind::Commune
                )
        });
        Standing {
            kind,
            in_committee: is_member || under_member,
        }
    }
}

/// Whether a token of `role` may name `agency`: a police token names a police agency of the
/// committee, a customs token the customs of the committee, a press token the newspaper, a commune token its commune's
/// committee (its commune is checked by the caller); an officer or the standing office is an
/// agency of the committee ([`Standing`]) other than those and the provincial leadership
/// (DOMAIN.md: "`officer` is a member agency other than police and customs" — an officer
/// token naming the Fatherland Front filed reports for it, one naming the leadership made it
/// a task's lead: a review of stop 34); a leader names the leadership (or no agency); an
/// administrator any. Without this, a `police` token naming the customs agency would read
/// both compartments.
pub fn role_fits_agency(role: Role, agency: Standing) -> bool {
    use AgencyKind as K;
    let kind = agency.kind;
    let not_a_committee_member = matches!(kind, K::Press | K::Commune | K::ProvincialLeadership);
    match role {
        // Not a police or customs body outside the committee (another province's, or one an
        // administrator filed under the Fatherland Front): the police read every case's
        // police data and the informants of their tips (a review of stop 35).
        Role::Police => kind == K::Police && agency.in_committee,
        Role::Customs => kind == K::Customs && agency.in_committee,
        Role::Press => kind == K::Press,
        Role::Commune => kind == K::Commune,
        // In some provinces the police or customs hold the standing office of Committee 389.
        Role::StandingOffice => agency.in_committee && !not_a_committee_member,
        Role::Officer => {
            agency.in_committee
                && !not_a_committee_member
                && !matches!(kind, K::Police | K::Customs)
        }
        Role::Leader => kind == K::ProvincialLeadership,
        Role::Admin => true,
    }
}

/// Whether `agency` holds a role that reads informants (of the tips assigned to
/// it): who may review a publication for them.
pub fn reads_informants_as(agency: Standing) -> bool {
    Role::ALL
        .iter()
        .copied()
        .any(|r| reach(r, Compartment::Informant) != Reach::None && role_fits_agency(r, agency))
}

/// Which cases a viewer sees at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseScope {
    All,
    /// Cases in one commune (commune users).
    Commune(i64),
}

/// Whether `role` reads cases at all (each in its [`case_scope`]): not the administrator, who
/// manages reference data, nor the press, which reads published summaries.
pub fn reads_cases(role: Role) -> bool {
    !matches!(role, Role::Admin | Role::Press)
}

pub fn case_scope(viewer: &Viewer) -> AppResult<CaseScope> {
    match viewer.role {
        Role::Leader | Role::StandingOffice | Role::Police | Role::Customs | Role::Officer => {
            Ok(CaseScope::All)
        }
        Role::Commune => viewer
            .commune_id
            .map(CaseScope::Commune)
            .ok_or_else(|| AppError::forbidden("a commune user without a commune reads no cases")),
        Role::Admin | Role::Press => Err(AppError::forbidden("your role may not read cases")),
    }
}

/// Which tips a viewer sees (content and status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipScope {
    All,
    AssignedTo(i64),
}

pub fn tip_scope(viewer: &Viewer) -> AppResult<TipScope> {
    match viewer.role {
        Role::Leader | Role::StandingOffice | Role::Police => Ok(TipScope::All),
        Role::Customs | Role::Officer => viewer
            .agency_id
            .map(TipScope::AssignedTo)
            .ok_or_else(|| AppError::forbidden("your role may not read tips")),
        _ => Err(AppError::forbidden("your role may not read tips")),
    }
}

/// Which directives, tasks and campaigns a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectiveScope {
    All,
    /// A commune user: tasks its agency leads or coordinates, the directives they come from,
    /// and the campaigns its commune's cases are counted under.
    CommuneAgency {
        agency_id: i64,
        commune_id: i64,
    },
}

pub fn directive_scope(viewer: &Viewer) -> AppResult<DirectiveScope> {
    match viewer.role {
        Role::Press => Err(AppError::forbidden(
            "your role may not read directives, tasks or campaigns",
        )),
        Role::Commune => match (viewer.agency_id, viewer.commune_id) {
            (Some(agency_id), Some(commune_id)) => Ok(DirectiveScope::CommuneAgency {
                agency_id,
                commune_id,
            }),
            _ => Err(AppError::forbidden(
                "a commune user without an agency reads no directives",
            )),
        },
        _ => Ok(DirectiveScope::All),
    }
}

/// Which publications (any status) a viewer sees through `publications`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationScope {
    All,
    /// Drafts and decisions on cases its agency leads.
    OwnAgency(i64),
}

pub fn publication_scope(viewer: &Viewer) -> AppResult<PublicationScope> {
    match viewer.role {
        Role::Admin | Role::Leader | Role::StandingOffice => Ok(PublicationScope::All),
        Role::Police | Role::Customs | Role::Officer => viewer
            .agency_id
            .map(PublicationScope::OwnAgency)
            .ok_or_else(|| AppError::forbidden("your role may not read publications")),
        Role::Commune | Role::Press => Err(AppError::forbidden(
            "your role may not read publication drafts; the press reads publishedCases",
        )),
    }
}

/// Reference data: every authenticated role.
pub fn check_reference(viewer: &Viewer) -> AppResult<()> {
    let _ = viewer;
    Ok(())
}

/// Where a tip may be forwarded: the police pass tips on, but never to themselves — taking a
/// tip would unlock its informant for them, so only the standing office assigns tips to the
/// police.
pub fn check_forward_target(v: &Viewer, target_agency: i64) -> AppResult<()> {
    if v.role == Role::Police && v.agency_id == Some(target_agency) {
        return Err(AppError::forbidden(
            "the police cannot forward a tip to their own agency; the standing office assigns it",
        ));
    }
    Ok(())
}

/// Withdrawing a published summary: the standing office, or the agency that drafted it.
pub fn check_withdraw(v: &Viewer, drafted_by_agency: i64) -> AppResult<()> {
    let drafter = may(v.role, Action::DraftPublications) && v.agency_id == Some(drafted_by_agency);
    if drafter || v.role == Role::StandingOffice {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the standing office or the drafting agency withdraws a publication",
        ))
    }
}

/// Approving the disposal (destruction, auction) of seized goods: an officer of the finance
/// department (`kind` is the kind of the viewer's agency).
pub fn check_disposal_approver(v: &Viewer, kind: Option<AgencyKind>) -> AppResult<()> {
    if may(v.role, Action::ApproveDisposals) && kind == Some(AgencyKind::Finance) {
        Ok(())
    } else {
        Err(AppError::forbidden(Action::ApproveDisposals.refusal()))
    }
}

/// Which reports a viewer reads (DOMAIN.md: "every agency … submits its own periodic reports";
/// "late and missing reports are visible to the standing office and leaders").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportScope {
    All,
    OwnAgency(i64),
}

pub fn report_scope(v: &Viewer) -> AppResult<ReportScope> {
    match (v.role, v.agency_id) {
        (Role::Leader | Role::StandingOffice, _) => Ok(ReportScope::All),
        (Role::Police | Role::Customs | Role::Officer, Some(a)) => Ok(ReportScope::OwnAgency(a)),
        _ => Err(AppError::forbidden(
            "your role may not read periodic reports",
        )),
    }
}

/// Roles that read periodic reports at all (those of [`report_scope`]: the statistics row of
/// the matrix without the admin and the press; commune users have their commune's statistics,
/// not agency reports).
pub fn reads_reports(role: Role) -> bool {
    matches!(
        role,
        Role::Leader | Role::StandingOffice | Role::Police | Role::Customs | Role::Officer
    )
}

/// What statistics a viewer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatisticsScope {
    /// The press: province-wide figures by official group, official periods, no filters, small
    /// cells suppressed.
    Public,
    /// Everyone else who may: the cases of its case scope.
    Cases,
}

/// Whether `role` reads statistics at all, and whether over the cases of its scope (filters,
/// any grouping and period) rather than the press's public figures: [`statistics_scope`].
pub fn statistics_of(role: Role) -> Option<StatisticsScope> {
    match role {
        Role::Admin => None,
        Role::Press => Some(StatisticsScope::Public),
        _ => Some(StatisticsScope::Cases),
    }
}

pub fn statistics_scope(v: &Viewer) -> AppResult<StatisticsScope> {
    match statistics_of(v.role) {
        None => Err(AppError::forbidden("your role may not read statistics")),
        Some(StatisticsScope::Public) => Ok(StatisticsScope::Public),
        Some(StatisticsScope::Cases) => {
            case_scope(v)?;
            Ok(StatisticsScope::Cases)
        }
    }
}

/// How statistics give a viewer the figures drawn from the police compartment — subjects
/// counted, prosecutions, defendants. A count narrowed to one case is that case's datum, and
/// the police compartment holds prosecution details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoliceFigures {
    /// As they are: the viewer reads the compartment on every case counted.
    AsTheyAre,
    /// Not at all: the viewer reads the compartment on the cases its agency leads only, and
    /// these statistics count others; beside its own figures, any others would give the
    /// other agencies' by subtraction.
    OwnCasesOnly,
    /// Never: the viewer reads the compartment on no case (`graphql::statistics::
    /// police_withheld` says why no rule on the figures could give them safely).
    Never,
}

/// [`PoliceFigures`] of statistics over cases led by `lead_agency` (an agency code; `None`:
/// any agency's).
pub fn police_figures(v: &Viewer, lead_agency: Option<&str>) -> PoliceFigures {
    match v.case_compartment_readers(Compartment::Police) {
        CaseReaders::All => PoliceFigures::AsTheyAre,
        CaseReaders::LeadAgency(_)
            if lead_agency.is_some() && lead_agency == v.agency_code.as_deref() =>
        {
            PoliceFigures::AsTheyAre
        }
        CaseReaders::LeadAgency(_) => PoliceFigures::OwnCasesOnly,
        CaseReaders::Nobody => PoliceFigures::Never,
    }
}

/// Whether `role` reads task and report compliance (who is late, which reports are missing):
/// leaders and the standing office (DOMAIN.md).
pub fn reads_compliance(role: Role) -> bool {
    matches!(role, Role::Leader | Role::StandingOffice)
}

/// Task and report compliance is for leaders and the standing office.
pub fn check_compliance(v: &Viewer) -> AppResult<()> {
    if reads_compliance(v.role) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "compliance is for leaders and the standing office",
        ))
    }
}

/// Whether `role` reads published case summaries: every role but commune users (whose
/// column of the matrix has no publications).
pub fn reads_published_cases(role: Role) -> bool {
    role != Role::Commune
}

/// Published case summaries are read by every signed-in role but commune users.
pub fn check_published_cases(v: &Viewer) -> AppResult<()> {
    if !reads_published_cases(v.role) {
        return Err(AppError::forbidden("your role may not read publications"));
    }
    Ok(())
}

/// Whether `role` reads publications of any status through `publications` (drafts and
/// decisions): [`publication_scope`] for some agency.
pub fn reads_publication_drafts(role: Role) -> bool {
    !matches!(role, Role::Commune | Role::Press)
}

/// Whether a role can ever read a compartment: drives what introspection shows it.
pub fn ever_reads(role: Role, compartment: Compartment) -> bool {
    reach(role, compartment) != Reach::None
}

/// Roles that may read some tips' contents (not only count them).
/// Whether `agency` can take a forwarded tip: its users may hold a role that verifies the tips
/// assigned to their agency ([`tip_scope`]: police, customs, officers). Not the press, a
/// commune's committee, the leadership, nor an organisation outside the committee, where a
/// tip would wait for ever (a review of stop 35 forwarded tips to the Fatherland Front).
pub fn handles_tips(agency: Standing) -> bool {
    agency_may(agency, Action::VerifyTips)
}

pub fn reads_tip_contents(role: Role) -> bool {
    matches!(
        role,
        Role::Leader | Role::StandingOffice | Role::Police | Role::Customs | Role::Officer
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The roles in the order of the tables' columns below.
    const COLUMNS: [Role; 8] = [
        Role::Admin,
        Role::Leader,
        Role::StandingOffice,
        Role::Police,
        Role::Customs,
        Role::Officer,
        Role::Commune,
        Role::Press,
    ];

    #[test]
    fn case_scope_is_given_to_the_roles_that_read_cases() {
        for role in Role::ALL.iter().copied() {
            let mut v = Viewer::in_agency(role, Some(1));
            v.commune_id = Some(1);
            assert_eq!(case_scope(&v).is_ok(), reads_cases(role), "{role:?}");
        }
    }

    #[test]
    fn publication_scope_is_given_to_the_roles_that_read_drafts() {
        for role in Role::ALL.iter().copied() {
            let v = Viewer::in_agency(role, Some(1));
            assert_eq!(
                publication_scope(&v).is_ok(),
                reads_publication_drafts(role),
                "{role:?}"
            );
        }
    }

    /// THE WRITE TABLE, transcribed from DOMAIN.md ("writes follow the same lines").
    #[test]
    fn the_write_matrix() {
        use Role::*;
        // admin leader standing police customs officer commune press
        let table: &[(Action, [bool; 8])] = &[
            (
                Action::RecordCases,
                [false, false, false, true, true, true, false, false],
            ),
            (
                Action::DraftPublications,
                [false, false, false, true, true, true, false, false],
            ),
            (
                Action::ApprovePublications,
                [false, false, true, false, false, false, false, false],
            ),
            (
                Action::ManageDirectives,
                [false, false, true, false, false, false, false, false],
            ),
            (
                Action::ReportOnTasks,
                [false, false, true, true, true, true, true, false],
            ),
            (
                Action::FileReports,
                [false, false, false, true, true, true, false, false],
            ),
            (
                Action::ForwardTips,
                [false, false, true, true, false, false, false, false],
            ),
            (
                Action::ReforwardTips,
                [false, false, true, false, false, false, false, false],
            ),
            (
                Action::ArchiveTips,
                [false, false, true, false, false, false, false, false],
            ),
            (
                Action::WriteReferenceData,
                [true, false, false, false, false, false, false, false],
            ),
            (
                Action::ReadAuditLog,
                [true, false, false, false, false, false, false, false],
            ),
            (
                Action::KeepWatchList,
                [false, false, true, true, true, true, true, false],
            ),
            (
                Action::VerifyTips,
                [false, false, false, true, true, true, false, false],
            ),
            (
                Action::ApproveDisposals,
                [false, false, false, false, false, true, false, false],
            ),
        ];
        assert_eq!(table.len(), Action::ALL.len());
        for (action, row) in table {
            for (role, allowed) in COLUMNS.iter().zip(row) {
                assert_eq!(may(*role, *action), *allowed, "{role:?} {action:?}");
            }
        }
        // Done for an agency: a token without one is refused even for an allowed role.
        let no_agency = Viewer::in_agency(Police, None);
        assert!(acting_agency(&no_agency, Action::RecordCases).is_err());
        assert!(check(&no_agency, Action::ForwardTips).is_ok());
    }

    /// THE READ TABLE beyond the compartments, transcribed from DOMAIN.md: who reads reports,
    /// statistics (and which), compliance and published summaries.
    #[test]
    fn the_read_matrix() {
        use Role::*;
        // (role, reports, statistics, compliance, published summaries)
        let table: &[(
            Role,
            Option<ReportScope>,
            Option<StatisticsScope>,
            bool,
            bool,
        )] = &[
            (Admin, None, None, false, true),
            (
                Leader,
                Some(ReportScope::All),
                Some(StatisticsScope::Cases),
                true,
                true,
            ),
            (
                StandingOffice,
                Some(ReportScope::All),
                Some(StatisticsScope::Cases),
                true,
                true,
            ),
            (
                Police,
                Some(ReportScope::OwnAgency(7)),
                Some(StatisticsScope::Cases),
                false,
                true,
            ),
            (
                Customs,
                Some(ReportScope::OwnAgency(7)),
                Some(StatisticsScope::Cases),
                false,
                true,
            ),
            (
                Officer,
                Some(ReportScope::OwnAgency(7)),
                Some(StatisticsScope::Cases),
                false,
                true,
            ),
            (Commune, None, Some(StatisticsScope::Cases), false, false),
            (Press, None, Some(StatisticsScope::Public), false, true),
        ];
        for &(role, reports, statistics, compliance, published) in table {
            let v = Viewer {
                sub: "u".into(),
                role,
                agency_id: Some(7),
                agency_code: Some("A".into()),
                commune_id: Some(3),
                commune_code: Some("C".into()),
            };
            assert_eq!(report_scope(&v).ok(), reports, "{role:?} reports");
            assert_eq!(
                reads_reports(role),
                reports.is_some(),
                "{role:?} sees reports"
            );
            assert_eq!(statistics_scope(&v).ok(), statistics, "{role:?} statistics");
            assert_eq!(
                check_compliance(&v).is_ok(),
                compliance,
                "{role:?} compliance"
            );
            assert_eq!(
                check_published_cases(&v).is_ok(),
                published,
                "{role:?} published"
            );
        }
    }

    /// Who may watch what: never a value of a compartment the role never reads.
    #[test]
    fn the_watch_matrix() {
        use WatchKind::*;
        // admin leader standing police customs officer commune press
        let table: &[(WatchKind, [bool; 8])] = &[
            (
                IdNumber,
                [false, false, false, true, true, true, false, false],
            ),
            (
                TaxCode,
                [false, false, false, true, true, true, false, false],
            ),
            (
                HsCode,
                [false, false, false, true, true, true, false, false],
            ),
            (
                VehiclePlate,
                [false, false, true, true, true, true, true, false],
            ),
            (
                WatchKind::Commune,
                [false, false, true, true, true, true, true, false],
            ),
            (
                CommodityGroup,
                [false, false, true, true, true, true, true, false],
            ),
        ];
        for (kind, row) in table {
            for (role, expected) in COLUMNS.iter().zip(row) {
                assert_eq!(
                    may_watch(*role, *kind),
                    *expected,
                    "{role:?} watches {kind:?}"
                );
            }
        }
    }

    #[test]
    fn the_police_figures_of_statistics() {
        use PoliceFigures::*;
        let viewer = |role, agency: Option<&str>| {
            let mut v = Viewer::in_agency(role, agency.map(|_| 7));
            v.agency_code = agency.map(str::to_string);
            v
        };
        // (role, its agency, the statistics' lead agency) → how the figures are given.
        for (role, agency, lead, expected) in [
            (Role::Police, Some("CA"), None, AsTheyAre),
            (Role::Police, Some("CA"), Some("BDBP"), AsTheyAre),
            (Role::Officer, Some("BDBP"), Some("BDBP"), AsTheyAre),
            (Role::Customs, Some("HQ"), Some("HQ"), AsTheyAre),
            (Role::Officer, Some("BDBP"), None, OwnCasesOnly),
            (Role::Officer, Some("BDBP"), Some("CA"), OwnCasesOnly),
            (Role::Customs, Some("HQ"), Some("hq"), OwnCasesOnly),
            (Role::Leader, None, None, Never),
            (Role::StandingOffice, Some("QLTT"), Some("QLTT"), Never),
            (Role::Commune, Some("UBND"), None, Never),
        ] {
            assert_eq!(
                police_figures(&viewer(role, agency), lead),
                expected,
                "{role:?} of {agency:?} over {lead:?}"
            );
        }
    }

    #[test]
    fn withdrawals_and_disposal_approvals() {
        let v = |role, agency| Viewer::in_agency(role, Some(agency));
        assert!(check_withdraw(&v(Role::StandingOffice, 1), 9).is_ok());
        assert!(check_withdraw(&v(Role::Customs, 9), 9).is_ok());
        assert!(check_withdraw(&v(Role::Customs, 8), 9).is_err());
        assert!(check_withdraw(&v(Role::Commune, 9), 9).is_err());
        assert!(check_withdraw(&v(Role::Leader, 9), 9).is_err());
        let finance = Some(AgencyKind::Finance);
        assert!(check_disposal_approver(&v(Role::Officer, 1), finance).is_ok());
        assert!(check_disposal_approver(&v(Role::Officer, 1), Some(AgencyKind::Tax)).is_err());
        assert!(check_disposal_approver(&v(Role::StandingOffice, 1), finance).is_err());
    }

    #[test]
    fn roles_fit_only_their_kind_of_agency() {
        use AgencyKind as K;
        // (role, kind, on the committee, fits)
        let table: &[(Role, AgencyKind, bool, bool)] = &[
            (Role::Police, K::Police, true, true),
            (Role::Police, K::Police, false, false),
            (Role::Customs, K::Customs, false, false),
            (Role::Police, K::Customs, true, false),
            (Role::Police, K::BorderGuard, true, false),
            (Role::Customs, K::Customs, true, true),
            (Role::Customs, K::Police, true, false),
            (Role::Officer, K::BorderGuard, true, true),
            (Role::Officer, K::MarketManagement, true, true),
            (Role::Officer, K::Team389, true, true),
            (Role::Officer, K::Police, true, false),
            (Role::Officer, K::Customs, true, false),
            (Role::Officer, K::Press, true, false),
            (Role::Officer, K::ProvincialLeadership, true, false),
            (Role::Officer, K::FatherlandFront, false, false),
            (Role::Officer, K::Other, false, false),
            (Role::Press, K::Press, false, true),
            (Role::Press, K::Police, true, false),
            (Role::Commune, K::Commune, false, true),
            (Role::Commune, K::Police, true, false),
            (Role::StandingOffice, K::MarketManagement, true, true),
            (Role::StandingOffice, K::Police, true, true),
            (Role::StandingOffice, K::Press, true, false),
            (Role::StandingOffice, K::ProvincialLeadership, true, false),
            (Role::StandingOffice, K::Other, false, false),
            (Role::Leader, K::ProvincialLeadership, true, true),
            (Role::Leader, K::Police, true, false),
            (Role::Admin, K::Other, false, true),
        ];
        for (role, kind, in_committee, fits) in table {
            let agency = Standing {
                kind: *kind,
                in_committee: *in_committee,
            };
            assert_eq!(
                role_fits_agency(*role, agency),
                *fits,
                "{role:?} / {agency:?}"
            );
        }
    }

    #[test]
    fn units_of_members_sit_on_the_committee_but_not_the_leaderships_own() {
        use AgencyKind as K;
        let member = |k| Some((k, true));
        // The forest rangers under the agriculture department; Team 389 under market management.
        assert!(Standing::of(K::AgricultureEnv, false, member(K::AgricultureEnv)).in_committee);
        assert!(Standing::of(K::Team389, false, member(K::MarketManagement)).in_committee);
        // The leadership's office; an organisation outside; a unit of a non-member.
        assert!(!Standing::of(K::Other, false, member(K::ProvincialLeadership)).in_committee);
        assert!(!Standing::of(K::Other, false, member(K::Press)).in_committee);
        assert!(!Standing::of(K::FatherlandFront, false, None).in_committee);
        assert!(!Standing::of(K::Other, false, Some((K::Other, false))).in_committee);
        assert!(Standing::of(K::Tax, true, None).in_committee);
        // Tasks go to those who can report on them: not the leadership, not an outsider.
        let on = |kind, in_committee| Standing { kind, in_committee };
        assert!(!agency_may(
            on(K::ProvincialLeadership, true),
            Action::ReportOnTasks
        ));
        assert!(!agency_may(
            on(K::FatherlandFront, false),
            Action::ReportOnTasks
        ));
        assert!(!agency_may(on(K::Press, true), Action::ReportOnTasks));
        assert!(agency_may(on(K::Commune, false), Action::ReportOnTasks));
        assert!(agency_may(on(K::Health, true), Action::ReportOnTasks));
        // Tips go to those who verify them.
        assert!(handles_tips(on(K::Police, true)));
        assert!(handles_tips(on(K::AgricultureEnv, true)));
        for outside in [
            on(K::FatherlandFront, false),
            on(K::Other, false),
            on(K::ProvincialLeadership, true),
            on(K::Commune, false),
            on(K::Press, true),
        ] {
            assert!(!handles_tips(outside), "{outside:?}");
        }
    }
}
