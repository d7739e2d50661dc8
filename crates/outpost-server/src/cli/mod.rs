//! Command-line adapters: each verb parses its arguments and calls one service function.

pub mod admin;
pub mod demo;

use anyhow::Context;

/// Where the database is: `sqlite://PATH?mode=rwc` (default: a file in the platform data
/// directory) or `postgres://…`.
#[derive(clap::Args, Clone, Debug)]
pub struct DatabaseArg {
    #[arg(long = "database-url", env = "OUTPOST_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DatabaseArg {
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(u) = &self.database_url {
            return Ok(u.clone());
        }
        let dir = dirs::data_dir()
            .context("no platform data directory; pass --database-url")?
            .join("outpost");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            dir.join("outpost.db").display()
        ))
    }
}
