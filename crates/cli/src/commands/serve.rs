//! `burnbar serve`: `/metrics`, `/api/report` and `/healthz` over the index.

use anyhow::{Context, Result};
use burnbar_serve::http::{self, Access};

use crate::args::ServeArgs;

pub fn run(args: &ServeArgs) -> Result<()> {
    // refuse an unsafe address before reading anything
    let mut access = match &args.token_file {
        Some(file) => Access::from_token_file(file)?,
        None => Access::open(),
    };
    access.insecure_no_auth = args.insecure_no_auth;
    access.check(args.listen)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("burnbar-serve")
        .build()?;
    // bind first: a taken port is an error now, not after a long first scan (connections
    // that arrive during it wait in the backlog)
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(args.listen))
        .with_context(|| format!("listening on {}", args.listen))?;
    let bound = listener.local_addr()?;
    let running = super::team::start(&args.daemon)?;
    let auth = if args.token_file.is_some() {
        " (bearer token required)"
    } else {
        ""
    };
    eprintln!("burnbar: serving http://{bound}/metrics{auth}; Ctrl-C stops");
    let router = http::router(std::sync::Arc::clone(&running.source), access);
    runtime.block_on(http::serve(listener, router, super::team::stopped()))?;
    drop(running);
    Ok(())
}
