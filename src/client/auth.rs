//! Credentials for the target: a bearer token, a token sent with no scheme, HTTP Basic, or
//! OAuth 2.0 client credentials (as Entra itself supports, docs/entra-behaviour.md §1.0; Okta's
//! "Header", "Bearer" and Basic modes, docs/okta-behaviour.md §7), with the access token fetched
//! on first use and refreshed before it expires or after a 401.

use super::error::{BodyError, CredentialError};
use crate::redact::Redactor;
use base64::Engine as _;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How the client authenticates at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// `client_secret_basic`: id and secret in an HTTP Basic header.
    Basic,
    /// `client_secret_post`: id and secret in the form body.
    Post,
}

/// OAuth 2.0 client-credentials settings.
#[derive(Debug, Clone)]
pub struct OAuth {
    /// Token endpoint URL.
    pub token_url: String,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Requested scope, if any.
    pub scope: Option<String>,
    /// How the client authenticates.
    pub method: ClientAuthMethod,
}

/// The run's credentials.
#[derive(Debug, Clone, Default)]
pub enum Credentials {
    /// No Authorization header.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: <token>`, no scheme: the OIN Wizard's "Header" authentication, where
    /// the ISV's API token is the whole header value.
    Header(String),
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
    /// A bearer token obtained with client credentials.
    OAuth(OAuth),
}

impl Credentials {
    /// Every secret these credentials hold, for the redactor.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Credentials::None => vec![],
            Credentials::Bearer(t) | Credentials::Header(t) => vec![t.clone()],
            Credentials::Basic { user, password } => {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                vec![password.clone(), encoded]
            }
            Credentials::OAuth(o) => {
                let encoded = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", o.client_id, o.client_secret));
                vec![o.client_secret.clone(), encoded]
            }
        }
    }
}

/// Largest token-endpoint answer read: a token response is a few hundred bytes.
const TOKEN_BODY_LIMIT: usize = 64 * 1024;
/// Longest a fetched token is used before it is fetched again, whatever `expires_in` says.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Reads at most `limit` bytes of a body; a longer one is an error, not unbounded memory.
async fn read_limited(mut res: reqwest::Response, limit: usize) -> Result<String, BodyError> {
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| BodyError::Read(e.to_string()))?
    {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(limit / 1024));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// A fetched access token.
#[derive(Debug, Clone)]
struct Cached {
    token: String,
    /// When to fetch a new one (a margin before the real expiry).
    refresh_at: Option<Instant>,
}

/// Produces the Authorization header value for each request.
#[derive(Debug)]
pub(super) struct Authorizer {
    credentials: Credentials,
    cached: Mutex<Option<Cached>>,
    redactor: Redactor,
}

impl Authorizer {
    /// An authorizer for `credentials`; fetched tokens are added to `redactor`.
    pub(super) fn new(credentials: Credentials, redactor: Redactor) -> Self {
        for s in credentials.secrets() {
            redactor.add(s);
        }
        Authorizer {
            credentials,
            cached: Mutex::new(None),
            redactor,
        }
    }

    /// Whether a 401 should trigger a token refresh and one retry.
    pub(super) fn refreshable(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth(_))
    }

    /// The Authorization value, fetching an OAuth token when needed. `stale` forces a refresh
    /// (after a 401).
    pub(super) async fn header(
        &self,
        client: &reqwest::Client,
        stale: bool,
    ) -> Result<Option<String>, CredentialError> {
        match &self.credentials {
            Credentials::None => Ok(None),
            Credentials::Bearer(t) => Ok(Some(format!("Bearer {t}"))),
            Credentials::Header(t) => Ok(Some(t.clone())),
            Credentials::Basic { user, password } => Ok(Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ))),
            Credentials::OAuth(o) => {
                let mut cached = self.cached.lock().await;
                let fresh = cached
                    .as_ref()
                    .is_some_and(|c| !stale && c.refresh_at.is_none_or(|t| Instant::now() < t));
                if !fresh {
                    *cached = Some(self.fetch(client, o).await?);
                }
                Ok(cached.as_ref().map(|c| format!("Bearer {}", c.token)))
            }
        }
    }

    /// The run's token as the whole Authorization value, with no scheme (Okta's "Header"
    /// mode, for steps with `auth: header`); Basic credentials hold no token.
    pub(super) async fn raw_header(
        &self,
        client: &reqwest::Client,
        stale: bool,
    ) -> Result<Option<String>, CredentialError> {
        if matches!(self.credentials, Credentials::Basic { .. }) {
            return Err(CredentialError::NoRawToken);
        }
        Ok(self
            .header(client, stale)
            .await?
            .map(|v| v.strip_prefix("Bearer ").map_or(v.clone(), str::to_string)))
    }

    async fn fetch(&self, client: &reqwest::Client, o: &OAuth) -> Result<Cached, CredentialError> {
        let mut form = vec![("grant_type", "client_credentials".to_string())];
        if let Some(scope) = &o.scope {
            form.push(("scope", scope.clone()));
        }
        let mut req = client.post(&o.token_url);
        match o.method {
            ClientAuthMethod::Basic => req = req.basic_auth(&o.client_id, Some(&o.client_secret)),
            ClientAuthMethod::Post => {
                form.push(("client_id", o.client_id.clone()));
                form.push(("client_secret", o.client_secret.clone()));
            }
        }
        let body = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    super::url::encode_component(v, crate::model::Encoding::Plus)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let res = req
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| CredentialError::Unreachable {
                url: self.redactor.redact(&o.token_url),
                why: self.redactor.redact(&super::transport::describe(&e)),
            })?;
        let status = res.status().as_u16();
        let text =
            read_limited(res, TOKEN_BODY_LIMIT)
                .await
                .map_err(|e| CredentialError::Unreadable {
                    url: self.redactor.redact(&o.token_url),
                    why: self.redactor.redact(&e.to_string()),
                })?;
        if status != 200 {
            // Masked before it is cut: a cut secret would no longer be recognised.
            let shown = self.redactor.redact(&text);
            return Err(CredentialError::Refused {
                url: self.redactor.redact(&o.token_url),
                status,
                shown: shown.chars().take(300).collect(),
            });
        }
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CredentialError::NotJson(e.to_string()))?;
        let token = json
            .get("access_token")
            .and_then(|t| t.as_str())
            .ok_or(CredentialError::NoToken)?
            .to_string();
        self.redactor.add(token.clone());
        let refresh_at = json.get("expires_in").and_then(|e| e.as_u64()).map(|secs| {
            // Refresh a little early, but never later than half-way for short lifetimes; an
            // absurd lifetime is capped instead of overflowing the clock.
            let secs = secs.min(MAX_TOKEN_LIFETIME.as_secs());
            let margin = (secs / 2).min(30);
            let at = Duration::from_secs(secs.saturating_sub(margin));
            Instant::now()
                .checked_add(at)
                .unwrap_or_else(|| Instant::now() + MAX_TOKEN_LIFETIME)
        });
        Ok(Cached { token, refresh_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(credentials: Credentials) -> (Option<String>, Redactor) {
        let redactor = Redactor::default();
        let auth = Authorizer::new(credentials, redactor.clone());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        super::super::http::install_crypto_provider();
        let value = rt
            .block_on(auth.header(&reqwest::Client::new(), false))
            .expect("no token endpoint needed");
        (value, redactor)
    }

    #[test]
    fn header_mode_sends_the_token_with_no_scheme_and_masks_it() {
        let (value, r) = header_of(Credentials::Header("okta-hdr-0123456789".into()));
        let value = value.expect("a header");
        assert_eq!(value, "okta-hdr-0123456789");
        assert_eq!(r.header("Authorization", &value), "***");
        assert_eq!(r.redact("echo okta-hdr-0123456789"), "echo ***");
    }

    #[test]
    fn header_mode_token_with_a_space_is_masked_whole() {
        // A raw token is the whole value: its first word is not a scheme to show.
        let (value, r) = header_of(Credentials::Header("SSWS 00abcdefghijklmnop".into()));
        assert_eq!(r.header("Authorization", &value.unwrap()), "***");
    }

    #[test]
    fn bearer_keeps_its_scheme() {
        let (value, r) = header_of(Credentials::Bearer("bearer-secret-0123".into()));
        let value = value.unwrap();
        assert_eq!(value, "Bearer bearer-secret-0123");
        assert_eq!(r.header("Authorization", &value), "Bearer ***");
    }

    #[test]
    fn basic_masks_the_password_and_its_base64_form() {
        let (value, r) = header_of(Credentials::Basic {
            user: "okta-admin".into(),
            password: "pa55-w0rd-okta!".into(),
        });
        let value = value.unwrap();
        let encoded =
            base64::engine::general_purpose::STANDARD.encode("okta-admin:pa55-w0rd-okta!");
        assert_eq!(value, format!("Basic {encoded}"));
        assert_eq!(r.header("Authorization", &value), "Basic ***");
        for echo in [value.clone(), encoded.clone(), "pwd=pa55-w0rd-okta!".into()] {
            let shown = r.redact(&echo);
            assert!(
                !shown.contains("pa55-w0rd-okta!") && !shown.contains(&encoded),
                "{shown}"
            );
        }
    }
}
