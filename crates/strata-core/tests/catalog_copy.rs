//! `catalog::remote::copy_with` between two real `docker-registry` instances (streamed,
//! not mounted): every blob is announced before it moves (waiting at 0 bytes, or skipped),
//! as a push reports it, and ends `Done` or `Skipped` at its size; a cancelled token stops
//! the copy with `Cancelled` and leaves no target tag.

// Tests and benches make their fixtures with plain paths (clippy.toml is for src/).
#![allow(clippy::disallowed_methods)]

use std::sync::Mutex;

use strata_core::catalog::{remote, CatalogError};
use strata_core::reference::Reference;
use strata_core::registry::{Client, RegistryOptions};
use strata_core::store::Store;
use strata_core::task::{NoProgress, TaskCtx, Unit, UnitState};
use strata_core::transfer::{self, PushOptions};
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
    transfer::push(
        &store,
        "app:1",
        &remote,
        &PushOptions::default(),
        TaskCtx::new(&NoProgress, &CancellationToken::new()),
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
    let cancel = CancellationToken::new();
    let raise = |u: Unit| {
        if u.state == UnitState::Transferring && u.done > 0 {
            cancel.cancel();
        }
    };
    let ctx = TaskCtx::new(&raise, &cancel);
    let err = remote::copy_with(&from, &source, &to, &cancelled_target, ctx)
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::Cancelled), "{err}");
    assert!(to.get_manifest("dst/app", "cancelled").await.is_err());

    // Not cancelled: each blob announced before it moves, then done at its size.
    let target = Reference::parse(&format!("{}/dst/app:1", b.host())).unwrap();
    let seen = Mutex::new(Vec::new());
    let record = |u: Unit| seen.lock().unwrap().push(u);
    let never = CancellationToken::new();
    let copied = remote::copy_with(&from, &source, &to, &target, TaskCtx::new(&record, &never))
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
        let mine: Vec<&Unit> = seen.iter().filter(|u| u.id == id).collect();
        assert!(
            matches!(
                (mine[0].state, mine[0].done),
                (UnitState::Waiting, 0) | (UnitState::Skipped, _)
            ),
            "{id} is announced before it moves: {:?}",
            mine[0]
        );
        let last = mine.last().unwrap();
        assert!(
            matches!(last.state, UnitState::Done | UnitState::Skipped),
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
