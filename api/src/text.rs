//! Vietnamese text: names are stored NFC; search keys are folded (diacritics removed, đ → d,
//! lower case, single spaces) so that `thuoc gia` finds `Thuốc giả`.

use unicode_normalization::UnicodeNormalization;

use crate::error::{AppError, AppResult};

/// Normalises to NFC and trims, so that the same name typed with combining marks (common on
/// some Vietnamese keyboards) or precomposed characters is stored identically.
pub fn nfc(s: &str) -> String {
    s.trim().nfc().collect()
}

/// Text a client writes, as stored: [`nfc`], and refused (`BAD_USER_INPUT`) when it holds a
/// control character other than a line break or a tab (NUL cannot be stored by PostgreSQL;
/// the others corrupt exports and logs) or a bidirectional override or isolate (which makes a
/// name display as another, "Trojan Source"). `None` when nothing visible is left: a reason
/// or a name of zero-width spaces alone is as empty as one of spaces (a review of stop 33
/// filed `\u{200B}` as a report's correction reason).
pub fn client_text(field: &str, value: &str) -> AppResult<Option<String>> {
    let v = nfc(value);
    if v.chars().any(|c| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }) {
        return Err(AppError::bad_input(format!(
            "`{field}` contains control characters"
        )));
    }
    Ok((!v.chars().all(invisible)).then_some(v))
}

/// Invisible characters that show as a blank: white space, the Hangul fillers and the Braille
/// blank. The other [`invisible`] ones show nothing at all.
fn shows_blank(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{115F}' | '\u{1160}' | '\u{2800}' | '\u{3164}' | '\u{FFA0}'
        )
}

/// White space, Unicode's default-ignorable code points (DerivedCoreProperties: zero-width
/// spaces and joiners, direction marks, soft hyphen, Hangul fillers, variation selectors, tag
/// characters…, which show nothing) and the Braille blank, which shows as a space.
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Folds text for search: transliterates to ASCII with `deunicode` (which maps đ/Đ to d/D and
/// drops Vietnamese tone and vowel marks), lower-cases and collapses whitespace. Invisible
/// characters ([`invisible`]) go first: those that show as a blank become a space, the
/// zero-width ones nothing, so a name stored with a zero-width space inside ("Qu\u{200B}ang")
/// is found as it reads ("quang"); it hid the name from every search (a review, stop 35).
pub fn fold(s: &str) -> String {
    let visible: String = nfc(s)
        .chars()
        .filter_map(|c| match c {
            c if shows_blank(c) => Some(' '),
            c if invisible(c) => None,
            c => Some(c),
        })
        .collect();
    let ascii = deunicode::deunicode(&visible);
    let mut out = String::with_capacity(ascii.len());
    for word in ascii.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    out
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern, so user input cannot inject
/// wildcards.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Thuốc giả"), "thuoc gia");
        assert_eq!(fold("  Đồng   Đăng "), "dong dang");
        assert_eq!(fold("Hữu Nghị"), "huu nghi");
        // Decomposed input (combining marks) folds the same as precomposed.
        assert_eq!(fold("Thuo\u{0302}\u{0301}c"), "thuoc");
        // Zero-width characters inside a word vanish; blank-looking ones separate words.
        assert_eq!(fold("Chu Văn Qu\u{200B}ang"), "chu van quang");
        assert_eq!(fold("Qu\u{E0041}a\u{180E}n\u{FEFF}g\u{00AD}"), "quang");
        assert_eq!(fold("Chu\u{3164}Văn\u{2800}Quang"), "chu van quang");
    }

    #[test]
    fn client_text_refuses_controls_and_reads_invisible_text_as_empty() {
        assert_eq!(
            client_text("f", " Thuo\u{0302}\u{0301}c\n giả ").unwrap(),
            Some("Thuốc\n giả".to_string())
        );
        for blank in [
            "",
            "   ",
            "\u{200B}",
            " \u{200B}\u{200D}\u{FEFF} ",
            "\u{00AD}",
            "\u{200E}",
            "\u{3164}\u{115F}",
            "\u{2800}",
            "\u{E0041}\u{E007F}",
            "\u{FE0F}",
        ] {
            assert_eq!(client_text("f", blank).unwrap(), None, "{blank:?}");
        }
        for bad in [
            "a\u{0}b",
            "a\u{7}b",
            "a\u{1b}[31mb",
            "a\u{7f}",
            "a\u{85}b",
            "x\u{202E}y",
            "x\u{2066}y",
        ] {
            assert!(client_text("f", bad).is_err(), "{bad:?}");
        }
        // Joiners inside a word are kept (some scripts need them).
        assert!(client_text("f", "a\u{200D}b").unwrap().is_some());
    }

    #[test]
    fn nfc_composes() {
        assert_eq!(nfc("Thuo\u{0302}\u{0301}c"), "Thuốc");
    }

    #[test]
    fn escapes_like() {
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}
