//! Running: each planned case becomes a libtest-mimic trial executed on the shared tokio
//! runtime; results are collected as plain data. The runner never prints (libtest-mimic
//! prints its own progress lines).

mod auth;
mod case;
mod check;
mod curl;
mod generate;
mod http;
mod interrupt;
mod trials;
mod url;

pub use auth::{ClientAuthMethod, Credentials, OAuth};
pub use case::{INTERRUPTED, RunContext, run_case};
pub use check::subset;
pub use curl::curl;
pub use generate::{PREFIX, generate, run_id};
pub use http::{ClientOptions, DEFAULT_BODY_LIMIT, Http, OutRequest, install_crypto_provider};
pub use interrupt::Interrupt;
pub use trials::{Selection, run_trials};
pub use url::{compose, encode_component};

/// Runs every planned case concurrently (at most `parallel` at a time) without libtest-mimic,
/// for embedding (self-tests, benchmarks). Results come back in plan order.
pub async fn run_plan(
    cx: std::sync::Arc<RunContext>,
    plan: Vec<crate::plan::PlannedCase>,
    parallel: usize,
) -> Vec<crate::record::CaseResult> {
    use std::sync::Arc;
    let permits = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, planned) in plan.into_iter().enumerate() {
        let cx = cx.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("semaphore never closed");
            (i, run_case(&cx, &planned).await)
        });
    }
    let mut out: Vec<(usize, crate::record::CaseResult)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        out.push(done.expect("a case task panicked"));
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}
