//! Reference data of Lạng Sơn: communes and wards (since the 2025 reform there are no
//! districts), member agencies of the provincial Steering Committee 389, border gates and
//! trails. Codes are fixed: tests and frontends rely on them.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use entity::{agencies, border_gates, communes};
use sea_orm::ConnectionTrait;
use serde::Deserialize;

use super::util::{Table, date, insert_chunked, loaded, table, term};
use crate::domain::vocab::{AgencyKind, AgencyLevel, BorderGateKind, CommuneKind};
use crate::text::{fold, nfc};

/// The communes, agencies and border gates of `reference.json` (data, kept as data).
#[derive(Deserialize)]
// The rows borrow their strings from the file, so they only come from a `'static` one.
#[serde(bound(deserialize = "'de: 'static"))]
pub(super) struct Reference {
    /// Communes and wards named in the Lạng Sơn documents, plus the other places the demo
    /// cases happen in. Border: the communes along the China border around Hữu Nghị, Chi Ma,
    /// Tân Thanh and Na Hình (the six whose leaders attended the Q3/2025 review are all border
    /// communes). The last eight are those seed 001 lists as late (footnote 1).
    pub communes: Vec<CommuneSeed>,
    /// Provincial agencies. Names follow the 2026 Lạng Sơn conclusion (seed 003): customs is
    /// "Chi cục Hải quan khu vực VI", the border guard "Ban Chỉ huy Bộ đội Biên phòng tỉnh"
    /// (under the provincial military command since 2025), market management sits under the
    /// Department of Industry and Trade and is the committee's standing office, with Team 389
    /// under it.
    agencies: Vec<AgencySeed>,
    /// Border gates and the trails/openings patrols watch. Trails are named after the nearest
    /// boundary marker, as border-guard reports do.
    gates: Vec<GateSeed>,
}

static REFERENCE: Table<Reference> =
    LazyLock::new(|| table("reference.json", include_str!("reference.json")));

pub(super) fn reference() -> anyhow::Result<&'static Reference> {
    loaded(&REFERENCE)
}

#[derive(Deserialize)]
pub(super) struct CommuneSeed {
    pub name: &'static str,
    #[serde(deserialize_with = "term")]
    pub kind: CommuneKind,
    pub is_border: bool,
    /// When its commune-level 389 committee was set up; `None` for the eight that seed 001
    /// lists as late ("Tính đến ngày 13/10/2025 còn các xã … chưa thành lập").
    #[serde(borrow)]
    pub committee: Option<&'static str>,
}

/// `DONG_DANG` from "Đồng Đăng": the folded name in upper snake case.
pub(super) fn commune_code(name: &str) -> String {
    fold(name).replace(' ', "_").to_ascii_uppercase()
}

#[derive(Deserialize)]
struct AgencySeed {
    code: &'static str,
    name: &'static str,
    #[serde(borrow)]
    short: Option<&'static str>,
    #[serde(deserialize_with = "term")]
    kind: AgencyKind,
    #[serde(borrow)]
    parent: Option<&'static str>,
    member: bool,
}

#[derive(Deserialize)]
struct GateSeed {
    code: &'static str,
    name: &'static str,
    #[serde(deserialize_with = "term")]
    kind: BorderGateKind,
    commune: &'static str,
}

/// Counts of what [`insert`] wrote.
pub(super) struct ReferenceCounts {
    pub communes: u64,
    pub agencies: u64,
}

/// Inserts communes, agencies (provincial, then one UBND per commune) and border gates, with
/// explicit ids starting at 1.
pub(super) async fn insert<C: ConnectionTrait>(conn: &C) -> anyhow::Result<ReferenceCounts> {
    let Reference {
        communes: commune_seeds,
        agencies: agency_seeds,
        gates: gate_seeds,
    } = reference()?;
    let mut commune_ids: BTreeMap<String, i64> = BTreeMap::new();
    let mut commune_rows = Vec::with_capacity(commune_seeds.len());
    for (i, s) in commune_seeds.iter().enumerate() {
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
    let mut pending: Vec<&AgencySeed> = agency_seeds.iter().collect();
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
    let mut commune_agencies = Vec::with_capacity(commune_seeds.len());
    for s in commune_seeds {
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

    let mut gate_rows = Vec::with_capacity(gate_seeds.len());
    for (i, s) in gate_seeds.iter().enumerate() {
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
        communes: commune_seeds.len() as u64,
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
        let Reference {
            communes, gates, ..
        } = reference().unwrap();
        let late: Vec<_> = communes.iter().filter(|c| c.committee.is_none()).collect();
        assert_eq!(late.len(), 8);
        for g in gates {
            assert!(
                communes.iter().any(|c| commune_code(c.name) == g.commune),
                "{}",
                g.code
            );
        }
    }
}
