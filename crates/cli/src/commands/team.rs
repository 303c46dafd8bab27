//! What `serve` and `push` share: an index kept current by the watch loop, and a [`Source`]
//! of figures over it.

use std::sync::Arc;
use std::sync::mpsc;

use anyhow::{Context, Result};
use burnbar_engine::watch::{self, WatchEvent, WatchHandle, WatchOptions};
use burnbar_engine::{Engine, Pricer};
use burnbar_serve::Source;

use crate::args::DaemonArgs;
use crate::setup;

/// The figures, and the loop that keeps them current (stops when dropped).
pub struct Running {
    pub source: Arc<Source>,
    _watch: WatchHandle,
}

/// Brings the index up to date (returning once the first sync is done) and keeps it so.
pub fn start(daemon: &DaemonArgs) -> Result<Running> {
    let ctx = setup::resolve(&daemon.common(), crate::args::PeriodArg::All)?;
    let tz = ctx.filter.tz;
    // a second connection to the same index for the requests: the loop's engine writes
    let pricer = Pricer::new(
        ctx.engine.pricer().table().clone(),
        ctx.engine.pricer().source().clone(),
    );
    let reader = Engine::open_or_fallback(ctx.engine.paths().clone(), pricer)
        .context("opening the index for reading")?;
    let source = Arc::new(Source::new(
        reader,
        ctx.settings.clone(),
        tz,
        Arc::clone(&ctx.clock),
    ));
    let (first_tx, first_rx) = mpsc::channel::<()>();
    let fed = Arc::clone(&source);
    let verbose = daemon.verbose;
    let mut first = Some(first_tx);
    let handle = watch::spawn(ctx.engine, WatchOptions::new(tz), move |engine, event| {
        match event {
            WatchEvent::Synced(report) => {
                if verbose {
                    eprintln!(
                        "burnbar: synced: {} files read, {} calls new, {} updated",
                        report.files_read, report.inserted, report.updated
                    );
                }
                if let Some(f) = engine.fallback() {
                    eprintln!("burnbar: warning: {f} until it works again");
                }
                fed.synced(report);
            }
            WatchEvent::Failed(e) => eprintln!("burnbar: sync failed: {e}"),
        }
        if let Some(tx) = first.take() {
            let _ = tx.send(());
        }
    })?;
    eprintln!("burnbar: reading the logs…");
    first_rx
        .recv()
        .context("the sync loop stopped before its first sync")?;
    Ok(Running {
        source,
        _watch: handle,
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
