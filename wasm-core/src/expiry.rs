//! How soon a credential expires, judged one way for the dashboard's "Expiring" page, the
//! apps list's badges and `signet credentials --expiring`: days left from a `not_after`
//! (Unix seconds, from metadata its author signed — callers pass only verified metadata),
//! a [`Severity`] with a word for it (so colour is never the only signal), and the order
//! people act in (expired first, then soonest).

use crate::eas::doctor::EXPIRY_WARNING_DAYS;

const DAY: i64 = 86_400;

/// At most this many days left is [`Severity::Urgent`].
pub const URGENT_DAYS: i64 = 7;

/// At most this many days left is [`Severity::Soon`] (what `signet doctor` warns about too).
pub const SOON_DAYS: i64 = EXPIRY_WARNING_DAYS;

/// How badly a credential needs replacing; ordered worst first, so the smallest is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Its `not_after` has passed: builds signed with it fail now.
    Expired,
    /// Expires within [`URGENT_DAYS`].
    Urgent,
    /// Expires within [`SOON_DAYS`].
    Soon,
    /// Expires later.
    Fine,
}

impl Severity {
    /// The stable name scripts see (`--json`) and the dashboard's CSS class.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Urgent => "urgent",
            Self::Soon => "soon",
            Self::Fine => "ok",
        }
    }

    /// The word shown next to the colour.
    pub fn word(self) -> &'static str {
        match self {
            Self::Expired => "Expired",
            Self::Urgent => "Urgent",
            Self::Soon => "Soon",
            Self::Fine => "OK",
        }
    }
}

/// A credential's expiry as of one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// When it stops being valid, Unix seconds.
    pub not_after: i64,
    now: i64,
}

impl Expiry {
    /// `not_after` judged at `now` (both Unix seconds).
    pub fn new(not_after: i64, now: i64) -> Self {
        Self { not_after, now }
    }

    /// Whole days left (rounded down; negative once past, `-1` on the day it expired).
    pub fn days_left(&self) -> i64 {
        (self.not_after - self.now).div_euclid(DAY)
    }

    /// Whether it has expired.
    pub fn expired(&self) -> bool {
        self.not_after <= self.now
    }

    /// Whether it has expired or expires within `window` seconds from now.
    pub fn within(&self, window: i64) -> bool {
        self.not_after <= self.now.saturating_add(window)
    }

    /// Expired, urgent, soon or fine (thresholds: [`URGENT_DAYS`], [`SOON_DAYS`]).
    pub fn severity(&self) -> Severity {
        if self.expired() {
            Severity::Expired
        } else if self.days_left() <= URGENT_DAYS {
            Severity::Urgent
        } else if self.days_left() <= SOON_DAYS {
            Severity::Soon
        } else {
            Severity::Fine
        }
    }

    /// "expires in 5 days", "expires within a day", "expired today", "expired 3 days ago".
    pub fn describe(&self) -> String {
        let plural = |n: i64| if n == 1 { "day" } else { "days" };
        if self.expired() {
            match (self.now - self.not_after).div_euclid(DAY) {
                0 => "expired today".to_owned(),
                n => format!("expired {n} {} ago", plural(n)),
            }
        } else {
            match self.days_left() {
                0 => "expires within a day".to_owned(),
                n => format!("expires in {n} {}", plural(n)),
            }
        }
    }
}

/// `not_after` in a credential's metadata JSON, if it has one (keystores, certificates,
/// profiles). Only pass metadata whose signature verified.
pub fn not_after(metadata: &str) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(metadata)
        .ok()?
        .get("not_after")?
        .as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn in_days(days: i64) -> Expiry {
        Expiry::new(NOW + days * DAY, NOW)
    }

    #[test]
    fn thresholds_are_inclusive_and_past_is_expired() {
        assert_eq!(Expiry::new(NOW, NOW).severity(), Severity::Expired);
        assert_eq!(in_days(-3).severity(), Severity::Expired);
        assert_eq!(Expiry::new(NOW + 1, NOW).severity(), Severity::Urgent);
        assert_eq!(in_days(7).severity(), Severity::Urgent);
        assert_eq!(in_days(8).severity(), Severity::Soon);
        assert_eq!(in_days(30).severity(), Severity::Soon);
        assert_eq!(in_days(31).severity(), Severity::Fine);
        assert!(Severity::Expired < Severity::Urgent && Severity::Soon < Severity::Fine);
    }

    #[test]
    fn describes_days_left_and_days_ago() {
        assert_eq!(in_days(5).describe(), "expires in 5 days");
        assert_eq!(in_days(1).describe(), "expires in 1 day");
        assert_eq!(
            Expiry::new(NOW + 60, NOW).describe(),
            "expires within a day"
        );
        assert_eq!(Expiry::new(NOW - 60, NOW).describe(), "expired today");
        assert_eq!(in_days(-1).describe(), "expired 1 day ago");
        assert_eq!(in_days(-12).describe(), "expired 12 days ago");
        assert_eq!(in_days(-12).days_left(), -12);
    }

    #[test]
    fn within_a_window_includes_the_expired() {
        assert!(in_days(-400).within(0));
        assert!(in_days(30).within(30 * DAY));
        assert!(!in_days(31).within(30 * DAY));
    }

    #[test]
    fn reads_not_after_from_metadata() {
        assert_eq!(not_after(r#"{"not_after":42,"sha1":"AB"}"#), Some(42));
        assert_eq!(not_after(r#"{"key_id":"ABC"}"#), None);
        assert_eq!(not_after("not json"), None);
    }
}
