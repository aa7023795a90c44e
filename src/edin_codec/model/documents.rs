//! Document types, dictionaries and extra fields (reference/edin/api.md §5.5, §5.6, §5.9).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{Company, DataType, DocumentKind, flag, list};

/// A document type (api.md §5.5 `Document`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::Document)]
pub struct Document {
    /// Document type id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<i64>,
    /// The owning company's id.
    #[serde(default, alias = "companyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// The owning company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Company>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Form: file, structure, dynamic structure or table.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<DocumentKind>,
    /// Code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The approval process bound to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_proc_id: Option<i64>,
    /// Active (true) or blocked.
    #[serde(
        default,
        deserialize_with = "flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_active: Option<bool>,
    /// Extra fields.
    #[serde(default, deserialize_with = "list")]
    #[schema(required = true)]
    pub extra_fields: Vec<ExtraField>,
    /// The bound dictionary (shape not documented; passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dictionary: Option<Value>,
    /// Structures (shape not documented; passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structures: Option<Value>,
}

/// A dictionary value (api.md §5.6 `DictionaryValue`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::DictionaryValue)]
pub struct DictionaryValue {
    /// Value id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_id: Option<i64>,
    /// The dictionary's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dictionary_id: Option<i64>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The parent value's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_code: Option<String>,
    /// Active (true) or blocked.
    #[serde(
        default,
        deserialize_with = "flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_active: Option<bool>,
}

/// An extra field of a document type (api.md §5.9 `ExtraField`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::ExtraField)]
pub struct ExtraField {
    /// Field id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_id: Option<i64>,
    /// The owning company's id.
    #[serde(default, alias = "companyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Data type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<DataType>,
    /// Active (true) or inactive (the upstream's `status`, 1 or 0).
    #[serde(
        default,
        rename(serialize = "isActive", deserialize = "status"),
        deserialize_with = "flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_active: Option<bool>,
    /// Value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}
