//! The server-connected `signet` commands, run as a person or a CI job would: the real binary
//! against a real server on a loopback port. Accounts are registered through `signet-client`
//! (the code the CLI shares) or `signet register`; bundles are made by `signet keystore
//! generate`, `signet csr generate` + an OpenSSL CA + `signet p12`, and an `openssl cms`
//! signed profile (see `cli_doctor`); keytool judges what `signet pull` writes.

use std::{collections::BTreeSet, path::Path, process::Stdio};

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use signet_client::{Api, credential::NewCredential, http::Auth};
use signet_core::{
    credential::{Payload, SecretText},
    keys::asc::AppStoreConnectKey,
    vault::recovery::RecoveryCode,
    wire::Role,
};
use signet_server::signups::{SignupMode, SignupPolicy};
use signet_tests::{
    api::{PASSWORD, join},
    asc_sim::AscSimulator,
    cli::{Cli, account, listing, with_team},
    paths,
    server::{ServeProcess, TestServer},
    tools,
};

use crate::cli_doctor::Bundle;
// The browser suites borrow these people from here.
pub(crate) use signet_tests::cli::{developer_with_app, str_at, text};

#[cfg(unix)]
fn mode(path: &Path) -> Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o777)
}

pub(crate) async fn new_bundle() -> Result<Bundle> {
    tokio::task::spawn_blocking(|| Bundle::new(10_000, 200)).await?
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn push_then_pull_gives_back_the_same_files_and_keytool_opens_them() -> Result<()> {
    let server = TestServer::start().await?;
    let dev = developer_with_app(&server.url).await?;
    let bundle = new_bundle().await?;
    dev.ok(&[
        "push",
        &text(&bundle.path("credentials.json")),
        "--app",
        "Acme App",
    ])
    .await?;

    let project = tempfile::tempdir()?;
    let out = project.path();
    let report = dev
        .ok(&["pull", "--app", "acme app", "--out", &text(out), "--check"])
        .await?;
    ensure!(report.contains("✓ ready to build"), "{report}");
    ensure!(
        listing(out)?
            == [
                "credentials.json",
                "credentials/android/keystore.jks",
                "credentials/ios/dist-cert.p12",
                "credentials/ios/profile.mobileprovision",
            ]
            .map(String::from)
            .into(),
        "{:?}",
        listing(out)?
    );
    let pulled: Value = serde_json::from_slice(&std::fs::read(out.join("credentials.json"))?)?;
    let pushed = &bundle.json;
    for pointer in [
        "/android/keystore/keystorePassword",
        "/android/keystore/keyAlias",
        "/android/keystore/keyPassword",
        "/ios/distributionCertificate/password",
    ] {
        ensure!(
            str_at(&pulled, pointer)? == str_at(pushed, pointer)?,
            "{pointer}"
        );
    }
    // Byte for byte what was pushed.
    for (pulled_file, pushed_file) in [
        ("credentials/android/keystore.jks", "android/upload.jks"),
        ("credentials/ios/dist-cert.p12", "ios/dist.p12"),
        (
            "credentials/ios/profile.mobileprovision",
            "ios/profile.mobileprovision",
        ),
    ] {
        ensure!(
            std::fs::read(out.join(pulled_file))? == std::fs::read(bundle.path(pushed_file))?,
            "{pulled_file} differs from {pushed_file}"
        );
        #[cfg(unix)]
        ensure!(mode(&out.join(pulled_file))? == 0o600, "{pulled_file}");
    }
    #[cfg(unix)]
    ensure!(mode(&out.join("credentials.json"))? == 0o600);
    // keytool opens the pulled keystore with the pulled passwords.
    let listing_text = tools::keytool_list(
        &out.join(str_at(&pulled, "/android/keystore/keystorePath")?),
        "JKS",
        str_at(&pulled, "/android/keystore/keystorePassword")?,
    )?;
    let entry = tools::keytool_entry(
        &listing_text,
        str_at(&pulled, "/android/keystore/keyAlias")?,
    )?;
    ensure!(entry.owner.contains("CN=com.acme.app"), "{}", entry.owner);

    // The metadata table: three defaults, expiry in days.
    let rows: Value = serde_json::from_str(
        &dev.ok(&["credentials", "--app", "Acme App", "--json"])
            .await?,
    )?;
    let rows = rows.as_array().context("rows")?;
    ensure!(rows.len() == 3, "{rows:#?}");
    for row in rows {
        ensure!(row["slots"][0]["default"] == true, "{row}");
    }
    let days = |kind: &str| {
        rows.iter()
            .find(|r| r["kind"] == kind)
            .and_then(|r| r["days_left"].as_i64())
            .unwrap_or(-1)
    };
    ensure!(days("android_keystore") > 9_990);
    ensure!((198..=200).contains(&days("ios_provisioning_profile")));
    ensure!(rows.iter().any(|r| r["fingerprint"] == entry.sha1.as_str()));
    let table = dev.ok(&["credentials", "--app", "Acme App"]).await?;
    ensure!(
        table.contains("android/production*") && table.contains("days)"),
        "{table}"
    );

    // Pulling again changes nothing; in a git repository it warns until the files are
    // ignored.
    tools::run_ok("git", &["init", "-q", &text(out)])?;
    let again = dev
        .run(&["pull", "--app", "Acme App", "--out", &text(out)])
        .await?;
    ensure!(
        again.code == Some(0)
            && again.stderr.contains("0 file(s) written")
            && again
                .stderr
                .contains("not git-ignored: credentials/android/keystore.jks"),
        "{again:#?}"
    );
    std::fs::write(out.join(".gitignore"), "credentials.json\ncredentials/\n")?;
    let ignored = dev
        .run(&["pull", "--app", "Acme App", "--out", &text(out)])
        .await?;
    ensure!(
        ignored.code == Some(0) && !ignored.stderr.contains("git-ignored"),
        "{ignored:#?}"
    );
    std::fs::remove_dir_all(out.join(".git"))?;
    std::fs::remove_file(out.join(".gitignore"))?;
    // A changed file is only replaced with --force.
    std::fs::write(out.join("credentials/ios/dist-cert.p12"), b"edited")?;
    let refused = dev
        .fails(&["pull", "--app", "Acme App", "--out", &text(out)])
        .await?;
    ensure!(
        refused.contains("--force") && refused.contains("dist-cert.p12"),
        "{refused}"
    );
    ensure!(std::fs::read(out.join("credentials/ios/dist-cert.p12"))? == b"edited");
    dev.ok(&["pull", "--app", "Acme App", "--out", &text(out), "--force"])
        .await?;
    ensure!(
        std::fs::read(out.join("credentials/ios/dist-cert.p12"))?
            == std::fs::read(bundle.path("ios/dist.p12"))?
    );

    // Pushing the same bundle again stores nothing twice.
    dev.ok(&[
        "push",
        &text(&bundle.path("credentials.json")),
        "--app",
        "Acme App",
    ])
    .await?;
    let all = dev.credential_rows(&[]).await?;
    ensure!(all.len() == 3, "{all:#?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn push_checks_everything_first_and_uploads_nothing_when_something_is_wrong() -> Result<()> {
    let server = TestServer::start().await?;
    let dev = developer_with_app(&server.url).await?;
    let mut bundle = new_bundle().await?;
    let good = bundle.json.clone();

    bundle.json["android"]["keystore"]["keystorePassword"] = "not-the-password".into();
    bundle.save()?;
    let json = text(&bundle.path("credentials.json"));
    let out = dev.run(&["push", &json, "--app", "Acme App"]).await?;
    ensure!(out.code == Some(1), "{out:#?}");
    ensure!(
        out.stdout.contains("wrong keystore password"),
        "{}",
        out.stdout
    );
    ensure!(
        out.stderr.contains("nothing was uploaded"),
        "{}",
        out.stderr
    );

    // A profile that does not list the .p12's certificate (the fixture profile lists another).
    bundle.json = good;
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../wasm-core/tests/fixtures/apple/appstore.mobileprovision"
        ),
        bundle.path("ios/profile.mobileprovision"),
    )?;
    bundle.save()?;
    let out = dev.run(&["push", &json, "--app", "Acme App"]).await?;
    ensure!(out.code == Some(1), "{out:#?}");
    ensure!(
        out.stdout.contains("profile ↔ certificate"),
        "{}",
        out.stdout
    );

    // An iOS target the app does not have.
    let stderr = {
        let mut per_target = bundle.json.clone();
        per_target["ios"] = serde_json::json!({ "Widget": bundle.json["ios"].clone() });
        std::fs::write(bundle.path("widget.json"), serde_json::to_vec(&per_target)?)?;
        dev.fails(&[
            "push",
            &text(&bundle.path("widget.json")),
            "--app",
            "Acme App",
        ])
        .await?
    };
    ensure!(
        stderr.contains("ios.Widget") && stderr.contains("nothing was uploaded"),
        "{stderr}"
    );

    let listed = dev.credential_rows(&[]).await?;
    ensure!(listed.is_empty(), "uploaded anyway: {listed:#?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_or_missing_password_fails_cleanly_and_writes_nothing() -> Result<()> {
    let server = TestServer::start().await?;
    account(&Api::new(&server.url), "dev").await?;
    let dev = Cli::new(&server.url)?;

    let stderr = dev
        .fails_with(
            &["login", "--email", "dev@example.test"],
            &[("SIGNET_PASSWORD", Some("not my password"))],
        )
        .await?;
    ensure!(stderr.contains("wrong email or password"), "{stderr}");
    ensure!(
        !dev.config_file().exists(),
        "a failed login stored something"
    );

    dev.login("dev").await?;
    dev.ok(&["teams", "create", "Acme"]).await?;
    dev.create_app("App", "com.acme.app", &[]).await?;
    dev.ok(&["keystore", "generate", "--app", "App", "--remote"])
        .await?;

    let out = tempfile::tempdir()?;
    let pull = ["pull", "--app", "App", "--out", &text(out.path())];
    let stderr = dev
        .fails_with(&pull, &[("SIGNET_PASSWORD", Some("not my password"))])
        .await?;
    ensure!(stderr.contains("wrong password"), "{stderr}");
    // Non-interactive with no password: says which variable to set, never prompts.
    let stderr = dev.fails_with(&pull, &[("SIGNET_PASSWORD", None)]).await?;
    ensure!(stderr.contains("SIGNET_PASSWORD"), "{stderr}");
    ensure!(
        listing(out.path())?.is_empty(),
        "{:?}",
        listing(out.path())?
    );

    // Generating a second upload key for the same app is refused without --make-default,
    // saying why (Google Play knows the first) and what to do instead.
    let stderr = dev
        .fails(&["keystore", "generate", "--app", "App", "--remote"])
        .await?;
    ensure!(
        stderr.contains("already has an upload keystore")
            && stderr.contains("Google Play")
            && stderr.contains("reset-upload-key")
            && stderr.contains("--make-default"),
        "{stderr}"
    );
    // --force (overwrite a file) does not stand in for --make-default: with --remote it is
    // refused before anything is generated.
    let stderr = dev
        .fails(&[
            "keystore", "generate", "--app", "App", "--remote", "--force",
        ])
        .await?;
    ensure!(
        stderr.contains("--remote writes none") && stderr.contains("--make-default"),
        "{stderr}"
    );
    dev.ok(&["pull", "--app", "App", "--out", &text(out.path())])
        .await?;
    // Removing the default keystore is refused without --in-use (no terminal to ask),
    // naming where it is used; nothing is removed.
    let listed = dev.credential_rows(&[]).await?;
    let first_id = listed
        .iter()
        .find(|c| c["kind"] == "android_keystore")
        .and_then(|c| c["id"].as_str())
        .context("the keystore in `signet credentials --json`")?
        .to_owned();
    let stderr = dev.fails(&["credentials", "remove", &first_id]).await?;
    ensure!(
        stderr.contains("is in use")
            && stderr.contains("App · Android · production (default)")
            && stderr.contains("--in-use"),
        "{stderr}"
    );
    let out_dir = text(out.path());
    let repull = ["pull", "--app", "App", "--out", &out_dir, "--force"];
    dev.ok(&repull).await?;

    // The machine remembers the newest write of the account's sealed trust state (which
    // holds the team log pins): an older one (a server rolling a pin back) is refused.
    let mut config: Value = serde_json::from_slice(&std::fs::read(dev.config_file())?)?;
    let seen = config["trust_counter"]
        .as_u64()
        .context("no trust_counter")?;
    ensure!(seen >= 1, "{config:#}");
    config["trust_counter"] = (seen + 5).into();
    std::fs::write(dev.config_file(), serde_json::to_vec(&config)?)?;
    let stderr = dev.fails(&repull).await?;
    ensure!(stderr.contains("rolled back"), "{stderr}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_robot_token_pulls_only_its_app_until_it_is_revoked() -> Result<()> {
    let server = TestServer::start().await?;
    let (_, admin) = with_team(&server.url, "admin", "Acme").await?;
    for (name, package) in [("Shop", "com.acme.shop"), ("Bank", "com.acme.bank")] {
        admin.create_app(name, package, &[]).await?;
        admin
            .ok(&["keystore", "generate", "--app", name, "--remote"])
            .await?;
    }
    let token = admin
        .ok(&[
            "token",
            "create",
            "--team",
            "Acme",
            "--app",
            "Shop",
            "--expires",
            "30d",
        ])
        .await?;
    let token = token.trim();
    ensure!(token.starts_with("signet_"), "{token}");

    // CI: no login, no password, only the token and the server.
    let ci = Cli::new(&server.url)?
        .env("SIGNET_TOKEN", Some(token))
        .env("SIGNET_PASSWORD", None);
    let out = tempfile::tempdir()?;
    ci.ok(&["pull", "--app", "Shop", "--out", &text(out.path())])
        .await?;
    let pulled: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("credentials.json"))?)?;
    let listing_text = tools::keytool_list(
        &out.path().join("credentials/android/keystore.jks"),
        "JKS",
        str_at(&pulled, "/android/keystore/keystorePassword")?,
    )?;
    ensure!(
        tools::keytool_entry(
            &listing_text,
            str_at(&pulled, "/android/keystore/keyAlias")?
        )?
        .owner
        .contains("CN=com.acme.shop")
    );

    let other = tempfile::tempdir()?;
    let stderr = ci
        .fails(&["pull", "--app", "Bank", "--out", &text(other.path())])
        .await?;
    ensure!(stderr.contains("scope"), "{stderr}");
    ensure!(listing(other.path())?.is_empty());
    let apps: Value = serde_json::from_str(&ci.ok(&["apps", "--json"]).await?)?;
    ensure!(
        apps.as_array()
            .map(|a| a.iter().map(|a| a["name"].clone()).collect::<Vec<_>>())
            == Some(vec!["Shop".into()]),
        "{apps}"
    );
    let creds = ci.credential_rows(&[]).await?;
    ensure!(creds.len() == 1, "{creds:#?}");
    let stderr = ci
        .fails(&["keystore", "generate", "--app", "Shop", "--remote"])
        .await?;
    ensure!(stderr.contains("only read"), "{stderr}");

    admin.ok(&["token", "revoke", token]).await?;
    let stderr = ci
        .fails(&["pull", "--app", "Shop", "--out", &text(other.path())])
        .await?;
    ensure!(stderr.contains("revoked"), "{stderr}");
    ensure!(listing(other.path())?.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_viewer_sees_metadata_but_cannot_pull() -> Result<()> {
    let server = TestServer::start().await?;
    let api = Api::new(&server.url);
    let owner = account(&api, "owner").await?;
    let (team, key) = owner.create_team("Acme").await?;
    let owner_cli = Cli::signed_in(&server.url, "owner").await?;
    owner_cli.create_app("App", "com.acme.app", &[]).await?;
    owner_cli
        .ok(&["keystore", "generate", "--app", "App", "--remote"])
        .await?;
    let viewer = account(&api, "viewer").await?;
    join(&owner, &team.id, &key, &viewer, Role::Viewer).await?;

    let cli = Cli::signed_in(&server.url, "viewer").await?;
    let rows: Value =
        serde_json::from_str(&cli.ok(&["credentials", "--app", "App", "--json"]).await?)?;
    ensure!(rows.as_array().map(Vec::len) == Some(1), "{rows}");
    let out = tempfile::tempdir()?;
    let stderr = cli
        .fails(&["pull", "--app", "App", "--out", &text(out.path())])
        .await?;
    ensure!(stderr.contains("viewer"), "{stderr}");
    ensure!(listing(out.path())?.is_empty());
    // The server refuses too, whatever a client does.
    let id = str_at(&rows, "/0/id")?;
    let forced = viewer.read_credential(&team.id, &key, id).await;
    ensure!(
        forced.as_ref().err().and_then(|e| e.status()) == Some(403),
        "{forced:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn register_login_whoami_logout_and_names_that_need_an_id() -> Result<()> {
    let server = TestServer::start().await?;
    let cli = Cli::new(&server.url)?;
    let out = cli
        .run(&["register", "--email", "New@Example.test"])
        .await?;
    ensure!(out.code == Some(0), "{out:#?}");
    RecoveryCode::parse(out.stdout.trim()).context("the recovery code is printed")?;
    ensure!(out.stderr.contains("shown once"), "{}", out.stderr);
    // Only the server, the email, the session token and what guards against a server rolling
    // things back (the trust-state write counter, the KDF parameters seen) are stored; 0600
    // in a 0700 dir.
    let config: Value = serde_json::from_slice(&std::fs::read(cli.config_file())?)?;
    let keys: BTreeSet<&str> = config
        .as_object()
        .context("object")?
        .keys()
        .map(String::as_str)
        .collect();
    ensure!(
        keys == ["email", "kdf", "server", "token", "trust_counter"].into(),
        "{keys:?}"
    );
    ensure!(!config.to_string().contains(PASSWORD));
    #[cfg(unix)]
    {
        ensure!(mode(&cli.config_file())? == 0o600);
        ensure!(mode(cli.config_dir().as_path())? == 0o700);
    }
    let me = cli.ok(&["whoami"]).await?;
    ensure!(me.contains("new@example.test"), "{me}");

    // Names or ids; a name two teams share needs an id, and the error lists them.
    let acme = cli
        .ok(&["teams", "create", "Acme"])
        .await?
        .trim()
        .to_owned();
    let beta = cli
        .ok(&["teams", "create", "Beta"])
        .await?
        .trim()
        .to_owned();
    let stderr = cli.fails(&["apps", "create", "--name", "Same"]).await?;
    ensure!(
        stderr.contains("--team") && stderr.contains(&acme),
        "{stderr}"
    );
    cli.ok(&["apps", "create", "--team", "acme", "--name", "Same"])
        .await?;
    cli.ok(&["apps", "create", "--team", &beta, "--name", "Same"])
        .await?;
    let stderr = cli.fails(&["credentials", "--app", "Same"]).await?;
    let apps: Value = serde_json::from_str(&cli.ok(&["apps", "--json"]).await?)?;
    for app in apps.as_array().context("apps")? {
        ensure!(stderr.contains(str_at(app, "/id")?), "{stderr}");
    }
    cli.ok(&["credentials", "--app", "Same", "--team", "Beta"])
        .await?;

    // Logout revokes the token on the server and forgets it here.
    let token = str_at(&config, "/token")?.to_owned();
    cli.ok(&["logout"]).await?;
    let stderr = cli.fails(&["whoami"]).await?;
    ensure!(stderr.contains("signet login"), "{stderr}");
    let old = Api::new(&server.url).with_auth(Auth::Bearer(token));
    let refused = old.teams().await;
    ensure!(
        refused.as_ref().err().and_then(|e| e.status()) == Some(401),
        "{refused:?}"
    );
    // The server and email are remembered for the next login.
    cli.ok(&["login"]).await?;
    cli.ok(&["whoami"]).await?;
    Ok(())
}

/// On an invite-only server (the default: the first account, then by invitation), a bare
/// `signet register` is told to ask for an invitation and stores nothing; a cut link is
/// refused before anything is sent; `--invite LINK` creates the account and joins the team.
/// On a closed server the error says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn register_with_an_invitation_link_on_an_invite_only_server() -> Result<()> {
    let server = TestServer::start_with_signups(SignupPolicy::default()).await?;
    let api = Api::new(&server.url);
    let owner = account(&api, "owner").await?;
    let (team, key) = owner.create_team("Acme").await?;
    let cli = Cli::new(&server.url)?;
    let email = "dev@example.test";

    let stderr = cli.fails(&["register", "--email", email]).await?;
    ensure!(
        stderr.contains("by invitation only") && stderr.contains("signet register --invite"),
        "{stderr}"
    );
    ensure!(
        !cli.config_file().exists(),
        "a refused sign-up stored a session"
    );

    let (_, link) = owner.invite(&team.id, &key, Role::Developer).await?;
    let url = link.dangerously_to_url(&server.url);
    let (cut, secret) = url.split_once('#').context("a link has a fragment")?;
    let stderr = cli
        .fails(&["register", "--email", email, "--invite", cut])
        .await?;
    ensure!(stderr.contains("copy the whole link"), "{stderr}");

    let out = cli
        .run(&["register", "--email", email, "--invite", url.as_str()])
        .await?;
    ensure!(out.code == Some(0), "{out:#?}");
    RecoveryCode::parse(out.stdout.trim()).context("the recovery code is printed")?;
    ensure!(
        out.stderr.contains("Joined the team Acme as developer"),
        "{}",
        out.stderr
    );
    ensure!(!out.stderr.contains(secret), "the link's secret was echoed");
    let me = cli.ok(&["whoami"]).await?;
    ensure!(me.contains(email) && me.contains("Acme"), "{me}");
    // The link is used up: another person cannot sign up with it.
    let stderr = Cli::new(&server.url)?
        .fails(&[
            "register",
            "--email",
            "late@example.test",
            "--invite",
            url.as_str(),
        ])
        .await?;
    ensure!(
        stderr.contains("refused the invitation") && stderr.contains("already accepted"),
        "{stderr}"
    );
    server.stop().await?;

    let closed = SignupPolicy::new::<&str>(SignupMode::Closed, &[]).map_err(anyhow::Error::msg)?;
    let server = TestServer::start_with_signups(closed).await?;
    let stderr = Cli::new(&server.url)?
        .fails(&["register", "--email", email])
        .await?;
    ensure!(stderr.contains("sign-up is closed"), "{stderr}");
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_server_database_and_log_never_hold_a_plaintext_secret() -> Result<()> {
    let data = tempfile::tempdir()?;
    // The App Store Connect relay is part of the scan: the server process relays to the
    // simulator, which it finds through the environment it inherits.
    let apple = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../wasm-core/tests/fixtures/apple"
    );
    let sim = AscSimulator::start(
        &std::fs::read_to_string(format!("{apple}/AuthKey_ABC123DEFG.pub.pem"))?,
        "ABC123DEFG",
        "57246542-96fe-1a63-e053-0824d011072a",
        "A1B2C3D4E5",
    )
    .await?;
    // nextest runs every test in its own process, so no other test sees this variable.
    #[allow(unsafe_code)]
    // SAFETY: set before the server starts, while no other thread reads the environment.
    unsafe {
        std::env::set_var("SIGNET_ASC_API_URL", &sim.url);
    }
    let mut serve = ServeProcess::start_logging(data.path(), &paths::dist()?, None, Some("debug"))?;
    serve.health().await?;
    let url = serve.url.clone();
    let (owner, dev) = with_team(&url, "owner", "Acme Secret Team").await?;
    dev.create_app("Acme App", "com.acme.app", &["com.acme.app"])
        .await?;
    let bundle = new_bundle().await?;
    dev.ok(&[
        "push",
        &text(&bundle.path("credentials.json")),
        "--app",
        "Acme App",
    ])
    .await?;
    let out = tempfile::tempdir()?;
    dev.ok(&["pull", "--app", "Acme App", "--out", &text(out.path())])
        .await?;
    let token = dev.ok(&["token", "create", "--app", "Acme App"]).await?;
    let ci = Cli::new(&url)?.env("SIGNET_TOKEN", Some(token.trim()));
    let ci_out = tempfile::tempdir()?;
    ci.ok(&["pull", "--app", "Acme App", "--out", &text(ci_out.path())])
        .await?;
    // An APNs key (.p8) stored and read through the client the CLI uses.
    let p8 = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../wasm-core/tests/fixtures/apple/AuthKey_ABC123DEFG.p8"
    ))?;
    let team = owner.teams().await?.into_iter().next().context("team")?;
    let key = owner.team_key(&team.id).await?;
    let push_key = Payload::ApplePushKey {
        p8: SecretText::new(p8.clone()),
        key_id: "ABC123DEFG".into(),
        team_id: "A1B2C3D4E5".into(),
    };
    let stored = owner
        .create_credential(
            &team.id,
            &key,
            &NewCredential {
                kind: push_key.kind(),
                label: "APNs key",
                metadata: push_key.inspect()?,
                payload: &push_key.to_bytes()?,
            },
        )
        .await?;
    owner.read_credential(&team.id, &key, &stored.id).await?;
    // A relayed App Store Connect request: its token reaches Apple, not the log or database.
    let asc_key = AppStoreConnectKey::from_p8(
        std::fs::read_to_string(format!("{apple}/AuthKey_ABC123DEFG.p8"))?.as_bytes(),
        "ABC123DEFG",
        "57246542-96fe-1a63-e053-0824d011072a",
    )?;
    let list = signet_core::asc::Request::list_devices();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let asc_token = asc_key.token_scoped(now, 600, &[list.scope()])?;
    let relayed: Value = owner
        .api
        .post(
            &format!("/teams/{}/asc-relay", team.id),
            &serde_json::json!({"method": "GET", "path": list.path, "token": asc_token}),
        )
        .await?;
    ensure!(relayed.to_string().contains("data"), "{relayed}");
    ensure!(sim.seen().len() == 1, "the relay reached the simulator");

    let pulled: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("credentials.json"))?)?;
    let p8_body = p8
        .lines()
        .find(|l| !l.starts_with("-----") && l.len() > 40)
        .context("p8 body")?
        .to_owned();
    let keystore = std::fs::read(bundle.path("android/upload.jks"))?;
    let keystore_b64 = SecretText::from_bytes(&keystore).expose()[100..164].to_owned();
    let secrets = [
        str_at(&pulled, "/android/keystore/keystorePassword")?.to_owned(),
        str_at(&pulled, "/android/keystore/keyPassword")?.to_owned(),
        str_at(&pulled, "/ios/distributionCertificate/password")?.to_owned(),
        p8_body,
        keystore_b64,
        PASSWORD.to_owned(),
        token.trim().to_owned(),
        asc_token.clone(),
        // The token's signature alone (a log that cut the token up would still leak it).
        asc_token.rsplit('.').next().unwrap_or_default().to_owned(),
    ];
    serve.signal("TERM")?;
    serve.wait_exit(std::time::Duration::from_secs(10))?;

    let mut stored_bytes = Vec::new();
    for file in listing(data.path())? {
        if file != "signet-serve.log" {
            stored_bytes.extend(std::fs::read(data.path().join(&file))?);
        }
    }
    let log = serve.log()?;
    // The scan can see what is there: the database holds the team's name, the log has lines.
    ensure!(
        contains(&stored_bytes, b"Acme Secret Team"),
        "database not found"
    );
    ensure!(!log.is_empty(), "the server logged nothing at debug level");
    ensure!(
        contains(&log, b"relaying GET /v1/devices"),
        "the relay logs its method and path"
    );
    for secret in &secrets {
        ensure!(
            !contains(&stored_bytes, secret.as_bytes()),
            "the database holds a secret"
        );
        ensure!(!contains(&log, secret.as_bytes()), "the log holds a secret");
    }
    // Nor the raw keystore bytes (a slice past the header).
    ensure!(!contains(&stored_bytes, &keystore[64..128]));
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// `openssl s_server`, killed on drop.
struct TlsServer(std::process::Child);

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A CA (`NAME.pem`) in `dir`; returns its certificate's path.
fn openssl_ca(dir: &Path, name: &str) -> Result<String> {
    let cert = text(&dir.join(format!("{name}.pem")));
    let key = text(&dir.join(format!("{name}.key")));
    tools::run_ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            &key,
            "-out",
            &cert,
        ],
    )?;
    Ok(cert)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_servers_are_verified_against_the_trusted_roots() -> Result<()> {
    // A server certificate for localhost issued by a throwaway CA, served by `openssl
    // s_server -WWW` (files from a directory: enough for `GET /api/robot/whoami`).
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let ca = openssl_ca(d, "trusted-ca")?;
    let stranger = openssl_ca(d, "other-ca")?;
    let (leaf, leaf_key, csr) = (
        text(&d.join("leaf.pem")),
        text(&d.join("leaf.key")),
        text(&d.join("leaf.csr")),
    );
    tools::run_ok(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            &leaf_key,
            "-out",
            &csr,
        ],
    )?;
    let ext = tools::write_file(
        d,
        "leaf.ext",
        b"subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )?;
    tools::run_ok(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &text(&d.join("trusted-ca.key")),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &ext,
            "-out",
            &leaf,
        ],
    )?;
    let site = d.join("site");
    std::fs::create_dir_all(site.join("api/robot"))?;
    std::fs::write(
        site.join("api/robot/whoami"),
        serde_json::to_vec(&serde_json::json!({
            "id": "tlscheck", "team_id": "t", "name": "TLS check", "app_ids": [],
            "expires_at": 4_102_444_800_i64,
        }))?,
    )?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let _server = TlsServer(
        std::process::Command::new("openssl")
            .args(["s_server", "-WWW", "-quiet", "-accept", &port.to_string()])
            .args(["-cert", &leaf, "-key", &leaf_key])
            .current_dir(&site)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }

    let token = signet_core::vault::robot::RobotToken::generate("tlscheck")?;
    let token = token.dangerously_to_string();
    let cli = Cli::new(&format!("https://localhost:{port}"))?.env("SIGNET_TOKEN", Some(&token));
    let trusted = cli
        .run_with(&["whoami"], &[("SSL_CERT_FILE", Some(&ca))])
        .await?;
    ensure!(
        trusted.code == Some(0) && trusted.stdout.contains("TLS check"),
        "{trusted:#?}"
    );
    let stderr = cli
        .fails_with(&["whoami"], &[("SSL_CERT_FILE", Some(&stranger))])
        .await?;
    ensure!(stderr.contains("UnknownIssuer"), "{stderr}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_ios_targets_pull_target_prefixed_files_and_the_trash_round_trips() -> Result<()> {
    let server = TestServer::start().await?;
    let (_, dev) = with_team(&server.url, "dev", "Acme").await?;
    dev.create_app(
        "Acme",
        "com.acme.app",
        &["App=com.acme.app", "Widget=com.acme.app"],
    )
    .await?;
    let mut bundle = new_bundle().await?;
    let single = bundle.json["ios"].clone();
    bundle.json["ios"] = serde_json::json!({ "App": single, "Widget": single });
    bundle.save()?;
    dev.ok(&[
        "push",
        &text(&bundle.path("credentials.json")),
        "--app",
        "Acme",
    ])
    .await?;

    let project = tempfile::tempdir()?;
    let out = project.path();
    let report = dev
        .ok(&["pull", "--app", "Acme", "--out", &text(out), "--check"])
        .await?;
    ensure!(
        report.contains("ios.Widget") && report.contains("✓ ready to build"),
        "{report}"
    );
    let files = listing(out)?;
    for file in [
        "credentials/ios/App-dist-cert.p12",
        "credentials/ios/App-profile.mobileprovision",
        "credentials/ios/Widget-dist-cert.p12",
        "credentials/ios/Widget-profile.mobileprovision",
    ] {
        ensure!(files.contains(file), "{files:?}");
    }
    let pulled: Value = serde_json::from_slice(&std::fs::read(out.join("credentials.json"))?)?;
    ensure!(
        str_at(&pulled, "/ios/Widget/distributionCertificate/path")?
            == "credentials/ios/Widget-dist-cert.p12"
    );
    // The same certificate and profile serve both targets: stored once, used in two slots.
    let ios: Value = serde_json::from_str(
        &dev.ok(&[
            "credentials",
            "--app",
            "Acme",
            "--platform",
            "ios",
            "--json",
        ])
        .await?,
    )?;
    let ios = ios.as_array().context("rows")?;
    ensure!(ios.len() == 2, "{ios:#?}");
    ensure!(
        ios.iter()
            .all(|r| r["slots"].as_array().map(Vec::len) == Some(2))
    );

    // Remove: builds stop getting it; restore: back.
    let all = dev.credential_rows(&[]).await?;
    let keystore = all
        .iter()
        .find(|r| r["kind"] == "android_keystore")
        .context("keystore row")?;
    let id = str_at(keystore, "/id")?;
    // It is the app's default keystore: removing it takes --in-use.
    dev.ok(&["credentials", "remove", id, "--in-use"]).await?;
    let trash: Value =
        serde_json::from_str(&dev.ok(&["credentials", "--deleted", "--json"]).await?)?;
    ensure!(str_at(&trash, "/0/id")? == id, "{trash}");
    let android = [
        "pull",
        "--app",
        "Acme",
        "--platform",
        "android",
        "--out",
        &text(out),
    ];
    // The trashed keystore no longer counts: pull names what is missing and how to fix it.
    let stderr = dev.fails(&android).await?;
    ensure!(
        stderr.contains("No Android upload keystore for com.acme.app")
            && stderr.contains("--generate-missing"),
        "{stderr}"
    );
    dev.ok(&["credentials", "restore", id]).await?;
    dev.ok(&android).await?;
    // Pulling one platform keeps the other's entry of credentials.json.
    let again: Value = serde_json::from_slice(&std::fs::read(out.join("credentials.json"))?)?;
    ensure!(again == pulled, "{again:#}");
    Ok(())
}
