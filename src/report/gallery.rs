//! Microsoft's gallery validation (the Logic App in `AzureAD/SCIMReferenceCode`,
//! `Microsoft.SCIM.LogicAppValidationTemplate/StandardLogicApp/`) as a table: each of its 25
//! tests, whether the gate requires it, which workflow and revision it is read from, and the
//! scimtest cases that replay it. The gallery verdict (`super::verdicts`) is computed from this
//! table, and `suites/entra/README.md` prints it (a test keeps both in step).
//!
//! Revisions are the newest stored ones (docs/gallery-inputs.md): `SCIMTests_Workflow.json` and
//! `Initialization_Workflow.json` @36451beb, `UserTests_Workflow.json` @2b9cb670,
//! `Orchestrator_Workflow.json` and `SCIM-Validation-Test-Overview.md` @3372c7e8; PR #161
//! (merged 2026-09, Logic App 11.0) makes group tests optional for a user-only endpoint.

/// Whether the Orchestrator's `Evaluate_Test_Results` lets a failure of the test block the
/// overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// `testCategory: mandatory`: a `FAILED` result fails the gate (`SKIPPED` passes).
    Mandatory,
    /// `testCategory: optional`: a failure is reported as `WARNING` and does not block.
    Optional,
    /// One of the two authentication tests: at least one must be `PASSED`.
    Authentication,
}

impl Category {
    /// Lower-case name, as the Overview writes it.
    pub fn name(self) -> &'static str {
        match self {
            Category::Mandatory => "mandatory",
            Category::Optional => "optional",
            Category::Authentication => "mandatory (one of two)",
        }
    }
}

/// One test of the gallery validation.
#[derive(Debug, Clone, Copy)]
pub struct GateTest {
    /// The test's number in `SCIM-Validation-Test-Overview.md`.
    pub number: u8,
    /// The test's name, as the workflow reports it.
    pub name: &'static str,
    /// Mandatory, optional or authentication.
    pub category: Category,
    /// The workflow file and revision the replay follows.
    pub workflow: &'static str,
    /// The workflow actions that decide the test's result.
    pub actions: &'static str,
    /// The cases replaying it (`SUITE::CASE[PROFILE]`); empty when it cannot be replayed offline.
    pub cases: &'static [&'static str],
    /// Why it cannot be replayed offline, when `cases` is empty.
    pub offline: Option<&'static str>,
}

const USER_TESTS: &str = "UserTests_Workflow.json @2b9cb670";
const GROUP_TESTS: &str = "GroupTests_Workflow.json (as the Overview @3372c7e8 describes it)";
const SCIM_TESTS: &str = "SCIMTests_Workflow.json @36451beb";
const ENGINE: &str = "needs Entra's provisioning engine and audit logs in a tenant";

/// The 25 tests, in the Overview's order, plus the onboarding rate requirement the gallery
/// verdict also holds an endpoint to.
pub const GATE_TESTS: &[GateTest] = &[
    GateTest {
        number: 1,
        name: "Create_User_Test",
        category: Category::Mandatory,
        workflow: USER_TESTS,
        actions: "provisioning log Create success; GET /Users?filter=userName eq",
        cases: &["entra-gallery::engine_create_user[entra]"],
        offline: None,
    },
    GateTest {
        number: 2,
        name: "Update_User_Test",
        category: Category::Mandatory,
        workflow: USER_TESTS,
        actions: "provisioning log Update success; updated values on SCIM",
        cases: &["entra-gallery::engine_update_user[entra]"],
        offline: None,
    },
    GateTest {
        number: 3,
        name: "Disable_User_Test",
        category: Category::Mandatory,
        workflow: USER_TESTS,
        actions: "provisioning log Disable success",
        cases: &["entra-gallery::engine_disable_user[entra]"],
        offline: None,
    },
    GateTest {
        number: 4,
        name: "Delete_User_Test",
        category: Category::Optional,
        workflow: USER_TESTS,
        actions: "provisioning log Delete success; 404 or totalResults 0",
        cases: &["entra-gallery::engine_delete_user[entra]"],
        offline: None,
    },
    GateTest {
        number: 5,
        name: "User_Update_Manager_Test",
        category: Category::Mandatory,
        workflow: USER_TESTS,
        actions: "provisioning logs of manager set, change, remove",
        cases: &["entra-gallery::engine_manager[entra]"],
        offline: None,
    },
    GateTest {
        number: 6,
        name: "Restore_User_Test",
        category: Category::Mandatory,
        workflow: USER_TESTS,
        actions: "disable, matching query finds active false, re-enable with the same id",
        cases: &["entra-gallery::restore_user[entra]"],
        offline: None,
    },
    GateTest {
        number: 7,
        name: "POD_User_Test",
        category: Category::Mandatory,
        workflow: USER_TESTS,
        actions: "provisionOnDemand returns 200; user on SCIM",
        cases: &[],
        offline: Some(
            "provision on demand is a Graph call in a tenant (its SCIM requests are the default job's, replayed by Create_User_Test)",
        ),
    },
    GateTest {
        number: 8,
        name: "Create_Group_Test",
        category: Category::Mandatory,
        workflow: GROUP_TESTS,
        actions: "provisioning log Create success; GET /Groups?filter=displayName eq",
        cases: &["entra-gallery::engine_create_group[entra]"],
        offline: None,
    },
    GateTest {
        number: 9,
        name: "Update_Group_Test",
        category: Category::Mandatory,
        workflow: GROUP_TESTS,
        actions: "provisioning log Update success; new displayName on SCIM",
        cases: &["entra-gallery::engine_update_group[entra]"],
        offline: None,
    },
    GateTest {
        number: 10,
        name: "Delete_Group_Test",
        category: Category::Optional,
        workflow: GROUP_TESTS,
        actions: "provisioning log Delete success; totalResults 0",
        cases: &["entra-gallery::engine_delete_group[entra]"],
        offline: None,
    },
    GateTest {
        number: 11,
        name: "Group_Update_Add_Member_Test",
        category: Category::Mandatory,
        workflow: GROUP_TESTS,
        actions: "provisioning log Update with members added",
        cases: &["entra-gallery::engine_add_member[entra]"],
        offline: None,
    },
    GateTest {
        number: 12,
        name: "Group_Update_Remove_Member_Test",
        category: Category::Mandatory,
        workflow: GROUP_TESTS,
        actions: "provisioning log Update with members removed",
        cases: &["entra-gallery::engine_remove_member[entra]"],
        offline: None,
    },
    GateTest {
        number: 13,
        name: "POD_Group_Test",
        category: Category::Mandatory,
        workflow: GROUP_TESTS,
        actions: "provisionOnDemand returns 200; group on SCIM",
        cases: &[],
        offline: Some("provision on demand is a Graph call in a tenant"),
    },
    GateTest {
        number: 14,
        name: "Restore_Group_Test",
        category: Category::Optional,
        workflow: GROUP_TESTS,
        actions: "unassign, group gone, reassign, group back",
        cases: &[],
        offline: Some(ENGINE),
    },
    GateTest {
        number: 15,
        name: "Schema_Discoverability_Test",
        category: Category::Mandatory,
        workflow: SCIM_TESTS,
        actions: "Flatten_User_Attrs_Loop, Filter_Missing_User_Attrs, ForEach_Group_Extension_Schema",
        cases: &[
            "entra-gallery::schema_discoverability[gallery]",
            "entra-gallery::schema_discoverability_manager[gallery]",
            "entra-gallery::schema_discoverability_groups[gallery]",
        ],
        offline: None,
    },
    GateTest {
        number: 16,
        name: "SCIM_Null_Update_Test",
        category: Category::Mandatory,
        workflow: SCIM_TESTS,
        actions: "Filter_Null_Update_Target_Attributes, Compose_Null_Patch_Op, Select_Null_Phase2_Verify",
        cases: &[
            "entra-gallery::null_update[gallery]",
            "entra-gallery::null_update_non_verbose[gallery]",
        ],
        offline: None,
    },
    GateTest {
        number: 17,
        name: "SCIM_User_Create_Test",
        category: Category::Mandatory,
        workflow: SCIM_TESTS,
        actions: "HTTP_SCIM_Create_User: 200 or 201, id, userName round trip",
        cases: &["entra-gallery::user_create[gallery]"],
        offline: None,
    },
    GateTest {
        number: 18,
        name: "SCIM_User_Update_Test",
        category: Category::Mandatory,
        workflow: SCIM_TESTS,
        actions: "Filter_Update_Eligible_Attributes, Select_Update_Patch_Ops, Compose_Update_Verification",
        cases: &[
            "entra-gallery::user_update[gallery]",
            "entra-gallery::user_update_non_verbose[gallery]",
        ],
        offline: None,
    },
    GateTest {
        number: 19,
        name: "SCIM_Group_Create_Test",
        category: Category::Mandatory,
        workflow: SCIM_TESTS,
        actions: "HTTP_SCIM_Create_Group: 200 or 201, id, displayName round trip",
        cases: &["entra-gallery::group_create[gallery]"],
        offline: None,
    },
    GateTest {
        number: 20,
        name: "SCIM_Group_Update_Test",
        category: Category::Mandatory,
        workflow: SCIM_TESTS,
        actions: "Filter_Discovered_Group_Writable_Attributes, group update verification",
        cases: &["entra-gallery::group_update[gallery]"],
        offline: None,
    },
    GateTest {
        number: 21,
        name: "Validate_Credentials_Test",
        category: Category::Authentication,
        workflow: SCIM_TESTS,
        actions: "Acquire_OAuth2_Token, Check_Token_Validity_Range, then GET /Users?startIndex=1&count=1",
        cases: &["entra-gallery::validate_credentials[gallery]"],
        offline: None,
    },
    GateTest {
        number: 22,
        name: "Federated_Identity_Test",
        category: Category::Authentication,
        workflow: SCIM_TESTS,
        actions: "Entra token, then the federated exchange",
        cases: &[],
        offline: Some("needs a token Entra ID issues to the Logic App's managed identity"),
    },
    GateTest {
        number: 23,
        name: "SCIM_User_Pagination_Test",
        category: Category::Mandatory,
        workflow: SCIM_TESTS,
        actions: "Set_User_Pagination_Start_Url, Compose_User_Next_Url (startIndex + len(Resources) <= totalResults)",
        cases: &["entra-gallery::user_pagination[gallery]"],
        offline: None,
    },
    GateTest {
        number: 24,
        name: "SCIM_Group_Pagination_Test",
        category: Category::Optional,
        workflow: SCIM_TESTS,
        actions: "as SCIM_User_Pagination_Test, on /Groups",
        cases: &["entra-gallery::group_pagination[gallery]"],
        offline: None,
    },
    GateTest {
        number: 25,
        name: "SCIM_Update_Manager_Test",
        category: Category::Mandatory,
        workflow: SCIM_TESTS,
        actions: "Compose_Manager_Set/Change/Remove_Patch_Body (verbose and compact) and their verifications",
        cases: &[
            "entra-gallery::manager_set_change_remove[gallery]",
            "entra-gallery::manager_set_change_remove_non_verbose[gallery]",
        ],
        offline: None,
    },
    RATE,
];

/// The gate's onboarding requirement of 25 requests per second without throttling
/// (Overview @3372c7e8 "Key Onboarding Requirements Validated"; app-gallery requirements).
pub const RATE: GateTest = GateTest {
    number: 0,
    name: "25 requests per second",
    category: Category::Mandatory,
    workflow: "SCIM-Validation-Test-Overview.md @3372c7e8",
    actions: "onboarding requirement: no 429 or 5xx at 25 requests per second",
    cases: &["entra-gallery::request_rate[gallery]"],
    offline: None,
};

/// The table `suites/entra/README.md` shows (kept in step by a test): every test, its
/// category, the workflow revision and actions followed, and the cases replaying it.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| # | Logic App test | gate category | workflow (revision) | actions followed | scimtest case(s) |\n|---|---|---|---|---|---|\n",
    );
    for t in GATE_TESTS {
        let cases = if t.cases.is_empty() {
            format!("not replayed offline: {}", t.offline.unwrap_or_default())
        } else {
            t.cases
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let number = if t.number == 0 {
            "—".to_string()
        } else {
            t.number.to_string()
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            number,
            t.name,
            t.category.name(),
            t.workflow,
            t.actions.replace('|', "\\|"),
            cases
        ));
    }
    out
}
