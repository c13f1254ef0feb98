//! The rollups of the figures (issue 11) after random writes through the services: the kept
//! table equals a rebuild from the cases row for row, and `statistics` answered from the
//! rollups equals `statistics` answered from the cases, for every official period kind,
//! dimensions and filters the rollups can answer.

use std::collections::BTreeMap;

use api::auth::{Role, Viewer};
use api::domain::calendar::PeriodSpec;
use api::domain::figures::Figure;
use api::domain::figures::rollup::Rollup;
use api::domain::types::Vnd;
use api::domain::vocab::{CaseStatus, Channel, CommodityGroup, Platform, ViolationType};
use api::graphql::statistics::compute;
use api::service::case_records::{self, InvestigationDetails, RecordKind, SubjectDetails};
use api::service::case_write::{self, CaseChanges, NewCase};
use api::service::cases::CaseFilterParams;
use api::service::events::Events;
use api::service::statistics::{Counted, Dimension, Via, rollup_months};
use api::service::write::Writer;
use chrono::NaiveDate;
use hub389_tests::{TestApp, agency_viewer};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// A rollup key: its id parts (month, lead agency, commune where the key has them), then its
/// text parts.
type RollupKey = (Vec<i64>, Vec<String>);

/// Rows of `sql` selecting the key of `r` then the figures, in `Figure::ALL` order, by key.
async fn keyed(db: &DatabaseConnection, r: Rollup, sql: &str) -> BTreeMap<RollupKey, Vec<i64>> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap();
    let width = r.key().len();
    let mut out = BTreeMap::new();
    for row in rows {
        let i = |n: usize| row.try_get_by_index::<i64>(n).unwrap();
        let (mut ids, mut texts) = (Vec::new(), Vec::new());
        for (n, column) in r.key().iter().enumerate() {
            if api::domain::figures::rollup::ID_KEY.contains(column) {
                ids.push(i(n));
            } else {
                texts.push(row.try_get_by_index::<String>(n).unwrap());
            }
        }
        let figures: Vec<i64> = (width..width + Figure::ALL.len()).map(i).collect();
        assert!(out.insert((ids, texts), figures).is_none(), "a key twice");
    }
    out
}

/// Each kept table equals its rebuild's `SELECT` row for row; rows whose cases all left their
/// key hold only zeros.
async fn assert_rollups_match(db: &DatabaseConnection, when: &str) {
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    for r in Rollup::ALL {
        let sql = format!("SELECT {} FROM {}", r.column_list(), r.table());
        let mut kept = keyed(db, r, &sql).await;
        let empty: Vec<_> = kept
            .iter()
            .filter(|(_, f)| f[0] == 0)
            .map(|(k, f)| (k.clone(), f.clone()))
            .collect();
        for (k, f) in &empty {
            assert!(f.iter().all(|v| *v == 0), "{when}: {r:?} {k:?} holds {f:?}");
            kept.remove(k);
        }
        let rebuilt = keyed(db, r, &r.contribution(postgres, 1, "1 = 1")).await;
        assert!(!rebuilt.is_empty());
        for (k, f) in &rebuilt {
            assert_eq!(kept.get(k), Some(f), "{when}: {r:?} key {k:?}");
        }
        assert_eq!(
            kept.len(),
            rebuilt.len(),
            "{when}: {r:?} keys kept that no case has"
        );
    }
}

/// `statistics` from the rollups equals `statistics` from the cases (rows, groups, totals and
/// their order), for the official periods around the dates written, with dimensions and
/// filters the rollups answer (checked, so the comparison is never of the fallback with
/// itself).
async fn assert_statistics_match(db: &DatabaseConnection, commune_id: i64) {
    let specs = [
        PeriodSpec::Month {
            year: 2026,
            month: 11,
        },
        PeriodSpec::Month {
            year: 2026,
            month: 7,
        },
        PeriodSpec::Quarter {
            year: 2026,
            quarter: 4,
        },
        PeriodSpec::SixMonths { year: 2026 },
        PeriodSpec::NineMonths { year: 2026 },
        PeriodSpec::Year { year: 2026 },
    ];
    let dims_sets: Vec<Vec<Dimension>> = vec![
        vec![],
        vec![Dimension::Agency, Dimension::OfficialGroup],
        vec![Dimension::Month],
        vec![Dimension::Commune, Dimension::Platform],
        vec![
            Dimension::ViolationType,
            Dimension::CommodityGroup,
            Dimension::Channel,
            Dimension::Month,
        ],
    ];
    let filters = [
        CaseFilterParams::default(),
        CaseFilterParams {
            status: vec![CaseStatus::Detected, CaseStatus::Prosecuted],
            ..Default::default()
        },
        CaseFilterParams {
            lead_agency: Some("BDBP".into()),
            platform: vec![Platform::Shopee, Platform::Facebook],
            ..Default::default()
        },
    ];
    let viewer = |role: Role, commune_id: Option<i64>| Viewer {
        sub: "rollups-reader".into(),
        role,
        agency_id: None,
        agency_code: None,
        commune_id,
        commune_code: None,
    };
    let readers = [
        viewer(Role::Leader, None),
        viewer(Role::Commune, Some(commune_id)),
    ];
    for spec in specs {
        let ranges = [
            spec.range().unwrap(),
            spec.previous().unwrap(),
            spec.last_year().unwrap(),
        ];
        for dims in &dims_sets {
            for filter in &filters {
                assert!(rollup_months(filter, &ranges, dims).is_some());
                for reader in &readers {
                    let counted = Counted::cases(reader, filter.clone()).unwrap();
                    let via = |via| compute(db, counted.clone(), spec, dims.clone(), via);
                    let (a, b) = (
                        via(Via::Auto).await.unwrap(),
                        via(Via::Cases).await.unwrap(),
                    );
                    let what = format!("{spec:?} {dims:?} {filter:?} {:?}", reader.role);
                    assert_eq!(a.rows, b.rows, "{what}");
                    assert_eq!(a.groups, b.groups, "{what}");
                    assert_eq!(a.total, b.total, "{what}");
                }
            }
        }
    }
    // The press's cells (reporting month × official group) too.
    for spec in specs {
        let public = |via| api::graphql::statistics::compute_public(db, spec, vec![], 1, via);
        let (a, b) = (
            public(Via::Auto).await.unwrap(),
            public(Via::Cases).await.unwrap(),
        );
        assert_eq!((a.groups, a.total), (b.groups, b.total), "{spec:?}");
    }
}

/// What the test knows of a case it wrote.
struct Written {
    id: i64,
    version: i32,
    status: CaseStatus,
    /// Led by the police after a transfer (who may then write it).
    police_leads: bool,
    archived: bool,
    /// Each subject's id, version and whether it is archived.
    subjects: Vec<(i64, i32, bool)>,
    /// The investigation record's id, version and whether it is archived.
    investigation: Option<(i64, i32, bool)>,
    /// The prosecution date its investigation record carries.
    prosecuted: Option<chrono::NaiveDate>,
}

fn subject(n: usize) -> SubjectDetails {
    SubjectDetails {
        kind: api::domain::vocab::SubjectKind::Person,
        role: api::domain::vocab::SubjectRole::Carrier,
        full_name: format!("Người {n}"),
        id_number: None,
        date_of_birth: None,
        address: None,
        nationality: None,
        tax_code: None,
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn rollups_equal_a_rebuild_and_answer_as_the_cases_do_after_random_writes() {
    let app = TestApp::spawn().await;
    let db = &app.db;
    // The demo seed rebuilt them.
    assert_rollups_match(db, "after the demo seed").await;
    let border = agency_viewer(db, Role::Officer, "BDBP").await;
    let police = agency_viewer(db, Role::Police, "CA").await;
    let events = Events::default();
    let writer = |v| Writer {
        db,
        viewer: Some(v),
        request_id: "rollups-test",
        events: &events,
    };
    let (wb, wp) = (writer(&border), writer(&police));
    let dong_dang = entity::communes::Entity::find()
        .filter(entity::communes::Column::Code.eq("DONG_DANG"))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    // Dates on both sides of the 14th/15th cut, and of the year's (15/12).
    let dates = [
        day(2026, 10, 14),
        day(2026, 10, 15),
        day(2026, 11, 14),
        day(2026, 11, 15),
        day(2026, 6, 14),
        day(2026, 6, 15),
        day(2025, 12, 14),
        day(2025, 12, 15),
        day(2025, 11, 14),
    ];
    let communes = [None, Some("DONG_DANG"), Some("TAN_THANH")];
    let types = [
        ViolationType::Smuggling,
        ViolationType::Counterfeit,
        ViolationType::TaxEvasion,
    ];
    let groups = [CommodityGroup::Cosmetics, CommodityGroup::FrozenFood];
    let mut rng = fastrand::Rng::with_seed(11);
    let mut cases: Vec<Written> = vec![];
    let mut refusals = 0;
    for step in 0..120 {
        let op = if cases.is_empty() { 0 } else { rng.u8(0..10) };
        let i = rng.usize(0..cases.len().max(1));
        match op {
            0 => {
                let online = rng.bool();
                let c = case_write::create(
                    &wb,
                    NewCase {
                        title: format!("Vụ rollup {step}"),
                        violation_type: types[rng.usize(0..types.len())],
                        commodity_group: groups[rng.usize(0..groups.len())],
                        channel: if online {
                            Channel::ECommerce
                        } else {
                            Channel::BorderTrail
                        },
                        platform: (online && rng.bool()).then_some(Platform::Shopee),
                        commune: communes[rng.usize(0..communes.len())].map(Into::into),
                        border_gate: None,
                        detected_on: dates[rng.usize(0..dates.len())],
                        goods_summary: "hàng hoá".into(),
                        fine_amount: Some(Vnd(rng.i64(0..100) * 1_000_000)),
                        tax_arrears: rng.bool().then(|| Vnd(rng.i64(0..50) * 1_000_000)),
                        goods_value: Some(Vnd(rng.i64(0..900) * 1_000_000)),
                        budget_collected: None,
                        coordinating_agencies: vec![],
                        campaigns: vec![],
                    },
                    None,
                )
                .await
                .unwrap();
                cases.push(Written {
                    id: c.id,
                    version: c.version,
                    status: CaseStatus::Detected,
                    police_leads: false,
                    archived: false,
                    subjects: vec![],
                    investigation: None,
                    prosecuted: None,
                });
            }
            1 | 2 => {
                // Dimensions, amounts and the detection date across the cut.
                let c = &mut cases[i];
                let w = if c.police_leads { &wp } else { &wb };
                let mut changes = CaseChanges::default();
                if rng.bool() {
                    changes.violation_type = Some(types[rng.usize(0..types.len())]);
                }
                if rng.bool() {
                    changes.commodity_group = Some(groups[rng.usize(0..groups.len())]);
                }
                if rng.bool() {
                    changes.channel = Some(Channel::SocialNetwork);
                    changes.platform = Some(Some(Platform::Facebook));
                }
                if rng.bool() {
                    // Cleared too: a case's commune is part of its rollup key.
                    changes.commune = Some(match rng.usize(0..3) {
                        0 => None,
                        1 => Some("DONG_DANG".into()),
                        _ => Some("TAN_THANH".into()),
                    });
                }
                if rng.bool() {
                    changes.detected_on = Some(dates[rng.usize(0..dates.len())]);
                }
                changes.fine_amount = Some(Vnd(rng.i64(0..100) * 1_000_000));
                changes.budget_collected = rng.bool().then(|| Vnd(rng.i64(0..100) * 1_000_000));
                match case_write::update(w, c.id, c.version, changes).await {
                    Ok(m) => c.version = m.version,
                    Err(e) => {
                        assert!(c.archived, "{e:?}");
                        refusals += 1;
                    }
                }
            }
            3 => {
                // One step along the lifecycle.
                let c = &mut cases[i];
                let w = if c.police_leads { &wp } else { &wb };
                let next = match c.status {
                    CaseStatus::Detected => Some(CaseStatus::Verifying),
                    CaseStatus::Verifying => Some(
                        [
                            CaseStatus::HandledAdministratively,
                            CaseStatus::TransferredToPolice,
                            CaseStatus::TransferredToPolice,
                            CaseStatus::Dropped,
                        ][rng.usize(0..4)],
                    ),
                    CaseStatus::HandledAdministratively | CaseStatus::Prosecuted => {
                        Some(CaseStatus::Closed)
                    }
                    CaseStatus::TransferredToPolice => Some(CaseStatus::Prosecuted),
                    CaseStatus::Closed | CaseStatus::Dropped => None,
                };
                let Some(next) = next else { continue };
                // A prosecuted case closes once its prosecution is on record.
                let recorded = c.prosecuted.is_some()
                    && c.investigation.is_some_and(|(_, _, archived)| !archived);
                let may = c.status != CaseStatus::Prosecuted || recorded;
                let r = if next == CaseStatus::TransferredToPolice {
                    case_write::transfer_to_police(w, c.id, c.version, "CA").await
                } else {
                    case_write::change_status(w, c.id, c.version, next, None).await
                };
                assert!(
                    may || r.is_err(),
                    "a prosecuted case closed without its prosecution"
                );
                if r.is_err() && !may && !c.archived {
                    refusals += 1;
                    continue;
                }
                match r {
                    Ok(m) => {
                        c.version = m.version;
                        c.status = next;
                        c.police_leads |= next == CaseStatus::TransferredToPolice;
                    }
                    Err(e) => {
                        assert!(c.archived, "{e:?}");
                        refusals += 1;
                    }
                }
            }
            4 => {
                let c = &mut cases[i];
                match case_records::add_subject(&wp, c.id, subject(step), None).await {
                    Ok(s) => c.subjects.push((s.id, s.version, false)),
                    Err(e) => {
                        assert!(c.archived, "{e:?}");
                        refusals += 1;
                    }
                }
            }
            5 => {
                let c = &mut cases[i];
                if c.subjects.is_empty() {
                    continue;
                }
                let j = rng.usize(0..c.subjects.len());
                let (id, version, archived) = c.subjects[j];
                match case_records::set_record_archived(
                    &wp,
                    RecordKind::Subject,
                    id,
                    version,
                    !archived,
                )
                .await
                {
                    Ok(v) => c.subjects[j] = (id, v, !archived),
                    Err(e) => {
                        assert!(c.archived, "{e:?}");
                        refusals += 1;
                    }
                }
            }
            6 => {
                // The investigation record, with or without a prosecution.
                let c = &mut cases[i];
                let prosecuted = rng.bool().then_some(day(2026, 11, 1));
                let input = InvestigationDetails {
                    notes: "Điều tra".into(),
                    prosecution_decision: prosecuted.map(|_| "01/QĐ-KTVA".into()),
                    prosecuted_on: prosecuted,
                    defendants: if prosecuted.is_some() {
                        rng.i32(0..4)
                    } else {
                        0
                    },
                };
                // A prosecution comes with the police; a closed case keeps the one it has.
                let with_police = matches!(
                    c.status,
                    CaseStatus::TransferredToPolice | CaseStatus::Prosecuted
                );
                let may = prosecuted.is_none()
                    || with_police
                    || (c.status == CaseStatus::Closed && c.prosecuted == prosecuted);
                let version = c.investigation.map(|(_, v, _)| v);
                match case_records::set_investigation(&wp, c.id, version, input).await {
                    Ok(r) => {
                        assert!(may && !c.archived, "{:?} took a prosecution", c.status);
                        let archived = c.investigation.is_some_and(|(_, _, a)| a);
                        c.investigation = Some((r.id, r.version, archived));
                        c.prosecuted = prosecuted;
                    }
                    Err(e) => {
                        assert!(c.archived || !may, "{e:?}");
                        refusals += 1;
                    }
                }
            }
            7 => {
                let c = &mut cases[i];
                let Some((id, version, archived)) = c.investigation else {
                    continue;
                };
                match case_records::set_record_archived(
                    &wp,
                    RecordKind::Investigation,
                    id,
                    version,
                    !archived,
                )
                .await
                {
                    Ok(v) => c.investigation = Some((id, v, !archived)),
                    Err(e) => {
                        assert!(c.archived, "{e:?}");
                        refusals += 1;
                    }
                }
            }
            8 => {
                let c = &mut cases[i];
                let w = if c.police_leads { &wp } else { &wb };
                let archived = !c.archived;
                let m = case_write::set_archived(w, c.id, c.version, archived)
                    .await
                    .unwrap();
                c.version = m.version;
                c.archived = archived;
            }
            _ => {
                // A stale version is refused and changes nothing.
                let c = &cases[i];
                let w = if c.police_leads { &wp } else { &wb };
                let changes = CaseChanges {
                    fine_amount: Some(Vnd(999_000_000)),
                    detected_on: Some(day(2025, 1, 14)),
                    ..Default::default()
                };
                let r = case_write::update(w, c.id, c.version - 1, changes).await;
                assert!(r.is_err());
                refusals += 1;
            }
        }
        if step % 30 == 29 {
            assert_rollups_match(db, &format!("after step {step}")).await;
        }
    }
    assert!(refusals > 0 && cases.len() > 5);
    assert_rollups_match(db, "after the random writes").await;
    // Writers of one case at once (separate connections on PostgreSQL): each subtracts what
    // the one before it committed, never a stale contribution.
    let live = cases
        .iter()
        .filter(|c| !c.archived)
        .max_by_key(|c| {
            matches!(
                c.status,
                CaseStatus::TransferredToPolice | CaseStatus::Prosecuted
            )
        })
        .expect("a live case");
    let lead = if live.police_leads { &wp } else { &wb };
    let changes = CaseChanges {
        fine_amount: Some(Vnd(7_000_000)),
        detected_on: Some(day(2026, 11, 15)),
        ..Default::default()
    };
    // A prosecution if the case is with the police (else the record's notes alone).
    let prosecuted = matches!(
        live.status,
        CaseStatus::TransferredToPolice | CaseStatus::Prosecuted
    )
    .then_some(day(2026, 11, 20));
    let investigation = InvestigationDetails {
        notes: "Khởi tố".into(),
        prosecution_decision: prosecuted.map(|_| "02/QĐ-KTVA".into()),
        prosecuted_on: prosecuted,
        defendants: if prosecuted.is_some() { 2 } else { 0 },
    };
    let (a, b, c, d, e) = tokio::join!(
        case_records::add_subject(&wp, live.id, subject(1001), None),
        case_records::add_subject(&wp, live.id, subject(1002), None),
        case_records::add_subject(&wp, live.id, subject(1003), None),
        case_write::update(lead, live.id, live.version, changes),
        case_records::set_investigation(
            &wp,
            live.id,
            live.investigation.map(|(_, v, _)| v),
            investigation
        ),
    );
    (a.unwrap(), b.unwrap(), c.unwrap(), d.unwrap(), e.unwrap());
    assert_rollups_match(db, "after concurrent writes").await;
    assert_statistics_match(db, dong_dang).await;
    // A rebuild changes nothing.
    hub389_tests::rebuild_rollups(db).await;
    assert_rollups_match(db, "after a rebuild").await;
}
