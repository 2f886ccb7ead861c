//! The cross-client matrix's catalogue: server behaviours that satisfy one client and break the
//! other (docs/cross-client.md is generated from it), each with what it does to Entra and to
//! Okta and the cases that show it. Sources: R20 (Okta's SCIM 2.0 reference, okta-developer-docs
//! @33150d5112), FAQ24/FAQ26 (Okta's SCIM FAQ), SPEC (the OIN gate's Runscope SPEC test
//! @f9abbe3dc1); Entra's in docs/entra-behaviour.md (§, U and G numbers) and Microsoft's SCIM
//! endpoint guide ("SCIM guide").

use super::matrix::{Behaviour, Shows, entra, okta, probe};

const ANY: Shows = Shows::Any;
const STATUS: Shows = Shows::Status;
const BODY: Shows = Shows::Body;

/// The behaviours: A satisfies Entra and breaks Okta, B the reverse, C Okta's runtime against its gate.
pub(super) const CATALOGUE: [Behaviour; 24] = [
    Behaviour {
        key: "no-put",
        name: "no PUT (405/501)",
        reference: "A1",
        defect: Some("no-put"),
        sides: &[
            entra(
                "never sends PUT (the SCIM guide updates by PATCH only; §1.1)",
                &[],
            ),
            okta(
                "updates profiles with GET then a PUT of the whole user (R20), and AIW apps PUT groups",
                &[
                    probe(
                        "okta-users::update_profile_put",
                        Some("PUT the whole user"),
                        STATUS,
                    ),
                    probe(
                        "okta-users::deactivate_user_put",
                        Some("PUT the whole user"),
                        STATUS,
                    ),
                    probe(
                        "okta-groups::push_group_put",
                        Some("PUT the whole group"),
                        STATUS,
                    ),
                ],
            ),
        ],
    },
    Behaviour {
        key: "put-ignores-active",
        name: "PUT ignores `active`",
        reference: "A2",
        defect: Some("put-ignores-active"),
        sides: &[
            entra("never sends PUT (§1.1)", &[]),
            okta(
                "deactivates AIW apps' users by a PUT with `active: false` (R20 \"Delete Users\")",
                &[probe(
                    "okta-users::deactivate_user_put",
                    Some("reads back inactive"),
                    ANY,
                )],
            ),
        ],
    },
    Behaviour {
        key: "okta-create-refused",
        name: "create refused for carrying `password` or `groups: []`",
        reference: "A4, A5",
        defect: Some("password-rejected"),
        sides: &[
            entra("sends neither (U1)", &[]),
            okta(
                "sends both on every create (R20: \"Okta sends the password parameter … even if password sync isn't enabled\")",
                &[probe(
                    "okta-users::lookup_then_create_user",
                    Some("create the user with Okta's body"),
                    STATUS,
                )],
            ),
        ],
    },
    Behaviour {
        key: "pathless-active-ignored",
        name: "path-less boolean `active` replace ignored or refused",
        reference: "A6",
        defect: Some("pathless-active-ignored"),
        sides: &[
            entra("disables with `path: active` (U7)", &[]),
            okta(
                "deactivates with `{\"op\":\"replace\",\"value\":{\"active\":false}}` (R20)",
                &[
                    probe("okta-users::deactivate_user", None, ANY),
                    probe(
                        "okta-oin::crud_user_lifecycle",
                        Some("Verify if user is deactivated"),
                        ANY,
                    ),
                ],
            ),
        ],
    },
    Behaviour {
        key: "member-replace-as-add",
        name: "member `replace` treated as add",
        reference: "A7",
        defect: Some("multi-valued-replace-merges"),
        sides: &[
            entra("never replaces members (G5, G6)", &[]),
            okta(
                "pushes a group's whole membership with `replace` `members` (R20)",
                &[probe(
                    "okta-groups::push_replace_members",
                    Some("holds exactly"),
                    ANY,
                )],
            ),
        ],
    },
    Behaviour {
        key: "pathless-id-refused",
        name: "`id` in a path-less group replace refused",
        reference: "A8",
        defect: Some("pathless-id-refused"),
        sides: &[
            entra("renames by path `displayName` (G4)", &[]),
            okta(
                "renames with `{\"op\":\"replace\",\"value\":{\"id\":…,\"displayName\":…}}` on every membership change (R20)",
                &[probe(
                    "okta-groups::push_rename_with_id",
                    Some("path-less replace with id"),
                    STATUS,
                )],
            ),
        ],
    },
    Behaviour {
        key: "member-display-refused",
        name: "`display` in member objects refused",
        reference: "A9",
        defect: Some("member-display-refused"),
        sides: &[
            entra("sends members without `display` (G5)", &[]),
            okta(
                "sends `display` with every member it adds (R20)",
                &[probe(
                    "okta-groups::push_membership_update",
                    Some("add C with display"),
                    STATUS,
                )],
            ),
        ],
    },
    Behaviour {
        key: "filter-dropped-with-paging",
        name: "filter dropped when `startIndex`/`count` come with it",
        reference: "A10",
        defect: Some("filter-dropped-with-paging"),
        sides: &[
            entra("never sends paging with a filter (U3)", &[]),
            okta(
                "looks users up with `filter=…&startIndex=1&count=100` (R20)",
                &[probe(
                    "okta-users::lookup_then_create_user",
                    Some("lookup finds nothing"),
                    ANY,
                )],
            ),
        ],
    },
    Behaviour {
        key: "page-cap-below-100",
        name: "`count=100` not honoured (pages capped below 100, or paging ignored)",
        reference: "A11",
        defect: Some("page-cap-50"),
        sides: &[
            entra(
                "copes: the gallery validation pages by 5 and advances by the page's length (Compose_User_Next_Url)",
                &[probe("entra-gallery::user_pagination", None, ANY)],
            ),
            okta(
                "asks for `count=100` and advances by 100, `pages = ceil(totalResults / 100)` (R20 @a15c370ce8)",
                &[probe("okta-users::import_pages_by_100", None, ANY)],
            ),
        ],
    },
    Behaviour {
        key: "typed-ids-400",
        name: "ids that are not UUIDs answer 400",
        reference: "A12",
        defect: Some("typed-ids-400"),
        sides: &[
            entra(
                "copes: it only asks for ids the server issued and reads the status (U2)",
                &[probe("entra-users::get_unknown_user", None, STATUS)],
            ),
            okta(
                "fails its OIN gate: SPEC steps 4 and 12 ask for `010101001010101011001010101011` and `00919288221112222` and want 404",
                &[
                    probe("okta-oin::spec_invalid_user_by_id", None, STATUS),
                    probe("okta-oin::spec_status_404", None, STATUS),
                ],
            ),
        ],
    },
    Behaviour {
        key: "non-scim-errors",
        name: "errors without a SCIM body (framework 404 JSON, empty 401)",
        reference: "A13",
        defect: Some("non-scim-errors"),
        sides: &[
            entra(
                "copes: it reads the status only (U2)",
                &[probe("entra-users::get_unknown_user", None, STATUS)],
            ),
            okta(
                "fails its OIN gate: SPEC steps 4, 11 and 12 want `detail`, `status` and the Error URN",
                &[
                    probe("okta-oin::spec_invalid_user_by_id", None, BODY),
                    probe("okta-oin::spec_status_401", None, BODY),
                    probe("okta-oin::spec_status_404", None, BODY),
                ],
            ),
        ],
    },
    Behaviour {
        key: "application-json-refused",
        name: "`Content-Type: application/json` refused (415)",
        reference: "A14",
        defect: Some("application-json-refused"),
        sides: &[
            entra("sends `application/scim+json` (§1.0)", &[]),
            okta(
                "fails its OIN gate: the SPEC test POSTs with `application/json` (step 6)",
                &[probe(
                    "okta-oin::spec_create_user",
                    Some("SPEC step 6:"),
                    STATUS,
                )],
            ),
        ],
    },
    Behaviour {
        key: "summary-lists",
        name: "summary objects in unfiltered lists",
        reference: "A15",
        defect: Some("summary-lists"),
        sides: &[
            entra("reads users by id or by its matching query (U2, U3)", &[]),
            okta(
                "fails its OIN gate: SPEC step 1 wants names, emails and `active` in `Resources[0]`",
                &[probe(
                    "okta-oin::spec_users_endpoint",
                    Some("SPEC step 1:"),
                    ANY,
                )],
            ),
        ],
    },
    Behaviour {
        key: "bearer-only-auth",
        name: "`Authorization` must start with `Bearer `",
        reference: "A16",
        defect: Some("bearer-only-auth"),
        sides: &[
            entra("always sends `Bearer` (§1.0)", &[]),
            okta(
                "sends the bare token in the OIN Wizard's Header mode (WIZ auth-settings)",
                &[probe("okta-users::header_token_auth", None, ANY)],
            ),
        ],
    },
    Behaviour {
        key: "text-json-answers",
        name: "text/json answers",
        reference: "B17",
        defect: Some("text-json-answers"),
        sides: &[
            entra(
                "rejects them: answers must be typed `application/scim+json` (SCIM guide; the SCIM Validator checks it)",
                &[
                    probe(
                        "entra-users::create_user",
                        None,
                        Shows::Header("Content-Type"),
                    ),
                    probe(
                        "entra-connection::test_connection_users",
                        None,
                        Shows::Header("Content-Type"),
                    ),
                    probe(
                        "entra-discovery::schemas",
                        None,
                        Shows::Header("Content-Type"),
                    ),
                ],
            ),
            okta(
                "accepts them (every sample in Okta's SCIM 2.0 reference is typed `text/json`, R20)",
                &[],
            ),
        ],
    },
    Behaviour {
        key: "no-discovery",
        name: "no /Schemas, /ResourceTypes, /ServiceProviderConfig",
        reference: "B18",
        defect: Some("discovery-missing"),
        sides: &[
            entra(
                "fails its gallery validation: Schema_Discoverability_Test reads /Schemas (§1.3)",
                &[
                    probe("entra-gallery::schema_discoverability", None, STATUS),
                    probe("entra-discovery::schemas", None, STATUS),
                ],
            ),
            okta(
                "does not read them (FAQ24, FAQ26: only entitlements and the Wizard's optional schema import do)",
                &[],
            ),
        ],
    },
    Behaviour {
        key: "no-user-delete",
        name: "no DELETE of users",
        reference: "B19",
        defect: None,
        sides: &[
            entra(
                "deletes users on a hard delete (U8)",
                &[probe(
                    "entra-users::delete_user",
                    Some("DELETE the user"),
                    STATUS,
                )],
            ),
            okta("never deletes users (R20, FAQ26: soft delete)", &[]),
        ],
    },
    Behaviour {
        key: "entra-op-shapes-refused",
        name: "only lower-case ops and boolean `active`",
        reference: "B20",
        defect: Some("string-booleans-rejected"),
        sides: &[
            entra(
                "sends `Replace` and `\"False\"` in its default job (U5, U7)",
                &[probe(
                    "entra-users::disable_user[entra]",
                    Some("PATCH active false"),
                    STATUS,
                )],
            ),
            okta("sends lower-case ops and JSON booleans (R20)", &[]),
        ],
    },
    Behaviour {
        key: "remove-members-literal",
        name: "`remove` of `members` with a value array read literally (removes everyone)",
        reference: "B21",
        defect: Some("remove-value-array-empties-group"),
        sides: &[
            entra(
                "removes members with a value array in its default job (G6)",
                &[
                    probe(
                        "entra-groups::members_read_back[entra]",
                        Some("exactly the other member stays"),
                        ANY,
                    ),
                    probe(
                        "entra-groups::readd_member[entra]",
                        Some("exactly the other member stays"),
                        ANY,
                    ),
                ],
            ),
            okta(
                "removes by `members[value eq \"…\"]` (R20)",
                &[probe(
                    "okta-groups::push_membership_update",
                    Some("holds exactly"),
                    ANY,
                )],
            ),
        ],
    },
    Behaviour {
        key: "only-eq",
        name: "filters with `eq` only (no `and`)",
        reference: "B22",
        defect: Some("and-filter-rejected"),
        sides: &[
            entra(
                "joins filters with `and` (§2 rule 13)",
                &[probe("entra-users::manager_probe_and_filter", None, STATUS)],
            ),
            okta("uses `eq` only, \"the only one necessary\" (R20)", &[]),
        ],
    },
    Behaviour {
        key: "excluded-members-ignored",
        name: "`excludedAttributes=members` ignored",
        reference: "B23",
        defect: Some("members-despite-exclusion"),
        sides: &[
            entra(
                "reads groups with `excludedAttributes=members` (G2, G3)",
                &[
                    probe(
                        "entra-groups::get_group_excluding_members",
                        Some("excludedAttributes=members"),
                        BODY,
                    ),
                    probe(
                        "entra-groups::filter_group_excluding_members",
                        Some("excluding members"),
                        BODY,
                    ),
                ],
            ),
            okta(
                "never sends `excludedAttributes` (R20: no sample does)",
                &[],
            ),
        ],
    },
    Behaviour {
        key: "empty-match-404",
        name: "404 for a query that matches nothing",
        reference: "C24",
        defect: Some("empty-query-404"),
        sides: &[
            entra(
                "quarantines the job (U4)",
                &[
                    probe("entra-users::filter_non_existing_user", None, STATUS),
                    probe("entra-connection::test_connection_users", None, STATUS),
                ],
            ),
            okta(
                "accepts it at runtime (R20), but its OIN gate fails SPEC steps 3 and 5",
                &[
                    probe("okta-oin::spec_invalid_user_by_username", None, STATUS),
                    probe("okta-oin::spec_create_user", Some("SPEC step 5:"), STATUS),
                ],
            ),
        ],
    },
    Behaviour {
        key: "idempotent-create",
        name: "200 with the existing user on a duplicate create",
        reference: "C25",
        defect: Some("idempotent-create"),
        sides: &[
            entra(
                "fails the SCIM Validator's duplicate create (409, §2 rule 11)",
                &[probe("entra-users::duplicate_user", None, STATUS)],
            ),
            okta(
                "calms its retries at runtime (O-kc), but its OIN gate fails SPEC step 8 (409)",
                &[probe("okta-oin::spec_recreate_user_conflict", None, STATUS)],
            ),
        ],
    },
    Behaviour {
        key: "username-case-sensitive",
        name: "case-sensitive userName matching",
        reference: "C26",
        defect: Some("filter-case-sensitive"),
        sides: &[
            entra(
                "fails the SCIM Validator's different-case filter (§2 rule 14)",
                &[probe(
                    "entra-users::filter_user_different_case",
                    Some("upper-cased"),
                    BODY,
                )],
            ),
            okta(
                "copes: SPEC step 9 checks the status only",
                &[probe("okta-oin::spec_username_case", None, STATUS)],
            ),
        ],
    },
];
