//! The deterministic seed: the same users, organizations, boxes, counteragents and documents on
//! every run. Ids follow reference/diadoc/api.md, "Identifiers": GUIDs in lower-case 8-4-4-4-12
//! form, `Box.BoxId` = 32 hex + `@diadoc.ru` with `BoxIdGuid` the same 128 bits dashed, and
//! `IndexKey`s of 48 upper-case hex characters.

use edi_proto::diadoc::api::proto as dap;

/// The demo user's login.
pub const DEMO_LOGIN: &str = "demo";
/// The demo user's password.
pub const DEMO_PASSWORD: &str = "demo";
/// A second user, who sees one other organization only.
pub const OTHER_LOGIN: &str = "other";
/// The second user's password.
pub const OTHER_PASSWORD: &str = "other";

/// .NET ticks at the Unix epoch (api.md, "Time values").
const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
/// 2024-01-01T00:00:00Z in .NET ticks.
const SEED_START_TICKS: i64 = UNIX_EPOCH_TICKS + 1_704_067_200 * 10_000_000;

/// A seeded user.
#[derive(Debug, Clone)]
pub struct User {
    /// Login.
    pub login: &'static str,
    /// Password.
    pub password: &'static str,
    /// Indexes into [`Seed::orgs`] this user can access.
    pub orgs: Vec<usize>,
}

/// A seeded document of the first box.
#[derive(Debug, Clone)]
pub struct SeedDocument {
    /// The metadata GetDocuments returns.
    pub document: dap::documents::Document,
    /// Its content bytes (left out of GetDocuments; injected by GetDocflows on request).
    pub content: bytes::Bytes,
    /// Inbound or outbound.
    pub inbound: bool,
}

/// Everything the sandbox serves.
#[derive(Debug, Clone)]
pub struct Seed {
    /// Users and the organizations they see.
    pub users: Vec<User>,
    /// Organizations with their boxes.
    pub orgs: Vec<dap::Organization>,
    /// Counteragents per organization index, in index-key order.
    pub counteragents: Vec<Vec<dap::Counteragent>>,
    /// Documents of the first organization's box, in index-key order.
    pub documents: Vec<SeedDocument>,
}

/// A stable 128-bit value from a name (FNV-1a, twice with different offsets).
fn hash128(name: &str) -> u128 {
    let fnv = |offset: u64| {
        name.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    (u128::from(fnv(0xcbf2_9ce4_8422_2325)) << 64) | u128::from(fnv(0x8422_2325_cbf2_9ce4))
}

/// A GUID derived from `name`.
pub fn guid(name: &str) -> String {
    let h = format!("{:032x}", hash128(name));
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn index_key(n: usize, salt: &str) -> String {
    format!("{n:08X}{:040X}", hash128(salt) >> 8)[..48].to_owned()
}

const NAMES: &[&str] = &[
    "Ромашка",
    "Лютик",
    "Василёк",
    "Северный ветер",
    "Уральские самоцветы",
    "Балтийская верфь",
    "Сибирский кедр",
    "Волжский хлеб",
    "Кама-Логистик",
    "Приокские сады",
    "Тульский пряник",
    "Альфа-Снаб",
    "Стройресурс",
    "Техноком",
    "Агроинвест",
    "Медтехника",
];
const FORMS: &[(&str, &str)] = &[
    ("ООО", "Общество с ограниченной ответственностью"),
    ("АО", "Акционерное общество"),
    ("ПАО", "Публичное акционерное общество"),
];

fn organization(i: usize, short: &str, full: &str) -> dap::Organization {
    let inn = format!("77{:08}", 10_000_000 + i * 7919 % 90_000_000);
    let kpp = format!("77{:02}01001", i % 50);
    let org_id = guid(&format!("org-{i}"));
    let box_guid = guid(&format!("box-{i}"));
    let boxes = vec![dap::Box {
        box_id: format!("{}@diadoc.ru", box_guid.replace('-', "")),
        box_id_guid: box_guid,
        title: short.to_owned(),
        ..Default::default()
    }];
    dap::Organization {
        org_id,
        fns_participant_id: Some(format!("2BM-{inn}-{kpp}-20240710110440{:07}", i)),
        inn,
        kpp: Some(kpp),
        full_name: full.to_owned(),
        short_name: Some(short.to_owned()),
        boxes,
        ogrn: Some(format!("1027700{:06}", 100_000 + i)),
        is_active: Some(true),
        sociability: dap::Sociability::AllOrganizations as i32,
        organization_type: dap::OrganizationType::Juridical as i32,
        ready_for_epd_status: dap::ReadyForEpdStatus::Ready as i32,
        ..Default::default()
    }
}

fn named_org(i: usize) -> dap::Organization {
    let name = NAMES[i % NAMES.len()];
    let (form, form_full) = FORMS[i % FORMS.len()];
    let suffix = if i >= NAMES.len() {
        format!("-{}", i / NAMES.len())
    } else {
        String::new()
    };
    organization(
        i,
        &format!("{form} «{name}{suffix}»"),
        &format!("{form_full} «{name}{suffix}»"),
    )
}

impl Seed {
    /// The demo seed: users `demo` (organizations 0 and 1) and `other` (organization 2);
    /// 250 counteragents on organization 0, a few on the others; 60 documents in box 0.
    pub fn demo() -> Self {
        let orgs: Vec<dap::Organization> = (0..3).map(named_org).collect();
        let statuses = [
            dap::CounteragentStatus::IsMyCounteragent,
            dap::CounteragentStatus::IsMyCounteragent,
            dap::CounteragentStatus::InvitesMe,
            dap::CounteragentStatus::IsInvitedByMe,
            dap::CounteragentStatus::RejectsMe,
            dap::CounteragentStatus::IsRejectedByMe,
        ];
        let counteragents = [250usize, 7, 5]
            .iter()
            .enumerate()
            .map(|(o, &n)| {
                (0..n)
                    .map(|k| {
                        let i = 100 + o * 1000 + k;
                        let mut org = named_org(i);
                        org.departments.clear(); // api.md: always empty in GetCounteragents
                        dap::Counteragent {
                            index_key: Some(index_key(k + 1, &format!("ca-{o}-{k}"))),
                            organization: org,
                            current_status: Some(statuses[k % statuses.len()] as i32),
                            last_event_timestamp_ticks: SEED_START_TICKS
                                + (k as i64) * 3_600 * 10_000_000 * 7,
                            ..Default::default()
                        }
                    })
                    .collect()
            })
            .collect::<Vec<Vec<_>>>();
        let first = &counteragents[0];
        let types = [
            ("Nonformalized", dap::DocumentType::Nonformalized),
            (
                "UniversalTransferDocument",
                dap::DocumentType::UniversalTransferDocument,
            ),
            ("Invoice", dap::DocumentType::Invoice),
        ];
        let documents = (0..60)
            .map(|k| {
                let (type_id, doc_type) = types[k % types.len()];
                let inbound = k % 3 != 2;
                let ticks = SEED_START_TICKS + (k as i64) * 86_400 * 10_000_000;
                // Sizes vary so that a full batch with content passes the 1 MiB cap (api.md).
                let size = 2_000 + (k % 5) * 9_000;
                let content = bytes::Bytes::from(
                    format!("<Документ номер=\"{}\"/>", k + 1)
                        .repeat(size / 30)
                        .into_bytes(),
                );
                let counteragent = &first[k % first.len()].organization.boxes[0].box_id_guid;
                let document = dap::documents::Document {
                    index_key: Some(index_key(k + 1, &format!("doc-{k}"))),
                    message_id: guid(&format!("msg-{k}")),
                    entity_id: guid(&format!("ent-{k}")),
                    creation_timestamp_ticks: ticks,
                    counteragent_box_id: Some(counteragent.clone()),
                    document_type: Some(doc_type as i32),
                    file_name: Some(format!("document-{}.xml", k + 1)),
                    document_date: Some(format!("{:02}.{:02}.2024", 1 + k % 28, 1 + k % 12)),
                    document_number: Some(format!("{}", 1000 + k)),
                    send_timestamp_ticks: (!inbound).then_some(ticks),
                    delivery_timestamp_ticks: inbound.then_some(ticks),
                    document_direction: Some(if inbound {
                        dap::DocumentDirection::Inbound
                    } else {
                        dap::DocumentDirection::Outbound
                    } as i32),
                    is_read: Some(k % 4 != 0),
                    type_named_id: type_id.to_owned(),
                    function: "default".to_owned(),
                    title: format!("Документ № {}", 1000 + k),
                    version: "v1".to_owned(),
                    workflow_id: 1,
                    ..Default::default()
                };
                SeedDocument {
                    document,
                    content,
                    inbound,
                }
            })
            .collect();
        Self {
            users: vec![
                User {
                    login: DEMO_LOGIN,
                    password: DEMO_PASSWORD,
                    orgs: vec![0, 1],
                },
                User {
                    login: OTHER_LOGIN,
                    password: OTHER_PASSWORD,
                    orgs: vec![2],
                },
            ],
            orgs,
            counteragents,
            documents,
        }
    }

    /// The first organization's id.
    pub fn first_org_id(&self) -> &str {
        &self.orgs[0].org_id
    }

    /// The first organization's box, GUID form.
    pub fn first_box_id_guid(&self) -> &str {
        &self.orgs[0].boxes[0].box_id_guid
    }

    /// (messageId, entityId) of every seeded document.
    pub fn document_ids(&self) -> Vec<(String, String)> {
        self.documents
            .iter()
            .map(|d| (d.document.message_id.clone(), d.document.entity_id.clone()))
            .collect()
    }

    /// The organization index owning `box_id` (GUID or `@diadoc.ru` form, any case).
    pub fn org_of_box(&self, box_id: &str) -> Option<usize> {
        let wanted = box_id.to_ascii_lowercase();
        self.orgs.iter().position(|o| {
            o.boxes
                .iter()
                .any(|b| b.box_id_guid == wanted || b.box_id == wanted)
        })
    }

    /// The organization index with id `org_id`.
    pub fn org_by_id(&self, org_id: &str) -> Option<usize> {
        let wanted = org_id.to_ascii_lowercase();
        self.orgs.iter().position(|o| o.org_id == wanted)
    }
}
