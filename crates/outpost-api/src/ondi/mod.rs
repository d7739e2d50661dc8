//! Seeds 000 and 003, served under `/messaging`: the shared support queue
//! ([`support`], `/messaging/support/tickets`) and conversation messages
//! ([`messages`], `/messaging/conversations/{id}/messages`). Both take an optional
//! `tenant_id` query parameter that must name the token's tenant.

pub mod messages;
pub mod status;
pub mod support;
