//! Results as plain data: what the runner produces and the reporters read.
//! Nothing here holds a secret: exchanges are redacted when they are recorded.

use crate::model::{Evidence, Profile, Severity};
use std::path::PathBuf;
use std::time::Duration;

/// Outcome of a case. Failed, Errored and Skipped stay distinct up to the JUnit file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Every check held.
    Passed,
    /// A check did not hold.
    Failed,
    /// The case could not be evaluated (transport, template, guard, cleanup).
    Errored,
    /// Not run (skip reason or capability absent).
    Skipped,
}

impl Status {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Errored => "errored",
            Status::Skipped => "skipped",
        }
    }
}

/// One HTTP request and its answer, redacted.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// Method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Request headers (Authorization shown as `Bearer ***`).
    pub request_headers: Vec<(String, String)>,
    /// Request body text.
    pub request_body: Option<String>,
    /// Response status (0 when there was none).
    pub status: u16,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// Response body text (lossy UTF-8).
    pub response_body: String,
    /// Time to the full response (retries included).
    pub elapsed: Duration,
    /// Earlier attempts answered 429/503 with Retry-After and were retried: one note each.
    pub retries: Vec<String>,
}

/// What kind of assertion a check is; shown as its name (`status`, `schema User`, `equals`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckKind {
    /// The status is one of those expected.
    Status,
    /// The body parses as JSON (needed by every body check).
    BodyIsJson,
    /// The body is valid against the named JSON Schema.
    Schema(String),
    /// The body contains the expected document.
    BodyContains,
    /// A pointer template renders (it failed when this is recorded).
    Pointer,
    /// A header check on the named header.
    Header(String),
    /// `equals`.
    Equals,
    /// `equals_ignore_case`.
    EqualsIgnoreCase,
    /// `exists`.
    Exists,
    /// `absent`.
    Absent,
    /// `empty`.
    Empty,
    /// `contains`.
    Contains,
    /// `length`.
    Length,
    /// `matches`.
    Matches,
    /// `discoverable` in the named schema.
    Discoverable(String),
    /// `one_of`.
    OneOf,
    /// A capture a later step needs: its name and where it is read.
    Capture {
        /// The capture's name.
        name: String,
        /// `body /pointer` or `header Name`.
        from: String,
    },
    /// The created resource is proved this case's before anything writes to it.
    Ownership,
    /// The answer arrived within a time limit.
    ResponseTime,
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckKind::Status => f.write_str("status"),
            CheckKind::BodyIsJson => f.write_str("body is JSON"),
            CheckKind::Schema(name) => write!(f, "schema {name}"),
            CheckKind::BodyContains => f.write_str("body contains"),
            CheckKind::Pointer => f.write_str("pointer"),
            CheckKind::Header(name) => write!(f, "header {name}"),
            CheckKind::Equals => f.write_str("equals"),
            CheckKind::EqualsIgnoreCase => f.write_str("equals ignoring case"),
            CheckKind::Exists => f.write_str("exists"),
            CheckKind::Absent => f.write_str("absent"),
            CheckKind::Empty => f.write_str("empty"),
            CheckKind::Contains => f.write_str("contains"),
            CheckKind::Length => f.write_str("length"),
            CheckKind::Matches => f.write_str("matches"),
            CheckKind::Discoverable(schema) => write!(f, "discoverable in {schema}"),
            CheckKind::OneOf => f.write_str("one of"),
            CheckKind::Capture { name, from } => write!(f, "capture `{name}` from {from}"),
            CheckKind::Ownership => f.write_str("the created resource is this case's"),
            CheckKind::ResponseTime => f.write_str("response time"),
        }
    }
}

/// One evaluated assertion.
#[derive(Debug, Clone)]
pub struct CheckRecord {
    /// What was checked.
    pub what: CheckKind,
    /// Whether it held.
    pub passed: bool,
    /// JSON pointer, when the check is about a place in the body.
    pub pointer: Option<String>,
    /// Expected value (display form).
    pub expected: String,
    /// Actual value (display form).
    pub actual: String,
    /// Why the check matters.
    pub because: Option<String>,
    /// Line and column, in the case's suite file, of the check that produced this record.
    pub at: Option<(u32, u32)>,
    /// What the check rests on (its own grade, else its step's, else its case's).
    pub evidence: Option<Evidence>,
}

impl CheckRecord {
    /// `what[ at pointer]: expected E, got A` — the one wording of a failed check.
    pub fn describe(&self) -> String {
        let at = self
            .pointer
            .as_deref()
            .map(|p| format!(" at {p}"))
            .unwrap_or_default();
        format!(
            "{}{at}: expected {}, got {}",
            self.what, self.expected, self.actual
        )
    }
}

/// One executed step.
#[derive(Debug, Clone)]
pub struct StepRecord {
    /// Step name.
    pub name: String,
    /// The exchange, when a request was sent.
    pub exchange: Option<Exchange>,
    /// Every assertion evaluated.
    pub checks: Vec<CheckRecord>,
    /// Why the step could not be evaluated, if it could not.
    pub error: Option<String>,
    /// A curl command reproducing the request (token as `$SCIM_TOKEN`).
    pub curl: Option<String>,
    /// Reads scimtest sent after a create to prove the resource is this run's before it
    /// writes to it (see `run::journal`).
    pub ownership: Vec<Exchange>,
    /// What the profile's client (Entra, or Okta for Okta's profiles) would do because this
    /// step failed, when the step says (else the case's).
    pub entra: Option<String>,
    /// Whether the step only prepared the case (its failure blocks the case).
    pub setup: bool,
    /// A set-up step whose checks failed while what the case needs held (the resource exists
    /// and its id works): the finding is reported once, as its own root cause, and the case
    /// went on to its subject.
    pub finding: bool,
    /// Which credentials the request carried (the run's, none, or a made-up token).
    pub auth: crate::model::Auth,
}

impl StepRecord {
    /// A step of a case the runner replays natively (not from a suite file): not set-up, no
    /// reproduction line, no ownership reads, no step-level consequence.
    pub fn native(
        name: String,
        exchange: Option<Exchange>,
        checks: Vec<CheckRecord>,
        error: Option<String>,
        auth: crate::model::Auth,
    ) -> StepRecord {
        StepRecord {
            name,
            exchange,
            checks,
            error,
            curl: None,
            ownership: Vec::new(),
            entra: None,
            setup: false,
            finding: false,
            auth,
        }
    }

    /// The outcome of a natively replayed case from its steps: errored at the first step that
    /// could not be evaluated, failed at the first failed check, else passed, with the reason.
    pub fn outcome(steps: &[StepRecord]) -> (Status, Option<String>) {
        match steps.iter().find(|s| s.error.is_some() || s.failed()) {
            None => (Status::Passed, None),
            Some(s) if s.error.is_some() => (Status::Errored, s.error.clone()),
            Some(s) => (
                Status::Failed,
                s.checks
                    .iter()
                    .find(|c| !c.passed)
                    .map(|c| format!("step `{}`: {}", s.name, c.describe())),
            ),
        }
    }

    /// Whether any assertion failed.
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| !c.passed)
    }
}

/// One cleanup request.
#[derive(Debug, Clone)]
pub struct CleanupRecord {
    /// Path deleted.
    pub path: String,
    /// Status received (0 on transport error).
    pub status: u16,
    /// Whether the resource is gone (2xx or 404).
    pub ok: bool,
    /// Detail on failure.
    pub detail: Option<String>,
    /// The DELETE exchange, when one was sent.
    pub exchange: Option<Exchange>,
    /// Reads that confirmed the resource is gone (or found it again), when the DELETE's answer
    /// was not conclusive.
    pub reads: Vec<Exchange>,
}

/// The result of one planned case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// Full test path `SUITE::CASE[PROFILE]`.
    pub name: String,
    /// Suite name.
    pub suite: String,
    /// Suite file.
    pub file: PathBuf,
    /// Case name.
    pub case: String,
    /// Profile.
    pub profile: Profile,
    /// Severity.
    pub severity: Severity,
    /// What the case's requirement rests on.
    pub evidence: Option<Evidence>,
    /// Where that evidence is.
    pub source: Option<String>,
    /// The consequence in the terms of the profile's client: Entra's, or Okta's for Okta's
    /// profiles (`CaseResult::client`).
    pub entra: Option<String>,
    /// Case description.
    pub description: String,
    /// Outcome.
    pub status: Status,
    /// One-line reason for a non-pass.
    pub reason: Option<String>,
    /// Steps executed.
    pub steps: Vec<StepRecord>,
    /// Cleanup performed.
    pub cleanup: Vec<CleanupRecord>,
    /// Wall time.
    pub duration: Duration,
    /// The baseline's reason, when this failure is a known one (it does not fail the run).
    pub known_failure: Option<String>,
}

impl CaseResult {
    /// Every exchange of the case in the order sent: steps (with their ownership reads), then
    /// cleanup (with its confirming reads).
    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.steps
            .iter()
            .flat_map(|s| s.exchange.iter().chain(&s.ownership))
            .chain(
                self.cleanup
                    .iter()
                    .flat_map(|c| c.exchange.iter().chain(&c.reads)),
            )
    }

    /// The step that failed or errored first, if any; set-up findings the case went on
    /// past are not its failure.
    pub(crate) fn failing_step(&self) -> Option<&StepRecord> {
        self.steps
            .iter()
            .find(|s| !s.finding && (s.error.is_some() || s.failed()))
    }

    /// Set-up steps whose checks failed without stopping the case (each reported once, as
    /// its own root cause).
    pub fn findings(&self) -> impl Iterator<Item = &StepRecord> {
        self.steps.iter().filter(|s| s.finding)
    }

    /// Whether this case fails the run: a required case that failed or errored and is not a
    /// baselined known failure (the exit-code rule, and what JUnit marks red).
    pub(crate) fn fails_run(&self) -> bool {
        self.severity == Severity::Required
            && self.known_failure.is_none()
            && matches!(self.status, Status::Failed | Status::Errored)
    }

    /// The set-up step whose failure blocked the case, if that is how it failed: the case's
    /// own subject was never tested.
    pub(crate) fn blocked_by(&self) -> Option<&StepRecord> {
        self.failing_step().filter(|s| s.setup)
    }

    /// The client whose consequence `entra` and `consequence()` give, for labels in reports.
    pub fn client(&self) -> crate::model::Client {
        self.profile.client()
    }

    /// What the client would do because of this case's failure: the failing step's consequence,
    /// or the case's when the failing step is the case's own subject. A case blocked by its
    /// set-up never tested its subject, so it has none of its own: its root cause says what
    /// goes wrong.
    pub fn consequence(&self) -> Option<&str> {
        let step = self.failing_step();
        if step.is_some_and(|s| s.setup) {
            return None;
        }
        step.and_then(|s| s.entra.as_deref())
            .or(self.entra.as_deref())
    }
}

/// Everything a run produced.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    /// Run id embedded in test data.
    pub run_id: String,
    /// When the run started (RFC 3339, UTC).
    pub started: String,
    /// Target base URL.
    pub target: String,
    /// Results, in plan order.
    pub cases: Vec<CaseResult>,
    /// Wall time of the whole run.
    pub duration: Duration,
    /// Whether SIGINT/SIGTERM stopped the run.
    pub interrupted: bool,
    /// Whether TLS certificates were verified (false with `--insecure`).
    pub tls_verified: bool,
    /// Baseline entries whose case now passes: the baseline should drop them.
    pub stale_baseline: Vec<String>,
    /// Resources this run created that may still be on the target, one line each.
    pub leftovers: Vec<String>,
    /// The command that removes them (set when `leftovers` is not empty).
    pub sweep_command: Option<String>,
    /// Where the reproduction scripts of failing cases were written (`<dir>/<case>.sh`).
    pub repro_dir: Option<std::path::PathBuf>,
    /// What the target publishes that contradicts the declared capabilities or mapping.
    pub contradictions: Vec<String>,
}

impl RunRecord {
    /// HTTP requests sent by the cases, ownership reads and cleanup included.
    pub fn requests(&self) -> usize {
        self.cases.iter().map(|c| c.exchanges().count()).sum()
    }

    /// Answers the target throttled (429 or 503 with Retry-After) that were retried. Entra
    /// retries them too, but every one is reported: the gallery requires 25 requests per
    /// second without throttling.
    pub fn throttled(&self) -> usize {
        self.cases
            .iter()
            .flat_map(CaseResult::exchanges)
            .flat_map(|e| &e.retries)
            .filter(|r| r.starts_with("429") || r.starts_with("503"))
            .count()
    }

    /// Whether a required case failed or errored (the exit-code rule).
    pub(crate) fn required_failed(&self) -> bool {
        self.cases.iter().any(CaseResult::fails_run)
    }
}
