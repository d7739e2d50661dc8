//! Demo data: two tenants (`demo`, `acme`) with staff, customers, teams, tags,
//! channels, bot versions and any number of realistic tickets and conversations.
//!
//! Accounts are created through [`service::admin`](crate::service::admin); tickets,
//! conversations, messages and history are generated from templates with a seeded RNG
//! (so every run produces the same shapes and texts) and written in large batches, one
//! write transaction per batch, so 100 000 tickets with a million messages take
//! minutes rather than hours. Every inserted entity is touched, so the sync feed
//! carries the demo data like any other change.
//!
//! Generation is idempotent per tenant: a tenant that already exists is left alone and
//! only its demo accounts are reported again, so `make run` may call it every time.
//!
//! Every human account's password is [`DEMO_PASSWORD`]; bots have none.
//!
//! | account | role | notes |
//! |---|---|---|
//! | `admin@<slug>.test` | admin | support user, elevated |
//! | `agent1@<slug>.test` … `agent3@<slug>.test` | agent | support users |
//! | `agent4@<slug>.test` | agent | support user, elevated |
//! | `agent5@<slug>.test` | agent | *not* a support user (the queue answers 403) |
//! | `shared@example.test` | agent | support user in both tenants (login must name one) |
//! | `bot@<slug>.test` | bot | AI responder, support user, no password |
//! | `customer1@<slug>.test` … `customer20@<slug>.test` | customer | customer19 and customer20 are blocked chat owners |
//!
//! Each tenant also has four configured channels (web chat, support inbox, help center,
//! storefront form), three published versions of its bot (chats the bot answers carry
//! the version live when they started), and a few soft-removed chats (closed ones).

use crate::db::{Db, WriteTx};
use crate::error::{Error, Result, StoreError};
use crate::service::admin::{self, UserSpec};
use crate::store::tickets::TicketRecord;
use crate::store::{conversations, directory, history, tickets};
use chrono::TimeDelta;
use outpost_domain::lifecycle;
use outpost_domain::sync::{EntityKind, TicketAssignArgs, TicketCreateArgs};
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Instant;
use uuid::Uuid;

mod content;
mod files;
mod generator;
#[cfg(test)]
mod tests;

use content::*;
use generator::Generator;

/// The password of every human demo account.
pub const DEMO_PASSWORD: &str = "outpost-demo";

/// An agent who exists in both demo tenants, so login has to choose a tenant.
pub const SHARED_EMAIL: &str = "shared@example.test";

/// How much demo data to create in each tenant.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub tickets_per_tenant: usize,
    pub messages_per_ticket: usize,
}

/// What [`generate`] left in the database: the demo tenants and their accounts.
#[derive(Clone, Debug, Serialize)]
pub struct DemoReport {
    pub tenants: Vec<DemoTenant>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DemoTenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub users: Vec<DemoUser>,
    /// Tickets in the tenant (all of them, when it already existed).
    pub tickets: u64,
    /// Messages in the tenant.
    pub messages: u64,
    /// False when the tenant already existed and nothing was added.
    #[serde(skip)]
    pub created: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct DemoUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The demo password, or `None` for accounts that cannot log in (bots).
    pub password: Option<String>,
    pub elevated: bool,
    pub support: bool,
}

/// Creates the demo tenants that do not exist yet and reports every demo tenant.
#[tracing::instrument(skip_all, fields(tickets = opts.tickets_per_tenant, messages = opts.messages_per_ticket))]
pub async fn generate(db: &Db, opts: &DemoOptions) -> Result<DemoReport> {
    // The tenants are filled concurrently: on PostgreSQL each has its own writer (they
    // lock different tenant rows); on SQLite their batches simply take turns.
    let tenants = TENANTS.iter().enumerate().map(|(i, spec)| async move {
        match admin::tenant(db, spec.slug).await {
            Ok(t) => {
                tracing::info!(tenant = spec.slug, "demo tenant exists; adding nothing");
                existing_tenant(db, spec, t).await
            }
            Err(e) if e.code() == ErrorCode::NotFound => {
                new_tenant(db, spec, opts, 0x0075_7470_6f73_7400 + i as u64).await
            }
            Err(e) => Err(e),
        }
    });
    Ok(DemoReport {
        tenants: futures::future::try_join_all(tenants).await?,
    })
}

struct TenantSpec {
    slug: &'static str,
    name: &'static str,
    admin: &'static str,
    /// agent1 … agent5.
    agents: [&'static str; 5],
    bot: &'static str,
    customers: &'static [&'static str],
}

const TENANTS: &[TenantSpec] = &[
    TenantSpec {
        slug: "demo",
        name: "Demo Support",
        admin: "Dana Whitfield",
        agents: [
            "Priya Raman",
            "Marcus Chen",
            "Sofia Alvarez",
            "Tom Becker",
            "Nina Kowalski",
        ],
        bot: "Outpost Assistant",
        customers: &[
            "Emma Johnson",
            "Liam Müller",
            "Olivia Rossi",
            "Noah Kim",
            "Ava Dubois",
            "Lucas Silva",
            "Mia Nakamura",
            "Ethan Novak",
            "Isabella García",
            "Mason O'Brien",
            "Sophia Andersson",
            "Logan Patel",
            "Amelia Nguyen",
            "Elijah Okafor",
            "Harper Jensen",
            "James Moreau",
            "Evelyn Kowalczyk",
            "Benjamin Cohen",
            "Charlotte Lindqvist",
            "Henry Adeyemi",
        ],
    },
    TenantSpec {
        slug: "acme",
        name: "Acme Inc.",
        admin: "Alex Morgan",
        agents: [
            "Hiro Tanaka",
            "Fatima Zahra",
            "Jonas Berg",
            "Chiara Bianchi",
            "Omar Haddad",
        ],
        bot: "Acme Assistant",
        customers: &[
            "Grace Thompson",
            "Oscar Fernández",
            "Chloe Martin",
            "Leo Schneider",
            "Zoe Papadopoulos",
            "Daniel Ivanov",
            "Lily Svensson",
            "Samuel Haddad",
            "Hannah Becker",
            "Jack Wilson",
            "Aria Kapoor",
            "David Costa",
            "Ella Horvath",
            "Mateo Romero",
            "Nora Eriksen",
            "Ryan Murphy",
            "Layla Hassan",
            "Adam Nowak",
            "Ruby Tanaka",
            "Felix Wagner",
        ],
    },
];

const SHARED_NAME: &str = "Sam Rivera";
const TEAMS: [&str; 3] = ["Billing", "Technical", "Orders"];
/// The tenant's configured channels (seed 002): a channel kind and its name. Tickets
/// of the other kinds (api, dashboard, follow_up, ...) come through no configured one.
const CHANNELS: &[(&str, &str)] = &[
    ("chat", "Web chat"),
    ("email", "Support inbox"),
    ("customer_portal", "Help center"),
    ("storefront", "Storefront contact form"),
];
/// Published versions of each tenant's bot; tickets the bot took carry the version
/// that was live when they were created (evenly over the 90 days).
const BOT_VERSIONS: usize = 3;
/// Customers blocked as chat owners (by number: customer19 and customer20).
const BLOCKED_CUSTOMERS: &[usize] = &[19, 20];
const TAGS: &[&str] = &[
    "billing",
    "refund",
    "bug",
    "vip",
    "shipping",
    "login",
    "feature",
    "urgent-followup",
    "damaged",
    "onboarding",
];

/// One account of a tenant's demo set.
#[derive(Clone)]
struct AccountSpec {
    email: String,
    name: String,
    role: Role,
    password: bool,
    elevated: bool,
    support: bool,
}

/// The demo accounts of a tenant, in report order: admin, agent1-5, shared, bot, customers.
fn accounts(spec: &TenantSpec) -> Vec<AccountSpec> {
    let staff =
        |email: String, name: &str, role: Role, elevated: bool, support: bool| AccountSpec {
            email,
            name: name.to_owned(),
            role,
            password: role != Role::Bot,
            elevated,
            support,
        };
    let slug = spec.slug;
    let mut out = vec![staff(
        format!("admin@{slug}.test"),
        spec.admin,
        Role::Admin,
        true,
        true,
    )];
    for (i, name) in spec.agents.iter().enumerate() {
        let n = i + 1;
        out.push(staff(
            format!("agent{n}@{slug}.test"),
            name,
            Role::Agent,
            n == 4,
            n <= 4,
        ));
    }
    out.push(staff(
        SHARED_EMAIL.to_owned(),
        SHARED_NAME,
        Role::Agent,
        false,
        true,
    ));
    out.push(staff(
        format!("bot@{slug}.test"),
        spec.bot,
        Role::Bot,
        false,
        true,
    ));
    for (i, name) in spec.customers.iter().enumerate() {
        out.push(staff(
            format!("customer{}@{slug}.test", i + 1),
            name,
            Role::Customer,
            false,
            false,
        ));
    }
    out
}

fn demo_user(user: &User, has_password: bool) -> DemoUser {
    DemoUser {
        email: user.email.to_string(),
        name: user.name.clone(),
        role: user.role,
        password: has_password.then(|| DEMO_PASSWORD.to_owned()),
        elevated: user.elevated,
        support: user.support,
    }
}

/// Reports an existing demo tenant: its demo accounts that still exist and its counts.
async fn existing_tenant(db: &Db, spec: &TenantSpec, tenant: Tenant) -> Result<DemoTenant> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let mut users = Vec::new();
    for a in accounts(spec) {
        let email = EmailAddress::parse(&a.email)?;
        if let Some(rec) = directory::get_user_by_email(&mut conn, tenant.id, &email).await? {
            users.push(demo_user(&rec.user, rec.password_hash.is_some()));
        }
    }
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE tenant_id = $1")
        .bind(tenant.id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE tenant_id = $1")
        .bind(tenant.id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    Ok(DemoTenant {
        id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        users,
        tickets: tickets as u64,
        messages: messages as u64,
        created: false,
    })
}

async fn new_tenant(
    db: &Db,
    spec: &TenantSpec,
    opts: &DemoOptions,
    seed: u64,
) -> Result<DemoTenant> {
    let started = Instant::now();
    let tenant = admin::create_tenant(db, spec.slug, spec.name).await?;
    let specs = accounts(spec);
    let users = create_users(db, tenant.id, &specs).await?;
    let support: Vec<UserId> = specs
        .iter()
        .zip(&users)
        .filter(|(s, _)| s.support)
        .map(|(_, u)| u.id)
        .collect();
    admin::set_support_users(db, tenant.id, &support).await?;

    let person = |u: &User| Person {
        id: u.id,
        name: u.name.clone(),
        email: u.email.to_string(),
    };
    let by_email = |email: &str| users.iter().find(|u| u.email.as_str() == email).map(person);
    let slug = spec.slug;
    let want = |e: String| by_email(&e).ok_or_else(|| Error::not_found("demo user"));
    let agent = |n: usize| want(format!("agent{n}@{slug}.test"));
    let workers = vec![
        agent(1)?,
        agent(2)?,
        agent(3)?,
        agent(4)?,
        want(SHARED_EMAIL.to_owned())?,
    ];
    let team_members = [
        vec![workers[0].id, workers[1].id],
        vec![workers[2].id, workers[3].id, workers[4].id],
        vec![workers[0].id, workers[1].id, agent(5)?.id],
    ];
    let mut teams = Vec::with_capacity(TEAMS.len());
    for (name, members) in TEAMS.iter().zip(&team_members) {
        teams.push(admin::create_team(db, tenant.id, name, members).await?.id);
    }
    let mut tags = HashMap::new();
    for name in TAGS {
        tags.insert(*name, admin::create_tag(db, tenant.id, name).await?.id);
    }
    let mut channels = HashMap::new();
    for (kind, name) in CHANNELS {
        let info = admin::create_channel(db, tenant.id, name, Channel::parse(kind)?).await?;
        channels.insert(*kind, info.id);
    }
    let bot = want(format!("bot@{slug}.test"))?;
    let mut bot_versions = Vec::with_capacity(BOT_VERSIONS);
    for _ in 0..BOT_VERSIONS {
        bot_versions.push(admin::publish_responder_version(db, tenant.id, bot.id).await?);
    }
    for n in BLOCKED_CUSTOMERS {
        if let Some(c) = by_email(&format!("customer{n}@{slug}.test")) {
            admin::set_blocked(db, tenant.id, c.id, true).await?;
        }
    }
    let people = People {
        slug: spec.slug,
        admin: want(format!("admin@{slug}.test"))?,
        workers,
        bot,
        customers: users
            .iter()
            .filter(|u| u.role == Role::Customer)
            .map(person)
            .collect(),
        teams,
        tags,
        channels,
        bot_versions,
    };
    tracing::info!(
        tenant = slug,
        users = users.len(),
        "demo accounts, teams, tags, channels and bot versions created"
    );

    files::store(db, tenant.id).await?;
    let total = opts.tickets_per_tenant;
    let per_batch = batch_size(opts.messages_per_ticket);
    let mut generator = Generator::new(
        &people,
        StdRng::seed_from_u64(seed),
        total,
        opts.messages_per_ticket,
    );
    let (mut done, mut messages) = (0usize, 0u64);
    while done < total {
        let count = per_batch.min(total - done);
        let mut tx = db.write(tenant.id).await?;
        let first = tickets::reserve_numbers(tx.conn(), tenant.id, count as i64).await?;
        let mut batch = generator.batch(done, first, count);
        files::as_uploads(&mut tx, &mut batch.messages).await?;
        batch.write(&mut tx).await?;
        tx.commit().await?;
        done += count;
        messages += batch.messages.len() as u64;
        tracing::info!(
            tenant = slug,
            tickets = done,
            of = total,
            messages,
            elapsed_s = format_args!("{:.1}", started.elapsed().as_secs_f64()),
            "demo tickets written"
        );
    }
    // Re-read the accounts: their support flags changed after they were created.
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let fresh = directory::get_users(&mut conn, tenant.id, &ids).await?;
    let report_users = specs
        .iter()
        .zip(&users)
        .map(|(s, u)| demo_user(fresh.iter().find(|f| f.id == u.id).unwrap_or(u), s.password))
        .collect();
    Ok(DemoTenant {
        id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        users: report_users,
        tickets: done as u64,
        messages,
        created: true,
    })
}

/// Creates the accounts concurrently (argon2 hashing dominates) and returns them in
/// `specs` order. Support membership is set afterwards in one call.
async fn create_users(db: &Db, tenant: TenantId, specs: &[AccountSpec]) -> Result<Vec<User>> {
    let mut set = tokio::task::JoinSet::new();
    for (i, s) in specs.iter().cloned().enumerate() {
        let db = db.clone();
        set.spawn(async move {
            let spec = UserSpec {
                email: &s.email,
                name: &s.name,
                role: s.role,
                password: s.password.then_some(DEMO_PASSWORD),
                elevated: s.elevated,
                support: false,
            };
            admin::create_user(&db, tenant, &spec).await.map(|u| (i, u))
        });
    }
    let mut out: Vec<Option<User>> = vec![None; specs.len()];
    while let Some(joined) = set.join_next().await {
        let (i, user) = joined.map_err(|e| {
            Error::new(ErrorCode::Internal, format!("creating a demo account: {e}"))
        })??;
        out[i] = Some(user);
    }
    out.into_iter()
        .map(|u| u.ok_or_else(|| Error::not_found("demo user")))
        .collect()
}

/// Tickets per write transaction: about 20 000 rows, whatever the conversation length.
fn batch_size(messages_per_ticket: usize) -> usize {
    (20_000 / (messages_per_ticket + 4)).clamp(20, 2000)
}

#[derive(Clone)]
struct Person {
    id: UserId,
    name: String,
    email: String,
}

impl Person {
    fn first(&self) -> &str {
        self.name.split(' ').next().unwrap_or(&self.name)
    }
}

/// The people and labels tickets are generated over.
struct People {
    slug: &'static str,
    admin: Person,
    /// Support agents who work tickets (agent1-4 and the shared agent).
    workers: Vec<Person>,
    bot: Person,
    customers: Vec<Person>,
    /// Ids of [`TEAMS`], in that order.
    teams: Vec<TeamId>,
    tags: HashMap<&'static str, TagId>,
    /// Configured channels by kind ([`CHANNELS`]).
    channels: HashMap<&'static str, ChannelId>,
    /// The bot's versions, oldest first.
    bot_versions: Vec<ResponderVersion>,
}
