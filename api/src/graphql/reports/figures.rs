//! A report's figures as the API shows them: the GraphQL face of
//! [`crate::domain::report_figures`] (what a report's figures are, how corrections apply) and
//! of [`crate::service::reports::compute`] (how they are computed).

use async_graphql::SimpleObject;
use serde_json::Value as Json;

use crate::domain::report_figures::{ReportField as Field, stored};
use crate::domain::vocab::OfficialGroup;
use crate::graphql::context::Vnd;

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
            let n = |f: Field| stored(figures, group, f);
            let count = |f: Field| i32::try_from(n(f)).unwrap_or(i32::MAX);
            GroupFigures {
                group,
                cases_detected: count(Field::CasesDetected),
                cases_handled_administrative: count(Field::CasesHandledAdministrative),
                cases_handled_criminal: count(Field::CasesHandledCriminal),
                subject_count: count(Field::SubjectCount),
                prosecuted_cases: count(Field::ProsecutedCases),
                defendants: count(Field::Defendants),
                fines: Vnd(n(Field::Fines)),
                tax_arrears: Vnd(n(Field::TaxArrears)),
                confiscated_sales: Vnd(n(Field::ConfiscatedSales)),
                budget_collected: Vnd(n(Field::BudgetCollected)),
                goods_value: Vnd(n(Field::GoodsValue)),
            }
        })
        .collect()
}
