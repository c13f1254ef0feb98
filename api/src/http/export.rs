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

use crate::domain::vocab::OfficialGroup;
use crate::error::AppError;
use crate::graphql::context::Date;
use crate::graphql::statistics::{
    Computed, PeriodInput, StatisticsPeriodKind, campaign_in_scope, change, compute, period_spec,
    statistics_condition,
};
use crate::http::state::{AppState, authenticate};
use crate::service::cases::CaseFilterParams;
use crate::service::statistics::{Figures, Via};

/// The export's parameters. Another is refused, not ignored: a leader asking for
/// `commune=DONG_DANG` got the province's figures under a title that named no commune, and
/// could take them for the commune's (a review of stop 34).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    kind: String,
    year: Option<i32>,
    month: Option<i32>,
    quarter: Option<i32>,
    campaign: Option<String>,
    from: Option<Date>,
    to: Option<Date>,
    #[serde(rename = "leadAgency")]
    lead_agency: Option<String>,
}

/// Who reads a column of the export.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Readers {
    /// Everyone with statistics, the press included.
    Public,
    /// Every reader of statistics but the press.
    Staff,
    /// Drawn from the police compartment: left out where the statistics withhold it
    /// (`graphql::statistics::police_withheld`), and for the press. The split of the cases
    /// handled is one (a closed case's split is its prosecution).
    Police,
}

/// The export's figures: header, value, who reads it, and whether it is money (shown in
/// millions of đồng in the workbook, whole đồng in the CSV).
type Column = (&'static str, fn(&Figures) -> i64, Readers, bool);

const FIGURES: [Column; 10] = [
    (
        "Số vụ phát hiện",
        |f| f.cases_detected,
        Readers::Public,
        false,
    ),
    (
        "Số vụ xử lý hành chính",
        |f| f.handled_administratively,
        Readers::Police,
        false,
    ),
    (
        "Số vụ xử lý hình sự",
        |f| f.handled_criminally,
        Readers::Police,
        false,
    ),
    ("Số đối tượng", |f| f.subjects, Readers::Police, false),
    (
        "Số vụ khởi tố",
        |f| f.prosecuted_cases,
        Readers::Police,
        false,
    ),
    ("Số bị can", |f| f.defendants, Readers::Police, false),
    ("Tiền phạt", |f| f.fines, Readers::Public, true),
    ("Truy thu thuế", |f| f.tax_arrears, Readers::Staff, true),
    (
        "Thu nộp ngân sách nhà nước",
        |f| f.budget_collected,
        Readers::Staff,
        true,
    ),
    ("Trị giá hàng hóa", |f| f.goods_value, Readers::Public, true),
];

/// The columns a viewer's export has: the public ones for the press; for others, the police
/// figures only where they are not withheld.
fn columns(press: bool, police: bool) -> Vec<Column> {
    FIGURES
        .into_iter()
        .filter(|(_, _, readers, _)| match readers {
            Readers::Public => true,
            Readers::Staff => !press,
            Readers::Police => !press && police,
        })
        .collect()
}
const SUB: [&str; 5] = [
    "Kỳ này",
    "Kỳ trước",
    "Tăng, giảm so kỳ trước (%)",
    "Cùng kỳ năm trước",
    "Tăng, giảm so cùng kỳ (%)",
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
    /// Whole đồng.
    Money(i64),
    Pct(Option<f64>),
}

fn table(c: &Computed, cols: &[Column], with_previous: bool) -> Vec<Vec<Cell>> {
    let mut rows = vec![];
    let groups = c.groups.iter().map(|(k, f)| {
        let g = match k.first() {
            Some(crate::service::statistics::KeyPart::Text(Some(s))) => OfficialGroup::parse(s),
            _ => None,
        };
        (group_label(g), f)
    });
    for (label, f) in groups.chain(std::iter::once((group_label(None), &c.total))) {
        let mut row = vec![Cell::Text(label.to_string())];
        for (_, pick, _, money) in cols {
            let (v, p, l) = (pick(&f[0]), pick(&f[1]), pick(&f[2]));
            let n = |x: i64| if *money { Cell::Money(x) } else { Cell::Int(x) };
            row.push(n(v));
            if with_previous {
                row.extend([n(p), Cell::Pct(change(v, p))]);
            }
            row.extend([n(l), Cell::Pct(change(v, l))]);
        }
        rows.push(row);
    }
    rows
}

/// What the report is about and who issues it, for its heading and file name.
struct Heading {
    /// "Lạng Sơn".
    province: String,
    /// Who issues it, as the heading's left block names it (the superior body first, the
    /// issuing one last): the viewer's own agency or commune ([`issuer`]).
    issuer: Vec<String>,
    /// Who signs it, over "(Ký tên, đóng dấu)".
    signer: String,
    /// The scope: "toàn tỉnh", an agency's name, or a commune's.
    scope: String,
    /// The period: its name and dates ([`period_line`]).
    period: String,
    /// Said under the table: the press's figures leave out withheld cells.
    note: Option<String>,
    /// The date of issue.
    today: NaiveDate,
}

/// The period as the title names it: "Quý III năm 2026 (từ ngày 15/06/2026 đến ngày
/// 14/09/2026)", a campaign by its name, a range by its dates; a period not yet ended says
/// to which day its figures run.
fn period_line(name: Option<String>, from: NaiveDate, to: NaiveDate, today: NaiveDate) -> String {
    let (from, to_text) = (from.format("%d/%m/%Y"), to.format("%d/%m/%Y"));
    let mut line = match name {
        Some(name) => format!("{name} (từ ngày {from} đến ngày {to_text})"),
        None => format!("Từ ngày {from} đến ngày {to_text}"),
    };
    if to >= today {
        line.push_str(&format!(
            "; số liệu tính đến ngày {}",
            today.format("%d/%m/%Y")
        ));
    }
    line
}

/// The place and date line of an official document: a day under 10 and the months 1 and 2
/// written with a leading zero, other months without (Nghị định 30/2020/NĐ-CP, annex I):
/// "ngày 05 tháng 3 năm 2026", "ngày 15 tháng 02 năm 2026".
fn dated(province: &str, d: NaiveDate) -> String {
    use chrono::Datelike;
    let month = if d.month() <= 2 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!(
        "{province}, ngày {:02} tháng {month} năm {}",
        d.day(),
        d.year()
    )
}

/// Who issues the export and who signs it: the standing office for the provincial
/// leadership and itself (it prepares the committee's reports); a commune user's people's
/// committee; otherwise the viewer's agency under its parent. Every export carried the
/// standing office's heading and signature, a police export too (a review, stop 35).
async fn issuer(
    state: &AppState,
    viewer: &crate::auth::Viewer,
) -> Result<(Vec<String>, String), AppError> {
    use crate::auth::Role;
    let upper = |s: &str| s.to_uppercase();
    let office = || {
        (
            vec![
                format!("BAN CHỈ ĐẠO 389 TỈNH {}", upper(&state.province)),
                "CƠ QUAN THƯỜNG TRỰC".to_owned(),
            ],
            "THỦ TRƯỞNG CƠ QUAN THƯỜNG TRỰC".to_owned(),
        )
    };
    if matches!(viewer.role, Role::Leader | Role::StandingOffice) {
        return Ok(office());
    }
    // The directory keeps agencies and communes for a minute: no statement here.
    let directory = &state.directory;
    if let Some(id) = viewer.commune_id
        && let Some(c) = directory
            .communes_by_id(&state.db, &[id])
            .await?
            .remove(&id)
    {
        let name = crate::domain::vocab::commune_display(&c.kind, &c.name);
        return Ok((
            vec![format!("ỦY BAN NHÂN DÂN {}", upper(&name))],
            "TM. ỦY BAN NHÂN DÂN".to_owned(),
        ));
    }
    let Some(id) = viewer.agency_id else {
        return Ok(office());
    };
    let Some(agency) = directory
        .agencies_by_id(&state.db, &[id])
        .await?
        .remove(&id)
    else {
        return Ok(office());
    };
    let mut lines = vec![];
    if let Some(parent) = agency.parent_id
        && let Some(p) = directory
            .agencies_by_id(&state.db, &[parent])
            .await?
            .remove(&parent)
    {
        lines.push(upper(&p.name));
    }
    lines.push(upper(&agency.name));
    Ok((lines, "THỦ TRƯỞNG ĐƠN VỊ".to_owned()))
}

const TITLE: &str = "BÁO CÁO KẾT QUẢ ĐẤU TRANH CHỐNG BUÔN LẬU, GIAN LẬN THƯƠNG MẠI VÀ HÀNG GIẢ";

/// The workbook as a provincial office prints it: the official heading (the committee on the
/// left, the national motto on the right, place and date), the title merged and centred with
/// the scope and period under it, then one row per figure (the total, in bold) with a row per
/// official group under it, and the comparisons as columns — a table that fits an A4 page
/// across, unlike one column per figure. Money in millions of đồng (stated), headers repeated
/// on every page and frozen on screen, landscape A4 fitted to the page width, and a signature
/// block.
fn xlsx(
    h: &Heading,
    c: &Computed,
    cols: &[Column],
    subs: &[&str],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, FormatUnderline, Workbook};
    let with_previous = subs.len() == SUB.len();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Thống kê")?;
    let base = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(12);
    let center = base.clone().set_align(FormatAlign::Center).set_text_wrap();
    let bold_center = center.clone().set_bold();
    let title = bold_center.clone().set_font_size(14);
    let italic_center = center.clone().set_italic();
    let motto = bold_center.clone().set_underline(FormatUnderline::Single);
    let head = bold_center
        .clone()
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    let cell = base.clone().set_border(FormatBorder::Thin);
    let bold = |f: &Format| f.clone().set_bold();
    let label = cell.clone().set_text_wrap();
    let group_label = label.clone().set_indent(2);
    let num = cell.clone().set_num_format("#,##0");
    let money = cell.clone().set_num_format("#,##0.0");
    let pct = cell.clone().set_num_format("0.0");

    let last = subs.len() as u16; // columns 0..=last
    // The heading's two blocks: the issuer over the label column, the national motto, place
    // and date over the figures' columns, which are widened when there are few of them (the
    // year's three) so the motto fits on its line.
    let left = |ws: &mut rust_xlsxwriter::Worksheet, r: u32, text: &str, f: &Format| {
        ws.write_string_with_format(r, 0, text, f).map(|_| ())
    };
    let right = |ws: &mut rust_xlsxwriter::Worksheet, r: u32, text: &str, f: &Format| {
        ws.merge_range(r, 1, r, last, text, f).map(|_| ())
    };
    // A wrapped cell's row made tall enough for its text, at `per_line` characters a line:
    // spreadsheet programs do not grow a row for a merged cell, and a long agency or
    // campaign name showed its last line only, over the next row (a review, stop 35).
    let label_width = 62.0;
    let width = (66.0 / f64::from(last)).max(16.0);
    let across = (label_width + width * f64::from(last)) as usize;
    let fit = |ws: &mut rust_xlsxwriter::Worksheet, row: u32, text: &str, per_line: usize| {
        let lines = text.chars().count().div_ceil(per_line.max(1)).max(1);
        if lines > 1 {
            ws.set_row_height(row, 16.0 * lines as f64)?;
        }
        Ok::<_, rust_xlsxwriter::XlsxError>(())
    };
    // The official heading: the issuing body underlined, the superior one above it.
    let issuer_rows = h.issuer.len().max(1);
    for (i, line) in h.issuer.iter().enumerate() {
        let f = if i + 1 == issuer_rows {
            &motto
        } else {
            &center
        };
        left(ws, i as u32, line, f)?;
        // Capitals of 12 points: about 45 to the label column's line.
        fit(ws, i as u32, line, 45)?;
    }
    right(ws, 0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", &bold_center)?;
    right(ws, 1, "Độc lập - Tự do - Hạnh phúc", &motto)?;
    right(ws, 2, &dated(&h.province, h.today), &italic_center)?;
    // Title, scope, period, units.
    ws.merge_range(4, 0, 4, last, TITLE, &title)?;
    ws.set_row_height(4, 36)?;
    ws.merge_range(
        5,
        0,
        5,
        last,
        &format!("Phạm vi: {}", h.scope),
        &bold_center,
    )?;
    ws.merge_range(6, 0, 6, last, &h.period, &italic_center)?;
    fit(ws, 5, &format!("Phạm vi: {}", h.scope), across * 4 / 5)?;
    fit(ws, 6, &h.period, across * 4 / 5)?;
    ws.merge_range(
        7,
        0,
        7,
        last,
        "Đơn vị tính: vụ, người; tiền: triệu đồng; so sánh: %",
        &base.clone().set_align(FormatAlign::Right).set_italic(),
    )?;
    // Column headers.
    let hr = 8;
    ws.write_string_with_format(hr, 0, "Chỉ tiêu", &head)?;
    for (j, s) in subs.iter().enumerate() {
        ws.write_string_with_format(hr, 1 + j as u16, *s, &head)?;
    }
    ws.set_row_height(hr, 36)?;
    ws.set_column_width(0, label_width)?;
    for col in 1..=last {
        ws.set_column_width(col, width)?;
    }
    // One block per figure: its total, then the official groups.
    let groups: Vec<(&str, &[Figures; 3])> = c
        .groups
        .iter()
        .map(|(k, f)| {
            let g = match k.first() {
                Some(crate::service::statistics::KeyPart::Text(Some(s))) => OfficialGroup::parse(s),
                _ => None,
            };
            (group_label_short(g), f)
        })
        .collect();
    let mut r = hr + 1;
    for (i, (name, pick, _, is_money)) in cols.iter().enumerate() {
        let unit = if *is_money { " (triệu đồng)" } else { "" };
        let lines = std::iter::once((format!("{}. {name}{unit}", i + 1), &c.total, true))
            .chain(groups.iter().map(|(g, f)| (format!("- {g}"), *f, false)));
        for (text, f, is_total) in lines {
            let fmt_of = |f: &Format| if is_total { bold(f) } else { f.clone() };
            ws.write_string_with_format(
                r,
                0,
                &text,
                &if is_total {
                    bold(&label)
                } else {
                    group_label.clone()
                },
            )?;
            let value = |x: i64| {
                if *is_money {
                    x as f64 / 1_000_000.0
                } else {
                    x as f64
                }
            };
            let nf = fmt_of(if *is_money { &money } else { &num });
            let pf = fmt_of(&pct);
            let (v, p, l) = (pick(&f[0]), pick(&f[1]), pick(&f[2]));
            let mut col = 1;
            ws.write_number_with_format(r, col, value(v), &nf)?;
            col += 1;
            let compare = |ws: &mut rust_xlsxwriter::Worksheet,
                           base: i64,
                           col: &mut u16|
             -> Result<(), rust_xlsxwriter::XlsxError> {
                ws.write_number_with_format(r, *col, value(base), &nf)?;
                match change(v, base) {
                    Some(x) => ws.write_number_with_format(r, *col + 1, x, &pf)?,
                    None => ws.write_string_with_format(r, *col + 1, "", &pf)?,
                };
                *col += 2;
                Ok(())
            };
            if with_previous {
                compare(ws, p, &mut col)?;
            }
            compare(ws, l, &mut col)?;
            r += 1;
        }
    }
    // What the figures leave out (the press's withheld cells), under the table.
    if let Some(note) = &h.note {
        r += 1;
        ws.merge_range(
            r,
            0,
            r,
            last,
            note,
            &base.clone().set_italic().set_text_wrap(),
        )?;
        ws.set_row_height(r, 32)?;
    }
    // Signature block: each title and its caption in one cell, so a page break never parts
    // them (the year's export printed the captions alone on a second page).
    // The title bold, the caption in italics, as signatures are laid out.
    let sign = r + 2;
    let signature = center.clone().set_align(FormatAlign::Top);
    let (title_part, caption_part) = (base.clone().set_bold(), base.clone().set_italic());
    let signer = format!("{}\n", h.signer);
    ws.write_rich_string_with_format(
        sign,
        0,
        &[
            (&title_part, "NGƯỜI LẬP BIỂU\n"),
            (&caption_part, "(Ký, ghi rõ họ tên)"),
        ],
        &signature,
    )?;
    ws.merge_range(sign, 1, sign, last, "", &signature)?;
    ws.write_rich_string_with_format(
        sign,
        1,
        &[
            (&title_part, signer.as_str()),
            (&caption_part, "(Ký tên, đóng dấu)"),
        ],
        &signature,
    )?;
    ws.set_row_height(sign, 36)?;
    // Printing: landscape A4 fitted to the page width; a report of the figures the leaders
    // read (up to about forty rows) on one page with its signatures, a longer one (the
    // police's ten figures) on as many pages as it needs, its headers repeated.
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, if sign <= 44 { 1 } else { 0 });
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_repeat_rows(hr, hr)?;
    ws.set_freeze_panes(hr + 1, 1)?;
    ws.set_print_center_horizontally(true);
    ws.set_footer("&CTrang &P/&N");
    wb.save_to_buffer()
}

/// The official groups' names in a figure's block (numbered as in the reports).
fn group_label_short(g: Option<OfficialGroup>) -> &'static str {
    match g {
        Some(OfficialGroup::SmugglingAndProhibited) => {
            "Nhóm (1): buôn lậu, hàng cấm, vận chuyển trái phép qua biên giới"
        }
        Some(OfficialGroup::TradeAndTaxFraud) => "Nhóm (2): gian lận thương mại, gian lận thuế",
        Some(OfficialGroup::CounterfeitAndIp) => "Nhóm (3): hàng giả, xâm phạm sở hữu trí tuệ",
        None => "Không xác định",
    }
}

fn csv_bytes(
    title: &str,
    cols: &[Column],
    subs: &[&str],
    rows: &[Vec<Cell>],
    note: Option<&str>,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(vec![]);
    w.write_record([title])?;
    let mut header = vec!["Nhóm".to_string()];
    for (name, _, _, money) in cols {
        let unit = if *money { " (đồng)" } else { "" };
        for s in subs {
            header.push(format!("{name}{unit} - {s}"));
        }
    }
    w.write_record(&header)?;
    for row in rows {
        let rec: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Int(v) | Cell::Money(v) => v.to_string(),
                Cell::Pct(p) => p.map(|p| format!("{p:.1}")).unwrap_or_default(),
            })
            .collect();
        w.write_record(&rec)?;
    }
    if let Some(note) = note {
        w.write_record([note])?;
    }
    // UTF-8 with BOM so Excel opens the Vietnamese headers correctly.
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(
        w.into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))?,
    );
    Ok(out)
}

/// A plain-HTTP error (the exports and the feed): JSON with `extensions.code`, as GraphQL errors.
pub(crate) fn error(e: AppError) -> Response {
    if let AppError::Internal(inner) = &e {
        tracing::error!(error = ?inner, "export failed");
    }
    crate::http::graphql::http_error(e.http_status(), crate::http::graphql::Wants::Json, e)
}

/// What the export covers, for its title and file name: the lead agency asked for, a commune
/// user's commune, or the whole province. Codes are our own (ASCII), safe in a file name.
/// A code in the URL (a campaign's, an agency's): letters, digits and `_`, checked before it
/// reaches a statement. The GraphQL arguments have their check for NUL (`graphql::inputs`);
/// the URL's did not, and NUL in `campaign` would fail on PostgreSQL as `INTERNAL` (a review,
/// stop 33, also had escape sequences echoed back in the refusal).
fn code_param(name: &str, value: &str) -> Result<(), AppError> {
    let v = value.trim();
    if !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(AppError::bad_input(format!(
            "`{name}` is a code: letters, digits and `_`"
        )))
    }
}

async fn scope(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    lead_agency: Option<&str>,
) -> Result<(String, Option<String>), AppError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut parts = vec![];
    let mut codes = vec![];
    if let Some(code) = lead_agency {
        let agency = entity::agencies::Entity::find()
            .filter(entity::agencies::Column::Code.eq(code.trim()))
            .one(&state.db)
            .await?
            .ok_or_else(|| AppError::bad_input("`leadAgency`: no agency has this code"))?;
        parts.push(format!("các vụ việc do {} chủ trì", agency.name));
        codes.push(agency.code);
    }
    // A commune user's figures are its commune's, whatever else it asks.
    if let Some(id) = viewer.commune_id
        && let Some(c) = state
            .directory
            .communes_by_id(&state.db, &[id])
            .await?
            .remove(&id)
    {
        parts.push(crate::domain::vocab::commune_display(&c.kind, &c.name));
        codes.push(c.code);
    }
    if parts.is_empty() {
        return Ok(("toàn tỉnh".into(), None));
    }
    Ok((parts.join(", "), Some(codes.join("-"))))
}

/// The name of the campaign a `CAMPAIGN` export covers ([`campaign_in_scope`], the rule
/// [`period_spec`] has applied).
async fn campaign_name(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    period: &PeriodInput,
) -> Result<Option<String>, AppError> {
    let (StatisticsPeriodKind::Campaign, Some(code)) = (period.kind, &period.campaign) else {
        return Ok(None);
    };
    Ok(Some(campaign_in_scope(&state.db, viewer, code).await?.name))
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
    let viewer = authenticate(state, headers)
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
    for (name, value) in [("campaign", &p.campaign), ("leadAgency", &p.lead_agency)] {
        if let Some(v) = value {
            code_param(name, v)?;
        }
    }
    let period = PeriodInput {
        kind,
        year: p.year,
        month: p.month,
        quarter: p.quarter,
        campaign: p.campaign,
        from: p.from,
        to: p.to,
    };
    let mut params = p.lead_agency.map(|a| CaseFilterParams {
        lead_agency: Some(a),
        ..Default::default()
    });
    if let Some(params) = &mut params {
        crate::service::cases::known_codes(&state.db, &state.directory, params).await?;
    }
    let lead_agency = params.as_ref().and_then(|p| p.lead_agency.clone());
    let counted = statistics_condition(&viewer, &[], params.clone())?;
    crate::graphql::statistics::check_press_period(&viewer, &period)?;
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
    // Resolved first: an unknown agency is the client's mistake, not an empty report.
    let (scope, scope_code) = scope(state, &viewer, lead_agency.as_deref()).await?;
    let spec = period_spec(&state.db, &viewer, &period).await?;
    let spec_previous_is_last_year = spec.previous_is_last_year();
    let campaign = campaign_name(state, &viewer, &period).await?;
    let press = viewer.role == crate::auth::Role::Press;
    let work = async {
        if press {
            crate::graphql::statistics::compute_public(
                &state.db,
                spec,
                vec![],
                state.small_cell_k,
                Via::Auto,
            )
            .await
        } else {
            compute(&state.db, counted.clone(), spec, vec![], Via::Auto).await
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
    // The press's figures are public cells already (`compute_public`); its columns are fixed.
    let withheld = if press {
        None
    } else {
        crate::graphql::statistics::police_withheld(&viewer, params.as_ref())
    };
    let cols = columns(press, withheld.is_none());
    let with_previous = !spec_previous_is_last_year;
    let subs = sub(with_previous);
    let rows = table(&computed, &cols, with_previous);
    let today = crate::time::today();
    let name = match &campaign {
        Some(name) => Some(format!("Đợt cao điểm “{name}”")),
        None => spec.name_vi(),
    };
    let (issuer, signer) = issuer(state, &viewer).await?;
    let heading = Heading {
        province: state.province.clone(),
        issuer,
        signer,
        scope,
        period: period_line(name, computed.range.from, computed.range.to, today),
        note: computed.suppressed.then(|| {
            format!(
                "Số liệu công khai: chỉ gồm các tháng đã kết thúc và các nhóm có từ {} vụ trở lên \
                 (hoặc không có vụ nào); các ô ít hơn không công bố, nên số liệu có thể thấp hơn \
                 số liệu đầy đủ.",
                state.small_cell_k
            )
        }),
        today,
    };
    let (bytes, content_type) = if format == "xlsx" {
        (
            xlsx(&heading, &computed, &cols, &subs).map_err(AppError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    } else {
        let title = format!("{TITLE} — {} — {}", heading.scope, heading.period);
        (
            csv_bytes(&title, &cols, &subs, &rows, heading.note.as_deref())
                .map_err(AppError::internal)?,
            "text/csv; charset=utf-8",
        )
    };
    let name = format!(
        "thong-ke-{}-{}{}.{format}",
        computed.range.from,
        computed.range.to,
        scope_code.map(|c| format!("-{c}")).unwrap_or_default()
    );
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn documents_are_dated_as_the_decree_says() {
        assert_eq!(
            dated("Lạng Sơn", d(2026, 3, 5)),
            "Lạng Sơn, ngày 05 tháng 3 năm 2026"
        );
        assert_eq!(
            dated("Lạng Sơn", d(2026, 2, 15)),
            "Lạng Sơn, ngày 15 tháng 02 năm 2026"
        );
        assert_eq!(
            dated("Lạng Sơn", d(2026, 12, 1)),
            "Lạng Sơn, ngày 01 tháng 12 năm 2026"
        );
    }

    #[test]
    fn a_period_is_named_and_a_running_one_says_so() {
        let today = d(2026, 12, 7);
        assert_eq!(
            period_line(
                Some("Quý III năm 2026".into()),
                d(2026, 6, 15),
                d(2026, 9, 14),
                today
            ),
            "Quý III năm 2026 (từ ngày 15/06/2026 đến ngày 14/09/2026)"
        );
        assert_eq!(
            period_line(None, d(2026, 11, 15), d(2026, 12, 14), today),
            "Từ ngày 15/11/2026 đến ngày 14/12/2026; số liệu tính đến ngày 07/12/2026"
        );
    }
}
