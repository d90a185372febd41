//! The distribution certificate: the `.p12` file, its password, its certificate and key,
//! and its expiry.

use super::{CheckKind, Checks};
use crate::{
    Error,
    android::{Keystore, KeystoreFormat},
    eas::credentials_json::IosTargetCredentials,
    ios::certificate::AppleCertificate,
};

/// Reads and opens the target's `.p12` (the file and password checks).
pub(super) fn open(
    target: &IosTargetCredentials,
    read: &mut impl FnMut(&str) -> core::result::Result<Vec<u8>, String>,
    c: &mut Checks<'_>,
) -> Option<AppleCertificate> {
    match c.file(
        CheckKind::CertificateFile,
        "distributionCertificate.path",
        &target.distribution_certificate.path,
        read,
    ) {
        None => {
            c.skip(
                &[CheckKind::CertificatePassword],
                "the .p12 file could not be read",
            );
            None
        }
        Some(bytes) => distribution_certificate(&bytes, target, c),
    }
}

/// The certificate's expiry (skipped when it did not open).
pub(super) fn expiry(certificate: Option<&AppleCertificate>, now: i64, c: &mut Checks<'_>) {
    match certificate {
        Some(cert) => c.expiry(
            CheckKind::CertificateExpiry,
            &format!(
                "the certificate \"{}\"",
                cert.common_name().unwrap_or(cert.subject())
            ),
            cert.not_after(),
            now,
            "create a new distribution certificate (a new CSR), export it with its key as a \
             .p12, and regenerate the provisioning profiles with it",
        ),
        None => c.skip(
            &[CheckKind::CertificateExpiry],
            "the distribution certificate could not be opened",
        ),
    }
}

/// Opens the `.p12`, records the password check, and returns its certificate.
fn distribution_certificate(
    bytes: &[u8],
    target: &IosTargetCredentials,
    c: &mut Checks<'_>,
) -> Option<AppleCertificate> {
    let path_field = c.field("distributionCertificate.path");
    let opened = Keystore::open(
        bytes,
        target.distribution_certificate.password.expose(),
        None,
    )
    .and_then(|store| {
        if store.format() != KeystoreFormat::Pkcs12 {
            return Err(Error::InvalidInput(format!(
                "this is a {} keystore, not a .p12",
                store.format().name()
            )));
        }
        let alias = store.default_key_alias()?;
        store.key_entry(&alias)
    });
    let entry = match opened {
        Ok(entry) => entry,
        Err(Error::WrongKeystorePassword | Error::WrongKeyPassword { .. }) => {
            let fix = format!(
                "set {} to the password the .p12 was exported with",
                c.field("distributionCertificate.password")
            );
            c.fail(
                CheckKind::CertificatePassword,
                "wrong .p12 password: the file's integrity check failed".into(),
                fix,
            );
            return None;
        }
        Err(error) => {
            let message = match error {
                Error::UnknownAlias { .. } => {
                    "the .p12 holds no private key (a certificate alone cannot sign)".to_owned()
                }
                other => other.to_string(),
            };
            c.fail(
                CheckKind::CertificatePassword,
                message,
                format!(
                    "export the distribution certificate with its private key from Keychain \
                     Access (or `signet p12`) and point {path_field} at that .p12"
                ),
            );
            return None;
        }
    };
    let certificate = entry
        .chain
        .first()
        .ok_or_else(|| Error::MalformedCertificate("the .p12 holds no certificate".into()))
        .and_then(|der| AppleCertificate::from_cer(der));
    let certificate = match certificate {
        Ok(certificate) => certificate,
        Err(error) => {
            c.fail(
                CheckKind::CertificatePassword,
                error.to_string(),
                format!("point {path_field} at the .p12 of your distribution certificate"),
            );
            return None;
        }
    };
    // A key from another export next to the certificate would sign nothing Apple accepts.
    if let Ok(key) = entry.key.to_rsa()
        && !certificate.matches_key(&key)
    {
        c.fail(
            CheckKind::CertificatePassword,
            "the .p12's private key does not belong to its certificate".into(),
            format!(
                "export the certificate together with its own private key and point \
                 {path_field} at that .p12"
            ),
        );
        return None;
    }
    c.ok(
        CheckKind::CertificatePassword,
        format!(
            "opens with its password: \"{}\", serial {}, team {}",
            certificate.common_name().unwrap_or(certificate.subject()),
            certificate.serial_hex(),
            certificate.team_id().unwrap_or("unknown")
        ),
    );
    Some(certificate)
}
