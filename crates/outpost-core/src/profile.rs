//! Profiles: one directory per server + account, holding `profile.json` (who is signed
//! in where; never the token, which lives in the keychain, see [`crate::credentials`])
//! and the cache `cache.db` with its WAL files. Several profiles let one agent work for
//! several servers or accounts without their caches mixing.
//!
//! Which directory: `--profile DIR` if given, else `OUTPOST_PROFILE`, else
//! `<data dir>/outpost/profiles/default` (`~/.local/share` on Linux,
//! `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).

use crate::credentials::CredentialKey;
use crate::error::{CoreError, Result};
use crate::remote::Api;
use outpost_domain::{EmailAddress, TenantId, UserId};
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Environment variable naming the profile directory when `--profile` is not given.
pub const PROFILE_ENV: &str = "OUTPOST_PROFILE";

const CONFIG_FILE: &str = "profile.json";
const CACHE_FILE: &str = "cache.db";

/// Who is signed in where, as saved in `profile.json`. Holds no secret: the token is in
/// the OS keychain under [`ProfileConfig::credential_key`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileConfig {
    /// Base URL of the Outpost server, e.g. `https://desk.example.com`.
    pub server: String,
    pub email: EmailAddress,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    /// The agent's name as the server knows it, for the UI.
    pub display_name: String,
    /// The API the server is spoken to with: the native sync protocol unless the agent
    /// signed in through a connector (`outpost login --api ondi`). Older profiles have
    /// no such field and are native.
    #[serde(default)]
    pub api: Api,
}

impl ProfileConfig {
    /// The keychain entry of this account's token.
    pub fn credential_key(&self) -> Result<CredentialKey> {
        CredentialKey::new(&self.server, self.email.clone())
    }
}

/// A profile directory (which may not exist yet: it is created on first save).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    dir: PathBuf,
}

impl Profile {
    /// Picks the profile: `explicit` (from `--profile`), else `OUTPOST_PROFILE`, else
    /// the default profile under the user's data directory. Relative paths are made
    /// absolute against the current directory now, so a later `chdir` cannot move the
    /// profile.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Self> {
        Self::resolve_from(explicit, std::env::var_os(PROFILE_ENV), dirs::data_dir())
    }

    /// [`Profile::resolve`] with the environment and data directory passed in.
    fn resolve_from(
        explicit: Option<PathBuf>,
        env: Option<OsString>,
        data_dir: Option<PathBuf>,
    ) -> Result<Self> {
        let dir = match (explicit, env.filter(|v| !v.is_empty())) {
            (Some(dir), _) if dir.as_os_str().is_empty() => {
                return Err(CoreError::Profile("--profile needs a directory".into()));
            }
            (Some(dir), _) => dir,
            (None, Some(env)) => PathBuf::from(env),
            (None, None) => data_dir
                .ok_or_else(|| {
                    CoreError::Profile(format!(
                        "this user has no data directory; pass --profile DIR or set \
                         {PROFILE_ENV}"
                    ))
                })?
                .join("outpost")
                .join("profiles")
                .join("default"),
        };
        let dir = std::path::absolute(&dir).map_err(CoreError::io(format!(
            "resolving profile directory {}",
            dir.display()
        )))?;
        if dir.exists() && !dir.is_dir() {
            return Err(CoreError::Profile(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        Ok(Self { dir })
    }

    /// The profile in `dir`, as given.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of `profile.json`.
    pub fn config_path(&self) -> PathBuf {
        self.dir.join(CONFIG_FILE)
    }

    /// Path of the cache database (`cache.db`); see [`crate::cache::Cache::open`].
    pub fn cache_path(&self) -> PathBuf {
        self.dir.join(CACHE_FILE)
    }

    /// Creates the profile directory if needed, readable by its owner only on Unix (the
    /// cache holds customer conversations).
    pub fn create_dir(&self) -> Result<()> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir).map_err(CoreError::io(format!(
            "creating profile directory {}",
            self.dir.display()
        )))
    }

    /// The saved sign-in, or `None` for a profile nobody signed in to yet.
    pub fn config(&self) -> Result<Option<ProfileConfig>> {
        let path = self.config_path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(CoreError::io(format!("reading {}", path.display()))(e)),
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            CoreError::Profile(format!(
                "{} is damaged ({e}); sign in again to rewrite it",
                path.display()
            ))
        })
    }

    /// Saves the sign-in. Atomic: written to a temporary file in the same directory,
    /// flushed, then renamed over `profile.json`, so a crash leaves the old or the new
    /// file, never half of one. Owner-only (0600) on Unix.
    #[tracing::instrument(level = "debug", skip_all, fields(dir = %self.dir.display()))]
    pub fn save_config(&self, config: &ProfileConfig) -> Result<()> {
        self.create_dir()?;
        let json = serde_json::to_vec_pretty(config)
            .map_err(|e| CoreError::Profile(format!("cannot encode profile.json: {e}")))?;
        let path = self.config_path();
        let tmp = self.dir.join(format!(
            ".{CONFIG_FILE}.{}.tmp",
            uuid::Uuid::new_v4().simple()
        ));
        let written = write_new_private(&tmp, &json).and_then(|()| fs::rename(&tmp, &path));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(disk_error(format!("saving {}", path.display()), e));
        }
        sync_dir(&self.dir);
        Ok(())
    }

    /// Removes the cache (`cache.db` and its `-wal`/`-shm` files) and `profile.json`,
    /// leaving the directory and anything else in it. Files already gone are fine. The
    /// keychain token is not touched: forget it first with
    /// [`crate::credentials::Credentials::forget`] while the config still names it.
    #[tracing::instrument(level = "debug", skip_all, fields(dir = %self.dir.display()))]
    pub fn wipe(&self) -> Result<()> {
        let cache = self.cache_path();
        let mut wal = cache.clone().into_os_string();
        wal.push("-wal");
        let mut shm = cache.clone().into_os_string();
        shm.push("-shm");
        // The config goes last: a wipe interrupted midway still knows who it was for.
        for path in [cache, wal.into(), shm.into(), self.config_path()] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(CoreError::io(format!("removing {}", path.display()))(e)),
            }
        }
        Ok(())
    }

    /// The keychain entry of this profile's token, from `profile.json`;
    /// [`CoreError::NotSignedIn`] when nobody signed in to this profile.
    pub fn credential_key(&self) -> Result<CredentialKey> {
        self.config()?
            .ok_or(CoreError::NotSignedIn)?
            .credential_key()
    }
}

/// Creates `path` (which must not exist) with owner-only permissions on Unix and writes
/// `bytes` durably.
fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes a rename in `dir` durable. Best effort: some filesystems refuse to sync a
/// directory, and the rename itself has already succeeded.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(e) = fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(error = %e, "could not sync the profile directory");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// An I/O error, reported as [`CoreError::DiskFull`] when that is what it is.
fn disk_error(context: String, e: io::Error) -> CoreError {
    if e.kind() == io::ErrorKind::StorageFull {
        CoreError::DiskFull
    } else {
        CoreError::io(context)(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ProfileConfig {
        ProfileConfig {
            server: "https://desk.example.com/".into(),
            email: EmailAddress::parse("agent@example.com").unwrap(),
            user_id: UserId::new(),
            tenant_id: TenantId::new(),
            display_name: "Ada Agent".into(),
            api: Api::Native,
        }
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn explicit_dir_wins_over_env_and_default() {
        let tmp = tempfile::tempdir().unwrap();
        let explicit = tmp.path().join("explicit");
        let profile = Profile::resolve_from(
            Some(explicit.clone()),
            Some(tmp.path().join("env").into()),
            Some(tmp.path().join("data")),
        )
        .unwrap();
        assert_eq!(profile.dir(), explicit, "--profile beats OUTPOST_PROFILE");
    }

    #[test]
    fn env_dir_wins_over_default() {
        let tmp = tempfile::tempdir().unwrap();
        let env = tmp.path().join("env");
        let profile = Profile::resolve_from(
            None,
            Some(env.clone().into()),
            Some(tmp.path().join("data")),
        )
        .unwrap();
        assert_eq!(profile.dir(), env);
    }

    #[test]
    fn default_profile_lives_under_the_data_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        for env in [None, Some(OsString::new())] {
            let profile = Profile::resolve_from(None, env, Some(data.clone())).unwrap();
            assert_eq!(
                profile.dir(),
                data.join("outpost/profiles/default"),
                "no --profile and no (or an empty) OUTPOST_PROFILE means the default"
            );
        }
        assert!(
            !data.join("outpost").exists(),
            "resolving must not create anything"
        );
    }

    #[test]
    fn no_data_dir_and_no_choice_is_a_profile_error() {
        let err = Profile::resolve_from(None, None, None).unwrap_err();
        assert_eq!(err.code(), "profile");
        assert!(err.to_string().contains("--profile"), "{err}");
    }

    #[test]
    fn relative_dir_is_made_absolute() {
        let profile = Profile::resolve_from(Some("some/profile".into()), None, None).unwrap();
        assert!(profile.dir().is_absolute(), "{}", profile.dir().display());
        assert!(profile.dir().ends_with("some/profile"));
    }

    #[test]
    fn a_file_is_not_a_profile_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        fs::write(&file, b"x").unwrap();
        let err = Profile::resolve_from(Some(file), None, None).unwrap_err();
        assert_eq!(err.code(), "profile");
        let err = Profile::resolve_from(Some(PathBuf::new()), None, None).unwrap_err();
        assert_eq!(err.code(), "profile", "an empty --profile is refused");
    }

    #[test]
    fn fresh_profile_has_no_config_and_is_not_signed_in() {
        let tmp = tempfile::tempdir().unwrap();
        let profile = Profile::at(tmp.path().join("new"));
        assert_eq!(profile.config().unwrap(), None);
        assert_eq!(
            profile.credential_key().unwrap_err().code(),
            "not_signed_in"
        );
    }

    #[test]
    fn saved_config_reads_back_and_holds_no_token() {
        let tmp = tempfile::tempdir().unwrap();
        let profile = Profile::at(tmp.path().join("nested/profile"));
        let cfg = config();
        profile.save_config(&cfg).unwrap();
        assert_eq!(profile.config().unwrap(), Some(cfg));
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(profile.config_path()).unwrap()).unwrap();
        let mut fields: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "api",
                "display_name",
                "email",
                "server",
                "tenant_id",
                "user_id"
            ],
            "profile.json holds who and where, never a token"
        );
    }

    #[test]
    fn saving_again_replaces_the_config_and_leaves_no_temp_file() {
        let tmp = tempfile::tempdir().unwrap();
        let profile = Profile::at(tmp.path());
        profile.save_config(&config()).unwrap();
        let second = ProfileConfig {
            display_name: "Ada B. Agent".into(),
            ..config()
        };
        profile.save_config(&second).unwrap();
        assert_eq!(profile.config().unwrap(), Some(second));
        assert_eq!(
            names_in(tmp.path()),
            ["profile.json"],
            "the temp file was renamed away"
        );
    }

    #[cfg(unix)]
    #[test]
    fn config_and_profile_dir_are_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let profile = Profile::at(tmp.path().join("p"));
        profile.save_config(&config()).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&profile.config_path()),
            0o600,
            "profile.json is owner-only"
        );
        assert_eq!(
            mode(profile.dir()),
            0o700,
            "the profile directory is owner-only"
        );
    }

    #[test]
    fn damaged_config_is_a_profile_error_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let profile = Profile::at(tmp.path());
        fs::write(profile.config_path(), b"{\"server\": ").unwrap();
        let err = profile.config().unwrap_err();
        assert_eq!(err.code(), "profile");
        assert!(err.to_string().contains("profile.json"), "{err}");
    }

    #[test]
    fn wipe_removes_cache_files_and_config_only() {
        let tmp = tempfile::tempdir().unwrap();
        let profile = Profile::at(tmp.path());
        profile.save_config(&config()).unwrap();
        for name in ["cache.db", "cache.db-wal", "cache.db-shm", "notes.txt"] {
            fs::write(tmp.path().join(name), b"x").unwrap();
        }
        profile.wipe().unwrap();
        assert_eq!(
            names_in(tmp.path()),
            ["notes.txt"],
            "wipe removes the cache and profile.json, nothing the agent put there"
        );
        assert_eq!(profile.config().unwrap(), None);
        profile.wipe().expect("wiping an empty profile succeeds");
    }

    #[test]
    fn credential_key_comes_from_server_and_email() {
        let tmp = tempfile::tempdir().unwrap();
        let profile = Profile::at(tmp.path());
        profile.save_config(&config()).unwrap();
        let key = profile.credential_key().unwrap();
        assert_eq!(key.account(), "https://desk.example.com|agent@example.com");
        assert_eq!(profile.cache_path(), tmp.path().join("cache.db"));
    }
}
