//! Building request URLs: base URL + path + query, encoded the way the profile's client does.

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
pub fn compose(base: &str, path: &str, query: &[(String, String)], encoding: Encoding) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
