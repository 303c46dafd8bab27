//! Cursor (the IDE's chat), from its `state.vscdb` SQLite database.
//!
//! **Where:** `<Cursor user dir>/globalStorage/state.vscdb`, the user dir being
//! `~/Library/Application Support/Cursor/User` on macOS, `~/AppData/Roaming/Cursor/User` on
//! Windows and `$XDG_CONFIG_HOME/Cursor/User` (`~/.config/Cursor/User`) elsewhere. Opened
//! read-only while Cursor has it open (see `providers/sqlite.rs`).
//!
//! **Record shape:** table `cursorDiskKV(key, value)`; rows `bubbleId:<composerId>:<bubbleId>`
//! hold one chat bubble as JSON: `type` (1 = user, 2 = assistant), `text`,
//! `tokenCount{inputTokens, outputTokens}`, `modelInfo.modelName`, `createdAt` (ISO). Keys whose
//! composer segment contains a line break or NUL are tool sub-rows, not bubbles.
//!
//! Rows `composerData:<composerId>` hold the conversation: `createdAt` (ms) and its context
//! meter, `promptTokenBreakdown.totalUsedTokens` or `contextTokensUsed`.
//!
//! **Tokens:** newer builds often write zero token counts. Per conversation (composer), never
//! mixing sources for one kind of token: if any bubble has real counts, those counts are used;
//! otherwise input is the conversation's context meter when it has one (one input record,
//! `cursor:composer-input:<composerId>`, dated at the conversation's `createdAt`), else user
//! text length (4 characters a token), and output is assistant text length. (CodeBurn's meter
//! record stands alone; its replies' output would then count nothing.) Every Cursor call is
//! marked *estimated*: Cursor bills its own rates, which the logs do not show. A missing or
//! `default` model is Cursor's auto mode (`cursor-auto`, priced as Claude Sonnet 4.5). Undated
//! bubbles are skipped (they must not land on today).
//!
//! **Turns and tools:** a user bubble's text is a prompt (only its classifier signature is
//! kept); each of an assistant bubble's `codeBlocks` is a `cursor:edit` tool use.
//!
//! **Dedup key:** `cursor:bubble:<row key>` — never the token counts, which Cursor rewrites in
//! place when a stream finishes. **Session:** the composer id. **Project:** the workspace
//! folder the conversation belongs to: each `<user dir>/workspaceStorage/<hash>/` holds
//! `workspace.json` (`folder`, a URI: `file:///home/me/app`, or a remote one whose path is
//! taken) and a `state.vscdb` whose `ItemTable` keys `composer.composerData` /
//! `composer.composerHeaders` list that workspace's conversations (`allComposers[].composerId`).
//! A conversation no workspace lists is project `cursor`. **Cursor:** none: the database is
//! read again whenever it (or its WAL) changes; keys make that harmless. (A conversation first
//! seen before its workspace listed it keeps `cursor`: a call's project is fixed when stored.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::Deserialize;

use serde::de::IgnoredAny;

use super::sqlite::SingleDb;
use super::{Batch, PromptMark};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::lenient::{Count, List, Num, Obj, Str};
use crate::model::{ProviderId, Tokens, ToolUse, UsageEvent};
use crate::paths::Paths;
use crate::time::parse_timestamp_ms;

/// The Cursor provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct CursorIde;

/// The model Cursor's auto mode is priced as.
pub const AUTO_MODEL: &str = "cursor-auto";

impl SingleDb for CursorIde {
    const ID: ProviderId = ProviderId::Cursor;

    fn databases(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.cursor_user_dir.join("globalStorage/state.vscdb")]
    }

    fn read_db(&self, conn: &Connection, file: &Path, batch: &mut Batch) -> rusqlite::Result<()> {
        let bubbles = read_bubbles(conn, file, batch)?;
        let meters = read_meters(conn, file, batch)?;
        let folders = file
            .parent()
            .and_then(Path::parent)
            .map(|user| workspace_folders(&user.join("workspaceStorage")))
            .unwrap_or_default();
        let none = Vec::new();
        let composers: std::collections::BTreeSet<&String> =
            bubbles.keys().chain(meters.keys()).collect();
        for composer in composers {
            let project = folders.get(composer).map_or("cursor", String::as_str);
            let list = bubbles.get(composer).unwrap_or(&none);
            events(composer, project, list, meters.get(composer), batch);
        }
        Ok(())
    }
}

/// Composer id -> workspace folder, from every `workspaceStorage/<hash>/` that has both files.
/// A workspace that cannot be read is skipped (its conversations show as `cursor`).
pub fn workspace_folders(storage: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(dirs) = std::fs::read_dir(storage) else {
        return out;
    };
    let mut dirs: Vec<PathBuf> = dirs.filter_map(|d| d.ok().map(|d| d.path())).collect();
    dirs.sort(); // a conversation listed twice goes to the first workspace, always the same
    for dir in dirs {
        let json = dir.join("workspace.json");
        let Ok(bytes) = crate::untrusted::read_capped(&json, crate::untrusted::SIDECAR_CAP) else {
            continue;
        };
        let Some(folder) = serde_json::from_slice::<WorkspaceJson>(&bytes)
            .ok()
            .and_then(|w| w.folder.get().and_then(crate::project::path_of_uri))
        else {
            continue;
        };
        let db = dir.join("state.vscdb");
        if !db.is_file() {
            continue;
        }
        let ids = match composer_ids(&db) {
            Ok(ids) => ids,
            Err(e) => {
                tracing::debug!(db = %db.display(), error = %e, "cursor workspace skipped");
                continue;
            }
        };
        for id in ids {
            out.entry(id).or_insert_with(|| folder.clone());
        }
    }
    out
}

/// The conversations a workspace's database lists.
fn composer_ids(db: &Path) -> Result<Vec<String>> {
    let conn = super::sqlite::open_read_only(db)?;
    let mut stmt = conn
        .prepare(
            "SELECT value FROM ItemTable
             WHERE key IN ('composer.composerData', 'composer.composerHeaders')",
        )
        .map_err(|e| Error::store(db, e))?;
    let mut rows = stmt.query([]).map_err(|e| Error::store(db, e))?;
    let mut ids = Vec::new();
    while let Some(r) = rows.next().map_err(|e| Error::store(db, e))? {
        let Ok(ValueRef::Text(bytes) | ValueRef::Blob(bytes)) = r.get_ref(0) else {
            continue;
        };
        if let Ok(list) = serde_json::from_slice::<ComposerList>(bytes) {
            ids.extend(
                list.all_composers
                    .0
                    .iter()
                    .filter_map(|c| c.composer_id.non_empty().map(str::to_string)),
            );
        }
    }
    Ok(ids)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WorkspaceJson<'a> {
    #[serde(borrow)]
    folder: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ComposerList<'a> {
    #[serde(borrow)]
    all_composers: List<ComposerHead<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ComposerHead<'a> {
    #[serde(borrow)]
    composer_id: Str<'a>,
}

struct Bubble {
    key: String,
    assistant: bool,
    text_chars: u64,
    input: u64,
    output: u64,
    model: Option<String>,
    ts: i64,
    code_blocks: usize,
}

/// A conversation's context meter: tokens in its context, and when it began.
#[derive(Debug, Clone, Copy)]
struct Meter {
    tokens: u64,
    ts: i64,
}

/// Calls `f` with the key and JSON value of every `cursorDiskKV` row whose key starts with
/// `prefix` (values that are neither text nor blob are skipped).
fn each_row(
    conn: &rusqlite::Connection,
    prefix: &str,
    mut f: impl FnMut(&str, &[u8]),
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT key, value FROM cursorDiskKV WHERE key LIKE ?1 || '%'")?;
    let mut rows = stmt.query([prefix])?;
    while let Some(r) = rows.next()? {
        let key: String = r.get(0)?;
        if let ValueRef::Text(bytes) | ValueRef::Blob(bytes) = r.get_ref(1)? {
            f(&key, bytes);
        }
    }
    Ok(())
}

/// A row's JSON value as `T`; one that does not parse is a counted warning naming its key.
fn parse_row<'a, T: Deserialize<'a>>(
    key: &str,
    bytes: &'a [u8],
    file: &Path,
    batch: &mut Batch,
) -> Option<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| {
            batch.warnings.push(Warning::whole_file(
                ProviderId::Cursor,
                file,
                WarningKind::MalformedLine,
                format!("{key}: {e}"),
            ));
        })
        .ok()
}

/// Every dated context meter, by composer id.
fn read_meters(
    conn: &rusqlite::Connection,
    file: &Path,
    batch: &mut Batch,
) -> rusqlite::Result<BTreeMap<String, Meter>> {
    let mut out = BTreeMap::new();
    each_row(conn, "composerData:", |key, bytes| {
        let Some(composer) = key.strip_prefix("composerData:") else {
            return;
        };
        let Some(raw) = parse_row::<RawComposer>(key, bytes, file, batch) else {
            return;
        };
        let tokens = raw
            .prompt_token_breakdown
            .0
            .as_ref()
            .map_or(0, |b| b.total_used_tokens.0);
        let tokens = if tokens > 0 {
            tokens
        } else {
            raw.context_tokens_used.0
        };
        // undated: never guess today
        if let (Some(ts), true) = (epoch_ms(raw.created_at), tokens > 0) {
            out.insert(composer.to_string(), Meter { tokens, ts });
        }
    })?;
    Ok(out)
}

/// Epoch milliseconds from a number of milliseconds (or seconds, when below 1e12).
#[allow(clippy::cast_possible_truncation)] // checked to be in range first
fn epoch_ms(n: Num) -> Option<i64> {
    let n = n.0.filter(|n| n.is_finite() && *n > 0.0 && *n < 1e15)?;
    Some(if n < 1e12 { n * 1000.0 } else { n } as i64)
}

/// Every dated bubble, by composer id.
fn read_bubbles(
    conn: &rusqlite::Connection,
    file: &Path,
    batch: &mut Batch,
) -> rusqlite::Result<BTreeMap<String, Vec<Bubble>>> {
    let mut out: BTreeMap<String, Vec<Bubble>> = BTreeMap::new();
    each_row(conn, "bubbleId:", |key, bytes| {
        let Some(composer) = key.split(':').nth(1) else {
            return;
        };
        if composer.contains(['\n', '\r', '\0']) {
            return; // a tool sub-row, not a bubble
        }
        let Some(raw) = parse_row::<RawBubble>(key, bytes, file, batch) else {
            return;
        };
        let Some(ts) = raw.created_at.get().and_then(parse_timestamp_ms) else {
            return; // undated: never guess today
        };
        let counts = raw.token_count.0.as_ref();
        let user_text = (raw.kind.0 == 1).then(|| raw.text.get()).flatten();
        if let Some(text) = user_text.map(str::trim).filter(|t| !t.is_empty()) {
            batch
                .prompts
                .push(PromptMark::new(ProviderId::Cursor, composer, ts, text));
        }
        out.entry(composer.to_string()).or_default().push(Bubble {
            code_blocks: raw.code_blocks.0.len(),
            assistant: raw.kind.0 == 2,
            text_chars: raw.text.get().map_or(0, |t| t.chars().count() as u64),
            input: counts.map_or(0, |c| c.input_tokens.0),
            output: counts.map_or(0, |c| c.output_tokens.0),
            model: raw
                .model_info
                .0
                .as_ref()
                .and_then(|m| m.model_name.non_empty())
                .map(str::to_string),
            ts,
            key: key.to_string(),
        });
    })?;
    Ok(out)
}

/// One conversation's calls, by the token policy in the module docs.
fn events(
    composer: &str,
    project: &str,
    bubbles: &[Bubble],
    meter: Option<&Meter>,
    batch: &mut Batch,
) {
    let measured = bubbles.iter().any(|b| b.input + b.output > 0);
    let meter = meter.filter(|_| !measured);
    let model_of = |b: &Bubble| {
        b.model
            .as_deref()
            .filter(|m| *m != "default")
            .unwrap_or(AUTO_MODEL)
            .to_string()
    };
    let call = |key: String, ts: i64, model: String, tokens: Tokens| UsageEvent {
        estimated: true,
        is_final: measured,
        ..UsageEvent::new(
            ProviderId::Cursor,
            key,
            ts,
            model,
            composer.to_string(),
            project.to_string(),
            tokens,
        )
    };
    if let Some(m) = meter {
        // the model the conversation used most recently
        let model = bubbles
            .iter()
            .filter(|b| b.model.is_some())
            .max_by_key(|b| b.ts)
            .map_or_else(|| AUTO_MODEL.to_string(), model_of);
        let tokens = Tokens {
            input: m.tokens,
            ..Tokens::default()
        };
        batch.events.push(call(
            format!("cursor:composer-input:{composer}"),
            m.ts,
            model,
            tokens,
        ));
    }
    for b in bubbles {
        let tokens = if measured {
            Tokens {
                input: b.input,
                output: b.output,
                ..Tokens::default()
            }
        } else {
            let estimate = b.text_chars.div_ceil(4);
            Tokens {
                // with a meter, the conversation's input is in its own record
                input: if b.assistant || meter.is_some() {
                    0
                } else {
                    estimate
                },
                output: if b.assistant { estimate } else { 0 },
                ..Tokens::default()
            }
        };
        if tokens.input + tokens.output == 0 {
            continue;
        }
        let mut e = call(
            format!("cursor:bubble:{}", b.key),
            b.ts,
            model_of(b),
            tokens,
        );
        e.tools = (0..b.code_blocks)
            .map(|i| ToolUse::named(&format!("{}#{i}", b.key), "cursor:edit"))
            .collect();
        batch.events.push(e);
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawBubble<'a> {
    #[serde(rename = "type")]
    kind: Count,
    #[serde(borrow)]
    text: Str<'a>,
    token_count: Obj<TokenCount>,
    #[serde(borrow)]
    model_info: Obj<ModelInfo<'a>>,
    #[serde(borrow)]
    created_at: Str<'a>,
    code_blocks: List<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawComposer {
    prompt_token_breakdown: Obj<TokenBreakdown>,
    context_tokens_used: Count,
    created_at: Num,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct TokenBreakdown {
    total_used_tokens: Count,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct TokenCount {
    input_tokens: Count,
    output_tokens: Count,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ModelInfo<'a> {
    #[serde(borrow)]
    model_name: Str<'a>,
}
