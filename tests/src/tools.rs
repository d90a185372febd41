//! The real tools that judge what Signet produces.

use std::{path::Path, process::Command};

use anyhow::{Context, Result, bail};

/// Output of a finished tool.
#[derive(Debug)]
pub struct ToolOutput {
    /// Exit status was 0.
    pub success: bool,
    /// stdout and stderr together.
    pub text: String,
}

/// Runs `program args…` and captures everything it prints.
pub fn run(program: &str, args: &[&str]) -> Result<ToolOutput> {
    let out = Command::new(program).args(args).output().with_context(|| {
        format!("cannot run {program}: is it installed? (`cargo xtask test` installs it)")
    })?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok(ToolOutput {
        success: out.status.success(),
        text,
    })
}

/// `openssl req -verify` on a PEM request: fails unless OpenSSL accepts its self-signature.
/// Returns the request's text dump (`-text`).
pub fn openssl_verify_csr(pem: &str, dir: &Path) -> Result<String> {
    let file = dir.join("request.csr");
    std::fs::write(&file, pem)?;
    let path = file.to_string_lossy();
    let out = run(
        "openssl",
        &["req", "-in", &path, "-noout", "-verify", "-text"],
    )?;
    if !out.success || !out.text.contains("verify OK") {
        bail!("openssl req -verify rejected the request:\n{}", out.text);
    }
    Ok(out.text)
}

/// Runs `program args…` and fails with everything it printed unless it exits with 0.
pub fn run_ok(program: &str, args: &[&str]) -> Result<String> {
    let out = run(program, args)?;
    if !out.success {
        bail!("{program} {} failed:\n{}", args.join(" "), out.text);
    }
    Ok(out.text)
}

/// `keytool -list -v` on a keystore: fails unless keytool opens it with `store_password`.
/// `store_type` is `JKS` or `PKCS12`. Returns the listing.
pub fn keytool_list(keystore: &Path, store_type: &str, store_password: &str) -> Result<String> {
    let path = keystore.to_string_lossy();
    run_ok(
        "keytool",
        &[
            "-list",
            "-v",
            "-storetype",
            store_type,
            "-keystore",
            &path,
            "-storepass",
            store_password,
        ],
    )
}

/// What `keytool -list -v` printed for one alias.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeytoolEntry {
    /// `Entry type:` (e.g. `PrivateKeyEntry`).
    pub entry_type: String,
    /// `Owner:`
    pub owner: String,
    /// `Serial number:`
    pub serial: String,
    /// `SHA1:` fingerprint.
    pub sha1: String,
    /// `SHA256:` fingerprint.
    pub sha256: String,
}

/// Picks the entry for `alias` out of a `keytool -list -v` listing.
pub fn keytool_entry(listing: &str, alias: &str) -> Result<KeytoolEntry> {
    let mut entry = KeytoolEntry::default();
    let mut inside = false;
    let mut found = false;
    for line in listing.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("Alias name: ") {
            inside = name == alias;
            found |= inside;
            continue;
        }
        if !inside {
            continue;
        }
        let set = |field: &mut String, prefix: &str| {
            if let Some(v) = line.strip_prefix(prefix)
                && field.is_empty()
            {
                *field = v.to_owned();
            }
        };
        set(&mut entry.entry_type, "Entry type: ");
        set(&mut entry.owner, "Owner: ");
        set(&mut entry.serial, "Serial number: ");
        set(&mut entry.sha1, "SHA1: ");
        set(&mut entry.sha256, "SHA256: ");
    }
    if !found {
        bail!("keytool does not list alias {alias}:\n{listing}");
    }
    Ok(entry)
}

/// Makes a jar (a zip) holding `files` with the JDK's `jar` tool.
pub fn make_jar(dir: &Path, name: &str, files: &[(&str, &[u8])]) -> Result<std::path::PathBuf> {
    let content = dir.join(format!("{name}.content"));
    std::fs::create_dir_all(&content)?;
    for (file, bytes) in files {
        let path = content.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    let jar = dir.join(name);
    run_ok(
        "jar",
        &[
            "--create",
            "--file",
            &jar.to_string_lossy(),
            "-C",
            &content.to_string_lossy(),
            ".",
        ],
    )?;
    Ok(jar)
}

/// Signs `jar` in place with `jarsigner` and verifies it with `jarsigner -verify`; fails
/// unless both succeed and the verifier says "jar verified". Returns the verifier's output.
pub fn jarsigner_sign_and_verify(
    jar: &Path,
    keystore: &Path,
    store_type: &str,
    store_password: &str,
    key_password: &str,
    alias: &str,
) -> Result<String> {
    let jar = jar.to_string_lossy();
    let keystore = keystore.to_string_lossy();
    run_ok(
        "jarsigner",
        &[
            "-keystore",
            &keystore,
            "-storetype",
            store_type,
            "-storepass",
            store_password,
            "-keypass",
            key_password,
            &jar,
            alias,
        ],
    )?;
    let verified = run_ok("jarsigner", &["-verify", "-verbose", "-certs", &jar])?;
    if !verified.contains("jar verified") {
        bail!("jarsigner -verify did not verify the jar:\n{verified}");
    }
    Ok(verified)
}

/// Zipaligns `unsigned`, signs it with `apksigner sign` using `keystore`, and checks it with
/// `apksigner verify --print-certs`. Returns the verifier's output (it includes the signer's
/// certificate SHA-256 digest).
pub fn apksigner_sign_and_verify(
    unsigned: &Path,
    keystore: &Path,
    store_password: &str,
    key_password: &str,
    alias: &str,
) -> Result<String> {
    let aligned = unsigned.with_extension("aligned.apk");
    let signed = unsigned.with_extension("signed.apk");
    run_ok(
        "zipalign",
        &[
            "-p",
            "-f",
            "4",
            &unsigned.to_string_lossy(),
            &aligned.to_string_lossy(),
        ],
    )?;
    let ks_pass = format!("pass:{store_password}");
    let key_pass = format!("pass:{key_password}");
    // No AndroidManifest.xml worth parsing in a test APK: give the minimum SDK explicitly.
    run_ok(
        "apksigner",
        &[
            "sign",
            "--ks",
            &keystore.to_string_lossy(),
            "--ks-pass",
            &ks_pass,
            "--key-pass",
            &key_pass,
            "--ks-key-alias",
            alias,
            "--min-sdk-version",
            "24",
            "--out",
            &signed.to_string_lossy(),
            &aligned.to_string_lossy(),
        ],
    )?;
    let verified = run_ok(
        "apksigner",
        &[
            "verify",
            "-v",
            "--print-certs",
            "--min-sdk-version",
            "24",
            &signed.to_string_lossy(),
        ],
    )?;
    if !verified.contains("Verifies") {
        bail!("apksigner verify did not accept the APK:\n{verified}");
    }
    Ok(verified)
}
