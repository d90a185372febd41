//! Invitations by link. The admin's client makes a random 256-bit invite secret and puts it
//! in the link's fragment (`https://…/invite/<id>#<secret>`), which browsers never send to
//! the server. From the secret, two unrelated values are derived with HKDF-SHA256:
//! - the **invite token** (`info = "signet/v1/invite/token"`): presented to the server when
//!   accepting; the server stores only `server_side::hash_for_storage` of it;
//! - the **invite wrap key** (`info = "signet/v1/invite/wrap"`): wraps the team key (sealed box
//!   purpose `0x05`, key version = team key version, binding = team id and invite id).
//!
//! The server therefore holds neither the secret nor the wrap key, and the token it sees
//! does not help it unwrap. After acceptance the invitee re-wraps the team key under its own
//! user key and the server deletes the invite wrap (`server_side::InviteRecord`).

use zeroize::Zeroizing;

use p256::ecdsa::SigningKey;

use super::{
    envelope::{self, Binding, Purpose, Sealed, sealed_type},
    keypair::compressed_vk,
    membership::TeamPin,
    secret::{Key32, hkdf32},
    team_key::TeamKey,
};
use crate::{Error, Result};

/// An invite secret. Zeroized on drop; `Debug` is redacted; not serializable.
pub struct InviteSecret(Zeroizing<[u8; 32]>);

impl core::fmt::Debug for InviteSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("InviteSecret(<redacted>)")
    }
}

fn anchor_binding(team_id: &str, invite_id: &str) -> Binding {
    Binding::new()
        .field(b"team-anchor/invite")
        .field(team_id.as_bytes())
        .field(invite_id.as_bytes())
}

fn binding(team_id: &str, invite_id: &str) -> Binding {
    Binding::new()
        .field(b"team-key/invite")
        .field(team_id.as_bytes())
        .field(invite_id.as_bytes())
}

impl InviteSecret {
    /// A fresh secret (256 bits).
    pub fn generate() -> Result<Self> {
        let mut b = Zeroizing::new([0u8; 32]);
        super::rng::fill(b.as_mut())?;
        Ok(Self(b))
    }

    /// The text for the link's fragment (43 URL-safe base64 characters): the one place the
    /// secret leaves the admin's client.
    pub fn dangerously_to_fragment(&self) -> Zeroizing<String> {
        Zeroizing::new(envelope::to_base64(self.0.as_ref()))
    }

    /// Parses a fragment (a leading `#` is ignored).
    pub fn from_fragment(fragment: &str) -> Result<Self> {
        let text = fragment.trim().trim_start_matches('#');
        let bytes = Zeroizing::new(envelope::from_base64(text, "invite secret").map_err(|_| {
            Error::BadSecretFormat("the invitation link is damaged: copy the whole link".into())
        })?);
        let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            Error::BadSecretFormat("the invitation link is incomplete: copy the whole link".into())
        })?;
        Ok(Self(Zeroizing::new(arr)))
    }

    /// The token presented to the server (text form); never usable as a wrapping key.
    pub fn token(&self) -> Result<String> {
        let k = hkdf32(self.0.as_ref(), None, b"signet/v1/invite/token")?;
        Ok(envelope::to_base64(k.as_bytes()))
    }

    /// The invitation's signing key (P-256), derived from the secret: it signs the invitee's
    /// `join` entry in the team's membership log; the admin's `invite` entry publishes its
    /// verifying key.
    pub(crate) fn signing_key(&self) -> Result<SigningKey> {
        for counter in 0u8..16 {
            let k = hkdf32(
                self.0.as_ref(),
                None,
                &[b"signet/v1/invite/signing".as_slice(), &[counter]].concat(),
            )?;
            if let Ok(key) = SigningKey::from_slice(k.as_bytes()) {
                return Ok(key);
            }
        }
        Err(Error::Random(
            "could not derive a P-256 invitation key".into(),
        ))
    }

    /// The verifying key of [`InviteSecret::signing_key`] (SEC1 compressed), for the
    /// admin's `invite` entry.
    pub fn verifying_key(&self) -> Result<[u8; 33]> {
        Ok(compressed_vk(self.signing_key()?.verifying_key()))
    }

    /// Seals the team's log pin (as the admin verified it when inviting) for the invitee,
    /// who trusts the team's log only from this pin.
    pub fn seal_anchor(
        &self,
        pin: &TeamPin,
        team_id: &str,
        invite_id: &str,
    ) -> Result<InviteAnchor> {
        Sealed::seal(
            &hkdf32(self.0.as_ref(), None, b"signet/v1/invite/anchor")?,
            Purpose::InviteAnchor,
            0,
            &anchor_binding(team_id, invite_id),
            &pin.to_bytes(),
        )
        .map(InviteAnchor)
    }

    fn wrap_key(&self) -> Result<Key32> {
        hkdf32(self.0.as_ref(), None, b"signet/v1/invite/wrap")
    }

    /// Wraps the team key for this invitation.
    pub fn wrap_team_key(
        &self,
        team_key: &TeamKey,
        team_id: &str,
        invite_id: &str,
    ) -> Result<InviteWrappedTeamKey> {
        Sealed::seal(
            &self.wrap_key()?,
            Purpose::TeamKeyInviteWrap,
            team_key.version,
            &binding(team_id, invite_id),
            team_key.key.as_bytes(),
        )
        .map(InviteWrappedTeamKey)
    }
}

sealed_type!(
    /// A team key wrapped for an invitation (purpose `0x05`).
    InviteWrappedTeamKey,
    Purpose::TeamKeyInviteWrap,
    "invite-wrapped team key"
);

impl InviteWrappedTeamKey {
    /// The team key version this wrap claims (authenticated when opened).
    pub fn version(&self) -> u32 {
        self.0.key_version()
    }

    /// Opens with the secret from the link. Wrong secret → [`Error::OpenFailed`].
    pub fn open(&self, secret: &InviteSecret, team_id: &str, invite_id: &str) -> Result<TeamKey> {
        let key = self
            .0
            .open_key(&secret.wrap_key()?, &binding(team_id, invite_id))?;
        Ok(TeamKey {
            version: self.version(),
            key,
        })
    }
}

sealed_type!(
    /// A team's log pin sealed for an invitee (purpose `0x0d`; key from the invitation's
    /// secret, binding = `"team-anchor/invite"`, team id, invite id; plaintext = the pin's
    /// 68 bytes).
    InviteAnchor,
    Purpose::InviteAnchor,
    "invitation's team anchor"
);

impl InviteAnchor {
    /// Opens with the secret from the link.
    pub fn open(&self, secret: &InviteSecret, team_id: &str, invite_id: &str) -> Result<TeamPin> {
        let key = hkdf32(secret.0.as_ref(), None, b"signet/v1/invite/anchor")?;
        let pt = self.0.open(&key, &anchor_binding(team_id, invite_id))?;
        TeamPin::from_bytes(&pt)
    }
}
