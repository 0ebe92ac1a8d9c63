//! Registry providers: what Strata knows about Alibaba Cloud ACR (Personal and Enterprise
//! editions), Docker Hub, GHCR, Harbor, Quay and any other registry: how to recognise one
//! from its endpoint, its regions, its VPC endpoint, whether it lists its repositories
//! (`/v2/_catalog`), and what its username is.
//!
//! ACR endpoints ([ACR docs, "Endpoints"]):
//!
//! | edition | public | VPC |
//! |---|---|---|
//! | Personal (classic) | `registry.<region>.aliyuncs.com` | `registry-vpc.<region>.aliyuncs.com` |
//! | Personal (international) | `registry-intl.<region>.aliyuncs.com` | `registry-intl-vpc.<region>.aliyuncs.com` |
//! | Personal (new instances) | `crpi-<id>.<region>.personal.cr.aliyuncs.com` | `crpi-<id>-vpc.<region>.personal.cr.aliyuncs.com` |
//! | Enterprise | `<instance>-registry.<region>.cr.aliyuncs.com` | `<instance>-registry-vpc.<region>.cr.aliyuncs.com` |
//!
//! [ACR docs, "Endpoints"]: https://www.alibabacloud.com/help/en/acr/

use serde::{Deserialize, Serialize};

/// A kind of registry, with its presets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Provider {
    /// Alibaba Cloud Container Registry, Personal Edition.
    AcrPersonal,
    /// Alibaba Cloud Container Registry, Enterprise Edition.
    AcrEnterprise,
    DockerHub,
    /// GitHub Container Registry.
    Ghcr,
    Harbor,
    Quay,
    /// Any other OCI registry (distribution's `registry:2`, Nexus, Artifactory, …).
    #[default]
    Generic,
}

/// ACR's regions, as they appear in its endpoints. Not exhaustive: any region name that
/// fits the endpoint pattern is accepted.
pub const ACR_REGIONS: &[&str] = &[
    "cn-hangzhou",
    "cn-shanghai",
    "cn-beijing",
    "cn-shenzhen",
    "cn-qingdao",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-chengdu",
    "cn-guangzhou",
    "cn-heyuan",
    "cn-hongkong",
    "ap-southeast-1",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "us-west-1",
    "us-east-1",
    "eu-central-1",
    "eu-west-1",
    "me-east-1",
    "me-central-1",
];

/// A setting of a provider's management API that the "add a registry" form asks for
/// ([`super::manage::ApiSettings`], plus the AccessKey that goes to the keychain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ApiField {
    /// The region (`cn-hangzhou`), chosen from [`Preset::regions`].
    Region,
    /// The ACR Enterprise instance ID (`cri-…`), required.
    Instance,
    /// The API's base URL when not the provider's default; optional.
    Endpoint,
    /// An AccessKey ID and secret, checked with one signed call when saved.
    AccessKey,
}

/// One provider's fixed facts, for the "add a registry" form.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Preset {
    pub provider: Provider,
    /// `Alibaba Cloud ACR (Personal)`.
    pub label: &'static str,
    /// The endpoint to pre-fill (`{region}` to be replaced), empty when there is none.
    pub endpoint_template: &'static str,
    /// Regions to choose from (ACR only).
    pub regions: &'static [&'static str],
    /// Whether the registry is expected to answer `/v2/_catalog`.
    pub lists_repositories: bool,
    /// Whether it has a VPC (internal network) endpoint.
    pub has_vpc_endpoint: bool,
    /// What to type as the username.
    pub username_hint: &'static str,
    /// The management API's settings the form asks for; empty when Strata speaks no
    /// management API of this provider (then the catalog and hand-added repositories).
    pub api_fields: &'static [ApiField],
}

impl Provider {
    pub const ALL: [Provider; 7] = [
        Provider::AcrPersonal,
        Provider::AcrEnterprise,
        Provider::DockerHub,
        Provider::Ghcr,
        Provider::Harbor,
        Provider::Quay,
        Provider::Generic,
    ];

    /// The name used in `--provider` and in `registries.json`.
    pub fn id(self) -> &'static str {
        match self {
            Provider::AcrPersonal => "acr_personal",
            Provider::AcrEnterprise => "acr_enterprise",
            Provider::DockerHub => "docker_hub",
            Provider::Ghcr => "ghcr",
            Provider::Harbor => "harbor",
            Provider::Quay => "quay",
            Provider::Generic => "generic",
        }
    }

    /// Parses `--provider`: the id, or a common spelling (`acr`, `dockerhub`, `github`).
    pub fn parse(text: &str) -> Option<Provider> {
        let t = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Some(match t.as_str() {
            "acr" | "acr_personal" | "aliyun" | "alibaba" => Provider::AcrPersonal,
            "acr_enterprise" | "acr_ee" => Provider::AcrEnterprise,
            "docker_hub" | "dockerhub" | "docker" | "hub" => Provider::DockerHub,
            "ghcr" | "github" => Provider::Ghcr,
            "harbor" => Provider::Harbor,
            "quay" => Provider::Quay,
            "generic" | "other" | "registry" => Provider::Generic,
            _ => return None,
        })
    }

    pub fn preset(self) -> Preset {
        let (label, endpoint_template, lists, vpc, username_hint) = match self {
            Provider::AcrPersonal => (
                "Alibaba Cloud ACR (Personal Edition)",
                "registry.{region}.aliyuncs.com",
                false,
                true,
                "your full Alibaba Cloud account name (or the RAM user as name@account-id); \
                 the password is the registry password set in the ACR console",
            ),
            Provider::AcrEnterprise => (
                "Alibaba Cloud ACR (Enterprise Edition)",
                "{instance}-registry.{region}.cr.aliyuncs.com",
                true,
                true,
                "your full Alibaba Cloud account name, or the instance's temporary or \
                 fixed access credential",
            ),
            Provider::DockerHub => (
                "Docker Hub",
                "docker.io",
                false,
                false,
                "your Docker ID; use a personal access token as the password",
            ),
            Provider::Ghcr => (
                "GitHub Container Registry",
                "ghcr.io",
                false,
                false,
                "your GitHub username; the password is a personal access token with \
                 read:packages (and write:packages, delete:packages to push and delete)",
            ),
            Provider::Harbor => (
                "Harbor",
                "",
                true,
                false,
                "your Harbor username, or a robot account (robot$name)",
            ),
            Provider::Quay => (
                "Quay",
                "quay.io",
                false,
                false,
                "your Quay username, or a robot account (org+robot) with its token",
            ),
            Provider::Generic => (
                "Other OCI registry",
                "",
                true,
                false,
                "the registry's username",
            ),
        };
        Preset {
            provider: self,
            label,
            endpoint_template,
            regions: match self {
                Provider::AcrPersonal | Provider::AcrEnterprise => ACR_REGIONS,
                _ => &[],
            },
            lists_repositories: lists,
            has_vpc_endpoint: vpc,
            username_hint,
            api_fields: match self {
                Provider::AcrPersonal => {
                    &[ApiField::Region, ApiField::Endpoint, ApiField::AccessKey]
                }
                Provider::AcrEnterprise => &[
                    ApiField::Region,
                    ApiField::Instance,
                    ApiField::Endpoint,
                    ApiField::AccessKey,
                ],
                Provider::Harbor | Provider::DockerHub => &[ApiField::Endpoint],
                _ => &[],
            },
        }
    }

    /// Recognises the provider from an endpoint (already normalised: lowercase host,
    /// `docker.io` for Docker Hub). Harbor cannot be told from its host name except
    /// when the name says so; any unknown host is [`Provider::Generic`].
    pub fn detect(endpoint: &str) -> Provider {
        let host = endpoint.split(':').next().unwrap_or(endpoint);
        if acr_parts(host).is_some() {
            return match acr_parts(host) {
                Some(AcrHost::Enterprise { .. }) => Provider::AcrEnterprise,
                _ => Provider::AcrPersonal,
            };
        }
        match host {
            "docker.io" | "index.docker.io" | "registry-1.docker.io" => Provider::DockerHub,
            "ghcr.io" => Provider::Ghcr,
            "quay.io" => Provider::Quay,
            h if h.split(['.', '-']).any(|p| p == "harbor") => Provider::Harbor,
            _ => Provider::Generic,
        }
    }

    /// The ACR region of an endpoint (`cn-hangzhou`), if it is an ACR endpoint.
    pub fn region_of(endpoint: &str) -> Option<String> {
        match acr_parts(endpoint)? {
            AcrHost::Classic { region, .. }
            | AcrHost::Instance { region, .. }
            | AcrHost::Enterprise { region, .. } => Some(region),
        }
    }

    /// The VPC (internal network) endpoint for an ACR endpoint; `None` for any other
    /// registry. An endpoint that is already the VPC one is returned as it is.
    pub fn vpc_endpoint(endpoint: &str) -> Option<String> {
        Some(match acr_parts(endpoint)? {
            AcrHost::Classic { intl, region, .. } => {
                let prefix = if intl { "registry-intl" } else { "registry" };
                format!("{prefix}-vpc.{region}.aliyuncs.com")
            }
            AcrHost::Instance { id, region, .. } => {
                format!("crpi-{id}-vpc.{region}.personal.cr.aliyuncs.com")
            }
            AcrHost::Enterprise {
                instance, region, ..
            } => format!("{instance}-registry-vpc.{region}.cr.aliyuncs.com"),
        })
    }

    /// The public endpoint of an ACR region: `registry.cn-hangzhou.aliyuncs.com`.
    pub fn acr_personal_endpoint(region: &str) -> String {
        format!("registry.{region}.aliyuncs.com")
    }

    /// The public endpoint of an ACR Enterprise instance in a region.
    pub fn acr_enterprise_endpoint(instance: &str, region: &str) -> String {
        format!("{instance}-registry.{region}.cr.aliyuncs.com")
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The parts of an ACR host name.
#[derive(Debug, PartialEq, Eq)]
enum AcrHost {
    /// `registry[-intl][-vpc].<region>.aliyuncs.com`
    Classic { intl: bool, region: String },
    /// `crpi-<id>[-vpc].<region>.personal.cr.aliyuncs.com`
    Instance { id: String, region: String },
    /// `<instance>-registry[-vpc].<region>.cr.aliyuncs.com`
    Enterprise { instance: String, region: String },
}

fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn acr_parts(endpoint: &str) -> Option<AcrHost> {
    let host = endpoint.split(':').next().unwrap_or(endpoint);
    let host = host.to_ascii_lowercase();
    if let Some(rest) = host.strip_suffix(".personal.cr.aliyuncs.com") {
        let (first, region) = rest.split_once('.')?;
        let id = first.strip_prefix("crpi-")?;
        let id = id.strip_suffix("-vpc").unwrap_or(id);
        return (is_label(id) && is_label(region)).then(|| AcrHost::Instance {
            id: id.to_string(),
            region: region.to_string(),
        });
    }
    if let Some(rest) = host.strip_suffix(".cr.aliyuncs.com") {
        let (first, region) = rest.split_once('.')?;
        let first = first.strip_suffix("-vpc").unwrap_or(first);
        let instance = first.strip_suffix("-registry")?;
        return (is_label(instance) && is_label(region) && !region.contains('.')).then(|| {
            AcrHost::Enterprise {
                instance: instance.to_string(),
                region: region.to_string(),
            }
        });
    }
    let rest = host.strip_suffix(".aliyuncs.com")?;
    let (first, region) = rest.split_once('.')?;
    let intl = match first {
        "registry" | "registry-vpc" => false,
        "registry-intl" | "registry-intl-vpc" => true,
        _ => return None,
    };
    (is_label(region) && !region.contains('.')).then(|| AcrHost::Classic {
        intl,
        region: region.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_recognised_from_their_endpoints() {
        for (endpoint, want, vpc) in [
            (
                "registry.cn-hangzhou.aliyuncs.com",
                Provider::AcrPersonal,
                Some("registry-vpc.cn-hangzhou.aliyuncs.com"),
            ),
            (
                "registry-vpc.cn-beijing.aliyuncs.com",
                Provider::AcrPersonal,
                Some("registry-vpc.cn-beijing.aliyuncs.com"),
            ),
            (
                "registry-intl.ap-southeast-1.aliyuncs.com",
                Provider::AcrPersonal,
                Some("registry-intl-vpc.ap-southeast-1.aliyuncs.com"),
            ),
            (
                "crpi-abc123xyz.cn-shanghai.personal.cr.aliyuncs.com",
                Provider::AcrPersonal,
                Some("crpi-abc123xyz-vpc.cn-shanghai.personal.cr.aliyuncs.com"),
            ),
            (
                "myco-registry.cn-shenzhen.cr.aliyuncs.com",
                Provider::AcrEnterprise,
                Some("myco-registry-vpc.cn-shenzhen.cr.aliyuncs.com"),
            ),
            ("docker.io", Provider::DockerHub, None),
            ("registry-1.docker.io", Provider::DockerHub, None),
            ("ghcr.io", Provider::Ghcr, None),
            ("quay.io", Provider::Quay, None),
            ("harbor.example.com", Provider::Harbor, None),
            ("127.0.0.1:5000", Provider::Generic, None),
            // Look-alikes are not ACR.
            ("oss.cn-hangzhou.aliyuncs.com", Provider::Generic, None),
            (
                "registry.cn-hangzhou.aliyuncs.com.evil.example",
                Provider::Generic,
                None,
            ),
        ] {
            assert_eq!(Provider::detect(endpoint), want, "{endpoint}");
            assert_eq!(
                Provider::vpc_endpoint(endpoint).as_deref(),
                vpc,
                "{endpoint}"
            );
        }
        assert_eq!(
            Provider::region_of("crpi-x.cn-chengdu.personal.cr.aliyuncs.com").as_deref(),
            Some("cn-chengdu")
        );
    }

    #[test]
    fn provider_names_round_trip_and_aliases_parse() {
        for p in Provider::ALL {
            assert_eq!(Provider::parse(p.id()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.id()));
        }
        assert_eq!(Provider::parse("ACR"), Some(Provider::AcrPersonal));
        assert_eq!(Provider::parse("dockerhub"), Some(Provider::DockerHub));
        assert_eq!(Provider::parse("gitlab"), None);
        assert!(Provider::AcrPersonal
            .preset()
            .regions
            .contains(&"cn-hangzhou"));
        assert!(!Provider::DockerHub.preset().lists_repositories);
    }
}
