//! Who the bearer of a verified token is: its agency and commune codes resolved to rows, and
//! checked against its role (a police token naming the customs agency is refused).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::auth::{Claims, Role, Viewer};
use crate::error::AppError;

/// The viewer of verified claims, or `UNAUTHENTICATED` when the claims do not fit the data.
pub async fn resolve(db: &DatabaseConnection, claims: Claims) -> Result<Viewer, AppError> {
    use entity::{agencies, communes};
    let agency = match &claims.agency {
        Some(code) => Some(
            agencies::Entity::find()
                .filter(agencies::Column::Code.eq(code.as_str()))
                .one(db)
                .await?
                .ok_or_else(|| {
                    AppError::Unauthenticated("the token names an unknown agency".into())
                })?,
        ),
        None => None,
    };
    if let Some(a) = &agency {
        let kind = crate::domain::vocab::AgencyKind::parse(&a.kind);
        if !kind.is_some_and(|k| crate::domain::access::role_fits_agency(claims.role, k)) {
            return Err(AppError::Unauthenticated(
                "the token's role does not fit its agency".into(),
            ));
        }
    }
    let commune = match (&claims.commune, claims.role) {
        (Some(code), Role::Commune) => Some(
            communes::Entity::find()
                .filter(communes::Column::Code.eq(code.as_str()))
                .one(db)
                .await?
                .ok_or_else(|| {
                    AppError::Unauthenticated("the token names an unknown commune".into())
                })?,
        ),
        _ => None,
    };
    // A commune user's agency is its own commune's committee.
    if let (Some(a), Some(c)) = (&agency, &commune)
        && a.commune_id != Some(c.id)
    {
        return Err(AppError::Unauthenticated(
            "the token's agency is not its commune's".into(),
        ));
    }
    Ok(Viewer {
        sub: claims.sub,
        role: claims.role,
        agency_id: agency.as_ref().map(|a| a.id),
        agency_code: agency.map(|a| a.code),
        commune_id: commune.as_ref().map(|c| c.id),
        commune_code: commune.map(|c| c.code),
    })
}
