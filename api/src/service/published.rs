//! What the public reads of a publication: the one rule, shared by the press's
//! `publishedCases` and the newsroom feed (`/feed/published.atom`, `.json`), so the two can
//! never disagree on which summaries are out or which of a case's facts they show.
//!
//! A publication is public while it is approved, not archived, and its case is not archived
//! (withdrawn, rejected, draft and archived ones are absent). Of the case, only the facts the
//! publication declared (`public_facts`, names from [`PUBLIC_FACTS`]) are shown; each other
//! fact is absent. No police, customs or informant datum is in [`PUBLIC_FACTS`], so none can be
//! shown by either path.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, FromQueryResult};

use entity::{agencies, cases, communes, publications};

use crate::domain::vocab::{PUBLIC_FACTS, PublicationStatus};
use crate::error::AppResult;

/// The publications the public reads (see the module's header).
pub fn condition() -> Condition {
    Condition::all()
        .add(publications::Column::Status.eq(PublicationStatus::Approved.as_str()))
        .add(publications::Column::ApprovedAt.is_not_null())
        .add(publications::Column::ArchivedAt.is_null())
        .add(
            publications::Column::CaseId.in_subquery(
                Query::select()
                    .column(cases::Column::Id)
                    .from(cases::Entity)
                    .and_where(cases::Column::ArchivedAt.is_null())
                    .to_owned(),
            ),
        )
}

/// The cases a summary has made public at some time: one of their publications was approved
/// (withdrawn since or not: the press has read it), whatever facts it declared — its fine and
/// goods value, or its status. The press's statistics must not let a cell less these cases
/// single out the others (`graphql::statistics::compute_public`).
pub fn ever_published() -> Condition {
    Condition::all().add(
        cases::Column::Id.in_subquery(
            Query::select()
                .column(publications::Column::CaseId)
                .from(publications::Entity)
                .and_where(publications::Column::ApprovedAt.is_not_null())
                .to_owned(),
        ),
    )
}

/// The facts a publication declared public, as stored (comma-separated names).
pub fn declared(public_facts: &str) -> impl Iterator<Item = &str> {
    public_facts
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Whether the publication declared `fact` public. Only names of [`PUBLIC_FACTS`] ever are,
/// whatever the stored text says.
pub fn declares(public_facts: &str, fact: &str) -> bool {
    PUBLIC_FACTS.contains(&fact) && declared(public_facts).any(|f| f == fact)
}

/// The case facts of a public summary, each `None` unless the publication declared it. Enum
/// values are the stored vocabulary (`smuggling`); callers show them as the API does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicFacts {
    pub violation_type: Option<String>,
    pub commodity_group: Option<String>,
    pub status: Option<String>,
    pub detected_on: Option<NaiveDate>,
    pub fine_amount: Option<i64>,
    pub goods_value: Option<i64>,
    pub budget_collected: Option<i64>,
    /// The commune's name.
    pub commune_name: Option<String>,
    /// The lead agency's name.
    pub lead_agency_name: Option<String>,
}

/// One public summary as the feed shows it.
#[derive(Debug, Clone)]
pub struct FeedItem {
    /// The publication's row id: callers show its global id, never this.
    pub id: i64,
    pub headline: String,
    pub body: String,
    /// When it was approved (what `publishedCases` calls `publishedAt`).
    pub published_at: DateTime<Utc>,
    /// The publication's last change; for an approved one, its approval.
    pub updated_at: DateTime<Utc>,
    pub facts: PublicFacts,
}

/// The row of [`feed`]'s statement: the publication, the case facts a publication may declare,
/// and the names of the commune and lead agency — nothing else of the case is selected.
#[derive(FromQueryResult)]
struct Row {
    id: i64,
    headline: String,
    body: String,
    public_facts: String,
    approved_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    violation_type: String,
    commodity_group: String,
    status: String,
    detected_on: NaiveDate,
    fine_amount: i64,
    goods_value: i64,
    budget_collected: i64,
    commune_name: Option<String>,
    lead_agency_name: Option<String>,
}

impl Row {
    /// The item, with every fact the publication did not declare dropped here, before it
    /// leaves the service.
    fn item(self) -> Option<FeedItem> {
        let facts = &self.public_facts;
        let shown = |fact: &str| declares(facts, fact);
        let out = PublicFacts {
            violation_type: shown("violation_type").then(|| self.violation_type.clone()),
            commodity_group: shown("commodity_group").then(|| self.commodity_group.clone()),
            status: shown("status").then(|| self.status.clone()),
            detected_on: shown("detected_on").then_some(self.detected_on),
            fine_amount: shown("fine_amount").then_some(self.fine_amount),
            goods_value: shown("goods_value").then_some(self.goods_value),
            budget_collected: shown("budget_collected").then_some(self.budget_collected),
            commune_name: if shown("commune") {
                self.commune_name.clone()
            } else {
                None
            },
            lead_agency_name: if shown("lead_agency") {
                self.lead_agency_name.clone()
            } else {
                None
            },
        };
        Some(FeedItem {
            id: self.id,
            // The condition requires it; a row without one is not public.
            published_at: self.approved_at?,
            updated_at: self.updated_at,
            headline: self.headline,
            body: self.body,
            facts: out,
        })
    }
}

/// The `limit` most recently approved public summaries, newest first, in one statement.
pub async fn feed<C: ConnectionTrait>(db: &C, limit: u64) -> AppResult<Vec<FeedItem>> {
    let backend = db.get_database_backend();
    let rows = Row::find_by_statement(backend.build(&statement(limit)))
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(Row::item).collect())
}

/// [`feed`]'s statement: the public publications with the columns a summary may show, the
/// commune's and lead agency's names joined in.
fn statement(limit: u64) -> SelectStatement {
    use publications::Column as P;
    let mut q = Query::select();
    q.columns([
        (publications::Entity, P::Id),
        (publications::Entity, P::Headline),
        (publications::Entity, P::Body),
        (publications::Entity, P::PublicFacts),
        (publications::Entity, P::ApprovedAt),
        (publications::Entity, P::UpdatedAt),
    ])
    .columns([
        (cases::Entity, cases::Column::ViolationType),
        (cases::Entity, cases::Column::CommodityGroup),
        (cases::Entity, cases::Column::Status),
        (cases::Entity, cases::Column::DetectedOn),
        (cases::Entity, cases::Column::FineAmount),
        (cases::Entity, cases::Column::GoodsValue),
        (cases::Entity, cases::Column::BudgetCollected),
    ])
    .expr_as(
        Expr::col((communes::Entity, communes::Column::Name)),
        "commune_name",
    )
    .expr_as(
        Expr::col((agencies::Entity, agencies::Column::Name)),
        "lead_agency_name",
    )
    .from(publications::Entity)
    .join(
        JoinType::InnerJoin,
        cases::Entity,
        Expr::col((cases::Entity, cases::Column::Id)).equals((publications::Entity, P::CaseId)),
    )
    .join(
        JoinType::LeftJoin,
        communes::Entity,
        Expr::col((communes::Entity, communes::Column::Id))
            .equals((cases::Entity, cases::Column::CommuneId)),
    )
    .join(
        JoinType::LeftJoin,
        agencies::Entity,
        Expr::col((agencies::Entity, agencies::Column::Id))
            .equals((cases::Entity, cases::Column::LeadAgencyId)),
    )
    .cond_where(condition())
    .order_by((publications::Entity, P::ApprovedAt), Order::Desc)
    .order_by((publications::Entity, P::Id), Order::Desc)
    .limit(limit);
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_declared_facts_are_public() {
        assert!(declares("violation_type, commune", "commune"));
        assert!(!declares("violation_type", "commune"));
        assert!(
            !declares("subjects,commune", "subjects"),
            "not a public fact"
        );
        assert_eq!(declared(" a,,b ").collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn the_feed_selects_no_other_column_of_the_case() {
        let sql = sea_orm::DbBackend::Postgres
            .build(&statement(50))
            .to_string();
        assert!(
            sql.contains(r#""publications"."status" = 'approved'"#),
            "{sql}"
        );
        for never in [
            "title",
            "goods_summary",
            "search_key",
            "tax_arrears",
            "code",
        ] {
            assert!(
                !sql.contains(&format!(r#""cases"."{never}""#)),
                "{never}: {sql}"
            );
        }
        assert!(
            !sql.contains(r#""cases".*"#) && !sql.contains("SELECT *"),
            "{sql}"
        );
        assert!(
            sql.ends_with(
                r#"ORDER BY "publications"."approved_at" DESC, "publications"."id" DESC LIMIT 50"#
            ),
            "{sql}"
        );
    }
}
