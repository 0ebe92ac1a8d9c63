//! Image references in Docker's grammar ([distribution/reference]), normalised the way
//! `docker` normalises them: `ubuntu` is `docker.io/library/ubuntu:latest`,
//! `host:5000/ns/repo:tag`, `repo@sha256:…`, `repo:tag@sha256:…`.
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [domain "/"] path
//! domain     := host [":" port]          host = dns-name | "[" ipv6 "]"
//! path       := component ("/" component)*
//! component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! ```
//!
//! The first `/`-separated part is a registry when it contains a `.` or a `:`, is
//! `localhost`, or has an uppercase letter (which a repository path cannot); otherwise the
//! registry is Docker Hub. `index.docker.io` is spelled `docker.io`.
//!
//! [distribution/reference]: https://github.com/distribution/reference/blob/main/reference.go

use std::fmt;
use std::str::FromStr;

use crate::digest::{Digest, DigestError};

/// Docker Hub, as references spell it after normalisation.
pub const DOCKER_HUB: &str = "docker.io";
/// The host that actually serves Docker Hub's registry API.
pub const DOCKER_HUB_API_HOST: &str = "registry-1.docker.io";
/// The tag a reference gets when it names neither a tag nor a digest.
pub const DEFAULT_TAG: &str = "latest";

const OFFICIAL_PREFIX: &str = "library/";
const NAME_MAX: usize = 255;
const TAG_MAX: usize = 128;

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`, …
    pub registry: String,
    /// The path inside the registry: `library/ubuntu`, `ns/repo`.
    pub repository: String,
    /// `None` only when the reference names a digest without a tag.
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

/// Why a reference could not be parsed. Every message names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid reference \"{input}\": {reason}")]
pub struct ReferenceError {
    pub input: String,
    pub reason: String,
}

impl crate::problem::Explain for ReferenceError {
    fn code(&self) -> crate::problem::Code {
        crate::problem::Code::ReferenceInvalid
    }
    fn hint(&self) -> Option<crate::problem::Hint> {
        Some(crate::problem::HintKey::ReferenceGrammar.into())
    }
}

impl Reference {
    /// Parses and normalises a reference; a reference with neither tag nor digest gets
    /// the tag `latest`.
    pub fn parse(input: &str) -> Result<Reference, ReferenceError> {
        let mut r = Self::parse_name(input)?;
        if r.tag.is_none() && r.digest.is_none() {
            r.tag = Some(DEFAULT_TAG.to_string());
        }
        Ok(r)
    }

    /// Parses and normalises a reference without adding a default tag: `ubuntu` stays
    /// tagless (a repository, as `strata tags` or a registry catalog wants it).
    pub fn parse_name(input: &str) -> Result<Reference, ReferenceError> {
        let fail = |reason: &str| ReferenceError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        if input.is_empty() {
            return Err(fail("the reference is empty"));
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail(
                "a reference cannot contain spaces or control characters",
            ));
        }

        let (rest, digest) = match input.split_once('@') {
            Some((rest, d)) => {
                let digest = d.parse::<Digest>().map_err(|e| match e {
                    DigestError::Algorithm(alg) => fail(&format!(
                        "unsupported digest algorithm `{alg}`: only sha256 is supported"
                    )),
                    _ => fail(&format!(
                        "`{d}` is not a digest: expected sha256: followed by 64 lowercase hex digits"
                    )),
                })?;
                (rest, Some(digest))
            }
            None => (input, None),
        };

        // A tag is after the last ':' that comes after the last '/', so that the port in
        // `host:5000/repo` is not mistaken for one.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(fail("the repository name is empty"));
        }
        if let Some(tag) = tag {
            check_tag(tag).map_err(|r| fail(&r))?;
        }
        if name.len() > NAME_MAX {
            return Err(fail(&format!(
                "the repository name is longer than {NAME_MAX} characters"
            )));
        }

        let (registry, path) = split_registry(name);
        let registry = match registry {
            Some(host) => {
                check_registry(host).map_err(|r| fail(&r))?;
                if host == grammar::DOCKER_HUB_ALIAS {
                    DOCKER_HUB.to_string()
                } else {
                    host.to_string()
                }
            }
            None => {
                // Docker refuses a bare 64-hex name: it would read as an image ID.
                if path.len() == 64 && path.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(fail(
                        "a 64-character hexadecimal string is an image ID, not a repository name",
                    ));
                }
                DOCKER_HUB.to_string()
            }
        };
        check_path(path).map_err(|r| fail(&r))?;
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("{OFFICIAL_PREFIX}{path}")
        } else {
            path.to_string()
        };
        Ok(Reference {
            registry,
            repository,
            tag: tag.map(str::to_string),
            digest,
        })
    }

    /// `registry/repository`, without tag or digest: `docker.io/library/ubuntu`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The repository as docker prints it: `ubuntu`, `user/app`, `ghcr.io/o/app`.
    pub fn familiar_name(&self) -> String {
        if self.registry == DOCKER_HUB {
            match self.repository.strip_prefix(OFFICIAL_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_string(),
                _ => self.repository.clone(),
            }
        } else {
            self.name()
        }
    }

    /// The short form docker prints: `ubuntu:latest`, `ghcr.io/o/app@sha256:…`.
    pub fn familiar(&self) -> String {
        let mut s = self.familiar_name();
        self.push_suffix(&mut s);
        s
    }

    /// The host to talk to for this reference's registry API (Docker Hub's API is not
    /// served at `docker.io`).
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API_HOST
        } else {
            &self.registry
        }
    }

    /// The same repository with another tag and no digest.
    pub fn with_tag(&self, tag: &str) -> Result<Reference, ReferenceError> {
        check_tag(tag).map_err(|reason| ReferenceError {
            input: format!("{}:{tag}", self.name()),
            reason,
        })?;
        Ok(Reference {
            tag: Some(tag.to_string()),
            digest: None,
            ..self.clone()
        })
    }

    /// The same repository pinned to a digest, with no tag.
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference {
            tag: None,
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// What to ask the registry for: the digest when there is one, else the tag.
    pub fn tag_or_digest(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => DEFAULT_TAG.to_string(),
        }
    }

    fn push_suffix(&self, s: &mut String) {
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(&d.to_string());
        }
    }
}

impl fmt::Display for Reference {
    /// The full normalised form: `docker.io/library/ubuntu:latest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = self.name();
        self.push_suffix(&mut s);
        f.write_str(&s)
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Reference, ReferenceError> {
        Reference::parse(s)
    }
}

impl serde::Serialize for Reference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Reference {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Reference, D::Error> {
        let s = String::deserialize(d)?;
        Reference::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// How people write a stored name: `docker.io/library/ubuntu:latest` → `ubuntu:latest`,
/// `ghcr.io/o/app:1` as it is. A name that does not parse is shown as it was given.
pub fn familiar(name: &str) -> String {
    Reference::parse(name).map_or_else(|_| name.to_string(), |r| r.familiar())
}

/// Checks one name on its own against the grammar above, for names that did not come as
/// part of a reference (a registry's catalog, its tag list, a saved endpoint): `part` says
/// which part of a reference it must be. Names that pass hold no whitespace, quote, `$`,
/// backtick or `;`.
pub fn check_part(part: Part, name: &str) -> Result<(), ReferenceError> {
    let checked = match part {
        Part::Registry if name.is_empty() => Err("the registry host is empty".to_string()),
        Part::Registry => check_registry(name),
        Part::Repository if name.len() > NAME_MAX => Err(format!(
            "the repository name is longer than {NAME_MAX} characters"
        )),
        Part::Repository if name.is_empty() => Err("the repository name is empty".to_string()),
        Part::Repository => check_path(name),
        Part::Tag => check_tag(name),
    };
    checked.map_err(|reason| ReferenceError {
        input: name.to_string(),
        reason,
    })
}

/// A part of a reference that [`check_part`] checks alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `host[:port]`: `ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`.
    Registry,
    /// The path inside a registry: `team/app`.
    Repository,
    /// `1.0`, `latest`.
    Tag,
}

/// Splits `name` into (registry, path) by docker's rule (`splitDockerDomain`).
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(grammar::REGISTRY_MARKS)
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() {
        return Err("the tag after `:` is empty".into());
    }
    if tag.len() > TAG_MAX {
        return Err(format!("the tag is longer than {TAG_MAX} characters"));
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    if !chars.next().is_some_and(word) || !chars.all(|c| word(c) || c == '.' || c == '-') {
        return Err(format!(
            "tag `{tag}` may hold only letters, digits, `_`, `.` and `-`, and cannot start with `.` or `-`"
        ));
    }
    Ok(())
}

fn check_registry(host: &str) -> Result<(), String> {
    let bad = || format!("`{host}` is not a valid registry host[:port]");
    let (hostname, port) = if let Some(rest) = host.strip_prefix('[') {
        // [IPv6]:port
        let (addr, after) = rest.split_once(']').ok_or_else(bad)?;
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad());
        }
        match after {
            "" => (None, None),
            p => (None, Some(p.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match host.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(host), None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{host}` has an invalid port"));
        }
    }
    if let Some(h) = hostname {
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if !h.split('.').all(label_ok) {
            return Err(bad());
        }
    }
    Ok(())
}

fn check_path(path: &str) -> Result<(), String> {
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("repository name must be lowercase".into());
    }
    for component in path.split('/') {
        if component.is_empty() {
            return Err(
                "the repository path has an empty component (`//` or a trailing `/`)".into(),
            );
        }
        if !component_ok(component) {
            return Err(format!(
                "`{component}` is not a valid repository path component: use lowercase \
                 letters and digits, separated by `.`, `_`, `__` or dashes"
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*`
fn component_ok(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    if !bytes.first().copied().is_some_and(alnum) || !bytes.last().copied().is_some_and(alnum) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// The grammar at the top of this file as regular expressions (JavaScript's and Rust's
/// `regex` syntax alike), for surfaces that check a name as it is typed: the UI's test
/// double reads them from `ui/src/lib/shared/rules.gen.ts`, whose case table (made by
/// [`Reference::parse`] itself) proves that the patterns and the parser agree.
pub mod grammar {
    /// One path component: `[a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*`.
    pub const COMPONENT: &str = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    /// A tag: up to 128 word characters, dots and dashes, not starting with `.` or `-`.
    pub const TAG: &str = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    /// A digest: sha256 only, 64 lowercase hex digits.
    pub const DIGEST: &str = "sha256:[a-f0-9]{64}";
    /// A registry host: DNS labels (letters, digits, inner dashes) or a bracketed IPv6
    /// address, with an optional port. (The parser also reads the IPv6 address itself.)
    pub const REGISTRY: &str =
        "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?";
    /// The longest repository name, registry included.
    pub const NAME_MAX: usize = super::NAME_MAX;
    /// The first part of a name is a registry when it holds one of these, is `localhost`,
    /// or has an uppercase letter.
    pub const REGISTRY_MARKS: &[char] = &['.', ':'];
    /// Docker Hub's official images live under this prefix.
    pub const OFFICIAL_PREFIX: &str = super::OFFICIAL_PREFIX;
    /// Docker Hub's other spelling, read as [`DOCKER_HUB`](super::DOCKER_HUB).
    pub const DOCKER_HUB_ALIAS: &str = "index.docker.io";
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn familiar_names_are_shown_short_and_other_text_as_given() {
        assert_eq!(familiar("docker.io/library/ubuntu:latest"), "ubuntu:latest");
        assert_eq!(familiar("ghcr.io/o/app:1"), "ghcr.io/o/app:1");
        assert_eq!(familiar("not a name"), "not a name");
    }

    #[test]
    fn normalises_like_docker() {
        let at = |s: &str| s.replace("{D}", D);
        for (input, full, familiar) in [
            ("ubuntu", "docker.io/library/ubuntu:latest", "ubuntu:latest"),
            (
                "ubuntu:24.04",
                "docker.io/library/ubuntu:24.04",
                "ubuntu:24.04",
            ),
            (
                "library/ubuntu",
                "docker.io/library/ubuntu:latest",
                "ubuntu:latest",
            ),
            (
                "docker.io/ubuntu",
                "docker.io/library/ubuntu:latest",
                "ubuntu:latest",
            ),
            (
                "index.docker.io/library/ubuntu:1",
                "docker.io/library/ubuntu:1",
                "ubuntu:1",
            ),
            ("user/app:v1", "docker.io/user/app:v1", "user/app:v1"),
            (
                "library/a/b",
                "docker.io/library/a/b:latest",
                "library/a/b:latest",
            ),
            (
                "localhost/app",
                "localhost/app:latest",
                "localhost/app:latest",
            ),
            (
                "localhost:5000/ns/repo:tag",
                "localhost:5000/ns/repo:tag",
                "localhost:5000/ns/repo:tag",
            ),
            (
                "host:5000/ns/repo",
                "host:5000/ns/repo:latest",
                "host:5000/ns/repo:latest",
            ),
            (
                "registry.cn-hangzhou.aliyuncs.com/ns/app:1.0",
                "registry.cn-hangzhou.aliyuncs.com/ns/app:1.0",
                "registry.cn-hangzhou.aliyuncs.com/ns/app:1.0",
            ),
            (
                "ghcr.io/o/a_b__c-d--e.f",
                "ghcr.io/o/a_b__c-d--e.f:latest",
                "ghcr.io/o/a_b__c-d--e.f:latest",
            ),
            (
                "[::1]:5000/app",
                "[::1]:5000/app:latest",
                "[::1]:5000/app:latest",
            ),
            (
                "Registry.Example/app",
                "Registry.Example/app:latest",
                "Registry.Example/app:latest",
            ),
            (
                "busybox@{D}",
                "docker.io/library/busybox@{D}",
                "busybox@{D}",
            ),
            (
                "busybox:1.36@{D}",
                "docker.io/library/busybox:1.36@{D}",
                "busybox:1.36@{D}",
            ),
            (
                "host:5000/ns/repo@{D}",
                "host:5000/ns/repo@{D}",
                "host:5000/ns/repo@{D}",
            ),
        ] {
            let input = at(input);
            let r = Reference::parse(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(r.to_string(), at(full), "{input}");
            assert_eq!(r.familiar(), at(familiar), "{input}");
            // The full form parses back to the same reference.
            assert_eq!(Reference::parse(&r.to_string()).unwrap(), r, "{input}");
        }
    }

    #[test]
    fn splits_into_parts() {
        let r = Reference::parse(&format!("localhost:5000/ns/repo:tag@{D}")).unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "ns/repo");
        assert_eq!(r.tag.as_deref(), Some("tag"));
        assert_eq!(
            r.digest.as_ref().map(|d| d.to_string()),
            Some(D.to_string())
        );
        assert_eq!(r.tag_or_digest(), D);
        let r = Reference::parse("ubuntu").unwrap();
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.familiar_name(), "ubuntu");
        assert_eq!(Reference::parse_name("ubuntu").unwrap().tag, None);
        assert_eq!(
            r.with_tag("22.04").unwrap().to_string(),
            "docker.io/library/ubuntu:22.04"
        );
        assert!(r.with_tag("-bad").is_err());
    }

    #[test]
    fn refuses_bad_references_with_clear_messages() {
        let long_tag = format!("app:{}", "a".repeat(129));
        let ok_tag = format!("app:{}", "a".repeat(128));
        assert!(Reference::parse(&ok_tag).is_ok());
        let long_name = format!("{}/app", "a".repeat(255));
        for (input, want) in [
            (
                "Foo",
                r#"invalid reference "Foo": repository name must be lowercase"#,
            ),
            ("docker.io/Foo/bar", "repository name must be lowercase"),
            ("", "the reference is empty"),
            ("app:", "the tag after `:` is empty"),
            ("app:-x", "tag `-x` may hold only"),
            (long_tag.as_str(), "longer than 128 characters"),
            (long_name.as_str(), "longer than 255 characters"),
            ("a b", "spaces"),
            ("app@sha256:abc", "is not a digest"),
            (
                "app@md5:d41d8cd98f00b204e9800998ecf8427e",
                "unsupported digest algorithm `md5`",
            ),
            ("ns//app", "empty component"),
            ("app/", "empty component"),
            ("-app", "not a valid repository path component"),
            ("a...b", "not a valid repository path component"),
            ("host:port/app", "invalid port"),
            ("ho_st.io/app", "not a valid registry"),
            ("[zz]:5000/app", "not a valid registry"),
            (
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "image ID",
            ),
        ] {
            let err = Reference::parse(input).unwrap_err().to_string();
            assert!(err.contains(want), "{input:?}: {err}");
            assert!(err.starts_with("invalid reference \""), "{err}");
        }
    }

    #[test]
    fn serde_uses_the_full_form() {
        let r = Reference::parse("alpine:3").unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"docker.io/library/alpine:3\"");
        assert_eq!(serde_json::from_str::<Reference>(&json).unwrap(), r);
    }

    #[test]
    fn parts_alone_follow_the_grammar() {
        for (part, name) in [
            (Part::Registry, "ghcr.io"),
            (Part::Registry, "127.0.0.1:5000"),
            (Part::Registry, "[::1]:5000"),
            (Part::Repository, "team/app"),
            (Part::Repository, "a__b/c-d.e"),
            (Part::Tag, "1.0-rc_1"),
        ] {
            assert_eq!(check_part(part, name), Ok(()), "{name}");
        }
        for (part, name) in [
            (Part::Registry, ""),
            (Part::Registry, "evil.io;id"),
            (Part::Registry, "a b"),
            (Part::Repository, ""),
            (Part::Repository, "team/$(id)"),
            (Part::Repository, "team/`id`"),
            (Part::Repository, "team/a b"),
            (Part::Repository, "team/a\nb"),
            (Part::Tag, "1;id"),
            (Part::Tag, "-x"),
        ] {
            let err = check_part(part, name).unwrap_err();
            assert_eq!(err.input, name);
        }
    }
}
