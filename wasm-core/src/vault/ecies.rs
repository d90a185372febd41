//! Signed ECIES wraps of a team key for one member — how a rotated team key reaches the
//! remaining members without the server being able to forge or redirect it.
//!
//! # Layout, format version 1 (163 bytes)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | format version, `0x01` |
//! | 1 | 1 | purpose `0x09` |
//! | 2 | 4 | team key version, big-endian `u32` |
//! | 6 | 33 | ephemeral P-256 public key, SEC1 compressed |
//! | 39 | 12 | AES-256-GCM nonce |
//! | 51 | 48 | AES-256-GCM ciphertext of the 32-byte team key ‖ tag |
//! | 99 | 64 | sender's ECDSA-P256-SHA256 signature `r ‖ s` |
//!
//! - context `C` = length-prefixed fields: `"team-key/ecies"`, team id, sender user id,
//!   recipient user id, recipient's ECDH public key (compressed).
//! - wrap key = HKDF-SHA256(ikm = ECDH(ephemeral, recipient) x-coordinate,
//!   salt = ephemeral public ‖ recipient public, info = `"signet/v1/ecies/team-key"`).
//! - AAD = `"signet-vault/v1" ‖ bytes 0..39 ‖ C`.
//! - signature over `"signet/v1/ecies-signature" ‖ bytes 0..99 ‖ C`.
//!
//! The recipient verifies the signature with the signing key of the sender it expects
//! (whose fingerprint it trusts) *before* decrypting; a wrap made by anyone else — e.g. a
//! server that substituted the recipient's or the sender's public key — is refused.

use p256::{PublicKey, ecdsa::VerifyingKey};

use super::{
    envelope::{self, Binding, FORMAT_V1, Purpose, encoded_type},
    keypair::{UserKeyPair, VerifiedPublicKeys, compressed, random_secret_key, verify},
    secret::{Key32, aead_open, aead_seal, hkdf32},
    team_key::TeamKey,
};
use crate::{Error, Result};

const LEN: usize = 163;
const SIGNED_LEN: usize = 99;
const WHAT: &str = "ECIES-wrapped team key";

/// Who sends a team key to whom, for which team.
#[derive(Debug, Clone, Copy)]
pub struct EciesContext<'a> {
    /// The team.
    pub team_id: &'a str,
    /// The user who wraps and signs (an admin).
    pub sender_id: &'a str,
    /// The member the key is for.
    pub recipient_id: &'a str,
}

fn binding(ctx: &EciesContext<'_>, recipient_agreement: &PublicKey) -> Binding {
    Binding::new()
        .field(b"team-key/ecies")
        .field(ctx.team_id.as_bytes())
        .field(ctx.sender_id.as_bytes())
        .field(ctx.recipient_id.as_bytes())
        .field(&compressed(recipient_agreement))
}

fn aad(head: &[u8], b: &Binding) -> Vec<u8> {
    [b"signet-vault/v1".as_slice(), head, b.as_bytes()].concat()
}

fn wrap_key(shared_x: &[u8], eph: &[u8; 33], recipient: &PublicKey) -> Result<Key32> {
    let salt = [eph.as_slice(), &compressed(recipient)].concat();
    hkdf32(shared_x, Some(&salt), b"signet/v1/ecies/team-key")
}

/// A team key wrapped for one member and signed by the sender (see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub struct EciesWrappedTeamKey(Vec<u8>);

impl EciesWrappedTeamKey {
    /// Wraps `team_key` for `recipient` (whose public keys the sender has verified and whose
    /// fingerprint it trusts) and signs it with the sender's signing key.
    pub fn seal(
        sender: &UserKeyPair,
        recipient: &VerifiedPublicKeys,
        ctx: &EciesContext<'_>,
        team_key: &TeamKey,
    ) -> Result<Self> {
        let eph = random_secret_key()?;
        let eph_pub = compressed(&eph.public_key());
        let shared = eph.diffie_hellman(&recipient.agreement);
        let key = wrap_key(shared.raw_secret_bytes(), &eph_pub, &recipient.agreement)?;
        let nonce = super::rng::bytes::<12>()?;

        let mut out = Vec::with_capacity(LEN);
        out.push(FORMAT_V1);
        out.push(Purpose::TeamKeyEcies as u8);
        out.extend_from_slice(&team_key.version.to_be_bytes());
        out.extend_from_slice(&eph_pub);
        out.extend_from_slice(&nonce);
        let b = binding(ctx, &recipient.agreement);
        let ct = aead_seal(&key, &nonce, &aad(&out[..39], &b), team_key.key.as_bytes())?;
        out.extend_from_slice(&ct);
        let sig = sender.sign(&[b"signet/v1/ecies-signature", &out, b.as_bytes()])?;
        out.extend_from_slice(&sig);
        Ok(Self(out))
    }

    /// Parses the binary form (version, purpose, length).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        envelope::check_header(bytes, Purpose::TeamKeyEcies, WHAT)?;
        if bytes.len() != LEN {
            return Err(envelope::malformed(WHAT, "wrong length"));
        }
        Ok(Self(bytes.to_vec()))
    }

    fn encode(&self) -> Vec<u8> {
        self.0.clone()
    }

    /// The team key version this wrap claims (authenticated when opened).
    pub fn version(&self) -> u32 {
        u32::from_be_bytes([self.0[2], self.0[3], self.0[4], self.0[5]])
    }

    /// Verifies the signature against the expected sender's signing key, then decrypts with
    /// the recipient's private key. A wrong signer is [`Error::BadSignature`]; anything else
    /// that fails is [`Error::OpenFailed`].
    pub fn open(
        &self,
        recipient: &UserKeyPair,
        expected_sender: &VerifyingKey,
        ctx: &EciesContext<'_>,
    ) -> Result<TeamKey> {
        let my_pub = recipient.agreement.public_key();
        let b = binding(ctx, &my_pub);
        verify(
            expected_sender,
            &[
                b"signet/v1/ecies-signature".as_slice(),
                &self.0[..SIGNED_LEN],
                b.as_bytes(),
            ]
            .concat(),
            &self.0[SIGNED_LEN..],
            "team key wrap",
        )?;
        let mut eph = [0u8; 33];
        eph.copy_from_slice(&self.0[6..39]);
        let eph_pk = PublicKey::from_sec1_bytes(&eph).map_err(|_| Error::OpenFailed)?;
        let shared = recipient.agreement.diffie_hellman(&eph_pk);
        let key = wrap_key(shared.raw_secret_bytes(), &eph, &my_pub)?;
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&self.0[39..51]);
        let pt = aead_open(
            &key,
            &nonce,
            &aad(&self.0[..39], &b),
            &self.0[51..SIGNED_LEN],
        )?;
        Ok(TeamKey {
            version: self.version(),
            key: Key32::from_plaintext(&pt)?,
        })
    }
}

encoded_type!(EciesWrappedTeamKey, "ECIES-wrapped team key");
