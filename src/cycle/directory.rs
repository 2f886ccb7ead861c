//! The source directory a `scimtest cycle` provisions: users and groups as Entra holds them,
//! generated with the run id (deterministic for a given `--seed`), and the changes each
//! incremental round makes to it.

use crate::model::{MappedAttribute, Mapping, ObjectKind, Profile, ValueType};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const FIRST: &[&str] = &[
    "Ana", "Björn", "Chloé", "Dmitri", "Eun-ji", "Farah", "Gonzalo", "Hana", "Ívar", "Jun",
    "Kwame", "Léa", "Mateus", "Nadia", "Olu", "Priya", "Quentin", "Rosa", "Søren", "Tomás",
];
const LAST: &[&str] = &[
    "López Ñúñez",
    "Østergaard",
    "Nakamura",
    "O'Brien",
    "Müller",
    "Dubois",
    "Kowalczyk",
    "Haddad",
    "Silva",
    "Nguyen",
    "Andersson",
    "Rossi",
    "Papadopoulos",
    "Okafor",
    "Kim",
];
const TITLES: &[&str] = &[
    "Engineer",
    "Account Executive",
    "Designer",
    "Support Lead",
    "Analyst",
    "Head of Sales",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Finance",
    "Support",
    "Ventas / Iberia",
];

/// A user of the source directory, stored compactly (a tenant may hold 100,000): its text
/// attributes are indices into word lists, its names follow from its index and the run id
/// (see the accessors on [`Directory`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceUser {
    /// Entra's object id, sent as `externalId`.
    external_id: u128,
    given: u8,
    family: u8,
    title: u8,
    /// A number after the title, set by an update (0: none).
    title_n: u8,
    department: u8,
    /// Assigned and enabled.
    pub active: bool,
    /// The manager, by index.
    pub manager: Option<usize>,
    /// Deleted in Entra (hard delete): deleted in the target too.
    pub deleted: bool,
}

/// A group of the source directory.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceGroup {
    /// Entra's object id, sent as `externalId`.
    pub external_id: String,
    /// The matching attribute.
    pub display_name: String,
    /// Members, by user index.
    pub members: BTreeSet<usize>,
}

/// One change an incremental round makes, as Entra would send it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// Attributes changed: `(SCIM path, new value)`.
    Update(usize, Vec<(&'static str, Value)>),
    /// Unassigned or blocked: `active` false.
    Disable(usize),
    /// Re-assigned: `active` true.
    Enable(usize),
    /// Deleted in Entra.
    Delete(usize),
    /// Members added to a group.
    AddMembers(usize, Vec<usize>),
    /// Members removed from a group.
    RemoveMembers(usize, Vec<usize>),
    /// Okta's Group Push: one PATCH adding (first list) and removing (second list) members.
    PushMembers(usize, Vec<usize>, Vec<usize>),
}

/// The source directory.
#[derive(Debug)]
pub(crate) struct Directory {
    run_id: String,
    /// The app's own attributes (from its mapping) beyond those every user has.
    extra: Vec<MappedAttribute>,
    /// Users, by index.
    pub users: Vec<SourceUser>,
    /// Groups, by index.
    pub groups: Vec<SourceGroup>,
    rng: StdRng,
}

fn uuid_from(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

fn index(rng: &mut StdRng, from: &[&str]) -> u8 {
    rng.random_range(0..from.len()) as u8
}

impl Directory {
    /// `users` users (every tenth one the manager of the nine after it), `groups` groups of
    /// `members` members each, named `scimtest-<run id>-…`.
    pub(crate) fn generate(
        run_id: &str,
        seed: u64,
        users: usize,
        groups: usize,
        members: usize,
    ) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let users: Vec<SourceUser> = (0..users)
            .map(|i| SourceUser {
                external_id: rng.random(),
                given: index(&mut rng, FIRST),
                family: index(&mut rng, LAST),
                title: index(&mut rng, TITLES),
                title_n: 0,
                department: index(&mut rng, DEPARTMENTS),
                active: true,
                manager: (i % 10 != 0).then_some(i - i % 10),
                deleted: false,
            })
            .collect();
        let n = users.len();
        let groups = (0..groups)
            .map(|g| SourceGroup {
                external_id: uuid_from(&mut rng),
                display_name: format!("{}g{g:04} Team", name_prefix(run_id)),
                members: if n == 0 {
                    BTreeSet::new()
                } else {
                    (0..members.min(n)).map(|k| (g * members + k) % n).collect()
                },
            })
            .collect();
        Directory {
            run_id: run_id.to_string(),
            extra: Vec::new(),
            users,
            groups,
            rng,
        }
    }

    /// Adds the user attributes of `mapping` that every user does not already have (an app's
    /// custom and enterprise attributes), with a value per user.
    pub(crate) fn with_mapping(mut self, mapping: &Mapping) -> Self {
        const BASE: &[&str] = &[
            "userName",
            "externalId",
            "active",
            "displayName",
            "title",
            "emails[type eq \"work\"].value",
            "name.givenName",
            "name.familyName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ];
        self.extra = mapping
            .of(ObjectKind::User)
            .filter(|a| !BASE.iter().any(|b| b.eq_ignore_ascii_case(&a.path)))
            .cloned()
            .collect();
        self
    }

    /// The app's own attributes and user `i`'s value of each.
    pub(crate) fn extra_values(&self, i: usize) -> Vec<(&MappedAttribute, Value)> {
        self.extra
            .iter()
            .map(|a| {
                let v = match a.kind {
                    ValueType::Boolean => json!(i.is_multiple_of(2)),
                    ValueType::Integer => json!(i),
                    ValueType::Decimal => json!(i as f64 + 0.5),
                    ValueType::DateTime => json!(format!("2027-01-{:02}T00:00:00Z", i % 28 + 1)),
                    ValueType::Binary => json!("c2NpbXRlc3Q="),
                    _ if !a.canonical.is_empty() => json!(a.canonical[i % a.canonical.len()]),
                    _ => json!(format!("{}-{i:06}", crate::load::mapped_slug(&a.path))),
                };
                (a, if a.multi { json!([v]) } else { v })
            })
            .collect()
    }

    /// User `i`'s `userName`, the matching attribute.
    pub(crate) fn user_name(&self, i: usize) -> String {
        format!("{}u{i:06}.Test@Example.com", name_prefix(&self.run_id))
    }

    /// The index of the user named `name` (`user_name`'s inverse), if it is one of this
    /// directory's.
    pub(crate) fn user_index(&self, name: &str) -> Option<usize> {
        let prefix = format!("{}u", name_prefix(&self.run_id));
        let head = name.get(..prefix.len())?;
        if !head.eq_ignore_ascii_case(&prefix) {
            return None;
        }
        let rest = &name[prefix.len()..];
        let digits = rest.get(..6)?;
        let i: usize = digits.parse().ok()?;
        (i < self.users.len() && rest[6..].eq_ignore_ascii_case(".Test@Example.com")).then_some(i)
    }

    /// User `i`'s work email.
    pub(crate) fn email(&self, i: usize) -> String {
        format!("scimtest-{}-u{i:06}.Mail@Example.org", self.run_id)
    }

    /// User `i`'s `externalId` (Entra's object id).
    pub(crate) fn external_id(&self, i: usize) -> String {
        uuid::Uuid::from_u128(self.users[i].external_id).to_string()
    }

    /// User `i`'s `name.givenName`.
    pub(crate) fn given_name(&self, i: usize) -> &'static str {
        FIRST[usize::from(self.users[i].given)]
    }

    /// User `i`'s `name.familyName`.
    pub(crate) fn family_name(&self, i: usize) -> &'static str {
        LAST[usize::from(self.users[i].family)]
    }

    /// User `i`'s `displayName`.
    pub(crate) fn display_name(&self, i: usize) -> String {
        format!("{} {}", self.given_name(i), self.family_name(i))
    }

    /// User `i`'s `title`.
    pub(crate) fn title(&self, i: usize) -> String {
        let u = &self.users[i];
        let t = TITLES[usize::from(u.title)];
        match u.title_n {
            0 => t.to_string(),
            n => format!("{t} ({n})"),
        }
    }

    /// User `i`'s enterprise `department`.
    pub(crate) fn department(&self, i: usize) -> &'static str {
        DEPARTMENTS[usize::from(self.users[i].department)]
    }

    /// The POST body Entra sends for user `i` (§1.1 U1).
    pub(crate) fn user_body(&self, i: usize) -> Value {
        let u = &self.users[i];
        let mut body = json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "externalId": self.external_id(i),
            "userName": self.user_name(i),
            "active": u.active,
            "displayName": self.display_name(i),
            "title": self.title(i),
            "emails": [{"primary": true, "type": "work", "value": self.email(i)}],
            "meta": {"resourceType": "User"},
            "name": {"familyName": self.family_name(i), "givenName": self.given_name(i)},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": self.department(i)},
            "roles": [],
        });
        if let Value::Object(map) = &mut body {
            for (a, v) in self.extra_values(i) {
                crate::load::write_attribute(map, &a.path, v);
            }
        }
        body
    }

    /// The POST body Okta sends for user `i` (okta-client.md §2.3, Okta's SCIM 2.0 reference):
    /// the core schema only, `groups: []`, a placeholder `password` ("Okta sends the password
    /// parameter in a create user request, even if password sync isn't enabled") and
    /// `active: true`; `title` stands for the app's own mapped profile attribute.
    pub(crate) fn okta_user_body(&self, i: usize) -> Value {
        let u = &self.users[i];
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": self.user_name(i),
            "name": {"givenName": self.given_name(i), "familyName": self.family_name(i)},
            "emails": [{"primary": true, "value": self.email(i), "type": "work"}],
            "displayName": self.display_name(i),
            "locale": "en-US",
            "externalId": self.external_id(i),
            "groups": [],
            "password": format!("{:012x}", u.external_id & 0xffff_ffff_ffff),
            "active": u.active,
            "title": self.title(i),
        })
    }

    /// The POST body Entra sends for group `g`: created without members, which follow in
    /// PATCHes (§1.2 G1). The core Group schema only, as the suites' group create: the
    /// tutorial's legacy ADSCIM URI is contested (Microsoft's compatibility article lists it as
    /// fixed on 2018-12-18), so a rehearsal does not depend on it.
    pub(crate) fn group_body(&self, g: usize) -> Value {
        let gr = &self.groups[g];
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "externalId": gr.external_id,
            "displayName": gr.display_name,
            "meta": {"resourceType": "Group"},
        })
    }

    /// Makes one incremental round of changes to the directory and returns them: about 10 %
    /// of the live users change title and department, 3 % are disabled, those disabled before
    /// are re-enabled, 1 % are deleted, and each group loses one member and gains another.
    pub(crate) fn change_round(&mut self) -> Vec<Change> {
        let mut out = Vec::new();
        let live: Vec<usize> = (0..self.users.len())
            .filter(|&i| !self.users[i].deleted)
            .collect();
        let share = |pct: usize| (live.len() * pct).div_ceil(100);
        let disabled: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&i| !self.users[i].active)
            .collect();
        // One change per user and round: the changes of a round are sent concurrently, so
        // two changes to one user (enable and disable) would land in either order.
        let mut chosen = BTreeSet::new();
        for i in disabled {
            self.users[i].active = true;
            chosen.insert(i);
            out.push(Change::Enable(i));
        }
        let mut choose = |rng: &mut StdRng, n: usize| -> Vec<usize> {
            let mut got = Vec::new();
            for _ in 0..n * 4 {
                if got.len() == n || live.is_empty() {
                    break;
                }
                let i = live[rng.random_range(0..live.len())];
                if chosen.insert(i) {
                    got.push(i);
                }
            }
            got
        };
        for i in choose(&mut self.rng, share(10)) {
            out.push(self.retitle(i));
        }
        for i in choose(&mut self.rng, share(3)) {
            self.users[i].active = false;
            out.push(Change::Disable(i));
        }
        // Managers are not deleted, so no reference dangles.
        let deletable: Vec<usize> = choose(&mut self.rng, share(1))
            .into_iter()
            .filter(|i| i % 10 != 0)
            .collect();
        for &i in &deletable {
            self.users[i].deleted = true;
            out.push(Change::Delete(i));
            // A deleted user leaves its groups with it.
            for g in &mut self.groups {
                g.members.remove(&i);
            }
        }
        self.membership_changes(&mut out);
        out
    }

    /// A new title and department for user `i`, as the round's update of it.
    fn retitle(&mut self, i: usize) -> Change {
        self.users[i].title = index(&mut self.rng, TITLES);
        self.users[i].title_n = self.rng.random_range(1..100u8);
        self.users[i].department = index(&mut self.rng, DEPARTMENTS);
        let (title, department) = (self.title(i), self.department(i));
        Change::Update(
            i,
            vec![
                ("title", json!(title)),
                (
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                    json!(department),
                ),
            ],
        )
    }

    /// Each group loses one member and gains one live user, after the round's deletions.
    fn membership_changes(&mut self, out: &mut Vec<Change>) {
        let live: Vec<usize> = (0..self.users.len())
            .filter(|&i| !self.users[i].deleted)
            .collect();
        for g in 0..self.groups.len() {
            let gone = self.groups[g].members.iter().next().copied();
            if let Some(gone) = gone {
                self.groups[g].members.remove(&gone);
                out.push(Change::RemoveMembers(g, vec![gone]));
            }
            if live.is_empty() {
                continue;
            }
            // A newcomer that is neither a member nor the one just removed (both PATCHes of
            // a group are sent concurrently).
            let newcomer = live[self.rng.random_range(0..live.len())];
            if Some(newcomer) != gone && self.groups[g].members.insert(newcomer) {
                out.push(Change::AddMembers(g, vec![newcomer]));
            }
        }
    }

    /// The PATCH operations' `op` in `profile`'s casing (§3.3).
    pub(crate) fn op(profile: Profile, op: &str) -> String {
        match profile {
            Profile::EntraFlag
            | Profile::Validator
            | Profile::Gallery
            | Profile::Okta
            | Profile::OktaOin => op.to_ascii_lowercase(),
            Profile::Entra => op.to_string(),
        }
    }
}

/// What every user and group name of run `run_id` starts with (`scimtest-<run id>-`): the
/// cleanup lists them all by it.
pub(crate) fn name_prefix(run_id: &str) -> String {
    format!("scimtest-{run_id}-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_directory_and_changes() {
        let mut a = Directory::generate("abcd1234", 7, 50, 3, 10);
        let mut b = Directory::generate("abcd1234", 7, 50, 3, 10);
        assert_eq!(a.users, b.users);
        assert_eq!(a.groups, b.groups);
        assert_eq!(a.change_round(), b.change_round());
        let c = Directory::generate("abcd1234", 8, 50, 3, 10);
        assert_eq!(a.user_name(3), "scimtest-abcd1234-u000003.Test@Example.com");
        assert_ne!(a.external_id(0), c.external_id(0));
        assert_eq!(a.external_id(0), b.external_id(0));
        assert_eq!(a.groups[1].members.len(), 10);
    }

    #[test]
    fn a_round_disables_re_enables_and_deletes() {
        let mut d = Directory::generate("x", 1, 200, 2, 20);
        let first = d.change_round();
        assert!(first.iter().any(|c| matches!(c, Change::Disable(_))));
        assert!(first.iter().any(|c| matches!(c, Change::Delete(_))));
        let second = d.change_round();
        assert!(second.iter().any(|c| matches!(c, Change::Enable(_))));
        for c in &second {
            if let Change::Delete(i) | Change::Update(i, _) = c {
                assert!(
                    !first.contains(&Change::Delete(*i)),
                    "a deleted user changed again"
                );
            }
        }
    }
}
