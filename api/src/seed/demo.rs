//! The demo data set: reference data, directives, tasks and campaigns, ≈300 generated cases,
//! then tips, publications and periodic reports written to agree with those cases. Everything
//! is deterministic (fixed seeds, fixed "today"), so tests can rely on it.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::{Datelike, Duration, NaiveDate};
use entity::{periodic_reports, publications, tips};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde::Deserialize;
use serde_json::json;

use super::SeedSummary;
use super::generate::{self, CaseBrief, RefData};
use super::templates::{GIVEN_FEMALE, GIVEN_MALE, MIDDLE_FEMALE, MIDDLE_MALE, SURNAMES};
use super::util::{
    Table, date, digits, insert_chunked, loaded, local, lower_first, money_words, pick,
    rebuild_rollups, sync_sequences, table, term, thousands, today, vn_date,
};
use super::{plans, reference};
use crate::domain::vocab::{
    CaseStatus, CommodityGroup as Cg, OfficialGroup, PeriodKind, PublicationStatus, TipChannel,
    TipStatus, ViolationType,
};
use crate::text::nfc;

/// Seed of the demo's case generator.
const DEMO_SEED: u64 = 389;
/// Seed of the tips, publications and reports drawn around the cases.
const EXTRAS_SEED: u64 = 2026;
const DEMO_CASES: u64 = 300;
const DEMO_TIPS: usize = 40;

/// Every table the demo writes with explicit ids.
const ALL_TABLES: &[&str] = &[
    "communes",
    "agencies",
    "border_gates",
    "directives",
    "tasks",
    "task_updates",
    "campaigns",
    "cases",
    "subjects",
    "seizures",
    "customs_records",
    "investigation_records",
    "tips",
    "publications",
    "periodic_reports",
];

pub(super) async fn load(
    db: &DatabaseConnection,
    key: &crate::crypto::DataKey,
) -> anyhow::Result<SeedSummary> {
    if !super::is_empty(db).await? {
        anyhow::bail!("load_demo needs an empty database: agencies already exist");
    }
    let txn = db.begin().await?;
    let refs = reference::insert(&txn).await?;
    let (directives, directive_count) = plans::insert_directives(&txn).await?;
    let campaign_count = plans::insert_campaigns(&txn, &directives).await?;
    let rd = RefData::load(&txn).await?;
    let task_count = plans::insert_tasks(&txn, &rd, &directives).await?;

    let mut generator = generate::generator(&txn, &rd, DEMO_SEED).await?;
    let mut batch = generator.batch(DEMO_CASES, true)?;
    let case_count = batch.len();
    let briefs = std::mem::take(&mut batch.briefs);
    batch.insert(&txn).await?;

    let mut rng = fastrand::Rng::with_seed(EXTRAS_SEED);
    let tip_count = insert_tips(&txn, &rd, &briefs, &mut rng).await?;
    crate::keys::reencrypt_reporters(&txn, None, key).await?;
    let publication_count = insert_publications(&txn, &rd, &briefs, &mut rng).await?;
    insert_reports(&txn, &rd, &briefs, &mut rng).await?;
    sync_sequences(&txn, ALL_TABLES).await?;
    rebuild_rollups(&txn).await?;
    txn.commit().await?;

    let summary = SeedSummary {
        agencies: refs.agencies,
        communes: refs.communes,
        directives: directive_count,
        tasks: task_count,
        campaigns: campaign_count,
        cases: case_count,
        tips: tip_count,
        publications: publication_count,
    };
    tracing::info!(?summary, "demo data loaded");
    Ok(summary)
}

/// A Vietnamese full name for a tipster.
fn person_name(rng: &mut fastrand::Rng) -> anyhow::Result<String> {
    let (middle, given) = if rng.bool() {
        (pick(rng, MIDDLE_MALE)?, pick(rng, GIVEN_MALE)?)
    } else {
        (pick(rng, MIDDLE_FEMALE)?, pick(rng, GIVEN_FEMALE)?)
    };
    Ok(format!("{} {middle} {given}", pick(rng, SURNAMES)?))
}

#[derive(Deserialize)]
struct TipSeed {
    /// `{place}` is replaced by a commune ("xã Đồng Đăng"). Owned: some quote a seller's words,
    /// and a quote is an escape in JSON, which cannot be borrowed from the file.
    content: String,
    #[serde(deserialize_with = "term")]
    commodity: Cg,
    /// The agency the standing office would forward it to.
    agency: &'static str,
    /// Whether the place should be a border commune.
    border: bool,
}

/// Hotline tips in the words citizens use, from `tips.json` (data, kept as data). They describe
/// places and goods, never the tipster.
static TIPS: Table<Vec<TipSeed>> = LazyLock::new(|| table("tips.json", include_str!("tips.json")));

static DISMISSALS: &[&str] = &[
    "Đã kiểm tra, xác minh tại địa điểm phản ánh, không phát hiện hành vi vi phạm.",
    "Đã phối hợp UBND xã kiểm tra; cơ sở được phản ánh đã ngừng hoạt động, không còn hàng hóa vi phạm.",
    "Trùng nội dung với tin báo đã tiếp nhận và đang được xác minh, xử lý.",
    "Hàng hóa có đầy đủ hóa đơn, chứng từ chứng minh nguồn gốc hợp pháp.",
];

async fn insert_tips<C: ConnectionTrait>(
    conn: &C,
    rd: &RefData,
    briefs: &[CaseBrief],
    rng: &mut fastrand::Rng,
) -> anyhow::Result<u64> {
    let today = today()?;
    let first = date("2025-02-01")?;
    let mut statuses: Vec<TipStatus> = std::iter::empty()
        .chain(std::iter::repeat_n(TipStatus::New, 6))
        .chain(std::iter::repeat_n(TipStatus::Forwarded, 8))
        .chain(std::iter::repeat_n(TipStatus::Verifying, 9))
        .chain(std::iter::repeat_n(TipStatus::LinkedToCase, 11))
        .chain(std::iter::repeat_n(TipStatus::Dismissed, 6))
        .collect();
    statuses.truncate(DEMO_TIPS);
    rng.shuffle(&mut statuses);

    let tip_seeds = loaded(&TIPS)?;
    anyhow::ensure!(!tip_seeds.is_empty(), "tips.json holds no tips");
    let communes = &reference::reference()?.communes;
    let border: Vec<&reference::CommuneSeed> = communes.iter().filter(|c| c.is_border).collect();
    let mut linked: BTreeSet<i64> = BTreeSet::new();
    let mut codes: BTreeSet<String> = BTreeSet::new();
    let mut rows = Vec::with_capacity(statuses.len());
    for (i, status) in statuses.into_iter().enumerate() {
        let seed = &tip_seeds[i % tip_seeds.len()];
        let mut place = {
            let c = if seed.border && !border.is_empty() {
                *pick(rng, &border)?
            } else {
                pick(rng, communes)?
            };
            crate::domain::vocab::commune_display(c.kind.as_str(), c.name)
        };
        let mut case_id = None;
        let mut agency = Some(seed.agency);
        let received_on = match status {
            TipStatus::LinkedToCase => {
                // A case of the same goods led by the agency the tip went to, or failing that
                // any case of the same goods, or any case at all.
                let usable = |b: &&CaseBrief| b.detected_on >= first && !linked.contains(&b.id);
                let found = briefs
                    .iter()
                    .filter(usable)
                    .filter(|b| b.commodity == seed.commodity && b.lead_code == seed.agency)
                    .chain(
                        briefs
                            .iter()
                            .filter(usable)
                            .filter(|b| b.commodity == seed.commodity),
                    )
                    .chain(briefs.iter().filter(usable))
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("seed: no case left to link a tip to"))?;
                linked.insert(found.id);
                case_id = Some(found.id);
                agency = Some(found.lead_code);
                if let Some(p) = &found.commune_display {
                    place = p.clone();
                }
                found.detected_on - Duration::days(rng.i64(1..=6))
            }
            TipStatus::New => {
                agency = None;
                today - Duration::days(rng.i64(0..=8))
            }
            TipStatus::Forwarded => today - Duration::days(rng.i64(3..=40)),
            TipStatus::Verifying => today - Duration::days(rng.i64(10..=120)),
            TipStatus::Dismissed => {
                first + Duration::days(rng.i64(0..=(today - first).num_days() - 20))
            }
        };
        let channel = if seed.commodity == Cg::FunctionalFood {
            TipChannel::Press
        } else {
            match rng.u32(0..100) {
                0..45 => TipChannel::Hotline,
                45..65 => TipChannel::OnlineForm,
                65..77 => TipChannel::Email,
                77..90 => TipChannel::WalkIn,
                _ => TipChannel::Press,
            }
        };
        // A quarter of the tipsters stay anonymous; the others leave a name and a way back.
        let (reporter_name, reporter_contact) = if rng.u32(0..100) < 25 {
            (None, None)
        } else {
            let contact = if channel == TipChannel::Email {
                format!("nguoidan.ls{}@gmail.com", digits(rng, 4))
            } else {
                format!("09{}", digits(rng, 8))
            };
            (Some(nfc(&person_name(rng)?)), Some(contact))
        };
        // From the operating system's CSPRNG, not the seeded generator: every install's demo
        // tips must have codes of their own, or anyone could look them up with `tipStatus`.
        let tracking = loop {
            let code = crate::service::tips::new_tracking_code();
            if codes.insert(code.clone()) {
                break code;
            }
        };
        let received_at = local(received_on, rng.u32(6..22), rng.u32(0..60));
        let updated_at = if status == TipStatus::New {
            received_at
        } else {
            let on = (received_on + Duration::days(rng.i64(1..=10))).min(today);
            local(on, 15, rng.u32(0..60)).max(received_at)
        };
        rows.push(tips::Model {
            archived_at: None,
            id: i as i64 + 1,
            tracking_code: tracking,
            received_at,
            channel: channel.as_str().to_owned(),
            content: nfc(&seed.content.replace("{place}", &place)),
            reporter_name,
            reporter_contact,
            assigned_agency_id: agency.map(|a| rd.agency_id(a)).transpose()?,
            status: status.as_str().to_owned(),
            case_id,
            dismissal_reason: (status == TipStatus::Dismissed)
                .then(|| pick(rng, DISMISSALS).map(|s| (*s).to_owned()))
                .transpose()?,
            version: 1,
            created_at: received_at,
            updated_at,
        });
    }
    let count = rows.len() as u64;
    insert_chunked(conn, rows).await?;
    Ok(count)
}

/// How a newspaper names the violation.
fn violation_words(v: ViolationType, commodity: Cg) -> &'static str {
    match v {
        ViolationType::Smuggling => "buôn lậu",
        ViolationType::IllegalCrossBorderTransport => "vận chuyển trái phép hàng hóa qua biên giới",
        ViolationType::TradeFraudOrigin => "gian lận về nguồn gốc, xuất xứ hàng hóa",
        ViolationType::TradeFraudInvoices => "gian lận thương mại về hóa đơn, chứng từ",
        ViolationType::TaxEvasion => "trốn thuế",
        ViolationType::TradeFraudMeasurement => "gian lận thương mại về đo lường",
        ViolationType::TradeFraudPriceListing => "vi phạm quy định về niêm yết giá",
        ViolationType::Counterfeit => "kinh doanh hàng giả",
        ViolationType::IpInfringement => "xâm phạm quyền sở hữu trí tuệ",
        ViolationType::ProhibitedGoods => "tàng trữ, vận chuyển hàng cấm",
        ViolationType::FoodSafety => "vi phạm quy định về an toàn thực phẩm",
        ViolationType::Other => match commodity {
            Cg::ForestProducts => "vi phạm quy định về quản lý, bảo vệ rừng và lâm sản",
            Cg::Minerals => "vi phạm quy định về khai thác, vận chuyển khoáng sản",
            _ => "vi phạm pháp luật về quản lý hàng hóa",
        },
    }
}

/// Publications about closed administrative cases only: never an ongoing investigation, and
/// the text is built from core facts alone (no subject, customs or tipster data exists in it).
async fn insert_publications<C: ConnectionTrait>(
    conn: &C,
    rd: &RefData,
    briefs: &[CaseBrief],
    rng: &mut fastrand::Rng,
) -> anyhow::Result<u64> {
    let today = today()?;
    let mut candidates: Vec<&CaseBrief> = briefs
        .iter()
        .filter(|b| {
            matches!(
                b.status,
                CaseStatus::HandledAdministratively | CaseStatus::Closed
            ) && !b.criminal
                && b.fine > 0
                && b.commune_display.is_some()
                && b.handled_on
                    .is_some_and(|h| h + Duration::days(12) <= today)
        })
        .collect();
    rng.shuffle(&mut candidates);
    let plan = [
        PublicationStatus::Approved,
        PublicationStatus::Approved,
        PublicationStatus::Approved,
        PublicationStatus::Approved,
        PublicationStatus::Approved,
        PublicationStatus::Approved,
        PublicationStatus::Draft,
        PublicationStatus::Draft,
        PublicationStatus::Rejected,
        PublicationStatus::Withdrawn,
    ];
    if candidates.len() < plan.len() {
        anyhow::bail!("seed: too few handled cases to publish about");
    }
    let mut rows = Vec::with_capacity(plan.len());
    for (i, (status, b)) in plan.iter().zip(candidates).enumerate() {
        let handled = b.handled_on.unwrap_or(b.detected_on);
        let lead_name = rd.agency_name(b.lead_code)?;
        let headline = format!(
            "Lạng Sơn: Xử phạt {} vụ {}",
            money_words(b.fine),
            lower_first(&b.title)
        );
        let together = if b.coordinated {
            " phối hợp với các lực lượng chức năng"
        } else {
            ""
        };
        let tax = if b.tax_arrears > 0 {
            format!(", truy thu {} đồng tiền thuế", thousands(b.tax_arrears))
        } else {
            String::new()
        };
        let body = [
            format!(
                "Ngày {}, {lead_name}{together} đã phát hiện, kiểm tra vụ {}.",
                vn_date(b.detected_on),
                lower_first(&b.title)
            ),
            format!("Tang vật vi phạm gồm: {}", lower_first(&b.goods_summary)),
            format!(
                "Qua xác minh, lực lượng chức năng xác định đây là hành vi {}. Ngày {}, cơ quan có thẩm quyền đã ban hành quyết định xử phạt vi phạm hành chính với tổng số tiền {} đồng{tax}; đồng thời {}.",
                violation_words(b.violation, b.commodity),
                vn_date(handled),
                thousands(b.fine),
                b.disposal_phrase
            ),
            "Ban Chỉ đạo 389 tỉnh khuyến cáo người dân không tiếp tay cho buôn lậu, không mua bán, sử dụng hàng hóa không rõ nguồn gốc, hàng giả; khi phát hiện hành vi vi phạm, đề nghị thông tin kịp thời cho cơ quan chức năng qua đường dây nóng của Ban Chỉ đạo 389 tỉnh.".to_owned(),
        ]
        .join("\n\n");
        let created_on = (handled + Duration::days(rng.i64(1..=3))).min(today);
        let created_at = local(created_on, 9, rng.u32(0..60));
        let decided_at = local(
            (created_on + Duration::days(rng.i64(1..=6))).min(today),
            15,
            rng.u32(0..60),
        );
        let (approved_at, review_reason, updated_at) = match status {
            PublicationStatus::Approved => (Some(decided_at), None, decided_at),
            PublicationStatus::Draft => (None, None, created_at),
            PublicationStatus::Rejected => (
                None,
                Some("Bản tin chưa nêu rõ căn cứ xử phạt và kết quả xử lý tang vật; đề nghị đơn vị bổ sung, biên tập lại trước khi trình duyệt.".to_owned()),
                decided_at,
            ),
            PublicationStatus::Withdrawn => {
                let withdrawn = local((created_on + Duration::days(9)).min(today), 10, 0);
                (
                    Some(decided_at),
                    Some("Thu hồi để cập nhật kết quả xử lý tang vật theo phương án được Sở Tài chính phê duyệt.".to_owned()),
                    withdrawn.max(decided_at),
                )
            }
        };
        rows.push(publications::Model {
            archived_at: None,
            id: i as i64 + 1,
            case_id: b.id,
            headline: nfc(&headline),
            body: nfc(&body),
            public_facts: "violation_type,commodity_group,detected_on,commune,lead_agency,fine_amount,goods_value".to_owned(),
            status: status.as_str().to_owned(),
            drafted_by_agency_id: b.lead_id,
            review_reason,
            approved_at,
            review_agency_id: None,
            reviewed_at: None,
            version: 1,
            created_at,
            updated_at,
        });
    }
    let count = rows.len() as u64;
    insert_chunked(conn, rows).await?;
    Ok(count)
}

/// The figures of one period for one agency, in the three official groups, computed from the
/// cases it leads that were detected in the period.
fn figures(
    briefs: &[CaseBrief],
    agency: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for group in OfficialGroup::ALL {
        let cases: Vec<&CaseBrief> = briefs
            .iter()
            .filter(|b| {
                b.lead_code == agency
                    && b.detected_on >= start
                    && b.detected_on <= end
                    && b.violation.official_group() == *group
            })
            .collect();
        let admin = cases
            .iter()
            .filter(|b| {
                !b.criminal
                    && matches!(
                        b.status,
                        CaseStatus::HandledAdministratively | CaseStatus::Closed
                    )
            })
            .count();
        let fines: i64 = cases.iter().map(|b| b.fine).sum();
        let tax: i64 = cases.iter().map(|b| b.tax_arrears).sum();
        let budget: i64 = cases.iter().map(|b| b.budget).sum();
        out.insert(
            group.as_str().to_owned(),
            json!({
                "cases_detected": cases.len(),
                "cases_handled_administrative": admin,
                "cases_handled_criminal": cases.iter().filter(|b| b.criminal).count(),
                "subjects": cases.iter().map(|b| b.subjects).sum::<i64>(),
                "prosecuted_cases": cases.iter().filter(|b| b.prosecuted_on.is_some()).count(),
                "defendants": cases.iter().map(|b| b.defendants).sum::<i64>(),
                "fines": fines,
                "tax_arrears": tax,
                "confiscated_sales": budget - fines - tax,
                "budget_collected": budget,
                "goods_value": cases.iter().map(|b| b.goods_value).sum::<i64>(),
            }),
        );
    }
    serde_json::Value::Object(out)
}

/// Monthly reports for 2026 (15th of the previous month to the 14th, due on the 17th): most
/// on time, some late, a few missing (Sở Y tế for October and November, Thuế for November).
async fn insert_reports<C: ConnectionTrait>(
    conn: &C,
    rd: &RefData,
    briefs: &[CaseBrief],
    rng: &mut fastrand::Rng,
) -> anyhow::Result<u64> {
    let today = today()?;
    let missing = [("SYT", 10), ("SYT", 11), ("THUE", 11)];
    let mut rows = Vec::new();
    for agency in ["CA", "BDBP", "HQ", "QLTT", "THUE", "SYT"] {
        for month in 1..=11_u32 {
            if missing.contains(&(agency, month)) {
                continue;
            }
            let end = NaiveDate::from_ymd_opt(2026, month, 14)
                .ok_or_else(|| anyhow::anyhow!("seed: bad report month {month}"))?;
            let (py, pm) = if month == 1 {
                (2025, 12)
            } else {
                (2026, month - 1)
            };
            let start = NaiveDate::from_ymd_opt(py, pm, 15)
                .ok_or_else(|| anyhow::anyhow!("seed: bad report month {pm}"))?;
            let due = end + Duration::days(3);
            let late = rng.u32(0..100) < 20;
            let filed_on = if late {
                due + Duration::days(rng.i64(2..=8))
            } else {
                NaiveDate::from_ymd_opt(2026, month, rng.u32(8..=16))
                    .ok_or_else(|| anyhow::anyhow!("seed: bad filing day"))?
            }
            .min(today);
            let filed_at = local(filed_on, rng.u32(8..17), rng.u32(0..60));
            rows.push(periodic_reports::Model {
                computed_figures: None,
                id: rows.len() as i64 + 1,
                agency_id: rd.agency_id(agency)?,
                period_kind: PeriodKind::Month.as_str().to_owned(),
                period_start: start,
                period_end: end,
                due_on: due,
                filed_at: Some(filed_at),
                is_late: filed_on > due,
                figures: figures(briefs, agency, start, end),
                correction_reason: None,
                version: 1,
                created_at: filed_at,
            });
            debug_assert_eq!(due.day(), 17);
        }
    }
    let count = rows.len() as u64;
    insert_chunked(conn, rows).await?;
    Ok(count)
}
