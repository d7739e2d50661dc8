//! How seeds 000 and 003 name ticket statuses (docs/STATUS_MAPPING.md, "Seed 000 …
//! and seed 003"). Seed 000 shows the canonical status unchanged and filters by
//! canonical values; seed 003 shows a conversation as `active` until its ticket closes.

use outpost_domain::{ConversationStatus, InvalidValue, Status};

/// The status a seed 000 row shows for a stored status: the canonical one.
pub fn support_status(status: Status) -> Status {
    status
}

/// The stored statuses a seed 000 filter value matches: itself.
pub fn support_filter(value: Status) -> Vec<Status> {
    vec![value]
}

/// Parses seed 000's `status` filter, comma-separated canonical values
/// (`open,pending`), into the stored statuses it matches; blanks around a value are
/// ignored, an unknown value is refused.
pub fn parse_support_filter(raw: &str) -> Result<Vec<Status>, InvalidValue> {
    let mut statuses = Vec::new();
    for value in raw.split(',') {
        statuses.extend(support_filter(value.trim().parse()?));
    }
    Ok(statuses)
}

/// A seed 003 conversation's status for its ticket's status: a lifecycle rule, kept
/// in the domain with the others.
pub use outpost_domain::lifecycle::conversation_status;

/// The ticket statuses whose conversation shows `value`.
pub fn conversation_filter(value: ConversationStatus) -> Vec<Status> {
    Status::ALL
        .iter()
        .copied()
        .filter(|s| conversation_status(*s) == value)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationStatus::{Active, Closed};

    fn shown_and_matched_unchanged(s: Status) {
        assert_eq!(support_status(s), s, "seed 000 shows {s} as is");
        assert_eq!(
            support_filter(s),
            vec![s],
            "seed 000 filter {s} matches {s} only"
        );
    }

    #[test]
    fn seed000_new_is_new() {
        shown_and_matched_unchanged(Status::New);
    }

    #[test]
    fn seed000_open_is_open() {
        shown_and_matched_unchanged(Status::Open);
    }

    #[test]
    fn seed000_pending_is_pending() {
        shown_and_matched_unchanged(Status::Pending);
    }

    #[test]
    fn seed000_on_hold_is_on_hold() {
        shown_and_matched_unchanged(Status::OnHold);
    }

    #[test]
    fn seed000_solved_is_solved() {
        shown_and_matched_unchanged(Status::Solved);
    }

    #[test]
    fn seed000_closed_is_closed() {
        shown_and_matched_unchanged(Status::Closed);
    }

    #[test]
    fn seed000_filter_is_comma_separated_canonical_values() {
        assert_eq!(
            parse_support_filter("open, pending").unwrap(),
            vec![Status::Open, Status::Pending]
        );
        assert!(
            parse_support_filter("open,in_progress").is_err(),
            "only canonical values filter seed 000"
        );
    }

    #[test]
    fn seed003_new_open_pending_on_hold_solved_are_active() {
        let open = [
            Status::New,
            Status::Open,
            Status::Pending,
            Status::OnHold,
            Status::Solved,
        ];
        for s in open {
            assert_eq!(
                conversation_status(s),
                Active,
                "{s} keeps the conversation active"
            );
        }
        assert_eq!(conversation_filter(Active), open.to_vec());
    }

    #[test]
    fn seed003_closed_is_closed() {
        assert_eq!(conversation_status(Status::Closed), Closed);
        assert_eq!(conversation_filter(Closed), vec![Status::Closed]);
    }
}
