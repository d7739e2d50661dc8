//! Seed 001: `/api/v1/support/tickets`, its comments and close, exactly as documented,
//! with every error an `application/problem+json` `ErrorModel`.

use crate::both_engines;
use crate::support::*;
use outpost_server::auth::Scope;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const BASE: &str = "/api/v1/support/tickets";

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// Asserts an error is a problem with the given status and, if named, the field or
/// parameter at fault; returns its stable code.
fn assert_problem(r: &Resp, status: StatusCode, location: Option<&str>) -> String {
    assert_eq!(r.status, status, "{:?}", r.body);
    let ct = r.headers["content-type"].to_str().unwrap();
    assert_eq!(ct, "application/problem+json", "{:?}", r.body);
    assert_eq!(r.body["status"], status.as_u16(), "{:?}", r.body);
    assert_eq!(
        r.body["title"],
        status.canonical_reason().unwrap(),
        "{:?}",
        r.body
    );
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(r.body["$schema"], "/api/v1/schemas/ErrorModel.json");
    if let Some(loc) = location {
        assert_eq!(r.body["errors"][0]["location"], loc, "{:?}", r.body);
        assert!(r.body["errors"][0]["message"].is_string());
    }
    r.body["type"]
        .as_str()
        .and_then(|t| t.strip_prefix("urn:outpost:error:"))
        .expect("type carries the stable code")
        .to_owned()
}

async fn create(srv: &Srv, token: &str, body: Value) -> Value {
    let r = srv.post(BASE, token, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

async fn comment(srv: &Srv, token: &str, id: &str, body: Value) -> Resp {
    srv.post(&format!("{BASE}/{id}/comments"), token, body)
        .await
}

async fn detail(srv: &Srv, token: &str, id: &str) -> Value {
    let r = srv.get(&format!("{BASE}/{id}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

fn ticket_ids(list: &Value) -> Vec<String> {
    list["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["ticket_id"].as_str().unwrap().to_owned())
        .collect()
}

both_engines!(
    list_rows_carry_exactly_the_seed_fields,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        // The seed's example: `curl -X GET ".../api/v1/support/tickets"`.
        let r = srv.get(BASE, &customer).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(
            keys(&r.body),
            set(&["$schema", "has_more", "tickets", "total"])
        );
        assert_eq!(r.body["$schema"], "/api/v1/schemas/TicketListResponse.json");
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["has_more"], false);
        let row = &r.body["tickets"][0];
        assert_eq!(
            keys(row),
            set(&[
                "assigned_to_email",
                "comment_count",
                "created_at",
                "created_by_email",
                "priority",
                "status",
                "ticket_id",
                "title",
                "type",
                "updated_at",
            ])
        );
        assert_eq!(row["ticket_id"], srv.world.ticket.id.to_string());
        assert_eq!(row["title"], "Order #1001 arrived damaged");
        assert_eq!(row["status"], "open", "canonical new is shown open");
        assert_eq!(row["created_by_email"], "customer@demo.test");
        assert!(row["assigned_to_email"].is_null());
        assert_eq!(row["comment_count"], 0);
        assert_eq!(row["priority"], "medium");
        let created = row["created_at"].as_str().unwrap();
        assert!(
            created.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(created).is_ok(),
            "RFC 3339 UTC: {created}"
        );
    }
);

both_engines!(
    customers_see_their_own_tickets_and_support_users_the_tenant,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        let customer2 = srv.login("customer2@demo.test").await;
        let agent = srv.login("agent1@demo.test").await;
        let outsider = srv.login("outsider@demo.test").await;
        let mine = create(&srv, &customer2, json!({"title": "Where is my refund?"})).await;
        let mine = mine["ticket_id"].as_str().unwrap().to_owned();

        let c1 = srv.get(BASE, &customer).await;
        assert_eq!(ticket_ids(&c1.body), [srv.world.ticket.id.to_string()]);
        let c2 = srv.get(BASE, &customer2).await;
        assert_eq!(ticket_ids(&c2.body), [mine]);
        let all = srv.get(BASE, &agent).await;
        assert_eq!(all.body["total"], 2, "a support user sees the tenant");
        let o = srv.get(BASE, &outsider).await;
        assert_eq!(
            o.body["total"], 0,
            "an agent outside support_user_ids sees only tickets they requested, hold or answer"
        );

        // Another customer's ticket and another tenant's ticket are not found, with
        // nothing of them in the answer.
        let foreign = srv.world.foreign_ticket.id;
        for id in [srv.world.ticket.id.to_string(), foreign.to_string()] {
            for (method, path) in [
                (Method::GET, format!("{BASE}/{id}")),
                (Method::POST, format!("{BASE}/{id}/close")),
                (Method::POST, format!("{BASE}/{id}/comments")),
            ] {
                let body = (method == Method::POST).then(|| json!({"content": "hello"}));
                let r = srv.call(method, &path, Some(&customer2), body).await;
                assert_eq!(assert_problem(&r, StatusCode::NOT_FOUND, None), "not_found");
                assert!(
                    !r.body.to_string().contains("Acme") && !r.body.to_string().contains("damaged"),
                    "{:?}",
                    r.body
                );
            }
        }
        let agent_foreign = srv.get(&format!("{BASE}/{foreign}"), &agent).await;
        assert_problem(&agent_foreign, StatusCode::NOT_FOUND, None);
    }
);

both_engines!(
    paging_walks_every_ticket_once_with_exact_total_and_has_more,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        for i in 0..22 {
            create(&srv, &customer, json!({"title": format!("Question {i}")})).await;
        }
        let first = srv.get(BASE, &customer).await;
        assert_eq!(first.body["total"], 23);
        assert_eq!(
            first.body["tickets"].as_array().unwrap().len(),
            20,
            "default limit 20"
        );
        assert_eq!(first.body["has_more"], true);

        let agent = srv.login("agent1@demo.test").await;
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let r = srv
                .get(&format!("{BASE}?limit=5&offset={offset}"), &customer)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
            assert_eq!(r.body["total"], 23);
            let ids = ticket_ids(&r.body);
            seen.extend(ids.clone());
            assert_eq!(
                r.body["has_more"],
                seen.len() < 23,
                "has_more at offset {offset}"
            );
            // A change to a ticket already seen does not move it into a later page.
            if let Some(id) = ids.first() {
                let c = comment(&srv, &agent, id, json!({"content": "on it"})).await;
                assert_eq!(c.status, StatusCode::CREATED, "{:?}", c.body);
            }
            if r.body["has_more"] == false {
                break;
            }
            offset += 5;
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(seen.len(), 23, "every ticket once: {seen:?}");
        assert_eq!(unique.len(), 23);

        let past = srv.get(&format!("{BASE}?offset=1000"), &customer).await;
        assert_eq!(past.body["tickets"], json!([]));
        assert_eq!(past.body["total"], 23);
        assert_eq!(past.body["has_more"], false);
        let max = srv.get(&format!("{BASE}?limit=100"), &customer).await;
        assert_eq!(max.body["tickets"].as_array().unwrap().len(), 23);
    }
);

both_engines!(
    bad_list_parameters_are_422_problems_naming_them,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        for (query, location) in [
            ("limit=0", "query.limit"),
            ("limit=101", "query.limit"),
            ("limit=abc", "query.limit"),
            ("offset=-1", "query.offset"),
            ("offset=x", "query.offset"),
            ("status=pending", "query.status"),
            ("type=Not%20A%20Slug", "query.type"),
        ] {
            let r = srv.get(&format!("{BASE}?{query}"), &customer).await;
            assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, Some(location));
        }
        let r = srv.get(&format!("{BASE}?status=pending"), &customer).await;
        let detail = r.body["detail"].as_str().unwrap();
        for allowed in ["open", "in_progress", "resolved", "closed"] {
            assert!(detail.contains(allowed), "names {allowed}: {detail}");
        }
        assert_eq!(r.body["errors"][0]["value"], "pending");
        let unknown = srv.get(&format!("{BASE}?colour=red"), &customer).await;
        assert_eq!(
            assert_problem(&unknown, StatusCode::BAD_REQUEST, Some("query.colour")),
            "unknown_field"
        );
    }
);

both_engines!(
    status_filter_matches_the_mapping_table_row_by_row,
    |srv: Srv| async move {
        let agent = srv.login("agent1@demo.test").await;
        let customer = srv.login("customer@demo.test").await;
        // One ticket per canonical status.
        let mut by_status = Vec::new();
        for status in ["new", "open", "pending", "on_hold", "solved", "closed"] {
            let t = create(&srv, &customer, json!({"title": format!("In {status}")})).await;
            let id = t["ticket_id"].as_str().unwrap().to_owned();
            if status != "new" {
                srv.set_status(&agent, &id, status).await;
            }
            by_status.push((status, id));
        }
        let shown = srv.get(&format!("{BASE}?limit=100"), &customer).await;
        for (canonical, id) in &by_status {
            let row = shown.body["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["ticket_id"] == id.as_str())
                .unwrap();
            let expected = match *canonical {
                "new" => "open",
                "open" | "pending" | "on_hold" => "in_progress",
                "solved" => "resolved",
                _ => "closed",
            };
            assert_eq!(row["status"], expected, "{canonical} is shown {expected}");
        }
        for (filter, canonicals) in [
            ("open", vec!["new"]),
            ("in_progress", vec!["open", "pending", "on_hold"]),
            ("resolved", vec!["solved"]),
            ("closed", vec!["closed"]),
        ] {
            let r = srv
                .get(&format!("{BASE}?status={filter}&limit=100"), &customer)
                .await;
            let got: BTreeSet<String> = ticket_ids(&r.body).into_iter().collect();
            let mut want: BTreeSet<String> = by_status
                .iter()
                .filter(|(s, _)| canonicals.contains(s))
                .map(|(_, id)| id.clone())
                .collect();
            if filter == "open" {
                // The world's own ticket is new too.
                want.insert(srv.world.ticket.id.to_string());
            }
            assert_eq!(got, want, "status={filter}");
            assert_eq!(r.body["total"], want.len());
        }
        // resolved_at: solved_at, or closed_at for a ticket closed without solving.
        let solved = detail(&srv, &customer, &by_status[4].1).await;
        assert!(solved["ticket"]["resolved_at"].is_string());
        let closed = detail(&srv, &customer, &by_status[5].1).await;
        assert!(closed["ticket"]["resolved_at"].is_string());
        let open = detail(&srv, &customer, &by_status[1].1).await;
        assert!(open["ticket"]["resolved_at"].is_null());
    }
);

both_engines!(type_filter_matches_the_ticket_type, |srv: Srv| async move {
    let customer = srv.login("customer@demo.test").await;
    let bug = create(&srv, &customer, json!({"title": "Crash", "type": "bug"})).await;
    let billing = create(
        &srv,
        &customer,
        json!({"title": "Invoice", "type": "billing", "description": "twice"}),
    )
    .await;
    assert_eq!(billing["type"], "billing");
    let r = srv.get(&format!("{BASE}?type=bug"), &customer).await;
    assert_eq!(ticket_ids(&r.body), [bug["ticket_id"].as_str().unwrap()]);
    let both = srv
        .get(&format!("{BASE}?type=billing&status=open"), &customer)
        .await;
    assert_eq!(
        ticket_ids(&both.body),
        [billing["ticket_id"].as_str().unwrap()]
    );
    let none = srv
        .get(&format!("{BASE}?type=feature_request"), &customer)
        .await;
    assert_eq!(none.body["total"], 0);
});

both_engines!(
    create_returns_the_ticket_and_every_api_sees_it,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        let agent = srv.login("agent1@demo.test").await;
        // The seed's example body.
        let t = create(
            &srv,
            &customer,
            json!({"description": "string", "title": "string", "type": "string"}),
        )
        .await;
        assert_eq!(
            keys(&t),
            set(&[
                "$schema",
                "assigned_to",
                "assigned_to_email",
                "comment_count",
                "comments",
                "created_at",
                "created_by",
                "created_by_email",
                "description",
                "priority",
                "resolved_at",
                "status",
                "tenant_id",
                "ticket_id",
                "title",
                "type",
                "updated_at",
            ])
        );
        assert_eq!(t["$schema"], "/api/v1/schemas/SupportTicket.json");
        assert_eq!(t["title"], "string");
        assert_eq!(t["type"], "string");
        assert_eq!(t["status"], "open");
        assert_eq!(t["created_by"], srv.world.customer.id.to_string());
        assert_eq!(t["created_by_email"], "customer@demo.test");
        assert_eq!(t["tenant_id"], srv.world.tenant.id.to_string());
        assert_eq!(t["comments"], json!([]));
        assert!(t["resolved_at"].is_null());
        let id = t["ticket_id"].as_str().unwrap();

        let defaults = create(&srv, &customer, json!({"title": "  Trimmed  "})).await;
        assert_eq!(defaults["type"], "support");
        assert_eq!(defaults["title"], "Trimmed");
        assert_eq!(defaults["description"], "");

        // Seed 000 and the sync feed see the same ticket, from the api channel.
        let q = srv
            .get(&format!("/messaging/support/tickets/{id}"), &agent)
            .await;
        assert_eq!(q.status, StatusCode::OK, "{:?}", q.body);
        assert_eq!(q.body["subject"], "string");
        assert_eq!(q.body["source"], "api");
        assert_eq!(q.body["status"], "new");
        let feed = srv.get("/sync/v1/changes?cursor=0", &agent).await;
        assert!(
            feed.body.to_string().contains(id),
            "the sync feed carries the new ticket"
        );
        // …and an agent's claim through seed 000 shows here.
        let claim = srv
            .post(
                &format!("/messaging/support/tickets/{id}/assign-to-me"),
                &agent,
                json!({}),
            )
            .await;
        assert_eq!(claim.status, StatusCode::OK);
        let d = detail(&srv, &customer, id).await;
        assert_eq!(d["ticket"]["assigned_to_email"], "agent1@demo.test");
        assert_eq!(d["ticket"]["status"], "in_progress");
    }
);

both_engines!(
    bad_create_bodies_are_problems_naming_the_field,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        let missing = srv.post(BASE, &customer, json!({"description": "x"})).await;
        assert_problem(
            &missing,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("body.title"),
        );
        let blank = srv.post(BASE, &customer, json!({"title": "   "})).await;
        assert_problem(&blank, StatusCode::UNPROCESSABLE_ENTITY, Some("body.title"));
        let long = srv
            .post(BASE, &customer, json!({"title": "x".repeat(251)}))
            .await;
        assert_problem(&long, StatusCode::UNPROCESSABLE_ENTITY, Some("body.title"));
        let wrong = srv.post(BASE, &customer, json!({"title": 42})).await;
        let w = assert_problem(&wrong, StatusCode::UNPROCESSABLE_ENTITY, Some("body.title"));
        assert_eq!(w, "invalid_input");
        assert_eq!(wrong.body["errors"][0]["value"], 42);
        let bad_type = srv
            .post(BASE, &customer, json!({"title": "t", "type": "No Spaces"}))
            .await;
        assert_problem(
            &bad_type,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("body.type"),
        );
        let unknown = srv
            .post(BASE, &customer, json!({"title": "t", "priority": "high"}))
            .await;
        assert_eq!(
            assert_problem(&unknown, StatusCode::BAD_REQUEST, Some("body.priority")),
            "unknown_field"
        );
        let malformed = srv
            .post_raw(BASE, &customer, b"{\"title\": ".to_vec())
            .await;
        assert_eq!(
            assert_problem(&malformed, StatusCode::BAD_REQUEST, None),
            "malformed_request"
        );
        let huge = srv
            .post_raw(
                BASE,
                &customer,
                // Just over the 1 MiB limit: far more and the server answers while the
                // client still sends, and the connection drops under the answer.
                format!("{{\"title\": \"{}\"}}", "x".repeat(1024 * 1024 + 16)).into_bytes(),
            )
            .await;
        assert_eq!(
            assert_problem(&huge, StatusCode::PAYLOAD_TOO_LARGE, None),
            "payload_too_large"
        );
        let list = srv.get(BASE, &customer).await;
        assert_eq!(
            list.body["total"], 1,
            "nothing was created by a bad request"
        );
    }
);

both_engines!(
    detail_shows_comments_and_history_and_hides_internal_notes_from_customers,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        let agent = srv.login("agent1@demo.test").await;
        let id = srv.world.ticket.id.to_string();
        let public = comment(&srv, &customer, &id, json!({"content": "Any news?"})).await;
        assert_eq!(public.status, StatusCode::CREATED, "{:?}", public.body);
        assert_eq!(
            keys(&public.body),
            set(&[
                "$schema",
                "author_email",
                "author_id",
                "author_type",
                "comment_id",
                "content",
                "created_at",
                "is_internal",
                "ticket_id",
            ])
        );
        assert_eq!(public.body["author_type"], "customer");
        assert_eq!(public.body["author_email"], "customer@demo.test");
        assert_eq!(public.body["is_internal"], false);
        let note = comment(
            &srv,
            &agent,
            &id,
            json!({"content": "Refund approved by finance", "is_internal": true}),
        )
        .await;
        assert_eq!(note.status, StatusCode::CREATED, "{:?}", note.body);
        assert_eq!(note.body["author_type"], "staff");
        assert_eq!(note.body["is_internal"], true);
        let reply = comment(&srv, &agent, &id, json!({"content": "On its way"})).await;
        assert_eq!(reply.status, StatusCode::CREATED);

        // The seed's example: `curl -X GET ".../api/v1/support/tickets/{ticketId}"`.
        let staff_view = detail(&srv, &agent, &id).await;
        assert_eq!(keys(&staff_view), set(&["$schema", "history", "ticket"]));
        assert_eq!(
            staff_view["$schema"],
            "/api/v1/schemas/TicketDetailResponse.json"
        );
        let contents: Vec<&str> = staff_view["ticket"]["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["content"].as_str().unwrap())
            .collect();
        assert_eq!(
            contents,
            ["Any news?", "Refund approved by finance", "On its way"],
            "oldest first"
        );
        assert_eq!(staff_view["ticket"]["comment_count"], 3);

        let customer_view = detail(&srv, &customer, &id).await;
        let text = customer_view.to_string();
        assert!(!text.contains("Refund approved"), "{text}");
        assert_eq!(customer_view["ticket"]["comment_count"], 2);
        let row = srv.get(BASE, &customer).await;
        assert_eq!(row.body["tickets"][0]["comment_count"], 2);
        let staff_row = srv.get(BASE, &agent).await;
        assert_eq!(staff_row.body["tickets"][0]["comment_count"], 3);

        // Comments are seed 003 messages, with the note for staff only.
        let conv = srv.world.ticket.conversation_id;
        let msgs = srv
            .get(&format!("/messaging/conversations/{conv}/messages"), &agent)
            .await;
        assert_eq!(msgs.body["total"], 3, "{:?}", msgs.body);

        // History: created, then the claim a reply does not make; entries name who.
        let history = customer_view["history"].as_array().unwrap();
        assert_eq!(history[0]["field_changed"], "created");
        assert_eq!(
            keys(&history[0]),
            set(&[
                "changed_by",
                "changed_by_email",
                "created_at",
                "field_changed",
                "history_id",
                "new_value",
                "old_value",
                "ticket_id",
            ])
        );
        assert_eq!(history[0]["changed_by_email"], "customer@demo.test");
        assert_eq!(history[0]["ticket_id"], id);

        // Customers cannot write internal notes.
        let sneaky = comment(
            &srv,
            &customer,
            &id,
            json!({"content": "psst", "is_internal": true}),
        )
        .await;
        assert_eq!(
            assert_problem(&sneaky, StatusCode::FORBIDDEN, Some("body.is_internal")),
            "forbidden"
        );
        let empty = comment(&srv, &customer, &id, json!({"content": "  "})).await;
        assert_problem(
            &empty,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("body.content"),
        );
        let missing = comment(&srv, &customer, &id, json!({})).await;
        assert_problem(
            &missing,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("body.content"),
        );
        assert_eq!(
            detail(&srv, &agent, &id).await["ticket"]["comment_count"],
            3
        );
    }
);

both_engines!(
    close_closes_once_posts_a_system_message_and_refuses_comments,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        let agent = srv.login("agent1@demo.test").await;
        let id = srv.world.ticket.id.to_string();
        // The seed's example: `curl -X POST ".../{ticketId}/close"` with no body.
        let r = srv
            .call(
                Method::POST,
                &format!("{BASE}/{id}/close"),
                Some(&customer),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["status"], "closed");
        assert!(r.body["resolved_at"].is_string());
        assert_eq!(r.body["$schema"], "/api/v1/schemas/SupportTicket.json");
        let again = srv
            .call(
                Method::POST,
                &format!("{BASE}/{id}/close"),
                Some(&agent),
                None,
            )
            .await;
        assert_eq!(
            again.status,
            StatusCode::OK,
            "closing a closed ticket is a no-op"
        );
        assert_eq!(again.body["updated_at"], r.body["updated_at"]);

        let conv = srv.world.ticket.conversation_id;
        let msgs = srv
            .get(&format!("/messaging/conversations/{conv}/messages"), &agent)
            .await;
        assert_eq!(msgs.body["total"], 1);
        assert_eq!(msgs.body["messages"][0]["message_type"], "system");
        assert!(
            msgs.body["messages"][0]["content"]
                .as_str()
                .unwrap()
                .starts_with("Ticket closed by"),
            "{:?}",
            msgs.body
        );
        let d = detail(&srv, &customer, &id).await;
        assert_eq!(
            d["ticket"]["comment_count"], 0,
            "system messages are not comments"
        );
        let history = d["history"].as_array().unwrap();
        let last = history.last().unwrap();
        assert_eq!(last["field_changed"], "status");
        assert_eq!(last["old_value"], "open");
        assert_eq!(last["new_value"], "closed");
        assert_eq!(last["changed_by_email"], "customer@demo.test");

        for token in [&customer, &agent] {
            let late = comment(&srv, token, &id, json!({"content": "one more thing"})).await;
            assert_eq!(
                assert_problem(&late, StatusCode::CONFLICT, None),
                "ticket_closed"
            );
        }
        let q = srv
            .get(&format!("/messaging/support/tickets/{id}"), &agent)
            .await;
        assert_eq!(q.body["status"], "closed");
        assert_eq!(q.body["conversation"]["status"], "closed");
    }
);

both_engines!(
    a_customer_comment_reopens_a_resolved_ticket,
    |srv: Srv| async move {
        let customer = srv.login("customer@demo.test").await;
        let agent = srv.login("agent1@demo.test").await;
        let id = srv.world.ticket.id.to_string();
        srv.set_status(&agent, &id, "solved").await;
        assert_eq!(
            detail(&srv, &customer, &id).await["ticket"]["status"],
            "resolved"
        );
        let staff = comment(&srv, &agent, &id, json!({"content": "Anything else?"})).await;
        assert_eq!(staff.status, StatusCode::CREATED);
        assert_eq!(
            detail(&srv, &customer, &id).await["ticket"]["status"],
            "resolved",
            "staff comments leave the status alone"
        );
        let c = comment(&srv, &customer, &id, json!({"content": "It broke again"})).await;
        assert_eq!(c.status, StatusCode::CREATED);
        let d = detail(&srv, &customer, &id).await;
        assert_eq!(d["ticket"]["status"], "in_progress");
        assert!(d["ticket"]["resolved_at"].is_null());
        let q = srv
            .get(&format!("/messaging/support/tickets/{id}"), &agent)
            .await;
        assert_eq!(q.body["status"], "open");
    }
);

both_engines!(auth_and_id_errors_are_problems_too, |srv: Srv| async move {
    use outpost_server::service::auth::create_api_key;
    let none = srv.call(Method::GET, BASE, None, None).await;
    assert_eq!(
        assert_problem(&none, StatusCode::UNAUTHORIZED, None),
        "unauthenticated"
    );
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    let bogus = srv.get(BASE, "op_not_a_token").await;
    assert_problem(&bogus, StatusCode::UNAUTHORIZED, None);

    let customer = srv.login("customer@demo.test").await;
    let bad_id = srv.get(&format!("{BASE}/not-a-uuid"), &customer).await;
    assert_eq!(
        assert_problem(&bad_id, StatusCode::BAD_REQUEST, Some("path.ticketId")),
        "invalid_id"
    );
    assert_eq!(bad_id.body["errors"][0]["value"], "not-a-uuid");
    let unknown = srv
        .get(&format!("{BASE}/{}", uuid::Uuid::now_v7()), &customer)
        .await;
    assert_problem(&unknown, StatusCode::NOT_FOUND, None);

    let read = create_api_key(
        &srv.db,
        srv.world.tenant.id,
        srv.world.agent1.id,
        "reporting",
        &[Scope::TicketsRead],
    )
    .await
    .unwrap();
    assert_eq!(srv.get(BASE, &read).await.status, StatusCode::OK);
    let id = srv.world.ticket.id;
    for (path, body) in [
        (BASE.to_owned(), json!({"title": "t"})),
        (format!("{BASE}/{id}/comments"), json!({"content": "c"})),
        (format!("{BASE}/{id}/close"), json!({})),
    ] {
        let r = srv.post(&path, &read, body).await;
        assert_eq!(assert_problem(&r, StatusCode::FORBIDDEN, None), "forbidden");
    }
    let write_only = create_api_key(
        &srv.db,
        srv.world.tenant.id,
        srv.world.agent1.id,
        "bot",
        &[Scope::TicketsWrite],
    )
    .await
    .unwrap();
    let r = srv.get(BASE, &write_only).await;
    assert_problem(&r, StatusCode::FORBIDDEN, None);
    assert_eq!(
        detail(&srv, &customer, &id.to_string()).await["ticket"]["status"],
        "open",
        "refused writes changed nothing"
    );
});

both_engines!(
    schema_links_resolve_without_a_token,
    |srv: Srv| async move {
        for name in [
            "TicketListResponse",
            "SupportTicket",
            "SupportTicketComment",
            "TicketDetailResponse",
            "ErrorModel",
        ] {
            let r = srv
                .call(
                    Method::GET,
                    &format!("/api/v1/schemas/{name}.json"),
                    None,
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{name}: {:?}", r.body);
            assert_eq!(r.headers["content-type"], "application/schema+json");
            assert!(r.body["properties"].is_object(), "{name}: {:?}", r.body);
            assert!(
                !r.body.to_string().contains("#/components"),
                "refs point at the schema route: {:?}",
                r.body
            );
        }
        let ticket = srv
            .call(
                Method::GET,
                "/api/v1/schemas/SupportTicket.json",
                None,
                None,
            )
            .await;
        assert_eq!(
            ticket.body["properties"]["comments"]["items"]["$ref"],
            "/api/v1/schemas/SupportTicketComment.json"
        );
        let missing = srv
            .call(Method::GET, "/api/v1/schemas/Nope.json", None, None)
            .await;
        assert_problem(&missing, StatusCode::NOT_FOUND, Some("path.file"));
    }
);
