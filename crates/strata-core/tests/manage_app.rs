//! What the app's Registries screen asks of `catalog::manage`, against the testkit's ACR
//! Personal API server (every request's ACS3 signature checked) and a real docker-registry
//! that accepts the server's temporary login: a registry saved with its AccessKey in one
//! checked step, the tree from the API, the repository a push needs created first, a
//! login without a password, and a repository without pushes that has no tags.
//!
//! The AccessKey secret goes to the OS keychain: run inside the keychain runner,
//! `tests/keychain/with-keychain.sh cargo test -p strata-core --test manage_app`.

// The test reads its own temporary folder to look for the secret.
#![allow(clippy::disallowed_methods)]

use strata_core::catalog::acs3::AccessKey;
use strata_core::catalog::browse::{CatalogState, Source};
use strata_core::catalog::manage::{self, ApiSettings, NewRepository};
use strata_core::catalog::{self, CatalogError, NewRegistry, Provider, RegistriesFile};
use strata_core::home::{Home, HomeSource};
use strata_core::reference::Reference;
use strata_core::registry::RegistryError;
use strata_testkit::acr::{AcrConfig, AcrServer};
use strata_testkit::registry::{Auth, Registry};

const KEY_ID: &str = "LTAI5tCoreAppKey";
const SECRET: &str = "core-app-secret-51d2c0";

fn require_keychain() {
    assert!(
        std::env::var_os("WITH_KEYCHAIN_DIR").is_some(),
        "run inside the keychain runner: tests/keychain/with-keychain.sh cargo test -p \
         strata-core --test manage_app"
    );
}

fn home(dir: &tempfile::TempDir) -> Home {
    Home {
        path: dir.path().to_path_buf(),
        source: HomeSource::Flag,
    }
}

fn acr_registry(endpoint: &str) -> NewRegistry {
    NewRegistry {
        endpoint: endpoint.to_string(),
        provider: Some(Provider::AcrPersonal),
        ..Default::default()
    }
}

fn api(acr: &AcrServer) -> ApiSettings {
    ApiSettings {
        region: Some("cn-hangzhou".into()),
        endpoint: Some(acr.url()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_registries_screen_through_the_management_api() {
    require_keychain();
    let acr = AcrServer::start(AcrConfig::new(KEY_ID, SECRET)).unwrap();
    let registry = Registry::start(Auth::Htpasswd {
        users: vec![acr.temporary_login()],
    })
    .unwrap();
    let host = registry.host();
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);

    // A wrong secret: refused by the API, and the registry is not left saved.
    let wrong = manage::add_with_key(
        &home,
        acr_registry(&host),
        api(&acr),
        manage::KeySource::Key(AccessKey::new(KEY_ID, "not-the-secret")),
        None,
    )
    .await;
    assert!(wrong.is_err());
    assert!(RegistriesFile::for_home(&home)
        .unwrap()
        .load()
        .unwrap()
        .is_empty());
    assert!(manage::cloud_accounts(&home).unwrap().is_empty());
    let saved = manage::add_with_key(
        &home,
        acr_registry(&host),
        api(&acr),
        manage::KeySource::Key(AccessKey::new(KEY_ID, SECRET)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(saved.api.unwrap().access_key_id.as_deref(), Some(KEY_ID));
    assert!(catalog::view(&home, &host).unwrap().api_login);

    // The tree comes from the API: namespaces, repositories with summary and visibility.
    manage::create_namespace(&home, &host, "team", false)
        .await
        .unwrap();
    manage::create_namespace(&home, &host, "empty", false)
        .await
        .unwrap();
    let new = NewRepository {
        namespace: "team".into(),
        name: "app".into(),
        summary: "the web app".into(),
        detail: String::new(),
        public: true,
    };
    manage::create_repository(&home, &host, &new).await.unwrap();
    let tree = manage::tree(&home, &host)
        .await
        .unwrap()
        .expect("an API tree");
    assert_eq!(tree.catalog, CatalogState::Api);
    assert!(tree.api.unwrap().create_repository);
    let names: Vec<&str> = tree.namespaces.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["empty", "team"]);
    let app = &tree.namespaces[1].repositories[0];
    assert_eq!(app.name, "team/app");
    assert_eq!(app.source, Source::Api);
    assert_eq!(app.summary.as_deref(), Some("the web app"));
    assert_eq!(app.public, Some(true));

    // A push to a repository the API does not have needs it created first.
    let to = |r: &str| Reference::parse(&format!("{host}/{r}:1")).unwrap();
    assert_eq!(
        manage::missing_repository(&home, &to("team/tool"))
            .await
            .unwrap(),
        Some(("team".to_string(), "tool".to_string()))
    );
    assert_eq!(
        manage::missing_repository(&home, &to("team/app"))
            .await
            .unwrap(),
        None
    );

    // No password: a temporary one from the API, which the registry accepts.
    let transport = catalog::transport_options(&home, &host, false).unwrap();
    let account = manage::log_in_with_api(&home, &host, None, &transport)
        .await
        .unwrap();
    assert_eq!(account.username, "cr_temp_user");

    // Nothing was pushed to team/app: the registry does not know it, which is "no tags".
    let not_found = || {
        CatalogError::Registry(RegistryError::NotFound {
            registry: host.clone(),
            what: "repository team/app".into(),
            detail: "NAME_UNKNOWN".into(),
        })
    };
    assert_eq!(
        manage::no_tags_yet(&home, &host, not_found()).unwrap(),
        Vec::<String>::new()
    );

    // The secret is in no file under the home.
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "{}",
            entry.display()
        );
    }
    manage::delete_repository(&home, &host, "team", "app")
        .await
        .unwrap();
    let tree = manage::tree(&home, &host).await.unwrap().unwrap();
    assert!(tree.namespaces[1].repositories.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registry_without_an_api_keeps_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    RegistriesFile::for_home(&home)
        .unwrap()
        .add(NewRegistry {
            endpoint: "127.0.0.1:5999".into(),
            provider: Some(Provider::Generic),
            ..Default::default()
        })
        .unwrap();
    assert!(manage::tree(&home, "127.0.0.1:5999")
        .await
        .unwrap()
        .is_none());
    let target = Reference::parse("127.0.0.1:5999/team/app:1").unwrap();
    assert_eq!(
        manage::missing_repository(&home, &target).await.unwrap(),
        None
    );
    let failure = CatalogError::Registry(RegistryError::NotFound {
        registry: "127.0.0.1:5999".into(),
        what: "repository team/app".into(),
        detail: "NAME_UNKNOWN".into(),
    });
    assert!(manage::no_tags_yet(&home, "127.0.0.1:5999", failure).is_err());
    // An ACR registry saved before any AccessKey: the catalog and hand-added repositories.
    RegistriesFile::for_home(&home)
        .unwrap()
        .add(acr_registry("registry.cn-hangzhou.aliyuncs.com"))
        .unwrap();
    assert!(manage::tree(&home, "registry.cn-hangzhou.aliyuncs.com")
        .await
        .unwrap()
        .is_none());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
