//! A real `outpost-server` with demo data on 127.0.0.1:0 over a temporary SQLite file
//! (same as the CLI tests' harness), for the command tests.

#![allow(dead_code)]

use outpost_server::db::Db;
use std::path::PathBuf;

pub struct DemoServer {
    pub base: String,
    pub db: Db,
    /// Temporary directory for the server database and the tests' profiles.
    pub dir: PathBuf,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl DemoServer {
    pub async fn start(tag: &str, tickets: usize, messages: usize) -> DemoServer {
        let dir =
            std::env::temp_dir().join(format!("outpost-{tag}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::connect(&format!(
            "sqlite://{}?mode=rwc",
            dir.join("server.db").display()
        ))
        .await
        .unwrap();
        outpost_server::demo::generate(
            &db,
            &outpost_server::demo::DemoOptions {
                tickets_per_tenant: tickets,
                messages_per_ticket: messages,
            },
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let served = db.clone();
        let task = tokio::spawn(async move {
            outpost_server::serve_db(served, listener, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
        DemoServer {
            base,
            db,
            dir,
            stop,
            task,
        }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
