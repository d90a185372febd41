//! What this user's clients trust, and the verified view of a team built from it.
//!
//! The pins (`membership::TeamPin`) live in the user's sealed trust state on the server
//! (`GET/PUT /api/account/trust-state`), which only she can open or forge. The session
//! caches it; [`Session::verified_team`] fetches a team's membership log and verifies it
//! from the pin, then advances the pin. Everything that needs a member's public key (the
//! sender of a team key, the members a new key is wrapped for, the author of metadata)
//! takes it from that verified log, never from `GET /members`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use signet_core::{
    vault::{
        membership::{Entry, TeamPin, TeamState},
        trust_state::{SealedTrustState, TrustState},
    },
    wire::{account::TrustStateBlob, team::TeamLog},
};

use crate::{Session, http::ClientError};

/// How many times a write of the trust state is retried after another client wrote first.
const RETRIES: usize = 5;

/// The session's copy of the trust state.
#[derive(Debug, Default)]
pub struct TrustCache {
    /// What was read (or written) last; `None` until first needed.
    loaded: Option<(u32, TrustState)>,
    /// The lowest counter this client accepts (what it saw before, e.g. from the CLI's
    /// config): a server that serves an older blob is refused.
    floor: u32,
    /// Each team's log as this session last verified it, so the next verification checks
    /// only what was appended since ([`TeamState::verify_after`]).
    verified: HashMap<String, TeamState>,
}

/// A handle shared by clones of one session.
pub type SharedTrust = Arc<Mutex<TrustCache>>;

fn lock(trust: &SharedTrust) -> std::sync::MutexGuard<'_, TrustCache> {
    trust
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Parses a log as the server sent it.
pub fn parse_log(entries: &[String]) -> Result<Vec<Entry>, ClientError> {
    entries
        .iter()
        .map(|e| Entry::from_base64(e).map_err(ClientError::from))
        .collect()
}

impl Session {
    /// The lowest trust-state counter to accept (the CLI passes what it saw last).
    pub fn set_trust_floor(&self, floor: u32) {
        let mut cache = lock(&self.trust);
        cache.floor = cache.floor.max(floor);
    }

    /// The trust-state counter this session has seen (for the CLI to remember).
    pub fn trust_counter(&self) -> u32 {
        let cache = lock(&self.trust);
        cache
            .loaded
            .as_ref()
            .map_or(cache.floor, |(n, _)| *n)
            .max(cache.floor)
    }

    async fn fetch_trust(&self) -> Result<(u32, TrustState), ClientError> {
        let blob: TrustStateBlob = self.api.get("/account/trust-state").await?;
        let state = match &blob.sealed {
            None => TrustState::default(),
            Some(text) => {
                let sealed = SealedTrustState::from_base64(text)?;
                if sealed.counter() != blob.counter {
                    return Err(ClientError::Protocol(format!(
                        "the server says your trust state is write {}, but the sealed state \
                         is write {}: it was tampered with",
                        blob.counter,
                        sealed.counter()
                    )));
                }
                sealed
                    .open(&self.account.user_key, &self.user.id)
                    .map_err(|_| {
                        ClientError::Protocol(
                            "your trust state on the server does not open with your keys: the \
                             server's data was tampered with or belongs to someone else"
                                .into(),
                        )
                    })?
            }
        };
        let floor = lock(&self.trust).floor;
        if blob.counter < floor {
            return Err(ClientError::Vault(signet_core::Error::MembershipLog(
                format!(
                    "the server handed out your trust state as write {}, but this machine has seen \
                 write {floor}: it was rolled back (the server may be compromised; ask your \
                 admin)",
                    blob.counter
                ),
            )));
        }
        Ok((blob.counter, state))
    }

    /// The user's trust state (read once per session).
    pub async fn trust_state(&self) -> Result<TrustState, ClientError> {
        if let Some((_, state)) = &lock(&self.trust).loaded {
            return Ok(state.clone());
        }
        let fetched = self.fetch_trust().await?;
        let state = fetched.1.clone();
        lock(&self.trust).loaded = Some(fetched);
        Ok(state)
    }

    /// Applies `change` to the trust state and stores it, merging with (and retrying after)
    /// a write another client made meanwhile.
    pub async fn update_trust(
        &self,
        change: impl Fn(&mut TrustState) -> Result<bool, ClientError>,
    ) -> Result<(), ClientError> {
        self.trust_state().await?;
        for _ in 0..RETRIES {
            let (counter, mut state) = lock(&self.trust).loaded.clone().unwrap_or_default();
            if !change(&mut state)? {
                return Ok(());
            }
            let next = counter
                .checked_add(1)
                .ok_or_else(|| ClientError::Protocol("trust state counter overflow".into()))?;
            let sealed = state.seal(&self.account.user_key, &self.user.id, next)?;
            let put: Result<(), ClientError> = self
                .api
                .put(
                    "/account/trust-state",
                    &TrustStateBlob {
                        counter: next,
                        sealed: Some(sealed.to_base64()),
                    },
                )
                .await;
            match put {
                Ok(()) => {
                    lock(&self.trust).loaded = Some((next, state));
                    return Ok(());
                }
                Err(e) if e.code() == Some("stale_trust_state") => {
                    let (theirs, mut merged) = self.fetch_trust().await?;
                    let (_, mine) = lock(&self.trust).loaded.clone().unwrap_or_default();
                    merged.merge(&mine)?;
                    lock(&self.trust).loaded = Some((theirs, merged));
                }
                Err(e) => return Err(e),
            }
        }
        Err(ClientError::Protocol(
            "your trust state kept changing while this client saved it; try again".into(),
        ))
    }

    /// Refuses this session's KDF parameters if they are weaker than the strongest the
    /// account's trust state remembers (a machine that never saw the account catches a
    /// downgrade right after it happened), and remembers them if stronger.
    pub async fn check_kdf(&self) -> Result<(), ClientError> {
        let used = self.kdf_params;
        if let Some(seen) = self.trust_state().await?.kdf
            && used.is_weaker_than(&seen)
        {
            return Err(ClientError::Protocol(format!(
                "the server asked for weaker password hashing ({} KiB, {} passes) than this \
                 account has used ({} KiB, {} passes): the server may be trying to make your \
                 password cheaper to guess. Change your password from a machine you trust and \
                 tell your admin",
                used.memory_kib, used.iterations, seen.memory_kib, seen.iterations
            )));
        }
        self.update_trust(|s| Ok(s.remember_kdf(used))).await
    }

    /// Remembers a verified pin for a team.
    pub async fn record_pin(&self, team_id: &str, pin: TeamPin) -> Result<(), ClientError> {
        self.update_trust(|s| Ok(s.record(team_id, pin)?)).await
    }

    /// This client's pin for a team, with an error that says what to do when there is none.
    pub async fn pin(&self, team_id: &str) -> Result<TeamPin, ClientError> {
        self.trust_state()
            .await?
            .teams
            .get(team_id)
            .copied()
            .ok_or_else(|| {
                ClientError::Vault(signet_core::Error::MembershipLog(format!(
                    "your account has no trusted starting point for team {team_id} (you \
                     neither created it nor joined it through an invitation link from this \
                     account's clients); ask an admin for a new invitation"
                )))
            })
    }

    /// Fetches team `team_id`'s membership log, verifies it from this user's pin, checks
    /// that it binds the caller to her own keys, and advances the pin.
    pub async fn verified_team(&self, team_id: &str) -> Result<TeamState, ClientError> {
        let pin = self.pin(team_id).await?;
        let log: TeamLog = self.api.get(&format!("/teams/{team_id}/log")).await?;
        let entries = parse_log(&log.entries)?;
        let known = lock(&self.trust).verified.get(team_id).cloned();
        let state = match &known {
            Some(known) => TeamState::verify_after(known, team_id, &entries, &pin)?,
            None => TeamState::verify(team_id, &entries, &pin)?,
        };
        state.check_own_keys(&self.user.id, &self.account.key_pair)?;
        lock(&self.trust)
            .verified
            .insert(team_id.to_owned(), state.clone());
        if state.pin() != pin {
            self.record_pin(team_id, state.pin()).await?;
        }
        Ok(state)
    }
}
