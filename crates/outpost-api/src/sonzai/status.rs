//! How seed 001 names ticket statuses (docs/STATUS_MAPPING.md, "Seed 001").

use outpost_domain::Status;
use serde::{Deserialize, Serialize};

/// A seed 001 ticket status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SonzaiStatus {
    Open,
    InProgress,
    Resolved,
    Closed,
}

impl SonzaiStatus {
    /// How a stored status is shown.
    pub fn of(status: Status) -> Self {
        match status {
            Status::New => Self::Open,
            Status::Open | Status::Pending | Status::OnHold => Self::InProgress,
            Status::Solved => Self::Resolved,
            Status::Closed => Self::Closed,
        }
    }

    /// Every value, in the order the seed lists them.
    pub const ALL: [SonzaiStatus; 4] = [Self::Open, Self::InProgress, Self::Resolved, Self::Closed];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// Parses a wire name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The stored statuses a filter on this value matches.
    pub fn matches(self) -> &'static [Status] {
        match self {
            Self::Open => &[Status::New],
            Self::InProgress => &[Status::Open, Status::Pending, Status::OnHold],
            Self::Resolved => &[Status::Solved],
            Self::Closed => &[Status::Closed],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SonzaiStatus::*;
    use super::*;

    #[test]
    fn new_is_shown_open() {
        assert_eq!(SonzaiStatus::of(Status::New), Open);
    }

    #[test]
    fn open_is_shown_in_progress() {
        assert_eq!(SonzaiStatus::of(Status::Open), InProgress);
    }

    #[test]
    fn pending_is_shown_in_progress() {
        assert_eq!(SonzaiStatus::of(Status::Pending), InProgress);
    }

    #[test]
    fn on_hold_is_shown_in_progress() {
        assert_eq!(SonzaiStatus::of(Status::OnHold), InProgress);
    }

    #[test]
    fn solved_is_shown_resolved() {
        assert_eq!(SonzaiStatus::of(Status::Solved), Resolved);
    }

    #[test]
    fn closed_is_shown_closed() {
        assert_eq!(SonzaiStatus::of(Status::Closed), Closed);
    }

    #[test]
    fn filter_open_matches_new() {
        assert_eq!(Open.matches(), [Status::New]);
    }

    #[test]
    fn filter_in_progress_matches_open_pending_on_hold() {
        assert_eq!(
            InProgress.matches(),
            [Status::Open, Status::Pending, Status::OnHold]
        );
    }

    #[test]
    fn filter_resolved_matches_solved() {
        assert_eq!(Resolved.matches(), [Status::Solved]);
    }

    #[test]
    fn filter_closed_matches_closed() {
        assert_eq!(Closed.matches(), [Status::Closed]);
    }

    #[test]
    fn wire_names_are_the_seed_values() {
        let names: Vec<String> = [Open, InProgress, Resolved, Closed]
            .iter()
            .map(|s| {
                serde_json::to_value(s)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(names, ["open", "in_progress", "resolved", "closed"]);
        for v in SonzaiStatus::ALL {
            assert_eq!(SonzaiStatus::parse(v.as_str()), Some(v));
        }
        assert_eq!(SonzaiStatus::parse("new"), None);
    }
}
