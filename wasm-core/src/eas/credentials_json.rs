//! EAS's `credentials.json`: the local credentials file `eas build` reads when a build profile
//! says `"credentialsSource": "local"`.
//!
//! ```json
//! {
//!   "android": {
//!     "keystore": {
//!       "keystorePath": "android/keystores/release.jks",
//!       "keystorePassword": "…", "keyAlias": "…", "keyPassword": "…"
//!     }
//!   },
//!   "ios": {
//!     "provisioningProfilePath": "ios/certs/profile.mobileprovision",
//!     "distributionCertificate": { "path": "ios/certs/dist.p12", "password": "…" }
//!   }
//! }
//! ```
//!
//! `ios` may instead map each Xcode target to its own pair (`{"MyApp": {…}, "MyWidget":
//! {…}}`) for apps with extensions. Field names are EAS's exactly; paths are relative to the
//! directory holding `credentials.json` (EAS's project root) unless absolute. The schema
//! follows eas-cli's (`credentialsJson/types.ts`): `keyPassword` may be missing (the store
//! password is then used), every other field is required, and unknown fields are refused as
//! EAS refuses them.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Result, android::Password};

/// The whole `credentials.json`. Either platform may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsJson {
    /// `android`: the upload keystore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android: Option<AndroidCredentials>,
    /// `ios`: one profile + certificate pair, or one per Xcode target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ios: Option<IosCredentials>,
}

/// `android`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidCredentials {
    /// `android.keystore`.
    pub keystore: AndroidKeystore,
}

/// `android.keystore`: what Gradle needs to sign with the upload key. `Debug` hides the
/// passwords.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AndroidKeystore {
    /// `keystorePath`: the `.jks`/`.keystore`/`.p12` file.
    pub keystore_path: String,
    /// `keystorePassword`: the store password.
    #[serde(with = "password")]
    pub keystore_password: Password,
    /// `keyAlias`: the alias of the upload key inside the keystore.
    pub key_alias: String,
    /// `keyPassword`: the key's own password; when absent, the store password.
    #[serde(
        default,
        with = "optional_password",
        skip_serializing_if = "Option::is_none"
    )]
    pub key_password: Option<Password>,
}

impl AndroidKeystore {
    /// The password that opens the key: `keyPassword`, or `keystorePassword` without one.
    pub fn effective_key_password(&self) -> &Password {
        self.key_password
            .as_ref()
            .unwrap_or(&self.keystore_password)
    }
}

/// `ios`: a single target's credentials, or a map from Xcode target name to credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IosCredentials {
    /// `{"provisioningProfilePath": …, "distributionCertificate": {…}}`.
    Single(IosTargetCredentials),
    /// `{"TARGET": {"provisioningProfilePath": …, …}, …}`, by target name.
    PerTarget(BTreeMap<String, IosTargetCredentials>),
}

impl IosCredentials {
    /// Every target's credentials, with its name (`None` for the single-target form).
    pub fn targets(&self) -> Vec<(Option<&str>, &IosTargetCredentials)> {
        match self {
            IosCredentials::Single(target) => vec![(None, target)],
            IosCredentials::PerTarget(map) => map
                .iter()
                .map(|(name, target)| (Some(name.as_str()), target))
                .collect(),
        }
    }
}

impl Serialize for IosCredentials {
    fn serialize<S: Serializer>(&self, serializer: S) -> core::result::Result<S::Ok, S::Error> {
        match self {
            IosCredentials::Single(target) => target.serialize(serializer),
            IosCredentials::PerTarget(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for IosCredentials {
    /// The two forms are told apart by their keys, as eas-cli does: an object with
    /// `provisioningProfilePath` or `distributionCertificate` is a single target. Going
    /// through a JSON value (rather than `#[serde(untagged)]`) keeps serde's precise message
    /// ("missing field `password`") instead of "did not match any variant".
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        if map.contains_key("provisioningProfilePath")
            || map.contains_key("distributionCertificate")
        {
            return serde_json::from_value(serde_json::Value::Object(map))
                .map(IosCredentials::Single)
                .map_err(D::Error::custom);
        }
        if map.is_empty() {
            return Err(D::Error::custom(
                "`ios` is empty: give provisioningProfilePath and distributionCertificate, or one \
                 such object per Xcode target",
            ));
        }
        let mut targets = BTreeMap::new();
        for (name, value) in map {
            let target = serde_json::from_value(value)
                .map_err(|e| D::Error::custom(format!("in ios.{name}: {e}")))?;
            targets.insert(name, target);
        }
        Ok(IosCredentials::PerTarget(targets))
    }
}

/// One target's signing pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IosTargetCredentials {
    /// `provisioningProfilePath`: the `.mobileprovision` file.
    pub provisioning_profile_path: String,
    /// `distributionCertificate`: the `.p12` and its password.
    pub distribution_certificate: DistributionCertificate,
}

/// `distributionCertificate`. `Debug` hides the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionCertificate {
    /// `path`: the `.p12` file holding the certificate and its private key.
    pub path: String,
    /// `password`: the `.p12` password (may be empty).
    #[serde(with = "password")]
    pub password: Password,
}

impl CredentialsJson {
    /// Reads `credentials.json`. Errors say which field is missing or wrong, and where.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        // serde would also take a struct from a JSON array of its fields; EAS wants an object.
        if bytes.trim_ascii_start().first() == Some(&b'[') {
            return Err(Error::InvalidCredentialsJson(
                "it is a JSON array; it must be an object ({ \"android\": …, \"ios\": … })".into(),
            ));
        }
        serde_json::from_slice(bytes).map_err(|e| Error::InvalidCredentialsJson(e.to_string()))
    }

    /// `credentials.json` as EAS writes it: pretty-printed, two-space indent, trailing
    /// newline. Holds the passwords in clear, as the file always does.
    pub fn to_json_pretty(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|mut text| {
                text.push('\n');
                text
            })
            .map_err(|e| Error::Encoding {
                what: "credentials.json",
                reason: e.to_string(),
            })
    }
}

/// `Password` as a JSON string. Kept private to this file so that a `Password` can only be
/// written out where the format itself holds it in clear.
mod password {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::android::Password;

    pub fn serialize<S: Serializer>(
        password: &Password,
        serializer: S,
    ) -> core::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(password.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> core::result::Result<Password, D::Error> {
        String::deserialize(deserializer).map(Password::new)
    }
}

/// `Option<Password>` as an optional JSON string.
mod optional_password {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::android::Password;

    // serde's `with` hands the field by reference, hence `&Option<_>`.
    pub fn serialize<S: Serializer>(
        password: &Option<Password>,
        serializer: S,
    ) -> core::result::Result<S::Ok, S::Error> {
        match password {
            Some(password) => serializer.serialize_some(password.expose()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> core::result::Result<Option<Password>, D::Error> {
        Option::<String>::deserialize(deserializer).map(|p| p.map(Password::new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SINGLE: &[u8] = include_bytes!("../../tests/fixtures/eas/credentials.json");
    const MULTI: &[u8] = include_bytes!("../../tests/fixtures/eas/credentials-multitarget.json");

    #[test]
    fn reads_eas_single_target_example() {
        let creds = CredentialsJson::from_json(SINGLE).expect("valid");
        let keystore = &creds.android.as_ref().expect("android").keystore;
        assert_eq!(keystore.keystore_path, "android/keystores/release.jks");
        assert_eq!(keystore.keystore_password.expose(), "storepass1");
        assert_eq!(keystore.key_alias, "uploadkey");
        assert_eq!(keystore.effective_key_password().expose(), "keypass22");
        let Some(IosCredentials::Single(ios)) = &creds.ios else {
            panic!("single-target ios: {:?}", creds.ios);
        };
        assert_eq!(
            ios.provisioning_profile_path,
            "ios/certs/profile.mobileprovision"
        );
        assert_eq!(ios.distribution_certificate.path, "ios/certs/dist.p12");
        assert_eq!(ios.distribution_certificate.password.expose(), "p12-pass");
    }

    #[test]
    fn reads_per_target_form_and_missing_key_password() {
        let creds = CredentialsJson::from_json(MULTI).expect("valid");
        let keystore = &creds.android.as_ref().expect("android").keystore;
        assert!(keystore.key_password.is_none());
        assert_eq!(keystore.effective_key_password().expose(), "storepass1");
        let ios = creds.ios.as_ref().expect("ios");
        let names: Vec<_> = ios.targets().iter().map(|(name, _)| *name).collect();
        assert_eq!(names, [Some("AcmeApp"), Some("AcmeWidget")]);
    }

    #[test]
    fn round_trips_with_eas_field_names() {
        for input in [SINGLE, MULTI] {
            let creds = CredentialsJson::from_json(input).expect("valid");
            let text = creds.to_json_pretty().expect("encode");
            assert_eq!(
                CredentialsJson::from_json(text.as_bytes()).expect("again"),
                creds
            );
            let original: serde_json::Value = serde_json::from_slice(input).expect("json");
            let written: serde_json::Value = serde_json::from_str(&text).expect("json");
            assert_eq!(original, written, "same fields, same names");
        }
        assert_eq!(
            CredentialsJson::default().to_json_pretty().expect("empty"),
            "{}\n"
        );
    }

    #[test]
    fn debug_never_prints_a_password() {
        let creds = CredentialsJson::from_json(SINGLE).expect("valid");
        let debug = format!("{creds:?}");
        for secret in ["storepass1", "keypass22", "p12-pass"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        let cases: &[(&str, &str)] = &[
            ("", "EOF"),
            ("[]", "JSON array"),
            ("\"x\"", "invalid type"),
            (
                r#"{"android":{"keystore":{"keystorePath":"k.jks","keyAlias":"a"}}}"#,
                "missing field `keystorePassword`",
            ),
            (
                r#"{"android":{"keystore":{"keystorePath":"k.jks","keystorePassword":"p","keyAlias":"a","keypassword":"x"}}}"#,
                "unknown field `keypassword`",
            ),
            (
                r#"{"ios":{"provisioningProfilePath":"p","distributionCertificate":{"path":"c"}}}"#,
                "missing field `password`",
            ),
            (
                r#"{"ios":{"App":{"provisioningProfilePath":"p"}}}"#,
                "in ios.App: missing field `distributionCertificate`",
            ),
            (r#"{"ios":{}}"#, "`ios` is empty"),
            (r#"{"iOS":{}}"#, "unknown field `iOS`"),
        ];
        for (input, expected) in cases {
            let err = CredentialsJson::from_json(input.as_bytes()).expect_err(input);
            let text = err.to_string();
            assert!(text.contains(expected), "{input}: {text}");
            assert!(text.starts_with("credentials.json is not valid"), "{text}");
        }
    }
}
