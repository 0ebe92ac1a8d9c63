//! The HTTP helpers every registry call shares, whether it goes through a [`Client`]
//! session or to a token server ([`auth`](super::auth)): a reqwest error in words, a body
//! read with a size cap, and the wait before a retry.
//!
//! [`Client`]: super::Client

use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::Response;

use crate::settings::ProxySettings;

const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A `Retry-After` longer than this is capped: the user is watching a progress bar.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A reqwest error as a person reads it: the root cause (`Connection refused`, `dns
/// error: …`, `invalid peer certificate: UnknownIssuer`), which reqwest's own message
/// (`error sending request for url (…)`) hides. The whole chain goes to the debug log.
pub(crate) fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut chain = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    tracing::debug!(error = %chain.join(": "), "HTTP error");
    let root = chain.last().cloned().unwrap_or_default();
    let root = root
        .strip_prefix("tcp connect error: ")
        .unwrap_or(&root)
        .to_string();
    if e.is_timeout() {
        format!("timed out ({root})")
    } else if e.is_body() || e.is_decode() {
        format!("the connection broke: {root}")
    } else {
        root
    }
}

/// Every environment variable that names a proxy or the hosts reached without one, in
/// both spellings: what reqwest and the proxy shown in errors read when no proxy is set in
/// Settings.
pub const PROXY_VARS: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The proxy a connection to `scheme://host/` goes through, as `scheme://host:port` without
/// any credentials: `settings`' (whose no-proxy list then applies) when given, else the
/// environment's (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), matched by the same
/// rules reqwest connects by. `None`: the connection is direct.
pub(crate) fn proxy_for(
    settings: Option<&ProxySettings>,
    scheme: &str,
    host: &str,
) -> Option<String> {
    use hyper_util::client::proxy::matcher::Matcher;
    let matcher = match settings {
        Some(p) => Matcher::builder()
            .all(p.url.clone())
            .no(p.no_proxy.clone())
            .build(),
        None => Matcher::from_env(),
    };
    let dst: http::Uri = format!("{scheme}://{host}/").parse().ok()?;
    let via = matcher.intercept(&dst)?;
    let uri = via.uri();
    // Never the userinfo: an environment's proxy URL may carry a password.
    let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!(
        "{}://{}{port}",
        uri.scheme_str().unwrap_or("http"),
        uri.host().unwrap_or_default()
    ))
}

pub(crate) fn is_tls_error(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("certificate") || t.contains("tls") || t.contains("handshake")
}

/// Reads at most `max + 1` bytes of a body (one more than allowed, so that the caller
/// can tell an oversized body from one of exactly `max`).
pub(crate) async fn read_capped(mut resp: Response, max: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = (max + 1).saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() > max {
            break;
        }
    }
    Ok(out)
}

/// How long to wait before retry number `attempt` (1-based): the server's
/// `Retry-After` (seconds) when it gave one, else 250 ms doubling, with some jitter so
/// that parallel layers do not retry in lockstep.
pub(crate) fn backoff(attempt: u32, retry_after: Option<&HeaderValue>) -> Duration {
    if let Some(secs) = retry_after
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        return Duration::from_secs(secs).min(MAX_RETRY_AFTER);
    }
    let base = Duration::from_millis(250) * 2u32.saturating_pow(attempt.saturating_sub(1).min(6));
    let jitter = Duration::from_millis(rand::random::<u64>() % 100);
    base.min(MAX_BACKOFF) + jitter
}

/// Whether trying again may help: a broken connection, a registry failure or throttling
/// (5xx, 429), or an upload range the registry no longer agrees with (416). The one rule
/// for every retry of a transfer.
pub(crate) fn transient(e: &super::RegistryError) -> bool {
    match e {
        super::RegistryError::Connect { .. } => true,
        super::RegistryError::Status { status, .. } => {
            *status >= 500 || *status == 429 || *status == 416
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_honoured_and_capped() {
        assert_eq!(
            backoff(1, Some(&HeaderValue::from_static("2"))),
            Duration::from_secs(2)
        );
        assert_eq!(
            backoff(1, Some(&HeaderValue::from_static("3600"))),
            MAX_RETRY_AFTER
        );
        assert!(backoff(10, None) <= MAX_BACKOFF + Duration::from_millis(100));
    }
}
