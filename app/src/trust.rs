//! What this user trusts — each team's membership-log pin and the account's KDF parameters —
//! kept in her sealed trust state on the server (`/api/account/trust-state`), never in
//! browser storage; and the verified view of a team built from it. The flow is the one
//! `signet-client`'s `trust` module follows for the CLI.

use signet_core::{
    vault::{
        kdf::KdfParams,
        membership::{Entry, TeamPin, TeamState},
        trust_state::{SealedTrustState, TrustState},
    },
    wire::{account::TrustStateBlob, team::TeamLog},
};

use crate::api::{ApiError, Keys, get, put};

/// How many times a write is retried after another client wrote first.
const RETRIES: usize = 5;

fn refused(message: impl Into<String>) -> ApiError {
    ApiError::from(signet_core::Error::MembershipLog(message.into()))
}

fn cached(keys: &Keys) -> Option<(u32, TrustState)> {
    keys.trust
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

fn set_cached(keys: &Keys, value: (u32, TrustState)) {
    *keys
        .trust
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(value);
}

async fn fetch(keys: &Keys) -> Result<(u32, TrustState), ApiError> {
    let blob: TrustStateBlob = get("/account/trust-state").await?;
    let state = match &blob.sealed {
        None => TrustState::default(),
        Some(text) => {
            let sealed = SealedTrustState::from_base64(text)?;
            if sealed.counter() != blob.counter {
                return Err(refused(
                    "the server's copy of your trust state was tampered with (its write number \
                     does not match)",
                ));
            }
            sealed
                .open(&keys.account.user_key, &keys.user.id)
                .map_err(|_| {
                    refused(
                        "your trust state on the server does not open with your keys: the \
                         server's data was tampered with",
                    )
                })?
        }
    };
    // Within this page's life the blob may only move forward.
    if let Some((seen, _)) = cached(keys)
        && blob.counter < seen
    {
        return Err(refused(format!(
            "the server handed out your trust state as write {}, but this page has seen write \
             {seen}: it was rolled back",
            blob.counter
        )));
    }
    Ok((blob.counter, state))
}

/// The user's trust state (read once per unlock).
pub async fn trust_state(keys: &Keys) -> Result<TrustState, ApiError> {
    if let Some((_, state)) = cached(keys) {
        return Ok(state);
    }
    let fetched = fetch(keys).await?;
    let state = fetched.1.clone();
    set_cached(keys, fetched);
    Ok(state)
}

/// Applies `change` and stores the result, merging with a concurrent write and retrying.
pub async fn update(
    keys: &Keys,
    change: impl Fn(&mut TrustState) -> Result<bool, ApiError>,
) -> Result<(), ApiError> {
    trust_state(keys).await?;
    for _ in 0..RETRIES {
        let (counter, mut state) = cached(keys).unwrap_or_default();
        if !change(&mut state)? {
            return Ok(());
        }
        let next = counter + 1;
        let sealed = state.seal(&keys.account.user_key, &keys.user.id, next)?;
        let written = put::<_, ()>(
            "/account/trust-state",
            &TrustStateBlob {
                counter: next,
                sealed: Some(sealed.to_base64()),
            },
        )
        .await;
        match written {
            Ok(()) => {
                set_cached(keys, (next, state));
                return Ok(());
            }
            Err(e) if e.status == Some(409) => {
                let (theirs, mut merged) = fetch(keys).await?;
                merged.merge(&state)?;
                set_cached(keys, (theirs, merged));
            }
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::from(signet_core::Error::MembershipLog(
        "your trust state kept changing while this page saved it; try again".into(),
    )))
}

/// Remembers a verified pin for a team.
pub async fn record_pin(keys: &Keys, team_id: &str, pin: TeamPin) -> Result<(), ApiError> {
    update(keys, |s| Ok(s.record(team_id, pin)?)).await
}

/// Refuses KDF parameters weaker than the strongest this account was seen to use, and
/// remembers stronger ones. Runs right after unlocking (the blob needs the user key), so it
/// catches a downgrade at the first sign-in it happens and stops this page from going on.
pub async fn check_kdf(keys: &Keys, used: KdfParams) -> Result<(), ApiError> {
    if let Some(seen) = trust_state(keys).await?.kdf
        && used.is_weaker_than(&seen)
    {
        return Err(refused(format!(
            "the server offered weaker password-hashing parameters ({} KiB, {} passes) than \
             this account used before ({} KiB, {} passes): refusing to go on. Change your \
             password from a machine you trust and tell your admin; the server may be \
             compromised",
            used.memory_kib, used.iterations, seen.memory_kib, seen.iterations
        )));
    }
    update(keys, |s| Ok(s.remember_kdf(used))).await
}

/// Parses a log as the server sent it.
pub fn parse_log(entries: &[String]) -> Result<Vec<Entry>, ApiError> {
    entries
        .iter()
        .map(|e| Entry::from_base64(e).map_err(ApiError::from))
        .collect()
}

/// Fetches a team's membership log, verifies it from this user's pin, checks it binds her
/// to her own keys, and advances the pin.
pub async fn verified_team(keys: &Keys, team_id: &str) -> Result<TeamState, ApiError> {
    let pin = trust_state(keys)
        .await?
        .teams
        .get(team_id)
        .copied()
        .ok_or_else(|| {
            refused(format!(
                "your account has no trusted starting point for this team (you neither created \
                 it nor joined it through an invitation link); ask an admin for a new \
                 invitation ({team_id})"
            ))
        })?;
    let log: TeamLog = get(&format!("/teams/{team_id}/log")).await?;
    let state = TeamState::verify(team_id, &parse_log(&log.entries)?, &pin)?;
    state.check_own_keys(&keys.user.id, &keys.account.key_pair)?;
    if state.pin() != pin {
        record_pin(keys, team_id, state.pin()).await?;
    }
    Ok(state)
}
