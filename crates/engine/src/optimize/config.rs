//! The tools' own configuration, read read-only (never written): MCP servers, `CLAUDE.md`
//! instructions, agents, skills and the shell output cap; and the detectors that compare it
//! with what the logs show was used.
//!
//! Where each comes from: Claude Code's `~/.claude.json` (`mcpServers`, and per project
//! `projects.<path>.mcpServers`), each project's `.mcp.json`, Codex's `~/.codex/config.toml`
//! (`[mcp_servers.<name>]`); `CLAUDE.md` and `.claude/CLAUDE.md` in each project directory
//! with their `@path` imports (5 deep); `~/.claude/agents/*.md`, `~/.claude/skills/*/SKILL.md`;
//! `BASH_MAX_OUTPUT_LENGTH` in `~/.claude/settings.json`'s `env` or a shell profile.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::detect::TOKENS_PER_READ;
use super::{Basis, Class, Evidence, Finding, Fix, Input, Severity, usd};
use crate::model::{Tokens, Usd};
use crate::paths::Paths;

/// Tokens one MCP tool's schema adds to every request (CodeBurn's modelling constant).
const TOKENS_PER_TOOL_SCHEMA: u64 = 400;
/// Tools an MCP server is assumed to expose when the logs cannot say.
const TOOLS_PER_SERVER: u64 = 5;
/// Tokens per line of instructions.
const TOKENS_PER_LINE: u64 = 13;
/// Tokens an agent's or skill's description adds to every request.
const TOKENS_PER_DEFINITION: u64 = 80;
/// Lines of instructions past which `CLAUDE.md` is too long.
const MAX_INSTRUCTION_LINES: usize = 200;
/// Claude Code's default shell output cap, and the cap worth setting.
const DEFAULT_BASH_CAP: u64 = 30_000;
const GOOD_BASH_CAP: u64 = 15_000;
/// The most read of any one configuration file.
const CONFIG_CAP: u64 = 16 << 20;

/// What the tools are configured with.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// Configured MCP servers: name -> the file that configures it, and when it last changed.
    pub mcp_servers: BTreeMap<String, (PathBuf, i64)>,
    /// Each project's instructions: the file and its line count with imports expanded.
    pub instructions: Vec<(PathBuf, usize)>,
    /// The shell output cap Claude Code runs with, and where it was set (`None`: the default).
    pub bash_cap: Option<(u64, PathBuf)>,
    /// User agents (`~/.claude/agents/*.md`).
    pub agents: Vec<String>,
    /// User skills (`~/.claude/skills/*/SKILL.md`).
    pub skills: Vec<String>,
    /// User slash commands (`~/.claude/commands/*.md`, `/name`).
    pub commands: Vec<String>,
}

fn read(path: &Path) -> Option<String> {
    crate::untrusted::read_capped_string(path, CONFIG_CAP).ok()
}

fn modified_ms(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Config {
    /// Reads what Claude Code (when `claude`) and Codex (when `codex`) are configured with,
    /// for the projects (working directories) in `projects`.
    pub fn read(paths: &Paths, projects: &[&str], claude: bool, codex: bool) -> Config {
        let mut c = Config::default();
        if claude {
            c.read_claude(paths, projects);
        }
        if codex {
            let file = paths.codex_home.join("config.toml");
            if let Some(doc) = read(&file).and_then(|t| t.parse::<toml::Table>().ok())
                && let Some(servers) = doc.get("mcp_servers").and_then(toml::Value::as_table)
            {
                let at = modified_ms(&file);
                for name in servers.keys() {
                    c.mcp_servers.insert(name.clone(), (file.clone(), at));
                }
            }
        }
        c
    }

    fn read_claude(&mut self, paths: &Paths, projects: &[&str]) {
        let user = paths.home.join(".claude.json");
        if let Some(doc) =
            read(&user).and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        {
            let at = modified_ms(&user);
            self.add_servers(doc.get("mcpServers"), &user, at);
            for p in projects {
                self.add_servers(
                    doc.pointer(&format!("/projects/{}/mcpServers", escape(p))),
                    &user,
                    at,
                );
            }
        }
        for p in projects {
            let dir = Path::new(p);
            if !dir.is_absolute() {
                continue;
            }
            let file = dir.join(".mcp.json");
            if let Some(doc) =
                read(&file).and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            {
                let at = modified_ms(&file);
                self.add_servers(doc.get("mcpServers"), &file, at);
            }
            for f in [dir.join("CLAUDE.md"), dir.join(".claude").join("CLAUDE.md")] {
                if let Some(lines) = instruction_lines(&f, &paths.home, 0, &mut BTreeSet::new()) {
                    self.instructions.push((f, lines));
                }
            }
        }
        for dir in &paths.claude_dirs {
            let settings = dir.join("settings.json");
            if let Some(cap) = read(&settings)
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| {
                    let v = v.pointer("/env/BASH_MAX_OUTPUT_LENGTH")?;
                    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
                })
            {
                self.bash_cap = Some((cap, settings.clone()));
            }
            self.agents.extend(names_in(&dir.join("agents"), |p| {
                p.extension().is_some_and(|e| e == "md")
            }));
            self.skills.extend(names_in(&dir.join("skills"), |p| {
                p.join("SKILL.md").is_file()
            }));
            self.commands.extend(names_in(&dir.join("commands"), |p| {
                p.extension().is_some_and(|e| e == "md")
            }));
        }
        if self.bash_cap.is_none() {
            for rc in [
                ".bashrc",
                ".zshrc",
                ".profile",
                ".bash_profile",
                ".zprofile",
                ".zshenv",
            ] {
                let file = paths.home.join(rc);
                if let Some(cap) = read(&file).as_deref().and_then(bash_cap_in) {
                    self.bash_cap = Some((cap, file));
                    break;
                }
            }
        }
        self.agents.sort();
        self.agents.dedup();
        self.skills.sort();
        self.skills.dedup();
        self.commands.sort();
        self.commands.dedup();
    }

    fn add_servers(&mut self, servers: Option<&serde_json::Value>, file: &Path, at: i64) {
        if let Some(map) = servers.and_then(serde_json::Value::as_object) {
            for name in map.keys() {
                self.mcp_servers
                    .entry(name.clone())
                    .or_insert_with(|| (file.to_path_buf(), at));
            }
        }
    }
}

/// A JSON pointer segment for `s`.
fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The names (file stems) of the entries of `dir` that `keep` accepts.
fn names_in(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| keep(p))
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect()
}

/// `export BASH_MAX_OUTPUT_LENGTH=N` (or without `export`) in a shell profile.
fn bash_cap_in(text: &str) -> Option<u64> {
    text.lines().rev().find_map(|l| {
        let l = l.trim().strip_prefix("export ").unwrap_or(l.trim());
        let v = l.strip_prefix("BASH_MAX_OUTPUT_LENGTH=")?;
        v.trim().trim_matches(['"', '\'']).parse().ok()
    })
}

/// The lines of an instructions file with its `@path` imports expanded (at most 5 deep,
/// each file once); `None` when it does not exist.
fn instruction_lines(
    file: &Path,
    home: &Path,
    depth: usize,
    seen: &mut BTreeSet<PathBuf>,
) -> Option<usize> {
    if depth > 5 || !seen.insert(file.to_path_buf()) {
        return Some(0);
    }
    let text = read(file)?;
    let mut lines = 0;
    for line in text.lines() {
        lines += 1;
        for word in line.split_whitespace() {
            let Some(rel) = word.strip_prefix('@') else {
                continue;
            };
            if rel.is_empty() || rel.contains("://") {
                continue;
            }
            let target = if let Some(home_rel) = rel.strip_prefix("~/") {
                Some(home.join(home_rel))
            } else {
                file.parent().map(|d| d.join(rel))
            };
            if let Some(t) = target.filter(|t| t.is_file()) {
                lines += instruction_lines(&t, home, depth + 1, seen).unwrap_or(0);
            }
        }
    }
    Some(lines)
}

pub(super) fn all(input: &Input<'_>) -> Vec<Finding> {
    let low = mcp_low_coverage(input);
    let low_servers: Vec<String> = low
        .as_ref()
        .map(|f| f.evidence.items.clone())
        .unwrap_or_default();
    [
        low,
        unused_mcp(input, &low_servers),
        claude_md_too_long(input),
        bash_output_cap(input),
        unused_definitions(input, Kind::Agents),
        unused_definitions(input, Kind::Skills),
        unused_commands(input),
        recurring_context(input),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// What `tokens` more (or fewer) in every call's cached prompt costs over the period: written
/// once per session, read by every other call, each at its own model's rates. `keep` picks
/// the sessions by id and project.
fn in_every_prompt(input: &Input<'_>, tokens: u64, keep: impl Fn(&str, &str) -> bool) -> Usd {
    let mut total = Usd::ZERO;
    for ((_, id), calls) in input.sessions() {
        for (i, c) in calls.iter().enumerate() {
            if c.event.supplementary || !keep(id, &c.event.project) {
                continue;
            }
            let t = if i == 0 {
                Tokens::cache_writes_5m(tokens)
            } else {
                Tokens::cache_reads(tokens)
            };
            total += input.price(&c.event.model, t, &c.event);
        }
    }
    total
}

/// `unused-mcp`: a configured MCP server no call used in the period (its configuration
/// unchanged for a day). Its tool schemas ride in every request all the same.
fn unused_mcp(input: &Input<'_>, low_coverage: &[String]) -> Option<Finding> {
    let used: BTreeSet<&str> = input
        .calls
        .iter()
        .flat_map(|c| c.event.tools.iter().filter_map(|t| t.mcp_server()))
        .collect();
    let day = 24 * 60 * 60 * 1000;
    let unused: Vec<(&String, &PathBuf)> = input
        .config
        .mcp_servers
        .iter()
        .filter(|(name, (_, at))| {
            !used.contains(name.as_str())
                && !used.contains(name.replace('-', "_").as_str())
                && !low_coverage.iter().any(|l| l == *name)
                && input.now_ms - at > day
        })
        .map(|(name, (file, _))| (name, file))
        .collect();
    if unused.is_empty() || input.calls.is_empty() {
        return None;
    }
    let n = unused.len() as u64;
    let per_prompt = n * TOOLS_PER_SERVER * TOKENS_PER_TOOL_SCHEMA;
    let sessions = input.sessions().len().max(1) as u64;
    let savings = in_every_prompt(input, per_prompt, |_, _| true);
    let names: Vec<String> = unused
        .iter()
        .map(|(name, file)| format!("{name} ({})", file.display()))
        .collect();
    Some(Finding {
        id: "unused-mcp",
        title: format!("{n} MCP servers configured but never used"),
        explanation: format!(
            "No call in the period used {}. Their tool descriptions are still sent with every \
             request (~{} tokens per server).",
            unused
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            TOOLS_PER_SERVER * TOKENS_PER_TOOL_SCHEMA
        ),
        severity: if n >= 3 {
            Severity::High
        } else {
            Severity::Medium
        },
        basis: Basis::Modelled,
        class: Class::Fix,
        tokens_saved: per_prompt * sessions,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([("servers", n), ("sessions", sessions)]).with_items(names),
        fix: Fix {
            kind: "command",
            label: "Remove them (or move them to the one project that needs them)".into(),
            text: unused
                .iter()
                .map(|(name, _)| format!("claude mcp remove {name}"))
                .collect::<Vec<_>>()
                .join("\n"),
            destination: None,
        },
    })
}

/// `claude-md-too-long`: a project's instructions (with imports) over 200 lines. Every line
/// rides in every request of every session in that project.
fn claude_md_too_long(input: &Input<'_>) -> Option<Finding> {
    let long: Vec<&(PathBuf, usize)> = input
        .config
        .instructions
        .iter()
        .filter(|(_, lines)| *lines > MAX_INSTRUCTION_LINES)
        .collect();
    if long.is_empty() {
        return None;
    }
    let mut tokens = 0;
    let mut savings = Usd::ZERO;
    for (file, lines) in &long {
        let extra = (*lines - MAX_INSTRUCTION_LINES) as u64 * TOKENS_PER_LINE;
        tokens += extra;
        let project = file
            .parent()
            .map(|d| {
                if d.ends_with(".claude") {
                    d.parent().unwrap_or(d)
                } else {
                    d
                }
            })
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        savings += in_every_prompt(input, extra, |_, p| p == project);
    }
    let worst = long.iter().map(|(_, l)| *l).max().unwrap_or(0);
    Some(Finding {
        id: "claude-md-too-long",
        title: format!(
            "{} instruction files over {MAX_INSTRUCTION_LINES} lines",
            long.len()
        ),
        explanation: format!(
            "The longest has {worst} lines with its imports. Instructions are sent with every \
             request; past ~{MAX_INSTRUCTION_LINES} lines they cost more than they guide."
        ),
        severity: if worst > 400 {
            Severity::High
        } else {
            Severity::Medium
        },
        basis: Basis::Modelled,
        class: Class::Nudge,
        tokens_saved: tokens,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([("files", long.len() as u64), ("longestLines", worst as u64)])
            .with_items(
                long.iter()
                    .map(|(f, l)| format!("{} ({l} lines)", f.display())),
            ),
        fix: Fix {
            kind: "paste",
            label: "Keep CLAUDE.md short".into(),
            text: "Move reference material (API notes, long examples) into separate files and \
                   point to them from CLAUDE.md, so they are read only when needed."
                .into(),
            destination: Some("CLAUDE.md".into()),
        },
    })
}

/// `bash-output-cap`: Claude Code keeps up to `BASH_MAX_OUTPUT_LENGTH` characters (30,000 by
/// default) of every command's output in the context; 15,000 is plenty.
fn bash_output_cap(input: &Input<'_>) -> Option<Finding> {
    let bash_calls: Vec<_> = input
        .calls
        .iter()
        .filter(|c| {
            c.event.provider == crate::model::ProviderId::ClaudeCode
                && c.event.tools.iter().any(|t| t.tool == "Bash")
        })
        .collect();
    if bash_calls.is_empty() {
        return None;
    }
    let (cap, source) = input
        .config
        .bash_cap
        .clone()
        .map_or((DEFAULT_BASH_CAP, None), |(cap, file)| (cap, Some(file)));
    if cap <= GOOD_BASH_CAP {
        return None;
    }
    // a quarter of a token per character, at most once per command
    let per_command = (cap - GOOD_BASH_CAP) / 4;
    let savings: Usd = bash_calls
        .iter()
        .map(|c| {
            input.price(
                &c.event.model,
                Tokens::cache_writes_5m(per_command.min(TOKENS_PER_READ * 4)),
                &c.event,
            )
        })
        .sum();
    Some(Finding {
        id: "bash-output-cap",
        title: format!(
            "Commands may put {} characters of output into the context",
            super::detect::n(cap)
        ),
        explanation: format!(
            "BASH_MAX_OUTPUT_LENGTH is {cap}{}. A long build or test log fills the context \
             for the rest of the session; {GOOD_BASH_CAP} characters keep the part that matters.",
            source.as_ref().map_or_else(
                || " (Claude Code's default)".to_string(),
                |f| format!(" (set in {})", f.display())
            )
        ),
        severity: Severity::Medium,
        basis: Basis::Modelled,
        class: Class::Fix,
        tokens_saved: per_command,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([("cap", cap), ("callsWithCommands", bash_calls.len() as u64)])
            .with_items(source.map(|f| f.display().to_string())),
        fix: Fix {
            kind: "file-content",
            label: "Claude Code settings".into(),
            text: format!("{{ \"env\": {{ \"BASH_MAX_OUTPUT_LENGTH\": \"{GOOD_BASH_CAP}\" }} }}"),
            destination: Some("~/.claude/settings.json".into()),
        },
    })
}

#[derive(Clone, Copy)]
enum Kind {
    Agents,
    Skills,
}

/// `unused-agents` / `unused-skills`: definitions never used in the period. Each one's
/// description is sent with every request.
fn unused_definitions(input: &Input<'_>, kind: Kind) -> Option<Finding> {
    let (defined, tool, id, what) = match kind {
        Kind::Agents => (
            &input.config.agents,
            ["agent", "task"],
            "unused-agents",
            "agents",
        ),
        Kind::Skills => (
            &input.config.skills,
            ["skill", "skill"],
            "unused-skills",
            "skills",
        ),
    };
    let used: BTreeSet<String> = input
        .calls
        .iter()
        .flat_map(|c| c.event.tools.iter())
        .filter(|t| tool.contains(&t.tool.to_ascii_lowercase().as_str()))
        .filter_map(|t| t.detail.clone())
        .collect();
    let unused: Vec<&String> = defined.iter().filter(|d| !used.contains(*d)).collect();
    if unused.is_empty() || input.calls.is_empty() {
        return None;
    }
    let n = unused.len() as u64;
    let per_prompt = n * TOKENS_PER_DEFINITION;
    let savings = in_every_prompt(input, per_prompt, |_, _| true);
    let (high, medium) = match kind {
        Kind::Agents => (5, 2),
        Kind::Skills => (10, 5),
    };
    Some(Finding {
        id,
        title: format!("{n} {what} defined but never used"),
        explanation: format!(
            "No session in the period used {}. Each definition's description is sent with \
             every request.",
            unused
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        severity: Severity::by(n, high, medium),
        basis: Basis::Modelled,
        class: Class::Fix,
        tokens_saved: per_prompt * input.sessions().len() as u64,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([(what_key(kind), n)]).with_items(unused.into_iter().cloned()),
        fix: Fix {
            kind: "command",
            label: format!("Archive the unused {what}"),
            text: match kind {
                Kind::Agents => {
                    "mkdir -p ~/.claude/agents-archive && mv ~/.claude/agents/<name>.md \
                                 ~/.claude/agents-archive/"
                        .into()
                }
                Kind::Skills => "mkdir -p ~/.claude/skills-archive && mv ~/.claude/skills/<name> \
                                 ~/.claude/skills-archive/"
                    .into(),
            },
            destination: None,
        },
    })
}

fn what_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Agents => "agents",
        Kind::Skills => "skills",
    }
}

/// Tokens a slash command's description adds to every request.
const TOKENS_PER_COMMAND: u64 = 60;
/// Sessions that must open the same way for it to be recurring context.
const RECURRING_SESSIONS: usize = 5;

/// `unused-commands`: `~/.claude/commands/*.md` never run as `/name` in the period.
fn unused_commands(input: &Input<'_>) -> Option<Finding> {
    let used: BTreeSet<u32> = input.prompts.iter().filter_map(|p| p.3.command).collect();
    let unused: Vec<&String> = input
        .config
        .commands
        .iter()
        .filter(|c| !used.contains(&crate::classify::PromptSig::command_hash(c)))
        .collect();
    if unused.is_empty() || input.calls.is_empty() {
        return None;
    }
    let n = unused.len() as u64;
    let per_prompt = n * TOKENS_PER_COMMAND;
    let savings = in_every_prompt(input, per_prompt, |_, _| true);
    Some(Finding {
        id: "unused-commands",
        title: format!("{n} slash commands defined but never run"),
        explanation: format!(
            "No session in the period ran {}. Each command's description is sent with every \
             request.",
            unused
                .iter()
                .map(|c| format!("/{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        severity: if n >= 10 {
            Severity::Medium
        } else {
            Severity::Low
        },
        basis: Basis::Modelled,
        class: Class::Fix,
        tokens_saved: per_prompt * input.sessions().len() as u64,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([("commands", n)])
            .with_items(unused.into_iter().map(|c| format!("/{c}"))),
        fix: Fix {
            kind: "command",
            label: "Archive the unused commands".into(),
            text: "mkdir -p ~/.claude/commands-archive && mv ~/.claude/commands/<name>.md \
                   ~/.claude/commands-archive/"
                .into(),
            destination: None,
        },
    })
}

/// `recurring-context`: 5 or more sessions open with the same long prompt (1,500 characters
/// or more, the same first 2,000 characters once whitespace is collapsed): context pasted by
/// hand every time, which a CLAUDE.md section or a file to point at would carry once.
fn recurring_context(input: &Input<'_>) -> Option<Finding> {
    // each session's first prompt
    let mut first: BTreeMap<(crate::model::ProviderId, &str), &crate::classify::PromptSig> =
        BTreeMap::new();
    for (p, s, _, sig) in &input.prompts {
        first.entry((*p, s.as_str())).or_insert(sig);
    }
    let mut groups: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for sig in first.values() {
        if let Some(h) = sig.opener {
            groups.entry(h).or_default().push(sig.len);
        }
    }
    let recurring: Vec<&Vec<u32>> = groups
        .values()
        .filter(|lens| lens.len() >= RECURRING_SESSIONS)
        .collect();
    if recurring.is_empty() {
        return None;
    }
    // the repeats beyond the first, at the shortest copy's length, a quarter token a character
    let tokens: u64 = recurring
        .iter()
        .map(|lens| {
            let min = u64::from(*lens.iter().min().unwrap_or(&0));
            (lens.len() as u64 - 1) * min / 4
        })
        .sum();
    let sessions: usize = recurring.iter().map(|l| l.len()).sum();
    let typical = input
        .calls
        .iter()
        .max_by_key(|c| c.cost.unwrap_or(Usd::ZERO))?;
    let savings = input.price(
        &typical.event.model,
        Tokens::cache_writes_5m(tokens),
        &typical.event,
    );
    Some(Finding {
        id: "recurring-context",
        title: format!(
            "{sessions} sessions open with the same long prompt ({} variants)",
            recurring.len()
        ),
        explanation: format!(
            "At least {RECURRING_SESSIONS} sessions each began with the same pasted context of \
             {}+ characters. Put it in CLAUDE.md (or a file CLAUDE.md points to) and start \
             sessions with the task alone.",
            crate::classify::OPENER_CHARS
        ),
        severity: Severity::by(tokens, 200_000, 50_000),
        basis: Basis::Modelled,
        class: Class::Nudge,
        tokens_saved: tokens,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([
            ("sessions", sessions as u64),
            ("variants", recurring.len() as u64),
        ]),
        fix: Fix {
            kind: "paste",
            label: "Move the repeated context into CLAUDE.md".into(),
            text: "## Context\n(the background you paste at the start of sessions)".into(),
            destination: Some("CLAUDE.md".into()),
        },
    })
}

/// `mcp-low-coverage`: an MCP server that exposes more than 10 tools, loaded in 2 or more
/// sessions, of whose tools fewer than a fifth were ever called. Its unused tools ride along
/// in every request of those sessions.
fn mcp_low_coverage(input: &Input<'_>) -> Option<Finding> {
    // server -> (tools exposed, sessions that loaded it)
    let mut loaded: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for (_, session, name) in &input.mcp_tools {
        if let Some((server, _)) = name
            .strip_prefix("mcp__")
            .and_then(|rest| rest.split_once("__"))
        {
            let e = loaded.entry(server).or_default();
            e.0.insert(name);
            e.1.insert(session);
        }
    }
    let used: BTreeSet<&str> = input
        .calls
        .iter()
        .flat_map(|c| c.event.tools.iter().map(|t| t.tool.as_str()))
        .filter(|t| t.starts_with("mcp__"))
        .collect();
    let mut flagged: Vec<(&str, u64, u64, usize)> = Vec::new(); // server, exposed, used, sessions
    for (server, (tools, sessions)) in &loaded {
        let exposed = tools.len() as u64;
        let invoked = tools.iter().filter(|t| used.contains(*t)).count() as u64;
        #[allow(clippy::cast_precision_loss)]
        if exposed > 10 && sessions.len() >= 2 && (invoked as f64) < 0.2 * exposed as f64 {
            flagged.push((server, exposed, invoked, sessions.len()));
        }
    }
    if flagged.is_empty() {
        return None;
    }
    // the unused tools' schemas in every call of the sessions that loaded each server
    let mut tokens = 0;
    let mut savings = Usd::ZERO;
    for (server, exposed, invoked, _) in &flagged {
        let idle = (exposed - invoked) * TOKENS_PER_TOOL_SCHEMA;
        let sessions = &loaded[server].1;
        tokens += idle * sessions.len() as u64;
        savings += in_every_prompt(input, idle, |id, _| sessions.contains(id));
    }
    Some(Finding {
        id: "mcp-low-coverage",
        title: format!(
            "{} MCP servers loaded with most of their tools unused",
            flagged.len()
        ),
        explanation: format!(
            "{}. Each loaded tool's description rides in every request; a server whose tools \
             you rarely call costs more than it gives.",
            flagged
                .iter()
                .map(|(s, e, u, n)| format!("{s}: {u} of {e} tools called, loaded in {n} sessions"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        severity: if tokens >= 200_000 || flagged.len() >= 3 {
            Severity::High
        } else {
            Severity::Medium
        },
        basis: Basis::Modelled,
        class: Class::Fix,
        tokens_saved: tokens,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([("servers", flagged.len() as u64)])
            .with_items(flagged.iter().map(|(s, ..)| (*s).to_string())),
        fix: Fix {
            kind: "command",
            label: "Load them only where they are used (or let Claude Code defer them)".into(),
            text: "claude mcp remove NAME, then in the project that uses it: claude mcp add \
                   --scope project NAME ...; or set ENABLE_TOOL_SEARCH=auto"
                .into(),
            destination: None,
        },
    })
}
