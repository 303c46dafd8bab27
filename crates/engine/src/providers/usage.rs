//! Token counts in Anthropic's shape, as several tools store them: fresh input, output, and
//! the cache writes and reads apart (`input_tokens`, `output_tokens`,
//! `cache_creation_input_tokens`, `cache_read_input_tokens`; JavaScript tools write the same
//! names in `camelCase`). Zed keeps them so, Amp re-keys them in `camelCase`.

use serde::Deserialize;

use crate::lenient::Count;
use crate::model::Tokens;

/// Anthropic-shaped usage (keys in `snake_case` or `camelCase`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[allow(clippy::struct_field_names)] // the API's own names
pub(crate) struct AnthropicUsage {
    #[serde(alias = "inputTokens")]
    input_tokens: Count,
    #[serde(alias = "outputTokens")]
    output_tokens: Count,
    #[serde(alias = "cacheCreationInputTokens")]
    cache_creation_input_tokens: Count,
    #[serde(alias = "cacheReadInputTokens")]
    cache_read_input_tokens: Count,
}

impl AnthropicUsage {
    /// The counts as [`Tokens`] (cache writes as 5-minute writes: these stores keep no split).
    pub(crate) fn tokens(&self) -> Tokens {
        Tokens {
            input: self.input_tokens.0,
            output: self.output_tokens.0,
            cache_write_5m: self.cache_creation_input_tokens.0,
            cache_read: self.cache_read_input_tokens.0,
            ..Tokens::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AnthropicUsage;

    #[test]
    fn both_spellings_read_the_same() {
        let snake: AnthropicUsage = serde_json::from_str(
            r#"{"input_tokens": 1, "output_tokens": 2, "cache_creation_input_tokens": 3,
                "cache_read_input_tokens": 4}"#,
        )
        .unwrap();
        let camel: AnthropicUsage = serde_json::from_str(
            r#"{"inputTokens": 1, "outputTokens": 2, "cacheCreationInputTokens": 3,
                "cacheReadInputTokens": 4, "totalInputTokens": 8}"#,
        )
        .unwrap();
        assert_eq!(snake.tokens(), camel.tokens());
        let t = snake.tokens();
        assert_eq!(
            (t.input, t.output, t.cache_write_5m, t.cache_read),
            (1, 2, 3, 4)
        );
    }
}
