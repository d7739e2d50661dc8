use super::detail::ticket_detail;
use super::drafts::{clear_draft, get_draft, save_draft};
use super::dto::{ListQuery, ListRequest, MatchSource, Sort, TeamRef, View};
use super::fulltext::search;
use super::list::{WALK_CREATED, WALK_PRIORITY, WALK_UPDATED, list_tickets};
use super::resolve::{resolve_ticket, resolve_user_by_email};
use super::saved::{
    create_saved_search, delete_saved_search, list_saved_searches, update_saved_search,
};
use super::views::{directory, view_counts};
use crate::cache::Cache;
use crate::error::CoreError;
use crate::outbox::Delivery;
use crate::search::SearchQuery;
use chrono::{DateTime, Utc};
use outpost_domain::ids::{ConversationId, TicketNumber};
use outpost_domain::ids::{MessageId, TeamId, TicketId, UserId};
use outpost_domain::model::User;
use outpost_domain::model::{Message, Ticket};
use outpost_domain::values::{Channel, Role, TicketType};
use outpost_domain::values::{EmailAddress, MessageType, Priority, Status};
use sqlx::Row;
use sqlx::SqlitePool;

struct World {
    _dir: tempfile::TempDir,
    cache: Cache,
    me: UserId,
    other: UserId,
}

fn at(min: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + chrono::Duration::minutes(min)
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("cache.db")).await.unwrap();
    let w = World {
        _dir: dir,
        cache,
        me: UserId::new(),
        other: UserId::new(),
    };
    w.user(w.me, "me@demo.test", "Me Agent", Role::Agent).await;
    w.user(w.other, "agent2@demo.test", "Agent Two", Role::Agent)
        .await;
    w
}

impl World {
    async fn exec(&self, sql: &str, binds: Vec<Option<String>>) {
        let mut tx = self.cache.write().await.unwrap();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
        for b in binds {
            q = q.bind(b);
        }
        q.execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn user(&self, id: UserId, email: &str, name: &str, role: Role) {
        let u = User {
            id,
            email: EmailAddress::parse(email).unwrap(),
            name: name.into(),
            picture: None,
            role,
            elevated: false,
            support: true,
            blocked: false,
            version: 1,
        };
        self.exec(
            "INSERT INTO users (id, email, name, data) VALUES (?, ?, ?, ?)",
            vec![
                Some(id.to_string()),
                Some(email.into()),
                Some(name.into()),
                Some(serde_json::to_string(&u).unwrap()),
            ],
        )
        .await;
    }

    #[allow(clippy::too_many_arguments)]
    async fn ticket(
        &self,
        number: Option<i64>,
        subject: &str,
        status: Status,
        priority: Priority,
        assignee: Option<UserId>,
        team: Option<TeamId>,
        tags: &[&str],
        updated_min: i64,
    ) -> Ticket {
        let t = Ticket {
            id: TicketId::new(),
            number: TicketNumber(number.unwrap_or(0)),
            subject: subject.into(),
            description: format!("description of {subject}"),
            summary: None,
            status,
            priority,
            ticket_type: TicketType::parse("question").unwrap(),
            channel: Channel::parse("email").unwrap(),
            channel_id: None,
            requester_id: self.other,
            assignee_id: assignee,
            team_id: team,
            responder_id: None,
            responder_kind: None,
            circumstance: None,
            responder_version: None,
            related_order_id: None,
            related_delivery_id: None,
            products: vec![],
            tag_ids: vec![],
            conversation_id: ConversationId::new(),
            follow_up_of: None,
            message_count: 0,
            pending_message_count: 0,
            removed: false,
            created_at: at(0),
            updated_at: at(updated_min),
            ongoing_at: None,
            solved_at: None,
            closed_at: None,
            last_viewed_at: None,
            version: 1,
            field_versions: Default::default(),
        };
        let s = |v: &dyn ToString| Some(v.to_string());
        self.exec(
            "INSERT INTO tickets (id, number, subject, description, status, priority, type, \
             channel, requester_id, assignee_id, team_id, conversation_id, created_at, \
             updated_at, pending, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            vec![
                s(&t.id),
                number.map(|n| n.to_string()),
                s(&t.subject),
                s(&t.description),
                s(&t.status),
                s(&t.priority),
                s(&t.ticket_type),
                s(&t.channel),
                s(&t.requester_id),
                t.assignee_id.map(|a| a.to_string()),
                t.team_id.map(|a| a.to_string()),
                s(&t.conversation_id),
                Some(outpost_domain::time::to_db(&t.created_at)),
                Some(outpost_domain::time::to_db(&t.updated_at)),
                Some(serde_json::to_string(&t).unwrap()),
            ],
        )
        .await;
        self.exec(
            "UPDATE tickets SET priority_rank = CASE priority WHEN 'urgent' THEN 0 \
             WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END WHERE id = ?",
            vec![s(&t.id)],
        )
        .await;
        for tag in tags {
            self.exec(
                "INSERT INTO ticket_tags (ticket_id, tag, status, updated_at) \
                 VALUES (?, ?, ?, ?)",
                vec![
                    s(&t.id),
                    s(tag),
                    Some(t.status.as_str().to_owned()),
                    Some(outpost_domain::time::to_db(&t.updated_at)),
                ],
            )
            .await;
        }
        t
    }

    async fn message(
        &self,
        t: &Ticket,
        content: &str,
        min: i64,
        local_seq: Option<i64>,
    ) -> Message {
        let m = Message {
            id: MessageId::new(),
            conversation_id: t.conversation_id,
            ticket_id: t.id,
            sender_id: Some(self.me),
            message_type: MessageType::Text,
            content: content.into(),
            content_url: None,
            metadata: None,
            parent_message_id: None,
            internal: false,
            attachments: vec![],
            created_at: at(min),
        };
        self.exec(
            "INSERT INTO messages (id, ticket_id, conversation_id, sender_id, internal, \
             created_at, local_seq, content, data) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
            vec![
                Some(m.id.to_string()),
                Some(t.id.to_string()),
                Some(t.conversation_id.to_string()),
                Some(self.me.to_string()),
                Some(outpost_domain::time::to_db(&m.created_at)),
                local_seq.map(|s| s.to_string()),
                Some(content.into()),
                Some(serde_json::to_string(&m).unwrap()),
            ],
        )
        .await;
        m
    }

    fn pool(&self) -> &SqlitePool {
        self.cache.reader()
    }

    async fn list(&self, view: Option<View>, search: &str, sort: Sort) -> Vec<Option<i64>> {
        let page = list_tickets(
            self.pool(),
            self.me,
            &ListQuery {
                view,
                search: Some(SearchQuery::parse(search).unwrap()),
                sort,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            page.total as usize,
            page.tickets.len(),
            "one page holds all"
        );
        page.tickets.iter().map(|t| t.number).collect()
    }
}

/// #1 new mine, #2 open unassigned, #3 pending mine, #4 solved, #5 closed,
/// #6 open other's (team, billing), unnumbered: new unassigned.
async fn seeded() -> (World, TeamId) {
    let w = world().await;
    let team = TeamId::new();
    w.exec(
        "INSERT INTO teams (id, name, data) VALUES (?, 'Tier 2', '{}')",
        vec![Some(team.to_string())],
    )
    .await;
    let me = Some(w.me);
    use Priority::*;
    use Status::*;
    w.ticket(
        Some(1),
        "Refund for order",
        New,
        High,
        me,
        None,
        &["billing"],
        1,
    )
    .await;
    w.ticket(Some(2), "Login broken", Open, Low, None, None, &[], 2)
        .await;
    w.ticket(
        Some(3),
        "Waiting on customer",
        Pending,
        Medium,
        me,
        None,
        &[],
        3,
    )
    .await;
    w.ticket(
        Some(4),
        "Solved thing",
        Solved,
        Low,
        me,
        None,
        &["billing"],
        4,
    )
    .await;
    w.ticket(Some(5), "Closed thing", Closed, Low, None, None, &[], 5)
        .await;
    w.ticket(
        Some(6),
        "Invoice wrong",
        Open,
        Urgent,
        Some(w.other),
        Some(team),
        &["billing", "vip"],
        6,
    )
    .await;
    w.ticket(None, "Created offline", New, Medium, None, None, &[], 7)
        .await;
    (w, team)
}

#[tokio::test]
async fn walk_indexes_exist_and_cover_the_status_filter() {
    let w = world().await;
    for (index, sort) in [
        (WALK_UPDATED, Sort::UpdatedDesc),
        (WALK_UPDATED, Sort::UpdatedAsc),
        (WALK_CREATED, Sort::CreatedAsc),
        (WALK_PRIORITY, Sort::PriorityDesc),
    ] {
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT t.rowid FROM tickets t INDEXED BY {index} \
             WHERE t.status IN ('new', 'open'){} LIMIT 50 OFFSET 30000",
            sort.order_by()
        );
        let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(w.cache.reader())
            .await
            .unwrap_or_else(|e| panic!("{index}: {e}"))
            .iter()
            .map(|r| r.get::<String, _>("detail"))
            .collect();
        assert!(
            plan.iter()
                .any(|d| d.contains(&format!("COVERING INDEX {index}"))),
            "{index} ({sort:?}) must answer the status filter by itself: {plan:?}"
        );
    }
}

#[tokio::test]
async fn fixed_views_follow_their_definitions() {
    let (w, team) = seeded().await;
    let s = Sort::UpdatedDesc;
    assert_eq!(
        w.list(Some(View::MyOpen), "", s).await,
        vec![Some(3), Some(1)]
    );
    assert_eq!(
        w.list(Some(View::Unassigned), "", s).await,
        vec![None, Some(2)]
    );
    assert_eq!(
        w.list(Some(View::AllOpen), "", s).await,
        vec![None, Some(6), Some(2), Some(1)],
        "all open = new + open, pending excluded"
    );
    assert_eq!(w.list(Some(View::Pending), "", s).await, vec![Some(3)]);
    assert_eq!(w.list(Some(View::Solved), "", s).await, vec![Some(4)]);
    assert_eq!(w.list(Some(View::Team(team)), "", s).await, vec![Some(6)]);
    assert_eq!(
        w.list(Some(View::Tag("billing".into())), "", s).await,
        vec![Some(6), Some(1)],
        "solved billing ticket is not in the tag view"
    );
    assert_eq!(
        w.list(None, "status:closed", s).await,
        vec![Some(5)],
        "closed tickets only through search"
    );
}

#[tokio::test]
async fn filters_and_sorts_combine() {
    let (w, _) = seeded().await;
    assert_eq!(
        w.list(None, "tag:billing tag:vip", Sort::UpdatedDesc).await,
        vec![Some(6)]
    );
    assert_eq!(
        w.list(None, "assignee:agent2@demo.test", Sort::UpdatedDesc)
            .await,
        vec![Some(6)]
    );
    assert_eq!(
        w.list(None, "team:\"tier 2\"", Sort::UpdatedDesc).await,
        vec![Some(6)]
    );
    assert_eq!(w.list(None, "#3", Sort::UpdatedDesc).await, vec![Some(3)]);
    assert_eq!(
        w.list(None, "priority:high,urgent", Sort::PriorityDesc)
            .await,
        vec![Some(6), Some(1)]
    );
    assert_eq!(
        w.list(Some(View::AllOpen), "assignee:none", Sort::NumberAsc)
            .await,
        vec![None, Some(2)],
        "unnumbered first"
    );
    assert_eq!(
        w.list(Some(View::MyOpen), "", Sort::UpdatedAsc).await,
        vec![Some(1), Some(3)]
    );
    assert_eq!(
        w.list(None, "requester:agent2@demo.test refund", Sort::UpdatedDesc)
            .await,
        vec![Some(1)],
        "free text via FTS plus filter"
    );

    let page = list_tickets(
        w.pool(),
        w.me,
        &ListQuery {
            limit: Some(2),
            offset: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.total, 7, "total counts every page");
    assert_eq!(page.tickets.len(), 2);
    let summary = &w.list(Some(View::MyOpen), "", Sort::UpdatedDesc).await;
    assert_eq!(summary.len(), 2);
    let bad = list_tickets(
        w.pool(),
        w.me,
        &ListQuery {
            limit: Some(501),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(bad, Err(CoreError::InvalidInput(_))));
}

#[tokio::test]
async fn summary_carries_people_tags_and_team() {
    let (w, team) = seeded().await;
    let page = list_tickets(
        w.pool(),
        w.me,
        &ListQuery {
            search: Some(SearchQuery::parse("#6").unwrap()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let t = &page.tickets[0];
    assert_eq!(t.tags, vec!["billing", "vip"]);
    assert_eq!(t.assignee.as_ref().unwrap().email, "agent2@demo.test");
    assert_eq!(t.requester.as_ref().unwrap().name, "Agent Two");
    assert_eq!(t.team.as_ref().unwrap().id, team);
    assert_eq!(t.team.as_ref().unwrap().name, "Tier 2");
    let json = serde_json::to_value(t).unwrap();
    assert_eq!(json["type"], "question", "wire name of the type field");
}

#[tokio::test]
async fn view_counts_cover_fixed_views_teams_tags_and_saved_searches() {
    let (w, team) = seeded().await;
    {
        let mut tx = w.cache.write().await.unwrap();
        create_saved_search(&mut tx, "Urgent", "priority:urgent")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let counts = view_counts(w.pool(), w.me).await.unwrap();
    let get = |v: View| counts.iter().find(|c| c.view == v).map(|c| c.count);
    assert_eq!(get(View::MyOpen), Some(2));
    assert_eq!(get(View::Unassigned), Some(2));
    assert_eq!(get(View::AllOpen), Some(4));
    assert_eq!(get(View::Pending), Some(1));
    assert_eq!(get(View::Solved), Some(1));
    assert_eq!(get(View::Team(team)), Some(1));
    assert_eq!(get(View::Tag("billing".into())), Some(2));
    assert_eq!(get(View::Tag("vip".into())), Some(1));
    assert_eq!(get(View::Search("priority:urgent".into())), Some(1));
    assert_eq!(counts.last().unwrap().label, "Urgent");
}

#[tokio::test]
async fn view_string_forms_round_trip() {
    for v in [
        View::MyOpen,
        View::Unassigned,
        View::AllOpen,
        View::Pending,
        View::Solved,
        View::Team(TeamId::new()),
        View::Tag("billing".into()),
        View::Search("status:open refund".into()),
    ] {
        let s = v.to_string();
        assert_eq!(s.parse::<View>().unwrap(), v, "{s}");
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::Value::String(s)
        );
    }
    assert_eq!(View::MyOpen.to_string(), "my_open");
    assert!(matches!(
        "mine".parse::<View>(),
        Err(CoreError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn search_matches_messages_and_tickets_with_snippets_and_filters() {
    let (w, _) = seeded().await;
    let t2 = list_tickets(
        w.pool(),
        w.me,
        &ListQuery {
            search: Some(SearchQuery::parse("#2").unwrap()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .tickets
    .remove(0);
    let t2 = ticket_detail(w.pool(), w.me, &t2.id.to_string())
        .await
        .unwrap()
        .ticket;
    w.message(&t2, "customer asks about a refund of the invoice", 10, None)
        .await;

    let hits = search(w.pool(), w.me, &SearchQuery::parse("refund").unwrap(), 50)
        .await
        .unwrap();
    let numbers: Vec<_> = hits.iter().map(|h| h.ticket.number).collect();
    assert_eq!(numbers, vec![Some(2), Some(1)], "newest updated first");
    assert_eq!(hits[0].matched, MatchSource::Message);
    assert_eq!(hits[1].matched, MatchSource::Ticket);
    assert!(
        hits[0].snippet.iter().any(|p| p.hit && p.text == "refund"),
        "snippet marks the hit: {:?}",
        hits[0].snippet
    );

    let hits = search(w.pool(), w.me, &SearchQuery::parse("refu").unwrap(), 50)
        .await
        .unwrap();
    assert_eq!(hits.len(), 2, "last word is a prefix while typing");

    let hits = search(
        w.pool(),
        w.me,
        &SearchQuery::parse("refund assignee:me").unwrap(),
        50,
    )
    .await
    .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].ticket.number, Some(1));

    let hits = search(
        w.pool(),
        w.me,
        &SearchQuery::parse("status:pending").unwrap(),
        50,
    )
    .await
    .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].matched, MatchSource::Filters);
}

#[tokio::test]
async fn fts_syntax_from_the_agent_never_errors_or_injects() {
    let (w, _) = seeded().await;
    for input in [
        "\"",
        "*",
        "NEAR(",
        "refund OR login",
        "NEAR(refund order)",
        "refund\"",
        "\"refund",
        "subject : x",
        "refund*",
        "^refund",
        "AND",
        "-refund",
        "(",
        "{subject description}",
        "'; DROP TABLE tickets; --",
    ] {
        let q = SearchQuery::parse(input).unwrap();
        let hits = search(w.pool(), w.me, &q, 50).await;
        assert!(hits.is_ok(), "{input:?} must not be an FTS error: {hits:?}");
        let page = list_tickets(
            w.pool(),
            w.me,
            &ListQuery {
                search: Some(q),
                ..Default::default()
            },
        )
        .await;
        assert!(page.is_ok(), "{input:?} in list: {page:?}");
    }
    let hits = search(
        w.pool(),
        w.me,
        &SearchQuery::parse("refund OR login").unwrap(),
        50,
    )
    .await
    .unwrap();
    assert!(hits.is_empty(), "OR is a word to match, not an operator");
}

#[tokio::test]
async fn detail_orders_messages_and_reports_delivery() {
    let (w, _) = seeded().await;
    let id = resolve_ticket(w.pool(), "#1").await.unwrap();
    let t = ticket_detail(w.pool(), w.me, "1").await.unwrap().ticket;
    assert_eq!(t.id, id);
    w.exec(
        "INSERT INTO outbox (seq, id, name, args, ticket_id, state, attempts, last_error, created_at) VALUES \
         (1, 'a', 'message.send', '{}', ?, 'pending', 0, NULL, '2026-11-22T10:00:00Z'), \
         (2, 'b', 'message.send', '{}', ?, 'pending', 2, 'connection reset', '2026-11-22T10:00:00Z'), \
         (3, 'c', 'message.send', '{}', ?, 'rejected', 1, 'ticket closed', '2026-11-22T10:00:00Z'), \
         (4, 'd', 'message.send', '{}', ?, 'applied', 1, NULL, '2026-11-22T10:00:00Z')",
        vec![Some(id.to_string()); 4],
    )
    .await;
    w.message(&t, "third", 30, Some(1)).await;
    w.message(&t, "first", 10, None).await;
    w.message(&t, "fourth", 40, Some(2)).await;
    w.message(&t, "second", 20, Some(4)).await;
    w.message(&t, "fifth", 50, Some(3)).await;

    let d = ticket_detail(w.pool(), w.me, &id.to_string())
        .await
        .unwrap();
    let texts: Vec<_> = d.conversation.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, vec!["first", "second", "third", "fourth", "fifth"]);
    let del: Vec<_> = d.conversation.iter().map(|m| m.delivery).collect();
    assert_eq!(
        del,
        vec![
            None,
            Some(Delivery::Sent),
            Some(Delivery::Pending),
            Some(Delivery::Failed),
            Some(Delivery::Conflict)
        ]
    );
    assert_eq!(
        d.conversation[3].delivery_error.as_deref(),
        Some("connection reset")
    );
    assert_eq!(
        d.conversation[0].sender.as_ref().unwrap().email,
        "me@demo.test"
    );
    assert_eq!(d.tags, vec!["billing"]);
    assert_eq!(d.number, Some(1));
    assert_eq!(d.assignee.unwrap().id, w.me);

    assert!(matches!(
        ticket_detail(w.pool(), w.me, "#999").await,
        Err(CoreError::NotFound { .. })
    ));
    assert!(matches!(
        ticket_detail(w.pool(), w.me, &TicketId::new().to_string()).await,
        Err(CoreError::NotFound { .. })
    ));
    assert!(matches!(
        resolve_ticket(w.pool(), "ticket-one").await,
        Err(CoreError::InvalidInput(_))
    ));
    assert_eq!(
        resolve_user_by_email(w.pool(), "Agent2@Demo.test")
            .await
            .unwrap()
            .id,
        w.other
    );
}

#[tokio::test]
async fn drafts_and_saved_searches_round_trip() {
    let (w, _) = seeded().await;
    let id = resolve_ticket(w.pool(), "#2").await.unwrap();
    let mut tx = w.cache.write().await.unwrap();
    save_draft(&mut tx, id, "hello", false).await.unwrap();
    save_draft(&mut tx, id, "hello again", true).await.unwrap();
    tx.commit().await.unwrap();
    let d = ticket_detail(w.pool(), w.me, "#2")
        .await
        .unwrap()
        .draft
        .unwrap();
    assert_eq!((d.body.as_str(), d.internal), ("hello again", true));

    let mut tx = w.cache.write().await.unwrap();
    clear_draft(&mut tx, id).await.unwrap();
    assert!(
        create_saved_search(&mut tx, "Bad", "stauts:open")
            .await
            .is_err(),
        "an unparsable query is not saved"
    );
    let s = create_saved_search(&mut tx, "Mine", "assignee:me")
        .await
        .unwrap();
    update_saved_search(&mut tx, s.id, "Mine urgent", "assignee:me priority:urgent")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(get_draft(w.pool(), id).await.unwrap(), None);
    let all = list_saved_searches(w.pool()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "Mine urgent");
    let mut tx = w.cache.write().await.unwrap();
    delete_saved_search(&mut tx, s.id).await.unwrap();
    assert!(matches!(
        delete_saved_search(&mut tx, s.id).await,
        Err(CoreError::NotFound { .. })
    ));
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn directory_lists_agents_teams_and_tags() {
    let (w, team) = seeded().await;
    w.user(UserId::new(), "ann@customer.test", "Ann", Role::Customer)
        .await;
    w.exec(
        "INSERT INTO tags (id, name, data) VALUES (?, 'unused', '{}')",
        vec![Some(uuid::Uuid::new_v4().to_string())],
    )
    .await;
    let d = directory(w.pool()).await.unwrap();
    let emails: Vec<&str> = d.agents.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails, vec!["agent2@demo.test", "me@demo.test"]);
    assert_eq!(
        d.teams,
        vec![TeamRef {
            id: team,
            name: "Tier 2".into()
        }]
    );
    assert_eq!(d.tags, vec!["billing", "unused", "vip"]);
}

#[test]
fn list_request_parses_its_search() {
    let q = ListQuery::try_from(ListRequest {
        view: Some(View::MyOpen),
        search: Some("tag:billing refund".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(q.view, Some(View::MyOpen));
    assert_eq!(q.search.unwrap().tags, vec!["billing"]);
    let blank = ListQuery::try_from(ListRequest {
        search: Some("  ".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(blank.search, None);
    assert!(matches!(
        ListQuery::try_from(ListRequest {
            search: Some("stauts:open".into()),
            ..Default::default()
        }),
        Err(CoreError::InvalidInput(_))
    ));
    let wire: ListRequest =
        serde_json::from_str(r#"{"view":"tag:vip","sort":"priority_desc"}"#).unwrap();
    assert_eq!(wire.view, Some(View::Tag("vip".into())));
    assert_eq!(wire.sort, Sort::PriorityDesc);
}

#[tokio::test]
async fn cache_totals_follow_every_insert_and_delete() {
    let (w, _) = seeded().await;
    let counted = || async {
        let mut c = w.cache.reader().acquire().await.unwrap();
        let totals = crate::cache::counts(&mut c).await.unwrap();
        let real: (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages)",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap();
        (totals, real)
    };
    let (totals, real) = counted().await;
    assert_eq!(totals, real, "after seeding");
    assert!(real.0 > 0, "the seed has tickets");

    let t = w
        .ticket(
            None,
            "Another",
            Status::Open,
            Priority::Low,
            None,
            None,
            &[],
            9,
        )
        .await;
    w.message(&t, "one", 10, None).await;
    w.message(&t, "two", 11, Some(7)).await;
    let (totals, real) = counted().await;
    assert_eq!(totals, real, "after a new ticket and two messages");

    w.exec(
        "DELETE FROM messages WHERE ticket_id = ? AND local_seq IS NULL",
        vec![Some(t.id.to_string())],
    )
    .await;
    w.exec(
        "DELETE FROM tickets WHERE id = ?",
        vec![Some(t.id.to_string())],
    )
    .await;
    let (totals, real) = counted().await;
    assert_eq!(totals, real, "after deletes");

    // An upsert of a ticket already cached changes no total.
    w.exec(
        "INSERT INTO tickets SELECT * FROM tickets WHERE true LIMIT 1 \
         ON CONFLICT (id) DO UPDATE SET subject = excluded.subject",
        vec![],
    )
    .await;
    let (totals, real) = counted().await;
    assert_eq!(totals, real, "after an upsert");
}
