//! The checks against the fixtures of `wasm-core/tests/fixtures`, one bundle at a time.

use std::collections::HashMap;

use super::*;
use crate::{
    android::{Password, pkcs12::Pkcs12Variant},
    eas::credentials_json::IosCredentials,
    ios::certificate::SigningIdentity,
};

const JKS: &[u8] = include_bytes!("../../../tests/fixtures/android/keytool.jks");
const PROFILE: &[u8] = include_bytes!("../../../tests/fixtures/apple/appstore.mobileprovision");
const ADHOC: &[u8] = include_bytes!("../../../tests/fixtures/apple/adhoc.mobileprovision");
const CER: &[u8] = include_bytes!("../../../tests/fixtures/apple/distribution.cer");
const KEY: &str = include_str!("../../../tests/fixtures/apple/distribution-key.pem");
/// A .p12 (password "secret") whose certificate no profile lists.
const OTHER_P12: &[u8] = include_bytes!("../../../tests/fixtures/android/openssl-legacy.p12");
const SINGLE: &[u8] = include_bytes!("../../../tests/fixtures/eas/credentials.json");
const MULTI: &[u8] = include_bytes!("../../../tests/fixtures/eas/credentials-multitarget.json");

/// 2026-12-01: every fixture is valid, none expires within 30 days.
const DEC_2026: i64 = 1_796_083_200;
/// 2027-01-01: the profiles expire on 2027-01-15, in 14 days.
const JAN_2027: i64 = 1_798_761_600;
/// 2027-02-01: the profiles have expired; the certificate has not.
const FEB_2027: i64 = 1_801_440_000;

fn dist_p12() -> Vec<u8> {
    SigningIdentity::import(KEY, CER)
        .and_then(|id| id.to_p12(&Password::new("p12-pass"), Pkcs12Variant::Legacy))
        .expect("p12")
}

/// The files of `credentials.json` (single form), with `replace` swapped in.
fn files(replace: &[(&str, &[u8])]) -> HashMap<String, Vec<u8>> {
    let mut files: HashMap<String, Vec<u8>> = [
        ("android/keystores/release.jks", JKS.to_vec()),
        ("ios/certs/profile.mobileprovision", PROFILE.to_vec()),
        ("ios/certs/app.mobileprovision", PROFILE.to_vec()),
        ("ios/certs/widget.mobileprovision", ADHOC.to_vec()),
        ("ios/certs/dist.p12", dist_p12()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (path, bytes) in replace {
        files.insert((*path).to_owned(), bytes.to_vec());
    }
    files
}

fn run(json: &[u8], files: &HashMap<String, Vec<u8>>, bundle_ids: &[&str], now: i64) -> Report {
    let credentials = CredentialsJson::from_json(json).expect("credentials.json");
    let ids = ExpectedBundleIds::parse(bundle_ids.iter().copied()).expect("bundle ids");
    diagnose(
        &credentials,
        |path| {
            files
                .get(path)
                .cloned()
                .ok_or_else(|| format!("no such file: {path}"))
        },
        &ids,
        now,
    )
    .expect("report")
}

fn check<'r>(report: &'r Report, scope: &str, kind: CheckKind) -> &'r Check {
    report
        .checks
        .iter()
        .find(|c| c.scope == scope && c.check == kind)
        .unwrap_or_else(|| panic!("no {kind:?} check for {scope}: {report:#?}"))
}

fn statuses(report: &Report) -> Vec<(CheckKind, Status)> {
    report.checks.iter().map(|c| (c.check, c.status)).collect()
}

fn with_android(field: &str, value: serde_json::Value) -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(SINGLE).expect("json");
    json["android"]["keystore"][field] = value;
    serde_json::to_vec(&json).expect("json")
}

#[test]
fn a_good_bundle_passes_every_check() {
    let report = run(SINGLE, &files(&[]), &["com.acme.app"], DEC_2026);
    use CheckKind::*;
    assert_eq!(
        report.checks.iter().map(|c| c.check).collect::<Vec<_>>(),
        [
            KeystoreFile,
            KeystorePassword,
            KeyAlias,
            KeyPassword,
            KeystoreExpiry,
            ProfileFile,
            Profile,
            CertificateFile,
            CertificatePassword,
            CertificateExpiry,
            ProfileCertificate,
            BundleId,
            ProfileExpiry,
        ]
    );
    assert!(
        report
            .checks
            .iter()
            .all(|c| c.status == Status::Ok && c.fix.is_none()),
        "{report:#?}"
    );
    assert!(report.passed());
    let cert = check(&report, "ios", CertificatePassword);
    assert!(
        cert.message
            .contains("\"Apple Distribution: Acme Inc (A1B2C3D4E5)\", serial 5A3F7C19E2B4D6A8"),
        "{}",
        cert.message
    );
    assert!(
        check(&report, "android", KeystoreExpiry)
            .message
            .contains("valid until 2054-04-14")
    );
}

#[test]
fn without_a_bundle_id_the_bundle_check_is_skipped_not_failed() {
    let report = run(SINGLE, &files(&[]), &[], DEC_2026);
    let bundle = check(&report, "ios", CheckKind::BundleId);
    assert_eq!(bundle.status, Status::Skipped);
    assert!(
        bundle.message.contains("com.acme.app"),
        "{}",
        bundle.message
    );
    assert!(report.passed());
}

#[test]
fn wrong_keystore_password_fails_and_skips_what_depends_on_it() {
    let json = with_android("keystorePassword", "nope".into());
    let report = run(&json, &files(&[]), &[], DEC_2026);
    let failed = check(&report, "android", CheckKind::KeystorePassword);
    assert_eq!(failed.status, Status::Failed);
    assert!(
        failed.message.contains("wrong keystore password"),
        "{}",
        failed.message
    );
    assert!(
        failed
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("android.keystore.keystorePassword")),
        "{failed:?}"
    );
    for kind in [
        CheckKind::KeyAlias,
        CheckKind::KeyPassword,
        CheckKind::KeystoreExpiry,
    ] {
        assert_eq!(check(&report, "android", kind).status, Status::Skipped);
    }
    assert!(!report.passed());
    // iOS is still checked in full.
    assert_eq!(
        check(&report, "ios", CheckKind::ProfileExpiry).status,
        Status::Ok
    );
}

#[test]
fn wrong_alias_lists_the_key_entries() {
    for alias in ["nope", "partner"] {
        let json = with_android("keyAlias", alias.into());
        let report = run(&json, &files(&[]), &[], DEC_2026);
        let failed = check(&report, "android", CheckKind::KeyAlias);
        assert_eq!(failed.status, Status::Failed, "{alias}");
        assert_eq!(
            failed.fix.as_deref(),
            Some("set android.keystore.keyAlias to \"uploadkey\""),
            "{alias}: only the key entry, not the trusted certificate, is suggested"
        );
    }
    // keytool lowercases JKS aliases; Gradle matches them case-insensitively too.
    let json = with_android("keyAlias", "UploadKey".into());
    assert!(run(&json, &files(&[]), &[], DEC_2026).passed());
}

#[test]
fn wrong_or_missing_key_password() {
    let json = with_android("keyPassword", "nope".into());
    let report = run(&json, &files(&[]), &[], DEC_2026);
    let failed = check(&report, "android", CheckKind::KeyPassword);
    assert_eq!(failed.status, Status::Failed);
    assert!(
        failed.message.contains("wrong key password"),
        "{}",
        failed.message
    );
    assert_eq!(
        check(&report, "android", CheckKind::KeyAlias).status,
        Status::Ok
    );
    // The certificate needs no key password: expiry is still checked.
    assert_eq!(
        check(&report, "android", CheckKind::KeystoreExpiry).status,
        Status::Ok
    );

    // keyPassword absent: EAS uses keystorePassword, which is not this key's password.
    let report = run(MULTI, &files(&[]), &[], DEC_2026);
    let failed = check(&report, "android", CheckKind::KeyPassword);
    assert_eq!(failed.status, Status::Failed);
    assert!(
        failed
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("add android.keystore.keyPassword")),
        "{failed:?}"
    );
}

#[test]
fn missing_and_wrong_files() {
    let mut files = files(&[]);
    files.remove("android/keystores/release.jks");
    files.insert("ios/certs/profile.mobileprovision".into(), CER.to_vec());
    let report = run(SINGLE, &files, &[], DEC_2026);
    let missing = check(&report, "android", CheckKind::KeystoreFile);
    assert_eq!(missing.status, Status::Failed);
    assert!(
        missing.message.contains("no such file"),
        "{}",
        missing.message
    );
    assert!(
        missing
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("android.keystore.keystorePath")),
        "{missing:?}"
    );
    assert_eq!(
        check(&report, "android", CheckKind::KeystorePassword).status,
        Status::Skipped
    );
    let profile = check(&report, "ios", CheckKind::Profile);
    assert_eq!(profile.status, Status::Failed);
    assert!(profile.message.contains("not CMS"), "{}", profile.message);
    for kind in [
        CheckKind::ProfileCertificate,
        CheckKind::BundleId,
        CheckKind::ProfileExpiry,
    ] {
        assert_eq!(
            check(&report, "ios", kind).status,
            Status::Skipped,
            "{kind:?}"
        );
    }
    // The .p12 is still checked on its own.
    assert_eq!(
        check(&report, "ios", CheckKind::CertificateExpiry).status,
        Status::Ok
    );

    // A keystore where the .p12 should be.
    let report = run(
        SINGLE,
        &self::files(&[("ios/certs/dist.p12", JKS)]),
        &[],
        DEC_2026,
    );
    let failed = check(&report, "ios", CheckKind::CertificatePassword);
    assert_eq!(failed.status, Status::Failed);
}

#[test]
fn p12_password_and_certificate_mismatch() {
    let mut json: serde_json::Value = serde_json::from_slice(SINGLE).expect("json");
    json["ios"]["distributionCertificate"]["password"] = "nope".into();
    let report = run(
        &serde_json::to_vec(&json).expect("json"),
        &files(&[]),
        &[],
        DEC_2026,
    );
    let failed = check(&report, "ios", CheckKind::CertificatePassword);
    assert_eq!(failed.status, Status::Failed);
    assert!(
        failed.message.contains("wrong .p12 password"),
        "{}",
        failed.message
    );
    assert!(
        failed
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("ios.distributionCertificate.password")),
        "{failed:?}"
    );

    json["ios"]["distributionCertificate"]["password"] = "secret".into();
    let report = run(
        &serde_json::to_vec(&json).expect("json"),
        &files(&[("ios/certs/dist.p12", OTHER_P12)]),
        &["com.acme.app"],
        DEC_2026,
    );
    assert_eq!(
        check(&report, "ios", CheckKind::CertificatePassword).status,
        Status::Ok
    );
    let failed = check(&report, "ios", CheckKind::ProfileCertificate);
    assert_eq!(failed.status, Status::Failed);
    assert!(
        failed
            .message
            .contains("does not include the distribution certificate"),
        "{}",
        failed.message
    );
    assert!(!report.passed());
}

#[test]
fn bundle_id_mismatch_and_wildcards() {
    let report = run(SINGLE, &files(&[]), &["com.acme.other"], DEC_2026);
    let failed = check(&report, "ios", CheckKind::BundleId);
    assert_eq!(failed.status, Status::Failed);
    assert!(
        failed
            .message
            .contains("issued for com.acme.app, not com.acme.other"),
        "{}",
        failed.message
    );
    assert!(!report.passed());

    let report = run(
        MULTI,
        &files(&[]),
        &["AcmeApp=com.acme.app", "AcmeWidget=com.acme.app.widget"],
        DEC_2026,
    );
    assert_eq!(
        check(&report, "ios.AcmeApp", CheckKind::BundleId).status,
        Status::Ok
    );
    let widget = check(&report, "ios.AcmeWidget", CheckKind::BundleId);
    assert_eq!(widget.status, Status::Ok);
    assert!(
        widget.message.contains("A1B2C3D4E5.com.acme.*"),
        "{}",
        widget.message
    );
}

#[test]
fn expiring_soon_warns_and_expired_fails() {
    let report = run(SINGLE, &files(&[]), &[], JAN_2027);
    let soon = check(&report, "ios", CheckKind::ProfileExpiry);
    assert_eq!(soon.status, Status::Warning);
    assert!(
        soon.message
            .contains("expires in 14 days, on 2027-01-15 10:00 UTC"),
        "{}",
        soon.message
    );
    assert!(
        soon.fix
            .as_deref()
            .is_some_and(|f| f.starts_with("before it expires"))
    );
    assert!(report.passed(), "a warning is not a failure");
    assert_eq!(report.count(Status::Warning), 1);

    let report = run(SINGLE, &files(&[]), &[], FEB_2027);
    let expired = check(&report, "ios", CheckKind::ProfileExpiry);
    assert_eq!(expired.status, Status::Failed);
    assert!(
        expired.message.contains("expired on 2027-01-15"),
        "{}",
        expired.message
    );
    assert!(!report.passed());

    let far = run(SINGLE, &files(&[]), &[], 2_900_000_000);
    for (scope, kind) in [
        ("android", CheckKind::KeystoreExpiry),
        ("ios", CheckKind::CertificateExpiry),
        ("ios", CheckKind::ProfileExpiry),
    ] {
        assert_eq!(check(&far, scope, kind).status, Status::Failed, "{kind:?}");
    }
}

#[test]
fn empty_credentials_fail() {
    let report = run(b"{}", &files(&[]), &[], DEC_2026);
    assert_eq!(statuses(&report), [(CheckKind::Contents, Status::Failed)]);
}

#[test]
fn bundle_ids_must_fit_the_targets() {
    let single = CredentialsJson::from_json(SINGLE).expect("json");
    let multi = CredentialsJson::from_json(MULTI).expect("json");
    let android_only = CredentialsJson {
        ios: None,
        ..single.clone()
    };
    let no_files = |path: &str| Err(format!("no such file: {path}"));
    let cases: &[(&CredentialsJson, &[&str], &str)] = &[
        (&single, &["App=com.acme.app"], "no target \"App\""),
        (
            &multi,
            &["com.acme.app"],
            "has 2 iOS targets (AcmeApp, AcmeWidget)",
        ),
        (&multi, &["Nope=com.acme.app"], "no iOS target \"Nope\""),
        (&android_only, &["com.acme.app"], "no ios credentials"),
    ];
    for (credentials, args, expected) in cases {
        let ids = ExpectedBundleIds::parse(args.iter().copied()).expect("parses");
        let err = diagnose(credentials, no_files, &ids, DEC_2026).expect_err("refused");
        assert!(err.to_string().contains(expected), "{args:?}: {err}");
    }
    for (args, expected) in [
        (&["a", "b"][..], "only one bundle id"),
        (&["a", "T=b"], "not both"),
        (&["T=a", "T=b"], "already has a bundle id"),
        (&["=a"], "TARGET=BUNDLE_ID"),
        (&[""], "empty"),
    ] {
        let err = ExpectedBundleIds::parse(args.iter().copied()).expect_err("refused");
        assert!(err.to_string().contains(expected), "{args:?}: {err}");
    }
    // One target in the per-target form: a bare id is enough.
    let mut one = multi.clone();
    if let Some(IosCredentials::PerTarget(map)) = &mut one.ios {
        map.remove("AcmeWidget");
    }
    let ids = ExpectedBundleIds::parse(["com.acme.app"]).expect("parses");
    let files = files(&[]);
    let report = diagnose(
        &one,
        |path| files.get(path).cloned().ok_or_else(|| path.to_owned()),
        &ids,
        DEC_2026,
    )
    .expect("report");
    assert_eq!(
        check(&report, "ios.AcmeApp", CheckKind::BundleId).status,
        Status::Ok
    );
}

#[test]
fn the_report_never_holds_a_password() {
    let report = run(SINGLE, &files(&[]), &["com.acme.app"], DEC_2026);
    let json = serde_json::to_string(&report).expect("json");
    for secret in ["storepass1", "keypass22", "p12-pass"] {
        assert!(!json.contains(secret), "{json}");
    }
    assert!(
        json.contains(r#""check":"keystore_password","status":"ok""#),
        "{json}"
    );
}
