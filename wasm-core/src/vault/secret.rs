//! The one container for 32-byte symmetric secrets, and the derivation and AEAD helpers
//! every other vault module builds on. Nothing here is public API: the typed keys
//! (`UserKey`, `TeamKey`, `ItemKey`, …) wrap [`Key32`] so that one kind of key can never be
//! passed where another is expected.

use aes_gcm::{
    Aes256Gcm, KeyInit,
    aead::{Aead, Nonce, Payload},
};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{Error, Result};

/// 32 secret bytes, zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Key32([u8; 32]);

impl Key32 {
    /// Fresh random key.
    pub(crate) fn random() -> Result<Self> {
        let mut k = Self([0u8; 32]);
        super::rng::fill(&mut k.0)?;
        Ok(k)
    }

    /// Takes ownership of `bytes` (the caller's copy should be zeroized by the caller).
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Copies from a slice of exactly 32 bytes; anything else is an opaque open failure,
    /// because callers use this on freshly decrypted plaintext.
    pub(crate) fn from_plaintext(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| Error::OpenFailed)?;
        Ok(Self(arr))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// HKDF-SHA256 from this key as input keying material, no salt, `info` as the label.
    pub(crate) fn derive(&self, info: &[u8]) -> Result<Key32> {
        hkdf32(&self.0, None, info)
    }
}

impl core::fmt::Debug for Key32 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Key32(<redacted>)")
    }
}

/// HKDF-SHA256 → 32 bytes.
pub(crate) fn hkdf32(ikm: &[u8], salt: Option<&[u8]>, info: &[u8]) -> Result<Key32> {
    let hk = Hkdf::<Sha256>::new(salt, ikm);
    let mut out = Zeroizing::new([0u8; 32]);
    hk.expand(info, out.as_mut())
        .map_err(|_| Error::InvalidInput("HKDF output length".into()))?;
    Ok(Key32(*out))
}

/// AES-256-GCM encryption with a 96-bit nonce; returns ciphertext ‖ tag.
pub(crate) fn aead_seal(key: &Key32, nonce: &[u8; 12], aad: &[u8], msg: &[u8]) -> Result<Vec<u8>> {
    let cipher = Aes256Gcm::new(&key.0.into());
    let nonce: Nonce<Aes256Gcm> = (*nonce).into();
    cipher
        .encrypt(&nonce, Payload { msg, aad })
        .map_err(|_| Error::InvalidInput("message too long to encrypt".into()))
}

/// AES-256-GCM decryption. Every failure is [`Error::OpenFailed`].
pub(crate) fn aead_open(
    key: &Key32,
    nonce: &[u8; 12],
    aad: &[u8],
    ct: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let cipher = Aes256Gcm::new(&key.0.into());
    let nonce: Nonce<Aes256Gcm> = (*nonce).into();
    cipher
        .decrypt(&nonce, Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| Error::OpenFailed)
}
