//! What the server's session endpoints answer (the HTTP client itself is
//! [`crate::remote::native`]).

use outpost_domain::ids::TenantId;
use outpost_domain::model::User;
use serde::{Deserialize, Serialize};

/// What `POST /auth/v1/login` answers.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct LoginResponse {
    pub access_token: String,
    pub expires_at: String,
    pub user: User,
    pub tenant_id: TenantId,
}

/// What `GET /auth/v1/me` answers.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct MeResponse {
    pub user: User,
    pub tenant: outpost_domain::model::Tenant,
}
