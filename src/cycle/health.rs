//! The quarantine predictor: from the provisioning log's counts, whether Entra's job would
//! stay healthy, hold failed objects in escrow, or go into quarantine — and when, naming the
//! first request that puts it there and the counts of each failure class.
//!
//! Only what Microsoft documents is a rule here (sources in `log`'s module docs):
//! - [DELETIONS]: deletes and disables above the threshold in one cycle → quarantine
//!   (`TooManyDeletes`), the held actions logged `StagedDelete`;
//! - [QUARANTINE]: invalid credentials → quarantine (`EncounteredQuarantineException`) and
//!   "An HTTP/404 Not Found response was returned rather than the expected HTTP/200 OK" →
//!   quarantine, both "regardless of failure counts" (no Graph reason is given for the 404);
//! - [QUARANTINE]: the escrow thresholds (`EncounteredEscrowProportionThreshold`);
//! - [QUARANTINE] "Retry duration": any failure → escrow, retried after 6 h, 12 h, 24 h, then
//!   every 24 h for 28 days.
//!
//! [QUARANTINE]'s "most, or all, of the calls … consistently fail" gives no number: it is not a
//! rule here (a run whose every call fails is caught by the rules above, or stays escrow).

use super::log::{Tally, Trigger};
use serde_json::{Value, json};

/// What the client's job would become, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Health {
    /// Whose job: `Entra's job` or `Okta's provisioning`.
    pub client: &'static str,
    /// Actions logged.
    pub events: usize,
    /// Failed actions.
    pub failures: usize,
    /// Failed reference actions (manager, members).
    pub reference_failures: usize,
    /// `healthy`, `escrow` or `quarantine`.
    pub state: &'static str,
    /// The Graph `quarantineReason`, where Microsoft names one.
    pub graph_reason: Option<&'static str>,
    /// Why, in a sentence, with its source.
    pub reason: String,
    /// What Entra does next, with its source.
    pub consequence: &'static str,
    /// The entry that put the job in this state.
    pub trigger: Option<Trigger>,
    /// Failures per provisioning-log code.
    pub by_class: Vec<(&'static str, usize)>,
}

const QUARANTINED: &str = "[QUARANTINE] incremental cycles slow down to once a day; the job leaves quarantine on the first cycle after the errors are fixed, and is disabled after four weeks in quarantine";
const ESCROWED: &str = "[QUARANTINE] \"Retry duration\": each failed object is retried after 6 h, 12 h and 24 h, then every 24 h, for 28 days; a success clears it";
const STAGED: &str = "[DELETIONS] the held deletes and disables wait (Action `StagedDelete` in the provisioning logs) until an admin allows or rejects them; a notification email is sent";

/// Applies Microsoft's documented rules to the log's counts.
pub(crate) fn health(t: &Tally) -> Health {
    let by_class = t
        .by_code
        .iter()
        .map(|(code, classes)| (*code, classes.values().map(|(n, _)| n).sum()))
        .collect();
    let plain = t.failures - t.reference_failures;
    let quarantine = [
        t.first_staged.as_ref().map(|tr| {
            (
                tr,
                Some("TooManyDeletes"),
                format!(
                    "{} deletes and disables in cycle {} pass the deletion threshold (--deletion-threshold): [DELETIONS] \"When the deletion threshold is met, the job goes into quarantine\"",
                    t.staged, tr.cycle
                ),
                STAGED,
            )
        }),
        t.credentials.as_ref().map(|tr| {
            (
                tr,
                Some("EncounteredQuarantineException"),
                "the target answered that the credentials are invalid: [QUARANTINE] quarantines a job for invalid credentials regardless of failure counts".to_string(),
                QUARANTINED,
            )
        }),
        t.query_404.as_ref().map(|tr| {
            (
                tr,
                None,
                "a matching query answered 404 where Entra expects 200 with an empty list: [QUARANTINE] \"SCIM Compliance issue: An HTTP/404 Not Found response was returned rather than the expected HTTP/200 OK response\" quarantines regardless of failure counts (no Graph reason is documented for it)".to_string(),
                QUARANTINED,
            )
        }),
        t.escrow_threshold.as_ref().map(|tr| {
            (
                tr,
                Some("EncounteredEscrowProportionThreshold"),
                format!(
                    "{} failures ({plain} not counting reference failures, of {} actions) pass [QUARANTINE]'s escrow thresholds: from 5,000 failures, more than 40 % of events or 40,000 failures (reference failures left out), or 60,000 failures in all",
                    t.failures, t.events
                ),
                QUARANTINED,
            )
        }),
    ];
    let first = quarantine.into_iter().flatten().min_by_key(|q| q.0.at_ms);
    let (state, graph_reason, reason, consequence, trigger) = match (first, &t.first_failure) {
        (Some((tr, g, r, c)), _) => ("quarantine", g, r, c, Some(tr.clone())),
        (None, Some(tr)) => (
            "escrow",
            None,
            format!(
                "{} in escrow ({} reference failures), below [QUARANTINE]'s thresholds",
                crate::words::count(t.failures, "failed object action"),
                t.reference_failures
            ),
            ESCROWED,
            Some(tr.clone()),
        ),
        (None, None) => ("healthy", None, "no action failed".to_string(), "", None),
    };
    Health {
        client: "Entra's job",
        events: t.events,
        failures: t.failures,
        reference_failures: t.reference_failures,
        state,
        graph_reason,
        reason,
        consequence,
        trigger,
        by_class,
    }
}

/// The same counts under `--profile okta`: Okta documents no escrow, quarantine or deletion
/// threshold (okta-client.md §2.13), so none is predicted; a 409 on create stops that user's
/// provisioning until an admin retries, and nothing else is documented.
pub(crate) fn health_for(t: &Tally, profile: crate::model::Profile) -> Health {
    if profile != crate::model::Profile::Okta {
        return health(t);
    }
    let mut h = health(t);
    let stopped = h
        .by_class
        .iter()
        .find(|(c, _)| *c == super::log::OKTA_409)
        .map_or(0, |(_, n)| *n);
    h.client = "Okta's provisioning";
    h.graph_reason = None;
    h.trigger = t.first_failure.clone();
    (h.state, h.reason, h.consequence) = if t.failures == 0 {
        ("healthy", "no action failed".to_string(), "")
    } else {
        (
            "failing",
            format!(
                "{} ({stopped} creates answered 409, which stop those users' provisioning); Okta documents no escrow or quarantine",
                crate::words::count(t.failures, "failed action")
            ),
            "Okta's SCIM 2.0 reference: a 409 on create stops the job for that user until an admin retries it; a 429 with Retry-After is retried (support article); Okta waits 60 s for an answer (SCIM FAQ); what Okta does with other failures is not documented",
        )
    };
    h
}

impl Health {
    /// `health` in cycle.json: the state, why, when and the first request that decided it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "client": self.client,
            "state": self.state,
            "quarantine_reason": self.graph_reason,
            "reason": self.reason,
            "consequence": self.consequence,
            "events": self.events,
            "failures": self.failures,
            "reference_failures": self.reference_failures,
            "failures_by_class": self.by_class.iter().map(|(c, n)| json!({
                "code": c, "count": n,
                "evidence": super::log::basis(c).0,
                "source": super::log::basis(c).1,
            })).collect::<Vec<_>>(),
            "first_request": self.trigger.as_ref().map(Trigger::to_json),
        })
    }

    /// When it happened, in words: the cycle and the time into the run.
    pub(crate) fn when(&self) -> Option<String> {
        self.trigger.as_ref().map(|t| {
            format!(
                "in cycle {}, {:.1} s into the run, after {}",
                t.cycle,
                t.at_ms as f64 / 1000.0,
                crate::words::count(t.failures, "failure")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::log::{Action, Entry};

    fn entry(action: Action, error: Option<&'static str>, status: u16) -> Entry {
        Entry {
            at_ms: 0,
            cycle: "initial".into(),
            object: "user",
            source: "u".into(),
            target_id: None,
            action,
            error,
            detail: None,
            status,
            requests: 1,
            throttled: 0,
            request: Some("PATCH /Users/1".into()),
            skipped: false,
        }
    }

    fn tally(v: &[Entry]) -> Tally {
        let mut t = Tally::default();
        v.iter().for_each(|e| t.add(e));
        t
    }

    #[test]
    fn thresholds_are_microsofts() {
        let ok: Vec<Entry> = (0..10).map(|_| entry(Action::Create, None, 201)).collect();
        assert_eq!(health(&tally(&ok)).state, "healthy");
        let mut some = ok.clone();
        some.push(entry(Action::AddMembers, Some("InvalidAnchor"), 404));
        let h = health(&tally(&some));
        assert_eq!((h.state, h.reference_failures), ("escrow", 1));
        // Every call failing with 500 is no documented rule below 5,000 failures.
        let all: Vec<Entry> = (0..30)
            .map(|_| entry(Action::Create, Some("InternalServerError"), 500))
            .collect();
        assert_eq!(health(&tally(&all)).state, "escrow");
        // Invalid credentials quarantine at once, naming the request.
        let mut cred = ok.clone();
        cred.push(entry(Action::Update, Some("Unauthorized"), 401));
        let h = health(&tally(&cred));
        assert_eq!(h.state, "quarantine");
        assert_eq!(h.graph_reason, Some("EncounteredQuarantineException"));
        assert_eq!(
            h.trigger.unwrap().request.as_deref(),
            Some("PATCH /Users/1")
        );
        let many: Vec<Entry> = (0..12_000)
            .map(|i| {
                entry(
                    Action::Update,
                    (i % 2 == 0).then_some("InternalServerError"),
                    500,
                )
            })
            .collect();
        let h = health(&tally(&many));
        assert_eq!(h.state, "quarantine");
        assert_eq!(h.graph_reason, Some("EncounteredEscrowProportionThreshold"));
        assert_eq!(h.trigger.unwrap().failures, 5_000);
    }

    #[test]
    fn a_matching_query_answered_404_quarantines() {
        let mut e = entry(Action::Create, Some("(undocumented: HTTP 404)"), 404);
        e.request = Some("GET /Users?filter=userName eq \"x\"".into());
        let h = health(&tally(&[e]));
        assert_eq!(h.state, "quarantine");
        assert!(h.reason.contains("404"), "{}", h.reason);
    }
}
