//! Planning: suites × profiles → the list of cases to run, each with its stable name.
//! Plain data in, plain data out; no I/O.

use crate::model::{Case, Profile, Suite};
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
    let mut out = Vec::new();
    for suite in suites {
        for case in &suite.cases {
            let case = Arc::new(case.clone());
            for &profile in &case.profiles {
                if !only.is_empty() && !only.contains(&profile) {
                    continue;
                }
                out.push(PlannedCase {
                    name: format!("{}::{}[{}]", suite.name, case.name, profile),
                    suite: suite.name.clone(),
                    file: suite.file.clone(),
                    case: case.clone(),
                    profile,
                });
            }
        }
    }
    out
}
