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
                let mut filter = NoFailureList::default();
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let shown = filter.feed(&buf[..n]);
                    if stdout_open && !shown.is_empty() {
                        let mut out = std::io::stdout().lock();
                        stdout_open = out.write_all(&shown).and_then(|()| out.flush()).is_ok();
                    }
                }
                if stdout_open {
                    let _ = std::io::stdout().lock().write_all(&filter.finish());
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

/// libtest-mimic's output without its `failures:` block (each failing case's message, then
/// their names again): the summary after it shows the failures by root cause, so each failing
/// case shows once, as its live line. Text passes on as it comes, except the start of a line
/// that may yet turn out to be the block's heading.
#[derive(Debug, Default)]
struct NoFailureList {
    /// The current line's bytes held back (a blank line, or a prefix of the heading).
    held: Vec<u8>,
    /// The current line was already let through in part: the rest follows unexamined.
    passing: bool,
    /// Inside the block: lines are dropped until libtest's `test result:` line.
    hiding: bool,
}

impl NoFailureList {
    const HEADING: &'static [u8] = b"failures:\n";
    const RESULT: &'static [u8] = b"test result:";

    /// The part of `bytes` to print now.
    fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        for &b in bytes {
            if self.passing {
                out.push(b);
                self.passing = b != b'\n';
                continue;
            }
            self.held.push(b);
            if self.hiding {
                if self.held == Self::RESULT {
                    // libtest's closing line, after the blank line it printed before it.
                    self.hiding = false;
                    self.passing = true;
                    out.push(b'\n');
                    out.append(&mut self.held);
                } else if b == b'\n' {
                    self.held.clear();
                }
                continue;
            }
            // Blank lines are held with the line after them: the one before the heading goes
            // with it.
            let blanks = self.held.iter().take_while(|&&c| c == b'\n').count();
            let line = &self.held[blanks..];
            if line.is_empty() {
                continue;
            }
            if line == Self::HEADING {
                self.hiding = true;
                self.held.clear();
            } else if !Self::HEADING.starts_with(line) {
                self.passing = b != b'\n';
                out.append(&mut self.held);
            }
        }
        out
    }

    /// What is still held when the output ends.
    fn finish(&mut self) -> Vec<u8> {
        if self.hiding {
            Vec::new()
        } else {
            std::mem::take(&mut self.held)
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

#[cfg(test)]
mod tests {
    use super::NoFailureList;

    /// `text` through the filter in pieces of `chunk` bytes.
    fn filtered(text: &str, chunk: usize) -> String {
        let mut f = NoFailureList::default();
        let mut out = Vec::new();
        for piece in text.as_bytes().chunks(chunk) {
            out.extend(f.feed(piece));
        }
        out.extend(f.finish());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn libtests_failure_list_is_left_out_and_the_rest_kept() {
        let libtest = "\nrunning 3 tests\ntest a::one ... ok\ntest a::two ... FAILED\ntest a::failures ... ok\n\nfailures:\n\n---- a::two ----\n[required] failed: step `x`: status\n\n\nfailures:\n    a::two\n\ntest result: FAILED. 2 passed; 1 failed; 0 ignored\n\n";
        let want = "\nrunning 3 tests\ntest a::one ... ok\ntest a::two ... FAILED\ntest a::failures ... ok\n\ntest result: FAILED. 2 passed; 1 failed; 0 ignored\n\n";
        for chunk in [1, 2, 7, 4096] {
            assert_eq!(filtered(libtest, chunk), want, "chunk {chunk}");
        }
        let passing = "\nrunning 1 test\ntest a::one ... ok\n\ntest result: ok. 1 passed\n\n";
        assert_eq!(filtered(passing, 3), passing);
        // A line that starts like the heading is not held back for ever.
        assert_eq!(filtered("fail", 1), "fail");
        assert_eq!(filtered("failures: 3\n", 1), "failures: 3\n");
    }
}
