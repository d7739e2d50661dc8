//! [`Desk`]: the one public handle over a signed-in profile. The CLI and the desktop
//! app call its async methods and nothing else; every rule lives behind it.

use crate::cache::{self, Cache, keys, state_get, state_set};
use crate::conflicts::{self, ConflictView};
use crate::credentials::Credentials;
use crate::error::{CoreError, Result};
use crate::outbox::{self, Enqueued, OutboxEntry};
use crate::profile::{Profile, ProfileConfig};
use crate::query::{
    self, Directory, ListQuery, ListRequest, SavedSearch, SearchHit, TicketDetail, TicketPage,
    ViewCount,
};
use crate::remote::{self, Api, Remote};
use crate::search::SearchQuery;
use crate::sync::{self, Engine, SyncReport};
use outpost_domain::ids::{ClientId, MessageId, TeamId, TicketId, UserId};
use outpost_domain::sync::{
    ConversationReadArgs, MessageSendArgs, MutationOp, TicketAssignArgs, TicketCloseArgs,
    TicketCreateArgs, TicketRef, TicketTagArgs, TicketUpdateArgs,
};
use outpost_domain::time::{self, to_db};
use outpost_domain::values::{EmailAddress, MessageType};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::broadcast;

pub use crate::sync::SyncState;

/// Something the UI should react to.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeskEvent {
    /// Online/offline or syncing state changed.
    SyncState(SyncState),
    /// Cached data changed (pull, local action, server answer).
    Changed { tickets: Vec<TicketId> },
    /// First-sync progress.
    Progress {
        tickets: u64,
        messages: u64,
        done: bool,
        /// How far along the server's feed the first sync is (0–100), where the
        /// server says where its feed ends; `None` where it cannot (a connector).
        percent: Option<u8>,
    },
    /// New conflicts need the agent.
    Conflicts { ids: Vec<String> },
    /// The server answered pushed changes.
    Delivered { applied: usize, rejected: usize },
    /// A ticket was newly assigned to the signed-in agent by someone else.
    Assigned { ticket_id: TicketId },
}

/// `outpost status`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Serialize, Deserialize)]
// TypeScript knows it as `SyncStatus` (`Status` is the ticket status there); a container
// rename changes nothing in JSON.
#[serde(rename = "SyncStatus")]
pub struct Status {
    pub server: String,
    /// The API spoken with the server (`native`, `ondi`, …; see [`Api`]).
    pub api: String,
    /// The same for people ("the OnDi support API").
    pub api_title: String,
    /// The actions the server takes through that API (mutation names); the others
    /// are refused with `not_supported`, so the UI disables them.
    pub actions: Vec<String>,
    /// The optional parts of a new ticket the API carries (`remote::CREATE_FIELDS`);
    /// the new-ticket form leaves the others out.
    pub create_fields: Vec<String>,
    pub email: String,
    pub user_id: UserId,
    pub online: bool,
    /// A pass with the server is under way (a connector's first reconcile can take
    /// minutes; a window opened meanwhile must say so, not only later events).
    pub syncing: bool,
    pub last_sync_at: Option<String>,
    pub cursor: Option<String>,
    pub bootstrapped: bool,
    pub pending: i64,
    pub conflicts: i64,
    pub tickets: i64,
    pub messages: i64,
    pub cache_bytes: u64,
    pub last_error: Option<String>,
}

/// What an action did locally.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ActionResult {
    pub seq: i64,
    pub mutation_id: String,
    pub ticket_id: Option<TicketId>,
    pub message_id: Option<MessageId>,
}

impl From<Enqueued> for ActionResult {
    fn from(e: Enqueued) -> Self {
        Self {
            seq: e.seq,
            mutation_id: e.mutation_id.to_string(),
            ticket_id: e.ticket_id,
            message_id: e.message_id,
        }
    }
}

/// Scalar edits of `set`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TicketEdit {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub status: Option<outpost_domain::values::Status>,
    pub priority: Option<outpost_domain::values::Priority>,
    #[serde(rename = "type")]
    pub ticket_type: Option<outpost_domain::values::TicketType>,
}

/// A new ticket.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NewTicket {
    pub subject: String,
    pub description: String,
    pub priority: Option<outpost_domain::values::Priority>,
    #[serde(rename = "type")]
    pub ticket_type: Option<outpost_domain::values::TicketType>,
    pub requester_email: Option<String>,
    pub assign_to_me: bool,
    pub tags: Vec<String>,
}

/// What the settings screen shows.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    /// Size of the local cache on disk (database and write-ahead log).
    pub cache_bytes: u64,
    pub profile_dir: String,
    pub server: String,
    pub email: String,
}

pub(crate) struct Inner {
    pub(crate) profile: Profile,
    pub(crate) config: ProfileConfig,
    pub(crate) cache: Cache,
    pub(crate) creds: Credentials,
    pub(crate) offline: AtomicBool,
    pub(crate) client_id: ClientId,
    pub(crate) events: broadcast::Sender<DeskEvent>,
    /// The server this profile syncs with, and its one HTTP client.
    pub(crate) remote: Arc<dyn Remote>,
    pub(crate) engine: Engine,
}

/// A signed-in profile. Cheap to clone; all clones share one cache and one engine.
#[derive(Clone)]
pub struct Desk {
    pub(crate) inner: Arc<Inner>,
}

impl Desk {
    /// Sign in: exchange email and password (or, headless, check `OUTPOST_TOKEN`) for a
    /// session, store the token in the keychain and the account in the profile.
    pub async fn login(
        profile: Profile,
        creds: Credentials,
        server: &str,
        email: &str,
        password: Option<&str>,
        tenant: Option<&str>,
    ) -> Result<Desk> {
        let email = parse_email(email)?;
        // As typed into a form: a blank tenant is none (the server URL and the email
        // are trimmed by their own parsers).
        let tenant = tenant.map(str::trim).filter(|t| !t.is_empty());
        let remote = remote::open(server, Api::Native, None)?;
        let key = crate::credentials::CredentialKey::new(remote.server(), email.clone())?;
        let (token, user, tenant_id) = if creds.is_headless() {
            let token = creds.require_token(&key)?;
            let me = remote.me(&token, &email).await?;
            (token, me.user, me.tenant.id)
        } else {
            // Make sure the token can be kept before asking the server for one, so a
            // missing keychain never leaves a session behind on the server.
            creds.token(&key)?;
            let password = password
                .ok_or_else(|| CoreError::InvalidInput("a password is needed to sign in".into()))?;
            let resp = remote.login(email.as_str(), password, tenant).await?;
            (resp.access_token, resp.user, resp.tenant_id)
        };
        Self::signed_in(profile, creds, remote, Api::Native, token, user, tenant_id).await
    }

    /// Sign in with an API token (a key the server's administrator issued): through a
    /// connector for a server that offers one seed API, or the native protocol. The
    /// token is checked with one read call, then kept in the keychain. `token` `None`:
    /// `OUTPOST_TOKEN` (headless). `email` names the agent: a seed API may have no call
    /// that tells whose token it is.
    pub async fn login_with_token(
        profile: Profile,
        creds: Credentials,
        server: &str,
        api: Api,
        email: &str,
        token: Option<&str>,
    ) -> Result<Desk> {
        let email = parse_email(email)?;
        let remote = remote::open(server, api, Some(&email))?;
        let key = crate::credentials::CredentialKey::new(remote.server(), email.clone())?;
        let token = match token.map(str::trim) {
            Some("") => return Err(CoreError::InvalidInput("the API token is empty".into())),
            Some(t) => t.to_owned(),
            None => creds.require_token(&key)?,
        };
        // The keychain must be able to keep it before it is worth checking.
        creds.token(&key)?;
        let me = remote.me(&token, &email).await?;
        Self::signed_in(profile, creds, remote, api, token, me.user, me.tenant.id).await
    }

    /// Keep the token and the account, and open the desk.
    async fn signed_in(
        profile: Profile,
        creds: Credentials,
        remote: Arc<dyn Remote>,
        api: Api,
        token: String,
        user: outpost_domain::User,
        tenant_id: outpost_domain::TenantId,
    ) -> Result<Desk> {
        let config = ProfileConfig {
            server: remote.server().to_owned(),
            email: user.email.clone(),
            user_id: user.id,
            tenant_id,
            display_name: user.name.clone(),
            api,
        };
        // A different account, server or API in this profile: start from an empty
        // cache so nobody sees another account's data or pushes its outbox.
        if let Some(old) = profile.config()?
            && (old.server != config.server || old.user_id != config.user_id || old.api != api)
        {
            profile.wipe()?;
        }
        profile.create_dir()?;
        creds.save_token(&config.credential_key()?, &token)?;
        profile.save_config(&config)?;
        let desk = Self::open_with(profile, config, creds, remote, false).await?;
        // The server just answered; the status bar need not wait for the first sync
        // pass to say so.
        desk.set_sync_state(|s| s.online = true);
        Ok(desk)
    }

    /// Open the signed-in profile (works offline).
    pub async fn open(profile: Profile, creds: Credentials, offline: bool) -> Result<Desk> {
        let config = profile.config()?.ok_or(CoreError::NotSignedIn)?;
        let remote = remote::open(&config.server, config.api, Some(&config.email))?;
        Self::open_with(profile, config, creds, remote, offline).await
    }

    async fn open_with(
        profile: Profile,
        config: ProfileConfig,
        creds: Credentials,
        remote: Arc<dyn Remote>,
        offline: bool,
    ) -> Result<Desk> {
        let cache = Cache::open(&profile.cache_path()).await?;
        let client_id = {
            let mut tx = cache.write().await?;
            let id = match state_get(&mut tx, keys::CLIENT_ID).await? {
                Some(s) => s
                    .parse()
                    .map_err(|_| CoreError::Profile("bad client id in the cache".into()))?,
                None => {
                    let id = ClientId::new();
                    state_set(&mut tx, keys::CLIENT_ID, &id.to_string()).await?;
                    id
                }
            };
            state_set(&mut tx, keys::USER_ID, &config.user_id.to_string()).await?;
            tx.commit().await?;
            id
        };
        let (events, _) = broadcast::channel(256);
        Ok(Desk {
            inner: Arc::new(Inner {
                profile,
                config,
                cache,
                creds,
                offline: AtomicBool::new(offline),
                client_id,
                events,
                remote,
                engine: Engine::default(),
            }),
        })
    }

    /// Sign out: revoke the session on the server (if reachable), delete the token from
    /// the keychain and, with `wipe`, the cache (pending changes included).
    pub async fn logout(self, wipe: bool) -> Result<()> {
        self.stop().await;
        if let Ok(token) = self.token()
            && let Err(e) = self.inner.remote.logout(&token).await
        {
            tracing::info!(error = %e, "could not revoke the session on the server");
        }
        self.inner
            .creds
            .forget(&self.inner.config.credential_key()?)?;
        self.inner.cache.close().await;
        if wipe {
            self.inner.profile.wipe()?;
        }
        Ok(())
    }

    pub fn me(&self) -> UserId {
        self.inner.config.user_id
    }

    pub fn config(&self) -> &ProfileConfig {
        &self.inner.config
    }

    pub(crate) fn cache(&self) -> &Cache {
        &self.inner.cache
    }

    pub fn client_id(&self) -> ClientId {
        self.inner.client_id
    }

    pub fn is_offline(&self) -> bool {
        self.inner.offline.load(Ordering::SeqCst)
    }

    /// Switch the network off (or on again) for this desk.
    pub fn set_offline(&self, offline: bool) {
        self.inner.offline.store(offline, Ordering::SeqCst);
        self.inner.engine.wake();
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.inner.events.subscribe()
    }

    pub(crate) fn emit(&self, e: DeskEvent) {
        let _ = self.inner.events.send(e);
    }

    pub(crate) fn remote(&self) -> &Arc<dyn Remote> {
        &self.inner.remote
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The session's secret for talking to the remote (read for each pass, so a token
    /// removed from the keychain shows at once). `offline` when the network is off.
    pub(crate) fn token(&self) -> Result<String> {
        if self.is_offline() {
            return Err(CoreError::Offline);
        }
        self.inner
            .creds
            .require_token(&self.inner.config.credential_key()?)
    }

    pub fn sync_state(&self) -> SyncState {
        self.inner.engine.state()
    }

    pub(crate) fn set_sync_state(&self, f: impl FnOnce(&mut SyncState)) {
        if let Some(s) = self.inner.engine.update_state(f) {
            self.emit(DeskEvent::SyncState(s));
        }
    }

    /// One full pass: push the outbox, pull to the head, push what is left.
    pub async fn sync(&self) -> Result<SyncReport> {
        sync::pass(self).await
    }

    /// Push and pull now if the server can be reached; a network failure leaves the
    /// changes in the outbox (returns `Ok(false)`) instead of failing.
    pub async fn deliver(&self) -> Result<bool> {
        if self.is_offline() {
            return Ok(false);
        }
        match sync::pass(self).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_transient() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Start the live engine: sync now, then on every server signal and local change,
    /// with backoff and jitter while the server is unreachable.
    pub fn start(&self) {
        self.inner.engine.start(self);
    }

    /// Stop the live engine (waits for it to finish its current step).
    pub async fn stop(&self) {
        self.inner.engine.stop().await;
    }

    /// Ask the engine to sync soon (the "sync now" button).
    pub fn sync_soon(&self) {
        self.inner.engine.wake();
    }

    pub async fn status(&self) -> Result<Status> {
        let mut conn = self.inner.cache.reader().acquire().await?;
        let pending = outbox::pending_count(&mut conn).await?;
        let conflicts = conflicts::open_count(&mut conn).await?;
        let (tickets, messages) = cache::counts(&mut conn).await?;
        let cursor = state_get(&mut conn, keys::CURSOR).await?;
        let last_sync_at = state_get(&mut conn, keys::LAST_SYNC_AT).await?;
        let bootstrapped = state_get(&mut conn, keys::BOOTSTRAP).await?.as_deref() == Some("done");
        let cache_bytes = self.cache_bytes();
        let s = self.sync_state();
        let caps = self.inner.remote.capabilities();
        Ok(Status {
            server: self.inner.config.server.clone(),
            api: caps.api.name().to_owned(),
            api_title: caps.api.title().to_owned(),
            actions: caps.actions.iter().map(|a| (*a).to_owned()).collect(),
            create_fields: caps.create_fields.iter().map(|f| (*f).to_owned()).collect(),
            email: self.inner.config.email.to_string(),
            user_id: self.me(),
            online: s.online && !self.is_offline(),
            syncing: s.syncing,
            last_sync_at,
            cursor,
            bootstrapped,
            pending,
            conflicts,
            tickets,
            messages,
            cache_bytes,
            last_error: s.last_error,
        })
    }

    /// Bytes of the cache database and its write-ahead log on disk.
    fn cache_bytes(&self) -> u64 {
        ["", "-wal"]
            .iter()
            .filter_map(|suffix| {
                let mut p = self.inner.cache.path().as_os_str().to_owned();
                p.push(suffix);
                std::fs::metadata(p).ok().map(|m| m.len())
            })
            .sum()
    }

    pub fn settings(&self) -> Settings {
        Settings {
            cache_bytes: self.cache_bytes(),
            profile_dir: self.inner.profile.dir().display().to_string(),
            server: self.inner.config.server.clone(),
            email: self.inner.config.email.to_string(),
        }
    }

    /// A ticket list as the app asks for it (search as typed).
    pub async fn list(&self, req: ListRequest) -> Result<TicketPage> {
        self.tickets(&ListQuery::try_from(req)?).await
    }

    /// Agents, teams and tags for the assign and tag pickers.
    pub async fn directory(&self) -> Result<Directory> {
        query::directory(self.inner.cache.reader()).await
    }

    pub async fn tickets(&self, q: &ListQuery) -> Result<TicketPage> {
        query::list_tickets(self.inner.cache.reader(), self.me(), q).await
    }

    pub async fn view_counts(&self) -> Result<Vec<ViewCount>> {
        query::view_counts(self.inner.cache.reader(), self.me()).await
    }

    pub async fn ticket(&self, key: &str) -> Result<TicketDetail> {
        query::ticket_detail(self.inner.cache.reader(), self.me(), key).await
    }

    pub async fn search(&self, text: &str, limit: i64) -> Result<Vec<SearchHit>> {
        let q = SearchQuery::parse(text)?;
        query::search(self.inner.cache.reader(), self.me(), &q, limit).await
    }

    pub async fn conflicts(&self, open_only: bool) -> Result<Vec<ConflictView>> {
        let mut conn = self.inner.cache.reader().acquire().await?;
        conflicts::list(&mut conn, open_only).await
    }

    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxEntry>> {
        let mut conn = self.inner.cache.reader().acquire().await?;
        outbox::recent(&mut conn, limit).await
    }

    pub async fn saved_searches(&self) -> Result<Vec<SavedSearch>> {
        query::list_saved_searches(self.inner.cache.reader()).await
    }

    pub async fn save_search(&self, name: &str, text: &str) -> Result<SavedSearch> {
        SearchQuery::parse(text)?;
        let mut tx = self.inner.cache.write().await?;
        let s = query::create_saved_search(&mut tx, name, text).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Rename a saved search or change its query (which must parse).
    pub async fn update_saved_search(&self, id: uuid::Uuid, name: &str, text: &str) -> Result<()> {
        SearchQuery::parse(text)?;
        let mut tx = self.inner.cache.write().await?;
        query::update_saved_search(&mut tx, id, name, text).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_saved_search(&self, id: uuid::Uuid) -> Result<()> {
        let mut tx = self.inner.cache.write().await?;
        query::delete_saved_search(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn save_draft(&self, ticket: &str, body: &str, internal: bool) -> Result<()> {
        let mut tx = self.inner.cache.write().await?;
        let t = query::resolve_ticket(&mut *tx, ticket).await?;
        if body.trim().is_empty() {
            query::clear_draft(&mut tx, t).await?;
        } else {
            query::save_draft(&mut tx, t, body, internal).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn act(
        &self,
        ticket: Option<&str>,
        make: impl FnOnce(Option<TicketId>) -> Result<(MutationOp, bool)>,
    ) -> Result<ActionResult> {
        let mut tx = self.inner.cache.write().await?;
        let id = match ticket {
            Some(key) => Some(query::resolve_ticket(&mut *tx, key).await?),
            None => None,
        };
        let (op, with_base) = make(id)?;
        let caps = self.inner.remote.capabilities();
        // Refused before anything is written: an action the remote cannot take would
        // only sit in the outbox and come back as a conflict.
        caps.check(&op)?;
        // A base is only worth keeping when the remote checks it.
        let base = if with_base && caps.field_conflicts {
            conflicts::edit_base(&mut tx, &op).await?
        } else {
            None
        };
        if let MutationOp::MessageSend(a) = &op {
            query::clear_draft(&mut tx, a.ticket_id).await?;
        }
        let e = outbox::enqueue(&mut tx, self.me(), op, base).await?;
        tx.commit().await?;
        if let Some(t) = e.ticket_id {
            self.emit(DeskEvent::Changed { tickets: vec![t] });
        }
        self.inner.engine.wake();
        Ok(e.into())
    }

    pub async fn claim(&self, ticket: &str) -> Result<ActionResult> {
        self.act(Some(ticket), |t| {
            Ok((
                MutationOp::TicketClaim(TicketRef {
                    ticket_id: need(t)?,
                }),
                false,
            ))
        })
        .await
    }

    pub async fn takeover(&self, ticket: &str) -> Result<ActionResult> {
        self.act(Some(ticket), |t| {
            Ok((
                MutationOp::TicketTakeover(TicketRef {
                    ticket_id: need(t)?,
                }),
                false,
            ))
        })
        .await
    }

    /// Assign `ticket`. For each of `agent_email` and `team`: `None` leaves it,
    /// `Some(None)` clears it, `Some(Some(..))` sets it (an agent's email, a team id).
    /// At least one must be given. Each front end maps its own "clear" spelling
    /// (the CLI's `none`, the app's empty field) to `Some(None)`.
    pub async fn assign(
        &self,
        ticket: &str,
        agent_email: Option<Option<&str>>,
        team: Option<Option<&str>>,
    ) -> Result<ActionResult> {
        if agent_email.is_none() && team.is_none() {
            return Err(CoreError::InvalidInput(
                "assign needs an agent, an unassign, or a team".into(),
            ));
        }
        let team = match team {
            None => None,
            Some(None) => Some(None),
            Some(Some(id)) => Some(Some(id.trim().parse::<TeamId>().map_err(|_| {
                CoreError::InvalidInput(format!("{id:?} is not a team id (UUID)"))
            })?)),
        };
        let assignee = match agent_email {
            Some(Some(email)) => Some(Some(
                query::resolve_user_by_email(self.inner.cache.reader(), email)
                    .await?
                    .id,
            )),
            Some(None) => Some(None),
            None => None,
        };
        self.act(Some(ticket), move |t| {
            Ok((
                MutationOp::TicketAssign(TicketAssignArgs {
                    ticket_id: need(t)?,
                    assignee_id: assignee,
                    team_id: team,
                }),
                false,
            ))
        })
        .await
    }

    pub async fn update(&self, ticket: &str, edit: TicketEdit) -> Result<ActionResult> {
        if edit.subject.is_none()
            && edit.description.is_none()
            && edit.status.is_none()
            && edit.priority.is_none()
            && edit.ticket_type.is_none()
        {
            return Err(CoreError::InvalidInput(
                "nothing to change: give status=, priority=, type=, subject= or description="
                    .into(),
            ));
        }
        if let Some(s) = &edit.subject
            && s.trim().is_empty()
        {
            return Err(CoreError::InvalidInput(
                "the subject cannot be empty".into(),
            ));
        }
        self.act(Some(ticket), move |t| {
            Ok((
                MutationOp::TicketUpdate(TicketUpdateArgs {
                    ticket_id: need(t)?,
                    subject: edit.subject,
                    description: edit.description,
                    status: edit.status,
                    priority: edit.priority,
                    ticket_type: edit.ticket_type,
                }),
                true,
            ))
        })
        .await
    }

    /// Add (`add = true`) or remove one tag.
    pub async fn tag(&self, ticket: &str, tag: &str, add: bool) -> Result<ActionResult> {
        let tag = outpost_domain::values::parse_tag_name(tag)
            .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        self.act(Some(ticket), move |t| {
            let args = TicketTagArgs {
                ticket_id: need(t)?,
                tag,
            };
            Ok((
                if add {
                    MutationOp::TicketTagAdd(args)
                } else {
                    MutationOp::TicketTagRemove(args)
                },
                false,
            ))
        })
        .await
    }

    /// Reply to the customer (`internal = false`) or add an internal note.
    pub async fn send(&self, ticket: &str, text: &str, internal: bool) -> Result<ActionResult> {
        if text.trim().is_empty() {
            return Err(CoreError::InvalidInput("the message is empty".into()));
        }
        if text.len() > outpost_domain::limits::MESSAGE_MAX_BYTES {
            return Err(CoreError::InvalidInput(format!(
                "the message is longer than {} bytes",
                outpost_domain::limits::MESSAGE_MAX_BYTES
            )));
        }
        let text = text.to_owned();
        self.act(Some(ticket), move |t| {
            Ok((
                MutationOp::MessageSend(MessageSendArgs {
                    message_id: MessageId::new(),
                    ticket_id: need(t)?,
                    message_type: MessageType::Text,
                    content: text,
                    content_url: None,
                    metadata: None,
                    parent_message_id: None,
                    internal,
                    attachments: Vec::new(),
                }),
                false,
            ))
        })
        .await
    }

    pub async fn close(&self, ticket: &str, note: Option<&str>) -> Result<ActionResult> {
        let note = note.map(str::to_owned).filter(|n| !n.trim().is_empty());
        self.act(Some(ticket), move |t| {
            Ok((
                MutationOp::TicketClose(TicketCloseArgs {
                    ticket_id: need(t)?,
                    note,
                }),
                false,
            ))
        })
        .await
    }

    pub async fn reopen(&self, ticket: &str) -> Result<ActionResult> {
        self.act(Some(ticket), |t| {
            Ok((
                MutationOp::TicketReopen(TicketRef {
                    ticket_id: need(t)?,
                }),
                false,
            ))
        })
        .await
    }

    /// Mark the ticket's conversation read up to its newest message.
    pub async fn mark_read(&self, ticket: &str) -> Result<Option<ActionResult>> {
        // Opening a ticket calls this; a remote without read markers is not an error.
        if !self
            .inner
            .remote
            .capabilities()
            .actions
            .contains(&"conversation.read")
        {
            return Ok(None);
        }
        let detail = self.ticket(ticket).await?;
        let Some(last) = detail
            .conversation
            .iter()
            .rev()
            .find(|m| m.delivery.is_none())
        else {
            return Ok(None);
        };
        // Opening a ticket calls this: record nothing when already read up to there,
        // or when the agent is not a participant (the server keeps no marker then).
        let me = self.me();
        let mine = detail.participants.iter().find(|p| p.user_id == me);
        if mine.is_none_or(|p| p.last_read_message_id == Some(last.id)) {
            return Ok(None);
        }
        let conversation = detail.ticket.conversation_id;
        let message = last.id;
        self.act(None, move |_| {
            Ok((
                MutationOp::ConversationRead(ConversationReadArgs {
                    conversation_id: conversation,
                    message_id: message,
                }),
                false,
            ))
        })
        .await
        .map(Some)
    }

    pub async fn create(&self, new: NewTicket) -> Result<ActionResult> {
        if new.subject.trim().is_empty() {
            return Err(CoreError::InvalidInput(
                "the subject cannot be empty".into(),
            ));
        }
        let requester = match &new.requester_email {
            Some(e) => Some(
                query::resolve_user_by_email(self.inner.cache.reader(), e)
                    .await?
                    .id,
            ),
            None => None,
        };
        let mut tags = Vec::new();
        for t in &new.tags {
            tags.push(
                outpost_domain::values::parse_tag_name(t)
                    .map_err(|e| CoreError::InvalidInput(e.to_string()))?,
            );
        }
        let me = self.me();
        self.act(None, move |_| {
            Ok((
                MutationOp::TicketCreate(TicketCreateArgs {
                    ticket_id: TicketId::new(),
                    conversation_id: None,
                    subject: new.subject.trim().to_owned(),
                    description: new.description,
                    priority: new.priority,
                    ticket_type: new.ticket_type,
                    channel: None,
                    requester_id: requester,
                    assignee_id: new.assign_to_me.then_some(me),
                    team_id: None,
                    tags,
                    related_order_id: None,
                    related_delivery_id: None,
                    follow_up_of: None,
                }),
                false,
            ))
        })
        .await
    }

    /// Resolve a conflict with one of its choices (a [`ConflictChoice`] or its spelling,
    /// as the CLI takes it).
    ///
    /// [`ConflictChoice`]: crate::conflicts::ConflictChoice
    pub async fn resolve_conflict(
        &self,
        id: &str,
        choice: impl AsRef<str>,
    ) -> Result<Vec<ActionResult>> {
        let mut tx = self.inner.cache.write().await?;
        let caps = self.inner.remote.capabilities();
        let queued = conflicts::resolve(&mut tx, self.me(), caps, id, choice.as_ref()).await?;
        tx.commit().await?;
        let tickets: Vec<TicketId> = queued.iter().filter_map(|e| e.ticket_id).collect();
        self.emit(DeskEvent::Changed { tickets });
        self.inner.engine.wake();
        Ok(queued.into_iter().map(Into::into).collect())
    }

    /// Time the cache was last brought to the server's head.
    pub async fn last_sync_at(&self) -> Result<Option<String>> {
        let mut conn = self.inner.cache.reader().acquire().await?;
        state_get(&mut conn, keys::LAST_SYNC_AT).await
    }

    pub(crate) async fn mark_synced(&self) -> Result<()> {
        let mut tx = self.inner.cache.write().await?;
        state_set(&mut tx, keys::LAST_SYNC_AT, &to_db(&time::now())).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drop the cached server state (never the outbox) and have the live engine fetch
    /// it again now (the settings screen's "rebuild cache").
    pub async fn rebuild_cache(&self) -> Result<()> {
        self.reset_cache().await?;
        self.sync_soon();
        Ok(())
    }

    /// Drop cached server state (not the outbox) so the next pass bootstraps again.
    pub(crate) async fn reset_cache(&self) -> Result<()> {
        let mut tx = self.inner.cache.write().await?;
        cache::apply::wipe_server_state(&mut tx).await?;
        for k in [keys::CURSOR, keys::EPOCH, keys::BOOTSTRAP, keys::MINE_FIRST] {
            cache::state_delete(&mut tx, k).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn need(t: Option<TicketId>) -> Result<TicketId> {
    t.ok_or_else(|| CoreError::InvalidInput("a ticket is needed".into()))
}

fn parse_email(email: &str) -> Result<EmailAddress> {
    EmailAddress::parse(email).map_err(|e| CoreError::InvalidInput(e.to_string()))
}
