//! Verified cleanup, the rules every command deletes by: a DELETE's answer is not proof. A
//! resource counts as deleted only when, after the DELETE, reading it back by its id answers
//! 404 (or 410) and the query by its name no longer lists it. A DELETE answered 204 that keeps
//! the resource is caught here, whoever sent it (`run`, `cycle`, `sweep`).

use super::error::DeleteError;
use serde_json::Value;

/// What one request got, as the rules read it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answer {
    /// HTTP status (0 when nothing was answered).
    pub status: u16,
    /// The body, when it is JSON.
    pub json: Option<Value>,
    /// The transport failure, when there was one.
    pub transport: Option<String>,
}

/// The resource a cleanup deletes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// Its id, as the server gave it.
    pub id: &'a str,
    /// The attribute its name is in (`userName`, `displayName`).
    pub attr: &'a str,
    /// Its name: this run's generated identity.
    pub name: &'a str,
}

/// Whether the DELETE itself was accepted (2xx, or 404: already gone); otherwise why not.
pub(crate) fn delete_accepted(delete: &Answer) -> Result<(), DeleteError> {
    match (&delete.transport, delete.status) {
        (Some(t), _) => Err(DeleteError::NotAnswered(t.clone())),
        (None, 200..=299 | 404 | 410) => Ok(()),
        (None, s) => Err(DeleteError::Refused(s)),
    }
}

/// After an accepted DELETE: whether the read by id shows the resource gone.
pub(crate) fn gone_by_id(delete: &Answer, read: &Answer) -> Result<(), DeleteError> {
    let status = delete.status;
    match (&read.transport, read.status) {
        (None, 404 | 410) => Ok(()),
        (Some(t), _) => Err(DeleteError::ReadBackFailed {
            status,
            why: t.clone(),
        }),
        (None, 200..=299) => Err(DeleteError::StillFound(status)),
        (None, read) => Err(DeleteError::ReadBackStatus { status, read }),
    }
}

/// After an accepted DELETE: whether the query `attr eq "name"` no longer lists it (by id
/// or by name). A query the target refuses (4xx, or 501: it does not filter on `attr`) proves
/// nothing either way and is not held against the delete: the read by id decided. A query
/// that is not answered, fails (5xx), or answers 200 without a list to read has not shown the
/// resource gone: it may remain.
pub(crate) fn gone_by_name(
    delete: &Answer,
    query: &Answer,
    t: Target<'_>,
) -> Result<(), DeleteError> {
    let unread = |why: String| DeleteError::NameUnread {
        status: delete.status,
        attr: t.attr.to_string(),
        why,
    };
    if let Some(why) = &query.transport {
        return Err(unread(why.clone()));
    }
    match query.status {
        200 => {}
        400..=499 | 501 => return Ok(()),
        s => return Err(unread(format!("it answered {s}"))),
    }
    let list = query.json.as_ref();
    let Some(resources) = list
        .and_then(|j| j.get("Resources"))
        .and_then(Value::as_array)
    else {
        // RFC 7644 §3.4.2: `Resources` may be left out of an empty list only.
        if list
            .and_then(|j| j.get("totalResults"))
            .and_then(Value::as_u64)
            == Some(0)
        {
            return Ok(());
        }
        return Err(unread("it answered 200 without a list of resources".into()));
    };
    let listed = resources.iter().any(|r| {
        id_text(r).is_some_and(|i| i == t.id)
            || r.get(t.attr)
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(t.name))
    });
    if listed {
        return Err(DeleteError::StillListed {
            status: delete.status,
            attr: t.attr.to_string(),
        });
    }
    Ok(())
}

/// A resource's id as text: a string, or a number as written.
pub(crate) fn id_text(r: &Value) -> Option<String> {
    match r.get("id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The filter that finds a resource by its name.
pub(crate) fn name_filter(t: Target<'_>) -> String {
    format!("{} eq \"{}\"", t.attr, quoted(t.name))
}

/// The filter that lists every resource whose `attr` starts with `prefix`: all the names one
/// run generates (`scimtest-<run id>-`), read back in one listing instead of one query each.
pub(crate) fn prefix_filter(attr: &str, prefix: &str) -> String {
    format!("{attr} sw \"{}\"", quoted(prefix))
}

/// `value` as the inside of a filter's quoted string.
fn quoted(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// One page of a listing by `prefix_filter`: its `totalResults`, and each resource's id and
/// name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listing {
    /// `totalResults`.
    pub total: u64,
    /// The page's resources: id (if any) and name.
    pub resources: Vec<(Option<String>, String)>,
}

/// Reads a page of a prefix listing. `None` when it cannot be trusted as one: not answered
/// 200, no `totalResults`, no `Resources` list while `totalResults` is not 0, or a resource
/// whose `attr` does not start with `prefix` (the target did not apply the filter, so an
/// empty answer would prove nothing either).
pub(crate) fn read_listing(a: &Answer, attr: &str, prefix: &str) -> Option<Listing> {
    if a.transport.is_some() || a.status != 200 {
        return None;
    }
    let j = a.json.as_ref()?;
    let total = j.get("totalResults")?.as_u64()?;
    let empty = Vec::new();
    let listed = match j.get("Resources") {
        Some(Value::Array(rs)) => rs,
        None if total == 0 => &empty,
        _ => return None,
    };
    let mut resources = Vec::with_capacity(listed.len());
    for r in listed {
        let name = r.get(attr).and_then(Value::as_str)?;
        let head = name.get(..prefix.len())?;
        if !head.eq_ignore_ascii_case(prefix) {
            return None;
        }
        resources.push((id_text(r), name.to_string()));
    }
    Some(Listing { total, resources })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, json: Option<Value>) -> Answer {
        Answer {
            status,
            json,
            transport: None,
        }
    }

    #[test]
    fn a_delete_counts_only_when_both_reads_miss() {
        let t = Target {
            id: "7",
            attr: "userName",
            name: "scimtest-a-x",
        };
        let deleted = answer(204, None);
        assert!(delete_accepted(&deleted).is_ok());
        assert!(delete_accepted(&answer(500, None)).is_err());
        assert!(gone_by_id(&deleted, &answer(404, None)).is_ok());
        let still = gone_by_id(&deleted, &answer(200, Some(json!({"id": "7"})))).unwrap_err();
        assert_eq!(still, DeleteError::StillFound(204), "{still}");
        let listed = answer(200, Some(json!({"Resources": [{"id": 7}]})));
        assert!(gone_by_name(&deleted, &listed, t).is_err());
        let empty = answer(200, Some(json!({"Resources": []})));
        assert!(gone_by_name(&deleted, &empty, t).is_ok());
        let none = answer(200, Some(json!({"totalResults": 0})));
        assert!(gone_by_name(&deleted, &none, t).is_ok());
        // A query refused proves nothing: the read by id decided.
        for refused in [400, 404, 501] {
            assert!(gone_by_name(&deleted, &answer(refused, None), t).is_ok());
        }
        // A query unanswered, failed or unreadable has not shown it gone.
        let timed_out = Answer {
            transport: Some("timed out after 5 s".into()),
            ..Answer::default()
        };
        for unread in [
            timed_out,
            answer(500, None),
            answer(503, None),
            answer(200, None),
            answer(200, Some(json!({"totalResults": 1}))),
        ] {
            let e = gone_by_name(&deleted, &unread, t).unwrap_err();
            assert!(matches!(e, DeleteError::NameUnread { .. }), "{e}");
            assert!(e.to_string().contains("it may remain"), "{e}");
        }
        assert_eq!(name_filter(t), "userName eq \"scimtest-a-x\"");
    }
}
