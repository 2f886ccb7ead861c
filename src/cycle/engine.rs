//! Running provisioning cycles as Entra's engine does (docs/entra-behaviour.md §6.1): match
//! each object by query, create what is missing, write references (the manager) once both
//! users exist, create groups empty and add their members in batched PATCHes; incremental
//! rounds read each changed object, then patch, disable, re-enable or delete it. Requests are
//! paced at `--rate` with at most `--concurrency` in flight; a 429 with `Retry-After` is
//! waited out and sent again (`Http::send`). Every object action becomes a provisioning-log
//! entry; after each cycle the target is compared with the source directory.

mod cleanup;
mod matching;
mod okta;

use super::directory::{Change, Directory};
use super::log::{Action, Entry, Sink, classify};
use crate::model::Profile;
use crate::run::{Http, Journal, OutRequest, compose};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Members per PATCH: Entra adds "multiple group memberships with a single PATCH" (§1.2 G5);
/// its batch size is not documented, 50 is scimtest's choice.
pub(crate) const MEMBER_BATCH: usize = 50;

/// How the cycles are run.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Requests per second (None: as fast as the target answers).
    pub rate: Option<f64>,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// The client mode whose request shapes are sent.
    pub profile: Profile,
    /// Deletes and disables one incremental cycle may send (0: no limit); above it they are
    /// held as `StagedDelete` ([DELETIONS]; Entra's default is 500).
    pub deletion_threshold: usize,
}

/// Spaces requests `1/rate` apart across all workers.
struct Pacer {
    interval: Option<Duration>,
    next: tokio::sync::Mutex<Instant>,
}

impl Pacer {
    fn new(rate: Option<f64>) -> Self {
        Pacer {
            interval: rate
                .filter(|r| *r > 0.0)
                .map(|r| Duration::from_secs_f64(1.0 / r)),
            next: tokio::sync::Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let at = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + interval;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

/// What one request got.
#[derive(Default)]
struct Answer {
    status: u16,
    json: Option<Value>,
    transport: Option<String>,
    /// The kind of the transport failure: what the provisioning-log code is chosen by.
    kind: Option<crate::client::transport::TransportKind>,
    throttled: u32,
    /// `METHOD /path?query`, as the provisioning log names the request.
    request: String,
    /// The body as read, from an `unparsed` client (`list_page`); empty otherwise.
    body: Vec<u8>,
}

/// Counters shared by all workers.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// Latencies of answered requests, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Requests completed in each second since the start.
    pub per_second: Vec<u32>,
    /// 429 answers waited out.
    pub throttled: u64,
}

/// A difference between the source directory and the target after a cycle.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Difference {
    /// `user` or `group`.
    pub object: &'static str,
    /// Its matching value.
    pub source: String,
    /// The attribute (`title`, `members`, `(resource)`).
    pub attribute: String,
    /// What the source holds.
    pub expected: String,
    /// What the target answered.
    pub actual: String,
}

/// The cycles' state: the source directory, the ids the target gave, the log.
pub(crate) struct Engine {
    http: Http,
    base: String,
    settings: Settings,
    pacer: Pacer,
    started: Instant,
    journal: Journal,
    /// Requests sent (retries included).
    pub requests: AtomicU64,
    /// Latencies, throughput, throttling.
    pub stats: Mutex<Stats>,
    /// The provisioning log: written as entries are made, and counted.
    pub log: Mutex<Sink>,
    user_ids: Mutex<Vec<Option<(String, usize)>>>,
    /// `collection/id` of every create this run got an answer for: an id given twice is
    /// nobody's to write (a set, not the journal's scan: a tenant has 100,000 creates).
    answered_ids: Mutex<std::collections::HashSet<String>>,
    group_ids: Mutex<Vec<Option<(String, usize)>>>,
    /// Set by Ctrl-C (SIGINT/SIGTERM) or when the deadline passes: nothing new is started.
    pub stop: crate::run::Interrupt,
    /// When the cycles must end, whatever the target does.
    deadline: Mutex<Option<Instant>>,
    /// Set once the cleanup starts: an interrupt no longer stops it (a second one exits).
    cleaning: std::sync::atomic::AtomicBool,
    /// `collection/id` of every object proved this run's (`matching::prove`).
    proved: Mutex<std::collections::HashSet<String>>,
    /// Users whose delete or disable the deletion threshold held back: the target keeps them
    /// as they were, so the comparison with the source leaves them out.
    staged: Mutex<std::collections::HashSet<usize>>,
    /// Users deleted in the source that Okta deactivated instead (it never deletes users):
    /// still in the target, inactive, and still listed in their groups.
    deactivated: Mutex<std::collections::HashSet<usize>>,
    /// Requests scimtest adds to Entra's traffic: ownership proofs, delete read-backs and the
    /// comparison after each cycle.
    pub scimtest_reads: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Engine {
    /// An engine for `base`, writing its creates to `journal` and its log to `log`.
    pub(crate) fn new(
        http: Http,
        base: String,
        settings: Settings,
        journal: Journal,
        log: Sink,
    ) -> Arc<Self> {
        Arc::new(Engine {
            http,
            base,
            pacer: Pacer::new(settings.rate),
            settings,
            started: Instant::now(),
            journal,
            requests: AtomicU64::new(0),
            stats: Mutex::new(Stats::default()),
            log: Mutex::new(log),
            user_ids: Mutex::new(Vec::new()),
            answered_ids: Mutex::new(std::collections::HashSet::new()),
            group_ids: Mutex::new(Vec::new()),
            stop: crate::run::Interrupt::default(),
            deadline: Mutex::new(None),
            cleaning: std::sync::atomic::AtomicBool::new(false),
            proved: Mutex::new(std::collections::HashSet::new()),
            staged: Mutex::new(std::collections::HashSet::new()),
            deactivated: Mutex::new(std::collections::HashSet::new()),
            scimtest_reads: AtomicU64::new(0),
        })
    }

    /// Sets when the work must end (`None`: no limit); the cleanup gets a deadline of its own.
    pub(crate) fn set_deadline(&self, at: Option<Instant>) {
        *lock(&self.deadline) = at;
    }

    /// Whether new work may start: not interrupted, deadline not passed.
    pub(crate) fn go_on(&self) -> bool {
        let late = lock(&self.deadline).is_some_and(|d| Instant::now() >= d);
        !late && (self.cleaning.load(Ordering::Relaxed) || !self.stop.is_set())
    }

    /// Whether the deadline (not an interrupt) ended the work.
    pub(crate) fn past_deadline(&self) -> bool {
        lock(&self.deadline).is_some_and(|d| Instant::now() >= d)
    }

    /// Time since the engine started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn user_id(&self, i: usize) -> Option<String> {
        lock(&self.user_ids)
            .get(i)
            .cloned()
            .flatten()
            .map(|(id, _)| id)
    }

    fn group_id(&self, g: usize) -> Option<String> {
        lock(&self.group_ids)
            .get(g)
            .cloned()
            .flatten()
            .map(|(id, _)| id)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Answer {
        self.call_on(&self.http, method, path, query, body).await
    }

    /// `call`, through `http`.
    async fn call_on(
        &self,
        http: &Http,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Answer {
        self.pacer.wait().await;
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let shown: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let request = if shown.is_empty() {
            format!("{method} {path}")
        } else {
            format!("{method} {path}?{}", shown.join("&"))
        };
        let mut headers: Vec<(String, String)> = self
            .settings
            .profile
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if body.is_some() {
            headers.push((
                "Content-Type".into(),
                self.settings.profile.content_type().into(),
            ));
        }
        let req = OutRequest {
            method,
            url: compose(&self.base, path, &query, self.settings.profile.encoding()),
            headers,
            body: body.map(|b| serde_json::to_vec(b).expect("JSON values serialise")),
            auth: crate::model::Auth::Default,
        };
        let got = http.send_typed(req).await;
        let (exchange, json, raw, transport) = match got {
            Ok(r) => (r.exchange, r.json, r.body, None),
            Err((ex, e)) => (ex, None, Vec::new(), Some(e)),
        };
        let kind = transport.as_ref().map(|t| t.kind);
        let transport = transport.map(|t| t.message);
        let throttled = exchange
            .retries
            .iter()
            .filter(|r| r.starts_with("429"))
            .count() as u32;
        self.requests
            .fetch_add(1 + exchange.retries.len() as u64, Ordering::Relaxed);
        {
            let mut s = lock(&self.stats);
            s.throttled += u64::from(throttled);
            if transport.is_none() {
                s.latencies_us
                    .push(exchange.elapsed.as_micros().min(u128::from(u32::MAX)) as u32);
            }
            let sec = self.started.elapsed().as_secs() as usize;
            if s.per_second.len() <= sec {
                s.per_second.resize(sec + 1, 0);
            }
            s.per_second[sec] += 1 + exchange.retries.len() as u32;
        }
        Answer {
            status: exchange.status,
            json,
            transport,
            kind,
            throttled,
            request,
            body: raw,
        }
    }

    /// One Account Discovery page: `GET /Users?startIndex=K&count=N` (no filter), its body as
    /// read: the pass reads the few members it needs without building the JSON tree.
    pub(crate) async fn list_page(&self, start: usize, count: usize) -> super::discovery::Page {
        let q = [
            ("startIndex", start.to_string()),
            ("count", count.to_string()),
        ];
        let http = self.http.unparsed();
        let a = self
            .call_on(&http, reqwest::Method::GET, "/Users", &q, None)
            .await;
        super::discovery::Page {
            status: a.status,
            body: a.body,
            failure: a.transport,
        }
    }

    /// Whether the target should hold user `i`: created by this run and not deleted.
    pub(crate) fn holds_user(&self, i: usize) -> bool {
        lock(&self.user_ids).get(i).is_some_and(Option::is_some)
    }

    /// Requests in flight at most.
    pub(crate) fn concurrency(&self) -> usize {
        self.settings.concurrency
    }

    /// A GET scimtest adds to Entra's traffic (counted apart).
    async fn read_own(&self, path: &str, query: &[(&str, String)]) -> Answer {
        self.scimtest_reads.fetch_add(1, Ordering::Relaxed);
        self.call(reqwest::Method::GET, path, query, None).await
    }

    fn record(
        &self,
        cycle: &str,
        object: &'static str,
        source: &str,
        action: Action,
        outcome: Outcome,
    ) {
        let entry = Entry {
            at_ms: self.started.elapsed().as_millis() as u64,
            cycle: cycle.to_string(),
            object,
            source: source.to_string(),
            target_id: outcome.target_id.map(|t| self.http.redactor().redact(&t)),
            action,
            error: outcome.error,
            detail: outcome.detail.map(|d| {
                // One line: a server's multi-line detail (a stack of validation errors) would
                // break the console's and the log's layout.
                let d = one_line(&crate::report::terminal_safe(
                    &self.http.redactor().redact(&d),
                ));
                let mut kept: String = d.chars().take(DETAIL_MAX).collect();
                if kept.len() < d.len() {
                    kept.push_str(" …");
                }
                kept
            }),
            status: outcome.status,
            requests: outcome.requests,
            throttled: outcome.throttled,
            request: outcome.request.map(|r| {
                let r = crate::report::terminal_safe(&self.http.redactor().redact(&r));
                r.chars().take(DETAIL_MAX).collect()
            }),
            skipped: outcome.skipped,
        };
        lock(&self.log).push(&entry);
    }

    fn op(&self, op: &str) -> String {
        Directory::op(self.settings.profile, op)
    }

    fn bool_value(&self, b: bool) -> Value {
        // The default job sends booleans in PATCH as "True"/"False" (§3.3).
        match self.settings.profile {
            Profile::Entra => json!(if b { "True" } else { "False" }),
            _ => json!(b),
        }
    }

    /// Runs `work` for every index in `items`, at most `concurrency` at a time.
    async fn each<F, Fut>(self: &Arc<Self>, items: Vec<usize>, work: F)
    where
        F: Fn(Arc<Self>, usize) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let permits = Arc::new(tokio::sync::Semaphore::new(
            self.settings.concurrency.max(1),
        ));
        let work = Arc::new(work);
        let mut tasks = tokio::task::JoinSet::new();
        for i in items {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            if !self.go_on() {
                break;
            }
            let me = self.clone();
            let work = work.clone();
            tasks.spawn(async move {
                work(me, i).await;
                drop(permit);
            });
            // A finished task keeps its allocation, as large as its future, until it is
            // joined: reap as we go, so memory stays bounded by the concurrency.
            while tasks.try_join_next().is_some() {}
        }
        while tasks.join_next().await.is_some() {}
    }

    /// The initial cycle: users (match, create), managers, groups (match, create), members.
    pub(crate) async fn initial(self: &Arc<Self>, dir: &Arc<Directory>) {
        *lock(&self.user_ids) = vec![None; dir.users.len()];
        *lock(&self.group_ids) = vec![None; dir.groups.len()];
        let d = dir.clone();
        self.each((0..dir.users.len()).collect(), move |me, i| {
            let d = d.clone();
            async move { me.create(&d, "Users", i).await }
        })
        .await;
        let d = dir.clone();
        // Okta's reference has no manager mapping: none is written under `okta`.
        let managed: Vec<usize> = (0..dir.users.len())
            .filter(|&i| dir.users[i].manager.is_some() && !self.okta())
            .collect();
        self.each(managed, move |me, i| {
            let d = d.clone();
            async move { me.set_manager(&d, i).await }
        })
        .await;
        let d = dir.clone();
        self.each((0..dir.groups.len()).collect(), move |me, g| {
            let d = d.clone();
            async move { me.create(&d, "Groups", g).await }
        })
        .await;
        let mut batches = Vec::new();
        let batch = if self.okta() {
            okta::OKTA_MEMBER_BATCH
        } else {
            MEMBER_BATCH
        };
        for (g, group) in dir.groups.iter().enumerate() {
            let members: Vec<usize> = group.members.iter().copied().collect();
            for chunk in members.chunks(batch) {
                batches.push(Change::AddMembers(g, chunk.to_vec()));
            }
        }
        self.apply_all("initial", dir, batches).await;
    }

    async fn set_manager(&self, dir: &Directory, i: usize) {
        let name = dir.user_name(i);
        let mut out = Outcome::default();
        // One lock at a time: the slot, then the manager's id.
        let slot = lock(&self.user_ids)[i].clone();
        let manager = dir.users[i].manager.and_then(|m| self.user_id(m));
        let (Some((id, ticket)), Some(manager)) = (slot, manager) else {
            out.fail(
                "InvalidAnchor",
                "the user or its manager was not created".into(),
            );
            return self.record("initial", "user", &name, Action::SetManager, out);
        };
        out.target_id = Some(id.clone());
        let what = Creating {
            collection: "Users",
            object: "user",
            attr: "userName",
            name: &name,
        };
        // Entra sends no read here ([HOW] step 6); scimtest proves the user its own first.
        if !self.prove(&what, &id, ticket, &mut out, false).await {
            return self.record("initial", "user", &name, Action::SetManager, out);
        }
        let body = json!({"schemas": [PATCH_OP], "Operations": [
            {"op": self.op("Add"), "path": format!("{ENTERPRISE}:manager"), "value": manager}]});
        let a = self
            .call(reqwest::Method::PATCH, &at("Users", &id), &[], Some(&body))
            .await;
        out.add(&a);
        out.expect_success(&a, Action::SetManager, self.settings.profile);
        self.record("initial", "user", &name, Action::SetManager, out);
    }

    /// One incremental round: the directory's next changes, each preceded by Entra's
    /// matching query. Deletes and disables above the deletion threshold are not sent: they
    /// are logged `StagedDelete` ([DELETIONS]: deletes and disables count, per cycle; the job
    /// is quarantined). [DELETIONS] does not say whether those under the threshold go out
    /// first; scimtest holds them all, the circuit breaker's reading (inferred).
    pub(crate) async fn incremental(
        self: &Arc<Self>,
        round: usize,
        mut changes: Vec<Change>,
        dir: &Arc<Directory>,
    ) {
        let cycle = format!("incremental-{round}");
        if self.okta() {
            // Okta documents no deletion threshold; its changes take its own shapes.
            let changes = self.okta_changes(changes);
            return self.apply_all(&cycle, dir, changes).await;
        }
        let removal = |c: &Change| matches!(c, Change::Delete(_) | Change::Disable(_));
        let removals = changes.iter().filter(|c| removal(c)).count();
        let limit = self.settings.deletion_threshold;
        if limit > 0 && removals > limit {
            let (held, kept): (Vec<Change>, Vec<Change>) = changes.into_iter().partition(removal);
            changes = kept;
            for c in &held {
                self.stage(&cycle, dir, c, removals);
            }
        }
        self.apply_all(&cycle, dir, changes).await;
    }

    /// Logs a held delete or disable (`StagedDelete`), and keeps its user out of the
    /// comparison: the target rightly still has it as it was.
    fn stage(&self, cycle: &str, dir: &Directory, change: &Change, removals: usize) {
        let (Change::Delete(i) | Change::Disable(i)) = change else {
            return;
        };
        lock(&self.staged).insert(*i);
        let verb = if matches!(change, Change::Delete(_)) {
            "DELETE"
        } else {
            "disable (PATCH active false)"
        };
        let out = Outcome {
            target_id: self.user_id(*i),
            skipped: true,
            detail: Some(format!(
                "{verb} not sent: {removals} deletes and disables in this cycle pass the deletion threshold of {}",
                self.settings.deletion_threshold
            )),
            ..Outcome::default()
        };
        self.record(cycle, "user", &dir.user_name(*i), Action::StagedDelete, out);
    }

    async fn apply_all(self: &Arc<Self>, cycle: &str, dir: &Arc<Directory>, changes: Vec<Change>) {
        let changes = Arc::new(changes);
        let d = dir.clone();
        let cycle = Arc::new(cycle.to_string());
        let c2 = changes.clone();
        self.each((0..changes.len()).collect(), move |me, k| {
            let d = d.clone();
            let changes = c2.clone();
            let cycle = cycle.clone();
            async move { me.apply(&cycle, &d, &changes[k]).await }
        })
        .await;
    }

    /// The PATCH operations of a change, in the profile's shapes (none for a delete).
    fn patch_ops(&self, change: &Change) -> Vec<Value> {
        let member_values = |ids: &[usize]| -> Vec<Value> {
            ids.iter()
                .filter_map(|&m| self.user_id(m))
                .map(|v| json!({"$ref": null, "value": v}))
                .collect()
        };
        match change {
            Change::Update(_, attrs) => attrs
                .iter()
                .map(|(p, v)| json!({"op": self.op("Replace"), "path": p, "value": v}))
                .collect(),
            Change::Disable(_) => vec![
                json!({"op": self.op("Replace"), "path": "active", "value": self.bool_value(false)}),
            ],
            Change::Enable(_) => vec![
                json!({"op": self.op("Replace"), "path": "active", "value": self.bool_value(true)}),
            ],
            Change::AddMembers(_, ids) => {
                vec![json!({"op": self.op("Add"), "path": "members", "value": member_values(ids)})]
            }
            Change::RemoveMembers(_, ids) => match self.settings.profile {
                // The flag removes by value filter, one member per op (§3.3).
                Profile::Entra => {
                    vec![json!({"op": "Remove", "path": "members", "value": member_values(ids)})]
                }
                _ => ids
                    .iter()
                    .filter_map(|&m| self.user_id(m))
                    .map(|v| json!({"op": "remove", "path": format!("members[value eq \"{v}\"]")}))
                    .collect(),
            },
            // Okta's shapes are built by `okta_ops`.
            Change::Delete(_) | Change::PushMembers(..) => Vec::new(),
        }
    }

    /// The object a change is about: (`user`/`group`, collection, index, matching attribute,
    /// its name, the log's action).
    fn subject(
        dir: &Directory,
        change: &Change,
    ) -> (
        &'static str,
        &'static str,
        usize,
        &'static str,
        String,
        Action,
    ) {
        let action = match change {
            Change::Update(..) => Action::Update,
            Change::Disable(_) => Action::Disable,
            Change::Enable(_) => Action::Enable,
            Change::Delete(_) => Action::Delete,
            Change::AddMembers(..) => Action::AddMembers,
            Change::RemoveMembers(..) => Action::RemoveMembers,
            Change::PushMembers(..) => Action::GroupPush,
        };
        match change {
            Change::AddMembers(g, _)
            | Change::RemoveMembers(g, _)
            | Change::PushMembers(g, _, _) => (
                "group",
                "Groups",
                *g,
                "displayName",
                dir.groups[*g].display_name.clone(),
                action,
            ),
            Change::Update(i, _) | Change::Disable(i) | Change::Enable(i) | Change::Delete(i) => {
                ("user", "Users", *i, "userName", dir.user_name(*i), action)
            }
        }
    }

    /// One change: in an incremental cycle, Entra's matching query first ([HOW] incremental
    /// step 3), which also proves the object this run's; in the initial cycle (member
    /// batches), a proof scimtest adds once per group. Then the write.
    async fn apply(&self, cycle: &str, dir: &Directory, change: &Change) {
        if self.okta() && cycle != "initial" {
            return self.apply_okta(cycle, dir, change).await;
        }
        let (object, collection, index, attr, name, action) = Self::subject(dir, change);
        let mut out = Outcome::default();
        let Some((id, ticket)) = lock(self.slots(collection))[index].clone() else {
            out.fail(
                "InvalidAnchor",
                format!("the {object} was never created in the target"),
            );
            return self.record(cycle, object, &name, action, out);
        };
        out.target_id = Some(id.clone());
        let what = Creating {
            collection,
            object,
            attr,
            name: &name,
        };
        let entra = cycle != "initial";
        if !self.prove(&what, &id, ticket, &mut out, entra).await {
            return self.record(cycle, object, &name, action, out);
        }
        let a = if matches!(change, Change::Delete(_)) {
            let (a, kept) = self.deprovision(index, &id, &mut out).await;
            if let Some(e) = kept {
                // The DELETE was answered as a success, yet the user is still there:
                // deprovisioning did nothing.
                out.fail_on(&a, super::log::UNREADABLE, e);
                return self.record(cycle, object, &name, action, out);
            }
            a
        } else {
            let ops = if self.okta() {
                self.okta_ops(dir, change, &id)
            } else {
                self.patch_ops(change)
            };
            let body = json!({"schemas": [PATCH_OP], "Operations": ops});
            let path = at(collection, &id);
            let a = self
                .call(reqwest::Method::PATCH, &path, &[], Some(&body))
                .await;
            out.add(&a);
            a
        };
        // The action's status and request are its write's, not those of the reads verifying it.
        out.status = a.status;
        out.request = Some(a.request.clone());
        out.expect_success(&a, action, self.settings.profile);
        self.record(cycle, object, &name, action, out);
    }

    /// Compares the target with the source directory: every attribute the cycles wrote and
    /// every membership. Sends one GET per object.
    pub(crate) async fn verify(self: &Arc<Self>, dir: &Arc<Directory>) -> Vec<Difference> {
        let diffs = Arc::new(Mutex::new(Vec::new()));
        let (d, out) = (dir.clone(), diffs.clone());
        self.each((0..dir.users.len()).collect(), move |me, i| {
            let (d, out) = (d.clone(), out.clone());
            async move {
                let found = me.verify_user(&d, i).await;
                lock(&out).extend(found);
            }
        })
        .await;
        let (d, out) = (dir.clone(), diffs.clone());
        self.each((0..dir.groups.len()).collect(), move |me, g| {
            let (d, out) = (d.clone(), out.clone());
            async move {
                let found = me.verify_group(&d, g).await;
                lock(&out).extend(found);
            }
        })
        .await;
        let mut all = std::mem::take(&mut *lock(&diffs));
        all.sort_by(|a, b| {
            (a.object, &a.source, &a.attribute).cmp(&(b.object, &b.source, &b.attribute))
        });
        all
    }

    /// GETs `path` for verification: the resource, or what was answered instead.
    async fn read(&self, path: &str) -> Result<Value, String> {
        let a = self.read_own(path, &[]).await;
        match (a.status, a.json) {
            (200, Some(r)) => Ok(r),
            (status, _) => Err(a.transport.unwrap_or_else(|| status.to_string())),
        }
    }

    async fn verify_user(&self, dir: &Directory, i: usize) -> Vec<Difference> {
        let diff = |attribute: &str, expected: String, actual: String| Difference {
            object: "user",
            source: dir.user_name(i),
            attribute: attribute.to_string(),
            expected,
            actual,
        };
        let Some(id) = self.user_id(i) else {
            // Deleted by this run (the slot was cleared), or never created (logged already).
            return Vec::new();
        };
        if lock(&self.staged).contains(&i) {
            return Vec::new();
        }
        let r = match self.read(&at("Users", &id)).await {
            Ok(r) => r,
            Err(answer) => return vec![diff("(resource)", "present".into(), answer)],
        };
        let okta = self.okta();
        let deactivated = okta && lock(&self.deactivated).contains(&i);
        let mut out: Vec<Difference> = self
            .expected_and_found(dir, i, &r)
            .into_iter()
            // Under `okta`, only core attributes are provisioned (no enterprise mapping).
            .filter(|(k, _, _)| !(okta && k.starts_with("urn:")))
            // Deleted in the source, deactivated by Okta: in the target, inactive.
            .map(|(k, e, a)| match k {
                "active" if deactivated => (k, "false".to_string(), a),
                _ => (k, e, a),
            })
            .filter(|(_, e, a)| e != a)
            .map(|(k, e, a)| diff(k, e, a))
            .collect();
        for (path, expected, actual) in mapped_differences(dir, i, &r) {
            out.push(diff(&path, expected, actual));
        }
        out
    }

    /// User `i`'s core and enterprise attributes: (attribute, expected from the source,
    /// found in the target's resource `r`), as text.
    fn expected_and_found(
        &self,
        dir: &Directory,
        i: usize,
        r: &Value,
    ) -> Vec<(&'static str, String, String)> {
        let u = &dir.users[i];
        let text = |v: Option<&Value>| match v {
            None | Some(Value::Null) => "(absent)".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let work_email = r.get("emails").and_then(Value::as_array).and_then(|e| {
            e.iter()
                .find(|x| x.get("type").and_then(Value::as_str) == Some("work"))
                .or(e.first())
                .and_then(|x| x.get("value"))
        });
        let ext = r.get(ENTERPRISE);
        let manager = ext
            .and_then(|e| e.get("manager"))
            .map(|m| m.get("value").unwrap_or(m));
        let expected_manager = u.manager.and_then(|m| self.user_id(m));
        vec![
            ("userName", dir.user_name(i), text(r.get("userName"))),
            ("externalId", dir.external_id(i), text(r.get("externalId"))),
            (
                "displayName",
                dir.display_name(i),
                text(r.get("displayName")),
            ),
            (
                "name.givenName",
                dir.given_name(i).to_string(),
                text(r.get("name").and_then(|n| n.get("givenName"))),
            ),
            (
                "name.familyName",
                dir.family_name(i).to_string(),
                text(r.get("name").and_then(|n| n.get("familyName"))),
            ),
            (
                "emails[type eq \"work\"].value",
                dir.email(i),
                text(work_email),
            ),
            ("title", dir.title(i), text(r.get("title"))),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                dir.department(i).to_string(),
                text(ext.and_then(|e| e.get("department"))),
            ),
            (
                "active",
                u.active.to_string(),
                text(r.get("active")).to_ascii_lowercase(),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                expected_manager.unwrap_or_else(|| "(absent)".into()),
                text(manager),
            ),
        ]
    }

    async fn verify_group(&self, dir: &Directory, g: usize) -> Vec<Difference> {
        let gr = &dir.groups[g];
        let diff = |attribute: &str, expected: String, actual: String| Difference {
            object: "group",
            source: gr.display_name.clone(),
            attribute: attribute.to_string(),
            expected,
            actual,
        };
        let Some(id) = self.group_id(g) else {
            return Vec::new();
        };
        let r = match self.read(&at("Groups", &id)).await {
            Ok(r) => r,
            Err(answer) => return vec![diff("(resource)", "present".into(), answer)],
        };
        let mut out = Vec::new();
        let name = r
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or("(absent)");
        if name != gr.display_name {
            out.push(diff(
                "displayName",
                gr.display_name.clone(),
                name.to_string(),
            ));
        }
        let expected: BTreeSet<String> =
            gr.members.iter().filter_map(|&m| self.user_id(m)).collect();
        // A user whose delete was held stays a member in the target: not a difference.
        let mut held: BTreeSet<String> = lock(&self.staged)
            .iter()
            .filter_map(|&m| self.user_id(m))
            .collect();
        // Deactivated by Okta rather than deleted: still a member in the target.
        let kept: Vec<usize> = lock(&self.deactivated).iter().copied().collect();
        held.extend(kept.into_iter().filter_map(|m| self.user_id(m)));
        let actual: BTreeSet<String> = r
            .get("members")
            .and_then(Value::as_array)
            .map(|m| {
                m.iter()
                    .filter_map(|x| x.get("value").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let missing: Vec<&String> = expected.difference(&actual).collect();
        let extra: Vec<&String> = actual
            .difference(&expected)
            .filter(|m| !held.contains(*m))
            .collect();
        if !missing.is_empty() || !extra.is_empty() {
            out.push(diff(
                "members",
                format!("{} members", expected.len()),
                format!(
                    "{} missing, {} not in the source",
                    missing.len(),
                    extra.len()
                ),
            ));
        }
        out
    }
}

/// Longest server detail kept in a log entry or a leftover line (characters): the log grows
/// with the number of actions, never with what a server answers.
pub(crate) const DETAIL_MAX: usize = 300;

/// `text` on one line: each run of white space, line breaks included, one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn describe(a: &Answer) -> String {
    let detail = a
        .json
        .as_ref()
        .and_then(|j| j.get("detail"))
        .and_then(Value::as_str);
    // Cut here, generously (a secret cut in two is no longer recognised by the redactor);
    // `record` masks, then cuts to `DETAIL_MAX`.
    let cut = |t: &str| t.chars().take(DETAIL_MAX * 8).collect::<String>();
    match (&a.transport, detail) {
        (Some(t), _) => cut(t),
        (None, Some(d)) if !d.trim().is_empty() => format!("{} ({})", a.status, cut(d)),
        (None, _) => a.status.to_string(),
    }
}

/// The failure's code as the profile's client logs it: Entra's codes, or what Okta does.
fn code(
    profile: Profile,
    status: u16,
    action: Action,
    kind: Option<crate::client::transport::TransportKind>,
) -> &'static str {
    match profile {
        Profile::Okta => super::log::classify_okta(status, action, kind),
        _ => classify(status, action, kind),
    }
}

/// The path of resource `id` in `collection`: the id is one encoded path segment, whatever
/// the target answered.
fn at(collection: &str, id: &str) -> String {
    format!("/{collection}/{}", crate::run::encode_segment(id))
}

/// An action's result while it is being built.
#[derive(Debug, Default)]
struct Outcome {
    target_id: Option<String>,
    error: Option<&'static str>,
    detail: Option<String>,
    status: u16,
    requests: u32,
    throttled: u32,
    /// The request the outcome was decided by.
    request: Option<String>,
    /// Not sent on purpose (`Entry::skipped`).
    skipped: bool,
}

impl Outcome {
    fn add(&mut self, a: &Answer) {
        self.status = a.status;
        self.request = Some(a.request.clone());
        self.add_read(a);
    }

    /// Fails on answer `a`: its status and request are the entry's.
    fn fail_on(&mut self, a: &Answer, code: &'static str, detail: String) {
        self.status = a.status;
        self.request = Some(a.request.clone());
        self.fail(code, detail);
    }

    /// Counts a read that checks the action's result: the log keeps the action's own status
    /// (a create's 201, not the 200 of the read that proves it).
    fn add_read(&mut self, a: &Answer) {
        self.requests += 1 + a.throttled;
        self.throttled += a.throttled;
    }

    fn fail(&mut self, code: &'static str, detail: String) {
        self.error = Some(code);
        self.detail = Some(detail);
    }

    fn expect_success(&mut self, a: &Answer, action: Action, profile: Profile) {
        let ok = a.transport.is_none()
            && match action {
                Action::Delete => matches!(a.status, 200 | 204),
                _ => (200..300).contains(&a.status),
            };
        if !ok {
            self.fail_on(
                a,
                code(profile, a.status, action, a.kind),
                format!("{} answered {}", action.name(), describe(a)),
            );
        }
    }
}

/// The app's own mapped attributes of user `i` that differ in the target's resource `r`:
/// (path, expected, found). The same JSON value, type included (a date-time may come back
/// with fractional seconds).
fn mapped_differences(dir: &Directory, i: usize, r: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (a, expected) in dir.extra_values(i) {
        let actual = crate::model::ScimPath::parse(&a.path)
            .ok()
            .and_then(|p| p.resolve(r).cloned())
            .unwrap_or(Value::Null);
        let same = actual == expected
            || (a.kind == crate::model::ValueType::DateTime
                && actual
                    .as_str()
                    .zip(expected.as_str())
                    .is_some_and(|(x, y)| {
                        x.trim_end_matches('Z').trim_end_matches(".000") == y.trim_end_matches('Z')
                    }));
        if !same {
            out.push((a.path.clone(), expected.to_string(), actual.to_string()));
        }
    }
    out
}

/// The object a create is about, as its matching query and its proof see it.
#[derive(Clone, Copy)]
struct Creating<'a> {
    /// `Users` or `Groups`.
    collection: &'static str,
    /// `user` or `group`, as the log says it.
    object: &'static str,
    /// The matching attribute.
    attr: &'static str,
    /// Its value: this run's name for the object.
    name: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_described_by_its_status_and_a_detail_that_says_something() {
        let answer = |json: Option<Value>| Answer {
            status: 501,
            json,
            ..Default::default()
        };
        assert_eq!(describe(&answer(None)), "501");
        assert_eq!(describe(&answer(Some(json!({"detail": " "})))), "501");
        assert_eq!(
            describe(&answer(Some(json!({"detail": "not implemented"})))),
            "501 (not implemented)"
        );
        assert_eq!(
            one_line("1 validation error\n  manager\n\tInput should be a dict"),
            "1 validation error manager Input should be a dict"
        );
    }
}
