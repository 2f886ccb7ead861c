//! The client core's errors as data. Each enum's `Display` is the sentence users read (the
//! wording commands showed before these types existed); callers match on the variant, never on
//! the text. Values a server chose that reach a message are redacted where the error is made.

use thiserror::Error;

/// Why the HTTP client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BuildError {
    /// `--ca-cert` names a file that does not parse as PEM.
    #[error("the CA certificate file is not PEM: {0}")]
    NotPem(String),
    /// `--ca-cert` names a PEM file without a certificate.
    #[error("the CA certificate file holds no certificate")]
    NoCertificate,
    /// The HTTP library refused the configuration.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Why a server-given id cannot be used as one URL path segment.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    /// The id is empty.
    #[error("the id is empty")]
    Empty,
    /// `.` or `..`, which URL normalisation turns into another path.
    #[error("the id `{0}` would address another path")]
    OtherPath(String),
    /// The id holds control characters.
    #[error("the id holds control characters")]
    Control,
    /// The id is absurdly long (its length in bytes).
    #[error("the id is {0} bytes long")]
    TooLong(usize),
}

/// Why a delete is not proven (`client::cleanup`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeleteError {
    /// The DELETE got no HTTP answer (the transport's words).
    #[error("DELETE was not answered: {0}")]
    NotAnswered(String),
    /// The DELETE was answered with a status other than 2xx, 404 or 410.
    #[error("DELETE answered {0}")]
    Refused(u16),
    /// Reading back by id got no HTTP answer.
    #[error("DELETE answered {status}, and reading it back failed ({why}): it may remain")]
    ReadBackFailed {
        /// The DELETE's status.
        status: u16,
        /// The transport's words.
        why: String,
    },
    /// Reading back by id still finds the resource.
    #[error(
        "DELETE answered {0}, but reading it back by id still finds it: the target did not delete it"
    )]
    StillFound(u16),
    /// Reading back by id answered neither 2xx nor 404/410.
    #[error("DELETE answered {status}, and reading it back by id answered {read}: it may remain")]
    ReadBackStatus {
        /// The DELETE's status.
        status: u16,
        /// The read's status.
        read: u16,
    },
    /// The query by name still lists the resource.
    #[error(
        "DELETE answered {status}, but the query by {attr} still lists it: the target did not delete it"
    )]
    StillListed {
        /// The DELETE's status.
        status: u16,
        /// The attribute queried.
        attr: String,
    },
    /// The query by name was not answered, failed, or could not be read.
    #[error(
        "DELETE answered {status}, and the query by {attr} did not show it gone ({why}): it may remain"
    )]
    NameUnread {
        /// The DELETE's status.
        status: u16,
        /// The attribute queried.
        attr: String,
        /// What the query got.
        why: String,
    },
}

/// Why an OAuth access token could not be had. URLs and server words are already redacted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CredentialError {
    /// The token endpoint could not be reached.
    #[error("the OAuth token endpoint {url} could not be reached: {why}")]
    Unreachable {
        /// The token URL (redacted).
        url: String,
        /// The transport's words (redacted).
        why: String,
    },
    /// The token endpoint's answer could not be read, or is too large.
    #[error("the OAuth token endpoint {url}: {why}")]
    Unreadable {
        /// The token URL (redacted).
        url: String,
        /// Why (redacted).
        why: String,
    },
    /// The token endpoint answered a status other than 200.
    #[error("the OAuth token endpoint {url} answered {status}: {shown}")]
    Refused {
        /// The token URL (redacted).
        url: String,
        /// Its status.
        status: u16,
        /// The start of its answer (redacted).
        shown: String,
    },
    /// The answer is not JSON.
    #[error("the OAuth token endpoint did not answer JSON: {0}")]
    NotJson(String),
    /// The answer holds no `access_token`.
    #[error("the OAuth token endpoint's answer has no access_token")]
    NoToken,
    /// A step sends the run's token with no scheme (`auth: header`), but the run's
    /// credentials are Basic: they hold no token.
    #[error(
        "this step sends the run's token as the whole Authorization value (Okta's \"Header\" mode); give the credentials as --token, not --basic-user"
    )]
    NoRawToken,
}

/// Why a body could not be read within its limit.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BodyError {
    /// The connection broke while reading.
    #[error("the answer could not be read: {0}")]
    Read(String),
    /// The body is larger than the limit (KiB).
    #[error("the answer is larger than {0} KiB")]
    TooLarge(usize),
}

/// Why a journal file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JournalError {
    /// The file cannot be read.
    #[error("cannot read the journal {path}: {why}")]
    Unreadable {
        /// The file.
        path: String,
        /// The system's words.
        why: String,
    },
    /// A line is not JSON.
    #[error("{path}:{line}: not a journal line: {why}")]
    NotJson {
        /// The file.
        path: String,
        /// The line (from 1).
        line: usize,
        /// The parser's words.
        why: String,
    },
    /// A line has no `entry` number.
    #[error("{path}:{line}: not a journal line (no `entry`)")]
    NoEntry {
        /// The file.
        path: String,
        /// The line (from 1).
        line: usize,
    },
}

/// Why a sweep stopped or left a resource alone.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SweepError {
    /// A request got no HTTP answer (the transport's words).
    #[error("{0}")]
    Transport(String),
    /// A read answered a status other than 200.
    #[error("GET {what} answered {status}")]
    Status {
        /// The path read.
        what: String,
        /// Its status.
        status: u16,
    },
    /// A listing did not answer JSON.
    #[error("GET {0} did not answer JSON")]
    NotJson(String),
    /// The resource is already gone.
    #[error("already gone")]
    AlreadyGone,
    /// Reading it back shows another name: it is not the run's.
    #[error("GET {path} shows another {attr}, not the journaled one: it is not this run's")]
    NotOurs {
        /// The path read.
        path: String,
        /// The name attribute.
        attr: String,
    },
    /// The journal cannot be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The delete is not proven.
    #[error(transparent)]
    Delete(#[from] DeleteError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_is_the_one_commands_showed() {
        assert_eq!(
            IdError::TooLong(2000).to_string(),
            "the id is 2000 bytes long"
        );
        assert_eq!(
            SweepError::from(DeleteError::StillFound(204)).to_string(),
            "DELETE answered 204, but reading it back by id still finds it: the target did not delete it"
        );
        assert_eq!(
            CredentialError::Refused {
                url: "https://t/token".into(),
                status: 401,
                shown: "no".into()
            }
            .to_string(),
            "the OAuth token endpoint https://t/token answered 401: no"
        );
        assert_eq!(
            BodyError::TooLarge(64).to_string(),
            "the answer is larger than 64 KiB"
        );
    }
}
