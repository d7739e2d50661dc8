//! A minimal keep-alive HTTP/1.1 client: one TCP connection per [`Conn`], requests
//! sent one after another on it (what a closed-loop load worker needs, with less
//! overhead than a pooled client).

use anyhow::{Context, Result};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;

/// One keep-alive connection to the server.
pub struct Conn {
    host: String,
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true).context("setting TCP_NODELAY")?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP/1.1 handshake")?;
        tokio::spawn(async move {
            // The connection ends when the sender is dropped or the server closes it;
            // request errors are reported through the sender.
            let _ = conn.await;
        });
        Ok(Self {
            host: addr.to_string(),
            sender,
        })
    }

    /// Sends one request and reads the whole response body.
    pub async fn request(
        &mut self,
        method: Method,
        path_and_query: &str,
        token: Option<&str>,
        json_body: Option<Bytes>,
    ) -> Result<(StatusCode, Bytes)> {
        let mut req = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header(HOST, &self.host);
        if let Some(t) = token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        // Seed 004 requires its version header on every request.
        if path_and_query.starts_with("/api/admin/") {
            req = req.header("X-29next-API-Version", "unstable");
        }
        let body = match json_body {
            Some(b) => {
                req = req.header(CONTENT_TYPE, "application/json");
                b
            }
            None => Bytes::new(),
        };
        let req = req.body(Full::new(body)).context("building the request")?;
        self.sender.ready().await.context("connection not ready")?;
        let resp = self
            .sender
            .send_request(req)
            .await
            .context("sending the request")?;
        let status = resp.status();
        let body = resp
            .into_body()
            .collect()
            .await
            .context("reading the response body")?
            .to_bytes();
        Ok((status, body))
    }

    /// GET returning parsed JSON; any status but 200 is an error naming the body.
    pub async fn get_json(&mut self, path: &str, token: &str) -> Result<serde_json::Value> {
        let (status, body) = self.request(Method::GET, path, Some(token), None).await?;
        if status != StatusCode::OK {
            anyhow::bail!(
                "GET {path}: {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(500)])
            );
        }
        serde_json::from_slice(&body).with_context(|| format!("GET {path}: response is not JSON"))
    }
}
