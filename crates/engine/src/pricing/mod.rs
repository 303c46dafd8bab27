//! Pricing: which price table is in force, how a model id finds its row, and the cost formula.
//!
//! **Sources, in precedence order:** a pinned file (`--prices FILE` or `BURNBAR_PRICES`, LiteLLM
//! format) is used alone; otherwise the cached copy of LiteLLM's table under the user cache
//! dir (refreshed at most daily in the background, see [`remote`]) over the embedded table
//! (`prices.json`, current prices of the models people use), which fills any gaps.
//!
//! **Cost of one call**, in pico-USD then rounded to micro-USD:
//! - if the row has `*_above_200k_tokens` rates and the request's input + cache writes + cache
//!   reads exceed 200,000 tokens, *all* its token types use those rates;
//! - input x input rate + billable output x output rate (reasoning added only where the
//!   provider reports it outside output) + 5m writes x write rate + 1h writes x
//!   `cache_creation_input_token_cost_above_1hr` + reads x read rate;
//! - missing rates: Anthropic semantics derive write = 1.25 x input and 1h write = 2 x input;
//!   OpenAI semantics bill writes at the input rate; read = 0.1 x input;
//! - fast mode multiplies the token cost by `provider_specific_entry.fast`;
//! - each web search adds $0.01.
//!
//! A model with no row is *unpriced*: its cost is `None`, never a silent $0.

mod lookup;
#[cfg(feature = "remote-pricing")]
pub mod remote;
pub mod table;

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{CostSource, Tokens, UsageEvent, Usd};
pub use lookup::alias;
pub use table::{ModelPrice, PriceTable, Rates};

/// Requests whose prompt exceeds this many tokens use a row's long-context rates.
pub const LONG_CONTEXT_THRESHOLD: u64 = 200_000;
/// $0.01 per web search, in pico-USD.
const WEB_SEARCH_PICO: u128 = 10_000_000_000;
/// The embedded table (LiteLLM format).
const EMBEDDED: &str = include_str!("prices.json");
/// The file name of the cached LiteLLM copy inside the cache dir.
pub const CACHE_FILE: &str = "litellm-prices.json";

/// Where the table in force came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum PriceSource {
    /// A pinned file (`--prices`, `BURNBAR_PRICES`).
    Pinned {
        /// The file.
        #[serde(serialize_with = "crate::paths::lossy::path")]
        path: PathBuf,
    },
    /// The cached LiteLLM copy, with the embedded table filling gaps.
    Cached {
        /// The cache file.
        #[serde(serialize_with = "crate::paths::lossy::path")]
        path: PathBuf,
    },
    /// The embedded table only.
    Embedded,
}

/// A price table plus its lookup indexes.
#[derive(Debug)]
pub struct Pricer {
    table: PriceTable,
    /// Built on first lookup: most runs price a handful of distinct models.
    index: std::sync::OnceLock<lookup::Index>,
    source: PriceSource,
    version: String,
}

impl Pricer {
    /// A pricer over `table`.
    pub fn new(table: PriceTable, source: PriceSource) -> Pricer {
        let index = std::sync::OnceLock::new();
        let version = table.fingerprint();
        Pricer {
            table,
            index,
            source,
            version,
        }
    }

    /// The embedded table alone.
    pub fn embedded() -> Pricer {
        Pricer::new(embedded_table(), PriceSource::Embedded)
    }

    /// Loads a pinned LiteLLM-format file. Errors name the file.
    pub fn pinned(path: &Path) -> Result<Pricer> {
        let text = crate::untrusted::read_capped_string(path, PRICES_CAP)
            .map_err(|e| Error::io(path, e))?;
        let table = PriceTable::from_litellm_json(&text).map_err(|msg| Error::Prices {
            path: path.to_path_buf(),
            msg,
        })?;
        Ok(Pricer::new(
            table,
            PriceSource::Pinned {
                path: path.to_path_buf(),
            },
        ))
    }

    /// The cached LiteLLM copy in `cache_dir` over the embedded table; the embedded table
    /// alone when there is no valid cache.
    pub fn cached_or_embedded(cache_dir: &Path) -> Pricer {
        let path = cache_dir.join(CACHE_FILE);
        let cached = load_cached(cache_dir);
        match cached {
            Some(mut table) => {
                table.fill_from(&embedded_table());
                Pricer::new(table, PriceSource::Cached { path })
            }
            None => Pricer::embedded(),
        }
    }

    /// A fingerprint of the rates in force: stored costs priced under another version are
    /// recomputed.
    pub fn version(&self) -> String {
        self.version.clone()
    }

    /// Where the table came from.
    pub fn source(&self) -> &PriceSource {
        &self.source
    }

    /// The table in force.
    pub fn table(&self) -> &PriceTable {
        &self.table
    }

    /// The row for a logged model id: `(table key, price)`.
    pub fn find(&self, model: &str) -> Option<(&str, ModelPrice)> {
        let index = self.index.get_or_init(|| lookup::Index::new(&self.table));
        lookup::find(&self.table, index, model)
    }

    /// Prices many events, looking each distinct model up once.
    pub fn price_all<'e>(
        &self,
        events: impl IntoIterator<Item = &'e UsageEvent>,
    ) -> Vec<(Option<Usd>, CostSource)> {
        let mut memo = PriceMemo::new(self);
        events.into_iter().map(|e| memo.price(e)).collect()
    }

    /// Prices one event.
    pub fn price(&self, e: &UsageEvent) -> (Option<Usd>, CostSource) {
        price_with(self.find(&e.model).map(|(_, p)| p).as_ref(), e)
    }
}

/// Prices calls, looking each distinct model up once: a sync prices up to millions of calls
/// over a few dozen model ids, and a lookup normalises the id and may try several aliases.
/// One memo per reader thread; it borrows the pricer, so it never outlives a price table.
pub struct PriceMemo<'a> {
    pricer: &'a Pricer,
    found: FxHashMap<String, Option<ModelPrice>>,
}

impl<'a> PriceMemo<'a> {
    /// An empty memo over `pricer`.
    pub fn new(pricer: &'a Pricer) -> Self {
        PriceMemo {
            pricer,
            found: FxHashMap::default(),
        }
    }

    /// Prices one event, as [`Pricer::price`] does.
    pub fn price(&mut self, e: &UsageEvent) -> (Option<Usd>, CostSource) {
        let price = match self.found.get(&e.model) {
            Some(p) => *p,
            None => {
                let p = self.pricer.find(&e.model).map(|(_, p)| p);
                self.found.insert(e.model.clone(), p);
                p
            }
        };
        price_with(price.as_ref(), e)
    }
}

fn price_with(price: Option<&ModelPrice>, e: &UsageEvent) -> (Option<Usd>, CostSource) {
    // A session's sum whose cache split (or whose tokens) the tool never recorded: the cost
    // the tool kept is the better figure.
    if let Some(reported) = e.reported_cost {
        if e.session_total {
            return (Some(reported), CostSource::SessionTotal);
        }
        if e.reported_first {
            // the tool's own figure; converted from credits, it is an estimate
            let source = if e.estimated {
                CostSource::Estimated
            } else {
                CostSource::Reported
            };
            return (Some(reported), source);
        }
    }
    let (cost, source) = match (price, e.reported_cost) {
        // Priced from estimated tokens or a guessed model: estimated, whatever else is true.
        (Some(p), _) if e.estimated => return (Some(cost(p, e)), CostSource::Estimated),
        (Some(p), _) => (Some(cost(p, e)), CostSource::Computed),
        (None, Some(reported)) => (Some(reported), CostSource::Reported),
        (None, None) => return (None, CostSource::Unpriced),
    };
    // An exact figure that stands for a whole session says so.
    let source = if e.session_total {
        CostSource::SessionTotal
    } else {
        source
    };
    (cost, source)
}

/// The most a price table file may hold (LiteLLM's is a few MB).
const PRICES_CAP: u64 = 256 << 20;

/// The compact copy of the cached table: the rate fields only, with the size and mtime of the
/// full file it was made from, so every run need not parse a megabyte or more of JSON.
const COMPACT_FILE: &str = "litellm-prices.compact.json";

/// Loads the cached LiteLLM table, through its compact copy when that is current (and
/// writing the copy when it is not; best effort).
fn load_cached(cache_dir: &Path) -> Option<PriceTable> {
    let full = cache_dir.join(CACHE_FILE);
    let meta = std::fs::metadata(&full).ok()?;
    let stamp = format!(
        "{}:{:?}",
        meta.len(),
        meta.modified()
            .ok()
            .map(|t| t.duration_since(std::time::UNIX_EPOCH))
    );
    let compact = cache_dir.join(COMPACT_FILE);
    if let Ok(text) = crate::untrusted::read_capped_string(&compact, PRICES_CAP)
        && let Some((head, body)) = text.split_once('\n')
        && head == stamp
        && let Ok(t) = PriceTable::from_litellm_json(body)
    {
        return Some(t);
    }
    let full_text = crate::untrusted::read_capped_string(&full, PRICES_CAP).ok()?;
    let table = PriceTable::from_litellm_json(&full_text).ok()?;
    let tmp = cache_dir.join(format!("{COMPACT_FILE}.tmp"));
    if std::fs::write(&tmp, format!("{stamp}\n{}", table.to_litellm_json())).is_ok() {
        let _ = std::fs::rename(&tmp, &compact);
    }
    Some(table)
}

/// The embedded table.
pub fn embedded_table() -> PriceTable {
    PriceTable::from_litellm_json(EMBEDDED).unwrap_or_default()
}

/// The cost of one call under `price` (see the module docs for the formula).
pub fn cost(price: &ModelPrice, e: &UsageEvent) -> Usd {
    let t: &Tokens = &e.tokens;
    let r = match price.above_200k {
        // the long-context tier is a property of one request: a session's sum is many, and
        // the size of each is not known
        Some(tier) if t.prompt() > LONG_CONTEXT_THRESHOLD && !e.session_total => tier,
        _ => price.base,
    };
    let input = u128::from(r.input);
    let write = r.cache_write.map_or_else(
        || {
            if e.openai_cache_semantics {
                input
            } else {
                input * 5 / 4
            }
        },
        u128::from,
    );
    let write_1h = r.cache_write_1h.map_or_else(
        || {
            if e.openai_cache_semantics {
                write
            } else {
                input * 2
            }
        },
        u128::from,
    );
    let read = r.cache_read.map_or(input / 10, u128::from);
    let output = if e.reasoning_in_output {
        t.output
    } else {
        t.output.saturating_add(t.reasoning)
    };
    let mut pico = u128::from(t.input) * input
        + u128::from(output) * u128::from(r.output)
        + u128::from(t.cache_write_5m) * write
        + u128::from(t.cache_write_1h) * write_1h
        + u128::from(t.cache_read) * read;
    if e.fast {
        pico = pico * u128::from(price.fast_milli.unwrap_or(1000)) / 1000;
    }
    pico += u128::from(t.web_search_requests) * WEB_SEARCH_PICO;
    let micros = (pico + 500_000) / 1_000_000;
    Usd(i64::try_from(micros).unwrap_or(i64::MAX))
}
