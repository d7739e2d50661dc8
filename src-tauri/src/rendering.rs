//! How the webview paints on Linux. WebKitGTK composites with OpenGL by default; the
//! app asks it to paint on the CPU instead. Measured with `make bench-app` (100k
//! tickets, one run each way, the same machine, Mesa's software GL as on a machine
//! without a GPU): `j` to the next ticket painted p50 51 → 18 ms, a search keystroke
//! p50 80 → 29 ms, scrolling all open tickets 18.8 → 9.7 s, and WebKit's web process
//! 207 → 121 MiB idle (502 → 349 MiB after that scroll). A list, a conversation and a
//! form gain nothing from GPU layers that costs this much.
//!
//! `OUTPOST_WEBKIT_COMPOSITING=1` keeps WebKit's own policy (to compare on a GPU).

/// The environment variable that keeps WebKit's default.
pub const KEEP_COMPOSITING_ENV: &str = "OUTPOST_WEBKIT_COMPOSITING";

/// Ask every webview of `app` to paint without accelerated compositing, unless
/// [`KEEP_COMPOSITING_ENV`] says otherwise. Called at setup, right after the windows
/// are made and before their pages have loaded.
#[cfg(target_os = "linux")]
pub fn paint_on_cpu<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};

    if std::env::var(KEEP_COMPOSITING_ENV).as_deref() == Ok("1") {
        return;
    }
    for (label, window) in app.webview_windows() {
        let done = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
        if let Err(e) = done {
            tracing::warn!("window {label}: could not set WebKit's compositing policy: {e}");
        }
    }
}

/// Other platforms keep their webview's default.
#[cfg(not(target_os = "linux"))]
pub fn paint_on_cpu<R: tauri::Runtime>(_app: &tauri::AppHandle<R>) {}
