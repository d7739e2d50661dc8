//! Storage guarantees, on both engines: gap-free ticket numbers under concurrency and
//! rollback, a history row for every change, and epochs that invalidate old cursors.

use crate::both_engines;
use crate::support::*;
use outpost_domain::sync::{TicketCreateArgs, TicketUpdateArgs};
use outpost_domain::*;
use outpost_server::service::tickets;
use reqwest::StatusCode;

fn args(subject: &str, tags: Vec<String>) -> TicketCreateArgs {
    TicketCreateArgs {
        ticket_id: TicketId::new(),
        conversation_id: None,
        subject: subject.into(),
        description: String::new(),
        priority: Some(Priority::High),
        ticket_type: None,
        channel: None,
        requester_id: None,
        assignee_id: None,
        team_id: None,
        tags,
        related_order_id: None,
        related_delivery_id: None,
        follow_up_of: None,
    }
}

both_engines!(
    ticket_numbers_are_gap_free_under_concurrency_and_rollback,
    |srv: Srv| async move {
        let w = &srv.world;
        let actor = actor_for(&srv.db, w.tenant.id, &w.agent1).await;
        let creates = (0..40).map(|i| {
            let db = srv.db.clone();
            let actor = actor.clone();
            async move {
                // Every fifth creation fails after its number was drawn (an invalid tag),
                // so its transaction rolls back.
                let tags = if i % 5 == 0 {
                    vec!["bad,tag".to_owned()]
                } else {
                    vec!["load".to_owned()]
                };
                tickets::create(&db, &actor, &args(&format!("Concurrent {i}"), tags)).await
            }
        });
        let results = futures::future::join_all(creates).await;
        let failed = results.iter().filter(|r| r.is_err()).count();
        assert_eq!(failed, 8, "the invalid-tag creations fail");
        let mut numbers: Vec<i64> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|r| r.ticket.number.0)
            .collect();
        numbers.push(w.ticket.number.0);
        numbers.sort();
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        assert_eq!(
            numbers, expected,
            "numbers are 1..N with no gap and no duplicate"
        );
    }
);

both_engines!(
    every_ticket_change_writes_history_with_author,
    |srv: Srv| async move {
        let w = &srv.world;
        let actor = actor_for(&srv.db, w.tenant.id, &w.agent1).await;
        tickets::claim(&srv.db, &actor, w.ticket.id).await.unwrap();
        let mut tx = srv.db.write(w.tenant.id).await.unwrap();
        let upd = TicketUpdateArgs {
            ticket_id: w.ticket.id,
            priority: Some(Priority::Urgent),
            ..Default::default()
        };
        tickets::update_in(&mut tx, &actor, &upd, None)
            .await
            .unwrap();
        tickets::tag_in(&mut tx, &actor, w.ticket.id, "VIP", true)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = srv.db.reader().acquire().await.unwrap();
        let history =
            outpost_server::store::history::for_ticket(&mut conn, w.tenant.id, w.ticket.id)
                .await
                .unwrap();
        let fields: Vec<&str> = history.iter().map(|h| h.field_changed.as_str()).collect();
        for f in ["created", "assignee_id", "status", "priority", "tags"] {
            assert!(fields.contains(&f), "history lacks {f}: {fields:?}");
        }
        let prio = history
            .iter()
            .find(|h| h.field_changed == "priority")
            .unwrap();
        assert_eq!(
            (prio.old_value.as_deref(), prio.new_value.as_deref()),
            (Some("medium"), Some("urgent"))
        );
        assert_eq!(prio.changed_by, Some(w.agent1.id));
        let tag = history.iter().find(|h| h.field_changed == "tags").unwrap();
        assert_eq!(
            tag.new_value.as_deref(),
            Some("vip"),
            "tag names are normalized"
        );
    }
);

both_engines!(new_epoch_invalidates_old_cursors, |srv: Srv| async move {
    let token = srv.login("agent1@demo.test").await;
    let first = srv.get("/sync/v1/changes?cursor=0&limit=5", &token).await;
    let cursor = first.body["cursor"].as_str().unwrap().to_owned();
    assert_eq!(
        srv.get(&format!("/sync/v1/changes?cursor={cursor}"), &token)
            .await
            .status,
        StatusCode::OK
    );
    // What `outpost-server admin rotate-epoch` does after a restore, then a restart.
    let epoch = srv.db.rotate_epoch().await.unwrap();
    // The running server notices at once, without a restart.
    let live = srv
        .get(&format!("/sync/v1/changes?cursor={cursor}"), &token)
        .await;
    assert_eq!(live.status, StatusCode::GONE, "{:?}", live.body);
    assert_eq!(live.code(), "cursor_expired");
    let restarted = outpost_server::db::Db::connect(&db_url(&srv).await)
        .await
        .unwrap();
    assert_eq!(
        restarted.epoch().await.unwrap(),
        epoch,
        "the epoch is stored in the database, not in the process"
    );
    let agent = actor_for(&srv.db, srv.world.tenant.id, &srv.world.agent1).await;
    let stale = outpost_server::service::sync::pull(&restarted, &agent, &cursor, 10).await;
    assert_eq!(
        stale.err().map(|e| e.code()),
        Some(ErrorCode::CursorExpired),
        "old cursors must not be trusted"
    );
    let fresh = outpost_server::service::sync::pull(&restarted, &agent, "0", 10)
        .await
        .unwrap();
    assert!(
        fresh.cursor.starts_with(&epoch),
        "a re-bootstrap gets cursors of the new epoch"
    );
    restarted.close().await;
});

async fn db_url(srv: &Srv) -> String {
    match srv.engine {
        Engine::Sqlite => {
            let path: String =
                sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_one(srv.db.reader())
                    .await
                    .unwrap();
            format!("sqlite://{path}?mode=rwc")
        }
        Engine::Postgres => {
            let name: String = sqlx::query_scalar("SELECT current_database()::text")
                .fetch_one(srv.db.reader())
                .await
                .unwrap();
            format!(
                "{}/{name}",
                std::env::var("OUTPOST_TEST_PG")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
            )
        }
    }
}
