//! Robot (CI) tokens: admins make them, whoever assigns a credential wraps it for them, CI
//! reads with them.
//!
//! A token made here has a **card** (its public key and app scope, signed by the admin who
//! made it) and an **anchor** (the team's log pin sealed under its secret): see
//! [`signet_core::vault::robot`]. [`Session::assign`] wraps every assigned item key for the
//! tokens in the app's scope after verifying their cards against the team's signed log, so
//! a token follows what its apps use now; [`RobotSession`] verifies the log from its anchor
//! and accepts only wraps signed by a developer or higher there.

use std::sync::{Arc, Mutex};

use signet_core::{
    vault::{
        item::{ItemContext, SealedPayload, WrappedItemKey},
        membership::TeamState,
        robot::{
            RobotAnchor, RobotEciesItemKey, RobotToken, RobotWrapContext, RobotWrappedItemKey,
            grants_for_robots, open_ecies_grant,
        },
        team_key::TeamKey,
    },
    wire::{
        app::{AssignRequest, Assignment},
        credential::{CredentialInfo, CredentialPayload},
        robot::{
            CreateRobotRequest, RobotCardInfo, RobotGrant, RobotGrantKind, RobotInfo, RobotWhoami,
        },
        team::TeamLog,
    },
};
use zeroize::Zeroizing;

use crate::{
    SCHEMA_VERSION, Session,
    http::{Api, Auth, ClientError},
    trust::parse_log,
};

/// How often an assignment is retried when a robot token appeared in the app's scope
/// between listing the cards and assigning.
const ASSIGN_RETRIES: usize = 3;

impl Session {
    /// Makes a robot token scoped to `app_ids`: its card (signed by the caller, who must be
    /// an admin in the team's signed log), its anchor (the caller's verified pin), and a
    /// signed ECIES wrap of each listed credential's item key.
    pub async fn create_robot(
        &self,
        team_id: &str,
        key: &TeamKey,
        name: &str,
        app_ids: &[String],
        credentials: &[CredentialInfo],
        expires_at: i64,
    ) -> Result<(RobotInfo, RobotToken), ClientError> {
        let mut raw = [0u8; 10];
        getrandom::fill(&mut raw).map_err(|e| ClientError::Protocol(format!("random: {e}")))?;
        let id: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let token = RobotToken::generate(&id)?;
        let state = self.verified_team(team_id).await?;
        let created_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let card = token.card(
            &self.user.id,
            &self.account.key_pair,
            team_id,
            app_ids,
            created_at,
        )?;
        // The creator checks her own card as every assigner will (it also proves she is an
        // admin in the log, not only in the server's tables).
        let robot = card.verify(&state)?;
        let anchor = token.seal_anchor(&state.pin(), team_id)?;
        let grants = credentials
            .iter()
            .map(|c| {
                let wrapped = c.wrapped_key.as_deref().ok_or_else(|| {
                    ClientError::Protocol("credential without its wrapped key".into())
                })?;
                let item_key = WrappedItemKey::from_base64(wrapped)?.open(key, team_id, &c.id)?;
                let ctx = RobotWrapContext {
                    team_id,
                    item_id: &c.id,
                    robot_id: &id,
                    sender_id: &self.user.id,
                };
                Ok(RobotGrant {
                    credential_id: c.id.clone(),
                    wrapped_key: RobotEciesItemKey::seal(
                        &self.account.key_pair,
                        &robot,
                        &ctx,
                        &item_key,
                    )?
                    .to_base64(),
                    kind: RobotGrantKind::Ecies,
                })
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        let info: RobotInfo = self
            .api
            .post(
                &format!("/teams/{team_id}/robots"),
                &CreateRobotRequest {
                    id,
                    name: name.to_owned(),
                    app_ids: app_ids.to_vec(),
                    expires_at,
                    auth_half: token.auth_half()?,
                    grants,
                    card: Some(card.to_base64()),
                    anchor: Some(anchor.to_base64()),
                },
            )
            .await?;
        Ok((info, token))
    }

    /// The cards of the live robot tokens scoped to an app (not yet verified).
    pub async fn robot_cards(
        &self,
        team_id: &str,
        app_id: &str,
    ) -> Result<Vec<RobotCardInfo>, ClientError> {
        self.api
            .get(&format!("/teams/{team_id}/apps/{app_id}/robots"))
            .await
    }

    /// Puts a credential in a slot of an app, wrapping its item key (unwrapped with `key`)
    /// for every robot token in the app's scope whose card verifies against the team's
    /// signed log. A card that does not verify stops the assignment with an error that
    /// names the token; nothing is assigned.
    pub async fn assign(
        &self,
        team_id: &str,
        app_id: &str,
        key: &TeamKey,
        request: &AssignRequest,
    ) -> Result<Vec<Assignment>, ClientError> {
        self.assign_with(team_id, app_id, Some(key), request).await
    }

    /// [`Session::assign`] that fetches (and checks) the team key only when the app has
    /// robot tokens to wrap for, if `key` is `None`.
    pub async fn assign_with(
        &self,
        team_id: &str,
        app_id: &str,
        key: Option<&TeamKey>,
        request: &AssignRequest,
    ) -> Result<Vec<Assignment>, ClientError> {
        let path = format!("/teams/{team_id}/apps/{app_id}/assignments");
        let mut request = request.clone();
        let mut attempt = 0;
        loop {
            let cards = self.robot_cards(team_id, app_id).await?;
            request.robot_grants = if cards.is_empty() {
                Vec::new()
            } else {
                let (key, state) = match key {
                    Some(key) => (key.clone(), self.verified_team(team_id).await?),
                    None => self.team_key_and_state(team_id).await?,
                };
                let info = self.api.credential(team_id, &request.credential_id).await?;
                let wrapped = info.wrapped_key.as_deref().ok_or_else(|| {
                    ClientError::Protocol("credential without its wrapped key".into())
                })?;
                let item_key =
                    WrappedItemKey::from_base64(wrapped)?.open(&key, team_id, &info.id)?;
                grants_for_robots(
                    &state,
                    app_id,
                    &cards,
                    &self.user.id,
                    &self.account.key_pair,
                    &info.id,
                    &item_key,
                )?
            };
            match self.api.put(&path, &request).await {
                Err(e) if e.code() == Some("robot_grants_missing") && attempt < ASSIGN_RETRIES => {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// A CI job reading with a robot token.
#[derive(Debug, Clone)]
pub struct RobotSession {
    /// The server, authenticated as the token.
    pub api: Api,
    token_text: Zeroizing<String>,
    /// The team's log as verified from the token's anchor (once per session).
    team: Arc<Mutex<Option<TeamState>>>,
}

impl RobotSession {
    /// From the token text (`signet_<id>_<secret>`).
    pub fn new(api: &Api, token_text: &str) -> Result<Self, ClientError> {
        let token = RobotToken::parse(token_text)?;
        Ok(Self {
            api: api.with_auth(Auth::Robot {
                id: token.id().to_owned(),
                auth: token.auth_half()?,
            }),
            token_text: Zeroizing::new(token_text.trim().to_owned()),
            team: Arc::default(),
        })
    }

    /// The team's membership log, verified from the anchor sealed under the token's secret
    /// (which the server cannot forge): who may have signed the token's grants.
    pub async fn verified_team(&self, team_id: &str) -> Result<TeamState, ClientError> {
        if let Some(state) = self
            .team
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .filter(|s| s.team_id() == team_id)
        {
            return Ok(state.clone());
        }
        let token = RobotToken::parse(&self.token_text)?;
        let whoami: RobotWhoami = self.api.get("/robot/whoami").await?;
        let anchor = whoami.anchor.as_deref().ok_or_else(|| {
            ClientError::Vault(signet_core::Error::RobotTrust(
                "this robot token has no anchor in the team's log (it was made before tokens \
                 followed assignments, or the server dropped it), so it cannot check who granted \
                 it a credential; ask an admin for a new token (`signet token create`)"
                    .into(),
            ))
        })?;
        let pin = RobotAnchor::from_base64(anchor)?
            .open(&token, team_id)
            .map_err(|_| {
                ClientError::Vault(signet_core::Error::RobotTrust(
                    "this robot token's anchor does not open with the token: the server's data \
                     was tampered with or belongs to another token; ask an admin for a new token"
                        .into(),
                ))
            })?;
        let log: TeamLog = self.api.get(&format!("/teams/{team_id}/log")).await?;
        let state = TeamState::verify(team_id, &parse_log(&log.entries)?, &pin)?;
        *self
            .team
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(state.clone());
        Ok(state)
    }

    /// Fetches and opens a credential the token was granted.
    pub async fn read_credential(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<(CredentialPayload, Zeroizing<Vec<u8>>), ClientError> {
        let token = RobotToken::parse(&self.token_text)?;
        let p: CredentialPayload = self
            .api
            .get(&format!("/teams/{team_id}/credentials/{id}/payload"))
            .await?;
        let wrapped = p
            .robot_wrapped_key
            .as_deref()
            .ok_or_else(|| ClientError::Protocol("payload without the robot's key".into()))?;
        let item_key = match p.robot_wrap_kind.unwrap_or_default() {
            RobotGrantKind::Sealed => {
                RobotWrappedItemKey::from_base64(wrapped)?.open(&token, team_id, id)?
            }
            RobotGrantKind::Ecies => {
                let sender = p.robot_wrap_sender.as_deref().ok_or_else(|| {
                    ClientError::Protocol("a robot grant without its sender".into())
                })?;
                let state = self.verified_team(team_id).await?;
                open_ecies_grant(&token, &state, sender, wrapped, id)?
            }
        };
        let ctx = ItemContext {
            team_id,
            item_id: id,
            kind: p.kind.as_str(),
            schema_version: SCHEMA_VERSION,
        };
        let plain = SealedPayload::from_base64(&p.payload)?.open(&item_key, &ctx)?;
        Ok((p, plain))
    }
}
