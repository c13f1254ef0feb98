//! Reference-data mutations over [`crate::service::reference`] (agencies and communes, written
//! by the administrator).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::{Agency, Commune};
use crate::domain::vocab::{AgencyKind, AgencyLevel, CommuneKind};
use crate::graphql::context::Date;
use crate::graphql::ids::{NodeKind, parse_id};
use crate::graphql::workflow::{key_of, writer};
use crate::service::reference::{
    self as svc, AgencyChanges, CommuneChanges, NewAgency, NewCommune,
};

#[derive(Default)]
pub struct ReferenceMutation;

/// A new agency.
#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::admin_visible")]
pub struct NewAgencyInput {
    /// Upper-case code, e.g. `QLTT`, `UBND_DONG_DANG` (set once; tokens name it).
    pub code: String,
    /// Vietnamese name, e.g. "Chi cục Quản lý thị trường tỉnh Lạng Sơn".
    pub name: String,
    pub short_name: Option<String>,
    pub kind: AgencyKind,
    pub level: AgencyLevel,
    /// Code of the parent agency.
    pub parent: Option<String>,
    /// Code of its commune (required for a commune's people's committee).
    pub commune: Option<String>,
    /// Member of the provincial Steering Committee 389.
    pub is_member: bool,
}

/// Changes to an agency; absent fields stay as they are, `null` clears a clearable one.
#[derive(InputObject, Default)]
#[graphql(visible = "crate::graphql::guards::admin_visible")]
pub struct AgencyPatch {
    pub name: Option<String>,
    pub short_name: MaybeUndefined<String>,
    pub kind: Option<AgencyKind>,
    pub level: Option<AgencyLevel>,
    pub parent: MaybeUndefined<String>,
    pub commune: MaybeUndefined<String>,
    pub is_member: Option<bool>,
}

/// A new commune, ward or special zone.
#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::admin_visible")]
pub struct NewCommuneInput {
    /// Upper-case code, e.g. `DONG_DANG` (set once; tokens name it).
    pub code: String,
    pub name: String,
    pub kind: CommuneKind,
    pub is_border: bool,
    /// Date its 389 committee was set up; absent when not yet.
    pub committee_established_on: Option<Date>,
}

/// Changes to a commune; absent fields stay as they are. Its committee date is
/// `setCommuneCommittee`.
#[derive(InputObject, Default)]
#[graphql(visible = "crate::graphql::guards::admin_visible")]
pub struct CommunePatch {
    pub name: Option<String>,
    pub kind: Option<CommuneKind>,
    pub is_border: Option<bool>,
}

impl From<NewAgencyInput> for NewAgency {
    fn from(i: NewAgencyInput) -> NewAgency {
        NewAgency {
            code: i.code,
            name: i.name,
            short_name: i.short_name,
            kind: i.kind,
            level: i.level,
            parent: i.parent,
            commune: i.commune,
            is_member: i.is_member,
        }
    }
}

impl From<AgencyPatch> for AgencyChanges {
    fn from(p: AgencyPatch) -> AgencyChanges {
        AgencyChanges {
            name: p.name,
            short_name: p.short_name.into(),
            kind: p.kind,
            level: p.level,
            parent: p.parent.into(),
            commune: p.commune.into(),
            is_member: p.is_member,
        }
    }
}

impl From<NewCommuneInput> for NewCommune {
    fn from(i: NewCommuneInput) -> NewCommune {
        NewCommune {
            code: i.code,
            name: i.name,
            kind: i.kind,
            is_border: i.is_border,
            committee_established_on: i.committee_established_on.map(Into::into),
        }
    }
}

impl From<CommunePatch> for CommuneChanges {
    fn from(p: CommunePatch) -> CommuneChanges {
        CommuneChanges {
            name: p.name,
            kind: p.kind,
            is_border: p.is_border,
        }
    }
}

#[Object]
impl ReferenceMutation {
    /// Adds an agency (admin).
    #[graphql(visible = "crate::graphql::guards::admin_visible")]
    async fn create_agency(
        &self,
        ctx: &Context<'_>,
        input: NewAgencyInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<Agency>> {
        let keyed = key_of(ctx, idempotency_key.as_deref(), "createAgency")?;
        Ok(Some(Agency(
            svc::create_agency(&writer(ctx)?, input.into(), keyed).await?,
        )))
    }

    /// Changes an agency (admin). Its code stays.
    #[graphql(visible = "crate::graphql::guards::admin_visible")]
    async fn update_agency(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: AgencyPatch,
    ) -> Result<Option<Agency>> {
        let a = svc::update_agency(
            &writer(ctx)?,
            parse_id(&id, NodeKind::Agency)?,
            version,
            input.into(),
        )
        .await?;
        Ok(Some(Agency(a)))
    }

    /// Adds a commune, ward or special zone (admin).
    #[graphql(visible = "crate::graphql::guards::admin_visible")]
    async fn create_commune(
        &self,
        ctx: &Context<'_>,
        input: NewCommuneInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<Commune>> {
        let keyed = key_of(ctx, idempotency_key.as_deref(), "createCommune")?;
        Ok(Some(Commune(
            svc::create_commune(&writer(ctx)?, input.into(), keyed).await?,
        )))
    }

    /// Changes a commune's name, kind or border flag (admin). Its code stays.
    #[graphql(visible = "crate::graphql::guards::admin_visible")]
    async fn update_commune(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: CommunePatch,
    ) -> Result<Option<Commune>> {
        let c = svc::update_commune(
            &writer(ctx)?,
            parse_id(&id, NodeKind::Commune)?,
            version,
            input.into(),
        )
        .await?;
        Ok(Some(Commune(c)))
    }

    /// Records the date a commune's 389 committee was set up, or `null` when it has none
    /// (admin). Leaders' dashboards list the communes without one.
    #[graphql(visible = "crate::graphql::guards::admin_visible")]
    async fn set_commune_committee(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        established_on: Option<Date>,
    ) -> Result<Option<Commune>> {
        let id = parse_id(&id, NodeKind::Commune)?;
        let c =
            svc::set_commune_committee(&writer(ctx)?, id, version, established_on.map(Into::into))
                .await?;
        Ok(Some(Commune(c)))
    }
}
