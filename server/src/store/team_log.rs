//! Each team's signed membership log (`signet_core::vault::membership`), kept beside the
//! membership tables.
//!
//! The server is not who must trust the log — every client verifies it from its own pin —
//! but it keeps the log consistent with what it stores: an entry is appended only in the
//! transaction of the change it records, only if it follows the current head, obeys the
//! log's rules (signed by an admin the log trusts, a join co-signed by its invitation) and
//! says exactly what the request does (same invitation, member, role, version, and the
//! caller's own registered keys). A client that sends anything else gets a 400 or, when
//! someone else changed the team meanwhile, a 409 `log_changed`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use signet_core::vault::{
    keypair::SignedPublicKeys,
    membership::{Action, Entry, TeamState},
};

use super::{Store, Tx};
use crate::ApiError;

/// Each team's log as this process last verified it, with its head entry as stored, so an
/// append verifies only the entries after it instead of replaying the whole log (every
/// signature of every entry: at 1,000 members a join spent most of its time there, measured
/// by `signet-growth-bench`).
///
/// Nothing here is trusted without the database agreeing: before the state is used, the
/// stored entry at its head's `seq` must be byte-for-byte the cached head (inside the same
/// transaction, which holds the team's row lock). A change whose transaction rolled back
/// left no such row, or a different one, and the log is replayed in full. Entries after the
/// head (another replica's appends) are loaded and verified before the state is used.
#[derive(Debug, Clone, Default)]
pub(crate) struct LogCache(Arc<Mutex<HashMap<String, Verified>>>);

/// A verified state and its head entry (base64url, as stored).
#[derive(Debug, Clone)]
struct Verified {
    state: TeamState,
    head: String,
}

/// Teams remembered at most (the cache starts over when full: it only saves work).
const CACHED_TEAMS: usize = 4096;

impl LogCache {
    fn get(&self, team_id: &str) -> Option<Verified> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(team_id)
            .cloned()
    }

    fn put(&self, team_id: &str, verified: Verified) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= CACHED_TEAMS && !map.contains_key(team_id) {
            map.clear();
        }
        map.insert(team_id.to_owned(), verified);
    }
}

/// `team_id`'s log as it stands in `tx`, verified: from the cached state when the database
/// still holds its head (then only later entries are read and verified), else replayed from
/// the start. `None` for a team that has no log.
async fn current(
    tx: &mut Tx,
    cache: &LogCache,
    team_id: &str,
) -> Result<Option<TeamState>, ApiError> {
    let replay_error =
        |e| ApiError::Internal(format!("team {team_id}: stored log does not replay: {e}"));
    if let Some(Verified { mut state, head }) = cache.get(team_id) {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT seq, entry FROM team_log WHERE team_id = $1 AND seq >= $2 ORDER BY seq",
        )
        .bind(team_id)
        .bind(i64::from(state.pin().head_seq))
        .fetch_all(&mut **tx)
        .await?;
        if let Some(((seq, first), later)) = rows.split_first()
            && *seq == i64::from(state.pin().head_seq)
            && *first == head
        {
            for (_, text) in later {
                state.apply(&stored(team_id, text)?).map_err(replay_error)?;
            }
            return Ok(Some(state));
        }
    }
    let entries = load(tx, team_id).await?;
    if entries.is_empty() {
        return Ok(None);
    }
    TeamState::replay_unpinned(team_id, &entries)
        .map(Some)
        .map_err(replay_error)
}

/// A stored entry, parsed.
fn stored(team_id: &str, text: &str) -> Result<Entry, ApiError> {
    Entry::from_base64(text).map_err(|e| {
        ApiError::Internal(format!("team {team_id}: stored log entry unreadable: {e}"))
    })
}

/// Parses a request's `log_entry` field (a 400 that names the field when it is malformed).
fn parse(text: &str) -> Result<Entry, ApiError> {
    if text.len() > 4096 {
        return Err(ApiError::BadRequest(
            "log_entry is longer than a membership log entry can be".into(),
        ));
    }
    Entry::from_base64(text).map_err(|e| ApiError::BadRequest(format!("log_entry: {e}")))
}

/// The whole log of `team_id`, oldest first (empty for a team that has none).
async fn load(tx: &mut Tx, team_id: &str) -> Result<Vec<Entry>, ApiError> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT entry FROM team_log WHERE team_id = $1 ORDER BY seq")
            .bind(team_id)
            .fetch_all(&mut **tx)
            .await?;
    rows.iter().map(|text| stored(team_id, text)).collect()
}

async fn insert(tx: &mut Tx, team_id: &str, entry: &Entry, now: i64) -> Result<(), ApiError> {
    let inserted = sqlx::query(
        "INSERT INTO team_log (team_id, seq, entry, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(team_id)
    .bind(i64::from(entry.seq()))
    .bind(entry.to_base64())
    .bind(now)
    .execute(&mut **tx)
    .await;
    super::unique(
        inserted,
        "log_changed",
        "the team's membership changed meanwhile; reload the team and try again",
    )?;
    Ok(())
}

/// Whether `keys` are the caller's registered public keys (what her `create` or `join`
/// entry must carry).
async fn are_registered_keys(
    tx: &mut Tx,
    user_id: &str,
    keys: &SignedPublicKeys,
) -> Result<bool, ApiError> {
    let stored: String = sqlx::query_scalar("SELECT public_keys FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(ApiError::NotFound)?;
    let stored = SignedPublicKeys::from_base64(&stored).map_err(|e| {
        ApiError::Internal(format!(
            "user {user_id}: stored public keys unreadable: {e}"
        ))
    })?;
    Ok(stored.to_bytes() == keys.to_bytes())
}

fn mismatch(what: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "log_entry does not match the request: {what}; sign the entry for this change"
    ))
}

/// Appends entry 0 of a new team (inside the transaction that creates it).
pub(crate) async fn append_genesis(
    tx: &mut Tx,
    team_id: &str,
    creator_id: &str,
    entry: &str,
    now: i64,
) -> Result<(), ApiError> {
    let entry = &parse(entry)?;
    if entry.signer_id() != creator_id {
        return Err(mismatch("it is not signed by you"));
    }
    let Action::Create { keys } = entry.action() else {
        return Err(mismatch("a new team's first entry must be a `create`"));
    };
    if !are_registered_keys(tx, creator_id, keys).await? {
        return Err(mismatch("it carries other keys than your account's"));
    }
    TeamState::replay_unpinned(team_id, std::slice::from_ref(entry))
        .map_err(|e| ApiError::BadRequest(format!("log_entry: {e}")))?;
    insert(tx, team_id, entry, now).await
}

/// Appends one more entry to `team_id`'s log (the team row is locked by the caller's
/// transaction). `expected` checks that the entry's action is the request's change.
pub(crate) async fn append(
    tx: &mut Tx,
    cache: &LogCache,
    team_id: &str,
    signer_id: &str,
    entry: &str,
    now: i64,
    expected: impl FnOnce(&Action) -> Result<(), &'static str>,
) -> Result<TeamState, ApiError> {
    let entry = &parse(entry)?;
    let Some(mut state) = current(tx, cache, team_id).await? else {
        return Err(ApiError::conflict(
            "no_membership_log",
            "this team was made before Signet signed its membership and has no log; move its \
             credentials to a new team",
        ));
    };
    if entry.signer_id() != signer_id {
        return Err(mismatch("it is not signed by you"));
    }
    if entry.seq() != state.pin().head_seq.saturating_add(1) {
        return Err(ApiError::conflict(
            "log_changed",
            format!(
                "the team's membership log is at entry {}, and this change was signed for \
                 entry {}: the team changed meanwhile; reload it and try again",
                state.pin().head_seq,
                entry.seq()
            ),
        ));
    }
    expected(entry.action()).map_err(mismatch)?;
    if let Action::Join { keys, .. } = entry.action()
        && !are_registered_keys(tx, signer_id, keys).await?
    {
        return Err(mismatch("it carries other keys than your account's"));
    }
    state
        .apply(entry)
        .map_err(|e| ApiError::BadRequest(format!("log_entry is refused: {e}")))?;
    insert(tx, team_id, entry, now).await?;
    cache.put(
        team_id,
        Verified {
            state: state.clone(),
            head: entry.to_base64(),
        },
    );
    Ok(state)
}

impl Store {
    /// `team_id`'s log as stored (base64url entries, oldest first).
    pub async fn team_log(&self, team_id: &str) -> Result<Vec<String>, ApiError> {
        Ok(
            sqlx::query_scalar("SELECT entry FROM team_log WHERE team_id = $1 ORDER BY seq")
                .bind(team_id)
                .fetch_all(&self.read)
                .await?,
        )
    }
}
