//! Introspection guards: which roles see which types and fields, read from the one access
//! matrix in [`crate::domain::access`]. A field a role can never read does not exist for it.

use async_graphql::Context;

use crate::domain::access::{
    Action, Compartment, Role, StatisticsScope, ever_reads, may, may_watch, reads_cases,
    reads_compliance, reads_publication_drafts, reads_published_cases, reads_reports,
    reads_tip_contents, statistics_of,
};
use crate::domain::vocab::WatchKind;
use crate::service::statistics::Dimension;

/// async-graphql's `MetaVisibleFn`, which it does not export: what decides whether a role sees
/// a type, a field or an enum value.
pub type MetaVisibleFn = fn(&Context<'_>) -> bool;

/// Introspection visibility: the police compartment's types and fields.
pub fn police_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, |r| ever_reads(r, Compartment::Police))
}

/// Introspection visibility: the customs compartment's types and fields.
pub fn customs_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, |r| ever_reads(r, Compartment::Customs))
}

/// Introspection visibility: the informant compartment.
pub fn informant_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, |r| ever_reads(r, Compartment::Informant))
}

/// Introspection visibility: tips (content) are shown to roles that may read some.
pub fn tips_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, reads_tip_contents)
}

/// Introspection visibility: anything but the press (cases, directives, drafts…).
pub fn not_press_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, |r| r != Role::Press)
}

/// Introspection visibility: watch-lists, for the roles that may keep one.
pub fn watches_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, |r| {
        crate::domain::access::may(r, crate::domain::access::Action::KeepWatchList)
    })
}

/// Introspection visibility: periodic reports, for the roles that read some.
pub fn reports_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, reads_reports)
}

/// Introspection visibility: what only the administrator uses (the audit log, reference-data
/// writes).
pub fn admin_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, |r| r == Role::Admin)
}

/// Introspection visibility: cases, for the roles that read some.
pub fn cases_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, reads_cases)
}

/// Introspection visibility: task and report compliance, for the roles that read it.
pub fn compliance_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, reads_compliance)
}

/// Introspection visibility: publications of any status (drafts, decisions).
pub fn publication_drafts_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, reads_publication_drafts)
}

/// Introspection visibility: published case summaries.
pub fn published_cases_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, reads_published_cases)
}

/// Introspection visibility of `publicationChanged`: as [`published_cases_visible`], and
/// shown to a caller without a token too (it is answered `UNAUTHENTICATED`, a prompt to sign
/// in), whose subscription root would otherwise be empty — a schema graphql-js refuses
/// ("Type SubscriptionRoot must define one or more fields").
pub fn publication_changes_visible(ctx: &Context<'_>) -> bool {
    signed_out(ctx) || published_cases_visible(ctx)
}

/// Whether the request has no token (or there is no request: the SDL export).
fn signed_out(ctx: &Context<'_>) -> bool {
    ctx.data_opt::<crate::graphql::context::RequestCtx>()
        .is_none_or(|req| req.viewer.is_none())
}

/// Introspection visibility: statistics, for the roles that read them.
pub fn statistics_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, |r| statistics_of(r).is_some())
}

/// Introspection visibility: what statistics take beyond the press's public figures (filters,
/// groupings other than the official group, campaign and free periods).
pub fn case_statistics_visible(ctx: &Context<'_>) -> bool {
    visible_for(ctx, |r| statistics_of(r) == Some(StatisticsScope::Cases))
}

/// Introspection visibility of writes, one function an [`Action`]: shown to the roles that may
/// do it somewhere (the write side of the matrix, [`may`]); a write a role can never make does
/// not exist for it.
macro_rules! may_do {
    ($($(#[$doc:meta])* $name:ident = $action:ident;)+) => {$(
        $(#[$doc])*
        pub fn $name(ctx: &Context<'_>) -> bool {
            visible_for(ctx, |r| may(r, Action::$action))
        }
    )+};
}

may_do! {
    /// Case writes: recording and changing the cases an agency leads, and what hangs off them.
    records_cases_visible = RecordCases;
    /// Approving the disposal of seized goods.
    approves_disposals_visible = ApproveDisposals;
    /// Drafting, revising and archiving publications.
    drafts_publications_visible = DraftPublications;
    /// Approving publications.
    approves_publications_visible = ApprovePublications;
    /// Directives, tasks and campaigns: their management.
    manages_directives_visible = ManageDirectives;
    /// Reporting progress on an agency's tasks.
    reports_on_tasks_visible = ReportOnTasks;
    /// Filing and correcting periodic reports.
    files_reports_visible = FileReports;
    /// Forwarding tips.
    forwards_tips_visible = ForwardTips;
    /// Verifying and linking the tips assigned to an agency.
    verifies_tips_visible = VerifyTips;
    /// Archiving and restoring tips.
    archives_tips_visible = ArchiveTips;
}

/// Rejecting a publication: the standing office, or the police agency asked to review it.
pub fn rejects_publications_visible(ctx: &Context<'_>) -> bool {
    approves_publications_visible(ctx) || informant_visible(ctx)
}

/// Withdrawing a published summary: the standing office, or the agency that drafted it.
pub fn withdraws_publications_visible(ctx: &Context<'_>) -> bool {
    approves_publications_visible(ctx) || drafts_publications_visible(ctx)
}

/// Dismissing a tip: its agency, or the standing office.
pub fn dismisses_tips_visible(ctx: &Context<'_>) -> bool {
    verifies_tips_visible(ctx) || archives_tips_visible(ctx)
}

/// Introspection visibility of each watch kind: shown to the roles that may watch values of it
/// ([`may_watch`]: an ID number only to roles that read the police compartment somewhere).
pub fn watch_kind_visible(kind: WatchKind) -> Option<MetaVisibleFn> {
    use WatchKind as K;
    let visible: MetaVisibleFn = match kind {
        K::IdNumber => |ctx| visible_for(ctx, |r| may_watch(r, K::IdNumber)),
        K::TaxCode => |ctx| visible_for(ctx, |r| may_watch(r, K::TaxCode)),
        K::HsCode => |ctx| visible_for(ctx, |r| may_watch(r, K::HsCode)),
        K::VehiclePlate => |ctx| visible_for(ctx, |r| may_watch(r, K::VehiclePlate)),
        K::Commune => |ctx| visible_for(ctx, |r| may_watch(r, K::Commune)),
        K::CommodityGroup => |ctx| visible_for(ctx, |r| may_watch(r, K::CommodityGroup)),
    };
    Some(visible)
}

/// Introspection visibility of each statistics dimension: the official group for every reader
/// of statistics, the others for those who read them over their cases.
pub fn dimension_visible(dimension: Dimension) -> Option<MetaVisibleFn> {
    (dimension != Dimension::OfficialGroup).then_some(case_statistics_visible as MetaVisibleFn)
}

fn visible_for(ctx: &Context<'_>, allowed: impl Fn(Role) -> bool) -> bool {
    match ctx.data_opt::<crate::graphql::context::RequestCtx>() {
        Some(req) => req.viewer.as_ref().is_some_and(|v| allowed(v.role)),
        // Outside a request (SDL export for schema.graphql) everything is shown.
        None => true,
    }
}
