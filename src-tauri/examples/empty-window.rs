//! The floor of this stack, for `make bench-app`: an empty Tauri 2 window on the same
//! WebKitGTK, built with the same crates and profile as the app and opened from the
//! same `tauri.conf.json` window, showing one line of text and nothing else (no core,
//! no cache, no UI bundle). The bench measures its memory and its spawn-to-first-paint
//! beside the app's, in the same run.
//!
//! The line carries the `ticket-row` test id so the bench's cold-start probe (the
//! first ticket row painted) measures both windows the same way.

use std::borrow::Cow;
use tauri::utils::assets::{AssetKey, AssetsIter, CspHash};
use tauri::{App, Assets, Wry};

const PAGE: &[u8] = b"<!doctype html><meta charset=utf-8><title>Empty</title>\
    <p data-testid=\"ticket-row\">An empty Tauri window</p>";

/// Serves the page above for every path, in place of the app's UI bundle.
struct OnePage;

impl Assets<Wry> for OnePage {
    fn setup(&self, _app: &App<Wry>) {}

    fn get(&self, _key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        Some(Cow::Borrowed(PAGE))
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        Box::new(std::iter::once((
            Cow::Borrowed("/index.html"),
            Cow::Borrowed(PAGE),
        )))
    }

    fn csp_hashes(&self, _html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        Box::new(std::iter::empty())
    }
}

fn main() -> anyhow::Result<()> {
    let mut context = tauri::generate_context!();
    context.set_assets(Box::new(OnePage));
    tauri::Builder::default()
        .setup(|app| {
            // tauri.conf.json leaves the window to the app's setup (first_page.rs).
            let main = outpost_app::first_page::MAIN_WINDOW;
            let config = app.config().app.windows.iter().find(|w| w.label == main);
            let config = config.ok_or("tauri.conf.json has no main window")?.clone();
            tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?.build()?;
            Ok(())
        })
        .run(context)?;
    Ok(())
}
