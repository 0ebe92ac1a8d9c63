//! A mirror that tampers: it serves the right manifest but a layer whose bytes differ from
//! its digest. The pull must refuse what it served and take the image from the origin.

// Tests and benches make their fixtures with plain paths (clippy.toml is for src/).
#![allow(clippy::disallowed_methods)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use strata_core::reference::Reference;
use strata_core::registry::mirrors::Mirror;
use strata_core::registry::RegistryOptions;
use strata_core::store::Store;
use strata_core::task::{NoProgress, TaskCtx};
use strata_core::transfer::{self, PullOptions, PushOptions};
use strata_testkit::fixtures::Image;
use strata_testkit::registry::{Auth, Registry};
use tokio_util::sync::CancellationToken;

mod support;

/// Serves `image` with every layer's last byte flipped; counts the blob requests.
fn tampering_mirror(image: Image) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let blobs = Arc::new(AtomicUsize::new(0));
    let counter = blobs.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer(stream, &image, &counter);
        }
    });
    (host, blobs)
}

fn answer(mut stream: TcpStream, image: &Image, blobs: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        // The client's TLS attempt comes first: not for us.
        if !head.starts_with(&b"GET "[..head.len().min(4)])
            && !head.starts_with(&b"HEAD"[..head.len().min(4)])
        {
            return;
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let path = text.split(' ').nth(1).unwrap_or_default().to_string();
    let (content_type, body): (&str, Vec<u8>) = if path == "/v2/" {
        ("application/json", b"{}".to_vec())
    } else if path.contains("/manifests/") {
        (image.manifest_media_type, image.manifest.clone())
    } else if let Some(digest) = path.split("/blobs/").nth(1) {
        blobs.fetch_add(1, Ordering::SeqCst);
        let Some((_, bytes)) = image.blobs().into_iter().find(|(d, _)| *d == digest) else {
            return;
        };
        let mut bytes = bytes.to_vec();
        if digest != image.config_digest {
            if let Some(last) = bytes.last_mut() {
                *last ^= 0xff;
            }
        }
        ("application/octet-stream", bytes)
    } else {
        return;
    };
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Docker-Content-Digest: {}\r\nConnection: close\r\n\r\n",
        body.len(),
        image.manifest_digest,
    );
    if !text.starts_with("HEAD") {
        let _ = stream.write_all(&body);
    }
}

#[tokio::test]
async fn a_layer_from_a_mirror_that_does_not_match_its_digest_is_refused_and_the_origin_serves_it()
{
    let origin = Registry::start(Auth::None).unwrap();
    let src = tempfile::tempdir().unwrap();
    let image = support::random_image("mirrored", &[30_000], 4242);
    let store = Store::open(src.path()).unwrap();
    support::put_image(&store, &image, "app:1");
    let remote = Reference::parse(&format!("{}/ns/app:1", origin.host())).unwrap();
    let cancel = CancellationToken::new();
    transfer::push(
        &store,
        "app:1",
        &remote,
        &PushOptions::default(),
        TaskCtx::new(&NoProgress, &cancel),
    )
    .await
    .unwrap();

    let (mirror, blob_requests) = tampering_mirror(image.clone());
    let dst = tempfile::tempdir().unwrap();
    let dst_store = Store::open(dst.path()).unwrap();
    let pulled = transfer::pull(
        &dst_store,
        &remote,
        &PullOptions {
            mirrors: vec![Mirror {
                host: mirror,
                options: RegistryOptions::default(),
            }],
            ..Default::default()
        },
        TaskCtx::new(&NoProgress, &cancel),
    )
    .await
    .unwrap();
    assert_eq!(pulled.digest.to_string(), image.manifest_digest);
    assert_eq!(pulled.mirror, None, "the tampering mirror was believed");
    assert!(blob_requests.load(Ordering::SeqCst) > 0);
    assert!(dst_store.fsck().unwrap().is_clean());
}
