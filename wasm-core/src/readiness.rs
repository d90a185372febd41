//! What a build of an app needs that its slots do not hold, judged one way for the app page's
//! download, the team home and `signet pull`: an Android app (one with a package) needs a
//! default upload keystore; each iOS target needs a default distribution certificate and a
//! default provisioning profile. Only live credentials count (the caller says which ids are
//! live: a trashed credential's assignment stays but no build may use it).

use std::fmt;

use crate::wire::{
    app::{AppInfo, Assignment, Platform},
    credential::CredentialKind,
};

/// One thing a build cannot have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The app has an Android package and no default upload keystore.
    AndroidKeystore {
        /// The package, e.g. `com.acme.app`.
        package: String,
    },
    /// An iOS target lacks a default certificate, a default profile, or both.
    IosSigning {
        /// The target's name.
        target: String,
        /// Its bundle id.
        bundle_id: String,
        /// Whether the certificate is missing.
        certificate: bool,
        /// Whether the profile is missing.
        profile: bool,
    },
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AndroidKeystore { package } => {
                write!(f, "the Android upload keystore for {package}")
            }
            Self::IosSigning {
                target,
                bundle_id,
                certificate,
                profile,
            } => {
                let what = match (certificate, profile) {
                    (true, true) => "the iOS certificate and profile",
                    (true, false) => "the iOS distribution certificate",
                    _ => "the iOS provisioning profile",
                };
                write!(f, "{what} of target {target} ({bundle_id})")
            }
        }
    }
}

/// The default live credential of `kind` in the slot `platform` × `profile` × `target`.
pub fn default_in_slot<'a>(
    assignments: &'a [Assignment],
    is_live: impl Fn(&str) -> bool,
    platform: Platform,
    profile: &str,
    target: &str,
    kind: CredentialKind,
) -> Option<&'a Assignment> {
    assignments.iter().find(|a| {
        a.platform == platform
            && a.profile == profile
            && a.target == target
            && a.kind == kind.as_str()
            && a.is_default
            && is_live(&a.credential_id)
    })
}

/// Whether a build signs with credentials of `kind`: the kinds [`missing_for_build`] asks
/// each slot's default for (an upload keystore, a distribution certificate, a provisioning
/// profile). Push and service-account keys are used by the app at run time, not to sign it.
pub fn signs_builds(kind: CredentialKind) -> bool {
    matches!(
        kind,
        CredentialKind::AndroidKeystore
            | CredentialKind::IosDistributionCertificate
            | CredentialKind::IosProvisioningProfile
    )
}

/// What a `profile` build of `app` needs that `assignments` (the app's, with `is_live` saying
/// which credential ids are live) does not provide, Android first, then iOS targets in the
/// app's order. A single-target app's slot may be unnamed (`""`) or carry the target's name.
pub fn missing_for_build(
    app: &AppInfo,
    assignments: &[Assignment],
    is_live: impl Fn(&str) -> bool,
    profile: &str,
) -> Vec<Missing> {
    let has = |platform, target: &str, kind| {
        default_in_slot(assignments, &is_live, platform, profile, target, kind).is_some()
    };
    let mut missing = Vec::new();
    if let Some(package) = &app.android_package
        && !has(Platform::Android, "", CredentialKind::AndroidKeystore)
    {
        missing.push(Missing::AndroidKeystore {
            package: package.clone(),
        });
    }
    let single = app.ios_targets.len() == 1;
    for t in &app.ios_targets {
        let slot_has =
            |kind| has(Platform::Ios, &t.target, kind) || (single && has(Platform::Ios, "", kind));
        let certificate = !slot_has(CredentialKind::IosDistributionCertificate);
        let profile_missing = !slot_has(CredentialKind::IosProvisioningProfile);
        if certificate || profile_missing {
            missing.push(Missing::IosSigning {
                target: t.target.clone(),
                bundle_id: t.bundle_id.clone(),
                certificate,
                profile: profile_missing,
            });
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::app::IosTarget;

    #[test]
    fn only_signing_kinds_sign_builds() {
        let signing: Vec<_> = CredentialKind::ALL
            .iter()
            .copied()
            .filter(|k| signs_builds(*k))
            .collect();
        assert_eq!(
            signing,
            [
                CredentialKind::AndroidKeystore,
                CredentialKind::IosDistributionCertificate,
                CredentialKind::IosProvisioningProfile,
            ]
        );
    }

    fn app(package: Option<&str>, targets: &[(&str, &str)]) -> AppInfo {
        AppInfo {
            id: "app".into(),
            team_id: "team".into(),
            name: "Acme".into(),
            android_package: package.map(Into::into),
            ios_targets: targets
                .iter()
                .map(|(t, b)| IosTarget {
                    target: (*t).into(),
                    bundle_id: (*b).into(),
                })
                .collect(),
            created_at: 0,
        }
    }

    fn slot(
        platform: Platform,
        target: &str,
        kind: CredentialKind,
        id: &str,
        is_default: bool,
    ) -> Assignment {
        Assignment {
            platform,
            profile: "production".into(),
            target: target.into(),
            credential_id: id.into(),
            kind: kind.as_str().into(),
            is_default,
        }
    }

    #[test]
    fn an_empty_app_misses_each_platform_it_has() {
        let a = app(Some("com.acme.app"), &[("Acme", "com.acme.app")]);
        let missing = missing_for_build(&a, &[], |_| true, "production");
        assert_eq!(missing.len(), 2);
        assert_eq!(
            missing[0].to_string(),
            "the Android upload keystore for com.acme.app"
        );
        assert_eq!(
            missing[1].to_string(),
            "the iOS certificate and profile of target Acme (com.acme.app)"
        );
        assert!(missing_for_build(&app(None, &[]), &[], |_| true, "production").is_empty());
    }

    #[test]
    fn only_live_defaults_of_the_profile_count() {
        let a = app(Some("com.acme.app"), &[]);
        let keystore = |id, is_default| {
            slot(
                Platform::Android,
                "",
                CredentialKind::AndroidKeystore,
                id,
                is_default,
            )
        };
        // Not the default: missing.
        assert_eq!(
            missing_for_build(&a, &[keystore("k1", false)], |_| true, "production").len(),
            1
        );
        // The default, but trashed: missing.
        assert_eq!(
            missing_for_build(&a, &[keystore("k1", true)], |id| id != "k1", "production").len(),
            1
        );
        // Another profile's: missing for this one.
        assert_eq!(
            missing_for_build(&a, &[keystore("k1", true)], |_| true, "preview").len(),
            1
        );
        assert!(missing_for_build(&a, &[keystore("k1", true)], |_| true, "production").is_empty());
    }

    #[test]
    fn ios_targets_are_judged_one_by_one_and_a_single_target_may_use_the_unnamed_slot() {
        let one = app(None, &[("Acme", "com.acme.app")]);
        let unnamed = [
            slot(
                Platform::Ios,
                "",
                CredentialKind::IosDistributionCertificate,
                "c",
                true,
            ),
            slot(
                Platform::Ios,
                "",
                CredentialKind::IosProvisioningProfile,
                "p",
                true,
            ),
        ];
        assert!(missing_for_build(&one, &unnamed, |_| true, "production").is_empty());

        let two = app(
            None,
            &[("Acme", "com.acme.app"), ("Widget", "com.acme.app.widget")],
        );
        let first_only = [
            slot(
                Platform::Ios,
                "Acme",
                CredentialKind::IosDistributionCertificate,
                "c",
                true,
            ),
            slot(
                Platform::Ios,
                "Acme",
                CredentialKind::IosProvisioningProfile,
                "p",
                true,
            ),
            slot(
                Platform::Ios,
                "Widget",
                CredentialKind::IosDistributionCertificate,
                "c",
                true,
            ),
        ];
        let missing = missing_for_build(&two, &first_only, |_| true, "production");
        assert_eq!(
            missing,
            [Missing::IosSigning {
                target: "Widget".into(),
                bundle_id: "com.acme.app.widget".into(),
                certificate: false,
                profile: true,
            }]
        );
        assert_eq!(
            missing[0].to_string(),
            "the iOS provisioning profile of target Widget (com.acme.app.widget)"
        );
        // With two targets the unnamed slot belongs to neither.
        assert_eq!(
            missing_for_build(&two, &unnamed, |_| true, "production").len(),
            2
        );
    }
}
