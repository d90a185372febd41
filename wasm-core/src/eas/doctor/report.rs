//! What a check is, and the wording every check family shares.

use serde::Serialize;

use super::{DAY, EXPIRY_WARNING_DAYS};
use crate::ios::certificate::format_utc;

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

/// Appends checks for one scope.
pub(super) struct Checks<'a> {
    scope: String,
    out: &'a mut Vec<Check>,
}

impl<'a> Checks<'a> {
    pub(super) fn new(scope: &str, out: &'a mut Vec<Check>) -> Self {
        Self {
            scope: scope.to_owned(),
            out,
        }
    }

    /// `scope.field`, the path of a field in `credentials.json`.
    pub(super) fn field(&self, name: &str) -> String {
        if self.scope == "android" {
            format!("android.keystore.{name}")
        } else {
            format!("{}.{name}", self.scope)
        }
    }

    pub(super) fn push(
        &mut self,
        check: CheckKind,
        status: Status,
        message: String,
        fix: Option<String>,
    ) {
        self.out.push(Check {
            scope: self.scope.clone(),
            check,
            status,
            message,
            fix,
        });
    }

    pub(super) fn ok(&mut self, check: CheckKind, message: String) {
        self.push(check, Status::Ok, message, None);
    }

    pub(super) fn fail(&mut self, check: CheckKind, message: String, fix: String) {
        self.push(check, Status::Failed, message, Some(fix));
    }

    pub(super) fn skip(&mut self, checks: &[CheckKind], why: &str) {
        for &check in checks {
            self.push(check, Status::Skipped, format!("not checked: {why}"), None);
        }
    }

    /// Reads a file named by `field`; on failure records it and returns `None`.
    pub(super) fn file(
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
    pub(super) fn expiry(
        &mut self,
        check: CheckKind,
        what: &str,
        not_after: i64,
        now: i64,
        renew: &str,
    ) {
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
