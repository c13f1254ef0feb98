//! Publications: a case's public summary and its approval workflow. The press reads approved
//! ones through `publishedCases`, which exposes only the core facts a publication declares
//! public — never a police, customs or informant datum.

pub mod mutation;

pub use mutation::PublicationMutation;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use entity::{cases, publications};

use crate::domain::access::{CaseScope, case_scope, publication_scope};
use crate::domain::vocab::{CaseStatus, CommodityGroup, PublicationStatus, ViolationType};
use crate::error::{AppError, AppResult};
use crate::graphql::cases::Case;
use crate::graphql::context::{Date, Timestamp, Vnd, db, loaders, viewer};
use crate::graphql::loaders::one;
use crate::graphql::pagination::{
    decode_cursor, encode_cursor, fetch_page, keyset_after, newest_id_first, page_size,
};
use crate::graphql::reference::Agency;
use crate::service::scopes;

#[derive(Default)]
pub struct PublicationQuery;

#[Object]
impl PublicationQuery {
    /// Publications of any status in the viewer's scope (standing office, leaders, admin: all;
    /// agencies: those on cases they lead). Newest first.
    #[graphql(
        visible = "crate::graphql::guards::publication_drafts_visible",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn publications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<PublicationStatus>>,
        #[graphql(desc = "List archived publications instead of current ones (default false)")]
        archived: Option<bool>,
    ) -> Result<PublicationConnection> {
        let v = viewer(ctx)?;
        let size = page_size(first)?;
        let mut cond = Condition::all().add(if archived.unwrap_or(false) {
            publications::Column::ArchivedAt.is_not_null()
        } else {
            publications::Column::ArchivedAt.is_null()
        });
        cond = cond.add(scopes::publications(publication_scope(v)?));
        if let Some(s) = status.filter(|s| !s.is_empty()) {
            cond = cond.add(publications::Column::Status.is_in(s.iter().map(|x| x.as_str())));
        }
        let after_id = after.as_deref().map(decode_cursor).transpose()?;
        let page = newest_id_first::<publications::Entity, _>(
            db(ctx)?,
            cond.clone(),
            publications::Column::Id,
            after_id.map(|(_, id)| id),
            size,
        )
        .await?;
        Ok(PublicationConnection::page(page, &after, cond))
    }

    /// Approved case summaries for the press, most recently approved first. Withdrawn,
    /// archived ones and those of archived cases are not listed.
    #[graphql(
        visible = "crate::graphql::guards::published_cases_visible",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn published_cases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PublishedCaseConnection> {
        // Anonymous callers read nothing; signed-in ones as the matrix says.
        crate::domain::access::check_published_cases(viewer(ctx)?)?;
        let size = page_size(first)?;
        // The one rule of what is public, shared with the newsroom feed.
        let cond = crate::service::published::condition();
        let mut page = cond.clone();
        if let Some(c) = &after {
            let (key, id) = decode_cursor(c)?;
            let at = DateTime::parse_from_rfc3339(&key)
                .map_err(|_| AppError::bad_input("`after` is not a valid cursor"))?
                .with_timezone(&Utc);
            page = page.add(keyset_after(
                publications::Column::ApprovedAt,
                publications::Column::Id,
                at,
                id,
                true,
            ));
        }
        let query = publications::Entity::find()
            .filter(page)
            .order_by_desc(publications::Column::ApprovedAt)
            .order_by_desc(publications::Column::Id);
        let page = fetch_page(db(ctx)?, query, size).await?;
        Ok(PublishedCaseConnection::page(page, &after, cond))
    }
}

fn published_cursor(p: &publications::Model) -> String {
    let at = p
        .approved_at
        .map(|a| a.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
        .unwrap_or_default();
    encode_cursor(&at, p.id)
}

crate::relay_connection!(
    PublicationConnection,
    PublicationEdge,
    Publication,
    publications::Entity,
    |p: &publications::Model| encode_cursor("p", p.id),
    visible = "crate::graphql::guards::not_press_visible"
);

fn facts(p: &publications::Model) -> Vec<String> {
    crate::service::published::declared(&p.public_facts)
        .map(String::from)
        .collect()
}

/// A publication in its workflow (for the staff who draft and approve it).
pub struct Publication(pub publications::Model);

#[Object(visible = "crate::graphql::guards::publication_drafts_visible")]
impl Publication {
    pub async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Publication, self.0.id)
    }
    /// For optimistic concurrency: pass it back to update, approve, reject or withdraw.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn headline(&self) -> &str {
        &self.0.headline
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Which case facts the summary makes public.
    async fn public_facts(&self) -> Vec<String> {
        facts(&self.0)
    }
    async fn status(&self) -> Result<PublicationStatus> {
        Ok(PublicationStatus::from_db(&self.0.status)?)
    }
    /// Whether the text waits for a review by the agency that may read restricted data of the
    /// case its drafter may not (the informants of tips linked to the case); the standing office
    /// approves only after that review. Decided from the linked tips, never from the text, so
    /// it says nothing of what the text holds; it does tell the drafter that a tip the police
    /// hold is linked to its case (never who sent it), which the review needs it to know.
    async fn awaiting_review(&self) -> bool {
        self.0.review_agency_id.is_some() && self.0.reviewed_at.is_none()
    }

    /// Why the standing office (or the reviewing agency) rejected it, or why it was withdrawn.
    async fn review_reason(&self) -> Option<&str> {
        self.0.review_reason.as_deref()
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    async fn archived_at(&self) -> Option<Timestamp> {
        self.0.archived_at.map(Into::into)
    }
    async fn approved_at(&self) -> Option<Timestamp> {
        self.0.approved_at.map(Into::into)
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn drafted_by(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(one(&loaders(ctx)?.agency, self.0.drafted_by_agency_id)
            .await?
            .map(Agency))
    }
    /// The case, for roles that may read it (the admin, for one, may not).
    #[graphql(visible = "crate::graphql::guards::cases_visible")]
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<Case>> {
        let scope = case_scope(viewer(ctx)?)?;
        let case = one(&loaders(ctx)?.case, self.0.case_id).await?;
        Ok(case.filter(|c| in_scope(scope, c)).map(Case))
    }
}

fn in_scope(scope: CaseScope, c: &cases::Model) -> bool {
    c.archived_at.is_none()
        && match scope {
            CaseScope::All => true,
            CaseScope::Commune(id) => c.commune_id == Some(id),
        }
}

crate::relay_connection!(
    PublishedCaseConnection,
    PublishedCaseEdge,
    PublishedCase,
    publications::Entity,
    published_cursor
);

/// An approved case summary: the headline and text, and the case facts the publication
/// declared public (each other fact is `null`).
pub struct PublishedCase(pub publications::Model);

impl PublishedCase {
    fn public(&self, fact: &str) -> bool {
        crate::service::published::declares(&self.0.public_facts, fact)
    }

    async fn case(&self, ctx: &Context<'_>, fact: &str) -> AppResult<Option<cases::Model>> {
        if !self.public(fact) {
            return Ok(None);
        }
        one(&loaders(ctx)?.case, self.0.case_id).await
    }

    /// A fact read from the case when the publication declared it public, else `null`.
    async fn fact<T>(
        &self,
        ctx: &Context<'_>,
        fact: &str,
        read: impl FnOnce(&cases::Model) -> AppResult<T>,
    ) -> Result<Option<T>> {
        Ok(self.case(ctx, fact).await?.as_ref().map(read).transpose()?)
    }
}

#[Object]
impl PublishedCase {
    /// The publication's id (not the case's).
    async fn id(&self) -> ID {
        // The publication's global id: the same object as staff see it.
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Publication, self.0.id)
    }
    async fn headline(&self) -> &str {
        &self.0.headline
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn published_at(&self) -> Option<Timestamp> {
        self.0.approved_at.map(Into::into)
    }
    async fn violation_type(&self, ctx: &Context<'_>) -> Result<Option<ViolationType>> {
        let read = |c: &cases::Model| ViolationType::from_db(&c.violation_type);
        self.fact(ctx, "violation_type", read).await
    }
    async fn commodity_group(&self, ctx: &Context<'_>) -> Result<Option<CommodityGroup>> {
        let read = |c: &cases::Model| CommodityGroup::from_db(&c.commodity_group);
        self.fact(ctx, "commodity_group", read).await
    }
    async fn status(&self, ctx: &Context<'_>) -> Result<Option<CaseStatus>> {
        let read = |c: &cases::Model| CaseStatus::from_db(&c.status);
        self.fact(ctx, "status", read).await
    }
    async fn detected_on(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.fact(ctx, "detected_on", |c| Ok(c.detected_on.into()))
            .await
    }
    async fn fine_amount(&self, ctx: &Context<'_>) -> Result<Option<Vnd>> {
        self.fact(ctx, "fine_amount", |c| Ok(Vnd(c.fine_amount)))
            .await
    }
    async fn goods_value(&self, ctx: &Context<'_>) -> Result<Option<Vnd>> {
        self.fact(ctx, "goods_value", |c| Ok(Vnd(c.goods_value)))
            .await
    }
    async fn budget_collected(&self, ctx: &Context<'_>) -> Result<Option<Vnd>> {
        self.fact(ctx, "budget_collected", |c| Ok(Vnd(c.budget_collected)))
            .await
    }
    /// The commune's name.
    async fn commune_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(c) = self.case(ctx, "commune").await? else {
            return Ok(None);
        };
        let Some(id) = c.commune_id else {
            return Ok(None);
        };
        Ok(one(&loaders(ctx)?.commune, id).await?.map(|m| m.name))
    }
    /// The lead agency's name.
    async fn lead_agency_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(c) = self.case(ctx, "lead_agency").await? else {
            return Ok(None);
        };
        Ok(one(&loaders(ctx)?.agency, c.lead_agency_id)
            .await?
            .map(|m| m.name))
    }
}
