//! Generates the seeded documents of one box: kinds, directions, dates, numbers, contents and
//! answers cycle with the document's position, so the lists are mixed and the same every run.

use bytes::Bytes;
use edi_proto::diadoc::api::proto as dap;

use super::{DocumentKind, Response, SeedDocument, SeedEvent};
use crate::cms;
use crate::seed::Seed;
use crate::seed::content::{self, Header};
use crate::seed::ids::{
    HEAD_DEPARTMENT_ID, TICKS_PER_SECOND, document_date, guid, index_key, ticks_from_unix,
};
use dap::documents as docs;

/// Content sizes, cycled: sixty documents come to slightly more than GetDocflows' 1 MiB cap.
const SIZES: [usize; 5] = [4_000, 8_000, 14_000, 22_000, 38_000];
/// 2024-11-04T09:00:00Z, Unix seconds: the first seeded document.
const START: i64 = 1_730_710_800;

/// `count` documents for the box `box_index`, exchanged with the owner's partners.
pub(crate) fn for_box(seed: &Seed, box_index: usize, count: usize) -> Vec<SeedDocument> {
    let own_box = &seed.boxes[box_index];
    let me = &seed.orgs[own_box.org];
    let partners: Vec<&dap::Organization> = seed.counteragents[own_box.org]
        .iter()
        .filter(|c| c.current_status == Some(dap::CounteragentStatus::IsMyCounteragent as i32))
        .map(|c| &c.organization)
        .filter(|o| o.org_id != me.org_id)
        .take(12)
        .collect();
    (0..count)
        .filter_map(|k| {
            let partner = partners.get(k % partners.len().max(1))?;
            Some(document(box_index, k, me, &own_box.box_id_guid, partner))
        })
        .collect()
}

fn document(
    b: usize,
    k: usize,
    me: &dap::Organization,
    my_box: &str,
    partner: &dap::Organization,
) -> SeedDocument {
    let kind = DocumentKind::ALL[k % DocumentKind::ALL.len()];
    let inbound = k % 3 != 2;
    let partner_box = partner.boxes.first().map_or("", |b| b.box_id_guid.as_str());
    let (seller, buyer) = if inbound {
        (partner, me)
    } else {
        (me, partner)
    };
    let (sender_box, recipient_box) = if inbound {
        (partner_box, my_box)
    } else {
        (my_box, partner_box)
    };
    let secs = START + (k as i64) * (7 * 86_400 + 11_820) + (b as i64) * 18_000;
    let sent = ticks_from_unix(secs) + (k as i64 * 7_654_321) % TICKS_PER_SECOND;
    let delivered = sent + 2 * TICKS_PER_SECOND;
    let date = document_date(secs);
    let number = match kind {
        DocumentKind::Nonformalized => format!("Д-{}", 1000 + k),
        DocumentKind::ProformaInvoice => format!("СЧ-{}", 1000 + k),
        _ => format!("{}", 1000 + k),
    };
    let entity_id = guid(&format!("entity-{b}-{k}"));
    let compact_date: String = date.split('.').rev().collect();
    let file_id = format!(
        "ON_NSCHFDOPPR_{}_{}_{compact_date}_{entity_id}",
        buyer.inn, seller.inn
    );
    let name = |o: &dap::Organization| o.short_name.clone().unwrap_or_else(|| o.full_name.clone());
    let (seller_name, buyer_name) = (name(seller), name(buyer));
    let header = Header {
        number: &number,
        date: &date,
        seller: &seller_name,
        seller_inn: &seller.inn,
        buyer: &buyer_name,
        buyer_inn: &buyer.inn,
        file_id: &file_id,
    };
    let content = content::build(kind, &header, SIZES[k % SIZES.len()]);
    let (file_name, title) = match kind {
        DocumentKind::Nonformalized => (
            format!("Договор_поставки_{number}.pdf"),
            format!("Договор поставки № {number} от {date}"),
        ),
        DocumentKind::UniversalTransferDocument => (
            format!("{file_id}.xml"),
            format!("УПД № {number} от {date}"),
        ),
        DocumentKind::Invoice => (
            format!("{file_id}.xml"),
            format!("Счёт-фактура № {number} от {date}"),
        ),
        DocumentKind::ProformaInvoice => (
            format!("Счет_на_оплату_{number}.pdf"),
            format!("Счёт на оплату № {number} от {date}"),
        ),
    };
    let answered_at = sent + (1 + (k as i64) % 4) * 86_400 * TICKS_PER_SECOND;
    let response = if !kind.needs_recipient_signature() {
        Response::NotRequested
    } else {
        match (k / 2) % 5 {
            0 => Response::Waiting,
            4 => Response::Rejected {
                entity_id: guid(&format!("rejection-{b}-{k}")),
                comment: "Неверно указана цена в строке 3".to_owned(),
                content: rejection(&number, &date),
                at: answered_at,
            },
            _ => Response::Signed {
                entity_id: guid(&format!("recipient-signature-{b}-{k}")),
                signature: Bytes::from(cms::detached_signature(recipient_box, &content.bytes)),
                at: answered_at,
            },
        }
    };
    let revoked = b == 0 && (k == 17 || k == 43);
    let mut events = vec![SeedEvent {
        event_id: guid(&format!("event-sent-{b}-{k}")),
        ticks: sent,
    }];
    if let Response::Signed { at, .. } | Response::Rejected { at, .. } = &response {
        events.push(SeedEvent {
            event_id: guid(&format!("event-answer-{b}-{k}")),
            ticks: *at,
        });
    }
    if revoked {
        events.push(SeedEvent {
            event_id: guid(&format!("event-revoked-{b}-{k}")),
            ticks: sent + 10 * 86_400 * TICKS_PER_SECOND,
        });
    }
    let mut metadata = vec![item("DocumentNumber", &number), item("DocumentDate", &date)];
    if content.total > 0 {
        let money = |v: u64| format!("{}.{:02}", v / 100, v % 100);
        metadata.push(item("TotalSum", &money(content.total)));
        metadata.push(item("TotalVat", &money(content.vat)));
    }
    let mut seeded = SeedDocument {
        box_index: b,
        kind,
        inbound,
        sender_box_id: sender_box.to_owned(),
        recipient_box_id: recipient_box.to_owned(),
        document: docs::Document::default(),
        sender_signature_id: guid(&format!("sender-signature-{b}-{k}")),
        sender_signature: Bytes::from(cms::detached_signature(sender_box, &content.bytes)),
        content: content.bytes,
        response,
        revoked,
        events,
    };
    let (severity, text) = seeded.status_text();
    let not_acceptable = docs::GeneralReceiptStatus::NotAcceptable as i32;
    seeded.document = docs::Document {
        index_key: Some(index_key(k + 1, &format!("document-{b}-{k}"))),
        message_id: guid(&format!("message-{b}-{k}")),
        entity_id,
        creation_timestamp_ticks: sent,
        counteragent_box_id: Some(partner_box.to_owned()),
        document_type: Some(kind.document_type() as i32),
        content: Some(dap::Content {
            size: i32::try_from(seeded.content.len()).unwrap_or(i32::MAX),
            data: None,
        }),
        file_name: Some(file_name),
        document_date: Some(date),
        document_number: Some(number),
        is_deleted: Some(false),
        department_id: Some(HEAD_DEPARTMENT_ID.to_owned()),
        is_test: Some(false),
        revocation_status: Some(if revoked {
            docs::RevocationStatus::RevocationAccepted
        } else {
            docs::RevocationStatus::None
        } as i32),
        send_timestamp_ticks: Some(sent),
        delivery_timestamp_ticks: Some(delivered),
        document_direction: Some(if inbound {
            dap::DocumentDirection::Inbound
        } else {
            dap::DocumentDirection::Outbound
        } as i32),
        last_modification_timestamp_ticks: seeded.events.last().map(|e| e.ticks),
        is_encrypted_content: Some(false),
        sender_signature_status: Some(
            docs::SenderSignatureStatus::SenderSignatureCheckedAndValid as i32,
        ),
        is_read: Some(!(inbound && k % 4 == 1)),
        type_named_id: kind.type_named_id().to_owned(),
        function: kind.function().to_owned(),
        workflow_id: 1,
        title,
        version: kind.version().to_owned(),
        metadata,
        recipient_receipt_metadata: docs::RecipientReceiptMetadata {
            receipt_status: not_acceptable,
            confirmation_metadata: None,
        },
        confirmation_metadata: docs::ConfirmationMetadata {
            receipt_status: not_acceptable,
            date_time_ticks: 0,
        },
        recipient_response_status: seeded.response_status() as i32,
        amendment_request_metadata: docs::AmendmentRequestMetadata {
            amendment_flags: 0,
            receipt_status: not_acceptable,
        },
        lock_mode: dap::LockMode::None as i32,
        sender_receipt_metadata: docs::SenderReceiptMetadata {
            receipt_status: not_acceptable,
        },
        docflow_status: dap::DocflowStatusV3 {
            primary_status: dap::DocflowStatusModelV3 {
                severity: Some(severity.to_owned()),
                status_text: Some(text.to_owned()),
            },
            ..Default::default()
        },
        ..Default::default()
    };
    seeded
}

fn item(key: &str, value: &str) -> dap::events::MetadataItem {
    dap::events::MetadataItem {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

/// A refusal to sign (уведомление об уточнении), small XML.
fn rejection(number: &str, date: &str) -> Bytes {
    Bytes::from(format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Файл ВерсФорм=\"1.02\">\n  \
         <Документ КНД=\"1115113\">\n    <СвУведУточ>\n      \
         <СведПолФайл НомерДок=\"{number}\" ДатаДок=\"{date}\"/>\n      \
         <ТекстУведУточ>Неверно указана цена в строке 3</ТекстУведУточ>\n    \
         </СвУведУточ>\n  </Документ>\n</Файл>\n"
    ))
}
