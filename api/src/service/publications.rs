//! The publication workflow: the case's lead agency drafts a public summary, the standing
//! office approves or rejects it, and either may withdraw it once published.
//!
//! Status machine: draft → approved | rejected; rejected → draft (when the drafter revises it);
//! approved → withdrawn. Anything else is `BAD_USER_INPUT` naming both states. Every text is
//! checked against the case's restricted data ([`crate::service::publication_check`]) when
//! drafted, revised, reviewed and approved; a refused text rolls its write back and is then
//! audited on its own.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};

use entity::{agencies, cases, publications};

use crate::auth::Viewer;
use crate::crypto::DataKey;
use crate::domain::access::{Action, acting_agency, check, publication_scope};
use crate::domain::lifecycle::check_move;
use crate::domain::vocab::{CaseStatus, PUBLIC_FACTS, PublicationStatus};
use crate::error::{AppError, AppResult};
use crate::limiter::KeyedLimiter;
use crate::service::audit::{Audit, audit};
use crate::service::case_write::{optional_text, required_text};
use crate::service::events::Announced;
use crate::service::publication_check::{Finding, Restricted, finding_error, restricted_of_case};
use crate::service::scopes;
use crate::service::write::{Done, Keyed, Writer, check_not_archived, write, write_once};

/// What the text checks need beside the writer: the key that opens informant data, and the
/// per-user count of refused texts.
pub struct Checks<'a> {
    pub data_key: &'a DataKey,
    pub refusals: &'a KeyedLimiter,
}

/// A publication's content as submitted. `public_facts`: when drafting, absent means none;
/// when revising, absent keeps the current list.
pub struct Text {
    pub headline: String,
    pub body: String,
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
    crate::service::rows::by_id::<cases::Entity, _>(txn, id, "case").await
}

async fn load(txn: &DatabaseTransaction, id: i64) -> AppResult<publications::Model> {
    crate::service::rows::by_id::<publications::Entity, _>(txn, id, "publication").await
}

/// The publication a write names, if the writer reads it ([`scopes::publications`]): one it
/// may not read is `NOT_FOUND` like a missing id, so ids cannot be probed; roles that read no
/// publication are refused before anything is read.
async fn load_for_write(
    txn: &DatabaseTransaction,
    v: &Viewer,
    id: i64,
) -> AppResult<publications::Model> {
    let cond = scopes::publications(publication_scope(v)?);
    crate::service::rows::by_id_within::<publications::Entity, _>(txn, cond, id, "publication")
        .await
}

/// A case can be published only once its outcome is known, and not when archived.
fn check_publishable(case: &cases::Model) -> AppResult<()> {
    crate::service::case_write::not_archived(case)?;
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

/// An archived publication takes no change until it is restored.
fn not_archived(p: &publications::Model) -> AppResult<()> {
    check_not_archived("publication", p.archived_at)
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
    // An agency that fits a role that reads informants (the access matrix decides).
    let agencies = agencies::Entity::find()
        .filter(agencies::Column::Id.is_in(candidates.clone()))
        .all(txn)
        .await?;
    let mut readers = Vec::with_capacity(agencies.len());
    for a in agencies {
        let standing = crate::service::case_write::standing_read(txn, &a).await?;
        if crate::domain::access::reads_informants_as(standing) {
            readers.push(a.id);
        }
    }
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
    /// to send the text back. The text then holds a datum its drafting agency may not read
    /// (what it may read, its own check refused), and the agency sees the text sent back: an
    /// answer to a guess, one approval at a time (a review of stop 33 confirmed an informant's
    /// name so). These refusals are counted per drafting agency like the drafter's own, and
    /// past the same bound each one is audited as an alert.
    Approver { drafter: i64 },
}

/// Records a refused text after its write was rolled back (the attempt touched restricted
/// data, so it belongs in the audit trail even though nothing changed), and says what the
/// viewer may be told.
async fn refuse(w: &Writer<'_>, c: &Checks<'_>, refusal: Refusal) -> AppError {
    let Refusal {
        case_id,
        finding,
        who,
    } = refusal;
    let v = match w.signed_in() {
        Ok(v) => v,
        Err(e) => return e,
    };
    let (operation, error) = match who {
        Refused::Drafter
            if !c
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
        Refused::Approver { drafter } => {
            let probing = !c
                .refusals
                .check(&crate::limiter::ClientKey::Agency(drafter));
            if probing {
                tracing::warn!(
                    drafting_agency = drafter,
                    case_id,
                    "repeated publication texts refused at approval"
                );
            }
            (
                if probing {
                    "publicationRefusalsAlert"
                } else {
                    "publicationTextRefused"
                },
                AppError::bad_input(
                    "the text contains restricted data of the case; reject it so that the \
                     drafting agency revises it",
                ),
            )
        }
    };
    let logged = audit(
        w.db,
        Some(v),
        w.request_id,
        Audit {
            operation,
            entity: "case",
            ids: vec![case_id],
            restricted_fields: vec![finding.field()],
        },
    )
    .await;
    match logged {
        Ok(()) => crate::telemetry::metrics::audit_events_written(
            crate::telemetry::metrics::AuditKind::Refusal,
            1,
        ),
        Err(e) => {
            tracing::error!(error = ?e.into_anyhow(), "could not audit a refused publication text")
        }
    }
    error
}

/// A text refused inside a write, kept while the write rolls back.
#[derive(Clone, Copy)]
struct Refusal {
    case_id: i64,
    finding: Finding,
    who: Refused,
}

/// Where a write leaves its refusal for [`checked`] to record after the rollback.
#[derive(Default)]
struct Refusals(std::sync::Mutex<Option<Refusal>>);

impl Refusals {
    /// Notes the refusal; the error only rolls the write back (what the viewer is told is
    /// decided by [`refuse`]).
    fn refuse(&self, case_id: i64, finding: Finding, who: Refused) -> AppError {
        if let Ok(mut r) = self.0.lock() {
            *r = Some(Refusal {
                case_id,
                finding,
                who,
            });
        }
        AppError::bad_input("the text was refused")
    }

    fn take(&self) -> Option<Refusal> {
        self.0.lock().ok().and_then(|mut r| r.take())
    }
}

/// Finishes a write that may have refused its text: a refusal is recorded and answered.
async fn checked<T>(
    w: &Writer<'_>,
    c: &Checks<'_>,
    refusals: Refusals,
    result: AppResult<T>,
) -> AppResult<T> {
    match (result, refusals.take()) {
        (Err(_), Some(refusal)) => Err(refuse(w, c, refusal).await),
        (result, _) => result,
    }
}

/// A [`write_once`] whose text check may refuse: `body` notes a refusal in the [`Refusals`] it
/// is given, and once the write has rolled back the refusal is recorded and answered
/// ([`checked`]).
async fn write_once_checked<T: Announced>(
    w: &Writer<'_>,
    c: &Checks<'_>,
    operation: &'static str,
    body: impl AsyncFnOnce(&DatabaseTransaction, &Refusals) -> AppResult<T>,
) -> AppResult<T> {
    let refusals = Refusals::default();
    let result = write_once(w, operation, async |txn| {
        Ok(Done::of(body(txn, &refusals).await?))
    })
    .await;
    checked(w, c, refusals, result).await
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
    check_move(PublicationStatus::from_db(&p.status)?, to)?;
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
    crate::versioned_update!(txn, publications, am, p.id, version)?;
    load(txn, p.id).await
}

/// The case's restricted data, for the checks.
async fn restricted(
    txn: &DatabaseTransaction,
    c: &Checks<'_>,
    case: &cases::Model,
) -> AppResult<Restricted> {
    restricted_of_case(txn, c.data_key, case.id, case.lead_agency_id).await
}

/// A drafter's text as it may be stored: headline and body within their limits, the public
/// facts known, and the agency that must review it for the case's data the drafter may not
/// read.
struct DraftText {
    headline: String,
    body: String,
    public_facts: String,
    review_agency_id: Option<i64>,
}

/// Checks a text the drafting agency writes (a draft or a revision) against case `case`:
/// `kept_facts` stands when the text names no public facts. A text holding a datum of the case
/// the drafter may read is refused (noted in `refusals`).
async fn check_draft_text(
    txn: &DatabaseTransaction,
    c: &Checks<'_>,
    refusals: &Refusals,
    v: &Viewer,
    case: &cases::Model,
    text: &Text,
    kept_facts: &str,
) -> AppResult<DraftText> {
    let headline = required_text("headline", &text.headline, HEADLINE_MAX)?;
    let body = required_text("body", &text.body, BODY_MAX)?;
    let public_facts = match &text.public_facts {
        Some(list) => facts(list)?,
        None => kept_facts.to_owned(),
    };
    let restricted = restricted(txn, c, case).await?;
    if let Some(f) = restricted.scan_readable(v, &[&headline, &body]) {
        return Err(refusals.refuse(case.id, f, Refused::Drafter));
    }
    let review_agency_id = review_agency(txn, &restricted, v).await?;
    Ok(DraftText {
        headline,
        body,
        public_facts,
        review_agency_id,
    })
}

/// Drafts the public summary of a case (the case's lead agency). Only cases handled
/// administratively, prosecuted or closed can be published, and the text must not contain any
/// restricted datum of the case.
pub async fn draft(
    w: &Writer<'_>,
    c: &Checks<'_>,
    case_id: i64,
    text: Text,
    keyed: Option<Keyed>,
) -> AppResult<publications::Model> {
    let v = w.signed_in()?;
    let agency = acting_agency(v, Action::DraftPublications)?;
    let refusals = Refusals::default();
    let result = write(
        w,
        "draftPublication",
        keyed,
        async |txn, id| load(txn, id).await,
        async |txn| {
            // An archived case of another agency is a missing one to it (stop 35's review).
            let case = cases::Entity::find_by_id(case_id).one(txn).await?;
            let case = crate::service::case_write::unless_hidden(case, v)?;
            if case.lead_agency_id != agency {
                return Err(AppError::forbidden(
                    "only the case's lead agency drafts its publication",
                ));
            }
            check_publishable(&case)?;
            // A new draft without a list makes no fact public.
            let t = check_draft_text(txn, c, &refusals, v, &case, &text, "").await?;
            let now = chrono::Utc::now();
            let p = publications::ActiveModel {
                case_id: Set(case_id),
                headline: Set(t.headline),
                body: Set(t.body),
                public_facts: Set(t.public_facts),
                status: Set(PublicationStatus::Draft.as_str().into()),
                drafted_by_agency_id: Set(agency),
                review_reason: Set(None),
                approved_at: Set(None),
                review_agency_id: Set(t.review_agency_id),
                reviewed_at: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                archived_at: Set(None),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            Ok(Done::of(p))
        },
    )
    .await;
    checked(w, c, refusals, result).await
}

/// Revises a draft or a rejected publication (the drafting agency); a rejected one goes back
/// to draft. The text is checked again, and reviewed again where it needs a review.
pub async fn update(
    w: &Writer<'_>,
    c: &Checks<'_>,
    id: i64,
    version: i32,
    text: Text,
) -> AppResult<publications::Model> {
    let v = w.signed_in()?;
    let agency = acting_agency(v, Action::DraftPublications)?;
    write_once_checked(w, c, "updatePublication", async |txn, refusals| {
        let p = load_for_write(txn, v, id).await?;
        if p.drafted_by_agency_id != agency {
            return Err(AppError::forbidden(
                "only the drafting agency revises a publication",
            ));
        }
        not_archived(&p)?;
        let from = PublicationStatus::from_db(&p.status)?;
        if from != PublicationStatus::Draft {
            check_move(from, PublicationStatus::Draft)?;
        }
        let case = load_case(txn, p.case_id).await?;
        check_publishable(&case)?;
        let t = check_draft_text(txn, c, refusals, v, &case, &text, &p.public_facts).await?;
        let am = publications::ActiveModel {
            headline: Set(t.headline),
            body: Set(t.body),
            public_facts: Set(t.public_facts),
            // A changed text is reviewed again.
            review_agency_id: Set(t.review_agency_id),
            reviewed_at: Set(None),
            status: Set(PublicationStatus::Draft.as_str().into()),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        };
        crate::versioned_update!(txn, publications, am, id, version)?;
        load(txn, id).await
    })
    .await
}

/// Approves a draft for publication (the standing office). The text is checked once more
/// against the case's restricted data, which may have grown since it was drafted.
pub async fn approve(
    w: &Writer<'_>,
    c: &Checks<'_>,
    id: i64,
    version: i32,
) -> AppResult<publications::Model> {
    let v = w.signed_in()?;
    check(v, Action::ApprovePublications)?;
    write_once_checked(w, c, "approvePublication", async |txn, refusals| {
        let p = load_for_write(txn, v, id).await?;
        not_archived(&p)?;
        check_move(
            PublicationStatus::from_db(&p.status)?,
            PublicationStatus::Approved,
        )?;
        let case = load_case(txn, p.case_id).await?;
        check_publishable(&case)?;
        if p.review_agency_id.is_some() && p.reviewed_at.is_none() {
            return Err(AppError::bad_input(
                "the text waits for its review by the agency that holds restricted data of the case",
            ));
        }
        if let Some(f) = restricted(txn, c, &case)
            .await?
            .scan(&[&p.headline, &p.body])
        {
            return Err(refusals.refuse(
                p.case_id,
                f,
                Refused::Approver {
                    drafter: p.drafted_by_agency_id,
                },
            ));
        }
        move_to(txn, &p, version, PublicationStatus::Approved, None).await
    })
    .await
}

/// Passes a text waiting for review (the agency asked to review it: the police agency holding
/// the informant data of a tip linked to the case). The text is checked against every datum of
/// the case this agency may read; a hit is named, and the text should then be rejected.
pub async fn pass_review(
    w: &Writer<'_>,
    c: &Checks<'_>,
    id: i64,
    version: i32,
) -> AppResult<publications::Model> {
    let v = w.signed_in()?;
    write_once_checked(w, c, "passPublicationReview", async |txn, refusals| {
        let p = load_for_write(txn, v, id).await?;
        not_archived(&p)?;
        if !is_reviewer(v, &p) {
            return Err(AppError::forbidden(
                "only the agency asked to review this text passes its review",
            ));
        }
        if PublicationStatus::from_db(&p.status)? != PublicationStatus::Draft {
            return Err(AppError::bad_input("only a draft is reviewed"));
        }
        let case = load_case(txn, p.case_id).await?;
        if let Some(f) = restricted(txn, c, &case)
            .await?
            .scan_readable(v, &[&p.headline, &p.body])
        {
            return Err(refusals.refuse(p.case_id, f, Refused::Reviewer));
        }
        let am = publications::ActiveModel {
            reviewed_at: Set(Some(chrono::Utc::now())),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        };
        crate::versioned_update!(txn, publications, am, id, version)?;
        load(txn, id).await
    })
    .await
}

/// Rejects a draft (the standing office, or the agency reviewing it), saying why.
pub async fn reject(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    reason: &str,
) -> AppResult<publications::Model> {
    let v = w.signed_in()?;
    let reason = required_text("reason", reason, REASON_MAX)?;
    write_once(w, "rejectPublication", async |txn| {
        let p = load_for_write(txn, v, id).await?;
        if !is_reviewer(v, &p) {
            check(v, Action::ApprovePublications)?;
        }
        let p = move_to(txn, &p, version, PublicationStatus::Rejected, Some(reason)).await?;
        Ok(Done::of(p))
    })
    .await
}

/// Withdraws a published summary (the standing office or the drafting agency); it disappears
/// from `publishedCases`.
pub async fn withdraw(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    reason: Option<&str>,
) -> AppResult<publications::Model> {
    let v = w.signed_in()?;
    let reason = optional_text("reason", reason, REASON_MAX)?;
    write_once(w, "withdrawPublication", async |txn| {
        let p = load_for_write(txn, v, id).await?;
        crate::domain::access::check_withdraw(v, p.drafted_by_agency_id)?;
        let p = move_to(txn, &p, version, PublicationStatus::Withdrawn, reason).await?;
        Ok(Done::of(p))
    })
    .await
}

/// Archives or restores a publication (the drafting agency). An archived publication is never
/// listed, published or changed. Nothing is deleted.
pub async fn set_archived(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    archived: bool,
) -> AppResult<publications::Model> {
    let v = w.signed_in()?;
    let agency = acting_agency(v, Action::DraftPublications)?;
    let operation = if archived {
        "archivePublication"
    } else {
        "restorePublication"
    };
    write_once(w, operation, async |txn| {
        let p = load_for_write(txn, v, id).await?;
        if p.drafted_by_agency_id != agency {
            return Err(AppError::forbidden(
                "only the drafting agency archives or restores a publication",
            ));
        }
        crate::service::write::check_archive_move("publication", p.archived_at, archived)?;
        // A published summary is withdrawn first: archived, the standing office could no
        // longer withdraw it and its drafter could restore it, live again, at will (a review
        // of stop 35).
        if archived && PublicationStatus::from_db(&p.status)? == PublicationStatus::Approved {
            return Err(AppError::bad_input(
                "the summary is published: withdraw it before archiving it",
            ));
        }
        let am = publications::ActiveModel {
            archived_at: Set(archived.then(chrono::Utc::now)),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        };
        crate::versioned_update!(txn, publications, am, id, version)?;
        Ok(Done::of(load(txn, id).await?))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_checked() {
        assert_eq!(
            facts(&["status".into(), "goods_value".into(), "status".into()]).unwrap(),
            "status,goods_value"
        );
        assert!(facts(&["subjects".into()]).is_err());
    }
}
