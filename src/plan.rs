//! Planning: suites × profiles → the list of cases to run, each with its stable name.
//! Plain data in, plain data out; no I/O.

use crate::model::{Capability, Case, Profile, Suite};
use std::path::PathBuf;
use std::sync::Arc;

/// A case's stable name, `SUITE::CASE[PROFILE]`, as filters, baselines and reports write it;
/// a baseline entry may leave the profile out to name the case under every profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CaseId<'a> {
    /// The suite's name.
    pub(crate) suite: &'a str,
    /// The case's name.
    pub(crate) case: &'a str,
    /// The profile's name, when given.
    pub(crate) profile: Option<&'a str>,
}

impl<'a> CaseId<'a> {
    /// Reads `SUITE::CASE` or `SUITE::CASE[PROFILE]`; `None` for anything else.
    pub(crate) fn parse(name: &'a str) -> Option<CaseId<'a>> {
        let (suite, rest) = name.split_once("::")?;
        let (case, profile) = match rest.split_once('[') {
            Some((case, p)) => (case, Some(p.strip_suffix(']')?)),
            None => (rest, None),
        };
        Some(CaseId {
            suite,
            case,
            profile,
        })
    }

    /// Whether this id names `other`: the same case, under the same profile unless this id
    /// names none.
    pub(crate) fn covers(&self, other: &CaseId<'_>) -> bool {
        self.suite == other.suite
            && self.case == other.case
            && (self.profile.is_none() || self.profile == other.profile)
    }
}

impl std::fmt::Display for CaseId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}", self.suite, self.case)?;
        match self.profile {
            Some(p) => write!(f, "[{p}]"),
            None => Ok(()),
        }
    }
}

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

/// [`plan`], for an app that lacks the capabilities in `absent` (each with what declared it,
/// as the user wrote it: `--no-groups`): a case that needs one is planned as skipped, saying
/// which and why.
pub(crate) fn plan_with(
    suites: &[Suite],
    only: &[Profile],
    absent: &[(Capability, String)],
) -> Vec<PlannedCase> {
    let mut out = Vec::new();
    for suite in suites {
        for case in &suite.cases {
            let shared = Arc::new(case.clone());
            for &profile in &case.profiles {
                if !only.is_empty() && !only.contains(&profile) {
                    continue;
                }
                let missing: Vec<&(Capability, String)> = absent
                    .iter()
                    .filter(|(c, _)| case.requires.contains(c))
                    .collect();
                let case = if missing.is_empty() || case.skip.is_some() {
                    shared.clone()
                } else {
                    let mut c = case.clone();
                    c.skip = Some(skip_reason(&missing, profile));
                    Arc::new(c)
                };
                out.push(PlannedCase {
                    name: CaseId {
                        suite: &suite.name,
                        case: &case.name,
                        profile: Some(profile.name()),
                    }
                    .to_string(),
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

/// The Tenant URL carries `aadOptscim062020`: Entra's job sends the flag's shapes, so the
/// cases of the unflagged default job are planned as skipped, saying why (a failure there is
/// not one Entra would meet). Whether `url` carries the flag.
pub(crate) fn flagged(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| {
        u.query_pairs()
            .any(|(k, _)| k.eq_ignore_ascii_case("aadOptscim062020"))
    })
}

/// Plans the unflagged default job's cases as skipped (see [`flagged`]).
pub(crate) fn skip_unflagged(planned: &mut [PlannedCase]) {
    for p in planned.iter_mut().filter(|p| p.profile == Profile::Entra) {
        if p.case.skip.is_none() {
            let mut c = (*p.case).clone();
            c.skip = Some(
                "the Tenant URL carries aadOptscim062020: Entra's job sends the flag's shapes (the entra-flag cases), not the default job's (docs/entra-behaviour.md §3.2); --profile entra runs them anyway".into(),
            );
            p.case = Arc::new(c);
        }
    }
}

fn skip_reason(missing: &[&(Capability, String)], profile: Profile) -> String {
    let names: Vec<String> = missing
        .iter()
        .map(|(c, said)| format!("{} ({said})", c.name()))
        .collect();
    let mut reason = format!("the app does not support {}", names.join(" or "));
    if profile == Profile::Gallery && missing.iter().any(|(c, _)| *c == Capability::Groups) {
        reason.push_str(
            "; Microsoft's gallery validation requires group support (\"Group Tests Are Mandatory\"): a gallery submission without groups fails",
        );
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::CaseId;

    #[test]
    fn case_ids_read_back_what_they_write() {
        for name in ["entra-users::disable_user[entra-flag]", "s::c"] {
            assert_eq!(CaseId::parse(name).unwrap().to_string(), name);
        }
        assert_eq!(CaseId::parse("no-suite"), None);
        assert_eq!(CaseId::parse("s::c[entra"), None);
        let all = CaseId::parse("s::c").unwrap();
        let one = CaseId::parse("s::c[entra]").unwrap();
        assert!(all.covers(&one) && one.covers(&one));
        assert!(!one.covers(&all));
        assert!(!all.covers(&CaseId::parse("s::cc[entra]").unwrap()));
    }

    #[test]
    fn the_flag_is_read_from_the_tenant_url_query() {
        assert!(super::flagged("https://h/scim/v2?aadOptscim062020"));
        assert!(super::flagged("https://h/scim/v2?x=1&AADOPTSCIM062020=1"));
        assert!(!super::flagged("https://h/scim/v2"));
        assert!(!super::flagged("https://h/aadOptscim062020/scim"));
    }
}
