//! The `tenant_id` query parameter of seeds 000 and 003: optional, and when given it
//! must name the token's tenant. A family opts in by adding [`TenantParam::layer`] to
//! its router; [`crate::http::extract::Auth`] then checks it right after resolving the
//! token (so a bad token is still a 401, not a 403). Families that do not opt in
//! treat `tenant_id` like any other parameter they do not know.

use crate::auth::Actor;
use crate::http::error::ApiError;
use axum::Extension;
use axum::http::request::Parts;
use outpost_domain::ErrorCode;

/// Marks a route as honouring the `tenant_id` parameter.
#[derive(Clone, Copy, Debug)]
pub struct TenantParam;

impl TenantParam {
    /// The route layer a family adds to opt in.
    pub fn layer() -> Extension<TenantParam> {
        Extension(TenantParam)
    }

    /// Refuses a request to an opted-in route whose `tenant_id` names another tenant.
    pub(crate) fn check(parts: &Parts, actor: &Actor) -> Result<(), ApiError> {
        if parts.extensions.get::<TenantParam>().is_none() {
            return Ok(());
        }
        let Some(query) = parts.uri.query() else {
            return Ok(());
        };
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
        for (k, v) in pairs {
            if k == "tenant_id" && !v.is_empty() && v != actor.tenant_id.to_string() {
                return Err(ApiError::new(
                    ErrorCode::TenantMismatch,
                    "tenant_id does not match the token's tenant",
                ));
            }
        }
        Ok(())
    }
}
