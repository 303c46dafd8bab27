//! `burnbar`: where your AI coding money went, read from the logs on your disk.
//!
//! Parse the command line, run one subcommand, map the outcome to an exit code. A closed
//! stdout (`burnbar report | head`) is success, as in ripgrep.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod render;
mod setup;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    setup::init_logging(cli.verbose());
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("burnbar: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
