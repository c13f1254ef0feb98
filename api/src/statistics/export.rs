//! The statistics table as a download, in the layout of a provincial report: the three official
//! groups and the total as rows; each figure with the previous period, the same period last
//! year and the changes as columns; Vietnamese headers. `GET /export/statistics.xlsx` or
//! `.csv`, with the same bearer token and the period as query parameters
//! (`kind=YEAR&year=2026`, `kind=MONTH&year=2026&month=5`, `kind=CAMPAIGN&campaign=SHTT_2026`,
//! `kind=RANGE&from=2026-05-07&to=2026-05-30`; optionally `leadAgency=HQ`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::service::Figures;
use super::{
    Computed, PeriodInput, StatisticsPeriodKind, change, compute, period_spec, statistics_condition,
};
use crate::app::{AppState, authenticate_headers};
use crate::cases::CaseFilter;
use crate::error::AppError;
use crate::vocab::OfficialGroup;

#[derive(Deserialize)]
pub struct ExportParams {
    kind: String,
    year: Option<i32>,
    month: Option<i32>,
    quarter: Option<i32>,
    campaign: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    #[serde(rename = "leadAgency")]
    lead_agency: Option<String>,
}

/// The export's figures: header, value, and whether the press may read it (its public
/// figures; see `compute_public`).
type Column = (&'static str, fn(&Figures) -> i64, bool);

const FIGURES: [Column; 10] = [
    ("Số vụ phát hiện", |f| f.cases_detected, true),
    (
        "Số vụ xử lý hành chính",
        |f| f.handled_administratively,
        true,
    ),
    ("Số vụ xử lý hình sự", |f| f.handled_criminally, true),
    ("Số đối tượng", |f| f.subjects, false),
    ("Số vụ khởi tố", |f| f.prosecuted_cases, false),
    ("Số bị can", |f| f.defendants, false),
    ("Tiền phạt (đồng)", |f| f.fines, true),
    ("Truy thu thuế (đồng)", |f| f.tax_arrears, false),
    (
        "Thu nộp ngân sách nhà nước (đồng)",
        |f| f.budget_collected,
        false,
    ),
    ("Trị giá hàng hóa (đồng)", |f| f.goods_value, true),
];

/// The columns a viewer's export has.
fn columns(press: bool) -> Vec<Column> {
    FIGURES
        .into_iter()
        .filter(|(_, _, public)| *public || !press)
        .collect()
}
const SUB: [&str; 5] = [
    "Kỳ này",
    "Kỳ trước",
    "So kỳ trước (%)",
    "Cùng kỳ năm trước",
    "So cùng kỳ (%)",
];

/// The sub-columns of each figure: for six months, nine months and the year the previous period
/// *is* the same period last year (`domain::calendar`), so it is shown once, as such.
fn sub(with_previous: bool) -> Vec<&'static str> {
    if with_previous {
        SUB.to_vec()
    } else {
        vec![SUB[0], SUB[3], SUB[4]]
    }
}

fn group_label(g: Option<OfficialGroup>) -> &'static str {
    match g {
        Some(OfficialGroup::SmugglingAndProhibited) => {
            "(1) Buôn lậu, hàng cấm, vận chuyển trái phép hàng hóa qua biên giới"
        }
        Some(OfficialGroup::TradeAndTaxFraud) => "(2) Gian lận thương mại, gian lận thuế",
        Some(OfficialGroup::CounterfeitAndIp) => "(3) Hàng giả, xâm phạm quyền sở hữu trí tuệ",
        None => "Tổng cộng",
    }
}

/// One table row: label then, per figure, value, previous, change, last year, change.
enum Cell {
    Text(String),
    Int(i64),
    Pct(Option<f64>),
}

fn table(c: &Computed, cols: &[Column], with_previous: bool) -> (String, Vec<Vec<Cell>>) {
    let title = format!(
        "Kết quả đấu tranh chống buôn lậu, gian lận thương mại và hàng giả từ {} đến {}",
        c.range.from.format("%d/%m/%Y"),
        c.range.to.format("%d/%m/%Y")
    );
    let mut rows = vec![];
    let groups = c.groups.iter().map(|(k, f)| {
        let g = match k.first() {
            Some(super::service::KeyPart::Text(Some(s))) => OfficialGroup::parse(s),
            _ => None,
        };
        (group_label(g), f)
    });
    for (label, f) in groups.chain(std::iter::once((group_label(None), &c.total))) {
        let mut row = vec![Cell::Text(label.to_string())];
        for (_, pick, _) in cols {
            let (v, p, l) = (pick(&f[0]), pick(&f[1]), pick(&f[2]));
            row.push(Cell::Int(v));
            if with_previous {
                row.extend([Cell::Int(p), Cell::Pct(change(v, p))]);
            }
            row.extend([Cell::Int(l), Cell::Pct(change(v, l))]);
        }
        rows.push(row);
    }
    (title, rows)
}

fn xlsx(
    title: &str,
    cols: &[Column],
    subs: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Thống kê")?;
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let num = Format::new().set_num_format("#,##0");
    let pct = Format::new().set_num_format("0.0");
    ws.write_string_with_format(0, 0, title, &bold)?;
    ws.merge_range(2, 0, 3, 0, "Nhóm", &head)?;
    for (i, (name, _, _)) in cols.iter().enumerate() {
        let n = subs.len() as u16;
        let c0 = 1 + (i as u16) * n;
        ws.merge_range(2, c0, 2, c0 + n - 1, name, &head)?;
        for (j, s) in subs.iter().enumerate() {
            ws.write_string_with_format(3, c0 + j as u16, *s, &head)?;
        }
    }
    ws.set_column_width(0, 55)?;
    for (r, row) in rows.iter().enumerate() {
        let r = 4 + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s)?,
                Cell::Int(v) => ws.write_number_with_format(r, c, *v as f64, &num)?,
                Cell::Pct(Some(p)) => ws.write_number_with_format(r, c, *p, &pct)?,
                Cell::Pct(None) => ws.write_string(r, c, "")?,
            };
        }
    }
    wb.save_to_buffer()
}

fn csv_bytes(
    title: &str,
    cols: &[Column],
    subs: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(vec![]);
    w.write_record([title])?;
    let mut header = vec!["Nhóm".to_string()];
    for (name, _, _) in cols {
        for s in subs {
            header.push(format!("{name} - {s}"));
        }
    }
    w.write_record(&header)?;
    for row in rows {
        let rec: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Int(v) => v.to_string(),
                Cell::Pct(p) => p.map(|p| format!("{p:.1}")).unwrap_or_default(),
            })
            .collect();
        w.write_record(&rec)?;
    }
    // UTF-8 with BOM so Excel opens the Vietnamese headers correctly.
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(
        w.into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))?,
    );
    Ok(out)
}

fn error(e: AppError) -> Response {
    if let AppError::Internal(inner) = &e {
        tracing::error!(error = ?inner, "export failed");
    }
    let body = serde_json::json!({ "errors": [{ "message": e.message(), "extensions": { "code": e.code() } }] });
    let mut resp = (e.http_status(), axum::Json(body)).into_response();
    if matches!(e, AppError::RateLimited(_)) {
        resp.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(60u32),
        );
    }
    if matches!(e, AppError::Unavailable(_)) {
        resp.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(crate::error::RETRY_AFTER_SECONDS),
        );
    }
    resp
}

/// `GET /export/statistics.{xlsx|csv}`.
pub async fn export(
    State(state): State<AppState>,
    Path(file): Path<String>,
    params: Result<Query<ExportParams>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    // A malformed query string is the client's mistake, told as JSON like every other error.
    let params = match params {
        Ok(Query(p)) => p,
        Err(rejection) => {
            return error(AppError::bad_input(format!(
                "the query string is not valid: {}",
                rejection.body_text()
            )));
        }
    };
    match build(&state, &file, params, &headers).await {
        Ok(r) => r,
        Err(e) => error(e),
    }
}

async fn build(
    state: &AppState,
    file: &str,
    p: ExportParams,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let format = match file {
        "statistics.xlsx" => "xlsx",
        "statistics.csv" => "csv",
        _ => return Err(AppError::NotFound("no such export".into())),
    };
    let viewer = authenticate_headers(state, headers)
        .await?
        .ok_or_else(|| AppError::Unauthenticated("sign in: this requires a token".into()))?;
    let kind = match p.kind.to_ascii_uppercase().as_str() {
        "MONTH" => StatisticsPeriodKind::Month,
        "QUARTER" => StatisticsPeriodKind::Quarter,
        "SIX_MONTHS" => StatisticsPeriodKind::SixMonths,
        "NINE_MONTHS" => StatisticsPeriodKind::NineMonths,
        "YEAR" => StatisticsPeriodKind::Year,
        "CAMPAIGN" => StatisticsPeriodKind::Campaign,
        "RANGE" => StatisticsPeriodKind::Range,
        _ => {
            return Err(AppError::bad_input(
                "`kind` is one of MONTH, QUARTER, SIX_MONTHS, NINE_MONTHS, YEAR, CAMPAIGN, RANGE",
            ));
        }
    };
    let period = PeriodInput {
        kind,
        year: p.year,
        month: p.month,
        quarter: p.quarter,
        campaign: p.campaign,
        from: p.from,
        to: p.to,
    };
    let filter = p.lead_agency.map(|a| CaseFilter {
        lead_agency: Some(a),
        ..Default::default()
    });
    let cond = statistics_condition(&viewer, &[], filter)?;
    super::check_press_period(&viewer, &period)?;
    // Charged to the caller's budget like the statistics query it is, and bounded in time.
    let cost = crate::graphql::cost::statistics(&period, 1, 0);
    let key = crate::limiter::ClientKey::User(viewer.sub.clone());
    if !state
        .limiters
        .cost
        .check_n(&key, u32::try_from(cost).unwrap_or(u32::MAX))
    {
        return Err(AppError::RateLimited(crate::limiter::BUDGET_SPENT.into()));
    }
    let spec = period_spec(&state.db, &period).await?;
    let spec_previous_is_last_year = spec.previous_is_last_year();
    let press = viewer.role == crate::auth::Role::Press;
    let work = async {
        if press {
            super::compute_public(&state.db, spec, vec![], state.small_cell_k).await
        } else {
            compute(&state.db, cond, spec, vec![]).await
        }
    };
    let computed = tokio::time::timeout(state.request_timeout, work)
        .await
        .map_err(|_| {
            AppError::bad_input(format!(
                "the export took longer than {} s and was stopped; ask for a shorter period",
                state.request_timeout.as_secs()
            ))
        })??;
    let cols = columns(press);
    let with_previous = !spec_previous_is_last_year;
    let subs = sub(with_previous);
    let (title, rows) = table(&computed, &cols, with_previous);
    let (bytes, content_type) = if format == "xlsx" {
        (
            xlsx(&title, &cols, &subs, &rows).map_err(AppError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    } else {
        (
            csv_bytes(&title, &cols, &subs, &rows).map_err(AppError::internal)?,
            "text/csv; charset=utf-8",
        )
    };
    let name = format!(
        "thong-ke-{}-{}.{format}",
        computed.range.from, computed.range.to
    );
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
