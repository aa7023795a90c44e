//! The Diadoc methods, each as reference/diadoc/api.md describes it. Paths match without regard
//! to case (api.md, "Query-string conventions": weak evidence that the service does the same).

use axum::http::StatusCode;
use edi_proto::diadoc::api::proto as dap;
use prost::Message;

use crate::{Call, Reply, Shared, auth};

/// Most items in a page (api.md: GetCounteragents and GetDocuments pages hold at most 100).
const PAGE: usize = 100;
/// The content cap of GetDocflows (api.md: 1048576 bytes in total).
const CONTENT_CAP: usize = 1_048_576;

pub(crate) fn route(shared: &Shared, call: &Call<'_>) -> Reply {
    let path = call.path.to_ascii_lowercase();
    let handler: fn(&Shared, &Call<'_>) -> Result<Reply, Reply> = match path.as_str() {
        "/v3/authenticate" => authenticate,
        "/getmyorganizations" => my_organizations,
        "/v2/getcounteragents" | "/v3/getcounteragents" => counteragents,
        "/v3/getdocuments" => documents,
        "/v3/getdocflows" => docflows,
        _ => {
            return Reply::Error(StatusCode::NOT_FOUND, "Http.NotFound", "Not found".into());
        }
    };
    let expected = if matches!(path.as_str(), "/v3/authenticate" | "/v3/getdocflows") {
        "POST"
    } else {
        "GET"
    };
    if call.method != expected {
        return Reply::Error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Http.MethodNotAllowed",
            "Method not allowed".into(),
        );
    }
    handler(shared, call).unwrap_or_else(|e| e)
}

/// `POST /V3/Authenticate?type=password`: LoginPassword as protobuf (default) or JSON.
fn authenticate(shared: &Shared, call: &Call<'_>) -> Result<Reply, Reply> {
    auth::client_only(shared, call)?;
    match call.param("type") {
        Some("password") => {}
        Some(_) => return Err(Reply::bad_request("Only type=password is simulated")),
        None => return Err(Reply::bad_request("Parameter type is required")),
    }
    let is_json = call
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (login, password) = if is_json {
        let v: serde_json::Value = serde_json::from_slice(call.body)
            .map_err(|_| Reply::bad_request("The body is not valid JSON"))?;
        let get = |k: &str| {
            v.as_object().and_then(|o| {
                o.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(k))
                    .and_then(|(_, v)| v.as_str())
                    .map(str::to_owned)
            })
        };
        (get("login"), get("password"))
    } else {
        let lp = dap::LoginPassword::decode(call.body.clone())
            .map_err(|_| Reply::bad_request("The body is not a LoginPassword message"))?;
        (Some(lp.login), Some(lp.password))
    };
    let (Some(login), Some(password)) = (login, password) else {
        return Err(Reply::bad_request("Login and Password are required"));
    };
    // api.md: what wrong credentials return is UNKNOWN; the sandbox answers 401.
    let user = shared
        .seed
        .users
        .iter()
        .position(|u| u.login == login && u.password == password)
        .ok_or_else(|| {
            Reply::Error(
                StatusCode::UNAUTHORIZED,
                "Http.Unauthorized",
                "Wrong login or password".into(),
            )
        })?;
    Ok(Reply::Text(shared.issue(user)))
}

/// `GET /GetMyOrganizations`.
fn my_organizations(shared: &Shared, call: &Call<'_>) -> Result<Reply, Reply> {
    let user = auth::user(shared, call)?;
    let organizations = shared.seed.users[user]
        .orgs
        .iter()
        .map(|&i| shared.seed.orgs[i].clone())
        .collect();
    Ok(Reply::Proto(
        dap::OrganizationList { organizations }.encode_to_vec(),
    ))
}

/// The organization index the user may use, or 400/403 (api.md: token first, then box).
fn accessible(shared: &Shared, user: usize, org: Option<usize>) -> Result<usize, Reply> {
    match org {
        Some(o) if shared.seed.users[user].orgs.contains(&o) => Ok(o),
        _ => Err(Reply::Error(
            StatusCode::FORBIDDEN,
            "Http.Forbidden",
            "Access to Box is denied".into(),
        )),
    }
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn box_param(shared: &Shared, call: &Call<'_>, name: &str) -> Result<Option<usize>, Reply> {
    let id = call
        .param(name)
        .ok_or_else(|| Reply::bad_request(format!("Parameter {name} is required")))?;
    let hex32 = id
        .strip_suffix("@diadoc.ru")
        .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    if !is_guid(id) && !hex32 {
        return Err(Reply::bad_request(format!(
            "Parameter {name} is not a box id"
        )));
    }
    Ok(shared.seed.org_of_box(id))
}

/// Items strictly after the one whose key is `after` (api.md: exclusive cursor). An unknown
/// cursor is a 400 (api.md does not say; our choice).
fn after_cursor<T>(
    items: &[T],
    key: impl Fn(&T) -> &str,
    after: Option<&str>,
) -> Result<usize, Reply> {
    match after {
        None => Ok(0),
        Some(k) => items
            .iter()
            .position(|i| key(i) == k)
            .map(|p| p + 1)
            .ok_or_else(|| Reply::bad_request("Unknown afterIndexKey")),
    }
}

/// `GET /V2/GetCounteragents?myOrgId=` and `GET /V3/GetCounteragents?myBoxId=`.
fn counteragents(shared: &Shared, call: &Call<'_>) -> Result<Reply, Reply> {
    let user = auth::user(shared, call)?;
    let v3 = call.path.to_ascii_lowercase().starts_with("/v3/");
    let org = if v3 {
        box_param(shared, call, "myBoxId")?
    } else {
        let id = call
            .param("myOrgId")
            .ok_or_else(|| Reply::bad_request("Parameter myOrgId is required"))?;
        if !is_guid(id) {
            return Err(Reply::bad_request("Parameter myOrgId is not an id"));
        }
        shared.seed.org_by_id(id)
    };
    let org = accessible(shared, user, org)?;
    let query = call.param("query").map(str::to_lowercase);
    let after = call.param("afterIndexKey");
    if query.is_some() && after.is_some() {
        // api.md, GetCounteragents: `query` must not be combined with `afterIndexKey`.
        return Err(Reply::bad_request(
            "query cannot be combined with afterIndexKey",
        ));
    }
    // api.md lists `Rejected` though the enum has no such value; the sandbox reads it as
    // "either side rejected" (RejectsMe or IsRejectedByMe) — its meaning is UNKNOWN upstream.
    let statuses: Option<Vec<i32>> = match call.param("counteragentStatus") {
        None => None,
        Some("Rejected") => Some(vec![
            dap::CounteragentStatus::RejectsMe as i32,
            dap::CounteragentStatus::IsRejectedByMe as i32,
        ]),
        Some(name) => match dap::CounteragentStatus::from_str_name(name) {
            Some(s) if s != dap::CounteragentStatus::UnknownCounteragentStatus => {
                Some(vec![s as i32])
            }
            _ => return Err(Reply::bad_request("Unknown counteragentStatus")),
        },
    };
    let matching: Vec<&dap::Counteragent> = shared.seed.counteragents[org]
        .iter()
        .filter(|c| {
            statuses
                .as_ref()
                .is_none_or(|s| s.contains(&c.current_status.unwrap_or(0)))
        })
        .filter(|c| {
            query.as_ref().is_none_or(|q| {
                let o = &c.organization;
                o.full_name.to_lowercase().contains(q)
                    || o.short_name
                        .as_deref()
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(q)
                    || o.inn.contains(q.as_str())
            })
        })
        .collect();
    let start = after_cursor(
        &matching,
        |c| c.index_key.as_deref().unwrap_or_default(),
        after,
    )?;
    let counteragents = matching
        .iter()
        .skip(start)
        .take(PAGE)
        .map(|c| (*c).clone())
        .collect();
    // TotalCount counts every match from the start of the list (api.md: UNKNOWN; our choice).
    Ok(Reply::Proto(
        dap::CounteragentList {
            total_count: i32::try_from(matching.len()).unwrap_or(i32::MAX),
            counteragents,
            total_count_type: dap::TotalCountType::Equal as i32,
        }
        .encode_to_vec(),
    ))
}

/// `GET /V3/GetDocuments?boxId=&filterCategory=&…` (api.md, GetDocuments).
fn documents(shared: &Shared, call: &Call<'_>) -> Result<Reply, Reply> {
    let user = auth::user(shared, call)?;
    let org = box_param(shared, call, "boxId")?;
    let org = accessible(shared, user, org)?;
    let filter = call
        .param("filterCategory")
        .ok_or_else(|| Reply::bad_request("Parameter filterCategory is required"))?;
    let (doc_type, rest) = filter
        .split_once('.')
        .ok_or_else(|| Reply::bad_request("Bad filterCategory"))?;
    let (inbound, status) = if let Some(s) = rest.strip_prefix("Inbound") {
        (Some(true), s)
    } else if let Some(s) = rest.strip_prefix("Outbound") {
        (Some(false), s)
    } else if let Some(s) = rest
        .strip_prefix("Internal")
        .or_else(|| rest.strip_prefix("Proxy"))
    {
        (None, s)
    } else {
        return Err(Reply::bad_request("Bad document class in filterCategory"));
    };
    // A subset of the 34 status names (api.md, GetDocuments); others are a 400 here.
    if ![
        "",
        "NotRead",
        "Finished",
        "NotFinished",
        "WaitingForRecipientSignature",
        "NotRevoked",
    ]
    .contains(&status)
    {
        return Err(Reply::bad_request(
            "Unknown document status in filterCategory",
        ));
    }
    let count = match call.param("count") {
        None => PAGE,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|c| *c <= PAGE)
            .ok_or_else(|| Reply::bad_request("count must be 0..100"))?,
    };
    let ticks =
        call.param("timestampFromTicks").is_some() || call.param("timestampToTicks").is_some();
    if call.param("documentNumber").is_some() && ticks {
        return Err(Reply::bad_request(
            "documentNumber cannot be combined with a ticks range",
        ));
    }
    let counteragent = call.param("counteragentBoxId").map(str::to_ascii_lowercase);
    let descending = match call.param("sortDirection") {
        None | Some("Ascending") => false,
        Some("Descending") => true,
        Some(_) => return Err(Reply::bad_request("Bad sortDirection")),
    };
    // Only the first organization's box holds documents.
    let docs = if org == 0 {
        shared.seed.documents.as_slice()
    } else {
        &[]
    };
    let mut matching: Vec<&dap::documents::Document> = docs
        .iter()
        .filter(|d| inbound.is_none_or(|i| d.inbound == i) && inbound.is_some())
        .filter(|d| doc_type == "Any" || d.document.type_named_id == doc_type)
        .filter(|d| match status {
            "NotRead" => d.document.is_read == Some(false),
            _ => true,
        })
        .filter(|d| {
            counteragent
                .as_ref()
                .is_none_or(|c| d.document.counteragent_box_id.as_ref() == Some(c))
        })
        .filter(|d| {
            call.param("documentNumber")
                .is_none_or(|n| d.document.document_number.as_deref() == Some(n))
        })
        .map(|d| &d.document)
        .collect();
    if descending {
        matching.reverse();
    }
    let start = after_cursor(
        &matching,
        |d| d.index_key.as_deref().unwrap_or_default(),
        call.param("afterIndexKey"),
    )?;
    let page: Vec<dap::documents::Document> = matching
        .iter()
        .skip(start)
        .take(count)
        .map(|d| (*d).clone())
        .collect();
    let has_more = start + page.len() < matching.len();
    Ok(Reply::Proto(
        dap::documents::DocumentList {
            total_count: i32::try_from(matching.len()).unwrap_or(i32::MAX),
            documents: page,
            has_more_results: Some(has_more),
        }
        .encode_to_vec(),
    ))
}

/// `POST /V3/GetDocflows?boxId=` (api.md, GetDocflows): at most 100 requests; content capped at
/// 1048576 bytes in total. Ids the box does not have are left out; when none is found the answer
/// is 404 (api.md: "the box has no documents with the given ids"; the partial case is our choice).
fn docflows(shared: &Shared, call: &Call<'_>) -> Result<Reply, Reply> {
    let user = auth::user(shared, call)?;
    let org = box_param(shared, call, "boxId")?;
    let org = accessible(shared, user, org)?;
    let batch = dap::docflow::GetDocflowBatchRequest::decode(call.body.clone())
        .map_err(|_| Reply::bad_request("The body is not a GetDocflowBatchRequest"))?;
    if batch.requests.len() > PAGE {
        return Err(Reply::bad_request("At most 100 requests are allowed"));
    }
    let docs = if org == 0 {
        shared.seed.documents.as_slice()
    } else {
        &[]
    };
    let mut budget = CONTENT_CAP;
    let mut documents = Vec::new();
    for request in &batch.requests {
        let id = &request.document_id;
        let Some(seed) = docs.iter().find(|d| {
            d.document.message_id == id.message_id.to_ascii_lowercase()
                && d.document.entity_id == id.entity_id.to_ascii_lowercase()
        }) else {
            continue;
        };
        let inject = request.inject_entity_content.unwrap_or(false) && seed.content.len() <= budget;
        if inject {
            budget -= seed.content.len();
        }
        documents.push(docflow_of(shared, seed, inject));
    }
    if documents.is_empty() && !batch.requests.is_empty() {
        return Err(Reply::Error(
            StatusCode::NOT_FOUND,
            "Http.NotFound",
            "The box has no documents with the given ids".into(),
        ));
    }
    Ok(Reply::Proto(
        dap::docflow::GetDocflowBatchResponseV3 { documents }.encode_to_vec(),
    ))
}

fn docflow_of(
    shared: &Shared,
    seed: &crate::seed::SeedDocument,
    inject: bool,
) -> dap::docflow::DocumentWithDocflowV3 {
    use dap::docflow as df;
    let d = &seed.document;
    let me = shared.seed.first_box_id_guid().to_owned();
    let other = d.counteragent_box_id.clone().unwrap_or_default();
    let (sender, recipient) = if seed.inbound {
        (other, me)
    } else {
        (me, other)
    };
    let ticks = d.creation_timestamp_ticks;
    let entity = df::Entity {
        entity_id: Some(d.entity_id.clone()),
        content: Some(dap::Content {
            size: i32::try_from(seed.content.len()).unwrap_or(i32::MAX),
            data: inject.then(|| seed.content.clone()),
        }),
        creation_timestamp: Some(dap::Timestamp { ticks }),
    };
    df::DocumentWithDocflowV3 {
        document_id: dap::DocumentId {
            message_id: d.message_id.clone(),
            entity_id: d.entity_id.clone(),
        },
        last_event: df::LastEvent {
            event_id: crate::seed::guid(&format!("event-{}", d.entity_id)),
            timestamp: dap::Timestamp { ticks },
        },
        document_info: df::DocumentInfoV3 {
            full_version: dap::FullVersion {
                type_named_id: d.type_named_id.clone(),
                function: d.function.clone(),
                version: d.version.clone(),
            },
            message_type: dap::documents::MessageType::Letter as i32,
            workflow_id: d.workflow_id,
            participants: df::DocumentParticipants {
                sender: df::DocumentParticipant {
                    box_id: sender,
                    ..Default::default()
                },
                recipient: Some(df::DocumentParticipant {
                    box_id: recipient,
                    ..Default::default()
                }),
                ..Default::default()
            },
            document_direction: d.document_direction.unwrap_or(0),
            department_id: "00000000-0000-0000-0000-000000000000".into(),
            is_read: d.is_read.unwrap_or(false),
            ..Default::default()
        },
        docflow: df::DocflowV3 {
            sender_title: df::SenderTitleDocflow {
                is_finished: true,
                attachment: df::SignedAttachmentV3 {
                    attachment: df::Attachment {
                        entity: Some(entity),
                        attachment_filename: d.file_name.clone(),
                        display_filename: d.file_name.clone(),
                    },
                    content_type_id: format!("{}.{}.{}", d.type_named_id, d.function, d.version),
                    ..Default::default()
                },
                sent_at: Some(dap::Timestamp { ticks }),
                delivered_at: Some(dap::Timestamp {
                    ticks: ticks + 10_000_000,
                }),
                ..Default::default()
            },
            ..Default::default()
        },
    }
}
