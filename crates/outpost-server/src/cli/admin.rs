//! `outpost-server admin …`: one verb per administration service call.
//!
//! Bootstrapping a real tenant:
//!
//! ```text
//! outpost-server admin tenant create --slug support --name "Example Support"
//! OUTPOST_PASSWORD=… outpost-server admin user create --tenant support \
//!     --email admin@example.com --name "First Admin" --role admin
//! ```
//!
//! Passwords come from `OUTPOST_PASSWORD`, or else one line of standard input, never
//! from the command line (where they would end up in shell history and `ps`).

use anyhow::{Context, bail};
use outpost_domain::{Channel, ChannelInfo, Role, Tag, Team, TenantId, TicketNumber, User, UserId};
use outpost_server::auth::Scope;
use outpost_server::db::Db;
use outpost_server::service::{admin, auth};
use std::io::{BufRead, IsTerminal, Write};

/// Administer tenants, users, teams, tags and support settings.
#[derive(clap::Subcommand)]
pub enum AdminCommand {
    /// Tenants (workspaces).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Users of a tenant.
    #[command(subcommand)]
    User(UserCommand),
    /// The tenant's support users (`support_user_ids`): who may work the support queue.
    #[command(subcommand)]
    Support(SupportCommand),
    /// Ticketing teams.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Ticket tags.
    #[command(subcommand)]
    Tag(TagCommand),
    /// Channels tickets come through (a chat widget, an inbox; seed 002).
    #[command(subcommand)]
    Channel(ChannelCommand),
    /// Versions of bot responders (seed 002).
    #[command(subcommand)]
    Responder(ResponderCommand),
    /// Soft-remove a ticket's chat, or restore it.
    #[command(subcommand)]
    Ticket(TicketCommand),
    /// API keys (scoped bearer tokens that do not expire).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Start a new server epoch: every client re-bootstraps its cache. Run it after
    /// restoring a database backup.
    RotateEpoch,
}

#[derive(clap::Subcommand)]
pub enum TenantCommand {
    /// Create a tenant; then create its first admin with `user create --role admin`.
    Create {
        /// Short unique name used at login: 2-40 characters of a-z, 0-9 and -.
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
    /// List tenants: id, slug, name.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from OUTPOST_PASSWORD or one line of stdin.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, agent, customer or bot.
        #[arg(long)]
        role: Role,
        /// May filter the support queue by assignee.
        #[arg(long)]
        elevated: bool,
        /// Add the user to the tenant's support users.
        #[arg(long)]
        support: bool,
        /// Create an account that cannot log in (bots, imported customers).
        #[arg(long)]
        no_password: bool,
    },
    /// List a tenant's users: id, email, role, flags, name.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        json: bool,
    },
    /// Set a new password (OUTPOST_PASSWORD or stdin) and sign the user out everywhere.
    SetPassword {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        email: String,
    },
    /// Change a user's role; elevation is set to whether --elevated is given.
    SetRole {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: Role,
        #[arg(long)]
        elevated: bool,
    },
    /// Block a customer: an external chat owner whose chats are not answered.
    Block {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        email: String,
    },
    /// Lift a customer's block.
    Unblock {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        email: String,
    },
}

#[derive(clap::Subcommand)]
pub enum SupportCommand {
    /// Replace the support users with these (comma-separated emails; "" for none).
    Set {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long, value_delimiter = ',', num_args = 0.., required = true)]
        emails: Vec<String>,
    },
    /// Show the support users.
    Show {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum TeamCommand {
    /// Create a team, optionally with members (comma-separated emails).
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        name: String,
        #[arg(long, value_delimiter = ',')]
        members: Vec<String>,
    },
    /// List teams: id, name, member emails.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum TagCommand {
    /// Create a tag (names are lowercased).
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        name: String,
    },
    /// List tags: id, name.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum ChannelCommand {
    /// Add a channel: a name and its kind (chat, email, storefront, ...).
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        name: String,
        /// The channel kind tickets from it carry (a-z, 0-9 and _).
        #[arg(long = "type")]
        kind: String,
    },
    /// List channels: id, type, name.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum ResponderCommand {
    /// Publish a bot's next version; chats it takes from then on carry it.
    Publish {
        #[command(flatten)]
        tenant: TenantArg,
        /// The bot user.
        #[arg(long)]
        email: String,
    },
}

#[derive(clap::Subcommand)]
pub enum TicketCommand {
    /// Soft-remove a ticket's chat: it leaves every list (seed 002 shows it with
    /// includeRemoved=true) and keeps its data.
    Remove {
        #[command(flatten)]
        tenant: TenantArg,
        /// The ticket number (#1042 is 1042).
        #[arg(long)]
        number: i64,
    },
    /// Restore a soft-removed chat.
    Restore {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        number: i64,
    },
}

#[derive(clap::Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key acting as a user; the key is printed once and cannot be shown again.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        /// The user the key acts as.
        #[arg(long)]
        email: String,
        /// A label to recognise the key by.
        #[arg(long)]
        name: String,
        /// Comma-separated: tickets:read, tickets:write.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
    },
    /// Revoke a user's API keys with this name; every server process refuses them at once.
    Revoke {
        #[command(flatten)]
        tenant: TenantArg,
        /// The user the key acts as.
        #[arg(long)]
        email: String,
        /// The key's label, as given at creation.
        #[arg(long)]
        name: String,
    },
}

/// The tenant a verb acts on.
#[derive(clap::Args)]
pub struct TenantArg {
    /// Tenant slug or id.
    #[arg(long)]
    tenant: String,
}

impl TenantArg {
    async fn resolve(&self, db: &Db) -> anyhow::Result<TenantId> {
        let t = admin::tenant(db, &self.tenant)
            .await
            .with_context(|| format!("finding tenant {:?}", self.tenant))?;
        Ok(t.id)
    }
}

pub async fn run(db: Db, cmd: AdminCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        AdminCommand::Tenant(TenantCommand::Create { slug, name }) => {
            let t = admin::create_tenant(&db, &slug, &name)
                .await
                .context("creating the tenant")?;
            writeln!(out, "{}\t{}\t{}", t.id, t.slug, t.name)?;
        }
        AdminCommand::Tenant(TenantCommand::List { json }) => {
            let tenants = admin::list_tenants(&db).await.context("listing tenants")?;
            if json {
                write_json(&mut out, &tenants)?;
            } else {
                for t in &tenants {
                    writeln!(out, "{}\t{}\t{}", t.id, t.slug, t.name)?;
                }
            }
        }
        AdminCommand::User(cmd) => user(&db, cmd, &mut out).await?,
        AdminCommand::Support(SupportCommand::Set { tenant, emails }) => {
            let tenant = tenant.resolve(&db).await?;
            let ids = user_ids(&db, tenant, &emails).await?;
            admin::set_support_users(&db, tenant, &ids)
                .await
                .context("setting the support users")?;
            writeln!(out, "{} support user(s)", ids.len())?;
        }
        AdminCommand::Support(SupportCommand::Show { tenant, json }) => {
            let tenant = tenant.resolve(&db).await?;
            let users: Vec<User> = admin::list_users(&db, tenant)
                .await
                .context("listing users")?
                .into_iter()
                .filter(|u| u.support)
                .collect();
            write_users(&mut out, &users, json)?;
        }
        AdminCommand::Team(TeamCommand::Create {
            tenant,
            name,
            members,
        }) => {
            let tenant = tenant.resolve(&db).await?;
            let ids = user_ids(&db, tenant, &members).await?;
            let team = admin::create_team(&db, tenant, &name, &ids)
                .await
                .context("creating the team")?;
            let users = admin::list_users(&db, tenant)
                .await
                .context("listing users")?;
            writeln!(out, "{}", team_line(&team, &users))?;
        }
        AdminCommand::Team(TeamCommand::List { tenant, json }) => {
            let tenant = tenant.resolve(&db).await?;
            let teams = admin::list_teams(&db, tenant)
                .await
                .context("listing teams")?;
            if json {
                write_json(&mut out, &teams)?;
            } else {
                let users = admin::list_users(&db, tenant)
                    .await
                    .context("listing users")?;
                for t in &teams {
                    writeln!(out, "{}", team_line(t, &users))?;
                }
            }
        }
        AdminCommand::Tag(TagCommand::Create { tenant, name }) => {
            let tenant = tenant.resolve(&db).await?;
            let tag = admin::create_tag(&db, tenant, &name)
                .await
                .context("creating the tag")?;
            writeln!(out, "{}", tag_line(&tag))?;
        }
        AdminCommand::Tag(TagCommand::List { tenant, json }) => {
            let tenant = tenant.resolve(&db).await?;
            let tags = admin::list_tags(&db, tenant)
                .await
                .context("listing tags")?;
            if json {
                write_json(&mut out, &tags)?;
            } else {
                for t in &tags {
                    writeln!(out, "{}", tag_line(t))?;
                }
            }
        }
        AdminCommand::Channel(ChannelCommand::Create { tenant, name, kind }) => {
            let tenant = tenant.resolve(&db).await?;
            let kind = Channel::parse(&kind).context("reading --type")?;
            let channel = admin::create_channel(&db, tenant, &name, kind)
                .await
                .context("creating the channel")?;
            writeln!(out, "{}", channel_line(&channel))?;
        }
        AdminCommand::Channel(ChannelCommand::List { tenant, json }) => {
            let tenant = tenant.resolve(&db).await?;
            let channels = admin::list_channels(&db, tenant)
                .await
                .context("listing channels")?;
            if json {
                write_json(&mut out, &channels)?;
            } else {
                for c in &channels {
                    writeln!(out, "{}", channel_line(c))?;
                }
            }
        }
        AdminCommand::Ticket(TicketCommand::Remove { tenant, number }) => {
            let tenant = tenant.resolve(&db).await?;
            let t = admin::set_ticket_removed(&db, tenant, TicketNumber(number), true)
                .await
                .with_context(|| format!("removing #{number}"))?;
            writeln!(out, "{}\t#{}\tremoved", t.id, t.number.0)?;
        }
        AdminCommand::Ticket(TicketCommand::Restore { tenant, number }) => {
            let tenant = tenant.resolve(&db).await?;
            let t = admin::set_ticket_removed(&db, tenant, TicketNumber(number), false)
                .await
                .with_context(|| format!("restoring #{number}"))?;
            writeln!(out, "{}\t#{}\trestored", t.id, t.number.0)?;
        }
        AdminCommand::Responder(ResponderCommand::Publish { tenant, email }) => {
            let tenant = tenant.resolve(&db).await?;
            let bot = admin::user_by_email(&db, tenant, &email)
                .await
                .with_context(|| format!("finding user {email}"))?;
            let v = admin::publish_responder_version(&db, tenant, bot.id)
                .await
                .context("publishing the version")?;
            writeln!(out, "{}	{}	version {}", v.id, email, v.number)?;
        }
        AdminCommand::ApiKey(ApiKeyCommand::Create {
            tenant,
            email,
            name,
            scopes,
        }) => {
            let tenant = tenant.resolve(&db).await?;
            let scopes = scopes
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| {
                    Scope::parse(s).with_context(|| {
                        format!("unknown scope {s:?}; expected tickets:read or tickets:write")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            if scopes.is_empty() {
                bail!("name at least one scope: --scopes tickets:read[,tickets:write]");
            }
            let user = admin::user_by_email(&db, tenant, &email)
                .await
                .with_context(|| format!("finding user {email}"))?;
            let key = auth::create_api_key(&db, tenant, user.id, &name, &scopes)
                .await
                .context("creating the API key")?;
            writeln!(out, "{key}")?;
            eprintln!("This key is shown only once; store it now.");
        }
        AdminCommand::ApiKey(ApiKeyCommand::Revoke {
            tenant,
            email,
            name,
        }) => {
            let tenant = tenant.resolve(&db).await?;
            let user = admin::user_by_email(&db, tenant, &email)
                .await
                .with_context(|| format!("finding user {email}"))?;
            let n = auth::revoke_api_keys(&db, tenant, user.id, &name)
                .await
                .context("revoking the API key")?;
            writeln!(out, "revoked {n} API key(s) named {name:?} of {email}")?;
        }
        AdminCommand::RotateEpoch => {
            let epoch = db
                .rotate_epoch()
                .await
                .context("rotating the server epoch")?;
            writeln!(out, "{epoch}")?;
            eprintln!("New epoch: every client will re-bootstrap on its next sync.");
        }
    }
    Ok(())
}

async fn user(db: &Db, cmd: UserCommand, out: &mut impl Write) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create {
            tenant,
            email,
            name,
            role,
            elevated,
            support,
            no_password,
        } => {
            let tenant = tenant.resolve(db).await?;
            let password = if no_password {
                None
            } else {
                Some(read_password()?)
            };
            let spec = admin::UserSpec {
                email: &email,
                name: &name,
                role,
                password: password.as_deref(),
                elevated,
                support,
            };
            let u = admin::create_user(db, tenant, &spec)
                .await
                .with_context(|| format!("creating user {email}"))?;
            writeln!(out, "{}", user_line(&u))?;
        }
        UserCommand::List { tenant, json } => {
            let tenant = tenant.resolve(db).await?;
            let users = admin::list_users(db, tenant)
                .await
                .context("listing users")?;
            write_users(out, &users, json)?;
        }
        UserCommand::SetPassword { tenant, email } => {
            let tenant = tenant.resolve(db).await?;
            let user = admin::user_by_email(db, tenant, &email)
                .await
                .with_context(|| format!("finding user {email}"))?;
            let password = read_password()?;
            admin::set_password(db, tenant, user.id, &password)
                .await
                .context("setting the password")?;
            writeln!(
                out,
                "password of {email} changed; their sessions were revoked"
            )?;
        }
        UserCommand::SetRole {
            tenant,
            email,
            role,
            elevated,
        } => {
            let tenant = tenant.resolve(db).await?;
            let user = admin::user_by_email(db, tenant, &email)
                .await
                .with_context(|| format!("finding user {email}"))?;
            admin::set_role(db, tenant, user.id, role, elevated)
                .await
                .context("setting the role")?;
            let user = admin::user_by_email(db, tenant, &email)
                .await
                .with_context(|| format!("reading user {email}"))?;
            writeln!(out, "{}", user_line(&user))?;
        }
        UserCommand::Block { tenant, email } => block(db, &tenant, &email, true, out).await?,
        UserCommand::Unblock { tenant, email } => block(db, &tenant, &email, false, out).await?,
    }
    Ok(())
}

async fn block(
    db: &Db,
    tenant: &TenantArg,
    email: &str,
    blocked: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let tenant = tenant.resolve(db).await?;
    let user = admin::user_by_email(db, tenant, email)
        .await
        .with_context(|| format!("finding user {email}"))?;
    admin::set_blocked(db, tenant, user.id, blocked)
        .await
        .context("setting the block")?;
    let user = admin::user_by_email(db, tenant, email)
        .await
        .with_context(|| format!("reading user {email}"))?;
    writeln!(out, "{}", user_line(&user))?;
    Ok(())
}

/// The password from `OUTPOST_PASSWORD`, else one line of standard input.
fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("OUTPOST_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (echoed; set OUTPOST_PASSWORD to avoid typing it): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    let n = stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    if n == 0 {
        bail!(
            "no password given: set OUTPOST_PASSWORD or pass one line on stdin (--no-password for bots and customers)"
        );
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Resolves comma-separated emails to user ids; empty entries are skipped.
async fn user_ids(db: &Db, tenant: TenantId, emails: &[String]) -> anyhow::Result<Vec<UserId>> {
    let mut ids = Vec::new();
    for e in emails.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let u = admin::user_by_email(db, tenant, e)
            .await
            .with_context(|| format!("finding user {e}"))?;
        if !ids.contains(&u.id) {
            ids.push(u.id);
        }
    }
    Ok(ids)
}

fn user_line(u: &User) -> String {
    let mut flags = Vec::new();
    if u.support {
        flags.push("support");
    }
    if u.elevated {
        flags.push("elevated");
    }
    if u.blocked {
        flags.push("blocked");
    }
    let flags = if flags.is_empty() {
        "-".to_owned()
    } else {
        flags.join(",")
    };
    format!("{}\t{}\t{}\t{}\t{}", u.id, u.email, u.role, flags, u.name)
}

fn team_line(t: &Team, users: &[User]) -> String {
    let members: Vec<String> = t
        .member_ids
        .iter()
        .map(|id| {
            users
                .iter()
                .find(|u| u.id == *id)
                .map_or_else(|| id.to_string(), |u| u.email.to_string())
        })
        .collect();
    format!("{}\t{}\t{}", t.id, t.name, members.join(","))
}

fn channel_line(c: &ChannelInfo) -> String {
    format!("{}\t{}\t{}", c.id, c.channel_type, c.name)
}

fn tag_line(t: &Tag) -> String {
    format!("{}\t{}", t.id, t.name)
}

fn write_users(out: &mut impl Write, users: &[User], json: bool) -> anyhow::Result<()> {
    if json {
        return write_json(out, users);
    }
    for u in users {
        writeln!(out, "{}", user_line(u))?;
    }
    Ok(())
}

fn write_json<T: serde::Serialize + ?Sized>(out: &mut impl Write, value: &T) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).context("writing JSON")?;
    writeln!(out)?;
    Ok(())
}
