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
    /// The bytes are neither a JKS nor a PKCS#12 keystore (wrong file, or not a keystore at all).
    #[error(
        "not a keystore (neither JKS nor PKCS#12): choose the .jks, .keystore, .p12 or .pfx file \
         your app is signed with"
    )]
    NotAKeystore,

    /// The keystore's integrity check (JKS digest, PKCS#12 MAC) failed with the given store
    /// password.
    #[error(
        "wrong keystore password: the keystore's integrity check failed; enter the store password (storePassword)"
    )]
    WrongKeystorePassword,

    /// The store password was right but the key entry's password was not.
    #[error(
        "wrong key password for alias {alias}: enter the key password (keyPassword), which may \
         differ from the keystore password"
    )]
    WrongKeyPassword {
        /// The entry whose key could not be decrypted.
        alias: String,
    },

    /// The keystore has no entry with the requested alias.
    #[error("no entry named \"{alias}\" in this keystore; the aliases present are: {}", if present.is_empty() { "(none)".to_owned() } else { present.join(", ") })]
    UnknownAlias {
        /// The alias that was asked for.
        alias: String,
        /// The aliases the keystore does hold.
        present: Vec<String>,
    },

    /// No alias was given and the keystore does not hold exactly one private key.
    #[error("{}", choose_key_alias(keys))]
    ChooseKeyAlias {
        /// The aliases of the private keys it holds (none, or several).
        keys: Vec<String>,
    },

    /// The alias names a trusted certificate (or another kind of entry) with no private key.
    #[error(
        "the entry \"{alias}\" holds no private key (it is a {kind}): choose the alias of the signing key"
    )]
    NotAKeyEntry {
        /// The alias that was asked for.
        alias: String,
        /// What the entry holds instead.
        kind: &'static str,
    },

    /// The file looks like a keystore of the given format but is damaged or truncated.
    #[error(
        "the {format} keystore is damaged or truncated ({reason}): use an intact copy of the file"
    )]
    MalformedKeystore {
        /// `JKS` or `PKCS#12`.
        format: &'static str,
        /// What exactly was wrong.
        reason: String,
    },

    /// The keystore uses a feature this implementation does not read (e.g. JCEKS, an unusual
    /// cipher).
    #[error(
        "unsupported keystore: {0}; convert it with `keytool -importkeystore -deststoretype PKCS12`"
    )]
    UnsupportedKeystore(String),

    /// A certificate could not be parsed as X.509 DER.
    #[error("not a valid X.509 certificate ({0}): provide the DER or PEM certificate file")]
    MalformedCertificate(String),

    // --- vault (the end-to-end encryption scheme) ---
    /// Key-derivation parameters (usually supplied by the server with the account) are outside
    /// the range this client accepts: too weak to protect the password, or so costly that they
    /// look like a denial of service.
    #[error("refusing the account's key-derivation parameters: {0}")]
    KdfParams(String),

    /// A ciphertext or wrapped key could not be opened. Deliberately says nothing more: wrong
    /// key, wrong context (moved to another item, team or kind) and tampering all look alike.
    #[error("could not decrypt: wrong key, wrong place, or the data was altered")]
    OpenFailed,

    /// An encoded vault object was not well formed (bad base64, wrong length, bad key point).
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being decoded, e.g. "wrapped item key".
        what: &'static str,
        /// What was wrong with it.
        reason: String,
    },

    /// An encoded vault object carries a format version or purpose this client does not know.
    /// It is refused rather than guessed at; a newer Signet may read it.
    #[error("unsupported {what} format version {version}: update Signet to read it")]
    UnsupportedVersion {
        /// What was being decoded.
        what: &'static str,
        /// The version byte found.
        version: u8,
    },

    /// A signature did not verify: the signed data was altered, or it was signed by someone
    /// other than the expected person (for example a key substituted by the server).
    #[error("the signature on {0} does not verify: it was altered or signed by someone else")]
    BadSignature(&'static str),

    /// A team's signed membership log does not verify, or does not match what this client
    /// pinned: the server's account of who is a member cannot be trusted.
    #[error(
        "the team's signed membership log does not verify: {0}. The server's data does not \
         match what the team's admins signed, so nothing from it is used; ask an admin to \
         check the team (and the server) before going on"
    )]
    MembershipLog(String),

    /// A member's identity (signing) key differs from the one bound to them before.
    #[error(
        "the identity key of member {user_id} changed: fingerprint {pinned} is the one this \
         team's log (or your own account) binds, but the server now offers {offered}. Signet \
         never accepts a changed identity key silently; compare fingerprints with them out of \
         band and ask an admin"
    )]
    IdentityKeyChanged {
        /// The member.
        user_id: String,
        /// The fingerprint bound before.
        pinned: String,
        /// The fingerprint offered now.
        offered: String,
    },

    /// A team key older than one already seen was offered: a rollback (replay) of the team key.
    #[error(
        "team key version {offered} is older than version {highest_seen} already seen: refusing a rolled-back team key"
    )]
    StaleTeamKey {
        /// The highest version this client has seen for the team.
        highest_seen: u32,
        /// The version offered.
        offered: u32,
    },

    /// A recovery code, invite secret or robot token was not in the expected format.
    #[error("{0}")]
    BadSecretFormat(String),

    /// A robot token's card (its public key, signed by the admin who made it) or an item key
    /// wrapped for a robot does not check out against the team's signed membership log:
    /// wrapping for it, or opening it, would trust what the server says.
    #[error("{0}")]
    RobotTrust(String),

    /// An invitation cannot be accepted (already used, revoked, expired or the wrong secret).
    #[error("this invitation cannot be used: {0}")]
    InviteNotUsable(&'static str),

    // --- Apple and Google key formats: certificates, profiles, .p8 and service-account keys ---
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

    /// App Store Connect answered a request with an error object.
    #[error("App Store Connect refused {request} ({status} {code}): {detail} {hint}")]
    AppStoreConnect {
        /// `METHOD /v1/path` (never a token).
        request: String,
        /// The HTTP status.
        status: u16,
        /// Apple's error code.
        code: String,
        /// Apple's explanation.
        detail: String,
        /// What to do about it.
        hint: String,
    },

    /// App Store Connect (or the relay in front of it) could not be reached.
    #[error("could not reach App Store Connect: {0}")]
    AscUnreachable(String),

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

    // --- EAS credentials.json ---
    /// `credentials.json` is not JSON, or does not follow EAS's schema (a field missing,
    /// misspelt or of the wrong type); the message names the field and where it is.
    #[error(
        "credentials.json is not valid: {0}; its format is described at \
         https://docs.expo.dev/app-signing/local-credentials/"
    )]
    InvalidCredentialsJson(String),

    /// The bundle ids to check the provisioning profiles against do not fit the iOS targets
    /// of `credentials.json` (a target it does not have, or one id for several targets).
    #[error("{0}")]
    BundleIdTargets(String),

    /// A bundle cannot be imported: a file it names is missing or unusable, or it does not fit
    /// the app (an iOS target the app does not have). `what` names the field or file.
    #[error("{what}: {reason}")]
    Import {
        /// The field of `credentials.json` or the file, e.g. `ios.distributionCertificate`.
        what: String,
        /// What is wrong and what to do.
        reason: String,
    },

    // --- zip archives ---
    /// An uploaded zip archive is damaged, or holds something a credentials bundle never
    /// does (too many or too large files, names escaping its folder, duplicates, encryption).
    #[error("cannot read the zip: {0}")]
    Zip(String),
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

/// What to do when no alias was given and the keystore holds no private key or several.
fn choose_key_alias(keys: &[String]) -> String {
    if keys.is_empty() {
        "this keystore holds no private key, only certificates: choose the keystore your app is \
         signed with"
            .to_owned()
    } else {
        format!(
            "this keystore holds {} keys ({}): enter the alias of the one that signs this app",
            keys.len(),
            keys.join(", ")
        )
    }
}
