//! Building request URLs: base URL + path + query, encoded the way the profile's client does.

use super::error::IdError;
use crate::model::Encoding;

/// Percent-encodes one query component. Unreserved characters stay; a space becomes `+`
/// (Entra) or `%20`; everything else, `"` included, becomes `%XX`.
pub fn encode_component(s: &str, encoding: Encoding) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' if encoding == Encoding::Plus => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Joins the target base URL, a path and encoded query pairs. A query already on the base URL
/// (an Entra Tenant URL may carry `?aadOptscim062020`) is kept, first.
pub(crate) fn compose(
    base: &str,
    path: &str,
    query: &[(String, String)],
    encoding: Encoding,
) -> String {
    let (base_path, base_query) = match base.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (base, None),
    };
    let (path, path_query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut url = format!("{}{}", base_path.trim_end_matches('/'), path);
    let mut parts: Vec<String> = Vec::new();
    parts.extend(base_query.filter(|q| !q.is_empty()).map(str::to_string));
    parts.extend(path_query.filter(|q| !q.is_empty()).map(str::to_string));
    for (k, v) in query {
        parts.push(format!(
            "{}={}",
            encode_component(k, encoding),
            encode_component(v, encoding)
        ));
    }
    if !parts.is_empty() {
        url.push('?');
        url.push_str(&parts.join("&"));
    }
    url
}

/// Percent-encodes a value as one path segment: every byte but the unreserved characters, so
/// `/`, `?`, `#`, `%` and spaces in an id can never change which resource a URL names.
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Whether a server-given id can name one resource as a path segment. `.` and `..` (which URL
/// normalisation turns into "this folder" and "the parent"), empty ids, control characters and
/// absurd lengths are refused.
pub(crate) fn check_id(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if id == "." || id == ".." {
        return Err(IdError::OtherPath(id.to_string()));
    }
    if id.chars().any(char::is_control) {
        return Err(IdError::Control);
    }
    if id.len() > 1024 {
        return Err(IdError::TooLong(id.len()));
    }
    Ok(())
}

fn decode_segment(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The (collection, id) a URL addresses, judged on the URL as it is sent (after the URL
/// parser's normalisation): same origin as `base`, under its path, exactly two more segments,
/// no fragment. Anything else — the root, a collection, another host — is `None`.
pub(crate) fn resource_of(base: &str, url: &str) -> Option<(String, String)> {
    let base = reqwest::Url::parse(base).ok()?;
    let url = reqwest::Url::parse(url).ok()?;
    if url.fragment().is_some()
        || url.scheme() != base.scheme()
        || url.host_str() != base.host_str()
        || url.port_or_known_default() != base.port_or_known_default()
    {
        return None;
    }
    let segs = |u: &reqwest::Url| -> Vec<String> {
        u.path_segments()
            .map(|s| s.filter(|x| !x.is_empty()).map(decode_segment).collect())
            .unwrap_or_default()
    };
    let (b, u) = (segs(&base), segs(&url));
    if u.len() != b.len() + 2 || u[..b.len()] != b[..] {
        return None;
    }
    let (coll, id) = (&u[b.len()], &u[b.len() + 1]);
    check_id(id).ok()?;
    Some((format!("/{coll}"), id.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_never_address_another_path() {
        let base = "http://h:8080/scim/v2";
        for bad in ["", ".", ".."] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
        assert!(check_id("a\u{7}b").is_err());
        for id in ["abc", "a b", "a?b", "a#b", "a/b", "%2e%2e", "x%"] {
            assert!(check_id(id).is_ok());
            let url = compose(
                base,
                &format!("/Users/{}", encode_segment(id)),
                &[],
                Encoding::Plus,
            );
            assert_eq!(
                resource_of(base, &url),
                Some(("/Users".to_string(), id.to_string())),
                "{id:?} → {url}"
            );
        }
        // What a raw id would have done.
        assert_eq!(resource_of(base, "http://h:8080/scim/v2/Users/.."), None);
        assert_eq!(
            resource_of(base, "http://h:8080/scim/v2/Users/%2E%2E"),
            None
        );
        assert_eq!(
            resource_of(base, "http://h:8080/scim/v2/Users/x#/../y"),
            None
        );
        assert_eq!(resource_of(base, "http://h:8080/scim/v2/Users"), None);
        assert_eq!(resource_of(base, "http://h:8080/scim/v2/Users/a/b"), None);
        assert_eq!(resource_of(base, "http://other:8080/scim/v2/Users/a"), None);
        assert_eq!(
            resource_of(
                "http://h/scim?aadOptscim062020",
                "http://h/scim/Users/a?aadOptscim062020"
            ),
            Some(("/Users".to_string(), "a".to_string()))
        );
    }

    #[test]
    fn entra_wire_form() {
        let q = vec![("filter".to_string(), r#"userName eq "a@b.c""#.to_string())];
        assert_eq!(
            compose("http://h/scim/", "/Users", &q, Encoding::Plus),
            "http://h/scim/Users?filter=userName+eq+%22a%40b.c%22"
        );
        assert_eq!(
            compose(
                "http://h/scim?aadOptscim062020",
                "/Users",
                &q,
                Encoding::Percent
            ),
            "http://h/scim/Users?aadOptscim062020&filter=userName%20eq%20%22a%40b.c%22"
        );
        assert_eq!(
            compose("http://h", "/Users/x?a=1", &[], Encoding::Plus),
            "http://h/Users/x?a=1"
        );
    }
}
