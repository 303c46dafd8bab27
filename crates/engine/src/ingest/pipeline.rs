//! The reader/writer pipeline of a sync: files are read in parallel (big ones first, so both
//! cores stay busy to the end); each reader merges the copies of a call within its file and
//! works out each call's id, day, cost and stored tool uses, and hands results over a few
//! files at a time. The one writer stores them, with each file's new record, inside the
//! sync's transaction.

use std::sync::mpsc;

use chrono_tz::Tz;
use rayon::prelude::*;
use rustc_hash::FxHashSet;

use super::plan::Plan;
use super::{Plausible, Progress, SyncOptions, SyncReport};
use crate::error::{FileError, Result, Warning, WarningKind};
use crate::merge::{Merger, Rank};
use crate::pricing::{PriceMemo, Pricer};
use crate::project::Projects;
use crate::providers::{Batch, Cursor, Provider};
use crate::store::{self, FileRecord, Interner, Prepared, Writer};

type ReadResult = (usize, Result<Absorbed, String>);

/// One file's reading, made ready on the reader's thread for the writer.
struct Absorbed {
    record: FileRecord,
    /// The record is to be inserted (see [`Plan::new`]).
    new: bool,
    prompts: Vec<crate::providers::PromptMark>,
    mcp_tools: Vec<(String, String)>,
    limits: Vec<crate::providers::LimitMark>,
    limit_hits: Vec<crate::providers::LimitHit>,
    calls: Vec<Prepared>,
    warnings: Vec<Warning>,
}

/// Reads the planned files in parallel and stores their calls and cursors as they arrive.
/// Returns the sessions whose rollup must be rebuilt.
pub(super) fn read_and_store(
    tx: &rusqlite::Connection,
    providers: &[Box<dyn Provider>],
    pricer: &Pricer,
    opts: &SyncOptions<'_>,
    plausible: Plausible,
    plans: &[Plan],
    report: &mut SyncReport,
) -> Result<(FxHashSet<i64>, bool)> {
    report.files_read = plans.len();
    let mut progress = Progress {
        files_total: plans.len(),
        bytes_total: plans.iter().map(Plan::bytes).sum(),
        ..Progress::default()
    };
    let mut interner = Interner::default();
    let mut writer = Writer::new(tx, &mut interner, pricer, opts.tz);
    let mut projects = Projects::new(opts.probe_projects);
    let mut placeholder = false;
    let (send, recv) = mpsc::sync_channel::<Vec<ReadResult>>(16);
    let tz = opts.tz;
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            let mut order: Vec<usize> = (0..plans.len()).collect();
            // big files first keeps both cores busy to the end
            order.sort_by_key(|&i| std::cmp::Reverse(plans[i].bytes()));
            order.into_par_iter().for_each_init(
                || (Outbox::new(send.clone()), PriceMemo::new(pricer)),
                |(outbox, prices), i| {
                    let p = &plans[i];
                    let mut batch = Batch::default();
                    let r = providers[p.provider]
                        .read(&p.record.path, &p.from, &mut batch)
                        .map(|cursor| absorb(p, batch, cursor, prices, tz, plausible))
                        .map_err(|e| e.to_string());
                    outbox.push((i, r), p.bytes());
                },
            );
        });
        for (i, result) in recv.into_iter().flatten() {
            let p = &plans[i];
            progress.files_done += 1;
            progress.bytes_done += p.bytes();
            if let Some(f) = opts.progress {
                f(&progress);
            }
            match result {
                Ok(read) => {
                    report.bytes_read += p.bytes();
                    let provider = &*providers[p.provider];
                    placeholder |=
                        store_read(tx, read, provider, &mut writer, &mut projects, report)?;
                }
                Err(message) => report.errors.push(FileError {
                    provider: providers[p.provider].id(),
                    path: p.record.path.clone(),
                    message,
                }),
            }
        }
        Ok(())
    })?;
    Ok((
        std::mem::take(&mut writer.touched_sessions),
        writer.projects_changed || placeholder,
    ))
}

/// A reader thread's results on their way to the writer, sent a few files at a time (a
/// wake-up of the writer per small file costs more than reading it) and flushed when the
/// reader's share of the work ends.
struct Outbox {
    send: mpsc::SyncSender<Vec<ReadResult>>,
    pending: Vec<ReadResult>,
    bytes: u64,
}

impl Outbox {
    /// Files or bytes after which a batch is sent.
    const FILES: usize = 32;
    const BYTES: u64 = 1 << 20;

    fn new(send: mpsc::SyncSender<Vec<ReadResult>>) -> Self {
        Outbox {
            send,
            pending: Vec::new(),
            bytes: 0,
        }
    }

    fn push(&mut self, result: ReadResult, bytes: u64) {
        self.pending.push(result);
        self.bytes += bytes;
        if self.pending.len() >= Self::FILES || self.bytes >= Self::BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.bytes = 0;
        if !self.pending.is_empty() {
            // the writer stops receiving only on an error, which ends the sync anyway
            let _ = self.send.send(std::mem::take(&mut self.pending));
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Counts one file's warnings into its record and merges the copies of each call in it
/// (on the reader's thread).
fn absorb(
    p: &Plan,
    mut batch: Batch,
    cursor: Cursor,
    prices: &mut PriceMemo<'_>,
    tz: Tz,
    plausible: Plausible,
) -> Absorbed {
    let mut rec = p.record.clone();
    let restart = p.from.offset == 0;
    absolute_line_numbers(p, &mut batch.warnings);
    skip_implausible(&rec, &mut batch, plausible);
    if restart {
        rec.skipped = [0; 4];
    }
    // this read covers the old tail again (reading resumes before it): its count is replaced
    rec.tail = None;
    for w in &batch.warnings {
        let slot: u8 = match w.kind {
            WarningKind::MalformedLine => 0,
            WarningKind::NulPadding => 1,
            WarningKind::InvalidRecord => 2,
            WarningKind::NotAdmitted => 3,
        };
        if w.tail {
            rec.tail = Some(slot);
        } else {
            rec.skipped[usize::from(slot)] += 1;
        }
    }
    let latest = batch.events.iter().map(|e| e.timestamp_ms).max();
    rec.latest_ms = match (restart, latest) {
        (true, l) => l.unwrap_or(i64::MAX),
        (false, Some(l)) => rec.latest_ms.max(l),
        (false, None) => rec.latest_ms,
    };
    let rank: Rank = (rec.latest_ms, rec.identity.mtime_ms, rec.id);
    let mut merger = Merger::default();
    for e in batch.events {
        merger.add(e, rank);
    }
    let calls = merger
        .finish_ranked()
        .into_iter()
        .map(|(e, rank)| Prepared::new(e, rank, prices, tz))
        .collect();
    rec.cursor = cursor;
    rec.present = true;
    Absorbed {
        record: rec,
        new: p.new,
        prompts: batch.prompts,
        mcp_tools: batch.mcp_tools,
        limits: batch.limits,
        limit_hits: batch.limit_hits,
        calls,
        warnings: batch.warnings,
    }
}

/// The most tokens of one kind a single call can plausibly have: a thousand times the largest
/// context window of today's models. A count beyond it (or of the wrong shape:
/// [`crate::lenient::Count::INVALID`]) is corrupt input.
pub const MAX_TOKENS_PER_CALL: u64 = 1_000_000_000;

/// Why a call is not plausible, if it is not: dated outside [`Plausible`], or a token count
/// beyond [`MAX_TOKENS_PER_CALL`].
fn implausible(e: &crate::model::UsageEvent, plausible: Plausible) -> Option<String> {
    if !plausible.contains(e.timestamp_ms) {
        let when = chrono::DateTime::from_timestamp_millis(e.timestamp_ms)
            .map_or_else(|| format!("{} ms", e.timestamp_ms), |t| t.to_rfc3339());
        return Some(format!("dated {when} (before 2020 or in the future)"));
    }
    let t = &e.tokens;
    let counts = [
        t.input,
        t.output,
        t.cache_read,
        t.cache_write_5m,
        t.cache_write_1h,
        t.reasoning,
        t.web_search_requests,
    ];
    counts
        .iter()
        .any(|&n| n > MAX_TOKENS_PER_CALL)
        .then(|| "a token count that is negative, not a number, or beyond 10^9".to_string())
}

/// Moves implausible calls ([`implausible`]) out of the batch, each counted as an invalid
/// record: one corrupt line must not blow up a total or a period.
fn skip_implausible(rec: &FileRecord, batch: &mut Batch, plausible: Plausible) {
    if batch
        .events
        .iter()
        .all(|e| implausible(e, plausible).is_none())
    {
        return;
    }
    for e in std::mem::take(&mut batch.events) {
        match implausible(&e, plausible) {
            None => batch.events.push(e),
            Some(why) => batch.warnings.push(Warning::whole_file(
                rec.provider,
                &rec.path,
                WarningKind::InvalidRecord,
                format!("call {} skipped: {why}", e.key),
            )),
        }
    }
}

/// Line numbers in warnings count from where a read started; a resumed read's are made to
/// count from the start of the file (by counting the lines before the resume offset, only when
/// there is something to report), so `--verbose` names the line an editor shows.
fn absolute_line_numbers(p: &Plan, warnings: &mut [Warning]) {
    if p.from.offset == 0 || !warnings.iter().any(|w| w.line > 0) {
        return;
    }
    match crate::providers::jsonl::lines_before(&p.record.path, p.from.offset) {
        Ok(before) => {
            for w in warnings.iter_mut().filter(|w| w.line > 0) {
                w.line += before;
            }
        }
        Err(e) => tracing::debug!("line numbers stay relative: {e}"),
    }
}

/// Stores one file's prompts, calls and record (on the writer's thread). Returns true when a
/// call was filed under one of the provider's placeholder projects.
fn store_read(
    tx: &rusqlite::Connection,
    read: Absorbed,
    provider: &dyn Provider,
    writer: &mut Writer<'_>,
    projects: &mut Projects,
    report: &mut SyncReport,
) -> Result<bool> {
    let mut placeholder = false;
    report.warnings.extend(read.warnings);
    // a new record goes first: its calls refer to it
    if read.new {
        store::insert_file(tx, &read.record)?;
    }
    for m in &read.prompts {
        writer.prompt(m)?;
    }
    for (session, tool) in &read.mcp_tools {
        writer.mcp_tool(provider.id(), session, tool)?;
    }
    for m in &read.limits {
        report.limits += usize::from(store::save_limit(tx, provider.id(), m)?);
    }
    for h in &read.limit_hits {
        report.limits += usize::from(store::save_limit_hit(tx, provider.id(), h)?);
    }
    for mut call in read.calls {
        let project = call.project_mut();
        *project = projects.canonical(project);
        placeholder |= provider.is_placeholder_project(project);
        match writer.upsert(call)? {
            store::Upsert::Inserted => report.inserted += 1,
            store::Upsert::Updated => report.updated += 1,
            store::Upsert::Unchanged => report.unchanged += 1,
        }
    }
    if !read.new {
        store::update_file(tx, &read.record)?;
    }
    Ok(placeholder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(i: usize) -> ReadResult {
        (i, Err(format!("file {i}")))
    }

    #[test]
    fn outbox_sends_in_batches_and_flushes_what_is_left_when_dropped() {
        let (send, recv) = mpsc::sync_channel::<Vec<ReadResult>>(8);
        let mut outbox = Outbox::new(send);
        for i in 0..Outbox::FILES + 3 {
            outbox.push(failed(i), 10);
        }
        let first = recv.try_recv().expect("a full batch is sent at once");
        assert_eq!(first.len(), Outbox::FILES);
        assert!(recv.try_recv().is_err(), "the rest waits for more");
        drop(outbox);
        let rest = recv.try_recv().expect("dropping the outbox flushes it");
        assert_eq!(
            rest.iter().map(|r| r.0).collect::<Vec<_>>(),
            (Outbox::FILES..Outbox::FILES + 3).collect::<Vec<_>>()
        );
        assert!(recv.try_recv().is_err(), "nothing is sent twice");
    }

    #[test]
    fn outbox_sends_a_big_file_without_waiting_for_more() {
        let (send, recv) = mpsc::sync_channel::<Vec<ReadResult>>(8);
        let mut outbox = Outbox::new(send);
        outbox.push(failed(0), Outbox::BYTES);
        assert_eq!(recv.try_recv().map(|b| b.len()), Ok(1));
        outbox.push(failed(1), 1);
        assert!(
            recv.try_recv().is_err(),
            "the byte count restarts after a send"
        );
    }
}
