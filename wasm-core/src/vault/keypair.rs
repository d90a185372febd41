//! A user's two P-256 key pairs: ECDH (receives team keys by ECIES) and ECDSA (signs
//! metadata, ECIES wraps and the user's own ECDH public key).
//!
//! # Signed public keys, format version 1 (132 bytes)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | format version, `0x01` |
//! | 1 | 1 | purpose `0x0a` |
//! | 2 | 33 | ECDSA (signing) public key, SEC1 compressed |
//! | 35 | 33 | ECDH (agreement) public key, SEC1 compressed |
//! | 68 | 64 | ECDSA-P256-SHA256 signature `r ‖ s` by the signing key over `"signet/v1/public-keys" ‖ bytes 0..68` |
//!
//! # Private keys
//! Sealed box purpose `0x03` under the user key; plaintext = ECDH scalar (32 bytes, big-endian)
//! ‖ ECDSA scalar (32 bytes).

use p256::{
    PublicKey, SecretKey,
    ecdsa::{
        Signature, SigningKey, VerifyingKey,
        signature::{Signer, Verifier},
    },
    elliptic_curve::sec1::ToSec1Point,
};
use zeroize::Zeroizing;

use super::{
    envelope::{self, Binding, FORMAT_V1, Purpose, Sealed, encoded_type, sealed_type},
    fingerprint::Fingerprint,
    user_key::UserKey,
};
use crate::{Error, Result};

const PUBLIC_KEYS_LEN: usize = 132;
const PUBLIC_KEYS_LABEL: &[u8] = b"signet/v1/public-keys";

/// A user's private keys. Zeroized on drop (by the `p256` types); `Debug` is redacted; not
/// serializable.
#[derive(Clone)]
pub struct UserKeyPair {
    pub(crate) agreement: SecretKey,
    pub(crate) signing: SigningKey,
}

impl core::fmt::Debug for UserKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UserKeyPair")
            .field("fingerprint", &self.fingerprint().to_string())
            .field("private_keys", &"<redacted>")
            .finish()
    }
}

/// A random P-256 scalar from the vault's RNG (rejection-sampled; a 32-byte string is out of
/// range with probability ~2^-32).
pub(crate) fn random_secret_key() -> Result<SecretKey> {
    for _ in 0..64 {
        let bytes = Zeroizing::new(super::rng::bytes::<32>()?);
        if let Ok(k) = SecretKey::from_slice(bytes.as_ref()) {
            return Ok(k);
        }
    }
    Err(Error::Random("could not draw a valid P-256 scalar".into()))
}

/// SEC1 compressed encoding (33 bytes) of a public key.
pub(crate) fn compressed(pk: &PublicKey) -> [u8; 33] {
    let point = pk.to_sec1_point(true);
    let mut out = [0u8; 33];
    out.copy_from_slice(point.as_bytes());
    out
}

/// SEC1 compressed encoding (33 bytes) of a verifying key.
pub(crate) fn compressed_vk(vk: &VerifyingKey) -> [u8; 33] {
    let point = vk.to_sec1_point(true);
    let mut out = [0u8; 33];
    out.copy_from_slice(point.as_bytes());
    out
}

/// Verifies an `r ‖ s` ECDSA-P256-SHA256 signature; every failure is [`Error::BadSignature`].
pub(crate) fn verify(vk: &VerifyingKey, msg: &[u8], sig: &[u8], what: &'static str) -> Result<()> {
    let sig = Signature::from_slice(sig).map_err(|_| Error::BadSignature(what))?;
    vk.verify(msg, &sig).map_err(|_| Error::BadSignature(what))
}

impl UserKeyPair {
    /// Two fresh key pairs (at registration).
    pub fn generate() -> Result<Self> {
        let agreement = random_secret_key()?;
        let signing = SigningKey::from(random_secret_key()?);
        Ok(Self { agreement, signing })
    }

    /// Fixed keys for pinned test vectors.
    #[cfg(test)]
    pub(crate) fn from_scalars_for_tests(agreement: [u8; 32], signing: [u8; 32]) -> Self {
        #[allow(clippy::unwrap_used)]
        Self {
            agreement: SecretKey::from_slice(&agreement).unwrap(),
            signing: SigningKey::from_slice(&signing).unwrap(),
        }
    }

    /// The public halves, the ECDH key signed by the ECDSA key.
    pub fn public_keys(&self) -> Result<SignedPublicKeys> {
        let mut bytes = Vec::with_capacity(PUBLIC_KEYS_LEN);
        bytes.push(FORMAT_V1);
        bytes.push(Purpose::PublicKeys as u8);
        bytes.extend_from_slice(&compressed_vk(self.signing.verifying_key()));
        bytes.extend_from_slice(&compressed(&self.agreement.public_key()));
        let sig = self.sign(&[PUBLIC_KEYS_LABEL, &bytes])?;
        bytes.extend_from_slice(&sig);
        Ok(SignedPublicKeys(bytes))
    }

    /// The fingerprint of this user's signing key.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.signing.verifying_key())
    }

    /// Signs the concatenation of `parts` (deterministic ECDSA, RFC 6979).
    pub(crate) fn sign(&self, parts: &[&[u8]]) -> Result<[u8; 64]> {
        let msg: Vec<u8> = parts.concat();
        let sig: Signature = self
            .signing
            .try_sign(&msg)
            .map_err(|e| Error::InvalidInput(format!("ECDSA signing failed: {e}")))?;
        let mut out = [0u8; 64];
        out.copy_from_slice(&sig.to_bytes());
        Ok(out)
    }

    /// Seals both private keys under the user key (purpose `0x03`).
    pub fn seal(&self, user_key: &UserKey) -> Result<SealedPrivateKeys> {
        let mut pt = Zeroizing::new([0u8; 64]);
        pt[..32].copy_from_slice(&self.agreement.to_bytes());
        pt[32..].copy_from_slice(&self.signing.to_bytes());
        Sealed::seal(
            &user_key.0,
            Purpose::PrivateKeys,
            0,
            &Binding::new(),
            pt.as_ref(),
        )
        .map(SealedPrivateKeys)
    }
}

sealed_type!(
    /// A user's private keys sealed under the user key (purpose `0x03`).
    SealedPrivateKeys,
    Purpose::PrivateKeys,
    "sealed private keys"
);

impl SealedPrivateKeys {
    /// Opens with the user key.
    pub fn open(&self, user_key: &UserKey) -> Result<UserKeyPair> {
        let pt = self.0.open(&user_key.0, &Binding::new())?;
        if pt.len() != 64 {
            return Err(Error::OpenFailed);
        }
        let agreement = SecretKey::from_slice(&pt[..32]).map_err(|_| Error::OpenFailed)?;
        let signing = SigningKey::from_slice(&pt[32..]).map_err(|_| Error::OpenFailed)?;
        Ok(UserKeyPair { agreement, signing })
    }
}

/// A user's public keys as published (see the module documentation for the layout).
/// Not yet trusted: call [`SignedPublicKeys::verify`].
#[derive(Clone, PartialEq, Eq)]
pub struct SignedPublicKeys(Vec<u8>);

impl SignedPublicKeys {
    /// Parses the binary form (checks version, purpose and length only).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        envelope::check_header(bytes, Purpose::PublicKeys, "public keys")?;
        if bytes.len() != PUBLIC_KEYS_LEN {
            return Err(envelope::malformed("public keys", "wrong length"));
        }
        Ok(Self(bytes.to_vec()))
    }

    fn encode(&self) -> Vec<u8> {
        self.0.clone()
    }

    /// Checks the self-signature and the points. The result's fingerprint is what users
    /// compare out of band; trust it only once it matches (or pin it on first contact).
    pub fn verify(&self) -> Result<VerifiedPublicKeys> {
        let what = "public keys";
        let signing = VerifyingKey::from_sec1_bytes(&self.0[2..35])
            .map_err(|_| envelope::malformed(what, "bad signing key point"))?;
        let agreement = PublicKey::from_sec1_bytes(&self.0[35..68])
            .map_err(|_| envelope::malformed(what, "bad agreement key point"))?;
        verify(
            &signing,
            &[PUBLIC_KEYS_LABEL, &self.0[..68]].concat(),
            &self.0[68..],
            what,
        )?;
        Ok(VerifiedPublicKeys { signing, agreement })
    }
}

encoded_type!(SignedPublicKeys, "public keys");

/// Public keys whose self-signature verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedPublicKeys {
    pub(crate) signing: VerifyingKey,
    pub(crate) agreement: PublicKey,
}

impl VerifiedPublicKeys {
    /// The fingerprint of the signing key (compare it out of band).
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.signing)
    }

    /// The signing (ECDSA) public key.
    pub fn signing_key(&self) -> &VerifyingKey {
        &self.signing
    }
}
