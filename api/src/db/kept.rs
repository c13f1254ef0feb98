//! PostgreSQL connections kept checked out between uses, so that they are not pinged after
//! each one.
//!
//! Why (issue 11): sqlx pings every connection given back to its pool: `PoolConnection`'s drop
//! runs `return_to_pool`, which sends a `Sync` and waits for its `ReadyForQuery`
//! (`sqlx-core` 0.9, `pool/connection.rs`). No option turns it off, and `after_release` runs
//! before it, not instead of it. A case list gave two connections back, its held reads' and
//! the read audit's, so two of its six round trips to PostgreSQL were pings. With a [`Kept`],
//! a connection that ends its use cleanly goes onto a short stack instead of back to the pool.
//! The next use takes it from there without the round trip.
//!
//! The ping has two jobs, and this is why skipping it is safe:
//! - It settles a connection whose exchange was cut half-way (a dropped future). Only a
//!   connection whose last statement ran to its end without an error is kept
//!   ([`Kept::give_back`] with `clean`). Every other one goes back to the pool and is pinged
//!   as before.
//! - It finds a dead connection. A kept one that died fails its next statement, which is then
//!   not clean, and the pool's ping closes it. This is what happens today to a pooled
//!   connection that dies while it is idle: only one idle longer than `db::IDLE_PING` is
//!   pinged before use.
//!
//! The bounds:
//! - At most `most` connections are kept idle. Kept ones are still checked out of the pool,
//!   so its `max_connections` bounds them with the rest, and its other users have the other
//!   connections.
//! - A connection is kept for at most [`KEEP_FOR`] after its check-out, give or take one
//!   [`KEEP_FOR`]: the next use or the next sweep ([`Kept::sweep_while_alive`]) gives it back
//!   to the pool, whose rules apply again: its lifetime, its idle ping and timeout. That is one
//!   ping per connection every [`KEEP_FOR`] under load, instead of one per use.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sea_orm::sea_query::Values;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{self, PgPool, Postgres, pool::PoolConnection};
use sea_orm::{DbErr, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;

/// The longest a connection stays out of the pool, counted from its check-out: the pool's idle
/// ping interval, so a connection kept idle is never used after longer than the pool would
/// have used it unpinged.
pub const KEEP_FOR: Duration = super::IDLE_PING;

/// A pool's connections kept out of it between uses (see the module's doc).
pub struct Kept {
    pool: PgPool,
    most: usize,
    idle: Mutex<Vec<Taken>>,
    /// Set by [`Kept::close`]: nothing is kept any more.
    closed: AtomicBool,
}

/// A connection taken from a [`Kept`]: give it back with [`Kept::give_back`], or drop it to
/// send it back to the pool (pinged there).
pub struct Taken {
    pub conn: PoolConnection<Postgres>,
    /// When it was checked out of the pool.
    since: Instant,
}

impl Kept {
    pub fn new(pool: PgPool, most: usize) -> Kept {
        Kept {
            pool,
            most,
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    /// The idle stack. A panic while it was locked cannot have left it half-changed (every
    /// change is one push or pop), so a poisoned lock is used as it is.
    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Taken>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A kept connection, or one checked out of the pool when none is kept (or those kept are
    /// due back: they go back to the pool as they are found).
    pub async fn take(&self) -> Result<Taken, DbErr> {
        loop {
            let next = self.idle().pop();
            match next {
                Some(kept) if kept.since.elapsed() < KEEP_FOR => return Ok(kept),
                Some(due) => drop(due),
                None => break,
            }
        }
        let conn = self.pool.acquire().await.map_err(acquire_error)?;
        Ok(Taken {
            conn,
            since: Instant::now(),
        })
    }

    /// Keeps `taken` for the next use when it is `clean` (its last statement ran to its end
    /// without an error), is not due back, and fewer than `most` are kept; otherwise it goes
    /// back to the pool (and its ping).
    pub fn give_back(&self, taken: Taken, clean: bool) {
        if clean && taken.since.elapsed() < KEEP_FOR {
            let mut idle = self.idle();
            // Read under the lock that `close` sets it under: a connection is never pushed
            // after `close` has emptied the stack.
            if !self.closed.load(Ordering::SeqCst) && idle.len() < self.most {
                idle.push(taken);
            }
        }
        // Not kept: dropped here, so back to the pool (and its ping).
    }

    /// Gives every kept connection back to the pool and keeps none from now on. Call it before
    /// closing the pool: the pool's `close` waits for every connection checked out of it.
    pub fn close(&self) {
        let all = {
            let mut idle = self.idle();
            self.closed.store(true, Ordering::SeqCst);
            std::mem::take(&mut *idle)
        };
        drop(all);
    }

    /// Gives back to the pool the kept connections that are due ([`KEEP_FOR`]); `take` does it
    /// too, but only when reads come.
    pub fn sweep(&self) {
        let due = {
            let mut idle = self.idle();
            let (keep, due): (Vec<Taken>, Vec<Taken>) = std::mem::take(&mut *idle)
                .into_iter()
                .partition(|kept| kept.since.elapsed() < KEEP_FOR);
            *idle = keep;
            due
        };
        drop(due);
    }

    /// Sweeps `kept` every [`KEEP_FOR`] on a task of its own, until `kept` is dropped, so
    /// connections kept while reads stop go back to the pool and its idle rules.
    pub fn sweep_while_alive(kept: &std::sync::Arc<Kept>) {
        let kept = std::sync::Arc::downgrade(kept);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(KEEP_FOR);
            every.tick().await;
            loop {
                every.tick().await;
                match kept.upgrade() {
                    Some(kept) => kept.sweep(),
                    None => break,
                }
            }
        });
    }
}

/// The errors sea-orm gives for a failed check-out, so `db::is_unavailable` reads them alike.
fn acquire_error(err: sqlx::Error) -> DbErr {
    match err {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => {
            DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed)
        }
        other => DbErr::Conn(RuntimeErr::SqlxError(std::sync::Arc::new(other))),
    }
}

/// `stmt` (a sea-orm statement) run by sqlx on `conn`, for its rows.
pub async fn fetch(
    conn: &mut PoolConnection<Postgres>,
    stmt: &Statement,
) -> Result<Vec<PgRow>, DbErr> {
    let values = stmt.values.clone().unwrap_or(Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
        .fetch_all(&mut **conn)
        .await
        .map_err(|e| DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(e))))
}

/// `stmt` (a sea-orm statement) run by sqlx on `conn`, for its effect.
pub async fn execute(conn: &mut PoolConnection<Postgres>, stmt: &Statement) -> Result<(), DbErr> {
    let values = stmt.values.clone().unwrap_or(Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
        .execute(&mut **conn)
        .await
        .map(|_| ())
        .map_err(|e| DbErr::Exec(RuntimeErr::SqlxError(std::sync::Arc::new(e))))
}
