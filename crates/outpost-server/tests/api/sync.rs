use crate::both_engines;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn pull_all(srv: &Srv, token: &str, cursor: &str) -> (Vec<Value>, String) {
    let mut cursor = cursor.to_owned();
    let mut out = Vec::new();
    loop {
        let r = srv
            .get(&format!("/sync/v1/changes?cursor={cursor}&limit=7"), token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        out.extend(r.body["changes"].as_array().unwrap().iter().cloned());
        cursor = r.body["cursor"].as_str().unwrap().to_owned();
        if !r.body["has_more"].as_bool().unwrap() {
            return (out, cursor);
        }
    }
}

both_engines!(
    initial_pull_pages_through_every_entity_in_seq_order,
    |srv: Srv| async move {
        let token = srv.login("agent1@demo.test").await;
        let (changes, cursor) = pull_all(&srv, &token, "0").await;
        let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "strictly increasing seq"
        );
        assert!(
            changes
                .iter()
                .any(|c| c["entity"] == "ticket"
                    && c["data"]["id"] == srv.world.ticket.id.to_string())
        );
        assert!(
            !changes
                .iter()
                .any(|c| c["data"]["id"] == srv.world.foreign_ticket.id.to_string()),
            "another tenant's ticket never appears in the feed"
        );
        let (again, _) = pull_all(&srv, &token, &cursor).await;
        assert!(again.is_empty(), "nothing new after the head cursor");
    }
);

both_engines!(retried_push_applies_once, |srv: Srv| async move {
    let token = srv.login("agent1@demo.test").await;
    let client = uuid::Uuid::now_v7();
    let msg = uuid::Uuid::now_v7();
    let batch = json!({"client_id": client, "mutations": [
        {"seq": 1, "id": uuid::Uuid::now_v7(), "name": "ticket.claim", "args": {"ticket_id": srv.world.ticket.id}},
        {"seq": 2, "id": uuid::Uuid::now_v7(), "name": "message.send", "args": {"message_id": msg, "ticket_id": srv.world.ticket.id, "content": "On it!"}},
    ]});
    let first = srv.post("/sync/v1/mutations", &token, batch.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert!(
        first.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "applied"),
        "{:?}",
        first.body
    );
    let second = srv.post("/sync/v1/mutations", &token, batch).await;
    assert_eq!(
        second.body, first.body,
        "a retry returns the stored results"
    );
    let conv = srv.world.ticket.conversation_id;
    let msgs = srv
        .get(&format!("/messaging/conversations/{conv}/messages"), &token)
        .await;
    let copies = msgs.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["id"] == msg.to_string())
        .count();
    assert_eq!(copies, 1, "retried push must not duplicate the message");
});

both_engines!(
    stale_field_edit_is_a_conflict_naming_who_changed_it,
    |srv: Srv| async move {
        let a = srv.login("agent1@demo.test").await;
        let b = srv.login("agent2@demo.test").await;
        let id = srv.world.ticket.id;
        let base = srv.world.ticket.field_versions["priority"];
        let m = |client: uuid::Uuid, prio: &str| {
            json!({"client_id": client, "mutations": [
        {"seq": 1, "id": uuid::Uuid::now_v7(), "name": "ticket.update", "args": {"ticket_id": id, "priority": prio}, "base": {"priority": base}}]})
        };
        let first = srv
            .post("/sync/v1/mutations", &a, m(uuid::Uuid::now_v7(), "high"))
            .await;
        assert_eq!(
            first.body["results"][0]["status"], "applied",
            "{:?}",
            first.body
        );
        let second = srv
            .post("/sync/v1/mutations", &b, m(uuid::Uuid::now_v7(), "low"))
            .await;
        let r = &second.body["results"][0];
        assert_eq!(r["status"], "rejected");
        assert_eq!(r["code"], "conflict");
        let f = &r["conflict"]["fields"][0];
        assert_eq!(f["field"], "priority");
        assert_eq!(f["current_value"], "high");
        assert_eq!(f["changed_by_email"], "agent1@demo.test");
    }
);

both_engines!(
    reply_to_ticket_closed_meanwhile_is_a_conflict,
    |srv: Srv| async move {
        let token = srv.login("agent1@demo.test").await;
        let id = srv.world.ticket.id;
        let close = srv
            .post(
                &format!("/messaging/support/tickets/{id}/close"),
                &token,
                json!({}),
            )
            .await;
        assert_eq!(close.status, StatusCode::OK);
        let r = srv.post("/sync/v1/mutations", &token, json!({"client_id": uuid::Uuid::now_v7(), "mutations": [
        {"seq": 1, "id": uuid::Uuid::now_v7(), "name": "message.send", "args": {"message_id": uuid::Uuid::now_v7(), "ticket_id": id, "content": "Reply typed offline"}}]})).await;
        let res = &r.body["results"][0];
        assert_eq!(res["status"], "rejected");
        assert_eq!(res["code"], "conflict");
        assert_eq!(res["conflict"]["ticket_status"], "closed");
    }
);
