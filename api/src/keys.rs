//! The deployment's two keys — the token key (JWT) and the informant data key — resolved in
//! one place, before any migration or data load touches the database.
//!
//! Rules (issue 8):
//! - **PostgreSQL** (a fleet of instances): both keys must be configured, by value
//!   (`HUB389_JWT_SECRET`, `HUB389_DATA_KEY`) or by file (`…_FILE`); an instance never invents
//!   its own, because a second instance could not read the first one's informants or tokens.
//!   `hub389 keys generate` writes a pair of key files.
//! - **SQLite** (one process, zero set-up): unconfigured keys are generated beside a *new*
//!   database. A database that already holds encrypted informant data never gets a fresh key:
//!   a missing key file is an error that says what to restore.
//! - The fingerprint of the data key is stored in the database (`server_keys`); an instance
//!   with another key refuses to start, naming both fingerprints (never the key).
//! - Rotation re-encrypts every stored informant field under the new key and moves the
//!   fingerprint, in one transaction ([`rotate_data_key`]).

use std::path::{Path, PathBuf};

use anyhow::Context;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QuerySelect,
};

use entity::{server_keys, tips};

use crate::auth::{JwtKeys, SECRET_FILE};
use crate::config::Config;
use crate::crypto::{DATA_KEY_FILE, DataKey};

const DATA_PURPOSE: &str = "data";

/// The keys a running server uses.
pub struct Keys {
    pub jwt: JwtKeys,
    pub data: DataKey,
    /// Where the data key came from (a variable or a file path), for the log.
    pub data_source: String,
}

/// Keys as configured, checked before anything else happens: unreadable or malformed key files
/// and, on PostgreSQL, missing keys stop the start here, naming the variable or file.
pub struct Preflight {
    jwt: JwtKeys,
    data: Option<(DataKey, String)>,
}

impl Preflight {
    /// The token key (for `hub389 token`).
    pub fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }
}

pub fn preflight(config: &Config) -> anyhow::Result<Preflight> {
    if !config.is_sqlite() {
        let jwt_missing = config.jwt.secret.is_none() && config.jwt.public_key_path.is_none();
        let data_missing = config.data_key.is_none();
        if jwt_missing || data_missing {
            let mut missing = Vec::new();
            if jwt_missing {
                missing.push(
                    "HUB389_JWT_SECRET_FILE (or HUB389_JWT_SECRET, or HUB389_JWT_PUBLIC_KEY)",
                );
            }
            if data_missing {
                missing.push("HUB389_DATA_KEY_FILE (or HUB389_DATA_KEY)");
            }
            anyhow::bail!(
                "on PostgreSQL every instance must use the same keys, so they are not generated: set {}. \
                 `hub389 keys generate --dir /etc/hub389` writes a pair of key files and prints the lines to set",
                missing.join(" and ")
            );
        }
    }
    let jwt = JwtKeys::from_settings(&config.jwt, &config.data_dir)?;
    let data = match &config.data_key {
        Some(s) => Some((
            DataKey::from_base64(s.expose(), &config.data_key_origin)?,
            config.data_key_origin.clone(),
        )),
        None => None,
    };
    Ok(Preflight { jwt, data })
}

/// The data key's fingerprint as stored, if the database has one (works before migrations).
pub async fn stored_fingerprint(db: &DatabaseConnection) -> anyhow::Result<Option<String>> {
    if !crate::db::table_exists(db, "server_keys").await? {
        return Ok(None);
    }
    Ok(server_keys::Entity::find_by_id(DATA_PURPOSE.to_string())
        .one(db)
        .await
        .context("reading the stored key fingerprint")?
        .map(|k| k.fingerprint))
}

/// One stored ciphertext, if any (works before migrations).
async fn some_ciphertext(db: &DatabaseConnection) -> anyhow::Result<Option<String>> {
    if !crate::db::table_exists(db, "tips").await? {
        return Ok(None);
    }
    let row = tips::Entity::find()
        .select_only()
        .column(tips::Column::ReporterName)
        .filter(tips::Column::ReporterName.like("v1:%"))
        .limit(1)
        .into_tuple::<Option<String>>()
        .one(db)
        .await
        .context("reading the stored informant data")?;
    Ok(row.flatten())
}

/// Settles the data key against the database, before migrations: the configured key, else
/// (SQLite only) the key file beside the database, generated only for a database that holds
/// no encrypted data yet. Refuses a key that is not the one the data is encrypted with.
pub async fn settle(
    db: &DatabaseConnection,
    config: &Config,
    preflight: Preflight,
) -> anyhow::Result<Keys> {
    let stored = stored_fingerprint(db).await?;
    let sample = some_ciphertext(db).await?;
    let (data, data_source) = match preflight.data {
        Some(configured) => configured,
        None => {
            let path = config.data_dir.join(DATA_KEY_FILE);
            let origin = path.display().to_string();
            match std::fs::read(&path) {
                Ok(text) => (DataKey::from_base64(&text, &origin)?, origin),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if stored.is_some() || sample.is_some() {
                        anyhow::bail!(
                            "the informant data key file {origin} is missing, but this database holds informant data \
                             encrypted with a key (fingerprint {}). Restore the key file from the backup, or set \
                             HUB389_DATA_KEY_FILE to it; a new key would make that data unreadable",
                            stored.as_deref().unwrap_or("not recorded")
                        );
                    }
                    let secret = crate::auth::load_or_create_secret(&path)?;
                    (DataKey::from_secret(&secret)?, origin)
                }
                Err(e) => anyhow::bail!("cannot read the data key file {origin}: {e}"),
            }
        }
    };
    if let Some(expected) = &stored {
        if expected != data.fingerprint() {
            anyhow::bail!(
                "the informant data key from {data_source} (fingerprint {}) is not the key this database's \
                 informant data is encrypted with (fingerprint {expected}). Configure that key (restore it from \
                 the backup), or rotate with `hub389 keys rotate-data-key` while the old key is configured",
                data.fingerprint()
            );
        }
    } else if let Some(ciphertext) = sample {
        // A database from before fingerprints were recorded: the key must open its data.
        if data.decrypt(&ciphertext).is_err() {
            anyhow::bail!(
                "the informant data key from {data_source} (fingerprint {}) cannot decrypt the informant data \
                 stored in this database; configure the key it was encrypted with",
                data.fingerprint()
            );
        }
    }
    Ok(Keys {
        jwt: preflight.jwt,
        data,
        data_source,
    })
}

/// Records the data key's fingerprint (after migrations). Two instances starting at once on
/// a new database with different keys: one row wins and the other instance refuses.
pub async fn record_fingerprint(db: &DatabaseConnection, key: &DataKey) -> anyhow::Result<()> {
    server_keys::Entity::insert(server_keys::ActiveModel {
        purpose: Set(DATA_PURPOSE.to_string()),
        fingerprint: Set(key.fingerprint().to_string()),
        created_at: Set(chrono::Utc::now()),
    })
    .on_conflict_do_nothing_on([server_keys::Column::Purpose])
    .exec(db)
    .await
    .context("recording the data key fingerprint")?;
    match stored_fingerprint(db).await? {
        Some(fp) if fp == key.fingerprint() => Ok(()),
        Some(fp) => anyhow::bail!(
            "another instance recorded a different informant data key (fingerprint {fp}, ours {}) for this database",
            key.fingerprint()
        ),
        None => anyhow::bail!("the data key fingerprint was not recorded"),
    }
}

/// Re-encrypts every stored informant field: clear text (demo rows, data from before
/// encryption) and, when `from` is given, ciphertext under `from`, to `to`. Runs inside the
/// caller's transaction. Returns the number of tips changed.
pub async fn reencrypt_reporters<C: ConnectionTrait>(
    conn: &C,
    from: Option<&DataKey>,
    to: &DataKey,
) -> anyhow::Result<u64> {
    let rows = tips::Entity::find()
        .select_only()
        .columns([
            tips::Column::Id,
            tips::Column::ReporterName,
            tips::Column::ReporterContact,
        ])
        .filter(
            sea_orm::Condition::any()
                .add(tips::Column::ReporterName.is_not_null())
                .add(tips::Column::ReporterContact.is_not_null()),
        )
        .into_tuple::<(i64, Option<String>, Option<String>)>()
        .all(conn)
        .await?;
    let convert = |v: &Option<String>| -> anyhow::Result<Option<String>> {
        let Some(s) = v else { return Ok(None) };
        let plain = if DataKey::is_encrypted(s) {
            match from {
                Some(old) => old.decrypt(s).map_err(|_| {
                    anyhow::anyhow!("a stored informant field does not decrypt with the old key")
                })?,
                None => return Ok(Some(s.clone())),
            }
        } else {
            s.clone()
        };
        Ok(Some(to.encrypt(&plain).map_err(|e| e.into_anyhow())?))
    };
    let mut changed = 0;
    for (id, name, contact) in rows {
        let new_name = convert(&name)?;
        let new_contact = convert(&contact)?;
        if new_name == name && new_contact == contact {
            continue;
        }
        tips::Entity::update_many()
            .col_expr(tips::Column::ReporterName, Expr::value(new_name))
            .col_expr(tips::Column::ReporterContact, Expr::value(new_contact))
            .filter(tips::Column::Id.eq(id))
            .exec(conn)
            .await?;
        changed += 1;
    }
    Ok(changed)
}

/// Encrypts informant fields still in clear (start-up; idempotent).
pub async fn encrypt_clear_reporters(
    db: &DatabaseConnection,
    key: &DataKey,
) -> anyhow::Result<u64> {
    let txn = crate::db::begin_write(db).await?;
    let changed = reencrypt_reporters(&txn, None, key).await?;
    txn.commit().await?;
    if changed > 0 {
        tracing::info!(tips = changed, "encrypted informant fields stored in clear");
    }
    Ok(changed)
}

/// Key rotation: every informant field re-encrypted from `old` to `new` and the stored
/// fingerprint moved, in one transaction — either all of it happens or none. Run it with the
/// fleet stopped (an instance still holding the old key would refuse to start afterwards, but
/// one already running would write new tips under the old key).
pub async fn rotate_data_key(
    db: &DatabaseConnection,
    old: &DataKey,
    new: &DataKey,
) -> anyhow::Result<u64> {
    let txn = crate::db::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // No tip may be written under the old key while we convert.
        txn.execute_unprepared("LOCK TABLE tips IN SHARE ROW EXCLUSIVE MODE")
            .await?;
    }
    let stored = server_keys::Entity::find_by_id(DATA_PURPOSE.to_string())
        .one(&txn)
        .await?
        .map(|k| k.fingerprint);
    if let Some(fp) = &stored {
        if fp != old.fingerprint() {
            anyhow::bail!(
                "the configured (old) key has fingerprint {}, but the database records {fp}; nothing was changed",
                old.fingerprint()
            );
        }
    }
    let changed = reencrypt_reporters(&txn, Some(old), new).await?;
    server_keys::Entity::insert(server_keys::ActiveModel {
        purpose: Set(DATA_PURPOSE.to_string()),
        fingerprint: Set(new.fingerprint().to_string()),
        created_at: Set(chrono::Utc::now()),
    })
    .on_conflict(
        OnConflict::column(server_keys::Column::Purpose)
            .update_columns([
                server_keys::Column::Fingerprint,
                server_keys::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// `hub389 keys generate`: a new JWT secret and data key, each in its own file (mode 0600),
/// never overwriting an existing file. Returns the two paths.
pub fn generate_files(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let jwt = dir.join(SECRET_FILE);
    let data = dir.join(DATA_KEY_FILE);
    for path in [&jwt, &data] {
        if path.exists() {
            anyhow::bail!(
                "{} already exists; it may be the key your data depends on, so it is never overwritten",
                path.display()
            );
        }
    }
    crate::auth::load_or_create_secret(&jwt)?;
    crate::auth::load_or_create_secret(&data)?;
    Ok((jwt, data))
}

/// Reads a data key file (base64), for rotation.
pub fn read_data_key_file(path: &Path) -> anyhow::Result<DataKey> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    DataKey::from_base64(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_files_are_private_and_never_overwritten() {
        let dir = tempfile_dir();
        let (jwt, data) = generate_files(&dir).expect("generate");
        let key = read_data_key_file(&data).expect("a valid data key");
        assert_eq!(key.fingerprint().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for p in [&jwt, &data] {
                let mode = std::fs::metadata(p).expect("meta").permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{}", p.display());
            }
        }
        let before = std::fs::read(&data).expect("read");
        let err = generate_files(&dir).expect_err("refuses to overwrite");
        assert!(err.to_string().contains("never overwritten"));
        assert_eq!(std::fs::read(&data).expect("read"), before);
        std::fs::remove_dir_all(&dir).ok();
    }

    fn tempfile_dir() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("hub389-keys-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }
}
