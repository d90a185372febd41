//! API test helpers: users with cheap KDF parameters, a server on either backend, members
//! joined by invitation, and raw requests for the suites that probe the API by hand
//! (`api_authz`, `api_hostile`, `api_story`).

use std::sync::Arc;

use anyhow::Result;
use signet_client::{Api, Session, credential::NewCredential};
use signet_core::{
    vault::{kdf::KdfParams, team_key::TeamKey},
    wire::{
        Role,
        app::{AppInfo, AppRequest},
        credential::CredentialKind,
    },
};

use crate::server::TestServer;

/// Argon2id parameters cheap enough for tests (the vault's floor is waived for them).
pub fn weak_kdf() -> KdfParams {
    KdfParams::dangerously_weak_for_tests(64, 1)
}

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery staple ✓";

/// Registers `name@example.test` on `api`.
pub async fn user(api: &Api, name: &str) -> Result<Session> {
    let (session, _code) =
        Session::register(api, &format!("{name}@example.test"), PASSWORD, weak_kdf()).await?;
    Ok(session)
}

/// Adds the credentials numbered `from..to` ("Upload key {i}", an Android keystore's metadata,
/// a 2 KiB payload) to `team` from `writers` concurrent writers, for the benches' teams;
/// returns their ids.
pub async fn fill_credentials(
    owner: &Arc<Session>,
    team: &str,
    key: &Arc<TeamKey>,
    from: usize,
    to: usize,
    writers: usize,
) -> Result<Vec<String>> {
    let payload = Arc::new(vec![0x5a_u8; 2048]);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (owner, key, team, payload) =
            (owner.clone(), key.clone(), team.to_owned(), payload.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in (from + w..to).step_by(writers) {
                let label = format!("Upload key {i}");
                let c = owner
                    .create_credential(
                        &team,
                        &key,
                        &NewCredential {
                            kind: CredentialKind::AndroidKeystore,
                            label: &label,
                            metadata: serde_json::json!({
                                "alias": "upload", "sha1": "AA:BB:CC", "sha256": "00:11:22",
                                "not_after": 2_100_000_000_i64, "subject": "CN=com.acme.app"
                            }),
                            payload: &payload,
                        },
                    )
                    .await?;
                ids.push(c.id);
            }
            anyhow::Ok(ids)
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.extend(task.await??);
    }
    Ok(ids)
}

/// Which database a test server uses.
#[derive(Debug, Clone)]
pub enum Db {
    /// The embedded SQLite file in the server's temp data dir.
    Sqlite,
    /// A PostgreSQL database URL.
    Postgres(String),
}

/// Starts the in-process server on `db`.
pub async fn server_on(db: &Db) -> Result<TestServer> {
    match db {
        Db::Sqlite => TestServer::start().await,
        Db::Postgres(url) => TestServer::start_on(url).await,
    }
}

/// Runs `suite` on a fresh PostgreSQL database labelled `label`; passes without running it
/// where the harness provides no PostgreSQL (and fails on CI, see [`crate::postgres`]).
pub async fn on_postgres<F, Fut>(label: &str, suite: F) -> Result<()>
where
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    match crate::postgres::database(label).await? {
        Some(url) => suite(Db::Postgres(url)).await,
        None => Ok(()),
    }
}

/// `member` joins `team` with `role` by an invitation link `admin` makes: the one way a test
/// puts someone in a team.
pub async fn join(
    admin: &Session,
    team: &str,
    key: &TeamKey,
    member: &Session,
    role: Role,
) -> Result<()> {
    let (_, link) = admin.invite(team, key, role).await?;
    member.accept_invite(&link).await?;
    Ok(())
}

/// Creates the Android app `name` (package `package`, no iOS targets) in `team`.
pub async fn android_app(
    session: &Session,
    team: &str,
    name: &str,
    package: &str,
) -> Result<AppInfo> {
    Ok(session
        .api
        .post(
            &format!("/teams/{team}/apps"),
            &AppRequest {
                name: name.into(),
                android_package: Some(package.into()),
                ios_targets: vec![],
            },
        )
        .await?)
}

/// The calls of a sweep that disagreed with what was expected, and how many were made: a
/// sweep checks every call and reports all disagreements at once.
#[derive(Debug, Default)]
pub struct Tally {
    /// Calls checked.
    pub checked: usize,
    /// One line per disagreement: what was sent, then the status and body it got.
    pub failures: Vec<String>,
}

impl Tally {
    /// Counts `r` and records it (as `what: STATUS BODY`) unless its status is `status`.
    pub fn expect(&mut self, what: impl std::fmt::Display, r: &RawResponse, status: u16) {
        self.checked += 1;
        if r.status != status {
            self.failures
                .push(format!("{what}: {} {}", r.status, r.text()));
        }
    }
}

/// How a raw request authenticates.
#[derive(Clone)]
pub enum RawAuth {
    /// Nothing.
    None,
    /// `Authorization: Bearer <session token>` (the CLI).
    Bearer(String),
    /// `Authorization: Robot <id>.<auth half>` (a CI token).
    Robot(String),
    /// `Cookie: __Host-signet_session=<token>` (the dashboard).
    Cookie(String),
    /// Any header with any bytes as its value (for hostile input).
    Header(&'static str, Vec<u8>),
}

impl std::fmt::Debug for RawAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::Bearer(_) => "Bearer(<redacted>)",
            Self::Robot(_) => "Robot(<redacted>)",
            Self::Cookie(_) => "Cookie(<redacted>)",
            Self::Header(..) => "Header(<redacted>)",
        })
    }
}

/// A raw request body.
#[derive(Debug, Clone)]
pub enum RawBody {
    /// No body.
    None,
    /// JSON with `Content-Type: application/json`.
    Json(serde_json::Value),
    /// Bytes with the given content type (none when `None`).
    Bytes(Option<&'static str>, Vec<u8>),
}

/// A raw answer.
#[derive(Debug)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// Response body.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body as JSON (`null` when empty).
    pub fn json(&self) -> Result<serde_json::Value> {
        if self.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The body as text, for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(300)
            .collect()
    }

    /// The error code of a `{"error":{"code","message"}}` body; fails for any other shape.
    pub fn error_code(&self) -> Result<String> {
        let v: serde_json::Value = serde_json::from_slice(&self.body).map_err(|e| {
            anyhow::anyhow!(
                "{} with a body that is not JSON ({e}): {}",
                self.status,
                self.text()
            )
        })?;
        match (v["error"]["code"].as_str(), v["error"]["message"].as_str()) {
            (Some(code), Some(message)) if !code.is_empty() && !message.is_empty() => {
                Ok(code.to_owned())
            }
            _ => anyhow::bail!(
                "{} without an {{\"error\":{{\"code\",\"message\"}}}} body: {}",
                self.status,
                self.text()
            ),
        }
    }
}

/// Hands out distinct loopback source addresses (127.1.0.1, 127.1.0.2, …). The server rate
/// limits by client IP; a test that sends hundreds of requests on purpose gives each its own
/// address so the limits it is not testing stay out of the way.
#[derive(Debug, Default)]
pub struct Loopback(u32);

impl Loopback {
    /// The next unused address.
    pub fn fresh(&mut self) -> std::net::IpAddr {
        let n = self.0;
        self.0 += 1;
        // Octets stay within 1..=250, so no address is a .0 or .255.
        let octet = |x: u32| (x % 250 + 1) as u8;
        std::net::IpAddr::V4(std::net::Ipv4Addr::new(
            127,
            octet(n / 62_500),
            octet(n / 250),
            octet(n),
        ))
    }
}

/// Sends one request to `{base}{path}` from the loopback address `from`, with the CSRF header
/// when `csrf`, and returns the answer whatever its status.
pub async fn raw(
    base: &str,
    from: std::net::IpAddr,
    method: &str,
    path: &str,
    auth: &RawAuth,
    csrf: bool,
    body: RawBody,
) -> Result<RawResponse> {
    let client = reqwest::Client::builder().local_address(from).build()?;
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    let mut request = client.request(method, format!("{base}{path}"));
    if csrf {
        request = request.header(signet_core::wire::CSRF_HEADER, "1");
    }
    request = match auth {
        RawAuth::None => request,
        RawAuth::Bearer(token) => request.bearer_auth(token),
        RawAuth::Robot(value) => request.header("authorization", format!("Robot {value}")),
        RawAuth::Cookie(token) => request.header(
            "cookie",
            format!("{}={token}", signet_core::wire::SESSION_COOKIE),
        ),
        RawAuth::Header(name, value) => {
            request.header(*name, reqwest::header::HeaderValue::from_bytes(value)?)
        }
    };
    request = match body {
        RawBody::None => request,
        RawBody::Json(value) => request.json(&value),
        RawBody::Bytes(content_type, bytes) => {
            let r = match content_type {
                Some(ct) => request.header("content-type", ct),
                None => request,
            };
            r.body(bytes)
        }
    };
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// An unauthenticated `POST {base}{path}` from `from`, with the CSRF header (sign-ins,
/// invitation links): whatever the answer.
pub async fn post_public(
    base: &str,
    from: std::net::IpAddr,
    path: &str,
    body: RawBody,
) -> Result<RawResponse> {
    raw(base, from, "POST", path, &RawAuth::None, true, body).await
}

/// The `(METHOD, /api/path)` pairs of the server's OpenAPI document, sorted.
pub async fn openapi_routes(base: &str) -> Result<Vec<(String, String)>> {
    let doc: serde_json::Value = reqwest::get(format!("{base}/api/openapi.json"))
        .await?
        .error_for_status()?
        .json()
        .await?;
    let paths = doc["paths"]
        .as_object()
        .ok_or_else(|| anyhow::anyhow!("openapi.json has no paths"))?;
    let mut routes = Vec::new();
    for (path, ops) in paths {
        let ops = ops
            .as_object()
            .ok_or_else(|| anyhow::anyhow!("{path}: not an object"))?;
        for method in ops.keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes.sort();
    anyhow::ensure!(routes.len() > 10, "openapi.json lists only {routes:?}");
    Ok(routes)
}

/// The login proof for `email` with [`PASSWORD`], derived as the client does (for raw
/// requests that sign in).
pub async fn auth_key_of(api: &Api, email: &str) -> Result<String> {
    use signet_core::vault::kdf::{KdfSalt, derive_account_keys};
    let pre: signet_core::wire::account::PreloginResponse = api
        .post(
            "/auth/prelogin",
            &signet_core::wire::account::PreloginRequest {
                email: email.to_owned(),
            },
        )
        .await?;
    let params =
        KdfParams::dangerously_weak_for_tests(pre.kdf_params.memory_kib, pre.kdf_params.iterations);
    let salt = KdfSalt::from_base64(&pre.kdf_salt)?;
    Ok(derive_account_keys(PASSWORD, &salt, &params)?
        .auth_key
        .dangerously_to_base64())
}
