//! # signet-core
//!
//! The part of Signet that touches secrets. It is pure Rust with no I/O and no browser
//! dependencies, so the same code runs natively (the `signet` CLI, the tests) and in the
//! browser (the dashboard, compiled to `wasm32-unknown-unknown`).
//!
//! - [`ios`] — Apple signing material: certificate signing requests, issued certificates,
//!   provisioning profiles.
//! - [`keys`] — Apple `.p8` keys (APNs, App Store Connect), Google service-account JSON, and
//!   the JWTs they sign.
//! - [`wire`] — the JSON types of the HTTP API, shared by the dashboard, server and CLI.
//!
//! Two rules hold throughout:
//! - **Time is an argument.** Nothing here calls `SystemTime::now()` (it panics on wasm32).
//! - **Randomness comes from the OS** through `getrandom` (`crypto.getRandomValues` in the
//!   browser; the `wasm_js` backend is enabled by the app crate, not here).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod ios;
pub mod keys;
pub mod wire;

pub use error::{Error, Result};
