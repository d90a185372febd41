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
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
