//! `catalog::remote::copy_with` between two real `docker-registry` instances (streamed,
//! not mounted): every blob is announced at 0 bytes, moves, and ends `Done` at its size;
//! a raised cancel flag stops the copy with `Cancelled` and leaves no target tag.

// Tests and benches make their fixtures with plain paths (clippy.toml is for src/).
#![allow(clippy::disallowed_methods)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use strata_core::catalog::{remote, CatalogError};
use strata_core::reference::Reference;
use strata_core::registry::{self, Client, PushOptions, RegistryOptions};
use strata_core::store::Store;
use strata_core::task::{ProgressState, ProgressUpdate};
use strata_testkit::registry::{Auth, Registry};
use tokio_util::sync::CancellationToken;

mod support;

/// Pushes a three-layer image of random bytes to `registry` as `src/app:1`.
async fn seed(registry: &Registry) -> Reference {
    let dir = tempfile::tempdir().unwrap();
    let image = support::random_image("copy", &[300_000, 200_000, 100_000], 7);
    let store = Store::open(dir.path()).unwrap();
    support::put_image(&store, &image, "app:1");
    let remote = Reference::parse(&format!("{}/src/app:1", registry.host())).unwrap();
    registry::push(
        &store,
        "app:1",
        &remote,
        &PushOptions::default(),
        &registry::NoTransferProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    remote
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_reports_every_blob_and_a_cancel_leaves_no_target_tag() {
    let a = Registry::start(Auth::None).unwrap();
    let b = Registry::start(Auth::None).unwrap();
    let source = seed(&a).await;
    let from = Client::connect(&a.host(), &RegistryOptions::default())
        .await
        .unwrap();
    let to = Client::connect(&b.host(), &RegistryOptions::default())
        .await
        .unwrap();

    // Cancelled as soon as bytes move: an error, and no tag on the target.
    let cancelled_target = Reference::parse(&format!("{}/dst/app:cancelled", b.host())).unwrap();
    let cancel = AtomicBool::new(false);
    let raise = |u: ProgressUpdate| {
        if u.state == ProgressState::Running && u.done > 0 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let err = remote::copy_with(&from, &source, &to, &cancelled_target, &raise, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::Cancelled), "{err}");
    assert!(to.get_manifest("dst/app", "cancelled").await.is_err());

    // Not cancelled: each blob announced at 0, then done at its size; the sizes add up.
    let target = Reference::parse(&format!("{}/dst/app:1", b.host())).unwrap();
    let seen = Mutex::new(Vec::new());
    let record = |u: ProgressUpdate| seen.lock().unwrap().push(u);
    let never = AtomicBool::new(false);
    let copied = remote::copy_with(&from, &source, &to, &target, &record, &never)
        .await
        .unwrap();
    assert!(
        copied.blobs_streamed + copied.blobs_skipped >= 4,
        "{copied:?}"
    );
    let seen = seen.into_inner().unwrap();
    let mut ids: Vec<&str> = seen.iter().map(|u| u.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "a config and three layers");
    for id in ids {
        let mine: Vec<&ProgressUpdate> = seen.iter().filter(|u| u.id == id).collect();
        assert_eq!(mine[0].done, 0, "{id} is announced before it moves");
        let last = mine.last().unwrap();
        assert!(
            matches!(last.state, ProgressState::Done | ProgressState::Skipped),
            "{id} ends done: {last:?}"
        );
        assert_eq!(Some(last.done), last.total, "{id} ends at its size");
        assert!(mine
            .windows(2)
            .all(|w| w[0].done <= w[1].done || w[1].done == 0));
    }
    let digest = to.get_manifest("dst/app", "1").await.unwrap().digest;
    assert_eq!(Some(digest), copied.digest);
}
