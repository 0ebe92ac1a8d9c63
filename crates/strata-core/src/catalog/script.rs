//! Push scripts in the shape of the ACR console's "操作指南" (operation guide): log in,
//! pull, tag, push, with the registry endpoint and username filled in, for `docker` or for
//! `strata`, and the VPC endpoint variant where the provider has one (ACR).
//!
//! The steps are returned as data (an i18n key, a title and the commands) so that the app
//! can translate the titles; [`PushScript::text`] renders them as a shell script.

use serde::Serialize;

use super::provider::Provider;

/// Which client the script is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Tool {
    #[default]
    Docker,
    Strata,
}

/// What to fill in.
#[derive(Debug, Clone, Default)]
pub struct ScriptRequest {
    /// The registry as saved: `registry.cn-hangzhou.aliyuncs.com`.
    pub endpoint: String,
    /// `None`: detected from the endpoint.
    pub provider: Option<Provider>,
    /// `team/app`.
    pub repository: String,
    /// The login name; a placeholder when unknown.
    pub username: Option<String>,
    pub tool: Tool,
    /// Use the VPC (internal network) endpoint where the provider has one.
    pub vpc: bool,
}

/// One step of the guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScriptStep {
    /// `login`, `pull`, `push`: the app's i18n key.
    pub key: String,
    /// The English title.
    pub title: String,
    pub commands: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PushScript {
    /// The endpoint the commands use (the VPC one when asked and available).
    pub endpoint: String,
    /// The VPC endpoint, when the provider has one (for the app's switch).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub vpc_endpoint: Option<String>,
    pub steps: Vec<ScriptStep>,
    /// Notes under the script (VPC advice, where the password comes from).
    pub notes: Vec<String>,
}

/// What the user types for the tag and the local image.
pub const TAG_PLACEHOLDER: &str = "[tag]";
pub const IMAGE_PLACEHOLDER: &str = "[ImageId]";
pub const USER_PLACEHOLDER: &str = "[username]";

/// Builds the push script for a repository.
pub fn push_script(req: &ScriptRequest) -> PushScript {
    let provider = req
        .provider
        .unwrap_or_else(|| Provider::detect(&req.endpoint));
    let vpc_endpoint = Provider::vpc_endpoint(&req.endpoint).filter(|v| *v != req.endpoint);
    let endpoint = match (&vpc_endpoint, req.vpc) {
        (Some(v), true) => v.clone(),
        _ => req.endpoint.clone(),
    };
    let user = req.username.as_deref().unwrap_or(USER_PLACEHOLDER);
    let repo = req.repository.trim_matches('/');
    let image = format!("{endpoint}/{repo}:{TAG_PLACEHOLDER}");
    let (login, tool) = match req.tool {
        Tool::Docker => (
            format!("docker login --username={user} {endpoint}"),
            "docker",
        ),
        Tool::Strata => (
            format!("strata login --username={user} --password-stdin {endpoint}"),
            "strata",
        ),
    };
    let steps = vec![
        ScriptStep {
            key: "login".into(),
            title: format!("Log in to {endpoint}"),
            commands: vec![login.clone()],
        },
        ScriptStep {
            key: "pull".into(),
            title: "Pull an image from the registry".into(),
            commands: vec![format!("{tool} pull {image}")],
        },
        ScriptStep {
            key: "push".into(),
            title: "Push an image to the registry".into(),
            commands: vec![
                login,
                format!("{tool} tag {IMAGE_PLACEHOLDER} {image}"),
                format!("{tool} push {image}"),
            ],
        },
    ];
    let mut notes = Vec::new();
    match provider {
        Provider::AcrPersonal | Provider::AcrEnterprise => {
            notes.push(
                "The username is your full Alibaba Cloud account name; the password is the \
                 one set for the registry in the ACR console."
                    .to_string(),
            );
            if let Some(v) = &vpc_endpoint {
                if !req.vpc {
                    notes.push(format!(
                        "From an ECS instance in the same region's VPC, use {v} instead: \
                         faster, and no public traffic."
                    ));
                }
            }
        }
        Provider::Ghcr => notes.push(
            "The password is a GitHub personal access token with write:packages.".to_string(),
        ),
        Provider::DockerHub => {
            notes.push("Use a Docker Hub personal access token as the password.".to_string())
        }
        _ => {}
    }
    if req.tool == Tool::Strata {
        notes.push(
            "strata login reads the password from standard input and keeps it in the \
             system keychain."
                .to_string(),
        );
    }
    PushScript {
        endpoint,
        vpc_endpoint,
        steps,
        notes,
    }
}

impl PushScript {
    /// The script as text: numbered comments, then `$ command` lines.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!("# {}. {}\n", i + 1, step.title));
            for c in &step.commands {
                out.push_str(&format!("$ {c}\n"));
            }
        }
        for note in &self.notes {
            out.push_str(&format!("\n# {note}"));
        }
        if !self.notes.is_empty() {
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(endpoint: &str, tool: Tool, vpc: bool) -> ScriptRequest {
        ScriptRequest {
            endpoint: endpoint.into(),
            provider: None,
            repository: "team/app".into(),
            username: Some("dev@example.com".into()),
            tool,
            vpc,
        }
    }

    #[test]
    fn acr_scripts_have_the_console_shape_with_endpoint_and_username() {
        let hz = "registry.cn-hangzhou.aliyuncs.com";
        let vpc = "registry-vpc.cn-hangzhou.aliyuncs.com";
        for (request, want_commands) in [
            (
                req(hz, Tool::Docker, false),
                vec![
                    format!("docker login --username=dev@example.com {hz}"),
                    format!("docker pull {hz}/team/app:[tag]"),
                    format!("docker login --username=dev@example.com {hz}"),
                    format!("docker tag [ImageId] {hz}/team/app:[tag]"),
                    format!("docker push {hz}/team/app:[tag]"),
                ],
            ),
            (
                req(hz, Tool::Docker, true),
                vec![
                    format!("docker login --username=dev@example.com {vpc}"),
                    format!("docker pull {vpc}/team/app:[tag]"),
                    format!("docker login --username=dev@example.com {vpc}"),
                    format!("docker tag [ImageId] {vpc}/team/app:[tag]"),
                    format!("docker push {vpc}/team/app:[tag]"),
                ],
            ),
            (
                req(hz, Tool::Strata, false),
                vec![
                    format!("strata login --username=dev@example.com --password-stdin {hz}"),
                    format!("strata pull {hz}/team/app:[tag]"),
                    format!("strata login --username=dev@example.com --password-stdin {hz}"),
                    format!("strata tag [ImageId] {hz}/team/app:[tag]"),
                    format!("strata push {hz}/team/app:[tag]"),
                ],
            ),
            (
                // No VPC endpoint outside ACR: --vpc changes nothing.
                ScriptRequest {
                    username: None,
                    ..req("ghcr.io", Tool::Docker, true)
                },
                vec![
                    "docker login --username=[username] ghcr.io".to_string(),
                    "docker pull ghcr.io/team/app:[tag]".to_string(),
                    "docker login --username=[username] ghcr.io".to_string(),
                    "docker tag [ImageId] ghcr.io/team/app:[tag]".to_string(),
                    "docker push ghcr.io/team/app:[tag]".to_string(),
                ],
            ),
        ] {
            let script = push_script(&request);
            let got: Vec<String> = script
                .steps
                .iter()
                .flat_map(|s| s.commands.clone())
                .collect();
            assert_eq!(got, want_commands, "{}", request.endpoint);
        }
        let text = push_script(&req(hz, Tool::Docker, false)).text();
        assert!(text.starts_with(&format!(
            "# 1. Log in to {hz}\n$ docker login --username=dev@example.com {hz}\n"
        )));
        assert!(text.contains(&format!("use {vpc} instead")), "{text}");
        let ee = push_script(&req(
            "acme-registry.cn-beijing.cr.aliyuncs.com",
            Tool::Docker,
            true,
        ));
        assert_eq!(ee.endpoint, "acme-registry-vpc.cn-beijing.cr.aliyuncs.com");
    }
}
