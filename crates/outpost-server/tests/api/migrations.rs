//! The two engines' migrations describe one schema: the same tables, the same columns,
//! the same nullability. A column added to one engine's migration and forgotten in the
//! other would otherwise surface only as a runtime error on that engine.

use crate::support::*;
use sqlx::Row;
use std::collections::BTreeSet;

/// (table, column, nullable) for every column of the application's tables.
type Schema = BTreeSet<(String, String, bool)>;

async fn schema_of(srv: &TestServer) -> Schema {
    let sql = match srv.engine {
        Engine::Sqlite => {
            "SELECT m.name AS tbl, p.name AS col, CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
        }
        Engine::Postgres => {
            "SELECT table_name::text AS tbl, column_name::text AS col, CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'"
        }
    };
    let rows = sqlx::query(sql)
        .fetch_all(srv.db.reader())
        .await
        .expect("read the schema");
    rows.iter()
        .map(|r| {
            let nullable: i32 = r.try_get("nullable").expect("nullable flag");
            (
                r.try_get::<String, _>("tbl").expect("table name"),
                r.try_get::<String, _>("col").expect("column name"),
                nullable != 0,
            )
        })
        .collect()
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_define_the_same_tables_and_columns() {
    let sqlite = TestServer::start(Engine::Sqlite).await;
    let postgres = TestServer::start(Engine::Postgres).await;
    let (a, b) = (schema_of(&sqlite).await, schema_of(&postgres).await);
    sqlite.stop().await;
    postgres.stop().await;
    assert!(a.len() > 50, "the schema was read ({} columns)", a.len());
    let only_sqlite: Vec<_> = a.difference(&b).collect();
    let only_postgres: Vec<_> = b.difference(&a).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "every (table, column, nullable) must exist on both engines; only on SQLite: {only_sqlite:?}; only on PostgreSQL: {only_postgres:?}"
    );
}

/// The migration that numbers users, messages and attachments (seed 004) on a database
/// written before it: existing rows are numbered in creation order, existing message
/// attachments become numbered link rows, and numbering goes on from there.
async fn upgrade_numbers_existing_rows(engine: Engine) {
    use outpost_server::db::Db;
    let (url, cleanup_pg) = match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir()
                .join(format!("outpost-upgrade-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&dir).unwrap();
            (
                format!("sqlite://{}?mode=rwc", dir.join("o.db").display()),
                None,
            )
        }
        Engine::Postgres => {
            let name = format!("outpost_upgrade_{}", uuid::Uuid::new_v4().simple());
            admin_pg(&format!("CREATE DATABASE {name}")).await;
            (format!("{}/{name}", pg_base()), Some(name))
        }
    };
    sqlx::any::install_default_drivers();
    let mut before = match engine {
        Engine::Sqlite => sqlx::migrate!("../../migrations/server-sqlite"),
        Engine::Postgres => sqlx::migrate!("../../migrations/server-postgres"),
    };
    before.migrations = std::borrow::Cow::Owned(
        before
            .migrations
            .iter()
            .filter(|m| m.version < 20261203200001)
            .cloned()
            .collect(),
    );
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    before.run(&pool).await.unwrap();
    let (t, u1, u2, tk, cv) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let at = |s: u32| format!("2026-11-0{s}T10:00:00.000000Z");
    let exec = |sql: &'static str, binds: Vec<String>| {
        let pool = pool.clone();
        async move {
            let mut q = sqlx::query(sql);
            for b in binds {
                q = q.bind(b);
            }
            q.execute(&pool).await.unwrap();
        }
    };
    exec(
        "INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, 'old', 'Old', $2)",
        vec![t.clone(), at(1)],
    )
    .await;
    // Created second but listed first: numbers follow creation, not insertion order.
    exec("INSERT INTO users (id, tenant_id, email, name, role, created_at, updated_at) VALUES ($1, $2, 'agent@old.test', 'Agent', 'agent', $3, $3)", vec![u2.clone(), t.clone(), at(3)]).await;
    exec("INSERT INTO users (id, tenant_id, email, name, role, created_at, updated_at) VALUES ($1, $2, 'customer@old.test', 'Customer', 'customer', $3, $3)", vec![u1.clone(), t.clone(), at(2)]).await;
    exec("INSERT INTO tickets (id, tenant_id, number, subject, description, status, priority, type, channel, requester_id, conversation_id, created_at, updated_at) \
          VALUES ($1, $2, 1, 'Old ticket', 'd', 'open', 'low', 'question', 'email', $3, $4, $5, $5)", vec![tk.clone(), t.clone(), u1.clone(), cv.clone(), at(4)]).await;
    exec("INSERT INTO conversations (id, tenant_id, ticket_id, status, created_at) VALUES ($1, $2, $3, 'active', $4)", vec![cv.clone(), t.clone(), tk.clone(), at(4)]).await;
    let files = r#"[{"name":"a.pdf","url":"https://cdn.example.com/a.pdf","size":10,"mime":"application/pdf"},{"name":"b.png","url":"https://cdn.example.com/b.png","size":20,"mime":"image/png"}]"#;
    for (i, (sender, attachments)) in [(&u1, "[]"), (&u2, files), (&u1, "[]")]
        .into_iter()
        .enumerate()
    {
        exec("INSERT INTO messages (id, tenant_id, conversation_id, ticket_id, sender_id, message_type, content, attachments, created_at) \
              VALUES ($1, $2, $3, $4, $5, 'text', 'hello', $6, $7)",
            vec![uuid::Uuid::now_v7().to_string(), t.clone(), cv.clone(), tk.clone(), sender.clone(), attachments.to_owned(), at(5 + i as u32)]).await;
    }
    pool.close().await;

    let db = Db::connect(&url).await.expect("the upgrade applies");
    let numbers = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query(sql)
                .fetch_all(db.reader())
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.try_get::<String, _>(0).unwrap(),
                        r.try_get::<i64, _>(1).unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        numbers("SELECT email, number FROM users ORDER BY number").await,
        [
            ("customer@old.test".to_owned(), 1),
            ("agent@old.test".to_owned(), 2)
        ]
    );
    let msgs = numbers("SELECT attachments, number FROM messages ORDER BY number").await;
    assert_eq!(msgs.iter().map(|m| m.1).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(msgs[1].0, files, "the message keeps its attachments");
    assert_eq!(
        numbers("SELECT url, number FROM attachments ORDER BY number").await,
        [
            ("https://cdn.example.com/a.pdf".to_owned(), 1),
            ("https://cdn.example.com/b.png".to_owned(), 2)
        ]
    );
    let tenant: outpost_domain::TenantId = t.parse::<uuid::Uuid>().unwrap().into();
    let seqs = {
        use outpost_server::store::counters::{self, Counter};
        let mut conn = db.reader().acquire().await.unwrap();
        let mut last = async |c| counters::last(&mut conn, tenant, c).await.unwrap();
        (
            last(Counter::User).await,
            last(Counter::Message).await,
            last(Counter::Attachment).await,
        )
    };
    assert_eq!(seqs, (2, 3, 2), "numbering goes on after the existing rows");
    let new = outpost_server::service::admin::create_user(
        &db,
        tenant,
        &outpost_server::service::admin::UserSpec {
            email: "new@old.test",
            name: "New",
            role: outpost_domain::Role::Agent,
            password: None,
            elevated: false,
            support: false,
        },
    )
    .await
    .expect("a new user after the upgrade");
    let n: i64 = sqlx::query_scalar("SELECT number FROM users WHERE id = $1")
        .bind(new.id.to_string())
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(n, 3);
    db.close().await;
    if let Some(name) = cleanup_pg {
        admin_pg(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    }
}

#[tokio::test]
async fn upgrade_numbers_existing_rows_sqlite() {
    upgrade_numbers_existing_rows(Engine::Sqlite).await;
}

#[tokio::test]
async fn upgrade_numbers_existing_rows_postgres() {
    upgrade_numbers_existing_rows(Engine::Postgres).await;
}

/// SQLite's planner (no statistics) must keep using the conversation index for
/// per-conversation message reads that also filter by tenant: an index whose first
/// column is `tenant_id` would win and scan every message of the tenant (it once did,
/// and the seed 001 list fell from 762 to 164 requests per second).
#[tokio::test]
async fn sqlite_reads_messages_and_attachments_through_their_own_indexes() {
    let srv = TestServer::start(Engine::Sqlite).await;
    for (sql, index) in [
        (
            "EXPLAIN QUERY PLAN SELECT conversation_id, COUNT(*) FROM messages WHERE conversation_id IN ('a', 'b') \
             AND tenant_id = 't' AND sender_id IS NOT NULL AND internal = 0 GROUP BY conversation_id",
            "messages_conversation_created",
        ),
        (
            "EXPLAIN QUERY PLAN SELECT number FROM messages WHERE conversation_id IN ('a', 'b') AND tenant_id = 't' \
             AND message_type IN ('text', 'image', 'file') ORDER BY conversation_id, created_at, id",
            "messages_conversation_created",
        ),
        (
            "EXPLAIN QUERY PLAN SELECT number FROM attachments WHERE message_id IN ('a', 'b') AND tenant_id = 't' \
             ORDER BY message_id, position",
            "attachments_message",
        ),
    ] {
        let plan: Vec<String> = sqlx::query(sql)
            .fetch_all(srv.db.reader())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .collect();
        assert!(
            plan.iter().any(|d| d.contains(index)),
            "{sql}\nuses {plan:?}, not {index}"
        );
    }
    srv.stop().await;
}
