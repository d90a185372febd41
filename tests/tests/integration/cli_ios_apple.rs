//! iOS credentials created with Apple through the App Store Connect API (issue 12 §2), from
//! the real `signet` binary against the App Store Connect simulator on loopback
//! ([`signet_tests::asc_sim`]), which verifies every token's ES256 signature with the key's
//! public half and its claims, checks each JSON:API body, issues real certificates from the
//! CSRs and returns CMS-signed profiles.
//!
//! From nothing to a `signet doctor`-passing credentials.json; reuse of the certificate;
//! Ad Hoc profiles with registered devices, regenerated when one is added; Apple's
//! certificate limit (listed, nothing revoked without being told which); renewal of what
//! expires; and the simulator refusing the tokens Apple would refuse.

use std::{path::Path, time::Instant};

use anyhow::{Context, Result, ensure};
use p256::{
    ecdsa::{Signature, SigningKey, signature::Signer},
    pkcs8::DecodePrivateKey,
};
use serde_json::{Value, json};
use signet_client::Api;
use signet_core::{
    asc::Request,
    keys::{asc::AppStoreConnectKey, jwt},
};
use signet_tests::{
    asc_sim::AscSimulator,
    cli::{Cli, account, text},
    server::TestServer,
    tools,
};

const KEY_ID: &str = "SIM4KEY123";
const ISSUER: &str = "69a6de7e-1b2c-47e3-e053-5b8c7c11a4d1";
const APPLE_TEAM: &str = "A1B2C3D4E5";
const UDID_1: &str = "00008030-001A2B3C4D5E6F70";
const UDID_ANA: &str = "0123456789abcdef0123456789abcdef01234567";
const UDID_BEN: &str = "89abcdef0123456789abcdef0123456789abcdef";

/// A fresh P-256 key as App Store Connect hands it out (PKCS#8 PEM), and its public half.
fn new_p8(dir: &Path) -> Result<(String, String)> {
    let pem = tools::run_stdout(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ],
    )?;
    let public = tools::openssl_public_key(&pem, dir)?;
    Ok((pem, public))
}

/// A developer with team Acme and app Acme (iOS bundle id com.acme.app), the team's App
/// Store Connect key stored through the CLI, and the simulator for that key.
async fn setup(server: &TestServer) -> Result<(Cli, AscSimulator, tempfile::TempDir)> {
    let (cli, sim, dir) = without_key(server).await?;
    cli.ok(&[
        "ios",
        "add-api-key",
        "--p8",
        &text(&dir.path().join(format!("AuthKey_{KEY_ID}.p8"))),
        "--issuer-id",
        ISSUER,
    ])
    .await?;
    Ok((cli, sim, dir))
}

/// As [`setup`], with the key only on disk (`AuthKey_….p8` in the returned folder).
async fn without_key(server: &TestServer) -> Result<(Cli, AscSimulator, tempfile::TempDir)> {
    account(&Api::new(&server.url), "dev").await?;
    let dir = tempfile::tempdir()?;
    let (p8, public) = new_p8(dir.path())?;
    let sim = AscSimulator::start(&public, KEY_ID, ISSUER, APPLE_TEAM).await?;
    let cli = Cli::new(&server.url)?.env("SIGNET_ASC_API_URL", Some(&sim.url));
    cli.login("dev").await?;
    cli.ok(&["teams", "create", "Acme"]).await?;
    cli.ok(&[
        "apps",
        "create",
        "--name",
        "Acme",
        "--ios-bundle-id",
        "com.acme.app",
    ])
    .await?;
    let p8_path = dir.path().join(format!("AuthKey_{KEY_ID}.p8"));
    std::fs::write(&p8_path, &p8)?;
    Ok((cli, sim, dir))
}

fn posts(sim: &AscSimulator, path: &str) -> usize {
    sim.seen()
        .iter()
        .filter(|s| s.method == "POST" && s.path == path && s.status == 201)
        .count()
}

/// `signet pull --check` into a fresh folder; the pulled profile's `signet inspect` JSON and
/// its content as OpenSSL extracts it.
async fn pull_and_check(cli: &Cli, profile: &str) -> Result<(Value, String)> {
    let out = tempfile::tempdir()?;
    let report = cli
        .succeeds(&[
            "pull",
            "--app",
            "Acme",
            "--platform",
            "ios",
            "--profile",
            profile,
            "--out",
            &text(out.path()),
            "--check",
        ])
        .await?
        .stderr;
    ensure!(report.contains("Pulled Acme"), "{report}");
    let mobileprovision = out.path().join("credentials/ios/profile.mobileprovision");
    let inspected = cli
        .ok(&["inspect", &text(&mobileprovision), "--json"])
        .await?;
    // OpenSSL reads the CMS structure and the plist inside.
    let content = tools::openssl_cms_content(&std::fs::read(&mobileprovision)?, out.path())?;
    let content = String::from_utf8_lossy(&content).into_owned();
    ensure!(content.contains("A1B2C3D4E5.com.acme.app"), "{content}");
    Ok((serde_json::from_str(&inspected)?, content))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ios_setup_creates_everything_with_apple_and_pull_passes_doctor() -> Result<()> {
    let server = TestServer::start().await?;
    let (cli, sim, _dir) = setup(&server).await?;

    let started = Instant::now();
    let said = cli
        .succeeds(&["ios", "setup", "--app", "Acme"])
        .await?
        .stderr;
    let (inspected, _) = pull_and_check(&cli, "production").await?;
    eprintln!(
        "from nothing to a passing signet doctor for an iOS app: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ensure!(said.contains("Registered bundle id com.acme.app"), "{said}");
    ensure!(sim.bundle_identifiers() == ["com.acme.app"]);
    ensure!(posts(&sim, "/v1/certificates") == 1);
    ensure!(sim.profiles().len() == 1 && sim.profiles()[0].1 == "IOS_APP_STORE");
    ensure!(
        inspected["type"] == "App Store" && inspected["devices"] == 0,
        "{inspected}"
    );
    // Every request carried a token the simulator verified; the CLI's are unscoped.
    ensure!(
        sim.seen()
            .iter()
            .all(|s| s.status < 400 && s.scope.is_none()),
        "{:?}",
        sim.seen()
    );

    // A second run reuses the certificate Signet holds (and Apple still has).
    let again = cli
        .succeeds(&["ios", "setup", "--app", "Acme"])
        .await?
        .stderr;
    ensure!(again.contains("Reusing certificate"), "{again}");
    ensure!(posts(&sim, "/v1/certificates") == 1);
    ensure!(
        posts(&sim, "/v1/bundleIds") == 1,
        "the bundle id was found, not registered twice"
    );

    // Ad Hoc: no device yet is an error that says what to do, and nothing is stored.
    let no_devices = cli
        .fails(&["ios", "setup", "--app", "Acme", "--profile", "preview"])
        .await?;
    ensure!(
        no_devices.contains("signet ios devices add"),
        "{no_devices}"
    );
    let bad_udid = cli
        .fails(&[
            "ios", "devices", "add", "--app", "Acme", "--udid", "nope!", "--name", "X",
        ])
        .await?;
    ensure!(bad_udid.contains("not a valid device UDID"), "{bad_udid}");
    let short_udid = cli
        .fails(&[
            "ios",
            "devices",
            "add",
            "--app",
            "Acme",
            "--profile",
            "preview",
            "--udid",
            "ABC",
            "--name",
            "X",
        ])
        .await?;
    ensure!(
        short_udid.contains("409") && short_udid.contains("not a valid UDID"),
        "{short_udid}"
    );
    cli.ok(&[
        "ios",
        "devices",
        "add",
        "--app",
        "Acme",
        "--profile",
        "preview",
        "--udid",
        UDID_ANA,
        "--name",
        "Ana's iPhone",
    ])
    .await?;
    cli.ok(&["ios", "setup", "--app", "Acme", "--profile", "preview"])
        .await?;
    let (adhoc, content) = pull_and_check(&cli, "preview").await?;
    ensure!(
        adhoc["type"] == "ad hoc" && adhoc["devices"] == 1,
        "{adhoc}"
    );
    ensure!(content.contains(UDID_ANA), "{content}");

    // A new device regenerates the Ad Hoc profile with both (the list paginates: 2 a page).
    for (udid, name) in [(UDID_BEN, "Ben's iPhone"), (UDID_1, "Test iPad")] {
        cli.ok(&[
            "ios",
            "devices",
            "add",
            "--app",
            "Acme",
            "--profile",
            "preview",
            "--udid",
            udid,
            "--name",
            name,
        ])
        .await?;
    }
    let listed = cli.ok(&["ios", "devices", "list", "--app", "Acme"]).await?;
    ensure!(
        [UDID_ANA, UDID_BEN, UDID_1]
            .iter()
            .all(|u| listed.contains(u)),
        "{listed}"
    );
    let (regenerated, content) = pull_and_check(&cli, "preview").await?;
    ensure!(regenerated["devices"] == 3, "{regenerated}");
    ensure!(
        content.contains(UDID_BEN) && content.contains(UDID_1),
        "{content}"
    );
    // Registering a device Apple already has changes nothing at Apple.
    cli.ok(&[
        "ios",
        "devices",
        "add",
        "--app",
        "Acme",
        "--profile",
        "production",
        "--udid",
        UDID_ANA,
        "--name",
        "Ana",
    ])
    .await?;
    ensure!(sim.device_udids().len() == 3);
    sim.stop().await?;
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_certificate_limit_is_listed_and_only_the_named_certificate_is_revoked_and_renew_replaces_what_expires()
-> Result<()> {
    let server = TestServer::start().await?;
    let (cli, sim, _dir) = setup(&server).await?;
    sim.set_distribution_limit(1);
    sim.set_certificate_days(10);
    cli.ok(&["ios", "setup", "--app", "Acme"]).await?;
    let first = sim.certificate_serials();
    ensure!(first.len() == 1);

    // A new certificate at the limit: listed, marked as Signet's, nothing revoked.
    let refused = cli
        .fails(&["ios", "setup", "--app", "Acme", "--new-certificate"])
        .await?;
    ensure!(
        refused.contains("as many as Apple allows")
            && refused.contains("(Signet holds it)")
            && refused.contains("--revoke-certificate")
            && refused.contains("Nothing was revoked"),
        "{refused}"
    );
    ensure!(
        sim.certificate_serials() == first,
        "nothing may be revoked silently"
    );
    let apple_id = refused
        .lines()
        .find(|l| l.contains("(Signet holds it)"))
        .and_then(|l| l.split_whitespace().next())
        .context("an Apple id in the listing")?
        .to_owned();
    let wrong = cli
        .fails(&[
            "ios",
            "setup",
            "--app",
            "Acme",
            "--new-certificate",
            "--revoke-certificate",
            "C0000NOPE",
        ])
        .await?;
    ensure!(wrong.contains("is not one of the team's"), "{wrong}");
    ensure!(sim.certificate_serials() == first);

    // Renew: the 10-day certificate expires within 30 days, so it and the profile are replaced
    // (revoking the old one, as named, to make room).
    sim.set_certificate_days(365);
    let renewed = cli
        .succeeds(&[
            "ios",
            "renew",
            "--app",
            "Acme",
            "--days",
            "30",
            "--revoke-certificate",
            &apple_id,
        ])
        .await?
        .stderr;
    ensure!(
        renewed.contains("Revoked certificate") && renewed.contains("Created certificate"),
        "{renewed}"
    );
    let now = sim.certificate_serials();
    ensure!(now.len() == 1 && now != first, "{now:?}");
    // The new profile allows the new certificate (doctor checks the pair) and lives a year.
    let (inspected, _) = pull_and_check(&cli, "production").await?;
    ensure!(
        inspected["expires_in_days"]
            .as_i64()
            .is_some_and(|d| d > 300),
        "{inspected}"
    );
    ensure!(sim.profiles().len() == 2);
    let nothing = cli
        .succeeds(&["ios", "renew", "--app", "Acme", "--days", "30"])
        .await?
        .stderr;
    ensure!(nothing.contains("nothing was changed"), "{nothing}");
    ensure!(sim.profiles().len() == 2);

    // Removing a certificate in Signet: without a terminal it stays at Apple (and says so);
    // with --revoke-at-apple it is revoked there too.
    let rows = cli.credential_rows(&[]).await?;
    let certs: Vec<String> = rows
        .iter()
        .filter(|r| r["kind"] == "ios_distribution_certificate")
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    ensure!(certs.len() == 2, "{rows:#?}");
    let kept = cli
        .succeeds(&["credentials", "remove", &certs[0], "--in-use"])
        .await?
        .stderr;
    ensure!(kept.contains("stays valid at Apple"), "{kept}");
    ensure!(sim.certificate_serials() == now);
    cli.ok(&["credentials", "restore", &certs[0]]).await?;
    for id in &certs {
        cli.ok(&["credentials", "remove", id, "--revoke-at-apple", "--in-use"])
            .await?;
    }
    ensure!(
        sim.certificate_serials().is_empty(),
        "{:?}",
        sim.certificate_serials()
    );
    sim.stop().await?;
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pull_creates_missing_ios_credentials_with_apple_only_when_told_and_never_for_a_robot()
-> Result<()> {
    let server = TestServer::start().await?;
    let (mut cli, sim, dir) = without_key(&server).await?;
    let out = tempfile::tempdir()?;
    let pull = [
        "pull",
        "--app",
        "Acme",
        "--platform",
        "ios",
        "--out",
        &text(out.path()),
    ];
    let asked = cli.fails(&pull).await?;
    ensure!(
        asked.contains("No iOS distribution certificate and provisioning profile for com.acme.app")
            && asked.contains("signet ios setup --app Acme --profile production"),
        "{asked}"
    );
    let generate: Vec<&str> = pull
        .iter()
        .copied()
        .chain(["--generate-missing", "--check"])
        .collect();
    let no_key = cli.fails(&generate).await?;
    ensure!(
        no_key.contains("has no App Store Connect API key")
            && no_key.contains("signet ios add-api-key")
            && no_key.contains("signet csr generate"),
        "{no_key}"
    );
    ensure!(sim.seen().is_empty() && std::fs::read_dir(out.path())?.count() == 0);
    // A wrong issuer id is refused before anything is stored.
    let p8 = text(&dir.path().join(format!("AuthKey_{KEY_ID}.p8")));
    let bad = cli
        .fails(&["ios", "add-api-key", "--p8", &p8, "--issuer-id", "nope"])
        .await?;
    ensure!(bad.contains("UUID"), "{bad}");
    cli.ok(&["ios", "add-api-key", "--p8", &p8, "--issuer-id", ISSUER])
        .await?;
    let made = cli.succeeds(&generate).await?.stderr;
    ensure!(
        made.contains("Created certificate") && made.contains("Pulled Acme"),
        "{made}"
    );
    ensure!(posts(&sim, "/v1/certificates") == 1 && sim.profiles().len() == 1);

    // A robot token for the app pulls what exists but never creates.
    let created = cli.ok(&["token", "create", "--app", "Acme"]).await?;
    let token = created
        .split_whitespace()
        .find(|w| w.starts_with("signet_"))
        .context("a token")?;
    cli.set_env("SIGNET_TOKEN", Some(token));
    let ci_out = tempfile::tempdir()?;
    cli.ok(&[
        "pull",
        "--app",
        "Acme",
        "--platform",
        "ios",
        "--out",
        &text(ci_out.path()),
        "--check",
    ])
    .await?;
    let robot = cli
        .fails(&[
            "pull",
            "--app",
            "Acme",
            "--platform",
            "ios",
            "--profile",
            "preview",
            "--out",
            &text(ci_out.path()),
            "--generate-missing",
        ])
        .await?;
    ensure!(
        robot.contains("A robot token can change nothing")
            && robot.contains("signet ios setup --app Acme --profile preview"),
        "{robot}"
    );
    ensure!(sim.profiles().len() == 1);

    // A person then sets the preview profile up with Apple; the same token pulls it, though it
    // was made before (issue 12 §3: the assignment wraps it for the app's robot tokens).
    cli.set_env("SIGNET_TOKEN", None);
    cli.ok(&[
        "ios",
        "devices",
        "add",
        "--app",
        "Acme",
        "--profile",
        "preview",
        "--udid",
        UDID_ANA,
        "--name",
        "Ana's iPhone",
    ])
    .await?;
    cli.ok(&["ios", "setup", "--app", "Acme", "--profile", "preview"])
        .await?;
    cli.set_env("SIGNET_TOKEN", Some(token));
    let preview = tempfile::tempdir()?;
    cli.ok(&[
        "pull",
        "--app",
        "Acme",
        "--platform",
        "ios",
        "--profile",
        "preview",
        "--out",
        &text(preview.path()),
        "--check",
    ])
    .await?;
    ensure!(
        preview
            .path()
            .join("credentials/ios/profile.mobileprovision")
            .is_file()
    );
    sim.stop().await?;
    server.stop().await
}

/// Sends `request` to the simulator with `token`; the status and Apple's error code.
async fn call(sim: &AscSimulator, request: &Request, token: &str) -> Result<(u16, String)> {
    let http = reqwest::Client::new();
    let url = format!("{}{}", sim.url, request.path);
    let mut b = match request.method {
        signet_core::asc::Method::Get => http.get(&url),
        signet_core::asc::Method::Post => http.post(&url),
        signet_core::asc::Method::Delete => http.delete(&url),
    }
    .bearer_auth(token);
    if let Some(body) = &request.body {
        b = b
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let answer = b.send().await?;
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    Ok((
        status,
        body["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    ))
}

/// A token with any claims, signed with the key.
fn forged(pem: &str, claims: &Value) -> Result<String> {
    let key = SigningKey::from_pkcs8_pem(pem).map_err(|e| anyhow::anyhow!("{e}"))?;
    let input = format!(
        "{}.{}",
        jwt::base64url(br#"{"alg":"ES256","kid":"SIM4KEY123","typ":"JWT"}"#),
        jwt::base64url(claims.to_string().as_bytes())
    );
    let signature: Signature = key.sign(input.as_bytes());
    Ok(format!("{input}.{}", jwt::base64url(&signature.to_bytes())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_refuses_what_apple_refuses() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (pem, public) = new_p8(dir.path())?;
    let sim = AscSimulator::start(&public, KEY_ID, ISSUER, APPLE_TEAM).await?;
    let key = AppStoreConnectKey::from_p8(pem.as_bytes(), KEY_ID, ISSUER)?;
    let list = Request::list_devices();
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();

    ensure!(call(&sim, &list, &key.token(t, 600)?).await?.0 == 200);
    // Scoped to exactly this request: allowed; to another: forbidden.
    ensure!(
        call(&sim, &list, &key.token_scoped(t, 600, &[list.scope()])?)
            .await?
            .0
            == 200
    );
    let other = Request::find_bundle_id("com.acme.app")?;
    ensure!(
        call(&sim, &list, &key.token_scoped(t, 600, &[other.scope()])?).await?
            == (403, "FORBIDDEN_ERROR".into())
    );
    // Expired, more than 20 minutes away, wrong audience, wrong issuer, another key.
    let refused = [
        key.token(t - 3600, 600)?,
        key.token(t + 900, 1200)?,
        forged(
            &pem,
            &json!({"iss": ISSUER, "iat": t, "exp": t + 600, "aud": "appstoreconnect-v2"}),
        )?,
        forged(
            &pem,
            &json!({"iss": "57246542-96fe-1a63-e053-0824d011072a", "iat": t, "exp": t + 600, "aud": "appstoreconnect-v1"}),
        )?,
        AppStoreConnectKey::from_p8(new_p8(dir.path())?.0.as_bytes(), KEY_ID, ISSUER)?
            .token(t, 600)?,
        "not.a.jwt".to_owned(),
    ];
    for token in &refused {
        ensure!(
            call(&sim, &list, token).await? == (401, "NOT_AUTHORIZED".into()),
            "{token}"
        );
    }
    // The forger's own well-formed token passes, so the refusals above are the claims'.
    let good = forged(
        &pem,
        &json!({"iss": ISSUER, "iat": t, "exp": t + 600, "aud": "appstoreconnect-v1"}),
    )?;
    ensure!(call(&sim, &list, &good).await?.0 == 200);
    // Bodies are checked: a certificate without its CSR, a profile for an unknown bundle id.
    let mut no_csr = Request::create_certificate("x", "IOS_DISTRIBUTION")?;
    if let Some(body) = no_csr.body.as_mut() {
        body["data"]["attributes"]
            .as_object_mut()
            .context("attributes")?
            .remove("csrContent");
    }
    ensure!(call(&sim, &no_csr, &good).await? == (409, "ENTITY_ERROR.ATTRIBUTE.REQUIRED".into()));
    let garbage_csr = Request::create_certificate(
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----",
        "IOS_DISTRIBUTION",
    )?;
    ensure!(call(&sim, &garbage_csr, &good).await?.0 == 409);
    let profile = Request::create_profile(
        "P",
        signet_core::asc::Distribution::AppStore,
        "B404",
        "C404",
        &[],
    )?;
    ensure!(call(&sim, &profile, &good).await?.0 == 404);
    ensure!(sim.seen().len() >= 13);
    sim.stop().await
}
