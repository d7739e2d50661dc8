//! The server under test: its binary, its demo database (a cached SQLite file or a
//! fresh PostgreSQL database), and the `serve` child process.

use crate::http::Conn;
use anyhow::{Context, Result, bail};
use hyper::{Method, StatusCode};
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Connection, Executor};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// Where the bench keeps its cached SQLite databases, working copies and server logs.
pub const WORK_DIR: &str = "/var/tmp/outpost-bench";

/// `--server-bin`, else `$CARGO_TARGET_DIR/release/outpost-server`, else the shared
/// build cache `/var/tmp/outpost-target/release/outpost-server`.
pub fn locate_binary(explicit: Option<&Path>) -> Result<PathBuf> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/var/tmp/outpost-target"));
            target.join("release").join("outpost-server")
        }
    };
    if !path.is_file() {
        bail!(
            "server binary {} not found; build it with `cargo build --release -p outpost-server` (or `make bench`), or pass --server-bin",
            path.display()
        );
    }
    Ok(path)
}

/// Where an SQLite benchmark database keeps its attachment files: one directory for
/// every cached and working copy (files are keyed by content, so copies share them and
/// a copied or renamed database still finds its files). PostgreSQL keeps them itself.
fn files_dir(url: &str) -> Option<PathBuf> {
    url.starts_with("sqlite:")
        .then(|| Path::new(WORK_DIR).join("files"))
}

/// Runs `outpost-server demo` and returns how long it took.
pub async fn generate_demo(bin: &Path, url: &str, tickets: u64, messages: u64) -> Result<Duration> {
    let started = Instant::now();
    let out = Command::new(bin)
        .args(["demo", "--database-url", url])
        .args(["--tickets", &tickets.to_string()])
        .args(["--messages-per-ticket", &messages.to_string()])
        .args(files_dir(url).map(|d| format!("--files-dir={}", d.display())))
        .env(
            "OUTPOST_LOG",
            std::env::var("OUTPOST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .await
        .with_context(|| format!("running {} demo", bin.display()))?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        bail!(
            "`outpost-server demo` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
    }
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if line.starts_with("Tenant ") {
            crate::say(&format!("    {line}"));
        }
    }
    Ok(elapsed)
}

/// A key that changes when the SQLite schema does, so a cached database made by an
/// older schema is not reused. Hashes the migration files of the source tree the
/// bench was built from (absent: a fixed key).
fn schema_key(engine: &str) -> String {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../migrations/server-{engine}"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(
            f.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        h.update(std::fs::read(&f).unwrap_or_default());
    }
    h.finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn companions(path: &Path) -> [PathBuf; 2] {
    let s = path.as_os_str().to_owned();
    let with = |suffix: &str| {
        let mut p = s.clone();
        p.push(suffix);
        PathBuf::from(p)
    };
    [with("-wal"), with("-shm")]
}

fn remove_db(path: &Path) {
    let _ = std::fs::remove_file(path);
    for c in companions(path) {
        let _ = std::fs::remove_file(c);
    }
}

/// A SQLite working database for one run: a copy of the cached demo database
/// (generated first when there is none of this size), deleted on drop.
pub struct SqliteDb {
    pub path: PathBuf,
    pub url: String,
}

impl SqliteDb {
    pub async fn prepare(bin: &Path, tickets: u64, messages: u64, fresh: bool) -> Result<Self> {
        let dir = Path::new(WORK_DIR);
        std::fs::create_dir_all(dir).with_context(|| format!("creating {WORK_DIR}"))?;
        let stem = format!("sqlite-{tickets}t-{messages}m");
        let cached = dir.join(format!("{stem}-{}.db", schema_key("sqlite")));
        let timing = cached.with_extension("seconds");
        if fresh {
            remove_db(&cached);
        }
        if cached.is_file() {
            let took = std::fs::read_to_string(&timing)
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .map(|s| format!(" (its generation took {s:.1} s)"))
                .unwrap_or_default();
            crate::say(&format!(
                "  demo data: reusing cached SQLite database {}{took}; pass --fresh to regenerate",
                cached.display()
            ));
        } else {
            // Caches of this size made by another schema are stale.
            if let Ok(rd) = std::fs::read_dir(dir) {
                for e in rd.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.starts_with(&format!("{stem}-")) {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
            let partial = dir.join(format!("{stem}.partial.db"));
            remove_db(&partial);
            crate::say(&format!(
                "  demo data: generating {tickets} tickets x {messages} messages per tenant into {} ...",
                cached.display()
            ));
            let took = generate_demo(bin, &sqlite_url(&partial), tickets, messages).await?;
            crate::say(&format!(
                "  demo data: generated in {:.1} s (cached for the next runs)",
                took.as_secs_f64()
            ));
            for (from, to) in companions(&partial).iter().zip(companions(&cached).iter()) {
                if from.exists() {
                    std::fs::rename(from, to).context("moving the generated database")?;
                }
            }
            std::fs::rename(&partial, &cached).context("moving the generated database")?;
            let _ = std::fs::write(&timing, format!("{:.3}\n", took.as_secs_f64()));
        }
        let work = dir.join(format!("run-{}.db", std::process::id()));
        remove_db(&work);
        let started = Instant::now();
        std::fs::copy(&cached, &work).context("copying the cached database")?;
        for (from, to) in companions(&cached).iter().zip(companions(&work).iter()) {
            if from.exists() {
                std::fs::copy(from, to).context("copying the cached database")?;
            }
        }
        let size = std::fs::metadata(&work).map(|m| m.len()).unwrap_or(0);
        crate::say(&format!(
            "  working copy {} ({:.0} MiB, copied in {:.1} s; the cache stays untouched by the writes below)",
            work.display(),
            size as f64 / 1048576.0,
            started.elapsed().as_secs_f64()
        ));
        Ok(Self {
            url: sqlite_url(&work),
            path: work,
        })
    }
}

impl Drop for SqliteDb {
    fn drop(&mut self) {
        remove_db(&self.path);
    }
}

/// A PostgreSQL working database for one run: a copy (`CREATE DATABASE … TEMPLATE`)
/// of a cached demo database, which is generated and analyzed first when there is none
/// of this size and schema; [`PgDb::drop_db`] removes the copy, the cache stays.
pub struct PgDb {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDb {
    pub async fn prepare(
        admin_base: &str,
        bin: &Path,
        tickets: u64,
        messages: u64,
        fresh: bool,
    ) -> Result<Self> {
        let base = admin_base.trim_end_matches('/');
        let admin_url = format!("{base}/postgres");
        let mut admin = sqlx::postgres::PgConnection::connect(&admin_url)
            .await
            .with_context(|| format!("connecting to {admin_url}"))?;
        let stem = format!("outpost_bench_cache_{tickets}t_{messages}m_");
        let cached = format!("{stem}{}", schema_key("postgres"));
        let exists: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&cached)
                .fetch_optional(&mut admin)
                .await?;
        if exists.is_some() && !fresh {
            crate::say(&format!(
                "  demo data: reusing cached PostgreSQL database {cached}; pass --fresh to regenerate"
            ));
        } else {
            // Caches of this size made by another schema (or asked to be redone) are stale.
            let stale: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
            )
            .bind(&stem)
            .fetch_all(&mut admin)
            .await?;
            for name in stale {
                drop_database(&mut admin, &name).await?;
            }
            let partial = format!("{stem}partial");
            drop_database(&mut admin, &partial).await?;
            admin
                .execute(AssertSqlSafe(format!("CREATE DATABASE {partial}")))
                .await
                .with_context(|| format!("creating database {partial}"))?;
            crate::say(&format!(
                "  demo data: generating {tickets} tickets x {messages} messages per tenant into {cached} ..."
            ));
            let url = format!("{base}/{partial}");
            let took = generate_demo(bin, &url, tickets, messages).await?;
            crate::say(&format!(
                "  demo data: generated in {:.1} s (cached for the next runs)",
                took.as_secs_f64()
            ));
            let analyzed = analyze(&url).await?;
            crate::say(&format!(
                "  ANALYZE after the bulk load ({:.1} s), as autovacuum would do shortly after it",
                analyzed.as_secs_f64()
            ));
            admin
                .execute(AssertSqlSafe(format!(
                    "ALTER DATABASE {partial} RENAME TO {cached}"
                )))
                .await
                .context("naming the cached database")?;
        }
        let name = format!("outpost_bench_{}", std::process::id());
        drop_database(&mut admin, &name).await?;
        let started = Instant::now();
        // PostgreSQL 15 copies through the WAL by default: for a 1M-ticket cache
        // (18 GB) that is as much WAL again, and slow. A file copy writes neither.
        let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
            .fetch_one(&mut admin)
            .await
            .context("reading the PostgreSQL version")?;
        let strategy = if version >= 150000 {
            " STRATEGY = FILE_COPY"
        } else {
            ""
        };
        admin
            .execute(AssertSqlSafe(format!(
                "CREATE DATABASE {name} TEMPLATE {cached}{strategy}"
            )))
            .await
            .with_context(|| format!("copying {cached} to {name}"))?;
        crate::say(&format!(
            "  working copy {name} (copied in {:.1} s, dropped at the end; the cache stays untouched by the writes below)",
            started.elapsed().as_secs_f64()
        ));
        let _ = admin.close().await;
        Ok(Self {
            url: format!("{base}/{name}"),
            admin_url,
            name,
        })
    }

    pub async fn drop_db(&self) -> Result<()> {
        let mut conn = sqlx::postgres::PgConnection::connect(&self.admin_url)
            .await
            .with_context(|| format!("connecting to {}", self.admin_url))?;
        drop_database(&mut conn, &self.name).await?;
        let _ = conn.close().await;
        Ok(())
    }
}

async fn drop_database(admin: &mut sqlx::postgres::PgConnection, name: &str) -> Result<()> {
    admin
        .execute(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .await
        .with_context(|| format!("dropping database {name}"))?;
    Ok(())
}

/// Refreshes the planner statistics after the bulk load, as autovacuum would within a
/// minute or so; measuring before that would time plans made for an empty table. The
/// statistics travel with the cached database into each copy.
async fn analyze(url: &str) -> Result<Duration> {
    let started = Instant::now();
    let mut conn = sqlx::postgres::PgConnection::connect(url)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    conn.execute("ANALYZE").await.context("ANALYZE")?;
    let _ = conn.close().await;
    Ok(started.elapsed())
}

/// A running `outpost-server serve`; killed on drop if not stopped before.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
}

impl Server {
    /// `outpost-server serve` on `url` and a free loopback port, with `extra` arguments
    /// (e.g. `["--apis", "ondi"]`); its log is `server-{label}.log` in [`WORK_DIR`].
    pub async fn start(bin: &Path, url: &str, label: &str, extra: &[&str]) -> Result<Self> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
            l.local_addr()?.port()
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        std::fs::create_dir_all(WORK_DIR).with_context(|| format!("creating {WORK_DIR}"))?;
        let log = Path::new(WORK_DIR).join(format!("server-{label}.log"));
        let log_file =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(bin)
            .args(["serve", "--database-url", url, "--bind", &addr.to_string()])
            .args(files_dir(url).map(|d| format!("--files-dir={}", d.display())))
            .args(extra)
            .env("OUTPOST_RATE_LIMIT", "0")
            .env(
                "OUTPOST_LOG",
                std::env::var("OUTPOST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().context("opening the server log")?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} serve", bin.display()))?;
        let mut server = Self { child, addr, log };
        server.wait_healthy(Duration::from_secs(120)).await?;
        Ok(server)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// "up on ADDR in S s (pid P, log L)", for a server started `took` after asking.
    pub fn up_line(&self, took: Duration) -> String {
        format!(
            "up on {} in {:.1} s (pid {}, log {})",
            self.addr,
            took.as_secs_f64(),
            self.pid().unwrap_or(0),
            self.log.display()
        )
    }

    /// Fails when the server process has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self
            .child
            .try_wait()
            .context("checking the server process")?
        {
            bail!(
                "the server exited ({status}); see {}:\n{}",
                self.log.display(),
                self.log_tail()
            );
        }
        Ok(())
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    async fn wait_healthy(&mut self, limit: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            self.check_alive()?;
            if let Ok(mut c) = Conn::connect(self.addr).await
                && let Ok((StatusCode::OK, _)) =
                    c.request(Method::GET, "/healthz", None, None).await
            {
                return Ok(());
            }
            if started.elapsed() > limit {
                bail!(
                    "the server did not answer /healthz within {limit:?}; see {}:\n{}",
                    self.log.display(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM (graceful shutdown), then SIGKILL after a few seconds.
    pub async fn stop(mut self) -> Result<()> {
        self.check_alive()?;
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(Ok(_)) => Ok(()),
            _ => {
                let _ = self.child.kill().await;
                Ok(())
            }
        }
    }
}

/// Creates an API key acting as `email` in `tenant` (`outpost-server admin api-key
/// create`, both ticket scopes) and returns it.
#[allow(dead_code, reason = "only outpost-client-bench signs in with API keys")]
pub async fn create_api_key(
    bin: &Path,
    url: &str,
    tenant: &str,
    email: &str,
    name: &str,
) -> Result<String> {
    let out = Command::new(bin)
        .args(["admin", "--database-url", url])
        .args(files_dir(url).map(|d| format!("--files-dir={}", d.display())))
        .args(["api-key", "create", "--tenant", tenant, "--email", email])
        .args(["--name", name, "--scopes", "tickets:read,tickets:write"])
        .env(
            "OUTPOST_LOG",
            std::env::var("OUTPOST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("running {} admin api-key create", bin.display()))?;
    let key = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || key.is_empty() {
        bail!(
            "`outpost-server admin api-key create` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(key)
}

/// The CPU the server and this process had used at one moment.
pub struct CpuMark {
    pids: Vec<Option<u32>>,
    server: Option<f64>,
    client: Option<f64>,
}

impl CpuMark {
    #[allow(dead_code, reason = "outpost-bench marks a list of servers")]
    pub fn now(srv: &Server) -> Self {
        Self::of(std::slice::from_ref(srv))
    }

    /// A mark over several server processes, whose CPU is added up.
    pub fn of(servers: &[Server]) -> Self {
        let pids: Vec<Option<u32>> = servers.iter().map(Server::pid).collect();
        Self {
            server: total_cpu(&pids),
            pids,
            client: cpu_seconds(None),
        }
    }

    /// CPU seconds the servers and this process used since the mark (Linux only).
    pub fn since(&self) -> (Option<f64>, Option<f64>) {
        let used = |now: Option<f64>, then: Option<f64>| now.zip(then).map(|(b, a)| b - a);
        (
            used(total_cpu(&self.pids), self.server),
            used(cpu_seconds(None), self.client),
        )
    }
}

fn total_cpu(pids: &[Option<u32>]) -> Option<f64> {
    pids.iter().map(|&p| cpu_seconds(p)).sum()
}

/// CPU seconds (user + system) a process has used so far, from /proc (Linux only).
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".into(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every mainstream Linux build.
    Some(ticks / 100.0)
}

/// The 1-minute load average (Linux only): other work on the machine skews results.
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_owned)
}
