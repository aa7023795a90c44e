//! The camelCase keys of the whole Diadoc pool: lower-case first letter, and never ambiguous
//! with each other or with the PascalCase spellings input also accepts.

use std::collections::HashMap;

use edi_transcode::json_name;

#[test]
fn json_names_are_lower_camel_case_across_the_pool() {
    for msg in edi_proto::pool().all_messages() {
        for field in msg.fields() {
            let name = json_name(field.name());
            assert!(
                name.starts_with(|c: char| c.is_ascii_lowercase()),
                "{}.{} → {name}",
                msg.full_name(),
                field.name()
            );
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}.{} → {name}",
                msg.full_name(),
                field.name()
            );
        }
    }
}

#[test]
fn no_key_names_two_fields_in_any_message() {
    let mut messages = 0;
    for msg in edi_proto::pool().all_messages() {
        messages += 1;
        let mut keys: HashMap<String, u32> = HashMap::new();
        for field in msg.fields() {
            for key in [json_name(field.name()), field.name().to_owned()] {
                let owner = *keys.entry(key.clone()).or_insert(field.number());
                assert_eq!(
                    owner,
                    field.number(),
                    "{}: key {key:?} names fields {owner} and {}",
                    msg.full_name(),
                    field.number()
                );
            }
        }
    }
    assert!(
        messages > 300,
        "the whole pool was checked ({messages} messages)"
    );
}
