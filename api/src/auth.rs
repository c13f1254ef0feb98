//! Authentication: JWT claims, the signing/verifying keys, and the [`Viewer`] every resolver
//! asks for. Authorisation (what a viewer may read) lives in [`crate::access`].

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{JwtSettings, Secret};
use crate::error::AppError;

/// The eight roles of the access matrix in DOMAIN.md.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Leader,
    StandingOffice,
    Police,
    Customs,
    /// A member agency other than police and customs (border guard, market management, tax…).
    Officer,
    Commune,
    Press,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Leader,
        Role::StandingOffice,
        Role::Police,
        Role::Customs,
        Role::Officer,
        Role::Commune,
        Role::Press,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::StandingOffice => "standing_office",
            Role::Police => "police",
            Role::Customs => "customs",
            Role::Officer => "officer",
            Role::Commune => "commune",
            Role::Press => "press",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles whose users always belong to an agency (the JWT must carry its code).
    pub fn needs_agency(self) -> bool {
        !matches!(self, Role::Admin | Role::Leader)
    }
}

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

/// The authenticated user of one request, with agency and commune resolved to ids.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub sub: String,
    pub role: Role,
    pub agency_id: Option<i64>,
    pub agency_code: Option<String>,
    pub commune_id: Option<i64>,
    pub commune_code: Option<String>,
}

/// Verifies tokens and, with an HS256 secret, signs them.
#[derive(Clone)]
pub struct JwtKeys {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
    /// Where the key came from, for the start-up log.
    pub source: String,
}

/// The generated HS256 secret's file name, beside the database.
pub const SECRET_FILE: &str = "hub389.jwt-secret";

impl JwtKeys {
    /// Builds the keys from settings; with neither secret nor public key configured, loads (or
    /// creates) the generated secret in `data_dir`.
    pub fn from_settings(settings: &JwtSettings, data_dir: &Path) -> anyhow::Result<JwtKeys> {
        let (decoding, encoding, algorithms, source) = if let Some(path) = &settings.public_key_path
        {
            let pem = std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("cannot read HUB389_JWT_PUBLIC_KEY {}: {e}", path.display())
            })?;
            if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
                (
                    key,
                    None,
                    vec![Algorithm::RS256],
                    format!("RS256 public key {}", path.display()),
                )
            } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
                (
                    key,
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
                DecodingKey::from_secret(secret.expose()),
                Some(EncodingKey::from_secret(secret.expose())),
                vec![Algorithm::HS256],
                source,
            )
        };
        let mut validation = Validation::new(algorithms[0]);
        validation.algorithms = algorithms;
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.validate_aud = false;
        if let Some(iss) = &settings.issuer {
            validation.set_issuer(&[iss]);
            validation.required_spec_claims.insert("iss".into());
        }
        if let Some(aud) = &settings.audience {
            validation.set_audience(&[aud]);
            validation.validate_aud = true;
            validation.required_spec_claims.insert("aud".into());
        }
        Ok(JwtKeys {
            decoding,
            encoding,
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            source,
        })
    }

    /// Verifies a token's signature, algorithm, expiry, and issuer/audience when configured.
    /// Tokens with `alg: none` or another algorithm than the configured one are refused.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                tracing::debug!(error = %e, "token refused");
                AppError::Unauthenticated("invalid or expired token".into())
            })?;
        let claims = data.claims;
        if claims.role == Role::Commune && claims.commune.is_none() {
            return Err(AppError::Unauthenticated(
                "a commune token must carry a commune code".into(),
            ));
        }
        if claims.role.needs_agency() && claims.agency.is_none() {
            return Err(AppError::Unauthenticated(
                "this role's token must carry an agency code".into(),
            ));
        }
        Ok(claims)
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
            secret: Some(Secret::new(b"0123456789abcdef0123456789abcdef".to_vec())),
            public_key_path: None,
            issuer: Some("hub389".into()),
            audience: None,
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

    #[test]
    fn short_secret_refused() {
        let settings = JwtSettings {
            secret: Some(Secret::new(b"short".to_vec())),
            public_key_path: None,
            issuer: None,
            audience: None,
        };
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
