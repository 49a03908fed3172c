//! Text from outside (a QR code, a certificate, a request, a ZATCA answer) made
//! safe to print on a terminal.
//!
//! A value printed raw can carry terminal escape sequences (ESC, CSI) that
//! recolour, move the cursor or retitle the window, a newline or carriage return
//! that forges a line of output, or a Unicode bidirectional control that shows
//! the text in another order than it is stored. [`escape`] replaces each such
//! character with a visible Rust-style escape (`\u{1b}`), so what is shown is
//! what is there. JSON output needs no such step: the JSON encoder escapes
//! control characters itself, and a JSON reader is not a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every C0 control (U+0000–U+001F, tab and newline included), DEL
/// (U+007F), C1 control (U+0080–U+009F) and Unicode bidirectional control
/// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) written as `\u{…}`
/// in lower-case hex. Everything else, backslashes included, is left as it is;
/// text without such characters is returned unchanged without copying.
/// An ESC character prints as the six characters `\u{1b}`, and a value with a
/// newline in it stays on one line.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() // C0, DEL and C1: exactly Unicode's Cc category
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let text = "Maximum Speed Tech Supply LTD — شركة";
        assert!(matches!(escape(text), Cow::Borrowed(t) if t == text));
        assert_eq!(escape(r"a\u{1b}b"), r"a\u{1b}b");
    }

    #[test]
    fn every_control_and_bidi_character_is_made_visible() {
        assert_eq!(escape("a\u{1b}[31mb\nc"), "a\\u{1b}[31mb\\u{a}c");
        assert_eq!(escape("\t\r\u{0}\u{7f}"), "\\u{9}\\u{d}\\u{0}\\u{7f}");
        assert_eq!(escape("\u{80}\u{9b}\u{9f}"), "\\u{80}\\u{9b}\\u{9f}");
        assert_eq!(
            escape("x\u{202e}y\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}"),
            "x\\u{202e}y\\u{2066}\\u{2069}\\u{200e}\\u{200f}\\u{61c}"
        );
        // The neighbours of the escaped ranges are printed as they are.
        assert_eq!(
            escape("\u{a0}\u{2029}\u{202f}\u{2065}\u{206a}"),
            "\u{a0}\u{2029}\u{202f}\u{2065}\u{206a}"
        );
    }
}
