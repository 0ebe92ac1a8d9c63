//! Container Registry Enterprise Edition, API 2018-12-01: RPC operations on `/`, named
//! by `x-acs-action` (or an `Action` parameter), parameters in the query string (or a
//! form body), answers with PascalCase keys plus `Code`, `IsSuccess` and `RequestId`.
//!
//! Parameters and answer fields follow the API reference (ListInstance,
//! ListInstanceEndpoint, ListNamespace, ListRepository, GetRepository under
//! `api-cr-2018-12-01-*` on help.aliyun.com) and, for operations whose reference pages
//! were not found (CreateNamespace, DeleteNamespace, CreateRepository, DeleteRepository,
//! ListRepoTag, GetAuthorizationToken), the request and response types of Alibaba
//! Cloud's Go SDK (`services/cr_ee`). Tag items (`Images`) reuse the Personal Edition's
//! tag fields in PascalCase, which is the SDK's `ImagesItem` naming; digests are given
//! without the `sha256:` prefix, as the Personal Edition gives them.

use serde_json::{json, Value};

use super::error::{code, ApiError};
use super::personal::Query;
use super::store::{self, NewRepo, Repo, Store, Tag};
use super::verify::{header, Incoming, Verified};
use super::{lock, now_ms, Instance, State};

/// Answers one verified call with its fields (the caller adds `Code`, `IsSuccess`,
/// `RequestId`).
pub(super) fn handle(
    state: &State,
    call: &Verified,
    incoming: &Incoming<'_>,
) -> Result<Value, ApiError> {
    if !call.segments.is_empty() {
        return Err(not_found("RPC operations are called on /"));
    }
    let params = parameters(call, incoming);
    let query = Query(&params);
    if let Some(action) = query.get("Action") {
        if action != call.action {
            return Err(not_found(&format!(
                "Action={action} disagrees with x-acs-action {}",
                call.action
            )));
        }
    }
    if call.action == "ListInstance" {
        return list_instances(state, &query);
    }
    let instance_id = required(&query, "InstanceId")?;
    let instance = state
        .config
        .instances
        .iter()
        .find(|i| i.id == instance_id)
        .ok_or_else(|| {
            ApiError::service(
                404,
                code::INSTANCE_NOT_EXIST,
                format!("instance {instance_id} does not exist"),
            )
        })?;
    if call.action == "ListInstanceEndpoint" {
        return Ok(endpoints(state, instance));
    }
    if call.action == "GetAuthorizationToken" {
        let (login, expire_ms) = state.issue_token();
        return Ok(json!({
            "TempUsername": login.name,
            "AuthorizationToken": login.password,
            "ExpireTime": expire_ms,
        }));
    }
    let mut instances = lock(&state.instances);
    let store = instances
        .get_mut(instance_id)
        .ok_or_else(|| not_found("the instance has no content"))?;
    on_content(&call.action, store, instance_id, &query)
}

/// The operations on an instance's namespaces, repositories and tags.
fn on_content(
    action: &str,
    store: &mut Store,
    instance_id: &str,
    query: &Query<'_>,
) -> Result<Value, ApiError> {
    match action {
        "ListNamespace" => list_namespaces(store, instance_id, query),
        "CreateNamespace" => {
            let name = required(query, "NamespaceName")?;
            let auto_create = query.get("AutoCreateRepo") == Some("true");
            let visibility = query.get("DefaultRepoType").unwrap_or("PRIVATE");
            store.create_namespace(name, auto_create, visibility)?;
            Ok(json!({}))
        }
        "DeleteNamespace" => {
            store.delete_namespace(required(query, "NamespaceName")?)?;
            Ok(json!({}))
        }
        "ListRepository" => list_repos(store, instance_id, query),
        "CreateRepository" => create_repo(store, query),
        "DeleteRepository" => {
            store.delete_repo_by_id(repo_id(required(query, "RepoId")?)?)?;
            Ok(json!({}))
        }
        "ListRepoTag" => list_tags(store, query),
        _ => Err(not_found(
            "Specified api is not found, please check your url and method",
        )),
    }
}

/// Query parameters, then the fields of a form body.
fn parameters(call: &Verified, incoming: &Incoming<'_>) -> Vec<(String, String)> {
    let mut params = call.query.clone();
    let form = header(incoming.headers, "content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if form {
        params.extend(
            url::form_urlencoded::parse(incoming.body)
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    params
}

fn list_instances(state: &State, query: &Query<'_>) -> Result<Value, ApiError> {
    let name = query.get("InstanceName").unwrap_or("");
    let instances: Vec<Value> = state
        .config
        .instances
        .iter()
        .filter(|i| name.is_empty() || i.name.contains(name))
        .map(|i| {
            json!({
                "InstanceId": i.id,
                "InstanceName": i.name,
                "InstanceStatus": "RUNNING",
                "InstanceSpecification": "Enterprise_Basic",
                "RegionId": state.config.region,
                "CreateTime": "1562849679000",
                "ModifiedTime": "1562849760000",
                "ResourceGroupId": "rg-testkit",
            })
        })
        .collect();
    let (page, size) = query.paging("PageNo")?;
    Ok(json!({
        "PageNo": page,
        "PageSize": size,
        "TotalCount": instances.len(),
        "Instances": store::page(&instances, page, size),
    }))
}

fn endpoints(state: &State, instance: &Instance) -> Value {
    let region = &state.config.region;
    let or_default = |domain: &str, suffix: &str| match domain {
        "" => format!(
            "{}-registry{suffix}.{region}.cr.aliyuncs.com",
            instance.name
        ),
        set => set.to_string(),
    };
    let endpoint = |kind: &str, domain: String| {
        json!({
            "EndpointType": kind,
            "Enable": true,
            "Status": "RUNNING",
            "AclEnable": false,
            "Domains": [{ "Domain": domain, "Type": "SYSTEM" }],
            "LinkedVpcs": [],
            "AclEntries": [],
        })
    };
    json!({
        "Endpoints": [
            endpoint("internet", or_default(&instance.internet_domain, "")),
            endpoint("vpc", or_default(&instance.vpc_domain, "-vpc")),
        ]
    })
}

fn list_namespaces(store: &Store, instance_id: &str, query: &Query<'_>) -> Result<Value, ApiError> {
    let name = query.get("NamespaceName").unwrap_or("");
    let namespaces: Vec<Value> = store
        .namespaces()
        .into_iter()
        .filter(|n| name.is_empty() || n.name == name)
        .map(|n| {
            json!({
                "NamespaceName": n.name,
                "NamespaceId": format!("crn-testkit{:06}", n.id),
                "NamespaceStatus": "NORMAL",
                "AutoCreateRepo": n.auto_create,
                "DefaultRepoType": n.default_visibility,
                "InstanceId": instance_id,
                "ResourceGroupId": "rg-testkit",
            })
        })
        .collect();
    let (page, size) = query.paging("PageNo")?;
    Ok(json!({
        "PageNo": page,
        "PageSize": size,
        "TotalCount": namespaces.len().to_string(),
        "Namespaces": store::page(&namespaces, page, size),
    }))
}

fn repo_json(repo: &Repo, instance_id: &str) -> Value {
    json!({
        "RepoId": format_repo_id(repo.id),
        "RepoName": repo.name,
        "RepoNamespaceName": repo.namespace,
        "RepoType": repo.repo_type,
        "RepoStatus": "NORMAL",
        "RepoBuildType": "MANUAL",
        "Summary": repo.summary,
        "CreateTime": repo.created_ms,
        "ModifiedTime": repo.modified_ms,
        "InstanceId": instance_id,
        "TagImmutability": false,
        "ResourceGroupId": "rg-testkit",
    })
}

fn list_repos(store: &Store, instance_id: &str, query: &Query<'_>) -> Result<Value, ApiError> {
    let namespace = query.get("RepoNamespaceName").filter(|n| !n.is_empty());
    let name = query.get("RepoName").unwrap_or("");
    let repos: Vec<Value> = store
        .repos(namespace)
        .into_iter()
        .filter(|r| name.is_empty() || r.name == name)
        .map(|r| repo_json(r, instance_id))
        .collect();
    let (page, size) = query.paging("PageNo")?;
    Ok(json!({
        "PageNo": page,
        "PageSize": size,
        "TotalCount": repos.len().to_string(),
        "Repositories": store::page(&repos, page, size),
    }))
}

fn create_repo(store: &mut Store, query: &Query<'_>) -> Result<Value, ApiError> {
    let new = NewRepo {
        namespace: required(query, "RepoNamespaceName")?,
        name: required(query, "RepoName")?,
        summary: required(query, "Summary")?,
        detail: query.get("Detail").unwrap_or(""),
        repo_type: required(query, "RepoType")?,
    };
    let repo = store.create_repo(new, now_ms())?;
    Ok(json!({ "RepoId": format_repo_id(repo.id) }))
}

fn tag_json(tag: &Tag) -> Value {
    json!({
        "Tag": tag.tag,
        "Digest": tag.digest,
        "ImageId": tag.image_id,
        "ImageSize": tag.size,
        "ImageCreate": tag.created_ms,
        "ImageUpdate": tag.updated_ms,
        "Status": "NORMAL",
    })
}

fn list_tags(store: &Store, query: &Query<'_>) -> Result<Value, ApiError> {
    let repo = store.repo_by_id(repo_id(required(query, "RepoId")?)?)?;
    let tags: Vec<Value> = repo.tags.values().map(tag_json).collect();
    let (page, size) = query.paging("PageNo")?;
    Ok(json!({
        "PageNo": page,
        "PageSize": size,
        "TotalCount": tags.len().to_string(),
        "Images": store::page(&tags, page, size),
    }))
}

fn format_repo_id(id: u64) -> String {
    format!("crr-testkit{id:06}")
}

/// The store's ID behind `crr-testkit000042`; an ID of another shape names no repository.
fn repo_id(value: &str) -> Result<u64, ApiError> {
    value
        .strip_prefix("crr-testkit")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            ApiError::service(
                404,
                code::REPO_NOT_EXIST,
                format!("repository {value} does not exist"),
            )
        })
}

fn required<'a>(query: &Query<'a>, name: &str) -> Result<&'a str, ApiError> {
    query.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
        ApiError::gateway(
            400,
            code::MISSING_PARAMETER,
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    })
}

fn not_found(message: &str) -> ApiError {
    ApiError::gateway(404, code::ACTION_NOT_FOUND, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ids_round_trip_and_foreign_ids_name_nothing() {
        assert_eq!(repo_id(&format_repo_id(42)), Ok(42));
        assert_eq!(
            repo_id("crr-l5eoubonp0l").map_err(|e| e.code),
            Err(code::REPO_NOT_EXIST)
        );
    }
}
