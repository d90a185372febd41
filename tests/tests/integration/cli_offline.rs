//! The offline `signet` commands, run as a user would, judged by keytool and openssl.

use anyhow::Result;
use serde_json::Value;
use signet_tests::{
    cli::{offline_fails, offline_ok, text},
    tools,
};

#[test]
fn keystore_generate_prints_credentials_json_that_keytool_accepts() -> Result<()> {
    let dir = tempfile::tempdir()?;
    for (format, store_type, name) in [
        ("jks", "JKS", "upload.jks"),
        ("pkcs12", "PKCS12", "upload.p12"),
    ] {
        let file = dir.path().join(name);
        let out = offline_ok(&[
            "keystore",
            "generate",
            "--package",
            "com.acme.app",
            "--format",
            format,
            "--out",
            &text(&file),
        ])?;
        let entry: Value = serde_json::from_str(&out)?;
        let store_password = entry["keystorePassword"].as_str().unwrap_or_default();
        let alias = entry["keyAlias"].as_str().unwrap_or_default();
        assert_eq!(store_password.len(), 32, "EAS-style 32-hex password");
        assert_eq!(entry["keystorePath"], text(&file));
        if format == "pkcs12" {
            assert_eq!(entry["keyPassword"], entry["keystorePassword"]);
        } else {
            assert_ne!(entry["keyPassword"], entry["keystorePassword"]);
        }
        let listing = tools::keytool_list(&file, store_type, store_password)?;
        let keytool = tools::keytool_entry(&listing, alias)?;
        assert!(
            keytool.owner.contains("CN=com.acme.app"),
            "{}",
            keytool.owner
        );

        // `signet inspect` agrees with keytool on the fingerprints.
        let inspected: Value = serde_json::from_str(&offline_ok(&[
            "inspect",
            &text(&file),
            "--password",
            store_password,
            "--key-password",
            entry["keyPassword"].as_str().unwrap_or_default(),
            "--json",
        ])?)?;
        let cert = &inspected["entries"][0]["certificate"];
        assert_eq!(cert["sha1"], keytool.sha1.as_str());
        assert_eq!(cert["sha256"], keytool.sha256.as_str());
        assert!(cert["days_left"].as_i64().unwrap_or(0) > 9_990);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&file)?.permissions().mode() & 0o777,
                0o600
            );
        }
    }
    Ok(())
}

#[test]
fn keystore_generate_never_overwrites_without_force() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("k.jks");
    std::fs::write(&file, b"precious")?;
    let stderr = offline_fails(&[
        "keystore",
        "generate",
        "--package",
        "com.acme.app",
        "--out",
        &text(&file),
    ])?;
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read(&file)?, b"precious");
    Ok(())
}

#[test]
fn inspect_says_what_was_wrong() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("k.jks");
    let out = offline_ok(&[
        "keystore",
        "generate",
        "--package",
        "com.acme.app",
        "--out",
        &text(&file),
    ])?;
    assert!(out.contains("keyAlias"));
    let stderr = offline_fails(&["inspect", &text(&file), "--password", "nope"])?;
    assert!(stderr.contains("wrong keystore password"), "{stderr}");
    let stderr = offline_fails(&["inspect", &text(&file)])?;
    assert!(stderr.contains("--password"), "{stderr}");
    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, b"this is not a credential")?;
    let stderr = offline_fails(&["inspect", &text(&garbage)])?;
    assert!(stderr.contains("unrecognised file"), "{stderr}");
    Ok(())
}

/// The whole offline iOS flow: CSR → (Apple, played by an openssl CA) → .p12 that openssl
/// opens with the printed password, and `signet inspect` reads.
#[test]
fn csr_then_p12_makes_a_keychain_compatible_p12() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let key = dir.path().join("dist.key");
    let csr = dir.path().join("dist.csr");
    offline_ok(&[
        "csr",
        "generate",
        "--email",
        "dev@acme.example",
        "--common-name",
        "Acme Inc",
        "--country",
        "us",
        "--key-out",
        &text(&key),
        "--csr-out",
        &text(&csr),
    ])?;
    let csr_pem = std::fs::read_to_string(&csr)?;
    tools::openssl_verify_csr(&csr_pem, dir.path())?;
    let cer = tools::openssl_issue_certificate(
        &csr_pem,
        "/UID=A1B2C3D4E5/CN=Apple Distribution: Acme Inc (A1B2C3D4E5)/OU=A1B2C3D4E5/O=Acme Inc/C=US",
        dir.path(),
    )?;
    let cer_path = dir.path().join("issued.cer");
    std::fs::write(&cer_path, &cer)?;
    let p12 = dir.path().join("dist.p12");
    let password = offline_ok(&[
        "p12",
        "--key",
        &text(&key),
        "--cert",
        &text(&cer_path),
        "--out",
        &text(&p12),
    ])?;
    let password = password.trim();
    assert_eq!(password.len(), 32);
    let info = tools::run_ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            &text(&p12),
            "-passin",
            &format!("pass:{password}"),
            "-info",
            "-nokeys",
        ],
    )?;
    assert!(
        info.contains("des-ede3-cbc") || info.contains("pbeWithSHA1And3-KeyTripleDES-CBC"),
        "{info}"
    );
    assert!(info.contains("Acme Inc"), "{info}");
    let inspected = offline_ok(&["inspect", &text(&p12), "--password", password])?;
    assert!(
        inspected.starts_with("kind: PKCS12 keystore"),
        "{inspected}"
    );
    assert!(
        inspected.contains("Apple Distribution: Acme Inc"),
        "{inspected}"
    );

    // A certificate for somebody else's key is refused, and nothing is written.
    let other_key = dir.path().join("other.key");
    let other_csr = dir.path().join("other.csr");
    offline_ok(&[
        "csr",
        "generate",
        "--email",
        "x@acme.example",
        "--common-name",
        "Other",
        "--key-out",
        &text(&other_key),
        "--csr-out",
        &text(&other_csr),
    ])?;
    let refused = dir.path().join("refused.p12");
    let stderr = offline_fails(&[
        "p12",
        "--key",
        &text(&other_key),
        "--cert",
        &text(&cer_path),
        "--out",
        &text(&refused),
    ])?;
    assert!(stderr.contains("different signing request"), "{stderr}");
    assert!(!refused.exists());
    Ok(())
}
