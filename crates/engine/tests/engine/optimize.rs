//! `optimize` (issue 18): each detector fires on a home built to trigger it and stays quiet on
//! one built not to, at its threshold's edge; the grade and the ordering.

use burnbar_engine::optimize::{Basis, Class, Finding, Optimization, Severity};
use burnbar_engine::{Filter, Period, Span};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::support::{Home, usage};

const NOW: &str = "2026-05-20T12:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

/// A Claude assistant line in `session` at `ts` (RFC 3339) with these tool uses.
fn call(session: &str, cwd: &str, ts: &str, model: &str, u: &Value, tools: Vec<Value>) -> String {
    let id = format!("msg_{session}_{ts}");
    json!({
        "parentUuid": null, "isSidechain": false, "userType": "external", "cwd": cwd,
        "sessionId": session, "version": "2.1.9", "type": "assistant", "timestamp": ts,
        "uuid": format!("u-{id}"), "requestId": format!("req_{id}"),
        "message": {"model": model, "id": id, "type": "message", "role": "assistant",
                    "content": tools, "stop_reason": "tool_use", "stop_sequence": null,
                    "usage": u}
    })
    .to_string()
}

/// A prompt in `session`.
fn prompt(session: &str, ts: &str, text: &str) -> String {
    json!({"parentUuid": null, "isSidechain": false, "userType": "external", "cwd": "/w",
           "sessionId": session, "version": "2.1.9", "type": "user",
           "message": {"role": "user", "content": text}, "uuid": format!("p-{ts}"),
           "timestamp": ts})
    .to_string()
}

fn tool(name: &str, input: Value) -> Value {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    json!({"type": "tool_use", "id": format!("toolu_{n}"), "name": name, "input": input})
}

fn read(path: &str) -> Value {
    tool("Read", json!({"file_path": path}))
}

fn edit(path: &str) -> Value {
    tool(
        "Edit",
        json!({"file_path": path, "old_string": "a", "new_string": "b"}),
    )
}

/// `n` minutes after 10:00 on 2026-05-15.
fn at(minutes: u32) -> String {
    format!(
        "2026-05-15T{:02}:{:02}:00.000Z",
        10 + minutes / 60,
        minutes % 60
    )
}

/// Writes `lines` as one transcript of `session`.
fn transcript(home: &Home, session: &str, lines: &[String]) {
    home.write(&format!(".claude/projects/-w/{session}.jsonl"), lines);
}

/// `optimize` over the home's last 30 days.
/// Session `s1` of one Sonnet call in `/w` with `u` and `tools`.
fn one_call(home: &Home, u: &Value, tools: Vec<Value>) {
    transcript(home, "s1", &[call("s1", "/w", &at(0), SONNET, u, tools)]);
}

fn optimize(home: &Home) -> Optimization {
    let mut engine = home
        .engine()
        .with_clock(std::sync::Arc::new(burnbar_engine::FixedClock(now())));
    engine.sync(Tz::UTC, None).unwrap();
    let span = Span::of_period(Period::ThirtyDays, now().date_naive());
    let filter = Filter {
        range: span.range,
        ..Filter::all(Tz::UTC)
    };
    engine.optimize(&filter, span, now()).unwrap()
}

fn find<'o>(o: &'o Optimization, id: &str) -> Option<&'o Finding> {
    o.findings.iter().find(|f| f.id == id)
}

const SONNET: &str = "claude-sonnet-4-5";

#[test]
fn redundant_rereads_fire_from_five_extra_reads() {
    for (reads, fires) in [(5, false), (6, true)] {
        let home = Home::new();
        let u = usage(10, 10, 0, 100, 0);
        let lines: Vec<String> = (0..reads)
            .map(|i| call("s1", "/w", &at(i), SONNET, &u, vec![read("/w/src/lib.rs")]))
            .collect();
        transcript(&home, "s1", &lines);
        let o = optimize(&home);
        let f = find(&o, "redundant-rereads");
        assert_eq!(f.is_some(), fires, "{reads} reads of one file");
        if let Some(f) = f {
            assert_eq!(f.evidence.counts["extraReads"], 5);
            assert_eq!(f.tokens_saved, 5 * 600);
            assert_eq!(f.basis, Basis::Modelled);
            assert!(f.estimated_savings_usd > 0.0);
        }
    }
}

#[test]
fn read_edit_ratio_fires_below_four_reads_per_edit_from_ten_edits() {
    for (edits, reads, fires) in [(10, 39, true), (10, 40, false), (9, 0, false)] {
        let home = Home::new();
        let u = usage(10, 10, 0, 0, 0);
        let mut lines = Vec::new();
        for i in 0..edits {
            lines.push(call(
                "s1",
                "/w",
                &at(i),
                SONNET,
                &u,
                vec![edit(&format!("/w/f{i}.rs"))],
            ));
        }
        for i in 0..reads {
            lines.push(call(
                "s1",
                "/w",
                &at(100 + i),
                SONNET,
                &u,
                vec![tool("Grep", json!({"pattern": format!("x{i}")}))],
            ));
        }
        transcript(&home, "s1", &lines);
        let o = optimize(&home);
        assert_eq!(
            find(&o, "read-edit-ratio").is_some(),
            fires,
            "{edits} edits, {reads} reads"
        );
    }
}

#[test]
fn cache_expiry_counts_pauses_between_five_minutes_and_an_hour() {
    for (gap, fires) in [(6, true), (4, false), (61, false)] {
        let home = Home::new();
        let u = usage(10, 50, 0, 200_000, 0);
        let lines: Vec<String> = (0..5)
            .map(|i| call("s1", "/w", &at(i * gap), SONNET, &u, vec![]))
            .collect();
        transcript(&home, "s1", &lines);
        let o = optimize(&home);
        let f = find(&o, "cache-expiry");
        assert_eq!(f.is_some(), fires, "pauses of {gap} minutes");
        if let Some(f) = f {
            assert_eq!(f.evidence.counts["pauses"], 4);
            assert_eq!(f.basis, Basis::Measured);
            assert_eq!(f.class, Class::Fix);
            // per pause: the re-write at 1.25x becomes a read at 0.1x, the first write costs
            // 2x instead of 1.25x: (1.15 - 0.75) x 200k tokens x $3/M = $0.24
            assert!(
                (f.estimated_savings_usd - 4.0 * 0.24).abs() < 0.011,
                "{}",
                f.estimated_savings_usd
            );
        }
    }
}

#[test]
fn model_overkill_prices_the_same_tokens_on_the_cheaper_model() {
    let home = Home::new();
    // talk only (no tools): a Conversation turn on Opus
    let u = usage(200_000, 20_000, 0, 0, 0);
    let mut lines = vec![prompt(
        "s1",
        "2026-05-15T09:59:00.000Z",
        "what is the difference between these two approaches?",
    )];
    lines.extend((0..3).map(|i| call("s1", "/w", &at(i), "claude-opus-4-6", &u, vec![])));
    transcript(&home, "s1", &lines);
    let o = optimize(&home);
    let f = find(&o, "model-overkill").expect("fires");
    assert_eq!(
        f.evidence.items,
        ["claude-opus-4-6 -> claude-sonnet-4-5 (3 calls)"]
    );
    // per call: 200k in x ($5 - $3)/M + 20k out x ($25 - $15)/M = $0.60, three calls
    assert!(
        (f.estimated_savings_usd - 1.80).abs() < 0.011,
        "{}",
        f.estimated_savings_usd
    );
    // the same on Sonnet's cheaper sibling, but too little to mention
    let home = Home::new();
    let small = usage(1_000, 100, 0, 0, 0);
    one_call(&home, &small, vec![]);
    assert!(find(&optimize(&home), "model-overkill").is_none());
}

#[test]
fn cost_outliers_are_sessions_over_twice_their_projects_average() {
    let home = Home::new();
    // (none of them context-heavy: that detector would name them first)
    let cheap = usage(50_000, 1_000, 0, 0, 0);
    for s in ["s1", "s2", "s3"] {
        transcript(&home, s, &[call(s, "/w", &at(0), SONNET, &cheap, vec![])]);
    }
    // over 20x the others' cost
    let big = usage(190_000, 50_000, 0, 0, 0);
    transcript(
        &home,
        "s4",
        &[call("s4", "/w", &at(5), SONNET, &big, vec![])],
    );
    let o = optimize(&home);
    let f = find(&o, "cost-outliers").expect("fires");
    assert_eq!(f.evidence.sessions, ["s4"]);
    assert_eq!(f.basis, Basis::Measured);
    // s4 costs $1.32, the others $0.165 each: $1.155 above
    assert!(
        (f.estimated_savings_usd - 1.155).abs() < 0.011,
        "{}",
        f.estimated_savings_usd
    );
    // three sessions alike: none stands out
    let home = Home::new();
    for s in ["s1", "s2", "s3"] {
        transcript(&home, s, &[call(s, "/w", &at(0), SONNET, &big, vec![])]);
    }
    assert!(find(&optimize(&home), "cost-outliers").is_none());
}

#[test]
fn unused_mcp_names_configured_servers_no_call_used() {
    let home = Home::new();
    home.write_raw(
        ".claude.json",
        json!({"mcpServers": {"github": {"command": "gh-mcp"}, "linear": {"command": "x"}}})
            .to_string()
            .as_bytes(),
    );
    home.set_mtime(".claude.json", 1_700_000_000); // long unchanged
    let u = usage(10, 10, 0, 0, 0);
    one_call(
        &home,
        &u,
        vec![tool("mcp__github__get_issue", json!({"n": 1}))],
    );
    let o = optimize(&home);
    let f = find(&o, "unused-mcp").expect("fires");
    assert_eq!(f.evidence.counts["servers"], 1);
    assert!(
        f.evidence.items[0].starts_with("linear ("),
        "{:?}",
        f.evidence.items
    );
    assert_eq!(f.fix.text, "claude mcp remove linear");
    // changed within the day: too early to judge
    let home2 = Home::new();
    home2.write_raw(
        ".claude.json",
        json!({"mcpServers": {"linear": {"command": "x"}}})
            .to_string()
            .as_bytes(),
    );
    let secs = u64::try_from(now().timestamp()).unwrap() - 3600;
    home2.set_mtime(".claude.json", secs);
    one_call(&home2, &u, vec![]);
    assert!(find(&optimize(&home2), "unused-mcp").is_none());
}

#[test]
fn claude_md_over_two_hundred_lines_with_imports_is_too_long() {
    for (own, imported, fires) in [(150, 51, true), (150, 50, false)] {
        let home = Home::new();
        let project = home.path().join("proj");
        let lines = |n: usize| "- a rule\n".repeat(n);
        // the @import line counts too
        home.write_raw(
            "proj/CLAUDE.md",
            format!("{}@docs/more.md\n", lines(own - 1)).as_bytes(),
        );
        home.write_raw("proj/docs/more.md", lines(imported).as_bytes());
        let u = usage(10, 10, 0, 0, 0);
        let cwd = project.to_str().unwrap();
        transcript(&home, "s1", &[call("s1", cwd, &at(0), SONNET, &u, vec![])]);
        let o = optimize(&home);
        let f = find(&o, "claude-md-too-long");
        assert_eq!(f.is_some(), fires, "{own} + {imported} lines");
        if let Some(f) = f {
            assert_eq!(f.evidence.counts["longestLines"], 201);
            assert_eq!(f.tokens_saved, 13);
        }
    }
}

#[test]
fn bash_output_cap_fires_at_the_default_and_not_at_fifteen_thousand() {
    let u = usage(10, 10, 0, 0, 0);
    let bash = || tool("Bash", json!({"command": "cargo test"}));
    let home = Home::new();
    one_call(&home, &u, vec![bash()]);
    let f = find(&optimize(&home), "bash-output-cap").map(|f| f.evidence.counts["cap"]);
    assert_eq!(f, Some(30_000), "Claude Code's default");
    let home = Home::new();
    home.write_raw(
        ".claude/settings.json",
        br#"{"env": {"BASH_MAX_OUTPUT_LENGTH": "15000"}}"#,
    );
    one_call(&home, &u, vec![bash()]);
    assert!(find(&optimize(&home), "bash-output-cap").is_none());
}

#[test]
fn unused_agents_and_skills_are_the_defined_ones_never_used() {
    let home = Home::new();
    home.write_raw(".claude/agents/reviewer.md", b"---\nname: reviewer\n---\n");
    home.write_raw(".claude/agents/tester.md", b"---\nname: tester\n---\n");
    home.write_raw(".claude/skills/pdf/SKILL.md", b"---\nname: pdf\n---\n");
    let u = usage(10, 10, 0, 0, 0);
    one_call(
        &home,
        &u,
        vec![tool(
            "Task",
            json!({"subagent_type": "reviewer", "prompt": "review"}),
        )],
    );
    let o = optimize(&home);
    assert_eq!(
        find(&o, "unused-agents").unwrap().evidence.items,
        ["tester"]
    );
    let skills = find(&o, "unused-skills").unwrap();
    assert_eq!(skills.evidence.items, ["pdf"]);
    assert_eq!(skills.severity, Severity::Low);
}

#[test]
fn the_grade_falls_with_findings_and_fixes_come_first() {
    let home = Home::new();
    let u = usage(10, 10, 0, 100, 0);
    let mut lines: Vec<String> = (0..8)
        .map(|i| call("s1", "/w", &at(i), SONNET, &u, vec![read("/w/a.rs")]))
        .collect();
    lines.extend((0..12).map(|i| {
        call(
            "s1",
            "/w",
            &at(20 + i),
            SONNET,
            &u,
            vec![edit(&format!("/w/e{i}.rs"))],
        )
    }));
    transcript(&home, "s1", &lines);
    let o = optimize(&home);
    let ids: Vec<&str> = o.findings.iter().map(|f| f.id).collect();
    assert!(
        ids.contains(&"redundant-rereads") && ids.contains(&"read-edit-ratio"),
        "{ids:?}"
    );
    let classes: Vec<Class> = o.findings.iter().map(|f| f.class).collect();
    let mut sorted = classes.clone();
    sorted.sort();
    assert_eq!(classes, sorted, "fixes, then nudges, then keeps");
    let penalty: u32 = o
        .findings
        .iter()
        .map(|f| match f.severity {
            Severity::High => 15,
            Severity::Medium => 7,
            Severity::Low => 3,
        })
        .sum();
    assert_eq!(o.summary.health_score, 100 - penalty.min(80));
    assert_eq!(o.summary.finding_count, o.findings.len());
    // an empty home: nothing to say, grade A
    let o = optimize(&Home::new());
    assert!(o.findings.is_empty());
    assert_eq!(
        (o.summary.health_score, o.summary.health_grade.as_str()),
        (100, "A")
    );
}

#[test]
fn context_heavy_sessions_read_25_times_what_they_write_from_75k_tokens() {
    for (output, fires) in [(1_000, true), (5_000, false)] {
        let home = Home::new();
        let u = usage(100_000, output, 0, 0, 0);
        one_call(&home, &u, vec![]);
        let o = optimize(&home);
        let f = find(&o, "context-heavy-sessions");
        assert_eq!(f.is_some(), fires, "output {output}");
        if let Some(f) = f {
            assert_eq!(f.tokens_saved, 100_000 - 15 * 1_000);
            assert_eq!(f.class, Class::Keep);
        }
    }
}

#[test]
fn warmup_heavy_compares_first_cache_writes_with_the_leanest_quarter() {
    for (heavy, fires) in [(30_000, true), (10_000, false)] {
        let home = Home::new();
        for i in 0..10u32 {
            let s = format!("s{i}");
            let warm = if i < 3 { 10_000 } else { heavy };
            let u = usage(10, 10, 0, warm, 0);
            transcript(&home, &s, &[call(&s, "/w", &at(i), SONNET, &u, vec![])]);
        }
        let o = optimize(&home);
        let f = find(&o, "warmup-heavy");
        assert_eq!(f.is_some(), fires, "warm-ups of {heavy}");
        if let Some(f) = f {
            assert_eq!(f.evidence.counts["baselineTokens"], 10_000);
            assert_eq!(f.evidence.counts["medianWarmupTokens"], 30_000);
            assert_eq!(f.tokens_saved, 7 * 20_000);
        }
    }
}

#[test]
fn build_folder_reads_fire_from_three_reads_of_generated_files() {
    for (reads, fires) in [(3, true), (2, false)] {
        let home = Home::new();
        let u = usage(10, 10, 0, 0, 0);
        let mut lines: Vec<String> = (0..reads)
            .map(|i| {
                call(
                    "s1",
                    "/w",
                    &at(i),
                    SONNET,
                    &u,
                    vec![read(&format!("/w/node_modules/lib{i}/index.js"))],
                )
            })
            .collect();
        // source reads never count
        lines.push(call(
            "s1",
            "/w",
            &at(30),
            SONNET,
            &u,
            vec![read("/w/src/build.rs")],
        ));
        transcript(&home, "s1", &lines);
        let o = optimize(&home);
        let f = find(&o, "build-folder-reads");
        assert_eq!(f.is_some(), fires, "{reads} reads in node_modules");
        if let Some(f) = f {
            assert_eq!(f.evidence.counts["reads"], 3);
            assert_eq!(f.class, Class::Fix);
        }
    }
}

/// The delivery exemption tests the raw command: `git commit` exempts, `git status` (the same
/// program) does not.
#[test]
fn low_worth_sessions_are_costly_sessions_that_delivered_nothing() {
    for (command, fires) in [("git status", true), ("git commit -am wip", false)] {
        let home = Home::new();
        // $3.51 of reading, no edit
        let u = usage(190_000, 1_000, 0, 0, 0);
        let mut lines = vec![prompt(
            "s1",
            "2026-05-15T09:59:00.000Z",
            "look around the code base",
        )];
        lines.extend((0..6).map(|i| {
            call(
                "s1",
                "/w",
                &at(i),
                SONNET,
                &u,
                vec![read(&format!("/w/src/f{i}.rs"))],
            )
        }));
        lines.push(call(
            "s1",
            "/w",
            &at(9),
            SONNET,
            &usage(10, 10, 0, 0, 0),
            vec![tool("Bash", json!({"command": command}))],
        ));
        transcript(&home, "s1", &lines);
        let o = optimize(&home);
        let f = find(&o, "low-worth-sessions");
        assert_eq!(f.is_some(), fires, "with `{command}`");
        if let Some(f) = f {
            assert_eq!(f.evidence.sessions, ["s1"]);
            assert_eq!(f.basis, Basis::Measured);
            assert!(
                find(&o, "context-heavy-sessions")
                    .is_none_or(|c| !c.evidence.sessions.contains(&"s1".to_string())),
                "a session is named once"
            );
        }
    }
}

/// A fix applied five days ago is judged by its finding since: re-reads gone, it worked.
#[test]
fn an_applied_fix_is_remeasured_over_the_days_since() {
    use burnbar_engine::optimize::apply;
    let home = Home::new();
    let u = usage(10, 10, 0, 100, 0);
    // before (May 10): 8 reads of one file; after (May 16-19): each file once
    let mut lines: Vec<String> = (0..8)
        .map(|i| {
            call(
                "s1",
                "/w",
                &format!("2026-05-10T10:{i:02}:00.000Z"),
                SONNET,
                &u,
                vec![read("/w/a.rs")],
            )
        })
        .collect();
    lines.extend((0..4).map(|i| {
        call(
            "s2",
            "/w",
            &format!("2026-05-{:02}T10:00:00.000Z", 16 + i),
            SONNET,
            &u,
            vec![read(&format!("/w/f{i}.rs"))],
        )
    }));
    transcript(&home, "s1", &lines);
    let o = optimize(&home);
    let f = find(&o, "redundant-rereads")
        .expect("fires before the fix")
        .clone();
    let engine = home.engine();
    let plan = apply::plan(&f, engine.paths()).unwrap();
    let applied_at: DateTime<Utc> = "2026-05-15T09:00:00Z".parse().unwrap();
    apply::apply(&plan, engine.paths(), applied_at.timestamp_millis(), 1000.0).unwrap();
    let o = optimize(&home);
    assert_eq!(o.applied_fixes.len(), 1);
    let a = &o.applied_fixes[0];
    assert_eq!((a.id.as_str(), a.status), ("redundant-rereads", "worked"));
    assert_eq!(a.tokens_per_day_since, Some(0.0));
}

#[test]
fn recurring_context_is_the_same_long_opening_in_five_sessions() {
    for (sessions, fires) in [(5, true), (4, false)] {
        let home = Home::new();
        let u = usage(10, 10, 0, 0, 0);
        let context = "Our service uses the ledger module. ".repeat(60); // 2,160 characters
        for i in 0..sessions {
            let s = format!("s{i}");
            // the same text, spaced differently: whitespace is collapsed
            let opening = format!("{}\n\n  Today: task {i}", context.replace(". ", ".  "));
            transcript(
                &home,
                &s,
                &[
                    prompt(&s, &at(i * 10), &opening),
                    call(&s, "/w", &at(i * 10 + 1), SONNET, &u, vec![]),
                ],
            );
        }
        let o = optimize(&home);
        let f = find(&o, "recurring-context");
        assert_eq!(f.is_some(), fires, "{sessions} sessions");
        if let Some(f) = f {
            assert_eq!(f.evidence.counts["sessions"], 5);
            assert_eq!(f.evidence.counts["variants"], 1);
        }
    }
}

#[test]
fn unused_commands_are_the_defined_ones_never_run() {
    let home = Home::new();
    home.write_raw(".claude/commands/review.md", b"Review the diff\n");
    home.write_raw(".claude/commands/deploy.md", b"Deploy\n");
    let u = usage(10, 10, 0, 0, 0);
    transcript(
        &home,
        "s1",
        &[
            prompt(
                "s1",
                &at(0),
                "<command-message>review is running</command-message>\n<command-name>/review</command-name>",
            ),
            call("s1", "/w", &at(1), SONNET, &u, vec![]),
        ],
    );
    let o = optimize(&home);
    let f = find(&o, "unused-commands").expect("fires");
    assert_eq!(f.evidence.items, ["/deploy"]);
    assert_eq!(f.severity, Severity::Low);
}

/// Claude Code's `deferred_tools_delta` attachment, listing the tools a session loaded.
fn loaded(session: &str, ts: &str, names: &[String]) -> String {
    json!({"parentUuid": null, "isSidechain": false, "userType": "external", "cwd": "/w",
           "sessionId": session, "version": "2.1.9", "type": "attachment", "timestamp": ts,
           "uuid": format!("a-{session}-{ts}"),
           "attachment": {"type": "deferred_tools_delta", "addedNames": names,
                          "removedNames": [], "addedLines": []}})
    .to_string()
}

#[test]
fn mcp_low_coverage_is_a_big_server_whose_tools_go_unused() {
    for (used, fires) in [(2, true), (3, false)] {
        let home = Home::new();
        let names: Vec<String> = (0..12)
            .map(|i| format!("mcp__jira__tool_{i}"))
            .chain(["Read".to_string()])
            .collect();
        let u = usage(10, 10, 0, 0, 0);
        for s in ["s1", "s2"] {
            let mut lines = vec![loaded(s, &at(0), &names)];
            lines.extend((0..used).map(|i| {
                call(
                    s,
                    "/w",
                    &at(1 + i),
                    SONNET,
                    &u,
                    vec![tool(&format!("mcp__jira__tool_{i}"), json!({}))],
                )
            }));
            transcript(&home, s, &lines);
        }
        let o = optimize(&home);
        let f = find(&o, "mcp-low-coverage");
        assert_eq!(f.is_some(), fires, "{used} of 12 tools used");
        if let Some(f) = f {
            assert_eq!(f.evidence.items, ["jira"]);
            assert_eq!(f.tokens_saved, (12 - 2) * 400 * 2);
        }
    }
}
