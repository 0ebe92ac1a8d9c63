//! ACR Enterprise Edition, API 2018-12-01: RPC calls (`POST /`, the operation in
//! `x-acs-action`, parameters in the query string), each signed with ACS3-HMAC-SHA256, on
//! one instance (`InstanceId`). Answers carry PascalCase fields with `Code`, `IsSuccess`
//! and `RequestId`; a refusal is either an HTTP error status with `{Code, Message}` (the
//! gateway) or HTTP 200 with `IsSuccess: false` (the service).
//!
//! Repositories are addressed by `RepoId` for delete and tags: the ID is looked up by name
//! first (ListRepository with `RepoName`). Operations: ListInstance, ListInstanceEndpoint,
//! ListNamespace, CreateNamespace, DeleteNamespace, ListRepository, CreateRepository,
//! DeleteRepository, ListRepoTag, GetAuthorizationToken.

use serde_json::Value;

use super::acr_personal::base_url;
use super::api::{self, all_pages, ApiKind, Http, PAGE_SIZE};
use super::{
    ApiSettings, Capabilities, Fut, InstanceInfo, Manage, ManageError, Namespace, NewRepository,
    Repository, TagInfo, TemporaryLogin,
};
use crate::catalog::acs3::{self, AccessKey, Call, Stamp};
use crate::catalog::registries::SavedRegistry;
use crate::secret::Sensitive;

const VERSION: &str = "2018-12-01";

/// Signed RPC calls with one AccessKey, on any instance.
struct Rpc {
    http: Http,
    key: AccessKey,
    registry: String,
}

impl Rpc {
    fn new(saved: &SavedRegistry, api: &ApiSettings, key: AccessKey) -> Result<Self, ManageError> {
        Ok(Self {
            http: Http::new(&base_url(saved, api, "cr")?, saved.insecure)?,
            key,
            registry: saved.endpoint.clone(),
        })
    }

    /// Calls `action` with `params`; the answer when `IsSuccess` is not false.
    async fn call(&self, action: &str, params: &[(&str, String)]) -> Result<Value, ManageError> {
        let path = format!("{}/", self.http.base_path());
        let mut call = Call::new("POST", &self.http.host(), &path, action, VERSION);
        for (name, value) in params {
            call = call.query(name, value);
        }
        let signed = acs3::sign(call, &self.key, &Stamp::now());
        let url = self.http.url(&signed.path_and_query);
        let reply = self
            .http
            .send(&signed.method, &url, &signed.headers, signed.body)
            .await?;
        let value = if reply.ok() {
            reply.json()?
        } else {
            reply.json().unwrap_or(Value::Null)
        };
        if reply.ok() && value["IsSuccess"] != Value::Bool(false) {
            return Ok(value);
        }
        Err(api::refused(
            "ACR Enterprise",
            action.to_string(),
            reply.status,
            api::text(&value, "Code"),
            api::text(&value, "Message"),
            &self.registry,
        ))
    }

    /// One page of a list: the items under `field` and `TotalCount`.
    async fn page(
        &self,
        action: &str,
        field: &str,
        params: &[(&str, String)],
        page: usize,
    ) -> Result<(Vec<Value>, Option<usize>), ManageError> {
        let mut all = params.to_vec();
        all.push(("PageNo", page.to_string()));
        all.push(("PageSize", PAGE_SIZE.to_string()));
        let value = self.call(action, &all).await?;
        let items = value[field].as_array().cloned().unwrap_or_default();
        Ok((items, api::count(&value["TotalCount"])))
    }

    /// Every item of a paged list.
    async fn list(
        &self,
        action: &str,
        field: &str,
        params: &[(&str, String)],
    ) -> Result<Vec<Value>, ManageError> {
        all_pages(|page| self.page(action, field, params, page)).await
    }
}

/// One instance of the Enterprise Edition.
pub(super) struct AcrEnterprise {
    rpc: Rpc,
    instance: String,
    /// The saved registry address, which a temporary login is for.
    registry: String,
}

impl AcrEnterprise {
    pub fn new(
        saved: &SavedRegistry,
        api: &ApiSettings,
        key: AccessKey,
    ) -> Result<Self, ManageError> {
        let instance = api
            .instance
            .clone()
            .ok_or_else(|| ManageError::NeedsSetting {
                registry: saved.endpoint.clone(),
                setting: "instance",
            })?;
        Ok(Self {
            rpc: Rpc::new(saved, api, key)?,
            instance,
            registry: saved.endpoint.clone(),
        })
    }

    fn on_instance(&self, mut params: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
        params.insert(0, ("InstanceId", self.instance.clone()));
        params
    }

    /// The repository `namespace/name`, found by name.
    async fn find(&self, namespace: &str, name: &str) -> Result<Repository, ManageError> {
        let params = self.on_instance(vec![
            ("RepoNamespaceName", namespace.to_string()),
            ("RepoName", name.to_string()),
        ]);
        let found = self
            .rpc
            .list("ListRepository", "Repositories", &params)
            .await?;
        found
            .iter()
            .map(repository)
            .find(|r| r.namespace == namespace && r.name == name)
            .ok_or_else(|| ManageError::Api {
                api: "ACR Enterprise".into(),
                operation: "ListRepository".into(),
                status: 404,
                code: "REPO_NOT_EXIST".into(),
                message: format!("repository {namespace}/{name} does not exist"),
                kind: ApiKind::NotFound,
                registry: self.rpc.registry.clone(),
            })
    }

    async fn repo_id(&self, namespace: &str, name: &str) -> Result<String, ManageError> {
        let repo = self.find(namespace, name).await?;
        repo.id.ok_or_else(|| ManageError::BadAnswer {
            url: self.rpc.http.url("/"),
            detail: "a repository without RepoId".into(),
        })
    }
}

fn repository(r: &Value) -> Repository {
    Repository {
        namespace: api::text(r, "RepoNamespaceName"),
        name: api::text(r, "RepoName"),
        summary: api::text(r, "Summary"),
        public: api::text(r, "RepoType").eq_ignore_ascii_case("PUBLIC"),
        detail: r["Detail"].as_str().map(str::to_string),
        id: Some(api::text(r, "RepoId")).filter(|s| !s.is_empty()),
        created: api::millis(&r["CreateTime"]),
        modified: api::millis(&r["ModifiedTime"]),
    }
}

fn visibility(public: bool) -> String {
    if public { "PUBLIC" } else { "PRIVATE" }.to_string()
}

impl Manage for AcrEnterprise {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            create_namespace: true,
            delete_namespace: true,
            create_repository: true,
            delete_repository: true,
            temporary_login: true,
        }
    }

    fn namespaces(&self) -> Fut<'_, Vec<Namespace>> {
        Box::pin(async move {
            let params = self.on_instance(vec![]);
            let list = self
                .rpc
                .list("ListNamespace", "Namespaces", &params)
                .await?;
            Ok(list
                .iter()
                .map(|n| Namespace {
                    name: api::text(n, "NamespaceName"),
                    public: Some(api::text(n, "DefaultRepoType").eq_ignore_ascii_case("PUBLIC")),
                    auto_create: n["AutoCreateRepo"].as_bool(),
                })
                .collect())
        })
    }

    fn check(&self) -> Fut<'_, ()> {
        Box::pin(async move {
            let params = self.on_instance(vec![]);
            self.rpc
                .page("ListNamespace", "Namespaces", &params, 1)
                .await
                .map(|_| ())
        })
    }

    fn create_namespace<'a>(&'a self, name: &'a str, public: bool) -> Fut<'a, Namespace> {
        Box::pin(async move {
            let params = self.on_instance(vec![
                ("NamespaceName", name.to_string()),
                ("AutoCreateRepo", "false".into()),
                ("DefaultRepoType", visibility(public)),
            ]);
            self.rpc.call("CreateNamespace", &params).await?;
            Ok(Namespace {
                name: name.to_string(),
                public: Some(public),
                auto_create: Some(false),
            })
        })
    }

    fn delete_namespace<'a>(&'a self, name: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            let params = self.on_instance(vec![("NamespaceName", name.to_string())]);
            self.rpc.call("DeleteNamespace", &params).await.map(|_| ())
        })
    }

    fn repositories<'a>(&'a self, namespace: &'a str) -> Fut<'a, Vec<Repository>> {
        Box::pin(async move {
            let params = self.on_instance(vec![("RepoNamespaceName", namespace.to_string())]);
            let list = self
                .rpc
                .list("ListRepository", "Repositories", &params)
                .await?;
            Ok(list.iter().map(repository).collect())
        })
    }

    fn repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Repository> {
        Box::pin(self.find(namespace, name))
    }

    fn create_repository<'a>(&'a self, new: &'a NewRepository) -> Fut<'a, Repository> {
        Box::pin(async move {
            let params = self.on_instance(vec![
                ("RepoNamespaceName", new.namespace.clone()),
                ("RepoName", new.name.clone()),
                ("Summary", new.summary.clone()),
                ("Detail", new.detail.clone()),
                ("RepoType", visibility(new.public)),
            ]);
            self.rpc.call("CreateRepository", &params).await?;
            self.find(&new.namespace, &new.name).await
        })
    }

    fn delete_repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            let id = self.repo_id(namespace, name).await?;
            let params = self.on_instance(vec![("RepoId", id)]);
            self.rpc.call("DeleteRepository", &params).await.map(|_| ())
        })
    }

    fn tags<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Vec<TagInfo>> {
        Box::pin(async move {
            let id = self.repo_id(namespace, name).await?;
            let params = self.on_instance(vec![("RepoId", id)]);
            let list = self.rpc.list("ListRepoTag", "Images", &params).await?;
            Ok(list
                .iter()
                .map(|t| TagInfo {
                    tag: api::text(t, "Tag"),
                    digest: api::digest(&t["Digest"]),
                    size: t["ImageSize"].as_u64(),
                    created: api::millis(&t["ImageCreate"]),
                    updated: api::millis(&t["ImageUpdate"]),
                })
                .collect())
        })
    }

    fn temporary_login(&self) -> Fut<'_, Option<TemporaryLogin>> {
        Box::pin(async move {
            // The login opens the instance, and it is handed to the saved address: only
            // when that address is one of the instance's own (internet or VPC).
            let endpoints = self
                .rpc
                .call("ListInstanceEndpoint", &self.on_instance(vec![]))
                .await?;
            let domains: Vec<String> = ["internet", "vpc"]
                .into_iter()
                .flat_map(|kind| domains_of(&endpoints, kind))
                .collect();
            if !domains
                .iter()
                .any(|d| api::same_registry_host(d, &self.registry))
            {
                return Err(ManageError::LoginElsewhere {
                    registry: self.registry.clone(),
                    reason: format!(
                        "a temporary login for instance {} is given only to its own \
                         addresses ({}), and this is not one",
                        self.instance,
                        domains.join(", ")
                    ),
                });
            }
            let params = self.on_instance(vec![]);
            let value = self.rpc.call("GetAuthorizationToken", &params).await?;
            let password = api::text(&value, "AuthorizationToken");
            if password.is_empty() {
                return Err(ManageError::BadAnswer {
                    url: self.rpc.http.url("/"),
                    detail: "no AuthorizationToken".into(),
                });
            }
            Ok(Some(TemporaryLogin {
                username: api::text(&value, "TempUsername"),
                password: Sensitive::new(password),
                expires: api::millis(&value["ExpireTime"]),
            }))
        })
    }
}

/// The domains of one kind (`internet`, `vpc`) in a `ListInstanceEndpoint` answer.
fn domains_of(endpoints: &Value, kind: &str) -> Vec<String> {
    endpoints["Endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| api::text(e, "EndpointType") == kind)
        .flat_map(|e| e["Domains"].as_array().cloned().unwrap_or_default())
        .map(|d| api::text(&d, "Domain"))
        .filter(|d| !d.is_empty())
        .collect()
}

/// The account's instances in the region, each with its internet and VPC domains.
pub(super) async fn instances(
    saved: &SavedRegistry,
    api: &ApiSettings,
    key: &AccessKey,
) -> Result<Vec<InstanceInfo>, ManageError> {
    let rpc = Rpc::new(saved, api, key.clone())?;
    let list = rpc.list("ListInstance", "Instances", &[]).await?;
    let mut out = Vec::new();
    for i in &list {
        let id = api::text(i, "InstanceId");
        let endpoints = rpc
            .call("ListInstanceEndpoint", &[("InstanceId", id.clone())])
            .await?;
        out.push(InstanceInfo {
            name: api::text(i, "InstanceName"),
            status: api::text(i, "InstanceStatus"),
            internet: domains_of(&endpoints, "internet"),
            vpc: domains_of(&endpoints, "vpc"),
            id,
        });
    }
    Ok(out)
}
