//! Errors in input files as data with positions, and the one renderer that prints them all:
//! `file:line:col`, the offending line, a caret under the column, and a hint.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A problem at a position in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0: the file as a whole).
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `line:col` of `file`.
    pub fn new(file: &Path, line: u32, col: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line,
            col,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Renders against the file's text (pass the source so the line can be shown).
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = String::new();
        let file = self.file.display();
        if self.line == 0 {
            let _ = writeln!(out, "error: {}\n  --> {file}", self.message);
        } else {
            let _ = writeln!(
                out,
                "error: {}\n  --> {file}:{}:{}",
                self.message, self.line, self.col
            );
            if let Some(text) = source.and_then(|s| s.lines().nth(self.line as usize - 1)) {
                let number = self.line.to_string();
                let pad = " ".repeat(number.len());
                let (text, col) = window(text, self.col.saturating_sub(1) as usize);
                let caret_at: usize = text
                    .chars()
                    .take(col)
                    .map(|c| if c == '\t' { 4 } else { 1 })
                    .sum();
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{number} | {}", text.replace('\t', "    "));
                let _ = writeln!(out, "{pad} | {}^", " ".repeat(caret_at));
            }
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  = hint: {hint}");
        }
        out
    }
}

/// Most characters of a source line a diagnostic shows: a suite written on one long line
/// would otherwise be printed whole for every problem on it.
const SHOWN_LINE: usize = 120;

/// The part of `line` shown around the 0-based character column `col`, and the column in it.
fn window(line: &str, col: usize) -> (String, usize) {
    let len = line.chars().count();
    if len <= SHOWN_LINE {
        return (line.to_string(), col);
    }
    let start = col.saturating_sub(SHOWN_LINE / 2).min(len - SHOWN_LINE);
    let mut shown: String = line.chars().skip(start).take(SHOWN_LINE).collect();
    let mut at = col - start.min(col);
    if start > 0 {
        shown.insert(0, '…');
        at += 1;
    }
    if start + SHOWN_LINE < len {
        shown.push('…');
    }
    (shown, at)
}

/// Levenshtein distance, for "did you mean" suggestions.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Names as `` `a`, `b` `` for a message.
pub(crate) fn backticked<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(3) / 3).max(1) + usize::from(c.len() > 6))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Hint text for an unknown word.
pub(crate) fn suggestion<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match did_you_mean(word, candidates.clone()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => {
            let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
            format!("expected one of {}", all.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_and_caret() {
        let d = Diagnostic::new(Path::new("s.yaml"), 2, 5, "unknown key `stauts`")
            .hint("did you mean `status`?");
        let text = d.render(Some("a: 1\nb:  stauts: 2\n"));
        assert_eq!(
            text,
            "error: unknown key `stauts`\n  --> s.yaml:2:5\n  |\n2 | b:  stauts: 2\n  |     ^\n  = hint: did you mean `status`?\n"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("stauts", ["status", "schema", "body"]),
            Some("status")
        );
        assert_eq!(
            did_you_mean("entra-flg", ["entra", "entra-flag", "validator"]),
            Some("entra-flag")
        );
        assert_eq!(did_you_mean("zzz", ["status", "schema"]), None);
        assert_eq!(suggestion("zzz", ["a", "b"]), "expected one of `a`, `b`");
    }
}
