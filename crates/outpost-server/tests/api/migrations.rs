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
