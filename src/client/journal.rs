//! The creation journal: every create is written down *before* it is sent, with the generated
//! identity that proves the resource is this run's (`scimtest-<run id>-…` in its userName or
//! displayName), and updated when the answer comes. Cleanup works from it; at the end of the
//! run, whatever it does not show as deleted is reported with the `scimtest sweep` command that
//! removes it. The journal is also appended to `journal.jsonl` in the report folder, so a run
//! killed outright still leaves the list behind (`scimtest sweep --journal FILE`).

use crate::client::error::JournalError;
use crate::client::machine;
use crate::redact::Redactor;
use serde_json::Value;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What is known about one create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Sent, no answer yet (or the answer never came): it may exist.
    Pending,
    /// The server answered with an id and the resource read back carries our identity.
    Created(String),
    /// The server refused it (4xx): nothing was created.
    Refused,
    /// Deleted (and, when the answer was not conclusive, read back as gone).
    Deleted,
    /// It may still be on the target, for this reason.
    Remains(String),
}

/// One journaled create.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The case that sent it.
    pub case: String,
    /// The collection path, `/Users` or `/Groups`.
    pub collection: String,
    /// Generated values (JSON pointer into the body, value) that carry the run id: the identity
    /// the resource must show to be ours.
    pub identity: Vec<(String, String)>,
    /// Where it stands.
    pub state: State,
    /// The id the server answered the create with, proven or not.
    pub answered: Option<String>,
}

impl Entry {
    /// The attribute and value a lookup by identity filters on (`userName eq "…"`).
    pub(crate) fn lookup(&self) -> Option<(&str, &str)> {
        self.identity.iter().find_map(|(p, v)| {
            let attr = p.strip_prefix('/')?;
            (!attr.contains('/')).then_some((attr, v.as_str()))
        })
    }

    /// Whether `resource` (as read from the target) carries this entry's identity.
    pub fn matches(&self, resource: &Value) -> bool {
        !self.identity.is_empty()
            && self.identity.iter().any(|(p, v)| {
                resource
                    .pointer(p)
                    .and_then(Value::as_str)
                    .is_some_and(|got| got.eq_ignore_ascii_case(v))
            })
    }

    /// Whether it may still be on the target.
    pub(crate) fn may_remain(&self) -> bool {
        matches!(
            self.state,
            State::Pending | State::Created(_) | State::Remains(_)
        )
    }
}

/// The run's journal, shared by every case.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<Entry>,
    file: Option<PathBuf>,
    /// The file, open for appending: each line is one write(2), no open per line.
    handle: Option<std::fs::File>,
    /// Masks secrets a server echoed into ids and reasons before they are written.
    redactor: Redactor,
}

/// Index of an entry.
pub(crate) type Ticket = usize;

impl Journal {
    /// A journal that also appends to `file` (created or truncated now), each line redacted
    /// by `redactor` and signed with this machine's key.
    pub(crate) fn with_file(file: &Path, redactor: Redactor) -> std::io::Result<Self> {
        let handle = std::fs::File::create(file)?;
        Ok(Journal {
            inner: Arc::new(Mutex::new(Inner {
                entries: Vec::new(),
                file: Some(file.to_path_buf()),
                handle: Some(handle),
                redactor,
            })),
        })
    }

    /// The file it appends to, if any.
    pub fn file(&self) -> Option<PathBuf> {
        self.lock().file.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means a case panicked while holding it; the data is still the
        // best record there is.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes down a create about to be sent.
    pub(crate) fn intend(
        &self,
        case: &str,
        collection: &str,
        identity: Vec<(String, String)>,
    ) -> Ticket {
        let mut g = self.lock();
        g.entries.push(Entry {
            case: case.to_string(),
            collection: collection.to_string(),
            identity,
            state: State::Pending,
            answered: None,
        });
        let t = g.entries.len() - 1;
        let line = line(t, &g.entries[t], &g.redactor);
        append(&mut g.handle, &line);
        t
    }

    /// Records what became of entry `t`.
    pub fn set(&self, t: Ticket, state: State) {
        let mut g = self.lock();
        let g = &mut *g;
        if let Some(e) = g.entries.get_mut(t) {
            e.state = state;
            let l = line(t, e, &g.redactor);
            append(&mut g.handle, &l);
        }
    }

    /// Notes the id the server answered entry `t` with (before it is proven to be ours).
    pub fn answered(&self, t: Ticket, id: &str) {
        let mut g = self.lock();
        let g = &mut *g;
        if let Some(e) = g.entries.get_mut(t) {
            e.answered = Some(id.to_string());
            let l = line(t, e, &g.redactor);
            append(&mut g.handle, &l);
        }
    }

    /// A copy of entry `t`.
    pub fn get(&self, t: Ticket) -> Option<Entry> {
        self.lock().entries.get(t).cloned()
    }

    /// Whether another entry already holds `id` in `collection` (a server answering two
    /// creates with one id).
    pub(crate) fn claimed(&self, collection: &str, id: &str, except: Ticket) -> Option<String> {
        self.lock()
            .entries
            .iter()
            .enumerate()
            .find(|(i, e)| {
                *i != except && e.collection == collection && e.state == State::Created(id.into())
            })
            .map(|(_, e)| e.case.clone())
    }

    /// Every entry that may still be on the target.
    pub fn remaining(&self) -> Vec<Entry> {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.may_remain())
            .cloned()
            .collect()
    }
}

/// One journal line: the entry as JSON, secrets masked, then this machine's signature of it
/// (`"mac"`, last) when there is a key.
fn line(t: Ticket, e: &Entry, r: &Redactor) -> String {
    let (state, id, why) = state_fields(e);
    let text = serde_json::to_string(&Line {
        entry: t,
        case: &e.case,
        collection: &e.collection,
        identity: e
            .identity
            .iter()
            .map(|(p, v)| Pointer {
                pointer: p,
                value: r.redact(v),
            })
            .collect(),
        state,
        id: id.map(|i| r.redact(i)),
        why: why.map(|w| r.redact(w)),
    })
    .expect("a journal line serialises");
    match machine::key() {
        Some(key) => {
            let mac = machine::sign(&key, &text);
            format!("{},\"mac\":\"{mac}\"}}", &text[..text.len() - 1])
        }
        None => text,
    }
}

/// An entry's `state`, `id` and `why` as a line writes them.
fn state_fields(e: &Entry) -> (&'static str, Option<&str>, Option<&str>) {
    match &e.state {
        State::Pending => ("pending", e.answered.as_deref(), None),
        State::Created(id) => ("created", Some(id.as_str()), None),
        State::Refused => ("refused", None, None),
        State::Deleted => ("deleted", None, None),
        State::Remains(why) => ("remains", None, Some(why.as_str())),
    }
}

/// A journal line's fields, in the order written (serialised directly: a line is written for
/// every change of every create, and building a JSON tree for it cost more than the write).
#[derive(serde::Serialize)]
struct Line<'a> {
    entry: Ticket,
    case: &'a str,
    collection: &'a str,
    identity: Vec<Pointer<'a>>,
    state: &'static str,
    id: Option<String>,
    why: Option<String>,
}

/// One identity value of a line.
#[derive(serde::Serialize)]
struct Pointer<'a> {
    pointer: &'a str,
    value: String,
}

/// The line without its signature, when this machine's key signed it.
fn signed(line: &str) -> Option<String> {
    let key = machine::key()?;
    let (text, rest) = line.trim_end().rsplit_once(",\"mac\":\"")?;
    let mac = rest.strip_suffix("\"}")?;
    let text = format!("{text}}}");
    machine::verify(&key, &text, mac).then_some(text)
}

/// Appends `line` in one write, so the line reaches the file (the page cache) before the
/// create it announces is sent, and a crash cannot leave half of it.
fn append(file: &mut Option<std::fs::File>, line: &str) {
    if let Some(f) = file {
        let mut buf = String::with_capacity(line.len() + 1);
        buf.push_str(line);
        buf.push('\n');
        let _ = f.write_all(buf.as_bytes());
    }
}

/// One resource a journal file says may remain: its collection, id (when known) and identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recorded {
    /// `/Users` or `/Groups`.
    pub collection: String,
    /// The id, when the server gave one.
    pub id: Option<String>,
    /// (pointer, value) pairs carrying the run id.
    pub identity: Vec<(String, String)>,
    /// Whether every line of the entry carries this machine's signature: only then is it
    /// proof that a run here created the resource.
    pub signed: bool,
}

/// Reads a `journal.jsonl`: the last line of each entry wins; entries not deleted or refused
/// are returned.
pub(crate) fn read_file(path: &Path) -> Result<Vec<Recorded>, JournalError> {
    let shown = || path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| JournalError::Unreadable {
        path: shown(),
        why: e.to_string(),
    })?;
    let mut last: std::collections::BTreeMap<u64, Value> = Default::default();
    let mut unsigned: std::collections::BTreeSet<u64> = Default::default();
    for (n, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let proven = signed(l).is_some();
        let v: Value = serde_json::from_str(l).map_err(|e| JournalError::NotJson {
            path: shown(),
            line: n + 1,
            why: e.to_string(),
        })?;
        let t = v
            .get("entry")
            .and_then(Value::as_u64)
            .ok_or_else(|| JournalError::NoEntry {
                path: shown(),
                line: n + 1,
            })?;
        // The id of a created entry survives a later state line.
        let id = v
            .get("id")
            .filter(|i| i.is_string())
            .or_else(|| last.get(&t).and_then(|p| p.get("id")))
            .cloned();
        let mut v = v;
        if let Some(id) = id {
            v["id"] = id;
        }
        if !proven {
            unsigned.insert(t);
        }
        last.insert(t, v);
    }
    Ok(last
        .into_iter()
        .filter(|(_, v)| !matches!(v["state"].as_str(), Some("deleted" | "refused")))
        .map(|(t, v)| Recorded {
            signed: !unsigned.contains(&t),
            collection: v["collection"].as_str().unwrap_or_default().to_string(),
            id: v["id"].as_str().map(str::to_string),
            identity: v["identity"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|p| {
                            Some((
                                p["pointer"].as_str()?.to_string(),
                                p["value"].as_str()?.to_string(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_line_is_the_json_object_it_always_was() {
        let r = Redactor::new(["s3cret-token-value".to_string()]);
        let entry = |state: State, answered: Option<&str>| Entry {
            case: "cycle \"q\" \u{1b}[31m".into(),
            collection: "/Users".into(),
            identity: vec![
                (
                    "/userName".into(),
                    "scimtest-ab12cd34-u1@example.com".into(),
                ),
                ("/emails/0/value".into(), "x s3cret-token-value ä\n".into()),
            ],
            state,
            answered: answered.map(String::from),
        };
        let states = [
            (State::Pending, None),
            (State::Pending, Some("7")),
            (State::Created("a/b".into()), None),
            (State::Refused, None),
            (State::Deleted, Some("x")),
            (State::Remains("why \u{0}".into()), None),
        ];
        for (state, answered) in states {
            let e = entry(state, answered);
            let (state, id, why) = state_fields(&e);
            // The form the lines were written in before: a JSON tree.
            let tree = json!({
                "entry": 3,
                "case": e.case,
                "collection": e.collection,
                "identity": e.identity.iter().map(|(p, v)| json!({"pointer": p, "value": r.redact(v)})).collect::<Vec<_>>(),
                "state": state,
                "id": id.map(|i| r.redact(i)),
                "why": why.map(|w| r.redact(w)),
            })
            .to_string();
            let got = line(3, &e, &r);
            assert_eq!(signed(&got).unwrap_or(got.clone()), tree);
            assert!(!got.contains("s3cret"), "{got}");
        }
    }

    #[test]
    fn entries_are_written_before_and_after_and_read_back() {
        let dir = std::env::temp_dir().join(format!("scimtest-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("journal.jsonl");
        let j = Journal::with_file(&file, Redactor::default()).unwrap();
        let a = j.intend(
            "c1",
            "/Users",
            vec![("/userName".into(), "scimtest-x-a".into())],
        );
        let b = j.intend(
            "c2",
            "/Groups",
            vec![("/displayName".into(), "scimtest-x-b".into())],
        );
        let c = j.intend(
            "c3",
            "/Users",
            vec![("/userName".into(), "scimtest-x-c".into())],
        );
        j.set(a, State::Created("id-a".into()));
        j.set(b, State::Created("id-b".into()));
        j.set(b, State::Deleted);
        assert_eq!(j.claimed("/Users", "id-a", c).as_deref(), Some("c1"));
        assert_eq!(j.claimed("/Users", "id-a", a), None);
        assert_eq!(j.remaining().len(), 2);
        let read = read_file(&file).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].id.as_deref(), Some("id-a"));
        assert_eq!(read[1].id, None);
        assert_eq!(
            j.get(a).unwrap().lookup(),
            Some(("userName", "scimtest-x-a"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn identity_matching_ignores_case_only() {
        let e = Entry {
            case: "c".into(),
            collection: "/Users".into(),
            identity: vec![("/userName".into(), "scimtest-ab-x@example.com".into())],
            state: State::Pending,
            answered: None,
        };
        assert!(e.matches(&json!({"userName": "SCIMTEST-AB-X@example.com"})));
        assert!(!e.matches(&json!({"userName": "real.person@example.com"})));
        assert!(!e.matches(&json!({"displayName": "scimtest-ab-x@example.com"})));
    }
}
