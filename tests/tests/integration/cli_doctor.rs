//! `signet doctor`, run as a user would on EAS credentials bundles built in temp dirs from
//! the real tools: an upload keystore from `signet keystore generate`, a distribution
//! certificate issued by an OpenSSL CA for `signet csr generate`'s request and joined by
//! `signet p12`, and a provisioning profile naming that certificate, signed by `openssl cms`.
//! Every date is relative to now, so the tests never age.

use std::{
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result};
use serde_json::{Value, json};
use signet_core::ios::certificate::format_utc;
use signet_tests::{
    cli::{Outcome, offline, offline_ok, text},
    tools,
};

const APPLE_FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../wasm-core/tests/fixtures/apple"
);
/// The UUID of the fixture profile `appstore.plist`.
const FIXTURE_UUID: &str = "5f1c2e7a-3b4d-4e8f-9a0b-1c2d3e4f5a6b";
const APPLE_SUBJECT: &str =
    "/UID=A1B2C3D4E5/CN=Apple Distribution: Acme Inc (A1B2C3D4E5)/OU=A1B2C3D4E5/O=Acme Inc/C=US";

/// The report line of a check (`  ✓ keystore file  …`), by its label.
fn report_line<'a>(out: &'a Outcome, label: &str) -> &'a str {
    out.stdout
        .lines()
        .find(|l| l.chars().skip(4).collect::<String>().starts_with(label))
        .unwrap_or_else(|| panic!("no line for {label}:\n{}", out.stdout))
}

fn now() -> Result<i64> {
    Ok(i64::try_from(
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs(),
    )?)
}

/// A plist `<date>`: `2027-01-15T10:00:00Z`.
fn plist_date(unix: i64) -> String {
    let utc = format_utc(unix); // "YYYY-MM-DD HH:MM UTC"
    format!("{}T{}:00Z", &utc[..10], &utc[11..16])
}

/// A distribution certificate issued for a fresh `signet csr generate` request, joined with
/// its key by `signet p12` into `out`. Returns the `.cer` (DER) and the `.p12` password.
fn distribution_p12(work: &Path, out: &Path) -> Result<(Vec<u8>, String)> {
    let key = work.join("dist.key");
    let csr = work.join("dist.csr");
    for file in [&key, &csr] {
        if file.exists() {
            std::fs::remove_file(file)?;
        }
    }
    offline_ok(&[
        "csr",
        "generate",
        "--email",
        "dev@acme.example",
        "--common-name",
        "Acme Inc",
        "--key-out",
        &text(&key),
        "--csr-out",
        &text(&csr),
    ])?;
    let cer =
        tools::openssl_issue_certificate(&std::fs::read_to_string(&csr)?, APPLE_SUBJECT, work)?;
    let cer_path = tools::write_file(work, "dist.cer", &cer)?;
    let password = offline_ok(&[
        "p12",
        "--key",
        &text(&key),
        "--cert",
        &cer_path,
        "--out",
        &text(out),
        "--force",
    ])?;
    Ok((cer, password.trim().to_owned()))
}

/// An App Store profile for `com.acme.app` listing `cer` (DER), created yesterday and
/// expiring in `days`, with a fresh UUID (its fingerprint: profiles pushed to one team stay
/// distinct), signed by `openssl cms` in `work`.
fn profile_for(cer: &[u8], days: i64, work: &Path) -> Result<Vec<u8>> {
    use base64::{Engine, engine::general_purpose::STANDARD};
    let template = std::fs::read_to_string(format!("{APPLE_FIXTURES}/appstore.plist"))?;
    let fixture_cert =
        STANDARD.encode(std::fs::read(format!("{APPLE_FIXTURES}/distribution.cer"))?);
    let now = now()?;
    let plist = template
        .replace(&fixture_cert, &STANDARD.encode(cer))
        .replace("2026-01-15T10:00:00Z", &plist_date(now - 86_400))
        .replace("2027-01-15T10:00:00Z", &plist_date(now + days * 86_400))
        .replace(FIXTURE_UUID, &signet_client::team::new_id()?);
    assert_ne!(plist, template);
    tools::openssl_sign_profile(plist.as_bytes(), true, work)
}

/// A bundle laid out as an Expo project: `credentials.json` next to `android/` and `ios/`.
/// (`cli_sync` pushes it to a server.)
pub(crate) struct Bundle {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) json: Value,
    /// The distribution certificate the profile lists (DER).
    cer: Vec<u8>,
}

impl Bundle {
    /// An upload keystore valid `keystore_days`, and an App Store profile for
    /// `com.acme.app` expiring in `profile_days`, listing the `.p12`'s certificate.
    pub(crate) fn new(keystore_days: u32, profile_days: i64) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let work = dir.path().join("work");
        for sub in ["android", "ios", "work"] {
            std::fs::create_dir_all(dir.path().join(sub))?;
        }

        let keystore = offline_ok(&[
            "keystore",
            "generate",
            "--package",
            "com.acme.app",
            "--out",
            &text(&dir.path().join("android/upload.jks")),
            "--validity-days",
            &keystore_days.to_string(),
        ])?;
        let mut keystore: Value = serde_json::from_str(&keystore)?;
        // Relative to credentials.json, as in an Expo project.
        keystore["keystorePath"] = "android/upload.jks".into();

        let (cer, p12_password) = distribution_p12(&work, &dir.path().join("ios/dist.p12"))?;

        let profile = profile_for(&cer, profile_days, &work)?;
        std::fs::write(dir.path().join("ios/profile.mobileprovision"), profile)?;

        let bundle = Self {
            json: json!({
                "android": { "keystore": keystore },
                "ios": {
                    "provisioningProfilePath": "ios/profile.mobileprovision",
                    "distributionCertificate": { "path": "ios/dist.p12", "password": p12_password },
                },
            }),
            dir,
            cer,
        };
        bundle.save()?;
        Ok(bundle)
    }

    /// Another App Store profile for this bundle's certificate, expiring in `days` (negative:
    /// expired that many days ago), signed by `openssl cms`.
    pub(crate) fn profile(&self, days: i64) -> Result<Vec<u8>> {
        profile_for(&self.cer, days, &self.dir.path().join("work"))
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub(crate) fn save(&self) -> Result<()> {
        std::fs::write(
            self.path("credentials.json"),
            serde_json::to_vec_pretty(&self.json)?,
        )?;
        Ok(())
    }

    /// `signet doctor <bundle>/credentials.json ARGS…`, from another working directory.
    fn doctor(&self, args: &[&str]) -> Result<Outcome> {
        let json = text(&self.path("credentials.json"));
        let mut all = vec!["doctor", json.as_str()];
        all.extend_from_slice(args);
        offline(&all)
    }
}

#[test]
fn a_good_bundle_passes_with_exit_code_0() -> Result<()> {
    let bundle = Bundle::new(10_000, 200)?;
    let out = bundle.doctor(&["--bundle-id", "com.acme.app"])?;
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert!(
        out.stdout.contains("✓ ready to build (13 ok)."),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains('✗') && !out.stdout.contains('⚠'),
        "{}",
        out.stdout
    );

    let report: Value = serde_json::from_str(
        &bundle
            .doctor(&["--bundle-id", "com.acme.app", "--json"])?
            .stdout,
    )?;
    assert_eq!(report["passed"], true);
    assert_eq!(
        report["summary"],
        json!({"ok": 13, "warnings": 0, "failed": 0, "skipped": 0})
    );
    let checks = report["checks"].as_array().context("checks")?;
    assert!(checks.iter().all(|c| c["status"] == "ok"), "{report:#}");
    // The SHA-1 reported for the profile ↔ .p12 match is the one OpenSSL computes.
    let sha1 = tools::openssl_sha1_fingerprint(&bundle.cer, &bundle.path("work"))?;
    let matched = checks
        .iter()
        .find(|c| c["check"] == "profile_certificate")
        .context("profile_certificate")?;
    assert!(
        matched["message"]
            .as_str()
            .is_some_and(|m| m.contains(&sha1)),
        "{matched}"
    );
    // No password ever reaches the report.
    let text = report.to_string();
    for field in [
        &bundle.json["android"]["keystore"]["keystorePassword"],
        &bundle.json["android"]["keystore"]["keyPassword"],
        &bundle.json["ios"]["distributionCertificate"]["password"],
    ] {
        let secret = field.as_str().context("password")?;
        assert!(!text.contains(secret) && !out.stdout.contains(secret));
    }
    Ok(())
}

#[test]
fn wrong_passwords_fail_with_the_field_to_fix() -> Result<()> {
    let mut bundle = Bundle::new(10_000, 200)?;
    bundle.json["android"]["keystore"]["keystorePassword"] = "not-the-password".into();
    bundle.json["ios"]["distributionCertificate"]["password"] = "not-it-either".into();
    bundle.save()?;
    let out = bundle.doctor(&[])?;
    assert_eq!(out.code, Some(1), "{out:#?}");
    let line = report_line(&out, "keystore password");
    assert!(
        line.starts_with("  ✗") && line.contains("wrong keystore password"),
        "{line}"
    );
    assert!(
        out.stdout
            .contains("→ set android.keystore.keystorePassword"),
        "{}",
        out.stdout
    );
    assert!(
        report_line(&out, "key alias").starts_with("  - "),
        "{}",
        out.stdout
    );
    // Both problems are reported in one run.
    let line = report_line(&out, "certificate password");
    assert!(
        line.starts_with("  ✗") && line.contains("wrong .p12 password"),
        "{line}"
    );
    assert!(
        out.stdout
            .contains("→ set ios.distributionCertificate.password"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("would fail"), "{}", out.stdout);
    Ok(())
}

#[test]
fn wrong_alias_names_the_alias_to_use() -> Result<()> {
    let mut bundle = Bundle::new(10_000, 200)?;
    let alias = bundle.json["android"]["keystore"]["keyAlias"]
        .as_str()
        .context("alias")?
        .to_owned();
    bundle.json["android"]["keystore"]["keyAlias"] = "upload".into();
    bundle.save()?;
    let out = bundle.doctor(&[])?;
    assert_eq!(out.code, Some(1), "{out:#?}");
    let line = report_line(&out, "key alias");
    assert!(
        line.starts_with("  ✗") && line.contains("no entry named \"upload\""),
        "{line}"
    );
    assert!(
        out.stdout
            .contains(&format!("→ set android.keystore.keyAlias to \"{alias}\"")),
        "{}",
        out.stdout
    );
    Ok(())
}

#[test]
fn a_p12_the_profile_does_not_list_fails() -> Result<()> {
    let bundle = Bundle::new(10_000, 200)?;
    // Another distribution certificate, valid and with its own key, but not in the profile.
    let (_, password) = distribution_p12(&bundle.path("work"), &bundle.path("ios/dist.p12"))?;
    let mut bundle = bundle;
    bundle.json["ios"]["distributionCertificate"]["password"] = password.into();
    bundle.save()?;
    let out = bundle.doctor(&["--bundle-id", "com.acme.app"])?;
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(
        report_line(&out, "certificate password").starts_with("  ✓"),
        "{}",
        out.stdout
    );
    let line = report_line(&out, "profile ↔ certificate");
    assert!(
        line.starts_with("  ✗") && line.contains("does not include the distribution certificate"),
        "{line}"
    );
    Ok(())
}

#[test]
fn a_bundle_id_the_profile_does_not_cover_fails() -> Result<()> {
    let bundle = Bundle::new(10_000, 200)?;
    let out = bundle.doctor(&["--bundle-id", "com.acme.other"])?;
    assert_eq!(out.code, Some(1), "{out:#?}");
    let line = report_line(&out, "bundle id");
    assert!(
        line.starts_with("  ✗") && line.contains("issued for com.acme.app, not com.acme.other"),
        "{line}"
    );

    // The per-target form: one TARGET=ID per target.
    let mut bundle = bundle;
    let target = bundle.json["ios"].clone();
    bundle.json["ios"] = json!({ "AcmeApp": target.clone(), "AcmeClip": target });
    bundle.save()?;
    let out = bundle.doctor(&[
        "--bundle-id",
        "AcmeApp=com.acme.app",
        "--bundle-id",
        "AcmeClip=com.acme.app.clip",
    ])?;
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.contains("\nios.AcmeApp\n"), "{}", out.stdout);
    let report: Value = serde_json::from_str(
        &bundle
            .doctor(&[
                "--bundle-id",
                "AcmeApp=com.acme.app",
                "--bundle-id",
                "AcmeClip=com.acme.app.clip",
                "--json",
            ])?
            .stdout,
    )?;
    let bundle_checks: Vec<(&str, &str)> = report["checks"]
        .as_array()
        .context("checks")?
        .iter()
        .filter(|c| c["check"] == "bundle_id")
        .filter_map(|c| Some((c["scope"].as_str()?, c["status"].as_str()?)))
        .collect();
    assert_eq!(
        bundle_checks,
        [("ios.AcmeApp", "ok"), ("ios.AcmeClip", "failed")]
    );
    let out = bundle.doctor(&["--bundle-id", "com.acme.app"])?;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("give each bundle id as TARGET=BUNDLE_ID"),
        "{}",
        out.stderr
    );
    Ok(())
}

#[test]
fn a_missing_file_is_named_with_where_it_was_looked_for() -> Result<()> {
    let bundle = Bundle::new(10_000, 200)?;
    std::fs::remove_file(bundle.path("ios/profile.mobileprovision"))?;
    let out = bundle.doctor(&[])?;
    assert_eq!(out.code, Some(1), "{out:#?}");
    let line = report_line(&out, "profile file");
    let expected = text(&bundle.path("ios/profile.mobileprovision"));
    assert!(
        line.starts_with("  ✗") && line.contains(&format!("{expected} does not exist")),
        "{line}"
    );
    assert!(
        out.stdout.contains("→ correct ios.provisioningProfilePath"),
        "{}",
        out.stdout
    );
    for label in ["profile ↔ certificate", "bundle id", "profile expiry"] {
        assert!(
            report_line(&out, label).starts_with("  - "),
            "{label}: {}",
            out.stdout
        );
    }
    // What does not depend on the profile is still checked.
    assert!(
        report_line(&out, "certificate expiry").starts_with("  ✓"),
        "{}",
        out.stdout
    );
    Ok(())
}

#[test]
fn expiring_soon_is_a_warning_and_expired_a_failure() -> Result<()> {
    let bundle = Bundle::new(10, 12)?;
    let out = bundle.doctor(&["--bundle-id", "com.acme.app"])?;
    assert_eq!(out.code, Some(0), "warnings only: {out:#?}");
    for label in ["upload certificate", "profile expiry"] {
        let line = report_line(&out, label);
        assert!(
            line.starts_with("  ⚠") && line.contains("expires in"),
            "{line}"
        );
    }
    assert!(
        report_line(&out, "certificate expiry").starts_with("  ✓"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("⚠ ready to build, but see the warnings (11 ok, 2 warnings)."),
        "{}",
        out.stdout
    );

    // On a day after everything has expired.
    let out = bundle.doctor(&["--at", "2100-01-01"])?;
    assert_eq!(out.code, Some(1), "{out:#?}");
    for label in ["upload certificate", "certificate expiry", "profile expiry"] {
        let line = report_line(&out, label);
        assert!(
            line.starts_with("  ✗") && line.contains("expired on"),
            "{line}"
        );
    }
    Ok(())
}

#[test]
fn user_errors_are_messages_never_panics() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let missing = text(&dir.path().join("credentials.json"));
    let malformed = tools::write_file(
        dir.path(),
        "malformed.json",
        b"{\"android\": {\"keystore\": ",
    )?;
    let wrong_type = tools::write_file(
        dir.path(),
        "wrong-type.json",
        br#"{"ios": {"provisioningProfilePath": 7}}"#,
    )?;
    let android_only = tools::write_file(
        dir.path(),
        "android.json",
        br#"{"android": {"keystore": {"keystorePath": "k.jks", "keystorePassword": "p", "keyAlias": "a"}}}"#,
    )?;
    let cases: &[(&[&str], &str)] = &[
        (
            &["doctor", &missing],
            "does not exist: pass the path of your EAS credentials.json",
        ),
        (
            &["doctor", &malformed],
            "credentials.json is not valid: EOF while parsing",
        ),
        (
            &["doctor", &wrong_type],
            "invalid type: integer `7`, expected a string",
        ),
        (&["doctor", &text(dir.path())], "cannot read"),
        (
            &["doctor", &android_only, "--bundle-id", "com.acme.app"],
            "no ios credentials",
        ),
        (
            &["doctor", &android_only, "--at", "2027-02-30"],
            "--at 2027-02-30",
        ),
    ];
    for (args, expected) in cases {
        let out = offline(args)?;
        assert_eq!(out.code, Some(1), "{args:?}: {out:#?}");
        assert!(
            out.stderr.starts_with("error: ") && out.stderr.contains(expected),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
    // A file that is not what it should be is a failed check, not an error.
    std::fs::write(dir.path().join("k.jks"), b"not a keystore")?;
    let out = offline(&["doctor", &android_only])?;
    assert_eq!(out.code, Some(1));
    assert!(
        report_line(&out, "keystore password").contains("not a keystore"),
        "{}",
        out.stdout
    );
    Ok(())
}
