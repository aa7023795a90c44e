//! The caller's schema of a Diadoc body with fields from the path (`ProtoBody::from_path`): the
//! message's component, copied under `<component>Request` with those fields no longer required
//! and described as coming from the path. The message's own component stays as the proto says,
//! for the replies and other bodies that reach it.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Ref, RefOr};

use super::Schemas;
use super::closed::component_of;
use crate::routes::ProtoBody;

/// A `$ref` to the schema a caller sends for `body`.
pub(super) fn body_schema(body: &ProtoBody, schemas: &mut Schemas) -> RefOr<Schema> {
    let message = schemas.message(body.message);
    if body.from_path.is_empty() {
        return message;
    }
    let RefOr::Ref(r) = &message else {
        return message;
    };
    let name = component_of(&r.ref_location).to_owned();
    let Some(RefOr::T(Schema::Object(mut object))) = schemas.proto.components.get(&name).cloned()
    else {
        return message;
    };
    for (field, param) in body.from_path {
        let json = edi_transcode::json_name(field);
        object.required.retain(|r| *r != json);
        let text = format!(
            "Comes from the path (`{{{}}}`): leave it out, or give the same value (a different \
             one is a 400).",
            param.name
        );
        if let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(&json) {
            property.description = Some(text);
        }
    }
    let derived = format!("{name}Request");
    schemas
        .proto
        .components
        .insert(derived.clone(), RefOr::T(Schema::Object(object)));
    Ref::from_schema_name(derived).into()
}
