//! The window's page carries the start-up answer. WebKit asks the shell for the page
//! a quarter of a second after the spawn, long after the read-ahead of the saved
//! session's first screen is done ([`AppState::open_at_start`]); the page then comes
//! with that answer ([`Boot`]) as a JSON data block, and the UI builds its first screen
//! from it without a `boot` call: one round trip and a "Loading" frame less before
//! the list is painted. When the answer is not ready, or was given already (a reload),
//! or the page comes from a dev server, the page is served as built and the UI asks
//! `boot`, which waits for the read-ahead, reads again or reports the error.

use crate::commands::session::Boot;
use crate::state::AppState;
use std::borrow::Cow;
use tauri::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tauri::http::{Request, Response};
use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, Runtime, WebviewWindow, WebviewWindowBuilder};

/// The window the app opens on. tauri.conf.json declares it with `create: false` so
/// that [`open_main_window`] builds it, with the page served here.
pub const MAIN_WINDOW: &str = "main";

/// The `id` of the page's data block; the UI reads and removes it.
pub const BOOT_ELEMENT_ID: &str = "outpost-boot";

/// Build the main window from its configuration, its page carrying the start-up answer.
/// The window stays hidden until its page has loaded (at most [`SHOW_AT_THE_LATEST`]):
/// it appears with its rows, and WebKitGTK's CPU painting (rendering.rs) does not draw
/// a window whose web process is still starting, which stalled one start in ten by
/// half a second. Nothing to do when the configuration has no such window (tests) or
/// Tauri made it.
pub fn open_main_window<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let Some(config) = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW && !w.create)
    else {
        return Ok(());
    };
    let serving = app.clone();
    let window = WebviewWindowBuilder::from_config(app, config)?
        .visible(false)
        .on_page_load(|window, payload| {
            if matches!(payload.event(), PageLoadEvent::Finished) {
                show(&window);
            }
        })
        .on_web_resource_request(move |request, response| serve(&serving, &request, response))
        .build()?;
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SHOW_AT_THE_LATEST).await;
        show(&window);
    });
    Ok(())
}

/// The window is shown once its page has loaded, or after this long whatever happened
/// to the page.
pub const SHOW_AT_THE_LATEST: std::time::Duration = std::time::Duration::from_secs(3);

/// Show the main window (hidden while its page loads: see [`open_main_window`]).
fn show<R: Runtime>(window: &WebviewWindow<R>) {
    if !window.is_visible().unwrap_or(false)
        && let Err(e) = window.show()
    {
        tracing::warn!("could not show the main window: {e}");
    }
}

/// Put the start-up answer in `response` when it is the app's page and the answer is
/// ready; leave every other response as it is.
fn serve<R: Runtime>(
    app: &AppHandle<R>,
    request: &Request<Vec<u8>>,
    response: &mut Response<Cow<'static, [u8]>>,
) {
    if !is_page(request, response) {
        return;
    }
    let Some(boot) = app.try_state::<AppState>().and_then(|s| Boot::early(&s)) else {
        return;
    };
    match with_boot(response.body(), &boot) {
        Some(page) => {
            *response.body_mut() = Cow::Owned(page);
            response.headers_mut().remove(CONTENT_LENGTH);
        }
        // The UI's `boot` then reads the first screen again.
        None => tracing::warn!("the app's page has no </head>: served without the start-up answer"),
    }
}

/// The app's HTML page, as served.
fn is_page<B>(request: &Request<Vec<u8>>, response: &Response<B>) -> bool {
    matches!(request.uri().path(), "/" | "/index.html")
        && response.status().is_success()
        && response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
}

/// `html` with `boot` as a JSON data block just before its first `</head>`; `None`
/// without one. The UI's build keeps its code out of the head (ui/build/inlineBundle.ts),
/// so the first `</head>` is the head's end even though the code has one in a string.
pub fn with_boot(html: &[u8], boot: &Boot) -> Option<Vec<u8>> {
    const END_OF_HEAD: &[u8] = b"</head>";
    let at = html
        .windows(END_OF_HEAD.len())
        .position(|w| w.eq_ignore_ascii_case(END_OF_HEAD))?;
    let block = format!(
        r#"<script id="{BOOT_ELEMENT_ID}" type="application/json">{}</script>"#,
        script_safe_json(boot)
    );
    let mut page = Vec::with_capacity(html.len() + block.len());
    page.extend_from_slice(&html[..at]);
    page.extend_from_slice(block.as_bytes());
    page.extend_from_slice(&html[at..]);
    Some(page)
}

/// `value` as JSON that cannot end or break out of the `<script>` element holding it:
/// `<`, `>` and `&` (which JSON has only inside strings) as `\u` escapes, so a ticket's
/// subject of `</script><img onerror=…>` stays text.
fn script_safe_json<T: serde::Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("the start-up answer serializes");
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::AppInfo;

    fn boot() -> Boot {
        Boot {
            info: AppInfo {
                version: "1.2.3".into(),
                default_server: Some(
                    "http://a/?x=1&y=</script><img src=x onerror=alert(1)>".into(),
                ),
                demo: None,
            },
            account: None,
            error: None,
            first_screen: None,
        }
    }

    const PAGE: &[u8] =
        b"<!doctype html><html><head><title>Outpost</title></HEAD><body></body></html>";

    fn block(page: &[u8]) -> String {
        let page = String::from_utf8(page.to_vec()).unwrap();
        let start = page.find("<script id=\"outpost-boot\"").unwrap();
        let body = &page[start..];
        let open_end = body.find('>').unwrap() + 1;
        let close = body.find("</script>").unwrap();
        body[open_end..close].to_owned()
    }

    #[test]
    fn the_answer_goes_before_the_end_of_head_and_reads_back() {
        let page = with_boot(PAGE, &boot()).unwrap();
        let text = String::from_utf8(page.clone()).unwrap();
        assert!(text.starts_with("<!doctype html><html><head><title>Outpost</title><script"));
        assert!(text.ends_with("</script></HEAD><body></body></html>"));
        let back: Boot = serde_json::from_str(&block(&page)).unwrap();
        assert_eq!(back.info, boot().info);
    }

    #[test]
    fn nothing_in_the_answer_can_close_its_element() {
        let page = with_boot(PAGE, &boot()).unwrap();
        let json = block(&page);
        // The data block ends at the first `</script>`: the whole answer is inside it.
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        assert!(json.contains(r"\u003c/script\u003e\u003cimg"));
    }

    /// The built UI (ui/dist, which this crate embeds) carries its code inline, and its
    /// code has `</head>` in a string: the page's head must end before any of it.
    #[test]
    fn in_the_built_page_the_answer_goes_in_the_head_before_the_code() {
        let built = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/dist/index.html");
        let built = std::fs::read(built).expect("ui/dist is built before the app compiles");
        let page = String::from_utf8(with_boot(&built, &boot()).unwrap()).unwrap();
        let answer = page.find(r#"<script id="outpost-boot""#).unwrap();
        let head_end = page.find("</head>").unwrap();
        let code = page.find("<script type=\"module\"").unwrap_or(page.len());
        assert!(
            answer < head_end && head_end < code,
            "answer {answer}, </head> {head_end}, code {code}"
        );
        let back: Boot = serde_json::from_str(&block(page.as_bytes())).unwrap();
        assert_eq!(back.info, boot().info);
    }

    #[test]
    fn a_page_without_a_head_is_left_alone() {
        assert_eq!(with_boot(b"<html><body></body></html>", &boot()), None);
    }

    #[test]
    fn only_the_html_page_is_the_page() {
        let req = |path: &str| {
            Request::get(format!("tauri://localhost{path}"))
                .body(Vec::new())
                .unwrap()
        };
        let res = |mime: &str| {
            Response::builder()
                .header(CONTENT_TYPE, mime)
                .body(())
                .unwrap()
        };
        assert!(is_page(&req("/"), &res("text/html")));
        assert!(is_page(
            &req("/index.html"),
            &res("text/html; charset=utf-8")
        ));
        assert!(!is_page(&req("/assets/index.js"), &res("text/javascript")));
        assert!(!is_page(&req("/other.html"), &res("text/html")));
        assert!(!is_page(&req("/index.html"), &res("text/plain")));
        let missing = Response::builder()
            .status(404)
            .header(CONTENT_TYPE, "text/html")
            .body(())
            .unwrap();
        assert!(!is_page(&req("/index.html"), &missing));
    }
}
