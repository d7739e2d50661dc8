//! `GET /sync/v1/events`: a `changes` event with the head cursor at connect, and a new
//! one whenever the caller's tenant log grows.

use crate::both_engines;
use crate::support::*;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// Reads server-sent events off a streaming response.
struct Events {
    stream: futures::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    buf: String,
}

impl Events {
    async fn connect(srv: &Srv, token: &str) -> Events {
        let resp = srv
            .http
            .get(srv.url("/sync/v1/events"))
            .bearer_auth(token)
            .send()
            .await
            .expect("connect");
        assert_eq!(resp.status(), StatusCode::OK);
        let ct = resp
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Events {
            stream: resp.bytes_stream().boxed(),
            buf: String::new(),
        }
    }

    /// The next event (name, data), skipping comments (heartbeats).
    async fn next(&mut self) -> (String, String) {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut name, mut data) = (String::from("message"), Vec::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.trim_start().to_owned());
                    }
                }
                if !data.is_empty() {
                    return (name, data.join("\n"));
                }
            }
            let chunk = self
                .stream
                .next()
                .await
                .expect("stream open")
                .expect("chunk");
            self.buf
                .push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
        }
    }

    /// The cursor of the next `changes` event, within `secs`.
    async fn next_cursor(&mut self, secs: u64) -> String {
        let (name, data) = tokio::time::timeout(Duration::from_secs(secs), self.next())
            .await
            .expect("an event in time");
        assert_eq!(name, "changes");
        let v: serde_json::Value = serde_json::from_str(&data).expect("JSON data");
        v["cursor"].as_str().expect("cursor").to_owned()
    }
}

fn seq(cursor: &str) -> i64 {
    cursor
        .rsplit_once(':')
        .expect("epoch:seq")
        .1
        .parse()
        .unwrap()
}

async fn head(srv: &Srv, token: &str) -> String {
    let mut cursor = "0".to_owned();
    loop {
        let r = srv
            .get(
                &format!("/sync/v1/changes?cursor={cursor}&limit=5000"),
                token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        cursor = r.body["cursor"].as_str().unwrap().to_owned();
        if !r.body["has_more"].as_bool().unwrap() {
            return cursor;
        }
    }
}

both_engines!(
    events_announce_the_head_and_every_growth,
    |srv: Srv| async move {
        let token = srv.login("agent1@demo.test").await;
        let start = head(&srv, &token).await;
        let mut events = Events::connect(&srv, &token).await;
        let first = events.next_cursor(5).await;
        assert_eq!(first, start, "the first event carries the head cursor");

        let conv = srv.world.ticket.conversation_id;
        let r = srv
            .post(
                &format!("/messaging/conversations/{conv}/messages"),
                &token,
                json!({"content": "ping"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let second = events.next_cursor(10).await;
        assert!(seq(&second) > seq(&first), "{second} after {first}");
        assert_eq!(
            second,
            head(&srv, &token).await,
            "the event names the new head"
        );

        // Another tenant's commits are not announced here: the next event is ours.
        let foreign = srv.login("agent1@acme.test").await;
        let fc = srv.world.foreign_ticket.conversation_id;
        let r = srv
            .post(
                &format!("/messaging/conversations/{fc}/messages"),
                &foreign,
                json!({"content": "acme ping"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let r = srv
            .post(
                &format!("/messaging/conversations/{conv}/messages"),
                &token,
                json!({"content": "pong"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let third = events.next_cursor(10).await;
        assert_eq!(
            third,
            head(&srv, &token).await,
            "the event after an acme commit is demo's new head"
        );
        assert!(seq(&third) > seq(&second));

        // A sync push is announced too.
        let r = srv
        .post(
            "/sync/v1/mutations",
            &token,
            json!({"client_id": uuid::Uuid::now_v7(), "mutations": [{"seq": 1, "id": uuid::Uuid::now_v7(), "name": "ticket.claim", "args": {"ticket_id": srv.world.ticket.id}}]}),
        )
        .await;
        assert_eq!(r.body["results"][0]["status"], "applied");
        let fourth = events.next_cursor(10).await;
        assert!(seq(&fourth) > seq(&third));
    }
);

both_engines!(events_need_authentication, |srv: Srv| async move {
    let r = srv
        .call(reqwest::Method::GET, "/sync/v1/events", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "unauthenticated");
});
