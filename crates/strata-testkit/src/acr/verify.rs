//! The gateway's side of `ACS3-HMAC-SHA256`: rebuilds the canonical request from what
//! arrived on the wire and checks the signature, the date window and the nonce.
//!
//! Written apart from Strata's signer (`strata_core::catalog::acs3`) on purpose: two
//! readings of the same documentation
//! (<https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>)
//! that must agree on every request, and the documented worked example pins this one
//! too (see the tests). The path and query are percent-decoded and encoded again, so a
//! client is judged on what it meant, not on how its HTTP library escaped the URL.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::error::{code, ApiError};

/// The headers that every V3 request signs.
const REQUIRED_SIGNED: &[&str] = &[
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
];

/// The key a server accepts.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    pub id: String,
    pub secret: String,
    pub security_token: Option<String>,
}

/// What arrived, as the HTTP server saw it.
pub(crate) struct Incoming<'a> {
    pub method: &'a str,
    /// The request target as sent: encoded path, `?`, encoded query.
    pub target: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// A request whose signature held: its decoded parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    pub action: String,
    pub version: String,
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
}

/// Nonces seen within the date window; older ones cannot be replayed anyway.
#[derive(Debug, Default)]
pub(crate) struct Nonces {
    seen: HashMap<String, DateTime<Utc>>,
}

impl Nonces {
    /// Records `nonce`; false when it was seen before.
    fn remember(&mut self, nonce: &str, now: DateTime<Utc>, window: Duration) -> bool {
        let keep = chrono::Duration::from_std(window * 2).unwrap_or(chrono::Duration::MAX);
        self.seen
            .retain(|_, at| now.signed_duration_since(*at) < keep);
        self.seen.insert(nonce.to_string(), now).is_none()
    }
}

/// Checks one request; on success the nonce is spent.
pub(crate) fn verify(
    incoming: &Incoming<'_>,
    credential: &Credential,
    nonces: &mut Nonces,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<Verified, ApiError> {
    let authorization = parse_authorization(header(incoming.headers, "authorization"))?;
    if authorization.key_id != credential.id {
        return Err(ApiError::gateway(
            404,
            code::ACCESS_KEY_NOT_FOUND,
            "Specified access key is not found.",
        ));
    }
    check_signed_set(incoming.headers, &authorization.signed)?;
    check_date(required(incoming.headers, "x-acs-date")?, now, window)?;
    check_security_token(incoming.headers, credential)?;
    let hashed = required(incoming.headers, "x-acs-content-sha256")?;
    if hashed != hex::encode(Sha256::digest(incoming.body)) {
        return Err(mismatch(
            "x-acs-content-sha256 is not the SHA-256 of the body",
        ));
    }
    let (path, raw_query) = incoming
        .target
        .split_once('?')
        .unwrap_or((incoming.target, ""));
    let segments: Vec<String> = path.split('/').map(percent_decode).collect();
    let query = parse_query(raw_query);
    let canonical = canonical_request(incoming, &authorization.signed, &segments, &query, hashed);
    let string_to_sign = format!(
        "ACS3-HMAC-SHA256\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    if hmac_hex(&credential.secret, &string_to_sign) != authorization.signature {
        return Err(mismatch(&format!(
            "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
        )));
    }
    let nonce = required(incoming.headers, "x-acs-signature-nonce")?;
    if !nonces.remember(nonce, now, window) {
        return Err(ApiError::gateway(
            400,
            code::SIGNATURE_NONCE_USED,
            "Specified signature nonce was used already.",
        ));
    }
    Ok(Verified {
        action: required(incoming.headers, "x-acs-action")?.to_string(),
        version: required(incoming.headers, "x-acs-version")?.to_string(),
        segments: segments.into_iter().filter(|s| !s.is_empty()).collect(),
        query,
    })
}

struct Authorization {
    key_id: String,
    signed: Vec<String>,
    signature: String,
}

fn parse_authorization(value: Option<&str>) -> Result<Authorization, ApiError> {
    let incomplete = |why: &str| ApiError::gateway(400, code::INCOMPLETE_SIGNATURE, why);
    let value = value.ok_or_else(|| incomplete("the Authorization header is missing"))?;
    let rest = value
        .strip_prefix("ACS3-HMAC-SHA256 ")
        .ok_or_else(|| incomplete("the signature algorithm must be ACS3-HMAC-SHA256"))?;
    let mut fields: HashMap<&str, &str> = HashMap::new();
    for part in rest.split(',') {
        if let Some((name, value)) = part.trim().split_once('=') {
            fields.insert(name, value);
        }
    }
    let field = |name: &str| {
        fields
            .get(name)
            .map(|v| v.to_string())
            .ok_or_else(|| incomplete(&format!("Authorization has no {name}")))
    };
    Ok(Authorization {
        key_id: field("Credential")?,
        signed: field("SignedHeaders")?
            .split(';')
            .map(str::to_string)
            .collect(),
        signature: field("Signature")?,
    })
}

/// Every required header, `content-type` when sent and every `x-acs-*` header sent must
/// be signed, and the list must be lowercase and sorted as the canonical form has it.
fn check_signed_set(headers: &[(String, String)], signed: &[String]) -> Result<(), ApiError> {
    let incomplete = |why: String| ApiError::gateway(400, code::INCOMPLETE_SIGNATURE, why);
    let mut sorted = signed.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted != signed || signed.iter().any(|h| h.to_ascii_lowercase() != *h) {
        return Err(incomplete(format!(
            "SignedHeaders must be lowercase and sorted: {}",
            signed.join(";")
        )));
    }
    let sent = headers.iter().map(|(name, _)| name.to_ascii_lowercase());
    let must: Vec<String> = REQUIRED_SIGNED
        .iter()
        .map(|h| h.to_string())
        .chain(sent.filter(|n| n == "content-type" || n.starts_with("x-acs-")))
        .collect();
    for name in must {
        if !signed.contains(&name) {
            return Err(incomplete(format!("the header {name} is not signed")));
        }
        if header(headers, &name).is_none() {
            return Err(incomplete(format!("the header {name} is missing")));
        }
    }
    Ok(())
}

fn check_date(value: &str, now: DateTime<Utc>, window: Duration) -> Result<(), ApiError> {
    let date = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%SZ")
        .map(|d| d.and_utc())
        .map_err(|_| {
            ApiError::gateway(
                400,
                code::TIMESTAMP_FORMAT,
                "Specified time stamp or date value is not well formatted.",
            )
        })?;
    let skew = now.signed_duration_since(date).abs();
    if skew.to_std().unwrap_or(Duration::MAX) > window {
        return Err(ApiError::gateway(
            400,
            code::TIMESTAMP_EXPIRED,
            "Specified time stamp or date value is expired.",
        ));
    }
    Ok(())
}

fn check_security_token(
    headers: &[(String, String)],
    credential: &Credential,
) -> Result<(), ApiError> {
    let sent = header(headers, "x-acs-security-token");
    match (&credential.security_token, sent) {
        (None, None) => Ok(()),
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(_), None) => Err(ApiError::gateway(
            400,
            code::MISSING_SECURITY_TOKEN,
            "SecurityToken is mandatory for this action.",
        )),
        _ => Err(ApiError::gateway(
            400,
            code::SECURITY_TOKEN_MISMATCH,
            "Specified SecurityToken does not belong to the AccessKey.",
        )),
    }
}

fn canonical_request(
    incoming: &Incoming<'_>,
    signed: &[String],
    segments: &[String],
    query: &[(String, String)],
    hashed_payload: &str,
) -> String {
    // `/` splits into two empty segments, which join back into `/`.
    let uri = segments
        .iter()
        .map(|s| encode(s))
        .collect::<Vec<_>>()
        .join("/");
    let mut sorted: Vec<&(String, String)> = query.iter().collect();
    sorted.sort();
    let query = sorted
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let mut values: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, value) in incoming.headers {
        let lower = name.to_ascii_lowercase();
        if let Some(signed_name) = signed.iter().find(|s| **s == lower) {
            values.entry(signed_name).or_default().push(value.trim());
        }
    }
    let headers: String = values
        .iter_mut()
        .map(|(name, vals)| {
            vals.sort();
            format!("{name}:{}\n", vals.join(","))
        })
        .collect();
    [
        incoming.method,
        &uri,
        &query,
        &headers,
        &signed.join(";"),
        hashed_payload,
    ]
    .join("\n")
}

fn mismatch(message: &str) -> ApiError {
    ApiError::gateway(400, code::SIGNATURE_DOES_NOT_MATCH, message)
}

fn hmac_hex(secret: &str, message: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The first value of a header, by case-insensitive name.
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn required<'a>(headers: &'a [(String, String)], name: &str) -> Result<&'a str, ApiError> {
    header(headers, name).ok_or_else(|| {
        ApiError::gateway(
            400,
            code::INCOMPLETE_SIGNATURE,
            format!("the header {name} is missing"),
        )
    })
}

/// `a=1&b=&c`: pairs percent-decoded (a `+` stays a `+`: V3 clients send `%20`).
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| raw.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented_headers(nonce: &str) -> Vec<(String, String)> {
        let authorization = "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
             SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;\
             x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0";
        [
            ("Host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            (
                "x-acs-content-sha256",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-version", "2014-05-26"),
            ("Authorization", authorization),
            ("User-Agent", "unsigned is fine"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
    }

    fn documented_time() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2023-10-26T10:25:00Z")
            .expect("valid")
            .with_timezone(&Utc)
    }

    fn credential() -> Credential {
        Credential {
            id: "YourAccessKeyId".into(),
            secret: "YourAccessKeySecret".into(),
            security_token: None,
        }
    }

    const TARGET: &str =
        "/?RegionId=cn-shanghai&ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd";

    fn check(headers: &[(String, String)], nonces: &mut Nonces) -> Result<Verified, ApiError> {
        let incoming = Incoming {
            method: "POST",
            target: TARGET,
            headers,
            body: b"",
        };
        let window = Duration::from_secs(15 * 60);
        verify(&incoming, &credential(), nonces, documented_time(), window)
    }

    #[test]
    fn documented_example_verifies_and_its_nonce_is_then_spent() {
        let headers = documented_headers("3156853299f313e23d1673dc12e1703d");
        let mut nonces = Nonces::default();
        let verified = check(&headers, &mut nonces).expect("the documented request verifies");
        assert_eq!(verified.action, "RunInstances");
        assert_eq!(verified.query.len(), 2);
        let again = check(&headers, &mut nonces).expect_err("replayed");
        assert_eq!(again.code, code::SIGNATURE_NONCE_USED);
    }

    #[test]
    fn a_changed_signed_value_is_a_mismatch() {
        let mut headers = documented_headers("3156853299f313e23d1673dc12e1703d");
        headers[1].1 = "StopInstances".into();
        let err = check(&headers, &mut Nonces::default()).expect_err("tampered");
        assert_eq!(err.code, code::SIGNATURE_DOES_NOT_MATCH);
        assert!(
            err.message.contains("server string to sign"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_unsigned_acs_header_is_refused() {
        let mut headers = documented_headers("3156853299f313e23d1673dc12e1703d");
        headers.push(("x-acs-extra".into(), "1".into()));
        let err = check(&headers, &mut Nonces::default()).expect_err("unsigned");
        assert_eq!(err.code, code::INCOMPLETE_SIGNATURE);
    }

    #[test]
    fn decoding_keeps_plus_and_reads_escapes() {
        assert_eq!(
            parse_query("a=1%2B1&b=x%20y&c&d=%E4%B8%AD+"),
            vec![
                ("a".to_string(), "1+1".to_string()),
                ("b".to_string(), "x y".to_string()),
                ("c".to_string(), String::new()),
                ("d".to_string(), "中+".to_string()),
            ]
        );
    }
}
