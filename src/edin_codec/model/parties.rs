//! Companies and users (reference/edin/api.md §5.7, §5.8).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{CompanyType, Status, flag};

/// A company (api.md §5.7 `Company`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::Company)]
pub struct Company {
    /// Company id.
    #[serde(default, alias = "companyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// The account's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    /// Legal entity or individual.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CompanyType>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Full legal name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    /// Tax number (ІПН).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inn: Option<String>,
    /// Registry code (ЄДРПОУ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// Created from an e-signature.
    #[serde(
        default,
        deserialize_with = "flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_approved: Option<bool>,
    /// The offer contract is signed.
    #[serde(
        default,
        deserialize_with = "flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_signed_offer: Option<bool>,
    /// Active.
    #[serde(
        default,
        deserialize_with = "flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_active: Option<bool>,
    /// Ownership type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_type: Option<String>,
    /// Ownership type id (examples only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_type_id: Option<i64>,
    /// KOATUU code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_code: Option<String>,
    /// Certificate number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_num: Option<String>,
    /// UUID (the docs spell it `uuID`, examples `uuid`).
    #[serde(default, alias = "uuID", skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Payer registry number (examples only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prs_num: Option<String>,
    /// Bank account (shape not documented; passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_acc: Option<Value>,
    /// Legal address (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_address: Option<Value>,
    /// Actual address (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_address: Option<Value>,
    /// An individual's name parts (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiz_name: Option<Value>,
    /// Certificates (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<Value>,
    /// Dictionaries (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dictionaries: Option<Value>,
    /// E-mail notification settings (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_settings: Option<Value>,
}

/// A user (api.md §5.8 `User`, abridged there). The upstream's `password` is never read.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::User)]
pub struct User {
    /// User id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// The account's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    /// E-mail, also the login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fio: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tel: Option<String>,
    /// Owns the account.
    #[serde(
        default,
        deserialize_with = "flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_owner: Option<bool>,
    /// A captcha is shown at login.
    #[serde(
        default,
        deserialize_with = "flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_captcha: Option<bool>,
    /// `active` or `blocked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Password strength level: 1 low, 2 normal, 3 high.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_secure_type: Option<i64>,
    /// Password policy id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_policy_id: Option<i64>,
    /// Last login address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_ip: Option<String>,
    /// Last login time, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_date: Option<i64>,
    /// The user's companies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub companies: Option<Vec<Company>>,
    /// Account (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Value>,
    /// Roles (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Value>,
    /// Access routes (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Value>,
    /// Profile (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_info: Option<Value>,
    /// UI types (passed through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui_types: Option<Value>,
}
