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
    /// Where attachment files are kept: a directory. Default: `PATH.files` beside an
    /// SQLite database, the database itself on PostgreSQL.
    #[arg(long = "files-dir", env = "OUTPOST_FILES_DIR")]
    pub files_dir: Option<std::path::PathBuf>,
}

impl DatabaseArg {
    /// Opens the database (applying migrations) with the chosen file store.
    pub async fn open(&self) -> anyhow::Result<outpost_server::db::Db> {
        let mut db = outpost_server::db::Db::connect(&self.url()?)
            .await
            .context("opening the database")?;
        if let Some(dir) = &self.files_dir {
            db.use_files_dir(dir);
        }
        Ok(db)
    }

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
