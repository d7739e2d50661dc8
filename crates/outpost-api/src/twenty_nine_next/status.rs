//! How seed 004 names ticket statuses (docs/STATUS_MAPPING.md, "Seed 004"). It has no
//! on-hold status; on-hold tickets show as `open`, as Zendesk shows them to requesters.

use outpost_domain::Status;
use serde::{Deserialize, Serialize};

/// A seed 004 ticket status (also the values of its `status[]` filter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TwentyNineNextStatus {
    New,
    Open,
    Pending,
    Solved,
    Closed,
}

impl TwentyNineNextStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Solved => "solved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::New,
            Self::Open,
            Self::Pending,
            Self::Solved,
            Self::Closed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// How a stored status is shown.
    pub fn of(status: Status) -> Self {
        match status {
            Status::New => Self::New,
            Status::Open | Status::OnHold => Self::Open,
            Status::Pending => Self::Pending,
            Status::Solved => Self::Solved,
            Status::Closed => Self::Closed,
        }
    }

    /// The stored statuses a `status[]` value matches.
    pub fn matches(self) -> &'static [Status] {
        match self {
            Self::New => &[Status::New],
            Self::Open => &[Status::Open, Status::OnHold],
            Self::Pending => &[Status::Pending],
            Self::Solved => &[Status::Solved],
            Self::Closed => &[Status::Closed],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TwentyNineNextStatus as S;
    use super::*;

    #[test]
    fn new_is_shown_new() {
        assert_eq!(S::of(Status::New), S::New);
    }

    #[test]
    fn open_is_shown_open() {
        assert_eq!(S::of(Status::Open), S::Open);
    }

    #[test]
    fn pending_is_shown_pending() {
        assert_eq!(S::of(Status::Pending), S::Pending);
    }

    #[test]
    fn on_hold_is_shown_open() {
        assert_eq!(
            S::of(Status::OnHold),
            S::Open,
            "seed 004 has no on-hold status"
        );
    }

    #[test]
    fn solved_is_shown_solved() {
        assert_eq!(S::of(Status::Solved), S::Solved);
    }

    #[test]
    fn closed_is_shown_closed() {
        assert_eq!(S::of(Status::Closed), S::Closed);
    }

    #[test]
    fn filter_new_matches_new() {
        assert_eq!(S::New.matches(), [Status::New]);
    }

    #[test]
    fn filter_open_matches_open_on_hold() {
        assert_eq!(S::Open.matches(), [Status::Open, Status::OnHold]);
    }

    #[test]
    fn filter_pending_matches_pending() {
        assert_eq!(S::Pending.matches(), [Status::Pending]);
    }

    #[test]
    fn filter_solved_matches_solved() {
        assert_eq!(S::Solved.matches(), [Status::Solved]);
    }

    #[test]
    fn filter_closed_matches_closed() {
        assert_eq!(S::Closed.matches(), [Status::Closed]);
    }
}
