//! Encryption at rest for the informant compartment (AES-256-GCM). Where the key comes from,
//! and the checks that it is the database's key, are in [`crate::keys`]. A dump of the
//! database shows no informant's name or phone number in clear.

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
    fingerprint: String,
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
        Ok(DataKey {
            cipher,
            fingerprint: fingerprint(secret.expose()),
        })
    }

    /// From the base64 text of `HUB389_DATA_KEY` / `HUB389_DATA_KEY_FILE`; `origin` names
    /// where it came from for the error message.
    pub fn from_base64(text: &[u8], origin: &str) -> anyhow::Result<DataKey> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(text.trim_ascii())
            .map_err(|_| anyhow::anyhow!("{origin} must be base64 of 32 bytes"))?;
        DataKey::from_secret(&Secret::new(raw))
            .map_err(|_| anyhow::anyhow!("{origin} must be base64 of exactly 32 bytes"))
    }

    /// A stable, non-secret identifier of the key: HMAC-SHA256 of a fixed label under the
    /// key, so it reveals nothing about the key yet differs for every key. Stored in the
    /// database so that an instance started with another key refuses to run.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
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

fn fingerprint(key: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    use std::fmt::Write;
    let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key) else {
        return String::new(); // HMAC takes keys of any length; unreachable.
    };
    mac.update(b"hub389 informant data key fingerprint v1");
    let digest = mac.finalize().into_bytes();
    digest[..16].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_differ_per_key_and_hide_it() {
        let a = DataKey::from_secret(&Secret::new(vec![7u8; 32])).unwrap();
        let b = DataKey::from_secret(&Secret::new(vec![8u8; 32])).unwrap();
        assert_eq!(a.fingerprint().len(), 32);
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(
            a.fingerprint(),
            DataKey::from_secret(&Secret::new(vec![7u8; 32]))
                .unwrap()
                .fingerprint()
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(
            DataKey::from_base64(b64.as_bytes(), "X")
                .unwrap()
                .fingerprint(),
            a.fingerprint()
        );
        assert!(DataKey::from_base64(b"c2hvcnQ=", "X").is_err());
    }

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
