//! Introspection guards: which roles see which types and fields, read from the one access
//! matrix in [`crate::domain::access`]. A field a role can never read does not exist for it.

use async_graphql::Context;

use crate::domain::access::{Compartment, Role, ever_reads, reads_reports, reads_tip_contents};

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

fn visible_for(ctx: &Context<'_>, allowed: impl Fn(Role) -> bool) -> bool {
    match ctx.data_opt::<crate::graphql::context::RequestCtx>() {
        Some(req) => req.viewer.as_ref().is_some_and(|v| allowed(v.role)),
        // Outside a request (SDL export for schema.graphql) everything is shown.
        None => true,
    }
}
