//! Baselines: known failures, each with a reason, that are shown but do not fail the run.
//! A baseline entry whose case now passes is reported as stale, so the list shrinks as
//! endpoints get fixed.
//!
//! ```toml
//! [[known_failure]]
//! case = "entra-users::disable_user[entra]"   # or "entra-users::disable_user" for every profile
//! reason = "PROJ-123: string booleans not accepted yet"
//! ```

use crate::plan::CaseId;
use crate::record::{RunRecord, Status};
use serde::Deserialize;
use std::path::Path;

/// One known failure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KnownFailure {
    /// `SUITE::CASE[PROFILE]`, or `SUITE::CASE` for all profiles.
    pub case: String,
    /// Why it is accepted for now.
    pub reason: String,
}

/// A baseline file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Baseline {
    /// The known failures.
    #[serde(default)]
    pub known_failure: Vec<KnownFailure>,
}

impl KnownFailure {
    /// Whether this entry names the case `name` (`SUITE::CASE[PROFILE]`).
    pub(crate) fn matches(&self, name: &str) -> bool {
        match (CaseId::parse(&self.case), CaseId::parse(name)) {
            (Some(entry), Some(case)) => entry.covers(&case),
            _ => name == self.case,
        }
    }
}

impl Baseline {
    /// Reads a baseline file.
    pub(crate) fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Entries that name no case of the plan (a typo, or a case since renamed): each would
    /// silently hide nothing, so the run refuses them.
    pub(crate) fn unknown_entries<'a>(&'a self, names: &[&str]) -> Vec<&'a str> {
        self.known_failure
            .iter()
            .filter(|e| !names.iter().any(|n| e.matches(n)))
            .map(|e| e.case.as_str())
            .collect()
    }

    /// Marks known failures in `run` and lists stale entries (matched only by passing cases).
    pub(crate) fn apply(&self, run: &mut RunRecord) {
        for entry in &self.known_failure {
            let mut matched_failure = false;
            let mut matched_pass = false;
            for c in run.cases.iter_mut().filter(|c| entry.matches(&c.name)) {
                match c.status {
                    Status::Failed | Status::Errored => {
                        c.known_failure = Some(entry.reason.clone());
                        matched_failure = true;
                    }
                    Status::Passed => matched_pass = true,
                    Status::Skipped => {}
                }
            }
            if matched_pass && !matched_failure {
                run.stale_baseline.push(entry.case.clone());
            }
        }
    }
}
