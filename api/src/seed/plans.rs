//! Directives (with their citation graph), campaigns, tasks and task progress, as the Lạng Sơn
//! documents in `seeds/` state them. National documents are those the seeds cite; documents of
//! other provinces (An Giang, Lào Cai) are not part of Lạng Sơn's hub.

use std::collections::BTreeMap;

use entity::{campaigns, directive_citations, directives, task_coordinators, task_updates, tasks};
use sea_orm::ConnectionTrait;

use super::generate::RefData;
use super::util::{date, insert_chunked, local};
use crate::domain::vocab::{
    CommodityGroup as Cg, DirectiveType as Dt, TaskStatus, ViolationType as Vt,
};
use crate::text::nfc;

struct DirectiveSeed {
    key: &'static str,
    symbol: &'static str,
    number: i32,
    doc_type: Dt,
    issuer: &'static str,
    drafting_unit: Option<&'static str>,
    issued_on: &'static str,
    title: &'static str,
    valid: (Option<&'static str>, Option<&'static str>),
    cites: &'static [&'static str],
}

const TTG: &str = "TTg";
const VPCP: &str = "VPCP";
const CP: &str = "CP";
const TU: &str = "TU";
const UBND: &str = "UBND";
const VP: &str = "VP";
const BCD: &str = "BCĐ";

/// The issuer's full name from the abbreviation in the symbol.
fn issuer_name(issuer: &str) -> &'static str {
    match issuer {
        TTG => "Thủ tướng Chính phủ",
        VPCP => "Văn phòng Chính phủ",
        CP => "Chính phủ",
        "BCĐ389" => "Ban Chỉ đạo quốc gia chống buôn lậu, gian lận thương mại và hàng giả",
        "VPTT" => "Văn phòng Thường trực Ban Chỉ đạo 389 quốc gia",
        TU => "Ban Thường vụ Tỉnh ủy Lạng Sơn",
        UBND => "Ủy ban nhân dân tỉnh Lạng Sơn",
        VP => "Văn phòng Ủy ban nhân dân tỉnh Lạng Sơn",
        BCD => "Ban Chỉ đạo 389 tỉnh Lạng Sơn",
        _ => "Không rõ",
    }
}

/// Keys used below for tasks and campaigns.
const CT_13_TTG: &str = "ct13-ttg-2025";
const CD_65_TTG: &str = "cd65-ttg-2025";
const TB_341_VPCP: &str = "tb341-vpcp-2025";
const CV_8431_VPCP: &str = "cv8431-vpcp-2025";
const BC_111: &str = "bc111-bcd389-2025";
const CV_11554_VPCP: &str = "cv11554-vpcp-2025";
const NQ_397_CP: &str = "nq397-cp-2025";
const CD_38_TTG: &str = "cd38-ttg-2026";
const CV_58_VPTT: &str = "cv58-vptt-2026";
const NQ_41_CP: &str = "nq41-cp-2015";
const QD_20_TTG: &str = "qd20-ttg-2016";
const CT_13_TU: &str = "ct13-tu-2022";
const KH_89: &str = "kh89-ubnd-2022";
const KH_154: &str = "kh154-ubnd-2025";
const CV_1079: &str = "cv1079-ubnd-2025";
const TB_154_VP: &str = "tb154-vp-2025";
const TB_Q3: &str = "tb-q3-2025";
const KH_TET: &str = "kh-tet-2026";
const CV_506: &str = "cv506-ubnd-2026";
const CV_1890: &str = "cv1890-vp-2026";
const CV_2074: &str = "cv2074-vp-2026";
const CV_40_BCD: &str = "cv40-bcd-2026";
const TB_0512: &str = "tb-0512-2026";

#[allow(clippy::too_many_arguments)]
const fn d(
    key: &'static str,
    symbol: &'static str,
    number: i32,
    doc_type: Dt,
    issuer: &'static str,
    drafting_unit: Option<&'static str>,
    issued_on: &'static str,
    title: &'static str,
    valid: (Option<&'static str>, Option<&'static str>),
    cites: &'static [&'static str],
) -> DirectiveSeed {
    DirectiveSeed {
        key,
        symbol,
        number,
        doc_type,
        issuer,
        drafting_unit,
        issued_on,
        title,
        valid,
        cites,
    }
}

/// In dependency order (a document after those it cites). Where a seed leaves a number blank
/// (the drafts of the Q3/2025 and 12/5/2026 conclusions) or names a document without its title,
/// the number or title here is a plausible stand-in.
static DIRECTIVES: &[DirectiveSeed] = &[
    d(
        NQ_41_CP,
        "41/NQ-CP",
        41,
        Dt::Resolution,
        CP,
        None,
        "2015-06-09",
        "Nghị quyết về đẩy mạnh công tác chống buôn lậu, gian lận thương mại và hàng giả trong tình hình mới",
        (None, None),
        &[],
    ),
    d(
        QD_20_TTG,
        "20/2016/QĐ-TTg",
        20,
        Dt::Decision,
        TTG,
        None,
        "2016-05-11",
        "Quyết định quy định hỗ trợ kinh phí cho hoạt động chống buôn lậu, gian lận thương mại, hàng giả và thanh toán chi phí quản lý, xử lý tài sản bị tịch thu theo quy định của pháp luật trong lĩnh vực chống buôn lậu, gian lận thương mại, hàng giả",
        (None, None),
        &[],
    ),
    d(
        CT_13_TU,
        "13-CT/TU",
        13,
        Dt::Directive,
        TU,
        None,
        "2022-04-05",
        "Chỉ thị về tăng cường sự lãnh đạo của Đảng đối với công tác phòng, chống buôn lậu, gian lận thương mại và hàng giả trên địa bàn tỉnh giai đoạn năm 2022 - 2026",
        (Some("2022-04-05"), Some("2026-12-31")),
        &[],
    ),
    d(
        KH_89,
        "89/KH-UBND",
        89,
        Dt::Plan,
        UBND,
        None,
        "2022-04-22",
        "Kế hoạch triển khai thực hiện Kết luận số 503-KL/TU ngày 28/3/2022 của Thường trực Tỉnh ủy về tăng cường lãnh đạo hoạt động quản lý xuất nhập khẩu hàng hóa và công tác phòng, chống tham nhũng, tiêu cực tại các cửa khẩu",
        (Some("2022-04-22"), None),
        &[],
    ),
    d(
        CD_65_TTG,
        "65/CĐ-TTg",
        65,
        Dt::Dispatch,
        TTG,
        None,
        "2025-05-15",
        "Công điện về cao điểm đấu tranh ngăn chặn, đẩy lùi tình trạng buôn lậu, gian lận thương mại, hàng giả, xâm phạm quyền sở hữu trí tuệ",
        (Some("2025-05-15"), Some("2025-06-15")),
        &[],
    ),
    d(
        CT_13_TTG,
        "13/CT-TTg",
        13,
        Dt::Directive,
        TTG,
        None,
        "2025-05-17",
        "Chỉ thị về tăng cường công tác đấu tranh chống buôn lậu, gian lận thương mại và hàng giả trong tình hình mới",
        (Some("2025-05-17"), None),
        &[],
    ),
    d(
        CV_1079,
        "1079/UBND-KTTH",
        1079,
        Dt::OfficialLetter,
        UBND,
        Some("KTTH"),
        "2025-06-03",
        "Về việc tiếp tục thực hiện Chỉ thị số 13-CT/TU ngày 05/4/2022 của Ban Thường vụ Tỉnh ủy về tăng cường sự lãnh đạo của Đảng đối với công tác phòng, chống buôn lậu, gian lận thương mại và hàng giả trên địa bàn tỉnh giai đoạn năm 2022 - 2026",
        (None, None),
        &[CT_13_TU],
    ),
    d(
        KH_154,
        "154/KH-UBND",
        154,
        Dt::Plan,
        UBND,
        None,
        "2025-06-04",
        "Kế hoạch triển khai thực hiện Chỉ thị số 13/CT-TTg ngày 17/5/2025 của Thủ tướng Chính phủ về tăng cường công tác đấu tranh chống buôn lậu, gian lận thương mại và hàng giả trong tình hình mới trên địa bàn tỉnh Lạng Sơn",
        (Some("2025-06-04"), None),
        &[CT_13_TTG, CD_65_TTG],
    ),
    d(
        TB_341_VPCP,
        "341/TB-VPCP",
        341,
        Dt::Notice,
        VPCP,
        None,
        "2025-07-01",
        "Kết luận của Thủ tướng Chính phủ Phạm Minh Chính tại Hội nghị trực tuyến toàn quốc sơ kết công tác 6 tháng đầu năm 2025 và tổng kết đợt cao điểm đấu tranh ngăn chặn, đẩy lùi tình trạng buôn lậu, gian lận thương mại, hàng giả, xâm phạm quyền sở hữu trí tuệ",
        (None, None),
        &[CD_65_TTG, CT_13_TTG],
    ),
    d(
        TB_154_VP,
        "154/TB-VP",
        154,
        Dt::Notice,
        VP,
        None,
        "2025-07-08",
        "Kết luận của Chủ tịch UBND tỉnh tại Hội nghị sơ kết 6 tháng đầu năm 2025 công tác chống buôn lậu, gian lận thương mại và hàng giả và đánh giá kết quả thực hiện Công điện số 65/CĐ-TTg ngày 15/5/2025 của Thủ tướng Chính phủ",
        (None, None),
        &[CD_65_TTG, CT_13_TTG],
    ),
    d(
        CV_8431_VPCP,
        "8431/VPCP-V.I",
        8431,
        Dt::OfficialLetter,
        VPCP,
        Some("V.I"),
        "2025-09-09",
        "Về việc công tác chống buôn lậu, gian lận thương mại và hàng giả, xâm phạm quyền sở hữu trí tuệ (ý kiến chỉ đạo của Phó Thủ tướng Chính phủ Bùi Thanh Sơn, Trưởng Ban Chỉ đạo 389 quốc gia)",
        (None, None),
        &[TB_341_VPCP],
    ),
    d(
        TB_Q3,
        "247/TB-VP",
        247,
        Dt::Notice,
        VP,
        None,
        "2025-10-16",
        "Kết luận của đồng chí Đoàn Thanh Sơn, Phó Chủ tịch UBND tỉnh, Phó Trưởng ban Thường trực Ban Chỉ đạo 389 tỉnh tại cuộc họp sơ kết quý III năm 2025 về công tác chống buôn lậu, gian lận thương mại và hàng giả",
        (None, None),
        &[
            TB_341_VPCP,
            CV_8431_VPCP,
            CT_13_TU,
            TB_154_VP,
            CV_1079,
            CD_65_TTG,
        ],
    ),
    d(
        BC_111,
        "111/BC-BCĐ389",
        111,
        Dt::Report,
        "BCĐ389",
        None,
        "2025-11-07",
        "Báo cáo kết quả công tác chống buôn lậu, gian lận thương mại và hàng giả quý III và phương hướng nhiệm vụ trọng tâm những tháng cuối năm 2025",
        (None, None),
        &[],
    ),
    d(
        CV_11554_VPCP,
        "11554/VPCP-V.I",
        11554,
        Dt::OfficialLetter,
        VPCP,
        Some("V.I"),
        "2025-11-25",
        "Về việc nâng cao hiệu quả công tác chống buôn lậu, gian lận thương mại và hàng giả",
        (None, None),
        &[],
    ),
    d(
        KH_TET,
        "25/KH-BCĐ",
        25,
        Dt::Plan,
        BCD,
        None,
        "2025-11-28",
        "Kế hoạch thực hiện cao điểm chống buôn lậu, gian lận thương mại và hàng giả dịp trước, trong và sau Tết Nguyên đán Bính Ngọ 2026",
        (Some("2025-12-15"), Some("2026-03-15")),
        &[TB_Q3, CT_13_TTG, CV_11554_VPCP, QD_20_TTG],
    ),
    d(
        NQ_397_CP,
        "397/NQ-CP",
        397,
        Dt::Resolution,
        CP,
        None,
        "2025-12-05",
        "Nghị quyết ban hành Kế hoạch hành động của Chính phủ về đấu tranh ngăn chặn, đẩy lùi tình trạng buôn lậu, gian lận thương mại, hàng giả, xâm phạm quyền sở hữu trí tuệ đến năm 2030",
        (Some("2025-12-05"), Some("2030-12-31")),
        &[CT_13_TTG],
    ),
    d(
        CV_506,
        "506/UBND-KTTH",
        506,
        Dt::OfficialLetter,
        UBND,
        Some("KTTH"),
        "2026-03-11",
        "Về việc thực hiện các giải pháp bảo đảm cung ứng xăng dầu cho sản xuất, kinh doanh và tiêu dùng của người dân, doanh nghiệp trên địa bàn tỉnh",
        (None, None),
        &[],
    ),
    d(
        CV_40_BCD,
        "40/BCĐ-CQTTr",
        40,
        Dt::OfficialLetter,
        BCD,
        Some("CQTTr"),
        "2026-03-13",
        "Về việc tăng cường công tác chống buôn lậu, gian lận thương mại và hàng giả trên địa bàn tỉnh",
        (None, None),
        &[],
    ),
    d(
        CV_1890,
        "1890/VP-KTTH",
        1890,
        Dt::OfficialLetter,
        VP,
        Some("KTTH"),
        "2026-03-17",
        "Về việc truyền đạt ý kiến chỉ đạo của lãnh đạo UBND tỉnh về công tác chống buôn lậu, gian lận thương mại và hàng giả",
        (None, None),
        &[],
    ),
    d(
        CV_2074,
        "2074/VP-KTTH",
        2074,
        Dt::OfficialLetter,
        VP,
        Some("KTTH"),
        "2026-03-23",
        "Về việc truyền đạt ý kiến chỉ đạo của lãnh đạo UBND tỉnh về kiểm soát hàng hóa xuất nhập khẩu và chống gian lận thương mại",
        (None, None),
        &[],
    ),
    d(
        CD_38_TTG,
        "38/CĐ-TTg",
        38,
        Dt::Dispatch,
        TTG,
        None,
        "2026-05-05",
        "Công điện về đấu tranh, ngăn chặn, xử lý hành vi xâm phạm quyền sở hữu trí tuệ",
        (Some("2026-05-07"), Some("2026-05-30")),
        &[NQ_397_CP],
    ),
    d(
        CV_58_VPTT,
        "58/VPTT-TH",
        58,
        Dt::OfficialLetter,
        "VPTT",
        Some("TH"),
        "2026-05-07",
        "Về việc triển khai thực hiện Công điện số 38/CĐ-TTg ngày 05/5/2026 của Thủ tướng Chính phủ",
        (None, None),
        &[CD_38_TTG],
    ),
    d(
        TB_0512,
        "112/TB-VP",
        112,
        Dt::Notice,
        VP,
        None,
        "2026-05-14",
        "Kết luận của đồng chí Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo 389 tỉnh tại cuộc họp Ban Chỉ đạo 389 tỉnh 4 tháng đầu năm 2026",
        (None, None),
        &[
            CT_13_TTG, NQ_397_CP, CT_13_TU, CV_58_VPTT, KH_154, CV_1079, KH_89, CV_506, CV_1890,
            CV_2074, CV_40_BCD, CD_38_TTG,
        ],
    ),
];

/// Ids of the directives by key, for tasks and campaigns.
pub(super) struct Directives {
    ids: BTreeMap<&'static str, i64>,
}

impl Directives {
    fn id(&self, key: &str) -> anyhow::Result<i64> {
        self.ids
            .get(key)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("seed: unknown directive key {key}"))
    }
}

pub(super) async fn insert_directives<C: ConnectionTrait>(
    conn: &C,
) -> anyhow::Result<(Directives, u64)> {
    let mut ids = BTreeMap::new();
    let mut rows = Vec::with_capacity(DIRECTIVES.len());
    let mut citations = Vec::new();
    for (i, s) in DIRECTIVES.iter().enumerate() {
        let id = i as i64 + 1;
        let issued_on = date(s.issued_on)?;
        ids.insert(s.key, id);
        rows.push(directives::Model {
            version: 1,
            archived_at: None,
            id,
            symbol: nfc(s.symbol),
            number: s.number,
            doc_type: s.doc_type.as_str().to_owned(),
            issuer: nfc(s.issuer),
            drafting_unit: s.drafting_unit.map(nfc),
            issuer_name: nfc(issuer_name(s.issuer)),
            issued_on,
            year: chrono::Datelike::year(&issued_on),
            title: nfc(s.title),
            valid_from: s.valid.0.map(date).transpose()?,
            valid_until: s.valid.1.map(date).transpose()?,
            created_at: local(issued_on, 8, 0),
        });
        for cited in s.cites {
            let cited_id = ids.get(cited).copied().ok_or_else(|| {
                anyhow::anyhow!("seed: {} cites {cited}, not listed before it", s.key)
            })?;
            citations.push(directive_citations::Model {
                directive_id: id,
                cited_id,
            });
        }
    }
    let count = rows.len() as u64;
    insert_chunked(conn, rows).await?;
    insert_chunked(conn, citations).await?;
    Ok((Directives { ids }, count))
}

struct CampaignSeed {
    code: &'static str,
    name: &'static str,
    starts: &'static str,
    ends: &'static str,
    directive: &'static str,
    commodities: &'static [Cg],
    violations: &'static [Vt],
    description: &'static str,
}

static CAMPAIGNS: &[CampaignSeed] = &[
    CampaignSeed {
        code: "CD65_2025",
        name: "Cao điểm đấu tranh ngăn chặn, đẩy lùi tình trạng buôn lậu, gian lận thương mại, hàng giả, xâm phạm quyền sở hữu trí tuệ theo Công điện số 65/CĐ-TTg",
        starts: "2025-05-15",
        ends: "2025-06-15",
        directive: CD_65_TTG,
        commodities: &[
            Cg::Medicine,
            Cg::Milk,
            Cg::FunctionalFood,
            Cg::Food,
            Cg::Cosmetics,
        ],
        violations: &[
            Vt::Counterfeit,
            Vt::IpInfringement,
            Vt::Smuggling,
            Vt::FoodSafety,
        ],
        description: "Đợt cao điểm một tháng theo Công điện số 65/CĐ-TTg ngày 15/5/2025 của Thủ tướng Chính phủ, tập trung vào thuốc giả, sữa giả, thực phẩm giả.",
    },
    CampaignSeed {
        code: "TET_2026",
        name: "Cao điểm chống buôn lậu, gian lận thương mại và hàng giả dịp trước, trong và sau Tết Nguyên đán Bính Ngọ 2026",
        starts: "2025-12-15",
        ends: "2026-03-15",
        directive: KH_TET,
        commodities: &[
            Cg::FrozenFood,
            Cg::Food,
            Cg::FunctionalFood,
            Cg::Cigarettes,
            Cg::Sugar,
            Cg::Petroleum,
            Cg::ConsumerGoods,
            Cg::Medicine,
            Cg::SeedlingsLivestock,
            Cg::Other,
        ],
        violations: &[
            Vt::Smuggling,
            Vt::IllegalCrossBorderTransport,
            Vt::Counterfeit,
            Vt::ProhibitedGoods,
            Vt::FoodSafety,
            Vt::TradeFraudPriceListing,
        ],
        description: "Tập trung kiểm soát hàng hóa phục vụ Tết: thực phẩm đông lạnh qua đường mòn biên giới, bánh kẹo, đồ uống, thuốc lá, pháo nổ, hàng tiêu dùng; cây, con giống sau bão lũ.",
    },
    CampaignSeed {
        code: "SHTT_2026",
        name: "Cao điểm đấu tranh, ngăn chặn, xử lý hành vi xâm phạm quyền sở hữu trí tuệ theo Công điện số 38/CĐ-TTg",
        starts: "2026-05-07",
        ends: "2026-05-30",
        directive: CD_38_TTG,
        commodities: &[
            Cg::Cosmetics,
            Cg::ConsumerGoods,
            Cg::Electronics,
            Cg::Medicine,
            Cg::FunctionalFood,
            Cg::Milk,
        ],
        violations: &[Vt::IpInfringement, Vt::Counterfeit, Vt::TradeFraudOrigin],
        description: "Đợt cao điểm từ ngày 07/5/2026 đến ngày 30/5/2026, nhất là trên môi trường thương mại điện tử, mạng xã hội; báo cáo kết quả về Cơ quan Thường trực Ban Chỉ đạo 389 tỉnh.",
    },
];

pub(super) async fn insert_campaigns<C: ConnectionTrait>(
    conn: &C,
    directives: &Directives,
) -> anyhow::Result<u64> {
    let mut rows = Vec::with_capacity(CAMPAIGNS.len());
    for (i, s) in CAMPAIGNS.iter().enumerate() {
        rows.push(campaigns::Model {
            version: 1,
            archived_at: None,
            id: i as i64 + 1,
            code: s.code.to_owned(),
            name: nfc(s.name),
            starts_on: date(s.starts)?,
            ends_on: date(s.ends)?,
            directive_id: Some(directives.id(s.directive)?),
            focus_commodity_groups: s
                .commodities
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(","),
            focus_violation_types: s
                .violations
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(","),
            description: Some(nfc(s.description)),
        });
    }
    let count = rows.len() as u64;
    insert_chunked(conn, rows).await?;
    Ok(count)
}

struct TaskSeed {
    directive: &'static str,
    text: &'static str,
    lead: &'static str,
    coordinators: &'static [&'static str],
    due: Option<&'static str>,
    recurrence_day: Option<i32>,
    status: TaskStatus,
    completed: Option<&'static str>,
}

#[allow(clippy::too_many_arguments)]
const fn t(
    directive: &'static str,
    text: &'static str,
    lead: &'static str,
    coordinators: &'static [&'static str],
    due: Option<&'static str>,
    recurrence_day: Option<i32>,
    status: TaskStatus,
    completed: Option<&'static str>,
) -> TaskSeed {
    TaskSeed {
        directive,
        text,
        lead,
        coordinators,
        due,
        recurrence_day,
        status,
        completed,
    }
}

const SET_UP_COMMITTEE: &str = "Nghiêm túc rút kinh nghiệm trong việc chậm thành lập Ban Chỉ đạo 389 cấp xã; khẩn trương chỉ đạo thành lập Ban Chỉ đạo 389 cấp xã, báo cáo kết quả thực hiện về Ban Chỉ đạo 389 tỉnh";

/// Tasks as the documents assign them. As of 23/11/2026: some done on time, some done late,
/// some open and overdue (the eight communes' committees, the Team 389 model), some not yet
/// due (the 2026 annual report, the Tết 2027 plan), one recurring (the monthly report).
static TASKS: &[TaskSeed] = &[
    // Q3/2025 conclusion: the eight late communes, due 20/10/2025, still not done.
    t(
        TB_Q3,
        SET_UP_COMMITTEE,
        "UBND_THAT_KHE",
        &[],
        Some("2025-10-20"),
        None,
        TaskStatus::InProgress,
        None,
    ),
    t(
        TB_Q3,
        SET_UP_COMMITTEE,
        "UBND_THAI_BINH",
        &[],
        Some("2025-10-20"),
        None,
        TaskStatus::Open,
        None,
    ),
    t(
        TB_Q3,
        SET_UP_COMMITTEE,
        "UBND_CHAU_SON",
        &[],
        Some("2025-10-20"),
        None,
        TaskStatus::Open,
        None,
    ),
    t(
        TB_Q3,
        SET_UP_COMMITTEE,
        "UBND_VAN_NHAM",
        &[],
        Some("2025-10-20"),
        None,
        TaskStatus::InProgress,
        None,
    ),
    t(
        TB_Q3,
        SET_UP_COMMITTEE,
        "UBND_THIEN_TAN",
        &[],
        Some("2025-10-20"),
        None,
        TaskStatus::Open,
        None,
    ),
    t(
        TB_Q3,
        SET_UP_COMMITTEE,
        "UBND_YEN_BINH",
        &[],
        Some("2025-10-20"),
        None,
        TaskStatus::Open,
        None,
    ),
    t(
        TB_Q3,
        SET_UP_COMMITTEE,
        "UBND_LOC_BINH",
        &[],
        Some("2025-10-20"),
        None,
        TaskStatus::InProgress,
        None,
    ),
    t(
        TB_Q3,
        SET_UP_COMMITTEE,
        "UBND_DONG_KINH",
        &[],
        Some("2025-10-20"),
        None,
        TaskStatus::InProgress,
        None,
    ),
    t(
        TB_Q3,
        "Chủ trì, phối hợp với các cơ quan liên quan xem xét kiến nghị của UBND xã Mẫu Sơn liên quan đến cải tạo, sửa chữa tuyến đường 236 bảo đảm an toàn giao thông, đáp ứng nhu cầu lưu thông hàng hoá xuất nhập khẩu qua cửa khẩu Chi Ma; báo cáo, đề xuất UBND tỉnh trong tháng 10/2025",
        "SXD",
        &["UBND_MAU_SON", "BQLKKT"],
        Some("2025-10-31"),
        None,
        TaskStatus::Done,
        Some("2025-11-06"),
    ),
    t(
        TB_Q3,
        "Tham mưu Trưởng Ban Chỉ đạo 389 tỉnh ban hành Kế hoạch thực hiện cao điểm chống buôn lậu, gian lận thương mại và hàng giả dịp trước, trong và sau Tết Nguyên đán Bính Ngọ 2026",
        "QLTT",
        &["DOI389"],
        None,
        None,
        TaskStatus::Done,
        Some("2025-11-28"),
    ),
    t(
        TB_Q3,
        "Tiếp thu các ý kiến tham gia, hoàn thiện, ban hành Báo cáo kết quả công tác chống buôn lậu, gian lận thương mại và hàng giả quý III và phương hướng, nhiệm vụ trọng tâm những tháng cuối năm 2025",
        "QLTT",
        &[],
        None,
        None,
        TaskStatus::Done,
        Some("2025-10-22"),
    ),
    t(
        TB_Q3,
        "Tập trung kiểm tra, kiểm soát chặt chẽ khu vực biên giới, cửa khẩu, nhất là tại khu vực cửa khẩu Chi Ma, Hữu Nghị; duy trì hoạt động chốt chặn trên các đường mòn, lối tắt trọng điểm, hạn chế tối đa tình trạng mang vác, vận chuyển trái phép hàng hóa qua biên giới",
        "BDBP",
        &["HQ"],
        None,
        None,
        TaskStatus::InProgress,
        None,
    ),
    t(
        TB_Q3,
        "Tăng cường quản lý, kiểm soát nhằm ngăn chặn tình trạng sử dụng, mua bán hóa đơn trái phép, xuất hóa đơn khống để hợp thức hóa hàng nhập lậu, trốn thuế; phối hợp với Sở Tài chính kiểm tra, xử lý các cơ sở có doanh thu lớn nhưng không phát sinh hoạt động kinh doanh",
        "THUE",
        &["STC"],
        None,
        None,
        TaskStatus::InProgress,
        None,
    ),
    // The monthly report, due before the 17th of each month.
    t(
        KH_154,
        "Các cơ quan thành viên Ban Chỉ đạo 389 tỉnh báo cáo kết quả công tác chống buôn lậu, gian lận thương mại và hàng giả hằng tháng gửi Cơ quan Thường trực Ban Chỉ đạo 389 tỉnh (Chi cục Quản lý thị trường) trước ngày 17 hằng tháng; số liệu tính từ ngày 15 tháng trước đến hết ngày 14 của tháng báo cáo",
        "QLTT",
        &["CA", "BDBP", "HQ", "THUE", "SYT", "SCT", "SNNMT", "SKHCN"],
        None,
        Some(17),
        TaskStatus::InProgress,
        None,
    ),
    t(
        KH_154,
        "Xây dựng Báo cáo tổng kết công tác chống buôn lậu, gian lận thương mại và hàng giả năm 2026 (số liệu từ ngày 15/12/2025 đến hết ngày 14/12/2026), trình UBND tỉnh",
        "QLTT",
        &["CA", "BDBP", "HQ", "THUE"],
        Some("2026-12-20"),
        None,
        TaskStatus::Open,
        None,
    ),
    t(
        KH_89,
        "Báo cáo sơ kết 3 năm thực hiện Kế hoạch số 89/KH-UBND về quản lý xuất nhập khẩu hàng hóa và phòng, chống tham nhũng, tiêu cực tại các cửa khẩu",
        "BQLKKT",
        &["HQ", "BDBP"],
        Some("2025-04-30"),
        None,
        TaskStatus::Cancelled,
        None,
    ),
    // Tết Bính Ngọ 2026 peak.
    t(
        KH_TET,
        "Tăng cường tuần tra, kiểm soát các đường mòn, lối mở khu vực biên giới trong thời gian cao điểm trước, trong và sau Tết Nguyên đán Bính Ngọ 2026, nhất là đối với thực phẩm đông lạnh, pháo nổ, gia cầm chưa qua kiểm dịch",
        "BDBP",
        &["CA", "HQ", "UBND_DONG_DANG", "UBND_MAU_SON"],
        Some("2026-03-15"),
        None,
        TaskStatus::Done,
        Some("2026-03-15"),
    ),
    t(
        KH_TET,
        "Kiểm tra, kiểm soát thị trường hàng hóa phục vụ Tết, tập trung các mặt hàng thực phẩm, bánh kẹo, đồ uống, thuốc lá, hàng tiêu dùng; xử lý nghiêm hành vi không niêm yết giá, bán cao hơn giá niêm yết",
        "QLTT",
        &["CA", "SYT"],
        Some("2026-03-15"),
        None,
        TaskStatus::Done,
        Some("2026-03-13"),
    ),
    t(
        KH_TET,
        "Báo cáo kết quả thực hiện cao điểm Tết Nguyên đán Bính Ngọ 2026 gửi Cơ quan Thường trực Ban Chỉ đạo 389 tỉnh",
        "CA",
        &[],
        Some("2026-03-20"),
        None,
        TaskStatus::Done,
        Some("2026-03-27"),
    ),
    t(
        CV_506,
        "Tăng cường kiểm tra, giám sát hoạt động kinh doanh xăng dầu; kịp thời phát hiện, xử lý hành vi găm hàng, tăng giá, gian lận về đo lường, chất lượng xăng dầu",
        "SCT",
        &["QLTT"],
        Some("2026-04-15"),
        None,
        TaskStatus::Done,
        Some("2026-04-14"),
    ),
    // Conclusion of the meeting of 12/5/2026 (seed 003).
    t(
        TB_0512,
        "Tiếp thu đầy đủ các ý kiến tham gia tại cuộc họp; rà soát, hoàn thiện các dự thảo liên quan, trình Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo 389 tỉnh xem xét, ban hành",
        "QLTT",
        &[],
        Some("2026-05-18"),
        None,
        TaskStatus::Done,
        Some("2026-05-18"),
    ),
    t(
        TB_0512,
        "Nghiên cứu, rà soát về tổ chức bộ máy, quy chế hoạt động, những khó khăn về cơ sở vật chất, con người để đề xuất cơ cấu tổ chức và hoạt động của Ban Chỉ đạo 389 tỉnh (kể cả hoạt động của Ban Chỉ đạo 389 cấp xã, Cơ quan Thường trực, Đội 389 tỉnh); báo cáo, đề xuất UBND tỉnh, Ban Chỉ đạo 389 tỉnh",
        "QLTT",
        &["DOI389"],
        Some("2026-05-22"),
        None,
        TaskStatus::Done,
        Some("2026-06-02"),
    ),
    t(
        TB_0512,
        "Đề xuất mô hình tổ chức, hoạt động của Đội 389, báo cáo Chủ tịch UBND tỉnh",
        "QLTT",
        &["DOI389"],
        Some("2026-05-25"),
        None,
        TaskStatus::InProgress,
        None,
    ),
    t(
        TB_0512,
        "Tham mưu triển khai thực hiện hiệu quả Công điện số 38/CĐ-TTg ngày 05/5/2026 của Thủ tướng Chính phủ về đấu tranh, ngăn chặn, xử lý hành vi xâm phạm quyền sở hữu trí tuệ; tổ chức thực hiện đợt cao điểm từ ngày 07/5/2026 đến ngày 30/5/2026; thực hiện chế độ báo cáo theo yêu cầu tại Công điện",
        "QLTT",
        &["CA", "HQ", "SKHCN", "SCT"],
        Some("2026-05-30"),
        None,
        TaskStatus::Done,
        Some("2026-06-04"),
    ),
    t(
        TB_0512,
        "Chủ trì, phối hợp với Công an tỉnh, Chi cục Hải quan khu vực VI và chính quyền địa phương khu vực biên giới tăng cường quản lý địa bàn, thường xuyên tuần tra, kiểm soát tại các đường mòn, lối mở; kịp thời phát hiện, ngăn chặn hoạt động xuất, nhập lậu, nhất là thực phẩm đông lạnh, hàng tiêu dùng",
        "BDBP",
        &[
            "CA",
            "HQ",
            "UBND_DONG_DANG",
            "UBND_HOANG_VAN_THU",
            "UBND_MAU_SON",
        ],
        None,
        None,
        TaskStatus::InProgress,
        None,
    ),
    t(
        TB_0512,
        "Tăng cường kiểm tra, giám sát hàng hóa xuất nhập khẩu; rà soát, nhận diện các phương thức, thủ đoạn lợi dụng chính sách, quy trình xuất nhập khẩu để buôn lậu, gian lận thương mại, nhất là hàng kinh doanh tạm nhập tái xuất, chuyển khẩu",
        "HQ",
        &["BDBP", "CA"],
        None,
        None,
        TaskStatus::InProgress,
        None,
    ),
    t(
        TB_0512,
        "Tăng cường công tác quản lý thuế đối với hoạt động thương mại điện tử, hộ kinh doanh, doanh nghiệp kinh doanh trên nền tảng số; rà soát việc sử dụng hóa đơn, chứng từ để phát hiện, xử lý hành vi gian lận thương mại, trốn thuế",
        "THUE",
        &["QLTT"],
        None,
        None,
        TaskStatus::InProgress,
        None,
    ),
    t(
        TB_0512,
        "Tăng chuyên trang, chuyên mục tuyên truyền, phổ biến pháp luật về những nguy hại của buôn lậu, gian lận thương mại, hàng giả, xâm phạm quyền sở hữu trí tuệ; phổ biến các thủ đoạn gian lận, lừa đảo để Nhân dân nâng cao cảnh giác",
        "BAO_LS",
        &["SVHTTDL"],
        None,
        None,
        TaskStatus::Open,
        None,
    ),
    t(
        TB_0512,
        "Chủ động xây dựng, tham mưu ban hành Kế hoạch thực hiện cao điểm chống buôn lậu, gian lận thương mại và hàng giả dịp trước, trong và sau Tết Nguyên đán Đinh Mùi 2027",
        "QLTT",
        &["DOI389", "CA", "BDBP", "HQ"],
        Some("2026-12-05"),
        None,
        TaskStatus::Open,
        None,
    ),
];

struct UpdateSeed {
    /// Index into [`TASKS`].
    task: usize,
    agency: &'static str,
    on: &'static str,
    note: &'static str,
    progress: Option<i32>,
}

static UPDATES: &[UpdateSeed] = &[
    UpdateSeed {
        task: 0,
        agency: "UBND_THAT_KHE",
        on: "2025-10-24",
        note: "Đã xây dựng dự thảo Quyết định thành lập Ban Chỉ đạo 389 xã, đang lấy ý kiến các thành viên.",
        progress: Some(60),
    },
    UpdateSeed {
        task: 7,
        agency: "UBND_DONG_KINH",
        on: "2025-11-05",
        note: "Đang kiện toàn nhân sự sau sắp xếp đơn vị hành chính; dự kiến ban hành quyết định thành lập trong tháng 11/2025.",
        progress: Some(40),
    },
    UpdateSeed {
        task: 8,
        agency: "SXD",
        on: "2025-11-06",
        note: "Đã khảo sát hiện trạng tuyến đường 236, có văn bản báo cáo, đề xuất UBND tỉnh phương án cải tạo, sửa chữa.",
        progress: Some(100),
    },
    UpdateSeed {
        task: 11,
        agency: "BDBP",
        on: "2026-01-20",
        note: "Duy trì các tổ tuần tra, chốt chặn tại các đường mòn, lối mở trọng điểm khu vực cửa khẩu Hữu Nghị, Chi Ma trong thời gian cao điểm Tết.",
        progress: None,
    },
    UpdateSeed {
        task: 21,
        agency: "QLTT",
        on: "2026-05-20",
        note: "Đã rà soát tổ chức bộ máy, quy chế hoạt động; đang tổng hợp ý kiến của các cơ quan thành viên.",
        progress: Some(40),
    },
    UpdateSeed {
        task: 21,
        agency: "QLTT",
        on: "2026-06-02",
        note: "Đã có báo cáo, đề xuất UBND tỉnh, Ban Chỉ đạo 389 tỉnh về cơ cấu tổ chức và hoạt động của Ban Chỉ đạo 389 tỉnh.",
        progress: Some(100),
    },
    UpdateSeed {
        task: 22,
        agency: "QLTT",
        on: "2026-05-24",
        note: "Đang xây dựng dự thảo mô hình tổ chức, hoạt động của Đội 389, lấy ý kiến các cơ quan thành viên.",
        progress: Some(50),
    },
    UpdateSeed {
        task: 22,
        agency: "DOI389",
        on: "2026-07-10",
        note: "Đã góp ý dự thảo; đề nghị bổ sung cơ chế phối hợp với lực lượng chức năng cấp xã.",
        progress: Some(70),
    },
    UpdateSeed {
        task: 23,
        agency: "QLTT",
        on: "2026-05-31",
        note: "Đã tổng hợp kết quả đợt cao điểm theo Công điện số 38/CĐ-TTg từ các cơ quan thành viên; đang hoàn thiện báo cáo.",
        progress: Some(90),
    },
    UpdateSeed {
        task: 24,
        agency: "BDBP",
        on: "2026-06-15",
        note: "Duy trì tuần tra, kiểm soát tại các đường mòn, lối mở; phối hợp Công an, Hải quan và UBND các xã biên giới nắm tình hình, ngăn chặn vận chuyển trái phép thực phẩm đông lạnh.",
        progress: None,
    },
    UpdateSeed {
        task: 25,
        agency: "HQ",
        on: "2026-08-12",
        note: "Đã rà soát hàng kinh doanh tạm nhập tái xuất, chuyển khẩu qua cửa khẩu Hữu Nghị, Chi Ma; áp dụng quản lý rủi ro đối với các doanh nghiệp có dấu hiệu vi phạm.",
        progress: None,
    },
];

/// Inserts tasks, their coordinators and progress updates. Returns the number of tasks.
pub(super) async fn insert_tasks<C: ConnectionTrait>(
    conn: &C,
    rd: &RefData,
    directives: &Directives,
) -> anyhow::Result<u64> {
    let issued: BTreeMap<&str, &str> = DIRECTIVES.iter().map(|d| (d.key, d.issued_on)).collect();
    let mut rows = Vec::with_capacity(TASKS.len());
    let mut coordinators = Vec::new();
    for (i, s) in TASKS.iter().enumerate() {
        let id = i as i64 + 1;
        let created_on = date(
            issued
                .get(s.directive)
                .copied()
                .ok_or_else(|| anyhow::anyhow!("seed: unknown directive {}", s.directive))?,
        )?;
        let completed_on = s.completed.map(date).transpose()?;
        let last_update = UPDATES
            .iter()
            .filter(|u| u.task == i)
            .map(|u| date(u.on))
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .chain(completed_on)
            .max()
            .unwrap_or(created_on);
        rows.push(tasks::Model {
            archived_at: None,
            id,
            directive_id: directives.id(s.directive)?,
            text: nfc(s.text),
            lead_agency_id: rd.agency_id(s.lead)?,
            due_on: s.due.map(date).transpose()?,
            recurrence_day: s.recurrence_day,
            status: s.status.as_str().to_owned(),
            completed_on,
            version: 1,
            created_at: local(created_on, 9, 0),
            updated_at: local(last_update, 17, 0),
        });
        for code in s.coordinators {
            coordinators.push(task_coordinators::Model {
                task_id: id,
                agency_id: rd.agency_id(code)?,
            });
        }
    }
    let count = rows.len() as u64;
    insert_chunked(conn, rows).await?;
    insert_chunked(conn, coordinators).await?;

    let mut updates = Vec::with_capacity(UPDATES.len());
    for (i, u) in UPDATES.iter().enumerate() {
        if u.task >= TASKS.len() {
            anyhow::bail!("seed: task update {i} points at no task");
        }
        updates.push(task_updates::Model {
            id: i as i64 + 1,
            task_id: u.task as i64 + 1,
            agency_id: rd.agency_id(u.agency)?,
            posted_at: local(date(u.on)?, 16, 30),
            note: nfc(u.note),
            progress_percent: u.progress,
        });
    }
    insert_chunked(conn, updates).await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_point_at_the_intended_tasks() {
        // Updates reference tasks by index; keep them aligned when editing TASKS.
        for u in UPDATES {
            let t = &TASKS[u.task];
            let lead_or_coordinator = t.lead == u.agency || t.coordinators.contains(&u.agency);
            assert!(
                lead_or_coordinator,
                "update by {} on task {}",
                u.agency, u.task
            );
        }
        assert_eq!(TASKS[20].due, Some("2026-05-18"));
        assert_eq!(TASKS[21].due, Some("2026-05-22"));
        assert_eq!(TASKS[22].due, Some("2026-05-25"));
        assert_eq!(TASKS[13].recurrence_day, Some(17));
    }

    #[test]
    fn unique_directive_keys() {
        let mut seen = std::collections::BTreeSet::new();
        for d in DIRECTIVES {
            assert!(seen.insert((d.issuer, &d.issued_on[..4], d.number, d.doc_type.as_str())));
        }
    }
}
