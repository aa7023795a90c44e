//! The methods that hand out files (raw bytes, not protobuf), api.md sections GetEntityContent,
//! GeneratePrintForm and GenerateDocumentZip, plus `GET /V2/ShelfDownload` (lifecycle.md §1.2:
//! the unprefixed ShelfDownload is removed; openapi-operations.tsv: V2 takes `fileName`).
//!
//! * `GET /V4/GetEntityContent?boxId=&messageId=&entityId=`: the bytes of a document, of a
//!   signature, or of a refusal in the message; 404 for no such message or entity. Every reply is
//!   `application/octet-stream` (openapi-operations.tsv) with no `Content-Disposition` — UNKNOWN
//!   in api.md whether Diadoc sends one; the sandbox's choice: none. The first box's first
//!   message also holds one **large entity** ([`Seed::large_entity`]), `large_entity_bytes`
//!   long (builder, default 50 MiB), generated as it is sent, so the sandbox never holds it.
//! * `GET /GeneratePrintForm?boxId=&messageId=&documentId=`: the first `print_form_polls` calls
//!   per document (builder, default 1) answer **204 + `Retry-After`, empty body** (the docs'
//!   status; the C# SDK would want 200, the C++ SDK takes either — the sandbox's choice follows
//!   the docs); then a PDF with `Content-Type: application/pdf` and
//!   `Content-Disposition: attachment; filename="…"; filename*=UTF-8''…`. Formalized kinds
//!   (УПД, счёт-фактура) have a print form; the others (PDFs already) get 409 with the text
//!   api.md quotes — the sandbox's choice of which kinds.
//! * `GET /GenerateDocumentZip?boxId=&messageId=&documentId=&fullDocflow=`: `fullDocflow` is
//!   required (`true`/`false` in either case). The pending shape is UNKNOWN in api.md (the docs
//!   say 204; the structure page and the C# SDK a body with an empty name); the sandbox's
//!   choice: the first `zip_polls` calls per (document, fullDocflow) answer **200 +
//!   `Retry-After` + a `DocumentZipGenerationResult` with no `ZipFileNameOnShelf`**; then 200
//!   with the name, the same name on every later call. The sandbox never answers 409 here.
//! * `GET /V2/ShelfDownload?fileName=`: the archive's bytes (`application/octet-stream`), a zip
//!   with stored (uncompressed) entries named by entity id — the document, the sender's
//!   signature, and with `fullDocflow` the recipient's answer; 404 for a name never handed out.
//!   `makeBase64` is ignored.
//!
//! Order of checks as in `protocol.rs`: 401, 400, 403 (box), 404, 409. Refused calls do not
//! count as polls.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use edi_proto::diadoc::api::proto as dap;
use prost::Message as _;

use super::{Outcome, user_box};
use crate::call::Call;
use crate::pdf;
use crate::reply::{Refusal, Reply};
use crate::seed::{DocumentKind, Response as Answer, Seed, SeedDocument, ids};
use crate::state::Shared;

/// The default size of the large entity: 50 MiB.
pub const LARGE_ENTITY_BYTES: u64 = 50 * 1024 * 1024;

/// Chunks of a generated body.
const CHUNK: usize = 64 * 1024;

/// The text api.md quotes for a kind without a print form.
const NO_PRINT_FORM: &str = "Generating print form for this type of document is not supported";

/// An archive's key: (box, message id, entity id, fullDocflow).
type ZipKey = (usize, String, String, bool);

/// Poll counts and the shelf.
#[derive(Debug, Default)]
pub(crate) struct Files {
    /// GeneratePrintForm calls per (box, message id, entity id).
    print_forms: HashMap<(usize, String, String), u32>,
    /// GenerateDocumentZip calls and the name handed out, per (box, message, entity, full).
    zips: HashMap<ZipKey, (u32, Option<String>)>,
    /// Names on the shelf: the document (index into `Seed::documents`) and `fullDocflow`.
    shelf: HashMap<String, (usize, bool)>,
}

/// The body of a file reply.
#[derive(Debug)]
pub(crate) enum FileBody {
    /// Bytes at hand.
    Bytes(Bytes),
    /// [`generated`] bytes of this length, produced as they are sent.
    Generated(u64),
}

/// The ids of the seeded large entity (GetEntityContent).
#[derive(Debug, Clone)]
pub struct LargeEntity {
    /// The box (GUID form): the first box.
    pub box_id: String,
    /// The message: the first box's first document's.
    pub message_id: String,
    /// The entity id.
    pub entity_id: String,
}

impl Seed {
    /// The large entity in the first box's first message, whose content GetEntityContent
    /// generates as it sends it (`large_entity_bytes`, default 50 MiB). Not listed by the
    /// document methods: it exists for downloads only.
    pub fn large_entity(&self) -> Option<LargeEntity> {
        let first = self.documents_in(self.first_box_id_guid()).next()?;
        Some(LargeEntity {
            box_id: self.first_box_id_guid().to_owned(),
            message_id: first.document.message_id.clone(),
            entity_id: ids::guid("large-entity"),
        })
    }

    /// The first document of the first box that has a print form (GeneratePrintForm).
    pub fn document_with_print_form(&self) -> Option<&SeedDocument> {
        self.documents_in(self.first_box_id_guid())
            .find(|d| has_print_form(d.kind))
    }

    /// The first document of the first box without a print form (GeneratePrintForm → 409).
    pub fn document_without_print_form(&self) -> Option<&SeedDocument> {
        self.documents_in(self.first_box_id_guid())
            .find(|d| !has_print_form(d.kind))
    }
}

/// Whether GeneratePrintForm makes a print form for this kind: the formalized (XML) ones.
pub fn has_print_form(kind: DocumentKind) -> bool {
    matches!(
        kind,
        DocumentKind::UniversalTransferDocument | DocumentKind::Invoice
    )
}

/// `len` bytes of the large entity from `offset` on: a fixed pseudo-random sequence (splitmix64
/// of each 8-byte block's index), the same on every run, so a test can check what it received.
pub fn generated(offset: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut p = offset;
    while out.len() < len {
        let block = splitmix64(p / 8).to_le_bytes();
        let from = usize::try_from(p % 8).unwrap_or(0);
        let take = (8 - from).min(len - out.len());
        out.extend_from_slice(&block[from..from + take]);
        p += take as u64;
    }
    out
}

fn splitmix64(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The documents of message `message_id` in box `b`: 404 when there are none.
fn message_documents<'a>(
    shared: &'a Shared,
    b: usize,
    message_id: &str,
) -> Result<Vec<(usize, &'a SeedDocument)>, Refusal> {
    let found: Vec<_> = shared
        .seed
        .documents
        .iter()
        .enumerate()
        .filter(|(_, d)| d.box_index == b && d.document.message_id == message_id)
        .collect();
    if found.is_empty() {
        return Err(Refusal::NotFound(format!(
            "Message {message_id} is not found in the box"
        )));
    }
    Ok(found)
}

/// The document `document_id` of the message: (index into `Seed::documents`, document).
fn find_document<'a>(
    shared: &'a Shared,
    call: &Call,
    user: usize,
) -> Result<(usize, usize, &'a SeedDocument), Refusal> {
    let b = user_box(shared, call, user, "boxId")?;
    let message_id = call.guid("messageId")?;
    let document_id = call.guid("documentId")?;
    let (i, d) = message_documents(shared, b, &message_id)?
        .into_iter()
        .find(|(_, d)| d.document.entity_id == document_id)
        .ok_or_else(|| {
            Refusal::NotFound(format!(
                "Document {document_id} is not found in message {message_id}"
            ))
        })?;
    Ok((b, i, d))
}

/// `GET /V4/GetEntityContent`.
pub(crate) fn entity_content(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "boxId")?;
    let message_id = call.guid("messageId")?;
    let entity_id = call.guid("entityId")?;
    let documents = message_documents(shared, b, &message_id)?;
    let large = shared
        .seed
        .large_entity()
        .filter(|l| shared.seed.box_index(&l.box_id) == Some(b) && l.message_id == message_id);
    if large.is_some_and(|l| l.entity_id == entity_id) {
        return Ok(octet_stream(FileBody::Generated(
            shared.settings.large_entity_bytes,
        )));
    }
    let content = documents.iter().find_map(|(_, d)| entity_of(d, &entity_id));
    content
        .map(|c| octet_stream(FileBody::Bytes(c)))
        .ok_or_else(|| {
            Refusal::NotFound(format!(
                "Entity {entity_id} is not found in message {message_id}"
            ))
        })
}

fn octet_stream(body: FileBody) -> Reply {
    Reply::File {
        content_type: "application/octet-stream",
        disposition: None,
        body,
    }
}

/// The content of entity `entity_id` of document `d`, if it is one of its entities.
fn entity_of(d: &SeedDocument, entity_id: &str) -> Option<Bytes> {
    if d.document.entity_id == entity_id {
        return Some(d.content.clone());
    }
    if d.sender_signature_id == entity_id {
        return Some(d.sender_signature.clone());
    }
    match &d.response {
        Answer::Signed {
            entity_id: id,
            signature,
            ..
        } if id == entity_id => Some(signature.clone()),
        Answer::Rejected {
            entity_id: id,
            content,
            ..
        } if id == entity_id => Some(content.clone()),
        _ => None,
    }
}

/// `GET /GeneratePrintForm`.
pub(crate) fn print_form(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let (b, _, d) = find_document(shared, call, user)?;
    if !has_print_form(d.kind) {
        return Err(Refusal::Conflict(NO_PRINT_FORM.to_owned()));
    }
    let calls = {
        let mut state = shared.lock();
        let n = state
            .files
            .print_forms
            .entry((
                b,
                d.document.message_id.clone(),
                d.document.entity_id.clone(),
            ))
            .or_insert(0);
        *n += 1;
        *n
    };
    if calls <= shared.settings.print_form_polls {
        return Ok(Reply::Pending {
            status: StatusCode::NO_CONTENT,
            retry_after: shared.settings.retry_after_secs,
        });
    }
    let doc = &d.document;
    let lines = vec![
        "PRINT FORM".to_owned(),
        "EDI operator: Diadoc (simulated by edi-sandbox)".to_owned(),
        String::new(),
        format!("Document type:   {}", doc.type_named_id),
        format!(
            "Document date:   {}",
            doc.document_date.as_deref().unwrap_or("-")
        ),
        format!("Message id:      {}", doc.message_id),
        format!("Document id:     {}", doc.entity_id),
        format!("Sender box:      {}", d.sender_box_id),
        format!("Recipient box:   {}", d.recipient_box_id),
        format!("Content:         {} bytes", d.content.len()),
    ];
    let name = format!("{}.pdf", stem(doc.file_name.as_deref(), &doc.entity_id));
    Ok(Reply::File {
        content_type: "application/pdf",
        disposition: Some(disposition(&name)),
        body: FileBody::Bytes(Bytes::from(pdf::render("Print form", &lines))),
    })
}

/// A file name without its extension, or `fallback`.
fn stem<'a>(name: Option<&'a str>, fallback: &'a str) -> &'a str {
    match name {
        Some(n) if !n.is_empty() => n.rsplit_once('.').map_or(n, |(s, _)| s),
        _ => fallback,
    }
}

/// `attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>` (RFC 6266): how the
/// sandbox names a file (the exact form Diadoc uses is UNKNOWN; api.md only says the name is in
/// `Content-Disposition`).
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// `GET /GenerateDocumentZip`.
pub(crate) fn document_zip(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let (b, i, d) = find_document(shared, call, user)?;
    let full = call
        .flag("fullDocflow")?
        .ok_or_else(|| Refusal::bad_request("Parameter 'fullDocflow' is required"))?;
    let name = {
        let mut state = shared.lock();
        let key = (
            b,
            d.document.message_id.clone(),
            d.document.entity_id.clone(),
            full,
        );
        let (calls, name) = state.files.zips.entry(key).or_insert((0, None));
        *calls += 1;
        if *calls <= shared.settings.zip_polls {
            None
        } else {
            let name = name
                .get_or_insert_with(|| format!("{}.zip", shared.random_hex(16)))
                .clone();
            state.files.shelf.insert(name.clone(), (i, full));
            Some(name)
        }
    };
    let result = dap::documents::DocumentZipGenerationResult {
        zip_file_name_on_shelf: name.clone(),
    };
    match name {
        Some(_) => super::proto(&result),
        None => Ok(Reply::PendingProto {
            retry_after: shared.settings.retry_after_secs,
            body: result.encode_to_vec(),
        }),
    }
}

/// `GET /V2/ShelfDownload?fileName=`.
pub(crate) fn shelf_download(shared: &Shared, call: &Call, _user: usize) -> Outcome {
    let name = call.required("fileName")?;
    let found = shared.lock().files.shelf.get(name).copied();
    let (i, full) =
        found.ok_or_else(|| Refusal::NotFound(format!("File {name} is not on the shelf")))?;
    let d = &shared.seed.documents[i];
    let ext = d
        .document
        .file_name
        .as_deref()
        .and_then(|n| n.rsplit_once('.'))
        .map_or("bin", |(_, e)| e);
    let mut entries = vec![
        (format!("{}.{ext}", d.document.entity_id), d.content.clone()),
        (
            format!("{}.sgn", d.sender_signature_id),
            d.sender_signature.clone(),
        ),
    ];
    if full {
        match &d.response {
            Answer::Signed {
                entity_id,
                signature,
                ..
            } => entries.push((format!("{entity_id}.sgn"), signature.clone())),
            Answer::Rejected {
                entity_id, content, ..
            } => entries.push((format!("{entity_id}.xml"), content.clone())),
            Answer::NotRequested | Answer::Waiting => {}
        }
    }
    Ok(octet_stream(FileBody::Bytes(Bytes::from(zip(&entries)))))
}

/// A zip archive of `entries` (name, bytes), stored without compression (APPNOTE 6.3: local
/// headers, central directory, end record; no zip64, so each entry stays under 4 GiB).
pub fn zip(entries: &[(String, Bytes)]) -> Vec<u8> {
    // 2026-01-01 00:00 in MS-DOS form.
    const DATE: u16 = ((2026 - 1980) << 9) | (1 << 5) | 1;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let crc = crc32fast::hash(data);
        let size = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let name_len = u16::try_from(name.len()).unwrap_or(u16::MAX);
        let common = |buf: &mut Vec<u8>| {
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
            buf.extend_from_slice(&0u16.to_le_bytes()); // flags
            buf.extend_from_slice(&0u16.to_le_bytes()); // method: stored
            buf.extend_from_slice(&0u16.to_le_bytes()); // time
            buf.extend_from_slice(&DATE.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes()); // compressed
            buf.extend_from_slice(&size.to_le_bytes()); // uncompressed
            buf.extend_from_slice(&name_len.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let count = u16::try_from(entries.len()).unwrap_or(u16::MAX);
    let central_offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
    let central_size = u32::try_from(central.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A file reply as HTTP: `Content-Type`, `Content-Length`, the disposition if any, and the
/// bytes (a generated body in chunks of 64 KiB, each made when the connection asks for it).
pub(crate) fn render(
    content_type: &'static str,
    disposition: Option<String>,
    body: FileBody,
) -> Response {
    let (len, body) = match body {
        FileBody::Bytes(b) => (b.len() as u64, Body::from(b)),
        FileBody::Generated(len) => {
            let chunks = futures_util::stream::unfold(0u64, move |at| async move {
                (at < len).then(|| {
                    let n = usize::try_from((len - at).min(CHUNK as u64)).unwrap_or(CHUNK);
                    let chunk = Bytes::from(generated(at, n));
                    (Ok::<_, std::convert::Infallible>(chunk), at + n as u64)
                })
            });
            (len, Body::from_stream(chunks))
        }
    };
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::OK;
    let headers = r.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Some(value) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_bytes_do_not_depend_on_where_a_chunk_starts() {
        let whole = generated(0, 100);
        assert_eq!(generated(13, 50), whole[13..63]);
        assert_ne!(whole[..8], whole[8..16]);
    }

    #[test]
    fn a_disposition_names_the_file_twice() {
        assert_eq!(
            disposition("Счёт 1.pdf"),
            "attachment; filename=\"____ 1.pdf\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%201.pdf"
        );
    }

    #[test]
    fn a_zip_has_its_end_record() {
        let z = zip(&[("a.txt".to_owned(), Bytes::from_static(b"hello"))]);
        assert_eq!(&z[..4], b"PK\x03\x04");
        assert_eq!(&z[z.len() - 22..z.len() - 18], b"PK\x05\x06");
    }
}
