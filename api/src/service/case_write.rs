//! Writing cases and their police, customs and core children: validation, permissions, the
//! status machine, all in the caller's transaction.

use chrono::NaiveDate;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use entity::{agencies, border_gates, campaigns, cases, communes};

use crate::auth::Viewer;
use crate::domain::access::{Action, Compartment, acting_agency};
use crate::domain::vocab::{AgencyKind, CaseStatus, Channel, Platform};
use crate::error::{AppError, AppResult};
use crate::text::{fold, nfc};

/// The lifecycle of DOMAIN.md: detected → verifying → handled administratively | transferred
/// to the investigating police → prosecuted → closed; verifying → dropped.
pub fn allowed_next(from: CaseStatus) -> &'static [CaseStatus] {
    use CaseStatus::*;
    match from {
        Detected => &[Verifying],
        Verifying => &[HandledAdministratively, TransferredToPolice, Dropped],
        HandledAdministratively => &[Closed],
        TransferredToPolice => &[Prosecuted],
        Prosecuted => &[Closed],
        Closed | Dropped => &[],
    }
}

pub fn check_transition(from: CaseStatus, to: CaseStatus) -> AppResult<()> {
    if allowed_next(from).contains(&to) {
        Ok(())
    } else {
        Err(AppError::bad_input(format!(
            "a case cannot go from {} to {}",
            from.as_str().to_uppercase(),
            to.as_str().to_uppercase()
        )))
    }
}

/// The case, if the viewer's agency leads it (else `NOT_FOUND` or `FORBIDDEN`).
pub async fn case_led_by_viewer<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    id: i64,
) -> AppResult<cases::Model> {
    let agency = acting_agency(viewer, Action::RecordCases)?;
    let case = cases::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such case".into()))?;
    if case.lead_agency_id != agency {
        return Err(AppError::forbidden("only the lead agency changes a case"));
    }
    Ok(case)
}

/// The case, if the viewer may write its `compartment` data: the lead agency, or any agency of
/// the compartment's own kind (police for police data, customs for customs data).
pub async fn case_for_compartment_write<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    id: i64,
    compartment: Compartment,
) -> AppResult<cases::Model> {
    let case = cases::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such case".into()))?;
    // Writes follow the reads of the matrix: whoever reads the compartment on this case
    // (the lead agency; the police everywhere for police data, the customs for customs data).
    if viewer.reads_case_compartment(compartment, case.lead_agency_id) {
        if case.archived_at.is_some() {
            return Err(AppError::bad_input(
                "the case is archived; restore it first",
            ));
        }
        Ok(case)
    } else {
        Err(AppError::forbidden(format!(
            "only the lead agency or {} may write this data",
            match compartment {
                Compartment::Police => "the police",
                Compartment::Customs => "customs",
                Compartment::Informant => "the police agency the tip is assigned to",
            }
        )))
    }
}

pub fn not_archived(case: &cases::Model) -> AppResult<()> {
    if case.archived_at.is_some() {
        Err(AppError::bad_input(
            "the case is archived; restore it first",
        ))
    } else {
        Ok(())
    }
}

/// Required text: trimmed, NFC, 1..=max characters.
pub fn required_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let v = nfc(value);
    if v.is_empty() {
        return Err(AppError::bad_input(format!("`{field}` must not be empty")));
    }
    if v.chars().count() > max {
        return Err(AppError::bad_input(format!(
            "`{field}` is longer than {max} characters"
        )));
    }
    Ok(v)
}

pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value.map(nfc).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(AppError::bad_input(format!(
            "`{field}` is longer than {max} characters"
        ))),
        Some(v) => Ok(Some(v)),
    }
}

/// A detection date: not in the future (Vietnam time), not absurdly old.
pub fn check_past_date(field: &str, d: NaiveDate) -> AppResult<()> {
    let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(NaiveDate::MIN);
    if d > crate::time::today() {
        return Err(AppError::bad_input(format!("`{field}` is in the future")));
    }
    if d < earliest {
        return Err(AppError::bad_input(format!("`{field}` is before 1990")));
    }
    Ok(())
}

/// Platforms belong to online channels only.
pub fn check_platform(channel: Channel, platform: Option<Platform>) -> AppResult<()> {
    if platform.is_some() && !matches!(channel, Channel::ECommerce | Channel::SocialNetwork) {
        return Err(AppError::bad_input(
            "`platform` is only for e-commerce and social-network cases",
        ));
    }
    Ok(())
}

pub async fn commune_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<communes::Model> {
    communes::Entity::find()
        .filter(communes::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input(format!("unknown commune code `{code}`")))
}

pub async fn gate_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<border_gates::Model> {
    border_gates::Entity::find()
        .filter(border_gates::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input(format!("unknown border gate code `{code}`")))
}

pub async fn agency_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<agencies::Model> {
    agencies::Entity::find()
        .filter(agencies::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input(format!("unknown agency code `{code}`")))
}

pub async fn campaign_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<campaigns::Model> {
    campaigns::Entity::find()
        .filter(campaigns::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input(format!("unknown campaign code `{code}`")))
}

pub async fn police_agency<C: ConnectionTrait>(conn: &C, code: &str) -> AppResult<agencies::Model> {
    let a = agency_by_code(conn, code).await?;
    if AgencyKind::parse(&a.kind) != Some(AgencyKind::Police) {
        return Err(AppError::bad_input(format!(
            "`{code}` is not a police agency"
        )));
    }
    Ok(a)
}

/// Recomputes a case's folded search key from its core facts (never restricted data).
pub async fn search_key<C: ConnectionTrait>(conn: &C, case: &cases::Model) -> AppResult<String> {
    let commune = match case.commune_id {
        Some(id) => communes::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|c| c.name),
        None => None,
    };
    let gate = match case.border_gate_id {
        Some(id) => border_gates::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|g| g.name),
        None => None,
    };
    Ok(fold(&format!(
        "{} {} {} {} {}",
        case.code,
        case.title,
        case.goods_summary,
        commune.unwrap_or_default(),
        gate.unwrap_or_default()
    )))
}

/// Sets the search key (and nothing else) after a change of the facts it is made of.
pub async fn refresh_search_key<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<cases::Model> {
    let case = cases::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such case".into()))?;
    let key = search_key(conn, &case).await?;
    cases::Entity::update_many()
        .col_expr(
            cases::Column::SearchKey,
            sea_orm::sea_query::Expr::value(key),
        )
        .filter(cases::Column::Id.eq(id))
        .exec(conn)
        .await?;
    cases::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such case".into()))
}

/// A case with its version bumped and `updated_at` set; used as the base of every update.
pub fn touch() -> cases::ActiveModel {
    cases::ActiveModel {
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_is_checked() {
        use CaseStatus::*;
        let legal = [
            (Detected, Verifying),
            (Verifying, HandledAdministratively),
            (Verifying, TransferredToPolice),
            (Verifying, Dropped),
            (HandledAdministratively, Closed),
            (TransferredToPolice, Prosecuted),
            (Prosecuted, Closed),
        ];
        for &from in CaseStatus::ALL {
            for &to in CaseStatus::ALL {
                assert_eq!(
                    check_transition(from, to).is_ok(),
                    legal.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        let msg = check_transition(Closed, Detected).unwrap_err().message();
        assert!(msg.contains("CLOSED") && msg.contains("DETECTED"), "{msg}");
    }
}
