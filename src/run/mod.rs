//! Running: each planned case becomes a libtest-mimic trial executed on the shared tokio
//! runtime; results are collected as plain data. The runner never prints (libtest-mimic
//! prints its own progress lines).

mod case;
mod check;
mod curl;
mod generate;
mod http;
mod trials;
mod url;

pub use case::{RunContext, run_case};
pub use check::subset;
pub use curl::curl;
pub use generate::{PREFIX, generate, run_id};
pub use http::{DEFAULT_BODY_LIMIT, Http, OutRequest};
pub use trials::{Selection, run_trials};
pub use url::{compose, encode_component};
