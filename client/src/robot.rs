//! Robot (CI) tokens: admins make them (granting item keys), CI reads with them.

use signet_core::{
    vault::{
        item::{ItemContext, SealedPayload, WrappedItemKey},
        robot::{RobotToken, RobotWrappedItemKey},
        team_key::TeamKey,
    },
    wire::{
        credential::{CredentialInfo, CredentialPayload},
        robot::{CreateRobotRequest, RobotGrant, RobotInfo},
    },
};
use zeroize::Zeroizing;

use crate::{
    SCHEMA_VERSION, Session,
    http::{Api, Auth, ClientError},
};

impl Session {
    /// Makes a robot token scoped to `app_ids`, granted the listed credentials (their item
    /// keys are unwrapped here and re-wrapped under the token's grant key).
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
        let grants = credentials
            .iter()
            .map(|c| {
                let wrapped = c.wrapped_key.as_deref().ok_or_else(|| {
                    ClientError::Protocol("credential without its wrapped key".into())
                })?;
                let item_key = WrappedItemKey::from_base64(wrapped)?.open(key, team_id, &c.id)?;
                Ok(RobotGrant {
                    credential_id: c.id.clone(),
                    wrapped_key: token.grant(&item_key, team_id, &c.id)?.to_base64(),
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
                },
            )
            .await?;
        Ok((info, token))
    }
}

/// A CI job reading with a robot token.
#[derive(Debug, Clone)]
pub struct RobotSession {
    /// The server, authenticated as the token.
    pub api: Api,
    token_text: Zeroizing<String>,
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
        })
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
        let item_key = RobotWrappedItemKey::from_base64(wrapped)?.open(&token, team_id, id)?;
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
