//! The deterministic seed: the same users, organizations, boxes, counteragents and documents on
//! every run, so tests and the demo can name them. Ids follow reference/diadoc/api.md,
//! "Identifiers" (see [`ids`]).
//!
//! What [`Seed::demo`] holds:
//!
//! | user | password | organizations (boxes) |
//! | --- | --- | --- |
//! | `demo` | `demo` | ООО «Ромашка» (1 box, 250 counteragents, 60 documents); АО «Северный ветер» (2 boxes; the first has templates switched off, 5 documents) |
//! | `other` | `other` | ПАО «Уральские самоцветы» (1 box, 6 documents) |
//!
//! The EDIN (bdoc) data is a separate part, [`Seed::edin`], described in [`edin`].
//!
//! The seed owns data only; how the methods read it lives in `diadoc/` and `edin/`.

mod content;
mod counteragents;
mod documents;
pub mod edin;
pub mod ids;
mod organizations;
pub(crate) mod templates;

use std::sync::LazyLock;

use edi_proto::diadoc::api::proto as dap;

pub use documents::{DocumentKind, Response, SeedDocument, SeedEvent};
pub use edin::{
    EDIN_CAPTCHA_EMAIL, EDIN_CAPTCHA_PASSWORD, EDIN_DEMO_EMAIL, EDIN_DEMO_PASSWORD,
    EDIN_OTHER_EMAIL, EDIN_OTHER_PASSWORD, EdinSeed,
};

/// The demo user's login.
pub const DEMO_LOGIN: &str = "demo";
/// The demo user's password.
pub const DEMO_PASSWORD: &str = "demo";
/// A second user, who sees one other organization only (for 403 and token-isolation tests).
pub const OTHER_LOGIN: &str = "other";
/// The second user's password.
pub const OTHER_PASSWORD: &str = "other";

/// A seeded user.
#[derive(Debug, Clone)]
pub struct SeedUser {
    /// Login for Authenticate.
    pub login: String,
    /// Password for Authenticate.
    pub password: String,
    /// The user's id (a GUID).
    pub user_id: String,
    /// Indexes into [`Seed::orgs`] of the organizations the user can access.
    pub orgs: Vec<usize>,
}

/// A box of one of the users' organizations.
#[derive(Debug, Clone)]
pub struct SeedBox {
    /// Index into [`Seed::orgs`] of the owner.
    pub org: usize,
    /// `Box.BoxId`: 32 hex digits + `@diadoc.ru`.
    pub box_id: String,
    /// `Box.BoxIdGuid`: the same 128 bits, dashed; the form query parameters take.
    pub box_id_guid: String,
    /// The box title.
    pub title: String,
    /// Whether PostTemplate may send from this box (api.md, PostTemplate: templates are off by
    /// default and must be enabled by Diadoc support).
    pub templates_enabled: bool,
}

/// Everything the sandbox serves.
#[derive(Debug, Clone)]
pub struct Seed {
    /// Users and the organizations they see.
    pub users: Vec<SeedUser>,
    /// The users' organizations with their boxes, as GetMyOrganizations returns them.
    pub orgs: Vec<dap::Organization>,
    /// Every box of [`Seed::orgs`], flattened, in order.
    pub boxes: Vec<SeedBox>,
    /// Counteragents per organization (index-aligned with [`Seed::orgs`]), in list order.
    pub counteragents: Vec<Vec<dap::Counteragent>>,
    /// Documents of every box, each box's in list order (ascending time).
    pub documents: Vec<SeedDocument>,
    /// The EDIN (bdoc) companies, users, approval groups and processes.
    pub edin: EdinSeed,
}

/// The demo seed, built once per process. It is a constant (the same value on every run, never
/// mutated: each sandbox gets its own clone, and contents are shared `Bytes`), so this is not a
/// cache in the STYLE §5 sense; it saves rebuilding ~1 MB of contents and signatures for every
/// sandbox a test suite starts (about 0.1 s each in a debug build).
static DEMO: LazyLock<Seed> = LazyLock::new(Seed::build_demo);

impl Seed {
    /// The demo seed described in the module docs.
    pub fn demo() -> Self {
        DEMO.clone()
    }

    fn build_demo() -> Self {
        let orgs = organizations::own(&[
            organizations::OwnOrg {
                key: "romashka",
                form: 0,
                name: "Ромашка",
                place: 0,
                boxes: &["ООО «Ромашка»"],
            },
            organizations::OwnOrg {
                key: "severny-veter",
                form: 1,
                name: "Северный ветер",
                place: 1,
                boxes: &[
                    "АО «Северный ветер»",
                    "АО «Северный ветер», филиал в Мурманске",
                ],
            },
            organizations::OwnOrg {
                key: "uralskie-samotsvety",
                form: 3,
                name: "Уральские самоцветы",
                place: 2,
                boxes: &["ПАО «Уральские самоцветы»"],
            },
        ]);
        let boxes: Vec<SeedBox> = orgs
            .iter()
            .enumerate()
            .flat_map(|(org, o)| {
                o.boxes.iter().map(move |b| SeedBox {
                    org,
                    box_id: b.box_id.clone(),
                    box_id_guid: b.box_id_guid.clone(),
                    title: b.title.clone(),
                    templates_enabled: true,
                })
            })
            .collect();
        let mut seed = Self {
            users: vec![
                user(DEMO_LOGIN, DEMO_PASSWORD, vec![0, 1]),
                user(OTHER_LOGIN, OTHER_PASSWORD, vec![2]),
            ],
            counteragents: counteragents::demo(&orgs),
            orgs,
            boxes,
            documents: Vec::new(),
            edin: edin::demo(),
        };
        // The first box of АО «Северный ветер» is the one without templates.
        seed.boxes[1].templates_enabled = false;
        for (box_index, count) in [(0, 60), (1, 5), (3, 6)] {
            let docs = documents::for_box(&seed, box_index, count);
            seed.documents.extend(docs);
        }
        seed
    }

    /// The first organization's id (ООО «Ромашка»).
    pub fn first_org_id(&self) -> &str {
        self.orgs.first().map_or("", |o| o.org_id.as_str())
    }

    /// The first organization's first box, GUID form: 250 counteragents, 60 documents.
    pub fn first_box_id_guid(&self) -> &str {
        self.boxes.first().map_or("", |b| b.box_id_guid.as_str())
    }

    /// The `other` user's box (GUID form), which `demo` cannot access.
    pub fn other_box_id_guid(&self) -> &str {
        self.user(OTHER_LOGIN)
            .and_then(|u| u.orgs.first())
            .and_then(|&org| self.boxes.iter().find(|b| b.org == org))
            .map_or("", |b| b.box_id_guid.as_str())
    }

    /// A box of `demo`'s with templates switched off (GUID form).
    pub fn templates_disabled_box_id_guid(&self) -> &str {
        self.boxes
            .iter()
            .find(|b| !b.templates_enabled)
            .map_or("", |b| b.box_id_guid.as_str())
    }

    /// (messageId, entityId) of every document in the first box, in list order.
    pub fn document_ids(&self) -> Vec<(String, String)> {
        self.documents_in(self.first_box_id_guid())
            .map(|d| (d.document.message_id.clone(), d.document.entity_id.clone()))
            .collect()
    }

    /// The documents of the box `box_id` (either id form, any case), in list order.
    pub fn documents_in<'a>(&'a self, box_id: &str) -> impl Iterator<Item = &'a SeedDocument> {
        let index = self.box_index(box_id);
        self.documents
            .iter()
            .filter(move |d| Some(d.box_index) == index)
    }

    /// The user with this login.
    pub fn user(&self, login: &str) -> Option<&SeedUser> {
        self.users.iter().find(|u| u.login == login)
    }

    /// The index into [`Seed::boxes`] of `box_id`, given as `BoxIdGuid` or `BoxId`
    /// (`…@diadoc.ru`), in any case.
    pub fn box_index(&self, box_id: &str) -> Option<usize> {
        let key = box_key(box_id)?;
        self.boxes
            .iter()
            .position(|b| box_key(&b.box_id_guid).as_deref() == Some(key.as_str()))
    }

    /// The index into [`Seed::orgs`] of the organization `org_id` (any case).
    pub fn org_index(&self, org_id: &str) -> Option<usize> {
        self.orgs
            .iter()
            .position(|o| o.org_id.eq_ignore_ascii_case(org_id))
    }

    /// Whether `box_id` names any box the sandbox knows: the users' own or a counteragent's.
    pub fn is_known_box(&self, box_id: &str) -> bool {
        let Some(key) = box_key(box_id) else {
            return false;
        };
        let known = |b: &dap::Box| box_key(&b.box_id_guid).as_deref() == Some(key.as_str());
        self.orgs.iter().flat_map(|o| &o.boxes).any(known)
            || self
                .counteragents
                .iter()
                .flatten()
                .flat_map(|c| &c.organization.boxes)
                .any(known)
    }

    /// The first document of the first box that has a delivery protocol.
    pub fn document_with_protocol(&self) -> Option<&SeedDocument> {
        self.documents_in(self.first_box_id_guid())
            .find(|d| d.kind.has_protocol())
    }

    /// A box of the first box's first counteragent (GUID form): a recipient for templates.
    pub fn counteragent_box_id_guid(&self) -> &str {
        self.counteragents
            .first()
            .and_then(|c| c.first())
            .and_then(|c| c.organization.boxes.first())
            .map_or("", |b| b.box_id_guid.as_str())
    }

    /// The EDIN demo user's first company (ТОВ «Ромашка-Україна»): three approval groups and
    /// the two-step process.
    pub fn edin_demo_company_id(&self) -> i64 {
        self.edin_first_company(EDIN_DEMO_EMAIL)
    }

    /// The EDIN `other` user's company (ТОВ «Карпатські джерела»), which the demo user is not in.
    pub fn edin_other_company_id(&self) -> i64 {
        self.edin_first_company(EDIN_OTHER_EMAIL)
    }

    /// The ids of the approval groups of EDIN company `company_id`, in seed order.
    pub fn edin_group_ids(&self, company_id: i64) -> Vec<i64> {
        self.edin
            .groups
            .iter()
            .filter(|g| g.company_id == company_id)
            .map(|g| g.group_id)
            .collect()
    }

    /// The demo company's seeded process with two steps («Погодження договорів постачання»).
    pub fn edin_process_id(&self) -> i64 {
        let company = self.edin_demo_company_id();
        self.edin
            .processes
            .iter()
            .find(|p| p.company_id == company && p.steps.len() == 2)
            .map_or(0, |p| p.proc_id)
    }

    /// The ids of the EDIN document types of company `company_id`, in seed order (what
    /// `GET /bdoc/document_types` lists; blocked and internal ones included).
    pub fn edin_document_type_ids(&self, company_id: i64) -> Vec<i64> {
        self.edin
            .document_types
            .iter()
            .filter(|t| t.company_id == company_id)
            .map(|t| t.document_id)
            .collect()
    }

    /// Every EDIN document type of the seed, of every company, in seed order.
    pub fn edin_document_types(&self) -> &[edin::DocumentType] {
        &self.edin.document_types
    }

    /// The ids of the values of the dictionary bound to EDIN document type `document_id`, in
    /// order: what A6/A7 take as `dict_val_id`. Empty when the type has no dictionary (A6 then
    /// takes `dict_val_id=0`) or does not exist.
    pub fn edin_dictionary_value_ids(&self, document_id: i64) -> Vec<i64> {
        self.edin
            .document_type(document_id)
            .and_then(|t| t.dictionary_id)
            .and_then(|d| self.edin.dictionary(d))
            .map(|d| d.values.iter().map(|v| v.value_id).collect())
            .unwrap_or_default()
    }

    /// The EDIN `userId` of the user with this e-mail (ASCII case ignored).
    pub fn edin_user_id(&self, email: &str) -> Option<i64> {
        self.edin
            .user_index(email)
            .map(|i| self.edin.users[i].user_id)
    }

    fn edin_first_company(&self, email: &str) -> i64 {
        self.edin
            .user_index(email)
            .and_then(|i| self.edin.users[i].company_ids.first().copied())
            .unwrap_or(0)
    }

    /// The seeded template's id: ООО «Ромашка» (the first box) may turn it into a message.
    pub fn template_id(&self) -> String {
        templates::template_id()
    }

    /// The id of the seeded template's one document.
    pub fn template_document_id(&self) -> String {
        templates::template_document_id()
    }

    /// The first document of the first box that has no delivery protocol (GenerateDocumentProtocol
    /// answers 409 for it).
    pub fn document_without_protocol(&self) -> Option<&SeedDocument> {
        self.documents_in(self.first_box_id_guid())
            .find(|d| !d.kind.has_protocol())
    }
}

/// The 32 lower-case hex digits of a box id in either form (api.md, "Identifiers"), or `None`
/// when `id` is neither a dashed GUID nor `<32 hex>@diadoc.ru`.
pub fn box_key(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let hex = match lower.strip_suffix("@diadoc.ru") {
        Some(hex) => hex.to_owned(),
        None if is_guid(&lower) => lower.replace('-', ""),
        None => return None,
    };
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// Whether `s` is a GUID in the 8-4-4-4-12 form (hex digits of either case).
pub fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn user(login: &str, password: &str, orgs: Vec<usize>) -> SeedUser {
    SeedUser {
        login: login.to_owned(),
        password: password.to_owned(),
        user_id: ids::guid(&format!("user-{login}")),
        orgs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_seed_has_the_documented_shape() {
        let seed = Seed::demo();
        assert_eq!(seed.counteragents[0].len(), 250);
        assert_eq!(seed.document_ids().len(), 60);
        assert_eq!(seed.documents_in(seed.other_box_id_guid()).count(), 6);
        assert_ne!(
            seed.templates_disabled_box_id_guid(),
            seed.first_box_id_guid()
        );
        assert!(seed.document_without_protocol().is_some());
        let first: Vec<_> = seed.documents_in(seed.first_box_id_guid()).collect();
        let total: usize = first
            .iter()
            .map(|d| d.content.len() + d.sender_signature.len())
            .sum();
        assert!(
            total > 1_048_576,
            "the first box's contents pass the GetDocflows cap: {total}"
        );
        let biggest = first.iter().map(|d| d.content.len()).max().unwrap_or(0);
        assert!((30_000..45_000).contains(&biggest), "{biggest}");
        assert!(first.iter().any(|d| d.inbound) && first.iter().any(|d| !d.inbound));
        // Box ids resolve in both forms and any case.
        let b = &seed.boxes[0];
        assert_eq!(seed.box_index(&b.box_id), Some(0));
        assert_eq!(seed.box_index(&b.box_id_guid.to_uppercase()), Some(0));
    }
}
