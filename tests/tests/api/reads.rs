//! `db::Reads`: a run of reads under a hold shares one pooled connection on PostgreSQL, keeps
//! it for the next hold when the run ended cleanly (so sqlx's release ping is not paid per
//! run) and gives it back to the pool otherwise, survives a read cancelled half-way, and is
//! still seen by the statement observers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use api::db::{DbSettings, Observers, ReadPool, Reads};
use hub389_tests::{Backend, backend, fresh_database_url};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

async fn pool() -> (DatabaseConnection, tempfile::TempDir) {
    pool_of(4).await
}

async fn pool_of(size: u32) -> (DatabaseConnection, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = fresh_database_url(dir.path()).await;
    let settings = DbSettings {
        pool_size: Some(size),
        timeout: Duration::from_secs(2),
        ..DbSettings::new(&url)
    };
    (api::db::connect(&settings).await.expect("connect"), dir)
}

/// A pool of `size`, the read pool over it without observers, and one request's reads; `None`
/// on SQLite, where nothing is held.
async fn postgres_reads(
    size: u32,
) -> Option<(DatabaseConnection, tempfile::TempDir, ReadPool, Reads)> {
    if backend() == Backend::Sqlite {
        return None;
    }
    let (db, dir) = pool_of(size).await;
    let pool = ReadPool::new(&db, &Observers::default());
    let reads = pool.reads();
    Some((db, dir, pool, reads))
}

/// The connection another request's hold reads on: the kept one, when one is kept.
async fn next_hold_reads_on(pool: &ReadPool) -> i64 {
    let reads = pool.reads();
    let _hold = reads.hold();
    number(&reads, BACKEND_PID).await
}

/// The connections checked out of the pool now.
fn in_use(db: &DatabaseConnection) -> usize {
    let (size, idle, _) = api::db::pool_use(db).expect("a sqlx pool");
    size as usize - idle
}

/// Waits (bounded) until every connection is back in the pool: a released connection goes
/// back after sqlx's ping, on a task of its own.
async fn settled(db: &DatabaseConnection) -> bool {
    settled_to(db, 0).await
}

/// Waits (bounded) until `kept` connections are out of the pool, the ones kept for reads.
async fn settled_to(db: &DatabaseConnection, kept: usize) -> bool {
    for _ in 0..1000 {
        if in_use(db) == kept {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

async fn number<C: ConnectionTrait>(conn: &C, sql: &str) -> i64 {
    let stmt = Statement::from_string(conn.get_database_backend(), sql);
    let row = conn
        .query_one_raw(stmt)
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a number")
}

const BACKEND_PID: &str = "SELECT CAST(pg_backend_pid() AS BIGINT)";

#[tokio::test]
async fn held_reads_share_one_connection_and_keep_it_for_the_next_hold() {
    let (mut db, _dir) = pool().await;
    let seen = Arc::new(AtomicU64::new(0));
    let counter = seen.clone();
    let mut observers = Observers::default();
    observers.push(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    observers.install(&mut db); // as the application does
    let pool = ReadPool::new(&db, &observers);
    let reads = pool.reads();
    assert!(settled(&db).await);
    if backend() == Backend::Sqlite {
        // Nothing is held on SQLite: each read checks a connection out and gives it back.
        let _hold = reads.hold();
        assert_eq!(number(&reads, "SELECT CAST(7 AS BIGINT)").await, 7);
        assert!(settled(&db).await, "a SQLite read kept its connection");
        assert_eq!(seen.load(Ordering::SeqCst), 1);
        return;
    }
    let hold = reads.hold();
    let first = number(&reads, BACKEND_PID).await;
    assert_eq!(
        in_use(&db),
        1,
        "the hold keeps its connection between reads"
    );
    // Reads from clones (the request's loaders) share it too.
    let loaders = reads.clone();
    assert_eq!(number(&loaders, BACKEND_PID).await, first);
    assert_eq!(number(&reads, BACKEND_PID).await, first);
    assert_eq!(in_use(&db), 1);
    assert_eq!(
        seen.load(Ordering::SeqCst),
        3,
        "every held read is observed"
    );
    // Only reads are held: a statement that does not begin with SELECT goes to the pool, so
    // to another connection while this one is checked out.
    let other = number(
        &reads,
        "WITH p AS (SELECT pg_backend_pid() AS p) SELECT CAST(p AS BIGINT) FROM p",
    )
    .await;
    assert_ne!(other, first, "a statement other than a SELECT was held");
    // Unless its caller declares it a read (the case page's `WITH`): then it is held.
    let declared = Statement::from_string(
        reads.get_database_backend(),
        "WITH p AS (SELECT pg_backend_pid() AS p) SELECT CAST(p AS BIGINT) FROM p",
    );
    let rows = reads.read_all(declared).await.expect("a read");
    let pid = rows[0].try_get_by_index::<i64>(0).expect("a number");
    assert_eq!(pid, first, "a declared read was not held");
    drop(hold);
    assert!(
        settled_to(&db, 1).await,
        "the other statement's connection went back to the pool"
    );
    assert_eq!(
        in_use(&db),
        1,
        "the clean connection is kept, not given back"
    );
    // Without a hold, reads go through sea-orm's pool as before.
    assert_eq!(number(&reads, "SELECT CAST(7 AS BIGINT)").await, 7);
    assert_eq!(
        seen.load(Ordering::SeqCst),
        6,
        "observed once, by sea-orm's callback"
    );
    // The next request's hold takes the kept connection: no check-out, no ping.
    assert_eq!(next_hold_reads_on(&pool).await, first);
    assert!(settled_to(&db, 1).await);
    // Closing gives it back (the pool's close waits for every connection checked out).
    pool.close();
    assert!(settled(&db).await, "a kept connection outlived close");
}

#[tokio::test]
async fn a_connection_whose_read_failed_is_not_kept() {
    let Some((db, _dir, pool, reads)) = postgres_reads(4).await else {
        return; // nothing is held on SQLite
    };
    let hold = reads.hold();
    assert!(number(&reads, BACKEND_PID).await > 0);
    let failing = Statement::from_string(reads.get_database_backend(), "SELECT 1 / 0");
    assert!(reads.query_one_raw(failing).await.is_err());
    drop(hold);
    assert!(
        settled(&db).await,
        "the connection of a failed read went back to the pool"
    );
    // The next hold checks a connection out of the pool again (possibly the same one, pinged),
    // and keeps that one: the hold after it reads on it.
    let hold = reads.hold();
    let checked_out = number(&reads, BACKEND_PID).await;
    drop(hold);
    assert_eq!(next_hold_reads_on(&pool).await, checked_out);
    assert!(settled_to(&db, 1).await);
}

#[tokio::test]
async fn no_more_than_half_the_pool_is_kept() {
    let Some((db, _dir, pool, _)) = postgres_reads(4).await else {
        return; // nothing is held on SQLite
    };
    // Three requests hold a connection each at once; when they end, two are kept.
    let all: Vec<Reads> = (0..3).map(|_| pool.reads()).collect();
    let holds: Vec<_> = all.iter().map(|r| r.hold()).collect();
    for r in &all {
        assert_eq!(number(r, "SELECT CAST(1 AS BIGINT)").await, 1);
    }
    assert_eq!(in_use(&db), 3);
    drop(holds);
    assert!(settled_to(&db, 2).await, "more than half the pool was kept");
}

#[tokio::test]
async fn a_held_read_cancelled_half_way_does_not_spoil_the_next() {
    let Some((db, _dir, _, reads)) = postgres_reads(4).await else {
        return; // nothing is held on SQLite
    };
    let hold = reads.hold();
    let first = number(&reads, BACKEND_PID).await;
    let slow = Statement::from_string(
        reads.get_database_backend(),
        "SELECT CAST(1 AS BIGINT) FROM pg_sleep(1)",
    );
    let cancelled =
        tokio::time::timeout(Duration::from_millis(100), reads.query_one_raw(slow)).await;
    assert!(
        cancelled.is_err(),
        "the slow read was meant to be cancelled"
    );
    // The connection the cancelled read left mid-exchange is not reused: the next read
    // answers its own question, on another connection.
    let next = number(&reads, BACKEND_PID).await;
    assert_ne!(next, first, "a connection left mid-statement was reused");
    assert_eq!(number(&reads, "SELECT CAST(41 + 1 AS BIGINT)").await, 42);
    drop(hold);
    assert!(
        settled_to(&db, 1).await,
        "the cancelled read's connection went back to the pool, the clean one is kept"
    );
}

#[tokio::test]
async fn a_held_connection_is_not_in_the_pool_until_the_hold_ends() {
    // A pool of one: while the hold keeps the connection, the pool has nothing to give.
    let Some((db, _dir, _, reads)) = postgres_reads(1).await else {
        return; // nothing is held on SQLite
    };
    let hold = reads.hold();
    assert_eq!(number(&reads, "SELECT CAST(1 AS BIGINT)").await, 1);
    let stmt = Statement::from_string(db.get_database_backend(), "SELECT CAST(2 AS BIGINT)");
    let refused = db.query_one_raw(stmt).await;
    assert!(
        api::db::is_unavailable(&refused.expect_err("the pool had a connection to give")),
        "a check-out that timed out reads as the database unavailable"
    );
    drop(hold);
    assert_eq!(number(&db, "SELECT CAST(3 AS BIGINT)").await, 3);
}

#[tokio::test]
async fn a_hold_that_ends_during_a_read_gives_the_connection_back() {
    let Some((db, _dir, pool, reads)) = postgres_reads(4).await else {
        return; // nothing is held on SQLite
    };
    let hold = reads.hold();
    let running = reads.clone();
    let read = tokio::spawn(async move {
        number(
            &running,
            "SELECT CAST(pg_backend_pid() AS BIGINT) FROM pg_sleep(0.5)",
        )
        .await
    });
    // The read has its connection; the hold ends while it runs.
    for _ in 0..500 {
        if in_use(&db) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(hold);
    let ran_on = read.await.expect("the read");
    assert!(
        settled_to(&db, 1).await,
        "the connection was given back (and kept) after the read"
    );
    // Given back, not left with the request: another request's hold reads on it.
    assert_eq!(next_hold_reads_on(&pool).await, ran_on);
}
