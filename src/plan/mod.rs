//! Planning: suites × profiles → the list of cases to run, each with its stable name.
//! Plain data in, plain data out; no I/O.

use crate::model::{Capability, Case, Profile, Suite};
use std::path::PathBuf;
use std::sync::Arc;

/// One case under one profile, ready to run.
#[derive(Debug, Clone)]
pub struct PlannedCase {
    /// `SUITE::CASE[PROFILE]`.
    pub name: String,
    /// Suite name.
    pub suite: String,
    /// Suite file.
    pub file: PathBuf,
    /// The case.
    pub case: Arc<Case>,
    /// The profile it runs under.
    pub profile: Profile,
}

/// Plans every case of every suite under each of its profiles that `only` allows
/// (an empty `only` allows all).
pub fn plan(suites: &[Suite], only: &[Profile]) -> Vec<PlannedCase> {
    plan_with(suites, only, &[])
}

/// [`plan`], for an app that lacks the capabilities in `absent`: a case that needs one is
/// planned as skipped, saying which and why.
pub(crate) fn plan_with(
    suites: &[Suite],
    only: &[Profile],
    absent: &[Capability],
) -> Vec<PlannedCase> {
    let mut out = Vec::new();
    for suite in suites {
        for case in &suite.cases {
            let shared = Arc::new(case.clone());
            for &profile in &case.profiles {
                if !only.is_empty() && !only.contains(&profile) {
                    continue;
                }
                let missing: Vec<Capability> = case
                    .requires
                    .iter()
                    .copied()
                    .filter(|c| absent.contains(c))
                    .collect();
                let case = if missing.is_empty() || case.skip.is_some() {
                    shared.clone()
                } else {
                    let mut c = case.clone();
                    c.skip = Some(skip_reason(&missing, profile));
                    Arc::new(c)
                };
                out.push(PlannedCase {
                    name: format!("{}::{}[{}]", suite.name, case.name, profile),
                    suite: suite.name.clone(),
                    file: suite.file.clone(),
                    case,
                    profile,
                });
            }
        }
    }
    out
}

fn skip_reason(missing: &[Capability], profile: Profile) -> String {
    let names: Vec<String> = missing
        .iter()
        .map(|c| format!("`{} = false`", c.name()))
        .collect();
    let mut reason = format!(
        "the app does not support it ({} in the run's capabilities)",
        names.join(", ")
    );
    if profile == Profile::Gallery && missing.contains(&Capability::Groups) {
        reason.push_str(
            "; Microsoft's gallery validation requires group support (\"Group Tests Are Mandatory\"): a gallery submission without groups fails",
        );
    }
    reason
}
