//! # signet-client
//!
//! The one client of Signet's API. It does the end-to-end encryption on the caller's side
//! with [`signet_core::vault`]: the server only ever receives what the vault produces
//! (wrapped keys, sealed payloads, public keys, hashed login proofs). The `signet` CLI, the
//! integration tests and — compiled to WebAssembly — the dashboard use it, so all three
//! run exactly the same flows; only the [`transport`] differs (reqwest natively, the page's
//! `fetch` in the browser).
//!
//! - [`transport`] — what moves the bytes, per target.
//! - [`http`] — [`Api`]: every URL, header and answer of the API, and the one error type.
//! - [`account`] — register, log in, unlock: a [`Session`].
//! - [`team`] — teams, team keys, invitations, rotation.
//! - [`trust`] — the user's sealed trust state and verified membership logs.
//! - [`app`] — apps, assignments, metadata lists and the trash (no keys needed).
//! - [`credential`] — seal, store, read and update credentials.
//! - [`robot`] — robot tokens: make them (admins) and read with them (CI).
//! - [`alerts`] — alert destinations and their delivery log, and the audit log.
//! - [`asc`] — the direct HTTPS transport to App Store Connect (native only: browsers go
//!   through the server's relay).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod account;
pub mod alerts;
pub mod app;
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub mod asc;
pub mod credential;
pub mod http;
pub mod robot;
pub mod team;
pub mod transport;
pub mod trust;

pub use account::Session;
pub use http::{Api, ClientError};

/// The payload schema version this client writes for every credential kind.
pub const SCHEMA_VERSION: u32 = 1;
