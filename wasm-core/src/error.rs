//! The one error type of `signet-core`.

/// Everything that can go wrong in `signet-core`.
///
/// Each message says what was wrong and, where the user can act, what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system's (or the browser's) random number generator failed.
    /// Nothing sensible can be generated without it.
    #[error("the system random number generator failed: {0}")]
    Random(String),

    /// RSA key generation or signing failed inside the RSA implementation.
    #[error("RSA operation failed: {0}")]
    Rsa(String),

    /// An input that must be a certain size or shape was not (a caller's mistake).
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// Encoding a structure to DER/PEM failed.
    #[error("could not encode {what}: {reason}")]
    Encoding {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's explanation.
        reason: String,
    },

    // --- Apple and Google key formats: certificates, profiles, .p8 and service-account keys ---
    /// A file is not what the user said it is: wrong file, truncated download, or corrupt.
    /// `what` names the expected kind ("provisioning profile", ".p8 key", ...).
    #[error("this is not a valid {what}: {reason}")]
    Malformed {
        /// The kind of file that was expected.
        what: &'static str,
        /// What was wrong with it, and where useful what to do.
        reason: String,
    },

    /// A field of a structured credential file (a service-account JSON) is missing or has
    /// the wrong value; the message names the field so the user can fix or re-download it.
    #[error("this {what} is unusable: the field `{field}` {problem}")]
    InvalidField {
        /// The kind of file, e.g. "service-account JSON".
        what: &'static str,
        /// The offending field's name, as written in the file.
        field: &'static str,
        /// What is wrong with it and what to do.
        problem: String,
    },

    /// An identifier the user typed (Apple key id, team id, issuer id) has the wrong shape.
    #[error("\"{value}\" is not a valid {what}: {expected}")]
    InvalidIdentifier {
        /// Which identifier, e.g. "Apple key id".
        what: &'static str,
        /// The value given.
        value: String,
        /// The expected shape and where to find the right value.
        expected: &'static str,
    },

    /// The certificate Apple issued does not hold the public key of the pending signing
    /// request: the user uploaded the `.cer` of another CSR.
    #[error(
        "this certificate was issued for a different signing request: its public key is not the \
         one of the pending request's private key; upload the .cer Apple issued for the CSR \
         generated here (certificate: {certificate})"
    )]
    CertificateKeyMismatch {
        /// Common name and serial of the refused certificate, to help find the right one.
        certificate: String,
    },

    /// A provisioning profile's application identifier does not cover the app's bundle id.
    #[error(
        "this profile was issued for {profile_app_id}, not {bundle_id}: pick the profile made \
         for {bundle_id}, or create one for it in the Apple developer portal"
    )]
    ProfileBundleIdMismatch {
        /// The profile's application identifier without the team prefix (may hold `*`).
        profile_app_id: String,
        /// The bundle id it was checked against.
        bundle_id: String,
    },

    /// The distribution certificate is not among a provisioning profile's developer
    /// certificates, so Xcode would refuse to sign with the pair.
    #[error(
        "this profile does not include the distribution certificate with SHA-1 \
         {certificate_sha1} (it allows {allowed}): regenerate the profile in the Apple developer \
         portal with this certificate selected"
    )]
    ProfileCertificateMismatch {
        /// SHA-1 fingerprint of the certificate that was checked.
        certificate_sha1: String,
        /// SHA-1 fingerprints of the certificates the profile lists.
        allowed: String,
    },

    /// A credential is past its expiry date at the time given.
    #[error("{what} expired on {expired_on}: {action}")]
    Expired {
        /// What expired, e.g. `the provisioning profile "Acme App Store"`.
        what: String,
        /// When, as `YYYY-MM-DD HH:MM UTC`.
        expired_on: String,
        /// What to do about it.
        action: &'static str,
    },

    /// An ES256 or RS256 signature could not be made.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
