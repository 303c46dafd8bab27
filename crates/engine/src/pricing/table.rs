//! Price tables in LiteLLM's `model_prices_and_context_window.json` format.
//!
//! Rates are held as integer pico-USD per token (1e-12 USD), so a rate such as
//! `2.5e-08` USD/token is exactly 25,000 and costs are integer sums. Remote data is untrusted:
//! a negative or non-finite rate counts as missing, and a rate above $1/token is clamped to $1.
//! A row without both an input and an output rate is skipped (LiteLLM has image, audio and
//! embedding rows).

use std::collections::HashMap;

use std::borrow::Cow;

use serde::Deserialize;

use crate::lenient::{Num, Obj};

/// Pico-USD per token.
pub type Rate = u64;

/// 1 USD in pico-USD.
pub const PICO_PER_USD: f64 = 1e12;

/// Rates for one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rates {
    /// Fresh input.
    pub input: Rate,
    /// Output.
    pub output: Rate,
    /// 5-minute cache write, when the table states it.
    pub cache_write: Option<Rate>,
    /// 1-hour cache write, when the table states it.
    pub cache_write_1h: Option<Rate>,
    /// Cache read, when the table states it.
    pub cache_read: Option<Rate>,
}

/// One model's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ModelPrice {
    /// Standard rates.
    pub base: Rates,
    /// Long-context rates for requests whose prompt exceeds 200,000 tokens.
    pub above_200k: Option<Rates>,
    /// Fast-mode multiplier in thousandths (`provider_specific_entry.fast`; 6.0 = 6000).
    pub fast_milli: Option<u64>,
}

impl ModelPrice {
    /// True when every rate is zero (LiteLLM carries $0 stubs for some models).
    pub fn is_free(&self) -> bool {
        self.base.input == 0 && self.base.output == 0
    }
}

/// A parsed price table: model key -> price.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    rows: HashMap<String, ModelPrice>,
}

impl PriceTable {
    /// Parses LiteLLM JSON. Keys `provider/name` are also indexed under `name` when no direct
    /// `name` row exists ("direct provider entries win over re-hosters").
    pub fn from_litellm_json(text: &str) -> Result<PriceTable, String> {
        // Typed and borrowed: the cached LiteLLM table is parsed on every run, so this is on
        // the warm path. Every field is lenient: one odd row never rejects the table.
        let doc: HashMap<Cow<'_, str>, Obj<RawRow>> =
            serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut rows = HashMap::with_capacity(doc.len() * 2);
        let mut stripped = Vec::new();
        for (key, row) in doc {
            let Some(price) = row.0.as_ref().and_then(RawRow::price) else {
                continue;
            };
            if let Some((_, name)) = key.rsplit_once('/') {
                stripped.push((name.to_string(), price));
            }
            rows.insert(key.into_owned(), price);
        }
        stripped.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, price) in stripped {
            rows.entry(name).or_insert(price);
        }
        if rows.is_empty() {
            return Err("no model has both an input and an output price".to_string());
        }
        Ok(PriceTable { rows })
    }

    /// Adds `other`'s rows where this table has none (this table wins on conflicts).
    pub fn fill_from(&mut self, other: &PriceTable) {
        for (k, v) in &other.rows {
            self.rows.entry(k.clone()).or_insert(*v);
        }
    }

    /// The row stored under exactly `key`.
    pub fn get(&self, key: &str) -> Option<&ModelPrice> {
        self.rows.get(key)
    }

    /// The row stored under exactly `key`, with the key as stored.
    pub fn get_key_value(&self, key: &str) -> Option<(&str, &ModelPrice)> {
        self.rows.get_key_value(key).map(|(k, v)| (k.as_str(), v))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// A stable fingerprint of every row (FNV-1a over the sorted keys and their rates), as
    /// 16 hex digits.
    pub fn fingerprint(&self) -> String {
        let mut rows: Vec<(&String, &ModelPrice)> = self.rows.iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        let rates = |r: &Rates| {
            [
                r.input,
                r.output,
                r.cache_write.unwrap_or(u64::MAX),
                r.cache_write_1h.unwrap_or(u64::MAX),
                r.cache_read.unwrap_or(u64::MAX),
            ]
        };
        for (k, v) in rows {
            eat(k.as_bytes());
            let tier = v.above_200k.as_ref().map_or([u64::MAX - 1; 5], rates);
            for n in rates(&v.base).into_iter().chain(tier) {
                eat(&n.to_le_bytes());
            }
            eat(&v.fast_milli.unwrap_or(0).to_le_bytes());
        }
        format!("{h:016x}")
    }

    /// The table in LiteLLM's format with only the fields we read (a compact copy to parse
    /// quickly; rates round-trip exactly).
    pub fn to_litellm_json(&self) -> String {
        let usd = |r: Rate| serde_json::Value::from(r as f64 / PICO_PER_USD);
        let mut doc = serde_json::Map::new();
        let mut keys: Vec<&String> = self.rows.keys().collect();
        keys.sort_unstable();
        for k in keys {
            let p = &self.rows[k];
            let mut row = serde_json::Map::new();
            let mut put = |name: &str, r: Option<Rate>| {
                if let Some(r) = r {
                    row.insert(name.to_string(), usd(r));
                }
            };
            put("input_cost_per_token", Some(p.base.input));
            put("output_cost_per_token", Some(p.base.output));
            put("cache_creation_input_token_cost", p.base.cache_write);
            put(
                "cache_creation_input_token_cost_above_1hr",
                p.base.cache_write_1h,
            );
            put("cache_read_input_token_cost", p.base.cache_read);
            if let Some(t) = &p.above_200k {
                put("input_cost_per_token_above_200k_tokens", Some(t.input));
                put("output_cost_per_token_above_200k_tokens", Some(t.output));
                put(
                    "cache_creation_input_token_cost_above_200k_tokens",
                    t.cache_write,
                );
                put(
                    "cache_creation_input_token_cost_above_1hr_above_200k_tokens",
                    t.cache_write_1h,
                );
                put(
                    "cache_read_input_token_cost_above_200k_tokens",
                    t.cache_read,
                );
            }
            if let Some(m) = p.fast_milli {
                row.insert(
                    "provider_specific_entry".to_string(),
                    serde_json::json!({ "fast": m as f64 / 1000.0 }),
                );
            }
            doc.insert(k.clone(), serde_json::Value::Object(row));
        }
        serde_json::Value::Object(doc).to_string()
    }

    /// Iterates `(key, price)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ModelPrice)> {
        self.rows.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// The LiteLLM fields we read; everything else is skipped.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RawRow {
    input_cost_per_token: Num,
    output_cost_per_token: Num,
    cache_creation_input_token_cost: Num,
    cache_creation_input_token_cost_above_1hr: Num,
    cache_read_input_token_cost: Num,
    input_cost_per_token_above_200k_tokens: Num,
    output_cost_per_token_above_200k_tokens: Num,
    cache_creation_input_token_cost_above_200k_tokens: Num,
    cache_creation_input_token_cost_above_1hr_above_200k_tokens: Num,
    cache_read_input_token_cost_above_200k_tokens: Num,
    provider_specific_entry: Obj<SpecificEntry>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpecificEntry {
    fast: Num,
}

impl RawRow {
    fn price(&self) -> Option<ModelPrice> {
        let base = Rates {
            input: to_rate(self.input_cost_per_token.0?)?,
            output: to_rate(self.output_cost_per_token.0?)?,
            cache_write: rate(self.cache_creation_input_token_cost),
            cache_write_1h: rate(self.cache_creation_input_token_cost_above_1hr),
            cache_read: rate(self.cache_read_input_token_cost),
        };
        let above_200k = rate(self.input_cost_per_token_above_200k_tokens).map(|input| Rates {
            input,
            output: rate(self.output_cost_per_token_above_200k_tokens).unwrap_or(base.output),
            cache_write: rate(self.cache_creation_input_token_cost_above_200k_tokens),
            cache_write_1h: rate(self.cache_creation_input_token_cost_above_1hr_above_200k_tokens),
            cache_read: rate(self.cache_read_input_token_cost_above_200k_tokens),
        });
        let fast_milli = self
            .provider_specific_entry
            .0
            .as_ref()
            .and_then(|p| p.fast.0)
            .filter(|m| m.is_finite() && *m > 0.0 && *m <= 1000.0)
            .map(|m| to_u64((m * 1000.0).round()));
        Some(ModelPrice {
            base,
            above_200k,
            fast_milli,
        })
    }
}

fn rate(n: Num) -> Option<Rate> {
    n.0.and_then(to_rate)
}

/// USD per token -> pico-USD per token. Negative/NaN -> missing; above $1/token -> $1.
fn to_rate(usd_per_token: f64) -> Option<Rate> {
    if !usd_per_token.is_finite() || usd_per_token < 0.0 {
        return None;
    }
    Some(to_u64((usd_per_token.min(1.0) * PICO_PER_USD).round()))
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn to_u64(x: f64) -> u64 {
    // callers pass finite values in [0, 1e12]
    x as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compact_copy_round_trips_every_rate_exactly() {
        let t = PriceTable::from_litellm_json(
            r#"{"a/m":{"input_cost_per_token":2.5e-08,"output_cost_per_token":1.5e-05,
                "cache_read_input_token_cost":1.25e-07,"cache_creation_input_token_cost":3.75e-6,
                "input_cost_per_token_above_200k_tokens":6e-6,
                "provider_specific_entry":{"fast":6}},
               "n":{"input_cost_per_token":1.75e-06,"output_cost_per_token":1.4e-05}}"#,
        )
        .unwrap();
        let back = PriceTable::from_litellm_json(&t.to_litellm_json()).unwrap();
        assert_eq!(back.fingerprint(), t.fingerprint());
        assert_eq!(back.get("m"), t.get("m"));
        assert_eq!(back.get("a/m").unwrap().fast_milli, Some(6000));
    }

    #[test]
    fn rates_become_exact_pico_integers() {
        let t = PriceTable::from_litellm_json(
            r#"{"m":{"input_cost_per_token":2.5e-08,"output_cost_per_token":1.5e-05,
                "cache_read_input_token_cost":1.25e-07}}"#,
        )
        .unwrap();
        let m = t.get("m").unwrap();
        assert_eq!(m.base.input, 25_000);
        assert_eq!(m.base.output, 15_000_000);
        assert_eq!(m.base.cache_read, Some(125_000));
        assert_eq!(m.base.cache_write, None);
    }

    #[test]
    fn pitfall_37_negative_and_absurd_rates_clamp() {
        let t = PriceTable::from_litellm_json(
            r#"{"neg":{"input_cost_per_token":-1,"output_cost_per_token":1e-6},
                "big":{"input_cost_per_token":5.0,"output_cost_per_token":1e-6,
                       "cache_read_input_token_cost":-3}}"#,
        )
        .unwrap();
        assert!(
            t.get("neg").is_none(),
            "a row with a negative input rate has no input rate"
        );
        let big = t.get("big").unwrap();
        assert_eq!(big.base.input, 1_000_000_000_000, "clamped to $1/token");
        assert_eq!(big.base.cache_read, None);
    }

    #[test]
    fn rows_without_input_and_output_are_skipped_and_prefixed_keys_are_indexed() {
        let t = PriceTable::from_litellm_json(
            r#"{"sample_spec":{"max_tokens":"set to max"},
                "img":{"output_cost_per_image":0.04},
                "anthropic/claude-x":{"input_cost_per_token":1e-6,"output_cost_per_token":2e-6},
                "claude-y":{"input_cost_per_token":3e-6,"output_cost_per_token":4e-6},
                "reseller/claude-y":{"input_cost_per_token":9e-6,"output_cost_per_token":9e-6}}"#,
        )
        .unwrap();
        assert!(t.get("sample_spec").is_none() && t.get("img").is_none());
        assert_eq!(t.get("claude-x").unwrap().base.input, 1_000_000);
        assert_eq!(
            t.get("claude-y").unwrap().base.input,
            3_000_000,
            "direct row wins"
        );
    }
}
