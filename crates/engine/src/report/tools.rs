//! The "what did it do" breakdowns of a report: tools, shell programs, MCP servers, skills,
//! sub-agent types and git branches, each with its uses and the cost of the calls that used it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aggregate::Filter;
use crate::model::Usd;
use crate::rollup::{ToolKind, ToolSlice};

/// Uses and cost of one name (a tool, a program, a server, a branch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NameRow {
    /// The name.
    pub name: String,
    /// Uses (calls, for branches).
    pub calls: u64,
    /// The cost of the calls that used it (a call that used two counts for both).
    pub cost: Usd,
}

/// The "what did it do" breakdowns.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolBreakdown {
    /// Tools other than MCP tools, by uses.
    pub core: Vec<NameRow>,
    /// Programs run by shell commands (`npm`, `git`, `rg`), by uses.
    pub shell: Vec<NameRow>,
    /// MCP servers, by uses.
    pub mcp: Vec<NameRow>,
    /// Skills, by cost.
    pub skills: Vec<NameRow>,
    /// Sub-agent types spawned, by cost.
    pub agents: Vec<NameRow>,
    /// Git branches, by cost.
    pub branches: Vec<NameRow>,
}

impl ToolBreakdown {
    /// Sums the tool rollup rows (already limited to the filter's days) whose tool and
    /// project `filter` keeps.
    pub fn build(rows: &[ToolSlice], filter: &Filter) -> ToolBreakdown {
        let mut sums: BTreeMap<(ToolKind, &str), (u64, Usd)> = BTreeMap::new();
        for r in rows
            .iter()
            .filter(|r| filter.keeps_source(r.provider, &r.project))
        {
            let e = sums.entry((r.kind, r.name.as_str())).or_default();
            e.0 += r.uses;
            e.1 += r.cost;
        }
        let mut out = ToolBreakdown::default();
        for ((kind, name), (calls, cost)) in sums {
            let row = NameRow {
                name: name.to_string(),
                calls,
                cost,
            };
            match kind {
                ToolKind::Core => out.core.push(row),
                ToolKind::Shell => out.shell.push(row),
                ToolKind::Mcp => out.mcp.push(row),
                ToolKind::Skill => out.skills.push(row),
                ToolKind::Agent => out.agents.push(row),
                ToolKind::Branch => out.branches.push(row),
            }
        }
        let by_calls = |a: &NameRow, b: &NameRow| b.calls.cmp(&a.calls).then(a.name.cmp(&b.name));
        let by_cost = |a: &NameRow, b: &NameRow| b.cost.cmp(&a.cost).then(a.name.cmp(&b.name));
        out.core.sort_by(by_calls);
        out.shell.sort_by(by_calls);
        out.mcp.sort_by(by_calls);
        out.skills.sort_by(by_cost);
        out.agents.sort_by(by_cost);
        out.branches.sort_by(by_cost);
        out
    }
}
