//! A session's calls summed into the rows the index keeps for reports: slices per (day,
//! model, project, activity) with their turn counts, and tool rows per (day, project, kind,
//! name). Pure: the store loads a session's prompts and calls, calls [`session`], and writes
//! what it returns, so the rule that makes a report's numbers lives here once.
//!
//! A call's tokens and cost count on its own day; a turn is classified whole
//! ([`crate::classify::turns`]) and counted once, on its first call that is not a
//! supplementary record (its day, model and project), so any partition of the calls sums to
//! the same figures.

use std::collections::BTreeMap;

use crate::aggregate::Totals;
use crate::classify::turns;
use crate::classify::{Category, PromptSig};
use crate::model::{CostSource, ProviderId, Tokens, ToolUse, Usd};

/// One call of a session, as the rollup needs it. `day`, `model` and `project` are opaque
/// ids (the index's day number and interned names): the rollup only groups by them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCall {
    /// When, UTC ms.
    pub ts_ms: i64,
    /// Its day ([`crate::time::day_number`] in the index zone).
    pub day: i64,
    /// Its model's id.
    pub model: i64,
    /// Its project's id.
    pub project: i64,
    /// The tool that made it.
    pub provider: ProviderId,
    /// Its tokens.
    pub tokens: Tokens,
    /// Its cost (`None`: unpriced).
    pub cost: Option<Usd>,
    /// Where the cost came from.
    pub cost_source: CostSource,
    /// A supplementary record (e.g. a Cursor context meter): tokens and cost count, the call
    /// does not.
    pub supplementary: bool,
    /// A per-request record from the tool's telemetry export ([`UsageEvent::authoritative`]).
    ///
    /// [`UsageEvent::authoritative`]: crate::model::UsageEvent::authoritative
    pub authoritative: bool,
    /// Its text owned up to a mistake.
    pub self_correction: bool,
    /// Its tool uses, in order.
    pub tools: Vec<ToolUse>,
    /// The git branch it was made on, when logged.
    pub branch: Option<String>,
}

/// A slice's key within a session: (day, model, project, activity).
pub type SliceKey = (i64, i64, i64, Category);

/// A slice's sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceSums {
    /// The tool of its calls.
    pub provider: ProviderId,
    /// The sums, turn counts included.
    pub totals: Totals,
    /// Earliest call, UTC ms.
    pub first_ms: i64,
    /// Latest call, UTC ms.
    pub last_ms: i64,
}

/// A tool row's key within a session: (day, project, kind, name).
pub type ToolKey = (i64, i64, ToolKind, String);

/// A tool row's sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolSums {
    /// The tool of its calls.
    pub provider: ProviderId,
    /// Uses (calls, for a branch).
    pub uses: u64,
    /// The cost of the calls that used it, each call once per name.
    pub cost: Usd,
}

/// One session's rollup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionRollup {
    /// Slices, ordered by key.
    pub slices: BTreeMap<SliceKey, SliceSums>,
    /// Tool rows, ordered by key.
    pub tools: BTreeMap<ToolKey, ToolSums>,
}

/// Classifies a session's turns and sums its calls into slices and tool rows. `prompts` and
/// `calls` are each in time order (calls with equal times in a stable order, e.g. by id).
pub fn session(prompts: &[(i64, PromptSig)], calls: &[SessionCall]) -> SessionRollup {
    // A session with per-request telemetry counts it alone: its other records keep their
    // times and tool uses (turns, classification) but add no tokens, cost or calls.
    let shadowed: Vec<SessionCall>;
    let calls = if calls.iter().any(|c| c.authoritative) {
        shadowed = calls
            .iter()
            .map(|c| {
                if c.authoritative {
                    c.clone()
                } else {
                    SessionCall {
                        tokens: Tokens::default(),
                        cost: None,
                        supplementary: true,
                        ..c.clone()
                    }
                }
            })
            .collect();
        &shadowed[..]
    } else {
        calls
    };
    let mut out = SessionRollup::default();
    for turn in turns::split(prompts, calls.iter().map(|c| c.ts_ms)) {
        let uses: Vec<ToolUse> = turn
            .calls
            .iter()
            .flat_map(|&i| calls[i].tools.iter().cloned())
            .collect();
        let verdict = turn.verdict(&uses);
        let turn_cost: Usd = turn.calls.iter().filter_map(|&i| calls[i].cost).sum();
        let head = turn
            .calls
            .iter()
            .copied()
            .find(|&i| !calls[i].supplementary);
        for &i in &turn.calls {
            let c = &calls[i];
            let slot = out
                .slices
                .entry((c.day, c.model, c.project, verdict.category))
                .or_insert(SliceSums {
                    provider: c.provider,
                    totals: Totals::default(),
                    first_ms: c.ts_ms,
                    last_ms: c.ts_ms,
                });
            let t = &mut slot.totals;
            t.add_call(&c.tokens, c.cost, c.cost_source, c.supplementary);
            t.turns.self_corrections += u64::from(c.self_correction);
            t.turns.tool_uses += c.tools.len() as u64;
            slot.first_ms = slot.first_ms.min(c.ts_ms);
            slot.last_ms = slot.last_ms.max(c.ts_ms);
            if head == Some(i) {
                t.turns.turns += 1;
                if verdict.edit_turn {
                    t.turns.edit_turns += 1;
                    t.turns.one_shot_turns += u64::from(verdict.one_shot());
                    t.turns.retries += u64::from(verdict.retries);
                    t.turns.edit_cost += turn_cost;
                }
            }
            add_tools(&mut out.tools, c);
        }
    }
    out
}

/// Counts a call's tool uses by kind and name: every use counts, and the call's cost counts
/// once per name.
fn add_tools(map: &mut BTreeMap<ToolKey, ToolSums>, c: &SessionCall) {
    let cost = c.cost.unwrap_or(Usd::ZERO);
    let mut costed: Vec<(ToolKind, &str)> = Vec::new();
    let mut names: Vec<(ToolKind, &str)> = Vec::new();
    for t in &c.tools {
        match t.mcp_server() {
            Some(server) => names.push((ToolKind::Mcp, server)),
            None => names.push((ToolKind::Core, &t.tool)),
        }
        names.extend(t.programs.iter().map(|p| (ToolKind::Shell, p.as_str())));
        if let Some(d) = &t.detail {
            let kind = if t.tool.eq_ignore_ascii_case("skill") {
                ToolKind::Skill
            } else {
                ToolKind::Agent
            };
            names.push((kind, d));
        }
    }
    if let Some(b) = &c.branch {
        names.push((ToolKind::Branch, b));
    }
    for (kind, name) in names {
        let slot = map
            .entry((c.day, c.project, kind, name.to_string()))
            .or_insert(ToolSums {
                provider: c.provider,
                uses: 0,
                cost: Usd::ZERO,
            });
        slot.uses += 1;
        if !costed.contains(&(kind, name)) {
            slot.cost += cost;
            costed.push((kind, name));
        }
    }
}

/// What a `tool_slices` row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ToolKind {
    /// A tool other than an MCP tool (`Edit`, `Bash`, `Read`).
    Core,
    /// A program run by a shell command (`npm`, `git`, `rg`).
    Shell,
    /// An MCP server (`mcp__<server>__<tool>`).
    Mcp,
    /// A skill (`Skill` with its name).
    Skill,
    /// A sub-agent type (`Agent`/`Task` with its `subagent_type`).
    Agent,
    /// A git branch (calls made on it).
    Branch,
}

impl ToolKind {
    pub(crate) fn code(self) -> i64 {
        self as i64
    }

    pub(crate) fn from_code(c: i64) -> ToolKind {
        match c {
            0 => ToolKind::Core,
            1 => ToolKind::Shell,
            2 => ToolKind::Mcp,
            3 => ToolKind::Skill,
            4 => ToolKind::Agent,
            _ => ToolKind::Branch,
        }
    }
}

/// Tool uses of one name by one tool in one project over a range of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolSlice {
    /// Tool.
    pub provider: ProviderId,
    /// Project.
    pub project: String,
    /// What is counted.
    pub kind: ToolKind,
    /// Its name.
    pub name: String,
    /// Uses (calls on a branch).
    pub uses: u64,
    /// The cost of the calls that used it (each call once per name).
    pub cost: Usd,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(ts_ms: i64, cost: i64, tools: Vec<ToolUse>) -> SessionCall {
        SessionCall {
            ts_ms,
            day: 1,
            model: 7,
            project: 3,
            provider: ProviderId::ClaudeCode,
            tokens: Tokens {
                input: 10,
                output: 5,
                ..Tokens::default()
            },
            cost: Some(Usd(cost)),
            cost_source: CostSource::Computed,
            supplementary: false,
            authoritative: false,
            self_correction: false,
            tools,
            branch: None,
        }
    }

    #[test]
    fn a_turn_counts_once_and_its_calls_all_count() {
        let prompts = [(0, PromptSig::of("fix the failing test"))];
        let calls = [
            call(1, 100, vec![ToolUse::on_file("", "Edit", "/a.rs")]),
            call(2, 200, vec![ToolUse::shell("", "Bash", "cargo test")]),
            call(3, 300, vec![ToolUse::on_file("", "Edit", "/a.rs")]),
        ];
        let r = session(&prompts, &calls);
        assert_eq!(r.slices.len(), 1, "one day, model, project and activity");
        let (key, s) = r.slices.iter().next().unwrap();
        assert_eq!(key.3, Category::Debugging);
        assert_eq!(s.totals.calls, 3);
        assert_eq!(s.totals.tokens.input, 30);
        assert_eq!(s.totals.cost, Usd(600));
        assert_eq!((s.first_ms, s.last_ms), (1, 3));
        let t = s.totals.turns;
        assert_eq!((t.turns, t.edit_turns, t.one_shot_turns), (1, 1, 0));
        assert_eq!((t.retries, t.edit_cost, t.tool_uses), (1, Usd(600), 3));
    }

    #[test]
    fn a_supplementary_record_adds_tokens_but_neither_a_call_nor_the_turn() {
        let prompts = [(0, PromptSig::of("hello"))];
        let mut meter = call(1, 50, Vec::new());
        meter.supplementary = true;
        meter.cost = None;
        let calls = [meter, call(2, 100, Vec::new())];
        let r = session(&prompts, &calls);
        let s = r.slices.values().next().unwrap();
        assert_eq!(s.totals.calls, 1);
        assert_eq!(
            s.totals.unpriced_calls, 0,
            "a supplementary record is never unpriced"
        );
        assert_eq!(s.totals.tokens.input, 20);
        assert_eq!(s.totals.turns.turns, 1, "counted on the first real call");
    }

    #[test]
    fn tool_rows_count_every_use_and_the_cost_once_per_name() {
        let mut c = call(
            1,
            100,
            vec![
                ToolUse::shell("", "Bash", "cargo test && cargo build"),
                ToolUse::named("", "mcp__github__get_issue"),
                ToolUse::named("", "mcp__github__list_prs"),
                ToolUse::named("", "Skill").with_detail(Some("pdf")),
            ],
        );
        c.branch = Some("main".into());
        let r = session(&[], &[c]);
        let row = |kind: ToolKind, name: &str| r.tools[&(1, 3, kind, name.to_string())];
        assert_eq!(row(ToolKind::Shell, "cargo").uses, 2);
        assert_eq!(
            row(ToolKind::Shell, "cargo").cost,
            Usd(100),
            "cost once per name"
        );
        assert_eq!(row(ToolKind::Mcp, "github").uses, 2);
        assert_eq!(row(ToolKind::Core, "Bash").uses, 1);
        assert_eq!(row(ToolKind::Skill, "pdf").uses, 1);
        assert_eq!(row(ToolKind::Branch, "main").cost, Usd(100));
    }
}
