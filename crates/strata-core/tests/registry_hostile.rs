//! A hostile registry: a tiny HTTP server on 127.0.0.1 (one request per connection).
//!
//! - Its listings never end: every tag or catalog page has a `Link` to another. Every
//!   listing must stop after a couple of pages with an error that says the listing does not
//!   end, rather than loop for ever.
//! - Its challenge names a plain-HTTP token realm on another host: no password may go there.

// Tests and benches make their fixtures with plain paths (clippy.toml is for src/).
#![allow(clippy::disallowed_methods)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use strata_core::catalog::{browse, tags, CatalogError};
use strata_core::registry::{Client, Credentials, RegistryError, RegistryOptions};

/// How the server misbehaves.
#[derive(Clone, Copy)]
enum Loop {
    /// Every page links to the same next page, each time with a new name in it.
    SameLink,
    /// Every page links to a new URL, each time with the same names.
    SameContent,
    /// Every request gets a 401 whose Bearer challenge names this realm.
    Realm(&'static str),
}

/// The looping registry; `pages` counts the listing pages it served.
struct Server {
    host: String,
    pages: Arc<AtomicUsize>,
}

fn start(mode: Loop) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let pages = Arc::new(AtomicUsize::new(0));
    let counter = pages.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer(stream, mode, &counter);
        }
    });
    Server { host, pages }
}

/// Reads one request's head; `None` for anything that is not plain HTTP (the client's TLS
/// attempt comes first).
fn request_target(stream: &mut TcpStream) -> Option<String> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
        if !head.starts_with(&b"GET "[..head.len().min(4)]) {
            return None;
        }
    }
    let line = String::from_utf8_lossy(&head).lines().next()?.to_string();
    line.split(' ').nth(1).map(str::to_string)
}

fn answer(mut stream: TcpStream, mode: Loop, pages: &AtomicUsize) {
    let Some(target) = request_target(&mut stream) else {
        return;
    };
    if let Loop::Realm(realm) = mode {
        return challenge(&mut stream, realm);
    }
    let path = target.split('?').next().unwrap_or_default().to_string();
    let (key, link_path) = match path.as_str() {
        "/v2/" => return respond(&mut stream, "{}", None),
        "/v2/_catalog" => ("repositories", path.clone()),
        p if p.ends_with("/tags/list") => ("tags", path.clone()),
        _ => return,
    };
    let k = pages.fetch_add(1, Ordering::SeqCst) + 1;
    let (names, next) = match mode {
        Loop::SameLink => (vec![format!("t{k}")], format!("{link_path}?n=1&last=t")),
        Loop::SameContent => (
            vec!["a".to_string(), "b".to_string()],
            format!("{link_path}?n=2&page={}", k + 1),
        ),
        Loop::Realm(_) => unreachable!("answered above"),
    };
    let body = serde_json::json!({ "name": "team/app", key: names }).to_string();
    respond(&mut stream, &body, Some(&format!("<{next}>; rel=\"next\"")));
}

fn respond(stream: &mut TcpStream, body: &str, link: Option<&str>) {
    let link = link.map(|l| format!("Link: {l}\r\n")).unwrap_or_default();
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n{link}\r\n{body}",
        body.len()
    );
}

fn challenge(stream: &mut TcpStream, realm: &str) {
    let body = r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#;
    let _ = write!(
        stream,
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\
         WWW-Authenticate: Bearer realm=\"{realm}\",service=\"hostile\"\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

async fn client(server: &Server) -> Client {
    Client::connect(&server.host, &RegistryOptions::default())
        .await
        .unwrap()
}

/// Runs a listing that must fail, bounded in time: without the bounds it never ends.
async fn fails<T: std::fmt::Debug, E>(
    listing: impl std::future::Future<Output = Result<T, E>>,
) -> E {
    match tokio::time::timeout(Duration::from_secs(60), listing).await {
        Ok(Ok(listed)) => panic!("the listing ended: {listed:?}"),
        Ok(Err(e)) => e,
        Err(_) => panic!("the listing was still going after 60 s"),
    }
}

fn is_protocol(err: &CatalogError) -> bool {
    matches!(err, CatalogError::Registry(RegistryError::Protocol { .. }))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tag_list_whose_link_loops_is_refused() {
    let server = start(Loop::SameLink);
    let client = client(&server).await;
    let err = fails(tags::list(&client, "team/app", 1, |_| {})).await;
    assert!(is_protocol(&err), "{err:?}");
    assert!(
        err.to_string()
            .contains("the tag list of team/app does not end: page 2 links back to"),
        "{err}"
    );
    assert_eq!(server.pages.load(Ordering::SeqCst), 2);

    let err = fails(client.list_tags("team/app")).await;
    assert!(err.to_string().contains("links back to"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tag_list_whose_pages_repeat_is_refused() {
    let server = start(Loop::SameContent);
    let client = client(&server).await;
    let err = fails(tags::list(&client, "team/app", 2, |_| {})).await;
    assert!(is_protocol(&err), "{err:?}");
    assert!(
        err.to_string().contains(
            "the tag list of team/app does not end: page 2 lists only names already listed"
        ),
        "{err}"
    );
    assert_eq!(server.pages.load(Ordering::SeqCst), 2);

    let err = fails(client.list_tags("team/app")).await;
    assert!(
        err.to_string().contains("lists only names already listed"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catalog_that_never_ends_is_refused() {
    for mode in [Loop::SameLink, Loop::SameContent] {
        let server = start(mode);
        let client = client(&server).await;
        let err = fails(browse::list_catalog(&client, 2, |_| {})).await;
        assert!(is_protocol(&err), "{err:?}");
        assert!(
            err.to_string().contains("the catalog does not end: page 2"),
            "{err}"
        );
        assert_eq!(server.pages.load(Ordering::SeqCst), 2);

        // The tree says so too, rather than showing a catalog cut at its maximum.
        let err = fails(browse::repositories(&client, &[], &Default::default())).await;
        assert!(is_protocol(&err), "{err:?}");

        let err = fails(client.list_repositories()).await;
        assert!(
            err.to_string().contains("the catalog does not end"),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_password_goes_to_a_plain_http_realm_on_another_host() {
    // `.invalid` never resolves: without the check the error would be a failed connection.
    let server = start(Loop::Realm("http://token.invalid/token"));
    let options = RegistryOptions {
        credentials: Credentials::basic("ann", "secret"),
        ..Default::default()
    };
    let client = Client::connect(&server.host, &options).await.unwrap();
    let err = client.list_tags("team/app").await.unwrap_err();
    assert!(
        matches!(&err, RegistryError::UnsafeRealm { realm, .. } if realm == "http://token.invalid/token"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("credentials go to another host only over https"),
        "{err}"
    );
}
