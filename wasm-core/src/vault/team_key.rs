//! Team keys: 32 random bytes with a version. Version 1 is made with the team; every
//! rotation (member removed) makes version n+1.
//!
//! A member keeps the team key wrapped under their own user key (sealed box purpose `0x04`,
//! key version = team key version, binding = team id), which the server cannot forge.
//!
//! **Rollback detection.** Every wrap of a team key carries its version in the authenticated
//! header. A client remembers the highest version it has seen per team
//! ([`TeamKeyVersionGuard`], persisted by the caller) and refuses a lower one as the team's
//! *current* key, so a server replaying a genuine older wrap after a rotation (one a removed
//! member still knows) cannot make the client seal new items under it.

use serde::{Deserialize, Serialize};

use super::{
    envelope::{Binding, Purpose, Sealed, sealed_type},
    secret::Key32,
    user_key::UserKey,
};
use crate::{Error, Result};

/// A team key. Zeroized on drop; `Debug` shows only the version; not serializable.
#[derive(Clone)]
pub struct TeamKey {
    pub(crate) version: u32,
    pub(crate) key: Key32,
}

impl core::fmt::Debug for TeamKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TeamKey")
            .field("version", &self.version)
            .field("key", &"<redacted>")
            .finish()
    }
}

pub(crate) fn self_wrap_binding(team_id: &str) -> Binding {
    Binding::new()
        .field(b"team-key/self")
        .field(team_id.as_bytes())
}

impl TeamKey {
    /// The first key of a new team (version 1).
    pub fn generate_first() -> Result<Self> {
        Ok(Self {
            version: 1,
            key: Key32::random()?,
        })
    }

    /// A fresh key with the next version (used by rotation).
    pub fn generate_next(&self) -> Result<Self> {
        let version = self
            .version
            .checked_add(1)
            .ok_or_else(|| Error::InvalidInput("team key version overflow".into()))?;
        Ok(Self {
            version,
            key: Key32::random()?,
        })
    }

    /// Fixed key for pinned test vectors.
    #[cfg(test)]
    pub(crate) fn from_bytes_for_tests(version: u32, bytes: [u8; 32]) -> Self {
        Self {
            version,
            key: Key32::from_bytes(bytes),
        }
    }

    /// This key's version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Wraps this key under a member's own user key, bound to the team.
    pub fn wrap_for_self(&self, user_key: &UserKey, team_id: &str) -> Result<SelfWrappedTeamKey> {
        Sealed::seal(
            &user_key.0,
            Purpose::TeamKeySelfWrap,
            self.version,
            &self_wrap_binding(team_id),
            self.key.as_bytes(),
        )
        .map(SelfWrappedTeamKey)
    }
}

sealed_type!(
    /// A team key wrapped under a member's user key (purpose `0x04`).
    SelfWrappedTeamKey,
    Purpose::TeamKeySelfWrap,
    "self-wrapped team key"
);

impl SelfWrappedTeamKey {
    /// The team key version this wrap claims (authenticated when opened).
    pub fn version(&self) -> u32 {
        self.0.key_version()
    }

    /// Opens with the member's user key, for the team it was found under.
    pub fn open(&self, user_key: &UserKey, team_id: &str) -> Result<TeamKey> {
        let key = self.0.open_key(&user_key.0, &self_wrap_binding(team_id))?;
        Ok(TeamKey {
            version: self.version(),
            key,
        })
    }
}

/// The highest team key version a client has seen for one team. Persist it with the
/// client's state (e.g. local storage, the CLI's config) and pass every team key through
/// [`TeamKeyVersionGuard::observe`] before using it as the team's current key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamKeyVersionGuard {
    /// The team this guard is for.
    pub team_id: String,
    /// Highest version seen so far (0 = none yet).
    pub highest_seen: u32,
}

impl TeamKeyVersionGuard {
    /// A guard that has seen nothing yet.
    pub fn new(team_id: impl Into<String>) -> Self {
        Self {
            team_id: team_id.into(),
            highest_seen: 0,
        }
    }

    /// Accepts `version` as current if it is at least the highest seen (and remembers it);
    /// refuses an older one with [`Error::StaleTeamKey`].
    pub fn observe(&mut self, version: u32) -> Result<()> {
        if version < self.highest_seen {
            return Err(Error::StaleTeamKey {
                highest_seen: self.highest_seen,
                offered: version,
            });
        }
        self.highest_seen = version;
        Ok(())
    }
}
