//! # signet-core
//!
//! The part of Signet that touches secrets. It is pure Rust with no I/O and no browser
//! dependencies, so the same code runs natively (the `signet` CLI, the tests) and in the
//! browser (the dashboard, compiled to `wasm32-unknown-unknown`).
//!
//! - [`android`] — Android keystores: generation, JKS and PKCS#12 read/write.
//! - [`cert`] — certificate facts: fingerprints, subject, serial, validity.
//! - [`eas`] — EAS's `credentials.json`, and the checks `signet doctor` runs on a bundle.
//! - [`expiry`] — days left, severity and wording for credentials' expiry dates.
//! - [`ios`] — Apple signing material: certificate signing requests, issued certificates,
//!   provisioning profiles.
//! - [`keys`] — Apple `.p8` keys (APNs, App Store Connect), Google service-account JSON, and
//!   the JWTs they sign.
//! - [`vault`] — the end-to-end encryption scheme (keys, wraps, sealed items, invites).
//! - [`wire`] — the JSON types of the HTTP API, shared by the dashboard, server and CLI.
//! - [`zip`] — a defensive zip reader for uploaded credential bundles (and a stored writer).
//! - `fuzzing` (with the `fuzzing` feature only) — the fuzz targets' entry points.
//!
//! Two rules hold throughout:
//! - **Time is an argument.** Nothing here calls `SystemTime::now()` (it panics on wasm32).
//! - **Randomness comes from the OS** through `getrandom` (`crypto.getRandomValues` in the
//!   browser: `signet-core` selects the `wasm_js` backend for wasm32 so it builds and tests on its own).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod android;
pub mod asc;
pub mod cert;
pub mod credential;
pub mod eas;
pub mod error;
pub mod expiry;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod ios;
pub mod keys;
pub mod readiness;
pub mod vault;
pub mod wire;
pub mod zip;

pub use error::{Error, Result};
