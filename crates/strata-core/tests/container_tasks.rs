//! Create and commit run as tasks (the app's Containers screen and the CLI alike): progress
//! per layer for a create, a cancel that leaves no container and names no image, and a
//! commit with nothing in it refused.

// Tests and benches make their fixtures with plain paths (clippy.toml is for src/).
#![allow(clippy::disallowed_methods)]

use strata_core::container::{CommitOptions, ContainerError, Containers, CreateOptions, Mode};
use strata_core::image::rootfs::{import_rootfs, RootfsOptions};
use strata_core::problem::Explain;
use strata_core::reference::Reference;
use strata_core::store::Store;
use strata_core::task::{CancellationToken, TaskCtx, Unit};

/// A store with a one-layer image and a container on it (a copy: no root needed) that
/// changed one file.
fn container(dir: &std::path::Path) -> (Store, strata_core::container::Container) {
    let rootfs = dir.join("rootfs");
    std::fs::create_dir_all(rootfs.join("etc")).unwrap();
    std::fs::write(rootfs.join("etc/motd"), "hello\n").unwrap();
    let store = Store::open(&dir.join("home")).unwrap();
    let opts = RootfsOptions {
        tag: Reference::parse("e2e/base:1").unwrap(),
        message: None,
        changes: vec![],
        platform: None,
    };
    import_rootfs(&store, &rootfs, &opts, TaskCtx::none()).unwrap();
    let c = Containers::new(&store)
        .create(
            "e2e/base:1",
            &CreateOptions {
                name: Some("web".into()),
                mode: Some(Mode::Baseline),
            },
        )
        .unwrap();
    // Enough content that the layer is written in several chunks.
    let big: Vec<u8> = (0..4_000_000u64)
        .map(|i| (i.wrapping_mul(7919) % 251) as u8)
        .collect();
    c.write_file("/data.bin", &mut &big[..], None).unwrap();
    (store, c)
}

#[test]
fn a_cancelled_commit_names_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, c) = container(dir.path());
    let flag = CancellationToken::new();
    flag.cancel();
    let opts = CommitOptions::new(Reference::parse("e2e/base:2").unwrap());
    let err = c
        .commit_with(&opts, TaskCtx::new(&|_: Unit| {}, &flag))
        .unwrap_err();
    assert!(matches!(err, ContainerError::Cancelled), "{err}");
    assert_eq!(err.code(), "task.cancelled");
    assert!(store.resolve("e2e/base:2").is_err());
    // The same container commits without the cancelled token.
    c.commit(&opts).unwrap();
    assert!(store.resolve("e2e/base:2").is_ok());
}

#[test]
fn a_create_task_reports_each_layer_and_a_cancel_leaves_no_container() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = container(dir.path());
    let all = Containers::new(&store);
    let opts = CreateOptions {
        name: Some("second".into()),
        mode: Some(Mode::Baseline),
    };
    let stopped = CancellationToken::new();
    stopped.cancel();
    let err = all
        .create_with("e2e/base:1", &opts, TaskCtx::new(&|_: Unit| {}, &stopped))
        .unwrap_err();
    assert_eq!(err.code(), "task.cancelled");
    let names: Vec<String> = all.list().unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["web"]);
    // Only web's folder is left under containers/.
    assert_eq!(
        std::fs::read_dir(dir.path().join("home/containers"))
            .unwrap()
            .count(),
        1
    );

    let seen = std::sync::Mutex::new(Vec::<Unit>::new());
    let report = |p: Unit| seen.lock().unwrap().push(p);
    let go = CancellationToken::new();
    all.create_with("e2e/base:1", &opts, TaskCtx::new(&report, &go))
        .unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 1, "one layer, reported once: {seen:?}");
    assert!(seen[0].id.starts_with("sha256:") && seen[0].total == Some(seen[0].done));
}

#[test]
fn a_create_cancelled_after_its_last_layer_leaves_no_container() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = container(dir.path());
    let all = Containers::new(&store);
    let opts = CreateOptions {
        name: Some("late".into()),
        mode: Some(Mode::Baseline),
    };
    // The cancel comes as the last (only) layer is reported done.
    let cancel = CancellationToken::new();
    let on_done = |u: Unit| {
        if u.state.is_final() {
            cancel.cancel();
        }
    };
    let err = all
        .create_with("e2e/base:1", &opts, TaskCtx::new(&on_done, &cancel))
        .unwrap_err();
    assert_eq!(err.code(), "task.cancelled");
    let names: Vec<String> = all.list().unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["web"]);
    assert_eq!(
        std::fs::read_dir(dir.path().join("home/containers"))
            .unwrap()
            .count(),
        1,
        "the late container's folder is gone"
    );
}

#[test]
fn nothing_to_commit_is_refused_and_a_config_change_alone_is_something() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = container(dir.path());
    let fresh = Containers::new(&store)
        .create(
            "e2e/base:1",
            &CreateOptions {
                name: Some("fresh".into()),
                mode: Some(Mode::Baseline),
            },
        )
        .unwrap();
    let plain = CommitOptions::new(Reference::parse("e2e/fresh:1").unwrap());
    for err in [
        fresh.check_commit(&plain).unwrap_err(),
        fresh.commit(&plain).unwrap_err(),
    ] {
        assert_eq!(err.code(), "container.no_changes");
        assert!(err.to_string().contains("fresh has no changes"), "{err}");
    }
    assert!(store.resolve("e2e/fresh:1").is_err());

    // A bad change is refused before any work; a good one alone is something to commit.
    let bad = CommitOptions {
        changes: vec!["RUN make".into()],
        ..plain.clone()
    };
    assert!(fresh.check_commit(&bad).is_err());
    let config_only = CommitOptions {
        changes: vec!["ENV MODE=dev".into()],
        ..plain
    };
    fresh.check_commit(&config_only).unwrap();
    fresh.commit(&config_only).unwrap();
    assert!(store.resolve("e2e/fresh:1").is_ok());
}
