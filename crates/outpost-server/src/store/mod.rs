//! All SQL lives here. Functions take a connection (a pooled one or a transaction), so
//! the service layer decides transaction boundaries and this layer only maps rows.

pub mod attachments;
pub mod changes;
pub mod chats;
pub mod conversations;
pub mod counters;
pub mod directory;
pub mod history;
pub mod sql;
pub mod sync_clients;
pub mod tickets;
pub mod tokens;

use crate::store::sql::Sql;

/// Appends `(?, ?, …)` with one bound text parameter per id.
pub(crate) fn push_id_list<T: ToString>(qb: &mut Sql, ids: &[T]) {
    qb.push("(");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(id.to_string());
    }
    sep.push_unseparated(")");
}
