//! The refusals of the local ACR API, and the two shapes they are answered in.
//!
//! Where each code comes from:
//! - gateway codes (`SignatureDoesNotMatch`, `SignatureNonceUsed`,
//!   `InvalidTimeStamp.Expired`, `InvalidTimeStamp.Format`, `InvalidVersion`,
//!   `InvalidAction.NotFound`, `InvalidAccessKeyId.NotFound`, `MissingSecurityToken`) and
//!   their messages: Alibaba Cloud's common error-code tables (the SMS and SLB API
//!   references list them with these exact messages);
//! - `NAMESPACE_NOT_EXIST`, `REPO_NOT_EXIST`: the codes Alibaba Cloud's own Terraform
//!   provider matches on for Container Registry 2016-06-07;
//! - everything marked *guessed* below: not found in any public document or SDK; named
//!   after the documented ones, so that a client keys on the same family of strings.
//!
//! Personal Edition (path style) answers an error with an HTTP error status and
//! `{"code", "message", "requestId"}`. Enterprise Edition (RPC) answers gateway errors the
//! same way with PascalCase keys (`Code`, `Message`, `RequestId`, `HostId`), and business
//! errors in band: HTTP 200 with `IsSuccess: false` and the `Code`, which is what the
//! `IsSuccess`/`Code` pair that every 2018-12-01 answer carries is for (inferred from the
//! SDK's response types; the API reference documents no business error code).

use serde_json::{json, Value};

/// Error codes, as the API spells them.
pub mod code {
    /// The signature computed by the server differs (documented).
    pub const SIGNATURE_DOES_NOT_MATCH: &str = "SignatureDoesNotMatch";
    /// `x-acs-signature-nonce` was seen before (documented).
    pub const SIGNATURE_NONCE_USED: &str = "SignatureNonceUsed";
    /// `x-acs-date` is more than 15 minutes away from the server's clock (documented).
    pub const TIMESTAMP_EXPIRED: &str = "InvalidTimeStamp.Expired";
    /// `x-acs-date` is not `yyyy-MM-ddTHH:mm:ssZ` (documented).
    pub const TIMESTAMP_FORMAT: &str = "InvalidTimeStamp.Format";
    /// The AccessKey ID is unknown (documented).
    pub const ACCESS_KEY_NOT_FOUND: &str = "InvalidAccessKeyId.NotFound";
    /// `Authorization` is missing, malformed, or leaves a required header unsigned
    /// (guessed).
    pub const INCOMPLETE_SIGNATURE: &str = "IncompleteSignature";
    /// An STS AccessKey without its `x-acs-security-token` (documented).
    pub const MISSING_SECURITY_TOKEN: &str = "MissingSecurityToken";
    /// An `x-acs-security-token` that is not the one issued with the key (guessed).
    pub const SECURITY_TOKEN_MISMATCH: &str = "InvalidSecurityToken.Mismatch";
    /// `x-acs-version` names neither 2016-06-07 nor 2018-12-01 (documented).
    pub const INVALID_VERSION: &str = "InvalidVersion";
    /// No operation at this method and path, or `x-acs-action` names another (documented).
    pub const ACTION_NOT_FOUND: &str = "InvalidAction.NotFound";
    /// A required parameter is absent (guessed).
    pub const MISSING_PARAMETER: &str = "MissingParameter";
    /// A name or value outside the documented rules (guessed).
    pub const INVALID_PARAMETER: &str = "InvalidParameter";
    /// The namespace does not exist (from Alibaba Cloud's Terraform provider).
    pub const NAMESPACE_NOT_EXIST: &str = "NAMESPACE_NOT_EXIST";
    /// A namespace of that name exists already (guessed).
    pub const NAMESPACE_ALREADY_EXIST: &str = "NAMESPACE_ALREADY_EXIST";
    /// The repository does not exist (from Alibaba Cloud's Terraform provider).
    pub const REPO_NOT_EXIST: &str = "REPO_NOT_EXIST";
    /// A repository of that name exists already in the namespace (guessed).
    pub const REPO_ALREADY_EXIST: &str = "REPO_ALREADY_EXIST";
    /// The Enterprise Edition instance does not exist (guessed).
    pub const INSTANCE_NOT_EXIST: &str = "INSTANCE_NOT_EXIST";
}

/// Who refused: the API gateway (signature, date, routing) or the service itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Gateway,
    Service,
}

/// One refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub origin: Origin,
}

impl ApiError {
    pub fn gateway(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            origin: Origin::Gateway,
        }
    }

    pub fn service(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            origin: Origin::Service,
        }
    }

    /// Personal Edition: the HTTP status and camelCase keys.
    pub fn personal_body(&self, request_id: &str) -> (u16, Value) {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "requestId": request_id,
        });
        (self.status, body)
    }

    /// Enterprise Edition: gateway errors with their status, service errors in band.
    pub fn enterprise_body(&self, request_id: &str, host: &str) -> (u16, Value) {
        match self.origin {
            Origin::Gateway => (
                self.status,
                json!({
                    "Code": self.code,
                    "Message": self.message,
                    "RequestId": request_id,
                    "HostId": host,
                }),
            ),
            Origin::Service => (
                200,
                json!({
                    "Code": self.code,
                    "Message": self.message,
                    "IsSuccess": false,
                    "RequestId": request_id,
                }),
            ),
        }
    }
}

impl From<super::store::StoreError> for ApiError {
    fn from(e: super::store::StoreError) -> Self {
        use super::store::StoreError as E;
        match e {
            E::InvalidName(name) => ApiError::service(
                400,
                code::INVALID_PARAMETER,
                format!(
                    "`{name}` is not a valid name: 2 to 30 lowercase letters, digits, `-` or `_`, \
                     not starting with `-` or `_`"
                ),
            ),
            E::NamespaceExists(name) => ApiError::service(
                400,
                code::NAMESPACE_ALREADY_EXIST,
                format!("namespace {name} already exists"),
            ),
            E::NamespaceMissing(name) => ApiError::service(
                404,
                code::NAMESPACE_NOT_EXIST,
                format!("namespace {name} does not exist"),
            ),
            E::RepoExists(name) => ApiError::service(
                400,
                code::REPO_ALREADY_EXIST,
                format!("repository {name} already exists"),
            ),
            E::RepoMissing(name) => ApiError::service(
                404,
                code::REPO_NOT_EXIST,
                format!("repository {name} does not exist"),
            ),
        }
    }
}
