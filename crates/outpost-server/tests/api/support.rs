//! Test harness: each test gets its own database (a SQLite file in a temp directory, or
//! a fresh PostgreSQL database that is dropped afterwards), a server on 127.0.0.1:0 and
//! a small world of tenants, users and tickets.

use outpost_domain::sync::TicketCreateArgs;
use outpost_domain::*;
use outpost_server::apis::Apis;
use outpost_server::db::Db;
use outpost_server::service::admin::{self, UserSpec};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::path::PathBuf;

pub const PASSWORD: &str = "correct-horse-battery";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs a test body once per engine: `both_engines!(name, |srv| async move { … });`
#[macro_export]
macro_rules! both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let srv = $crate::support::TestServer::start($crate::support::Engine::Sqlite).await;
                ($body)(srv.clone_handle()).await;
                srv.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let srv =
                    $crate::support::TestServer::start($crate::support::Engine::Postgres).await;
                ($body)(srv.clone_handle()).await;
                srv.stop().await;
            }
        }
    };
}

pub fn pg_base() -> String {
    std::env::var("OUTPOST_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The users and tickets every test starts with.
#[derive(Clone, Debug)]
pub struct World {
    pub tenant: Tenant,
    pub other_tenant: Tenant,
    pub admin: User,
    /// Support users (in support_user_ids).
    pub agent1: User,
    pub agent2: User,
    /// Elevated support user.
    pub lead: User,
    /// An agent who is not a support user.
    pub outsider: User,
    pub customer: User,
    pub customer2: User,
    /// A support agent of the other tenant.
    pub foreign_agent: User,
    /// An unassigned ticket requested by `customer`.
    pub ticket: Ticket,
    /// A ticket of the other tenant.
    pub foreign_ticket: Ticket,
}

pub struct TestServer {
    pub base: String,
    /// The database URL, for a second server process on the same database.
    pub url: String,
    pub db: Db,
    pub world: World,
    pub http: reqwest::Client,
    pub engine: Engine,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase(String),
    None,
}

/// A cheap view of a running server for test bodies.
#[derive(Clone)]
pub struct Srv {
    pub base: String,
    pub db: Db,
    pub world: World,
    pub http: reqwest::Client,
    pub engine: Engine,
}

impl TestServer {
    pub async fn start(engine: Engine) -> TestServer {
        TestServer::start_apis(engine, Apis::all()).await
    }

    /// A server offering only the route families `apis`.
    pub async fn start_apis(engine: Engine, apis: Apis) -> TestServer {
        let (url, cleanup) = match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir()
                    .join(format!("outpost-test-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                (
                    format!("sqlite://{}?mode=rwc", dir.join("outpost.db").display()),
                    Cleanup::Dir(dir),
                )
            }
            Engine::Postgres => {
                let name = format!("outpost_test_{}", uuid::Uuid::new_v4().simple());
                admin_pg(&format!("CREATE DATABASE {name}")).await;
                (format!("{}/{name}", pg_base()), Cleanup::PgDatabase(name))
            }
        };
        let db = Db::connect(&url).await.expect("connect test database");
        if engine == Engine::Postgres {
            outpost_server::events::start_pg_listener(db.clone(), &url)
                .await
                .expect("listen");
        }
        let world = seed_world(&db).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = db.clone();
        let task = tokio::spawn(async move {
            outpost_server::serve_db(served, apis, listener, async {
                let _ = rx.await;
            })
            .await
            .expect("server ran");
        });
        TestServer {
            base,
            url,
            db,
            world,
            http: reqwest::Client::new(),
            engine,
            stop: Some(tx),
            task: Some(task),
            cleanup,
        }
    }

    /// Another server process on the same database: its own pools, token cache and
    /// PostgreSQL listener, as behind a load balancer.
    pub async fn second_process(&self) -> OtherProcess {
        let db = Db::connect(&self.url)
            .await
            .expect("connect the second process");
        if self.engine == Engine::Postgres {
            outpost_server::events::start_pg_listener(db.clone(), &self.url)
                .await
                .expect("listen");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            outpost_server::serve_db(db, Apis::all(), listener, async {
                let _ = rx.await;
            })
            .await
            .expect("second server ran");
        });
        OtherProcess {
            base,
            stop: Some(tx),
            task: Some(task),
        }
    }

    pub fn clone_handle(&self) -> Srv {
        Srv {
            base: self.base.clone(),
            db: self.db.clone(),
            world: self.world.clone(),
            http: self.http.clone(),
            engine: self.engine,
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), task).await;
        }
        self.db.close().await;
        match std::mem::replace(&mut self.cleanup, Cleanup::None) {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::PgDatabase(name) => {
                admin_pg(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
            }
            Cleanup::None => {}
        }
    }
}

/// A second server process (see [`TestServer::second_process`]).
pub struct OtherProcess {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl OtherProcess {
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), task).await;
        }
    }
}

pub async fn admin_pg(sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::postgres::PgConnection::connect(&format!("{}/postgres", pg_base()))
        .await
        .expect("PostgreSQL must run at OUTPOST_TEST_PG (default 127.0.0.1:5432, user postgres)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .expect(sql);
}

async fn user(
    db: &Db,
    tenant: TenantId,
    email: &str,
    role: Role,
    elevated: bool,
    support: bool,
) -> User {
    admin::create_user(
        db,
        tenant,
        &UserSpec {
            email,
            name: &email.split('@').next().unwrap().replace('.', " "),
            role,
            password: Some(PASSWORD),
            elevated,
            support,
        },
    )
    .await
    .expect("create user")
}

async fn seed_world(db: &Db) -> World {
    let tenant = admin::create_tenant(db, "demo", "Demo Support")
        .await
        .expect("tenant");
    let other_tenant = admin::create_tenant(db, "acme", "Acme Inc.")
        .await
        .expect("tenant");
    let t = tenant.id;
    let admin_user = user(db, t, "admin@demo.test", Role::Admin, false, false).await;
    let agent1 = user(db, t, "agent1@demo.test", Role::Agent, false, true).await;
    let agent2 = user(db, t, "agent2@demo.test", Role::Agent, false, true).await;
    let lead = user(db, t, "lead@demo.test", Role::Agent, true, true).await;
    let outsider = user(db, t, "outsider@demo.test", Role::Agent, false, false).await;
    let customer = user(db, t, "customer@demo.test", Role::Customer, false, false).await;
    let customer2 = user(db, t, "customer2@demo.test", Role::Customer, false, false).await;
    let foreign_agent = user(
        db,
        other_tenant.id,
        "agent1@acme.test",
        Role::Agent,
        false,
        true,
    )
    .await;
    let foreign_customer = user(
        db,
        other_tenant.id,
        "customer@acme.test",
        Role::Customer,
        false,
        false,
    )
    .await;
    let ticket = create_ticket(
        db,
        t,
        &customer,
        "Order #1001 arrived damaged",
        Some("ORD-1001"),
    )
    .await;
    let foreign_ticket = create_ticket(
        db,
        other_tenant.id,
        &foreign_customer,
        "Acme secret ticket",
        None,
    )
    .await;
    let tenant = admin::tenant(db, "demo").await.unwrap();
    let other_tenant = admin::tenant(db, "acme").await.unwrap();
    World {
        tenant,
        other_tenant,
        admin: admin_user,
        agent1,
        agent2,
        lead,
        outsider,
        customer,
        customer2,
        foreign_agent,
        ticket,
        foreign_ticket,
    }
}

/// Creates a ticket on behalf of `requester` through the service layer.
pub async fn create_ticket(
    db: &Db,
    tenant: TenantId,
    requester: &User,
    subject: &str,
    order: Option<&str>,
) -> Ticket {
    let actor = actor_for(db, tenant, requester).await;
    let args = TicketCreateArgs {
        ticket_id: TicketId::new(),
        conversation_id: None,
        subject: subject.into(),
        description: format!("{subject}: details from the customer"),
        priority: None,
        ticket_type: None,
        channel: Some(Channel::parse("customer_portal").unwrap()),
        requester_id: None,
        assignee_id: None,
        team_id: None,
        tags: vec![],
        related_order_id: order.map(str::to_owned),
        related_delivery_id: order.map(|o| format!("DEL-{o}")),
        follow_up_of: None,
    };
    outpost_server::service::tickets::create(db, &actor, &args)
        .await
        .expect("create ticket")
        .ticket
}

/// A service-layer actor for a user (as if they had logged in).
pub async fn actor_for(db: &Db, tenant: TenantId, u: &User) -> outpost_server::auth::Actor {
    let tenant_row = admin::tenant(db, &tenant.to_string()).await.unwrap();
    outpost_server::auth::Actor {
        tenant_id: tenant,
        user_id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        role: u.role,
        elevated: u.elevated,
        support: tenant_row.support.support_user_ids.contains(&u.id),
        scopes: outpost_server::auth::Scope::ALL.to_vec(),
        token_hash: String::new(),
        expires_at: None,
    }
}

/// A response: status and JSON body (Null when the body is empty or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl Srv {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login(&self, email: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/auth/v1/login",
                None,
                Some(serde_json::json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {email}: {:?}", r.body);
        r.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Sends a raw body with a content type (malformed-input tests).
    pub async fn post_raw(&self, path: &str, token: &str, body: Vec<u8>) -> Resp {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap_or_default();
        Resp {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            headers,
        }
    }

    /// Sets a ticket's status through the sync protocol (`ticket.update`).
    pub async fn set_status(&self, token: &str, ticket: impl serde::Serialize, status: &str) {
        let r = self
            .post(
                "/sync/v1/mutations",
                token,
                serde_json::json!({"client_id": uuid::Uuid::now_v7(), "mutations": [
                    {"seq": 1, "id": uuid::Uuid::now_v7(), "name": "ticket.update", "args": {"ticket_id": ticket, "status": status}}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["results"][0]["status"], "applied", "{:?}", r.body);
    }
}
