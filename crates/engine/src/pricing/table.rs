//! Price tables in LiteLLM's `model_prices_and_context_window.json` format.
//!
//! Rates are held as integer pico-USD per token (1e-12 USD), so a rate such as
//! `2.5e-08` USD/token is exactly 25,000 and costs are integer sums. Remote data is untrusted:
//! a negative or non-finite rate counts as missing, and a rate above $1/token is clamped to $1.
//! A row without both an input and an output rate is skipped (LiteLLM has image, audio and
//! embedding rows).

use std::collections::HashMap;

use serde_json::{Map, Value};

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
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let obj = doc
            .as_object()
            .ok_or_else(|| "expected a JSON object of model rows".to_string())?;
        let mut rows = HashMap::with_capacity(obj.len() * 2);
        let mut stripped = Vec::new();
        for (key, row) in obj {
            let Some(price) = row.as_object().and_then(parse_row) else {
                continue;
            };
            if let Some((_, name)) = key.rsplit_once('/') {
                stripped.push((name.to_string(), price));
            }
            rows.insert(key.clone(), price);
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

    /// A stable fingerprint of every row (FNV-1a over the sorted rows), as 16 hex digits.
    pub fn fingerprint(&self) -> String {
        let mut rows: Vec<(&String, &ModelPrice)> = self.rows.iter().collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (k, v) in rows {
            for b in format!("{k}={v:?};").bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }

    /// Iterates `(key, price)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ModelPrice)> {
        self.rows.iter().map(|(k, v)| (k.as_str(), v))
    }
}

fn parse_row(row: &Map<String, Value>) -> Option<ModelPrice> {
    let rate = |k: &str| row.get(k).and_then(Value::as_f64).and_then(to_rate);
    let base = Rates {
        input: rate("input_cost_per_token")?,
        output: rate("output_cost_per_token")?,
        cache_write: rate("cache_creation_input_token_cost"),
        cache_write_1h: rate("cache_creation_input_token_cost_above_1hr"),
        cache_read: rate("cache_read_input_token_cost"),
    };
    let above_200k = rate("input_cost_per_token_above_200k_tokens").map(|input| Rates {
        input,
        output: rate("output_cost_per_token_above_200k_tokens").unwrap_or(base.output),
        cache_write: rate("cache_creation_input_token_cost_above_200k_tokens"),
        cache_write_1h: rate("cache_creation_input_token_cost_above_1hr_above_200k_tokens"),
        cache_read: rate("cache_read_input_token_cost_above_200k_tokens"),
    });
    let fast_milli = row
        .get("provider_specific_entry")
        .and_then(|p| p.get("fast"))
        .and_then(Value::as_f64)
        .filter(|m| m.is_finite() && *m > 0.0 && *m <= 1000.0)
        .map(|m| to_u64((m * 1000.0).round()));
    Some(ModelPrice {
        base,
        above_200k,
        fast_milli,
    })
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
