//! How seed 004 names priorities, channels and ticket types (docs/STATUS_MAPPING.md,
//! "Seed 004"). Its sets are smaller than the model's: each model value is shown as
//! one seed value, and a seed filter value matches every model value shown as it.

use outpost_domain::{Channel, Priority, TicketType};
use serde::{Deserialize, Serialize};

/// A seed 004 priority: `high | medium | low`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TwentyNineNextPriority {
    High,
    Medium,
    Low,
}

impl TwentyNineNextPriority {
    /// Urgent is shown as high (the seed's highest).
    pub fn of(p: Priority) -> Self {
        match p {
            Priority::Urgent | Priority::High => Self::High,
            Priority::Medium => Self::Medium,
            Priority::Low => Self::Low,
        }
    }

    pub fn matches(self) -> &'static [Priority] {
        match self {
            Self::High => &[Priority::High, Priority::Urgent],
            Self::Medium => &[Priority::Medium],
            Self::Low => &[Priority::Low],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "high" => Some(Self::High),
            "medium" => Some(Self::Medium),
            "low" => Some(Self::Low),
            _ => None,
        }
    }
}

/// A seed 004 channel: `customer_account | dashboard | email | api | follow_up`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TwentyNineNextChannel {
    CustomerAccount,
    Dashboard,
    Email,
    Api,
    FollowUp,
}

/// Model channels shown as `customer_account`: a customer wrote from the store's site
/// (their account, the portal, the storefront, a restaurant page, the chat widget).
const CUSTOMER_ACCOUNT: &[&str] = &[
    "customer_account",
    "customer_portal",
    "storefront",
    "restaurant",
    "chat",
];

/// Which model channels a seed 004 channel filter keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelMatch {
    /// Channels among these.
    In(Vec<String>),
    /// Any channel but these (`api` also matches a tenant's own channels).
    NotIn(Vec<String>),
}

impl TwentyNineNextChannel {
    /// How a model channel is shown; a tenant's own channels (integrations) as `api`.
    pub fn of(c: &Channel) -> Self {
        match c.as_str() {
            "dashboard" => Self::Dashboard,
            "email" => Self::Email,
            "follow_up" => Self::FollowUp,
            other if CUSTOMER_ACCOUNT.contains(&other) => Self::CustomerAccount,
            _ => Self::Api,
        }
    }

    /// The model channels shown as `self`.
    pub fn matches(self) -> ChannelMatch {
        let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        match self {
            Self::CustomerAccount => ChannelMatch::In(list(CUSTOMER_ACCOUNT)),
            Self::Dashboard => ChannelMatch::In(list(&["dashboard"])),
            Self::Email => ChannelMatch::In(list(&["email"])),
            Self::FollowUp => ChannelMatch::In(list(&["follow_up"])),
            Self::Api => {
                let mut others: Vec<String> = list(CUSTOMER_ACCOUNT);
                others.extend(list(&["dashboard", "email", "follow_up"]));
                ChannelMatch::NotIn(others)
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerAccount => "customer_account",
            Self::Dashboard => "dashboard",
            Self::Email => "email",
            Self::Api => "api",
            Self::FollowUp => "follow_up",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "customer_account" => Some(Self::CustomerAccount),
            "dashboard" => Some(Self::Dashboard),
            "email" => Some(Self::Email),
            "api" => Some(Self::Api),
            "follow_up" => Some(Self::FollowUp),
            _ => None,
        }
    }
}

/// The first number of a tenant's own ticket types; the known types are 1–8.
pub const CUSTOM_TYPE_BASE: i64 = 1000;

/// A ticket type's stable integer: the known types by their place in
/// [`TicketType::KNOWN`] (question 1 … support 8); a tenant's own type by a 64-bit
/// FNV-1a hash of its name folded into 1000 … 2^31 - 1, the same on every server.
pub fn ticket_type_number(t: &TicketType) -> i64 {
    if let Some(i) = TicketType::KNOWN.iter().position(|k| *k == t.as_str()) {
        return i as i64 + 1;
    }
    let mut hash = super::Fnv1a::new();
    hash.write(t.as_str().as_bytes());
    let h = hash.finish();
    CUSTOM_TYPE_BASE + (h % (i32::MAX as u64 - CUSTOM_TYPE_BASE as u64)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_are_numbered_from_one() {
        let n = |s| ticket_type_number(&TicketType::parse(s).unwrap());
        assert_eq!(n("question"), 1);
        assert_eq!(n("support"), 8);
    }

    #[test]
    fn own_types_get_stable_numbers_above_the_known() {
        let t = TicketType::parse("warranty_claim").unwrap();
        let n = ticket_type_number(&t);
        assert!(n >= CUSTOM_TYPE_BASE && n < i64::from(i32::MAX), "{n}");
        assert_eq!(n, ticket_type_number(&t));
    }

    #[test]
    fn every_channel_is_shown_as_one_it_matches() {
        for c in Channel::KNOWN.iter().chain(&["webhook_x"]) {
            let channel = Channel::parse(c).unwrap();
            let shown = TwentyNineNextChannel::of(&channel);
            let kept = match shown.matches() {
                ChannelMatch::In(v) => v.iter().any(|x| x == c),
                ChannelMatch::NotIn(v) => !v.iter().any(|x| x == c),
            };
            assert!(kept, "{c} shown as {shown:?} but not matched by it");
        }
    }

    #[test]
    fn every_priority_is_shown_as_one_it_matches() {
        for p in [
            Priority::Low,
            Priority::Medium,
            Priority::High,
            Priority::Urgent,
        ] {
            assert!(TwentyNineNextPriority::of(p).matches().contains(&p), "{p}");
        }
    }
}
