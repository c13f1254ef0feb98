//! Nothing acknowledged is lost (issue 8): faults injected in-process — a SQLite database made
//! "full" with `max_page_count` and freed again, a PostgreSQL made unreachable through a proxy
//! we cut — plus graceful shutdown with requests in flight, keys shared by two instances, and
//! exact idempotency. Slower scenarios (a real full disk, a read-only file, PostgreSQL stopped
//! with `-m immediate`, SIGTERM to the process) are in `scripts/faults/`.

use std::sync::Arc;
use std::time::Duration;

use api::auth::Role;
use api::config::{Config, Secret};
use api::db::DbSettings;
use hub389_tests::{
    Backend, Server, backend, error_codes, fresh_database_url, graphql_request, sign, test_config,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

const CREATE_CASE: &str = "mutation($k: String, $t: String!) {
    createCase(idempotencyKey: $k, input: { title: $t, violationType: COUNTERFEIT,
        commodityGroup: COSMETICS, channel: INLAND_TRANSPORT, detectedOn: \"2026-11-20\",
        goodsSummary: \"Hàng giả\" }) { id } }";

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .expect("query")
    .expect("row")
    .try_get_by_index::<i64>(0)
    .expect("integer")
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.expect(sql);
}

/// A fresh database (SQLite or PostgreSQL, as the test run says) in a new temporary folder, its
/// URL, and a server's configuration on it. The folder lives as long as the first value.
async fn fresh_server_config() -> (tempfile::TempDir, String, Config) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = fresh_database_url(dir.path()).await;
    let config = test_config(&url, dir.path());
    (dir, url, config)
}

/// A new SQLite database file `name` in a folder of its own (the folder, and the file's URL),
/// or `None` on PostgreSQL: for the tests of SQLite's own ways of failing.
fn sqlite_file(name: &str) -> Option<(tempfile::TempDir, String)> {
    if backend() != Backend::Sqlite {
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    Some((dir, url))
}

/// The regression under the lost writes: SQLite ends a transaction itself on `SQLITE_FULL`,
/// sqlx's depth stays at 1, the next `begin` becomes a SAVEPOINT and a later rollback leaves a
/// transaction open that nobody commits — every "committed" write after that is invisible to
/// other connections and gone after a restart. Here each commit must be visible to a second,
/// independent connection.
#[tokio::test]
async fn a_full_disk_does_not_poison_pooled_connections() {
    let Some((_dir, url)) = sqlite_file("full.db") else {
        return;
    };
    let side = api::db::connect(&DbSettings::new(&url))
        .await
        .expect("side");
    exec(
        &side,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)",
    )
    .await;
    exec(&side, "CREATE TABLE filler (payload BLOB)").await;
    for _ in 0..64 {
        exec(&side, "INSERT INTO filler VALUES (zeroblob(16384))").await;
    }
    let pages = scalar(&side, "PRAGMA page_count").await;
    let capped = api::db::connect(&DbSettings {
        sqlite_pragmas: vec![("max_page_count".into(), pages.to_string())],
        ..DbSettings::new(&url)
    })
    .await
    .expect("capped");

    // Fill the database until SQLite refuses.
    let mut full = None;
    for i in 0..1000 {
        let txn = api::db::begin_write(&capped).await.expect("begin");
        let r = txn
            .execute_unprepared(&format!("INSERT INTO t VALUES ({i}, zeroblob(8192))"))
            .await;
        match r {
            Ok(_) => txn.commit().await.expect("commit while space remains"),
            Err(e) => {
                full = Some(e);
                break;
            }
        }
    }
    let err = full.expect("the capped database fills up");
    assert!(
        api::db::is_unavailable(&err),
        "disk full is UNAVAILABLE: {err}"
    );
    // An ordinary failed request on the same pool: begin, write, roll back.
    for _ in 0..3 {
        let txn = api::db::begin_write(&capped).await.expect("begin");
        let _ = txn
            .execute_unprepared("INSERT INTO t VALUES (NULL, zeroblob(8192))")
            .await;
        drop(txn);
        let txn = api::db::begin_write(&capped).await.expect("begin");
        txn.execute_unprepared("UPDATE t SET payload = payload WHERE id = 0")
            .await
            .expect("update");
        txn.rollback().await.expect("rollback");
    }

    // Space comes back; every write the pool commits from now on is durable and visible.
    exec(&side, "DELETE FROM filler").await;
    for i in 0..20 {
        let txn = api::db::begin_write(&capped)
            .await
            .expect("begin after space is back");
        txn.execute_unprepared(&format!("INSERT INTO t VALUES ({}, x'00')", 100_000 + i))
            .await
            .expect("insert after space is back");
        txn.commit().await.expect("commit after space is back");
    }
    assert_eq!(
        scalar(&side, "SELECT COUNT(*) FROM t WHERE id >= 100000").await,
        20,
        "every committed write is visible to another connection"
    );
    capped.close().await.ok();
    let reopened = api::db::connect(&DbSettings::new(&url))
        .await
        .expect("reopen");
    assert_eq!(
        scalar(&reopened, "SELECT COUNT(*) FROM t WHERE id >= 100000").await,
        20,
        "and present after the pool is gone"
    );
}

/// Writers on the real server while the database fills up and is freed again: every
/// acknowledged case is present after a restart, no key made two cases, readiness is red
/// while full and green after, and writes recover without a restart.
#[tokio::test]
async fn acknowledged_writes_survive_a_full_disk() {
    let Some((dir, url)) = sqlite_file("hub.db") else {
        return;
    };
    let config = test_config(&url, dir.path());
    // Prepare (migrate + demo) with an ordinary pool, then add a filler the test can free.
    let first = Server::start(&config, None).await.expect("first start");
    first.shutdown().await.expect("first shutdown");
    let side = api::db::connect(&DbSettings::new(&url))
        .await
        .expect("side");
    exec(&side, "CREATE TABLE filler (payload BLOB)").await;
    for _ in 0..128 {
        exec(&side, "INSERT INTO filler VALUES (zeroblob(16384))").await;
    }
    // Room for a few dozen cases, then full.
    let pages = scalar(&side, "PRAGMA page_count").await + 40;
    let capped = api::db::connect(&DbSettings {
        sqlite_pragmas: vec![("max_page_count".into(), pages.to_string())],
        ..config.db_settings()
    })
    .await
    .expect("capped");
    let server = Arc::new(Server::start(&config, Some(capped)).await.expect("start"));
    let client = reqwest::Client::new();
    let token = sign(Role::Officer, Some("QLTT"), None);

    // Eight writers; each retries its key until acknowledged.
    let acked = Arc::new(std::sync::Mutex::new(Vec::<(String, i64)>::new()));
    let failures = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let freed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let after_free = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..8 {
        let (server, client, token) = (server.clone(), client.clone(), token.clone());
        let (acked, failures, freed, after_free) = (
            acked.clone(),
            failures.clone(),
            freed.clone(),
            after_free.clone(),
        );
        writers.spawn(async move {
            let mut n = 0;
            let mut codes = Vec::new();
            while after_free.load(std::sync::atomic::Ordering::SeqCst) < 40 {
                n += 1;
                let key = format!("full-{w}-{n}");
                loop {
                    let vars = json!({ "k": key, "t": format!("full {key}") });
                    let (status, retry, body) = server
                        .post(&client, Some(&token), CREATE_CASE, vars)
                        .await
                        .expect("the server answers");
                    if let Some(id) = body["data"]["createCase"]["id"].as_str() {
                        acked
                            .lock()
                            .unwrap()
                            .push((key.clone(), hub389_tests::row_id(id)));
                        if freed.load(std::sync::atomic::Ordering::SeqCst) {
                            after_free.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        break;
                    }
                    failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    codes.push((status, retry.is_some(), error_codes(&body)));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            codes
        });
    }
    // Wait until the disk is full (writes failing), then check readiness, then free.
    let mut waited = 0;
    while failures.load(std::sync::atomic::Ordering::SeqCst) < 20 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
        assert!(waited < 1200, "the capped database never filled up");
    }
    assert_eq!(
        server.ready(&client).await,
        503,
        "readiness is red while writes fail"
    );
    exec(&side, "DELETE FROM filler").await;
    freed.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut codes = Vec::new();
    while let Some(r) = writers.join_next().await {
        codes.extend(r.expect("writer"));
    }
    // Readiness holds red for a moment after the last fault, then turns green on its own.
    let mut green = false;
    for _ in 0..100 {
        if server.ready(&client).await == 200 {
            green = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(green, "readiness is green again once space is back");
    // Failures were outages, told as such: 503 + Retry-After + UNAVAILABLE.
    assert!(!codes.is_empty());
    for (status, retry, errs) in &codes {
        assert_eq!(*status, 503, "{errs:?}");
        assert!(*retry, "Retry-After is set");
        assert_eq!(errs, &vec!["UNAVAILABLE".to_string()]);
    }
    let server = Arc::into_inner(server).expect("writers are done");
    server.shutdown().await.expect("shutdown");

    // After a restart: every acknowledged id present, one case per key.
    let reopened = api::db::connect(&DbSettings::new(&url))
        .await
        .expect("reopen");
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 40);
    for (key, id) in &acked {
        let title = format!("full {key}");
        assert_eq!(
            scalar(
                &reopened,
                &format!("SELECT COUNT(*) FROM cases WHERE title = '{title}'")
            )
            .await,
            1,
            "one case for key {key}"
        );
        assert_eq!(
            scalar(
                &reopened,
                &format!("SELECT COUNT(*) FROM cases WHERE id = {id}")
            )
            .await,
            1,
            "acknowledged case {id} is present"
        );
    }
}

/// A TCP proxy in front of PostgreSQL that the test can cut, freeze and restore: an outage as
/// the server sees it, without touching the shared database server. The listener stays bound
/// for the whole test (a cut closes every connection and each new one at once): giving the port
/// back and binding it again raced with other tests' ephemeral ports (`AddrInUse` in CI).
struct Proxy {
    port: u16,
    line: tokio::sync::watch::Sender<Line>,
    task: tokio::task::JoinHandle<()>,
}

/// What the proxy does with its connections.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    Up,
    /// Every connection closed, and each new one at once.
    Cut,
    /// Every connection kept open and silent, new ones too: a database host that froze, or a
    /// network that drops packets without a reset.
    Frozen,
}

impl Proxy {
    async fn start(target: &str) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (line, watching) = tokio::sync::watch::channel(Line::Up);
        let target = target.to_string();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let now = *watching.borrow();
                if now == Line::Cut {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let mut down = watching.clone();
                conns.spawn(async move {
                    if now == Line::Up
                        && let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await
                    {
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            _ = down.wait_for(|l| *l != Line::Up) => {}
                        }
                    }
                    // Frozen: the connection stays open and says nothing until the line is
                    // cut or restored (then it is closed: what was in flight is lost).
                    let _ = down.wait_for(|l| *l != Line::Frozen).await;
                    drop(inbound);
                });
            }
        });
        Proxy { port, line, task }
    }

    fn cut(&self) {
        self.line.send_replace(Line::Cut);
    }

    fn freeze(&self) {
        self.line.send_replace(Line::Frozen);
    }

    fn restore(&self) {
        self.line.send_replace(Line::Up);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A read every signed-in role may make.
const LIST: &str = "{ cases(first: 1) { totalCount } }";

/// Checks the server answers [`LIST`] (and so holds pooled connections to its database).
async fn answers(server: &Server, client: &reqwest::Client, token: &str) {
    let (status, _, body) = server
        .post(client, Some(token), LIST, json!({}))
        .await
        .expect("an answer");
    assert_eq!(status, 200, "{body}");
}

/// A proxy in front of the PostgreSQL database at `url`, and the URL that goes through it.
async fn behind_proxy(url: &str) -> (Proxy, String) {
    // postgres://user@HOST:PORT/db → the proxy in front of HOST:PORT.
    let (scheme, rest) = url.split_once("://").expect("URL");
    let (authority, path) = rest.split_once('/').expect("URL with a database");
    let (user, host) = authority.rsplit_once('@').unwrap_or(("", authority));
    let target = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    };
    let proxy = Proxy::start(&target).await;
    let at = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    let proxied = format!("{scheme}://{at}127.0.0.1:{}/{path}", proxy.port);
    (proxy, proxied)
}

/// PostgreSQL that stops answering without closing its connections (a frozen host): a read or
/// a write still waiting at the request's deadline is `UNAVAILABLE` (503, `Retry-After`), not
/// `BAD_USER_INPUT` "ask for fewer rows", which a client does not retry (a fault review of
/// stop 37), as is one whose token's agency must be read first; nothing is written, and the
/// same key writes once when the database is back.
#[tokio::test]
async fn a_database_that_stops_answering_is_unavailable_not_the_clients_doing() {
    if backend() != Backend::Postgres {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = fresh_database_url(dir.path()).await;
    let (proxy, proxied) = behind_proxy(&url).await;
    let config = test_config(&proxied, dir.path());
    let config = Config {
        limits: api::config::Limits {
            request_timeout: Duration::from_secs(2),
            ..config.limits.clone()
        },
        ..config
    };
    let server = Server::start(&config, None).await.expect("start");
    let client = reqwest::Client::new();
    let token = sign(Role::Officer, Some("QLTT"), None);
    let list = LIST;
    answers(&server, &client, &token).await;

    proxy.freeze();
    // First, while the pool still holds its silent connections: a token whose agency is not
    // kept yet is resolved from the database within the request's bound too (it waited for the
    // database to come back: a review of stop 37). The guard only keeps a regression from
    // hanging the test run.
    let other = sign(Role::Officer, Some("BDBP"), None);
    let answer = tokio::time::timeout(
        Duration::from_secs(60),
        server.post(&client, Some(&other), list, json!({})),
    )
    .await
    .expect("an answer while the database is silent")
    .expect("answer");
    assert_eq!(answer.0, 503, "{}", answer.2);
    assert_eq!(error_codes(&answer.2), ["UNAVAILABLE"], "{}", answer.2);
    let vars = json!({ "k": "frozen-key", "t": "frozen" });
    for (query, vars) in [(list, json!({})), (CREATE_CASE, vars.clone())] {
        let (status, retry, body) = server
            .post(&client, Some(&token), query, vars)
            .await
            .expect("answer");
        assert_eq!(status, 503, "{body}");
        assert_eq!(retry.as_deref(), Some("5"));
        assert_eq!(error_codes(&body), ["UNAVAILABLE"], "{body}");
    }
    proxy.restore();
    let mut written = None;
    for _ in 0..100 {
        let (status, _, body) = server
            .post(&client, Some(&token), CREATE_CASE, vars.clone())
            .await
            .expect("answer");
        if status == 200 {
            written = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let body = written.expect("writes resume without a restart");
    assert!(body["data"]["createCase"]["id"].is_string(), "{body}");
    let side = api::db::connect(&DbSettings::new(&url))
        .await
        .expect("side");
    assert_eq!(
        scalar(&side, "SELECT COUNT(*) FROM cases WHERE title = 'frozen'").await,
        1
    );
    server.shutdown().await.expect("shutdown");
}

/// PostgreSQL unreachable: requests fail with `UNAVAILABLE`, HTTP 503 and `Retry-After`
/// (not a 200 with `INTERNAL`), readiness is red, and both recover on their own.
#[tokio::test]
async fn a_database_outage_is_told_as_such_and_recovers() {
    if backend() != Backend::Postgres {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (proxy, proxied) = behind_proxy(&fresh_database_url(dir.path()).await).await;
    let config = test_config(&proxied, dir.path());
    let server = Server::start(&config, None).await.expect("start");
    let client = reqwest::Client::new();
    let token = sign(Role::Officer, Some("QLTT"), None);
    let list = LIST;
    answers(&server, &client, &token).await;
    assert_eq!(server.ready(&client).await, 200);

    proxy.cut();
    for query in [list, CREATE_CASE] {
        let vars = json!({ "k": "outage-key-1", "t": "outage" });
        let (status, retry, body) = server
            .post(&client, Some(&token), query, vars)
            .await
            .expect("answer");
        assert_eq!(status, 503, "{body}");
        assert_eq!(retry.as_deref(), Some("5"));
        assert!(
            error_codes(&body).contains(&"UNAVAILABLE".to_string()),
            "{body}"
        );
        assert!(
            !body.to_string().contains("5432"),
            "no address in the error: {body}"
        );
    }
    assert_eq!(server.ready(&client).await, 503);

    proxy.restore();
    let mut recovered = false;
    for _ in 0..100 {
        let (status, _, _) = server
            .post(&client, Some(&token), list, json!({}))
            .await
            .expect("answer");
        if status == 200 && server.ready(&client).await == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered,
        "requests and readiness recover without a restart"
    );
    server.shutdown().await.expect("shutdown");
}

/// A transaction on `side` that holds up the server's case writes until it ends: the write
/// lock on SQLite, the `cases` table's on PostgreSQL.
async fn hold_write_lock(side: &DatabaseConnection) -> sea_orm::DatabaseTransaction {
    let lock = api::db::begin_write(side).await.expect("begin");
    let sql = if side.get_database_backend() == sea_orm::DbBackend::Postgres {
        "LOCK TABLE cases IN EXCLUSIVE MODE"
    } else {
        "UPDATE agencies SET name = name WHERE id = 1"
    };
    lock.execute_unprepared(sql).await.expect("lock");
    lock
}

/// A write held up by another's lock waits no longer than `HUB389_DB_TIMEOUT`, then is told
/// `UNAVAILABLE` (503, `Retry-After`) and changes nothing; the lock gone, the same key writes
/// once. On PostgreSQL that is `lock_timeout` (55P03): before it, the write waited for the
/// statement timeout, and past the request timeout it was answered `BAD_USER_INPUT` (a fault
/// review of stop 37, with a statement timeout longer than the request's, as here).
#[tokio::test]
async fn a_write_held_up_by_a_lock_is_unavailable_after_the_database_timeout() {
    let (_dir, url, config) = fresh_server_config().await;
    let config = Config {
        db_timeout: Duration::from_secs(1),
        statement_timeout: Duration::from_secs(120),
        limits: api::config::Limits {
            request_timeout: Duration::from_secs(60),
            ..config.limits.clone()
        },
        ..config
    };
    let server = Server::start(&config, None).await.expect("start");
    let side = api::db::connect(&DbSettings::new(&url))
        .await
        .expect("side");
    let client = reqwest::Client::new();
    let token = sign(Role::Officer, Some("QLTT"), None);
    let lock = hold_write_lock(&side).await;
    let vars = json!({ "k": "held-key", "t": "held by a lock" });
    let (status, retry, body) = server
        .post(&client, Some(&token), CREATE_CASE, vars.clone())
        .await
        .expect("an answer");
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some(), "Retry-After");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{body}"
    );
    lock.rollback().await.expect("release the lock");
    let (status, _, body) = server
        .post(&client, Some(&token), CREATE_CASE, vars)
        .await
        .expect("an answer");
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["createCase"]["id"].is_string(), "{body}");
    assert_eq!(
        scalar(
            &side,
            "SELECT COUNT(*) FROM cases WHERE title = 'held by a lock'"
        )
        .await,
        1
    );
    server.shutdown().await.expect("stops");
}

/// Graceful shutdown: readiness goes red, requests already in flight all complete, then the
/// server returns. The requests are held in flight by a lock the test owns.
#[tokio::test]
async fn shutdown_finishes_requests_in_flight() {
    let (_dir, url, config) = fresh_server_config().await;
    let config = Config {
        db_timeout: Duration::from_secs(30),
        shutdown_delay: Duration::from_millis(300),
        ..config
    };
    let mut server = Server::start(&config, None).await.expect("start");
    let side = api::db::connect(&DbSettings::new(&url))
        .await
        .expect("side");
    let client = reqwest::Client::new();
    let token = sign(Role::Officer, Some("QLTT"), None);

    // A page of cases leaves the connection of its reads kept for the next request
    // (`db/kept.rs`): closing the pool must not wait for it.
    let (status, _, page) = server
        .post(
            &client,
            Some(&token),
            "{ cases(first: 5) { nodes { id code } } }",
            json!({}),
        )
        .await
        .expect("a page of cases");
    assert_eq!(status, 200, "{page}");
    // Hold the write lock so the 16 writes below wait inside the server.
    let lock = hold_write_lock(&side).await;
    let server_ref = Arc::new(server.base.clone());
    let mut inflight = tokio::task::JoinSet::new();
    for i in 0..16 {
        let (client, token, base) = (client.clone(), token.clone(), server_ref.clone());
        inflight.spawn(async move {
            let body = json!({ "query": CREATE_CASE, "variables": { "k": format!("drain-key-{i}"), "t": format!("drain {i}") } });
            let resp = graphql_request(&client, &base, Some(&token))
                .json(&body)
                .send()
                .await?;
            resp.json::<Value>().await
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        server.ready(&client).await,
        503,
        "readiness is red once shutdown begins"
    );
    lock.commit().await.expect("release the lock");
    let mut ids = Vec::new();
    while let Some(r) = inflight.join_next().await {
        let body = r
            .expect("task")
            .expect("every in-flight request gets its response");
        ids.push(
            body["data"]["createCase"]["id"]
                .as_str()
                .expect("created")
                .to_string(),
        );
    }
    assert_eq!(ids.len(), 16);
    tokio::time::timeout(Duration::from_secs(60), server.shutdown())
        .await
        .expect("the shutdown finishes (a kept connection does not hold the pool open)")
        .expect("the server stops cleanly");
    assert!(
        client
            .get(format!("{}/healthz", server_ref))
            .send()
            .await
            .is_err(),
        "new connections are refused after shutdown"
    );
    assert_eq!(
        scalar(
            &side,
            "SELECT COUNT(*) FROM cases WHERE title LIKE 'drain %'"
        )
        .await,
        16
    );
}

/// Two instances over one database with the same configured keys: each reads the informants
/// the other encrypted and accepts tokens either would accept.
#[tokio::test]
async fn two_instances_share_keys() {
    let (_dir, _, config) = fresh_server_config().await;
    let a = Server::start(&config, None).await.expect("first instance");
    let b = Server::start(&config, None).await.expect("second instance");
    let client = reqwest::Client::new();
    // A tip submitted through A, forwarded to the police through A, read through B.
    let submit = "mutation { submitTip(input: { channel: ONLINE_FORM,
        content: \"Xe tải chở hàng lậu qua đường mòn\", reporterName: \"Lường Thị Mai\",
        reporterContact: \"0912000111\" }) { trackingCode } }";
    let (_, _, body) = a
        .post(&client, None, submit, json!({}))
        .await
        .expect("submit");
    assert!(body["errors"].is_null(), "{body}");
    let so = sign(Role::StandingOffice, Some("QLTT"), None);
    let find = "{ tips(first: 100) { nodes { id version content } } }";
    let (_, _, body) = a
        .post(&client, Some(&so), find, json!({}))
        .await
        .expect("list");
    let tip = body["data"]["tips"]["nodes"]
        .as_array()
        .expect("tips")
        .iter()
        .find(|t| t["content"] == "Xe tải chở hàng lậu qua đường mòn")
        .expect("the new tip")
        .clone();
    let forward =
        "mutation($id: ID!, $v: Int!) { forwardTip(id: $id, version: $v, agency: \"CA\") { id } }";
    let (_, _, body) = a
        .post(
            &client,
            Some(&so),
            forward,
            json!({ "id": tip["id"], "v": tip["version"] }),
        )
        .await
        .expect("forward");
    assert!(body["errors"].is_null(), "{body}");
    let police = sign(Role::Police, Some("CA"), None);
    let read = "query($id: ID!) { tip(id: $id) { reporterName reporterContact } }";
    for server in [&b, &a] {
        let (_, _, body) = server
            .post(&client, Some(&police), read, json!({ "id": tip["id"] }))
            .await
            .expect("read");
        assert_eq!(
            body["data"]["tip"]["reporterName"], "Lường Thị Mai",
            "{body}"
        );
        assert_eq!(body["data"]["tip"]["reporterContact"], "0912000111");
    }
    a.shutdown().await.expect("a");
    b.shutdown().await.expect("b");
}

/// A second instance with another data key refuses to start, naming both fingerprints and
/// never the key; nothing it would have done (migrations, demo data) happens.
#[tokio::test]
async fn another_data_key_is_refused() {
    let (_dir, _, config) = fresh_server_config().await;
    let a = Server::start(&config, None).await.expect("first instance");
    let other_key = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI=";
    let other = Config {
        data_key: Some(Secret::new(other_key.as_bytes().to_vec())),
        ..config.clone()
    };
    let err = Server::refusal(&other).await;
    assert!(err.contains("fingerprint"), "{err}");
    assert!(
        !err.contains(other_key) && !err.contains(hub389_tests::TEST_DATA_KEY),
        "{err}"
    );
    a.shutdown().await.expect("a");
}

/// On PostgreSQL an instance never invents keys: without them it refuses before connecting,
/// saying which variables to set and how to make the keys.
#[tokio::test]
async fn postgres_requires_configured_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Nothing listens on port 1: the refusal must come before any connection attempt.
    let mut config = test_config("postgres://postgres@127.0.0.1:1/hub389", dir.path());
    config.data_key = None;
    let err = Server::refusal(&config).await;
    assert!(
        err.contains("HUB389_DATA_KEY_FILE") && err.contains("hub389 keys generate"),
        "{err}"
    );
    config.data_key = Some(Secret::new(hub389_tests::TEST_DATA_KEY.as_bytes().to_vec()));
    config.jwt.secret = None;
    let err = Server::refusal(&config).await;
    assert!(err.contains("HUB389_JWT_SECRET_FILE"), "{err}");
    // With keys, an unreachable database is named (without its password) in the error.
    let config = Config {
        database_url: "postgres://postgres:hunter2@127.0.0.1:1/hub389".into(),
        db_timeout: Duration::from_millis(500),
        ..test_config("postgres://postgres@127.0.0.1:1/hub389", dir.path())
    };
    let err = Server::refusal(&config).await;
    assert!(
        err.contains("127.0.0.1:1") && err.contains("DATABASE_URL"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

/// SQLite's zero set-up keys: generated beside a new database; a database that holds
/// encrypted informants never gets a fresh key when the file is lost.
#[tokio::test]
async fn a_lost_key_file_is_an_error_not_a_new_key() {
    let Some((dir, url)) = sqlite_file("hub.db") else {
        return;
    };
    let config = Config {
        data_key: None,
        ..test_config(&url, dir.path())
    };
    let key_file = dir.path().join("hub389.data-key");
    Server::start(&config, None)
        .await
        .expect("first start")
        .shutdown()
        .await
        .expect("stop");
    assert!(
        key_file.exists(),
        "a key was generated beside the new database"
    );
    std::fs::remove_file(&key_file).expect("lose the key");
    let err = Server::refusal(&config).await;
    assert!(
        err.contains("missing") && err.contains("hub389.data-key"),
        "{err}"
    );
    assert!(!key_file.exists(), "no new key was made");
}

/// Start-up names a busy port.
#[tokio::test]
async fn a_busy_port_is_named() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let (_dir, _, config) = fresh_server_config().await;
    let config = Config {
        bind: busy.local_addr().expect("addr"),
        ..config
    };
    let err = Server::refusal(&config).await;
    assert!(
        err.contains(&busy.local_addr().expect("addr").to_string()) && err.contains("HUB389_BIND"),
        "{err}"
    );
}

/// One idempotency key, many concurrent submissions of the same request: one case, and every
/// caller gets it (no `CONFLICT`).
#[tokio::test]
async fn concurrent_retries_of_one_key_get_one_result() {
    let app = hub389_tests::TestApp::spawn().await;
    let token = app.token(Role::Officer, Some("QLTT"), None);
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let (client, base, token) = (app.client.clone(), app.base.clone(), token.clone());
        calls.spawn(async move {
            let body = json!({ "query": CREATE_CASE, "variables": { "k": "same-key-for-all", "t": "một vụ" } });
            graphql_request(&client, &base, Some(&token))
                .json(&body)
                .send()
                .await
                .expect("send")
                .json::<Value>()
                .await
                .expect("json")
        });
    }
    let mut ids = std::collections::BTreeSet::new();
    while let Some(r) = calls.join_next().await {
        let body = r.expect("task");
        assert!(body["errors"].is_null(), "{body}");
        ids.insert(
            body["data"]["createCase"]["id"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    assert_eq!(ids.len(), 1, "every retry got the one stored result");
    assert_eq!(
        scalar(&app.db, "SELECT COUNT(*) FROM cases WHERE title = 'một vụ'").await,
        1
    );
}

/// A key reused with a different input is `CONFLICT` (the second submission would be lost
/// otherwise); the same input written differently (variables inlined, fields reordered,
/// explicit nulls) replays.
#[tokio::test]
async fn a_key_reused_with_another_input_is_a_conflict() {
    let app = hub389_tests::TestApp::spawn().await;
    let token = app.token(Role::Officer, Some("QLTT"), None);
    let first = app
        .gql(
            Some(&token),
            CREATE_CASE,
            json!({ "k": "reused-key-1", "t": "vụ thứ nhất" }),
        )
        .await;
    let id = first["data"]["createCase"]["id"]
        .as_str()
        .expect("created")
        .to_string();
    let same =
        "mutation { createCase(input: { goodsSummary: \"Hàng giả\", detectedOn: \"2026-11-20\",
        channel: INLAND_TRANSPORT, commodityGroup: COSMETICS, violationType: COUNTERFEIT,
        title: \"vụ thứ nhất\", fineAmount: null }, idempotencyKey: \"reused-key-1\") { id } }";
    let replay = app.query(Some(&token), same).await;
    assert_eq!(
        replay["data"]["createCase"]["id"].as_str(),
        Some(id.as_str()),
        "{replay}"
    );
    let other = app
        .gql(
            Some(&token),
            CREATE_CASE,
            json!({ "k": "reused-key-1", "t": "vụ thứ hai" }),
        )
        .await;
    assert_eq!(error_codes(&other), vec!["CONFLICT"], "{other}");
    assert_eq!(
        scalar(
            &app.db,
            "SELECT COUNT(*) FROM cases WHERE title = 'vụ thứ hai'"
        )
        .await,
        0
    );
}

/// Rotation re-encrypts every informant field under the new key in one transaction: the old
/// key no longer opens the database, the new one reads the same names.
#[tokio::test]
async fn data_key_rotation_re_encrypts_everything() {
    let (_dir, url, config) = fresh_server_config().await;
    let police = sign(Role::Police, Some("CA"), None);
    let names = "{ tips(first: 100, filter: { assignedAgency: \"CA\" }) { nodes { id reporterName reporterContact } } }";
    let client = reqwest::Client::new();
    let a = Server::start(&config, None).await.expect("start");
    let (_, _, before) = a
        .post(&client, Some(&police), names, json!({}))
        .await
        .expect("read");
    a.shutdown().await.expect("stop");
    assert!(before["errors"].is_null(), "{before}");
    assert!(
        before["data"]["tips"]["nodes"]
            .as_array()
            .expect("tips")
            .iter()
            .any(|t| t["reporterName"].is_string()),
        "the demo has named tipsters assigned to CA"
    );

    let new_b64 = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleSE=";
    let old = api::crypto::DataKey::from_base64(hub389_tests::TEST_DATA_KEY.as_bytes(), "old")
        .expect("old");
    let new = api::crypto::DataKey::from_base64(new_b64.as_bytes(), "new").expect("new");
    let db = api::db::connect(&DbSettings::new(&url)).await.expect("db");
    // The wrong "old" key changes nothing.
    assert!(api::keys::rotate_data_key(&db, &new, &old).await.is_err());
    let changed = api::keys::rotate_data_key(&db, &old, &new)
        .await
        .expect("rotate");
    assert!(changed > 0);
    db.close().await.ok();

    let err = format!(
        "{:#}",
        Server::start(&config, None)
            .await
            .err()
            .expect("old key refused")
    );
    assert!(err.contains("fingerprint"), "{err}");
    let rotated = Config {
        data_key: Some(Secret::new(new_b64.as_bytes().to_vec())),
        ..config.clone()
    };
    let b = Server::start(&rotated, None)
        .await
        .expect("start with the new key");
    let (_, _, after) = b
        .post(&client, Some(&police), names, json!({}))
        .await
        .expect("read");
    assert_eq!(before, after, "the same informants, read with the new key");
    b.shutdown().await.expect("stop");
}
