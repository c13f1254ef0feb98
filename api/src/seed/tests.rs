//! Loads the demo into a fresh SQLite file (foreign keys on) and checks the guarantees other
//! tests rely on.

use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait, Statement,
};

use crate::text::fold;

/// Removes the test database files when the test ends.
struct TempDb(std::path::PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

async fn fresh_db(name: &str) -> (DatabaseConnection, TempDb) {
    let path = std::env::temp_dir().join(format!(
        "hub389-seed-{name}-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let mut opts = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    opts.sqlx_logging(false)
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(10))
        .map_sqlx_sqlite_opts(|o| {
            o.foreign_keys(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
        });
    let db = Database::connect(opts).await.expect("connect");
    migration::Migrator::up(&db, None).await.expect("migrate");
    (db, TempDb(path))
}

fn key() -> crate::crypto::DataKey {
    crate::crypto::DataKey::from_secret(&crate::config::Secret::new(vec![3u8; 32])).expect("key")
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .expect("query")
        .expect("row");
    row.try_get_by_index::<i64>(0).expect("count")
}

#[tokio::test]
async fn demo_loads_with_its_guarantees() {
    let (db, _file) = fresh_db("demo").await;
    assert!(super::is_empty(&db).await.expect("is_empty"));
    let s = super::load_demo(&db, &key()).await.expect("load_demo");
    assert!(!super::is_empty(&db).await.expect("is_empty"));
    assert_eq!(s.cases, 300);
    assert_eq!(s.tips, 40);
    assert!(s.publications >= 6 && s.directives >= 13 && s.tasks >= 20 && s.campaigns >= 2);
    assert!(
        super::load_demo(&db, &key()).await.is_err(),
        "second load must refuse"
    );

    for lead in ["CA", "HQ"] {
        let full = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM cases c JOIN agencies a ON a.id = c.lead_agency_id \
                 WHERE a.code = '{lead}' \
                 AND EXISTS (SELECT 1 FROM subjects s WHERE s.case_id = c.id) \
                 AND EXISTS (SELECT 1 FROM customs_records r WHERE r.case_id = c.id) \
                 AND EXISTS (SELECT 1 FROM investigation_records i WHERE i.case_id = c.id) \
                 AND EXISTS (SELECT 1 FROM seizures z WHERE z.case_id = c.id AND z.hs_code IS NOT NULL)"
            ),
        )
        .await;
        assert!(full >= 10, "{lead}: {full}");
    }
    for lead in ["CA", "HQ", "QLTT", "BDBP"] {
        let n = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM cases c JOIN agencies a ON a.id = c.lead_agency_id WHERE a.code = '{lead}'"
            ),
        )
        .await;
        assert!(n >= 10, "{lead} leads {n}");
    }
    let dong_dang = count(
        &db,
        "SELECT COUNT(*) FROM cases c JOIN communes m ON m.id = c.commune_id WHERE m.code = 'DONG_DANG'",
    )
    .await;
    let elsewhere = count(
        &db,
        "SELECT COUNT(*) FROM cases c JOIN communes m ON m.id = c.commune_id WHERE m.code <> 'DONG_DANG'",
    )
    .await;
    assert!(
        dong_dang >= 5 && elsewhere >= 5,
        "{dong_dang} / {elsewhere}"
    );
    // Counts the demo data must have exactly; most count the rows that would break a rule.
    for (query, expected) in [
        (
            "SELECT COUNT(*) FROM communes WHERE committee_established_on IS NULL",
            8,
        ),
        (
            "SELECT COUNT(*) FROM publications WHERE status = 'approved' AND approved_at IS NOT NULL",
            6,
        ),
        (
            "SELECT COUNT(*) FROM publications p JOIN cases c ON c.id = p.case_id \
             WHERE p.drafted_by_agency_id <> c.lead_agency_id \
             OR c.status NOT IN ('handled_administratively', 'prosecuted', 'closed')",
            0,
        ),
        (
            "SELECT COUNT(*) FROM tips WHERE (status = 'new') <> (assigned_agency_id IS NULL)",
            0,
        ),
        (
            "SELECT COUNT(*) FROM tips WHERE (status = 'linked_to_case') <> (case_id IS NOT NULL)",
            0,
        ),
        (
            "SELECT COUNT(*) FROM cases WHERE budget_collected < fine_amount",
            0,
        ),
        (
            "SELECT COUNT(*) FROM cases WHERE (handled_on IS NOT NULL) <> \
             (status IN ('handled_administratively', 'prosecuted', 'closed'))",
            0,
        ),
        (
            "SELECT COUNT(*) FROM cases WHERE fine_amount <> 0 AND (fine_amount < 5000000 OR fine_amount > 500000000)",
            0,
        ),
        (
            "SELECT COUNT(*) FROM investigation_records WHERE prosecuted_on IS NOT NULL AND defendants < 1",
            0,
        ),
    ] {
        assert_eq!(count(&db, query).await, expected, "{query}");
    }
    for agency in ["CA", "HQ", "QLTT"] {
        let n = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM tips t JOIN agencies a ON a.id = t.assigned_agency_id WHERE a.code = '{agency}'"
            ),
        )
        .await;
        assert!(n >= 1, "no tip assigned to {agency}");
    }
    assert!(count(&db, "SELECT COUNT(*) FROM tips WHERE reporter_name IS NULL").await >= 1);
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM tasks WHERE recurrence_day = 17 AND due_on IS NULL"
        )
        .await
            >= 1
    );
    for d in ["2026-05-18", "2026-05-22", "2026-05-25"] {
        assert_eq!(
            count(
                &db,
                &format!("SELECT COUNT(*) FROM tasks WHERE due_on = '{d}'")
            )
            .await,
            1,
            "{d}"
        );
    }

    // The search key is exactly what the contract says, and holds no subject data.
    let cases = entity::cases::Entity::find().all(&db).await.expect("cases");
    let communes = entity::communes::Entity::find()
        .all(&db)
        .await
        .expect("communes");
    let gates = entity::border_gates::Entity::find()
        .all(&db)
        .await
        .expect("gates");
    let subjects = entity::subjects::Entity::find()
        .all(&db)
        .await
        .expect("subjects");
    for c in &cases {
        let commune = c
            .commune_id
            .and_then(|id| communes.iter().find(|m| m.id == id))
            .map(|m| m.name.as_str())
            .unwrap_or("");
        let gate = c
            .border_gate_id
            .and_then(|id| gates.iter().find(|g| g.id == id))
            .map(|g| g.name.as_str())
            .unwrap_or("");
        let expected = fold(&format!(
            "{} {} {} {commune} {gate}",
            c.code, c.title, c.goods_summary
        ));
        assert_eq!(c.search_key, expected, "{}", c.code);
        if c.channel == "border_gate" {
            assert!(c.border_gate_id.is_some(), "{}", c.code);
        }
    }
    for s in &subjects {
        assert_eq!(s.name_key, fold(&s.full_name));
        if let Some(id) = &s.id_number {
            assert!(
                id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()),
                "{id}"
            );
            let case = cases.iter().find(|c| c.id == s.case_id).expect("case");
            assert!(!case.search_key.contains(id.as_str()));
        }
    }
    let pubs = entity::publications::Entity::find()
        .all(&db)
        .await
        .expect("pubs");
    for p in &pubs {
        for s in subjects.iter().filter(|s| s.case_id == p.case_id) {
            assert!(!p.body.contains(&s.full_name) && !p.headline.contains(&s.full_name));
        }
    }

    // Benchmarks continue numbering after the demo.
    let added = super::generate_cases(&db, 1_200, 7)
        .await
        .expect("generate");
    assert_eq!(added, 1_200);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM cases").await, 1_500);
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT code) FROM cases").await,
        1_500
    );
}

#[tokio::test]
async fn demo_is_deterministic() {
    let (a, _file_a) = fresh_db("det-a").await;
    let (b, _file_b) = fresh_db("det-b").await;
    super::load_demo(&a, &key()).await.expect("load a");
    super::load_demo(&b, &key()).await.expect("load b");
    let ca = entity::cases::Entity::find().all(&a).await.expect("a");
    let cb = entity::cases::Entity::find().all(&b).await.expect("b");
    assert_eq!(ca, cb);
    // Informant fields are encrypted with a random nonce: compare what they decrypt to.
    let clear = |tips: Vec<entity::tips::Model>| {
        tips.into_iter()
            .map(|mut t| {
                let open = |v: Option<String>| v.map(|s| key().decrypt(&s).expect("decrypts"));
                t.reporter_name = open(t.reporter_name);
                t.reporter_contact = open(t.reporter_contact);
                t
            })
            .collect::<Vec<_>>()
    };
    let ta = clear(entity::tips::Entity::find().all(&a).await.expect("a"));
    let tb = clear(entity::tips::Entity::find().all(&b).await.expect("b"));
    // Tracking codes are the one thing every install draws afresh (a code is a credential).
    let codes = |t: &[entity::tips::Model]| {
        t.iter()
            .map(|t| t.tracking_code.clone())
            .collect::<Vec<_>>()
    };
    assert!(
        codes(&ta).iter().zip(codes(&tb)).all(|(x, y)| *x != y),
        "demo tracking codes differ between installs"
    );
    let blank = |t: Vec<entity::tips::Model>| {
        t.into_iter()
            .map(|mut t| {
                t.tracking_code.clear();
                t
            })
            .collect::<Vec<_>>()
    };
    let (ta, tb) = (blank(ta), blank(tb));
    assert!(
        ta == tb,
        "the demo tips are otherwise the same on every install"
    );
    assert!(
        ta.iter().any(|t| t.reporter_name.is_some()),
        "some demo tipsters leave a name"
    );
    let stored = entity::tips::Entity::find().all(&a).await.expect("a");
    assert!(
        stored
            .iter()
            .filter_map(|t| t.reporter_name.as_deref())
            .all(crate::crypto::DataKey::is_encrypted),
        "the demo stores no informant name in clear"
    );
}

/// `cargo test -p api --release seed::tests::bench -- --ignored --nocapture` to time a bulk load.
#[tokio::test]
#[ignore]
async fn bench_generate() {
    let (db, _file) = fresh_db("bench").await;
    super::load_demo(&db, &key()).await.expect("load");
    let n: u64 = std::env::var("SEED_BENCH_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let started = std::time::Instant::now();
    super::generate_cases(&db, n, 42).await.expect("generate");
    eprintln!("generated {n} cases in {:?}", started.elapsed());
}

/// A fresh PostgreSQL database for this test, when the suite runs on PostgreSQL
/// (`HUB389_TEST_BACKEND=postgres`, `HUB389_TEST_PG_URL` as in the `tests` crate), else none.
/// `.ci/run` drops the `hub389_t_*` databases it leaves.
async fn fresh_pg(name: &str) -> Option<DatabaseConnection> {
    if std::env::var("HUB389_TEST_BACKEND").as_deref() != Ok("postgres") {
        eprintln!("HUB389_TEST_BACKEND is not postgres; skipping");
        return None;
    }
    let admin = std::env::var("HUB389_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let server = Database::connect(admin.as_str()).await.expect("connect");
    let db_name = format!("hub389_t_seed_{name}_{}", uuid::Uuid::new_v4().simple());
    server
        .execute_unprepared(&format!("CREATE DATABASE {db_name}"))
        .await
        .expect("create database");
    let (base, _) = admin.rsplit_once('/').expect("a database in the URL");
    let db = Database::connect(format!("{base}/{db_name}"))
        .await
        .expect("connect");
    migration::Migrator::up(&db, None).await.expect("migrate");
    Some(db)
}

/// The bulk load on PostgreSQL (rows by `COPY`, the search indexes dropped and built again,
/// sequences continued after the seeded ids). Runs with the PostgreSQL suite.
#[tokio::test]
async fn postgres_load() {
    let Some(db) = fresh_pg("load").await else {
        return;
    };
    let s = super::load_demo(&db, &key()).await.expect("load_demo");
    assert_eq!(s.cases, 300);
    // As a bulk load: the search indexes dropped, then built again at the end.
    super::generate::generate_with(&db, 12_000, 3, 1)
        .await
        .expect("generate");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM cases").await, 12_300);
    let names: Vec<String> = migration::SEARCH_INDEXES
        .iter()
        .map(|(name, _)| format!("'{name}'"))
        .collect();
    let indexes = format!(
        "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN ({}) AND indexdef LIKE '%gin_trgm_ops%'",
        names.join(", ")
    );
    assert_eq!(
        count(&db, &indexes).await,
        2,
        "the search indexes, built again"
    );
    // An insert without an explicit id takes the next id after the seeded ones.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let tip = entity::tips::ActiveModel {
        tracking_code: Set("TB-TEST-0001".to_owned()),
        received_at: Set(chrono::Utc::now()),
        channel: Set("hotline".to_owned()),
        content: Set("Kiểm tra chuỗi tự tăng".to_owned()),
        status: Set("new".to_owned()),
        version: Set(1),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("insert tip");
    assert_eq!(tip.id, 41);
}

/// What `COPY` stores reads back as the model it was given, text that needs escaping included.
#[tokio::test]
async fn postgres_copy_round_trip() {
    let Some(db) = fresh_pg("copy").await else {
        return;
    };
    super::load_demo(&db, &key()).await.expect("load_demo");
    let mut case = entity::cases::Entity::find()
        .one(&db)
        .await
        .expect("read")
        .expect("a case");
    case.id = 900_001;
    case.code = "VV-COPY-0001".to_owned();
    case.title = "Tab\there, line\nbreak, CR\r, back\\slash \\N, Đường Lạng Sơn".to_owned();
    case.handled_on = None;
    case.archived_at = Some(chrono::Utc::now());
    let mut subject = entity::subjects::Entity::find()
        .one(&db)
        .await
        .expect("read")
        .expect("a subject");
    subject.id = 900_001;
    subject.case_id = case.id;
    subject.address = Some("\\N".to_owned());
    subject.date_of_birth = None;
    let mut seizure = entity::seizures::Entity::find()
        .one(&db)
        .await
        .expect("read")
        .expect("a seizure");
    seizure.id = 900_001;
    seizure.case_id = case.id;
    seizure.quantity = 0.001;
    let pool = db.get_postgres_connection_pool();
    let mut conn = pool.acquire().await.expect("acquire");
    super::util::copy_rows(&mut conn, std::slice::from_ref(&case))
        .await
        .expect("copy case");
    super::util::copy_rows(&mut conn, std::slice::from_ref(&subject))
        .await
        .expect("copy subject");
    super::util::copy_rows(&mut conn, std::slice::from_ref(&seizure))
        .await
        .expect("copy seizure");
    drop(conn);
    let c = entity::cases::Entity::find_by_id(case.id).one(&db).await;
    let s = entity::subjects::Entity::find_by_id(subject.id)
        .one(&db)
        .await;
    let z = entity::seizures::Entity::find_by_id(seizure.id)
        .one(&db)
        .await;
    let mut expected = case.clone();
    // PostgreSQL keeps microseconds.
    expected.archived_at = case
        .archived_at
        .map(|t| chrono::SubsecRound::trunc_subsecs(t, 6));
    assert_eq!(c.expect("read").expect("copied case"), expected);
    assert_eq!(s.expect("read").expect("copied subject"), subject);
    assert_eq!(z.expect("read").expect("copied seizure"), seizure);
}
