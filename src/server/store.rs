//! The in-memory resource store: users and groups, their uniqueness indexes and versions.
//!
//! One `RwLock` per resource table: reads (GET, queries) share it, writes take it briefly.
//! Every operation is a short, synchronous critical section, so an async lock would only add
//! cost. Resources are kept as compact JSON text in their canonical attribute spelling: a
//! parsed `serde_json` tree costs about eight times the memory (measured by
//! `cargo bench --bench server`), and parsing one resource back takes microseconds.

use super::defect::{Defect, Defects};
use super::error::ScimError;
use super::filter::{self, EvalOptions, Filter};
use super::schema::{ENTERPRISE, GROUP, ResourceKind, USER};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::SystemTime;

/// A stored resource.
pub type Resource = Map<String, Value>;

/// A resource as stored: compact JSON text.
struct Stored(Box<str>);

impl Stored {
    fn encode(r: &Resource) -> Stored {
        Stored(
            serde_json::to_string(r)
                .expect("JSON maps serialise")
                .into_boxed_str(),
        )
    }
    fn decode(&self) -> Resource {
        serde_json::from_str(&self.0).expect("the store holds only JSON it wrote")
    }
}

#[derive(Default)]
struct Table {
    /// Creation order → resource; gives stable pagination.
    by_seq: BTreeMap<u64, Stored>,
    /// id → creation sequence.
    by_id: HashMap<String, u64>,
    /// Lower-cased unique attribute (userName / displayName) → creation sequence.
    unique: HashMap<String, u64>,
    /// Deleted resources, kept only for the `deleted-still-returned` defect.
    graveyard: HashMap<String, Resource>,
    /// Bytes of compact JSON held in `by_seq`.
    bytes: usize,
    /// Where recent plain listings stopped (see `Cursors`).
    cursors: Mutex<Cursors>,
}

/// Where recent plain listings stopped: (0-based position, creation sequence of the resource
/// there). A page that starts at or after a remembered position walks on from it instead of
/// from the first resource, so paging through n resources — one page after another, or a few
/// at once as Entra's Account Discovery does — costs O(n), not O(n² / page size). A cursor
/// holds only while no resource is added or removed (`Table::add`, `Table::take` clear them);
/// an update keeps its resource's sequence, hence every position.
#[derive(Default)]
struct Cursors(VecDeque<(usize, u64)>);

/// Cursors remembered at most: a few windows of concurrent pages.
const CURSORS: usize = 64;

impl Cursors {
    /// The remembered cursor nearest before 0-based position `at`, if any.
    fn before(&self, at: usize) -> Option<(usize, u64)> {
        self.0
            .iter()
            .filter(|(p, _)| *p <= at)
            .max_by_key(|(p, _)| *p)
            .copied()
    }

    fn remember(&mut self, at: usize, seq: u64) {
        if self.0.iter().any(|(p, _)| *p == at) {
            return;
        }
        if self.0.len() == CURSORS {
            self.0.pop_front();
        }
        self.0.push_back((at, seq));
    }
}

impl Table {
    /// Stores a new resource; positions move, so the cursors go.
    fn add(&mut self, seq: u64, stored: Stored) {
        self.cursors_mut().0.clear();
        self.bytes += stored.0.len();
        self.by_seq.insert(seq, stored);
    }

    /// Removes a resource; positions move, so the cursors go.
    fn take(&mut self, seq: u64) -> Option<Stored> {
        self.cursors_mut().0.clear();
        let gone = self.by_seq.remove(&seq)?;
        self.bytes -= gone.0.len();
        Some(gone)
    }

    fn cursors_mut(&mut self) -> &mut Cursors {
        self.cursors.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    /// `count` resources in creation order from 0-based position `skip`: walked from the
    /// nearest cursor, and the position after them remembered for the next page.
    fn plain_page(&self, skip: usize, count: usize) -> Vec<Resource> {
        let lock = || self.cursors.lock().unwrap_or_else(|p| p.into_inner());
        // Sequences start at 1: from 0 is from the first resource.
        let (at, from) = lock().before(skip).unwrap_or((0, 0));
        let mut rest = self.by_seq.range(from..).skip(skip - at);
        let page: Vec<Resource> = rest.by_ref().take(count).map(|(_, s)| s.decode()).collect();
        if let Some((&next, _)) = rest.next() {
            lock().remember(skip + page.len(), next);
        }
        page
    }
}

/// A page of query results.
#[derive(Debug)]
pub struct Page {
    /// Matches in total.
    pub total: usize,
    /// 1-based index of the first returned match.
    pub start_index: usize,
    /// The resources of this page.
    pub resources: Vec<Resource>,
}

/// How a query is answered.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// The filter, if any.
    pub filter: Option<Filter>,
    /// `sortBy`.
    pub sort_by: Option<filter::AttrPath>,
    /// `sortOrder=descending`.
    pub descending: bool,
    /// 1-based `startIndex`.
    pub start_index: usize,
    /// `count`.
    pub count: usize,
}

/// How much one store holds. Beyond either limit a write answers 507 Insufficient Storage
/// with a clear detail instead of growing without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most resources of one kind (users, or groups).
    pub max_resources: usize,
    /// Largest stored resource, in bytes of compact JSON (a group's members count).
    pub max_resource_bytes: usize,
    /// Most bytes of compact JSON one kind holds in all: a count alone does not bound memory
    /// when every resource may be 4 MiB.
    pub max_bytes: usize,
    /// Most connections served at once (`serve`); more wait to be accepted.
    pub max_connections: usize,
}

impl Default for Limits {
    /// 200,000 of each kind (about 180 MiB of Entra-shaped users), 4 MiB per resource (a
    /// group of some 50,000 members), 1 GiB of each kind, 512 connections.
    fn default() -> Self {
        Limits {
            max_resources: 200_000,
            max_resource_bytes: 4 * 1024 * 1024,
            max_bytes: 1024 * 1024 * 1024,
            max_connections: 512,
        }
    }
}

/// Both tables.
pub struct Store {
    users: RwLock<Table>,
    groups: RwLock<Table>,
    seq: AtomicU64,
    defects: Defects,
    limits: Limits,
}

fn insufficient(detail: String) -> ScimError {
    ScimError {
        status: 507,
        scim_type: None,
        detail,
    }
}

/// Rewrites every string value of a resource, at any depth (the value-mangling defects).
fn each_string(attrs: &mut Resource, rewrite: &dyn Fn(&str) -> String) {
    fn walk(v: &mut Value, rewrite: &dyn Fn(&str) -> String) {
        match v {
            Value::String(s) => *s = rewrite(s),
            Value::Array(a) => a.iter_mut().for_each(|v| walk(v, rewrite)),
            Value::Object(o) => o.values_mut().for_each(|v| walk(v, rewrite)),
            _ => {}
        }
    }
    attrs.values_mut().for_each(|v| walk(v, rewrite));
}

fn unique_attr(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    }
}

fn unique_key(kind: ResourceKind, r: &Resource) -> Option<String> {
    r.get(unique_attr(kind))
        .and_then(Value::as_str)
        .map(str::to_lowercase)
}

/// The current time as RFC 3339 UTC.
pub(crate) fn now_rfc3339() -> String {
    crate::clock::rfc3339(SystemTime::now())
}

impl Store {
    /// An empty store whose behaviour honours `defects`, with the default limits.
    pub fn new(defects: Defects) -> Self {
        Self::with_limits(defects, Limits::default())
    }

    /// An empty store with the given limits.
    pub(crate) fn with_limits(defects: Defects, limits: Limits) -> Self {
        Store {
            users: RwLock::default(),
            groups: RwLock::default(),
            seq: AtomicU64::new(1),
            defects,
            limits,
        }
    }

    /// Whether `more` bytes fit beside the `held` bytes of `kind` already stored.
    fn check_bytes(&self, kind: ResourceKind, held: usize, more: usize) -> Result<(), ScimError> {
        if held.saturating_add(more) > self.limits.max_bytes {
            return Err(insufficient(format!(
                "this server holds its maximum of {} MiB of {}s; delete some first",
                self.limits.max_bytes / (1024 * 1024),
                kind.name()
            )));
        }
        Ok(())
    }

    fn encode_within_limit(&self, kind: ResourceKind, r: &Resource) -> Result<Stored, ScimError> {
        let stored = Stored::encode(r);
        if stored.0.len() > self.limits.max_resource_bytes {
            return Err(insufficient(format!(
                "the {} would take {} bytes; this server stores at most {} per resource",
                kind.name(),
                stored.0.len(),
                self.limits.max_resource_bytes
            )));
        }
        Ok(stored)
    }

    fn table(&self, kind: ResourceKind) -> &RwLock<Table> {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    fn check_unique(
        &self,
        kind: ResourceKind,
        t: &Table,
        r: &Resource,
        own: Option<u64>,
    ) -> Result<(), ScimError> {
        if self.defects.has(Defect::DuplicatesAccepted) {
            return Ok(());
        }
        if let Some(key) = unique_key(kind, r)
            && let Some(&seq) = t.unique.get(&key)
            && Some(seq) != own
            && !self.differs_in_case_only(kind, t, seq, r)
        {
            return Err(ScimError::conflict(format!(
                "a {} with {} `{}` already exists",
                kind.name(),
                unique_attr(kind),
                r[unique_attr(kind)].as_str().unwrap_or_default()
            )));
        }
        Ok(())
    }

    /// The `username-unique-case-sensitive` and `group-unique-case-sensitive` defects: a name
    /// that matches the stored one only when case is ignored is not a conflict.
    fn differs_in_case_only(&self, kind: ResourceKind, t: &Table, seq: u64, r: &Resource) -> bool {
        let defect = match kind {
            ResourceKind::User => Defect::UserNameUniqueCaseSensitive,
            ResourceKind::Group => Defect::GroupNameUniqueCaseSensitive,
        };
        if !self.defects.has(defect) {
            return false;
        }
        let attr = unique_attr(kind);
        let held = t.by_seq.get(&seq).map(Stored::decode);
        held.and_then(|h| h.get(attr).cloned()) != r.get(attr).cloned()
    }

    fn finish(&self, kind: ResourceKind, attrs: &mut Resource) {
        if self.defects.has(Defect::EnterpriseDropped) {
            attrs.remove(ENTERPRISE);
        }
        self.careless(attrs);
        let mut schemas = vec![json!(match kind {
            ResourceKind::User => USER,
            ResourceKind::Group => GROUP,
        })];
        for ext in kind.extensions() {
            if attrs.contains_key(ext.id) {
                schemas.push(json!(ext.id));
            }
        }
        attrs.insert("schemas".into(), Value::Array(schemas));
    }

    /// The "careless server" defects: values stored differently from how they were sent.
    fn careless(&self, attrs: &mut Resource) {
        for d in self.defects.attributes() {
            mis_store(attrs, d);
        }
        if self.defects.has(Defect::ExtraCoreAttributesDropped) {
            for key in ["profileUrl", "locale", "preferredLanguage"] {
                attrs.remove(key);
            }
            if let Some(Value::Object(name)) = attrs.get_mut("name") {
                for key in ["middleName", "honorificPrefix", "honorificSuffix"] {
                    name.remove(key);
                }
            }
        }
        if self.defects.has(Defect::UserNamesLowercased)
            && let Some(Value::String(u)) = attrs.get_mut("userName")
        {
            *u = u.to_lowercase();
        }
        if self.defects.has(Defect::PhoneNumbersNormalised)
            && let Some(Value::Array(phones)) = attrs.get_mut("phoneNumbers")
        {
            for p in phones {
                if let Some(Value::String(v)) = p.get_mut("value") {
                    *v = v
                        .chars()
                        .enumerate()
                        .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
                        .map(|(_, c)| c)
                        .collect();
                }
            }
        }
        if self.defects.has(Defect::NonAsciiReplaced) {
            each_string(attrs, &|s| {
                s.chars()
                    .map(|c| if c.is_ascii() { c } else { '?' })
                    .collect()
            });
        }
        if self.defects.has(Defect::ValuesHtmlEscaped) {
            each_string(attrs, &|s| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            });
        }
        if self.defects.has(Defect::ControlCharactersStripped) {
            each_string(attrs, &|s| {
                s.chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect()
            });
        }
    }

    /// Creates a resource from normalised attributes; answers the stored resource.
    pub fn create(&self, kind: ResourceKind, mut attrs: Resource) -> Result<Resource, ScimError> {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let id = uuid::Uuid::new_v4().simple().to_string();
        let now = now_rfc3339();
        self.finish(kind, &mut attrs);
        attrs.insert("id".into(), json!(id));
        attrs.insert(
            "meta".into(),
            json!({"resourceType": kind.name(), "created": now, "lastModified": now, "version": format!("W/\"{seq}\"")}),
        );
        let stored = self.encode_within_limit(kind, &attrs)?;
        let mut t = self.table(kind).write().expect("store lock poisoned");
        if t.by_seq.len() >= self.limits.max_resources {
            return Err(insufficient(format!(
                "this server holds its maximum of {} {}s; delete some first",
                self.limits.max_resources,
                kind.name()
            )));
        }
        self.check_bytes(kind, t.bytes, stored.0.len())?;
        self.check_unique(kind, &t, &attrs, None)?;
        if let Some(key) = unique_key(kind, &attrs) {
            t.unique.entry(key).or_insert(seq);
        }
        t.by_id.insert(id, seq);
        t.add(seq, stored);
        Ok(attrs)
    }

    /// The resource with `id`, if any.
    pub fn get(&self, kind: ResourceKind, id: &str) -> Option<Resource> {
        let t = self.table(kind).read().expect("store lock poisoned");
        match t.by_id.get(id) {
            Some(seq) => t.by_seq.get(seq).map(Stored::decode),
            None if self.defects.has(Defect::DeletedStillReturned) => t.graveyard.get(id).cloned(),
            None => None,
        }
    }

    /// Replaces or patches the resource with `id`: `change` edits a copy, which is stored only
    /// if it succeeds and keeps the uniqueness rule. `if_match` is an ETag precondition.
    pub fn update(
        &self,
        kind: ResourceKind,
        id: &str,
        if_match: Option<&str>,
        change: impl FnOnce(&mut Resource) -> Result<(), ScimError>,
    ) -> Result<Resource, ScimError> {
        let mut t = self.table(kind).write().expect("store lock poisoned");
        let seq = *t
            .by_id
            .get(id)
            .ok_or_else(|| ScimError::not_found(kind.name(), id))?;
        let current = t.by_seq[&seq].decode();
        check_if_match(&current, if_match)?;
        let mut next = current.clone();
        let meta = next.remove("meta");
        next.remove("id");
        next.remove("schemas");
        change(&mut next)?;
        super::resource::check_required(kind, &next)?;
        self.check_unique(kind, &t, &next, Some(seq))?;
        self.finish(kind, &mut next);
        next.insert("id".into(), json!(id));
        let version = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut meta = meta.unwrap_or_else(|| json!({}));
        meta["lastModified"] = json!(now_rfc3339());
        meta["version"] = json!(format!("W/\"{version}\""));
        next.insert("meta".into(), meta);
        // Checked before the indexes change, so a refused update leaves everything as it was.
        let stored = self.encode_within_limit(kind, &next)?;
        let old_len = t.by_seq[&seq].0.len();
        self.check_bytes(kind, t.bytes - old_len, stored.0.len())?;
        let old_key = unique_key(kind, &current);
        let new_key = unique_key(kind, &next);
        let reindex =
            !(kind == ResourceKind::User && self.defects.has(Defect::UserNameRenameNotIndexed));
        if old_key != new_key && reindex {
            if let Some(old) = old_key
                && t.unique.get(&old) == Some(&seq)
            {
                t.unique.remove(&old);
            }
            if let Some(new) = new_key {
                t.unique.entry(new).or_insert(seq);
            }
        }
        t.bytes = t.bytes - old_len + stored.0.len();
        // The same sequence: positions, hence the listing cursors, stay.
        t.by_seq.insert(seq, stored);
        Ok(next)
    }

    /// Deletes the resource with `id`; deleting a user also removes it from every group.
    pub fn delete(
        &self,
        kind: ResourceKind,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), ScimError> {
        {
            let mut t = self.table(kind).write().expect("store lock poisoned");
            let seq = *t
                .by_id
                .get(id)
                .ok_or_else(|| ScimError::not_found(kind.name(), id))?;
            check_if_match(&t.by_seq[&seq].decode(), if_match)?;
            t.by_id.remove(id);
            let gone = t.take(seq).expect("indexes agree").decode();
            if let Some(key) = unique_key(kind, &gone)
                && t.unique.get(&key) == Some(&seq)
            {
                t.unique.remove(&key);
            }
            if self.defects.has(Defect::DeletedStillReturned)
                || self.defects.has(Defect::DeletedStillListed)
            {
                t.graveyard.insert(id.to_string(), gone);
            }
        }
        if kind == ResourceKind::User && !self.defects.has(Defect::DanglingMembers) {
            let mut groups = self.groups.write().expect("store lock poisoned");
            // Only groups whose text mentions the id can hold it; decode just those.
            let mut freed = 0;
            for stored in groups.by_seq.values_mut().filter(|g| g.0.contains(id)) {
                let mut g = stored.decode();
                if let Some(Value::Array(members)) = g.get_mut("members") {
                    members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
                }
                let before = stored.0.len();
                *stored = Stored::encode(&g);
                freed += before.saturating_sub(stored.0.len());
            }
            groups.bytes = groups.bytes.saturating_sub(freed);
        }
        Ok(())
    }

    /// How filters are evaluated, given the defects that change it.
    fn eval_options(&self) -> EvalOptions {
        EvalOptions {
            force_case_exact: self.defects.has(Defect::FilterCaseSensitive),
            eq_as_prefix: self.defects.has(Defect::EqAsPrefix),
        }
    }

    /// Whether the lower-cased uniqueness index gives the same answer as evaluating the
    /// filter: not under the defects that change what `eq` or uniqueness means.
    fn index_answers(&self, opts: EvalOptions) -> bool {
        !opts.force_case_exact
            && !opts.eq_as_prefix
            && !self.defects.has(Defect::DuplicatesAccepted)
    }

    /// Answers a query: filter, sort, then paginate.
    pub fn query(&self, kind: ResourceKind, q: &Query) -> Page {
        let opts = self.eval_options();
        let t = self.table(kind).read().expect("store lock poisoned");
        let hide_inactive = kind == ResourceKind::User && self.defects.has(Defect::InactiveHidden);
        let visible =
            |r: &Resource| !(hide_inactive && r.get("active") == Some(&Value::Bool(false)));
        if q.filter.is_none() && q.sort_by.is_none() && !hide_inactive {
            // A plain listing: decode only the page.
            let start = q.start_index.max(1);
            return Page {
                total: t.by_seq.len(),
                start_index: start,
                resources: t.plain_page(start - 1, q.count),
            };
        }
        let indexed = q
            .filter
            .as_ref()
            .and_then(filter::simple_eq)
            .filter(|(attr, _)| attr.eq_ignore_ascii_case(unique_attr(kind)))
            .filter(|_| self.index_answers(opts));
        let mut matches: Vec<Resource> = match indexed {
            Some((_, value)) => t
                .unique
                .get(&value.to_lowercase())
                .and_then(|seq| t.by_seq.get(seq))
                .map(Stored::decode)
                .into_iter()
                .filter(|r| visible(r))
                .collect(),
            None => t
                .by_seq
                .values()
                .map(Stored::decode)
                .filter(|r| visible(r))
                .filter(|r| {
                    q.filter
                        .as_ref()
                        .is_none_or(|f| filter::matches(f, r, kind, opts))
                })
                .collect(),
        };
        if self.defects.has(Defect::DeletedStillListed)
            && let Some(f) = &q.filter
        {
            matches.extend(
                t.graveyard
                    .values()
                    .filter(|r| filter::matches(f, r, kind, opts))
                    .cloned(),
            );
        }
        drop(t);
        if let Some(sort) = &q.sort_by {
            let key = |r: &Resource| {
                filter::select(r, sort)
                    .first()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_lowercase))
            };
            matches.sort_by_cached_key(|r| key(r));
            if q.descending {
                matches.reverse();
            }
        }
        let total = matches.len();
        let start = q.start_index.max(1);
        let resources = matches.into_iter().skip(start - 1).take(q.count).collect();
        Page {
            total,
            start_index: start,
            resources,
        }
    }

    /// Number of users and groups held.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.users.read().expect("store lock poisoned").by_seq.len(),
            self.groups
                .read()
                .expect("store lock poisoned")
                .by_seq
                .len(),
        )
    }
}

/// Checks an `If-Match` precondition against the resource's version.
fn check_if_match(r: &Resource, if_match: Option<&str>) -> Result<(), ScimError> {
    let Some(wanted) = if_match else {
        return Ok(());
    };
    let version = r["meta"]["version"].as_str().unwrap_or_default();
    let ok = wanted.split(',').map(str::trim).any(|w| {
        w == "*" || w == version || w.trim_start_matches("W/") == version.trim_start_matches("W/")
    });
    if ok {
        Ok(())
    } else {
        Err(ScimError::precondition(format!(
            "If-Match {wanted} does not match the current version {version}"
        )))
    }
}

/// Applies one attribute defect to a stored resource. The attribute is named as a mapping
/// targets it: `attr`, `attr.sub`, or `urn:…:attr` (value paths are not supported).
fn mis_store(attrs: &mut Resource, d: &super::AttributeDefect) {
    use super::AttributeFault;
    let Ok(path) = super::filter::AttrPath::parse(&d.attribute) else {
        return;
    };
    let container = match &path.urn {
        Some(urn) => attrs
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(urn))
            .and_then(|(_, v)| v.as_object_mut()),
        None => Some(&mut *attrs),
    };
    let Some(mut container) = container else {
        return;
    };
    let mut name = path.attr.clone();
    if let Some(sub) = &path.sub {
        let Some(inner) = container
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&path.attr))
            .and_then(|(_, v)| v.as_object_mut())
        else {
            return;
        };
        container = inner;
        name = sub.clone();
    }
    let Some(key) = container
        .keys()
        .find(|k| k.eq_ignore_ascii_case(&name))
        .cloned()
    else {
        return;
    };
    match d.fault {
        AttributeFault::Drop => {
            container.remove(&key);
        }
        AttributeFault::Rename => {
            if let Some(v) = container.remove(&key) {
                container.insert(format!("{key}Value"), v);
            }
        }
        AttributeFault::Retype => {
            if let Some(v) = container.get_mut(&key) {
                *v = match v.take() {
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::Bool(b) => Value::String(if b { "True" } else { "False" }.into()),
                    // Never back to a number: the fault is applied on every store, and a
                    // value it already changed must stay wrong.
                    Value::String(t) => Value::Array(vec![Value::String(t)]),
                    other @ Value::Array(_) => other,
                    other => Value::String(other.to_string()),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(v: Value) -> Resource {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn timestamp_shape() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }

    #[test]
    fn uniqueness_is_case_insensitive_and_follows_renames() {
        let s = Store::new(Defects::default());
        let a = s
            .create(ResourceKind::User, attrs(json!({"userName": "Alice"})))
            .unwrap();
        assert_eq!(
            s.create(ResourceKind::User, attrs(json!({"userName": "ALICE"})))
                .unwrap_err()
                .status,
            409
        );
        let id = a["id"].as_str().unwrap();
        s.update(ResourceKind::User, id, None, |r| {
            r.insert("userName".into(), json!("bob"));
            Ok(())
        })
        .unwrap();
        s.create(ResourceKind::User, attrs(json!({"userName": "alice"})))
            .unwrap();
        let q = Query {
            filter: Some(filter::parse(r#"userName eq "BOB""#).unwrap()),
            count: 10,
            ..Query::default()
        };
        assert_eq!(s.query(ResourceKind::User, &q).total, 1);
    }

    #[test]
    fn deleting_a_user_removes_memberships() {
        let s = Store::new(Defects::default());
        let u = s
            .create(ResourceKind::User, attrs(json!({"userName": "u"})))
            .unwrap();
        let uid = u["id"].as_str().unwrap().to_string();
        let g = s
            .create(
                ResourceKind::Group,
                attrs(json!({"displayName": "g", "members": [{"value": uid}, {"value": "other"}]})),
            )
            .unwrap();
        s.delete(ResourceKind::User, &uid, None).unwrap();
        let g = s
            .get(ResourceKind::Group, g["id"].as_str().unwrap())
            .unwrap();
        assert_eq!(g["members"], json!([{"value": "other"}]));
        assert!(s.get(ResourceKind::User, &uid).is_none());
    }

    #[test]
    fn if_match() {
        let s = Store::new(Defects::default());
        let u = s
            .create(ResourceKind::User, attrs(json!({"userName": "u"})))
            .unwrap();
        let id = u["id"].as_str().unwrap();
        let v = u["meta"]["version"].as_str().unwrap();
        assert_eq!(
            s.delete(ResourceKind::User, id, Some("W/\"nope\""))
                .unwrap_err()
                .status,
            412
        );
        s.delete(ResourceKind::User, id, Some(v)).unwrap();
    }

    /// The names on the plain page at 1-based `start`, as the store answers it.
    fn page_names(s: &Store, start: usize, count: usize) -> Vec<String> {
        let q = Query {
            start_index: start,
            count,
            ..Query::default()
        };
        let p = s.query(ResourceKind::User, &q);
        assert_eq!(p.start_index, start.max(1));
        names(p.resources.iter())
    }

    fn names<'a>(rs: impl Iterator<Item = &'a Resource>) -> Vec<String> {
        rs.map(|r| r["userName"].as_str().unwrap().to_string())
            .collect()
    }

    /// The same page by walking from the first resource, as the store did before cursors.
    fn skipped(s: &Store, start: usize, count: usize) -> Vec<String> {
        let t = s.users.read().unwrap();
        let page: Vec<Resource> = t
            .by_seq
            .values()
            .skip(start.max(1) - 1)
            .take(count)
            .map(Stored::decode)
            .collect();
        names(page.iter())
    }

    #[test]
    fn plain_pages_from_cursors_are_the_pages_of_a_walk_from_the_start() {
        let s = Store::new(Defects::default());
        let mut ids = Vec::new();
        let mut made = 0;
        let mut create = |s: &Store, ids: &mut Vec<String>| {
            let r = s
                .create(
                    ResourceKind::User,
                    attrs(json!({"userName": format!("u{made}")})),
                )
                .unwrap();
            made += 1;
            ids.push(r["id"].as_str().unwrap().to_string());
        };
        for _ in 0..60 {
            create(&s, &mut ids);
        }
        // A deterministic mix: pages in order, pages out of order (a window of concurrent
        // requests), the same page again, and creates, deletes and updates in between.
        let mut x: u64 = 7;
        let mut next = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) % n) as usize
        };
        let mut start = 1;
        for round in 0..400 {
            let count = [1, 3, 7, 10][next(4)];
            let at = match next(5) {
                0 => 1 + next(70),
                1 => start + count * next(4),
                _ => start,
            };
            assert_eq!(
                page_names(&s, at, count),
                skipped(&s, at, count),
                "round {round}: page at {at} of {count}"
            );
            start = if at > ids.len() { 1 } else { at + count };
            match next(6) {
                0 => create(&s, &mut ids),
                1 if !ids.is_empty() => {
                    let id = ids.remove(next(ids.len() as u64));
                    s.delete(ResourceKind::User, &id, None).unwrap();
                }
                2 if !ids.is_empty() => {
                    let id = &ids[next(ids.len() as u64)];
                    s.update(ResourceKind::User, id, None, |r| {
                        r.insert("title".into(), json!("changed"));
                        Ok(())
                    })
                    .unwrap();
                }
                _ => {}
            }
        }
        // A delete before a remembered cursor: the next page moves up by one.
        let all = skipped(&s, 1, usize::MAX);
        assert!(all.len() > 11);
        page_names(&s, 1, 5);
        s.delete(ResourceKind::User, &ids[0], None).unwrap();
        assert_eq!(page_names(&s, 6, 5), all[6..11].to_vec());
    }

    #[test]
    fn a_create_that_lands_before_a_cursor_moves_the_pages_after_it() {
        // Concurrent creates take their sequence before the lock, so one can land before
        // resources already stored.
        let mut t = Table::default();
        let user = |n: u64| Stored::encode(&attrs(json!({"userName": format!("u{n}")})));
        for seq in [10, 20, 30, 40] {
            t.add(seq, user(seq));
        }
        assert_eq!(names(t.plain_page(0, 2).iter()), ["u10", "u20"]);
        t.add(15, user(15));
        assert_eq!(names(t.plain_page(2, 2).iter()), ["u20", "u30"]);
    }

    #[test]
    fn pagination_and_sort() {
        let s = Store::new(Defects::default());
        for n in ["c", "a", "b"] {
            s.create(ResourceKind::User, attrs(json!({"userName": n})))
                .unwrap();
        }
        let q = Query {
            sort_by: Some(filter::AttrPath::parse("userName").unwrap()),
            start_index: 2,
            count: 1,
            ..Query::default()
        };
        let p = s.query(ResourceKind::User, &q);
        assert_eq!((p.total, p.start_index, p.resources.len()), (3, 2, 1));
        assert_eq!(p.resources[0]["userName"], "b");
    }
}
