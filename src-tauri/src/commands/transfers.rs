//! Pull and push from the app (the Pull dialog, the Push dialog, the Tasks
//! screen's per-layer progress). Each command checks its input, then starts a task in
//! [`Tasks`] and answers with it at once; the transfer itself is one call into
//! `strata_core::registry`, run on Tauri's tokio runtime from the task's own thread, with
//! the task's cancellation token (cancel from the Tasks screen stops it at once and leaves
//! no partial image). Credentials and registry settings come from the same place the CLI
//! takes them without `--creds`: the saved registry (`registries.json`: insecure flag,
//! extra CA, preferred account) and the keychain (`strata login`), else anonymous.
//!
//! [`push_targets`] lists the saved registries with the namespaces and repositories the
//! Push dialog can offer: those saved by hand, and those of local image names on that
//! registry.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use strata_core::catalog::{self, Access, Provider, RegistriesFile};
use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};
use strata_core::reference::Reference;
use strata_core::registry::{self, PullOptions, PushOptions, RegistryError, RegistryOptions};
use tauri::State;

use super::support::{blocking, home, open_store};
use super::tasks::{Finished, TaskInfo, TaskKind, Tasks};

/// A saved registry as the Push dialog offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PushTarget {
    /// What the user calls it.
    pub name: String,
    /// The host references use: `registry.cn-hangzhou.aliyuncs.com`, `127.0.0.1:5000`.
    pub endpoint: String,
    /// `acr_personal`, `acr_enterprise`, `docker_hub`, `ghcr`, `harbor`, `quay`, `generic`.
    pub provider: String,
    /// Namespaces known on it (of the repositories below, or the account name where the
    /// provider's namespace is the user's), sorted.
    pub namespaces: Vec<String>,
    /// Repositories known on it, full paths (`team/app`), sorted: saved by hand, or the
    /// name of a local image.
    pub repositories: Vec<String>,
}

/// The saved settings and credentials for `target` (no `--creds` in the app: the keychain).
fn options_for(home: &Home, target: &Reference) -> Result<RegistryOptions, Problem> {
    catalog::registry_options(
        home,
        &target.registry,
        &target.repository,
        &Access::default(),
    )
    .map_err(|e| e.problem())
}

/// Runs one async registry call to its end on Tauri's runtime. Called on a task's own
/// thread, never on a runtime thread (block_on would panic there).
fn run<T>(work: impl std::future::Future<Output = Result<T, RegistryError>>) -> Result<T, Problem> {
    tauri::async_runtime::block_on(work).map_err(|e| e.problem())
}

fn familiar(name: &str) -> String {
    Reference::parse(name).map_or_else(|_| name.to_string(), |r| r.familiar())
}

fn parse(text: &str) -> Result<Reference, Problem> {
    Reference::parse(text.trim()).map_err(|e| e.problem())
}

/// Starts pulling `reference` (for `platform`, `os/arch[/variant]`, when given; else this
/// machine's) into the store as a task.
#[tauri::command]
pub fn pull_image(
    tasks: State<'_, Tasks>,
    reference: String,
    platform: Option<String>,
) -> Result<TaskInfo, Problem> {
    start_pull(&tasks, home()?, &reference, platform)
}

/// [`pull_image`] on the store at `home`.
fn start_pull(
    tasks: &Tasks,
    home: Home,
    reference: &str,
    platform: Option<String>,
) -> Result<TaskInfo, Problem> {
    let reference = parse(reference)?;
    let platform = platform
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .map(|p| registry::parse_platform(&p))
        .transpose()
        .map_err(|e| e.problem())?;
    let store = open_store(&home)?;
    tasks.start_transfer(
        TaskKind::Pull,
        reference.familiar(),
        None,
        move |sink, cancel| {
            let options = PullOptions {
                registry: options_for(&home, &reference)?,
                platform,
                concurrency: 0,
            };
            let pulled = run(registry::pull(&store, &reference, &options, sink, cancel))?;
            Ok(Finished {
                outcome: vec![familiar(&pulled.name)],
                digest: Some(pulled.digest.to_string()),
            })
        },
    )
}

/// Starts pushing the local image `local` (a name or ID) to `remote` as a task. A local
/// image that is not there, or a remote name that is not one, fails here.
#[tauri::command]
pub fn push_image(
    tasks: State<'_, Tasks>,
    local: String,
    remote: String,
) -> Result<TaskInfo, Problem> {
    start_push(&tasks, home()?, &local, &remote)
}

/// [`push_image`] from the store at `home`.
fn start_push(tasks: &Tasks, home: Home, local: &str, remote: &str) -> Result<TaskInfo, Problem> {
    let target = parse(remote)?;
    let store = open_store(&home)?;
    let local = local.trim().to_string();
    let found = store.resolve(&local).map_err(|e| e.problem())?;
    let subject = if found.name.is_empty() {
        local.clone()
    } else {
        familiar(&found.name)
    };
    tasks.start_transfer(
        TaskKind::Push,
        subject,
        Some(target.to_string()),
        move |sink, cancel| {
            let options = PushOptions {
                registry: options_for(&home, &target)?,
                ..Default::default()
            };
            let pushed = run(registry::push(
                &store, &local, &target, &options, sink, cancel,
            ))?;
            Ok(Finished {
                outcome: vec![pushed.name],
                digest: Some(pushed.digest.to_string()),
            })
        },
    )
}

/// The saved registries, with what the Push dialog can offer for each; none saved: empty.
#[tauri::command]
pub async fn push_targets() -> Result<Vec<PushTarget>, Problem> {
    blocking(|| {
        let home = home()?;
        let saved = RegistriesFile::for_home(&home)
            .and_then(|f| f.load())
            .map_err(|e| e.problem())?;
        // Local names only add suggestions: a store that cannot be read adds none.
        let names: Vec<String> = open_store(&home)
            .and_then(|s| s.refs().map_err(|e| e.problem()))
            .map(|refs| refs.into_iter().map(|r| r.name).collect())
            .unwrap_or_default();
        Ok(targets(&saved, &names))
    })
    .await
}

/// Joins the saved registries with the repositories of local image names on them.
fn targets(saved: &[catalog::SavedRegistry], local_names: &[String]) -> Vec<PushTarget> {
    let mut local: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in local_names {
        if let Ok(r) = Reference::parse(name) {
            local.entry(r.registry).or_default().insert(r.repository);
        }
    }
    saved
        .iter()
        .map(|r| {
            let mut repositories: BTreeSet<String> = r.repositories.iter().cloned().collect();
            repositories.extend(local.get(&r.endpoint).into_iter().flatten().cloned());
            let mut namespaces: BTreeSet<String> = repositories
                .iter()
                .filter_map(|repo| repo.rsplit_once('/').map(|(ns, _)| ns.to_string()))
                .collect();
            // On these, the namespace of one's own repositories is the account name.
            let personal = matches!(
                r.provider,
                Provider::DockerHub | Provider::Ghcr | Provider::Quay
            );
            if let (true, Some(user)) = (personal, &r.username) {
                namespaces.insert(user.to_lowercase());
            }
            PushTarget {
                name: r.name.clone(),
                endpoint: r.endpoint.clone(),
                provider: r.provider.id().to_string(),
                namespaces: namespaces.into_iter().collect(),
                repositories: repositories.into_iter().collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::tasks::TaskState;
    use strata_core::catalog::NewRegistry;
    use strata_core::registry::{BlobKind, TransferState};

    #[test]
    fn push_targets_offer_saved_and_local_repositories_with_their_namespaces() {
        let dir = tempfile_dir();
        let file = RegistriesFile::at(dir.join("registries.json"));
        file.add(NewRegistry {
            endpoint: "registry.cn-hangzhou.aliyuncs.com".into(),
            name: Some("ACR Hangzhou".into()),
            ..Default::default()
        })
        .unwrap();
        file.add(NewRegistry {
            endpoint: "docker.io".into(),
            username: Some("Ann".into()),
            ..Default::default()
        })
        .unwrap();
        file.update("ACR Hangzhou", |r| r.repositories = vec!["team/api".into()])
            .unwrap();
        let names = [
            "registry.cn-hangzhou.aliyuncs.com/team/web:1".to_string(),
            "registry.cn-hangzhou.aliyuncs.com/other/x/y:2".to_string(),
            "docker.io/library/busybox:latest".to_string(),
            "not a name".to_string(),
        ];
        let got = targets(&file.load().unwrap(), &names);
        let acr = got.iter().find(|t| t.name == "ACR Hangzhou").unwrap();
        assert_eq!(acr.provider, "acr_personal");
        assert_eq!(acr.repositories, ["other/x/y", "team/api", "team/web"]);
        assert_eq!(acr.namespaces, ["other/x", "team"]);
        let hub = got.iter().find(|t| t.endpoint == "docker.io").unwrap();
        assert_eq!(hub.provider, "docker_hub");
        assert_eq!(hub.namespaces, ["ann", "library"]);
        assert!(targets(&[], &names).is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    fn wait(tasks: &Tasks, id: u32, until: impl Fn(&TaskInfo) -> bool) -> TaskInfo {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let info = tasks.list().into_iter().find(|t| t.id == id).unwrap();
            if until(&info) {
                return info;
            }
            assert!(std::time::Instant::now() < deadline, "task {id}: {info:?}");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// The app's own path end to end: push a local image as a task (a row per blob, the
    /// digest at the end), then pull it back through a slow link and cancel mid-layer: the
    /// task ends cancelled at once and the store has no half image.
    #[test]
    fn a_push_reports_its_blobs_and_a_cancelled_pull_stops_at_once_leaving_no_image() {
        use strata_core::home::HomeSource;
        use strata_testkit::fixtures::{Image, Layer, OciLayout};
        use strata_testkit::proxy::{Proxy, Rule, BLOB_PATH};
        use strata_testkit::registry::{Auth, Registry};

        let dir = tempfile_dir();
        let home = Home {
            path: dir.join("home"),
            source: HomeSource::Flag,
        };
        let image = Image::builder()
            .layer(Layer::random("data/a.bin", 1 << 20, 1).unwrap())
            .layer(Layer::random("data/b.bin", 2 << 20, 2).unwrap())
            .build();
        let mut layout = OciLayout::create(&dir.join("layout")).unwrap();
        layout.add_image(&image, "docker.io/e2e/app:1").unwrap();
        let store = open_store(&home).unwrap();
        strata_core::image::import(
            &store,
            layout.dir(),
            &Default::default(),
            strata_core::task::TaskCtx::none(),
        )
        .unwrap();

        let registry = Registry::start(Auth::None).unwrap();
        let tasks = Tasks::default();
        let remote = format!("{}/e2e/app:1", registry.host());
        let push = start_push(&tasks, home.clone(), "e2e/app:1", &remote).unwrap();
        assert_eq!(
            (push.kind, push.subject.as_str()),
            (TaskKind::Push, "e2e/app:1")
        );
        let pushed = wait(&tasks, push.id, |t| t.state != TaskState::Running);
        assert_eq!(pushed.state, TaskState::Done, "{:?}", pushed.problem);
        assert_eq!(pushed.outcome, vec![remote.clone()]);
        assert_eq!(
            pushed.digest.as_deref(),
            Some(image.manifest_digest.as_str())
        );
        let layers: Vec<_> = pushed
            .layers
            .iter()
            .filter(|b| b.kind == BlobKind::Layer)
            .map(|b| (b.state, b.done == b.total))
            .collect();
        assert_eq!(
            layers,
            [(TransferState::Done, true), (TransferState::Done, true)]
        );

        // A name that is not one, or a local image that is not there: refused at once.
        assert_eq!(
            start_push(&tasks, home.clone(), "e2e/app:1", "Not A Name")
                .unwrap_err()
                .code,
            "reference.invalid"
        );
        assert!(start_push(&tasks, home.clone(), "nothing:here", &remote).is_err());

        // Pull it back at 256 KiB/s, cancel once bytes move.
        store.remove_image("e2e/app:1", false).unwrap();
        store.gc().unwrap();
        let proxy = Proxy::start(
            &registry,
            vec![Rule::throttle(256 << 10)
                .method("GET")
                .path_regex(BLOB_PATH)],
        )
        .unwrap();
        let slow = format!("{}/e2e/app:1", proxy.host());
        let pull = start_pull(&tasks, home.clone(), &slow, Some("linux/amd64".into())).unwrap();
        wait(&tasks, pull.id, |t| {
            t.layers
                .iter()
                .any(|b| b.state == TransferState::Transferring && b.done > 0)
        });
        let asked = std::time::Instant::now();
        tasks.cancel(pull.id).unwrap();
        let cancelled = wait(&tasks, pull.id, |t| t.state != TaskState::Running);
        assert!(asked.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(cancelled.state, TaskState::Cancelled);
        assert!(
            store.resolve(&slow).is_err(),
            "a cancelled pull left an image"
        );
        assert_eq!(
            start_pull(&tasks, home, &slow, Some("linux".into()))
                .unwrap_err()
                .code,
            "registry.bad_platform"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "strata-app-transfers-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
