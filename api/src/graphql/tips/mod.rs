//! Tips from citizens (tin báo). Content and status go to the roles of the matrix; who sent a
//! tip and how to reach them (the informant compartment) only to the police agency it is
//! assigned to. A citizen follows a tip only through its tracking code (`tipStatus`).

pub mod mutation;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use entity::{agencies, tips};

use crate::auth::Viewer;
use crate::domain::access::{CaseScope, case_scope, tip_scope};
use crate::domain::vocab::{TipChannel, TipStatus};
use crate::error::{AppError, AppResult};
use crate::graphql::cases::Case;
use crate::graphql::context::{Timestamp, db, linked, loaders, viewer};
use crate::graphql::loaders::one;
use crate::graphql::pagination::{
    add_range, decode_cursor, encode_cursor, newest_id_first, page_size,
};
use crate::graphql::reference::Agency;
use crate::service::scopes;

#[derive(Default)]
pub struct TipQuery;

#[derive(InputObject, Default)]
pub struct TipFilter {
    pub status: Option<Vec<TipStatus>>,
    pub channel: Option<Vec<TipChannel>>,
    /// Assigned agency (code).
    pub assigned_agency: Option<String>,
    pub received_from: Option<Timestamp>,
    pub received_to: Option<Timestamp>,
    /// `true` lists only archived tips (to restore one); by default they are left out.
    pub archived: Option<bool>,
}

fn tip_condition(viewer: &Viewer, f: &TipFilter) -> AppResult<Condition> {
    let mut cond = Condition::all();
    cond = cond.add(if f.archived == Some(true) {
        tips::Column::ArchivedAt.is_not_null()
    } else {
        tips::Column::ArchivedAt.is_null()
    });
    cond = cond.add(scopes::tips(tip_scope(viewer)?));
    if let Some(s) = f.status.as_ref().filter(|s| !s.is_empty()) {
        cond = cond.add(tips::Column::Status.is_in(s.iter().map(|x| x.as_str())));
    }
    if let Some(c) = f.channel.as_ref().filter(|s| !s.is_empty()) {
        cond = cond.add(tips::Column::Channel.is_in(c.iter().map(|x| x.as_str())));
    }
    if let Some(code) = &f.assigned_agency {
        cond = cond.add(
            tips::Column::AssignedAgencyId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(agencies::Column::Id)
                    .from(agencies::Entity)
                    .and_where(agencies::Column::Code.eq(code.as_str()))
                    .to_owned(),
            ),
        );
    }
    let received = [f.received_from.map(|t| t.0), f.received_to.map(|t| t.0)];
    let fields = ["receivedFrom", "receivedTo"];
    add_range(cond, tips::Column::ReceivedAt, received, fields, true)
}

/// Where a tip stands, for its sender: nothing but the status and two dates (never the
/// content, the sender, the agency or the case).
#[derive(SimpleObject)]
pub struct TipTracking {
    pub status: TipStatus,
    pub received_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The object itself is visible to everyone: `tipStatus` is public; `tips` and `tip` carry
/// their own visibility.
#[Object]
impl TipQuery {
    /// Where the tip with this tracking code stands. Public: no token is needed, since the
    /// code (80 random bits, given only to the sender) is the credential.
    /// Lookups are limited per client address (`HUB389_TIP_STATUS_RATE_PER_MINUTE`), found or
    /// not, so codes cannot be tried at speed.
    async fn tip_status(&self, ctx: &Context<'_>, tracking_code: String) -> Result<TipTracking> {
        let req = crate::graphql::workflow::request(ctx)?;
        let key = crate::limiter::ClientKey::address(req.client_ip);
        if !crate::graphql::context::services(ctx)?
            .limiters
            .tip_status
            .check(&key)
        {
            return Err(AppError::RateLimited(
                "too many tracking-code lookups from this address; please try again in a minute"
                    .into(),
            )
            .into());
        }
        let t = crate::service::tips::track(db(ctx)?, &tracking_code).await?;
        Ok(TipTracking {
            status: TipStatus::from_db(&t.status)?,
            received_at: t.received_at.into(),
            updated_at: t.updated_at.into(),
        })
    }

    /// One tip in the viewer's scope (archived ones included, for the standing office to
    /// restore); `NOT_FOUND` otherwise.
    #[graphql(visible = "crate::graphql::guards::tips_visible")]
    async fn tip(&self, ctx: &Context<'_>, id: ID) -> Result<Tip> {
        let v = viewer(ctx)?;
        let id = crate::graphql::ids::parse_id(&id, crate::graphql::ids::NodeKind::Tip)?;
        let t = tips::Entity::find_by_id(id)
            .filter(scopes::tips(tip_scope(v)?))
            .one(db(ctx)?)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| AppError::NotFound("no such tip".into()))?;
        Ok(Tip(t))
    }

    /// Tips in the viewer's scope, most recently registered first.
    #[graphql(
        visible = "crate::graphql::guards::tips_visible",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn tips(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<TipFilter>,
    ) -> Result<TipConnection> {
        let v = viewer(ctx)?;
        let size = page_size(first)?;
        let cond = tip_condition(v, &filter.unwrap_or_default())?;
        let after_id = after.as_deref().map(decode_cursor).transpose()?;
        let page = newest_id_first::<tips::Entity, _>(
            db(ctx)?,
            cond.clone(),
            tips::Column::Id,
            after_id.map(|(_, id)| id),
            size,
        )
        .await?;
        Ok(TipConnection::page(page, &after, cond))
    }
}

crate::relay_connection!(
    TipConnection,
    TipEdge,
    Tip,
    tips::Entity,
    |t: &tips::Model| encode_cursor("t", t.id),
    visible = "crate::graphql::guards::tips_visible",
    // The tip list's `totalCount` has always gone without a description in the schema.
    total_count_doc = []
);

/// A tip.
pub struct Tip(pub tips::Model);

#[Object(visible = "crate::graphql::guards::tips_visible")]
impl Tip {
    pub async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Tip, self.0.id)
    }
    async fn received_at(&self) -> Timestamp {
        self.0.received_at.into()
    }
    /// Pass it back with any change (optimistic concurrency).
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// When the standing office archived it (`null` while it is active).
    async fn archived_at(&self) -> Option<Timestamp> {
        self.0.archived_at.map(Into::into)
    }
    async fn channel(&self) -> Result<TipChannel> {
        Ok(TipChannel::from_db(&self.0.channel)?)
    }
    async fn content(&self) -> &str {
        &self.0.content
    }
    async fn status(&self) -> Result<TipStatus> {
        Ok(TipStatus::from_db(&self.0.status)?)
    }
    async fn assigned_agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(linked(ctx, self.0.assigned_agency_id, |l| &l.agency)
            .await?
            .map(Agency))
    }
    /// The case the tip was linked to, if the viewer may see it.
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<Case>> {
        let Some(id) = self.0.case_id else {
            return Ok(None);
        };
        let v = viewer(ctx)?;
        let scope = case_scope(v)?;
        let case = one(&loaders(ctx)?.case, id).await?;
        Ok(case
            .filter(|c| {
                c.archived_at.is_none()
                    && match scope {
                        CaseScope::All => true,
                        CaseScope::Commune(cid) => c.commune_id == Some(cid),
                    }
            })
            .map(Case))
    }
    async fn dismissal_reason(&self) -> Option<&str> {
        self.0.dismissal_reason.as_deref()
    }
    /// Who sent the tip (informant compartment; `null` also when anonymous).
    #[graphql(visible = "crate::graphql::guards::informant_visible")]
    async fn reporter_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        check_informant(viewer(ctx)?, &self.0, "reporterName")?;
        crate::graphql::workflow::note_read(ctx, "tip", self.0.id, "reporterName");
        Ok(reveal(ctx, self.0.reporter_name.as_deref())?)
    }
    /// How to reach the sender (informant compartment).
    #[graphql(visible = "crate::graphql::guards::informant_visible")]
    async fn reporter_contact(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        check_informant(viewer(ctx)?, &self.0, "reporterContact")?;
        crate::graphql::workflow::note_read(ctx, "tip", self.0.id, "reporterContact");
        Ok(reveal(ctx, self.0.reporter_contact.as_deref())?)
    }
}

fn check_informant(v: &Viewer, tip: &tips::Model, field: &str) -> AppResult<()> {
    if v.reads_informant(tip.assigned_agency_id) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "`{field}` is in the informant compartment, which your role may not read on this tip"
        )))
    }
}

/// Decrypts a stored informant field.
fn reveal(ctx: &Context<'_>, stored: Option<&str>) -> AppResult<Option<String>> {
    match stored {
        None => Ok(None),
        Some(s) => Ok(Some(
            crate::graphql::context::services(ctx)?
                .data_key
                .decrypt(s)?,
        )),
    }
}
