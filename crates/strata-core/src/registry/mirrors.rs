//! Registry mirrors (镜像加速器): for a read of registry R, the endpoints to try in order,
//! the mirrors configured for R, then R itself, as Docker's `registry-mirrors`
//! ([daemon.json]) and `[[registry.mirror]]` in [containers-registries.conf] v2 do.
//!
//! What a mirror is trusted with: manifests fetched by tag from a mirror are accepted as
//! docker accepts them (a mirror can serve an older or a different image under a tag);
//! everything fetched by digest (manifests of an index, config and layers) is verified
//! against its digest, so a mirror cannot alter what a digest names. A mirror gets no
//! credentials of the origin, only a login made to the mirror itself. Pushes never go to a
//! mirror, and pulled images keep the origin's name.
//!
//! [daemon.json]: https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file
//! [containers-registries.conf]: https://github.com/containers/image/blob/main/docs/containers-registries.conf.5.md

use std::collections::BTreeMap;

use url::Url;

use super::RegistryOptions;
use crate::credentials::host::normalize_registry;
use crate::reference::DOCKER_HUB;

/// Mirrors per registry, as settings keep them: `docker.io` → `["https://x.mirror.aliyuncs.com"]`.
pub type MirrorMap = BTreeMap<String, Vec<String>>;

/// One mirror to connect to: the host as [`Client::connect`](super::Client::connect) takes
/// it, and how (plain HTTP allowed when the mirror's URL says `http://`).
#[derive(Clone, Debug)]
pub struct Mirror {
    /// `x.mirror.aliyuncs.com`, `127.0.0.1:5001`.
    pub host: String,
    pub options: RegistryOptions,
}

/// `https://xxxx.mirror.aliyuncs.com/` or `xxxx.mirror.aliyuncs.com` → `https://xxxx.mirror.aliyuncs.com`.
/// A mirror is a whole registry: a URL with a path (`/v2/`, a namespace) is refused.
pub fn normalize_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{text}`: a mirror is an http:// or https:// URL"));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(format!("`{text}` names no host"));
    };
    if !matches!(url.path(), "" | "/" | "/v2" | "/v2/") || url.query().is_some() {
        return Err(format!(
            "`{text}`: a mirror is a registry's address without a path (Docker's registry-mirrors are the same)"
        ));
    }
    if url.username() != "" || url.password().is_some() {
        return Err(format!(
            "`{text}`: no login in a mirror's URL; use `strata login {host}`"
        ));
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!(
        "{}://{}{port}",
        url.scheme(),
        host.to_ascii_lowercase()
    ))
}

/// The registry a mirror list is kept under: `index.docker.io` → `docker.io`.
pub fn normalize_registry_key(registry: &str) -> String {
    normalize_registry(registry)
}

/// The mirrors of `registry`, in order; an entry that no longer parses is skipped.
pub fn mirrors_of(map: &MirrorMap, registry: &str) -> Vec<(String, bool)> {
    let key = normalize_registry_key(registry);
    map.get(&key)
        .into_iter()
        .flatten()
        .filter_map(|m| normalize_url(m).ok())
        .filter_map(|m| {
            let url = Url::parse(&m).ok()?;
            let host = url.host_str()?.to_string();
            let host = match url.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            };
            // A mirror that is the registry itself would only be tried twice.
            (normalize_registry(&host) != key).then_some((host, url.scheme() == "http"))
        })
        .collect()
}

/// Adds `url` to `registry`'s mirrors (at the end, once); returns whether it was new.
pub fn add(map: &mut MirrorMap, registry: &str, url: &str) -> Result<bool, String> {
    let url = normalize_url(url)?;
    let key = normalize_registry_key(registry);
    if key.is_empty() {
        return Err(format!("`{registry}` is not a registry"));
    }
    let list = map.entry(key).or_default();
    if list.contains(&url) {
        return Ok(false);
    }
    list.push(url);
    Ok(true)
}

/// Removes one mirror of `registry`, or all when `url` is `None`; returns how many went.
pub fn remove(map: &mut MirrorMap, registry: &str, url: Option<&str>) -> usize {
    let key = normalize_registry_key(registry);
    let Some(list) = map.get_mut(&key) else {
        return 0;
    };
    let before = list.len();
    match url {
        None => list.clear(),
        Some(url) => {
            let url = normalize_url(url).unwrap_or_else(|_| url.to_string());
            list.retain(|m| *m != url);
        }
    }
    let removed = before - list.len();
    if list.is_empty() {
        map.remove(&key);
    }
    removed
}

/// Docker's `daemon.json`: its `registry-mirrors`, which are Docker Hub's.
pub fn from_docker_daemon_json(text: &str) -> Result<MirrorMap, String> {
    #[derive(serde::Deserialize)]
    struct Daemon {
        #[serde(default, rename = "registry-mirrors")]
        mirrors: Vec<String>,
    }
    let daemon: Daemon =
        serde_json::from_str(text).map_err(|e| format!("not a daemon.json: {e}"))?;
    let mut map = MirrorMap::new();
    for m in daemon.mirrors {
        add(&mut map, DOCKER_HUB, &m)?;
    }
    Ok(map)
}

/// containers-registries.conf v2: each `[[registry]]`'s `[[registry.mirror]]` locations,
/// under its `prefix` (else `location`). A mirror whose location holds a namespace
/// (`mirror.example.com/library`) cannot be used as a whole registry and is skipped.
pub fn from_registries_conf(text: &str) -> Result<(MirrorMap, Vec<String>), String> {
    #[derive(serde::Deserialize)]
    struct Conf {
        #[serde(default)]
        registry: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        prefix: Option<String>,
        #[serde(default)]
        location: Option<String>,
        #[serde(default)]
        mirror: Vec<MirrorEntry>,
    }
    #[derive(serde::Deserialize)]
    struct MirrorEntry {
        location: String,
        #[serde(default)]
        insecure: bool,
    }
    let conf: Conf =
        toml::from_str(text).map_err(|e| format!("not a registries.conf (v2): {e}"))?;
    let mut map = MirrorMap::new();
    let mut skipped = Vec::new();
    for entry in conf.registry {
        let Some(registry) = entry.prefix.or(entry.location) else {
            continue;
        };
        // A prefix names a registry, maybe with a namespace: only whole registries map.
        if registry.contains('/') || registry.starts_with("*.") {
            skipped.extend(entry.mirror.into_iter().map(|m| m.location));
            continue;
        }
        for m in entry.mirror {
            let scheme = if m.insecure { "http" } else { "https" };
            match add(&mut map, &registry, &format!("{scheme}://{}", m.location)) {
                Ok(_) => {}
                Err(_) => skipped.push(m.location),
            }
        }
    }
    Ok((map, skipped))
}

/// Merges `from` into `into` (new mirrors at the end of each list); returns how many were new.
pub fn merge(into: &mut MirrorMap, from: &MirrorMap) -> usize {
    let mut added = 0;
    for (registry, urls) in from {
        for url in urls {
            if add(into, registry, url).unwrap_or(false) {
                added += 1;
            }
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_addresses_are_normalised_or_refused() {
        for (input, want) in [
            (
                "https://abcd1234.mirror.aliyuncs.com",
                Some("https://abcd1234.mirror.aliyuncs.com"),
            ),
            (
                "https://ABCD1234.mirror.aliyuncs.com/",
                Some("https://abcd1234.mirror.aliyuncs.com"),
            ),
            (
                "mirror.ccs.tencentyun.com",
                Some("https://mirror.ccs.tencentyun.com"),
            ),
            ("http://127.0.0.1:5001", Some("http://127.0.0.1:5001")),
            ("https://m.example.com/v2/", Some("https://m.example.com")),
            ("https://m.example.com/library", None),
            ("ftp://m.example.com", None),
            ("https://ann:pw@m.example.com", None),
        ] {
            assert_eq!(normalize_url(input).ok().as_deref(), want, "{input}");
        }
    }

    #[test]
    fn docker_hub_mirrors_are_found_under_any_of_its_names() {
        let mut map = MirrorMap::new();
        add(&mut map, "index.docker.io", "https://a.mirror.aliyuncs.com").unwrap();
        add(&mut map, "docker.io", "http://127.0.0.1:5001").unwrap();
        assert!(!add(&mut map, "docker.io", "https://a.mirror.aliyuncs.com/").unwrap());
        assert_eq!(
            mirrors_of(&map, "docker.io"),
            [
                ("a.mirror.aliyuncs.com".to_string(), false),
                ("127.0.0.1:5001".to_string(), true)
            ]
        );
        assert!(mirrors_of(&map, "ghcr.io").is_empty());
        assert_eq!(
            remove(&mut map, "docker.io", Some("http://127.0.0.1:5001")),
            1
        );
        assert_eq!(remove(&mut map, "docker.io", None), 1);
        assert!(map.is_empty());
    }

    #[test]
    fn daemon_json_registry_mirrors_are_docker_hubs() {
        let map = from_docker_daemon_json(
            r#"{"registry-mirrors": ["https://xxxx.mirror.aliyuncs.com", "https://docker.m.daocloud.io"],
                "insecure-registries": ["10.0.0.1:5000"], "debug": true}"#,
        )
        .unwrap();
        assert_eq!(
            map["docker.io"],
            [
                "https://xxxx.mirror.aliyuncs.com",
                "https://docker.m.daocloud.io"
            ]
        );
        assert_eq!(map.len(), 1);
        assert!(from_docker_daemon_json("{}").unwrap().is_empty());
        assert!(from_docker_daemon_json("not json").is_err());
    }

    #[test]
    fn registries_conf_mirrors_are_read_per_registry() {
        let (map, skipped) = from_registries_conf(
            r#"
unqualified-search-registries = ["docker.io"]

[[registry]]
prefix = "docker.io"
location = "registry-1.docker.io"

[[registry.mirror]]
location = "xxxx.mirror.aliyuncs.com"

[[registry.mirror]]
location = "127.0.0.1:5001"
insecure = true

[[registry]]
location = "quay.io"

[[registry.mirror]]
location = "quay.mirror.example.com"

[[registry]]
prefix = "example.com/team"
location = "example.com/team"

[[registry.mirror]]
location = "mirror.example.com/team"
"#,
        )
        .unwrap();
        assert_eq!(
            map["docker.io"],
            ["https://xxxx.mirror.aliyuncs.com", "http://127.0.0.1:5001"]
        );
        assert_eq!(map["quay.io"], ["https://quay.mirror.example.com"]);
        assert_eq!(map.len(), 2);
        assert_eq!(skipped, ["mirror.example.com/team"]);
        assert!(from_registries_conf("[[registry]\n").is_err());
    }
}
