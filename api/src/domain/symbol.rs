//! Parsing a directive's symbol (số, ký hiệu) into its parts.
//!
//! The forms in use, per the Government's rules on administrative documents and the seeds:
//! - `341/TB-VPCP`: number / type abbreviation - issuer (most documents);
//! - `11554/VPCP-V.I`: a công văn has no type abbreviation: number / issuer - drafting unit;
//! - `20/2016/QĐ-TTg`: legal documents carry their year: number / year / type - issuer;
//! - `13-CT/TU`: Party documents: number - type / issuer.
//!
//! Numbers restart each year, so the key of a directive is (issuer, year, number, type); the
//! year comes from the issue date (and must agree with a year written in the symbol).

use crate::domain::vocab::DirectiveType;
use crate::error::{AppError, AppResult};

/// A symbol's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSymbol {
    /// The symbol as it is stored: trimmed, with Đ for a look-alike Ð.
    pub symbol: String,
    pub number: i32,
    pub doc_type: DirectiveType,
    /// Issuer abbreviation (TTg, VPCP, UBND, BCĐ389…).
    pub issuer: String,
    /// Drafting unit (`V.I` in `11554/VPCP-V.I`, `KTTH` in `1079/UBND-KTTH`).
    pub drafting_unit: Option<String>,
    /// A year written in the symbol (`20/2016/QĐ-TTg`), if any.
    pub year: Option<i32>,
}

const EXPECTED: &str = "`symbol` must be written as number/TYPE-ISSUER (e.g. 341/TB-VPCP, \
     13/CT-TTg, 105/KH-UBND, 38/CĐ-TTg), number/year/TYPE-ISSUER (20/2016/QĐ-TTg), \
     number-TYPE/ISSUER (13-CT/TU), or for a công văn number/ISSUER-UNIT (11554/VPCP-V.I)";

/// The type abbreviations this hub tracks.
fn doc_type(abbr: &str) -> Option<DirectiveType> {
    Some(match abbr {
        "CT" => DirectiveType::Directive,
        "KH" => DirectiveType::Plan,
        "TB" => DirectiveType::Notice,
        "NQ" => DirectiveType::Resolution,
        "CĐ" => DirectiveType::Dispatch,
        "QĐ" => DirectiveType::Decision,
        "BC" => DirectiveType::Report,
        _ => return None,
    })
}

/// Type abbreviations of documents the hub does not track; read as an issuer they would make
/// a wrong công văn, so they are refused instead.
const UNTRACKED: &[&str] = &[
    "NĐ", "TT", "TTLT", "HD", "TTr", "CTr", "QC", "QyĐ", "KL", "BB", "GM", "GGT", "PA", "ĐA",
];

/// The type abbreviation the symbol should read as (`QĐ`, `CĐ`), when written without `Đ`.
fn without_d_bar(abbr: &str) -> Option<&'static str> {
    match abbr {
        "CD" => Some("CĐ"),
        "QD" => Some("QĐ"),
        _ => None,
    }
}

fn bad(detail: &str) -> AppError {
    AppError::bad_input(format!("{EXPECTED}: {detail}"))
}

fn number(s: &str) -> AppResult<i32> {
    if s.is_empty() || s.len() > 9 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("the number must be digits"));
    }
    match s.parse::<i32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(bad("the number must be positive")),
    }
}

/// An issuer or drafting-unit abbreviation: starts with a letter; letters, digits and dots.
fn abbreviation(s: &str, what: &str) -> AppResult<String> {
    let ok = s.chars().next().is_some_and(char::is_alphabetic)
        && s.chars().count() <= 30
        && s.chars().all(|c| c.is_alphanumeric() || c == '.');
    if ok {
        Ok(s.to_string())
    } else {
        Err(bad(&format!(
            "the {what} abbreviation is missing or malformed"
        )))
    }
}

/// Reads `TYPE-ISSUER[-UNIT]`, or a công văn's `ISSUER-UNIT` when the first part is no type.
fn type_and_issuer(s: &str) -> AppResult<(DirectiveType, String, Option<String>)> {
    let (head, rest) = s
        .split_once('-')
        .ok_or_else(|| bad("expected a `-` between the type (or issuer) and what follows"))?;
    if let Some(t) = doc_type(head) {
        let (issuer, unit) = match rest.split_once('-') {
            Some((i, u)) => (i, Some(abbreviation(u, "drafting unit")?)),
            None => (rest, None),
        };
        return Ok((t, abbreviation(issuer, "issuer")?, unit));
    }
    check_type_spelling(head)?;
    // A công văn: issuer - drafting unit.
    Ok((
        DirectiveType::OfficialLetter,
        abbreviation(head, "issuer")?,
        Some(abbreviation(rest, "drafting unit")?),
    ))
}

fn check_type_spelling(abbr: &str) -> AppResult<()> {
    if let Some(right) = without_d_bar(abbr) {
        return Err(bad(&format!("write the type `{right}` with Đ")));
    }
    if UNTRACKED.contains(&abbr) {
        return Err(bad(&format!(
            "documents of type `{abbr}` are not tracked (CT, KH, TB, NQ, CĐ, QĐ, BC or công văn)"
        )));
    }
    Ok(())
}

/// Parses a symbol as written (already trimmed and NFC). Any other shape is `BAD_USER_INPUT`
/// explaining the expected forms.
pub fn parse_symbol(symbol: &str) -> AppResult<ParsedSymbol> {
    // The Icelandic eth (Ð, U+00D0) looks like Đ (U+0110) and is a common typing slip.
    let s: String = symbol.trim().replace('Ð', "Đ");
    if s.is_empty() || s.chars().any(char::is_whitespace) {
        return Err(bad("no spaces inside a symbol"));
    }
    let parts: Vec<&str> = s.split('/').collect();
    let (num, doc_type, issuer, drafting_unit, year) = match parts.as_slice() {
        // 13-CT/TU: Party form.
        [left, issuer] if left.contains('-') && !issuer.contains('-') => {
            let (n, t) = left.split_once('-').unwrap_or((left, ""));
            check_type_spelling(t)?;
            let doc_type = doc_type(t).ok_or_else(|| bad("unknown type abbreviation"))?;
            let num = number(n)?;
            (num, doc_type, abbreviation(issuer, "issuer")?, None, None)
        }
        [n, rest] => {
            let (doc_type, issuer, drafting_unit) = type_and_issuer(rest)?;
            (number(n)?, doc_type, issuer, drafting_unit, None)
        }
        [n, year, rest] => {
            let y = (year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()))
                .then(|| year.parse::<i32>().ok())
                .flatten()
                .filter(|y| (1945..=2100).contains(y))
                .ok_or_else(|| bad("the middle part must be a four-digit year"))?;
            let (doc_type, issuer, drafting_unit) = type_and_issuer(rest)?;
            (number(n)?, doc_type, issuer, drafting_unit, Some(y))
        }
        _ => return Err(bad("expected one or two `/`")),
    };
    Ok(ParsedSymbol {
        symbol: s,
        number: num,
        doc_type,
        issuer,
        drafting_unit,
        year,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use DirectiveType::*;

    fn p(s: &str) -> ParsedSymbol {
        parse_symbol(s).unwrap_or_else(|e| panic!("{s}: {}", e.message()))
    }

    fn parts(s: &str) -> (i32, DirectiveType, String, Option<String>, Option<i32>) {
        let x = p(s);
        (x.number, x.doc_type, x.issuer, x.drafting_unit, x.year)
    }

    #[test]
    fn the_usual_forms() {
        assert_eq!(
            parts("341/TB-VPCP"),
            (341, Notice, "VPCP".into(), None, None)
        );
        assert_eq!(
            parts("13/CT-TTg"),
            (13, Directive, "TTg".into(), None, None)
        );
        assert_eq!(parts("105/KH-UBND"), (105, Plan, "UBND".into(), None, None));
        assert_eq!(parts("38/CĐ-TTg"), (38, Dispatch, "TTg".into(), None, None));
        assert_eq!(parts("41/NQ-CP"), (41, Resolution, "CP".into(), None, None));
        assert_eq!(
            parts("111/BC-BCĐ389"),
            (111, Report, "BCĐ389".into(), None, None)
        );
        assert_eq!(parts("5/QĐ-UBND"), (5, Decision, "UBND".into(), None, None));
    }

    #[test]
    fn a_cong_van_is_issuer_and_drafting_unit() {
        assert_eq!(
            parts("11554/VPCP-V.I"),
            (
                11554,
                OfficialLetter,
                "VPCP".into(),
                Some("V.I".into()),
                None
            )
        );
        assert_eq!(
            parts("1079/UBND-KTTH"),
            (
                1079,
                OfficialLetter,
                "UBND".into(),
                Some("KTTH".into()),
                None
            )
        );
        assert_eq!(
            parts("40/BCĐ-CQTTr"),
            (40, OfficialLetter, "BCĐ".into(), Some("CQTTr".into()), None)
        );
    }

    #[test]
    fn legal_and_party_forms() {
        assert_eq!(
            parts("20/2016/QĐ-TTg"),
            (20, Decision, "TTg".into(), None, Some(2016))
        );
        assert_eq!(parts("13-CT/TU"), (13, Directive, "TU".into(), None, None));
    }

    #[test]
    fn typing_slips_are_forgiven_or_explained() {
        // Eth for Đ, and surrounding spaces.
        assert_eq!(p(" 38/CÐ-TTg ").doc_type, Dispatch);
        let msg = parse_symbol("38/CD-TTg").unwrap_err().message();
        assert!(msg.contains("with Đ"), "{msg}");
        let msg = parse_symbol("12/HD-UBND").unwrap_err().message();
        assert!(msg.contains("not tracked"), "{msg}");
    }

    #[test]
    fn malformed_symbols_are_bad_input_naming_the_form() {
        for s in [
            "",
            "341",
            "341/TB",
            "TB-VPCP",
            "/TB-VPCP",
            "abc/TB-VPCP",
            "0/TB-VPCP",
            "341/TB-",
            "341/-VPCP",
            "341 /TB-VPCP",
            "341/TB-VP CP",
            "1/2/3/TB-X",
            "20/16/QĐ-TTg",
            "13-XX/TU",
            "341/TB-VP@CP",
            "99999999999/TB-VPCP",
        ] {
            let err = parse_symbol(s).expect_err(s);
            assert_eq!(err.code(), "BAD_USER_INPUT", "{s}");
            assert!(
                err.message().contains("341/TB-VPCP"),
                "{s}: {}",
                err.message()
            );
        }
    }
}
