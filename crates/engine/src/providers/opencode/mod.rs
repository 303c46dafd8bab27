//! OpenCode, file layout (OpenCode 1.1+ storage).
//!
//! **Where:** `OPENCODE_DATA_DIR`, else `$XDG_DATA_HOME/opencode`, else
//! `~/.local/share/opencode` (the same rule on every OS), then
//! `storage/message/<sessionID>/<messageID>.json`, one JSON file per message. (The newer
//! SQLite `opencode.db` is not read yet.)
//!
//! **Record shape:** `{id, sessionID, role, modelID, providerID, cost, tokens{input, output,
//! reasoning, cache{read, write}}, time{created, completed}, path{cwd, root}}`; older builds
//! write a raw `usage{input_tokens, output_tokens, cache_read_input_tokens,
//! cache_creation_input_tokens}` instead of `tokens`. `time.created` is in milliseconds (or
//! seconds when below 1e12).
//!
//! **Token fields:** `input` excludes cache reads and writes; `reasoning` is billed at the
//! output rate *on top of* `output`. OpenCode's own `cost` travels as the reported cost: it is
//! used only when the model has no price (cost source `reported`).
//!
//! **Dedup key:** `opencode:<sessionID>:<messageID>`. A message file is rewritten while it
//! streams, so it is always read whole; keys make re-reading harmless.
//!
//! **Turns and tools:** `storage/part/<messageID>/*.json` (the `part` table in the database):
//! a user message's `text` parts (not `synthetic` ones) are its prompt, of which only the
//! classifier's signature is kept; an assistant message's `tool` parts are its tool uses
//! (`state.input.command` reduced to program names, `filePath` hashed, `task`'s
//! `subagent_type`, `skill`'s `name`), named as the classifier knows them (`bash` -> `Bash`,
//! `task` -> `Agent`, ...) and MCP tools, which OpenCode names `<server>_<tool>`, as
//! `mcp__<server>__<tool>`. Parts are read with their message; a part written after the
//! message's last change is picked up when the message changes again.
//!
//! **Project:** the message's `path.cwd` (else `path.root`, else `unknown`). **Session:** child
//! sessions (sub-agents, `parentID` in `storage/session/*/<id>.json`) roll into their root.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{
    Batch, Cursor, PromptMark, Provider, WholeFile, discover_under, owned_under, walk_files,
};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::lenient::Str;
use crate::model::{ProviderId, ToolUse, UsageEvent};
use crate::paths::Paths;
mod parse;

pub(crate) use parse::{
    MessageFile, Part, SessionMessageData, message_event, message_ms, session_message_event,
};

/// The OpenCode provider.
#[derive(Debug, Default)]
pub struct OpenCode {
    /// session id -> parent session id, from `storage/session/*/*.json`; rebuilt when a session
    /// is not found in it (new sessions appear while we run).
    parents: std::sync::Mutex<Option<std::collections::HashMap<String, String>>>,
}

impl OpenCode {
    /// The root of `session`'s parent chain (itself when it has no parent).
    fn root_of(&self, storage: &Path, session: &str) -> String {
        let Ok(mut guard) = self.parents.lock() else {
            return session.to_string();
        };
        let stale = guard.as_ref().is_none_or(|m| !m.contains_key(session));
        if stale {
            *guard = Some(load_parents(storage));
        }
        let map = guard.get_or_insert_with(Default::default);
        // a session without a session file is its own root; remember that so its next
        // message does not trigger another scan
        map.entry(session.to_string()).or_default();
        root_session(session, |id| map.get(id).filter(|p| !p.is_empty()).cloned())
    }
}

/// Follows `parent` links from `session` to the root of its chain (bounded: corrupt data
/// could hold a cycle).
pub(crate) fn root_session(session: &str, parent: impl Fn(&str) -> Option<String>) -> String {
    let mut current = session.to_string();
    for _ in 0..64 {
        match parent(&current) {
            Some(p) => current = p,
            None => break,
        }
    }
    current
}

/// Reads every session file's `parentID` (sessions without one map to "").
fn load_parents(storage: &Path) -> std::collections::HashMap<String, String> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct SessionFile<'a> {
        #[serde(borrow)]
        id: Str<'a>,
        #[serde(rename = "parentID", borrow)]
        parent_id: Str<'a>,
    }
    let mut map = std::collections::HashMap::new();
    for f in walk_files(&storage.join("session"), 2, is_json).files {
        let Ok(text) = crate::untrusted::read_capped(&f, crate::untrusted::SIDECAR_CAP) else {
            continue;
        };
        let Ok(s) = serde_json::from_slice::<SessionFile>(&text) else {
            continue;
        };
        let id = s.id.non_empty().map_or_else(
            || {
                f.file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            },
            str::to_string,
        );
        map.insert(id, s.parent_id.non_empty().unwrap_or_default().to_string());
    }
    map
}

impl Provider for OpenCode {
    fn id(&self) -> ProviderId {
        ProviderId::OpenCode
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.opencode_data.join("storage").join("message")]
    }

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        discover_under(&self.roots(paths), 2, is_json)
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, is_json)
    }

    fn read(&self, file: &Path, _cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        // storage/message/<session>/<message>.json -> storage
        let storage = file.parent().and_then(Path::parent).and_then(Path::parent);
        with_buffer(&MESSAGE, |buffer| {
            let mut f = open_in(storage, file).map_err(|e| Error::io(file, e))?;
            let text = buffer.read(&mut f).map_err(|e| Error::io(file, e))?;
            if self.absorb(file, storage, text, batch).is_err() {
                // read to a zero-length read before calling it malformed
                let text = buffer.read_on(&mut f).map_err(|e| Error::io(file, e))?;
                if let Err(e) = self.absorb(file, storage, text, batch) {
                    batch.warnings.push(Warning::whole_file(
                        ProviderId::OpenCode,
                        file,
                        WarningKind::MalformedLine,
                        e.to_string(),
                    ));
                }
            }
            Ok(Cursor::START)
        })
    }
}

impl OpenCode {
    /// One message file's bytes, with its parts read from `storage`; a parse error is
    /// returned, with nothing added.
    fn absorb(
        &self,
        file: &Path,
        storage: Option<&Path>,
        text: &[u8],
        batch: &mut Batch,
    ) -> std::result::Result<(), serde_json::Error> {
        let m = serde_json::from_slice::<MessageFile>(text)?;
        let parts = match (storage, m.id.non_empty()) {
            (Some(storage), Some(id)) => read_parts(storage, id),
            _ => Parts::default(),
        };
        if let Some(mut e) = event(&m, file) {
            if let Some(storage) = storage {
                e.session_id = self.root_of(storage, &e.session_id);
            }
            e.tools = parts.tools;
            batch.events.push(e);
        } else if m.is_user() {
            let ts = message_ms(&m);
            let session = m.session_id.non_empty().map(str::to_string);
            if let (Some(ts), Some(session), Some(text)) = (ts, session, parts.text) {
                let session = match storage {
                    Some(storage) => self.root_of(storage, &session),
                    None => session,
                };
                batch
                    .prompts
                    .push(PromptMark::new(ProviderId::OpenCode, &session, ts, &text));
            }
        }
        Ok(())
    }
}

thread_local! {
    /// Each reader thread's buffers for message and part files.
    static MESSAGE: std::cell::RefCell<WholeFile> = std::cell::RefCell::default();
    static PART: std::cell::RefCell<WholeFile> = std::cell::RefCell::default();
}

/// Runs `f` with this thread's buffer `key` (a fresh one if it is in use: a reader that
/// panicked mid-file).
fn with_buffer<R>(
    key: &'static std::thread::LocalKey<std::cell::RefCell<WholeFile>>,
    f: impl FnOnce(&mut WholeFile) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => f(&mut buffer),
        Err(_) => f(&mut WholeFile::default()),
    })
}

pub(crate) fn is_json(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn event(m: &MessageFile<'_>, file: &Path) -> Option<UsageEvent> {
    let session = m.session_id.non_empty().map(str::to_string).or_else(|| {
        file.parent()?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
    })?;
    let id =
        m.id.non_empty()
            .map(str::to_string)
            .or_else(|| file.file_stem().map(|n| n.to_string_lossy().into_owned()))?;
    message_event(m, session, &id, None, None)
}

/// What a message's parts add: its tool uses, and (for a user message) its prompt text.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    pub tools: Vec<ToolUse>,
    pub text: Option<String>,
}

/// Opens `file` (under `storage`) relative to the storage directory where there is one.
fn open_in(storage: Option<&Path>, file: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    if let Some((storage, rel)) = storage.and_then(|s| Some((s, file.strip_prefix(s).ok()?))) {
        return super::open_under(storage, rel, false);
    }
    let _ = storage;
    crate::untrusted::open_regular(file)
}

/// Reads `storage/part/<messageID>/*.json` in name order; unreadable parts are skipped.
#[cfg(unix)]
fn read_parts(storage: &Path, message: &str) -> Parts {
    use rustix::fs::{Dir, Mode, OFlags, openat};
    let mut out = Parts::default();
    // not blocking: a FIFO among the parts reads as empty instead of stalling the scan
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
    // the directory is opened once (relative to the storage directory) and listed through
    // that descriptor (`Dir::new`; `read_from` would open "." again); its parts are opened
    // by name relative to it
    let Ok(fd) = super::open_under(storage, &Path::new("part").join(message), true) else {
        return out;
    };
    let Ok(mut dir) = Dir::new(std::os::fd::OwnedFd::from(fd)) else {
        return out;
    };
    let mut names: Vec<std::ffi::CString> = dir
        .by_ref()
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_name().to_str().is_ok_and(is_json))
        .map(|e| e.file_name().to_owned())
        .collect();
    names.sort();
    let Ok(fd) = dir.fd() else {
        return out;
    };
    with_buffer(&PART, |buffer| {
        for name in names {
            let Ok(part) = openat(fd, name.as_c_str(), flags, Mode::empty()) else {
                continue;
            };
            let mut part = std::fs::File::from(part);
            let parsed = match buffer.read(&mut part) {
                Ok(bytes) => serde_json::from_slice::<Part>(bytes).map(|p| p.add_to(&mut out)),
                Err(_) => continue,
            };
            if parsed.is_err() {
                // read to a zero-length read before giving up on it
                if let Ok(bytes) = buffer.read_on(&mut part)
                    && let Ok(p) = serde_json::from_slice::<Part>(bytes)
                {
                    p.add_to(&mut out);
                }
            }
        }
    });
    out
}

/// Reads `storage/part/<messageID>/*.json` in name order; unreadable parts are skipped.
#[cfg(not(unix))]
fn read_parts(storage: &Path, message: &str) -> Parts {
    let dir = storage.join("part").join(message);
    let mut out = Parts::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_json))
        .collect();
    files.sort();
    for f in files {
        let Ok(bytes) = crate::untrusted::read_capped(&f, crate::untrusted::SIDECAR_CAP) else {
            continue;
        };
        if let Ok(part) = serde_json::from_slice::<Part>(&bytes) {
            part.add_to(&mut out);
        }
    }
    out
}
