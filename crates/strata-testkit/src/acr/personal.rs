//! Container Registry Personal Edition, API 2016-06-07: path-style operations on
//! `cr.<region>.aliyuncs.com`, answering `{"data": …, "requestId": …}`.
//!
//! Request lines, bodies and answer fields follow the API reference pages of each
//! operation (GetNamespaceList, CreateNamespace, DeleteNamespace, GetRepoListByNamespace,
//! CreateRepo, GetRepo, DeleteRepo, GetRepoTags on help.aliyun.com). Where the reference
//! disagrees with itself the example wins: GetNamespaceList lists under `namespaces`
//! (as its example and Alibaba Cloud's Terraform provider read it, not `namespace`), and
//! request bodies are read with case-insensitive keys (CreateRepo's example sends `repo`).
//! Two shapes were not found in any reference and are taken from how public scripts
//! and the Terraform provider read the answers: GetAuthorizationToken's
//! `data.{authorizationToken, tempUserName, expireDate}`, and GetNamespace's fields beyond
//! the list's (`autoCreate`, `defaultVisibility`, camelCased from UpdateNamespace's body).

use serde_json::{json, Map, Value};

use super::error::{code, ApiError};
use super::store::{self, NewRepo, Repo, Store, Tag};
use super::verify::Verified;
use super::{lock, now_ms, State};

/// Answers one verified call with its `data`.
pub(super) fn handle(
    state: &State,
    method: &str,
    call: &Verified,
    body: &[u8],
) -> Result<Value, ApiError> {
    let segments: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let (action, route) = route(method, &segments)?;
    if call.action != action {
        return Err(ApiError::gateway(
            404,
            code::ACTION_NOT_FOUND,
            format!(
                "{method} {} is {action}, not {}",
                segments.join("/"),
                call.action
            ),
        ));
    }
    let query = Query(&call.query);
    let mut store = lock(&state.personal);
    match route {
        Route::ListNamespaces => Ok(list_namespaces(&store)),
        Route::GetNamespace(ns) => namespace(&store, ns),
        Route::CreateNamespace => create_namespace(&mut store, body),
        Route::DeleteNamespace(ns) => store
            .delete_namespace(ns)
            .map(|()| json!({}))
            .map_err(Into::into),
        Route::ListRepos(ns) => list_repos(state, &store, ns, &query),
        Route::CreateRepo => create_repo(&mut store, body),
        Route::GetRepo(ns, repo) => get_repo(state, &store, ns, repo),
        Route::DeleteRepo(ns, repo) => store
            .delete_repo(ns, repo)
            .map(|()| json!({}))
            .map_err(Into::into),
        Route::ListTags(ns, repo) => list_tags(&store, ns, repo, &query),
        Route::Token => {
            drop(store);
            let (login, expire_ms) = state.issue_token();
            Ok(json!({
                "authorizationToken": login.password,
                "tempUserName": login.name,
                "expireDate": expire_ms,
            }))
        }
    }
}

enum Route<'a> {
    ListNamespaces,
    GetNamespace(&'a str),
    CreateNamespace,
    DeleteNamespace(&'a str),
    ListRepos(&'a str),
    CreateRepo,
    GetRepo(&'a str, &'a str),
    DeleteRepo(&'a str, &'a str),
    ListTags(&'a str, &'a str),
    Token,
}

/// The operation at `method` and the decoded path segments, and its `x-acs-action`.
fn route<'a>(method: &str, segments: &[&'a str]) -> Result<(&'static str, Route<'a>), ApiError> {
    let found = match (method, segments) {
        ("GET", ["namespace"]) => ("GetNamespaceList", Route::ListNamespaces),
        ("PUT", ["namespace"]) => ("CreateNamespace", Route::CreateNamespace),
        ("GET", ["namespace", ns]) => ("GetNamespace", Route::GetNamespace(ns)),
        ("DELETE", ["namespace", ns]) => ("DeleteNamespace", Route::DeleteNamespace(ns)),
        ("PUT", ["repos"]) => ("CreateRepo", Route::CreateRepo),
        ("GET", ["repos", ns]) => ("GetRepoListByNamespace", Route::ListRepos(ns)),
        ("GET", ["repos", ns, repo]) => ("GetRepo", Route::GetRepo(ns, repo)),
        ("DELETE", ["repos", ns, repo]) => ("DeleteRepo", Route::DeleteRepo(ns, repo)),
        ("GET", ["repos", ns, repo, "tags"]) => ("GetRepoTags", Route::ListTags(ns, repo)),
        ("GET", ["tokens"]) => ("GetAuthorizationToken", Route::Token),
        _ => {
            return Err(ApiError::gateway(
                404,
                code::ACTION_NOT_FOUND,
                "Specified api is not found, please check your url and method",
            ))
        }
    };
    Ok(found)
}

fn namespace_json(ns: &store::Namespace) -> Value {
    json!({
        "namespace": ns.name,
        "authorizeType": "ADMIN",
        "namespaceStatus": "NORMAL",
    })
}

fn list_namespaces(store: &Store) -> Value {
    let namespaces: Vec<Value> = store.namespaces().into_iter().map(namespace_json).collect();
    json!({ "namespaces": namespaces })
}

fn namespace(store: &Store, name: &str) -> Result<Value, ApiError> {
    let ns = store.namespace(name)?;
    let mut value = namespace_json(ns);
    value["autoCreate"] = ns.auto_create.into();
    value["defaultVisibility"] = ns.default_visibility.clone().into();
    Ok(value)
}

fn create_namespace(store: &mut Store, body: &[u8]) -> Result<Value, ApiError> {
    let body = json_body(body)?;
    let fields = object(&body, "Namespace")?;
    let name = text(fields, "Namespace").ok_or_else(|| missing("Namespace.Namespace"))?;
    let auto_create = field(fields, "AutoCreate")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let visibility = text(fields, "DefaultVisibility").unwrap_or("PRIVATE");
    let ns = store.create_namespace(name, auto_create, visibility)?;
    Ok(json!({ "namespaceId": ns.id }))
}

fn create_repo(store: &mut Store, body: &[u8]) -> Result<Value, ApiError> {
    let body = json_body(body)?;
    let fields = object(&body, "Repo")?;
    let required = |key: &str| text(fields, key).ok_or_else(|| missing(&format!("Repo.{key}")));
    let new = NewRepo {
        namespace: required("RepoNamespace")?,
        name: required("RepoName")?,
        summary: required("Summary")?,
        detail: text(fields, "Detail").unwrap_or(""),
        repo_type: required("RepoType")?,
    };
    store.create_repo(new, now_ms())?;
    Ok(json!({}))
}

fn repo_json(state: &State, repo: &Repo) -> Value {
    let region = &state.config.region;
    let public = match state.config.personal_domain.as_str() {
        "" => format!("registry.{region}.aliyuncs.com"),
        domain => domain.to_string(),
    };
    json!({
        "summary": repo.summary,
        "repoId": repo.id,
        "gmtCreate": repo.created_ms,
        "gmtModified": repo.modified_ms,
        "repoNamespace": repo.namespace,
        "repoName": repo.name,
        "repoBuildType": "MANUAL",
        "repoType": repo.repo_type,
        "repoDomainList": {
            "public": public,
            "vpc": format!("registry-vpc.{region}.aliyuncs.com"),
            "internal": format!("registry-internal.{region}.aliyuncs.com"),
        },
        "regionId": region,
        "repoStatus": "NORMAL",
        "repoAuthorizeType": "ADMIN",
        "downloads": 0,
        "stars": 0,
    })
}

fn list_repos(
    state: &State,
    store: &Store,
    ns: &str,
    query: &Query<'_>,
) -> Result<Value, ApiError> {
    store.namespace(ns)?;
    let prefix = query.get("RepoNamePrefix").unwrap_or("");
    let repos: Vec<Value> = store
        .repos(Some(ns))
        .into_iter()
        .filter(|r| r.name.starts_with(prefix))
        .map(|r| repo_json(state, r))
        .collect();
    let (page, size) = query.paging("Page")?;
    Ok(json!({
        "total": repos.len(),
        "page": page,
        "pageSize": size,
        "repos": store::page(&repos, page, size),
    }))
}

fn get_repo(state: &State, store: &Store, ns: &str, name: &str) -> Result<Value, ApiError> {
    let repo = store.repo(ns, name)?;
    let mut value = repo_json(state, repo);
    value["detail"] = repo.detail.clone().into();
    Ok(json!({ "repo": value }))
}

fn tag_json(tag: &Tag) -> Value {
    json!({
        "imageUpdate": tag.updated_ms,
        "imageCreate": tag.created_ms,
        "imageId": tag.image_id,
        "digest": tag.digest,
        "imageSize": tag.size,
        "tag": tag.tag,
        "status": "NORMAL",
    })
}

fn list_tags(store: &Store, ns: &str, name: &str, query: &Query<'_>) -> Result<Value, ApiError> {
    let repo = store.repo(ns, name)?;
    let tags: Vec<Value> = repo.tags.values().map(tag_json).collect();
    let (page, size) = query.paging("Page")?;
    Ok(json!({
        "total": tags.len(),
        "page": page,
        "pageSize": size,
        "tags": store::page(&tags, page, size),
    }))
}

/// Decoded query parameters, first value wins.
pub(super) struct Query<'a>(pub &'a [(String, String)]);

impl<'a> Query<'a> {
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The page number (from 1) in `page_param` and `PageSize`, with the defaults.
    pub fn paging(&self, page_param: &str) -> Result<(usize, usize), ApiError> {
        let number = |name: &str, default: usize| match self.get(name) {
            None | Some("") => Ok(default),
            Some(v) => v.parse::<usize>().map_err(|_| {
                ApiError::service(
                    400,
                    code::INVALID_PARAMETER,
                    format!("{name} must be a number"),
                )
            }),
        };
        let page = number(page_param, 1)?.max(1);
        let size = number("PageSize", store::DEFAULT_PAGE_SIZE)?.clamp(1, store::MAX_PAGE_SIZE);
        Ok((page, size))
    }
}

fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::service(
            400,
            code::INVALID_PARAMETER,
            format!("the body is not JSON: {e}"),
        )
    })
}

/// A member by case-insensitive key.
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    field(object, key).and_then(Value::as_str)
}

fn object<'a>(body: &'a Value, key: &str) -> Result<&'a Map<String, Value>, ApiError> {
    body.as_object()
        .and_then(|o| field(o, key))
        .and_then(Value::as_object)
        .ok_or_else(|| missing(key))
}

fn missing(name: &str) -> ApiError {
    ApiError::service(
        400,
        code::MISSING_PARAMETER,
        format!("the parameter {name} is required"),
    )
}
