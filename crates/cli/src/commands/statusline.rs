//! `burnbar statusline`: one short line for Claude Code's status bar.
//!
//! Claude Code runs the command on each update with a JSON object on stdin (`session_id`,
//! `transcript_path`, `model`, `workspace`, `cwd`, ...). We read the session's own transcript
//! into the index (from its last offset: a few lines; every log when the index was not
//! brought up to date in the last minute), then answer from the index: the
//! session's cost, today's, and the 5-hour window of the transcript's Claude config dir
//! (`$3.21 session · $12.34 today · 5h 42% 2h10m`). It never fails the status bar: whatever
//! cannot be known is left out, and the exit status is always 0.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use burnbar_engine::format::span;
use burnbar_engine::limits::Window;
use burnbar_engine::{Filter, ProviderId};

use crate::args::Common;
use crate::render::money;
use crate::setup;

/// What the status line reads of Claude Code's JSON.
#[derive(Debug, Default, PartialEq, Eq)]
struct Input {
    session_id: Option<String>,
    transcript: Option<PathBuf>,
}

/// How long a full sync keeps the index recent enough for the status line.
const FULL_SYNC_EVERY_MS: i64 = 60_000;

/// At most this much of stdin is read (Claude Code sends well under a kilobyte).
const STDIN_CAP: u64 = 1 << 20;

fn input() -> Input {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Input::default();
    }
    let mut buf = Vec::new();
    if stdin.lock().take(STDIN_CAP).read_to_end(&mut buf).is_err() {
        return Input::default();
    }
    parse_input(&buf)
}

fn parse_input(bytes: &[u8]) -> Input {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Input::default();
    };
    let text = |key: &str| {
        v.get(key)
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Input {
        session_id: text("session_id"),
        transcript: text("transcript_path").map(PathBuf::from),
    }
}

/// Prints the line; never fails.
pub fn run(common: &Common) {
    let line = line(common, &input());
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn line(common: &Common, input: &Input) -> String {
    let mut common = common.clone();
    common.offline = true; // a status bar never waits on the network
    let Ok(mut ctx) = setup::resolve(&common, crate::args::PeriodArg::Today) else {
        return "burnbar: no settings".into();
    };
    let tz = ctx.filter.tz;
    let now = ctx.clock.now();
    // the session's own lines since the last read, while the rest of the index is recent (the
    // tray keeps it current); else every log, at most once a minute
    let real_now = burnbar_engine::Clock::now(&burnbar_engine::SystemClock).timestamp_millis();
    let recent = ctx
        .engine
        .last_full_sync_ms()
        .ok()
        .flatten()
        .is_some_and(|t| (0..FULL_SYNC_EVERY_MS).contains(&(real_now - t)));
    let synced = match (&input.transcript, recent) {
        (Some(t), true) => Some(ctx.engine.sync_paths(tz, std::slice::from_ref(t))),
        (None, true) => None,
        (_, false) => Some(ctx.engine.sync(tz, None)),
    };
    if let Some(Err(e)) = synced {
        tracing::debug!("statusline sync: {e}");
    }
    let mut parts = Vec::new();
    if let Some(id) = &input.session_id
        && let Ok((cost, unpriced)) = ctx.engine.session_cost(ProviderId::ClaudeCode, id)
    {
        let plus = if unpriced > 0 { "+" } else { "" };
        parts.push(format!("{}{plus} session", money(cost)));
    }
    if let Ok(today) = ctx.engine.today(&Filter::all(tz), now) {
        let plus = if today.unpriced_calls > 0 { "+" } else { "" };
        parts.push(format!("{}{plus} today", money(today.cost)));
    }
    if let Ok(limits) = ctx.engine.limits(now) {
        let dir = input.transcript.as_deref().and_then(config_dir);
        let five = limits.windows.iter().filter(|w| w.kind == "5h");
        let mine = five.clone().find(|w| {
            w.tool == ProviderId::ClaudeCode
                && dir.as_deref().is_some_and(|d| Path::new(&w.account) == d)
        });
        // a window with neither a share nor a reset (no 5-hour block running) says nothing:
        // the session's own window, else the fullest one
        let says = |w: &&Window| w.used_percent.is_some() || w.resets_at.is_some();
        let window = mine.filter(says).or_else(|| limits.tightest().filter(says));
        if let Some(w) = window {
            parts.push(window_part(w, now));
        }
    }
    parts.join(" · ")
}

/// `5h 42% 2h10m`, `5h ~42% ...` when estimated, `5h $1.20 ...` without a percentage.
fn window_part(w: &Window, now: chrono::DateTime<chrono::Utc>) -> String {
    let amount = match (w.used_percent, w.used) {
        (Some(p), _) => format!("{}{p:.0}%", if w.source == "estimated" { "~" } else { "" }),
        (None, Some(u)) => money(burnbar_engine::Usd::from_dollars(u.cost)),
        (None, None) => "–".into(),
    };
    match w.resets_at {
        Some(r) => format!("{} {amount} {}", w.kind, span(r - now).replace(' ', "")),
        None => format!("{} {amount}", w.kind),
    }
}

/// The Claude config dir a transcript lies under.
fn config_dir(transcript: &Path) -> Option<PathBuf> {
    transcript
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "projects"))
        .and_then(Path::parent)
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_needs_and_nothing_breaks_it() {
        let i = parse_input(
            br#"{"hook_event_name":"Status","session_id":"abc","transcript_path":"/h/.claude/projects/-w/abc.jsonl","model":{"id":"claude-opus-4-1","display_name":"Opus"},"workspace":{"current_dir":"/w"}}"#,
        );
        assert_eq!(i.session_id.as_deref(), Some("abc"));
        assert_eq!(
            config_dir(i.transcript.as_deref().unwrap()),
            Some(PathBuf::from("/h/.claude"))
        );
        for junk in [&b""[..], b"not json", b"[]", br#"{"session_id":7}"#] {
            assert_eq!(parse_input(junk), Input::default());
        }
    }
}
