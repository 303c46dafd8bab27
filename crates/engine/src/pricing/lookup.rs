//! Model-id normalisation: from the id a tool logged to a row of the price table.
//!
//! Order, first hit wins:
//! 1. the id exactly, then without an `@…` pin and a `-YYYYMMDD` / `-YYYY-MM-DD` date suffix;
//! 2. the canonical form: a trailing `[…]` (`[1m]`) removed, known routing namespaces
//!    (`anthropic/`, `openrouter/`, …) peeled, and built-in aliases applied (dotted and
//!    tier-first Claude ids, display names);
//! 3. a namespaced id whose vendor we do not know stays unpriced: `acme/claude-x` must not
//!    inherit Anthropic's row, and `ollama/…` is local and never priced;
//! 4. the longest prefix at a version boundary: trailing `-<word>` segments are dropped one at a
//!    time (`-thinking`, `-high`, `-1m`) but never a numeric version segment, so
//!    `claude-opus-4-6` can never fall back to `claude-opus-4`, and `gpt-5.1` never to `gpt-5`;
//! 5. a case-insensitive match that ignores $0 stub rows;
//! 6. once more without a `:thinking`, `:cloud` or `-tee` variant suffix.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::table::{ModelPrice, PriceTable};

/// Namespaces that only route to the underlying vendor's model.
const ROUTING_NAMESPACES: &[&str] = &[
    "anthropic",
    "openai",
    "google",
    "gemini",
    "vertex_ai",
    "vertex_ai_beta",
    "bedrock",
    "azure",
    "openrouter",
    "litellm_proxy",
    "openai_like",
    "github_copilot",
    "copilot",
    "cp",
];

/// Lookup indexes over a table.
#[derive(Debug, Default)]
pub struct Index {
    lower: HashMap<String, String>,
    namespaces: HashSet<String>,
}

impl Index {
    /// Builds the case-insensitive and namespace indexes.
    pub fn new(table: &PriceTable) -> Index {
        let mut keys: Vec<&str> = table.iter().map(|(k, _)| k).collect();
        keys.sort_unstable();
        let mut lower = HashMap::new();
        let mut namespaces: HashSet<String> = ROUTING_NAMESPACES
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        for k in keys {
            if let Some((ns, _)) = k.split_once('/') {
                namespaces.insert(ns.to_ascii_lowercase());
            }
            if table.get(k).is_some_and(|p| !p.is_free()) {
                lower
                    .entry(k.to_ascii_lowercase())
                    .or_insert_with(|| k.to_string());
            }
        }
        namespaces.remove("ollama");
        Index { lower, namespaces }
    }
}

/// Finds the row for `model`: `(table key, price)`.
pub fn find<'t>(
    table: &'t PriceTable,
    index: &Index,
    model: &str,
) -> Option<(&'t str, ModelPrice)> {
    let model = model.trim();
    if model.is_empty() || model == "<synthetic>" || is_local(model) {
        return None;
    }
    find_once(table, index, model).or_else(|| {
        let lower = model.to_ascii_lowercase();
        [":thinking", ":cloud", "-tee"]
            .iter()
            .find_map(|v| lower.strip_suffix(v).map(|s| model[..s.len()].to_string()))
            .and_then(|stripped| find_once(table, index, &stripped))
    })
}

fn find_once<'t>(
    table: &'t PriceTable,
    index: &Index,
    model: &str,
) -> Option<(&'t str, ModelPrice)> {
    let get = |k: &str| table.get_key_value(k).map(|(k, v)| (k, *v));
    if let Some(hit) = get(model) {
        return Some(hit);
    }
    let with_prefix = strip_date(strip_pin(model));
    if let Some(hit) = get(with_prefix) {
        return Some(hit);
    }
    let unbracketed = strip_brackets(with_prefix);
    let peeled = peel_namespaces(unbracketed, index)?;
    let canonical = alias(peeled);
    for candidate in [canonical.as_ref(), peeled] {
        if let Some(hit) = get(candidate) {
            return Some(hit);
        }
    }
    let mut prefix = canonical.as_ref();
    while let Some(shorter) = drop_word_segment(prefix) {
        prefix = shorter;
        if let Some(hit) = get(prefix) {
            return Some(hit);
        }
    }
    index
        .lower
        .get(&canonical.to_ascii_lowercase())
        .and_then(|k| get(k))
}

/// Local model names (Ollama tags, quantised files) are never priced.
fn is_local(model: &str) -> bool {
    let lower = model.to_ascii_lowercase();
    lower.starts_with("ollama/")
        || lower.starts_with("ollama:")
        || [".gguf", "-gguf", "-q4_k_m", "-q8_0", "-bf16", "-fp16"]
            .iter()
            .any(|s| lower.ends_with(s))
}

fn strip_pin(s: &str) -> &str {
    s.split_once('@').map_or(s, |(a, _)| a)
}

/// Removes a trailing `-YYYYMMDD` or `-YYYY-MM-DD`.
fn strip_date(s: &str) -> &str {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let n = b.len();
    if n > 11
        && b[n - 11] == b'-'
        && b[n - 6] == b'-'
        && b[n - 3] == b'-'
        && digits(n - 10..n - 6)
        && digits(n - 5..n - 3)
        && digits(n - 2..n)
    {
        return &s[..n - 11];
    }
    if n > 9 && b[n - 9] == b'-' && digits(n - 8..n) && (b[n - 8] == b'2' || b[n - 8] == b'1') {
        return &s[..n - 9];
    }
    s
}

fn strip_brackets(s: &str) -> &str {
    match (s.ends_with(']'), s.rfind('[')) {
        (true, Some(i)) if i > 0 => &s[..i],
        _ => s,
    }
}

/// Peels known routing namespaces; `None` when an unknown `vendor/` remains.
fn peel_namespaces<'a>(mut s: &'a str, index: &Index) -> Option<&'a str> {
    while let Some((ns, rest)) = s.split_once('/') {
        if !index.namespaces.contains(&ns.to_ascii_lowercase()) || rest.is_empty() {
            return None;
        }
        s = rest;
    }
    Some(s)
}

/// Drops the last `-segment` if it is a word (`thinking`, `high`, `latest`) or a context size
/// (`1m`, `200k`), never a version number.
fn drop_word_segment(s: &str) -> Option<&str> {
    let (head, seg) = s.rsplit_once('-')?;
    let first = seg.bytes().next()?;
    let context_size = seg.len() > 1
        && seg[..seg.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && matches!(seg.as_bytes()[seg.len() - 1], b'k' | b'm' | b'K' | b'M');
    (!head.is_empty() && (first.is_ascii_alphabetic() || context_size)).then_some(head)
}

/// Built-in aliases. Claude ids are lower-cased, `anthropic--` (OMP) dropped, dots and spaces
/// become dashes, and tier-first 4.x ids are reordered family-first:
/// `claude-4.5-sonnet-thinking` -> `claude-sonnet-4-5-thinking`, `Claude Opus 4.6` ->
/// `claude-opus-4-6`, `claude-haiku-4.5` -> `claude-haiku-4-5`.
pub fn alias(s: &str) -> Cow<'_, str> {
    // auto modes that route to a model the tool does not name: priced as its usual default
    if s.eq_ignore_ascii_case("cursor-auto") || s.eq_ignore_ascii_case("cursor-agent-auto") {
        return Cow::Borrowed("claude-sonnet-4-5");
    }
    let lower = s.to_ascii_lowercase();
    let lower = lower.strip_prefix("anthropic--").unwrap_or(&lower);
    if !lower.starts_with("claude") {
        return Cow::Borrowed(s);
    }
    let dashed: String = lower
        .chars()
        .filter(|c| !matches!(c, '(' | ')'))
        .map(|c| {
            if c == '.' || c == ' ' || c == '_' {
                '-'
            } else {
                c
            }
        })
        .collect();
    let segs: Vec<&str> = dashed.split('-').filter(|x| !x.is_empty()).collect();
    let is_num = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let is_family = |x: &str| matches!(x, "opus" | "sonnet" | "haiku");
    // claude-<major>[-<minor>]-<family>…, major >= 4 -> claude-<family>-<major>[-<minor>]…
    if segs.len() >= 3 && is_num(segs[1]) {
        let (ver, fam_at) = if is_num(segs[2]) {
            (&segs[1..3], 3)
        } else {
            (&segs[1..2], 2)
        };
        let major: u32 = segs[1].parse().unwrap_or(0);
        if major >= 4 && segs.get(fam_at).is_some_and(|f| is_family(f)) {
            let mut out = vec!["claude", segs[fam_at]];
            out.extend_from_slice(ver);
            out.extend_from_slice(&segs[fam_at + 1..]);
            return Cow::Owned(out.join("-"));
        }
    }
    Cow::Owned(segs.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_pins_are_stripped() {
        assert_eq!(
            strip_date("claude-sonnet-4-5-20250929"),
            "claude-sonnet-4-5"
        );
        assert_eq!(strip_date("gpt-4o-2024-08-06"), "gpt-4o");
        assert_eq!(strip_date("gpt-5"), "gpt-5");
        assert_eq!(strip_date("model-12345678x"), "model-12345678x");
        assert_eq!(strip_pin("claude-opus-4-6@20260101"), "claude-opus-4-6");
    }

    #[test]
    fn aliases_normalise_claude_ids() {
        assert_eq!(alias("claude-haiku-4.5"), "claude-haiku-4-5");
        assert_eq!(
            alias("claude-4.6-opus-high-thinking"),
            "claude-opus-4-6-high-thinking"
        );
        assert_eq!(alias("claude-4-opus"), "claude-opus-4");
        assert_eq!(alias("Claude Sonnet 4.5"), "claude-sonnet-4-5");
        assert_eq!(alias("anthropic--claude-4.6-opus"), "claude-opus-4-6");
        assert_eq!(
            alias("claude-3-5-sonnet"),
            "claude-3-5-sonnet",
            "3.x ids are version-first"
        );
        assert_eq!(
            alias("gpt-5.1-codex"),
            "gpt-5.1-codex",
            "non-Claude ids untouched"
        );
    }

    #[test]
    fn only_word_segments_are_dropped() {
        assert_eq!(drop_word_segment("claude-opus-4-6"), None);
        assert_eq!(
            drop_word_segment("claude-opus-4-6-thinking"),
            Some("claude-opus-4-6")
        );
        assert_eq!(
            drop_word_segment("claude-sonnet-4-1m"),
            Some("claude-sonnet-4")
        );
        assert_eq!(drop_word_segment("gpt-5.1"), None);
    }
}
