use super::generator::{Vars, fill};
use super::*;
use sqlx::Row;
use std::collections::HashSet;

/// A fresh SQLite database in the temp directory, removed on drop.
struct TempDb {
    path: std::path::PathBuf,
    db: Db,
}

impl TempDb {
    async fn new() -> TempDb {
        let path = std::env::temp_dir().join(format!("outpost-demo-test-{}.db", Uuid::new_v4()));
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("open temp database");
        TempDb { path, db }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

async fn scalar(db: &Db, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db.reader())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn distinct(db: &Db, column: &'static str) -> HashSet<String> {
    let sql = format!("SELECT DISTINCT {column} FROM tickets");
    sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
        .fetch_all(db.reader())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

const SMALL: DemoOptions = DemoOptions {
    tickets_per_tenant: 60,
    messages_per_ticket: 7,
};

#[tokio::test(flavor = "multi_thread")]
async fn demo_data_is_complete_and_consistent() {
    let t = TempDb::new().await;
    let db = &t.db;
    let report = generate(db, &SMALL).await.expect("generate demo data");

    let slugs: Vec<&str> = report.tenants.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["demo", "acme"]);
    for tenant in &report.tenants {
        assert!(tenant.created, "a fresh database gets fresh tenants");
        assert_eq!(tenant.tickets, 60);
        assert_eq!(
            tenant.messages,
            60 * 7,
            "every ticket gets messages_per_ticket messages"
        );
        let user = |email: String| {
            tenant
                .users
                .iter()
                .find(|u| u.email == email)
                .unwrap_or_else(|| panic!("{email} missing"))
        };
        let slug = &tenant.slug;
        assert!(
            user(format!("agent4@{slug}.test")).elevated
                && user(format!("agent4@{slug}.test")).support
        );
        assert!(
            !user(format!("agent5@{slug}.test")).support,
            "agent5 stays outside support_user_ids"
        );
        assert!(user(format!("agent1@{slug}.test")).support);
        assert!(user(SHARED_EMAIL.to_owned()).support);
        assert_eq!(
            user(format!("bot@{slug}.test")).password,
            None,
            "bots cannot log in"
        );
        assert_eq!(
            user(format!("customer20@{slug}.test")).password.as_deref(),
            Some(DEMO_PASSWORD)
        );
        assert_eq!(tenant.users.len(), 8 + 20);
    }

    // Seed 002's chat concepts: configured channels, bot versions, blocked owners and
    // a few soft-removed chats, all consistent with the rest.
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM channels").await, 2 * 4);
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM tickets WHERE channel_id IS NOT NULL"
        )
        .await
            > 0,
        "tickets of configured channels point at them"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM tickets t JOIN channels c ON c.id = t.channel_id WHERE c.type <> t.channel").await,
        0,
        "a ticket's channel kind is its channel's type"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM responder_versions").await,
        2 * 3
    );
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM tickets WHERE responder_version_id IS NOT NULL"
        )
        .await
            > 0,
        "tickets the bot answers carry its version"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM tickets WHERE responder_version_id IS NOT NULL AND responder_kind <> 'bot'").await,
        0,
        "only bots have versions"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM users WHERE blocked = 1").await,
        2 * 2
    );
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM users WHERE blocked = 1 AND role <> 'customer'"
        )
        .await,
        0
    );
    let removed = scalar(db, "SELECT COUNT(*) FROM tickets WHERE removed = 1").await;
    assert!(removed > 0, "a few chats are soft-removed");
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM tickets WHERE removed = 1 AND status <> 'closed'"
        )
        .await,
        0,
        "only closed chats were removed"
    );

    let statuses = distinct(db, "status").await;
    for s in Status::ALL {
        assert!(statuses.contains(s.as_str()), "status {s} present");
    }
    let priorities = distinct(db, "priority").await;
    for p in Priority::ALL {
        assert!(priorities.contains(p.as_str()), "priority {p} present");
    }
    let types = distinct(db, "type").await;
    for ty in TicketType::KNOWN {
        assert!(types.contains(*ty), "type {ty} present");
    }
    let channels = distinct(db, "channel").await;
    for c in Channel::KNOWN {
        assert!(channels.contains(*c), "channel {c} present");
    }

    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM tickets t WHERE t.message_count <> (SELECT COUNT(*) FROM messages m \
             WHERE m.ticket_id = t.id AND m.internal = 0 AND m.message_type <> 'system')")
        .await,
        0,
        "message_count counts the public, non-system messages"
    );
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM messages m LEFT JOIN users u ON u.id = m.sender_id \
             WHERE m.internal = 1 AND (u.role IS NULL OR u.role NOT IN ('admin', 'agent'))"
        )
        .await,
        0,
        "internal notes come from staff only"
    );
    assert!(
        scalar(db, "SELECT COUNT(*) FROM messages WHERE internal = 1").await > 0,
        "there are internal notes"
    );
    for ty in ["system", "html", "image", "file", "text"] {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE message_type = $1")
            .bind(ty)
            .fetch_one(db.reader())
            .await
            .unwrap();
        assert!(n > 0, "some {ty} messages");
    }
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM messages WHERE parent_message_id IS NOT NULL"
        )
        .await
            > 0,
        "some threads"
    );
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM messages WHERE attachments <> '[]'"
        )
        .await
            > 0,
        "some attachments"
    );
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM messages c JOIN messages p ON p.id = c.parent_message_id \
             WHERE c.internal = 0 AND p.internal = 1"
        )
        .await,
        0,
        "public replies never thread under internal notes"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM messages m WHERE m.sender_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM participants p WHERE p.conversation_id = m.conversation_id AND p.user_id = m.sender_id)")
        .await,
        0,
        "every sender is a participant"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM tickets t JOIN conversations c ON c.id = t.conversation_id \
             WHERE (t.status = 'closed') <> (c.status = 'closed') OR (t.status = 'closed' AND t.closed_at IS NULL) \
             OR (t.status <> 'closed' AND t.closed_at IS NOT NULL) OR (t.status = 'solved' AND t.solved_at IS NULL)")
        .await,
        0,
        "closed tickets have closed conversations and closed_at; solved ones solved_at"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM tickets WHERE status = 'new' AND (assignee_id IS NOT NULL OR ongoing_at IS NOT NULL)").await,
        0,
        "new tickets are untouched"
    );
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM tickets WHERE status <> 'new' AND assignee_id IS NULL"
        )
        .await
            > 0,
        "some unassigned open work"
    );
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM tickets WHERE responder_kind = 'bot'"
        )
        .await
            > 0,
        "some bot responders"
    );
    assert!(
        scalar(db, "SELECT COUNT(*) FROM ticket_tags").await > 0,
        "some tags"
    );
    assert!(
        scalar(db, "SELECT COUNT(*) FROM tickets WHERE channel IN ('storefront', 'restaurant') AND related_order_id IS NULL").await == 0,
        "order channels carry an order id"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM tickets WHERE status IN ('pending', 'solved') AND pending_message_count > 0").await,
        0,
        "tickets waiting on the customer have no unanswered customer messages"
    );

    // Per conversation: timestamps strictly increase from the ticket's creation.
    let rows = sqlx::query(
        "SELECT m.ticket_id, m.created_at, t.created_at AS ticket_created, t.updated_at AS ticket_updated \
         FROM messages m JOIN tickets t ON t.id = m.ticket_id ORDER BY m.rowid",
    )
    .fetch_all(db.reader())
    .await
    .unwrap();
    let mut last: HashMap<String, String> = HashMap::new();
    for r in &rows {
        let ticket: String = r.get("ticket_id");
        let at: String = r.get("created_at");
        let created: String = r.get("ticket_created");
        let updated: String = r.get("ticket_updated");
        assert!(
            at >= created && at <= updated,
            "message inside the ticket's lifetime"
        );
        assert!(
            at.len() == "2026-11-22T10:42:00.123456Z".len(),
            "microsecond storage form: {at}"
        );
        if let Some(prev) = last.insert(ticket, at.clone()) {
            assert!(
                prev < at,
                "messages of a conversation are in increasing time order"
            );
        }
    }
    let now = time::to_db(&time::now());
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM messages WHERE created_at > $1")
            .bind(&now)
            .fetch_one(db.reader())
            .await
            .unwrap(),
        0,
        "nothing happens in the future"
    );

    for tenant in &report.tenants {
        let row = sqlx::query("SELECT MIN(number) AS lo, MAX(number) AS hi, COUNT(DISTINCT number) AS n FROM tickets WHERE tenant_id = $1")
            .bind(tenant.id.to_string())
            .fetch_one(db.reader())
            .await
            .unwrap();
        let (lo, hi, n): (i64, i64, i64) = (row.get("lo"), row.get("hi"), row.get("n"));
        assert_eq!(
            (lo, hi, n),
            (1, 60, 60),
            "ticket numbers are gap-free from 1"
        );
    }
    let versions: Vec<String> = sqlx::query_scalar("SELECT DISTINCT field_versions FROM tickets")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
    let fv: HashMap<String, i64> = serde_json::from_str(&versions[0]).unwrap();
    assert_eq!(fv.len(), VERSIONED_FIELDS.len());
    assert!(
        VERSIONED_FIELDS.iter().all(|f| fv.get(*f) == Some(&1)),
        "every versioned field at version 1"
    );

    // The sync feed carries every generated entity.
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM changes WHERE kind = 'ticket'").await,
        120
    );
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM changes WHERE kind = 'conversation'"
        )
        .await,
        120
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM changes WHERE kind = 'message'").await,
        2 * 60 * 7
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM changes WHERE kind = 'history'").await,
        scalar(db, "SELECT COUNT(*) FROM history").await
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM changes WHERE kind = 'user'").await,
        scalar(db, "SELECT COUNT(*) FROM users").await
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM changes WHERE kind = 'team'").await,
        6
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM changes WHERE kind = 'tag'").await,
        2 * TAGS.len() as i64
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM history h WHERE h.ticket_id = t.id AND h.field_changed = 'created')").await,
        0,
        "every ticket has a created history entry"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM tickets t WHERE t.status <> 'new' AND NOT EXISTS (SELECT 1 FROM history h WHERE h.ticket_id = t.id AND h.field_changed = 'status')").await,
        0,
        "every worked ticket has a status history entry"
    );
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM users WHERE email = 'shared@example.test'"
        )
        .await,
        2,
        "shared agent in both tenants"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn second_run_adds_nothing_and_reports_the_same_accounts() {
    let t = TempDb::new().await;
    let opts = DemoOptions {
        tickets_per_tenant: 10,
        messages_per_ticket: 3,
    };
    let first = generate(&t.db, &opts).await.expect("first run");
    let bigger = DemoOptions {
        tickets_per_tenant: 50,
        messages_per_ticket: 3,
    };
    let second = generate(&t.db, &bigger).await.expect("second run");
    for (a, b) in first.tenants.iter().zip(&second.tenants) {
        assert!(!b.created, "existing tenants are left alone");
        assert_eq!(
            (a.id, a.tickets, a.messages),
            (b.id, b.tickets, b.messages),
            "nothing was added"
        );
        let emails = |t: &DemoTenant| {
            t.users
                .iter()
                .map(|u| (u.email.clone(), u.password.clone(), u.support))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            emails(a),
            emails(b),
            "the same credentials are reported again"
        );
    }
    assert_eq!(scalar(&t.db, "SELECT COUNT(*) FROM tickets").await, 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn same_seed_gives_the_same_texts() {
    let a = TempDb::new().await;
    let b = TempDb::new().await;
    let opts = DemoOptions {
        tickets_per_tenant: 15,
        messages_per_ticket: 4,
    };
    generate(&a.db, &opts).await.unwrap();
    generate(&b.db, &opts).await.unwrap();
    let subjects = |db: &Db| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT subject || '|' || status || '|' || channel FROM tickets ORDER BY tenant_id = (SELECT id FROM tenants WHERE slug = 'demo') DESC, number")
                .fetch_all(db.reader())
                .await
                .unwrap()
        }
    };
    assert_eq!(
        subjects(&a.db).await,
        subjects(&b.db).await,
        "generation is deterministic"
    );
}

#[test]
fn every_template_placeholder_is_known() {
    let vars = Vars {
        first: "Emma",
        agent: "Priya",
        bot: "Bot",
        order: "ORD-1".into(),
        delivery: "DLV-1".into(),
        amount: "€1.00".into(),
        product: "blender",
        restaurant: "Green Bowl",
        country: "Japan",
    };
    let mut all: Vec<&str> = Vec::new();
    for t in TOPICS {
        for list in [
            t.subjects,
            t.descriptions,
            t.customer,
            t.agent,
            t.notes,
            t.summaries,
        ] {
            assert!(
                !list.is_empty(),
                "{} has an empty template list",
                t.ticket_type
            );
            all.extend(list);
        }
        assert!(TicketType::parse(t.ticket_type).is_ok());
        assert!(
            t.channels.iter().all(|c| Channel::KNOWN.contains(c)),
            "{} uses known channels",
            t.ticket_type
        );
        assert!(t.tags.iter().all(|g| TAGS.contains(g)));
    }
    for list in [GENERIC_CUSTOMER, GENERIC_AGENT, GENERIC_NOTES, BOT_LINES] {
        all.extend(list);
    }
    for template in all {
        let filled = fill(template, &vars);
        assert!(
            !filled.contains('{') && !filled.contains('}'),
            "unfilled placeholder in {template:?}"
        );
        assert!(parse_subject(&filled).is_ok());
    }
    for ty in TicketType::KNOWN {
        assert!(
            TOPICS.iter().any(|t| t.ticket_type == *ty),
            "a topic for type {ty}"
        );
    }
    assert_eq!(TOPIC_WEIGHTS.len(), TOPICS.len());
    assert_eq!(
        fill("{unknown} {first}", &vars),
        "{unknown} Emma",
        "unknown placeholders stay"
    );
}
