//! What a client does with what the server *lists*, given a verified [`TeamState`]: checks a
//! member row against the log, and a credential's metadata against its author's signature.
//! Both answers are for display and decisions alike: anything that does not check out is
//! shown as unverified and never used.

use super::TeamState;
use crate::{
    vault::{
        item::{MetadataContext, MetadataSignature},
        keypair::SignedPublicKeys,
    },
    wire::{credential::CredentialInfo, team::MemberInfo},
};

/// What the verified log says about a member the server lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// The log has this member with these keys and this role; `fingerprint` is the log's.
    Verified {
        /// The member's signing key fingerprint, from the log.
        fingerprint: String,
    },
    /// The server's row disagrees with the team's signed log (shown, never used).
    Unverified(String),
}

/// Checks one row of `GET /members` against the verified log.
pub fn check_member(state: &TeamState, m: &MemberInfo) -> Listing {
    let Some(logged) = state.member(&m.user_id) else {
        return Listing::Unverified(
            "not a member according to the team's signed membership log".into(),
        );
    };
    let fingerprint = logged.keys.fingerprint().to_string();
    let listed = SignedPublicKeys::from_base64(&m.public_keys).and_then(|k| k.verify());
    if !matches!(listed, Ok(keys) if keys == logged.keys) {
        return Listing::Unverified(format!(
            "the server lists other keys than the team's signed log (whose fingerprint is \
             {fingerprint})"
        ));
    }
    if logged.role != m.role {
        return Listing::Unverified(format!(
            "the server says {}, the team's signed log says {}",
            m.role, logged.role
        ));
    }
    Listing::Verified { fingerprint }
}

/// The message shown for a credential whose metadata does not verify.
pub const UNVERIFIED_METADATA: &str =
    "unverified — the server's data does not match its author's signature";

/// Verifies a credential's public metadata against its author's signing key, taken from the
/// verified log (authors who left still verify). `Err` says why it does not.
pub fn verify_metadata(state: &TeamState, c: &CredentialInfo) -> Result<(), String> {
    if c.team_id != state.team_id() {
        return Err(format!("{UNVERIFIED_METADATA} (it claims another team)"));
    }
    let Some(author) = state.author_key(&c.author_id) else {
        return Err(format!(
            "{UNVERIFIED_METADATA} (its author was never a member of this team)"
        ));
    };
    let ctx = MetadataContext {
        team_id: &c.team_id,
        item_id: &c.id,
        kind: c.kind.as_str(),
        author_id: &c.author_id,
    };
    MetadataSignature::from_base64(&c.metadata_signature)
        .and_then(|sig| sig.verify(author, &ctx, &c.metadata))
        .map_err(|_| UNVERIFIED_METADATA.to_owned())
}
