//! Redaction: every string that leaves the process passes through here, so tokens and other
//! secrets never reach the console, a report, a transcript or a curl line.

use std::fmt::Write as _;
use std::sync::{Arc, RwLock};

/// Replaces known secrets with `***`. Clones share one list, so a secret learned later (an
/// OAuth access token) is masked everywhere.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Each form of each secret, and whether it is masked inside longer words too.
    secrets: Arc<RwLock<Vec<(String, bool)>>>,
}

/// What a secret is replaced with.
pub(crate) const MASK: &str = "***";

impl Redactor {
    /// A redactor for `secrets`.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let r = Redactor::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Adds a secret, with every form a server may echo it in: JSON-escaped, URL-encoded and
    /// base64-encoded (also inside a longer base64 text). A secret under 12 bytes is masked
    /// where it stands alone, not inside longer words (`WHOLE_WORD_BELOW`).
    pub fn add(&self, secret: String) {
        if secret.is_empty() {
            return;
        }
        let (text, base64) = encodings(&secret);
        let text = text.into_iter().chain([secret]).map(|f| {
            let anywhere = f.len() >= WHOLE_WORD_BELOW;
            (f, anywhere)
        });
        // base64 fragments sit inside longer encoded text by nature: masked anywhere.
        let forms = text.chain(base64.into_iter().map(|f| (f, true)));
        let mut list = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        for f in forms {
            if !list.iter().any(|(s, _)| *s == f.0) {
                list.push(f);
            }
        }
        // Longest first, so a secret containing another is masked whole.
        list.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    }

    /// Adds the secrets a target URL carries (`url_secrets`).
    pub fn add_url_secrets(&self, url: &str) {
        for s in url_secrets(url) {
            self.add(s);
        }
    }

    /// The length in bytes of the longest form of any secret (0 without secrets).
    pub(crate) fn longest(&self) -> usize {
        self.secrets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .first()
            .map_or(0, |(s, _)| s.len())
    }

    /// The text with every secret masked.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (s, anywhere) in self
            .secrets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            if !out.contains(s.as_str()) {
                continue;
            }
            out = if *anywhere {
                out.replace(s.as_str(), MASK)
            } else {
                replace_whole_words(&out, s)
            };
        }
        out
    }

    /// A header value as it may be shown: credentials masked whatever they are.
    pub fn header(&self, name: &str, value: &str) -> String {
        if name.eq_ignore_ascii_case("authorization")
            || name.eq_ignore_ascii_case("proxy-authorization")
        {
            // A value that is itself a secret (a token sent with no scheme, Okta's "Header"
            // mode) has no scheme to show, even when it holds a space.
            let whole = self
                .secrets
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .any(|(s, _)| s == value.trim());
            return match value.split_once(' ') {
                Some((scheme, _)) if !whole => format!("{} {MASK}", self.redact(scheme)),
                _ => MASK.to_string(),
            };
        }
        self.redact(value)
    }
}

/// The secrets a target URL carries: its user-info password, and the values of query keys that
/// hold credentials by their name (`code`, as Azure Functions keys, and any key naming a key,
/// token, secret, signature or password). A Tenant URL's `?code=…` never reaches a report.
pub fn url_secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
    {
        out.push(password.to_string());
    }
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    for pair in query.split('&') {
        let Some((k, v)) = pair.split_once('=') else {
            continue;
        };
        let k = crate::percent::decode_component(k).to_ascii_lowercase();
        let secret = k == "code"
            || ["key", "token", "secret", "sig", "pass", "pwd", "auth"]
                .iter()
                .any(|w| k.contains(w));
        if secret && !v.is_empty() {
            out.push(v.to_string());
            out.push(crate::percent::decode_component(v));
        }
    }
    out.retain(|s| !s.is_empty());
    out.dedup();
    out
}

/// `url` without its query, fragment and user info: what may be shown before the redactor
/// knows the URL's secrets.
pub fn strip_url_secrets(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    }
}

/// Secrets (and encoded forms) shorter than this are masked only where they stand alone, not
/// inside a longer word: a token `x` must not turn `example.com` into `e***ample.com`. A
/// short secret inside a longer word is not recognisable as that secret.
const WHOLE_WORD_BELOW: usize = 12;

/// `text` with every occurrence of `secret` that is not part of a longer word (no ASCII letter
/// or digit right before or after it) replaced by the mask.
fn replace_whole_words(text: &str, secret: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(secret) {
        let before = if i > 0 {
            rest[..i].chars().last()
        } else {
            out.chars().last()
        };
        let after = rest[i + secret.len()..].chars().next();
        out.push_str(&rest[..i]);
        if word(before) || word(after) {
            out.push_str(secret);
        } else {
            out.push_str(MASK);
        }
        rest = &rest[i + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// The shortest encoded form worth masking: shorter fragments would mask unrelated text
/// without protecting anything.
const MIN_FORM: usize = 6;

/// The other forms a secret can take in an answer: JSON string escapes (`\"`, `\\`, `\/`,
/// `\u00e4` for non-ASCII, `\u0026` for HTML-sensitive characters), percent-encoding (upper
/// and lower case hex, `+` or `%20` for spaces, `/` kept or not, form encoding, encoded twice),
/// HTML entities; then, apart, base64 (standard and URL-safe, alone or at any of the three
/// alignments inside a longer encoded text).
fn encodings(secret: &str) -> (Vec<String>, Vec<String>) {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut out = json_forms(secret);
    out.extend(percent_forms(secret));
    out.extend(html_forms(secret));
    let text = finish(out, secret);
    let mut out = Vec::new();
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        out.push(engine.encode(secret));
    }
    // Inside a longer base64 text the secret starts at one of three alignments; the encoded
    // characters that depend on the secret alone are the same whatever surrounds it.
    for shift in 0..3usize {
        let mut bytes = vec![0u8; shift];
        bytes.extend_from_slice(secret.as_bytes());
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let enc = engine.encode(&bytes);
            // Characters touched by the padding bytes in front, and the last partial group.
            let start = if shift == 0 { 0 } else { 4 };
            let whole = bytes.len() / 3 * 4;
            if whole > start {
                out.push(enc[start..whole].to_string());
            }
        }
    }
    (text, finish(out, secret))
}

/// JSON string escapes: serde's, with `/` escaped, and the `\uXXXX` escapes other encoders
/// use for non-ASCII characters and for `<`, `>`, `&` (Go), also `'` and `=` (JavaScript
/// encoders), upper and lower case hex.
fn json_forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    // Without the surrounding quotes (never `trim_matches`: a secret may end with `\"`).
    let json = json[1..json.len() - 1].to_string();
    let mut out = vec![json.replace('/', "\\/"), json.clone()];
    for upper in [false, true] {
        for html in ["", "<>&", "<>&'="] {
            let mut f = String::new();
            for c in json.chars() {
                let escape = !c.is_ascii() || html.contains(c);
                if !escape {
                    f.push(c);
                    continue;
                }
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = if upper {
                        write!(f, "\\u{u:04X}")
                    } else {
                        write!(f, "\\u{u:04x}")
                    };
                }
            }
            out.push(f);
        }
    }
    out
}

/// Percent-encodings: every byte but the unreserved ones (space as `%20` or `+`), with `/`
/// kept (as path encoders do), as HTML forms encode (`*` kept, `~` encoded), and each of them
/// encoded a second time; upper and lower case hex.
fn percent_forms(secret: &str) -> Vec<String> {
    let encode = |keep: &dyn Fn(u8) -> bool, plus: bool| {
        let mut f = String::new();
        for b in secret.bytes() {
            if keep(b) {
                f.push(b as char);
            } else if plus && b == b' ' {
                f.push('+');
            } else {
                let _ = write!(f, "%{b:02X}");
            }
        }
        f
    };
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let path = |b: u8| unreserved(b) || b == b'/';
    let form = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*');
    let mut once = Vec::new();
    for plus in [false, true] {
        once.push(encode(&unreserved, plus));
        once.push(encode(&path, plus));
        once.push(encode(&form, plus));
    }
    let mut out = Vec::new();
    for f in once {
        let twice = f.replace('%', "%25");
        out.extend([lower_hex(&f), lower_hex(&twice), twice, f]);
    }
    out
}

/// HTML escapes of `& < > " '`, in the entity styles HTML encoders use.
fn html_forms(secret: &str) -> Vec<String> {
    if !secret.contains(['&', '<', '>', '"', '\'']) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (quot, apos) in [
        ("&quot;", "&#39;"),
        ("&#34;", "&#39;"),
        ("&quot;", "&#x27;"),
        ("&quot;", "&apos;"),
        ("&#x22;", "&#x27;"),
    ] {
        let mut f = String::new();
        for c in secret.chars() {
            match c {
                '&' => f.push_str("&amp;"),
                '<' => f.push_str("&lt;"),
                '>' => f.push_str("&gt;"),
                '"' => f.push_str(quot),
                '\'' => f.push_str(apos),
                c => f.push(c),
            }
        }
        out.push(f);
    }
    out
}

/// The forms worth masking, each once.
fn finish(mut forms: Vec<String>, secret: &str) -> Vec<String> {
    forms.retain(|f| f.len() >= MIN_FORM && f != secret);
    forms.sort();
    forms.dedup();
    forms
}

/// Lower-cases only the hex digits of percent escapes.
fn lower_hex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let esc = rest.get(i..i + 3).unwrap_or(&rest[i..]);
        out.push_str(&esc.to_ascii_lowercase());
        rest = &rest[i + esc.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_encoding_a_server_may_echo() {
        use base64::Engine as _;
        let secret = "p@ss/w\"rd 0123456789";
        let r = Redactor::new([secret.to_string()]);
        let json = serde_json::to_string(secret).unwrap();
        let echoes = [
            json.clone(),
            json.replace('/', "\\/"),
            "p%40ss%2Fw%22rd%200123456789".to_string(),
            "p%40ss%2fw%22rd+0123456789".to_string(),
            base64::engine::general_purpose::STANDARD.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
            base64::engine::general_purpose::STANDARD.encode(format!("user:{secret}")),
            base64::engine::general_purpose::STANDARD.encode(format!("xy:{secret}:z")),
        ];
        for echo in echoes {
            let out = r.redact(&format!("answer: {echo} end"));
            assert!(out.contains(MASK), "{echo} → {out}");
            // No run of 6 characters of any encoded form survives.
            let (text, base64) = encodings(secret);
            for form in text.iter().chain(&base64).chain([&secret.to_string()]) {
                assert!(!out.contains(form.as_str()), "{form} left in {out}");
            }
        }
    }

    #[test]
    fn short_secrets_are_masked_only_as_whole_words() {
        let r = Redactor::new(["x".to_string(), "abc123".to_string()]);
        assert_eq!(
            r.redact("https://example.com/x?t=x"),
            "https://example.com/***?t=***"
        );
        assert_eq!(r.redact("token abc123, xabc123y"), "token ***, xabc123y");
        assert_eq!(r.redact("x"), "***");
        assert_eq!(r.header("Authorization", "Bearer x"), "Bearer ***");
    }

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
