//! The lifecycles of DOMAIN.md, each a table of the moves a status allows, and the one check
//! every write that moves a record runs ([`check_move`]). A move not in the table is
//! `BAD_USER_INPUT` naming both states as the API spells them.

use crate::domain::vocab::{CaseStatus, DisposalStatus, PublicationStatus, TipStatus};
use crate::error::{AppError, AppResult};

/// A status with its allowed moves.
pub trait Lifecycle: Copy + PartialEq + 'static {
    /// What is moved, as a message names it ("a case").
    const RECORD: &'static str;
    /// The statuses this one may move to.
    fn next(self) -> &'static [Self];
    /// The status as stored (the API spells it in upper case).
    fn stored(self) -> &'static str;
}

/// `Ok` when `from → to` is a move of the lifecycle.
pub fn check_move<T: Lifecycle>(from: T, to: T) -> AppResult<()> {
    if from.next().contains(&to) {
        Ok(())
    } else {
        Err(AppError::bad_input(format!(
            "{} cannot go from {} to {}",
            T::RECORD,
            from.stored().to_uppercase(),
            to.stored().to_uppercase()
        )))
    }
}

/// A prosecution as a case's investigation record carries it: the decision, its date and the
/// defendants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prosecution {
    pub decision: String,
    pub on: chrono::NaiveDate,
    pub defendants: i32,
}

/// Whether a case at `status`, whose investigation record carried the prosecution `had`, may
/// carry `gets` instead. A prosecution comes once the case is with the investigating police
/// (transferred, then prosecuted: the lifecycle below); a closed case keeps the one it was
/// closed with, neither dropped (it counted as prosecuted and handled criminally, then
/// administratively for good) nor changed. A border guard's case still `DETECTED` took a
/// prosecution, and counted as prosecuted but not as handled criminally (a review of stop
/// 35).
pub fn check_prosecution(
    status: CaseStatus,
    had: Option<&Prosecution>,
    gets: Option<&Prosecution>,
) -> AppResult<()> {
    let allowed = match status {
        CaseStatus::TransferredToPolice | CaseStatus::Prosecuted => true,
        CaseStatus::Closed => had == gets,
        _ => gets.is_none(),
    };
    match (allowed, status) {
        (true, _) => Ok(()),
        (false, CaseStatus::Closed) => Err(AppError::bad_input(
            "a CLOSED case keeps the prosecution it was closed with",
        )),
        (false, _) => Err(AppError::bad_input(format!(
            "a case {} takes no prosecution: it comes once the case is with the investigating police (TRANSFERRED_TO_POLICE or PROSECUTED)",
            status.stored().to_uppercase()
        ))),
    }
}

/// Closing a prosecuted case: its prosecution must be on record first, for a closed case counts
/// as prosecuted and handled criminally by its record (`hub389_figures`); closed without one,
/// it dropped to handled administratively for good (a review of stop 35). `recorded`: the
/// case's investigation record, not archived, carries a prosecution.
pub fn check_close(from: CaseStatus, to: CaseStatus, recorded: bool) -> AppResult<()> {
    if from == CaseStatus::Prosecuted && to == CaseStatus::Closed && !recorded {
        return Err(AppError::bad_input(
            "record the prosecution (setInvestigation: its decision and date) before closing a prosecuted case",
        ));
    }
    Ok(())
}

/// A case: detected → verifying → handled administratively | transferred to the
/// investigating police → prosecuted → closed; verifying → dropped.
impl Lifecycle for CaseStatus {
    const RECORD: &'static str = "a case";
    fn next(self) -> &'static [Self] {
        use CaseStatus::*;
        match self {
            Detected => &[Verifying],
            Verifying => &[HandledAdministratively, TransferredToPolice, Dropped],
            HandledAdministratively => &[Closed],
            TransferredToPolice => &[Prosecuted],
            Prosecuted => &[Closed],
            Closed | Dropped => &[],
        }
    }
    fn stored(self) -> &'static str {
        self.as_str()
    }
}

/// A tip: new → forwarded; forwarded → verifying | dismissed (or forwarded again, by the
/// standing office); verifying → linked to a case | dismissed.
impl Lifecycle for TipStatus {
    const RECORD: &'static str = "a tip";
    fn next(self) -> &'static [Self] {
        use TipStatus::*;
        match self {
            New => &[Forwarded],
            Forwarded => &[Forwarded, Verifying, Dismissed],
            Verifying => &[LinkedToCase, Dismissed],
            LinkedToCase | Dismissed => &[],
        }
    }
    fn stored(self) -> &'static str {
        self.as_str()
    }
}

/// A publication: draft → approved | rejected; rejected → draft (revised); approved →
/// withdrawn.
impl Lifecycle for PublicationStatus {
    const RECORD: &'static str = "a publication";
    fn next(self) -> &'static [Self] {
        use PublicationStatus::*;
        match self {
            Draft => &[Approved, Rejected],
            Rejected => &[Draft],
            Approved => &[Withdrawn],
            Withdrawn => &[],
        }
    }
    fn stored(self) -> &'static str {
        self.as_str()
    }
}

/// Seized goods: held goods are confiscated or returned; confiscated goods are destroyed,
/// auctioned or returned. Destroyed, auctioned and returned goods are gone.
impl Lifecycle for DisposalStatus {
    const RECORD: &'static str = "seized goods";
    fn next(self) -> &'static [Self] {
        use DisposalStatus::*;
        match self {
            Held => &[Confiscated, Returned],
            Confiscated => &[Destroyed, Auctioned, Returned],
            Destroyed | Auctioned | Returned => &[],
        }
    }
    fn stored(self) -> &'static str {
        self.as_str()
    }
}

/// The status seized goods may be recorded with: not destroyed or auctioned, which only the
/// finance department's approval of a recorded seizure leads to (`approveDisposal`, then
/// `setDisposalStatus`). A review (stop 33) recorded goods as destroyed with no approval.
pub fn check_initial_disposal(status: DisposalStatus) -> AppResult<()> {
    if matches!(
        status,
        DisposalStatus::Destroyed | DisposalStatus::Auctioned
    ) {
        return Err(AppError::bad_input(
            "seized goods are recorded as HELD, CONFISCATED or RETURNED; destroying or auctioning \
             them needs the finance department's approval first (approveDisposal, then \
             setDisposalStatus)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prosecution_comes_with_the_police_and_stays_once_closed() {
        use CaseStatus as S;
        let p = |d, n| Prosecution {
            decision: "01/QĐ-KTVA".into(),
            on: chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default(),
            defendants: n,
        };
        let (a, b) = (p(3, 2), p(4, 2));
        for &status in S::ALL {
            // No prosecution is always fine (notes of a look into an administrative case).
            assert!(check_prosecution(status, None, None).is_ok());
            let with_police = matches!(status, S::TransferredToPolice | S::Prosecuted);
            assert_eq!(
                check_prosecution(status, None, Some(&a)).is_ok(),
                with_police,
                "{status:?}"
            );
        }
        // A closed case keeps its prosecution: not another date, defendants or none at all.
        assert!(check_prosecution(S::Closed, Some(&a), Some(&a)).is_ok());
        assert!(check_prosecution(S::Closed, Some(&a), Some(&b)).is_err());
        assert!(check_prosecution(S::Closed, Some(&a), Some(&p(3, 3))).is_err());
        assert!(check_prosecution(S::Closed, Some(&a), None).is_err());
        // Closing a prosecuted case needs its prosecution on record.
        assert!(check_close(S::Prosecuted, S::Closed, false).is_err());
        assert!(check_close(S::Prosecuted, S::Closed, true).is_ok());
        assert!(check_close(S::HandledAdministratively, S::Closed, false).is_ok());
    }

    /// Every pair of statuses is checked against the moves written out by hand.
    fn exactly<T: Lifecycle + std::fmt::Debug>(all: &[T], legal: &[(T, T)]) {
        for &from in all {
            for &to in all {
                assert_eq!(
                    check_move(from, to).is_ok(),
                    legal.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn case_moves() {
        use CaseStatus::*;
        exactly(
            CaseStatus::ALL,
            &[
                (Detected, Verifying),
                (Verifying, HandledAdministratively),
                (Verifying, TransferredToPolice),
                (Verifying, Dropped),
                (HandledAdministratively, Closed),
                (TransferredToPolice, Prosecuted),
                (Prosecuted, Closed),
            ],
        );
        let msg = check_move(Closed, Detected).unwrap_err().message();
        assert_eq!(msg, "a case cannot go from CLOSED to DETECTED");
    }

    #[test]
    fn tip_moves() {
        use TipStatus::*;
        exactly(
            TipStatus::ALL,
            &[
                (New, Forwarded),
                (Forwarded, Forwarded),
                (Forwarded, Verifying),
                (Forwarded, Dismissed),
                (Verifying, LinkedToCase),
                (Verifying, Dismissed),
            ],
        );
    }

    #[test]
    fn publication_moves() {
        use PublicationStatus::*;
        exactly(
            PublicationStatus::ALL,
            &[
                (Draft, Approved),
                (Draft, Rejected),
                (Rejected, Draft),
                (Approved, Withdrawn),
            ],
        );
        let msg = check_move(Withdrawn, Approved).unwrap_err().message();
        assert_eq!(msg, "a publication cannot go from WITHDRAWN to APPROVED");
    }

    #[test]
    fn disposal_moves() {
        use DisposalStatus::*;
        exactly(
            DisposalStatus::ALL,
            &[
                (Held, Confiscated),
                (Held, Returned),
                (Confiscated, Destroyed),
                (Confiscated, Auctioned),
                (Confiscated, Returned),
            ],
        );
        let msg = check_move(Held, Destroyed).unwrap_err().message();
        assert_eq!(msg, "seized goods cannot go from HELD to DESTROYED");
    }
}
