//! Tip mutations. A citizen submits without signing in; staff move the tip through its
//! lifecycle. Every write runs in one transaction with its audit event; staff steps carry the
//! version the client read (stale → `CONFLICT`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;

use entity::tips;

use super::Tip;
use crate::auth::Viewer;
use crate::domain::access::{Action, check};
use crate::domain::vocab::{TipChannel, TipStatus};
use crate::error::{AppError, AppResult};
use crate::graphql::context::{RequestCtx, db, services, viewer};
use crate::graphql::ids::parse_id;
use crate::graphql::workflow::{Audit, audit, idempotent_result, remember, request};
use crate::limiter::ClientKey;
use crate::service::case_write::required_text;
use crate::service::tips::{self as svc, TipSubmission};
use crate::versioned_update;

#[derive(Default)]
pub struct TipMutation;

/// A tip as a citizen sends it. Name and contact are optional: a tip may be anonymous.
#[derive(InputObject)]
pub struct NewTipInput {
    /// How the tip arrived. Without a token, only `ONLINE_FORM`.
    pub channel: TipChannel,
    /// What the citizen reports (places, goods, times), at most the configured size in bytes.
    pub content: String,
    /// Who sends it (encrypted at rest; read only by the police agency the tip goes to).
    #[graphql(visible = "reporter_input_visible")]
    pub reporter_name: Option<String>,
    /// A phone number or email address to reach the sender (encrypted at rest, like the name).
    #[graphql(visible = "reporter_input_visible")]
    pub reporter_contact: Option<String>,
}

/// Introspection visibility of the sender's name and contact in `NewTipInput`: shown to the
/// citizen (no token) and to roles that may ever read the informant compartment; hidden, like
/// every informant field, from roles that never can. Staff entering a hotline caller's tip may
/// still send them (visibility shapes introspection, not what a request may carry).
pub fn reporter_input_visible(ctx: &Context<'_>) -> bool {
    match ctx.data_opt::<RequestCtx>() {
        Some(req) => req.viewer.as_ref().is_none_or(|v| {
            crate::domain::access::ever_reads(v.role, crate::domain::access::Compartment::Informant)
        }),
        None => true,
    }
}

/// What the sender gets back: the tracking code is the only way to follow the tip, so it is
/// shown once and must be kept.
#[derive(SimpleObject)]
pub struct TipReceipt {
    pub tracking_code: String,
    pub status: TipStatus,
    pub received_at: DateTime<Utc>,
}

impl TipReceipt {
    fn of(t: &tips::Model) -> AppResult<TipReceipt> {
        Ok(TipReceipt {
            tracking_code: t.tracking_code.clone(),
            status: TipStatus::from_db(&t.status)?,
            received_at: t.received_at,
        })
    }
}

fn auditing<'a>(operation: &'a str, id: i64, fields: Vec<&'a str>) -> Audit<'a> {
    Audit {
        operation,
        entity: "tip",
        ids: vec![id],
        restricted_fields: fields,
    }
}

/// Commits a staff step: the versioned update, its audit event, the tip as it now is.
async fn finish(
    txn: sea_orm::DatabaseTransaction,
    v: &Viewer,
    req: &RequestCtx,
    operation: &str,
    id: i64,
    version: i32,
    am: tips::ActiveModel,
) -> AppResult<Tip> {
    versioned_update!(&txn, tips, am, id, version)?;
    audit(
        &txn,
        Some(v),
        &req.request_id,
        auditing(operation, id, vec![]),
    )
    .await?;
    let tip = svc::reload(&txn, id).await?;
    txn.commit().await?;
    Ok(Tip(tip))
}

#[Object]
impl TipMutation {
    /// Sends a tip. Anyone may, without a token ("every citizen a soldier against smuggling");
    /// submissions are rate-limited per client address. The sender's name and contact are
    /// encrypted before they are stored. Keep the returned tracking code: `tipStatus` answers
    /// with it. `idempotencyKey` (retries without duplicates) needs a token, since keys are
    /// kept per signed-in user.
    async fn submit_tip(
        &self,
        ctx: &Context<'_>,
        input: NewTipInput,
        idempotency_key: Option<String>,
    ) -> Result<TipReceipt> {
        let req = request(ctx)?;
        let v = req.viewer.as_ref();
        let services = services(ctx)?;
        if v.is_none() && idempotency_key.is_some() {
            return Err(AppError::bad_input(
                "`idempotencyKey` needs a token; anonymous tips take none",
            )
            .into());
        }
        let tip = svc::validate(
            TipSubmission {
                channel: input.channel,
                content: input.content,
                reporter_name: input.reporter_name,
                reporter_contact: input.reporter_contact,
            },
            v.is_none(),
            services.workflow.tip_max_bytes,
        )?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        if let (Some(v), Some(key)) = (v, &idempotency_key)
            && let Some(id) = idempotent_result(ctx, &txn, &v.sub, key, "submitTip").await?
        {
            return Ok(TipReceipt::of(&svc::reload(&txn, id).await?)?);
        }
        if !services
            .limiters
            .tips
            .check(&ClientKey::of(req.viewer.as_ref(), req.client_ip))
        {
            return Err(AppError::RateLimited(
                "too many tips from this address; please try again in a minute".into(),
            )
            .into());
        }
        let stored = svc::insert(&txn, &services.data_key, &tip).await?;
        if let (Some(v), Some(key)) = (v, &idempotency_key) {
            remember(ctx, &txn, &v.sub, key, "submitTip", "tip", stored.id).await?;
        }
        audit(
            &txn,
            v,
            &req.request_id,
            auditing("submitTip", stored.id, tip.restricted_fields()),
        )
        .await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(TipReceipt::of(&stored)?)
    }

    /// Forwards a tip to the agency that should verify it (standing office, or the police for a
    /// new tip). A forwarded tip may be forwarded again by the standing office.
    #[graphql(visible = "crate::graphql::guards::tips_visible")]
    async fn forward_tip(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        #[graphql(desc = "Agency code")] agency: String,
    ) -> Result<Tip> {
        let v = viewer(ctx)?;
        check(v, Action::ForwardTips)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        let tip = svc::load_for_write(&txn, v, id, version).await?;
        svc::not_archived(&tip)?;
        let from = svc::status(&tip)?;
        svc::check_transition(from, TipStatus::Forwarded)?;
        if from == TipStatus::Forwarded {
            check(v, Action::ReforwardTips)?;
        }
        let target = svc::forward_target(&txn, &tip, &agency).await?;
        // The police may pass a tip on, but not to themselves: taking a tip would unlock its
        // informant for them, so only the standing office assigns tips to the police.
        if v.role == crate::auth::Role::Police && v.agency_id == Some(target.id) {
            return Err(AppError::forbidden("the police cannot forward a tip to their own agency; the standing office assigns it").into());
        }
        let mut am = svc::step(TipStatus::Forwarded);
        am.assigned_agency_id = Set(Some(target.id));
        Ok(finish(txn, v, req, "forwardTip", id, version, am).await?)
    }

    /// The assigned agency starts verifying a forwarded tip.
    #[graphql(visible = "crate::graphql::guards::tips_visible")]
    async fn verify_tip(&self, ctx: &Context<'_>, id: ID, version: i32) -> Result<Tip> {
        let v = viewer(ctx)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        let tip = svc::load_for_write(&txn, v, id, version).await?;
        svc::check_assigned_agency(v, &tip)?;
        svc::not_archived(&tip)?;
        svc::check_transition(svc::status(&tip)?, TipStatus::Verifying)?;
        let am = svc::step(TipStatus::Verifying);
        Ok(finish(txn, v, req, "verifyTip", id, version, am).await?)
    }

    /// The assigned agency links a verified tip to the case it led to (a case the agency can
    /// see).
    #[graphql(visible = "crate::graphql::guards::tips_visible")]
    async fn link_tip_to_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        case_id: ID,
    ) -> Result<Tip> {
        let v = viewer(ctx)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let case_id = parse_id(&case_id)?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        let tip = svc::load_for_write(&txn, v, id, version).await?;
        svc::check_assigned_agency(v, &tip)?;
        svc::not_archived(&tip)?;
        svc::check_transition(svc::status(&tip)?, TipStatus::LinkedToCase)?;
        let case = svc::case_for_link(&txn, v, case_id).await?;
        let mut am = svc::step(TipStatus::LinkedToCase);
        am.case_id = Set(Some(case.id));
        Ok(finish(txn, v, req, "linkTipToCase", id, version, am).await?)
    }

    /// Dismisses a tip that did not hold up (the assigned agency or the standing office); the
    /// reason is required.
    #[graphql(visible = "crate::graphql::guards::tips_visible")]
    async fn dismiss_tip(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: String,
    ) -> Result<Tip> {
        let v = viewer(ctx)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        let tip = svc::load_for_write(&txn, v, id, version).await?;
        svc::check_dismisser(v, &tip)?;
        svc::not_archived(&tip)?;
        svc::check_transition(svc::status(&tip)?, TipStatus::Dismissed)?;
        let reason = required_text("reason", &reason, 2000)?;
        let mut am = svc::step(TipStatus::Dismissed);
        am.dismissal_reason = Set(Some(reason));
        Ok(finish(txn, v, req, "dismissTip", id, version, am).await?)
    }

    /// Archives (hides from `tips`) or restores a tip; standing office only. Nothing is
    /// deleted.
    #[graphql(visible = "crate::graphql::guards::tips_visible")]
    async fn set_tip_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Tip> {
        let v = viewer(ctx)?;
        check(v, Action::ArchiveTips)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        svc::load_for_write(&txn, v, id, version).await?;
        let am = tips::ActiveModel {
            archived_at: Set(archived.then(Utc::now)),
            updated_at: Set(Utc::now()),
            ..Default::default()
        };
        let op = if archived { "archiveTip" } else { "restoreTip" };
        Ok(finish(txn, v, req, op, id, version, am).await?)
    }
}
