//! How seed 002 names ticket statuses (docs/STATUS_MAPPING.md, "Seed 002"). The
//! seed's enum lists no values; its timestamps and operations name two lifecycle
//! states, `ongoing` and `completed`.

use outpost_domain::Status;
use serde::{Deserialize, Serialize};

/// A seed 002 ticket status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceStatus {
    Ongoing,
    Completed,
}

impl WorkspaceStatus {
    pub const ALL: [WorkspaceStatus; 2] = [Self::Ongoing, Self::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ongoing => "ongoing",
            Self::Completed => "completed",
        }
    }

    /// The value a wire name names, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// How a stored status is shown.
    pub fn of(status: Status) -> Self {
        match status {
            Status::New | Status::Open | Status::Pending | Status::OnHold => Self::Ongoing,
            Status::Solved | Status::Closed => Self::Completed,
        }
    }

    /// The stored statuses a filter on this value matches.
    pub fn matches(self) -> &'static [Status] {
        match self {
            Self::Ongoing => &[Status::New, Status::Open, Status::Pending, Status::OnHold],
            Self::Completed => &[Status::Solved, Status::Closed],
        }
    }

    /// The status a ticket created with this value gets. `completed` is `solved`,
    /// not `closed`: a completed chat may still get a customer reply, which re-opens
    /// it; closing stays an explicit agent action.
    pub fn written(self) -> Status {
        match self {
            Self::Ongoing => Status::Open,
            Self::Completed => Status::Solved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WorkspaceStatus::*;
    use super::*;

    #[test]
    fn new_open_pending_on_hold_are_shown_ongoing() {
        for s in [Status::New, Status::Open, Status::Pending, Status::OnHold] {
            assert_eq!(WorkspaceStatus::of(s), Ongoing, "{s} is still being worked");
        }
    }

    #[test]
    fn solved_closed_are_shown_completed() {
        for s in [Status::Solved, Status::Closed] {
            assert_eq!(WorkspaceStatus::of(s), Completed, "{s} is done");
        }
    }

    #[test]
    fn ongoing_matches_new_open_pending_on_hold_and_is_written_open() {
        assert_eq!(
            Ongoing.matches(),
            [Status::New, Status::Open, Status::Pending, Status::OnHold]
        );
        assert_eq!(
            Ongoing.written(),
            Status::Open,
            "the create body names an assignee, so the ticket starts open"
        );
    }

    #[test]
    fn completed_matches_solved_closed_and_is_written_solved() {
        assert_eq!(Completed.matches(), [Status::Solved, Status::Closed]);
        assert_eq!(Completed.written(), Status::Solved);
    }

    #[test]
    fn wire_names_are_ongoing_and_completed() {
        assert_eq!(serde_json::to_value(Ongoing).unwrap(), "ongoing");
        assert_eq!(serde_json::to_value(Completed).unwrap(), "completed");
    }
}
