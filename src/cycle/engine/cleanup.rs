//! Deleting what the cycles created, verified (`client::cleanup`'s rules): a DELETE counts
//! only when the resource then reads back 404 by its id and is no longer listed by its name.
//! Deprovisioning in a round reads each deleted user back by name, as a matching query would
//! find it. The final cleanup, which deletes every user and group left (100,000 and more), reads
//! them back by name with one listing per collection — the filter `sw "scimtest-<run id>-"`
//! — when the target first shows that it answers that listing faithfully: before any delete it
//! lists at least as many of this run's objects as are about to be deleted, and only names of
//! this run. A target that cannot (a refused `sw`, a filter ignored, a short count) gets the
//! query by name for each object, as before.

use super::{Answer, Creating, Engine, Outcome, at, describe, lock};
use crate::client::cleanup::{self, Listing};
use crate::client::journal::{State, Ticket};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest the cleanup may take: what it has not deleted by then is reported with the sweep
/// command.
const CLEANUP_TIME: Duration = Duration::from_secs(15 * 60);

/// Resources per page of the read-back listing.
const PAGE: usize = 100;

/// How one object's delete ended.
enum Cleaned {
    /// Deleted and verified, not deleted, or not this run's to delete: the journal says which.
    Settled,
    /// Deleted and gone by id; the listing by name is still to be read. Holds the DELETE's
    /// status, for the message if it is still listed.
    GoneById(u16),
}

/// A deleted object whose read-back by name waits for the listing.
struct Waiting {
    id: String,
    ticket: Ticket,
    name: String,
    status: u16,
}

impl Engine {
    /// Deletes everything this run created and still holds, groups first. What could not be
    /// deleted is journaled as remaining, with why (`State::Remains`): the journal is the one
    /// list of leftovers. `prefix` starts every name this run generates.
    pub(crate) async fn cleanup(self: &Arc<Self>, prefix: &str) {
        self.cleaning.store(true, Ordering::Relaxed);
        self.set_deadline(Some(Instant::now() + CLEANUP_TIME));
        let groups: Vec<(String, usize)> =
            lock(&self.group_ids).iter().flatten().cloned().collect();
        let users: Vec<(String, usize)> = lock(&self.user_ids).iter().flatten().cloned().collect();
        for (collection, items) in [("Groups", groups), ("Users", users)] {
            self.clean_collection(collection, items, prefix).await;
        }
    }

    /// Deletes `items` of `collection`, verified.
    async fn clean_collection(
        self: &Arc<Self>,
        collection: &'static str,
        items: Vec<(String, Ticket)>,
        prefix: &str,
    ) {
        let attr = name_attr(collection);
        let batched =
            !items.is_empty() && self.listing_trusted(collection, prefix, items.len()).await;
        let items = Arc::new(items);
        let waiting = Arc::new(Mutex::new(Vec::new()));
        let (it, w) = (items.clone(), waiting.clone());
        self.each((0..items.len()).collect(), move |me, k| {
            let (it, w) = (it.clone(), w.clone());
            async move {
                let (id, ticket) = &it[k];
                match me.clean_one(collection, id, *ticket, batched).await {
                    Cleaned::Settled => {}
                    Cleaned::GoneById(status) => {
                        let name = me
                            .journal
                            .get(*ticket)
                            .and_then(|e| e.lookup().map(|(_, n)| n.to_string()));
                        lock(&w).push(Waiting {
                            id: id.clone(),
                            ticket: *ticket,
                            name: name.unwrap_or_default(),
                            status,
                        });
                    }
                }
            }
        })
        .await;
        let waiting = std::mem::take(&mut *lock(&waiting));
        if !waiting.is_empty() {
            self.read_back_listing(collection, attr, prefix, waiting)
                .await;
        }
    }

    /// Deletes one object the cycles created, once it is proved this run's (a create never
    /// written to is proved here, by the matching query). With `batched`, the read-back by
    /// name is left to the listing (`GoneById`).
    async fn clean_one(
        &self,
        collection: &'static str,
        id: &str,
        ticket: Ticket,
        batched: bool,
    ) -> Cleaned {
        let Some(entry) = self.journal.get(ticket) else {
            return Cleaned::Settled;
        };
        if !matches!(entry.state, State::Created(_) | State::Pending) {
            return Cleaned::Settled;
        }
        let mut out = Outcome::default();
        if matches!(entry.state, State::Pending) {
            let Some((_, name)) = entry.lookup() else {
                return Cleaned::Settled;
            };
            let what = Creating {
                collection,
                object: if collection == "Users" {
                    "user"
                } else {
                    "group"
                },
                attr: name_attr(collection),
                name,
            };
            if !self.prove(&what, id, ticket, &mut out, false).await {
                // Not proved ours: not deleted; the journal says it may remain.
                return Cleaned::Settled;
            }
        }
        let (a, by_id) = self.delete_gone_by_id(collection, id, &mut out).await;
        let verified = match by_id {
            Ok(()) if batched => return Cleaned::GoneById(a.status),
            Ok(()) => {
                self.gone_by_name(collection, id, Some(ticket), &a, &mut out)
                    .await
            }
            Err(e) => Err(e),
        };
        match verified {
            Ok(()) => self.journal.set(ticket, State::Deleted),
            Err(e) => self.remains(ticket, &e),
        }
        Cleaned::Settled
    }

    /// Journals the object of `ticket` as remaining, for `why` (masked, cut).
    fn remains(&self, ticket: Ticket, why: &str) {
        let e = self.http.redactor().redact(why);
        let e: String = e.chars().take(super::DETAIL_MAX).collect();
        self.journal.set(ticket, State::Remains(e));
    }

    /// DELETEs `collection/id`, then reads it back by id and by its journaled name
    /// (`client::cleanup`): the DELETE's answer, and whether the resource is gone.
    async fn delete_verified(
        &self,
        collection: &str,
        id: &str,
        ticket: Option<Ticket>,
        out: &mut Outcome,
    ) -> (Answer, Result<(), String>) {
        let (a, by_id) = self.delete_gone_by_id(collection, id, out).await;
        if by_id.is_err() {
            return (a, by_id);
        }
        let verdict = self.gone_by_name(collection, id, ticket, &a, out).await;
        (a, verdict)
    }

    /// DELETEs `collection/id` and reads it back by id: the DELETE's answer, and whether it
    /// was accepted and the resource no longer reads.
    async fn delete_gone_by_id(
        &self,
        collection: &str,
        id: &str,
        out: &mut Outcome,
    ) -> (Answer, Result<(), String>) {
        let path = at(collection, id);
        let a = self.call(reqwest::Method::DELETE, &path, &[], None).await;
        out.add(&a);
        let d = a.core();
        if let Err(e) = cleanup::delete_accepted(&d) {
            let detail = describe(&a);
            return (a, Err(format!("{e}: {detail}")));
        }
        let by_id = self.read_own(&path, &[]).await;
        out.add(&by_id);
        let verdict = cleanup::gone_by_id(&d, &by_id.core()).map_err(|e| e.to_string());
        (a, verdict)
    }

    /// After an accepted DELETE (`delete`): whether the query by the journaled name no longer
    /// lists `collection/id`.
    async fn gone_by_name(
        &self,
        collection: &str,
        id: &str,
        ticket: Option<Ticket>,
        delete: &Answer,
        out: &mut Outcome,
    ) -> Result<(), String> {
        let entry = ticket.and_then(|t| self.journal.get(t));
        let Some((attr, name)) = entry.as_ref().and_then(|e| e.lookup()) else {
            return Ok(());
        };
        let t = cleanup::Target { id, attr, name };
        let mut query = vec![("filter", cleanup::name_filter(t))];
        if collection == "Groups" {
            query.insert(0, ("excludedAttributes", "members".to_string()));
        }
        let by_name = self.read_own(&format!("/{collection}"), &query).await;
        out.add(&by_name);
        cleanup::gone_by_name(&delete.core(), &by_name.core(), t).map_err(|e| e.to_string())
    }
}

impl Engine {
    /// One page of the listing of this run's `collection` by name prefix, if it can be read
    /// as one (`cleanup::read_listing`).
    async fn listing_page(&self, collection: &str, prefix: &str, start: usize) -> Option<Listing> {
        let attr = name_attr(collection);
        let mut query = vec![
            ("filter", cleanup::prefix_filter(attr, prefix)),
            ("startIndex", start.to_string()),
            ("count", PAGE.to_string()),
        ];
        if collection == "Groups" {
            query.insert(0, ("excludedAttributes", "members".to_string()));
        }
        let a = self.read_own(&format!("/{collection}"), &query).await;
        cleanup::read_listing(&a.core(), attr, prefix)
    }

    /// Whether the listing by prefix can stand for the reads by name: before any delete, it
    /// counts at least the `held` objects about to be deleted, and its first page shows only
    /// this run's names (a page may be shorter than asked: servers cap `count`).
    async fn listing_trusted(&self, collection: &str, prefix: &str, held: usize) -> bool {
        self.listing_page(collection, prefix, 1)
            .await
            .is_some_and(|l| l.total >= held as u64 && !l.resources.is_empty())
    }

    /// After the deletes: reads the listing by prefix to its end, and settles each of
    /// `waiting` (deleted, gone by id): still listed (by id or name), it remains; otherwise
    /// it is deleted. A listing that cannot be read, or that does not end within what
    /// was held, falls back to the query by name for each.
    async fn read_back_listing(
        self: &Arc<Self>,
        collection: &'static str,
        attr: &str,
        prefix: &str,
        waiting: Vec<Waiting>,
    ) {
        let most = waiting.len() + PAGE;
        let mut listed = std::collections::HashSet::new();
        let mut start = 1;
        let complete = loop {
            let Some(page) = self.listing_page(collection, prefix, start).await else {
                break false;
            };
            let n = page.resources.len();
            for (id, name) in page.resources {
                listed.extend(id.map(|i| format!("id:{i}")));
                listed.insert(format!("name:{}", name.to_lowercase()));
            }
            start += n;
            if start > page.total as usize {
                break true;
            }
            if n == 0 || start > most {
                break false;
            }
        };
        if !complete {
            return self.read_back_each(collection, waiting).await;
        }
        for w in waiting {
            let still = listed.contains(&format!("id:{}", w.id))
                || listed.contains(&format!("name:{}", w.name.to_lowercase()));
            if still {
                let e = crate::client::error::DeleteError::StillListed {
                    status: w.status,
                    attr: attr.to_string(),
                };
                self.remains(w.ticket, &e.to_string());
            } else {
                self.journal.set(w.ticket, State::Deleted);
            }
        }
    }

    /// The query by name for each of `waiting`, when the listing could not be read.
    async fn read_back_each(self: &Arc<Self>, collection: &'static str, waiting: Vec<Waiting>) {
        let waiting = Arc::new(waiting);
        let w = waiting.clone();
        self.each((0..waiting.len()).collect(), move |me, k| {
            let w = w.clone();
            async move {
                let w = &w[k];
                let mut out = Outcome::default();
                let delete = Answer {
                    status: w.status,
                    ..Answer::default()
                };
                let verdict = me
                    .gone_by_name(collection, &w.id, Some(w.ticket), &delete, &mut out)
                    .await;
                match verdict {
                    Ok(()) => me.journal.set(w.ticket, State::Deleted),
                    Err(e) => me.remains(w.ticket, &e),
                }
            }
        })
        .await;
    }
}

impl Engine {
    /// Deletes user `index` (id `id`), verified: the DELETE's answer, and why the user is
    /// still there when the DELETE was answered as a success.
    pub(super) async fn deprovision(
        &self,
        index: usize,
        id: &str,
        out: &mut Outcome,
    ) -> (Answer, Option<String>) {
        let ticket = lock(&self.user_ids)[index].as_ref().map(|(_, t)| *t);
        let (a, verified) = self.delete_verified("Users", id, ticket, out).await;
        match verified {
            Ok(()) => {
                lock(&self.user_ids)[index] = None;
                if let Some(t) = ticket {
                    self.journal.set(t, State::Deleted);
                }
                (a, None)
            }
            Err(e) if a.transport.is_none() && (200..300).contains(&a.status) => (a, Some(e)),
            Err(_) => (a, None),
        }
    }
}

impl Answer {
    /// The answer as the cleanup rules read it.
    fn core(&self) -> cleanup::Answer {
        cleanup::Answer {
            status: self.status,
            json: self.json.clone(),
            transport: self.transport.clone(),
        }
    }
}

/// The attribute a collection's objects are named by.
fn name_attr(collection: &str) -> &'static str {
    if collection == "Users" {
        "userName"
    } else {
        "displayName"
    }
}
