//! The fault-injecting proxy in front of the real `docker-registry`, over real HTTP: each
//! rule fires as often as configured and then passes through, cut downloads resume with
//! `Range`, tag lists paginate with `Link` headers, and the log counts what clients did.

mod support;

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use strata_testkit::fixtures::{digest_of, Entry, Image, Layer};
use strata_testkit::proxy::{Proxy, Rule, BLOB_PATH, UPLOAD_PATH};
use strata_testkit::registry::{Auth, Registry};
use strata_testkit::user::User;
use support::{get, head, request, upload_blob, Cred};

/// What a request got before the connection ended, cleanly or not.
struct Partial {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The transport error that ended the body early, if one did.
    error: Option<String>,
}

impl Partial {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request whose failure is an answer: `Err` when no response head arrived.
fn try_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Partial, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(body.to_vec()).expect("request builds");
    let mut response = agent.run(request).map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let mut body = Vec::new();
    let mut error = None;
    if method != "HEAD" {
        let mut reader = response.body_mut().as_reader();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => body.extend_from_slice(&buf[..n]),
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            }
        }
    }
    Ok(Partial {
        status,
        headers,
        body,
        error,
    })
}

fn registry(auth: Auth) -> Registry {
    Registry::start(auth).expect("docker-registry starts (is it installed? `make deps`)")
}

fn proxy(registry: &Registry, rules: Vec<Rule>) -> Proxy {
    Proxy::start(registry, rules).expect("proxy starts")
}

/// Pushes `image` under `repo:tag` straight to `base` (a registry or a proxy).
fn push(base: &str, repo: &str, tag: &str, image: &Image, cred: &Cred) {
    for (digest, bytes) in image.blobs() {
        assert_eq!(
            upload_blob(base, repo, bytes, cred),
            201,
            "upload of {digest}"
        );
    }
    let put = request(
        "PUT",
        &format!("{base}/v2/{repo}/manifests/{tag}"),
        cred,
        &[("Content-Type", image.manifest_media_type)],
        Some(&image.manifest),
    );
    assert_eq!(put.status, 201, "{}", String::from_utf8_lossy(&put.body));
}

fn small_image(text: &str) -> Image {
    let layer = Layer::build(&[Entry::file("hello.txt", text)]).expect("layer");
    Image::builder().layer(layer).build()
}

#[test]
fn status_rules_fire_their_budget_then_pass_through() {
    let registry = registry(Auth::None);
    let image = small_image("status rules\n");
    push(&registry.url(), "demo/app", "1", &image, &Cred::None);
    let layer = &image.layers[0];
    let proxy = proxy(
        &registry,
        vec![
            Rule::status(500).method("GET").path_prefix("/v2/").times(2),
            Rule::too_many_requests(3)
                .method("HEAD")
                .path_regex(BLOB_PATH),
            Rule::status(503).path_prefix("/v2/_catalog"),
        ],
    );
    let base = proxy.url();

    let v2 = format!("{base}/v2/");
    let statuses: Vec<u16> = (0..3).map(|_| get(&v2, &Cred::None).status).collect();
    assert_eq!(statuses, vec![500, 500, 200]);
    assert_eq!(proxy.fired(0), 2);

    let blob = format!("{base}/v2/demo/app/blobs/{}", layer.digest);
    let limited = head(&blob, &Cred::None);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("Retry-After"), Some("3"));
    let passed = head(&blob, &Cred::None);
    assert_eq!(passed.status, 200);
    assert_eq!(
        passed.header("Content-Length"),
        Some(layer.size().to_string().as_str()),
        "HEAD through the proxy keeps the blob's length"
    );

    // The 503 is made up by the proxy, in distribution's error format.
    let catalog = format!("{base}/v2/_catalog");
    let unavailable = request("GET", &catalog, &Cred::None, &[], None);
    assert_eq!(unavailable.status, 503);
    assert_eq!(
        unavailable.json()["errors"][0]["code"],
        serde_json::json!("UNAVAILABLE")
    );
    assert_eq!(
        get(&catalog, &Cred::None).json()["repositories"],
        serde_json::json!(["demo/app"])
    );
    assert_eq!((proxy.fired(0), proxy.fired(1), proxy.fired(2)), (2, 1, 1));

    let log = proxy.requests();
    let injected: Vec<(u16, bool)> = log
        .iter()
        .filter(|e| e.rule.is_some())
        .map(|e| (e.status, e.forwarded))
        .collect();
    assert_eq!(
        injected,
        vec![(500, false), (500, false), (429, false), (503, false)],
        "injected answers never reach the registry"
    );
    assert_eq!(log.iter().filter(|e| e.forwarded).count(), 3);
    assert_eq!(log[0].rule.as_deref(), Some("status 500"));
}

#[test]
fn an_injected_error_on_an_upload_reads_the_body_and_the_retry_succeeds() {
    let registry = registry(Auth::None);
    let proxy = proxy(
        &registry,
        vec![Rule::status(500).method("PUT").path_regex(UPLOAD_PATH)],
    );
    let blob = vec![7u8; 200_000];
    assert_eq!(
        upload_blob(&proxy.url(), "demo/app", &blob, &Cred::None),
        500
    );
    assert_eq!(
        upload_blob(&proxy.url(), "demo/app", &blob, &Cred::None),
        201
    );
    let url = format!("{}/v2/demo/app/blobs/{}", registry.url(), digest_of(&blob));
    assert_eq!(head(&url, &Cred::None).status, 200);

    let puts: Vec<_> = proxy
        .requests()
        .into_iter()
        .filter(|e| e.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2, "both PUTs went through the proxy's Location");
    assert_eq!(puts[0].request_bytes, blob.len() as u64);
    assert_eq!((puts[0].status, puts[1].status), (500, 201));
}

#[test]
fn a_cut_blob_download_is_completed_with_a_range_request() {
    let registry = registry(Auth::None);
    let layer = Layer::random("data.bin", 1024 * 1024, 42).expect("layer");
    assert_eq!(
        upload_blob(&registry.url(), "demo/app", &layer.gzip, &Cred::None),
        201
    );
    let cut_at: u64 = 100_000;
    let proxy = proxy(
        &registry,
        vec![Rule::cut_after(cut_at).method("GET").path_regex(BLOB_PATH)],
    );
    let url = format!("{}/v2/demo/app/blobs/{}", proxy.url(), layer.digest);

    let first = try_request("GET", &url, &[], &[]).expect("response head arrives");
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("Content-Length"),
        Some(layer.size().to_string().as_str())
    );
    assert_eq!(first.body.len() as u64, cut_at, "exactly the allowed bytes");
    assert!(first.error.is_some(), "the client noticed the cut");
    assert_eq!(&first.body[..], &layer.gzip[..cut_at as usize]);

    // distribution 2.8 serves blob GETs with Go's ServeContent, which honours Range.
    let range = format!("bytes={cut_at}-");
    let rest =
        try_request("GET", &url, &[("Range", &range)], &[]).expect("range request is answered");
    assert_eq!(rest.status, 206);
    assert_eq!(
        rest.header("Content-Range"),
        Some(format!("bytes {cut_at}-{}/{}", layer.size() - 1, layer.size()).as_str())
    );
    assert!(rest.error.is_none(), "{:?}", rest.error);
    let mut whole = first.body;
    whole.extend_from_slice(&rest.body);
    assert_eq!(digest_of(&whole), layer.digest);

    // The rule fired once: a plain GET now passes whole.
    let again = try_request("GET", &url, &[], &[]).expect("answered");
    assert!(again.error.is_none());
    assert_eq!(digest_of(&again.body), layer.digest);

    let log = proxy.requests();
    assert_eq!(log.len(), 3);
    assert!(log[0].cut && log[0].response_bytes == cut_at && log[0].status == 200);
    assert_eq!(log[1].range.as_deref(), Some(range.as_str()));
    assert!(!log[1].cut && log[1].status == 206);
    assert_eq!(log[1].response_bytes, layer.size() - cut_at);
    assert!(!log[2].cut && log[2].response_bytes == layer.size());
}

#[test]
fn a_cut_upload_gets_no_answer_and_a_new_upload_succeeds() {
    let registry = registry(Auth::None);
    let proxy = proxy(
        &registry,
        vec![Rule::cut_upload_after(50_000)
            .method("PUT")
            .path_regex(UPLOAD_PATH)],
    );
    let blob: Vec<u8> = (0..400_000u32).map(|i| (i % 251) as u8).collect();
    let digest = digest_of(&blob);

    let start = try_request(
        "POST",
        &format!("{}/v2/demo/app/blobs/uploads/", proxy.url()),
        &[],
        &[],
    )
    .expect("answered");
    assert_eq!(start.status, 202);
    let location = start.header("Location").expect("Location").to_string();
    assert!(
        location.starts_with(&proxy.url()),
        "upload Location goes through the proxy: {location}"
    );
    let put = try_request(
        "PUT",
        &format!("{location}&digest={digest}"),
        &[("Content-Type", "application/octet-stream")],
        &blob,
    );
    assert!(
        put.is_err(),
        "a cut upload gets no answer, got {:?}",
        put.ok().map(|p| p.status)
    );
    let blob_url = format!("{}/v2/demo/app/blobs/{digest}", registry.url());
    assert_eq!(head(&blob_url, &Cred::None).status, 404);

    assert_eq!(
        upload_blob(&proxy.url(), "demo/app", &blob, &Cred::None),
        201
    );
    assert_eq!(head(&blob_url, &Cred::None).status, 200);

    let puts: Vec<_> = proxy
        .requests()
        .into_iter()
        .filter(|e| e.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2);
    assert!(puts[0].cut && puts[0].status == 0 && puts[0].request_bytes == 50_000);
    assert!(!puts[1].cut && puts[1].status == 201);
    assert_eq!(puts[1].request_bytes, blob.len() as u64);
}

#[test]
fn tag_pagination_over_25_tags_gives_three_pages_with_links() {
    let registry = registry(Auth::Htpasswd {
        users: vec![User::new("alice", "alice-pw")],
    });
    let alice = Cred::basic("alice", "alice-pw");
    let image = small_image("tags\n");
    let tags: Vec<String> = (0..25).map(|i| format!("1.0.{i}")).collect();
    push(&registry.url(), "team/app", &tags[0], &image, &alice);
    for tag in &tags[1..] {
        let put = request(
            "PUT",
            &format!("{}/v2/team/app/manifests/{tag}", registry.url()),
            &alice,
            &[("Content-Type", image.manifest_media_type)],
            Some(&image.manifest),
        );
        assert_eq!(put.status, 201);
    }
    // The premise: distribution 2.8 ignores n for tags.
    let direct = get(
        &format!("{}/v2/team/app/tags/list?n=10", registry.url()),
        &alice,
    );
    assert_eq!(direct.json()["tags"].as_array().map(Vec::len), Some(25));
    assert_eq!(direct.header("Link"), None);

    let proxy = proxy(&registry, vec![Rule::paginate_tags(10)]);
    // Without credentials the registry's own challenge comes back.
    let refused = get(
        &format!("{}/v2/team/app/tags/list", proxy.url()),
        &Cred::None,
    );
    assert_eq!(refused.status, 401);
    assert!(refused
        .header("WWW-Authenticate")
        .is_some_and(|c| c.starts_with("Basic ")));

    let mut sorted = tags.clone();
    sorted.sort();
    let mut next = Some("/v2/team/app/tags/list".to_string());
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut links = Vec::new();
    while let Some(path) = next.take() {
        let page = get(&format!("{}{path}", proxy.url()), &alice);
        assert_eq!(page.status, 200);
        let json = page.json();
        assert_eq!(json["name"], "team/app");
        pages.push(
            json["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .map(|t| t.as_str().expect("tag").to_string())
                .collect(),
        );
        if let Some(link) = page.header("Link") {
            links.push(link.to_string());
            let target = link
                .strip_prefix('<')
                .and_then(|l| l.split_once(">; rel=\"next\""))
                .map(|(t, _)| t.to_string())
                .unwrap_or_else(|| panic!("not an RFC 5988 next link: {link}"));
            next = Some(target);
        }
        assert!(pages.len() <= 3, "pagination does not end");
    }
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![10, 10, 5]
    );
    assert_eq!(pages.concat(), sorted, "every tag once, in lexical order");
    assert_eq!(
        links,
        vec![
            format!(
                "</v2/team/app/tags/list?n=10&last={}>; rel=\"next\"",
                sorted[9]
            ),
            format!(
                "</v2/team/app/tags/list?n=10&last={}>; rel=\"next\"",
                sorted[19]
            ),
        ]
    );

    // A client asking for smaller pages gets them; `last` alone continues from a tag.
    let small = get(
        &format!("{}/v2/team/app/tags/list?n=4&last=1.0.3", proxy.url()),
        &alice,
    );
    assert_eq!(
        small.json()["tags"],
        serde_json::json!(["1.0.4", "1.0.5", "1.0.6", "1.0.7"])
    );
    assert_eq!(
        small.header("Link"),
        Some("</v2/team/app/tags/list?n=4&last=1.0.7>; rel=\"next\"")
    );
}

#[test]
fn the_log_counts_a_push_a_head_only_repush_and_a_mount() {
    let registry = registry(Auth::None);
    let proxy = proxy(&registry, vec![]);
    let base = proxy.url();
    let image = small_image("counted\n");
    let blobs = image.blobs().len();

    push(&base, "demo/app", "1", &image, &Cred::None);
    assert_eq!(proxy.count("POST", "/v2/demo/app/blobs/uploads/"), blobs);
    assert_eq!(proxy.count("PUT", "/v2/demo/app/blobs/uploads/"), blobs);
    assert_eq!(proxy.count("PUT", "/v2/demo/app/manifests/"), 1);
    let uploaded: u64 = proxy
        .requests()
        .iter()
        .filter(|e| e.method == "PUT")
        .map(|e| e.request_bytes)
        .sum();
    let expected: usize =
        image.blobs().iter().map(|(_, b)| b.len()).sum::<usize>() + image.manifest.len();
    assert_eq!(uploaded, expected as u64);

    // A re-push of an unchanged image, done right, asks and sends nothing.
    proxy.clear_log();
    for (digest, _) in image.blobs() {
        let url = format!("{base}/v2/demo/app/blobs/{digest}");
        assert_eq!(head(&url, &Cred::None).status, 200);
    }
    let manifest = format!("{base}/v2/demo/app/manifests/1");
    assert_eq!(
        request(
            "HEAD",
            &manifest,
            &Cred::None,
            &[("Accept", image.manifest_media_type)],
            None
        )
        .status,
        200
    );
    assert!(proxy.methods().iter().all(|m| m == "HEAD"));
    assert_eq!(proxy.count("HEAD", "/v2/"), blobs + 1);

    // Another repository sharing the layer mounts it instead of uploading it.
    let layer = &image.layers[0].digest;
    let mount = request(
        "POST",
        &format!("{base}/v2/demo/other/blobs/uploads/?mount={layer}&from=demo/app"),
        &Cred::None,
        &[],
        None,
    );
    assert_eq!(mount.status, 201);
    let log = proxy.requests();
    let last = log.last().expect("logged");
    assert!(last.is_mount(), "{last:?}");
    assert_eq!(last.query_param("from").as_deref(), Some("demo/app"));
    assert_eq!(log.iter().filter(|e| e.is_mount()).count(), 1);
}

#[test]
fn token_mode_challenges_still_name_the_issuer_and_tokens_work_through_the_proxy() {
    let registry = registry(Auth::Token {
        users: vec![User::new("alice", "alice-pw")],
    });
    let proxy = proxy(&registry, vec![]);
    let v2 = format!("{}/v2/", proxy.url());
    let challenge = get(&v2, &Cred::None);
    assert_eq!(challenge.status, 401);
    let realm = registry.token_realm().expect("token mode");
    assert!(
        challenge
            .header("WWW-Authenticate")
            .is_some_and(|c| c.contains(&format!("realm=\"{realm}\""))),
        "{:?}",
        challenge.header("WWW-Authenticate")
    );
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("service", registry.token_service().expect("token mode"))
        .append_pair("scope", "repository:team/app:pull,push")
        .finish();
    let token = get(
        &format!("{realm}?{query}"),
        &Cred::basic("alice", "alice-pw"),
    );
    let token = Cred::Bearer(token.json()["token"].as_str().expect("token").to_string());
    assert_eq!(get(&v2, &token).status, 200);
    assert_eq!(
        upload_blob(&proxy.url(), "team/app", b"through the proxy", &token),
        201
    );
}

#[test]
fn delay_and_throttle_slow_requests_down() {
    let registry = registry(Auth::None);
    let blob = vec![3u8; 100_000];
    assert_eq!(
        upload_blob(&registry.url(), "demo/app", &blob, &Cred::None),
        201
    );
    let proxy = proxy(
        &registry,
        vec![
            Rule::delay(Duration::from_millis(400)).path_prefix("/v2/"),
            Rule::throttle(200_000).path_regex(BLOB_PATH),
        ],
    );
    let v2 = format!("{}/v2/", proxy.url());
    let started = Instant::now();
    assert_eq!(get(&v2, &Cred::None).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(proxy.fired(0), 1);

    let url = format!("{}/v2/demo/app/blobs/{}", proxy.url(), digest_of(&blob));
    let started = Instant::now();
    let got = get(&url, &Cred::None);
    assert_eq!(digest_of(&got.body), digest_of(&blob));
    // 100 kB at 200 kB/s: at least 0.45 s, whatever the machine.
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    let again = get(&url, &Cred::None);
    assert_eq!(again.status, 200);
    assert_eq!(proxy.fired(1), 2, "throttling applies to every match");
}

#[test]
fn dropping_the_proxy_closes_its_port_and_its_open_connections() {
    let registry = registry(Auth::None);
    let proxy = proxy(&registry, vec![]);
    let addr: SocketAddr = proxy.addr;
    assert_eq!(
        get(&format!("{}/v2/", proxy.url()), &Cred::None).status,
        200
    );
    let mut idle = TcpStream::connect(addr).expect("connects while running");
    idle.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout set");

    proxy.stop();
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_err(),
        "port still open after drop"
    );
    let mut buf = [0u8; 1];
    let read = idle.read(&mut buf);
    assert!(
        matches!(read, Ok(0)) || read.is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock),
        "an open connection is closed by the drop"
    );
    // The registry behind it is untouched.
    assert_eq!(
        get(&format!("{}/v2/", registry.url()), &Cred::None).status,
        200
    );
}

#[test]
fn a_bad_rule_or_upstream_is_refused_with_a_clear_message() {
    let err = Proxy::start("ftp://127.0.0.1:1", vec![]).expect_err("not http");
    assert!(err.to_string().contains("ftp://127.0.0.1:1"), "{err}");
    let err = Proxy::start(
        "http://127.0.0.1:1",
        vec![Rule::status(500).path_regex("[")],
    )
    .expect_err("bad regex");
    assert!(err.to_string().contains("\"[\""), "{err}");
}

#[test]
fn the_proxy_starts_and_stops_inside_an_async_runtime() {
    // strata-core's tests are tokio tests: the proxy's own runtime must not be dropped
    // inside theirs, which tokio refuses with a panic.
    let registry = registry(Auth::None);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(async {
        let proxy = Proxy::start(&registry, vec![Rule::status(503)]).expect("proxy starts");
        let url = format!("{}/v2/", proxy.url());
        let status = tokio::task::spawn_blocking(move || get(&url, &Cred::None).status)
            .await
            .expect("request thread");
        drop(proxy);
        status
    });
    assert_eq!(status, 503);
}
