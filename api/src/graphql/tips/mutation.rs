//! Tip mutations. A citizen submits without signing in; staff move the tip through its
//! lifecycle. Each resolver reads its arguments and calls the write in [`crate::service::tips`];
//! staff steps carry the version the client read (stale → `CONFLICT`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use entity::tips;

use super::Tip;
use crate::domain::vocab::{TipChannel, TipStatus};
use crate::error::AppResult;
use crate::graphql::context::{Timestamp, services};
use crate::graphql::ids::{NodeKind, parse_id};
use crate::graphql::workflow::{any_writer, key_of, request, writer};
use crate::limiter::ClientKey;
use crate::service::tips::{self as svc, TipSubmission};

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
    /// Shown to every role: anyone may send a tip with its sender's name, staff entering a
    /// hotline caller's too, though most roles can never read one back.
    pub reporter_name: Option<String>,
    /// A phone number or email address to reach the sender (encrypted at rest, like the name).
    pub reporter_contact: Option<String>,
}

/// What the sender gets back: the tracking code is the only way to follow the tip, so it is
/// shown once and must be kept.
#[derive(SimpleObject)]
pub struct TipReceipt {
    pub tracking_code: String,
    pub status: TipStatus,
    pub received_at: Timestamp,
}

impl TipReceipt {
    fn of(t: &tips::Model) -> AppResult<TipReceipt> {
        Ok(TipReceipt {
            tracking_code: t.tracking_code.clone(),
            status: TipStatus::from_db(&t.status)?,
            received_at: t.received_at.into(),
        })
    }
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
    ) -> Result<Option<TipReceipt>> {
        let req = request(ctx)?;
        let v = req.viewer.as_ref();
        let services = services(ctx)?;
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
        let keyed = key_of(ctx, idempotency_key.as_deref(), "submitTip")?;
        let client = ClientKey::of(req.viewer.as_ref(), req.client_ip);
        let stored = svc::submit(&any_writer(ctx)?, &services.data_key, tip, keyed, || {
            services.limiters.tips.check(&client)
        })
        .await?;
        Ok(Some(TipReceipt::of(&stored)?))
    }

    /// Forwards a tip to the agency that should verify it (standing office, or the police for a
    /// new tip). A forwarded tip may be forwarded again by the standing office.
    #[graphql(visible = "crate::graphql::guards::forwards_tips_visible")]
    async fn forward_tip(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        #[graphql(desc = "Agency code")] agency: String,
    ) -> Result<Option<Tip>> {
        let tip = svc::forward(
            &writer(ctx)?,
            parse_id(&id, NodeKind::Tip)?,
            version,
            &agency,
        )
        .await?;
        Ok(Some(Tip(tip)))
    }

    /// The assigned agency starts verifying a forwarded tip.
    #[graphql(visible = "crate::graphql::guards::verifies_tips_visible")]
    async fn verify_tip(&self, ctx: &Context<'_>, id: ID, version: i32) -> Result<Option<Tip>> {
        Ok(Some(Tip(svc::verify(
            &writer(ctx)?,
            parse_id(&id, NodeKind::Tip)?,
            version,
        )
        .await?)))
    }

    /// The assigned agency links a verified tip to the case it led to (a case the agency can
    /// see).
    #[graphql(visible = "crate::graphql::guards::verifies_tips_visible")]
    async fn link_tip_to_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        case_id: ID,
    ) -> Result<Option<Tip>> {
        let (id, case_id) = (
            parse_id(&id, NodeKind::Tip)?,
            parse_id(&case_id, NodeKind::Case)?,
        );
        Ok(Some(Tip(svc::link_to_case(
            &writer(ctx)?,
            id,
            version,
            case_id,
        )
        .await?)))
    }

    /// Dismisses a tip that did not hold up (the assigned agency or the standing office); the
    /// reason is required.
    #[graphql(visible = "crate::graphql::guards::dismisses_tips_visible")]
    async fn dismiss_tip(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: String,
    ) -> Result<Option<Tip>> {
        let tip = svc::dismiss(
            &writer(ctx)?,
            parse_id(&id, NodeKind::Tip)?,
            version,
            &reason,
        )
        .await?;
        Ok(Some(Tip(tip)))
    }

    /// Archives (hides from `tips`) or restores a tip; standing office only. Nothing is
    /// deleted.
    #[graphql(visible = "crate::graphql::guards::archives_tips_visible")]
    async fn set_tip_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Option<Tip>> {
        let tip = svc::set_archived(
            &writer(ctx)?,
            parse_id(&id, NodeKind::Tip)?,
            version,
            archived,
        )
        .await?;
        Ok(Some(Tip(tip)))
    }
}
