//! The provisioning log a cycle writes: one entry per object action, as Entra's provisioning
//! logs record them, with failures classified under the error codes those logs use
//! (docs/entra-behaviour.md §5, [LOGS]), and the escrow and quarantine thresholds applied.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write as _;

/// What was done to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Created (after a matching query found nothing).
    Create,
    /// Attributes updated.
    Update,
    /// `active` false.
    Disable,
    /// `active` true.
    Enable,
    /// Deleted.
    Delete,
    /// The manager reference written.
    SetManager,
    /// Group members added.
    AddMembers,
    /// Group members removed.
    RemoveMembers,
}

impl Action {
    /// The name in the log.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Action::Create => "Create",
            Action::Update => "Update",
            Action::Disable => "Disable",
            Action::Enable => "Enable",
            Action::Delete => "Delete",
            Action::SetManager => "SetManager",
            Action::AddMembers => "AddMembers",
            Action::RemoveMembers => "RemoveMembers",
        }
    }

    /// Manager and member writes are reference updates, which Entra's escrow thresholds
    /// count apart (§5).
    pub(crate) fn is_reference(self) -> bool {
        matches!(
            self,
            Action::SetManager | Action::AddMembers | Action::RemoveMembers
        )
    }
}

/// One line of the provisioning log.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Milliseconds since the cycles started, when the action finished.
    pub at_ms: u64,
    /// `initial` or `incremental-N`.
    pub cycle: String,
    /// `user` or `group`.
    pub object: &'static str,
    /// The source object's matching value (userName or displayName).
    pub source: String,
    /// The target's id, once known.
    pub target_id: Option<String>,
    /// What was done.
    pub action: Action,
    /// The failure's Entra error code; None on success.
    pub error: Option<&'static str>,
    /// What went wrong, in a sentence.
    pub detail: Option<String>,
    /// The last HTTP status (0: no answer).
    pub status: u16,
    /// Requests the action sent (retries included).
    pub requests: u32,
    /// Answers with 429 that were waited out and retried.
    pub throttled: u32,
}

impl Entry {
    /// The JSON line.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "at_ms": self.at_ms,
            "cycle": self.cycle,
            "object": self.object,
            "source": self.source,
            "target_id": self.target_id,
            "action": self.action.name(),
            "status": if self.error.is_some() { "failure" } else { "success" },
            "error_code": self.error,
            "detail": self.detail,
            "http_status": self.status,
            "requests": self.requests,
            "throttled": self.throttled,
        })
    }
}

/// The Entra provisioning-log code for a failed request ([LOGS] "Error codes"; §5): the
/// status, what was being done, and whether the answer could be read.
pub(crate) fn classify(
    status: u16,
    action: Action,
    transport: Option<crate::client::transport::TransportKind>,
) -> &'static str {
    // From the kind of failure, never from its text (a host may be called `timecard`).
    if let Some(kind) = transport {
        return match kind {
            crate::client::transport::TransportKind::Timeout => "Timeout",
            _ => "WebExceptionProtocolError",
        };
    }
    match status {
        429 => "TooManyRequests",
        409 => "EntryConflict",
        401 => "Unauthorized",
        403 => "InsufficientRights",
        // The object Entra created or matched is gone.
        404 if action != Action::Create => "InvalidAnchor",
        405 => "MethodNotAllowed",
        422 => "UnprocessableEntity",
        501 => "NotImplemented",
        500..=599 => "InternalServerError",
        // A 400 and other unexpected answers: the endpoint answered what Entra cannot use.
        _ => "SystemForCrossDomainIdentityManagementServiceIncompatible",
    }
}

/// How the cycle's failures stand against Entra's escrow and quarantine thresholds (§5:
/// evaluation from 5,000 failures; quarantine above 40 % failed events or 40,000 failures
/// excluding reference failures, or 60,000 including them; and when nearly every call fails).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Health {
    /// Actions logged.
    pub events: usize,
    /// Failed actions.
    pub failures: usize,
    /// Failed reference actions (manager, members).
    pub reference_failures: usize,
    /// `healthy`, `escrow` or `quarantine`.
    pub state: &'static str,
    /// Why, in a sentence.
    pub reason: String,
}

/// Counts of the log, kept as entries are written (a tenant's log is not held in memory).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    /// Actions logged.
    pub events: usize,
    /// Failed actions.
    pub failures: usize,
    /// Failed reference actions (manager, members).
    pub reference_failures: usize,
    /// Failures per error code, and within a code per class of detail (the detail with this
    /// run's names, ids and counts taken out), each with its first example: unrelated failures
    /// under one code do not fold into one example.
    pub by_code: BTreeMap<&'static str, BTreeMap<String, (usize, String)>>,
}

/// Distinct detail classes kept per code; the rest are counted under one "other" class, so a
/// server whose details all differ cannot grow the tally without bound.
const CLASSES_PER_CODE: usize = 20;

/// The class of a failure's detail: its words, with this run's generated names
/// (`scimtest-…`), ids (long hex or alphanumeric words with digits, quoted values) and
/// numbers other than HTTP statuses taken out.
pub(crate) fn detail_class(detail: &str) -> String {
    let generated = |w: &str| {
        let w = w.trim_matches(|c: char| c == '"' || c == '\'' || c == '`');
        w.starts_with("scimtest-")
            || (w.len() >= 8
                && w.chars().any(|c| c.is_ascii_digit())
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            || (w.len() > 3 && w.chars().all(|c| c.is_ascii_digit()))
            || (w.starts_with('"') && w.ends_with('"') && w.len() > 2)
    };
    detail
        .split(' ')
        .map(|w| {
            let core = w.trim_end_matches([',', ';', ':', ')', '.']);
            if generated(core.trim_start_matches('(')) {
                let lead = if w.starts_with('(') { "(" } else { "" };
                format!("{lead}…{}", &w[core.len()..])
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Tally {
    /// Counts `e`.
    pub(crate) fn add(&mut self, e: &Entry) {
        self.events += 1;
        if let Some(code) = e.error {
            self.failures += 1;
            if e.action.is_reference() {
                self.reference_failures += 1;
            }
            let detail = e.detail.clone().unwrap_or_default();
            let classes = self.by_code.entry(code).or_default();
            let mut class = detail_class(&detail);
            if !classes.contains_key(&class) && classes.len() >= CLASSES_PER_CODE {
                class = "(other details)".into();
            }
            let slot = classes.entry(class).or_insert_with(|| (0, detail));
            slot.0 += 1;
        }
    }
}

/// Where the provisioning log goes: each entry is written as a JSON line when it is made
/// (to `provisioning-log.jsonl`) and counted.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    file: Option<std::io::BufWriter<std::fs::File>>,
    /// What was written so far.
    pub tally: Tally,
    /// The first error writing the file, if any.
    pub write_error: Option<String>,
}

impl Sink {
    /// A sink writing to `path` (created or truncated now).
    pub(crate) fn to_file(path: &std::path::Path) -> std::io::Result<Self> {
        Ok(Sink {
            file: Some(std::io::BufWriter::new(std::fs::File::create(path)?)),
            ..Sink::default()
        })
    }

    /// Writes and counts `e`.
    pub(crate) fn push(&mut self, e: &Entry) {
        self.tally.add(e);
        if let Some(f) = &mut self.file
            && let Err(err) = writeln!(f, "{}", e.to_json())
        {
            self.write_error.get_or_insert(err.to_string());
            self.file = None;
        }
    }

    /// Flushes the file.
    pub(crate) fn finish(&mut self) {
        if let Some(f) = &mut self.file
            && let Err(err) = f.flush()
        {
            self.write_error.get_or_insert(err.to_string());
        }
    }
}

/// Applies the thresholds to the log's counts.
pub(crate) fn health(t: &Tally) -> Health {
    let (events, failures, reference_failures) = (t.events, t.failures, t.reference_failures);
    let plain = failures - reference_failures;
    let share = if events == 0 {
        0.0
    } else {
        plain as f64 / events as f64
    };
    let (state, reason) = if events >= 20 && failures * 10 >= events * 9 {
        (
            "quarantine",
            format!(
                "{failures} of {events} actions failed: nearly every call fails, as with wrong credentials or a wrong URL (EncounteredQuarantineException)"
            ),
        )
    } else if plain > 40_000 || failures > 60_000 || (plain >= 5_000 && share > 0.4) {
        (
            "quarantine",
            format!(
                "{plain} failures ({:.0} % of {events} actions; {reference_failures} reference failures more) pass Entra's escrow thresholds (EncounteredEscrowProportionThreshold)",
                share * 100.0
            ),
        )
    } else if failures > 0 {
        let mut r = format!(
            "{} in escrow: Entra retries {} on later cycles (after about 6 h, 12 h, 24 h, then daily) for up to 28 days",
            if failures == 1 {
                "1 object is".to_string()
            } else {
                format!("{failures} objects are")
            },
            if failures == 1 { "it" } else { "them" }
        );
        if share > 0.4 {
            r.push_str(&format!("; {:.0} % of actions failed, which quarantines the job once a tenant reaches 5,000 failures", share * 100.0));
        }
        ("escrow", r)
    } else {
        ("healthy", "no action failed".to_string())
    };
    Health {
        events,
        failures,
        reference_failures,
        state,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: Action, error: Option<&'static str>) -> Entry {
        Entry {
            at_ms: 0,
            cycle: "initial".into(),
            object: "user",
            source: "u".into(),
            target_id: None,
            action,
            error,
            detail: None,
            status: 0,
            requests: 1,
            throttled: 0,
        }
    }

    #[test]
    fn codes_follow_the_provisioning_logs() {
        assert_eq!(classify(409, Action::Create, None), "EntryConflict");
        assert_eq!(classify(404, Action::Update, None), "InvalidAnchor");
        assert_eq!(classify(503, Action::Update, None), "InternalServerError");
        use crate::client::transport::TransportKind;
        assert_eq!(
            classify(0, Action::Update, Some(TransportKind::Timeout)),
            "Timeout"
        );
        assert_eq!(
            classify(0, Action::Update, Some(TransportKind::Refused)),
            "WebExceptionProtocolError"
        );
        assert_eq!(classify(429, Action::Create, None), "TooManyRequests");
    }

    #[test]
    fn failures_under_one_code_keep_an_example_per_detail_class() {
        let mut t = Tally::default();
        for (i, detail) in [
            "POST answered 400 (attribute `title` is too long)",
            "POST answered 400 (attribute `title` is too long)",
            "POST answered 400 (userName \"scimtest-1a2b3c4d-u7@example.com\" is not an email)",
            "POST answered 400 (userName \"scimtest-1a2b3c4d-u9@example.com\" is not an email)",
            "the created user's id \"9f86d081884c7d65\" cannot be addressed as one path segment",
        ]
        .into_iter()
        .enumerate()
        {
            let mut e = entry(
                Action::Create,
                Some("SystemForCrossDomainIdentityManagementServiceIncompatible"),
            );
            e.detail = Some(detail.to_string());
            e.source = format!("u{i}");
            t.add(&e);
        }
        let classes = &t.by_code["SystemForCrossDomainIdentityManagementServiceIncompatible"];
        let counts: Vec<usize> = classes.values().map(|(n, _)| *n).collect();
        assert_eq!(classes.len(), 3, "{classes:?}");
        assert_eq!(counts.iter().sum::<usize>(), 5);
        assert!(
            classes
                .values()
                .any(|(n, ex)| *n == 2 && ex.contains("u7@")),
            "{classes:?}"
        );
        // A server whose every detail differs cannot grow the tally without bound.
        let mut t = Tally::default();
        for i in 0..100 {
            let mut e = entry(Action::Update, Some("InternalServerError"));
            e.detail = Some(format!(
                "Update answered 500 (stack frame {i} of worker w{i}x)"
            ));
            t.add(&e);
        }
        assert!(t.by_code["InternalServerError"].len() <= CLASSES_PER_CODE + 1);
    }

    #[test]
    fn thresholds() {
        let ok: Vec<Entry> = (0..10).map(|_| entry(Action::Create, None)).collect();
        let tally = |v: &[Entry]| {
            let mut t = Tally::default();
            v.iter().for_each(|e| t.add(e));
            t
        };
        assert_eq!(health(&tally(&ok)).state, "healthy");
        let mut some = ok.clone();
        some.push(entry(Action::AddMembers, Some("InvalidAnchor")));
        let h = health(&tally(&some));
        assert_eq!((h.state, h.reference_failures), ("escrow", 1));
        let all: Vec<Entry> = (0..30)
            .map(|_| entry(Action::Create, Some("Unauthorized")))
            .collect();
        assert_eq!(health(&tally(&all)).state, "quarantine");
        let many: Vec<Entry> = (0..10_000)
            .map(|i| {
                entry(
                    Action::Update,
                    (i % 2 == 0).then_some("InternalServerError"),
                )
            })
            .collect();
        assert_eq!(health(&tally(&many)).state, "quarantine");
    }
}
