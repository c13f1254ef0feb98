//! Reference data (agencies, communes, border gates) and `me`. Every authenticated role reads
//! it; only the admin writes it (see [`mutation`]).

pub mod mutation;

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use entity::{agencies, border_gates, communes};

use crate::auth::Role;
use crate::domain::vocab::{AgencyKind, AgencyLevel, BorderGateKind, CommuneKind};
use crate::graphql::context::{Date, db, linked, loaders, viewer};
use crate::graphql::loaders::one;
use crate::service::reference::all_by_code;

#[derive(Default)]
pub struct ReferenceQuery;

/// Who the viewer is, as the server understood the token.
#[derive(SimpleObject)]
pub struct Me {
    pub subject: String,
    pub role: Role,
    pub agency: Option<Agency>,
    pub commune: Option<Commune>,
}

#[Object]
impl ReferenceQuery {
    /// The viewer's role, agency and commune.
    async fn me(&self, ctx: &Context<'_>) -> Result<Me> {
        let v = viewer(ctx)?;
        let agency = linked(ctx, v.agency_id, |l| &l.agency).await?.map(Agency);
        let commune = linked(ctx, v.commune_id, |l| &l.commune)
            .await?
            .map(Commune);
        Ok(Me {
            subject: v.sub.clone(),
            role: v.role,
            agency,
            commune,
        })
    }

    /// All agencies, by code.
    async fn agencies(&self, ctx: &Context<'_>) -> Result<Vec<Agency>> {
        let rows = all_by_code::<agencies::Entity, _>(db(ctx)?, viewer(ctx)?).await?;
        Ok(rows.into_iter().map(Agency).collect())
    }

    /// All communes, wards and special zones, by code.
    async fn communes(&self, ctx: &Context<'_>) -> Result<Vec<Commune>> {
        let rows = all_by_code::<communes::Entity, _>(db(ctx)?, viewer(ctx)?).await?;
        Ok(rows.into_iter().map(Commune).collect())
    }

    /// Border gates, trails and openings.
    async fn border_gates(&self, ctx: &Context<'_>) -> Result<Vec<BorderGate>> {
        let rows = all_by_code::<border_gates::Entity, _>(db(ctx)?, viewer(ctx)?).await?;
        Ok(rows.into_iter().map(BorderGate).collect())
    }
}

/// An agency (cơ quan, đơn vị).
pub struct Agency(pub agencies::Model);

#[Object]
impl Agency {
    pub async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Agency, self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Optimistic-concurrency version: pass it back to update the record (admin).
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn short_name(&self) -> Option<&str> {
        self.0.short_name.as_deref()
    }
    async fn kind(&self) -> Result<AgencyKind> {
        Ok(AgencyKind::from_db(&self.0.kind)?)
    }
    async fn level(&self) -> Result<AgencyLevel> {
        Ok(AgencyLevel::from_db(&self.0.level)?)
    }
    /// Member of the provincial Steering Committee 389.
    async fn is_member(&self) -> bool {
        self.0.is_member
    }
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(linked(ctx, self.0.parent_id, |l| &l.parent_agency)
            .await?
            .map(Agency))
    }
    /// For a commune's people's committee: its commune.
    async fn commune(&self, ctx: &Context<'_>) -> Result<Option<Commune>> {
        Ok(linked(ctx, self.0.commune_id, |l| &l.commune)
            .await?
            .map(Commune))
    }
}

/// A commune, ward or special zone.
pub struct Commune(pub communes::Model);

#[Object]
impl Commune {
    pub async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Commune, self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Optimistic-concurrency version: pass it back to update the record (admin).
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn kind(&self) -> Result<CommuneKind> {
        Ok(CommuneKind::from_db(&self.0.kind)?)
    }
    /// On the national border.
    async fn is_border(&self) -> bool {
        self.0.is_border
    }
    /// Date its 389 committee was set up; `null` when not yet.
    async fn committee_established_on(&self) -> Option<Date> {
        self.0.committee_established_on.map(Into::into)
    }
}

/// A border gate, trail or opening.
pub struct BorderGate(pub border_gates::Model);

#[Object]
impl BorderGate {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> Result<BorderGateKind> {
        Ok(BorderGateKind::from_db(&self.0.kind)?)
    }
    async fn commune(&self, ctx: &Context<'_>) -> Result<Option<Commune>> {
        Ok(one(&loaders(ctx)?.gate_commune, self.0.commune_id)
            .await?
            .map(Commune))
    }
}
