//! Running: each planned case becomes a libtest-mimic trial executed on the shared tokio
//! runtime; results are collected as plain data. The runner never prints (libtest-mimic
//! prints its own progress lines).

// The client core's modules under their old names, for the runner's own files.
use crate::client::{auth, curl, http, url};

mod case;
mod check;
mod credentials;
pub(crate) mod discover;
mod generate;
mod rate;
mod tasks;
mod trials;

pub use crate::client::auth::{ClientAuthMethod, Credentials, OAuth};
pub use crate::client::curl::curl;
pub use crate::client::http::{ClientOptions, Http, OutRequest, install_crypto_provider};
pub use crate::client::interrupt::Interrupt;
pub(crate) use crate::client::journal;
pub use crate::client::journal::Journal;
pub(crate) use crate::client::preflight::explain_transport;
pub use crate::client::preflight::{Diagnosis, preflight};
pub use crate::client::url::encode_component;
pub(crate) use crate::client::url::{check_id, compose, encode_segment};
pub use case::{RunContext, TestData};
pub(crate) use case::{empty_result, run_case};
pub use credentials::{CASE as CREDENTIALS_CASE, validate_credentials};
pub use generate::run_id;
pub(crate) use generate::{PREFIX, run_letters};
pub use rate::{CASE as RATE_CASE, request_rate};
pub(crate) use tasks::run_guarded;
pub use tasks::run_plan;
pub use trials::Selection;
pub(crate) use trials::run_trials;
