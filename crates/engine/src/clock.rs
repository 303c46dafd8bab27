//! Time is an input. `Utc::now()` appears only here (clippy's `disallowed-methods` enforces it),
//! so reports and tests can pin "now" with [`FixedClock`].

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant, UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the wall clock
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant (tests, `--now`).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Parses an IANA zone name (`Europe/Berlin`, `UTC`).
pub fn parse_time_zone(name: &str) -> crate::Result<Tz> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| crate::Error::TimeZone(name.to_string()))
}

/// The machine's local IANA zone (from `TZ` or the OS), falling back to UTC when unknown.
pub fn local_time_zone(tz_env: Option<&str>) -> Tz {
    if let Some(tz) = tz_env
        .map(|s| s.trim_start_matches(':'))
        .and_then(|s| s.parse::<Tz>().ok())
    {
        return tz;
    }
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC)
}
