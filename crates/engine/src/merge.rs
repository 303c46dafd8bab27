//! Merging copies of one call (streamed lines, resumed-session replays, sub-agent progress
//! mirrors, archived rollouts) into one, by a rule that does not depend on the order copies
//! arrive in — within one read, across files, and across runs of the index alike:
//!
//! - timestamp: the earliest copy's (a `session-total` record's: the latest, as it stands for
//!   the session's last activity and moves as the session goes on);
//! - usage and model: the most complete copy's ([`UsageEvent::completeness`]);
//! - session and project: the copy from the source file ranked first ([`Rank`]): the file
//!   whose latest call is earliest (a resumed session's file always ends after the original's,
//!   so the original keeps its calls), then the older mtime, then the older file id. Content
//!   comes before metadata so the answer holds when mtimes are lost (copied or cloned trees).

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use crate::model::{ProviderId, UsageEvent};

/// Orders source files, lower = written first: (latest call ms, mtime ms, file id).
pub type Rank = (i64, i64, i64);

/// Merges copy `e` (from a file ranked `rank`) into `m` (whose owner is ranked `m_rank`).
/// Returns true when `m` changed.
pub fn merge_copy(m: &mut UsageEvent, m_rank: &mut Rank, e: UsageEvent, rank: Rank) -> bool {
    let before = (m.timestamp_ms, m.session_id.len(), m.project.len());
    let owner_is_new = rank < *m_rank;
    let when = if m.session_total || e.session_total {
        m.timestamp_ms.max(e.timestamp_ms)
    } else {
        m.timestamp_ms.min(e.timestamp_ms)
    };
    let mut changed = false;
    let (session, project) = if owner_is_new {
        changed |= m.session_id != e.session_id || m.project != e.project;
        *m_rank = rank;
        (e.session_id.clone(), e.project.clone())
    } else {
        (
            std::mem::take(&mut m.session_id),
            std::mem::take(&mut m.project),
        )
    };
    // tool uses and text flags: the union of the copies (a streamed message logs one content
    // block per line)
    let mut tools = std::mem::take(&mut m.tools);
    for t in &e.tools {
        if !tools
            .iter()
            .any(|u| u == t || (!t.id.is_empty() && u.id == t.id))
        {
            tools.push(t.clone());
            changed = true;
        }
    }
    let self_correction = m.self_correction || e.self_correction;
    changed |= self_correction != m.self_correction;
    changed |= m.branch.is_none() && e.branch.is_some();
    let branch = m.branch.take().or_else(|| e.branch.clone());
    if e.completeness() > m.completeness() {
        *m = e;
        changed = true;
    }
    m.tools = tools;
    m.self_correction = self_correction;
    if m.branch.is_none() {
        m.branch = branch;
    }
    m.session_id = session;
    m.project = project;
    changed |= when != before.0;
    m.timestamp_ms = when;
    changed
}

/// Merges copies in memory, keyed by (provider, dedup key).
#[derive(Default)]
pub struct Merger {
    index: FxHashMap<(ProviderId, String), usize>,
    merged: Vec<(UsageEvent, Rank)>,
}

impl Merger {
    /// Adds one copy from a file ranked `rank`.
    pub fn add(&mut self, e: UsageEvent, rank: Rank) {
        match self.index.entry((e.provider, e.key.clone())) {
            Entry::Vacant(v) => {
                v.insert(self.merged.len());
                self.merged.push((e, rank));
            }
            Entry::Occupied(o) => {
                let (m, m_rank) = &mut self.merged[*o.get()];
                merge_copy(m, m_rank, e, rank);
            }
        }
    }

    /// The merged calls with their owner ranks, in first-seen order.
    pub fn finish_ranked(self) -> Vec<(UsageEvent, Rank)> {
        self.merged
    }

    /// The merged calls, in first-seen order.
    pub fn finish(self) -> Vec<UsageEvent> {
        self.merged.into_iter().map(|(e, _)| e).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Tokens, ToolUse};

    fn copy(tools: Vec<ToolUse>, branch: Option<&str>) -> UsageEvent {
        UsageEvent {
            tools,
            branch: branch.map(str::to_string),
            ..UsageEvent::new(
                ProviderId::ClaudeCode,
                "claude:msg_1".into(),
                1_000,
                "claude-sonnet-4-5".into(),
                "s".into(),
                "/p".into(),
                Tokens::default(),
            )
        }
    }

    /// A call stored before tool uses and branches were kept (an upgraded index) gains them
    /// from the re-read copy, and the merge says it changed so the row is written.
    #[test]
    fn copies_add_tool_uses_and_a_branch_the_stored_call_lacks() {
        let rank = (0, 0, 1);
        let mut stored = copy(Vec::new(), None);
        let mut owner = rank;
        let edit = ToolUse::on_file("toolu_1", "Edit", "/p/a.rs");
        assert!(merge_copy(
            &mut stored,
            &mut owner,
            copy(vec![edit.clone()], Some("main")),
            rank
        ));
        assert_eq!(stored.tools, vec![edit.clone()]);
        assert_eq!(stored.branch.as_deref(), Some("main"));
        // text-only call: the branch alone is a change
        let mut stored = copy(Vec::new(), None);
        assert!(merge_copy(
            &mut stored,
            &mut owner,
            copy(Vec::new(), Some("dev")),
            rank
        ));
        assert_eq!(stored.branch.as_deref(), Some("dev"));
        // the same copy again changes nothing; streamed copies union their blocks once each
        assert!(!merge_copy(
            &mut stored,
            &mut owner,
            copy(Vec::new(), Some("dev")),
            rank
        ));
        let bash = ToolUse::shell("toolu_2", "Bash", "cargo test");
        let mut m = copy(vec![edit.clone()], None);
        merge_copy(&mut m, &mut owner, copy(vec![bash.clone()], None), rank);
        merge_copy(
            &mut m,
            &mut owner,
            copy(vec![edit.clone(), bash.clone()], None),
            rank,
        );
        assert_eq!(m.tools, vec![edit, bash]);
    }
}
