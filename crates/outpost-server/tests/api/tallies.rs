//! `ticket_tallies` (the list totals of the support queue and the status filters) stay
//! equal to counting the tickets, on both engines, whatever writes them: new tickets,
//! claims, status changes through the API, and plain SQL updates and deletes (several
//! in one transaction, and one rolled back).

use crate::both_engines;
use crate::support::*;
use outpost_domain::*;
use outpost_server::store::tickets::{self, AssignmentScope, TicketFilter, Visibility};
use reqwest::StatusCode;
use serde_json::json;

/// Every filter the tallies answer, for one tenant: each status and none, each
/// assignment scope and none, with and without removed tickets. Each must equal a
/// plain COUNT.
async fn check_against_counting(srv: &Srv, tenant: TenantId, when: &str) {
    let mut conn = srv.db.reader().acquire().await.unwrap();
    let mut statuses: Vec<Vec<Status>> = Status::ALL.iter().map(|s| vec![*s]).collect();
    statuses.push(Vec::new());
    statuses.push(vec![Status::Open, Status::Pending]);
    for st in &statuses {
        for assignment in [
            None,
            Some(AssignmentScope::Claimed),
            Some(AssignmentScope::Unassigned),
        ] {
            for include_removed in [false, true] {
                let f = TicketFilter {
                    statuses: st.clone(),
                    assignment,
                    include_removed,
                    ..TicketFilter::default()
                };
                let tallied = tickets::count(&mut conn, tenant, Visibility::All, &f)
                    .await
                    .unwrap();
                let mut sql = "SELECT COUNT(*) FROM tickets WHERE tenant_id = $1".to_owned();
                if !include_removed {
                    sql.push_str(" AND removed = $2");
                } else {
                    sql.push_str(" AND $2 = $2");
                }
                match assignment {
                    Some(AssignmentScope::Claimed) => sql.push_str(" AND assignee_id IS NOT NULL"),
                    Some(AssignmentScope::Unassigned) => sql.push_str(" AND assignee_id IS NULL"),
                    None => {}
                }
                let list = st
                    .iter()
                    .map(|s| format!("'{}'", s.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ");
                if !st.is_empty() {
                    sql.push_str(&format!(" AND status IN ({list})"));
                }
                let counted: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(tenant.to_string())
                    .bind(false)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
                assert_eq!(
                    tallied, counted,
                    "{when}: statuses {st:?}, {assignment:?}, removed included: {include_removed}"
                );
            }
        }
    }
}

both_engines!(
    tallies_equal_counting_after_every_kind_of_write,
    |srv: Srv| async move {
        let tenant = srv.world.tenant.id;
        check_against_counting(&srv, tenant, "at the start").await;
        let mut made = Vec::new();
        for i in 0..6 {
            let who = if i % 2 == 0 {
                &srv.world.customer
            } else {
                &srv.world.customer2
            };
            made.push(create_ticket(&srv.db, tenant, who, &format!("Tally {i}"), None).await);
        }
        check_against_counting(&srv, tenant, "after new tickets").await;

        let token = srv.login("agent1@demo.test").await;
        for t in &made[..3] {
            let r = srv
                .post(
                    &format!("/messaging/support/tickets/{}/assign-to-me", t.id),
                    &token,
                    json!({}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        }
        let r = srv
            .post(
                &format!(
                    "/messaging/conversations/{}/messages",
                    made[0].conversation_id
                ),
                &token,
                json!({"message_type": "text", "content": "On it"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        check_against_counting(&srv, tenant, "after claims and a reply").await;

        // Plain SQL, several changes of one ticket in one transaction, a removal and an
        // unclaim: the triggers see every row change, whoever makes it.
        let mut tx = srv.db.reader().begin().await.unwrap();
        for (status, assignee) in [
            ("pending", None),
            ("solved", Some(srv.world.agent2.id)),
            ("open", None),
        ] {
            sqlx::query("UPDATE tickets SET status = $1, assignee_id = $2 WHERE id = $3")
                .bind(status)
                .bind(assignee.map(|a| a.to_string()))
                .bind(made[1].id.to_string())
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        sqlx::query("UPDATE tickets SET removed = $1 WHERE id = $2")
            .bind(true)
            .bind(made[2].id.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        check_against_counting(&srv, tenant, "after SQL updates").await;

        let mut tx = srv.db.reader().begin().await.unwrap();
        sqlx::query("UPDATE tickets SET status = $1 WHERE tenant_id = $2")
            .bind("closed")
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        check_against_counting(&srv, tenant, "after a rolled-back update").await;

        // A ticket with nothing hanging off it yet can be deleted.
        let bare = TicketId::new();
        sqlx::query(
        "INSERT INTO tickets (id, tenant_id, number, subject, description, status, priority, type, channel, \
         requester_id, conversation_id, created_at, updated_at) \
         VALUES ($1, $2, 999999, 'Bare', '', 'new', 'low', 'question', 'email', $3, $4, $5, $5)",
    )
    .bind(bare.to_string())
    .bind(tenant.to_string())
    .bind(srv.world.customer.id.to_string())
    .bind(ConversationId::new().to_string())
    .bind("2026-12-07T10:00:00.000000Z")
    .execute(srv.db.reader())
    .await
    .unwrap();
        check_against_counting(&srv, tenant, "after an SQL insert").await;
        sqlx::query("DELETE FROM tickets WHERE id = $1")
            .bind(bare.to_string())
            .execute(srv.db.reader())
            .await
            .unwrap();
        check_against_counting(&srv, tenant, "after a delete").await;
        check_against_counting(&srv, srv.world.other_tenant.id, "in the other tenant").await;
    }
);
