//! The one definition of every figure leaders read — in `statistics`, in the prefill of a
//! periodic report and in the Excel export — so a report and the dashboard cannot disagree.
//!
//! Each figure is a per-case SQL expression (a 0/1 flag or an amount) over one case row, its
//! investigation record (at most one per case) and its count of subjects; the callers only
//! sum it, over whichever cases and periods they need. Archived cases, subjects and
//! investigation records are never counted.
//!
//! Decisions (DOMAIN.md leaves them open; both used to be answered two ways):
//! - **Prosecuted** (`prosecuted_cases`): the case's status is `PROSECUTED`, or its
//!   investigation record carries a prosecution date (a case closed after prosecution). A case
//!   moved to `PROSECUTED` before anyone recorded the investigation is prosecuted all the same:
//!   the status is the agency's own statement.
//! - **Handled criminally**: transferred to the police, prosecuted, or closed after
//!   prosecution. **Handled administratively**: handled administratively, or closed without a
//!   prosecution — a case handled administratively that the police looked into (an
//!   investigation record with no prosecution) and that was then closed stays administrative.
//!   Every settled case is in exactly one of the two.
//! - **Defendants**: the investigation record's defendants, for prosecuted cases only.
//! - **Subjects**: the case's subjects (a count, never who).
//! - Money (`fines`, `tax_arrears`, `budget_collected`, `goods_value`): the case's amounts,
//!   whole đồng.

/// The names a query gives the columns the figures read.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    /// The case's status.
    pub status: &'a str,
    /// The investigation record's prosecution date (NULL without a record).
    pub prosecuted_on: &'a str,
    /// The investigation record's defendants (NULL without a record).
    pub defendants: &'a str,
    /// The case's count of subjects that are not archived (NULL reads as none).
    pub subjects: &'a str,
    pub fine_amount: &'a str,
    pub tax_arrears: &'a str,
    pub budget_collected: &'a str,
    pub goods_value: &'a str,
}

/// A figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    CasesDetected,
    HandledAdministratively,
    HandledCriminally,
    Subjects,
    ProsecutedCases,
    Defendants,
    Fines,
    TaxArrears,
    BudgetCollected,
    GoodsValue,
}

impl Figure {
    pub const ALL: [Figure; 10] = [
        Figure::CasesDetected,
        Figure::HandledAdministratively,
        Figure::HandledCriminally,
        Figure::Subjects,
        Figure::ProsecutedCases,
        Figure::Defendants,
        Figure::Fines,
        Figure::TaxArrears,
        Figure::BudgetCollected,
        Figure::GoodsValue,
    ];

    /// The column alias queries give the figure's sum.
    pub fn name(self) -> &'static str {
        match self {
            Figure::CasesDetected => "cases_detected",
            Figure::HandledAdministratively => "handled_administratively",
            Figure::HandledCriminally => "handled_criminally",
            Figure::Subjects => "subjects",
            Figure::ProsecutedCases => "prosecuted_cases",
            Figure::Defendants => "defendants",
            Figure::Fines => "fines",
            Figure::TaxArrears => "tax_arrears",
            Figure::BudgetCollected => "budget_collected",
            Figure::GoodsValue => "goods_value",
        }
    }

    /// The figure's value for one case row, as SQL (see the module doc for the decisions).
    pub fn per_case(self, c: &Columns) -> String {
        let prosecuted = prosecuted(c);
        match self {
            Figure::CasesDetected => "1".into(),
            Figure::HandledAdministratively => format!(
                "CASE WHEN {s} = 'handled_administratively' OR ({s} = 'closed' AND {p} IS NULL) \
                 THEN 1 ELSE 0 END",
                s = c.status,
                p = c.prosecuted_on
            ),
            Figure::HandledCriminally => format!(
                "CASE WHEN {s} IN ('transferred_to_police', 'prosecuted') \
                 OR ({s} = 'closed' AND {p} IS NOT NULL) THEN 1 ELSE 0 END",
                s = c.status,
                p = c.prosecuted_on
            ),
            Figure::Subjects => format!("COALESCE({}, 0)", c.subjects),
            Figure::ProsecutedCases => format!("CASE WHEN {prosecuted} THEN 1 ELSE 0 END"),
            Figure::Defendants => format!(
                "CASE WHEN {prosecuted} THEN COALESCE({}, 0) ELSE 0 END",
                c.defendants
            ),
            Figure::Fines => c.fine_amount.into(),
            Figure::TaxArrears => c.tax_arrears.into(),
            Figure::BudgetCollected => c.budget_collected.into(),
            Figure::GoodsValue => c.goods_value.into(),
        }
    }
}

fn prosecuted(c: &Columns) -> String {
    format!(
        "({s} = 'prosecuted' OR {p} IS NOT NULL)",
        s = c.status,
        p = c.prosecuted_on
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Columns = Columns {
        status: "s",
        prosecuted_on: "p",
        defendants: "d",
        subjects: "n",
        fine_amount: "f",
        tax_arrears: "t",
        budget_collected: "b",
        goods_value: "g",
    };

    /// Evaluates a figure's SQL for one case with SQLite, the embedded database.
    fn eval(f: Figure, status: &str, prosecuted_on: Option<&str>) -> i64 {
        let sql = f.per_case(&C);
        let p = prosecuted_on
            .map(|d| format!("'{d}'"))
            .unwrap_or("NULL".into());
        let q = format!(
            "SELECT {sql} FROM (SELECT '{status}' AS s, {p} AS p, 3 AS d, 2 AS n, 10 AS f, 20 AS t, 30 AS b, 40 AS g)"
        );
        let conn = rusqlite_like::open();
        conn(&q)
    }

    /// A minimal SQLite evaluator through libsqlite3-sys (already linked by sqlx).
    mod rusqlite_like {
        use std::ffi::{CStr, CString};

        pub fn open() -> impl Fn(&str) -> i64 {
            |sql: &str| unsafe {
                use libsqlite3_sys as ffi;
                let mut db = std::ptr::null_mut();
                assert_eq!(
                    ffi::sqlite3_open(c":memory:".as_ptr(), &mut db),
                    ffi::SQLITE_OK
                );
                let mut stmt = std::ptr::null_mut();
                let c = CString::new(sql).unwrap();
                let rc =
                    ffi::sqlite3_prepare_v2(db, c.as_ptr(), -1, &mut stmt, std::ptr::null_mut());
                assert_eq!(
                    rc,
                    ffi::SQLITE_OK,
                    "{sql}: {:?}",
                    CStr::from_ptr(ffi::sqlite3_errmsg(db))
                );
                assert_eq!(ffi::sqlite3_step(stmt), ffi::SQLITE_ROW);
                let v = ffi::sqlite3_column_int64(stmt, 0);
                ffi::sqlite3_finalize(stmt);
                ffi::sqlite3_close(db);
                v
            }
        }
    }

    #[test]
    fn every_settled_case_is_administrative_or_criminal_never_both() {
        for (status, p) in [
            ("handled_administratively", None),
            ("transferred_to_police", None),
            ("prosecuted", None),
            ("prosecuted", Some("2026-03-01")),
            ("closed", None),
            ("closed", Some("2026-03-01")),
        ] {
            let a = eval(Figure::HandledAdministratively, status, p);
            let c = eval(Figure::HandledCriminally, status, p);
            assert_eq!(a + c, 1, "{status} {p:?}");
        }
        for status in ["detected", "verifying", "dropped"] {
            assert_eq!(eval(Figure::HandledAdministratively, status, None), 0);
            assert_eq!(eval(Figure::HandledCriminally, status, None), 0);
        }
    }

    #[test]
    fn the_two_cases_that_used_to_disagree() {
        // Prosecuted with no prosecution date recorded: prosecuted and criminal all the same.
        assert_eq!(eval(Figure::ProsecutedCases, "prosecuted", None), 1);
        assert_eq!(eval(Figure::HandledCriminally, "prosecuted", None), 1);
        assert_eq!(eval(Figure::Defendants, "prosecuted", None), 3);
        // Administrative, looked into without prosecution, then closed: administrative.
        assert_eq!(eval(Figure::HandledAdministratively, "closed", None), 1);
        assert_eq!(eval(Figure::ProsecutedCases, "closed", None), 0);
        assert_eq!(eval(Figure::Defendants, "closed", None), 0);
        // Closed after prosecution: criminal and prosecuted.
        assert_eq!(
            eval(Figure::HandledCriminally, "closed", Some("2026-03-01")),
            1
        );
        assert_eq!(
            eval(Figure::ProsecutedCases, "closed", Some("2026-03-01")),
            1
        );
    }
}
