//! Apple's resources as this client reads them from JSON:API documents
//! (`{"data": {"type", "id", "attributes"}}`, lists with `links.next`), and Apple's error
//! objects (`{"errors": [{"status", "code", "title", "detail"}]}`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::request::check_token;
use crate::{Error, Result};

/// One of Apple's error objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// The HTTP status, as text (`"409"`).
    #[serde(default)]
    pub status: String,
    /// Apple's code, e.g. `NOT_AUTHORIZED`, `ENTITY_ERROR.ATTRIBUTE.INVALID`.
    #[serde(default)]
    pub code: String,
    /// Short summary.
    #[serde(default)]
    pub title: String,
    /// What was wrong.
    #[serde(default)]
    pub detail: String,
}

/// The first error object of an error document, or a description of a body that is none.
pub fn first_error(status: u16, body: &[u8]) -> ApiError {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<ApiError>,
    }
    serde_json::from_slice::<Errors>(body)
        .ok()
        .and_then(|e| e.errors.into_iter().next())
        .unwrap_or_else(|| ApiError {
            status: status.to_string(),
            code: "UNEXPECTED_RESPONSE".into(),
            title: "not an App Store Connect error document".into(),
            detail: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        })
}

/// A registered App ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleId {
    /// Apple's resource id.
    pub id: String,
    /// `com.acme.app`.
    pub identifier: String,
    /// Display name.
    pub name: String,
}

/// A certificate at Apple.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Apple's resource id.
    pub id: String,
    /// `IOS_DISTRIBUTION`, `IOS_DEVELOPMENT`, `DISTRIBUTION`…
    pub certificate_type: String,
    /// Display name (e.g. the team's name).
    pub name: String,
    /// Serial number in hex, as Apple shows it (uppercase).
    pub serial_number: String,
    /// ISO 8601, as Apple sends it.
    pub expiration_date: String,
    /// The certificate (DER), when the response carried it.
    #[serde(skip)]
    pub content: Option<Vec<u8>>,
}

impl Certificate {
    /// Whether `serial` (any case, leading zeros or not) is this certificate's.
    pub fn has_serial(&self, serial: &str) -> bool {
        normalize_serial(&self.serial_number) == normalize_serial(serial)
    }
}

/// A serial number in lowercase hex without leading zeros (how Signet's metadata holds it).
pub fn normalize_serial(serial: &str) -> String {
    let s = serial
        .trim()
        .replace(':', "")
        .to_ascii_lowercase()
        .trim_start_matches('0')
        .to_owned();
    if s.is_empty() { "0".into() } else { s }
}

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Apple's resource id.
    pub id: String,
    /// The UDID.
    pub udid: String,
    /// Display name.
    pub name: String,
}

/// A provisioning profile at Apple.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Apple's resource id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `IOS_APP_STORE`, `IOS_APP_ADHOC`, `IOS_APP_DEVELOPMENT`…
    pub profile_type: String,
    /// The `.mobileprovision` file.
    #[serde(skip)]
    pub content: Vec<u8>,
}

fn malformed(what: &str, why: impl core::fmt::Display) -> Error {
    Error::Malformed {
        what: "App Store Connect response",
        reason: format!("{what}: {why}"),
    }
}

fn text(attributes: &Value, key: &str) -> String {
    attributes
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// One resource object of `kind`: its id (checked) and attributes.
fn resource<'a>(value: &'a Value, kind: &str) -> Result<(String, &'a Value)> {
    if value.get("type").and_then(Value::as_str) != Some(kind) {
        return Err(malformed(kind, "a resource of another type"));
    }
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(kind, "a resource without an id"))?;
    check_token("App Store Connect resource id", id)?;
    let attributes = value
        .get("attributes")
        .ok_or_else(|| malformed(kind, "a resource without attributes"))?;
    Ok((id.to_owned(), attributes))
}

fn base64(what: &str, text: &str) -> Result<Vec<u8>> {
    use base64::Engine as _;
    let cleaned: String = text.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .map_err(|e| malformed(what, format!("its content is not base64 ({e})")))
}

impl BundleId {
    /// From a resource object.
    pub fn from_resource(value: &Value) -> Result<Self> {
        let (id, a) = resource(value, "bundleIds")?;
        Ok(Self {
            id,
            identifier: text(a, "identifier"),
            name: text(a, "name"),
        })
    }
}

impl Certificate {
    /// From a resource object.
    pub fn from_resource(value: &Value) -> Result<Self> {
        let (id, a) = resource(value, "certificates")?;
        let content = match a.get("certificateContent").and_then(Value::as_str) {
            Some(b64) => Some(base64("certificate", b64)?),
            None => None,
        };
        Ok(Self {
            id,
            certificate_type: text(a, "certificateType"),
            name: text(a, "displayName"),
            serial_number: text(a, "serialNumber"),
            expiration_date: text(a, "expirationDate"),
            content,
        })
    }
}

impl Device {
    /// From a resource object.
    pub fn from_resource(value: &Value) -> Result<Self> {
        let (id, a) = resource(value, "devices")?;
        Ok(Self {
            id,
            udid: text(a, "udid"),
            name: text(a, "name"),
        })
    }
}

impl Profile {
    /// From a resource object (the content is required: it is the file).
    pub fn from_resource(value: &Value) -> Result<Self> {
        let (id, a) = resource(value, "profiles")?;
        let content = a
            .get("profileContent")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("profiles", "a profile without its content"))?;
        Ok(Self {
            id,
            name: text(a, "name"),
            profile_type: text(a, "profileType"),
            content: base64("profile", content)?,
        })
    }
}

/// A document's `data` (one object) and, for lists, `links.next`.
pub fn data(body: &[u8]) -> Result<(Value, Option<String>)> {
    let doc: Value = serde_json::from_slice(body)
        .map_err(|e| malformed("document", format!("not JSON ({e})")))?;
    let next = doc
        .get("links")
        .and_then(|l| l.get("next"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let data = doc
        .get("data")
        .cloned()
        .ok_or_else(|| malformed("document", "no data member"))?;
    Ok((data, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resources_read_apples_shapes_and_refuse_odd_ids() {
        let cert = Certificate::from_resource(&json!({
            "type": "certificates", "id": "ABC123",
            "attributes": {"certificateType": "IOS_DISTRIBUTION", "displayName": "Acme",
                "serialNumber": "7E57C0DE01", "expirationDate": "2027-12-05T12:00:00.000+0000",
                "certificateContent": "MIIB"}
        }))
        .expect("certificate");
        assert!(cert.has_serial("7e57c0de01"));
        assert!(cert.has_serial("007E:57:C0:DE:01"));
        assert!(
            Device::from_resource(&json!({"type": "devices", "id": "../x", "attributes": {}}))
                .is_err()
        );
        assert!(
            Device::from_resource(&json!({"type": "profiles", "id": "X", "attributes": {}}))
                .is_err()
        );
    }

    #[test]
    fn error_documents_and_other_bodies_both_explain_themselves() {
        let e = first_error(
            401,
            br#"{"errors":[{"status":"401","code":"NOT_AUTHORIZED","title":"Authentication credentials are missing or invalid.","detail":"Provide a properly configured and signed bearer token."}]}"#,
        );
        assert_eq!(e.code, "NOT_AUTHORIZED");
        let e = first_error(502, b"<html>bad gateway</html>");
        assert_eq!(e.status, "502");
        assert!(e.detail.contains("bad gateway"));
    }
}
