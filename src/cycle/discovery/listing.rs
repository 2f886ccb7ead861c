//! What Account Discovery reads of a page: `totalResults`, and the `userName` of each entry of
//! `Resources`, read straight from the body; everything else is skipped, never built. A page
//! of 100 Entra-shaped users parses into a tree of some 3,000 JSON values and the pass needs
//! about 100 of them: building the tree was most of the pass's own work.
//!
//! The reading is the one `serde_json::Value` gave (`j.get("totalResults")`, …): exact
//! member names, the last of a repeated member, non-objects and non-strings skipped; only
//! inside the members it skips is it more lenient (nesting deeper than 128, a `\u` escape
//! that is no character: serde_json skips them, where a tree refused the page). Memory
//! stays within a fraction of the body whatever a server sends: one index per entry that is
//! one of this run's users.

use crate::cycle::directory::Directory;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A page as the pass reads it.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Listing {
    /// Whether the answer has a `totalResults` member, whatever its value.
    pub total_given: bool,
    /// `totalResults`, when it is a non-negative integer.
    pub total: Option<u64>,
    /// `startIndex`, when it is a non-negative integer.
    pub start: Option<u64>,
    /// `Resources`, when it is an array.
    pub resources: Option<Resources>,
}

/// The `Resources` array, as the pass reads it.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Resources {
    /// Its entries, resources or not.
    pub count: usize,
    /// The source-directory index of each entry whose `userName` is one of this run's users,
    /// in the order listed.
    pub ours: Vec<usize>,
}

/// Reads `body`: `None` when it is not a JSON object (not UTF-8, not JSON, another value).
pub(super) fn parse(body: &[u8], dir: &Directory) -> Option<Listing> {
    // Checked whole first: the strings the reading skips are not decoded, and a body that is
    // not UTF-8 is no more a ListResponse than it was to the JSON tree.
    let text = std::str::from_utf8(body).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let got = Read::new(What::Page, dir).deserialize(&mut de).ok()?;
    de.end().ok()?;
    match got {
        Got::Page(l) => Some(l),
        _ => None,
    }
}

/// Which value is being read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum What {
    /// The whole answer.
    Page,
    /// `totalResults` or `startIndex`.
    Number,
    /// `Resources`.
    Resources,
    /// One entry of `Resources`.
    Resource,
    /// Its `userName`.
    UserName,
}

/// What a value gave.
enum Got {
    Nothing,
    Page(Listing),
    Number(u64),
    Resources(Resources),
    Ours(usize),
}

/// Reads one value as `what`.
#[derive(Clone, Copy)]
struct Read<'a> {
    what: What,
    dir: &'a Directory,
}

impl<'a> Read<'a> {
    fn new(what: What, dir: &'a Directory) -> Self {
        Read { what, dir }
    }

    /// The page's members: the last of a repeated one counts, as in a JSON tree.
    fn page<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<Got, A::Error> {
        let mut l = Listing::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::TotalResults => {
                    l.total_given = true;
                    l.total = self.number(&mut map)?;
                }
                Key::StartIndex => {
                    l.start = self.number(&mut map)?;
                }
                Key::Resources => {
                    l.resources = match map.next_value_seed(self.at(What::Resources))? {
                        Got::Resources(r) => Some(r),
                        _ => None,
                    };
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Got::Page(l))
    }

    /// A member's value, when it is a non-negative integer.
    fn number<'de, A: MapAccess<'de>>(self, map: &mut A) -> Result<Option<u64>, A::Error> {
        Ok(match map.next_value_seed(self.at(What::Number))? {
            Got::Number(n) => Some(n),
            _ => None,
        })
    }

    /// One resource: whose user it is, if one of this run's.
    fn resource<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<Got, A::Error> {
        let mut ours = Got::Nothing;
        while let Some(key) = map.next_key::<Key>()? {
            if key == Key::UserName {
                ours = map.next_value_seed(self.at(What::UserName))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(ours)
    }

    fn at(self, what: What) -> Self {
        Read { what, ..self }
    }
}

impl<'de> DeserializeSeed<'de> for Read<'_> {
    type Value = Got;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Got, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Read<'_> {
    type Value = Got;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Got, E> {
        Ok(Got::Nothing)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Got, E> {
        Ok(Got::Nothing)
    }

    fn visit_u64<E>(self, v: u64) -> Result<Got, E> {
        Ok(match self.what {
            What::Number => Got::Number(v),
            _ => Got::Nothing,
        })
    }

    fn visit_f64<E>(self, _: f64) -> Result<Got, E> {
        Ok(Got::Nothing)
    }

    fn visit_str<E>(self, v: &str) -> Result<Got, E> {
        Ok(match self.what {
            What::UserName => self.dir.user_index(v).map_or(Got::Nothing, Got::Ours),
            _ => Got::Nothing,
        })
    }

    fn visit_unit<E>(self) -> Result<Got, E> {
        Ok(Got::Nothing)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Got, A::Error> {
        if self.what != What::Resources {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Got::Nothing);
        }
        let mut r = Resources::default();
        while let Some(got) = seq.next_element_seed(self.at(What::Resource))? {
            r.count += 1;
            if let Got::Ours(i) = got {
                r.ours.push(i);
            }
        }
        Ok(Got::Resources(r))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Got, A::Error> {
        match self.what {
            What::Page => self.page(map),
            What::Resource => self.resource(map),
            _ => {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Got::Nothing)
            }
        }
    }
}

/// A member name the pass reads, compared exactly as `Value::get` does.
#[derive(Debug, PartialEq)]
enum Key {
    TotalResults,
    StartIndex,
    Resources,
    UserName,
    Other,
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(match v {
            "totalResults" => Key::TotalResults,
            "startIndex" => Key::StartIndex,
            "Resources" => Key::Resources,
            "userName" => Key::UserName,
            _ => Key::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The reading the pass made from a `serde_json::Value` tree before this one.
    fn from_tree(body: &[u8], dir: &Directory) -> Option<Listing> {
        let j: Value = serde_json::from_slice(body).ok()?;
        let j = j.as_object()?;
        Some(Listing {
            total_given: j.contains_key("totalResults"),
            total: j.get("totalResults").and_then(Value::as_u64),
            start: j.get("startIndex").and_then(Value::as_u64),
            resources: j
                .get("Resources")
                .and_then(Value::as_array)
                .map(|rs| Resources {
                    count: rs.len(),
                    ours: rs
                        .iter()
                        .filter_map(|r| r.get("userName").and_then(Value::as_str))
                        .filter_map(|n| dir.user_index(n))
                        .collect(),
                }),
        })
    }

    #[test]
    fn a_page_reads_as_its_json_tree_did() {
        let dir = Directory::generate("abcd1234", 1, 20, 0, 0);
        let (u0, u3) = (dir.user_name(0), dir.user_name(3));
        // `s` written as the \u0073 escape: a name only decoding shows.
        let escaped = u3.replacen('s', "\\u0073", 1);
        let bodies = [
            format!(
                r#"{{"schemas":["x"],"totalResults":2,"startIndex":1,"Resources":[{{"id":"a","userName":"{u0}","emails":[{{"value":"x"}}],"meta":{{"version":"W/\"1\""}}}},{{"userName":"{escaped}"}}]}}"#
            ),
            // Repeated members: the last counts.
            format!(
                r#"{{"totalResults":"many","totalResults":5,"startIndex":21,"startIndex":"1","Resources":[{{"userName":"{u0}","userName":"other"}}],"Resources":[{{"userName":"other","userName":"{u3}"}},{{"userName":"{u0}"}}]}}"#
            ),
            // Entries that are not resources, names that are not strings, other casings.
            format!(
                r#"{{"TotalResults":1,"totalResults":-1,"resources":[],"Resources":[1,null,"{u0}",[{{"userName":"{u0}"}}],{{"userName":7}},{{"UserName":"{u0}"}},{{"userName":"{}"}}]}}"#,
                u3.to_uppercase()
            ),
            r#"{"totalResults":1.0,"Resources":{"userName":"x"}}"#.into(),
            r#"{"totalResults":18446744073709551616}"#.into(),
            r#"{"totalResults":null,"Resources":null}"#.into(),
            r#"{"Resources":[]}"#.into(),
            r#"{}"#.into(),
            r#"[{"totalResults":1}]"#.into(),
            r#""totalResults""#.into(),
            // Not JSON, not all of it JSON, nothing.
            r#"{"totalResults":1,"Resources":[]} trailing"#.into(),
            r#"{"totalResults":1,"Resources":[{"userName":"a"}"#.into(),
            "".into(),
            "  ".into(),
            "<html>".into(),
        ];
        let mut read = 0;
        for b in &bodies {
            let got = parse(b.as_bytes(), &dir);
            assert_eq!(got, from_tree(b.as_bytes(), &dir), "{b}");
            read += usize::from(got.is_some());
        }
        assert_eq!(read, 8);
        let first = parse(bodies[0].as_bytes(), &dir).unwrap();
        assert_eq!(first.resources.unwrap().ours, [0, 3]);
        // Not UTF-8.
        let mut bad = br#"{"totalResults":1,"x":""#.to_vec();
        bad.extend([0xff, b'"', b'}']);
        assert_eq!(parse(&bad, &dir), None);
    }

    #[test]
    fn deep_or_wide_answers_are_read_within_bounds() {
        let dir = Directory::generate("abcd1234", 1, 3, 0, 0);
        // The reading goes four levels deep at most; deeper nesting is skipped without
        // recursion: no stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        for body in [
            format!(r#"{{"totalResults":1,"Resources":[{{"userName":{deep}}}]}}"#),
            format!(r#"{{"totalResults":1,"Resources":{deep}}}"#),
        ] {
            let skipped = parse(body.as_bytes(), &dir).unwrap().resources.unwrap();
            assert_eq!((skipped.count, skipped.ours.len()), (1, 0));
        }
        // A million entries: counted, none kept.
        let wide = format!(
            r#"{{"totalResults":1,"Resources":[{}0]}}"#,
            "0,".repeat(1_000_000)
        );
        let l = parse(wide.as_bytes(), &dir).unwrap();
        let r = l.resources.unwrap();
        assert_eq!((r.count, r.ours.capacity()), (1_000_001, 0));
    }
}
