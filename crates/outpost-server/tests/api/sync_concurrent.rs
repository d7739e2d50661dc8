//! The change feed under concurrent writers: a reader pulling with its cursor while
//! several writers commit (out of order, on PostgreSQL) never skips a change.

use crate::both_engines;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const WRITERS: usize = 8;
const PER_WRITER: usize = 25;

/// One pull; waits out a rate limit instead of failing.
async fn pull_page(srv: &Srv, token: &str, cursor: &str) -> serde_json::Value {
    loop {
        let r = srv
            .get(&format!("/sync/v1/changes?cursor={cursor}&limit=37"), token)
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = r
                .headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        return r.body;
    }
}

both_engines!(
    pull_never_skips_a_change_under_concurrent_writers,
    |srv: Srv| async move {
        let tenant = srv.world.tenant.id;
        let mut convs = vec![(srv.world.ticket.id, srv.world.ticket.conversation_id)];
        for (i, who) in [
            &srv.world.customer,
            &srv.world.customer2,
            &srv.world.customer,
            &srv.world.customer2,
        ]
        .into_iter()
        .enumerate()
        {
            let t = create_ticket(
                &srv.db,
                tenant,
                who,
                &format!("Concurrent ticket {i}"),
                None,
            )
            .await;
            convs.push((t.id, t.conversation_id));
        }
        let emails = [
            "agent1@demo.test",
            "agent2@demo.test",
            "lead@demo.test",
            "admin@demo.test",
        ];
        let tokens = futures::future::join_all(emails.map(|e| srv.login(e))).await;
        let reader_token = srv.login("agent1@demo.test").await;
        let done = Arc::new(AtomicBool::new(false));

        let reader = {
            let srv = srv.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut cursor = "0".to_owned();
                let mut seen = BTreeSet::new();
                let mut last_seq = 0;
                let mut pulls = 0;
                loop {
                    // Read the flag before pulling: a pull that starts after every writer
                    // finished and reaches the head has seen everything.
                    let finished = done.load(Ordering::SeqCst);
                    let page = pull_page(&srv, &reader_token, &cursor).await;
                    pulls += 1;
                    for c in page["changes"].as_array().unwrap() {
                        let seq = c["seq"].as_i64().unwrap();
                        assert!(seq > last_seq, "seq goes forward: {seq} after {last_seq}");
                        last_seq = seq;
                        if c["entity"] == "message" {
                            seen.insert(c["data"]["id"].as_str().unwrap().to_owned());
                        }
                    }
                    cursor = page["cursor"].as_str().unwrap().to_owned();
                    if finished && !page["has_more"].as_bool().unwrap() {
                        return (seen, pulls);
                    }
                    tokio::time::sleep(Duration::from_millis(15)).await;
                }
            })
        };

        let writers = (0..WRITERS).map(|w| {
        let srv = srv.clone();
        let token = tokens[w % tokens.len()].clone();
        let convs = convs.clone();
        tokio::spawn(async move {
            let client = uuid::Uuid::now_v7();
            let mut sent = Vec::new();
            for i in 0..PER_WRITER {
                // Spread each writer over the tickets so transactions interleave.
                let (ticket, conv) = convs[(w + i) % convs.len()];
                let id = uuid::Uuid::now_v7();
                let content = format!("writer {w} message {i}");
                if w % 2 == 0 {
                    let r = srv
                        .post(
                            "/sync/v1/mutations",
                            &token,
                            json!({"client_id": client, "mutations": [{"seq": i + 1, "id": uuid::Uuid::now_v7(), "name": "message.send",
                                "args": {"message_id": id, "ticket_id": ticket, "content": content, "internal": i % 5 == 0}}]}),
                        )
                        .await;
                    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
                    assert_eq!(r.body["results"][0]["status"], "applied", "{:?}", r.body);
                } else {
                    let r = srv.post(&format!("/messaging/conversations/{conv}/messages"), &token, json!({"id": id, "content": content})).await;
                    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
                }
                sent.push(id.to_string());
            }
            sent
        })
    });
        let mut written = BTreeSet::new();
        for w in futures::future::join_all(writers).await {
            written.extend(w.expect("writer task"));
        }
        done.store(true, Ordering::SeqCst);
        let (seen, pulls) = tokio::time::timeout(Duration::from_secs(120), reader)
            .await
            .expect("reader finishes")
            .expect("reader task");

        let in_db: BTreeSet<String> =
            sqlx::query_scalar::<_, String>("SELECT id FROM messages WHERE tenant_id = $1")
                .bind(tenant.to_string())
                .fetch_all(srv.db.reader())
                .await
                .expect("query messages")
                .into_iter()
                .collect();
        assert_eq!(written.len(), WRITERS * PER_WRITER);
        assert_eq!(
            in_db, written,
            "the database holds exactly the written messages"
        );
        let missing: Vec<_> = in_db.difference(&seen).collect();
        assert!(
            missing.is_empty(),
            "the reader skipped {} of {} messages (after {pulls} pulls): {missing:?}",
            missing.len(),
            in_db.len()
        );
        assert_eq!(seen, in_db, "the reader saw nothing else");
        assert!(pulls > 2, "the reader pulled while writers were writing");
    }
);
