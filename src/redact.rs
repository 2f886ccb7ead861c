//! Redaction: every string that leaves the process passes through here, so tokens and other
//! secrets never reach the console, a report, a transcript or a curl line.

use std::sync::{Arc, RwLock};

/// Replaces known secrets with `***`. Clones share one list, so a secret learned later (an
/// OAuth access token) is masked everywhere.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

/// What a secret is replaced with.
pub const MASK: &str = "***";

impl Redactor {
    /// A redactor for `secrets`.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let r = Redactor::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Adds a secret. Even a very short one is masked everywhere: garbled output is better
    /// than a leaked credential.
    pub fn add(&self, secret: String) {
        if secret.is_empty() {
            return;
        }
        let mut list = self.secrets.write().expect("redactor lock");
        if !list.contains(&secret) {
            list.push(secret);
            // Longest first, so a secret containing another is masked whole.
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// The text with every secret masked.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in self.secrets.read().expect("redactor lock").iter() {
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
        let r = Redactor::new(["s3cr3t-token".to_string(), String::new()]);
        assert_eq!(r.redact("token=s3cr3t-token; x"), "token=***; x");
        assert_eq!(r.header("Authorization", "Bearer anything"), "Bearer ***");
        assert_eq!(r.header("X-Echo", "s3cr3t-token"), "***");
        let shared = r.clone();
        r.add("learned-later".into());
        assert_eq!(shared.redact("learned-later"), "***");
    }
}
