//! Transport errors as data: what kind of failure it was (decided from the HTTP library's
//! error types, never from the text of a message, which may quote a host name or a server's
//! words) and the sentence shown for it. The cycle's provisioning-log code comes from the
//! kind; `timecard.example.com` refusing a connection is not a timeout.

/// What went wrong below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// No answer within the timeout.
    Timeout,
    /// The connection was refused (nothing listens there).
    Refused,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake or a certificate check failed.
    Tls,
    /// The answer was not usable HTTP, or the connection broke.
    Protocol,
    /// The answer's body is larger than scimtest reads.
    BodyTooLarge,
    /// Credentials could not be had (the OAuth token endpoint).
    Credentials,
}

impl TransportKind {
    /// The kind of a reqwest error, from its type and its sources' types.
    pub fn of(e: &reqwest::Error) -> TransportKind {
        if e.is_timeout() {
            return TransportKind::Timeout;
        }
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            if s.downcast_ref::<rustls::Error>().is_some() {
                return TransportKind::Tls;
            }
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => return TransportKind::Refused,
                    std::io::ErrorKind::TimedOut => return TransportKind::Timeout,
                    _ => {}
                }
                if io
                    .get_ref()
                    .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
                {
                    return TransportKind::Tls;
                }
            }
            source = s.source();
        }
        // hyper-util reports a failed lookup as a connect error whose own words (not the
        // host's) say so: the only text looked at, and it is the library's.
        if e.is_connect() && connect_error_is_dns(e) {
            return TransportKind::Dns;
        }
        TransportKind::Protocol
    }

    /// The words every command uses for this kind.
    pub fn words(self) -> &'static str {
        match self {
            TransportKind::Timeout => "no answer before the timeout",
            TransportKind::Refused => "the connection was refused",
            TransportKind::Dns => "the host name does not resolve",
            TransportKind::Tls => "the TLS connection failed",
            TransportKind::Protocol => "the answer was not usable HTTP",
            TransportKind::BodyTooLarge => "the answer is too large",
            TransportKind::Credentials => "no credentials could be had",
        }
    }
}

fn connect_error_is_dns(e: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        // hyper-util's `ConnectError` displays its fixed message first ("dns error").
        if s.to_string().starts_with("dns error") {
            return true;
        }
        source = s.source();
    }
    false
}

/// A transport failure: its kind, and the sentence shown (already masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transport {
    /// What kind of failure.
    pub kind: TransportKind,
    /// What the user reads.
    pub message: String,
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Transport {}

/// A transport error with its causes, in words a user can act on.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "no answer before the timeout".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// A transport failure in words a user acts on — which option or part of the URL to change —
/// instead of the TLS or HTTP library's own wording. `error` is `http::describe`'s text.
pub(crate) fn explain_transport(error: &str, base_url: &str) -> String {
    let e = error.to_ascii_lowercase();
    let host = reqwest::Url::parse(base_url)
        .ok()
        .map(|u| {
            let port = u
                .port_or_known_default()
                .map(|p| format!(":{p}"))
                .unwrap_or_default();
            format!("{}{port}", u.host_str().unwrap_or_default())
        })
        .unwrap_or_else(|| base_url.to_string());
    let https = base_url.starts_with("https:");
    if e.contains("oauth") || e.contains("token endpoint") {
        format!("cannot get an OAuth token: {error}")
    } else if https
        && (e.contains("invalidcontenttype")
            || e.contains("corrupt message")
            || e.contains("wrong version number")
            || e.contains("record overflow"))
    {
        format!(
            "{host} does not speak TLS: the URL says https:// but the port serves plain HTTP; use http:// or the port that serves HTTPS"
        )
    } else if https && e.contains("causedasendentity") {
        format!(
            "{host} presented a CA certificate as its own server certificate (typical of a quick `openssl req -x509` certificate); TLS clients refuse it even with --ca-cert: issue a server certificate with `basicConstraints=CA:FALSE`, or use --insecure for a throw-away test endpoint"
        )
    } else if https
        && (e.contains("unknownissuer")
            || e.contains("certificate")
            || e.contains("notvalidforname")
            || e.contains("self-signed")
            || e.contains("self signed"))
    {
        format!(
            "{host} presented a TLS certificate this client does not trust ({}); pass its CA with --ca-cert FILE, or --insecure for a throw-away test endpoint",
            cert_reason(&e)
        )
    } else if !https
        && (e.contains("invalid http version")
            || e.contains("connection closed before message completed")
            || e.contains("connection reset")
            || e.contains("invalid status line")
            || e.contains("parse"))
    {
        format!("{host} did not answer in plain HTTP: it may expect TLS; try https://")
    } else if e.contains("connection refused") {
        format!(
            "nothing listens at {host} (connection refused): check the host and port of the Tenant URL, and that the endpoint is running"
        )
    } else if e.contains("dns")
        || e.contains("failed to lookup")
        || e.contains("name or service not known")
        || e.contains("nodename nor servname")
    {
        format!("the host name in {host} does not resolve: check the Tenant URL")
    } else if e.contains("timeout") || e.contains("timed out") || e.contains("no answer before") {
        format!(
            "{host} did not answer before the timeout: a slow endpoint (raise --timeout, default 30 s), or a firewall or proxy in the way"
        )
    } else {
        format!("cannot reach {host}: {error}")
    }
}

fn cert_reason(e: &str) -> &'static str {
    if e.contains("notvalidforname") {
        "issued for another host name"
    } else if e.contains("expired") {
        "expired"
    } else if e.contains("unknownissuer") || e.contains("self") {
        "self-signed or issued by an unknown CA"
    } else {
        "rejected"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_connection_is_refused_whatever_the_host_is_called() {
        crate::run::install_crypto_provider();
        let client = reqwest::Client::new();
        // Nothing listens on port 1; the path names a "timecard" (a message search for
        // "time" called this a timeout).
        let e = client
            .get("http://127.0.0.1:1/timecard")
            .send()
            .await
            .unwrap_err();
        assert_eq!(TransportKind::of(&e), TransportKind::Refused);
    }
}
