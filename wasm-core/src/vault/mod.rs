//! The end-to-end encryption scheme ("the vault"). The server only ever sees what this
//! module produces in encoded form: ciphertexts, wrapped keys, public keys, signatures, and
//! hashes of high-entropy login proofs. `docs/security.md` describes the scheme, its
//! encodings and the threat model; each submodule documents its own piece.
//!
//! Key hierarchy:
//! ```text
//! password ─Argon2id(salt, m,t,p)→ master ─HKDF→ auth_key (→ server, hashed)
//!                                          └HKDF→ kek ─wraps→ user key ←wraps─ recovery code
//! user key ─seals→ ECDH + ECDSA private keys;  ─wraps→ team key vN (self-wrap)
//! team key vN ─wraps→ item key ─seals→ payload
//! invite secret ─HKDF→ invite token (→ server, hashed) / invite wrap key ─wraps→ team key
//! admin ECDSA + ephemeral ECDH ─signed ECIES→ team key vN+1 for each member (rotation)
//! robot secret ─HKDF→ auth half (→ server, hashed) / grant key ─wraps→ item keys
//! ```
//!
//! Rules that hold in every submodule:
//! - every encoding starts with a format version byte and a purpose byte; unknown versions
//!   are refused ([`crate::Error::UnsupportedVersion`]);
//! - a failed decryption is one opaque error ([`crate::Error::OpenFailed`]);
//! - secret types zeroize on drop, print `<redacted>`, implement no `Serialize`, and release
//!   their bytes only through a method named `dangerously_…`;
//! - the server links only [`server_side`].

pub mod account;
pub mod ecies;
pub mod envelope;
pub mod fingerprint;
pub mod invite;
pub mod item;
pub mod kdf;
pub mod keypair;
pub mod membership;
pub mod recovery;
mod rng;
pub mod robot;
pub mod rotation;
mod secret;
pub mod server_side;
pub mod strength;
pub mod team_key;
pub mod trust_state;
pub mod user_key;

#[cfg(test)]
mod attack_tests;
#[cfg(test)]
mod tests;
