//! A tiny blocking HTTP client for the harness tests: every status is an answer, not an
//! error, because the tests assert on 401s and 403s.

#![allow(dead_code)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

#[derive(Clone, Default)]
pub enum Cred {
    #[default]
    None,
    Basic(String, String),
    Bearer(String),
}

impl Cred {
    pub fn basic(user: &str, password: &str) -> Self {
        Cred::Basic(user.into(), password.into())
    }

    fn header(&self) -> Option<String> {
        match self {
            Cred::None => None,
            Cred::Basic(u, p) => Some(format!("Basic {}", STANDARD.encode(format!("{u}:{p}")))),
            Cred::Bearer(t) => Some(format!("Bearer {t}")),
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

pub fn request(
    method: &str,
    url: &str,
    cred: &Cred,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Answer {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    if let Some(h) = cred.header() {
        builder = builder.header("Authorization", h);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(body.unwrap_or_default().to_vec())
        .expect("request builds");
    let mut response = agent()
        .run(request)
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = if method == "HEAD" {
        Vec::new()
    } else {
        response.body_mut().read_to_vec().expect("body reads")
    };
    Answer {
        status,
        headers,
        body,
    }
}

pub fn get(url: &str, cred: &Cred) -> Answer {
    request("GET", url, cred, &[], None)
}

pub fn head(url: &str, cred: &Cred) -> Answer {
    request("HEAD", url, cred, &[], None)
}

pub fn post_form(url: &str, form: &[(&str, &str)]) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    request(
        "POST",
        url,
        &Cred::None,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(body.as_bytes()),
    )
}

/// Uploads a blob in one POST + PUT, as the distribution spec's monolithic upload; the
/// status of the first refused step, or of the final PUT.
pub fn upload_blob(base: &str, repo: &str, bytes: &[u8], cred: &Cred) -> u16 {
    let start = request(
        "POST",
        &format!("{base}/v2/{repo}/blobs/uploads/"),
        cred,
        &[],
        None,
    );
    if start.status != 202 {
        return start.status;
    }
    let location = start.header("Location").expect("202 has a Location");
    let location = if location.starts_with('/') {
        format!("{base}{location}")
    } else {
        location.to_string()
    };
    let digest = strata_testkit::fixtures::digest_of(bytes);
    let sep = if location.contains('?') { '&' } else { '?' };
    request(
        "PUT",
        &format!("{location}{sep}digest={digest}"),
        cred,
        &[("Content-Type", "application/octet-stream")],
        Some(bytes),
    )
    .status
}

/// Parses `Bearer realm="…",service="…",scope="…"` into its parameters.
pub fn challenge_params(header: &str) -> Vec<(String, String)> {
    let rest = header.strip_prefix("Bearer ").unwrap_or(header);
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        let key = key
            .trim_matches(|c: char| c == ',' || c.is_whitespace())
            .to_string();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                value.push(c);
            }
        } else {
            value = chars.by_ref().take_while(|c| *c != ',').collect();
        }
        out.push((key, value));
    }
    out
}

pub fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}
