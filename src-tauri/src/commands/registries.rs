//! The Registries screen: saved registries with
//! provider presets, logins kept in the OS keychain, the tree registry → namespace →
//! repository, a repository's tags with details on demand, and the remote operations that
//! never pull (retag, delete a tag, copy as a task) plus push scripts. Each command is one
//! call into `strata_core::catalog` or `strata_core::credentials`.
//!
//! Registries with a management API (ACR Personal and Enterprise, Harbor, Docker Hub) show
//! the API's namespaces and repositories instead of the catalog, and can create and delete
//! them ([`manage`]); which provider answers is the engine's business, not the UI's.
//!
//! Secrets: a password comes in once, through [`login_registry`], and an AccessKey secret
//! once, through [`add_registry`] (or [`acr_instances`], which saves nothing); each is wrapped in [`Sensitive`] at once, checked
//! against the registry (or its API) and handed to the keychain. No command returns one:
//! accounts are usernames only ([`Account`] has no secret field), API settings hold the
//! AccessKey ID only.
//!
//! Connections are kept per (registry, repository) in [`RegistriesState`], so that the
//! tags table asking for the details of fifty visible rows does not sign in fifty times;
//! logging in or out, or removing a registry, forgets that registry's connections.

pub mod copy;

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Deserialize;
use strata_core::catalog::acs3::AccessKey;
use strata_core::catalog::browse::{self, BrowseOptions, RepositoryTree};
use strata_core::catalog::manage::{
    self, ApiSettings, CloudAccountView, InstanceInfo, KeySource, NewRepository, Repository,
};
use strata_core::catalog::remote::{self, DeletePlan, Retagged};
use strata_core::catalog::script::{PushScript, Tool};
use strata_core::catalog::suggest::{self, PushTarget, ScriptFor};
use strata_core::catalog::tags::{self, TagDetails, TagPage};
use strata_core::catalog::{
    self, Access, NewRegistry, Preset, Provider, RegistriesFile, RegistryView, SavedRegistry,
};
use strata_core::credentials::{self, host, Account, Keychain, Login, SecretKind};
use strata_core::problem::Problem;
use strata_core::reference::Reference;
use strata_core::registry::Client;
use strata_core::secret::Sensitive;
use tauri::State;

use super::host_path::{self, HostPath, HostPaths, PickedPath};
use super::support::{blocking, home, problem};

/// Connections kept between commands.
#[derive(Default)]
pub struct RegistriesState {
    clients: Mutex<HashMap<(String, String), Client>>,
}

impl RegistriesState {
    /// A connection to `registry` for `repository` (`""` for the catalog), made once.
    async fn client(&self, registry: &str, repository: &str) -> Result<Client, Problem> {
        let key = (registry.to_string(), repository.to_string());
        if let Some(c) = self.lock().get(&key) {
            return Ok(c.clone());
        }
        let home = home()?;
        let client = catalog::connect(&home, registry, repository, &Access::default())
            .await
            .map_err(problem)?;
        self.lock().insert(key, client.clone());
        Ok(client)
    }

    /// Forgets the connections to `registry` (its credentials or settings changed).
    fn forget(&self, registry: &str) {
        self.lock().retain(|(r, _), _| r != registry);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Client>> {
        // A panic while holding the lock leaves a consistent map: go on.
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn registries_file() -> Result<RegistriesFile, Problem> {
    RegistriesFile::for_home(&home()?).map_err(problem)
}

/// `registry` as saved: the endpoint the UI passes, normalised the way accounts key it.
fn endpoint(registry: &str) -> String {
    host::normalize_registry(registry)
}

// ---- saved registries --------------------------------------------------------------------

/// What the "Add registry" form offers: every provider with its facts.
#[tauri::command]
pub fn registry_presets() -> Vec<Preset> {
    Provider::ALL.iter().map(|p| p.preset()).collect()
}

/// Every saved registry with its accounts (usernames only).
#[tauri::command]
pub async fn list_registries() -> Result<Vec<RegistryView>, Problem> {
    blocking(|| catalog::views(&home()?).map_err(problem)).await
}

fn view_of(endpoint: &str) -> Result<RegistryView, Problem> {
    catalog::view(&home()?, endpoint).map_err(problem)
}

/// The "Add registry" form.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct NewRegistryForm {
    pub endpoint: String,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub name: Option<String>,
    pub provider: Provider,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub username: Option<String>,
    pub insecure: bool,
    /// A PEM file with extra CA certificates: chosen with Browse… or typed in the field
    /// ([`host_path::REGISTRY_CA`]).
    #[cfg_attr(test, ts(type = "HostPath | null"))]
    pub ca_file: Option<HostPath>,
    /// The management API's settings the provider's preset asks for (`api_fields`).
    #[cfg_attr(test, ts(type = "ApiForm | null"))]
    pub api: Option<ApiForm>,
}

/// The "Add registry" form's management API fields; blank ones are left out.
#[derive(Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ApiForm {
    pub region: String,
    pub instance: String,
    pub endpoint: String,
    /// A saved cloud account to use; blank: the AccessKey typed below, saved as a new
    /// account named [`ApiForm::account_name`].
    #[serde(default)]
    pub account: String,
    /// The name of the new cloud account; blank: the registry's name.
    #[serde(default)]
    pub account_name: String,
    pub access_key_id: String,
    /// Wrapped in [`Sensitive`] as soon as it is read; goes to the keychain only.
    pub access_key_secret: String,
}

impl std::fmt::Debug for ApiForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiForm")
            .field("region", &self.region)
            .field("instance", &self.instance)
            .field("endpoint", &self.endpoint)
            .field("account", &self.account)
            .field("account_name", &self.account_name)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl ApiForm {
    /// The AccessKey the form names: a saved account, or the ID and secret typed in.
    fn key(&self) -> Option<KeySource> {
        if let Some(account) = blank(Some(self.account.clone())) {
            return Some(KeySource::Account(account));
        }
        let id = self.access_key_id.trim();
        (!id.is_empty()).then(|| KeySource::Key(AccessKey::new(id, self.access_key_secret.clone())))
    }
}

fn blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[tauri::command]
pub async fn add_registry(
    paths: State<'_, HostPaths>,
    form: NewRegistryForm,
) -> Result<RegistryView, Problem> {
    let ca_file = form
        .ca_file
        .as_ref()
        .map(|ca| paths.resolve(ca, &host_path::REGISTRY_CA).map(|r| r.path))
        .transpose()?;
    let new = NewRegistry {
        endpoint: form.endpoint.trim().to_string(),
        name: blank(form.name),
        provider: Some(form.provider),
        username: blank(form.username),
        insecure: form.insecure,
        ca_file,
    };
    let home = home()?;
    let key = form.api.as_ref().and_then(ApiForm::key);
    let account_name = form
        .api
        .as_ref()
        .and_then(|a| blank(Some(a.account_name.clone())));
    let api = form.api.map(|a| ApiSettings {
        region: blank(Some(a.region)),
        instance: blank(Some(a.instance)),
        endpoint: blank(Some(a.endpoint)),
        ..Default::default()
    });
    let saved = match key {
        Some(key) => {
            manage::add_with_key(
                &home,
                new,
                api.unwrap_or_default(),
                key,
                account_name.as_deref(),
            )
            .await
        }
        None => manage::add_registry(&home, new, api),
    }
    .map_err(problem)?;
    blocking(move || view_of(&saved.endpoint)).await
}

/// The native open dialog for the "Add registry" form's extra CA file; `None` when
/// cancelled. The path stays here: the UI gets a token and the file's name.
#[tauri::command]
pub async fn choose_ca_file(
    app: tauri::AppHandle,
    paths: State<'_, HostPaths>,
    title: String,
    filter_name: String,
) -> Result<Option<PickedPath>, Problem> {
    Ok(host_path::pick_file_to_open(
        &app,
        &paths,
        title,
        filter_name,
        &["pem", "crt", "cer"],
    ))
}

/// Forgets a saved registry and the AccessKey only it had (the cloud account made for it
/// when no other registry uses that account); its logins stay until logged out.
#[tauri::command]
pub async fn remove_registry(
    state: State<'_, RegistriesState>,
    registry: String,
) -> Result<SavedRegistry, Problem> {
    let removed =
        blocking(move || manage::remove_registry(&home()?, &registry).map_err(problem)).await?;
    state.forget(&removed.endpoint);
    Ok(removed)
}

// ---- cloud accounts ------------------------------------------------------------------------

/// The named cloud accounts (AccessKey IDs, never a secret) and the registries using each.
#[tauri::command]
pub async fn list_cloud_accounts() -> Result<Vec<CloudAccountView>, Problem> {
    blocking(|| manage::cloud_accounts(&home()?).map_err(problem)).await
}

/// Removes a cloud account and its secret from the keychain; refused while a registry
/// uses it.
#[tauri::command]
pub async fn remove_cloud_account(name: String) -> Result<CloudAccountView, Problem> {
    blocking(move || manage::remove_cloud_account(&home()?, &name, false).map_err(problem)).await
}

/// ACR Enterprise, in the "Add registry" form: the instances the form's AccessKey (or
/// saved account) sees in its region, with their registry domains, so that the endpoint
/// is chosen rather than typed. Nothing is saved.
#[tauri::command]
pub async fn acr_instances(form: ApiForm) -> Result<Vec<InstanceInfo>, Problem> {
    let key = form.key().ok_or_else(|| {
        problem(manage::ManageError::NoAccessKey {
            registry: form.instance.clone(),
        })
    })?;
    let api = ApiSettings {
        region: blank(Some(form.region.clone())),
        endpoint: blank(Some(form.endpoint.clone())),
        ..Default::default()
    };
    manage::instances_for(&home()?, &api, key)
        .await
        .map_err(problem)
}

/// Adds repositories by hand (registries that do not list theirs: ACR Personal, Docker Hub).
#[tauri::command]
pub async fn add_repositories(
    registry: String,
    repositories: Vec<String>,
) -> Result<RegistryView, Problem> {
    blocking(move || {
        let saved = registries_file()?
            .add_repositories(&registry, &repositories)
            .map_err(problem)?;
        view_of(&saved.endpoint)
    })
    .await
}

// ---- logins --------------------------------------------------------------------------------

/// Checks `username` + `password` against the registry, then keeps the password in the
/// OS keychain. The password is never returned, logged or written to a file; a refused
/// login or an unreachable keychain saves nothing.
#[tauri::command]
pub async fn login_registry(
    state: State<'_, RegistriesState>,
    registry: String,
    username: String,
    password: String,
    namespace: Option<String>,
    make_default: bool,
) -> Result<Account, Problem> {
    let secret = Sensitive::new(password);
    let endpoint = endpoint(&registry);
    let home = home()?;
    // The saved registry's insecure flag and extra CA, as pulls and pushes will use them.
    let transport = {
        let (home, endpoint) = (home.clone(), endpoint.clone());
        blocking(move || catalog::transport_options(&home, &endpoint, false).map_err(problem))
            .await?
    };
    let keychain = Keychain::open(&home).map_err(problem)?;
    let login = Login {
        registry: endpoint.clone(),
        username: username.trim().to_string(),
        namespace: namespace
            .map(|n| n.trim_matches('/').to_string())
            .filter(|n| !n.is_empty()),
        make_default,
        kind: SecretKind::Password,
        secret,
    };
    let account = credentials::login(&keychain, &login, &transport)
        .await
        .map_err(problem)?;
    state.forget(&endpoint);
    Ok(account)
}

/// Deletes one account's secret from the keychain (every account of the registry when
/// `username` is `None`).
#[tauri::command]
pub async fn logout_registry(
    state: State<'_, RegistriesState>,
    registry: String,
    username: Option<String>,
) -> Result<Vec<Account>, Problem> {
    let endpoint = endpoint(&registry);
    let removed = {
        let endpoint = endpoint.clone();
        blocking(move || {
            let keychain = Keychain::open(&home()?).map_err(problem)?;
            keychain
                .remove(&endpoint, username.as_deref(), true)
                .map_err(problem)
        })
        .await?
    };
    state.forget(&endpoint);
    Ok(removed)
}

/// Every saved login: registry, username, scope, default. Never a secret.
#[tauri::command]
pub async fn list_accounts() -> Result<Vec<Account>, Problem> {
    blocking(|| {
        Keychain::open(&home()?)
            .and_then(|k| k.accounts())
            .map_err(problem)
    })
    .await
}

/// Logs in to a registry whose login comes from its management API (an AccessKey is
/// saved): a temporary password from the API, checked with the registry and kept in the
/// keychain. No password is asked or returned.
#[tauri::command]
pub async fn login_with_api(
    state: State<'_, RegistriesState>,
    registry: String,
) -> Result<Account, Problem> {
    let endpoint = endpoint(&registry);
    let home = home()?;
    let transport = {
        let (home, endpoint) = (home.clone(), endpoint.clone());
        blocking(move || catalog::transport_options(&home, &endpoint, false).map_err(problem))
            .await?
    };
    let account = manage::log_in_with_api(&home, &endpoint, None, &transport)
        .await
        .map_err(problem)?;
    state.forget(&endpoint);
    Ok(account)
}

// ---- browsing ------------------------------------------------------------------------------

/// The tree registry → namespace → repository: the management API's where the registry
/// has one set up, else the catalog where the registry lists it, plus the repositories
/// added by hand.
#[tauri::command]
pub async fn browse_registry(
    state: State<'_, RegistriesState>,
    registry: String,
) -> Result<RepositoryTree, Problem> {
    let endpoint = endpoint(&registry);
    if let Some(tree) = manage::tree(&home()?, &endpoint).await.map_err(problem)? {
        return Ok(tree);
    }
    let manual = {
        let endpoint = endpoint.clone();
        blocking(move || {
            Ok(registries_file()?
                .by_endpoint(&endpoint)
                .map_err(problem)?
                .map(|s| s.repositories)
                .unwrap_or_default())
        })
        .await?
    };
    let client = state.client(&endpoint, "").await?;
    browse::repositories(&client, &manual, &BrowseOptions::default())
        .await
        .map_err(problem)
}

/// Every tag of a repository (all pages), in the registry's order; none for a repository
/// its management API created that nothing was pushed to yet.
#[tauri::command]
pub async fn list_tags(
    state: State<'_, RegistriesState>,
    registry: String,
    repository: String,
) -> Result<Vec<String>, Problem> {
    let endpoint = endpoint(&registry);
    let client = state.client(&endpoint, &repository).await?;
    let listed = tags::list(&client, &repository, 0, |_| {}).await;
    listed.or_else(|e| manage::no_tags_yet(&home()?, &endpoint, e).map_err(problem))
}

/// One page of a repository's tags (the first when `cursor` is `None`), so that the table
/// shows the first page at once and asks for the rest in the background; none for a
/// repository its management API created that nothing was pushed to yet.
#[tauri::command]
pub async fn list_tags_page(
    state: State<'_, RegistriesState>,
    registry: String,
    repository: String,
    cursor: Option<String>,
) -> Result<TagPage, Problem> {
    let endpoint = endpoint(&registry);
    let client = state.client(&endpoint, &repository).await?;
    let listed = tags::page(&client, &repository, 0, cursor.as_deref()).await;
    listed.or_else(|e| {
        manage::no_tags_yet(&home()?, &endpoint, e)
            .map(|tags| TagPage { tags, next: None })
            .map_err(problem)
    })
}

/// One tag's digest, compressed size, platforms and created time (the table asks for the
/// rows it shows).
#[tauri::command]
pub async fn tag_details(
    state: State<'_, RegistriesState>,
    registry: String,
    repository: String,
    tag: String,
) -> Result<TagDetails, Problem> {
    let client = state.client(&endpoint(&registry), &repository).await?;
    tags::details(&client, &repository, &tag)
        .await
        .map_err(problem)
}

// ---- namespaces and repositories through the management API ------------------------------

/// Creates a namespace.
#[tauri::command]
pub async fn create_namespace(
    registry: String,
    name: String,
    public: bool,
) -> Result<manage::Namespace, Problem> {
    manage::create_namespace(&home()?, &endpoint(&registry), name.trim(), public)
        .await
        .map_err(problem)
}

/// Deletes a namespace (and, on most providers, every repository in it).
#[tauri::command]
pub async fn delete_namespace(registry: String, name: String) -> Result<(), Problem> {
    manage::delete_namespace(&home()?, &endpoint(&registry), &name)
        .await
        .map_err(problem)
}

/// The "New repository" form.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct NewRepositoryForm {
    pub namespace: String,
    pub name: String,
    pub summary: String,
    pub detail: String,
    pub public: bool,
}

/// Creates a repository.
#[tauri::command]
pub async fn create_repository(
    registry: String,
    form: NewRepositoryForm,
) -> Result<Repository, Problem> {
    let new = NewRepository {
        namespace: form.namespace.trim().to_string(),
        name: form.name.trim().to_string(),
        summary: form.summary.trim().to_string(),
        detail: form.detail.trim().to_string(),
        public: form.public,
    };
    manage::create_repository(&home()?, &endpoint(&registry), &new)
        .await
        .map_err(problem)
}

/// One repository as the API describes it: summary, detail, visibility.
#[tauri::command]
pub async fn repository_info(
    registry: String,
    namespace: String,
    name: String,
) -> Result<Repository, Problem> {
    manage::repository(&home()?, &endpoint(&registry), &namespace, &name)
        .await
        .map_err(problem)
}

/// Deletes a repository and its tags.
#[tauri::command]
pub async fn delete_repository(
    state: State<'_, RegistriesState>,
    registry: String,
    namespace: String,
    name: String,
) -> Result<(), Problem> {
    let endpoint = endpoint(&registry);
    manage::delete_repository(&home()?, &endpoint, &namespace, &name)
        .await
        .map_err(problem)?;
    state.forget(&endpoint);
    Ok(())
}

/// The repository a push to `remote` needs created first (the registry's API can create
/// it and says it does not exist); `None` when the push can go ahead.
#[tauri::command]
pub async fn missing_repository(remote: String) -> Result<Option<MissingRepository>, Problem> {
    let target = Reference::parse(remote.trim()).map_err(problem)?;
    let missing = manage::missing_repository(&home()?, &target)
        .await
        .map_err(problem)?;
    Ok(missing.map(|(namespace, name)| MissingRepository {
        registry: target.registry.clone(),
        namespace,
        name,
    }))
}

/// A repository to create before a push.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MissingRepository {
    pub registry: String,
    pub namespace: String,
    pub name: String,
}

fn reference(registry: &str, repository: &str, tag: &str) -> Result<Reference, Problem> {
    Reference::parse(&format!("{}/{repository}:{tag}", endpoint(registry))).map_err(problem)
}

// ---- remote operations ---------------------------------------------------------------------

/// Puts `source`'s manifest under the tag `target` in the same repository.
#[tauri::command]
pub async fn retag_remote(
    state: State<'_, RegistriesState>,
    registry: String,
    repository: String,
    source: String,
    target: String,
) -> Result<Retagged, Problem> {
    let src = reference(&registry, &repository, &source)?;
    let dst = reference(&registry, &repository, target.trim())?;
    let client = state.client(&endpoint(&registry), &repository).await?;
    remote::retag(&client, &src, &dst).await.map_err(problem)
}

/// What deleting `tag` removes: its digest and the other tags that name it (the dialog's
/// warning).
#[tauri::command]
pub async fn plan_delete_tag(
    state: State<'_, RegistriesState>,
    registry: String,
    repository: String,
    tag: String,
) -> Result<DeletePlan, Problem> {
    let r = reference(&registry, &repository, &tag)?;
    let client = state.client(&endpoint(&registry), &repository).await?;
    remote::plan_delete(&client, &r).await.map_err(problem)
}

/// Deletes `tag`'s manifest by digest. Refused when other tags share the digest unless
/// `allow_shared` (the person saw the list and agreed).
#[tauri::command]
pub async fn delete_tag(
    state: State<'_, RegistriesState>,
    registry: String,
    repository: String,
    tag: String,
    allow_shared: bool,
) -> Result<DeletePlan, Problem> {
    let r = reference(&registry, &repository, &tag)?;
    let client = state.client(&endpoint(&registry), &repository).await?;
    remote::delete(&client, &r, allow_shared)
        .await
        .map_err(problem)
}

/// The push script of a repository, in the ACR console's shape, with the login name
/// filled in as the catalog finds it (the saved registry's, else the keychain's).
#[tauri::command]
pub async fn push_script(
    registry: String,
    repository: String,
    tool: Tool,
    vpc: bool,
) -> Result<PushScript, Problem> {
    blocking(move || {
        let ask = ScriptFor {
            registry: &registry,
            repository: &repository,
            username: None,
            tool,
            vpc,
        };
        suggest::push_script(&home()?, &ask).map_err(problem)
    })
    .await
}

/// The saved registries, with what the Push dialog can offer for each; none saved: empty.
#[tauri::command]
pub async fn push_targets() -> Result<Vec<PushTarget>, Problem> {
    blocking(|| suggest::push_targets(&home()?).map_err(problem)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_cover_every_provider_and_acr_fills_the_region() {
        let presets = registry_presets();
        assert_eq!(presets.len(), Provider::ALL.len());
        let acr = presets
            .iter()
            .find(|p| p.provider == Provider::AcrPersonal)
            .unwrap();
        assert!(acr.regions.contains(&"cn-hangzhou"));
        assert_eq!(
            acr.endpoint_template.replace("{region}", "cn-hangzhou"),
            "registry.cn-hangzhou.aliyuncs.com"
        );
    }

    #[test]
    fn an_account_serialises_without_any_secret_field() {
        let account = Account {
            registry: "127.0.0.1:5000".into(),
            username: "alice".into(),
            namespace: None,
            default: true,
            kind: SecretKind::Password,
        };
        let json = serde_json::to_value(&account).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, vec!["default", "kind", "registry", "username"]);
    }
}
