//! Text for a terminal: values from outside input are escaped so that control
//! characters cannot run terminal escapes or forge lines.

use std::borrow::Cow;

/// `text` with every control character (C0, DEL, C1) and bidi control shown as `\u{…}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if bad(c) { c.escape_unicode().to_string() } else { c.to_string() })
            .collect(),
    )
}
