//! Case queries: scoping, filters, folded search and keyset pagination, as SQL.

use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoIden, LikeExpr, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, IdenStatic, PaginatorTrait,
    QueryFilter,
};

use entity::{
    agencies, campaigns, case_campaigns, cases, communes, customs_records, seizures, subjects,
};

use crate::auth::Viewer;
use crate::db::Reads;
use crate::domain::access::{CaseReaders, CaseScope, Compartment, Reach, case_scope, reach};
use crate::domain::types::{DeclarationNumber, HsCode, IdNumber};
use crate::domain::vocab::{CaseStatus, Channel, CommodityGroup, Platform, ViolationType};
use crate::error::{AppError, AppResult};
use crate::service::paging::{after_date_cursor, date_cursor, split_page};
use crate::service::rows::{Narrowed, PAGE, Page, Readable, Side, page_beside};
use crate::text::{fold, like_escape};

/// Case filters in service terms (the GraphQL input maps onto this).
#[derive(Debug, Default, Clone)]
pub struct CaseFilterParams {
    pub status: Vec<CaseStatus>,
    pub violation_type: Vec<ViolationType>,
    pub commodity_group: Vec<CommodityGroup>,
    pub channel: Vec<Channel>,
    pub platform: Vec<Platform>,
    pub lead_agency: Option<String>,
    pub commune: Option<String>,
    pub campaign: Option<String>,
    pub detected_from: Option<NaiveDate>,
    pub detected_to: Option<NaiveDate>,
    /// Police compartment.
    pub subject_name: Option<String>,
    /// Police compartment.
    pub subject_id_number: Option<String>,
    /// Customs compartment.
    pub declaration_number: Option<String>,
    /// Customs compartment.
    pub hs_code: Option<String>,
}

const MAX_TEXT: usize = 200;

fn contains(
    col: impl sea_orm::sea_query::IntoColumnRef,
    folded: &str,
) -> sea_orm::sea_query::SimpleExpr {
    Expr::col(col).like(LikeExpr::new(format!("%{}%", like_escape(folded))).escape('\\'))
}

fn text_arg(name: &str, value: &Option<String>) -> AppResult<Option<String>> {
    let Some(v) = value else {
        return Ok(None);
    };
    match crate::text::client_text(name, v)? {
        None => Err(AppError::bad_input(format!("`{name}` must not be empty"))),
        Some(v) if v.chars().count() > MAX_TEXT => Err(AppError::bad_input(format!(
            "`{name}` is longer than {MAX_TEXT} characters"
        ))),
        Some(v) => Ok(Some(v)),
    }
}

/// Refuses a restricted filter for a role that never reaches its compartment; for a role that
/// reaches it only on its own agency's cases, narrows the search to those (so the filter cannot
/// be used as an oracle on other agencies' cases).
fn restricted_filter(
    viewer: &Viewer,
    compartment: Compartment,
    name: &str,
    cond: Condition,
) -> AppResult<Condition> {
    match reach(viewer.role, compartment) {
        Reach::All => Ok(cond),
        Reach::OwnAgency => {
            let agency = viewer.agency_id.ok_or_else(|| {
                AppError::forbidden(format!(
                    "filter `{name}` needs the {} compartment",
                    compartment.name()
                ))
            })?;
            Ok(cond.add(cases::Column::LeadAgencyId.eq(agency)))
        }
        Reach::None => Err(AppError::forbidden(format!(
            "filter `{name}` needs the {} compartment, which your role may not read",
            compartment.name()
        ))),
    }
}

/// De-duplicates an enum filter list (so no list can exceed the bound-parameter limits).
fn distinct<T: Copy + PartialEq>(v: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for x in v {
        if !out.contains(x) {
            out.push(*x);
        }
    }
    out
}

/// The codes of a figures filter as they are meant: trimmed (as the listing reads them, so
/// the rule on police figures compares the code the count uses), and each naming an agency or
/// commune that exists — a typo is the client's mistake, not a dashboard of zeros (`statistics`
/// and the export answer alike; a review of stop 37 found one refusing and one counting
/// nothing). Agencies and communes are reference data every role reads: refusing tells nothing.
pub async fn known_codes(
    db: &sea_orm::DatabaseConnection,
    directory: &crate::service::viewer::Directory,
    filter: &mut CaseFilterParams,
) -> AppResult<()> {
    if let Some(code) = text_arg("leadAgency", &filter.lead_agency)? {
        if directory.agency(db, &code).await?.is_none() {
            return Err(AppError::bad_input("`leadAgency`: no agency has this code"));
        }
        filter.lead_agency = Some(code);
    }
    if let Some(code) = text_arg("commune", &filter.commune)? {
        if directory.commune(db, &code).await?.is_none() {
            return Err(AppError::bad_input("`commune`: no commune has this code"));
        }
        filter.commune = Some(code);
    }
    Ok(())
}

/// The viewer's commune, when it sees the cases of one commune only.
pub fn commune_scope(viewer: &Viewer) -> AppResult<Option<i64>> {
    Ok(match case_scope(viewer)? {
        CaseScope::Commune(commune_id) => Some(commune_id),
        CaseScope::All => None,
    })
}

/// Adds to `cond` the filters on the case row's own columns — the viewer's commune (`scope`),
/// status, types, channel, platform, lead agency, commune — as conditions on those columns of
/// `table`: `cases`, or the rollups, which key their rows by the same columns
/// (`service::statistics`).
pub fn key_condition(
    mut cond: Condition,
    table: impl IntoIden,
    scope: Option<i64>,
    filter: &CaseFilterParams,
) -> AppResult<Condition> {
    let table = table.into_iden();
    let col = |c: cases::Column| Expr::col((table.clone(), c));
    if let Some(commune_id) = scope {
        cond = cond.add(col(cases::Column::CommuneId).eq(commune_id));
    }
    if !filter.status.is_empty() {
        cond = cond.add(
            col(cases::Column::Status)
                .is_in(distinct(&filter.status).into_iter().map(|s| s.as_str())),
        );
    }
    if !filter.violation_type.is_empty() {
        cond = cond.add(
            col(cases::Column::ViolationType).is_in(
                distinct(&filter.violation_type)
                    .into_iter()
                    .map(|s| s.as_str()),
            ),
        );
    }
    if !filter.commodity_group.is_empty() {
        cond = cond.add(
            col(cases::Column::CommodityGroup).is_in(
                distinct(&filter.commodity_group)
                    .into_iter()
                    .map(|s| s.as_str()),
            ),
        );
    }
    if !filter.channel.is_empty() {
        cond = cond.add(
            col(cases::Column::Channel)
                .is_in(distinct(&filter.channel).into_iter().map(|s| s.as_str())),
        );
    }
    if !filter.platform.is_empty() {
        cond = cond.add(
            col(cases::Column::Platform)
                .is_in(distinct(&filter.platform).into_iter().map(|s| s.as_str())),
        );
    }
    if let Some(code) = text_arg("leadAgency", &filter.lead_agency)? {
        cond = cond.add(
            col(cases::Column::LeadAgencyId).in_subquery(
                Query::select()
                    .column(agencies::Column::Id)
                    .from(agencies::Entity)
                    .and_where(agencies::Column::Code.eq(code))
                    .to_owned(),
            ),
        );
    }
    if let Some(code) = text_arg("commune", &filter.commune)? {
        cond = cond.add(
            col(cases::Column::CommuneId).in_subquery(
                Query::select()
                    .column(communes::Column::Id)
                    .from(communes::Entity)
                    .and_where(communes::Column::Code.eq(code))
                    .to_owned(),
            ),
        );
    }
    Ok(cond)
}

/// The columns of the case row [`key_condition`] puts conditions on for this scope and filter
/// (what a rollup table's key must hold to answer it: `service::statistics`). Kept beside it;
/// a unit test renders each filter and compares.
pub fn key_columns(scope: Option<i64>, filter: &CaseFilterParams) -> Vec<&'static str> {
    let f = filter;
    [
        (scope.is_some() || f.commune.is_some(), "commune_id"),
        (!f.status.is_empty(), "status"),
        (!f.violation_type.is_empty(), "violation_type"),
        (!f.commodity_group.is_empty(), "commodity_group"),
        (!f.channel.is_empty(), "channel"),
        (!f.platform.is_empty(), "platform"),
        (f.lead_agency.is_some(), "lead_agency_id"),
    ]
    .into_iter()
    .filter_map(|(filtered, column)| filtered.then_some(column))
    .collect()
}

/// The cases with a current (not archived) row of `E` where `matches` holds, `E` being a
/// case's records of a compartment (subjects, customs records): what the restricted filters
/// search, so that an archived record finds its case no more.
fn has_current_record<E: EntityTrait>(
    case_id: E::Column,
    archived_at: E::Column,
    matches: sea_orm::sea_query::SimpleExpr,
) -> sea_orm::sea_query::SimpleExpr {
    cases::Column::Id.in_subquery(
        Query::select()
            .column(case_id)
            .from(E::default())
            .and_where(matches)
            .and_where(archived_at.is_null())
            .to_owned(),
    )
}

/// [`has_current_record`] among the subjects.
fn current_subjects(matches: sea_orm::sea_query::SimpleExpr) -> sea_orm::sea_query::SimpleExpr {
    has_current_record::<subjects::Entity>(
        subjects::Column::CaseId,
        subjects::Column::ArchivedAt,
        matches,
    )
}

/// The full `WHERE` of a case listing for this viewer: scope, archive, filters, search.
pub fn case_condition(
    viewer: &Viewer,
    filter: &CaseFilterParams,
    search: Option<&str>,
) -> AppResult<Condition> {
    let cond = Condition::all().add(cases::Column::ArchivedAt.is_null());
    let mut cond = key_condition(cond, cases::Entity, commune_scope(viewer)?, filter)?;
    if let Some(code) = text_arg("campaign", &filter.campaign)? {
        cond = cond.add(
            cases::Column::Id.in_subquery(
                Query::select()
                    .column(case_campaigns::Column::CaseId)
                    .from(case_campaigns::Entity)
                    .inner_join(
                        campaigns::Entity,
                        Expr::col((campaigns::Entity, campaigns::Column::Id))
                            .equals((case_campaigns::Entity, case_campaigns::Column::CampaignId)),
                    )
                    .and_where(Expr::col((campaigns::Entity, campaigns::Column::Code)).eq(code))
                    .to_owned(),
            ),
        );
    }
    if let (Some(from), Some(to)) = (filter.detected_from, filter.detected_to) {
        if from > to {
            return Err(AppError::bad_input("`detectedFrom` is after `detectedTo`"));
        }
    }
    if let Some(from) = filter.detected_from {
        cond = cond.add(cases::Column::DetectedOn.gte(from));
    }
    if let Some(to) = filter.detected_to {
        cond = cond.add(cases::Column::DetectedOn.lte(to));
    }

    // Restricted filters: checked before anything runs; refused ones return no data.
    if let Some(name) = text_arg("subjectName", &filter.subject_name)? {
        let matches = contains(subjects::Column::NameKey, &fold(&name));
        cond = restricted_filter(viewer, Compartment::Police, "subjectName", cond)?
            .add(current_subjects(matches));
    }
    // The numbers and codes below are compared in the form writes store them (digits), so
    // one typed with spaces or dots finds its record, and one that cannot be a number is the
    // client's mistake, not an empty page (a review, stop 35). What is refused depends on
    // the text alone, never on the data.
    if let Some(number) = text_arg("subjectIdNumber", &filter.subject_id_number)? {
        let number = IdNumber::parse("subjectIdNumber", &number)?.into_inner();
        let matches = subjects::Column::IdNumber.eq(number);
        cond = restricted_filter(viewer, Compartment::Police, "subjectIdNumber", cond)?
            .add(current_subjects(matches));
    }
    if let Some(number) = text_arg("declarationNumber", &filter.declaration_number)? {
        let number = DeclarationNumber::parse("declarationNumber", &number)?.into_inner();
        let matches = customs_records::Column::DeclarationNumber.eq(number);
        cond = restricted_filter(viewer, Compartment::Customs, "declarationNumber", cond)?.add(
            has_current_record::<customs_records::Entity>(
                customs_records::Column::CaseId,
                customs_records::Column::ArchivedAt,
                matches,
            ),
        );
    }
    if let Some(code) = text_arg("hsCode", &filter.hs_code)? {
        let code = HsCode::prefix("hsCode", &code)?;
        let in_seizures = has_current_record::<seizures::Entity>(
            seizures::Column::CaseId,
            seizures::Column::ArchivedAt,
            Expr::col(seizures::Column::HsCode).like(LikeExpr::new(format!("{code}%"))),
        );
        // A comma-separated list: the code begins the list or follows a comma.
        let listed = Condition::any()
            .add(
                Expr::col(customs_records::Column::HsCodes).like(LikeExpr::new(format!("{code}%"))),
            )
            .add(
                Expr::col(customs_records::Column::HsCodes)
                    .like(LikeExpr::new(format!("%,{code}%"))),
            );
        let in_customs = has_current_record::<customs_records::Entity>(
            customs_records::Column::CaseId,
            customs_records::Column::ArchivedAt,
            listed.into(),
        );
        cond = restricted_filter(viewer, Compartment::Customs, "hsCode", cond)?
            .add(Condition::any().add(in_seizures).add(in_customs));
    }
    if let Some(search) = search {
        if search.chars().count() > MAX_TEXT {
            return Err(AppError::bad_input(format!(
                "`search` is longer than {MAX_TEXT} characters"
            )));
        }
        // The folded phrase must appear in the folded key: "thuoc gia" finds "Thuốc giả" (and
        // not a case that merely has "thuốc" and "giá" far apart).
        let phrase = fold(search);
        if !phrase.is_empty() {
            cond = cond.add(contains(cases::Column::SearchKey, &phrase));
        }
    }
    Ok(cond)
}

/// A page of cases and what was read beside it.
pub struct CasePage<A, B> {
    pub rows: Vec<cases::Model>,
    pub has_next: bool,
    /// The rows of the page's relations read beside it ([`list`]'s sides), in each side's
    /// order; children of the row read only to tell that a next page exists included.
    pub beside: (Vec<A>, Vec<B>),
}

/// One page of cases, newest detection first, after the given cursor. `wanted`: the optional
/// columns (see [`optional`]) the caller will read; the others are not fetched. `a` and `b`:
/// relations to read in the same statement ([`page_beside`]), their parents named as
/// [`Parents::OfPage`](crate::service::rows::Parents::OfPage).
pub async fn list<A: Readable, B: Readable>(
    db: &Reads,
    cond: Condition,
    after: Option<&str>,
    size: u64,
    wanted: &[cases::Column],
    a: Option<Side<'_, A>>,
    b: Option<Side<'_, B>>,
) -> AppResult<CasePage<A::Model, B::Model>> {
    let reads = |c: cases::Column| !optional(c) || wanted.iter().any(|w| w.as_str() == c.as_str());
    let read = Narrowed::<cases::Entity>::new(reads);
    let page = Page {
        read: &read,
        condition: page_condition(cond, after)?,
        order: page_order(),
        rows: size + 1,
    };
    let (rows, left, right) = page_beside(db, page, a, b).await?;
    let (rows, has_next) = split_page(rows, size);
    Ok(CasePage {
        rows,
        has_next,
        beside: (left, right),
    })
}

/// The cases of a page read by [`list`] whose `compartment` the viewer reads, as a condition
/// on the page's rows ([`PAGE`]); `None` when it reads it on none.
pub fn readable_on_page(viewer: &Viewer, compartment: Compartment) -> Option<Condition> {
    let lead = Expr::col((Alias::new(PAGE), cases::Column::LeadAgencyId));
    match viewer.case_compartment_readers(compartment) {
        CaseReaders::All => Some(Condition::all()),
        CaseReaders::LeadAgency(agency) => Some(Condition::all().add(lead.eq(agency))),
        CaseReaders::Nobody => None,
    }
}

/// Whether a read of a page may leave this column of a case out (as a stand-in of
/// [`Narrowed`]): what only the fields that show it read — the texts (the title, the goods and
/// the search key are most of a row), the nullable references, the figures, the version and
/// the timestamps. The others are always read: the id and the cursor (`detected_on`), and what
/// the page's access checks and relations look at (lead agency, commune, status, archived).
pub fn optional(column: cases::Column) -> bool {
    use cases::Column as C;
    match column {
        C::Code
        | C::Title
        | C::ViolationType
        | C::CommodityGroup
        | C::Channel
        | C::GoodsSummary
        | C::SearchKey
        | C::Platform
        | C::BorderGateId
        | C::HandledOn
        | C::FineAmount
        | C::TaxArrears
        | C::GoodsValue
        | C::BudgetCollected
        | C::SubjectCount
        | C::Version
        | C::CreatedAt
        | C::UpdatedAt => true,
        C::Id | C::LeadAgencyId | C::CommuneId | C::DetectedOn | C::Status | C::ArchivedAt => false,
    }
}

/// The condition of [`list`]'s page: `cond`, and the rows after the cursor.
fn page_condition(cond: Condition, after: Option<&str>) -> AppResult<Condition> {
    let mut page = Condition::all().add(cond);
    if let Some(cursor) = after {
        // (detected_on, id) < (date, id): one range of idx_cases_detected_on_id, so a page a
        // million rows in costs what the first does.
        page = page.add(after_date_cursor(
            cases::Column::DetectedOn,
            cases::Column::Id,
            cursor,
        )?);
    }
    Ok(page)
}

/// The order of [`list`]'s pages: the index's (the caller takes the first `size + 1` rows).
fn page_order() -> Vec<(cases::Column, Order)> {
    vec![
        (cases::Column::DetectedOn, Order::Desc),
        (cases::Column::Id, Order::Desc),
    ]
}

pub fn cursor_of(case: &cases::Model) -> String {
    date_cursor(case.detected_on, case.id)
}

pub async fn count(db: &DatabaseConnection, cond: Condition) -> AppResult<u64> {
    Ok(cases::Entity::find().filter(cond).count(db).await?)
}

/// One case if it is in the viewer's scope (else `None`, as if it did not exist).
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Option<cases::Model>> {
    let cond = case_condition(viewer, &CaseFilterParams::default(), None)?;
    Ok(cases::Entity::find_by_id(id).filter(cond).one(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::QueryTrait;

    /// `key_columns` names exactly the columns `key_condition` puts conditions on, filter by
    /// filter (a rollup without one of them must never be asked to filter on it).
    #[test]
    fn key_columns_are_the_columns_key_condition_reads() {
        use crate::domain::vocab::{CaseStatus, Channel, CommodityGroup, Platform, ViolationType};
        let all = [
            "commune_id",
            "status",
            "violation_type",
            "commodity_group",
            "channel",
            "platform",
            "lead_agency_id",
        ];
        let one = |f: fn(&mut CaseFilterParams)| {
            let mut p = CaseFilterParams::default();
            f(&mut p);
            (None, p)
        };
        let cases: Vec<(Option<i64>, CaseFilterParams)> = vec![
            (Some(3), CaseFilterParams::default()),
            one(|p| p.status = vec![CaseStatus::Detected]),
            one(|p| p.violation_type = vec![ViolationType::Smuggling]),
            one(|p| p.commodity_group = vec![CommodityGroup::Cigarettes]),
            one(|p| p.channel = vec![Channel::BorderTrail]),
            one(|p| p.platform = vec![Platform::Facebook]),
            one(|p| p.lead_agency = Some("CA".into())),
            one(|p| p.commune = Some("DONG_DANG".into())),
        ];
        for (scope, filter) in cases {
            let cond = key_condition(
                Condition::all(),
                sea_orm::sea_query::Alias::new("t"),
                scope,
                &filter,
            )
            .unwrap();
            let sql = cases::Entity::find()
                .filter(cond)
                .build(sea_orm::DbBackend::Postgres)
                .to_string();
            let read: Vec<&str> = all
                .into_iter()
                .filter(|c| sql.contains(&format!(r#""t"."{c}""#)))
                .collect();
            assert_eq!(read, key_columns(scope, &filter), "{sql}");
        }
    }

    /// A deep page is one index range: the cursor is a row-value comparison in the sort's
    /// order, never `a < x OR (a = x AND b < y)` (which PostgreSQL filters row by row).
    #[test]
    fn the_page_after_a_cursor_is_a_row_value_range() {
        let cursor = date_cursor(NaiveDate::from_ymd_opt(2026, 3, 14).unwrap(), 900_000);
        let read = Narrowed::<cases::Entity>::new(|c| !optional(c));
        let cond = page_condition(Condition::all(), Some(&cursor)).unwrap();
        let page = Page {
            read: &read,
            condition: cond,
            order: page_order(),
            rows: 51,
        };
        let statement = crate::service::rows::page_statement(&page, sea_orm::DbBackend::Postgres);
        // The row count is written as a number, not bound: a plan PostgreSQL can keep.
        assert!(statement.sql.ends_with(" LIMIT 51"), "{}", statement.sql);
        let sql = statement.to_string();
        assert!(
            sql.contains(r#"("detected_on", "id") < ('2026-03-14', 900000)"#),
            "{sql}"
        );
        assert!(!sql.contains(" OR "), "{sql}");
        // Nothing optional was asked for: the large text columns are not fetched.
        assert!(!sql.contains("goods_summary"), "{sql}");
        assert!(!sql.contains("search_key"), "{sql}");
        // Nor the figures and the version; the keys, the cursor and the scope always are.
        assert!(!sql.contains("fine_amount"), "{sql}");
        assert!(!sql.contains(r#""cases"."version""#), "{sql}");
        for kept in [
            "id",
            "lead_agency_id",
            "detected_on",
            "status",
            "archived_at",
        ] {
            assert!(sql.contains(&format!(r#""cases"."{kept}""#)), "{sql}");
        }
        assert!(
            sql.contains(r#"ORDER BY "cases"."detected_on" DESC, "cases"."id" DESC LIMIT 51"#),
            "{sql}"
        );
    }
}
