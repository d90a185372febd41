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

use signet_core::vault::{
    keypair::SignedPublicKeys,
    membership::{Action, Entry, TeamState},
};

use super::{Store, Tx};
use crate::ApiError;

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
    rows.iter()
        .map(|text| {
            Entry::from_base64(text).map_err(|e| {
                ApiError::Internal(format!("team {team_id}: stored log entry unreadable: {e}"))
            })
        })
        .collect()
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
    team_id: &str,
    signer_id: &str,
    entry: &str,
    now: i64,
    expected: impl FnOnce(&Action) -> Result<(), &'static str>,
) -> Result<TeamState, ApiError> {
    let entry = &parse(entry)?;
    let entries = load(tx, team_id).await?;
    if entries.is_empty() {
        return Err(ApiError::conflict(
            "no_membership_log",
            "this team was made before Signet signed its membership and has no log; move its \
             credentials to a new team",
        ));
    }
    let mut state = TeamState::replay_unpinned(team_id, &entries).map_err(|e| {
        ApiError::Internal(format!("team {team_id}: stored log does not replay: {e}"))
    })?;
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
