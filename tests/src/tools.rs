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

// --- Apple and Google key formats: JWT signatures, certificates, profiles ---

/// Writes `bytes` to `dir/name` and returns the path as a string for a command line.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(path.to_string_lossy().into_owned())
}

/// Runs a tool that must succeed; returns what it printed.
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

/// Runs a tool that must succeed and returns only its standard output (key generators print
/// progress on stderr).
pub fn run_stdout(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {program}: is it installed?"))?;
    if !out.status.success() {
        bail!(
            "{program} {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// A JWS signature as raw `r ‖ s` (64 bytes) turned into the DER `ECDSA-Sig-Value`
/// OpenSSL expects: SEQUENCE { INTEGER r, INTEGER s }.
pub fn ecdsa_raw_to_der(raw: &[u8]) -> Result<Vec<u8>> {
    if raw.len() != 64 {
        bail!("an ES256 signature is 64 bytes, not {}", raw.len());
    }
    let integer = |half: &[u8]| {
        let first = half.iter().position(|&b| b != 0).unwrap_or(half.len() - 1);
        let mut value = half[first..].to_vec();
        if value[0] & 0x80 != 0 {
            value.insert(0, 0); // keep it positive
        }
        let mut out = vec![0x02, value.len() as u8];
        out.extend(value);
        out
    };
    let body = [integer(&raw[..32]), integer(&raw[32..])].concat();
    let mut der = vec![0x30, body.len() as u8];
    der.extend(body);
    Ok(der)
}

/// Verifies a compact JWS (ES256 or RS256, from its header) with
/// `openssl dgst -sha256 -verify PUBLIC.pem -signature SIG`. Fails unless OpenSSL says
/// "Verified OK".
pub fn openssl_verify_jwt(token: &str, public_key_pem: &str, dir: &Path) -> Result<()> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let (input, signature) = token
        .rsplit_once('.')
        .context("a JWT has a signature part")?;
    let (header, _) = input.split_once('.').context("a JWT has a header part")?;
    let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header)?)?;
    let raw = URL_SAFE_NO_PAD.decode(signature)?;
    let signature = match header["alg"].as_str() {
        Some("ES256") => ecdsa_raw_to_der(&raw)?,
        Some("RS256") => raw,
        other => bail!("unexpected JWT algorithm {other:?}"),
    };
    let input = write_file(dir, "jwt-input.txt", input.as_bytes())?;
    let signature = write_file(dir, "jwt-signature.bin", &signature)?;
    let public = write_file(dir, "jwt-public.pem", public_key_pem.as_bytes())?;
    let out = run(
        "openssl",
        &[
            "dgst",
            "-sha256",
            "-verify",
            &public,
            "-signature",
            &signature,
            &input,
        ],
    )?;
    if !out.success || !out.text.contains("Verified OK") {
        bail!("openssl refused the JWT signature:\n{}", out.text);
    }
    Ok(())
}

/// The public key of a PEM private key, as `openssl pkey -pubout` derives it.
pub fn openssl_public_key(private_key_pem: &str, dir: &Path) -> Result<String> {
    let key = write_file(dir, "private-for-pubout.pem", private_key_pem.as_bytes())?;
    run_stdout("openssl", &["pkey", "-in", &key, "-pubout"])
}

/// A throwaway CA in `dir` (`ca.pem`, `ca.key`), as Apple's WWDR CA stands in the real
/// world. Returns the paths.
pub fn openssl_throwaway_ca(dir: &Path) -> Result<(String, String)> {
    let cert = dir.join("ca.pem").to_string_lossy().into_owned();
    let key = dir.join("ca.key").to_string_lossy().into_owned();
    run_ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &cert,
            "-days",
            "30",
            "-subj",
            "/CN=Signet Test WWDR CA/O=Signet Tests/C=US",
        ],
    )?;
    Ok((cert, key))
}

/// Issues a certificate for a PEM CSR the way Apple's portal does: signed by the throwaway
/// CA in `dir`, valid 365 days, with `subject` (e.g. `/UID=…/CN=…/OU=…/O=…/C=US`) replacing
/// the request's. Returns the certificate in DER (a `.cer`).
pub fn openssl_issue_certificate(csr_pem: &str, subject: &str, dir: &Path) -> Result<Vec<u8>> {
    let (ca, ca_key) = openssl_throwaway_ca(dir)?;
    let csr = write_file(dir, "issue.csr", csr_pem.as_bytes())?;
    let out = dir.join("issued.cer");
    let out_path = out.to_string_lossy();
    run_ok(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-set_serial",
            "0x7E57C0DE01",
            "-days",
            "365",
            "-subj",
            subject,
            "-outform",
            "DER",
            "-out",
            &out_path,
        ],
    )?;
    Ok(std::fs::read(out)?)
}

/// The SHA-1 fingerprint OpenSSL prints for a DER certificate (`AB:CD:…`).
pub fn openssl_sha1_fingerprint(cert_der: &[u8], dir: &Path) -> Result<String> {
    let cert = write_file(dir, "fingerprint.cer", cert_der)?;
    let text = run_ok(
        "openssl",
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            &cert,
            "-noout",
            "-fingerprint",
            "-sha1",
        ],
    )?;
    text.trim()
        .rsplit_once('=')
        .map(|(_, fp)| fp.to_owned())
        .context("openssl printed no fingerprint")
}

/// Wraps an XML plist as a `.mobileprovision` the way Apple does: CMS SignedData with the
/// content attached, streamed (BER, indefinite lengths) when `ber` is set. Signed by a
/// throwaway signer from the CA in `dir`.
pub fn openssl_sign_profile(plist: &[u8], ber: bool, dir: &Path) -> Result<Vec<u8>> {
    let (ca, ca_key) = openssl_throwaway_ca(dir)?;
    let signer_key = dir.join("signer.key").to_string_lossy().into_owned();
    let signer_csr = dir.join("signer.csr").to_string_lossy().into_owned();
    let signer = dir.join("signer.pem").to_string_lossy().into_owned();
    run_ok(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &signer_key,
            "-out",
            &signer_csr,
            "-subj",
            "/CN=Apple iPhone OS Provisioning Profile Signing (test)",
        ],
    )?;
    run_ok(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &signer_csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-set_serial",
            "2",
            "-days",
            "30",
            "-out",
            &signer,
        ],
    )?;
    let input = write_file(dir, "profile.plist", plist)?;
    let out = dir.join("profile.mobileprovision");
    let out_path = out.to_string_lossy();
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-outform",
        "DER",
        "-in",
        &input,
        "-signer",
        &signer,
        "-inkey",
        &signer_key,
        "-certfile",
        &ca,
        "-md",
        "sha256",
        "-out",
        &out_path,
    ];
    if ber {
        args.push("-stream");
    }
    run_ok("openssl", &args)?;
    Ok(std::fs::read(out)?)
}

/// `openssl asn1parse` of a DER/BER file: whether any length is indefinite (`l=inf`).
pub fn openssl_has_indefinite_length(bytes: &[u8], dir: &Path) -> Result<bool> {
    let file = write_file(dir, "asn1.ber", bytes)?;
    Ok(run_ok("openssl", &["asn1parse", "-inform", "DER", "-in", &file])?.contains("l=inf"))
}

/// The content of a signed `.mobileprovision` as OpenSSL extracts it (no trust check).
pub fn openssl_cms_content(bytes: &[u8], dir: &Path) -> Result<Vec<u8>> {
    let file = write_file(dir, "content.p7", bytes)?;
    let out = Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-noverify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            &file,
        ])
        .output()
        .context("cannot run openssl")?;
    if !out.status.success() {
        bail!(
            "openssl cms -verify failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}
