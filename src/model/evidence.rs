//! Evidence grades: what a case's or a check's requirement rests on (docs/evidence.md).
//! Only Microsoft's own word — its docs or its gate's code — can make a requirement fail a
//! run; what implementers saw of real Entra traffic, or what we infer, is recommended only.

use std::fmt;
use std::str::FromStr;

/// What a requirement rests on, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Evidence {
    /// Microsoft's documentation (Learn pages, the compatibility article).
    Documented,
    /// The gate's own code: the gallery validation Logic App or the SCIM Validator.
    Gate,
    /// Third-party reports of real Entra traffic (issues, vendor code, Q&A answers).
    Observed,
    /// Our inference from the above.
    Inferred,
}

impl Evidence {
    /// Every grade, strongest first.
    pub const ALL: &'static [Evidence] = &[
        Evidence::Documented,
        Evidence::Gate,
        Evidence::Observed,
        Evidence::Inferred,
    ];

    /// Lower-case name, as suites write it.
    pub fn name(self) -> &'static str {
        match self {
            Evidence::Documented => "documented",
            Evidence::Gate => "gate",
            Evidence::Observed => "observed",
            Evidence::Inferred => "inferred",
        }
    }

    /// Whether a requirement resting on this evidence may be `required`: only Microsoft's
    /// documentation and its gate's code can fail a run.
    pub fn can_require(self) -> bool {
        matches!(self, Evidence::Documented | Evidence::Gate)
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Evidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Evidence::ALL
            .iter()
            .copied()
            .find(|e| e.name() == s)
            .ok_or_else(|| format!("unknown evidence grade `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::Evidence;

    #[test]
    fn grades_read_back_and_only_microsofts_word_requires() {
        for e in Evidence::ALL {
            assert_eq!(e.name().parse::<Evidence>(), Ok(*e));
        }
        let required: Vec<_> = Evidence::ALL.iter().filter(|e| e.can_require()).collect();
        assert_eq!(required, [&Evidence::Documented, &Evidence::Gate]);
        assert!("doc".parse::<Evidence>().is_err());
    }
}
