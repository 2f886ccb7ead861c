//! `scimtest sweep`: find (and with `--yes`, delete) users and groups that scimtest runs left
//! on a target — those named `scimtest-<run id>-…`. Everything else is never touched: the
//! prefix is checked on every resource the target returns, so a server that ignores the
//! filter cannot make sweep delete real data.

use super::SweepArgs;
use crate::model::{Auth, Encoding};
use crate::run::{Http, OutRequest, PREFIX, compose};
use serde_json::Value;
use std::process::ExitCode;

/// Largest page requested while listing.
const PAGE: usize = 100;

struct Found {
    path: String,
    name: String,
}

async fn get(
    http: &Http,
    base: &str,
    path: &str,
    query: &[(String, String)],
) -> Result<Value, String> {
    let req = OutRequest {
        method: reqwest::Method::GET,
        url: compose(base, path, query, Encoding::Plus),
        headers: Vec::new(),
        body: None,
        auth: Auth::Default,
    };
    let got = http.send(req).await.map_err(|(_, e)| e)?;
    if got.exchange.status != 200 {
        return Err(format!("GET {path} answered {}", got.exchange.status));
    }
    got.json
        .ok_or_else(|| format!("GET {path} did not answer JSON"))
}

/// Lists every resource of `endpoint` whose `attr` starts with `prefix`.
async fn list(
    http: &Http,
    base: &str,
    endpoint: &str,
    attr: &str,
    prefix: &str,
) -> Result<Vec<Found>, String> {
    let mut out = Vec::new();
    let mut start = 1usize;
    loop {
        let mut query = vec![
            ("filter".to_string(), format!("{attr} sw \"{prefix}\"")),
            ("startIndex".to_string(), start.to_string()),
            ("count".to_string(), PAGE.to_string()),
        ];
        if endpoint == "/Groups" {
            query.push(("excludedAttributes".to_string(), "members".to_string()));
        }
        let page = get(http, base, endpoint, &query).await?;
        let resources = page
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for r in &resources {
            let name = r.get(attr).and_then(Value::as_str).unwrap_or_default();
            let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
            // The server's filter is not trusted: check the prefix here.
            let ours = name
                .get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix));
            if ours
                && !id.is_empty()
                && !id.contains('/')
                && !out.iter().any(|f: &Found| f.path.ends_with(id))
            {
                out.push(Found {
                    path: format!("{endpoint}/{id}"),
                    name: name.to_string(),
                });
            }
        }
        let total = page
            .get("totalResults")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        if resources.is_empty() || start + resources.len() > total {
            return Ok(out);
        }
        start += resources.len();
    }
}

async fn sweep(args: &SweepArgs, http: &Http) -> Result<bool, String> {
    let prefix = match &args.run_id {
        Some(id) => format!("{PREFIX}-{id}-"),
        None => format!("{PREFIX}-"),
    };
    let groups = list(http, &args.target, "/Groups", "displayName", &prefix).await?;
    let users = list(http, &args.target, "/Users", "userName", &prefix).await?;
    if groups.is_empty() && users.is_empty() {
        println!("nothing named `{prefix}…` on the target");
        return Ok(true);
    }
    for f in groups.iter().chain(&users) {
        println!("{:<48} {}", f.path, f.name);
    }
    println!(
        "{} groups and {} users named `{prefix}…`",
        groups.len(),
        users.len()
    );
    if !args.yes {
        println!("nothing deleted; run again with --yes to delete them");
        return Ok(true);
    }
    let mut ok = true;
    // Groups first: deleting users first would make every group change.
    for f in groups.iter().chain(&users) {
        let req = OutRequest {
            method: reqwest::Method::DELETE,
            url: compose(&args.target, &f.path, &[], Encoding::Plus),
            headers: Vec::new(),
            body: None,
            auth: Auth::Default,
        };
        match http.send(req).await {
            Ok(got) if (200..300).contains(&got.exchange.status) || got.exchange.status == 404 => {
                println!("deleted {}", f.path)
            }
            Ok(got) => {
                ok = false;
                eprintln!("error: DELETE {} answered {}", f.path, got.exchange.status);
            }
            Err((_, e)) => {
                ok = false;
                eprintln!("error: DELETE {}: {e}", f.path);
            }
        }
    }
    Ok(ok)
}

/// Runs the command.
pub fn main(args: SweepArgs) -> ExitCode {
    if args
        .run_id
        .as_deref()
        .is_some_and(|id| id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        eprintln!("error: --run-id takes the 8 hex digits a run prints (`run id …`)");
        return ExitCode::from(2);
    }
    let http = match args
        .connection
        .client_options()
        .and_then(Http::with_options)
    {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if http.insecure {
        eprintln!("warning: --insecure: TLS certificates are not verified");
    }
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(sweep(&args, &http)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", http.redactor().redact(&e));
            ExitCode::from(2)
        }
    }
}
