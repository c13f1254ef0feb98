//! A request's reads, and the one place where a run of them shares a pooled connection.
//!
//! Why (issue 11): sea-orm checks a connection out of the pool for every statement, and sqlx
//! pings each connection as it goes back (a `Sync` and a `ReadyForQuery`, in a task of its
//! own: `sqlx-core` 0.9 `PoolConnection::return_to_pool`; no option turns it off, and it is
//! what flushes a connection whose statement was cancelled half-way). Each of a case list's
//! reads cost a check-out and a ping. Inside a [`Reads::hold`] they share one check-out.
//! When the hold ends, a connection whose last read ended cleanly is kept for the next hold,
//! without the ping ([`super::kept`], which says why that is safe); any other goes back to the
//! pool and its ping.
//!
//! What is held, and for how long, is kept narrow on purpose:
//! - only reads: statements that begin with `SELECT`, and those a caller declares reads
//!   ([`Reads::read_all`]: the case page's `WITH`); everything else, `INSERT … RETURNING`
//!   included (sea-orm runs it as a query), goes to the pool;
//! - only on PostgreSQL, where the ping is a network round trip (SQLite's pool, with its own
//!   release check in `db/mod.rs`, is left as it is);
//! - only while a [`Hold`] lives, around code that does nothing but read. A request that kept
//!   a connection while it waited for a second one (a write's transaction) could, with as many
//!   such requests as the pool has connections, wait for ever.
//!
//! The price: reads under one hold run one after another. The case list's prefetch issues its
//! relations' reads together; held, they queue on the one connection (one statement for the
//! benchmark's page, read with its subjects and seizures; more for a page that selects every
//! relation).
//!
//! sea-orm's statement callback does not see statements it does not run, so the callbacks
//! (tests count statements, OpenTelemetry makes spans) are kept here as [`Observers`] and
//! called for both paths.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sea_orm::metric::Info;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

use super::kept::{self, Kept, Taken};

/// Called once per statement, with its text and how long it took.
pub type Observer = Arc<dyn Fn(&Info<'_>) + Send + Sync>;

/// Every statement observer of a process: installed as sea-orm's one callback for the pool,
/// and called by [`Reads`] for the statements it runs itself.
#[derive(Clone, Default)]
pub struct Observers(Vec<Observer>);

impl Observers {
    pub fn push(&mut self, observer: impl Fn(&Info<'_>) + Send + Sync + 'static) {
        self.0.push(Arc::new(observer));
    }

    /// With OpenTelemetry's span per statement, when traces are exported.
    pub fn with_traces(mut self) -> Observers {
        if let Some(span) = crate::telemetry::otel::statement_observer() {
            self.push(span);
        }
        self
    }

    /// Makes `db` call every observer. With none, `db` gets no callback at all: sea-orm then
    /// does not time its statements.
    pub fn install(&self, db: &mut DatabaseConnection) {
        if self.0.is_empty() {
            return;
        }
        let all = self.clone();
        db.set_metric_callback(move |info| all.notify(info));
    }

    pub(super) fn notify(&self, info: &Info<'_>) {
        for observer in &self.0 {
            observer(info);
        }
    }

    /// Runs `run` (the statement `stmt` on a connection sea-orm does not see) and tells every
    /// observer how long it took and whether it failed, as sea-orm's callback would.
    pub(super) async fn observed<T>(
        &self,
        stmt: &Statement,
        run: impl std::future::Future<Output = Result<T, DbErr>>,
    ) -> Result<T, DbErr> {
        let started = Instant::now();
        let done = run.await;
        self.notify(&Info {
            elapsed: started.elapsed(),
            statement: stmt,
            failed: done.is_err(),
        });
        done
    }
}

/// The process's side of every request's reads, made once: the pool, the statement observers,
/// and on PostgreSQL the connections kept between holds ([`Kept`]).
#[derive(Clone)]
pub struct ReadPool {
    db: DatabaseConnection,
    observers: Observers,
    /// `None` on SQLite, where nothing is held.
    kept: Option<Arc<Kept>>,
}

impl ReadPool {
    /// Up to half the pool's connections may be kept for reads between holds; writes and the
    /// holds beyond that check theirs out of the rest.
    pub fn new(db: &DatabaseConnection, observers: &Observers) -> ReadPool {
        let kept = (db.get_database_backend() == DbBackend::Postgres).then(|| {
            let pool = db.get_postgres_connection_pool().clone();
            let most = pool.options().get_max_connections() as usize / 2;
            let kept = Arc::new(Kept::new(pool, most));
            Kept::sweep_while_alive(&kept);
            kept
        });
        ReadPool {
            db: db.clone(),
            observers: observers.clone(),
            kept,
        }
    }

    /// Gives the kept connections back to the pool and keeps none from now on: before the
    /// pool is closed, whose `close` waits for every connection checked out of it.
    pub fn close(&self) {
        if let Some(kept) = &self.kept {
            kept.close();
        }
    }

    /// The reads of one request (or one subscription).
    pub fn reads(&self) -> Reads {
        Reads(Arc::new(Shared {
            pool: self.clone(),
            holds: AtomicUsize::new(0),
            conn: tokio::sync::Mutex::new(None),
        }))
    }
}

/// The reads of one request (or one subscription): the pool, and while a [`Hold`] lives, one
/// connection taken from it. Clones (one per loader) share it all.
#[derive(Clone)]
pub struct Reads(Arc<Shared>);

struct Shared {
    pool: ReadPool,
    holds: AtomicUsize,
    conn: tokio::sync::Mutex<Option<CheckedOut>>,
}

struct CheckedOut {
    taken: Taken,
    /// Set while a statement runs on it: still set when the next statement comes, the last
    /// one's future was dropped half-way, and the connection may be mid-exchange.
    busy: bool,
}

impl Shared {
    /// Gives the held connection back: kept for the next hold when its last statement ended
    /// cleanly, to the pool (and its ping) otherwise.
    fn release(&self, checked: Option<CheckedOut>) {
        if let (Some(checked), Some(kept)) = (checked, &self.pool.kept) {
            kept.give_back(checked.taken, !checked.busy);
        }
    }
}

/// While one lives, the reads of its [`Reads`] share one connection; the last one to go gives
/// the connection back.
#[must_use = "the connection is shared only while the hold lives"]
pub struct Hold {
    shared: Arc<Shared>,
}

impl Drop for Hold {
    fn drop(&mut self) {
        if self.shared.holds.fetch_sub(1, Ordering::SeqCst) != 1 {
            return;
        }
        match self.shared.conn.try_lock() {
            Ok(mut conn) => self.shared.release(conn.take()),
            // A statement has the lock: it gives the connection back itself if it sees no hold
            // left, but it may have looked just before this one went; check once it is done.
            Err(_) => {
                let shared = self.shared.clone();
                tokio::spawn(async move {
                    let mut conn = shared.conn.lock().await;
                    if shared.holds.load(Ordering::SeqCst) == 0 {
                        shared.release(conn.take());
                    }
                });
            }
        }
    }
}

impl Reads {
    /// Shares one connection between this request's reads until the hold is dropped. Hold it
    /// only around code that does nothing but read (see the module's doc).
    pub fn hold(&self) -> Hold {
        self.0.holds.fetch_add(1, Ordering::SeqCst);
        Hold {
            shared: self.0.clone(),
        }
    }

    /// The rows of `stmt`, which its caller declares a read: it writes nothing, however it
    /// begins. Under a hold it runs on the held connection as a `SELECT` does. For the case
    /// page's one statement, which begins `WITH` (`service::rows::page_beside`): the first
    /// word of a `WITH` does not tell a read from a write (`WITH … INSERT`), so only a caller
    /// that built the statement can say.
    pub async fn read_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.all_rows(stmt, true).await
    }

    /// `stmt`'s rows, from the held connection when it is a read under a hold (`declared`:
    /// [`Reads::held`]), else from the pool.
    async fn all_rows(&self, stmt: Statement, declared: bool) -> Result<Vec<QueryResult>, DbErr> {
        match self.held_rows(&stmt, declared).await {
            Some(rows) => Ok(rows?.collect()),
            None => self.0.pool.db.query_all_raw(stmt).await,
        }
    }

    /// Where to take the held connection from, when `stmt` is a read under a hold: a `SELECT`,
    /// or a statement its caller `declared` a read ([`Reads::read_all`]).
    fn held(&self, stmt: &Statement, declared: bool) -> Option<&Kept> {
        let read = declared || stmt.sql.trim_start().starts_with("SELECT");
        self.0
            .pool
            .kept
            .as_deref()
            .filter(|_| read && self.0.holds.load(Ordering::SeqCst) > 0)
    }

    /// `stmt`'s rows from the held connection; `None` when it is not held (the pool answers).
    async fn held_rows(
        &self,
        stmt: &Statement,
        declared: bool,
    ) -> Option<Result<impl Iterator<Item = QueryResult> + use<>, DbErr>> {
        let kept = self.held(stmt, declared)?;
        Some(
            self.fetch_held(kept, stmt)
                .await
                .map(|rows| rows.into_iter().map(QueryResult::from)),
        )
    }

    /// Runs `stmt` on the held connection, taking one first if none is held yet.
    async fn fetch_held(&self, kept: &Kept, stmt: &Statement) -> Result<Vec<PgRow>, DbErr> {
        let mut slot = self.0.conn.lock().await;
        if slot.as_ref().is_some_and(|c| c.busy) {
            // Back to the pool with it: sqlx's release ping settles it or closes it.
            self.0.release(slot.take());
        }
        let checked = match &mut *slot {
            Some(checked) => checked,
            None => slot.insert(CheckedOut {
                taken: kept.take().await?,
                busy: false,
            }),
        };
        checked.busy = true;
        let rows = (self.0.pool.observers)
            .observed(stmt, kept::fetch(&mut checked.taken.conn, stmt))
            .await;
        checked.busy = false;
        if rows.is_err() {
            // A failed statement may have left the connection dead: not kept, but back to the
            // pool, as sea-orm's own path would (the release ping closes a dead one).
            drop(slot.take());
        } else if self.0.holds.load(Ordering::SeqCst) == 0 {
            self.0.release(slot.take());
        }
        rows
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        self.0.pool.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.0.pool.db.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.0.pool.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self.held_rows(&stmt, false).await {
            Some(rows) => Ok(rows?.next()),
            None => self.0.pool.db.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.all_rows(stmt, false).await
    }

    fn support_returning(&self) -> bool {
        self.0.pool.db.support_returning()
    }
}
