//! Who may create an account: the operator's sign-up policy (`signet serve --signups`,
//! `--signup-domains`), enforced by `POST /api/auth/register` and shown to the sign-in page
//! by `GET /api/auth/signups`.
//!
//! This is server-side policy, not cryptography: it decides which accounts the server agrees
//! to store. It cannot make anyone a member of a team (that still takes an admin's signed
//! invitation), and an operator can always change it.
//!
//! - [`SignupMode::Open`]: anyone who can reach the server.
//! - [`SignupMode::InviteOnly`] (the default): the first account may register on a server that
//!   has none (otherwise nobody could ever invite anyone), then only people presenting a
//!   pending, unexpired, unrevoked invitation whose token matches; each invitation admits one
//!   new account.
//! - [`SignupMode::Closed`]: nobody, not even with an invitation (existing accounts still
//!   accept invitations). Closing is for a server whose people are all in.
//!
//! The allowed email domains apply in every mode, to every new account (the first one and
//! invited ones too): the part after the `@`, compared case-insensitively and exactly, so
//! `acme.com` does not admit `eu.acme.com` (list that one too).

pub use signet_core::wire::account::SignupMode;
use signet_core::wire::account::SignupPolicyInfo;

use crate::ApiError;

/// The operator's sign-up policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignupPolicy {
    mode: SignupMode,
    /// Lowercase, without `@`; empty means any domain.
    allowed_domains: Vec<String>,
}

impl Default for SignupPolicy {
    /// The first account may register, then invite-only; any domain.
    fn default() -> Self {
        Self {
            mode: SignupMode::InviteOnly,
            allowed_domains: Vec::new(),
        }
    }
}

impl SignupPolicy {
    /// `mode`, limited to email addresses at `domains` (none: any). Each domain is trimmed,
    /// lowercased and may start with `@`; refuses one that is empty or not a domain name.
    pub fn new<S: AsRef<str>>(mode: SignupMode, domains: &[S]) -> Result<Self, String> {
        let mut allowed_domains = Vec::new();
        for raw in domains {
            let domain = raw
                .as_ref()
                .trim()
                .trim_start_matches('@')
                .to_ascii_lowercase();
            let label_ok = |l: &str| {
                !l.is_empty()
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            };
            if !domain.contains('.') || !domain.split('.').all(label_ok) {
                return Err(format!(
                    "\"{}\" is not an email domain (write it like acme.com, without the part before @)",
                    raw.as_ref().trim()
                ));
            }
            if !allowed_domains.contains(&domain) {
                allowed_domains.push(domain);
            }
        }
        Ok(Self {
            mode,
            allowed_domains,
        })
    }

    /// Anyone may sign up, with any address.
    pub fn open() -> Self {
        Self {
            mode: SignupMode::Open,
            allowed_domains: Vec::new(),
        }
    }

    /// Who may sign up.
    pub fn mode(&self) -> SignupMode {
        self.mode
    }

    /// The allowed domains (lowercase); empty means any.
    pub fn allowed_domains(&self) -> &[String] {
        &self.allowed_domains
    }

    /// Whether a sign-up without an invitation is accepted, `has_users` saying whether the
    /// server has any account yet (the domain aside).
    pub fn open_now(&self, has_users: bool) -> bool {
        match self.mode {
            SignupMode::Open => true,
            SignupMode::InviteOnly => !has_users,
            SignupMode::Closed => false,
        }
    }

    /// What `GET /api/auth/signups` answers.
    pub fn info(&self, has_users: bool) -> SignupPolicyInfo {
        SignupPolicyInfo {
            mode: self.mode,
            allowed_domains: self.allowed_domains.clone(),
            open_now: self.open_now(has_users),
        }
    }

    /// The checks that need no database: refuses every sign-up when closed, and addresses
    /// outside the allowed domains. `email` is already validated and lowercased.
    pub fn check_address(&self, email: &str) -> Result<(), ApiError> {
        if self.mode == SignupMode::Closed {
            return Err(ApiError::SignupRefused {
                code: "signups_closed",
                message: "the operator of this server closed sign-up: no new accounts are \
                          created. Ask them if you need one"
                    .into(),
            });
        }
        let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
        if !self.allowed_domains.is_empty()
            && !self
                .allowed_domains
                .iter()
                .any(|d| d.eq_ignore_ascii_case(domain))
        {
            let listed: Vec<String> = self
                .allowed_domains
                .iter()
                .map(|d| format!("@{d}"))
                .collect();
            return Err(ApiError::SignupRefused {
                code: "signup_domain_not_allowed",
                message: format!(
                    "this server only creates accounts for {} addresses; sign up with one of those",
                    listed.join(", ")
                ),
            });
        }
        Ok(())
    }

    /// A line for the log at start (domains only: no address).
    pub fn describe(&self) -> String {
        let mode = match self.mode {
            SignupMode::Open => "open (anyone who can reach the server)",
            SignupMode::InviteOnly => "invite-only (the first account may register)",
            SignupMode::Closed => "closed (no new accounts)",
        };
        if self.allowed_domains.is_empty() {
            mode.to_owned()
        } else {
            format!("{mode}, only {}", self.allowed_domains.join(", "))
        }
    }
}

/// What an invite-only server answers a sign-up without an invitation.
pub fn invitation_required() -> ApiError {
    ApiError::SignupRefused {
        code: "signups_invite_only",
        message: "sign-up on this server is by invitation: ask an admin of your team for an \
                  invitation link and sign up through it"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<(), ApiError>) -> Option<&'static str> {
        r.err().map(|e| e.status_and_code().1)
    }

    #[test]
    fn domains_match_exactly_and_case_insensitively() -> Result<(), String> {
        let p = SignupPolicy::new(SignupMode::Open, &[" @Acme.COM ", "b.org"])?;
        assert_eq!(p.allowed_domains(), ["acme.com", "b.org"]);
        assert_eq!(code(p.check_address("ann@acme.com")), None);
        assert_eq!(code(p.check_address("bob@b.org")), None);
        for refused in ["eve@eu.acme.com", "eve@acme.com.evil", "eve@other.net"] {
            assert_eq!(
                code(p.check_address(refused)),
                Some("signup_domain_not_allowed"),
                "{refused}"
            );
        }
        for bad in ["", "acme", "a@b.com", "acme..com", "-a.com"] {
            assert!(
                SignupPolicy::new(SignupMode::Open, &[bad]).is_err(),
                "{bad}"
            );
        }
        Ok(())
    }

    #[test]
    fn modes_say_when_a_bare_sign_up_is_accepted() {
        let default = SignupPolicy::default();
        assert!(default.open_now(false) && !default.open_now(true));
        assert!(SignupPolicy::open().open_now(true));
        let closed =
            SignupPolicy::new::<&str>(SignupMode::Closed, &[]).expect("no domains to refuse");
        assert!(!closed.open_now(false));
        assert_eq!(
            code(closed.check_address("a@b.com")),
            Some("signups_closed")
        );
    }
}
