//! Diadoc counteragents (partnerships between boxes).

use super::super::{
    BoxOfOrg, CachePolicy, Call, DiadocCall, DiadocReply, Param, Route, Target, Verb,
};
use super::{AFTER, BOX_ID, COUNTERAGENT_PAGE, ORG_ID, QUERY, STATUS};

/// Lists an organization's counteragents, 100 per page.
pub const LIST_ORGANIZATION_COUNTERAGENTS: Route = Route {
    summary: "List an organization's counteragents",
    description: "Counteragents of an organization, 100 per page, optionally filtered by status. \
        Follow `nextAfter` (or the `Link: rel=\"next\"` header) for the next page; it is absent \
        on the last page. The list is the one of the organization's box: for an organization \
        with several boxes, the first box in Diadoc's order (as the organizations list shows \
        them); use `/v1/diadoc/boxes/{boxId}/counteragents` to choose another. An organization \
        with no box gets 404, and so does one Diadoc does not know. Pages are cached per caller \
        for a short time; send `Cache-Control: no-cache` to refresh.",
    params: &[
        Param {
            upstream: Target::Lookup,
            ..ORG_ID
        },
        STATUS,
        AFTER,
    ],
    cache: CachePolicy::PerCaller,
    ..Route::new(
        "listDiadocOrganizationCounteragents",
        Verb::Get,
        "/v1/diadoc/organizations/{orgId}/counteragents",
        // lifecycle.md §1.2: GetCounteragents V2 (`myOrgId`) is removed after 10 Nov 2026; §1.4
        // and api.md, GetCounteragents V3: `myBoxId`, `counteragentStatus`, `afterIndexKey`. The
        // box is found first with GetOrganization (api.md): one organization, one small reply,
        // and no registration side effect or daily quota as GetMyOrganizations has.
        Call::Diadoc(DiadocCall {
            box_of_org: Some(BoxOfOrg {
                param: "orgId",
                fills: "myBoxId",
            }),
            ..DiadocCall::new(
                Verb::Get,
                "/V3/GetCounteragents",
                DiadocReply::Page(COUNTERAGENT_PAGE),
            )
        }),
    )
};

/// Lists a box's counteragents, 100 per page, with an optional text search.
pub const LIST_BOX_COUNTERAGENTS: Route = Route {
    summary: "List a box's counteragents",
    description: "Counteragents of the organization that owns a box, 100 per page, filtered by \
        status or searched by name or INN (`query`, which cannot be combined with `after`). \
        Follow `nextAfter` for the next page. Pages are cached per caller for a short time; \
        send `Cache-Control: no-cache` to refresh.",
    params: &[
        Param {
            upstream: Target::Query("myBoxId"),
            ..BOX_ID
        },
        STATUS,
        AFTER,
        QUERY,
    ],
    // api.md, GetCounteragents: `query` must not be combined with `afterIndexKey`.
    exclusive: &[(&QUERY, &AFTER)],
    cache: CachePolicy::PerCaller,
    ..Route::new(
        "listDiadocBoxCounteragents",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/counteragents",
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/V3/GetCounteragents",
            DiadocReply::Page(COUNTERAGENT_PAGE),
        )),
    )
};
