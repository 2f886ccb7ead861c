//! `scimtest sweep`: find (and with `--yes`, delete) users and groups that scimtest runs left
//! on a target — those named `scimtest-<run id>-…`, or those a run's `journal.jsonl` lists.
//!
//! Nothing the target says is trusted: listings are paged defensively (a page that brings no
//! new id, a page cap and a time limit end the listing), every name is checked here, and each
//! resource is read back by its own id — its name must still carry the prefix — just before it
//! is deleted. A listing that returns resources the filter should have excluded is reported:
//! the target's filters are unreliable.

use super::SweepArgs;
use super::error::{Error, Exit};
use crate::model::{Auth, Encoding};
use crate::run::journal::{Recorded, read_file};
use crate::run::{Http, OutRequest, PREFIX, check_id, compose, encode_segment};
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Largest page requested while listing.
const PAGE: usize = 100;
/// Most pages read from one collection.
const MAX_PAGES: usize = 1000;
/// Longest a listing may take.
const LIST_TIME: Duration = Duration::from_secs(300);

/// One resource to delete.
struct Found {
    collection: &'static str,
    id: String,
    name: String,
}

fn collection(name: &str) -> Option<(&'static str, &'static str)> {
    if name.eq_ignore_ascii_case("/Users") {
        Some(("/Users", "userName"))
    } else if name.eq_ignore_ascii_case("/Groups") {
        Some(("/Groups", "displayName"))
    } else {
        None
    }
}

async fn get(
    http: &Http,
    base: &str,
    path: &str,
    query: &[(String, String)],
) -> Result<(u16, Option<Value>), String> {
    let req = OutRequest {
        method: reqwest::Method::GET,
        url: compose(base, path, query, Encoding::Plus),
        headers: Vec::new(),
        body: None,
        auth: Auth::Default,
    };
    let got = http.send(req).await.map_err(|(_, e)| e)?;
    Ok((got.exchange.status, got.json))
}

fn id_of(r: &Value) -> Option<String> {
    match r.get("id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn carries(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// Lists every resource of `endpoint` whose `attr` starts with `prefix`.
async fn list(
    http: &Http,
    base: &str,
    (endpoint, attr): (&'static str, &'static str),
    prefix: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Found>, String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    // Every id any page brought, ours or not: a page that brings none is a repeat.
    let mut seen_any: HashSet<String> = HashSet::new();
    let mut start = 1usize;
    let mut foreign = 0usize;
    let began = Instant::now();
    for page_no in 1.. {
        if page_no > MAX_PAGES {
            notes.push(format!(
                "{endpoint}: stopped after {MAX_PAGES} pages; run sweep again for the rest"
            ));
            break;
        }
        if began.elapsed() > LIST_TIME {
            notes.push(format!(
                "{endpoint}: stopped listing after {} s; run sweep again for the rest",
                LIST_TIME.as_secs()
            ));
            break;
        }
        let mut query = vec![
            ("filter".to_string(), format!("{attr} sw \"{prefix}\"")),
            ("startIndex".to_string(), start.to_string()),
            ("count".to_string(), PAGE.to_string()),
        ];
        if endpoint == "/Groups" {
            query.insert(0, ("excludedAttributes".to_string(), "members".to_string()));
        }
        let (status, page) = get(http, base, endpoint, &query).await?;
        if status != 200 {
            return Err(format!("GET {endpoint} answered {status}"));
        }
        let page = page.ok_or_else(|| format!("GET {endpoint} did not answer JSON"))?;
        let resources = page
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut new = 0;
        for r in &resources {
            let name = r.get(attr).and_then(Value::as_str).unwrap_or_default();
            let Some(id) = id_of(r) else { continue };
            if seen_any.insert(id.clone()) {
                new += 1;
            }
            if !carries(name, prefix) {
                foreign += 1;
                continue;
            }
            if let Err(e) = check_id(&id) {
                notes.push(format!("{endpoint}: `{name}` cannot be deleted: {e}"));
                continue;
            }
            if seen.insert(id.clone()) {
                out.push(Found {
                    collection: endpoint,
                    id,
                    name: name.to_string(),
                });
            }
        }
        if !resources.is_empty() && new == 0 {
            notes.push(format!(
                "{endpoint}: the target answered the same page again (it ignores startIndex?); listing stopped there, so some resources may not be listed"
            ));
            break;
        }
        let total = page
            .get("totalResults")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        if resources.is_empty() || start + resources.len() > total {
            break;
        }
        start += resources.len();
    }
    if foreign > 0 {
        notes.push(format!(
            "{endpoint}: the target's filter `{attr} sw \"{prefix}\"` returned {foreign} resources not named so: its filters are unreliable. Sweep checked every name itself and leaves those alone"
        ));
    }
    Ok(out)
}

/// The resources a journal file lists, each found by its id or, failing that, by its identity.
async fn from_journal(
    http: &Http,
    base: &str,
    recorded: Vec<Recorded>,
    prefix: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Found>, String> {
    let mut out: Vec<Found> = Vec::new();
    for r in recorded {
        let Some((coll, attr)) = collection(&r.collection) else {
            notes.push(format!(
                "{}: not a collection sweep knows (Users, Groups)",
                r.collection
            ));
            continue;
        };
        let Some((_, value)) = r
            .identity
            .iter()
            .find(|(p, _)| p.trim_start_matches('/') == attr)
        else {
            notes.push(format!(
                "{coll} {:?}: the journal holds no {attr} to confirm it by",
                r.id
            ));
            continue;
        };
        if !carries(value, prefix) {
            continue;
        }
        let query = vec![("filter".to_string(), format!("{attr} eq \"{value}\""))];
        let (status, page) = get(http, base, coll, &query).await?;
        let mut ids: Vec<String> = Vec::new();
        if status == 200 {
            for res in page
                .as_ref()
                .and_then(|p| p.get("Resources"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = res.get(attr).and_then(Value::as_str).unwrap_or_default();
                if name.eq_ignore_ascii_case(value)
                    && let Some(id) = id_of(res)
                {
                    ids.push(id);
                }
            }
        }
        if ids.is_empty()
            && let Some(id) = &r.id
        {
            ids.push(id.clone());
        }
        for id in ids {
            if check_id(&id).is_ok() && !out.iter().any(|f| f.collection == coll && f.id == id) {
                out.push(Found {
                    collection: coll,
                    id,
                    name: value.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Reads the resource by its own id: it must still carry `prefix` in its name.
async fn confirm(http: &Http, base: &str, f: &Found, prefix: &str) -> Result<(), String> {
    let (_, attr) = collection(f.collection).expect("sweep lists only Users and Groups");
    let path = format!("{}/{}", f.collection, encode_segment(&f.id));
    let (status, body) = get(http, base, &path, &[]).await?;
    if status == 404 {
        return Err("already gone".into());
    }
    if status != 200 {
        return Err(format!("GET {path} answered {status}"));
    }
    let name = body
        .as_ref()
        .and_then(|b| b.get(attr))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if carries(name, prefix) {
        Ok(())
    } else {
        Err(format!(
            "GET {path} shows {attr} {name:?}, not `{prefix}…`: the listing named another resource"
        ))
    }
}

async fn sweep(args: &SweepArgs, http: &Http) -> Result<bool, String> {
    let prefix = match &args.run_id {
        Some(id) => format!("{PREFIX}-{id}-"),
        None => format!("{PREFIX}-"),
    };
    let mut notes = Vec::new();
    let mut found = Vec::new();
    if let Some(journal) = &args.journal {
        let recorded = read_file(journal)?;
        found.extend(from_journal(http, &args.target, recorded, &prefix, &mut notes).await?);
    }
    if args.journal.is_none() || args.run_id.is_some() {
        for coll in [("/Groups", "displayName"), ("/Users", "userName")] {
            for f in list(http, &args.target, coll, &prefix, &mut notes).await? {
                if !found
                    .iter()
                    .any(|g| g.collection == f.collection && g.id == f.id)
                {
                    found.push(f);
                }
            }
        }
    }
    // Groups first: deleting users first would make every group change.
    found.sort_by_key(|f| f.collection != "/Groups");
    for n in &notes {
        eprintln!("note: {n}");
    }
    if found.is_empty() {
        super::say!("nothing named `{prefix}…` on the target");
        return Ok(true);
    }
    for f in &found {
        super::say!(
            "{:<48} {}",
            format!("{}/{}", f.collection, f.id),
            crate::report::terminal_safe(&f.name)
        );
    }
    let groups = found.iter().filter(|f| f.collection == "/Groups").count();
    super::say!(
        "{groups} groups and {} users named `{prefix}…`",
        found.len() - groups
    );
    if !args.yes {
        super::say!("nothing deleted; run again with --yes to delete them");
        return Ok(true);
    }
    let mut ok = true;
    for f in &found {
        let path = format!("{}/{}", f.collection, encode_segment(&f.id));
        match confirm(http, &args.target, f, &prefix).await {
            Ok(()) => {}
            Err(e) if e == "already gone" => {
                super::say!("gone already {path}");
                continue;
            }
            Err(e) => {
                eprintln!("warning: not deleting {path}: {e}");
                continue;
            }
        }
        let req = OutRequest {
            method: reqwest::Method::DELETE,
            url: compose(&args.target, &path, &[], Encoding::Plus),
            headers: Vec::new(),
            body: None,
            auth: Auth::Default,
        };
        match http.send(req).await {
            Ok(got) if (200..300).contains(&got.exchange.status) || got.exchange.status == 404 => {
                super::say!("deleted {path}")
            }
            Ok(got) => {
                ok = false;
                eprintln!("error: DELETE {path} answered {}", got.exchange.status);
            }
            Err((_, e)) => {
                ok = false;
                eprintln!("error: DELETE {path}: {e}");
            }
        }
    }
    Ok(ok)
}

/// Runs the command.
pub(super) fn main(args: SweepArgs) -> Result<Exit, Error> {
    if args
        .run_id
        .as_deref()
        .is_some_and(|id| id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(Error::Usage(
            "--run-id takes the 8 hex digits a run prints (`run id …`)".into(),
        ));
    }
    super::target::check(&args.target)?;
    let http = args
        .connection
        .client_options()
        .and_then(Http::with_options)
        .map_err(Error::Usage)?;
    if http.insecure {
        eprintln!("warning: --insecure: TLS certificates are not verified");
    }
    let rt = super::runtime()?;
    match rt.block_on(sweep(&args, &http)) {
        Ok(clean) => Ok(Exit::failed_if(!clean)),
        Err(e) => Err(Error::Target(crate::report::terminal_safe(
            &http.redactor().redact(&e),
        ))),
    }
}
