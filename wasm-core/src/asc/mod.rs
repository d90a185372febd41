//! The App Store Connect API client: what EAS does after an Apple sign-in, with a team's
//! App Store Connect API key instead of a password.
//!
//! Written from Apple's published reference (JSON:API documents under
//! `https://api.appstoreconnect.apple.com/v1/`): [`request`] builds each request this client
//! makes (and the `scope` entry that allows exactly it), [`resource`] reads Apple's resources
//! and error objects, and [`client`] runs the flows — find or register a bundle id, create a
//! certificate from a CSR whose key never leaves this process, list and revoke certificates,
//! register devices, create and download provisioning profiles — over a [`client::Transport`]
//! the caller provides: direct HTTPS in the CLI, the server's relay in the browser (which
//! cannot call Apple: no CORS). No I/O here, so it builds for wasm32 too.

pub mod client;
pub mod request;
pub mod resource;

pub use client::{AscClient, Response, Scoping, Transport};
pub use request::{Distribution, Method, Request};
pub use resource::{ApiError, BundleId, Certificate, Device, Profile};

/// The API's production base URL.
pub const API_BASE: &str = "https://api.appstoreconnect.apple.com";
