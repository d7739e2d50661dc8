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
        // Every page says where the feed ends (a client's first-sync percentage).
        let head = r.body["head"].as_str().expect("a page names the head");
        let seq = |c: &str| c.rsplit_once(':').unwrap().1.parse::<i64>().unwrap();
        assert!(seq(head) >= seq(&cursor), "{head} is not behind {cursor}");
        if !r.body["has_more"].as_bool().unwrap() {
            assert_eq!(head, cursor, "the last page ends at the head");
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

/// A push of `mutations` (name, args) with seqs 1..n under a fresh client id; every
/// mutation must apply.
async fn push_ok(srv: &Srv, token: &str, mutations: &[(&str, Value)]) {
    let ms: Vec<Value> = mutations
        .iter()
        .enumerate()
        .map(|(i, (name, args))| json!({"seq": i + 1, "id": uuid::Uuid::now_v7(), "name": name, "args": args}))
        .collect();
    let r = srv
        .post(
            "/sync/v1/mutations",
            token,
            json!({"client_id": uuid::Uuid::now_v7(), "mutations": ms}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    for res in r.body["results"].as_array().unwrap() {
        assert_eq!(res["status"], "applied", "{res}");
    }
}

/// `GET /sync/v1/changes?cursor=0&scope=mine`, checked for the page's fixed shape.
async fn pull_mine(srv: &Srv, token: &str) -> Vec<Value> {
    let r = srv.get("/sync/v1/changes?cursor=0&scope=mine", token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["cursor"], "0", "no progress is claimed");
    assert_eq!(r.body["has_more"], false);
    assert!(r.body["epoch"].as_str().is_some_and(|e| !e.is_empty()));
    let changes = r.body["changes"].as_array().unwrap().clone();
    let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in seq order: {seqs:?}"
    );
    assert!(
        !changes.iter().any(|c| c["entity"] == "tombstone"),
        "upserts only"
    );
    changes
}

/// Every entry of `mine` is in `feed` exactly (same seq, same state): the page never
/// shows more than the caller's full pull would, and nothing that goes backwards.
fn assert_subset_of_feed(mine: &[Value], feed: &[Value]) {
    for e in mine {
        assert!(feed.contains(e), "not in the caller's own feed: {e}");
    }
}

fn ids_of(changes: &[Value], entity: &str) -> Vec<String> {
    let mut v: Vec<String> = changes
        .iter()
        .filter(|c| c["entity"] == entity)
        .map(|c| c["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// Ids of `entity` entries in `changes` belonging to one of `tickets`.
fn ids_for_tickets(changes: &[Value], entity: &str, tickets: &[String]) -> Vec<String> {
    let mut v: Vec<String> = changes
        .iter()
        .filter(|c| {
            c["entity"] == entity
                && tickets.contains(&c["data"]["ticket_id"].as_str().unwrap().to_owned())
        })
        .map(|c| c["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

both_engines!(
    scope_mine_sends_the_agents_own_open_tickets_with_feed_seqs,
    |srv: Srv| async move {
        let w = &srv.world;
        let agent = srv.login("agent1@demo.test").await;
        let other = srv.login("agent2@demo.test").await;
        let [mine1, mine2, solved, theirs] = [(); 4].map(|_| uuid::Uuid::now_v7());
        let mine2_conv = uuid::Uuid::now_v7();
        let create = |id: uuid::Uuid, subject: &str, assignee: uuid::Uuid| {
            (
                "ticket.create",
                json!({"ticket_id": id, "subject": subject, "requester_id": w.customer.id, "assignee_id": assignee}),
            )
        };
        let note = uuid::Uuid::now_v7();
        push_ok(
            &srv,
            &agent,
            &[
                create(mine1, "Mine, open", w.agent1.id.as_uuid()),
                (
                    "ticket.create",
                    json!({"ticket_id": mine2, "conversation_id": mine2_conv, "subject": "Mine, pending", "requester_id": w.customer.id, "assignee_id": w.agent1.id}),
                ),
                create(solved, "Mine, solved", w.agent1.id.as_uuid()),
                create(theirs, "Agent 2's", w.agent2.id.as_uuid()),
                ("ticket.update", json!({"ticket_id": mine2, "status": "pending"})),
                ("ticket.update", json!({"ticket_id": solved, "status": "solved"})),
                ("ticket.tag_add", json!({"ticket_id": mine1, "tag": "VIP"})),
                ("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": mine1, "content": "We are on it"})),
                ("message.send", json!({"message_id": note, "ticket_id": mine1, "content": "check fraud list", "internal": true})),
                ("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": mine2, "content": "Any news?"})),
                ("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": solved, "content": "Done"})),
            ],
        )
        .await;
        push_ok(
            &srv,
            &other,
            &[(
                "message.send",
                json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": theirs, "content": "Mine"}),
            )],
        )
        .await;
        let customer = srv.login("customer@demo.test").await;
        let c = srv
            .post(
                &format!("/messaging/conversations/{mine2_conv}/messages"),
                &customer,
                json!({"content": "The customer answers"}),
            )
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{:?}", c.body);

        let mine = pull_mine(&srv, &agent).await;
        let (feed, _) = pull_all(&srv, &agent, "0").await;
        assert_subset_of_feed(&mine, &feed);

        let wanted = sorted(vec![mine1.to_string(), mine2.to_string()]);
        assert_eq!(ids_of(&mine, "ticket"), wanted, "exactly the two open ones");
        let convs: Vec<String> = sorted(
            feed.iter()
                .filter(|e| {
                    e["entity"] == "ticket"
                        && wanted.contains(&e["data"]["id"].as_str().unwrap().to_owned())
                })
                .map(|e| e["data"]["conversation_id"].as_str().unwrap().to_owned())
                .collect(),
        );
        assert_eq!(ids_of(&mine, "conversation"), convs);
        let msgs = ids_for_tickets(&feed, "message", &wanted);
        assert_eq!(
            msgs.len(),
            4,
            "reply, note, message, customer's answer: {msgs:?}"
        );
        assert_eq!(ids_of(&mine, "message"), msgs, "all their messages");
        assert!(
            mine.iter().any(|e| e["data"]["id"] == note.to_string()),
            "a support agent gets the internal note"
        );
        let hist = ids_for_tickets(&feed, "history", &wanted);
        assert!(!hist.is_empty());
        assert_eq!(ids_of(&mine, "history"), hist, "all their history");
        assert_eq!(ids_of(&mine, "tag"), ids_of(&feed, "tag"), "all tags");
        assert_eq!(ids_of(&mine, "team"), ids_of(&feed, "team"), "all teams");
        let users = ids_of(&mine, "user");
        for u in [w.customer.id, w.agent1.id] {
            assert!(
                users.contains(&u.to_string()),
                "referenced user {u} is sent"
            );
        }
        assert!(
            !users.contains(&w.agent2.id.to_string())
                && !users.contains(&w.outsider.id.to_string()),
            "users of other tickets are left for the full pull: {users:?}"
        );
        let text = serde_json::to_string(&mine).unwrap();
        for absent in [
            solved.to_string(),
            theirs.to_string(),
            w.ticket.id.to_string(),
            w.foreign_ticket.id.to_string(),
        ] {
            assert!(!text.contains(&absent), "{absent} must not be in the page");
        }

        // Other callers with no open assigned tickets get only the tenant-wide bits.
        let lead = srv.login("lead@demo.test").await;
        let lead_mine = pull_mine(&srv, &lead).await;
        assert!(
            lead_mine
                .iter()
                .all(|e| e["entity"] == "tag" || e["entity"] == "team"),
            "{lead_mine:?}"
        );
    }
);

both_engines!(
    scope_mine_filters_like_the_feed_for_customers_and_non_support_agents,
    |srv: Srv| async move {
        let w = &srv.world;
        let agent = srv.login("agent1@demo.test").await;
        let [for_outsider, for_customer] = [(); 2].map(|_| uuid::Uuid::now_v7());
        let mut ms = Vec::new();
        for (t, subject) in [(for_outsider, "Outsider's"), (for_customer, "Customer's")] {
            ms.push((
                "ticket.create",
                json!({"ticket_id": t, "subject": subject, "requester_id": w.customer.id, "assignee_id": w.outsider.id}),
            ));
            ms.push(("ticket.tag_add", json!({"ticket_id": t, "tag": "VIP"})));
            ms.push(("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": t, "content": "public reply"})));
            ms.push(("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": t, "content": "SECRET-NOTE", "internal": true})));
        }
        push_ok(&srv, &agent, &ms).await;
        // A customer is never assigned through the API; do it in the database (with its
        // change-log row) to see the customer's filters at work on the page.
        let mut tx = srv.db.write(w.tenant.id).await.unwrap();
        sqlx::query("UPDATE tickets SET assignee_id = $1 WHERE id = $2")
            .bind(w.customer.id.to_string())
            .bind(for_customer.to_string())
            .execute(tx.conn())
            .await
            .unwrap();
        tx.touch(outpost_domain::sync::EntityKind::Ticket, for_customer);
        tx.commit().await.unwrap();

        // The non-support agent: their ticket, as their own feed shows it.
        let outsider = srv.login("outsider@demo.test").await;
        let mine = pull_mine(&srv, &outsider).await;
        let (feed, _) = pull_all(&srv, &outsider, "0").await;
        assert_subset_of_feed(&mine, &feed);
        assert_eq!(ids_of(&mine, "ticket"), vec![for_outsider.to_string()]);
        let only = vec![for_outsider.to_string()];
        assert_eq!(
            ids_of(&mine, "message"),
            ids_for_tickets(&feed, "message", &only)
        );
        assert_eq!(
            ids_of(&mine, "history"),
            ids_for_tickets(&feed, "history", &only)
        );
        let text = serde_json::to_string(&mine).unwrap();
        assert!(!text.contains(&for_customer.to_string()));
        assert!(!text.contains(&w.ticket.id.to_string()));

        // The customer: their ticket, public messages only, no history, teams or tags,
        // no other customer's user record.
        let customer = srv.login("customer@demo.test").await;
        let mine = pull_mine(&srv, &customer).await;
        let (feed, _) = pull_all(&srv, &customer, "0").await;
        assert_subset_of_feed(&mine, &feed);
        assert_eq!(ids_of(&mine, "ticket"), vec![for_customer.to_string()]);
        let msgs = ids_of(&mine, "message");
        assert_eq!(msgs.len(), 1, "the public reply only: {mine:?}");
        assert_eq!(
            msgs,
            ids_for_tickets(&feed, "message", &[for_customer.to_string()])
        );
        assert!(mine.iter().all(|e| e["data"]["internal"] != true));
        assert!(
            !serde_json::to_string(&mine)
                .unwrap()
                .contains("SECRET-NOTE")
        );
        for hidden in ["history", "tag", "team"] {
            assert!(
                !mine.iter().any(|e| e["entity"] == hidden),
                "no {hidden} for customers"
            );
        }
        for u in mine.iter().filter(|e| e["entity"] == "user") {
            assert!(
                u["data"]["role"] != "customer" || u["data"]["id"] == w.customer.id.to_string(),
                "{u}"
            );
        }
        assert!(ids_of(&mine, "user").contains(&w.customer.id.to_string()));
    }
);

both_engines!(
    scope_mine_is_only_for_the_start_cursor,
    |srv: Srv| async move {
        let agent = srv.login("agent1@demo.test").await;
        let head = srv.get("/sync/v1/changes?cursor=0", &agent).await;
        let cursor = head.body["cursor"].as_str().unwrap().to_owned();
        let r = srv
            .get(
                &format!("/sync/v1/changes?cursor={cursor}&scope=mine"),
                &agent,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
        assert_eq!(r.code(), "invalid_input");
        for bad in [
            "scope=everything",
            "scope=MINE",
            "scope=",
            "cursor=0&scope=mine&limit=0",
        ] {
            let r = srv.get(&format!("/sync/v1/changes?{bad}"), &agent).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{bad}: {:?}",
                r.body
            );
            assert_eq!(r.code(), "invalid_input", "{bad}");
        }
        for ok in ["scope=mine", "cursor=&scope=mine", "cursor=0&scope=all"] {
            let r = srv.get(&format!("/sync/v1/changes?{ok}"), &agent).await;
            assert_eq!(r.status, StatusCode::OK, "{ok}: {:?}", r.body);
        }
    }
);
