//! A report's figures: for each of the three official groups, the counts and amounts of
//! DOMAIN.md, computed in SQL from the cases the agency leads that were detected in the period.
//!
//! Stored as JSON `{ "<official group>": { "<field>": n, … }, … }` (the shape of the demo
//! data), once as computed (`computed_figures`) and once as filed after corrections (`figures`).
//!
//! The figures are defined once, in `domain::figures`, and computed by the statement
//! `statistics` runs; `confiscated_sales` (what the budget collected beyond fines and tax
//! arrears: the sale of confiscated goods) is derived here.

use async_graphql::{Enum, SimpleObject};
use sea_orm::ConnectionTrait;
use serde_json::{Map, Value as Json, json};

use crate::domain::vocab::OfficialGroup;
use crate::error::{AppError, AppResult};
use crate::graphql::context::Vnd;

/// A figure of a periodic report.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(visible = "crate::graphql::guards::reports_visible")]
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

/// Computes an agency's figures for a period: the very statement `statistics` runs
/// (`statistics::service::aggregate`, figures defined once in `domain::figures`), over the
/// cases the agency leads, grouped by official group — so a report's prefill and the
/// dashboard's row for the agency cannot differ.
pub async fn compute<C: ConnectionTrait>(
    conn: &C,
    agency_id: i64,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
) -> AppResult<Json> {
    use crate::domain::calendar::DateRange;
    use crate::service::statistics::{Dimension, KeyPart, aggregate};
    use sea_orm::{ColumnTrait, Condition};
    let cond = Condition::all()
        .add(entity::cases::Column::LeadAgencyId.eq(agency_id))
        .add(entity::cases::Column::ArchivedAt.is_null());
    let range = DateRange {
        from: start,
        to: end,
    };
    let rows = aggregate(
        conn,
        cond,
        [range, range, range],
        &[Dimension::OfficialGroup],
    )
    .await?;
    let mut out = zeros();
    for (key, [f, _, _]) in rows {
        let Some(KeyPart::Text(Some(group))) = key.first() else {
            return Err(AppError::internal(anyhow::anyhow!(
                "a case has an unknown violation type"
            )));
        };
        let sales = (f.budget_collected - f.fines - f.tax_arrears).max(0);
        let fields: Map<String, Json> = [
            (ReportField::CasesDetected, f.cases_detected),
            (
                ReportField::CasesHandledAdministrative,
                f.handled_administratively,
            ),
            (ReportField::CasesHandledCriminal, f.handled_criminally),
            (ReportField::SubjectCount, f.subjects),
            (ReportField::ProsecutedCases, f.prosecuted_cases),
            (ReportField::Defendants, f.defendants),
            (ReportField::Fines, f.fines),
            (ReportField::TaxArrears, f.tax_arrears),
            (ReportField::ConfiscatedSales, sales),
            (ReportField::BudgetCollected, f.budget_collected),
            (ReportField::GoodsValue, f.goods_value),
        ]
        .into_iter()
        .map(|(field, n)| (field.as_str().to_string(), json!(n)))
        .collect();
        out.insert(group.clone(), Json::Object(fields));
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
#[graphql(visible = "crate::graphql::guards::reports_visible")]
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
