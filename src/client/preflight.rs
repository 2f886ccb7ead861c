//! The preflight doctor: before any case runs, one probe in the shape of Entra's Test
//! Connection (`GET /Users?filter=userName eq "…"`) tells the common set-up mistakes apart —
//! no route to the host, TLS on the wrong side, a certificate the client does not trust,
//! credentials refused, a Tenant URL missing its base path, a web page instead of SCIM — and
//! stops the run with one line saying what to change. Without it, one such mistake becomes a
//! hundred failed cases that each look like a different bug.

use super::http::Http;
use super::{OutRequest, compose};
use crate::model::{Auth, Encoding};

/// What the probe found wrong, as one actionable line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis(pub String);

/// Probes the target; `Ok` when it answers the Test Connection query like a SCIM endpoint
/// (or fails in a way only the cases can explain).
///
/// The probe queries `matching`, the app's first matching attribute (`userName` by default),
/// as Entra's Test Connection does (docs/entra-behaviour.md §2.22).
pub async fn preflight(
    http: &Http,
    base_url: &str,
    has_credentials: bool,
    matching: &str,
) -> Result<(), Diagnosis> {
    let probe = format!("scimtest-preflight-{}", uuid::Uuid::new_v4().simple());
    let query = [("filter".to_string(), format!("{matching} eq \"{probe}\""))];
    let req = OutRequest {
        method: reqwest::Method::GET,
        url: compose(base_url, "/Users", &query, Encoding::Plus),
        headers: Vec::new(),
        body: None,
        auth: Auth::Default,
    };
    let shown = http.redactor().redact(base_url);
    let got = match http.send(req).await {
        Ok(r) => r,
        Err((_, e)) => return Err(Diagnosis(explain_transport(&e, &shown))),
    };
    let ex = &got.exchange;
    let probe_line = format!(
        "GET {}/Users?filter=… (the preflight probe, shaped as Entra's Test Connection)",
        shown.trim_end_matches('/')
    );
    let content_type = got
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    let html = content_type.contains("html") || ex.response_body.trim_start().starts_with('<');
    let answer = match ex.status {
        401 | 403 if !has_credentials => format!(
            "{probe_line} answered {}: the target needs credentials and none were given; set SCIM_TOKEN (or --basic-user with SCIM_BASIC_PASSWORD, or --oauth-token-url)",
            ex.status
        ),
        // A web page refusing the request comes from something in front of the app (a WAF,
        // a proxy, a firewall), not from its SCIM code checking the token.
        401 | 403 if html => blocked_in_front(&probe_line, ex.status, &content_type),

        401 | 403 => format!(
            "{probe_line} answered {}: the target refuses the credentials; check the token (SCIM_TOKEN / --token), or the Basic or OAuth settings, and that it is meant for this endpoint",
            ex.status
        ),
        // An endpoint that answers a query matching nothing with 404 (a defect Entra
        // quarantines for) still lists /Users, or — with an empty collection that 404s too —
        // answers /Users otherwise than a path that cannot exist: that is for the cases to
        // report, not a wrong base path.
        404 if lists_users(http, base_url).await => return Ok(()),
        404 if users_is_a_route(http, base_url, &got, &probe).await => return Ok(()),
        404 | 405 => format!(
            "{probe_line} answered {}: there is no SCIM /Users here; the Tenant URL must be the SCIM base that /Users hangs off (e.g. https://api.example.com/scim/v2), so check its path",
            ex.status
        ),
        200..=299 if html => format!(
            "{probe_line} answered a web page ({}), not SCIM JSON: the Tenant URL points at a web app or a login page, not the SCIM base",
            if content_type.is_empty() {
                "no Content-Type"
            } else {
                content_type.as_str()
            }
        ),
        200..=299 => match &got.json {
            Some(v) if v.get("Resources").is_some() || v.get("totalResults").is_some() => {
                return Ok(());
            }
            Some(_) => format!(
                "{probe_line} answered JSON that is not a SCIM ListResponse (no `totalResults`, no `Resources`): this does not look like a SCIM endpoint"
            ),
            None => format!(
                "{probe_line} answered {} without a JSON body: this does not look like a SCIM endpoint",
                ex.status
            ),
        },
        // 5xx, 400 and the rest: a real failure of the endpoint the cases will report.
        _ => return Ok(()),
    };
    Err(Diagnosis(answer))
}

/// A web page refusing the request comes from something in front of the app, not from its
/// SCIM code checking the token.
fn blocked_in_front(probe_line: &str, status: u16, content_type: &str) -> String {
    let ct = if content_type.is_empty() {
        "no Content-Type"
    } else {
        content_type
    };
    format!(
        "{probe_line} answered {status} with a web page ({ct}), not a SCIM error: a firewall, WAF or proxy in front of the app refused the request before it reached SCIM (Entra's requests carry no User-Agent and come from the AzureActiveDirectory service tag's addresses); check its rules — the credentials may well be right"
    )
}

/// Whether `/Users` answered its 404 otherwise than a sibling path that cannot exist does: a
/// wrong base path gives both the same page, a SCIM route its own answer (a SCIM error saying
/// nothing matched). The probe's random value is taken out before comparing.
async fn users_is_a_route(
    http: &Http,
    base_url: &str,
    users: &super::http::Received,
    probe: &str,
) -> bool {
    let nowhere = format!("/{probe}-no-such-collection");
    let req = OutRequest {
        method: reqwest::Method::GET,
        url: compose(base_url, &nowhere, &[], Encoding::Plus),
        headers: Vec::new(),
        body: None,
        auth: Auth::Default,
    };
    let Ok(other) = http.send(req).await else {
        return false;
    };
    let shape = |r: &super::http::Received| {
        let ct = r
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        let body = r
            .exchange
            .response_body
            .replace(&nowhere, "")
            .replace("/Users", "")
            .replace(probe, "");
        (r.exchange.status, ct, body)
    };
    shape(users) != shape(&other)
}

/// Whether an unfiltered `GET /Users` answers a ListResponse.
async fn lists_users(http: &Http, base_url: &str) -> bool {
    let req = OutRequest {
        method: reqwest::Method::GET,
        url: compose(
            base_url,
            "/Users",
            &[("count".into(), "1".into())],
            Encoding::Plus,
        ),
        headers: Vec::new(),
        body: None,
        auth: Auth::Default,
    };
    http.send(req).await.is_ok_and(|r| {
        r.exchange.status == 200
            && r.json
                .as_ref()
                .is_some_and(|v| v.get("Resources").is_some() || v.get("totalResults").is_some())
    })
}

/// Explaining a transport failure belongs to the transport errors (`client::transport`);
/// the preflight and its tests use it from there.
pub(crate) use super::transport::explain_transport;

#[cfg(test)]
mod tests {
    use super::explain_transport as transport;

    #[test]
    fn transport_errors_name_the_option_to_change() {
        let cases = [
            (
                "https://h:8443/scim",
                "could not connect: error sending request: received corrupt message of type InvalidContentType",
                "use http://",
            ),
            (
                "https://h/scim",
                "could not connect: invalid peer certificate: UnknownIssuer",
                "--ca-cert FILE",
            ),
            (
                "https://h/scim",
                "could not connect: invalid peer certificate: NotValidForName",
                "another host name",
            ),
            (
                "http://h:443/scim",
                "the request failed: connection closed before message completed",
                "try https://",
            ),
            (
                "http://h:1/scim",
                "could not connect: tcp connect error: Connection refused (os error 111)",
                "nothing listens at h:1",
            ),
            (
                "http://nohost.invalid/scim",
                "could not connect: dns error: failed to lookup address information",
                "does not resolve",
            ),
            (
                "http://h/scim",
                "no answer before the timeout",
                "raise --timeout",
            ),
            (
                "https://h/scim",
                "could not connect: client error (Connect): invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
                "CA:FALSE",
            ),
            (
                "http://h:8443/scim",
                "the request failed: client error (SendRequest): connection error: Connection reset by peer (os error 104)",
                "try https://",
            ),
        ];
        for (url, error, expected) in cases {
            let line = transport(error, url);
            assert!(line.contains(expected), "{error} → {line}");
        }
    }
}
