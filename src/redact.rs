//! Redaction: every string that leaves the process passes through here, so tokens and other
//! secrets never reach the console, a report, a transcript or a curl line.

/// Replaces known secrets with `***`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

/// What a secret is replaced with.
pub const MASK: &str = "***";

impl Redactor {
    /// A redactor for `secrets` (empty strings and very short ones are ignored: masking
    /// every `a` would destroy the output and protect nothing).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    /// The text with every secret masked.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }

    /// A header value as it may be shown: credentials masked whatever they are.
    pub fn header(&self, name: &str, value: &str) -> String {
        if name.eq_ignore_ascii_case("authorization")
            || name.eq_ignore_ascii_case("proxy-authorization")
        {
            return match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {MASK}"),
                None => MASK.to_string(),
            };
        }
        self.redact(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets_and_authorization() {
        let r = Redactor::new(["s3cr3t-token".to_string(), "x".to_string()]);
        assert_eq!(r.redact("token=s3cr3t-token; x"), "token=***; x");
        assert_eq!(r.header("Authorization", "Bearer anything"), "Bearer ***");
        assert_eq!(r.header("X-Echo", "s3cr3t-token"), "***");
    }
}
