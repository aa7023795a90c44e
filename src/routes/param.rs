//! Parameters of a route: where each is read from, what values it may take, where it goes
//! upstream. `params.rs` validates by these values and `openapi/parameters.rs` documents them.

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A `{name}` segment of the path.
    Path,
    /// A query-string parameter.
    Query,
}

/// A path or query parameter.
#[derive(Debug)]
pub struct Param {
    /// Our name for it (camelCase).
    pub name: &'static str,
    /// Path or query.
    pub location: In,
    /// What values are valid.
    pub kind: ParamKind,
    /// Whether the caller must send it.
    pub required: bool,
    /// Where the upstream gets it.
    pub upstream: Target,
    /// Text for API users.
    pub description: &'static str,
}

/// Where a parameter goes upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The upstream query parameter of this name.
    Query(&'static str),
    /// The upstream query parameter of this name, with this value when the caller sends none
    /// (api.md A6/A7: `dict_val_id` is 0 when the document type has no dictionary).
    QueryOr(&'static str, &'static str),
    /// Into the upstream body, by the route's body codec (EDIN ids of the object edited).
    Body,
    /// Read by the call's box lookup (`DiadocCall::box_of_org`), never sent to the main call.
    Lookup,
}

/// The shapes a parameter may take; `params.rs` validates and normalises each.
#[derive(Debug, Clone, Copy)]
pub enum ParamKind {
    /// A GUID (8-4-4-4-12 hex); sent upstream in lower case (api.md, "Identifiers").
    Guid,
    /// A box id: the GUID form, or 32 hex digits + `@diadoc.ru` (api.md, "Identifiers").
    BoxId,
    /// An opaque paging cursor (`IndexKey`), passed through as is.
    Cursor,
    /// One of the listed names.
    Enum(&'static [&'static str]),
    /// One of the listed names, sent upstream as the paired value (EDIN's numeric codes).
    Mapped(&'static [(&'static str, &'static str)]),
    /// An integer in `min..=max`.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// Free text of at most this many characters.
    Text {
        /// Longest allowed length, in characters.
        max: usize,
    },
    /// `<DocumentType>.<DocumentClass><DocumentStatus>` (api.md, GetDocuments `filterCategory`).
    FilterCategory,
    /// A calendar date `YYYY-MM-DD`; sent upstream as `DD.MM.YYYY` (api.md, GetDocuments).
    Date,
    /// A .NET ticks value (api.md, "Time values"), as a decimal integer.
    Ticks,
    /// `true`/`false`; when true the upstream gets the bare flag name (api.md, "Query-string
    /// conventions": flags carry no value).
    Flag,
    /// `true`/`false`, sent upstream as that value (api.md, GetMessage and GetDocument:
    /// `injectEntityContent` is a boolean the SDK always sends with its value). With
    /// `Target::QueryOr(name, "false")` an absent value is sent as `false`.
    Bool,
}
