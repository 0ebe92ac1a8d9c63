//! The platform an image is built for: `os/arch[/variant]` ([OCI image spec § platform]),
//! as `--platform` takes it, as indexes describe their entries and as configs state it.
//!
//! One type for every module: the store reads it out of indexes, `image` selects an index
//! entry by it, `registry` pulls by it. Parsing normalises the spellings people and tools
//! use (`aarch64` is `arm64`, `arm64` means `v8`, `arm` alone means `v7`, as containerd
//! assumes), and [`Platform::matches`] compares variants only where they matter.
//!
//! The grammar is [`PART`] per part, two or three parts; the UI checks what a person types
//! against the same pattern (generated into `ui/src/lib/shared/rules.gen.ts`).
//!
//! [OCI image spec § platform]: https://github.com/opencontainers/image-spec/blob/main/image-index.md#image-index-property-descriptions

use std::fmt;
use std::str::FromStr;

use oci_spec::image::ImageConfiguration;
use serde::{Deserialize, Serialize};

/// One part of `os/arch[/variant]`, as a regular expression (what [`Platform::from_str`]
/// accepts for each part).
pub const PART: &str = "[A-Za-z0-9_.-]+";

/// `linux/amd64`, `linux/arm64/v8`. Fields another tool left out read as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Platform {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub variant: Option<String>,
}

/// A text that is not `os/arch[/variant]`. Each module turns it into its own error, all of
/// them with the one code `platform.invalid`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a platform: expected OS/ARCH or OS/ARCH/VARIANT, e.g. linux/amd64")]
pub struct BadPlatform(pub String);

impl Platform {
    /// The platform whose images this machine runs: Linux (container images are Linux
    /// images, also on macOS and Windows hosts) on this CPU, normalised.
    pub fn current() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        Platform {
            os: "linux".into(),
            architecture: arch.into(),
            variant: None,
        }
        .normalized()
    }

    /// Canonical spellings (`aarch64` → `arm64`, `x86_64` → `amd64`) and the variants
    /// that are implied when absent (`arm64` is `v8`; `arm` without variant means v7, as
    /// containerd assumes).
    pub fn normalized(mut self) -> Platform {
        self.os = self.os.to_ascii_lowercase();
        self.architecture = match self.architecture.to_ascii_lowercase().as_str() {
            "x86_64" | "x86-64" => "amd64".into(),
            "aarch64" => "arm64".into(),
            "i386" | "i686" => "386".into(),
            "armhf" => {
                self.variant.get_or_insert_with(|| "v7".into());
                "arm".into()
            }
            "armel" => {
                self.variant.get_or_insert_with(|| "v6".into());
                "arm".into()
            }
            other => other.into(),
        };
        match self.architecture.as_str() {
            "arm64" if self.variant.is_none() => self.variant = Some("v8".into()),
            "arm" if self.variant.is_none() => self.variant = Some("v7".into()),
            _ => {}
        }
        self
    }

    /// The platform an index descriptor states.
    pub fn from_oci(p: &oci_spec::image::Platform) -> Platform {
        Platform {
            os: p.os().to_string(),
            architecture: p.architecture().to_string(),
            variant: p.variant().clone(),
        }
    }

    /// The platform a config states.
    pub fn of_config(c: &ImageConfiguration) -> Platform {
        Platform {
            os: c.os().to_string(),
            architecture: c.architecture().to_string(),
            variant: c.variant().clone(),
        }
    }

    /// Whether an image for `other` runs here when `self` is wanted. Variants are
    /// compared only where they matter (arm, arm64); `amd64` v2/v3 all run on an amd64.
    pub fn matches(&self, other: &Platform) -> bool {
        let a = self.clone().normalized();
        let b = other.clone().normalized();
        if a.os != b.os || a.architecture != b.architecture {
            return false;
        }
        match a.architecture.as_str() {
            "arm" | "arm64" => a.variant == b.variant,
            _ => true,
        }
    }
}

impl FromStr for Platform {
    type Err = BadPlatform;

    /// Parses `os/arch[/variant]` and normalises it.
    fn from_str(s: &str) -> Result<Platform, BadPlatform> {
        let parts: Vec<&str> = s.split('/').collect();
        let valid = |p: &&str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        };
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(valid) {
            return Err(BadPlatform(s.to_string()));
        }
        Ok(Platform {
            os: parts[0].to_string(),
            architecture: parts[1].to_string(),
            variant: parts.get(2).map(|v| v.to_string()),
        }
        .normalized())
    }
}

impl fmt::Display for Platform {
    /// `os/arch`, then `/variant` when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        match &self.variant {
            Some(v) if !v.is_empty() => write!(f, "/{v}"),
            _ => Ok(()),
        }
    }
}

impl From<BadPlatform> for crate::image::ImageError {
    fn from(e: BadPlatform) -> Self {
        crate::image::ImageError::BadPlatform(e.0)
    }
}

impl From<BadPlatform> for crate::registry::RegistryError {
    fn from(e: BadPlatform) -> Self {
        crate::registry::RegistryError::BadPlatform(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_platform_strings() {
        for (input, want) in [
            ("linux/amd64", "linux/amd64"),
            ("linux/arm64", "linux/arm64/v8"),
            ("linux/arm64/v8", "linux/arm64/v8"),
            ("linux/aarch64", "linux/arm64/v8"),
            ("Linux/ARM64", "linux/arm64/v8"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/arm/v6", "linux/arm/v6"),
            ("windows/amd64", "windows/amd64"),
        ] {
            let p: Platform = input.parse().unwrap();
            assert_eq!(p.to_string(), want, "{input}");
        }
        for bad in [
            "linux",
            "linux/",
            "/amd64",
            "linux/amd64/v1/x",
            "linux/am d64",
        ] {
            let err = bad.parse::<Platform>().unwrap_err().to_string();
            assert!(err.contains("is not a platform"), "{bad}: {err}");
        }
    }

    #[test]
    fn arm_variants_matter_and_amd64_levels_do_not() {
        let p = |s: &str| s.parse::<Platform>().unwrap();
        assert!(p("linux/arm64").matches(&p("linux/arm64/v8")));
        assert!(!p("linux/arm/v7").matches(&p("linux/arm/v6")));
        assert!(p("linux/amd64").matches(&p("linux/amd64/v3")));
        assert!(!p("linux/amd64").matches(&p("linux/arm64")));
        assert!(!p("linux/amd64").matches(&p("windows/amd64")));
    }

    #[test]
    fn reads_what_an_index_entry_holds_even_when_fields_are_missing() {
        let p: Platform = serde_json::from_str(r#"{"architecture":"amd64"}"#).unwrap();
        assert_eq!(p.to_string(), "/amd64");
        let p: Platform =
            serde_json::from_str(r#"{"os":"linux","architecture":"arm","variant":""}"#).unwrap();
        assert_eq!(p.to_string(), "linux/arm");
    }

    #[test]
    fn this_machine_is_a_linux_platform_that_matches_itself() {
        let here = Platform::current();
        assert_eq!(here.os, "linux");
        assert!(here.matches(&here.to_string().parse().unwrap()));
    }
}
