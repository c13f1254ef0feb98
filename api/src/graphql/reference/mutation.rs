//! Writing reference data: agencies and communes. Only the administrator writes it (DOMAIN.md:
//! "reference data ✓ (writes)" for admin). Codes are stable keys used by tokens, filters and
//! other records, so they are set once and never changed. Every write is one transaction with
//! its audit event; updates carry the version the client read.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use entity::{agencies, communes};

use super::{Agency, Commune};
use crate::domain::access::{Action, check};
use crate::domain::vocab::{AgencyKind, AgencyLevel, CommuneKind};
use crate::error::{AppError, AppResult};
use crate::graphql::context::viewer;
use crate::graphql::ids::parse_id;
use crate::graphql::workflow::{key_of, writer};
use crate::service::case_write::{agency_by_code, check_past_date, commune_by_code, required_text};
use crate::service::write::{Done, write};
use crate::versioned_update;

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
    pub committee_established_on: Option<NaiveDate>,
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

/// A reference code: upper-case ASCII letters, digits and `_`, starting with a letter.
pub fn reference_code(code: &str) -> AppResult<String> {
    let c = code.trim();
    let ok = (2..=40).contains(&c.len())
        && c.starts_with(|ch: char| ch.is_ascii_uppercase())
        && c.chars()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_');
    if ok {
        Ok(c.to_string())
    } else {
        Err(AppError::bad_input(
            "`code` must be 2 to 40 upper-case letters, digits or `_`, starting with a letter (e.g. UBND_DONG_DANG)",
        ))
    }
}

fn short_name(v: Option<&str>) -> AppResult<Option<String>> {
    crate::service::case_write::optional_text("shortName", v, 100)
}

async fn load_agency<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<agencies::Model> {
    agencies::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such agency".into()))
}

async fn load_commune<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<communes::Model> {
    communes::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such commune".into()))
}

/// The parent agency by code, refusing a chain that would lead back to `agency` itself.
async fn parent_of<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    agency: Option<i64>,
) -> AppResult<i64> {
    let parent = agency_by_code(conn, code.trim()).await?;
    let Some(me) = agency else {
        return Ok(parent.id);
    };
    let mut cursor = Some(parent.clone());
    let mut steps = 0;
    while let Some(a) = cursor {
        if a.id == me {
            return Err(AppError::bad_input(
                "`parent` would make the agency its own ancestor",
            ));
        }
        steps += 1;
        if steps > 100 {
            break;
        }
        cursor = match a.parent_id {
            Some(p) => agencies::Entity::find_by_id(p).one(conn).await?,
            None => None,
        };
    }
    Ok(parent.id)
}

/// A commune's people's committee (and any commune-level agency) names its commune.
fn check_commune_link(kind: AgencyKind, level: AgencyLevel, commune: Option<i64>) -> AppResult<()> {
    if (kind == AgencyKind::Commune || level == AgencyLevel::Commune) && commune.is_none() {
        return Err(AppError::bad_input(
            "a commune-level agency must name its `commune`",
        ));
    }
    Ok(())
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
    ) -> Result<Agency> {
        let v = viewer(ctx)?;
        check(v, Action::WriteReferenceData)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "createAgency")?;
        let a = write(
            &writer(ctx)?,
            "createAgency",
            keyed,
            async |txn, id| load_agency(txn, id).await,
            async |txn| {
                let code = reference_code(&input.code)?;
                let taken = agencies::Entity::find()
                    .filter(agencies::Column::Code.eq(code.as_str()))
                    .one(txn)
                    .await
                    .map_err(AppError::from)?;
                if taken.is_some() {
                    return Err(AppError::Conflict(format!(
                        "agency code {code} is already used"
                    )));
                }
                let parent = match &input.parent {
                    Some(p) => Some(parent_of(txn, p, None).await?),
                    None => None,
                };
                let commune = match &input.commune {
                    Some(c) => Some(commune_by_code(txn, c.trim()).await?.id),
                    None => None,
                };
                check_commune_link(input.kind, input.level, commune)?;
                let a = agencies::ActiveModel {
                    code: Set(code),
                    name: Set(required_text("name", &input.name, 300)?),
                    short_name: Set(short_name(input.short_name.as_deref())?),
                    kind: Set(input.kind.as_str().into()),
                    level: Set(input.level.as_str().into()),
                    parent_id: Set(parent),
                    commune_id: Set(commune),
                    is_member: Set(input.is_member),
                    version: Set(1),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(AppError::from)?;
                Ok(Done::of(a))
            },
        )
        .await?;
        Ok(Agency(a))
    }

    /// Changes an agency (admin). Its code stays.
    #[graphql(visible = "crate::graphql::guards::admin_visible")]
    async fn update_agency(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: AgencyPatch,
    ) -> Result<Agency> {
        let v = viewer(ctx)?;
        check(v, Action::WriteReferenceData)?;
        let id = parse_id(&id)?;
        let a = write(
            &writer(ctx)?,
            "updateAgency",
            None,
            async |txn, id| load_agency(txn, id).await,
            async |txn| {
                let a = load_agency(txn, id).await?;
                let mut am = <agencies::ActiveModel as Default>::default();
                if let Some(n) = &input.name {
                    am.name = Set(required_text("name", n, 300)?);
                }
                match &input.short_name {
                    MaybeUndefined::Undefined => {}
                    MaybeUndefined::Null => am.short_name = Set(None),
                    MaybeUndefined::Value(s) => am.short_name = Set(short_name(Some(s))?),
                }
                let kind = match input.kind {
                    Some(k) => k,
                    None => AgencyKind::from_db(&a.kind)?,
                };
                let level = match input.level {
                    Some(l) => l,
                    None => AgencyLevel::from_db(&a.level)?,
                };
                am.kind = Set(kind.as_str().into());
                am.level = Set(level.as_str().into());
                match &input.parent {
                    MaybeUndefined::Undefined => {}
                    MaybeUndefined::Null => am.parent_id = Set(None),
                    MaybeUndefined::Value(p) => {
                        am.parent_id = Set(Some(parent_of(txn, p, Some(id)).await?))
                    }
                }
                let commune = match &input.commune {
                    MaybeUndefined::Undefined => a.commune_id,
                    MaybeUndefined::Null => None,
                    MaybeUndefined::Value(c) => Some(commune_by_code(txn, c.trim()).await?.id),
                };
                check_commune_link(kind, level, commune)?;
                am.commune_id = Set(commune);
                if let Some(m) = input.is_member {
                    am.is_member = Set(m);
                }
                versioned_update!(txn, agencies, am, id, version)?;
                let a = load_agency(txn, id).await?;
                Ok(Done::of(a))
            },
        )
        .await?;
        Ok(Agency(a))
    }

    /// Adds a commune, ward or special zone (admin).
    #[graphql(visible = "crate::graphql::guards::admin_visible")]
    async fn create_commune(
        &self,
        ctx: &Context<'_>,
        input: NewCommuneInput,
        idempotency_key: Option<String>,
    ) -> Result<Commune> {
        let v = viewer(ctx)?;
        check(v, Action::WriteReferenceData)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "createCommune")?;
        let c = write(
            &writer(ctx)?,
            "createCommune",
            keyed,
            async |txn, id| load_commune(txn, id).await,
            async |txn| {
                let code = reference_code(&input.code)?;
                let taken = communes::Entity::find()
                    .filter(communes::Column::Code.eq(code.as_str()))
                    .one(txn)
                    .await
                    .map_err(AppError::from)?;
                if taken.is_some() {
                    return Err(AppError::Conflict(format!(
                        "commune code {code} is already used"
                    )));
                }
                if let Some(d) = input.committee_established_on {
                    check_past_date("committeeEstablishedOn", d)?;
                }
                let c = communes::ActiveModel {
                    code: Set(code),
                    name: Set(required_text("name", &input.name, 200)?),
                    kind: Set(input.kind.as_str().into()),
                    is_border: Set(input.is_border),
                    committee_established_on: Set(input.committee_established_on),
                    version: Set(1),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(AppError::from)?;
                Ok(Done::of(c))
            },
        )
        .await?;
        Ok(Commune(c))
    }

    /// Changes a commune's name, kind or border flag (admin). Its code stays.
    #[graphql(visible = "crate::graphql::guards::admin_visible")]
    async fn update_commune(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: CommunePatch,
    ) -> Result<Commune> {
        let v = viewer(ctx)?;
        check(v, Action::WriteReferenceData)?;
        let id = parse_id(&id)?;
        let c = write(
            &writer(ctx)?,
            "updateCommune",
            None,
            async |txn, id| load_commune(txn, id).await,
            async |txn| {
                load_commune(txn, id).await?;
                let mut am = <communes::ActiveModel as Default>::default();
                if let Some(n) = &input.name {
                    am.name = Set(required_text("name", n, 200)?);
                }
                if let Some(k) = input.kind {
                    am.kind = Set(k.as_str().into());
                }
                if let Some(b) = input.is_border {
                    am.is_border = Set(b);
                }
                versioned_update!(txn, communes, am, id, version)?;
                let c = load_commune(txn, id).await?;
                Ok(Done::of(c))
            },
        )
        .await?;
        Ok(Commune(c))
    }

    /// Records the date a commune's 389 committee was set up, or `null` when it has none
    /// (admin). Leaders' dashboards list the communes without one.
    #[graphql(visible = "crate::graphql::guards::admin_visible")]
    async fn set_commune_committee(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        established_on: Option<NaiveDate>,
    ) -> Result<Commune> {
        let v = viewer(ctx)?;
        check(v, Action::WriteReferenceData)?;
        let id = parse_id(&id)?;
        let c = write(
            &writer(ctx)?,
            "setCommuneCommittee",
            None,
            async |txn, id| load_commune(txn, id).await,
            async |txn| {
                load_commune(txn, id).await?;
                if let Some(d) = established_on {
                    check_past_date("establishedOn", d)?;
                }
                let am = communes::ActiveModel {
                    committee_established_on: Set(established_on),
                    ..Default::default()
                };
                versioned_update!(txn, communes, am, id, version)?;
                let c = load_commune(txn, id).await?;
                Ok(Done::of(c))
            },
        )
        .await?;
        Ok(Commune(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_codes() {
        assert_eq!(reference_code("UBND_DONG_DANG").unwrap(), "UBND_DONG_DANG");
        for bad in ["", "A", "ubnd", "1CA", "ĐỒNG_ĐĂNG", "A B"] {
            assert!(reference_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn commune_level_agencies_name_their_commune() {
        assert!(check_commune_link(AgencyKind::Commune, AgencyLevel::Commune, None).is_err());
        assert!(check_commune_link(AgencyKind::Police, AgencyLevel::Commune, None).is_err());
        assert!(check_commune_link(AgencyKind::Commune, AgencyLevel::Commune, Some(1)).is_ok());
        assert!(check_commune_link(AgencyKind::Police, AgencyLevel::Provincial, None).is_ok());
    }
}
