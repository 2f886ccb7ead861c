//! Validate_Credentials_Test of Microsoft's gallery validation (`SCIMTests_Workflow.json`
//! @36451beb: `Acquire_OAuth2_Token`, `Check_Token_Validity_Range`, then the SCIM call), replayed
//! with the run's OAuth client credentials: a client-credentials form POST carrying the
//! credentials in the body (`client_secret_post`, whatever `--oauth-auth-method` says: the
//! workflow sends them so), a token lifetime (`expires_in`, 3600 s when absent) of 60 to 360
//! minutes, then `GET /Users?startIndex=1&count=1` with that token, answered 2xx.
//!
//! It runs here rather than from a suite file because its first request goes to the token
//! endpoint, outside the target's base URL. The case is listed in `suites/entra/gallery.yaml`
//! so that filters and `--list` see it; the runner swaps this replay in.

use super::auth::OAuth;
use super::http::{Http, OutRequest};
use crate::model::{Auth, Encoding, Evidence, Profile, Severity};
use crate::record::{CaseResult, CheckKind, CheckRecord, Exchange, Status, StepRecord};
use std::path::PathBuf;
use std::time::Instant;

/// The case's full name.
pub const CASE: &str = "entra-gallery::validate_credentials[gallery]";

/// Shortest and longest token lifetime the gate accepts, in minutes (`Check_Token_Validity_Range`).
const LIFETIME_MINUTES: std::ops::RangeInclusive<u64> = 60..=360;

fn check(
    what: CheckKind,
    passed: bool,
    pointer: Option<&str>,
    expected: &str,
    actual: String,
) -> CheckRecord {
    CheckRecord {
        what,
        passed,
        pointer: pointer.map(str::to_string),
        expected: expected.to_string(),
        actual,
        because: None,
        at: None,
        evidence: Some(Evidence::Gate),
    }
}

fn step(
    name: &str,
    exchange: Option<Exchange>,
    checks: Vec<CheckRecord>,
    error: Option<String>,
) -> StepRecord {
    StepRecord::native(name.to_string(), exchange, checks, error, Auth::None)
}

fn form(o: &OAuth) -> String {
    let mut pairs = vec![
        ("grant_type", "client_credentials"),
        ("client_id", o.client_id.as_str()),
        ("client_secret", o.client_secret.as_str()),
    ];
    if let Some(scope) = &o.scope {
        pairs.push(("scope", scope.as_str()));
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", super::url::encode_component(v, Encoding::Plus)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The token request and its checks; the access token when the checks hold.
async fn token(http: &Http, o: &OAuth) -> (StepRecord, Option<String>) {
    let name = "Acquire_OAuth2_Token: POST the client credentials to the token endpoint";
    let req = OutRequest {
        method: reqwest::Method::POST,
        url: o.token_url.clone(),
        headers: vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: Some(form(o).into_bytes()),
        auth: Auth::None,
    };
    let mut got = match http.send(req).await {
        Ok(got) => got,
        Err((ex, e)) => return (step(name, Some(ex), Vec::new(), Some(e)), None),
    };
    let status = got.exchange.status;
    let token = got
        .json
        .as_ref()
        .and_then(|j| j.get("access_token"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if let Some(t) = &token {
        // The token is a secret from now on, in this answer too.
        http.redactor().add(t.clone());
        got.exchange.response_body = http.redactor().redact(&got.exchange.response_body);
    }
    let lifetime = got.json.as_ref().and_then(|j| j.get("expires_in"));
    let seconds = match lifetime {
        None => Some(3600),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())),
    };
    let minutes_ok = seconds.is_some_and(|s| LIFETIME_MINUTES.contains(&(s / 60)));
    let checks = vec![
        check(
            CheckKind::Status,
            (200..300).contains(&status),
            None,
            "2xx",
            status.to_string(),
        ),
        check(
            CheckKind::Exists,
            token.is_some(),
            Some("/access_token"),
            "present",
            if token.is_some() {
                "present".into()
            } else {
                "absent".into()
            },
        ),
        check(
            CheckKind::Matches,
            minutes_ok,
            Some("/expires_in"),
            "60 to 360 minutes (3600 to 21659 s; 3600 s when absent)",
            lifetime.map_or_else(|| "absent".into(), |v| v.to_string()),
        ),
    ];
    let ok = checks.iter().all(|c| c.passed);
    (
        step(name, Some(got.exchange), checks, None),
        token.filter(|_| ok),
    )
}

/// The SCIM call with the acquired token.
async fn scim_call(http: &Http, base_url: &str, token: &str) -> StepRecord {
    let name = "GET /Users?startIndex=1&count=1 with the acquired token";
    let req = OutRequest {
        method: reqwest::Method::GET,
        url: super::url::compose(
            base_url,
            "/Users",
            &[
                ("startIndex".into(), "1".into()),
                ("count".into(), "1".into()),
            ],
            Encoding::Plus,
        ),
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("Accept".into(), "application/scim+json".into()),
        ],
        body: None,
        auth: Auth::None,
    };
    match http.send(req).await {
        Ok(got) => {
            let status = got.exchange.status;
            let checks = vec![check(
                CheckKind::Status,
                (200..300).contains(&status),
                None,
                "2xx",
                status.to_string(),
            )];
            step(name, Some(got.exchange), checks, None)
        }
        Err((ex, e)) => step(name, Some(ex), Vec::new(), Some(e)),
    }
}

fn result(
    status: Status,
    reason: Option<String>,
    steps: Vec<StepRecord>,
    started: Instant,
) -> CaseResult {
    CaseResult {
        name: CASE.to_string(),
        suite: "entra-gallery".into(),
        file: PathBuf::from("<built-in>/suites/entra/gallery.yaml"),
        case: "validate_credentials".into(),
        profile: Profile::Gallery,
        severity: Severity::Required,
        evidence: Some(Evidence::Gate),
        source: Some("AzureAD/SCIMReferenceCode SCIMTests_Workflow.json @36451beb: Acquire_OAuth2_Token, Check_Token_Validity_Range; Orchestrator_Workflow.json @3372c7e8 Evaluate_Test_Results".into()),
        entra: Some("The gallery validation's Validate_Credentials_Test fails; without it (or Federated_Identity_Test) the overall result is Failed.".into()),
        description: "Validate_Credentials_Test (mandatory, one of the two authentication tests; SCIMTests @36451beb `Acquire_OAuth2_Token`, `Check_Token_Validity_Range`): a client-credentials form POST with the credentials in the body, a token lifetime of 60 to 360 minutes, then GET /Users?startIndex=1&count=1 with the token answers 2xx.".into(),
        status,
        reason,
        steps,
        cleanup: Vec::new(),
        duration: started.elapsed(),
        known_failure: None,
    }
}

/// Replays the test with `oauth`, or reports it skipped (as the gate does) when the run has
/// no OAuth client credentials.
pub async fn validate_credentials(
    http: &Http,
    base_url: &str,
    oauth: Option<&OAuth>,
) -> CaseResult {
    let started = Instant::now();
    let Some(o) = oauth else {
        return result(
            Status::Skipped,
            Some("no OAuth client credentials (--oauth-token-url): the gate reports Validate_Credentials_Test SKIPPED for a static bearer token".into()),
            Vec::new(),
            started,
        );
    };
    let (first, token) = token(http, o).await;
    let mut steps = vec![first];
    if let Some(t) = token {
        steps.push(scim_call(http, base_url, &t).await);
    }
    let (status, reason) = StepRecord::outcome(&steps);
    result(status, reason, steps, started)
}
