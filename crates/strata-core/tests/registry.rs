//! The registry client against a real `docker-registry` (strata-testkit): token auth
//! flows, token caching, scope denial, progress states and cancellation.

// Tests and benches make their fixtures with plain paths (clippy.toml is for src/).
#![allow(clippy::disallowed_methods)]

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use strata_core::reference::Reference;
use strata_core::registry::{Client, Credentials, RegistryError, RegistryOptions};
use strata_core::store::Store;
use strata_core::task::{NoProgress, TaskCtx, Unit, UnitState};
use strata_core::transfer::{self, PullOptions, PushOptions};
use strata_testkit::fixtures::Image;
use strata_testkit::registry::{Auth, Registry};
use strata_testkit::token::GrantKind;
use strata_testkit::user::User;
use tokio_util::sync::CancellationToken;

mod support;

fn seed(home: &Path, layers: &[usize], name: &str) -> (Store, Image) {
    let image = support::random_image(name, layers, 1000);
    let store = Store::open(home).unwrap();
    support::put_image(&store, &image, name);
    (store, image)
}

/// A push that converts every layer to zstd at level 19: on random bytes slow enough that
/// each layer's compression takes a visible while.
fn slow_zstd() -> PushOptions {
    use strata_core::layer::Compression;
    use strata_core::transfer::LayerCompression;
    PushOptions {
        compression: LayerCompression {
            to: Some(Compression::Zstd),
            level: Some(19),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn options(credentials: Credentials) -> RegistryOptions {
    RegistryOptions {
        credentials,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn login_gives_an_identity_token_that_pulls_and_pushes_without_the_password() {
    let registry = Registry::start(Auth::Token {
        users: vec![User::new("ann", "pw-ann")],
    })
    .unwrap();
    let host = registry.host();

    let wrong = Client::connect(&host, &options(Credentials::basic("ann", "nope")))
        .await
        .unwrap();
    let err = wrong.check_login().await.unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Unauthorized {
                with_credentials: true,
                ..
            }
        ),
        "{err}"
    );

    let client = Client::connect(&host, &options(Credentials::basic("ann", "pw-ann")))
        .await
        .unwrap();
    let token = client
        .check_login()
        .await
        .unwrap()
        .expect("an identity token");
    registry.token_issuer().unwrap().clear_log();

    let id = options(Credentials::IdentityToken { token });
    let src = tempfile::tempdir().unwrap();
    let (store, image) = seed(src.path(), &[10_000, 20_000], "app:1");
    let remote = Reference::parse(&format!("{host}/ns/app:1")).unwrap();
    let cancel = CancellationToken::new();
    let pushed = transfer::push(
        &store,
        "app:1",
        &remote,
        &PushOptions {
            registry: id.clone(),
            ..Default::default()
        },
        TaskCtx::new(&NoProgress, &cancel),
    )
    .await
    .unwrap();
    assert_eq!(pushed.digest.to_string(), image.manifest_digest);

    let dst = tempfile::tempdir().unwrap();
    let dst_store = Store::open(dst.path()).unwrap();
    let pulled = transfer::pull(
        &dst_store,
        &remote,
        &PullOptions {
            registry: id,
            ..Default::default()
        },
        TaskCtx::new(&NoProgress, &cancel),
    )
    .await
    .unwrap();
    assert_eq!(pulled.digest.to_string(), image.manifest_digest);

    let requests = registry.token_requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.grant, GrantKind::RefreshToken, "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_cached_per_scope_and_renewed_when_they_expire() {
    let registry = Registry::builder(Auth::Token {
        users: vec![User::new("ann", "pw-ann")],
    })
    .token_ttl(Duration::from_secs(2))
    .start()
    .unwrap();
    let host = registry.host();
    let src = tempfile::tempdir().unwrap();
    let (store, image) = seed(src.path(), &[5_000, 6_000, 7_000, 8_000], "app:1");
    let remote = Reference::parse(&format!("{host}/ns/app:1")).unwrap();
    let cancel = CancellationToken::new();
    let creds = options(Credentials::basic("ann", "pw-ann"));
    let push_opts = PushOptions {
        registry: creds.clone(),
        ..Default::default()
    };
    transfer::push(
        &store,
        "app:1",
        &remote,
        &push_opts,
        TaskCtx::new(&NoProgress, &cancel),
    )
    .await
    .unwrap();
    // Five blobs, a dozen requests, one scope: one token.
    assert_eq!(
        registry.tokens_issued(),
        1,
        "{:?}",
        registry.token_requests()
    );

    // One session outliving its token: the next request gets a new one.
    let client = Client::connect(&host, &creds).await.unwrap();
    client.list_tags("ns/app").await.unwrap();
    let before = registry.tokens_issued();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let tags = client.list_tags("ns/app").await.unwrap();
    assert_eq!(tags, vec!["1".to_string()]);
    assert_eq!(registry.tokens_issued(), before + 1);
    let _ = image;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_without_push_is_denied_with_the_scope_named() {
    let registry = Registry::start(Auth::Token {
        users: vec![User::pull_only("bob", "pw-bob")],
    })
    .unwrap();
    let src = tempfile::tempdir().unwrap();
    let (store, _) = seed(src.path(), &[1_000], "app:1");
    let remote = Reference::parse(&format!("{}/ns/app:1", registry.host())).unwrap();
    let err = transfer::push(
        &store,
        "app:1",
        &remote,
        &PushOptions {
            registry: options(Credentials::basic("bob", "pw-bob")),
            ..Default::default()
        },
        TaskCtx::new(&NoProgress, &CancellationToken::new()),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RegistryError::Denied { .. }), "{err}");
    assert!(
        err.to_string().contains("denied access to push to ns/app"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_walks_every_state_and_cancel_leaves_no_image() {
    let registry = Registry::start(Auth::None).unwrap();
    let src = tempfile::tempdir().unwrap();
    let (store, image) = seed(src.path(), &[3 << 20, 4 << 20, 5 << 20], "app:1");
    let remote = Reference::parse(&format!("{}/ns/app:1", registry.host())).unwrap();
    let never = CancellationToken::new();
    transfer::push(
        &store,
        "app:1",
        &remote,
        &PushOptions::default(),
        TaskCtx::new(&NoProgress, &never),
    )
    .await
    .unwrap();

    // Cancelled as soon as a blob starts moving: an error, no image, no temporary files left.
    let dst = tempfile::tempdir().unwrap();
    let dst_store = Store::open(dst.path()).unwrap();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let cancel_on_bytes = move |u: Unit| {
        if u.state == UnitState::Transferring {
            trigger.cancel();
        }
    };
    let err = transfer::pull(
        &dst_store,
        &remote,
        &PullOptions::default(),
        TaskCtx::new(&cancel_on_bytes, &cancel),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RegistryError::Cancelled), "{err}");
    assert!(dst_store.resolve(&remote.to_string()).is_err());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let leftovers: Vec<_> = std::fs::read_dir(dst.path().join("tmp"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("blob-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary blobs left: {leftovers:?}");

    // Uncancelled: every layer goes waiting → transferring → verifying → done.
    let seen = Mutex::new(Vec::new());
    let record = |u: Unit| seen.lock().unwrap().push(u);
    let pulled = transfer::pull(
        &dst_store,
        &remote,
        &PullOptions::default(),
        TaskCtx::new(&record, &never),
    )
    .await
    .unwrap();
    assert_eq!(pulled.digest.to_string(), image.manifest_digest);
    let seen = seen.into_inner().unwrap();
    for layer in &image.layers {
        let states: Vec<UnitState> = seen
            .iter()
            .filter(|u| u.id == layer.digest)
            .map(|u| u.state)
            .fold(Vec::new(), |mut v, s| {
                if v.last() != Some(&s) {
                    v.push(s);
                }
                v
            });
        let fresh = [
            UnitState::Waiting,
            UnitState::Transferring,
            UnitState::Verifying,
            UnitState::Done,
        ];
        // A layer committed before the cancel took effect is skipped the second time.
        assert!(
            states == fresh || states == [UnitState::Skipped],
            "{}: {states:?}",
            layer.digest
        );
        let last = seen.iter().rfind(|u| u.id == layer.digest).unwrap();
        assert_eq!(last.done, layer.size());
    }
}

/// A push uploads each layer as soon as it is compressed, while the next is: the first
/// layer is on its way before the last one's compression ends, and the result still counts
/// every layer as uploaded, with its bytes.
#[tokio::test(flavor = "multi_thread")]
async fn a_push_uploads_a_compressed_layer_while_the_next_is_compressed() {
    use strata_core::task::UnitKind;

    let registry = Registry::start(Auth::None).unwrap();
    let src = tempfile::tempdir().unwrap();
    let (store, image) = seed(src.path(), &[4 << 20, 4 << 20, 4 << 20], "app:1");
    let remote = Reference::parse(&format!("{}/ns/slow:1", registry.host())).unwrap();
    let seen = Mutex::new(Vec::new());
    let record = |u: Unit| seen.lock().unwrap().push(u);
    let never = CancellationToken::new();
    let options = slow_zstd();
    let pushed = transfer::push(
        &store,
        "app:1",
        &remote,
        &options,
        TaskCtx::new(&record, &never),
    )
    .await
    .unwrap();
    let seen = seen.into_inner().unwrap();

    let last_layer = &image.layers.last().unwrap().digest;
    let last_compressed = seen
        .iter()
        .rposition(|u| {
            u.kind == UnitKind::Compress && &u.id == last_layer && u.state == UnitState::Done
        })
        .expect("the last layer's compression ends");
    let first_upload = seen
        .iter()
        .position(|u| u.kind == UnitKind::Layer && u.state == UnitState::Transferring)
        .expect("a layer is uploaded");
    assert!(
        first_upload < last_compressed,
        "the first upload started at event {first_upload}, after the last compression ended at {last_compressed}"
    );
    // Three layers and the config went up, with every byte counted once.
    assert_eq!(pushed.uploaded, 4, "{pushed:?}");
    assert_eq!((pushed.skipped, pushed.mounted), (0, 0), "{pushed:?}");
    let layer_units: Vec<&Unit> = seen
        .iter()
        .filter(|u| u.kind == UnitKind::Layer && u.state == UnitState::Done)
        .collect();
    let sizes: u64 = {
        let mut by_id = std::collections::BTreeMap::new();
        for u in &layer_units {
            by_id.insert(u.id.clone(), u.done);
        }
        by_id.values().sum()
    };
    let config = seen
        .iter()
        .rfind(|u| u.kind == UnitKind::Config && u.state == UnitState::Done)
        .map_or(0, |u| u.done);
    assert_eq!(pushed.bytes_uploaded, sizes + config, "{pushed:?}");
    // Each compressed layer ends Done, never "already there".
    assert!(
        !seen
            .iter()
            .any(|u| u.kind == UnitKind::Layer && u.state == UnitState::Skipped),
        "a layer this push uploaded was reported as already there"
    );
    // What the registry has is what was pushed: skopeo-free check with our own pull.
    let dst = tempfile::tempdir().unwrap();
    let pulled = transfer::pull(
        &Store::open(dst.path()).unwrap(),
        &remote,
        &PullOptions::default(),
        TaskCtx::new(&NoProgress, &never),
    )
    .await
    .unwrap();
    assert_eq!(pulled.digest, pushed.digest);
}

/// An upload the registry refuses fails the push at once and stops the compression of the
/// layers after it: no compressed variant of them is left in the store.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_upload_stops_the_compression_of_the_layers_after_it() {
    use strata_core::digest::Digest;
    use strata_core::layer::Compression;
    use strata_core::store::variants::Variants;
    use strata_testkit::proxy::{Proxy, Rule, UPLOAD_PATH};

    let registry = Registry::start(Auth::None).unwrap();
    let proxy = Proxy::start(
        &registry,
        vec![Rule::status(403).path_regex(UPLOAD_PATH).times(100)],
    )
    .unwrap();
    let src = tempfile::tempdir().unwrap();
    let (store, image) = seed(src.path(), &[4 << 20, 4 << 20, 4 << 20], "app:1");
    let remote = Reference::parse(&format!("{}/ns/refused:1", proxy.host())).unwrap();
    let never = CancellationToken::new();
    let options = slow_zstd();
    let err = transfer::push(
        &store,
        "app:1",
        &remote,
        &options,
        TaskCtx::new(&NoProgress, &never),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Denied { .. } | RegistryError::Status { .. }
        ),
        "{err}"
    );
    // Longer than compressing the other two layers takes (about 0.7 s each here).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let variants = Variants::load(src.path());
    let last: Digest = image.layers[2].digest.parse().unwrap();
    assert!(
        variants.get(&last, Compression::Zstd, 3).is_none(),
        "the last layer was compressed after the push had failed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_pages_follow_the_registry_and_a_cursor_can_only_move_within_the_listing() {
    use strata_core::catalog::{remote, tags};
    use strata_testkit::proxy::{Proxy, Rule};
    let registry = Registry::start(Auth::None).unwrap();
    let host = registry.host();
    let src = tempfile::tempdir().unwrap();
    let (store, _) = seed(src.path(), &[3_000], "app:1");
    let first = Reference::parse(&format!("{host}/ns/app:t00")).unwrap();
    let push_opts = PushOptions::default();
    transfer::push(&store, "app:1", &first, &push_opts, TaskCtx::none())
        .await
        .unwrap();
    let direct = Client::connect(&host, &RegistryOptions::default())
        .await
        .unwrap();
    for i in 1..25 {
        let target = Reference::parse(&format!("{host}/ns/app:t{i:02}")).unwrap();
        remote::retag(&direct, &first, &target).await.unwrap();
    }
    // distribution 2.8 lists every tag at once: the proxy pages them as the spec says.
    let proxy = Proxy::start(&registry, vec![Rule::paginate_tags(10)]).unwrap();
    let client = Client::connect(&proxy.host(), &RegistryOptions::default())
        .await
        .unwrap();

    // Pages of ten: 10, 10, 5, each cursor naming the next page, the last none.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = tags::page(&client, "ns/app", 10, cursor.as_deref())
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.tags);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let all: Vec<String> = (0..25).map(|i| format!("t{i:02}")).collect();
    assert_eq!(seen, all);
    assert_eq!(pages, 3);

    // A cursor from the webview sets the query of this listing and nothing else: one that
    // looks like a path or another host still lists this repository's tags.
    let odd = tags::page(&client, "ns/app", 10, Some("n=5&last=t19/../../other#x"))
        .await
        .unwrap();
    assert!(odd.tags.iter().all(|t| all.contains(t)), "{:?}", odd.tags);
    let elsewhere = tags::page(&client, "ns/app", 10, Some("http://evil.example/v2/"))
        .await
        .unwrap();
    assert!(elsewhere.tags.iter().all(|t| all.contains(t)));
}
