//! Ctrl-C, once for the whole process: the first press cancels the one token every long
//! command hands the engine, instead of killing the process, so that the engine stops
//! cleanly (no partial image, no temporary file, no half-made container). Commands that
//! do no long work never install it, and Ctrl-C ends them as usual.

use std::sync::OnceLock;

use tokio_util::sync::CancellationToken;

/// The process's token, raised by Ctrl-C once [`token`] has been asked for.
static TOKEN: OnceLock<CancellationToken> = OnceLock::new();

/// The token that Ctrl-C cancels. The first call starts listening for Ctrl-C (on a small
/// thread of its own, so that blocking and async commands alike can use it).
pub fn token() -> CancellationToken {
    TOKEN
        .get_or_init(|| {
            let token = CancellationToken::new();
            listen(token.clone());
            token
        })
        .clone()
}

/// Cancels `token` at the first Ctrl-C. A process that cannot listen (no runtime) keeps
/// the default action: Ctrl-C then ends it at once.
fn listen(token: CancellationToken) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                token.cancel();
            }
        });
    });
}
