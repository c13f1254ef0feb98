//! Writing cases: their core facts, lifecycle, lead agency, coordinators and campaigns, as
//! plain functions over [`Writer`]; and the checks and look-ups every case write shares
//! (permissions, the status machine, text and dates), used by [`super::case_records`] too.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect,
};

use entity::{
    agencies, border_gates, campaigns, case_campaigns, case_coordinators, cases, communes,
};

use crate::auth::Viewer;
use crate::domain::access::{Action, Compartment, Standing, acting_agency};
use crate::domain::lifecycle::check_move;
use crate::domain::types::Vnd;
use crate::domain::vocab::{
    AgencyKind, CaseStatus, Channel, CommodityGroup, Platform, ViolationType,
};
use crate::error::{AppError, AppResult};
use crate::service::rows::by_id;
use crate::service::write::{Changes, Done, Keyed, Writer, check_not_archived, write, write_once};
use crate::text::fold;

/// The case, if the viewer's agency leads it (else `NOT_FOUND` or `FORBIDDEN`).
pub async fn case_led_by_viewer<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    id: i64,
) -> AppResult<cases::Model> {
    let agency = acting_agency(viewer, Action::RecordCases)?;
    let case = locked_case(conn, id).await?;
    let case = unless_hidden(case, viewer)?;
    if case.lead_agency_id != agency {
        return Err(AppError::forbidden("only the lead agency changes a case"));
    }
    Ok(case)
}

/// The case, if the viewer may write its `compartment` data: the lead agency, or any agency of
/// the compartment's own kind (police for police data, customs for customs data).
pub async fn case_for_compartment_write<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    id: i64,
    compartment: Compartment,
) -> AppResult<cases::Model> {
    let case = locked_case(conn, id).await?;
    let case = unless_hidden(case, viewer)?;
    // Writes follow the reads of the matrix: whoever reads the compartment on this case
    // (the lead agency; the police everywhere for police data, the customs for customs data).
    if viewer.reads_case_compartment(compartment, case.lead_agency_id) {
        not_archived(&case)?;
        Ok(case)
    } else {
        Err(AppError::forbidden(format!(
            "only the lead agency or {} may write this data",
            match compartment {
                Compartment::Police => "the police",
                Compartment::Customs => "customs",
                Compartment::Informant => "the police agency the tip is assigned to",
            }
        )))
    }
}

/// The case a write names, read for the write: on PostgreSQL its row is locked for the rest of
/// the transaction (`FOR NO KEY UPDATE`, the lock an `UPDATE` takes, which inserting a record
/// under the case does not wait for), so the checks a write makes on the case and its records
/// hold until it commits. Two writes of one case checked each other's rows unlocked: closing
/// a prosecuted case and dropping its prosecution both passed, at the same moment (a review of
/// stop 35 on PostgreSQL). SQLite runs one writer at a time.
pub async fn locked_case<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<Option<cases::Model>> {
    Ok(cases::Entity::find_by_id(id)
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .one(conn)
        .await?)
}

/// The case a write names, unless the writer cannot know it: a missing id, or an archived case
/// (every read answers one as missing) of another agency. Its lead agency, which archived it
/// and may restore it, is told it is archived ([`not_archived`]); anyone else gets the
/// `NOT_FOUND` of a missing id (a review of stop 34 told archived ids from missing ones by
/// writing to them).
pub fn unless_hidden(case: Option<cases::Model>, viewer: &Viewer) -> AppResult<cases::Model> {
    match case {
        Some(c) if c.archived_at.is_none() || viewer.agency_id == Some(c.lead_agency_id) => Ok(c),
        _ => Err(AppError::NotFound("no such case".into())),
    }
}

/// An archived case takes no change until it is restored.
pub fn not_archived(case: &cases::Model) -> AppResult<()> {
    check_not_archived("case", case.archived_at)
}

/// Required text: trimmed, NFC, 1..=max characters.
pub fn required_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let Some(v) = crate::text::client_text(field, value)? else {
        return Err(AppError::bad_input(format!("`{field}` must not be empty")));
    };
    if v.chars().count() > max {
        return Err(AppError::bad_input(format!(
            "`{field}` is longer than {max} characters"
        )));
    }
    Ok(v)
}

pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value
        .map(|v| crate::text::client_text(field, v))
        .transpose()?
        .flatten()
    {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(AppError::bad_input(format!(
            "`{field}` is longer than {max} characters"
        ))),
        Some(v) => Ok(Some(v)),
    }
}

/// A detection date: not in the future (Vietnam time), not absurdly old.
pub fn check_past_date(field: &str, d: NaiveDate) -> AppResult<()> {
    let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(NaiveDate::MIN);
    if d > crate::time::today() {
        return Err(AppError::bad_input(format!("`{field}` is in the future")));
    }
    if d < earliest {
        return Err(AppError::bad_input(format!("`{field}` is before 1990")));
    }
    Ok(())
}

/// A case is handled on or after the day it was detected (a review, stop 33, handled one
/// before it was detected, through either date).
fn check_handled_after(detected_on: NaiveDate, handled_on: Option<NaiveDate>) -> AppResult<()> {
    match handled_on {
        Some(h) => check_not_before_detection("handledOn", detected_on, h),
        None => Ok(()),
    }
}

/// What happens to a case (handling, prosecution, approval of a disposal) happens on or after
/// the day it was detected (a review of stop 34 recorded a prosecution and a disposal
/// approved six years before their case was detected).
pub fn check_not_before_detection(
    field: &str,
    detected_on: NaiveDate,
    d: NaiveDate,
) -> AppResult<()> {
    if d < detected_on {
        return Err(AppError::bad_input(format!(
            "`{field}` {d} is before the case was detected (`detectedOn` {detected_on})"
        )));
    }
    Ok(())
}

/// Which of a case's dated records [`check_records_after`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dated {
    /// All of them: the lead agency moving the detection (it reads every one on its case).
    All,
    /// Only the record of this entity (`subject`, `seizure`, `investigation_record`): one
    /// restored from the archive. Its writer may not read the others (customs restoring a
    /// record would otherwise learn of a subject's birth date, police data, from the refusal).
    Only(&'static str),
}

impl Dated {
    fn reads(self, entity: &str) -> bool {
        match self {
            Dated::All => true,
            Dated::Only(e) => e == entity,
        }
    }
}

/// A case's detection moved to `detected_on` must still precede what its records say
/// happened after it (a prosecution, a disposal approved) and follow its subjects' births,
/// whichever date is written last.
pub async fn check_records_after<C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
    detected_on: NaiveDate,
    which: Dated,
) -> AppResult<()> {
    use entity::{investigation_records as ir, seizures, subjects};
    if which.reads("investigation_record")
        && let Some(d) = first_dated::<ir::Entity, _>(
            conn,
            [ir::Column::CaseId, ir::Column::ArchivedAt],
            case_id,
            ir::Column::ProsecutedOn.lt(detected_on),
            |r| r.prosecuted_on,
        )
        .await?
    {
        check_not_before_detection("prosecutedOn", detected_on, d)?;
    }
    if which.reads("seizure")
        && let Some(d) = first_dated::<seizures::Entity, _>(
            conn,
            [seizures::Column::CaseId, seizures::Column::ArchivedAt],
            case_id,
            seizures::Column::DisposalApprovedOn.lt(detected_on),
            |s| s.disposal_approved_on,
        )
        .await?
    {
        check_not_before_detection("approvedOn", detected_on, d)?;
    }
    if which.reads("subject")
        && let Some(d) = first_dated::<subjects::Entity, _>(
            conn,
            [subjects::Column::CaseId, subjects::Column::ArchivedAt],
            case_id,
            subjects::Column::DateOfBirth.gt(detected_on),
            |s| s.date_of_birth,
        )
        .await?
    {
        return Err(AppError::bad_input(format!(
            "`detectedOn` {detected_on} is before a subject of the case was born ({d})"
        )));
    }
    Ok(())
}

/// The date (`date_of`) of one current record of case `case_id` (`[case id, archived at]`
/// columns) meeting `date`, if any.
async fn first_dated<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    [case, archived]: [E::Column; 2],
    case_id: i64,
    date: sea_orm::sea_query::SimpleExpr,
    date_of: fn(&E::Model) -> Option<NaiveDate>,
) -> AppResult<Option<NaiveDate>> {
    let row = E::find()
        .filter(case.eq(case_id))
        .filter(archived.is_null())
        .filter(date)
        .one(conn)
        .await?;
    Ok(row.as_ref().and_then(date_of))
}

/// Platforms belong to online channels only.
pub fn check_platform(channel: Channel, platform: Option<Platform>) -> AppResult<()> {
    if platform.is_some() && !matches!(channel, Channel::ECommerce | Channel::SocialNetwork) {
        return Err(AppError::bad_input(
            "`platform` is only for e-commerce and social-network cases",
        ));
    }
    Ok(())
}

/// The row whose `code` column holds `code`, or `BAD_USER_INPUT` naming what was looked up.
async fn by_code<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    column: E::Column,
    code: &str,
    what: &str,
) -> AppResult<E::Model> {
    E::find()
        .filter(column.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input(format!("unknown {what} code `{code}`")))
}

pub async fn commune_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<communes::Model> {
    by_code::<communes::Entity, _>(conn, communes::Column::Code, code, "commune").await
}

pub async fn gate_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<border_gates::Model> {
    by_code::<border_gates::Entity, _>(conn, border_gates::Column::Code, code, "border gate").await
}

pub async fn agency_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<agencies::Model> {
    by_code::<agencies::Entity, _>(conn, agencies::Column::Code, code, "agency").await
}

/// Where an agency stands towards the committee ([`Standing`]), given its parent's row
/// (needed only when it is not a member itself: [`parent_for_standing`]).
pub fn standing(a: &agencies::Model, parent: Option<&agencies::Model>) -> AppResult<Standing> {
    let parent = match parent {
        Some(p) => Some((AgencyKind::from_db(&p.kind)?, p.is_member)),
        None => None,
    };
    Ok(Standing::of(
        AgencyKind::from_db(&a.kind)?,
        a.is_member,
        parent,
    ))
}

/// Where `a` stands, its parent read from `conn` when needed.
pub async fn standing_read<C: ConnectionTrait>(
    conn: &C,
    a: &agencies::Model,
) -> AppResult<Standing> {
    let parent = match parent_for_standing(a) {
        Some(id) => agencies::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    standing(a, parent.as_ref())
}

/// The id of the parent whose row [`standing`] needs: none for a member.
pub fn parent_for_standing(a: &agencies::Model) -> Option<i64> {
    a.parent_id.filter(|_| !a.is_member)
}

/// The agency of `code`, which must be able to do `action` ([`access::agency_may`]): named
/// to lead or share work, it has to be able to do it.
pub async fn agency_that_may<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    action: crate::domain::access::Action,
) -> AppResult<agencies::Model> {
    let a = agency_by_code(conn, code).await?;
    if crate::domain::access::agency_may(standing_read(conn, &a).await?, action) {
        Ok(a)
    } else {
        Err(AppError::bad_input(format!(
            "agency `{}` cannot take this part: {}",
            a.code,
            action.refusal()
        )))
    }
}

pub async fn campaign_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<campaigns::Model> {
    by_code::<campaigns::Entity, _>(conn, campaigns::Column::Code, code, "campaign").await
}

pub async fn police_agency<C: ConnectionTrait>(conn: &C, code: &str) -> AppResult<agencies::Model> {
    let a = agency_by_code(conn, code).await?;
    if AgencyKind::parse(&a.kind) != Some(AgencyKind::Police) {
        return Err(AppError::bad_input(format!(
            "`{code}` is not a police agency"
        )));
    }
    Ok(a)
}

/// Recomputes a case's folded search key from its core facts (never restricted data).
pub async fn search_key<C: ConnectionTrait>(conn: &C, case: &cases::Model) -> AppResult<String> {
    let commune = match case.commune_id {
        Some(id) => communes::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|c| c.name),
        None => None,
    };
    let gate = match case.border_gate_id {
        Some(id) => border_gates::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|g| g.name),
        None => None,
    };
    Ok(fold(&format!(
        "{} {} {} {} {}",
        case.code,
        case.title,
        case.goods_summary,
        commune.unwrap_or_default(),
        gate.unwrap_or_default()
    )))
}

/// Sets the search key (and nothing else) after a change of the facts it is made of.
pub async fn refresh_search_key<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<cases::Model> {
    let case = cases::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such case".into()))?;
    let key = search_key(conn, &case).await?;
    cases::Entity::update_many()
        .col_expr(cases::Column::SearchKey, Expr::value(key))
        .filter(cases::Column::Id.eq(id))
        .exec(conn)
        .await?;
    cases::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such case".into()))
}

/// A case with its version bumped and `updated_at` set; used as the base of every update.
pub fn touch() -> cases::ActiveModel {
    cases::ActiveModel {
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
}

/// Most agencies or campaigns one case names (each is looked up inside the write).
const MAX_LINKS: usize = 50;

/// A new case's facts (codes of its commune, border gate, coordinating agencies and
/// campaigns). The lead agency is the writer's agency.
pub struct NewCase {
    pub title: String,
    pub violation_type: ViolationType,
    pub commodity_group: CommodityGroup,
    pub channel: Channel,
    pub platform: Option<Platform>,
    pub commune: Option<String>,
    pub border_gate: Option<String>,
    pub detected_on: NaiveDate,
    pub goods_summary: String,
    pub fine_amount: Option<Vnd>,
    pub tax_arrears: Option<Vnd>,
    pub goods_value: Option<Vnd>,
    pub budget_collected: Option<Vnd>,
    pub coordinating_agencies: Vec<String>,
    pub campaigns: Vec<String>,
}

crate::changes! {
    /// Changes to a case's core facts: `None` keeps a field, and for the clearable ones
    /// `Some(None)` clears it; `coordinating_agencies` replaces the list.
    pub struct CaseChanges {
        pub title: Option<String>,
        pub violation_type: Option<ViolationType>,
        pub commodity_group: Option<CommodityGroup>,
        pub channel: Option<Channel>,
        pub platform: Option<Option<Platform>>,
        pub commune: Option<Option<String>>,
        pub border_gate: Option<Option<String>>,
        pub detected_on: Option<NaiveDate>,
        pub goods_summary: Option<String>,
        pub fine_amount: Option<Vnd>,
        pub tax_arrears: Option<Vnd>,
        pub goods_value: Option<Vnd>,
        pub budget_collected: Option<Vnd>,
        pub coordinating_agencies: Option<Vec<String>>,
    }
}

/// Replaces a case's coordinating agencies (codes; never the lead agency).
async fn set_coordinators<C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
    lead: i64,
    codes: &[String],
) -> AppResult<()> {
    if codes.len() > MAX_LINKS {
        return Err(AppError::bad_input(format!(
            "at most {MAX_LINKS} coordinating agencies"
        )));
    }
    case_coordinators::Entity::delete_many()
        .filter(case_coordinators::Column::CaseId.eq(case_id))
        .exec(conn)
        .await?;
    let mut ids = vec![];
    for code in codes {
        // Coordinating a case asks nothing of the system but taking part in the committee's
        // work, which reporting on tasks stands for: every member agency, a commune's
        // committee included, but not the newspaper.
        let a = agency_that_may(conn, code, crate::domain::access::Action::ReportOnTasks).await?;
        if a.id == lead {
            return Err(AppError::bad_input(
                "the lead agency cannot also coordinate",
            ));
        }
        if !ids.contains(&a.id) {
            ids.push(a.id);
        }
    }
    if !ids.is_empty() {
        case_coordinators::Entity::insert_many(ids.into_iter().map(|a| {
            case_coordinators::ActiveModel {
                case_id: Set(case_id),
                agency_id: Set(a),
            }
        }))
        .exec(conn)
        .await?;
    }
    Ok(())
}

/// A commune's committee coordinates only cases in its commune (its users read no other case,
/// so one elsewhere would stand in its work undone — a review of stop 34). Checked once a
/// case's coordinators and commune are both set, whichever of them changed.
async fn check_commune_coordinators<C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
    commune: Option<i64>,
) -> AppResult<()> {
    let coordinators = sea_orm::sea_query::Query::select()
        .column(case_coordinators::Column::AgencyId)
        .from(case_coordinators::Entity)
        .and_where(case_coordinators::Column::CaseId.eq(case_id))
        .to_owned();
    let mut elsewhere = agencies::Entity::find()
        .filter(agencies::Column::Kind.eq(AgencyKind::Commune.as_str()))
        .filter(agencies::Column::Id.in_subquery(coordinators));
    if let Some(commune) = commune {
        elsewhere = elsewhere.filter(agencies::Column::CommuneId.ne(commune));
    }
    match elsewhere.one(conn).await? {
        Some(a) => Err(AppError::bad_input(format!(
            "`{}` is a commune's committee: it coordinates only cases in its commune",
            a.code
        ))),
        None => Ok(()),
    }
}

/// The id of the commune or border gate named by `code`, if any.
async fn commune_id<C: ConnectionTrait>(conn: &C, code: Option<&str>) -> AppResult<Option<i64>> {
    Ok(match code {
        Some(c) => Some(commune_by_code(conn, c).await?.id),
        None => None,
    })
}

async fn gate<C: ConnectionTrait>(
    conn: &C,
    code: Option<&str>,
) -> AppResult<Option<border_gates::Model>> {
    Ok(match code {
        Some(c) => Some(gate_by_code(conn, c).await?),
        None => None,
    })
}

/// The commune of a case at `gate`: the gate's. A case named at a gate of another commune
/// is refused, and one named at a gate without a commune takes the gate's (a review of stop
/// 34 recorded cases at a gate of Mẫu Sơn in Đồng Đăng, or in no commune, which the Mẫu Sơn
/// committee then never saw).
fn commune_at(commune: Option<i64>, gate: Option<&border_gates::Model>) -> AppResult<Option<i64>> {
    match (commune, gate) {
        (_, None) => Ok(commune),
        (None, Some(g)) => Ok(Some(g.commune_id)),
        (Some(c), Some(g)) if c == g.commune_id => Ok(commune),
        (Some(_), Some(g)) => Err(AppError::bad_input(format!(
            "border gate `{}` lies in another commune than `commune`",
            g.code
        ))),
    }
}

async fn load_case<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<cases::Model> {
    by_id::<cases::Entity, _>(conn, id, "case").await
}

/// Records a new case led by the writer's agency; its code is `VV-<year>-<id>`.
pub async fn create(
    w: &Writer<'_>,
    input: NewCase,
    keyed: Option<Keyed>,
) -> AppResult<cases::Model> {
    let viewer = w.signed_in()?;
    let lead = acting_agency(viewer, Action::RecordCases)?;
    write(
        w,
        "createCase",
        keyed,
        // A retry answers with the case as the writer may know it now: archived since by the
        // agency that leads it now, it is a missing one (stop 35's review read it back so).
        async |txn, id| unless_hidden(cases::Entity::find_by_id(id).one(txn).await?, viewer),
        async |txn| {
            let title = required_text("title", &input.title, 500)?;
            let goods = required_text("goodsSummary", &input.goods_summary, 5000)?;
            check_past_date("detectedOn", input.detected_on)?;
            check_platform(input.channel, input.platform)?;
            let gate = gate(txn, input.border_gate.as_deref()).await?;
            let now = chrono::Utc::now();
            let temp_code = format!("NEW-{}", uuid::Uuid::new_v4().simple());
            let inserted = cases::ActiveModel {
                code: Set(temp_code),
                title: Set(title),
                violation_type: Set(input.violation_type.as_str().into()),
                commodity_group: Set(input.commodity_group.as_str().into()),
                channel: Set(input.channel.as_str().into()),
                platform: Set(input.platform.map(|p| p.as_str().into())),
                lead_agency_id: Set(lead),
                commune_id: Set(commune_at(
                    commune_id(txn, input.commune.as_deref()).await?,
                    gate.as_ref(),
                )?),
                border_gate_id: Set(gate.as_ref().map(|g| g.id)),
                detected_on: Set(input.detected_on),
                status: Set(CaseStatus::Detected.as_str().into()),
                goods_summary: Set(goods),
                fine_amount: Set(input.fine_amount.map_or(0, |v| v.0)),
                tax_arrears: Set(input.tax_arrears.map_or(0, |v| v.0)),
                goods_value: Set(input.goods_value.map_or(0, |v| v.0)),
                budget_collected: Set(input.budget_collected.map_or(0, |v| v.0)),
                handled_on: Set(None),
                search_key: Set(String::new()),
                version: Set(1),
                archived_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            // The code numbers cases by id, as the demo data does: VV-<year>-<id>.
            let code = format!("VV-{}-{:05}", input.detected_on.format("%Y"), inserted.id);
            cases::Entity::update_many()
                .col_expr(cases::Column::Code, Expr::value(code))
                .filter(cases::Column::Id.eq(inserted.id))
                .exec(txn)
                .await?;
            set_coordinators(txn, inserted.id, lead, &input.coordinating_agencies).await?;
            check_commune_coordinators(txn, inserted.id, inserted.commune_id).await?;
            let mut campaign_codes = input.campaigns.clone();
            campaign_codes.sort();
            campaign_codes.dedup();
            if campaign_codes.len() > MAX_LINKS {
                return Err(AppError::bad_input(format!(
                    "at most {MAX_LINKS} campaigns"
                )));
            }
            for code in campaign_codes {
                let c = campaign_by_code(txn, &code).await?;
                link_campaign(txn, inserted.id, input.detected_on, &c).await?;
            }
            crate::service::rollups::apply(txn, &[inserted.id]).await?;
            Ok(Done::of(refresh_search_key(txn, inserted.id).await?))
        },
    )
    .await
}

/// Links a case detected on `detected_on` to campaign `c`: a campaign counts the cases
/// detected while it runs (its `CAMPAIGN` period), and an archived one takes no new case. A
/// review of stop 35 linked cases of November to the campaign of Tết.
async fn link_campaign<C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
    detected_on: NaiveDate,
    c: &campaigns::Model,
) -> AppResult<()> {
    // Read again under a share lock: the campaign's dates hold until this write commits
    // (`updateCampaign` locks the row to change them).
    let c = campaigns::Entity::find_by_id(c.id)
        .lock_shared()
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such campaign".into()))?;
    check_not_archived("campaign", c.archived_at)?;
    check_in_campaign(detected_on, &c)?;
    case_campaigns::Entity::insert(case_campaigns::ActiveModel {
        case_id: Set(case_id),
        campaign_id: Set(c.id),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// A case detected on `detected_on` belongs to campaign `c` only if it was detected while the
/// campaign ran.
pub fn check_in_campaign(detected_on: NaiveDate, c: &campaigns::Model) -> AppResult<()> {
    if (c.starts_on..=c.ends_on).contains(&detected_on) {
        Ok(())
    } else {
        Err(AppError::bad_input(format!(
            "a case detected on {detected_on} is not in campaign `{}`, which ran from {} to {}",
            c.code, c.starts_on, c.ends_on
        )))
    }
}

/// The campaigns a case is linked to, checked against its detection moved to `detected_on`.
async fn check_campaigns_hold<C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
    detected_on: NaiveDate,
) -> AppResult<()> {
    let linked = campaigns::Entity::find()
        .filter(
            campaigns::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(case_campaigns::Column::CampaignId)
                    .from(case_campaigns::Entity)
                    .and_where(case_campaigns::Column::CaseId.eq(case_id))
                    .to_owned(),
            ),
        )
        .lock_shared()
        .all(conn)
        .await?;
    linked
        .iter()
        .try_for_each(|c| check_in_campaign(detected_on, c))
}

/// A step of the lead agency on its case at the version it read: `change` checks the step,
/// writes what hangs off the case and says what changes in the row; the update is versioned,
/// audited and announced. `rekey` recomputes the search key (for changes of the facts it is
/// made of).
async fn lead_step(
    w: &Writer<'_>,
    operation: &'static str,
    id: i64,
    version: i32,
    rekey: bool,
    change: impl AsyncFnOnce(
        &DatabaseTransaction,
        &Viewer,
        cases::Model,
    ) -> AppResult<cases::ActiveModel>,
) -> AppResult<cases::Model> {
    let v = w.signed_in()?;
    write_once(w, operation, async |txn| {
        let case = case_led_by_viewer(txn, v, id).await?;
        // Any step may change a figure or a key part of the case's rollups.
        crate::service::rollups::retract(txn, &[id]).await?;
        let am = change(txn, v, case).await?;
        crate::versioned_update!(txn, cases, am, id, version)?;
        crate::service::rollups::apply(txn, &[id]).await?;
        let case = if rekey {
            refresh_search_key(txn, id).await?
        } else {
            load_case(txn, id).await?
        };
        Ok(Done::of(case))
    })
    .await
}

/// Changes a case's core facts (lead agency only).
pub async fn update(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    changes: CaseChanges,
) -> AppResult<cases::Model> {
    changes.check_not_empty()?;
    lead_step(w, "updateCase", id, version, true, async |txn, _, case| {
        not_archived(&case)?;
        let c = changes;
        let mut am = touch();
        if let Some(t) = &c.title {
            am.title = Set(required_text("title", t, 500)?);
        }
        if let Some(t) = c.violation_type {
            am.violation_type = Set(t.as_str().into());
        }
        if let Some(t) = c.commodity_group {
            am.commodity_group = Set(t.as_str().into());
        }
        let channel = c
            .channel
            .map(Ok)
            .unwrap_or_else(|| Channel::from_db(&case.channel))?;
        let platform = match c.platform {
            Some(p) => p,
            None => case
                .platform
                .as_deref()
                .map(Platform::from_db)
                .transpose()?,
        };
        check_platform(channel, platform)?;
        if let Some(ch) = c.channel {
            am.channel = Set(ch.as_str().into());
        }
        if let Some(p) = c.platform {
            am.platform = Set(p.map(|p| p.as_str().into()));
        }
        if c.commune.is_some() || c.border_gate.is_some() {
            let commune = match &c.commune {
                Some(code) => commune_id(txn, code.as_deref()).await?,
                None => case.commune_id,
            };
            let gate = match &c.border_gate {
                Some(code) => gate(txn, code.as_deref()).await?,
                None => match case.border_gate_id {
                    Some(id) => {
                        Some(by_id::<border_gates::Entity, _>(txn, id, "border gate").await?)
                    }
                    None => None,
                },
            };
            if matches!(c.commune, Some(None)) && gate.is_some() {
                // Taking the gate's commune back would change nothing and bump the version.
                return Err(AppError::bad_input(
                    "a case at a border gate is in the gate's commune: clear `borderGate` to clear `commune`",
                ));
            }
            am.commune_id = Set(commune_at(commune, gate.as_ref())?);
            am.border_gate_id = Set(gate.map(|g| g.id));
        }
        if let Some(d) = c.detected_on {
            check_past_date("detectedOn", d)?;
            check_handled_after(d, case.handled_on)?;
            check_records_after(txn, id, d, Dated::All).await?;
            check_campaigns_hold(txn, id, d).await?;
            am.detected_on = Set(d);
        }
        if let Some(g) = &c.goods_summary {
            am.goods_summary = Set(required_text("goodsSummary", g, 5000)?);
        }
        for (amount, column) in [
            (c.fine_amount, &mut am.fine_amount),
            (c.tax_arrears, &mut am.tax_arrears),
            (c.goods_value, &mut am.goods_value),
            (c.budget_collected, &mut am.budget_collected),
        ] {
            if let Some(x) = amount {
                *column = Set(x.0);
            }
        }
        if let Some(codes) = &c.coordinating_agencies {
            set_coordinators(txn, id, case.lead_agency_id, codes).await?;
        }
        if c.coordinating_agencies.is_some() || c.commune.is_some() || c.border_gate.is_some() {
            let commune = match &am.commune_id {
                sea_orm::ActiveValue::Set(c) | sea_orm::ActiveValue::Unchanged(c) => *c,
                sea_orm::ActiveValue::NotSet => case.commune_id,
            };
            check_commune_coordinators(txn, id, commune).await?;
        }
        Ok(am)
    })
    .await
}

/// Moves a case along its lifecycle (lead agency only). Handling sets `handled_on` once
/// (default today in Vietnam); the transfer to the police is [`transfer_to_police`].
pub async fn change_status(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    status: CaseStatus,
    handled_on: Option<NaiveDate>,
) -> AppResult<cases::Model> {
    lead_step(
        w,
        "changeCaseStatus",
        id,
        version,
        false,
        async |txn, _, case| {
            not_archived(&case)?;
            let from = CaseStatus::from_db(&case.status)?;
            check_move(from, status)?;
            if from == CaseStatus::Prosecuted {
                let recorded = entity::investigation_records::Entity::find()
                    .filter(entity::investigation_records::Column::CaseId.eq(id))
                    .filter(entity::investigation_records::Column::ArchivedAt.is_null())
                    .filter(entity::investigation_records::Column::ProsecutedOn.is_not_null())
                    .one(txn)
                    .await?
                    .is_some();
                crate::domain::lifecycle::check_close(from, status, recorded)?;
            }
            if status == CaseStatus::TransferredToPolice {
                return Err(AppError::bad_input(
                    "use transferCaseToPolice to name the investigating police agency",
                ));
            }
            let mut am = touch();
            am.status = Set(status.as_str().into());
            let handles = matches!(
                status,
                CaseStatus::HandledAdministratively | CaseStatus::Prosecuted | CaseStatus::Closed
            );
            if handles && case.handled_on.is_none() {
                let d = handled_on.unwrap_or_else(crate::time::today);
                check_past_date("handledOn", d)?;
                check_handled_after(case.detected_on, Some(d))?;
                am.handled_on = Set(Some(d));
            }
            Ok(am)
        },
    )
    .await
}

/// Transfers a case under verification to the investigating police (`police_code`): the
/// police agency becomes its lead; the former lead coordinates.
pub async fn transfer_to_police(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    police_code: &str,
) -> AppResult<cases::Model> {
    lead_step(
        w,
        "transferCaseToPolice",
        id,
        version,
        false,
        async |txn, _, case| {
            not_archived(&case)?;
            check_move(
                CaseStatus::from_db(&case.status)?,
                CaseStatus::TransferredToPolice,
            )?;
            let police = police_agency(txn, police_code).await?;
            if police.id == case.lead_agency_id {
                return Err(AppError::bad_input(
                    "the case is already led by that police agency",
                ));
            }
            case_coordinators::Entity::delete_many()
                .filter(case_coordinators::Column::CaseId.eq(id))
                .filter(case_coordinators::Column::AgencyId.is_in([police.id, case.lead_agency_id]))
                .exec(txn)
                .await?;
            case_coordinators::Entity::insert(case_coordinators::ActiveModel {
                case_id: Set(id),
                agency_id: Set(case.lead_agency_id),
            })
            .exec(txn)
            .await?;
            let mut am = touch();
            am.status = Set(CaseStatus::TransferredToPolice.as_str().into());
            am.lead_agency_id = Set(police.id);
            Ok(am)
        },
    )
    .await
}

/// Archives (`archived`) or restores a case (lead agency only). Nothing is deleted.
pub async fn set_archived(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    archived: bool,
) -> AppResult<cases::Model> {
    let op = if archived {
        "archiveCase"
    } else {
        "restoreCase"
    };
    let case = lead_step(w, op, id, version, false, async |txn, _, case| {
        crate::service::write::check_archive_move("case", case.archived_at, archived)?;
        if !archived {
            // Its campaigns' dates may have moved while it was archived (they do not count
            // archived cases: `updateCampaign` told of others' archived cases so).
            check_campaigns_hold(txn, id, case.detected_on).await?;
        }
        let mut am = touch();
        am.archived_at = Set(archived.then(chrono::Utc::now));
        Ok(am)
    })
    .await?;
    // Archiving a case takes its approved summaries off `publishedCases` and the feed (and
    // restoring it puts them back): their readers are told, as of a publication's change.
    announce_publications(w, id).await;
    Ok(case)
}

/// Announces the approved publications of case `id` again (after its archive flag moved).
/// After the commit, like every event; a failure to read them is logged, the write stands.
async fn announce_publications(w: &Writer<'_>, id: i64) {
    use entity::publications;
    let approved = publications::Entity::find()
        .filter(publications::Column::CaseId.eq(id))
        .filter(
            publications::Column::Status
                .eq(crate::domain::vocab::PublicationStatus::Approved.as_str()),
        )
        .all(w.db)
        .await;
    match approved {
        Ok(rows) => {
            for p in rows {
                w.events
                    .publish(crate::service::events::Announced::event(&p));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, case_id = id, "publications of an archived case not announced")
        }
    }
}

/// Links (`linked`) or unlinks a campaign (`campaign` code) to a case (lead agency only).
pub async fn set_campaign(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    campaign: &str,
    linked: bool,
) -> AppResult<cases::Model> {
    lead_step(
        w,
        "setCaseCampaign",
        id,
        version,
        false,
        async |txn, _, case| {
            not_archived(&case)?;
            let c = campaign_by_code(txn, campaign).await?;
            case_campaigns::Entity::delete_many()
                .filter(case_campaigns::Column::CaseId.eq(id))
                .filter(case_campaigns::Column::CampaignId.eq(c.id))
                .exec(txn)
                .await?;
            if linked {
                link_campaign(txn, id, case.detected_on, &c).await?;
            }
            Ok(touch())
        },
    )
    .await
}
