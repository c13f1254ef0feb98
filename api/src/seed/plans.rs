//! Directives (with their citation graph), campaigns, tasks and task progress, as the Lạng Sơn
//! documents in `seeds/` state them. National documents are those the seeds cite; documents of
//! other provinces (An Giang, Lào Cai) are not part of Lạng Sơn's hub.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use entity::{campaigns, directive_citations, directives, task_coordinators, task_updates, tasks};
use sea_orm::ConnectionTrait;
use serde::Deserialize;

use super::generate::RefData;
use super::util::{Table, date, insert_chunked, loaded, local, table, term, terms};
use crate::domain::vocab::{
    CommodityGroup as Cg, DirectiveType as Dt, TaskStatus, ViolationType as Vt,
};
use crate::text::nfc;

/// The directives, campaigns, tasks and task updates of `plans.json` (data, kept as data).
#[derive(Deserialize)]
// The rows borrow their strings from the file, so they only come from a `'static` one.
#[serde(bound(deserialize = "'de: 'static"))]
struct Plans {
    /// In dependency order (a document after those it cites). Where a seed leaves a number
    /// blank (the drafts of the Q3/2025 and 12/5/2026 conclusions) or names a document without
    /// its title, the number or title there is a plausible stand-in.
    directives: Vec<DirectiveSeed>,
    campaigns: Vec<CampaignSeed>,
    /// Tasks as the documents assign them. As of 23/11/2026: some done on time, some done
    /// late, some open and overdue (the eight communes' committees, the Team 389 model), some
    /// not yet due (the 2026 annual report, the Tết 2027 plan), one recurring (the monthly
    /// report). Tasks 0–7 are the Q3/2025 conclusion's eight late communes (due 20/10/2025,
    /// still not done), 13 the monthly report (due before the 17th of each month), 16–19 the
    /// Tết Bính Ngọ 2026 peak, and those from 20 on the conclusion of the meeting of 12/5/2026
    /// (seed 003).
    tasks: Vec<TaskSeed>,
    updates: Vec<UpdateSeed>,
}

static PLANS: Table<Plans> = LazyLock::new(|| table("plans.json", include_str!("plans.json")));

fn plans() -> anyhow::Result<&'static Plans> {
    loaded(&PLANS)
}

#[derive(Deserialize)]
struct DirectiveSeed {
    /// How tasks and campaigns name it, e.g. `ct13-ttg-2025`.
    key: &'static str,
    symbol: &'static str,
    number: i32,
    #[serde(deserialize_with = "term")]
    doc_type: Dt,
    /// The abbreviation in the symbol; see [`issuer_name`].
    issuer: &'static str,
    #[serde(borrow)]
    drafting_unit: Option<&'static str>,
    issued_on: &'static str,
    title: &'static str,
    #[serde(borrow)]
    valid: (Option<&'static str>, Option<&'static str>),
    cites: Vec<&'static str>,
}

/// The issuer's full name from the abbreviation in the symbol.
fn issuer_name(issuer: &str) -> &'static str {
    match issuer {
        "TTg" => "Thủ tướng Chính phủ",
        "VPCP" => "Văn phòng Chính phủ",
        "CP" => "Chính phủ",
        "BCĐ389" => "Ban Chỉ đạo quốc gia chống buôn lậu, gian lận thương mại và hàng giả",
        "VPTT" => "Văn phòng Thường trực Ban Chỉ đạo 389 quốc gia",
        "TU" => "Ban Thường vụ Tỉnh ủy Lạng Sơn",
        "UBND" => "Ủy ban nhân dân tỉnh Lạng Sơn",
        "VP" => "Văn phòng Ủy ban nhân dân tỉnh Lạng Sơn",
        "BCĐ" => "Ban Chỉ đạo 389 tỉnh Lạng Sơn",
        _ => "Không rõ",
    }
}

/// Ids of the directives by key, for tasks and campaigns.
pub(super) struct Directives {
    ids: BTreeMap<&'static str, i64>,
}

impl Directives {
    fn id(&self, key: &str) -> anyhow::Result<i64> {
        self.ids
            .get(key)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("seed: unknown directive key {key}"))
    }
}

pub(super) async fn insert_directives<C: ConnectionTrait>(
    conn: &C,
) -> anyhow::Result<(Directives, u64)> {
    let mut ids = BTreeMap::new();
    let seeds = &plans()?.directives;
    let mut rows = Vec::with_capacity(seeds.len());
    let mut citations = Vec::new();
    for (i, s) in seeds.iter().enumerate() {
        let id = i as i64 + 1;
        let issued_on = date(s.issued_on)?;
        ids.insert(s.key, id);
        rows.push(directives::Model {
            version: 1,
            archived_at: None,
            id,
            symbol: nfc(s.symbol),
            number: s.number,
            doc_type: s.doc_type.as_str().to_owned(),
            issuer: nfc(s.issuer),
            drafting_unit: s.drafting_unit.map(nfc),
            issuer_name: nfc(issuer_name(s.issuer)),
            issued_on,
            year: chrono::Datelike::year(&issued_on),
            title: nfc(s.title),
            valid_from: s.valid.0.map(date).transpose()?,
            valid_until: s.valid.1.map(date).transpose()?,
            created_at: local(issued_on, 8, 0),
        });
        for cited in &s.cites {
            let cited_id = ids.get(cited).copied().ok_or_else(|| {
                anyhow::anyhow!("seed: {} cites {cited}, not listed before it", s.key)
            })?;
            citations.push(directive_citations::Model {
                directive_id: id,
                cited_id,
            });
        }
    }
    let count = rows.len() as u64;
    insert_chunked(conn, rows).await?;
    insert_chunked(conn, citations).await?;
    Ok((Directives { ids }, count))
}

#[derive(Deserialize)]
struct CampaignSeed {
    code: &'static str,
    name: &'static str,
    starts: &'static str,
    ends: &'static str,
    directive: &'static str,
    #[serde(deserialize_with = "terms")]
    commodities: Vec<Cg>,
    #[serde(deserialize_with = "terms")]
    violations: Vec<Vt>,
    description: &'static str,
}

pub(super) async fn insert_campaigns<C: ConnectionTrait>(
    conn: &C,
    directives: &Directives,
) -> anyhow::Result<u64> {
    let seeds = &plans()?.campaigns;
    let mut rows = Vec::with_capacity(seeds.len());
    for (i, s) in seeds.iter().enumerate() {
        rows.push(campaigns::Model {
            version: 1,
            archived_at: None,
            id: i as i64 + 1,
            code: s.code.to_owned(),
            name: nfc(s.name),
            starts_on: date(s.starts)?,
            ends_on: date(s.ends)?,
            directive_id: Some(directives.id(s.directive)?),
            focus_commodity_groups: stored_list(&s.commodities, Cg::as_str),
            focus_violation_types: stored_list(&s.violations, Vt::as_str),
            description: Some(nfc(s.description)),
        });
    }
    let count = rows.len() as u64;
    insert_chunked(conn, rows).await?;
    Ok(count)
}

/// Terms as a campaign's focus column stores them: their stored values, comma-separated.
fn stored_list<T: Copy>(terms: &[T], stored: fn(T) -> &'static str) -> String {
    terms
        .iter()
        .map(|&t| stored(t))
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Deserialize)]
struct TaskSeed {
    directive: &'static str,
    text: &'static str,
    lead: &'static str,
    coordinators: Vec<&'static str>,
    #[serde(borrow)]
    due: Option<&'static str>,
    recurrence_day: Option<i32>,
    #[serde(deserialize_with = "term")]
    status: TaskStatus,
    #[serde(borrow)]
    completed: Option<&'static str>,
}

#[derive(Deserialize)]
struct UpdateSeed {
    /// Index into [`Plans::tasks`].
    task: usize,
    agency: &'static str,
    on: &'static str,
    note: &'static str,
    progress: Option<i32>,
}

/// Inserts tasks, their coordinators and progress updates. Returns the number of tasks.
pub(super) async fn insert_tasks<C: ConnectionTrait>(
    conn: &C,
    rd: &RefData,
    directives: &Directives,
) -> anyhow::Result<u64> {
    let Plans {
        directives: seeds,
        tasks: task_seeds,
        updates: update_seeds,
        ..
    } = plans()?;
    let issued: BTreeMap<&str, &str> = seeds.iter().map(|d| (d.key, d.issued_on)).collect();
    let mut rows = Vec::with_capacity(task_seeds.len());
    let mut coordinators = Vec::new();
    for (i, s) in task_seeds.iter().enumerate() {
        let id = i as i64 + 1;
        let created_on = date(
            issued
                .get(s.directive)
                .copied()
                .ok_or_else(|| anyhow::anyhow!("seed: unknown directive {}", s.directive))?,
        )?;
        let completed_on = s.completed.map(date).transpose()?;
        let last_update = update_seeds
            .iter()
            .filter(|u| u.task == i)
            .map(|u| date(u.on))
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .chain(completed_on)
            .max()
            .unwrap_or(created_on);
        rows.push(tasks::Model {
            archived_at: None,
            id,
            directive_id: directives.id(s.directive)?,
            text: nfc(s.text),
            lead_agency_id: rd.agency_id(s.lead)?,
            due_on: s.due.map(date).transpose()?,
            recurrence_day: s.recurrence_day,
            status: s.status.as_str().to_owned(),
            completed_on,
            version: 1,
            created_at: local(created_on, 9, 0),
            updated_at: local(last_update, 17, 0),
        });
        for code in &s.coordinators {
            coordinators.push(task_coordinators::Model {
                task_id: id,
                agency_id: rd.agency_id(code)?,
            });
        }
    }
    let count = rows.len() as u64;
    insert_chunked(conn, rows).await?;
    insert_chunked(conn, coordinators).await?;

    let mut updates = Vec::with_capacity(update_seeds.len());
    for (i, u) in update_seeds.iter().enumerate() {
        if u.task >= task_seeds.len() {
            anyhow::bail!("seed: task update {i} points at no task");
        }
        updates.push(task_updates::Model {
            id: i as i64 + 1,
            task_id: u.task as i64 + 1,
            agency_id: rd.agency_id(u.agency)?,
            posted_at: local(date(u.on)?, 16, 30),
            note: nfc(u.note),
            progress_percent: u.progress,
        });
    }
    insert_chunked(conn, updates).await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_point_at_the_intended_tasks() {
        // Updates reference tasks by index; keep them aligned when editing the tasks.
        let Plans { tasks, updates, .. } = plans().unwrap();
        for u in updates {
            let t = &tasks[u.task];
            let lead_or_coordinator = t.lead == u.agency || t.coordinators.contains(&u.agency);
            assert!(
                lead_or_coordinator,
                "update by {} on task {}",
                u.agency, u.task
            );
        }
        assert_eq!(tasks[20].due, Some("2026-05-18"));
        assert_eq!(tasks[21].due, Some("2026-05-22"));
        assert_eq!(tasks[22].due, Some("2026-05-25"));
        assert_eq!(tasks[13].recurrence_day, Some(17));
    }

    #[test]
    fn unique_directive_keys() {
        let mut seen = std::collections::BTreeSet::new();
        for d in &plans().unwrap().directives {
            assert!(seen.insert((d.issuer, &d.issued_on[..4], d.number, d.doc_type.as_str())));
        }
    }
}
