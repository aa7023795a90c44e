//! The seeded template: one UTD that the first box's first counteragent prepared for ООО
//! «Ромашка» to send back (`MessageFromBoxId` = Ромашка's box, so Ромашка may turn it into a
//! message with TransformTemplateToMessage). Built on demand from the seed, the same every run.

use bytes::Bytes;
use edi_proto::diadoc::api::proto as dap;

use super::Seed;
use super::ids::{guid, ticks_from_unix};
use dap::events as ev;

/// The seeded template's id.
pub(crate) fn template_id() -> String {
    guid("seed-template-0")
}

/// The id of the seeded template's one document.
pub(crate) fn template_document_id() -> String {
    guid("seed-template-0-entity-0")
}

/// Every seeded template.
pub(crate) fn demo(seed: &Seed) -> Vec<ev::Template> {
    let mine = seed.first_box_id_guid().to_owned();
    let partner = seed.counteragent_box_id_guid().to_owned();
    if mine.is_empty() || partner.is_empty() {
        return Vec::new();
    }
    let ticks = ticks_from_unix(1_733_130_000);
    let content = Bytes::from_static(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Файл ВерсФорм=\"5.03\">\n  \
         <Документ КНД=\"1115131\" Функция=\"СЧФДОП\">\n    \
         <СвСчФакт НомерДок=\"Ш-1\" ДатаДок=\"02.12.2024\"/>\n  </Документ>\n</Файл>\n"
            .as_bytes(),
    );
    vec![ev::Template {
        message_id: template_id(),
        timestamp_ticks: ticks,
        from_box_id: partner.clone(),
        to_box_id: mine.clone(),
        message_from_box_id: mine,
        message_to_box_id: partner,
        entities: vec![ev::Entity {
            entity_type: Some(ev::EntityType::Attachment as i32),
            entity_id: template_document_id(),
            content: Some(dap::Content {
                size: i32::try_from(content.len()).unwrap_or(i32::MAX),
                data: Some(content),
            }),
            attachment_type: Some(ev::AttachmentType::UniversalTransferDocument as i32),
            file_name: Some("Шаблон_УПД_Ш-1.xml".to_owned()),
            need_recipient_signature: Some(true),
            raw_creation_date: Some(ticks),
            content_type_id: Some("UniversalTransferDocument.СЧФДОП.utd970_05_03_01".to_owned()),
            version: Some("utd970_05_03_01".to_owned()),
            ..Default::default()
        }],
        is_deleted: Some(false),
        lock_mode: dap::LockMode::None as i32,
        ..Default::default()
    }]
}
