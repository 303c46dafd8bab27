//! The one way money is written for people: the CLI's tables, the tray's title and tooltip,
//! and (through a TypeScript copy checked against the same golden cases,
//! `tests/fixtures/format/money.json`) the popover.
//!
//! Amounts are rounded half up to the currency's minor unit; a positive amount that rounds to
//! zero is written `<$0.01` (never a silent zero); thousands are grouped with commas. A known
//! currency gets its symbol (`$`, `€`, `£`, `¥`, `₹`, `CA$`, `A$`); any other ISO code follows
//! the number (`2.50 CHF`). Provenance marks: `~` before an amount part of which is estimated,
//! `+` after one that leaves out calls with no known price.

use serde::Serialize;

use crate::model::Usd;

/// How the popover shows money: stored amounts are USD; `usd_rate` converts for display.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Display {
    /// ISO 4217 code.
    pub currency: String,
    /// Units of `currency` per USD.
    pub usd_rate: f64,
}

impl Default for Display {
    fn default() -> Display {
        Display {
            currency: "USD".to_string(),
            usd_rate: 1.0,
        }
    }
}

/// Currencies written with a symbol: (ISO code, symbol, minor-unit places).
const SYMBOLS: [(&str, &str, u32); 7] = [
    ("USD", "$", 2),
    ("EUR", "€", 2),
    ("GBP", "£", 2),
    ("JPY", "¥", 0),
    ("INR", "₹", 2),
    ("CAD", "CA$", 2),
    ("AUD", "A$", 2),
];

/// `amount` (USD) in the display currency, to the currency's minor unit.
///
/// ```
/// use burnbar_engine::format::{money, Display};
/// assert_eq!(money(burnbar_engine::Usd(1_234_567_890), &Display::default()), "$1,234.57");
/// assert_eq!(money(burnbar_engine::Usd(4_999), &Display::default()), "<$0.01");
/// ```
pub fn money(amount: Usd, display: &Display) -> String {
    let places = SYMBOLS
        .iter()
        .find(|(code, ..)| *code == display.currency)
        .map_or(2, |s| s.2);
    money_places(amount, display, places)
}

/// [`money`] with `places` decimals (a per-call cost wants three).
pub fn money_places(amount: Usd, display: &Display, places: u32) -> String {
    let symbol = SYMBOLS
        .iter()
        .find(|(code, ..)| *code == display.currency)
        .map(|s| s.1);
    let unit = 10_i128.pow(places.min(6));
    let minor = minor_units(amount, display.usd_rate, unit);
    let write = |minor: i128| {
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        let unit = unit.unsigned_abs();
        let mut digits = group_thousands(abs / unit);
        if places > 0 {
            digits = format!("{digits}.{:0width$}", abs % unit, width = places as usize);
        }
        match symbol {
            Some(s) => format!("{sign}{s}{digits}"),
            None => format!("{sign}{digits} {}", display.currency),
        }
    };
    if minor == 0 && amount > Usd::ZERO {
        return format!("<{}", write(1));
    }
    write(minor)
}

/// `amount` in minor units (`unit` per major unit) of a currency worth `rate` per USD, rounded
/// half up: exact integer arithmetic for US dollars, floating point only for a conversion.
fn minor_units(amount: Usd, rate: f64, unit: i128) -> i128 {
    let micros = i128::from(amount.micros());
    #[allow(clippy::float_cmp)] // exactly 1: no conversion at all
    if rate == 1.0 {
        return (micros * unit + 500_000).div_euclid(1_000_000);
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let minor = (amount.as_f64() * rate * unit as f64 + 0.5).floor() as i128;
    minor
}

/// `amount` with its provenance marks: `~` before it when part is `estimated`, `+` after it
/// when some calls are `unpriced` (the amount leaves them out).
pub fn marked_money(amount: Usd, estimated: bool, unpriced: bool, display: &Display) -> String {
    format!(
        "{}{}{}",
        if estimated { "~" } else { "" },
        money(amount, display),
        if unpriced { "+" } else { "" }
    )
}

/// `1234567` -> `1,234,567`.
pub fn group_thousands(n: u128) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A span for people: `2h 10m`, `45m`, `3d 4h`; under a minute is `<1m`.
///
/// ```
/// use burnbar_engine::format::span;
/// assert_eq!(span(chrono::Duration::minutes(130)), "2h 10m");
/// assert_eq!(span(chrono::Duration::minutes(45)), "45m");
/// assert_eq!(span(chrono::Duration::hours(76)), "3d 4h");
/// ```
pub fn span(d: chrono::Duration) -> String {
    let m = d.num_minutes().max(0);
    match m {
        0 => "<1m".to_string(),
        1..60 => format!("{m}m"),
        60..1440 => format!("{}h {}m", m / 60, m % 60),
        _ => format!("{}d {}h", m / 1440, m % 1440 / 60),
    }
}

/// A moment for people, in `tz`: `15:00` today, `Mon 05:00` within the week, else the date.
pub fn moment(
    at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> String {
    let (a, n) = (at.with_timezone(&tz), now.with_timezone(&tz));
    if a.date_naive() == n.date_naive() {
        a.format("%H:%M").to_string()
    } else if (a - n).num_days().abs() < 6 {
        a.format("%a %H:%M").to_string()
    } else {
        a.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// `resets in 2h 10m (15:00)`.
pub fn resets_in(
    at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> String {
    format!("resets in {} ({})", span(at - now), moment(at, now, tz))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Case {
        micros: i64,
        #[serde(default = "usd")]
        currency: String,
        #[serde(default = "one")]
        usd_rate: f64,
        #[serde(default)]
        places: Option<u32>,
        #[serde(default)]
        estimated: bool,
        #[serde(default)]
        unpriced: bool,
        text: String,
    }

    fn usd() -> String {
        "USD".into()
    }

    fn one() -> f64 {
        1.0
    }

    /// The golden cases the popover's TypeScript copy is tested on too.
    #[test]
    fn every_golden_case_is_written_exactly() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/format/money.json"
        );
        let cases: Vec<Case> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(cases.len() > 10);
        for c in cases {
            let display = Display {
                currency: c.currency.clone(),
                usd_rate: c.usd_rate,
            };
            let amount = Usd(c.micros);
            let text = match c.places {
                Some(p) => money_places(amount, &display, p),
                None => marked_money(amount, c.estimated, c.unpriced, &display),
            };
            assert_eq!(text, c.text, "{} micros in {}", c.micros, c.currency);
        }
    }

    #[test]
    fn grouping() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
