//! In-process servers for the tests of the crates built on this one (the client core,
//! the CLI, the desktop shell): a real server on 127.0.0.1:0 over a temporary SQLite
//! file, stopped cleanly at the end. Behind the `testing` feature; never in the binary.

use crate::apis::Apis;
use crate::db::Db;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A fresh directory under the system temp dir, named after `tag`.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("outpost-{tag}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// `db` served on 127.0.0.1 at a free port until [`Running::stop`].
pub struct Running {
    pub base: String,
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Serves every route family.
    pub async fn spawn(db: Db) -> Running {
        Running::spawn_apis(db, Apis::all()).await
    }

    /// Serves only the route families `apis` (e.g. a seed API alone, for a
    /// connector's tests).
    pub async fn spawn_apis(db: Db, apis: Apis) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            crate::serve_db(db, apis, listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("server ran");
        });
        Running {
            base: format!("http://{addr}"),
            addr,
            stop,
            task,
        }
    }

    /// Graceful shutdown; a server that does not finish within 10 s is left behind
    /// rather than hanging the test.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

/// A server over its own fresh SQLite database, in a temporary directory that
/// [`Served::stop`] removes (tests put their profiles there too).
pub struct Served {
    pub base: String,
    pub addr: SocketAddr,
    pub db: Db,
    pub dir: PathBuf,
    running: Running,
}

impl Served {
    /// `seed` fills the fresh database before the server starts; its result is
    /// returned beside the server.
    pub async fn start<T>(tag: &str, seed: impl AsyncFnOnce(&Db) -> T) -> (Served, T) {
        Served::start_apis(tag, Apis::all(), seed).await
    }

    /// Like [`Served::start`], serving only the route families `apis`.
    pub async fn start_apis<T>(
        tag: &str,
        apis: Apis,
        seed: impl AsyncFnOnce(&Db) -> T,
    ) -> (Served, T) {
        let dir = temp_dir(tag);
        let url = format!("sqlite://{}?mode=rwc", dir.join("server.db").display());
        let db = Db::connect(&url).await.expect("connect the test database");
        let seeded = seed(&db).await;
        let running = Running::spawn_apis(db.clone(), apis).await;
        let served = Served {
            base: running.base.clone(),
            addr: running.addr,
            db,
            dir,
            running,
        };
        (served, seeded)
    }

    /// A server with the `demo` command's tenants and accounts, and `tickets` tickets
    /// per demo tenant, each with `messages` messages.
    pub async fn demo(tag: &str, tickets: usize, messages: usize) -> Served {
        let options = crate::demo::DemoOptions {
            tickets_per_tenant: tickets,
            messages_per_ticket: messages,
        };
        let (served, ()) = Served::start(tag, async |db| {
            crate::demo::generate(db, &options)
                .await
                .expect("generate demo data");
        })
        .await;
        served
    }

    pub async fn stop(self) {
        self.running.stop().await;
        self.db.close().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
