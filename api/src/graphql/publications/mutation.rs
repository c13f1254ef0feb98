//! Publication mutations over [`crate::service::publications`] (the workflow and its text
//! checks live there).

use super::Publication;
use crate::error::AppResult;
use crate::graphql::context::services;
use crate::graphql::ids::{NodeKind, parse_id};
use crate::graphql::workflow::{key_of, writer};
use crate::service::publications::{self as svc, Checks, Text};
use async_graphql::{Context, ID, InputObject, Object, Result};

#[derive(Default)]
pub struct PublicationMutation;

/// A publication's content.
#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::not_press_visible")]
pub struct PublicationInput {
    pub headline: String,
    pub body: String,
    /// Which case facts the summary makes public (names from `PUBLIC_FACTS`: violation_type,
    /// commodity_group, detected_on, commune, lead_agency, fine_amount,
    /// goods_value, budget_collected, status). When drafting, absent means none; when
    /// revising, absent keeps the current list.
    pub public_facts: Option<Vec<String>>,
}

impl From<PublicationInput> for Text {
    fn from(i: PublicationInput) -> Text {
        Text {
            headline: i.headline,
            body: i.body,
            public_facts: i.public_facts,
        }
    }
}

fn checks<'a>(ctx: &'a Context<'_>) -> AppResult<Checks<'a>> {
    let s = services(ctx)?;
    Ok(Checks {
        data_key: &s.data_key,
        refusals: &s.limiters.refusals,
    })
}

#[Object]
impl PublicationMutation {
    /// Drafts the public summary of a case (the case's lead agency). Only cases handled
    /// administratively, prosecuted or closed can be published, and the text must not contain
    /// any restricted datum of the case.
    #[graphql(visible = "crate::graphql::guards::drafts_publications_visible")]
    async fn draft_publication(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: PublicationInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<Publication>> {
        let keyed = key_of(ctx, idempotency_key.as_deref(), "draftPublication")?;
        let case_id = parse_id(&case_id, NodeKind::Case)?;
        let p = svc::draft(&writer(ctx)?, &checks(ctx)?, case_id, input.into(), keyed).await?;
        Ok(Some(Publication(p)))
    }

    /// Revises a draft or a rejected publication (the drafting agency); a rejected one goes
    /// back to draft. The text is checked again.
    #[graphql(visible = "crate::graphql::guards::drafts_publications_visible")]
    async fn update_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: PublicationInput,
    ) -> Result<Option<Publication>> {
        let (w, c) = (writer(ctx)?, checks(ctx)?);
        let p = svc::update(
            &w,
            &c,
            parse_id(&id, NodeKind::Publication)?,
            version,
            input.into(),
        )
        .await?;
        Ok(Some(Publication(p)))
    }

    /// Approves a draft for publication (the standing office). The text is checked once more
    /// against the case's restricted data, which may have grown since it was drafted.
    #[graphql(visible = "crate::graphql::guards::approves_publications_visible")]
    async fn approve_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<Option<Publication>> {
        let (w, c) = (writer(ctx)?, checks(ctx)?);
        Ok(Some(Publication(
            svc::approve(&w, &c, parse_id(&id, NodeKind::Publication)?, version).await?,
        )))
    }

    /// Passes a text waiting for review (the agency that reviews it: the police agency holding
    /// the informant data of a tip linked to the case). The text is checked against every datum
    /// of the case this agency may read; a hit is named, and the text should then be rejected.
    #[graphql(visible = "crate::graphql::guards::informant_visible")]
    async fn pass_publication_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<Option<Publication>> {
        let (w, c) = (writer(ctx)?, checks(ctx)?);
        Ok(Some(Publication(
            svc::pass_review(&w, &c, parse_id(&id, NodeKind::Publication)?, version).await?,
        )))
    }

    /// Rejects a draft (the standing office, or the agency reviewing it), saying why.
    #[graphql(visible = "crate::graphql::guards::rejects_publications_visible")]
    async fn reject_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: String,
    ) -> Result<Option<Publication>> {
        let p = svc::reject(
            &writer(ctx)?,
            parse_id(&id, NodeKind::Publication)?,
            version,
            &reason,
        )
        .await?;
        Ok(Some(Publication(p)))
    }

    /// Withdraws a published summary (the standing office or the drafting agency); it
    /// disappears from `publishedCases`.
    #[graphql(visible = "crate::graphql::guards::withdraws_publications_visible")]
    async fn withdraw_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: Option<String>,
    ) -> Result<Option<Publication>> {
        let id = parse_id(&id, NodeKind::Publication)?;
        let p = svc::withdraw(&writer(ctx)?, id, version, reason.as_deref()).await?;
        Ok(Some(Publication(p)))
    }

    /// Archives (`archived: true`) or restores a publication (the drafting agency). An
    /// archived publication is never listed, published or changed. Nothing is deleted.
    #[graphql(visible = "crate::graphql::guards::drafts_publications_visible")]
    async fn set_publication_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Option<Publication>> {
        let p = svc::set_archived(
            &writer(ctx)?,
            parse_id(&id, NodeKind::Publication)?,
            version,
            archived,
        )
        .await?;
        Ok(Some(Publication(p)))
    }
}
