//! Account life cycle on the client: register, unlock (by password or recovery code),
//! change the password. Composes [`kdf`](super::kdf), [`user_key`](super::user_key),
//! [`recovery`](super::recovery) and [`keypair`](super::keypair).

use super::{
    kdf::{AuthKey, KdfParams, KdfSalt, derive_account_keys},
    keypair::{SealedPrivateKeys, SignedPublicKeys, UserKeyPair},
    recovery::{RecoveryCode, RecoveryWrappedUserKey},
    user_key::{UserKey, WrappedUserKey},
};
use crate::Result;

/// What registration sends to the server: all public or encrypted, plus the auth key
/// (which the server hashes before storing).
#[derive(Debug, Clone)]
pub struct Registration {
    /// Argon2id parameters.
    pub kdf_params: KdfParams,
    /// Argon2id salt.
    pub kdf_salt: KdfSalt,
    /// Login proof; the server stores only its hash.
    pub auth_key: AuthKey,
    /// Recovery proof (text form); the server stores only its hash.
    pub recovery_auth_key: String,
    /// The user key under the password.
    pub wrapped_user_key: WrappedUserKey,
    /// The user key under the recovery code.
    pub recovery_wrapped_user_key: RecoveryWrappedUserKey,
    /// Public keys, self-signed.
    pub public_keys: SignedPublicKeys,
    /// Private keys under the user key.
    pub sealed_private_keys: SealedPrivateKeys,
}

/// A user's keys in memory after unlocking. Zeroized on drop; `Debug` is redacted.
#[derive(Debug, Clone)]
pub struct UnlockedAccount {
    /// The user key.
    pub user_key: UserKey,
    /// The key pairs.
    pub key_pair: UserKeyPair,
}

/// Creates a new account's keys. Returns what to send to the server, the unlocked keys, and
/// the recovery code to show the user once.
pub fn register(
    password: &str,
    kdf_params: KdfParams,
) -> Result<(Registration, UnlockedAccount, RecoveryCode)> {
    let kdf_salt = KdfSalt::generate()?;
    let keys = derive_account_keys(password, &kdf_salt, &kdf_params)?;
    let user_key = UserKey::generate()?;
    let key_pair = UserKeyPair::generate()?;
    let recovery = RecoveryCode::generate()?;
    let registration = Registration {
        kdf_params,
        kdf_salt,
        auth_key: keys.auth_key,
        recovery_auth_key: recovery.dangerously_auth_key_base64()?,
        wrapped_user_key: user_key.wrap_with_kek(&keys.kek)?,
        recovery_wrapped_user_key: recovery.wrap_user_key(&user_key)?,
        public_keys: key_pair.public_keys()?,
        sealed_private_keys: key_pair.seal(&user_key)?,
    };
    Ok((
        registration,
        UnlockedAccount { user_key, key_pair },
        recovery,
    ))
}

impl UnlockedAccount {
    /// Unlocks with the password-derived keys (after login returned the wrapped keys).
    pub fn unlock(
        kek: &super::kdf::Kek,
        wrapped: &WrappedUserKey,
        sealed: &SealedPrivateKeys,
    ) -> Result<Self> {
        let user_key = wrapped.open(kek)?;
        let key_pair = sealed.open(&user_key)?;
        Ok(Self { user_key, key_pair })
    }

    /// Unlocks with the recovery code.
    pub fn unlock_with_recovery_code(
        code: &RecoveryCode,
        wrapped: &RecoveryWrappedUserKey,
        sealed: &SealedPrivateKeys,
    ) -> Result<Self> {
        let user_key = wrapped.open(code)?;
        let key_pair = sealed.open(&user_key)?;
        Ok(Self { user_key, key_pair })
    }

    /// A new password: new salt, new auth key, the same user key re-wrapped. Nothing else
    /// changes.
    pub fn change_password(
        &self,
        new_password: &str,
        kdf_params: KdfParams,
    ) -> Result<PasswordChange> {
        let kdf_salt = KdfSalt::generate()?;
        let keys = derive_account_keys(new_password, &kdf_salt, &kdf_params)?;
        Ok(PasswordChange {
            kdf_params,
            kdf_salt,
            auth_key: keys.auth_key,
            wrapped_user_key: self.user_key.wrap_with_kek(&keys.kek)?,
        })
    }
}

/// What a password change sends to the server.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    /// Argon2id parameters.
    pub kdf_params: KdfParams,
    /// New salt.
    pub kdf_salt: KdfSalt,
    /// New login proof.
    pub auth_key: AuthKey,
    /// The same user key under the new KEK.
    pub wrapped_user_key: WrappedUserKey,
}
