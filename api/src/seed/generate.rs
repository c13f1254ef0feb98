//! The case generator shared by the demo (≈300 cases) and the benchmarks (millions): each case
//! with its subjects, seizures, customs and investigation records, coordinating agencies and
//! campaign links, all consistent with each other (status ↔ dates ↔ amounts ↔ disposal).
//!
//! Rows carry explicit ids continuing after the largest existing id, so a batch of cases and
//! all their children is built in memory and written with a handful of multi-row inserts.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use entity::{
    agencies, border_gates, campaigns, case_campaigns, case_coordinators, cases, communes,
    customs_records, investigation_records, seizures, subjects,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, TransactionTrait};

use super::templates::{
    BIRTH_PROVINCES, BUSINESS_FORMS, BUSINESS_NAMES, CHINESE_GIVEN, CHINESE_SURNAMES,
    CUSTOMS_REGIMES, Fate, GIVEN_FEMALE, GIVEN_MALE, HAMLETS, INSPECTION_RESULTS, MIDDLE_FEMALE,
    MIDDLE_MALE, ROADS, STREETS, SURNAMES, Template, templates,
};
use super::util::{
    copy_rows, date, digits, insert_chunked, local, lower_first, max_id, pick, quantity,
    rebuild_rollups, sync_sequences, thousands, today, vn_date,
};
use crate::domain::vocab::{
    BorderGateKind, CaseStatus, Channel, CommodityGroup, CommuneKind, DisposalStatus, Platform,
    SubjectKind, SubjectRole, ViolationType,
};
use crate::text::{fold, nfc};

/// Tables the generator writes with explicit ids (their sequences need a reset on PostgreSQL).
pub(super) const CASE_TABLES: &[&str] = &[
    "cases",
    "subjects",
    "seizures",
    "customs_records",
    "investigation_records",
];

/// Cases per transaction in [`generate_cases`]: large enough to amortise commits, small enough
/// to keep memory flat however many millions are asked for.
const BATCH: u64 = 5_000;

/// From how many generated cases a load on PostgreSQL builds the search indexes at its end
/// instead of keeping them up to date (below, the indexes stay and are updated as rows come).
const BULK: u64 = 100_000;
/// Batches written at once by `seed --cases` on PostgreSQL (see [`generate_cases`]); SQLite
/// has one writer, so there a batch waits for the previous one.
const PG_WRITERS: usize = 2;

/// First and last possible detection dates of generated cases.
const FIRST_DAY: &str = "2025-01-01";
const LAST_DAY: &str = "2026-11-20";

/// The reference data a case points at, read from the database (so the generator works the
/// same inside the demo's transaction and on a database seeded long ago).
pub(super) struct RefData {
    agencies: BTreeMap<String, (i64, String)>,
    communes: Vec<communes::Model>,
    gates: Vec<border_gates::Model>,
    campaigns: Vec<campaigns::Model>,
}

impl RefData {
    pub(super) async fn load<C: ConnectionTrait>(conn: &C) -> anyhow::Result<Self> {
        let agencies = agencies::Entity::find()
            .order_by_asc(agencies::Column::Id)
            .all(conn)
            .await?
            .into_iter()
            .map(|a| (a.code, (a.id, a.name)))
            .collect();
        let communes = communes::Entity::find()
            .order_by_asc(communes::Column::Id)
            .all(conn)
            .await?;
        let gates = border_gates::Entity::find()
            .order_by_asc(border_gates::Column::Id)
            .all(conn)
            .await?;
        let campaigns = campaigns::Entity::find()
            .order_by_asc(campaigns::Column::Id)
            .all(conn)
            .await?;
        let data = Self {
            agencies,
            communes,
            gates,
            campaigns,
        };
        for code in ["CA", "HQ", "QLTT", "BDBP", "THUE", "SYT", "KIEMLAM", "STC"] {
            data.agency_id(code)?;
        }
        if data.communes.is_empty() {
            anyhow::bail!("seed: no communes; load the reference data (load_demo) first");
        }
        Ok(data)
    }

    pub(super) fn agency_id(&self, code: &str) -> anyhow::Result<i64> {
        self.agencies.get(code).map(|(id, _)| *id).ok_or_else(|| {
            anyhow::anyhow!("seed: agency {code} missing; load the reference data first")
        })
    }

    pub(super) fn agency_name(&self, code: &str) -> anyhow::Result<&str> {
        self.agencies
            .get(code)
            .map(|(_, name)| name.as_str())
            .ok_or_else(|| anyhow::anyhow!("seed: agency {code} missing"))
    }

    fn commune_index(&self, code: &str) -> Option<usize> {
        self.communes.iter().position(|c| c.code == code)
    }
}

/// What the demo needs to know about a generated case to write tips, publications and
/// periodic reports that agree with it.
#[derive(Clone, Debug)]
pub(super) struct CaseBrief {
    pub id: i64,
    pub title: String,
    pub goods_summary: String,
    pub violation: ViolationType,
    pub commodity: CommodityGroup,
    pub lead_code: &'static str,
    pub lead_id: i64,
    /// "xã Đồng Đăng"
    pub commune_display: Option<String>,
    pub detected_on: NaiveDate,
    pub status: CaseStatus,
    pub handled_on: Option<NaiveDate>,
    pub prosecuted_on: Option<NaiveDate>,
    pub criminal: bool,
    pub fine: i64,
    pub tax_arrears: i64,
    pub goods_value: i64,
    pub budget: i64,
    pub subjects: i64,
    pub defendants: i64,
    pub coordinated: bool,
    /// How the goods ended up, as a newspaper would say it.
    pub disposal_phrase: &'static str,
}

/// Next free id per table.
struct NextIds {
    case: i64,
    subject: i64,
    seizure: i64,
    customs: i64,
    investigation: i64,
}

impl NextIds {
    async fn load<C: ConnectionTrait>(conn: &C) -> anyhow::Result<Self> {
        Ok(Self {
            case: max_id(conn, "cases").await? + 1,
            subject: max_id(conn, "subjects").await? + 1,
            seizure: max_id(conn, "seizures").await? + 1,
            customs: max_id(conn, "customs_records").await? + 1,
            investigation: max_id(conn, "investigation_records").await? + 1,
        })
    }
}

/// Rows of one batch, ready for bulk insertion (parents first).
#[derive(Default)]
pub(super) struct Batch {
    cases: Vec<cases::Model>,
    coordinators: Vec<case_coordinators::Model>,
    campaign_links: Vec<case_campaigns::Model>,
    subjects: Vec<subjects::Model>,
    seizures: Vec<seizures::Model>,
    customs: Vec<customs_records::Model>,
    investigations: Vec<investigation_records::Model>,
    pub briefs: Vec<CaseBrief>,
}

impl Batch {
    pub(super) fn len(&self) -> u64 {
        self.cases.len() as u64
    }

    pub(super) async fn insert<C: ConnectionTrait>(self, conn: &C) -> anyhow::Result<()> {
        insert_chunked(conn, self.cases).await?;
        insert_chunked(conn, self.coordinators).await?;
        insert_chunked(conn, self.campaign_links).await?;
        insert_chunked(conn, self.subjects).await?;
        insert_chunked(conn, self.seizures).await?;
        insert_chunked(conn, self.customs).await?;
        insert_chunked(conn, self.investigations).await?;
        Ok(())
    }

    /// [`Batch::insert`] by `COPY`, for a load on PostgreSQL ([`copy_rows`]), in one
    /// transaction of its own.
    async fn copy(self, pool: &sea_orm::sqlx::PgPool) -> anyhow::Result<()> {
        let mut txn = pool.begin().await?;
        copy_rows(&mut txn, &self.cases).await?;
        copy_rows(&mut txn, &self.coordinators).await?;
        copy_rows(&mut txn, &self.campaign_links).await?;
        copy_rows(&mut txn, &self.subjects).await?;
        copy_rows(&mut txn, &self.seizures).await?;
        copy_rows(&mut txn, &self.customs).await?;
        copy_rows(&mut txn, &self.investigations).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// A template's HS code ("2402.20", as the nomenclature prints it) in the form every write
/// stores: digits only ([`crate::domain::types::HsCode`]).
fn hs_code(code: &str) -> anyhow::Result<String> {
    crate::domain::types::HsCode::parse("hs", code)
        .map(crate::domain::types::HsCode::into_inner)
        .map_err(|e| anyhow::anyhow!("template HS code {code}: {e:?}"))
}

/// Why a case slot is forced: the demo's tests need some shapes to exist for sure, whatever
/// the random draws (a fixed rotation over case numbers guarantees them in any run of 60+).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Force {
    None,
    /// Led by this agency, with subjects, a customs record, an investigation record and
    /// seizures carrying HS codes.
    Full(&'static str),
    Commune(&'static str),
    Lead(&'static str),
}

/// One slot in 24 of each forced shape: 300 demo cases give 12–13 of each, and the rest stay
/// random so the status mix is not skewed towards criminal cases.
fn force_for(index: u64) -> Force {
    match index % 24 {
        0 => Force::Full("CA"),
        12 => Force::Full("HQ"),
        2 | 14 => Force::Commune("DONG_DANG"),
        3 | 15 => Force::Lead("QLTT"),
        4 | 16 => Force::Lead("BDBP"),
        _ => Force::None,
    }
}

pub(super) struct Generator<'a> {
    rd: &'a RefData,
    rng: fastrand::Rng,
    index: u64,
    next: NextIds,
    first_day: NaiveDate,
    last_day: NaiveDate,
    today: NaiveDate,
    total_weight: u32,
    border_communes: Vec<usize>,
    commune_weights: Vec<(usize, u32)>,
    commune_weight_total: u32,
}

/// A chosen place: commune, border gate or trail, and the phrase the title uses.
struct Place {
    commune: Option<usize>,
    gate: Option<usize>,
    phrase: String,
}

impl Place {
    /// Somewhere in commune `c`, at no border gate.
    fn in_commune(c: usize, phrase: String) -> Place {
        Place {
            commune: Some(c),
            gate: None,
            phrase,
        }
    }
}

struct SeizureDraft {
    goods: &'static super::templates::Goods,
    qty: f64,
    value: i64,
    hs: Option<&'static str>,
}

impl<'a> Generator<'a> {
    fn new(rd: &'a RefData, seed: u64, next: NextIds) -> anyhow::Result<Self> {
        let border_communes: Vec<usize> = rd
            .communes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_border)
            .map(|(i, _)| i)
            .collect();
        // Wards (the provincial centre) and Đồng Đăng (the border trading town) see more
        // market and warehouse cases than remote communes.
        let commune_weights: Vec<(usize, u32)> = rd
            .communes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = if c.kind == CommuneKind::Ward.as_str() {
                    3
                } else if c.code == "DONG_DANG" {
                    2
                } else {
                    1
                };
                (i, w)
            })
            .collect();
        Ok(Self {
            rd,
            rng: fastrand::Rng::with_seed(seed),
            index: 0,
            next,
            first_day: date(FIRST_DAY)?,
            last_day: date(LAST_DAY)?,
            today: today()?,
            total_weight: templates()?.iter().map(|t| t.weight).sum(),
            border_communes,
            commune_weight_total: commune_weights.iter().map(|(_, w)| w).sum(),
            commune_weights,
        })
    }

    /// Generates `n` cases; keeps [`CaseBrief`]s when `briefs` is set (the demo needs them,
    /// benchmarks do not).
    pub(super) fn batch(&mut self, n: u64, briefs: bool) -> anyhow::Result<Batch> {
        let mut batch = Batch::default();
        for _ in 0..n {
            self.case(&mut batch, briefs)?;
            self.index += 1;
        }
        Ok(batch)
    }

    fn percent(&mut self) -> u32 {
        self.rng.u32(0..100)
    }

    /// A uniformly random date in `[a, b]` (`a` when the range is empty).
    fn between(&mut self, a: NaiveDate, b: NaiveDate) -> NaiveDate {
        let span = (b - a).num_days();
        if span <= 0 {
            a
        } else {
            a + Duration::days(self.rng.i64(0..=span))
        }
    }

    fn template(&mut self, force: Force) -> anyhow::Result<&'static Template> {
        let candidates: Vec<&'static Template> = match force {
            Force::Full(lead) => templates()?
                .iter()
                .filter(|t| {
                    t.imported
                        && !t.crime.is_empty()
                        && t.leads.contains(&lead)
                        && t.goods.iter().all(|g| g.hs.is_some())
                        && t.channels.iter().any(|c| *c != Channel::BorderTrail)
                })
                .collect(),
            Force::Lead(lead) => templates()?
                .iter()
                .filter(|t| t.leads.contains(&lead))
                .collect(),
            Force::None | Force::Commune(_) => Vec::new(),
        };
        if !candidates.is_empty() {
            let total: u32 = candidates.iter().map(|t| t.weight).sum();
            let mut r = self.rng.u32(0..total.max(1));
            for t in candidates.iter().copied() {
                if r < t.weight {
                    return Ok(t);
                }
                r -= t.weight;
            }
        }
        let mut r = self.rng.u32(0..self.total_weight.max(1));
        for t in templates()? {
            if r < t.weight {
                return Ok(t);
            }
            r -= t.weight;
        }
        pick(&mut self.rng, templates()?)
    }

    fn detected_on(&mut self, latest: NaiveDate) -> NaiveDate {
        // A quarter of the cases fall inside a campaign window: the peaks are when forces
        // "liên tục ra quân".
        let rd = self.rd;
        if !rd.campaigns.is_empty() && self.percent() < 25 {
            let c = &rd.campaigns[self.rng.usize(..rd.campaigns.len())];
            let from = c.starts_on.max(self.first_day);
            let to = c.ends_on.min(latest);
            if from <= to {
                return self.between(from, to);
            }
        }
        self.between(self.first_day, latest)
    }

    fn weighted_commune(&mut self) -> usize {
        let mut r = self.rng.u32(0..self.commune_weight_total.max(1));
        for (i, w) in &self.commune_weights {
            if r < *w {
                return *i;
            }
            r -= w;
        }
        0
    }

    fn commune_phrase(&self, i: usize) -> String {
        let c = &self.rd.communes[i];
        crate::domain::vocab::commune_display(&c.kind, &c.name)
    }

    fn gates_where(&self, kinds: &[BorderGateKind], commune: Option<usize>) -> Vec<usize> {
        self.rd
            .gates
            .iter()
            .enumerate()
            .filter(|(_, g)| kinds.iter().any(|k| k.as_str() == g.kind))
            .filter(|(_, g)| commune.is_none_or(|c| self.rd.communes[c].id == g.commune_id))
            .map(|(i, _)| i)
            .collect()
    }

    fn gate_commune(&self, gate: usize) -> Option<usize> {
        let id = self.rd.gates[gate].commune_id;
        self.rd.communes.iter().position(|c| c.id == id)
    }

    fn place(
        &mut self,
        t: &Template,
        channel: Channel,
        platform: Option<(Platform, &'static str)>,
        forced_commune: Option<usize>,
    ) -> anyhow::Result<Place> {
        const ENTRY: &[BorderGateKind] = &[
            BorderGateKind::InternationalGate,
            BorderGateKind::MainGate,
            BorderGateKind::SecondaryGate,
        ];
        const TRAILS: &[BorderGateKind] = &[BorderGateKind::Trail, BorderGateKind::Opening];
        let place = match channel {
            Channel::BorderGate => {
                let mut gates = self.gates_where(ENTRY, forced_commune);
                if gates.is_empty() {
                    gates = self.gates_where(ENTRY, None);
                }
                match gates.is_empty() {
                    true => {
                        let c = forced_commune.unwrap_or_else(|| self.weighted_commune());
                        let phrase =
                            format!("tại khu vực cửa khẩu thuộc {}", self.commune_phrase(c));
                        Place::in_commune(c, phrase)
                    }
                    false => {
                        // Hữu Nghị carries most of the traffic.
                        let g = if forced_commune.is_none() && self.percent() < 45 {
                            self.rd
                                .gates
                                .iter()
                                .position(|g| g.code == "HUU_NGHI")
                                .unwrap_or(gates[0])
                        } else {
                            gates[self.rng.usize(..gates.len())]
                        };
                        let phrase = format!("tại {}", lower_first(&self.rd.gates[g].name));
                        Place {
                            commune: self.gate_commune(g),
                            gate: Some(g),
                            phrase,
                        }
                    }
                }
            }
            Channel::BorderTrail => {
                let trails = self.gates_where(TRAILS, forced_commune);
                if !trails.is_empty() && (forced_commune.is_some() || self.percent() < 70) {
                    let g = trails[self.rng.usize(..trails.len())];
                    let commune = self.gate_commune(g);
                    let phrase = match commune {
                        Some(c) => format!(
                            "qua {}, {}",
                            lower_first(&self.rd.gates[g].name),
                            self.commune_phrase(c)
                        ),
                        None => format!("qua {}", lower_first(&self.rd.gates[g].name)),
                    };
                    Place {
                        commune,
                        gate: Some(g),
                        phrase,
                    }
                } else {
                    let c = match forced_commune {
                        Some(c) => c,
                        None if !self.border_communes.is_empty() => {
                            self.border_communes[self.rng.usize(..self.border_communes.len())]
                        }
                        None => self.weighted_commune(),
                    };
                    let phrase = format!(
                        "qua đường mòn biên giới thuộc địa bàn {}",
                        self.commune_phrase(c)
                    );
                    Place::in_commune(c, phrase)
                }
            }
            Channel::InlandTransport => {
                let c = forced_commune.unwrap_or_else(|| self.weighted_commune());
                let road = pick(&mut self.rng, ROADS)?;
                let phrase = format!("trên {road} đoạn qua {}", self.commune_phrase(c));
                Place::in_commune(c, phrase)
            }
            Channel::DomesticMarket => {
                let c = forced_commune.unwrap_or_else(|| self.weighted_commune());
                let shop = if t.shop.is_empty() {
                    "một cơ sở kinh doanh"
                } else {
                    t.shop
                };
                let phrase = format!("tại {shop} trên địa bàn {}", self.commune_phrase(c));
                Place::in_commune(c, phrase)
            }
            Channel::Warehouse => {
                let c = forced_commune.unwrap_or_else(|| self.weighted_commune());
                let spot = if self.rng.bool() {
                    "một kho hàng"
                } else {
                    "một điểm tập kết hàng hóa"
                };
                let phrase = format!("tại {spot} trên địa bàn {}", self.commune_phrase(c));
                Place::in_commune(c, phrase)
            }
            Channel::ECommerce | Channel::SocialNetwork => {
                let name = platform.map(|(_, n)| n).unwrap_or("Facebook");
                let base = if channel == Channel::ECommerce {
                    format!("trên sàn thương mại điện tử {name}")
                } else {
                    format!("qua mạng xã hội {name}")
                };
                // Some online sellers cannot be tied to a place in the province.
                let c = match forced_commune {
                    Some(c) => Some(c),
                    None if self.percent() < 85 => Some(self.weighted_commune()),
                    None => None,
                };
                let phrase = match c {
                    Some(c) => format!("{base} (kho hàng tại {})", self.commune_phrase(c)),
                    None => base,
                };
                Place {
                    commune: c,
                    gate: None,
                    phrase,
                }
            }
            Channel::PostalCourier => {
                let c = forced_commune.unwrap_or_else(|| self.weighted_commune());
                let phrase = format!(
                    "qua dịch vụ chuyển phát nhanh trên địa bàn {}",
                    self.commune_phrase(c)
                );
                Place::in_commune(c, phrase)
            }
        };
        Ok(place)
    }

    fn platform(&mut self, channel: Channel) -> Option<(Platform, &'static str)> {
        let r = self.percent();
        match channel {
            Channel::ECommerce => Some(match r {
                0..35 => (Platform::Shopee, "Shopee"),
                35..65 => (Platform::TiktokShop, "TikTok Shop"),
                65..90 => (Platform::Lazada, "Lazada"),
                _ => (Platform::Tiki, "Tiki"),
            }),
            Channel::SocialNetwork => Some(match r {
                0..60 => (Platform::Facebook, "Facebook"),
                60..92 => (Platform::Zalo, "Zalo"),
                _ => (Platform::Other, "Telegram"),
            }),
            _ => None,
        }
    }

    fn storage_place(&self, lead: &str, place: &Place) -> String {
        match lead {
            "CA" => "Kho vật chứng Công an tỉnh Lạng Sơn".to_owned(),
            "HQ" => match place.gate.map(|g| &self.rd.gates[g]) {
                Some(g) if g.kind != BorderGateKind::Trail.as_str() => {
                    format!(
                        "Kho tang vật Chi cục Hải quan khu vực VI ({})",
                        lower_first(&g.name)
                    )
                }
                _ => "Kho tang vật Chi cục Hải quan khu vực VI".to_owned(),
            },
            "BDBP" => match place.commune {
                Some(c) => format!(
                    "Kho tạm giữ tang vật Đồn Biên phòng khu vực {}",
                    self.rd.communes[c].name
                ),
                None => "Kho tạm giữ tang vật Ban Chỉ huy Bộ đội Biên phòng tỉnh".to_owned(),
            },
            "QLTT" => "Kho tang vật Chi cục Quản lý thị trường tỉnh Lạng Sơn".to_owned(),
            "SYT" => "Kho tạm giữ tang vật Sở Y tế tỉnh Lạng Sơn".to_owned(),
            "KIEMLAM" => "Kho tang vật Chi cục Kiểm lâm tỉnh Lạng Sơn".to_owned(),
            "THUE" => "Tạm giữ, niêm phong tại cơ sở kinh doanh".to_owned(),
            _ => "Kho tang vật của cơ quan thụ lý".to_owned(),
        }
    }

    /// A Vietnamese person: name, CCCD, birth date, address, nationality.
    fn person(
        &mut self,
        foreigner: bool,
    ) -> anyhow::Result<(String, Option<String>, NaiveDate, String, String)> {
        let male = self.percent() < 78;
        let year = self.rng.i32(1965..=2004);
        let dob = NaiveDate::from_yo_opt(year, self.rng.u32(1..=365))
            .ok_or_else(|| anyhow::anyhow!("seed: bad day of year"))?;
        if foreigner {
            let name = format!(
                "{} {}",
                pick(&mut self.rng, CHINESE_SURNAMES)?,
                pick(&mut self.rng, CHINESE_GIVEN)?
            );
            let town = if self.rng.bool() {
                "Thị xã Bằng Tường, Khu tự trị dân tộc Choang Quảng Tây, Trung Quốc"
            } else {
                "Thành phố Sùng Tả, Khu tự trị dân tộc Choang Quảng Tây, Trung Quốc"
            };
            return Ok((name, None, dob, town.to_owned(), "Trung Quốc".to_owned()));
        }
        let (middle, given) = if male {
            (
                pick(&mut self.rng, MIDDLE_MALE)?,
                pick(&mut self.rng, GIVEN_MALE)?,
            )
        } else {
            (
                pick(&mut self.rng, MIDDLE_FEMALE)?,
                pick(&mut self.rng, GIVEN_FEMALE)?,
            )
        };
        let name = format!("{} {middle} {given}", pick(&mut self.rng, SURNAMES)?);
        let (province_code, province) = *pick(&mut self.rng, BIRTH_PROVINCES)?;
        // CCCD: province of birth, then century+sex (0/1 born 19xx, 2/3 born 20xx), two digits
        // of the birth year, six random digits.
        let century_sex = match (year >= 2000, male) {
            (false, true) => 0,
            (false, false) => 1,
            (true, true) => 2,
            (true, false) => 3,
        };
        let cccd = format!(
            "{province_code}{century_sex}{:02}{}",
            year % 100,
            digits(&mut self.rng, 6)
        );
        let address = if province_code == "020" {
            self.lang_son_address()?
        } else {
            format!("Tổ dân phố số {}, {province}", self.rng.u32(1..=25))
        };
        Ok((name, Some(cccd), dob, address, "Việt Nam".to_owned()))
    }

    fn lang_son_address(&mut self) -> anyhow::Result<String> {
        let rd = self.rd;
        let c = &rd.communes[self.rng.usize(..rd.communes.len())];
        let display = crate::domain::vocab::commune_display(&c.kind, &c.name);
        Ok(if c.kind == CommuneKind::Ward.as_str() {
            format!(
                "Số {}, đường {}, {display}, tỉnh Lạng Sơn",
                self.rng.u32(1..=240),
                pick(&mut self.rng, STREETS)?
            )
        } else {
            format!(
                "Thôn {}, {display}, tỉnh Lạng Sơn",
                pick(&mut self.rng, HAMLETS)?
            )
        })
    }

    /// A 10-digit enterprise tax code; Lạng Sơn's start with 49.
    fn tax_code(&mut self) -> String {
        let prefix = match self.percent() {
            0..75 => "49",
            75..88 => "01",
            _ => "57",
        };
        format!("{prefix}{}", digits(&mut self.rng, 8))
    }

    fn case(&mut self, batch: &mut Batch, keep_brief: bool) -> anyhow::Result<()> {
        // A copy of the `&'a RefData`, so reading reference rows does not borrow `self`.
        let rd = self.rd;
        let force = force_for(self.index);
        let t = self.template(force)?;
        let lead: &'static str = match force {
            Force::Full(l) | Force::Lead(l) if t.leads.contains(&l) => l,
            _ => pick(&mut self.rng, &t.leads)?,
        };
        let full = matches!(force, Force::Full(_));
        let channel = if full {
            let usable: Vec<Channel> = t
                .channels
                .iter()
                .copied()
                .filter(|c| *c != Channel::BorderTrail)
                .collect();
            if usable.contains(&Channel::BorderGate) && self.percent() < 60 {
                Channel::BorderGate
            } else {
                *pick(&mut self.rng, &usable)?
            }
        } else {
            *pick(&mut self.rng, &t.channels)?
        };
        let platform = self.platform(channel);
        let forced_commune = match force {
            Force::Commune(code) => rd.commune_index(code),
            _ => None,
        };
        let place = self.place(t, channel, platform, forced_commune)?;

        let latest = if full {
            self.today - Duration::days(40)
        } else {
            self.last_day
        };
        let detected_on = self.detected_on(latest);
        let age = (self.today - detected_on).num_days();
        let can_go_criminal = !t.crime.is_empty();

        // Status along the lifecycle, older cases further along.
        let r = self.percent();
        let mut status = if full {
            if r < 65 {
                CaseStatus::Prosecuted
            } else {
                CaseStatus::TransferredToPolice
            }
        } else if age < 10 {
            if r < 60 {
                CaseStatus::Detected
            } else {
                CaseStatus::Verifying
            }
        } else if age < 45 {
            match r {
                0..10 => CaseStatus::Detected,
                10..45 => CaseStatus::Verifying,
                45..80 => CaseStatus::HandledAdministratively,
                80..88 => CaseStatus::TransferredToPolice,
                88..93 => CaseStatus::Dropped,
                _ => CaseStatus::Closed,
            }
        } else {
            match r {
                0..3 => CaseStatus::Verifying,
                3..50 => CaseStatus::HandledAdministratively,
                50..72 => CaseStatus::Closed,
                72..80 => CaseStatus::TransferredToPolice,
                80..92 => CaseStatus::Prosecuted,
                _ => CaseStatus::Dropped,
            }
        };
        if !can_go_criminal
            && matches!(
                status,
                CaseStatus::TransferredToPolice | CaseStatus::Prosecuted
            )
        {
            status = CaseStatus::HandledAdministratively;
        }
        let yesterday = self.today - Duration::days(1);
        let criminal = match status {
            CaseStatus::TransferredToPolice | CaseStatus::Prosecuted => true,
            // Closing after prosecution takes months: only old enough cases.
            CaseStatus::Closed => can_go_criminal && age >= 120 && self.percent() < 25,
            _ => false,
        };

        // Dates of the lifecycle events.
        let mut transferred_on = None;
        let mut prosecuted_on = None;
        let mut handled_on = None;
        match (status, criminal) {
            (CaseStatus::HandledAdministratively, _) | (CaseStatus::Closed, false) => {
                let hi = (detected_on + Duration::days(60)).min(yesterday);
                handled_on = Some(self.between(detected_on + Duration::days(3), hi));
            }
            (CaseStatus::TransferredToPolice, _) => {
                let hi = (detected_on + Duration::days(40)).min(yesterday);
                transferred_on = Some(self.between(detected_on + Duration::days(2), hi));
            }
            (CaseStatus::Prosecuted, _) => {
                let hi = (detected_on + Duration::days(30)).min(yesterday);
                let tr = self.between(detected_on + Duration::days(2), hi);
                let hi = (tr + Duration::days(60)).min(yesterday);
                let pr = self.between(tr + Duration::days(5), hi);
                transferred_on = Some(tr);
                prosecuted_on = Some(pr);
                handled_on = Some(pr);
            }
            (CaseStatus::Closed, true) => {
                let hi = (detected_on + Duration::days(20)).min(yesterday);
                let tr = self.between(detected_on + Duration::days(2), hi);
                let hi = (tr + Duration::days(30)).min(yesterday);
                let pr = self.between(tr + Duration::days(5), hi);
                let hi = (pr + Duration::days(240)).min(yesterday);
                let closed = self.between(pr + Duration::days(20), hi);
                transferred_on = Some(tr);
                prosecuted_on = Some(pr);
                handled_on = Some(closed);
            }
            _ => {}
        }

        // Seizures.
        let count = match self.percent() {
            0..55 => 1,
            55..85 => 2,
            _ => 3,
        }
        .min(t.goods.len());
        let mut order: Vec<usize> = (0..t.goods.len()).collect();
        self.rng.shuffle(&mut order);
        let mut drafts = Vec::with_capacity(count);
        for (n, gi) in order.into_iter().take(count).enumerate() {
            let goods = &t.goods[gi];
            let raw = goods.qty.0 + self.rng.f64() * (goods.qty.1 - goods.qty.0);
            let qty = if goods.decimals {
                (raw * 10.0).round() / 10.0
            } else if raw >= 1000.0 {
                (raw / 10.0).round() * 10.0
            } else {
                raw.round()
            };
            let jitter = 0.85 + self.rng.f64() * 0.3;
            let value = ((qty * goods.price as f64 * jitter) / 1000.0).round() as i64 * 1000;
            // Most seizures are classified; forced cases classify their first item for sure.
            let hs = match goods.hs {
                Some(h) if (full && n == 0) || self.percent() < 88 => Some(h),
                _ => None,
            };
            drafts.push(SeizureDraft {
                goods,
                qty,
                value,
                hs,
            });
        }
        let goods_value: i64 = drafts.iter().map(|d| d.value).sum();

        // Title and summary: no person or business is ever named here (search key).
        let main = &drafts[0];
        let q = format!(
            "{} {} {}",
            quantity(main.qty, main.goods.decimals),
            main.goods.unit,
            main.goods.label
        );
        let title = nfc(&t
            .title
            .replace("{q}", q.trim_end())
            .replace("{where}", &place.phrase));
        let mut goods_summary = drafts
            .iter()
            .map(|d| {
                format!(
                    "{} {} {}",
                    quantity(d.qty, d.goods.decimals),
                    d.goods.unit,
                    lower_first(d.goods.item)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        if goods_value > 0 {
            goods_summary.push_str(&format!(
                ". Trị giá ước tính: {} đồng",
                thousands(goods_value)
            ));
        }
        goods_summary.push('.');
        let goods_summary = nfc(&goods_summary);

        let case_id = self.next.case;
        self.next.case += 1;
        let code = format!("VV-{}-{:05}", detected_on.year(), case_id);
        let commune = place.commune.map(|c| &rd.communes[c]);
        let gate = place.gate.map(|g| &rd.gates[g]);
        let search_key = fold(&format!(
            "{code} {title} {goods_summary} {} {}",
            commune.map(|c| c.name.as_str()).unwrap_or(""),
            gate.map(|g| g.name.as_str()).unwrap_or("")
        ));
        let lead_id = rd.agency_id(lead)?;

        // Disposal of the goods, and what their sale brought in.
        let handled = matches!(
            status,
            CaseStatus::HandledAdministratively | CaseStatus::Closed
        );
        let storage = self.storage_place(lead, &place);
        let mut proceeds = 0_i64;
        let mut last_event = handled_on
            .or(prosecuted_on)
            .or(transferred_on)
            .unwrap_or(detected_on);
        let mut phrases = (false, false, false);
        for d in &drafts {
            let (disposal, approved_on, approval_ref) = if handled {
                let base = handled_on.unwrap_or(detected_on);
                let earliest = base + Duration::days(7);
                let approvable = earliest <= yesterday;
                let approval = if approvable {
                    let on = self.between(earliest, (base + Duration::days(45)).min(yesterday));
                    Some((on, format!("{}/QĐ-STC", self.rng.u32(120..=2980))))
                } else {
                    None
                };
                match (d.goods.fate, approval) {
                    (Fate::Auction, Some((on, r))) => {
                        (DisposalStatus::Auctioned, Some(on), Some(r))
                    }
                    (Fate::Destroy, Some((on, r))) if self.rng.bool() => {
                        (DisposalStatus::Destroyed, Some(on), Some(r))
                    }
                    (Fate::Destroy, Some(_)) => (DisposalStatus::Destroyed, None, None),
                    (Fate::Return, _) => (DisposalStatus::Returned, None, None),
                    _ => (DisposalStatus::Confiscated, None, None),
                }
            } else if status == CaseStatus::Dropped {
                (DisposalStatus::Returned, None, None)
            } else {
                (DisposalStatus::Held, None, None)
            };
            match disposal {
                DisposalStatus::Auctioned => {
                    proceeds += ((d.value as f64 * (0.6 + self.rng.f64() * 0.35)) / 1000.0).round()
                        as i64
                        * 1000;
                    phrases.1 = true;
                }
                DisposalStatus::Destroyed => phrases.0 = true,
                DisposalStatus::Confiscated => phrases.2 = true,
                _ => {}
            }
            if let Some(on) = approved_on {
                last_event = last_event.max(on);
            }
            batch.seizures.push(seizures::Model {
                version: 1,
                archived_at: None,
                id: self.next.seizure,
                case_id,
                item: nfc(d.goods.item),
                commodity_group: t.commodity.as_str().to_owned(),
                quantity: d.qty,
                unit: d.goods.unit.to_owned(),
                estimated_value: d.value,
                hs_code: d.hs.map(hs_code).transpose()?,
                vehicle_plate: None,
                storage_place: Some(storage.clone()),
                disposal_status: disposal.as_str().to_owned(),
                disposal_approved_on: approved_on,
                disposal_approval_ref: approval_ref,
            });
            self.next.seizure += 1;
        }
        let disposal_phrase = match phrases {
            (true, true, _) => {
                "tịch thu, tiêu hủy hàng hóa không bảo đảm chất lượng và bán đấu giá phần còn lại"
            }
            (true, false, _) => "tịch thu và tiêu hủy toàn bộ tang vật",
            (false, true, _) => "tịch thu tang vật, bán đấu giá sung quỹ nhà nước",
            (false, false, true) => "tịch thu toàn bộ tang vật vi phạm",
            _ => "buộc khắc phục hậu quả theo quy định",
        };

        // Amounts: administrative fines only where the case was handled administratively.
        let admin = handled && !criminal;
        let fine = if admin {
            let base = match t.violation {
                ViolationType::TradeFraudMeasurement | ViolationType::TradeFraudPriceListing => {
                    self.rng.i64(5..=60) * 1_000_000
                }
                _ => {
                    // Fines run to a fraction of the goods' value, within the legal bounds.
                    let share = 0.08 + self.rng.f64() * 0.37;
                    ((goods_value as f64 * share) / 500_000.0).round() as i64 * 500_000
                }
            };
            base.clamp(5_000_000, 500_000_000)
        } else {
            0
        };
        let tax_arrears = if admin {
            match t.violation {
                ViolationType::TaxEvasion => self.rng.i64(20..=900) * 1_000_000,
                ViolationType::TradeFraudInvoices => self.rng.i64(10..=400) * 1_000_000,
                ViolationType::TradeFraudOrigin if lead == "HQ" && self.rng.bool() => {
                    self.rng.i64(10..=300) * 1_000_000
                }
                _ => 0,
            }
        } else {
            0
        };
        let budget = if handled {
            fine + tax_arrears + proceeds
        } else {
            0
        };

        // Subjects.
        let subject_count = match self.percent() {
            0..50 => 1,
            50..85 => 2,
            _ => 3,
        };
        let roles: &[SubjectRole] = match channel {
            Channel::BorderTrail => &[
                SubjectRole::Carrier,
                SubjectRole::Organiser,
                SubjectRole::Carrier,
                SubjectRole::Owner,
            ],
            Channel::InlandTransport => &[
                SubjectRole::Carrier,
                SubjectRole::Owner,
                SubjectRole::Organiser,
            ],
            Channel::BorderGate | Channel::Warehouse => &[
                SubjectRole::Owner,
                SubjectRole::Organiser,
                SubjectRole::Carrier,
            ],
            Channel::DomesticMarket => {
                &[SubjectRole::Owner, SubjectRole::Seller, SubjectRole::Other]
            }
            Channel::ECommerce | Channel::SocialNetwork => &[
                SubjectRole::Seller,
                SubjectRole::Owner,
                SubjectRole::Organiser,
            ],
            Channel::PostalCourier => {
                &[SubjectRole::Seller, SubjectRole::Buyer, SubjectRole::Owner]
            }
        };
        let wants_customs = full
            || channel == Channel::BorderGate
            || (t.imported
                && lead == "HQ"
                && channel != Channel::BorderTrail
                && self.percent() < 50)
            || (t.imported && channel == Channel::Warehouse && self.percent() < 20);
        let hs_codes: Vec<String> = {
            let mut v: Vec<String> = Vec::new();
            for h in drafts.iter().filter_map(|d| d.hs) {
                let h = hs_code(h)?;
                if !v.contains(&h) {
                    v.push(h);
                }
            }
            v
        };
        let with_customs = wants_customs && !hs_codes.is_empty();
        let org_first = (with_customs && self.percent() < 70)
            || (matches!(
                t.violation,
                ViolationType::TaxEvasion | ViolationType::TradeFraudInvoices
            ) && self.percent() < 50)
            || (channel == Channel::Warehouse && self.percent() < 25);
        let mut importer_tax_code = None;
        let mut persons = 0_i64;
        for n in 0..subject_count {
            let role = roles[n % roles.len()];
            let id = self.next.subject;
            self.next.subject += 1;
            let model = if n == 0 && org_first {
                let tax = self.tax_code();
                importer_tax_code = Some(tax.clone());
                let name = nfc(&format!(
                    "{} {}",
                    pick(&mut self.rng, BUSINESS_FORMS)?,
                    pick(&mut self.rng, BUSINESS_NAMES)?
                ));
                let address = if self.rng.bool() {
                    "Khu kinh tế cửa khẩu Đồng Đăng - Lạng Sơn, xã Đồng Đăng, tỉnh Lạng Sơn"
                        .to_owned()
                } else {
                    self.lang_son_address()?
                };
                subjects::Model {
                    version: 1,
                    archived_at: None,
                    id,
                    case_id,
                    kind: SubjectKind::Organisation.as_str().to_owned(),
                    role: SubjectRole::Owner.as_str().to_owned(),
                    name_key: fold(&name),
                    full_name: name,
                    id_number: None,
                    date_of_birth: None,
                    address: Some(nfc(&address)),
                    nationality: Some("Việt Nam".to_owned()),
                    tax_code: Some(tax),
                }
            } else {
                let foreigner = matches!(channel, Channel::BorderTrail | Channel::BorderGate)
                    && self.percent() < 12;
                let (name, cccd, dob, address, nationality) = self.person(foreigner)?;
                persons += 1;
                // A business household's tax code is its owner's CCCD (since 7/2025).
                let tax = match (&cccd, role) {
                    (Some(c), SubjectRole::Owner | SubjectRole::Seller) if self.percent() < 40 => {
                        Some(c.clone())
                    }
                    _ => None,
                };
                let name = nfc(&name);
                subjects::Model {
                    version: 1,
                    archived_at: None,
                    id,
                    case_id,
                    kind: SubjectKind::Person.as_str().to_owned(),
                    role: role.as_str().to_owned(),
                    name_key: fold(&name),
                    full_name: name,
                    id_number: cccd,
                    date_of_birth: Some(dob),
                    address: Some(nfc(&address)),
                    nationality: Some(nfc(&nationality)),
                    tax_code: tax,
                }
            };
            batch.subjects.push(model);
        }

        // Customs records.
        if with_customs {
            let records = if self.percent() < 85 { 1 } else { 2 };
            for _ in 0..records {
                let regime = *pick(&mut self.rng, CUSTOMS_REGIMES)?;
                let declared_on = detected_on - Duration::days(self.rng.i64(0..=6));
                let result = match t.violation {
                    ViolationType::IpInfringement => INSPECTION_RESULTS[5],
                    ViolationType::TradeFraudOrigin => INSPECTION_RESULTS[1],
                    _ if regime == "Tạm nhập tái xuất" => INSPECTION_RESULTS[4],
                    _ => INSPECTION_RESULTS[[0, 2, 3][self.rng.usize(..3)]],
                };
                let importer = match &importer_tax_code {
                    Some(t) => t.clone(),
                    None => self.tax_code(),
                };
                let exporter = if regime == "Tạm nhập tái xuất" && self.rng.bool() {
                    Some(self.tax_code())
                } else {
                    None
                };
                let declaration_number = format!(
                    "10{}{}",
                    [5, 6, 7][self.rng.usize(..3)],
                    digits(&mut self.rng, 9)
                );
                batch.customs.push(customs_records::Model {
                    version: 1,
                    archived_at: None,
                    id: self.next.customs,
                    case_id,
                    declaration_number,
                    declared_on,
                    regime: regime.to_owned(),
                    hs_codes: hs_codes.join(","),
                    importer_tax_code: Some(importer),
                    exporter_tax_code: exporter,
                    inspection_result: result.to_owned(),
                });
                self.next.customs += 1;
            }
        }

        // Investigation record: only once the police hold the file.
        let mut defendants = 0_i64;
        if criminal {
            let ca_id = rd.agency_id("CA")?;
            let tr = transferred_on.unwrap_or(detected_on);
            let origin = if lead == "CA" {
                "Phòng Cảnh sát kinh tế Công an tỉnh Lạng Sơn".to_owned()
            } else {
                rd.agency_name(lead)?.to_owned()
            };
            let mut notes = format!(
                "Ngày {}, {origin} chuyển hồ sơ vụ việc đến Cơ quan Cảnh sát điều tra Công an \
                 tỉnh Lạng Sơn để điều tra theo thẩm quyền; vụ việc có dấu hiệu tội {}.",
                vn_date(tr),
                t.crime
            );
            let decision = match prosecuted_on {
                Some(on) => {
                    defendants = self.rng.i64(1..=persons.max(1));
                    notes.push_str(" Đã khởi tố vụ án, khởi tố bị can; tiếp tục điều tra mở rộng, làm rõ đường dây, ổ nhóm liên quan.");
                    Some(format!(
                        "Quyết định khởi tố vụ án hình sự số {}/QĐ-CSĐT ngày {} về tội {}",
                        self.rng.u32(10..=480),
                        vn_date(on),
                        t.crime
                    ))
                }
                None => {
                    notes.push_str(
                        " Đang xác minh nguồn gốc hàng hóa và vai trò của các đối tượng liên quan.",
                    );
                    None
                }
            };
            batch.investigations.push(investigation_records::Model {
                version: 1,
                archived_at: None,
                id: self.next.investigation,
                case_id,
                investigating_agency_id: ca_id,
                notes: nfc(&notes),
                prosecution_decision: decision.map(|d| nfc(&d)),
                prosecuted_on,
                defendants: i32::try_from(defendants)?,
            });
            self.next.investigation += 1;
        }

        // Coordinating agencies.
        let mut pool: Vec<String> = match channel {
            Channel::BorderTrail => vec!["BDBP", "CA", "HQ", "QLTT"],
            Channel::BorderGate => vec!["HQ", "BDBP", "CA", "QLTT", "BQLKKT"],
            Channel::ECommerce | Channel::SocialNetwork => vec!["QLTT", "CA", "THUE", "SCT"],
            Channel::DomesticMarket => vec!["QLTT", "CA", "SYT", "THUE"],
            Channel::Warehouse => vec!["QLTT", "CA", "HQ", "THUE", "DOI389"],
            Channel::InlandTransport => vec!["CA", "QLTT", "HQ", "DOI389"],
            Channel::PostalCourier => vec!["QLTT", "HQ", "CA"],
        }
        .into_iter()
        .map(str::to_owned)
        .collect();
        if let Some(c) = commune {
            pool.push(format!("UBND_{}", c.code));
        }
        pool.retain(|code| code.as_str() != lead && rd.agencies.contains_key(code));
        self.rng.shuffle(&mut pool);
        let coordinator_count = match self.percent() {
            0..25 => 0,
            25..60 => 1,
            60..85 => 2,
            _ => 3,
        }
        .min(pool.len());
        for code in pool.iter().take(coordinator_count) {
            batch.coordinators.push(case_coordinators::Model {
                case_id,
                agency_id: rd.agency_id(code)?,
            });
        }

        for c in &rd.campaigns {
            if c.starts_on <= detected_on && detected_on <= c.ends_on {
                batch.campaign_links.push(case_campaigns::Model {
                    case_id,
                    campaign_id: c.id,
                });
            }
        }

        let created_at = local(detected_on, self.rng.u32(7..19), self.rng.u32(0..60));
        let updated_at = if last_event > detected_on {
            local(last_event.min(yesterday), 16, self.rng.u32(0..60))
        } else {
            created_at
        };
        batch.cases.push(cases::Model {
            id: case_id,
            code,
            title: title.clone(),
            violation_type: t.violation.as_str().to_owned(),
            commodity_group: t.commodity.as_str().to_owned(),
            channel: channel.as_str().to_owned(),
            platform: platform.map(|(p, _)| p.as_str().to_owned()),
            lead_agency_id: lead_id,
            commune_id: commune.map(|c| c.id),
            border_gate_id: gate.map(|g| g.id),
            detected_on,
            status: status.as_str().to_owned(),
            goods_summary: goods_summary.clone(),
            fine_amount: fine,
            tax_arrears,
            goods_value,
            budget_collected: budget,
            handled_on,
            subject_count: subject_count as i32,
            search_key,
            version: 1,
            archived_at: None,
            created_at,
            updated_at,
        });

        if keep_brief {
            batch.briefs.push(CaseBrief {
                id: case_id,
                title,
                goods_summary,
                violation: t.violation,
                commodity: t.commodity,
                lead_code: lead,
                lead_id,
                commune_display: commune
                    .map(|c| crate::domain::vocab::commune_display(&c.kind, &c.name)),
                detected_on,
                status,
                handled_on,
                prosecuted_on,
                criminal,
                fine,
                tax_arrears,
                goods_value,
                budget,
                subjects: subject_count as i64,
                defendants,
                coordinated: coordinator_count > 0,
                disposal_phrase,
            });
        }
        Ok(())
    }
}

/// Builds a generator positioned after the existing rows.
pub(super) async fn generator<'a, C: ConnectionTrait>(
    conn: &C,
    rd: &'a RefData,
    seed: u64,
) -> anyhow::Result<Generator<'a>> {
    Generator::new(rd, seed, NextIds::load(conn).await?)
}

/// See [`super::generate_cases`].
pub(super) async fn generate_cases(
    db: &DatabaseConnection,
    n: u64,
    seed: u64,
) -> anyhow::Result<u64> {
    generate_with(db, n, seed, BULK).await
}

/// [`generate_cases`], building the search indexes at the end from `bulk_from` cases on
/// (a test's way into the bulk path without a hundred thousand cases).
pub(super) async fn generate_with(
    db: &DatabaseConnection,
    n: u64,
    seed: u64,
    bulk_from: u64,
) -> anyhow::Result<u64> {
    if n == 0 {
        return Ok(0);
    }
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let bulk = postgres && n >= bulk_from;
    if bulk {
        // Built once at the end instead of updated row by row: a GIN index's upkeep was the
        // larger part of the database's work in a load. Searches are slower until then; an
        // interrupted load leaves them out until the next `seed --cases` (which creates any missing).
        tracing::info!("dropping the search indexes for the load; they are built at its end");
        for (name, _) in migration::SEARCH_INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
    }
    let started = std::time::Instant::now();
    let loaded = load(db, n, seed).await;
    tracing::info!(elapsed = ?started.elapsed(), "cases written");
    // Then, each on a connection of its own, the search indexes (even after a failed load, so
    // the search never stays without them) and the rollups: a GIN build and the rollups' sums
    // each keep a core busy, for about a minute at a million cases.
    let indexes = async {
        if !postgres {
            return Ok(());
        }
        let builds = migration::SEARCH_INDEXES.map(|(_, create)| build_index(db, create));
        let [cases, subjects] = builds;
        let started = std::time::Instant::now();
        tokio::try_join!(cases, subjects)?;
        tracing::info!(elapsed = ?started.elapsed(), "search indexes built");
        anyhow::Ok(())
    };
    let rollups = async {
        let done = loaded?;
        sync_sequences(db, CASE_TABLES).await?;
        // Reads every case: without the pool's statement timeout at a million cases.
        let txn = crate::db::begin_unbounded(db).await?;
        let started = std::time::Instant::now();
        rebuild_rollups(&txn).await?;
        txn.commit().await?;
        tracing::info!(elapsed = ?started.elapsed(), "rollups rebuilt");
        anyhow::Ok(done)
    };
    let (indexes, done) = tokio::join!(indexes, rollups);
    if let Err(e) = indexes {
        if let Err(load) = &done {
            tracing::error!(error = %load, "the load failed, and the search indexes too");
        }
        return Err(e);
    }
    done
}

/// Creates a search index a bulk load dropped (or an interrupted one left out); nothing when
/// it exists.
async fn build_index(db: &DatabaseConnection, create: &str) -> anyhow::Result<()> {
    let txn = crate::db::begin_unbounded(db).await?;
    // The build sorts the trigrams in memory; the default 64 MB would spill them to disk.
    txn.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'")
        .await?;
    txn.execute_unprepared(create).await?;
    txn.commit().await?;
    Ok(())
}

/// Generates and writes `n` cases (see [`generate_cases`]).
async fn load(db: &DatabaseConnection, n: u64, seed: u64) -> anyhow::Result<u64> {
    let rd = RefData::load(db).await?;
    let mut generator = generator(db, &rd, seed).await?;
    let mut done = 0;
    // The next batch is drawn while earlier ones are written, on up to `writers` connections at
    // once (ids are the generator's own, so nothing waits for the database and batches never
    // touch the same rows): the process's CPU and the database's overlap, and the database
    // works on more than one batch while a commit waits for its flush.
    let writers = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => PG_WRITERS,
        _ => 1,
    };
    let mut writing: std::collections::VecDeque<tokio::task::JoinHandle<anyhow::Result<()>>> =
        std::collections::VecDeque::new();
    while done < n {
        let count = BATCH.min(n - done);
        let batch = match generator.batch(count, false) {
            Ok(batch) => batch,
            Err(e) => {
                // Not answered while a batch may still commit behind the error.
                for previous in writing.drain(..) {
                    previous.await??;
                }
                return Err(e);
            }
        };
        if writing.len() >= writers {
            if let Some(oldest) = writing.pop_front() {
                oldest.await??;
            }
        }
        let db = db.clone();
        writing.push_back(tokio::spawn(async move {
            if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
                return batch.copy(db.get_postgres_connection_pool()).await;
            }
            let txn = db.begin().await?;
            batch.insert(&txn).await?;
            txn.commit().await?;
            Ok(())
        }));
        done += count;
        tracing::debug!(done, total = n, "generated cases");
    }
    for last in writing {
        last.await??;
    }
    Ok(done)
}
