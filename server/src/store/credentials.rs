//! Credentials: metadata, sealed payloads, revisions, trash.

use signet_core::wire::credential::{
    CredentialInfo, CredentialKind, CredentialPayload, CredentialUse, IN_USE_CODE,
    UpdateCredentialRequest,
};
use signet_core::wire::robot::RobotGrantKind;
use sqlx::{Row, any::AnyRow};

use super::{
    Owned, Store,
    audit::{self, Actor, Record},
    team_owns,
    teams::{lock_team, version},
};
use crate::ApiError;

/// The credential columns a payload read needs, `p_`-prefixed so they can share a row with a
/// session's and a team's columns ([`Store::session_in_team`]); read by [`payload_from_row`].
macro_rules! payload_columns {
    () => {
        "c.id AS p_id, c.kind AS p_kind, c.label AS p_label, c.revision AS p_revision, \
         c.key_version AS p_key_version, c.wrapped_key AS p_wrapped_key, c.payload AS p_payload"
    };
}
pub(super) use payload_columns;

/// A live credential's sealed payload as read, before the read is recorded and served.
#[derive(Clone)]
pub struct SealedRow {
    id: String,
    kind: CredentialKind,
    label: String,
    revision: i64,
    key_version: u32,
    wrapped_key: String,
    payload: String,
}

impl std::fmt::Debug for SealedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedRow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// The [`payload_columns`] of `r`; `None` when the (left-joined) credential was not there.
pub(super) fn payload_from_row(r: &AnyRow) -> Result<Option<SealedRow>, ApiError> {
    let Some(id) = r.try_get::<Option<String>, _>("p_id")? else {
        return Ok(None);
    };
    let kind: String = r.try_get("p_kind")?;
    Ok(Some(SealedRow {
        id,
        kind: CredentialKind::parse(&kind)
            .ok_or_else(|| ApiError::Internal(format!("bad kind {kind:?}")))?,
        label: r.try_get("p_label")?,
        revision: r.try_get("p_revision")?,
        key_version: version(r.try_get("p_key_version")?)?,
        wrapped_key: r.try_get("p_wrapped_key")?,
        payload: r.try_get("p_payload")?,
    }))
}

/// A new credential as stored.
#[derive(Debug, Clone)]
pub struct NewCredential<'a> {
    /// Client-chosen UUID.
    pub id: &'a str,
    /// The team.
    pub team_id: &'a str,
    /// Kind.
    pub kind: CredentialKind,
    /// Label.
    pub label: &'a str,
    /// Metadata JSON text.
    pub metadata: &'a str,
    /// Signature over it.
    pub metadata_signature: &'a str,
    /// Team key version.
    pub key_version: i64,
    /// Wrapped item key.
    pub wrapped_key: &'a str,
    /// Sealed payload.
    pub payload: &'a str,
}

macro_rules! info_columns {
    () => {
        "c.id, c.team_id, c.kind, c.label, c.metadata, c.metadata_signature, c.author_id, \
    c.revision, c.created_by, u.email, c.created_at, c.updated_at, c.deleted_at, c.key_version, c.wrapped_key"
    };
}

fn info_from_row(r: &AnyRow, with_key: bool) -> Result<CredentialInfo, ApiError> {
    let kind: String = r.try_get("kind")?;
    Ok(CredentialInfo {
        id: r.try_get("id")?,
        team_id: r.try_get("team_id")?,
        kind: CredentialKind::parse(&kind)
            .ok_or_else(|| ApiError::Internal(format!("bad kind {kind:?}")))?,
        label: r.try_get("label")?,
        metadata: r.try_get("metadata")?,
        metadata_signature: r.try_get("metadata_signature")?,
        author_id: r.try_get("author_id")?,
        revision: r.try_get("revision")?,
        created_by: r.try_get("created_by")?,
        created_by_email: r.try_get("email")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        deleted_at: r.try_get("deleted_at")?,
        key_version: version(r.try_get("key_version")?)?,
        wrapped_key: if with_key {
            Some(r.try_get("wrapped_key")?)
        } else {
            None
        },
        in_use: Vec::new(),
    })
}

/// What [`Store::trash_credential`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trash {
    /// To the trash, unless an app uses it (409 `credential_in_use`, naming each use).
    IfUnused,
    /// To the trash even though apps use it (the caller confirmed).
    EvenIfUsed,
    /// Out of the trash.
    Restore,
}

/// The slots of the team's apps that hold credential `id`, defaults first.
async fn uses<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    team_id: &str,
    id: &str,
) -> Result<Vec<CredentialUse>, ApiError> {
    let rows = sqlx::query(
        "SELECT a.app_id, p.name, a.platform, a.profile, a.target, a.is_default \
         FROM assignments a JOIN apps p ON p.id = a.app_id \
         WHERE a.credential_id = $1 AND p.team_id = $2 \
         ORDER BY a.is_default DESC, p.name, a.platform, a.profile, a.target",
    )
    .bind(id)
    .bind(team_id)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CredentialUse {
                app_id: r.try_get("app_id")?,
                app_name: r.try_get("name")?,
                platform: r.try_get("platform")?,
                profile: r.try_get("profile")?,
                target: r.try_get("target")?,
                is_default: r.try_get::<i64, _>("is_default")? != 0,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The 409 for trashing a credential that apps use, naming each use.
fn in_use(uses: &[CredentialUse]) -> ApiError {
    let names: Vec<String> = uses.iter().map(CredentialUse::describe).collect();
    let defaults = uses.iter().filter(|u| u.is_default).count();
    ApiError::conflict(
        IN_USE_CODE,
        format!(
            "this credential is in use: {}. {}Assign another one first, or confirm to move it \
             to the trash anyway",
            names.join("; "),
            if defaults > 0 {
                "Builds of the slots it is the default of would have none. "
            } else {
                ""
            }
        ),
    )
}

async fn check_key_version(
    tx: &mut super::Tx,
    team_id: &str,
    key_version: i64,
) -> Result<(), ApiError> {
    let team = lock_team(tx, team_id).await?;
    if team.key_version != key_version {
        return Err(ApiError::conflict(
            "key_version_changed",
            format!(
                "the team key is now version {}, not {key_version}; reload the team key and encrypt again",
                team.key_version
            ),
        ));
    }
    Ok(())
}

/// A credential as `tx` sees it: what a write answers with, read before the commit so it is
/// exactly this write (a read after the commit may already see the next writer's change, and
/// a client told that later revision would overwrite a change it never saw).
async fn written(tx: &mut super::Tx, team_id: &str, id: &str) -> Result<CredentialInfo, ApiError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        info_columns!(),
        " FROM credentials c JOIN users u ON u.id = c.created_by WHERE c.id = $1 AND c.team_id = $2"
    ))
    .bind(id)
    .bind(team_id)
    .fetch_one(&mut **tx)
    .await?;
    info_from_row(&row, true)
}

impl Store {
    /// Stores a new credential at revision 1 and returns it (with its wrapped key).
    pub async fn create_credential(
        &self,
        c: &NewCredential<'_>,
        actor: &Actor,
        now: i64,
    ) -> Result<CredentialInfo, ApiError> {
        let author = actor.user_id.as_deref().unwrap_or_default();
        let mut tx = self.begin().await?;
        check_key_version(&mut tx, c.team_id, c.key_version).await?;
        let inserted = sqlx::query(
            "INSERT INTO credentials (id, team_id, kind, label, metadata, metadata_signature, author_id, \
             key_version, wrapped_key, payload, revision, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $7, $11, $11)",
        )
        .bind(c.id)
        .bind(c.team_id)
        .bind(c.kind.as_str())
        .bind(c.label)
        .bind(c.metadata)
        .bind(c.metadata_signature)
        .bind(author)
        .bind(c.key_version)
        .bind(c.wrapped_key)
        .bind(c.payload)
        .bind(now)
        .execute(&mut *tx)
        .await;
        super::unique(
            inserted,
            "already_exists",
            "a credential with this id already exists; generate a new id",
        )?;
        audit::append(
            &mut tx,
            actor,
            Record {
                team_id: Some(c.team_id),
                action: "credential.created",
                target_type: "credential",
                target_id: c.id,
                detail: format!("{} \"{}\"", c.kind.as_str(), c.label),
            },
            now,
        )
        .await?;
        let info = written(&mut tx, c.team_id, c.id).await?;
        tx.commit().await?;
        Ok(info)
    }

    /// A page of a team's credentials (metadata), newest first; the trash instead when
    /// `deleted`. `after` is the (created_at, id) of the previous page's last entry.
    pub async fn credentials(
        &self,
        team_id: &str,
        deleted: bool,
        with_keys: bool,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<CredentialInfo>, ApiError> {
        let (at, id) = after.unwrap_or((i64::MAX, String::new()));
        // Newest first; ties on the second broken by id, descending, matching the index.
        let rows = sqlx::query(concat!(
            "SELECT ",
            info_columns!(),
            " FROM credentials c JOIN users u ON u.id = c.created_by \
             WHERE c.team_id = $1 AND (c.deleted_at IS NULL) = $2 \
             AND (c.created_at, c.id) < ($3, $4) \
             ORDER BY c.created_at DESC, c.id DESC LIMIT $5"
        ))
        .bind(team_id)
        .bind(!deleted)
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| info_from_row(r, with_keys)).collect()
    }

    /// One credential's metadata (trashed or not).
    pub async fn credential(
        &self,
        team_id: &str,
        id: &str,
        with_key: bool,
    ) -> Result<CredentialInfo, ApiError> {
        let row = sqlx::query(concat!("SELECT ", info_columns!(), " FROM credentials c JOIN users u ON u.id = c.created_by WHERE c.id = $1 AND c.team_id = $2"))
        .bind(id)
        .bind(team_id)
        .fetch_optional(&self.read)
        .await?
        .ok_or(ApiError::NotFound)?;
        let mut info = info_from_row(&row, with_key)?;
        info.in_use = uses(&self.read, team_id, id).await?;
        Ok(info)
    }

    /// A credential's sealed payload, recording the read in the audit log (same transaction:
    /// no read without its record).
    pub async fn read_payload(
        &self,
        team_id: &str,
        id: &str,
        robot_id: Option<&str>,
        actor: &Actor,
        now: i64,
    ) -> Result<CredentialPayload, ApiError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            payload_columns!(),
            ", g.wrapped_key AS robot_key, g.kind AS robot_kind, g.sender_id AS robot_sender \
             FROM credentials c LEFT JOIN robot_grants g ON g.credential_id = c.id AND g.robot_id = $3 \
             WHERE c.id = $1 AND c.team_id = $2 AND c.deleted_at IS NULL"
        ))
        .bind(id)
        .bind(team_id)
        .bind(robot_id.unwrap_or(""))
        .fetch_optional(&self.read)
        .await?
        .ok_or(ApiError::NotFound)?;
        let sealed = payload_from_row(&row)?.ok_or(ApiError::NotFound)?;
        let robot_key: Option<String> = row.try_get("robot_key")?;
        let Some(robot_id) = robot_id else {
            return self.serve_payload(team_id, sealed, actor, now).await;
        };
        let Some(robot_key) = robot_key else {
            return Err(ApiError::OutOfScope(format!(
                "this robot token was not granted credential {id}; ask an admin to make a token that covers it"
            )));
        };
        debug_assert_eq!(actor.robot_id.as_deref(), Some(robot_id));
        let kind: String = row.try_get("robot_kind")?;
        let grant = RobotGrantKind::parse(&kind)
            .ok_or_else(|| ApiError::Internal(format!("bad grant kind {kind:?}")))?;
        let sender: Option<String> = row.try_get("robot_sender")?;
        let mut payload = self.serve_payload(team_id, sealed, actor, now).await?;
        payload.wrapped_key = None;
        payload.robot_wrap_kind = Some(grant);
        payload.robot_wrap_sender = sender;
        payload.robot_wrapped_key = Some(robot_key);
        Ok(payload)
    }

    /// Records the read of `sealed` (read by the caller's own query, for a member in the
    /// same read as their session: see [`Store::session_in_team`]) and, once the record is
    /// durable, hands the payload over, with the member's wrapped item key.
    pub async fn serve_payload(
        &self,
        team_id: &str,
        sealed: SealedRow,
        actor: &Actor,
        now: i64,
    ) -> Result<CredentialPayload, ApiError> {
        self.audit(
            actor,
            Record {
                team_id: Some(team_id),
                action: "credential.payload_read",
                target_type: "credential",
                target_id: &sealed.id,
                detail: format!("{} \"{}\"", sealed.kind.as_str(), sealed.label),
            },
            now,
        )
        .await?;
        Ok(CredentialPayload {
            id: sealed.id,
            kind: sealed.kind,
            revision: sealed.revision,
            key_version: sealed.key_version,
            wrapped_key: Some(sealed.wrapped_key),
            robot_wrap_kind: None,
            robot_wrap_sender: None,
            robot_wrapped_key: None,
            payload: sealed.payload,
        })
    }

    /// Updates a credential only if `revision` is current (else 409, nothing written).
    /// Returns it as this update left it (with its wrapped key).
    pub async fn update_credential(
        &self,
        team_id: &str,
        id: &str,
        req: &UpdateCredentialRequest,
        actor: &Actor,
        now: i64,
    ) -> Result<CredentialInfo, ApiError> {
        let author = actor.user_id.as_deref().unwrap_or_default();
        let mut tx = self.begin().await?;
        if let Some(sealed) = &req.sealed {
            check_key_version(&mut tx, team_id, i64::from(sealed.key_version)).await?;
        }
        let done = match &req.sealed {
            Some(sealed) => sqlx::query(
                "UPDATE credentials SET label = $1, metadata = $2, metadata_signature = $3, author_id = $4, \
                 key_version = $5, wrapped_key = $6, payload = $7, revision = revision + 1, updated_at = $8 \
                 WHERE id = $9 AND team_id = $10 AND revision = $11 AND deleted_at IS NULL",
            )
            .bind(&req.label)
            .bind(&req.metadata)
            .bind(&req.metadata_signature)
            .bind(author)
            .bind(i64::from(sealed.key_version))
            .bind(&sealed.wrapped_key)
            .bind(&sealed.payload)
            .bind(now)
            .bind(id)
            .bind(team_id)
            .bind(req.revision)
            .execute(&mut *tx)
            .await?,
            None => sqlx::query(
                "UPDATE credentials SET label = $1, metadata = $2, metadata_signature = $3, author_id = $4, \
                 revision = revision + 1, updated_at = $5 \
                 WHERE id = $6 AND team_id = $7 AND revision = $8 AND deleted_at IS NULL",
            )
            .bind(&req.label)
            .bind(&req.metadata)
            .bind(&req.metadata_signature)
            .bind(author)
            .bind(now)
            .bind(id)
            .bind(team_id)
            .bind(req.revision)
            .execute(&mut *tx)
            .await?,
        };
        if done.rows_affected() == 0 {
            let current: Option<(i64, Option<i64>)> = sqlx::query_as(
                "SELECT revision, deleted_at FROM credentials WHERE id = $1 AND team_id = $2",
            )
            .bind(id)
            .bind(team_id)
            .fetch_optional(&mut *tx)
            .await?;
            return Err(match current {
                None => ApiError::NotFound,
                Some((_, Some(_))) => ApiError::conflict(
                    "in_trash",
                    "this credential is in the trash; restore it before changing it",
                ),
                Some((revision, None)) => ApiError::conflict(
                    "stale_revision",
                    format!(
                        "someone changed this credential meanwhile (it is at revision {revision}, you sent {}); reload it and apply your change again — nothing was overwritten",
                        req.revision
                    ),
                ),
            });
        }
        audit::append(
            &mut tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "credential.updated",
                target_type: "credential",
                target_id: id,
                detail: format!("\"{}\" revision {}", req.label, req.revision + 1),
            },
            now,
        )
        .await?;
        let info = written(&mut tx, team_id, id).await?;
        tx.commit().await?;
        Ok(info)
    }

    /// Moves to the trash (`true`) or restores (`false`).
    pub async fn trash_credential(
        &self,
        team_id: &str,
        id: &str,
        trash: Trash,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        if trash == Trash::IfUnused {
            let uses = uses(&mut *tx, team_id, id).await?;
            if !uses.is_empty() {
                return Err(in_use(&uses));
            }
        }
        let trash = trash != Trash::Restore;
        let done = if trash {
            sqlx::query("UPDATE credentials SET deleted_at = $1, updated_at = $1 WHERE id = $2 AND team_id = $3 AND deleted_at IS NULL")
                .bind(now)
                .bind(id)
                .bind(team_id)
                .execute(&mut *tx)
                .await?
        } else {
            sqlx::query("UPDATE credentials SET deleted_at = NULL, updated_at = $1 WHERE id = $2 AND team_id = $3 AND deleted_at IS NOT NULL")
                .bind(now)
                .bind(id)
                .bind(team_id)
                .execute(&mut *tx)
                .await?
        };
        if done.rows_affected() == 0 {
            let exists: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT deleted_at FROM credentials WHERE id = $1 AND team_id = $2",
            )
            .bind(id)
            .bind(team_id)
            .fetch_optional(&mut *tx)
            .await?;
            return Err(match exists {
                None => ApiError::NotFound,
                Some(_) if trash => {
                    ApiError::conflict("in_trash", "this credential is already in the trash")
                }
                Some(_) => {
                    ApiError::conflict("not_in_trash", "this credential is not in the trash")
                }
            });
        }
        let subject = described(&mut tx, id).await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: if trash {
                    "credential.deleted"
                } else {
                    "credential.restored"
                },
                target_type: "credential",
                target_id: id,
                detail: subject,
            },
            now,
        )
        .await
    }

    /// Deletes a trashed credential for good (assignments and robot grants go with it).
    pub async fn purge_credential(
        &self,
        team_id: &str,
        id: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        // Kept in the audit entry: the alert for a purge names what is gone.
        let described: Option<(String, String)> = sqlx::query_as(
            "SELECT kind, label FROM credentials WHERE id = $1 AND team_id = $2 AND deleted_at IS NOT NULL",
        )
        .bind(id)
        .bind(team_id)
        .fetch_optional(&mut *tx)
        .await?;
        let done = sqlx::query(
            "DELETE FROM credentials WHERE id = $1 AND team_id = $2 AND deleted_at IS NOT NULL",
        )
        .bind(id)
        .bind(team_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(
                if team_owns(&mut tx, Owned::Credential, team_id, id).await? {
                    ApiError::conflict(
                        "not_in_trash",
                        "move the credential to the trash before purging it",
                    )
                } else {
                    ApiError::NotFound
                },
            );
        }
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "credential.purged",
                target_type: "credential",
                target_id: id,
                detail: described
                    .map(|(kind, label)| format!("{kind} \"{label}\""))
                    .unwrap_or_default(),
            },
            now,
        )
        .await
    }
}

/// `kind "label"`: a credential as its audit entries name it.
async fn described(tx: &mut super::Tx, id: &str) -> Result<String, ApiError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT kind, label FROM credentials WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map_or_else(String::new, |(kind, label)| format!("{kind} \"{label}\"")))
}
