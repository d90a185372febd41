//! The fuzz targets' entry points, one per parser, by the name of their cargo-fuzz target.
//!
//! Both fuzzers call these same functions, so they exercise identical code:
//! - `wasm-core/fuzz/fuzz_targets/*.rs`, the libFuzzer targets `cargo +nightly fuzz run`
//!   builds (coverage-guided, nightly only);
//! - `examples/fuzz_smoke.rs`, the stable smoke fuzzer `cargo xtask fuzz` runs when cargo-fuzz
//!   or nightly is missing (fixtures plus seeded random mutations).
//!
//! Each function must return (an error is fine) for any input: a panic, a hang or an
//! unbounded allocation is a bug. Only compiled with the `fuzzing` feature. The keystore
//! entries switch the integrity checks off so random input reaches the code behind them:
//! never use them to open real keystores.

use crate::{
    android::{self, keystore::ProtectedKey, keystore::RawEntry},
    eas::{CredentialsJson, ExpectedBundleIds, diagnose, import::BundleFiles},
    ios::{certificate::AppleCertificate, profile::ProvisioningProfile},
    keys::{apns::ApplePushKey, service_account::ServiceAccountKey},
};

/// A fuzz target: feeds one input to a parser.
pub type Target = fn(&[u8]);

/// Every target, by the name of its cargo-fuzz binary (`wasm-core/fuzz/Cargo.toml`).
pub const TARGETS: &[(&str, Target)] = &[
    ("jks", jks),
    ("pkcs12", pkcs12),
    ("keystore", keystore),
    ("profile", profile),
    ("p8", p8),
    ("service_account", service_account),
    ("apple_certificate", apple_certificate),
    ("play_certificate", play_certificate),
    ("credentials_json", credentials_json),
    ("zip", zip),
];

/// Parses `data` as JKS (digest not checked) and tries to recover every key.
pub fn jks(data: &[u8]) {
    if let Ok(entries) = android::jks::read_with(data, "password", false) {
        for entry in entries {
            if let RawEntry::Key {
                protected: ProtectedKey::Jks(epki),
                ..
            } = entry
            {
                let _ = android::jks::recover(&epki, "password");
            }
        }
    }
}

/// Parses `data` as PKCS#12 (MAC not checked) and tries to decrypt every key.
pub fn pkcs12(data: &[u8]) {
    if let Ok(entries) = android::pkcs12::read_with(data, "password", false) {
        for entry in entries {
            if let RawEntry::Key {
                protected: ProtectedKey::Pkcs12(epki),
                ..
            } = entry
            {
                let _ = android::pkcs12::decrypt_key(&epki, "password");
            }
        }
    }
}

/// Detects and opens `data` through the public API, as a user's upload would be.
pub fn keystore(data: &[u8]) {
    if let Ok(ks) = android::Keystore::open(data, "password", None) {
        for alias in ks.aliases() {
            let _ = ks.key_entry(&alias);
            let _ = ks.certificate_chain(&alias);
        }
    }
}

/// `.mobileprovision` (BER CMS walker + plist) and bare plist parsing; a parsed profile
/// survives validation.
pub fn profile(data: &[u8]) {
    let parsed = [
        ProvisioningProfile::from_mobileprovision(data),
        ProvisioningProfile::from_plist_xml(data),
    ];
    for profile in parsed.into_iter().flatten() {
        let _ = profile.validate("com.acme.app", data, 0);
        let _ = profile.days_left(i64::MAX / 2);
    }
}

/// Apple `.p8` parsing; a key that parses can sign a provider token.
pub fn p8(data: &[u8]) {
    if let Ok(key) = ApplePushKey::from_p8(data, "ABC123DEFG", "A1B2C3D4E5") {
        let _ = key.provider_token(1_700_000_000);
    }
}

/// Service-account JSON parsing; a key that parses can sign its OAuth assertion.
pub fn service_account(data: &[u8]) {
    if let Ok(key) = ServiceAccountKey::from_json(data) {
        let _ = key.oauth_assertion("https://www.googleapis.com/auth/firebase.messaging", 0);
    }
}

/// Apple `.cer` parsing (DER or PEM).
pub fn apple_certificate(data: &[u8]) {
    if let Ok(cert) = AppleCertificate::from_cer(data) {
        let _ = cert.check_not_expired(0);
        let _ = cert.sha1_fingerprint();
    }
}

/// Google Play app-signing certificate upload (DER or PEM, keystore/key refusals): what is
/// accepted describes itself, converts to PEM and back to the same DER, and lists in an
/// `assetlinks.json` statement.
pub fn play_certificate(data: &[u8]) {
    let Ok(der) = android::play::read_certificate(data) else {
        return;
    };
    let payload = crate::credential::Payload::play_app_signing_certificate(&der)
        .unwrap_or_else(|e| panic!("an accepted certificate must read again: {e}"));
    let meta = payload
        .inspect()
        .unwrap_or_else(|e| panic!("an accepted certificate must describe itself: {e}"));
    let pem = android::play::certificate_pem(&der)
        .unwrap_or_else(|e| panic!("an accepted certificate must encode as PEM: {e}"));
    let again = android::play::read_certificate(pem.as_bytes())
        .unwrap_or_else(|e| panic!("its PEM must read back: {e}"));
    assert_eq!(again, der, "PEM round trip");
    let sha256 = meta["sha256"].as_str().unwrap_or_default();
    let _ = android::play::assetlinks_json("com.acme.app", &[sha256]);
}

/// `credentials.json` parsing: what parses writes back to the same value, and the doctor
/// runs on it with `data` standing in for every file it names.
pub fn credentials_json(data: &[u8]) {
    let Ok(credentials) = CredentialsJson::from_json(data) else {
        return;
    };
    // Written out by us, it must read back the same: the dashboard and issue 7 write
    // credentials.json for EAS with this type.
    let written = credentials
        .to_json_pretty()
        .unwrap_or_else(|e| panic!("a parsed credentials.json must serialize: {e}"));
    let again = CredentialsJson::from_json(written.as_bytes())
        .unwrap_or_else(|e| panic!("written credentials.json must parse: {e}\n{written}"));
    assert_eq!(again, credentials, "credentials.json round trip");
    let _ = diagnose(
        &credentials,
        |_| Ok(data.to_vec()),
        &ExpectedBundleIds::default(),
        0,
    );
}

/// A zip as the dashboard's import reads it (limits, zip slip, duplicates, deflate, CRC),
/// then the bundle inside it: `credentials.json` found, its files looked up, the doctor run.
pub fn zip(data: &[u8]) {
    let Ok(entries) = crate::zip::read(data, &crate::zip::Limits::CREDENTIALS) else {
        return;
    };
    for entry in &entries {
        assert!(
            !entry.name.split('/').any(|p| p == ".." || p.is_empty())
                && !entry.name.starts_with('/'),
            "an unsafe name got through: {:?}",
            entry.name
        );
    }
    let Ok((json, files)) = BundleFiles::from_zip(entries) else {
        return;
    };
    if let Ok(credentials) = CredentialsJson::from_json(&json) {
        let _ = diagnose(
            &credentials,
            |path| files.read(path),
            &ExpectedBundleIds::default(),
            0,
        );
    }
}
