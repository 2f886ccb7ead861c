//! Escaping text for XML and HTML (JUnit and report.html share it).

/// Escapes `s` for element text and attribute values, and replaces the control characters
/// XML 1.0 cannot carry (a hostile server's body may contain any byte).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_invalid_characters() {
        assert_eq!(
            escape("a<b&\"c'\u{0}\n"),
            "a&lt;b&amp;&quot;c&#39;\u{FFFD}\n"
        );
    }
}
