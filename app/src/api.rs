//! The server's API, as the dashboard's pages call it: Leptos-side glue over
//! [`signet_client`], the one client of the API (the CLI's too). Every URL, request body and
//! vault step lives there; this module picks the browser's [`Api`] (the page's origin,
//! `fetch`, the `__Host-` session cookie this code never reads, the `x-signet-csrf` header)
//! and turns [`ClientError`]s into [`ApiError`]s phrased for the person looking at the page.

use serde::{Serialize, de::DeserializeOwned};
use signet_client::ClientError;
use signet_core::{
    credential::Payload,
    vault::{
        kdf::KdfParams, membership::listing::Listing, recovery::RecoveryCode, team_key::TeamKey,
    },
    wire::{
        Health, Page, Role,
        account::{SessionResponse, SignupPolicyInfo},
        alert::{AlertsOverview, CreateDestinationRequest, CreatedDestination, DeliveryInfo},
        app::{AppInfo, AppRequest, AssignRequest, Assignment, Platform},
        audit::AuditEntry,
        credential::CredentialInfo,
        team::{InviteInfo, InvitePreview, MemberInfo, TeamInfo},
    },
};

pub use signet_client::{Api, Session as Keys, credential::unverified, team::InviteLink};

/// A failed call, phrased for the person looking at the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status for answers from the server, `None` for local or network failures.
    pub status: Option<u16>,
    /// The server's stable error code (`robot_grants_missing`, …), for answers from it.
    pub code: Option<String>,
    /// What went wrong and, where possible, what to do.
    pub message: String,
}

impl ApiError {
    fn local(message: impl Into<String>) -> Self {
        Self {
            status: None,
            code: None,
            message: message.into(),
        }
    }
}

/// The message as a sentence for people ([`crate::components::ui::sentence`]).
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::components::ui::sentence(&self.message))
    }
}

impl From<signet_core::Error> for ApiError {
    fn from(e: signet_core::Error) -> Self {
        Self::local(e.to_string())
    }
}

impl From<ClientError> for ApiError {
    fn from(e: ClientError) -> Self {
        match e {
            // The server's own message says what to do; status and code are for the page's
            // logic, not for people.
            ClientError::Api {
                status,
                code,
                message,
            } => Self {
                status: Some(status),
                code: Some(code),
                message,
            },
            ClientError::WrongPassword => Self::local("wrong password"),
            other => Self::local(other.to_string()),
        }
    }
}

/// The browser's client: this page's origin.
pub fn client() -> Api {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    Api::browser(&origin)
}

pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    Ok(client().post(path, body).await?)
}

/// `GET /api/health`.
pub async fn health() -> Result<Health, ApiError> {
    Ok(client().health().await?)
}

/// `GET /api/auth/me`: the session the cookie carries, or `None` when signed out.
pub async fn me() -> Result<Option<SessionResponse>, ApiError> {
    Ok(client().me().await?)
}

/// `GET /api/auth/signups`: who may sign up on this server.
pub async fn signups() -> Result<SignupPolicyInfo, ApiError> {
    Ok(client().signups().await?)
}

// The five flows that derive keys from a password are `#[lazy]`: the Argon2id, key-pair and
// trust-state code they reach loads (as a chunk) while the person types, not with the page,
// so the first load stays small. They take owned arguments, as lazy functions must.

/// Registers: derives every key here (Argon2id with the default parameters), sends only what
/// the vault produces (with the invitation's token, when signing up through one), and returns
/// the keys plus the recovery code to show once.
#[leptos::lazy]
pub async fn register(
    email: String,
    password: String,
    invite: Option<InviteLink>,
) -> Result<(Keys, RecoveryCode), ApiError> {
    let (keys, code) = Keys::register_with_invite(
        &client(),
        &email,
        &password,
        KdfParams::DEFAULT,
        invite.as_ref(),
    )
    .await?;
    keys.check_kdf().await?;
    Ok((keys, code))
}

/// Signs in with the password and unlocks the keys. The KDF parameters the server hands out
/// are checked against the vault's floor and ceiling before any work, and against the
/// strongest this account used (its trust state) right after.
#[leptos::lazy]
pub async fn login(email: String, password: String) -> Result<Keys, ApiError> {
    let keys = Keys::login(&client(), &email, &password, false).await?;
    keys.check_kdf().await?;
    Ok(keys)
}

/// Unlocks the keys of the session the cookie carries (after a reload) with the password.
/// Makes Argon2id's working memory for `params` while a password form is shown, so the
/// derivation after submit does not pay for it (`signet_client::account::prepare_kdf_memory`).
/// Lazy like the flows it serves; a failure only means the derivation allocates its own.
#[leptos::lazy]
pub async fn prepare_kdf(params: KdfParams) {
    let _ = signet_client::account::prepare_kdf_memory(&params);
}

#[leptos::lazy]
pub async fn unlock(me: SessionResponse, password: String) -> Result<Keys, ApiError> {
    let keys = Keys::unlock(&client(), &me, &password, false)?;
    keys.check_kdf().await?;
    Ok(keys)
}

/// Changes the password (default Argon2id parameters); the server signs out every other
/// session.
#[leptos::lazy]
pub async fn change_password(keys: Keys, current: String, new: String) -> Result<(), ApiError> {
    Ok(keys
        .change_password(&current, &new, KdfParams::DEFAULT)
        .await?)
}

/// Recovers an account with its recovery code and sets a new password; signs in. The code
/// is used up: the new one (to show once) is returned with the keys.
#[leptos::lazy]
pub async fn recover(
    email: String,
    code: String,
    new_password: String,
) -> Result<(Keys, RecoveryCode), ApiError> {
    let code = RecoveryCode::parse(code.trim())
        .map_err(|_| ApiError::local("that is not a recovery code (8 groups of 4 characters)"))?;
    let (keys, next) =
        Keys::recover(&client(), &email, &code, &new_password, KdfParams::DEFAULT).await?;
    keys.check_kdf().await?;
    Ok((keys, next))
}

/// Signs out (the server revokes the session and clears the cookie).
pub async fn logout() -> Result<(), ApiError> {
    Ok(client().logout().await?)
}

/// A random UUID (v4), for the ids the client chooses.
pub fn new_id() -> Result<String, ApiError> {
    Ok(signet_client::team::new_id()?)
}

/// The caller's teams.
pub async fn teams() -> Result<Vec<TeamInfo>, ApiError> {
    Ok(client().teams().await?)
}

/// One of the caller's teams as the server says now (the caller's role in it).
pub async fn team(team_id: &str) -> Result<TeamInfo, ApiError> {
    Ok(client().team(team_id).await?)
}

/// Creates a team (its first key and log entry made here).
pub async fn create_team(keys: &Keys, name: &str) -> Result<(TeamInfo, TeamKey), ApiError> {
    Ok(keys.create_team(name).await?)
}

/// A team's members, each checked against the verified membership log.
pub async fn checked_members(
    keys: &Keys,
    team_id: &str,
) -> Result<Vec<(MemberInfo, Listing)>, ApiError> {
    Ok(keys
        .checked_members(team_id)
        .await?
        .into_iter()
        .map(|m| (m.info, m.check))
        .collect())
}

/// The team's current key, checked against the verified log.
pub async fn team_key(keys: &Keys, team_id: &str) -> Result<TeamKey, ApiError> {
    Ok(keys.team_key(team_id).await?)
}

/// A team's apps.
pub async fn apps(team_id: &str) -> Result<Vec<AppInfo>, ApiError> {
    Ok(client().apps(team_id).await?)
}

/// One app.
pub async fn app(team_id: &str, app_id: &str) -> Result<AppInfo, ApiError> {
    Ok(client().app(team_id, app_id).await?)
}

/// Creates an app.
pub async fn create_app(team_id: &str, request: &AppRequest) -> Result<AppInfo, ApiError> {
    Ok(client().create_app(team_id, request).await?)
}

/// Renames an app or fixes its Android package and iOS bundle ids.
pub async fn update_app(
    team_id: &str,
    app_id: &str,
    request: &AppRequest,
) -> Result<AppInfo, ApiError> {
    Ok(client().update_app(team_id, app_id, request).await?)
}

/// Deletes an app and its assignments (admins); its credentials stay in the team.
pub async fn delete_app(team_id: &str, app_id: &str) -> Result<(), ApiError> {
    Ok(client().delete_app(team_id, app_id).await?)
}

/// Which credentials an app uses, per platform, profile and target.
pub async fn assignments(team_id: &str, app_id: &str) -> Result<Vec<Assignment>, ApiError> {
    Ok(client().assignments(team_id, app_id).await?)
}

/// Assigns a credential to an app's slot without a target (Android, push keys…),
/// optionally as the slot's default.
pub async fn assign(
    keys: &Keys,
    team_id: &str,
    app_id: &str,
    platform: Platform,
    profile: &str,
    credential_id: &str,
    is_default: bool,
) -> Result<Vec<Assignment>, ApiError> {
    assign_slot(
        keys,
        team_id,
        app_id,
        &AssignRequest {
            platform,
            profile: profile.to_owned(),
            target: String::new(),
            credential_id: credential_id.to_owned(),
            is_default,
            robot_grants: Vec::new(),
        },
    )
    .await
}

/// Assigns a credential to any slot of an app, wrapping its item key for every robot token
/// in the app's scope whose card verifies against the team's signed log.
pub async fn assign_slot(
    keys: &Keys,
    team_id: &str,
    app_id: &str,
    request: &AssignRequest,
) -> Result<Vec<Assignment>, ApiError> {
    Ok(keys.assign_with(team_id, app_id, None, request).await?)
}

/// Every credential of a team (or its trash), each checked against its author's signature.
pub async fn verified_credentials(
    keys: &Keys,
    team_id: &str,
    deleted: bool,
) -> Result<Vec<CredentialInfo>, ApiError> {
    Ok(keys.verified_credentials(team_id, deleted).await?)
}

/// One credential, checked against its author's signature.
pub async fn verified_credential(
    keys: &Keys,
    team_id: &str,
    id: &str,
) -> Result<CredentialInfo, ApiError> {
    Ok(keys.verified_credential(team_id, id).await?)
}

/// Renames a team (admins).
pub async fn rename_team(team_id: &str, name: &str) -> Result<TeamInfo, ApiError> {
    Ok(client().rename_team(team_id, name).await?)
}

/// Moves a team to the trash (owners).
pub async fn trash_team(team_id: &str) -> Result<(), ApiError> {
    Ok(client().trash_team(team_id).await?)
}

/// Takes a team out of the trash (owners).
pub async fn restore_team(team_id: &str) -> Result<(), ApiError> {
    Ok(client().restore_team(team_id).await?)
}

/// Renames a credential (its verified metadata signed again by this user).
pub async fn rename_credential(
    keys: &Keys,
    team_id: &str,
    id: &str,
    label: &str,
) -> Result<CredentialInfo, ApiError> {
    Ok(keys.rename_credential(team_id, id, label).await?)
}

/// Proves `payload` usable, seals it under the team key and stores it.
pub async fn create_credential(
    keys: &Keys,
    team_id: &str,
    team_key: &TeamKey,
    label: &str,
    payload: &Payload,
) -> Result<CredentialInfo, ApiError> {
    Ok(keys
        .store_payload(team_id, team_key, label, payload)
        .await?)
}

/// Fetches and opens a credential's payload (audit-logged by the server).
pub async fn read_credential(
    team_id: &str,
    team_key: &TeamKey,
    id: &str,
) -> Result<Payload, ApiError> {
    Ok(client().read_payload(team_id, team_key, id).await?)
}

/// Moves a credential to the trash.
pub async fn trash_credential(team_id: &str, id: &str) -> Result<(), ApiError> {
    Ok(client().trash_credential(team_id, id).await?)
}

/// Moves a credential that apps use to the trash (the person confirmed, having been shown
/// where it is used).
pub async fn trash_credential_in_use(team_id: &str, id: &str) -> Result<(), ApiError> {
    Ok(client().trash_credential_in_use(team_id, id).await?)
}

/// Deletes a trashed credential for good (admins).
pub async fn purge_credential(team_id: &str, id: &str) -> Result<(), ApiError> {
    Ok(client().purge_credential(team_id, id).await?)
}

/// Restores a credential from the trash.
pub async fn restore_credential(team_id: &str, id: &str) -> Result<(), ApiError> {
    Ok(client().restore_credential(team_id, id).await?)
}

/// A team's invitations (admins).
pub async fn invites(team_id: &str) -> Result<Vec<InviteInfo>, ApiError> {
    Ok(client().invites(team_id).await?)
}

/// Makes an invitation link for `role` (admins), signed into the team's log.
pub async fn invite(
    keys: &Keys,
    team_id: &str,
    team_key: &TeamKey,
    role: Role,
) -> Result<(InviteInfo, InviteLink), ApiError> {
    Ok(keys.invite(team_id, team_key, role).await?)
}

/// Withdraws a pending invitation, signed into the log.
pub async fn revoke_invite(keys: &Keys, team_id: &str, invite_id: &str) -> Result<(), ApiError> {
    Ok(keys.revoke_invite(team_id, invite_id).await?)
}

/// What an invitation offers (needs its link's secret).
pub async fn preview_invite(link: &InviteLink) -> Result<InvitePreview, ApiError> {
    Ok(client().preview_invite(link).await?)
}

/// Joins a team, trusting its log only from the pin sealed under the link's secret.
pub async fn accept_invite(keys: &Keys, link: &InviteLink) -> Result<TeamInfo, ApiError> {
    Ok(keys.accept_invite(link).await?.0)
}

/// Changes a member's role (admins; only owners touch owners), signed into the log.
pub async fn change_role(
    keys: &Keys,
    team_id: &str,
    user_id: &str,
    role: Role,
) -> Result<(), ApiError> {
    Ok(keys.change_role(team_id, user_id, role).await?)
}

/// Removes a member, signed into the log (the team key must then be rotated).
pub async fn remove_member(keys: &Keys, team_id: &str, user_id: &str) -> Result<(), ApiError> {
    Ok(keys.remove_member(team_id, user_id).await?)
}

/// Rotates the team key after a removal; `progress` hears each step (the page paints
/// between them).
pub async fn rotate(
    keys: &Keys,
    team_id: &str,
    current: &TeamKey,
    progress: impl Fn(&str),
) -> Result<TeamKey, ApiError> {
    Ok(keys
        .rotate_team_key_reporting(team_id, current, &progress)
        .await?)
}

/// One page (50 entries) of a team's audit log, newest first, optionally one action only.
pub async fn audit(team_id: &str, action: &str, after: &str) -> Result<Page<AuditEntry>, ApiError> {
    Ok(client().audit(team_id, action, after, 50).await?)
}

/// A team's alert destinations, newest deliveries and whether email works (admins).
pub async fn alerts(team_id: &str) -> Result<AlertsOverview, ApiError> {
    Ok(client().alerts(team_id).await?)
}

/// Adds an alert destination; a generic webhook's secret is in the answer, once.
pub async fn add_alert_destination(
    team_id: &str,
    request: &CreateDestinationRequest,
) -> Result<CreatedDestination, ApiError> {
    Ok(client().add_alert_destination(team_id, request).await?)
}

/// Removes an alert destination.
pub async fn remove_alert_destination(team_id: &str, id: &str) -> Result<(), ApiError> {
    Ok(client().remove_alert_destination(team_id, id).await?)
}

/// Sends a test alert to one destination now.
pub async fn test_alert_destination(team_id: &str, id: &str) -> Result<DeliveryInfo, ApiError> {
    Ok(client().test_alert_destination(team_id, id).await?)
}
