//! Expo Application Services (EAS) interop.
//!
//! - [`credentials_json`] — the `credentials.json` file `eas build` reads local credentials
//!   from: read and written with EAS's exact field names.
//! - [`doctor`] — checks a `credentials.json` and the files it names before a build.
//! - [`import`] — turns a checked bundle into credentials to store and the slots they go in
//!   (`signet push` and the dashboard's import page).

pub mod credentials_json;
pub mod doctor;
pub mod import;

pub use credentials_json::{
    AndroidCredentials, AndroidKeystore, CredentialsJson, DistributionCertificate, IosCredentials,
    IosTargetCredentials,
};
pub use doctor::{Check, CheckKind, ExpectedBundleIds, Report, Status, diagnose};
