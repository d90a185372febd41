//! The provisioning profile: the file, what it is, the bundle id it must cover and its
//! expiry.

use std::collections::BTreeMap;

use super::{CheckKind, Checks};
use crate::{
    Error, Result,
    eas::credentials_json::{IosCredentials, IosTargetCredentials},
    ios::profile::ProvisioningProfile,
};

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
    pub(super) fn resolve(
        &self,
        ios: Option<&IosCredentials>,
    ) -> Result<BTreeMap<Option<String>, String>> {
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

/// Reads and parses the target's `.mobileprovision` (the file and profile checks).
pub(super) fn open(
    target: &IosTargetCredentials,
    read: &mut impl FnMut(&str) -> core::result::Result<Vec<u8>, String>,
    c: &mut Checks<'_>,
) -> Option<ProvisioningProfile> {
    match c.file(
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
    }
}

/// Whether the profile covers the bundle id the app is built with (skipped without one).
pub(super) fn bundle_id(
    profile: Option<&ProvisioningProfile>,
    bundle_id: Option<&str>,
    c: &mut Checks<'_>,
) {
    match (profile, bundle_id) {
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
}

/// The profile's expiry.
pub(super) fn expiry(profile: Option<&ProvisioningProfile>, now: i64, c: &mut Checks<'_>) {
    match profile {
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
