//! Business rules. Every API surface (seed routes, sync mutations, CLI sub-commands)
//! calls these functions; they own transaction boundaries and permission checks.

pub mod admin;
pub mod admin_tickets;
pub mod auth;
pub mod chat_tickets;
pub mod files;
pub mod messages;
pub mod queue;
pub mod support_tickets;
pub mod sync;
pub mod tickets;

use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::store::tickets::Visibility;
use outpost_domain::ErrorCode;

/// The tickets an actor may see.
pub fn visibility(actor: &Actor) -> Visibility {
    if actor.is_support() {
        Visibility::All
    } else {
        Visibility::Involving(actor.user_id)
    }
}

/// Seed 000: "Access requires the current user to be included in support_user_ids."
pub fn require_support(actor: &Actor) -> Result<()> {
    if actor.is_support() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::Forbidden,
            "only the tenant's support users (support_user_ids) may work the support queue",
        ))
    }
}

pub fn require_scope(actor: &Actor, scope: crate::auth::Scope) -> Result<()> {
    if actor.has_scope(scope) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "this token lacks the {} scope",
            scope.as_str()
        )))
    }
}
