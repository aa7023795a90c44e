//! Each test breaks one entry in one way and checks the audit names the route and the fault.
//! Run with `--nocapture` to read the messages.

use super::*;
use crate::routes::{DiadocCall, FileView, Link, Page, ProtoBody, diadoc, edin};

fn faults(route: &Route) -> Vec<String> {
    let out = audit_table(&[route], edi_proto::pool());
    for line in &out {
        eprintln!("{line}");
    }
    out
}

pub(super) fn assert_fault(route: &Route, needle: &str) {
    let out = faults(route);
    assert!(
        out.iter()
            .any(|l| l.starts_with(&format!("route {}:", route.id)) && l.contains(needle)),
        "expected a fault containing {needle:?}, got {out:?}"
    );
}

const OTHER: Param = Param {
    name: "other",
    location: In::Query,
    kind: ParamKind::Cursor,
    required: false,
    upstream: Target::Query("other"),
    description: "not in any route",
};

fn diadoc_call(route: &Route) -> &DiadocCall {
    match &route.upstream {
        Call::Diadoc(c) => c,
        _ => panic!("a Diadoc route"),
    }
}

#[test]
fn a_page_cursor_that_is_not_a_parameter_of_the_route() {
    let call = diadoc_call(&diadoc::LIST_DOCUMENTS);
    let DiadocReply::Page(page) = call.reply else {
        panic!("a page")
    };
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            reply: DiadocReply::Page(Page {
                cursor: &OTHER,
                ..page
            }),
            ..*call
        }),
        ..diadoc::LIST_DOCUMENTS
    };
    assert_fault(&broken, "page cursor other");
}

#[test]
fn a_proto_field_name_with_a_typo() {
    let call = diadoc_call(&diadoc::LIST_BOX_COUNTERAGENTS);
    let DiadocReply::Page(page) = call.reply else {
        panic!("a page")
    };
    for (page, needle) in [
        (
            Page {
                items: "Counteragent",
                ..page
            },
            "page items Counteragent",
        ),
        (
            Page {
                key: "IndexKy",
                ..page
            },
            "page key IndexKy",
        ),
        (
            Page {
                more_flag: Some("HasMore"),
                ..page
            },
            "page more_flag HasMore",
        ),
    ] {
        let broken = Route {
            upstream: Call::Diadoc(DiadocCall {
                reply: DiadocReply::Page(page),
                ..*call
            }),
            ..diadoc::LIST_BOX_COUNTERAGENTS
        };
        assert_fault(&broken, needle);
    }
}

#[test]
fn a_message_that_is_not_in_the_pool() {
    let call = diadoc_call(&diadoc::LIST_ORGANIZATIONS);
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            reply: DiadocReply::Message("Diadoc.Api.Proto.OrganisationList"),
            ..*call
        }),
        ..diadoc::LIST_ORGANIZATIONS
    };
    assert_fault(&broken, "reply message Diadoc.Api.Proto.OrganisationList");
}

#[test]
fn a_max_items_field_that_is_not_repeated() {
    let call = diadoc_call(&diadoc::BATCH_GET_DOCFLOWS);
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            body: Some(ProtoBody {
                max_items: Some((&["Request"], 100)),
                ..ProtoBody::new(edi_proto::names::GET_DOCFLOW_BATCH_REQUEST)
            }),
            ..*call
        }),
        ..diadoc::BATCH_GET_DOCFLOWS
    };
    assert_fault(&broken, "max_items names Request");
}

#[test]
fn a_file_name_placeholder_that_is_not_a_path_parameter() {
    let call = diadoc_call(&diadoc::GET_DOCUMENT_PROTOCOL);
    let DiadocReply::MessageOrFile(view) = call.reply else {
        panic!("a file view")
    };
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            reply: DiadocReply::MessageOrFile(FileView {
                file_name: "protocol-{entityId}.pdf",
                ..view
            }),
            ..*call
        }),
        ..diadoc::GET_DOCUMENT_PROTOCOL
    };
    assert_fault(&broken, "names {entityId}, not a path parameter");
}

#[test]
fn a_path_placeholder_without_its_parameter() {
    let broken = Route {
        params: &[],
        ..edin::UPDATE_PROCESS
    };
    assert_fault(&broken, "path placeholder {procId} has no path parameter");
}

#[test]
fn an_exclusive_pair_naming_a_foreign_parameter() {
    let broken = Route {
        exclusive: &[(&OTHER, &OTHER)],
        ..diadoc::LIST_BOX_COUNTERAGENTS
    };
    assert_fault(&broken, "exclusive pair names other");
}

#[test]
fn policies_on_calls_they_do_not_fit() {
    let broken = Route {
        polling: Polling::RetryAfter,
        idempotency: Some("operationId"),
        cache: CachePolicy::PerCaller,
        ..edin::CREATE_PROCESS
    };
    for needle in ["Retry-After", "Idempotency-Key", "cached per caller"] {
        assert_fault(&broken, needle);
    }
    let login = Route {
        auth: Auth::DeveloperKey,
        ..edin::CREATE_SESSION
    };
    assert_fault(&login, "developer key");
}

#[test]
fn a_duplicate_id_or_method_and_path() {
    let twin = Route {
        id: "listDiadocOrganizationsAgain",
        ..diadoc::LIST_ORGANIZATIONS
    };
    let out = audit_table(&[&diadoc::LIST_ORGANIZATIONS, &twin], edi_proto::pool());
    eprintln!("{out:?}");
    assert!(
        out.iter()
            .any(|l| l.starts_with("route listDiadocOrganizationsAgain:")
                && l.contains("is also route listDiadocOrganizations"))
    );
}

#[test]
fn a_link_to_a_parameter_the_target_does_not_have() {
    let broken = Route {
        links: &[Link {
            name: "AddStep",
            to: &edin::CREATE_STEP,
            params: &[
                ("processId", "$response.body#/agreementProcId"),
                ("procId", "$request.path.stepId"),
            ],
        }],
        ..edin::CREATE_PROCESS
    };
    assert_fault(
        &broken,
        "link AddStep sets processId, not a parameter of route",
    );
    assert_fault(&broken, "takes procId from \"$request.path.stepId\"");
}

#[test]
fn a_text_limit_on_a_field_the_body_does_not_have() {
    let call = diadoc_call(&diadoc::ACQUIRE_COUNTERAGENT);
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            text_limits: &[("MessageToCounterAgent", 2000)],
            ..*call
        }),
        ..diadoc::ACQUIRE_COUNTERAGENT
    };
    assert_fault(&broken, "text limit names MessageToCounterAgent");
}

#[test]
fn a_task_whose_result_route_is_not_a_long_get() {
    const BROKEN_TASK: crate::routes::TaskPoll = crate::routes::TaskPoll {
        result: &diadoc::GET_BOX_COUNTERAGENT,
        task_id: "TaskID",
        ..diadoc::ACQUIRE_TASK
    };
    let broken = Route {
        polling: Polling::Task(&BROKEN_TASK),
        ..diadoc::ACQUIRE_COUNTERAGENT
    };
    assert_fault(&broken, "must be a GET with Polling::RetryAfter");
    assert_fault(&broken, "has no {taskId} for the task id");
    assert_fault(&broken, "task id TaskID is not a string field");
}

#[test]
fn invalidating_a_route_that_is_not_cached() {
    let broken = Route {
        invalidates: &[&diadoc::GET_BOX_COUNTERAGENT],
        ..diadoc::BREAK_WITH_COUNTERAGENT
    };
    assert_fault(
        &broken,
        "invalidates getDiadocBoxCounteragent, which is not cached",
    );
}

#[test]
fn a_box_lookup_that_reads_a_parameter_the_route_lacks() {
    let route = &diadoc::LIST_ORGANIZATION_COUNTERAGENTS;
    let call = diadoc_call(route);
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            box_of_org: Some(crate::routes::BoxOfOrg {
                param: "organization",
                fills: "myBoxId",
                via: &diadoc::GET_ORGANIZATION,
            }),
            ..*call
        }),
        ..diadoc::LIST_ORGANIZATION_COUNTERAGENTS
    };
    assert_fault(&broken, "box_of_org reads organization, not a parameter");
    assert_fault(
        &broken,
        "parameter orgId is for a box lookup, but box_of_org reads",
    );
}

#[test]
fn a_box_lookup_that_fills_a_query_the_method_does_not_take() {
    let route = &diadoc::LIST_ORGANIZATION_COUNTERAGENTS;
    let call = diadoc_call(route);
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            box_of_org: Some(crate::routes::BoxOfOrg {
                param: "orgId",
                fills: "myOrgId",
                via: &diadoc::GET_ORGANIZATION,
            }),
            ..*call
        }),
        ..diadoc::LIST_ORGANIZATION_COUNTERAGENTS
    };
    assert_fault(
        &broken,
        "fills myOrgId, which /V3/GetCounteragents does not take",
    );
}

#[test]
fn a_lookup_parameter_without_a_box_lookup() {
    let route = &diadoc::LIST_ORGANIZATION_COUNTERAGENTS;
    let call = diadoc_call(route);
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            box_of_org: None,
            ..*call
        }),
        ..diadoc::LIST_ORGANIZATION_COUNTERAGENTS
    };
    assert_fault(
        &broken,
        "parameter orgId is for a box lookup, but the call has none",
    );
}

#[test]
fn a_box_lookup_on_a_long_request() {
    let broken = Route {
        polling: Polling::RetryAfter,
        cache: CachePolicy::None,
        ..diadoc::LIST_ORGANIZATION_COUNTERAGENTS
    };
    assert_fault(&broken, "a box lookup is not supported on a long request");
}

#[test]
fn a_from_path_field_that_is_not_a_string_or_not_fed_by_the_path() {
    let call = diadoc_call(&diadoc::POST_MESSAGE);
    let Some(body) = call.body else {
        panic!("a body")
    };
    for (from_path, needle) in [
        (
            &[("FromBoxID", &diadoc::BOX_IN_BODY)][..],
            "from_path names FromBoxID",
        ),
        (
            &[("IsDraft", &diadoc::BOX_IN_BODY)][..],
            "from_path names IsDraft",
        ),
        (&[("ToBoxId", &OTHER)][..], "fills ToBoxId from other"),
    ] {
        let broken = Route {
            upstream: Call::Diadoc(DiadocCall {
                body: Some(ProtoBody { from_path, ..body }),
                ..*call
            }),
            ..diadoc::POST_MESSAGE
        };
        assert_fault(&broken, needle);
    }
}

#[test]
fn a_reply_cap_that_is_zero_or_too_small_for_content_or_too_large_for_a_login() {
    use crate::upstream::read::{CONTENT_REPLY_CAP, DEFAULT_REPLY_CAP};
    let call = diadoc_call(&diadoc::LIST_DOCUMENTS);
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            reply_cap: 0,
            ..*call
        }),
        ..diadoc::LIST_DOCUMENTS
    };
    assert_fault(&broken, "reply cap 0 is not within");

    let call = diadoc_call(&diadoc::GET_DOCUMENT);
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            reply_cap: DEFAULT_REPLY_CAP,
            ..*call
        }),
        ..diadoc::GET_DOCUMENT
    };
    assert_fault(&broken, "GetDocument's reply carries document content");

    let call = diadoc_call(&diadoc::CREATE_SESSION);
    let broken = Route {
        upstream: Call::Diadoc(DiadocCall {
            reply_cap: CONTENT_REPLY_CAP,
            ..*call
        }),
        ..diadoc::CREATE_SESSION
    };
    assert_fault(&broken, "a token reply's cap must be at most");
}
