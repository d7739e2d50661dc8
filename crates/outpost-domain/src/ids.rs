//! Typed identifiers. Each entity has its own id type so a `TicketId` can never be
//! passed where a `UserId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random (v7, time-ordered) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

uuid_id!(/// A tenant (workspace).
    TenantId);
uuid_id!(/// A user of any role.
    UserId);
uuid_id!(/// A ticket.
    TicketId);
uuid_id!(/// The conversation attached to a ticket.
    ConversationId);
uuid_id!(/// A message; clients generate ids for the messages they send.
    MessageId);
uuid_id!(/// A ticketing team.
    TeamId);
uuid_id!(/// A tag.
    TagId);
uuid_id!(/// One history (audit) entry.
    HistoryId);
uuid_id!(/// A configured channel of the tenant (a chat widget, an inbox) (seed 002).
    ChannelId);
uuid_id!(/// One published version of a bot responder (seed 002).
    ResponderVersionId);
uuid_id!(/// A sync client (one installation of the app or the CLI).
    ClientId);
uuid_id!(/// One mutation sent by a sync client.
    MutationId);

/// The per-tenant, gap-free ticket number agents say out loud ("#1042").
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct TicketNumber(pub i64);

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}
