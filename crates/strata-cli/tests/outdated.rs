//! `strata outdated` against a real `docker-registry` (strata-testkit) on 127.0.0.1: a
//! pulled image is up to date until a new image is pushed to its tag, and again after a
//! pull; a multi-platform pull is up to date through the index it came from, and through a
//! new index that still lists its platform's manifest; a check is one `HEAD` per image, plus
//! one `GET` only for a new index (never for a plain manifest); a registry
//! that does not answer makes its image "cannot check", not the command fail; a local
//! image never pulled is not checked at all.

mod support;

use std::path::Path;

use serde_json::Value;
use support::*;

/// The entry `strata outdated --json` gives for `name`.
fn entry(home: &Path, name: &str) -> Value {
    let all = json(home, &["outdated", "--json"]);
    all.as_array()
        .expect("a list")
        .iter()
        .find(|e| e["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} not checked: {all:#}"))
}

#[test]
fn a_new_image_pushed_to_the_tag_is_an_update_until_it_is_pulled() {
    let registry = start_registry("none");
    let remote = format!("{}/team/app:1", registry.host());
    let (one, two) = (random_image(31, &[2000]), random_image(32, &[3000]));
    let src = tempfile::tempdir().unwrap();
    put_image(src.path(), &one, "app:1");
    put_image(src.path(), &two, "app:2");
    ok(src.path(), &["push", "app:1", &remote]);

    let (_tmp, home) = scratch();
    ok(&home, &["pull", &remote]);
    // Built here, never pulled: docker.io/library/local:1 is not asked about.
    put_image(&home, &random_image(33, &[100]), "local:1");
    let e = entry(&home, &remote);
    assert_eq!(e["state"], "up_to_date", "{e:#}");
    assert_eq!(e["remote"], one.manifest_digest);
    let all = json(&home, &["outdated", "--json"]);
    assert_eq!(all.as_array().unwrap().len(), 1, "{all:#}");

    ok(src.path(), &["push", "app:2", &remote]);
    let e = entry(&home, &remote);
    assert_eq!(e["state"], "update_available", "{e:#}");
    assert_eq!(
        (e["local"].as_str(), e["remote"].as_str()),
        (
            Some(one.manifest_digest.as_str()),
            Some(two.manifest_digest.as_str())
        )
    );
    let text = ok(&home, &["outdated"]);
    assert!(
        text.contains(&remote) && text.contains("1 update(s) available"),
        "{text}"
    );
    assert!(
        text.contains(&two.manifest_digest["sha256:".len()..][..12]),
        "{text}"
    );

    ok(&home, &["pull", &remote]);
    assert_eq!(entry(&home, &remote)["state"], "up_to_date");
    // The image the tag named before is dangling now, as in docker: listed without a name
    // until prune removes it.
    let images = json(&home, &["images", "--json"]);
    let old: Vec<&Value> = images
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["digest"] == one.manifest_digest.as_str())
        .collect();
    assert_eq!(old.len(), 1, "the old image is listed once: {images:#}");
    assert_eq!(
        (old[0]["repository"].as_str(), old[0]["name"].as_str()),
        (Some("<none>"), Some("")),
        "the old image has no name left: {:#}",
        old[0]
    );
    ok(&home, &["prune"]);
    let images = json(&home, &["images", "--json"]);
    assert!(
        !images.to_string().contains(&one.manifest_digest),
        "prune removed the dangling image: {images:#}"
    );
}

#[test]
fn a_multi_platform_pull_is_up_to_date_through_its_index() {
    let registry = start_registry("none");
    let remote = format!("{}/team/multi:1", registry.host());
    let src = tempfile::tempdir().unwrap();
    put_index(src.path(), &random_index(34, 1000, 1000), "multi:1");
    ok(src.path(), &["push", "multi:1", &remote]);
    let (_tmp, home) = scratch();
    ok(&home, &["pull", &remote]);
    let e = entry(&home, &remote);
    assert_eq!(e["state"], "up_to_date", "{e:#}");
    assert_ne!(
        e["local"], e["remote"],
        "the name is the platform's manifest: {e:#}"
    );

    // The tag republished with only the other platform changed: a new index the store
    // has never seen, still listing this platform's manifest.
    let first = random_index(34, 1000, 1000);
    let other_arm = random_index(36, 1000, 1000).images[1].clone();
    let republished =
        strata_testkit::fixtures::Index::build(vec![first.images[0].clone(), other_arm]);
    put_index(src.path(), &republished, "multi:arm-only");
    ok(src.path(), &["push", "multi:arm-only", &remote]);
    let e = entry(&home, &remote);
    assert_eq!(e["state"], "up_to_date", "{e:#}");
    assert_eq!(e["remote"], republished.digest, "{e:#}");

    put_index(src.path(), &random_index(35, 1000, 1000), "multi:2");
    ok(src.path(), &["push", "multi:2", &remote]);
    assert_eq!(entry(&home, &remote)["state"], "update_available");
}

#[test]
fn an_unreachable_registry_cannot_be_checked_and_the_rest_still_is() {
    let registry = start_registry("none");
    let remote = format!("{}/team/app:1", registry.host());
    let src = tempfile::tempdir().unwrap();
    put_image(src.path(), &random_image(36, &[500]), "app:1");
    ok(src.path(), &["push", "app:1", &remote]);
    let (_tmp, home) = scratch();
    ok(&home, &["pull", &remote]);
    // Port 1 on loopback: nothing listens.
    ok(&home, &["tag", &remote, "127.0.0.1:1/team/gone:1"]);

    let out = strata(&home, &["outdated", "--json"]);
    let all = parse_json(&assert_ok(&out));
    let gone = all
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "127.0.0.1:1/team/gone:1")
        .expect("the unreachable image is listed");
    assert_eq!(gone["state"], "cannot_check", "{all:#}");
    assert_eq!(gone["problem"]["code"], "registry.connect", "{all:#}");
    assert_eq!(entry(&home, &remote)["state"], "up_to_date");

    let text = ok(&home, &["outdated"]);
    assert!(
        text.contains("cannot check 127.0.0.1:1/team/gone:1") && text.contains("registry.connect"),
        "{text}"
    );
}

/// The tag is asked of the registry's mirrors first, as a pull would get it from them; a
/// mirror that does not answer is passed over for the registry itself.
#[test]
fn the_tag_is_asked_of_a_mirror_first_and_of_the_origin_when_the_mirror_fails() {
    let origin = start_registry("none");
    let mirror = start_registry("none");
    let remote = format!("{}/team/app:1", origin.host());
    let (one, two) = (random_image(41, &[2000]), random_image(42, &[3000]));
    let src = tempfile::tempdir().unwrap();
    put_image(src.path(), &one, "app:1");
    put_image(src.path(), &two, "app:2");
    ok(src.path(), &["push", "app:1", &remote]);
    // The mirror already has a newer image under the tag.
    ok(
        src.path(),
        &["push", "app:2", &format!("{}/team/app:1", mirror.host())],
    );

    let (_tmp, home) = scratch();
    ok(&home, &["pull", &remote]);
    let e = entry(&home, &remote);
    assert_eq!(e["state"], "up_to_date", "without a mirror: {e:#}");

    ok(
        &home,
        &[
            "mirrors",
            "add",
            &origin.host(),
            &format!("http://{}", mirror.host()),
        ],
    );
    let e = entry(&home, &remote);
    assert_eq!(e["state"], "update_available", "{e:#}");
    assert_eq!(e["remote"], two.manifest_digest);

    // A mirror that is down: the origin answers.
    ok(
        &home,
        &[
            "mirrors",
            "rm",
            &origin.host(),
            &format!("http://{}", mirror.host()),
        ],
    );
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    ok(
        &home,
        &[
            "mirrors",
            "add",
            &origin.host(),
            &format!("http://{dead_addr}"),
        ],
    );
    let e = entry(&home, &remote);
    assert_eq!(e["state"], "up_to_date", "{e:#}");
    assert_eq!(e["remote"], one.manifest_digest);
}

#[test]
fn a_moved_tag_is_asked_with_one_head_and_only_a_new_index_is_fetched() {
    use strata_testkit::proxy::Proxy;
    let registry = start_registry("none");
    // Every request the checks make goes through this proxy, which logs them.
    let proxy = Proxy::start(&registry, vec![]).unwrap();
    let src = tempfile::tempdir().unwrap();
    let (_tmp, home) = scratch();

    // A plain manifest: the tag moves to another image; a HEAD says so, nothing is fetched
    // (Docker Hub counts a manifest GET as a pull).
    let plain = format!("{}/team/plain:1", proxy.host());
    put_image(src.path(), &random_image(41, &[500]), "plain:1");
    put_image(src.path(), &random_image(42, &[600]), "plain:2");
    ok(src.path(), &["push", "plain:1", &plain]);
    ok(&home, &["pull", &plain]);
    ok(src.path(), &["push", "plain:2", &plain]);
    proxy.clear_log();
    assert_eq!(entry(&home, &plain)["state"], "update_available");
    assert_eq!(proxy.count("HEAD", "/v2/team/plain/manifests/1"), 1);
    assert_eq!(
        proxy.count("GET", "/v2/team/plain/manifests/"),
        0,
        "{:?}",
        proxy.requests()
    );

    // A multi-platform tag republished with only the other platform changed: one GET of
    // the new index, which still lists the pulled platform.
    let multi = format!("{}/team/multi:1", proxy.host());
    let first = random_index(43, 500, 500);
    put_index(src.path(), &first, "multi:1");
    ok(src.path(), &["push", "multi:1", &multi]);
    ok(&home, &["pull", &multi]);
    let arm = random_index(44, 500, 500).images[1].clone();
    let republished = strata_testkit::fixtures::Index::build(vec![first.images[0].clone(), arm]);
    put_index(src.path(), &republished, "multi:2");
    ok(src.path(), &["push", "multi:2", &multi]);
    proxy.clear_log();
    let e = entry(&home, &multi);
    assert_eq!(e["state"], "up_to_date", "{e:#}");
    let index_path = format!("/v2/team/multi/manifests/{}", republished.digest);
    assert_eq!(proxy.count("GET", &index_path), 1, "{:?}", proxy.requests());
    assert_eq!(proxy.count("GET", "/v2/team/multi/manifests/"), 1);
}
