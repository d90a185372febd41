//! The versioned binary encodings of everything the vault encrypts, and their text form.
//!
//! # Sealed box, format version 1
//!
//! Every symmetric ciphertext and wrapped key (user key, private keys, team key self- and
//! invite-wraps, item keys, item payloads, robot grants) is one *sealed box*:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | format version, `0x01` |
//! | 1 | 1 | purpose (see [`Purpose`]) |
//! | 2 | 4 | key version, big-endian `u32` (the team key version where one applies, else 0) |
//! | 6 | 12 | AES-256-GCM nonce, random |
//! | 18 | n + 16 | AES-256-GCM ciphertext ‖ tag |
//!
//! The associated data is `"signet-vault/v1" ‖ bytes 0..6 ‖ binding`, where the *binding* is
//! the context the box belongs to (team id, item id, kind, …) encoded as follows: each
//! field as a big-endian `u32` length followed by its bytes, in a fixed order per purpose.
//! The binding is not stored in the box: the reader supplies it from where it found the box,
//! so a box moved elsewhere fails to open. Changing the header changes the AAD, so it fails
//! too.
//!
//! The text form of every encoding is base64, URL-safe alphabet, no padding.
//! An unknown format version is refused with [`Error::UnsupportedVersion`]; a box of another
//! purpose is refused as malformed. Neither is ever guessed at.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

use super::secret::{Key32, aead_open, aead_seal};
use crate::{Error, Result};

/// The only format version this code writes and reads.
pub const FORMAT_V1: u8 = 1;

/// Domain-separation prefix of every sealed box's associated data.
const AAD_PREFIX: &[u8] = b"signet-vault/v1";

const HEADER_LEN: usize = 6;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// What a sealed box holds: the second byte of every encoding. A box of one purpose is never
/// accepted as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// The user key wrapped by the password-derived KEK.
    UserKeyByPassword = 0x01,
    /// The user key wrapped by the recovery code.
    UserKeyByRecoveryCode = 0x02,
    /// The user's ECDH and ECDSA private keys sealed under the user key.
    PrivateKeys = 0x03,
    /// A team key wrapped under a member's own user key.
    TeamKeySelfWrap = 0x04,
    /// A team key wrapped under an invite secret.
    TeamKeyInviteWrap = 0x05,
    /// An item key wrapped under a team key.
    ItemKey = 0x06,
    /// A credential's payload sealed under its item key.
    ItemPayload = 0x07,
    /// An item key wrapped for a robot (CI) token.
    ItemKeyForRobot = 0x08,
    /// A team key wrapped for a member with signed ECIES (its own layout, see `ecies`).
    TeamKeyEcies = 0x09,
    /// A user's signed public keys (not encrypted; its own layout, see `keypair`).
    PublicKeys = 0x0a,
    /// An author's signature over an item's public metadata (its own layout, see `item`).
    MetadataSignature = 0x0b,
    /// One entry of a team's membership log (not encrypted; its own layout, see
    /// `membership`).
    MembershipEntry = 0x0c,
    /// A team's log pin sealed for an invitee under a key from the invitation's secret.
    InviteAnchor = 0x0d,
    /// A user's trust state (log pins, KDF parameters) sealed under the user key.
    TrustState = 0x0e,
    /// A robot token's public key signed by the admin who made it (not encrypted; its own
    /// layout, see `robot`).
    RobotCard = 0x0f,
    /// A team's log pin sealed for a robot token under a key from the token's secret.
    RobotAnchor = 0x10,
    /// An item key wrapped for a robot token with signed ECIES (its own layout, see
    /// `robot`).
    ItemKeyRobotEcies = 0x11,
}

/// The context a ciphertext is bound to, encoded as length-prefixed fields.
#[derive(Debug, Default, Clone)]
pub(crate) struct Binding(Vec<u8>);

impl Binding {
    pub(crate) fn new() -> Self {
        Self(Vec::new())
    }

    /// Appends one field: big-endian `u32` length, then the bytes.
    pub(crate) fn field(mut self, bytes: &[u8]) -> Self {
        // Identifiers and labels are short; a field longer than u32::MAX cannot be built in
        // memory on the targets we support, so saturating is never reached in practice.
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    /// Appends a `u32` field (as 4 big-endian bytes, length-prefixed like any field).
    pub(crate) fn u32(self, v: u32) -> Self {
        self.field(&v.to_be_bytes())
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A sealed box (see the module documentation for its layout).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Sealed {
    purpose: Purpose,
    key_version: u32,
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

impl Sealed {
    fn header(purpose: Purpose, key_version: u32) -> [u8; HEADER_LEN] {
        let v = key_version.to_be_bytes();
        [FORMAT_V1, purpose as u8, v[0], v[1], v[2], v[3]]
    }

    fn aad(purpose: Purpose, key_version: u32, binding: &Binding) -> Vec<u8> {
        let mut aad = Vec::with_capacity(AAD_PREFIX.len() + HEADER_LEN + binding.0.len());
        aad.extend_from_slice(AAD_PREFIX);
        aad.extend_from_slice(&Self::header(purpose, key_version));
        aad.extend_from_slice(binding.as_bytes());
        aad
    }

    /// Seals `plaintext` under `key` with a fresh random nonce.
    pub(crate) fn seal(
        key: &Key32,
        purpose: Purpose,
        key_version: u32,
        binding: &Binding,
        plaintext: &[u8],
    ) -> Result<Self> {
        let nonce = super::rng::bytes::<NONCE_LEN>()?;
        let aad = Self::aad(purpose, key_version, binding);
        let ciphertext = aead_seal(key, &nonce, &aad, plaintext)?;
        Ok(Self {
            purpose,
            key_version,
            nonce,
            ciphertext,
        })
    }

    /// Opens the box; any failure is [`Error::OpenFailed`].
    pub(crate) fn open(
        &self,
        key: &Key32,
        binding: &Binding,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let aad = Self::aad(self.purpose, self.key_version, binding);
        aead_open(key, &self.nonce, &aad, &self.ciphertext)
    }

    /// Opens a box that must hold exactly one 32-byte key.
    pub(crate) fn open_key(&self, key: &Key32, binding: &Binding) -> Result<Key32> {
        let pt = self.open(key, binding)?;
        Key32::from_plaintext(&pt)
    }

    pub(crate) fn key_version(&self) -> u32 {
        self.key_version
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + self.ciphertext.len());
        out.extend_from_slice(&Self::header(self.purpose, self.key_version));
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    pub(crate) fn from_bytes(bytes: &[u8], expected: Purpose, what: &'static str) -> Result<Self> {
        check_header(bytes, expected, what)?;
        if bytes.len() < HEADER_LEN + NONCE_LEN + TAG_LEN {
            return Err(malformed(what, "too short"));
        }
        let key_version = u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[HEADER_LEN..HEADER_LEN + NONCE_LEN]);
        Ok(Self {
            purpose: expected,
            key_version,
            nonce,
            ciphertext: bytes[HEADER_LEN + NONCE_LEN..].to_vec(),
        })
    }
}

/// Checks the first two bytes of any vault encoding: format version, then purpose.
pub(crate) fn check_header(bytes: &[u8], expected: Purpose, what: &'static str) -> Result<()> {
    let Some(&version) = bytes.first() else {
        return Err(malformed(what, "empty"));
    };
    if version != FORMAT_V1 {
        return Err(Error::UnsupportedVersion { what, version });
    }
    match bytes.get(1) {
        Some(&p) if p == expected as u8 => Ok(()),
        Some(_) => Err(malformed(what, "it is a different kind of vault object")),
        None => Err(malformed(what, "too short")),
    }
}

pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> Error {
    Error::Malformed {
        what,
        reason: reason.into(),
    }
}

/// Encodes bytes as URL-safe base64 without padding (the text form of every encoding).
pub fn to_base64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes URL-safe base64 without padding; `what` names the object in the error.
pub fn from_base64(text: &str, what: &'static str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|e| malformed(what, format!("not URL-safe base64: {e}")))
}

/// Implements the byte and text forms, `Debug` (length only) and serde (as the base64 string)
/// for an encoded vault object.
macro_rules! encoded_type {
    ($name:ident, $what:literal) => {
        impl $name {
            /// The binary encoding (see the module documentation of `vault::envelope`).
            pub fn to_bytes(&self) -> Vec<u8> {
                self.encode()
            }

            /// The text form: URL-safe base64 without padding.
            pub fn to_base64(&self) -> String {
                $crate::vault::envelope::to_base64(&self.encode())
            }

            /// Parses the text form. Unknown format versions are refused.
            pub fn from_base64(text: &str) -> $crate::Result<Self> {
                Self::from_bytes(&$crate::vault::envelope::from_base64(text, $what)?)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}({} bytes)", stringify!($name), self.encode().len())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> core::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_base64())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> core::result::Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                Self::from_base64(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Declares a newtype over a [`Sealed`] box of one purpose, with its encodings.
macro_rules! sealed_type {
    ($(#[$m:meta])* $name:ident, $purpose:expr, $what:literal) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(pub(crate) $crate::vault::envelope::Sealed);

        impl $name {
            /// Parses the binary encoding. Unknown format versions are refused.
            pub fn from_bytes(bytes: &[u8]) -> $crate::Result<Self> {
                $crate::vault::envelope::Sealed::from_bytes(bytes, $purpose, $what).map(Self)
            }

            fn encode(&self) -> Vec<u8> {
                self.0.to_bytes()
            }
        }

        $crate::vault::envelope::encoded_type!($name, $what);
    };
}

pub(crate) use {encoded_type, sealed_type};
