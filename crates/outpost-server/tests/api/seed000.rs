use crate::both_engines;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

both_engines!(
    list_shows_queue_rows_with_source_order_and_assignee,
    |srv: Srv| async move {
        let token = srv.login("agent1@demo.test").await;
        let tenant = srv.world.tenant.id;
        let r = srv
            .get(
                &format!("/messaging/support/tickets?tenant_id={tenant}&page=1&limit=20"),
                &token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["total"], 1);
        let row = &r.body["tickets"][0];
        assert_eq!(row["id"], srv.world.ticket.id.to_string());
        assert_eq!(row["source"], "customer_portal");
        assert_eq!(row["related_order_id"], "ORD-1001");
        assert_eq!(row["related_delivery_id"], "DEL-ORD-1001");
        assert!(
            row["assigned_to_user"].is_null(),
            "unassigned ticket has no assigned_to_user"
        );
        assert_eq!(row["requester"]["email"], "customer@demo.test");
        let none = srv
            .get(
                &format!(
                    "/messaging/support/tickets?tenant_id={}",
                    srv.world.other_tenant.id
                ),
                &token,
            )
            .await;
        assert_eq!(
            none.status,
            StatusCode::FORBIDDEN,
            "another tenant's id is refused"
        );
        assert_eq!(none.code(), "tenant_mismatch");
    }
);

both_engines!(
    assign_to_me_claims_and_joins_conversation_as_admin,
    |srv: Srv| async move {
        let token = srv.login("agent1@demo.test").await;
        let id = srv.world.ticket.id;
        let r = srv
            .post(
                &format!("/messaging/support/tickets/{id}/assign-to-me"),
                &token,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["assigned_to_user"]["email"], "agent1@demo.test");
        assert_eq!(r.body["status"], "open", "claiming a new ticket opens it");
        let me = r.body["conversation"]["participants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["user_id"] == srv.world.agent1.id.to_string())
            .cloned();
        assert_eq!(me.expect("claimer is a participant")["role"], "admin");

        let other = srv.login("agent2@demo.test").await;
        let lost = srv
            .post(
                &format!("/messaging/support/tickets/{id}/assign-to-me"),
                &other,
                json!({}),
            )
            .await;
        assert_eq!(lost.status, StatusCode::CONFLICT);
        assert_eq!(lost.code(), "conflict");
        assert_eq!(
            lost.body["details"]["holder"]["email"], "agent1@demo.test",
            "the 409 names the holder"
        );
    }
);

both_engines!(
    fifty_concurrent_claims_grant_exactly_one,
    |srv: Srv| async move {
        let tokens = futures::future::join_all(
            [
                "agent1@demo.test",
                "agent2@demo.test",
                "lead@demo.test",
                "admin@demo.test",
            ]
            .map(|e| srv.login(e)),
        )
        .await;
        let id = srv.world.ticket.id;
        let claims = (0..50).map(|i| {
            let srv = srv.clone();
            let token = tokens[i % tokens.len()].clone();
            async move {
                srv.post(
                    &format!("/messaging/support/tickets/{id}/assign-to-me"),
                    &token,
                    json!({}),
                )
                .await
            }
        });
        let results = futures::future::join_all(claims).await;
        let winners: Vec<_> = results
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .map(|r| r.body["assigned_to"].clone())
            .collect();
        let holder = winners[0].clone();
        assert!(
            winners.iter().all(|w| *w == holder),
            "every 200 names the same holder"
        );
        assert!(
            results
                .iter()
                .all(|r| r.status == StatusCode::OK || r.status == StatusCode::CONFLICT),
            "only 200 or 409"
        );
        let history = outpost_server::store::history::for_ticket(
            &mut srv.db.reader().acquire().await.unwrap(),
            srv.world.tenant.id,
            id,
        )
        .await
        .unwrap();
        let assignments = history
            .iter()
            .filter(|h| h.field_changed == "assignee_id")
            .count();
        assert_eq!(assignments, 1, "exactly one claim was applied");
    }
);

both_engines!(
    close_posts_system_message_with_note_and_closes_conversation,
    |srv: Srv| async move {
        let token = srv.login("agent1@demo.test").await;
        let id = srv.world.ticket.id;
        let r = srv
            .post(
                &format!("/messaging/support/tickets/{id}/close"),
                &token,
                json!({"metadata": {"note": "Issue resolved"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["status"], "closed");
        assert_eq!(r.body["conversation"]["status"], "closed");
        let conv = srv.world.ticket.conversation_id;
        let msgs = srv
            .get(&format!("/messaging/conversations/{conv}/messages"), &token)
            .await;
        let first = &msgs.body["messages"][0];
        assert_eq!(first["message_type"], "system");
        assert!(
            first["content"]
                .as_str()
                .unwrap()
                .contains("Issue resolved"),
            "{first}"
        );
        let send = srv
            .post(
                &format!("/messaging/conversations/{conv}/messages"),
                &token,
                json!({"message_type": "text", "content": "late"}),
            )
            .await;
        assert_eq!(
            send.status,
            StatusCode::FORBIDDEN,
            "closed conversations accept no messages"
        );
        assert_eq!(send.code(), "conversation_not_active");
    }
);

both_engines!(queue_totals_follow_every_write, |srv: Srv| async move {
    let token = srv.login("agent1@demo.test").await;
    let unassigned = "/messaging/support/tickets?assignment_scope=unassigned";
    let before = srv.get(unassigned, &token).await;
    assert_eq!(before.body["total"], 1);
    let all = "/messaging/support/tickets";
    let page = srv.get(all, &token).await;
    let id = srv.world.ticket.id;
    let row = |page: &serde_json::Value| {
        page["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id.to_string())
            .cloned()
            .unwrap()
    };
    assert!(row(&page.body)["assigned_to"].is_null());
    // The memoized total and page must not survive a write to the tenant.
    let claim = srv
        .post(
            &format!("/messaging/support/tickets/{id}/assign-to-me"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(claim.status, StatusCode::OK);
    let after = srv.get(unassigned, &token).await;
    assert_eq!(
        after.body["total"], 0,
        "a claimed ticket leaves the unassigned total"
    );
    assert!(after.body["tickets"].as_array().unwrap().is_empty());
    let page = srv.get(all, &token).await;
    assert_eq!(
        row(&page.body)["assigned_to"],
        srv.world.agent1.id.to_string(),
        "the page read before the claim is not served after it"
    );
    let created = create_ticket(
        &srv.db,
        srv.world.tenant.id,
        &srv.world.customer2,
        "Second",
        None,
    )
    .await;
    let again = srv.get(unassigned, &token).await;
    assert_eq!(again.body["total"], 1, "a new ticket enters the total");
    assert_eq!(again.body["tickets"][0]["id"], created.id.to_string());
});
