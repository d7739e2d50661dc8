//! Credentials: argon2id password hashes, random bearer tokens stored as SHA-256, and
//! the [`Actor`] every service call is made on behalf of.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use outpost_domain::{EmailAddress, Role, TenantId, User, UserId};
use sha2::{Digest, Sha256};

/// Prefix that makes Outpost tokens recognisable in secret scanners.
const TOKEN_PREFIX: &str = "opt_";

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .expect("16 bytes is a valid salt length");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

/// Checks a password against a stored PHC string; a malformed hash never verifies.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that unknown emails
/// take as long as wrong passwords and do not reveal which accounts exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("outpost-timing-equalizer"))
}

/// A fresh bearer token (256 random bits) and the hash to store for it.
pub fn new_token() -> (String, String) {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let token = format!("{TOKEN_PREFIX}{raw}");
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Permission scopes (seed 004). Login sessions carry every scope; API keys only the
/// scopes they were created with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    TicketsRead,
    TicketsWrite,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::TicketsRead => "tickets:read",
            Scope::TicketsWrite => "tickets:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "tickets:read" => Some(Scope::TicketsRead),
            "tickets:write" => Some(Scope::TicketsWrite),
            _ => None,
        }
    }

    pub const ALL: [Scope; 2] = [Scope::TicketsRead, Scope::TicketsWrite];
}

/// Who is calling: resolved from the bearer token on every request.
#[derive(Clone, Debug)]
pub struct Actor {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub elevated: bool,
    /// Listed in the tenant's `support_user_ids`.
    pub support: bool,
    pub scopes: Vec<Scope>,
    /// Hash of the token used, so logout can revoke exactly it.
    pub token_hash: String,
    /// When the token stops working (`None` for API keys).
    pub expires_at: Option<outpost_domain::time::Timestamp>,
}

impl Actor {
    /// May work the support queue (seed 000): a listed support user, or an admin.
    pub fn is_support(&self) -> bool {
        self.role == Role::Admin || (self.support && matches!(self.role, Role::Agent | Role::Bot))
    }

    pub fn is_customer(&self) -> bool {
        self.role == Role::Customer
    }

    /// The actor as the ticket lifecycle sees them: who, and on which side.
    pub fn lifecycle(&self) -> outpost_domain::lifecycle::Actor {
        outpost_domain::lifecycle::Actor::new(self.user_id, self.role)
    }

    pub fn has_scope(&self, s: Scope) -> bool {
        self.scopes.contains(&s)
    }

    /// The caller acting on behalf of another user of the tenant (seed 002 names the
    /// user who completes or takes over a ticket): that user's identity and role, the
    /// caller's token and scopes. The caller checks it may act for them.
    pub fn acting_as(&self, user: &User) -> Actor {
        Actor {
            user_id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role,
            elevated: user.elevated,
            support: user.support,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"), "argon2id PHC string: {h}");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_unique_and_stored_only_as_hash() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(ha, token_hash(&a));
        assert!(
            !ha.contains(&a[TOKEN_PREFIX.len()..]),
            "hash must not contain the token"
        );
    }
}
