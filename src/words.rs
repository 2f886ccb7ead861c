//! Counted nouns, so that every message says `1 case` and `2 cases`, never `1 cases`.

/// `n` and `noun`, the noun in its plural unless `n` is 1: `count(1, "case")` is `1 case`,
/// `count(3, "class")` is `3 classes`, `count(2, "entry")` is `2 entries`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    format!("{n} {}", plural(n, noun))
}

/// `noun` as it goes with `n`: itself for 1, its plural otherwise.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        return noun.to_string();
    }
    let consonant_y = noun.ends_with('y')
        && !noun.ends_with("ay")
        && !noun.ends_with("ey")
        && !noun.ends_with("oy");
    if consonant_y {
        format!("{}ies", &noun[..noun.len() - 1])
    } else if noun.ends_with('s') || noun.ends_with("sh") || noun.ends_with("ch") {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(count(1, "case"), "1 case");
        assert_eq!(count(0, "case"), "0 cases");
        assert_eq!(count(2, "problem"), "2 problems");
        assert_eq!(count(3, "class"), "3 classes");
        assert_eq!(count(2, "entry"), "2 entries");
        assert_eq!(count(2, "key"), "2 keys");
        assert_eq!(count(1, "group"), "1 group");
    }
}
