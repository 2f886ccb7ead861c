//! A copy-paste `curl` command reproducing one request. The token is never printed: the
//! command reads it from `$SCIM_TOKEN`.

use crate::record::Exchange;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The curl command for `exchange` (whose Authorization is already masked).
pub fn curl(exchange: &Exchange) -> String {
    let mut parts = vec![
        // --globoff: brackets and braces in the URL are data, never a glob.
        "curl -sS -i --globoff".to_string(),
        format!("-X {}", exchange.method),
        quote(&exchange.url),
    ];
    for (k, v) in &exchange.request_headers {
        if k.eq_ignore_ascii_case("authorization") {
            // A masked value with no scheme was a token sent as the whole header (Okta's
            // "Header" mode): reproduce it the same way.
            let value = match v.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} $SCIM_TOKEN"),
                None => "$SCIM_TOKEN".to_string(),
            };
            parts.push(format!("-H \"Authorization: {value}\""));
        } else {
            parts.push(format!("-H {}", quote(&format!("{k}: {v}"))));
        }
    }
    if let Some(body) = &exchange.request_body {
        parts.push(format!("--data-raw {}", quote(body)));
    }
    parts.join(" \\\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_hides_the_token() {
        let ex = Exchange {
            method: "PATCH".into(),
            url: "http://h/Users/1".into(),
            request_headers: vec![
                ("Authorization".into(), "Bearer ***".into()),
                ("X".into(), "it's".into()),
            ],
            request_body: Some(r#"{"a":"b'c"}"#.into()),
            ..Exchange::default()
        };
        let c = curl(&ex);
        assert_eq!(
            c,
            "curl -sS -i --globoff \\\n  -X PATCH \\\n  'http://h/Users/1' \\\n  -H \"Authorization: Bearer $SCIM_TOKEN\" \\\n  -H 'X: it'\\''s' \\\n  --data-raw '{\"a\":\"b'\\''c\"}'"
        );
    }
}
