//! Benchmark: the year's statistics grouped by agency and official group over one million
//! generated cases, next to the bare SQL the service issues.
//!
//! `DATABASE_URL` picks the database (default: a SQLite file under `target/`), `BENCH_CASES`
//! the number of cases (default 1 000 000; missing ones are generated first, deterministically),
//! `BENCH_RUNS` the repetitions (default 5; the median is printed).
//!
//!     cargo bench -p api --bench statistics
//!     DATABASE_URL=postgres://postgres@127.0.0.1/hub389_bench cargo bench -p api --bench statistics

use std::time::{Duration, Instant};

use api::domain::calendar::PeriodSpec;
use api::error::AppError;
use api::service::statistics::{Counted, Dimension, Via, statement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "sqlite://target/bench-stats.db?mode=rwc".into());
    let target: u64 = std::env::var("BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    // Keys as the server would take them (`HUB389_DATA_KEY[_FILE]`, or beside a SQLite file).
    let mut config = api::config::Config::from_env()?;
    config.data_dir = api::config::data_dir_for(&url);
    config.database_url = url;
    let preflight = api::keys::preflight(&config)?;
    let (db, _keys) = api::http::app::open_database(&config, None, preflight).await?;
    let have = entity::cases::Entity::find().count(&db).await?;
    if have < target {
        let t = Instant::now();
        let made = api::seed::generate_cases(&db, target - have, 389).await?;
        println!("generated {made} cases in {:.1?}", t.elapsed());
    }
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    let total = entity::cases::Entity::find().count(&db).await?;
    let cond = || Condition::all().add(entity::cases::Column::ArchivedAt.is_null());
    let spec = PeriodSpec::Year { year: 2026 };
    let dims = vec![Dimension::Agency, Dimension::OfficialGroup];
    let in_year = entity::cases::Entity::find()
        .filter(cond())
        .filter(entity::cases::Column::DetectedOn.between(
            spec.range().map_err(AppError::into_anyhow)?.from,
            spec.range().map_err(AppError::into_anyhow)?.to,
        ))
        .count(&db)
        .await?;

    // The service: rows, official groups and totals, from the rollups (one statement), then
    // from the cases (3 statements, each over the three periods).
    let mut timings = vec![];
    for via in [Via::Auto, Via::Cases] {
        let mut service = vec![];
        for _ in 0..runs {
            let t = Instant::now();
            let c = api::graphql::statistics::compute(
                &db,
                Counted::province(),
                spec,
                dims.clone(),
                via,
            )
            .await
            .map_err(AppError::into_anyhow)?;
            service.push(t.elapsed());
            assert!(!c.rows.is_empty());
        }
        timings.push(median(service));
    }
    // The same three statements (rows, official groups, totals), bare, one after another.
    let backend = db.get_database_backend();
    let ranges = [
        spec.range().map_err(AppError::into_anyhow)?,
        spec.previous().map_err(AppError::into_anyhow)?,
        spec.last_year().map_err(AppError::into_anyhow)?,
    ];
    let mut bare = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        for d in [dims.clone(), vec![Dimension::OfficialGroup], vec![]] {
            db.query_all_raw(backend.build(&statement(backend, cond(), ranges, &d)))
                .await?;
        }
        bare.push(t.elapsed());
    }
    // One statement alone: the grouped rows over the three periods.
    let mut single = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        db.query_all_raw(backend.build(&statement(backend, cond(), ranges, &dims)))
            .await?;
        single.push(t.elapsed());
    }
    println!(
        "backend: {backend:?}, cases: {total}, cases in year 2026 (15/12/2025–14/12/2026): {in_year}"
    );
    println!(
        "statistics(year 2026, groupBy [AGENCY, OFFICIAL_GROUP]) from the rollups: median {:.1?} over {runs} runs",
        timings[0]
    );
    println!(
        "the same from the cases (the fallback):                              median {:.1?}",
        timings[1]
    );
    println!(
        "the same 3 statements, bare SQL, sequential:                          median {:.1?}",
        median(bare)
    );
    println!(
        "one statement (the grouped rows), bare SQL:                          median {:.1?}",
        median(single)
    );
    Ok(())
}
