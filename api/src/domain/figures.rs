//! The one definition of every figure leaders read (in `statistics`, the prefill of a periodic
//! report, the Excel export and the rollups): the `hub389-figures` crate, where the migration
//! that backfills the rollups reads it too. See that crate for the decisions.

pub use hub389_figures::{
    CASE_ROW, Columns, Figure, bounded_sum, confiscated_sales, reporting_month_sql, rollup,
};

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
