//! Teams: create, fetch the team key, invite and join, remove members and rotate the key.

use signet_core::{
    vault::{
        ecies::{EciesContext, EciesWrappedTeamKey},
        invite::{InviteSecret, InviteWrappedTeamKey},
        item::WrappedItemKey,
        keypair::{SignedPublicKeys, VerifiedPublicKeys},
        rotation::{RotationItem, RotationMember, Rotator, rotate_team_key},
        team_key::{SelfWrappedTeamKey, TeamKey},
    },
    wire::{
        Role,
        team::{
            AcceptInviteRequest, CreateInviteRequest, CreateTeamRequest, InviteInfo, InvitePreview,
            InviteTokenRequest, ItemKeyUpdate, MemberInfo, MemberKey, MyTeamKey, RotationRequest,
            StoreTeamKeyRequest, TeamInfo, TeamKeyWrapKind,
        },
    },
};
use zeroize::Zeroizing;

use crate::{Session, http::ClientError};

/// A random UUID (v4), for the ids the client chooses (teams, credentials, invitations).
pub fn new_id() -> Result<String, ClientError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| ClientError::Protocol(format!("random: {e}")))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// An invitation link's parts: the id (in the path) and the secret (in the fragment).
#[derive(Debug)]
pub struct InviteLink {
    /// The invitation id.
    pub id: String,
    /// The secret for the fragment.
    pub secret: InviteSecret,
}

impl InviteLink {
    /// `{base}/invite/{id}#{secret}`: the one place the secret is written out.
    pub fn dangerously_to_url(&self, base: &str) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "{}/invite/{}#{}",
            base.trim_end_matches('/'),
            self.id,
            self.secret.dangerously_to_fragment().as_str()
        ))
    }
}

fn verified(member: &MemberInfo) -> Result<VerifiedPublicKeys, ClientError> {
    Ok(SignedPublicKeys::from_base64(&member.public_keys)?.verify()?)
}

impl Session {
    /// Creates a team: a fresh team key (version 1) wrapped for the caller.
    pub async fn create_team(&self, name: &str) -> Result<(TeamInfo, TeamKey), ClientError> {
        let id = new_id()?;
        let key = TeamKey::generate_first()?;
        let wrap = key.wrap_for_self(&self.account.user_key, &id)?;
        let info: TeamInfo = self
            .api
            .post(
                "/teams",
                &CreateTeamRequest {
                    id,
                    name: name.to_owned(),
                    self_wrapped_team_key: wrap.to_base64(),
                },
            )
            .await?;
        Ok((info, key))
    }

    /// The caller's teams.
    pub async fn teams(&self) -> Result<Vec<TeamInfo>, ClientError> {
        self.api.get("/teams").await
    }

    /// A team's members.
    pub async fn members(&self, team_id: &str) -> Result<Vec<MemberInfo>, ClientError> {
        self.api.get(&format!("/teams/{team_id}/members")).await
    }

    /// The team's current key. A key an admin sent during a rotation (ECIES, signed) is
    /// verified against the sender's published signing key, opened, and stored back as a
    /// self-wrap.
    pub async fn team_key(&self, team_id: &str) -> Result<TeamKey, ClientError> {
        let mine: MyTeamKey = self.api.get(&format!("/teams/{team_id}/key")).await?;
        match mine.kind {
            TeamKeyWrapKind::SelfWrap => Ok(SelfWrappedTeamKey::from_base64(&mine.wrapped)?
                .open(&self.account.user_key, team_id)?),
            TeamKeyWrapKind::Ecies => {
                let sender_id = mine.sender_id.ok_or_else(|| {
                    ClientError::Protocol("an ECIES team key without its sender".into())
                })?;
                let sender = self
                    .members(team_id)
                    .await?
                    .into_iter()
                    .find(|m| m.user_id == sender_id)
                    .ok_or_else(|| {
                        ClientError::Protocol(
                            "the admin who rotated the team key is no longer a member".into(),
                        )
                    })?;
                let ctx = EciesContext {
                    team_id,
                    sender_id: &sender_id,
                    recipient_id: &self.user.id,
                };
                let key = EciesWrappedTeamKey::from_base64(&mine.wrapped)?.open(
                    &self.account.key_pair,
                    verified(&sender)?.signing_key(),
                    &ctx,
                )?;
                let wrap = key.wrap_for_self(&self.account.user_key, team_id)?;
                let _: () = self
                    .api
                    .put(
                        &format!("/teams/{team_id}/key"),
                        &StoreTeamKeyRequest {
                            key_version: key.version(),
                            self_wrapped_team_key: wrap.to_base64(),
                        },
                    )
                    .await?;
                Ok(key)
            }
        }
    }

    /// Makes an invitation link for `role` (admins).
    pub async fn invite(
        &self,
        team_id: &str,
        key: &TeamKey,
        role: Role,
    ) -> Result<(InviteInfo, InviteLink), ClientError> {
        let id = new_id()?;
        let secret = InviteSecret::generate()?;
        let wrapped = secret.wrap_team_key(key, team_id, &id)?;
        let info: InviteInfo = self
            .api
            .post(
                &format!("/teams/{team_id}/invites"),
                &CreateInviteRequest {
                    id: id.clone(),
                    role,
                    expires_in_days: None,
                    token: secret.token()?,
                    wrapped_team_key: wrapped.to_base64(),
                    key_version: key.version(),
                    note: None,
                },
            )
            .await?;
        Ok((info, InviteLink { id, secret }))
    }

    /// Joins a team with an invitation link's id and secret: unwraps the team key with the
    /// secret and stores it wrapped under the caller's own user key.
    pub async fn accept_invite(
        &self,
        link: &InviteLink,
    ) -> Result<(TeamInfo, TeamKey), ClientError> {
        let token = link.secret.token()?;
        let preview: InvitePreview = self
            .api
            .post(
                &format!("/invites/{}/preview", link.id),
                &InviteTokenRequest {
                    token: token.clone(),
                },
            )
            .await?;
        let key = InviteWrappedTeamKey::from_base64(&preview.wrapped_team_key)?.open(
            &link.secret,
            &preview.team_id,
            &link.id,
        )?;
        let wrap = key.wrap_for_self(&self.account.user_key, &preview.team_id)?;
        let info: TeamInfo = self
            .api
            .post(
                &format!("/invites/{}/accept", link.id),
                &AcceptInviteRequest {
                    token,
                    self_wrapped_team_key: wrap.to_base64(),
                },
            )
            .await?;
        Ok((info, key))
    }

    /// Rotates the team key (admins, after removing a member): re-wraps every credential's
    /// item key and sends the new key to every remaining member, signed.
    pub async fn rotate_team_key(
        &self,
        team_id: &str,
        current: &TeamKey,
    ) -> Result<TeamKey, ClientError> {
        let members: Vec<MemberInfo> = self
            .members(team_id)
            .await?
            .into_iter()
            .filter(|m| m.user_id != self.user.id)
            .collect();
        let keys = members
            .iter()
            .map(verified)
            .collect::<Result<Vec<_>, _>>()?;
        let mut credentials = self.credentials(team_id, false).await?;
        credentials.extend(self.credentials(team_id, true).await?);
        let wrapped = credentials
            .iter()
            .map(|c| {
                let text = c.wrapped_key.as_deref().ok_or_else(|| {
                    ClientError::Protocol("credential without its wrapped key".into())
                })?;
                Ok(WrappedItemKey::from_base64(text)?)
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        let items: Vec<RotationItem<'_>> = credentials
            .iter()
            .zip(&wrapped)
            .map(|(c, w)| RotationItem {
                item_id: &c.id,
                wrapped_key: w,
            })
            .collect();
        let rotation_members: Vec<RotationMember<'_>> = members
            .iter()
            .zip(&keys)
            .map(|(m, k)| RotationMember {
                user_id: &m.user_id,
                public_keys: k,
            })
            .collect();
        let rotator = Rotator {
            user_id: &self.user.id,
            user_key: &self.account.user_key,
            key_pair: &self.account.key_pair,
        };
        let rotation = rotate_team_key(&rotator, team_id, current, &items, &rotation_members)?;
        let _: TeamInfo = self
            .api
            .post(
                &format!("/teams/{team_id}/rotation"),
                &RotationRequest {
                    from_version: current.version(),
                    self_wrapped_team_key: rotation.self_wrap.to_base64(),
                    member_keys: rotation
                        .member_wraps
                        .iter()
                        .map(|(user_id, w)| MemberKey {
                            user_id: user_id.clone(),
                            wrapped: w.to_base64(),
                        })
                        .collect(),
                    item_keys: rotation
                        .item_keys
                        .iter()
                        .map(|(id, w)| ItemKeyUpdate {
                            credential_id: id.clone(),
                            wrapped_key: w.to_base64(),
                        })
                        .collect(),
                },
            )
            .await?;
        Ok(rotation.team_key)
    }
}
