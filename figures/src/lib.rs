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
//!
//! This crate holds them as SQL text with no dependency, with the rollup built from them
//! ([`rollup`]): the api (`api::domain::figures` re-exports it) and the migration that
//! backfills the rollups both use this one definition (the migration cannot depend on the api,
//! which depends on it).

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

/// The columns of a case row as the figures read it: `cases` with its investigation record
/// joined when not archived (`LEFT JOIN investigation_records … AND archived_at IS NULL`) and
/// its kept count of subjects.
pub const CASE_ROW: Columns<'static> = Columns {
    status: "\"cases\".\"status\"",
    prosecuted_on: "\"investigation_records\".\"prosecuted_on\"",
    defendants: "\"investigation_records\".\"defendants\"",
    subjects: "\"cases\".\"subject_count\"",
    fine_amount: "\"cases\".\"fine_amount\"",
    tax_arrears: "\"cases\".\"tax_arrears\"",
    budget_collected: "\"cases\".\"budget_collected\"",
    goods_value: "\"cases\".\"goods_value\"",
};

/// The sale of a case's confiscated goods, a figure of periodic reports only (`statistics`
/// has none): what the case's budget collected exceeds its own fine and tax arrears, or
/// nothing. Per case, so that one case's unpaid fine does not cancel another's auction (worked
/// from a group's sums, a month's report said 0 beside a sale of 30 million, and a quarter's
/// reports disagreed with its months': a review of stop 37), and months add up to quarters.
pub fn confiscated_sales(c: &Columns) -> String {
    let (b, f, t) = (c.budget_collected, c.fine_amount, c.tax_arrears);
    format!("CASE WHEN {b} > {f} + {t} THEN {b} - {f} - {t} ELSE 0 END")
}

/// `SUM(value)` over a group as a 64-bit integer that cannot fail: past `i64::MAX` it stays
/// there. A figure's sum has no bound of its own (each case's amount is at most 10^15 đồng, the
/// cases are many), and on overflow SQLite's `SUM` raises an error and PostgreSQL's cast of its
/// `NUMERIC` sum does, so one agency's absurd amounts failed every viewer's statistics of the
/// month. SQLite sums with `TOTAL` (floating point, exact while the sum is under 2^53 — nine
/// thousand trillion đồng — and the cast of a larger one saturates); PostgreSQL's `NUMERIC` sum
/// is exact and capped before the cast.
pub fn bounded_sum(postgres: bool, value: &str) -> String {
    if postgres {
        format!("CAST(LEAST(COALESCE(SUM({value}), 0), 9223372036854775807) AS BIGINT)")
    } else {
        format!("CAST(TOTAL({value}) AS INTEGER)")
    }
}

/// The reporting month of the date column `date` as a `YYYYMM` integer (the 15th and later
/// belong to the next month: `api::domain::calendar::reporting_month` in SQL).
pub fn reporting_month_sql(date: &str, postgres: bool) -> String {
    if postgres {
        format!(
            "(CASE WHEN EXTRACT(DAY FROM {date}) >= 15 \
             THEN CAST(to_char({date} + INTERVAL '1 month', 'YYYYMM') AS BIGINT) \
             ELSE CAST(to_char({date}, 'YYYYMM') AS BIGINT) END)"
        )
    } else {
        format!(
            "(CASE WHEN CAST(strftime('%d', {date}) AS INTEGER) >= 15 \
             THEN CAST(strftime('%Y%m', date({date}, 'start of month', '+1 month')) AS INTEGER) \
             ELSE CAST(strftime('%Y%m', {date}) AS INTEGER) END)"
        )
    }
}

/// The rollups: each figure of [`Figure::ALL`] summed over the cases that are not archived,
/// per reporting month and per value of the case row's own key columns (lead agency, commune,
/// violation type, commodity group, channel, platform, status). A dashboard over whole
/// reporting months reads a few thousand of these rows a month instead of every case.
///
/// **Two tables.** `case_rollups` is keyed by every part, status included; the status
/// multiplies its rows about 2.6 times (356 000 against 137 000 at a million generated cases),
/// and a year's dashboard reads every row of two years, so `case_rollups_any_status` holds the
/// same sums without the status, for the statistics that do not filter on it (most of them).
/// Both are kept by the same writes.
///
/// **NULL key parts.** A case's commune and platform may be NULL, and NULLs never conflict in
/// a unique key on SQLite (PostgreSQL's `NULLS NOT DISTINCT` has no SQLite counterpart), so an
/// upsert would add a row instead of updating one. The tables store [`NO_ID`] (0: ids start at
/// 1) for no commune and [`NO_TEXT`] ('': never a stored enum value) for no platform; readers
/// map them back to "none".
///
/// A key whose cases all left it keeps its row with every sum 0 (a row is never deleted by the
/// writes): readers skip rows with `cases_detected = 0`, which are exactly those.
pub mod rollup {
    use super::{CASE_ROW, Figure, reporting_month_sql};

    /// The stored commune of a case without one.
    pub const NO_ID: i64 = 0;
    /// The stored platform of a case without one.
    pub const NO_TEXT: &str = "";
    /// The key columns, in the primary key's order (the month first: reads are month ranges);
    /// the status, last, only in [`Rollup::ByStatus`].
    const KEY: [&str; 8] = [
        "month",
        "lead_agency_id",
        "commune_id",
        "violation_type",
        "commodity_group",
        "channel",
        "platform",
        "status",
    ];
    /// The key columns that hold ids (the others hold text).
    pub const ID_KEY: [&str; 3] = ["month", "lead_agency_id", "commune_id"];

    /// The coarse table's key: what a dashboard by agency and group reads, a tenth of the rows
    /// (no commune, channel, platform or status).
    const AGENCY_KEY: [&str; 4] = [
        "month",
        "lead_agency_id",
        "violation_type",
        "commodity_group",
    ];

    /// One of the rollup tables (see the module doc): the same figures over coarser keys, each
    /// read when its key holds every column a statement filters or groups by.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Rollup {
        ByStatus,
        AnyStatus,
        /// Month × lead agency × violation type × commodity group (issue 11: a YEAR by agency
        /// and official group read every commune's and channel's rows of twelve months).
        ByAgency,
    }

    impl Rollup {
        /// Every table, in the order writes lock them.
        pub const ALL: [Rollup; 3] = [Rollup::ByStatus, Rollup::AnyStatus, Rollup::ByAgency];

        pub fn table(self) -> &'static str {
            match self {
                Rollup::ByStatus => "case_rollups",
                Rollup::AnyStatus => "case_rollups_any_status",
                Rollup::ByAgency => "case_rollups_by_agency",
            }
        }

        /// Its key columns, in its primary key's order.
        pub fn key(self) -> &'static [&'static str] {
            match self {
                Rollup::ByStatus => &KEY,
                Rollup::AnyStatus => &KEY[..KEY.len() - 1],
                Rollup::ByAgency => &AGENCY_KEY,
            }
        }

        /// The coarsest table whose key holds every column in `columns` (`status` among them
        /// only when a statement filters by it).
        pub fn covering(columns: &[&str]) -> Rollup {
            [Rollup::ByAgency, Rollup::AnyStatus, Rollup::ByStatus]
                .into_iter()
                .find(|r| columns.iter().all(|c| r.key().contains(c)))
                .unwrap_or(Rollup::ByStatus)
        }

        /// The key then the figures' columns, as a column list.
        pub fn column_list(self) -> String {
            self.key()
                .iter()
                .copied()
                .chain(Figure::ALL.iter().map(|f| f.name()))
                .collect::<Vec<_>>()
                .join(", ")
        }

        /// What the cases matching `filter` (SQL on `cases`, e.g. `cases.id IN (…)`)
        /// contribute to each key, times `sign`: the rebuild's `SELECT` (with `1 = 1`) and each
        /// write's.
        pub fn contribution(self, postgres: bool, sign: i64, filter: &str) -> String {
            let keys = self
                .key()
                .iter()
                .map(|c| key_value(c, postgres))
                .collect::<Vec<_>>()
                .join(", ");
            // CAST: PostgreSQL sums BIGINT into NUMERIC; both sides store a 64-bit integer.
            let sums = Figure::ALL
                .iter()
                .map(|f| format!("CAST({sign} * SUM({}) AS BIGINT)", f.per_case(&CASE_ROW)))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "SELECT {keys}, {sums} FROM cases LEFT JOIN investigation_records \
                 ON investigation_records.case_id = cases.id AND investigation_records.archived_at IS NULL \
                 WHERE cases.archived_at IS NULL AND ({filter}) GROUP BY {keys}"
            )
        }

        /// Adds [`Rollup::contribution`] to the table in one statement: a key met for the first
        /// time gets its row, an existing one has each sum increased.
        pub fn add(self, postgres: bool, sign: i64, filter: &str) -> String {
            let table = self.table();
            let sets = Figure::ALL
                .iter()
                .map(|f| format!("{n} = {table}.{n} + excluded.{n}", n = f.name()))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "INSERT INTO {table} ({}) {} ON CONFLICT ({}) DO UPDATE SET {sets}",
                self.column_list(),
                self.contribution(postgres, sign, filter),
                self.key().join(", ")
            )
        }

        /// Fills the empty table from every case (the migration's backfill and the rebuild),
        /// in month order: a month's rows then lie together, so reading a few months takes the
        /// primary key's range (PostgreSQL's planner sees the correlation) instead of every
        /// page.
        pub fn fill(self, postgres: bool) -> String {
            format!(
                "INSERT INTO {} ({}) {} ORDER BY 1",
                self.table(),
                self.column_list(),
                self.contribution(postgres, 1, "1 = 1")
            )
        }
    }

    impl Rollup {
        /// Fills the empty table by summing a finer one's rows (`finer`'s key holds this one's)
        /// instead of every case: a few hundred thousand rows rather than a million cases and
        /// their investigation records. Keys whose cases all left hold only zeros and are not
        /// carried over.
        pub fn fill_from(self, finer: Rollup) -> String {
            debug_assert!(self.key().iter().all(|c| finer.key().contains(c)));
            let keys = self.key().join(", ");
            let sums = Figure::ALL
                .iter()
                .map(|f| format!("CAST(SUM({n}) AS BIGINT)", n = f.name()))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "INSERT INTO {} ({}) SELECT {keys}, {sums} FROM {} GROUP BY {keys} \
                 HAVING SUM({detected}) <> 0 ORDER BY 1",
                self.table(),
                self.column_list(),
                finer.table(),
                detected = Figure::CasesDetected.name(),
            )
        }
    }

    /// A key column's value for a case row.
    fn key_value(column: &str, postgres: bool) -> String {
        match column {
            "month" => reporting_month_sql("\"cases\".\"detected_on\"", postgres),
            "commune_id" => format!("COALESCE(\"cases\".\"commune_id\", {NO_ID})"),
            "platform" => format!("COALESCE(\"cases\".\"platform\", '{NO_TEXT}')"),
            other => format!("\"cases\".\"{other}\""),
        }
    }
}
