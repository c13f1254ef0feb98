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
    /// A key derived for opaque cursors ([`Opaque`]), so every instance of a fleet (which
    /// shares the data key) reads the others' cursors.
    opaque: [u8; 32],
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
            opaque: derive(secret.expose(), b"hub389 opaque cursors v1"),
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

/// HMAC-SHA256 of a fixed label under the key: a value bound to the key that reveals nothing
/// of it.
fn derive(key: &[u8], label: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key) else {
        return [0; 32]; // HMAC takes keys of any length; unreachable.
    };
    mac.update(label);
    mac.finalize().into_bytes().into()
}

fn fingerprint(key: &[u8]) -> String {
    use std::fmt::Write;
    let digest = derive(key, b"hub389 informant data key fingerprint v1");
    digest[..16].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Opaque cursors: what a page cursor holds (a sort key and a row id) is encrypted, so clients
/// can neither read internal ids and dates from it nor forge one. The key is derived from the
/// data key (shared by a fleet); installed once at start-up ([`Opaque::install`]).
pub struct Opaque {
    cipher: Aes256Gcm,
    /// Global object ids: one AES block each, so the same object always has the same id
    /// (caches key on it) while the id reveals nothing and cannot be made up.
    ids: aes::Aes256,
}

/// The first bytes of every global id's plaintext block: a wrong or forged id decrypts to
/// something else and is refused.
const ID_MAGIC: [u8; 3] = *b"h38";

static OPAQUE: std::sync::OnceLock<Opaque> = std::sync::OnceLock::new();

impl Opaque {
    /// Uses `key`'s derived cursor key for this process (the first call wins).
    pub fn install(key: &DataKey) {
        let _ = OPAQUE.get_or_init(|| Opaque::from_bytes(&key.opaque));
    }

    /// The process's codec; a random key if none was installed (tools and unit tests).
    pub fn get() -> &'static Opaque {
        OPAQUE.get_or_init(|| {
            let mut k = [0u8; 32];
            rand::fill(&mut k);
            Opaque::from_bytes(&k)
        })
    }

    fn from_bytes(k: &[u8; 32]) -> Opaque {
        use aes::cipher::KeyInit as _;
        let id_key = derive(k, b"hub389 global ids v1");
        Opaque {
            cipher: Aes256Gcm::new(&(*k).into()),
            ids: aes::Aes256::new(&id_key.into()),
        }
    }

    /// The global id of object `id` of kind `kind`.
    pub fn global_id(&self, kind: u8, id: i64) -> String {
        use aes::cipher::BlockEncrypt;
        let mut block = [0u8; 16];
        block[..3].copy_from_slice(&ID_MAGIC);
        block[3] = kind;
        block[8..].copy_from_slice(&id.to_be_bytes());
        let mut b = block.into();
        self.ids.encrypt_block(&mut b);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    }

    /// The kind and row id behind a global id, if it is one of ours.
    pub fn parse_global_id(&self, gid: &str) -> Option<(u8, i64)> {
        use aes::cipher::BlockDecrypt;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(gid)
            .ok()?;
        let block: [u8; 16] = raw.try_into().ok()?;
        let mut b = block.into();
        self.ids.decrypt_block(&mut b);
        let plain: [u8; 16] = b.into();
        if plain[..3] != ID_MAGIC || plain[4..8] != [0; 4] {
            return None;
        }
        let id = i64::from_be_bytes(plain[8..].try_into().ok()?);
        Some((plain[3], id))
    }

    pub fn seal(&self, plain: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::fill(&mut nonce);
        let mut blob = nonce.to_vec();
        // Encryption under a valid key and nonce cannot fail for inputs this small.
        blob.extend(
            self.cipher
                .encrypt(&Nonce::from(nonce), plain)
                .unwrap_or_default(),
        );
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(blob)
    }

    pub fn open(&self, token: &str) -> Option<Vec<u8>> {
        let blob = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        if blob.len() < 12 {
            return None;
        }
        let (nonce, ct) = blob.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        self.cipher.decrypt(&Nonce::from(nonce), ct).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_are_stable_opaque_and_checked() {
        let o = Opaque::from_bytes(&[5u8; 32]);
        let g = o.global_id(1, 23);
        assert_eq!(g, o.global_id(1, 23), "deterministic");
        assert_ne!(g, o.global_id(2, 23));
        assert_eq!(g.len(), 22, "one AES block in base64");
        assert_eq!(o.parse_global_id(&g), Some((1, 23)));
        assert_eq!(Opaque::from_bytes(&[6u8; 32]).parse_global_id(&g), None);
        assert_eq!(o.parse_global_id("23"), None);
        assert_eq!(o.parse_global_id("AAAAAAAAAAAAAAAAAAAAAA"), None);
    }

    #[test]
    fn opaque_tokens_round_trip_and_resist_tampering() {
        let o = Opaque::from_bytes(&[5u8; 32]);
        let t = o.seal(b"2026-05-12|42");
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&t)
            .unwrap();
        assert!(!raw.windows(5).any(|w| w == b"2026-"));
        assert_eq!(o.open(&t).as_deref(), Some(&b"2026-05-12|42"[..]));
        let mut forged = t.clone().into_bytes();
        forged[20] = if forged[20] == b'A' { b'B' } else { b'A' };
        assert!(o.open(&String::from_utf8(forged).unwrap()).is_none());
        assert!(Opaque::from_bytes(&[6u8; 32]).open(&t).is_none());
    }

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
