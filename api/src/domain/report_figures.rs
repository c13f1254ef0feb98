//! The figures of a periodic report (báo cáo định kỳ) and their corrections: for each of the
//! three official groups, the counts and amounts of DOMAIN.md. Stored as JSON
//! `{ "<official group>": { "<field>": n, … }, … }` (the shape of the demo data), once as
//! computed (`computed_figures`) and once as filed after corrections (`figures`). How each
//! figure is computed is [`super::figures`]; this module is what a report does with them.

use serde_json::{Map, Value as Json, json};

use crate::domain::vocab::OfficialGroup;
use crate::error::{AppError, AppResult};

crate::db_enum!(
    /// A figure of a periodic report.
    ReportField {
        CasesDetected = "cases_detected",
        CasesHandledAdministrative = "cases_handled_administrative",
        CasesHandledCriminal = "cases_handled_criminal",
        /// Subjects (persons and organisations) of the cases: a count, never who.
        SubjectCount = "subjects",
        ProsecutedCases = "prosecuted_cases",
        Defendants = "defendants",
        Fines = "fines",
        TaxArrears = "tax_arrears",
        ConfiscatedSales = "confiscated_sales",
        BudgetCollected = "budget_collected",
        GoodsValue = "goods_value",
    }
);

impl ReportField {
    /// An amount in whole đồng (else a count).
    pub fn is_money(self) -> bool {
        matches!(
            self,
            ReportField::Fines
                | ReportField::TaxArrears
                | ReportField::ConfiscatedSales
                | ReportField::BudgetCollected
                | ReportField::GoodsValue
        )
    }
}

/// One correction: a figure replaced, in one group (the value is non-negative: a count or
/// whole đồng, checked by the caller's `Vnd`).
pub struct Correction {
    pub group: OfficialGroup,
    pub field: ReportField,
    pub value: i64,
}

/// The largest count a report states (a typo guard; amounts are bounded by `Vnd`).
const MAX_COUNT: i64 = 1_000_000;
/// Most figures one request corrects (three groups × eleven figures fit).
const MAX_CORRECTIONS: usize = 100;
const REASON_MAX: usize = 2_000;

/// Checks a list of corrections: at most 100, counts no larger than a million.
pub fn check_corrections(list: Vec<Correction>) -> AppResult<Vec<Correction>> {
    if list.len() > MAX_CORRECTIONS {
        return Err(AppError::bad_input(format!(
            "`corrections` takes at most {MAX_CORRECTIONS} figures"
        )));
    }
    if let Some(c) = list
        .iter()
        .find(|c| !c.field.is_money() && c.value > MAX_COUNT)
    {
        return Err(AppError::bad_input(format!(
            "`corrections`: {} is a count, at most {MAX_COUNT}",
            c.field.as_str()
        )));
    }
    Ok(list)
}

/// A correction needs its reason; a reason without corrections is a mistake of the client.
pub fn correction_reason(
    corrections: &[Correction],
    reason: Option<&str>,
) -> AppResult<Option<String>> {
    let reason = reason
        .map(|r| crate::text::client_text("correctionReason", r))
        .transpose()?
        .flatten();
    match (corrections.is_empty(), reason) {
        (true, None) => Ok(None),
        (true, Some(_)) => Err(AppError::bad_input(
            "`correctionReason` is given without `corrections`",
        )),
        (false, None) => Err(AppError::bad_input(
            "correcting a computed figure needs a `correctionReason`",
        )),
        (false, Some(r)) if r.chars().count() > REASON_MAX => Err(AppError::bad_input(format!(
            "`correctionReason` is longer than {REASON_MAX} characters"
        ))),
        (false, Some(r)) => Ok(Some(r)),
    }
}

/// Zero figures for every group.
pub fn zeros() -> Map<String, Json> {
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

/// A stored figure of a group (missing values are 0, negative ones too).
pub fn stored(figures: &Json, group: OfficialGroup, field: ReportField) -> i64 {
    figures
        .get(group.as_str())
        .and_then(|g| g.get(field.as_str()))
        .and_then(Json::as_i64)
        .unwrap_or(0)
        .max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(field: ReportField, value: i64) -> Correction {
        Correction {
            group: OfficialGroup::CounterfeitAndIp,
            field,
            value,
        }
    }

    #[test]
    fn corrections_replace_figures() {
        let base = json!({"counterfeit_and_ip": {"cases_detected": 3, "fines": 10}});
        let out = apply(&base, &[fix(ReportField::Fines, 25)]).unwrap();
        assert_eq!(out["counterfeit_and_ip"]["fines"], 25);
        assert_eq!(out["counterfeit_and_ip"]["cases_detected"], 3);
        assert_eq!(out["smuggling_and_prohibited"]["cases_detected"], 0);
        let twice = [fix(ReportField::Fines, 1), fix(ReportField::Fines, 2)];
        assert!(apply(&base, &twice).is_err());
    }

    #[test]
    fn corrections_are_bounded_and_need_a_reason() {
        assert!(check_corrections(vec![fix(ReportField::Fines, 2_000_000)]).is_ok());
        assert!(check_corrections(vec![fix(ReportField::Defendants, 2_000_000)]).is_err());
        let many = (0..101).map(|_| fix(ReportField::Fines, 1)).collect();
        assert!(check_corrections(many).is_err());
        let one = [fix(ReportField::Fines, 1)];
        assert!(correction_reason(&one, Some("  ")).is_err());
        assert!(correction_reason(&[], Some("lý do")).is_err());
        assert_eq!(correction_reason(&[], None).unwrap(), None);
        assert_eq!(
            correction_reason(&one, Some(" Số liệu sai ")).unwrap(),
            Some("Số liệu sai".into())
        );
    }
}
