//! `/auth/v1`: sign in with email and password, see who a token belongs to.

use chrono::{DateTime, Utc};
use outpost_domain::{Tenant, TenantId, User};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Workspace slug or id; needed only when the email exists in several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
    pub tenant_id: TenantId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub user: User,
    pub tenant: Tenant,
}

#[cfg(test)]
mod tests {
    use super::*;
    use outpost_domain::{EmailAddress, Role, UserId};

    fn user() -> User {
        User {
            id: UserId::new(),
            email: EmailAddress::parse("agent1@demo.test").unwrap(),
            name: "agent1".into(),
            picture: None,
            role: Role::Agent,
            elevated: false,
            support: true,
            blocked: false,
            version: 1,
        }
    }

    #[test]
    fn login_response_round_trips() {
        let sent = LoginResponse {
            access_token: "opaque-token".into(),
            token_type: "Bearer".into(),
            expires_at: "2026-01-02T03:04:05Z".parse().unwrap(),
            user: user(),
            tenant_id: TenantId::new(),
        };
        let wire = serde_json::to_string(&sent).unwrap();
        let read: LoginResponse = serde_json::from_str(&wire).unwrap();
        assert_eq!(
            read, sent,
            "the client must read back what the server sends"
        );
    }

    #[test]
    fn login_request_round_trips_and_omits_a_missing_tenant() {
        let sent = LoginRequest {
            email: "agent1@demo.test".into(),
            password: "secret".into(),
            tenant: None,
        };
        let wire = serde_json::to_value(&sent).unwrap();
        assert_eq!(
            wire,
            serde_json::json!({"email": "agent1@demo.test", "password": "secret"}),
            "no tenant means no tenant field, as clients always sent it"
        );
        let read: LoginRequest = serde_json::from_value(wire).unwrap();
        assert_eq!(read, sent);
    }

    #[test]
    fn me_response_round_trips() {
        let tenant = Tenant {
            id: TenantId::new(),
            slug: "demo".into(),
            name: "Demo Support".into(),
            support: outpost_domain::SupportSettings {
                support_user_ids: vec![UserId::new()],
            },
            created_at: "2026-01-02T03:04:05Z".parse().unwrap(),
        };
        let sent = MeResponse {
            user: user(),
            tenant,
        };
        let wire = serde_json::to_string(&sent).unwrap();
        let read: MeResponse = serde_json::from_str(&wire).unwrap();
        assert_eq!(
            read, sent,
            "the client must read back what the server sends"
        );
    }
}
