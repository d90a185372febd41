//! Provisioning profiles (`.mobileprovision`).
//!
//! A profile is a CMS SignedData (signed by Apple, written in BER with indefinite lengths)
//! whose content is an XML property list: the profile's UUID and name, the team, the
//! entitlements (with the application identifier `TEAMID.com.acme.app`, possibly a
//! wildcard `TEAMID.com.acme.*`), the devices an ad hoc or development build may run on,
//! and the certificates allowed to sign with it. We read the content and do not verify
//! Apple's signature: Xcode and the device do that, and a tampered profile would only fail
//! there.
//!
//! Validation follows EAS: the distribution certificate must be one of the profile's
//! developer certificates (by SHA-1), the application identifier must cover the bundle id,
//! and the profile must not have expired at the time given.

use std::time::UNIX_EPOCH;

use plist::Value;
use serde::Serialize;
use serde_json::{Map, Value as Json};
use sha1::{Digest, Sha1};

use super::{
    ber::{self, Tag},
    certificate::{AppleCertificate, format_utc, hex_upper},
};
use crate::{Error, Result};

const WHAT: &str = "provisioning profile";

/// Larger than any real profile (those with 100 devices are ~40 KB).
const MAX_PROFILE_BYTES: usize = 4 << 20;

/// A profile's plist holds a few dozen arrays and dictionaries; far more is hostile (deep
/// nesting would overflow the stack when the value is dropped).
const MAX_PLIST_COLLECTIONS: usize = 512;

/// `1.2.840.113549.1.7.2`, id-signedData, as DER content octets.
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// `1.2.840.113549.1.7.1`, id-data.
const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

/// What a profile allows, as Xcode and EAS name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileType {
    /// Distribution through the App Store and TestFlight: no device list.
    AppStore,
    /// Distribution to the devices listed in the profile.
    AdHoc,
    /// In-house distribution to any device of an Apple Developer Enterprise team
    /// (`ProvisionsAllDevices`).
    Enterprise,
    /// Debuggable builds (`get-task-allow`) on the listed devices.
    Development,
}

impl core::fmt::Display for ProfileType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ProfileType::AppStore => "App Store",
            ProfileType::AdHoc => "ad hoc",
            ProfileType::Enterprise => "enterprise",
            ProfileType::Development => "development",
        })
    }
}

/// A certificate a profile allows to sign with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeveloperCertificate {
    /// SHA-1 of the certificate's DER, colon-separated uppercase hex.
    pub sha1_fingerprint: String,
    /// The certificate's common name, e.g. `Apple Distribution: Acme Inc (A1B2C3D4E5)`,
    /// when the certificate could be read.
    pub common_name: Option<String>,
    /// Serial number in uppercase hex, when the certificate could be read.
    pub serial_hex: Option<String>,
    /// End of the certificate's validity (unix seconds), when it could be read.
    pub not_after: Option<i64>,
}

/// The contents of a provisioning profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisioningProfile {
    /// The profile's UUID (what Xcode's `PROVISIONING_PROFILE_SPECIFIER` can name).
    pub uuid: String,
    /// The profile's name, e.g. `Acme App Store`.
    pub name: String,
    /// The Apple team id (`TeamIdentifier`).
    pub team_id: String,
    /// The team's name (`TeamName`).
    pub team_name: Option<String>,
    /// The App ID's description (`AppIDName`).
    pub app_id_name: Option<String>,
    /// The full application identifier, e.g. `A1B2C3D4E5.com.acme.app` or
    /// `A1B2C3D4E5.com.acme.*`.
    pub application_identifier: String,
    /// The application identifier without its team prefix: the bundle id, or a wildcard
    /// pattern such as `com.acme.*`.
    pub bundle_id: String,
    /// App Store, ad hoc, enterprise or development.
    pub profile_type: ProfileType,
    /// Platforms (`iOS`, `visionOS`, ...).
    pub platforms: Vec<String>,
    /// When Apple made the profile, unix seconds.
    pub creation_date: i64,
    /// When the profile stops working, unix seconds.
    pub expiration_date: i64,
    /// The push environment (`development` or `production`) when push is enabled.
    pub aps_environment: Option<String>,
    /// All entitlements, as JSON (data as base64, dates as ISO 8601 text).
    pub entitlements: Map<String, Json>,
    /// UDIDs of the devices an ad hoc or development build may run on.
    pub devices: Vec<String>,
    /// The certificates allowed to sign with this profile.
    pub developer_certificates: Vec<DeveloperCertificate>,
}

impl ProvisioningProfile {
    /// Parses a `.mobileprovision` file: CMS SignedData in DER or BER (indefinite lengths,
    /// chunked content) around an XML plist.
    pub fn from_mobileprovision(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_PROFILE_BYTES {
            return Err(malformed(format!(
                "it is {} bytes, larger than any provisioning profile",
                bytes.len()
            )));
        }
        let plist = signed_content(bytes).map_err(|reason| {
            malformed(format!(
                "{reason}; choose the .mobileprovision file Apple's developer portal downloaded"
            ))
        })?;
        Self::from_plist_xml(&plist)
    }

    /// Parses the XML plist inside a profile (as `security cms -D -i` prints it).
    pub fn from_plist_xml(xml: &[u8]) -> Result<Self> {
        check_collections(xml)?;
        let value = Value::from_reader_xml(xml)
            .map_err(|e| malformed(format!("its content is not an XML property list ({e})")))?;
        let Value::Dictionary(root) = value else {
            return Err(malformed("its property list is not a dictionary".into()));
        };
        let string = |key: &str| root.get(key).and_then(Value::as_string).map(str::to_owned);
        let required = |key: &'static str| {
            string(key).ok_or_else(|| malformed(format!("the key {key} is missing")))
        };
        let date = |key: &'static str| -> Result<i64> {
            let date = root
                .get(key)
                .and_then(Value::as_date)
                .ok_or_else(|| malformed(format!("the date {key} is missing")))?;
            let since = std::time::SystemTime::from(date)
                .duration_since(UNIX_EPOCH)
                .map_err(|_| malformed(format!("{key} is before 1970")))?;
            i64::try_from(since.as_secs()).map_err(|_| malformed(format!("{key} is out of range")))
        };
        let strings = |value: Option<&Value>| -> Vec<String> {
            value
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_string)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };

        let entitlements_plist = root
            .get("Entitlements")
            .and_then(Value::as_dictionary)
            .ok_or_else(|| malformed("the Entitlements dictionary is missing".into()))?;
        let mut entitlements = Map::new();
        for (key, value) in entitlements_plist {
            entitlements.insert(key.clone(), to_json(value));
        }
        let application_identifier = ["application-identifier", "com.apple.application-identifier"]
            .iter()
            .find_map(|key| entitlements_plist.get(key).and_then(Value::as_string))
            .ok_or_else(|| malformed("the entitlement application-identifier is missing".into()))?
            .to_owned();
        let team_id = strings(root.get("TeamIdentifier"))
            .into_iter()
            .next()
            .or_else(|| {
                entitlements_plist
                    .get("com.apple.developer.team-identifier")
                    .and_then(Value::as_string)
                    .map(str::to_owned)
            })
            .ok_or_else(|| malformed("the key TeamIdentifier is missing".into()))?;
        // The prefix is the team id or a legacy App ID prefix; either way ten characters
        // and a dot.
        let bundle_id = application_identifier
            .split_once('.')
            .map(|(_, rest)| rest.to_owned())
            .ok_or_else(|| {
                malformed(format!(
                    "the application identifier {application_identifier} has no team prefix"
                ))
            })?;

        let devices = strings(root.get("ProvisionedDevices"));
        let flag = |value: Option<&Value>| value.and_then(Value::as_boolean).unwrap_or(false);
        let get_task_allow = flag(entitlements_plist.get("get-task-allow"));
        let profile_type = if flag(root.get("ProvisionsAllDevices")) {
            ProfileType::Enterprise
        } else if get_task_allow {
            ProfileType::Development
        } else if root.contains_key("ProvisionedDevices") {
            ProfileType::AdHoc
        } else {
            ProfileType::AppStore
        };

        let developer_certificates = root
            .get("DeveloperCertificates")
            .and_then(Value::as_array)
            .map(|certs| {
                certs
                    .iter()
                    .filter_map(Value::as_data)
                    .map(developer_certificate)
                    .collect()
            })
            .unwrap_or_default();

        Ok(Self {
            uuid: required("UUID")?,
            name: required("Name")?,
            team_name: string("TeamName"),
            app_id_name: string("AppIDName"),
            team_id,
            aps_environment: entitlements_plist
                .get("aps-environment")
                .and_then(Value::as_string)
                .map(str::to_owned),
            application_identifier,
            bundle_id,
            profile_type,
            platforms: strings(root.get("Platform")),
            creation_date: date("CreationDate")?,
            expiration_date: date("ExpirationDate")?,
            entitlements,
            devices,
            developer_certificates,
        })
    }

    /// Whether the profile's application identifier covers `bundle_id` (`*` in the
    /// identifier matches any run of characters, as in `com.acme.*`).
    pub fn covers_bundle_id(&self, bundle_id: &str) -> bool {
        glob_match(&self.bundle_id, bundle_id)
    }

    /// Fails unless the profile can sign `bundle_id`.
    pub fn check_bundle_id(&self, bundle_id: &str) -> Result<()> {
        if self.covers_bundle_id(bundle_id) {
            Ok(())
        } else {
            Err(Error::ProfileBundleIdMismatch {
                profile_app_id: self.bundle_id.clone(),
                bundle_id: bundle_id.to_owned(),
            })
        }
    }

    /// Whether the certificate with this DER is among the profile's developer certificates.
    pub fn allows_certificate(&self, certificate_der: &[u8]) -> bool {
        let sha1 = hex_upper(&Sha1::digest(certificate_der), ":");
        self.developer_certificates
            .iter()
            .any(|c| c.sha1_fingerprint == sha1)
    }

    /// Fails unless the certificate (DER, e.g. the one in the `.p12`) may sign with this
    /// profile.
    pub fn check_certificate(&self, certificate_der: &[u8]) -> Result<()> {
        if self.allows_certificate(certificate_der) {
            return Ok(());
        }
        let allowed: Vec<String> = self
            .developer_certificates
            .iter()
            .map(|c| match &c.common_name {
                Some(name) => format!("{} \"{name}\"", c.sha1_fingerprint),
                None => c.sha1_fingerprint.clone(),
            })
            .collect();
        Err(Error::ProfileCertificateMismatch {
            certificate_sha1: hex_upper(&Sha1::digest(certificate_der), ":"),
            allowed: if allowed.is_empty() {
                "no certificate at all".into()
            } else {
                allowed.join(", ")
            },
        })
    }

    /// Fails when the profile has expired at `now` (unix seconds, passed in).
    pub fn check_not_expired(&self, now: i64) -> Result<()> {
        if now >= self.expiration_date {
            return Err(Error::Expired {
                what: format!("the provisioning profile \"{}\"", self.name),
                expired_on: format_utc(self.expiration_date),
                action: "regenerate it in the Apple developer portal and upload the new one",
            });
        }
        Ok(())
    }

    /// Whole days left before expiry at `now` (negative once expired).
    pub fn days_left(&self, now: i64) -> i64 {
        (self.expiration_date - now).div_euclid(86_400)
    }

    /// All three checks EAS makes before a build, in the order a person fixes them: the
    /// bundle id, the certificate, the expiry.
    pub fn validate(&self, bundle_id: &str, certificate_der: &[u8], now: i64) -> Result<()> {
        self.check_bundle_id(bundle_id)?;
        self.check_certificate(certificate_der)?;
        self.check_not_expired(now)
    }
}

/// `*` matches any run of characters (also none); everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // Iterative wildcard matching with one backtrack point: linear-ish, no recursion.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

fn malformed(reason: String) -> Error {
    Error::Malformed { what: WHAT, reason }
}

fn developer_certificate(der: &[u8]) -> DeveloperCertificate {
    let parsed = AppleCertificate::from_cer(der).ok();
    DeveloperCertificate {
        sha1_fingerprint: hex_upper(&Sha1::digest(der), ":"),
        common_name: parsed
            .as_ref()
            .and_then(|c| c.common_name().map(str::to_owned)),
        serial_hex: parsed.as_ref().map(|c| c.serial_hex().to_owned()),
        not_after: parsed.as_ref().map(AppleCertificate::not_after),
    }
}

/// The content of a CMS SignedData: ContentInfo { id-signedData, [0] SignedData { version,
/// digestAlgorithms, EncapsulatedContentInfo { id-data, [0] OCTET STRING }, ... } }.
fn signed_content(bytes: &[u8]) -> core::result::Result<Vec<u8>, &'static str> {
    let (content_info, rest) = ber::read(bytes)?;
    if !rest.is_empty() {
        return Err("there are bytes after the signed data");
    }
    expect(content_info.tag, Tag::SEQUENCE, "it is not CMS signed data")?;
    let parts = ber::children(content_info.content)?;
    let [oid, explicit, ..] = parts.as_slice() else {
        return Err("it is not CMS signed data");
    };
    expect(oid.tag, Tag::OID, "it is not CMS signed data")?;
    if oid.content != OID_SIGNED_DATA {
        return Err("it is CMS, but not signed data");
    }
    expect(explicit.tag, Tag::context(0), "the signed data is missing")?;
    let signed_data = ber::children(explicit.content)?;
    let [signed_data] = signed_data.as_slice() else {
        return Err("the signed data is malformed");
    };
    expect(
        signed_data.tag,
        Tag::SEQUENCE,
        "the signed data is malformed",
    )?;
    let fields = ber::children(signed_data.content)?;
    let [version, digests, encap, ..] = fields.as_slice() else {
        return Err("the signed data is incomplete");
    };
    expect(version.tag, Tag::INTEGER, "the signed data has no version")?;
    expect(
        digests.tag,
        Tag::SET,
        "the signed data has no digest algorithms",
    )?;
    expect(encap.tag, Tag::SEQUENCE, "the signed data has no content")?;
    let encap = ber::children(encap.content)?;
    let [content_type, rest @ ..] = encap.as_slice() else {
        return Err("the signed data has no content type");
    };
    expect(
        content_type.tag,
        Tag::OID,
        "the signed data has no content type",
    )?;
    if content_type.content != OID_DATA {
        return Err("the signed content is not data");
    }
    let [explicit] = rest else {
        return Err("the signature is detached: the file carries no profile");
    };
    expect(
        explicit.tag,
        Tag::context(0),
        "the signed content is malformed",
    )?;
    let inner = ber::children(explicit.content)?;
    let [octets] = inner.as_slice() else {
        return Err("the signed content is malformed");
    };
    ber::octet_string(*octets)
}

fn expect(
    found: Tag,
    wanted: Tag,
    problem: &'static str,
) -> core::result::Result<(), &'static str> {
    if found == wanted {
        Ok(())
    } else {
        Err(problem)
    }
}

/// Refuses plists with more than [`MAX_PLIST_COLLECTIONS`] arrays and dictionaries before
/// `plist` builds them: nesting is bounded by the count, so neither building, converting nor
/// (recursively) dropping the value can exhaust the stack. Every `<array`/`<dict` opening
/// tag is counted, wherever it appears: counting too many can only refuse, never let a deep
/// plist through (closing tags are not trusted, they could hide in comments or attributes).
fn check_collections(xml: &[u8]) -> Result<()> {
    let mut count = 0usize;
    let mut i = 0;
    while let Some(offset) = xml[i..].iter().position(|&b| b == b'<') {
        i += offset;
        // A tag's first bytes are enough; the bounded look keeps `<<<<…` linear.
        let window = &xml[i..xml.len().min(i + 64)];
        let tag = &window[..window
            .iter()
            .position(|&b| b == b'>')
            .unwrap_or(window.len())];
        if (tag.starts_with(b"<array") || tag.starts_with(b"<dict")) && !tag.ends_with(b"/") {
            count += 1;
            if count > MAX_PLIST_COLLECTIONS {
                return Err(malformed(format!(
                    "its property list has more than {MAX_PLIST_COLLECTIONS} arrays and \
                     dictionaries, far more than any profile"
                )));
            }
        }
        i += 1;
    }
    Ok(())
}

/// A plist value as JSON: data becomes base64, dates ISO 8601 text. Depth is bounded by
/// [`check_collections`].
fn to_json(value: &Value) -> Json {
    use base64::{Engine, engine::general_purpose::STANDARD};
    match value {
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Dictionary(dict) => {
            Json::Object(dict.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
        Value::Boolean(b) => Json::Bool(*b),
        Value::Data(bytes) => Json::String(STANDARD.encode(bytes)),
        Value::Date(date) => Json::String(date.to_xml_format()),
        Value::Real(r) => serde_json::Number::from_f64(*r).map_or(Json::Null, Json::Number),
        Value::Integer(i) => i
            .as_signed()
            .map(Json::from)
            .or_else(|| i.as_unsigned().map(Json::from))
            .unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.clone()),
        Value::Uid(uid) => Json::from(uid.get()),
        _ => Json::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPSTORE: &[u8] = include_bytes!("../../tests/fixtures/apple/appstore.mobileprovision");
    const APPSTORE_BER: &[u8] =
        include_bytes!("../../tests/fixtures/apple/appstore-ber.mobileprovision");
    const ADHOC: &[u8] = include_bytes!("../../tests/fixtures/apple/adhoc.mobileprovision");
    const APPSTORE_PLIST: &[u8] = include_bytes!("../../tests/fixtures/apple/appstore.plist");
    const CER: &[u8] = include_bytes!("../../tests/fixtures/apple/distribution.cer");
    const OTHER_CER: &[u8] = include_bytes!("../../tests/fixtures/apple/other-distribution.cer");

    /// 2026-06-01T00:00:00Z, inside the fixtures' validity (2026-01-15 to 2027-01-15).
    const JUNE_2026: i64 = 1_780_272_000;
    /// 2027-01-15T10:00:00Z, the fixtures' ExpirationDate.
    const EXPIRY: i64 = 1_800_007_200;

    #[test]
    fn app_store_profile_der_reads_every_field() {
        let p = ProvisioningProfile::from_mobileprovision(APPSTORE).expect("profile");
        assert_eq!(p.uuid, "5f1c2e7a-3b4d-4e8f-9a0b-1c2d3e4f5a6b");
        assert_eq!(p.name, "Acme App Store");
        assert_eq!(p.team_id, "A1B2C3D4E5");
        assert_eq!(p.team_name.as_deref(), Some("Acme Inc"));
        assert_eq!(p.app_id_name.as_deref(), Some("Acme App"));
        assert_eq!(p.application_identifier, "A1B2C3D4E5.com.acme.app");
        assert_eq!(p.bundle_id, "com.acme.app");
        assert_eq!(p.profile_type, ProfileType::AppStore);
        assert_eq!(p.platforms, ["iOS", "xrOS", "visionOS"]);
        assert_eq!(p.creation_date, 1_768_471_200); // 2026-01-15T10:00:00Z
        assert_eq!(p.expiration_date, EXPIRY);
        assert_eq!(p.aps_environment.as_deref(), Some("production"));
        assert_eq!(p.entitlements["get-task-allow"], Json::Bool(false));
        assert_eq!(
            p.entitlements["keychain-access-groups"],
            serde_json::json!(["A1B2C3D4E5.*", "com.apple.token"])
        );
        assert!(p.devices.is_empty());
        assert_eq!(p.developer_certificates.len(), 1);
        let cert = &p.developer_certificates[0];
        let expected = AppleCertificate::from_cer(CER).expect("cer");
        assert_eq!(cert.sha1_fingerprint, expected.sha1_fingerprint());
        assert_eq!(
            cert.common_name.as_deref(),
            Some("Apple Distribution: Acme Inc (A1B2C3D4E5)")
        );
        assert_eq!(cert.serial_hex.as_deref(), Some("5A3F7C19E2B4D6A8"));
    }

    #[test]
    fn ber_indefinite_length_and_bare_plist_read_the_same() {
        let der = ProvisioningProfile::from_mobileprovision(APPSTORE).expect("der");
        let ber = ProvisioningProfile::from_mobileprovision(APPSTORE_BER).expect("ber");
        let plist = ProvisioningProfile::from_plist_xml(APPSTORE_PLIST).expect("plist");
        assert_eq!(der, ber);
        assert_eq!(der, plist);
    }

    #[test]
    fn ad_hoc_profile_with_wildcard_and_devices() {
        let p = ProvisioningProfile::from_mobileprovision(ADHOC).expect("profile");
        assert_eq!(p.profile_type, ProfileType::AdHoc);
        assert_eq!(p.name, "Acme Ad Hoc *");
        assert_eq!(p.bundle_id, "com.acme.*");
        assert_eq!(
            p.devices,
            [
                "00008030-001A2B3C4D5E802E",
                "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
            ]
        );
        assert!(p.check_bundle_id("com.acme.app").is_ok());
        assert!(p.check_bundle_id("com.acme.app.widget").is_ok());
        let err = p.check_bundle_id("org.other.app").expect_err("other");
        assert!(
            err.to_string()
                .contains("issued for com.acme.*, not org.other.app"),
            "{err}"
        );
    }

    #[test]
    fn validation_names_what_is_wrong() {
        let p = ProvisioningProfile::from_mobileprovision(APPSTORE).expect("profile");
        p.validate("com.acme.app", CER, JUNE_2026)
            .expect("all good");

        let err = p
            .validate("com.acme.other", CER, JUNE_2026)
            .expect_err("bundle");
        assert_eq!(
            err.to_string(),
            "this profile was issued for com.acme.app, not com.acme.other: pick the profile made \
             for com.acme.other, or create one for it in the Apple developer portal"
        );

        let err = p
            .validate("com.acme.app", OTHER_CER, JUNE_2026)
            .expect_err("cert");
        assert!(
            matches!(err, Error::ProfileCertificateMismatch { .. }),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains(
                &AppleCertificate::from_cer(OTHER_CER)
                    .expect("c")
                    .sha1_fingerprint()
            )
        );
        assert!(
            text.contains("Apple Distribution: Acme Inc (A1B2C3D4E5)"),
            "{text}"
        );

        assert!(p.check_not_expired(EXPIRY - 1).is_ok());
        let err = p
            .validate("com.acme.app", CER, EXPIRY)
            .expect_err("expired");
        assert_eq!(
            err.to_string(),
            "the provisioning profile \"Acme App Store\" expired on 2027-01-15 10:00 UTC: \
             regenerate it in the Apple developer portal and upload the new one"
        );
        assert_eq!(p.days_left(EXPIRY - 86_400), 1);
        assert_eq!(p.days_left(EXPIRY + 1), -1);
    }

    #[test]
    fn glob_table() {
        let table = [
            ("com.acme.app", "com.acme.app", true),
            ("com.acme.app", "com.acme.app2", false),
            ("com.acme.app", "com.acme", false),
            ("com.acme.*", "com.acme.app", true),
            ("com.acme.*", "com.acme.app.widget", true),
            ("com.acme.*", "com.acmex.app", false),
            ("com.acme.*", "com.acme", false),
            ("*", "anything.at.all", true),
            ("*", "", true),
            ("com.*.app", "com.acme.app", true),
            ("com.*.app", "com.acme.tool", false),
            ("com.acme.*.*", "com.acme.a.b", true),
            ("", "", true),
            ("", "x", false),
            ("com.Acme.app", "com.acme.app", false),
        ];
        for (pattern, text, expected) in table {
            assert_eq!(glob_match(pattern, text), expected, "{pattern} vs {text}");
        }
    }

    fn plist_with(extra_root: &str, get_task_allow: bool) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>UUID</key><string>u</string><key>Name</key><string>n</string>
<key>TeamIdentifier</key><array><string>A1B2C3D4E5</string></array>
<key>CreationDate</key><date>2026-01-15T10:00:00Z</date>
<key>ExpirationDate</key><date>2027-01-15T10:00:00Z</date>
<key>Entitlements</key><dict>
<key>application-identifier</key><string>A1B2C3D4E5.com.acme.app</string>
<key>get-task-allow</key><{get_task_allow}/>
</dict>{extra_root}</dict></plist>"#
        )
        .into_bytes()
    }

    #[test]
    fn type_follows_devices_all_devices_and_get_task_allow() {
        let devices = "<key>ProvisionedDevices</key><array><string>d</string></array>";
        let all = "<key>ProvisionsAllDevices</key><true/>";
        let cases = [
            ("", false, ProfileType::AppStore),
            (devices, false, ProfileType::AdHoc),
            (devices, true, ProfileType::Development),
            (all, false, ProfileType::Enterprise),
        ];
        for (extra, debug, expected) in cases {
            let p = ProvisioningProfile::from_plist_xml(&plist_with(extra, debug)).expect("plist");
            assert_eq!(p.profile_type, expected, "{extra} {debug}");
        }
    }

    #[test]
    fn missing_keys_are_named() {
        let good = String::from_utf8(plist_with("", false)).expect("utf8");
        for (key, broken) in [
            ("UUID", good.replace("<key>UUID</key>", "<key>X</key>")),
            ("Name", good.replace("<key>Name</key>", "<key>X</key>")),
            (
                "ExpirationDate",
                good.replace("<key>ExpirationDate</key>", "<key>X</key>"),
            ),
            (
                "application-identifier",
                good.replace("application-identifier", "x"),
            ),
            (
                "Entitlements",
                good.replace("<key>Entitlements</key>", "<key>X</key>"),
            ),
        ] {
            let err = ProvisioningProfile::from_plist_xml(broken.as_bytes()).expect_err(key);
            assert!(err.to_string().contains(key), "{key}: {err}");
        }
    }

    #[test]
    fn malformed_inputs_are_errors_not_panics() {
        let cases: &[&[u8]] = &[
            b"",
            b"<?xml version=\"1.0\"?><plist><dict>",
            APPSTORE_PLIST, // a bare plist is not a .mobileprovision
            CER,            // a certificate is DER, but not CMS
            &[0x30, 0x80, 0x00, 0x00],
            &[0x30, 0x03, 0x06, 0x01, 0x00],
        ];
        for case in cases {
            let err = ProvisioningProfile::from_mobileprovision(case).expect_err("malformed");
            assert!(matches!(err, Error::Malformed { what: WHAT, .. }), "{err}");
        }
        for input in [APPSTORE, APPSTORE_BER, ADHOC] {
            for cut in 0..input.len() {
                assert!(ProvisioningProfile::from_mobileprovision(&input[..cut]).is_err());
            }
            let mut flipped = input.to_vec();
            for i in (0..flipped.len()).step_by(13) {
                flipped[i] ^= 0x5a;
                let _ = ProvisioningProfile::from_mobileprovision(&flipped);
                flipped[i] ^= 0x5a;
            }
        }
        let mut trailing = APPSTORE.to_vec();
        trailing.push(0);
        assert!(ProvisioningProfile::from_mobileprovision(&trailing).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        // Closing tags hidden where the parser would not see them do not help.
        let sneaky = "<array><!-- </array> -->".repeat(600);
        let err = ProvisioningProfile::from_plist_xml(sneaky.as_bytes()).expect_err("sneaky");
        assert!(matches!(err, Error::Malformed { .. }), "{err}");
        let deep = format!(
            "<plist><dict>{}</dict></plist>",
            "<array>".repeat(100_000) + &"</array>".repeat(100_000)
        );
        let err = ProvisioningProfile::from_plist_xml(deep.as_bytes()).expect_err("deep");
        assert!(err.to_string().contains("more than 512 arrays"), "{err}");
    }
}
