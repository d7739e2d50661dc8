//! `outpost`: the Outpost helpdesk from a terminal. Every verb is an adapter over
//! [`outpost_core::Desk`]: parse the arguments, call the desk, print the result (for
//! people, or one JSON document with `--json`). See `docs/CLI.md`.

/// `println!` for output: writes to the locked stdout and ignores a closed pipe
/// (`outpost tickets | head`), which `println!` would turn into a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod cli;
mod docs;
mod render;
mod verbs;

use clap::Parser;
use outpost_core::CoreError;
use std::io::Write;
use std::process::ExitCode;

/// Exit status of a usage error (bad arguments; nothing was done).
const EXIT_USAGE: u8 = 1;
/// Exit status of a failure (the verb could not do its work).
const EXIT_FAILURE: u8 = 2;

/// A bad argument the CLI itself found (clap's own errors are handled apart). Exits 1.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Shorthand for returning a [`Usage`] error.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    Usage(msg.into()).into()
}

fn main() -> ExitCode {
    // `--json` must shape even clap's errors, which come before there is a `Cli`.
    let json_requested = std::env::args_os().skip(1).any(|a| a == "--json");
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e, json_requested),
    };
    init_logging();
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(&anyhow::Error::new(e).context("starting the runtime"), json),
    };
    match runtime.block_on(verbs::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e, json),
    }
}

/// Logs go to stderr so stdout stays parseable; `OUTPOST_LOG` takes a filter like
/// `RUST_LOG` does.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OUTPOST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// clap's errors exit 1 (it would use 2, which here means "the verb failed");
/// `--help` and `--version` exit 0.
fn clap_error(e: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(EXIT_USAGE)
        } else {
            ExitCode::SUCCESS
        };
    }
    if json {
        let message = e.kind().as_str().map_or_else(
            || first_line(&e.to_string()),
            |kind| {
                let detail = first_line(&e.to_string());
                if detail.is_empty() {
                    kind.to_owned()
                } else {
                    detail
                }
            },
        );
        print_json_error("usage", &message);
    } else {
        let _ = e.print();
    }
    ExitCode::from(EXIT_USAGE)
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_owned()
}

/// Print a failure: one line on stderr (and the JSON error document with `--json`).
fn report(e: &anyhow::Error, json: bool) -> ExitCode {
    let closed_stdout = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if closed_stdout {
        // Whoever read our output stopped reading; there is nobody left to tell.
        return ExitCode::from(EXIT_FAILURE);
    }
    let (code, exit) = if e.downcast_ref::<Usage>().is_some() {
        ("usage", EXIT_USAGE)
    } else if let Some(core) = e.chain().find_map(|c| c.downcast_ref::<CoreError>()) {
        // Input the core refused (a bad filter, an empty message): nothing was done,
        // like a usage error.
        let exit = if matches!(core, CoreError::InvalidInput(_)) {
            EXIT_USAGE
        } else {
            EXIT_FAILURE
        };
        (core.code(), exit)
    } else {
        ("internal", EXIT_FAILURE)
    };
    // `{:#}` joins the context chain with ": ", naming the cause on one line.
    let message = format!("{e:#}").replace('\n', " ");
    if json {
        print_json_error(code, &message);
    }
    let _ = writeln!(std::io::stderr(), "outpost: {message}");
    ExitCode::from(exit)
}

fn print_json_error(code: &str, message: &str) {
    let doc = serde_json::json!({ "error": { "code": code, "message": message } });
    say!("{doc}");
}
