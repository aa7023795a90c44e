//! EDIN bdoc objects as our callers see them (reference/edin/api.md §5), read from the
//! upstream's JSON and written as the gateway's JSON.
//!
//! One type per object serves both directions: `Deserialize` is lenient towards the upstream
//! (every field optional, the docs' spelling variants as aliases — `agrementSteps`,
//! `groupID`/`companyID`, `uuID` — codes as numbers or numeric strings), and `Serialize` writes
//! the clean form (camelCase spelled right, named enums, booleans for 0/1 flags, absent fields
//! left out). Fields the docs define but whose shape they do not (`bankAcc`, `roles`, …) pass
//! through as JSON. A user's `password` is never read, so it can never be passed on.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

mod documents;
mod parties;

pub use documents::{DictionaryValue, Document};
pub use parties::{Company, User};

/// A number the upstream may send as `1` or `"1"` (api.md §5.1: requests carry strings, replies
/// numbers).
#[derive(Deserialize)]
#[serde(untagged)]
enum Code {
    Number(i64),
    Text(String),
}

impl Code {
    fn value<E: serde::de::Error>(self) -> Result<i64, E> {
        match self {
            Self::Number(n) => Ok(n),
            Self::Text(t) => t
                .trim()
                .parse()
                .map_err(|_| E::custom(format!("expected a number, got {t:?}"))),
        }
    }
}

/// Declares an enum whose upstream form is a numeric code and whose JSON form is a name; its
/// doc text is also its OpenAPI description.
macro_rules! coded_enum {
    ($doc:literal $name:ident { $($variant:ident = $code:literal => $json:literal : $vdoc:literal),+ $(,)? }) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        pub enum $name {
            $(#[doc = $vdoc] #[serde(rename = $json)] $variant),+
        }

        // Every coded enum gets the whole set; only the request codecs' two (TaskType,
        // ExecType) are written upstream, so the others do not use `code`/`from_name`.
        #[allow(dead_code)]
        impl $name {
            /// Every value's JSON name, in code order.
            pub const NAMES: &'static [&'static str] = &[$($json),+];

            /// The upstream's code.
            pub fn code(self) -> i64 {
                match self { $(Self::$variant => $code),+ }
            }

            /// The value with this JSON name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($json => Some(Self::$variant),)+ _ => None }
            }

            /// The value with this upstream code.
            pub fn from_code(code: i64) -> Option<Self> {
                match code { $($code => Some(Self::$variant),)+ _ => None }
            }
        }

        // By hand rather than derived, so the schema lists exactly the JSON names above.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::NAMES.iter().copied()))
                    .description(Some($doc))
                    .build()
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(concat!("edin.", stringify!($name)))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = Code::deserialize(d)?.value()?;
                Self::from_code(code).ok_or_else(|| {
                    D::Error::custom(format!(
                        concat!("unknown ", stringify!($name), " code {}"),
                        code
                    ))
                })
            }
        }
    };
}

coded_enum! {
    "What the executors of a step do (EDIN's `agreementTaskType`: 1, 2, 3)."
    TaskType {
        Approval = 1 => "approval": "Approve or reject.",
        Signing = 2 => "signing": "Sign.",
        Notification = 3 => "notification": "Acknowledge.",
    }
}

coded_enum! {
    "Who in each executor group must act (EDIN's `agreementExecType`: 1, 2)."
    ExecType {
        AllOfGroup = 1 => "allOfGroup": "Every member of the group.",
        AnyOfGroup = 2 => "anyOfGroup": "Any one member of the group.",
    }
}

coded_enum! {
    "A process's or a user's state (EDIN's `status`: 1 active, 2 blocked)."
    Status {
        Active = 1 => "active": "In use.",
        Blocked = 2 => "blocked": "Blocked.",
    }
}

coded_enum! {
    "A company's legal form (EDIN's `type`: 1, 2)."
    CompanyType {
        LegalEntity = 1 => "legalEntity": "A legal entity.",
        Individual = 2 => "individual": "An individual (sole trader).",
    }
}

coded_enum! {
    "A document type's form (EDIN's `type`: 1 to 4)."
    DocumentKind {
        File = 1 => "file": "A file.",
        Structure = 2 => "structure": "A structure.",
        DynamicStructure = 3 => "dynamicStructure": "A dynamic structure.",
        Table = 4 => "table": "A table.",
    }
}

coded_enum! {
    "An extra field's data type (EDIN's `dataType`: 1 to 4)."
    DataType {
        Text = 1 => "text": "Text.",
        Number = 2 => "number": "A number.",
        Date = 3 => "date": "A date.",
        Digit = 4 => "digit": "Digits.",
    }
}

/// A 0/1 flag (api.md: `int (0/1)`), written as a boolean.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Code(Code),
    }
    match Option::<Flag>::deserialize(d)? {
        None => Ok(None),
        Some(Flag::Bool(b)) => Ok(Some(b)),
        Some(Flag::Code(c)) => match c.value()? {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            n => Err(D::Error::custom(format!("expected 0 or 1, got {n}"))),
        },
    }
}

/// A list the upstream may send as `null`.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An approval process (api.md §5.3 `AgreementProc`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::AgreementProc)]
pub struct AgreementProc {
    /// Process id.
    pub agreement_proc_id: i64,
    /// The owning company's id.
    #[serde(alias = "companyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// The owning company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Company>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `active` or `blocked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Document types the process applies to.
    #[serde(default, deserialize_with = "list")]
    #[schema(required = true)]
    pub agreement_proc2_docs: Vec<AgreementProc2Doc>,
    /// The steps, in order (the upstream spells it `agrementSteps`).
    #[serde(default, alias = "agrementSteps", deserialize_with = "list")]
    #[schema(required = true)]
    pub agreement_steps: Vec<AgreementStep>,
}

/// A step of a process (api.md §5.1 `AgreementStep`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::AgreementStep)]
pub struct AgreementStep {
    /// Step id.
    pub agreement_step_id: i64,
    /// The process's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_proc_id: Option<i64>,
    /// Position in the process, assigned by EDIN (higher priority runs earlier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_number: Option<i64>,
    /// What the executors do (`agreementTaskType`).
    #[serde(alias = "agreementTaskType")]
    pub task_type: TaskType,
    /// Who in each group must act (`agreementExecType`).
    #[serde(alias = "agreementExecType")]
    pub exec_type: ExecType,
    /// Deadline in days (`agreementExecPeriod`).
    #[serde(
        default,
        alias = "agreementExecPeriod",
        skip_serializing_if = "Option::is_none"
    )]
    pub period_days: Option<i64>,
    /// Bigger runs earlier (`agreementStepPriority`).
    #[serde(
        default,
        alias = "agreementStepPriority",
        skip_serializing_if = "Option::is_none"
    )]
    pub priority: Option<i64>,
    /// The executor groups' names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_names: Option<String>,
    /// Ids of the executors.
    #[serde(default, deserialize_with = "list")]
    #[schema(required = true)]
    pub user_ids: Vec<i64>,
    /// Executor groups.
    #[serde(default, deserialize_with = "list")]
    #[schema(required = true)]
    pub agreement_groups: Vec<AgreementGroup>,
}

/// An approval group (api.md §5.2 `AgreementGroup`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::AgreementGroup)]
pub struct AgreementGroup {
    /// Group id (the docs' table spells it `groupID`).
    #[serde(alias = "groupID")]
    pub group_id: i64,
    /// The owning company's id.
    #[serde(default, alias = "companyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// The owning company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Company>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Members.
    #[serde(default, deserialize_with = "list")]
    #[schema(required = true)]
    pub users: Vec<User>,
}

/// A document type attached to a process (api.md §5.4 `AgreementProc2Doc`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::AgreementProc2Doc)]
pub struct AgreementProc2Doc {
    /// The document type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Document>,
    /// The dictionary value it is bound to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dictionary_value: Option<DictionaryValue>,
}
