//! One iOS target, in the order a person fixes it: its profile, its distribution
//! certificate, and whether the two belong together.

use super::{CheckKind, Checks, certificate, profile};
use crate::eas::credentials_json::IosTargetCredentials;

/// Checks one target of `credentials.json`'s `ios` object.
pub(super) fn target(
    target: &IosTargetCredentials,
    read: &mut impl FnMut(&str) -> core::result::Result<Vec<u8>, String>,
    bundle_id: Option<&str>,
    now: i64,
    c: &mut Checks<'_>,
) {
    let profile = profile::open(target, read, c);
    let certificate = certificate::open(target, read, c);
    certificate::expiry(certificate.as_ref(), now, c);

    // The profile must list the certificate the build signs with.
    match (&profile, &certificate) {
        (Some(profile), Some(cert)) => match profile.check_certificate(cert.der()) {
            Ok(()) => c.ok(
                CheckKind::ProfileCertificate,
                format!(
                    "the profile lists the .p12's certificate (SHA-1 {})",
                    cert.sha1_fingerprint()
                ),
            ),
            Err(error) => {
                let fix = format!(
                    "alternatively, point {} at the .p12 of a certificate the profile lists",
                    c.field("distributionCertificate.path")
                );
                c.fail(CheckKind::ProfileCertificate, error.to_string(), fix);
            }
        },
        _ => c.skip(
            &[CheckKind::ProfileCertificate],
            "needs both the profile and the certificate",
        ),
    }

    profile::bundle_id(profile.as_ref(), bundle_id, c);
    profile::expiry(profile.as_ref(), now, c);
}
