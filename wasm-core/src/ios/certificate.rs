//! Apple-issued certificates: read the `.cer`, match it to the pending private key.
//!
//! After a developer uploads the CSR (see [`super::csr`]), Apple's portal returns
//! `distribution.cer`: an X.509 certificate in DER (PEM when a tool has converted it) whose
//! subject reads `UID=<team id>, CN=Apple Distribution: <name> (<team id>), OU=<team id>,
//! O=<name>, C=<country>`. Importing it means checking that it certifies the public half of
//! the pending key (a `.cer` from another request is useless without its own key) and
//! reading what a person needs to recognise it. The matched pair is a [`SigningIdentity`],
//! what a `.p12` holds.

use der::{Decode, DecodePem, Encode, Tag, Tagged, asn1::ObjectIdentifier};
use rsa::{
    PrivateKey, PublicKey,
    pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey},
};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::{Certificate, name::Name};
use zeroize::Zeroizing;

use crate::{Error, Result};

const WHAT: &str = "certificate";
const OID_USER_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.1");
const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_ORGANIZATIONAL_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");

/// An X.509 certificate as Apple issues them (distribution, development, push), with the
/// fields a person recognises it by. Public information: no secret inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleCertificate {
    der: Vec<u8>,
    subject: String,
    common_name: Option<String>,
    team_id: Option<String>,
    team_name: Option<String>,
    serial_hex: String,
    not_before: i64,
    not_after: i64,
    public_key: Option<PublicKey>,
}

impl AppleCertificate {
    /// Reads a certificate from DER (what Apple's portal downloads) or PEM
    /// (`-----BEGIN CERTIFICATE-----`).
    pub fn from_cer(bytes: &[u8]) -> Result<Self> {
        let trimmed = bytes.trim_ascii_start();
        let certificate = if trimmed.starts_with(b"-----BEGIN") {
            let text =
                core::str::from_utf8(trimmed).map_err(|_| malformed("the PEM is not text"))?;
            Certificate::from_pem(text.trim().replace("\r\n", "\n"))
        } else {
            Certificate::from_der(bytes)
        }
        .map_err(|e| {
            malformed(&format!(
                "{e}; choose the .cer file Apple's developer portal downloaded"
            ))
        })?;
        Self::from_certificate(certificate)
    }

    /// Wraps an already parsed certificate.
    pub fn from_certificate(certificate: Certificate) -> Result<Self> {
        let der = certificate
            .to_der()
            .map_err(|e| malformed(&e.to_string()))?;
        let tbs = certificate.tbs_certificate();
        let subject = tbs.subject();
        let validity = tbs.validity();
        let unix = |t: x509_cert::time::Time| {
            i64::try_from(t.to_unix_duration().as_secs())
                .map_err(|_| malformed("a date is out of range"))
        };
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| malformed(&e.to_string()))?;
        Ok(Self {
            subject: subject.to_string(),
            common_name: attribute(subject, OID_COMMON_NAME),
            // Apple puts the team id in both UID and OU; UID is the one it documents.
            team_id: attribute(subject, OID_USER_ID)
                .or_else(|| attribute(subject, OID_ORGANIZATIONAL_UNIT)),
            team_name: attribute(subject, OID_ORGANIZATION),
            serial_hex: hex_upper(tbs.serial_number().as_bytes(), ""),
            not_before: unix(validity.not_before)?,
            not_after: unix(validity.not_after)?,
            // Apple's signing certificates are RSA; anything else simply matches no RSA key.
            public_key: PublicKey::from_public_key_der(&spki).ok(),
            der,
        })
    }

    /// The certificate in DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The whole subject in RFC 4514 form.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The common name, e.g. `Apple Distribution: Acme Inc (A1B2C3D4E5)`.
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }

    /// The Apple team id: the subject's UID, or its OU when there is no UID.
    pub fn team_id(&self) -> Option<&str> {
        self.team_id.as_deref()
    }

    /// The team's name: the subject's O.
    pub fn team_name(&self) -> Option<&str> {
        self.team_name.as_deref()
    }

    /// The serial number in uppercase hex, as Apple's portal and Keychain show it.
    pub fn serial_hex(&self) -> &str {
        &self.serial_hex
    }

    /// Start of validity, unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// End of validity, unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// SHA-1 of the DER, colon-separated uppercase hex: how provisioning profiles and EAS
    /// identify a certificate.
    pub fn sha1_fingerprint(&self) -> String {
        hex_upper(&Sha1::digest(&self.der), ":")
    }

    /// SHA-256 of the DER, colon-separated uppercase hex.
    pub fn sha256_fingerprint(&self) -> String {
        hex_upper(&Sha256::digest(&self.der), ":")
    }

    /// Whether this certificate certifies the public half of `key`.
    pub fn matches_key(&self, key: &PrivateKey) -> bool {
        self.public_key.as_ref() == Some(key.as_ref())
    }

    /// Fails with a dated error when the certificate has expired at `now` (unix seconds).
    pub fn check_not_expired(&self, now: i64) -> Result<()> {
        if now >= self.not_after {
            return Err(Error::Expired {
                what: format!(
                    "the certificate \"{}\"",
                    self.common_name.as_deref().unwrap_or(&self.subject)
                ),
                expired_on: format_utc(self.not_after),
                action: "create a new distribution certificate (generate a new CSR here) and \
                         regenerate the provisioning profiles that use it",
            });
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "\"{}\", serial {}",
            self.common_name.as_deref().unwrap_or(&self.subject),
            self.serial_hex
        )
    }
}

/// A distribution certificate together with the private key it certifies: what a `.p12`
/// carries to a Mac or a CI runner. The key is zeroized on drop; `Debug` redacts it.
pub struct SigningIdentity {
    key: PrivateKey,
    certificate: AppleCertificate,
}

impl core::fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("key", &"<redacted RSA private key>")
            .field("certificate", &self.certificate.describe())
            .finish()
    }
}

/// The one secret field, the RSA key, zeroizes itself on drop.
impl zeroize::ZeroizeOnDrop for SigningIdentity {}

impl SigningIdentity {
    /// Pairs a certificate with a key, refusing a certificate issued for another key.
    pub fn new(key: PrivateKey, certificate: AppleCertificate) -> Result<Self> {
        if !certificate.matches_key(&key) {
            return Err(Error::CertificateKeyMismatch {
                certificate: certificate.describe(),
            });
        }
        Ok(Self { key, certificate })
    }

    /// Imports Apple's `.cer` (DER or PEM) for the pending request whose private key is
    /// `pending_key_pem` (unencrypted PKCS#8 PEM, as
    /// [`PendingCsr::private_key_pkcs8_pem`](super::csr::PendingCsr::private_key_pkcs8_pem)
    /// gives it).
    pub fn import(pending_key_pem: &str, cer: &[u8]) -> Result<Self> {
        let key =
            PrivateKey::from_pkcs8_pem(pending_key_pem.trim()).map_err(|e| Error::Malformed {
                what: "pending private key",
                reason: format!("{e}; the stored signing request is damaged, generate a new CSR"),
            })?;
        Self::new(key, AppleCertificate::from_cer(cer)?)
    }

    /// The certificate.
    pub fn certificate(&self) -> &AppleCertificate {
        &self.certificate
    }

    /// The private key, for the PKCS#12 writer.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// The `.p12` a Mac or a CI runner imports: this key and certificate under `password`.
    /// [`Pkcs12Variant::Legacy`](crate::android::pkcs12::Pkcs12Variant::Legacy) (3DES, SHA-1
    /// MAC) is the one macOS Keychain accepts; the certificate's common name becomes the
    /// name Keychain Access shows.
    pub fn to_p12(
        &self,
        password: &crate::android::Password,
        variant: crate::android::pkcs12::Pkcs12Variant,
    ) -> Result<Vec<u8>> {
        let key = crate::android::PrivateKey::from_rsa(&self.key)?;
        let name = self
            .certificate
            .common_name()
            .unwrap_or("iOS Distribution")
            .to_owned();
        crate::android::pkcs12::write(
            &key,
            &[self.certificate.der().to_vec()],
            password,
            &name,
            variant,
        )
    }

    /// The private key as unencrypted PKCS#8 DER, zeroized on drop: for the `.p12` writer
    /// and for sealing, nowhere else.
    pub fn private_key_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        self.key
            .to_pkcs8_der()
            .map(|doc| Zeroizing::new(doc.as_bytes().to_vec()))
            .map_err(|e| Error::Encoding {
                what: "private key",
                reason: e.to_string(),
            })
    }
}

fn malformed(reason: &str) -> Error {
    Error::Malformed {
        what: WHAT,
        reason: reason.to_owned(),
    }
}

/// The first value of attribute `oid` in `name` as text, whichever string type it uses.
fn attribute(name: &Name, oid: ObjectIdentifier) -> Option<String> {
    let value = name.iter().find(|atv| atv.oid == oid)?;
    match value.value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            core::str::from_utf8(value.value.value())
                .ok()
                .map(str::to_owned)
        }
        _ => None,
    }
}

/// Uppercase hex with `sep` between bytes.
pub(crate) fn hex_upper(bytes: &[u8], sep: &str) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(sep)
}

/// `YYYY-MM-DD HH:MM UTC` for unix seconds (proleptic Gregorian; no clock needed): how
/// expiry dates are shown to people.
pub fn format_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CER: &[u8] = include_bytes!("../../tests/fixtures/apple/distribution.cer");
    const PEM: &[u8] = include_bytes!("../../tests/fixtures/apple/distribution.pem");
    const KEY: &str = include_str!("../../tests/fixtures/apple/distribution-key.pem");
    const OTHER: &[u8] = include_bytes!("../../tests/fixtures/apple/other-distribution.cer");

    #[test]
    fn reads_team_name_serial_and_validity() {
        let cert = AppleCertificate::from_cer(CER).expect("cer");
        assert_eq!(
            cert.common_name(),
            Some("Apple Distribution: Acme Inc (A1B2C3D4E5)")
        );
        assert_eq!(cert.team_id(), Some("A1B2C3D4E5"));
        assert_eq!(cert.team_name(), Some("Acme Inc"));
        assert_eq!(cert.serial_hex(), "5A3F7C19E2B4D6A8");
        assert_eq!(cert.not_after() - cert.not_before(), 365 * 86_400);
        assert_eq!(cert.sha1_fingerprint().len(), 20 * 3 - 1);
        assert_eq!(AppleCertificate::from_cer(PEM).expect("pem"), cert);
    }

    #[test]
    fn import_accepts_the_matching_certificate_and_refuses_another() {
        let identity = SigningIdentity::import(KEY, CER).expect("matches");
        assert_eq!(identity.certificate().team_id(), Some("A1B2C3D4E5"));
        let err = SigningIdentity::import(KEY, OTHER).expect_err("other key");
        assert!(matches!(err, Error::CertificateKeyMismatch { .. }));
        assert!(
            err.to_string()
                .contains("this certificate was issued for a different signing request"),
            "{err}"
        );
        assert!(err.to_string().contains("1122334455667788"), "{err}");
    }

    #[test]
    fn expiry_is_checked_against_the_time_given() {
        let cert = AppleCertificate::from_cer(CER).expect("cer");
        assert!(cert.check_not_expired(cert.not_after() - 1).is_ok());
        let err = cert
            .check_not_expired(cert.not_after())
            .expect_err("expired");
        assert!(err.to_string().contains("expired on"), "{err}");
    }

    #[test]
    fn dates_format_like_a_calendar() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(-86_400), "1969-12-31 00:00 UTC");
    }

    #[test]
    fn garbage_and_truncations_are_errors_not_panics() {
        for input in [
            &b""[..],
            b"hello",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n",
            b"\x30\x80",
        ] {
            assert!(AppleCertificate::from_cer(input).is_err());
        }
        for cut in 0..CER.len() {
            assert!(
                AppleCertificate::from_cer(&CER[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        assert!(SigningIdentity::import("not a key", CER).is_err());
    }

    #[test]
    fn secrets_are_zeroized_on_drop() {
        fn zeroized<T: zeroize::ZeroizeOnDrop>() {}
        zeroized::<SigningIdentity>();
        zeroized::<PrivateKey>();
    }

    #[test]
    fn debug_redacts_the_key() {
        let identity = SigningIdentity::import(KEY, CER).expect("matches");
        let debug = format!("{identity:?}");
        assert!(
            debug.contains("redacted") && !debug.contains("PRIVATE"),
            "{debug}"
        );
    }
}
