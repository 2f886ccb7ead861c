//! The one HTTP client of a run: sends a rendered request, reads at most a bounded body, and
//! records the exchange with credentials already masked.

use super::auth::{Authorizer, Credentials};
use super::error::{BuildError, CredentialError};
use crate::client::transport::{Transport, TransportKind, describe, explain_transport};
use crate::model::Auth;
use crate::record::Exchange;
use crate::redact::Redactor;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct OutRequest {
    /// Method.
    pub method: reqwest::Method,
    /// Full URL.
    pub url: String,
    /// Headers other than Authorization.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Option<Vec<u8>>,
    /// Which credentials to send.
    pub auth: crate::model::Auth,
}

/// A received response.
#[derive(Debug, Clone)]
pub struct Received {
    /// The redacted record (bodies cut to what reports keep).
    pub exchange: Exchange,
    /// The response headers as received: checks and captures read these, never the masked
    /// copies in `exchange`.
    pub headers: Vec<(String, String)>,
    /// The body as JSON, when it parses.
    pub json: Option<serde_json::Value>,
    /// Why the body is not JSON, when it is not empty and does not parse.
    pub json_error: Option<String>,
    /// The body as read, from a client made `unparsed` (whose `json` is always `None`); empty
    /// otherwise.
    pub(crate) body: Vec<u8>,
}

/// The shared client and what it needs to authenticate and redact.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    authorizer: Arc<Authorizer>,
    extra_headers: Vec<(String, String)>,
    redactor: Redactor,
    body_limit: usize,
    /// Whether exchanges keep (redacted) bodies for the reports.
    keep_bodies: bool,
    /// Whether TLS certificates are not verified (`--insecure`), for reports.
    pub insecure: bool,
    /// Whether bodies are parsed as JSON (`Received::json`), or handed over as read.
    parse: bool,
}

/// How the client is built.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Credentials for the target.
    pub credentials: Credentials,
    /// Per-request timeout (connect: at most 10 s).
    pub timeout: Duration,
    /// Extra CA certificates (PEM) trusted besides the system's.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Skip certificate verification.
    pub insecure: bool,
    /// Headers added to every request (`-H`); their values are treated as secrets.
    pub headers: Vec<(String, String)>,
}

impl ClientOptions {
    /// Bearer token (or none) and a timeout; everything else default.
    pub fn bearer(token: Option<String>, timeout: Duration) -> Self {
        ClientOptions {
            credentials: token.map_or(Credentials::None, Credentials::Bearer),
            timeout,
            ca_cert_pem: None,
            insecure: false,
            headers: Vec::new(),
        }
    }
}

/// Installs rustls' ring crypto provider as the process default, once. reqwest is built
/// without a provider of its own (Cargo.toml says why); every client — ours, the tests', the
/// benchmarks' — needs one installed before it is built.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Another provider already installed by an embedding program is fine too.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Largest response body read (bytes); a larger one is an error, not an out-of-memory.
pub(crate) const DEFAULT_BODY_LIMIT: usize = 10 * 1024 * 1024;

impl Http {
    /// A client with a bearer token (or none) and a per-request `timeout`.
    pub fn new(token: Option<String>, timeout: Duration) -> Result<Self, BuildError> {
        Self::with_options(ClientOptions::bearer(token, timeout))
    }

    /// A client built from `options`.
    pub fn with_options(options: ClientOptions) -> Result<Self, BuildError> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            // A SCIM endpoint that redirects is reported as it answers, never followed.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(64);
        if let Some(pem) = &options.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| BuildError::NotPem(e.to_string()))?;
            if certs.is_empty() {
                return Err(BuildError::NoCertificate);
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        if options.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let client = builder
            .build()
            .map_err(|e| BuildError::Client(e.to_string()))?;
        let redactor = Redactor::default();
        for (_, v) in &options.headers {
            redactor.add(v.clone());
        }
        let authorizer = Arc::new(Authorizer::new(options.credentials, redactor.clone()));
        Ok(Http {
            client,
            authorizer,
            extra_headers: options.headers,
            redactor,
            body_limit: DEFAULT_BODY_LIMIT,
            keep_bodies: true,
            insecure: options.insecure,
            parse: true,
        })
    }

    /// The same client, whose exchanges keep no bodies: for callers that report from the
    /// parsed answer only (`scimtest cycle`), so nothing is copied or redacted per request.
    pub(crate) fn without_bodies(&self) -> Http {
        Http {
            keep_bodies: false,
            ..self.clone()
        }
    }

    /// The same client, handing each body over as read (`Received::body`) instead of parsing
    /// it into a JSON tree: for a caller that reads a few members of large answers with a
    /// typed parse (Account Discovery's pages).
    pub(crate) fn unparsed(&self) -> Http {
        Http {
            parse: false,
            ..self.clone()
        }
    }

    /// The redactor for this run's secrets.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Sends `req`. A 429 or 503 answer carrying `Retry-After` (in seconds) is retried after
    /// that delay, within a bounded budget, and each retry is noted on the exchange. On a
    /// transport failure the partial exchange (request only) and a description are returned.
    pub async fn send(&self, req: OutRequest) -> Result<Received, (Exchange, String)> {
        self.send_typed(req)
            .await
            .map_err(|(ex, t)| (ex, t.message))
    }

    /// `send`, with the transport failure as data: its kind decides, its message is shown.
    pub async fn send_typed(&self, req: OutRequest) -> Result<Received, (Exchange, Transport)> {
        let start = Instant::now();
        let mut retries = Vec::new();
        let mut waited = Duration::ZERO;
        let mut refreshed = false;
        loop {
            let mut got = self.attempt(&req, start, false).await;
            // An OAuth token the target no longer accepts: fetch a new one and retry once.
            if !refreshed
                && matches!(req.auth, Auth::Default | Auth::Header)
                && self.authorizer.refreshable()
                && got.as_ref().is_ok_and(|r| r.exchange.status == 401)
            {
                refreshed = true;
                retries.push(
                    "401 with the cached OAuth token; fetched a new one and sent again".to_string(),
                );
                got = self.attempt(&req, start, true).await;
            }
            let retry_after = match &got {
                Ok(r) if matches!(r.exchange.status, 429 | 503) => r
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
                    .and_then(|(_, v)| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
                _ => None,
            };
            match retry_after {
                // No arithmetic that can overflow: a Retry-After of u64::MAX seconds is just
                // too long to wait.
                Some(delay)
                    if retries.len() < MAX_RETRIES
                        && waited.checked_add(delay).is_some_and(|t| t <= RETRY_BUDGET) =>
                {
                    let status = got.as_ref().map(|r| r.exchange.status).unwrap_or_default();
                    retries.push(format!(
                        "{status} with Retry-After: {} s; waited and sent again",
                        delay.as_secs()
                    ));
                    waited += delay;
                    tokio::time::sleep(delay).await;
                }
                _ => {
                    match &mut got {
                        Ok(r) => r.exchange.retries = retries,
                        Err((ex, _)) => ex.retries = retries,
                    }
                    return got;
                }
            }
        }
    }

    async fn attempt(
        &self,
        req: &OutRequest,
        start: Instant,
        stale_token: bool,
    ) -> Result<Received, (Exchange, Transport)> {
        let mut exchange = Exchange {
            method: req.method.to_string(),
            url: self.redactor.redact(&req.url),
            request_headers: Vec::new(),
            request_body: req.body.as_ref().map(|b| self.kept(b)),
            ..Exchange::default()
        };
        let builder = match self.builder(req, stale_token, &mut exchange).await {
            Ok(b) => b,
            Err(e) => {
                let kind = TransportKind::Credentials;
                let message = e.to_string();
                return Err((exchange, Transport { kind, message }));
            }
        };
        let mut response = match builder.send().await {
            Ok(r) => r,
            Err(e) => {
                exchange.elapsed = start.elapsed();
                let plain = explain_transport(&describe(&e), &req.url);
                let message = self.redactor.redact(&plain);
                let kind = TransportKind::of(&e);
                return Err((exchange, Transport { kind, message }));
            }
        };
        exchange.status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        exchange.response_headers = headers
            .iter()
            .map(|(k, v)| (k.clone(), self.redactor.header(k, v)))
            .collect();
        let body = match self.read_body(&mut response, &mut exchange, start).await {
            Ok(b) => b,
            Err(t) => return Err((exchange, t)),
        };
        exchange.elapsed = start.elapsed();
        exchange.response_body = self.kept(&body);
        let (json, json_error) = if !self.parse || body.iter().all(u8::is_ascii_whitespace) {
            (None, None)
        } else if let Some(e) = too_costly(&body) {
            (None, Some(e))
        } else {
            match serde_json::from_slice(&body) {
                Ok(v) => (Some(v), None),
                Err(e) => (None, Some(e.to_string())),
            }
        };
        Ok(Received {
            exchange,
            headers,
            json,
            json_error,
            body: if self.parse { Vec::new() } else { body },
        })
    }

    /// The request with its credentials, headers and body; `exchange` records what is sent,
    /// masked. Fails when credentials cannot be had (an OAuth token endpoint refusing).
    async fn builder(
        &self,
        req: &OutRequest,
        stale_token: bool,
        exchange: &mut Exchange,
    ) -> Result<reqwest::RequestBuilder, CredentialError> {
        let mut builder = self.client.request(req.method.clone(), &req.url);
        let authorization = match req.auth {
            Auth::Default => match self.authorizer.header(&self.client, stale_token).await {
                Ok(h) => h,
                Err(e) => return Err(e),
            },
            Auth::Header => {
                self.authorizer
                    .raw_header(&self.client, stale_token)
                    .await?
            }
            Auth::None => None,
            // Random, so it can never be a valid credential.
            Auth::Invalid => Some(format!(
                "Bearer scimtest-invalid-{}",
                uuid::Uuid::new_v4().simple()
            )),
            // As Okta's OIN gate sends it: no scheme, and no credential.
            Auth::NonToken => Some("non-token".into()),
        };
        if let Some(value) = authorization {
            exchange.request_headers.push((
                "Authorization".into(),
                self.redactor.header("Authorization", &value),
            ));
            builder = builder.header("Authorization", value);
        }
        for (k, v) in &self.extra_headers {
            if !req.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k)) {
                builder = builder.header(k.as_str(), v.as_str());
                exchange
                    .request_headers
                    .push((k.clone(), self.redactor.header(k, v)));
            }
        }
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
            exchange
                .request_headers
                .push((k.clone(), self.redactor.header(k, v)));
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        Ok(builder)
    }

    /// The response body, read up to the limit; on failure `exchange` keeps what was read.
    async fn read_body(
        &self,
        response: &mut reqwest::Response,
        exchange: &mut Exchange,
        start: Instant,
    ) -> Result<Vec<u8>, Transport> {
        // Sized from Content-Length (within the limit) so that reading does not double the
        // buffer past what the body needs.
        let expected = response
            .content_length()
            .map_or(0, |n| n.min(self.body_limit as u64) as usize);
        let mut body: Vec<u8> = Vec::with_capacity(expected);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.body_limit {
                        exchange.elapsed = start.elapsed();
                        exchange.response_body = format!(
                            "<body larger than {} bytes; reading stopped>",
                            self.body_limit
                        );
                        return Err(Transport {
                            kind: TransportKind::BodyTooLarge,
                            message: format!(
                                "the response body exceeds {} MiB; scimtest stopped reading it",
                                self.body_limit / (1024 * 1024)
                            ),
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    exchange.elapsed = start.elapsed();
                    exchange.response_body = self.kept(&body);
                    return Err(Transport {
                        kind: TransportKind::of(&e),
                        message: self.redactor.redact(&format!(
                            "the response body could not be read: {}",
                            describe(&e)
                        )),
                    });
                }
            }
        }
        Ok(body)
    }

    /// A body as reports keep it: masked first (whole, so no secret is cut in two), then cut
    /// to `KEPT_BODY` bytes with the cut marked.
    fn kept(&self, body: &[u8]) -> String {
        if !self.keep_bodies {
            return String::new();
        }
        keep(
            &self.redactor.redact(&String::from_utf8_lossy(body)),
            KEPT_BODY,
        )
    }
}

/// How much of each request and response body the reports keep. Every exchange is kept for the
/// reports, so this bounds their memory: a target answering 10 MiB to every request costs
/// 64 KiB per exchange, not 10 MiB.
pub(super) const KEPT_BODY: usize = 64 * 1024;

/// `text` cut to at most `max` bytes at a character boundary, the cut marked.
pub(super) fn keep(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… [{} more bytes not kept]",
        &text[..end],
        text.len() - end
    )
}

/// Most memory one parsed answer may take (estimated): a body within the size limit can still
/// parse into far more (an 8 MiB array of numbers is a million values), and a run holds
/// several at once.
const PARSED_MAX: usize = 32 * 1024 * 1024;
/// Memory a parsed JSON value takes at most, per structural character (`,` `:` `[` `{`).
const VALUE_COST: usize = 64;

/// Why `body` is not parsed, when holding it as JSON would take more than `PARSED_MAX`.
fn too_costly(body: &[u8]) -> Option<String> {
    if body.len() * 2 <= PARSED_MAX / VALUE_COST {
        return None;
    }
    let values = body
        .iter()
        .filter(|b| matches!(b, b',' | b':' | b'[' | b'{'))
        .count();
    (values.saturating_mul(VALUE_COST) > PARSED_MAX).then(|| {
        format!(
            "the answer holds about {values} JSON values; scimtest does not hold more than {} at once",
            PARSED_MAX / VALUE_COST
        )
    })
}

/// Retries of one request answered 429/503 with Retry-After.
const MAX_RETRIES: usize = 3;
/// Total time one request may spend waiting on Retry-After.
const RETRY_BUDGET: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_that_would_take_too_much_memory_are_not_parsed() {
        // 8 MiB of `0,`: four million values, some 256 MiB once parsed.
        let mut array = b"[".to_vec();
        array.extend(b"0,".repeat(4 * 1024 * 1024));
        array.extend(b"0]");
        assert!(too_costly(&array).unwrap().contains("JSON values"));
        // A 9 MiB string is one value: parsed.
        let detail = format!("{{\"detail\":\"{}\"}}", "d".repeat(9 * 1024 * 1024));
        assert!(too_costly(detail.as_bytes()).is_none());
    }
}
