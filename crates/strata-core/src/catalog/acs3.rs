//! Alibaba Cloud's V3 request signature, `ACS3-HMAC-SHA256`, which every management call
//! to Container Registry (Personal Edition 2016-06-07, path style; Enterprise Edition
//! 2018-12-01, RPC style) carries.
//!
//! The algorithm, as "Request syntax and signature method V3" in Alibaba Cloud's SDK
//! documentation states it
//! (<https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>):
//!
//! ```text
//! CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n
//!                    CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
//! StringToSign     = "ACS3-HMAC-SHA256" \n hex(SHA256(CanonicalRequest))
//! Signature        = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
//! Authorization    = ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=...,Signature=...
//! ```
//!
//! - names and values are encoded with RFC 3986 unreserved characters kept
//!   (`A-Z a-z 0-9 - _ . ~`) and every other UTF-8 byte as `%XX`, so a space is `%20`,
//!   `*` is `%2A`, `+` is `%2B` and `/` in a query value is `%2F`;
//! - the canonical URI encodes each `/`-separated segment of the path (`/` for RPC calls);
//! - the query is sorted by name (then value) before encoding, each pair `name=value`, a
//!   pair without a value `name=`;
//! - the canonical headers are `host`, `content-type` when present and every `x-acs-*`
//!   header, names lowercased and sorted, values trimmed, one `name:value\n` each;
//! - `x-acs-content-sha256` is hex(SHA-256(body)), empty body included.
//!
//! Hand-written on `hmac` and `sha2` (already in the tree) rather than taken from
//! crates.io: the crates that sign for Alibaba Cloud are either V2-only
//! (`aliyun-openapi-core-rust-sdk`, `alibabacloud`, `alibaba-cloud-sdk-rust`: HMAC-SHA1) or
//! a whole SDK whose V3 signer is bound to its own reqwest 0.13 request type and a second
//! `hmac`/`sha2` major (`ali-acs`), none of them maintained by Alibaba Cloud; the algorithm
//! itself is short, and the official worked example pins it byte for byte in the tests.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::secret::Sensitive;

/// The algorithm name, first word of the `Authorization` header.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// An AccessKey pair, with the STS token when the pair is a temporary one.
#[derive(Debug, Clone)]
pub struct AccessKey {
    /// The AccessKey ID, sent in clear as the `Credential`.
    pub id: String,
    /// The AccessKey secret: the HMAC key, never sent.
    pub secret: Sensitive<String>,
    /// The STS token, sent (and signed) as `x-acs-security-token`.
    pub security_token: Option<Sensitive<String>>,
}

impl AccessKey {
    /// A long-lived pair.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            secret: Sensitive::new(secret.into()),
            security_token: None,
        }
    }

    /// The same pair used with an STS token.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Sensitive::new(token.into()));
        self
    }
}

/// What makes one request unique: `x-acs-date` and `x-acs-signature-nonce`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// ISO 8601 UTC to the second, `2023-10-26T10:22:32Z`.
    pub date: String,
    /// A value the server has not seen before, against replays.
    pub nonce: String,
}

impl Stamp {
    /// The current time and a fresh random nonce (128 bits, hex).
    pub fn now() -> Self {
        Self::at(Utc::now(), &random_nonce())
    }

    /// A given time and nonce: for tests, and for a server's view of a stale request.
    pub fn at(time: DateTime<Utc>, nonce: &str) -> Self {
        Self {
            date: time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            nonce: nonce.to_string(),
        }
    }
}

fn random_nonce() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// One API call, before signing. Path and query values are given decoded; the signer
/// encodes them, so the URL it returns and the canonical request always agree.
#[derive(Debug, Clone)]
pub struct Call {
    method: String,
    host: String,
    path: String,
    action: String,
    version: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Call {
    /// `method` on `path` (decoded, `/` for RPC calls) of `host`, which must be the
    /// `Host` header exactly as the HTTP client sends it: with `:port` when the port is
    /// not the scheme's default.
    pub fn new(method: &str, host: &str, path: &str, action: &str, version: &str) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            host: host.to_string(),
            path: path.to_string(),
            action: action.to_string(),
            version: version.to_string(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a query parameter (decoded).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds a header; `content-type` and `x-acs-*` headers are signed, others are sent
    /// unsigned.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The body, and its `Content-Type` (signed).
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.body = body;
        self.header("content-type", content_type)
    }
}

/// A signed call: what to send, and the intermediate strings (the canonical request is
/// what a server's `SignatureDoesNotMatch` message is compared against).
#[derive(Debug, Clone)]
pub struct Signed {
    /// The method, uppercase.
    pub method: String,
    /// Encoded path and query, to append to `scheme://host`: `/repos/ns?Page=1`.
    pub path_and_query: String,
    /// Every header to send besides `Host` (which the HTTP client sets from the URL),
    /// `Authorization` last.
    pub headers: Vec<(String, String)>,
    /// The body to send.
    pub body: Vec<u8>,
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// `ACS3-HMAC-SHA256\n` + hex(SHA-256(canonical request)).
    pub string_to_sign: String,
    /// Lowercase hex HMAC-SHA256.
    pub signature: String,
}

/// Signs `call` with `key` at `stamp`: adds `x-acs-action`, `x-acs-version`,
/// `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256`,
/// `x-acs-security-token` (STS) and `Authorization`.
pub fn sign(call: Call, key: &AccessKey, stamp: &Stamp) -> Signed {
    let mut headers = call.headers;
    headers.push(("x-acs-action".into(), call.action));
    headers.push(("x-acs-version".into(), call.version));
    headers.push(("x-acs-date".into(), stamp.date.clone()));
    headers.push(("x-acs-signature-nonce".into(), stamp.nonce.clone()));
    headers.push(("x-acs-content-sha256".into(), hashed_payload(&call.body)));
    if let Some(token) = &key.security_token {
        headers.push(("x-acs-security-token".into(), token.expose().clone()));
    }
    let mut signed_input = headers.clone();
    signed_input.push(("host".into(), call.host));
    let (canonical_headers, signed_headers) = canonical_headers(&signed_input);
    let uri = canonical_uri(&call.path);
    let query = canonical_query(&call.query);
    let canonical_request = [
        call.method.as_str(),
        &uri,
        &query,
        &canonical_headers,
        &signed_headers,
        &hashed_payload(&call.body),
    ]
    .join("\n");
    let string_to_sign = string_to_sign(&canonical_request);
    let signature = signature(key.secret.expose(), &string_to_sign);
    headers.push((
        "authorization".into(),
        authorization(&key.id, &signed_headers, &signature),
    ));
    let path_and_query = if query.is_empty() {
        uri
    } else {
        format!("{uri}?{query}")
    };
    Signed {
        method: call.method,
        path_and_query,
        headers,
        body: call.body,
        canonical_request,
        string_to_sign,
        signature,
    }
}

/// RFC 3986 encoding of every UTF-8 byte outside `A-Z a-z 0-9 - _ . ~`, hex uppercase.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Each `/`-separated segment of a decoded path encoded; an empty path is `/`.
pub fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    path.split('/')
        .map(percent_encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// Encoded `name=value` pairs joined by `&`, sorted by the bytes of the decoded name (then
/// value), as Alibaba Cloud's SDKs sort them before encoding.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether a header takes part in the signature.
pub fn is_signed_header(lowercase_name: &str) -> bool {
    lowercase_name == "host"
        || lowercase_name == "content-type"
        || lowercase_name.starts_with("x-acs-")
}

/// The canonical headers (`name:value\n` each) and the signed header list (`a;b;c`) of
/// the headers that take part in the signature. A header given twice has its trimmed
/// values sorted and joined with `,`.
pub fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut merged: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        if is_signed_header(&name) {
            merged
                .entry(name)
                .or_default()
                .push(value.trim().to_string());
        }
    }
    let mut canonical = String::new();
    for (name, values) in &mut merged {
        values.sort();
        canonical.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let signed = merged.keys().cloned().collect::<Vec<_>>().join(";");
    (canonical, signed)
}

/// hex(SHA-256(body)), the value of `x-acs-content-sha256`.
pub fn hashed_payload(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// `ACS3-HMAC-SHA256\n` + hex(SHA-256(canonical request)).
pub fn string_to_sign(canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// hex(HMAC-SHA256(secret, string to sign)).
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value.
pub fn authorization(key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!("{ALGORITHM} Credential={key_id},SignedHeaders={signed_headers},Signature={signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "Fixed parameter values" example of "Request syntax and signature method V3"
    /// (Alibaba Cloud SDK documentation): ECS RunInstances, empty body.
    fn documented_example() -> Signed {
        let call = Call::new(
            "POST",
            "ecs.cn-shanghai.aliyuncs.com",
            "/",
            "RunInstances",
            "2014-05-26",
        )
        .query(
            "ImageId",
            "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        )
        .query("RegionId", "cn-shanghai");
        let key = AccessKey::new("YourAccessKeyId", "YourAccessKeySecret");
        let stamp = Stamp {
            date: "2023-10-26T10:22:32Z".into(),
            nonce: "3156853299f313e23d1673dc12e1703d".into(),
        };
        sign(call, &key, &stamp)
    }

    #[test]
    fn documented_example_canonical_request_is_byte_exact() {
        let want = "POST\n\
            /\n\
            ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
            host:ecs.cn-shanghai.aliyuncs.com\n\
            x-acs-action:RunInstances\n\
            x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
            x-acs-date:2023-10-26T10:22:32Z\n\
            x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
            x-acs-version:2014-05-26\n\
            \n\
            host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(documented_example().canonical_request, want);
    }

    #[test]
    fn documented_example_string_to_sign_and_signature_match() {
        let signed = documented_example();
        assert_eq!(
            signed.string_to_sign,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signed.signature,
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn documented_example_authorization_header_is_byte_exact() {
        let signed = documented_example();
        let authorization = signed
            .headers
            .iter()
            .find(|(name, _)| name == "authorization")
            .map(|(_, value)| value.as_str());
        assert_eq!(
            authorization,
            Some(
                "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
                 SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;\
                 x-acs-signature-nonce;x-acs-version,\
                 Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
            )
        );
        assert_eq!(
            signed.path_and_query,
            "/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
        );
    }

    #[test]
    fn encoding_follows_rfc3986_unreserved_set() {
        let cases = [
            ("a b", "a%20b"),
            ("*", "%2A"),
            ("~", "~"),
            ("-_.", "-_."),
            ("+", "%2B"),
            ("/", "%2F"),
            ("=&", "%3D%26"),
            ("%", "%25"),
            ("é", "%C3%A9"),
            ("中文", "%E4%B8%AD%E6%96%87"),
            ("", ""),
            ("AZaz09", "AZaz09"),
        ];
        for (input, want) in cases {
            assert_eq!(percent_encode(input), want, "{input:?}");
        }
    }

    /// Every byte of every char up to U+07FF, plus a sample above: unreserved bytes stay,
    /// all others become exactly `%XX` uppercase, and decoding gives the input back.
    #[test]
    fn encoding_round_trips_and_uses_only_unreserved_or_escapes() {
        let samples = (0u32..0x800)
            .chain([0x4E2D, 0xFFFD, 0x1F600])
            .filter_map(char::from_u32);
        for c in samples {
            let input = format!("x{c}y");
            let encoded = percent_encode(&input);
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric()
                        || matches!(b, b'-' | b'_' | b'.' | b'~' | b'%')),
                "{input:?} -> {encoded}"
            );
            assert_eq!(decode(&encoded), input.as_bytes(), "{input:?} -> {encoded}");
            let escapes_are_uppercase_hex = encoded.match_indices('%').all(|(i, _)| {
                encoded[i + 1..i + 3]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
            });
            assert!(escapes_are_uppercase_hex, "{input:?} -> {encoded}");
        }
    }

    fn decode(encoded: &str) -> Vec<u8> {
        let bytes = encoded.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    #[test]
    fn query_is_sorted_by_decoded_name_with_empty_values_kept() {
        let query = vec![
            ("b".to_string(), "x y".to_string()),
            ("Empty".to_string(), String::new()),
            ("a".to_string(), "1+1/2*3~".to_string()),
            ("a".to_string(), "0".to_string()),
            ("名".to_string(), "值".to_string()),
        ];
        assert_eq!(
            canonical_query(&query),
            "Empty=&a=0&a=1%2B1%2F2%2A3~&b=x%20y&%E5%90%8D=%E5%80%BC"
        );
        assert_eq!(canonical_query(&[]), "");
    }

    #[test]
    fn canonical_uri_encodes_segments_not_slashes() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/repos/team/app"), "/repos/team/app");
        assert_eq!(canonical_uri("/repos/a b/c*d~"), "/repos/a%20b/c%2Ad~");
        assert_eq!(canonical_uri("/namespace/中"), "/namespace/%E4%B8%AD");
    }

    #[test]
    fn canonical_headers_keep_host_content_type_and_acs_only() {
        let headers = vec![
            (
                "Host".to_string(),
                "cr.cn-hangzhou.aliyuncs.com".to_string(),
            ),
            ("Content-Type".to_string(), " application/json ".to_string()),
            ("X-Acs-Date".to_string(), "2024-01-01T00:00:00Z".to_string()),
            ("User-Agent".to_string(), "strata".to_string()),
            ("x-acs-custom".to_string(), "b".to_string()),
            ("X-ACS-CUSTOM".to_string(), " a".to_string()),
        ];
        let (canonical, signed) = canonical_headers(&headers);
        assert_eq!(
            canonical,
            "content-type:application/json\n\
             host:cr.cn-hangzhou.aliyuncs.com\n\
             x-acs-custom:a,b\n\
             x-acs-date:2024-01-01T00:00:00Z\n"
        );
        assert_eq!(signed, "content-type;host;x-acs-custom;x-acs-date");
    }

    #[test]
    fn body_hash_and_content_type_are_signed() {
        let body = br#"{"Namespace":{"Namespace":"team"}}"#.to_vec();
        let call = Call::new(
            "put",
            "127.0.0.1:5000",
            "/namespace",
            "CreateNamespace",
            "2016-06-07",
        )
        .body("application/json", body.clone());
        let signed = sign(call, &AccessKey::new("id", "secret"), &Stamp::now());
        assert_eq!(signed.method, "PUT");
        let header = |name: &str| {
            signed
                .headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(header("x-acs-content-sha256"), Some(hashed_payload(&body)));
        assert!(signed
            .canonical_request
            .contains("\ncontent-type:application/json\n"));
        assert!(header("authorization")
            .is_some_and(|a| a.contains("SignedHeaders=content-type;host;x-acs-action;")));
        assert!(!signed.headers.iter().any(|(n, _)| n == "host"));
    }

    #[test]
    fn sts_token_is_sent_and_signed() {
        let key = AccessKey::new("STS.id", "secret").with_security_token("token+/=");
        let call = Call::new(
            "GET",
            "cr.cn-hangzhou.aliyuncs.com",
            "/tokens",
            "GetAuthorizationToken",
            "2016-06-07",
        );
        let signed = sign(call, &key, &Stamp::now());
        assert!(signed
            .headers
            .contains(&("x-acs-security-token".to_string(), "token+/=".to_string())));
        assert!(signed
            .canonical_request
            .contains("\nx-acs-security-token:token+/=\n"));
        assert!(format!("{key:?}").contains("<redacted>"));
        assert!(!format!("{key:?}").contains("token+/="));
    }

    #[test]
    fn a_different_secret_gives_a_different_signature() {
        let stamp = Stamp::at(Utc::now(), "n");
        let call = || Call::new("GET", "h", "/namespace", "GetNamespaceList", "2016-06-07");
        let a = sign(call(), &AccessKey::new("id", "one"), &stamp);
        let b = sign(call(), &AccessKey::new("id", "two"), &stamp);
        assert_eq!(a.canonical_request, b.canonical_request);
        assert_ne!(a.signature, b.signature);
    }

    #[test]
    fn stamp_formats_utc_to_the_second_and_nonces_differ() {
        let time = DateTime::parse_from_rfc3339("2023-10-26T18:22:32.987+08:00")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(Stamp::at(time, "n").date, "2023-10-26T10:22:32Z");
        let (a, b) = (Stamp::now(), Stamp::now());
        assert_eq!(a.nonce.len(), 32);
        assert_ne!(a.nonce, b.nonce);
    }
}
