//! The database pool, in one place: how connections are opened, when a connection is thrown
//! away instead of reused, which database errors mean "the database is unavailable" rather
//! than a bug, and the write probe behind `/readyz`.
//!
//! Why the pool needs a guard (issue 8): sqlx counts transaction depth per connection and only
//! lowers it when `COMMIT`/`ROLLBACK` succeeds. When SQLite has already ended a transaction
//! itself (disk full, I/O error) the `ROLLBACK` fails, the count stays at 1, and the next
//! `begin` on that connection issues a `SAVEPOINT` instead of `BEGIN IMMEDIATE` — nested in
//! whatever SQLite now thinks is going on. A connection that SQLite opened read-only (because
//! the file was read-only at that moment) stays read-only for its whole life. Either way the
//! pool would keep handing out a connection that can never write correctly again. The
//! `after_release` hook below closes any connection that comes back still inside a
//! transaction (by sqlx's count *or* by SQLite's own autocommit flag), or read-only, or that
//! has lived through a storage fault (a connection can be left half read-only — its WAL index
//! opened read-only — in ways SQLite does not report); the pool opens a fresh one on demand,
//! so writes recover as soon as the disk or file does.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::sqlx::{self, Connection};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

use crate::config::sqlite_path;

mod kept;
mod reads;
pub use reads::{Hold, Observer, Observers, ReadPool, Reads};

/// How to reach the database and how long to wait for it.
#[derive(Debug, Clone)]
pub struct DbSettings {
    /// `DATABASE_URL`.
    pub url: String,
    /// `HUB389_DB_TIMEOUT` (seconds, default 3): the longest a request waits for a pooled
    /// connection (and SQLite for a lock). With the database down, requests fail after this
    /// with `UNAVAILABLE` instead of hanging.
    pub timeout: Duration,
    /// Extra SQLite pragmas applied to every new connection (tests use `max_page_count` to
    /// make the disk "full").
    pub sqlite_pragmas: Vec<(String, String)>,
    /// PostgreSQL's `statement_timeout` for every connection (`HUB389_STATEMENT_TIMEOUT`).
    pub statement_timeout: Option<Duration>,
    /// Log each statement (INFO, target `sqlx::query`), for counting them (`HUB389_LOG_STATEMENTS`).
    pub log_statements: bool,
    /// The most pooled connections (`HUB389_DB_POOL_SIZE`); `None`: [`SQLITE_POOL`] or
    /// [`POSTGRES_POOL`].
    pub pool_size: Option<u32>,
}

/// SQLite's default pool: readers run in parallel in WAL mode, writers queue on the lock.
pub const SQLITE_POOL: u32 = 8;
/// PostgreSQL's default pool per instance. A case list uses up to three connections at once
/// (the page, then subjects and seizures side by side). On the benchmark machine (2 cores) 10
/// and 20 gave the same throughput at 16 concurrent clients; several instances share one
/// server, so lower it there (`HUB389_DB_POOL_SIZE`) to keep the sum near what the server runs.
pub const POSTGRES_POOL: u32 = 20;

impl DbSettings {
    pub fn new(url: impl Into<String>) -> DbSettings {
        DbSettings {
            url: url.into(),
            timeout: Duration::from_secs(3),
            sqlite_pragmas: Vec::new(),
            statement_timeout: Some(Duration::from_secs(10)),
            log_statements: false,
            pool_size: None,
        }
    }
}

/// A pooled connection idle this long is pinged before it is used again.
const IDLE_PING: Duration = Duration::from_secs(30);

/// Opens the pool. SQLite: creates the file if needed; WAL with `synchronous=FULL`, so a
/// committed write survives a power cut, not only a crash of the process (the cost is one
/// extra fsync per commit, small next to a GraphQL request); `secure_delete` so text we
/// overwrite (informants encrypted at start, edited records) does not linger in free pages.
pub async fn connect(settings: &DbSettings) -> anyhow::Result<DatabaseConnection> {
    let mut url = settings.url.clone();
    let sqlite = url.starts_with("sqlite:");
    if sqlite && sqlite_path(&url).is_some() && !url.contains("mode=") {
        url.push_str(if url.contains('?') {
            "&mode=rwc"
        } else {
            "?mode=rwc"
        });
    }
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(settings.log_statements)
        .acquire_timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        // sea-orm pings every connection it hands out: one extra round trip per statement
        // (issue 11 counted 21 round trips for 7 statements). Only a connection idle long
        // enough to have been dropped by the server or a proxy is pinged; a hot one that
        // died anyway fails its statement as `UNAVAILABLE` and is closed when sqlx's
        // on-release ping (which cannot be turned off) fails.
        .test_before_acquire_if_idle_for(IDLE_PING);
    if sqlite {
        let pragmas = settings.sqlite_pragmas.clone();
        let busy = settings.timeout;
        opts.max_connections(settings.pool_size.unwrap_or(SQLITE_POOL))
            .map_sqlx_sqlite_opts(move |o| {
                use sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                let mut o = o
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(busy)
                    .foreign_keys(true)
                    .pragma("secure_delete", "ON");
                for (k, v) in &pragmas {
                    o = o.pragma(k.clone(), v.clone());
                }
                o
            })
            .map_sqlx_sqlite_pool_opts(|p| {
                p.after_release(|conn, meta| {
                    Box::pin(async move { sqlite_reusable(conn, meta.age).await })
                })
            });
    } else {
        // Set on each new connection with `SET` rather than in the startup packet's options,
        // which PgBouncer refuses by default.
        let statement_timeout_ms = settings
            .statement_timeout
            .filter(|t| !t.is_zero())
            .map(|t| t.as_millis());
        // A lock waited for no longer than a connection (`HUB389_DB_TIMEOUT`), as on SQLite
        // (`busy_timeout`): a write held up by another's lock is `UNAVAILABLE` then (55P03),
        // not after the whole statement timeout.
        let lock_timeout_ms = Some(settings.timeout)
            .filter(|t| !t.is_zero())
            .map(|t| t.as_millis());
        opts.max_connections(settings.pool_size.unwrap_or(POSTGRES_POOL))
            .map_sqlx_postgres_pool_opts(move |p| {
                p.after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        for (setting, ms) in [
                            ("statement_timeout", statement_timeout_ms),
                            ("lock_timeout", lock_timeout_ms),
                        ] {
                            if let Some(ms) = ms {
                                // Integers we formatted ourselves: safe to inline.
                                let sql = format!("SET {setting} = {ms}");
                                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                                    .execute(&mut *conn)
                                    .await?;
                            }
                        }
                        Ok(())
                    })
                })
                .after_release(|conn, _meta| {
                    Box::pin(async move {
                        // A failed COMMIT/ROLLBACK leaves sqlx's depth above zero.
                        let clean = !conn.is_in_transaction();
                        if !clean {
                            tracing::warn!(
                                "discarding a pooled connection left inside a transaction"
                            );
                        }
                        Ok(clean)
                    })
                })
            });
    }
    Database::connect(opts).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot open the database at {} (DATABASE_URL): {}",
            crate::config::redact_url(&settings.url),
            describe(&e)
        )
    })
}

/// Whether a SQLite connection coming back to the pool may be reused. `lock_handle` goes
/// through the connection's worker queue, so a `ROLLBACK` queued by a dropped transaction has
/// run (or failed) by the time we look.
async fn sqlite_reusable(
    conn: &mut sqlx::SqliteConnection,
    age: Duration,
) -> Result<bool, sqlx::Error> {
    let (autocommit, read_only) = {
        let mut handle = conn.lock_handle().await?;
        let raw = handle.as_raw_handle().as_ptr();
        // SAFETY: `raw` is the live handle of this connection, held exclusively through
        // `handle` for the duration of both calls; neither call retains the pointer.
        unsafe {
            (
                libsqlite3_sys::sqlite3_get_autocommit(raw) != 0,
                libsqlite3_sys::sqlite3_db_readonly(raw, c"main".as_ptr()) == 1,
            )
        }
    };
    let depth_clean = !conn.is_in_transaction();
    let through_fault = lived_through_fault(age);
    let reusable = autocommit && depth_clean && !read_only && !through_fault;
    if !reusable {
        tracing::warn!(
            sqlite_in_transaction = !autocommit,
            sqlx_in_transaction = !depth_clean,
            read_only,
            through_fault,
            "discarding a pooled SQLite connection that cannot be reused safely"
        );
    }
    Ok(reusable)
}

/// When the last storage fault (disk full, read-only file, I/O error) was seen, in
/// milliseconds since [`epoch`], plus one (0: never).
static LAST_STORAGE_FAULT: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn since_epoch(at: Instant) -> u64 {
    at.saturating_duration_since(epoch()).as_millis() as u64 + 1
}

/// Remembers it when `err` is a failure of SQLite's storage (full, read-only, I/O). Each
/// pooled connection opened before now is then replaced once it comes back, and `/readyz` is
/// red for [`FAULT_HOLD`]. Called wherever a database error is seen (error conversion, the
/// readiness probe).
pub fn note_if_storage_fault(err: &DbErr) {
    use sea_orm::RuntimeErr;
    if let DbErr::Conn(RuntimeErr::SqlxError(e))
    | DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e)) = err
        && let sqlx::Error::Database(db) = &**e
        && db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
        && sqlite_storage_fault(&db.code().unwrap_or_default())
    {
        LAST_STORAGE_FAULT.fetch_max(since_epoch(Instant::now()), Ordering::SeqCst);
    }
}

/// How long readiness stays red after a storage fault: long enough for a load balancer to
/// notice a failing instance, short enough to come back once storage has.
const FAULT_HOLD: Duration = Duration::from_secs(2);

/// Whether a connection opened `age` ago was open when the last storage fault happened.
fn lived_through_fault(age: Duration) -> bool {
    let last = LAST_STORAGE_FAULT.load(Ordering::SeqCst);
    let opened = Instant::now().checked_sub(age).unwrap_or_else(epoch);
    last != 0 && since_epoch(opened) <= last
}

/// Whether a storage fault was seen within [`FAULT_HOLD`].
fn recent_storage_fault() -> bool {
    let last = LAST_STORAGE_FAULT.load(Ordering::SeqCst);
    last != 0 && since_epoch(Instant::now()).saturating_sub(last) < FAULT_HOLD.as_millis() as u64
}

/// True when the error means the database cannot be used right now (unreachable, shutting
/// down, out of space, read-only, locked past the timeout) rather than a bug or bad input.
/// Such errors reach clients as `UNAVAILABLE` with HTTP 503 and `Retry-After`.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let sqlx_err = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match &**sqlx_err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                sqlite_unavailable(&code)
            } else {
                postgres_unavailable(&code)
            }
        }
        _ => false,
    }
}

/// SQLite result codes that mean "not now" (extended codes carry the primary one in the low
/// byte): SQLITE_BUSY 5, SQLITE_LOCKED 6, SQLITE_NOMEM 7, SQLITE_READONLY 8, SQLITE_IOERR 10,
/// SQLITE_FULL 13, SQLITE_CANTOPEN 14, SQLITE_PROTOCOL 15.
fn sqlite_unavailable(code: &str) -> bool {
    code.parse::<i32>()
        .is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 7 | 8 | 10 | 13 | 14 | 15))
}

/// SQLite result codes that mean the storage itself failed (not mere lock contention):
/// SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
fn sqlite_storage_fault(code: &str) -> bool {
    code.parse::<i32>()
        .is_ok_and(|n| matches!(n & 0xff, 8 | 10 | 13 | 14))
}

/// PostgreSQL SQLSTATEs that mean "not now".
fn postgres_unavailable(code: &str) -> bool {
    // 08 connection exception, 53 insufficient resources (disk full, out of memory, too many
    // connections), 57 operator intervention (shutdown, cannot connect now), 58 system error,
    // 25006 read-only transaction (a standby), 40001/40P01 serialization failure and deadlock
    // (worth a retry), 55P03 a lock not had within `lock_timeout`, 25P03 a connection closed
    // for idling inside a transaction (both answered `INTERNAL` before a fault review).
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57")
        || code.starts_with("58")
        || code == "25006"
        || code == "40001"
        || code == "40P01"
        || code == "55P03"
        || code == "25P03"
}

/// A one-line cause for start-up messages (the driver's own words, no URL).
pub fn describe(err: &DbErr) -> String {
    use sea_orm::RuntimeErr;
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e.to_string(),
        DbErr::ConnectionAcquire(_) => "no connection within the timeout (is it running?)".into(),
        other => other.to_string(),
    }
}

/// The main pool's use now — connections held, idle ones, the bound — for `/metrics`; `None` for
/// a connection that is not a sqlx pool.
pub fn pool_use(db: &DatabaseConnection) -> Option<(u32, usize, u32)> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            Some((p.size(), p.num_idle(), p.options().get_max_connections()))
        }
        DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            Some((p.size(), p.num_idle(), p.options().get_max_connections()))
        }
        _ => None,
    }
}

/// Where what may commit without waiting for the WAL flush is written (the read audit).
/// On PostgreSQL: one connection of its own, opened like the main pool's, with
/// `synchronous_commit = off` for its whole session (so each batch is one statement, not
/// BEGIN, SET LOCAL, INSERT, COMMIT), kept between statements without sqlx's release ping
/// ([`kept`]). Elsewhere: the main pool itself.
pub struct Unflushed {
    to: Unflushing,
    /// On PostgreSQL, spans when traces are exported: the request pool's other observers
    /// (tests' statement counts) do not see the audit's batches. Elsewhere the main pool's
    /// callback sees them with all its observers, and these are empty.
    observers: Observers,
}

enum Unflushing {
    /// Not PostgreSQL: the main pool.
    Pool(DatabaseConnection),
    /// PostgreSQL: the one connection of its own pool, kept.
    Kept(kept::Kept),
}

impl Unflushed {
    pub fn backend(&self) -> DbBackend {
        match &self.to {
            Unflushing::Pool(db) => db.get_database_backend(),
            Unflushing::Kept(_) => DbBackend::Postgres,
        }
    }

    /// Runs `stmt` for its effect, observed like every other statement.
    pub async fn execute(&self, stmt: Statement) -> Result<(), DbErr> {
        let kept = match &self.to {
            Unflushing::Pool(db) => return db.execute_raw(stmt).await.map(|_| ()),
            Unflushing::Kept(kept) => kept,
        };
        let mut taken = kept.take().await?;
        let done = (self.observers)
            .observed(&stmt, kept::execute(&mut taken.conn, &stmt))
            .await;
        // A failed insert may have left the connection dead: back to the pool, whose ping
        // closes a dead one; the next statement then opens a new one.
        kept.give_back(taken, done.is_ok());
        done
    }
}

/// The [`Unflushed`] writer of `db`'s database. Without the ping before use: a dead connection
/// fails its statement and is replaced.
pub fn unflushed(db: &DatabaseConnection) -> Unflushed {
    if db.get_database_backend() != DbBackend::Postgres {
        return Unflushed {
            to: Unflushing::Pool(db.clone()),
            observers: Observers::default(),
        };
    }
    let main = db.get_postgres_connection_pool();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(main.options().get_acquire_timeout())
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                sqlx::raw_sql("SET synchronous_commit = off")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .connect_lazy_with((*main.connect_options()).clone());
    Unflushed {
        to: Unflushing::Kept(kept::Kept::new(pool, 1)),
        observers: Observers::default().with_traces(),
    }
}

/// A small PostgreSQL pool of its own beside the request pool, with the same server and
/// connection settings: for background connections that requests must never queue behind,
/// and that must not take a request's place (the events' `LISTEN` and `NOTIFY`). Call it
/// only on PostgreSQL.
pub fn side_pool(db: &DatabaseConnection, size: u32) -> sqlx::PgPool {
    let main = db.get_postgres_connection_pool();
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(main.options().get_acquire_timeout())
        .connect_lazy_with((*main.connect_options()).clone())
}

/// Begins a transaction without the pool's statement timeout on PostgreSQL
/// ([`migration::lift_statement_timeout`]), for the maintenance commands that read every case
/// (a recount, a rebuild of the rollups).
pub async fn begin_unbounded(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    migration::lift_statement_timeout(&txn).await?;
    Ok(txn)
}

/// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`: a deferred transaction that
/// reads, then writes, fails with "database is locked" when another writer got in between
/// (the busy timeout cannot help a lock upgrade); taking the write lock up front makes
/// concurrent writers queue instead. PostgreSQL ignores the option.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    db.begin_with_options(options).await
}

/// The readiness write probe: allocates storage and commits, so it fails exactly when writes
/// fail (disk full, read-only file, standby, lost connection). The 8 KiB value needs a fresh
/// page on SQLite; the row is deleted in the same transaction, so nothing accumulates. At
/// start-up (`create`) it also creates its table, as migrations may not have run yet.
pub async fn probe_write(db: &DatabaseConnection, create: bool) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    let backend = txn.get_database_backend();
    if create {
        txn.execute_unprepared(match backend {
            DbBackend::Postgres => {
                "CREATE TABLE IF NOT EXISTS write_probe (id bigserial PRIMARY KEY, payload text)"
            }
            _ => "CREATE TABLE IF NOT EXISTS write_probe (id integer PRIMARY KEY AUTOINCREMENT, payload text)",
        })
        .await?;
    }
    let (insert, delete) = match backend {
        DbBackend::Postgres => (
            "INSERT INTO write_probe (payload) VALUES (repeat('x', 8192))",
            "DELETE FROM write_probe",
        ),
        _ => (
            "INSERT INTO write_probe (payload) VALUES (zeroblob(8192))",
            "DELETE FROM write_probe",
        ),
    };
    txn.execute_unprepared(insert).await?;
    txn.execute_unprepared(delete).await?;
    txn.commit().await
}

/// Runs the write probe with a time bound, for `/readyz` and start-up.
///
/// A probe answers on one pooled connection while others may be failing, so a storage fault
/// seen by any request within the last [`FAULT_HOLD`] also makes it red.
pub async fn ready(db: &DatabaseConnection, bound: Duration) -> Result<(), String> {
    probe(db, bound, false).await?;
    if recent_storage_fault() {
        return Err("writes failed on storage within the last seconds".into());
    }
    Ok(())
}

async fn probe(db: &DatabaseConnection, bound: Duration, create: bool) -> Result<(), String> {
    match tokio::time::timeout(bound, probe_write(db, create)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            note_if_storage_fault(&e);
            Err(describe(&e))
        }
        Err(_) => Err(format!("no answer within {} ms", bound.as_millis())),
    }
}

/// Checks at start-up that the database accepts writes, naming the file (SQLite) or the
/// address (PostgreSQL) when it does not.
pub async fn check_writable(db: &DatabaseConnection, url: &str) -> anyhow::Result<()> {
    let bound = Duration::from_secs(5);
    probe(db, bound, true).await.map_err(|cause| {
        anyhow::anyhow!(
            "the database {} does not accept writes: {cause}",
            sqlite_path(url)
                .map(|p| format!("file {p}"))
                .unwrap_or_else(|| crate::config::redact_url(url))
        )
    })
}

/// Whether a table exists (before migrations have run, to check keys first).
pub async fn table_exists(db: &DatabaseConnection, table: &str) -> anyhow::Result<bool> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => format!(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
        _ => format!("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{table}'"),
    };
    Ok(db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .context("reading the database schema")?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_codes() {
        // SQLITE_FULL, SQLITE_READONLY_DBMOVED (extended), SQLITE_IOERR_WRITE.
        assert!(sqlite_unavailable("13"));
        assert!(sqlite_unavailable("1032"));
        assert!(sqlite_unavailable("778"));
        // SQLITE_CONSTRAINT_UNIQUE is the client's doing.
        assert!(!sqlite_unavailable("2067"));
        // PostgreSQL: admin shutdown, disk full, connection failure; not unique violation nor
        // bad input, even where the SQLSTATE happens to be all digits.
        assert!(postgres_unavailable("57P01"));
        assert!(postgres_unavailable("53100"));
        assert!(postgres_unavailable("08006"));
        assert!(postgres_unavailable("55P03"), "lock_timeout");
        assert!(
            postgres_unavailable("25P03"),
            "idle_in_transaction_session_timeout"
        );
        assert!(!postgres_unavailable("23505"));
        assert!(!postgres_unavailable("22021"));
    }
}
