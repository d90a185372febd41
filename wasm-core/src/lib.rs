//! # signet-core
//!
//! The part of Signet that touches secrets. It is pure Rust with no I/O and no browser
//! dependencies, so the same code runs natively (the `signet` CLI, the tests) and in the
//! browser (the dashboard, compiled to `wasm32-unknown-unknown`).
//!
//! - [`android`] — Android keystores: generation, JKS and PKCS#12 read/write.
//! - [`cert`] — certificate facts: fingerprints, subject, serial, validity.
//! - [`ios`] — Apple signing material: certificate signing requests.
//! - [`vault`] — the end-to-end encryption scheme (keys, wraps, sealed items, invites).
//! - [`wire`] — the JSON types of the HTTP API, shared by the dashboard, server and CLI.
//!
//! Two rules hold throughout:
//! - **Time is an argument.** Nothing here calls `SystemTime::now()` (it panics on wasm32).
//! - **Randomness comes from the OS** through `getrandom` (`crypto.getRandomValues` in the
//!   browser; the `wasm_js` backend is enabled by the app crate, not here).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod android;
pub mod cert;
pub mod error;
pub mod ios;
pub mod vault;
pub mod wire;

pub use error::{Error, Result};
