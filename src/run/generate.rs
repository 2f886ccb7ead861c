//! Test-data generators (`${user_name}`, `${uuid}`, …). Every identifying value embeds the run
//! id behind the `scimtest-` prefix, so runs never collide and leftovers can be found.

use fake::Fake;
use fake::faker::address::en::CityName;
use fake::faker::company::en::Industry;
use fake::faker::job::en::Title;
use fake::faker::lorem::en::Word;
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt;
use serde_json::Value;

/// The prefix of every resource name scimtest creates.
pub(crate) const PREFIX: &str = "scimtest";

/// A fresh run id: 8 lower-case hex digits.
pub fn run_id() -> String {
    format!("{:08x}", rand::rng().random::<u32>())
}

fn alnum(n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

fn upper(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
        .collect()
}

/// The run id as 8 lower-case letters (hex digit `0` → `a` … `f` → `p`). Okta's OIN gate
/// names its user `Runscope<3 digits><Capital><8 lower-case><3 digits>@atko.com`
/// (`Initial_Script_Spec.txt`): the format leaves no room for the `scimtest-` prefix, so the
/// run is carried by these letters instead, and [`carries_run`] recognises them.
pub(crate) fn run_letters(run_id: &str) -> String {
    run_id
        .chars()
        .map(|c| match c.to_digit(16) {
            Some(d) => char::from(b'a' + d as u8),
            None => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Whether `s` carries run `run_id`'s generated identity: the `scimtest-<run id>-` prefix
/// (any case), or a userName in the OIN gate's format holding the run's letters.
pub(crate) fn carries_run(s: &str, run_id: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if lower.starts_with(&format!("{PREFIX}-{run_id}-").to_ascii_lowercase()) {
        return true;
    }
    let Some(core) = lower
        .strip_prefix("runscope")
        .and_then(|r| r.strip_suffix("@atko.com"))
    else {
        return false;
    };
    let letters = run_letters(run_id);
    let b = core.as_bytes();
    b.len() == 3 + 1 + letters.len() + 3
        && b[..3].iter().all(u8::is_ascii_digit)
        && b[3].is_ascii_lowercase()
        && core[4..4 + letters.len()] == letters
        && b[4 + letters.len()..].iter().all(u8::is_ascii_digit)
}

fn digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// Produces a value for generator `name` (with its argument, if any); userNames and emails
/// are in `domain` when one is given.
pub(crate) fn generate(name: &str, run_id: &str, domain: Option<&str>) -> Option<Value> {
    let (head, arg) = match name.split_once(':') {
        Some((h, a)) => (h, a.parse::<usize>().ok()),
        None => (name, None),
    };
    let s = match (head, arg) {
        ("uuid", None) => uuid::Uuid::new_v4().to_string(),
        // Mixed case after the lower-case prefix: userNames and emails must be stored as sent
        // (a server that lowercases them fails the exact read-back), and `sweep` still finds
        // them by the prefix.
        ("user_name", None) => format!(
            "{PREFIX}-{run_id}-{}.Test@{}",
            alnum(8),
            domain.unwrap_or("Example.com")
        ),
        ("group_name", None) => {
            format!("{PREFIX}-{run_id}-{} {}", alnum(8), Word().fake::<String>())
        }
        ("email", None) => format!(
            "{PREFIX}-{run_id}-{}.Mail@{}",
            alnum(8),
            domain.unwrap_or("Example.org")
        ),
        ("given_name", None) => FirstName().fake(),
        ("family_name", None) => LastName().fake(),
        ("word", None) => Word().fake(),
        // Some industries hold `&` ("Defense & Space"): random data must not trip the
        // `values-html-escaped` defect, which only the special-character cases are to prove
        // (else the mutation matrix changes from run to run).
        ("department", None) => Industry().fake::<String>().replace('&', "and"),
        ("job_title", None) => Title().fake(),
        ("city", None) => CityName().fake(),
        // Spaces, brackets and a dash: a server that normalises numbers changes this one.
        ("phone", None) => format!("+1 (555) {}-{}", digits(3), digits(4)),
        ("alnum", Some(n)) => alnum(n),
        ("digits", Some(n)) => digits(n),
        ("upper", Some(n)) => upper(n),
        ("run_letters", None) => run_letters(run_id),
        ("run_letters_caps", None) => run_letters(run_id).to_ascii_uppercase(),
        _ => return None,
    };
    Some(Value::String(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GENERATORS;

    #[test]
    fn every_declared_generator_exists() {
        for g in GENERATORS {
            let name = if matches!(*g, "alnum" | "digits" | "upper") {
                format!("{g}:4")
            } else {
                g.to_string()
            };
            assert!(generate(&name, "abcd1234", None).is_some(), "{g}");
        }
    }

    #[test]
    fn oin_gate_names_carry_the_run_in_letters() {
        let run = "0a1b2c3d";
        assert_eq!(run_letters(run), "akblcmdn");
        let name = format!("Runscope042X{}917@atko.com", run_letters(run));
        assert!(carries_run(&name, run));
        assert!(carries_run(&name.to_ascii_uppercase(), run));
        assert!(!carries_run(&name, "0a1b2c3e"), "another run's letters");
        assert!(!carries_run("Runscope042Xakblcmdn91@atko.com", run));
        assert!(!carries_run("Runscope042Xakblcmdn917@atko.com.evil", run));
        assert!(!carries_run("abcdefgh@atko.com", run));
        assert!(carries_run("scimtest-0a1b2c3d-x@example.com", run));
        assert!(!carries_run("scimtest-0a1b2c3e-x@example.com", run));
    }

    #[test]
    fn names_carry_the_run_id() {
        let u = generate("user_name", "abcd1234", None).unwrap();
        assert!(u.as_str().unwrap().starts_with("scimtest-abcd1234-"));
        let g = generate("group_name", "abcd1234", None).unwrap();
        assert!(g.as_str().unwrap().starts_with("scimtest-abcd1234-"));
        assert_eq!(
            generate("digits:6", "x", None)
                .unwrap()
                .as_str()
                .unwrap()
                .len(),
            6
        );
    }

    #[test]
    fn random_values_hold_no_html_special_characters() {
        for g in GENERATORS
            .iter()
            .filter(|g| !matches!(**g, "alnum" | "digits" | "upper"))
        {
            for _ in 0..300 {
                let v = generate(g, "abcd1234", None).unwrap();
                let text = v.as_str().unwrap();
                assert!(!text.contains(['&', '<', '>']), "{g}: {text}");
            }
        }
    }
}
