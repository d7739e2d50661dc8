//! How the webview paints on Linux. WebKitGTK composites with OpenGL by default; the
//! app asks it to paint on the CPU instead. Measured with `make bench-app` (100k
//! tickets, one run each way, the same machine, Mesa's software GL as on a machine
//! without a GPU): `j` to the next ticket painted p50 51 → 18 ms, a search keystroke
//! p50 80 → 29 ms, scrolling all open tickets 18.8 → 9.7 s, and WebKit's web process
//! 207 → 121 MiB idle (502 → 349 MiB after that scroll). A list, a conversation and a
//! form gain nothing from GPU layers that costs this much.
//!
//! It is asked through WebKit's environment variable, set by `main` before anything
//! else runs, rather than through the webview's settings: the window loads its page as
//! it is built, so a setting changed afterwards made WebKit start its web process with
//! OpenGL compositing and then leave it. With the variable the first page is painted
//! on the CPU from the start. On its own it stalled one start in ten by half a second
//! (the empty Tauri window too: WebKitGTK's, not the app's), which the window shown
//! only once its page has loaded (first_page.rs) avoids: together, warm starts 49–55
//! ms sooner (median) in `make bench-app`'s alternated runs, and none stalled.
//! WebKit's processes inherit the variable, and so does anything the app launches (a
//! link opened in the browser): only WebKitGTK reads it.
//!
//! `OUTPOST_WEBKIT_COMPOSITING=1` keeps WebKit's own policy (to compare on a GPU); a
//! `WEBKIT_DISABLE_COMPOSITING_MODE` the user set is left as it is.

/// The environment variable that keeps WebKit's default.
pub const KEEP_COMPOSITING_ENV: &str = "OUTPOST_WEBKIT_COMPOSITING";

/// WebKitGTK's switch for painting without accelerated compositing.
pub const WEBKIT_NO_COMPOSITING_ENV: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// The environment variable `main` sets before the app starts, with its value, when it
/// should: on Linux, unless [`KEEP_COMPOSITING_ENV`] is `1` or the user already chose
/// with [`WEBKIT_NO_COMPOSITING_ENV`]. `var` reads the environment.
pub fn cpu_painting_env(
    var: impl Fn(&str) -> Option<String>,
) -> Option<(&'static str, &'static str)> {
    let keep = var(KEEP_COMPOSITING_ENV).as_deref() == Some("1");
    let chosen = var(WEBKIT_NO_COMPOSITING_ENV).is_some();
    (cfg!(target_os = "linux") && !keep && !chosen).then_some((WEBKIT_NO_COMPOSITING_ENV, "1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment holding only `pairs`.
    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn paints_on_the_cpu_unless_told_otherwise() {
        let expected = cfg!(target_os = "linux").then_some((WEBKIT_NO_COMPOSITING_ENV, "1"));
        assert_eq!(cpu_painting_env(env(&[])), expected);
        assert_eq!(
            cpu_painting_env(env(&[(KEEP_COMPOSITING_ENV, "0")])),
            expected
        );
        assert_eq!(cpu_painting_env(env(&[(KEEP_COMPOSITING_ENV, "1")])), None);
        assert_eq!(
            cpu_painting_env(env(&[(WEBKIT_NO_COMPOSITING_ENV, "0")])),
            None
        );
    }
}
