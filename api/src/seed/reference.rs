//! Reference data of Lạng Sơn: communes and wards (since the 2025 reform there are no
//! districts), member agencies of the provincial Steering Committee 389, border gates and
//! trails. Codes are fixed: tests and frontends rely on them.

use std::collections::BTreeMap;

use entity::{agencies, border_gates, communes};
use sea_orm::ConnectionTrait;

use super::util::{date, insert_chunked};
use crate::domain::vocab::{AgencyKind, AgencyLevel, BorderGateKind, CommuneKind};
use crate::text::{fold, nfc};

pub(super) struct CommuneSeed {
    pub name: &'static str,
    pub kind: CommuneKind,
    pub is_border: bool,
    /// When its commune-level 389 committee was set up; `None` for the eight that seed 001
    /// lists as late ("Tính đến ngày 13/10/2025 còn các xã … chưa thành lập").
    pub committee: Option<&'static str>,
}

/// Communes and wards named in the Lạng Sơn documents, plus the other places the demo cases
/// happen in. Border: the communes along the China border around Hữu Nghị, Chi Ma, Tân Thanh
/// and Na Hình (the six whose leaders attended the Q3/2025 review are all border communes).
pub(super) static COMMUNES: &[CommuneSeed] = &[
    c("Đồng Đăng", CommuneKind::Commune, true, Some("2025-07-28")),
    c(
        "Hoàng Văn Thụ",
        CommuneKind::Commune,
        true,
        Some("2025-08-04"),
    ),
    c("Cao Lộc", CommuneKind::Commune, true, Some("2025-08-01")),
    c("Ba Sơn", CommuneKind::Commune, true, Some("2025-08-12")),
    c("Mẫu Sơn", CommuneKind::Commune, true, Some("2025-08-08")),
    c("Khuất Xá", CommuneKind::Commune, true, Some("2025-08-15")),
    c("Tân Thanh", CommuneKind::Commune, true, Some("2025-08-25")),
    c("Thụy Hùng", CommuneKind::Commune, true, Some("2025-09-02")),
    c("Na Sầm", CommuneKind::Commune, true, Some("2025-08-20")),
    c("Hội Hoan", CommuneKind::Commune, true, Some("2025-09-05")),
    c("Quốc Khánh", CommuneKind::Commune, true, Some("2025-09-10")),
    c("Tam Thanh", CommuneKind::Ward, false, Some("2025-07-22")),
    c(
        "Lương Văn Tri",
        CommuneKind::Ward,
        false,
        Some("2025-07-24"),
    ),
    c("Kỳ Lừa", CommuneKind::Ward, false, Some("2025-07-25")),
    c("Chi Lăng", CommuneKind::Commune, false, Some("2025-08-18")),
    c("Hữu Lũng", CommuneKind::Commune, false, Some("2025-08-21")),
    c("Na Dương", CommuneKind::Commune, false, Some("2025-09-15")),
    c("Văn Quan", CommuneKind::Commune, false, Some("2025-09-08")),
    c("Bình Gia", CommuneKind::Commune, false, Some("2025-09-12")),
    c("Bắc Sơn", CommuneKind::Commune, false, Some("2025-09-03")),
    c("Đình Lập", CommuneKind::Commune, false, Some("2025-09-19")),
    // The eight late ones (seed 001, footnote 1).
    c("Thất Khê", CommuneKind::Commune, false, None),
    c("Thái Bình", CommuneKind::Commune, false, None),
    c("Châu Sơn", CommuneKind::Commune, false, None),
    c("Vân Nham", CommuneKind::Commune, false, None),
    c("Thiện Tân", CommuneKind::Commune, false, None),
    c("Yên Bình", CommuneKind::Commune, false, None),
    c("Lộc Bình", CommuneKind::Commune, false, None),
    c("Đông Kinh", CommuneKind::Ward, false, None),
];

const fn c(
    name: &'static str,
    kind: CommuneKind,
    is_border: bool,
    committee: Option<&'static str>,
) -> CommuneSeed {
    CommuneSeed {
        name,
        kind,
        is_border,
        committee,
    }
}

/// `DONG_DANG` from "Đồng Đăng": the folded name in upper snake case.
pub(super) fn commune_code(name: &str) -> String {
    fold(name).replace(' ', "_").to_ascii_uppercase()
}

struct AgencySeed {
    code: &'static str,
    name: &'static str,
    short: Option<&'static str>,
    kind: AgencyKind,
    parent: Option<&'static str>,
    member: bool,
}

const fn a(
    code: &'static str,
    name: &'static str,
    short: Option<&'static str>,
    kind: AgencyKind,
    parent: Option<&'static str>,
    member: bool,
) -> AgencySeed {
    AgencySeed {
        code,
        name,
        short,
        kind,
        parent,
        member,
    }
}

/// Provincial agencies. Names follow the 2026 Lạng Sơn conclusion (seed 003): customs is
/// "Chi cục Hải quan khu vực VI", the border guard "Ban Chỉ huy Bộ đội Biên phòng tỉnh" (under
/// the provincial military command since 2025), market management sits under the Department of
/// Industry and Trade and is the committee's standing office, with Team 389 under it.
static AGENCIES: &[AgencySeed] = &[
    a(
        "UBND_TINH",
        "Ủy ban nhân dân tỉnh Lạng Sơn",
        Some("UBND tỉnh"),
        AgencyKind::ProvincialLeadership,
        None,
        true,
    ),
    a(
        "VP_UBND",
        "Văn phòng Ủy ban nhân dân tỉnh Lạng Sơn",
        Some("Văn phòng UBND tỉnh"),
        AgencyKind::Other,
        Some("UBND_TINH"),
        false,
    ),
    a(
        "CA",
        "Công an tỉnh Lạng Sơn",
        Some("Công an tỉnh"),
        AgencyKind::Police,
        None,
        true,
    ),
    a(
        "BCHQS",
        "Bộ Chỉ huy Quân sự tỉnh Lạng Sơn",
        Some("Bộ CHQS tỉnh"),
        AgencyKind::Military,
        None,
        true,
    ),
    a(
        "BDBP",
        "Ban Chỉ huy Bộ đội Biên phòng tỉnh Lạng Sơn",
        Some("BĐBP tỉnh"),
        AgencyKind::BorderGuard,
        Some("BCHQS"),
        true,
    ),
    a(
        "HQ",
        "Chi cục Hải quan khu vực VI",
        Some("Hải quan khu vực VI"),
        AgencyKind::Customs,
        None,
        true,
    ),
    a(
        "SCT",
        "Sở Công Thương tỉnh Lạng Sơn",
        Some("Sở Công Thương"),
        AgencyKind::IndustryTrade,
        None,
        true,
    ),
    a(
        "QLTT",
        "Chi cục Quản lý thị trường tỉnh Lạng Sơn",
        Some("QLTT Lạng Sơn"),
        AgencyKind::MarketManagement,
        Some("SCT"),
        true,
    ),
    a(
        "DOI389",
        "Đội 389 tỉnh Lạng Sơn",
        Some("Đội 389 tỉnh"),
        AgencyKind::Team389,
        Some("QLTT"),
        false,
    ),
    a(
        "THUE",
        "Thuế tỉnh Lạng Sơn",
        Some("Thuế tỉnh"),
        AgencyKind::Tax,
        None,
        true,
    ),
    a(
        "SYT",
        "Sở Y tế tỉnh Lạng Sơn",
        Some("Sở Y tế"),
        AgencyKind::Health,
        None,
        true,
    ),
    a(
        "SNNMT",
        "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn",
        Some("Sở NN&MT"),
        AgencyKind::AgricultureEnv,
        None,
        true,
    ),
    a(
        "KIEMLAM",
        "Chi cục Kiểm lâm tỉnh Lạng Sơn",
        Some("Kiểm lâm"),
        AgencyKind::AgricultureEnv,
        Some("SNNMT"),
        false,
    ),
    a(
        "SKHCN",
        "Sở Khoa học và Công nghệ tỉnh Lạng Sơn",
        Some("Sở KH&CN"),
        AgencyKind::ScienceTech,
        None,
        true,
    ),
    a(
        "SVHTTDL",
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Lạng Sơn",
        Some("Sở VHTT&DL"),
        AgencyKind::Culture,
        None,
        true,
    ),
    a(
        "STC",
        "Sở Tài chính tỉnh Lạng Sơn",
        Some("Sở Tài chính"),
        AgencyKind::Finance,
        None,
        true,
    ),
    a(
        "STP",
        "Sở Tư pháp tỉnh Lạng Sơn",
        Some("Sở Tư pháp"),
        AgencyKind::Justice,
        None,
        true,
    ),
    a(
        "SXD",
        "Sở Xây dựng tỉnh Lạng Sơn",
        Some("Sở Xây dựng"),
        AgencyKind::Other,
        None,
        false,
    ),
    a(
        "BQLKKT",
        "Ban Quản lý Khu kinh tế cửa khẩu Đồng Đăng - Lạng Sơn",
        Some("Ban Quản lý KKT"),
        AgencyKind::EconomicZone,
        None,
        true,
    ),
    a(
        "BAO_LS",
        "Báo và Phát thanh, Truyền hình Lạng Sơn",
        Some("Báo và PTTH Lạng Sơn"),
        AgencyKind::Press,
        None,
        true,
    ),
    a(
        "MTTQ",
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Lạng Sơn",
        Some("Ủy ban MTTQ tỉnh"),
        AgencyKind::FatherlandFront,
        None,
        false,
    ),
];

struct GateSeed {
    code: &'static str,
    name: &'static str,
    kind: BorderGateKind,
    commune: &'static str,
}

const fn bg(
    code: &'static str,
    name: &'static str,
    kind: BorderGateKind,
    commune: &'static str,
) -> GateSeed {
    GateSeed {
        code,
        name,
        kind,
        commune,
    }
}

/// Border gates and the trails/openings patrols watch. Trails are named after the nearest
/// boundary marker, as border-guard reports do.
static GATES: &[GateSeed] = &[
    bg(
        "HUU_NGHI",
        "Cửa khẩu quốc tế Hữu Nghị",
        BorderGateKind::InternationalGate,
        "DONG_DANG",
    ),
    bg(
        "DONG_DANG_GA",
        "Cửa khẩu quốc tế đường sắt Đồng Đăng",
        BorderGateKind::InternationalGate,
        "DONG_DANG",
    ),
    bg(
        "CHI_MA",
        "Cửa khẩu Chi Ma",
        BorderGateKind::MainGate,
        "MAU_SON",
    ),
    bg(
        "TAN_THANH",
        "Cửa khẩu Tân Thanh",
        BorderGateKind::SecondaryGate,
        "TAN_THANH",
    ),
    bg(
        "NA_HINH",
        "Lối mở Na Hình",
        BorderGateKind::Opening,
        "THUY_HUNG",
    ),
    bg(
        "TRAIL_1119",
        "Đường mòn khu vực mốc 1119",
        BorderGateKind::Trail,
        "DONG_DANG",
    ),
    bg(
        "OPENING_1121",
        "Lối mở khu vực mốc 1121",
        BorderGateKind::Opening,
        "DONG_DANG",
    ),
    bg(
        "TRAIL_1083",
        "Đường mòn khu vực mốc 1083",
        BorderGateKind::Trail,
        "HOANG_VAN_THU",
    ),
    bg(
        "TRAIL_1196",
        "Đường mòn khu vực mốc 1196",
        BorderGateKind::Trail,
        "BA_SON",
    ),
    bg(
        "TRAIL_1230",
        "Đường mòn khu vực mốc 1230",
        BorderGateKind::Trail,
        "MAU_SON",
    ),
    bg(
        "OPENING_1262",
        "Lối mở khu vực mốc 1262",
        BorderGateKind::Opening,
        "KHUAT_XA",
    ),
    bg(
        "TRAIL_1012",
        "Đường mòn khu vực mốc 1012",
        BorderGateKind::Trail,
        "QUOC_KHANH",
    ),
];

/// Counts of what [`insert`] wrote.
pub(super) struct ReferenceCounts {
    pub communes: u64,
    pub agencies: u64,
}

/// Inserts communes, agencies (provincial, then one UBND per commune) and border gates, with
/// explicit ids starting at 1.
pub(super) async fn insert<C: ConnectionTrait>(conn: &C) -> anyhow::Result<ReferenceCounts> {
    let mut commune_ids: BTreeMap<String, i64> = BTreeMap::new();
    let mut commune_rows = Vec::with_capacity(COMMUNES.len());
    for (i, s) in COMMUNES.iter().enumerate() {
        let id = i as i64 + 1;
        let code = commune_code(s.name);
        commune_ids.insert(code.clone(), id);
        commune_rows.push(communes::Model {
            version: 1,
            id,
            code,
            name: nfc(s.name),
            kind: s.kind.as_str().to_owned(),
            is_border: s.is_border,
            committee_established_on: s.committee.map(date).transpose()?,
        });
    }
    insert_chunked(conn, commune_rows).await?;

    // Agencies in parent-first order: a row's parent must exist before the row (foreign keys
    // are enforced), so each pass inserts the agencies whose parent is already in.
    let mut agency_rows: Vec<agencies::Model> = Vec::new();
    let mut ids: BTreeMap<String, i64> = BTreeMap::new();
    let mut next_id = 1_i64;
    let mut pending: Vec<&AgencySeed> = AGENCIES.iter().collect();
    while !pending.is_empty() {
        let (ready, rest): (Vec<&AgencySeed>, Vec<&AgencySeed>) = pending
            .into_iter()
            .partition(|s| s.parent.is_none_or(|p| ids.contains_key(p)));
        if ready.is_empty() {
            anyhow::bail!("seed: agency parents form a cycle or name an unknown code");
        }
        let mut level_rows = Vec::with_capacity(ready.len());
        for s in ready {
            ids.insert(s.code.to_owned(), next_id);
            level_rows.push(agencies::Model {
                version: 1,
                id: next_id,
                code: s.code.to_owned(),
                name: nfc(s.name),
                short_name: s.short.map(nfc),
                kind: s.kind.as_str().to_owned(),
                level: AgencyLevel::Provincial.as_str().to_owned(),
                parent_id: s.parent.and_then(|p| ids.get(p).copied()),
                commune_id: None,
                is_member: s.member,
            });
            next_id += 1;
        }
        agency_rows.extend(level_rows.iter().cloned());
        insert_chunked(conn, level_rows).await?;
        pending = rest;
    }
    let province = ids
        .get("UBND_TINH")
        .copied()
        .ok_or_else(|| anyhow::anyhow!("seed: UBND_TINH missing"))?;
    let mut commune_agencies = Vec::with_capacity(COMMUNES.len());
    for s in COMMUNES {
        let code = commune_code(s.name);
        let commune_id = commune_ids
            .get(&code)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("seed: commune {code} missing"))?;
        commune_agencies.push(agencies::Model {
            version: 1,
            id: next_id,
            code: format!("UBND_{code}"),
            name: nfc(&format!(
                "UBND {}",
                crate::domain::vocab::commune_display(s.kind.as_str(), s.name)
            )),
            short_name: None,
            kind: AgencyKind::Commune.as_str().to_owned(),
            level: AgencyLevel::Commune.as_str().to_owned(),
            parent_id: Some(province),
            commune_id: Some(commune_id),
            is_member: false,
        });
        next_id += 1;
    }
    let agency_count = (agency_rows.len() + commune_agencies.len()) as u64;
    insert_chunked(conn, commune_agencies).await?;

    let mut gate_rows = Vec::with_capacity(GATES.len());
    for (i, s) in GATES.iter().enumerate() {
        let commune_id = commune_ids
            .get(s.commune)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("seed: gate {} in unknown commune", s.code))?;
        gate_rows.push(border_gates::Model {
            id: i as i64 + 1,
            code: s.code.to_owned(),
            name: nfc(s.name),
            kind: s.kind.as_str().to_owned(),
            commune_id,
        });
    }
    insert_chunked(conn, gate_rows).await?;

    Ok(ReferenceCounts {
        communes: COMMUNES.len() as u64,
        agencies: agency_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commune_codes_are_ascii_snake() {
        assert_eq!(commune_code("Đồng Đăng"), "DONG_DANG");
        assert_eq!(commune_code("Hoàng Văn Thụ"), "HOANG_VAN_THU");
        assert_eq!(commune_code("Lương Văn Tri"), "LUONG_VAN_TRI");
        let late: Vec<_> = COMMUNES.iter().filter(|c| c.committee.is_none()).collect();
        assert_eq!(late.len(), 8);
        for g in GATES {
            assert!(
                COMMUNES.iter().any(|c| commune_code(c.name) == g.commune),
                "{}",
                g.code
            );
        }
    }
}
