//! Signed membership: who belongs to a team, with which keys and role, as its admins signed
//! it — not as the server says.
//!
//! Each team has an append-only **membership log** ([`Entry`]). Entry 0 is signed by the
//! team's creator with her own keys; every later entry (an invitation, a join, a role
//! change, a removal, a team key rotation) is signed by someone the log already makes an
//! admin (or, for a join, by the joiner and by the invitation's key, which only a holder of
//! the link's secret can derive). Each entry carries the hash of the one before.
//!
//! A client trusts a log only from a **pin** ([`TeamPin`]) it got without the server's say:
//! - the creator pins entry 0 when she makes it;
//! - an invitee gets the pin inside the invitation, sealed under a key derived from the
//!   link's secret ([`crate::vault::invite::InviteAnchor`]), which the server never sees;
//! - afterwards each client remembers the newest entry it verified (the CLI in its config,
//!   the dashboard in its [`crate::vault::trust_state`] blob), so the server can neither
//!   swap the team for one it made, nor fork the log, nor cut it short below what was seen.
//!
//! From a verified log ([`TeamState`]) a client takes every public key it uses: the signer
//! of a rotation wrap, the members a new team key is wrapped for, the authors whose
//! metadata signatures it checks. `GET /members` is for display only, and a member whose
//! keys there differ from the log's is reported, never used.

mod entry;
pub mod listing;
mod log;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use entry::{Action, Entry, EntryHash};
pub use log::{LogMember, TeamState};

use crate::{Error, Result};

/// What a client remembers of one team's log: the hash of entry 0 (which never changes) and
/// the newest entry it has verified. Serialized with hashes as lowercase hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPin {
    /// Hash of entry 0.
    #[serde(with = "hex32")]
    pub genesis: EntryHash,
    /// Number of the newest verified entry.
    pub head_seq: u32,
    /// Its hash.
    #[serde(with = "hex32")]
    pub head_hash: EntryHash,
}

impl TeamPin {
    /// Binary form (68 bytes): genesis ‖ head number (`u32`) ‖ head hash.
    pub fn to_bytes(&self) -> [u8; 68] {
        let mut out = [0u8; 68];
        out[..32].copy_from_slice(&self.genesis);
        out[32..36].copy_from_slice(&self.head_seq.to_be_bytes());
        out[36..].copy_from_slice(&self.head_hash);
        out
    }

    /// Parses the binary form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 68 {
            return Err(Error::OpenFailed);
        }
        let mut genesis = [0u8; 32];
        genesis.copy_from_slice(&bytes[..32]);
        let mut head_hash = [0u8; 32];
        head_hash.copy_from_slice(&bytes[36..]);
        Ok(Self {
            genesis,
            head_seq: u32::from_be_bytes([bytes[32], bytes[33], bytes[34], bytes[35]]),
            head_hash,
        })
    }

    /// Merges a newer verified pin into this one: the genesis must match, and a pin at the
    /// same entry number must have the same hash (else the server forked the log).
    pub fn advance(&mut self, newer: &TeamPin) -> Result<bool> {
        if newer.genesis != self.genesis {
            return Err(Error::MembershipLog(
                "it does not start with the team creation this client knows".into(),
            ));
        }
        if newer.head_seq == self.head_seq && newer.head_hash != self.head_hash {
            return Err(Error::MembershipLog(format!(
                "entry {} differs from the one this client saw before: the log was forked",
                self.head_seq
            )));
        }
        if newer.head_seq > self.head_seq {
            *self = *newer;
            return Ok(true);
        }
        Ok(false)
    }
}

/// Serde for a 32-byte hash as 64 lowercase hex digits.
mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(super) fn serialize<S: Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        let text: String = h.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(D::Error::custom("a hash must be 64 hex digits"));
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let s = core::str::from_utf8(pair).map_err(D::Error::custom)?;
            out[i] = u8::from_str_radix(s, 16).map_err(D::Error::custom)?;
        }
        Ok(out)
    }
}
