//! The bridge to libtest-mimic: filtering, parallelism and progress lines as in
//! `cargo test`, with our own results collected on the side.

use super::case::RunContext;
use crate::plan::PlannedCase;
use crate::record::{CaseResult, Status};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::sync::{Arc, Mutex};

/// Which cases run and how progress is shown, as given on our command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Positional FILTERs: a case runs when its name contains one of them.
    pub filters: Vec<String>,
    /// `--exact`: filters and skips match whole names.
    pub exact: bool,
    /// `--skip`.
    pub skip: Vec<String>,
    /// `--test-threads`.
    pub test_threads: Option<usize>,
    /// `--quiet`.
    pub quiet: bool,
}

impl Selection {
    fn matches(&self, pattern: &str, name: &str) -> bool {
        if self.exact {
            name == pattern
        } else {
            name.contains(pattern)
        }
    }

    /// Keeps the planned cases the filters select and `--skip` does not drop. A filter that
    /// selects nothing is an error naming it (a typo would otherwise run nothing and pass).
    pub(crate) fn select(&self, plan: Vec<PlannedCase>) -> Result<Vec<PlannedCase>, String> {
        let unmatched: Vec<&str> = self
            .filters
            .iter()
            .filter(|f| !plan.iter().any(|c| self.matches(f, &c.name)))
            .map(String::as_str)
            .collect();
        if !unmatched.is_empty() {
            let hint = if self.exact {
                "with --exact a filter is a whole name such as `entra-users::create_user[entra]`"
            } else {
                "`scimtest run --list` lists every case name"
            };
            return Err(format!(
                "no case matches {}; {hint}",
                crate::diagnostic::backticked(&unmatched)
            ));
        }
        Ok(plan
            .into_iter()
            .filter(|c| {
                self.filters.is_empty() || self.filters.iter().any(|f| self.matches(f, &c.name))
            })
            .filter(|c| !self.skip.iter().any(|s| self.matches(s, &c.name)))
            .collect())
    }

    fn arguments(&self, logfile: Option<String>) -> Arguments {
        // Selection is done by `select`; libtest-mimic only runs and prints.
        let colour = crate::report::use_colour();
        Arguments {
            test_threads: self.test_threads,
            quiet: self.quiet,
            color: logfile.as_ref().map(|_| {
                if colour {
                    libtest_mimic::ColorSetting::Always
                } else {
                    libtest_mimic::ColorSetting::Never
                }
            }),
            logfile,
            ..Arguments::default()
        }
    }
}

/// Where libtest-mimic prints. It unwraps every write, so a closed stdout (`scimtest run |
/// head`) would panic mid-run and cut cases off before their cleanup. On Unix it prints into
/// a pipe instead, and a thread copies that to stdout, draining on when stdout is gone.
struct Progress {
    logfile: Option<String>,
    #[cfg(unix)]
    writer: Option<std::io::PipeWriter>,
    copier: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start() -> Progress {
        #[cfg(unix)]
        if let Ok((mut reader, writer)) = std::io::pipe() {
            use std::os::fd::AsRawFd as _;
            let logfile = format!("/dev/fd/{}", writer.as_raw_fd());
            if !std::path::Path::new(&logfile).exists() {
                // No /dev/fd here: libtest-mimic would fail to open it; print directly.
                return Progress {
                    logfile: None,
                    writer: None,
                    copier: None,
                };
            }
            let copier = std::thread::spawn(move || {
                use std::io::{Read as _, Write as _};
                let mut buf = [0u8; 8192];
                let mut stdout_open = true;
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if stdout_open {
                        let mut out = std::io::stdout().lock();
                        stdout_open = out.write_all(&buf[..n]).and_then(|()| out.flush()).is_ok();
                    }
                }
            });
            return Progress {
                logfile: Some(logfile),
                writer: Some(writer),
                copier: Some(copier),
            };
        }
        Progress {
            logfile: None,
            #[cfg(unix)]
            writer: None,
            copier: None,
        }
    }

    /// Closes the pipe and waits until everything printed has been copied.
    fn finish(mut self) {
        #[cfg(unix)]
        drop(self.writer.take());
        if let Some(c) = self.copier.take() {
            let _ = c.join();
        }
    }
}

/// Runs the selected planned cases; returns their results in plan order.
pub(crate) fn run_trials(
    plan: Vec<PlannedCase>,
    cx: Arc<RunContext>,
    runtime: tokio::runtime::Handle,
    selection: &Selection,
) -> Vec<CaseResult> {
    let progress = Progress::start();
    let args = selection.arguments(progress.logfile.clone());
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
                    // One line each: the summary after it has the details, by root cause.
                    Status::Failed | Status::Errored => {
                        let label = if result.status == Status::Errored {
                            "error"
                        } else {
                            "failed"
                        };
                        let reason = result.reason.clone().unwrap_or_default();
                        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
                        let redactor = cx.http.redactor();
                        Err(Failed::from(crate::report::terminal_safe(
                            &redactor.redact(&format!("[{}] {label}: {reason}", result.severity)),
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
    progress.finish();
    let mut out = std::mem::take(&mut *results.lock().unwrap_or_else(|p| p.into_inner()));
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}
