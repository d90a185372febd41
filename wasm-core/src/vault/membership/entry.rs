//! One entry of a team's membership log: its binary encoding, its hash and its signatures.
//!
//! # Membership entry, format version 1 (purpose `0x0c`)
//!
//! The *signed part* is `0x01 ‖ 0x0c ‖ fields`, each field a big-endian `u32` length and its
//! bytes (the same length-prefixing as a binding):
//!
//! | field | content |
//! |---|---|
//! | team id | UTF-8 |
//! | sequence number | `u32`, 0 for the team's first entry |
//! | previous entry's hash | 32 bytes; empty for entry 0 |
//! | signer's user id | UTF-8 |
//! | action | 1 byte: 1 create, 2 invite, 3 join, 4 change role, 5 remove, 6 rotate |
//! | action fields | create: signer's signed public keys (132); invite: invite id, role (1), invite verifying key (33); join: invite id, joiner's signed public keys (132); change role: user id, role (1); remove: user id; rotate: new team key version (`u32`) |
//!
//! The entry is the signed part followed by one field holding the signer's ECDSA-SHA256
//! `r ‖ s` over `"signet/v1/membership-entry" ‖ signed part`, and, for a join only, a second
//! field with the same signature made by the invitation's signing key (derived from the
//! link's secret, which the server never sees).
//!
//! An entry's **hash** is SHA-256(`"signet/v1/membership-hash" ‖ signed part`): signatures
//! are left out so that ECDSA's malleability cannot give one entry two hashes.

use p256::ecdsa::{SigningKey, VerifyingKey, signature::Signer};
use sha2::{Digest, Sha256};

use super::super::{
    envelope::{self, Binding, FORMAT_V1, Purpose},
    keypair::{SignedPublicKeys, UserKeyPair, verify},
};
use crate::{Error, Result, wire::Role};

const SIGNATURE_LABEL: &[u8] = b"signet/v1/membership-entry";
const HASH_LABEL: &[u8] = b"signet/v1/membership-hash";
const WHAT: &str = "membership log entry";

/// A 32-byte entry hash.
pub type EntryHash = [u8; 32];

/// What an entry does to the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Entry 0: the team exists, its creator (the signer) is its first owner with these keys.
    Create {
        /// The creator's self-signed public keys.
        keys: SignedPublicKeys,
    },
    /// An admin made an invitation for `role`; whoever holds the link's secret may join once.
    Invite {
        /// The invitation's id.
        invite_id: String,
        /// The role the invitee gets.
        role: Role,
        /// The invitation's verifying key (SEC1 compressed), derived from the link's secret.
        invite_key: [u8; 33],
    },
    /// The signer joined with an invitation (signed by the signer and by the invitation).
    Join {
        /// The invitation used.
        invite_id: String,
        /// The joiner's self-signed public keys.
        keys: SignedPublicKeys,
    },
    /// An admin changed a member's role.
    ChangeRole {
        /// The member.
        user_id: String,
        /// The new role.
        role: Role,
    },
    /// A member was removed by an admin, or left (signer = member).
    Remove {
        /// The member.
        user_id: String,
    },
    /// An admin rotated the team key to `key_version` (which also closes every open
    /// invitation: they carry the old key).
    Rotate {
        /// The new team key version.
        key_version: u32,
    },
    /// An admin revoked an open invitation: nobody may join with it any more, whatever the
    /// server says.
    Revoke {
        /// The invitation.
        invite_id: String,
    },
}

impl Action {
    fn tag(&self) -> u8 {
        match self {
            Self::Create { .. } => 1,
            Self::Invite { .. } => 2,
            Self::Join { .. } => 3,
            Self::ChangeRole { .. } => 4,
            Self::Remove { .. } => 5,
            Self::Rotate { .. } => 6,
            Self::Revoke { .. } => 7,
        }
    }

    /// A short lowercase name (`create`, `invite`, `join`, `change_role`, `remove`, `rotate`,
    /// `revoke`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create { .. } => "create",
            Self::Invite { .. } => "invite",
            Self::Join { .. } => "join",
            Self::ChangeRole { .. } => "change_role",
            Self::Remove { .. } => "remove",
            Self::Rotate { .. } => "rotate",
            Self::Revoke { .. } => "revoke",
        }
    }
}

fn role_byte(role: Role) -> u8 {
    match role {
        Role::Viewer => 1,
        Role::Developer => 2,
        Role::Admin => 3,
        Role::Owner => 4,
    }
}

fn role_from(byte: u8) -> Result<Role> {
    Ok(match byte {
        1 => Role::Viewer,
        2 => Role::Developer,
        3 => Role::Admin,
        4 => Role::Owner,
        _ => return Err(envelope::malformed(WHAT, "unknown role")),
    })
}

/// One entry as found on the server: well formed, but not yet trusted (see
/// [`super::TeamState`], which verifies its signatures and its place in the chain).
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    pub(crate) team_id: String,
    pub(crate) seq: u32,
    pub(crate) prev: Option<EntryHash>,
    pub(crate) signer_id: String,
    pub(crate) action: Action,
    signed: Vec<u8>,
    pub(crate) signature: [u8; 64],
    pub(crate) invite_signature: Option<[u8; 64]>,
}

/// What a new entry says, before it is signed.
pub(crate) struct Draft<'a> {
    pub(crate) team_id: &'a str,
    pub(crate) seq: u32,
    pub(crate) prev: Option<EntryHash>,
    pub(crate) signer_id: &'a str,
    pub(crate) action: Action,
}

fn signed_part(d: &Draft<'_>) -> Vec<u8> {
    let mut b = Binding::new()
        .field(d.team_id.as_bytes())
        .u32(d.seq)
        .field(d.prev.as_ref().map_or(&[][..], |h| &h[..]))
        .field(d.signer_id.as_bytes())
        .field(&[d.action.tag()]);
    b = match &d.action {
        Action::Create { keys } => b.field(&keys.to_bytes()),
        Action::Invite {
            invite_id,
            role,
            invite_key,
        } => b
            .field(invite_id.as_bytes())
            .field(&[role_byte(*role)])
            .field(invite_key),
        Action::Join { invite_id, keys } => b.field(invite_id.as_bytes()).field(&keys.to_bytes()),
        Action::ChangeRole { user_id, role } => {
            b.field(user_id.as_bytes()).field(&[role_byte(*role)])
        }
        Action::Remove { user_id } => b.field(user_id.as_bytes()),
        Action::Rotate { key_version } => b.u32(*key_version),
        Action::Revoke { invite_id } => b.field(invite_id.as_bytes()),
    };
    let mut out = vec![FORMAT_V1, Purpose::MembershipEntry as u8];
    out.extend_from_slice(b.as_bytes());
    out
}

fn sign_with(key: &SigningKey, signed: &[u8]) -> Result<[u8; 64]> {
    let sig: p256::ecdsa::Signature = key
        .try_sign(&[SIGNATURE_LABEL, signed].concat())
        .map_err(|e| Error::InvalidInput(format!("ECDSA signing failed: {e}")))?;
    let mut out = [0u8; 64];
    out.copy_from_slice(&sig.to_bytes());
    Ok(out)
}

impl Entry {
    /// Signs a draft with the signer's key pair (and, for a join, the invitation's key).
    pub(crate) fn sign(
        draft: Draft<'_>,
        signer: &UserKeyPair,
        invite_key: Option<&SigningKey>,
    ) -> Result<Self> {
        let signed = signed_part(&draft);
        let signature = signer.sign(&[SIGNATURE_LABEL, &signed])?;
        let invite_signature = match (&draft.action, invite_key) {
            (Action::Join { .. }, Some(k)) => Some(sign_with(k, &signed)?),
            (Action::Join { .. }, None) => {
                return Err(Error::InvalidInput(
                    "a join entry needs the invitation's signing key".into(),
                ));
            }
            _ => None,
        };
        Ok(Self {
            team_id: draft.team_id.to_owned(),
            seq: draft.seq,
            prev: draft.prev,
            signer_id: draft.signer_id.to_owned(),
            action: draft.action,
            signed,
            signature,
            invite_signature,
        })
    }

    /// The entry's hash (over the signed part only).
    pub fn hash(&self) -> EntryHash {
        let mut h = Sha256::new();
        h.update(HASH_LABEL);
        h.update(&self.signed);
        h.finalize().into()
    }

    /// The team this entry claims to belong to.
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// Its sequence number (0 = the team's creation).
    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// The previous entry's hash (none for entry 0).
    pub fn prev(&self) -> Option<&EntryHash> {
        self.prev.as_ref()
    }

    /// The user who signed it.
    pub fn signer_id(&self) -> &str {
        &self.signer_id
    }

    /// What it does.
    pub fn action(&self) -> &Action {
        &self.action
    }

    /// Checks the signer's signature with `key`.
    pub(crate) fn verify_signer(&self, key: &VerifyingKey) -> Result<()> {
        verify(
            key,
            &[SIGNATURE_LABEL, &self.signed].concat(),
            &self.signature,
            "a membership log entry",
        )
    }

    /// Checks a join's second signature with the invitation's verifying key.
    pub(crate) fn verify_invite(&self, invite_key: &[u8; 33]) -> Result<()> {
        let vk = VerifyingKey::from_sec1_bytes(invite_key)
            .map_err(|_| envelope::malformed(WHAT, "bad invitation key"))?;
        let sig = self.invite_signature.as_ref().ok_or(Error::BadSignature(
            "a join without the invitation's signature",
        ))?;
        verify(
            &vk,
            &[SIGNATURE_LABEL, &self.signed].concat(),
            sig,
            "a join (the invitation's signature)",
        )
    }

    fn encode(&self) -> Vec<u8> {
        let mut b = Binding::new().field(&self.signature);
        if let Some(s) = &self.invite_signature {
            b = b.field(s);
        }
        [self.signed.as_slice(), b.as_bytes()].concat()
    }

    /// Parses the binary form: version, purpose and every field's length are checked; the
    /// signatures are not (that needs the chain).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        envelope::check_header(bytes, Purpose::MembershipEntry, WHAT)?;
        let mut r = Reader { bytes, at: 2 };
        let team_id = r.text()?;
        let seq = r.u32()?;
        let prev = match r.field()? {
            [] => None,
            h => Some(
                <EntryHash>::try_from(h)
                    .map_err(|_| envelope::malformed(WHAT, "previous hash is not 32 bytes"))?,
            ),
        };
        let signer_id = r.text()?;
        let tag = r.byte()?;
        let action = match tag {
            1 => Action::Create {
                keys: SignedPublicKeys::from_bytes(r.field()?)?,
            },
            2 => Action::Invite {
                invite_id: r.text()?,
                role: role_from(r.byte()?)?,
                invite_key: r
                    .field()?
                    .try_into()
                    .map_err(|_| envelope::malformed(WHAT, "invitation key is not 33 bytes"))?,
            },
            3 => Action::Join {
                invite_id: r.text()?,
                keys: SignedPublicKeys::from_bytes(r.field()?)?,
            },
            4 => Action::ChangeRole {
                user_id: r.text()?,
                role: role_from(r.byte()?)?,
            },
            5 => Action::Remove { user_id: r.text()? },
            6 => Action::Rotate {
                key_version: r.u32()?,
            },
            7 => Action::Revoke {
                invite_id: r.text()?,
            },
            _ => return Err(envelope::malformed(WHAT, "unknown action")),
        };
        let signed = bytes[..r.at].to_vec();
        let signature = r.sig()?;
        let invite_signature = match action {
            Action::Join { .. } => Some(r.sig()?),
            _ => None,
        };
        if r.at != bytes.len() {
            return Err(envelope::malformed(WHAT, "trailing bytes"));
        }
        if seq == 0 && prev.is_some() || seq > 0 && prev.is_none() {
            return Err(envelope::malformed(
                WHAT,
                "only the first entry has no previous hash",
            ));
        }
        Ok(Self {
            team_id,
            seq,
            prev,
            signer_id,
            action,
            signed,
            signature,
            invite_signature,
        })
    }
}

envelope::encoded_type!(Entry, "membership log entry");

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn field(&mut self) -> Result<&'a [u8]> {
        let len_bytes = self
            .bytes
            .get(self.at..self.at + 4)
            .ok_or_else(|| envelope::malformed(WHAT, "truncated"))?;
        let len = u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        let len = usize::try_from(len).map_err(|_| envelope::malformed(WHAT, "too long"))?;
        let start = self.at + 4;
        let end = start
            .checked_add(len)
            .ok_or_else(|| envelope::malformed(WHAT, "too long"))?;
        let out = self
            .bytes
            .get(start..end)
            .ok_or_else(|| envelope::malformed(WHAT, "truncated"))?;
        self.at = end;
        Ok(out)
    }

    fn text(&mut self) -> Result<String> {
        let f = self.field()?;
        if f.is_empty() || f.len() > 128 {
            return Err(envelope::malformed(WHAT, "an id is empty or too long"));
        }
        String::from_utf8(f.to_vec()).map_err(|_| envelope::malformed(WHAT, "an id is not UTF-8"))
    }

    fn u32(&mut self) -> Result<u32> {
        let f: [u8; 4] = self
            .field()?
            .try_into()
            .map_err(|_| envelope::malformed(WHAT, "a number is not 4 bytes"))?;
        Ok(u32::from_be_bytes(f))
    }

    fn byte(&mut self) -> Result<u8> {
        match self.field()? {
            [b] => Ok(*b),
            _ => Err(envelope::malformed(
                WHAT,
                "a one-byte field is not one byte",
            )),
        }
    }

    fn sig(&mut self) -> Result<[u8; 64]> {
        self.field()?
            .try_into()
            .map_err(|_| envelope::malformed(WHAT, "a signature is not 64 bytes"))
    }
}
