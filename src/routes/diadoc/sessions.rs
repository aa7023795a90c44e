//! Diadoc login and the caller's organizations.

use super::super::{Auth, Call, DiadocCall, DiadocReply, ProtoBody, Route, Verb};
use crate::upstream::read::LOGIN_REPLY_CAP;
use edi_proto::names;

/// Exchanges a Diadoc login and password for a Diadoc token.
pub const CREATE_SESSION: Route = Route {
    summary: "Log in to Diadoc",
    description: "Exchanges a Diadoc login and password for a Diadoc token (valid 24 hours). \
        Send it as `Authorization: Bearer <token>` on every other Diadoc route. \
        The gateway adds its own developer key; callers never see or send it.",
    // api.md, Authenticate: the password login is signed with the developer key alone.
    auth: Auth::DeveloperKey,
    ..Route::new(
        "createDiadocSession",
        Verb::Post,
        "/v1/diadoc/sessions",
        // api.md, Authenticate: `POST /V3/Authenticate?type=password`, body LoginPassword,
        // token as text.
        Call::Diadoc(DiadocCall {
            fixed_query: &[("type", "password")],
            body: Some(ProtoBody::new(names::LOGIN_PASSWORD)),
            // A token is a short text: a login's reply is read at most 64 KiB.
            reply_cap: LOGIN_REPLY_CAP,
            ..DiadocCall::new(Verb::Post, "/V3/Authenticate", DiadocReply::Token)
        }),
    )
};

/// Lists the organizations, with their boxes, that the token's user can access.
pub const LIST_ORGANIZATIONS: Route = Route {
    summary: "List my organizations",
    description: "The organizations, and their boxes, that the caller's Diadoc user can access.",
    ..Route::new(
        "listDiadocOrganizations",
        Verb::Get,
        "/v1/diadoc/organizations",
        // api.md, GetMyOrganizations: GET, no version prefix; `autoRegister` left at its default.
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/GetMyOrganizations",
            DiadocReply::Message(names::ORGANIZATION_LIST),
        )),
    )
};
