//! The floor of this stack, for `make bench-app`: an empty Tauri 2 window on the same
//! WebKitGTK, built with the same crates and profile as the app, showing one line of
//! text and nothing else (no core, no cache, no UI bundle). The bench measures its
//! memory and its spawn-to-first-paint beside the app's, in the same run.
//!
//! The line carries the `ticket-row` test id so the bench's cold-start probe (the
//! first ticket row painted) measures both windows the same way.

use tauri::{WebviewUrl, WebviewWindowBuilder};

const PAGE: &str = "data:text/html;charset=utf-8,<!doctype html><title>Empty</title>\
    <p data-testid=\"ticket-row\">An empty Tauri window</p>";

fn main() -> anyhow::Result<()> {
    let mut context = tauri::generate_context!();
    // The app's window from tauri.conf.json is not made: this one shows the page above.
    for window in &mut context.config_mut().app.windows {
        window.create = false;
    }
    tauri::Builder::default()
        .setup(|app| {
            WebviewWindowBuilder::new(app, "main", WebviewUrl::External(PAGE.parse()?))
                .title("Empty")
                .inner_size(1280.0, 800.0)
                .build()?;
            Ok(())
        })
        .run(context)?;
    Ok(())
}
