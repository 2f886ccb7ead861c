//! The gallery's rate requirement as a short paced burst: the Overview @3372c7e8 ("Key
//! Onboarding Requirements") and Microsoft's app-gallery requirements ask an endpoint to take
//! at least 25 requests per second; Entra's provisioning service sends at that rate. scimtest
//! sends `BURST` read-only queries, one every 40 ms (25 per second), and every answer must be a
//! 2xx: a 429 or a 5xx — even one scimtest retried after `Retry-After` — fails the case and is
//! counted in the run's throttled figure.
//!
//! Paced sends need a clock between requests, which a suite step does not have: the case is
//! listed in `suites/entra/gallery.yaml` (so filters and `--list` see it) and replayed here.

use super::http::{Http, OutRequest};
use crate::model::{Auth, Encoding, Evidence, Profile, Severity};
use crate::record::{CaseResult, CheckKind, CheckRecord, StepRecord};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The case's full name.
pub const CASE: &str = "entra-gallery::request_rate[gallery]";

/// Requests in the burst: 25 per second held for 280 ms, few enough to keep the default run
/// short (the burst is the default run's longest case).
const BURST: u32 = 8;

/// One request every 40 ms: 25 per second.
const SPACING: Duration = Duration::from_millis(40);

fn record(passed: bool, status: u16, retried: usize) -> CheckRecord {
    CheckRecord {
        what: CheckKind::Status,
        passed,
        pointer: None,
        expected: "2xx, not throttled".into(),
        actual: if retried > 0 {
            format!("{status} after {retried} throttled answer(s)")
        } else {
            status.to_string()
        },
        because: Some("the gallery requires 25 requests per second without throttling".into()),
        at: None,
        evidence: Some(Evidence::Gate),
    }
}

/// The record of the burst's `i`th request.
fn step(
    i: u32,
    got: Result<super::http::Received, (crate::record::Exchange, String)>,
) -> StepRecord {
    let (exchange, checks, error) = match got {
        Ok(r) => {
            let status = r.exchange.status;
            let retried = r.exchange.retries.len();
            let ok = (200..300).contains(&status) && retried == 0;
            (Some(r.exchange), vec![record(ok, status, retried)], None)
        }
        Err((ex, e)) => (Some(ex), Vec::new(), Some(e)),
    };
    let name = format!(
        "request {} of {BURST} at {} ms",
        i + 1,
        (SPACING * i).as_millis()
    );
    StepRecord::native(name, exchange, checks, error, Auth::Default)
}

/// Sends the burst; the result holds one step per request.
pub async fn request_rate(http: &Http, base_url: &str) -> CaseResult {
    let started = Instant::now();
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..BURST {
        let http = http.clone();
        let url = super::url::compose(
            base_url,
            "/Users",
            &[(
                "filter".into(),
                format!("userName eq \"{}\"", uuid::Uuid::new_v4()),
            )],
            Encoding::Plus,
        );
        sends.spawn(async move {
            tokio::time::sleep(SPACING * i).await;
            let req = OutRequest {
                method: reqwest::Method::GET,
                url,
                headers: vec![("Accept".into(), "application/scim+json".into())],
                body: None,
                auth: Auth::Default,
            };
            (i, http.send(req).await)
        });
    }
    let mut answers = sends.join_all().await;
    answers.sort_by_key(|(i, _)| *i);
    let steps: Vec<StepRecord> = answers.into_iter().map(|(i, got)| step(i, got)).collect();
    let (status, reason) = StepRecord::outcome(&steps);
    CaseResult {
        name: CASE.into(),
        suite: "entra-gallery".into(),
        file: PathBuf::from("<built-in>/suites/entra/gallery.yaml"),
        case: "request_rate".into(),
        profile: Profile::Gallery,
        severity: Severity::Required,
        evidence: Some(Evidence::Gate),
        source: Some("AzureAD/SCIMReferenceCode SCIM-Validation-Test-Overview.md @3372c7e8, Key Onboarding Requirements; Microsoft app-gallery user provisioning requirements (25 requests per second)".into()),
        entra: Some("The gallery requires 25 requests per second without throttling; throttled answers slow every provisioning cycle.".into()),
        description: format!("A paced burst of {BURST} read-only queries at 25 per second: every answer is a 2xx, none throttled (429 or 503 with Retry-After) and none a 5xx."),
        status,
        reason,
        steps,
        cleanup: Vec::new(),
        duration: started.elapsed(),
        known_failure: None,
    }
}
