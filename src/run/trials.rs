//! The bridge to libtest-mimic: filtering, `--list`, parallelism and progress lines as in
//! `cargo test`, with our own results collected on the side.

use super::case::RunContext;
use crate::plan::PlannedCase;
use crate::record::{CaseResult, Status};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::sync::{Arc, Mutex};

/// libtest-mimic's selection options, as given on our command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Positional FILTER.
    pub filter: Option<String>,
    /// `--exact`.
    pub exact: bool,
    /// `--skip`.
    pub skip: Vec<String>,
    /// `--list`.
    pub list: bool,
    /// `--test-threads`.
    pub test_threads: Option<usize>,
    /// `--quiet`.
    pub quiet: bool,
}

impl Selection {
    fn arguments(&self) -> Arguments {
        Arguments {
            filter: self.filter.clone(),
            exact: self.exact,
            skip: self.skip.clone(),
            list: self.list,
            test_threads: self.test_threads,
            quiet: self.quiet,
            ..Arguments::default()
        }
    }
}

/// Runs the selected planned cases; returns their results in plan order, or `None` for
/// `--list`.
pub fn run_trials(
    plan: Vec<PlannedCase>,
    cx: Arc<RunContext>,
    runtime: tokio::runtime::Handle,
    selection: &Selection,
) -> Option<Vec<CaseResult>> {
    let args = selection.arguments();
    let results: Arc<Mutex<Vec<(usize, CaseResult)>>> = Arc::default();
    let trials: Vec<Trial> = plan
        .into_iter()
        .enumerate()
        .map(|(index, planned)| {
            let cx = cx.clone();
            let rt = runtime.clone();
            let results = results.clone();
            let name = planned.name.clone();
            Trial::ignorable_test(name, move || {
                let result = rt.block_on(super::run_guarded(cx.clone(), planned));
                let outcome = match result.status {
                    Status::Passed => Ok(Completion::Completed),
                    Status::Skipped => Ok(Completion::ignored_with(
                        result.reason.clone().unwrap_or_default(),
                    )),
                    Status::Failed | Status::Errored => {
                        let label = if result.status == Status::Errored {
                            "error"
                        } else {
                            "failed"
                        };
                        let redactor = cx.http.redactor();
                        Err(Failed::from(crate::report::terminal_safe(
                            &redactor.redact(&format!(
                                "[{}] {label}: {}",
                                result.severity,
                                result.reason.clone().unwrap_or_default()
                            )),
                        )))
                    }
                };
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((index, result));
                outcome
            })
        })
        .collect();
    let _conclusion = libtest_mimic::run(&args, trials);
    if selection.list {
        return None;
    }
    let mut out = std::mem::take(&mut *results.lock().unwrap_or_else(|p| p.into_inner()));
    out.sort_by_key(|(i, _)| *i);
    Some(out.into_iter().map(|(_, r)| r).collect())
}
