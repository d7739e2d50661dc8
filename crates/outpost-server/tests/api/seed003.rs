//! Seed 003: `GET`/`POST /messaging/conversations/:id/messages`, exactly as documented.

use crate::both_engines;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn messages_path(conv: impl std::fmt::Display) -> String {
    format!("/messaging/conversations/{conv}/messages")
}

/// Posts a text message and returns the created message.
async fn send(srv: &Srv, token: &str, conv: impl std::fmt::Display, content: &str) -> Value {
    let r = srv
        .post(
            &messages_path(conv),
            token,
            json!({"message_type": "text", "content": content}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "send {content:?}: {:?}",
        r.body
    );
    r.body
}

fn ids(list: &Value) -> Vec<String> {
    list["messages"]
        .as_array()
        .expect("messages array")
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn ticket_status(srv: &Srv, token: &str, ticket: impl std::fmt::Display) -> String {
    let r = srv
        .get(&format!("/messaging/support/tickets/{ticket}"), token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["status"].as_str().unwrap().to_owned()
}

both_engines!(
    curl_examples_list_and_send_as_documented,
    |srv: Srv| async move {
        let token = srv.login("customer@demo.test").await;
        let tenant = srv.world.tenant.id;
        let conv = srv.world.ticket.conversation_id;

        // POST example, body verbatim.
        let sent = srv
        .post(
            &format!("/messaging/conversations/{conv}/messages?tenant_id={tenant}"),
            &token,
            json!({"message_type": "text", "content": "Hello!", "content_url": null, "metadata": null, "parent_message_id": null}),
        )
        .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
        let m = &sent.body;
        assert!(uuid::Uuid::parse_str(m["id"].as_str().unwrap()).is_ok());
        assert_eq!(m["conversation_id"], conv.to_string());
        assert_eq!(m["ticket_id"], srv.world.ticket.id.to_string());
        assert_eq!(m["message_type"], "text");
        assert_eq!(m["content"], "Hello!");
        assert!(m["content_url"].is_null());
        assert!(m["metadata"].is_null());
        assert!(m["parent_message_id"].is_null());
        assert_eq!(m["internal"], false);
        assert_eq!(m["sender_id"], srv.world.customer.id.to_string());
        assert_eq!(m["sender"]["id"], srv.world.customer.id.to_string());
        assert_eq!(m["sender"]["email"], "customer@demo.test");
        assert_eq!(m["sender"]["role"], "customer");
        assert!(m["created_at"].is_string());

        // GET example, query verbatim (empty timestamp_range).
        let list = srv
        .get(&format!("/messaging/conversations/{conv}/messages?tenant_id={tenant}&page=1&limit=20&timestamp_range="), &token)
        .await;
        assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
        assert_eq!(list.body["page"], 1);
        assert_eq!(list.body["limit"], 20);
        assert_eq!(list.body["total"], 1);
        assert_eq!(list.body["has_more"], false);
        let first = &list.body["messages"][0];
        assert_eq!(first["id"], m["id"]);
        assert_eq!(first["content"], "Hello!");
        assert_eq!(
            first["sender"]["email"], "customer@demo.test",
            "list carries sender information"
        );
        assert_eq!(first["sender"]["name"], m["sender"]["name"]);

        // The agent side of the same examples.
        let agent = srv.login("agent1@demo.test").await;
        let reply = srv
        .post(
            &format!("/messaging/conversations/{conv}/messages?tenant_id={tenant}"),
            &agent,
            json!({"message_type": "text", "content": "Hello!", "content_url": null, "metadata": null, "parent_message_id": null}),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "support users may answer: {:?}",
            reply.body
        );
        assert_eq!(reply.body["sender"]["email"], "agent1@demo.test");
        let list = srv
        .get(&format!("/messaging/conversations/{conv}/messages?tenant_id={tenant}&page=1&limit=20&timestamp_range="), &agent)
        .await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.body["total"], 2);
    }
);

both_engines!(
    pagination_is_newest_first_with_totals,
    |srv: Srv| async move {
        let token = srv.login("customer@demo.test").await;
        let conv = srv.world.ticket.conversation_id;
        let mut sent = Vec::new();
        for i in 0..5 {
            sent.push(
                send(&srv, &token, conv, &format!("message {i}")).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let newest_first: Vec<String> = sent.iter().rev().cloned().collect();

        let p1 = srv
            .get(&format!("{}?page=1&limit=2", messages_path(conv)), &token)
            .await;
        assert_eq!(p1.status, StatusCode::OK, "{:?}", p1.body);
        assert_eq!(
            (
                p1.body["page"].as_i64(),
                p1.body["limit"].as_i64(),
                p1.body["total"].as_i64()
            ),
            (Some(1), Some(2), Some(5))
        );
        assert_eq!(p1.body["has_more"], true);
        assert_eq!(ids(&p1.body), newest_first[0..2]);
        assert_eq!(p1.body["messages"][0]["content"], "message 4");

        let p2 = srv
            .get(&format!("{}?page=2&limit=2", messages_path(conv)), &token)
            .await;
        assert_eq!(p2.body["has_more"], true);
        assert_eq!(ids(&p2.body), newest_first[2..4]);

        let p3 = srv
            .get(&format!("{}?page=3&limit=2", messages_path(conv)), &token)
            .await;
        assert_eq!(p3.body["has_more"], false);
        assert_eq!(p3.body["total"], 5);
        assert_eq!(ids(&p3.body), newest_first[4..5]);

        let past = srv
            .get(&format!("{}?page=4&limit=2", messages_path(conv)), &token)
            .await;
        assert_eq!(past.status, StatusCode::OK);
        assert!(ids(&past.body).is_empty(), "a page past the end is empty");
        assert_eq!(past.body["total"], 5);
        assert_eq!(past.body["has_more"], false);

        let defaults = srv.get(&messages_path(conv), &token).await;
        assert_eq!(defaults.body["page"], 1);
        assert_eq!(defaults.body["limit"], 20, "default limit is 20");
        assert_eq!(ids(&defaults.body), newest_first);
    }
);

both_engines!(
    timestamp_range_filters_and_bad_ranges_are_422,
    |srv: Srv| async move {
        let token = srv.login("customer@demo.test").await;
        let conv = srv.world.ticket.conversation_id;
        let a = send(&srv, &token, conv, "first").await;
        let b = send(&srv, &token, conv, "second").await;
        let c = send(&srv, &token, conv, "third").await;
        let (ta, tb, tc) = (
            a["created_at"].as_str().unwrap(),
            b["created_at"].as_str().unwrap(),
            c["created_at"].as_str().unwrap(),
        );
        assert!(ta <= tb && tb <= tc, "timestamps in send order");
        let q = |range: &str| {
            format!(
                "{}?timestamp_range={}",
                messages_path(conv),
                urlencode(range)
            )
        };

        let only_b = srv.get(&q(&format!("{tb},{tb}")), &token).await;
        assert_eq!(only_b.status, StatusCode::OK, "{:?}", only_b.body);
        assert!(ids(&only_b.body).contains(&b["id"].as_str().unwrap().to_owned()));
        assert!(!ids(&only_b.body).contains(&a["id"].as_str().unwrap().to_owned()) || ta == tb);
        assert!(!ids(&only_b.body).contains(&c["id"].as_str().unwrap().to_owned()) || tc == tb);

        let from_b = srv.get(&q(&format!("{tb},")), &token).await;
        assert_eq!(from_b.status, StatusCode::OK);
        assert!(ids(&from_b.body).contains(&c["id"].as_str().unwrap().to_owned()));
        assert!(ids(&from_b.body).contains(&b["id"].as_str().unwrap().to_owned()));
        assert_eq!(
            from_b.body["total"].as_i64(),
            Some(ids(&from_b.body).len() as i64)
        );

        let documented = srv
            .get(&q("2023-01-01T00:00:00Z,2023-01-02T00:00:00Z"), &token)
            .await;
        assert_eq!(
            documented.status,
            StatusCode::OK,
            "the documented format parses: {:?}",
            documented.body
        );
        assert!(ids(&documented.body).is_empty(), "nothing was sent in 2023");
        assert_eq!(documented.body["total"], 0);

        let all = srv
            .get(&q("2020-01-01T00:00:00Z,2999-01-01T00:00:00Z"), &token)
            .await;
        assert_eq!(all.body["total"], 3);

        for bad in [
            "yesterday",
            "2023-01-01",
            "2023-01-02T00:00:00Z,2023-01-01T00:00:00Z",
            "2023-01-01T00:00:00Z,nope",
            "a,b",
        ] {
            let r = srv.get(&q(bad), &token).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "timestamp_range={bad:?}: {:?}",
                r.body
            );
            assert_eq!(r.code(), "invalid_input");
        }
    }
);

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

both_engines!(
    listing_moves_the_callers_last_read_message,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        let agent = srv.login("agent1@demo.test").await;
        let id = srv.world.ticket.id;
        let conv = srv.world.ticket.conversation_id;
        let claim = srv
            .post(
                &format!("/messaging/support/tickets/{id}/assign-to-me"),
                &agent,
                json!({}),
            )
            .await;
        assert_eq!(claim.status, StatusCode::OK);

        let first = send(&srv, &customer, conv, "Where is my order?").await;
        let second = send(&srv, &agent, conv, "Looking into it").await;
        let marker = |detail: &Value, user: &outpost_domain::User| -> Value {
            detail["conversation"]["participants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["user_id"] == user.id.to_string())
                .map(|p| p["last_read_message_id"].clone())
                .unwrap_or(Value::Null)
        };
        let before = srv
            .get(&format!("/messaging/support/tickets/{id}"), &agent)
            .await;
        assert!(
            marker(&before.body, &srv.world.customer).is_null(),
            "the customer has not listed yet"
        );

        let l = srv.get(&messages_path(conv), &customer).await;
        assert_eq!(l.status, StatusCode::OK);
        let after = srv
            .get(&format!("/messaging/support/tickets/{id}"), &agent)
            .await;
        assert_eq!(
            marker(&after.body, &srv.world.customer),
            second["id"],
            "customer's marker is the newest message"
        );
        assert!(
            marker(&after.body, &srv.world.agent1).is_null(),
            "only the caller's marker moves"
        );

        // Listing an older page still marks the newest message as read.
        let third = send(&srv, &customer, conv, "Thanks").await;
        let l = srv
            .get(&format!("{}?page=2&limit=1", messages_path(conv)), &agent)
            .await;
        assert_eq!(l.status, StatusCode::OK);
        let after = srv
            .get(&format!("/messaging/support/tickets/{id}"), &agent)
            .await;
        assert_eq!(marker(&after.body, &srv.world.agent1), third["id"]);
        assert_ne!(marker(&after.body, &srv.world.agent1), first["id"]);
    }
);

both_engines!(missing_or_empty_content_is_400, |srv: Srv| async move {
    let token = srv.login("customer@demo.test").await;
    let path = messages_path(srv.world.ticket.conversation_id);
    for body in [
        json!({"message_type": "text"}),
        json!({"message_type": "text", "content": ""}),
        json!({"message_type": "text", "content": "   \n "}),
        json!({"message_type": "text", "content": null, "content_url": null, "metadata": null, "parent_message_id": null}),
        json!({}),
    ] {
        let r = srv.post(&path, &token, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {:?}", r.body);
        assert_eq!(r.code(), "missing_field", "{body}");
    }
    let list = srv.get(&path, &token).await;
    assert_eq!(list.body["total"], 0, "nothing was posted");
});

both_engines!(reserved_message_types_are_rejected, |srv: Srv| async move {
    let path = messages_path(srv.world.ticket.conversation_id);
    for who in ["customer@demo.test", "agent1@demo.test", "admin@demo.test"] {
        let token = srv.login(who).await;
        for kind in ["html", "system"] {
            let r = srv
                .post(
                    &path,
                    &token,
                    json!({"message_type": kind, "content": "<b>Hi</b>"}),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{who} {kind}: {:?}",
                r.body
            );
            assert_eq!(r.code(), "invalid_input");
        }
        let unknown = srv
            .post(
                &path,
                &token,
                json!({"message_type": "carrier_pigeon", "content": "coo"}),
            )
            .await;
        assert_eq!(
            unknown.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            unknown.body
        );
    }
    let token = srv.login("agent1@demo.test").await;
    assert_eq!(srv.get(&path, &token).await.body["total"], 0);
});

both_engines!(
    non_participants_get_403_not_participant,
    |srv: Srv| async move {
        let conv = srv.world.ticket.conversation_id;
        let path = messages_path(conv);
        for who in ["outsider@demo.test", "customer2@demo.test"] {
            let token = srv.login(who).await;
            let r = srv
                .post(
                    &path,
                    &token,
                    json!({"message_type": "text", "content": "let me in"}),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{who} posting: {:?}",
                r.body
            );
            assert_eq!(r.code(), "not_participant", "{who}");
            let r = srv.get(&path, &token).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{who} listing: {:?}",
                r.body
            );
            assert_eq!(r.code(), "not_participant", "{who}");
            assert!(r.body.get("messages").is_none());
        }
        let agent = srv.login("agent1@demo.test").await;
        assert_eq!(
            srv.get(&path, &agent).await.body["total"],
            0,
            "nothing was posted"
        );
        let d = srv
            .get(
                &format!("/messaging/support/tickets/{}", srv.world.ticket.id),
                &agent,
            )
            .await;
        let participants = d.body["conversation"]["participants"]
            .as_array()
            .unwrap()
            .clone();
        for refused in [&srv.world.outsider, &srv.world.customer2] {
            assert!(
                participants
                    .iter()
                    .all(|p| p["user_id"] != refused.id.to_string()),
                "a refused caller did not join the conversation"
            );
        }
    }
);

both_engines!(
    closed_conversation_is_403_not_active,
    |srv: Srv| async move {
        let agent = srv.login("agent1@demo.test").await;
        let customer = srv.login("customer@demo.test").await;
        let id = srv.world.ticket.id;
        let conv = srv.world.ticket.conversation_id;
        send(&srv, &customer, conv, "before close").await;
        let close = srv
            .post(
                &format!("/messaging/support/tickets/{id}/close"),
                &agent,
                json!({"metadata": {"note": "Issue resolved"}}),
            )
            .await;
        assert_eq!(close.status, StatusCode::OK);
        for token in [&customer, &agent] {
            let r = srv
                .post(
                    &messages_path(conv),
                    token,
                    json!({"message_type": "text", "content": "after close"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
            assert_eq!(r.code(), "conversation_not_active");
        }
        // Listing still works after close.
        let list = srv.get(&messages_path(conv), &customer).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(
            list.body["total"], 2,
            "the customer's message and the close system message"
        );
        assert!(
            list.body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["content"] != "after close")
        );
    }
);

both_engines!(threads_via_parent_message_id, |srv: Srv| async move {
    let customer = srv.login("customer@demo.test").await;
    let conv = srv.world.ticket.conversation_id;
    let root = send(&srv, &customer, conv, "root").await;
    let reply = srv
        .post(&messages_path(conv), &customer, json!({"message_type": "text", "content": "in thread", "parent_message_id": root["id"]}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["parent_message_id"], root["id"]);
    let list = srv.get(&messages_path(conv), &customer).await;
    assert_eq!(
        list.body["messages"][0]["parent_message_id"], root["id"],
        "the thread link is stored"
    );

    // A parent from another conversation (even the same customer's) is refused.
    let other = create_ticket(
        &srv.db,
        srv.world.tenant.id,
        &srv.world.customer,
        "Second order",
        None,
    )
    .await;
    let elsewhere = send(&srv, &customer, other.conversation_id, "other conversation").await;
    let r = srv
        .post(
            &messages_path(conv),
            &customer,
            json!({"message_type": "text", "content": "x", "parent_message_id": elsewhere["id"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert_eq!(r.code(), "invalid_input");
    let r = srv
        .post(&messages_path(conv), &customer, json!({"message_type": "text", "content": "x", "parent_message_id": uuid::Uuid::now_v7()}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown parent: {:?}",
        r.body
    );
    let r = srv
        .post(
            &messages_path(conv),
            &customer,
            json!({"message_type": "text", "content": "x", "parent_message_id": "not-a-uuid"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert_eq!(
        srv.get(&messages_path(conv), &customer).await.body["total"],
        2,
        "no refused message was stored"
    );
});

both_engines!(
    internal_notes_are_for_support_users_only,
    |srv: Srv| async move {
        let agent = srv.login("agent1@demo.test").await;
        let customer = srv.login("customer@demo.test").await;
        let conv = srv.world.ticket.conversation_id;
        send(&srv, &customer, conv, "public question").await;
        let note = srv
            .post(
                &messages_path(conv),
                &agent,
                json!({"content": "customer seems upset, refund?", "internal": true}),
            )
            .await;
        assert_eq!(note.status, StatusCode::CREATED, "{:?}", note.body);
        assert_eq!(note.body["internal"], true);
        let note_id = note.body["id"].clone();

        let staff_view = srv.get(&messages_path(conv), &agent).await;
        assert_eq!(staff_view.body["total"], 2);
        assert!(
            staff_view.body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"] == note_id && m["internal"] == true)
        );
        let lead = srv.login("lead@demo.test").await;
        assert_eq!(
            srv.get(&messages_path(conv), &lead).await.body["total"],
            2,
            "every support user sees notes"
        );

        let customer_view = srv.get(&messages_path(conv), &customer).await;
        assert_eq!(customer_view.status, StatusCode::OK);
        assert_eq!(
            customer_view.body["total"], 1,
            "total does not count notes for customers"
        );
        let text = customer_view.body.to_string();
        assert!(
            !text.contains(note_id.as_str().unwrap()),
            "the note's id never reaches the customer"
        );
        assert!(
            !text.contains("refund?"),
            "the note's content never reaches the customer"
        );

        let refused = srv
            .post(
                &messages_path(conv),
                &customer,
                json!({"content": "sneaky", "internal": true}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
        assert_eq!(refused.code(), "forbidden");
        assert_eq!(
            srv.get(&messages_path(conv), &agent).await.body["total"],
            2,
            "the refused note was not stored"
        );

        // Replying in a note's thread does not reveal it either.
        let r = srv
            .post(
                &messages_path(conv),
                &customer,
                json!({"content": "reply", "parent_message_id": note_id}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
        assert!(!r.body.to_string().contains("refund?"));
    }
);

both_engines!(
    customer_reply_reopens_pending_or_solved_ticket,
    |srv: Srv| async move {
        let agent = srv.login("agent1@demo.test").await;
        let customer = srv.login("customer@demo.test").await;
        let id = srv.world.ticket.id;
        let conv = srv.world.ticket.conversation_id;
        for status in ["pending", "solved"] {
            srv.set_status(&agent, id, status).await;
            assert_eq!(ticket_status(&srv, &agent, id).await, status);
            send(&srv, &customer, conv, &format!("reply while {status}")).await;
            assert_eq!(
                ticket_status(&srv, &agent, id).await,
                "open",
                "a customer reply re-opens a {status} ticket"
            );
        }
        // An agent's reply or an internal note does not re-open a pending ticket.
        srv.set_status(&agent, id, "pending").await;
        send(&srv, &agent, conv, "waiting for you").await;
        let note = srv
            .post(
                &messages_path(conv),
                &agent,
                json!({"content": "note", "internal": true}),
            )
            .await;
        assert_eq!(note.status, StatusCode::CREATED);
        assert_eq!(ticket_status(&srv, &agent, id).await, "pending");
    }
);
