//! Validated values and closed enumerations. Constructors reject bad input once, at
//! the edge; everything past them can rely on the invariant.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A value failed validation; the message names the field and the rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidValue {
    pub field: &'static str,
    pub reason: String,
}

impl InvalidValue {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        // Wire names are the snake_case variant names; `rename_all` (rather than a
        // per-variant rename) is what the OpenAPI generator reads. A unit test checks
        // that every `$text` equals the serialized name.
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(InvalidValue::new(
                        $field,
                        format!(
                            "unknown value {other:?}; expected one of {}",
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

string_enum!(
    /// What a user is in the tenant.
    Role, "role" {
        Admin => "admin",
        Agent => "agent",
        Customer => "customer",
        /// An AI responder (seed 002).
        Bot => "bot",
    }
);

string_enum!(
    /// The canonical ticket lifecycle: `new → open → pending/on_hold → solved → closed`.
    Status, "status" {
        New => "new",
        Open => "open",
        Pending => "pending",
        OnHold => "on_hold",
        Solved => "solved",
        Closed => "closed",
    }
);

impl Status {
    /// Open for work: not solved and not closed.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Solved | Status::Closed)
    }
}

string_enum!(
    /// Ticket priority.
    Priority, "priority" {
        Low => "low",
        Medium => "medium",
        High => "high",
        Urgent => "urgent",
    }
);

string_enum!(
    /// Whether a message is a public reply, a file, or written by the server.
    MessageType, "message_type" {
        Text => "text",
        /// Reserved for server-generated messages; rejected from clients.
        Html => "html",
        System => "system",
        Image => "image",
        File => "file",
    }
);

string_enum!(
    /// A conversation accepts messages only while active.
    ConversationStatus, "conversation_status" {
        Active => "active",
        Closed => "closed",
    }
);

string_enum!(
    /// A participant's role in a conversation.
    ParticipantRole, "participant_role" {
        Member => "member",
        Admin => "admin",
    }
);

string_enum!(
    /// How the current responder got the ticket (seed 002).
    Circumstance, "circumstance" {
        Takeover => "takeover",
        Handover => "handover",
    }
);

string_enum!(
    /// Whether a ticket is being answered by a bot or a human.
    ResponderKind, "responder_kind" {
        Bot => "bot",
        Human => "human",
    }
);

/// A lowercase identifier-like value from an extensible set (ticket types, channels):
/// `[a-z0-9_]`, 1–40 characters.
fn parse_slug(field: &'static str, s: &str) -> Result<String, InvalidValue> {
    let ok = !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(InvalidValue::new(
            field,
            "must be 1-40 characters of a-z, 0-9 and _",
        ))
    }
}

macro_rules! slug_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, [$($known:literal),+ $(,)?]) => {
        $(#[$doc])*
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The values every tenant starts with; tenants may use others.
            pub const KNOWN: &'static [&'static str] = &[$($known),+];

            pub fn parse(s: &str) -> Result<Self, InvalidValue> {
                parse_slug($field, s).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

slug_type!(
    /// Ticket type (extensible).
    TicketType, "type",
    ["question", "incident", "problem", "task", "bug", "feature_request", "billing", "support"]
);

slug_type!(
    /// Where a ticket came from (extensible).
    Channel, "channel",
    ["email", "customer_portal", "customer_account", "storefront", "restaurant", "dashboard", "api", "chat", "follow_up"]
);

/// A syntactically valid email address, stored lowercase.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim().to_lowercase();
        let bad = || InvalidValue::new("email", "must look like name@example.com");
        if s.len() > 254 || s.chars().any(char::is_whitespace) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty() || domain.is_empty() || domain.contains('@') || !domain.contains('.') {
            return Err(bad());
        }
        if domain.starts_with('.') || domain.ends_with('.') {
            return Err(bad());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Limits shared by every API surface, documented in the OpenAPI document.
pub mod limits {
    /// Longest ticket subject, in characters.
    pub const SUBJECT_MAX_CHARS: usize = 250;
    /// Longest ticket description, in bytes.
    pub const DESCRIPTION_MAX_BYTES: usize = 64 * 1024;
    /// Longest message content, in bytes.
    pub const MESSAGE_MAX_BYTES: usize = 64 * 1024;
    /// Largest serialized message metadata, in bytes.
    pub const METADATA_MAX_BYTES: usize = 16 * 1024;
    /// Longest tag name, in characters.
    pub const TAG_MAX_CHARS: usize = 64;
    /// Largest request body the server reads, in bytes.
    pub const BODY_MAX_BYTES: usize = 1024 * 1024;
    /// Largest uploaded file, in bytes.
    pub const FILE_MAX_BYTES: usize = 25 * 1024 * 1024;
    /// Largest page of a list endpoint; larger `limit` values are refused with 422.
    pub const PAGE_MAX: i64 = 100;
    /// Largest page of the sync change feed.
    pub const SYNC_PAGE_MAX: i64 = 5000;
    /// Most mutations in one push.
    pub const MUTATIONS_PER_PUSH_MAX: usize = 500;
}

/// A non-empty ticket subject of at most [`limits::SUBJECT_MAX_CHARS`] characters.
pub fn parse_subject(s: &str) -> Result<String, InvalidValue> {
    let t = s.trim();
    if t.is_empty() {
        return Err(InvalidValue::new("subject", "must not be empty"));
    }
    if t.chars().count() > limits::SUBJECT_MAX_CHARS {
        return Err(InvalidValue::new(
            "subject",
            format!("must be at most {} characters", limits::SUBJECT_MAX_CHARS),
        ));
    }
    Ok(t.to_owned())
}

/// A ticket description of at most [`limits::DESCRIPTION_MAX_BYTES`] bytes.
pub fn parse_description(s: &str) -> Result<String, InvalidValue> {
    if s.len() > limits::DESCRIPTION_MAX_BYTES {
        return Err(InvalidValue::new(
            "description",
            format!("must be at most {} bytes", limits::DESCRIPTION_MAX_BYTES),
        ));
    }
    Ok(s.to_owned())
}

/// A tag name: trimmed, lowercase, 1–64 characters, no commas or control characters.
pub fn parse_tag_name(s: &str) -> Result<String, InvalidValue> {
    let t = s.trim().to_lowercase();
    if t.is_empty() || t.chars().count() > limits::TAG_MAX_CHARS {
        return Err(InvalidValue::new("tag", "must be 1-64 characters"));
    }
    if t.chars().any(|c| c.is_control() || c == ',') {
        return Err(InvalidValue::new(
            "tag",
            "must not contain commas or control characters",
        ));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_parses_every_wire_name_and_rejects_others() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), *s);
        }
        let err = "reopened".parse::<Status>().unwrap_err();
        assert!(
            err.reason.contains("new, open"),
            "error lists the allowed values: {err}"
        );
    }

    #[test]
    fn wire_names_equal_as_str_for_every_enum() {
        fn check<T: Serialize + Copy>(all: &[T], name: impl Fn(T) -> &'static str) {
            for v in all {
                assert_eq!(
                    serde_json::to_value(v).unwrap(),
                    name(*v),
                    "serde and as_str must agree"
                );
            }
        }
        check(Role::ALL, Role::as_str);
        check(Status::ALL, Status::as_str);
        check(Priority::ALL, Priority::as_str);
        check(MessageType::ALL, MessageType::as_str);
        check(ConversationStatus::ALL, ConversationStatus::as_str);
        check(ParticipantRole::ALL, ParticipantRole::as_str);
        check(Circumstance::ALL, Circumstance::as_str);
        check(ResponderKind::ALL, ResponderKind::as_str);
    }

    #[test]
    fn email_is_normalized_and_validated() {
        assert_eq!(
            EmailAddress::parse(" Agent1@Demo.Test ").unwrap().as_str(),
            "agent1@demo.test"
        );
        for bad in ["", "a", "a@b", "@b.c", "a@.c", "a b@c.d", "a@b@c.d"] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} must be rejected"
            );
        }
    }

    #[test]
    fn extensible_types_accept_custom_slugs_but_not_garbage() {
        assert!(TicketType::parse("refund_request").is_ok());
        assert!(Channel::parse("Email").is_err(), "uppercase is not a slug");
        assert!(Channel::parse("").is_err());
    }

    #[test]
    fn subject_and_tag_limits_hold() {
        assert!(parse_subject("   ").is_err());
        assert!(parse_subject(&"x".repeat(limits::SUBJECT_MAX_CHARS + 1)).is_err());
        assert_eq!(parse_tag_name(" Billing ").unwrap(), "billing");
        assert!(parse_tag_name("a,b").is_err());
    }
}
