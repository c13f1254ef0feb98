//! A request's reads, and the one place where a run of them shares a pooled connection.
//!
//! Why (issue 11): sea-orm checks a connection out of the pool for every statement, and sqlx
//! pings each connection as it goes back (a `Sync` and a `ReadyForQuery`, in a task of its
//! own: `sqlx-core` 0.9 `PoolConnection::return_to_pool`; no option turns it off, and it is
//! what flushes a connection whose statement was cancelled half-way). A case list's three reads
//! cost three check-outs and three pings. Inside a [`Reads::hold`] they share one check-out,
//! and so one ping: the round trip is paid per run of reads, not per statement.
//!
//! What is held, and for how long, is kept narrow on purpose:
//! - only reads: statements that begin with `SELECT`; everything else, `INSERT … RETURNING`
//!   included (sea-orm runs it as a query), goes to the pool;
//! - only on PostgreSQL, where the ping is a network round trip (SQLite's pool, with its own
//!   release check in `db/mod.rs`, is left as it is);
//! - only while a [`Hold`] lives, around code that does nothing but read. A request that kept
//!   a connection while it waited for a second one (a write's transaction) could, with as many
//!   such requests as the pool has connections, wait for ever.
//!
//! The price: reads under one hold run one after another. The case list's prefetch issues its
//! relations' reads together; held, they queue on the one connection (two statements for the
//! benchmark's page; more for a page that selects every relation).
//!
//! sea-orm's statement callback does not see statements it does not run, so the callbacks
//! (tests count statements, OpenTelemetry makes spans) are kept here as [`Observers`] and
//! called for both paths.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sea_orm::metric::Info;
use sea_orm::sea_query::Values;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{self, PgPool, Postgres, pool::PoolConnection};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement,
};
use sea_query_sqlx::SqlxValues;

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

    fn notify(&self, info: &Info<'_>) {
        for observer in &self.0 {
            observer(info);
        }
    }
}

/// The reads of one request (or one subscription): the pool, and while a [`Hold`] lives, one
/// connection checked out of it. Clones (one per loader) share it all.
#[derive(Clone)]
pub struct Reads(Arc<Shared>);

struct Shared {
    db: DatabaseConnection,
    /// The PostgreSQL pool; `None` on SQLite, where nothing is held.
    pg: Option<PgPool>,
    observers: Observers,
    holds: AtomicUsize,
    conn: tokio::sync::Mutex<Option<CheckedOut>>,
}

struct CheckedOut {
    conn: PoolConnection<Postgres>,
    /// Set while a statement runs on it: still set when the next statement comes, the last
    /// one's future was dropped half-way, and the connection may be mid-exchange.
    busy: bool,
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
            Ok(mut conn) => drop(conn.take()),
            // A statement has the lock: it gives the connection back itself if it sees no hold
            // left, but it may have looked just before this one went; check once it is done.
            Err(_) => {
                let shared = self.shared.clone();
                tokio::spawn(async move {
                    let mut conn = shared.conn.lock().await;
                    if shared.holds.load(Ordering::SeqCst) == 0 {
                        conn.take();
                    }
                });
            }
        }
    }
}

impl Reads {
    pub fn new(db: &DatabaseConnection, observers: &Observers) -> Reads {
        let pg = (db.get_database_backend() == DbBackend::Postgres)
            .then(|| db.get_postgres_connection_pool().clone());
        Reads(Arc::new(Shared {
            db: db.clone(),
            pg,
            observers: observers.clone(),
            holds: AtomicUsize::new(0),
            conn: tokio::sync::Mutex::new(None),
        }))
    }

    /// Shares one connection between this request's reads until the hold is dropped. Hold it
    /// only around code that does nothing but read (see the module's doc).
    pub fn hold(&self) -> Hold {
        self.0.holds.fetch_add(1, Ordering::SeqCst);
        Hold {
            shared: self.0.clone(),
        }
    }

    /// The pool to check the held connection out of, when `stmt` is a read under a hold.
    fn held(&self, stmt: &Statement) -> Option<&PgPool> {
        self.0.pg.as_ref().filter(|_| {
            self.0.holds.load(Ordering::SeqCst) > 0 && stmt.sql.trim_start().starts_with("SELECT")
        })
    }

    /// `stmt`'s rows from the held connection; `None` when it is not held (the pool answers).
    async fn held_rows(
        &self,
        stmt: &Statement,
    ) -> Option<Result<impl Iterator<Item = QueryResult> + use<>, DbErr>> {
        let pool = self.held(stmt)?;
        Some(
            self.fetch_held(pool, stmt)
                .await
                .map(|rows| rows.into_iter().map(QueryResult::from)),
        )
    }

    /// Runs `stmt` on the held connection, checking one out first if none is held yet.
    async fn fetch_held(&self, pool: &PgPool, stmt: &Statement) -> Result<Vec<PgRow>, DbErr> {
        let mut slot = self.0.conn.lock().await;
        if slot.as_ref().is_some_and(|c| c.busy) {
            // Back to the pool with it: sqlx's release ping settles it or closes it.
            slot.take();
        }
        let checked = match &mut *slot {
            Some(checked) => checked,
            None => slot.insert(CheckedOut {
                conn: pool.acquire().await.map_err(acquire_error)?,
                busy: false,
            }),
        };
        checked.busy = true;
        let started = Instant::now();
        let values = stmt.values.clone().unwrap_or(Values(Vec::new()));
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
            .fetch_all(&mut *checked.conn)
            .await;
        checked.busy = false;
        self.0.observers.notify(&Info {
            elapsed: started.elapsed(),
            statement: stmt,
            failed: rows.is_err(),
        });
        // A failed statement may have left the connection dead: back to the pool with it too,
        // as sea-orm's own path would (the release ping closes a dead one).
        if rows.is_err() || self.0.holds.load(Ordering::SeqCst) == 0 {
            slot.take();
        }
        rows.map_err(|e| DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))))
    }
}

/// The errors sea-orm gives for a failed check-out, so `db::is_unavailable` reads them alike.
fn acquire_error(err: sqlx::Error) -> DbErr {
    match err {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => {
            DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed)
        }
        other => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(other))),
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        self.0.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.0.db.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.0.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self.held_rows(&stmt).await {
            Some(rows) => Ok(rows?.next()),
            None => self.0.db.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self.held_rows(&stmt).await {
            Some(rows) => Ok(rows?.collect()),
            None => self.0.db.query_all_raw(stmt).await,
        }
    }

    fn support_returning(&self) -> bool {
        self.0.db.support_returning()
    }
}
