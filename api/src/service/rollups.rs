//! Keeping the rollups (the two tables of `domain::figures::rollup`, by status and any status)
//! equal to the figures of the cases, in the transaction of each write: [`retract`] subtracts
//! what the cases contribute before the write changes them, [`apply`] adds what they
//! contribute after. Each is one upsert per table, whatever changed (a figure, a key part, the
//! archive flag), so no write has to know which figures it touches. [`rebuild`] recomputes
//! both tables.
//!
//! Concurrency. On PostgreSQL (READ COMMITTED) [`retract`] first locks the case rows, so two
//! writers of one case cannot both subtract the same contribution: the second waits and then
//! reads what the first committed. The lock is `FOR NO KEY UPDATE` — the one an `UPDATE` of the
//! row takes — rather than `FOR UPDATE`, which would also wait for (and deadlock with) the
//! key-share locks that inserting a subject or a record takes on its case. Two writes moving
//! two cases across each other's keys can still deadlock on the rollup rows; PostgreSQL aborts
//! one, which reaches the client as `UNAVAILABLE` with `Retry-After`. On SQLite writers are
//! serialised by `BEGIN IMMEDIATE`.

use sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::domain::figures::rollup::Rollup;
use crate::error::AppResult;

/// `cases.id IN (…)` for ids we hold as integers (safe to inline).
fn ids_filter(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("cases.id IN ({})", list.join(", "))
}

fn is_postgres<C: ConnectionTrait>(conn: &C) -> bool {
    conn.get_database_backend() == DatabaseBackend::Postgres
}

/// Subtracts what the cases `ids` contribute now; call it before a write changes them (or
/// their subjects' count, or their investigation record).
pub async fn retract<C: ConnectionTrait>(conn: &C, ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let postgres = is_postgres(conn);
    if postgres {
        conn.execute_unprepared(&format!(
            "SELECT id FROM cases WHERE {} ORDER BY id FOR NO KEY UPDATE",
            ids_filter(ids)
        ))
        .await?;
    }
    add(conn, postgres, -1, ids).await
}

/// Adds what the cases `ids` contribute now; call it after the write.
pub async fn apply<C: ConnectionTrait>(conn: &C, ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    add(conn, is_postgres(conn), 1, ids).await
}

/// Adds the contribution of the cases `ids` times `sign` to both tables.
async fn add<C: ConnectionTrait>(
    conn: &C,
    postgres: bool,
    sign: i64,
    ids: &[i64],
) -> AppResult<()> {
    for r in Rollup::ALL {
        conn.execute_unprepared(&r.add(postgres, sign, &ids_filter(ids)))
            .await?;
    }
    Ok(())
}

/// Recomputes both tables from the cases, in the caller's transaction (after rows were
/// written behind the services' back: a seed, a restore, a test fixture; on PostgreSQL it must
/// be a transaction, `crate::db::begin_unbounded` for a large table). On PostgreSQL the tables
/// are locked against writers until the caller commits, so none adds to rows being replaced;
/// readers go on reading the previous rows meanwhile.
pub async fn rebuild<C: ConnectionTrait>(conn: &C) -> AppResult<()> {
    let postgres = is_postgres(conn);
    if postgres {
        // Both first, in the order the writes take them.
        for r in Rollup::ALL {
            conn.execute_unprepared(&format!("LOCK TABLE {} IN EXCLUSIVE MODE", r.table()))
                .await?;
        }
    }
    for r in Rollup::ALL {
        conn.execute_unprepared(&format!("DELETE FROM {}", r.table()))
            .await?;
        // The finest from the cases; the coarser ones from it (the same sums, a fraction of
        // the reading).
        let fill = match r {
            Rollup::ByStatus => r.fill(postgres),
            coarser => coarser.fill_from(Rollup::ByStatus),
        };
        conn.execute_unprepared(&fill).await?;
        if postgres {
            // Every row was replaced: planner statistics now, not at autovacuum's next pass.
            conn.execute_unprepared(&format!("ANALYZE {}", r.table()))
                .await?;
        }
    }
    Ok(())
}
