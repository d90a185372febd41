//! The requests this client sends to App Store Connect, each with the `scope` entry that
//! allows exactly it (Apple's JWT `scope` claim: `"METHOD /v1/path?query"`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{Error, Result};

/// The HTTP methods the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Read.
    Get,
    /// Create.
    Post,
    /// Revoke or delete.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Delete => "DELETE",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "GET" => Some(Self::Get),
            "POST" => Some(Self::Post),
            "DELETE" => Some(Self::Delete),
            _ => None,
        }
    }
}

/// One request: method, path with query (always under `/v1/`), JSON body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// `/v1/…`, query string included.
    pub path: String,
    /// The JSON:API document sent, for POST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// Whether `path` is one this client may send: under `/v1/`, no `..`, no whitespace, no
/// fragment, no scheme or host — the relay and the scope check both rely on it.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/v1/")
        && path.len() <= 2048
        && !path.contains("..")
        && !path.contains("//")
        && !path.contains('#')
        && !path.contains('\\')
        && path.bytes().all(|b| b.is_ascii_graphic())
}

/// Apple's resource ids (and bundle identifiers, UDIDs, serial numbers put into paths and
/// queries): letters, digits, `.`, `-` and `_` only, so an id from a response can never
/// change the shape of a later request.
pub fn check_token(what: &str, value: &str) -> Result<()> {
    if !value.is_empty()
        && value.len() <= 200
        && !value.contains("..")
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{value:?} is not a valid {what}: only letters, digits, '.', '-' and '_' are allowed"
        )))
    }
}

impl Request {
    fn get(path: String) -> Self {
        Self {
            method: Method::Get,
            path,
            body: None,
        }
    }

    fn post(path: &str, body: Value) -> Self {
        Self {
            method: Method::Post,
            path: path.to_owned(),
            body: Some(body),
        }
    }

    /// The entry of Apple's `scope` claim that allows exactly this request.
    pub fn scope(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }

    /// `GET /v1/bundleIds?filter[identifier]=…`: Apple matches identifiers by prefix, so the
    /// caller keeps only the exact one.
    pub fn find_bundle_id(identifier: &str) -> Result<Self> {
        check_token("bundle identifier", identifier)?;
        Ok(Self::get(format!(
            "/v1/bundleIds?filter[identifier]={identifier}&limit=200"
        )))
    }

    /// `POST /v1/bundleIds`: registers an explicit iOS App ID.
    pub fn register_bundle_id(identifier: &str, name: &str) -> Result<Self> {
        check_token("bundle identifier", identifier)?;
        Ok(Self::post(
            "/v1/bundleIds",
            json!({"data": {"type": "bundleIds", "attributes": {
                "identifier": identifier, "name": name, "platform": "IOS"
            }}}),
        ))
    }

    /// `GET /v1/certificates?filter[certificateType]=…`.
    pub fn list_certificates(kind: &str) -> Result<Self> {
        check_token("certificate type", kind)?;
        Ok(Self::get(format!(
            "/v1/certificates?filter[certificateType]={kind}&limit=200"
        )))
    }

    /// `GET /v1/certificates?filter[serialNumber]=…`.
    pub fn find_certificate(serial_hex: &str) -> Result<Self> {
        check_token("certificate serial number", serial_hex)?;
        Ok(Self::get(format!(
            "/v1/certificates?filter[serialNumber]={}",
            serial_hex.to_ascii_uppercase()
        )))
    }

    /// `POST /v1/certificates` with the CSR (PEM) and the type.
    pub fn create_certificate(csr_pem: &str, kind: &str) -> Result<Self> {
        check_token("certificate type", kind)?;
        Ok(Self::post(
            "/v1/certificates",
            json!({"data": {"type": "certificates", "attributes": {
                "csrContent": csr_pem, "certificateType": kind
            }}}),
        ))
    }

    /// `DELETE /v1/certificates/{id}`: revokes the certificate.
    pub fn revoke_certificate(id: &str) -> Result<Self> {
        check_token("certificate id", id)?;
        Ok(Self {
            method: Method::Delete,
            path: format!("/v1/certificates/{id}"),
            body: None,
        })
    }

    /// `GET /v1/devices?filter[platform]=IOS&filter[status]=ENABLED`.
    pub fn list_devices() -> Self {
        Self::get("/v1/devices?filter[platform]=IOS&filter[status]=ENABLED&limit=200".into())
    }

    /// `POST /v1/devices`.
    pub fn register_device(udid: &str, name: &str) -> Result<Self> {
        check_token("device UDID", udid)?;
        if name.trim().is_empty() || name.len() > 50 {
            return Err(Error::InvalidInput(format!(
                "{name:?} is not a device name: give 1 to 50 characters, e.g. \"Ana's iPhone\""
            )));
        }
        Ok(Self::post(
            "/v1/devices",
            json!({"data": {"type": "devices", "attributes": {
                "name": name.trim(), "udid": udid, "platform": "IOS"
            }}}),
        ))
    }

    /// `POST /v1/profiles`: a profile of `kind` for the bundle id, allowing the certificate,
    /// on `devices` (Ad Hoc and Development).
    pub fn create_profile(
        name: &str,
        kind: Distribution,
        bundle_id: &str,
        certificate_id: &str,
        devices: &[String],
    ) -> Result<Self> {
        check_token("bundle id resource id", bundle_id)?;
        check_token("certificate id", certificate_id)?;
        for id in devices {
            check_token("device id", id)?;
        }
        let mut relationships = json!({
            "bundleId": {"data": {"type": "bundleIds", "id": bundle_id}},
            "certificates": {"data": [{"type": "certificates", "id": certificate_id}]},
        });
        if kind.needs_devices() {
            relationships["devices"] = json!({"data": devices
                .iter()
                .map(|id| json!({"type": "devices", "id": id}))
                .collect::<Vec<_>>()});
        }
        Ok(Self::post(
            "/v1/profiles",
            json!({"data": {"type": "profiles",
                "attributes": {"name": name, "profileType": kind.profile_type()},
                "relationships": relationships}}),
        ))
    }

    /// The same path with Apple's `links.next` cursor: only the path and query of `next` are
    /// kept (the transport always talks to its own host), and only if it stays under the
    /// same resource.
    pub fn next_page(&self, next: &str) -> Result<Self> {
        let path = next
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or(next);
        let resource = |p: &str| p.split('?').next().unwrap_or_default().to_owned();
        if !is_api_path(path) || resource(path) != resource(&self.path) {
            return Err(Error::InvalidInput(format!(
                "App Store Connect sent a next-page link ({}) for another resource than {}",
                next.chars().take(120).collect::<String>(),
                resource(&self.path)
            )));
        }
        Ok(Self::get(path.to_owned()))
    }
}

/// How a build is distributed, which decides the certificate and profile types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Distribution {
    /// App Store and TestFlight: a distribution certificate, no devices.
    AppStore,
    /// Internal distribution to registered devices.
    AdHoc,
    /// Debug builds on registered devices: a development certificate.
    Development,
}

impl Distribution {
    /// What EAS build profiles usually mean: `production` → App Store, `development` →
    /// Development, anything else (`preview`, …) → Ad Hoc.
    pub fn for_build_profile(profile: &str) -> Self {
        match profile {
            "production" => Self::AppStore,
            "development" => Self::Development,
            _ => Self::AdHoc,
        }
    }

    /// Apple's `profileType`.
    pub fn profile_type(self) -> &'static str {
        match self {
            Self::AppStore => "IOS_APP_STORE",
            Self::AdHoc => "IOS_APP_ADHOC",
            Self::Development => "IOS_APP_DEVELOPMENT",
        }
    }

    /// Apple's `certificateType` for the certificate the profile allows.
    pub fn certificate_type(self) -> &'static str {
        match self {
            Self::AppStore | Self::AdHoc => "IOS_DISTRIBUTION",
            Self::Development => "IOS_DEVELOPMENT",
        }
    }

    /// Whether the profile lists devices.
    pub fn needs_devices(self) -> bool {
        !matches!(self, Self::AppStore)
    }

    /// A short name for profile names and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::AppStore => "App Store",
            Self::AdHoc => "Ad Hoc",
            Self::Development => "Development",
        }
    }

    /// The same as [`crate::ios::profile::ProfileType`].
    pub fn matches(self, kind: crate::ios::profile::ProfileType) -> bool {
        use crate::ios::profile::ProfileType as P;
        matches!(
            (self, kind),
            (Self::AppStore, P::AppStore)
                | (Self::AdHoc, P::AdHoc)
                | (Self::Development, P::Development)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_their_scopes_are_exactly_what_is_sent() {
        let r = Request::find_bundle_id("com.acme.app").expect("request");
        assert_eq!(
            r.scope(),
            "GET /v1/bundleIds?filter[identifier]=com.acme.app&limit=200"
        );
        let p = Request::create_profile(
            "Signet",
            Distribution::AdHoc,
            "B1",
            "C1",
            &["D1".into(), "D2".into()],
        )
        .expect("profile");
        assert_eq!(p.scope(), "POST /v1/profiles");
        let body = p.body.expect("body");
        assert_eq!(body["data"]["attributes"]["profileType"], "IOS_APP_ADHOC");
        assert_eq!(
            body["data"]["relationships"]["devices"]["data"][1]["id"],
            "D2"
        );
        let store = Request::create_profile("S", Distribution::AppStore, "B1", "C1", &[])
            .expect("profile")
            .body
            .expect("body");
        assert!(store["data"]["relationships"].get("devices").is_none());
    }

    #[test]
    fn ids_from_responses_cannot_reshape_a_request() {
        for bad in ["a/b", "x?y=1", "..", "a b", "", "id#frag", "ü"] {
            assert!(Request::revoke_certificate(bad).is_err(), "{bad}");
        }
        assert!(Request::find_bundle_id("com.acme.app&filter[x]=y").is_err());
    }

    #[test]
    fn next_page_links_keep_to_the_same_resource() {
        let r = Request::list_devices();
        let next = r
            .next_page("https://api.appstoreconnect.apple.com/v1/devices?cursor=AB&limit=200")
            .expect("next");
        assert_eq!(next.path, "/v1/devices?cursor=AB&limit=200");
        assert!(
            r.next_page("https://evil.example/v1/certificates?x")
                .is_err()
        );
        assert!(
            r.next_page("https://evil.example/v1/devices/../users")
                .is_err()
        );
    }

    #[test]
    fn build_profiles_map_to_distributions() {
        assert_eq!(
            Distribution::for_build_profile("production"),
            Distribution::AppStore
        );
        assert_eq!(
            Distribution::for_build_profile("preview"),
            Distribution::AdHoc
        );
        assert_eq!(
            Distribution::for_build_profile("development").certificate_type(),
            "IOS_DEVELOPMENT"
        );
    }
}
