//! The user key: 32 random bytes that wrap everything the user holds (private keys, team
//! keys). The password only wraps this key, so a password change re-wraps 48 bytes and
//! nothing else.

use super::{
    envelope::{Binding, Purpose, Sealed, sealed_type},
    kdf::Kek,
    secret::Key32,
};
use crate::Result;

/// A user's root symmetric key. Zeroized on drop; `Debug` is redacted; not serializable.
#[derive(Clone)]
pub struct UserKey(pub(crate) Key32);

impl core::fmt::Debug for UserKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("UserKey(<redacted>)")
    }
}

impl UserKey {
    /// A fresh random user key (at registration only).
    pub fn generate() -> Result<Self> {
        Key32::random().map(Self)
    }

    /// Fixed key for pinned test vectors.
    #[cfg(test)]
    pub(crate) fn from_bytes_for_tests(bytes: [u8; 32]) -> Self {
        Self(Key32::from_bytes(bytes))
    }

    /// Wraps this key under the password-derived KEK (registration, password change).
    pub fn wrap_with_kek(&self, kek: &Kek) -> Result<WrappedUserKey> {
        Sealed::seal(
            &kek.0,
            Purpose::UserKeyByPassword,
            0,
            &Binding::new(),
            self.0.as_bytes(),
        )
        .map(WrappedUserKey)
    }
}

sealed_type!(
    /// The user key wrapped by the KEK (purpose `0x01`). Stored by the server, returned at
    /// login.
    WrappedUserKey,
    Purpose::UserKeyByPassword,
    "wrapped user key"
);

impl WrappedUserKey {
    /// Unwraps with the KEK derived from the password. Wrong password → [`crate::Error::OpenFailed`].
    pub fn open(&self, kek: &Kek) -> Result<UserKey> {
        self.0.open_key(&kek.0, &Binding::new()).map(UserKey)
    }
}
