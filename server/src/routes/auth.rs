//! `/api/auth/…`: pre-login, sign-up policy, register, login, logout, me, password change,
//! recovery.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use signet_core::{
    vault::{
        envelope::to_base64,
        kdf::KdfParams,
        keypair::SignedPublicKeys,
        server_side::{PresentedSecret, hash_for_storage, verify_presented},
    },
    wire::{
        SESSION_COOKIE,
        account::{
            AccountKeys, ClientKind, LoginRequest, PasswordChangeRequest, PreloginRequest,
            PreloginResponse, RecoveryBeginRequest, RecoveryBeginResponse, RecoveryCompleteRequest,
            RegisterRequest, SessionResponse, SignupPolicyInfo, TrustStateBlob, UserInfo,
        },
    },
};

use super::{json::ApiJson, validate};
use crate::{
    ApiError, AppState,
    auth::{BROWSER_ABSOLUTE, CLI_ABSOLUTE, SignedIn},
    ids::{check_uuid, new_session_token, new_uuid, session_hash},
    signups::SignupMode,
    store::{
        accounts::{Admission, NewPassword, UserRow},
        audit::{Actor, Record},
        now,
    },
};

const WRONG_LOGIN: ApiError = ApiError::BadCredentials(
    "wrong email or password (if you forgot the password, recover the account with its recovery code)",
);
const WRONG_RECOVERY: ApiError =
    ApiError::BadCredentials("wrong email or recovery code; check the code for typos");

/// Per-IP attempts per minute on login-like routes.
const IP_LIMIT: i64 = 30;
/// Failed attempts per account per window before a short pause.
const ACCOUNT_FAILURES: i64 = 10;
/// The per-account window: the longest an attacker can lock a user out.
const ACCOUNT_WINDOW: i64 = 300;

fn parse_or(text: &str, what: &'static str) -> Result<(), ApiError> {
    validate::blob(text, what, 4096)
}

fn user_info(u: &UserRow) -> UserInfo {
    UserInfo {
        id: u.id.clone(),
        email: u.email.clone(),
        fingerprint: u.fingerprint.clone(),
    }
}

fn keys(u: &UserRow) -> Result<AccountKeys, ApiError> {
    Ok(AccountKeys {
        kdf_params: serde_json::from_str(&u.kdf_params)
            .map_err(|e| ApiError::Internal(format!("kdf_params: {e}")))?,
        kdf_salt: u.kdf_salt.clone(),
        wrapped_user_key: u.wrapped_user_key.clone(),
        public_keys: u.public_keys.clone(),
        sealed_private_keys: u.sealed_private_keys.clone(),
    })
}

/// Starts a session for `user` and answers with it (a cookie for browsers, the token in the
/// body for the CLI), recording the sign-in.
async fn start_session(
    state: &AppState,
    user: &UserRow,
    client: ClientKind,
    ip: String,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let now = now();
    let token = new_session_token()?;
    let (kind, lifetime) = match client {
        ClientKind::Browser => ("browser", BROWSER_ABSOLUTE),
        ClientKind::Cli => ("cli", CLI_ABSOLUTE),
    };
    state
        .store
        .create_session(&session_hash(&token), &user.id, kind, now, now + lifetime)
        .await?;
    let actor = Actor {
        user_id: Some(user.id.clone()),
        email: Some(user.email.clone()),
        robot_id: None,
        ip,
    };
    state
        .store
        .audit(
            &actor,
            Record {
                team_id: None,
                action: "user.signed_in",
                target_type: "user",
                target_id: &user.id,
                detail: kind.to_owned(),
            },
            now,
        )
        .await?;
    let body = SessionResponse {
        user: user_info(user),
        keys: keys(user)?,
        token: (client == ClientKind::Cli).then(|| token.clone()),
        expires_at: now + lifetime,
    };
    let mut response = (status, Json(body)).into_response();
    if client == ClientKind::Browser {
        let cookie = format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={lifetime}"
        );
        let value = HeaderValue::from_str(&cookie)
            .map_err(|e| ApiError::Internal(format!("cookie: {e}")))?;
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The IP for rate limits and the audit log, from the connection.
pub(super) struct Ip(pub String);

impl axum::extract::FromRequestParts<AppState> for Ip {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &AppState,
    ) -> Result<Self, ApiError> {
        Ok(Self(crate::auth::client_ip(parts)))
    }
}

/// `POST /api/auth/prelogin`.
pub(super) async fn prelogin(
    State(state): State<AppState>,
    Ip(ip): Ip,
    ApiJson(req): ApiJson<PreloginRequest>,
) -> Result<Json<PreloginResponse>, ApiError> {
    let now = now();
    state
        .store
        .rate_limit(&format!("prelogin-ip:{ip}"), 60, 120, now)
        .await?;
    let email = validate::email(&req.email)?;
    if let Some(user) = state.store.user_by_email(&email).await? {
        let k = keys(&user)?;
        return Ok(Json(PreloginResponse {
            kdf_params: k.kdf_params,
            kdf_salt: k.kdf_salt,
        }));
    }
    // Unknown email: a salt that is stable for this email and installation, and the default
    // parameters, so the answer looks like a real account's.
    let mut h = Sha256::new();
    h.update(b"signet/v1/server/fake-salt");
    h.update(state.store.instance_secret().as_bytes());
    h.update(email.as_bytes());
    Ok(Json(PreloginResponse {
        kdf_params: KdfParams::DEFAULT,
        kdf_salt: to_base64(&h.finalize()[..16]),
    }))
}

/// `GET /api/auth/signups`: who may sign up here, for the sign-in page.
pub(super) async fn signups(
    State(state): State<AppState>,
) -> Result<Json<SignupPolicyInfo>, ApiError> {
    let has_users = match state.signups.mode() {
        SignupMode::InviteOnly => state.store.has_users().await?,
        SignupMode::Open | SignupMode::Closed => true,
    };
    Ok(Json(state.signups.info(has_users)))
}

/// `POST /api/auth/register`: creates the account if the sign-up policy lets it in (see
/// [`crate::signups`]), and signs in.
pub(super) async fn register(
    State(state): State<AppState>,
    Ip(ip): Ip,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    let now = now();
    state
        .store
        .rate_limit(&format!("register-ip:{ip}"), 3600, 50, now)
        .await?;
    let email = validate::email(&req.email)?;
    state.signups.check_address(&email)?;
    let admission = match state.signups.mode() {
        SignupMode::InviteOnly => {
            if let Some(invite) = &req.invite {
                check_uuid(&invite.id, "invite.id")?;
            }
            Admission::FirstOrInvited(
                req.invite
                    .as_ref()
                    .map(|i| (i.id.as_str(), i.token.as_str())),
            )
        }
        // Closed was refused by `check_address`.
        SignupMode::Open | SignupMode::Closed => Admission::Anyone,
    };
    validate::kdf_params(&req.kdf_params)?;
    validate::blob(&req.kdf_salt, "kdf_salt", 16)?;
    parse_or(&req.wrapped_user_key, "wrapped_user_key")?;
    parse_or(&req.recovery_wrapped_user_key, "recovery_wrapped_user_key")?;
    parse_or(&req.sealed_private_keys, "sealed_private_keys")?;
    let public_keys = SignedPublicKeys::from_base64(&req.public_keys)
        .and_then(|k| k.verify())
        .map_err(|e| ApiError::Invalid(format!("public_keys: {e}")))?;
    let bad =
        |what: &str| ApiError::Invalid(format!("{what} must be at least 16 bytes of base64url"));
    let user = UserRow {
        id: new_uuid()?,
        email,
        kdf_params: serde_json::to_string(&req.kdf_params)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
        kdf_salt: req.kdf_salt.clone(),
        auth_hash: hash_for_storage(PresentedSecret::AuthKey, &req.auth_key)
            .map_err(|_| bad("auth_key"))?,
        recovery_auth_hash: hash_for_storage(
            PresentedSecret::RecoveryAuthKey,
            &req.recovery_auth_key,
        )
        .map_err(|_| bad("recovery_auth_key"))?,
        wrapped_user_key: req.wrapped_user_key.clone(),
        recovery_wrapped_user_key: req.recovery_wrapped_user_key.clone(),
        public_keys: req.public_keys.clone(),
        sealed_private_keys: req.sealed_private_keys.clone(),
        fingerprint: public_keys.fingerprint().to_string(),
    };
    state.store.create_user(&user, admission, now).await?;
    start_session(&state, &user, req.client, ip, StatusCode::CREATED).await
}

/// Refuses while the account is paused after too many failures; counts one attempt per IP.
async fn check_limits(
    state: &AppState,
    kind: &str,
    ip: &str,
    email: &str,
    now: i64,
) -> Result<(), ApiError> {
    state
        .store
        .rate_limit(&format!("{kind}-ip:{ip}"), 60, IP_LIMIT, now)
        .await?;
    state
        .store
        .rate_limited(
            &format!("{kind}-fail:{email}"),
            ACCOUNT_WINDOW,
            ACCOUNT_FAILURES,
            now,
        )
        .await
}

async fn count_failure(
    state: &AppState,
    kind: &str,
    email: &str,
    now: i64,
) -> Result<(), ApiError> {
    // Counting can itself hit the limit; the caller answers "wrong password" either way.
    match state
        .store
        .rate_limit(
            &format!("{kind}-fail:{email}"),
            ACCOUNT_WINDOW,
            ACCOUNT_FAILURES,
            now,
        )
        .await
    {
        Ok(()) | Err(ApiError::RateLimited { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// `POST /api/auth/login`.
pub(super) async fn login(
    State(state): State<AppState>,
    Ip(ip): Ip,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let now = now();
    let email = validate::email(&req.email)?;
    check_limits(&state, "login", &ip, &email, now).await?;
    let user = state.store.user_by_email(&email).await?;
    match user {
        Some(user)
            if verify_presented(PresentedSecret::AuthKey, &req.auth_key, &user.auth_hash) =>
        {
            start_session(&state, &user, req.client, ip, StatusCode::OK).await
        }
        _ => {
            count_failure(&state, "login", &email, now).await?;
            Err(WRONG_LOGIN)
        }
    }
}

/// `POST /api/auth/logout`: ends the presented session and clears the cookie.
pub(super) async fn logout(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, ApiError> {
    // The extractor already found the live session; revoke exactly that one.
    state
        .store
        .revoke_session(&user.session.token_hash, now())
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// `GET /api/auth/me`: who is signed in and the encrypted keys to unlock with.
pub(super) async fn me(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Json<SessionResponse>, ApiError> {
    let u = state
        .store
        .user_by_id(&user.session.user_id)
        .await?
        .ok_or(ApiError::Unauthenticated("this account no longer exists"))?;
    Ok(Json(SessionResponse {
        user: user_info(&u),
        keys: keys(&u)?,
        token: None,
        expires_at: user.session.expires_at,
    }))
}

/// `POST /api/auth/password`: new password; every other session is signed out.
pub(super) async fn change_password(
    State(state): State<AppState>,
    user: SignedIn,
    ApiJson(req): ApiJson<PasswordChangeRequest>,
) -> Result<StatusCode, ApiError> {
    let now = now();
    let u = state
        .store
        .user_by_id(&user.session.user_id)
        .await?
        .ok_or(ApiError::Unauthenticated("this account no longer exists"))?;
    check_limits(&state, "password", &user.actor.ip, &u.email, now).await?;
    if !verify_presented(
        PresentedSecret::AuthKey,
        &req.current_auth_key,
        &u.auth_hash,
    ) {
        count_failure(&state, "password", &u.email, now).await?;
        return Err(ApiError::BadCredentials("the current password is wrong"));
    }
    validate::kdf_params(&req.kdf_params)?;
    validate::blob(&req.kdf_salt, "kdf_salt", 16)?;
    parse_or(&req.wrapped_user_key, "wrapped_user_key")?;
    let auth_hash = hash_for_storage(PresentedSecret::AuthKey, &req.auth_key)
        .map_err(|_| ApiError::Invalid("auth_key must be at least 16 bytes of base64url".into()))?;
    state
        .store
        .change_password(
            &u.id,
            &NewPassword {
                kdf_params: serde_json::to_string(&req.kdf_params)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
                kdf_salt: req.kdf_salt.clone(),
                auth_hash,
                wrapped_user_key: req.wrapped_user_key.clone(),
                recovery: None,
            },
            Some(&user.session.token_hash),
            now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/auth/recovery/begin`: the recovery-wrapped user key, for the right code.
pub(super) async fn recovery_begin(
    State(state): State<AppState>,
    Ip(ip): Ip,
    ApiJson(req): ApiJson<RecoveryBeginRequest>,
) -> Result<Json<RecoveryBeginResponse>, ApiError> {
    let now = now();
    let email = validate::email(&req.email)?;
    check_limits(&state, "recovery", &ip, &email, now).await?;
    match state.store.user_by_email(&email).await? {
        Some(u)
            if verify_presented(
                PresentedSecret::RecoveryAuthKey,
                &req.recovery_auth_key,
                &u.recovery_auth_hash,
            ) =>
        {
            Ok(Json(RecoveryBeginResponse {
                recovery_wrapped_user_key: u.recovery_wrapped_user_key,
                sealed_private_keys: u.sealed_private_keys,
            }))
        }
        _ => {
            count_failure(&state, "recovery", &email, now).await?;
            Err(WRONG_RECOVERY)
        }
    }
}

/// `POST /api/auth/recovery/complete`: sets the new password, signs out everywhere, signs in.
pub(super) async fn recovery_complete(
    State(state): State<AppState>,
    Ip(ip): Ip,
    ApiJson(req): ApiJson<RecoveryCompleteRequest>,
) -> Result<Response, ApiError> {
    let now = now();
    let email = validate::email(&req.email)?;
    check_limits(&state, "recovery", &ip, &email, now).await?;
    let Some(u) = state.store.user_by_email(&email).await? else {
        count_failure(&state, "recovery", &email, now).await?;
        return Err(WRONG_RECOVERY);
    };
    if !verify_presented(
        PresentedSecret::RecoveryAuthKey,
        &req.recovery_auth_key,
        &u.recovery_auth_hash,
    ) {
        count_failure(&state, "recovery", &email, now).await?;
        return Err(WRONG_RECOVERY);
    }
    validate::kdf_params(&req.kdf_params)?;
    validate::blob(&req.kdf_salt, "kdf_salt", 16)?;
    parse_or(&req.wrapped_user_key, "wrapped_user_key")?;
    let auth_hash = hash_for_storage(PresentedSecret::AuthKey, &req.auth_key)
        .map_err(|_| ApiError::Invalid("auth_key must be at least 16 bytes of base64url".into()))?;
    // A new recovery code replaces the one just used, in the same transaction.
    let recovery = match &req.new_recovery {
        Some(r) => {
            parse_or(
                &r.recovery_wrapped_user_key,
                "new_recovery.recovery_wrapped_user_key",
            )?;
            let hash = hash_for_storage(PresentedSecret::RecoveryAuthKey, &r.recovery_auth_key)
                .map_err(|_| {
                    ApiError::Invalid(
                        "new_recovery.recovery_auth_key must be at least 16 bytes of base64url"
                            .into(),
                    )
                })?;
            Some((hash, r.recovery_wrapped_user_key.clone()))
        }
        None => None,
    };
    state
        .store
        .change_password(
            &u.id,
            &NewPassword {
                kdf_params: serde_json::to_string(&req.kdf_params)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
                kdf_salt: req.kdf_salt.clone(),
                auth_hash,
                wrapped_user_key: req.wrapped_user_key.clone(),
                recovery,
            },
            None,
            now,
        )
        .await?;
    let u = state.store.user_by_id(&u.id).await?.ok_or(WRONG_RECOVERY)?;
    start_session(&state, &u, req.client, ip, StatusCode::OK).await
}

/// `GET /api/account/trust-state`: the caller's sealed trust state and its write number.
pub(super) async fn trust_state(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Json<TrustStateBlob>, ApiError> {
    let (counter, sealed) = state.store.trust_state(&user.session.user_id).await?;
    Ok(Json(TrustStateBlob {
        counter: u32::try_from(counter)
            .map_err(|_| ApiError::Internal(format!("trust state counter {counter}")))?,
        sealed,
    }))
}

/// `PUT /api/account/trust-state`: store the next write (counter = stored + 1, else 409
/// `stale_trust_state`).
pub(super) async fn put_trust_state(
    State(state): State<AppState>,
    user: SignedIn,
    ApiJson(req): ApiJson<TrustStateBlob>,
) -> Result<StatusCode, ApiError> {
    let sealed = req
        .sealed
        .ok_or_else(|| ApiError::BadRequest("sealed is required".into()))?;
    validate::blob(&sealed, "sealed", 256 * 1024)?;
    if req.counter == 0 {
        return Err(ApiError::Invalid("counter starts at 1".into()));
    }
    state
        .store
        .put_trust_state(
            &user.session.user_id,
            i64::from(req.counter),
            &sealed,
            now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
