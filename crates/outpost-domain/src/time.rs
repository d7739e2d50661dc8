//! Timestamps. Stored and sent as RFC 3339 UTC with microseconds, a fixed-width form
//! that sorts the same as text and as time on both database engines.

use chrono::{DateTime, SecondsFormat, Utc};

pub type Timestamp = DateTime<Utc>;

/// The current time truncated to microseconds (the stored precision), so a value read
/// back equals the value written.
pub fn now() -> Timestamp {
    let t = Utc::now();
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Fixed-width text form used in storage: `2026-11-22T10:42:00.123456Z`.
pub fn to_db(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses any RFC 3339 timestamp (the storage form included).
pub fn parse(s: &str) -> Result<Timestamp, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_form_round_trips_and_sorts_as_text() {
        let a = now();
        let b = a + chrono::Duration::microseconds(1);
        assert_eq!(parse(&to_db(&a)).unwrap(), a, "stored form must round-trip");
        assert!(to_db(&a) < to_db(&b), "text order must follow time order");
        assert_eq!(to_db(&a).len(), "2026-11-22T10:42:00.123456Z".len());
    }
}
