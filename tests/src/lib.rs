//! Test harness: each test gets its own server (port 0) on its own fresh database, SQLite or
//! PostgreSQL depending on `HUB389_TEST_BACKEND` (`sqlite`, the default, or `postgres`).
//! PostgreSQL tests create a database `hub389_t_<uuid>` on `HUB389_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use api::auth::{JwtKeys, Role};
use api::config::{Config, JwtSettings, Secret, WorkflowSettings};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const TEST_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long!";
/// The informant data key of every test server (base64 of 32 bytes), as a fleet would
/// configure it: PostgreSQL refuses to start without one.
pub const TEST_DATA_KEY: &str = "aHViMzg5LXRlc3QtZGF0YS1rZXktMzItYnl0ZXMhISE=";
/// The bearer token of every test server's `/metrics`.
pub const METRICS_TOKEN: &str = "test-metrics-token-of-the-scraper";

/// The configuration every test server starts from: a fresh database in `dir`, port 0,
/// the test keys.
pub fn test_config(url: &str, dir: &std::path::Path) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().expect("addr"),
        data_dir: dir.to_path_buf(),
        jwt: test_jwt(),
        data_key: Some(Secret::new(TEST_DATA_KEY.as_bytes().to_vec())),
        shutdown_grace: std::time::Duration::from_secs(20),
        limits: test_limits(),
        metrics: api::config::MetricsAccess::Token(Secret::new(METRICS_TOKEN.as_bytes().to_vec())),
        ..Config::for_database(url)
    }
}

/// A `POST /graphql` to the server at `base`, as `token` when given: every test's way to the
/// GraphQL endpoint (the body is the caller's).
pub fn graphql_request(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let req = client.post(format!("{base}/graphql"));
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

/// The request limits of test servers: the defaults, except that every role may send any
/// document and there is no per-minute cost budget — most tests send ad-hoc queries as the press
/// or without a token, many per second. `tests/tests/api/hostile.rs` tests both with the defaults.
pub fn test_limits() -> api::config::Limits {
    api::config::Limits {
        trusted_only: api::graphql::trusted::TrustedPolicy::open(),
        cost_budget_per_minute: 0,
        ..Default::default()
    }
}

/// Creates a fresh, empty database in `dir` (SQLite) or on the test server (PostgreSQL).
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    fresh_database(dir).await
}

/// The HS256 settings every test server uses unless told otherwise.
pub fn test_jwt() -> JwtSettings {
    JwtSettings::with_secret(Some(Secret::new(TEST_SECRET.as_bytes().to_vec())))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend() -> Backend {
    match std::env::var("HUB389_TEST_BACKEND").as_deref() {
        Ok("postgres") | Ok("pg") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub keys: JwtKeys,
    pub backend: Backend,
    pub db: sea_orm::DatabaseConnection,
    statements: Arc<AtomicU64>,
    log: Arc<std::sync::Mutex<Vec<String>>>,
    /// What the server was started with (another instance starts from it).
    config: Config,
    _dir: tempfile::TempDir,
}

/// Creates a fresh, empty database and returns its URL.
async fn fresh_database(dir: &std::path::Path) -> String {
    match backend() {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
        Backend::Postgres => create_pg_database("").await,
    }
}

/// Creates a database `hub389_t_<uuid>` on the PostgreSQL test server with `options` (e.g.
/// `TEMPLATE …`) and returns its URL.
async fn create_pg_database(options: &str) -> String {
    let admin = std::env::var("HUB389_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("hub389_t_{}", uuid::Uuid::new_v4().simple());
    let conn = Database::connect(&admin)
        .await
        .expect("connect to PostgreSQL for tests");
    conn.execute_unprepared(&format!("CREATE DATABASE {name} {options}"))
        .await
        .expect("create test database");
    conn.close().await.ok();
    let (base, _) = admin
        .rsplit_once('/')
        .expect("PostgreSQL URL with a database");
    format!("{base}/{name}")
}

/// A database migrated (and, for `demo`, loaded with the demo data) once per test process,
/// which each test copies: a SQLite file copied, a PostgreSQL database created from it as a
/// template. Loading the demo data for every test took most of a test's time.
struct Template {
    /// SQLite: the file; PostgreSQL: the database name.
    source: String,
}

fn template(demo: bool) -> &'static Template {
    static WITH_DEMO: std::sync::OnceLock<Template> = std::sync::OnceLock::new();
    static EMPTY: std::sync::OnceLock<Template> = std::sync::OnceLock::new();
    let cell = if demo { &WITH_DEMO } else { &EMPTY };
    // Built on a thread of its own with its own runtime: tests run on many runtimes, and
    // the pool that builds the template must not outlive the one that made it.
    cell.get_or_init(|| {
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(build_template(demo))
        })
        .join()
        .expect("template built")
    })
}

async fn build_template(demo: bool) -> Template {
    api::telemetry::init().expect("telemetry");
    let dir = std::env::temp_dir().join(format!("hub389-template-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("template dir");
    let (url, source) = match backend() {
        Backend::Sqlite => {
            let file = dir.join(format!("template-{demo}.db"));
            for leftover in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{leftover}", file.display()));
            }
            (
                format!("sqlite://{}?mode=rwc", file.display()),
                file.display().to_string(),
            )
        }
        Backend::Postgres => {
            let url = fresh_database(&dir).await;
            let name = url.rsplit('/').next().expect("name").to_string();
            (url, name)
        }
    };
    let config = Config {
        demo_data: demo,
        ..test_config(&url, &dir)
    };
    let preflight = api::keys::preflight(&config).expect("keys");
    let (db, _) = api::http::app::open_database(&config, None, preflight)
        .await
        .expect("template database");
    // Everything into the main file before it is copied (closing the last connection would
    // checkpoint too; this does not rely on it), and a PostgreSQL template freed for copying.
    if backend() == Backend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .expect("checkpoint the template");
    }
    db.close().await.expect("close template");
    Template { source }
}

/// A copy of the template database, in `dir` (SQLite) or on the test server (PostgreSQL).
async fn database_from_template(dir: &std::path::Path, demo: bool) -> String {
    let t = template(demo);
    match backend() {
        Backend::Sqlite => {
            let file = dir.join("test.db");
            std::fs::copy(&t.source, &file).expect("copy the template");
            format!("sqlite://{}?mode=rwc", file.display())
        }
        Backend::Postgres => create_pg_database(&format!("TEMPLATE {}", t.source)).await,
    }
}

impl TestApp {
    /// A server with the demo data.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(true).await
    }

    /// A server on an empty (migrated) database when `demo` is false.
    pub async fn spawn_with(demo: bool) -> TestApp {
        Self::spawn_full(demo, test_jwt(), WorkflowSettings::default()).await
    }

    /// A server with the demo data and these workflow settings (rate limits, due day…).
    pub async fn spawn_with_workflow(workflow: WorkflowSettings) -> TestApp {
        Self::spawn_full(true, test_jwt(), workflow).await
    }

    /// A server with the demo data and these request limits.
    pub async fn spawn_with_limits(limits: api::config::Limits) -> TestApp {
        Self::spawn_custom(true, test_jwt(), WorkflowSettings::default(), limits).await
    }

    /// A server on an empty database holding `n` cases with every relation
    /// ([`insert_rich_cases`]) and no practical cost bound: for the tests that count statements
    /// (a page of 100 with every relation costs more than the default bound).
    pub async fn spawn_with_rich_cases(n: i64) -> TestApp {
        let limits = api::config::Limits {
            max_cost: 1_000_000,
            ..test_limits()
        };
        let app = Self::spawn_custom(false, test_jwt(), WorkflowSettings::default(), limits).await;
        insert_rich_cases(&app.db, n).await;
        app
    }

    /// A server with the given token settings (e.g. an identity provider's public key).
    pub async fn spawn_full(demo: bool, jwt: JwtSettings, workflow: WorkflowSettings) -> TestApp {
        Self::spawn_custom(demo, jwt, workflow, test_limits()).await
    }

    /// A server with every setting of the harness given.
    pub async fn spawn_custom(
        demo: bool,
        jwt: JwtSettings,
        workflow: WorkflowSettings,
        limits: api::config::Limits,
    ) -> TestApp {
        api::telemetry::init().expect("telemetry");
        let dir = tempfile::tempdir().expect("tempdir");
        let url = database_from_template(dir.path(), demo).await;
        let db = api::db::connect(&api::db::DbSettings::new(&url))
            .await
            .expect("connect");
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log2 = log.clone();
        let mut observers = api::db::Observers::default();
        observers.push(move |info| {
            counter.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut l) = log2.lock() {
                l.push(info.statement.sql.clone());
            }
        });
        let config = Config {
            jwt: jwt.clone(),
            demo_data: demo,
            workflow,
            limits,
            ..test_config(&url, dir.path())
        };
        // The harness signs with HS256; with a public key configured, tests sign themselves.
        let signing = JwtSettings {
            public_key_path: None,
            jwks_path: None,
            ..jwt
        };
        let keys = JwtKeys::from_settings(&signing, &config.data_dir).expect("keys");
        let app = api::http::app::Application::build_observed(&config, Some(db.clone()), observers)
            .await
            .expect("build app");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run());
        TestApp {
            base,
            client: reqwest::Client::new(),
            keys,
            backend: backend(),
            db,
            statements,
            log,
            config,
            _dir: dir,
        }
    }

    /// Starts another instance over the same database and keys, as a fleet would run it;
    /// returns its base URL. It runs until the test ends.
    pub async fn another_instance(&self) -> String {
        let app = api::http::app::Application::build(&self.config, None)
            .await
            .expect("build another instance");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run());
        base
    }

    /// A token for a role; `agency`/`commune` as the role needs.
    pub fn token(&self, role: Role, agency: Option<&str>, commune: Option<&str>) -> String {
        self.token_as("tester", role, agency, commune)
    }

    /// A token of another user (subject `sub`), valid for an hour: the tests' usual tokens
    /// all name the subject `tester`.
    pub fn token_as(
        &self,
        sub: &str,
        role: Role,
        agency: Option<&str>,
        commune: Option<&str>,
    ) -> String {
        self.keys
            .sign(sub, role, agency, commune, chrono::Duration::hours(1))
            .expect("sign token")
    }

    /// A token of `role`'s user in the demo data: its agency and commune as [`home`] says.
    pub fn token_for(&self, role: Role) -> String {
        let (agency, commune) = home(role);
        self.token(role, agency, commune)
    }

    /// Tokens of several roles' users in the demo data, in order (see [`TestApp::token_for`]).
    pub fn tokens_for<const N: usize>(&self, roles: [Role; N]) -> [String; N] {
        roles.map(|role| self.token_for(role))
    }

    /// POSTs a GraphQL request and returns the JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post(token, json!({ "query": query, "variables": variables }))
            .await
    }

    /// POSTs a GraphQL document that takes no variables and returns the JSON body.
    pub async fn query(&self, token: Option<&str>, query: &str) -> Value {
        self.gql(token, query, json!({})).await
    }

    /// A `POST /graphql` to this server ([`graphql_request`]), for a test that reads the
    /// response itself (status, headers).
    pub fn graphql_request(&self, token: Option<&str>) -> reqwest::RequestBuilder {
        graphql_request(&self.client, &self.base, token)
    }

    /// POSTs a body to `/graphql` and returns the JSON body.
    pub async fn post(&self, token: Option<&str>, body: Value) -> Value {
        let req = self.graphql_request(token).json(&body);
        let resp = req.send().await.expect("request");
        resp.json::<Value>().await.expect("JSON body")
    }

    /// Creates a case through the API as `token`, which must accept it; returns its id.
    pub async fn create_case(&self, token: &str, input: Value) -> String {
        let r = ok(self
            .gql(Some(token), docs::CREATE_CASE, json!({ "input": input }))
            .await);
        r["data"]["createCase"]["id"]
            .as_str()
            .expect("the new case's id")
            .to_string()
    }

    /// Adds a subject to a case through the API as `token`, which must accept it.
    pub async fn add_subject(&self, token: &str, case: &str, input: Value) {
        ok(self
            .gql(
                Some(token),
                docs::ADD_SUBJECT,
                json!({ "case": case, "input": input }),
            )
            .await);
    }

    /// Moves a case, at `version`, through `statuses` in turn as `token`, each move accepted;
    /// returns the version it reaches.
    pub async fn move_case(&self, token: &str, case: &str, version: i64, statuses: &[&str]) -> i64 {
        let mut version = version;
        for status in statuses {
            let r = ok(self
                .gql(
                    Some(token),
                    docs::CHANGE_CASE_STATUS,
                    json!({ "id": case, "v": version, "s": status }),
                )
                .await);
            assert_eq!(r["data"]["changeCaseStatus"]["status"], *status, "{r}");
            version = r["data"]["changeCaseStatus"]["version"]
                .as_i64()
                .expect("the case's version");
        }
        version
    }

    /// `GET` of a path of the server (`/readyz`, `/export/…`), with `token` if one is given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// POSTs `body` as it is to `/graphql` with this content type (and `token` if one is
    /// given), for the tests of what the transport accepts.
    pub async fn post_raw(
        &self,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.graphql_request(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST /graphql")
    }

    /// `GET` of a path as a browser asks for a page (`accept: text/html,…`).
    pub async fn browse(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// `GET /metrics` with the scraper's token: the status and the body. The recorder is the
    /// process's, shared by every test server: assert on deltas or on labels of your own.
    pub async fn metrics(&self) -> (u16, String) {
        let resp = self.get("/metrics", Some(METRICS_TOKEN)).await;
        (
            resp.status().as_u16(),
            resp.text().await.expect("metrics body"),
        )
    }

    /// How many rows the table of `E` holds.
    pub async fn count<E: sea_orm::EntityTrait>(&self) -> u64
    where
        E::Model: Sync,
    {
        use sea_orm::PaginatorTrait;
        E::find().count(&self.db).await.expect("count rows")
    }

    pub fn reset_statements(&self) {
        self.statements.store(0, Ordering::SeqCst);
        if let Ok(mut l) = self.log.lock() {
            l.clear();
        }
    }

    /// The statements run since the last reset (first 90 characters of each).
    pub fn statement_log(&self) -> Vec<String> {
        self.statement_texts()
            .into_iter()
            .map(|sql| sql.chars().take(90).collect())
            .collect()
    }

    /// The statements run since the last reset, whole (with placeholders, not values).
    pub fn statement_texts(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::SeqCst)
    }
}

/// GraphQL documents that tests in many files send.
pub mod docs {
    pub const CREATE_CASE: &str =
        r#"mutation($input: NewCaseInput!) { createCase(input: $input) { id } }"#;
    pub const CHANGE_CASE_STATUS: &str = r#"mutation($id: ID!, $v: Int!, $s: CaseStatus!) { changeCaseStatus(id: $id, version: $v, status: $s) { status version } }"#;
    pub const ADD_SUBJECT: &str = r#"mutation($case: ID!, $input: SubjectInput!) { addSubject(caseId: $case, input: $input) { id } }"#;
}

/// The least a new case takes (`NewCaseInput`): a border-trail smuggling case of frozen food
/// detected on 2026-11-20, with no commune, amounts or links.
pub fn minimal_case(title: &str) -> Value {
    json!({ "title": title, "violationType": "SMUGGLING", "commodityGroup": "FROZEN_FOOD",
            "channel": "BORDER_TRAIL", "detectedOn": "2026-11-20", "goodsSummary": "hàng" })
}

/// The agency and commune of each role's user in the demo data.
pub fn home(role: Role) -> (Option<&'static str>, Option<&'static str>) {
    match role {
        Role::Admin | Role::Leader => (None, None),
        Role::StandingOffice => (Some("QLTT"), None),
        Role::Police => (Some("CA"), None),
        Role::Customs => (Some("HQ"), None),
        Role::Officer => (Some("BDBP"), None),
        Role::Commune => (Some("UBND_DONG_DANG"), Some("DONG_DANG")),
        Role::Press => (Some("BAO_LS"), None),
    }
}

/// Checks that a GraphQL response has no errors and returns it.
#[track_caller]
pub fn ok(resp: Value) -> Value {
    assert!(resp["errors"].is_null(), "{resp}");
    resp
}

/// Checks that a response has exactly one error code, `code`, as [`refusal_codes`] reads them
/// (a field unknown to the caller's schema is `FORBIDDEN`), and returns it.
#[track_caller]
pub fn refused(resp: Value, code: &str) -> Value {
    assert_eq!(refusal_codes(&resp), [code], "{resp}");
    resp
}

/// Checks that a response has exactly one error code, `code` ([`error_codes`]), and returns it.
#[track_caller]
pub fn failed(resp: Value, code: &str) -> Value {
    assert_eq!(error_codes(&resp), [code], "{resp}");
    resp
}

/// Asserts that a request was refused with exactly one error, of `code`, whose message
/// contains `part`.
#[track_caller]
pub fn assert_refused(resp: &Value, code: &str, part: &str) {
    assert_eq!(error_codes(resp), [code], "{resp}");
    let message = resp["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains(part), "{part:?} not in {resp}");
}

/// The nodes of the connection a response's data holds at `field` (`cases`, `auditEvents`…).
#[track_caller]
pub fn nodes(resp: &Value, field: &str) -> Vec<Value> {
    match resp["data"][field]["nodes"].as_array() {
        Some(nodes) => nodes.clone(),
        None => panic!("no {field} nodes in {resp}"),
    }
}

/// The strings of a JSON array.
pub fn strings(array: &Value) -> Vec<String> {
    pluck(array, "")
}

/// The string at `key` of each object of a JSON array (each element itself when `key` is
/// empty), e.g. the `code` of every agency a response lists.
#[track_caller]
pub fn pluck(array: &Value, key: &str) -> Vec<String> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .map(|v| {
            let v = if key.is_empty() { v } else { &v[key] };
            v.as_str()
                .unwrap_or_else(|| panic!("not a string: {v}"))
                .to_string()
        })
        .collect()
}

/// The reporting month (year, month) a day falls in: the 15th and later belong to the next
/// month. Transcribed here, apart from `api::domain::calendar`, for the tests that check it.
pub fn reporting_month(day: chrono::NaiveDate) -> (i32, u32) {
    use chrono::Datelike;
    if day.day() >= 15 {
        if day.month() == 12 {
            (day.year() + 1, 1)
        } else {
            (day.year(), day.month() + 1)
        }
    } else {
        (day.year(), day.month())
    }
}

/// The codes of a response's errors.
pub fn error_codes(resp: &Value) -> Vec<String> {
    resp["errors"]
        .as_array()
        .map(|errs| {
            errs.iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Like [`error_codes`], with a field (argument, type) the viewer's schema does not have
/// reported as `FORBIDDEN`: such a field fails validation as unknown (`BAD_USER_INPUT`, the
/// message of a field that does not exist), which is the stronger form of the same refusal.
/// For tests walking the matrix, where either form is a refusal. Each code once: a document
/// naming an unseen type and an unseen field is refused twice over.
pub fn refusal_codes(resp: &Value) -> Vec<String> {
    let mut codes: Vec<String> = resp["errors"]
        .as_array()
        .map(|errs| {
            errs.iter()
                .map(|e| {
                    let code = e["extensions"]["code"].as_str().unwrap_or("<none>");
                    let msg = e["message"].as_str().unwrap_or("");
                    let unknown = msg.starts_with("Unknown field")
                        || msg.starts_with("Unknown argument")
                        || msg.starts_with("Unknown type")
                        // An input object's field, or an enum's value.
                        || msg.contains(", unknown field \"")
                        || msg.contains("does not contain the value")
                        // The same value of a variable, as its type's parser words it.
                        || msg.contains("does not contain value");
                    if code == "BAD_USER_INPUT" && unknown {
                        "FORBIDDEN".to_string()
                    } else {
                        code.to_string()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    codes.dedup();
    codes
}

/// Asserts that a request was refused because what it names is not in the caller's schema:
/// every error is validation's "Unknown field/argument/type", and nothing ran.
pub fn assert_unknown_to_caller(resp: &Value) {
    let errors = resp["errors"].as_array().expect("errors");
    assert!(
        !errors.is_empty()
            && errors
                .iter()
                .all(|e| e["message"].as_str().unwrap_or("").starts_with("Unknown ")),
        "{resp}"
    );
    assert!(resp["data"].is_null(), "{resp}");
}

/// Errors whose path is exactly `path` (JSON path elements, e.g. ["cases","nodes",0,"subjects"]).
pub fn errors_at<'a>(resp: &'a Value, path: &[Value]) -> Vec<&'a Value> {
    resp["errors"]
        .as_array()
        .map(|errs| {
            errs.iter()
                .filter(|e| e["path"].as_array().is_some_and(|p| p.as_slice() == path))
                .collect()
        })
        .unwrap_or_default()
}

/// Inserts rows of one table in one statement.
async fn insert_rows<A>(db: &sea_orm::DatabaseConnection, rows: impl IntoIterator<Item = A>)
where
    A: sea_orm::ActiveModelTrait + Send,
{
    use sea_orm::EntityTrait;
    A::Entity::insert_many(rows).exec(db).await.unwrap();
}

/// Inserts, into an empty migrated database, a minimal province and `n` cases led by `CA`, each
/// with every relation present (coordinators, commune, border gate, campaign, seizure, subject,
/// customs and investigation records), so statement counts can be compared across page sizes.
pub async fn insert_rich_cases(db: &sea_orm::DatabaseConnection, n: i64) {
    use entity::*;
    use sea_orm::ActiveValue::Set;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 5, 10).unwrap();
    let now = chrono::Utc::now();
    insert_communes(db, &[(1, "DONG_DANG", "Đồng Đăng", Some(day))]).await;
    insert_agencies(
        db,
        &[
            (1, "CA", "Agency CA", "police", "provincial", None),
            (2, "HQ", "Agency HQ", "customs", "provincial", None),
        ],
    )
    .await;
    insert_rows(
        db,
        [border_gates::ActiveModel {
            id: Set(1),
            code: Set("HUU_NGHI".into()),
            name: Set("Cửa khẩu quốc tế Hữu Nghị".into()),
            kind: Set("international_gate".into()),
            commune_id: Set(1),
        }],
    )
    .await;
    insert_rows(
        db,
        [directives::ActiveModel {
            id: Set(1),
            symbol: Set("38/CĐ-TTg".into()),
            number: Set(38),
            doc_type: Set("cd".into()),
            issuer: Set("TTg".into()),
            drafting_unit: Set(None),
            issuer_name: Set("Thủ tướng Chính phủ".into()),
            issued_on: Set(day),
            year: Set(2026),
            title: Set("Công điện".into()),
            valid_from: Set(None),
            valid_until: Set(None),
            created_at: Set(now),
            ..Default::default()
        }],
    )
    .await;
    insert_rows(
        db,
        [campaigns::ActiveModel {
            id: Set(1),
            code: Set("SHTT_2026".into()),
            name: Set("Cao điểm".into()),
            starts_on: Set(day),
            ends_on: Set(day),
            directive_id: Set(Some(1)),
            focus_commodity_groups: Set("cosmetics".into()),
            focus_violation_types: Set("counterfeit".into()),
            description: Set(None),
            ..Default::default()
        }],
    )
    .await;
    let ids: Vec<i64> = (1..=n).collect();
    insert_rows(
        db,
        ids.iter().map(|&id| cases::ActiveModel {
            id: Set(id),
            code: Set(format!("VV-2026-{id:05}")),
            title: Set(format!("Vụ {id}")),
            violation_type: Set("smuggling".into()),
            commodity_group: Set("frozen_food".into()),
            channel: Set("border_gate".into()),
            platform: Set(None),
            lead_agency_id: Set(1),
            commune_id: Set(Some(1)),
            border_gate_id: Set(Some(1)),
            detected_on: Set(day),
            status: Set("prosecuted".into()),
            goods_summary: Set("Thực phẩm đông lạnh".into()),
            fine_amount: Set(1_000_000),
            tax_arrears: Set(0),
            goods_value: Set(5_000_000),
            budget_collected: Set(1_000_000),
            handled_on: Set(Some(day)),
            subject_count: Set(0),
            search_key: Set(format!("vv-2026-{id:05} vu {id}")),
            version: Set(1),
            archived_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }),
    )
    .await;
    insert_rows(
        db,
        ids.iter().map(|&id| case_coordinators::ActiveModel {
            case_id: Set(id),
            agency_id: Set(2),
        }),
    )
    .await;
    insert_rows(
        db,
        ids.iter().map(|&id| case_campaigns::ActiveModel {
            case_id: Set(id),
            campaign_id: Set(1),
        }),
    )
    .await;
    insert_rows(
        db,
        ids.iter().map(|&id| seizures::ActiveModel {
            id: Set(id),
            case_id: Set(id),
            item: Set("Chân gà đông lạnh".into()),
            commodity_group: Set("frozen_food".into()),
            quantity: Set(1.5),
            unit: Set("tấn".into()),
            estimated_value: Set(5_000_000),
            hs_code: Set(Some("0207".into())),
            storage_place: Set(None),
            disposal_status: Set("held".into()),
            disposal_approved_on: Set(None),
            disposal_approval_ref: Set(None),
            ..Default::default()
        }),
    )
    .await;
    insert_rows(
        db,
        ids.iter().map(|&id| subjects::ActiveModel {
            id: Set(id),
            case_id: Set(id),
            kind: Set("person".into()),
            role: Set("carrier".into()),
            full_name: Set("Nguyễn Văn An".into()),
            name_key: Set("nguyen van an".into()),
            id_number: Set(Some(format!("{:012}", id))),
            date_of_birth: Set(None),
            address: Set(None),
            nationality: Set(None),
            tax_code: Set(None),
            ..Default::default()
        }),
    )
    .await;
    insert_rows(
        db,
        ids.iter().map(|&id| customs_records::ActiveModel {
            id: Set(id),
            case_id: Set(id),
            declaration_number: Set(format!("105{id:09}")),
            declared_on: Set(day),
            regime: Set("Kinh doanh".into()),
            hs_codes: Set("0207".into()),
            importer_tax_code: Set(Some("4900000000".into())),
            exporter_tax_code: Set(None),
            inspection_result: Set("Phù hợp".into()),
            ..Default::default()
        }),
    )
    .await;
    insert_rows(
        db,
        ids.iter().map(|&id| investigation_records::ActiveModel {
            id: Set(id),
            case_id: Set(id),
            investigating_agency_id: Set(1),
            notes: Set("Ghi chú".into()),
            prosecution_decision: Set(Some(format!("{id}/QĐ-CSKT"))),
            prosecuted_on: Set(Some(day)),
            defendants: Set(1),
            ..Default::default()
        }),
    )
    .await;
    // PostgreSQL sequences must move past explicit ids.
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        for t in [
            "communes",
            "agencies",
            "border_gates",
            "directives",
            "campaigns",
            "cases",
            "seizures",
            "subjects",
            "customs_records",
            "investigation_records",
        ] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
            ))
            .await
            .unwrap();
        }
    }
    recount(db).await;
}

/// The viewer of a user of `role` in the agency `code`, as the CLI or a test calling the
/// services directly acts.
pub async fn agency_viewer(
    db: &sea_orm::DatabaseConnection,
    role: Role,
    code: &str,
) -> api::auth::Viewer {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let agency = entity::agencies::Entity::find()
        .filter(entity::agencies::Column::Code.eq(code))
        .one(db)
        .await
        .expect("look up the agency")
        .expect("the agency exists");
    api::auth::Viewer {
        sub: format!("cli-{code}"),
        role,
        agency_id: Some(agency.id),
        agency_code: Some(code.into()),
        commune_id: None,
        commune_code: None,
    }
}

/// After a fixture wrote cases, subjects or investigation records by SQL, behind the services'
/// back: recounts each case's subjects and rebuilds the rollups, as `hub389 recount` does.
pub async fn recount(db: &sea_orm::DatabaseConnection) {
    api::service::case_records::recount_all(db)
        .await
        .expect("recount the subjects and rebuild the rollups");
}

/// Rebuilds the rollups after a fixture wrote cases (or their subjects' counts, or their
/// investigation records) by SQL, so statistics read what the services would have kept.
pub async fn rebuild_rollups(db: &sea_orm::DatabaseConnection) {
    let txn = api::db::begin_unbounded(db).await.expect("begin");
    api::service::rollups::rebuild(&txn)
        .await
        .expect("rebuild the rollups");
    txn.commit().await.expect("commit");
}

/// A server started from a configuration, stopped on demand (graceful shutdown as on SIGTERM).
pub struct Server {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Builds and starts the application; the error is the start-up refusal, if any.
    pub async fn start(
        config: &Config,
        db: Option<sea_orm::DatabaseConnection>,
    ) -> anyhow::Result<Server> {
        api::telemetry::init().expect("telemetry");
        let app = api::http::app::Application::build(config, db).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        Ok(Server {
            base,
            stop: Some(tx),
            handle,
        })
    }

    /// Why `config` may not start a server: the start-up refusal with its causes (`{:#}`), as
    /// an operator reads it. Panics if the server starts.
    pub async fn refusal(config: &Config) -> String {
        match Server::start(config, None).await {
            Ok(_) => panic!("the server must refuse to start"),
            Err(e) => format!("{e:#}"),
        }
    }

    /// Starts the graceful shutdown without waiting for it.
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    /// Shuts down gracefully and waits until the server has finished.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        self.begin_shutdown();
        self.handle.await.expect("server task")
    }

    /// POSTs a GraphQL request: (HTTP status, Retry-After header, body).
    pub async fn post(
        &self,
        client: &reqwest::Client,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Result<(u16, Option<String>, Value), reqwest::Error> {
        let resp = graphql_request(client, &self.base, token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?;
        let status = resp.status().as_u16();
        let retry = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok((status, retry, resp.json::<Value>().await?))
    }

    /// The status of `GET /readyz`.
    pub async fn ready(&self, client: &reqwest::Client) -> u16 {
        client
            .get(format!("{}/readyz", self.base))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }
}

/// Signs a token with the test secret.
pub fn sign(role: Role, agency: Option<&str>, commune: Option<&str>) -> String {
    JwtKeys::from_settings(&test_jwt(), std::path::Path::new("."))
        .expect("keys")
        .sign("tester", role, agency, commune, chrono::Duration::hours(1))
        .expect("sign")
}

/// The row id behind an `id` the API returned: a global id of any kind (see
/// `api::graphql::node`), or a record's plain row number.
pub fn row_id(id: &str) -> i64 {
    match api::graphql::node::parse_global_id(id) {
        Some((_, row)) => row,
        None => id.parse().expect("an id of this server"),
    }
}

/// Inserts agencies as a test's fixture: (id, code, name, kind, level, commune), no parent;
/// every agency but a commune's committee is a member of the Steering Committee.
pub async fn insert_agencies(
    db: &sea_orm::DatabaseConnection,
    rows: &[(i64, &str, &str, &str, &str, Option<i64>)],
) {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    for &(id, code, name, kind, level, commune_id) in rows {
        entity::agencies::Entity::insert(entity::agencies::ActiveModel {
            id: Set(id),
            code: Set(code.into()),
            name: Set(name.into()),
            short_name: Set(None),
            kind: Set(kind.into()),
            level: Set(level.into()),
            parent_id: Set(None),
            commune_id: Set(commune_id),
            is_member: Set(kind != "commune"),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
}

/// Inserts border communes as a test's fixture: (id, code, name, the day its 389 committee was
/// set up).
pub async fn insert_communes(
    db: &sea_orm::DatabaseConnection,
    rows: &[(i64, &str, &str, Option<chrono::NaiveDate>)],
) {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    for &(id, code, name, committee) in rows {
        entity::communes::Entity::insert(entity::communes::ActiveModel {
            id: Set(id),
            code: Set(code.into()),
            name: Set(name.into()),
            kind: Set("commune".into()),
            is_border: Set(true),
            committee_established_on: Set(committee),
            ..Default::default()
        })
        .exec(db)
        .await
        .expect("insert a commune");
    }
}

/// A GraphQL websocket client speaking `graphql-transport-ws`, for the subscription tests.
pub mod live {
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use serde_json::{Value, json};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    type Socket = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    /// How long a test waits for a message it expects before failing (a bound, not a timing
    /// assertion: a message arrives within milliseconds).
    pub const PATIENCE: Duration = Duration::from_secs(20);

    /// What the server sent.
    #[derive(Debug)]
    pub enum Received {
        Json(Value),
        Closed(Option<u16>, String),
    }

    pub struct Live {
        socket: Socket,
    }

    impl Live {
        /// Opens a socket to `base` (`http://…`) and sends `connection_init` with `payload`.
        pub async fn open(base: &str, payload: Value) -> Live {
            let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
            let mut req = url.into_client_request().expect("ws request");
            req.headers_mut().insert(
                "sec-websocket-protocol",
                "graphql-transport-ws".parse().expect("header"),
            );
            let (socket, resp) = tokio_tungstenite::connect_async(req)
                .await
                .expect("ws connect");
            assert_eq!(
                resp.headers()
                    .get("sec-websocket-protocol")
                    .and_then(|v| v.to_str().ok()),
                Some("graphql-transport-ws")
            );
            let mut live = Live { socket };
            live.send(json!({ "type": "connection_init", "payload": payload }))
                .await;
            live
        }

        /// Opens a socket with `token` and waits for the server's acknowledgement.
        pub async fn connect(base: &str, token: &str) -> Live {
            let mut live =
                Live::open(base, json!({ "Authorization": format!("Bearer {token}") })).await;
            match live.next().await {
                Received::Json(m) if m["type"] == "connection_ack" => live,
                other => panic!("expected connection_ack, got {other:?}"),
            }
        }

        pub async fn send(&mut self, msg: Value) {
            self.socket
                .send(Message::Text(msg.to_string().into()))
                .await
                .expect("ws send");
        }

        /// Starts a subscription with the given id.
        pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
            self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
                .await;
        }

        /// Ends a subscription from the client's side.
        pub async fn complete(&mut self, id: &str) {
            self.send(json!({ "id": id, "type": "complete" })).await;
        }

        /// The next message (pings answered), or a panic after [`PATIENCE`].
        pub async fn next(&mut self) -> Received {
            loop {
                let msg = tokio::time::timeout(PATIENCE, self.socket.next())
                    .await
                    .expect("a message from the server in time");
                match msg {
                    Some(Ok(Message::Text(t))) => {
                        let v: Value = serde_json::from_str(&t).expect("JSON message");
                        if v["type"] == "ping" {
                            self.send(json!({ "type": "pong" })).await;
                            continue;
                        }
                        return Received::Json(v);
                    }
                    Some(Ok(Message::Close(frame))) => {
                        return Received::Closed(
                            frame.as_ref().map(|f| u16::from(f.code)),
                            frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                        );
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Received::Closed(None, e.to_string()),
                    None => return Received::Closed(None, "ended".into()),
                }
            }
        }

        /// The next message, which must be JSON.
        pub async fn next_json(&mut self) -> Value {
            match self.next().await {
                Received::Json(v) => v,
                other => panic!("expected a message, got {other:?}"),
            }
        }

        /// The errors a subscription was answered with: an `error` message's payload (refused
        /// before it ran), or the errors of a `next` message (refused while it ran); and the
        /// message itself, for the assertions to show.
        pub async fn next_errors(&mut self) -> (Value, Value) {
            let msg = self.next_json().await;
            let errors = match msg["type"].as_str() {
                Some("error") => msg["payload"].clone(),
                Some("next") => msg["payload"]["errors"].clone(),
                _ => panic!("expected an error or a next message, got {msg}"),
            };
            (errors, msg)
        }

        /// The next message if one comes within `ms` milliseconds, which must be JSON.
        pub async fn next_within(&mut self, ms: u64) -> Option<Value> {
            tokio::time::timeout(std::time::Duration::from_millis(ms), self.next_json())
                .await
                .ok()
        }
    }
}
