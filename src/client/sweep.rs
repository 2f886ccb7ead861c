//! `scimtest sweep`: list users and groups that scimtest runs may have left on a target (those
//! named `scimtest-<run id>-…`), and with `--yes --journal FILE` delete what a run's journal
//! proves that run created.
//!
//! Only a journal line signed with this machine's key (`client::machine`) is proof: a name is
//! not (anyone can name a user `scimtest-…`), nor is a journal edited or written elsewhere.
//! Nothing the target says is trusted: listings are paged defensively (a page that brings no
//! new id, a page cap and a time limit end the listing), each resource is read back by its own
//! id just before it is deleted (its name must be exactly the journaled one), and each delete
//! is verified by reading back by id and by name (`client::cleanup`). A listing that returns
//! resources the filter should have excluded, or a filter that misses a resource that exists,
//! is reported: the target's filters cannot be trusted.

use crate::client::cleanup::{self, Answer, Target};
use crate::client::error::SweepError;
use crate::model::{Auth, Encoding};
use crate::redact::Redactor;
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

/// What a sweep is asked to do.
#[derive(Debug, Clone)]
pub(crate) struct SweepArgs {
    /// The target's base URL.
    pub target: String,
    /// The run whose resources to list (all `scimtest-…` without).
    pub run_id: Option<String>,
    /// The journal whose signed entries may be deleted.
    pub journal: Option<std::path::PathBuf>,
    /// Delete (else only list).
    pub yes: bool,
}

/// A line for the user: the command prints it (the core never prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Said {
    /// What was found and done (stdout).
    Out(String),
    /// Notes, warnings and errors (stderr).
    Err(String),
}

/// Where the lines go.
pub(crate) type Tell<'a> = &'a mut dyn FnMut(Said);

macro_rules! say {
    ($tell:expr, $($arg:tt)*) => {
        $tell(Said::Out(format!($($arg)*)))
    };
}

macro_rules! say_err {
    ($tell:expr, $($arg:tt)*) => {
        $tell(Said::Err(format!($($arg)*)))
    };
}

/// Longest name kept and shown (characters): a server's huge names cost nothing.
const NAME_SHOWN: usize = 200;

/// One resource found.
struct Found {
    collection: &'static str,
    id: String,
    name: String,
}

/// `name` as it may be shown: secrets masked, no terminal escapes, cut to `NAME_SHOWN`.
fn shown(r: &Redactor, name: &str) -> String {
    let cut: String = name.chars().take(NAME_SHOWN).collect();
    let more = if cut.len() < name.len() { "…" } else { "" };
    crate::report::terminal_safe(&r.redact(&cut)) + more
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
) -> Result<(u16, Option<Value>), SweepError> {
    let a = send(http, reqwest::Method::GET, base, path, query).await;
    match a.transport {
        Some(t) => Err(SweepError::Transport(t)),
        None => Ok((a.status, a.json)),
    }
}

/// Sends one request; what it got, as the cleanup rules read it.
async fn send(
    http: &Http,
    method: reqwest::Method,
    base: &str,
    path: &str,
    query: &[(String, String)],
) -> Answer {
    let req = OutRequest {
        method,
        url: compose(base, path, query, Encoding::Plus),
        headers: Vec::new(),
        body: None,
        auth: Auth::Default,
    };
    match http.send(req).await {
        Ok(got) => Answer {
            status: got.exchange.status,
            json: got.json,
            transport: None,
        },
        Err((_, e)) => Answer {
            transport: Some(e),
            ..Answer::default()
        },
    }
}

fn hash(id: &str) -> u64 {
    use std::hash::{BuildHasher as _, RandomState};
    static STATE: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    STATE.get_or_init(RandomState::new).hash_one(id)
}

fn id_of(r: &Value) -> Option<String> {
    cleanup::id_text(r)
}

fn carries(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// One page of the listing by `attr sw "prefix"` from `start`.
async fn fetch_page(
    http: &Http,
    base: &str,
    (endpoint, attr): (&'static str, &'static str),
    prefix: &str,
    start: usize,
) -> Result<Value, SweepError> {
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
        return Err(SweepError::Status {
            what: endpoint.to_string(),
            status,
        });
    }
    page.ok_or_else(|| SweepError::NotJson(endpoint.to_string()))
}

/// A listed resource named with the prefix, when its id can be addressed (else a note).
fn found(endpoint: &'static str, id: String, name: &str, notes: &mut Vec<String>) -> Option<Found> {
    let name: String = name.chars().take(NAME_SHOWN + 1).collect();
    if let Err(e) = check_id(&id) {
        notes.push(format!("{endpoint}: `{name}` cannot be deleted: {e}"));
        return None;
    }
    Some(Found {
        collection: endpoint,
        id,
        name,
    })
}

/// Lists every resource of `endpoint` whose `attr` starts with `prefix`.
async fn list(
    http: &Http,
    base: &str,
    (endpoint, attr): (&'static str, &'static str),
    prefix: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Found>, SweepError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    // Every id any page brought, ours or not: a page that brings none is a repeat.
    // Hashes, not the ids: a server's huge ids cost nothing to remember.
    let mut seen_any: HashSet<u64> = HashSet::new();
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
        let page = fetch_page(http, base, (endpoint, attr), prefix, start).await?;
        let resources = page
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut new = 0;
        for r in &resources {
            let name = r.get(attr).and_then(Value::as_str).unwrap_or_default();
            let Some(id) = id_of(r) else { continue };
            if seen_any.insert(hash(&id)) {
                new += 1;
            }
            if !carries(name, prefix) {
                foreign += 1;
                continue;
            }
            if let Some(f) = found(endpoint, id, name, notes)
                && seen.insert(f.id.clone())
            {
                out.push(f);
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

/// The resources a journal file proves a run of this machine created: signed entries only,
/// each found by its id and by its name (exactly the journaled name).
async fn from_journal(
    http: &Http,
    base: &str,
    recorded: Vec<Recorded>,
    prefix: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Found>, SweepError> {
    let mut out: Vec<Found> = Vec::new();
    let unsigned = recorded.iter().filter(|r| !r.signed).count();
    if unsigned > 0 {
        notes.push(format!(
            "{unsigned} journal entries do not carry this machine's signature (edited, or written by another machine or user): sweep deletes nothing they name"
        ));
    }
    for r in recorded.into_iter().filter(|r| r.signed) {
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
        for id in locate(http, base, (coll, attr), value, r.id.as_deref(), notes).await? {
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

/// The ids under which `name` is found: by the query on its name, and by the journaled id
/// when reading it back shows that name. A resource the id finds but the query misses means
/// the target's filters cannot be trusted: said in `notes`.
async fn locate(
    http: &Http,
    base: &str,
    (coll, attr): (&'static str, &'static str),
    name: &str,
    journaled: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Vec<String>, SweepError> {
    let t = Target { id: "", attr, name };
    let query = vec![("filter".to_string(), cleanup::name_filter(t))];
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
            let n = res.get(attr).and_then(Value::as_str).unwrap_or_default();
            if n.eq_ignore_ascii_case(name)
                && let Some(id) = id_of(res)
            {
                ids.push(id);
            }
        }
    }
    if let Some(id) = journaled.filter(|i| !ids.iter().any(|x| x == i) && check_id(i).is_ok()) {
        let path = format!("{coll}/{}", encode_segment(id));
        let (s, body) = get(http, base, &path, &[]).await?;
        let named = body
            .as_ref()
            .and_then(|b| b.get(attr))
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case(name));
        if s == 200 && named {
            ids.push(id.to_string());
            notes.push(format!(
                "{coll}: the filter `{attr} eq …` did not find {path}, which exists: the target's filters cannot be trusted, so a listing by name may miss resources"
            ));
        }
    }
    Ok(ids)
}

/// Reads the resource by its own id: its name must be exactly the journaled one.
async fn confirm(http: &Http, base: &str, f: &Found) -> Result<(), SweepError> {
    let (_, attr) = collection(f.collection).expect("sweep lists only Users and Groups");
    let path = format!("{}/{}", f.collection, encode_segment(&f.id));
    let (status, body) = get(http, base, &path, &[]).await?;
    if status == 404 {
        return Err(SweepError::AlreadyGone);
    }
    if status != 200 {
        return Err(SweepError::Status { what: path, status });
    }
    let name = body
        .as_ref()
        .and_then(|b| b.get(attr))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.eq_ignore_ascii_case(&f.name) {
        Ok(())
    } else {
        Err(SweepError::NotOurs {
            path,
            attr: attr.to_string(),
        })
    }
}

/// Deletes `f` and reads it back by id and by name.
async fn delete(http: &Http, base: &str, f: &Found) -> Result<(), SweepError> {
    let (_, attr) = collection(f.collection).expect("sweep lists only Users and Groups");
    let path = format!("{}/{}", f.collection, encode_segment(&f.id));
    let t = Target {
        id: &f.id,
        attr,
        name: &f.name,
    };
    let d = send(http, reqwest::Method::DELETE, base, &path, &[]).await;
    cleanup::delete_accepted(&d)?;
    let by_id = send(http, reqwest::Method::GET, base, &path, &[]).await;
    cleanup::gone_by_id(&d, &by_id)?;
    let query = vec![("filter".to_string(), cleanup::name_filter(t))];
    let by_name = send(http, reqwest::Method::GET, base, f.collection, &query).await;
    Ok(cleanup::gone_by_name(&d, &by_name, t)?)
}

/// Lists what may be left, prints it, and with `--yes` deletes what the journal proves.
pub(crate) async fn sweep(
    args: &SweepArgs,
    http: &Http,
    tell: Tell<'_>,
) -> Result<bool, SweepError> {
    let r = http.redactor();
    let prefix = match &args.run_id {
        Some(id) => format!("{PREFIX}-{id}-"),
        None => format!("{PREFIX}-"),
    };
    let mut notes = Vec::new();
    let mut proven = Vec::new();
    if let Some(journal) = &args.journal {
        let recorded = read_file(journal)?;
        proven = from_journal(http, &args.target, recorded, &prefix, &mut notes).await?;
    }
    let mut named = Vec::new();
    if args.journal.is_none() || args.run_id.is_some() {
        for coll in [("/Groups", "displayName"), ("/Users", "userName")] {
            for f in list(http, &args.target, coll, &prefix, &mut notes).await? {
                if !proven
                    .iter()
                    .any(|g| g.collection == f.collection && g.id == f.id)
                {
                    named.push(f);
                }
            }
        }
        if named.is_empty() && proven.is_empty() {
            notes.push(format!(
                "the filter `… sw \"{prefix}\"` found nothing; a target whose filters silently answer nothing looks the same: the run's journal (--journal) is the list to trust"
            ));
        }
    }
    // Groups first: deleting users first would make every group change.
    proven.sort_by_key(|f| f.collection != "/Groups");
    for n in &notes {
        say_err!(tell, "note: {}", shown(r, n));
    }
    show(r, &proven, &named, &prefix, tell);
    if proven.is_empty() {
        return Ok(true);
    }
    if !args.yes {
        say!(
            tell,
            "nothing deleted; run again with --yes to delete what the journal proves"
        );
        return Ok(true);
    }
    let mut ok = true;
    for f in &proven {
        let path = shown(r, &format!("{}/{}", f.collection, encode_segment(&f.id)));
        match confirm(http, &args.target, f).await {
            Ok(()) => {}
            Err(SweepError::AlreadyGone) => {
                say!(tell, "gone already {path}");
                continue;
            }
            Err(e) => {
                say_err!(
                    tell,
                    "warning: not deleting {path}: {}",
                    shown(r, &e.to_string())
                );
                continue;
            }
        }
        match delete(http, &args.target, f).await {
            Ok(()) => say!(tell, "deleted {path} (read back by id and by name: gone)"),
            Err(e) => {
                ok = false;
                say_err!(tell, "error: {path}: {}", shown(r, &e.to_string()));
            }
        }
    }
    Ok(ok)
}

/// Prints what was found: what a journal proves (deletable), and what is only named so.
fn show(r: &Redactor, proven: &[Found], named: &[Found], prefix: &str, tell: Tell<'_>) {
    if proven.is_empty() && named.is_empty() {
        say!(tell, "nothing named `{prefix}…` on the target");
        return;
    }
    for f in proven.iter().chain(named) {
        say!(
            tell,
            "{:<48} {}",
            shown(r, &format!("{}/{}", f.collection, encode_segment(&f.id))),
            shown(r, &f.name)
        );
    }
    let groups = proven
        .iter()
        .chain(named)
        .filter(|f| f.collection == "/Groups")
        .count();
    say!(
        tell,
        "{} and {} named `{prefix}…`",
        crate::words::count(groups, "group"),
        crate::words::count(proven.len() + named.len() - groups, "user")
    );
    if !named.is_empty() {
        say!(
            tell,
            "{} of them no journal of this machine proves a run created: sweep never deletes those (a name is not proof); remove them yourself if they are yours",
            named.len()
        );
    }
}
