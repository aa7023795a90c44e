//! Protobuf request bodies. The schema is proto2 (api.md, "Schema facts"), and a real server
//! rejects a message whose `required` fields are missing, but prost decodes such a message and
//! fills in defaults. So a body is first decoded dynamically against the `edi-proto` descriptor
//! and every `required` field checked, recursively, and only then decoded into the prost struct.
//! Either failure is a 400 that names the message and, for a missing field, its path.

use prost_reflect::{Cardinality, DynamicMessage, Kind, ReflectMessage, Value};

use crate::reply::Refusal;

/// Decodes `body` as the message `full_name` into `T`, checking required fields.
pub(crate) fn decode<T: prost::Message + Default>(
    full_name: &str,
    body: &[u8],
) -> Result<T, Refusal> {
    let short = full_name.rsplit('.').next().unwrap_or(full_name);
    let descriptor = edi_proto::message(full_name)
        .ok_or_else(|| Refusal::bad_request(format!("Unknown message {full_name}")))?;
    let dynamic = DynamicMessage::decode(descriptor, body)
        .map_err(|e| Refusal::bad_request(format!("The body is not a valid {short}: {e}")))?;
    if let Some(path) = missing_required(&dynamic, "") {
        return Err(Refusal::bad_request(format!(
            "The body is not a valid {short}: required field {path} is missing"
        )));
    }
    T::decode(body)
        .map_err(|e| Refusal::bad_request(format!("The body is not a valid {short}: {e}")))
}

/// The path of the first missing `required` field in `message` or its sub-messages.
fn missing_required(message: &DynamicMessage, prefix: &str) -> Option<String> {
    for field in message.descriptor().fields() {
        let path = format!("{prefix}{}", field.name());
        if field.cardinality() == Cardinality::Required && !message.has_field(&field) {
            return Some(path);
        }
        if !matches!(field.kind(), Kind::Message(_)) || !message.has_field(&field) {
            continue;
        }
        match message.get_field(&field).as_ref() {
            Value::Message(inner) => {
                if let Some(p) = missing_required(inner, &format!("{path}.")) {
                    return Some(p);
                }
            }
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Message(inner) = item {
                        if let Some(p) = missing_required(inner, &format!("{path}[{i}].")) {
                            return Some(p);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use edi_proto::diadoc::api::proto as dap;
    use prost::Message;

    #[test]
    fn missing_required_fields_are_named() {
        // A GetDocflowRequest whose DocumentId lacks EntityId: field 1 { field 1 "m" }.
        let body = [0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, b'm'];
        let err = decode::<dap::docflow::GetDocflowBatchRequest>(
            edi_proto::names::GET_DOCFLOW_BATCH_REQUEST,
            &body,
        )
        .expect_err("EntityId missing");
        let text = format!("{err:?}");
        assert!(text.contains("Requests[0].DocumentId.EntityId"), "{text}");
    }

    #[test]
    fn complete_messages_decode_and_garbage_does_not() {
        let lp = dap::LoginPassword {
            login: "a".into(),
            password: "b".into(),
        };
        let back: dap::LoginPassword =
            decode(edi_proto::names::LOGIN_PASSWORD, &lp.encode_to_vec()).expect("decodes");
        assert_eq!(back, lp);
        assert!(
            decode::<dap::LoginPassword>(edi_proto::names::LOGIN_PASSWORD, b"\xff\xff").is_err()
        );
        assert!(decode::<dap::LoginPassword>(edi_proto::names::LOGIN_PASSWORD, b"").is_err());
    }
}
