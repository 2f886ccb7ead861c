//! Text that came from a server, made safe to print on a terminal.

/// `s` with every control character but newline and tab (ESC and the rest of C0, DEL, C1) and
/// every bidirectional override shown as a `\u{…}` escape: an answer cannot move the cursor,
/// recolour or retitle the terminal, or hide text from the person reading it.
pub(crate) fn terminal_safe(s: &str) -> String {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(unsafe_char) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if unsafe_char(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_not_obeyed() {
        assert_eq!(terminal_safe("plain\nline\tok"), "plain\nline\tok");
        assert_eq!(
            terminal_safe("a\u{1b}]0;pwned\u{7}b\u{1b}[2J\r"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{1b}[2J\\u{d}"
        );
        assert_eq!(terminal_safe("x\u{202e}y\u{9b}"), "x\\u{202e}y\\u{9b}");
    }
}
