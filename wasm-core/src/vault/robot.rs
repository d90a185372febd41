//! Robot (CI) tokens: `signet_<id>_<secret>`.
//!
//! - `<id>`: 1–32 characters `[a-z0-9]`, assigned when the token is made; public.
//! - `<secret>`: 32 random bytes as 64 lowercase hex digits.
//!
//! Two unrelated values come from the secret with HKDF-SHA256:
//! - the **auth half** (`info = "signet/v1/robot/auth"`), which the CLI presents to the
//!   server with the id; the server stores only `server_side::hash_for_storage` of it;
//! - the **grant key** (`info = "signet/v1/robot/wrap"`), which wraps the item keys the token
//!   was granted (sealed box purpose `0x08`, binding = `"item-key/robot"`, token id, team id,
//!   item id). The server never sees it, so it can authorise the token but not decrypt.

use zeroize::Zeroizing;

use super::{
    envelope::{self, Binding, Purpose, Sealed, sealed_type},
    item::ItemKey,
    secret::{Key32, hkdf32},
};
use crate::{Error, Result};

/// A robot token. Zeroized on drop; `Debug` shows only the id; not serializable.
pub struct RobotToken {
    id: String,
    secret: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for RobotToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RobotToken")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

fn check_id(id: &str) -> Result<()> {
    if id.is_empty()
        || id.len() > 32
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(Error::BadSecretFormat(format!(
            "\"{id}\" is not a robot token id: use 1 to 32 lowercase letters and digits"
        )));
    }
    Ok(())
}

fn binding(token_id: &str, team_id: &str, item_id: &str) -> Binding {
    Binding::new()
        .field(b"item-key/robot")
        .field(token_id.as_bytes())
        .field(team_id.as_bytes())
        .field(item_id.as_bytes())
}

impl RobotToken {
    /// A new token with a fresh secret.
    pub fn generate(id: &str) -> Result<Self> {
        check_id(id)?;
        let mut secret = Zeroizing::new([0u8; 32]);
        super::rng::fill(secret.as_mut())?;
        Ok(Self {
            id: id.to_owned(),
            secret,
        })
    }

    /// Parses `signet_<id>_<secret>` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::BadSecretFormat(
                "that is not a Signet robot token: it looks like signet_<id>_<64 hex digits>"
                    .into(),
            )
        };
        let rest = text.trim().strip_prefix("signet_").ok_or_else(bad)?;
        let (id, hex) = rest.split_once('_').ok_or_else(bad)?;
        check_id(id)?;
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut secret = Zeroizing::new([0u8; 32]);
        for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
            let digit = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            let (Some(h), Some(l)) = (digit(pair[0]), digit(pair[1])) else {
                return Err(bad());
            };
            secret[i] = (h << 4) | l;
        }
        Ok(Self {
            id: id.to_owned(),
            secret,
        })
    }

    /// The token's public id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The full token text, shown once to the admin who makes it: the one place it leaves.
    pub fn dangerously_to_string(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(format!("signet_{}_", self.id));
        for b in self.secret.iter() {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// The auth half the CLI presents to the server (text form).
    pub fn auth_half(&self) -> Result<String> {
        let k = hkdf32(self.secret.as_ref(), None, b"signet/v1/robot/auth")?;
        Ok(envelope::to_base64(k.as_bytes()))
    }

    fn grant_key(&self) -> Result<Key32> {
        hkdf32(self.secret.as_ref(), None, b"signet/v1/robot/wrap")
    }

    /// Grants this token one item: wraps its item key under the token's grant key.
    pub fn grant(
        &self,
        item_key: &ItemKey,
        team_id: &str,
        item_id: &str,
    ) -> Result<RobotWrappedItemKey> {
        Sealed::seal(
            &self.grant_key()?,
            Purpose::ItemKeyForRobot,
            0,
            &binding(&self.id, team_id, item_id),
            item_key.0.as_bytes(),
        )
        .map(RobotWrappedItemKey)
    }
}

sealed_type!(
    /// An item key granted to a robot token (purpose `0x08`).
    RobotWrappedItemKey,
    Purpose::ItemKeyForRobot,
    "robot-wrapped item key"
);

impl RobotWrappedItemKey {
    /// Opens with the token, for the team and item it was found under.
    pub fn open(&self, token: &RobotToken, team_id: &str, item_id: &str) -> Result<ItemKey> {
        self.0
            .open_key(&token.grant_key()?, &binding(&token.id, team_id, item_id))
            .map(ItemKey)
    }
}
