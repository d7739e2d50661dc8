//! Seed 004 (29next admin API) under `/api/admin/tickets/`: a store administrator's
//! list of tickets with rich filters and cursor pages, each ticket with its comments
//! and their attachments, everything named by integer. [`tickets`] holds the page,
//! the query and its parser and the cursor; [`status`] and [`values`] how the family
//! names statuses, priorities, channels and ticket types.

pub mod status;
pub mod tickets;
pub mod values;

pub use status::TwentyNineNextStatus;
pub use values::{TwentyNineNextChannel, TwentyNineNextPriority, ticket_type_number};

/// The header every request must carry, and its one accepted value.
pub const VERSION_HEADER: &str = "X-29next-API-Version";
pub const VERSION: &str = "unstable";

/// The values `X-29next-API-Version` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApiVersion {
    Unstable,
}

/// 64-bit FNV-1a: the family's stable hash (ticket type numbers, cursor checksums),
/// the same on every server and in every client.
pub(crate) struct Fnv1a(u64);

impl Fnv1a {
    pub(crate) fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}
