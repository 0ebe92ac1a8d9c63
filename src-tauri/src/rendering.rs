//! How the webview draws, chosen before GTK starts (idle memory).
//!
//! WebKitGTK composites pages through OpenGL. With a GPU that is the fast path; without one
//! (a VM, a remote desktop, Xvfb in CI) Mesa provides GL in software through llvmpipe,
//! which maps libLLVM into the UI and web processes and costs about 75 MB of idle memory
//! while drawing no faster than WebKit's own CPU path. So when the machine has no GPU
//! render node, the app asks WebKit not to use accelerated compositing. A person can
//! still choose either way by setting `WEBKIT_DISABLE_COMPOSITING_MODE` themselves (`1`
//! off, `0` on); the app never overrides it.

/// WebKitGTK's switch for accelerated compositing.
const COMPOSITING_ENV: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// What [`choose`] decided, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositing {
    /// The person set the variable: left as they set it.
    AsConfigured,
    /// A GPU is there: WebKit's default (accelerated).
    Gpu,
    /// No GPU: accelerated compositing turned off.
    Cpu,
}

/// Must run before any thread starts and before GTK initialises (first thing in `main`):
/// WebKit reads the variable once, and changing the environment is only sound while the
/// process is single-threaded.
pub fn choose() -> Compositing {
    if std::env::var_os(COMPOSITING_ENV).is_some() {
        return Compositing::AsConfigured;
    }
    if has_gpu_render_node() {
        return Compositing::Gpu;
    }
    std::env::set_var(COMPOSITING_ENV, "1");
    Compositing::Cpu
}

/// A DRM render node (`/dev/dri/renderD128`, …) is what Mesa's hardware drivers open; with
/// none, GL can only be llvmpipe.
#[cfg(target_os = "linux")]
fn has_gpu_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// macOS and Windows webviews choose their own rendering; nothing to do there.
#[cfg(not(target_os = "linux"))]
fn has_gpu_render_node() -> bool {
    true
}

/// WebKit's memory caches sized for a one-page app, not a browser: set on the window's web
/// context once it exists (`setup`). `DocumentViewer` turns off the back/forward page cache
/// and keeps the in-memory resource cache small; the app never navigates, and everything it
/// loads comes from its own binary, so nothing is lost but idle memory (make bench-startup).
#[cfg(target_os = "linux")]
pub fn tune_webviews<R: tauri::Runtime>(app: &tauri::App<R>) {
    use tauri::Manager;
    use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
    for window in app.webview_windows().values() {
        let tuned = window.with_webview(|webview| {
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        if let Err(err) = tuned {
            eprintln!("warning: could not size the webview's caches: {err}");
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn tune_webviews<R: tauri::Runtime>(_app: &tauri::App<R>) {}
