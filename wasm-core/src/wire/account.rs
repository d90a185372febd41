//! Accounts: `POST /api/auth/…`, `GET /api/auth/me`.
//!
//! Registration and login never send a password: the client derives an auth key from it
//! (Argon2id + HKDF, [`crate::vault::kdf`]) and sends that; the server stores only a hash.

use serde::{Deserialize, Serialize};

use crate::vault::kdf::KdfParams;

/// Which kind of client signs in. Browsers get an HttpOnly cookie and never see the session
/// token; the CLI gets the token in the body to send as `Authorization: Bearer …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// The dashboard: session in a `__Host-` cookie.
    #[default]
    Browser,
    /// The CLI: session token returned in the body.
    Cli,
}

/// `POST /api/auth/prelogin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreloginRequest {
    /// The account's email address.
    pub email: String,
}

/// The KDF parameters and salt to derive the auth key with. Unknown emails get deterministic
/// made-up values, so the answer does not reveal whether an account exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreloginResponse {
    /// Argon2id parameters (check them with [`KdfParams::check`] before use).
    pub kdf_params: KdfParams,
    /// The 16-byte salt, base64url.
    pub kdf_salt: String,
}

/// `POST /api/auth/register`: everything public or encrypted, plus the auth keys the server
/// hashes before storing. See [`crate::vault::account::Registration`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// Email address (case-insensitive, unique).
    pub email: String,
    /// Argon2id parameters.
    pub kdf_params: KdfParams,
    /// Salt, base64url.
    pub kdf_salt: String,
    /// Login proof, base64url.
    pub auth_key: String,
    /// Recovery proof, base64url.
    pub recovery_auth_key: String,
    /// The user key wrapped under the password KEK.
    pub wrapped_user_key: String,
    /// The user key wrapped under the recovery code.
    pub recovery_wrapped_user_key: String,
    /// Self-signed public keys.
    pub public_keys: String,
    /// Private keys sealed under the user key.
    pub sealed_private_keys: String,
    /// Browser or CLI session.
    #[serde(default)]
    pub client: ClientKind,
    /// The invitation this sign-up comes with: what an invite-only server asks of a new
    /// account (see [`SignupPolicyInfo`]). Joining the team is still a separate step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<SignupInvite>,
}

/// An invitation presented at sign-up: its id and the token derived from its link's secret
/// (the token `POST /api/invites/{id}/preview` checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupInvite {
    /// The invitation id (the link's path).
    pub id: String,
    /// The invite token derived from the link's secret.
    pub token: String,
}

/// Who may create an account on a server, as its operator set it (`signet serve --signups`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupMode {
    /// Anyone who can reach the server.
    Open,
    /// The first account, then only people with a pending invitation link.
    InviteOnly,
    /// Nobody: no new accounts at all, not even with an invitation.
    Closed,
}

impl SignupMode {
    /// `open`, `invite-only` or `closed`: how `signet serve --signups` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InviteOnly => "invite-only",
            Self::Closed => "closed",
        }
    }
}

/// `GET /api/auth/signups`: the server's sign-up policy, for the sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupPolicyInfo {
    /// Who may sign up.
    pub mode: SignupMode,
    /// Email domains allowed to sign up (lowercase, exact match); empty means any.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// Whether a sign-up without an invitation would be accepted right now (open, or
    /// invite-only on a server that has no account yet), for an allowed address.
    pub open_now: bool,
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Email address.
    pub email: String,
    /// Login proof, base64url.
    pub auth_key: String,
    /// Browser or CLI session.
    #[serde(default)]
    pub client: ClientKind,
}

/// A signed-in user as others may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The user's id (UUID).
    pub id: String,
    /// Email address.
    pub email: String,
    /// Fingerprint of the user's signing key, to compare out of band.
    pub fingerprint: String,
}

/// The encrypted keys a client needs to unlock an account with the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountKeys {
    /// Argon2id parameters.
    pub kdf_params: KdfParams,
    /// Salt, base64url.
    pub kdf_salt: String,
    /// The user key under the password KEK.
    pub wrapped_user_key: String,
    /// Public keys.
    pub public_keys: String,
    /// Private keys under the user key.
    pub sealed_private_keys: String,
}

/// The answer to register, login, recovery and `GET /api/auth/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Who is signed in.
    pub user: UserInfo,
    /// The encrypted keys to unlock with.
    pub keys: AccountKeys,
    /// The session token, only for CLI sessions (browsers get a cookie instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Unix seconds at which the session ends at the latest.
    pub expires_at: i64,
}

/// `POST /api/auth/password`: the current proof plus a new salt, auth key and re-wrapped
/// user key ([`crate::vault::account::PasswordChange`]). Every other session is signed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChangeRequest {
    /// Proof of the current password.
    pub current_auth_key: String,
    /// New Argon2id parameters.
    pub kdf_params: KdfParams,
    /// New salt.
    pub kdf_salt: String,
    /// New login proof.
    pub auth_key: String,
    /// The same user key under the new KEK.
    pub wrapped_user_key: String,
}

/// `POST /api/auth/recovery/begin`: proves knowledge of the recovery code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryBeginRequest {
    /// Email address.
    pub email: String,
    /// Recovery proof, base64url.
    pub recovery_auth_key: String,
}

/// What the recovery code unlocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryBeginResponse {
    /// The user key under the recovery code.
    pub recovery_wrapped_user_key: String,
    /// Private keys under the user key.
    pub sealed_private_keys: String,
}

/// `POST /api/auth/recovery/complete`: sets a new password after recovery. Every other
/// session is signed out and a new one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCompleteRequest {
    /// Email address.
    pub email: String,
    /// Recovery proof, base64url.
    pub recovery_auth_key: String,
    /// New Argon2id parameters.
    pub kdf_params: KdfParams,
    /// New salt.
    pub kdf_salt: String,
    /// New login proof.
    pub auth_key: String,
    /// The user key under the new KEK.
    pub wrapped_user_key: String,
    /// Browser or CLI session.
    #[serde(default)]
    pub client: ClientKind,
    /// A new recovery code's proof and wrap of the user key: the code used here stops
    /// working, and the new one is shown once. (Clients before this field keep their code.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_recovery: Option<NewRecovery>,
}

/// A fresh recovery code, as the server stores it: what proves it, and the user key under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecovery {
    /// Recovery proof, base64url.
    pub recovery_auth_key: String,
    /// The user key wrapped under the new code.
    pub recovery_wrapped_user_key: String,
}

/// `GET /api/account/trust-state` and `PUT /api/account/trust-state`: the caller's
/// `trust_state::SealedTrustState` (what her clients remember: team log pins, KDF
/// parameters), which only she can open. `counter` is its write number: a `PUT` must carry
/// the stored counter + 1 (else 409 `stale_trust_state`: read, merge, retry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustStateBlob {
    /// Write number (0 = nothing stored yet).
    pub counter: u32,
    /// The sealed state, base64url; absent when nothing is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
}
