//! Apple signing material.
//!
//! - [`csr`] — the certificate signing request a developer uploads to Apple to get an iOS
//!   distribution certificate, made the way Keychain Access makes it.
//! - [`certificate`] — the distribution certificate Apple issues for that request: read it,
//!   match it to the pending key, read the team id.
//! - [`profile`] — provisioning profiles (`.mobileprovision`): parse and validate.

mod ber;
pub mod certificate;
pub mod csr;
pub mod profile;
