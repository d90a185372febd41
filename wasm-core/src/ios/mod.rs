//! Apple signing material.
//!
//! - [`csr`] — the certificate signing request a developer uploads to Apple to get an iOS
//!   distribution certificate, made the way Keychain Access makes it.

pub mod csr;
