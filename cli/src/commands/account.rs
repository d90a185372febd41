//! `signet register`, `login`, `logout`, `whoami`: the account and the stored session.
//!
//! Only the server URL, the email and the session token are stored (0600, see
//! [`super::config`]). The password derives the keys in memory each time a command
//! decrypts, and the keys never touch the disk.

use anyhow::Result;
use clap::Args;
use signet_client::{Api, ClientError, Session, team::InviteLink};
use signet_core::vault::kdf::KdfParams;

use super::{
    config::Config,
    input,
    remote::{self, Ctx, Reader, ServerArgs, Who, block_on, explain},
};

/// `signet register` and `signet login`.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// The Signet server's URL, e.g. https://signet.acme.com (default: the stored one).
    #[arg(long, env = "SIGNET_SERVER", value_name = "URL")]
    server: Option<String>,
    /// Your email address (default: the stored one).
    #[arg(long, env = "SIGNET_EMAIL")]
    email: Option<String>,
}

/// `signet register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    #[command(flatten)]
    account: AccountArgs,
    /// The invitation link an admin sent (`https://signet.acme.com/invite/ID#SECRET`), for a
    /// server where sign-up is by invitation: the account is created with it, then joins
    /// the team. Quote it in the shell (it has a `#`).
    #[arg(
        long,
        env = "SIGNET_INVITE",
        value_name = "LINK",
        hide_env_values = true
    )]
    invite: Option<String>,
}

/// What to do about a sign-up the server refused, by its error code.
fn explain_signup(error: ClientError, server: &str, invited: bool) -> anyhow::Error {
    let message = match &error {
        ClientError::Api { message, .. } => message.clone(),
        _ => return explain(error, Who::User),
    };
    match (error.code().unwrap_or_default(), invited) {
        ("signups_invite_only", _) => anyhow::anyhow!(
            "{server} creates accounts by invitation only: ask an admin of your team for an \
             invitation link, then run `signet register --invite 'LINK'`"
        ),
        ("signups_closed", _) => anyhow::anyhow!(
            "sign-up is closed on {server}: its operator creates no new accounts. Ask them if \
             you need one"
        ),
        ("signup_domain_not_allowed", _) => {
            anyhow::anyhow!("{message} (--email, or SIGNET_EMAIL)")
        }
        ("bad_credentials" | "gone", true) => anyhow::anyhow!(
            "the server refused the invitation: {message}. Nothing was created; ask an admin \
             for a new link if this one cannot be used"
        ),
        _ => explain(error, Who::User),
    }
}

fn server_and_email(args: AccountArgs, config: &Config) -> Result<(String, String)> {
    let server = input::required(
        args.server.or_else(|| config.server.clone()),
        "--server URL (or SIGNET_SERVER)",
        "Signet server URL",
    )?;
    let server = remote::server_url(&server)?;
    let email = input::required(
        args.email.or_else(|| config.email.clone()),
        "--email EMAIL (or SIGNET_EMAIL)",
        "Email",
    )?;
    remote::warn_if_plain_http(&server);
    Ok((server, email))
}

async fn remember(session: &Session, server: &str) -> Result<()> {
    let previous = Config::load()?;
    // The rollback guard and the team log pins stay while the same account signs in to the
    // same server; the pins are then brought up to date from the account's trust state.
    let same = previous.server.as_deref() == Some(server)
        && previous.email.as_deref() == Some(session.user.email.as_str());
    if same {
        session.set_trust_floor(previous.trust_counter);
    }
    let trust = session
        .trust_state()
        .await
        .map_err(|e| explain(e, Who::User))?;
    session
        .check_kdf()
        .await
        .map_err(|e| explain(e, Who::User))?;
    let mut config = if same { previous } else { Config::default() };
    if config
        .kdf
        .is_none_or(|seen| seen.is_weaker_than(&session.kdf_params))
    {
        config.kdf = Some(session.kdf_params);
    }
    config.server = Some(server.to_owned());
    config.email = Some(session.user.email.clone());
    config.token = Some(session.token.clone());
    config.observe_trust(session.trust_counter(), &trust.teams)?;
    let path = config.save()?;
    eprintln!(
        "Signed in as {} on {server}. Session stored in {} (your keys are not: commands that \
         decrypt ask for your password, or read {}).",
        session.user.email,
        path.display(),
        input::PASSWORD_VAR
    );
    Ok(())
}

/// `signet register`: creates the account with keys derived here, prints the recovery code
/// once.
pub fn register(args: RegisterArgs) -> Result<()> {
    let config = Config::load()?;
    // A damaged link is refused before any password is asked for.
    let invite = args
        .invite
        .as_deref()
        .map(InviteLink::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--invite: {e}"))?;
    let (server, email) = server_and_email(args.account, &config)?;
    let password = input::new_password(&email)?;
    block_on(async {
        let (session, code) = Session::register_with_invite(
            &Api::new(&server),
            &email,
            &password,
            KdfParams::DEFAULT,
            invite.as_ref(),
        )
        .await
        .map_err(|e| explain_signup(e, &server, invite.is_some()))?;
        eprintln!(
            "Account created. This is your recovery code, shown once: write it down and keep it \
             offline. Without it and without your password, nobody (not even the server's \
             admin) can get your credentials back."
        );
        println!("{}", code.dangerously_display().as_str());
        // Joining before the session is stored, so the stored trust state has the team's pin.
        let joined = match &invite {
            Some(link) => Some(session.accept_invite(link).await),
            None => None,
        };
        remember(&session, &server).await?;
        match joined {
            Some(Ok((team, _))) => {
                eprintln!("Joined the team {} as {}.", team.name, team.role);
                Ok(())
            }
            Some(Err(e)) => Err(anyhow::anyhow!(
                "your account was created and you are signed in, but joining the team failed: \
                 {}",
                explain(e, Who::User)
            )),
            None => Ok(()),
        }
    })
}

/// `signet login`: checks the password (the keys must unlock) and stores the session.
pub fn login(args: AccountArgs) -> Result<()> {
    let config = Config::load()?;
    let (server, email) = server_and_email(args, &config)?;
    let password = input::password(&email)?;
    block_on(async {
        let same = config.server.as_deref() == Some(server.as_str())
            && config.email.as_deref() == Some(email.as_str());
        let seen = config.kdf.filter(|_| same);
        let session = Session::login_at_least(&Api::new(&server), &email, &password, false, seen)
            .await
            .map_err(|e| match e {
                signet_client::ClientError::Api { status: 401, .. } => {
                    anyhow::anyhow!("wrong email or password for {server} (nothing was stored)")
                }
                other => explain(other, Who::User),
            })?;
        remember(&session, &server).await
    })
}

/// `signet logout`: signs the session out on the server and forgets the token.
pub fn logout(server: ServerArgs) -> Result<()> {
    let mut config = Config::load()?;
    if config.token.is_none() {
        eprintln!("Not signed in.");
        return Ok(());
    }
    let ctx = Ctx::load(&server)?;
    let outcome = block_on(async {
        ctx.user_api()?
            .post::<_, ()>("/auth/logout", &serde_json::json!({}))
            .await
            .map_err(|e| explain(e, Who::User))
    });
    config.token = None;
    config.save()?;
    match outcome {
        Ok(()) => eprintln!("Signed out; the session token is revoked and forgotten."),
        Err(e) => eprintln!("Forgot the session token (the server said: {e:#})."),
    }
    Ok(())
}

/// `signet whoami`: who the CLI acts as (a user, or the robot token in `SIGNET_TOKEN`).
pub fn whoami(server: ServerArgs) -> Result<()> {
    let ctx = Ctx::load(&server)?;
    block_on(async {
        match ctx.reader().await? {
            Reader::Robot { whoami, .. } => {
                println!(
                    "robot token {} (\"{}\") on {}: team {}, {} app(s), expires {}",
                    whoami.id,
                    whoami.name,
                    ctx.server,
                    whoami.team_id,
                    whoami.app_ids.len(),
                    signet_core::ios::certificate::format_utc(whoami.expires_at)
                );
            }
            Reader::User { api } => {
                let me: signet_core::wire::account::SessionResponse = api
                    .get("/auth/me")
                    .await
                    .map_err(|e| explain(e, Who::User))?;
                let teams = api.teams().await.map_err(|e| explain(e, Who::User))?;
                println!("{} on {}", me.user.email, ctx.server);
                for t in teams {
                    println!("  {}  {} ({})", t.id, t.name, t.role);
                }
            }
        }
        Ok(())
    })
}
