//! The harness against the real `docker-registry`, in each auth mode, over real HTTP.

mod support;

use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use strata_testkit::fixtures::{digest_of, Entry, Image, Layer};
use strata_testkit::registry::{Auth, AuthMode, Registry};
use strata_testkit::token::GrantKind;
use strata_testkit::user::User;
use support::{challenge_params, get, head, param, post_form, request, upload_blob, Cred};

fn token_registry() -> Registry {
    Registry::start(Auth::Token {
        users: vec![
            User::new("alice", "alice-pw"),
            User::pull_only("reader", "reader-pw"),
        ],
    })
    .expect("token registry starts")
}

/// `GET realm?service=…&scope=…` with Basic auth, as `docker pull` does.
fn fetch_token(registry: &Registry, cred: &Cred, scope: &str) -> support::Answer {
    let realm = registry.token_realm().expect("token mode");
    let service = registry.token_service().expect("token mode");
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("service", service)
        .append_pair("scope", scope)
        .finish();
    get(&format!("{realm}?{query}"), cred)
}

fn bearer(answer: &support::Answer) -> Cred {
    assert_eq!(
        answer.status,
        200,
        "token request failed: {}",
        String::from_utf8_lossy(&answer.body)
    );
    let json = answer.json();
    let token = json["token"].as_str().expect("token field");
    assert_eq!(
        json["access_token"], token,
        "both token fields carry the token"
    );
    assert!(json["expires_in"].as_u64().is_some_and(|s| s >= 60));
    assert!(json["issued_at"].as_str().is_some());
    Cred::Bearer(token.to_string())
}

#[test]
fn no_auth_answers_v2_and_stores_a_blob_and_a_manifest() {
    let registry = Registry::start(Auth::None).expect("registry starts");
    assert_eq!(registry.auth_mode(), AuthMode::None);
    assert_eq!(
        registry.host(),
        format!("127.0.0.1:{}", registry.addr.port())
    );
    let base = registry.url();
    assert_eq!(get(&format!("{base}/v2/"), &Cred::None).status, 200);

    let layer = Layer::build(&[Entry::file("hello.txt", "hello\n")]).expect("layer");
    let image = Image::builder().layer(layer.clone()).build();
    for (_, bytes) in image.blobs() {
        assert_eq!(upload_blob(&base, "demo/app", bytes, &Cred::None), 201);
    }
    let blob = head(
        &format!("{base}/v2/demo/app/blobs/{}", layer.digest),
        &Cred::None,
    );
    assert_eq!(blob.status, 200);
    assert_eq!(
        blob.header("Content-Length"),
        Some(layer.size().to_string().as_str())
    );

    let manifest_url = format!("{base}/v2/demo/app/manifests/v1");
    let put = request(
        "PUT",
        &manifest_url,
        &Cred::None,
        &[("Content-Type", image.manifest_media_type)],
        Some(&image.manifest),
    );
    assert_eq!(put.status, 201, "{}", String::from_utf8_lossy(&put.body));
    assert_eq!(
        put.header("Docker-Content-Digest"),
        Some(image.manifest_digest.as_str())
    );
    let got = request(
        "GET",
        &manifest_url,
        &Cred::None,
        &[("Accept", image.manifest_media_type)],
        None,
    );
    assert_eq!(got.status, 200);
    assert_eq!(digest_of(&got.body), image.manifest_digest);

    // storage.delete.enabled is on: a manifest can be deleted by digest.
    let by_digest = format!("{base}/v2/demo/app/manifests/{}", image.manifest_digest);
    assert_eq!(
        request("DELETE", &by_digest, &Cred::None, &[], None).status,
        202
    );
    assert_eq!(head(&manifest_url, &Cred::None).status, 404);
    assert!(registry
        .storage_dir()
        .join("docker/registry/v2/blobs")
        .is_dir());
}

#[test]
fn htpasswd_wants_basic_and_refuses_a_wrong_password() {
    let registry = Registry::start(Auth::Htpasswd {
        users: vec![User::new("alice", "alice-pw")],
    })
    .expect("registry starts");
    let v2 = format!("{}/v2/", registry.url());

    let anonymous = get(&v2, &Cred::None);
    assert_eq!(anonymous.status, 401);
    let challenge = anonymous.header("WWW-Authenticate").expect("a challenge");
    assert!(challenge.starts_with("Basic realm="), "{challenge}");

    assert_eq!(get(&v2, &Cred::basic("alice", "alice-pw")).status, 200);
    assert_eq!(get(&v2, &Cred::basic("alice", "wrong")).status, 401);
    assert_eq!(get(&v2, &Cred::basic("mallory", "alice-pw")).status, 401);

    let blob = b"htpasswd blob";
    let alice = Cred::basic("alice", "alice-pw");
    assert_eq!(upload_blob(&registry.url(), "team/app", blob, &alice), 201);
    let url = format!("{}/v2/team/app/blobs/{}", registry.url(), digest_of(blob));
    assert_eq!(head(&url, &alice).status, 200);
    assert_eq!(head(&url, &Cred::None).status, 401);
}

#[test]
fn token_mode_challenges_with_bearer_and_accepts_issued_tokens() {
    let registry = token_registry();
    let base = registry.url();

    let anonymous = get(&format!("{base}/v2/"), &Cred::None);
    assert_eq!(anonymous.status, 401);
    let challenge = anonymous.header("WWW-Authenticate").expect("a challenge");
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    let params = challenge_params(challenge);
    assert_eq!(param(&params, "realm"), registry.token_realm().as_deref());
    assert_eq!(param(&params, "service"), registry.token_service());

    // A token for /v2/ itself needs no scope.
    let token = bearer(&fetch_token(
        &registry,
        &Cred::basic("alice", "alice-pw"),
        "",
    ));
    assert_eq!(get(&format!("{base}/v2/"), &token).status, 200);

    // The push challenge names the scope; a token with it pushes.
    let start = request(
        "POST",
        &format!("{base}/v2/team/app/blobs/uploads/"),
        &Cred::None,
        &[],
        None,
    );
    assert_eq!(start.status, 401);
    let params = challenge_params(start.header("WWW-Authenticate").expect("challenge"));
    // distribution 2.8 lists the actions in random order (a Go map): compare as a set.
    let scope = param(&params, "scope").expect("scope");
    assert!(
        scope == "repository:team/app:pull,push" || scope == "repository:team/app:push,pull",
        "{scope}"
    );
    let push = bearer(&fetch_token(
        &registry,
        &Cred::basic("alice", "alice-pw"),
        "repository:team/app:pull,push",
    ));
    let blob = b"token blob";
    assert_eq!(upload_blob(&base, "team/app", blob, &push), 201);
    let blob_url = format!("{base}/v2/team/app/blobs/{}", digest_of(blob));
    assert_eq!(head(&blob_url, &push).status, 200);
    // A token for another repository does not open this one.
    let other = bearer(&fetch_token(
        &registry,
        &Cred::basic("alice", "alice-pw"),
        "repository:other/app:pull",
    ));
    assert_eq!(head(&blob_url, &other).status, 401);

    // Catalog needs registry:catalog:*.
    let catalog = bearer(&fetch_token(
        &registry,
        &Cred::basic("alice", "alice-pw"),
        "registry:catalog:*",
    ));
    let listed = get(&format!("{base}/v2/_catalog"), &catalog);
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.json()["repositories"],
        serde_json::json!(["team/app"])
    );
    assert_eq!(get(&format!("{base}/v2/_catalog"), &push).status, 401);

    assert_eq!(registry.tokens_issued(), 4);
    let log = registry.token_requests();
    assert_eq!(log.len(), 4);
    assert!(log
        .iter()
        .all(|r| r.grant == GrantKind::Basic && r.status == 200));
    assert_eq!(log[1].granted[0].actions, vec!["pull", "push"]);
}

#[test]
fn token_issuer_refuses_a_wrong_password_and_pull_only_users_cannot_push() {
    let registry = token_registry();
    let scope = "repository:team/app:pull,push";

    let refused = fetch_token(&registry, &Cred::basic("alice", "not-her-password"), scope);
    assert_eq!(refused.status, 401);
    assert_eq!(registry.tokens_issued(), 0);
    let log = registry.token_requests();
    assert_eq!(log[0].status, 401);
    assert_eq!(log[0].account.as_deref(), Some("alice"));

    // Seed a blob as alice, then check what the reader may do with it.
    let alice = bearer(&fetch_token(
        &registry,
        &Cred::basic("alice", "alice-pw"),
        scope,
    ));
    let blob = b"seeded by alice";
    assert_eq!(upload_blob(&registry.url(), "team/app", blob, &alice), 201);

    let reader = bearer(&fetch_token(
        &registry,
        &Cred::basic("reader", "reader-pw"),
        scope,
    ));
    let granted = &registry.token_requests()[2].granted;
    assert_eq!(granted[0].actions, vec!["pull"], "only pull is granted");
    let blob_url = format!("{}/v2/team/app/blobs/{}", registry.url(), digest_of(blob));
    assert_eq!(head(&blob_url, &reader).status, 200, "reader can pull");
    let status = upload_blob(&registry.url(), "team/app", b"reader's blob", &reader);
    assert!(
        status == 401 || status == 403,
        "a pull-only token must not push, got {status}"
    );

    // Anonymous token requests get a token that opens nothing.
    let anonymous = bearer(&fetch_token(&registry, &Cred::None, scope));
    assert_eq!(head(&blob_url, &anonymous).status, 401);
    assert_eq!(registry.token_requests()[3].grant, GrantKind::Anonymous);
}

#[test]
fn refresh_token_flow_gives_new_access_tokens() {
    let registry = token_registry();
    let realm = registry.token_realm().expect("token mode");
    let service = registry.token_service().expect("token mode");

    // `docker login` against a token registry: password grant with offline access.
    let login = post_form(
        &realm,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "alice-pw"),
            ("service", service),
            ("client_id", "strata-test"),
            ("access_type", "offline"),
            ("scope", ""),
        ],
    );
    assert_eq!(
        login.status,
        200,
        "{}",
        String::from_utf8_lossy(&login.body)
    );
    let refresh = login.json()["refresh_token"]
        .as_str()
        .expect("offline access returns a refresh token")
        .to_string();

    // Later, with only the identity token: refresh grant for a push scope.
    let renewed = post_form(
        &realm,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("service", service),
            ("client_id", "strata-test"),
            ("scope", "repository:team/app:pull,push"),
        ],
    );
    assert_eq!(
        renewed.status,
        200,
        "{}",
        String::from_utf8_lossy(&renewed.body)
    );
    let access = renewed.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    assert_eq!(
        upload_blob(
            &registry.url(),
            "team/app",
            b"pushed with a refreshed token",
            &Cred::Bearer(access)
        ),
        201
    );

    let wrong_password = post_form(
        &realm,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "nope"),
            ("service", service),
            ("client_id", "strata-test"),
        ],
    );
    assert_eq!(wrong_password.status, 401);

    registry
        .token_issuer()
        .expect("token mode")
        .revoke_refresh_tokens();
    let revoked = post_form(
        &realm,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("service", service),
            ("client_id", "strata-test"),
        ],
    );
    assert_eq!(revoked.status, 401);

    let grants: Vec<GrantKind> = registry
        .token_requests()
        .into_iter()
        .map(|r| r.grant)
        .collect();
    assert_eq!(
        grants,
        vec![
            GrantKind::Password,
            GrantKind::RefreshToken,
            GrantKind::Password,
            GrantKind::RefreshToken
        ]
    );
    assert_eq!(registry.tokens_issued(), 2);
}

#[test]
fn dropping_the_registry_stops_its_process_and_closes_its_port() {
    for auth in [
        Auth::None,
        Auth::Token {
            users: vec![User::new("a", "b")],
        },
    ] {
        let registry = Registry::start(auth).expect("registry starts");
        let pid = registry.pid();
        let addr = registry.addr;
        let issuer_addr = registry.token_issuer().map(|i| i.addr());
        let proc_dir = format!("/proc/{pid}");
        assert!(Path::new(&proc_dir).exists());
        drop(registry);
        assert!(
            !Path::new(&proc_dir).exists(),
            "registry process {pid} still exists"
        );
        assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_err());
        if let Some(issuer) = issuer_addr {
            assert!(TcpStream::connect_timeout(&issuer, Duration::from_millis(300)).is_err());
        }
    }
}
