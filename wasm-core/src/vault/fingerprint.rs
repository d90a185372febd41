//! Fingerprints of users' signing keys, for comparing out of band ("read me your
//! fingerprint" over a call) — the defence against a server substituting public keys.
//!
//! Definition (stable; a test pins it):
//! `SHA-256("signet/v1/fingerprint" ‖ SEC1-compressed ECDSA public key)`, first 20 bytes
//! (160 bits), written as 40 lowercase hex digits in ten groups of four separated by
//! spaces: `3f2a 9c01 …`.

use p256::ecdsa::VerifyingKey;
use sha2::{Digest, Sha256};

use super::keypair::compressed_vk;

/// A signing key's fingerprint.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 20]);

impl Fingerprint {
    /// The fingerprint of a signing key.
    pub fn of(key: &VerifyingKey) -> Self {
        let mut h = Sha256::new();
        h.update(b"signet/v1/fingerprint");
        h.update(compressed_vk(key));
        let d = h.finalize();
        let mut out = [0u8; 20];
        out.copy_from_slice(&d[..20]);
        Self(out)
    }

    /// The 20 bytes.
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }
}

impl core::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, pair) in self.0.chunks(2).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            for b in pair {
                write!(f, "{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl core::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}
