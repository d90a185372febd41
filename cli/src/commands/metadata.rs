//! Whether a credential's public metadata (fingerprints, expiry, …) is what its author signed,
//! for every command that shows metadata or decides from it.
//!
//! The author's signing key comes from the team's membership log, verified from a pin this
//! machine holds, never from the server's member list: with the password, from the pin in
//! the account's sealed trust state (what the unlocked session verifies); without it, from
//! the copy of that pin in the CLI's config (see [`super::config`]), so `signet credentials`
//! still needs no password. A credential whose metadata does not verify is shown as
//! unverified and never used for a decision. When this machine cannot verify at all (no pin
//! here yet, a log that does not verify, a robot token made before tokens carried an anchor),
//! every credential is unverified, and [`Authors::unavailable`] says why. A robot token
//! verifies the log from the anchor sealed under its own secret.

use anyhow::Result;
use signet_client::trust::parse_log;
use signet_core::{
    vault::membership::{TeamState, listing::verify_metadata},
    wire::{credential::CredentialInfo, team::TeamLog},
};

use super::{
    config::Config,
    remote::{Ctx, Reader, TeamRef, explain},
};

/// Why a robot token's view is not verified, in front of the reason.
pub const ROBOT_CANNOT_VERIFY: &str = "this robot token (SIGNET_TOKEN) cannot verify who signed \
    credentials' metadata, so fingerprints and expiry dates are not shown";

/// The keys that may have signed a team's metadata, or why they are not known here.
#[derive(Debug)]
pub enum Authors {
    /// The team's membership log, verified from a pin this user trusts.
    Log(Box<TeamState>),
    /// This machine cannot verify metadata: the reason, and what to do.
    Unavailable(String),
}

impl Authors {
    /// The authors as `reader` can know them without a password: a signed-in user's team log
    /// verified from this machine's pin (which then advances to the log's head); for a robot
    /// token, or without a pin here, none.
    pub async fn for_reader(ctx: &Ctx, reader: &Reader, team: &TeamRef) -> Result<Self> {
        let api = match reader {
            Reader::Robot { session, .. } => {
                return Ok(match session.verified_team(&team.id).await {
                    Ok(state) => Self::Log(Box::new(state)),
                    Err(e) => Self::Unavailable(format!(
                        "{ROBOT_CANNOT_VERIFY}: {e}; sign in with `signet login` to see them \
                         verified"
                    )),
                });
            }
            Reader::User { api } => api,
        };
        let Some(pin) = ctx.config.pins.get(&team.id).copied() else {
            return Ok(Self::Unavailable(format!(
                "metadata cannot be verified on this machine yet: it holds no trusted starting \
                 point for team {}'s membership log. Run `signet teams verify` once (it asks \
                 for your password); from then on fingerprints and expiry dates are checked \
                 against their author's signature",
                team.name
            )));
        };
        let log: TeamLog = api
            .get(&format!("/teams/{}/log", team.id))
            .await
            .map_err(|e| explain(e, reader.who()))?;
        let state = match parse_log(&log.entries)
            .map_err(|e| e.to_string())
            .and_then(|entries| {
                TeamState::verify(&team.id, &entries, &pin).map_err(|e| e.to_string())
            }) {
            Ok(state) => state,
            Err(e) => {
                return Ok(Self::Unavailable(format!(
                    "team {}'s membership log from the server does not verify against what this \
                     machine trusts ({e}), so no metadata can be checked. The server may be \
                     compromised: ask your admin",
                    team.name
                )));
            }
        };
        if state.pin() != pin {
            let mut config = Config::load()?;
            if config.advance_pin(&team.id, &state.pin())? {
                config.save()?;
            }
        }
        Ok(Self::Log(Box::new(state)))
    }

    /// `Ok` when `c`'s metadata is exactly what its author signed; else why not.
    pub fn check(&self, c: &CredentialInfo) -> Result<(), String> {
        match self {
            Self::Log(state) => verify_metadata(state, c),
            Self::Unavailable(why) => Err(why.clone()),
        }
    }

    /// Why nothing can be verified here, if so.
    pub fn unavailable(&self) -> Option<&str> {
        match self {
            Self::Log(_) => None,
            Self::Unavailable(why) => Some(why),
        }
    }

    /// Splits `list` into the credentials whose metadata verifies and the others, each with
    /// why (for decisions: only the first may be used).
    pub fn partition(
        &self,
        list: Vec<CredentialInfo>,
    ) -> (Vec<CredentialInfo>, Vec<(CredentialInfo, String)>) {
        let mut verified = Vec::new();
        let mut unverified = Vec::new();
        for c in list {
            match self.check(&c) {
                Ok(()) => verified.push(c),
                Err(why) => unverified.push((c, why)),
            }
        }
        (verified, unverified)
    }
}
