//! The server's address as the caller reached it, for absolute URLs in responses
//! (seed 004's page links and file URLs): `OUTPOST_PUBLIC_URL` when set (behind a
//! proxy that rewrites hosts), else the `Host` header, with `https` when a proxy says
//! so in `X-Forwarded-Proto`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use std::convert::Infallible;

/// `scheme://host[:port]`, without a trailing slash.
pub struct BaseUrl(pub String);

impl BaseUrl {
    /// `path` (server-relative) as an absolute URL; other URLs unchanged.
    pub fn absolute(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.0)
        } else {
            path.to_owned()
        }
    }
}

fn host_ok(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Ok(public) = std::env::var("OUTPOST_PUBLIC_URL")
            && !public.trim().is_empty()
        {
            return Ok(BaseUrl(public.trim().trim_end_matches('/').to_owned()));
        }
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let host = header(header::HOST)
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .filter(|h| host_ok(h))
            .unwrap_or("localhost");
        let scheme = match header(header::HeaderName::from_static("x-forwarded-proto"))
            .and_then(|v| v.split(',').next())
            .map(str::trim)
        {
            Some("https") => "https",
            _ => "http",
        };
        Ok(BaseUrl(format!("{scheme}://{host}")))
    }
}
