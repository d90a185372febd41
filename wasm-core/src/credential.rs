//! What a stored credential holds: its secret **payload** (sealed by the vault, never seen by
//! the server) and the public **metadata** derived from it (fingerprints, expiry, bundle id…,
//! shown to every member and signed by its author).
//!
//! The dashboard and the CLI both build payloads here and derive metadata with
//! [`Payload::inspect`], which also proves the payload is usable: a keystore that does not open
//! with its passwords, an alias that is not in it, or a `.p12` with the wrong password is an
//! error *before* anything is uploaded.
//!
//! The payload's JSON form (what the vault seals) is `{"kind": "...", ...fields}`; binary files
//! are URL-safe base64 without padding.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::{
    Error, Result,
    android::keystore::{KeyEntry, Keystore},
    cert::CertificateInfo,
    ios::{certificate::AppleCertificate, profile::ProvisioningProfile},
    keys::{apns::ApplePushKey, asc::AppStoreConnectKey, service_account::ServiceAccountKey},
    vault::envelope::{from_base64, to_base64},
    wire::credential::CredentialKind,
};

/// Text that is secret: zeroized on drop, `Debug` prints `<redacted>`. It serializes in the
/// clear because it only ever serializes *into* a payload that the vault then seals.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretText(Zeroizing<String>);

impl Serialize for SecretText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

impl SecretText {
    /// Wraps `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self(Zeroizing::new(text.into()))
    }

    /// Binary data as URL-safe base64.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self::new(to_base64(bytes))
    }

    /// The text, for the one place it must be used (opening a keystore, writing a file).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Decodes URL-safe base64 content.
    pub fn decode(&self, what: &'static str) -> Result<Zeroizing<Vec<u8>>> {
        from_base64(&self.0, what).map(Zeroizing::new)
    }
}

impl core::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A credential's secret content, one variant per [`CredentialKind`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// An upload keystore file (JKS or PKCS#12) with what Gradle needs to use it.
    AndroidKeystore {
        /// The keystore file.
        keystore: SecretText,
        /// Store password.
        keystore_password: SecretText,
        /// The signing key's alias.
        key_alias: String,
        /// Key password (equal to the store password for PKCS#12).
        key_password: SecretText,
    },
    /// A distribution certificate as a `.p12` with its password.
    IosDistributionCertificate {
        /// The `.p12` file.
        p12: SecretText,
        /// Its password.
        password: SecretText,
    },
    /// A `.mobileprovision` file (not secret, but kept with the rest).
    IosProvisioningProfile {
        /// The file.
        profile: SecretText,
    },
    /// An APNs key.
    ApplePushKey {
        /// The `.p8` text.
        p8: SecretText,
        /// Key id (10 characters).
        key_id: String,
        /// Apple team id.
        team_id: String,
    },
    /// An App Store Connect API key.
    AscApiKey {
        /// The `.p8` text.
        p8: SecretText,
        /// Key id.
        key_id: String,
        /// Issuer id (UUID).
        issuer_id: String,
    },
    /// A Firebase Cloud Messaging v1 service-account key.
    FcmV1ServiceAccount {
        /// The JSON key file.
        json: SecretText,
    },
    /// A Google Play service-account key.
    GoogleServiceAccount {
        /// The JSON key file.
        json: SecretText,
    },
    /// Google Play's app-signing certificate (DER). Public: Google keeps the key; stored so
    /// every member sees the fingerprints Firebase and App Links need for Play builds.
    PlayAppSigningCertificate {
        /// The certificate, DER (as `deployment_cert.der`).
        certificate: SecretText,
    },
    /// The private key of a CSR sent to Apple, waiting for the issued certificate.
    PendingCsr {
        /// PKCS#8 PEM private key.
        private_key_pem: SecretText,
        /// The CSR (public).
        csr_pem: String,
    },
}

fn cert_facts(info: &CertificateInfo) -> Value {
    json!({
        "subject": info.subject,
        "serial": info.serial,
        "not_before": info.not_before.unix,
        "not_after": info.not_after.unix,
        "md5": info.fingerprints.md5,
        "sha1": info.fingerprints.sha1,
        "sha256": info.fingerprints.sha256,
    })
}

/// Opens an upload keystore with its passwords and finds its signing key's entry.
fn open_key_entry(
    keystore: &SecretText,
    keystore_password: &SecretText,
    key_alias: &str,
    key_password: &SecretText,
) -> Result<(Keystore, KeyEntry)> {
    let bytes = keystore.decode("keystore")?;
    let ks = Keystore::open(
        &bytes,
        keystore_password.expose(),
        Some(key_password.expose()),
    )?;
    let entry = ks.key_entry(key_alias)?;
    Ok((ks, entry))
}

/// An Android keystore's metadata: its format, the key's alias, the certificate's facts.
fn android_facts(ks: &Keystore, entry: &KeyEntry) -> Result<Value> {
    Ok(merge(
        json!({"format": ks.format().name(), "key_alias": entry.alias}),
        cert_facts(&entry.certificate_info()?),
    ))
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
        b.extend(e);
    }
    base
}

impl Payload {
    /// An Android keystore file as a payload, opened once with its passwords: an empty
    /// `key_alias` takes the keystore's only private key ([`Keystore::only_key_alias`]).
    /// Returns the payload (alias filled in) and its metadata, as [`Payload::inspect`] would;
    /// wrong passwords or alias are errors, so nothing unusable is stored.
    pub fn android_keystore(
        keystore: &[u8],
        keystore_password: SecretText,
        key_alias: &str,
        key_password: SecretText,
    ) -> Result<(Self, Value)> {
        let ks = Keystore::open(
            keystore,
            keystore_password.expose(),
            Some(key_password.expose()),
        )?;
        let key_alias = if key_alias.is_empty() {
            ks.only_key_alias()?
        } else {
            key_alias.to_owned()
        };
        let metadata = android_facts(&ks, &ks.key_entry(&key_alias)?)?;
        let payload = Self::AndroidKeystore {
            keystore: SecretText::from_bytes(keystore),
            keystore_password,
            key_alias,
            key_password,
        };
        Ok((payload, metadata))
    }

    /// The kind of credential this is.
    pub fn kind(&self) -> CredentialKind {
        match self {
            Self::AndroidKeystore { .. } => CredentialKind::AndroidKeystore,
            Self::IosDistributionCertificate { .. } => CredentialKind::IosDistributionCertificate,
            Self::IosProvisioningProfile { .. } => CredentialKind::IosProvisioningProfile,
            Self::ApplePushKey { .. } => CredentialKind::ApplePushKey,
            Self::AscApiKey { .. } => CredentialKind::AscApiKey,
            Self::FcmV1ServiceAccount { .. } => CredentialKind::FcmV1ServiceAccount,
            Self::GoogleServiceAccount { .. } => CredentialKind::GoogleServiceAccount,
            Self::PlayAppSigningCertificate { .. } => CredentialKind::PlayAppSigningCertificate,
            Self::PendingCsr { .. } => CredentialKind::PendingCsr,
        }
    }

    /// The JSON bytes the vault seals. Zeroized on drop.
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        serde_json::to_vec(self)
            .map(Zeroizing::new)
            .map_err(|e| Error::InvalidInput(format!("payload: {e}")))
    }

    /// Parses opened payload bytes, checking they are of the `expected` kind.
    pub fn from_bytes(bytes: &[u8], expected: CredentialKind) -> Result<Self> {
        let payload: Self = serde_json::from_slice(bytes).map_err(|e| {
            Error::InvalidInput(format!(
                "this credential's payload is not readable by this version of Signet: {e}"
            ))
        })?;
        if payload.kind() != expected {
            return Err(Error::InvalidInput(format!(
                "the payload is a {}, but the credential says {}",
                payload.kind().as_str(),
                expected.as_str()
            )));
        }
        Ok(payload)
    }

    /// A Play app-signing certificate from the file Play Console offers (DER or PEM), checked.
    pub fn play_app_signing_certificate(file: &[u8]) -> Result<Self> {
        let der = crate::android::play::read_certificate(file)?;
        Ok(Self::PlayAppSigningCertificate {
            certificate: SecretText::from_bytes(&der),
        })
    }

    /// The certificate an Android key is known by, DER: an upload keystore's key certificate
    /// (opened with its passwords) or the Play app-signing certificate. What
    /// `upload_certificate.pem` and fingerprints are made from.
    pub fn certificate_der(&self) -> Result<Vec<u8>> {
        match self {
            Self::AndroidKeystore {
                keystore,
                keystore_password,
                key_alias,
                key_password,
            } => open_key_entry(keystore, keystore_password, key_alias, key_password)?
                .1
                .chain
                .into_iter()
                .next()
                .ok_or_else(|| {
                    Error::MalformedCertificate("the keystore holds no certificate".into())
                }),
            Self::PlayAppSigningCertificate { certificate } => {
                crate::android::play::read_certificate(
                    &certificate.decode("app-signing certificate")?,
                )
            }
            other => Err(Error::InvalidInput(format!(
                "a {} has no Android signing certificate",
                other.kind().as_str()
            ))),
        }
    }

    /// The file a build uses, decoded (keystore, `.p12`, `.mobileprovision`, `.p8`, JSON key,
    /// the app-signing certificate's DER).
    pub fn file_bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            Self::AndroidKeystore { keystore, .. } => keystore.decode("keystore"),
            Self::IosDistributionCertificate { p12, .. } => p12.decode(".p12"),
            Self::IosProvisioningProfile { profile } => profile.decode("provisioning profile"),
            Self::ApplePushKey { p8, .. } | Self::AscApiKey { p8, .. } => {
                Ok(Zeroizing::new(p8.expose().as_bytes().to_vec()))
            }
            Self::FcmV1ServiceAccount { json } | Self::GoogleServiceAccount { json } => {
                Ok(Zeroizing::new(json.expose().as_bytes().to_vec()))
            }
            Self::PlayAppSigningCertificate { certificate } => {
                certificate.decode("app-signing certificate")
            }
            Self::PendingCsr {
                private_key_pem, ..
            } => Ok(Zeroizing::new(private_key_pem.expose().as_bytes().to_vec())),
        }
    }

    /// Proves the payload usable and derives its public metadata: a JSON object with the
    /// facts people and expiry warnings need (`not_after` in Unix seconds where the credential
    /// expires). Wrong passwords, a missing alias, a `.p12` whose key does not match its
    /// certificate, malformed files: all errors, so nothing unusable gets stored.
    pub fn inspect(&self) -> Result<Value> {
        match self {
            Self::AndroidKeystore {
                keystore,
                keystore_password,
                key_alias,
                key_password,
            } => {
                let (ks, entry) =
                    open_key_entry(keystore, keystore_password, key_alias, key_password)?;
                android_facts(&ks, &entry)
            }
            Self::IosDistributionCertificate { p12, password } => {
                let bytes = p12.decode(".p12")?;
                let ks = Keystore::open(&bytes, password.expose(), None)?;
                let alias = ks.default_key_alias()?;
                let entry = ks.key_entry(&alias)?;
                let leaf = entry.chain.first().ok_or_else(|| {
                    Error::MalformedCertificate("the .p12 holds no certificate".into())
                })?;
                let cert = AppleCertificate::from_cer(leaf)?;
                let info = entry.certificate_info()?;
                Ok(merge(
                    json!({
                        "common_name": cert.common_name(),
                        "team_id": cert.team_id(),
                        "team_name": cert.team_name(),
                    }),
                    cert_facts(&info),
                ))
            }
            Self::IosProvisioningProfile { profile } => {
                let p = ProvisioningProfile::from_mobileprovision(
                    &profile.decode("provisioning profile")?,
                )?;
                Ok(json!({
                    "uuid": p.uuid,
                    "name": p.name,
                    "team_id": p.team_id,
                    "team_name": p.team_name,
                    "bundle_id": p.bundle_id,
                    "application_identifier": p.application_identifier,
                    "profile_type": p.profile_type,
                    "created": p.creation_date,
                    "not_after": p.expiration_date,
                    "devices": p.devices.len(),
                    "aps_environment": p.aps_environment,
                    "certificate_sha1s": p.developer_certificates.iter().map(|c| c.sha1_fingerprint.clone()).collect::<Vec<_>>(),
                }))
            }
            Self::ApplePushKey {
                p8,
                key_id,
                team_id,
            } => {
                let key = ApplePushKey::from_p8(p8.expose().as_bytes(), key_id, team_id)?;
                Ok(json!({"key_id": key.key_id(), "team_id": key.team_id()}))
            }
            Self::AscApiKey {
                p8,
                key_id,
                issuer_id,
            } => {
                let key = AppStoreConnectKey::from_p8(p8.expose().as_bytes(), key_id, issuer_id)?;
                Ok(json!({"key_id": key.key_id(), "issuer_id": key.issuer_id()}))
            }
            Self::FcmV1ServiceAccount { json } | Self::GoogleServiceAccount { json } => {
                let key = ServiceAccountKey::from_json(json.expose().as_bytes())?;
                Ok(json!({
                    "project_id": key.project_id(),
                    "client_email": key.client_email(),
                    "private_key_id": key.private_key_id(),
                }))
            }
            Self::PlayAppSigningCertificate { certificate } => {
                let der = certificate.decode("app-signing certificate")?;
                let der = crate::android::play::read_certificate(&der)?;
                let info = CertificateInfo::from_der(&der)?;
                Ok(merge(
                    json!({"issuer": info.issuer, "public_key": info.public_key}),
                    cert_facts(&info),
                ))
            }
            Self::PendingCsr { csr_pem, .. } => Ok(json!({"csr_pem": csr_pem})),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::{KeystoreFormat, UploadKeystore, UploadKeystoreParams};

    #[test]
    fn a_generated_keystore_round_trips_and_describes_itself() -> Result<()> {
        let ks = UploadKeystore::generate(
            &UploadKeystoreParams::for_package("com.acme.app"),
            1_800_000_000,
        )?;
        let encoded = ks.encode(KeystoreFormat::Jks)?;
        let payload = Payload::AndroidKeystore {
            keystore: SecretText::from_bytes(&encoded.bytes),
            keystore_password: SecretText::new(encoded.store_password.expose()),
            key_alias: encoded.alias.clone(),
            key_password: SecretText::new(encoded.key_password.expose()),
        };
        let meta = payload.inspect()?;
        assert_eq!(meta["format"], "JKS");
        assert_eq!(meta["key_alias"], encoded.alias.as_str());
        assert_eq!(
            meta["sha1"],
            ks.certificate_info()?.fingerprints.sha1.as_str()
        );
        let bytes = payload.to_bytes()?;
        assert_eq!(
            Payload::from_bytes(&bytes, CredentialKind::AndroidKeystore)?,
            payload
        );
        assert!(Payload::from_bytes(&bytes, CredentialKind::AscApiKey).is_err());
        assert_eq!(format!("{payload:?}").matches("<redacted>").count(), 3);
        assert_eq!(payload.certificate_der()?, ks.certificate);

        let wrong = Payload::AndroidKeystore {
            keystore: SecretText::from_bytes(&encoded.bytes),
            keystore_password: SecretText::new("wrong"),
            key_alias: encoded.alias.clone(),
            key_password: SecretText::new(encoded.key_password.expose()),
        };
        assert!(
            matches!(wrong.inspect(), Err(Error::WrongKeystorePassword)),
            "{:?}",
            wrong.inspect()
        );
        let no_alias = Payload::AndroidKeystore {
            keystore: SecretText::from_bytes(&encoded.bytes),
            keystore_password: SecretText::new(encoded.store_password.expose()),
            key_alias: "nope".into(),
            key_password: SecretText::new(encoded.key_password.expose()),
        };
        assert!(matches!(
            no_alias.inspect(),
            Err(Error::UnknownAlias { .. })
        ));
        Ok(())
    }

    #[test]
    fn a_play_app_signing_certificate_round_trips_and_describes_itself() -> Result<()> {
        let ks = UploadKeystore::generate(
            &UploadKeystoreParams::for_package("com.acme.app"),
            1_800_000_000,
        )?;
        let pem = crate::android::play::certificate_pem(&ks.certificate)?;
        let payload = Payload::play_app_signing_certificate(pem.as_bytes())?;
        assert_eq!(payload.kind(), CredentialKind::PlayAppSigningCertificate);
        assert_eq!(payload.file_bytes()?.as_slice(), ks.certificate.as_slice());
        assert_eq!(payload.certificate_der()?, ks.certificate);
        let meta = payload.inspect()?;
        let info = ks.certificate_info()?;
        assert_eq!(meta["sha1"], info.fingerprints.sha1.as_str());
        assert_eq!(meta["sha256"], info.fingerprints.sha256.as_str());
        assert_eq!(meta["md5"], info.fingerprints.md5.as_str());
        assert_eq!(meta["not_after"], info.not_after.unix);
        let bytes = payload.to_bytes()?;
        assert_eq!(
            Payload::from_bytes(&bytes, CredentialKind::PlayAppSigningCertificate)?,
            payload
        );
        assert!(Payload::from_bytes(&bytes, CredentialKind::AndroidKeystore).is_err());
        assert!(Payload::play_app_signing_certificate(b"not a certificate").is_err());
        Ok(())
    }
}
