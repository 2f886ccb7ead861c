//! Entra's matching query and what the engine makes of it ([HOW] = how-provisioning-works,
//! "Initial cycle" and "Incremental cycles" steps 3–5): before a create, the query decides
//! whether to create; before a change in an incremental round, it finds the object to write.
//! The same query proves an object this run's before scimtest writes to it
//! (`client::ownership`): no GET follows a create, since Entra sends none ([HOW] step 4: the
//! answered id is cached). A create whose answer never arrived is looked up the same way
//! before it is counted as not created.

use super::{Answer, Creating, DETAIL_MAX, Engine, Outcome, code, describe, lock};
use crate::client::journal::{State, Ticket};
use crate::client::ownership::{self, NotOurs};
use crate::cycle::directory::Directory;
use crate::cycle::log::{Action, UNREADABLE};
use serde_json::Value;

/// What a matching query found.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Found {
    /// Nothing carries the name.
    Nothing,
    /// One resource: the resource itself (bounded by the client's body cap).
    One(Value),
    /// More than one (`totalResults`).
    Many(u64),
}

impl Engine {
    /// Matches object `i` of `collection` by its matching attribute and creates it when
    /// nothing matches.
    pub(super) async fn create(&self, dir: &Directory, collection: &'static str, i: usize) {
        let users = collection == "Users";
        let (object, attr, name, body) = if users {
            let body = if self.okta() {
                dir.okta_user_body(i)
            } else {
                dir.user_body(i)
            };
            ("user", "userName", dir.user_name(i), body)
        } else {
            (
                "group",
                "displayName",
                dir.groups[i].display_name.clone(),
                dir.group_body(i),
            )
        };
        let what = Creating {
            collection,
            object,
            attr,
            name: &name,
        };
        let mut out = Outcome::default();
        let action = match self.lookup(&what, &mut out, true).await {
            None => Action::Create,
            Some(Found::Nothing) => {
                self.post(&what, i, &body, &mut out).await;
                Action::Create
            }
            Some(Found::Many(n)) => {
                out.fail(
                    "DuplicateTargetEntries",
                    format!("the matching query found {n} {object}s with this run's {attr}"),
                );
                Action::Create
            }
            Some(Found::One(r)) => {
                matched_not_ours(&what, &r, &mut out);
                Action::MatchedNotOurs
            }
        };
        self.record("initial", object, &name, action, out);
    }

    /// Entra's matching query for `what` (groups with `excludedAttributes=members`): what it
    /// found, or `None` with the failure in `out`. `entra`: a request Entra sends (counted in
    /// the action's status); otherwise one scimtest adds to prove ownership.
    pub(super) async fn lookup(
        &self,
        what: &Creating<'_>,
        out: &mut Outcome,
        entra: bool,
    ) -> Option<Found> {
        let value = what.name.replace('\\', "\\\\").replace('"', "\\\"");
        let mut query = vec![("filter", format!("{} eq \"{value}\"", what.attr))];
        if self.okta() {
            // Okta's lookups carry paging and never `excludedAttributes` (okta-client.md §2.2).
            query.push(("startIndex", "1".into()));
            query.push(("count", "100".into()));
        } else if what.collection != "Users" {
            query.insert(0, ("excludedAttributes", "members".to_string()));
        }
        let path = format!("/{}", what.collection);
        let a = if entra {
            let a = self.call(reqwest::Method::GET, &path, &query, None).await;
            out.add(&a);
            a
        } else {
            let a = self.read_own(&path, &query).await;
            out.add_read(&a);
            a
        };
        if self.okta() && a.status == 404 && a.transport.is_none() {
            // Okta: "Another acceptable response" for no match (okta-client.md §2.2).
            return Some(Found::Nothing);
        }
        if a.status != 200 || a.transport.is_some() {
            // 404 here is [QUARANTINE]'s "404 rather than 200", whatever the action.
            let code = code(self.settings.profile, a.status, Action::Create, a.kind);
            let detail = format!("the matching query answered {}", describe(&a));
            out.fail_on(&a, code, detail);
            return None;
        }
        found(&a, out)
    }

    /// The create itself, journaled before it is sent; what its answer leaves in the slot.
    async fn post(&self, what: &Creating<'_>, i: usize, body: &Value, out: &mut Outcome) {
        let collection = what.collection;
        let ticket = self.journal.intend(
            "cycle",
            &format!("/{collection}"),
            vec![(format!("/{}", what.attr), what.name.to_string())],
        );
        let path = format!("/{collection}");
        let a = self
            .call(reqwest::Method::POST, &path, &[], Some(body))
            .await;
        out.add(&a);
        let id = a.json.as_ref().and_then(ownership::id_text);
        let lost = a.transport.is_some() || a.status >= 500;
        match (a.status, id) {
            (200 | 201, Some(id)) if a.transport.is_none() => {
                self.keep_created(what, i, ticket, &id, out);
            }
            (200 | 201, None) if a.transport.is_none() => {
                out.fail_on(
                    &a,
                    UNREADABLE,
                    format!("POST answered {} without an id", a.status),
                );
                self.find_lost(what, i, ticket, out).await;
            }
            _ => {
                out.fail_on(
                    &a,
                    code(self.settings.profile, a.status, Action::Create, a.kind),
                    format!("POST answered {}", describe(&a)),
                );
                if lost {
                    self.find_lost(what, i, ticket, out).await;
                } else {
                    self.journal.set(ticket, State::Refused);
                }
            }
        }
    }

    /// Keeps the answered id in the object's slot, not yet proved this run's: the first write
    /// to it, and the cleanup, prove it first (`prove`).
    fn keep_created(
        &self,
        what: &Creating<'_>,
        i: usize,
        ticket: Ticket,
        id: &str,
        out: &mut Outcome,
    ) {
        self.journal.answered(ticket, id);
        let fresh = lock(&self.answered_ids).insert(format!("/{}/{id}", what.collection));
        if let Err(why) = ownership::usable(id, fresh) {
            self.journal
                .set(ticket, State::Remains(format!("id {id:?}: {why}")));
            out.fail(
                UNREADABLE,
                format!(
                    "the created {}'s id {id:?} is not proved this run's ({why}): scimtest does not write to it",
                    what.object
                ),
            );
            return;
        }
        lock(self.slots(what.collection))[i] = Some((id.to_string(), ticket));
        out.target_id = Some(id.to_string());
    }

    /// A create whose answer never arrived (or came without an id): looked up by the matching
    /// query before it is counted as not created. Found with this run's name under a fresh
    /// id, it is this run's (the query before the create found nothing).
    async fn find_lost(&self, what: &Creating<'_>, i: usize, ticket: Ticket, out: &mut Outcome) {
        let mut probe = Outcome::default();
        let found = self.lookup(what, &mut probe, false).await;
        out.requests += probe.requests;
        out.throttled += probe.throttled;
        let note = match found {
            Some(Found::Nothing) => {
                self.journal.set(ticket, State::Refused);
                "; the matching query then finds nothing: not created".to_string()
            }
            Some(Found::One(r)) if what_carries(what, &r) => {
                let Some(id) = ownership::id_text(&r) else {
                    return;
                };
                let fresh = lock(&self.answered_ids).insert(format!("/{}/{id}", what.collection));
                if ownership::usable(&id, fresh).is_err() {
                    return;
                }
                self.journal.answered(ticket, &id);
                self.journal.set(ticket, State::Created(id.clone()));
                lock(&self.proved).insert(format!("/{}/{id}", what.collection));
                lock(self.slots(what.collection))[i] = Some((id.clone(), ticket));
                out.target_id = Some(id.clone());
                format!(
                    "; the matching query then finds it created (id {id:?}): Entra's retry would match and update it"
                )
            }
            // Unknown: the journal keeps it pending, and the summary says it may remain.
            _ => "; its outcome is unknown (the lookup did not settle it)".to_string(),
        };
        if let Some(d) = &mut out.detail {
            d.push_str(&note);
        }
    }

    /// Whether the object in slot `i` (id `id`) is this run's: a matching query on its name
    /// finds exactly it (`client::ownership::proves`). Entra's own lookups (`entra`) are always
    /// sent and judged; a proof scimtest adds is sent once per object. On failure, `out` says
    /// why, and the journal keeps the object as possibly remaining.
    pub(super) async fn prove(
        &self,
        what: &Creating<'_>,
        id: &str,
        ticket: Ticket,
        out: &mut Outcome,
        entra: bool,
    ) -> bool {
        let key = format!("/{}/{id}", what.collection);
        if !entra && lock(&self.proved).contains(&key) {
            return true;
        }
        let found = self.lookup(what, out, entra).await;
        let Some(entry) = self.journal.get(ticket) else {
            return false;
        };
        let verdict = match &found {
            None => return false,
            Some(Found::One(r)) => ownership::proves(&entry, id, r),
            Some(Found::Nothing) => Err(NotOurs::NotFound),
            Some(Found::Many(n)) => {
                out.fail(
                    "DuplicateTargetEntries",
                    format!(
                        "the matching query found {n} {}s with this run's {}",
                        what.object, what.attr
                    ),
                );
                return false;
            }
        };
        match verdict {
            Ok(()) => {
                lock(&self.proved).insert(key);
                if !matches!(entry.state, State::Created(_)) {
                    self.journal.set(ticket, State::Created(id.to_string()));
                }
                true
            }
            Err(why) => {
                self.refuse(what, id, ticket, &why, out);
                false
            }
        }
    }

    /// Records that `id` is not proved this run's: nothing is written to it.
    pub(super) fn refuse(
        &self,
        what: &Creating<'_>,
        id: &str,
        ticket: Ticket,
        why: &NotOurs,
        out: &mut Outcome,
    ) {
        let gone = matches!(why, NotOurs::NotCarried | NotOurs::NotFound);
        if !lock(&self.proved).contains(&format!("/{}/{id}", what.collection)) {
            self.journal.set(
                ticket,
                State::Remains(format!("id {id:?} not proved this run's: {why}")),
            );
        }
        let (code, detail) = if gone {
            (
                "InvalidAnchor",
                format!(
                    "the matching query by this run's {} finds no {} under id {id:?}: the {} this run created is gone or not found by its {} (Entra would create it again, [HOW] step 4); not proved this run's, scimtest does not write to it",
                    what.attr, what.object, what.object, what.attr
                ),
            )
        } else {
            (
                UNREADABLE,
                format!(
                    "the {} created as id {id:?} is not proved this run's ({why}): scimtest does not write to it",
                    what.object
                ),
            )
        };
        out.fail(code, detail.chars().take(DETAIL_MAX * 2).collect());
    }

    /// The slots of `collection`: (id, journal ticket) per source object.
    pub(super) fn slots(
        &self,
        collection: &str,
    ) -> &std::sync::Mutex<Vec<Option<(String, Ticket)>>> {
        if collection == "Users" {
            &self.user_ids
        } else {
            &self.group_ids
        }
    }
}

/// What a matching query's answer holds: `totalResults` decides; one match must come with
/// its resource.
fn found(a: &Answer, out: &mut Outcome) -> Option<Found> {
    let j = a.json.as_ref();
    let total = j
        .and_then(|j| j.get("totalResults"))
        .and_then(Value::as_u64);
    let resources = j.and_then(|j| j.get("Resources")).and_then(Value::as_array);
    match (total, resources) {
        (None, _) => {
            out.fail_on(
                a,
                UNREADABLE,
                "the matching query answered no totalResults".into(),
            );
            None
        }
        (Some(0), _) => Some(Found::Nothing),
        (Some(1), Some(r)) if r.len() == 1 => Some(Found::One(r[0].clone())),
        (Some(1), _) => {
            out.fail_on(
                a,
                UNREADABLE,
                "the matching query answered totalResults 1 without the resource".into(),
            );
            None
        }
        (Some(n), _) => Some(Found::Many(n)),
    }
}

/// Whether resource `r` carries the name `what` looks for (case-insensitively, as the
/// journal compares).
fn what_carries(what: &Creating<'_>, r: &Value) -> bool {
    r.get(what.attr)
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case(what.name))
}

/// A matched object before a create: Entra would update it ([HOW] initial cycle step 5);
/// scimtest does not write to what this run did not create, and says what the match was.
fn matched_not_ours(what: &Creating<'_>, r: &Value, out: &mut Outcome) {
    let id = ownership::id_text(r).unwrap_or_else(|| "(no id)".into());
    out.skipped = true;
    out.target_id = Some(id.clone());
    let Creating {
        object, attr, name, ..
    } = *what;
    out.detail = Some(if what_carries(what, r) {
        format!(
            "the matching query found an existing {object} (id {id:?}) with this run's {attr}, which this run did not create: Entra would update it ([HOW] step 5); scimtest writes only to what this run created"
        )
    } else {
        let other = r
            .get(attr)
            .map(Value::to_string)
            .unwrap_or_else(|| "none".into());
        let other: String = other.chars().take(DETAIL_MAX).collect();
        format!(
            "the matching query for {attr} {name:?} answered a {object} (id {id:?}) whose {attr} is {other}: Entra would take it as the match and overwrite it ([HOW] step 5); the filter does not select by {attr}"
        )
    });
}
