//! The little the server needs from the vault, and nothing more.
//!
//! The server stores hashes of the secrets clients present (login auth keys, recovery auth
//! keys, invite tokens, robot token auth halves) and compares them in constant time. That is
//! all of this module; it calls no decryption and imports no key type, so a server that
//! `use`s only `signet_core::vault::server_side` links none of the open/unwrap code.
//!
//! Every presented value is high-entropy (at least 128 random bits, or a 256-bit HKDF output
//! of an Argon2id master key), so a fast domain-separated SHA-256 suffices: there is no
//! password to brute-force cheaply behind it. A stolen database still forces an attacker
//! to run Argon2id per password guess.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::envelope::{from_base64, to_base64};
use crate::{Error, Result};

/// Which kind of presented secret is being hashed: each hashes under its own label, so a
/// value valid as one kind never matches a stored hash of another kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresentedSecret {
    /// A login auth key (`AuthKey`).
    AuthKey,
    /// A recovery auth key (proves knowledge of the recovery code).
    RecoveryAuthKey,
    /// An invite token (derived from the invite secret in the link's fragment).
    InviteToken,
    /// The auth half of a robot token.
    RobotAuth,
}

impl PresentedSecret {
    fn label(self) -> &'static [u8] {
        match self {
            Self::AuthKey => b"signet/v1/server/auth-key",
            Self::RecoveryAuthKey => b"signet/v1/server/recovery-auth-key",
            Self::InviteToken => b"signet/v1/server/invite-token",
            Self::RobotAuth => b"signet/v1/server/robot-auth",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Self::AuthKey => "auth key",
            Self::RecoveryAuthKey => "recovery auth key",
            Self::InviteToken => "invite token",
            Self::RobotAuth => "robot token",
        }
    }
}

/// The value to store for a presented secret (given in its base64 text form, as sent by the
/// client): `base64url(SHA-256(label ‖ decoded bytes))`. Refuses anything shorter than 16
/// bytes.
pub fn hash_for_storage(kind: PresentedSecret, presented: &str) -> Result<String> {
    let bytes = from_base64(presented, kind.what())?;
    if bytes.len() < 16 {
        return Err(Error::Malformed {
            what: kind.what(),
            reason: "too short".into(),
        });
    }
    let mut h = Sha256::new();
    h.update(kind.label());
    h.update(&bytes);
    Ok(to_base64(&h.finalize()))
}

/// Whether `presented` hashes to `stored`, compared in constant time. Malformed input is
/// simply `false`.
pub fn verify_presented(kind: PresentedSecret, presented: &str, stored: &str) -> bool {
    match hash_for_storage(kind, presented) {
        Ok(h) => constant_time_eq(h.as_bytes(), stored.as_bytes()),
        Err(_) => false,
    }
}

/// Constant-time equality of two byte strings (length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Where an invitation is in its life. Only `Pending` can be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteStatus {
    /// Waiting for the invitee.
    Pending,
    /// Used once; never again.
    Accepted,
    /// Withdrawn by an admin.
    Revoked,
}

/// The server's record of one invitation: a pure state machine, so the rule "single use,
/// expires, revocable, right secret" lives in one place that both server and tests use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InviteRecord {
    /// [`hash_for_storage`] of the invite token.
    pub token_hash: String,
    /// Unix seconds after which the invitation no longer works.
    pub expires_at: i64,
    /// Current state.
    pub status: InviteStatus,
}

impl InviteRecord {
    /// A pending invitation for the token whose text form the admin's client sent.
    pub fn new(presented_token: &str, expires_at: i64) -> Result<Self> {
        Ok(Self {
            token_hash: hash_for_storage(PresentedSecret::InviteToken, presented_token)?,
            expires_at,
            status: InviteStatus::Pending,
        })
    }

    /// Accepts the invitation once. Refuses a wrong token, a used, revoked or expired
    /// invitation. On success the record becomes `Accepted` and the server must then delete
    /// the invite-wrapped team key it held.
    pub fn accept(&mut self, presented_token: &str, now: i64) -> Result<()> {
        // The token first: someone without the link learns nothing about the invitation.
        if !verify_presented(
            PresentedSecret::InviteToken,
            presented_token,
            &self.token_hash,
        ) {
            return Err(Error::InviteNotUsable("the link is wrong or incomplete"));
        }
        match self.status {
            InviteStatus::Accepted => {
                return Err(Error::InviteNotUsable("it was already accepted"));
            }
            InviteStatus::Revoked => {
                return Err(Error::InviteNotUsable("it was revoked by an admin"));
            }
            InviteStatus::Pending => {}
        }
        if now >= self.expires_at {
            return Err(Error::InviteNotUsable(
                "it has expired; ask for a new invitation",
            ));
        }
        self.status = InviteStatus::Accepted;
        Ok(())
    }

    /// Withdraws a pending invitation.
    pub fn revoke(&mut self) {
        if self.status == InviteStatus::Pending {
            self.status = InviteStatus::Revoked;
        }
    }
}
