//! `yield`: how much of the spend shipped. Each session whose working directory is in a git
//! repository is matched with the commits made during it, read-only through `gix` (never by
//! running git), and its cost is labelled:
//!
//! - `productive`: its commits reached the main branch (`origin/HEAD`, else `main`, else
//!   `master`, else `HEAD`) and were not reverted;
//! - `reverted`: at least half of its main-branch commits were reverted later (`This reverts
//!   commit <sha>` in any commit, full or 7-character sha);
//! - `abandoned`: no commit, or only commits that never reached the main branch;
//! - `ambiguous`: its candidate commits all went to another session;
//! - `noRepository`: its directory is not (or no longer) a readable repository.
//!
//! Which session a commit belongs to: a session's window is [first call, last call + 1 h]. A
//! commit (by its author time) is a candidate for every session of its repository whose window
//! holds it. Better than a timestamp window alone, a session that edited files must have
//! edited one the commit touches (the index keeps hashes of edited paths): among those, the
//! one that edited the most of the commit's files wins, then the narrowest window, the earliest
//! start, the smallest id. A session with no edit on record is matched by its window alone.
//! Subdirectories and linked worktrees of one repository share its commits.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::classify::rules;
use crate::model::{ProviderId, Usd};
use crate::store::CallRow;
use crate::time::Span;

/// How long after its last call a session can still have made a commit.
const GRACE_MS: i64 = 60 * 60 * 1000;

/// The methods, in the JSON.
pub const METHODOLOGY: &str = "file-overlap-then-timestamp-window";

/// What yield found for a period.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Yield {
    /// The period.
    pub period: Span,
    /// How commits were matched to sessions ([`METHODOLOGY`]).
    pub methodology: &'static str,
    /// Every session.
    pub overall: Buckets,
    /// Per project, costliest first.
    pub projects: Vec<ProjectYield>,
    /// Repositories that could not be read, with why (their sessions are `noRepository`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Cost and sessions per label, and what the productive part bought.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Buckets {
    /// Commits on the main branch, not reverted.
    pub productive: Bucket,
    /// Most of its main-branch commits reverted.
    pub reverted: Bucket,
    /// No commit that reached the main branch.
    pub abandoned: Bucket,
    /// Its candidate commits went to other sessions.
    pub ambiguous: Bucket,
    /// Not in a readable repository.
    pub no_repository: Bucket,
    /// Productive commits.
    pub productive_commits: u64,
    /// Productive cost per productive commit, USD.
    #[serde(rename = "costPerProductiveCommitUSD")]
    pub cost_per_productive_commit_usd: Option<f64>,
    /// Lines added by productive commits per dollar of productive cost.
    pub lines_added_per_dollar: Option<f64>,
    /// Lines removed by productive commits per dollar of productive cost.
    pub lines_removed_per_dollar: Option<f64>,
    #[serde(skip)]
    lines: (u64, u64),
}

/// One label's sums.
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    /// USD.
    pub cost: f64,
    /// Sessions.
    pub sessions: u64,
    /// Share of the cost, 0..1.
    pub share: f64,
    #[serde(skip)]
    micros: i64,
}

/// One project's yield.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectYield {
    /// The project (working directory).
    pub project: String,
    /// Its sessions' labels.
    #[serde(flatten)]
    pub buckets: Buckets,
}

/// A session's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// Shipped.
    Productive,
    /// Shipped, then reverted.
    Reverted,
    /// Never shipped.
    Abandoned,
    /// Its commits went to another session.
    Ambiguous,
    /// Not in a repository.
    NoRepository,
}

/// A session as yield sees it.
#[derive(Debug)]
struct Session {
    id: String,
    project: String,
    first_ms: i64,
    last_ms: i64,
    cost: Usd,
    /// Hashes of the paths it edited.
    edited: HashSet<u32>,
}

impl Session {
    fn window(&self) -> (i64, i64) {
        (self.first_ms, self.last_ms + GRACE_MS)
    }
}

/// A commit in a session window.
#[derive(Debug)]
struct Commit {
    id: gix::ObjectId,
    author_ms: i64,
    /// The paths it touched, in the repository.
    files: Vec<String>,
    lines: (u64, u64),
    on_main: bool,
    reverted: bool,
}

/// Groups `calls` into sessions.
fn sessions(calls: &[CallRow]) -> Vec<Session> {
    let mut by: BTreeMap<(ProviderId, &str), Session> = BTreeMap::new();
    for c in calls {
        let e = &c.event;
        let s = by
            .entry((e.provider, e.session_id.as_str()))
            .or_insert_with(|| Session {
                id: e.session_id.clone(),
                project: e.project.clone(),
                first_ms: e.timestamp_ms,
                last_ms: e.timestamp_ms,
                cost: Usd::ZERO,
                edited: HashSet::new(),
            });
        s.first_ms = s.first_ms.min(e.timestamp_ms);
        s.last_ms = s.last_ms.max(e.timestamp_ms);
        s.cost += c.cost.unwrap_or(Usd::ZERO);
        for t in &e.tools {
            if let Some(f) = t.file
                && rules::EDIT.contains(&t.tool.to_ascii_lowercase().as_str())
            {
                s.edited.insert(f);
            }
        }
    }
    by.into_values().collect()
}

/// A repository as found from a session's directory.
struct Found {
    /// The shared git directory (the same for every worktree).
    common: PathBuf,
    /// This worktree's root.
    workdir: PathBuf,
}

fn discover(dir: &str) -> Result<Found, String> {
    let path = Path::new(dir);
    if !path.is_absolute() || !path.is_dir() {
        return Err(format!("{dir}: no such directory"));
    }
    let repo = gix::discover(path).map_err(|e| format!("{dir}: {e}"))?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| format!("{dir}: a bare repository"))?
        .to_path_buf();
    let common = std::fs::canonicalize(repo.common_dir())
        .unwrap_or_else(|_| repo.common_dir().to_path_buf());
    Ok(Found { common, workdir })
}

/// Yield for the sessions of `calls` in `span`, with `now` bounding the walk.
pub fn build(calls: &[CallRow], span: Span) -> Yield {
    let sessions = sessions(calls);
    let mut labels: Vec<(Label, u64, (u64, u64))> =
        vec![(Label::NoRepository, 0, (0, 0)); sessions.len()];
    let mut notes = Vec::new();
    // repositories: shared git dir -> its sessions, with each session's worktree root
    let mut found: HashMap<String, Result<(PathBuf, PathBuf), String>> = HashMap::new();
    let mut repos: BTreeMap<PathBuf, Vec<(usize, PathBuf)>> = BTreeMap::new();
    for (i, s) in sessions.iter().enumerate() {
        let f = found
            .entry(s.project.clone())
            .or_insert_with(|| discover(&s.project).map(|f| (f.common, f.workdir)));
        if let Ok((common, workdir)) = f {
            repos
                .entry(common.clone())
                .or_default()
                .push((i, workdir.clone()));
        }
    }
    for (common, members) in &repos {
        match commits_for(common, members, &sessions) {
            Ok(commits) => award(&commits, members, &sessions, &mut labels),
            Err(e) => {
                notes.push(format!("{}: {e}", common.display()));
            }
        }
    }
    let mut overall = Buckets::default();
    let mut projects: BTreeMap<&str, Buckets> = BTreeMap::new();
    for (s, (label, commits, lines)) in sessions.iter().zip(&labels) {
        overall.add(*label, s.cost, *commits, *lines);
        projects
            .entry(s.project.as_str())
            .or_default()
            .add(*label, s.cost, *commits, *lines);
    }
    overall.finish();
    let mut projects: Vec<ProjectYield> = projects
        .into_iter()
        .map(|(project, mut buckets)| {
            buckets.finish();
            ProjectYield {
                project: project.to_string(),
                buckets,
            }
        })
        .collect();
    projects.sort_by_key(|p| std::cmp::Reverse(p.buckets.total()));
    Yield {
        period: span,
        methodology: METHODOLOGY,
        overall,
        projects,
        notes,
    }
}

/// The commits authored in any member session's window, with their files and lines, whether
/// they reached the main branch and whether they were reverted since.
fn commits_for(
    common: &Path,
    members: &[(usize, PathBuf)],
    sessions: &[Session],
) -> Result<Vec<Commit>, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let start = members
        .iter()
        .map(|(i, _)| sessions[*i].window().0)
        .min()
        .unwrap_or(0);
    let repo = gix::open(common).map_err(|e| err(&e))?;
    let cutoff = start.div_euclid(1000) - 1;
    let tips = tips(&repo);
    if tips.is_empty() {
        return Ok(Vec::new()); // a repository without commits
    }
    let main = main_tip(&repo);
    let on_main: HashSet<gix::ObjectId> = match main {
        Some(tip) => walk(&repo, [tip], cutoff)?
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
        None => HashSet::new(),
    };
    let mut reverted_shas: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut cache = repo
        .diff_resource_cache_for_tree_diff()
        .map_err(|e| err(&e))?;
    for (id, _) in walk(&repo, tips, cutoff)? {
        let Ok(commit) = repo.find_commit(id) else {
            continue;
        };
        let message = commit.message_raw_sloppy().to_string();
        for line in message.lines() {
            if let Some(rest) = line.trim().strip_prefix("This reverts commit ") {
                let sha: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
                if sha.len() >= 7 {
                    reverted_shas.push(sha.to_ascii_lowercase());
                }
            }
        }
        let Some(author_ms) = commit
            .author()
            .ok()
            .and_then(|a| a.time().ok())
            .map(|t| t.seconds * 1000)
        else {
            continue;
        };
        let parents: Vec<gix::ObjectId> = commit.parent_ids().map(gix::Id::detach).collect();
        let in_a_window = members.iter().any(|(i, _)| {
            let (from, to) = sessions[*i].window();
            (from..=to).contains(&author_ms)
        });
        if !in_a_window || parents.len() > 1 {
            continue; // outside every window, or a merge (its work is its parents')
        }
        let (files, lines) = changes(&repo, &commit, parents.first(), &mut cache);
        out.push(Commit {
            id,
            author_ms,
            files,
            lines,
            on_main: on_main.contains(&id),
            reverted: false,
        });
    }
    for c in &mut out {
        let hex = c.id.to_string();
        c.reverted = reverted_shas
            .iter()
            .any(|sha| hex.starts_with(sha.as_str()) || (sha.len() >= 40 && *sha == hex));
    }
    Ok(out)
}

/// Every ref's commit and `HEAD`'s: commits on any branch are candidates (the main branch
/// decides the label).
fn tips(repo: &gix::Repository) -> Vec<gix::ObjectId> {
    let mut tips = Vec::new();
    if let Ok(platform) = repo.references()
        && let Ok(all) = platform.all()
    {
        for r in all.flatten() {
            if let Ok(id) = r.into_fully_peeled_id()
                && let Ok(obj) = id.object()
                && obj.kind == gix::object::Kind::Commit
            {
                tips.push(id.detach());
            }
        }
    }
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    tips.sort();
    tips.dedup();
    tips
}

/// The main branch's tip: `origin/HEAD`, else `main`, `master`, else `HEAD`.
fn main_tip(repo: &gix::Repository) -> Option<gix::ObjectId> {
    for name in [
        "refs/remotes/origin/HEAD",
        "refs/heads/main",
        "refs/heads/master",
    ] {
        if let Ok(Some(r)) = repo.try_find_reference(name)
            && let Ok(id) = r.into_fully_peeled_id()
        {
            return Some(id.detach());
        }
    }
    repo.head_id().ok().map(gix::Id::detach)
}

/// Commits reachable from `tips` committed at or after `cutoff` (seconds), newest first.
fn walk(
    repo: &gix::Repository,
    tips: impl IntoIterator<Item = gix::ObjectId>,
    cutoff: i64,
) -> Result<Vec<(gix::ObjectId, i64)>, String> {
    use gix::revision::walk::Sorting;
    use gix::traverse::commit::simple::CommitTimeOrder;
    let walk = repo
        .rev_walk(tips)
        .sorting(Sorting::ByCommitTimeCutoff {
            order: CommitTimeOrder::NewestFirst,
            seconds: cutoff,
        })
        .all()
        .map_err(|e| e.to_string())?;
    Ok(walk
        .filter_map(Result::ok)
        .map(|info| (info.id, info.commit_time.unwrap_or(0)))
        .collect())
}

/// The files a commit touched against its first parent, and its lines added/removed.
fn changes(
    repo: &gix::Repository,
    commit: &gix::Commit<'_>,
    parent: Option<&gix::ObjectId>,
    cache: &mut gix::diff::blob::Platform,
) -> (Vec<String>, (u64, u64)) {
    let Ok(tree) = commit.tree() else {
        return (Vec::new(), (0, 0));
    };
    let old = parent
        .and_then(|p| repo.find_commit(*p).ok())
        .and_then(|c| c.tree().ok())
        .unwrap_or_else(|| repo.empty_tree());
    let mut files = Vec::new();
    let (mut added, mut removed) = (0u64, 0u64);
    let Ok(mut platform) = old.changes() else {
        return (files, (0, 0));
    };
    let _ = platform.for_each_to_obtain_tree(&tree, |change| {
        if change.entry_mode().is_blob() {
            files.push(change.location().to_string());
            if let Ok(mut diff) = change.diff(cache)
                && let Ok(Some(counts)) = diff.line_counts()
            {
                added += u64::from(counts.insertions);
                removed += u64::from(counts.removals);
            }
        }
        Ok(gix::object::tree::diff::Action::Continue(()))
    });
    cache.clear_resource_cache_keep_allocation();
    (files, (added, removed))
}

/// Awards each commit to one member session and labels the members.
fn award(
    commits: &[Commit],
    members: &[(usize, PathBuf)],
    sessions: &[Session],
    labels: &mut [(Label, u64, (u64, u64))],
) {
    let mut won: HashMap<usize, Vec<&Commit>> = HashMap::new();
    let mut candidate: HashSet<usize> = HashSet::new();
    for c in commits {
        let mut best: Option<(usize, (usize, i64, i64))> = None;
        for (i, workdir) in members {
            let s = &sessions[*i];
            let (from, to) = s.window();
            if c.author_ms < from || c.author_ms > to {
                continue;
            }
            // the tools log absolute paths (in the session's own worktree), some relative ones
            let overlap = c
                .files
                .iter()
                .filter(|rel| {
                    let abs = workdir.join(rel);
                    s.edited
                        .contains(&crate::model::fnv32(&abs.to_string_lossy()))
                        || s.edited.contains(&crate::model::fnv32(rel))
                })
                .count();
            if overlap == 0 && !s.edited.is_empty() {
                continue; // it edited files, none of this commit's
            }
            candidate.insert(*i);
            // more overlap, then the narrowest window, then the earliest start
            let rank = (overlap, -(to - from), -from);
            let better = best.is_none_or(|(j, r)| rank > r || (rank == r && s.id < sessions[j].id));
            if better {
                best = Some((*i, rank));
            }
        }
        if let Some((i, _)) = best {
            won.entry(i).or_default().push(c);
        }
    }
    for (i, _) in members {
        let label = match won.get(i) {
            None if candidate.contains(i) => Label::Ambiguous,
            None => Label::Abandoned,
            Some(cs) => {
                let main: Vec<&&Commit> = cs.iter().filter(|c| c.on_main).collect();
                let reverted = main.iter().filter(|c| c.reverted).count();
                if main.is_empty() {
                    Label::Abandoned
                } else if reverted * 2 >= main.len() {
                    Label::Reverted
                } else {
                    Label::Productive
                }
            }
        };
        let productive: Vec<&&Commit> = won
            .get(i)
            .map(|cs| cs.iter().filter(|c| c.on_main && !c.reverted).collect())
            .unwrap_or_default();
        let lines = productive
            .iter()
            .fold((0, 0), |(a, r), c| (a + c.lines.0, r + c.lines.1));
        labels[*i] = (label, productive.len() as u64, lines);
    }
}

impl Buckets {
    fn add(&mut self, label: Label, cost: Usd, commits: u64, lines: (u64, u64)) {
        let b = match label {
            Label::Productive => &mut self.productive,
            Label::Reverted => &mut self.reverted,
            Label::Abandoned => &mut self.abandoned,
            Label::Ambiguous => &mut self.ambiguous,
            Label::NoRepository => &mut self.no_repository,
        };
        b.micros += cost.micros();
        b.sessions += 1;
        if label == Label::Productive {
            self.productive_commits += commits;
            self.lines.0 += lines.0;
            self.lines.1 += lines.1;
        }
    }

    fn total(&self) -> i64 {
        self.buckets().iter().map(|b| b.micros).sum()
    }

    fn buckets(&self) -> [&Bucket; 5] {
        [
            &self.productive,
            &self.reverted,
            &self.abandoned,
            &self.ambiguous,
            &self.no_repository,
        ]
    }

    fn finish(&mut self) {
        let total = self.total();
        for b in [
            &mut self.productive,
            &mut self.reverted,
            &mut self.abandoned,
            &mut self.ambiguous,
            &mut self.no_repository,
        ] {
            b.cost = Usd(b.micros).as_f64();
            #[allow(clippy::cast_precision_loss)]
            if total > 0 {
                b.share = b.micros as f64 / total as f64;
            }
        }
        let productive = self.productive.cost;
        #[allow(clippy::cast_precision_loss)]
        if productive > 0.0 {
            if self.productive_commits > 0 {
                self.cost_per_productive_commit_usd =
                    Some(productive / self.productive_commits as f64);
            }
            self.lines_added_per_dollar = Some(self.lines.0 as f64 / productive);
            self.lines_removed_per_dollar = Some(self.lines.1 as f64 / productive);
        }
    }
}
