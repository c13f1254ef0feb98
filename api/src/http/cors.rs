//! Cross-origin requests from browser frontends: only the origins in `HUB389_CORS_ORIGINS`
//! (comma-separated, e.g. `https://hub.langson.gov.vn,http://localhost:5173`); none by default,
//! so only pages served from the API's own origin can call it from a browser.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Parses and normalises the allow-list; an entry that is not a bare origin
/// (`scheme://host[:port]`) is a configuration error naming it.
pub fn parse_origins(list: &str) -> anyhow::Result<Vec<String>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let url = url::Url::parse(s)
                .map_err(|_| anyhow::anyhow!("HUB389_CORS_ORIGINS: `{s}` is not an origin"))?;
            let origin = url.origin().ascii_serialization();
            if !matches!(url.scheme(), "http" | "https") || origin != s.trim_end_matches('/') {
                anyhow::bail!(
                    "HUB389_CORS_ORIGINS: `{s}` is not a bare origin like https://host[:port] (no path)"
                );
            }
            Ok(origin)
        })
        .collect()
}

/// The CORS layer for the allowed origins: preflights answered, `Authorization` and
/// `Content-Type` allowed, `x-request-id` readable, preflight cached 10 minutes.
pub fn layer(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::parse_origins;

    #[test]
    fn origins_are_bare_and_normalised() {
        assert_eq!(
            parse_origins(" https://hub.example.vn , http://localhost:5173/ ").unwrap(),
            ["https://hub.example.vn", "http://localhost:5173"]
        );
        assert!(parse_origins("").unwrap().is_empty());
        assert!(parse_origins("https://hub.example.vn/app").is_err());
        assert!(parse_origins("*").is_err());
        assert!(parse_origins("ftp://x.example").is_err());
    }
}
