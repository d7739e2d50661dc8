//! `outpost-server`: serve the API, fill a database with demo data, administer tenants.

use anyhow::Context;
use clap::{Parser, Subcommand};
use outpost_server::Config;
use outpost_server::apis::Apis;
use std::net::SocketAddr;

mod cli;

#[derive(Parser)]
#[command(
    name = "outpost-server",
    version,
    about = "The Outpost helpdesk server"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (seed APIs, sync protocol, OpenAPI document).
    Serve {
        #[command(flatten)]
        db: cli::DatabaseArg,
        /// Address to listen on.
        #[arg(long, env = "OUTPOST_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// Route families to serve, comma-separated: native (sync), ondi (seeds 000 and
        /// 003), sonzai (001), workspace (002), 29next (004). Login (/auth/v1),
        /// /openapi.json and /healthz are always served.
        #[arg(long, env = "OUTPOST_APIS", default_value_t = Apis::all())]
        apis: Apis,
    },
    /// Fill the database with two demo tenants (`demo`, `acme`) and realistic tickets.
    Demo(cli::demo::DemoArgs),
    /// Administer tenants, users, teams, tags and support settings.
    Admin {
        #[command(flatten)]
        db: cli::DatabaseArg,
        #[command(subcommand)]
        command: cli::admin::AdminCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let quiet = matches!(args.command, Command::Openapi)
        || matches!(&args.command, Command::Demo(d) if d.json);
    init_tracing(quiet);
    match args.command {
        Command::Serve { db, bind, apis } => {
            let url = db.url()?;
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("binding {bind}"))?;
            let config = Config {
                database_url: url,
                files_dir: db.files_dir,
                apis,
            };
            outpost_server::serve(config, listener, shutdown_signal())
                .await
                .context("serving")
        }
        Command::Demo(args) => {
            let db = args.db.open().await?;
            cli::demo::run(&db, &args).await
        }
        Command::Admin { db, command } => {
            let db = db.open().await?;
            cli::admin::run(db, command).await
        }
        Command::Openapi => {
            let doc = outpost_server::http::openapi_json();
            std::io::Write::write_all(&mut std::io::stdout(), doc.as_bytes())
                .context("writing to stdout")?;
            Ok(())
        }
    }
}

fn init_tracing(quiet: bool) {
    // Quiet commands (demo data, the API document) write in bulk through a busy pool:
    // sqlx's slow-acquire warnings are expected there and say nothing to the user.
    let default = if quiet {
        "warn,sqlx::pool::acquire=error"
    } else {
        "info,sqlx=warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("OUTPOST_LOG")
        .unwrap_or_else(|_| default.into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
