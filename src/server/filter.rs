//! SCIM filter expressions (RFC 7644 §3.4.2.2): parsing and evaluation.
//!
//! The grammar is the RFC's, plus what Entra puts on the wire: a value path followed by a
//! sub-attribute comparison (`emails[type eq "work"].value eq "x"`) and, from legacy
//! documentation, unquoted string values (`externalId eq jyoung`).

use super::schema::{Kind, ResourceKind, catalog};
use serde_json::{Map, Value};
use std::fmt;

/// An attribute path: `[urn:]attr[.sub]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// Schema URN prefix, if the path carried one (lower-cased core URNs are dropped).
    pub urn: Option<String>,
    /// The attribute name as written.
    pub attr: String,
    /// The sub-attribute name, if any.
    pub sub: Option<String>,
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        write!(f, "{}", self.attr)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl AttrPath {
    /// Parses `[urn:]attr[.sub]`. The URN is everything up to the last `:`.
    pub fn parse(text: &str) -> Result<AttrPath, String> {
        let (urn, rest) = if text.len() > 4
            && text
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
        {
            match text.rfind(':') {
                Some(i) if i + 1 < text.len() => (Some(text[..i].to_string()), &text[i + 1..]),
                _ => {
                    return Err(format!(
                        "attribute path `{text}` has a URN but no attribute"
                    ));
                }
            }
        } else {
            (None, text)
        };
        let (attr, sub) = match rest.split_once('.') {
            Some((a, s)) => (a, Some(s)),
            None => (rest, None),
        };
        let valid = |s: &str| {
            let mut chars = s.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '$')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        };
        if !valid(attr) || sub.is_some_and(|s| !valid(s)) {
            return Err(format!("`{text}` is not a valid attribute path"));
        }
        // A core-schema URN names the resource itself; keep only extension URNs.
        let urn = urn.filter(|u| {
            !u.eq_ignore_ascii_case(super::schema::USER)
                && !u.eq_ignore_ascii_case(super::schema::GROUP)
        });
        Ok(AttrPath {
            urn,
            attr: attr.to_string(),
            sub: sub.map(str::to_string),
        })
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// equal
    Eq,
    /// not equal
    Ne,
    /// contains
    Co,
    /// starts with
    Sw,
    /// ends with
    Ew,
    /// greater than
    Gt,
    /// greater or equal
    Ge,
    /// less than
    Lt,
    /// less or equal
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every one holds. A chain `a and b and c …` is one flat list, so evaluating (and
    /// dropping) a filter of any length never recurses once per operand.
    And(Vec<Filter>),
    /// At least one holds (flat, as `And`).
    Or(Vec<Filter>),
    /// The inner filter does not hold.
    Not(Box<Filter>),
    /// `path op value`.
    Compare(AttrPath, CompareOp, Value),
    /// `path pr`.
    Present(AttrPath),
    /// `attr[filter]`, optionally followed by `.sub op value` (Entra's matching form).
    ValuePath(AttrPath, Box<Filter>, Option<(String, CompareOp, Value)>),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    LBracket,
    RBracket,
    Dot,
}

fn tokenize(input: &str, escapes: bool) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1
            }
            '[' => {
                tokens.push(Token::LBracket);
                i += 1
            }
            ']' => {
                tokens.push(Token::RBracket);
                i += 1;
                if chars.get(i) == Some(&'.') {
                    tokens.push(Token::Dot);
                    i += 1;
                }
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') if escapes => {
                            let next = chars.get(i + 1).ok_or("unterminated escape")?;
                            s.push(match next {
                                'n' => '\n',
                                't' => '\t',
                                other => *other,
                            });
                            i += 2;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Str(s));
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !matches!(chars[i], ' ' | '\t' | '(' | ')' | '[' | ']' | '"')
                {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Comparisons parsed so far.
    terms: usize,
}

/// Most comparisons one filter may hold: each is evaluated against every stored resource, so
/// this bounds the work one request can ask for. Entra sends one; validators a few.
pub(crate) const MAX_TERMS: usize = 100;

/// Deepest nesting of parentheses and value paths accepted; deeper input is an error, not a
/// stack overflow.
const MAX_DEPTH: usize = 64;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }
    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("filter is nested too deeply".into());
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut all = vec![self.and()?];
        while self.keyword("or") {
            self.pos += 1;
            all.push(self.and()?);
        }
        Ok(if all.len() == 1 {
            all.pop().expect("one operand")
        } else {
            Filter::Or(all)
        })
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut all = vec![self.unary()?];
        while self.keyword("and") {
            self.pos += 1;
            all.push(self.unary()?);
        }
        Ok(if all.len() == 1 {
            all.pop().expect("one operand")
        } else {
            Filter::And(all)
        })
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.keyword("not") {
            self.pos += 1;
            if self.peek() != Some(&Token::Open) {
                return Err("`not` must be followed by `(`".into());
            }
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            self.enter()?;
            let inner = self.or()?;
            self.depth -= 1;
            if self.next() != Some(Token::Close) {
                return Err("missing `)`".into());
            }
            return Ok(inner);
        }
        self.attr_exp()
    }

    fn attr_exp(&mut self) -> Result<Filter, String> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(format!(
                "the filter holds more than {MAX_TERMS} comparisons; this server evaluates at most {MAX_TERMS}"
            ));
        }
        let path = match self.next() {
            Some(Token::Word(w)) => AttrPath::parse(&w)?,
            Some(other) => return Err(format!("expected an attribute path, found {other:?}")),
            None => return Err("expected an attribute path, found the end of the filter".into()),
        };
        if self.peek() == Some(&Token::LBracket) {
            self.pos += 1;
            self.enter()?;
            let inner = self.or()?;
            self.depth -= 1;
            if self.next() != Some(Token::RBracket) {
                return Err("missing `]`".into());
            }
            let tail = if self.peek() == Some(&Token::Dot) {
                self.pos += 1;
                let sub = match self.next() {
                    Some(Token::Word(w)) => w,
                    _ => return Err("expected a sub-attribute after `].`".into()),
                };
                let (op, value) = self.op_value()?;
                Some((sub, op, value))
            } else {
                None
            };
            return Ok(Filter::ValuePath(path, Box::new(inner), tail));
        }
        if self.keyword("pr") {
            self.pos += 1;
            return Ok(Filter::Present(path));
        }
        let (op, value) = self.op_value()?;
        Ok(Filter::Compare(path, op, value))
    }

    fn op_value(&mut self) -> Result<(CompareOp, Value), String> {
        let op = match self.next() {
            Some(Token::Word(w)) => {
                CompareOp::parse(&w).ok_or_else(|| format!("unknown operator `{w}`"))?
            }
            _ => return Err("expected a comparison operator".into()),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Value::String(s),
            Some(Token::Word(w)) => match w.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => match w.parse::<f64>() {
                    Ok(n)
                        if w.chars()
                            .all(|c| c.is_ascii_digit() || c == '.' || c == '-') =>
                    {
                        serde_json::Number::from_f64(n).map_or(Value::String(w), Value::Number)
                    }
                    // Legacy Entra documentation sends unquoted values.
                    _ => Value::String(w),
                },
            },
            _ => return Err("expected a comparison value".into()),
        };
        Ok((op, value))
    }
}

/// Parses a filter expression.
pub fn parse(input: &str) -> Result<Filter, String> {
    parse_with(input, true)
}

/// Parses a filter expression; without `escapes`, a backslash in a string is an ordinary
/// character (the `filter-escape-broken` defect).
pub fn parse_with(input: &str, escapes: bool) -> Result<Filter, String> {
    let mut parser = Parser {
        tokens: tokenize(input, escapes)?,
        pos: 0,
        depth: 0,
        terms: 0,
    };
    if parser.tokens.is_empty() {
        return Err("the filter is empty".into());
    }
    let filter = parser.or()?;
    if let Some(extra) = parser.peek() {
        return Err(format!("unexpected {extra:?} after the end of the filter"));
    }
    Ok(filter)
}

/// How a filter is evaluated.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvalOptions {
    /// Compare every string case-sensitively, ignoring `caseExact` (a defect switch).
    pub force_case_exact: bool,
    /// Treat `eq` on text as `sw` (a defect switch).
    pub eq_as_prefix: bool,
}

/// The values an attribute path selects in `resource`, flattened over multi-valued attributes.
pub(crate) fn select<'a>(resource: &'a Map<String, Value>, path: &AttrPath) -> Vec<&'a Value> {
    let top = match &path.urn {
        Some(urn) => get_in(resource, urn).and_then(|ext| get_ci(ext, &path.attr)),
        None => get_in(resource, &path.attr),
    };
    let Some(top) = top else {
        return Vec::new();
    };
    let elems: Vec<&Value> = match top {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    match &path.sub {
        Some(sub) => elems.into_iter().filter_map(|e| get_ci(e, sub)).collect(),
        None => elems,
    }
}

/// Looks up an object key ignoring ASCII case.
pub(crate) fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    get_in(value.as_object()?, key)
}

/// Looks up a map key ignoring ASCII case (exact spelling first: stored names are canonical).
pub(crate) fn get_in<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Schema facts about an attribute path: (case_exact, kind).
fn facts(kind: ResourceKind, path: &AttrPath, sub_override: Option<&str>) -> (bool, Option<Kind>) {
    let attr = match &path.urn {
        Some(urn) => kind.extension(urn).and_then(|s| s.attr(&path.attr)),
        None => kind.attr(&path.attr),
    };
    let Some(attr) = attr else {
        return (false, None);
    };
    let sub = sub_override.or(path.sub.as_deref());
    match sub {
        Some(s) => attr
            .sub(s)
            .map_or((false, None), |a| (a.case_exact, Some(a.kind))),
        None if attr.kind == Kind::Complex => attr
            .sub("value")
            .map_or((false, None), |a| (a.case_exact, Some(a.kind))),
        None => (attr.case_exact, Some(attr.kind)),
    }
}

/// Whether `resource` (of `kind`) satisfies `filter`.
pub fn matches(
    filter: &Filter,
    resource: &Map<String, Value>,
    kind: ResourceKind,
    opts: EvalOptions,
) -> bool {
    match filter {
        Filter::And(all) => all.iter().all(|f| matches(f, resource, kind, opts)),
        Filter::Or(all) => all.iter().any(|f| matches(f, resource, kind, opts)),
        Filter::Not(a) => !matches(a, resource, kind, opts),
        Filter::Present(path) => select(resource, &complex_value(kind, path))
            .iter()
            .any(|v| !is_empty(v)),
        Filter::Compare(path, op, expected) => {
            let path = complex_value(kind, path);
            let (case_exact, attr_kind) = facts(kind, &path, None);
            let exact = case_exact || opts.force_case_exact;
            let actual = select(resource, &path);
            if *op == CompareOp::Ne {
                return !actual
                    .iter()
                    .any(|v| compare(v, CompareOp::Eq, expected, exact, attr_kind));
            }
            if expected.is_null() && *op == CompareOp::Eq {
                return actual.iter().all(|v| v.is_null());
            }
            let op = match op {
                CompareOp::Eq if opts.eq_as_prefix && expected.is_string() => CompareOp::Sw,
                other => *other,
            };
            actual
                .iter()
                .any(|v| compare(v, op, expected, exact, attr_kind))
        }
        Filter::ValuePath(path, inner, tail) => {
            let elems = select(
                resource,
                &AttrPath {
                    sub: None,
                    ..path.clone()
                },
            );
            elems.iter().any(|elem| {
                element_matches(inner, elem, kind, path, opts)
                    && tail.as_ref().is_none_or(|(sub, op, expected)| {
                        let (case_exact, attr_kind) = facts(kind, path, Some(sub));
                        get_ci(elem, sub).is_some_and(|v| {
                            compare(
                                v,
                                *op,
                                expected,
                                case_exact || opts.force_case_exact,
                                attr_kind,
                            )
                        })
                    })
            })
        }
    }
}

/// Evaluates the filter inside `attr[...]` against one element of the multi-valued attribute.
pub(crate) fn element_matches(
    filter: &Filter,
    elem: &Value,
    kind: ResourceKind,
    parent: &AttrPath,
    opts: EvalOptions,
) -> bool {
    match filter {
        Filter::And(all) => all
            .iter()
            .all(|f| element_matches(f, elem, kind, parent, opts)),
        Filter::Or(all) => all
            .iter()
            .any(|f| element_matches(f, elem, kind, parent, opts)),
        Filter::Not(a) => !element_matches(a, elem, kind, parent, opts),
        Filter::Present(p) => get_ci(elem, &p.attr).is_some_and(|v| !is_empty(v)),
        Filter::Compare(p, op, expected) => {
            let (case_exact, attr_kind) = facts(kind, parent, Some(&p.attr));
            let exact = case_exact || opts.force_case_exact;
            match get_ci(elem, &p.attr) {
                Some(v) => {
                    let hit = compare(
                        v,
                        if *op == CompareOp::Ne {
                            CompareOp::Eq
                        } else {
                            *op
                        },
                        expected,
                        exact,
                        attr_kind,
                    );
                    if *op == CompareOp::Ne { !hit } else { hit }
                }
                None => *op == CompareOp::Ne || (expected.is_null() && *op == CompareOp::Eq),
            }
        }
        // Nested value paths are not meaningful inside an element.
        Filter::ValuePath(..) => false,
    }
}

/// For a complex multi-valued attribute compared without a sub-attribute, RFC 7644 compares
/// its `value` sub-attribute (e.g. `emails co "x"`). Entra's legacy manager probe (E1 Example
/// 4: `id eq … and manager eq …`) names the enterprise `manager` without its URN: a user
/// attribute the core schema does not know resolves in the enterprise extension, and a
/// complex one compares its `value`.
fn complex_value(kind: ResourceKind, path: &AttrPath) -> AttrPath {
    let mut p = path.clone();
    let enterprise = &catalog().enterprise;
    if p.urn.is_none()
        && kind == ResourceKind::User
        && kind.attr(&p.attr).is_none()
        && enterprise.attr(&p.attr).is_some()
    {
        p.urn = Some(super::schema::ENTERPRISE.to_string());
    }
    let attr = match &p.urn {
        Some(urn) => kind.extension(urn).and_then(|s| s.attr(&p.attr)),
        None => kind.attr(&p.attr),
    };
    if p.sub.is_none()
        && attr.is_some_and(|a| a.kind == Kind::Complex && (a.multi || p.urn.is_some()))
    {
        p.sub = Some("value".into());
    }
    p
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Reads a JSON value as a boolean, accepting Entra's `"True"`/`"False"` strings.
pub(crate) fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn compare(
    actual: &Value,
    op: CompareOp,
    expected: &Value,
    exact: bool,
    kind: Option<Kind>,
) -> bool {
    if kind == Some(Kind::Boolean) || actual.is_boolean() {
        let (Some(a), Some(e)) = (as_bool(actual), as_bool(expected)) else {
            return false;
        };
        return match op {
            CompareOp::Eq => a == e,
            CompareOp::Ne => a != e,
            _ => false,
        };
    }
    if let (Some(a), Some(e)) = (actual.as_f64(), expected.as_f64()) {
        return match op {
            CompareOp::Eq => a == e,
            CompareOp::Ne => a != e,
            CompareOp::Gt => a > e,
            CompareOp::Ge => a >= e,
            CompareOp::Lt => a < e,
            CompareOp::Le => a <= e,
            _ => false,
        };
    }
    let (Some(a), Some(e)) = (scalar_text(actual), scalar_text(expected)) else {
        return false;
    };
    let (a, e) = if exact {
        (a, e)
    } else {
        (a.to_lowercase(), e.to_lowercase())
    };
    match op {
        CompareOp::Eq => a == e,
        CompareOp::Ne => a != e,
        CompareOp::Co => a.contains(&e),
        CompareOp::Sw => a.starts_with(&e),
        CompareOp::Ew => a.ends_with(&e),
        CompareOp::Gt => a > e,
        CompareOp::Ge => a >= e,
        CompareOp::Lt => a < e,
        CompareOp::Le => a <= e,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// If the filter is exactly `attr eq "value"` on a top-level attribute, returns both — the
/// store answers these from an index instead of scanning.
pub(crate) fn simple_eq(filter: &Filter) -> Option<(&str, &str)> {
    match filter {
        Filter::Compare(
            AttrPath {
                urn: None,
                attr,
                sub: None,
            },
            CompareOp::Eq,
            Value::String(v),
        ) => Some((attr, v)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "abc", "userName": "Alice@Example.com", "active": false,
            "name": {"familyName": "Smith", "givenName": "Alice"},
            "emails": [{"value": "a@work.com", "type": "work", "primary": true},
                       {"value": "a@home.com", "type": "home"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42", "manager": {"value": "m1"}},
            "meta": {"created": "2024-01-02T00:00:00Z"}
        })
    }

    fn eval(f: &str) -> bool {
        matches(
            &parse(f).unwrap_or_else(|e| panic!("{f}: {e}")),
            user().as_object().unwrap(),
            ResourceKind::User,
            EvalOptions::default(),
        )
    }

    #[test]
    fn user_name_is_case_insensitive() {
        assert!(eval(r#"userName eq "alice@example.com""#));
        assert!(eval(r#"USERNAME Eq "ALICE@EXAMPLE.COM""#));
        assert!(!eval(r#"userName eq "bob@example.com""#));
    }

    #[test]
    fn case_exact_attributes_compare_exactly() {
        assert!(eval(r#"id eq "abc""#));
        assert!(!eval(r#"id eq "ABC""#));
        let strict = EvalOptions {
            force_case_exact: true,
            ..EvalOptions::default()
        };
        let f = parse(r#"userName eq "alice@example.com""#).unwrap();
        assert!(!matches(
            &f,
            user().as_object().unwrap(),
            ResourceKind::User,
            strict
        ));
    }

    #[test]
    fn operators() {
        assert!(eval(r#"userName co "example""#));
        assert!(eval(r#"userName sw "ali""#));
        assert!(eval(r#"userName ew ".COM""#));
        assert!(eval(r#"userName ne "x""#));
        assert!(eval(r#"meta.created gt "2023-12-31T00:00:00Z""#));
        assert!(eval(r#"meta.created le "2024-01-02T00:00:00Z""#));
        assert!(!eval(r#"meta.created lt "2024-01-02T00:00:00Z""#));
        assert!(eval("name.familyName pr"));
        assert!(!eval("title pr"));
        assert!(eval("active eq false"));
        assert!(eval(r#"active eq "False""#));
    }

    #[test]
    fn logic_and_precedence() {
        assert!(eval(
            r#"userName sw "a" and (emails co "home" or title pr)"#
        ));
        assert!(eval(
            r#"userName sw "x" or userName sw "a" and active eq false"#
        ));
        assert!(!eval(r#"not (userName sw "a")"#));
        assert!(eval(
            r#"not (userName sw "b") and name.givenName eq "alice""#
        ));
    }

    #[test]
    fn value_paths() {
        assert!(eval(r#"emails[type eq "work" and value co "@work"]"#));
        assert!(!eval(r#"emails[type eq "other"]"#));
        assert!(eval(r#"emails[type eq "work"].value eq "A@WORK.COM""#));
        assert!(!eval(r#"emails[type eq "home"].value eq "a@work.com""#));
        assert!(eval(r#"emails[primary eq true].value eq "a@work.com""#));
    }

    #[test]
    fn urn_qualified_paths() {
        assert!(eval(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42""#
        ));
        assert!(eval(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1""#
        ));
        assert!(eval(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "A""#
        ));
    }

    #[test]
    fn legacy_unquoted_values() {
        assert!(eval("id eq abc and userName sw alice"));
    }

    #[test]
    fn invalid_filters_are_errors() {
        for bad in [
            "",
            "userName",
            "userName eq",
            r#"userName xx "a""#,
            r#"userName eq "a"#,
            r#"(userName eq "a""#,
            r#"emails[type eq "work""#,
            r#"userName eq "a" garbage"#,
            r#"not userName eq "a""#,
            r#"1abc eq "a""#,
            "urn:x:",
            "ürn:x eq 1",
            "(\u{4130b} eq 1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn entra_manager_probe_without_the_urn() {
        assert!(eval(r#"id eq "abc" and manager eq "m1""#));
        assert!(!eval(r#"id eq "abc" and manager eq "m2""#));
        assert!(eval(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "m1""#
        ));
    }

    #[test]
    fn long_chains_are_flat_not_deep_and_bounded() {
        // A binary tree of operands overflowed the stack when evaluated or dropped: chains
        // are flat.
        let chain = vec![r#"userName eq "x""#; MAX_TERMS].join(" or ");
        let f = parse(&chain).unwrap();
        assert!(matches!(&f, Filter::Or(all) if all.len() == MAX_TERMS));
        let u = user();
        assert!(!matches(
            &f,
            u.as_object().unwrap(),
            ResourceKind::User,
            EvalOptions::default()
        ));
        let chain = vec![r#"active eq false"#; MAX_TERMS].join(" and ");
        assert!(matches(
            &parse(&chain).unwrap(),
            u.as_object().unwrap(),
            ResourceKind::User,
            EvalOptions::default()
        ));
        // More comparisons than that are refused before any is evaluated (a 2 MiB `or`
        // chain took 32 s of the server's time).
        let chain = vec![r#"userName eq "x""#; 200_000].join(" or ");
        assert!(parse(&chain).unwrap_err().contains("comparisons"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let f = format!("{}userName pr{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&f).unwrap_err().contains("nested too deeply"));
    }

    #[test]
    fn simple_eq_detects_index_lookups() {
        let f = parse(r#"userName eq "x""#).unwrap();
        assert_eq!(simple_eq(&f), Some(("userName", "x")));
        assert_eq!(simple_eq(&parse(r#"name.givenName eq "x""#).unwrap()), None);
    }
}
