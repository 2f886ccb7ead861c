//! Property tests (bounded fuzzing) for everything that parses untrusted text: the suite
//! loader, the template engine, and the reference server's filter and PATCH parsers and PATCH
//! application. None may panic or overflow the stack, whatever the input. `PROPTEST_CASES`
//! raises the number of inputs (default 256 per property).

mod common;

use proptest::prelude::*;
use scimtest::model::Template;
use scimtest::server::defect::Defects;
use scimtest::server::filter;
use scimtest::server::patch::{PatchPath, apply};
use scimtest::server::schema::ResourceKind;
use serde_json::{Value, json};
use std::path::Path;

/// Text made of the pieces the parsers care about, so inputs get past the first character.
fn filterish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("userName".to_string()),
        Just("emails".to_string()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager".to_string()),
        Just(" eq ".to_string()),
        Just(" and ".to_string()),
        Just(" or ".to_string()),
        Just("not ".to_string()),
        Just(" pr".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(".".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("value".to_string()),
        Just("true".to_string()),
        Just("12.5".to_string()),
        "[a-zA-Z0-9 ]{0,4}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-zA-Z\\. :\\[\\]\"]{0,12}".prop_map(Value::String),
        Just(json!("False")),
        Just(json!("members")),
        Just(json!("emails[type eq \"work\"].value")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("op".to_string()),
                    Just("path".to_string()),
                    Just("value".to_string()),
                    Just("members".to_string()),
                    Just("name.givenName".to_string()),
                    Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_string()),
                    "[a-zA-Z]{1,6}",
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn filter_parser_never_panics(text in filterish()) {
        if let Ok(f) = filter::parse(&text) {
            let user = json!({"userName": "a", "emails": [{"value": "x", "type": "work"}]});
            let _ = filter::matches(&f, user.as_object().unwrap(), ResourceKind::User, Default::default());
        }
    }

    #[test]
    fn patch_path_parser_never_panics(text in filterish()) {
        let _ = PatchPath::parse(&text);
    }

    #[test]
    fn patch_application_never_panics(ops in prop::collection::vec(json_value(), 0..4), kind in prop_oneof![Just(ResourceKind::User), Just(ResourceKind::Group)]) {
        let mut resource = json!({"userName": "u", "displayName": "g", "members": [{"value": "m"}], "emails": [{"value": "e", "type": "work"}]})
            .as_object().unwrap().clone();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        let _ = apply(kind, &mut resource, &body, &Defects::default());
    }

    #[test]
    fn template_parser_never_panics_and_keeps_plain_text(text in "\\PC{0,40}") {
        if let Ok(t) = Template::parse(&text) {
            let rendered = t.render_text(&mut |_| Ok(Value::String("v".into())));
            if !text.contains('$') {
                prop_assert_eq!(rendered.unwrap(), text);
            }
        }
    }

    #[test]
    fn suite_loader_never_panics(text in "(\\PC|\n|  |- |: |\\{|\\}|\\[|\\]){0,200}") {
        let _ = scimtest::load::load_text(Path::new("fuzz.yaml"), text, &[]);
    }

    #[test]
    fn suite_loader_never_panics_on_near_valid_suites(cut in 0usize..4000, junk in "\\PC{0,8}") {
        let text = std::fs::read_to_string(common::root().join("suites/entra/connection.yaml")).unwrap();
        let mut cut = cut.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let mangled = format!("{}{junk}{}", &text[..cut], &text[cut..]);
        let names = vec!["User".to_string(), "UserList".to_string(), "GroupList".to_string()];
        let _ = scimtest::load::load_text(&common::root().join("suites/entra/fuzz.yaml"), mangled, &names);
    }
}
