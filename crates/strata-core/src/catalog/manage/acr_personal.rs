//! ACR Personal Edition, API 2016-06-07: path-style calls on `https://cr.<region>.aliyuncs.com`
//! (or the registry's `--api-endpoint`), each signed with ACS3-HMAC-SHA256. Answers are
//! `{"data": …, "requestId": …}`; a refusal is an HTTP error status with
//! `{"code", "message", "requestId"}`.
//!
//! Operations (API reference on help.aliyun.com): GetNamespaceList `GET /namespace`,
//! CreateNamespace `PUT /namespace`, DeleteNamespace `DELETE /namespace/{ns}`,
//! GetRepoListByNamespace `GET /repos/{ns}?Page&PageSize`, CreateRepo `PUT /repos`,
//! GetRepo `GET /repos/{ns}/{repo}`, DeleteRepo `DELETE /repos/{ns}/{repo}`,
//! GetRepoTags `GET /repos/{ns}/{repo}/tags?Page&PageSize`, GetAuthorizationToken
//! `GET /tokens`.

use serde_json::{json, Value};

use super::api::{self, all_pages, Http, PAGE_SIZE};
use super::{
    ApiSettings, Capabilities, Fut, Manage, ManageError, Namespace, NewRepository, Repository,
    TagInfo, TemporaryLogin,
};
use crate::catalog::acs3::{self, AccessKey, Call, Stamp};
use crate::catalog::registries::SavedRegistry;
use crate::secret::Sensitive;

const VERSION: &str = "2016-06-07";

/// A Personal Edition account in one region.
pub(super) struct AcrPersonal {
    http: Http,
    key: AccessKey,
    registry: String,
}

/// The API base: the saved endpoint, else `https://<service>.<region>.aliyuncs.com`
/// (`cr` for both editions).
pub(super) fn base_url(
    saved: &SavedRegistry,
    api: &ApiSettings,
    service: &str,
) -> Result<String, ManageError> {
    if let Some(url) = &api.endpoint {
        return Ok(url.clone());
    }
    let region = api
        .region
        .clone()
        .or_else(|| region_of(&saved.endpoint))
        .ok_or_else(|| ManageError::NeedsSetting {
            registry: saved.endpoint.clone(),
            setting: "region",
        })?;
    Ok(format!("https://{service}.{region}.aliyuncs.com"))
}

/// The region in an ACR registry endpoint: `registry.cn-hangzhou.aliyuncs.com`,
/// `x-registry.cn-hangzhou.cr.aliyuncs.com`, `crpi-x.cn-hangzhou.personal.cr.aliyuncs.com`.
pub(super) fn region_of(endpoint: &str) -> Option<String> {
    let host = endpoint.split(':').next()?;
    let parts: Vec<&str> = host.split('.').collect();
    if !host.ends_with(".aliyuncs.com") || parts.len() < 4 {
        return None;
    }
    Some(parts[1].to_string()).filter(|r| r.contains('-'))
}

impl AcrPersonal {
    pub fn new(
        saved: &SavedRegistry,
        api: &ApiSettings,
        key: AccessKey,
    ) -> Result<Self, ManageError> {
        let http = Http::new(&base_url(saved, api, "cr")?, saved.insecure)?;
        Ok(Self {
            http,
            key,
            registry: saved.endpoint.clone(),
        })
    }

    /// Signs and sends one call; the `data` of a success, the refusal as an error.
    async fn call(
        &self,
        method: &str,
        path: &str,
        action: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, ManageError> {
        let full_path = format!("{}{path}", self.http.base_path());
        let mut call = Call::new(method, &self.http.host(), &full_path, action, VERSION);
        for (name, value) in query {
            call = call.query(name, value);
        }
        if let Some(body) = body {
            call = call.body("application/json", body.to_string().into_bytes());
        }
        let signed = acs3::sign(call, &self.key, &Stamp::now());
        let url = self.http.url(&signed.path_and_query);
        let reply = self
            .http
            .send(&signed.method, &url, &signed.headers, signed.body)
            .await?;
        if reply.ok() {
            return Ok(reply.json()?.get("data").cloned().unwrap_or(Value::Null));
        }
        let value = reply.json().unwrap_or(Value::Null);
        Err(api::refused(
            "ACR",
            action.to_string(),
            reply.status,
            api::text(&value, "code"),
            api::text(&value, "message"),
            &self.registry,
        ))
    }

    async fn repos_page(
        &self,
        namespace: &str,
        page: usize,
    ) -> Result<(Vec<Repository>, Option<usize>), ManageError> {
        let query = [
            ("Page", page.to_string()),
            ("PageSize", PAGE_SIZE.to_string()),
        ];
        let path = format!("/repos/{namespace}");
        let data = self
            .call("GET", &path, "GetRepoListByNamespace", &query, None)
            .await?;
        let repos = data["repos"].as_array().cloned().unwrap_or_default();
        Ok((
            repos.iter().map(repository).collect(),
            api::count(&data["total"]),
        ))
    }

    async fn tags_page(
        &self,
        namespace: &str,
        name: &str,
        page: usize,
    ) -> Result<(Vec<TagInfo>, Option<usize>), ManageError> {
        let query = [
            ("Page", page.to_string()),
            ("PageSize", PAGE_SIZE.to_string()),
        ];
        let path = format!("/repos/{namespace}/{name}/tags");
        let data = self.call("GET", &path, "GetRepoTags", &query, None).await?;
        let tags = data["tags"].as_array().cloned().unwrap_or_default();
        let tags = tags
            .iter()
            .map(|t| TagInfo {
                tag: api::text(t, "tag"),
                digest: api::digest(&t["digest"]),
                size: t["imageSize"].as_u64(),
                created: api::millis(&t["imageCreate"]),
                updated: api::millis(&t["imageUpdate"]),
            })
            .collect();
        Ok((tags, api::count(&data["total"])))
    }
}

fn repository(r: &Value) -> Repository {
    Repository {
        namespace: api::text(r, "repoNamespace"),
        name: api::text(r, "repoName"),
        summary: api::text(r, "summary"),
        public: api::text(r, "repoType").eq_ignore_ascii_case("PUBLIC"),
        detail: r["detail"].as_str().map(str::to_string),
        id: Some(api::text(r, "repoId")).filter(|s| !s.is_empty()),
        created: api::millis(&r["gmtCreate"]),
        modified: api::millis(&r["gmtModified"]),
    }
}

fn visibility(public: bool) -> &'static str {
    if public {
        "PUBLIC"
    } else {
        "PRIVATE"
    }
}

impl Manage for AcrPersonal {
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
            // GetNamespaceList has no paging: one answer lists them all.
            let data = self
                .call("GET", "/namespace", "GetNamespaceList", &[], None)
                .await?;
            let list = data["namespaces"].as_array().cloned().unwrap_or_default();
            Ok(list
                .iter()
                .map(|n| Namespace {
                    name: api::text(n, "namespace"),
                    public: None,
                    auto_create: None,
                })
                .collect())
        })
    }

    fn create_namespace<'a>(&'a self, name: &'a str, public: bool) -> Fut<'a, Namespace> {
        Box::pin(async move {
            let body = json!({ "Namespace": {
                "Namespace": name,
                "AutoCreate": false,
                "DefaultVisibility": visibility(public),
            }});
            self.call("PUT", "/namespace", "CreateNamespace", &[], Some(body))
                .await?;
            Ok(Namespace {
                name: name.to_string(),
                public: Some(public),
                auto_create: Some(false),
            })
        })
    }

    fn delete_namespace<'a>(&'a self, name: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            let path = format!("/namespace/{name}");
            self.call("DELETE", &path, "DeleteNamespace", &[], None)
                .await
                .map(|_| ())
        })
    }

    fn repositories<'a>(&'a self, namespace: &'a str) -> Fut<'a, Vec<Repository>> {
        Box::pin(all_pages(move |page| self.repos_page(namespace, page)))
    }

    fn repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Repository> {
        Box::pin(async move {
            let path = format!("/repos/{namespace}/{name}");
            let data = self.call("GET", &path, "GetRepo", &[], None).await?;
            Ok(repository(&data["repo"]))
        })
    }

    fn create_repository<'a>(&'a self, new: &'a NewRepository) -> Fut<'a, Repository> {
        Box::pin(async move {
            let body = json!({ "Repo": {
                "RepoNamespace": new.namespace,
                "RepoName": new.name,
                "Summary": new.summary,
                "Detail": new.detail,
                "RepoType": visibility(new.public),
            }});
            self.call("PUT", "/repos", "CreateRepo", &[], Some(body))
                .await?;
            self.repository(&new.namespace, &new.name).await
        })
    }

    fn delete_repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            let path = format!("/repos/{namespace}/{name}");
            self.call("DELETE", &path, "DeleteRepo", &[], None)
                .await
                .map(|_| ())
        })
    }

    fn tags<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Vec<TagInfo>> {
        Box::pin(all_pages(move |page| self.tags_page(namespace, name, page)))
    }

    fn temporary_login(&self) -> Fut<'_, Option<TemporaryLogin>> {
        Box::pin(async move {
            // The login opens the account's repositories, and it is handed to the saved
            // address: only when that is an ACR address (all are under aliyuncs.com) or a
            // registry on this machine.
            if !api::is_acr_address(&self.registry) {
                return Err(ManageError::LoginElsewhere {
                    registry: self.registry.clone(),
                    reason: "a temporary login for an Alibaba Cloud account is given only to \
                             an address under aliyuncs.com or on this machine"
                        .into(),
                });
            }
            let data = self
                .call("GET", "/tokens", "GetAuthorizationToken", &[], None)
                .await?;
            let password = api::text(&data, "authorizationToken");
            if password.is_empty() {
                return Err(ManageError::BadAnswer {
                    url: self.http.url("/tokens"),
                    detail: "no authorizationToken".into(),
                });
            }
            Ok(Some(TemporaryLogin {
                username: api::text(&data, "tempUserName"),
                password: Sensitive::new(password),
                expires: api::millis(&data["expireDate"]),
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_read_from_acr_endpoints() {
        assert_eq!(
            region_of("registry.cn-hangzhou.aliyuncs.com").as_deref(),
            Some("cn-hangzhou")
        );
        assert_eq!(
            region_of("crpi-abc.cn-beijing.personal.cr.aliyuncs.com").as_deref(),
            Some("cn-beijing")
        );
        assert_eq!(region_of("127.0.0.1:5000"), None);
    }
}
