//! `edi-gateway demo`: the embedded sandbox on a free loopback port, the gateway in front of it
//! on `--listen`, and copy-pasteable curl commands with real ids printed on start.
//! `edi-gateway sandbox`: the sandbox alone.

use std::net::SocketAddr;

use edi_sandbox::Sandbox;
use tokio::net::TcpListener;

use crate::app::{AppState, serve, shutdown_signal};
use crate::config::Config;
use crate::routes::{Route, diadoc, edin};

/// Runs the gateway against a fresh sandbox until Ctrl-C.
/// `cors_origins`: the browser origins allowed to call it (`EDI_GATEWAY_CORS_ORIGINS`).
pub async fn run(listen: SocketAddr, cors_origins: String) -> anyhow::Result<()> {
    // Long requests should be visible to someone trying them: a protocol is ready after two
    // "not ready" answers, a template after one, each with `Retry-After: 1`.
    let sandbox = Sandbox::builder()
        .protocol_polls(2)
        .template_polls(1)
        .retry_after_secs(1)
        // Nobody reads the demo's journal: keep none (unbounded, a million requests held 1.4 GB).
        .journal_capacity(0)
        .spawn()
        .await?;
    let config = Config {
        listen,
        cors_origins,
        clients_file: Some(demo_clients_file(&sandbox)?),
        ..Config::for_upstream(sandbox.base_url(), Some(edi_sandbox::DEVELOPER_KEY))
    };
    let listener = TcpListener::bind(listen).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {listen}: {e} (use --listen or EDI_GATEWAY_LISTEN)")
    })?;
    let base = format!("http://{}", listener.local_addr()?);
    let clients_file = config.clients_file.clone().unwrap_or_default();
    let state = AppState::build(config)?;
    println!("{}", instructions(&base, &sandbox, &clients_file));
    serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

/// The demo's API key: a managed client (issue 14) whose Diadoc credential is an OpenID Connect
/// refresh token the sandbox issued for the demo user, and whose EDIN credential is the demo
/// user's. Never use a key like this outside the demo.
pub const DEMO_API_KEY: &str = "demo-api-key";

/// Writes the demo's clients file (one client, [`DEMO_API_KEY`]) into a fresh temporary
/// directory and returns its path.
fn demo_clients_file(sandbox: &edi_sandbox::SandboxHandle) -> anyhow::Result<std::path::PathBuf> {
    use sha2::{Digest, Sha256};
    let digest: String = Sha256::digest(DEMO_API_KEY.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let refresh = sandbox
        .issue_refresh_token(edi_sandbox::DEMO_LOGIN)
        .ok_or_else(|| anyhow::anyhow!("the sandbox has no demo user"))?;
    let text = format!(
        "[[client]]\nname = \"demo-robot\"\napi_key_sha256 = \"{digest}\"\n\n\
         [client.diadoc]\nissuer = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n\
         refresh_token = \"{refresh}\"\n\n\
         [client.edin]\nemail = \"{}\"\npassword = \"{}\"\n",
        sandbox.oidc_issuer(),
        sandbox.oidc_client_id(),
        sandbox.oidc_client_secret(),
        edi_sandbox::EDIN_DEMO_EMAIL,
        edi_sandbox::EDIN_DEMO_PASSWORD,
    );
    let dir = std::env::temp_dir().join(format!("edi-gateway-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("clients.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Runs only the sandbox until Ctrl-C; `kontur_limits`: whether it enforces Kontur's per-token
/// limits (its default).
pub async fn run_sandbox(listen: SocketAddr, kontur_limits: bool) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    println!(
        "edi-sandbox (Diadoc and EDIN simulator) on http://{}\ndeveloper key: {}\nDiadoc users: {}/{} and {}/{}\nEDIN users: {}/{} and {}/{}",
        listener.local_addr()?,
        edi_sandbox::DEVELOPER_KEY,
        edi_sandbox::DEMO_LOGIN,
        edi_sandbox::DEMO_PASSWORD,
        edi_sandbox::OTHER_LOGIN,
        edi_sandbox::OTHER_PASSWORD,
        edi_sandbox::EDIN_DEMO_EMAIL,
        edi_sandbox::EDIN_DEMO_PASSWORD,
        edi_sandbox::EDIN_OTHER_EMAIL,
        edi_sandbox::EDIN_OTHER_PASSWORD,
    );
    // The large entity's ids, for downloads by hand and for `ONLY=stream bench/load.sh`.
    if let Some(large) = edi_sandbox::Seed::demo().large_entity() {
        println!(
            "large entity ({} bytes): boxId={} messageId={} entityId={}",
            edi_sandbox::LARGE_ENTITY_BYTES,
            large.box_id,
            large.message_id,
            large.entity_id
        );
    }
    let builder = Sandbox::builder()
        // Nobody can read this journal over HTTP: keep none.
        .journal_capacity(0);
    let builder = if kontur_limits {
        builder
    } else {
        builder.no_kontur_limits()
    };
    builder.serve(listener, shutdown_signal()).await?;
    Ok(())
}

/// `base` + a route's path with its `{param}`s filled in: the demo's URLs come from the route
/// table, like everything else.
fn url(base: &str, route: &Route, values: &[(&str, &str)]) -> String {
    let mut path = route.path.to_owned();
    for (name, value) in values {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    format!("{base}{path}")
}

fn instructions(
    base: &str,
    sandbox: &edi_sandbox::SandboxHandle,
    clients_file: &std::path::Path,
) -> String {
    let seed = sandbox.seed();
    let box_id = seed.first_box_id_guid();
    let org_id = seed.first_org_id();
    let docs = seed.document_ids();
    let docs: Vec<String> = docs
        .iter()
        .take(2)
        .map(|(m, e)| format!(r#"{{"documentId":{{"messageId":"{m}","entityId":"{e}"}}}}"#))
        .collect();
    let protocol = seed.document_with_protocol().map_or_else(String::new, |d| {
        url(
            base,
            &diadoc::GET_DOCUMENT_PROTOCOL,
            &[
                ("boxId", box_id),
                ("messageId", &d.document.message_id),
                ("documentId", &d.document.entity_id),
            ],
        )
    });
    let files = demo_files(base, seed);
    let partner = seed.counteragent_box_id_guid();
    let edin_proc = seed.edin_process_id();
    let edin_group = seed
        .edin_group_ids(seed.edin_demo_company_id())
        .first()
        .copied()
        .unwrap_or_default();
    let edin_proc_id = edin_proc.to_string();
    let diadoc_session = url(base, &diadoc::CREATE_SESSION, &[]);
    let orgs = url(base, &diadoc::LIST_ORGANIZATIONS, &[]);
    let box_cas = url(base, &diadoc::LIST_BOX_COUNTERAGENTS, &[("boxId", box_id)]);
    let org_cas = url(
        base,
        &diadoc::LIST_ORGANIZATION_COUNTERAGENTS,
        &[("orgId", org_id)],
    );
    let documents = url(base, &diadoc::LIST_DOCUMENTS, &[("boxId", box_id)]);
    let docflows = url(base, &diadoc::BATCH_GET_DOCFLOWS, &[("boxId", box_id)]);
    let templates = url(base, &diadoc::CREATE_TEMPLATE, &[]);
    let events = url(base, &diadoc::LIST_EVENTS, &[("boxId", box_id)]);
    let edin_session = url(base, &edin::CREATE_SESSION, &[]);
    let procs = url(base, &edin::LIST_PROCESSES, &[]);
    let steps = url(base, &edin::CREATE_STEP, &[("procId", &edin_proc_id)]);
    let proc_url = url(base, &edin::UPDATE_PROCESS, &[("procId", &edin_proc_id)]);
    let step = url(
        base,
        &edin::UPDATE_STEP,
        &[("procId", &edin_proc_id), ("stepId", "STEP_ID")],
    );
    let edin_company = seed.edin_demo_company_id();
    let edin_groups = url(base, &edin::groups::LIST_GROUPS, &[]);
    let edin_group_id = edin_group.to_string();
    let edin_group_members = url(
        base,
        &edin::groups::REPLACE_MEMBERS,
        &[("groupId", &edin_group_id)],
    );
    // A document type with no dictionary that no process has yet.
    let document_type = seed
        .edin_document_type_ids(edin_company)
        .into_iter()
        .rev()
        .find(|d| seed.edin_dictionary_value_ids(*d).is_empty())
        .unwrap_or_default()
        .to_string();
    let edin_user = seed
        .edin_user_id(edi_sandbox::EDIN_DEMO_EMAIL)
        .unwrap_or_default();
    let document_types = url(base, &edin::groups::LIST_DOCUMENT_TYPES, &[]);
    let attach = url(
        base,
        &edin::groups::ATTACH_DOCUMENT_TYPE,
        &[
            ("procId", &edin_proc_id),
            ("documentTypeId", &document_type),
        ],
    );
    let edin_group_url = url(
        base,
        &edin::groups::GET_GROUP,
        &[("groupId", &edin_group_id)],
    );
    let edin_status = url(
        base,
        &edin::groups::SET_PROCESS_STATUS,
        &[("procId", &edin_proc_id)],
    );
    let edin_logout = url(base, &edin::groups::DELETE_SESSION, &[]);
    let login = edi_sandbox::DEMO_LOGIN;
    let password = edi_sandbox::DEMO_PASSWORD;
    let messages = messages_section(base, sandbox);
    format!(
        r#"
edi-gateway demo — gateway {base}, sandbox upstream {upstream}
Demo login: {login} / {password}   (a second user: {other} / {other_pw})

# 1. Log in (the gateway adds its developer key):
TOKEN=$(curl -s -X POST {diadoc_session} -H 'content-type: application/json' -d '{{"login":"{login}","password":"{password}"}}' | sed -E 's/.*"token":"([^"]+)".*/\1/')

# 2. My organizations and boxes:
curl -s {orgs} -H "authorization: Bearer $TOKEN"

# 3. Counteragents, 100 per page (follow "nextAfter" with ?after=…):
curl -si '{box_cas}' -H "authorization: Bearer $TOKEN"
curl -s '{org_cas}?status=IsMyCounteragent' -H "authorization: Bearer $TOKEN"

# 4. Documents, and their docflows in one batch:
curl -s '{documents}?filterCategory=Any.Inbound&count=5' -H "authorization: Bearer $TOKEN"
curl -s -X POST '{docflows}' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{{"requests":[{docs}]}}'

# 5. A delivery protocol: Diadoc builds it asynchronously; the gateway polls (about 2 s here)
#    and answers once with the result. As a PDF file, or with a 202 right away:
curl -s '{protocol}' -H "authorization: Bearer $TOKEN"
curl -s -o protocol.pdf '{protocol}' -H "authorization: Bearer $TOKEN" -H 'accept: application/pdf'
curl -si '{protocol}' -H "authorization: Bearer $TOKEN" -H 'prefer: respond-async'

# 6. A template, sent once however often it is retried (same Idempotency-Key → same template):
curl -s -X POST '{templates}' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'idempotency-key: demo-template-1' -d '{{"fromBoxId":"{box_id}","toBoxId":"{partner}","messageFromBoxId":"{partner}","messageToBoxId":"{box_id}","documentAttachments":[{{"unsignedContent":{{"content":"PFRlbXBsYXRlLz4="}},"typeNamedId":"UniversalTransferDocument","function":"СЧФДОП","version":"utd970_05_03_01","metadata":[{{"key":"FileName","value":"template.xml"}}]}}]}}'
{messages}

# Files: a document's content (streamed), the large entity ({large_mb} MiB, streamed), a print
#    form (a long request, about 1 s here) and a ZIP archive (generated, then fetched from the
#    shelf; fullDocflow=true adds the answers):
curl -s -o document.bin '{entity}' -H "authorization: Bearer $TOKEN"
curl -s -o large.bin -w '%{{size_download}} bytes\n' '{large}' -H "authorization: Bearer $TOKEN"
curl -s -OJ '{print_form}' -H "authorization: Bearer $TOKEN"
curl -s -o archive.zip '{archive}?fullDocflow=true' -H "authorization: Bearer $TOKEN"

# 7. The box's event feed: a page (oldest first; follow nextAfter), then the same feed live as
#    Server-Sent Events (Ctrl-C to stop; reconnect with last-event-id to resume):
curl -s '{events}?limit=5&documentDirection=Inbound&from=2024-11-01T00:00:00Z' -H "authorization: Bearer $TOKEN"
curl -N '{events}' -H "authorization: Bearer $TOKEN" -H 'accept: text/event-stream'

{partners}
# EDIN bdoc — log in ({edin_email} / {edin_password}); the SID comes back as the bearer token:
SID=$(curl -s -X POST {edin_session} -H 'content-type: application/json' -d '{{"email":"{edin_email}","password":"{edin_password}"}}' | sed -E 's/.*"token":"([^"]+)".*/\1/')

# 7. Approval processes; rename one; add a step to it (201 with the whole process), edit it,
#    delete it:
curl -s '{procs}?status=active' -H "authorization: Bearer $SID"
curl -s -X PUT '{proc_url}' -H "authorization: Bearer $SID" -H 'content-type: application/json' -d '{{"name":"Погодження договорів постачання (2026)","companyId":{edin_company}}}'
curl -s -X POST '{steps}' -H "authorization: Bearer $SID" -H 'content-type: application/json' -d '{{"taskType":"notification","execType":"anyOfGroup","agreementGroups":[{{"groupId":{edin_group}}}],"periodDays":1,"priority":1}}'
curl -s -X PUT '{step}' -H "authorization: Bearer $SID" -H 'content-type: application/json' -d '{{"taskType":"approval","execType":"allOfGroup","agreementGroups":[{{"groupId":{edin_group}}}]}}'
curl -s -X DELETE '{step}' -H "authorization: Bearer $SID"

# 8. Groups (the executors a step names): list, create one, set its members (the list replaces
#    the previous one), find a document type, attach it to a process and detach it again:
curl -s '{edin_groups}?companyId={edin_company}' -H "authorization: Bearer $SID"
curl -s -X POST '{edin_groups}' -H "authorization: Bearer $SID" -H 'content-type: application/json' -d '{{"companyId":{edin_company},"groupName":"Бухгалтерія"}}'
curl -s -X PUT '{edin_group_members}' -H "authorization: Bearer $SID" -H 'content-type: application/json' -d '{{"users":[{{"userId":{edin_user}}}]}}'
curl -s '{document_types}?companyId={edin_company}&limit=5' -H "authorization: Bearer $SID"
curl -s -X PUT '{attach}?companyId={edin_company}' -H "authorization: Bearer $SID"
curl -s -X DELETE '{attach}?companyId={edin_company}' -H "authorization: Bearer $SID"

#    One group, renamed (its members stay); deleting it is a 409 while a step uses it (204 once
#    none does):
curl -s '{edin_group_url}' -H "authorization: Bearer $SID"
curl -s -X PUT '{edin_group_url}' -H "authorization: Bearer $SID" -H 'content-type: application/json' -d '{{"groupName":"Бухгалтерія і склад"}}'
curl -si -X DELETE '{edin_group_url}' -H "authorization: Bearer $SID"

#    Block a process, then make it usable again (204 each):
curl -si -X PUT '{edin_status}' -H "authorization: Bearer $SID" -H 'content-type: application/json' -d '{{"status":"blocked"}}'
curl -si -X PUT '{edin_status}' -H "authorization: Bearer $SID" -H 'content-type: application/json' -d '{{"status":"active"}}'

# 9. Log out (204); the session id is dead afterwards:
curl -si -X DELETE '{edin_logout}' -H "authorization: Bearer $SID"

# 10. As a managed client (a service account): one API key, no login, no token. The gateway holds
#     the client's credentials (here an OpenID Connect refresh token for Diadoc and an EDIN login,
#     written to {clients_file}), renews them itself and keeps Kontur's limits (4 at once, 100/s):
curl -s {orgs} -H 'x-api-key: {api_key}'
curl -s '{procs}?status=active' -H 'x-api-key: {api_key}'

Press Ctrl-C to stop.
"#,
        upstream = sandbox.base_url(),
        other = edi_sandbox::OTHER_LOGIN,
        other_pw = edi_sandbox::OTHER_PASSWORD,
        docs = docs.join(","),
        entity = files.entity,
        large = files.large,
        large_mb = sandbox.large_entity_bytes() / (1024 * 1024),
        print_form = files.print_form,
        archive = files.archive,
        partners = partnerships(base, seed),
        edin_email = edi_sandbox::EDIN_DEMO_EMAIL,
        edin_password = edi_sandbox::EDIN_DEMO_PASSWORD,
        api_key = DEMO_API_KEY,
        clients_file = clients_file.display(),
    )
}

/// The partnership commands (issue 16), with counteragents of the first box in each state.
fn partnerships(base: &str, seed: &edi_sandbox::Seed) -> String {
    use edi_proto::diadoc::api::proto::CounteragentStatus as S;
    let box_id = seed.first_box_id_guid();
    let pick = |status: S, with_document: bool| {
        seed.counteragents
            .first()
            .into_iter()
            .flatten()
            .find(|c| {
                c.current_status == Some(status as i32)
                    && c.invitation_document_id.is_some() == with_document
                    && c.organization.is_roaming != Some(true)
            })
            .and_then(|c| c.organization.boxes.first())
            .map_or_else(String::new, |b| b.box_id_guid.clone())
    };
    let one = |counteragent: &str| {
        url(
            base,
            &diadoc::GET_BOX_COUNTERAGENT,
            &[("boxId", box_id), ("counteragentBoxId", counteragent)],
        )
    };
    let partner = one(&pick(S::IsMyCounteragent, false));
    let invited_with_document = one(&pick(S::IsInvitedByMe, true));
    let stranger = pick(S::NotInCounteragentList, false);
    let inviter = pick(S::InvitesMe, false);
    let acquire = url(base, &diadoc::ACQUIRE_COUNTERAGENT, &[("boxId", box_id)]);
    format!(
        r#"# 6d. Partnerships: one counteragent; invite one (Diadoc runs a task: the gateway waits for
#     it, or answers 202 whose Location is the task's route); accept an invitation; end a
#     partnership (204); an invitation with an attachment cannot be withdrawn this way (409):
curl -s '{partner}' -H "authorization: Bearer $TOKEN"
curl -s -X POST '{acquire}' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{{"boxId":"{stranger}","messageToCounteragent":"Приглашаем к электронному документообороту"}}'
LOCATION=$(curl -s -D - -o /dev/null -X POST '{acquire}' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'prefer: respond-async' -d '{{"boxId":"{inviter}"}}' | tr -d '\r' | sed -n 's/^location: //Ip')
curl -s "{base}$LOCATION" -H "authorization: Bearer $TOKEN"
curl -si -X DELETE '{partner}?comment=Договор%20расторгнут' -H "authorization: Bearer $TOKEN"
curl -s -X DELETE '{invited_with_document}' -H "authorization: Bearer $TOKEN"
"#
    )
}

/// The account, directory and message commands (the user, an organization, a box, a message
/// and one of its documents, sending a message, turning the seeded template into one).
fn messages_section(base: &str, sandbox: &edi_sandbox::SandboxHandle) -> String {
    let seed = sandbox.seed();
    let box_id = seed.first_box_id_guid();
    let partner = seed.counteragent_box_id_guid();
    let (message_id, document_id) = seed.document_ids().first().cloned().unwrap_or_default();
    let me = url(base, &diadoc::GET_ME, &[]);
    let org = url(
        base,
        &diadoc::GET_ORGANIZATION,
        &[("orgId", seed.first_org_id())],
    );
    let the_box = url(base, &diadoc::GET_BOX, &[("boxId", box_id)]);
    let message = url(
        base,
        &diadoc::GET_MESSAGE,
        &[("boxId", box_id), ("messageId", &message_id)],
    );
    let document = url(
        base,
        &diadoc::GET_DOCUMENT,
        &[
            ("boxId", box_id),
            ("messageId", &message_id),
            ("documentId", &document_id),
        ],
    );
    let send = url(base, &diadoc::POST_MESSAGE, &[("boxId", box_id)]);
    let template_id = seed.template_id();
    let transform = url(
        base,
        &diadoc::TRANSFORM_TEMPLATE,
        &[("boxId", box_id), ("templateId", &template_id)],
    );
    let template_document = seed.template_document_id();
    format!(
        r#"
# 6a. Me, an organization and a box from the Diadoc directory:
curl -s {me} -H "authorization: Bearer $TOKEN"
curl -s {org} -H "authorization: Bearer $TOKEN"
curl -s {the_box} -H "authorization: Bearer $TOKEN"

# 6b. A message, and one of its documents (contents only with includeContent=true):
curl -s '{message}' -H "authorization: Bearer $TOKEN"
curl -s '{document}?includeContent=true' -H "authorization: Bearer $TOKEN"

# 6c. Send a message from the box (fromBoxId comes from the path; at most 40 documents), once
#     however often it is retried, then turn the seeded template into a message:
curl -s -X POST '{send}' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'idempotency-key: demo-message-1' -d '{{"toBoxId":"{partner}","documentAttachments":[{{"signedContent":{{"content":"JVBERi0xLjQK","signature":"c2lnbmF0dXJl"}},"typeNamedId":"Nonformalized","needRecipientSignature":true,"metadata":[{{"key":"FileName","value":"contract.pdf"}}]}}]}}'
curl -s -X POST '{transform}' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'idempotency-key: demo-transform-1' -d '{{"documentTransformations":[{{"documentId":"{template_document}","customDocumentId":"demo-1"}}]}}'
"#
    )
}

/// The file routes' URLs with real ids.
struct DemoFiles {
    entity: String,
    large: String,
    print_form: String,
    archive: String,
}

fn demo_files(base: &str, seed: &edi_sandbox::Seed) -> DemoFiles {
    let box_id = seed.first_box_id_guid();
    let entity = seed
        .documents_in(box_id)
        .next()
        .map_or_else(String::new, |d| {
            url(
                base,
                &diadoc::GET_ENTITY_CONTENT,
                &[
                    ("boxId", box_id),
                    ("messageId", &d.document.message_id),
                    ("entityId", &d.document.entity_id),
                ],
            )
        });
    let large = seed.large_entity().map_or_else(String::new, |l| {
        url(
            base,
            &diadoc::GET_ENTITY_CONTENT,
            &[
                ("boxId", &l.box_id),
                ("messageId", &l.message_id),
                ("entityId", &l.entity_id),
            ],
        )
    });
    let document = |route: &Route| {
        seed.document_with_print_form()
            .map_or_else(String::new, |d| {
                url(
                    base,
                    route,
                    &[
                        ("boxId", box_id),
                        ("messageId", &d.document.message_id),
                        ("documentId", &d.document.entity_id),
                    ],
                )
            })
    };
    DemoFiles {
        entity,
        large,
        print_form: document(&diadoc::GET_DOCUMENT_PRINT_FORM),
        archive: document(&diadoc::GET_DOCUMENT_ARCHIVE),
    }
}
