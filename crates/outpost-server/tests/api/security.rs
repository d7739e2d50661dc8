//! Security: tenant isolation on every route and in the sync feed, internal notes
//! never reaching customers, roles and API-key scopes, mass assignment, sync client
//! ownership.

use crate::both_engines;
use crate::support::*;
use outpost_server::auth::Scope;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Pulls the whole change feed from the start.
async fn pull_everything(srv: &Srv, token: &str) -> Vec<Value> {
    let mut cursor = "0".to_owned();
    let mut out = Vec::new();
    loop {
        let r = srv
            .get(&format!("/sync/v1/changes?cursor={cursor}&limit=50"), token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        out.extend(r.body["changes"].as_array().unwrap().iter().cloned());
        cursor = r.body["cursor"].as_str().unwrap().to_owned();
        if !r.body["has_more"].as_bool().unwrap() {
            return out;
        }
    }
}

/// A push of `mutations` (name, args) with seqs 1..n under a fresh client id.
fn batch(mutations: &[(&str, Value)]) -> Value {
    let ms: Vec<Value> = mutations
        .iter()
        .enumerate()
        .map(|(i, (name, args))| json!({"seq": i + 1, "id": uuid::Uuid::now_v7(), "name": name, "args": args}))
        .collect();
    json!({"client_id": uuid::Uuid::now_v7(), "mutations": ms})
}

/// State of the foreign tenant as its own agent sees it.
async fn foreign_snapshot(srv: &Srv, foreign_token: &str) -> (Value, Value) {
    let t = srv.world.foreign_ticket.id;
    let c = srv.world.foreign_ticket.conversation_id;
    let ticket = srv
        .get(&format!("/messaging/support/tickets/{t}"), foreign_token)
        .await;
    assert_eq!(ticket.status, StatusCode::OK, "{:?}", ticket.body);
    let msgs = srv
        .get(
            &format!("/messaging/conversations/{c}/messages?limit=100"),
            foreign_token,
        )
        .await;
    assert_eq!(msgs.status, StatusCode::OK, "{:?}", msgs.body);
    let mut ticket = ticket.body;
    // Reading moves the foreign agent's own read marker; compare the rest.
    if let Some(ps) = ticket["conversation"]["participants"].as_array_mut() {
        for p in ps {
            p["last_read_message_id"] = Value::Null;
        }
    }
    (ticket, msgs.body)
}

/// Strings of the other tenant that must never appear in a demo response.
fn foreign_markers(srv: &Srv) -> Vec<String> {
    vec![
        srv.world.foreign_ticket.id.to_string(),
        srv.world.foreign_ticket.conversation_id.to_string(),
        srv.world.foreign_agent.id.to_string(),
        srv.world.other_tenant.id.to_string(),
        "acme.test".into(),
        "Acme secret".into(),
    ]
}

fn assert_no_foreign_data(srv: &Srv, what: &str, body: &Value) {
    let text = body.to_string();
    for m in foreign_markers(srv) {
        // The id the caller sent may be echoed in nothing but this 404; it must not be.
        assert!(!text.contains(&m), "{what}: body leaks {m:?}: {text}");
    }
}

both_engines!(
    foreign_ids_are_404_on_every_seed_route,
    |srv: Srv| async move {
        let foreign = srv.login("agent1@acme.test").await;
        let fc = srv.world.foreign_ticket.conversation_id;
        let posted = srv
            .post(
                &format!("/messaging/conversations/{fc}/messages"),
                &foreign,
                json!({"content": "Acme secret message"}),
            )
            .await;
        assert_eq!(posted.status, StatusCode::CREATED);
        let before = foreign_snapshot(&srv, &foreign).await;

        let ft = srv.world.foreign_ticket.id;
        for who in [
            "agent1@demo.test",
            "admin@demo.test",
            "lead@demo.test",
            "customer@demo.test",
        ] {
            let token = srv.login(who).await;
            let calls: Vec<(Method, String, Option<Value>)> = vec![
                (
                    Method::GET,
                    format!("/messaging/support/tickets/{ft}"),
                    None,
                ),
                (
                    Method::POST,
                    format!("/messaging/support/tickets/{ft}/assign-to-me"),
                    Some(json!({})),
                ),
                (
                    Method::POST,
                    format!("/messaging/support/tickets/{ft}/close"),
                    Some(json!({"metadata": {"note": "pwned"}})),
                ),
                (
                    Method::GET,
                    format!("/messaging/conversations/{fc}/messages"),
                    None,
                ),
                (
                    Method::GET,
                    format!(
                        "/messaging/conversations/{fc}/messages?page=1&limit=20&timestamp_range="
                    ),
                    None,
                ),
                (
                    Method::POST,
                    format!("/messaging/conversations/{fc}/messages"),
                    Some(json!({"message_type": "text", "content": "pwned"})),
                ),
                // The ticket id where a conversation id goes, and the other way round.
                (
                    Method::GET,
                    format!("/messaging/conversations/{ft}/messages"),
                    None,
                ),
                (
                    Method::GET,
                    format!("/messaging/support/tickets/{fc}"),
                    None,
                ),
            ];
            for (method, path, body) in calls {
                let r = srv.call(method.clone(), &path, Some(&token), body).await;
                let customer_on_queue =
                    who.starts_with("customer") && path.starts_with("/messaging/support");
                if customer_on_queue {
                    // Customers are refused by role before any lookup: no existence oracle either.
                    assert_eq!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{who} {method} {path}: {:?}",
                        r.body
                    );
                } else {
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{who} {method} {path}: {:?}",
                        r.body
                    );
                    assert_eq!(r.code(), "not_found");
                }
                assert!(r.body["message"].is_string());
                let text = r.body.to_string();
                for leak in [
                    "Acme secret",
                    "acme.test",
                    &srv.world.other_tenant.id.to_string(),
                    &srv.world.foreign_agent.id.to_string(),
                ] {
                    assert!(
                        !text.contains(leak),
                        "{who} {method} {path} leaks {leak:?}: {text}"
                    );
                }
            }
        }
        assert_eq!(
            foreign_snapshot(&srv, &foreign).await,
            before,
            "the other tenant's data is unchanged"
        );
    }
);

both_engines!(
    other_tenants_agent_cannot_reach_demo_ticket,
    |srv: Srv| async move {
        let foreign = srv.login("agent1@acme.test").await;
        let t = srv.world.ticket.id;
        let c = srv.world.ticket.conversation_id;
        for (method, path, body) in [
            (Method::GET, format!("/messaging/support/tickets/{t}"), None),
            (
                Method::POST,
                format!("/messaging/support/tickets/{t}/assign-to-me"),
                Some(json!({})),
            ),
            (
                Method::POST,
                format!("/messaging/support/tickets/{t}/close"),
                Some(json!({})),
            ),
            (
                Method::GET,
                format!("/messaging/conversations/{c}/messages"),
                None,
            ),
            (
                Method::POST,
                format!("/messaging/conversations/{c}/messages"),
                Some(json!({"content": "hi"})),
            ),
        ] {
            let r = srv.call(method.clone(), &path, Some(&foreign), body).await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {:?}",
                r.body
            );
            assert!(!r.body.to_string().contains("Order #1001"));
            assert!(!r.body.to_string().contains("demo.test"));
        }
        let agent = srv.login("agent1@demo.test").await;
        let d = srv
            .get(&format!("/messaging/support/tickets/{t}"), &agent)
            .await;
        assert_eq!(d.body["status"], "new");
        assert!(d.body["assigned_to"].is_null());
        assert_eq!(d.body["message_count"], 0);
        let queue = srv.get("/messaging/support/tickets", &foreign).await;
        assert_eq!(
            queue.body["total"], 1,
            "acme's queue has only acme's ticket"
        );
        assert_eq!(
            queue.body["tickets"][0]["id"],
            srv.world.foreign_ticket.id.to_string()
        );
    }
);

both_engines!(
    tenant_id_of_another_tenant_is_403_on_every_route,
    |srv: Srv| async move {
        let token = srv.login("agent1@demo.test").await;
        let other = srv.world.other_tenant.id;
        let mine = srv.world.tenant.id;
        let t = srv.world.ticket.id;
        let c = srv.world.ticket.conversation_id;
        let routes: Vec<(Method, String, Option<Value>)> = vec![
            (
                Method::GET,
                "/messaging/support/tickets?page=1&limit=20".into(),
                None,
            ),
            (Method::GET, format!("/messaging/support/tickets/{t}"), None),
            (
                Method::POST,
                format!("/messaging/support/tickets/{t}/assign-to-me"),
                Some(json!({})),
            ),
            (
                Method::POST,
                format!("/messaging/support/tickets/{t}/close"),
                Some(json!({"metadata": {"note": "x"}})),
            ),
            (
                Method::GET,
                format!("/messaging/conversations/{c}/messages?page=1&limit=20&timestamp_range="),
                None,
            ),
            (
                Method::POST,
                format!("/messaging/conversations/{c}/messages"),
                Some(json!({"content": "x"})),
            ),
            (Method::GET, "/sync/v1/changes?cursor=0".into(), None),
            (
                Method::POST,
                "/sync/v1/mutations".into(),
                Some(batch(&[("ticket.claim", json!({"ticket_id": t}))])),
            ),
            (Method::GET, "/sync/v1/events".into(), None),
            (Method::GET, "/auth/v1/me".into(), None),
            (Method::POST, "/auth/v1/logout".into(), None),
        ];
        let with_tenant = |path: &str, tenant: &str| {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}tenant_id={tenant}")
        };
        for (method, path, body) in &routes {
            for tenant in [other.to_string(), "acme".to_owned()] {
                let r = srv
                    .call(
                        method.clone(),
                        &with_tenant(path, &tenant),
                        Some(&token),
                        body.clone(),
                    )
                    .await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} tenant_id={tenant}: {:?}",
                    r.body
                );
                assert_eq!(r.code(), "tenant_mismatch", "{method} {path}");
                assert!(!r.body.to_string().contains("Acme"));
            }
        }
        let me = srv
            .get(&with_tenant("/auth/v1/me", &mine.to_string()), &token)
            .await;
        assert_eq!(
            me.status,
            StatusCode::OK,
            "the refused logout did not revoke the token"
        );
        // Nothing was claimed, closed or posted by the refused calls.
        let d = srv
            .get(
                &format!("/messaging/support/tickets/{t}?tenant_id={mine}"),
                &token,
            )
            .await;
        assert_eq!(
            d.status,
            StatusCode::OK,
            "the token's own tenant_id is accepted"
        );
        assert_eq!(d.body["status"], "new");
        assert!(d.body["assigned_to"].is_null());
        let l = srv
            .get(
                &format!("/messaging/conversations/{c}/messages?tenant_id={mine}"),
                &token,
            )
            .await;
        assert_eq!(l.body["total"], 0);
    }
);

both_engines!(
    sync_feed_never_carries_another_tenants_entities,
    |srv: Srv| async move {
        let foreign = srv.login("agent1@acme.test").await;
        let fc = srv.world.foreign_ticket.conversation_id;
        let fmsg = srv
            .post(
                &format!("/messaging/conversations/{fc}/messages"),
                &foreign,
                json!({"content": "Acme secret message"}),
            )
            .await;
        assert_eq!(fmsg.status, StatusCode::CREATED);
        let claim = srv
            .post(
                &format!(
                    "/messaging/support/tickets/{}/assign-to-me",
                    srv.world.foreign_ticket.id
                ),
                &foreign,
                json!({}),
            )
            .await;
        assert_eq!(claim.status, StatusCode::OK);
        let agent = srv.login("agent1@demo.test").await;
        let dmsg = srv
            .post(
                &format!(
                    "/messaging/conversations/{}/messages",
                    srv.world.ticket.conversation_id
                ),
                &agent,
                json!({"content": "Demo reply"}),
            )
            .await;
        assert_eq!(dmsg.status, StatusCode::CREATED);

        for who in ["agent1@demo.test", "admin@demo.test", "customer@demo.test"] {
            let token = srv.login(who).await;
            let feed = pull_everything(&srv, &token).await;
            assert!(!feed.is_empty());
            let text = serde_json::to_string(&feed).unwrap();
            assert_no_foreign_data(&srv, who, &Value::String(text.clone()));
            assert!(
                !text.contains(fmsg.body["id"].as_str().unwrap()),
                "{who} sees acme's message"
            );
        }
        let staff_feed = serde_json::to_string(&pull_everything(&srv, &agent).await).unwrap();
        assert!(
            staff_feed.contains(dmsg.body["id"].as_str().unwrap()),
            "the demo message is in demo's feed"
        );

        let acme_feed = serde_json::to_string(&pull_everything(&srv, &foreign).await).unwrap();
        assert!(acme_feed.contains(fmsg.body["id"].as_str().unwrap()));
        for leak in [
            srv.world.ticket.id.to_string(),
            srv.world.agent1.id.to_string(),
            "demo.test".into(),
            "Order #1001".into(),
            dmsg.body["id"].as_str().unwrap().to_owned(),
        ] {
            assert!(!acme_feed.contains(&leak), "acme's feed leaks {leak:?}");
        }
    }
);

both_engines!(
    sync_mutations_against_foreign_ids_are_not_found,
    |srv: Srv| async move {
        let foreign = srv.login("agent1@acme.test").await;
        let fmsg = srv
            .post(
                &format!(
                    "/messaging/conversations/{}/messages",
                    srv.world.foreign_ticket.conversation_id
                ),
                &foreign,
                json!({"content": "Acme secret message"}),
            )
            .await;
        assert_eq!(fmsg.status, StatusCode::CREATED);
        let before = foreign_snapshot(&srv, &foreign).await;
        let foreign_customer = before.0["requester"]["id"].clone();
        assert!(foreign_customer.is_string());

        let ft = srv.world.foreign_ticket.id;
        let fc = srv.world.foreign_ticket.conversation_id;
        let fa = srv.world.foreign_agent.id;
        let admin = srv.login("admin@demo.test").await;
        let mutations = [
            ("ticket.claim", json!({"ticket_id": ft})),
            (
                "ticket.update",
                json!({"ticket_id": ft, "priority": "urgent", "subject": "pwned"}),
            ),
            (
                "ticket.assign",
                json!({"ticket_id": ft, "assignee_id": srv.world.agent1.id}),
            ),
            ("ticket.takeover", json!({"ticket_id": ft})),
            ("ticket.close", json!({"ticket_id": ft, "note": "pwned"})),
            ("ticket.reopen", json!({"ticket_id": ft})),
            ("ticket.tag_add", json!({"ticket_id": ft, "tag": "pwned"})),
            ("ticket.tag_remove", json!({"ticket_id": ft, "tag": "vip"})),
            (
                "message.send",
                json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": ft, "content": "pwned"}),
            ),
            (
                "conversation.read",
                json!({"conversation_id": fc, "message_id": fmsg.body["id"]}),
            ),
            // Foreign references inside the caller's own tenant.
            (
                "ticket.assign",
                json!({"ticket_id": srv.world.ticket.id, "assignee_id": fa}),
            ),
            (
                "ticket.create",
                json!({"ticket_id": uuid::Uuid::now_v7(), "subject": "Follow-up", "follow_up_of": ft}),
            ),
            (
                "ticket.create",
                json!({"ticket_id": uuid::Uuid::now_v7(), "subject": "For them", "requester_id": foreign_customer}),
            ),
            (
                "ticket.create",
                json!({"ticket_id": uuid::Uuid::now_v7(), "subject": "Theirs", "assignee_id": fa}),
            ),
            (
                "conversation.read",
                json!({"conversation_id": srv.world.ticket.conversation_id, "message_id": fmsg.body["id"]}),
            ),
        ];
        let r = srv
            .post("/sync/v1/mutations", &admin, batch(&mutations))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let results = r.body["results"].as_array().unwrap();
        assert_eq!(results.len(), mutations.len());
        for (res, (name, args)) in results.iter().zip(&mutations) {
            assert_eq!(res["status"], "rejected", "{name} {args}: {res}");
            assert_eq!(res["code"], "not_found", "{name} {args}: {res}");
            assert!(!res.to_string().contains("Acme secret"));
            assert!(
                res.get("conflict").is_none_or(|c| c.is_null()),
                "no foreign state in the rejection: {res}"
            );
        }
        assert_eq!(
            foreign_snapshot(&srv, &foreign).await,
            before,
            "the other tenant's data is unchanged"
        );
        let d = srv
            .get(
                &format!("/messaging/support/tickets/{}", srv.world.ticket.id),
                &admin,
            )
            .await;
        assert!(
            d.body["assigned_to"].is_null(),
            "the refused assignment left the demo ticket alone"
        );
        let q = srv.get("/messaging/support/tickets", &admin).await;
        assert_eq!(q.body["total"], 1, "no ticket was created");
    }
);

both_engines!(
    ids_taken_in_another_tenant_are_refused_without_5xx,
    |srv: Srv| async move {
        // Client-chosen ids that already exist in the other tenant: refused as a conflict
        // (never a 500, never touching the other tenant's rows).
        let foreign = srv.login("agent1@acme.test").await;
        let fmsg = srv
            .post(
                &format!(
                    "/messaging/conversations/{}/messages",
                    srv.world.foreign_ticket.conversation_id
                ),
                &foreign,
                json!({"content": "Acme secret message"}),
            )
            .await;
        assert_eq!(fmsg.status, StatusCode::CREATED);
        let before = foreign_snapshot(&srv, &foreign).await;
        let agent = srv.login("agent1@demo.test").await;

        let r = srv
            .post(
                &format!(
                    "/messaging/conversations/{}/messages",
                    srv.world.ticket.conversation_id
                ),
                &agent,
                json!({"id": fmsg.body["id"], "content": "collide"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
        assert_eq!(r.code(), "conflict");
        assert!(!r.body.to_string().contains("Acme secret"));

        let mutations = [
            (
                "message.send",
                json!({"message_id": fmsg.body["id"], "ticket_id": srv.world.ticket.id, "content": "collide"}),
            ),
            (
                "ticket.create",
                json!({"ticket_id": srv.world.foreign_ticket.id, "subject": "collide"}),
            ),
            (
                "ticket.create",
                json!({"ticket_id": uuid::Uuid::now_v7(), "conversation_id": srv.world.foreign_ticket.conversation_id, "subject": "collide"}),
            ),
        ];
        let r = srv
            .post("/sync/v1/mutations", &agent, batch(&mutations))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        for (res, (name, _)) in r.body["results"].as_array().unwrap().iter().zip(&mutations) {
            assert_eq!(res["status"], "rejected", "{name}: {res}");
            assert_eq!(res["code"], "conflict", "{name}: {res}");
        }
        assert_eq!(foreign_snapshot(&srv, &foreign).await, before);
        let l = srv
            .get(
                &format!(
                    "/messaging/conversations/{}/messages",
                    srv.world.ticket.conversation_id
                ),
                &agent,
            )
            .await;
        assert_eq!(l.body["total"], 0);
        assert_eq!(
            srv.get("/messaging/support/tickets", &agent).await.body["total"],
            1
        );
    }
);

both_engines!(
    customers_never_receive_internal_notes,
    |srv: Srv| async move {
        let agent = srv.login("agent1@demo.test").await;
        let customer = srv.login("customer@demo.test").await;
        let t = srv.world.ticket.id;
        let c = srv.world.ticket.conversation_id;
        let public = srv
            .post(
                &format!("/messaging/conversations/{c}/messages"),
                &customer,
                json!({"content": "my parcel is broken"}),
            )
            .await;
        assert_eq!(public.status, StatusCode::CREATED);
        let note = srv
            .post(
                &format!("/messaging/conversations/{c}/messages"),
                &agent,
                json!({"content": "SECRET-NOTE-1 check fraud list", "internal": true}),
            )
            .await;
        assert_eq!(note.status, StatusCode::CREATED);
        let sync_note_id = uuid::Uuid::now_v7();
        let r = srv
        .post(
            "/sync/v1/mutations",
            &agent,
            batch(&[
                ("message.send", json!({"message_id": sync_note_id, "ticket_id": t, "content": "SECRET-NOTE-2 via sync", "internal": true})),
                ("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": t, "content": "We will replace it", "parent_message_id": note.body["id"], "internal": true})),
            ]),
        )
        .await;
        assert!(
            r.body["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x["status"] == "applied"),
            "{:?}",
            r.body
        );
        let secrets = [
            note.body["id"].as_str().unwrap().to_owned(),
            sync_note_id.to_string(),
            "SECRET-NOTE".into(),
        ];

        // Seed 003 list, every page size.
        for limit in [1, 20, 100] {
            let l = srv
                .get(
                    &format!("/messaging/conversations/{c}/messages?limit={limit}"),
                    &customer,
                )
                .await;
            assert_eq!(l.status, StatusCode::OK);
            assert!(
                l.body["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|m| m["internal"] == false)
            );
            for s in &secrets {
                assert!(
                    !l.body.to_string().contains(s.as_str()),
                    "seed 003 list leaks {s}"
                );
            }
        }
        // Sync pull.
        let feed = pull_everything(&srv, &customer).await;
        assert!(
            feed.iter()
                .any(|e| e["entity"] == "message" && e["data"]["id"] == public.body["id"]),
            "the customer's own message is in their feed"
        );
        assert!(
            !feed
                .iter()
                .any(|e| e["entity"] == "message" && e["data"]["internal"] == true)
        );
        assert!(
            !feed.iter().any(|e| e["entity"] == "history"),
            "ticket history is staff-only"
        );
        let text = serde_json::to_string(&feed).unwrap();
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "sync feed leaks {s}");
        }
        // Marking a note as read is refused like an unknown message.
        let r = srv
            .post(
                "/sync/v1/mutations",
                &customer,
                batch(&[(
                    "conversation.read",
                    json!({"conversation_id": c, "message_id": note.body["id"]}),
                )]),
            )
            .await;
        assert_eq!(r.body["results"][0]["code"], "not_found", "{:?}", r.body);
        // Sending a note via sync as a customer is refused.
        let r = srv
        .post("/sync/v1/mutations", &customer, batch(&[("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": t, "content": "x", "internal": true}))]))
        .await;
        assert_eq!(r.body["results"][0]["code"], "forbidden", "{:?}", r.body);
        // The staff views do carry the notes.
        let staff = serde_json::to_string(&pull_everything(&srv, &agent).await).unwrap();
        assert!(staff.contains("SECRET-NOTE-1") && staff.contains("SECRET-NOTE-2"));
    }
);

both_engines!(
    customer_feed_holds_only_their_own_tickets,
    |srv: Srv| async move {
        let other = create_ticket(
            &srv.db,
            srv.world.tenant.id,
            &srv.world.customer2,
            "Customer two private matter",
            None,
        )
        .await;
        let customer = srv.login("customer@demo.test").await;
        let feed = serde_json::to_string(&pull_everything(&srv, &customer).await).unwrap();
        assert!(feed.contains(&srv.world.ticket.id.to_string()));
        assert!(
            !feed.contains(&other.id.to_string()),
            "another customer's ticket id (not even as a tombstone)"
        );
        assert!(!feed.contains("Customer two private matter"));
        assert!(!feed.contains(&other.conversation_id.to_string()));
        assert!(
            !feed.contains("customer2@demo.test"),
            "other customers' profiles are not in a customer's feed"
        );
    }
);

both_engines!(
    customers_and_outsiders_are_refused_by_the_queue,
    |srv: Srv| async move {
        let t = srv.world.ticket.id;
        for who in [
            "customer@demo.test",
            "customer2@demo.test",
            "outsider@demo.test",
        ] {
            let token = srv.login(who).await;
            for (method, path, body) in [
                (Method::GET, "/messaging/support/tickets".to_owned(), None),
                (
                    Method::GET,
                    format!(
                        "/messaging/support/tickets?tenant_id={}&page=1&limit=20",
                        srv.world.tenant.id
                    ),
                    None,
                ),
                (Method::GET, format!("/messaging/support/tickets/{t}"), None),
                (
                    Method::POST,
                    format!("/messaging/support/tickets/{t}/assign-to-me"),
                    Some(json!({})),
                ),
                (
                    Method::POST,
                    format!("/messaging/support/tickets/{t}/close"),
                    Some(json!({"metadata": {"note": "done"}})),
                ),
            ] {
                let r = srv.call(method.clone(), &path, Some(&token), body).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{who} {method} {path}: {:?}",
                    r.body
                );
                assert_eq!(r.code(), "forbidden");
                assert!(r.body.get("tickets").is_none() && r.body.get("subject").is_none());
            }
        }
        let agent = srv.login("agent1@demo.test").await;
        let d = srv
            .get(&format!("/messaging/support/tickets/{t}"), &agent)
            .await;
        assert_eq!(d.body["status"], "new", "nothing was closed");
        assert!(d.body["assigned_to"].is_null(), "nothing was claimed");
        // The admin is a support user by role.
        let admin = srv.login("admin@demo.test").await;
        assert_eq!(
            srv.get("/messaging/support/tickets", &admin).await.status,
            StatusCode::OK
        );
    }
);

both_engines!(
    assigned_to_filter_is_for_elevated_support_users,
    |srv: Srv| async move {
        let agent = srv.login("agent1@demo.test").await;
        let lead = srv.login("lead@demo.test").await;
        let extra = create_ticket(
            &srv.db,
            srv.world.tenant.id,
            &srv.world.customer2,
            "Second ticket",
            None,
        )
        .await;
        let claim = srv
            .post(
                &format!(
                    "/messaging/support/tickets/{}/assign-to-me",
                    srv.world.ticket.id
                ),
                &agent,
                json!({}),
            )
            .await;
        assert_eq!(claim.status, StatusCode::OK);

        let mine = srv
            .get(
                &format!(
                    "/messaging/support/tickets?assigned_to={}",
                    srv.world.agent1.id
                ),
                &lead,
            )
            .await;
        assert_eq!(mine.status, StatusCode::OK, "{:?}", mine.body);
        assert_eq!(mine.body["total"], 1);
        assert_eq!(
            mine.body["tickets"][0]["id"],
            srv.world.ticket.id.to_string()
        );
        assert_eq!(
            mine.body["tickets"][0]["assigned_to_user"]["email"],
            "agent1@demo.test"
        );
        for other in [&srv.world.agent2, &srv.world.lead] {
            let none = srv
                .get(
                    &format!("/messaging/support/tickets?assigned_to={}", other.id),
                    &lead,
                )
                .await;
            assert_eq!(none.status, StatusCode::OK);
            assert_eq!(none.body["total"], 0);
        }
        let unassigned = srv
            .get(
                "/messaging/support/tickets?assignment_scope=unassigned",
                &lead,
            )
            .await;
        assert_eq!(unassigned.body["tickets"][0]["id"], extra.id.to_string());

        for token in [&agent, &srv.login("agent2@demo.test").await] {
            let r = srv
                .get(
                    &format!(
                        "/messaging/support/tickets?assigned_to={}",
                        srv.world.agent1.id
                    ),
                    token,
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
            assert_eq!(r.code(), "forbidden");
        }
        let bad = srv
            .get("/messaging/support/tickets?assigned_to=agent1", &lead)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{:?}", bad.body);
        assert_eq!(bad.code(), "invalid_id");
        let foreign = srv
            .get(
                &format!(
                    "/messaging/support/tickets?assigned_to={}",
                    srv.world.foreign_agent.id
                ),
                &lead,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::OK);
        assert_eq!(
            foreign.body["total"], 0,
            "another tenant's agent holds nothing here"
        );
    }
);

both_engines!(api_key_scopes_are_enforced, |srv: Srv| async move {
    use outpost_server::service::auth::create_api_key;
    let tenant = srv.world.tenant.id;
    let read = create_api_key(
        &srv.db,
        tenant,
        srv.world.agent1.id,
        "reporting",
        &[Scope::TicketsRead],
    )
    .await
    .unwrap();
    let write_only = create_api_key(
        &srv.db,
        tenant,
        srv.world.agent1.id,
        "bot",
        &[Scope::TicketsWrite],
    )
    .await
    .unwrap();
    let full = create_api_key(
        &srv.db,
        tenant,
        srv.world.agent2.id,
        "integration",
        &[Scope::TicketsRead, Scope::TicketsWrite],
    )
    .await
    .unwrap();
    let t = srv.world.ticket.id;
    let c = srv.world.ticket.conversation_id;

    // Read-only: every read works.
    let l = srv
        .get("/messaging/support/tickets?page=1&limit=20", &read)
        .await;
    assert_eq!(l.status, StatusCode::OK, "{:?}", l.body);
    assert_eq!(l.body["total"], 1);
    assert_eq!(
        srv.get(&format!("/messaging/support/tickets/{t}"), &read)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        srv.get(&format!("/messaging/conversations/{c}/messages"), &read)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        srv.get("/sync/v1/changes?cursor=0", &read).await.status,
        StatusCode::OK
    );
    assert_eq!(srv.get("/auth/v1/me", &read).await.status, StatusCode::OK);

    // …and every write is refused.
    for (path, body) in [
        (
            format!("/messaging/support/tickets/{t}/assign-to-me"),
            json!({}),
        ),
        (
            format!("/messaging/support/tickets/{t}/close"),
            json!({"metadata": {"note": "x"}}),
        ),
        (
            format!("/messaging/conversations/{c}/messages"),
            json!({"content": "x"}),
        ),
        (
            "/sync/v1/mutations".to_owned(),
            batch(&[("ticket.claim", json!({"ticket_id": t}))]),
        ),
        (
            "/sync/v1/mutations".to_owned(),
            batch(&[(
                "message.send",
                json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": t, "content": "x"}),
            )]),
        ),
    ] {
        let r = srv.post(&path, &read, body).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "read-only key POST {path}: {:?}",
            r.body
        );
        assert_eq!(r.code(), "forbidden");
    }
    // A key without tickets:read reads nothing: not the feed, not the queue, not messages.
    for path in [
        "/sync/v1/changes?cursor=0".to_owned(),
        "/messaging/support/tickets".to_owned(),
        format!("/messaging/support/tickets/{t}"),
        format!("/messaging/conversations/{c}/messages"),
    ] {
        let r = srv.get(&path, &write_only).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {:?}", r.body);
    }

    let agent = srv.login("agent2@demo.test").await;
    let d = srv
        .get(&format!("/messaging/support/tickets/{t}"), &agent)
        .await;
    assert_eq!(d.body["status"], "new");
    assert!(d.body["assigned_to"].is_null());
    assert_eq!(
        srv.get(&format!("/messaging/conversations/{c}/messages"), &agent)
            .await
            .body["total"],
        0
    );

    // A key with both scopes writes.
    let claim = srv
        .post(
            &format!("/messaging/support/tickets/{t}/assign-to-me"),
            &full,
            json!({}),
        )
        .await;
    assert_eq!(claim.status, StatusCode::OK, "{:?}", claim.body);
    assert_eq!(claim.body["assigned_to_user"]["email"], "agent2@demo.test");
    // An unknown key is 401.
    let r = srv
        .get("/messaging/support/tickets", &format!("{read}x"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
});

both_engines!(
    mass_assignment_is_refused_and_changes_nothing,
    |srv: Srv| async move {
        let agent = srv.login("agent1@demo.test").await;
        let customer = srv.login("customer@demo.test").await;
        let t = srv.world.ticket.id;
        let c = srv.world.ticket.conversation_id;
        let other = srv.world.other_tenant.id;
        let past = "2000-01-01T00:00:00Z";
        let expect_unknown = |what: String, r: Resp| {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {:?}", r.body);
            assert_eq!(r.code(), "unknown_field", "{what}: {:?}", r.body);
        };

        // Close.
        for body in [
            json!({"metadata": {"note": "x"}, "tenant_id": other}),
            json!({"metadata": {"note": "x"}, "id": uuid::Uuid::now_v7()}),
            json!({"metadata": {"note": "x"}, "created_at": past}),
            json!({"metadata": {"note": "x"}, "status": "open"}),
            json!({"metadata": {"note": "x", "created_at": past}}),
        ] {
            let r = srv
                .post(
                    &format!("/messaging/support/tickets/{t}/close"),
                    &agent,
                    body.clone(),
                )
                .await;
            expect_unknown(format!("close {body}"), r);
        }
        // Send message.
        for body in [
            json!({"content": "x", "tenant_id": other}),
            json!({"content": "x", "created_at": past}),
            json!({"content": "x", "sender_id": srv.world.agent1.id}),
            json!({"content": "x", "conversation_id": srv.world.foreign_ticket.conversation_id}),
            json!({"content": "x", "ticket_id": srv.world.foreign_ticket.id}),
            json!({"content": "x", "sender": {"role": "admin"}}),
        ] {
            let r = srv
                .post(
                    &format!("/messaging/conversations/{c}/messages"),
                    &customer,
                    body.clone(),
                )
                .await;
            expect_unknown(format!("send {body}"), r);
        }
        // Login.
        for extra in [
            json!({"tenant_id": other}),
            json!({"role": "admin"}),
            json!({"id": srv.world.admin.id}),
            json!({"created_at": past}),
        ] {
            let mut body = json!({"email": "customer@demo.test", "password": PASSWORD});
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let r = srv
                .call(Method::POST, "/auth/v1/login", None, Some(body.clone()))
                .await;
            expect_unknown(format!("login {body}"), r);
        }
        // Sync mutation args and envelopes.
        for (name, args) in [
            (
                "ticket.update",
                json!({"ticket_id": t, "priority": "high", "tenant_id": other}),
            ),
            (
                "ticket.update",
                json!({"ticket_id": t, "priority": "high", "created_at": past}),
            ),
            (
                "ticket.update",
                json!({"ticket_id": t, "priority": "high", "id": uuid::Uuid::now_v7()}),
            ),
            (
                "ticket.update",
                json!({"ticket_id": t, "assignee_id": srv.world.agent1.id}),
            ),
            ("ticket.claim", json!({"ticket_id": t, "tenant_id": other})),
            (
                "message.send",
                json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": t, "content": "x", "created_at": past}),
            ),
            (
                "message.send",
                json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": t, "content": "x", "sender_id": srv.world.customer.id}),
            ),
            (
                "ticket.create",
                json!({"ticket_id": uuid::Uuid::now_v7(), "subject": "x", "tenant_id": other}),
            ),
            (
                "ticket.create",
                json!({"ticket_id": uuid::Uuid::now_v7(), "subject": "x", "number": 1}),
            ),
        ] {
            let r = srv
                .post("/sync/v1/mutations", &agent, batch(&[(name, args.clone())]))
                .await;
            expect_unknown(format!("{name} {args}"), r);
        }
        let mut envelope = batch(&[("ticket.claim", json!({"ticket_id": t}))]);
        envelope["tenant_id"] = json!(other);
        expect_unknown(
            "push envelope tenant_id".into(),
            srv.post("/sync/v1/mutations", &agent, envelope).await,
        );
        let mut envelope = batch(&[("ticket.claim", json!({"ticket_id": t}))]);
        envelope["mutations"][0]["tenant_id"] = json!(other);
        expect_unknown(
            "mutation tenant_id".into(),
            srv.post("/sync/v1/mutations", &agent, envelope).await,
        );
        let mut envelope = batch(&[("ticket.claim", json!({"ticket_id": t}))]);
        envelope["mutations"][0]["created_at"] = json!(past);
        expect_unknown(
            "mutation created_at".into(),
            srv.post("/sync/v1/mutations", &agent, envelope).await,
        );

        // Nothing changed.
        let d = srv
            .get(&format!("/messaging/support/tickets/{t}"), &agent)
            .await;
        assert_eq!(d.body["status"], "new");
        assert_eq!(d.body["priority"], srv.world.ticket.priority.to_string());
        assert!(d.body["assigned_to"].is_null());
        assert_eq!(d.body["version"], srv.world.ticket.version);
        assert_eq!(
            srv.get(&format!("/messaging/conversations/{c}/messages"), &agent)
                .await
                .body["total"],
            0
        );
        assert_eq!(
            srv.get("/messaging/support/tickets", &agent).await.body["total"],
            1
        );

        // The one client-chosen id a message accepts cannot overwrite someone else's message.
        let mine = srv
            .post(
                &format!("/messaging/conversations/{c}/messages"),
                &customer,
                json!({"content": "original"}),
            )
            .await;
        assert_eq!(mine.status, StatusCode::CREATED);
        let r = srv
            .post(
                &format!("/messaging/conversations/{c}/messages"),
                &agent,
                json!({"id": mine.body["id"], "content": "overwritten"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
        let l = srv
            .get(&format!("/messaging/conversations/{c}/messages"), &agent)
            .await;
        assert_eq!(l.body["total"], 1);
        assert_eq!(l.body["messages"][0]["content"], "original");
        assert_eq!(
            l.body["messages"][0]["sender_id"],
            srv.world.customer.id.to_string()
        );
    }
);

both_engines!(
    sync_client_id_belongs_to_one_account,
    |srv: Srv| async move {
        let a = srv.login("agent1@demo.test").await;
        let b = srv.login("agent2@demo.test").await;
        let foreign = srv.login("agent1@acme.test").await;
        let client = uuid::Uuid::now_v7();
        let t = srv.world.ticket.id;
        let push = |seq: i64, name: &str, args: Value| json!({"client_id": client, "mutations": [{"seq": seq, "id": uuid::Uuid::now_v7(), "name": name, "args": args}]});
        let first = srv
            .post(
                "/sync/v1/mutations",
                &a,
                push(
                    1,
                    "ticket.update",
                    json!({"ticket_id": t, "priority": "high"}),
                ),
            )
            .await;
        assert_eq!(
            first.body["results"][0]["status"], "applied",
            "{:?}",
            first.body
        );

        for (who, token) in [("agent2", &b), ("acme agent", &foreign)] {
            // A new seq: would apply under the other account.
            let r = srv
                .post(
                    "/sync/v1/mutations",
                    token,
                    push(2, "ticket.claim", json!({"ticket_id": t})),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {:?}", r.body);
            assert_eq!(r.code(), "forbidden");
            // A replayed seq: would reveal the stored results.
            let r = srv
                .post(
                    "/sync/v1/mutations",
                    token,
                    first_request_replay(client, &first),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{who} replay: {:?}",
                r.body
            );
            assert!(r.body.get("results").is_none());
        }
        let d = srv
            .get(&format!("/messaging/support/tickets/{t}"), &a)
            .await;
        assert!(
            d.body["assigned_to"].is_null(),
            "the hijacked client applied nothing"
        );
        // The owner keeps using it.
        let next = srv
            .post(
                "/sync/v1/mutations",
                &a,
                push(2, "ticket.claim", json!({"ticket_id": t})),
            )
            .await;
        assert_eq!(
            next.body["results"][0]["status"], "applied",
            "{:?}",
            next.body
        );
    }
);

/// A push that replays seq 1 of `first` (same mutation id) under `client`.
fn first_request_replay(client: uuid::Uuid, first: &Resp) -> Value {
    let id = first.body["results"][0]["id"].clone();
    json!({"client_id": client, "mutations": [{"seq": 1, "id": id, "name": "ticket.update", "args": {"ticket_id": uuid::Uuid::now_v7(), "priority": "low"}}]})
}
