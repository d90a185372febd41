//! What a person needs to know about an X.509 certificate: fingerprints in the form Google
//! Play, Firebase and `keytool` show them, subject, issuer, serial and validity.
//!
//! Shared by the Android keystore code and the Apple certificate code: everything here is
//! public metadata (no secrets), so [`CertificateInfo`] is `Serialize`.

use der::{Decode, Encode};
use md5::Md5;
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::{Certificate, name::Name, time::Time};

use crate::{Error, Result};

/// MD5, SHA-1 and SHA-256 digests of a certificate's DER encoding, as colon-separated
/// uppercase hex (`AB:CD:…`), the form `keytool -list -v`, Google Play and Firebase show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprints {
    /// MD5 (legacy; some older Google APIs consoles still ask for it).
    pub md5: String,
    /// SHA-1 (Firebase, Google Sign-In, Maps API keys).
    pub sha1: String,
    /// SHA-256 (Play App Signing, Android App Links `assetlinks.json`).
    pub sha256: String,
}

impl Fingerprints {
    /// Computes the three fingerprints of a DER certificate.
    pub fn of_der(der: &[u8]) -> Self {
        Self {
            md5: colon_hex(&Md5::digest(der)),
            sha1: colon_hex(&Sha1::digest(der)),
            sha256: colon_hex(&Sha256::digest(der)),
        }
    }
}

/// Formats bytes as `AB:CD:EF`.
pub fn colon_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{b:02X}"));
    }
    out
}

/// A moment as both unix seconds and a readable UTC form (`2026-11-27 22:07:23 UTC`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z (negative before 1970).
    pub unix: i64,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub utc: String,
}

impl Instant {
    /// The moment `unix` seconds after 1970 (before 1970 or past 9999: the number only).
    pub fn from_unix(unix: i64) -> Self {
        let dt = u64::try_from(unix).ok().and_then(|s| {
            x509_cert::der::DateTime::from_unix_duration(core::time::Duration::from_secs(s)).ok()
        });
        match dt {
            Some(dt) => Self::from_date_time(&dt),
            None => Self {
                unix,
                utc: format!("{unix} (Unix time)"),
            },
        }
    }

    fn from_time(time: &Time) -> Self {
        Self::from_date_time(&time.to_date_time())
    }

    fn from_date_time(dt: &x509_cert::der::DateTime) -> Self {
        let utc = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minutes(),
            dt.seconds()
        );
        let unix = i64::try_from(dt.unix_duration().as_secs()).unwrap_or(i64::MAX);
        Self { unix, utc }
    }
}

/// The public facts of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// Subject, most specific part first, as keytool prints it: `CN=com.acme.app, O=Acme, C=US`.
    pub subject: String,
    /// Issuer in the same form (equal to the subject for a self-signed upload certificate).
    pub issuer: String,
    /// Serial number in lowercase hex without leading zeros, as keytool prints it.
    pub serial: String,
    /// Start of validity.
    pub not_before: Instant,
    /// End of validity.
    pub not_after: Instant,
    /// MD5 / SHA-1 / SHA-256 fingerprints.
    pub fingerprints: Fingerprints,
    /// The public key, e.g. `RSA 2048`, `EC`.
    pub public_key: String,
}

impl CertificateInfo {
    /// Reads a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let cert =
            Certificate::from_der(der).map_err(|e| Error::MalformedCertificate(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let serial = {
            let hex: String = tbs
                .serial_number()
                .as_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let trimmed = hex.trim_start_matches('0');
            if trimmed.is_empty() {
                "0".to_owned()
            } else {
                trimmed.to_owned()
            }
        };
        Ok(Self {
            subject: name_to_string(tbs.subject()),
            issuer: name_to_string(tbs.issuer()),
            serial,
            not_before: Instant::from_time(&tbs.validity().not_before),
            not_after: Instant::from_time(&tbs.validity().not_after),
            fingerprints: Fingerprints::of_der(der),
            public_key: describe_public_key(tbs.subject_public_key_info()),
        })
    }

    /// Reads a PEM (`-----BEGIN CERTIFICATE-----`) or DER certificate.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self> {
        Self::from_der(&certificate_der(bytes)?)
    }

    /// Whole days from `now_unix` until the certificate expires (negative once expired).
    pub fn days_left(&self, now_unix: i64) -> i64 {
        (self.not_after.unix - now_unix).div_euclid(86_400)
    }
}

/// Returns the DER bytes of a certificate given as DER or PEM.
pub fn certificate_der(bytes: &[u8]) -> Result<Vec<u8>> {
    if bytes.first() == Some(&0x30) {
        return Ok(bytes.to_vec());
    }
    let text = core::str::from_utf8(bytes)
        .map_err(|_| Error::MalformedCertificate("neither DER nor PEM".into()))?;
    use der::DecodePem;
    let cert = Certificate::from_pem(text.trim())
        .map_err(|e| Error::MalformedCertificate(e.to_string()))?;
    cert.to_der()
        .map_err(|e| Error::MalformedCertificate(e.to_string()))
}

/// `CN=…, OU=…, O=…, C=…` (RFC 4514 order, keytool's `, ` separator).
pub fn name_to_string(name: &Name) -> String {
    let mut parts: Vec<String> = Vec::new();
    for rdn in name.iter_rdn() {
        let atvs: Vec<String> = rdn.iter().map(|atv| atv.to_string()).collect();
        parts.push(atvs.join("+"));
    }
    parts.reverse();
    parts.join(", ")
}

fn describe_public_key(spki: &x509_cert::spki::SubjectPublicKeyInfoOwned) -> String {
    const RSA: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    const EC: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    if spki.algorithm.oid == RSA {
        use rsa::{pkcs8::DecodePublicKey, traits::PublicKeyParts};
        let bits = spki
            .to_der()
            .ok()
            .and_then(|der| rsa::PublicKey::from_public_key_der(&der).ok())
            .map(|k| k.size() * 8);
        match bits {
            Some(bits) => format!("RSA {bits}"),
            None => "RSA".to_owned(),
        }
    } else if spki.algorithm.oid == EC {
        "EC".to_owned()
    } else {
        spki.algorithm.oid.to_string()
    }
}
