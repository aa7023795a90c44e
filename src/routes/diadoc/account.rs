//! Diadoc account and directory: the caller's user, one organization, one box.

use super::super::{Call, DiadocCall, DiadocReply, Param, Route, Target, Verb};
use super::{BOX_ID, ORG_ID};
use edi_proto::names;

/// Describes the user who owns the token.
pub const GET_ME: Route = Route {
    summary: "Get my Diadoc user",
    description: "The Diadoc user who owns the caller's token: id, login, full name and whether \
        the user is registered.",
    ..Route::new(
        "getDiadocMe",
        Verb::Get,
        "/v1/diadoc/me",
        // api.md, GetMyUser: `GET /V2/GetMyUser`, no query, reply UserV2 (V1 is obsolete).
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/V2/GetMyUser",
            DiadocReply::Message(names::USER_V2),
        )),
    )
};

/// Looks up one organization in the Diadoc directory by its id.
pub const GET_ORGANIZATION: Route = Route {
    summary: "Get an organization",
    description: "One organization from the Diadoc directory, by its id, with its boxes and \
        details (INN, KPP, address, …). Any organization in Diadoc can be looked up, not only \
        the caller's; an unknown id gets 404.",
    params: &[Param {
        upstream: Target::Query("orgId"),
        description: "The organization's id (`orgId`).",
        ..ORG_ID
    }],
    ..Route::new(
        "getDiadocOrganization",
        Verb::Get,
        "/v1/diadoc/organizations/{orgId}",
        // api.md, GetOrganization: `GET /GetOrganization?orgId=` (exactly one of orgId, boxId,
        // fnsParticipantId, inn), reply Organization; 404 not in the directory. Upstream needs
        // only the developer key; the gateway still requires the caller's token, so its key
        // does not serve anonymous directory lookups.
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/GetOrganization",
            DiadocReply::Message(names::ORGANIZATION),
        )),
    )
};

/// Returns one box, with the organization that owns it.
pub const GET_BOX: Route = Route {
    summary: "Get a box",
    description: "One box from the Diadoc directory (any box, not only the caller's), with the \
        organization that owns it; an unknown box gets 404.",
    params: &[BOX_ID],
    ..Route::new(
        "getDiadocBox",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}",
        // api.md, GetBox: `GET /GetBox?boxId=`, reply Box (its `Organization` is filled only
        // here); 404 no such box. Needs only the developer key upstream; see GET_ORGANIZATION.
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/GetBox",
            DiadocReply::Message(names::BOX),
        )),
    )
};
