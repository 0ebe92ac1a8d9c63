//! Push scripts in the shape of the ACR console's "操作指南" (operation guide): log in,
//! pull, tag, push, with the registry endpoint and username filled in, for `docker` or for
//! `strata`, and the VPC endpoint variant where the provider has one (ACR).
//!
//! The steps are returned as data (an i18n key, a title and the commands) so that the app
//! can translate the titles; [`PushScript::text`] renders them as a shell script.
//!
//! The names in a script may come from a registry (its catalog) or from the webview, and a
//! person pastes the commands into a shell. So [`try_push_script`] refuses names that are
//! not what a reference allows, and every name goes into a command shell-quoted
//! ([`shell_quote`]) where it is not plainly safe, so that no name can add a command.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::provider::Provider;
use super::CatalogError;
use crate::reference::{check_part, Part};

/// Which client the script is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ScriptTool"))]
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

/// Builds the push script for a repository after checking its names: the endpoint must be a
/// registry `host[:port]`, the repository a repository path (both by the reference grammar,
/// as a registry may list anything in its catalog), the username free of `:` and control
/// characters. Use this for names from a registry or the webview.
pub fn try_push_script(req: &ScriptRequest) -> Result<PushScript, CatalogError> {
    check_part(Part::Registry, &req.endpoint)
        .map_err(|_| CatalogError::BadEndpoint(req.endpoint.clone()))?;
    let repo = req.repository.trim_matches('/');
    check_part(Part::Repository, repo)
        .map_err(|_| CatalogError::BadRepository(req.repository.clone()))?;
    if let Some(user) = &req.username {
        if user.is_empty() || user.contains(':') || user.chars().any(char::is_control) {
            return Err(CatalogError::BadUsername(user.clone()));
        }
    }
    Ok(push_script(req))
}

/// Builds the push script for a repository without checking its names: each is still
/// shell-quoted, so the commands stay harmless whatever they hold. Prefer
/// [`try_push_script`], which refuses names no registry may have.
pub fn push_script(req: &ScriptRequest) -> PushScript {
    let provider = req
        .provider
        .unwrap_or_else(|| Provider::detect(&req.endpoint));
    let vpc_endpoint = Provider::vpc_endpoint(&req.endpoint).filter(|v| *v != req.endpoint);
    let endpoint = match (&vpc_endpoint, req.vpc) {
        (Some(v), true) => v.clone(),
        _ => req.endpoint.clone(),
    };
    // The placeholders stay bare: the person replaces them before running anything.
    let user = req
        .username
        .as_deref()
        .map_or(Cow::Borrowed(USER_PLACEHOLDER), shell_quote);
    let repo = req.repository.trim_matches('/');
    let image = format!(
        "{}{TAG_PLACEHOLDER}",
        shell_quote(&format!("{endpoint}/{repo}:"))
    );
    let host = shell_quote(&endpoint);
    let (login, tool) = match req.tool {
        Tool::Docker => (format!("docker login --username={user} {host}"), "docker"),
        Tool::Strata => (
            format!("strata login --username={user} --password-stdin {host}"),
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

/// A word as POSIX `sh` reads it back unchanged: as it is when it holds only characters
/// no shell treats specially, else in single quotes (inside which nothing is special; a
/// `'` itself becomes `'\''`).
pub fn shell_quote(word: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return Cow::Borrowed(word);
    }
    Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
}

/// A comment's text on one line: a line break in a name must not end the comment and start
/// a command.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl PushScript {
    /// The script as text: numbered comments, then `$ command` lines.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!("# {}. {}\n", i + 1, one_line(&step.title)));
            for c in &step.commands {
                out.push_str(&format!("$ {c}\n"));
            }
        }
        for note in &self.notes {
            out.push_str(&format!("\n# {}", one_line(note)));
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

    /// Names a hostile registry (or webview) might hand over, each trying to run `touch pwned`.
    const HOSTILE: [&str; 6] = [
        "team/x;touch pwned",
        "team/$(touch pwned)",
        "team/`touch pwned`",
        "team/a b",
        "team/x\ntouch pwned",
        "team/it's",
    ];

    #[test]
    fn names_outside_the_grammar_are_refused() {
        for repo in HOSTILE {
            let err = try_push_script(&ScriptRequest {
                repository: repo.into(),
                ..req("127.0.0.1:5000", Tool::Docker, false)
            })
            .unwrap_err();
            assert!(
                matches!(&err, CatalogError::BadRepository(r) if r == repo),
                "{err}"
            );
        }
        for endpoint in ["evil.io;touch pwned", "$(touch pwned).io", "a b", ""] {
            let err = try_push_script(&req(endpoint, Tool::Docker, false)).unwrap_err();
            assert!(matches!(err, CatalogError::BadEndpoint(_)), "{err}");
        }
        for user in ["a\ntouch pwned", "a:b", ""] {
            let err = try_push_script(&ScriptRequest {
                username: Some(user.into()),
                ..req("ghcr.io", Tool::Strata, false)
            })
            .unwrap_err();
            assert!(matches!(err, CatalogError::BadUsername(_)), "{err}");
        }
        let good = req("[::1]:5000", Tool::Docker, false);
        assert_eq!(try_push_script(&good).unwrap(), push_script(&good));
    }

    #[test]
    fn shell_quote_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("ghcr.io/team/app:"), "ghcr.io/team/app:");
        assert_eq!(shell_quote("dev@example.com"), "dev@example.com");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("[::1]:5000"), "'[::1]:5000'");
        assert_eq!(shell_quote("a;b"), "'a;b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    /// Runs `commands` with `sh` in `dir`, where `docker` and `strata` are functions that
    /// print their arguments; returns each command's arguments.
    fn run(commands: &str, dir: &std::path::Path) -> Vec<Vec<String>> {
        let print = r#"printf '%s\0' "$@"; printf '\n'"#;
        let program = format!("docker() {{ {print}; }}\nstrata() {{ {print}; }}\n{commands}");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(program)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator("\0\n")
            .map(|line| line.split('\0').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn unchecked_names_are_quoted_so_the_script_is_harmless() {
        let dir = tempfile::tempdir().unwrap();
        for (endpoint, repo, user) in HOSTILE
            .iter()
            .map(|r| ("registry.example.com", *r, "dev"))
            .chain([
                ("evil.io;touch pwned", "team/app", "dev"),
                ("$(touch pwned).io\ntouch pwned", "team/app", "dev"),
                ("ghcr.io", "team/app", "u`touch pwned`'\n"),
            ])
        {
            for tool in [Tool::Docker, Tool::Strata] {
                let script = push_script(&ScriptRequest {
                    endpoint: endpoint.into(),
                    repository: repo.into(),
                    username: Some(user.into()),
                    ..req("", tool, false)
                });
                // Each command alone: every name comes back as one argument, unchanged.
                let commands: Vec<&String> =
                    script.steps.iter().flat_map(|s| &s.commands).collect();
                let image = format!("{endpoint}/{repo}:[tag]");
                let pull = run(commands[1], dir.path());
                assert_eq!(pull, vec![vec!["pull".to_string(), image]], "{script:?}");
                let login = run(commands[0], dir.path());
                assert_eq!(login[0][1], format!("--username={user}"));
                assert_eq!(login[0].last().unwrap(), endpoint);
                // The text as a person would paste it: comments stay comments.
                let pasted: String = script
                    .text()
                    .lines()
                    .map(|l| format!("{}\n", l.strip_prefix("$ ").unwrap_or(l)))
                    .collect();
                assert_eq!(run(&pasted, dir.path()).len(), 5, "{pasted}");
                assert!(!dir.path().join("pwned").exists(), "{pasted}");
            }
        }
    }
}
