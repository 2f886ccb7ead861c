//! The client core shared by `run`, `cycle`, `sweep` and the reproduction scripts: the HTTP
//! client and its credentials, typed transport errors, request URLs, the preflight, the
//! journal of creates (signed with this machine's key), the rules that prove a delete
//! happened, the interrupt switch, and sweep's engine. The safety rules are written here once;
//! the commands only sequence the work.

pub(crate) mod auth;
pub(crate) mod cleanup;
pub(crate) mod curl;
pub mod error;
pub(crate) mod http;
pub(crate) mod interrupt;
pub(crate) mod journal;
pub(crate) mod machine;
pub(crate) mod ownership;
pub(crate) mod preflight;
pub(crate) mod sweep;
pub mod transport;
pub(crate) mod url;

pub(crate) use http::OutRequest;
pub(crate) use url::compose;
