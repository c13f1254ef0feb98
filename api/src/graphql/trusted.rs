//! Trusted documents (persisted operations): GraphQL documents registered ahead of time by an
//! administrator (`hub389 documents register`) or a frontend's build step, named by the SHA-256
//! of their text. A client may send the hash instead of the text — as Apollo's persisted
//! queries do (`extensions.persistedQuery.sha256Hash`) or in the GraphQL trusted-documents
//! style (`extensions.documentId: "sha256:<hex>"`), by POST or in a GET's URL — and the roles of
//! `HUB389_TRUSTED_DOCUMENTS_ONLY` (by default the press and callers without a token) may run
//! nothing else, so a leaked press token or an anonymous script cannot explore the API.
//!
//! Documents are never registered by a request (no automatic persisted queries): the allow-list
//! is the operator's.

use std::collections::HashMap;
use std::sync::RwLock;

use async_graphql::Value;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};
use sha2::{Digest, Sha256};

use entity::trusted_documents;

use crate::auth::Role;
pub use crate::config::TrustedPolicy;
use crate::error::{AppError, AppResult};

/// Lower-case hex SHA-256 of a document's text.
pub fn hash(document: &str) -> String {
    let digest = Sha256::digest(document.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The registered documents, cached in memory once read (a document never changes under its
/// hash; a newly registered one is read from the database on first use, so every instance
/// sees what the CLI registered).
#[derive(Default)]
pub struct TrustedDocuments {
    cache: RwLock<HashMap<String, String>>,
}

impl TrustedDocuments {
    async fn get(&self, db: &DatabaseConnection, sha256: &str) -> AppResult<Option<String>> {
        if let Ok(c) = self.cache.read()
            && let Some(d) = c.get(sha256)
        {
            return Ok(Some(d.clone()));
        }
        let found = trusted_documents::Entity::find_by_id(sha256.to_string())
            .one(db)
            .await?;
        if let (Some(doc), Ok(mut c)) = (&found, self.cache.write()) {
            c.insert(sha256.to_string(), doc.document.clone());
        }
        Ok(found.map(|d| d.document))
    }

    /// Fills in the text of a request that names a registered document, and refuses a request
    /// the policy does not allow. The hash named must be the hash of the text, when both are
    /// sent. Returns whether the document was found registered (looked up only when sent by
    /// its hash or when the policy asks: a lookup per ad-hoc document would cost a query).
    pub async fn admit(
        &self,
        db: &DatabaseConnection,
        policy: &TrustedPolicy,
        role: Option<Role>,
        req: &mut async_graphql::Request,
    ) -> AppResult<bool> {
        let mut registered = false;
        if let Some(sha) = requested_hash(req)? {
            if req.query.trim().is_empty() {
                match self.get(db, &sha).await? {
                    Some(doc) => {
                        req.query = doc;
                        registered = true;
                    }
                    // The message Apollo Client's persisted-query link looks for.
                    None => return Err(AppError::bad_input("PersistedQueryNotFound")),
                }
            } else if hash(&req.query) != sha {
                return Err(AppError::bad_input(
                    "the document's SHA-256 is not the hash the request names",
                ));
            }
        }
        if policy.restricts(role) && !registered {
            if self.get(db, &hash(&req.query)).await?.is_none() {
                return Err(AppError::forbidden(
                    "this client may only run registered documents (send a registered document or its hash)",
                ));
            }
            registered = true;
        }
        Ok(registered)
    }
}

/// The hash a request names, from `extensions.persistedQuery.sha256Hash` or `documentId`.
fn requested_hash(req: &async_graphql::Request) -> AppResult<Option<String>> {
    let from_apq = req.extensions.get("persistedQuery").and_then(|v| match v {
        Value::Object(o) => o.get("sha256Hash").cloned(),
        _ => None,
    });
    let from_id = req.extensions.get("documentId").cloned();
    let Some(v) = from_apq.or(from_id) else {
        return Ok(None);
    };
    let Value::String(s) = v else {
        return Err(AppError::bad_input("a document hash is a string"));
    };
    let hex = s.strip_prefix("sha256:").unwrap_or(&s).to_ascii_lowercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::bad_input(
            "a document hash is 64 hexadecimal digits",
        ));
    }
    Ok(Some(hex))
}

/// Registers documents (the CLI): each is parsed first, so only valid GraphQL is trusted.
/// Returns the hashes, in order.
pub async fn register<C: ConnectionTrait>(
    db: &C,
    documents: &[(String, String)],
) -> anyhow::Result<Vec<String>> {
    let mut hashes = vec![];
    for (label, doc) in documents {
        async_graphql::parser::parse_query(doc)
            .map_err(|e| anyhow::anyhow!("{label} is not a GraphQL document: {e}"))?;
        let sha = hash(doc);
        trusted_documents::Entity::insert(trusted_documents::ActiveModel {
            sha256: Set(sha.clone()),
            document: Set(doc.clone()),
            label: Set(label.clone()),
            created_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(trusted_documents::Column::Sha256)
                .update_column(trusted_documents::Column::Label)
                .to_owned(),
        )
        .exec(db)
        .await?;
        hashes.push(sha);
    }
    Ok(hashes)
}

/// The documents of a file: a `.graphql` file is one document; a `.json` file is a manifest
/// `{ "<sha256>": "<document>" }` as frontend build tools write it (each hash is checked).
pub fn read_file(path: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if path.extension().is_some_and(|e| e == "json") {
        let manifest: HashMap<String, String> = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a manifest of hash → document: {e}",
                path.display()
            )
        })?;
        let mut out = vec![];
        for (h, doc) in manifest {
            let h = h.strip_prefix("sha256:").unwrap_or(&h).to_ascii_lowercase();
            if h != hash(&doc) {
                anyhow::bail!("{}: {h} is not the SHA-256 of its document", path.display());
            }
            out.push((label.clone(), doc));
        }
        Ok(out)
    } else {
        Ok(vec![(label, text)])
    }
}

/// The documents the server itself ships for the two allow-list-only audiences — the public
/// tip form and the newspaper's site (`api/documents/*.graphql`) — registered at start-up, so a
/// fresh install works for them without an operator step.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "submit-tip.graphql",
        include_str!("../../documents/submit-tip.graphql"),
    ),
    (
        "tip-status.graphql",
        include_str!("../../documents/tip-status.graphql"),
    ),
    (
        "published-cases.graphql",
        include_str!("../../documents/published-cases.graphql"),
    ),
    (
        "public-statistics.graphql",
        include_str!("../../documents/public-statistics.graphql"),
    ),
    (
        "publication-changed.graphql",
        include_str!("../../documents/publication-changed.graphql"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_parses() {
        assert_eq!(TrustedPolicy::parse("none").unwrap(), TrustedPolicy::open());
        let p = TrustedPolicy::parse("press, anonymous").unwrap();
        assert_eq!(p, TrustedPolicy::default());
        assert!(p.restricts(None) && p.restricts(Some(Role::Press)));
        assert!(!p.restricts(Some(Role::Police)));
        assert!(TrustedPolicy::parse("journalist").is_err());
        assert!(
            TrustedPolicy::parse("all")
                .unwrap()
                .restricts(Some(Role::Admin))
        );
    }

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(hash("{ me { role } }").len(), 64);
        assert_eq!(
            hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn built_in_documents_parse() {
        for (name, doc) in BUILT_IN {
            assert!(async_graphql::parser::parse_query(doc).is_ok(), "{name}");
        }
    }
}
