//! Importing an EAS bundle into an app (a migration): what `signet push` and the dashboard's
//! import page both do before anything is encrypted or uploaded.
//!
//! 1. [`check_targets`]: a per-target `ios` map names only targets the app has.
//! 2. [`expected_bundle_ids`]: what each profile must cover, from the app's targets, for
//!    [`super::doctor::diagnose`].
//! 3. [`plan`]: every credential of the bundle as a [`Payload`] proven usable by
//!    [`Payload::inspect`], with its label and the slot it goes in.
//! 4. [`same_as`]: a credential the team already stores (same fingerprint or profile UUID) is
//!    reused rather than uploaded twice.
//!
//! Then the caller encrypts, uploads and assigns each [`ImportItem`] as its slot's default.

use serde_json::Value;

use super::{
    credentials_json::{CredentialsJson, IosCredentials},
    doctor::ExpectedBundleIds,
};
use crate::{
    Error, Result,
    credential::{Payload, SecretText},
    wire::{
        app::{AppInfo, Platform},
        credential::{CredentialInfo, CredentialKind},
    },
};

/// One credential of a bundle, checked, and the slot it goes in.
#[derive(Debug)]
pub struct ImportItem {
    /// The secret material (encrypt it before it leaves the machine).
    pub payload: Payload,
    /// Its public metadata, from [`Payload::inspect`].
    pub metadata: Value,
    /// Its name in the team's list.
    pub label: String,
    /// The file it came from, as `credentials.json` names it.
    pub file: String,
    /// Android or iOS.
    pub platform: Platform,
    /// The iOS target (empty for Android and the single-target form).
    pub target: String,
}

/// The bundle ids the profiles must cover, from the app's iOS targets: the only target for
/// the single form, each named target for the per-target form.
pub fn expected_bundle_ids(app: &AppInfo, ios: Option<&IosCredentials>) -> ExpectedBundleIds {
    let mut ids = ExpectedBundleIds::default();
    match ios {
        Some(IosCredentials::Single(_)) if app.ios_targets.len() == 1 => {
            ids.any_target = app.ios_targets.first().map(|t| t.bundle_id.clone());
        }
        Some(IosCredentials::PerTarget(map)) => {
            for t in &app.ios_targets {
                if map.contains_key(&t.target) {
                    ids.by_target.insert(t.target.clone(), t.bundle_id.clone());
                }
            }
        }
        _ => {}
    }
    ids
}

/// Refuses a bundle with nothing in it, or a per-target `ios` map naming a target the app
/// does not have (when the app has targets at all).
pub fn check_targets(bundle: &CredentialsJson, app: &AppInfo) -> Result<()> {
    if bundle.android.is_none() && bundle.ios.is_none() {
        return Err(Error::Import {
            what: "credentials.json".into(),
            reason: "it holds neither android nor ios credentials".into(),
        });
    }
    if let Some(IosCredentials::PerTarget(map)) = &bundle.ios
        && !app.ios_targets.is_empty()
    {
        for name in map.keys() {
            if !app.ios_targets.iter().any(|t| &t.target == name) {
                return Err(Error::Import {
                    what: format!("ios.{name}"),
                    reason: format!(
                        "not an iOS target of app {} (its targets: {}); rename it in \
                         credentials.json or add the target to the app",
                        app.name,
                        app.ios_targets
                            .iter()
                            .map(|t| t.target.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Every credential of `bundle`, each proven usable by [`Payload::inspect`]. `read` returns a
/// file's bytes for a path exactly as written in `credentials.json`, or why it cannot.
pub fn plan(
    bundle: &CredentialsJson,
    mut read: impl FnMut(&str) -> core::result::Result<Vec<u8>, String>,
    app_name: &str,
) -> Result<Vec<ImportItem>> {
    let mut file = |what: &str, path: &str| {
        read(path).map_err(|reason| Error::Import {
            what: what.to_owned(),
            reason,
        })
    };
    let inspect = |what: &str, payload: &Payload| {
        payload.inspect().map_err(|e| Error::Import {
            what: what.to_owned(),
            reason: e.to_string(),
        })
    };
    let mut items = Vec::new();
    if let Some(android) = &bundle.android {
        let k = &android.keystore;
        let payload = Payload::AndroidKeystore {
            keystore: SecretText::from_bytes(&file(
                "android.keystore.keystorePath",
                &k.keystore_path,
            )?),
            keystore_password: SecretText::new(k.keystore_password.expose()),
            key_alias: k.key_alias.clone(),
            key_password: SecretText::new(k.effective_key_password().expose()),
        };
        let metadata = inspect("android.keystore", &payload)?;
        items.push(ImportItem {
            label: format!("{app_name} upload keystore ({})", k.key_alias),
            payload,
            metadata,
            file: k.keystore_path.clone(),
            platform: Platform::Android,
            target: String::new(),
        });
    }
    if let Some(ios) = &bundle.ios {
        for (target, creds) in ios.targets() {
            let scope = target.map_or("ios".to_owned(), |t| format!("ios.{t}"));
            let cert_field = format!("{scope}.distributionCertificate");
            let cert = Payload::IosDistributionCertificate {
                p12: SecretText::from_bytes(&file(
                    &format!("{cert_field}.path"),
                    &creds.distribution_certificate.path,
                )?),
                password: SecretText::new(creds.distribution_certificate.password.expose()),
            };
            let cert_meta = inspect(&cert_field, &cert)?;
            let profile_field = format!("{scope}.provisioningProfilePath");
            let profile = Payload::IosProvisioningProfile {
                profile: SecretText::from_bytes(&file(
                    &profile_field,
                    &creds.provisioning_profile_path,
                )?),
            };
            let profile_meta = inspect(&profile_field, &profile)?;
            let cert_label = cert_meta["common_name"]
                .as_str()
                .unwrap_or("Distribution certificate")
                .to_owned();
            let profile_label = profile_meta["name"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{app_name} provisioning profile"));
            let target = target.unwrap_or_default().to_owned();
            items.push(ImportItem {
                payload: cert,
                metadata: cert_meta,
                label: cert_label,
                file: creds.distribution_certificate.path.clone(),
                platform: Platform::Ios,
                target: target.clone(),
            });
            items.push(ImportItem {
                payload: profile,
                metadata: profile_meta,
                label: profile_label,
                file: creds.provisioning_profile_path.clone(),
                platform: Platform::Ios,
                target,
            });
        }
    }
    Ok(items)
}

/// A stored credential of the same kind with the same identity: certificate SHA-256 for
/// keystores and certificates, UUID for profiles.
pub fn same_as<'a>(
    existing: &'a [CredentialInfo],
    item: &ImportItem,
) -> Option<&'a CredentialInfo> {
    let field = match item.payload.kind() {
        CredentialKind::IosProvisioningProfile => "uuid",
        CredentialKind::AndroidKeystore | CredentialKind::IosDistributionCertificate => "sha256",
        _ => return None,
    };
    let wanted = item.metadata.get(field)?.as_str()?;
    existing.iter().find(|c| {
        c.kind == item.payload.kind()
            && serde_json::from_str::<Value>(&c.metadata)
                .ok()
                .and_then(|m| m.get(field).and_then(Value::as_str).map(|v| v == wanted))
                .unwrap_or(false)
    })
}

/// The files of an unpacked zip (or files picked one by one) as `credentials.json` names
/// them: found by their path relative to the folder holding `credentials.json`, or, for files
/// picked one by one, by their name alone.
#[derive(Debug, Default)]
pub struct BundleFiles {
    /// `(path, bytes)`, paths relative to `credentials.json`'s folder.
    files: Vec<(String, Vec<u8>)>,
}

impl BundleFiles {
    /// The entries of a zip: finds `credentials.json` (at the top, or in one folder, as when
    /// a project folder was zipped) and returns its bytes with the files around it.
    pub fn from_zip(entries: Vec<crate::zip::Entry>) -> Result<(Vec<u8>, Self)> {
        let found: Vec<&str> = entries
            .iter()
            .map(|e| e.name.as_str())
            .filter(|n| *n == "credentials.json" || n.ends_with("/credentials.json"))
            .collect();
        let base = match found.as_slice() {
            [] => {
                return Err(Error::Import {
                    what: "the zip".into(),
                    reason: "it holds no credentials.json; zip credentials.json together with \
                             the credentials/ folder it names"
                        .into(),
                });
            }
            [one] => one.trim_end_matches("credentials.json").to_owned(),
            several => {
                return Err(Error::Import {
                    what: "the zip".into(),
                    reason: format!(
                        "it holds several credentials.json ({}); zip one bundle at a time",
                        several.join(", ")
                    ),
                });
            }
        };
        let mut json = Vec::new();
        let mut files = Vec::new();
        for entry in entries {
            let Some(relative) = entry.name.strip_prefix(&base) else {
                continue;
            };
            if relative == "credentials.json" {
                json = entry.data;
            } else {
                files.push((relative.to_owned(), entry.data));
            }
        }
        Ok((json, Self { files }))
    }

    /// Files picked one by one: matched to `credentials.json`'s paths by file name.
    pub fn from_picked(files: Vec<(String, Vec<u8>)>) -> Result<Self> {
        for (i, (name, _)) in files.iter().enumerate() {
            if files[..i].iter().any(|(other, _)| other == name) {
                return Err(Error::Import {
                    what: name.clone(),
                    reason: "two picked files have this name; pick each file once, or upload \
                             the bundle as a zip"
                        .into(),
                });
            }
        }
        Ok(Self { files })
    }

    /// The file `credentials.json` names `path`: the exact path, else the only file whose name
    /// is `path`'s last component.
    pub fn read(&self, path: &str) -> core::result::Result<Vec<u8>, String> {
        let path = path.trim_start_matches("./");
        if let Some((_, data)) = self.files.iter().find(|(p, _)| p == path) {
            return Ok(data.clone());
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut by_name = self
            .files
            .iter()
            .filter(|(p, _)| p.rsplit('/').next().unwrap_or(p) == name);
        match (by_name.next(), by_name.next()) {
            (Some((_, data)), None) => Ok(data.clone()),
            (Some(_), Some(_)) => Err(format!(
                "several files are named {name}; upload the bundle as a zip so {path} is \
                 unambiguous"
            )),
            (None, _) => Err(format!(
                "{path} is missing: add it to the zip (or pick it with the other files)"
            )),
        }
    }

    /// The paths held, for showing what was found.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(p, _)| p.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::zip::{Entry, Limits, read as read_zip, write_stored};

    fn app(targets: &[(&str, &str)]) -> AppInfo {
        AppInfo {
            id: "app".into(),
            team_id: "team".into(),
            name: "Acme".into(),
            android_package: Some("com.acme.app".into()),
            ios_targets: targets
                .iter()
                .map(|(t, b)| crate::wire::app::IosTarget {
                    target: (*t).into(),
                    bundle_id: (*b).into(),
                })
                .collect(),
            created_at: 0,
        }
    }

    #[test]
    fn finds_credentials_json_in_a_zipped_folder() {
        let zip = write_stored(&[
            ("project/credentials.json", b"{}"),
            ("project/credentials/android/keystore.jks", b"ks"),
            ("other/file", b"x"),
        ]);
        let (json, files) =
            BundleFiles::from_zip(read_zip(&zip, &Limits::CREDENTIALS).unwrap()).unwrap();
        assert_eq!(json, b"{}");
        assert_eq!(
            files.read("credentials/android/keystore.jks").unwrap(),
            b"ks"
        );
        assert_eq!(
            files.read("./credentials/android/keystore.jks").unwrap(),
            b"ks"
        );
        let missing = files.read("credentials/ios/dist-cert.p12").unwrap_err();
        assert!(
            missing.contains("credentials/ios/dist-cert.p12 is missing"),
            "{missing}"
        );
    }

    #[test]
    fn a_zip_without_or_with_two_credentials_json_is_refused() {
        let none = vec![Entry {
            name: "a".into(),
            data: vec![],
        }];
        assert!(
            BundleFiles::from_zip(none)
                .unwrap_err()
                .to_string()
                .contains("no credentials.json")
        );
        let two = vec![
            Entry {
                name: "a/credentials.json".into(),
                data: vec![],
            },
            Entry {
                name: "credentials.json".into(),
                data: vec![],
            },
        ];
        assert!(
            BundleFiles::from_zip(two)
                .unwrap_err()
                .to_string()
                .contains("several")
        );
    }

    #[test]
    fn picked_files_match_by_name() {
        let files =
            BundleFiles::from_picked(vec![("keystore.jks".into(), b"ks".to_vec())]).unwrap();
        assert_eq!(
            files.read("credentials/android/keystore.jks").unwrap(),
            b"ks"
        );
        let twice =
            BundleFiles::from_picked(vec![("a.jks".into(), vec![]), ("a.jks".into(), vec![])]);
        assert!(twice.is_err());
    }

    #[test]
    fn per_target_names_must_be_app_targets() {
        let bundle = CredentialsJson::from_json(
            br#"{"ios":{"Widget":{"provisioningProfilePath":"p","distributionCertificate":{"path":"c","password":"x"}}}}"#,
        )
        .unwrap();
        let err = check_targets(&bundle, &app(&[("App", "com.acme.app")])).unwrap_err();
        assert!(
            err.to_string()
                .contains("ios.Widget: not an iOS target of app Acme"),
            "{err}"
        );
        assert!(check_targets(&bundle, &app(&[("Widget", "com.acme.w")])).is_ok());
        let empty = CredentialsJson::default();
        assert!(check_targets(&empty, &app(&[])).is_err());
    }

    #[test]
    fn a_missing_file_names_the_field() {
        let bundle = CredentialsJson::from_json(
            br#"{"android":{"keystore":{"keystorePath":"credentials/android/keystore.jks","keystorePassword":"p","keyAlias":"a"}}}"#,
        )
        .unwrap();
        let files = BundleFiles::default();
        let err = plan(&bundle, |p| files.read(p), "Acme").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "android.keystore.keystorePath: credentials/android/keystore.jks is missing"
            ),
            "{err}"
        );
    }

    /// Zips made by Python's zipfile (deflated and stored, `tests/fixtures/make-eas-zips.py`):
    /// the keystore opens with the zipped passwords; a wrong password names the field.
    #[test]
    fn plans_a_real_zip() {
        for zip in [
            &include_bytes!("../../tests/fixtures/eas/bundle-deflate.zip")[..],
            &include_bytes!("../../tests/fixtures/eas/bundle-stored.zip")[..],
        ] {
            let (json, files) =
                BundleFiles::from_zip(read_zip(zip, &Limits::CREDENTIALS).unwrap()).unwrap();
            let mut bundle = CredentialsJson::from_json(&json).unwrap();
            bundle.ios = None;
            let items = plan(&bundle, |p| files.read(p), "Acme").unwrap();
            assert_eq!(items.len(), 1);
            assert_eq!(items[0].label, "Acme upload keystore (uploadkey)");
            assert_eq!(items[0].file, "credentials/android/keystore.jks");
            assert!(items[0].metadata["sha256"].is_string());
            if let Some(android) = bundle.android.as_mut() {
                android.keystore.keystore_password = crate::android::Password::new("wrong");
            }
            let err = plan(&bundle, |p| files.read(p), "Acme").unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("android.keystore: wrong keystore password"),
                "{err}"
            );
        }
    }

    #[test]
    fn expected_ids_follow_the_app() {
        let single = CredentialsJson::from_json(
            br#"{"ios":{"provisioningProfilePath":"p","distributionCertificate":{"path":"c","password":"x"}}}"#,
        )
        .unwrap();
        let ids = expected_bundle_ids(&app(&[("App", "com.acme.app")]), single.ios.as_ref());
        assert_eq!(ids.any_target.as_deref(), Some("com.acme.app"));
    }
}
