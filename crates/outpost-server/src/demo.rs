//! Demo data: two tenants (`demo`, `acme`) with staff, customers, teams, tags and any
//! number of realistic tickets and conversations.
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
//! | `customer1@<slug>.test` … `customer20@<slug>.test` | customer | |

use crate::db::{Db, WriteTx};
use crate::error::{Error, Result, StoreError};
use crate::service::admin::{self, UserSpec};
use crate::store::tickets::TicketRecord;
use crate::store::{conversations, directory, history, tickets};
use chrono::TimeDelta;
use outpost_domain::sync::EntityKind;
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
    let people = People {
        slug: spec.slug,
        admin: want(format!("admin@{slug}.test"))?,
        workers,
        bot: want(format!("bot@{slug}.test"))?,
        customers: users
            .iter()
            .filter(|u| u.role == Role::Customer)
            .map(person)
            .collect(),
        teams,
        tags,
    };
    tracing::info!(
        tenant = slug,
        users = users.len(),
        "demo accounts, teams and tags created"
    );

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
        let batch = generator.batch(done, first, count);
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
}

/// Rows of one write transaction.
struct Batch {
    tickets: Vec<TicketRecord>,
    tag_links: Vec<(TicketId, TagId)>,
    conversations: Vec<Conversation>,
    messages: Vec<Message>,
    history: Vec<HistoryEntry>,
}

impl Batch {
    async fn write(&self, tx: &mut WriteTx) -> Result<()> {
        let tenant = tx.tenant_id();
        tickets::insert_many(tx.conn(), tenant, &self.tickets).await?;
        tickets::insert_tag_links(tx.conn(), &self.tag_links).await?;
        conversations::insert_conversations_many(tx.conn(), tenant, &self.conversations).await?;
        conversations::insert_messages(tx.conn(), tenant, &self.messages).await?;
        history::insert(tx.conn(), tenant, &self.history).await?;
        for t in &self.tickets {
            tx.touch(EntityKind::Ticket, t.ticket.id.as_uuid());
        }
        for c in &self.conversations {
            tx.touch(EntityKind::Conversation, c.id.as_uuid());
        }
        for m in &self.messages {
            tx.touch(EntityKind::Message, m.id.as_uuid());
        }
        for h in &self.history {
            tx.touch(EntityKind::History, h.id.as_uuid());
        }
        Ok(())
    }
}

/// One step of a ticket's life, in time order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// A public message from the requester.
    Customer,
    /// A public reply from a worker (index into `People::workers`).
    Reply(usize),
    /// An internal note from a worker.
    Note(usize),
    /// A public reply from the bot responder.
    Bot,
    /// System message: a human took the chat over, or the bot handed it over.
    Handoff,
    /// The assignee takes the ticket (no message).
    Assign,
    /// The ticket is closed (a system message when the conversation has room for it).
    Close,
}

impl Step {
    fn is_message(self) -> bool {
        !matches!(self, Step::Assign | Step::Close)
    }

    fn is_public_text(self) -> bool {
        matches!(self, Step::Customer | Step::Reply(_) | Step::Bot)
    }
}

struct Generator<'a> {
    people: &'a People,
    rng: StdRng,
    now: Timestamp,
    start: Timestamp,
    total: usize,
    messages_per_ticket: usize,
    /// The latest closed ticket and its requester, for follow-up tickets.
    last_closed: Option<(TicketId, usize)>,
}

/// The text values a ticket's templates are filled with.
struct Vars<'a> {
    first: &'a str,
    agent: &'a str,
    bot: &'a str,
    order: String,
    delivery: String,
    amount: String,
    product: &'static str,
    restaurant: &'static str,
    country: &'static str,
}

impl Vars<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        Some(match key {
            "first" => self.first,
            "agent" => self.agent,
            "bot" => self.bot,
            "order" => &self.order,
            "delivery" => &self.delivery,
            "amount" => &self.amount,
            "product" => self.product,
            "restaurant" => self.restaurant,
            "country" => self.country,
            _ => return None,
        })
    }
}

/// Replaces `{name}` placeholders; unknown names are left as they are.
fn fill(template: &str, vars: &Vars) -> String {
    if !template.contains('{') {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len() + 24);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| vars.get(&after[..close]).map(|v| (close, v)))
        {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn html_paragraph(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<p>{escaped}</p>")
}

fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for (item, w) in items {
        if pick < *w {
            return *item;
        }
        pick -= w;
    }
    items[items.len() - 1].0
}

fn pick(rng: &mut StdRng, items: &[&'static str]) -> &'static str {
    items.choose(rng).copied().unwrap_or("")
}

/// A time-ordered (v7) id whose timestamp is the entity's creation time and whose
/// random bits come from the seeded generator.
fn id_at(rng: &mut StdRng, at: &Timestamp) -> Uuid {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &bytes)
        .into_uuid()
}

const STATUS_WEIGHTS: &[(Status, u32)] = &[
    (Status::New, 12),
    (Status::Open, 18),
    (Status::Pending, 12),
    (Status::OnHold, 6),
    (Status::Solved, 20),
    (Status::Closed, 32),
];

const PRIORITY_WEIGHTS: &[(Priority, u32)] = &[
    (Priority::Low, 25),
    (Priority::Medium, 45),
    (Priority::High, 22),
    (Priority::Urgent, 8),
];

/// Channels whose tickets concern an order.
const ORDER_CHANNELS: &[&str] = &["storefront", "restaurant", "customer_account"];

impl<'a> Generator<'a> {
    fn new(people: &'a People, rng: StdRng, total: usize, messages_per_ticket: usize) -> Self {
        let now = time::now();
        Generator {
            people,
            rng,
            now,
            start: now - TimeDelta::days(90),
            total: total.max(1),
            messages_per_ticket,
            last_closed: None,
        }
    }

    /// Tickets `first_index ..` of the tenant, numbered from `first_number`.
    fn batch(&mut self, first_index: usize, first_number: i64, count: usize) -> Batch {
        let per = self.messages_per_ticket;
        let mut b = Batch {
            tickets: Vec::with_capacity(count),
            tag_links: Vec::with_capacity(count * 2),
            conversations: Vec::with_capacity(count),
            messages: Vec::with_capacity(count * per),
            history: Vec::with_capacity(count * 3),
        };
        for i in 0..count {
            self.ticket(first_index + i, first_number + i as i64, &mut b);
        }
        b
    }

    /// The ticket's creation time: tickets are spread evenly over the past 90 days in
    /// number order, each somewhere inside its own slot.
    fn created_at(&mut self, index: usize) -> Timestamp {
        let span = (self.now - self.start).num_microseconds().unwrap_or(0) as f64;
        let slot = span / self.total as f64;
        let offset = slot * (index as f64 + self.rng.random::<f64>() * 0.8);
        self.start + TimeDelta::microseconds(offset as i64)
    }

    fn ticket(&mut self, index: usize, number: i64, out: &mut Batch) {
        let people = self.people;
        let now = self.now;
        let per = self.messages_per_ticket;
        let created = self.created_at(index);
        let rng = &mut self.rng;

        // The first tickets walk through every type, status, priority and channel, so
        // even a tiny demo shows each of them; the rest follow realistic weights.
        let topic = match TicketType::KNOWN.get(index) {
            Some(ty) => TOPICS
                .iter()
                .find(|t| t.ticket_type == *ty)
                .unwrap_or(&TOPICS[0]),
            None => &TOPICS[weighted(rng, &TOPIC_WEIGHTS)],
        };
        let status = match Status::ALL.get(index) {
            Some(s) => *s,
            None => weighted(rng, STATUS_WEIGHTS),
        };
        let priority = match Priority::ALL.get(index) {
            Some(p) => *p,
            None => weighted(rng, PRIORITY_WEIGHTS),
        };
        let channel = match Channel::KNOWN.get(index) {
            Some(c) => *c,
            None => pick(rng, topic.channels),
        };
        // A follow-up continues the latest closed ticket, for the same customer.
        let (requester_idx, follow_up_of) = match (channel, self.last_closed) {
            ("follow_up", Some((ticket, customer))) => (customer, Some(ticket)),
            _ => (rng.random_range(0..people.customers.len()), None),
        };
        let requester = &people.customers[requester_idx];

        let staff_active = status != Status::New;
        let assignee = (staff_active && rng.random_bool(0.85))
            .then(|| rng.random_range(0..people.workers.len()));
        let replier =
            assignee.or_else(|| staff_active.then(|| rng.random_range(0..people.workers.len())));
        let bot_channel = matches!(channel, "chat" | "customer_portal" | "storefront");
        let bot_first = bot_channel && rng.random_bool(0.4);
        let (responder, responder_kind, circumstance) = match (bot_first, assignee) {
            (true, Some(a)) if rng.random_bool(0.7) => {
                let c = if rng.random_bool(0.6) {
                    Circumstance::Takeover
                } else {
                    Circumstance::Handover
                };
                (
                    Some(people.workers[a].id),
                    Some(ResponderKind::Human),
                    Some(c),
                )
            }
            (true, _) => (Some(people.bot.id), Some(ResponderKind::Bot), None),
            (false, Some(a)) if channel == "chat" => {
                (Some(people.workers[a].id), Some(ResponderKind::Human), None)
            }
            _ => (None, None, None),
        };
        let team = topic
            .team
            .filter(|_| rng.random_bool(0.8))
            .map(|t| people.teams[t]);

        let product = PRODUCTS.choose(rng).copied().unwrap_or(PRODUCTS[0]);
        let agent_name = replier.map_or(people.workers[0].first(), |w| people.workers[w].first());
        let vars = Vars {
            first: requester.first(),
            agent: agent_name,
            bot: &people.bot.name,
            order: format!("ORD-{}", rng.random_range(100_000..1_000_000)),
            delivery: format!("DLV-{}", rng.random_range(1_000_000..10_000_000)),
            amount: format!(
                "€{}.{:02}",
                rng.random_range(5..400),
                rng.random_range(0..100)
            ),
            product: product.1,
            restaurant: pick(rng, RESTAURANTS),
            country: pick(rng, COUNTRIES),
        };
        let order_related = topic.order || ORDER_CHANNELS.contains(&channel);
        let related_order_id = order_related.then(|| vars.order.clone());
        let related_delivery_id = (channel == "restaurant"
            || (order_related && rng.random_bool(0.5)))
        .then(|| vars.delivery.clone());
        let mut products = Vec::new();
        if order_related || channel == "storefront" {
            products.push(product.0);
            if rng.random_bool(0.3) {
                let other = PRODUCTS.choose(rng).copied().unwrap_or(PRODUCTS[0]).0;
                if other != product.0 {
                    products.push(other);
                }
            }
        }
        // Subjects and descriptions are parallel lists: the same index tells one story.
        let story = rng.random_range(0..topic.subjects.len());
        let subject = fill(topic.subjects[story], &vars);
        let description = fill(topic.descriptions[story % topic.descriptions.len()], &vars);
        let summary = (matches!(status, Status::Solved | Status::Closed) && rng.random_bool(0.7))
            .then(|| fill(pick(rng, topic.summaries), &vars));

        let mut tag_names: Vec<&'static str> = topic
            .tags
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.7))
            .collect();
        if rng.random_bool(0.06) {
            tag_names.push("vip");
        }
        if priority == Priority::Urgent && rng.random_bool(0.5) {
            tag_names.push("urgent-followup");
        }
        if subject.contains("damaged") {
            tag_names.push("damaged");
        }
        let mut tag_ids: Vec<TagId> = tag_names
            .iter()
            .filter_map(|n| people.tags.get(n).copied())
            .collect();
        tag_ids.sort();
        tag_ids.dedup();

        // The conversation's shape: who speaks when.
        let closing_message = status == Status::Closed && per >= 2;
        let body = per - usize::from(closing_message);
        let mut plan: Vec<Step> = Vec::with_capacity(per + 2);
        let mut messages = 0;
        let push = |plan: &mut Vec<Step>, messages: &mut usize, step: Step| {
            *messages += usize::from(step.is_message());
            plan.push(step);
        };
        if body > 0 {
            push(&mut plan, &mut messages, Step::Customer);
        }
        if bot_first {
            for _ in 0..rng.random_range(1..=2) {
                for step in [Step::Bot, Step::Customer] {
                    if messages < body {
                        push(&mut plan, &mut messages, step);
                    }
                }
            }
            if circumstance.is_some() && messages < body {
                push(&mut plan, &mut messages, Step::Handoff);
            }
        }
        if assignee.is_some() {
            push(&mut plan, &mut messages, Step::Assign);
        }
        let mut customer_spoke_last = true;
        while messages < body {
            let step = match replier {
                Some(w) if rng.random_bool(0.15) => Step::Note(if rng.random_bool(0.7) {
                    w
                } else {
                    rng.random_range(0..people.workers.len())
                }),
                Some(w) if customer_spoke_last => {
                    if rng.random_bool(0.8) {
                        Step::Reply(w)
                    } else {
                        Step::Customer
                    }
                }
                Some(w) => {
                    if rng.random_bool(0.85) {
                        Step::Customer
                    } else {
                        Step::Reply(w)
                    }
                }
                // Untouched tickets: the bot (if any) keeps answering; agents may triage.
                None if bot_first => {
                    if customer_spoke_last {
                        Step::Bot
                    } else {
                        Step::Customer
                    }
                }
                None if rng.random_bool(0.12) => {
                    Step::Note(rng.random_range(0..people.workers.len()))
                }
                None => Step::Customer,
            };
            match step {
                Step::Customer => customer_spoke_last = true,
                Step::Reply(_) | Step::Bot => customer_spoke_last = false,
                _ => {}
            }
            push(&mut plan, &mut messages, step);
        }
        // A customer reply re-opens pending and solved tickets, so theirs ends with staff.
        let last_public = plan.iter().rev().find(|s| s.is_public_text()).copied();
        if matches!(status, Status::Pending | Status::Solved)
            && body >= 2
            && last_public == Some(Step::Customer)
            && let (Some(w), Some(last)) = (replier, plan.iter().rposition(|s| s.is_message()))
        {
            plan[last] = Step::Reply(w);
        }
        if status == Status::Closed {
            push(&mut plan, &mut messages, Step::Close);
        }

        // Walk the plan in time: strictly increasing microsecond timestamps, all before now.
        let ticket_id = TicketId(id_at(rng, &created));
        let conversation_id = ConversationId(id_at(rng, &created));
        let remaining = (now - created).num_microseconds().unwrap_or(1).max(1);
        let max_gap = (remaining / (plan.len() as i64 + 2)).clamp(1, 36 * 3_600_000_000);
        let closer = replier.map_or(&people.admin, |w| &people.workers[w]);
        let close_note = rng.random_bool(0.3).then(|| pick(rng, CLOSE_NOTES));
        let email_channel = channel == "email";

        let mut t = created;
        let mut assigned_at = None;
        let mut closed_at = None;
        let mut first_staff_at = None;
        let mut last_reply_at = None;
        let (mut message_count, mut pending) = (0i64, 0i64);
        let mut participants = vec![Participant {
            user_id: requester.id,
            role: ParticipantRole::Member,
            last_read_message_id: None,
            joined_at: created,
        }];
        let join = |participants: &mut Vec<Participant>,
                    user: UserId,
                    role: ParticipantRole,
                    at: Timestamp| {
            if !participants.iter().any(|p| p.user_id == user) {
                participants.push(Participant {
                    user_id: user,
                    role,
                    last_read_message_id: None,
                    joined_at: at,
                });
            }
        };
        let first_message = out.messages.len();
        let mut customer_msgs: Vec<MessageId> = Vec::new();
        let mut staff_msgs: Vec<MessageId> = Vec::new();
        let mut last_public_id = None;
        for (i, step) in plan.iter().enumerate() {
            if i > 0 {
                t += TimeDelta::microseconds(rng.random_range(1..=max_gap));
            }
            let id = MessageId(id_at(rng, &t));
            let mut msg = Message {
                id,
                conversation_id,
                ticket_id,
                sender_id: None,
                message_type: MessageType::Text,
                content: String::new(),
                content_url: None,
                metadata: None,
                parent_message_id: None,
                internal: false,
                attachments: Vec::new(),
                created_at: t,
            };
            match *step {
                Step::Assign => {
                    assigned_at = Some(t);
                    if let Some(a) = assignee {
                        join(
                            &mut participants,
                            people.workers[a].id,
                            ParticipantRole::Admin,
                            t,
                        );
                    }
                    first_staff_at.get_or_insert(t);
                    continue;
                }
                Step::Close => {
                    closed_at = Some(t);
                    if !closing_message {
                        continue;
                    }
                    msg.message_type = MessageType::System;
                    msg.content = match close_note {
                        Some(n) => format!("Ticket closed by {}: {n}", closer.name),
                        None => format!("Ticket closed by {}", closer.name),
                    };
                    msg.metadata = Some(
                        json!({"event": "ticket_closed", "actor_id": closer.id, "note": close_note}),
                    );
                }
                Step::Handoff => {
                    let human = assignee.map_or(&people.admin, |a| &people.workers[a]);
                    let (content, event) = if circumstance == Some(Circumstance::Takeover) {
                        (
                            format!(
                                "{} took over the conversation from {}",
                                human.name, people.bot.name
                            ),
                            "takeover",
                        )
                    } else {
                        (
                            format!(
                                "{} handed the conversation over to {}",
                                people.bot.name, human.name
                            ),
                            "handover",
                        )
                    };
                    msg.message_type = MessageType::System;
                    msg.content = content;
                    msg.metadata = Some(
                        json!({"event": event, "actor_id": human.id, "bot_id": people.bot.id}),
                    );
                    first_staff_at.get_or_insert(t);
                }
                Step::Customer => {
                    msg.sender_id = Some(requester.id);
                    let text = if out.messages.len() == first_message {
                        description.clone()
                    } else if rng.random_bool(0.6) {
                        fill(pick(rng, topic.customer), &vars)
                    } else {
                        fill(pick(rng, GENERIC_CUSTOMER), &vars)
                    };
                    if email_channel {
                        msg.metadata = Some(json!({"source": "email", "from": requester.email}));
                        if rng.random_bool(0.3) {
                            msg.message_type = MessageType::Html;
                            msg.content = html_paragraph(&text);
                        }
                    }
                    if msg.content.is_empty() {
                        msg.content = text;
                    }
                    if rng.random_bool(0.12) {
                        attach(rng, people.slug, &mut msg, CUSTOMER_FILES);
                    }
                    if rng.random_bool(0.08) {
                        msg.parent_message_id = staff_msgs.choose(rng).copied();
                    }
                    message_count += 1;
                    pending += 1;
                    customer_msgs.push(id);
                }
                Step::Reply(w) | Step::Note(w) => {
                    let worker = &people.workers[w];
                    let internal = matches!(step, Step::Note(_));
                    msg.sender_id = Some(worker.id);
                    msg.internal = internal;
                    let lines = match (internal, rng.random_bool(0.6)) {
                        (true, true) => topic.notes,
                        (true, false) => GENERIC_NOTES,
                        (false, true) => topic.agent,
                        (false, false) => GENERIC_AGENT,
                    };
                    msg.content = fill(pick(rng, lines), &vars);
                    if !internal && rng.random_bool(0.06) {
                        attach(rng, people.slug, &mut msg, AGENT_FILES);
                    }
                    let parent_odds = if internal { 0.3 } else { 0.2 };
                    if rng.random_bool(parent_odds) {
                        // Public replies only thread under what the customer can see.
                        msg.parent_message_id = if internal {
                            out.messages[first_message..].choose(rng).map(|m| m.id)
                        } else {
                            customer_msgs.choose(rng).copied()
                        };
                    }
                    join(&mut participants, worker.id, ParticipantRole::Member, t);
                    first_staff_at.get_or_insert(t);
                    if !internal {
                        message_count += 1;
                        pending = 0;
                        last_reply_at = Some(t);
                        staff_msgs.push(id);
                    }
                }
                Step::Bot => {
                    msg.sender_id = Some(people.bot.id);
                    msg.content = fill(pick(rng, BOT_LINES), &vars);
                    msg.metadata = Some(
                        json!({"bot": {"confidence": (rng.random_range(55..99) as f64) / 100.0}}),
                    );
                    join(&mut participants, people.bot.id, ParticipantRole::Member, t);
                    message_count += 1;
                    pending = 0;
                    staff_msgs.push(id);
                }
            }
            if !msg.internal && msg.message_type != MessageType::System {
                last_public_id = Some(id);
            }
            out.messages.push(msg);
        }
        let updated = t;
        let last_message = out.messages[first_message..].last();
        let last_message_at = last_message.map(|m| m.created_at);
        let last_message_id = last_message.map(|m| m.id);
        for p in &mut participants {
            p.last_read_message_id = if p.user_id == requester.id {
                last_public_id
            } else if Some(p.user_id) == assignee.map(|a| people.workers[a].id) {
                last_message_id
            } else {
                None
            };
        }

        let ongoing_at = staff_active.then(|| first_staff_at.unwrap_or(updated));
        let solved_at = match status {
            Status::Solved => Some(last_reply_at.unwrap_or(updated)),
            Status::Closed if rng.random_bool(0.6) => last_reply_at,
            _ => None,
        };
        let field_versions = VERSIONED_FIELDS
            .iter()
            .map(|f| ((*f).to_owned(), 1))
            .collect();
        let rec = TicketRecord {
            assigned_at,
            ticket: Ticket {
                id: ticket_id,
                number: TicketNumber(number),
                subject,
                description,
                summary,
                status,
                priority,
                ticket_type: TicketType::parse(topic.ticket_type)
                    .expect("demo topics use valid ticket types"),
                channel: Channel::parse(channel).expect("demo channels are valid"),
                requester_id: requester.id,
                assignee_id: assignee.map(|a| people.workers[a].id),
                team_id: team,
                responder_id: responder,
                responder_kind,
                circumstance,
                related_order_id,
                related_delivery_id,
                products,
                tag_ids: tag_ids.clone(),
                conversation_id,
                follow_up_of,
                message_count,
                pending_message_count: pending,
                removed: false,
                created_at: created,
                updated_at: updated,
                ongoing_at,
                solved_at,
                closed_at,
                version: 1,
                field_versions,
            },
        };

        let entry = |rng: &mut StdRng,
                     field: &str,
                     old: Option<String>,
                     new: Option<String>,
                     by: UserId,
                     at: Timestamp| HistoryEntry {
            id: HistoryId(id_at(rng, &at)),
            ticket_id,
            field_changed: field.to_owned(),
            old_value: old,
            new_value: new,
            changed_by: Some(by),
            created_at: at,
        };
        out.history.push(entry(
            rng,
            "created",
            None,
            Some(number.to_string()),
            requester.id,
            created,
        ));
        if let (Some(a), Some(at)) = (assignee, assigned_at) {
            let who = &people.workers[a];
            let by = if rng.random_bool(0.7) {
                who.id
            } else {
                people.admin.id
            };
            out.history.push(entry(
                rng,
                "assignee_id",
                None,
                Some(who.id.to_string()),
                by,
                at,
            ));
        }
        if status != Status::New {
            let at = match status {
                Status::Closed => closed_at.unwrap_or(updated),
                Status::Solved => solved_at.unwrap_or(updated),
                _ => ongoing_at.unwrap_or(updated),
            };
            out.history.push(entry(
                rng,
                "status",
                Some(Status::New.to_string()),
                Some(status.to_string()),
                closer.id,
                at,
            ));
        }

        if status == Status::Closed {
            self.last_closed = Some((ticket_id, requester_idx));
        }
        out.tag_links
            .extend(tag_ids.iter().map(|g| (ticket_id, *g)));
        out.conversations.push(Conversation {
            id: conversation_id,
            ticket_id,
            status: outpost_api::ondi::status::conversation_status(status),
            participants,
            last_message_at,
            created_at: created,
            version: 1,
        });
        out.tickets.push(rec);
    }
}

/// Attaches one file; images and PDFs also become the message's type and content URL.
fn attach(rng: &mut StdRng, slug: &str, msg: &mut Message, files: &[(&str, &str, i64)]) {
    let Some(&(name, mime, size)) = files.choose(rng) else {
        return;
    };
    let url = format!("https://files.outpost.test/{slug}/{}/{name}", msg.id);
    let size = size + rng.random_range(0..size / 4 + 1);
    if rng.random_bool(0.5) {
        msg.message_type = if mime.starts_with("image/") {
            MessageType::Image
        } else {
            MessageType::File
        };
        msg.content_url = Some(url.clone());
    }
    msg.attachments.push(Attachment {
        name: name.to_owned(),
        url,
        size,
        mime: mime.to_owned(),
    });
}

/// A family of tickets: one type, the channels it arrives on and the texts it uses.
struct Topic {
    ticket_type: &'static str,
    channels: &'static [&'static str],
    /// Index into [`TEAMS`].
    team: Option<usize>,
    tags: &'static [&'static str],
    /// Concerns an order: carries an order id (and often a delivery id).
    order: bool,
    subjects: &'static [&'static str],
    descriptions: &'static [&'static str],
    customer: &'static [&'static str],
    agent: &'static [&'static str],
    notes: &'static [&'static str],
    summaries: &'static [&'static str],
}

/// Relative frequency of each entry of [`TOPICS`].
const TOPIC_WEIGHTS: [(usize, u32); 9] = [
    (0, 16),
    (1, 14),
    (2, 5),
    (3, 6),
    (4, 8),
    (5, 9),
    (6, 6),
    (7, 26),
    (8, 10),
];

const TOPICS: &[Topic] = &[
    Topic {
        ticket_type: "billing",
        channels: &["email", "customer_account", "customer_portal", "chat"],
        team: Some(0),
        tags: &["billing", "refund"],
        order: true,
        subjects: &[
            "Charged twice for order {order}",
            "Refund for order {order} not received",
            "Invoice for {order} shows the wrong VAT number",
            "Subscription renewed after I cancelled",
            "Unexpected {amount} charge on my card",
        ],
        descriptions: &[
            "Hi, I was charged twice for order {order}, {amount} each time, on the same day. Could you refund the duplicate charge?",
            "I returned the {product} two weeks ago and still haven't received my refund of {amount}. The return was confirmed by email.",
            "Our accounting team needs a corrected invoice for {order}: the VAT number on it belongs to our old company.",
            "I cancelled my subscription last month but was billed {amount} again today. Please cancel it and refund the charge.",
            "There is a {amount} charge from you on my statement that I don't recognise. What is it for?",
        ],
        customer: &[
            "I checked my bank statement again and both charges are still there.",
            "It's been five business days. Any news on the refund?",
            "Thanks, I can see the refund on my account now.",
            "The card ends in 4421, if that helps.",
            "Could you also send the corrected invoice to our accounts team?",
        ],
        agent: &[
            "I can see the duplicate charge for {order}. I've refunded {amount}; it should appear on your statement within 3-5 business days.",
            "I've cancelled the subscription and refunded the last payment of {amount}.",
            "Could you send me the last four digits of the card that was charged?",
            "I've attached the corrected invoice for {order}.",
            "The refund for your {product} was issued today. Banks usually take a few days to show it.",
        ],
        notes: &[
            "Payment provider shows two captures for {order}; the second one is the retry bug.",
            "Refund of {amount} issued manually in the payments dashboard.",
            "Third billing issue for this customer this quarter. Worth a VIP tag?",
            "Finance confirmed the VAT number change, invoice regenerated.",
        ],
        summaries: &[
            "Duplicate charge on {order}; refunded {amount}.",
            "Subscription cancelled and last payment refunded.",
            "Corrected invoice sent for {order}.",
        ],
    },
    Topic {
        ticket_type: "question",
        channels: &["chat", "email", "customer_portal", "storefront"],
        team: None,
        tags: &[],
        order: false,
        subjects: &[
            "How do I change my delivery address?",
            "Can I pick up my order in store?",
            "Do you ship to {country}?",
            "Is the {product} coming back in stock?",
            "What is your return policy for sale items?",
        ],
        descriptions: &[
            "Hello! I'm moving next week and would like future deliveries to go to my new address. Where do I change it?",
            "Is it possible to pick up an order in one of your stores instead of having it delivered?",
            "I'd like to order a {product} but I live in {country}. Do you ship there, and how long does it take?",
            "The {product} has been out of stock for a while. Do you know when it will be available again?",
            "I bought a {product} on sale. Can I still return it if it doesn't fit my needs?",
        ],
        customer: &[
            "Great, and is there an extra fee for that?",
            "Thanks! One more question: can I change it for an order that's already placed?",
            "Perfect, that answers my question.",
        ],
        agent: &[
            "Good question, {first}! You can change it under Account > Addresses; new orders will use it right away.",
            "Yes, we ship to {country}. Delivery usually takes 5-8 business days.",
            "Sale items can be returned within 30 days, just like everything else.",
            "I've added you to the restock notification list for the {product}.",
        ],
        notes: &[
            "Common question; the help centre article could be clearer.",
            "Customer asked the same thing in chat last week.",
        ],
        summaries: &[
            "Answered: {product} availability.",
            "Explained delivery to {country}.",
            "Pointed to the address settings.",
        ],
    },
    Topic {
        ticket_type: "incident",
        channels: &["dashboard", "api", "restaurant", "email"],
        team: Some(1),
        tags: &["bug", "urgent-followup"],
        order: false,
        subjects: &[
            "Checkout fails with error 502",
            "Restaurant tablet stopped receiving orders",
            "Payments failing for all customers",
            "Order confirmation emails not arriving",
        ],
        descriptions: &[
            "Since about an hour ago every checkout attempt ends with a 502 error page. We are losing sales.",
            "Our tablet at {restaurant} hasn't received a single order since this morning, although customers say they ordered.",
            "None of our customers can pay right now; the card form just spins and times out.",
            "Customers tell us they never got their order confirmation emails today.",
        ],
        customer: &[
            "It's still happening, we've had several complaints already.",
            "It seems to be working again, thank you!",
            "We restarted the tablet as suggested, no change.",
        ],
        agent: &[
            "We're aware of the issue and our engineers are on it. I'll update you within the hour.",
            "The incident has been resolved; orders placed during the outage were re-sent to you.",
            "Could you restart the tablet and check that it is connected to Wi-Fi?",
        ],
        notes: &[
            "Linked to the status page incident; engineering on call has it.",
            "Root cause: expired certificate on the payments gateway.",
            "Tablet firmware is two versions behind; recommend an update.",
        ],
        summaries: &[
            "Outage on checkout; resolved by engineering.",
            "Tablet reconnected; missed orders re-sent.",
        ],
    },
    Topic {
        ticket_type: "problem",
        channels: &["email", "customer_portal", "dashboard", "chat"],
        team: Some(1),
        tags: &["login", "bug"],
        order: false,
        subjects: &[
            "Login keeps failing on the mobile app",
            "Two-factor codes arrive too late",
            "Orders from {restaurant} keep arriving cold",
            "Password reset link says it has expired",
        ],
        descriptions: &[
            "Every few days the app logs me out and then says my password is wrong, even though it works on the website.",
            "The two-factor code usually arrives after it has already expired, so I can't log in.",
            "This is the third time this month that food from {restaurant} arrives cold. Is there a pattern?",
            "I requested a password reset three times and every link says it has expired as soon as I click it.",
        ],
        customer: &[
            "It happened again this morning.",
            "I'm using the latest version of the app.",
            "That workaround works for now, thanks.",
        ],
        agent: &[
            "Thanks for the details. This looks like a known problem we are fixing; in the meantime, logging in on the website works.",
            "I've reset your session. Could you try again and tell me if it still happens?",
            "We've raised this with {restaurant} and their delivery partner.",
        ],
        notes: &[
            "Same root cause as the session expiry bug; linking to the problem ticket.",
            "SMS provider latency is high in some regions; engineering is switching providers.",
        ],
        summaries: &[
            "Recurring login failures; fixed in app release.",
            "Delivery partner reminded about insulated bags.",
        ],
    },
    Topic {
        ticket_type: "task",
        channels: &["customer_account", "dashboard", "email"],
        team: None,
        tags: &["onboarding"],
        order: false,
        subjects: &[
            "Update our company billing details",
            "Please close my account",
            "Add a second user to our account",
            "Change the email address on my account",
        ],
        descriptions: &[
            "We've moved offices. Please update our billing address on all future invoices.",
            "I no longer need my account. Please close it and delete my personal data.",
            "Could you add my colleague as a second user on our business account?",
            "I'd like to change the email address on my account to my new work address.",
        ],
        customer: &[
            "Thanks, much appreciated.",
            "Do you need anything else from me?",
        ],
        agent: &[
            "Done! Your billing details are updated.",
            "Your account has been closed and your data will be deleted within 30 days.",
            "I've sent your colleague an invitation.",
            "For security, please confirm the change from your current email address.",
        ],
        notes: &[
            "Identity verified by email.",
            "GDPR deletion request logged.",
        ],
        summaries: &[
            "Account details updated.",
            "Account closed at customer's request.",
        ],
    },
    Topic {
        ticket_type: "bug",
        channels: &["customer_portal", "api", "dashboard", "chat"],
        team: Some(1),
        tags: &["bug"],
        order: false,
        subjects: &[
            "Search returns no results for \"{product}\"",
            "App crashes when uploading a photo",
            "Cart shows the wrong total",
            "API returns 500 for order {order}",
        ],
        descriptions: &[
            "Searching for \"{product}\" returns nothing, but the product page exists.",
            "The app closes every time I try to upload a profile photo.",
            "My cart shows {amount} but the items add up to less than that.",
            "GET /orders/{order} returns a 500 error; other orders work fine.",
        ],
        customer: &[
            "Here's a screenshot of what I see.",
            "I'm on Android 14, if that matters.",
            "Still broken after the update.",
            "Confirmed, it works now. Thanks!",
        ],
        agent: &[
            "Thanks for the report! I could reproduce it and filed it with our developers.",
            "A fix is rolling out today; please update the app tomorrow.",
            "Could you tell me which device and app version you are using?",
        ],
        notes: &[
            "Reproduced on staging.",
            "Engineering ticket filed, severity 3.",
            "Only affects accounts created before March.",
        ],
        summaries: &[
            "Bug confirmed and fixed in the next release.",
            "Search index rebuilt.",
        ],
    },
    Topic {
        ticket_type: "feature_request",
        channels: &["customer_portal", "email", "dashboard", "api"],
        team: None,
        tags: &["feature"],
        order: false,
        subjects: &[
            "Dark mode for the dashboard",
            "Export orders as CSV",
            "Let me schedule deliveries in advance",
            "Webhook for refund events",
        ],
        descriptions: &[
            "Our team works late shifts; a dark mode for the dashboard would be much easier on the eyes.",
            "We need to export our orders as CSV for our accountant every month.",
            "It would be great to choose a delivery day when ordering.",
            "We'd like a webhook when a refund is issued, so our ERP stays in sync.",
        ],
        customer: &[
            "Any idea when this might be available?",
            "Happy to beta test it!",
        ],
        agent: &[
            "Thanks for the suggestion! I've passed it on to our product team.",
            "Good news: this is on our roadmap for next quarter.",
        ],
        notes: &[
            "Fifth request for this feature this month.",
            "Added to the product feedback board.",
        ],
        summaries: &["Feature request logged with the product team."],
    },
    Topic {
        ticket_type: "support",
        channels: &["storefront", "customer_account", "chat", "email"],
        team: Some(2),
        tags: &["shipping"],
        order: true,
        subjects: &[
            "Order {order} hasn't arrived",
            "Missing item in delivery {delivery}",
            "Package marked delivered but not received",
            "Wrong item in order {order}",
            "{product} arrived damaged",
        ],
        descriptions: &[
            "My order {order} was supposed to arrive three days ago and tracking hasn't updated since.",
            "Delivery {delivery} arrived today but the {product} was missing from the box.",
            "Tracking for {order} says delivered, but nothing arrived and my neighbours haven't seen it.",
            "I ordered a {product} ({order}) but received something completely different.",
            "The {product} from order {order} arrived with a cracked case. The box was damaged too.",
        ],
        customer: &[
            "I've attached a photo of the box.",
            "Any update? I need it by Friday.",
            "Got it, thank you so much!",
            "Can you send a replacement instead of a refund?",
        ],
        agent: &[
            "I'm sorry about that, {first}! I've sent a replacement {product}; you'll get tracking details by email.",
            "I've opened an investigation with the carrier for {order}. This usually takes 2-3 days.",
            "Could you send a photo of the damaged {product} and the packaging?",
            "A prepaid return label is attached; the replacement ships today.",
        ],
        notes: &[
            "Carrier confirms the parcel was left at the wrong address.",
            "Warehouse packing error; flagged to the team lead.",
            "Replacement order created for {order}.",
        ],
        summaries: &[
            "Replacement sent for {order}.",
            "Carrier investigation opened; refunded {amount}.",
            "Damaged {product} replaced.",
        ],
    },
    Topic {
        ticket_type: "support",
        channels: &["restaurant"],
        team: Some(2),
        tags: &["shipping", "refund"],
        order: true,
        subjects: &[
            "Food from {restaurant} arrived cold",
            "Driver couldn't find my address",
            "Missing drink in delivery {delivery}",
            "Order {order} delivered to the wrong address",
        ],
        descriptions: &[
            "My order from {restaurant} took over an hour and everything was cold.",
            "The driver called twice saying he couldn't find my building, then left with the food.",
            "Delivery {delivery} from {restaurant} was missing the drinks I paid for.",
            "The app says order {order} was delivered, but to a different street.",
        ],
        customer: &[
            "I'd like a refund, please.",
            "This happened last week too.",
            "Thanks for sorting it out.",
        ],
        agent: &[
            "I'm sorry, {first}. I've refunded {amount} for the order from {restaurant}.",
            "I've added delivery instructions to your address so drivers find it next time.",
            "I've credited {amount} to your account for the missing items.",
        ],
        notes: &[
            "Driver GPS trace shows the wrong pin location.",
            "{restaurant} has had several late deliveries today.",
        ],
        summaries: &[
            "Refunded {amount} for a late delivery.",
            "Address pin corrected.",
        ],
    },
];

const GENERIC_CUSTOMER: &[&str] = &[
    "Any update on this?",
    "Thanks for getting back to me so quickly.",
    "Sorry, I forgot to mention: this is the second time it has happened.",
    "That didn't work, unfortunately.",
    "Perfect, thank you!",
    "I'm still waiting for an answer.",
];

const GENERIC_AGENT: &[&str] = &[
    "Thanks for reaching out, {first}! I'm looking into this now.",
    "Thanks for your patience. I've escalated this and will update you as soon as I hear back.",
    "Could you send a screenshot of what you see?",
    "Is there anything else I can help you with?",
    "Sorry for the trouble, {first}. It's taken care of.",
];

const GENERIC_NOTES: &[&str] = &[
    "Checked the logs, nothing unusual on our side.",
    "Asked {agent} to double-check before we reply.",
    "Possibly a duplicate of an older ticket from the same customer.",
    "Waiting for the warehouse to confirm.",
    "Customer is polite but getting frustrated; let's prioritise.",
];

const BOT_LINES: &[&str] = &[
    "Hi {first}! I'm {bot}. Could you tell me your order number?",
    "Thanks! I found order {order}. Let me check its status.",
    "This help article might answer your question: https://help.outpost.test/articles/orders",
    "I couldn't solve this on my own, so I'm passing you to a human agent.",
];

const CLOSE_NOTES: &[&str] = &[
    "Resolved, see the last reply.",
    "No reply from the customer in 7 days.",
    "Duplicate ticket.",
];

const CUSTOMER_FILES: &[(&str, &str, i64)] = &[
    ("screenshot.png", "image/png", 240_000),
    ("photo.jpg", "image/jpeg", 1_800_000),
    ("receipt.pdf", "application/pdf", 90_000),
];

const AGENT_FILES: &[(&str, &str, i64)] = &[
    ("return-label.pdf", "application/pdf", 60_000),
    ("invoice.pdf", "application/pdf", 80_000),
];

/// Product ids (seed 004 `product[]`) and names.
const PRODUCTS: &[(i64, &str)] = &[
    (1001, "wireless headphones"),
    (1002, "espresso machine"),
    (1003, "running shoes"),
    (1004, "standing desk"),
    (1005, "gift card"),
    (1006, "smart watch"),
    (1007, "winter jacket"),
    (1008, "blender"),
];

const RESTAURANTS: &[&str] = &[
    "Luigi's Trattoria",
    "Sakura Sushi",
    "Green Bowl",
    "Burger Barn",
    "Spice Route",
];

const COUNTRIES: &[&str] = &["Canada", "Norway", "Japan", "Brazil", "Australia"];

#[cfg(test)]
mod tests {
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
            let path =
                std::env::temp_dir().join(format!("outpost-demo-test-{}.db", Uuid::new_v4()));
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
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE message_type = $1")
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
        let versions: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT field_versions FROM tickets")
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
}
