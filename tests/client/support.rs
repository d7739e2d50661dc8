//! Test harness: a real `outpost-server` on 127.0.0.1:0 over a temporary SQLite file,
//! a small world (one tenant, two support agents, a customer, tickets with messages),
//! and signed-in desks, each in its own temporary profile with an in-memory keychain.

#![allow(dead_code)]

use outpost_core::credentials::{Credentials, MemoryStore};
use outpost_core::profile::Profile;
use outpost_core::{Api, Desk, Result};
use outpost_domain::sync;
use outpost_domain::*;
pub use outpost_server::apis::Apis;
use outpost_server::db::Db;
use outpost_server::service::admin::{self, UserSpec};
use outpost_server::testing::{self, Served};
use std::path::PathBuf;
use std::sync::Arc;

pub const PASSWORD: &str = "correct-horse-battery";

#[derive(Clone, Debug)]
pub struct World {
    pub tenant: Tenant,
    pub agent1: User,
    pub agent2: User,
    pub customer: User,
    pub tickets: Vec<Ticket>,
}

/// The server (`base`, `addr`, `db`, `dir` through `Deref`) and the seeded world.
pub struct TestServer {
    pub world: World,
    served: Served,
}

impl std::ops::Deref for TestServer {
    type Target = Served;
    fn deref(&self) -> &Served {
        &self.served
    }
}

pub fn temp_dir(tag: &str) -> PathBuf {
    testing::temp_dir(&format!("core-{tag}"))
}

impl TestServer {
    /// A server with `tickets` customer tickets, each with `messages` messages.
    pub async fn start(tickets: usize, messages: usize) -> TestServer {
        let (served, world) =
            Served::start("core-server", async |db| seed(db, tickets, messages).await).await;
        TestServer { world, served }
    }

    /// Like [`TestServer::start`], serving only the route families `apis` (a
    /// helpdesk that offers one seed API).
    pub async fn start_apis(tickets: usize, messages: usize, apis: Apis) -> TestServer {
        let (served, world) = Served::start_apis("core-server", apis, async |db| {
            seed(db, tickets, messages).await
        })
        .await;
        TestServer { world, served }
    }

    pub async fn stop(self) {
        self.served.stop().await;
    }

    /// A new API key of `user` (what an administrator hands an integrator).
    pub async fn api_key(&self, user: &User) -> String {
        outpost_server::service::auth::create_api_key(
            &self.db,
            self.world.tenant.id,
            user.id,
            "connector test",
            &outpost_server::auth::Scope::ALL,
        )
        .await
        .expect("api key")
    }

    /// Sign `email` in at `base` (the server or a proxy in front of it) in a fresh
    /// profile, and run the first sync.
    pub async fn desk_at(&self, base: &str, email: &str) -> Desk {
        let desk = login(base, email).await.expect("login");
        desk.sync().await.expect("first sync");
        desk
    }

    pub async fn desk(&self, email: &str) -> Desk {
        self.desk_at(&self.base, email).await
    }

    /// Act as `user` directly on the server (another agent working meanwhile).
    pub async fn push_as(&self, user: &User, ops: Vec<sync::MutationOp>) -> Vec<sync::Outcome> {
        let actor = actor_for(&self.db, self.world.tenant.id, user).await;
        let client = ClientId::new();
        let req = sync::PushRequest {
            client_id: client,
            mutations: ops
                .into_iter()
                .enumerate()
                .map(|(i, op)| sync::Mutation {
                    seq: i as i64 + 1,
                    id: MutationId::new(),
                    op,
                    base: None,
                })
                .collect(),
        };
        outpost_server::service::sync::push(&self.db, &actor, &req)
            .await
            .expect("server push")
            .results
            .into_iter()
            .map(|r| r.outcome)
            .collect()
    }

    /// The server's current state of a ticket.
    pub async fn ticket(&self, id: TicketId) -> Ticket {
        let actor = actor_for(&self.db, self.world.tenant.id, &self.world.agent1).await;
        outpost_server::service::tickets::get(&self.db, &actor, id)
            .await
            .expect("ticket on the server")
            .ticket
    }

    /// Every message of a ticket on the server (as a support agent sees them).
    pub async fn messages(&self, ticket: TicketId) -> Vec<Message> {
        all_changes(self, &self.world.agent1)
            .await
            .into_iter()
            .filter_map(|c| match c {
                sync::Change::Message(m) if m.ticket_id == ticket => Some(m),
                _ => None,
            })
            .collect()
    }
}

/// Pull the whole feed as `user` straight from the service layer.
pub async fn all_changes(srv: &TestServer, user: &User) -> Vec<sync::Change> {
    let actor = actor_for(&srv.db, srv.world.tenant.id, user).await;
    let mut cursor = "0".to_owned();
    let mut out = Vec::new();
    loop {
        let page = outpost_server::service::sync::pull(&srv.db, &actor, &cursor, 5000)
            .await
            .expect("pull");
        out.extend(page.changes.into_iter().map(|c| c.change));
        cursor = page.cursor;
        if !page.has_more {
            return out;
        }
    }
}

/// Messages on the server with this content, as agent1 sees them.
pub async fn copies(srv: &TestServer, content: &str) -> usize {
    all_changes(srv, &srv.world.agent1)
        .await
        .iter()
        .filter(|c| matches!(c, sync::Change::Message(m) if m.content == content))
        .count()
}

/// Sync until the outbox is empty (a pass may fail on an injected fault).
pub async fn sync_until_clean(desk: &Desk) {
    for _ in 0..20 {
        if desk.sync().await.is_ok() && desk.status().await.unwrap().pending == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "the outbox never drained: {:?}",
        desk.status().await.unwrap()
    );
}

/// Sign in at `base` into a fresh temporary profile with an in-memory keychain.
pub async fn login(base: &str, email: &str) -> Result<Desk> {
    let profile = Profile::at(temp_dir("profile"));
    let creds = Credentials::with_env_token(Arc::new(MemoryStore::new()), None);
    Desk::login(profile, creds, base, email, Some(PASSWORD), None).await
}

/// Sign in at `base` through the connector for `api` with an API token, into a fresh
/// temporary profile with an in-memory keychain.
pub async fn login_api(base: &str, api: Api, email: &str, token: &str) -> Result<Desk> {
    let profile = Profile::at(temp_dir("profile"));
    let creds = Credentials::with_env_token(Arc::new(MemoryStore::new()), None);
    Desk::login_with_token(profile, creds, base, api, email, Some(token)).await
}

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

async fn user(db: &Db, tenant: TenantId, email: &str, role: Role, support: bool) -> User {
    admin::create_user(
        db,
        tenant,
        &UserSpec {
            email,
            name: &email.split('@').next().unwrap().replace('.', " "),
            role,
            password: Some(PASSWORD),
            elevated: false,
            support,
        },
    )
    .await
    .expect("create user")
}

async fn seed(db: &Db, tickets: usize, messages: usize) -> World {
    let tenant = admin::create_tenant(db, "demo", "Demo Support")
        .await
        .expect("tenant");
    let t = tenant.id;
    let agent1 = user(db, t, "agent1@demo.test", Role::Agent, true).await;
    let agent2 = user(db, t, "agent2@demo.test", Role::Agent, true).await;
    let customer = user(db, t, "customer@demo.test", Role::Customer, false).await;
    let actor = actor_for(db, t, &customer).await;
    let mut created = Vec::new();
    let mut seq = 0;
    for i in 0..tickets {
        let args = sync::TicketCreateArgs {
            ticket_id: TicketId::new(),
            conversation_id: None,
            subject: format!("Order #{} arrived damaged", 1000 + i),
            description: format!("The box for order {} was crushed", 1000 + i),
            priority: None,
            ticket_type: None,
            channel: None,
            requester_id: None,
            assignee_id: None,
            team_id: None,
            tags: vec![],
            related_order_id: Some(format!("ORD-{}", 1000 + i)),
            related_delivery_id: None,
            follow_up_of: None,
        };
        let ticket = outpost_server::service::tickets::create(db, &actor, &args)
            .await
            .expect("create ticket")
            .ticket;
        let mut mutations = Vec::new();
        for m in 0..messages {
            seq += 1;
            mutations.push(sync::Mutation {
                seq,
                id: MutationId::new(),
                op: sync::MutationOp::MessageSend(sync::MessageSendArgs {
                    message_id: MessageId::new(),
                    ticket_id: ticket.id,
                    message_type: MessageType::Text,
                    content: format!("Message {m} about the refund for order {}", 1000 + i),
                    content_url: None,
                    metadata: None,
                    parent_message_id: None,
                    internal: false,
                    attachments: vec![],
                }),
                base: None,
            });
        }
        if !mutations.is_empty() {
            let client = ClientId::new();
            let req = sync::PushRequest {
                client_id: client,
                mutations,
            };
            let res = outpost_server::service::sync::push(db, &actor, &req)
                .await
                .expect("seed messages");
            assert!(
                res.results
                    .iter()
                    .all(|r| matches!(r.outcome, sync::Outcome::Applied(_))),
                "seed messages must apply: {res:?}"
            );
        }
        created.push(ticket);
    }
    let tenant = admin::tenant(db, "demo").await.unwrap();
    World {
        tenant,
        agent1,
        agent2,
        customer,
        tickets: created,
    }
}
