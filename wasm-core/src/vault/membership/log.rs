//! Replaying a team's membership log into the team as its admins signed it.
//!
//! The rules every entry must follow (the same ones the server enforces on its own tables):
//! - entry *n* has sequence number *n*, names the team, and carries entry *n−1*'s hash;
//! - entry 0 is `create`, signed by its own keys: the creator is the first owner, and the
//!   team key is version 1;
//! - `invite` and `change_role` and `rotate` are signed by a current admin or owner; only an
//!   owner invites an owner, and only an owner makes, changes or demotes an owner;
//! - `join` is signed by the joiner's own keys and by a pending invitation's key, each
//!   invitation once; a user who was a member before must come back with the same keys;
//! - `remove` is signed by an admin or owner (only owners remove owners) or by the member
//!   leaving;
//! - `rotate` raises the team key version by exactly one.

use std::collections::{BTreeMap, BTreeSet};

use p256::ecdsa::VerifyingKey;

use super::{
    TeamPin,
    entry::{Action, Draft, Entry, EntryHash},
};
use crate::{
    Error, Result,
    vault::{
        invite::InviteSecret,
        keypair::{SignedPublicKeys, UserKeyPair, VerifiedPublicKeys},
    },
    wire::Role,
};

fn refuse(reason: impl Into<String>) -> Error {
    Error::MembershipLog(reason.into())
}

/// A member as the team's log says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMember {
    /// Their role.
    pub role: Role,
    /// Their public keys (self-signature verified; bound to them by the log).
    pub keys: VerifiedPublicKeys,
    /// The same keys in their published form.
    pub signed_keys: SignedPublicKeys,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingInvite {
    role: Role,
    key: [u8; 33],
}

/// A team as its verified membership log describes it: who is a member with which keys and
/// role, and which team key version is current.
#[derive(Debug, Clone)]
pub struct TeamState {
    team_id: String,
    genesis: EntryHash,
    head_seq: u32,
    head_hash: EntryHash,
    key_version: u32,
    rotated_by: String,
    members: BTreeMap<String, LogMember>,
    known: BTreeMap<String, LogMember>,
    invites: BTreeMap<String, PendingInvite>,
    used_invites: BTreeSet<String>,
}

impl TeamState {
    /// Entry 0 of a new team, signed by its creator, and the state it starts.
    pub fn create(
        team_id: &str,
        creator_id: &str,
        creator: &UserKeyPair,
    ) -> Result<(Entry, TeamState)> {
        let draft = Draft {
            team_id,
            seq: 0,
            prev: None,
            signer_id: creator_id,
            action: Action::Create {
                keys: creator.public_keys()?,
            },
        };
        let entry = Entry::sign(draft, creator, None)?;
        let state = Self::genesis(team_id, &entry)?;
        Ok((entry, state))
    }

    fn genesis(team_id: &str, e: &Entry) -> Result<Self> {
        if e.team_id != team_id {
            return Err(refuse("its first entry is for another team"));
        }
        let Action::Create { keys } = &e.action else {
            return Err(refuse("its first entry does not create the team"));
        };
        if e.seq != 0 {
            return Err(refuse("its first entry is not number 0"));
        }
        let verified = keys.verify()?;
        e.verify_signer(verified.signing_key())?;
        let creator = LogMember {
            role: Role::Owner,
            keys: verified,
            signed_keys: keys.clone(),
        };
        let hash = e.hash();
        Ok(Self {
            team_id: team_id.to_owned(),
            genesis: hash,
            head_seq: 0,
            head_hash: hash,
            key_version: 1,
            rotated_by: e.signer_id.clone(),
            members: BTreeMap::from([(e.signer_id.clone(), creator.clone())]),
            known: BTreeMap::from([(e.signer_id.clone(), creator)]),
            invites: BTreeMap::new(),
            used_invites: BTreeSet::new(),
        })
    }

    /// Replays `entries` (the whole log, in order) and checks it against what this client
    /// already trusts: entry 0 must hash to the pinned genesis, and the pinned head must be
    /// in the chain (a server that cuts the log short, or forks it, is refused).
    pub fn verify(team_id: &str, entries: &[Entry], pin: &TeamPin) -> Result<Self> {
        let first = entries
            .first()
            .ok_or_else(|| refuse("the server sent an empty log"))?;
        if first.hash() != pin.genesis {
            return Err(refuse(
                "it does not start with the team creation this client knows (a different team \
                 was substituted)",
            ));
        }
        let state = Self::replay_unpinned(team_id, entries)?;
        check_pinned(entries, pin)?;
        Ok(state)
    }

    /// [`TeamState::verify`], starting from `known`: a state this client verified earlier
    /// from the same team's log. When `entries` still hold `known`'s head entry (same number
    /// and hash: every entry carries its predecessor's hash, so the whole prefix is then the
    /// one already verified), only the entries after it are verified; otherwise the whole
    /// log is, exactly as [`TeamState::verify`] does. Either way the pin is checked. What an
    /// admin's change costs then grows with what changed since the last one, not with the
    /// team (a 1,000-member log is ~2,000 signatures).
    pub fn verify_after(
        known: &Self,
        team_id: &str,
        entries: &[Entry],
        pin: &TeamPin,
    ) -> Result<Self> {
        let head = usize::try_from(known.head_seq).ok();
        let extends = known.team_id == team_id
            && known.genesis == pin.genesis
            && entries.first().map(Entry::hash) == Some(pin.genesis)
            && head
                .and_then(|i| entries.get(i))
                .is_some_and(|e| e.hash() == known.head_hash);
        let Some(head) = head.filter(|_| extends) else {
            return Self::verify(team_id, entries, pin);
        };
        let mut state = known.clone();
        for e in &entries[head + 1..] {
            state.apply(e)?;
        }
        check_pinned(entries, pin)?;
        Ok(state)
    }

    /// Replays `entries` trusting whatever entry 0 says: for the server, which keeps the log
    /// consistent but is not the one who must trust it. Clients call [`TeamState::verify`].
    pub fn replay_unpinned(team_id: &str, entries: &[Entry]) -> Result<Self> {
        let (first, rest) = entries
            .split_first()
            .ok_or_else(|| refuse("the log is empty"))?;
        let mut state = Self::genesis(team_id, first)?;
        for e in rest {
            state.apply(e)?;
        }
        Ok(state)
    }

    fn admin(&self, signer_id: &str, what: &str) -> Result<&LogMember> {
        let m = self.members.get(signer_id).ok_or_else(|| {
            refuse(format!(
                "{what} was signed by {signer_id}, who is not a member at that point"
            ))
        })?;
        if m.role < Role::Admin {
            return Err(refuse(format!(
                "{what} was signed by {signer_id}, a {}, not an admin",
                m.role
            )));
        }
        Ok(m)
    }

    /// Checks one more entry against the rules (module docs) and applies it.
    pub fn apply(&mut self, e: &Entry) -> Result<()> {
        if e.team_id != self.team_id {
            return Err(refuse(format!("entry {} is for another team", e.seq)));
        }
        if Some(e.seq) != self.head_seq.checked_add(1) || e.prev != Some(self.head_hash) {
            return Err(refuse(format!(
                "entry {} does not follow entry {} (wrong number or previous hash)",
                e.seq, self.head_seq
            )));
        }
        let what = format!("entry {} ({})", e.seq, e.action.name());
        match &e.action {
            Action::Create { .. } => return Err(refuse(format!("{what}: the team exists"))),
            Action::Invite {
                invite_id,
                role,
                invite_key,
            } => {
                let signer = self.admin(&e.signer_id, &what)?;
                if *role == Role::Owner && signer.role < Role::Owner {
                    return Err(refuse(format!("{what}: only an owner invites an owner")));
                }
                e.verify_signer(signer.keys.signing_key())?;
                if self.invites.contains_key(invite_id) || self.used_invites.contains(invite_id) {
                    return Err(refuse(format!("{what}: invitation {invite_id} exists")));
                }
                self.invites.insert(
                    invite_id.clone(),
                    PendingInvite {
                        role: *role,
                        key: *invite_key,
                    },
                );
            }
            Action::Join { invite_id, keys } => {
                let invite = self.invites.get(invite_id).ok_or_else(|| {
                    refuse(format!(
                        "{what}: invitation {invite_id} is not open (never made, or used)"
                    ))
                })?;
                if self.members.contains_key(&e.signer_id) {
                    return Err(refuse(format!("{what}: {} is a member", e.signer_id)));
                }
                let verified = keys.verify()?;
                if let Some(before) = self
                    .known
                    .get(&e.signer_id)
                    .filter(|before| before.keys != verified)
                {
                    return Err(Error::IdentityKeyChanged {
                        user_id: e.signer_id.clone(),
                        pinned: before.keys.fingerprint().to_string(),
                        offered: verified.fingerprint().to_string(),
                    });
                }
                e.verify_signer(verified.signing_key())?;
                e.verify_invite(&invite.key)?;
                let member = LogMember {
                    role: invite.role,
                    keys: verified,
                    signed_keys: keys.clone(),
                };
                self.invites.remove(invite_id);
                self.used_invites.insert(invite_id.clone());
                self.members.insert(e.signer_id.clone(), member.clone());
                self.known.insert(e.signer_id.clone(), member);
            }
            Action::ChangeRole { user_id, role } => {
                let signer = self.admin(&e.signer_id, &what)?;
                let current = self
                    .members
                    .get(user_id)
                    .ok_or_else(|| refuse(format!("{what}: {user_id} is not a member")))?;
                if (current.role == Role::Owner || *role == Role::Owner)
                    && signer.role < Role::Owner
                {
                    return Err(refuse(format!(
                        "{what}: only an owner makes or changes an owner"
                    )));
                }
                e.verify_signer(signer.keys.signing_key())?;
                if let Some(m) = self.members.get_mut(user_id) {
                    m.role = *role;
                }
            }
            Action::Remove { user_id } => {
                let subject = self
                    .members
                    .get(user_id)
                    .ok_or_else(|| refuse(format!("{what}: {user_id} is not a member")))?;
                if e.signer_id == *user_id {
                    e.verify_signer(subject.keys.signing_key())?;
                } else {
                    let signer = self.admin(&e.signer_id, &what)?;
                    if subject.role == Role::Owner && signer.role < Role::Owner {
                        return Err(refuse(format!("{what}: only an owner removes an owner")));
                    }
                    e.verify_signer(signer.keys.signing_key())?;
                }
                self.members.remove(user_id);
            }
            Action::Rotate { key_version } => {
                let signer = self.admin(&e.signer_id, &what)?;
                e.verify_signer(signer.keys.signing_key())?;
                if Some(*key_version) != self.key_version.checked_add(1) {
                    return Err(refuse(format!(
                        "{what}: version {key_version} does not follow {}",
                        self.key_version
                    )));
                }
                self.key_version = *key_version;
                self.rotated_by = e.signer_id.clone();
                let closed = std::mem::take(&mut self.invites);
                self.used_invites.extend(closed.into_keys());
            }
            Action::Revoke { invite_id } => {
                let signer = self.admin(&e.signer_id, &what)?;
                e.verify_signer(signer.keys.signing_key())?;
                if self.invites.remove(invite_id).is_none() {
                    return Err(refuse(format!(
                        "{what}: invitation {invite_id} is not open"
                    )));
                }
                self.used_invites.insert(invite_id.clone());
            }
        }
        self.head_seq = e.seq;
        self.head_hash = e.hash();
        Ok(())
    }

    /// Signs the next entry as `signer_id` and checks it against the rules (so a client
    /// never uploads what other clients would refuse). Not for joins: see [`TeamState::join`].
    pub fn next(&self, signer_id: &str, signer: &UserKeyPair, action: Action) -> Result<Entry> {
        self.sign_next(signer_id, signer, action, None)
    }

    /// The entry by which `user_id` joins with the invitation `invite_id` held in `secret`.
    pub fn join(
        &self,
        secret: &InviteSecret,
        invite_id: &str,
        user_id: &str,
        key_pair: &UserKeyPair,
    ) -> Result<Entry> {
        let invite_key = secret.signing_key()?;
        let action = Action::Join {
            invite_id: invite_id.to_owned(),
            keys: key_pair.public_keys()?,
        };
        self.sign_next(user_id, key_pair, action, Some(&invite_key))
    }

    fn sign_next(
        &self,
        signer_id: &str,
        signer: &UserKeyPair,
        action: Action,
        invite_key: Option<&p256::ecdsa::SigningKey>,
    ) -> Result<Entry> {
        let seq = self
            .head_seq
            .checked_add(1)
            .ok_or_else(|| refuse("the log is full"))?;
        let draft = Draft {
            team_id: &self.team_id,
            seq,
            prev: Some(self.head_hash),
            signer_id,
            action,
        };
        let entry = Entry::sign(draft, signer, invite_key)?;
        self.clone().apply(&entry)?;
        Ok(entry)
    }

    /// Where this client now stands in the log (remember it: see [`TeamPin`]).
    pub fn pin(&self) -> TeamPin {
        TeamPin {
            genesis: self.genesis,
            head_seq: self.head_seq,
            head_hash: self.head_hash,
        }
    }

    /// The team's id.
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// The current team key version (raised only by signed `rotate` entries).
    pub fn key_version(&self) -> u32 {
        self.key_version
    }

    /// The member who made the current team key version (the creator for version 1).
    pub fn rotated_by(&self) -> &str {
        &self.rotated_by
    }

    /// The current members.
    pub fn members(&self) -> &BTreeMap<String, LogMember> {
        &self.members
    }

    /// A current member.
    pub fn member(&self, user_id: &str) -> Option<&LogMember> {
        self.members.get(user_id)
    }

    /// The signing key of anyone who has ever been a member (authors of metadata keep
    /// verifying after they leave).
    pub fn author_key(&self, user_id: &str) -> Option<&VerifyingKey> {
        self.known.get(user_id).map(|m| m.keys.signing_key())
    }

    /// Whether an invitation is open in the log, and with which key and role.
    pub fn open_invite(&self, invite_id: &str) -> Option<(Role, [u8; 33])> {
        self.invites.get(invite_id).map(|i| (i.role, i.key))
    }

    /// The signing key a rotation wrap of the current version must be signed with: that of
    /// the admin whose `rotate` entry made it. `sender_id` is who the server says sent it.
    pub fn rotation_sender(&self, sender_id: &str) -> Result<&VerifyingKey> {
        if sender_id != self.rotated_by {
            return Err(refuse(format!(
                "the server says {sender_id} sent team key version {}, but the log says {} \
                 made it",
                self.key_version, self.rotated_by
            )));
        }
        self.author_key(sender_id)
            .ok_or_else(|| refuse(format!("{sender_id} never was a member")))
    }

    /// Checks that the log binds `user_id` to `key_pair` (the caller's own keys, from her
    /// own decrypted account) — a log that lists other keys for her is refused loudly.
    pub fn check_own_keys(&self, user_id: &str, key_pair: &UserKeyPair) -> Result<()> {
        let mine = key_pair.public_keys()?.verify()?;
        match self.known.get(user_id) {
            Some(m) if m.keys == mine => Ok(()),
            Some(m) => Err(Error::IdentityKeyChanged {
                user_id: user_id.to_owned(),
                pinned: mine.fingerprint().to_string(),
                offered: m.keys.fingerprint().to_string(),
            }),
            None => Err(refuse(format!(
                "you ({user_id}) have never been a member according to it"
            ))),
        }
    }
}

/// The log `entries` still holds the entry `pin` names (a log cut short or forked below
/// what this client saw is refused).
fn check_pinned(entries: &[Entry], pin: &TeamPin) -> Result<()> {
    let pinned = usize::try_from(pin.head_seq)
        .ok()
        .and_then(|i| entries.get(i))
        .ok_or_else(|| {
            refuse(format!(
                "the server sent {} entries, but this client has already seen entry {}: \
                 the log was cut short (rolled back)",
                entries.len(),
                pin.head_seq
            ))
        })?;
    if pinned.hash() != pin.head_hash {
        return Err(refuse(format!(
            "entry {} differs from the one this client saw before: the log was forked",
            pin.head_seq
        )));
    }
    Ok(())
}
