//! Android signing keystores.
//!
//! - [`generate`] — a fresh upload keystore (RSA key + self-signed certificate), made the way
//!   EAS makes one: random alias and passwords, `CN=<package>`, 10,000 days of validity.
//! - [`jks`] — the Java KeyStore format (what EAS and `keytool` have long produced), written
//!   and read here because no maintained crate handles non-ASCII passwords correctly.
//! - [`pkcs12`] — PKCS#12 (`.p12`), modern (AES/PBKDF2) and legacy (3DES/SHA-1-MAC) variants;
//!   also used for Apple `.p12` files.
//! - [`keystore`] — [`Keystore::open`], which detects the format and gives clear errors.
//! - [`play`] — Google Play's app-signing certificate beside the upload key: reading what Play
//!   Console offers, `upload_certificate.pem` for an upload-key reset, `assetlinks.json`.
//!
//! Certificate facts (fingerprints, validity…) live in [`crate::cert`].

pub(crate) mod asn1;
pub mod generate;
pub mod jks;
pub mod keystore;
pub mod pkcs12;
pub mod play;

use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use zeroize::Zeroizing;

use crate::{Error, Result};

pub use generate::{DistinguishedName, KeySize, UploadKeystore, UploadKeystoreParams};
pub use keystore::{EncodedKeystore, EntryInfo, EntryKind, KeyEntry, Keystore, KeystoreFormat};

/// A private key as PKCS#8 `PrivateKeyInfo` DER — the form both JKS and PKCS#12 store.
///
/// Zeroized on drop; `Debug` prints only the algorithm.
#[derive(Clone)]
pub struct PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm())
            .field("pkcs8", &"<redacted>")
            .finish()
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        // Not constant-time: only used to compare keys in tests and matching, never secrets
        // against attacker-chosen guesses.
        self.pkcs8.as_slice() == other.pkcs8.as_slice()
    }
}

impl Eq for PrivateKey {}

const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

impl PrivateKey {
    /// Wraps PKCS#8 `PrivateKeyInfo` DER after checking its outer structure.
    pub fn from_pkcs8_der(der: Vec<u8>) -> Result<Self> {
        let der = Zeroizing::new(der);
        Self::algorithm_of(&der)
            .map_err(|e| Error::InvalidInput(format!("not a PKCS#8 private key ({})", e.0)))?;
        Ok(Self { pkcs8: der })
    }

    /// Encodes an RSA key as PKCS#8.
    pub fn from_rsa(key: &rsa::PrivateKey) -> Result<Self> {
        let doc = key.to_pkcs8_der().map_err(|e| Error::Encoding {
            what: "private key",
            reason: e.to_string(),
        })?;
        Ok(Self {
            pkcs8: Zeroizing::new(doc.as_bytes().to_vec()),
        })
    }

    /// Decodes the key as RSA (fails for other algorithms).
    pub fn to_rsa(&self) -> Result<rsa::PrivateKey> {
        rsa::PrivateKey::from_pkcs8_der(&self.pkcs8).map_err(|e| {
            Error::InvalidInput(format!("the private key is not a usable RSA key: {e}"))
        })
    }

    /// `RSA`, `EC`, or the algorithm's OID.
    pub fn algorithm(&self) -> String {
        match Self::algorithm_of(&self.pkcs8) {
            Ok(oid) if oid == RSA_ENCRYPTION => "RSA".to_owned(),
            Ok(oid) if oid == EC_PUBLIC_KEY => "EC".to_owned(),
            Ok(oid) => oid.to_string(),
            Err(_) => "unknown".to_owned(),
        }
    }

    /// The PKCS#8 DER itself. The one place the secret leaves this type: encrypt it before it
    /// goes anywhere.
    pub fn dangerously_expose_pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    fn algorithm_of(der: &[u8]) -> asn1::Parse<der::asn1::ObjectIdentifier> {
        let info = asn1::single(der, asn1::SEQUENCE, "private key")?;
        let mut r = info.reader();
        r.expect(asn1::INTEGER, "private key version")?;
        let alg =
            asn1::AlgorithmId::read(r.next("private key algorithm")?, "private key algorithm")?;
        r.expect(asn1::OCTET_STRING, "private key")?;
        Ok(alg.oid)
    }
}

/// A password or other short secret string. Zeroized on drop; `Debug` prints stars.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

impl core::fmt::Debug for Password {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Password(********)")
    }
}

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(Zeroizing::new(password.into()))
    }

    /// 16 random bytes as 32 lowercase hex characters, as EAS generates keystore passwords.
    pub fn random() -> Result<Self> {
        Ok(Self::new(random_hex()?))
    }

    /// The password itself (to print once, or to seal).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// 16 random bytes as 32 lowercase hex characters.
pub(crate) fn random_hex() -> Result<String> {
    let bytes = Zeroizing::new(random_bytes::<16>()?);
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `N` bytes from the system RNG.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| Error::Random(e.to_string()))?;
    Ok(out)
}

/// UTF-16 big-endian bytes of a password: what JKS hashes and PKCS#12 (as a BMPString) uses.
pub(crate) fn utf16be(password: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(password.encode_utf16().flat_map(u16::to_be_bytes).collect())
}
