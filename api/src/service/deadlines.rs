//! The fleet's deadline scheduler (`taskDue`): tasks falling due and tasks newly overdue are
//! announced as [`DomainEvent::TaskDue`], which travels to every instance like any event.
//!
//! **One per fleet.** Every instance runs the loop, but on PostgreSQL only the one holding a
//! session advisory lock (on a connection of its own) scans; when it stops, its connection
//! closes, the lock is free, and another instance takes over at its next tick. On SQLite there
//! is one process. **Each deadline at most once:** the scan inserts what it announces into
//! `task_deadline_notices` (due soon: once per task and day; overdue: once per task and due
//! date) and announces only the rows it inserted, in one statement, so a second scanner, a
//! restart or a takeover never announces twice. The notice commits before the event leaves:
//! a crash in between, or a `NOTIFY` that fails, loses that announcement (events are
//! notifications; `tasks(filter: { overdue: true })` is the record).

use std::time::Duration;

use chrono::{Days, NaiveDate};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, sqlx};

use entity::{task_deadline_notices as notices, tasks};

use crate::domain::vocab::TaskStatus;
use crate::error::{AppError, AppResult};
use crate::service::events::{DomainEvent, Events};

/// How far ahead a task counts as falling due (the longest `withinDays` a subscriber may
/// ask), and how far back a missed overdue task is still announced.
pub const HORIZON_DAYS: u64 = 30;

/// The advisory lock the fleet's scheduler holds ("389" twice).
const LOCK_KEY: i64 = 389_389;

/// Announces the deadlines of `today` not announced yet; returns how many.
pub async fn scan(db: &DatabaseConnection, events: &Events, today: NaiveDate) -> AppResult<usize> {
    let horizon = today + Days::new(HORIZON_DAYS);
    let floor = today - Days::new(HORIZON_DAYS);
    let overdue = || Expr::col(tasks::Column::DueOn).lt(today);
    let select = Query::select()
        .column(tasks::Column::Id)
        .expr(
            CaseStatement::new()
                .case(overdue(), "overdue")
                .finally("due"),
        )
        .expr(
            CaseStatement::new()
                .case(overdue(), Expr::col(tasks::Column::DueOn))
                .finally(Expr::val(today)),
        )
        .column(tasks::Column::DueOn)
        .from(tasks::Entity)
        .and_where(
            tasks::Column::Status
                .is_in([TaskStatus::Open.as_str(), TaskStatus::InProgress.as_str()]),
        )
        .and_where(tasks::Column::ArchivedAt.is_null())
        .and_where(tasks::Column::DueOn.between(floor, horizon))
        .to_owned();
    let insert = Query::insert()
        .into_table(notices::Entity)
        .columns([
            notices::Column::TaskId,
            notices::Column::Kind,
            notices::Column::Day,
            notices::Column::DueOn,
        ])
        .select_from(select)
        .map_err(|e| AppError::internal(anyhow::anyhow!("deadline scan: {e}")))?
        .on_conflict(
            OnConflict::columns([
                notices::Column::TaskId,
                notices::Column::Kind,
                notices::Column::Day,
            ])
            .do_nothing()
            .to_owned(),
        )
        .returning(Query::returning().columns([notices::Column::TaskId, notices::Column::DueOn]))
        .to_owned();
    let rows = db
        .query_all_raw(db.get_database_backend().build(&insert))
        .await?;
    let mut announced = 0;
    for row in rows {
        let task_id: i64 = row.try_get("", "task_id")?;
        let due_on: NaiveDate = row.try_get("", "due_on")?;
        events.publish(DomainEvent::TaskDue {
            task_id,
            days_left: (due_on - today).num_days(),
        });
        announced += 1;
    }
    Ok(announced)
}

/// Runs the scheduler every `every` (the first scan one period after start); `every` zero
/// turns it off.
pub fn start(db: DatabaseConnection, events: Events, every: Duration) {
    if every.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut lease = Lease::new(&db);
        loop {
            ticks.tick().await;
            if !lease.held().await {
                continue;
            }
            match scan(&db, &events, crate::time::today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(announced = n, "task deadlines announced"),
                Err(e) => {
                    tracing::warn!(error = %e.message(), "deadline scan failed; retried at the next tick")
                }
            }
        }
    });
}

/// The right to scan: on PostgreSQL a session advisory lock on a connection kept for it.
enum Lease {
    Always,
    Postgres {
        pool: sqlx::PgPool,
        held: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
    },
}

impl Lease {
    fn new(db: &DatabaseConnection) -> Lease {
        if db.get_database_backend() == DbBackend::Postgres {
            Lease::Postgres {
                pool: crate::db::side_pool(db, 1),
                held: None,
            }
        } else {
            Lease::Always
        }
    }

    /// Whether this instance may scan now: it still holds the lock (its connection answers),
    /// or it just took it.
    async fn held(&mut self) -> bool {
        let Lease::Postgres { pool, held } = self else {
            return true;
        };
        if let Some(conn) = held {
            if sqlx::query("SELECT 1").execute(&mut **conn).await.is_ok() {
                return true;
            }
            // The connection (and with it the lock) is gone; try to take it again.
            *held = None;
        }
        let Ok(mut conn) = pool.acquire().await else {
            return false;
        };
        let took: Result<bool, _> = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LOCK_KEY)
            .fetch_one(&mut *conn)
            .await;
        if took.unwrap_or(false) {
            tracing::info!("this instance runs the fleet's deadline scheduler");
            *held = Some(conn);
            true
        } else {
            false
        }
    }
}
