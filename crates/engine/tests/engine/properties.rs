//! Properties: aggregation is exact and order-independent, merging copies is commutative, and
//! reading a growing file incrementally equals reading it once.

use std::collections::BTreeMap;

use burnbar_engine::aggregate::{Call, Slice, Totals, merge_rollups, rollup};
use burnbar_engine::merge::Merger;
use burnbar_engine::providers::claude_code::ClaudeCode;
use burnbar_engine::providers::codex::Codex;
use burnbar_engine::providers::{Batch, Cursor, Provider};
use burnbar_engine::rollup::{SessionCall, session};
use burnbar_engine::time::{date_of_day_number, day_number_at};
use burnbar_engine::{CostSource, ProviderId, Tokens, UsageEvent, Usd};
use proptest::prelude::*;

use crate::support::{Home, assistant, codex_meta, codex_tokens, usage};

fn arb_event() -> impl Strategy<Value = UsageEvent> {
    (
        0usize..3,
        0i64..5 * 86_400_000,
        prop::sample::select(vec!["m-a", "m-b", "m-c"]),
        prop::sample::select(vec!["/p/x", "/p/y"]),
        (
            0u64..10_000,
            0u64..5_000,
            0u64..100_000,
            0u64..2_000,
            0u64..2_000,
        ),
        any::<bool>(),
    )
        .prop_map(
            |(p, ts, model, project, (i, o, cr, w5, w1), fin)| UsageEvent {
                provider: if p == 0 {
                    ProviderId::Codex
                } else {
                    ProviderId::ClaudeCode
                },
                key: format!("k{}", ts % 7),
                timestamp_ms: ts,
                model: model.into(),
                session_id: format!("s{}", ts % 3),
                project: project.into(),
                tokens: Tokens {
                    input: i,
                    output: o,
                    cache_read: cr,
                    cache_write_5m: w5,
                    cache_write_1h: w1,
                    ..Tokens::default()
                },
                fast: false,
                reasoning_in_output: true,
                openai_cache_semantics: false,
                reported_cost: None,
                estimated: false,
                is_final: fin,
                supplementary: false,
                session_total: false,
                reported_first: false,
                authoritative: false,
                tools: Vec::new(),
                branch: None,
                self_correction: false,
            },
        )
}

/// The interned id of `name` in `names` (its index).
fn id(names: &mut Vec<String>, name: &str) -> i64 {
    let at = names.iter().position(|n| n == name).unwrap_or_else(|| {
        names.push(name.to_string());
        names.len() - 1
    });
    at as i64
}

/// Slices as the index builds them ([`session`], one session at a time, no prompts on record),
/// with days in `tz`.
fn slices_from_calls<'c>(
    calls: impl IntoIterator<Item = &'c Call>,
    tz: chrono_tz::Tz,
) -> Vec<Slice> {
    let mut sessions: BTreeMap<(ProviderId, String), Vec<&Call>> = BTreeMap::new();
    for c in calls {
        sessions
            .entry((c.event.provider, c.event.session_id.clone()))
            .or_default()
            .push(c);
    }
    let mut names: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for ((provider, session_id), mut calls) in sessions {
        calls.sort_by_key(|c| (c.event.timestamp_ms, c.event.key.clone()));
        let rows: Vec<SessionCall> = calls
            .iter()
            .map(|c| SessionCall {
                ts_ms: c.event.timestamp_ms,
                day: day_number_at(c.event.timestamp_ms, tz),
                model: id(&mut names, &c.event.model),
                project: id(&mut names, &c.event.project),
                provider,
                tokens: c.event.tokens,
                cost: c.cost,
                cost_source: c.cost_source,
                supplementary: c.event.supplementary,
                authoritative: c.event.authoritative,
                self_correction: c.event.self_correction,
                tools: c.event.tools.clone(),
                branch: c.event.branch.clone(),
            })
            .collect();
        for ((day, model, project, category), sums) in session(&[], &rows).slices {
            out.push(Slice {
                day: date_of_day_number(day),
                provider,
                model: names[usize::try_from(model).unwrap()].clone(),
                project: names[usize::try_from(project).unwrap()].clone(),
                session: session_id.clone(),
                category,
                totals: sums.totals,
                first_ms: sums.first_ms,
                last_ms: sums.last_ms,
            });
        }
    }
    out
}

fn arb_call() -> impl Strategy<Value = Call> {
    (arb_event(), prop::option::of(0i64..1_000_000)).prop_map(|(e, cost)| Call {
        event: e,
        cost: cost.map(Usd),
        cost_source: if cost.is_some() {
            CostSource::Computed
        } else {
            CostSource::Unpriced
        },
    })
}

proptest! {
    #[test]
    fn rollup_of_a_concatenation_is_the_merge_of_rollups(
        a in prop::collection::vec(arb_call(), 0..40),
        b in prop::collection::vec(arb_call(), 0..40),
    ) {
        let tz = chrono_tz::Tz::UTC;
        let whole = rollup(&slices_from_calls(a.iter().chain(&b), tz));
        let mut merged = rollup(&slices_from_calls(&a, tz));
        merge_rollups(&mut merged, &rollup(&slices_from_calls(&b, tz)));
        prop_assert_eq!(whole, merged);
    }

    #[test]
    fn bucket_totals_equal_event_totals(calls in prop::collection::vec(arb_call(), 0..60)) {
        let mut direct = Totals::default();
        for c in &calls {
            direct.add(c);
        }
        let mut via_buckets = Totals::default();
        for t in rollup(&slices_from_calls(&calls, chrono_tz::Tz::UTC)).values() {
            via_buckets.merge(t);
        }
        // without prompts on record, each call is a turn of its own
        prop_assert_eq!(via_buckets.turns.turns, calls.len() as u64);
        via_buckets.turns = burnbar_engine::aggregate::TurnStats::default();
        prop_assert_eq!(direct, via_buckets);
    }

    #[test]
    fn merging_copies_does_not_depend_on_their_order(
        events in prop::collection::vec((arb_event(), 0i64..3), 1..30),
        seed in any::<u64>(),
    ) {
        let merge = |order: &[usize]| {
            let mut m = Merger::default();
            for &i in order {
                let (e, r) = &events[i];
                m.add(e.clone(), (*r, 0, 0));
            }
            let mut out = m.finish();
            out.sort_by(|a, b| (a.provider, &a.key).cmp(&(b.provider, &b.key)));
            out
        };
        let forward: Vec<usize> = (0..events.len()).collect();
        let mut shuffled = forward.clone();
        // a deterministic Fisher-Yates from the seed
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let (a, b) = (merge(&forward), merge(&shuffled));
        // usage, model and the earliest timestamp never depend on order; attribution follows
        // the (unique here only by rank) owning file, so compare what is order-free
        let strip = |v: Vec<UsageEvent>| -> Vec<(String, i64, Tokens, String, bool)> {
            v.into_iter().map(|e| (e.key, e.timestamp_ms, e.tokens, e.model, e.is_final)).collect()
        };
        prop_assert_eq!(strip(a), strip(b));
    }

    #[test]
    fn reading_a_growing_codex_rollout_in_pieces_equals_one_read(cuts in prop::collection::vec(1usize..400, 1..8)) {
        let lines = vec![
            codex_meta("2026-05-01T10:00:00.000Z", "s", &serde_json::json!("/w"), &serde_json::json!({})),
            codex_tokens("2026-05-01T10:00:01.000Z", Some([10, 0, 1, 0]), Some([10, 0, 1, 0])),
            codex_tokens("2026-05-01T10:00:02.000Z", Some([10, 0, 1, 0]), Some([10, 0, 1, 0])),
            codex_tokens("2026-05-01T10:00:03.000Z", None, Some([30, 5, 3, 1])),
            codex_tokens("2026-05-01T10:00:04.000Z", Some([7, 0, 2, 0]), Some([37, 5, 5, 1])),
        ];
        prop_assert_eq!(incremental(&Codex, &lines, &cuts), merged(cold(&Codex, &lines)));
    }

    #[test]
    fn reading_a_growing_claude_transcript_in_pieces_equals_one_read(cuts in prop::collection::vec(1usize..600, 1..8)) {
        let u = |o| usage(3, o, 100, 10, 0);
        let lines = vec![
            assistant("2026-05-01T10:00:00.000Z", "a", "claude-haiku-4-5", &u(1), false),
            assistant("2026-05-01T10:00:01.000Z", "a", "claude-haiku-4-5", &u(9), true),
            assistant("2026-05-01T10:00:02.000Z", "b", "claude-haiku-4-5", &u(4), true),
        ];
        prop_assert_eq!(incremental(&ClaudeCode, &lines, &cuts), merged(cold(&ClaudeCode, &lines)));
    }
}

fn cold(p: &dyn Provider, lines: &[String]) -> Vec<UsageEvent> {
    let home = Home::new();
    let path = home.write("f/rollout-x.jsonl", lines);
    let mut batch = Batch::default();
    p.read(&path, &Cursor::START, &mut batch).unwrap();
    batch.events
}

/// Copies of a call merged by the engine's rule, in first-seen order.
fn merged(events: Vec<UsageEvent>) -> Vec<UsageEvent> {
    let mut m = Merger::default();
    for e in events {
        m.add(e, (0, 0, 0));
    }
    m.finish()
}

/// Appends the file's bytes in pieces of the given sizes, reading after each append from the
/// returned cursor, and merges everything read. An unterminated tail is offered but not
/// consumed, so it is read again once complete; the merge makes that harmless.
fn incremental(p: &dyn Provider, lines: &[String], cuts: &[usize]) -> Vec<UsageEvent> {
    let home = Home::new();
    let full: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let path = home.write_raw("f/rollout-x.jsonl", b"");
    let mut cursor = Cursor::START;
    let mut written = 0usize;
    let mut all = Vec::new();
    let mut sizes = cuts.iter().cycle();
    while written < full.len() {
        let n = (*sizes.next().unwrap()).min(full.len() - written);
        written += n;
        std::fs::write(&path, &full.as_bytes()[..written]).unwrap();
        let mut batch = Batch::default();
        cursor = p.read(&path, &cursor, &mut batch).unwrap();
        assert_only_torn_tails(&batch);
        all.extend(batch.events);
    }
    merged(all)
}

/// A torn tail is only ever offered while incomplete; complete lines are never malformed here.
fn assert_only_torn_tails(batch: &Batch) {
    for w in &batch.warnings {
        assert_eq!(w.kind, burnbar_engine::WarningKind::MalformedLine, "{w:?}");
    }
}

/// Valid-looking lines of every line-based format, to mutate.
fn seed_lines() -> Vec<String> {
    vec![
        assistant("2026-05-01T10:00:00.000Z", "a", "claude-haiku-4-5", &usage(3, 9, 100, 10, 5), true),
        codex_meta("2026-05-01T10:00:00.000Z", "s", &serde_json::json!("/w"), &serde_json::json!({})),
        codex_tokens("2026-05-01T10:00:01.000Z", Some([10, 2, 1, 0]), Some([10, 2, 1, 0])),
        r#"{"type":"session","id":"p","timestamp":"2026-05-01T10:00:00Z","cwd":"/w"}"#.into(),
        r#"{"type":"message","timestamp":"2026-05-01T10:00:00Z","message":{"role":"assistant","model":"m","usage":{"input":1,"output":2}}}"#.into(),
        r#"{"uuid":"u","sessionId":"q","timestamp":"2026-05-01T10:00:00Z","type":"assistant","usageMetadata":{"promptTokenCount":5}}"#.into(),
        r#"{"type":"session.shutdown","timestamp":"2026-05-01T10:00:00Z","data":{"modelMetrics":{"m":{"usage":{"inputTokens":5}}}}}"#.into(),
        r#"{"sessionId":"g","messages":[{"id":"1","type":"gemini","timestamp":"2026-05-01T10:00:00Z","model":"m","tokens":{"input":3}}]}"#.into(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Bad input never crashes: random bytes, and valid lines cut, spliced and corrupted at
    /// random, go through every provider without a panic or an error.
    #[test]
    fn no_provider_panics_on_mangled_input(
        picks in prop::collection::vec((0usize..8, 0usize..2000, 0u8..4, any::<u8>()), 0..12),
        noise in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let seeds = seed_lines();
        let mut bytes = Vec::new();
        for (i, cut, how, b) in picks {
            let line = seeds[i].as_bytes();
            let at = cut % (line.len() + 1);
            match how {
                0 => bytes.extend_from_slice(&line[..at]),          // torn
                1 => { bytes.extend_from_slice(line); if let Some(x) = bytes.get_mut(at) { *x = b; } }
                2 => { bytes.extend_from_slice(&line[at..]); bytes.extend_from_slice(&line[..at]); }
                _ => bytes.extend_from_slice(line),
            }
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(&noise);
        let home = Home::new();
        let paths = burnbar_engine::Paths::for_home(home.path());
        for (rel, p) in [
            (".claude/projects/-w/s.jsonl", Box::new(ClaudeCode) as Box<dyn Provider>),
            (".codex/sessions/2026/05/01/rollout-x.jsonl", Box::new(Codex)),
            (".gemini/tmp/h/chats/session-x.jsonl", Box::new(burnbar_engine::providers::gemini::Gemini)),
            (".gemini/tmp/h/chats/session-y.json", Box::new(burnbar_engine::providers::gemini::Gemini)),
            (".qwen/projects/p/chats/x.jsonl", Box::new(burnbar_engine::providers::qwen::Qwen)),
            (".pi/agent/sessions/d/x.jsonl", Box::new(burnbar_engine::providers::pi::Pi::default())),
            (".copilot/session-state/s/events.jsonl", Box::new(burnbar_engine::providers::copilot::Copilot)),
            (".openclaw/agents/a/sessions/x.jsonl", Box::new(burnbar_engine::providers::pi::Pi(ProviderId::OpenClaw))),
            (".config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks/t/ui_messages.json", Box::new(burnbar_engine::providers::cline::ClineFamily(ProviderId::Cline))),
            (".local/share/amp/threads/T-x.json", Box::new(burnbar_engine::providers::amp::Amp)),
            (".factory/sessions/d/x.settings.json", Box::new(burnbar_engine::providers::droid::Droid)),
            (".cursor/projects/p/agent-transcripts/c.jsonl", Box::new(burnbar_engine::providers::cursor_agent::CursorAgent)),
            (".cursor/projects/p/agent-transcripts/c.txt", Box::new(burnbar_engine::providers::cursor_agent::CursorAgent)),
            (".kimi/sessions/h/s/wire.jsonl", Box::new(burnbar_engine::providers::kimi::Kimi)),
            (".kiro/sessions/cli/k.json", Box::new(burnbar_engine::providers::kiro::Kiro)),
            (".config/manicode/projects/p/chats/c/chat-messages.json", Box::new(burnbar_engine::providers::codebuff::Codebuff)),
        ] {
            let path = home.write_raw(rel, &bytes);
            prop_assert!(p.owns(&paths, &path), "{rel}");
            let mut batch = Batch::default();
            let cursor = p.read(&path, &Cursor::START, &mut batch);
            prop_assert!(cursor.is_ok(), "{rel}: {cursor:?}");
            // and resuming from wherever it stopped is fine too
            let again = p.read(&path, &cursor.unwrap(), &mut Batch::default());
            prop_assert!(again.is_ok());
        }
    }
}
