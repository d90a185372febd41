//! Apple `.cer` parsing (DER or PEM): never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_core::ios::certificate::AppleCertificate;

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = AppleCertificate::from_cer(data) {
        let _ = cert.check_not_expired(0);
        let _ = cert.sha1_fingerprint();
    }
});
