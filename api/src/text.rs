//! Vietnamese text: names are stored NFC; search keys are folded (diacritics removed, đ → d,
//! lower case, single spaces) so that `thuoc gia` finds `Thuốc giả`.

use unicode_normalization::UnicodeNormalization;

/// Normalises to NFC and trims, so that the same name typed with combining marks (common on
/// some Vietnamese keyboards) or precomposed characters is stored identically.
pub fn nfc(s: &str) -> String {
    s.trim().nfc().collect()
}

/// Folds text for search: transliterates to ASCII with `deunicode` (which maps đ/Đ to d/D and
/// drops Vietnamese tone and vowel marks), lower-cases and collapses whitespace.
pub fn fold(s: &str) -> String {
    let ascii = deunicode::deunicode(&nfc(s));
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
