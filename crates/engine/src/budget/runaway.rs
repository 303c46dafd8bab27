//! The runaway-session alert: a session spending fast (a set amount within a window of
//! minutes) or past a cap in total. Pure: the store finds the active sessions and their
//! spend, the tray turns what this returns into notifications, once per session.

use serde::{Deserialize, Serialize};

use crate::model::{ProviderId, Usd};

/// The runaway-session alert's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Runaway {
    /// On by default.
    pub enabled: bool,
    /// The look-back window, minutes.
    pub window_minutes: u32,
    /// Spend within the window that counts as a runaway, USD.
    pub usd_in_window: f64,
    /// One session's total spend that always alerts, USD (none when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_cap_usd: Option<f64>,
}

impl Default for Runaway {
    fn default() -> Runaway {
        Runaway {
            enabled: true,
            window_minutes: 10,
            usd_in_window: 5.0,
            session_cap_usd: None,
        }
    }
}

/// One session's recent spend (from [`crate::Engine::active_sessions`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionSpend {
    /// The tool.
    pub provider: ProviderId,
    /// The session id.
    pub session: String,
    /// Its project.
    pub project: String,
    /// The model that cost most in the window.
    pub model: String,
    /// Spend within the window.
    pub window_cost: Usd,
    /// The session's total spend.
    pub total_cost: Usd,
}

/// A runaway session: why, and the alert's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunawayAlert {
    /// `runaway/<provider>/<session>` or `cap/<provider>/<session>`.
    pub alert: String,
    /// The session.
    pub session: SessionSpend,
    /// True for the per-session cap, false for the spend rate.
    pub cap: bool,
}

/// Sessions whose spend in the window, or in total, passes the runaway settings.
pub fn runaways(settings: &Runaway, sessions: &[SessionSpend]) -> Vec<RunawayAlert> {
    if !settings.enabled {
        return Vec::new();
    }
    let rate = Usd::from_dollars(settings.usd_in_window);
    let cap = settings.session_cap_usd.map(Usd::from_dollars);
    let mut out = Vec::new();
    for s in sessions {
        let name = format!("{}/{}", s.provider.as_str(), s.session);
        if rate > Usd::ZERO && s.window_cost >= rate {
            out.push(RunawayAlert {
                alert: format!("runaway/{name}"),
                session: s.clone(),
                cap: false,
            });
        }
        if let Some(cap) = cap
            && cap > Usd::ZERO
            && s.total_cost >= cap
        {
            out.push(RunawayAlert {
                alert: format!("cap/{name}"),
                session: s.clone(),
                cap: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runaways_by_rate_and_by_cap() {
        let s = |window, total| SessionSpend {
            provider: ProviderId::ClaudeCode,
            session: "abc".into(),
            project: "api".into(),
            model: "claude-opus-4-1".into(),
            window_cost: Usd(window),
            total_cost: Usd(total),
        };
        let settings = Runaway {
            session_cap_usd: Some(20.0),
            ..Runaway::default()
        };
        assert!(runaways(&settings, &[s(4_999_999, 19_000_000)]).is_empty());
        let fast = runaways(&settings, &[s(5_000_000, 6_000_000)]);
        assert_eq!(fast.len(), 1);
        assert_eq!(fast[0].alert, "runaway/claude-code/abc");
        assert!(!fast[0].cap);
        let capped = runaways(&settings, &[s(0, 20_000_000)]);
        assert_eq!(capped.len(), 1);
        assert!(capped[0].cap);
        assert_eq!(capped[0].alert, "cap/claude-code/abc");
        let off = Runaway {
            enabled: false,
            ..settings
        };
        assert!(runaways(&off, &[s(50_000_000, 50_000_000)]).is_empty());
    }
}
