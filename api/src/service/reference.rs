//! Reference data: agencies, communes and border gates. Every signed-in role reads it; only
//! the administrator writes agencies and communes (DOMAIN.md:
//! "reference data ✓ (writes)" for admin). Codes are stable keys used by tokens, filters and
//! other records, so they are set once and never changed; updates carry the version the
//! client read.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

use entity::{agencies, border_gates, communes};

use crate::auth::Viewer;
use crate::domain::access::{Action, check_reference};
use crate::domain::vocab::{AgencyKind, AgencyLevel, CommuneKind};
use crate::error::{AppError, AppResult};
use crate::service::case_write::{agency_by_code, check_past_date, commune_by_code, required_text};
use crate::service::write::{Changes, Keyed, Writer, change, create};

/// A table every signed-in role reads whole (its access rule is [`check_reference`]): only
/// these can be listed by [`all_by_code`], so no other table is ever read under that rule.
pub trait ReferenceTable: EntityTrait {
    /// The stable code the list is ordered by.
    fn code() -> Self::Column;
}

impl ReferenceTable for agencies::Entity {
    fn code() -> Self::Column {
        agencies::Column::Code
    }
}

impl ReferenceTable for communes::Entity {
    fn code() -> Self::Column {
        communes::Column::Code
    }
}

impl ReferenceTable for border_gates::Entity {
    fn code() -> Self::Column {
        border_gates::Column::Code
    }
}

/// Every row of a reference table, by code.
pub async fn all_by_code<E: ReferenceTable, C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
) -> AppResult<Vec<E::Model>> {
    check_reference(viewer)?;
    Ok(E::find().order_by_asc(E::code()).all(conn).await?)
}

/// Who writes agencies and communes: the administrator.
const WRITE: Action = Action::WriteReferenceData;

/// A new agency (codes of its parent and commune, if any).
pub struct NewAgency {
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: AgencyKind,
    pub level: AgencyLevel,
    pub parent: Option<String>,
    pub commune: Option<String>,
    pub is_member: bool,
}

crate::changes! {
    /// Changes to an agency: `None` keeps a field; for the clearable ones `Some(None)` clears it.
    pub struct AgencyChanges {
        pub name: Option<String>,
        pub short_name: Option<Option<String>>,
        pub kind: Option<AgencyKind>,
        pub level: Option<AgencyLevel>,
        pub parent: Option<Option<String>>,
        pub commune: Option<Option<String>>,
        pub is_member: Option<bool>,
    }
}

/// A new commune, ward or special zone.
pub struct NewCommune {
    pub code: String,
    pub name: String,
    pub kind: CommuneKind,
    pub is_border: bool,
    pub committee_established_on: Option<NaiveDate>,
}

crate::changes! {
    /// Changes to a commune; `None` keeps a field.
    pub struct CommuneChanges {
        pub name: Option<String>,
        pub kind: Option<CommuneKind>,
        pub is_border: Option<bool>,
    }
}

/// A reference code: upper-case ASCII letters, digits and `_`, starting with a letter.
pub fn reference_code(code: &str) -> AppResult<String> {
    upper_case_code(code, 40, "UBND_DONG_DANG")
}

/// A stable code of 2 to `max` upper-case ASCII letters, digits and `_`, starting with a
/// letter: the rule of reference codes and campaign codes alike; `example` is shown when the
/// code is refused.
pub fn upper_case_code(code: &str, max: usize, example: &str) -> AppResult<String> {
    let c = code.trim();
    let ok = (2..=max).contains(&c.len())
        && c.starts_with(|ch: char| ch.is_ascii_uppercase())
        && c.chars()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_');
    if ok {
        Ok(c.to_string())
    } else {
        Err(AppError::bad_input(format!(
            "`code` must be 2 to {max} upper-case letters, digits or `_`, starting with a letter (e.g. {example})"
        )))
    }
}

/// A code is set once and names one row: `CONFLICT` when `column` of `E` already holds
/// `code`. `what` names the record in the message ("agency code QLTT is already used").
pub async fn check_code_free<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    column: E::Column,
    what: &str,
    code: &str,
) -> AppResult<()> {
    let taken = E::find().filter(column.eq(code)).one(conn).await?;
    if taken.is_some() {
        return Err(AppError::Conflict(format!(
            "{what} code {code} is already used"
        )));
    }
    Ok(())
}

fn short_name(v: Option<&str>) -> AppResult<Option<String>> {
    crate::service::case_write::optional_text("shortName", v, 100)
}

async fn load_agency<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<agencies::Model> {
    crate::service::rows::by_id::<agencies::Entity, _>(conn, id, "agency").await
}

async fn load_commune<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<communes::Model> {
    crate::service::rows::by_id::<communes::Entity, _>(conn, id, "commune").await
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

/// Adds an agency.
pub async fn create_agency(
    w: &Writer<'_>,
    input: NewAgency,
    keyed: Option<Keyed>,
) -> AppResult<agencies::Model> {
    create(w, WRITE, "createAgency", keyed, load_agency, async |txn| {
        let code = reference_code(&input.code)?;
        check_code_free::<agencies::Entity, _>(txn, agencies::Column::Code, "agency", &code)
            .await?;
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
        .await?;
        Ok(a)
    })
    .await
}

/// Changes an agency. Its code stays.
pub async fn update_agency(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    input: AgencyChanges,
) -> AppResult<agencies::Model> {
    input.check_not_empty()?;
    change(w, WRITE, "updateAgency", async |txn| {
        let a = load_agency(txn, id).await?;
        let mut am = <agencies::ActiveModel as Default>::default();
        if let Some(n) = &input.name {
            am.name = Set(required_text("name", n, 300)?);
        }
        if let Some(s) = &input.short_name {
            am.short_name = Set(short_name(s.as_deref())?);
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
            None => {}
            Some(None) => am.parent_id = Set(None),
            Some(Some(p)) => am.parent_id = Set(Some(parent_of(txn, p, Some(id)).await?)),
        }
        let commune = match &input.commune {
            None => a.commune_id,
            Some(None) => None,
            Some(Some(c)) => Some(commune_by_code(txn, c.trim()).await?.id),
        };
        check_commune_link(kind, level, commune)?;
        am.commune_id = Set(commune);
        if let Some(m) = input.is_member {
            am.is_member = Set(m);
        }
        crate::versioned_update!(txn, agencies, am, id, version)?;
        load_agency(txn, id).await
    })
    .await
}

/// Adds a commune, ward or special zone.
pub async fn create_commune(
    w: &Writer<'_>,
    input: NewCommune,
    keyed: Option<Keyed>,
) -> AppResult<communes::Model> {
    create(
        w,
        WRITE,
        "createCommune",
        keyed,
        load_commune,
        async |txn| {
            let code = reference_code(&input.code)?;
            check_code_free::<communes::Entity, _>(txn, communes::Column::Code, "commune", &code)
                .await?;
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
            .await?;
            Ok(c)
        },
    )
    .await
}

/// Changes a commune's name, kind or border flag. Its code stays.
pub async fn update_commune(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    input: CommuneChanges,
) -> AppResult<communes::Model> {
    input.check_not_empty()?;
    change(w, WRITE, "updateCommune", async |txn| {
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
        crate::versioned_update!(txn, communes, am, id, version)?;
        load_commune(txn, id).await
    })
    .await
}

/// Records the date a commune's 389 committee was set up, or `None` when it has none.
pub async fn set_commune_committee(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    established_on: Option<NaiveDate>,
) -> AppResult<communes::Model> {
    change(w, WRITE, "setCommuneCommittee", async |txn| {
        load_commune(txn, id).await?;
        if let Some(d) = established_on {
            check_past_date("establishedOn", d)?;
        }
        let am = communes::ActiveModel {
            committee_established_on: Set(established_on),
            ..Default::default()
        };
        crate::versioned_update!(txn, communes, am, id, version)?;
        load_commune(txn, id).await
    })
    .await
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
