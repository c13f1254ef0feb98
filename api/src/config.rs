//! Typed configuration, read once from the environment. Secrets are wrapped so that they never
//! print (not in `Debug`, not in logs).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
    /// `HUB389_JWT_SECRET`: an HS256 secret. When neither this nor a public key is set, the
    /// server generates one and keeps it in `data_dir` (see [`crate::auth::load_or_create_secret`]).
    pub secret: Option<Secret>,
    /// `HUB389_JWT_PUBLIC_KEY`: path to a PEM public key (RSA or EC P-256) of the province's
    /// identity provider; tokens are then RS256 or ES256 and this server cannot mint them.
    pub public_key_path: Option<PathBuf>,
    /// `HUB389_JWT_ISSUER`, checked when set.
    pub issuer: Option<String>,
    /// `HUB389_JWT_AUDIENCE`, checked when set.
    pub audience: Option<String>,
}

/// Limits that protect the server from expensive or abusive requests.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Operations in one batched HTTP request.
    pub max_batch: usize,
    /// Request body size in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 12,
            max_complexity: 5_000,
            max_batch: 10,
            max_body_bytes: 256 * 1024,
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
}

impl Default for WorkflowSettings {
    fn default() -> Self {
        WorkflowSettings {
            tip_rate_per_minute: 5,
            tip_max_bytes: 8000,
            report_due_day: 17,
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
    /// `HUB389_DATA_KEY`: base64 of the 32-byte key that encrypts informant data. When unset,
    /// one is generated beside the database (see [`crate::crypto`]).
    pub data_key: Option<Secret>,
    pub workflow: WorkflowSettings,
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

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let bind = env("HUB389_BIND").unwrap_or_else(|| DEFAULT_BIND.to_string());
        let bind: SocketAddr = bind
            .parse()
            .with_context(|| format!("HUB389_BIND is not an address: {bind}"))?;
        let database_url = env("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let data_dir = data_dir_for(&database_url);
        let demo_data = env("HUB389_DEMO_DATA")
            .map(|v| v != "0" && v != "false")
            .unwrap_or(true);
        Ok(Config {
            bind,
            database_url,
            data_dir,
            jwt: JwtSettings {
                secret: env("HUB389_JWT_SECRET").map(|s| Secret::new(s.into_bytes())),
                public_key_path: env("HUB389_JWT_PUBLIC_KEY").map(PathBuf::from),
                issuer: env("HUB389_JWT_ISSUER"),
                audience: env("HUB389_JWT_AUDIENCE"),
            },
            demo_data,
            limits: Limits::default(),
            data_key: env("HUB389_DATA_KEY").map(|s| Secret::new(s.into_bytes())),
            workflow: WorkflowSettings {
                tip_rate_per_minute: parse_env("HUB389_TIP_RATE_PER_MINUTE", 5)?,
                tip_max_bytes: parse_env("HUB389_TIP_MAX_BYTES", 8000)?,
                report_due_day: parse_env("HUB389_REPORT_DUE_DAY", 17)?,
            },
        })
    }

    /// A description of the database safe to log: the password of a URL is never printed.
    pub fn database_display(&self) -> String {
        redact_url(&self.database_url)
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

fn redact_url(url: &str) -> String {
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
