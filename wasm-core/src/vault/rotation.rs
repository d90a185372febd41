//! Team key rotation, run by a remaining admin's client when a member is removed:
//! 1. make team key version n+1;
//! 2. unwrap every item key with version n and re-wrap it under n+1 (payloads are not
//!    re-encrypted: a removed member who saved item keys keeps what they could already read);
//! 3. wrap n+1 for every remaining member with signed ECIES, and for the admin with a
//!    self-wrap.
//!
//! The server swaps all of it in atomically. Robot grants wrap item keys directly, so they
//! survive; revoke a robot token to cut it off.

use super::{
    ecies::{EciesContext, EciesWrappedTeamKey},
    item::WrappedItemKey,
    keypair::{UserKeyPair, VerifiedPublicKeys},
    team_key::{SelfWrappedTeamKey, TeamKey},
    user_key::UserKey,
};
use crate::Result;

/// The admin doing the rotation.
#[derive(Debug, Clone, Copy)]
pub struct Rotator<'a> {
    /// The admin's user id.
    pub user_id: &'a str,
    /// The admin's user key (for the self-wrap).
    pub user_key: &'a UserKey,
    /// The admin's key pairs (to sign the ECIES wraps).
    pub key_pair: &'a UserKeyPair,
}

/// A remaining member, with public keys the admin verified (and whose fingerprint it trusts).
#[derive(Debug, Clone, Copy)]
pub struct RotationMember<'a> {
    /// The member's user id.
    pub user_id: &'a str,
    /// The member's verified public keys.
    pub public_keys: &'a VerifiedPublicKeys,
}

/// An item whose key must be re-wrapped.
#[derive(Debug, Clone, Copy)]
pub struct RotationItem<'a> {
    /// The item's id.
    pub item_id: &'a str,
    /// Its key, wrapped under the current team key.
    pub wrapped_key: &'a WrappedItemKey,
}

/// Everything the server must store, atomically, to complete a rotation.
#[derive(Debug)]
pub struct Rotation {
    /// The new team key (for the rotating client's own use).
    pub team_key: TeamKey,
    /// The admin's self-wrap of the new key.
    pub self_wrap: SelfWrappedTeamKey,
    /// `(item id, item key wrapped under the new team key)`.
    pub item_keys: Vec<(String, WrappedItemKey)>,
    /// `(member user id, signed ECIES wrap of the new team key)`.
    pub member_wraps: Vec<(String, EciesWrappedTeamKey)>,
}

/// Rotates `current` to a new version (see the module docs). Fails without output if any
/// item key does not open with `current`.
pub fn rotate_team_key(
    rotator: &Rotator<'_>,
    team_id: &str,
    current: &TeamKey,
    items: &[RotationItem<'_>],
    members: &[RotationMember<'_>],
) -> Result<Rotation> {
    let team_key = current.generate_next()?;
    let item_keys = items
        .iter()
        .map(|it| {
            let key = it.wrapped_key.open(current, team_id, it.item_id)?;
            Ok((
                it.item_id.to_owned(),
                key.wrap(&team_key, team_id, it.item_id)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let member_wraps = members
        .iter()
        .map(|m| {
            let ctx = EciesContext {
                team_id,
                sender_id: rotator.user_id,
                recipient_id: m.user_id,
            };
            Ok((
                m.user_id.to_owned(),
                EciesWrappedTeamKey::seal(rotator.key_pair, m.public_keys, &ctx, &team_key)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let self_wrap = team_key.wrap_for_self(rotator.user_key, team_id)?;
    Ok(Rotation {
        team_key,
        self_wrap,
        item_keys,
        member_wraps,
    })
}
