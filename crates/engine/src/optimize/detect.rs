//! The detectors that read the logs (through the index): re-reads, the read/edit balance,
//! session warm-up, context-heavy and outlier sessions, model choice and cache expiry.

use std::collections::{BTreeMap, HashMap};

use super::{Basis, Class, Evidence, Finding, Fix, Input, Severity, dollars, usd};
use crate::classify::Category;
use crate::classify::rules;
use crate::model::{Tokens, ToolUse, UsageEvent, Usd};
use crate::store::CallRow;

/// Tokens a file read puts into the context (CodeBurn's modelling constant).
pub(crate) const TOKENS_PER_READ: u64 = 600;
/// The prompt cache's default lifetime.
const CACHE_TTL_MS: i64 = 5 * 60 * 1000;
/// The longer cache's lifetime.
const LONG_CACHE_TTL_MS: i64 = 60 * 60 * 1000;

pub(super) fn all(input: &Input<'_>) -> Vec<Finding> {
    let low_worth = low_worth_sessions(input);
    // the session-level detectors do not count a session twice: in the order low-worth,
    // context-heavy, outliers, each leaves out the sessions named before
    let context_heavy = context_heavy_sessions(input, &named_before(low_worth.as_ref()));
    let mut heavy_sessions = named_before(low_worth.as_ref());
    heavy_sessions.extend(named_before(context_heavy.as_ref()));
    [
        build_folder_reads(input),
        redundant_rereads(input),
        read_edit_ratio(input),
        warmup_heavy(input),
        low_worth,
        context_heavy,
        cost_outliers(input, &heavy_sessions),
        model_overkill(input),
        cache_expiry(input),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The sessions a finding named.
fn named_before(f: Option<&Finding>) -> Vec<String> {
    f.map(|f| f.evidence.sessions.clone()).unwrap_or_default()
}

fn is(set: &[&str], t: &ToolUse) -> bool {
    let name = t.tool.to_ascii_lowercase();
    set.contains(&name.as_str())
}

/// A file read (the Read tool, not a search).
fn is_file_read(t: &ToolUse) -> bool {
    matches!(
        t.tool.to_ascii_lowercase().as_str(),
        "read" | "filereadtool" | "notebookread"
    )
}

/// The savings of `tokens` entering each of `calls`' contexts as cache writes (what a file
/// read, a schema or an instruction costs the call that first sees it), priced per call's
/// model.
fn as_cache_writes<'c>(
    input: &Input<'_>,
    calls: impl IntoIterator<Item = (&'c CallRow, u64)>,
) -> Usd {
    calls
        .into_iter()
        .map(|(c, tokens)| input.price(&c.event.model, Tokens::cache_writes_5m(tokens), &c.event))
        .sum()
}

/// A count with thousands separators.
pub(super) fn n(x: u64) -> String {
    crate::format::group_thousands(u128::from(x))
}

fn severity_by(n: u64, high: u64, medium: u64) -> Severity {
    if n > high {
        Severity::High
    } else if n > medium {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// `build-folder-reads`: files read from generated or vendored directories (`node_modules`,
/// `dist`, `build`, `.git`, caches, virtualenvs), 3 or more in the period: never the source
/// of truth, often large.
fn build_folder_reads(input: &Input<'_>) -> Option<Finding> {
    let reads: Vec<(&CallRow, u64)> = input
        .calls
        .iter()
        .flat_map(|c| {
            c.event
                .tools
                .iter()
                .filter(|t| t.generated && is_file_read(t))
                .map(move |_| (c, TOKENS_PER_READ))
        })
        .collect();
    let n = reads.len() as u64;
    if n < 3 {
        return None;
    }
    let savings = as_cache_writes(input, reads.iter().copied());
    let sessions: std::collections::BTreeSet<&str> = reads
        .iter()
        .map(|(c, _)| c.event.session_id.as_str())
        .collect();
    Some(Finding {
        id: "build-folder-reads",
        title: format!("{n} reads of generated or vendored files"),
        explanation: "Files under node_modules, dist, build, .git, caches or virtualenvs were \
                      read into the context. They are output or third-party code: the source \
                      says the same in fewer tokens."
            .into(),
        severity: severity_by(n, 20, 5),
        basis: Basis::Modelled,
        class: Class::Fix,
        tokens_saved: n * TOKENS_PER_READ,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([("reads", n), ("sessions", sessions.len() as u64)])
            .with_sessions(sessions.into_iter().map(str::to_string)),
        fix: Fix {
            kind: "paste",
            label: "A rule for CLAUDE.md / AGENTS.md".into(),
            text: "Never read files under node_modules, dist, build, target, .git, coverage, \
                   caches or virtualenvs; read the source instead."
                .into(),
            destination: Some("CLAUDE.md".into()),
        },
    })
}

/// `low-worth-sessions`: sessions that cost $2 or more, delivered nothing (no `git commit`,
/// `git push`, `gh pr create|merge` among their commands) and either edited nothing (at $3 or
/// more) or kept retrying (3 retries, or 2 with no edit landing first time).
fn low_worth_sessions(input: &Input<'_>) -> Option<Finding> {
    // turn outcomes per session, from the slices
    let mut turns: BTreeMap<(crate::model::ProviderId, &str), crate::aggregate::TurnStats> =
        BTreeMap::new();
    for s in &input.slices {
        turns
            .entry((s.provider, s.session.as_str()))
            .or_default()
            .merge(&s.totals.turns);
    }
    let mut found: Vec<(String, u64, Usd)> = Vec::new();
    for ((provider, id), calls) in input.sessions() {
        let s = session_sums(input, &calls);
        let cost = s.cost.as_f64();
        let delivered = calls
            .iter()
            .any(|c| c.event.tools.iter().any(|t| t.delivers));
        if cost < 2.0 || delivered {
            continue;
        }
        let t = turns.get(&(provider, id)).copied().unwrap_or_default();
        let idle = t.edit_turns == 0 && cost >= 3.0;
        let churn = t.retries >= 3 || (t.edit_turns > 0 && t.one_shot_turns == 0 && t.retries >= 2);
        if !(idle || churn) {
            continue;
        }
        let tokens = s.tokens.prompt() + s.tokens.output;
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let (saved, share) = if t.edit_turns == 0 {
            (tokens / 2, 0.5)
        } else {
            let share = (t.retries as f64 / t.turns.max(1) as f64).min(1.0);
            ((tokens as f64 * share) as u64, share)
        };
        found.push((id.to_string(), saved, Usd::from_dollars(cost * share)));
    }
    if found.is_empty() {
        return None;
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.2));
    let n = found.len() as u64;
    let tokens: u64 = found.iter().map(|f| f.1).sum();
    let savings: Usd = found.iter().map(|f| f.2).sum();
    Some(Finding {
        id: "low-worth-sessions",
        title: format!("{n} costly sessions that delivered nothing"),
        explanation: "These sessions cost $2 or more without a commit, push or pull request, \
                      and either changed nothing or kept retrying the same edits. Stopping to \
                      rethink (or asking for a plan) sooner saves most of such a session."
            .into(),
        severity: if n >= 10 || savings.as_f64() >= 50.0 {
            Severity::High
        } else if n <= 2 && savings.as_f64() < 10.0 {
            Severity::Low
        } else {
            Severity::Medium
        },
        basis: Basis::Measured,
        class: Class::Nudge,
        tokens_saved: tokens,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([("sessions", n)]).with_sessions(found.into_iter().map(|f| f.0)),
        fix: Fix {
            kind: "paste",
            label: "A rule for CLAUDE.md / AGENTS.md".into(),
            text: "If an edit fails twice, stop and explain what you tried and why it failed \
                   before trying again."
                .into(),
            destination: Some("CLAUDE.md".into()),
        },
    })
}

/// `redundant-rereads`: a session reads the same file more than once (5 or more extra reads
/// in the period). Each extra read puts the file into the context again.
fn redundant_rereads(input: &Input<'_>) -> Option<Finding> {
    let mut extra = 0u64;
    let mut priced: Vec<(&CallRow, u64)> = Vec::new();
    let mut sessions = Vec::new();
    let mut files = 0u64;
    for calls in input.sessions().values() {
        let mut seen: HashMap<u32, u32> = HashMap::new();
        let before = extra;
        for c in calls {
            for t in c.event.tools.iter().filter(|t| is_file_read(t)) {
                let Some(f) = t.file else { continue };
                let n = seen.entry(f).or_default();
                *n += 1;
                if *n == 2 {
                    files += 1;
                }
                if *n > 1 {
                    extra += 1;
                    priced.push((c, TOKENS_PER_READ));
                }
            }
        }
        if extra > before {
            sessions.push(calls[0].event.session_id.clone());
        }
    }
    if extra < 5 {
        return None;
    }
    let tokens = extra * TOKENS_PER_READ;
    let savings = as_cache_writes(input, priced);
    Some(Finding {
        id: "redundant-rereads",
        title: format!("{extra} reads of files the session had already read"),
        explanation: format!(
            "In {} sessions, {files} files were read again after the session had read them \
             (each read puts the file into the context again, ~{TOKENS_PER_READ} tokens).",
            sessions.len()
        ),
        severity: severity_by(extra, 30, 10),
        basis: Basis::Modelled,
        class: Class::Nudge,
        tokens_saved: tokens,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([
            ("extraReads", extra),
            ("files", files),
            ("sessions", sessions.len() as u64),
        ])
        .with_sessions(sessions),
        fix: Fix {
            kind: "paste",
            label: "A rule for CLAUDE.md / AGENTS.md".into(),
            text: "Do not re-read a file you have already read in this session unless it has \
                   changed since; keep what you learned from it in mind."
                .into(),
            destination: Some("CLAUDE.md".into()),
        },
    })
}

/// `read-edit-ratio`: many edits made with little reading first (10 or more edits, fewer than
/// 4 reads per edit). Edits made blind are the ones that get retried.
fn read_edit_ratio(input: &Input<'_>) -> Option<Finding> {
    let (mut reads, mut edits) = (0u64, 0u64);
    for c in &input.calls {
        for t in &c.event.tools {
            if is(rules::EDIT, t) {
                edits += 1;
            } else if is(rules::READ, t) || (is(rules::BASH, t) && t.read_only) {
                reads += 1;
            }
        }
    }
    #[allow(clippy::cast_precision_loss)] // counts
    let ratio = reads as f64 / edits.max(1) as f64;
    if edits < 10 || ratio >= 4.0 {
        return None;
    }
    let tokens = (edits * 4).saturating_sub(reads) * TOKENS_PER_READ;
    let severity = if ratio < 2.0 {
        Severity::High
    } else if ratio < 3.0 {
        Severity::Medium
    } else {
        Severity::Low
    };
    // the saving is the retried edits' rework, modelled as the reads that would have
    // prevented it, priced as cache writes of the period's typical call
    let typical = input
        .calls
        .iter()
        .max_by_key(|c| c.cost.unwrap_or(Usd::ZERO))?;
    let savings = as_cache_writes(input, [(typical, tokens)]);
    Some(Finding {
        id: "read-edit-ratio",
        title: format!("{ratio:.1} reads per edit ({edits} edits)"),
        explanation: format!(
            "{reads} reads (files, searches, read-only commands) for {edits} edits: agents that \
             edit without reading enough first retry more. Healthy sessions read about 4 times \
             per edit."
        ),
        severity,
        basis: Basis::Modelled,
        class: Class::Fix,
        tokens_saved: tokens,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([("reads", reads), ("edits", edits)]),
        fix: Fix {
            kind: "paste",
            label: "A rule for CLAUDE.md / AGENTS.md".into(),
            text: "Before editing a file, read it and the code that calls it; search for other \
                   uses of what you change."
                .into(),
            destination: Some("CLAUDE.md".into()),
        },
    })
}

/// The `q`-quantile of `values` (sorted in place).
fn quantile(values: &mut [u64], q: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let i = ((values.len() - 1) as f64 * q).round() as usize;
    values[i.min(values.len() - 1)]
}

/// `warmup-heavy`: sessions start by writing much more to the prompt cache than your leanest
/// quarter of sessions do (the typical first call's cache write is 1.4 times the 25th
/// percentile, or over 50,000 tokens when there are fewer than 10 sessions): instructions,
/// tool schemas and memory loaded up front, every session.
fn warmup_heavy(input: &Input<'_>) -> Option<Finding> {
    let sessions = input.sessions();
    let firsts: Vec<&CallRow> = sessions
        .values()
        .filter_map(|calls| {
            calls
                .iter()
                .find(|c| c.event.tokens.cache_write() > 0)
                .copied()
        })
        .collect();
    let calls: usize = sessions.values().map(Vec::len).sum();
    if firsts.len() < 3 || calls < 10 {
        return None;
    }
    let mut warmups: Vec<u64> = firsts
        .iter()
        .map(|c| c.event.tokens.cache_write())
        .collect();
    let baseline = if warmups.len() >= 10 {
        quantile(&mut warmups, 0.25)
    } else {
        50_000
    };
    let median = quantile(&mut warmups, 0.5);
    #[allow(clippy::cast_precision_loss)]
    if (median as f64) < 1.4 * baseline as f64 {
        return None;
    }
    let excess: Vec<(&CallRow, u64)> = firsts
        .iter()
        .map(|c| (*c, c.event.tokens.cache_write().saturating_sub(baseline)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let tokens: u64 = excess.iter().map(|(_, n)| n).sum();
    let savings = as_cache_writes(input, excess.iter().copied());
    Some(Finding {
        id: "warmup-heavy",
        title: format!("Sessions start by loading {} tokens", n(median)),
        explanation: format!(
            "The typical session's first call writes {} tokens to the prompt cache \
             (instructions, tool schemas, memory), against {} for your leanest sessions. That \
             is paid again in every session.",
            n(median),
            n(baseline)
        ),
        severity: if median - baseline > 15_000 {
            Severity::High
        } else {
            Severity::Medium
        },
        basis: Basis::Measured,
        class: Class::Nudge,
        tokens_saved: tokens,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([
            ("medianWarmupTokens", median),
            ("baselineTokens", baseline),
            ("sessions", firsts.len() as u64),
        ]),
        fix: Fix {
            kind: "paste",
            label: "Trim what every session loads".into(),
            text: "Move rarely needed instructions out of CLAUDE.md into files it points to, \
                   and disable MCP servers a project does not use (`/mcp`)."
                .into(),
            destination: None,
        },
    })
}

/// A session's sums.
struct SessionSums<'c> {
    id: &'c str,
    project: &'c str,
    tokens: Tokens,
    cost: Usd,
    /// The cost of its input side (fresh input, cache reads and writes).
    input_cost: Usd,
}

fn session_sums<'c>(input: &Input<'_>, calls: &[&'c CallRow]) -> SessionSums<'c> {
    let mut tokens = Tokens::default();
    let mut cost = Usd::ZERO;
    let mut input_cost = Usd::ZERO;
    for c in calls {
        let t = &c.event.tokens;
        tokens += *t;
        cost += c.cost.unwrap_or(Usd::ZERO);
        input_cost += input.price(
            &c.event.model,
            Tokens {
                output: 0,
                reasoning: 0,
                web_search_requests: 0,
                ..*t
            },
            &c.event,
        );
    }
    SessionSums {
        id: &calls[0].event.session_id,
        project: &calls[0].event.project,
        tokens,
        cost,
        input_cost,
    }
}

/// `context-heavy-sessions`: sessions that carried far more context than they produced (an
/// effective input of 75,000 tokens or more, at least 25 times their output).
fn context_heavy_sessions(input: &Input<'_>, exclude: &[String]) -> Option<Finding> {
    let mut found: Vec<(String, u64, Usd)> = Vec::new();
    for calls in input.sessions().values() {
        let s = session_sums(input, calls);
        if exclude.iter().any(|e| e == s.id) {
            continue;
        }
        let t = &s.tokens;
        let effective = t.input + t.cache_read / 10 + t.cache_write() * 5 / 4;
        let produced = t.output + t.reasoning;
        if effective < 75_000 || effective < 25 * produced {
            continue;
        }
        let excess = effective.saturating_sub(15 * produced);
        #[allow(clippy::cast_precision_loss)]
        let share = excess as f64 / effective as f64;
        let saving = Usd::from_dollars(s.input_cost.as_f64() * share);
        found.push((s.id.to_string(), excess, saving));
    }
    if found.is_empty() {
        return None;
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.2));
    let tokens: u64 = found.iter().map(|f| f.1).sum();
    let savings: Usd = found.iter().map(|f| f.2).sum();
    let n = found.len() as u64;
    let severity = if n >= 10 || tokens >= 500_000 {
        Severity::High
    } else if n <= 2 && tokens < 200_000 {
        Severity::Low
    } else {
        Severity::Medium
    };
    Some(Finding {
        id: "context-heavy-sessions",
        title: format!("{n} sessions carried far more context than they produced"),
        explanation: "These sessions read at least 25 tokens of context for every token they \
                      wrote: long conversations that kept everything loaded. Starting a fresh \
                      session (or /compact) once a task is done keeps each call small."
            .into(),
        severity,
        basis: Basis::Measured,
        class: Class::Keep,
        tokens_saved: tokens,
        estimated_savings_usd: usd(savings),
        evidence: Evidence::of([("sessions", n)]).with_sessions(found.into_iter().map(|f| f.0)),
        fix: Fix {
            kind: "command",
            label: "When a task is done".into(),
            text: "/clear (or /compact to keep a summary)".into(),
            destination: None,
        },
    })
}

/// `cost-outliers`: sessions that cost more than twice their project's average (of the
/// project's other sessions, with at least 3 sessions) and at least $1.
fn cost_outliers(input: &Input<'_>, exclude: &[String]) -> Option<Finding> {
    let sessions = input.sessions();
    let mut by_project: BTreeMap<&str, Vec<SessionSums<'_>>> = BTreeMap::new();
    for calls in sessions.values() {
        let s = session_sums(input, calls);
        by_project.entry(s.project).or_default().push(s);
    }
    let mut found: Vec<(String, Usd)> = Vec::new();
    for list in by_project.values().filter(|l| l.len() >= 3) {
        let total: Usd = list.iter().map(|s| s.cost).sum();
        for s in list {
            #[allow(clippy::cast_precision_loss)]
            let others = (total - s.cost).as_f64() / (list.len() - 1) as f64;
            let cost = s.cost.as_f64();
            if cost >= 1.0 && cost > 2.0 * others && !exclude.iter().any(|e| e == s.id) {
                found.push((s.id.to_string(), Usd::from_dollars(cost - others)));
            }
        }
    }
    if found.is_empty() {
        return None;
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.1));
    let excess: Usd = found.iter().map(|f| f.1).sum();
    let n = found.len() as u64;
    Some(Finding {
        id: "cost-outliers",
        title: format!("{n} sessions cost more than twice their project's average"),
        explanation: format!(
            "Together {} above what a typical session of the same project costs. Outliers \
             are usually a task that went in circles, or one that should have been split.",
            dollars(excess)
        ),
        severity: if n >= 3 || excess.as_f64() >= 10.0 {
            Severity::High
        } else {
            Severity::Medium
        },
        basis: Basis::Measured,
        class: Class::Nudge,
        tokens_saved: 0,
        estimated_savings_usd: usd(excess),
        evidence: Evidence::of([("sessions", n)]).with_sessions(found.into_iter().map(|f| f.0)),
        fix: Fix {
            kind: "paste",
            label: "For long tasks".into(),
            text: "Split large tasks into steps with a plan first; stop and restate the goal \
                   when an approach fails twice."
                .into(),
            destination: None,
        },
    })
}

/// The cheaper model of the same family, as priced in the table.
fn cheaper(model: &str) -> Option<&'static str> {
    let m = model.to_ascii_lowercase();
    let to = if m.contains("opus") {
        "claude-sonnet-4-5"
    } else if m.contains("sonnet") {
        "claude-haiku-4-5"
    } else if m.starts_with("gpt-5") && !m.contains("mini") && !m.contains("nano") {
        "gpt-5-mini"
    } else if m.contains("gemini") && m.contains("pro") {
        "gemini-2.5-flash"
    } else {
        return None;
    };
    Some(to)
}

/// What `s`'s calls would have saved on model `to`: priced per call (the slice's average
/// call), so a long-context rate applies only where one call's prompt is long, never to a
/// day's sum. `None` when `to` is not cheaper.
fn cheaper_saving(input: &Input<'_>, s: &crate::aggregate::Slice, to: &str) -> Option<Usd> {
    let t = &s.totals.tokens;
    let calls = s.totals.calls.max(1);
    let avg = Tokens {
        input: t.input / calls,
        output: t.output / calls,
        cache_read: t.cache_read / calls,
        cache_write_5m: t.cache_write_5m / calls,
        cache_write_1h: t.cache_write_1h / calls,
        reasoning: t.reasoning / calls,
        web_search_requests: 0,
    };
    let like = UsageEvent::new(
        s.provider,
        String::new(),
        0,
        s.model.clone(),
        String::new(),
        String::new(),
        avg,
    );
    let now = input.price(&s.model, avg, &like);
    let then = input.price(to, avg, &like);
    #[allow(clippy::cast_possible_wrap)] // a call count
    (now > then).then(|| Usd((now - then).micros() * calls as i64))
}

/// `model-overkill`: an expensive model answering turns that needed no code (conversation,
/// exploration): the saving had those turns used the family's cheaper model, priced on the
/// same tokens.
fn model_overkill(input: &Input<'_>) -> Option<Finding> {
    let mut saving = Usd::ZERO;
    let mut tokens = 0u64;
    let mut by_model: BTreeMap<String, u64> = BTreeMap::new();
    for s in &input.slices {
        if !matches!(s.category, Category::Conversation | Category::Exploration) {
            continue;
        }
        let Some(to) = cheaper(&s.model) else {
            continue;
        };
        if input.pricer.find(to).is_none() {
            continue;
        }
        if let Some(cut) = cheaper_saving(input, s, to) {
            saving += cut;
            let t = &s.totals.tokens;
            tokens += t.prompt() + t.output;
            *by_model.entry(format!("{} -> {to}", s.model)).or_default() += s.totals.calls;
        }
    }
    if saving.as_f64() < 0.5 {
        return None;
    }
    let calls: u64 = by_model.values().sum();
    Some(Finding {
        id: "model-overkill",
        title: format!("{calls} calls of talk and exploration on a premium model"),
        explanation: format!(
            "Turns that only talked or read (no edits) ran on an expensive model; the same \
             tokens on the family's cheaper model would have cost {} less.",
            dollars(saving)
        ),
        severity: Severity::by(saving.as_f64(), 20.0, 5.0),
        basis: Basis::Modelled,
        class: Class::Nudge,
        tokens_saved: tokens,
        estimated_savings_usd: usd(saving),
        evidence: Evidence::of([("calls", calls)]).with_items(
            by_model
                .into_iter()
                .map(|(k, n)| format!("{k} ({n} calls)")),
        ),
        fix: Fix {
            kind: "command",
            label: "For questions and exploring".into(),
            text: "/model sonnet (Claude Code) or a cheaper model for planning and questions; \
                   switch back for the edits."
                .into(),
            destination: None,
        },
    })
}

/// What a re-write after an expired cache cost (`now`) and would have cost with the 1-hour
/// cache (`then`): `b` re-wrote `again` tokens of what `a` had written.
fn expiry_cost(input: &Input<'_>, a: &UsageEvent, b: &UsageEvent) -> (u64, Usd, Usd) {
    let again = b.tokens.cache_write_5m.min(a.tokens.cache_write_5m);
    let price = |e: &UsageEvent, tokens: Tokens| input.price(&e.model, tokens, e);
    let now = price(b, Tokens::cache_writes_5m(again))
        + price(a, Tokens::cache_writes_5m(a.tokens.cache_write_5m));
    let then = price(b, Tokens::cache_reads(again))
        + price(a, Tokens::cache_writes_1h(a.tokens.cache_write_5m));
    (again, now, then)
}

/// `cache-expiry`: cache writes never read because the session's next call came after the
/// 5-minute lifetime (and within the hour): the next call wrote the same context again. The
/// saving of the 1-hour cache for those writes: the next call reads instead of writing, the
/// earlier write costs the longer lifetime's rate.
fn cache_expiry(input: &Input<'_>) -> Option<Finding> {
    let mut saving = Usd::ZERO;
    let mut tokens = 0u64;
    let mut gaps = 0u64;
    let mut sessions = 0u64;
    for calls in input.sessions().values() {
        let before = gaps;
        for pair in calls.windows(2) {
            let (a, b) = (&pair[0].event, &pair[1].event);
            let gap = b.timestamp_ms - a.timestamp_ms;
            if a.openai_cache_semantics
                || a.tokens.cache_write_5m == 0
                || b.tokens.cache_write_5m == 0
                || gap <= CACHE_TTL_MS
                || gap > LONG_CACHE_TTL_MS
            {
                continue;
            }
            let (again, now, then) = expiry_cost(input, a, b);
            if now > then {
                saving += now - then;
                tokens += again;
                gaps += 1;
            }
        }
        if gaps > before {
            sessions += 1;
        }
    }
    if gaps < 3 || saving.as_f64() < 0.1 {
        return None;
    }
    Some(Finding {
        id: "cache-expiry",
        title: format!("{gaps} pauses of 5 to 60 minutes let the prompt cache expire"),
        explanation: format!(
            "After each of these pauses the next call wrote its context to the cache again. \
             The 1-hour cache would have kept it: {} less over the period.",
            dollars(saving)
        ),
        severity: Severity::by(saving.as_f64(), 10.0, 2.0),
        basis: Basis::Measured,
        class: Class::Fix,
        tokens_saved: tokens,
        estimated_savings_usd: usd(saving),
        evidence: Evidence::of([("pauses", gaps), ("sessions", sessions)]),
        fix: Fix {
            kind: "file-content",
            label: "Claude Code 2.1.243+: the 1-hour prompt cache (older versions: the \
                    environment variable ENABLE_PROMPT_CACHING_1H=1)"
                .into(),
            text: "{ \"promptCacheTtl\": \"1h\" }".into(),
            destination: Some("~/.claude/settings.json".into()),
        },
    })
}
