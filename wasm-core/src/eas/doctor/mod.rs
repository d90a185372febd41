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
//!
//! One file per check family, each check next to its wording:
//! - `report.rs`: what a check is ([`Check`], [`CheckKind`], [`Status`], [`Report`]) and the
//!   wording every family shares (a file that cannot be read, a date that has passed or is
//!   near, a check skipped because what it needs failed).
//! - `android.rs`: the upload keystore (file, passwords, alias, certificate expiry).
//! - `ios.rs`: one iOS target, in order: its profile, its `.p12`, and whether they match.
//! - `profile.rs`: the provisioning profile's checks and the bundle ids it must cover
//!   ([`ExpectedBundleIds`]).
//! - `certificate.rs`: the distribution certificate (`.p12`) and its expiry.

mod android;
mod certificate;
mod ios;
mod profile;
mod report;
#[cfg(test)]
mod tests;

pub use profile::ExpectedBundleIds;
pub use report::{Check, CheckKind, Report, Status};

use super::credentials_json::CredentialsJson;
use crate::Result;
use report::Checks;

/// A credential expiring within this many days is a warning (still exit code 0).
pub const EXPIRY_WARNING_DAYS: i64 = 30;

const DAY: i64 = 86_400;

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
        android::keystore(
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
            ios::target(
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
