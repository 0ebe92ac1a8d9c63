//! Docker Hub's API (`https://hub.docker.com/v2`, Docker's "Docker Hub API" reference):
//! the repositories of a namespace (the account, or an organisation it belongs to),
//! listed, created public or private, read and deleted, and their tags.
//!
//! The registry login (Docker ID and a personal access token) is exchanged for a bearer
//! token at `POST /v2/auth/token` (`{identifier, secret}` → `{access_token}`). Lists page
//! with `page` and `page_size` and say `count` and `next`; refusals carry `message` or
//! `detail`. Namespaces themselves (accounts, organisations) are not created here.

use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::api::{self, all_pages, ApiKind, Http, Reply, PAGE_SIZE};
use super::{
    ApiSettings, Capabilities, Fut, Manage, ManageError, Namespace, NewRepository, Repository,
    TagInfo, TemporaryLogin,
};
use crate::catalog::acs3::percent_encode;
use crate::catalog::registries::SavedRegistry;
use crate::secret::Sensitive;

/// Where the Hub API is, unless the registry's settings say otherwise.
pub const HUB_API: &str = "https://hub.docker.com";

/// One Docker Hub account.
pub(super) struct DockerHub {
    http: Http,
    username: String,
    token: Sensitive<String>,
    bearer: OnceCell<Sensitive<String>>,
    registry: String,
}

impl DockerHub {
    pub fn new(
        saved: &SavedRegistry,
        api: &ApiSettings,
        (username, token): (String, Sensitive<String>),
    ) -> Result<Self, ManageError> {
        let base = api.endpoint.clone().unwrap_or_else(|| HUB_API.to_string());
        if !api::login_may_go_to(&base, &saved.endpoint, Some(HUB_API)) {
            return Err(ManageError::LoginElsewhere {
                registry: saved.endpoint.clone(),
                reason: format!(
                    "Docker Hub's API is sent the registry's access token, so it must be \
                     {HUB_API} or on the registry's own host, and {base} is neither"
                ),
            });
        }
        Ok(Self {
            http: Http::new(&base, false)?,
            username,
            token,
            bearer: OnceCell::new(),
            registry: saved.endpoint.clone(),
        })
    }

    fn refusal(&self, operation: &str, reply: &Reply) -> ManageError {
        let value = reply.json().unwrap_or(Value::Null);
        let code = api::text(&value, "errinfo");
        let message = [api::text(&value, "message"), api::text(&value, "detail")]
            .into_iter()
            .find(|m| !m.is_empty())
            .unwrap_or_default();
        ManageError::Api {
            api: "Docker Hub".into(),
            operation: operation.to_string(),
            status: reply.status,
            kind: ApiKind::classify(reply.status, &code),
            code: format!("HTTP {}", reply.status),
            message,
            registry: self.registry.clone(),
        }
    }

    /// The bearer token for this session, asked for once.
    async fn bearer(&self) -> Result<&Sensitive<String>, ManageError> {
        self.bearer
            .get_or_try_init(|| async {
                let body = json!({ "identifier": self.username, "secret": self.token.expose() });
                let url = self
                    .http
                    .url(&format!("{}/v2/auth/token", self.http.base_path()));
                let headers = [("content-type".to_string(), "application/json".to_string())];
                let reply = self
                    .http
                    .send("POST", &url, &headers, body.to_string().into_bytes())
                    .await?;
                if !reply.ok() {
                    return Err(self.refusal("log in", &reply));
                }
                let token = api::text(&reply.json()?, "access_token");
                if token.is_empty() {
                    return Err(reply.bad("no access_token"));
                }
                Ok(Sensitive::new(token))
            })
            .await
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, ManageError> {
        let bearer = self.bearer().await?;
        let url = self
            .http
            .url(&format!("{}/v2{path}", self.http.base_path()));
        let headers = vec![(
            "authorization".to_string(),
            format!("Bearer {}", bearer.expose()),
        )];
        let reply = self.http.send_json(method, &url, headers, body).await?;
        if reply.ok() {
            Ok(reply)
        } else {
            Err(self.refusal(&format!("{method} {path}"), &reply))
        }
    }

    async fn page(
        &self,
        path: &str,
        page: usize,
    ) -> Result<(Vec<Value>, Option<usize>), ManageError> {
        let reply = self
            .call(
                "GET",
                &format!("{path}?page={page}&page_size={PAGE_SIZE}"),
                None,
            )
            .await?;
        let value = reply.json()?;
        let items = value["results"].as_array().cloned().unwrap_or_default();
        let total = if value["next"].is_null() {
            Some(0)
        } else {
            api::count(&value["count"])
        };
        Ok((items, total))
    }
}

fn repository(r: &Value) -> Repository {
    Repository {
        namespace: api::text(r, "namespace"),
        name: api::text(r, "name"),
        summary: api::text(r, "description"),
        public: !r["is_private"].as_bool().unwrap_or(false),
        detail: r["full_description"].as_str().map(str::to_string),
        id: None,
        created: api::rfc3339(&r["date_registered"]),
        modified: api::rfc3339(&r["last_updated"]),
    }
}

fn repo_path(namespace: &str, name: &str) -> String {
    format!(
        "/namespaces/{}/repositories/{}",
        percent_encode(namespace),
        percent_encode(name)
    )
}

impl Manage for DockerHub {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            create_namespace: false,
            delete_namespace: false,
            create_repository: true,
            delete_repository: true,
            temporary_login: false,
        }
    }

    fn namespaces(&self) -> Fut<'_, Vec<Namespace>> {
        Box::pin(async move {
            let mut names = vec![self.username.to_lowercase()];
            let orgs = all_pages(|page| self.page("/user/orgs/", page)).await?;
            names.extend(orgs.iter().map(|o| api::text(o, "orgname")));
            Ok(names
                .into_iter()
                .filter(|n| !n.is_empty())
                .map(|name| Namespace {
                    name,
                    public: None,
                    auto_create: None,
                })
                .collect())
        })
    }

    fn create_namespace<'a>(&'a self, _name: &'a str, _public: bool) -> Fut<'a, Namespace> {
        Box::pin(async {
            Err(ManageError::Unsupported {
                provider: "Docker Hub".into(),
                operation: "create a namespace",
            })
        })
    }

    fn delete_namespace<'a>(&'a self, _name: &'a str) -> Fut<'a, ()> {
        Box::pin(async {
            Err(ManageError::Unsupported {
                provider: "Docker Hub".into(),
                operation: "delete a namespace",
            })
        })
    }

    fn repositories<'a>(&'a self, namespace: &'a str) -> Fut<'a, Vec<Repository>> {
        Box::pin(async move {
            let path = format!("/namespaces/{}/repositories", percent_encode(namespace));
            let list = all_pages(|page| self.page(&path, page)).await?;
            Ok(list.iter().map(repository).collect())
        })
    }

    fn repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Repository> {
        Box::pin(async move {
            let reply = self.call("GET", &repo_path(namespace, name), None).await?;
            Ok(repository(&reply.json()?))
        })
    }

    fn create_repository<'a>(&'a self, new: &'a NewRepository) -> Fut<'a, Repository> {
        Box::pin(async move {
            let body = json!({
                "namespace": new.namespace,
                "name": new.name,
                "description": new.summary,
                "full_description": new.detail,
                "is_private": !new.public,
            });
            let path = format!(
                "/namespaces/{}/repositories",
                percent_encode(&new.namespace)
            );
            let reply = self.call("POST", &path, Some(body)).await?;
            Ok(repository(&reply.json()?))
        })
    }

    fn delete_repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            self.call("DELETE", &repo_path(namespace, name), None)
                .await
                .map(|_| ())
        })
    }

    fn tags<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Vec<TagInfo>> {
        Box::pin(async move {
            let path = format!("{}/tags", repo_path(namespace, name));
            let list = all_pages(|page| self.page(&path, page)).await?;
            Ok(list
                .iter()
                .map(|t| TagInfo {
                    tag: api::text(t, "name"),
                    digest: api::digest(&t["digest"]),
                    size: t["full_size"].as_u64(),
                    created: None,
                    updated: api::rfc3339(&t["last_updated"]),
                })
                .collect())
        })
    }

    fn temporary_login(&self) -> Fut<'_, Option<TemporaryLogin>> {
        Box::pin(async { Ok(None) })
    }
}
