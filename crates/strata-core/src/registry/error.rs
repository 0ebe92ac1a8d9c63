//! The registry client's one error type, and the registry's own JSON error body
//! ([OCI distribution spec § error codes]) turned into sentences a person understands.
//!
//! [OCI distribution spec § error codes]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes

use serde::Deserialize;

use crate::digest::{Digest, DigestError};
use crate::problem::{Code, Explain, Hint, HintKey};
use crate::store::StoreError;

/// At most this much of an error body is read: a registry (or a proxy in front of one)
/// can answer an error with a whole HTML page.
pub(crate) const ERROR_BODY_MAX: usize = 64 * 1024;

/// One entry of the registry's `{"errors": [...]}` body. Unknown codes are kept as they are.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct RegistryErrorEntry {
    pub code: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<RegistryErrorEntry>,
}

/// Parses an error body; anything that is not the spec's JSON gives no entries.
pub(crate) fn parse_error_body(body: &[u8]) -> Vec<RegistryErrorEntry> {
    serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.errors)
        .unwrap_or_default()
}

/// What a spec error code means, in words; `None` for codes the spec does not define.
fn code_meaning(code: &str) -> Option<&'static str> {
    Some(match code {
        "BLOB_UNKNOWN" => "the blob is not in the repository",
        "BLOB_UPLOAD_INVALID" => "the blob upload was invalid",
        "BLOB_UPLOAD_UNKNOWN" => "the registry no longer knows this upload",
        "DIGEST_INVALID" => "the uploaded content does not match its digest",
        "MANIFEST_BLOB_UNKNOWN" => "the manifest refers to a blob the repository does not have",
        "MANIFEST_INVALID" => "the registry refused the manifest as invalid",
        "MANIFEST_UNKNOWN" => "no such manifest (tag or digest) in the repository",
        "MANIFEST_UNVERIFIED" => "the manifest's signature could not be verified",
        "NAME_INVALID" => "the repository name is invalid",
        "NAME_UNKNOWN" => "the repository does not exist",
        "SIZE_INVALID" => "the content length does not match the size given",
        "TAG_INVALID" => "the tag does not match the manifest",
        "UNAUTHORIZED" => "authentication is required",
        "DENIED" => "access was denied",
        "UNSUPPORTED" => "the registry does not support this operation",
        "TOOMANYREQUESTS" => "too many requests: the registry is rate limiting",
        _ => return None,
    })
}

/// The entries as one readable clause: `the blob is not in the repository (blob unknown
/// to registry)`. The registry's own message is kept because it often names the object.
pub(crate) fn describe(entries: &[RegistryErrorEntry]) -> String {
    let parts: Vec<String> = entries
        .iter()
        .map(|e| match code_meaning(&e.code) {
            Some(meaning) if e.message.is_empty() => meaning.to_string(),
            Some(meaning) => format!("{meaning} ({})", e.message),
            None if e.message.is_empty() => format!("error {}", e.code),
            None => format!("{} ({})", e.message, e.code),
        })
        .collect();
    parts.join("; ")
}

/// Why a pull, a push or a registry request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// No connection could be made, or it broke and retries did not help. `proxy`: the
    /// proxy the connection went through (settings or environment), which is then the
    /// first thing to check.
    #[error("cannot reach the registry {registry}{}: {reason}", proxy.as_ref().map(|p| format!(" through the proxy {p}")).unwrap_or_default())]
    Connect {
        registry: String,
        reason: String,
        proxy: Option<String>,
    },
    /// The registry's certificate was refused.
    #[error("the TLS certificate of {registry} was refused: {reason}")]
    Tls { registry: String, reason: String },
    /// 401: the registry (or its token server) refused the credentials, or needs some.
    #[error("{registry} refused the credentials{}", if *.with_credentials { " (401 Unauthorized)" } else { ": it needs a login (401 Unauthorized)" })]
    Unauthorized {
        registry: String,
        with_credentials: bool,
    },
    /// 403, or a token without the access asked for: authenticated, but this account may
    /// not do this.
    #[error("{registry} denied access to {scope}{}", detail_suffix(.detail))]
    Denied {
        registry: String,
        scope: String,
        detail: String,
    },
    /// 404 on a manifest or repository.
    #[error("{what} was not found on {registry}{}", detail_suffix(.detail))]
    NotFound {
        registry: String,
        what: String,
        detail: String,
    },
    /// Any other status the registry answered with, with its error entries.
    #[error("{registry} answered {status} to {action}{}", detail_suffix(&describe(.errors)))]
    Status {
        registry: String,
        action: String,
        status: u16,
        errors: Vec<RegistryErrorEntry>,
    },
    /// Docker's old signed manifest format.
    #[error(
        "{reference} is a Docker schema 1 image, a format from 2016 that Strata does not pull"
    )]
    Schema1 { reference: String },
    /// Something that is not a manifest or index where one was expected.
    #[error("{what} has media type `{media_type}`, which is not an image manifest or index")]
    MediaType { what: String, media_type: String },
    /// An index with nothing for the wanted platform.
    #[error("{reference} has no image for {wanted}; it has: {available}")]
    NoPlatform {
        reference: String,
        wanted: String,
        available: String,
    },
    /// A `--platform` that does not parse.
    #[error("`{0}` is not a platform: expected OS/ARCH or OS/ARCH/VARIANT, e.g. linux/amd64")]
    BadPlatform(String),
    /// Content whose digest or size is not what the manifest or the request said.
    #[error("{what} from {registry} is corrupt: {source}")]
    Digest {
        registry: String,
        what: String,
        #[source]
        source: DigestError,
    },
    /// The registry answered something the protocol does not allow.
    #[error("{registry} sent an invalid response: {reason}")]
    Protocol { registry: String, reason: String },
    /// A token server Strata will not talk to: a plain-HTTP realm for an HTTPS registry, or
    /// credentials asked for over plain HTTP on another host.
    #[error("{registry} names the token server {realm}, which Strata refuses: {reason}")]
    UnsafeRealm {
        registry: String,
        realm: String,
        reason: String,
    },
    /// A token server that did not give a token.
    #[error("the token server {realm} of {registry} failed: {reason}")]
    Token {
        registry: String,
        realm: String,
        reason: String,
    },
    /// A blob the manifest needs is not in the local store.
    #[error("blob {0} of the local image is missing from the store")]
    MissingBlob(Digest),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Invalid settings: a CA file that is not PEM, a bad endpoint.
    #[error("invalid registry settings for {registry}: {reason}")]
    Settings { registry: String, reason: String },
    /// The user cancelled; nothing visible was left behind.
    #[error("the transfer was cancelled")]
    Cancelled,
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

impl RegistryError {
    /// Whether any of the registry's error entries has this code.
    pub fn has_code(&self, code: &str) -> bool {
        matches!(self, RegistryError::Status { errors, .. } if errors.iter().any(|e| e.code == code))
    }
}

impl Explain for RegistryError {
    fn code(&self) -> Code {
        match self {
            RegistryError::Connect { .. } => Code::RegistryConnect,
            RegistryError::Tls { .. } => Code::RegistryTls,
            RegistryError::Unauthorized { .. } => Code::RegistryUnauthorized,
            RegistryError::Denied { .. } => Code::RegistryDenied,
            RegistryError::NotFound { .. } => Code::RegistryNotFound,
            RegistryError::Status { .. } => Code::RegistryStatus,
            RegistryError::Schema1 { .. } => Code::RegistrySchema1,
            RegistryError::MediaType { .. } => Code::RegistryMediaType,
            RegistryError::NoPlatform { .. } => Code::PlatformNotFound,
            RegistryError::BadPlatform(_) => Code::PlatformInvalid,
            RegistryError::Digest { source, .. } => source.code(),
            RegistryError::Protocol { .. } => Code::RegistryProtocol,
            RegistryError::Token { .. } | RegistryError::UnsafeRealm { .. } => Code::RegistryToken,
            RegistryError::MissingBlob(_) => Code::RegistryMissingBlob,
            RegistryError::Store(e) => e.code(),
            RegistryError::Settings { .. } => Code::RegistrySettings,
            RegistryError::Cancelled => Code::TaskCancelled,
        }
    }

    fn hint(&self) -> Option<Hint> {
        let key = match self {
            RegistryError::Connect { proxy: Some(_), .. } => HintKey::RegistryCheckProxy,
            RegistryError::Connect { .. } => HintKey::RegistryCheckAddress,
            RegistryError::Tls { .. } => HintKey::RegistryTrustCertificate,
            RegistryError::Unauthorized {
                with_credentials: true,
                ..
            } => HintKey::RegistryCheckCredentials,
            RegistryError::Unauthorized { .. } => HintKey::RegistryLogIn,
            RegistryError::Denied { .. } => HintKey::RegistryCheckPermission,
            RegistryError::NotFound { .. } => HintKey::RegistryCheckName,
            RegistryError::Status { .. } if self.has_code("MANIFEST_INVALID") => {
                HintKey::RegistryManifestRefused
            }
            RegistryError::Status { .. }
                if self.has_code("BLOB_UNKNOWN") || self.has_code("MANIFEST_BLOB_UNKNOWN") =>
            {
                HintKey::RegistryBlobMissing
            }
            RegistryError::Status { status: 429, .. } => HintKey::RegistryRateLimited,
            RegistryError::Status { status, .. } if *status >= 500 => HintKey::RegistryServerFailed,
            RegistryError::Schema1 { .. } => HintKey::RegistryConvertSchema1,
            RegistryError::NoPlatform { .. } => HintKey::PlatformChoose,
            RegistryError::Digest { .. } => HintKey::RegistryCorruptInTransit,
            RegistryError::MissingBlob(_) => HintKey::StoreRepair,
            RegistryError::Store(e) => return e.hint(),
            RegistryError::Token { .. } => HintKey::RegistryCheckTokenServer,
            RegistryError::UnsafeRealm { .. } => HintKey::RegistryUnsafeRealm,
            _ => return None,
        };
        Some(key.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_read_as_sentences_with_unknown_codes_kept() {
        for (body, want) in [
            (
                r#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:00"}]}"#,
                "the blob is not in the repository (blob unknown to registry)",
            ),
            (
                r#"{"errors":[{"code":"ACR_QUOTA","message":"namespace quota exceeded"}]}"#,
                "namespace quota exceeded (ACR_QUOTA)",
            ),
            (r#"{"errors":[{"code":"DENIED"}]}"#, "access was denied"),
            ("<html>bad gateway</html>", ""),
        ] {
            assert_eq!(describe(&parse_error_body(body.as_bytes())), want, "{body}");
        }
    }

    #[test]
    fn manifest_invalid_and_blob_unknown_say_what_to_check() {
        let err = |code: &str| RegistryError::Status {
            registry: "r.example".into(),
            action: "PUT manifest".into(),
            status: 400,
            errors: vec![RegistryErrorEntry {
                code: code.into(),
                message: String::new(),
            }],
        };
        assert!(err("MANIFEST_INVALID")
            .hint()
            .unwrap()
            .is(&HintKey::RegistryManifestRefused));
        assert!(err("BLOB_UNKNOWN")
            .hint()
            .unwrap()
            .is(&HintKey::RegistryBlobMissing));
        let p = err("MANIFEST_INVALID").problem();
        assert_eq!(
            p.message,
            "r.example answered 400 to PUT manifest: the registry refused the manifest as invalid"
        );
    }

    #[test]
    fn unauthorized_names_the_registry() {
        let e = RegistryError::Unauthorized {
            registry: "registry.cn-hangzhou.aliyuncs.com".into(),
            with_credentials: true,
        };
        assert_eq!(
            e.to_string(),
            "registry.cn-hangzhou.aliyuncs.com refused the credentials (401 Unauthorized)"
        );
    }
}
