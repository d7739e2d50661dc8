//! Where session tokens live: only in the OS keychain (Secret Service on Linux and the
//! BSDs, Keychain on macOS, Credential Manager on Windows), never in the cache
//! database, `profile.json` or a log line. When no keychain can be reached the answer
//! is [`CoreError::KeychainUnavailable`] with a fix; there is deliberately no plaintext
//! fallback, because a silently written token file is exactly what the spec forbids.
//!
//! Headless machines (CI, servers, containers without a session bus) set
//! `OUTPOST_TOKEN` instead. That path is read-only: [`Credentials`] reads the variable
//! before the keychain and never writes or deletes keychain entries while it is set.
//!
//! Keychain entries are named by service [`SERVICE`] (`outpost`) and account
//! `<server-url>|<email>` (see [`CredentialKey::account`]), so one keychain can hold
//! sessions for several servers and accounts, each profile finding its own.
//!
//! Keychain calls block on IPC (D-Bus, Security framework, Credential Manager); async
//! callers run them on `tokio::task::spawn_blocking`.

use crate::error::{CoreError, Result};
use outpost_domain::EmailAddress;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// Keychain service name under which every Outpost token is stored.
pub const SERVICE: &str = "outpost";

/// Environment variable holding a token for headless use (read-only).
pub const TOKEN_ENV: &str = "OUTPOST_TOKEN";

/// Whether this build has a native keychain. Without one the `keyring` crate falls back
/// to an in-process mock, which would lose tokens on exit without telling anyone, so
/// [`KeyringStore`] refuses to work instead.
const NATIVE_KEYCHAIN: bool = cfg!(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "ios",
    target_os = "windows",
));

/// What to do when the platform keychain cannot be reached at all.
const PLATFORM_FIX: &str = if cfg!(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd"
)) {
    "start a Secret Service such as gnome-keyring (or KeePassXC with its Secret Service \
     integration) in this session, or set OUTPOST_TOKEN for headless use"
} else if cfg!(any(target_os = "macos", target_os = "ios")) {
    "check that the login keychain exists and is unlocked (Keychain Access), or set \
     OUTPOST_TOKEN for headless use"
} else if cfg!(target_os = "windows") {
    "check that Windows Credential Manager is available to this user, or set \
     OUTPOST_TOKEN for headless use"
} else {
    "this platform has no supported keychain; set OUTPOST_TOKEN to use Outpost here"
};

/// What to do when the keychain is there but refuses access (locked, prompt dismissed).
const LOCKED_FIX: &str = "unlock the keychain (it may be waiting for a password prompt), \
                          or set OUTPOST_TOKEN for headless use";

/// Which session a token belongs to: the server that issued it and the account signed
/// in there. Two profiles for the same server and email share one keychain entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CredentialKey {
    server: String,
    email: EmailAddress,
}

impl CredentialKey {
    /// Parses `server` as an http(s) URL and normalizes it (lower-case scheme and host,
    /// default port dropped, no trailing slash), so `https://Desk.example.com/` and
    /// `https://desk.example.com` name the same entry.
    pub fn new(server: &str, email: EmailAddress) -> Result<Self> {
        let url = reqwest::Url::parse(server.trim()).map_err(|e| {
            CoreError::InvalidInput(format!(
                "server must be a URL like https://desk.example.com: {e}"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(CoreError::InvalidInput(format!(
                "server must be an http or https URL, not {}",
                url.scheme()
            )));
        }
        Ok(Self {
            server: url.as_str().trim_end_matches('/').to_owned(),
            email,
        })
    }

    /// The normalized server URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    pub fn email(&self) -> &EmailAddress {
        &self.email
    }

    /// The keychain account name: `<server-url>|<email>`, e.g.
    /// `https://desk.example.com|agent@example.com`. Stable once shipped: changing it
    /// would sign every agent out.
    pub fn account(&self) -> String {
        format!("{}|{}", self.server, self.email)
    }
}

impl fmt::Display for CredentialKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}", self.server, self.email)
    }
}

/// A place that keeps tokens. Implementations must never log or `Debug`-print a token.
pub trait CredentialStore: Send + Sync {
    /// The token saved for `key`, or `None` when there is none.
    fn get(&self, key: &CredentialKey) -> Result<Option<String>>;
    /// Saves `token` for `key`, replacing any previous one.
    fn set(&self, key: &CredentialKey, token: &str) -> Result<()>;
    /// Removes the token for `key`; removing a token that is not there succeeds.
    fn delete(&self, key: &CredentialKey) -> Result<()>;
}

/// The OS keychain through the `keyring` crate.
#[derive(Clone, Debug)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// The store every Outpost client uses (service [`SERVICE`]).
    pub fn new() -> Self {
        Self::with_service(SERVICE)
    }

    /// A store under another service name, so tests against a real keychain never touch
    /// an agent's own session.
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &CredentialKey) -> Result<keyring::Entry> {
        if !NATIVE_KEYCHAIN {
            return Err(CoreError::KeychainUnavailable {
                reason: "this build has no native keychain for this platform".into(),
                fix: PLATFORM_FIX.into(),
            });
        }
        keyring::Entry::new(&self.service, &key.account()).map_err(keychain_error)
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

impl CredentialStore for KeyringStore {
    #[tracing::instrument(level = "debug", skip_all, fields(service = %self.service, account = %key))]
    fn get(&self, key: &CredentialKey) -> Result<Option<String>> {
        match self.entry(key)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(service = %self.service, account = %key))]
    fn set(&self, key: &CredentialKey, token: &str) -> Result<()> {
        self.entry(key)?.set_password(token).map_err(keychain_error)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(service = %self.service, account = %key))]
    fn delete(&self, key: &CredentialKey) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

/// Maps a `keyring` failure (other than `NoEntry`, which callers turn into "no token")
/// to a core error. Reasons never include a secret: `keyring` errors carry none, and
/// `Ambiguous` is reported by count only.
fn keychain_error(e: keyring::Error) -> CoreError {
    let unavailable = |reason: String, fix: &str| CoreError::KeychainUnavailable {
        reason,
        fix: fix.to_owned(),
    };
    match e {
        keyring::Error::NoStorageAccess(inner) => unavailable(inner.to_string(), LOCKED_FIX),
        keyring::Error::PlatformFailure(inner) => unavailable(inner.to_string(), PLATFORM_FIX),
        keyring::Error::BadEncoding(_) => unavailable(
            "the saved Outpost token is not text".into(),
            "sign in again to replace it",
        ),
        keyring::Error::Ambiguous(items) => unavailable(
            format!("{} keychain entries match this account", items.len()),
            "remove the duplicate `outpost` entries in your keychain app, then sign in again",
        ),
        keyring::Error::TooLong(attr, limit) => CoreError::InvalidInput(format!(
            "the keychain {attr} is longer than this keychain allows ({limit} characters)"
        )),
        keyring::Error::Invalid(attr, reason) => {
            CoreError::InvalidInput(format!("the keychain {attr} is invalid: {reason}"))
        }
        other => unavailable(other.to_string(), PLATFORM_FIX),
    }
}

/// Tokens kept in process memory: for tests and for the desktop app's mock runtime.
/// Never used as a fallback for a missing keychain.
#[derive(Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, String>>,
    /// When set, every call fails as a missing keychain would (reason, fix).
    unavailable: Option<(String, String)>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that behaves like a machine without a keychain: every call returns
    /// [`CoreError::KeychainUnavailable`] with the given reason and the platform fix.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self {
            tokens: Mutex::default(),
            unavailable: Some((reason.into(), PLATFORM_FIX.to_owned())),
        }
    }

    fn tokens(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, String>>> {
        if let Some((reason, fix)) = &self.unavailable {
            return Err(CoreError::KeychainUnavailable {
                reason: reason.clone(),
                fix: fix.clone(),
            });
        }
        // A panic while holding the lock cannot leave the map half-updated (every
        // operation is a single insert/remove/get), so a poisoned lock is still usable.
        Ok(self.tokens.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryStore")
            .field("entries", &entries)
            .field("unavailable", &self.unavailable.is_some())
            .finish()
    }
}

impl CredentialStore for MemoryStore {
    fn get(&self, key: &CredentialKey) -> Result<Option<String>> {
        Ok(self.tokens()?.get(&key.account()).cloned())
    }

    fn set(&self, key: &CredentialKey, token: &str) -> Result<()> {
        self.tokens()?.insert(key.account(), token.to_owned());
        Ok(())
    }

    fn delete(&self, key: &CredentialKey) -> Result<()> {
        self.tokens()?.remove(&key.account());
        Ok(())
    }
}

/// The session tokens of this process: `OUTPOST_TOKEN` if set, else a credential store
/// (the OS keychain in the real app). Cheap to clone.
#[derive(Clone)]
pub struct Credentials {
    store: Arc<dyn CredentialStore>,
    env_token: Option<String>,
}

impl Credentials {
    /// Tokens from `store`, with `OUTPOST_TOKEN` (read once, now) taking precedence.
    /// An empty or blank `OUTPOST_TOKEN` counts as unset.
    pub fn new(store: Arc<dyn CredentialStore>) -> Self {
        Self::with_env_token(store, std::env::var(TOKEN_ENV).ok())
    }

    /// The OS keychain, with `OUTPOST_TOKEN` taking precedence.
    pub fn keychain() -> Self {
        Self::new(Arc::new(KeyringStore::new()))
    }

    /// Like [`Credentials::new`] with the headless token given explicitly instead of
    /// read from the environment (tests, and adapters that take it from elsewhere).
    pub fn with_env_token(store: Arc<dyn CredentialStore>, env_token: Option<String>) -> Self {
        let env_token = env_token
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        Self { store, env_token }
    }

    /// Whether `OUTPOST_TOKEN` is in use; the keychain is then neither read nor written.
    pub fn is_headless(&self) -> bool {
        self.env_token.is_some()
    }

    /// The token to use for `key`: `OUTPOST_TOKEN` if set, else the stored one.
    pub fn token(&self, key: &CredentialKey) -> Result<Option<String>> {
        match &self.env_token {
            Some(token) => Ok(Some(token.clone())),
            None => self.store.get(key),
        }
    }

    /// Like [`Credentials::token`], with "no token" as [`CoreError::NotSignedIn`].
    pub fn require_token(&self, key: &CredentialKey) -> Result<String> {
        self.token(key)?.ok_or(CoreError::NotSignedIn)
    }

    /// Saves the token a login returned. With `OUTPOST_TOKEN` set nothing is stored:
    /// the headless path is read-only and may have no keychain at all.
    pub fn save_token(&self, key: &CredentialKey, token: &str) -> Result<()> {
        if self.is_headless() {
            tracing::info!(account = %key, "{TOKEN_ENV} is set; not storing the session token");
            return Ok(());
        }
        self.store.set(key, token)
    }

    /// Forgets the stored token for `key` (logout). With `OUTPOST_TOKEN` set the
    /// keychain is left alone; unset the variable to sign out.
    pub fn forget(&self, key: &CredentialKey) -> Result<()> {
        if self.is_headless() {
            tracing::info!(account = %key, "{TOKEN_ENV} is set; keychain left unchanged");
            return Ok(());
        }
        self.store.delete(key)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("headless", &self.is_headless())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(email: &str) -> CredentialKey {
        CredentialKey::new(
            "https://desk.example.com",
            EmailAddress::parse(email).expect("valid test email"),
        )
        .expect("valid test server")
    }

    fn memory() -> (Arc<MemoryStore>, Credentials) {
        let store = Arc::new(MemoryStore::new());
        let creds = Credentials::with_env_token(store.clone(), None);
        (store, creds)
    }

    #[test]
    fn memory_store_sets_gets_replaces_and_deletes() {
        let store = MemoryStore::new();
        let k = key("agent@example.com");
        assert_eq!(store.get(&k).unwrap(), None, "a fresh store holds no token");
        store.set(&k, "t1").unwrap();
        store.set(&k, "t2").unwrap();
        assert_eq!(
            store.get(&k).unwrap().as_deref(),
            Some("t2"),
            "set replaces the previous token"
        );
        store.delete(&k).unwrap();
        assert_eq!(store.get(&k).unwrap(), None, "delete removes the token");
        store.delete(&k).expect("deleting a missing token succeeds");
    }

    #[test]
    fn tokens_of_different_accounts_are_kept_apart() {
        let (_, creds) = memory();
        let a = key("a@example.com");
        let b = key("b@example.com");
        let other_server =
            CredentialKey::new("https://other.example.com", a.email().clone()).unwrap();
        creds.save_token(&a, "token-a").unwrap();
        creds.save_token(&b, "token-b").unwrap();
        assert_eq!(creds.token(&a).unwrap().as_deref(), Some("token-a"));
        assert_eq!(creds.token(&b).unwrap().as_deref(), Some("token-b"));
        assert_eq!(
            creds.token(&other_server).unwrap(),
            None,
            "the same email on another server is another session"
        );
        creds.forget(&a).unwrap();
        assert_eq!(creds.token(&a).unwrap(), None);
        assert_eq!(
            creds.token(&b).unwrap().as_deref(),
            Some("token-b"),
            "forgetting one account keeps the others signed in"
        );
    }

    #[test]
    fn missing_token_is_not_signed_in() {
        let (_, creds) = memory();
        let err = creds.require_token(&key("agent@example.com")).unwrap_err();
        assert_eq!(err.code(), "not_signed_in");
    }

    #[test]
    fn env_token_wins_over_the_keychain() {
        let store = Arc::new(MemoryStore::new());
        let k = key("agent@example.com");
        store.set(&k, "from-keychain").unwrap();
        let creds = Credentials::with_env_token(store, Some(" from-env\n".into()));
        assert!(creds.is_headless());
        assert_eq!(
            creds.require_token(&k).unwrap(),
            "from-env",
            "OUTPOST_TOKEN is read before the keychain (and trimmed)"
        );
    }

    #[test]
    fn blank_env_token_counts_as_unset() {
        let store = Arc::new(MemoryStore::new());
        let k = key("agent@example.com");
        store.set(&k, "from-keychain").unwrap();
        let creds = Credentials::with_env_token(store, Some("  ".into()));
        assert!(!creds.is_headless());
        assert_eq!(creds.require_token(&k).unwrap(), "from-keychain");
    }

    #[test]
    fn headless_login_and_logout_never_touch_the_keychain() {
        // A machine with OUTPOST_TOKEN typically has no keychain: any store call fails.
        let store = Arc::new(MemoryStore::unavailable("no session bus"));
        let creds = Credentials::with_env_token(store, Some("from-env".into()));
        let k = key("agent@example.com");
        creds
            .save_token(&k, "fresh-token")
            .expect("login with OUTPOST_TOKEN set must not try to store");
        assert_eq!(creds.require_token(&k).unwrap(), "from-env");
        creds
            .forget(&k)
            .expect("logout with OUTPOST_TOKEN set must not touch the keychain");
    }

    #[test]
    fn missing_keychain_is_reported_with_a_fix_not_worked_around() {
        let creds = Credentials::with_env_token(Arc::new(MemoryStore::unavailable("no bus")), None);
        let k = key("agent@example.com");
        for err in [
            creds.token(&k).unwrap_err(),
            creds.save_token(&k, "t").unwrap_err(),
            creds.forget(&k).unwrap_err(),
        ] {
            assert_eq!(err.code(), "keychain_unavailable");
            let CoreError::KeychainUnavailable { reason, fix } = &err else {
                panic!("expected KeychainUnavailable, got {err:?}");
            };
            assert_eq!(reason, "no bus");
            assert!(
                fix.contains("OUTPOST_TOKEN"),
                "the fix must name the headless way out: {fix}"
            );
        }
    }

    #[test]
    fn keyring_failures_map_to_keychain_unavailable_or_invalid_input() {
        let boxed = |m: &str| -> Box<dyn std::error::Error + Send + Sync> { m.to_owned().into() };
        let cases = [
            (
                keychain_error(keyring::Error::PlatformFailure(boxed(
                    "org.freedesktop.secrets was not provided by any .service files",
                ))),
                "keychain_unavailable",
                PLATFORM_FIX,
            ),
            (
                keychain_error(keyring::Error::NoStorageAccess(boxed(
                    "collection is locked",
                ))),
                "keychain_unavailable",
                LOCKED_FIX,
            ),
            (
                keychain_error(keyring::Error::BadEncoding(vec![0xff])),
                "keychain_unavailable",
                "sign in again to replace it",
            ),
        ];
        for (err, code, fix) in cases {
            assert_eq!(err.code(), code, "{err}");
            assert!(
                matches!(&err, CoreError::KeychainUnavailable { fix: f, .. } if f == fix),
                "{err:?} should carry the fix {fix:?}"
            );
        }
        let too_long = keychain_error(keyring::Error::TooLong("username".into(), 255));
        assert_eq!(too_long.code(), "invalid_input");
        let bad_encoding = keychain_error(keyring::Error::BadEncoding(b"secret\xff".to_vec()));
        assert!(
            !format!("{bad_encoding} {bad_encoding:?}").contains("secret"),
            "undecodable token bytes must not reach the message"
        );
    }

    #[test]
    fn credential_key_normalizes_the_server_url() {
        let email = EmailAddress::parse("Agent@Example.com").unwrap();
        let a = CredentialKey::new("https://Desk.Example.com:443/", email.clone()).unwrap();
        let b = CredentialKey::new(" https://desk.example.com ", email).unwrap();
        assert_eq!(a, b, "one server spelled two ways is one keychain entry");
        assert_eq!(a.account(), "https://desk.example.com|agent@example.com");
        assert_eq!(a.to_string(), a.account());
    }

    #[test]
    fn credential_key_rejects_non_http_servers() {
        let email = EmailAddress::parse("agent@example.com").unwrap();
        for bad in ["desk.example.com", "ftp://desk.example.com", ""] {
            let err = CredentialKey::new(bad, email.clone()).unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{bad:?} is not a server URL");
        }
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let (store, creds) = memory();
        creds
            .save_token(&key("agent@example.com"), "s3cr3t-token")
            .unwrap();
        let headless = Credentials::with_env_token(store.clone(), Some("env-s3cr3t".into()));
        let shown = format!("{store:?} {creds:?} {headless:?}");
        assert!(
            !shown.contains("s3cr3t"),
            "tokens leaked into Debug: {shown}"
        );
    }

    #[test]
    fn stores_are_usable_as_trait_objects_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Credentials>();
        let stores: Vec<Arc<dyn CredentialStore>> =
            vec![Arc::new(MemoryStore::new()), Arc::new(KeyringStore::new())];
        assert_eq!(stores.len(), 2);
    }

    /// Runs against the real OS keychain only when `OUTPOST_TEST_SECRET_SERVICE=1`
    /// (see `scripts/keyring-test.sh`, which starts a private D-Bus session and
    /// gnome-keyring); elsewhere there may be no keychain, or an agent's own one.
    #[test]
    fn keychain_stores_token_in_secret_service() {
        if std::env::var("OUTPOST_TEST_SECRET_SERVICE").as_deref() != Ok("1") {
            eprintln!(
                "skipped keychain_stores_token_in_secret_service: set OUTPOST_TEST_SECRET_SERVICE=1 \
                 (scripts/keyring-test.sh) to run it against a real keychain"
            );
            return;
        }
        let store = KeyringStore::with_service("outpost-test");
        let email = format!("agent-{}@example.com", uuid::Uuid::new_v4().simple());
        let k = CredentialKey::new(
            "https://desk.example.com",
            EmailAddress::parse(&email).unwrap(),
        )
        .unwrap();

        assert_eq!(store.get(&k).unwrap(), None, "a new account has no token");
        store.set(&k, "first-token").unwrap();
        store.set(&k, "second-token").unwrap();
        assert_eq!(
            store.get(&k).unwrap().as_deref(),
            Some("second-token"),
            "the keychain returns the latest token"
        );
        let again = KeyringStore::with_service("outpost-test");
        assert_eq!(
            again.get(&k).unwrap().as_deref(),
            Some("second-token"),
            "the token lives in the keychain, not in the store value"
        );
        store.delete(&k).unwrap();
        assert_eq!(store.get(&k).unwrap(), None, "delete removes the entry");
        store.delete(&k).expect("deleting a missing entry succeeds");
    }

    /// Runs only when `OUTPOST_TEST_NO_KEYCHAIN=1`, which `scripts/keyring-test.sh`
    /// sets together with a session bus address that leads nowhere.
    #[test]
    fn keychain_without_session_bus_is_unavailable_with_a_fix() {
        if std::env::var("OUTPOST_TEST_NO_KEYCHAIN").as_deref() != Ok("1") {
            eprintln!(
                "skipped keychain_without_session_bus_is_unavailable_with_a_fix: set \
                 OUTPOST_TEST_NO_KEYCHAIN=1 with an unreachable DBUS_SESSION_BUS_ADDRESS"
            );
            return;
        }
        let store = KeyringStore::with_service("outpost-test");
        let k = key("agent@example.com");
        let err = store.get(&k).unwrap_err();
        let CoreError::KeychainUnavailable { fix, .. } = &err else {
            panic!("expected KeychainUnavailable, got {err:?}");
        };
        assert!(
            fix.contains("OUTPOST_TOKEN"),
            "the fix must name the headless way out: {fix}"
        );
        eprintln!("as an agent sees it: {err}");
        let err = store.set(&k, "t").unwrap_err();
        assert_eq!(
            err.code(),
            "keychain_unavailable",
            "no plaintext fallback on set: {err}"
        );
    }
}
