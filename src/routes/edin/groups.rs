//! EDIN approval groups, document types, attaching document types to a process, and logging
//! out (reference/edin/api.md §2, §3 A6–A12, §4). Bodies are re-spelt by
//! `edin_codec/groups.rs`.

use http::StatusCode;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::super::{
    Call, Carrier, EdinCall, EdinReply, In, JsonBody, JsonReply, Link, Param, ParamKind, ReadFirst,
    Route, Target, Verb, list_of, schema_of,
};
use super::{COMPANY_ID, PROC_ID, process_reply};
use crate::edin_codec::groups as codec;
use crate::edin_codec::model::{AgreementGroup, Document};

/// The group in the path; upstream as `agreement_group_id` (A10, A12).
const GROUP_ID: Param = Param {
    name: "groupId",
    location: In::Path,
    kind: ParamKind::Int {
        min: 1,
        max: i64::MAX,
    },
    required: true,
    upstream: Target::Query("agreement_group_id"),
    description: "The group's id (`groupId`).",
};

/// The reply of A8, A9, A10.
const GROUP_REPLY: EdinReply = EdinReply::Json(JsonReply {
    status: StatusCode::OK,
    read: codec::read_group,
    schema: schema_of::<AgreementGroup>,
});

/// Lists approval groups.
pub const LIST_GROUPS: Route = Route {
    summary: "List approval groups",
    description: "Approval groups (executors of process steps) of the caller's companies, \
        optionally of one company or matching a name. Use a group's `groupId` in a step's \
        `agreementGroups`.",
    params: &[
        COMPANY_ID,
        Param {
            name: "search",
            location: In::Query,
            kind: ParamKind::Text { max: 255 },
            required: false,
            upstream: Target::Query("search_pattern"),
            description: "Text matched against the group name.",
        },
        Param {
            name: "limit",
            location: In::Query,
            kind: ParamKind::Int { min: 1, max: 1000 },
            required: false,
            upstream: Target::Query("limit"),
            description: "At most this many groups (EDIN's default: 30).",
        },
    ],
    ..Route::new(
        "listEdinAgreementGroups",
        Verb::Get,
        "/v1/edin/agreement-groups",
        // api.md §3 A11: `GET /bdoc/agreement_groups?company_id=&search_pattern=&limit=`.
        Call::Edin(EdinCall {
            method: Verb::Get,
            path: "/bdoc/agreement_groups",
            body: None,
            reply: EdinReply::Json(JsonReply {
                status: StatusCode::OK,
                read: codec::read_groups,
                schema: list_of::<AgreementGroup>,
            }),
            read_first: None,
        }),
    )
};

/// Gets one approval group with its members.
pub const GET_GROUP: Route = Route {
    summary: "Get an approval group",
    description: "One approval group with its members (`users`).",
    params: &[GROUP_ID],
    ..Route::new(
        "getEdinAgreementGroup",
        Verb::Get,
        "/v1/edin/agreement-groups/{groupId}",
        // api.md §3 A10: `GET /bdoc/agreement_group?agreement_group_id=`.
        Call::Edin(EdinCall {
            method: Verb::Get,
            path: "/bdoc/agreement_group",
            body: None,
            reply: GROUP_REPLY,
            read_first: None,
        }),
    )
};

fn group_schema(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    schema_of::<codec::GroupInput>(out)
}

fn members_schema(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    schema_of::<codec::MemberRef>(out);
    schema_of::<codec::MembersInput>(out)
}

/// Creates an approval group.
pub const CREATE_GROUP: Route = Route {
    summary: "Create an approval group",
    description: "Creates an approval group of a company (`companyId` and `groupName` \
        required), without members; set them with the members route. 201 with the group.",
    links: &[
        Link {
            name: "GetGroup",
            to: &GET_GROUP,
            params: &[("groupId", "$response.body#/groupId")],
        },
        Link {
            name: "UpdateGroup",
            to: &UPDATE_GROUP,
            params: &[("groupId", "$response.body#/groupId")],
        },
        Link {
            name: "ReplaceMembers",
            to: &REPLACE_MEMBERS,
            params: &[("groupId", "$response.body#/groupId")],
        },
        Link {
            name: "DeleteGroup",
            to: &DELETE_GROUP,
            params: &[("groupId", "$response.body#/groupId")],
        },
    ],
    ..Route::new(
        "createEdinAgreementGroup",
        Verb::Post,
        "/v1/edin/agreement-groups",
        // api.md §3 A8: `POST /bdoc/agreement_group` without `groupId` creates.
        Call::Edin(EdinCall {
            method: Verb::Post,
            path: "/bdoc/agreement_group",
            body: Some(JsonBody {
                read: codec::group,
                schema: group_schema,
                carrier: Carrier::Body,
            }),
            reply: EdinReply::Json(JsonReply {
                status: StatusCode::CREATED,
                read: codec::read_group,
                schema: schema_of::<AgreementGroup>,
            }),
            read_first: None,
        }),
    )
};

fn group_edit_schema(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    schema_of::<codec::GroupEditInput>(out)
}

/// Renames an approval group or changes its comment; its members stay.
pub const UPDATE_GROUP: Route = Route {
    summary: "Rename an approval group",
    description: "Changes a group's name and, when given, its comment. The members stay: EDIN's \
        edit replaces the member list with the one it is sent, so the gateway reads the group \
        first and sends its current members along (two edits of one group at the same moment \
        can still overwrite each other). Set members with the members route.",
    params: &[GROUP_ID],
    ..Route::new(
        "updateEdinAgreementGroup",
        Verb::Put,
        "/v1/edin/agreement-groups/{groupId}",
        // api.md §3 A8: `POST /bdoc/agreement_group` with `groupId` edits, and its `users` (M)
        // replace the previous ones; A10 (`GET /bdoc/agreement_group?agreement_group_id=`)
        // reads them first.
        Call::Edin(EdinCall {
            method: Verb::Post,
            path: "/bdoc/agreement_group",
            body: Some(JsonBody {
                read: codec::group_edit,
                schema: group_edit_schema,
                carrier: Carrier::Body,
            }),
            reply: GROUP_REPLY,
            read_first: Some(ReadFirst {
                path: "/bdoc/agreement_group",
                merge: codec::merge_group_edit,
            }),
        }),
    )
};

/// Replaces the members of an approval group.
pub const REPLACE_MEMBERS: Route = Route {
    summary: "Replace an approval group's members",
    description: "Sets the whole member list of a group: users not listed are removed, an \
        empty list removes everyone. Returns the group with its members.",
    params: &[Param {
        upstream: Target::Body,
        ..GROUP_ID
    }],
    ..Route::new(
        "replaceEdinAgreementGroupMembers",
        Verb::Put,
        "/v1/edin/agreement-groups/{groupId}/users",
        // api.md §3 A9: `PATCH /bdoc/agreement_group/users`, `{groupId, users: [{userId}]}`,
        // replace semantics.
        Call::Edin(EdinCall {
            method: Verb::Patch,
            path: "/bdoc/agreement_group/users",
            body: Some(JsonBody {
                read: codec::members,
                schema: members_schema,
                carrier: Carrier::Body,
            }),
            reply: GROUP_REPLY,
            read_first: None,
        }),
    )
};

/// Deletes an approval group.
pub const DELETE_GROUP: Route = Route {
    summary: "Delete an approval group",
    description: "Deletes a group. EDIN answers with no body; so does the gateway (204).",
    params: &[GROUP_ID],
    ..Route::new(
        "deleteEdinAgreementGroup",
        Verb::Delete,
        "/v1/edin/agreement-groups/{groupId}",
        // api.md §3 A12: `DELETE /bdoc/agreement_group?agreement_group_id=` → 200, no body.
        Call::Edin(EdinCall {
            method: Verb::Delete,
            path: "/bdoc/agreement_group",
            body: None,
            reply: EdinReply::NoContent,
            read_first: None,
        }),
    )
};

/// Lists document types, a page at a time.
pub const LIST_DOCUMENT_TYPES: Route = Route {
    summary: "List document types",
    description: "Document types of the caller's companies (the ids a process's document types \
        take), `limit` per page from `offset`. For the next page, repeat with `offset` increased \
        by `limit`; a page shorter than `limit` is the last.",
    params: &[
        COMPANY_ID,
        Param {
            name: "useType",
            location: In::Query,
            kind: ParamKind::Mapped(&[("external", "1"), ("internal", "2")]),
            required: false,
            upstream: Target::Query("use_type"),
            description: "Only `external` or only `internal` document types.",
        },
        Param {
            name: "type",
            location: In::Query,
            kind: ParamKind::Mapped(&[
                ("file", "1"),
                ("structure", "2"),
                ("dynamicStructure", "3"),
                ("table", "4"),
            ]),
            required: false,
            upstream: Target::Query("type"),
            description: "Only document types of this form.",
        },
        Param {
            name: "limit",
            location: In::Query,
            kind: ParamKind::Int { min: 1, max: 1000 },
            required: false,
            upstream: Target::Query("limit"),
            description: "Page size (EDIN's default: 20).",
        },
        Param {
            name: "offset",
            location: In::Query,
            kind: ParamKind::Int {
                min: 0,
                max: i64::MAX,
            },
            required: false,
            upstream: Target::Query("offset"),
            description: "How many to skip.",
        },
        Param {
            name: "active",
            location: In::Query,
            kind: ParamKind::Mapped(&[("true", "1"), ("false", "0")]),
            required: false,
            upstream: Target::Query("is_active"),
            description: "Only active (`true`) or only inactive (`false`) document types.",
        },
    ],
    ..Route::new(
        "listEdinDocumentTypes",
        Verb::Get,
        "/v1/edin/document-types",
        // api.md §4: `GET /bdoc/document_types?company_id=&use_type=&type=&limit=&offset=&is_active=`.
        Call::Edin(EdinCall {
            method: Verb::Get,
            path: "/bdoc/document_types",
            body: None,
            reply: EdinReply::Json(JsonReply {
                status: StatusCode::OK,
                read: codec::read_document_types,
                schema: list_of::<Document>,
            }),
            read_first: None,
        }),
    )
};

/// The parameters of A6 and A7: every one is required upstream; `dict_val_id` is 0 when the
/// document type has no dictionary.
const DOCUMENT_TYPE_PARAMS: &[Param] = &[
    Param {
        upstream: Target::Query("agreement_proc_id"),
        ..PROC_ID
    },
    Param {
        name: "documentTypeId",
        location: In::Path,
        kind: ParamKind::Int {
            min: 1,
            max: i64::MAX,
        },
        required: true,
        upstream: Target::Query("document_id"),
        description: "The document type's id (`documentId` in the document types list).",
    },
    Param {
        required: true,
        description: "The company of the document type.",
        ..COMPANY_ID
    },
    Param {
        name: "dictionaryValueId",
        location: In::Query,
        kind: ParamKind::Int {
            min: 1,
            max: i64::MAX,
        },
        required: false,
        upstream: Target::QueryOr("dict_val_id", "0"),
        description: "The dictionary value to bind, when the document type has a dictionary.",
    },
];

/// Attaches a document type to an approval process.
pub const ATTACH_DOCUMENT_TYPE: Route = Route {
    summary: "Attach a document type to an approval process",
    description: "Documents of this type go through the process. Returns the whole process.",
    params: DOCUMENT_TYPE_PARAMS,
    ..Route::new(
        "attachEdinProcessDocumentType",
        Verb::Put,
        "/v1/edin/agreement-procs/{procId}/document-types/{documentTypeId}",
        // api.md §3 A6: `PUT /bdoc/agreement_proc/document?company_id=&document_id=&dict_val_id=&agreement_proc_id=`.
        Call::Edin(EdinCall {
            method: Verb::Put,
            path: "/bdoc/agreement_proc/document",
            body: None,
            reply: process_reply(StatusCode::OK),
            read_first: None,
        }),
    )
};

/// Detaches a document type from an approval process.
pub const DETACH_DOCUMENT_TYPE: Route = Route {
    summary: "Detach a document type from an approval process",
    description: "Returns the whole process without it.",
    params: DOCUMENT_TYPE_PARAMS,
    ..Route::new(
        "detachEdinProcessDocumentType",
        Verb::Delete,
        "/v1/edin/agreement-procs/{procId}/document-types/{documentTypeId}",
        // api.md §3 A7: `DELETE` with the same path and query as A6.
        Call::Edin(EdinCall {
            method: Verb::Delete,
            path: "/bdoc/agreement_proc/document",
            body: None,
            reply: process_reply(StatusCode::OK),
            read_first: None,
        }),
    )
};

fn status_schema(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    schema_of::<codec::StatusInput>(out)
}

/// Blocks or unblocks an approval process.
pub const SET_PROCESS_STATUS: Route = Route {
    summary: "Block or unblock an approval process",
    description: "`{\"status\": \"blocked\"}` stops a process from being used; `active` \
        makes it usable again. EDIN answers with no body; so does the gateway (204).",
    params: &[Param {
        upstream: Target::Query("agreement_proc_id"),
        ..PROC_ID
    }],
    ..Route::new(
        "setEdinAgreementProcessStatus",
        Verb::Put,
        "/v1/edin/agreement-procs/{procId}/status",
        // api.md §3 A4: `OPTIONS /bdoc/agreement_proc?agreement_proc_id=&status=` (1 active,
        // 2 blocked) → 200, no body. Yes, OPTIONS.
        Call::Edin(EdinCall {
            method: Verb::Options,
            path: "/bdoc/agreement_proc",
            body: Some(JsonBody {
                read: codec::status,
                schema: status_schema,
                carrier: Carrier::Query(&["status"]),
            }),
            reply: EdinReply::NoContent,
            read_first: None,
        }),
    )
};

/// Ends the caller's EDIN session.
pub const DELETE_SESSION: Route = Route {
    summary: "Log out of EDIN",
    description: "Ends the session whose id the caller sends; later calls with it get 401. \
        A managed client (`X-Api-Key`) gets 403: its session is the gateway's, shared by all its \
        requests.",
    ..Route::new(
        "deleteEdinSession",
        Verb::Delete,
        "/v1/edin/sessions/current",
        // api.md §2 #9: `GET /bdoc/logout` with the SID cookie; no body either way.
        Call::Edin(EdinCall {
            method: Verb::Get,
            path: "/bdoc/logout",
            body: None,
            reply: EdinReply::NoContent,
            read_first: None,
        }),
    )
};
