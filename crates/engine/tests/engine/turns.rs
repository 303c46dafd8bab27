//! Turns, activities and one-shot rates through the whole pipeline: provider lines -> index ->
//! rollup -> report. Each test writes a small session the way the tools write them.

use burnbar_engine::report::Report;
use burnbar_engine::{Engine, Filter, Paths};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::support::{
    CWD, Home, activities, all_time, codex_meta, codex_tokens, pricer, report_all, usage, uses,
};

const TZ: chrono_tz::Tz = chrono_tz::UTC;

fn now() -> DateTime<Utc> {
    "2026-11-22T18:00:00Z".parse().unwrap()
}

fn report(engine: &mut Engine) -> Report {
    report_all(engine, TZ, now())
}

fn prompt(ts: &str, text: &str) -> String {
    prompt_in(ts, text, false)
}

fn prompt_in(ts: &str, text: &str, sidechain: bool) -> String {
    json!({"parentUuid": null, "isSidechain": sidechain, "userType": "external", "cwd": CWD,
           "sessionId": "sess-1", "version": "2.1.9", "gitBranch": "main", "type": "user",
           "message": {"role": "user", "content": text}, "uuid": format!("u-{ts}"), "timestamp": ts})
    .to_string()
}

/// A tool result (a `user` record without text): not a prompt.
fn tool_result(ts: &str) -> String {
    json!({"parentUuid": null, "isSidechain": false, "cwd": CWD, "sessionId": "sess-1",
           "type": "user", "timestamp": ts, "uuid": format!("r-{ts}"),
           "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
                                                     "content": "ok"}]}})
    .to_string()
}

fn edit(file: &str) -> Value {
    json!({"type": "tool_use", "id": format!("toolu_{file}_{}", rand_id()), "name": "Edit",
           "input": {"file_path": format!("{CWD}/{file}"), "old_string": "a", "new_string": "b"}})
}

fn bash(cmd: &str) -> Value {
    json!({"type": "tool_use", "id": format!("toolu_b_{}", rand_id()), "name": "Bash",
           "input": {"command": cmd, "description": "run"}})
}

fn tool(name: &str, input: Value) -> Value {
    json!({"type": "tool_use", "id": format!("toolu_t_{}", rand_id()), "name": name, "input": input})
}

fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// An assistant call with these content blocks.
fn call(ts: &str, id: &str, content: &[Value]) -> String {
    call_in(ts, id, content, false, true)
}

fn call_in(ts: &str, id: &str, content: &[Value], sidechain: bool, stop: bool) -> String {
    json!({"parentUuid": null, "isSidechain": sidechain, "userType": "external", "cwd": CWD,
           "sessionId": "sess-1", "version": "2.1.9", "gitBranch": "main", "type": "assistant",
           "uuid": format!("u-{id}-{ts}"), "timestamp": ts,
           "message": {"model": "claude-sonnet-4-5", "id": id, "type": "message",
                       "role": "assistant", "content": content,
                       "stop_reason": if stop { json!("tool_use") } else { Value::Null },
                       "usage": usage(1000, 200, 5000, 0, 0)}})
    .to_string()
}

fn activity<'r>(r: &'r Report, id: &str) -> &'r burnbar_engine::report::ActivityRow {
    r.activities
        .iter()
        .find(|a| a.category == id)
        .unwrap_or_else(|| {
            panic!(
                "no {id} in {:?}",
                r.activities.iter().map(|a| a.category).collect::<Vec<_>>()
            )
        })
}

const FILE: &str = ".claude/projects/-home-dev-app/sess-1.jsonl";

#[test]
fn a_retry_is_an_edit_after_running_something_and_reads_do_not_count() {
    let home = Home::new();
    home.write(
        FILE,
        &[
            prompt("2026-11-20T10:00:00Z", "fix the login bug"),
            call("2026-11-20T10:00:05Z", "msg_a1", &[edit("src/login.ts")]),
            tool_result("2026-11-20T10:00:06Z"),
            call("2026-11-20T10:00:10Z", "msg_a2", &[bash("npm test")]),
            tool_result("2026-11-20T10:00:11Z"),
            call("2026-11-20T10:00:15Z", "msg_a3", &[edit("src/login.ts")]),
            prompt("2026-11-20T11:00:00Z", "add a settings page"),
            call("2026-11-20T11:00:05Z", "msg_b1", &[edit("src/settings.ts")]),
            // pitfall 47: a read-shaped command between edits is not a retry
            call(
                "2026-11-20T11:00:10Z",
                "msg_b2",
                &[bash("rg settings src | head -5")],
            ),
            call("2026-11-20T11:00:15Z", "msg_b3", &[edit("src/settings.ts")]),
        ],
    );
    let r = report(&mut home.engine());
    let debugging = activity(&r, "debugging");
    assert_eq!((debugging.figures.turns, debugging.figures.calls), (1, 3));
    assert_eq!(debugging.figures.edit_turns, 1);
    assert_eq!(debugging.figures.one_shot_turns, 0);
    assert_eq!(debugging.figures.retries, 1);
    let feature = activity(&r, "feature");
    assert_eq!(
        (feature.figures.turns, feature.figures.one_shot_turns),
        (1, 1)
    );
    assert_eq!(r.overview.figures.one_shot_rate, Some(0.5));
    assert_eq!(r.models[0].figures.edit_turns, 2);
    // shell programs, core tools, branch
    let shell = uses(&r.tools.shell);
    assert_eq!(shell, vec![("head", 1), ("npm", 1), ("rg", 1)]);
    let core = uses(&r.tools.core);
    assert_eq!(core, vec![("Edit", 4), ("Bash", 2)]);
    assert_eq!(r.tools.branches[0].name, "main");
    assert_eq!(r.tools.branches[0].calls, 6);
}

#[test]
fn activity_costs_and_calls_sum_to_the_totals() {
    let home = Home::new();
    home.write(
        FILE,
        &[
            call("2026-11-20T09:00:00Z", "msg_0", &[]), // before any prompt: its own turn
            prompt("2026-11-20T10:00:00Z", "what does the cache layer do?"),
            call(
                "2026-11-20T10:00:05Z",
                "msg_1",
                &[tool("Read", json!({"file_path": "/a.rs"}))],
            ),
            prompt(
                "2026-11-20T10:05:00Z",
                "let's brainstorm approaches for caching",
            ),
            call("2026-11-20T10:05:05Z", "msg_2", &[]),
            prompt("2026-11-20T10:10:00Z", "git commit this and push"),
            call(
                "2026-11-20T10:10:05Z",
                "msg_3",
                &[bash("git commit -am wip && git push")],
            ),
        ],
    );
    let r = report(&mut home.engine());
    let cost: i64 = r.activities.iter().map(|a| a.figures.cost.micros()).sum();
    let calls: u64 = r.activities.iter().map(|a| a.figures.calls).sum();
    assert_eq!(cost, r.overview.figures.cost.micros());
    assert_eq!(calls, r.overview.figures.calls);
    assert_eq!(r.overview.figures.turns, 4);
    let ids: Vec<&str> = r.activities.iter().map(|a| a.category).collect();
    for want in ["general", "exploration", "brainstorming", "git"] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
}

#[test]
fn streamed_copies_of_a_call_keep_every_tool_use() {
    let home = Home::new();
    home.write(
        FILE,
        &[
            prompt("2026-11-20T10:00:00Z", "refactor the parser module"),
            // one message, logged one content block per line
            call_in(
                "2026-11-20T10:00:05Z",
                "msg_s",
                &[edit("src/parser.rs")],
                false,
                false,
            ),
            call_in(
                "2026-11-20T10:00:06Z",
                "msg_s",
                &[bash("cargo test")],
                false,
                true,
            ),
        ],
    );
    let mut engine = home.engine();
    let r = report(&mut engine);
    assert_eq!(r.overview.figures.calls, 1);
    let core = uses(&r.tools.core);
    assert_eq!(core, vec![("Bash", 1), ("Edit", 1)]);
    let refactoring = activity(&r, "refactoring");
    assert_eq!(refactoring.figures.edit_turns, 1);
    // both uses are stored with the one call: two tool uses in its one turn
    let span = all_time(now(), TZ);
    let c = engine.compare(&Filter::all(TZ), span, &[], 1).unwrap();
    assert_eq!(c.models[0].tools_per_turn, Some(2.0));
}

#[test]
fn sub_agent_calls_belong_to_the_turn_that_spawned_them() {
    let home = Home::new();
    home.write(
        FILE,
        &[
            prompt("2026-11-20T10:00:00Z", "review the auth module"),
            call(
                "2026-11-20T10:00:05Z",
                "msg_p",
                &[tool(
                    "Task",
                    json!({"subagent_type": "code-reviewer", "prompt": "review"}),
                )],
            ),
        ],
    );
    // the sub-agent's transcript: its own prompt does not start a turn of the parent session
    home.write(
        ".claude/projects/-home-dev-app/sess-1/subagents/agent-a1.jsonl",
        &[
            prompt_in(
                "2026-11-20T10:00:06Z",
                "Review src/auth.ts and fix what you find",
                true,
            ),
            call_in(
                "2026-11-20T10:00:10Z",
                "msg_sub1",
                &[edit("src/auth.ts")],
                true,
                true,
            ),
            call_in(
                "2026-11-20T10:00:20Z",
                "msg_sub2",
                &[bash("npm test")],
                true,
                true,
            ),
        ],
    );
    let r = report(&mut home.engine());
    let d = activity(&r, "delegation");
    assert_eq!((d.figures.turns, d.figures.calls), (1, 3));
    assert_eq!(r.activities.len(), 1, "{:?}", r.activities);
    assert_eq!(r.tools.agents[0].name, "code-reviewer");
}

#[test]
fn pitfall_27_a_turn_across_midnight_is_classified_whole_and_its_cost_split_by_day() {
    let home = Home::new();
    home.write(
        FILE,
        &[
            prompt("2026-11-20T23:58:00Z", "refactor the config loader"),
            call(
                "2026-11-20T23:59:00Z",
                "msg_m1",
                &[tool("Read", json!({"file_path": "/c.rs"}))],
            ),
            call("2026-11-21T00:01:00Z", "msg_m2", &[edit("src/config.rs")]),
        ],
    );
    let r = report(&mut home.engine());
    assert_eq!(r.activities.len(), 1);
    let a = activity(&r, "refactoring");
    assert_eq!(
        (a.figures.calls, a.figures.turns, a.figures.edit_turns),
        (2, 1, 1)
    );
    let day = |d: &str| {
        r.daily
            .iter()
            .find(|row| row.date.to_string() == d)
            .map(|row| (row.figures.calls, row.figures.cost, row.figures.turns))
            .unwrap()
    };
    let (c20, cost20, t20) = day("2026-11-20");
    let (c21, cost21, t21) = day("2026-11-21");
    assert_eq!((c20, c21), (1, 1));
    assert_eq!(cost20, cost21, "the same usage costs the same on each day");
    assert_eq!(
        (t20, t21),
        (1, 0),
        "the turn counts on the day of its first call"
    );
}

#[test]
fn a_turn_that_arrives_in_pieces_is_classified_like_one_read_whole() {
    let lines = [
        prompt("2026-11-20T10:00:00Z", "add an export button"),
        call(
            "2026-11-20T10:00:05Z",
            "msg_1",
            &[tool("Read", json!({"file_path": "/x.ts"}))],
        ),
        call("2026-11-20T10:00:10Z", "msg_2", &[edit("src/export.ts")]),
        call("2026-11-20T10:00:15Z", "msg_3", &[bash("npm test")]),
        call("2026-11-20T10:00:20Z", "msg_4", &[edit("src/export.ts")]),
    ];
    let whole = Home::new();
    whole.write(FILE, &lines);
    let expected = report(&mut whole.engine());

    let pieces = Home::new();
    let mut engine = Engine::open(Paths::for_home(pieces.path()), pricer()).unwrap();
    for n in 1..=lines.len() {
        pieces.write(FILE, &lines[..n]);
        report(&mut engine);
    }
    let got = report(&mut engine);
    assert_eq!(activities(&got), activities(&expected));
    assert_eq!(activities(&got), vec![("feature", 4, 1, 1, 0, 1)]);
}

#[test]
fn prompt_text_is_never_stored() {
    let home = Home::new();
    home.write(
        FILE,
        &[
            prompt(
                "2026-11-20T10:00:00Z",
                "fix the zanzibar-quokka handler in qq_secret.rs",
            ),
            call(
                "2026-11-20T10:00:05Z",
                "msg_1",
                &[bash("cat /etc/zanzibar-quokka.conf")],
            ),
        ],
    );
    let mut engine = Engine::open(Paths::for_home(home.path()), pricer()).unwrap();
    let r = report(&mut engine);
    assert_eq!(r.overview.figures.turns, 1);
    drop(engine);
    let data = home.path().join(".local/share/burnbar");
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for secret in [&b"zanzibar"[..], b"quokka", b"qq_secret", b"/etc/"] {
            assert!(
                memchr::memmem::find(&bytes, secret).is_none(),
                "{} holds {:?}",
                path.display(),
                String::from_utf8_lossy(secret)
            );
        }
    }
}

// ---------------------------------------------------------------- Codex

fn codex_user(ts: &str, text: &str) -> String {
    json!({"timestamp": ts, "type": "event_msg",
           "payload": {"type": "user_message", "message": text, "images": []}})
    .to_string()
}

fn codex_shell(ts: &str, cmd: &str) -> String {
    let args = json!({"command": ["bash", "-lc", cmd], "workdir": "/w", "timeout_ms": 1000});
    json!({"timestamp": ts, "type": "response_item",
           "payload": {"type": "function_call", "name": "shell",
                       "arguments": args.to_string(), "call_id": format!("call_{ts}")}})
    .to_string()
}

fn codex_patch(ts: &str, file: &str) -> String {
    let patch = format!("*** Begin Patch\n*** Update File: {file}\n@@\n-a\n+b\n*** End Patch");
    json!({"timestamp": ts, "type": "response_item",
           "payload": {"type": "custom_tool_call", "status": "completed", "call_id": format!("c_{ts}"),
                       "name": "apply_patch", "input": patch}})
    .to_string()
}

#[test]
fn codex_turns_come_from_user_messages_and_tools_from_function_calls() {
    let home = Home::new();
    let t = |i: u64| Some([1000 * i, 0, 100 * i, 0]);
    home.write(
        ".codex/sessions/2026/11/20/rollout-2026-11-20T10-00-00-c1.jsonl",
        &[
            codex_meta("2026-11-20T10:00:00Z", "c1", &json!("/w/app"), &json!({})),
            codex_user(
                "2026-11-20T10:00:01Z",
                "<environment_context>cwd</environment_context>",
            ),
            codex_user("2026-11-20T10:00:02Z", "run the tests"),
            codex_shell("2026-11-20T10:00:03Z", "cargo test --all"),
            codex_tokens("2026-11-20T10:00:04Z", Some([1000, 0, 100, 0]), t(1)),
            codex_user("2026-11-20T10:01:00Z", "fix the flaky parser bug"),
            codex_patch("2026-11-20T10:01:01Z", "src/parser.rs"),
            codex_tokens("2026-11-20T10:01:02Z", Some([1000, 0, 100, 0]), t(2)),
            codex_shell("2026-11-20T10:01:03Z", "cargo test parser"),
            codex_tokens("2026-11-20T10:01:04Z", Some([1000, 0, 100, 0]), t(3)),
            codex_patch("2026-11-20T10:01:05Z", "src/parser.rs"),
            codex_tokens("2026-11-20T10:01:06Z", Some([1000, 0, 100, 0]), t(4)),
        ],
    );
    let r = report(&mut home.engine());
    let testing = activity(&r, "testing");
    assert_eq!(
        (
            testing.figures.calls,
            testing.figures.turns,
            testing.figures.edit_turns
        ),
        (1, 1, 0)
    );
    let debugging = activity(&r, "debugging");
    assert_eq!((debugging.figures.calls, debugging.figures.turns), (3, 1));
    assert_eq!(
        (debugging.figures.edit_turns, debugging.figures.retries),
        (1, 1)
    );
    assert_eq!(debugging.figures.one_shot_rate, Some(0.0));
    let shell = uses(&r.tools.shell);
    assert_eq!(shell, vec![("cargo", 2)]);
    let core = uses(&r.tools.core);
    assert_eq!(core, vec![("Bash", 2), ("Edit", 2)]);
}

/// Every rule of the classifier's table (classify/rules.rs), each as a one-turn Claude session
/// read through the whole pipeline: the prompt, the tools, the activity the report shows.
#[test]
fn each_rule_through_a_small_session() {
    let read = || tool("Read", json!({"file_path": "/r.rs"}));
    let cases: Vec<(&str, Vec<Value>, &str)> = vec![
        // tools first, in precedence order
        (
            "plan the migration",
            vec![tool("EnterPlanMode", json!({}))],
            "planning",
        ),
        (
            "look at the tests",
            vec![tool("Agent", json!({"subagent_type": "Explore"}))],
            "delegation",
        ),
        ("run the tests", vec![bash("cargo test")], "testing"),
        ("git push the branch", vec![bash("git push")], "git"),
        (
            "npm install the deps",
            vec![bash("npm install")],
            "build-deploy",
        ),
        (
            "deploy to staging",
            vec![bash("./deploy.sh staging")],
            "build-deploy",
        ),
        ("update the header", vec![edit("src/h.ts")], "coding"),
        ("do it", vec![bash("ls"), read()], "exploration"),
        ("do it", vec![bash("make")], "coding"),
        (
            "find the docs",
            vec![tool("WebSearch", json!({"query": "x"}))],
            "exploration",
        ),
        (
            "open the ticket",
            vec![tool("mcp__linear__get_issue", json!({}))],
            "exploration",
        ),
        ("where is it used", vec![read()], "exploration"),
        ("track this", vec![tool("TodoWrite", json!({}))], "planning"),
        (
            "use the pdf skill",
            vec![tool("Skill", json!({"skill": "pdf"}))],
            "general",
        ),
        // coding refined by the earliest keyword (pitfall 48)
        ("refactor the parser", vec![edit("src/p.rs")], "refactoring"),
        ("add error handling", vec![edit("src/p.rs")], "feature"),
        (
            "fix the layout for the new feature",
            vec![edit("src/p.rs")],
            "debugging",
        ),
        // exploration about a bug, without a question, is debugging
        ("the login is broken", vec![read()], "debugging"),
        (
            "why is the login broken? explain",
            vec![read()],
            "exploration",
        ),
        // no tools: the conversation rules
        (
            "let's brainstorm ideas for caching",
            vec![],
            "brainstorming",
        ),
        ("explain how the cache works", vec![], "exploration"),
        ("add dark mode", vec![], "feature"),
        ("the page is broken on mobile", vec![], "debugging"),
        ("what about main.rs", vec![], "coding"),
        ("see https://example.com/spec", vec![], "exploration"),
        ("thanks!", vec![], "conversation"),
    ];
    for (prompt_text, tools, want) in cases {
        let home = Home::new();
        home.write(
            FILE,
            &[
                prompt("2026-11-20T10:00:00Z", prompt_text),
                call("2026-11-20T10:00:05Z", "msg_rule", &tools),
            ],
        );
        let r = report(&mut home.engine());
        let got: Vec<&str> = r.activities.iter().map(|a| a.category).collect();
        assert_eq!(
            got,
            vec![want],
            "{prompt_text:?} with {} tool(s)",
            tools.len()
        );
    }
}

#[test]
fn self_corrections_are_counted_for_compare_and_the_text_is_not_kept() {
    let home = Home::new();
    let text = |t: &str| json!({"type": "text", "text": t});
    home.write(
        FILE,
        &[
            prompt("2026-11-20T10:00:00Z", "fix the parser"),
            call("2026-11-20T10:00:05Z", "msg_1", &[text("Done.\nAll good.")]),
            prompt("2026-11-20T10:01:00Z", "that broke the build"),
            call(
                "2026-11-20T10:01:05Z",
                "msg_2",
                &[text("You\u{2019}re right, I missed the \"null\" case.")],
            ),
        ],
    );
    let mut engine = home.engine();
    report(&mut engine);
    let span = all_time(now(), TZ);
    let c = engine.compare(&Filter::all(TZ), span, &[], 3).unwrap();
    assert_eq!(c.models.len(), 1);
    assert_eq!(c.models[0].turns, 2);
    assert_eq!(c.models[0].self_correction_rate, Some(0.5));
}
