//! A report's figures: for each of the three official groups, the counts and amounts of
//! DOMAIN.md, computed in SQL from the cases the agency leads that were detected in the period.
//!
//! Stored as JSON `{ "<official group>": { "<field>": n, … }, … }` (the shape of the demo
//! data), once as computed (`computed_figures`) and once as filed after corrections (`figures`).
//!
//! Definitions (archived cases, subjects and investigation records are not counted):
//! - `cases_detected`: the agency's cases detected in the period;
//! - `cases_handled_administrative`: of those, handled administratively, or closed without an
//!   investigation record (closed without going through the police);
//! - `cases_handled_criminal`: transferred to the police or prosecuted, or closed with an
//!   investigation record;
//! - `subjects`: subjects of those cases;
//! - `prosecuted_cases`: prosecuted, or with a prosecution date on their investigation record;
//! - `defendants`: the sum of the investigation records' defendants;
//! - `fines`, `tax_arrears`, `budget_collected`, `goods_value`: sums of the cases' amounts;
//!   `confiscated_sales` is what the budget collected beyond fines and tax arrears (the sale
//!   of confiscated goods).

use async_graphql::{Enum, SimpleObject};
use sea_orm::{ConnectionTrait, Statement, Value};
use serde_json::{Map, Value as Json, json};

use crate::error::{AppError, AppResult};
use crate::graphql::Vnd;
use crate::vocab::{OfficialGroup, ViolationType};

/// A figure of a periodic report.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(visible = "crate::reports::reports_visible")]
pub enum ReportField {
    CasesDetected,
    CasesHandledAdministrative,
    CasesHandledCriminal,
    /// Subjects (persons and organisations) of the cases: a count, never who.
    SubjectCount,
    ProsecutedCases,
    Defendants,
    Fines,
    TaxArrears,
    ConfiscatedSales,
    BudgetCollected,
    GoodsValue,
}

impl ReportField {
    pub const ALL: [ReportField; 11] = [
        ReportField::CasesDetected,
        ReportField::CasesHandledAdministrative,
        ReportField::CasesHandledCriminal,
        ReportField::SubjectCount,
        ReportField::ProsecutedCases,
        ReportField::Defendants,
        ReportField::Fines,
        ReportField::TaxArrears,
        ReportField::ConfiscatedSales,
        ReportField::BudgetCollected,
        ReportField::GoodsValue,
    ];

    /// The key in the stored JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportField::CasesDetected => "cases_detected",
            ReportField::CasesHandledAdministrative => "cases_handled_administrative",
            ReportField::CasesHandledCriminal => "cases_handled_criminal",
            ReportField::SubjectCount => "subjects",
            ReportField::ProsecutedCases => "prosecuted_cases",
            ReportField::Defendants => "defendants",
            ReportField::Fines => "fines",
            ReportField::TaxArrears => "tax_arrears",
            ReportField::ConfiscatedSales => "confiscated_sales",
            ReportField::BudgetCollected => "budget_collected",
            ReportField::GoodsValue => "goods_value",
        }
    }
}

/// The SQL `CASE` mapping a stored violation type to its official group, built from
/// [`ViolationType::official_group`] so the two can never disagree. The literals are our own
/// vocabulary (lower-case ASCII and underscores), never user input.
fn group_case(column: &str) -> String {
    let mut sql = format!("CASE {column}");
    for t in ViolationType::ALL {
        let (v, g) = (t.as_str(), t.official_group().as_str());
        debug_assert!(
            v.chars()
                .chain(g.chars())
                .all(|c| c.is_ascii_lowercase() || c == '_')
        );
        sql.push_str(&format!(" WHEN '{v}' THEN '{g}'"));
    }
    sql.push_str(" END");
    sql
}

fn figures_sql(backend: sea_orm::DbBackend) -> String {
    let p = |n: usize| match backend {
        sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    };
    format!(
        "SELECT {group} AS official_group,
            COUNT(*) AS cases_detected,
            CAST(SUM(CASE WHEN c.status = 'handled_administratively'
                           OR (c.status = 'closed' AND i.case_id IS NULL) THEN 1 ELSE 0 END)
                 AS BIGINT) AS cases_handled_administrative,
            CAST(SUM(CASE WHEN c.status IN ('transferred_to_police', 'prosecuted')
                           OR (c.status = 'closed' AND i.case_id IS NOT NULL) THEN 1 ELSE 0 END)
                 AS BIGINT) AS cases_handled_criminal,
            CAST(SUM(COALESCE(s.n, 0)) AS BIGINT) AS subjects,
            CAST(SUM(CASE WHEN c.status = 'prosecuted' OR COALESCE(i.prosecuted, 0) > 0
                          THEN 1 ELSE 0 END) AS BIGINT) AS prosecuted_cases,
            CAST(SUM(COALESCE(i.defendants, 0)) AS BIGINT) AS defendants,
            CAST(SUM(c.fine_amount) AS BIGINT) AS fines,
            CAST(SUM(c.tax_arrears) AS BIGINT) AS tax_arrears,
            CAST(SUM(c.budget_collected) AS BIGINT) AS budget_collected,
            CAST(SUM(c.goods_value) AS BIGINT) AS goods_value
         FROM cases c
         LEFT JOIN (SELECT case_id, COUNT(*) AS n FROM subjects
                    WHERE archived_at IS NULL GROUP BY case_id) s ON s.case_id = c.id
         LEFT JOIN (SELECT case_id, SUM(defendants) AS defendants,
                           SUM(CASE WHEN prosecuted_on IS NOT NULL THEN 1 ELSE 0 END) AS prosecuted
                    FROM investigation_records
                    WHERE archived_at IS NULL GROUP BY case_id) i ON i.case_id = c.id
         WHERE c.lead_agency_id = {p1} AND c.detected_on >= {p2} AND c.detected_on <= {p3}
           AND c.archived_at IS NULL
         GROUP BY {group}",
        group = group_case("c.violation_type"),
        p1 = p(1),
        p2 = p(2),
        p3 = p(3),
    )
}

/// Zero figures for every group.
fn zeros() -> Map<String, Json> {
    OfficialGroup::ALL
        .iter()
        .map(|g| {
            let fields: Map<String, Json> = ReportField::ALL
                .iter()
                .map(|f| (f.as_str().to_string(), json!(0)))
                .collect();
            (g.as_str().to_string(), Json::Object(fields))
        })
        .collect()
}

/// Computes an agency's figures for a period.
pub async fn compute<C: ConnectionTrait>(
    conn: &C,
    agency_id: i64,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
) -> AppResult<Json> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            figures_sql(backend),
            [Value::from(agency_id), Value::from(start), Value::from(end)],
        ))
        .await?;
    let mut out = zeros();
    for row in rows {
        let group: Option<String> = row.try_get("", "official_group")?;
        let group = group.ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("a case has an unknown violation type"))
        })?;
        let mut fields = Map::new();
        for f in ReportField::ALL {
            if f == ReportField::ConfiscatedSales {
                continue;
            }
            let n: i64 = row.try_get("", f.as_str())?;
            fields.insert(f.as_str().to_string(), json!(n));
        }
        let get = |k: &str| fields.get(k).and_then(Json::as_i64).unwrap_or(0);
        let sales = (get("budget_collected") - get("fines") - get("tax_arrears")).max(0);
        fields.insert(
            ReportField::ConfiscatedSales.as_str().to_string(),
            json!(sales),
        );
        out.insert(group, Json::Object(fields));
    }
    Ok(Json::Object(out))
}

/// One correction: a figure replaced, in one group.
pub struct Correction {
    pub group: OfficialGroup,
    pub field: ReportField,
    pub value: i64,
}

/// Applies corrections to figures. The same figure corrected twice in one request is
/// `BAD_USER_INPUT` (which value would be meant?).
pub fn apply(figures: &Json, corrections: &[Correction]) -> AppResult<Json> {
    let mut out = zeros();
    if let Json::Object(stored) = figures {
        for (g, fields) in stored {
            if let (Some(Json::Object(target)), Json::Object(fields)) = (out.get_mut(g), fields) {
                for (k, v) in fields {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
    }
    for (i, c) in corrections.iter().enumerate() {
        if corrections[..i]
            .iter()
            .any(|o| o.group == c.group && o.field == c.field)
        {
            return Err(AppError::bad_input(format!(
                "`corrections` changes {} of {} twice",
                c.field.as_str(),
                c.group.as_str()
            )));
        }
        if let Some(Json::Object(target)) = out.get_mut(c.group.as_str()) {
            target.insert(c.field.as_str().to_string(), json!(c.value));
        }
    }
    Ok(Json::Object(out))
}

/// The figures of one official group, as the API shows them.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
#[graphql(visible = "crate::reports::reports_visible")]
pub struct GroupFigures {
    pub group: OfficialGroup,
    pub cases_detected: i32,
    pub cases_handled_administrative: i32,
    pub cases_handled_criminal: i32,
    /// How many subjects the cases have (a count, never who).
    pub subject_count: i32,
    pub prosecuted_cases: i32,
    pub defendants: i32,
    pub fines: Vnd,
    pub tax_arrears: Vnd,
    /// Sale of confiscated goods.
    pub confiscated_sales: Vnd,
    pub budget_collected: Vnd,
    pub goods_value: Vnd,
}

/// Reads stored figures (missing values are 0), in the order of the official groups.
pub fn read(figures: &Json) -> Vec<GroupFigures> {
    OfficialGroup::ALL
        .iter()
        .map(|&group| {
            let g = figures.get(group.as_str());
            let n = |f: ReportField| {
                g.and_then(|g| g.get(f.as_str()))
                    .and_then(Json::as_i64)
                    .unwrap_or(0)
                    .max(0)
            };
            let count = |f: ReportField| i32::try_from(n(f)).unwrap_or(i32::MAX);
            GroupFigures {
                group,
                cases_detected: count(ReportField::CasesDetected),
                cases_handled_administrative: count(ReportField::CasesHandledAdministrative),
                cases_handled_criminal: count(ReportField::CasesHandledCriminal),
                subject_count: count(ReportField::SubjectCount),
                prosecuted_cases: count(ReportField::ProsecutedCases),
                defendants: count(ReportField::Defendants),
                fines: Vnd(n(ReportField::Fines)),
                tax_arrears: Vnd(n(ReportField::TaxArrears)),
                confiscated_sales: Vnd(n(ReportField::ConfiscatedSales)),
                budget_collected: Vnd(n(ReportField::BudgetCollected)),
                goods_value: Vnd(n(ReportField::GoodsValue)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_maps_every_violation_type() {
        let sql = group_case("v");
        for t in ViolationType::ALL {
            assert!(sql.contains(&format!(
                "WHEN '{}' THEN '{}'",
                t.as_str(),
                t.official_group().as_str()
            )));
        }
    }

    #[test]
    fn corrections_replace_figures() {
        let base = json!({"counterfeit_and_ip": {"cases_detected": 3, "fines": 10}});
        let out = apply(
            &base,
            &[Correction {
                group: OfficialGroup::CounterfeitAndIp,
                field: ReportField::Fines,
                value: 25,
            }],
        )
        .unwrap();
        assert_eq!(out["counterfeit_and_ip"]["fines"], 25);
        assert_eq!(out["counterfeit_and_ip"]["cases_detected"], 3);
        assert_eq!(out["smuggling_and_prohibited"]["cases_detected"], 0);
        let twice = [
            Correction {
                group: OfficialGroup::CounterfeitAndIp,
                field: ReportField::Fines,
                value: 1,
            },
            Correction {
                group: OfficialGroup::CounterfeitAndIp,
                field: ReportField::Fines,
                value: 2,
            },
        ];
        assert!(apply(&base, &twice).is_err());
    }
}
