//! The Android upload keystore: the file, its passwords, the alias and the upload
//! certificate's expiry.

use super::{CheckKind, Checks};
use crate::{
    Error, android::Keystore, cert::CertificateInfo, eas::credentials_json::AndroidKeystore,
};

const ANDROID_AFTER_FILE: &[CheckKind] = &[
    CheckKind::KeystorePassword,
    CheckKind::KeyAlias,
    CheckKind::KeyPassword,
    CheckKind::KeystoreExpiry,
];

/// Checks the keystore of `credentials.json`'s `android` object.
pub(super) fn keystore(
    keystore: &AndroidKeystore,
    read: &mut impl FnMut(&str) -> core::result::Result<Vec<u8>, String>,
    now: i64,
    c: &mut Checks<'_>,
) {
    let Some(bytes) = c.file(
        CheckKind::KeystoreFile,
        "keystorePath",
        &keystore.keystore_path,
        read,
    ) else {
        c.skip(ANDROID_AFTER_FILE, "the keystore file could not be read");
        return;
    };
    let store = match Keystore::open(
        &bytes,
        keystore.keystore_password.expose(),
        Some(keystore.effective_key_password().expose()),
    ) {
        Ok(store) => store,
        Err(error) => {
            let fix = match error {
                Error::WrongKeystorePassword => format!(
                    "set {} to the password the keystore was created with",
                    c.field("keystorePassword")
                ),
                _ => format!(
                    "point {} at the upload keystore (.jks, .keystore or .p12)",
                    c.field("keystorePath")
                ),
            };
            c.fail(CheckKind::KeystorePassword, error.to_string(), fix);
            c.skip(&ANDROID_AFTER_FILE[1..], "the keystore did not open");
            return;
        }
    };
    let entries = store.entries().len();
    c.ok(
        CheckKind::KeystorePassword,
        format!(
            "opens with keystorePassword ({} keystore, {entries} {})",
            store.format().name(),
            if entries == 1 { "entry" } else { "entries" }
        ),
    );

    let alias = &keystore.key_alias;
    let key_password_field = if keystore.key_password.is_some() {
        "keyPassword"
    } else {
        "keyPassword (absent, so keystorePassword was tried)"
    };
    match store.key_entry(alias) {
        Ok(entry) => {
            c.ok(
                CheckKind::KeyAlias,
                format!("\"{}\" is a private key entry", entry.alias),
            );
            c.ok(
                CheckKind::KeyPassword,
                format!("the key opens with {key_password_field}"),
            );
        }
        Err(error @ (Error::UnknownAlias { .. } | Error::NotAKeyEntry { .. })) => {
            let keys: Vec<String> = store
                .entries()
                .into_iter()
                .filter(|e| e.kind == crate::android::EntryKind::PrivateKey)
                .map(|e| e.alias)
                .collect();
            let fix = match keys.as_slice() {
                [] => "this keystore holds no private key: point keystorePath at the upload \
                       keystore"
                    .to_owned(),
                [only] => format!("set {} to \"{only}\"", c.field("keyAlias")),
                several => format!(
                    "set {} to one of the key entries: {}",
                    c.field("keyAlias"),
                    several.join(", ")
                ),
            };
            c.fail(CheckKind::KeyAlias, error.to_string(), fix);
            c.skip(
                &[CheckKind::KeyPassword, CheckKind::KeystoreExpiry],
                "keyAlias names no key",
            );
            return;
        }
        Err(error) => {
            c.ok(
                CheckKind::KeyAlias,
                format!("\"{alias}\" is a private key entry"),
            );
            let fix = if keystore.key_password.is_some() {
                format!(
                    "set {} to the key's password (it may differ from keystorePassword)",
                    c.field("keyPassword")
                )
            } else {
                format!(
                    "the key's password differs from keystorePassword: add {}",
                    c.field("keyPassword")
                )
            };
            c.fail(CheckKind::KeyPassword, error.to_string(), fix);
        }
    }

    let leaf = store
        .certificate_chain(alias)
        .ok()
        .and_then(|chain| chain.into_iter().next());
    match leaf.as_deref().map(CertificateInfo::from_der) {
        Some(Ok(info)) => c.expiry(
            CheckKind::KeystoreExpiry,
            &format!("the upload certificate ({})", info.subject),
            info.not_after.unix,
            now,
            "generate a new upload keystore and ask for an upload key reset in Google Play \
             Console (Test and release → App integrity)",
        ),
        Some(Err(error)) => c.fail(
            CheckKind::KeystoreExpiry,
            format!("the key's certificate cannot be read: {error}"),
            format!(
                "point {} at an intact copy of the keystore",
                c.field("keystorePath")
            ),
        ),
        None => c.fail(
            CheckKind::KeystoreExpiry,
            format!("the entry \"{alias}\" has no certificate"),
            format!(
                "point {} at an intact copy of the keystore",
                c.field("keystorePath")
            ),
        ),
    }
}
