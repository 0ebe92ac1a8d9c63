//! The reverse proxy itself: accepts HTTP/1.1 connections, picks the rule for each
//! request, and forwards the rest to the registry with bodies streamed both ways.
//!
//! Hop-by-hop headers (RFC 9110 §7.6.1) are dropped in both directions and hyper
//! re-frames the bodies; `Location` headers that point at the registry are rewritten to
//! point at the proxy, so that an upload session continues through it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::oneshot;

use super::body::{BoxError, Cut, CutIo, CutSignal, OnCut, ProxyBody, Tap, TapConfig};
use super::log::{lock, Entry, Log, Side};
use super::rule::{self, Action, Compiled};
use super::tags;

/// State shared by every connection of one proxy.
pub(crate) struct Shared {
    pub(crate) upstream: SocketAddr,
    pub(crate) addr: SocketAddr,
    pub(crate) rules: Mutex<Vec<Compiled>>,
    pub(crate) log: Log,
}

/// What the proxy does to a forwarded exchange.
#[derive(Debug, Default, Clone, Copy)]
struct Faults {
    cut_response: Option<u64>,
    cut_request: Option<u64>,
    bytes_per_sec: Option<u64>,
}

/// The upstream HTTP client (pooled keep-alive connections to the registry).
pub(crate) type Upstream = Client<HttpConnector, ProxyBody>;

/// Accepts connections until `stop` fires.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let client: Upstream = Client::builder(TokioExecutor::new()).build_http();
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of file descriptors or an aborted handshake: keep serving.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                let client = client.clone();
                tokio::spawn(async move {
                    let signal = Arc::new(CutSignal::default());
                    let io = TokioIo::new(CutIo::new(stream, Arc::clone(&signal)));
                    let service = service_fn(move |req| {
                        handle(
                            Arc::clone(&shared),
                            client.clone(),
                            Arc::clone(&signal),
                            req,
                        )
                    });
                    // Errors here are cuts and clients that hung up: nothing to report.
                    let _ = http1::Builder::new().serve_connection(io, service).await;
                });
            }
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    client: Upstream,
    signal: Arc<CutSignal>,
    req: Request<Incoming>,
) -> Result<Response<ProxyBody>, BoxError> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let range = req
        .headers()
        .get(header::RANGE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let fired = rule::pick(&mut lock(&shared.rules), &method, &path, &query);
    let entry = shared.log.open(
        &method,
        &path,
        &query,
        range,
        fired.as_ref().map(|f| f.label.clone()),
    );
    let mut faults = Faults::default();
    let response = match fired.map(|f| f.action) {
        Some(Action::Status {
            code,
            retry_after,
            body,
        }) => {
            drain(req.into_body(), &entry).await;
            injected(code, retry_after, body, &entry)
        }
        Some(Action::PaginateTags { page_size }) => {
            tags::paginate(&shared, &client, req, &entry, page_size).await?
        }
        action => {
            match action {
                Some(Action::Delay(delay)) => tokio::time::sleep(delay).await,
                Some(Action::CutAfter { bytes }) => faults.cut_response = Some(bytes),
                Some(Action::CutUploadAfter { bytes }) => faults.cut_request = Some(bytes),
                Some(Action::Throttle { bytes_per_sec }) => {
                    faults.bytes_per_sec = Some(bytes_per_sec)
                }
                _ => {}
            }
            forward(&shared, &client, req, &entry, faults, signal).await?
        }
    };
    entry.set_status(response.status().as_u16());
    Ok(response)
}

async fn forward(
    shared: &Shared,
    client: &Upstream,
    req: Request<Incoming>,
    entry: &Arc<Entry>,
    faults: Faults,
    signal: Arc<CutSignal>,
) -> Result<Response<ProxyBody>, BoxError> {
    let (parts, body) = req.into_parts();
    let body = Tap::new(
        body,
        Arc::clone(entry),
        TapConfig {
            side: Side::Request,
            cut_after: faults.cut_request.map(|n| (n, OnCut::Fail)),
            bytes_per_sec: faults.bytes_per_sec,
        },
    );
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_string();
    let answer = send(
        shared,
        client,
        parts.method,
        &path_and_query,
        &parts.headers,
        ProxyBody::new(body),
        entry,
    )
    .await;
    let response = match answer {
        Ok(response) => response,
        // The upload was cut on purpose: hang up on the client without an answer.
        Err(_) if entry.is_cut() => return Err(Box::new(Cut)),
        Err(e) => return Ok(bad_gateway(&e, entry)),
    };
    Ok(relay(
        shared,
        response,
        entry,
        TapConfig {
            side: Side::Response,
            cut_after: faults.cut_response.map(|n| (n, OnCut::Arm(signal))),
            bytes_per_sec: faults.bytes_per_sec,
        },
    ))
}

/// Sends a request to the registry with the client's end-to-end headers.
pub(crate) async fn send(
    shared: &Shared,
    client: &Upstream,
    method: http::Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: ProxyBody,
    entry: &Entry,
) -> Result<Response<Incoming>, BoxError> {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("http://{}{path_and_query}", shared.upstream))
        .body(body)?;
    let out = request.headers_mut();
    for (name, value) in headers {
        // Host is set by the client from the URI; Expect would make the registry send a
        // 100 Continue that the client has nothing to do with.
        if !is_hop_by_hop(name) && name != header::HOST && name != header::EXPECT {
            out.append(name.clone(), value.clone());
        }
    }
    entry.set_forwarded();
    Ok(client.request(request).await?)
}

/// The registry's response, with hop-by-hop headers dropped, `Location` pointed at the
/// proxy, and the body tapped.
pub(crate) fn relay(
    shared: &Shared,
    response: Response<Incoming>,
    entry: &Arc<Entry>,
    config: TapConfig,
) -> Response<ProxyBody> {
    let (mut parts, body) = response.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    if let Some(location) = parts.headers.get(header::LOCATION) {
        let text = String::from_utf8_lossy(location.as_bytes());
        let rewritten = rewrite_location(&text, shared.upstream, shared.addr);
        if let Ok(value) = HeaderValue::from_str(&rewritten) {
            parts.headers.insert(header::LOCATION, value);
        }
    }
    let body = Tap::new(body, Arc::clone(entry), config);
    Response::from_parts(parts, ProxyBody::new(body))
}

/// Points an absolute URL on the registry at the proxy; relative ones already resolve
/// against the proxy.
pub(crate) fn rewrite_location(location: &str, upstream: SocketAddr, proxy: SocketAddr) -> String {
    let origins = [
        format!("http://{upstream}"),
        format!("http://localhost:{}", upstream.port()),
    ];
    for origin in &origins {
        if let Some(rest) = location.strip_prefix(origin.as_str()) {
            if rest.is_empty() || rest.starts_with(['/', '?']) {
                return format!("http://{proxy}{rest}");
            }
        }
    }
    location.to_string()
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let names: Vec<HeaderName> = headers
        .keys()
        .filter(|name| is_hop_by_hop(name))
        .cloned()
        .collect();
    for name in names {
        headers.remove(name);
    }
}

/// Reads and discards a request body, as a server answering an error still does (so the
/// client gets the answer instead of a broken pipe).
async fn drain(mut body: Incoming, entry: &Entry) {
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    entry.add_bytes(Side::Request, data.len() as u64);
                }
            }
            Err(_) => break,
        }
    }
}

/// A small body sent whole, counted into the log.
pub(crate) fn full(bytes: impl Into<Bytes>, entry: &Entry) -> ProxyBody {
    let bytes = bytes.into();
    entry.add_bytes(Side::Response, bytes.len() as u64);
    ProxyBody::new(Full::new(bytes).map_err(|never| match never {}))
}

/// A distribution-style error body: `{"errors":[{"code","message","detail"}]}`.
fn error_json(code: &str, message: &str) -> String {
    serde_json::json!({
        "errors": [{"code": code, "message": message, "detail": null}]
    })
    .to_string()
}

/// An answer the proxy makes up, with the headers distribution sends.
pub(crate) fn made_up(status: u16, body: String, entry: &Entry) -> Response<ProxyBody> {
    let content_type = if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
        "application/json; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut response = Response::new(full(body, entry));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        "docker-distribution-api-version",
        HeaderValue::from_static("registry/2.0"),
    );
    response
}

/// A distribution-style error answer.
pub(crate) fn error_response(
    status: u16,
    code: &str,
    message: &str,
    entry: &Entry,
) -> Response<ProxyBody> {
    made_up(status, error_json(code, message), entry)
}

fn injected(
    status: u16,
    retry_after: Option<u64>,
    body: String,
    entry: &Entry,
) -> Response<ProxyBody> {
    let body = if body.is_empty() {
        let code = match status {
            429 => "TOOMANYREQUESTS",
            502..=504 => "UNAVAILABLE",
            _ => "UNKNOWN",
        };
        error_json(code, "injected by the strata-testkit proxy")
    } else {
        body
    };
    let mut response = made_up(status, body, entry);
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn bad_gateway(error: &BoxError, entry: &Entry) -> Response<ProxyBody> {
    error_response(
        502,
        "UNAVAILABLE",
        &format!("the strata-testkit proxy could not reach the registry: {error}"),
        entry,
    )
}
