//! Authentication: JWT claims, the signing/verifying keys, and the [`Viewer`] every resolver
//! asks for. Authorisation (what a viewer may read) lives in [`crate::domain::access`].

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::config::{ClaimPaths, JwtSettings, Secret};
pub use crate::domain::access::{Role, Viewer};
use crate::error::AppError;

/// The claims Hub389 reads from a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    pub exp: i64,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// Where verifying keys come from.
enum KeySource {
    /// One key (the HS256 secret, or the identity provider's PEM public key).
    Fixed(DecodingKey),
    /// The identity provider's JSON Web Key Set, by `kid`, re-read from its file when a token
    /// names a key it does not hold (so the provider can rotate keys without a restart), at
    /// most once per [`JWKS_RELOAD_EVERY`] so unknown `kid`s cannot make us read it per request.
    Jwks {
        path: PathBuf,
        keys: RwLock<(HashMap<String, (DecodingKey, Algorithm)>, Option<Instant>)>,
    },
}

const JWKS_RELOAD_EVERY: Duration = Duration::from_secs(10);

/// Verifies tokens and, with an HS256 secret, signs them.
#[derive(Clone)]
pub struct JwtKeys {
    source: Arc<KeySource>,
    encoding: Option<EncodingKey>,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
    max_lifetime: i64,
    claims: ClaimPaths,
    /// Where the key came from, for the start-up log.
    pub origin: String,
}

/// The generated HS256 secret's file name, beside the database.
pub const SECRET_FILE: &str = "hub389.jwt-secret";

/// Seconds of clock difference allowed between the identity provider and this server.
const LEEWAY_SECONDS: i64 = 60;

impl JwtKeys {
    /// Builds the keys from settings; with neither secret nor public key configured, loads (or
    /// creates) the generated secret in `data_dir`.
    pub fn from_settings(settings: &JwtSettings, data_dir: &Path) -> anyhow::Result<JwtKeys> {
        let (source, encoding, algorithms, label) = if let Some(path) = &settings.jwks_path {
            let keys = read_jwks(path)?;
            if keys.is_empty() {
                anyhow::bail!(
                    "HUB389_JWT_JWKS_FILE {} holds no RS256 or ES256 key",
                    path.display()
                );
            }
            (
                KeySource::Jwks {
                    path: path.clone(),
                    keys: RwLock::new((keys, Some(Instant::now()))),
                },
                None,
                vec![Algorithm::RS256, Algorithm::ES256],
                format!("JWKS {}", path.display()),
            )
        } else if let Some(path) = &settings.public_key_path {
            let pem = std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("cannot read HUB389_JWT_PUBLIC_KEY {}: {e}", path.display())
            })?;
            if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
                (
                    KeySource::Fixed(key),
                    None,
                    vec![Algorithm::RS256],
                    format!("RS256 public key {}", path.display()),
                )
            } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
                (
                    KeySource::Fixed(key),
                    None,
                    vec![Algorithm::ES256],
                    format!("ES256 public key {}", path.display()),
                )
            } else {
                anyhow::bail!(
                    "HUB389_JWT_PUBLIC_KEY {} is neither an RSA nor an EC PEM public key",
                    path.display()
                );
            }
        } else {
            let (secret, source) = match &settings.secret {
                Some(s) => (s.clone(), "HS256 secret from HUB389_JWT_SECRET".to_string()),
                None => {
                    let path = data_dir.join(SECRET_FILE);
                    (
                        load_or_create_secret(&path)?,
                        format!("HS256 secret in {}", path.display()),
                    )
                }
            };
            if secret.expose().len() < 32 {
                anyhow::bail!("the HS256 secret must be at least 32 bytes long");
            }
            (
                KeySource::Fixed(DecodingKey::from_secret(secret.expose())),
                Some(EncodingKey::from_secret(secret.expose())),
                vec![Algorithm::HS256],
                source,
            )
        };
        let mut validation = Validation::new(algorithms[0]);
        validation.algorithms = algorithms;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS as u64;
        validation.validate_aud = false;
        if let Some(iss) = &settings.issuer {
            validation.set_issuer(&[iss]);
            validation.required_spec_claims.insert("iss".into());
        }
        if let Some(aud) = &settings.audience {
            // Any of the configured audiences; the token's `aud` may be a string or a list.
            let list: Vec<&str> = aud
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .collect();
            validation.set_audience(&list);
            validation.validate_aud = true;
            validation.required_spec_claims.insert("aud".into());
        }
        Ok(JwtKeys {
            source: Arc::new(source),
            encoding,
            validation,
            issuer: settings.issuer.clone(),
            audience: settings
                .audience
                .as_ref()
                .and_then(|a| a.split(',').map(str::trim).find(|a| !a.is_empty()))
                .map(str::to_string),
            max_lifetime: i64::try_from(settings.max_lifetime.as_secs()).unwrap_or(i64::MAX),
            claims: settings.claim_paths.clone(),
            origin: label,
        })
    }

    /// The verifying key of a token: the fixed one, or the JWKS key its `kid` names.
    fn key_for(&self, header: &Header) -> Option<(DecodingKey, Option<Algorithm>)> {
        match &*self.source {
            KeySource::Fixed(k) => Some((k.clone(), None)),
            KeySource::Jwks { path, keys } => {
                let kid = header.kid.as_deref()?;
                if let Ok(guard) = keys.read()
                    && let Some((k, alg)) = guard.0.get(kid)
                {
                    return Some((k.clone(), Some(*alg)));
                }
                // An unknown kid: the provider may have rotated; re-read, rarely. Decided under
                // the read lock, so tokens with made-up kids do not queue on the write lock.
                let due = keys
                    .read()
                    .ok()?
                    .1
                    .is_none_or(|t| t.elapsed() >= JWKS_RELOAD_EVERY);
                if !due {
                    return None;
                }
                let mut guard = keys.write().ok()?;
                let due = guard.1.is_none_or(|t| t.elapsed() >= JWKS_RELOAD_EVERY);
                if due {
                    guard.1 = Some(Instant::now());
                    match read_jwks(path) {
                        Ok(fresh) if !fresh.is_empty() => guard.0 = fresh,
                        Ok(_) => {
                            tracing::warn!(path = %path.display(), "the JWKS file holds no usable key; keeping the previous keys")
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot re-read the JWKS file; keeping the previous keys")
                        }
                    }
                }
                guard.0.get(kid).map(|(k, alg)| (k.clone(), Some(*alg)))
            }
        }
    }

    /// Verifies a token: signature and algorithm (`alg: none` and any other algorithm than the
    /// configured ones are refused), `exp`, `nbf`, an `iat` not in the future, a lifetime no
    /// longer than the maximum, issuer and audience when configured, a non-empty `sub`, a known
    /// role, and the agency and commune codes the role needs. Whether the agency fits the role
    /// needs the database and is checked when the viewer is resolved.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        let refused = |why: &str| {
            tracing::debug!(reason = why, "token refused");
            AppError::Unauthenticated("invalid or expired token".into())
        };
        let header = jsonwebtoken::decode_header(token).map_err(|_| refused("header"))?;
        let (key, alg) = self
            .key_for(&header)
            .ok_or_else(|| refused("unknown key"))?;
        let mut validation = self.validation.clone();
        if let Some(alg) = alg {
            // A JWKS key verifies only the algorithm of its own type.
            validation.algorithms = vec![alg];
        }
        let data =
            jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).map_err(|e| {
                tracing::debug!(error = %e, "token refused");
                AppError::Unauthenticated("invalid or expired token".into())
            })?;
        let c = data.claims;
        let now = chrono::Utc::now().timestamp();
        let int = |name: &str| c.get(name).and_then(serde_json::Value::as_i64);
        let (Some(iat), Some(exp)) = (int("iat"), int("exp")) else {
            return Err(refused("iat or exp not an integer"));
        };
        if iat > now + LEEWAY_SECONDS || iat < 0 {
            return Err(refused("iat in the future or before 1970"));
        }
        if exp
            .checked_sub(iat)
            .is_none_or(|life| life > self.max_lifetime)
        {
            return Err(AppError::Unauthenticated(
                "the token lives longer than this server accepts".into(),
            ));
        }
        let sub = c
            .get("sub")
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AppError::Unauthenticated("the token has no subject".into()))?;
        let role = role_at(&c, &self.claims.role)
            .ok_or_else(|| AppError::Unauthenticated("the token carries no known role".into()))?;
        let agency = claim_at(&c, &self.claims.agency);
        let commune = claim_at(&c, &self.claims.commune);
        if role == Role::Commune && commune.is_none() {
            return Err(AppError::Unauthenticated(
                "a commune token must carry a commune code".into(),
            ));
        }
        if role.needs_agency() && agency.is_none() {
            return Err(AppError::Unauthenticated(
                "this role's token must carry an agency code".into(),
            ));
        }
        Ok(Claims {
            sub: sub.to_string(),
            role,
            agency,
            commune,
            exp,
            iat,
            iss: c.get("iss").and_then(|v| v.as_str()).map(str::to_string),
            aud: None,
        })
    }

    /// Signs a token (HS256 only: with a public key configured, the identity provider mints them).
    pub fn sign(
        &self,
        sub: &str,
        role: Role,
        agency: Option<&str>,
        commune: Option<&str>,
        ttl: chrono::Duration,
    ) -> anyhow::Result<String> {
        let Some(key) = &self.encoding else {
            anyhow::bail!(
                "tokens are issued by the identity provider (HUB389_JWT_PUBLIC_KEY is set)"
            );
        };
        if role == Role::Commune && commune.is_none() {
            anyhow::bail!("--commune is required for the commune role");
        }
        if role.needs_agency() && agency.is_none() {
            anyhow::bail!("--agency is required for the {} role", role.as_str());
        }
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_string(),
            role,
            agency: agency.map(str::to_string),
            commune: commune.map(str::to_string),
            iat: now,
            exp: now + ttl.num_seconds(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            key,
        )?)
    }
}

/// The string at a dot path of the claims (`realm_access.role`); a list gives its first
/// string.
fn claim_at(claims: &serde_json::Value, path: &str) -> Option<String> {
    let mut v = claims;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    let s = match v {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Array(items) => items.iter().find_map(|i| i.as_str())?,
        _ => return None,
    };
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The role at a claim path: a string naming a role, or a list holding exactly one string that
/// names a role (an identity provider lists other roles beside ours, such as
/// `offline_access`; two of ours in one token is ambiguous and refused).
fn role_at(claims: &serde_json::Value, path: &str) -> Option<Role> {
    let mut v = claims;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    match v {
        serde_json::Value::String(s) => Role::parse(s.trim()),
        serde_json::Value::Array(items) => {
            let mut roles = items
                .iter()
                .filter_map(|i| i.as_str())
                .filter_map(|s| Role::parse(s.trim()));
            let first = roles.next()?;
            roles.next().is_none().then_some(first)
        }
        _ => None,
    }
}

/// The RS256 and ES256 keys of a JWKS file, by `kid` (keys without a `kid`, or of another
/// kind, are skipped).
fn read_jwks(path: &Path) -> anyhow::Result<HashMap<String, (DecodingKey, Algorithm)>> {
    use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read HUB389_JWT_JWKS_FILE {}: {e}", path.display()))?;
    let set: JwkSet = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("HUB389_JWT_JWKS_FILE {} is not a JWKS: {e}", path.display())
    })?;
    let mut out = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = &jwk.common.key_id else {
            continue;
        };
        let alg = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
            _ => continue,
        };
        if let Ok(key) = DecodingKey::from_jwk(jwk) {
            out.insert(kid.clone(), (key, alg));
        }
    }
    Ok(out)
}

/// Reads the generated secret, or creates it (32 random bytes, base64, mode 0600). Creation uses
/// `create_new`, so a server and a `token` command started together agree on one secret.
pub fn load_or_create_secret(path: &PathBuf) -> anyhow::Result<Secret> {
    let b64 = base64::engine::general_purpose::STANDARD;
    match std::fs::read_to_string(path) {
        Ok(text) => return Ok(Secret::new(b64.decode(text.trim())?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(b64.encode(bytes).as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "generated a new secret");
            Ok(Secret::new(bytes.to_vec()))
        }
        // Someone else created it between our read and our create: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path)?;
            Ok(Secret::new(b64.decode(text.trim())?))
        }
        Err(e) => Err(anyhow::anyhow!("cannot create {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        let settings = JwtSettings {
            issuer: Some("hub389".into()),
            ..JwtSettings::with_secret(Some(Secret::new(
                b"0123456789abcdef0123456789abcdef".to_vec(),
            )))
        };
        JwtKeys::from_settings(&settings, Path::new(".")).unwrap()
    }

    #[test]
    fn round_trip() {
        let k = keys();
        let t = k
            .sign(
                "u1",
                Role::Commune,
                Some("UBND_X"),
                Some("X"),
                chrono::Duration::minutes(5),
            )
            .unwrap();
        let c = k.verify(&t).unwrap();
        assert_eq!(c.role, Role::Commune);
        assert_eq!(c.commune.as_deref(), Some("X"));
        assert_eq!(c.iss.as_deref(), Some("hub389"));
    }

    #[test]
    fn refuses_tampered_and_unsigned() {
        let k = keys();
        let t = k
            .sign(
                "u1",
                Role::Officer,
                Some("BDBP"),
                None,
                chrono::Duration::minutes(5),
            )
            .unwrap();
        let mut parts: Vec<&str> = t.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let none_header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none_header;
        assert!(k.verify(&format!("{}.{}.", parts[0], parts[1])).is_err());
        let forged = b64.encode(br#"{"sub":"u1","role":"police","agency":"CA","iat":0,"exp":4102444800,"iss":"hub389"}"#);
        assert!(
            k.verify(&format!(
                "{}.{}.{}",
                t.split('.').next().unwrap(),
                forged,
                t.rsplit('.').next().unwrap()
            ))
            .is_err()
        );
    }

    #[test]
    fn requires_role_claims() {
        let k = keys();
        assert!(
            k.sign(
                "u",
                Role::Commune,
                Some("A"),
                None,
                chrono::Duration::minutes(1)
            )
            .is_err()
        );
        assert!(
            k.sign("u", Role::Police, None, None, chrono::Duration::minutes(1))
                .is_err()
        );
        assert!(
            k.sign("u", Role::Leader, None, None, chrono::Duration::minutes(1))
                .is_ok()
        );
    }

    /// Signs arbitrary claims with the test secret.
    fn raw(claims: serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap()
    }

    #[test]
    fn inconsistent_claims_are_refused() {
        let k = keys();
        let now = chrono::Utc::now().timestamp();
        let base = serde_json::json!({"sub": "u1", "role": "police", "agency": "CA", "iat": now, "exp": now + 600, "iss": "hub389"});
        assert!(k.verify(&raw(base.clone())).is_ok());
        let with = |key: &str, value: serde_json::Value| {
            let mut c = base.clone();
            c[key] = value;
            k.verify(&raw(c))
        };
        assert!(with("nbf", (now + 3600).into()).is_err(), "not yet valid");
        assert!(
            with("iat", (now + 3600).into()).is_err(),
            "issued in the future"
        );
        assert!(
            with("exp", (now + 13 * 3600).into()).is_err(),
            "lives too long"
        );
        assert!(with("sub", "".into()).is_err(), "empty subject");
        assert!(with("sub", "  ".into()).is_err(), "blank subject");
        assert!(with("role", "superuser".into()).is_err(), "unknown role");
        assert!(with("iat", "yesterday".into()).is_err(), "iat not a number");
        assert!(with("iat", i64::MIN.into()).is_err(), "exp - iat overflows");
        let mut no_iat = base.clone();
        no_iat.as_object_mut().unwrap().remove("iat");
        assert!(k.verify(&raw(no_iat)).is_err(), "no iat");
    }

    #[test]
    fn claim_paths_and_audience_lists() {
        let settings = JwtSettings {
            audience: Some("hub389, hub389-staging".into()),
            claim_paths: ClaimPaths {
                role: "realm_access.roles".into(),
                agency: "org.code".into(),
                commune: "org.commune".into(),
            },
            ..JwtSettings::with_secret(Some(Secret::new(
                b"0123456789abcdef0123456789abcdef".to_vec(),
            )))
        };
        let k = JwtKeys::from_settings(&settings, Path::new(".")).unwrap();
        let now = chrono::Utc::now().timestamp();
        let c = k
            .verify(&raw(serde_json::json!({
                "sub": "u1", "iat": now, "exp": now + 600,
                "aud": ["account", "hub389"],
                "realm_access": {"roles": ["offline_access", "customs"]},
                "org": {"code": "HQ"}
            })))
            .unwrap();
        assert_eq!((c.role, c.agency.as_deref()), (Role::Customs, Some("HQ")));
        let other_aud = raw(serde_json::json!({
            "sub": "u1", "iat": now, "exp": now + 600, "aud": "account",
            "realm_access": {"roles": ["customs"]}, "org": {"code": "HQ"}
        }));
        assert!(k.verify(&other_aud).is_err());
    }

    #[test]
    fn short_secret_refused() {
        let settings = JwtSettings::with_secret(Some(Secret::new(b"short".to_vec())));
        assert!(JwtKeys::from_settings(&settings, Path::new(".")).is_err());
    }

    #[test]
    fn generated_secret_is_private_and_stable() {
        let dir = std::env::temp_dir().join(format!("hub389-secret-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(SECRET_FILE);
        let a = load_or_create_secret(&path).unwrap();
        let b = load_or_create_secret(&path).unwrap();
        assert_eq!(a.expose(), b.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
