//! The one place network commands get their async runtime.

use std::future::Future;

use crate::vocabulary::CliCode;
use strata_core::problem::Problem;

/// Runs one async engine call on a fresh runtime.
///
/// `main` restores SIGPIPE's default action so that `strata images | head` ends quietly.
/// For network work that would be fatal: a registry or proxy that resets a connection while
/// a request body is being written raises SIGPIPE on the socket (hyper writes with
/// `writev`, which has no `MSG_NOSIGNAL`) and kills the process instead of letting the
/// client retry. So SIGPIPE is ignored again here, before any thread starts; the write then
/// fails with EPIPE, which the retry logic handles.
pub fn block_on<F: Future>(work: F) -> Result<F::Output, Problem> {
    #[cfg(unix)]
    // SAFETY: called before the runtime (and any thread) starts; SIG_IGN is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Problem::new(
                CliCode::Runtime,
                format!("cannot start the async runtime: {e}"),
            )
        })?;
    Ok(rt.block_on(work))
}
