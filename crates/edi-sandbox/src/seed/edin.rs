//! The EDIN (bdoc) part of the seed: companies, users, approval groups, approval processes,
//! document types and their dictionaries, with realistic Ukrainian details, as
//! reference/edin/api.md §5 describes the objects. Ids are positive longs, fixed by hand so tests
//! can name them; codes (ЄДРПОУ) carry valid check digits. The data only: how `edin/` serves and
//! changes it lives there (a running sandbox edits its own copy of the processes and groups;
//! `SandboxHandle::edin_process` / `edin_group` show them as they are now). This file holds the
//! types; `edin/demo.rs` the demo rows below and the ЄДРПОУ check digit.
//!
//! | user (login e-mail) | password | companies |
//! | --- | --- | --- |
//! | `demo@example.com` | `demo` | ТОВ «Ромашка-Україна» (104201), ПрАТ «Дніпровський млин» (104202) |
//! | 4 colleagues (`…@romashka.example.com`) | — | ТОВ «Ромашка-Україна» |
//! | `other@example.com` | `other` | ТОВ «Карпатські джерела» (104305) |
//! | `captcha@example.com` | `captcha` | ТОВ «Карпатські джерела»; `auth_uuid` answers `isCaptcha: true` |
//!
//! Approval groups of ТОВ «Ромашка-Україна»: «Бухгалтерія» (520101), «Юридичний відділ»
//! (520102), «Керівництво» (520103); of ПрАТ «Дніпровський млин»: «Склад» (520111); of
//! ТОВ «Карпатські джерела»: «Відділ продажів» (520201). Every group has members.
//! EDIN's own `PostAgreementStep` examples (reference/edin/examples) name process 119, step 477
//! and group 136 («Группа - 2 »): they exist in ТОВ «Ромашка-Україна», so the examples can be
//! posted as printed.
//! Processes: «Погодження договорів постачання» (730001, active, two steps, one document type),
//! «Погодження актів виконаних робіт» (730002, blocked), «Погодження видаткових накладних»
//! (730003, ПрАТ «Дніпровський млин»), «Погодження рахунків» (730004, the other user's),
//! «Приклад із документації EDIN» (119, one step 477 with group 136).
//!
//! Document types (`GET /bdoc/document_types`):
//!
//! | id | company | name | type | use | active | dictionary |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | 910001 | Ромашка | Договір постачання (on 730001) | 1 file | external | 1 | — |
//! | 910002 | Ромашка | Акт виконаних робіт | 2 structure | external | 1 | «Підрозділи» (950001) |
//! | 910003 | Ромашка | Рахунок на оплату | 1 file | external | 0 | — |
//! | 910004 | Ромашка | Службова записка | 1 file | internal | 1 | — |
//! | 910101 | Млин | Видаткова накладна | 4 table | external | 1 | «Склади» (950101) |
//! | 910201 | Карпати | Рахунок-фактура | 1 file | external | 1 | — |
//!
//! «Підрозділи»: Київ (951001), Львів (951002); «Склади»: Склад у Дніпрі (951101), Склад у
//! Запоріжжі (951102).

mod demo;

pub(crate) use demo::demo;
pub use demo::edrpou;

/// The demo user's login (an e-mail, api.md §2 #1).
pub const EDIN_DEMO_EMAIL: &str = "demo@example.com";
/// The demo user's password.
pub const EDIN_DEMO_PASSWORD: &str = "demo";
/// A second user, in a company the demo user is not in (for 403 tests).
pub const EDIN_OTHER_EMAIL: &str = "other@example.com";
/// The second user's password.
pub const EDIN_OTHER_PASSWORD: &str = "other";
/// A user for whom `auth_uuid` answers `isCaptcha: true`; `auth` then refuses with 403.
pub const EDIN_CAPTCHA_EMAIL: &str = "captcha@example.com";
/// The captcha user's password (never enough to log in over HTTP).
pub const EDIN_CAPTCHA_PASSWORD: &str = "captcha";

/// The EDIN data the sandbox starts with.
#[derive(Debug, Clone)]
pub struct EdinSeed {
    /// Companies (`Company`, api.md §5.7).
    pub companies: Vec<Company>,
    /// Users (`User`, §5.8), with their passwords and companies.
    pub users: Vec<User>,
    /// Approval groups (`AgreementGroup`, §5.2), in seed order.
    pub groups: Vec<Group>,
    /// Approval processes (`AgreementProc`, §5.3), in seed order.
    pub processes: Vec<Process>,
    /// Document types (`Document`, §5.5), in seed order: what `GET /bdoc/document_types`
    /// lists and A6 attaches to a process.
    pub document_types: Vec<DocumentType>,
    /// Dictionaries bound to document types (§5.5 `dictionary`), with their values (§5.6).
    pub dictionaries: Vec<Dictionary>,
}

/// A company (api.md §5.7; the nested objects whose shape §5.7 does not give are left out).
#[derive(Debug, Clone)]
pub struct Company {
    pub company_id: i64,
    pub account_id: i64,
    /// 1 legal entity, 2 individual.
    pub kind: i32,
    /// Short name, as the UI lists it.
    pub name: String,
    pub legal_name: String,
    /// The 12-digit VAT payer number (ІПН платника ПДВ).
    pub inn: String,
    /// The 8-digit ЄДРПОУ code, with a valid check digit.
    pub code: String,
    pub phone: String,
    pub info: String,
    /// 1 created from an e-signature, 0 ordinary.
    pub is_approved: i32,
    pub is_signed_offer: i32,
    pub is_active: i32,
    pub ownership_type: String,
    /// KOATUU code of the locality.
    pub at_code: String,
    pub cert_num: String,
    pub uuid: String,
}

/// A user (api.md §5.8). The password is for the sandbox's login check only; replies never
/// carry it.
#[derive(Debug, Clone)]
pub struct User {
    pub user_id: i64,
    pub account_id: i64,
    /// The login.
    pub email: String,
    pub password: String,
    /// Full name (ПІБ).
    pub fio: String,
    pub tel: String,
    /// 1 active, 2 blocked.
    pub status: i32,
    pub is_owner: i32,
    /// Whether `auth_uuid` answers `isCaptcha: true` for this user.
    pub is_captcha: bool,
    /// Unix seconds.
    pub last_login_date: i64,
    /// The companies the user works in (`companyId`s).
    pub company_ids: Vec<i64>,
}

/// An approval group (api.md §5.2).
#[derive(Debug, Clone)]
pub struct Group {
    pub group_id: i64,
    pub company_id: i64,
    pub name: String,
    pub comment: Option<String>,
    /// Members, in order.
    pub user_ids: Vec<i64>,
}

/// An approval process (api.md §5.3).
#[derive(Debug, Clone)]
pub struct Process {
    pub proc_id: i64,
    pub company_id: i64,
    pub name: String,
    pub comment: Option<String>,
    /// 1 active, 2 blocked.
    pub status: i32,
    /// The steps in step order: priority descending, then creation (= id) order. Step numbers
    /// are positions in this list, from 1.
    pub steps: Vec<Step>,
    /// Document types attached (`agreementProc2Docs`, §5.4).
    pub documents: Vec<ProcessDocument>,
}

/// A step of a process (api.md §5.1), as stored: groups by id.
#[derive(Debug, Clone)]
pub struct Step {
    pub step_id: i64,
    /// 1 approval, 2 signing, 3 notification.
    pub task_type: i32,
    /// 1 every user of the group must act, 2 any one user.
    pub exec_type: i32,
    /// Deadline in days.
    pub exec_period: i32,
    /// Bigger runs earlier.
    pub priority: i32,
    pub group_ids: Vec<i64>,
}

/// One `AgreementProc2Doc` (api.md §5.4), as stored: the document type and dictionary value
/// by id (A6's `document_id` and `dict_val_id`, `None` for A6's 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessDocument {
    pub document_id: i64,
    pub dictionary_value_id: Option<i64>,
}

/// A document type (`Document`, api.md §5.5; extra fields and structures empty).
#[derive(Debug, Clone)]
pub struct DocumentType {
    pub document_id: i64,
    pub company_id: i64,
    pub name: String,
    /// 1 file, 2 structure, 3 dynamic structure, 4 table.
    pub kind: i32,
    pub code: String,
    /// 1 active, 0 blocked.
    pub is_active: i32,
    /// 1 external, 2 internal (§4 `document_types` `use_type`).
    pub use_type: i32,
    /// The dictionary bound to the type (§4 `document_types/dictionary`), if any.
    pub dictionary_id: Option<i64>,
}

/// A dictionary (§4 "Dictionaries"; api.md gives no field table for it, see `edin/wire.rs`).
#[derive(Debug, Clone)]
pub struct Dictionary {
    pub dictionary_id: i64,
    pub company_id: i64,
    pub name: String,
    /// 1 active, 0 blocked.
    pub is_active: i32,
    pub values: Vec<DictionaryValue>,
}

/// A dictionary value (api.md §5.6).
#[derive(Debug, Clone)]
pub struct DictionaryValue {
    pub value_id: i64,
    pub dictionary_id: i64,
    pub name: String,
    pub code: String,
    pub parent_code: Option<String>,
    pub is_active: i32,
}

impl EdinSeed {
    /// The company `id`.
    pub fn company(&self, id: i64) -> Option<&Company> {
        self.companies.iter().find(|c| c.company_id == id)
    }

    /// The user `id`.
    pub fn user_by_id(&self, id: i64) -> Option<&User> {
        self.users.iter().find(|u| u.user_id == id)
    }

    /// The index into [`EdinSeed::users`] of the user with this e-mail (ASCII case ignored:
    /// e-mail addresses are compared that way in practice).
    pub fn user_index(&self, email: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|u| u.email.eq_ignore_ascii_case(email.trim()))
    }

    /// The group `id`.
    pub fn group(&self, id: i64) -> Option<&Group> {
        self.groups.iter().find(|g| g.group_id == id)
    }

    /// The document type `id`.
    pub fn document_type(&self, id: i64) -> Option<&DocumentType> {
        self.document_types.iter().find(|d| d.document_id == id)
    }

    /// The dictionary `id`.
    pub fn dictionary(&self, id: i64) -> Option<&Dictionary> {
        self.dictionaries.iter().find(|d| d.dictionary_id == id)
    }

    /// The dictionary value `id`, in whichever dictionary holds it.
    pub fn dictionary_value(&self, id: i64) -> Option<&DictionaryValue> {
        self.dictionaries
            .iter()
            .flat_map(|d| &d.values)
            .find(|v| v.value_id == id)
    }
}
