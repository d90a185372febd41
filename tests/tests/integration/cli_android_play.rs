//! The Play app-signing key beside the upload key, from the CLI: `signet android play-cert
//! add` with a certificate OpenSSL made (DER and PEM, as Play Console offers them), refusals
//! for a keystore and a private key, `fingerprints` and `assetlinks` matching what OpenSSL and
//! keytool compute, `keystore export-certificate` that keytool reads, and the upload-key reset
//! (the old key stays the default until `--google-accepted`). A server that forges the
//! certificate's fingerprint gets neither command to print or list it.

use std::path::Path;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use signet_tests::{
    cli::{Cli, developer_with_app, str_at, text},
    server::TestServer,
    tools,
};

use crate::attack_metadata::{Column, altered, stored, tamper};

/// What keytool prints as a certificate file's SHA-256.
pub(crate) fn keytool_sha256(file: &Path) -> Result<String> {
    let out = tools::run_ok("keytool", &["-printcert", "-file", &text(file)])?;
    out.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("SHA256: "))
        .map(str::to_owned)
        .with_context(|| format!("keytool printed no SHA256:\n{out}"))
}

/// OpenSSL's `MD5`/`SHA1`/`SHA256` fingerprint of a DER certificate, as `AB:CD:…`.
pub(crate) fn openssl_fingerprint(der: &Path, digest: &str) -> Result<String> {
    let out = tools::run_ok(
        "openssl",
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            &text(der),
            "-noout",
            "-fingerprint",
            &format!("-{digest}"),
        ],
    )?;
    out.trim()
        .split_once('=')
        .map(|(_, fp)| fp.trim().to_owned())
        .with_context(|| format!("openssl printed {out}"))
}

/// A certificate like Play's app-signing one (RSA-4096 in Google's recent ones; 2048 here for
/// speed), made by OpenSSL: `(der path, pem path)`.
pub(crate) fn play_certificate(
    dir: &Path,
    name: &str,
) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let key = dir.join(format!("{name}.key"));
    let pem = dir.join(format!("{name}.pem"));
    let der = dir.join(format!("{name}.der"));
    tools::run_ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &text(&key),
            "-out",
            &text(&pem),
            "-days",
            "10950",
            "-subj",
            "/C=US/ST=California/L=Mountain View/O=Google Inc./OU=Android/CN=Android",
        ],
    )?;
    tools::run_ok(
        "openssl",
        &[
            "x509",
            "-in",
            &text(&pem),
            "-outform",
            "DER",
            "-out",
            &text(&der),
        ],
    )?;
    Ok((der, pem))
}

pub(crate) fn is_google_sha256(fp: &str) -> bool {
    let parts: Vec<&str> = fp.split(':').collect();
    parts.len() == 32
        && parts.iter().all(|p| {
            p.len() == 2
                && p.chars()
                    .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
        })
}

pub(crate) async fn fingerprints(dev: &Cli) -> Result<Value> {
    Ok(serde_json::from_str(
        &dev.ok(&["android", "fingerprints", "--app", "Acme App", "--json"])
            .await?,
    )?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn both_keys_side_by_side_assetlinks_and_an_upload_key_reset() -> Result<()> {
    let server = TestServer::start().await?;
    let dev = developer_with_app(&server.url).await?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let old_keystore = dev
        .ok(&["keystore", "generate", "--app", "Acme App", "--remote"])
        .await?
        .trim()
        .to_owned();

    // Nothing stored yet: the command says where to get it.
    let shown = dev
        .ok(&["android", "fingerprints", "--app", "Acme App"])
        .await?;
    ensure!(
        shown.contains("deployment_cert.der") && shown.contains("play-cert add"),
        "{shown}"
    );

    // What people upload by mistake is refused, and nothing is stored.
    let jks = d.join("upload.jks");
    let local_entry: Value = serde_json::from_str(
        &dev.ok(&[
            "keystore",
            "generate",
            "--package",
            "com.acme.app",
            "--out",
            &text(&jks),
        ])
        .await?,
    )?;
    let err = dev
        .fails(&[
            "android",
            "play-cert",
            "add",
            &text(&jks),
            "--app",
            "Acme App",
        ])
        .await?;
    ensure!(
        err.contains("keystore") && err.contains("Nothing was stored"),
        "{err}"
    );
    let (der, pem) = play_certificate(d, "deployment_cert")?;
    let key = d.join("deployment_cert.key");
    let err = dev
        .fails(&[
            "android",
            "play-cert",
            "add",
            &text(&key),
            "--app",
            "Acme App",
        ])
        .await?;
    ensure!(err.contains("private key"), "{err}");
    let rows = dev.credential_rows(&[]).await?;
    ensure!(rows.len() == 1, "{rows:#?}");

    // The DER Play Console offers; the same certificate as PEM changes nothing.
    let play_id = dev
        .ok(&[
            "android",
            "play-cert",
            "add",
            &text(&der),
            "--app",
            "Acme App",
        ])
        .await?
        .trim()
        .to_owned();
    let again = dev
        .run(&[
            "android",
            "play-cert",
            "add",
            &text(&pem),
            "--app",
            "Acme App",
        ])
        .await?;
    ensure!(
        again.code == Some(0) && again.stderr.contains("nothing changed"),
        "{again:?}"
    );
    // A different one needs --replace.
    let (other_der, _) = play_certificate(d, "other")?;
    let err = dev
        .fails(&[
            "android",
            "play-cert",
            "add",
            &text(&other_der),
            "--app",
            "Acme App",
        ])
        .await?;
    ensure!(err.contains("--replace"), "{err}");

    // Both keys, each with the fingerprints OpenSSL / keytool compute.
    let fps = fingerprints(&dev).await?;
    ensure!(
        str_at(&fps, "/app_signing_key/credential_id")? == play_id,
        "{fps:#}"
    );
    ensure!(
        str_at(&fps, "/app_signing_key/sha256")? == openssl_fingerprint(&der, "sha256")?,
        "{fps:#}"
    );
    ensure!(
        str_at(&fps, "/app_signing_key/sha1")? == openssl_fingerprint(&der, "sha1")?,
        "{fps:#}"
    );
    ensure!(
        str_at(&fps, "/app_signing_key/md5")? == openssl_fingerprint(&der, "md5")?,
        "{fps:#}"
    );
    let upload_cert = d.join("current_upload.pem");
    dev.ok(&[
        "keystore",
        "export-certificate",
        "--app",
        "Acme App",
        "--out",
        &text(&upload_cert),
    ])
    .await?;
    let upload_sha256 = str_at(&fps, "/upload_key/sha256")?.to_owned();
    ensure!(
        keytool_sha256(&upload_cert)? == upload_sha256,
        "keytool reads another SHA-256 from the exported upload certificate"
    );
    ensure!(
        str_at(&fps, "/upload_key/credential_id")? == old_keystore,
        "{fps:#}"
    );
    let uses = fps["uses"].as_array().context("uses")?;
    ensure!(
        uses.iter().any(|u| u["service"]
            .as_str()
            .is_some_and(|s| s.contains("Firebase"))
            && u["key"] == "both"),
        "{fps:#}"
    );
    let table = dev
        .ok(&["android", "fingerprints", "--app", "Acme App"])
        .await?;
    ensure!(
        table.contains(&upload_sha256)
            && table.contains(&openssl_fingerprint(&der, "sha1")?)
            && table.contains("Firebase"),
        "{table}"
    );

    // assetlinks.json: valid JSON, Google's form, both SHA-256.
    let links_file = d.join("assetlinks.json");
    dev.ok(&[
        "android",
        "assetlinks",
        "--app",
        "Acme App",
        "--out",
        &text(&links_file),
    ])
    .await?;
    let links: Value = serde_json::from_slice(&std::fs::read(&links_file)?)?;
    let target = &links[0]["target"];
    ensure!(
        links[0]["relation"][0] == "delegate_permission/common.handle_all_urls"
            && target["namespace"] == "android_app"
            && target["package_name"] == "com.acme.app",
        "{links:#}"
    );
    let listed: Vec<&str> = target["sha256_cert_fingerprints"]
        .as_array()
        .context("fingerprints")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    ensure!(
        listed
            == [
                openssl_fingerprint(&der, "sha256")?.as_str(),
                upload_sha256.as_str()
            ],
        "{listed:?}"
    );
    ensure!(listed.iter().all(|fp| is_google_sha256(fp)), "{listed:?}");

    // Upload-key reset: a new keystore beside the old, which stays the default.
    let reset_pem = d.join("upload_certificate.pem");
    let new_keystore = dev
        .ok(&[
            "android",
            "reset-upload-key",
            "--app",
            "Acme App",
            "--out",
            &text(&reset_pem),
        ])
        .await?
        .trim()
        .to_owned();
    ensure!(new_keystore != old_keystore);
    let rows: Value = serde_json::from_str(
        &dev.ok(&["credentials", "--app", "Acme App", "--json"])
            .await?,
    )?;
    let row_of = |id: &str| {
        rows.as_array()
            .and_then(|r| r.iter().find(|r| r["id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    ensure!(
        row_of(&old_keystore)["slots"][0]["default"] == true,
        "{rows:#}"
    );
    ensure!(
        row_of(&new_keystore)["slots"][0]["default"] == false,
        "{rows:#}"
    );
    // keytool reads the reset certificate, and it is the new keystore's.
    let exported_new = d.join("new_upload.pem");
    dev.ok(&[
        "keystore",
        "export-certificate",
        "--app",
        "Acme App",
        "--credential",
        &new_keystore,
        "--out",
        &text(&exported_new),
    ])
    .await?;
    let reset_sha256 = keytool_sha256(&reset_pem)?;
    ensure!(reset_sha256 == keytool_sha256(&exported_new)? && reset_sha256 != upload_sha256);
    ensure!(std::fs::read_to_string(&reset_pem)?.starts_with("-----BEGIN CERTIFICATE-----"));
    // Builds keep the old key until Google accepts.
    ensure!(str_at(&fingerprints(&dev).await?, "/upload_key/sha256")? == upload_sha256);
    // With the default in the trash, a pull never falls back to the waiting keystore (a key
    // Google Play does not know yet): it says what is missing and why, and writes nothing.
    dev.ok(&["credentials", "remove", &old_keystore, "--in-use"])
        .await?;
    let pulled = tempfile::tempdir()?;
    let pull = [
        "pull",
        "--app",
        "Acme App",
        "--platform",
        "android",
        "--out",
        &text(pulled.path()),
    ];
    let stderr = dev.fails(&pull).await?;
    ensure!(
        stderr.contains("No Android upload keystore for com.acme.app")
            && stderr.contains("1 credential(s) are assigned to it but none is the default")
            && stderr.contains("--google-accepted"),
        "{stderr}"
    );
    ensure!(std::fs::read_dir(pulled.path())?.next().is_none());
    // Restored, it is the default again and the pull takes it.
    dev.ok(&["credentials", "restore", &old_keystore]).await?;
    dev.ok(&pull).await?;
    let pulled_json: Value =
        serde_json::from_slice(&std::fs::read(pulled.path().join("credentials.json"))?)?;
    let listing = tools::keytool_list(
        &pulled
            .path()
            .join(str_at(&pulled_json, "/android/keystore/keystorePath")?),
        "JKS",
        str_at(&pulled_json, "/android/keystore/keystorePassword")?,
    )?;
    ensure!(listing.contains(&upload_sha256), "{listing}");
    let accepted = dev
        .ok(&[
            "android",
            "reset-upload-key",
            "--app",
            "Acme App",
            "--google-accepted",
        ])
        .await?;
    ensure!(accepted.trim() == new_keystore, "{accepted}");
    let fps = fingerprints(&dev).await?;
    ensure!(
        str_at(&fps, "/upload_key/sha256")? == reset_sha256,
        "{fps:#}"
    );
    // The old keystore stays stored and readable.
    let old_again = d.join("old_again.pem");
    dev.ok(&[
        "keystore",
        "export-certificate",
        "--app",
        "Acme App",
        "--credential",
        &old_keystore,
        "--out",
        &text(&old_again),
    ])
    .await?;
    ensure!(keytool_sha256(&old_again)? == upload_sha256);
    // The local form of export-certificate reads a keystore file.
    let local = d.join("local.pem");
    let out = dev
        .run_with(
            &[
                "keystore",
                "export-certificate",
                "--keystore",
                &text(&jks),
                "--out",
                &text(&local),
            ],
            &[("SIGNET_KEYSTORE_PASSWORD", Some("wrong"))],
        )
        .await?;
    ensure!(
        out.code == Some(1) && out.stderr.contains("password"),
        "{out:?}"
    );
    ensure!(!local.exists());
    let exported = dev
        .run_with(
            &[
                "keystore",
                "export-certificate",
                "--keystore",
                &text(&jks),
                "--out",
                &text(&local),
            ],
            &[(
                "SIGNET_KEYSTORE_PASSWORD",
                Some(str_at(&local_entry, "/keystorePassword")?),
            )],
        )
        .await?;
    ensure!(exported.code == Some(0), "{exported:?}");
    let listing = tools::keytool_list(&jks, "JKS", str_at(&local_entry, "/keystorePassword")?)?;
    let entry = tools::keytool_entry(&listing, str_at(&local_entry, "/keyAlias")?)?;
    ensure!(keytool_sha256(&local)? == entry.sha256);

    // A compromised server forges the app-signing certificate's fingerprint: the CLI shows it
    // as unverified and refuses to list it in assetlinks.json.
    let (metadata, _) = stored(&server, &play_id).await?;
    let forged = altered(
        &metadata,
        serde_json::json!({ "sha256": (["DE:AD:BE:EF"; 8].join(":")) }),
    )?;
    tamper(&server, &play_id, Column::Metadata, &forged).await?;
    let fps = fingerprints(&dev).await?;
    ensure!(fps["app_signing_key"]["verified"] == false, "{fps:#}");
    ensure!(!fps.to_string().contains("DE:AD:BE:EF"), "{fps:#}");
    let err = dev
        .fails(&["android", "assetlinks", "--app", "Acme App"])
        .await?;
    ensure!(err.contains("not what its author signed"), "{err}");
    Ok(())
}
