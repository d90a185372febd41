//! Google Play's app-signing key beside the upload key.
//!
//! With Play App Signing, Google re-signs every build it distributes with the **app-signing
//! key**, which never leaves Google; developers sign what they upload with the **upload key**
//! (their keystore). The two have different fingerprints, and which one a service needs depends
//! on where the build came from — the cause of Firebase's `DEVELOPER_ERROR` and of App Links
//! that only work for some installs. This module holds what Signet knows about it:
//!
//! - [`read_certificate`] — the app-signing certificate Play Console offers under *App
//!   integrity* (`deployment_cert.der`, or PEM), with clear errors for what people upload by
//!   mistake (a keystore, a private key, an upload certificate is accepted but is the other key);
//! - [`certificate_pem`] — a certificate as `upload_certificate.pem`, the file Google's
//!   upload-key reset request asks for (what `keytool -export -rfc` writes);
//! - [`assetlinks_json`] — the Digital Asset Links statement for Android App Links with every
//!   signing key's SHA-256, in Google's form;
//! - [`USES`] — which key each Google service wants, for the dashboard and the CLI to say the
//!   same thing.

use der::{Decode, Encode, pem::LineEnding};
use x509_cert::Certificate;

use crate::{Error, Result};

/// Where each key's fingerprints go: (service, which key, why).
pub const USES: [(&str, &str, &str); 4] = [
    (
        "Firebase (Android app SHA-1/SHA-256), Google Sign-In",
        "both",
        "add the app-signing key's fingerprints for builds installed from Google Play, and the \
         upload key's for local and internal builds you sign yourself",
    ),
    (
        "Android App Links (assetlinks.json)",
        "both",
        "list the app-signing key's SHA-256 (Play builds) and the upload key's (your own builds)",
    ),
    (
        "Google Maps and other Google Cloud API key restrictions",
        "both",
        "restrict the key to the app-signing key's SHA-1 for Play builds, plus the upload key's \
         for your own",
    ),
    (
        "Google Play Console upload",
        "upload",
        "Play accepts only bundles signed with the upload key it knows; an upload-key reset \
         changes that key",
    ),
];

/// Reads the Play app-signing certificate (DER such as `deployment_cert.der`, or PEM) and
/// returns its DER. Refuses keystores and private keys with a message that says what to upload.
pub fn read_certificate(bytes: &[u8]) -> Result<Vec<u8>> {
    if bytes.is_empty() {
        return Err(Error::InvalidInput(
            "the file is empty: download deployment_cert.der from Play Console → Test and \
             release → App integrity → App signing"
                .into(),
        ));
    }
    if bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) {
        return Err(Error::InvalidInput(
            "this is a Java keystore, not a certificate: upload it as the upload keystore, or \
             download the app-signing certificate (deployment_cert.der) from Play Console"
                .into(),
        ));
    }
    if let Ok(text) = core::str::from_utf8(bytes) {
        if text.contains("PRIVATE KEY-----") {
            return Err(Error::InvalidInput(
                "this file holds a private key: Google keeps the app-signing key and never \
                 hands it out, so Signet only stores its certificate (deployment_cert.der). \
                 Nothing was stored"
                    .into(),
            ));
        }
        if text.trim_start().starts_with("-----BEGIN") && !text.contains("BEGIN CERTIFICATE") {
            return Err(Error::MalformedCertificate(
                "a PEM file without a CERTIFICATE block".into(),
            ));
        }
    }
    let der = crate::cert::certificate_der(bytes).map_err(|e| match e {
        Error::MalformedCertificate(reason) => Error::MalformedCertificate(format!(
            "not an X.509 certificate ({reason}); a .p12 or .jks is a keystore, not the \
             app-signing certificate"
        )),
        other => other,
    })?;
    let cert = Certificate::from_der(&der).map_err(|e| {
        Error::MalformedCertificate(format!(
            "not an X.509 certificate ({e}); a .p12 or .jks is a keystore, not the app-signing \
             certificate"
        ))
    })?;
    // Re-encode so trailing bytes after the certificate are not stored as part of it.
    cert.to_der()
        .map_err(|e| Error::MalformedCertificate(e.to_string()))
}

/// A DER certificate as PEM (`-----BEGIN CERTIFICATE-----`, 64-column base64, LF), what
/// `keytool -export -rfc` writes and Google's upload-key reset form accepts.
pub fn certificate_pem(der: &[u8]) -> Result<String> {
    let cert =
        Certificate::from_der(der).map_err(|e| Error::MalformedCertificate(e.to_string()))?;
    use der::EncodePem;
    cert.to_pem(LineEnding::LF).map_err(|e| Error::Encoding {
        what: "certificate PEM",
        reason: e.to_string(),
    })
}

/// Whether `package` is a valid Android application id: two or more dot-separated segments,
/// each starting with a letter, then letters, digits or underscores.
pub fn is_application_id(package: &str) -> bool {
    let segments: Vec<&str> = package.split('.').collect();
    segments.len() >= 2
        && segments.iter().all(|s| {
            let mut chars = s.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Normalises a SHA-256 fingerprint to Google's form (`AB:CD:…`, 32 uppercase pairs). Accepts
/// colon-separated or bare hex in either case.
pub fn sha256_fingerprint(text: &str) -> Result<String> {
    let hex: String = text.chars().filter(|c| *c != ':').collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::InvalidInput(format!(
            "\"{text}\" is not a SHA-256 fingerprint (32 bytes of hex, e.g. AB:CD:…)"
        )));
    }
    let upper = hex.to_ascii_uppercase();
    Ok(upper
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

/// The `assetlinks.json` statement that lets the app open `https://` links for a site: one
/// statement with `delegate_permission/common.handle_all_urls` for `package` and every SHA-256
/// given (normalised, duplicates removed, order kept). Serve it at
/// `https://DOMAIN/.well-known/assetlinks.json`.
pub fn assetlinks_json(package: &str, sha256s: &[&str]) -> Result<String> {
    if !is_application_id(package) {
        return Err(Error::InvalidInput(format!(
            "\"{package}\" is not an Android application id (e.g. com.acme.app)"
        )));
    }
    let mut fingerprints: Vec<String> = Vec::new();
    for text in sha256s {
        let fp = sha256_fingerprint(text)?;
        if !fingerprints.contains(&fp) {
            fingerprints.push(fp);
        }
    }
    if fingerprints.is_empty() {
        return Err(Error::InvalidInput(
            "no signing key to list: store the upload keystore or the Play app-signing \
             certificate first"
                .into(),
        ));
    }
    let statement = serde_json::json!([{
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": package,
            "sha256_cert_fingerprints": fingerprints,
        }
    }]);
    serde_json::to_string_pretty(&statement).map_err(|e| Error::Encoding {
        what: "assetlinks.json",
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::{UploadKeystore, UploadKeystoreParams};

    fn cert_der() -> Vec<u8> {
        UploadKeystore::generate(
            &UploadKeystoreParams::for_package("com.acme.app"),
            1_800_000_000,
        )
        .expect("a generated keystore")
        .certificate
    }

    #[test]
    fn der_and_pem_read_to_the_same_certificate() -> Result<()> {
        let der = cert_der();
        let pem = certificate_pem(&der)?;
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(read_certificate(&der)?, der);
        assert_eq!(read_certificate(pem.as_bytes())?, der);
        assert_eq!(read_certificate(pem.replace('\n', "\r\n").as_bytes())?, der);
        Ok(())
    }

    #[test]
    fn keystores_keys_and_junk_are_refused_with_what_to_do() {
        let jks = [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2];
        let e = read_certificate(&jks).expect_err("refused").to_string();
        assert!(e.contains("keystore"), "{e}");
        let key = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        let e = read_certificate(key).expect_err("refused").to_string();
        assert!(e.contains("private key"), "{e}");
        let e = read_certificate(b"").expect_err("refused").to_string();
        assert!(e.contains("empty"), "{e}");
        assert!(read_certificate(b"\x30\x03\x02\x01\x01").is_err());
        assert!(read_certificate(b"hello").is_err());
    }

    #[test]
    fn assetlinks_lists_each_fingerprint_once_in_googles_form() -> Result<()> {
        let a = "ab".repeat(32);
        let b = format!("{}:{}", "CD", ["CD"; 31].join(":"));
        let text = assetlinks_json("com.acme.app", &[&a, &b, &a.to_uppercase()])?;
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let target = &v[0]["target"];
        assert_eq!(
            v[0]["relation"][0],
            "delegate_permission/common.handle_all_urls"
        );
        assert_eq!(target["namespace"], "android_app");
        assert_eq!(target["package_name"], "com.acme.app");
        let fps = target["sha256_cert_fingerprints"].as_array().expect("list");
        assert_eq!(fps.len(), 2);
        assert_eq!(fps[0], ["AB"; 32].join(":"));
        assert_eq!(fps[1], b);
        assert!(assetlinks_json("acme", &[&a]).is_err());
        assert!(assetlinks_json("com.acme.app", &[]).is_err());
        assert!(assetlinks_json("com.acme.app", &["AB:CD"]).is_err());
        Ok(())
    }

    #[test]
    fn application_ids() {
        assert!(is_application_id("com.acme.app"));
        assert!(is_application_id("com.acme_1.App2"));
        assert!(!is_application_id("com"));
        assert!(!is_application_id("com..app"));
        assert!(!is_application_id("com.1acme"));
        assert!(!is_application_id("com.acme-app.x"));
    }
}
