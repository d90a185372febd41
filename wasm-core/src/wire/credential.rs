//! Credentials: `/api/teams/{team}/credentials/…`.
//!
//! A credential is public metadata (plaintext JSON, signed by its author so the server cannot
//! alter it) plus an encrypted payload under a per-item key, which is wrapped under the team
//! key ([`crate::vault::item`]). The list returns metadata only; the payload is a separate,
//! audit-logged request for developers and up.

use serde::{Deserialize, Serialize};

/// What a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// Android upload keystore (JKS or PKCS#12) with its passwords and alias.
    AndroidKeystore,
    /// Firebase Cloud Messaging v1 service-account key.
    FcmV1ServiceAccount,
    /// Google Play service-account key (submissions).
    GoogleServiceAccount,
    /// Google Play's app-signing certificate (public only: Google keeps the key).
    PlayAppSigningCertificate,
    /// Apple distribution certificate (`.p12` and its password).
    IosDistributionCertificate,
    /// Apple provisioning profile (`.mobileprovision`).
    IosProvisioningProfile,
    /// Apple push key (`.p8`, key id, team id).
    ApplePushKey,
    /// App Store Connect API key (`.p8`, key id, issuer id).
    AscApiKey,
    /// A CSR's private key waiting for Apple's certificate.
    PendingCsr,
}

impl CredentialKind {
    /// Every kind.
    pub const ALL: [CredentialKind; 9] = [
        Self::AndroidKeystore,
        Self::FcmV1ServiceAccount,
        Self::GoogleServiceAccount,
        Self::PlayAppSigningCertificate,
        Self::IosDistributionCertificate,
        Self::IosProvisioningProfile,
        Self::ApplePushKey,
        Self::AscApiKey,
        Self::PendingCsr,
    ];

    /// The snake_case name (also bound into the payload's encryption).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AndroidKeystore => "android_keystore",
            Self::FcmV1ServiceAccount => "fcm_v1_service_account",
            Self::GoogleServiceAccount => "google_service_account",
            Self::PlayAppSigningCertificate => "play_app_signing_certificate",
            Self::IosDistributionCertificate => "ios_distribution_certificate",
            Self::IosProvisioningProfile => "ios_provisioning_profile",
            Self::ApplePushKey => "apple_push_key",
            Self::AscApiKey => "asc_api_key",
            Self::PendingCsr => "pending_csr",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// `POST /api/teams/{team}/credentials` (developer and up). The client picks the id (UUID):
/// the item key's wrap and the payload's encryption bind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCredentialRequest {
    /// Credential id (UUID, chosen by the client).
    pub id: String,
    /// What it is.
    pub kind: CredentialKind,
    /// A name people recognise ("Upload key 2026").
    pub label: String,
    /// Public metadata: a JSON object as text (signed as-is).
    pub metadata: String,
    /// The author's signature over the metadata (`MetadataSignature`, base64url).
    pub metadata_signature: String,
    /// Team key version the item key is wrapped under (must be current).
    pub key_version: u32,
    /// Item key under the team key (`WrappedItemKey`, base64url).
    pub wrapped_key: String,
    /// Payload under the item key (`SealedPayload`, base64url; at most 5 MiB decoded).
    pub payload: String,
}

/// `PUT /api/teams/{team}/credentials/{id}`: replaces label, metadata and (optionally) the
/// payload, only if `revision` is still current — otherwise 409 and nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateCredentialRequest {
    /// The revision the client read.
    pub revision: i64,
    /// New label.
    pub label: String,
    /// New metadata (JSON object as text).
    pub metadata: String,
    /// The author's signature over it.
    pub metadata_signature: String,
    /// New payload and key, or absent to keep them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<SealedUpdate>,
}

/// A replacement payload with its (possibly new) wrapped item key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedUpdate {
    /// Team key version the item key is wrapped under (must be current).
    pub key_version: u32,
    /// Item key under the team key.
    pub wrapped_key: String,
    /// Payload under the item key.
    pub payload: String,
}

/// A credential's public side, as every member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialInfo {
    /// Credential id.
    pub id: String,
    /// The team.
    pub team_id: String,
    /// What it is.
    pub kind: CredentialKind,
    /// Label.
    pub label: String,
    /// Public metadata (JSON object as text, exactly as signed).
    pub metadata: String,
    /// Signature over it.
    pub metadata_signature: String,
    /// Who wrote the current metadata (whose signing key verifies it).
    pub author_id: String,
    /// Optimistic concurrency counter: starts at 1, +1 per update.
    pub revision: i64,
    /// Who created it.
    pub created_by: String,
    /// Email of who created it.
    pub created_by_email: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// Set while in the trash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
    /// Team key version of `wrapped_key`.
    pub key_version: u32,
    /// Item key under the team key; absent for viewers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_key: Option<String>,
    /// Where apps use it (the server's assignments, not signed: for warnings). Filled by
    /// `GET …/credentials/{id}` for every reader; empty in lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_use: Vec<CredentialUse>,
}

/// One slot of an app that holds a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialUse {
    /// The app.
    pub app_id: String,
    /// Its name.
    pub app_name: String,
    /// `android` or `ios`.
    pub platform: String,
    /// The build profile.
    pub profile: String,
    /// The iOS target (empty for Android).
    #[serde(default)]
    pub target: String,
    /// Whether builds of that slot use it (its default).
    pub is_default: bool,
}

impl CredentialUse {
    /// "Acme App · Android · production (default)", for messages.
    pub fn describe(&self) -> String {
        let platform = if self.platform == "ios" {
            "iOS"
        } else {
            "Android"
        };
        let target = if self.target.is_empty() {
            String::new()
        } else {
            format!(" · target {}", self.target)
        };
        format!(
            "{} · {platform} · {}{target}{}",
            self.app_name,
            self.profile,
            if self.is_default { " (default)" } else { "" }
        )
    }
}

/// What the server says when a credential that apps use is trashed without
/// `?confirm_in_use=true`: 409 with this code.
pub const IN_USE_CODE: &str = "credential_in_use";

/// `GET /api/teams/{team}/credentials/{id}/payload` (developer and up, audit-logged; robot
/// tokens in scope get `robot_wrapped_key` instead of `wrapped_key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialPayload {
    /// Credential id.
    pub id: String,
    /// What it is.
    pub kind: CredentialKind,
    /// The revision this payload belongs to.
    pub revision: i64,
    /// Team key version of `wrapped_key`.
    pub key_version: u32,
    /// Item key under the team key (members).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_key: Option<String>,
    /// Item key for the robot token (robots): see `robot_wrap_kind`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robot_wrapped_key: Option<String>,
    /// How `robot_wrapped_key` is wrapped (absent: sealed under the grant key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robot_wrap_kind: Option<super::robot::RobotGrantKind>,
    /// Who signed an ECIES `robot_wrapped_key` (the member who uploaded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robot_wrap_sender: Option<String>,
    /// Payload under the item key.
    pub payload: String,
}
