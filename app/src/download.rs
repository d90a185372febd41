//! "Download for local builds": a zip with EAS's `credentials.json` and the files it names
//! (Android keystore, iOS `.p12` and profile per target),
//! built here from decrypted payloads and handed to the browser as a download (a `blob:` URL;
//! nothing is sent anywhere).

use std::collections::BTreeMap;

use signet_core::{
    android::Password,
    credential::Payload,
    eas::credentials_json::{
        AndroidCredentials, AndroidKeystore, CredentialsJson, DistributionCertificate,
        IosCredentials, IosTargetCredentials,
    },
};
use wasm_bindgen::{JsCast, JsValue};

/// Where the keystore goes inside the zip (and what `credentials.json` points at).
pub const KEYSTORE_PATH: &str = "credentials/android/keystore.jks";

/// One iOS target's signing pair, decrypted.
#[derive(Debug)]
pub struct IosPair {
    /// The Xcode target; empty for a single-target app (EAS's flat `ios` object).
    pub target: String,
    /// An [`Payload::IosDistributionCertificate`].
    pub certificate: Payload,
    /// An [`Payload::IosProvisioningProfile`].
    pub profile: Payload,
}

/// The zip for local builds: `credentials.json` in EAS's format and the files it names, the
/// same layout `signet pull` writes. `android` is the default upload keystore; `ios` holds one
/// pair per target (several targets → target-prefixed files and a per-target `ios` object).
pub fn bundle(android: Option<&Payload>, ios: &[IosPair]) -> Result<Vec<u8>, String> {
    let mut json = CredentialsJson::default();
    // Zeroized on drop: the decrypted files hold secrets.
    let mut files = Vec::new();
    if let Some(payload) = android {
        let Payload::AndroidKeystore {
            keystore_password,
            key_alias,
            key_password,
            ..
        } = payload
        else {
            return Err("this credential is not an Android keystore".into());
        };
        json.android = Some(AndroidCredentials {
            keystore: AndroidKeystore {
                keystore_path: KEYSTORE_PATH.into(),
                keystore_password: Password::new(keystore_password.expose()),
                key_alias: key_alias.clone(),
                key_password: Some(Password::new(key_password.expose())),
            },
        });
        let file = payload.file_bytes().map_err(|e| e.to_string())?;
        files.push((KEYSTORE_PATH.to_owned(), file));
    }
    let several = ios.len() > 1 || ios.iter().any(|p| !p.target.is_empty());
    let mut targets = BTreeMap::new();
    for pair in ios {
        let Payload::IosDistributionCertificate { password, .. } = &pair.certificate else {
            return Err("this credential is not a distribution certificate".into());
        };
        if !signet_core::wire::app::is_slot_name(&pair.target, true) {
            return Err(format!(
                "the server sent an iOS target named {:?}, which is not a target name; nothing \
                 was downloaded (the server's data may have been tampered with)",
                pair.target.chars().take(80).collect::<String>()
            ));
        }
        let prefix = if several && !pair.target.is_empty() {
            format!("{}-", pair.target)
        } else {
            String::new()
        };
        let p12_path = format!("credentials/ios/{prefix}dist-cert.p12");
        let profile_path = format!("credentials/ios/{prefix}profile.mobileprovision");
        let p12 = pair.certificate.file_bytes().map_err(|e| e.to_string())?;
        let profile = pair.profile.file_bytes().map_err(|e| e.to_string())?;
        files.push((p12_path.clone(), p12));
        files.push((profile_path.clone(), profile));
        targets.insert(
            pair.target.clone(),
            IosTargetCredentials {
                provisioning_profile_path: profile_path,
                distribution_certificate: DistributionCertificate {
                    path: p12_path,
                    password: Password::new(password.expose()),
                },
            },
        );
    }
    if several {
        targets.retain(|t, _| !t.is_empty());
        json.ios = Some(IosCredentials::PerTarget(targets));
    } else if let Some(single) = targets.into_values().next() {
        json.ios = Some(IosCredentials::Single(single));
    }
    if json.android.is_none() && json.ios.is_none() {
        return Err("nothing to download yet: this app has no complete credentials".into());
    }
    let text = json.to_json_pretty().map_err(|e| e.to_string())?;
    let mut entries: Vec<(&str, &[u8])> = vec![("credentials.json", text.as_bytes())];
    entries.extend(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    Ok(signet_core::zip::write_stored(&entries))
}

/// Offers the zip `bytes` as a download named `name`.
pub fn save(name: &str, bytes: &[u8]) -> Result<(), String> {
    save_as(name, bytes, "application/zip")
}

/// Offers `bytes` of MIME type `mime` as a download named `name`.
pub fn save_as(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let fail = |_: JsValue| "the browser refused the download".to_owned();
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = leptos::prelude::document();
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
