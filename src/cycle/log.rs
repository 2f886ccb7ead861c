//! The provisioning log a cycle writes: one entry per object action, as Entra's provisioning
//! logs record them, with failures classified under the error codes those logs use, each
//! code with the evidence it rests on (`basis`), and what Entra's job would become: healthy,
//! escrow or quarantine, with the first request that puts it there (`health`).
//!
//! Sources (cited by key in the code):
//! - [LOGS] https://learn.microsoft.com/en-us/entra/identity/monitoring-health/howto-analyze-provisioning-logs
//!   ("Error codes": the codes and what each means; no HTTP status is given for any of them).
//! - [QUARANTINE] https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-quarantine-status
//!   (invalid credentials and a 404 instead of 200 quarantine "regardless of failure counts";
//!   escrow thresholds from 5,000 failures; retries after 6 h, 12 h, 24 h, then daily for 28 days).
//! - [DELETIONS] https://learn.microsoft.com/en-us/entra/identity/app-provisioning/accidental-deletions
//!   (deletes and disables above the threshold in one cycle quarantine the job; the held
//!   actions show as `StagedDelete`); the Graph `quarantineReason` value `TooManyDeletes`
//!   (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-synchronizationquarantine).
//! - [HOW] https://learn.microsoft.com/en-us/entra/identity/app-provisioning/how-provisioning-works

/// The sources the cycle's messages cite by key, for the legend under its console summary
/// and its HTML report.
pub(crate) const SOURCES: &[(&str, &str)] = &[
    (
        "[HOW]",
        "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/how-provisioning-works",
    ),
    (
        "[LOGS]",
        "https://learn.microsoft.com/en-us/entra/identity/monitoring-health/howto-analyze-provisioning-logs",
    ),
    (
        "[QUARANTINE]",
        "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-quarantine-status",
    ),
    (
        "[DELETIONS]",
        "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/accidental-deletions",
    ),
    (
        "[DISCOVERY]",
        "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/how-to-account-discovery",
    ),
];

/// The sources `text` cites, in the order of `SOURCES`.
pub(crate) fn cited_in(text: &str) -> Vec<(&'static str, &'static str)> {
    SOURCES
        .iter()
        .copied()
        .filter(|(key, _)| text.contains(key))
        .collect()
}

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
    /// A delete or disable held back by the accidental-deletion threshold ([DELETIONS]).
    StagedDelete,
    /// A matched object Entra would update, not written: it is not this run's ([HOW] step 5).
    MatchedNotOurs,
    /// Okta's Group Push of membership changes (one PATCH).
    GroupPush,
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
            Action::StagedDelete => "StagedDelete",
            Action::MatchedNotOurs => "Update",
            Action::GroupPush => "GroupPush",
        }
    }

    /// Manager and member writes are reference updates, which Entra's escrow thresholds
    /// count apart (§5).
    pub(crate) fn is_reference(self) -> bool {
        matches!(
            self,
            Action::SetManager | Action::AddMembers | Action::RemoveMembers | Action::GroupPush
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
    /// The request the outcome was decided by (`METHOD /path?query`), when one was sent.
    pub request: Option<String>,
    /// Not sent, on purpose (held by the deletion threshold, or not this run's to write).
    pub skipped: bool,
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
            "status": match (self.error, self.skipped) {
                (Some(_), _) => "failure",
                (None, true) => "skipped",
                (None, false) => "success",
            },
            "request": self.request,
            "error_code": self.error,
            "detail": self.detail,
            "http_status": self.status,
            "requests": self.requests,
            "throttled": self.throttled,
        })
    }
}

/// The Entra provisioning-log code for a failed request: from the HTTP status and the typed
/// transport error only, never from any text. [LOGS] names the codes without statuses, so
/// `basis` says for each whether the situation is the one the docs define or a mapping
/// inferred from the code's name; a status no code is documented for is logged as such.
pub(crate) fn classify(
    status: u16,
    action: Action,
    transport: Option<crate::client::transport::TransportKind>,
) -> &'static str {
    use crate::client::transport::TransportKind as K;
    // From the kind of failure, never from its text (a host may be called `timecard`).
    if let Some(kind) = transport {
        return match kind {
            K::Timeout => "Timeout",
            K::Refused | K::Dns | K::Tls | K::Protocol => "WebExceptionProtocolError",
            K::BodyTooLarge => UNREADABLE,
            K::Credentials => "Unauthorized",
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
        400 => "(undocumented: HTTP 400)",
        404 => "(undocumented: HTTP 404)",
        _ if (400..500).contains(&status) => "(undocumented: other HTTP 4xx)",
        // A success status whose answer cannot be used (no id, no totalResults) is
        // classified by the caller as UNREADABLE.
        _ => "(undocumented: unexpected HTTP status)",
    }
}

/// What Okta makes of a failed request (okta-client.md §2.13). Okta's logs have no codes of
/// Entra's kind: the entry names the situation, and `basis` what Okta documents about it.
pub(crate) fn classify_okta(
    status: u16,
    action: Action,
    transport: Option<crate::client::transport::TransportKind>,
) -> &'static str {
    use crate::client::transport::TransportKind as K;
    match (transport, status) {
        (Some(K::Timeout), _) => OKTA_TIMEOUT,
        (Some(_), _) => "Okta: connection failure",
        (None, 409) if action == Action::Create => OKTA_409,
        (None, 429) => "Okta: 429",
        (None, 400..=499) => "Okta: HTTP 4xx",
        (None, 500..=599) => "Okta: HTTP 5xx",
        _ => "Okta: unexpected answer",
    }
}

/// The code for a create Okta's client stops on.
pub(crate) const OKTA_409: &str = "Okta: 409 on create";
/// The code for no answer within Okta's 60 s.
pub(crate) const OKTA_TIMEOUT: &str = "Okta: no answer within 60 s";

/// The code for an answer Entra cannot parse or use ([LOGS]: "unable to parse the response").
pub(crate) const UNREADABLE: &str = "SystemForCrossDomainIdentityManagementServiceIncompatible";

/// What a provisioning-log code rests on: `documented` (the situation is the one [LOGS]
/// defines the code by) or `inferred` (the mapping from an HTTP status is scimtest's), and
/// the sentence of [LOGS] it follows.
pub(crate) fn basis(code: &str) -> (&'static str, &'static str) {
    match code {
        "Timeout" => (
            "documented",
            "[LOGS] Timeout: the target application took too long to respond; retried in 40 minutes",
        ),
        "WebExceptionProtocolError" => (
            "documented",
            "[LOGS] WebExceptionProtocolError: an HTTP protocol error occurred in connecting to the target application; retried in 40 minutes",
        ),
        UNREADABLE => (
            "documented",
            "[LOGS] …ServiceIncompatible: the provisioning service is unable to parse the response",
        ),
        "DuplicateTargetEntries" => (
            "documented",
            "[LOGS] DuplicateTargetEntries: more than one user in the target was found with the matching attributes",
        ),
        "InvalidAnchor" => (
            "inferred",
            "[LOGS] InvalidAnchor: a user previously created or matched no longer exists (a 404 or an empty lookup read as that)",
        ),
        "TooManyRequests" => (
            "inferred",
            "[LOGS] TooManyRequests: the target rejected the attempt as overloaded (HTTP 429 read as that)",
        ),
        "InternalServerError" => (
            "inferred",
            "[LOGS] InternalServerError: the target returned an unexpected error; retried in 40 minutes (HTTP 5xx read as that)",
        ),
        "EntryConflict" => (
            "inferred",
            "[LOGS] Conflict, EntryConflict: conflicting attribute values (HTTP 409 read as that)",
        ),
        "Unauthorized" | "InsufficientRights" | "MethodNotAllowed" => (
            "inferred",
            "[LOGS] InsufficientRights, MethodNotAllowed, NotPermitted, Unauthorized: not authorized to perform the update (HTTP 401/403/405 read by name)",
        ),
        "UnprocessableEntity" | "NotImplemented" => (
            "inferred",
            "[LOGS] UnprocessableEntity, NotImplemented: the target returned an unexpected response (HTTP 422/501 read by name)",
        ),
        OKTA_409 => (
            "documented",
            "Okta's SCIM 2.0 reference: a 409 with the Error schema when the user exists stops the provisioning job for it; the admin retries (observed: retried about every 30 minutes)",
        ),
        OKTA_TIMEOUT => (
            "documented",
            "Okta's SCIM FAQ: the server must respond within 60 seconds",
        ),
        "Okta: 429" => (
            "observed",
            "an Okta support article: a 429 with Retry-After is retried after it (scimtest waited it out; this one persisted)",
        ),
        c if c.starts_with("Okta: ") => ("unknown", "Okta documents no handling of this failure"),
        _ => (
            "undocumented",
            "[LOGS] gives no code for this status: scimtest logs the status itself rather than guess one",
        ),
    }
}

/// A log entry that moved Entra's job towards escrow or quarantine: when it was logged, and
/// the request that decided it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Trigger {
    /// `initial` or `incremental-N`.
    pub cycle: String,
    /// Milliseconds since the cycles started.
    pub at_ms: u64,
    /// `user` or `group`, and its matching value.
    pub object: &'static str,
    /// The source object's matching value.
    pub source: String,
    /// The action as the log names it.
    pub action: &'static str,
    /// `METHOD /path?query` of the deciding request.
    pub request: Option<String>,
    /// Its HTTP status (0: no answer).
    pub status: u16,
    /// The provisioning-log code, if it failed.
    pub code: Option<&'static str>,
    /// What went wrong.
    pub detail: Option<String>,
    /// Failures logged up to and including this one.
    pub failures: usize,
}

impl Trigger {
    fn of(e: &Entry, failures: usize) -> Self {
        Trigger {
            cycle: e.cycle.clone(),
            at_ms: e.at_ms,
            object: e.object,
            source: e.source.clone(),
            action: e.action.name(),
            request: e.request.clone(),
            status: e.status,
            code: e.error,
            detail: e.detail.clone(),
            failures,
        }
    }

    /// As cycle.json shows it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "cycle": self.cycle, "at_ms": self.at_ms, "object": self.object,
            "source": self.source, "action": self.action, "request": self.request,
            "http_status": self.status, "error_code": self.code, "detail": self.detail,
            "failures_so_far": self.failures,
        })
    }

    /// One line: the request, its status and detail.
    pub(crate) fn line(&self) -> String {
        format!(
            "{} → {} ({} {}{}){}",
            self.request.as_deref().unwrap_or("(no request)"),
            if self.status == 0 {
                "no answer".to_string()
            } else {
                self.status.to_string()
            },
            self.object,
            self.source,
            self.code.map(|c| format!(", {c}")).unwrap_or_default(),
            self.detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        )
    }
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
    /// Actions not sent on purpose: matched objects that are not this run's.
    pub skipped: usize,
    /// The first of them.
    pub first_skipped: Option<Trigger>,
    /// Deletes and disables held by the deletion threshold (`StagedDelete`).
    pub staged: usize,
    /// The first of them.
    pub first_staged: Option<Trigger>,
    /// The first failure: escrow.
    pub first_failure: Option<Trigger>,
    /// The first answer saying the credentials are invalid ([QUARANTINE]).
    pub credentials: Option<Trigger>,
    /// The first matching query answered 404 instead of 200 ([QUARANTINE]).
    pub query_404: Option<Trigger>,
    /// The failure at which the escrow thresholds were first passed ([QUARANTINE]).
    pub escrow_threshold: Option<Trigger>,
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
        if e.skipped && e.action == Action::StagedDelete {
            self.staged += 1;
            self.first_staged.get_or_insert_with(|| Trigger::of(e, 0));
        } else if e.skipped {
            self.skipped += 1;
            self.first_skipped.get_or_insert_with(|| Trigger::of(e, 0));
        }
        if let Some(code) = e.error {
            self.failures += 1;
            if e.action.is_reference() {
                self.reference_failures += 1;
            }
            self.watch(e, code);
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

impl Tally {
    /// Keeps the first entry of each kind that moves the job towards escrow or quarantine.
    fn watch(&mut self, e: &Entry, code: &'static str) {
        let n = self.failures;
        self.first_failure.get_or_insert_with(|| Trigger::of(e, n));
        if code == "Unauthorized" {
            self.credentials.get_or_insert_with(|| Trigger::of(e, n));
        }
        let query = e
            .request
            .as_deref()
            .is_some_and(|r| r.starts_with("GET ") && r.contains("filter="));
        if e.status == 404 && query {
            self.query_404.get_or_insert_with(|| Trigger::of(e, n));
        }
        if self.escrow_threshold.is_none() && escrow_passed(self) {
            self.escrow_threshold = Some(Trigger::of(e, n));
        }
    }
}

/// Whether the counts pass [QUARANTINE]'s escrow thresholds: evaluated from 5,000 failures;
/// more than 40 % of events or more than 40,000 failures, reference failures left out of both;
/// or more than 60,000 failures of any kind.
pub(crate) fn escrow_passed(t: &Tally) -> bool {
    let plain = t.failures - t.reference_failures;
    t.failures > 60_000 || (t.failures >= 5_000 && (plain > 40_000 || plain * 10 > t.events * 4))
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
            request: None,
            skipped: false,
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
        // A readable 400 is not "unable to parse the response": no code is documented for it.
        let bad = classify(400, Action::Update, None);
        assert_ne!(bad, UNREADABLE);
        assert_eq!(basis(bad).0, "undocumented");
        assert_eq!(basis("Timeout").0, "documented");
        assert_eq!(basis("EntryConflict").0, "inferred");
        // Okta: a 409 on create stops the user (documented); a 5xx's handling is unknown.
        assert_eq!(classify_okta(409, Action::Create, None), OKTA_409);
        assert_eq!(basis(OKTA_409).0, "documented");
        assert_eq!(basis(classify_okta(503, Action::Update, None)).0, "unknown");
        assert_eq!(
            classify_okta(0, Action::Update, Some(TransportKind::Timeout)),
            OKTA_TIMEOUT
        );
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
}
