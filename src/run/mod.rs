//! Running: each planned case becomes a libtest-mimic trial executed on the shared tokio
//! runtime; results are collected as plain data. The runner never prints (libtest-mimic
//! prints its own progress lines).

mod auth;
mod case;
mod check;
mod credentials;
mod curl;
pub(crate) mod discover;
mod generate;
mod http;
mod interrupt;
pub(crate) mod journal;
mod preflight;
mod rate;
mod tasks;
mod trials;
mod url;

pub use auth::{ClientAuthMethod, Credentials, OAuth};
pub use case::{RunContext, TestData};
pub(crate) use case::{empty_result, run_case};
pub use credentials::{CASE as CREDENTIALS_CASE, validate_credentials};
pub use curl::curl;
pub(crate) use generate::PREFIX;
pub use generate::run_id;
pub use http::{ClientOptions, Http, OutRequest, install_crypto_provider};
pub use interrupt::Interrupt;
pub use journal::Journal;
pub(crate) use preflight::explain_transport;
pub use preflight::{Diagnosis, preflight};
pub use rate::{CASE as RATE_CASE, request_rate};
pub(crate) use tasks::run_guarded;
pub use tasks::run_plan;
pub use trials::Selection;
pub(crate) use trials::run_trials;
pub use url::encode_component;
pub(crate) use url::{check_id, compose, encode_segment};
