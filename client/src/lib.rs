//! # signet-client
//!
//! A native client for Signet's API that does the end-to-end encryption on the caller's
//! side with [`signet_core::vault`]: the server only ever receives what the vault produces
//! (wrapped keys, sealed payloads, public keys, hashed login proofs). The `signet` CLI and the
//! integration tests use it, so both exercise exactly the same flows.
//!
//! - [`http`] — the JSON transport and its one error type.
//! - [`account`] — register, log in, unlock: a [`Session`].
//! - [`team`] — teams, team keys, invitations, rotation.
//! - [`trust`] — the user's sealed trust state and verified membership logs.
//! - [`app`] — apps, assignments, metadata lists and the trash (no keys needed).
//! - [`credential`] — seal, store, read and update credentials.
//! - [`robot`] — robot tokens: make them (admins) and read with them (CI).
//! - [`asc`] — the direct HTTPS transport to App Store Connect.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod account;
pub mod app;
pub mod asc;
pub mod credential;
pub mod http;
pub mod robot;
pub mod team;
pub mod trust;

pub use account::Session;
pub use http::{Api, ClientError};

/// The payload schema version this client writes for every credential kind.
pub const SCHEMA_VERSION: u32 = 1;
