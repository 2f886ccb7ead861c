//! The ownership proof, written once for `run` and `cycle`: scimtest writes (PATCH, PUT,
//! DELETE) only to a resource it can show this run created. The proof is a resource read from
//! the target after the create — by its id (`run`) or by the matching query on the generated
//! name (`cycle`, the query Entra itself sends) — that carries the create's generated identity
//! under the id the create was answered with, an id no other create of this run was given.
//! The create's own answer is never proof: a server may answer with another resource's id.

use super::journal::Entry;
use serde_json::Value;

/// Why a resource is not proved this run's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotOurs {
    /// The create body carried no generated identity to recognise the resource by.
    NoIdentity,
    /// The id cannot be addressed as one URL path segment.
    BadId(String),
    /// Another create of this run was given the same id.
    GivenBefore,
    /// The resource read back does not carry the identity (another resource, or none).
    NotCarried,
    /// The matching query on the generated name found nothing: the resource is gone, or the
    /// server's filter does not find it.
    NotFound,
    /// The resource carrying the identity has another id than the create's answer.
    OtherId(String),
}

impl std::fmt::Display for NotOurs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotOurs::NoIdentity => f.write_str(
                "the create body carries no generated userName or displayName to recognise it by",
            ),
            NotOurs::BadId(e) => write!(f, "its id cannot go into a URL path: {e}"),
            NotOurs::GivenBefore => f.write_str("its id was given to another create of this run"),
            NotOurs::NotCarried => {
                f.write_str("the resource read back does not carry this run's name")
            }
            NotOurs::NotFound => f.write_str(
                "the matching query by this run's name finds nothing (the resource is gone, or the server's filter does not find it)",
            ),
            NotOurs::OtherId(id) => write!(f, "this run's name is found under another id ({id:?})"),
        }
    }
}

/// A resource's `id` as text: a JSON string, or a number (some servers use numeric ids).
pub(crate) fn id_text(resource: &Value) -> Option<String> {
    match resource.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether the answered id may be kept at all: addressable, and not given to another create
/// of this run (`fresh`).
pub(crate) fn usable(id: &str, fresh: bool) -> Result<(), NotOurs> {
    super::url::check_id(id).map_err(|e| NotOurs::BadId(e.to_string()))?;
    if fresh {
        Ok(())
    } else {
        Err(NotOurs::GivenBefore)
    }
}

/// The proof: `resource`, read from the target, shows the journaled create `entry` under the
/// id `answered` it was answered with.
pub(crate) fn proves(entry: &Entry, answered: &str, resource: &Value) -> Result<(), NotOurs> {
    if entry.identity.is_empty() {
        return Err(NotOurs::NoIdentity);
    }
    if !entry.matches(resource) {
        return Err(NotOurs::NotCarried);
    }
    match id_text(resource) {
        Some(id) if id == answered => Ok(()),
        Some(id) => Err(NotOurs::OtherId(id)),
        // A read by id need not repeat the id: the path named it.
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::journal::State;
    use serde_json::json;

    fn entry() -> Entry {
        Entry {
            case: "c".into(),
            collection: "/Users".into(),
            identity: vec![("/userName".into(), "scimtest-ab12cd34-u1@x.test".into())],
            state: State::Pending,
            answered: None,
        }
    }

    #[test]
    fn only_the_resource_carrying_the_name_under_the_answered_id_is_ours() {
        let e = entry();
        let ours = json!({"id": 7, "userName": "SCIMTEST-ab12cd34-u1@x.test"});
        assert_eq!(proves(&e, "7", &ours), Ok(()));
        assert_eq!(proves(&e, "8", &ours), Err(NotOurs::OtherId("7".into())));
        let other = json!({"id": "7", "userName": "real.person@customer.example"});
        assert_eq!(proves(&e, "7", &other), Err(NotOurs::NotCarried));
        assert_eq!(usable("7", false), Err(NotOurs::GivenBefore));
        assert!(matches!(usable("..", true), Err(NotOurs::BadId(_))));
    }
}
