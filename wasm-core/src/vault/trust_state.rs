//! What a client must remember between sessions to keep trusting only what it verified —
//! each team's [`TeamPin`] and the account's KDF parameters — stored on the server as one
//! blob the server can neither read nor forge.
//!
//! # Sealed trust state (sealed box purpose `0x0e`)
//! A sealed box under the user key; its key-version field holds the blob's **counter**
//! (raised by one on every write, authenticated); binding = `"trust-state"`, user id;
//! plaintext = the JSON of [`TrustState`]. The server stores it with the counter as its
//! revision and refuses a write that does not raise it by one, so two clients that raced
//! merge and retry instead of losing a pin. A client that saw counter *n* refuses a blob
//! with a lower one (the server rolling it back); a fresh browser has nothing to compare
//! with, which docs/security.md lists as a residual risk.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    envelope::{Binding, Purpose, Sealed, sealed_type},
    kdf::KdfParams,
    membership::TeamPin,
    user_key::UserKey,
};
use crate::{Error, Result};

fn binding(user_id: &str) -> Binding {
    Binding::new()
        .field(b"trust-state")
        .field(user_id.as_bytes())
}

/// What one user's clients remember.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustState {
    /// Per team id: where this user stands in its membership log.
    #[serde(default)]
    pub teams: BTreeMap<String, TeamPin>,
    /// The strongest KDF parameters this account has been seen to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdf: Option<KdfParams>,
}

impl TrustState {
    /// Seals this state as write number `counter` for `user_id`.
    pub fn seal(
        &self,
        user_key: &UserKey,
        user_id: &str,
        counter: u32,
    ) -> Result<SealedTrustState> {
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(self)
                .map_err(|e| Error::InvalidInput(format!("trust state: {e}")))?,
        );
        Sealed::seal(
            &user_key.0,
            Purpose::TrustState,
            counter,
            &binding(user_id),
            &json,
        )
        .map(SealedTrustState)
    }

    /// Records a verified pin for a team. Returns whether anything changed.
    pub fn record(&mut self, team_id: &str, pin: TeamPin) -> Result<bool> {
        match self.teams.get_mut(team_id) {
            Some(old) => old.advance(&pin),
            None => {
                self.teams.insert(team_id.to_owned(), pin);
                Ok(true)
            }
        }
    }

    /// Merges another state (e.g. the one a concurrent client wrote) into this one.
    pub fn merge(&mut self, other: &TrustState) -> Result<bool> {
        let mut changed = false;
        for (team, pin) in &other.teams {
            changed |= self.record(team, *pin)?;
        }
        if let Some(k) = other.kdf {
            changed |= self.remember_kdf(k);
        }
        Ok(changed)
    }

    /// Remembers `params` if they are stronger than what is remembered (or nothing is).
    pub fn remember_kdf(&mut self, params: KdfParams) -> bool {
        match self.kdf {
            Some(old) if !old.is_weaker_than(&params) => false,
            _ => {
                self.kdf = Some(params);
                true
            }
        }
    }
}

sealed_type!(
    /// A [`TrustState`] sealed under the user key (purpose `0x0e`).
    SealedTrustState,
    Purpose::TrustState,
    "trust state"
);

impl SealedTrustState {
    /// The write number this blob claims (authenticated when opened).
    pub fn counter(&self) -> u32 {
        self.0.key_version()
    }

    /// Opens with the user key.
    pub fn open(&self, user_key: &UserKey, user_id: &str) -> Result<TrustState> {
        let json = self.0.open(&user_key.0, &binding(user_id))?;
        serde_json::from_slice(&json).map_err(|_| Error::OpenFailed)
    }
}
