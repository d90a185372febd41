//! Who may create an account (`signet serve --signups`, `--signup-domains`): each mode, the
//! first-account rule, invitations that may and may not admit a new account, and the allowed
//! email domains, through `POST /api/auth/register` and `GET /api/auth/signups`.
//!
//! Closed refuses every new account, even one with a valid invitation; the domain list
//! applies in every mode, to the first and to invited accounts too, matched exactly (no
//! subdomains) and case-insensitively.

use anyhow::{Context, Result, ensure};
use signet_client::{Api, ClientError, Session, team::InviteLink};
use signet_core::{
    vault::invite::InviteSecret,
    wire::{
        Role,
        account::{SignupMode, SignupPolicyInfo},
    },
};
use signet_server::{ServerConfig, signups::SignupPolicy};
use signet_tests::{
    api::{PASSWORD, weak_kdf},
    server::TestServer,
};

fn policy(mode: SignupMode, domains: &[&str]) -> Result<SignupPolicy> {
    SignupPolicy::new(mode, domains).map_err(anyhow::Error::msg)
}

/// Registers `email`, with `invite` when given: the session, or the refusal.
async fn sign_up(
    api: &Api,
    email: &str,
    invite: Option<&InviteLink>,
) -> Result<Session, ClientError> {
    Session::register_with_invite(api, email, PASSWORD, weak_kdf(), invite)
        .await
        .map(|(session, _)| session)
}

/// Fails unless `result` is a refusal with `status` and `code`; returns its message.
fn refused(
    result: Result<Session, ClientError>,
    status: u16,
    code: &str,
    what: &str,
) -> Result<String> {
    match result {
        Ok(s) => anyhow::bail!("{what}: {} was let in", s.user.email),
        Err(ClientError::Api {
            status: s,
            code: c,
            message,
        }) if s == status && c == code => Ok(message),
        Err(e) => anyhow::bail!("{what}: expected {status} {code}, got {e}"),
    }
}

async fn policy_info(api: &Api) -> Result<SignupPolicyInfo> {
    Ok(api.signups().await?)
}

/// A team of `owner`'s with a pending invitation: its id, and the link.
async fn team_with_invite(owner: &Session) -> Result<(String, InviteLink)> {
    let (team, key) = owner.create_team("Acme").await?;
    let (_, link) = owner.invite(&team.id, &key, Role::Developer).await?;
    Ok((team.id, link))
}

async fn another_invite(owner: &Session, team: &str) -> Result<InviteLink> {
    let key = owner.team_key(team).await?;
    Ok(owner.invite(team, &key, Role::Viewer).await?.1)
}

#[tokio::test]
async fn open_sign_up_lets_anyone_register() -> Result<()> {
    let server = TestServer::start_with_signups(SignupPolicy::open()).await?;
    let api = Api::new(&server.url);
    for name in ["ann", "bob", "cyd"] {
        sign_up(&api, &format!("{name}@example.test"), None).await?;
    }
    let info = policy_info(&api).await?;
    ensure!(
        info.mode == SignupMode::Open && info.open_now && info.allowed_domains.is_empty(),
        "{info:?}"
    );
    server.stop().await
}

#[tokio::test]
async fn by_default_the_first_account_registers_then_only_invited_people() -> Result<()> {
    let server = TestServer::start_with_signups(SignupPolicy::default()).await?;
    let api = Api::new(&server.url);
    let info = policy_info(&api).await?;
    ensure!(
        info.mode == SignupMode::InviteOnly && info.open_now,
        "an empty server must take its first account: {info:?}"
    );
    let owner = sign_up(&api, "owner@example.test", None).await?;
    ensure!(
        !policy_info(&api).await?.open_now,
        "open_now after the first account"
    );
    let message = refused(
        sign_up(&api, "bare@example.test", None).await,
        403,
        "signups_invite_only",
        "a second account without an invitation",
    )?;
    ensure!(message.contains("invitation link"), "{message}");

    let (team, link) = team_with_invite(&owner).await?;
    // The right id with another secret.
    let forged = InviteLink {
        id: link.id.clone(),
        secret: InviteSecret::generate()?,
    };
    refused(
        sign_up(&api, "forger@example.test", Some(&forged)).await,
        401,
        "bad_credentials",
        "a wrong invitation token",
    )?;
    // An invitation that does not exist.
    let unknown = InviteLink {
        id: signet_client::team::new_id()?,
        secret: InviteSecret::generate()?,
    };
    refused(
        sign_up(&api, "guesser@example.test", Some(&unknown)).await,
        401,
        "bad_credentials",
        "an unknown invitation",
    )?;

    // The invitee signs up with the link, then joins as before.
    let invitee = sign_up(&api, "invitee@example.test", Some(&link)).await?;
    let (joined, _) = invitee.accept_invite(&link).await?;
    ensure!(joined.id == team && joined.role == Role::Developer);
    // An accepted invitation admits nobody else.
    let message = refused(
        sign_up(&api, "second@example.test", Some(&link)).await,
        410,
        "gone",
        "an accepted invitation",
    )?;
    ensure!(message.contains("accepted"), "{message}");

    // One invitation, one new account, even before it is accepted.
    let pending = another_invite(&owner, &team).await?;
    sign_up(&api, "carol@example.test", Some(&pending)).await?;
    let message = refused(
        sign_up(&api, "dave@example.test", Some(&pending)).await,
        410,
        "gone",
        "an invitation already used to sign up",
    )?;
    ensure!(message.contains("already used"), "{message}");

    // Revoked.
    let revoked = another_invite(&owner, &team).await?;
    owner.revoke_invite(&team, &revoked.id).await?;
    let message = refused(
        sign_up(&api, "erin@example.test", Some(&revoked)).await,
        410,
        "gone",
        "a revoked invitation",
    )?;
    ensure!(message.contains("revoked"), "{message}");

    // Expired: moved into the past in the database (invitations last at least a day).
    let expired = another_invite(&owner, &team).await?;
    expire(&server, &expired.id).await?;
    let message = refused(
        sign_up(&api, "frank@example.test", Some(&expired)).await,
        410,
        "gone",
        "an expired invitation",
    )?;
    ensure!(message.contains("expired"), "{message}");

    // None of the refused sign-ups made an account.
    for email in [
        "bare", "forger", "guesser", "second", "dave", "erin", "frank",
    ] {
        let login = Session::login(&api, &format!("{email}@example.test"), PASSWORD, true).await;
        ensure!(
            login.as_ref().err().and_then(ClientError::status) == Some(401),
            "{email} has an account"
        );
    }
    server.stop().await
}

/// Sets the invitation's expiry to a minute ago.
async fn expire(server: &TestServer, invite: &str) -> Result<()> {
    use sqlx::{ConnectOptions, Connection, sqlite::SqliteConnectOptions};
    let db = server.data_dir.path().join("signet.db");
    let mut conn = SqliteConnectOptions::new()
        .filename(&db)
        .connect()
        .await
        .with_context(|| format!("cannot open {}", db.display()))?;
    let done = sqlx::query("UPDATE invites SET expires_at = $1 WHERE id = $2")
        .bind(signet_server::store::now() - 60)
        .bind(invite)
        .execute(&mut conn)
        .await?;
    ensure!(done.rows_affected() == 1, "no invitation {invite}");
    conn.close().await?;
    Ok(())
}

#[tokio::test]
async fn two_first_sign_ups_at_once_make_one_account() -> Result<()> {
    let server = TestServer::start_with_signups(SignupPolicy::default()).await?;
    let api = Api::new(&server.url);
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..6 {
        let api = api.clone();
        attempts.spawn(async move { sign_up(&api, &format!("racer{i}@example.test"), None).await });
    }
    let results = attempts.join_all().await;
    let admitted = results.iter().filter(|r| r.is_ok()).count();
    ensure!(admitted == 1, "{admitted} first accounts were made");
    for r in results.into_iter().filter(Result::is_err) {
        refused(r, 403, "signups_invite_only", "a racing first sign-up")?;
    }
    server.stop().await
}

#[tokio::test]
async fn closed_sign_up_refuses_everyone_even_with_an_invitation() -> Result<()> {
    // A server that had open sign-up, reopened closed on the same database.
    let data = tempfile::tempdir()?;
    let dist = signet_tests::paths::dist()?;
    let config = |signups: SignupPolicy| {
        let mut c = ServerConfig::new(data.path().to_path_buf(), dist.clone(), None);
        c.signups = signups;
        c
    };
    let server = TestServer::start_with(config(SignupPolicy::open()), tempfile::tempdir()?).await?;
    let api = Api::new(&server.url);
    let owner = sign_up(&api, "owner@example.test", None).await?;
    let (team, link) = team_with_invite(&owner).await?;
    server.stop().await?;

    let closed = policy(SignupMode::Closed, &[])?;
    let server = TestServer::start_with(config(closed.clone()), tempfile::tempdir()?).await?;
    let api = Api::new(&server.url);
    let info = policy_info(&api).await?;
    ensure!(
        info.mode == SignupMode::Closed && !info.open_now,
        "{info:?}"
    );
    let message = refused(
        sign_up(&api, "bare@example.test", None).await,
        403,
        "signups_closed",
        "a bare sign-up on a closed server",
    )?;
    ensure!(message.contains("closed sign-up"), "{message}");
    refused(
        sign_up(&api, "invitee@example.test", Some(&link)).await,
        403,
        "signups_closed",
        "an invited sign-up on a closed server",
    )?;
    // Existing accounts still sign in and still accept invitations.
    let owner = Session::login(&api, "owner@example.test", PASSWORD, true).await?;
    ensure!(owner.teams().await?.iter().any(|t| t.id == team));
    server.stop().await?;

    // Closed from the start: not even the first account.
    let fresh = TestServer::start_with_signups(closed).await?;
    refused(
        sign_up(&Api::new(&fresh.url), "first@example.test", None).await,
        403,
        "signups_closed",
        "the first account on a closed server",
    )?;
    fresh.stop().await
}

#[tokio::test]
async fn only_the_allowed_email_domains_sign_up() -> Result<()> {
    let server =
        TestServer::start_with_signups(policy(SignupMode::InviteOnly, &["Acme.com", "acme.de"])?)
            .await?;
    let api = Api::new(&server.url);
    let info = policy_info(&api).await?;
    ensure!(info.allowed_domains == ["acme.com", "acme.de"], "{info:?}");
    // The first account too; the domain is matched exactly, whatever its case.
    for email in [
        "owner@example.test",
        "owner@eu.acme.com",
        "owner@acme.com.evil",
    ] {
        let message = refused(
            sign_up(&api, email, None).await,
            403,
            "signup_domain_not_allowed",
            email,
        )?;
        ensure!(
            message.contains("@acme.com") && message.contains("@acme.de"),
            "{message}"
        );
    }
    let owner = sign_up(&api, "Owner@ACME.com", None).await?;
    ensure!(owner.user.email == "owner@acme.com");
    // An invitation does not widen the list.
    let (_, link) = team_with_invite(&owner).await?;
    refused(
        sign_up(&api, "friend@gmail.com", Some(&link)).await,
        403,
        "signup_domain_not_allowed",
        "an invitee at another domain",
    )?;
    sign_up(&api, "friend@Acme.DE", Some(&link)).await?;
    server.stop().await?;

    // In open mode too.
    let server = TestServer::start_with_signups(policy(SignupMode::Open, &["acme.com"])?).await?;
    let api = Api::new(&server.url);
    sign_up(&api, "a@acme.com", None).await?;
    sign_up(&api, "b@ACME.COM", None).await?;
    refused(
        sign_up(&api, "c@acme.de", None).await,
        403,
        "signup_domain_not_allowed",
        "another domain on an open server",
    )?;
    server.stop().await
}
