//! The tip workflow: validating and storing a citizen's tip (informant fields encrypted before
//! they reach the database), the public tracking code, the per-client rate limit, and the
//! status machine staff move a tip through. Every write runs in the caller's transaction.

use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter,
};

use entity::{agencies, cases, tips};

use crate::auth::{Role, Viewer};
use crate::crypto::DataKey;
use crate::domain::access::{Action, check};
use crate::domain::access::{CaseScope, case_scope, tip_scope};
use crate::domain::lifecycle::check_move;
use crate::domain::vocab::{TipChannel, TipStatus};
use crate::error::{AppError, AppResult};
use crate::service::events::DomainEvent;
use crate::service::write::{Done, Keyed, Writer, write, write_once};
use crate::text::client_text;

// ---------------------------------------------------------------------------------------------
// Submission
// ---------------------------------------------------------------------------------------------

/// Characters of tracking codes (as in the demo data): no 0/O or 1/I, which citizens misread
/// over the phone.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Four groups of four characters: 80 random bits, so a code cannot be guessed and
/// `tipStatus` cannot be used to enumerate tips.
const CODE_GROUPS: usize = 4;

/// A fresh tracking code, `TB-XXXX-XXXX-XXXX-XXXX`, from the operating system–seeded CSPRNG.
pub fn new_tracking_code() -> String {
    let mut rng = rand::rng();
    let mut code = String::from("TB");
    for _ in 0..CODE_GROUPS {
        code.push('-');
        for _ in 0..4 {
            code.push(char::from(
                CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())],
            ));
        }
    }
    code
}

/// What a citizen typed, as received.
pub struct TipSubmission {
    pub channel: TipChannel,
    pub content: String,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
}

/// A submission that passed validation (still in clear).
pub struct ValidTip {
    pub channel: TipChannel,
    pub content: String,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
}

impl ValidTip {
    /// The informant fields a submission writes, for the audit event: always both names,
    /// whatever was given. Which were given is informant data itself (whether the tipster
    /// stayed anonymous), and the administrator reading the audit log may not know it (a
    /// review of stop 34 read it from events that named only the fields given).
    pub fn restricted_fields(&self) -> Vec<&'static str> {
        vec!["reporterName", "reporterContact"]
    }
}

const NAME_MAX_CHARS: usize = 200;
const CONTACT_MAX_CHARS: usize = 254;

/// The reporter's name and contact are one line: [`client_text`] lets line breaks and tabs
/// through (free text has them); these fields refuse them, as it refuses other controls.
fn no_controls(field: &str, v: &str) -> AppResult<()> {
    if v.chars().any(char::is_control) {
        Err(AppError::bad_input(format!(
            "`{field}` contains control characters"
        )))
    } else {
        Ok(())
    }
}

fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !v.chars().any(char::is_whitespace)
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

fn is_phone(v: &str) -> bool {
    let body = v.strip_prefix('+').unwrap_or(v);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    body.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'))
        && (8..=15).contains(&digits)
}

/// An optional field about the reporter: NFC, absent when empty, at most `max` characters,
/// no control characters.
fn reporter_field(field: &str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    let Some(v) = value
        .as_deref()
        .map(|v| client_text(field, v))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    if v.chars().count() > max {
        return Err(AppError::bad_input(format!(
            "`{field}` is longer than {max} characters"
        )));
    }
    no_controls(field, &v)?;
    Ok(Some(v))
}

/// Validates a submission: content non-empty, NFC, at most `max_bytes` bytes; the reporter's
/// name and contact sane (a phone number or an email address); and, for an anonymous sender,
/// the online form as channel (hotline, email, walk-in and press tips are entered by staff,
/// who sign in). Messages name the field, never echo it.
pub fn validate(tip: TipSubmission, anonymous: bool, max_bytes: usize) -> AppResult<ValidTip> {
    if anonymous && tip.channel != TipChannel::OnlineForm {
        return Err(AppError::bad_input(
            "a tip sent without signing in comes through the online form: `channel` must be ONLINE_FORM",
        ));
    }
    let Some(content) = client_text("content", &tip.content)? else {
        return Err(AppError::bad_input("`content` must not be empty"));
    };
    if content.len() > max_bytes {
        return Err(AppError::bad_input(format!(
            "`content` is longer than {max_bytes} bytes"
        )));
    }
    let reporter_name = reporter_field("reporterName", tip.reporter_name, NAME_MAX_CHARS)?;
    let reporter_contact =
        reporter_field("reporterContact", tip.reporter_contact, CONTACT_MAX_CHARS)?;
    if let Some(c) = &reporter_contact {
        if !(is_phone(c) || is_email(c)) {
            return Err(AppError::bad_input(
                "`reporterContact` must be a phone number (8 to 15 digits) or an email address",
            ));
        }
    }
    Ok(ValidTip {
        channel: tip.channel,
        content,
        reporter_name,
        reporter_contact,
    })
}

/// Stores a validated tip, encrypting the informant fields first: the database never holds
/// them in clear.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    key: &DataKey,
    tip: &ValidTip,
) -> AppResult<tips::Model> {
    let reporter_name = tip
        .reporter_name
        .as_deref()
        .map(|v| key.encrypt(v))
        .transpose()?;
    let reporter_contact = tip
        .reporter_contact
        .as_deref()
        .map(|v| key.encrypt(v))
        .transpose()?;
    // 80 random bits collide practically never; the unique index is the final guard.
    let mut code = new_tracking_code();
    for _ in 0..3 {
        if by_tracking_code(conn, &code).await?.is_none() {
            break;
        }
        code = new_tracking_code();
    }
    let now = chrono::Utc::now();
    let am = tips::ActiveModel {
        tracking_code: Set(code),
        received_at: Set(now),
        channel: Set(tip.channel.as_str().into()),
        content: Set(tip.content.clone()),
        reporter_name: Set(reporter_name),
        reporter_contact: Set(reporter_contact),
        assigned_agency_id: Set(None),
        status: Set(TipStatus::New.as_str().into()),
        case_id: Set(None),
        dismissal_reason: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        ..Default::default()
    };
    Ok(am.insert(conn).await?)
}

pub async fn by_tracking_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<Option<tips::Model>> {
    Ok(tips::Entity::find()
        .filter(tips::Column::TrackingCode.eq(code))
        .one(conn)
        .await?)
}

/// The public lookup: a tracking code as typed (spaces and case forgiven) → the tip, or
/// `NOT_FOUND`.
pub async fn track<C: ConnectionTrait>(conn: &C, code: &str) -> AppResult<tips::Model> {
    let code = code.trim().to_uppercase();
    let not_found = || AppError::NotFound("no tip has this tracking code".into());
    if code.is_empty() || code.len() > 64 {
        return Err(not_found());
    }
    by_tracking_code(conn, &code).await?.ok_or_else(not_found)
}

// ---------------------------------------------------------------------------------------------
// Staff workflow
// ---------------------------------------------------------------------------------------------

/// The tip, if the viewer may read it (else `NOT_FOUND`, so scope cannot be probed), checked
/// against the version the client read (stale → `CONFLICT` before any other judgement, so a
/// client racing a colleague learns to reload rather than that its move is illegal).
pub async fn load_for_write<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> AppResult<tips::Model> {
    let cond = crate::service::scopes::tips(tip_scope(viewer)?);
    let tip = crate::service::rows::by_id_within::<tips::Entity, _>(conn, cond, id, "tip").await?;
    if tip.version != version {
        return Err(AppError::Conflict(format!(
            "this tip was changed by someone else (expected version {version}); reload and retry"
        )));
    }
    Ok(tip)
}

/// An archived tip takes no change until it is restored.
pub fn not_archived(tip: &tips::Model) -> AppResult<()> {
    crate::service::write::check_not_archived("tip", tip.archived_at)
}

pub fn status(tip: &tips::Model) -> AppResult<TipStatus> {
    TipStatus::from_db(&tip.status)
}

/// The agency a tip may be forwarded to: one that handles tips ([`handles_tips`]: not the
/// press, a commune committee, the leadership or an organisation outside the committee), and
/// not the one it is already with.
///
/// [`handles_tips`]: crate::domain::access::handles_tips
pub async fn forward_target<C: ConnectionTrait>(
    conn: &C,
    tip: &tips::Model,
    code: &str,
) -> AppResult<agencies::Model> {
    let a = crate::service::case_write::agency_by_code(conn, code).await?;
    let standing = crate::service::case_write::standing_read(conn, &a).await?;
    if !crate::domain::access::handles_tips(standing) {
        return Err(AppError::bad_input(format!(
            "`{code}` does not handle tips; forward to a member agency"
        )));
    }
    if tip.assigned_agency_id == Some(a.id) {
        return Err(AppError::bad_input(format!(
            "the tip is already assigned to `{code}`"
        )));
    }
    Ok(a)
}

/// Is the viewer an officer of the agency the tip is assigned to?
pub fn is_assigned_agency(viewer: &Viewer, tip: &tips::Model) -> bool {
    crate::domain::access::may(viewer.role, crate::domain::access::Action::VerifyTips)
        && viewer.agency_id.is_some()
        && viewer.agency_id == tip.assigned_agency_id
}

pub fn check_assigned_agency(viewer: &Viewer, tip: &tips::Model) -> AppResult<()> {
    if is_assigned_agency(viewer, tip) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            crate::domain::access::Action::VerifyTips.refusal(),
        ))
    }
}

pub fn check_dismisser(viewer: &Viewer, tip: &tips::Model) -> AppResult<()> {
    if viewer.role == Role::StandingOffice || is_assigned_agency(viewer, tip) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the agency the tip is assigned to or the standing office dismisses it",
        ))
    }
}

/// The case a tip is linked to: it must exist, not be archived, and be one the viewer may read.
pub async fn case_for_link<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    case_id: i64,
) -> AppResult<cases::Model> {
    let scope = case_scope(viewer)?;
    cases::Entity::find_by_id(case_id)
        .one(conn)
        .await?
        .filter(|c| {
            c.archived_at.is_none()
                && match scope {
                    CaseScope::All => true,
                    CaseScope::Commune(cid) => c.commune_id == Some(cid),
                }
        })
        .ok_or_else(|| AppError::NotFound("no such case".into()))
}

/// The changes every workflow step makes besides its own: the new status and the time.
pub fn step(to: TipStatus) -> tips::ActiveModel {
    tips::ActiveModel {
        status: Set(to.as_str().into()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
}

pub async fn reload<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<tips::Model> {
    crate::service::rows::by_id::<tips::Entity, _>(conn, id, "tip").await
}

/// Receives a tip: validated by the caller ([`validate`]), admitted by the caller's rate limit
/// (`admit`, asked only when something will be written: a replayed key costs nothing), stored
/// with its informant fields encrypted, audited with the names of those fields.
pub async fn submit(
    w: &Writer<'_>,
    data_key: &DataKey,
    tip: ValidTip,
    keyed: Option<Keyed>,
    admit: impl FnOnce() -> bool,
) -> AppResult<tips::Model> {
    // Set when a new tip is stored (not on a replayed key); counted once `write` committed.
    let stored_new = std::sync::atomic::AtomicBool::new(false);
    let tip = write(
        w,
        "submitTip",
        keyed,
        async |txn, id| reload(txn, id).await,
        async |txn| {
            if !admit() {
                return Err(AppError::RateLimited(
                    "too many tips from this address; please try again in a minute".into(),
                ));
            }
            let stored = insert(txn, data_key, &tip).await?;
            stored_new.store(true, std::sync::atomic::Ordering::Relaxed);
            Ok(Done {
                entity: "tip",
                id: stored.id,
                restricted_fields: tip.restricted_fields(),
                event: Some(DomainEvent::TipReceived { tip_id: stored.id }),
                value: stored,
            })
        },
    )
    .await?;
    if stored_new.load(std::sync::atomic::Ordering::Relaxed) {
        crate::telemetry::metrics::tip_received();
    }
    Ok(tip)
}

/// A staff step on a tip the viewer may read, at the version it read: `change` checks the move
/// and says what it changes; the update is versioned, audited and announced.
async fn staff_step(
    w: &Writer<'_>,
    operation: &'static str,
    id: i64,
    version: i32,
    change: impl AsyncFnOnce(&DatabaseTransaction, &Viewer, tips::Model) -> AppResult<tips::ActiveModel>,
) -> AppResult<tips::Model> {
    let v = w.signed_in()?;
    write_once(w, operation, async |txn| {
        let tip = load_for_write(txn, v, id, version).await?;
        let am = change(txn, v, tip).await?;
        crate::versioned_update!(txn, tips, am, id, version)?;
        let tip = reload(txn, id).await?;
        Ok(Done::of(tip))
    })
    .await
}

/// Forwards a tip to the agency that should verify it (`agency` code). Only the standing
/// office forwards a tip again, and the police never to themselves
/// ([`crate::domain::access::check_forward_target`]).
pub async fn forward(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    agency: &str,
) -> AppResult<tips::Model> {
    check(w.signed_in()?, Action::ForwardTips)?;
    staff_step(w, "forwardTip", id, version, async |txn, v, tip| {
        not_archived(&tip)?;
        let from = status(&tip)?;
        check_move(from, TipStatus::Forwarded)?;
        if from == TipStatus::Forwarded {
            check(v, Action::ReforwardTips)?;
        }
        let target = forward_target(txn, &tip, agency).await?;
        crate::domain::access::check_forward_target(v, target.id)?;
        let mut am = step(TipStatus::Forwarded);
        am.assigned_agency_id = Set(Some(target.id));
        Ok(am)
    })
    .await
}

/// The assigned agency starts verifying a forwarded tip.
pub async fn verify(w: &Writer<'_>, id: i64, version: i32) -> AppResult<tips::Model> {
    staff_step(w, "verifyTip", id, version, async |_, v, tip| {
        check_assigned_agency(v, &tip)?;
        not_archived(&tip)?;
        check_move(status(&tip)?, TipStatus::Verifying)?;
        Ok(step(TipStatus::Verifying))
    })
    .await
}

/// The assigned agency links a verified tip to the case it led to (a case it can see).
pub async fn link_to_case(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    case_id: i64,
) -> AppResult<tips::Model> {
    staff_step(w, "linkTipToCase", id, version, async |txn, v, tip| {
        check_assigned_agency(v, &tip)?;
        not_archived(&tip)?;
        check_move(status(&tip)?, TipStatus::LinkedToCase)?;
        let case = case_for_link(txn, v, case_id).await?;
        let mut am = step(TipStatus::LinkedToCase);
        am.case_id = Set(Some(case.id));
        Ok(am)
    })
    .await
}

/// Dismisses a tip that did not hold up (the assigned agency or the standing office), with
/// its reason.
pub async fn dismiss(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    reason: &str,
) -> AppResult<tips::Model> {
    staff_step(w, "dismissTip", id, version, async |_, v, tip| {
        check_dismisser(v, &tip)?;
        not_archived(&tip)?;
        check_move(status(&tip)?, TipStatus::Dismissed)?;
        let reason = crate::service::case_write::required_text("reason", reason, 2000)?;
        let mut am = step(TipStatus::Dismissed);
        am.dismissal_reason = Set(Some(reason));
        Ok(am)
    })
    .await
}

/// Archives (hides from lists) or restores a tip; the standing office only. Nothing is
/// deleted.
pub async fn set_archived(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    archived: bool,
) -> AppResult<tips::Model> {
    check(w.signed_in()?, Action::ArchiveTips)?;
    let operation = if archived { "archiveTip" } else { "restoreTip" };
    staff_step(w, operation, id, version, async |_, _, tip| {
        crate::service::write::check_archive_move("tip", tip.archived_at, archived)?;
        Ok(tips::ActiveModel {
            archived_at: Set(archived.then(chrono::Utc::now)),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(channel: TipChannel, content: &str, contact: Option<&str>) -> TipSubmission {
        TipSubmission {
            channel,
            content: content.into(),
            reporter_name: None,
            reporter_contact: contact.map(Into::into),
        }
    }

    #[test]
    fn tracking_codes_are_long_and_from_the_alphabet() {
        let a = new_tracking_code();
        assert_eq!(a.len(), 3 + CODE_GROUPS * 5 - 1);
        assert!(a.starts_with("TB-"));
        assert!(
            a[3..]
                .bytes()
                .all(|b| b == b'-' || CODE_ALPHABET.contains(&b))
        );
        assert_ne!(a, new_tracking_code());
    }

    #[test]
    fn contacts() {
        for ok in [
            "0912345678",
            "+84 912 345 678",
            "091.234.5678",
            "hoa@example.vn",
        ] {
            assert!(
                validate(sub(TipChannel::OnlineForm, "x", Some(ok)), true, 100).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "12345",
            "abc",
            "a@b",
            "@x.vn",
            "09123 45678 9999 9999",
            "x@y..vn",
        ] {
            assert!(
                validate(sub(TipChannel::OnlineForm, "x", Some(bad)), true, 100).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn content_limits_and_channel() {
        assert!(validate(sub(TipChannel::OnlineForm, "  ", None), true, 100).is_err());
        assert!(validate(sub(TipChannel::OnlineForm, "ả", None), true, 1).is_err());
        assert!(validate(sub(TipChannel::OnlineForm, "a\0b", None), true, 100).is_err());
        assert!(validate(sub(TipChannel::Hotline, "x", None), true, 100).is_err());
        assert!(validate(sub(TipChannel::Hotline, "x", None), false, 100).is_ok());
        // NFC: a decomposed "ả" (a + combining hook) is stored precomposed.
        let t = validate(sub(TipChannel::OnlineForm, "a\u{309}", None), true, 100).unwrap();
        assert_eq!(t.content, "ả");
    }
}
