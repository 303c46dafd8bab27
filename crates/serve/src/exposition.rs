//! The metrics in Prometheus's text formats, encoded by `prometheus-client`.

use std::borrow::Cow;
use std::sync::atomic::AtomicU64;

use burnbar_engine::metrics::{self, Metrics, Series};
use prometheus_client::encoding::prometheus_text;
use prometheus_client::encoding::text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

/// Which text format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Prometheus text format, version 0.0.4 (the default).
    Prometheus,
    /// `OpenMetrics` 1.0 text (when a scraper asks for it).
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for: `OpenMetrics` when it names it, else the
    /// Prometheus text format.
    pub fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Prometheus,
        }
    }

    /// Its `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

type Labels = Vec<(&'static str, String)>;

/// Dollars from micro-dollars (exact to the cent far beyond any real total: f64 holds
/// integers to 2^53).
fn usd_counters(series: &[Series]) -> Family<Labels, Counter<f64, AtomicU64>> {
    let family = Family::<Labels, Counter<f64, AtomicU64>>::default();
    for s in series {
        #[allow(clippy::cast_precision_loss)]
        family.get_or_create(&s.labels).inc_by(s.value as f64 / 1e6);
    }
    family
}

fn counters(series: &[Series]) -> Family<Labels, Counter> {
    let family = Family::<Labels, Counter>::default();
    for s in series {
        family.get_or_create(&s.labels).inc_by(s.value);
    }
    family
}

/// The registry of `m`: every family with its help text, and `machine` and `user` on every
/// series.
pub fn registry(m: &Metrics) -> Registry {
    let constant: Vec<(Cow<'static, str>, Cow<'static, str>)> = vec![
        ("machine".into(), m.identity.machine.clone().into()),
        ("user".into(), m.identity.user.clone().into()),
    ];
    let mut reg = Registry::with_labels(constant.into_iter());
    let usd = || Unit::Other("usd".into());
    reg.register_with_unit(
        metrics::COST.trim_end_matches("_usd"),
        "Cost of every call on record, USD, by tool, model, project and where the price came from (computed, reported, session-total, estimated)",
        usd(),
        usd_counters(&m.cost),
    );
    for ((name, help), series) in metrics::COUNTS.into_iter().zip(m.counts()) {
        reg.register(name, help, counters(series));
    }
    let today = Gauge::<f64, AtomicU64>::default();
    today.set(m.today_cost.as_f64());
    reg.register_with_unit(
        "burnbar_today_cost",
        "Cost of today's calls, USD (the machine's calendar day)",
        usd(),
        today,
    );
    let budgets = Family::<Vec<(&'static str, String)>, Gauge<f64, AtomicU64>>::default();
    for (id, ratio) in &m.budgets {
        budgets
            .get_or_create(&vec![("budget", id.clone())])
            .set(*ratio);
    }
    reg.register_with_unit(
        "burnbar_budget_used",
        "Spend so far in each budget's current period over its amount",
        Unit::Other("ratio".into()),
        budgets,
    );
    if let Some(ms) = m.last_sync_ms {
        let g = Gauge::<f64, AtomicU64>::default();
        #[allow(clippy::cast_precision_loss)]
        g.set(ms as f64 / 1000.0);
        reg.register_with_unit(
            "burnbar_last_sync_timestamp",
            "When Burnbar last brought its index up to date, Unix time",
            Unit::Seconds,
            g,
        );
    }
    let held = Gauge::<f64, AtomicU64>::default();
    held.set(m.held_back.as_f64());
    reg.register_with_unit(
        "burnbar_cost_held_back",
        "How far burnbar_cost_usd_total is above the index after prices went down (never shown as a counter reset), USD",
        usd(),
        held,
    );
    reg
}

/// `m` in `format`.
pub fn encode(m: &Metrics, format: Format) -> String {
    let reg = registry(m);
    let mut out =
        String::with_capacity(256 * (m.cost.len() + m.tokens.len() + m.calls.len()) + 1024);
    // writing to a String cannot fail
    let _ = match format {
        Format::Prometheus => prometheus_text::encode(&mut out, &reg),
        Format::OpenMetrics => text::encode(&mut out, &reg),
    };
    out
}
