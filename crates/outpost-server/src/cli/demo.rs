//! `outpost-server demo`: fill the database with the demo tenants, or, when they exist
//! already, print their accounts again without adding anything.

use anyhow::Context;
use outpost_server::db::Db;
use outpost_server::demo::{self, DemoOptions, DemoReport};
use std::io::Write;
use std::time::Instant;

#[derive(clap::Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: super::DatabaseArg,
    /// Tickets to create in each demo tenant (ignored for tenants that already exist).
    #[arg(long, default_value_t = 200)]
    pub tickets: usize,
    /// Messages in each ticket's conversation.
    #[arg(long, default_value_t = 10)]
    pub messages_per_ticket: usize,
    /// Print the report as JSON:
    /// `{"tenants":[{"id","slug","name","users":[{"email","name","role","password","elevated","support"}],"tickets","messages"}]}`.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(db: &Db, args: &DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let opts = DemoOptions {
        tickets_per_tenant: args.tickets,
        messages_per_ticket: args.messages_per_ticket,
    };
    let report = demo::generate(db, &opts)
        .await
        .context("generating demo data")?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).context("writing the report")?;
        writeln!(out).context("writing the report")?;
    } else {
        write_summary(&mut out, &report, started.elapsed().as_secs_f64())
            .context("writing the report")?;
    }
    Ok(())
}

fn write_summary(out: &mut impl Write, report: &DemoReport, seconds: f64) -> std::io::Result<()> {
    for t in &report.tenants {
        let what = if t.created {
            "created"
        } else {
            "already present, nothing added"
        };
        writeln!(
            out,
            "Tenant {} ({}, id {}): {} tickets, {} messages ({what})",
            t.slug, t.name, t.id, t.tickets, t.messages
        )?;
        for u in &t.users {
            let mut flags = Vec::new();
            if u.support {
                flags.push("support");
            }
            if u.elevated {
                flags.push("elevated");
            }
            writeln!(
                out,
                "  {:<28} {:<9} {:<14} {:<18} {}",
                u.email,
                u.role.as_str(),
                u.password.as_deref().unwrap_or("(no password)"),
                flags.join(","),
                u.name
            )?;
        }
    }
    if report.tenants.iter().any(|t| t.created) {
        writeln!(out, "Done in {seconds:.1} s.")?;
    }
    Ok(())
}
