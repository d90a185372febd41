//! Android keystores judged by the real tools: what we generate is opened by `keytool`,
//! signs jars with `jarsigner` and APKs with `apksigner`; what keytool and OpenSSL make is
//! read back by us with the same fingerprints.

use std::path::Path;

use anyhow::{Context, Result, ensure};
use signet_core::{
    android::{
        Keystore, KeystoreFormat, Password, UploadKeystore, UploadKeystoreParams,
        pkcs12::{self, Pkcs12Variant},
    },
    cert::CertificateInfo,
};
use signet_tests::tools::{self, keytool_entry};

/// 2026-11-27T00:00:00Z: the core never reads the clock, the tests pass a time in.
const NOW: u64 = 1_795_737_600;

fn generate(package: &str) -> Result<UploadKeystore> {
    Ok(UploadKeystore::generate(
        &UploadKeystoreParams::for_package(package),
        NOW,
    )?)
}

fn save(dir: &Path, name: &str, bytes: &[u8]) -> Result<std::path::PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    Ok(path)
}

/// `AB:CD:…` → `abcd…` (apksigner prints digests in lowercase without colons).
fn plain_hex(colon_hex: &str) -> String {
    colon_hex.replace(':', "").to_lowercase()
}

#[test]
fn keytool_lists_our_jks_with_our_fingerprints() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let ks = generate("com.acme.app")?;
    let file = ks.encode(KeystoreFormat::Jks)?;
    let path = save(dir.path(), "upload.jks", &file.bytes)?;
    let listing = tools::keytool_list(&path, "JKS", file.store_password.expose())?;
    let entry = keytool_entry(&listing, &file.alias)?;
    let ours = ks.certificate_info()?;
    assert_eq!(entry.entry_type, "PrivateKeyEntry");
    assert_eq!(entry.owner, "CN=com.acme.app");
    assert_eq!(entry.sha1, ours.fingerprints.sha1);
    assert_eq!(entry.sha256, ours.fingerprints.sha256);
    assert_eq!(entry.serial, ours.serial);
    // keytool refuses a wrong store password (the digest is keyed by it).
    let wrong = tools::run(
        "keytool",
        &[
            "-list",
            "-storetype",
            "JKS",
            "-keystore",
            &path.to_string_lossy(),
            "-storepass",
            "not-the-password",
        ],
    )?;
    ensure!(
        !wrong.success,
        "keytool accepted a wrong password:\n{}",
        wrong.text
    );
    Ok(())
}

#[test]
fn keytool_uses_the_distinct_key_password_of_our_jks() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let ks = generate("com.acme.keypass")?;
    let file = ks.encode(KeystoreFormat::Jks)?;
    assert_ne!(file.store_password, file.key_password);
    let path = save(dir.path(), "upload.jks", &file.bytes)?;
    let p = path.to_string_lossy();
    // -certreq needs the private key: it proves the key password decrypts our key entry.
    let csr = dir.path().join("req.csr");
    tools::run_ok(
        "keytool",
        &[
            "-certreq",
            "-storetype",
            "JKS",
            "-keystore",
            &p,
            "-storepass",
            file.store_password.expose(),
            "-keypass",
            file.key_password.expose(),
            "-alias",
            &file.alias,
            "-file",
            &csr.to_string_lossy(),
        ],
    )?;
    let wrong = tools::run(
        "keytool",
        &[
            "-certreq",
            "-storetype",
            "JKS",
            "-keystore",
            &p,
            "-storepass",
            file.store_password.expose(),
            "-keypass",
            file.store_password.expose(),
            "-alias",
            &file.alias,
        ],
    )?;
    ensure!(
        !wrong.success,
        "keytool decrypted the key with the store password:\n{}",
        wrong.text
    );
    Ok(())
}

#[test]
fn keytool_reads_our_jks_with_non_ascii_passwords() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let generated = generate("com.acme.unicode")?;
    let ks = UploadKeystore {
        store_password: Password::new("pässwörd€"),
        key_password: Password::new("schlüssel€"),
        ..generated
    };
    let file = ks.encode(KeystoreFormat::Jks)?;
    let path = save(dir.path(), "unicode.jks", &file.bytes)?;
    let listing = tools::keytool_list(&path, "JKS", "pässwörd€")?;
    let entry = keytool_entry(&listing, &file.alias)?;
    assert_eq!(entry.sha256, ks.certificate_info()?.fingerprints.sha256);
    // jarsigner proves keytool's own code recovers our key with the non-ASCII key password.
    let jar = tools::make_jar(dir.path(), "u.jar", &[("hello.txt", b"hello")])?;
    tools::jarsigner_sign_and_verify(&jar, &path, "JKS", "pässwörd€", "schlüssel€", &file.alias)?;
    Ok(())
}

#[test]
fn keytool_lists_our_pkcs12_in_both_variants() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let ks = generate("com.acme.p12")?;
    let ours = ks.certificate_info()?;
    let file = ks.encode(KeystoreFormat::Pkcs12)?;
    assert_eq!(
        file.key_password, file.store_password,
        "PKCS#12: one password"
    );
    let modern = save(dir.path(), "modern.p12", &file.bytes)?;
    let legacy = save(
        dir.path(),
        "legacy.p12",
        &pkcs12::write(
            &ks.key,
            std::slice::from_ref(&ks.certificate),
            &ks.store_password,
            &ks.alias,
            Pkcs12Variant::Legacy,
        )?,
    )?;
    for path in [&modern, &legacy] {
        let listing = tools::keytool_list(path, "PKCS12", ks.store_password.expose())?;
        let entry = keytool_entry(&listing, &ks.alias)?;
        assert_eq!(entry.entry_type, "PrivateKeyEntry", "{}", path.display());
        assert_eq!(entry.sha1, ours.fingerprints.sha1);
        assert_eq!(entry.sha256, ours.fingerprints.sha256);
    }
    // OpenSSL agrees on the algorithms: AES-256/PBKDF2 + SHA-256 MAC, 3DES + SHA-1 MAC.
    let pass = format!("pass:{}", ks.store_password.expose());
    let info = tools::run_ok(
        "openssl",
        &[
            "pkcs12",
            "-info",
            "-noout",
            "-in",
            &modern.to_string_lossy(),
            "-passin",
            &pass,
        ],
    )?;
    ensure!(
        info.contains("sha256") && info.contains("AES-256-CBC"),
        "modern:\n{info}"
    );
    let info = tools::run_ok(
        "openssl",
        &[
            "pkcs12",
            "-info",
            "-noout",
            "-legacy",
            "-in",
            &legacy.to_string_lossy(),
            "-passin",
            &pass,
        ],
    )?;
    ensure!(
        info.contains("MAC: sha1")
            && info.contains("pbeWithSHA1And3-KeyTripleDES-CBC")
            && !info.contains("RC2"),
        "legacy:\n{info}"
    );
    Ok(())
}

#[test]
fn jarsigner_signs_with_our_jks_and_pkcs12() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let ks = generate("com.acme.jar")?;
    for (format, store_type) in [
        (KeystoreFormat::Jks, "JKS"),
        (KeystoreFormat::Pkcs12, "PKCS12"),
    ] {
        let file = ks.encode(format)?;
        let path = save(dir.path(), &format!("ks.{store_type}"), &file.bytes)?;
        let jar = tools::make_jar(
            dir.path(),
            &format!("app-{store_type}.jar"),
            &[("hello.txt", b"hello from signet"), ("a/b.txt", b"nested")],
        )?;
        let out = tools::jarsigner_sign_and_verify(
            &jar,
            &path,
            store_type,
            file.store_password.expose(),
            file.key_password.expose(),
            &file.alias,
        )?;
        assert!(out.contains("CN=com.acme.jar"), "{store_type}:\n{out}");
    }
    Ok(())
}

#[test]
fn apksigner_signs_an_apk_with_our_keystores() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let ks = generate("com.acme.apk")?;
    let sha256 = plain_hex(&ks.certificate_info()?.fingerprints.sha256);
    for format in [KeystoreFormat::Jks, KeystoreFormat::Pkcs12] {
        let file = ks.encode(format)?;
        let path = save(dir.path(), &format!("ks-{}", format.name()), &file.bytes)?;
        let apk = tools::make_jar(
            dir.path(),
            &format!("app-{}.apk", format.name()),
            &[
                ("AndroidManifest.xml", &[3, 0, 8, 0, 0, 0, 0, 0]),
                ("classes.dex", b"dex\n035\0"),
            ],
        )?;
        let out = tools::apksigner_sign_and_verify(
            &apk,
            &path,
            file.store_password.expose(),
            file.key_password.expose(),
            &file.alias,
        )?;
        assert!(
            out.contains(&format!("certificate SHA-256 digest: {sha256}")),
            "{}: apksigner's signer is not our certificate:\n{out}",
            format.name()
        );
    }
    Ok(())
}

#[test]
fn we_read_keystores_keytool_makes_now() -> Result<()> {
    let dir = tempfile::tempdir()?;
    for (store_type, key_password) in [("JKS", "key-pass-2"), ("PKCS12", "store-pass-1")] {
        let path = dir.path().join(format!("made-by-keytool.{store_type}"));
        let p = path.to_string_lossy();
        tools::run_ok(
            "keytool",
            &[
                "-genkeypair",
                "-storetype",
                store_type,
                "-keystore",
                &p,
                "-storepass",
                "store-pass-1",
                "-keypass",
                key_password,
                "-alias",
                "Release",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "10000",
                "-dname",
                "CN=com.acme.keytool, O=Acme, C=US",
            ],
        )?;
        let listing = tools::keytool_list(&path, store_type, "store-pass-1")?;
        let theirs = keytool_entry(&listing, "release")?;
        let bytes = std::fs::read(&path)?;
        let ks = Keystore::open(&bytes, "store-pass-1", Some(key_password))?;
        let entry = ks.key_entry("release").context("alias")?;
        let ours = entry.certificate_info()?;
        assert_eq!(ours.fingerprints.sha1, theirs.sha1, "{store_type}");
        assert_eq!(ours.fingerprints.sha256, theirs.sha256, "{store_type}");
        assert_eq!(ours.subject, theirs.owner, "{store_type}");
        assert_eq!(ours.serial, theirs.serial, "{store_type}");
        assert!(Keystore::open(&bytes, "store-pass-X", None).is_err());
    }
    Ok(())
}

#[test]
fn we_read_pkcs12_openssl_makes_now_including_legacy() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let key = dir.path().join("key.pem");
    let cert = dir.path().join("cert.pem");
    tools::run_ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &key.to_string_lossy(),
            "-out",
            &cert.to_string_lossy(),
            "-days",
            "365",
            "-subj",
            "/O=Acme/CN=Signet Test",
        ],
    )?;
    let fingerprint = tools::run_ok(
        "openssl",
        &[
            "x509",
            "-in",
            &cert.to_string_lossy(),
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
    )?;
    let fingerprint = fingerprint
        .trim()
        .rsplit('=')
        .next()
        .unwrap_or_default()
        .to_owned();
    for legacy in [false, true] {
        let out = dir.path().join(format!("openssl-{legacy}.p12"));
        let mut args = vec!["pkcs12", "-export"];
        if legacy {
            args.push("-legacy");
        }
        let (k, c, o) = (
            key.to_string_lossy(),
            cert.to_string_lossy(),
            out.to_string_lossy(),
        );
        args.extend([
            "-inkey",
            &k,
            "-in",
            &c,
            "-name",
            "dist",
            "-passout",
            "pass:€uro",
            "-out",
            &o,
        ]);
        tools::run_ok("openssl", &args)?;
        let ks = Keystore::open(&std::fs::read(&out)?, "€uro", None)?;
        let entry = ks.key_entry("dist")?;
        assert_eq!(
            entry.certificate_info()?.fingerprints.sha256,
            fingerprint,
            "legacy={legacy}"
        );
        assert_eq!(
            CertificateInfo::from_der(&entry.chain[0])?.subject,
            "CN=Signet Test, O=Acme"
        );
    }
    Ok(())
}
