//! Tokens from the province's identity provider: RS256 or ES256 against a configured public
//! key, with issuer and audience checked; HS256 tokens are then refused (no algorithm confusion).

use api::config::{JwtSettings, Secret};
use hub389_tests::{TestApp, error_codes, failed};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

async fn check(alg: Algorithm, public: &str, private: &str) {
    let jwt = JwtSettings {
        secret: Some(Secret::new(hub389_tests::TEST_SECRET.as_bytes().to_vec())),
        public_key_path: Some(fixture(public)),
        issuer: Some("https://sso.langson.gov.vn".into()),
        audience: Some("hub389".into()),
        ..JwtSettings::with_secret(None)
    };
    let app = TestApp::spawn_full(true, jwt, Default::default()).await;
    let pem = std::fs::read(fixture(private)).unwrap();
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
        _ => EncodingKey::from_ec_pem(&pem).unwrap(),
    };
    let now = chrono::Utc::now().timestamp();
    let claims = |iss: &str, aud: &str| json!({"sub": "nguyen.van.a", "role": "customs", "agency": "HQ", "iat": now, "exp": now + 600, "iss": iss, "aud": aud});
    let sign = |c: serde_json::Value| jsonwebtoken::encode(&Header::new(alg), &c, &key).unwrap();
    let q = "{ me { subject role agency { code } } }";

    let good = sign(claims("https://sso.langson.gov.vn", "hub389"));
    let r = app.query(Some(&good), q).await;
    assert_eq!(r["data"]["me"]["role"], "CUSTOMS", "{alg:?}: {r}");
    assert_eq!(r["data"]["me"]["agency"]["code"], "HQ");

    for bad in [
        sign(claims("https://evil.example", "hub389")),
        sign(claims("https://sso.langson.gov.vn", "other")),
    ] {
        let r = app.query(Some(&bad), q).await;
        assert_eq!(error_codes(&r), ["UNAUTHENTICATED"], "{alg:?}: {r}");
    }
    // An HS256 token (even one signed with the old shared secret) is refused in this mode.
    let hs = app.token(api::auth::Role::Customs, Some("HQ"), None);
    failed(app.query(Some(&hs), q).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn es256_tokens_from_the_identity_provider() {
    check(Algorithm::ES256, "es256-public.pem", "es256-private.pem").await;
}

#[tokio::test]
async fn rs256_tokens_from_the_identity_provider() {
    check(Algorithm::RS256, "rs256-public.pem", "rs256-private.pem").await;
}
