//! `strata mirrors` and `strata proxy`: pulls through a mirror (a second real registry),
//! past mirrors that fail, pushes that never reach a mirror, and registry traffic through
//! a forward proxy set in the settings or the environment. Network only to 127.0.0.1.
//! `a_login_to_the_mirror_itself_is_used_for_the_mirror` needs the keychain runner
//! (`tests/keychain/with-keychain.sh cargo test -p strata-cli --test mirrors`).

mod support;

use std::net::TcpListener;

use strata_testkit::forward::ForwardProxy;
use strata_testkit::proxy::{Proxy, Rule, MANIFEST_PATH};
use strata_testkit::socks::SocksProxy;
use support::*;

/// A registry holding `image` as `team/app:1`, pushed there by strata.
fn registry_with(image: &strata_testkit::fixtures::Image) -> strata_testkit::registry::Registry {
    let registry = start_registry("none");
    let (_dir, home) = scratch();
    put_image(&home, image, "app:1");
    ok(
        &home,
        &["push", "app:1", &format!("{}/team/app:1", registry.host())],
    );
    registry
}

/// A loopback port nothing listens on.
fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr.to_string()
}

#[test]
fn a_pull_through_a_mirror_never_fetches_a_blob_from_the_origin_and_keeps_the_origins_name() {
    let img = random_image(71, &[200_000, 3_000]);
    let mirror = registry_with(&img);
    // The origin does not have the image; a proxy in front of it counts what reaches it.
    let origin_registry = start_registry("none");
    let origin = Proxy::start(&origin_registry, vec![]).unwrap();
    let (_dir, home) = scratch();
    let mirror_url = format!("http://{}", mirror.host());
    let listed = json(
        &home,
        &["mirrors", "add", &origin.host(), &mirror_url, "--json"],
    );
    assert_eq!(listed[origin.host()][0], mirror_url.as_str());

    let remote = format!("{}/team/app:1", origin.host());
    let got = json(&home, &["pull", &remote, "--json"]);
    assert_eq!(got["digest"], img.manifest_digest);
    assert_eq!(got["mirror"], mirror.host().as_str());
    assert_eq!(got["name"], remote.as_str());
    assert!(
        inspect(&home, &remote)
            .to_string()
            .contains(&img.manifest_digest),
        "the image is named as the origin names it"
    );
    assert_eq!(origin.count("GET", "/v2/team/app/blobs/"), 0);
    assert!(origin.requests().is_empty(), "{:?}", origin.methods());
}

#[test]
fn mirrors_that_are_down_fail_or_lack_the_image_fall_back_to_the_origin() {
    let img = random_image(72, &[150_000]);
    let origin = registry_with(&img);
    let failing_registry = registry_with(&img);
    // Every manifest a 500, for as long as the test runs.
    let failing = Proxy::start(
        &failing_registry,
        vec![Rule::status(500).path_regex(MANIFEST_PATH).always()],
    )
    .unwrap();
    let empty = start_registry("none");
    let (_dir, home) = scratch();
    for mirror in [closed_port(), failing.host(), empty.host()] {
        ok(
            &home,
            &[
                "mirrors",
                "add",
                &origin.host(),
                &format!("http://{mirror}"),
            ],
        );
    }
    let remote = format!("{}/team/app:1", origin.host());
    let got = json(&home, &["pull", &remote, "--json"]);
    assert_eq!(got["digest"], img.manifest_digest);
    assert!(got.get("mirror").is_none(), "{got}");
    assert!(
        !failing.requests().is_empty(),
        "the failing mirror was tried"
    );
}

#[test]
fn a_mirror_missing_a_layer_is_passed_over() {
    let img = random_image(73, &[120_000]);
    let origin = registry_with(&img);
    let mirror_registry = registry_with(&img);
    // The mirror has the manifest and the config, but answers 404 for the layer.
    let layer = &img.layers[0].digest;
    let mirror = Proxy::start(
        &mirror_registry,
        vec![Rule::status(404)
            .method("GET")
            .path_prefix(&format!("/v2/team/app/blobs/{layer}"))
            .always()],
    )
    .unwrap();
    let (_dir, home) = scratch();
    ok(&home, &["mirrors", "add", &origin.host(), &mirror.url()]);
    let remote = format!("{}/team/app:1", origin.host());
    let got = json(&home, &["pull", &remote, "--json"]);
    assert_eq!(got["digest"], img.manifest_digest);
    assert!(got.get("mirror").is_none(), "{got}");
    assert!(mirror.count("GET", "/v2/team/app/blobs/") > 0);
}

#[test]
fn a_push_goes_to_the_origin_only_even_with_a_mirror_configured() {
    let img = random_image(74, &[50_000]);
    let origin = start_registry("none");
    let mirror_registry = start_registry("none");
    let mirror = Proxy::start(&mirror_registry, vec![]).unwrap();
    let (_dir, home) = scratch();
    ok(&home, &["mirrors", "add", &origin.host(), &mirror.url()]);
    put_image(&home, &img, "app:1");
    let remote = format!("{}/team/app:1", origin.host());
    ok(&home, &["push", "app:1", &remote]);
    assert!(mirror.requests().is_empty(), "{:?}", mirror.methods());

    let (_dir2, other) = scratch();
    let got = json(&other, &["pull", &remote, "--json"]);
    assert_eq!(got["digest"], img.manifest_digest);
}

#[test]
fn registry_traffic_goes_through_the_settings_proxy_except_for_no_proxy_hosts() {
    let img = random_image(75, &[80_000]);
    let registry = registry_with(&img);
    let proxy = ForwardProxy::start().unwrap();
    let remote = format!("{}/team/app:1", registry.host());

    let (_dir, home) = scratch();
    let shown = json(&home, &["proxy", "set", &proxy.url(), "--json"]);
    assert_eq!(shown["source"], "settings");
    assert_eq!(shown["settings"]["url"], proxy.url().as_str());
    let got = json(&home, &["pull", &remote, "--json"]);
    assert_eq!(got["digest"], img.manifest_digest);
    // Plain-http registries are asked in absolute form, not through CONNECT.
    let blob_gets = format!("GET http://{}/v2/team/app/blobs/", registry.host());
    assert!(proxy.count(&blob_gets) >= 2, "{:?}", proxy.log());

    // A host on the no-proxy list is reached directly.
    let (_dir2, direct) = scratch();
    ok(
        &direct,
        &[
            "proxy",
            "set",
            &proxy.url(),
            "--no-proxy",
            "example.com, 127.0.0.1",
        ],
    );
    let before = proxy.log().len();
    let got = json(&direct, &["pull", &remote, "--json"]);
    assert_eq!(got["digest"], img.manifest_digest);
    assert_eq!(proxy.log().len(), before, "{:?}", proxy.log());

    // Unset: the environment's proxy (none here) applies again.
    let shown = json(&direct, &["proxy", "unset", "--json"]);
    assert!(shown.get("settings").is_none(), "{shown}");
}

#[test]
fn an_https_registry_is_reached_through_a_connect_tunnel() {
    let registry = start_tls_registry("none");
    let proxy = ForwardProxy::start().unwrap();
    let (dir, home) = scratch();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, registry.ca_pem().unwrap()).unwrap();
    ok(
        &home,
        &["registries", "add", &registry.host(), "--ca-file", p(&ca)],
    );
    ok(&home, &["proxy", "set", &proxy.url()]);
    let img = random_image(76, &[40_000]);
    put_image(&home, &img, "app:1");
    let remote = format!("{}/team/app:1", registry.host());
    ok(&home, &["push", "app:1", &remote]);
    assert!(
        proxy.count(&format!("CONNECT {}", registry.host())) > 0,
        "{:?}",
        proxy.log()
    );
    assert!(
        proxy.log().iter().all(|l| l.starts_with("CONNECT")),
        "{:?}",
        proxy.log()
    );
}

#[test]
fn proxies_the_settings_cannot_keep_are_refused() {
    let (_dir, home) = scratch();
    let socks = fails(&home, &["proxy", "set", "socks4://127.0.0.1:1080"]);
    assert!(
        socks.contains("SOCKS4") && socks.contains("socks5://"),
        "{socks}"
    );
    let secret = fails(&home, &["proxy", "set", "socks5://ann:pw@127.0.0.1:1080"]);
    assert!(!secret.contains("pw@"), "{secret}");
    let secret = fails(&home, &["proxy", "set", "http://ann:pw@127.0.0.1:3128"]);
    assert!(!secret.contains("pw@"), "{secret}");
    let shown = json(&home, &["proxy", "show", "--json"]);
    assert!(shown.get("settings").is_none(), "{shown}");
}

#[test]
fn mirrors_are_listed_added_once_and_removed() {
    let (_dir, home) = scratch();
    let acr = "https://abcd1234.mirror.aliyuncs.com";
    ok(&home, &["mirrors", "add", "docker.io", acr]);
    ok(
        &home,
        &["mirrors", "add", "index.docker.io", &format!("{acr}/")],
    );
    ok(
        &home,
        &["mirrors", "add", "docker.io", "docker.m.daocloud.io"],
    );
    let listed = json(&home, &["mirrors", "ls", "--json"]);
    assert_eq!(
        listed,
        serde_json::json!({"docker.io": [acr, "https://docker.m.daocloud.io"]})
    );
    let text = ok(&home, &["mirrors"]);
    assert!(text.contains(acr), "{text}");
    let refused = fails(
        &home,
        &[
            "mirrors",
            "add",
            "docker.io",
            "https://m.example.com/library",
        ],
    );
    assert!(refused.contains("path"), "{refused}");
    ok(&home, &["mirrors", "rm", "docker.io", acr]);
    let listed = json(&home, &["mirrors", "ls", "--json"]);
    assert_eq!(
        listed,
        serde_json::json!({"docker.io": ["https://docker.m.daocloud.io"]})
    );
    ok(&home, &["mirrors", "rm", "docker.io"]);
    assert_eq!(
        json(&home, &["mirrors", "ls", "--json"]),
        serde_json::json!({})
    );
}

#[test]
fn mirrors_are_imported_from_daemon_json_and_registries_conf() {
    let (dir, home) = scratch();
    let daemon = dir.path().join("daemon.json");
    std::fs::write(
        &daemon,
        r#"{"registry-mirrors": ["https://abcd1234.mirror.aliyuncs.com"], "log-driver": "json-file"}"#,
    )
    .unwrap();
    let done = json(&home, &["mirrors", "import-docker", p(&daemon), "--json"]);
    assert_eq!(done["added"], 1);
    let conf = dir.path().join("registries.conf");
    std::fs::write(
        &conf,
        r#"
unqualified-search-registries = ["docker.io"]

[[registry]]
prefix = "docker.io"
location = "registry-1.docker.io"

[[registry.mirror]]
location = "abcd1234.mirror.aliyuncs.com"

[[registry.mirror]]
location = "docker.m.daocloud.io"

[[registry]]
location = "quay.io"

[[registry.mirror]]
location = "quay.m.daocloud.io"
"#,
    )
    .unwrap();
    let done = json(&home, &["mirrors", "import-containers", p(&conf), "--json"]);
    assert_eq!(done["added"], 2);
    assert_eq!(
        done["mirrors"],
        serde_json::json!({
            "docker.io": ["https://abcd1234.mirror.aliyuncs.com", "https://docker.m.daocloud.io"],
            "quay.io": ["https://quay.m.daocloud.io"],
        })
    );
    let missing = fails(
        &home,
        &["mirrors", "import-docker", p(&dir.path().join("nope.json"))],
    );
    assert!(missing.contains("nope.json"), "{missing}");
}

#[test]
fn tags_are_listed_from_a_mirror_and_from_the_origin_when_the_mirror_fails() {
    let img = random_image(77, &[10_000]);
    let mirror = registry_with(&img);
    let origin_registry = start_registry("none");
    let origin = Proxy::start(&origin_registry, vec![]).unwrap();
    let (_dir, home) = scratch();
    ok(
        &home,
        &[
            "mirrors",
            "add",
            &origin.host(),
            &format!("http://{}", mirror.host()),
        ],
    );
    let repo = format!("{}/team/app", origin.host());
    let listed = json(&home, &["tags", &repo, "--json"]);
    assert_eq!(listed["tags"], serde_json::json!(["1"]));
    assert!(origin.requests().is_empty(), "{:?}", origin.methods());

    // The mirror gone, the origin answers (it has no such repository).
    drop(mirror);
    let err = fails(&home, &["tags", &repo]);
    assert!(!origin.requests().is_empty(), "{err}");
}

#[test]
fn a_mirror_never_gets_the_origins_credentials() {
    let img = random_image(78, &[10_000]);
    // Both registries know the same user: were the origin's login sent to the mirror, the
    // mirror would serve the image.
    let (origin, mirror) = (start_registry("htpasswd"), start_registry("htpasswd"));
    let c = creds();
    for r in [&origin, &mirror] {
        let (_dir, src) = scratch();
        put_image(&src, &img, "app:1");
        let remote = format!("{}/team/app:1", r.host());
        ok(&src, &["push", "app:1", &remote, "--creds", &c]);
    }
    let (_dir, home) = scratch();
    ok(
        &home,
        &[
            "mirrors",
            "add",
            &origin.host(),
            &format!("http://{}", mirror.host()),
        ],
    );
    let remote = format!("{}/team/app:1", origin.host());
    let got = json(&home, &["pull", &remote, "--creds", &c, "--json"]);
    assert_eq!(got["digest"], img.manifest_digest);
    assert!(got.get("mirror").is_none(), "{got}");
}

#[test]
fn the_environments_proxy_applies_unless_no_proxy_names_the_host_and_the_settings_win() {
    let img = random_image(79, &[20_000]);
    let registry = registry_with(&img);
    let proxy = ForwardProxy::start().unwrap();
    let remote = format!("{}/team/app:1", registry.host());
    let pull = ["pull", remote.as_str(), "--json"];
    let blob_gets = format!("GET http://{}/v2/team/app/blobs/", registry.host());
    let url = proxy.url();

    let (_d1, env_only) = scratch();
    let got = json_with_env(&env_only, &pull, &[("HTTP_PROXY", &url)]);
    assert_eq!(got["digest"], img.manifest_digest);
    assert!(proxy.count(&blob_gets) >= 2, "{:?}", proxy.log());
    let shown = json_with_env(
        &env_only,
        &["proxy", "show", "--json"],
        &[("HTTPS_PROXY", "http://ann:secret@127.0.0.1:1")],
    );
    assert_eq!(shown["source"], "environment");
    assert!(!shown.to_string().contains("secret"), "{shown}");

    let (_d2, no_proxy) = scratch();
    let before = proxy.log().len();
    json_with_env(
        &no_proxy,
        &pull,
        &[("HTTP_PROXY", &url), ("NO_PROXY", "127.0.0.1")],
    );
    assert_eq!(proxy.log().len(), before, "{:?}", proxy.log());

    // The environment's proxy is a dead port: the settings' one is used instead.
    let (_d3, settings) = scratch();
    ok(&settings, &["proxy", "set", &url]);
    let dead = format!("http://{}", closed_port());
    let got = json_with_env(
        &settings,
        &pull,
        &[
            ("HTTP_PROXY", &dead),
            ("ALL_PROXY", &dead),
            ("NO_PROXY", "*"),
        ],
    );
    assert_eq!(got["digest"], img.manifest_digest);
    assert!(proxy.log().len() > before, "{:?}", proxy.log());
}

/// A dead proxy is what the error names and the hint sends the user to, from the settings
/// and from the environment (without the password the variable holds); a registry the
/// no-proxy list exempts fails as the registry's own problem.
#[test]
fn a_dead_proxy_is_named_as_the_cause_not_the_registry() {
    let registry = start_registry("none");
    let remote = format!("{}/team/app:1", registry.host());
    let dead = closed_port();
    let pull = ["pull", remote.as_str()];
    let run = |home: &std::path::Path, env: &[(&str, &str)]| {
        let mut cmd = strata_cmd(home, &pull);
        for k in PROXY_VARS {
            cmd.env_remove(k);
        }
        cmd.envs(env.iter().copied());
        let out = cmd.stdin(std::process::Stdio::null()).output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    let (_d1, settings) = scratch();
    ok(&settings, &["proxy", "set", &format!("socks5://{dead}")]);
    let err = run(&settings, &[]);
    assert!(
        err.contains(&format!(
            "cannot reach the registry {} through the proxy socks5://{dead}",
            registry.host()
        )) && err.contains("check that the proxy is running"),
        "{err}"
    );

    let (_d2, env) = scratch();
    let secret = format!("http://ann:secret@{dead}");
    let err = run(&env, &[("HTTPS_PROXY", &secret), ("HTTP_PROXY", &secret)]);
    assert!(
        err.contains(&format!("through the proxy http://{dead}")) && !err.contains("secret"),
        "{err}"
    );

    // Exempted by NO_PROXY: reached directly, so the registry (up) answers and the pull
    // fails on the missing image, not on the proxy.
    let err = run(&env, &[("HTTP_PROXY", &secret), ("NO_PROXY", "127.0.0.1")]);
    assert!(!err.contains("proxy"), "{err}");
    assert!(
        err.contains("not found") || err.contains("unknown"),
        "{err}"
    );
}

/// A login made to the mirror itself is the one credential a mirror gets. Needs the
/// keychain runner.
#[test]
fn a_login_to_the_mirror_itself_is_used_for_the_mirror() {
    require_keychain_runner("mirrors");
    let img = random_image(80, &[10_000]);
    let mirror = start_registry("htpasswd");
    let (_src_dir, src) = scratch();
    put_image(&src, &img, "app:1");
    let c = creds();
    ok(
        &src,
        &[
            "push",
            "app:1",
            &format!("{}/team/app:1", mirror.host()),
            "--creds",
            &c,
        ],
    );
    // The origin does not have the image: only the mirror can serve it.
    let origin = start_registry("none");
    let (_dir, home) = scratch();
    ok(
        &home,
        &[
            "mirrors",
            "add",
            &origin.host(),
            &format!("http://{}", mirror.host()),
        ],
    );
    let remote = format!("{}/team/app:1", origin.host());
    fails(&home, &["pull", &remote]);

    let mut login = strata_cmd(
        &home,
        &["login", &mirror.host(), "-u", USER, "--password-stdin"],
    );
    assert_ok(&output_with_stdin(&mut login, Some(PASSWORD)));
    let got = json(&home, &["pull", &remote, "--json"]);
    assert_eq!(got["mirror"], mirror.host().as_str());
    assert_eq!(got["digest"], img.manifest_digest);
}

#[test]
fn a_pull_goes_through_a_socks5_proxy_from_the_settings_or_all_proxy() {
    let img = random_image(81, &[30_000]);
    let registry = registry_with(&img);
    let socks = SocksProxy::start().unwrap();
    let remote = format!("{}/team/app:1", registry.host());
    let pull = ["pull", remote.as_str(), "--json"];

    // socks5:// from the settings.
    let (_d1, home) = scratch();
    let shown = json(&home, &["proxy", "set", &socks.url(false), "--json"]);
    assert_eq!(shown["settings"]["url"], socks.url(false).as_str());
    let got = json_with_env(&home, &pull, &[]);
    assert_eq!(got["digest"], img.manifest_digest);
    let target = format!("CONNECT {}", registry.host());
    let through = socks.count(&target);
    assert!(through >= 1, "{:?}", socks.log());

    // socks5h:// from ALL_PROXY: the proxy is handed the name, not an address.
    let (_d2, env_only) = scratch();
    let by_name = remote.replace("127.0.0.1", "localhost");
    let got = json_with_env(
        &env_only,
        &["pull", by_name.as_str(), "--json"],
        &[("ALL_PROXY", &socks.url(true))],
    );
    assert_eq!(got["digest"], img.manifest_digest);
    let port = registry.host().rsplit(':').next().unwrap().to_string();
    assert!(
        socks.count(&format!("CONNECT localhost:{port}")) >= 1,
        "{:?}",
        socks.log()
    );

    // A dead SOCKS proxy is an error that says so, not a silent direct connection.
    let (_d3, dead) = scratch();
    let closed = closed_port();
    ok(&dead, &["proxy", "set", &format!("socks5://{closed}")]);
    let err = fails(&dead, &pull);
    assert!(err.contains("SOCKS error"), "{err}");
}
