//! Typed configuration, read once from the environment. Secrets are wrapped so that they never
//! print (not in `Debug`, not in logs).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

/// A secret value whose `Debug` output is redacted.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(bytes)
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// How tokens are verified.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `HUB389_JWT_SECRET` (the secret itself) or `HUB389_JWT_SECRET_FILE` (a file holding it
    /// in base64, as `hub389 keys generate` writes it): an HS256 secret. On SQLite, when neither
    /// this nor a public key is set, the server generates one and keeps it in `data_dir` (see
    /// [`crate::auth::load_or_create_secret`]); on PostgreSQL one must be configured.
    pub secret: Option<Secret>,
    /// `HUB389_JWT_PUBLIC_KEY`: path to a PEM public key (RSA or EC P-256) of the province's
    /// identity provider; tokens are then RS256 or ES256 and this server cannot mint them.
    pub public_key_path: Option<PathBuf>,
    /// `HUB389_JWT_ISSUER`, checked when set.
    pub issuer: Option<String>,
    /// `HUB389_JWT_AUDIENCE`, checked when set: one audience or a comma-separated list, any
    /// of which the token's `aud` (a string or a list) must name.
    pub audience: Option<String>,
    /// `HUB389_JWT_MAX_LIFETIME` (default 12h): tokens whose `exp - iat` is longer are refused,
    /// so a leaked long-lived token is useless.
    pub max_lifetime: Duration,
    /// `HUB389_JWT_ROLE_CLAIM`, `HUB389_JWT_AGENCY_CLAIM`, `HUB389_JWT_COMMUNE_CLAIM` (defaults
    /// `role`, `agency`, `commune`): where an identity provider puts them, as a dot path into
    /// the claims (`realm_access.hub389_role`). A list found there gives its first string.
    pub claim_paths: ClaimPaths,
    /// `HUB389_JWT_JWKS_FILE`: a JSON Web Key Set of the identity provider (RS256/ES256 keys by
    /// `kid`), re-read when a token names a `kid` it does not hold, so keys rotate without a
    /// restart.
    pub jwks_path: Option<PathBuf>,
}

/// Claim names (dot paths) of the role, agency and commune.
#[derive(Debug, Clone)]
pub struct ClaimPaths {
    pub role: String,
    pub agency: String,
    pub commune: String,
}

impl Default for ClaimPaths {
    fn default() -> Self {
        ClaimPaths {
            role: "role".into(),
            agency: "agency".into(),
            commune: "commune".into(),
        }
    }
}

impl JwtSettings {
    /// An HS256 secret and nothing else configured.
    pub fn with_secret(secret: Option<Secret>) -> JwtSettings {
        JwtSettings {
            secret,
            public_key_path: None,
            issuer: None,
            audience: None,
            max_lifetime: Duration::from_secs(12 * 3600),
            claim_paths: ClaimPaths::default(),
            jwks_path: None,
        }
    }
}

/// Limits that protect the server from expensive or abusive requests.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Operations in one batched HTTP request.
    pub max_batch: usize,
    /// Aliased fields in one document.
    pub max_aliases: usize,
    /// Request body size in bytes.
    pub max_body_bytes: usize,
    /// `HUB389_INTROSPECTION` (default on): off in production hides the schema from clients
    /// (tools then use the checked-in `schema.graphql`).
    pub introspection: bool,
    /// `HUB389_MAX_COST` (default 25000): the most a request may cost, where a list field costs
    /// its page size times what each row asks for and statistics their period's months (see
    /// [`crate::graphql::cost`]). Checked before anything runs.
    pub max_cost: usize,
    /// `HUB389_COST_BUDGET_PER_MINUTE` (default 250000): what one user (by token subject, or one
    /// address without a token) may spend per minute; 0 for no budget.
    pub cost_budget_per_minute: u32,
    /// `HUB389_REQUEST_TIMEOUT` (default 15s): a GraphQL request still running after this is
    /// stopped and answered with an error.
    pub request_timeout: Duration,
    /// `HUB389_TRUSTED_DOCUMENTS_ONLY` (default `press,anonymous`): the roles (and `anonymous`
    /// for callers without a token) that may only run registered documents; `none` opens it
    /// to all. See [`crate::graphql::trusted`].
    pub trusted_only: TrustedPolicy,
    /// `HUB389_TRUSTED_PROXIES`: load balancers whose `X-Forwarded-For` names the client (see
    /// [`crate::limiter::TrustedProxies`]).
    pub trusted_proxies: crate::limiter::TrustedProxies,
    /// `HUB389_LIVE_SOCKETS_PER_ADDRESS` (default 64, at most 1000): live sockets one client
    /// address (an IPv6 /64) holds at once; raise it for an office whose staff share one
    /// address. See [`crate::http::live`].
    pub live_sockets_per_address: usize,
    /// `HUB389_LIVE_SOCKETS_PER_USER` (default 8, at most 1000): live sockets one user holds.
    pub live_sockets_per_user: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 12,
            max_complexity: 5_000,
            max_batch: 10,
            max_aliases: 50,
            max_body_bytes: 256 * 1024,
            introspection: true,
            max_cost: 25_000,
            cost_budget_per_minute: 250_000,
            request_timeout: Duration::from_secs(15),
            trusted_only: TrustedPolicy::default(),
            trusted_proxies: crate::limiter::TrustedProxies::default(),
            live_sockets_per_address: 64,
            live_sockets_per_user: 8,
        }
    }
}

/// Settings of the workflows (issue-specific knobs, all from the environment).
#[derive(Debug, Clone)]
pub struct WorkflowSettings {
    /// `HUB389_TIP_RATE_PER_MINUTE`: tips accepted per client address per minute (default 5).
    pub tip_rate_per_minute: u32,
    /// `HUB389_TIP_MAX_BYTES`: largest tip content accepted, in bytes (default 8000).
    pub tip_max_bytes: usize,
    /// `HUB389_REPORT_DUE_DAY`: monthly reports are due before this day of the month (default
    /// 17, Lào Cai's rule).
    pub report_due_day: u32,
    /// `HUB389_TIP_STATUS_RATE_PER_MINUTE`: tracking-code lookups per client address per
    /// minute (default 20), so codes cannot be guessed at speed.
    pub tip_status_rate_per_minute: u32,
    /// `HUB389_PUBLICATION_REFUSALS_PER_HOUR`: publication texts a user may have refused by the
    /// restricted-data check per hour (default 10); past it, drafting is refused for a while and
    /// an audit alert is written.
    pub publication_refusals_per_hour: u32,
    /// `HUB389_SMALL_CELL_K` (default 3): a statistics cell counting fewer cases than this is
    /// suppressed for the press (and its money figures with it).
    pub small_cell_k: i64,
    /// `HUB389_PROVINCE` (default "Lạng Sơn"): the province named in report headings.
    pub province: String,
    /// `HUB389_DEADLINE_SCAN` (default `1m`; `0s` turns it off): how often the fleet's one
    /// deadline scheduler looks for tasks due soon or newly overdue (`taskDue`).
    pub deadline_scan: Duration,
}

impl Default for WorkflowSettings {
    fn default() -> Self {
        WorkflowSettings {
            tip_rate_per_minute: 5,
            tip_max_bytes: 8000,
            report_due_day: 17,
            tip_status_rate_per_minute: 20,
            publication_refusals_per_hour: 10,
            small_cell_k: 3,
            province: "Lạng Sơn".into(),
            deadline_scan: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `HUB389_BIND`, default `127.0.0.1:8000`.
    pub bind: SocketAddr,
    /// `DATABASE_URL`, default a SQLite file `hub389.db` in the working directory.
    pub database_url: String,
    /// Where generated secrets live: beside the SQLite file, or the working directory.
    pub data_dir: PathBuf,
    pub jwt: JwtSettings,
    /// Load the demo data into an empty database on start (`HUB389_DEMO_DATA`, default on).
    pub demo_data: bool,
    pub limits: Limits,
    /// `HUB389_DATA_KEY` (base64 of the 32-byte key that encrypts informant data) or
    /// `HUB389_DATA_KEY_FILE` (a file holding that base64). On SQLite, when unset, one is
    /// generated beside a new database (see [`crate::keys`]); on PostgreSQL it is required.
    pub data_key: Option<Secret>,
    /// Where `data_key` came from (`HUB389_DATA_KEY` or `HUB389_DATA_KEY_FILE=<path>`).
    pub data_key_origin: String,
    pub workflow: WorkflowSettings,
    /// `HUB389_DB_TIMEOUT` (seconds, default 3): how long a request waits for the database
    /// before failing with `UNAVAILABLE`.
    pub db_timeout: Duration,
    /// `HUB389_SHUTDOWN_GRACE` (default 30s): how long in-flight requests may take to finish
    /// after SIGTERM/SIGINT before the process exits anyway.
    pub shutdown_grace: Duration,
    /// `HUB389_CORS_ORIGINS`: browser origins allowed to call the API (see [`crate::http::cors`]).
    pub cors_origins: Vec<String>,
    /// `HUB389_SHUTDOWN_DELAY` (default 0s): how long `/readyz` reports 503 before the listener
    /// closes, so a load balancer stops routing here first.
    pub shutdown_delay: Duration,
    /// `HUB389_STATEMENT_TIMEOUT` (default 10s): PostgreSQL's `statement_timeout` on every
    /// pooled connection, so a runaway statement is cancelled by the server itself.
    pub statement_timeout: Duration,
    /// `HUB389_DB_POOL_SIZE` (default: 8 on SQLite, 20 on PostgreSQL): the most pooled
    /// connections this instance holds (see [`crate::db::DbSettings::pool_size`]).
    pub pool_size: Option<u32>,
    /// `HUB389_LOG_STATEMENTS` (default off): log every SQL statement at INFO under the
    /// `sqlx::query` target, which the default filter hides: run with
    /// `RUST_LOG=info,sqlx::query=info` (the benchmark counts statements per request this way).
    pub log_statements: bool,
    /// Who may read `/metrics` (`HUB389_METRICS`, `HUB389_METRICS_TOKEN`).
    pub metrics: MetricsAccess,
}

/// Who may read `GET /metrics`. It shows operational counts only (operation names, outcome
/// codes, pool use, tips and audit events counted), but not to the world by default: it tells
/// an outsider how busy the hub is and which operations its clients run.
#[derive(Debug, Clone)]
pub enum MetricsAccess {
    /// The default: no `/metrics` (404), and no metrics kept.
    Off,
    /// `HUB389_METRICS=on`: anyone who reaches the port (a scraper on a private network, the
    /// server bound to localhost behind a proxy that does not route `/metrics`).
    Open,
    /// `HUB389_METRICS_TOKEN` (or `HUB389_METRICS_TOKEN_FILE`), at least 16 characters: a
    /// scraper sends `Authorization: Bearer <token>` (Prometheus' `authorization` setting);
    /// anything else is 401.
    Token(Secret),
}

impl MetricsAccess {
    pub fn enabled(&self) -> bool {
        !matches!(self, MetricsAccess::Off)
    }

    fn from_env() -> anyhow::Result<MetricsAccess> {
        let on = match env("HUB389_METRICS") {
            None => None,
            Some(_) => Some(bool_env("HUB389_METRICS", false)?),
        };
        Self::decide(on, secret_env("HUB389_METRICS_TOKEN", true)?)
    }

    /// From `HUB389_METRICS` (when set) and the token with where it came from (when set).
    fn decide(on: Option<bool>, token: Option<(Secret, String)>) -> anyhow::Result<MetricsAccess> {
        match (token, on) {
            (Some(_), Some(false)) => {
                anyhow::bail!("HUB389_METRICS=off contradicts HUB389_METRICS_TOKEN: unset one")
            }
            (Some((token, origin)), _) => {
                if token.expose().len() < 16 {
                    anyhow::bail!("{origin}: the metrics token is at least 16 characters");
                }
                Ok(MetricsAccess::Token(token))
            }
            (None, Some(true)) => Ok(MetricsAccess::Open),
            (None, _) => Ok(MetricsAccess::Off),
        }
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://hub389.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_env<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match env(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} is not a valid number: {v}")),
    }
}

/// A secret given either directly (`NAME`) or as a file path (`NAME_FILE`, base64 content),
/// with where it came from (for messages; never the value). Both set is a mistake worth
/// refusing: which one wins would be a guess.
fn secret_env(name: &str, raw_is_base64: bool) -> anyhow::Result<Option<(Secret, String)>> {
    let file_var = format!("{name}_FILE");
    match (env(name), env(&file_var)) {
        (Some(_), Some(_)) => anyhow::bail!("set either {name} or {file_var}, not both"),
        (Some(v), None) => Ok(Some((Secret::new(v.into_bytes()), name.to_string()))),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {file_var}={path}"))?;
            let text = text.trim();
            let origin = format!("{file_var}={path}");
            if raw_is_base64 {
                // The data key is configured as base64 in both forms.
                Ok(Some((Secret::new(text.as_bytes().to_vec()), origin)))
            } else {
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| anyhow::anyhow!("{file_var}={path} does not hold base64"))?;
                Ok(Some((Secret::new(bytes), origin)))
            }
        }
        (None, None) => Ok(None),
    }
}

/// A bound of live sockets: 1 to 1000 (the instance's own bound).
fn sockets_env(name: &str, default: usize) -> anyhow::Result<usize> {
    match parse_env::<usize>(name, default)? {
        n @ 1..=1000 => Ok(n),
        n => anyhow::bail!("{name} is 1 to 1000 (got {n})"),
    }
}

fn bool_env(name: &str, default: bool) -> anyhow::Result<bool> {
    match env(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("1" | "true" | "on" | "yes") => Ok(true),
        Some("0" | "false" | "off" | "no") => Ok(false),
        Some(v) => anyhow::bail!("{name} is on or off, not {v}"),
    }
}

fn duration_env(name: &str, default: Duration) -> anyhow::Result<Duration> {
    match env(name) {
        None => Ok(default),
        Some(v) => {
            let v = v.trim();
            // A bare number is seconds; otherwise a humantime duration (500ms, 2s, 1m).
            if let Ok(secs) = v.parse::<f64>() {
                if secs.is_finite() && secs >= 0.0 {
                    return Ok(Duration::from_secs_f64(secs));
                }
            }
            humantime::parse_duration(v)
                .map_err(|_| anyhow::anyhow!("{name} is not a duration (e.g. 3, 2s, 500ms): {v}"))
        }
    }
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let bind = env("HUB389_BIND").unwrap_or_else(|| DEFAULT_BIND.to_string());
        let bind: SocketAddr = bind
            .parse()
            .with_context(|| format!("HUB389_BIND is not an address: {bind}"))?;
        let database_url = env("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let data_dir = data_dir_for(&database_url);
        let demo_data = bool_env("HUB389_DEMO_DATA", true)?;
        let data_key = secret_env("HUB389_DATA_KEY", true)?;
        Ok(Config {
            bind,
            database_url,
            data_dir,
            jwt: JwtSettings {
                secret: secret_env("HUB389_JWT_SECRET", false)?.map(|(s, _)| s),
                public_key_path: env("HUB389_JWT_PUBLIC_KEY").map(PathBuf::from),
                issuer: env("HUB389_JWT_ISSUER"),
                audience: env("HUB389_JWT_AUDIENCE"),
                max_lifetime: duration_env(
                    "HUB389_JWT_MAX_LIFETIME",
                    Duration::from_secs(12 * 3600),
                )?,
                claim_paths: ClaimPaths {
                    role: env("HUB389_JWT_ROLE_CLAIM").unwrap_or_else(|| "role".into()),
                    agency: env("HUB389_JWT_AGENCY_CLAIM").unwrap_or_else(|| "agency".into()),
                    commune: env("HUB389_JWT_COMMUNE_CLAIM").unwrap_or_else(|| "commune".into()),
                },
                jwks_path: env("HUB389_JWT_JWKS_FILE").map(PathBuf::from),
            },
            demo_data,
            limits: Limits {
                introspection: bool_env("HUB389_INTROSPECTION", true)?,
                max_cost: parse_env("HUB389_MAX_COST", 25_000)?,
                cost_budget_per_minute: parse_env("HUB389_COST_BUDGET_PER_MINUTE", 250_000)?,
                request_timeout: duration_env("HUB389_REQUEST_TIMEOUT", Duration::from_secs(15))?,
                trusted_only: match env("HUB389_TRUSTED_DOCUMENTS_ONLY") {
                    Some(v) => TrustedPolicy::parse(&v)?,
                    None => TrustedPolicy::default(),
                },
                trusted_proxies: crate::limiter::TrustedProxies::parse(
                    &env("HUB389_TRUSTED_PROXIES").unwrap_or_default(),
                )?,
                live_sockets_per_address: sockets_env("HUB389_LIVE_SOCKETS_PER_ADDRESS", 64)?,
                live_sockets_per_user: sockets_env("HUB389_LIVE_SOCKETS_PER_USER", 8)?,
                ..Limits::default()
            },
            statement_timeout: duration_env("HUB389_STATEMENT_TIMEOUT", Duration::from_secs(10))?,
            log_statements: bool_env("HUB389_LOG_STATEMENTS", false)?,
            metrics: MetricsAccess::from_env()?,
            pool_size: match parse_env::<u32>("HUB389_DB_POOL_SIZE", 0)? {
                0 => None,
                n @ 1..=500 => Some(n),
                n => anyhow::bail!("HUB389_DB_POOL_SIZE is at most 500 (got {n})"),
            },
            data_key: data_key.as_ref().map(|(s, _)| s.clone()),
            data_key_origin: data_key
                .map(|(_, o)| o)
                .unwrap_or_else(|| "HUB389_DATA_KEY".into()),
            workflow: WorkflowSettings {
                tip_rate_per_minute: parse_env("HUB389_TIP_RATE_PER_MINUTE", 5)?,
                tip_max_bytes: parse_env("HUB389_TIP_MAX_BYTES", 8000)?,
                report_due_day: parse_env("HUB389_REPORT_DUE_DAY", 17)?,
                tip_status_rate_per_minute: parse_env("HUB389_TIP_STATUS_RATE_PER_MINUTE", 20)?,
                publication_refusals_per_hour: parse_env(
                    "HUB389_PUBLICATION_REFUSALS_PER_HOUR",
                    10,
                )?,
                small_cell_k: parse_env("HUB389_SMALL_CELL_K", 3)?,
                // NFC like every name we print: set in decomposed form it went out so in the
                // export's heading and the feed (a review, stop 35).
                province: env("HUB389_PROVINCE")
                    .map(|p| crate::text::nfc(&p))
                    .unwrap_or_else(|| "Lạng Sơn".into()),
                deadline_scan: duration_env("HUB389_DEADLINE_SCAN", Duration::from_secs(60))?,
            },
            db_timeout: duration_env("HUB389_DB_TIMEOUT", Duration::from_secs(3))?,
            shutdown_grace: duration_env("HUB389_SHUTDOWN_GRACE", Duration::from_secs(30))?,
            shutdown_delay: duration_env("HUB389_SHUTDOWN_DELAY", Duration::ZERO)?,
            cors_origins: crate::http::cors::parse_origins(
                &env("HUB389_CORS_ORIGINS").unwrap_or_default(),
            )?,
        })
    }

    /// Settings that contradict each other, refused at start rather than discovered by a
    /// client: a budget smaller than the largest request allowed would refuse such requests
    /// forever while telling the client to try again.
    pub fn check(&self) -> anyhow::Result<()> {
        let l = &self.limits;
        if l.cost_budget_per_minute != 0 && (l.cost_budget_per_minute as usize) < l.max_cost {
            anyhow::bail!(
                "HUB389_COST_BUDGET_PER_MINUTE ({}) is below HUB389_MAX_COST ({}): a request the server allows could never run",
                l.cost_budget_per_minute,
                l.max_cost
            );
        }
        Ok(())
    }

    /// A description of the database safe to log: the password of a URL is never printed.
    pub fn database_display(&self) -> String {
        redact_url(&self.database_url)
    }

    /// The pool settings this configuration implies.
    pub fn db_settings(&self) -> crate::db::DbSettings {
        crate::db::DbSettings {
            timeout: self.db_timeout,
            statement_timeout: Some(self.statement_timeout),
            log_statements: self.log_statements,
            pool_size: self.pool_size,
            ..crate::db::DbSettings::new(&self.database_url)
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// A configuration for tests and tools: everything at its default except the database.
    pub fn for_database(database_url: impl Into<String>) -> Config {
        let database_url = database_url.into();
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            data_dir: data_dir_for(&database_url),
            database_url,
            jwt: JwtSettings::with_secret(None),
            demo_data: true,
            limits: Limits::default(),
            data_key: None,
            data_key_origin: "HUB389_DATA_KEY".into(),
            workflow: WorkflowSettings::default(),
            db_timeout: Duration::from_secs(3),
            shutdown_grace: Duration::from_secs(30),
            shutdown_delay: Duration::ZERO,
            cors_origins: Vec::new(),
            statement_timeout: Duration::from_secs(10),
            log_statements: false,
            pool_size: None,
            metrics: MetricsAccess::Off,
        }
    }
}

/// For a SQLite URL, the directory holding the file; otherwise the working directory.
pub fn data_dir_for(database_url: &str) -> PathBuf {
    if let Some(path) = sqlite_path(database_url) {
        if let Some(parent) = Path::new(&path).parent() {
            if !parent.as_os_str().is_empty() {
                return parent.to_path_buf();
            }
        }
    }
    PathBuf::from(".")
}

/// The file path of a `sqlite:` URL, if it names a file.
pub fn sqlite_path(database_url: &str) -> Option<String> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(path.to_string())
    }
}

pub fn redact_url(url: &str) -> String {
    // scheme://user:password@host → scheme://user:***@host
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((creds, host)) = rest.split_once('@') {
            if let Some((user, _)) = creds.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_bounds_are_one_to_a_thousand() {
        // Variable names unique to this test, so parallel tests cannot interfere.
        // SAFETY: no other thread reads these variables.
        unsafe {
            std::env::set_var("HUB389_T_SOCKETS_ZERO", "0");
            std::env::set_var("HUB389_T_SOCKETS_MANY", "5000");
            std::env::set_var("HUB389_T_SOCKETS_OK", "200");
        }
        assert!(sockets_env("HUB389_T_SOCKETS_ZERO", 64).is_err());
        assert!(sockets_env("HUB389_T_SOCKETS_MANY", 64).is_err());
        assert_eq!(sockets_env("HUB389_T_SOCKETS_OK", 64).unwrap(), 200);
        assert_eq!(sockets_env("HUB389_T_SOCKETS_UNSET", 64).unwrap(), 64);
    }

    #[test]
    fn key_files_are_read_and_named_when_bad() {
        let dir =
            std::env::temp_dir().join(format!("hub389-cfg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("jwt");
        std::fs::write(&good, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=\n").unwrap();
        // Variable names unique to this test, so parallel tests cannot interfere.
        // SAFETY: no other thread reads these variables.
        unsafe {
            std::env::set_var("HUB389_T1_FILE", &good);
            std::env::set_var("HUB389_T2_FILE", dir.join("missing"));
            std::env::set_var("HUB389_T3", "x");
            std::env::set_var("HUB389_T3_FILE", &good);
        }
        let (s, origin) = secret_env("HUB389_T1", false).unwrap().unwrap();
        assert_eq!(s.expose(), b"secret-secret-secret-secret-secret!");
        assert!(origin.starts_with("HUB389_T1_FILE="));
        let err = secret_env("HUB389_T2", false).unwrap_err().to_string();
        assert!(
            err.contains("HUB389_T2_FILE") && err.contains("missing"),
            "{err}"
        );
        let err = secret_env("HUB389_T3", false).unwrap_err().to_string();
        assert!(err.contains("not both"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn durations_take_seconds_or_units() {
        // SAFETY: variable names unique to this test.
        unsafe {
            std::env::set_var("HUB389_T4", "2.5");
            std::env::set_var("HUB389_T5", "500ms");
            std::env::set_var("HUB389_T6", "soon");
        }
        assert_eq!(
            duration_env("HUB389_T4", Duration::ZERO).unwrap(),
            Duration::from_millis(2500)
        );
        assert_eq!(
            duration_env("HUB389_T5", Duration::ZERO).unwrap(),
            Duration::from_millis(500)
        );
        assert!(
            duration_env("HUB389_T6", Duration::ZERO)
                .unwrap_err()
                .to_string()
                .contains("HUB389_T6")
        );
        assert_eq!(
            duration_env("HUB389_T7_UNSET", Duration::from_secs(3)).unwrap(),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn metrics_are_off_unless_asked_for() {
        let token = |t: &str| {
            Some((
                Secret::new(t.as_bytes().to_vec()),
                "HUB389_METRICS_TOKEN".into(),
            ))
        };
        assert!(matches!(
            MetricsAccess::decide(None, None),
            Ok(MetricsAccess::Off)
        ));
        assert!(matches!(
            MetricsAccess::decide(Some(true), None),
            Ok(MetricsAccess::Open)
        ));
        let long = "0123456789abcdef";
        assert!(matches!(
            MetricsAccess::decide(None, token(long)),
            Ok(MetricsAccess::Token(_))
        ));
        assert!(matches!(
            MetricsAccess::decide(Some(true), token(long)),
            Ok(MetricsAccess::Token(_))
        ));
        assert!(MetricsAccess::decide(Some(false), token(long)).is_err());
        let short = MetricsAccess::decide(None, token("short"))
            .unwrap_err()
            .to_string();
        assert!(short.contains("16") && !short.contains("short"), "{short}");
    }

    #[test]
    fn secret_never_prints() {
        let s = Secret::new(b"hunter2".to_vec());
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
    }

    #[test]
    fn data_dir_beside_sqlite_file() {
        assert_eq!(
            data_dir_for("sqlite:///var/lib/hub/x.db?mode=rwc"),
            PathBuf::from("/var/lib/hub")
        );
        assert_eq!(
            data_dir_for("sqlite://hub389.db?mode=rwc"),
            PathBuf::from(".")
        );
        assert_eq!(data_dir_for("postgres://localhost/x"), PathBuf::from("."));
    }
}

/// Who may run only registered documents (see `graphql/trusted.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedPolicy {
    pub roles: Vec<crate::domain::access::Role>,
    /// Callers without a token.
    pub anonymous: bool,
}

impl Default for TrustedPolicy {
    /// The press and anonymous callers: the two whose every legitimate query is known in
    /// advance (the newspaper's site, the public tip form).
    fn default() -> Self {
        TrustedPolicy {
            roles: vec![crate::domain::access::Role::Press],
            anonymous: true,
        }
    }
}

impl TrustedPolicy {
    /// Every role may send any document.
    pub fn open() -> TrustedPolicy {
        TrustedPolicy {
            roles: vec![],
            anonymous: false,
        }
    }

    /// `press,anonymous`, `all`, or `none`.
    pub fn parse(s: &str) -> anyhow::Result<TrustedPolicy> {
        let mut p = TrustedPolicy::open();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "none" => {}
                "all" => {
                    p.roles = crate::domain::access::Role::ALL.to_vec();
                    p.anonymous = true;
                }
                "anonymous" => p.anonymous = true,
                other => p.roles.push(crate::domain::access::Role::parse(other).ok_or_else(|| {
                    anyhow::anyhow!(
                        "HUB389_TRUSTED_DOCUMENTS_ONLY: unknown role {other} (roles, `anonymous`, `all` or `none`)"
                    )
                })?),
            }
        }
        Ok(p)
    }

    pub fn restricts(&self, role: Option<crate::domain::access::Role>) -> bool {
        match role {
            Some(r) => self.roles.contains(&r),
            None => self.anonymous,
        }
    }
}
