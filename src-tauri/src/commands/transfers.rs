//! Pull and push from the app (the Pull dialog, the Push dialog, the Tasks
//! screen's per-layer progress). Each command checks its input, then starts a task in
//! [`Tasks`] and answers with it at once; the transfer itself is one call into
//! `strata_core::transfer`, run on a runtime of the task's own, on its thread, with
//! the task's context: one row per blob, and its cancellation token (cancel from the Tasks
//! screen stops it at once and leaves no partial image). Credentials and registry settings come from the same place the CLI
//! takes them without `--creds`: the saved registry (`registries.json`: insecure flag,
//! extra CA, preferred account) and the keychain (`strata login`), else anonymous.

use strata_core::catalog::{self, Access};
use strata_core::home::Home;
use strata_core::insight::outdated::OutdatedOptions;
use strata_core::insight::{self, OutdatedImage};
use strata_core::problem::{Explain, Problem};
use strata_core::reference::{familiar, Reference};
use strata_core::registry::{self, RegistryError, RegistryOptions};
use strata_core::settings::SettingsFile;
use strata_core::transfer::{self, PullOptions, PushOptions};
use tauri::State;

use super::support::{home, open_store};
use super::tasks::{Finished, TaskInfo, TaskKind, Tasks};

/// The saved settings and credentials for `target` (no `--creds` in the app: the keychain).
/// A temporary login from a cloud API (ACR) is replaced first when it is about to expire.
/// Called on a task's own thread.
fn options_for(home: &Home, target: &Reference) -> Result<RegistryOptions, Problem> {
    strata_core::task::block_on(catalog::manage::refresh_login(home, &target.registry))?
        .map_err(|e| e.problem())?;
    catalog::registry_options(
        home,
        &target.registry,
        &target.repository,
        &Access::default(),
    )
    .map_err(|e| e.problem())
}

/// Runs one async registry call to its end on the task's own runtime, below the window's
/// priority (`task::block_on`). Called on a task's own thread, never on a runtime thread
/// (block_on would panic there).
fn run<T>(work: impl std::future::Future<Output = Result<T, RegistryError>>) -> Result<T, Problem> {
    strata_core::task::block_on(work)?.map_err(|e| e.problem())
}

fn parse(text: &str) -> Result<Reference, Problem> {
    Reference::parse(text.trim()).map_err(|e| e.problem())
}

/// "Check for updates" on the Images screen (and its hourly check in the background): for
/// each local image pulled from a registry, whether its tag now names another image, as
/// `strata outdated` tells. `names` limits the check to these full references.
#[tauri::command]
pub async fn check_updates(names: Option<Vec<String>>) -> Result<Vec<OutdatedImage>, Problem> {
    let home = home()?;
    let store = open_store(&home)?;
    let opts = OutdatedOptions {
        only: names,
        ..OutdatedOptions::default()
    };
    insight::outdated(&home, &store, &opts)
        .await
        .map_err(|e| e.problem())
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
    tasks.start(
        TaskKind::Pull,
        reference.familiar(),
        None,
        None,
        move |ctx| {
            let options = PullOptions {
                registry: options_for(&home, &reference)?,
                platform,
                concurrency: 0,
                mirrors: catalog::access::mirrors(
                    &home,
                    &reference.registry,
                    &reference.repository,
                )
                .map_err(|e| e.problem())?,
            };
            let pulled = run(transfer::pull(&store, &reference, &options, ctx))?;
            Ok(Finished {
                outcome: vec![familiar(&pulled.name)],
                digest: Some(pulled.digest.to_string()),
                compressed: None,
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
    tasks.start(
        TaskKind::Push,
        subject,
        Some(target.to_string()),
        None,
        move |ctx| {
            let saved = SettingsFile::current(&home);
            let options = PushOptions {
                registry: options_for(&home, &target)?,
                compression: saved.push_compression.layers(saved.push_compression_level),
                ..Default::default()
            };
            let pushed = run(transfer::push(&store, &local, &target, &options, ctx))?;
            Ok(Finished {
                outcome: vec![pushed.name],
                digest: Some(pushed.digest.to_string()),
                compressed: pushed.compressed,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::task::TaskState;
    use strata_core::task::{UnitKind, UnitState};

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
            .units
            .iter()
            .filter(|b| b.kind == UnitKind::Layer)
            .map(|b| (b.state, Some(b.done) == b.total))
            .collect();
        assert_eq!(layers, [(UnitState::Done, true), (UnitState::Done, true)]);

        // A name that is not one, or a local image that is not there: refused at once.
        assert_eq!(
            start_push(&tasks, home.clone(), "e2e/app:1", "Not A Name")
                .unwrap_err()
                .code,
            "reference.invalid"
        );
        assert!(start_push(&tasks, home.clone(), "nothing:here", &remote).is_err());

        // The fixture's layers are gzip already: the push compressed none, and says so.
        // With zstd chosen in Settings it converts both, and the finished task tells how.
        assert_eq!(pushed.compressed, None);
        SettingsFile::for_home(&home)
            .unwrap()
            .update(strata_core::settings::SettingsPatch {
                push_compression: Some(strata_core::settings::PushCompression::Zstd),
                ..Default::default()
            })
            .unwrap();
        let zstd_remote = format!("{}/e2e/app-zstd:1", registry.host());
        let push = start_push(&tasks, home.clone(), "e2e/app:1", &zstd_remote).unwrap();
        let pushed = wait(&tasks, push.id, |t| t.state != TaskState::Running);
        assert_eq!(pushed.state, TaskState::Done, "{:?}", pushed.problem);
        let compressed = pushed.compressed.expect("the task says what it compressed");
        assert_eq!(
            (compressed.layers, compressed.compression, compressed.level),
            (2, strata_core::layer::Compression::Zstd, 3)
        );
        assert!(
            !compressed.nearby,
            "zstd's level does not depend on where the registry is"
        );

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
            t.units
                .iter()
                .any(|b| b.state == UnitState::Transferring && b.done > 0)
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
            "platform.invalid"
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
