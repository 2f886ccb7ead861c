//! Cases on tasks of their own: a panic in one (a bug in scimtest) becomes an errored result
//! instead of a lost case; and `run_plan`, which runs a plan without libtest-mimic.

use super::{RunContext, empty_result, run_case};

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
            let _permit = permits.acquire_owned().await;
            (i, run_guarded(cx, planned).await)
        });
    }
    // `run_guarded` turns a case's panic into its result, so these tasks do not panic.
    let mut out = tasks.join_all().await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// Runs one case on its own task, so that a panic in it (a bug in scimtest) becomes an errored
/// case in the reports — failing the run — instead of a case that vanishes.
pub(crate) async fn run_guarded(
    cx: std::sync::Arc<RunContext>,
    planned: crate::plan::PlannedCase,
) -> crate::record::CaseResult {
    let p = planned.clone();
    if planned.name == super::CREDENTIALS_CASE {
        // Its first request goes to the token endpoint, outside the base URL: replayed
        // natively in place of the suite's placeholder step.
        return guard(&planned, async move {
            super::validate_credentials(&cx.http, &cx.base_url, cx.oauth.as_ref()).await
        })
        .await;
    }
    if planned.name == super::RATE_CASE {
        // Paced sends need a clock between requests: replayed natively as well.
        return guard(&planned, async move {
            super::request_rate(&cx.http, &cx.base_url).await
        })
        .await;
    }
    guard(&planned, async move { run_case(&cx, &p).await }).await
}

/// Runs `case` (the future of one case's result) on its own task; a panic or cancellation
/// becomes an errored result for `planned`.
async fn guard(
    planned: &crate::plan::PlannedCase,
    case: impl std::future::Future<Output = crate::record::CaseResult> + Send + 'static,
) -> crate::record::CaseResult {
    match tokio::spawn(case).await {
        Ok(result) => result,
        Err(e) => {
            let mut result = empty_result(planned);
            result.status = crate::record::Status::Errored;
            result.reason = Some(if e.is_panic() {
                format!(
                    "scimtest itself failed while running this case (a bug: please report it): {}",
                    panic_message(e.into_panic())
                )
            } else {
                "the case was cancelled".to_string()
            });
            result
        }
    }
}

/// The text of a panic payload.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_case_is_an_errored_result_not_a_lost_one() {
        let case = crate::model::Case {
            name: "boom".into(),
            description: String::new(),
            severity: crate::model::Severity::Required,
            evidence: None,
            source: None,
            entra: None,
            okta: None,
            profiles: vec![crate::model::Profile::Entra],
            skip: None,
            requires: Vec::new(),
            alone: false,
            vars: Vec::new(),
            steps: Vec::new(),
            line: 1,
        };
        let planned = crate::plan::PlannedCase {
            name: "s::boom[entra]".into(),
            suite: "s".into(),
            file: "s.yaml".into(),
            case: std::sync::Arc::new(case),
            profile: crate::model::Profile::Entra,
        };
        let result = guard(&planned, async { panic!("index out of bounds") }).await;
        assert_eq!(result.status, crate::record::Status::Errored);
        assert_eq!(result.name, "s::boom[entra]");
        let reason = result.reason.unwrap();
        assert!(
            reason.contains("a bug") && reason.contains("index out of bounds"),
            "{reason}"
        );
    }
}
