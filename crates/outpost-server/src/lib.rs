//! The Outpost server as a library: [`serve`] runs it on any listener (tests bind
//! `127.0.0.1:0`); the binary is a thin command-line wrapper.

pub mod apis;
pub mod auth;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod files;
pub mod http;
pub mod service;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

use crate::apis::Apis;
use crate::db::{Db, Engine};
use crate::http::ratelimit::{Limits, Rate};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Server configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// `sqlite://PATH?mode=rwc` or `postgres://…`.
    pub database_url: String,
    /// Keep attachment files in this directory instead of the default store.
    pub files_dir: Option<std::path::PathBuf>,
    /// The route families to serve (`--apis`); every one by default.
    pub apis: Apis,
}

/// Per-token API rate: `OUTPOST_RATE_LIMIT` requests per second (burst 4×); `0`
/// disables it. Default 50/s, generous for people and sync clients, a brake on loops.
fn token_rate() -> Option<Rate> {
    let per_second = std::env::var("OUTPOST_RATE_LIMIT")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(50.0);
    (per_second > 0.0).then_some(Rate {
        per_second,
        burst: per_second * 4.0,
    })
}

/// Connects to the database (applying migrations) and serves until `shutdown` resolves.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mut db = Db::connect(&config.database_url).await?;
    if let Some(dir) = config.files_dir {
        db.use_files_dir(dir);
    }
    if db.engine() == Engine::Postgres {
        // Listening before serving: nothing this process caches can miss a revocation.
        events::start_pg_listener(db.clone(), &config.database_url).await?;
    }
    serve_db(db, config.apis, listener, shutdown).await
}

/// Serves the route families `apis` over an already opened database (tests share the
/// handle to seed data).
pub async fn serve_db(
    db: Db,
    apis: Apis,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let actors = Arc::new(http::actors::ActorCache::default());
    actors.clone().follow(&db);
    let state = http::AppState {
        db: db.clone(),
        limits: Arc::new(Limits::new(token_rate())),
        actors,
        shutdown: stop_rx,
    };
    let app = http::router(state, apis);
    tracing::info!(addr = %listener.local_addr()?, engine = ?db.engine(), files = %db.blobs().describe(), %apis, "outpost-server listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    })
    .await?;
    db.close().await;
    Ok(())
}
