//! Bodies on their way through the proxy: counted into the log, throttled, and cut at an
//! exact byte, one frame at a time so that a blob is never held whole.
//!
//! Cutting a response needs care: hyper drops its unsent write buffer when a body fails,
//! so failing the body right after the last allowed bytes could lose some of them. A cut
//! response body instead *arms* its connection's [`CutSignal`] and waits; the connection's
//! [`CutIo`] fails at the next flush, which hyper only calls once every queued byte is
//! in the socket. A cut request body simply fails: the upload is aborted and nothing is
//! owed to the client.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::log::{Entry, Side};

pub(crate) type BoxError = Box<dyn StdError + Send + Sync>;
/// Every body the proxy sends or forwards.
pub(crate) type ProxyBody = UnsyncBoxBody<Bytes, BoxError>;

/// The error a cut body fails with.
#[derive(Debug, thiserror::Error)]
#[error("connection cut by the strata-testkit proxy")]
pub(crate) struct Cut;

/// Set by a cut response body once its last allowed byte is queued.
#[derive(Debug, Default)]
pub(crate) struct CutSignal {
    armed: AtomicBool,
}

impl CutSignal {
    fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    fn is_armed(&self) -> bool {
        self.armed.load(Ordering::SeqCst)
    }
}

/// What happens when a [`Tap`] reaches its limit.
pub(crate) enum OnCut {
    /// A request body: fail, which aborts the upstream request.
    Fail,
    /// A response body: arm the client connection and wait for it to close.
    Arm(Arc<CutSignal>),
}

/// How a [`Tap`] treats its bytes.
pub(crate) struct TapConfig {
    pub(crate) side: Side,
    /// Pass this many bytes, then cut (only if more follow).
    pub(crate) cut_after: Option<(u64, OnCut)>,
    pub(crate) bytes_per_sec: Option<u64>,
}

/// A body that counts, throttles and cuts another.
pub(crate) struct Tap<B> {
    inner: B,
    entry: Arc<Entry>,
    config: TapConfig,
    /// Data taken from `inner` but not yet passed on (throttling splits frames).
    pending: Bytes,
    sent: u64,
    cutting: bool,
    pause: Option<Pin<Box<Sleep>>>,
}

impl<B> Tap<B> {
    pub(crate) fn new(inner: B, entry: Arc<Entry>, config: TapConfig) -> Self {
        Self {
            inner,
            entry,
            config,
            pending: Bytes::new(),
            sent: 0,
            cutting: false,
            pause: None,
        }
    }
}

impl<B> Body for Tap<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        loop {
            if let Some(pause) = &mut this.pause {
                ready!(pause.as_mut().poll(cx));
                this.pause = None;
            }
            if this.cutting {
                return match &this.config.cut_after {
                    Some((_, OnCut::Arm(signal))) => {
                        signal.arm();
                        // No wake-up needed: the connection fails at its next flush,
                        // which follows this Pending, and takes this body with it.
                        Poll::Pending
                    }
                    _ => Poll::Ready(Some(Err(Box::new(Cut)))),
                };
            }
            if this.pending.is_empty() {
                match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                    None => return Poll::Ready(None),
                    Some(Err(e)) => return Poll::Ready(Some(Err(e.into()))),
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => this.pending = data,
                        Err(trailers) => return Poll::Ready(Some(Ok(trailers))),
                    },
                }
                continue;
            }
            let mut take = this.pending.len();
            if let Some((limit, _)) = &this.config.cut_after {
                let room = limit.saturating_sub(this.sent);
                if room == 0 {
                    // More data exists beyond the limit: this is the cut.
                    this.cutting = true;
                    this.entry.set_cut();
                    continue;
                }
                take = take.min(usize::try_from(room).unwrap_or(usize::MAX));
            }
            if let Some(rate) = this.config.bytes_per_sec.filter(|r| *r > 0) {
                // Twenty slices a second keep a progress bar moving smoothly.
                let slice = usize::try_from((rate / 20).max(1)).unwrap_or(usize::MAX);
                take = take.min(slice);
                let secs = take as f64 / rate as f64;
                this.pause = Some(Box::pin(tokio::time::sleep(Duration::from_secs_f64(secs))));
            }
            let chunk = this.pending.split_to(take);
            this.sent += take as u64;
            this.entry.add_bytes(this.config.side, take as u64);
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
    }

    fn is_end_stream(&self) -> bool {
        !self.cutting && self.pending.is_empty() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        // hyper reads this before the first frame, to choose Content-Length framing.
        let inner = self.inner.size_hint();
        let extra = self.pending.len() as u64;
        let mut hint = SizeHint::new();
        hint.set_lower(inner.lower() + extra);
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper + extra);
        }
        hint
    }
}

/// The client's socket, which fails its next flush once its [`CutSignal`] is armed.
pub(crate) struct CutIo {
    stream: TcpStream,
    signal: Arc<CutSignal>,
}

impl CutIo {
    pub(crate) fn new(stream: TcpStream, signal: Arc<CutSignal>) -> Self {
        Self { stream, signal }
    }
}

impl AsyncRead for CutIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CutIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(Pin::new(&mut self.stream).poll_flush(cx))?;
        if self.signal.is_armed() {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionAborted, Cut)));
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
