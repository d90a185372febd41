//! Expo Application Services (EAS) interop.
//!
//! - [`credentials_json`] — the `credentials.json` file `eas build` reads local credentials
//!   from: read and written with EAS's exact field names.
//! - [`doctor`] — checks a `credentials.json` and the files it names before a build.

pub mod credentials_json;
pub mod doctor;

pub use credentials_json::{
    AndroidCredentials, AndroidKeystore, CredentialsJson, DistributionCertificate, IosCredentials,
    IosTargetCredentials,
};
pub use doctor::{Check, CheckKind, ExpectedBundleIds, Report, Status, diagnose};
