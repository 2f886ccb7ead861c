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
