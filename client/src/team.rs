//! Teams: create, fetch the team key, invite and join, change roles, remove members and
//! rotate the key — every membership change signed into the team's membership log.

use signet_core::{
    vault::{
        ecies::{EciesContext, EciesWrappedTeamKey},
        invite::{InviteAnchor, InviteSecret, InviteWrappedTeamKey},
        item::WrappedItemKey,
        keypair::VerifiedPublicKeys,
        membership::{
            Action, Entry, TeamState,
            listing::{Listing, check_member},
        },
        rotation::{RotationItem, RotationMember, Rotator, rotate_team_key},
        team_key::{SelfWrappedTeamKey, TeamKey},
    },
    wire::{
        Role,
        team::{
            AcceptInviteRequest, ChangeRoleRequest, CreateInviteRequest, CreateTeamRequest,
            InviteInfo, InvitePreview, InviteTokenRequest, ItemKeyUpdate, LogEntryRequest,
            MemberInfo, MemberKey, MyTeamKey, RenameTeamRequest, RotationRequest,
            StoreTeamKeyRequest, TeamInfo, TeamKeyWrapKind,
        },
    },
};
use zeroize::Zeroizing;

use crate::{Api, Session, http::ClientError, trust::parse_log};

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
    /// Reads a link as [`InviteLink::dangerously_to_url`] writes it,
    /// `https://host/invite/ID#SECRET`. Says what is wrong with one that is cut short or
    /// damaged, without echoing its secret.
    pub fn parse(url: &str) -> Result<Self, ClientError> {
        let bad = |what: &str| {
            ClientError::BadInviteLink(format!("{what}; copy the whole link the admin sent"))
        };
        let (before, fragment) = url
            .trim()
            .split_once('#')
            .ok_or_else(|| bad("this invitation link has no secret (the part after #)"))?;
        let id = before
            .trim_end_matches('/')
            .rsplit_once("/invite/")
            .map(|(_, id)| id)
            .filter(|id| !id.is_empty() && !id.contains('/'))
            .ok_or_else(|| bad("this is not an invitation link (…/invite/ID#SECRET)"))?;
        let secret = InviteSecret::from_fragment(fragment)
            .map_err(|_| bad("this invitation link's secret is damaged"))?;
        Ok(Self {
            id: id.to_owned(),
            secret,
        })
    }

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

/// A member as the server lists it, checked against the verified log.
#[derive(Debug, Clone)]
pub struct CheckedMember {
    /// What the server says.
    pub info: MemberInfo,
    /// What the log says about it.
    pub check: Listing,
}

fn version_mismatch(offered: u32, state: &TeamState) -> ClientError {
    ClientError::Vault(signet_core::Error::MembershipLog(format!(
        "the server offered team key version {offered}, but the team's signed log is at version \
         {}: refusing it (the server may be compromised; ask your admin)",
        state.key_version()
    )))
}

impl crate::Api {
    /// A team's invitations (admins).
    pub async fn invites(&self, team_id: &str) -> Result<Vec<InviteInfo>, ClientError> {
        self.get(&format!("/teams/{team_id}/invites")).await
    }

    /// What an invitation offers (needs its link's secret): the team, its signed log and
    /// the sealed pin to check it from.
    pub async fn preview_invite(&self, link: &InviteLink) -> Result<InvitePreview, ClientError> {
        self.post(
            &format!("/invites/{}/preview", link.id),
            &InviteTokenRequest {
                token: link.secret.token()?,
            },
        )
        .await
    }
}

impl Session {
    /// Creates a team: a fresh team key (version 1) wrapped for the caller, and entry 0 of
    /// its membership log, pinned in the caller's trust state before the team exists.
    pub async fn create_team(&self, name: &str) -> Result<(TeamInfo, TeamKey), ClientError> {
        let id = new_id()?;
        let key = TeamKey::generate_first()?;
        let wrap = key.wrap_for_self(&self.account.user_key, &id)?;
        let (entry, state) = TeamState::create(&id, &self.user.id, &self.account.key_pair)?;
        self.record_pin(&id, state.pin()).await?;
        let info: TeamInfo = self
            .api
            .post(
                "/teams",
                &CreateTeamRequest {
                    id,
                    name: name.to_owned(),
                    self_wrapped_team_key: wrap.to_base64(),
                    log_entry: entry.to_base64(),
                },
            )
            .await?;
        Ok((info, key))
    }

    /// The caller's teams.
    pub async fn teams(&self) -> Result<Vec<TeamInfo>, ClientError> {
        self.api.get("/teams").await
    }

    /// A team's members as the server lists them (display only: see
    /// [`Session::checked_members`]).
    pub async fn members(&self, team_id: &str) -> Result<Vec<MemberInfo>, ClientError> {
        self.api.get(&format!("/teams/{team_id}/members")).await
    }

    /// A team's members, each checked against the verified membership log.
    pub async fn checked_members(&self, team_id: &str) -> Result<Vec<CheckedMember>, ClientError> {
        let state = self.verified_team(team_id).await?;
        Ok(self
            .members(team_id)
            .await?
            .into_iter()
            .map(|info| CheckedMember {
                check: check_member(&state, &info),
                info,
            })
            .collect())
    }

    /// The team's current key. Accepted only at the version the verified log says is
    /// current; a key an admin sent during a rotation (ECIES) must be signed by the admin
    /// whose `rotate` entry made that version. It is then stored back as a self-wrap.
    pub async fn team_key(&self, team_id: &str) -> Result<TeamKey, ClientError> {
        Ok(self.team_key_and_state(team_id).await?.0)
    }

    /// [`Session::team_key`] and the verified team it was checked against.
    pub async fn team_key_and_state(
        &self,
        team_id: &str,
    ) -> Result<(TeamKey, TeamState), ClientError> {
        let state = self.verified_team(team_id).await?;
        if state.member(&self.user.id).is_none() {
            return Err(ClientError::Vault(signet_core::Error::MembershipLog(
                format!("the team's signed log says you are no longer a member of team {team_id}"),
            )));
        }
        let mine: MyTeamKey = self.api.get(&format!("/teams/{team_id}/key")).await?;
        if mine.key_version != state.key_version() {
            return Err(version_mismatch(mine.key_version, &state));
        }
        let key = match mine.kind {
            TeamKeyWrapKind::SelfWrap => SelfWrappedTeamKey::from_base64(&mine.wrapped)?
                .open(&self.account.user_key, team_id)?,
            TeamKeyWrapKind::Ecies => {
                let sender_id = mine.sender_id.ok_or_else(|| {
                    ClientError::Protocol("an ECIES team key without its sender".into())
                })?;
                let sender = state.rotation_sender(&sender_id)?;
                let ctx = EciesContext {
                    team_id,
                    sender_id: &sender_id,
                    recipient_id: &self.user.id,
                };
                let key = EciesWrappedTeamKey::from_base64(&mine.wrapped)?.open(
                    &self.account.key_pair,
                    sender,
                    &ctx,
                )?;
                if key.version() != state.key_version() {
                    return Err(version_mismatch(key.version(), &state));
                }
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
                key
            }
        };
        if key.version() != state.key_version() {
            return Err(version_mismatch(key.version(), &state));
        }
        Ok((key, state))
    }

    /// Signs `action` as the next entry of the verified log.
    async fn sign_change(
        &self,
        team_id: &str,
        action: Action,
    ) -> Result<(TeamState, Entry), ClientError> {
        let state = self.verified_team(team_id).await?;
        let entry = state.next(&self.user.id, &self.account.key_pair, action)?;
        Ok((state, entry))
    }

    /// After the server took `entry`: the pin moves past it.
    async fn changed(
        &self,
        team_id: &str,
        mut state: TeamState,
        entry: &Entry,
    ) -> Result<TeamState, ClientError> {
        state.apply(entry)?;
        self.record_pin(team_id, state.pin()).await?;
        Ok(state)
    }

    /// Changes a member's role (admins; only owners touch owners), signed into the log.
    pub async fn change_role(
        &self,
        team_id: &str,
        user_id: &str,
        role: Role,
    ) -> Result<(), ClientError> {
        let action = Action::ChangeRole {
            user_id: user_id.to_owned(),
            role,
        };
        let (state, entry) = self.sign_change(team_id, action).await?;
        let _: () = self
            .api
            .patch(
                &format!("/teams/{team_id}/members/{user_id}"),
                &ChangeRoleRequest {
                    role,
                    log_entry: entry.to_base64(),
                },
            )
            .await?;
        self.changed(team_id, state, &entry).await?;
        Ok(())
    }

    /// Removes a member (admins), signed into the log; the team then needs a rotation.
    pub async fn remove_member(&self, team_id: &str, user_id: &str) -> Result<(), ClientError> {
        let action = Action::Remove {
            user_id: user_id.to_owned(),
        };
        let (state, entry) = self.sign_change(team_id, action).await?;
        let _: () = self
            .api
            .delete(
                &format!("/teams/{team_id}/members/{user_id}"),
                Some(&LogEntryRequest {
                    log_entry: entry.to_base64(),
                }),
            )
            .await?;
        self.changed(team_id, state, &entry).await?;
        Ok(())
    }

    /// Leaves a team (not its last owner), signed into the log.
    pub async fn leave_team(&self, team_id: &str) -> Result<(), ClientError> {
        let action = Action::Remove {
            user_id: self.user.id.clone(),
        };
        let (state, entry) = self.sign_change(team_id, action).await?;
        let _: () = self
            .api
            .post(
                &format!("/teams/{team_id}/leave"),
                &LogEntryRequest {
                    log_entry: entry.to_base64(),
                },
            )
            .await?;
        self.changed(team_id, state, &entry).await?;
        Ok(())
    }

    /// Revokes an open invitation (admins), signed into the log, so nobody can join with
    /// it whatever the server says.
    pub async fn revoke_invite(&self, team_id: &str, invite_id: &str) -> Result<(), ClientError> {
        let action = Action::Revoke {
            invite_id: invite_id.to_owned(),
        };
        let (state, entry) = self.sign_change(team_id, action).await?;
        let _: () = self
            .api
            .delete(
                &format!("/teams/{team_id}/invites/{invite_id}"),
                Some(&LogEntryRequest {
                    log_entry: entry.to_base64(),
                }),
            )
            .await?;
        self.changed(team_id, state, &entry).await?;
        Ok(())
    }

    /// Makes an invitation link for `role` (admins): signs the `invite` entry (with the
    /// verifying key derived from the link's secret) and seals the log's pin after it for
    /// the invitee, under a key from the same secret.
    pub async fn invite(
        &self,
        team_id: &str,
        key: &TeamKey,
        role: Role,
    ) -> Result<(InviteInfo, InviteLink), ClientError> {
        let id = new_id()?;
        let secret = InviteSecret::generate()?;
        let wrapped = secret.wrap_team_key(key, team_id, &id)?;
        let action = Action::Invite {
            invite_id: id.clone(),
            role,
            invite_key: secret.verifying_key()?,
        };
        let (state, entry) = self.sign_change(team_id, action).await?;
        let mut after = state.clone();
        after.apply(&entry)?;
        let anchor = secret.seal_anchor(&after.pin(), team_id, &id)?;
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
                    log_entry: entry.to_base64(),
                    anchor: anchor.to_base64(),
                },
            )
            .await?;
        self.changed(team_id, state, &entry).await?;
        Ok((info, InviteLink { id, secret }))
    }

    /// Joins a team with an invitation link's id and secret. The team's log is trusted
    /// only from the pin sealed under the link's secret; the invitation must be open in it
    /// with the link's own key, the team key must be the log's current version, and the
    /// join entry is signed with the caller's keys and the invitation's.
    pub async fn accept_invite(
        &self,
        link: &InviteLink,
    ) -> Result<(TeamInfo, TeamKey), ClientError> {
        let token = link.secret.token()?;
        let preview = self.api.preview_invite(link).await?;
        let team_id = preview.team_id.as_str();
        let tampered = |what: &str| {
            ClientError::Vault(signet_core::Error::MembershipLog(format!(
                "{what}: the server's answer does not match what the inviting admin signed; \
                 do not use this invitation (ask the admin to check the team)"
            )))
        };
        let pin = InviteAnchor::from_base64(&preview.anchor)?
            .open(&link.secret, team_id, &link.id)
            .map_err(|_| tampered("the invitation's anchor does not open with this link"))?;
        let state = TeamState::verify(team_id, &parse_log(&preview.log)?, &pin)?;
        let (_, invite_key) = state
            .open_invite(&link.id)
            .ok_or_else(|| tampered("the team's log has no open invitation for this link"))?;
        if invite_key != link.secret.verifying_key()? {
            return Err(tampered("the log's invitation is not the one in this link"));
        }
        let key = InviteWrappedTeamKey::from_base64(&preview.wrapped_team_key)?.open(
            &link.secret,
            team_id,
            &link.id,
        )?;
        if key.version() != state.key_version() {
            return Err(version_mismatch(key.version(), &state));
        }
        self.record_pin(team_id, state.pin()).await?;
        let entry = state.join(
            &link.secret,
            &link.id,
            &self.user.id,
            &self.account.key_pair,
        )?;
        let wrap = key.wrap_for_self(&self.account.user_key, team_id)?;
        let info: TeamInfo = self
            .api
            .post(
                &format!("/invites/{}/accept", link.id),
                &AcceptInviteRequest {
                    token,
                    self_wrapped_team_key: wrap.to_base64(),
                    log_entry: entry.to_base64(),
                },
            )
            .await?;
        self.changed(team_id, state, &entry).await?;
        Ok((info, key))
    }

    /// Rotates the team key (admins, after removing a member): re-wraps every credential's
    /// item key and sends the new key, signed, to every member of the verified log (with
    /// the log's keys), recording the rotation in the log.
    pub async fn rotate_team_key(
        &self,
        team_id: &str,
        current: &TeamKey,
    ) -> Result<TeamKey, ClientError> {
        self.rotate_team_key_reporting(team_id, current, &|_| {})
            .await
    }

    /// [`Session::rotate_team_key`], telling `progress` each step as it starts.
    pub async fn rotate_team_key_reporting(
        &self,
        team_id: &str,
        current: &TeamKey,
        progress: &dyn Fn(&str),
    ) -> Result<TeamKey, ClientError> {
        progress("Verifying the team's members and fetching credentials…");
        let next = current
            .version()
            .checked_add(1)
            .ok_or_else(|| ClientError::Protocol("team key version overflow".into()))?;
        let (state, entry) = self
            .sign_change(team_id, Action::Rotate { key_version: next })
            .await?;
        if current.version() != state.key_version() {
            return Err(version_mismatch(current.version(), &state));
        }
        let members: Vec<(&String, &VerifiedPublicKeys)> = state
            .members()
            .iter()
            .filter(|(id, _)| **id != self.user.id)
            .map(|(id, m)| (id, &m.keys))
            .collect();
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
        progress(&format!(
            "Re-wrapping {} credential keys for {} members…",
            credentials.len(),
            members.len() + 1
        ));
        self.api.breathe().await;
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
            .map(|(id, k)| RotationMember {
                user_id: id,
                public_keys: k,
            })
            .collect();
        let rotator = Rotator {
            user_id: &self.user.id,
            user_key: &self.account.user_key,
            key_pair: &self.account.key_pair,
        };
        let rotation = rotate_team_key(&rotator, team_id, current, &items, &rotation_members)?;
        progress("Sending the new team key…");
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
                    log_entry: entry.to_base64(),
                },
            )
            .await?;
        self.changed(team_id, state, &entry).await?;
        Ok(rotation.team_key)
    }
}

impl Api {
    /// One of the caller's teams, with the caller's role in it as the server says now.
    pub async fn team(&self, team_id: &str) -> Result<TeamInfo, ClientError> {
        self.get(&format!("/teams/{team_id}")).await
    }

    /// Renames a team (admins). The name is the server's to show: it is not part of the
    /// signed membership log.
    pub async fn rename_team(&self, team_id: &str, name: &str) -> Result<TeamInfo, ClientError> {
        self.patch(
            &format!("/teams/{team_id}"),
            &RenameTeamRequest {
                name: name.trim().to_owned(),
            },
        )
        .await
    }

    /// Moves a team to the trash (owners): its members lose access until an owner restores
    /// it; nothing is deleted.
    pub async fn trash_team(&self, team_id: &str) -> Result<(), ClientError> {
        self.delete::<(), ()>(&format!("/teams/{team_id}"), None)
            .await
    }

    /// Takes a team out of the trash (owners).
    pub async fn restore_team(&self, team_id: &str) -> Result<(), ClientError> {
        self.post(&format!("/teams/{team_id}/restore"), &serde_json::json!({}))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_link_reads_back_and_a_cut_one_is_refused() -> Result<(), ClientError> {
        let link = InviteLink {
            id: "0b5f4c1e-7d1e-4a50-9d55-3f6a2f1b9c0d".into(),
            secret: InviteSecret::generate()?,
        };
        let url = link.dangerously_to_url("https://signet.acme.com/");
        let back = InviteLink::parse(&format!("  {}\n", url.as_str()))?;
        assert_eq!(back.id, link.id);
        assert_eq!(back.secret.token()?, link.secret.token()?);
        let (cut, _) = url.split_once('#').unwrap_or_default();
        for bad in [
            cut,
            "https://signet.acme.com/teams#abc",
            "https://x/invite/#abc",
        ] {
            let e = InviteLink::parse(bad).err().map(|e| e.to_string());
            assert!(
                e.as_deref()
                    .is_some_and(|e| e.contains("copy the whole link")),
                "{bad}: {e:?}"
            );
        }
        Ok(())
    }
}
