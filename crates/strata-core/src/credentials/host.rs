//! Registry names as references spell them, so that a login made as
//! `https://index.docker.io/v1/` (docker's key), `Example.com:5000/` or `docker.io` is
//! found again for a reference on that registry.

use super::CredentialsError;
use crate::reference::{DOCKER_HUB, DOCKER_HUB_API_HOST};

/// Docker Hub's other names, as docker's `config.json` and old clients write them.
const DOCKER_HUB_ALIASES: &[&str] = &["index.docker.io", DOCKER_HUB_API_HOST, "docker.com"];

/// `https://Example.com:5000/v2/` → `example.com:5000`; Docker Hub's aliases → `docker.io`.
/// Paths are dropped (see [`parse_target`] to keep a namespace).
pub fn normalize_registry(text: &str) -> String {
    let (host, _) = split(text);
    host
}

/// `registry[/namespace]`, with an optional scheme and trailing slash, as `strata login`
/// and podman's `auth.json` keys take it. Docker's `/v1/` and `/v2/` API paths are not
/// namespaces.
pub fn parse_target(text: &str) -> Result<(String, Option<String>), CredentialsError> {
    let (host, path) = split(text);
    if host.is_empty()
        || host
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "-.:[]_".contains(c)))
    {
        return Err(CredentialsError::InvalidRegistry(text.to_string()));
    }
    let namespace = match path.as_str() {
        "" | "v1" | "v2" => None,
        p => Some(p.to_string()),
    };
    Ok((host, namespace))
}

fn split(text: &str) -> (String, String) {
    let text = text.trim();
    let text = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text);
    let (host, path) = text.split_once('/').unwrap_or((text, ""));
    let host = host.to_ascii_lowercase();
    let host = if DOCKER_HUB_ALIASES.contains(&host.as_str()) {
        DOCKER_HUB.to_string()
    } else {
        host
    };
    (host, path.trim_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_mean_the_same_registry_agree() {
        for (input, want) in [
            ("docker.io", "docker.io"),
            ("https://index.docker.io/v1/", "docker.io"),
            ("registry-1.docker.io", "docker.io"),
            ("Example.COM:5000", "example.com:5000"),
            ("http://127.0.0.1:5000/", "127.0.0.1:5000"),
            ("[::1]:5000", "[::1]:5000"),
        ] {
            assert_eq!(normalize_registry(input), want, "{input}");
        }
    }

    #[test]
    fn a_target_may_carry_a_namespace() {
        for (input, want) in [
            (
                "registry.cn-hangzhou.aliyuncs.com/team",
                ("registry.cn-hangzhou.aliyuncs.com", Some("team")),
            ),
            ("quay.io/org/repo/", ("quay.io", Some("org/repo"))),
            ("https://index.docker.io/v1/", ("docker.io", None)),
            ("127.0.0.1:5000", ("127.0.0.1:5000", None)),
        ] {
            let (host, ns) = parse_target(input).unwrap();
            assert_eq!((host.as_str(), ns.as_deref()), want, "{input}");
        }
        for bad in ["", "/team", "bad host", "a@b"] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }
}
