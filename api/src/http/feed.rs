//! The newsroom feed: the approved case summaries, without a token, as Atom 1.0 (RFC 4287,
//! `GET /feed/published.atom`) and JSON Feed 1.1 (`GET /feed/published.json`) — what the press
//! reads through `publishedCases` and nothing more (the rule is `service::published`).
//!
//! Each entry's id is its publication's global id (`urn:hub389:publication:<id>`, the same id
//! `publishedCases` returns: opaque, stable across requests and instances sharing the data
//! key). Times are in +07:00. The newest [`FEED_SIZE`] summaries are listed, newest first; a
//! withdrawn or archived one is simply gone from the next fetch.
//!
//! Polling: a weak `ETag` (a digest of the body) answers `If-None-Match` with 304. The
//! `Last-Modified` header is the newest entry's time, for information only: `If-Modified-Since`
//! is not honoured, because a withdrawal makes the feed *older* and a poller trusting the date
//! would keep the withdrawn item.

use std::collections::BTreeMap;

use atom_syndication::extension::Extension;
use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text,
};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sha2::Digest;

use crate::domain::vocab::{CaseStatus, CommodityGroup, ViolationType};
use crate::error::{AppError, AppResult};
use crate::graphql::ids::{NodeKind, global_id};
use crate::http::state::AppState;
use crate::service::published::{FeedItem, PublicFacts};

/// How many summaries a feed lists (the newest).
pub const FEED_SIZE: u64 = 50;

/// Caches and pollers may reuse a feed for a minute: it changes a few times a day, and a
/// withdrawal should not linger longer than that.
const CACHE_CONTROL: &str = "public, max-age=60";

/// The namespace of the facts a summary declared public, named as `publishedCases` names them.
const FACTS_NS: (&str, &str) = ("hub389", "urn:hub389:published-case");

const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";
const JSON_TYPE: &str = "application/feed+json";

/// `GET /feed/published.atom`.
pub async fn atom(State(state): State<AppState>, headers: HeaderMap) -> Response {
    respond(&state, &headers, ATOM_TYPE, render_atom).await
}

/// `GET /feed/published.json`.
pub async fn json(State(state): State<AppState>, headers: HeaderMap) -> Response {
    respond(&state, &headers, JSON_TYPE, render_json).await
}

async fn respond(
    state: &AppState,
    headers: &HeaderMap,
    content_type: &'static str,
    render: fn(&str, &[FeedItem]) -> AppResult<Vec<u8>>,
) -> Response {
    let built = async {
        let items = crate::service::published::feed(&state.db, FEED_SIZE).await?;
        let body = render(&state.province, &items)?;
        Ok::<_, AppError>((items, body))
    }
    .await;
    let (items, body) = match built {
        Ok(b) => b,
        Err(e) => return crate::http::export::error(e),
    };
    let etag = etag(&body);
    let mut resp = if matches(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(newest) = items.iter().map(|i| i.updated_at).max()
        && let Ok(v) = HeaderValue::from_str(&http_date(newest))
    {
        h.insert(header::LAST_MODIFIED, v);
    }
    resp
}

/// A weak validator: the body's digest. Weak because the compression layer may re-encode the
/// bytes; the content is what it vouches for.
fn etag(body: &[u8]) -> String {
    let digest = sha2::Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether `If-None-Match` names this tag (weak comparison, RFC 9110 13.1.2), or is `*`.
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = bare(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || bare(t) == ours)
}

/// An HTTP date (IMF-fixdate).
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn local(t: DateTime<Utc>) -> FixedDateTime {
    t.with_timezone(&crate::time::vietnam())
}

/// The entry id: the publication's global id, never its row number.
fn entry_id(item: &FeedItem) -> String {
    format!(
        "urn:hub389:publication:{}",
        global_id(NodeKind::Publication, item.id).as_str()
    )
}

/// Who publishes the feed: the province's committee, through its standing office.
fn committee(province: &str) -> String {
    format!("Ban Chỉ đạo 389 tỉnh {province}")
}

/// XML 1.0 cannot carry most control characters, which a typed text could hold; they are
/// dropped rather than let one stored text break every reader's parse of the feed.
fn xml_text(s: &str) -> String {
    s.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r') || !c.is_control())
        .filter(|&c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}

/// A vocabulary value as the API spells it (`SMUGGLING`), from the stored one.
fn api_name<T>(stored: &str, parse: fn(&str) -> AppResult<T>) -> AppResult<String>
where
    T: async_graphql::resolver_utils::EnumType,
{
    match async_graphql::resolver_utils::enum_value(parse(stored)?) {
        async_graphql::Value::Enum(name) => Ok(name.to_string()),
        other => Ok(other.to_string()),
    }
}

/// The declared facts, named and spelt as `publishedCases` returns them; undeclared ones are
/// absent.
fn fact_values(f: &PublicFacts) -> AppResult<Vec<(&'static str, serde_json::Value)>> {
    use serde_json::Value;
    let mut out = vec![];
    if let Some(v) = &f.violation_type {
        out.push((
            "violationType",
            Value::from(api_name(v, ViolationType::from_db)?),
        ));
    }
    if let Some(v) = &f.commodity_group {
        out.push((
            "commodityGroup",
            Value::from(api_name(v, CommodityGroup::from_db)?),
        ));
    }
    if let Some(v) = &f.status {
        out.push(("status", Value::from(api_name(v, CaseStatus::from_db)?)));
    }
    if let Some(v) = f.detected_on {
        out.push(("detectedOn", Value::from(v.to_string())));
    }
    if let Some(v) = f.fine_amount {
        out.push(("fineAmount", Value::from(v)));
    }
    if let Some(v) = f.goods_value {
        out.push(("goodsValue", Value::from(v)));
    }
    if let Some(v) = f.budget_collected {
        out.push(("budgetCollected", Value::from(v)));
    }
    if let Some(v) = &f.commune_name {
        out.push(("communeName", Value::from(v.as_str())));
    }
    if let Some(v) = &f.lead_agency_name {
        out.push(("leadAgencyName", Value::from(v.as_str())));
    }
    Ok(out)
}

fn render_atom(province: &str, items: &[FeedItem]) -> AppResult<Vec<u8>> {
    let mut entries = Vec::with_capacity(items.len());
    for item in items {
        let facts = fact_values(&item.facts)?;
        let mut categories = vec![];
        let mut extensions: BTreeMap<String, Vec<Extension>> = BTreeMap::new();
        for (name, value) in &facts {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            // Feed readers show categories; the kinds of offence and goods are what a
            // newsroom files stories under.
            if matches!(*name, "violationType" | "commodityGroup") {
                categories.push(Category {
                    term: text.clone(),
                    scheme: Some(format!("{}/{name}", FACTS_NS.1)),
                    ..Default::default()
                });
            }
            let qualified = format!("{}:{name}", FACTS_NS.0);
            extensions
                .entry(qualified.clone())
                .or_default()
                .push(Extension {
                    name: qualified,
                    value: Some(xml_text(&text)),
                    ..Default::default()
                });
        }
        entries.push(Entry {
            id: entry_id(item),
            title: Text::plain(xml_text(&item.headline)),
            published: Some(local(item.published_at)),
            updated: local(item.updated_at),
            // The lead agency is named only where the summary declared it public.
            authors: item
                .facts
                .lead_agency_name
                .iter()
                .map(|name| Person {
                    name: xml_text(name),
                    ..Default::default()
                })
                .collect(),
            categories,
            content: Some(Content {
                value: Some(xml_text(&item.body)),
                content_type: Some("text".into()),
                ..Default::default()
            }),
            extensions: BTreeMap::from([(FACTS_NS.0.to_owned(), extensions)]),
            ..Default::default()
        });
    }
    let feed = Feed {
        id: "urn:hub389:feed:published".into(),
        title: Text::plain(format!(
            "{}: kết quả xử lý vụ việc công bố",
            committee(province)
        )),
        updated: local(
            items
                .iter()
                .map(|i| i.updated_at)
                .max()
                .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        ),
        // Every entry needs an author (RFC 4287 4.1.1); the committee is the feed's.
        authors: vec![Person {
            name: committee(province),
            ..Default::default()
        }],
        generator: Some(Generator {
            value: "Hub389".into(),
            ..Default::default()
        }),
        lang: Some("vi".into()),
        // Relative (RFC 4287 allows IRI references): the server does not know the public
        // address it is reached at, and a Host header is not to be trusted for it.
        links: vec![Link {
            href: "/feed/published.atom".into(),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Default::default()
        }],
        namespaces: BTreeMap::from([(FACTS_NS.0.to_owned(), FACTS_NS.1.to_owned())]),
        entries,
        ..Default::default()
    };
    feed.write_to(Vec::new()).map_err(AppError::internal)
}

fn render_json(province: &str, items: &[FeedItem]) -> AppResult<Vec<u8>> {
    use serde_json::{Map, Value, json};
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let facts: Map<String, Value> = fact_values(&item.facts)?
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        let mut entry = json!({
            "id": entry_id(item),
            "title": item.headline,
            "content_text": item.body,
            "date_published": local(item.published_at).to_rfc3339(),
            "date_modified": local(item.updated_at).to_rfc3339(),
            // JSON Feed's custom extension: the declared facts, as `publishedCases` has them.
            "_hub389": facts,
        });
        let tags: Vec<Value> = ["violationType", "commodityGroup"]
            .iter()
            .filter_map(|k| facts_get(&entry, k))
            .collect();
        if let Some(map) = entry.as_object_mut() {
            if !tags.is_empty() {
                map.insert("tags".into(), Value::from(tags));
            }
            if let Some(name) = &item.facts.lead_agency_name {
                map.insert("authors".into(), json!([{ "name": name }]));
            }
        }
        out.push(entry);
    }
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": format!("{}: kết quả xử lý vụ việc công bố", committee(province)),
        "language": "vi",
        "authors": [{ "name": committee(province) }],
        "items": out,
    });
    serde_json::to_vec(&feed).map_err(AppError::internal)
}

fn facts_get(entry: &serde_json::Value, key: &str) -> Option<serde_json::Value> {
    entry.get("_hub389")?.get(key).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly() {
        let tag = etag(b"feed");
        let mut h = HeaderMap::new();
        assert!(!matches(&h, &tag));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"x\", {}", tag.trim_start_matches("W/"))).unwrap(),
        );
        assert!(matches(&h, &tag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(matches(&h, &tag));
    }

    #[test]
    fn control_characters_never_reach_the_xml() {
        assert_eq!(xml_text("a\u{0}b\u{1b}c\nd"), "abc\nd");
    }
}
