//! `burnbar watch`: one JSON line with today's figures each time they change.

use std::io::Write;
use std::sync::mpsc;

use anyhow::Result;
use burnbar_engine::watch::{self, WatchEvent, WatchOptions};
use burnbar_engine::{Engine, Filter};
use serde::Serialize;

use crate::setup::Setup;

/// The line printed on each change.
#[derive(Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Line {
    /// Today in the report zone.
    date: String,
    /// Today's cost of priced calls, USD.
    cost: f64,
    /// Today's calls.
    calls: u64,
    /// Calls with no known price (not in `cost`).
    unpriced_calls: u64,
    /// Cache reads / prompt tokens today, 0..1.
    cache_hit_rate: Option<f64>,
    /// The latest call on record (RFC 3339), any day.
    last_call: Option<String>,
}

pub fn run(ctx: Setup) -> Result<()> {
    let Setup {
        engine,
        clock,
        filter,
        refresh,
        ..
    } = ctx;
    drop(refresh);
    let opts = WatchOptions::new(filter.tz);
    // Ctrl-C, SIGTERM or a closed stdout end the loop; `None` is a signal (a clean stop)
    let (done_tx, done_rx) = mpsc::channel::<Option<anyhow::Error>>();
    let signalled = done_tx.clone();
    ctrlc::set_handler(move || {
        let _ = signalled.send(None);
    })?;
    let mut last: Option<Line> = None;
    let mut fallback: Option<burnbar_engine::IndexFallback> = None;
    let _handle = watch::spawn(engine, opts, move |engine, event| {
        // say when the index fails and when it works again (the loop goes back to it)
        if engine.fallback() != fallback.as_ref() {
            fallback = engine.fallback().cloned();
            match &fallback {
                Some(f) => eprintln!("burnbar: warning: {f} until it works again"),
                None => eprintln!("burnbar: the index works again"),
            }
        }
        let line = match event {
            WatchEvent::Synced(_) => snapshot(engine, &filter, clock.as_ref()),
            WatchEvent::Failed(e) => {
                eprintln!("burnbar: sync failed: {e}");
                return;
            }
        };
        match line {
            Ok(line) if last.as_ref() != Some(&line) => {
                let mut out = std::io::stdout().lock();
                let written = serde_json::to_writer(&mut out, &line)
                    .map_err(anyhow::Error::from)
                    .and_then(|()| writeln!(out).map_err(Into::into))
                    .and_then(|()| out.flush().map_err(Into::into));
                if let Err(e) = written {
                    let _ = done_tx.send(Some(e)); // e.g. the reader of our pipe went away
                }
                last = Some(line);
            }
            Ok(_) => {}
            Err(e) => eprintln!("burnbar: {e:#}"),
        }
    })?;
    // Runs until interrupted or terminated (then the loop stops here, when its handle is
    // dropped, and the index is closed cleanly), or until stdout closes.
    match done_rx.recv() {
        Ok(Some(e)) => Err(e),
        Ok(None) | Err(_) => Ok(()),
    }
}

fn snapshot(engine: &Engine, filter: &Filter, clock: &dyn burnbar_engine::Clock) -> Result<Line> {
    let today = engine.today(filter, clock.now())?;
    Ok(Line {
        date: today.date.to_string(),
        cost: today.cost.as_f64(),
        calls: today.calls,
        unpriced_calls: today.unpriced_calls,
        cache_hit_rate: today.cache_hit_rate,
        last_call: engine
            .last_call()?
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.to_rfc3339()),
    })
}
