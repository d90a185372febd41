//! Apple key formats against the real tools: Apple's `.cer` for our CSR (issued by an
//! OpenSSL CA) is imported and matched to the key; `.mobileprovision` files made by
//! `openssl cms` (DER and BER indefinite-length) are parsed and validated; APNs and App
//! Store Connect tokens verify with `openssl dgst`.

use std::time::{SystemTime, UNIX_EPOCH};

use signet_core::{
    Error,
    ios::{
        certificate::{AppleCertificate, SigningIdentity},
        csr::{CsrSubject, PendingCsr},
        profile::{ProfileType, ProvisioningProfile},
    },
    keys::{apns::ApplePushKey, asc::AppStoreConnectKey, jwt},
};
use signet_tests::tools;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../wasm-core/tests/fixtures/apple"
);
const TEAM: &str = "A1B2C3D4E5";
const APPLE_SUBJECT: &str =
    "/UID=A1B2C3D4E5/CN=Apple Distribution: Acme Inc (A1B2C3D4E5)/OU=A1B2C3D4E5/O=Acme Inc/C=US";

fn fixture(name: &str) -> anyhow::Result<Vec<u8>> {
    Ok(std::fs::read(format!("{FIXTURES}/{name}"))?)
}

fn now() -> anyhow::Result<u64> {
    Ok(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())
}

fn pending() -> anyhow::Result<PendingCsr> {
    Ok(PendingCsr::generate(&CsrSubject {
        common_name: "Acme Inc".into(),
        email: "dev@acme.example".into(),
        country: Some("US".into()),
    })?)
}

#[test]
fn certificate_issued_for_our_csr_is_imported_and_matched() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let csr = pending()?;
    tools::openssl_verify_csr(&csr.csr_pem()?, dir.path())?;
    let cer = tools::openssl_issue_certificate(&csr.csr_pem()?, APPLE_SUBJECT, dir.path())?;

    let identity = SigningIdentity::import(&csr.private_key_pkcs8_pem()?, &cer)?;
    let cert = identity.certificate();
    assert_eq!(cert.team_id(), Some(TEAM));
    assert_eq!(cert.team_name(), Some("Acme Inc"));
    assert_eq!(
        cert.common_name(),
        Some("Apple Distribution: Acme Inc (A1B2C3D4E5)")
    );
    assert_eq!(cert.serial_hex(), "7E57C0DE01");
    assert_eq!(cert.not_after() - cert.not_before(), 365 * 86_400);
    let now = i64::try_from(now()?)?;
    assert!(cert.not_before() <= now + 5 && now < cert.not_after());
    cert.check_not_expired(now)?;
    assert_eq!(
        cert.sha1_fingerprint(),
        tools::openssl_sha1_fingerprint(&cer, dir.path())?
    );

    // The same certificate in PEM, as `openssl x509 -outform PEM` writes it.
    let der_path = tools::write_file(dir.path(), "issued-again.cer", &cer)?;
    let pem = tools::run_stdout("openssl", &["x509", "-inform", "DER", "-in", &der_path])?;
    let from_pem = SigningIdentity::import(&csr.private_key_pkcs8_pem()?, pem.as_bytes())?;
    assert_eq!(from_pem.certificate(), cert);
    Ok(())
}

#[test]
fn certificate_for_a_different_key_is_refused() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let ours = pending()?;
    let theirs = pending()?;
    let cer = tools::openssl_issue_certificate(&theirs.csr_pem()?, APPLE_SUBJECT, dir.path())?;
    let err = SigningIdentity::import(&ours.private_key_pkcs8_pem()?, &cer)
        .expect_err("a certificate for another request must be refused");
    assert!(matches!(err, Error::CertificateKeyMismatch { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("this certificate was issued for a different signing request"),
        "{err}"
    );
    Ok(())
}

#[test]
fn profile_fixtures_read_like_openssl_extracts_them() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    for (file, ty, indefinite) in [
        ("appstore.mobileprovision", ProfileType::AppStore, false),
        ("appstore-ber.mobileprovision", ProfileType::AppStore, true),
        ("adhoc.mobileprovision", ProfileType::AdHoc, true),
    ] {
        let bytes = fixture(file)?;
        assert_eq!(
            tools::openssl_has_indefinite_length(&bytes, dir.path())?,
            indefinite,
            "{file}"
        );
        let profile = ProvisioningProfile::from_mobileprovision(&bytes)?;
        let plist = tools::openssl_cms_content(&bytes, dir.path())?;
        assert_eq!(
            profile,
            ProvisioningProfile::from_plist_xml(&plist)?,
            "{file}"
        );
        assert_eq!(profile.profile_type, ty, "{file}");
        assert_eq!(profile.team_id, TEAM);
        let cert = fixture("distribution.cer")?;
        assert_eq!(
            profile.developer_certificates[0].sha1_fingerprint,
            tools::openssl_sha1_fingerprint(&cert, dir.path())?
        );
        profile.validate("com.acme.app", &cert, 1_780_272_000)?;
    }
    Ok(())
}

/// The whole iOS story with real tools: CSR → certificate → a profile naming that
/// certificate, signed by `openssl cms -stream` (BER like Apple's) → parsed and validated.
#[test]
fn fresh_profile_for_our_certificate_validates_and_refuses_mismatches() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let csr = pending()?;
    let cer = tools::openssl_issue_certificate(&csr.csr_pem()?, APPLE_SUBJECT, dir.path())?;
    let identity = SigningIdentity::import(&csr.private_key_pkcs8_pem()?, &cer)?;
    let template = String::from_utf8(fixture("adhoc.plist")?)?;
    let fixture_cert = base64_std(&fixture("distribution.cer")?);
    let plist = template
        .replace(&fixture_cert, &base64_std(identity.certificate().der()))
        .replace("2027-01-15T10:00:00Z", "2099-01-01T00:00:00Z");
    assert_ne!(plist, template);

    let profile_bytes = tools::openssl_sign_profile(plist.as_bytes(), true, dir.path())?;
    assert!(tools::openssl_has_indefinite_length(
        &profile_bytes,
        dir.path()
    )?);
    let started = std::time::Instant::now();
    let profile = ProvisioningProfile::from_mobileprovision(&profile_bytes)?;
    let parse_time = started.elapsed();
    eprintln!(
        "profile parse: {parse_time:?} for {} bytes",
        profile_bytes.len()
    );

    let now = i64::try_from(now()?)?;
    profile.validate("com.acme.widget", identity.certificate().der(), now)?;
    let err = profile
        .validate("org.example.app", identity.certificate().der(), now)
        .expect_err("wrong bundle id");
    assert!(
        err.to_string()
            .starts_with("this profile was issued for com.acme.*, not org.example.app"),
        "{err}"
    );
    let other = AppleCertificate::from_cer(&fixture("distribution.cer")?)?;
    let err = profile
        .validate("com.acme.app", other.der(), now)
        .expect_err("certificate not in the profile");
    assert!(
        matches!(err, Error::ProfileCertificateMismatch { .. }),
        "{err}"
    );
    let err = profile
        .check_not_expired(4_070_908_800) // 2099-01-01
        .expect_err("expired");
    assert!(
        err.to_string().contains("expired on 2099-01-01 00:00 UTC"),
        "{err}"
    );
    Ok(())
}

fn base64_std(bytes: &[u8]) -> String {
    use base64::{Engine, engine::general_purpose::STANDARD};
    STANDARD.encode(bytes)
}

#[test]
fn apns_provider_token_verifies_with_openssl() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let p8 = fixture("AuthKey_ABC123DEFG.p8")?;
    let public = tools::openssl_public_key(std::str::from_utf8(&p8)?, dir.path())?;
    let key = ApplePushKey::from_p8(&p8, "ABC123DEFG", TEAM)?;
    assert_eq!(key.key().public_key_pem()?.trim(), public.trim());
    let iat = now()?;
    let token = key.provider_token(iat)?;
    tools::openssl_verify_jwt(&token, &public, dir.path())?;
    let decoded = jwt::decode_unverified(&token)?;
    assert_eq!(decoded.header.kid.as_deref(), Some("ABC123DEFG"));
    assert_eq!(decoded.claims, serde_json::json!({"iss": TEAM, "iat": iat}));

    // A tampered token must not verify: the check above can fail.
    let mut tampered = token.into_bytes();
    let at = tampered.len() - 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    assert!(
        tools::openssl_verify_jwt(std::str::from_utf8(&tampered)?, &public, dir.path()).is_err()
    );

    // A freshly generated .p8 (openssl genpkey, as Apple's portal would hand one out).
    let fresh = tools::run_stdout(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ],
    )?;
    let key = ApplePushKey::from_p8(fresh.as_bytes(), "ZZ99YY88XX", TEAM)?;
    let public = tools::openssl_public_key(&fresh, dir.path())?;
    for i in 0..20 {
        tools::openssl_verify_jwt(&key.provider_token(iat + i)?, &public, dir.path())?;
    }
    Ok(())
}

#[test]
fn app_store_connect_token_verifies_with_openssl() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let p8 = fixture("AuthKey_ABC123DEFG.p8")?;
    let public = tools::openssl_public_key(std::str::from_utf8(&p8)?, dir.path())?;
    let key =
        AppStoreConnectKey::from_p8(&p8, "ABC123DEFG", "57246542-96fe-1a63-e053-0824d011072a")?;
    let iat = now()?;
    let token = key.token(iat, 20 * 60)?;
    tools::openssl_verify_jwt(&token, &public, dir.path())?;
    let decoded = jwt::decode_unverified(&token)?;
    assert_eq!(decoded.header.typ.as_deref(), Some("JWT"));
    assert_eq!(decoded.claims["aud"], "appstoreconnect-v1");
    assert_eq!(decoded.claims["exp"], iat + 1200);
    assert!(key.token(iat, 20 * 60 + 1).is_err());
    Ok(())
}
