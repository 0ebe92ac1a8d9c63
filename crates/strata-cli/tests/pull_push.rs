//! `strata pull` and `strata push` against a real `docker-registry` (strata-testkit) in
//! its three auth modes, against skopeo, through a loopback proxy that injects faults,
//! and killed mid-transfer.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use strata_core::digest::Digest;
use strata_core::store::Store;
use strata_testkit::fixtures::{Image, Layer, OciLayout};
use support::*;

/// What the store has under `name`: the manifest digest, and whether every blob is there.
fn pulled(home: &Path, name: &str) -> Digest {
    let store = Store::open(home).unwrap();
    let r = store
        .resolve(name)
        .unwrap_or_else(|e| panic!("{name} not in the store: {e}"));
    let d = r.digest().unwrap();
    let m: oci_spec::image::ImageManifest = store.read_json(&d).unwrap();
    for desc in std::iter::once(m.config()).chain(m.layers()) {
        let bd = Digest::try_from(desc.digest()).unwrap();
        assert!(store.has_blob(&bd), "blob {bd} missing");
        assert_eq!(store.blob_size(&bd).unwrap(), desc.size());
    }
    assert!(store.fsck().unwrap().is_clean(), "fsck finds problems");
    d
}

#[test]
fn push_then_pull_gives_the_same_digests_in_every_auth_mode_and_a_repush_uploads_nothing() {
    // One layer above the 16 MiB chunk size, so that chunked upload is exercised too.
    let img = random_image(1, &[20 << 20, 300_000]);
    for mode in ["none", "htpasswd", "token"] {
        let registry = start_registry(mode);
        let src = tempfile::tempdir().unwrap();
        put_image(src.path(), &img, "app:1");
        let remote = format!("{}/team/app:1", registry.host());
        // An open registry takes no credentials.
        let c = creds();
        let creds_args = ["--creds", c.as_str()];
        let auth = if mode == "none" {
            &[][..]
        } else {
            &creds_args[..]
        };
        let args = [&["push", "app:1", remote.as_str(), "--json"][..], auth].concat();
        let pushed = json(src.path(), &args);
        assert_eq!(pushed["digest"], img.manifest_digest, "{mode}");
        assert_eq!(pushed["uploaded"], 3, "{mode}");

        let again = json(src.path(), &args);
        assert_eq!(again["uploaded"], 0, "{mode}: a re-push uploaded {again}");
        assert_eq!(again["skipped"], 3, "{mode}");

        let dst = tempfile::tempdir().unwrap();
        let pull = [&["pull", remote.as_str(), "--json"][..], auth].concat();
        let got = json(dst.path(), &pull);
        assert_eq!(got["digest"], img.manifest_digest, "{mode}");
        assert_eq!(pulled(dst.path(), &remote).to_string(), img.manifest_digest);
        // A second pull fetches nothing.
        let again = json(dst.path(), &pull);
        assert_eq!(
            (again["fetched"].as_u64(), again["skipped"].as_u64()),
            (Some(0), Some(3))
        );
    }
}

#[test]
fn the_second_repository_mounts_the_shared_base_layer() {
    for mode in ["none", "token"] {
        let registry = start_registry(mode);
        let base = Layer::random("base", 2 << 20, 77).unwrap();
        let a = Image::builder()
            .layer(base.clone())
            .layer(Layer::random("a", 1000, 1).unwrap())
            .build();
        let b = Image::builder()
            .layer(base)
            .layer(Layer::random("b", 1000, 2).unwrap())
            .build();
        let home = tempfile::tempdir().unwrap();
        put_image(home.path(), &a, "a:1");
        put_image(home.path(), &b, "b:1");
        let c = creds();
        let push = |local: &str, repo: &str| {
            let remote = format!("{}/{repo}:1", registry.host());
            json(
                home.path(),
                &["push", local, &remote, "--json", "--creds", &c],
            )
        };
        let first = push("a:1", "ns/a");
        assert_eq!(first["mounted"], 0);
        let second = push("b:1", "ns/b");
        assert_eq!(second["mounted"], 1, "{mode}: {second}");
        assert_eq!(second["uploaded"], 2, "{mode}: {second}");
    }
}

#[test]
fn skopeo_sees_what_strata_pushes_and_strata_pulls_what_skopeo_pushes() {
    need("skopeo");
    let registry = start_registry("none");
    let home = tempfile::tempdir().unwrap();
    let img = random_image(3, &[100_000]);
    put_image(home.path(), &img, "mine:1");
    let remote = format!("{}/mine:1", registry.host());
    json(home.path(), &["push", "mine:1", &remote, "--json"]);
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{remote}"),
    ]);
    assert_eq!(Digest::of(raw.as_bytes()).to_string(), img.manifest_digest);

    // A multi-platform index pushed by skopeo; strata takes the platform asked for.
    let index = random_index(10, 5000, 5000);
    let (amd, arm) = (&index.images[0], &index.images[1]);
    let layout_dir = tempfile::tempdir().unwrap();
    let mut layout = OciLayout::create(layout_dir.path()).unwrap();
    layout.add_index(&index, "multi").unwrap();
    let remote = format!("{}/multi:1", registry.host());
    skopeo(&[
        "copy",
        "--all",
        "--dest-tls-verify=false",
        &format!("oci:{}:multi", layout_dir.path().display()),
        &format!("docker://{remote}"),
    ]);
    let dst = tempfile::tempdir().unwrap();
    let got = json(
        dst.path(),
        &["pull", &remote, "--platform", "linux/arm64", "--json"],
    );
    assert_eq!(got["digest"], arm.manifest_digest);
    assert_eq!(got["index_digest"], index.digest);
    assert_eq!(pulled(dst.path(), &remote).to_string(), arm.manifest_digest);
    let got = json(
        dst.path(),
        &["pull", &remote, "--platform", "linux/amd64", "--json"],
    );
    assert_eq!(got["digest"], amd.manifest_digest);

    // By the index's digest, for this machine (amd64 or arm64 here): the name pins the
    // manifest taken from it.
    let by_digest = format!("{}/multi@{}", registry.host(), index.digest);
    let got = json(dst.path(), &["pull", &by_digest, "--json"]);
    let host_image = if std::env::consts::ARCH == "aarch64" {
        arm
    } else {
        amd
    };
    assert_eq!(got["digest"], host_image.manifest_digest);
    assert_eq!(
        got["name"],
        format!("{}/multi@{}", registry.host(), host_image.manifest_digest)
    );

    let stderr = fails(dst.path(), &["pull", &remote, "--platform", "linux/s390x"]);
    assert!(
        stderr.contains("has no image for linux/s390x; it has: linux/amd64, linux/arm64/v8"),
        "{stderr}"
    );
}

#[test]
fn a_wrong_password_fails_clearly_and_never_shows_the_password() {
    for mode in ["htpasswd", "token"] {
        let registry = start_registry(mode);
        let home = tempfile::tempdir().unwrap();
        put_image(home.path(), &random_image(4, &[1000]), "x:1");
        let wrong = "wrong-Pa55word-zz";
        let remote = format!("{}/x:1", registry.host());
        let bad = format!("{USER}:{wrong}");
        for args in [
            vec!["pull", remote.as_str(), "--creds", bad.as_str()],
            vec!["push", "x:1", remote.as_str(), "--creds", bad.as_str()],
        ] {
            let out = strata(home.path(), &args);
            let all = stdout(&out) + &stderr(&out);
            assert!(!out.status.success(), "{mode}: {all}");
            assert!(
                all.contains(&format!(
                    "error: {} refused the credentials",
                    registry.host()
                )),
                "{mode}: {all}"
            );
            assert!(all.contains("hint: "), "{mode}: {all}");
            assert!(
                !all.contains(wrong),
                "{mode}: the password was printed: {all}"
            );
        }
        // No credentials at all: says a login is needed.
        let err = fails(home.path(), &["pull", &remote]);
        assert!(err.contains("needs a login"), "{mode}: {err}");
    }
}

// ---- a loopback proxy that injects faults ---------------------------------------------

#[derive(Clone, Debug)]
enum Fault {
    /// Answer this status without asking the registry.
    Status(u16, Option<u32>),
    /// Pass the response on, but cut the connection after this many body bytes.
    CutResponse(usize),
    /// Pass the request on, but cut both connections after this many request body bytes.
    CutRequest(usize),
    /// Answer 307 to this URL (a blob served by object storage).
    Redirect(String),
}

#[derive(Clone, Default)]
struct Proxy {
    rules: Arc<Mutex<Vec<(String, String, Fault)>>>,
    seen: Arc<Mutex<Vec<String>>>,
    /// Sleep per 64 KiB of response, to make transfers slow enough to kill mid-way.
    slow: Arc<Mutex<Option<Duration>>>,
}

impl Proxy {
    /// Starts the proxy in front of `upstream`; returns its address.
    fn start(&self, upstream: SocketAddr) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let me = self.clone();
        thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let me = me.clone();
                thread::spawn(move || {
                    let _ = me.serve(conn, upstream);
                });
            }
        });
        addr
    }

    /// Fails the next request whose method is `method` and whose path contains `path`.
    fn once(&self, method: &str, path: &str, fault: Fault) {
        self.rules
            .lock()
            .unwrap()
            .push((method.into(), path.into(), fault));
    }

    fn count(&self, method: &str, path: &str) -> usize {
        let prefix = format!("{method} ");
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with(&prefix) && l.contains(path))
            .count()
    }

    /// One request per connection: the request goes upstream with `Connection: close`.
    fn serve(&self, client: TcpStream, upstream: SocketAddr) -> std::io::Result<()> {
        let mut reader = BufReader::new(client.try_clone()?);
        let mut head = Vec::new();
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("connection:") {
                continue;
            }
            if line == "\r\n" {
                head.push("Connection: close\r\n".to_string());
                head.push(line);
                break;
            }
            head.push(line);
        }
        let request_line = head[0].trim().to_string();
        self.seen.lock().unwrap().push(request_line.clone());
        let fault = {
            let mut rules = self.rules.lock().unwrap();
            let hit = rules.iter().position(|(m, p, _)| {
                request_line.starts_with(&format!("{m} ")) && request_line.contains(p.as_str())
            });
            hit.map(|i| rules.remove(i).2)
        };
        let mut client_w = client;
        if let Some(Fault::Redirect(url)) = &fault {
            write!(
                client_w,
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {url}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?;
            return Ok(());
        }
        if let Some(Fault::Status(code, retry_after)) = &fault {
            let mut body = vec![0u8; content_length];
            reader.read_exact(&mut body)?;
            let ra = retry_after
                .map(|s| format!("Retry-After: {s}\r\n"))
                .unwrap_or_default();
            write!(
                client_w,
                "HTTP/1.1 {code} Injected\r\n{ra}Content-Length: 0\r\nConnection: close\r\n\r\n"
            )?;
            return Ok(());
        }
        let mut up = TcpStream::connect(upstream)?;
        up.write_all(head.concat().as_bytes())?;
        let mut remaining = content_length;
        let cut_request = match fault {
            Some(Fault::CutRequest(n)) => Some(n),
            _ => None,
        };
        let mut sent = 0usize;
        let mut buf = vec![0u8; 64 * 1024];
        while remaining > 0 {
            let n = reader.read(&mut buf[..remaining.min(65536)])?;
            if n == 0 {
                break;
            }
            if let Some(limit) = cut_request {
                if sent + n >= limit {
                    up.write_all(&buf[..limit - sent])?;
                    up.shutdown(Shutdown::Both)?;
                    client_w.shutdown(Shutdown::Both)?;
                    return Ok(());
                }
            }
            up.write_all(&buf[..n])?;
            sent += n;
            remaining -= n;
        }
        // The response: headers and body passed on (the registry closes after it).
        let cut = match fault {
            Some(Fault::CutResponse(n)) => Some(n),
            _ => None,
        };
        let slow = *self.slow.lock().unwrap();
        let mut total = 0usize;
        loop {
            let n = up.read(&mut buf)?;
            if n == 0 {
                break;
            }
            if let Some(limit) = cut {
                if total + n >= limit {
                    client_w.write_all(&buf[..limit - total])?;
                    client_w.shutdown(Shutdown::Both)?;
                    return Ok(());
                }
            }
            client_w.write_all(&buf[..n])?;
            total += n;
            if let Some(d) = slow {
                thread::sleep(d);
            }
        }
        Ok(())
    }
}

#[test]
fn pull_and_push_survive_cut_connections_500_and_429() {
    let registry = start_registry("none");
    let proxy = Proxy::default();
    let addr = proxy.start(registry.addr);
    let host = format!("127.0.0.1:{}", addr.port());
    let img = random_image(5, &[20 << 20, 3 << 20]);
    let big = &img.layers[0].digest;
    let small = &img.layers[1].digest;
    let home = tempfile::tempdir().unwrap();
    put_image(home.path(), &img, "f:1");

    // Push: a chunk cut mid-way, a 500 on a chunk and on a monolithic upload, a 429 on
    // a HEAD.
    proxy.once("PATCH", "/v2/f/blobs/uploads/", Fault::CutRequest(5 << 20));
    proxy.once("PATCH", "/v2/f/blobs/uploads/", Fault::Status(500, None));
    proxy.once("PUT", "/v2/f/blobs/uploads/", Fault::Status(500, None));
    proxy.once("HEAD", small, Fault::Status(429, Some(1)));
    let remote = format!("{host}/f:1");
    let pushed = json(home.path(), &["push", "f:1", &remote, "--json"]);
    assert_eq!(pushed["digest"], img.manifest_digest);
    assert!(
        proxy.rules.lock().unwrap().is_empty(),
        "every fault was hit"
    );
    // After each failed chunk the client asks where the upload stands. The 500'd chunk
    // resumes in the same session; distribution forgets an upload whose chunk was cut
    // mid-body (BLOB_UPLOAD_INVALID), so that blob, like the 500'd monolithic one,
    // starts again in a new session: 3 blobs + 2 restarts.
    assert_eq!(proxy.count("GET", "/v2/f/blobs/uploads/"), 2);
    assert_eq!(proxy.count("POST", "/v2/f/blobs/uploads/"), 3 + 2);

    // Pull: the big layer's answer cut twice (resumed with Range), a 500 and a 429.
    proxy.once("GET", big, Fault::CutResponse(4 << 20));
    proxy.once("GET", big, Fault::CutResponse(1 << 20));
    proxy.once("GET", small, Fault::Status(500, None));
    proxy.once("GET", "/manifests/", Fault::Status(429, Some(1)));
    let dst = tempfile::tempdir().unwrap();
    let got = json(dst.path(), &["pull", &remote, "--json"]);
    assert_eq!(got["digest"], img.manifest_digest);
    assert!(
        proxy.rules.lock().unwrap().is_empty(),
        "every fault was hit"
    );
    assert_eq!(pulled(dst.path(), &remote).to_string(), img.manifest_digest);
    // The big layer was fetched three times (first try and two resumes), never more.
    assert_eq!(proxy.count("GET", big), 3);

    // A re-push sends only HEADs: no blob upload and no manifest PUT either (the tag
    // already names that manifest).
    let writes = || {
        ["POST", "PATCH", "PUT", "DELETE"]
            .iter()
            .map(|method| proxy.count(method, ""))
            .sum::<usize>()
    };
    let before_writes = writes();
    json(home.path(), &["push", "f:1", &remote, "--json"]);
    assert_eq!(before_writes, writes(), "a re-push wrote to the registry");
}

#[test]
fn a_killed_pull_leaves_no_image_and_the_next_pull_completes() {
    let registry = start_registry("none");
    let proxy = Proxy::default();
    let addr = proxy.start(registry.addr);
    let host = format!("127.0.0.1:{}", addr.port());
    let img = random_image(6, &[6 << 20, 6 << 20, 6 << 20]);
    let src = tempfile::tempdir().unwrap();
    put_image(src.path(), &img, "k:1");
    let remote = format!("{host}/k:1");
    json(src.path(), &["push", "k:1", &remote, "--json"]);

    *proxy.slow.lock().unwrap() = Some(Duration::from_millis(20));
    let dst = tempfile::tempdir().unwrap();
    for wait_ms in [100u64, 600, 1200] {
        let mut child = strata_cmd(dst.path(), &["pull", &remote, "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        thread::sleep(Duration::from_millis(wait_ms));
        child.kill().unwrap();
        let _ = child.wait();
        let store = Store::open(dst.path()).unwrap();
        assert!(
            store.resolve(&remote).is_err(),
            "a killed pull (after {wait_ms} ms) left an image"
        );
        let report = store.fsck().unwrap();
        assert!(report.is_clean(), "fsck after a kill: {:?}", report);
    }
    // Ctrl-C: cancelled promptly, with one clear line, and still no image.
    let child = strata_cmd(dst.path(), &["pull", &remote])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(400));
    let sent = std::time::Instant::now();
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let stderr = assert_fails(&child.wait_with_output().unwrap());
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "cancel took {:?}",
        sent.elapsed()
    );
    assert!(
        stderr.contains("error: the transfer was cancelled"),
        "{stderr}"
    );
    assert!(Store::open(dst.path()).unwrap().resolve(&remote).is_err());

    *proxy.slow.lock().unwrap() = None;
    let got = json(dst.path(), &["pull", &remote, "--json"]);
    assert_eq!(got["digest"], img.manifest_digest);
    assert_eq!(pulled(dst.path(), &remote).to_string(), img.manifest_digest);
}

/// A stand-in for object storage: serves one blob to anyone and records the request heads.
fn storage(blob: Vec<u8>) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            seen.lock().unwrap().push(head);
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                blob.len()
            );
            let _ = conn.write_all(&blob);
        }
    });
    (addr, heads)
}

#[test]
fn a_blob_redirected_to_another_host_is_fetched_without_the_credentials() {
    let registry = start_registry("htpasswd");
    let proxy = Proxy::default();
    let addr = proxy.start(registry.addr);
    let remote = format!("127.0.0.1:{}/r:1", addr.port());
    let img = random_image(7, &[50_000]);
    let home = tempfile::tempdir().unwrap();
    put_image(home.path(), &img, "r:1");
    let c = creds();
    json(
        home.path(),
        &["push", "r:1", &remote, "--json", "--creds", &c],
    );

    let layer = &img.layers[0];
    let (storage_addr, heads) = storage(layer.gzip.clone());
    proxy.once(
        "GET",
        &layer.digest,
        Fault::Redirect(format!("http://{storage_addr}/bucket/blob?X-Signature=abc")),
    );
    let dst = tempfile::tempdir().unwrap();
    let got = json(dst.path(), &["pull", &remote, "--json", "--creds", &c]);
    assert_eq!(got["digest"], img.manifest_digest);
    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 1, "the blob came from the storage host");
    assert!(
        heads[0].starts_with("GET /bucket/blob?X-Signature=abc "),
        "{}",
        heads[0]
    );
    assert!(
        !heads[0].to_ascii_lowercase().contains("authorization"),
        "credentials went to another host: {}",
        heads[0]
    );
}
