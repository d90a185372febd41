//! An App Store Connect simulator on loopback, written from Apple's published API reference
//! (`developer.apple.com/documentation/appstoreconnectapi`): the endpoints Signet uses
//! (`/v1/bundleIds`, `/v1/certificates`, `/v1/devices`, `/v1/profiles`), JSON:API bodies,
//! Apple's error objects and status codes, and cursor pagination.
//!
//! It checks what the real service checks, so tests can fail: every request's bearer token
//! is an ES256 JWT whose signature verifies under the registered key's *public* key (the
//! simulator never sees the `.p8`), whose `kid`, `iss` and `aud` are right, whose `exp` is in
//! the future and at most 20 minutes away, and whose `scope`, when present, names exactly this
//! request. Request documents are checked field by field. Certificates are issued from the
//! CSRs by a throwaway CA with the real `openssl` (real X.509 the client and OpenSSL read),
//! and profiles are real CMS-signed `.mobileprovision` files. The team's certificate limit is
//! enforced with Apple's 409.
//!
//! What it does not know: the real service's exact wording, rate limits, Apple's own checks
//! of entitlements and capabilities, and whether it honours `scope` on non-GET requests
//! (see docs/security.md).

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result};
use axum::{
    body::Bytes,
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use p256::{
    ecdsa::{Signature, VerifyingKey, signature::Verifier},
    pkcs8::DecodePublicKey,
};
use serde_json::{Value, json};
use tokio::{sync::oneshot, task::JoinHandle};

use crate::tools::{run_ok, write_file};

/// The page size the simulator uses whatever `limit` asks, so lists paginate in tests.
const PAGE: usize = 2;

/// One request the simulator answered.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET`, `POST`…
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The status it answered.
    pub status: u16,
    /// The token's `scope` claim, if any.
    pub scope: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
struct Cert {
    id: String,
    kind: String,
    serial: String,
    der: Vec<u8>,
    not_after: i64,
}

#[derive(Debug, Clone)]
struct ProfileRec {
    name: String,
    kind: String,
    certificate_ids: Vec<String>,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    bundle_ids: Vec<(String, String, String)>, // id, identifier, name
    certificates: Vec<Cert>,
    devices: Vec<(String, String, String)>, // id, udid, name
    profiles: Vec<ProfileRec>,
    seen: Vec<Seen>,
    certificate_days: i64,
    distribution_limit: usize,
}

struct Shared {
    base: String,
    key: VerifyingKey,
    key_id: String,
    issuer_id: String,
    team_id: String,
    dir: PathBuf,
    state: Mutex<State>,
}

/// A running simulator.
pub struct AscSimulator {
    /// `http://127.0.0.1:PORT`: set `SIGNET_ASC_API_URL` to it.
    pub url: String,
    shared: Arc<Shared>,
    _dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl core::fmt::Debug for AscSimulator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AscSimulator")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AscSimulator {
    /// Starts a simulator for the Apple team `team_id` that accepts tokens of the API key
    /// `key_id` of `issuer_id` whose public key is `public_key_pem` (SPKI PEM).
    pub async fn start(
        public_key_pem: &str,
        key_id: &str,
        issuer_id: &str,
        team_id: &str,
    ) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        // The throwaway CA standing in for Apple's WWDR CA, and the profile signer.
        let d = dir.path();
        let p = |n: &str| d.join(n).to_string_lossy().into_owned();
        run_ok(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &p("ca.key"),
                "-out",
                &p("ca.pem"),
                "-days",
                "3650",
                "-subj",
                "/CN=Signet Simulated WWDR CA/O=Signet Tests/C=US",
            ],
        )?;
        run_ok(
            "openssl",
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &p("signer.key"),
                "-out",
                &p("signer.csr"),
                "-subj",
                "/CN=Apple iPhone OS Provisioning Profile Signing (simulated)",
            ],
        )?;
        run_ok(
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                &p("signer.csr"),
                "-CA",
                &p("ca.pem"),
                "-CAkey",
                &p("ca.key"),
                "-set_serial",
                "2",
                "-days",
                "3650",
                "-out",
                &p("signer.pem"),
            ],
        )?;
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        let shared = Arc::new(Shared {
            base: url.clone(),
            key: VerifyingKey::from_public_key_pem(public_key_pem)
                .map_err(|e| anyhow::anyhow!("public key: {e}"))?,
            key_id: key_id.to_owned(),
            issuer_id: issuer_id.to_owned(),
            team_id: team_id.to_owned(),
            dir: d.to_path_buf(),
            state: Mutex::new(State {
                certificate_days: 365,
                distribution_limit: 2,
                ..State::default()
            }),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            url,
            shared,
            _dir: dir,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Every request answered so far.
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.shared.state).seen.clone()
    }

    /// Certificates issued from now on expire after `days` (to test renewals).
    pub fn set_certificate_days(&self, days: i64) {
        lock(&self.shared.state).certificate_days = days;
    }

    /// How many distribution certificates the team may have (Apple's limit).
    pub fn set_distribution_limit(&self, n: usize) {
        lock(&self.shared.state).distribution_limit = n;
    }

    /// The serial numbers (uppercase hex) of the certificates Apple has (not revoked).
    pub fn certificate_serials(&self) -> Vec<String> {
        lock(&self.shared.state)
            .certificates
            .iter()
            .map(|c| c.serial.clone())
            .collect()
    }

    /// `(name, profileType, certificate ids)` of every profile.
    pub fn profiles(&self) -> Vec<(String, String, Vec<String>)> {
        lock(&self.shared.state)
            .profiles
            .iter()
            .map(|p| (p.name.clone(), p.kind.clone(), p.certificate_ids.clone()))
            .collect()
    }

    /// The registered bundle identifiers.
    pub fn bundle_identifiers(&self) -> Vec<String> {
        lock(&self.shared.state)
            .bundle_ids
            .iter()
            .map(|b| b.1.clone())
            .collect()
    }

    /// The registered UDIDs.
    pub fn device_udids(&self) -> Vec<String> {
        lock(&self.shared.state)
            .devices
            .iter()
            .map(|d| d.1.clone())
            .collect()
    }

    /// Registers a bundle id as if someone had done it on the portal.
    pub fn add_bundle_id(&self, identifier: &str) {
        let mut s = lock(&self.shared.state);
        let id = fresh_id(&mut s, "B");
        s.bundle_ids
            .push((id, identifier.to_owned(), "Portal".into()));
    }

    /// Stops the simulator.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.context("simulator task")?;
        }
        Ok(())
    }
}

impl Drop for AscSimulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn fresh_id(s: &mut State, prefix: &str) -> String {
    s.next_id += 1;
    format!("{prefix}{:08X}", s.next_id * 7919)
}

/// Apple's error document.
fn error(status: u16, code: &str, title: &str, detail: &str) -> (u16, Value) {
    (
        status,
        json!({"errors": [{
            "id": "00000000-0000-0000-0000-000000000000",
            "status": status.to_string(), "code": code, "title": title, "detail": detail
        }]}),
    )
}

fn not_authorized(detail: &str) -> (u16, Value) {
    error(
        401,
        "NOT_AUTHORIZED",
        "Authentication credentials are missing or invalid.",
        &format!(
            "Provide a properly configured and signed bearer token, and make sure that it has \
             not expired. ({detail})"
        ),
    )
}

fn invalid(detail: &str) -> (u16, Value) {
    error(
        409,
        "ENTITY_ERROR.ATTRIBUTE.INVALID",
        "The provided entity includes an attribute with an invalid value",
        detail,
    )
}

fn bad_request(detail: &str) -> (u16, Value) {
    error(
        400,
        "PARAMETER_ERROR.INVALID",
        "A parameter has an invalid value",
        detail,
    )
}

fn b64url(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
}

/// Apple's checks of the bearer token; the token's scope on success.
fn authorize(
    shared: &Shared,
    headers: &HeaderMap,
    method: &str,
    path: &str,
) -> Result<Option<Vec<String>>, (u16, Value)> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| not_authorized("no bearer token"))?;
    let parts: Vec<&str> = token.split('.').collect();
    let [h, c, s] = parts[..] else {
        return Err(not_authorized("not a JWT"));
    };
    let header: Value = b64url(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| not_authorized("unreadable header"))?;
    let claims: Value = b64url(c)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| not_authorized("unreadable claims"))?;
    let signature = b64url(s)
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or_else(|| not_authorized("unreadable signature"))?;
    if header["alg"] != "ES256" {
        return Err(not_authorized("alg must be ES256"));
    }
    if header["kid"] != shared.key_id.as_str() {
        return Err(not_authorized("unknown kid"));
    }
    shared
        .key
        .verify(format!("{h}.{c}").as_bytes(), &signature)
        .map_err(|_| not_authorized("signature does not verify"))?;
    if claims["iss"] != shared.issuer_id.as_str() {
        return Err(not_authorized("wrong iss"));
    }
    if claims["aud"] != "appstoreconnect-v1" {
        return Err(not_authorized("wrong aud"));
    }
    let exp = claims["exp"]
        .as_i64()
        .ok_or_else(|| not_authorized("no exp"))?;
    let t = now();
    if exp <= t {
        return Err(not_authorized("expired"));
    }
    if exp - t > 20 * 60 {
        return Err(not_authorized("exp more than 20 minutes away"));
    }
    if claims["iat"].as_i64().is_some_and(|iat| iat > t + 60) {
        return Err(not_authorized("iat in the future"));
    }
    match claims.get("scope") {
        None => Ok(None),
        Some(scope) => {
            let scope: Vec<String> = serde_json::from_value(scope.clone())
                .map_err(|_| not_authorized("scope is not a list of strings"))?;
            let wanted = format!("{method} {path}");
            if scope.contains(&wanted) {
                Ok(Some(scope))
            } else {
                Err(error(
                    403,
                    "FORBIDDEN_ERROR",
                    "This request is forbidden for security reasons",
                    &format!("the token's scope does not allow {wanted}"),
                ))
            }
        }
    }
}

async fn handle(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let auth = authorize(&shared, &headers, method.as_str(), &path);
    let scope = auth.as_ref().ok().cloned().flatten();
    let (status, value) = match auth {
        Err(e) => e,
        Ok(_) => {
            let shared2 = Arc::clone(&shared);
            let m = method.as_str().to_owned();
            let p = path.clone();
            tokio::task::spawn_blocking(move || route(&shared2, &m, &p, &body))
                .await
                .unwrap_or_else(|e| error(500, "UNEXPECTED_ERROR", "crashed", &e.to_string()))
        }
    };
    lock(&shared.state).seen.push(Seen {
        method: method.as_str().to_owned(),
        path,
        status,
        scope,
    });
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == 204 {
        return code.into_response();
    }
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn query(path: &str) -> BTreeMap<String, String> {
    path.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// One page of `items` with Apple's `links` (and `meta.paging`).
fn page(shared: &Shared, path: &str, items: Vec<Value>) -> (u16, Value) {
    let q = query(path);
    let start: usize = q.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(start).take(PAGE).collect();
    let mut links = json!({"self": format!("{}{path}", shared.base)});
    if start + PAGE < total {
        let resource = path.split('?').next().unwrap_or_default();
        let rest: Vec<String> = q
            .iter()
            .filter(|(k, _)| *k != "cursor")
            .map(|(k, v)| format!("{k}={v}"))
            .chain(std::iter::once(format!("cursor={}", start + PAGE)))
            .collect();
        links["next"] = json!(format!("{}{resource}?{}", shared.base, rest.join("&")));
    }
    (
        200,
        json!({"data": data, "links": links, "meta": {"paging": {"total": total, "limit": PAGE}}}),
    )
}

/// The document's `data` of `kind` and its attributes.
fn document<'a>(body: &'a Value, kind: &str) -> Result<&'a Value, (u16, Value)> {
    if body["data"]["type"] != kind {
        return Err(error(
            409,
            "ENTITY_ERROR.INCLUDED.INVALID",
            "The provided entity is invalid",
            &format!("data.type must be {kind}"),
        ));
    }
    Ok(&body["data"]["attributes"])
}

fn required<'a>(attributes: &'a Value, key: &str) -> Result<&'a str, (u16, Value)> {
    attributes[key]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            error(
                409,
                "ENTITY_ERROR.ATTRIBUTE.REQUIRED",
                "The provided entity is missing a required attribute",
                &format!("You must provide a value for the attribute '{key}' with this request"),
            )
        })
}

fn route(shared: &Shared, method: &str, path: &str, body: &[u8]) -> (u16, Value) {
    let resource = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = resource.trim_start_matches('/').split('/').collect();
    let body: Value = if method == "POST" {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return error(
                    400,
                    "ENTITY_UNPROCESSABLE",
                    "The request entity is not valid JSON",
                    &e.to_string(),
                );
            }
        }
    } else {
        Value::Null
    };
    let result = match (method, segments.as_slice()) {
        ("GET", ["v1", "bundleIds"]) => Ok(list_bundle_ids(shared, path)),
        ("POST", ["v1", "bundleIds"]) => register_bundle_id(shared, &body),
        ("GET", ["v1", "certificates"]) => Ok(list_certificates(shared, path)),
        ("POST", ["v1", "certificates"]) => create_certificate(shared, &body),
        ("DELETE", ["v1", "certificates", id]) => revoke_certificate(shared, id),
        ("GET", ["v1", "devices"]) => Ok(list_devices(shared, path)),
        ("POST", ["v1", "devices"]) => register_device(shared, &body),
        ("POST", ["v1", "profiles"]) => create_profile(shared, &body),
        _ => Err(error(
            404,
            "NOT_FOUND",
            "The specified resource does not exist",
            &format!(
                "The path provided does not match a defined resource type: {method} {resource}"
            ),
        )),
    };
    result.unwrap_or_else(|e| e)
}

fn bundle_json(b: &(String, String, String)) -> Value {
    json!({"type": "bundleIds", "id": b.0, "attributes": {
        "identifier": b.1, "name": b.2, "platform": "IOS", "seedId": "SEEDID1234"
    }})
}

fn list_bundle_ids(shared: &Shared, path: &str) -> (u16, Value) {
    let q = query(path);
    let filter = q.get("filter[identifier]").cloned().unwrap_or_default();
    let items = lock(&shared.state)
        .bundle_ids
        .iter()
        // Apple's identifier filter matches more than the exact id.
        .filter(|b| b.1.starts_with(&filter))
        .map(bundle_json)
        .collect();
    page(shared, path, items)
}

fn register_bundle_id(shared: &Shared, body: &Value) -> Result<(u16, Value), (u16, Value)> {
    let a = document(body, "bundleIds")?;
    let identifier = required(a, "identifier")?;
    let name = required(a, "name")?;
    if !matches!(a["platform"].as_str(), Some("IOS" | "MAC_OS" | "UNIVERSAL")) {
        return Err(invalid("platform must be IOS, MAC_OS or UNIVERSAL"));
    }
    if !identifier
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        || !identifier.contains('.')
    {
        return Err(invalid(&format!(
            "An attribute value has invalid characters. - '{identifier}' is not a valid identifier"
        )));
    }
    if name
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || c == ' '))
    {
        return Err(invalid(
            "The name may contain letters, digits and spaces only",
        ));
    }
    let mut s = lock(&shared.state);
    if s.bundle_ids.iter().any(|b| b.1 == identifier) {
        return Err(invalid(&format!(
            "An App ID with Identifier '{identifier}' is not available. Please enter a different string."
        )));
    }
    let id = fresh_id(&mut s, "B");
    let record = (id, identifier.to_owned(), name.to_owned());
    s.bundle_ids.push(record.clone());
    Ok((201, json!({"data": bundle_json(&record)})))
}

fn cert_json(c: &Cert, with_content: bool) -> Value {
    let mut attributes = json!({
        "certificateType": c.kind, "displayName": "Signet Test Team", "name":
        format!("{}: Signet Test Team", c.kind), "platform": "IOS", "serialNumber": c.serial,
        "expirationDate": format_time(c.not_after),
    });
    if with_content {
        attributes["certificateContent"] =
            json!(base64::engine::general_purpose::STANDARD.encode(&c.der));
    }
    json!({"type": "certificates", "id": c.id, "attributes": attributes})
}

fn format_time(unix: i64) -> String {
    let out = run_ok(
        "date",
        &[
            "-u",
            "-d",
            &format!("@{unix}"),
            "+%Y-%m-%dT%H:%M:%S.000+0000",
        ],
    );
    out.map(|s| s.trim().to_owned()).unwrap_or_default()
}

fn list_certificates(shared: &Shared, path: &str) -> (u16, Value) {
    let q = query(path);
    let items = lock(&shared.state)
        .certificates
        .iter()
        .filter(|c| {
            q.get("filter[certificateType]")
                .is_none_or(|k| *k == c.kind)
        })
        .filter(|c| {
            q.get("filter[serialNumber]")
                .is_none_or(|sn| sn.eq_ignore_ascii_case(&c.serial))
        })
        .map(|c| cert_json(c, true))
        .collect();
    page(shared, path, items)
}

fn create_certificate(shared: &Shared, body: &Value) -> Result<(u16, Value), (u16, Value)> {
    let a = document(body, "certificates")?;
    let csr = required(a, "csrContent")?;
    let kind = required(a, "certificateType")?;
    if !matches!(
        kind,
        "IOS_DISTRIBUTION" | "IOS_DEVELOPMENT" | "DISTRIBUTION" | "DEVELOPMENT"
    ) {
        return Err(invalid(&format!("'{kind}' is not a valid certificateType")));
    }
    let (days, limit, existing) = {
        let s = lock(&shared.state);
        let same = s.certificates.iter().filter(|c| c.kind == kind).count();
        (s.certificate_days, s.distribution_limit, same)
    };
    if existing >= limit {
        return Err(invalid(
            "You already have a current iOS Distribution certificate or a pending certificate request.",
        ));
    }
    // Apple takes the PEM text or the base64 of the DER.
    let pem = if csr.contains("BEGIN CERTIFICATE REQUEST") {
        csr.to_owned()
    } else {
        format!("-----BEGIN CERTIFICATE REQUEST-----\n{csr}\n-----END CERTIFICATE REQUEST-----\n")
    };
    let serial = {
        let mut s = lock(&shared.state);
        s.next_id += 1;
        format!("5E{:010X}", s.next_id * 104_729)
    };
    let d = &shared.dir;
    let csr_path = write_file(d, &format!("{serial}.csr"), pem.as_bytes())
        .map_err(|e| error(500, "UNEXPECTED_ERROR", "io", &e.to_string()))?;
    if run_ok("openssl", &["req", "-verify", "-noout", "-in", &csr_path]).is_err() {
        return Err(invalid("The CSR is invalid: its signature does not verify"));
    }
    let out = d.join(format!("{serial}.cer"));
    let prefix = if kind.contains("DEVELOPMENT") {
        "iPhone Developer"
    } else {
        "iPhone Distribution"
    };
    let team = &shared.team_id;
    let issued = run_ok(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &csr_path,
            "-CA",
            &d.join("ca.pem").to_string_lossy(),
            "-CAkey",
            &d.join("ca.key").to_string_lossy(),
            "-set_serial",
            &format!("0x{serial}"),
            "-days",
            &days.to_string(),
            "-subj",
            &format!(
                "/UID={team}/CN={prefix}: Signet Test Team ({team})/OU={team}/O=Signet Test Team/C=US"
            ),
            "-outform",
            "DER",
            "-out",
            &out.to_string_lossy(),
        ],
    );
    if let Err(e) = issued {
        return Err(invalid(&format!("The CSR could not be processed: {e}")));
    }
    let der =
        std::fs::read(&out).map_err(|e| error(500, "UNEXPECTED_ERROR", "io", &e.to_string()))?;
    let mut s = lock(&shared.state);
    let id = fresh_id(&mut s, "C");
    let cert = Cert {
        id,
        kind: kind.to_owned(),
        serial,
        der,
        not_after: now() + days * 86_400,
    };
    s.certificates.push(cert.clone());
    Ok((201, json!({"data": cert_json(&cert, true)})))
}

fn revoke_certificate(shared: &Shared, id: &str) -> Result<(u16, Value), (u16, Value)> {
    let mut s = lock(&shared.state);
    let before = s.certificates.len();
    s.certificates.retain(|c| c.id != id);
    if s.certificates.len() == before {
        return Err(error(
            404,
            "NOT_FOUND",
            "The specified resource does not exist",
            &format!("There is no resource of type 'certificates' with id '{id}'"),
        ));
    }
    Ok((204, Value::Null))
}

fn device_json(d: &(String, String, String)) -> Value {
    json!({"type": "devices", "id": d.0, "attributes": {
        "udid": d.1, "name": d.2, "platform": "IOS", "status": "ENABLED",
        "deviceClass": "IPHONE", "model": "iPhone"
    }})
}

fn list_devices(shared: &Shared, path: &str) -> (u16, Value) {
    let q = query(path);
    if q.get("filter[platform]")
        .is_some_and(|p| p != "IOS" && p != "MAC_OS")
    {
        return bad_request("filter[platform] must be IOS or MAC_OS");
    }
    let items = lock(&shared.state)
        .devices
        .iter()
        .map(device_json)
        .collect();
    page(shared, path, items)
}

fn register_device(shared: &Shared, body: &Value) -> Result<(u16, Value), (u16, Value)> {
    let a = document(body, "devices")?;
    let udid = required(a, "udid")?;
    let name = required(a, "name")?;
    if a["platform"] != "IOS" {
        return Err(invalid("platform must be IOS"));
    }
    let hex = udid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if !(hex && (udid.len() == 40 || udid.len() == 25)) {
        return Err(invalid(&format!(
            "An attribute value is not acceptable for the current resource. - '{udid}' is not a valid UDID"
        )));
    }
    let mut s = lock(&shared.state);
    if s.devices.iter().any(|d| d.1.eq_ignore_ascii_case(udid)) {
        return Err(invalid(&format!(
            "A device with number '{udid}' already exists on this team."
        )));
    }
    let id = fresh_id(&mut s, "D");
    let record = (id, udid.to_owned(), name.to_owned());
    s.devices.push(record.clone());
    Ok((201, json!({"data": device_json(&record)})))
}

fn ids<'a>(relationships: &'a Value, key: &str, kind: &str) -> Result<Vec<&'a str>, (u16, Value)> {
    let data = &relationships[key]["data"];
    let list: Vec<&Value> = match data {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![data],
        Value::Null => Vec::new(),
        _ => return Err(invalid(&format!("relationships.{key}.data is malformed"))),
    };
    list.into_iter()
        .map(|v| {
            if v["type"] != kind {
                return Err(invalid(&format!(
                    "relationships.{key} must reference {kind}"
                )));
            }
            v["id"]
                .as_str()
                .ok_or_else(|| invalid(&format!("relationships.{key} needs ids")))
        })
        .collect()
}

fn create_profile(shared: &Shared, body: &Value) -> Result<(u16, Value), (u16, Value)> {
    let a = document(body, "profiles")?;
    let name = required(a, "name")?.to_owned();
    let kind = required(a, "profileType")?.to_owned();
    let r = &body["data"]["relationships"];
    let bundle = ids(r, "bundleId", "bundleIds")?;
    let certs = ids(r, "certificates", "certificates")?;
    let devices = ids(r, "devices", "devices")?;
    let (dev_cert, needs_devices) = match kind.as_str() {
        "IOS_APP_STORE" => (false, false),
        "IOS_APP_ADHOC" => (false, true),
        "IOS_APP_DEVELOPMENT" => (true, true),
        other => return Err(invalid(&format!("'{other}' is not a valid profileType"))),
    };
    let s = lock(&shared.state);
    if s.profiles.iter().any(|p| p.name == name) {
        return Err(invalid(&format!(
            "Multiple profiles found with the name '{name}'. Please remove the duplicate profiles and try again."
        )));
    }
    let [bundle] = bundle[..] else {
        return Err(invalid("exactly one bundleId is required"));
    };
    let Some(bundle) = s.bundle_ids.iter().find(|b| b.0 == bundle).cloned() else {
        return Err(error(
            404,
            "NOT_FOUND",
            "not found",
            "There is no bundleId with this id",
        ));
    };
    if certs.is_empty() {
        return Err(invalid("at least one certificate is required"));
    }
    let mut cert_ders = Vec::new();
    for id in &certs {
        let Some(c) = s.certificates.iter().find(|c| c.id == *id) else {
            return Err(error(
                404,
                "NOT_FOUND",
                "not found",
                &format!("There is no certificate with id '{id}'"),
            ));
        };
        if c.kind.contains("DEVELOPMENT") != dev_cert {
            return Err(invalid(&format!(
                "The certificate {} of type {} cannot be used for a {kind} profile",
                c.id, c.kind
            )));
        }
        cert_ders.push((c.der.clone(), c.not_after));
    }
    if needs_devices && devices.is_empty() {
        return Err(invalid("a profile of this type needs at least one device"));
    }
    if !needs_devices && !devices.is_empty() {
        return Err(error(
            409,
            "ENTITY_ERROR.RELATIONSHIP.INVALID",
            "The provided entity includes a relationship with an invalid value",
            "App Store profiles do not list devices",
        ));
    }
    let mut udids = Vec::new();
    for id in &devices {
        let Some(d) = s.devices.iter().find(|d| d.0 == *id) else {
            return Err(error(
                404,
                "NOT_FOUND",
                "not found",
                &format!("There is no device with id '{id}'"),
            ));
        };
        udids.push(d.1.clone());
    }
    drop(s);
    let created = now();
    let expires = cert_ders
        .iter()
        .map(|(_, na)| *na)
        .min()
        .unwrap_or(created)
        .min(created + 365 * 86_400);
    let team = &shared.team_id;
    let uuid = format!(
        "{:08x}-0000-4000-8000-{:012x}",
        created & 0xffff_ffff,
        u64::try_from(name.len()).unwrap_or(0) * 1_000_003 + u64::try_from(created).unwrap_or(0)
    );
    let plist = profile_plist(
        &name,
        &uuid,
        team,
        &bundle.1,
        &cert_ders.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(),
        needs_devices.then_some(&udids[..]),
        dev_cert,
        created,
        expires,
    );
    let content = sign_profile(shared, &uuid, &plist)
        .map_err(|e| error(500, "UNEXPECTED_ERROR", "signing failed", &e.to_string()))?;
    let mut s = lock(&shared.state);
    let id = fresh_id(&mut s, "P");
    let record = ProfileRec {
        name: name.clone(),
        kind: kind.clone(),
        certificate_ids: certs.iter().map(|c| (*c).to_owned()).collect(),
    };
    s.profiles.push(record);
    Ok((
        201,
        json!({"data": {"type": "profiles", "id": id, "attributes": {
            "name": name, "platform": "IOS", "profileType": kind, "profileState": "ACTIVE",
            "uuid": uuid, "createdDate": format_time(created), "expirationDate": format_time(expires),
            "profileContent": base64::engine::general_purpose::STANDARD.encode(&content)
        }}}),
    ))
}

fn plist_date(unix: i64) -> String {
    run_ok(
        "date",
        &["-u", "-d", &format!("@{unix}"), "+%Y-%m-%dT%H:%M:%SZ"],
    )
    .map(|s| s.trim().to_owned())
    .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn profile_plist(
    name: &str,
    uuid: &str,
    team: &str,
    bundle: &str,
    certs: &[Vec<u8>],
    devices: Option<&[String]>,
    development: bool,
    created: i64,
    expires: i64,
) -> String {
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let certs: String = certs
        .iter()
        .map(|c| format!("<data>{}</data>", b64(c)))
        .collect();
    let devices = devices
        .map(|d| {
            format!(
                "<key>ProvisionedDevices</key><array>{}</array>",
                d.iter()
                    .map(|u| format!("<string>{u}</string>"))
                    .collect::<String>()
            )
        })
        .unwrap_or_default();
    let task_allow = if development { "<true/>" } else { "<false/>" };
    let aps = if development {
        "development"
    } else {
        "production"
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>AppIDName</key><string>Signet {bundle}</string>
<key>ApplicationIdentifierPrefix</key><array><string>{team}</string></array>
<key>CreationDate</key><date>{created}</date>
<key>Platform</key><array><string>iOS</string></array>
<key>DeveloperCertificates</key><array>{certs}</array>
<key>Entitlements</key><dict>
<key>application-identifier</key><string>{team}.{bundle}</string>
<key>keychain-access-groups</key><array><string>{team}.*</string></array>
<key>get-task-allow</key>{task_allow}
<key>com.apple.developer.team-identifier</key><string>{team}</string>
<key>aps-environment</key><string>{aps}</string>
</dict>
<key>ExpirationDate</key><date>{expires}</date>
<key>Name</key><string>{name}</string>
{devices}
<key>TeamIdentifier</key><array><string>{team}</string></array>
<key>TeamName</key><string>Signet Test Team</string>
<key>TimeToLive</key><integer>365</integer>
<key>UUID</key><string>{uuid}</string>
<key>Version</key><integer>1</integer>
</dict></plist>
"#,
        created = plist_date(created),
        expires = plist_date(expires),
    )
}

fn sign_profile(shared: &Shared, uuid: &str, plist: &str) -> Result<Vec<u8>> {
    let d = &shared.dir;
    let input = write_file(d, &format!("{uuid}.plist"), plist.as_bytes())?;
    let out = d.join(format!("{uuid}.mobileprovision"));
    run_ok(
        "openssl",
        &[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-outform",
            "DER",
            "-in",
            &input,
            "-signer",
            &d.join("signer.pem").to_string_lossy(),
            "-inkey",
            &d.join("signer.key").to_string_lossy(),
            "-certfile",
            &d.join("ca.pem").to_string_lossy(),
            "-md",
            "sha256",
            "-out",
            &out.to_string_lossy(),
        ],
    )?;
    Ok(std::fs::read(out)?)
}
