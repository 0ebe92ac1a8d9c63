//! Harbor v2 (`/api/v2.0`, Harbor's Swagger): projects are namespaces (list, create public
//! or private, delete), repositories are listed and deleted inside a project, tags come
//! from a repository's artifacts (`with_tag=true`). Basic auth with the registry login.
//! Harbor creates a repository on its first push: the API has no "create repository".
//!
//! Lists page with `page` and `page_size` and report the total in `X-Total-Count`;
//! refusals are `{"errors": [{"code", "message"}]}` with an HTTP error status.

use base64::Engine as _;
use serde_json::{json, Value};

use super::api::{self, all_pages, Http, Reply, PAGE_SIZE};
use super::{
    ApiSettings, Capabilities, Fut, Manage, ManageError, Namespace, NewRepository, Repository,
    TagInfo, TemporaryLogin,
};
use crate::catalog::acs3::percent_encode;
use crate::catalog::registries::SavedRegistry;
use crate::registry::client::is_loopback;
use crate::secret::Sensitive;

/// A Harbor instance, with one login.
pub(super) struct Harbor {
    http: Http,
    authorization: Sensitive<String>,
    registry: String,
}

impl Harbor {
    pub fn new(
        saved: &SavedRegistry,
        api: &ApiSettings,
        (username, password): (String, Sensitive<String>),
    ) -> Result<Self, ManageError> {
        if let Some(endpoint) = &api.endpoint {
            if !api::login_may_go_to(endpoint, &saved.endpoint, None) {
                return Err(ManageError::LoginElsewhere {
                    registry: saved.endpoint.clone(),
                    reason: format!(
                        "Harbor's API is sent the registry's login, so it must be on the \
                         registry's own host, and {endpoint} is not"
                    ),
                });
            }
        }
        let base = api.endpoint.clone().unwrap_or_else(|| {
            let scheme = if is_loopback(&saved.endpoint) {
                "http"
            } else {
                "https"
            };
            format!("{scheme}://{}", saved.endpoint)
        });
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{username}:{}", password.expose()));
        Ok(Self {
            http: Http::new(&base, saved.insecure)?,
            authorization: Sensitive::new(format!("Basic {basic}")),
            registry: saved.endpoint.clone(),
        })
    }

    /// Sends `method` on `/api/v2.0{path}`; the answer when it is a success.
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, ManageError> {
        let url = self
            .http
            .url(&format!("{}/api/v2.0{path}", self.http.base_path()));
        let headers = vec![
            (
                "authorization".to_string(),
                self.authorization.expose().clone(),
            ),
            ("x-is-resource-name".to_string(), "true".to_string()),
        ];
        let reply = self.http.send_json(method, &url, headers, body).await?;
        if reply.ok() {
            return Ok(reply);
        }
        let value = reply.json().unwrap_or(Value::Null);
        let first = &value["errors"][0];
        Err(api::refused(
            "Harbor",
            format!("{method} {path}"),
            reply.status,
            api::text(first, "code"),
            api::text(first, "message"),
            &self.registry,
        ))
    }

    /// One page of a list at `path` (which has no query yet).
    async fn page(
        &self,
        path: &str,
        page: usize,
    ) -> Result<(Vec<Value>, Option<usize>), ManageError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let reply = self
            .call(
                "GET",
                &format!("{path}{sep}page={page}&page_size={PAGE_SIZE}"),
                None,
            )
            .await?;
        let total = reply.header("x-total-count").and_then(|t| t.parse().ok());
        let items = reply.json()?.as_array().cloned().unwrap_or_default();
        Ok((items, total))
    }

    async fn project_public(&self, project: &str) -> Result<bool, ManageError> {
        let reply = self
            .call(
                "GET",
                &format!("/projects/{}", percent_encode(project)),
                None,
            )
            .await?;
        Ok(public(&reply.json()?))
    }
}

fn public(project: &Value) -> bool {
    project["metadata"]["public"].as_str() == Some("true")
}

/// A repository of a project: Harbor names it `project/rest`.
fn repository(r: &Value, project: &str, is_public: bool) -> Repository {
    let full = api::text(r, "name");
    let name = full
        .strip_prefix(&format!("{project}/"))
        .unwrap_or(&full)
        .to_string();
    Repository {
        namespace: project.to_string(),
        name,
        summary: api::text(r, "description"),
        public: is_public,
        detail: None,
        id: Some(api::text(r, "id")).filter(|s| !s.is_empty()),
        created: api::rfc3339(&r["creation_time"]),
        modified: api::rfc3339(&r["update_time"]),
    }
}

/// A repository name in a Harbor path: its `/` encoded twice, as Harbor's API asks.
fn repo_path(name: &str) -> String {
    percent_encode(name).replace("%2F", "%252F")
}

impl Manage for Harbor {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            create_namespace: true,
            delete_namespace: true,
            create_repository: false,
            delete_repository: true,
            temporary_login: false,
        }
    }

    fn namespaces(&self) -> Fut<'_, Vec<Namespace>> {
        Box::pin(async move {
            let list = all_pages(|page| self.page("/projects", page)).await?;
            Ok(list
                .iter()
                .map(|p| Namespace {
                    name: api::text(p, "name"),
                    public: Some(public(p)),
                    auto_create: None,
                })
                .collect())
        })
    }

    fn create_namespace<'a>(&'a self, name: &'a str, is_public: bool) -> Fut<'a, Namespace> {
        Box::pin(async move {
            let body = json!({
                "project_name": name,
                "metadata": { "public": is_public.to_string() },
            });
            self.call("POST", "/projects", Some(body)).await?;
            Ok(Namespace {
                name: name.to_string(),
                public: Some(is_public),
                auto_create: None,
            })
        })
    }

    fn delete_namespace<'a>(&'a self, name: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            let path = format!("/projects/{}", percent_encode(name));
            self.call("DELETE", &path, None).await.map(|_| ())
        })
    }

    fn repositories<'a>(&'a self, namespace: &'a str) -> Fut<'a, Vec<Repository>> {
        Box::pin(async move {
            let is_public = self.project_public(namespace).await?;
            let path = format!("/projects/{}/repositories", percent_encode(namespace));
            let list = all_pages(|page| self.page(&path, page)).await?;
            Ok(list
                .iter()
                .map(|r| repository(r, namespace, is_public))
                .collect())
        })
    }

    fn repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Repository> {
        Box::pin(async move {
            let is_public = self.project_public(namespace).await?;
            let path = format!(
                "/projects/{}/repositories/{}",
                percent_encode(namespace),
                repo_path(name)
            );
            let reply = self.call("GET", &path, None).await?;
            Ok(repository(&reply.json()?, namespace, is_public))
        })
    }

    fn create_repository<'a>(&'a self, _new: &'a NewRepository) -> Fut<'a, Repository> {
        Box::pin(async move {
            Err(ManageError::Unsupported {
                provider: "Harbor".into(),
                operation: "create a repository",
            })
        })
    }

    fn delete_repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            let path = format!(
                "/projects/{}/repositories/{}",
                percent_encode(namespace),
                repo_path(name)
            );
            self.call("DELETE", &path, None).await.map(|_| ())
        })
    }

    fn tags<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Vec<TagInfo>> {
        Box::pin(async move {
            let path = format!(
                "/projects/{}/repositories/{}/artifacts?with_tag=true",
                percent_encode(namespace),
                repo_path(name)
            );
            let artifacts = all_pages(|page| self.page(&path, page)).await?;
            let mut tags = Vec::new();
            for a in &artifacts {
                for t in a["tags"].as_array().into_iter().flatten() {
                    tags.push(TagInfo {
                        tag: api::text(t, "name"),
                        digest: api::digest(&a["digest"]),
                        size: a["size"].as_u64(),
                        created: api::rfc3339(&a["push_time"]),
                        updated: api::rfc3339(&t["push_time"]),
                    });
                }
            }
            Ok(tags)
        })
    }

    fn temporary_login(&self) -> Fut<'_, Option<TemporaryLogin>> {
        Box::pin(async { Ok(None) })
    }
}
