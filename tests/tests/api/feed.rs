//! The newsroom feed (`/feed/published.atom`, `/feed/published.json`): read without a token,
//! parsed by an independent feed parser (feed-rs), it lists an approved summary with its times
//! in +07:00 and a stable id, drops it once withdrawn, never lists a draft, shows only the facts
//! the summary declared, and carries no restricted datum of the case in either format.

use api::auth::Role;
use chrono::{DateTime, FixedOffset, Utc};
use hub389_tests::{TestApp, ok};
use serde_json::{Value, json};

const SUBJECT_NAME: &str = "Trịnh Văn Khải";
const SUBJECT_ID: &str = "020087001234";
const DECLARATION: &str = "107712345600";
const IMPORTER_TAX: &str = "4900812345";

const CUSTOMS: &str = r#"mutation($case: ID!, $input: CustomsRecordInput!) { addCustomsRecord(caseId: $case, input: $input) { id } }"#;
const DRAFT: &str = r#"mutation($case: ID!, $input: PublicationInput!) {
  draftPublication(caseId: $case, input: $input) { id version status } }"#;
const APPROVE: &str = r#"mutation($id: ID!, $v: Int!) { approvePublication(id: $id, version: $v) { id version status approvedAt } }"#;
const WITHDRAW: &str = r#"mutation($id: ID!, $v: Int!) { withdrawPublication(id: $id, version: $v) { id version status } }"#;
const PUBLISHED: &str = r#"{ publishedCases(first: 100) { nodes { id headline body publishedAt violationType commodityGroup status detectedOn fineAmount goodsValue budgetCollected communeName leadAgencyName } } }"#;

const HEADLINE: &str = "Xử phạt vụ vận chuyển 1.800 bao thuốc lá điếu nhập lậu qua lối mở";
const BODY: &str = "Lực lượng chức năng phát hiện xe tải chở 1.800 bao thuốc lá điếu không rõ nguồn \
                    gốc, xử phạt vi phạm hành chính 40 triệu đồng và tịch thu toàn bộ tang vật.";
const DRAFT_HEADLINE: &str = "Bản nháp chưa duyệt: vụ kinh doanh phân bón giả";

/// A police case (with a subject and a customs record on it) handled administratively.
async fn settled_case(app: &TestApp, police: &str) -> String {
    let id = app
        .create_case(
            police,
            json!({
                "title": "Vận chuyển thuốc lá điếu nhập lậu qua lối mở",
                "violationType": "SMUGGLING",
                "commodityGroup": "CIGARETTES",
                "channel": "BORDER_TRAIL",
                "commune": "DONG_DANG",
                "detectedOn": "2026-10-05",
                "goodsSummary": "1.800 bao thuốc lá điếu nhãn hiệu ngoại",
                "fineAmount": 40000000,
                "goodsValue": 54000000,
                "budgetCollected": 40000000
            }),
        )
        .await;
    app.add_subject(
        police,
        &id,
        json!({ "kind": "PERSON", "role": "CARRIER", "fullName": SUBJECT_NAME, "idNumber": SUBJECT_ID }),
    )
    .await;
    ok(app
        .gql(
            Some(police),
            CUSTOMS,
            json!({ "case": id, "input": {
                "declarationNumber": DECLARATION, "declaredOn": "2026-10-01",
                "regime": "tạm nhập tái xuất", "hsCodes": ["24022090"],
                "importerTaxCode": IMPORTER_TAX, "inspectionResult": "không khớp khai báo"
            }}),
        )
        .await);
    app.move_case(police, &id, 1, &["VERIFYING", "HANDLED_ADMINISTRATIVELY"])
        .await;
    id
}

struct Fetched {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn fetch(app: &TestApp, path: &str, if_none_match: Option<&str>) -> Fetched {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let resp = req.send().await.expect("request");
    Fetched {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.expect("body"),
    }
}

fn header<'a>(f: &'a Fetched, name: &str) -> &'a str {
    f.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The Atom feed, checked as Atom by feed-rs (and for what RFC 4287 requires of every entry).
async fn atom(app: &TestApp) -> (Fetched, feed_rs::model::Feed) {
    let f = fetch(app, "/feed/published.atom", None).await;
    assert_eq!(f.status, 200, "{}", f.body);
    assert_eq!(
        header(&f, "content-type"),
        "application/atom+xml; charset=utf-8"
    );
    let feed = feed_rs::parser::parse(f.body.as_bytes()).expect("valid Atom");
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.id, "urn:hub389:feed:published");
    assert!(feed.updated.is_some() && feed.title.is_some() && !feed.authors.is_empty());
    assert!(
        feed.links
            .iter()
            .any(|l| l.rel.as_deref() == Some("self") && l.href.ends_with("/feed/published.atom")),
        "{:?}",
        feed.links
    );
    for e in &feed.entries {
        assert!(e.id.starts_with("urn:hub389:publication:"), "{}", e.id);
        assert!(e.title.is_some() && e.updated.is_some() && e.content.is_some());
    }
    (f, feed)
}

async fn json_feed(app: &TestApp) -> (Fetched, feed_rs::model::Feed, Value) {
    let f = fetch(app, "/feed/published.json", None).await;
    assert_eq!(f.status, 200, "{}", f.body);
    assert_eq!(header(&f, "content-type"), "application/feed+json");
    let feed = feed_rs::parser::parse(f.body.as_bytes()).expect("valid JSON Feed");
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::JSON);
    let raw: Value = serde_json::from_str(&f.body).expect("JSON");
    assert_eq!(raw["version"], "https://jsonfeed.org/version/1.1");
    (f, feed, raw)
}

fn ids(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.id.clone()).collect()
}

#[tokio::test]
async fn the_feed_lists_approved_summaries_only_with_their_public_facts() {
    let app = TestApp::spawn().await;
    let [police, office, press] = app.tokens_for([Role::Police, Role::StandingOffice, Role::Press]);

    let case = settled_case(&app, &police).await;
    let r = ok(app
        .gql(
            Some(&police),
            DRAFT,
            json!({ "case": case, "input": { "headline": HEADLINE, "body": BODY,
                "publicFacts": ["violation_type", "commune", "fine_amount", "detected_on"] } }),
        )
        .await);
    let id = r["data"]["draftPublication"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let entry_id = format!("urn:hub389:publication:{id}");
    // A second summary of the same case stays a draft: never in the feed.
    ok(app
        .gql(
            Some(&police),
            DRAFT,
            json!({ "case": case, "input": { "headline": DRAFT_HEADLINE, "body": BODY,
                "publicFacts": ["lead_agency", "goods_value"] } }),
        )
        .await);

    let (before, feed) = atom(&app).await;
    assert!(!ids(&feed).contains(&entry_id), "a draft is not published");
    assert!(!before.body.contains(HEADLINE) && !before.body.contains(DRAFT_HEADLINE));

    let r = ok(app
        .gql(Some(&office), APPROVE, json!({ "id": id, "v": 1 }))
        .await);
    let approved_at: DateTime<Utc> = r["data"]["approvePublication"]["approvedAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // Atom, read twice without a token: the same entry under the same id.
    let (first, feed) = atom(&app).await;
    let (second, again) = atom(&app).await;
    assert_eq!(ids(&feed), ids(&again), "ids are stable across fetches");
    assert_eq!(first.body, second.body);
    let entry = feed
        .entries
        .iter()
        .find(|e| e.id == entry_id)
        .expect("the approved summary is in the feed");
    assert_eq!(entry.title.as_ref().unwrap().content, HEADLINE);
    assert_eq!(
        entry.content.as_ref().unwrap().body.as_deref(),
        Some(BODY),
        "the body as the press reads it"
    );
    assert_eq!(entry.published, Some(approved_at));
    // Written in Vietnam's time: +07:00.
    let local = approved_at
        .with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap())
        .to_rfc3339();
    assert!(local.ends_with("+07:00"));
    assert!(
        first
            .body
            .contains(&format!("<published>{local}</published>")),
        "{}",
        first.body
    );
    for tag in ["published", "updated"] {
        let open = format!("<{tag}>");
        for at in first.body.split(&open).skip(1) {
            let value = &at[..at.find('<').unwrap()];
            assert!(value.ends_with("+07:00"), "{tag} {value}");
        }
    }
    // Newest first.
    let times: Vec<_> = feed.entries.iter().map(|e| e.published).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert_eq!(
        ids(&feed).first(),
        Some(&entry_id),
        "the newest approval comes first"
    );

    // Declared facts only, as the press reads them through GraphQL.
    let nodes = ok(app.query(Some(&press), PUBLISHED).await);
    let node = nodes["data"]["publishedCases"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .expect("published for the press")
        .clone();
    assert_eq!(node["communeName"], "Đồng Đăng");
    assert!(node["leadAgencyName"].is_null() && node["goodsValue"].is_null());
    assert!(
        first
            .body
            .contains("<hub389:violationType>SMUGGLING</hub389:violationType>")
    );
    assert!(
        first
            .body
            .contains("<hub389:communeName>Đồng Đăng</hub389:communeName>")
    );
    assert!(
        first
            .body
            .contains("<hub389:fineAmount>40000000</hub389:fineAmount>")
    );
    assert!(
        first
            .body
            .contains("<hub389:detectedOn>2026-10-05</hub389:detectedOn>")
    );
    let entry_xml = &first.body[first.body.find(&entry_id).unwrap()..];
    let entry_xml = &entry_xml[..entry_xml.find("</entry>").unwrap()];
    for hidden in ["goodsValue", "budgetCollected", "commodityGroup", "status>"] {
        assert!(
            !entry_xml.contains(&format!("hub389:{hidden}")),
            "{hidden} was not declared: {entry_xml}"
        );
    }
    // The lead agency was not declared: the entry names no author of its own.
    assert!(!entry_xml.contains("<author>"), "{entry_xml}");

    // JSON Feed: the same items in the same order, the same facts.
    let (json_first, jfeed, raw) = json_feed(&app).await;
    assert_eq!(ids(&jfeed), ids(&feed));
    let item = raw["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == entry_id)
        .unwrap();
    assert_eq!(item["title"], HEADLINE);
    assert_eq!(item["content_text"], BODY);
    assert_eq!(item["date_published"], local.as_str());
    for (k, v) in item["_hub389"].as_object().unwrap() {
        assert_eq!(&node[k], v, "{k} as the press reads it");
    }
    assert_eq!(item["_hub389"].as_object().unwrap().len(), 4);

    // No restricted datum of the case, in either body; no raw row number as an id.
    for body in [&first.body, &json_first.body] {
        for secret in [SUBJECT_NAME, SUBJECT_ID, DECLARATION, IMPORTER_TAX] {
            assert!(!body.contains(secret), "{secret} leaked into the feed");
        }
        assert!(!body.contains("Trinh Van"), "nor without its diacritics");
    }
    let row = hub389_tests::row_id(&id);
    assert!(!first.body.contains(&format!("publication:{row}<")));

    // Withdrawn: gone from both feeds at the next fetch.
    ok(app
        .gql(Some(&office), WITHDRAW, json!({ "id": id, "v": 2 }))
        .await);
    let (after, feed) = atom(&app).await;
    assert!(!ids(&feed).contains(&entry_id));
    assert!(!after.body.contains(HEADLINE));
    let (_, jfeed, _) = json_feed(&app).await;
    assert!(!ids(&jfeed).contains(&entry_id));
}

#[tokio::test]
async fn pollers_get_304_until_the_feed_changes() {
    let app = TestApp::spawn().await;
    for path in ["/feed/published.atom", "/feed/published.json"] {
        app.reset_statements();
        let f = fetch(&app, path, None).await;
        assert_eq!(f.status, 200);
        assert_eq!(
            app.statements(),
            1,
            "one statement: {:?}",
            app.statement_log()
        );
        assert_eq!(header(&f, "cache-control"), "public, max-age=60");
        assert!(
            !header(&f, "last-modified").is_empty(),
            "demo data is published"
        );
        let tag = header(&f, "etag").to_owned();
        assert!(tag.starts_with("W/\""), "{tag}");

        let again = fetch(&app, path, Some(&tag)).await;
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());
        assert_eq!(header(&again, "etag"), tag);

        let other = fetch(&app, path, Some("W/\"something-else\"")).await;
        assert_eq!(other.status, 200);
        assert_eq!(other.body, f.body);
    }

    // A withdrawal changes the tag: the old one no longer matches.
    let atom_tag = header(&fetch(&app, "/feed/published.atom", None).await, "etag").to_owned();
    let [press, office] = app.tokens_for([Role::Press, Role::StandingOffice]);
    let nodes = ok(app
        .query(
            Some(&press),
            "{ publishedCases(first: 1) { nodes { id } } }",
        )
        .await);
    let newest = nodes["data"]["publishedCases"]["nodes"][0]["id"]
        .as_str()
        .expect("the demo data has published summaries")
        .to_owned();
    let version = ok(app
        .gql(
            Some(&office),
            "query($id: ID!) { node(id: $id) { ... on Publication { version } } }",
            json!({ "id": newest }),
        )
        .await)["data"]["node"]["version"]
        .as_i64()
        .unwrap();
    ok(app
        .gql(
            Some(&office),
            WITHDRAW,
            json!({ "id": newest, "v": version }),
        )
        .await);
    let changed = fetch(&app, "/feed/published.atom", Some(&atom_tag)).await;
    assert_eq!(changed.status, 200);
    assert!(!changed.body.contains(&newest));
}
