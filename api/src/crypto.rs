//! Encryption at rest for the informant compartment. The 256-bit data key is managed like the
//! JWT secret: `HUB389_DATA_KEY` (base64) when set, otherwise generated on first start and
//! kept beside the database with owner-only permissions. A dump of the database therefore
//! shows no informant's name or phone number in clear.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;

use crate::config::Secret;
use crate::error::{AppError, AppResult};

/// Generated data key's file name, beside the database.
pub const DATA_KEY_FILE: &str = "hub389.data-key";
/// Prefix of every ciphertext, so a future key rotation can tell versions apart.
const PREFIX: &str = "v1:";

#[derive(Clone)]
pub struct DataKey {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

impl DataKey {
    pub fn from_secret(secret: &Secret) -> anyhow::Result<DataKey> {
        let cipher = Aes256Gcm::new_from_slice(secret.expose())
            .map_err(|_| anyhow::anyhow!("the data key must be exactly 32 bytes"))?;
        Ok(DataKey { cipher })
    }

    /// From `HUB389_DATA_KEY`, else the generated key file in `data_dir`.
    pub fn load(configured: Option<&Secret>, data_dir: &Path) -> anyhow::Result<(DataKey, String)> {
        match configured {
            Some(s) => {
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(s.expose())
                    .map_err(|_| anyhow::anyhow!("HUB389_DATA_KEY must be base64"))?;
                Ok((
                    DataKey::from_secret(&Secret::new(raw))?,
                    "HUB389_DATA_KEY".into(),
                ))
            }
            None => {
                let path = data_dir.join(DATA_KEY_FILE);
                let secret = crate::auth::load_or_create_secret(&path)?;
                Ok((DataKey::from_secret(&secret)?, path.display().to_string()))
            }
        }
    }

    pub fn encrypt(&self, plain: &str) -> AppResult<String> {
        let mut nonce = [0u8; 12];
        rand::fill(&mut nonce);
        let ct = self
            .cipher
            .encrypt(&Nonce::from(nonce), plain.as_bytes())
            .map_err(|_| AppError::internal(anyhow::anyhow!("encryption failed")))?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        Ok(format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(blob)
        ))
    }

    pub fn decrypt(&self, stored: &str) -> AppResult<String> {
        let fail =
            || AppError::internal(anyhow::anyhow!("cannot decrypt a stored informant field"));
        let b64 = stored.strip_prefix(PREFIX).ok_or_else(fail)?;
        let blob = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| fail())?;
        if blob.len() < 12 {
            return Err(fail());
        }
        let (nonce, ct) = blob.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| fail())?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), ct)
            .map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }

    pub fn is_encrypted(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_no_clear_text() {
        let k = DataKey::from_secret(&Secret::new(vec![7u8; 32])).unwrap();
        let c = k.encrypt("Nguyễn Thị Hoa 0912345678").unwrap();
        assert!(!c.contains("0912345678") && DataKey::is_encrypted(&c));
        assert_eq!(k.decrypt(&c).unwrap(), "Nguyễn Thị Hoa 0912345678");
        // Two encryptions of the same text differ (random nonce).
        assert_ne!(c, k.encrypt("Nguyễn Thị Hoa 0912345678").unwrap());
        let other = DataKey::from_secret(&Secret::new(vec![8u8; 32])).unwrap();
        assert!(other.decrypt(&c).is_err());
    }
}
