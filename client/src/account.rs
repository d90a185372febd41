//! Accounts: register, log in and unlock, recover, change the password.

use std::sync::Arc;

use signet_core::{
    vault::{
        account::{UnlockedAccount, register as make_registration},
        kdf::{KdfParams, KdfSalt, derive_account_keys_in},
        keypair::SealedPrivateKeys,
        recovery::{RecoveryCode, RecoveryWrappedUserKey},
        user_key::WrappedUserKey,
    },
    wire::account::{
        ClientKind, LoginRequest, NewRecovery, PasswordChangeRequest, PreloginRequest,
        PreloginResponse, RecoveryBeginRequest, RecoveryBeginResponse, RecoveryCompleteRequest,
        RegisterRequest, SessionResponse, SignupInvite, SignupPolicyInfo, UserInfo,
    },
};

use crate::{
    http::{Api, Auth, ClientError},
    team::InviteLink,
};

/// A signed-in user with their keys unlocked in memory (never written anywhere).
#[derive(Debug, Clone)]
pub struct Session {
    /// The server, authenticated with this session's bearer token.
    pub api: Api,
    /// Who is signed in.
    pub user: UserInfo,
    /// The unlocked keys (zeroized when the last clone of the session is dropped).
    pub account: Arc<UnlockedAccount>,
    /// The session token (to store in the CLI's config for later commands); empty for a
    /// browser session, which the `__Host-` cookie carries instead.
    pub token: String,
    /// Accept KDF parameters below the vault's floor (test servers only).
    pub weak_kdf_ok: bool,
    /// The KDF parameters the password was derived with this time (to remember, so a later
    /// login refuses weaker ones: see [`Session::login_at_least`]).
    pub kdf_params: KdfParams,
    /// What this user trusts (team log pins), shared by clones of the session.
    pub(crate) trust: crate::trust::SharedTrust,
}

// In the browser, Argon2id's working memory is made while a password form is shown
// ([`prepare_kdf_memory`]) and kept for the page's later derivations.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
thread_local! {
    static KDF_MEMORY: std::cell::RefCell<Option<signet_core::vault::kdf::KdfMemory>> =
        const { std::cell::RefCell::new(None) };
}

/// Makes Argon2id's working memory for `params` now, so the derivation that follows does not
/// pay for it (the dashboard calls this when it shows a password form). In the browser only:
/// natively a process derives once and nothing is kept.
pub fn prepare_kdf_memory(params: &KdfParams) -> Result<(), ClientError> {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    {
        // Measured as `signet:kdf-memory` (what the page spends while the form is shown),
        // which `cargo xtask bench` reports and waits for, as a person typing would.
        let performance = web_sys::window().and_then(|w| w.performance());
        if let Some(performance) = &performance {
            let _ = performance.mark("signet:kdf-memory:start");
        }
        KDF_MEMORY.with(|m| {
            let mut m = m.borrow_mut();
            if !m.as_ref().is_some_and(|m| m.fits(params)) {
                *m = None;
                *m = Some(signet_core::vault::kdf::KdfMemory::new(params)?);
            }
            Ok::<_, ClientError>(())
        })?;
        if let Some(performance) = &performance {
            let _ =
                performance.measure_with_start_mark("signet:kdf-memory", "signet:kdf-memory:start");
        }
    }
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    let _ = params;
    Ok(())
}

/// Argon2id and HKDF ([`derive_account_keys_in`], in the memory [`prepare_kdf_memory`] made
/// when it fits). In the browser the derivation is also a `signet:argon2id` performance
/// measure, which `cargo xtask bench` reads to compare it with the same derivation natively.
fn account_keys(
    password: &str,
    salt: &KdfSalt,
    params: &KdfParams,
) -> Result<signet_core::vault::kdf::AccountKeys, ClientError> {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    {
        let performance = web_sys::window().and_then(|w| w.performance());
        if let Some(performance) = &performance {
            let _ = performance.mark("signet:argon2id:start");
        }
        let keys = KDF_MEMORY
            .with(|m| derive_account_keys_in(password, salt, params, m.borrow_mut().as_mut()))?;
        if let Some(performance) = &performance {
            let _ = performance.measure_with_start_mark("signet:argon2id", "signet:argon2id:start");
        }
        Ok(keys)
    }
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    Ok(derive_account_keys_in(password, salt, params, None)?)
}

/// Whether `p` is below the vault's floor (test parameters).
fn is_weak(p: &KdfParams) -> bool {
    KdfParams::new(p.memory_kib, p.iterations, p.parallelism).is_err()
}

fn params_for(p: KdfParams, weak_ok: bool) -> KdfParams {
    if weak_ok {
        KdfParams::dangerously_weak_for_tests(p.memory_kib, p.iterations)
    } else {
        p
    }
}

fn bearer(api: &Api, response: &SessionResponse) -> Result<(Api, String), ClientError> {
    if api.client_kind() == ClientKind::Browser {
        // The server set the session cookie; the browser sends it along.
        return Ok((api.clone(), String::new()));
    }
    let token = response
        .token
        .clone()
        .ok_or_else(|| ClientError::Protocol("the server returned no session token".into()))?;
    Ok((api.with_auth(Auth::Bearer(token.clone())), token))
}

fn unlock(
    response: &SessionResponse,
    kek: &signet_core::vault::kdf::Kek,
) -> Result<UnlockedAccount, ClientError> {
    let wrapped = WrappedUserKey::from_base64(&response.keys.wrapped_user_key)?;
    let sealed = SealedPrivateKeys::from_base64(&response.keys.sealed_private_keys)?;
    UnlockedAccount::unlock(kek, &wrapped, &sealed).map_err(|e| match e {
        // The server accepted the login proof derived from this password: the password is
        // right, so keys that do not open are the server's doing, not a typo.
        signet_core::Error::OpenFailed => ClientError::Protocol(
            "your password is right (the server accepted the login proof derived from it), but \
             the encrypted keys the server sent back do not open with it: the server's data is \
             damaged or was tampered with. Nothing was changed or stored; tell your admin"
                .into(),
        ),
        other => other.into(),
    })
}

impl Session {
    /// A session of `user` with her unlocked keys.
    fn signed_in(
        api: Api,
        user: UserInfo,
        account: UnlockedAccount,
        token: String,
        weak_kdf_ok: bool,
        kdf_params: KdfParams,
    ) -> Self {
        Self {
            api,
            user,
            account: Arc::new(account),
            token,
            weak_kdf_ok,
            kdf_params,
            trust: Default::default(),
        }
    }

    /// Registers a new account: derives every key locally, sends only what the vault
    /// produces, and returns the session plus the recovery code to show the user once.
    pub async fn register(
        api: &Api,
        email: &str,
        password: &str,
        kdf_params: KdfParams,
    ) -> Result<(Self, RecoveryCode), ClientError> {
        Self::register_with_invite(api, email, password, kdf_params, None).await
    }

    /// [`Session::register`] with the invitation link the person was sent, which an
    /// invite-only server asks of a new account. Only the token derived from the link's
    /// secret is sent; joining the team is still [`Session::accept_invite`].
    pub async fn register_with_invite(
        api: &Api,
        email: &str,
        password: &str,
        kdf_params: KdfParams,
        invite: Option<&InviteLink>,
    ) -> Result<(Self, RecoveryCode), ClientError> {
        let invite = match invite {
            Some(link) => Some(SignupInvite {
                id: link.id.clone(),
                token: link.secret.token()?,
            }),
            None => None,
        };
        let weak_kdf_ok = is_weak(&kdf_params);
        let (registration, account, recovery) = make_registration(password, kdf_params)?;
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
            client: api.client_kind(),
            invite,
        };
        let response: SessionResponse = api.post("/auth/register", &request).await?;
        let (api, token) = bearer(api, &response)?;
        Ok((
            Self::signed_in(api, response.user, account, token, weak_kdf_ok, kdf_params),
            recovery,
        ))
    }

    /// Logs in with the password and unlocks the keys. The KDF parameters the server hands
    /// out are checked against the vault's floor and ceiling first (`weak_ok` waives the
    /// floor, for test servers only).
    pub async fn login(
        api: &Api,
        email: &str,
        password: &str,
        weak_ok: bool,
    ) -> Result<Self, ClientError> {
        Self::login_at_least(api, email, password, weak_ok, None).await
    }

    /// [`Session::login`], refusing — before any login proof is derived or sent — KDF
    /// parameters weaker than `seen` (what this machine saw the account use before): a
    /// server that lowers them would make a captured login proof cheaper to brute-force.
    pub async fn login_at_least(
        api: &Api,
        email: &str,
        password: &str,
        weak_ok: bool,
        seen: Option<KdfParams>,
    ) -> Result<Self, ClientError> {
        let pre: PreloginResponse = api
            .post(
                "/auth/prelogin",
                &PreloginRequest {
                    email: email.to_owned(),
                },
            )
            .await?;
        if let Some(seen) = seen
            && pre.kdf_params.is_weaker_than(&seen)
        {
            return Err(ClientError::Protocol(format!(
                "the server asks for weaker password hashing ({} KiB, {} passes) than this \
                 account used on this machine before ({} KiB, {} passes): refusing to log in, \
                 nothing was sent. The server may be trying to make your password cheaper to \
                 guess; tell your admin",
                pre.kdf_params.memory_kib,
                pre.kdf_params.iterations,
                seen.memory_kib,
                seen.iterations
            )));
        }
        let params = params_for(pre.kdf_params, weak_ok);
        let salt = KdfSalt::from_base64(&pre.kdf_salt)?;
        let keys = account_keys(password, &salt, &params)?;
        let response: SessionResponse = api
            .post(
                "/auth/login",
                &LoginRequest {
                    email: email.to_owned(),
                    auth_key: keys.auth_key.dangerously_to_base64(),
                    client: api.client_kind(),
                },
            )
            .await?;
        let account = unlock(&response, &keys.kek)?;
        let (api, token) = bearer(api, &response)?;
        Ok(Self::signed_in(
            api,
            response.user,
            account,
            token,
            weak_ok,
            pre.kdf_params,
        ))
    }

    /// Resumes a stored session token, unlocking with the password.
    pub async fn resume(
        api: &Api,
        token: &str,
        password: &str,
        weak_ok: bool,
    ) -> Result<Self, ClientError> {
        let api = api.with_auth(Auth::Bearer(token.to_owned()));
        let me: SessionResponse = api.get("/auth/me").await?;
        let mut session = Self::unlock(&api, &me, password, weak_ok)?;
        session.token = token.to_owned();
        Ok(session)
    }

    /// Unlocks the session `me` describes (what `GET /auth/me` answered through `api`, e.g.
    /// for the dashboard's cookie after a reload) with the password.
    pub fn unlock(
        api: &Api,
        me: &SessionResponse,
        password: &str,
        weak_ok: bool,
    ) -> Result<Self, ClientError> {
        let params = params_for(me.keys.kdf_params, weak_ok);
        let salt = KdfSalt::from_base64(&me.keys.kdf_salt)?;
        let keys = account_keys(password, &salt, &params)?;
        // The server vouched for the session, not the password: keys that do not open mean
        // the password is wrong.
        let wrapped = WrappedUserKey::from_base64(&me.keys.wrapped_user_key)?;
        let sealed = SealedPrivateKeys::from_base64(&me.keys.sealed_private_keys)?;
        let account =
            UnlockedAccount::unlock(&keys.kek, &wrapped, &sealed).map_err(|e| match e {
                signet_core::Error::OpenFailed => ClientError::WrongPassword,
                other => other.into(),
            })?;
        Ok(Self::signed_in(
            api.clone(),
            me.user.clone(),
            account,
            String::new(),
            weak_ok,
            me.keys.kdf_params,
        ))
    }

    /// Changes the password (same user key, re-wrapped); other sessions are signed out.
    pub async fn change_password(
        &self,
        current_password: &str,
        new_password: &str,
        kdf_params: KdfParams,
    ) -> Result<(), ClientError> {
        let me: SessionResponse = self.api.get("/auth/me").await?;
        let salt = KdfSalt::from_base64(&me.keys.kdf_salt)?;
        let params = params_for(me.keys.kdf_params, self.weak_kdf_ok);
        let current = account_keys(current_password, &salt, &params)?;
        let change = self.account.change_password(new_password, kdf_params)?;
        let _: () = self
            .api
            .post(
                "/auth/password",
                &PasswordChangeRequest {
                    current_auth_key: current.auth_key.dangerously_to_base64(),
                    kdf_params: change.kdf_params,
                    kdf_salt: change.kdf_salt.to_base64(),
                    auth_key: change.auth_key.dangerously_to_base64(),
                    wrapped_user_key: change.wrapped_user_key.to_base64(),
                },
            )
            .await?;
        Ok(())
    }

    /// Recovers an account with its recovery code and sets a new password. The code is used
    /// up: a new one replaces it (returned, to show once), and the old one stops working.
    pub async fn recover(
        api: &Api,
        email: &str,
        code: &RecoveryCode,
        new_password: &str,
        kdf_params: KdfParams,
    ) -> Result<(Self, RecoveryCode), ClientError> {
        let recovery_auth_key = code.dangerously_auth_key_base64()?;
        let begun: RecoveryBeginResponse = api
            .post(
                "/auth/recovery/begin",
                &RecoveryBeginRequest {
                    email: email.to_owned(),
                    recovery_auth_key: recovery_auth_key.clone(),
                },
            )
            .await?;
        let account = UnlockedAccount::unlock_with_recovery_code(
            code,
            &RecoveryWrappedUserKey::from_base64(&begun.recovery_wrapped_user_key)?,
            &SealedPrivateKeys::from_base64(&begun.sealed_private_keys)?,
        )?;
        let change = account.change_password(new_password, kdf_params)?;
        let next = RecoveryCode::generate()?;
        let new_recovery = NewRecovery {
            recovery_auth_key: next.dangerously_auth_key_base64()?,
            recovery_wrapped_user_key: next.wrap_user_key(&account.user_key)?.to_base64(),
        };
        let response: SessionResponse = api
            .post(
                "/auth/recovery/complete",
                &RecoveryCompleteRequest {
                    email: email.to_owned(),
                    recovery_auth_key,
                    kdf_params: change.kdf_params,
                    kdf_salt: change.kdf_salt.to_base64(),
                    auth_key: change.auth_key.dangerously_to_base64(),
                    wrapped_user_key: change.wrapped_user_key.to_base64(),
                    client: api.client_kind(),
                    new_recovery: Some(new_recovery),
                },
            )
            .await?;
        let (api, token) = bearer(api, &response)?;
        Ok((
            Self::signed_in(
                api,
                response.user,
                account,
                token,
                is_weak(&kdf_params),
                kdf_params,
            ),
            next,
        ))
    }

    /// Signs out (revokes the token, or the cookie's session).
    pub async fn logout(&self) -> Result<(), ClientError> {
        self.api.logout().await
    }
}

impl Api {
    /// `GET /api/health`.
    pub async fn health(&self) -> Result<signet_core::wire::Health, ClientError> {
        self.get("/health").await
    }

    /// `GET /api/auth/signups`: who may sign up on this server.
    pub async fn signups(&self) -> Result<SignupPolicyInfo, ClientError> {
        self.get("/auth/signups").await
    }

    /// `GET /api/auth/me`: the session this client carries, or `None` when signed out.
    pub async fn me(&self) -> Result<Option<SessionResponse>, ClientError> {
        match self.get::<SessionResponse>("/auth/me").await {
            Ok(me) => Ok(Some(me)),
            Err(e) if e.status() == Some(401) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Signs out the session this client carries (the server revokes it and clears the
    /// cookie).
    pub async fn logout(&self) -> Result<(), ClientError> {
        self.post::<_, ()>("/auth/logout", &serde_json::json!({}))
            .await
    }
}
