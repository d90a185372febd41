//! Apps and credential assignments: `/api/teams/{team}/apps/…`.

use serde::{Deserialize, Serialize};

/// One Xcode target and its bundle id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IosTarget {
    /// Target name (as in EAS's per-target credentials.json).
    pub target: String,
    /// Its bundle identifier.
    pub bundle_id: String,
}

/// `POST /api/teams/{team}/apps` and `PUT /api/teams/{team}/apps/{app}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRequest {
    /// Display name (unique within the team).
    pub name: String,
    /// Android application id, e.g. `com.acme.app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android_package: Option<String>,
    /// iOS targets and bundle ids.
    #[serde(default)]
    pub ios_targets: Vec<IosTarget>,
}

/// An app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    /// App id (UUID, chosen by the server).
    pub id: String,
    /// The team.
    pub team_id: String,
    /// Display name.
    pub name: String,
    /// Android application id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android_package: Option<String>,
    /// iOS targets.
    #[serde(default)]
    pub ios_targets: Vec<IosTarget>,
    /// Unix seconds.
    pub created_at: i64,
}

/// The platform of an assignment slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Android.
    Android,
    /// iOS.
    Ios,
}

impl Platform {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Android => "android",
            Self::Ios => "ios",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "android" => Some(Self::Android),
            "ios" => Some(Self::Ios),
            _ => None,
        }
    }
}

/// One credential used in one slot (app × platform × build profile × target).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// Android or iOS.
    pub platform: Platform,
    /// Build profile, e.g. `production`.
    pub profile: String,
    /// iOS target name; empty for Android and single-target apps.
    #[serde(default)]
    pub target: String,
    /// The credential.
    pub credential_id: String,
    /// Its kind (denormalised for display).
    pub kind: String,
    /// The one used by builds among the slot's credentials of this kind.
    pub is_default: bool,
}

/// `PUT /api/teams/{team}/apps/{app}/assignments`: adds a credential to a slot (or changes
/// whether it is the default). Making it the default unsets the previous default of its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignRequest {
    /// Android or iOS.
    pub platform: Platform,
    /// Build profile (default `production`).
    #[serde(default = "default_profile")]
    pub profile: String,
    /// iOS target; empty for Android.
    #[serde(default)]
    pub target: String,
    /// The credential.
    pub credential_id: String,
    /// Make it the slot's default for its kind.
    #[serde(default = "default_true")]
    pub is_default: bool,
    /// The credential's item key wrapped for every robot token in the app's scope (signed
    /// ECIES, `vault::robot::RobotEciesItemKey`). The server refuses the assignment (409
    /// `robot_grants_missing`) while a live token with a card lacks one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub robot_grants: Vec<super::robot::RobotWrap>,
}

/// `DELETE /api/teams/{team}/apps/{app}/assignments`: removes a credential from a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnassignRequest {
    /// Android or iOS.
    pub platform: Platform,
    /// Build profile.
    #[serde(default = "default_profile")]
    pub profile: String,
    /// iOS target; empty for Android.
    #[serde(default)]
    pub target: String,
    /// The credential.
    pub credential_id: String,
}

fn default_profile() -> String {
    "production".to_owned()
}

fn default_true() -> bool {
    true
}

/// Whether `text` is a valid build profile or iOS target name: 1–64 of `[A-Za-z0-9._-]`
/// (or empty, for the single target of an app, when `allow_empty`). The server refuses
/// anything else, and clients check names the server sends before they use one in a file
/// name: no `/`, so a name can never leave the folder it is written in.
pub fn is_slot_name(text: &str, allow_empty: bool) -> bool {
    (allow_empty || !text.is_empty())
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}
