//! Checking an EAS credentials bundle before a build: `credentials.json` and the files it
//! names.
//!
//! [`diagnose`] runs, for the Android keystore and for each iOS target, the checks a person
//! would otherwise discover one failed build at a time: the files are there, the passwords
//! open them, the alias exists, the profile lists the `.p12`'s certificate and covers the
//! bundle id, and nothing has expired or expires within [`EXPIRY_WARNING_DAYS`]. The files
//! are read through a closure, so the same checks run on disk (the `signet doctor` CLI) and on
//! files dropped into the browser. Every [`Check`] carries what was found and, when
//! something is wrong, what to do; no check ever prints a password.

use std::collections::BTreeMap;

use serde::Serialize;

use super::credentials_json::{
    AndroidKeystore, CredentialsJson, IosCredentials, IosTargetCredentials,
};
use crate::{
    Error, Result,
    android::{Keystore, KeystoreFormat},
    cert::CertificateInfo,
    ios::{
        certificate::{AppleCertificate, format_utc},
        profile::ProvisioningProfile,
    },
};

/// A credential expiring within this many days is a warning (still exit code 0).
pub const EXPIRY_WARNING_DAYS: i64 = 30;

const DAY: i64 = 86_400;

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing wrong.
    Ok,
    /// Works today, needs attention soon (expires within [`EXPIRY_WARNING_DAYS`]).
    Warning,
    /// The build would fail (or sign with the wrong thing).
    Failed,
    /// Not checked: what it needs failed first, or no bundle id was given.
    Skipped,
}

/// What a check looks at. Serialized as a stable snake_case name for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// `credentials.json` holds Android or iOS credentials at all.
    Contents,
    /// The keystore file can be read.
    KeystoreFile,
    /// The keystore opens with `keystorePassword`.
    KeystorePassword,
    /// `keyAlias` names a private-key entry.
    KeyAlias,
    /// The key opens with `keyPassword` (or `keystorePassword` without one).
    KeyPassword,
    /// The upload certificate's validity.
    KeystoreExpiry,
    /// The `.mobileprovision` file can be read.
    ProfileFile,
    /// It is a provisioning profile.
    Profile,
    /// The `.p12` file can be read.
    CertificateFile,
    /// The `.p12` opens with its password and holds a certificate with its key.
    CertificatePassword,
    /// The distribution certificate's validity.
    CertificateExpiry,
    /// The profile lists the `.p12`'s certificate (same SHA-1).
    ProfileCertificate,
    /// The profile's application identifier covers the app's bundle id.
    BundleId,
    /// The profile's validity.
    ProfileExpiry,
}

impl CheckKind {
    /// A short label for people, e.g. `keystore password`.
    pub fn label(self) -> &'static str {
        match self {
            CheckKind::Contents => "contents",
            CheckKind::KeystoreFile => "keystore file",
            CheckKind::KeystorePassword => "keystore password",
            CheckKind::KeyAlias => "key alias",
            CheckKind::KeyPassword => "key password",
            CheckKind::KeystoreExpiry => "upload certificate",
            CheckKind::ProfileFile => "profile file",
            CheckKind::Profile => "profile",
            CheckKind::CertificateFile => "certificate file",
            CheckKind::CertificatePassword => "certificate password",
            CheckKind::CertificateExpiry => "certificate expiry",
            CheckKind::ProfileCertificate => "profile ↔ certificate",
            CheckKind::BundleId => "bundle id",
            CheckKind::ProfileExpiry => "profile expiry",
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Which credentials: `credentials.json`, `android`, `ios`, or `ios.TARGET` for the
    /// per-target form (also the prefix of the fields named in [`Check::fix`]).
    pub scope: String,
    /// What was checked.
    pub check: CheckKind,
    /// How it ended.
    pub status: Status,
    /// What was found, in a sentence.
    pub message: String,
    /// What to do, for warnings and failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Every check, in the order a person fixes them: Android, then each iOS target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The moment expiry was judged against, unix seconds.
    pub checked_at: i64,
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether nothing failed (warnings and skipped checks allowed): the build can go ahead.
    pub fn passed(&self) -> bool {
        self.count(Status::Failed) == 0
    }

    /// How many checks ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
}

/// The bundle id each iOS target's profile must cover.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpectedBundleIds {
    /// For the single-target form, or for the only target of a per-target map.
    pub any_target: Option<String>,
    /// By Xcode target name, for the per-target form.
    pub by_target: BTreeMap<String, String>,
}

impl ExpectedBundleIds {
    /// Reads `BUNDLE_ID` or `TARGET=BUNDLE_ID` items (bundle ids never contain `=`).
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self> {
        let mut ids = Self::default();
        for item in items {
            let invalid =
                |why: &str| Error::BundleIdTargets(format!("bundle id \"{item}\": {why}"));
            match item.split_once('=') {
                Some((target, id)) => {
                    let (target, id) = (target.trim(), id.trim());
                    if target.is_empty() || id.is_empty() {
                        return Err(invalid("write it as TARGET=BUNDLE_ID"));
                    }
                    if ids
                        .by_target
                        .insert(target.to_owned(), id.to_owned())
                        .is_some()
                    {
                        return Err(invalid("this target already has a bundle id"));
                    }
                }
                None if item.trim().is_empty() => return Err(invalid("it is empty")),
                None if ids.any_target.is_some() => {
                    return Err(invalid(
                        "only one bundle id may go without a target name; give the others as \
                         TARGET=BUNDLE_ID",
                    ));
                }
                None => ids.any_target = Some(item.trim().to_owned()),
            }
        }
        if ids.any_target.is_some() && !ids.by_target.is_empty() {
            return Err(Error::BundleIdTargets(
                "give every bundle id as TARGET=BUNDLE_ID, or a single one without a target \
                 name, not both"
                    .into(),
            ));
        }
        Ok(ids)
    }

    fn is_empty(&self) -> bool {
        self.any_target.is_none() && self.by_target.is_empty()
    }

    /// The bundle id for each target (`None` = the single-target form), refusing ids for
    /// targets `credentials.json` does not have and one id for several targets.
    fn resolve(&self, ios: Option<&IosCredentials>) -> Result<BTreeMap<Option<String>, String>> {
        let mut out = BTreeMap::new();
        if self.is_empty() {
            return Ok(out);
        }
        let Some(ios) = ios else {
            return Err(Error::BundleIdTargets(
                "a bundle id was given, but credentials.json has no ios credentials to check it \
                 against"
                    .into(),
            ));
        };
        match ios {
            IosCredentials::Single(_) => {
                if let Some(target) = self.by_target.keys().next() {
                    return Err(Error::BundleIdTargets(format!(
                        "credentials.json's ios is a single target without names, so there is no \
                         target \"{target}\": give the bundle id alone"
                    )));
                }
                out.insert(None, self.any_target.clone().unwrap_or_default());
            }
            IosCredentials::PerTarget(targets) => {
                let names = targets.keys().cloned().collect::<Vec<_>>().join(", ");
                if let Some(id) = &self.any_target {
                    let mut names_iter = targets.keys();
                    let (Some(only), None) = (names_iter.next(), names_iter.next()) else {
                        return Err(Error::BundleIdTargets(format!(
                            "credentials.json has {} iOS targets ({names}): give each bundle id \
                             as TARGET=BUNDLE_ID",
                            targets.len()
                        )));
                    };
                    out.insert(Some(only.clone()), id.clone());
                }
                for (target, id) in &self.by_target {
                    if !targets.contains_key(target) {
                        return Err(Error::BundleIdTargets(format!(
                            "credentials.json has no iOS target \"{target}\" (its targets: \
                             {names})"
                        )));
                    }
                    out.insert(Some(target.clone()), id.clone());
                }
            }
        }
        Ok(out)
    }
}

/// Checks `credentials` and the files it names, at `now` (unix seconds).
///
/// `read` returns a file's bytes for a path exactly as written in `credentials.json`, or why
/// it cannot (`"no such file: /abs/path"`); resolving relative paths is its business. Fails
/// only when `bundle_ids` do not fit the iOS targets; everything wrong with the bundle
/// itself is a [`Status::Failed`] check in the report.
pub fn diagnose(
    credentials: &CredentialsJson,
    mut read: impl FnMut(&str) -> core::result::Result<Vec<u8>, String>,
    bundle_ids: &ExpectedBundleIds,
    now: i64,
) -> Result<Report> {
    let bundle_ids = bundle_ids.resolve(credentials.ios.as_ref())?;
    let mut checks = Vec::new();
    if credentials.android.is_none() && credentials.ios.is_none() {
        Checks::new("credentials.json", &mut checks).fail(
            CheckKind::Contents,
            "it holds neither android nor ios credentials".into(),
            "add an android.keystore object and/or an ios object, as EAS documents them".into(),
        );
    }
    if let Some(android) = &credentials.android {
        android_keystore(
            &android.keystore,
            &mut read,
            now,
            &mut Checks::new("android", &mut checks),
        );
    }
    if let Some(ios) = &credentials.ios {
        for (name, target) in ios.targets() {
            let scope = match name {
                Some(name) => format!("ios.{name}"),
                None => "ios".to_owned(),
            };
            let bundle_id = bundle_ids.get(&name.map(str::to_owned)).map(String::as_str);
            ios_target(
                target,
                &mut read,
                bundle_id,
                now,
                &mut Checks::new(&scope, &mut checks),
            );
        }
    }
    Ok(Report {
        checked_at: now,
        checks,
    })
}

/// Appends checks for one scope.
struct Checks<'a> {
    scope: String,
    out: &'a mut Vec<Check>,
}

impl<'a> Checks<'a> {
    fn new(scope: &str, out: &'a mut Vec<Check>) -> Self {
        Self {
            scope: scope.to_owned(),
            out,
        }
    }

    /// `scope.field`, the path of a field in `credentials.json`.
    fn field(&self, name: &str) -> String {
        if self.scope == "android" {
            format!("android.keystore.{name}")
        } else {
            format!("{}.{name}", self.scope)
        }
    }

    fn push(&mut self, check: CheckKind, status: Status, message: String, fix: Option<String>) {
        self.out.push(Check {
            scope: self.scope.clone(),
            check,
            status,
            message,
            fix,
        });
    }

    fn ok(&mut self, check: CheckKind, message: String) {
        self.push(check, Status::Ok, message, None);
    }

    fn fail(&mut self, check: CheckKind, message: String, fix: String) {
        self.push(check, Status::Failed, message, Some(fix));
    }

    fn skip(&mut self, checks: &[CheckKind], why: &str) {
        for &check in checks {
            self.push(check, Status::Skipped, format!("not checked: {why}"), None);
        }
    }

    /// Reads a file named by `field`; on failure records it and returns `None`.
    fn file(
        &mut self,
        check: CheckKind,
        field: &str,
        path: &str,
        read: &mut impl FnMut(&str) -> core::result::Result<Vec<u8>, String>,
    ) -> Option<Vec<u8>> {
        match read(path) {
            Ok(bytes) => {
                self.ok(check, format!("{path} ({} bytes)", bytes.len()));
                Some(bytes)
            }
            Err(reason) => {
                let fix = format!(
                    "correct {} in credentials.json (a relative path starts at the directory \
                     holding credentials.json), or put the file there",
                    self.field(field)
                );
                self.fail(check, format!("cannot read {path}: {reason}"), fix);
                None
            }
        }
    }

    /// Expired is a failure; expiring within [`EXPIRY_WARNING_DAYS`] a warning.
    fn expiry(&mut self, check: CheckKind, what: &str, not_after: i64, now: i64, renew: &str) {
        let date = format_utc(not_after);
        let days = (not_after - now).div_euclid(DAY);
        if now >= not_after {
            self.fail(
                check,
                format!("{what} expired on {date}"),
                format!("it can no longer sign: {renew}"),
            );
        } else if not_after - now < EXPIRY_WARNING_DAYS * DAY {
            let when = match days {
                0 => "in less than a day".to_owned(),
                1 => "in 1 day".to_owned(),
                n => format!("in {n} days"),
            };
            self.push(
                check,
                Status::Warning,
                format!("{what} expires {when}, on {date}"),
                Some(format!("before it expires: {renew}")),
            );
        } else {
            self.ok(
                check,
                format!("{what} is valid until {date} ({days} days left)"),
            );
        }
    }
}

const ANDROID_AFTER_FILE: &[CheckKind] = &[
    CheckKind::KeystorePassword,
    CheckKind::KeyAlias,
    CheckKind::KeyPassword,
    CheckKind::KeystoreExpiry,
];

fn android_keystore(
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

fn ios_target(
    target: &IosTargetCredentials,
    read: &mut impl FnMut(&str) -> core::result::Result<Vec<u8>, String>,
    bundle_id: Option<&str>,
    now: i64,
    c: &mut Checks<'_>,
) {
    let profile = match c.file(
        CheckKind::ProfileFile,
        "provisioningProfilePath",
        &target.provisioning_profile_path,
        read,
    ) {
        None => {
            c.skip(&[CheckKind::Profile], "the profile file could not be read");
            None
        }
        Some(bytes) => match ProvisioningProfile::from_mobileprovision(&bytes) {
            Ok(profile) => {
                let team = match &profile.team_name {
                    Some(name) => format!("{} ({name})", profile.team_id),
                    None => profile.team_id.clone(),
                };
                c.ok(
                    CheckKind::Profile,
                    format!(
                        "{} profile \"{}\" for {}, team {team}",
                        profile.profile_type, profile.name, profile.application_identifier
                    ),
                );
                Some(profile)
            }
            Err(error) => {
                let fix = format!(
                    "point {} at the .mobileprovision file from the Apple developer portal",
                    c.field("provisioningProfilePath")
                );
                c.fail(CheckKind::Profile, error.to_string(), fix);
                None
            }
        },
    };

    let certificate = match c.file(
        CheckKind::CertificateFile,
        "distributionCertificate.path",
        &target.distribution_certificate.path,
        read,
    ) {
        None => {
            c.skip(
                &[CheckKind::CertificatePassword],
                "the .p12 file could not be read",
            );
            None
        }
        Some(bytes) => distribution_certificate(&bytes, target, c),
    };
    match &certificate {
        Some(cert) => c.expiry(
            CheckKind::CertificateExpiry,
            &format!(
                "the certificate \"{}\"",
                cert.common_name().unwrap_or(cert.subject())
            ),
            cert.not_after(),
            now,
            "create a new distribution certificate (a new CSR), export it with its key as a \
             .p12, and regenerate the provisioning profiles with it",
        ),
        None => c.skip(
            &[CheckKind::CertificateExpiry],
            "the distribution certificate could not be opened",
        ),
    }

    match (&profile, &certificate) {
        (Some(profile), Some(cert)) => match profile.check_certificate(cert.der()) {
            Ok(()) => c.ok(
                CheckKind::ProfileCertificate,
                format!(
                    "the profile lists the .p12's certificate (SHA-1 {})",
                    cert.sha1_fingerprint()
                ),
            ),
            Err(error) => {
                let fix = format!(
                    "alternatively, point {} at the .p12 of a certificate the profile lists",
                    c.field("distributionCertificate.path")
                );
                c.fail(CheckKind::ProfileCertificate, error.to_string(), fix);
            }
        },
        _ => c.skip(
            &[CheckKind::ProfileCertificate],
            "needs both the profile and the certificate",
        ),
    }

    match (&profile, bundle_id) {
        (Some(profile), Some(bundle_id)) => match profile.check_bundle_id(bundle_id) {
            Ok(()) => c.ok(
                CheckKind::BundleId,
                format!(
                    "the profile's {} covers {bundle_id}",
                    profile.application_identifier
                ),
            ),
            Err(error) => {
                let fix = format!(
                    "alternatively, point {} at the profile made for {bundle_id}",
                    c.field("provisioningProfilePath")
                );
                c.fail(CheckKind::BundleId, error.to_string(), fix);
            }
        },
        (Some(profile), None) => c.skip(
            &[CheckKind::BundleId],
            &format!(
                "no bundle id given to compare with the profile's {}",
                profile.bundle_id
            ),
        ),
        (None, _) => c.skip(&[CheckKind::BundleId], "the profile could not be read"),
    }

    match &profile {
        Some(profile) => c.expiry(
            CheckKind::ProfileExpiry,
            &format!("the profile \"{}\"", profile.name),
            profile.expiration_date,
            now,
            "regenerate it in the Apple developer portal and download the new one",
        ),
        None => c.skip(&[CheckKind::ProfileExpiry], "the profile could not be read"),
    }
}

/// Opens the `.p12`, records the password check, and returns its certificate.
fn distribution_certificate(
    bytes: &[u8],
    target: &IosTargetCredentials,
    c: &mut Checks<'_>,
) -> Option<AppleCertificate> {
    let path_field = c.field("distributionCertificate.path");
    let opened = Keystore::open(
        bytes,
        target.distribution_certificate.password.expose(),
        None,
    )
    .and_then(|store| {
        if store.format() != KeystoreFormat::Pkcs12 {
            return Err(Error::InvalidInput(format!(
                "this is a {} keystore, not a .p12",
                store.format().name()
            )));
        }
        let alias = store.default_key_alias()?;
        store.key_entry(&alias)
    });
    let entry = match opened {
        Ok(entry) => entry,
        Err(Error::WrongKeystorePassword | Error::WrongKeyPassword { .. }) => {
            let fix = format!(
                "set {} to the password the .p12 was exported with",
                c.field("distributionCertificate.password")
            );
            c.fail(
                CheckKind::CertificatePassword,
                "wrong .p12 password: the file's integrity check failed".into(),
                fix,
            );
            return None;
        }
        Err(error) => {
            let message = match error {
                Error::UnknownAlias { .. } => {
                    "the .p12 holds no private key (a certificate alone cannot sign)".to_owned()
                }
                other => other.to_string(),
            };
            c.fail(
                CheckKind::CertificatePassword,
                message,
                format!(
                    "export the distribution certificate with its private key from Keychain \
                     Access (or `signet p12`) and point {path_field} at that .p12"
                ),
            );
            return None;
        }
    };
    let certificate = entry
        .chain
        .first()
        .ok_or_else(|| Error::MalformedCertificate("the .p12 holds no certificate".into()))
        .and_then(|der| AppleCertificate::from_cer(der));
    let certificate = match certificate {
        Ok(certificate) => certificate,
        Err(error) => {
            c.fail(
                CheckKind::CertificatePassword,
                error.to_string(),
                format!("point {path_field} at the .p12 of your distribution certificate"),
            );
            return None;
        }
    };
    // A key from another export next to the certificate would sign nothing Apple accepts.
    if let Ok(key) = entry.key.to_rsa()
        && !certificate.matches_key(&key)
    {
        c.fail(
            CheckKind::CertificatePassword,
            "the .p12's private key does not belong to its certificate".into(),
            format!(
                "export the certificate together with its own private key and point \
                 {path_field} at that .p12"
            ),
        );
        return None;
    }
    c.ok(
        CheckKind::CertificatePassword,
        format!(
            "opens with its password: \"{}\", serial {}, team {}",
            certificate.common_name().unwrap_or(certificate.subject()),
            certificate.serial_hex(),
            certificate.team_id().unwrap_or("unknown")
        ),
    );
    Some(certificate)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::{
        android::{Password, pkcs12::Pkcs12Variant},
        ios::certificate::SigningIdentity,
    };

    const JKS: &[u8] = include_bytes!("../../tests/fixtures/android/keytool.jks");
    const PROFILE: &[u8] = include_bytes!("../../tests/fixtures/apple/appstore.mobileprovision");
    const ADHOC: &[u8] = include_bytes!("../../tests/fixtures/apple/adhoc.mobileprovision");
    const CER: &[u8] = include_bytes!("../../tests/fixtures/apple/distribution.cer");
    const KEY: &str = include_str!("../../tests/fixtures/apple/distribution-key.pem");
    /// A .p12 (password "secret") whose certificate no profile lists.
    const OTHER_P12: &[u8] = include_bytes!("../../tests/fixtures/android/openssl-legacy.p12");
    const SINGLE: &[u8] = include_bytes!("../../tests/fixtures/eas/credentials.json");
    const MULTI: &[u8] = include_bytes!("../../tests/fixtures/eas/credentials-multitarget.json");

    /// 2026-12-01: every fixture is valid, none expires within 30 days.
    const DEC_2026: i64 = 1_796_083_200;
    /// 2027-01-01: the profiles expire on 2027-01-15, in 14 days.
    const JAN_2027: i64 = 1_798_761_600;
    /// 2027-02-01: the profiles have expired; the certificate has not.
    const FEB_2027: i64 = 1_801_440_000;

    fn dist_p12() -> Vec<u8> {
        SigningIdentity::import(KEY, CER)
            .and_then(|id| id.to_p12(&Password::new("p12-pass"), Pkcs12Variant::Legacy))
            .expect("p12")
    }

    /// The files of `credentials.json` (single form), with `replace` swapped in.
    fn files(replace: &[(&str, &[u8])]) -> HashMap<String, Vec<u8>> {
        let mut files: HashMap<String, Vec<u8>> = [
            ("android/keystores/release.jks", JKS.to_vec()),
            ("ios/certs/profile.mobileprovision", PROFILE.to_vec()),
            ("ios/certs/app.mobileprovision", PROFILE.to_vec()),
            ("ios/certs/widget.mobileprovision", ADHOC.to_vec()),
            ("ios/certs/dist.p12", dist_p12()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (path, bytes) in replace {
            files.insert((*path).to_owned(), bytes.to_vec());
        }
        files
    }

    fn run(json: &[u8], files: &HashMap<String, Vec<u8>>, bundle_ids: &[&str], now: i64) -> Report {
        let credentials = CredentialsJson::from_json(json).expect("credentials.json");
        let ids = ExpectedBundleIds::parse(bundle_ids.iter().copied()).expect("bundle ids");
        diagnose(
            &credentials,
            |path| {
                files
                    .get(path)
                    .cloned()
                    .ok_or_else(|| format!("no such file: {path}"))
            },
            &ids,
            now,
        )
        .expect("report")
    }

    fn check<'r>(report: &'r Report, scope: &str, kind: CheckKind) -> &'r Check {
        report
            .checks
            .iter()
            .find(|c| c.scope == scope && c.check == kind)
            .unwrap_or_else(|| panic!("no {kind:?} check for {scope}: {report:#?}"))
    }

    fn statuses(report: &Report) -> Vec<(CheckKind, Status)> {
        report.checks.iter().map(|c| (c.check, c.status)).collect()
    }

    fn with_android(field: &str, value: serde_json::Value) -> Vec<u8> {
        let mut json: serde_json::Value = serde_json::from_slice(SINGLE).expect("json");
        json["android"]["keystore"][field] = value;
        serde_json::to_vec(&json).expect("json")
    }

    #[test]
    fn a_good_bundle_passes_every_check() {
        let report = run(SINGLE, &files(&[]), &["com.acme.app"], DEC_2026);
        use CheckKind::*;
        assert_eq!(
            report.checks.iter().map(|c| c.check).collect::<Vec<_>>(),
            [
                KeystoreFile,
                KeystorePassword,
                KeyAlias,
                KeyPassword,
                KeystoreExpiry,
                ProfileFile,
                Profile,
                CertificateFile,
                CertificatePassword,
                CertificateExpiry,
                ProfileCertificate,
                BundleId,
                ProfileExpiry,
            ]
        );
        assert!(
            report
                .checks
                .iter()
                .all(|c| c.status == Status::Ok && c.fix.is_none()),
            "{report:#?}"
        );
        assert!(report.passed());
        let cert = check(&report, "ios", CertificatePassword);
        assert!(
            cert.message
                .contains("\"Apple Distribution: Acme Inc (A1B2C3D4E5)\", serial 5A3F7C19E2B4D6A8"),
            "{}",
            cert.message
        );
        assert!(
            check(&report, "android", KeystoreExpiry)
                .message
                .contains("valid until 2054-04-14")
        );
    }

    #[test]
    fn without_a_bundle_id_the_bundle_check_is_skipped_not_failed() {
        let report = run(SINGLE, &files(&[]), &[], DEC_2026);
        let bundle = check(&report, "ios", CheckKind::BundleId);
        assert_eq!(bundle.status, Status::Skipped);
        assert!(
            bundle.message.contains("com.acme.app"),
            "{}",
            bundle.message
        );
        assert!(report.passed());
    }

    #[test]
    fn wrong_keystore_password_fails_and_skips_what_depends_on_it() {
        let json = with_android("keystorePassword", "nope".into());
        let report = run(&json, &files(&[]), &[], DEC_2026);
        let failed = check(&report, "android", CheckKind::KeystorePassword);
        assert_eq!(failed.status, Status::Failed);
        assert!(
            failed.message.contains("wrong keystore password"),
            "{}",
            failed.message
        );
        assert!(
            failed
                .fix
                .as_deref()
                .is_some_and(|f| f.contains("android.keystore.keystorePassword")),
            "{failed:?}"
        );
        for kind in [
            CheckKind::KeyAlias,
            CheckKind::KeyPassword,
            CheckKind::KeystoreExpiry,
        ] {
            assert_eq!(check(&report, "android", kind).status, Status::Skipped);
        }
        assert!(!report.passed());
        // iOS is still checked in full.
        assert_eq!(
            check(&report, "ios", CheckKind::ProfileExpiry).status,
            Status::Ok
        );
    }

    #[test]
    fn wrong_alias_lists_the_key_entries() {
        for alias in ["nope", "partner"] {
            let json = with_android("keyAlias", alias.into());
            let report = run(&json, &files(&[]), &[], DEC_2026);
            let failed = check(&report, "android", CheckKind::KeyAlias);
            assert_eq!(failed.status, Status::Failed, "{alias}");
            assert_eq!(
                failed.fix.as_deref(),
                Some("set android.keystore.keyAlias to \"uploadkey\""),
                "{alias}: only the key entry, not the trusted certificate, is suggested"
            );
        }
        // keytool lowercases JKS aliases; Gradle matches them case-insensitively too.
        let json = with_android("keyAlias", "UploadKey".into());
        assert!(run(&json, &files(&[]), &[], DEC_2026).passed());
    }

    #[test]
    fn wrong_or_missing_key_password() {
        let json = with_android("keyPassword", "nope".into());
        let report = run(&json, &files(&[]), &[], DEC_2026);
        let failed = check(&report, "android", CheckKind::KeyPassword);
        assert_eq!(failed.status, Status::Failed);
        assert!(
            failed.message.contains("wrong key password"),
            "{}",
            failed.message
        );
        assert_eq!(
            check(&report, "android", CheckKind::KeyAlias).status,
            Status::Ok
        );
        // The certificate needs no key password: expiry is still checked.
        assert_eq!(
            check(&report, "android", CheckKind::KeystoreExpiry).status,
            Status::Ok
        );

        // keyPassword absent: EAS uses keystorePassword, which is not this key's password.
        let report = run(MULTI, &files(&[]), &[], DEC_2026);
        let failed = check(&report, "android", CheckKind::KeyPassword);
        assert_eq!(failed.status, Status::Failed);
        assert!(
            failed
                .fix
                .as_deref()
                .is_some_and(|f| f.contains("add android.keystore.keyPassword")),
            "{failed:?}"
        );
    }

    #[test]
    fn missing_and_wrong_files() {
        let mut files = files(&[]);
        files.remove("android/keystores/release.jks");
        files.insert("ios/certs/profile.mobileprovision".into(), CER.to_vec());
        let report = run(SINGLE, &files, &[], DEC_2026);
        let missing = check(&report, "android", CheckKind::KeystoreFile);
        assert_eq!(missing.status, Status::Failed);
        assert!(
            missing.message.contains("no such file"),
            "{}",
            missing.message
        );
        assert!(
            missing
                .fix
                .as_deref()
                .is_some_and(|f| f.contains("android.keystore.keystorePath")),
            "{missing:?}"
        );
        assert_eq!(
            check(&report, "android", CheckKind::KeystorePassword).status,
            Status::Skipped
        );
        let profile = check(&report, "ios", CheckKind::Profile);
        assert_eq!(profile.status, Status::Failed);
        assert!(profile.message.contains("not CMS"), "{}", profile.message);
        for kind in [
            CheckKind::ProfileCertificate,
            CheckKind::BundleId,
            CheckKind::ProfileExpiry,
        ] {
            assert_eq!(
                check(&report, "ios", kind).status,
                Status::Skipped,
                "{kind:?}"
            );
        }
        // The .p12 is still checked on its own.
        assert_eq!(
            check(&report, "ios", CheckKind::CertificateExpiry).status,
            Status::Ok
        );

        // A keystore where the .p12 should be.
        let report = run(
            SINGLE,
            &self::files(&[("ios/certs/dist.p12", JKS)]),
            &[],
            DEC_2026,
        );
        let failed = check(&report, "ios", CheckKind::CertificatePassword);
        assert_eq!(failed.status, Status::Failed);
    }

    #[test]
    fn p12_password_and_certificate_mismatch() {
        let mut json: serde_json::Value = serde_json::from_slice(SINGLE).expect("json");
        json["ios"]["distributionCertificate"]["password"] = "nope".into();
        let report = run(
            &serde_json::to_vec(&json).expect("json"),
            &files(&[]),
            &[],
            DEC_2026,
        );
        let failed = check(&report, "ios", CheckKind::CertificatePassword);
        assert_eq!(failed.status, Status::Failed);
        assert!(
            failed.message.contains("wrong .p12 password"),
            "{}",
            failed.message
        );
        assert!(
            failed
                .fix
                .as_deref()
                .is_some_and(|f| f.contains("ios.distributionCertificate.password")),
            "{failed:?}"
        );

        json["ios"]["distributionCertificate"]["password"] = "secret".into();
        let report = run(
            &serde_json::to_vec(&json).expect("json"),
            &files(&[("ios/certs/dist.p12", OTHER_P12)]),
            &["com.acme.app"],
            DEC_2026,
        );
        assert_eq!(
            check(&report, "ios", CheckKind::CertificatePassword).status,
            Status::Ok
        );
        let failed = check(&report, "ios", CheckKind::ProfileCertificate);
        assert_eq!(failed.status, Status::Failed);
        assert!(
            failed
                .message
                .contains("does not include the distribution certificate"),
            "{}",
            failed.message
        );
        assert!(!report.passed());
    }

    #[test]
    fn bundle_id_mismatch_and_wildcards() {
        let report = run(SINGLE, &files(&[]), &["com.acme.other"], DEC_2026);
        let failed = check(&report, "ios", CheckKind::BundleId);
        assert_eq!(failed.status, Status::Failed);
        assert!(
            failed
                .message
                .contains("issued for com.acme.app, not com.acme.other"),
            "{}",
            failed.message
        );
        assert!(!report.passed());

        let report = run(
            MULTI,
            &files(&[]),
            &["AcmeApp=com.acme.app", "AcmeWidget=com.acme.app.widget"],
            DEC_2026,
        );
        assert_eq!(
            check(&report, "ios.AcmeApp", CheckKind::BundleId).status,
            Status::Ok
        );
        let widget = check(&report, "ios.AcmeWidget", CheckKind::BundleId);
        assert_eq!(widget.status, Status::Ok);
        assert!(
            widget.message.contains("A1B2C3D4E5.com.acme.*"),
            "{}",
            widget.message
        );
    }

    #[test]
    fn expiring_soon_warns_and_expired_fails() {
        let report = run(SINGLE, &files(&[]), &[], JAN_2027);
        let soon = check(&report, "ios", CheckKind::ProfileExpiry);
        assert_eq!(soon.status, Status::Warning);
        assert!(
            soon.message
                .contains("expires in 14 days, on 2027-01-15 10:00 UTC"),
            "{}",
            soon.message
        );
        assert!(
            soon.fix
                .as_deref()
                .is_some_and(|f| f.starts_with("before it expires"))
        );
        assert!(report.passed(), "a warning is not a failure");
        assert_eq!(report.count(Status::Warning), 1);

        let report = run(SINGLE, &files(&[]), &[], FEB_2027);
        let expired = check(&report, "ios", CheckKind::ProfileExpiry);
        assert_eq!(expired.status, Status::Failed);
        assert!(
            expired.message.contains("expired on 2027-01-15"),
            "{}",
            expired.message
        );
        assert!(!report.passed());

        let far = run(SINGLE, &files(&[]), &[], 2_900_000_000);
        for (scope, kind) in [
            ("android", CheckKind::KeystoreExpiry),
            ("ios", CheckKind::CertificateExpiry),
            ("ios", CheckKind::ProfileExpiry),
        ] {
            assert_eq!(check(&far, scope, kind).status, Status::Failed, "{kind:?}");
        }
    }

    #[test]
    fn empty_credentials_fail() {
        let report = run(b"{}", &files(&[]), &[], DEC_2026);
        assert_eq!(statuses(&report), [(CheckKind::Contents, Status::Failed)]);
    }

    #[test]
    fn bundle_ids_must_fit_the_targets() {
        let single = CredentialsJson::from_json(SINGLE).expect("json");
        let multi = CredentialsJson::from_json(MULTI).expect("json");
        let android_only = CredentialsJson {
            ios: None,
            ..single.clone()
        };
        let no_files = |path: &str| Err(format!("no such file: {path}"));
        let cases: &[(&CredentialsJson, &[&str], &str)] = &[
            (&single, &["App=com.acme.app"], "no target \"App\""),
            (
                &multi,
                &["com.acme.app"],
                "has 2 iOS targets (AcmeApp, AcmeWidget)",
            ),
            (&multi, &["Nope=com.acme.app"], "no iOS target \"Nope\""),
            (&android_only, &["com.acme.app"], "no ios credentials"),
        ];
        for (credentials, args, expected) in cases {
            let ids = ExpectedBundleIds::parse(args.iter().copied()).expect("parses");
            let err = diagnose(credentials, no_files, &ids, DEC_2026).expect_err("refused");
            assert!(err.to_string().contains(expected), "{args:?}: {err}");
        }
        for (args, expected) in [
            (&["a", "b"][..], "only one bundle id"),
            (&["a", "T=b"], "not both"),
            (&["T=a", "T=b"], "already has a bundle id"),
            (&["=a"], "TARGET=BUNDLE_ID"),
            (&[""], "empty"),
        ] {
            let err = ExpectedBundleIds::parse(args.iter().copied()).expect_err("refused");
            assert!(err.to_string().contains(expected), "{args:?}: {err}");
        }
        // One target in the per-target form: a bare id is enough.
        let mut one = multi.clone();
        if let Some(IosCredentials::PerTarget(map)) = &mut one.ios {
            map.remove("AcmeWidget");
        }
        let ids = ExpectedBundleIds::parse(["com.acme.app"]).expect("parses");
        let files = files(&[]);
        let report = diagnose(
            &one,
            |path| files.get(path).cloned().ok_or_else(|| path.to_owned()),
            &ids,
            DEC_2026,
        )
        .expect("report");
        assert_eq!(
            check(&report, "ios.AcmeApp", CheckKind::BundleId).status,
            Status::Ok
        );
    }

    #[test]
    fn the_report_never_holds_a_password() {
        let report = run(SINGLE, &files(&[]), &["com.acme.app"], DEC_2026);
        let json = serde_json::to_string(&report).expect("json");
        for secret in ["storepass1", "keypass22", "p12-pass"] {
            assert!(!json.contains(secret), "{json}");
        }
        assert!(
            json.contains(r#""check":"keystore_password","status":"ok""#),
            "{json}"
        );
    }
}
