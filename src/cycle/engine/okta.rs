//! `scimtest cycle --profile okta`: Okta's SCIM 2.0 provisioning client at scale, as Okta's
//! SCIM 2.0 reference describes it (okta-client.md §2, "R20"): the matching lookup with
//! `startIndex=1&count=100`; creates with `password` and `groups: []`; a read of the user by id
//! before every update (§2.4); profile updates by GET then PUT of the whole object (§2.5);
//! deactivation by a path-less `{"op":"replace","value":{"active":false}}` (§2.6) and the mirror
//! for reactivation (inferred, §2.7); no DELETE of users, ever (§2.8: a user deleted in Okta is
//! deactivated); Group Push as one PATCH per group mixing a path-less rename carrying `id`,
//! `remove` by `members[value eq "…"]` and `add` with `display` (§2.10), 100 changes at most
//! per PATCH (the OIN form's default). Error handling where Okta documents it (§2.13): a 429
//! with `Retry-After` is waited out and retried (the client core does it for every profile);
//! a 409 on create stops that user's provisioning; Okta waits 60 s for an answer (the request
//! timeout is 60 s unless `--timeout` says otherwise). Everything else is logged as unknown.

use super::{Creating, Engine, Outcome, PATCH_OP, at, code, describe, lock};
use crate::client::ownership;
use crate::cycle::directory::{Change, Directory};
use serde_json::{Value, json};

/// Membership changes per Group Push PATCH: "100–1000 … default 100" (OIN Manager form).
pub(crate) const OKTA_MEMBER_BATCH: usize = 100;

impl Engine {
    /// Whether the cycles replay Okta's client.
    pub(super) fn okta(&self) -> bool {
        self.settings.profile == crate::model::Profile::Okta
    }

    /// A round's changes as Okta sends them: a deleted user is deactivated (Okta never
    /// deletes users), and a group's removals and additions go out in one Group Push.
    pub(super) fn okta_changes(&self, changes: Vec<Change>) -> Vec<Change> {
        let mut out = Vec::new();
        let mut pushes: std::collections::BTreeMap<usize, (Vec<usize>, Vec<usize>)> =
            std::collections::BTreeMap::new();
        for c in changes {
            match c {
                Change::Delete(i) => {
                    lock(&self.deactivated).insert(i);
                    out.push(Change::Disable(i));
                }
                Change::AddMembers(g, ids) => pushes.entry(g).or_default().0.extend(ids),
                Change::RemoveMembers(g, ids) => pushes.entry(g).or_default().1.extend(ids),
                other => out.push(other),
            }
        }
        out.extend(
            pushes
                .into_iter()
                .map(|(g, (add, remove))| Change::PushMembers(g, add, remove)),
        );
        out
    }

    /// The PATCH operations Okta sends for a change to group `g` (id `gid`) or a user.
    pub(super) fn okta_ops(&self, dir: &Directory, change: &Change, gid: &str) -> Vec<Value> {
        let member = |m: usize| {
            self.user_id(m)
                .map(|v| json!({"value": v, "display": dir.user_name(m)}))
        };
        let rename = |g: usize| json!({"op": "replace", "value": {"id": gid, "displayName": dir.groups[g].display_name}});
        let push =
            |g: usize, add: &[usize], remove: &[usize]| {
                // The rename is "triggered each time there's a group membership update operation".
                let mut ops = vec![rename(g)];
                ops.extend(remove.iter().filter_map(|&m| self.user_id(m)).map(
                    |v| json!({"op": "remove", "path": format!("members[value eq \"{v}\"]")}),
                ));
                let added: Vec<Value> = add.iter().filter_map(|&m| member(m)).collect();
                if !added.is_empty() {
                    ops.push(json!({"op": "add", "path": "members", "value": added}));
                }
                ops
            };
        match change {
            Change::Disable(_) | Change::Delete(_) => {
                vec![json!({"op": "replace", "value": {"active": false}})]
            }
            Change::Enable(_) => vec![json!({"op": "replace", "value": {"active": true}})],
            Change::AddMembers(g, add) => push(*g, add, &[]),
            Change::RemoveMembers(g, remove) => push(*g, &[], remove),
            Change::PushMembers(g, add, remove) => push(*g, add, remove),
            Change::Update(..) => Vec::new(),
        }
    }

    /// One change as Okta makes it: the object read by id first (R20 §2.4: "before every
    /// update"), which proves it this run's; then the PUT or PATCH.
    pub(super) async fn apply_okta(&self, cycle: &str, dir: &Directory, change: &Change) {
        let (object, collection, index, attr, name, action) = Self::subject(dir, change);
        let mut out = Outcome::default();
        let Some((id, ticket)) = lock(self.slots(collection))[index].clone() else {
            out.fail(
                "Okta: unexpected answer",
                format!("the {object} was never created in the target"),
            );
            return self.record(cycle, object, &name, action, out);
        };
        out.target_id = Some(id.clone());
        let path = at(collection, &id);
        let read = self.call(reqwest::Method::GET, &path, &[], None).await;
        out.add(&read);
        let what = Creating {
            collection,
            object,
            attr,
            name: &name,
        };
        let resource = match (&read.json, read.status, &read.transport) {
            (Some(r), 200, None) => r.clone(),
            _ => {
                let c = code(self.settings.profile, read.status, action, read.kind);
                out.fail_on(
                    &read,
                    c,
                    format!("reading the {object} answered {}", describe(&read)),
                );
                return self.record(cycle, object, &name, action, out);
            }
        };
        let entry = self.journal.get(ticket);
        if let Err(why) = entry.map_or(Err(ownership::NotOurs::NoIdentity), |e| {
            ownership::proves(&e, &id, &resource)
        }) {
            self.refuse(&what, &id, ticket, &why, &mut out);
            return self.record(cycle, object, &name, action, out);
        }
        lock(&self.proved).insert(format!("/{collection}/{id}"));
        let a = match change {
            Change::Update(_, attrs) => {
                let body = okta_put_body(resource, attrs);
                self.call(reqwest::Method::PUT, &path, &[], Some(&body))
                    .await
            }
            _ => {
                let ops = self.okta_ops(dir, change, &id);
                let body = json!({"schemas": [PATCH_OP], "Operations": ops});
                self.call(reqwest::Method::PATCH, &path, &[], Some(&body))
                    .await
            }
        };
        out.add(&a);
        out.expect_success(&a, action, self.settings.profile);
        self.record(cycle, object, &name, action, out);
    }
}

/// The whole user, as read, with the changed profile attributes, as Okta PUTs it (R20 §2.5):
/// `meta` reduced to its `resourceType`, `groups` empty. Only core attributes are in Okta's
/// profile here (`title`); an enterprise attribute mapping is not in Okta's reference.
fn okta_put_body(mut user: Value, attrs: &[(&'static str, Value)]) -> Value {
    if let Some(map) = user.as_object_mut() {
        for (path, value) in attrs {
            if !path.starts_with("urn:") {
                map.insert((*path).to_string(), value.clone());
            }
        }
        map.insert("meta".into(), json!({"resourceType": "User"}));
        map.insert("groups".into(), json!([]));
    }
    user
}
