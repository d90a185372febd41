//! `signet inspect FILE`: what a credential file is and what a person needs to know about it,
//! offline. Detects JKS and PKCS#12 keystores, certificates, signing requests,
//! `.mobileprovision` profiles, `.p8` keys and service-account JSON.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use der::{Decode, DecodePem};
use serde_json::{Value, json};
use signet_core::{
    android::{EntryKind, Keystore},
    cert::CertificateInfo,
    ios::profile::ProvisioningProfile,
    keys::{apns::P8Key, service_account::ServiceAccountKey},
};

use super::files;

/// `signet inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The file to inspect.
    file: PathBuf,
    /// Keystore / `.p12` password (or SIGNET_KEYSTORE_PASSWORD).
    #[arg(long, env = "SIGNET_KEYSTORE_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// JKS key password when it differs from the store password (or SIGNET_KEY_PASSWORD).
    #[arg(long, env = "SIGNET_KEY_PASSWORD", hide_env_values = true)]
    key_password: Option<String>,
    /// Print JSON for programs instead of text for people.
    #[arg(long)]
    json: bool,
}

/// Runs `signet inspect`.
pub fn run(args: InspectArgs) -> Result<()> {
    let bytes = files::read(&args.file)?;
    let now = files::now_unix();
    let report = inspect(&bytes, &args, now)
        .with_context(|| format!("cannot inspect {}", args.file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let mut out = String::new();
        render(&report, 0, &mut out);
        print!("{out}");
    }
    Ok(())
}

fn inspect(bytes: &[u8], args: &InspectArgs, now: i64) -> Result<Value> {
    let text = std::str::from_utf8(bytes).ok();
    let trimmed = text.map(str::trim_start).unwrap_or_default();
    if trimmed.starts_with('{') {
        let key = ServiceAccountKey::from_json(bytes)?;
        return Ok(json!({
            "kind": "Google service-account key (FCM v1 / Google Play)",
            "project_id": key.project_id(),
            "client_email": key.client_email(),
            "private_key_id": key.private_key_id(),
            "token_uri": key.token_uri(),
            "key": format!("RSA {}", key.key_bits()),
        }));
    }
    if trimmed.starts_with("-----BEGIN CERTIFICATE REQUEST-----") {
        let request = x509_cert::request::CertReq::from_pem(trimmed)
            .map_err(|e| anyhow::anyhow!("not a valid certificate signing request: {e}"))?;
        return Ok(json!({
            "kind": "certificate signing request (PKCS#10)",
            "subject": request.info.subject.to_string(),
            "public_key_algorithm": request.info.public_key.algorithm.oid.to_string(),
        }));
    }
    if trimmed.starts_with("-----BEGIN PRIVATE KEY-----") {
        let key = P8Key::from_p8(bytes).context(
            "this PKCS#8 key is not a P-256 key: Apple .p8 keys (push, App Store Connect) are P-256",
        )?;
        return Ok(json!({
            "kind": "Apple .p8 key (P-256): push notifications or App Store Connect API",
            "public_key": key.public_key_pem()?,
        }));
    }
    if bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) {
        return keystore(bytes, args, now);
    }
    if let Ok(profile) = ProvisioningProfile::from_mobileprovision(bytes) {
        return Ok(profile_report(&profile, now));
    }
    if let Ok(info) = CertificateInfo::from_pem_or_der(bytes) {
        return Ok(certificate_report(&info, now));
    }
    if bytes.first() == Some(&0x30) && x509_cert::Certificate::from_der(bytes).is_err() {
        return keystore(bytes, args, now);
    }
    bail!(
        "unrecognised file: not a keystore (JKS/PKCS#12), certificate, signing request, \
         provisioning profile, .p8 key or service-account JSON"
    )
}

fn keystore(bytes: &[u8], args: &InspectArgs, now: i64) -> Result<Value> {
    let Some(password) = args.password.as_deref() else {
        bail!(
            "this looks like a keystore: pass its password with --password or SIGNET_KEYSTORE_PASSWORD"
        );
    };
    let store = Keystore::open(bytes, password, args.key_password.as_deref())?;
    let mut entries = Vec::new();
    for entry in store.entries() {
        let chain = store.certificate_chain(&entry.alias)?;
        let certificate = match chain.first() {
            Some(der) => certificate_report(&CertificateInfo::from_der(der)?, now),
            None => Value::Null,
        };
        let kind = match entry.kind {
            EntryKind::PrivateKey => {
                // Opening the key proves the key password is right.
                store.key_entry(&entry.alias)?;
                "private key"
            }
            EntryKind::TrustedCertificate => "trusted certificate",
        };
        entries.push(json!({
            "alias": entry.alias,
            "type": kind,
            "certificate": certificate,
        }));
    }
    Ok(json!({
        "kind": format!("{} keystore", store.format().name()),
        "entries": entries,
    }))
}

fn certificate_report(info: &CertificateInfo, now: i64) -> Value {
    json!({
        "kind": "X.509 certificate",
        "subject": info.subject,
        "issuer": info.issuer,
        "serial": info.serial,
        "valid_from": info.not_before.utc,
        "valid_until": info.not_after.utc,
        "days_left": info.days_left(now),
        "public_key": info.public_key,
        "md5": info.fingerprints.md5,
        "sha1": info.fingerprints.sha1,
        "sha256": info.fingerprints.sha256,
    })
}

fn profile_report(profile: &ProvisioningProfile, now: i64) -> Value {
    json!({
        "kind": "iOS provisioning profile",
        "name": profile.name,
        "uuid": profile.uuid,
        "type": profile.profile_type.to_string(),
        "team": format!("{} ({})", profile.team_name.as_deref().unwrap_or("?"), profile.team_id),
        "bundle_id": profile.bundle_id,
        "expires_in_days": profile.days_left(now),
        "aps_environment": profile.aps_environment,
        "devices": profile.devices.len(),
        "certificates": profile.developer_certificates.iter().map(|c| json!({
            "common_name": c.common_name,
            "sha1": c.sha1_fingerprint,
        })).collect::<Vec<_>>(),
    })
}

/// Text for people: `key: value`, nested objects indented.
fn render(value: &Value, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::Object(_) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        render(value, depth + 1, out);
                    }
                    Value::Array(items) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        for item in items {
                            out.push_str(&format!("{pad}  -\n"));
                            render(item, depth + 2, out);
                        }
                    }
                    Value::Null => {}
                    Value::String(s) if s.contains('\n') => {
                        out.push_str(&format!("{pad}{key}:\n{s}\n"));
                    }
                    Value::String(s) => out.push_str(&format!("{pad}{key}: {s}\n")),
                    other => out.push_str(&format!("{pad}{key}: {other}\n")),
                }
            }
        }
        other => out.push_str(&format!("{pad}{other}\n")),
    }
}
