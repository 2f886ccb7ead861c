//! Okta's OIN gate (the Runscope "Okta SCIM 2.0 SPEC Test" and "CRUD Test" an OIN submission
//! must pass) as a table: each request whose assertions the `okta-oin` suite replays, whether the
//! gate requires it, and the case and step replaying it. The "Okta OIN gate" verdict
//! (`super::verdicts`) is computed from this table; `tests/suite_data.rs` keeps it in step with
//! `suites/okta/oin.yaml`.
//!
//! Revisions: `Okta-SCIM-20-SPEC-Test.json` @f9abbe3dc1 (2024-05-23) and
//! `Okta-SCIM-20-CRUD-Test.json` @6654b22701 (2023-04-19), in okta/okta-developer-docs.

/// How the gate counts a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OinCategory {
    /// "Required Test:" in the SPEC suite, or a CRUD read whose preceding Okta write is
    /// documented: a failure fails the gate.
    Required,
    /// "Optional Test:" (SPEC step 10): a failure is reported, not blocking.
    Optional,
    /// A CRUD read the gate requires, replayed after a write whose shape Okta does not document
    /// (reactivation): a failure is reported as a warning, since scimtest's stand-in may be what
    /// the target refused.
    StandIn,
}

/// One request of the gate.
#[derive(Debug, Clone, Copy)]
pub struct OinStep {
    /// `SPEC` or `CRUD`.
    pub test: &'static str,
    /// The request's number among the test's requests to the SCIM server.
    pub number: u8,
    /// The Runscope step's note, as the gate reports it.
    pub note: &'static str,
    /// Required, optional, or a read after an inferred stand-in write.
    pub category: OinCategory,
    /// The case replaying it (`okta-oin::CASE[okta-oin]`).
    pub case: &'static str,
    /// Text that names this request among the case's step names.
    pub step: &'static str,
}

impl OinStep {
    /// `SPEC step 8 "Expect failure when recreating user with same values"`.
    pub fn label(&self) -> String {
        format!("{} step {} \"{}\"", self.test, self.number, self.note)
    }
}

const fn spec(number: u8, note: &'static str, case: &'static str, step: &'static str) -> OinStep {
    OinStep {
        test: "SPEC",
        number,
        note,
        category: OinCategory::Required,
        case,
        step,
    }
}

const fn crud(
    number: u8,
    note: &'static str,
    category: OinCategory,
    case: &'static str,
    step: &'static str,
) -> OinStep {
    OinStep {
        test: "CRUD",
        number,
        note,
        category,
        case,
        step,
    }
}

const USERS: &str = "okta-oin::spec_users_endpoint[okta-oin]";
const CREATE: &str = "okta-oin::spec_create_user[okta-oin]";
const LIFECYCLE: &str = "okta-oin::crud_user_lifecycle[okta-oin]";
const REACTIVATE: &str = "okta-oin::crud_reactivate_and_unassign[okta-oin]";

/// The SPEC test's 12 requests and the CRUD test's 5 reads of the SCIM server, in the gate's
/// order.
pub const OIN_STEPS: &[OinStep] = &[
    spec(1, "Test Users endpoint", USERS, "SPEC step 1:"),
    spec(2, "Get Users/{{id}}", USERS, "SPEC step 2:"),
    spec(
        3,
        "Test invalid User by username",
        "okta-oin::spec_invalid_user_by_username[okta-oin]",
        "SPEC step 3:",
    ),
    spec(
        4,
        "Test invalid User by ID",
        "okta-oin::spec_invalid_user_by_id[okta-oin]",
        "SPEC step 4:",
    ),
    spec(
        5,
        "Make sure random user doesn't exist",
        CREATE,
        "SPEC step 5:",
    ),
    spec(
        6,
        "Create Okta user with realistic values",
        CREATE,
        "SPEC step 6:",
    ),
    spec(7, "Verify that user was created", CREATE, "SPEC step 7:"),
    spec(
        8,
        "Expect failure when recreating user with same values",
        "okta-oin::spec_recreate_user_conflict[okta-oin]",
        "SPEC step 8:",
    ),
    spec(
        9,
        "Username Case Sensitivity Check",
        "okta-oin::spec_username_case[okta-oin]",
        "SPEC step 9:",
    ),
    OinStep {
        category: OinCategory::Optional,
        ..spec(
            10,
            "Verify Groups endpoint",
            "okta-oin::spec_groups_endpoint[okta-oin]",
            "SPEC step 10:",
        )
    },
    spec(
        11,
        "Check status 401",
        "okta-oin::spec_status_401[okta-oin]",
        "SPEC step 11:",
    ),
    spec(
        12,
        "Check status 404",
        "okta-oin::spec_status_404[okta-oin]",
        "SPEC step 12:",
    ),
    crud(
        1,
        "Verify if user is created in SCIM App",
        OinCategory::Required,
        LIFECYCLE,
        "(Verify if user is created in SCIM App)",
    ),
    crud(
        2,
        "Verify firstname update in SCIM App",
        OinCategory::Required,
        LIFECYCLE,
        "(Verify firstname update in SCIM App)",
    ),
    crud(
        3,
        "Verify if user is deactivated in SCIM App",
        OinCategory::Required,
        LIFECYCLE,
        "(Verify if user is deactivated in SCIM App)",
    ),
    crud(
        4,
        "Verify if user is reactivated in SCIM App",
        OinCategory::StandIn,
        REACTIVATE,
        "(Verify if user is reactivated in SCIM App)",
    ),
    crud(
        5,
        "Verify if user is deactivated in SCIM App (after unassignment)",
        OinCategory::StandIn,
        REACTIVATE,
        "after unassignment)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_request_is_in_the_table_once() {
        let spec: Vec<u8> = OIN_STEPS
            .iter()
            .filter(|s| s.test == "SPEC")
            .map(|s| s.number)
            .collect();
        assert_eq!(spec, (1..=12).collect::<Vec<_>>());
        assert_eq!(
            OIN_STEPS[7].label(),
            "SPEC step 8 \"Expect failure when recreating user with same values\""
        );
    }
}
