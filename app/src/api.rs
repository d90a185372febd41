//! The server's API, as the dashboard sees it. The only module that knows URLs.
//!
//! Every flow mirrors `signet-client` (the native client the CLI uses) step for step, with the
//! browser's `fetch` instead of reqwest: the session is the `__Host-` cookie the server sets
//! (never readable by this code), every request carries the `x-signet-csrf` header, and only
//! what [`signet_core::vault`] produces ever leaves the browser.

use std::sync::{Arc, Mutex};

use gloo_net::http::{Request, RequestBuilder};
use serde::{Serialize, de::DeserializeOwned};
use signet_core::{
    credential::Payload,
    vault::{
        account::{UnlockedAccount, register as make_registration},
        ecies::{EciesContext, EciesWrappedTeamKey},
        invite::{InviteAnchor, InviteSecret, InviteWrappedTeamKey},
        item::{
            ItemContext, MetadataContext, MetadataSignature, SealedPayload, WrappedItemKey,
            seal_new_item,
        },
        kdf::{KdfParams, KdfSalt, derive_account_keys},
        keypair::{SealedPrivateKeys, VerifiedPublicKeys},
        membership::{
            Action, Entry, TeamState,
            listing::{Listing, UNVERIFIED_METADATA, check_member, verify_metadata},
        },
        recovery::{RecoveryCode, RecoveryWrappedUserKey},
        robot::grants_for_robots,
        rotation::{RotationItem, RotationMember, Rotator, rotate_team_key},
        team_key::{SelfWrappedTeamKey, TeamKey},
        trust_state::TrustState,
        user_key::WrappedUserKey,
    },
    wire::{
        CSRF_HEADER, ErrorBody, Health, Page, Role,
        account::{
            ClientKind, LoginRequest, PasswordChangeRequest, PreloginRequest, PreloginResponse,
            RecoveryBeginRequest, RecoveryBeginResponse, RecoveryCompleteRequest, RegisterRequest,
            SessionResponse, UserInfo,
        },
        app::{AppInfo, AppRequest, AssignRequest, Assignment, Platform},
        credential::{CreateCredentialRequest, CredentialInfo, CredentialKind, CredentialPayload},
        robot::RobotCardInfo,
        team::{
            AcceptInviteRequest, ChangeRoleRequest, CreateInviteRequest, CreateTeamRequest,
            InviteInfo, InvitePreview, InviteTokenRequest, ItemKeyUpdate, LogEntryRequest,
            MemberInfo, MemberKey, MyTeamKey, RotationRequest, StoreTeamKeyRequest, TeamInfo,
            TeamKeyWrapKind,
        },
    },
};

use crate::trust;

/// The payload schema version the dashboard writes (the same as `signet-client`'s).
pub const SCHEMA_VERSION: u32 = 1;

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

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<signet_core::Error> for ApiError {
    fn from(e: signet_core::Error) -> Self {
        Self::local(e.to_string())
    }
}

fn network(e: gloo_net::Error) -> ApiError {
    ApiError::local(format!("cannot reach the Signet server: {e}"))
}

/// `GET`, `POST`… with an optional JSON body to `/api{path}`; decodes the JSON answer (`()`
/// for 204).
async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
    builder: RequestBuilder,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let builder = builder.header(CSRF_HEADER, "1");
    let response = match body {
        Some(body) => {
            builder
                .json(body)
                .map_err(|e| ApiError::local(format!("cannot encode the request: {e}")))?
                .send()
                .await
        }
        None => builder.send().await,
    }
    .map_err(network)?;
    let status = response.status();
    let text = response.text().await.map_err(network)?;
    if !(200..300).contains(&status) {
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => (Some(body.error.code), body.error.message),
            Err(_) => (None, format!("the server answered HTTP {status}")),
        };
        return Err(ApiError {
            status: Some(status),
            code,
            message,
        });
    }
    let text = if text.is_empty() { "null" } else { &text };
    serde_json::from_str(text)
        .map_err(|e| ApiError::local(format!("the server sent an unexpected answer: {e}")))
}

fn url(path: &str) -> String {
    format!("/api{path}")
}

pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    call::<(), T>(Request::get(&url(path)), None).await
}

pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    call(Request::post(&url(path)), Some(body)).await
}

pub(crate) async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    call(Request::put(&url(path)), Some(body)).await
}

pub(crate) async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    call(Request::patch(&url(path)), Some(body)).await
}

async fn delete<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    call::<(), T>(Request::delete(&url(path)), None).await
}

async fn delete_with<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    call(Request::delete(&url(path)), Some(body)).await
}

/// `GET /api/health`.
pub async fn health() -> Result<Health, ApiError> {
    get("/health").await
}

/// The signed-in user with their keys, in memory only. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Keys {
    /// Who is signed in.
    pub user: UserInfo,
    /// Their unlocked keys (zeroized when the last clone is dropped).
    pub account: Arc<UnlockedAccount>,
    /// Their trust state as last read or written ([`crate::trust`]), with its write number.
    pub trust: Arc<Mutex<Option<(u32, TrustState)>>>,
}

/// Opens the account's keys. `proven`: the server accepted the login proof derived from
/// this password, so keys that do not open mean the server's copy is damaged or tampered
/// with — not a typo.
fn open_account(
    response: &SessionResponse,
    kek: &signet_core::vault::kdf::Kek,
    proven: bool,
) -> Result<Keys, ApiError> {
    let wrapped = WrappedUserKey::from_base64(&response.keys.wrapped_user_key)?;
    let sealed = SealedPrivateKeys::from_base64(&response.keys.sealed_private_keys)?;
    let account = UnlockedAccount::unlock(kek, &wrapped, &sealed).map_err(|e| match e {
        signet_core::Error::OpenFailed if proven => ApiError::local(
            "your password is right (the server accepted it), but the encrypted keys the \
             server sent do not open with it: the server's data is damaged or was tampered \
             with. Nothing was changed; tell your admin",
        ),
        signet_core::Error::OpenFailed => ApiError::local("wrong password"),
        other => other.into(),
    })?;
    Ok(Keys {
        user: response.user.clone(),
        account: Arc::new(account),
        trust: Arc::default(),
    })
}

/// `GET /api/auth/me`: the session the cookie carries, or `None` when signed out.
pub async fn me() -> Result<Option<SessionResponse>, ApiError> {
    match get::<SessionResponse>("/auth/me").await {
        Ok(me) => Ok(Some(me)),
        Err(e) if e.status == Some(401) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Registers: derives every key here (Argon2id with the default parameters), sends only what
/// the vault produces, and returns the keys plus the recovery code to show once.
pub async fn register(email: &str, password: &str) -> Result<(Keys, RecoveryCode), ApiError> {
    let (registration, account, recovery) = make_registration(password, KdfParams::DEFAULT)?;
    let request = RegisterRequest {
        email: email.to_owned(),
        kdf_params: registration.kdf_params,
        kdf_salt: registration.kdf_salt.to_base64(),
        auth_key: registration.auth_key.dangerously_to_base64(),
        recovery_auth_key: registration.recovery_auth_key.clone(),
        wrapped_user_key: registration.wrapped_user_key.to_base64(),
        recovery_wrapped_user_key: registration.recovery_wrapped_user_key.to_base64(),
        public_keys: registration.public_keys.to_base64(),
        sealed_private_keys: registration.sealed_private_keys.to_base64(),
        client: ClientKind::Browser,
    };
    let response: SessionResponse = post("/auth/register", &request).await?;
    let keys = Keys {
        user: response.user,
        account: Arc::new(account),
        trust: Arc::default(),
    };
    crate::trust::check_kdf(&keys, registration.kdf_params).await?;
    Ok((keys, recovery))
}

/// Signs in with the password and unlocks the keys. The KDF parameters the server hands out
/// are checked against the vault's floor and ceiling before any work.
pub async fn login(email: &str, password: &str) -> Result<Keys, ApiError> {
    let pre: PreloginResponse = post(
        "/auth/prelogin",
        &PreloginRequest {
            email: email.to_owned(),
        },
    )
    .await?;
    let salt = KdfSalt::from_base64(&pre.kdf_salt)?;
    let keys = derive_account_keys(password, &salt, &pre.kdf_params)?;
    let response: SessionResponse = post(
        "/auth/login",
        &LoginRequest {
            email: email.to_owned(),
            auth_key: keys.auth_key.dangerously_to_base64(),
            client: ClientKind::Browser,
        },
    )
    .await?;
    let keys_ = open_account(&response, &keys.kek, true)?;
    crate::trust::check_kdf(&keys_, pre.kdf_params).await?;
    Ok(keys_)
}

/// Unlocks the keys of the session the cookie carries (after a reload) with the password.
pub async fn unlock(me: &SessionResponse, password: &str) -> Result<Keys, ApiError> {
    let salt = KdfSalt::from_base64(&me.keys.kdf_salt)?;
    let keys = derive_account_keys(password, &salt, &me.keys.kdf_params)?;
    let unlocked = open_account(me, &keys.kek, false)?;
    crate::trust::check_kdf(&unlocked, me.keys.kdf_params).await?;
    Ok(unlocked)
}

/// Changes the password: the same user key re-wrapped under a key derived from the new one
/// (default Argon2id parameters). The server signs out every other session.
pub async fn change_password(keys: &Keys, current: &str, new: &str) -> Result<(), ApiError> {
    let me: SessionResponse = get("/auth/me").await?;
    let salt = KdfSalt::from_base64(&me.keys.kdf_salt)?;
    let current = derive_account_keys(current, &salt, &me.keys.kdf_params)?;
    let change = keys.account.change_password(new, KdfParams::DEFAULT)?;
    post::<_, ()>(
        "/auth/password",
        &PasswordChangeRequest {
            current_auth_key: current.auth_key.dangerously_to_base64(),
            kdf_params: change.kdf_params,
            kdf_salt: change.kdf_salt.to_base64(),
            auth_key: change.auth_key.dangerously_to_base64(),
            wrapped_user_key: change.wrapped_user_key.to_base64(),
        },
    )
    .await
}

/// Recovers an account with its recovery code and sets a new password; signs in.
pub async fn recover(email: &str, code: &str, new_password: &str) -> Result<Keys, ApiError> {
    let code = RecoveryCode::parse(code.trim())
        .map_err(|_| ApiError::local("that is not a recovery code (8 groups of 4 characters)"))?;
    let recovery_auth_key = code.dangerously_auth_key_base64()?;
    let begun: RecoveryBeginResponse = post(
        "/auth/recovery/begin",
        &RecoveryBeginRequest {
            email: email.to_owned(),
            recovery_auth_key: recovery_auth_key.clone(),
        },
    )
    .await?;
    let account = UnlockedAccount::unlock_with_recovery_code(
        &code,
        &RecoveryWrappedUserKey::from_base64(&begun.recovery_wrapped_user_key)?,
        &SealedPrivateKeys::from_base64(&begun.sealed_private_keys)?,
    )?;
    let change = account.change_password(new_password, KdfParams::DEFAULT)?;
    let response: SessionResponse = post(
        "/auth/recovery/complete",
        &RecoveryCompleteRequest {
            email: email.to_owned(),
            recovery_auth_key,
            kdf_params: change.kdf_params,
            kdf_salt: change.kdf_salt.to_base64(),
            auth_key: change.auth_key.dangerously_to_base64(),
            wrapped_user_key: change.wrapped_user_key.to_base64(),
            client: ClientKind::Browser,
        },
    )
    .await?;
    let keys = Keys {
        user: response.user,
        account: Arc::new(account),
        trust: Arc::default(),
    };
    crate::trust::check_kdf(&keys, change.kdf_params).await?;
    Ok(keys)
}

/// Signs out (the server revokes the session and clears the cookie).
pub async fn logout() -> Result<(), ApiError> {
    post::<_, ()>("/auth/logout", &serde_json::json!({})).await
}

/// A random UUID (v4), for the ids the client chooses (teams, credentials, invitations).
pub fn new_id() -> Result<String, ApiError> {
    let mut b = [0u8; 16];
    getrandom_fill(&mut b)?;
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

fn getrandom_fill(b: &mut [u8]) -> Result<(), ApiError> {
    // crypto.getRandomValues in the browser, like every key the vault generates.
    getrandom::fill(b).map_err(|e| ApiError::local(format!("no randomness: {e}")))
}

/// The caller's teams.
pub async fn teams() -> Result<Vec<TeamInfo>, ApiError> {
    get("/teams").await
}

/// Creates a team: a fresh team key (version 1) wrapped for the caller, and entry 0 of its
/// membership log, pinned in the caller's trust state first.
pub async fn create_team(keys: &Keys, name: &str) -> Result<(TeamInfo, TeamKey), ApiError> {
    let id = new_id()?;
    let key = TeamKey::generate_first()?;
    let wrap = key.wrap_for_self(&keys.account.user_key, &id)?;
    let (entry, state) = TeamState::create(&id, &keys.user.id, &keys.account.key_pair)?;
    trust::record_pin(keys, &id, state.pin()).await?;
    let info: TeamInfo = post(
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

/// A team's members as the server lists them (display only: see [`checked_members`]).
pub async fn members(team_id: &str) -> Result<Vec<MemberInfo>, ApiError> {
    get(&format!("/teams/{team_id}/members")).await
}

/// A team's members, each checked against the verified membership log.
pub async fn checked_members(
    keys: &Keys,
    team_id: &str,
) -> Result<Vec<(MemberInfo, Listing)>, ApiError> {
    let state = trust::verified_team(keys, team_id).await?;
    Ok(members(team_id)
        .await?
        .into_iter()
        .map(|m| {
            let check = check_member(&state, &m);
            (m, check)
        })
        .collect())
}

fn version_mismatch(offered: u32, state: &TeamState) -> ApiError {
    ApiError::from(signet_core::Error::MembershipLog(format!(
        "the server offered team key version {offered}, but the team's signed log is at version \
         {}: refusing it (the server may be compromised; tell your admin)",
        state.key_version()
    )))
}

/// The team's current key, accepted only at the version the verified log says is current;
/// a key an admin sent during a rotation (ECIES) must be signed by the admin whose `rotate`
/// entry made that version. It is then stored back as a self-wrap.
pub async fn team_key(keys: &Keys, team_id: &str) -> Result<TeamKey, ApiError> {
    Ok(team_key_and_state(keys, team_id).await?.0)
}

/// [`team_key`] and the verified team it was checked against.
pub async fn team_key_and_state(
    keys: &Keys,
    team_id: &str,
) -> Result<(TeamKey, TeamState), ApiError> {
    let state = trust::verified_team(keys, team_id).await?;
    if state.member(&keys.user.id).is_none() {
        return Err(ApiError::from(signet_core::Error::MembershipLog(
            "the team's signed log says you are no longer a member of this team".into(),
        )));
    }
    let mine: MyTeamKey = get(&format!("/teams/{team_id}/key")).await?;
    if mine.key_version != state.key_version() {
        return Err(version_mismatch(mine.key_version, &state));
    }
    let key = match mine.kind {
        TeamKeyWrapKind::SelfWrap => {
            SelfWrappedTeamKey::from_base64(&mine.wrapped)?.open(&keys.account.user_key, team_id)?
        }
        TeamKeyWrapKind::Ecies => {
            let sender_id = mine
                .sender_id
                .ok_or_else(|| ApiError::local("an ECIES team key without its sender"))?;
            let sender = state.rotation_sender(&sender_id)?;
            let ctx = EciesContext {
                team_id,
                sender_id: &sender_id,
                recipient_id: &keys.user.id,
            };
            let key = EciesWrappedTeamKey::from_base64(&mine.wrapped)?.open(
                &keys.account.key_pair,
                sender,
                &ctx,
            )?;
            if key.version() != state.key_version() {
                return Err(version_mismatch(key.version(), &state));
            }
            let wrap = key.wrap_for_self(&keys.account.user_key, team_id)?;
            put::<_, ()>(
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
    keys: &Keys,
    team_id: &str,
    action: Action,
) -> Result<(TeamState, Entry), ApiError> {
    let state = trust::verified_team(keys, team_id).await?;
    let entry = state.next(&keys.user.id, &keys.account.key_pair, action)?;
    Ok((state, entry))
}

/// After the server took `entry`: the pin moves past it.
async fn changed(
    keys: &Keys,
    team_id: &str,
    mut state: TeamState,
    entry: &Entry,
) -> Result<(), ApiError> {
    state.apply(entry)?;
    trust::record_pin(keys, team_id, state.pin()).await
}

/// A team's apps.
pub async fn apps(team_id: &str) -> Result<Vec<AppInfo>, ApiError> {
    get(&format!("/teams/{team_id}/apps")).await
}

/// One app.
pub async fn app(team_id: &str, app_id: &str) -> Result<AppInfo, ApiError> {
    get(&format!("/teams/{team_id}/apps/{app_id}")).await
}

/// Creates an app.
pub async fn create_app(team_id: &str, request: &AppRequest) -> Result<AppInfo, ApiError> {
    post(&format!("/teams/{team_id}/apps"), request).await
}

/// Which credentials an app uses, per platform, profile and target.
pub async fn assignments(team_id: &str, app_id: &str) -> Result<Vec<Assignment>, ApiError> {
    get(&format!("/teams/{team_id}/apps/{app_id}/assignments")).await
}

/// Assigns a credential to an app's Android slot (optionally as the slot's default).
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

/// How often an assignment is retried when a robot token appeared in the app's scope
/// between listing the cards and assigning.
const ASSIGN_RETRIES: usize = 3;

/// Assigns a credential to any slot of an app (platform, profile, iOS target), wrapping
/// its item key for every robot token in the app's scope whose card verifies against the
/// team's signed log (as `signet_client::Session::assign` does). A card that does not
/// verify stops the assignment with an error naming the token; nothing is assigned.
pub async fn assign_slot(
    keys: &Keys,
    team_id: &str,
    app_id: &str,
    request: &AssignRequest,
) -> Result<Vec<Assignment>, ApiError> {
    let path = format!("/teams/{team_id}/apps/{app_id}/assignments");
    let mut request = request.clone();
    let mut attempt = 0;
    loop {
        let cards: Vec<RobotCardInfo> =
            get(&format!("/teams/{team_id}/apps/{app_id}/robots")).await?;
        request.robot_grants = if cards.is_empty() {
            Vec::new()
        } else {
            let (key, state) = team_key_and_state(keys, team_id).await?;
            let info = credential(team_id, &request.credential_id).await?;
            let wrapped = info
                .wrapped_key
                .as_deref()
                .ok_or_else(|| ApiError::local("the credential came without its wrapped key"))?;
            let item_key = WrappedItemKey::from_base64(wrapped)?.open(&key, team_id, &info.id)?;
            grants_for_robots(
                &state,
                app_id,
                &cards,
                &keys.user.id,
                &keys.account.key_pair,
                &info.id,
                &item_key,
            )?
        };
        match put(&path, &request).await {
            Err(e)
                if e.code.as_deref() == Some("robot_grants_missing")
                    && attempt < ASSIGN_RETRIES =>
            {
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Every credential of a team (all pages), or every one in the trash.
pub async fn credentials(team_id: &str, deleted: bool) -> Result<Vec<CredentialInfo>, ApiError> {
    let mut all = Vec::new();
    let mut after = String::new();
    loop {
        let page: Page<CredentialInfo> = get(&format!(
            "/teams/{team_id}/credentials?deleted={deleted}&limit=1000&after={after}"
        ))
        .await?;
        all.extend(page.entries);
        match page.next {
            Some(next) => after = next,
            None => return Ok(all),
        }
    }
}

/// One credential's metadata, as the server sends it (see [`verified_credential`]).
pub async fn credential(team_id: &str, id: &str) -> Result<CredentialInfo, ApiError> {
    get(&format!("/teams/{team_id}/credentials/{id}")).await
}

/// Checks `c`'s metadata against its author's signature (key from the verified log). One
/// that fails keeps its id, but its metadata becomes `{"unverified": why}` and its label
/// says so, so no page shows — or decides from — what the server made up.
fn checked(state: &TeamState, mut c: CredentialInfo) -> CredentialInfo {
    if let Err(why) = verify_metadata(state, &c) {
        c.metadata = serde_json::json!({ "unverified": why }).to_string();
        c.label = format!("{} ({UNVERIFIED_METADATA})", c.label);
    }
    c
}

/// Why a credential (from [`verified_credentials`]) is unverified, if it is.
pub fn unverified(c: &CredentialInfo) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(&c.metadata)
        .ok()?
        .get("unverified")?
        .as_str()
        .map(str::to_owned)
}

/// Every credential of a team (or its trash), each checked by [`checked`].
pub async fn verified_credentials(
    keys: &Keys,
    team_id: &str,
    deleted: bool,
) -> Result<Vec<CredentialInfo>, ApiError> {
    let state = trust::verified_team(keys, team_id).await?;
    Ok(credentials(team_id, deleted)
        .await?
        .into_iter()
        .map(|c| checked(&state, c))
        .collect())
}

/// One credential, checked by [`checked`].
pub async fn verified_credential(
    keys: &Keys,
    team_id: &str,
    id: &str,
) -> Result<CredentialInfo, ApiError> {
    let state = trust::verified_team(keys, team_id).await?;
    Ok(checked(&state, credential(team_id, id).await?))
}

fn item_context<'a>(team_id: &'a str, id: &'a str, kind: CredentialKind) -> ItemContext<'a> {
    ItemContext {
        team_id,
        item_id: id,
        kind: kind.as_str(),
        schema_version: SCHEMA_VERSION,
    }
}

/// Proves `payload` usable ([`Payload::inspect`], the same check the CLI makes), seals it
/// under the team key with a fresh item key, signs its metadata and stores it.
pub async fn create_credential(
    keys: &Keys,
    team_id: &str,
    team_key: &TeamKey,
    label: &str,
    payload: &Payload,
) -> Result<CredentialInfo, ApiError> {
    let metadata = payload.inspect()?.to_string();
    let kind = payload.kind();
    let id = new_id()?;
    let bytes = payload.to_bytes()?;
    let sealed = seal_new_item(team_key, &item_context(team_id, &id, kind), &bytes)?;
    let ctx = MetadataContext {
        team_id,
        item_id: &id,
        kind: kind.as_str(),
        author_id: &keys.user.id,
    };
    let metadata_signature =
        MetadataSignature::sign(&keys.account.key_pair, &ctx, &metadata)?.to_base64();
    post(
        &format!("/teams/{team_id}/credentials"),
        &CreateCredentialRequest {
            id,
            kind,
            label: label.to_owned(),
            metadata,
            metadata_signature,
            key_version: team_key.version(),
            wrapped_key: sealed.wrapped_key.to_base64(),
            payload: sealed.payload.to_base64(),
        },
    )
    .await
}

/// Fetches and opens a credential's payload (audit-logged by the server).
pub async fn read_credential(
    team_id: &str,
    team_key: &TeamKey,
    id: &str,
) -> Result<Payload, ApiError> {
    let p: CredentialPayload = get(&format!("/teams/{team_id}/credentials/{id}/payload")).await?;
    let wrapped = p
        .wrapped_key
        .as_deref()
        .ok_or_else(|| ApiError::local("payload without its wrapped key"))?;
    let item_key = WrappedItemKey::from_base64(wrapped)?.open(team_key, team_id, id)?;
    let plain = SealedPayload::from_base64(&p.payload)?
        .open(&item_key, &item_context(team_id, id, p.kind))?;
    Ok(Payload::from_bytes(&plain, p.kind)?)
}

/// Moves a credential to the trash.
pub async fn trash_credential(team_id: &str, id: &str) -> Result<(), ApiError> {
    delete(&format!("/teams/{team_id}/credentials/{id}")).await
}

/// Deletes a trashed credential for good (admins).
pub async fn purge_credential(team_id: &str, id: &str) -> Result<(), ApiError> {
    delete(&format!("/teams/{team_id}/credentials/{id}/purge")).await
}

/// Restores a credential from the trash.
pub async fn restore_credential(team_id: &str, id: &str) -> Result<(), ApiError> {
    post(
        &format!("/teams/{team_id}/credentials/{id}/restore"),
        &serde_json::json!({}),
    )
    .await
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
    /// `{origin}/invite/{id}#{secret}`: the one place the secret is written out.
    pub fn dangerously_to_url(&self, origin: &str) -> String {
        format!(
            "{}/invite/{}#{}",
            origin.trim_end_matches('/'),
            self.id,
            self.secret.dangerously_to_fragment().as_str()
        )
    }
}

/// A team's invitations (admins).
pub async fn invites(team_id: &str) -> Result<Vec<InviteInfo>, ApiError> {
    get(&format!("/teams/{team_id}/invites")).await
}

/// Makes an invitation link for `role` (admins): signs the `invite` entry (with the
/// verifying key derived from the link's secret) and seals the log's pin after it for the
/// invitee, under a key from the same secret.
pub async fn invite(
    keys: &Keys,
    team_id: &str,
    team_key: &TeamKey,
    role: Role,
) -> Result<(InviteInfo, InviteLink), ApiError> {
    let id = new_id()?;
    let secret = InviteSecret::generate()?;
    let wrapped = secret.wrap_team_key(team_key, team_id, &id)?;
    let action = Action::Invite {
        invite_id: id.clone(),
        role,
        invite_key: secret.verifying_key()?,
    };
    let (state, entry) = sign_change(keys, team_id, action).await?;
    let mut after = state.clone();
    after.apply(&entry)?;
    let anchor = secret.seal_anchor(&after.pin(), team_id, &id)?;
    let info: InviteInfo = post(
        &format!("/teams/{team_id}/invites"),
        &CreateInviteRequest {
            id: id.clone(),
            role,
            expires_in_days: None,
            token: secret.token()?,
            wrapped_team_key: wrapped.to_base64(),
            key_version: team_key.version(),
            note: None,
            log_entry: entry.to_base64(),
            anchor: anchor.to_base64(),
        },
    )
    .await?;
    changed(keys, team_id, state, &entry).await?;
    Ok((info, InviteLink { id, secret }))
}

/// Withdraws a pending invitation, signed into the log (so nobody can join with it,
/// whatever the server says).
pub async fn revoke_invite(keys: &Keys, team_id: &str, invite_id: &str) -> Result<(), ApiError> {
    let action = Action::Revoke {
        invite_id: invite_id.to_owned(),
    };
    let (state, entry) = sign_change(keys, team_id, action).await?;
    delete_with::<_, ()>(
        &format!("/teams/{team_id}/invites/{invite_id}"),
        &LogEntryRequest {
            log_entry: entry.to_base64(),
        },
    )
    .await?;
    changed(keys, team_id, state, &entry).await
}

/// What an invitation offers (needs its link's secret).
pub async fn preview_invite(link: &InviteLink) -> Result<InvitePreview, ApiError> {
    post(
        &format!("/invites/{}/preview", link.id),
        &InviteTokenRequest {
            token: link.secret.token()?,
        },
    )
    .await
}

/// Joins a team. Its log is trusted only from the pin sealed under the link's secret; the
/// invitation must be open in it with the link's own key, the team key must be the log's
/// current version, and the join entry is signed with the caller's keys and the
/// invitation's.
pub async fn accept_invite(keys: &Keys, link: &InviteLink) -> Result<TeamInfo, ApiError> {
    let preview = preview_invite(link).await?;
    let team_id = preview.team_id.as_str();
    let tampered = |what: &str| {
        ApiError::from(signet_core::Error::MembershipLog(format!(
            "{what}: the server's answer does not match what the inviting admin signed; do not \
             use this invitation (ask the admin to check the team)"
        )))
    };
    let pin = InviteAnchor::from_base64(&preview.anchor)?
        .open(&link.secret, team_id, &link.id)
        .map_err(|_| tampered("the invitation's anchor does not open with this link"))?;
    let state = TeamState::verify(team_id, &trust::parse_log(&preview.log)?, &pin)?;
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
    trust::record_pin(keys, team_id, state.pin()).await?;
    let entry = state.join(
        &link.secret,
        &link.id,
        &keys.user.id,
        &keys.account.key_pair,
    )?;
    let wrap = key.wrap_for_self(&keys.account.user_key, team_id)?;
    let info: TeamInfo = post(
        &format!("/invites/{}/accept", link.id),
        &AcceptInviteRequest {
            token: link.secret.token()?,
            self_wrapped_team_key: wrap.to_base64(),
            log_entry: entry.to_base64(),
        },
    )
    .await?;
    changed(keys, team_id, state, &entry).await?;
    Ok(info)
}

/// Changes a member's role (admins; only owners touch owners), signed into the log.
pub async fn change_role(
    keys: &Keys,
    team_id: &str,
    user_id: &str,
    role: Role,
) -> Result<(), ApiError> {
    let action = Action::ChangeRole {
        user_id: user_id.to_owned(),
        role,
    };
    let (state, entry) = sign_change(keys, team_id, action).await?;
    patch::<_, serde_json::Value>(
        &format!("/teams/{team_id}/members/{user_id}"),
        &ChangeRoleRequest {
            role,
            log_entry: entry.to_base64(),
        },
    )
    .await?;
    changed(keys, team_id, state, &entry).await
}

/// Removes a member, signed into the log (the team key must then be rotated).
pub async fn remove_member(keys: &Keys, team_id: &str, user_id: &str) -> Result<(), ApiError> {
    let action = Action::Remove {
        user_id: user_id.to_owned(),
    };
    let (state, entry) = sign_change(keys, team_id, action).await?;
    delete_with::<_, ()>(
        &format!("/teams/{team_id}/members/{user_id}"),
        &LogEntryRequest {
            log_entry: entry.to_base64(),
        },
    )
    .await?;
    changed(keys, team_id, state, &entry).await
}

/// Rotates the team key after a removal: re-wraps every credential's item key and sends the
/// new key to every remaining member, signed. `progress` hears each step.
pub async fn rotate(
    keys: &Keys,
    team_id: &str,
    current: &TeamKey,
    progress: impl Fn(&str),
) -> Result<TeamKey, ApiError> {
    progress("Verifying the team's members and fetching credentials…");
    let next = current
        .version()
        .checked_add(1)
        .ok_or_else(|| ApiError::local("team key version overflow"))?;
    let (state, entry) = sign_change(keys, team_id, Action::Rotate { key_version: next }).await?;
    if current.version() != state.key_version() {
        return Err(version_mismatch(current.version(), &state));
    }
    let others: Vec<(&String, &VerifiedPublicKeys)> = state
        .members()
        .iter()
        .filter(|(id, _)| **id != keys.user.id)
        .map(|(id, m)| (id, &m.keys))
        .collect();
    let mut all = credentials(team_id, false).await?;
    all.extend(credentials(team_id, true).await?);
    let wrapped = all
        .iter()
        .map(|c| {
            let text = c
                .wrapped_key
                .as_deref()
                .ok_or_else(|| ApiError::local("credential without its wrapped key"))?;
            Ok(WrappedItemKey::from_base64(text)?)
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    progress(&format!(
        "Re-wrapping {} credential keys for {} members…",
        all.len(),
        others.len() + 1
    ));
    gloo_timers::future::TimeoutFuture::new(20).await;
    let items: Vec<RotationItem<'_>> = all
        .iter()
        .zip(&wrapped)
        .map(|(c, w)| RotationItem {
            item_id: &c.id,
            wrapped_key: w,
        })
        .collect();
    let rotation_members: Vec<RotationMember<'_>> = others
        .iter()
        .map(|(id, k)| RotationMember {
            user_id: id,
            public_keys: k,
        })
        .collect();
    let rotator = Rotator {
        user_id: &keys.user.id,
        user_key: &keys.account.user_key,
        key_pair: &keys.account.key_pair,
    };
    let rotation = rotate_team_key(&rotator, team_id, current, &items, &rotation_members)?;
    progress("Sending the new team key…");
    let _: TeamInfo = post(
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
    changed(keys, team_id, state, &entry).await?;
    Ok(rotation.team_key)
}

/// One page (50 entries) of a team's audit log, newest first, optionally one action only.
pub async fn audit(
    team_id: &str,
    action: &str,
    after: &str,
) -> Result<Page<signet_core::wire::audit::AuditEntry>, ApiError> {
    get(&format!(
        "/teams/{team_id}/audit?limit=50&action={action}&after={after}"
    ))
    .await
}

/// A team's alert destinations, newest deliveries and whether email works (admins).
pub async fn alerts(team_id: &str) -> Result<signet_core::wire::alert::AlertsOverview, ApiError> {
    get(&format!("/teams/{team_id}/alerts")).await
}

/// Adds an alert destination; a generic webhook's secret is in the answer, once.
pub async fn add_alert_destination(
    team_id: &str,
    request: &signet_core::wire::alert::CreateDestinationRequest,
) -> Result<signet_core::wire::alert::CreatedDestination, ApiError> {
    post(&format!("/teams/{team_id}/alerts/destinations"), request).await
}

/// Removes an alert destination.
pub async fn remove_alert_destination(team_id: &str, id: &str) -> Result<(), ApiError> {
    delete(&format!("/teams/{team_id}/alerts/destinations/{id}")).await
}

/// Sends a test alert to one destination now.
pub async fn test_alert_destination(
    team_id: &str,
    id: &str,
) -> Result<signet_core::wire::alert::DeliveryInfo, ApiError> {
    post(
        &format!("/teams/{team_id}/alerts/destinations/{id}/test"),
        &serde_json::json!({}),
    )
    .await
}
