//! EDIN's JSON in the upstream's own spelling (reference/edin/api.md §5): camelCase names,
//! `agrementSteps` with one "e", `uuID`, Unix-second timestamps. Replies are built from the seed
//! types; request bodies are read leniently, as the real service (Java, Jackson) reads them:
//! unknown fields are ignored, and numbers may come as JSON numbers or numeric strings (the
//! docs' own step example sends `"agreementTaskType": "1"`). This file holds the replies;
//! `wire/request.rs` the request bodies.

mod request;

use serde::Serialize;

pub(crate) use request::{GroupRequest, ProcRequest, StepRequest, UserRef, body};

use crate::seed::edin::{
    Company as SeedCompany, Dictionary as SeedDictionary, DictionaryValue as SeedDictionaryValue,
    DocumentType as SeedDocumentType, EdinSeed, Group as SeedGroup, Process as SeedProcess,
    Step as SeedStep, User as SeedUser,
};

/// `auth_uuid`'s answer (api.md §2 #3).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthUuid {
    pub is_captcha: bool,
    pub token: String,
}

/// An EDIN error body. api.md §1: the error format is not documented anywhere; the sandbox's
/// choice: `{"status": <code>, "message": "<English text>"}` with `application/json`.
#[derive(Debug, Serialize)]
pub(crate) struct Error {
    pub status: u16,
    pub message: String,
}

/// `Company` (§5.7), the scalar fields.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Company<'a> {
    company_id: i64,
    account_id: i64,
    #[serde(rename = "type")]
    kind: i32,
    name: &'a str,
    legal_name: &'a str,
    inn: &'a str,
    code: &'a str,
    phone: &'a str,
    info: &'a str,
    is_approved: i32,
    is_signed_offer: i32,
    is_active: i32,
    ownership_type: &'a str,
    at_code: &'a str,
    cert_num: &'a str,
    #[serde(rename = "uuID")]
    uu_id: &'a str,
}

impl<'a> From<&'a SeedCompany> for Company<'a> {
    fn from(c: &'a SeedCompany) -> Self {
        Self {
            company_id: c.company_id,
            account_id: c.account_id,
            kind: c.kind,
            name: &c.name,
            legal_name: &c.legal_name,
            inn: &c.inn,
            code: &c.code,
            phone: &c.phone,
            info: &c.info,
            is_approved: c.is_approved,
            is_signed_offer: c.is_signed_offer,
            is_active: c.is_active,
            ownership_type: &c.ownership_type,
            at_code: &c.at_code,
            cert_num: &c.cert_num,
            uu_id: &c.uuid,
        }
    }
}

/// An abridged `User` (§5.8). Never the password.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User<'a> {
    user_id: i64,
    account_id: i64,
    email: &'a str,
    fio: &'a str,
    tel: &'a str,
    status: i32,
    is_owner: i32,
    is_captcha: i32,
    last_login_date: i64,
}

impl<'a> From<&'a SeedUser> for User<'a> {
    fn from(u: &'a SeedUser) -> Self {
        Self {
            user_id: u.user_id,
            account_id: u.account_id,
            email: &u.email,
            fio: &u.fio,
            tel: &u.tel,
            status: u.status,
            is_owner: u.is_owner,
            is_captcha: i32::from(u.is_captcha),
            last_login_date: u.last_login_date,
        }
    }
}

/// An `AgreementGroup` inside a step: §5.1, "in replies, groups inside steps carry `users`,
/// `groupId`, `companyId`, `groupName` (no `company`)".
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepGroup<'a> {
    users: Vec<User<'a>>,
    group_id: i64,
    company_id: i64,
    group_name: &'a str,
}

/// An `AgreementStep` as replies carry it (§5.1): types, period and priority as numbers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgreementStep<'a> {
    agreement_groups: Vec<StepGroup<'a>>,
    agreement_step_id: i64,
    agreement_proc_id: i64,
    agreement_task_type: i32,
    agreement_exec_type: i32,
    agreement_exec_period: i32,
    agreement_step_priority: i32,
    step_number: i32,
    group_names: String,
    user_ids: Vec<i64>,
}

/// `AgreementGroup` (§5.2) as A8, A9, A10 and A11 answer it; `groupId`/`companyId` in the
/// examples' spelling, not the table's `groupID`/`companyID` (§5.2 note).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgreementGroup<'a> {
    users: Vec<User<'a>>,
    group_id: i64,
    company_id: i64,
    company: Option<Company<'a>>,
    group_name: &'a str,
    comment: Option<&'a str>,
}

/// A group as EDIN answers it; `with_users` false leaves `users` empty (the A11 list items).
pub(crate) fn group<'a>(
    seed: &'a EdinSeed,
    g: &'a SeedGroup,
    with_users: bool,
) -> AgreementGroup<'a> {
    AgreementGroup {
        users: if with_users {
            members(seed, g)
        } else {
            Vec::new()
        },
        group_id: g.group_id,
        company_id: g.company_id,
        company: seed.company(g.company_id).map(Company::from),
        group_name: &g.name,
        comment: g.comment.as_deref(),
    }
}

fn members<'a>(seed: &'a EdinSeed, g: &SeedGroup) -> Vec<User<'a>> {
    g.user_ids
        .iter()
        .filter_map(|&u| seed.user_by_id(u))
        .map(User::from)
        .collect()
}

/// `Document` (§5.5): extra fields and structures are empty in the seed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document<'a> {
    document_id: i64,
    company_id: i64,
    /// Only in `GET /bdoc/document_types` items: inside `agreementProc2Docs` the sandbox leaves
    /// the company out (the process beside it already carries it; api.md shows no example).
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<Company<'a>>,
    name: &'a str,
    #[serde(rename = "type")]
    kind: i32,
    code: &'a str,
    /// The process the type is attached to. UNKNOWN in api.md when there is none, or several
    /// (one per dictionary value); the sandbox's choice: the first such process in creation
    /// order, `null` when none (a Java `Long`).
    agreement_proc_id: Option<i64>,
    is_active: i32,
    extra_fields: [(); 0],
    dictionary: Option<Dictionary<'a>>,
    structures: [(); 0],
}

/// A `Dictionary` (§5.5 `dictionary`). UNKNOWN in api.md: §5 has no field table for it; the
/// sandbox's choice, by analogy with §5.6 and §5.5: `dictionaryId`, `companyId`, `name`,
/// `isActive` and its values as `values` (each a §5.6 `DictionaryValue`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Dictionary<'a> {
    dictionary_id: i64,
    company_id: i64,
    name: &'a str,
    is_active: i32,
    values: Vec<DictionaryValue<'a>>,
}

impl<'a> From<&'a SeedDictionary> for Dictionary<'a> {
    fn from(d: &'a SeedDictionary) -> Self {
        Self {
            dictionary_id: d.dictionary_id,
            company_id: d.company_id,
            name: &d.name,
            is_active: d.is_active,
            values: d.values.iter().map(DictionaryValue::from).collect(),
        }
    }
}

/// A document type as EDIN answers it; `with_company` fills `company` (§4 list items).
pub(crate) fn document<'a>(
    seed: &'a EdinSeed,
    t: &'a SeedDocumentType,
    agreement_proc_id: Option<i64>,
    with_company: bool,
) -> Document<'a> {
    Document {
        document_id: t.document_id,
        company_id: t.company_id,
        company: if with_company {
            seed.company(t.company_id).map(Company::from)
        } else {
            None
        },
        name: &t.name,
        kind: t.kind,
        code: &t.code,
        agreement_proc_id,
        is_active: t.is_active,
        extra_fields: [],
        dictionary: t
            .dictionary_id
            .and_then(|id| seed.dictionary(id))
            .map(Dictionary::from),
        structures: [],
    }
}

/// `DictionaryValue` (§5.6).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DictionaryValue<'a> {
    value_id: i64,
    dictionary_id: i64,
    name: &'a str,
    code: &'a str,
    parent_code: Option<&'a str>,
    is_active: i32,
}

impl<'a> From<&'a SeedDictionaryValue> for DictionaryValue<'a> {
    fn from(v: &'a SeedDictionaryValue) -> Self {
        Self {
            value_id: v.value_id,
            dictionary_id: v.dictionary_id,
            name: &v.name,
            code: &v.code,
            parent_code: v.parent_code.as_deref(),
            is_active: v.is_active,
        }
    }
}

/// `AgreementProc2Doc` (§5.4).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgreementProc2Doc<'a> {
    document: Document<'a>,
    dictionary_value: Option<DictionaryValue<'a>>,
}

/// `AgreementProc` (§5.3), with the steps field spelled as on the wire.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgreementProc<'a> {
    agreement_proc_id: i64,
    company: Option<Company<'a>>,
    company_id: i64,
    name: &'a str,
    comment: Option<&'a str>,
    status: i32,
    agreement_proc2_docs: Vec<AgreementProc2Doc<'a>>,
    #[serde(rename = "agrementSteps")]
    agrement_steps: Vec<AgreementStep<'a>>,
}

/// How much of a process a reply shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Everything: the answer of A1, A2, A3.
    Full,
    /// Empty `agrementSteps` and `agreementProc2Docs`, as the A5 list examples show.
    ListItem,
}

/// A process as EDIN answers it; `groups` are the groups as they are now (A8, A9 change them).
pub(crate) fn process<'a>(
    seed: &'a EdinSeed,
    groups: &'a [SeedGroup],
    p: &'a SeedProcess,
    detail: Detail,
) -> AgreementProc<'a> {
    let full = detail == Detail::Full;
    AgreementProc {
        agreement_proc_id: p.proc_id,
        company: seed.company(p.company_id).map(Company::from),
        company_id: p.company_id,
        name: &p.name,
        comment: p.comment.as_deref(),
        status: p.status,
        agreement_proc2_docs: if full {
            p.documents
                .iter()
                .filter_map(|d| {
                    Some(AgreementProc2Doc {
                        document: document(
                            seed,
                            seed.document_type(d.document_id)?,
                            Some(p.proc_id),
                            false,
                        ),
                        dictionary_value: d
                            .dictionary_value_id
                            .and_then(|v| seed.dictionary_value(v))
                            .map(DictionaryValue::from),
                    })
                })
                .collect()
        } else {
            Vec::new()
        },
        agrement_steps: if full {
            p.steps
                .iter()
                .zip(1..)
                .map(|(s, number)| step(seed, groups, p.proc_id, s, number))
                .collect()
        } else {
            Vec::new()
        },
    }
}

fn step<'a>(
    seed: &'a EdinSeed,
    all_groups: &'a [SeedGroup],
    proc_id: i64,
    s: &'a SeedStep,
    number: i32,
) -> AgreementStep<'a> {
    let groups: Vec<_> = s
        .group_ids
        .iter()
        .filter_map(|&g| all_groups.iter().find(|x| x.group_id == g))
        .collect();
    // §5.1 `userIds`: "user ids" of the step. The sandbox's reading: the members of its groups,
    // in group order, each once (a user may sit in two of the step's groups).
    let mut user_ids: Vec<i64> = Vec::new();
    for id in groups.iter().flat_map(|g| &g.user_ids) {
        if !user_ids.contains(id) {
            user_ids.push(*id);
        }
    }
    AgreementStep {
        agreement_groups: groups
            .iter()
            .map(|g| StepGroup {
                users: members(seed, g),
                group_id: g.group_id,
                company_id: g.company_id,
                group_name: &g.name,
            })
            .collect(),
        agreement_step_id: s.step_id,
        agreement_proc_id: proc_id,
        agreement_task_type: s.task_type,
        agreement_exec_type: s.exec_type,
        agreement_exec_period: s.exec_period,
        agreement_step_priority: s.priority,
        step_number: number,
        group_names: groups
            .iter()
            .map(|g| g.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        user_ids,
    }
}
