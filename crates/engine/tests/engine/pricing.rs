//! Pricing: the cost formula and model-id lookup (correctness pitfalls 34–37).

use burnbar_engine::pricing::{PriceTable, cost};
use burnbar_engine::{PriceSource, Pricer, ProviderId, Tokens, UsageEvent};

use crate::support::pricer;

fn event(model: &str, tokens: Tokens) -> UsageEvent {
    UsageEvent::new(
        ProviderId::ClaudeCode,
        "k".into(),
        0,
        model.into(),
        "s".into(),
        "/p".into(),
        tokens,
    )
}

fn micros(model: &str, tokens: Tokens) -> Option<i64> {
    pricer().price(&event(model, tokens)).0.map(|u| u.micros())
}

fn key(model: &str) -> Option<String> {
    pricer().find(model).map(|(k, _)| k.to_string())
}

#[test]
fn long_context_requests_price_every_token_type_at_the_tier_rates() {
    let at = |cache_read| Tokens {
        input: 5,
        output: 1000,
        cache_read,
        cache_write_5m: 0,
        ..Tokens::default()
    };
    // rates in pico-USD per token; the result is rounded half up to micro-USD
    let usd = |pico: u64| Some(i64::try_from((pico + 500_000) / 1_000_000).unwrap());
    // prompt = 5 + 199_995 = 200_000: not above the threshold
    let base = 5 * 3_000_000 + 1000 * 15_000_000 + 199_995 * 300_000;
    assert_eq!(micros("claude-sonnet-4-5", at(199_995)), usd(base));
    // prompt = 200_001: input, output and cache reads all move to the tier
    let tier = 5 * 6_000_000 + 1000 * 22_500_000 + 199_996 * 600_000;
    assert_eq!(micros("claude-sonnet-4-5", at(199_996)), usd(tier));
    // a model without tier rates never uses them
    let opus = 5 * 5_000_000 + 1000 * 25_000_000 + 199_996 * 500_000;
    assert_eq!(micros("claude-opus-4-6", at(199_996)), usd(opus));
}

#[test]
fn fast_mode_multiplies_tokens_but_not_web_searches() {
    let mut e = event(
        "claude-opus-4-6",
        Tokens {
            input: 1000,
            output: 100,
            web_search_requests: 2,
            ..Tokens::default()
        },
    );
    let p = pricer();
    let normal = p.price(&e).0.unwrap().micros();
    e.fast = true;
    let fast = p.price(&e).0.unwrap().micros();
    let tokens = 1000 * 5 + 100 * 25;
    assert_eq!(normal, tokens + 20_000, "$0.01 per web search");
    assert_eq!(
        fast,
        tokens * 6 + 20_000,
        "fast multiplier 6 on tokens only"
    );
}

#[test]
fn missing_cache_rates_follow_the_providers_semantics() {
    let table = PriceTable::from_litellm_json(
        r#"{"m":{"input_cost_per_token":1e-6,"output_cost_per_token":2e-6}}"#,
    )
    .unwrap();
    let p = Pricer::new(table, PriceSource::Embedded);
    let t = Tokens {
        cache_write_5m: 1000,
        cache_write_1h: 1000,
        cache_read: 1000,
        ..Tokens::default()
    };
    let mut e = event("m", t);
    let (price_key, price) = p.find("m").unwrap();
    assert_eq!(price_key, "m");
    // Anthropic: write 1.25 x input, 1h write 2 x input, read 0.1 x input
    assert_eq!(cost(&price, &e).micros(), 1250 + 2000 + 100);
    // OpenAI: writes at the input rate
    e.openai_cache_semantics = true;
    assert_eq!(cost(&price, &e).micros(), 1000 + 1000 + 100);
}

#[test]
fn pitfall_38_reasoning_is_billed_once_per_provider_rule() {
    let t = Tokens {
        output: 100,
        reasoning: 40,
        ..Tokens::default()
    };
    let mut e = event("gpt-5.1-codex", t);
    assert_eq!(
        pricer().price(&e).0.unwrap().micros(),
        1000,
        "inside output: not added"
    );
    e.reasoning_in_output = false;
    assert_eq!(
        pricer().price(&e).0.unwrap().micros(),
        1400,
        "outside output: billed as output"
    );
}

#[test]
fn pitfall_38_codex_cache_writes_cost_extra_only_with_an_explicit_rate() {
    let t = Tokens {
        input: 100,
        cache_write_5m: 100,
        ..Tokens::default()
    };
    let mut e = event("gpt-5.6-codex", t);
    e.openai_cache_semantics = true;
    assert_eq!(
        pricer().price(&e).0.unwrap().micros(),
        200 + 250,
        "explicit $2.50/M write rate"
    );
    e.model = "gpt-5.1-codex".into();
    assert_eq!(
        pricer().price(&e).0.unwrap().micros(),
        125 + 125,
        "no write rate: input rate"
    );
}

#[test]
fn pitfall_34_longest_prefix_only_at_a_version_boundary() {
    assert_eq!(
        key("claude-opus-4-6-thinking").as_deref(),
        Some("claude-opus-4-6")
    );
    assert_eq!(
        key("claude-opus-4-6-20260101").as_deref(),
        Some("claude-opus-4-6")
    );
    assert_eq!(key("gpt-5-mini").as_deref(), Some("gpt-5-mini"));
    assert_eq!(key("gpt-5-mini-high").as_deref(), Some("gpt-5-mini"));
    assert_eq!(
        key("claude-opus-4-8"),
        None,
        "never falls back to claude-opus-4"
    );
    assert_eq!(key("gpt-5.4"), None, "never falls back to gpt-5");
    assert_eq!(key("gpt"), None, "a short id never matches a longer key");
    assert_eq!(key("claude-opus"), None);
}

#[test]
fn pitfall_35_aliases_for_dotted_tier_first_and_suffixed_ids() {
    for (raw, want) in [
        ("claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("claude-4.5-sonnet-thinking", "claude-sonnet-4-5"),
        ("claude-haiku-4.5", "claude-haiku-4-5"),
        ("Claude Haiku 4.5", "claude-haiku-4-5"),
        ("claude-4.6-opus-high-thinking", "claude-opus-4-6"),
        ("anthropic--claude-4.6-opus", "claude-opus-4-6"),
        ("claude-sonnet-4-5[1m]", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"),
        ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("claude-opus-4-6@20260101", "claude-opus-4-6"),
        ("gpt-5.1-codex:thinking", "gpt-5.1-codex"),
        ("GPT-5.1-CODEX", "gpt-5.1-codex"),
    ] {
        assert_eq!(key(raw).as_deref(), Some(want), "{raw}");
    }
}

#[test]
fn pitfall_36_unknown_vendors_local_models_and_free_stubs_stay_unpriced() {
    assert_eq!(key("acme/claude-sonnet-4-5"), None, "unknown vendor prefix");
    assert_eq!(key("ollama/llama3.1:8b"), None);
    assert_eq!(key("qwen2.5-coder-q4_k_m"), None);
    assert_eq!(
        key("FREE-STUB-MODEL"),
        None,
        "$0 stubs never match case-insensitively"
    );
    assert_eq!(
        key("free-stub-model").as_deref(),
        Some("free-stub-model"),
        "exact is exact"
    );
    assert_eq!(
        key("openrouter/anthropic/claude-sonnet-4-5").as_deref(),
        Some("openrouter/anthropic/claude-sonnet-4-5"),
        "a re-hoster's own row is used as is"
    );
    let (cost, source) = pricer().price(&event("mystery-model-9", Tokens::default()));
    assert_eq!((cost, source), (None, burnbar_engine::CostSource::Unpriced));
}

#[test]
fn the_embedded_table_prices_the_models_people_use() {
    let p = Pricer::embedded();
    for m in [
        "claude-opus-4-7",
        "claude-opus-4-6",
        "claude-opus-4-5-20251101",
        "claude-opus-4-1-20250805",
        "claude-sonnet-4-6",
        "claude-sonnet-4-5-20250929",
        "claude-haiku-4-5-20251001",
        "gpt-5",
        "gpt-5-codex",
        "gpt-5.1-codex-max",
        "gpt-5.1-codex-mini",
        "gpt-5.2-codex",
        "gpt-5.3-codex",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
        "gemini-3-pro-preview",
    ] {
        assert!(p.find(m).is_some(), "{m} has an embedded price");
    }
    assert!(p.table().len() >= 40);
}
