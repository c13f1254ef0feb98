//! The publication workflow: the case's lead agency drafts a public summary, the standing
//! office approves or rejects it, and either may withdraw it once published.
//!
//! Status machine: draft → approved | rejected; rejected → draft (when the drafter revises it);
//! approved → withdrawn. Anything else is `BAD_USER_INPUT` naming both states. Every text is
//! checked against the case's restricted data ([`crate::service::publication_check`]) when drafted, revised and
//! approved.

use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};

use entity::{agencies, cases, publications};

use super::Publication;
use crate::auth::{Role, Viewer};
use crate::domain::access::{Action, acting_agency, check};
use crate::domain::vocab::{CaseStatus, PUBLIC_FACTS, PublicationStatus};
use crate::error::{AppError, AppResult};
use crate::graphql::context::{RequestCtx, db, services, viewer};
use crate::graphql::ids::parse_id;
use crate::graphql::workflow::{Audit, audit, idempotent_result, remember, request};
use crate::service::case_write::{optional_text, required_text};
use crate::service::publication_check::{Finding, Restricted, finding_error, restricted_of_case};
use crate::versioned_update;

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

/// Case statuses whose outcome is settled enough to publicise ("never ongoing
/// investigations": a case still detected, under verification, with the police but not yet
/// prosecuted, or dropped is not published).
const PUBLISHABLE: &[CaseStatus] = &[
    CaseStatus::HandledAdministratively,
    CaseStatus::Prosecuted,
    CaseStatus::Closed,
];

const HEADLINE_MAX: usize = 300;
const BODY_MAX: usize = 20_000;
const REASON_MAX: usize = 2_000;

/// The allowed moves of a publication.
pub fn allowed_next(from: PublicationStatus) -> &'static [PublicationStatus] {
    use PublicationStatus::*;
    match from {
        Draft => &[Approved, Rejected],
        Rejected => &[Draft],
        Approved => &[Withdrawn],
        Withdrawn => &[],
    }
}

pub fn check_transition(from: PublicationStatus, to: PublicationStatus) -> AppResult<()> {
    if allowed_next(from).contains(&to) {
        Ok(())
    } else {
        Err(AppError::bad_input(format!(
            "a publication cannot go from {} to {}",
            from.as_str().to_uppercase(),
            to.as_str().to_uppercase()
        )))
    }
}

/// Whether `v` is the agency asked to review this text, and it still waits for that review.
fn is_reviewer(v: &Viewer, p: &publications::Model) -> bool {
    crate::domain::access::reach(v.role, crate::domain::access::Compartment::Informant)
        != crate::domain::access::Reach::None
        && p.review_agency_id.is_some()
        && v.agency_id == p.review_agency_id
        && p.reviewed_at.is_none()
}

/// Validates the public facts: known names, no duplicates, stored comma-separated.
fn facts(list: &[String]) -> AppResult<String> {
    let mut out: Vec<&str> = vec![];
    for f in list {
        let f = f.trim();
        let known = PUBLIC_FACTS.iter().find(|p| **p == f).ok_or_else(|| {
            AppError::bad_input(format!(
                "`publicFacts`: unknown fact; allowed: {}",
                PUBLIC_FACTS.join(", ")
            ))
        })?;
        if !out.contains(known) {
            out.push(known);
        }
    }
    Ok(out.join(","))
}

async fn load_case(txn: &DatabaseTransaction, id: i64) -> AppResult<cases::Model> {
    cases::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such case".into()))
}

async fn load(txn: &DatabaseTransaction, id: i64) -> AppResult<publications::Model> {
    publications::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such publication".into()))
}

/// A case can be published only once its outcome is known, and not when archived.
fn check_publishable(case: &cases::Model) -> AppResult<()> {
    if case.archived_at.is_some() {
        return Err(AppError::bad_input(
            "the case is archived; restore it first",
        ));
    }
    let status = CaseStatus::from_db(&case.status)?;
    if PUBLISHABLE.contains(&status) {
        Ok(())
    } else {
        Err(AppError::bad_input(format!(
            "a case in status {} cannot be published: only HANDLED_ADMINISTRATIVELY, PROSECUTED \
             or CLOSED cases are",
            status.as_str().to_uppercase()
        )))
    }
}

fn not_archived(p: &publications::Model) -> AppResult<()> {
    if p.archived_at.is_some() {
        Err(AppError::bad_input(
            "the publication is archived; restore it first",
        ))
    } else {
        Ok(())
    }
}

/// The case's restricted data, for the checks.
async fn restricted(
    ctx: &Context<'_>,
    txn: &DatabaseTransaction,
    case: &cases::Model,
) -> AppResult<Restricted> {
    restricted_of_case(txn, &services(ctx)?.data_key, case.id, case.lead_agency_id).await
}

/// Who reviews a text for the data of the case its drafter may not read: the agency a linked
/// tip is assigned to, if a role that reads informants fits it (the police). `None` when no
/// such agency exists; the check at approval still covers those data. With several such
/// tips, the first agency reviews (the approval's check covers the others' data too).
async fn review_agency(
    txn: &DatabaseTransaction,
    restricted: &Restricted,
    v: &Viewer,
) -> AppResult<Option<i64>> {
    let candidates = restricted.unreadable_tip_agencies(v);
    if candidates.is_empty() {
        return Ok(None);
    }
    // An agency whose kind fits a role that reads informants (the access matrix decides).
    let readers = agencies::Entity::find()
        .filter(agencies::Column::Id.is_in(candidates.clone()))
        .all(txn)
        .await?
        .into_iter()
        .filter(|a| {
            crate::domain::vocab::AgencyKind::parse(&a.kind)
                .is_some_and(crate::domain::access::reads_informants_as)
        })
        .map(|a| a.id)
        .collect::<Vec<_>>();
    Ok(candidates.into_iter().find(|c| readers.contains(c)))
}

/// Who is refused a text, which decides what it is told and whether it counts as probing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    /// The drafting agency, told the kind of a datum it may read. Its refusals are counted per
    /// user: past `HUB389_PUBLICATION_REFUSALS_PER_HOUR` it is answered `RATE_LIMITED` and an
    /// alert is audited, so nobody can probe texts against the case's data at speed.
    Drafter,
    /// The reviewing agency, told the kind of a datum it may read. It cannot change the text,
    /// so it cannot probe: not counted.
    Reviewer,
    /// The standing office at approval: it reads none of the compartments, so it is only told
    /// to send the text back.
    Approver,
}

/// Ends a write whose text holds restricted data: rolls the transaction back, then records
/// the refusal (the attempt touched restricted data, so it belongs in the audit trail even
/// though nothing changed), and says what the viewer may be told.
async fn refuse(
    ctx: &Context<'_>,
    txn: DatabaseTransaction,
    v: &Viewer,
    case_id: i64,
    finding: Finding,
    who: Refused,
) -> AppError {
    if let Err(e) = txn.rollback().await {
        return AppError::from(e);
    }
    let (conn, services, req) = match (db(ctx), services(ctx), request(ctx)) {
        (Ok(c), Ok(s), Ok(r)) => (c, s, r),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
    };
    let (operation, error) = match who {
        Refused::Drafter
            if !services
                .limiters
                .refusals
                .check(&crate::limiter::ClientKey::User(v.sub.clone())) =>
        {
            tracing::warn!(subject = %v.sub, case_id, "repeated publication text refusals");
            (
                "publicationRefusalsAlert",
                AppError::RateLimited(
                    "too many refused texts in the last hour; try again later (the refusals \
                     were reported)"
                        .into(),
                ),
            )
        }
        Refused::Drafter | Refused::Reviewer => ("publicationTextRefused", finding_error(finding)),
        Refused::Approver => (
            "publicationTextRefused",
            AppError::bad_input(
                "the text contains restricted data of the case; reject it so that the drafting \
                 agency revises it",
            ),
        ),
    };
    let logged = audit(
        conn,
        Some(v),
        &req.request_id,
        Audit {
            operation,
            entity: "case",
            ids: vec![case_id],
            restricted_fields: vec![finding.field()],
        },
    )
    .await;
    if let Err(e) = logged {
        tracing::error!(error = ?e.into_anyhow(), "could not audit a refused publication text");
    }
    error
}

async fn record(
    txn: &DatabaseTransaction,
    v: &Viewer,
    req: &RequestCtx,
    operation: &str,
    id: i64,
) -> AppResult<()> {
    audit(
        txn,
        Some(v),
        &req.request_id,
        Audit {
            operation,
            entity: "publication",
            ids: vec![id],
            restricted_fields: vec![],
        },
    )
    .await
}

/// Moves a publication to `to` (the caller has checked who may), with its side fields.
async fn move_to(
    txn: &DatabaseTransaction,
    p: &publications::Model,
    version: i32,
    to: PublicationStatus,
    reason: Option<String>,
) -> AppResult<publications::Model> {
    not_archived(p)?;
    check_transition(PublicationStatus::from_db(&p.status)?, to)?;
    let now = chrono::Utc::now();
    let mut am = publications::ActiveModel {
        status: Set(to.as_str().into()),
        updated_at: Set(now),
        ..Default::default()
    };
    match to {
        PublicationStatus::Approved => {
            am.approved_at = Set(Some(now));
            am.review_reason = Set(None);
        }
        PublicationStatus::Rejected | PublicationStatus::Withdrawn => {
            am.review_reason = Set(reason);
        }
        PublicationStatus::Draft => {}
    }
    versioned_update!(txn, publications, am, p.id, version)?;
    load(txn, p.id).await
}

#[Object]
impl PublicationMutation {
    /// Drafts the public summary of a case (the case's lead agency). Only cases handled
    /// administratively, prosecuted or closed can be published, and the text must not contain
    /// any restricted datum of the case.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn draft_publication(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: PublicationInput,
        idempotency_key: Option<String>,
    ) -> Result<Publication> {
        let v = viewer(ctx)?;
        let agency = acting_agency(v, Action::DraftPublications)?;
        let req = request(ctx)?;
        let case_id = parse_id(&case_id)?;
        let conn = db(ctx)?;
        let txn = crate::graphql::workflow::begin(conn).await?;
        if let Some(key) = &idempotency_key
            && let Some(id) = idempotent_result(ctx, &txn, &v.sub, key, "draftPublication").await?
        {
            return Ok(Publication(load(&txn, id).await?));
        }
        let case = load_case(&txn, case_id).await?;
        if case.lead_agency_id != agency {
            return Err(
                AppError::forbidden("only the case's lead agency drafts its publication").into(),
            );
        }
        check_publishable(&case)?;
        let headline = required_text("headline", &input.headline, HEADLINE_MAX)?;
        let body = required_text("body", &input.body, BODY_MAX)?;
        let public_facts = facts(input.public_facts.as_deref().unwrap_or_default())?;
        let restricted = restricted(ctx, &txn, &case).await?;
        if let Some(f) = restricted.scan_readable(v, &[&headline, &body]) {
            return Err(refuse(ctx, txn, v, case_id, f, Refused::Drafter)
                .await
                .into());
        }
        let review_agency_id = review_agency(&txn, &restricted, v).await?;
        let now = chrono::Utc::now();
        let p = publications::ActiveModel {
            case_id: Set(case_id),
            headline: Set(headline),
            body: Set(body),
            public_facts: Set(public_facts),
            status: Set(PublicationStatus::Draft.as_str().into()),
            drafted_by_agency_id: Set(agency),
            review_reason: Set(None),
            approved_at: Set(None),
            review_agency_id: Set(review_agency_id),
            reviewed_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            archived_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        if let Some(key) = &idempotency_key {
            remember(
                ctx,
                &txn,
                &v.sub,
                key,
                "draftPublication",
                "publication",
                p.id,
            )
            .await?;
        }
        record(&txn, v, req, "draftPublication", p.id).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(Publication(p))
    }

    /// Revises a draft or a rejected publication (the drafting agency); a rejected one goes
    /// back to draft. The text is checked again.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn update_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: PublicationInput,
    ) -> Result<Publication> {
        let v = viewer(ctx)?;
        let agency = acting_agency(v, Action::DraftPublications)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let conn = db(ctx)?;
        let txn = crate::graphql::workflow::begin(conn).await?;
        let p = load(&txn, id).await?;
        if p.drafted_by_agency_id != agency {
            return Err(
                AppError::forbidden("only the drafting agency revises a publication").into(),
            );
        }
        not_archived(&p)?;
        let from = PublicationStatus::from_db(&p.status)?;
        if from != PublicationStatus::Draft {
            check_transition(from, PublicationStatus::Draft)?;
        }
        let case = load_case(&txn, p.case_id).await?;
        check_publishable(&case)?;
        let headline = required_text("headline", &input.headline, HEADLINE_MAX)?;
        let body = required_text("body", &input.body, BODY_MAX)?;
        let public_facts = match &input.public_facts {
            Some(list) => facts(list)?,
            None => p.public_facts.clone(),
        };
        let restricted = restricted(ctx, &txn, &case).await?;
        if let Some(f) = restricted.scan_readable(v, &[&headline, &body]) {
            return Err(refuse(ctx, txn, v, p.case_id, f, Refused::Drafter)
                .await
                .into());
        }
        let review_agency_id = review_agency(&txn, &restricted, v).await?;
        let am = publications::ActiveModel {
            headline: Set(headline),
            body: Set(body),
            public_facts: Set(public_facts),
            // A changed text is reviewed again.
            review_agency_id: Set(review_agency_id),
            reviewed_at: Set(None),
            status: Set(PublicationStatus::Draft.as_str().into()),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        };
        versioned_update!(&txn, publications, am, id, version)?;
        record(&txn, v, req, "updatePublication", id).await?;
        let p = load(&txn, id).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(Publication(p))
    }

    /// Approves a draft for publication (the standing office). The text is checked once more
    /// against the case's restricted data, which may have grown since it was drafted.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn approve_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<Publication> {
        let v = viewer(ctx)?;
        check(v, Action::ApprovePublications)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let conn = db(ctx)?;
        let txn = crate::graphql::workflow::begin(conn).await?;
        let p = load(&txn, id).await?;
        not_archived(&p)?;
        check_transition(
            PublicationStatus::from_db(&p.status)?,
            PublicationStatus::Approved,
        )?;
        let case = load_case(&txn, p.case_id).await?;
        check_publishable(&case)?;
        if p.review_agency_id.is_some() && p.reviewed_at.is_none() {
            return Err(AppError::bad_input(
                "the text waits for its review by the agency that holds restricted data of the case",
            )
            .into());
        }
        if let Some(f) = restricted(ctx, &txn, &case)
            .await?
            .scan(&[&p.headline, &p.body])
        {
            return Err(refuse(ctx, txn, v, p.case_id, f, Refused::Approver)
                .await
                .into());
        }
        let p = move_to(&txn, &p, version, PublicationStatus::Approved, None).await?;
        record(&txn, v, req, "approvePublication", id).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(Publication(p))
    }

    /// Passes a text waiting for review (the agency that reviews it: the police agency holding
    /// the informant data of a tip linked to the case). The text is checked against every datum
    /// of the case this agency may read; a hit is named, and the text should then be rejected.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn pass_publication_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<Publication> {
        let v = viewer(ctx)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        let p = load(&txn, id).await?;
        not_archived(&p)?;
        if !is_reviewer(v, &p) {
            return Err(AppError::forbidden(
                "only the agency asked to review this text passes its review",
            )
            .into());
        }
        if PublicationStatus::from_db(&p.status)? != PublicationStatus::Draft {
            return Err(AppError::bad_input("only a draft is reviewed").into());
        }
        let case = load_case(&txn, p.case_id).await?;
        if let Some(f) = restricted(ctx, &txn, &case)
            .await?
            .scan_readable(v, &[&p.headline, &p.body])
        {
            return Err(refuse(ctx, txn, v, p.case_id, f, Refused::Reviewer)
                .await
                .into());
        }
        let am = publications::ActiveModel {
            reviewed_at: Set(Some(chrono::Utc::now())),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        };
        versioned_update!(&txn, publications, am, id, version)?;
        record(&txn, v, req, "passPublicationReview", id).await?;
        let p = load(&txn, id).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(Publication(p))
    }

    /// Rejects a draft (the standing office, or the agency reviewing it), saying why.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn reject_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: String,
    ) -> Result<Publication> {
        let v = viewer(ctx)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let reason = required_text("reason", &reason, REASON_MAX)?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        let p = load(&txn, id).await?;
        if !is_reviewer(v, &p) {
            check(v, Action::ApprovePublications)?;
        }
        let p = move_to(&txn, &p, version, PublicationStatus::Rejected, Some(reason)).await?;
        record(&txn, v, req, "rejectPublication", id).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(Publication(p))
    }

    /// Withdraws a published summary (the standing office or the drafting agency); it
    /// disappears from `publishedCases`.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn withdraw_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: Option<String>,
    ) -> Result<Publication> {
        let v = viewer(ctx)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let reason = optional_text("reason", reason.as_deref(), REASON_MAX)?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        let p = load(&txn, id).await?;
        let drafter = matches!(v.role, Role::Police | Role::Customs | Role::Officer)
            && v.agency_id == Some(p.drafted_by_agency_id);
        if !(drafter || v.role == Role::StandingOffice) {
            return Err(AppError::forbidden(
                "only the standing office or the drafting agency withdraws a publication",
            )
            .into());
        }
        let p = move_to(&txn, &p, version, PublicationStatus::Withdrawn, reason).await?;
        record(&txn, v, req, "withdrawPublication", id).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(Publication(p))
    }

    /// Archives (`archived: true`) or restores a publication (the drafting agency). An
    /// archived publication is never listed, published or changed. Nothing is deleted.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn set_publication_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Publication> {
        let v = viewer(ctx)?;
        let agency = acting_agency(v, Action::DraftPublications)?;
        let req = request(ctx)?;
        let id = parse_id(&id)?;
        let txn = crate::graphql::workflow::begin(db(ctx)?).await?;
        let p = load(&txn, id).await?;
        if p.drafted_by_agency_id != agency {
            return Err(AppError::forbidden(
                "only the drafting agency archives or restores a publication",
            )
            .into());
        }
        let am = publications::ActiveModel {
            archived_at: Set(archived.then(chrono::Utc::now)),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        };
        versioned_update!(&txn, publications, am, id, version)?;
        let op = if archived {
            "archivePublication"
        } else {
            "restorePublication"
        };
        record(&txn, v, req, op, id).await?;
        let p = load(&txn, id).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(Publication(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_is_checked() {
        use PublicationStatus::*;
        let legal = [
            (Draft, Approved),
            (Draft, Rejected),
            (Rejected, Draft),
            (Approved, Withdrawn),
        ];
        for &from in PublicationStatus::ALL {
            for &to in PublicationStatus::ALL {
                assert_eq!(
                    check_transition(from, to).is_ok(),
                    legal.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        let msg = check_transition(Withdrawn, Approved).unwrap_err().message();
        assert!(
            msg.contains("WITHDRAWN") && msg.contains("APPROVED"),
            "{msg}"
        );
    }

    #[test]
    fn facts_are_checked() {
        assert_eq!(
            facts(&["status".into(), "goods_value".into(), "status".into()]).unwrap(),
            "status,goods_value"
        );
        assert!(facts(&["subjects".into()]).is_err());
    }
}
