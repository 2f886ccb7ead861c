//! The defect catalogue: named, documented ways to make the reference server wrong on purpose.
//!
//! Each defect is a real-world failure mode taken from `docs/entra-behaviour.md` or
//! `peers.md`. A defect changes only the behaviour it names; the mutation matrix proves that
//! the suites notice every one of them.

use std::fmt;
use std::str::FromStr;

macro_rules! defects {
    ($($variant:ident = $name:literal : $doc:literal,)*) => {
        /// A server defect that can be switched on with `--defect NAME`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Defect {
            $(#[doc = $doc] $variant,)*
        }

        impl Defect {
            /// Every defect, in catalogue order.
            pub const ALL: &'static [Defect] = &[$(Defect::$variant,)*];

            /// The name used on the command line.
            pub fn name(self) -> &'static str {
                match self { $(Defect::$variant => $name,)* }
            }

            /// One line saying what goes wrong.
            pub fn description(self) -> &'static str {
                match self { $(Defect::$variant => $doc,)* }
            }
        }
    };
}

defects! {
    EmptyQuery404 = "empty-query-404":
        "A query with no match (a filter, or a list of an empty collection) answers 404 instead of 200 with an empty ListResponse (Entra quarantines the job).",
    CreateReturns200 = "create-returns-200":
        "POST answers 200 instead of 201 Created.",
    DuplicatesAccepted = "duplicates-accepted":
        "A duplicate userName or group displayName is created instead of answering 409.",
    PascalCaseOpsRejected = "pascalcase-ops-rejected":
        "PATCH op values are matched case-sensitively, so Entra's `Replace`/`Add`/`Remove` get 400.",
    StringBooleansRejected = "string-booleans-rejected":
        "Boolean attributes sent as the strings \"True\"/\"False\" (Entra's default job) get 400.",
    MembersDespiteExclusion = "members-despite-exclusion":
        "Group responses include `members` even with excludedAttributes=members.",
    FilterIgnored = "filter-ignored":
        "The filter parameter is ignored and every resource is returned.",
    FilterCaseSensitive = "filter-case-sensitive":
        "Filters compare every value case-sensitively, even userName and displayName.",
    RemoveValueArrayEmptiesGroup = "remove-value-array-empties-group":
        "PATCH `Remove` of `members` with a value array removes every member, not just those listed.",
    PathlessDottedKeysDropped = "pathless-dotted-keys-dropped":
        "A path-less replace silently drops dotted (`name.givenName`) and URN-qualified keys.",
    InactiveHidden = "inactive-hidden":
        "Users with active=false disappear from filter queries.",
    DeleteReturns200 = "delete-returns-200":
        "DELETE answers 200 with a body instead of 204 No Content.",
    NoAuth = "no-auth":
        "Requests without a valid bearer token are accepted.",
    JsonContentType = "json-content-type":
        "Responses are typed application/json instead of application/scim+json.",
    ListWithoutSchemas = "list-without-schemas":
        "ListResponse bodies lack the `schemas` attribute.",
    ResourcesLowercase = "resources-lowercase":
        "ListResponse carries `resources` instead of `Resources`.",
    DeletedStillReturned = "deleted-still-returned":
        "A deleted resource is still returned by GET by id.",
    EnterpriseDropped = "enterprise-dropped":
        "The enterprise extension is not stored (employeeNumber, department, manager vanish).",
    ValuePathPatchRejected = "value-path-patch-rejected":
        "PATCH paths with a value filter (`emails[type eq \"work\"].value`) get 400.",
    PaginationIgnored = "pagination-ignored":
        "startIndex and count are ignored; every match is returned on one page.",
    NoLocationHeader = "no-location-header":
        "201 Created carries no Location header.",
    NumericErrorStatus = "numeric-error-status":
        "Error bodies carry `status` as a JSON number instead of a string.",
    UnknownSchemaRejected = "unknown-schema-rejected":
        "A create listing an unknown schema URI (Entra's ADSCIM group URI) gets 400.",
    StrayParamRejected = "stray-param-rejected":
        "An unknown query parameter (Entra's `aadOptscim062020`) gets 400.",
    ManagerStringRejected = "manager-string-rejected":
        "A manager set as a bare id string (Entra's current shape) gets 400.",
    ActivePatchIgnored = "active-patch-ignored":
        "PATCH of `active` answers success but leaves the user active.",
    MemberAddIgnored = "member-add-ignored":
        "PATCH add of members answers success but adds nobody after the first member.",
    UserNameRenameNotIndexed = "rename-not-indexed":
        "After a userName rename, filters still match the old name and not the new one.",
    DiscoveryMissing = "discovery-missing":
        "/Schemas, /ResourceTypes and /ServiceProviderConfig answer 404.",
    PatchFirstOpOnly = "patch-first-op-only":
        "A PATCH applies only its first operation and ignores the rest.",
    DanglingMembers = "dangling-members":
        "Deleting a user leaves it listed as a member of its groups.",
    DeleteUnknown204 = "delete-unknown-204":
        "DELETE of an unknown or already deleted id answers 204 instead of 404.",
    ReactivationIgnored = "reactivation-ignored":
        "A disabled user cannot be re-enabled: PATCH active true succeeds but changes nothing.",
    PlusNotDecoded = "plus-not-decoded":
        "`+` in the query string is not decoded as a space, so Entra's filters do not parse.",
    InvalidFilter500 = "invalid-filter-500":
        "An unparsable filter answers 500 instead of 400 invalidFilter.",
    CharsetRejected = "content-type-charset-rejected":
        "A body typed `application/scim+json; charset=utf-8`, as Entra sends it, gets 415.",
    AcceptRequired = "accept-scim-required":
        "Requests without `Accept: application/scim+json` (Entra sends none, or `*/*`) get 406.",
    NoCanonicalValues = "no-canonical-values":
        "/Schemas lists no `canonicalValues` for `type`, so the gallery validation cannot discover `emails[type eq \"work\"].value`.",
    EmptyReplaceIgnored = "empty-replace-ignored":
        "PATCH replace with \"\" or null answers success but keeps the old value.",
    CreateWithoutBody = "create-without-body":
        "POST answers 201 with an empty body: no `id` for the client to keep.",
    DeletedStillListed = "deleted-still-listed":
        "A deleted resource is still found by filter queries (a stale search index).",
    ValuePathAddNoTarget = "value-path-add-no-target":
        "Add on a value path no element matches (a user without a work email gets one) answers 400 noTarget.",
    SubAttributeCaseSensitive = "sub-attribute-case-sensitive":
        "Sub-attribute names in PATCH paths match case-sensitively, so Entra's `.Value` and `.Formatted` get 400.",
    AndFilterRejected = "and-filter-rejected":
        "Filters joined with `and` answer 400 invalidFilter.",
    UserNamesLowercased = "usernames-lowercased":
        "userName is stored lower-cased, so it no longer reads back as Entra sent it.",
    PhoneNumbersNormalised = "phone-numbers-normalised":
        "Phone numbers are stored as digits only: spaces, brackets and dashes are dropped.",
    NonAsciiReplaced = "non-ascii-replaced":
        "Characters outside ASCII are stored as `?` (a Latin-1 or ASCII column).",
    PartialQueryResults = "partial-query-results":
        "Filter queries answer only id, userName/displayName and meta of each resource.",
    StartIndexNotEchoed = "start-index-not-echoed":
        "List responses always say `startIndex: 1`, whatever page was asked for.",
    MultiValuedAddReplaces = "multi-valued-add-replaces":
        "PATCH add on a whole multi-valued attribute (`roles`, `members`) replaces its values instead of adding to them.",
    MultiValuedReplaceMerges = "multi-valued-replace-merges":
        "PATCH replace of a whole multi-valued attribute adds to its values, so a removed role or member stays.",
    UrnPathRemoveIgnored = "urn-path-remove-ignored":
        "PATCH remove on a full extension URN path (`urn:…:enterprise:2.0:User:manager`) answers success and removes nothing.",
    GroupExternalIdImmutable = "group-external-id-immutable":
        "A group's externalId is fixed at create: PATCH answers success and keeps the old value.",
    UserNameEmailOnly = "username-email-only":
        "PATCH of `userName` to a value that is not an email address (the gallery validation's `upd-<hex>`) gets 400.",
    ClearedReadsEmptyString = "cleared-reads-empty-string":
        "An attribute cleared with null or \"\" is kept as \"\" instead of being removed.",
    TotalIsPage = "total-is-page":
        "Unfiltered list responses report `totalResults` as the number of resources on the page, not the number that exist.",
    ManagerObjectRejected = "manager-object-rejected":
        "A manager written as an object (`{\"value\": id}`) or through the `manager.value` path gets 400; only a bare id is accepted.",
    TokenLifetime24h = "token-lifetime-24h":
        "The OAuth token endpoint issues tokens valid for 24 hours (the gallery accepts 60 to 360 minutes).",
    TokenBasicOnly = "token-basic-only":
        "The OAuth token endpoint reads client credentials from a Basic header only, not from the form body the gallery validation sends.",
    ReaddMember409 = "readd-member-409":
        "PATCH add of a member already in the group answers 409 Conflict instead of succeeding (Entra re-sends memberships).",
    UserNameUniqueCaseSensitive = "username-unique-case-sensitive":
        "userName uniqueness compares case-sensitively: a name differing only in case is created instead of answering 409.",
    EqAsPrefix = "eq-as-prefix":
        "Filter `eq` on text matches every value starting with the given one (`userName eq \"ann@x.com\"` also finds `ann@x.com.au`).",
    FilterEscapeBroken = "filter-escape-broken":
        "Backslash escapes in filter strings are not decoded: `\\\"` ends the string and `\\\\` stays two characters, so names holding `\"` or `\\` are not found.",
    ExtraCoreAttributesDropped = "extra-core-attributes-dropped":
        "Core User attributes outside a small data model (`profileUrl`, `name.middleName`, honorifics, `locale`, `preferredLanguage`) are silently dropped.",
    // Entra traffic implementers report: re-sends, odd characters, observed shapes.
    GroupNameUniqueCaseSensitive = "group-unique-case-sensitive":
        "Group displayName uniqueness compares case-sensitively: a name differing only in case is created instead of answering 409.",
    AddExistingAttribute409 = "add-existing-attribute-409":
        "PATCH `add` of a single-valued attribute that already holds a value answers 409 Conflict (Entra re-sends values it already set).",
    AddValuePathAppends = "add-value-path-appends":
        "PATCH `add` on a value-filtered path (`emails[type eq \"work\"].value`) appends a new element even when one matches, so a re-sent email is stored twice.",
    ValuesHtmlEscaped = "values-html-escaped":
        "String values are stored HTML-escaped (`<` as `&lt;`, `>` as `&gt;`, `&` as `&amp;`), so names read back changed and are not found by the matching query.",
    ControlCharactersStripped = "control-characters-stripped":
        "Tabs, newlines and other control characters in string values are stored as spaces.",
    BooleanStringsCaseExact = "boolean-strings-case-exact":
        "Boolean strings are accepted only as Entra's default `\"True\"`/`\"False\"`; a lower-case `\"false\"` (an `IsSoftDeleted` Switch mapping written in lower case) gets 400.",
    ManagerValueFilterRefused = "manager-value-filter-refused":
        "PATCH `remove` on `manager[value eq \"…\"]` answers 400 because `manager` is single-valued, and the manager stays set.",
    // The gallery gate's compact PATCH.
    PathlessManagerIgnored = "pathless-manager-ignored":
        "A path-less PATCH whose value sets the enterprise manager (`{\"urn:…:User:manager\": {\"value\": id}}`, the gallery validation's compact shape) answers success and changes nothing; PATCH with a path works.",
    // Okta provisioning: behaviours that satisfy Entra and break Okta's client
    // (docs/okta-behaviour.md §8).
    BearerOnlyAuth = "bearer-only-auth":
        "Authorization must be `Bearer <token>`: the token alone (the OIN Wizard's \"Header\" mode) or Basic credentials get 401.",
    NoPut = "no-put":
        "PUT /Users/{id} and PUT /Groups/{id} answer 405 (Entra never PUTs; Okta updates profiles and AIW apps everything by PUT).",
    PutIgnoresActive = "put-ignores-active":
        "A PUT keeps the stored `active`, whatever the body says, so an AIW deactivation by PUT is lost.",
    PutMerges = "put-merges":
        "A PUT is merged into the stored resource: attributes it leaves out keep their old values.",
    PutReadOnlyRejected = "put-readonly-rejected":
        "A PUT echoing the read-only `id`, `meta` or `groups` it read (as Okta's does) gets 400 mutability.",
    PasswordRejected = "password-rejected":
        "A create or PUT carrying `password` (Okta always sends one on create) gets 400.",
    PasswordReturned = "password-returned":
        "The create's answer carries the `password` it was sent (RFC 7643: returned never).",
    CreateGroupsRejected = "create-groups-rejected":
        "A user create carrying the read-only `groups: []` (as Okta's does) gets 400 mutability.",
    PathlessActiveIgnored = "pathless-active-ignored":
        "A path-less replace `{\"active\": false}` (Okta's deactivation) answers success and leaves `active` unchanged; only `path: active` works.",
    MemberDisplayRefused = "member-display-refused":
        "Member objects carrying `display` (Okta's Group Push) get 400: only `value`, `$ref` and `type` are accepted.",
    PathlessIdRefused = "pathless-id-refused":
        "A path-less replace whose value carries `id` (Okta's group rename) gets 400 mutability.",
    FilterDroppedWithPaging = "filter-dropped-with-paging":
        "The filter is ignored when startIndex or count ride along (as in Okta's lookups): every resource is answered.",
    PageCap50 = "page-cap-50":
        "Pages hold at most 50 resources whatever count asks (RFC-legal), while Okta advances by 100.",
    // Okta's OIN gate: the breaks Okta's OIN gate catches and Entra does not
    // (docs/cross-client.md A12-A15, C25), and text/json answers, which Okta tolerates and Entra
    // does not (B17). Implemented in src/server/oin.rs.
    TypedIds400 = "typed-ids-400":
        "An id that is not a UUID (the OIN gate's `010101001010101011001010101011`) answers 400 instead of 404.",
    NonScimErrors = "non-scim-errors":
        "Errors carry the web framework's body instead of a SCIM Error: a 401 with no body, a 404 as `{\"error\": \"Not Found\", \"status\": 404, …}`.",
    ApplicationJsonRefused = "application-json-refused":
        "A request body typed `application/json` (the OIN gate's POSTs) gets 415.",
    SummaryLists = "summary-lists":
        "Unfiltered list responses carry summary objects (id, userName or displayName, meta): no `active`, `emails` or `name`.",
    IdempotentCreate = "idempotent-create":
        "A duplicate create answers 200 with the existing resource instead of 409 Conflict.",
    SlowGroupsList = "slow-groups-list":
        "An unfiltered GET /Groups takes 700 ms (the OIN gate's optional Groups step allows 600 ms).",
    TextJsonAnswers = "text-json-answers":
        "Responses are typed `text/json;charset=UTF-8`, as in Okta's SCIM samples, instead of application/scim+json.",
    // Account Discovery: paging defects.
    PagingOffByOne = "paging-off-by-one":
        "Unfiltered lists read `startIndex` as a 0-based offset: every page starts one resource late, so the first resource is never listed (Entra's Account Discovery misses it).",
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Defect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Defect::ALL
            .iter()
            .copied()
            .find(|d| d.name() == s)
            .ok_or_else(|| {
                format!("unknown defect `{s}`; `scimtest serve --list-defects` lists them")
            })
    }
}

/// What an attribute defect does to the one attribute it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AttributeFault {
    /// The attribute is accepted and never stored.
    Drop,
    /// The attribute is stored under another name (`<name>Value`).
    Rename,
    /// The attribute is stored with another JSON type (text ↔ number, a boolean as text).
    Retype,
}

impl AttributeFault {
    /// Every fault, with its `--defect` prefix and what it does.
    pub const ALL: &'static [(AttributeFault, &'static str, &'static str)] = &[
        (
            AttributeFault::Drop,
            "drop-attribute",
            "=ATTR: the named attribute (`title`, `name.givenName`, `urn:…:User:costCenter`) is accepted and never stored.",
        ),
        (
            AttributeFault::Rename,
            "rename-attribute",
            "=ATTR: the named attribute is stored and returned as `<name>Value`.",
        ),
        (
            AttributeFault::Retype,
            "retype-attribute",
            "=ATTR: the named attribute is returned with another JSON type (a number or boolean as text, text as a list).",
        ),
    ];
}

/// A defect on one named attribute (`--defect drop-attribute=title`): what a server that
/// mis-maps one of an ISV's attributes does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttributeDefect {
    /// What goes wrong.
    pub fault: AttributeFault,
    /// The attribute, as a mapping targets it: `title`, `name.givenName`, `urn:…:User:attr`.
    pub attribute: String,
}

/// The set of defects switched on for one server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defects(Vec<Defect>, Vec<AttributeDefect>);

impl Defects {
    /// A set holding `defects`.
    pub fn new(defects: impl IntoIterator<Item = Defect>) -> Self {
        let mut v: Vec<Defect> = defects.into_iter().collect();
        v.sort();
        v.dedup();
        Defects(v, Vec::new())
    }

    /// Parses defect names as given on the command line (`NAME`, or `FAULT=ATTR` for an
    /// attribute defect).
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        let mut switches = Vec::new();
        let mut attributes = Vec::new();
        for n in names {
            let n = n.as_ref();
            match n.split_once('=') {
                Some((fault, attr)) => {
                    let fault = AttributeFault::ALL
                        .iter()
                        .find(|(_, name, _)| *name == fault)
                        .map(|(f, _, _)| *f)
                        .ok_or_else(|| {
                            format!("unknown attribute defect `{fault}`; `scimtest serve --list-defects` lists them")
                        })?;
                    let attribute = attr.trim();
                    if attribute.is_empty() {
                        return Err(format!("`{n}` names no attribute"));
                    }
                    attributes.push(AttributeDefect {
                        fault,
                        attribute: attribute.to_string(),
                    });
                }
                None => switches.push(n.parse::<Defect>()?),
            }
        }
        let mut d = Defects::new(switches);
        attributes.sort();
        attributes.dedup();
        d.1 = attributes;
        Ok(d)
    }

    /// Whether `defect` is on.
    pub fn has(&self, defect: Defect) -> bool {
        self.0.contains(&defect)
    }

    /// The defects that are on.
    pub fn iter(&self) -> impl Iterator<Item = Defect> + '_ {
        self.0.iter().copied()
    }

    /// The attribute defects that are on.
    pub fn attributes(&self) -> &[AttributeDefect] {
        &self.1
    }

    /// Whether no defect is on.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty() && self.1.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<&str> = Defect::ALL.iter().map(|d| d.name()).collect();
        for d in Defect::ALL {
            assert_eq!(d.name().parse::<Defect>().unwrap(), *d);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Defect::ALL.len());
        assert!(Defect::ALL.len() >= 20);
    }

    #[test]
    fn attribute_defects_parse() {
        let d = Defects::parse(&["drop-attribute=urn:x:2.0:User:tier", "no-auth"]).unwrap();
        assert!(d.has(Defect::NoAuth));
        assert_eq!(d.attributes()[0].fault, AttributeFault::Drop);
        assert_eq!(d.attributes()[0].attribute, "urn:x:2.0:User:tier");
        assert!(
            Defects::parse(&["melt-attribute=x"])
                .unwrap_err()
                .contains("--list-defects")
        );
        assert!(Defects::parse(&["drop-attribute="]).is_err());
    }

    #[test]
    fn unknown_name_says_how_to_list() {
        let err = "nope".parse::<Defect>().unwrap_err();
        assert!(err.contains("--list-defects"));
    }
}
