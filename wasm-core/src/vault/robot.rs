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
//!
//! # Following assignments (issue 12)
//!
//! Grants under the grant key can only be made by someone holding the secret — the admin,
//! once, when she makes the token — so a token used to cover only what its apps used then.
//! Now the secret also derives:
//! - a **P-256 key pair** (scalar = the first valid `HKDF(secret, "signet/v1/robot/key" ‖ c)`,
//!   c = 0, 1, … one byte). Its public half goes into the token's [`RobotCard`]: robot id,
//!   team id, app scope, public key, creation time and creator, signed by the creating
//!   admin's member signing key. Whoever assigns a credential to an app verifies the card
//!   against the team's signed membership log (the creator must be an admin or owner there)
//!   and wraps the item key to the robot's public key with signed ECIES
//!   ([`RobotEciesItemKey`], purpose `0x11`), signed by her own member key;
//! - the **anchor key** `HKDF(secret, "signet/v1/robot/anchor")`, which seals the team's log
//!   pin as the creator verified it ([`RobotAnchor`], purpose `0x10`). The robot verifies the
//!   team's log from it, and accepts an ECIES grant only if its signer is a developer or
//!   higher there.
//!
//! The server stores card, anchor and wraps, and can read none of the keys; a server that
//! swaps the card's public key breaks the creator's signature, and a server that signs a
//! wrap itself is not in the log.

use p256::{PublicKey, SecretKey, ecdsa::VerifyingKey};
use zeroize::Zeroizing;

use super::{
    envelope::{self, Binding, FORMAT_V1, Purpose, Sealed, encoded_type, sealed_type},
    item::ItemKey,
    keypair::{UserKeyPair, compressed, random_secret_key, verify},
    membership::{TeamPin, TeamState},
    secret::{Key32, aead_open, aead_seal, hkdf32},
};
use crate::{
    Error, Result,
    wire::{
        Role,
        robot::{RobotCardInfo, RobotWrap},
    },
};

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

    /// The token's P-256 key (ECDH: receives ECIES grants), derived from the secret.
    fn agreement_key(&self) -> Result<SecretKey> {
        for counter in 0u8..16 {
            let k = hkdf32(
                self.secret.as_ref(),
                None,
                &[b"signet/v1/robot/key".as_slice(), &[counter]].concat(),
            )?;
            if let Ok(key) = SecretKey::from_slice(k.as_bytes()) {
                return Ok(key);
            }
        }
        Err(Error::Random(
            "could not derive a P-256 robot token key".into(),
        ))
    }

    /// The token's card, signed by `creator` (an admin of the team, whose member id is
    /// `creator_id`): what assigners wrap new item keys for.
    pub fn card(
        &self,
        creator_id: &str,
        creator: &UserKeyPair,
        team_id: &str,
        app_ids: &[String],
        created_at: i64,
    ) -> Result<RobotCard> {
        let public_key = self.agreement_key()?.public_key();
        let fields = CardFields {
            robot_id: self.id.clone(),
            team_id: team_id.to_owned(),
            app_ids: app_ids.to_vec(),
            public_key,
            created_at,
            creator_id: creator_id.to_owned(),
        };
        let mut bytes = fields.signed_part();
        let sig = creator.sign(&[CARD_SIGNATURE_LABEL, &bytes])?;
        bytes.extend_from_slice(&sig);
        Ok(RobotCard { bytes, fields })
    }

    /// Seals the team's log pin (as the creator verified it) for this token.
    pub fn seal_anchor(&self, pin: &TeamPin, team_id: &str) -> Result<RobotAnchor> {
        Sealed::seal(
            &self.anchor_key()?,
            Purpose::RobotAnchor,
            0,
            &anchor_binding(&self.id, team_id),
            &pin.to_bytes(),
        )
        .map(RobotAnchor)
    }

    fn anchor_key(&self) -> Result<Key32> {
        hkdf32(self.secret.as_ref(), None, b"signet/v1/robot/anchor")
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

sealed_type!(
    /// A team's log pin sealed for a robot token (purpose `0x10`; key
    /// `HKDF(secret, "signet/v1/robot/anchor")`, binding = `"team-anchor/robot"`, token id,
    /// team id; plaintext = the pin's 68 bytes).
    RobotAnchor,
    Purpose::RobotAnchor,
    "robot token's team anchor"
);

fn anchor_binding(robot_id: &str, team_id: &str) -> Binding {
    Binding::new()
        .field(b"team-anchor/robot")
        .field(robot_id.as_bytes())
        .field(team_id.as_bytes())
}

impl RobotAnchor {
    /// Opens with the token, for the team the token belongs to.
    pub fn open(&self, token: &RobotToken, team_id: &str) -> Result<TeamPin> {
        let pt = self
            .0
            .open(&token.anchor_key()?, &anchor_binding(&token.id, team_id))?;
        TeamPin::from_bytes(&pt)
    }
}

const CARD_SIGNATURE_LABEL: &[u8] = b"signet/v1/robot-card";
const CARD_WHAT: &str = "robot token card";

#[derive(Debug, Clone, PartialEq, Eq)]
struct CardFields {
    robot_id: String,
    team_id: String,
    app_ids: Vec<String>,
    public_key: PublicKey,
    created_at: i64,
    creator_id: String,
}

impl CardFields {
    /// `0x01 ‖ 0x0f ‖ fields`: robot id, team id, number of apps (`u32`), each app id,
    /// public key (SEC1 compressed, 33), created at (`i64`), creator id.
    fn signed_part(&self) -> Vec<u8> {
        let count = u32::try_from(self.app_ids.len()).unwrap_or(u32::MAX);
        let mut b = Binding::new()
            .field(self.robot_id.as_bytes())
            .field(self.team_id.as_bytes())
            .u32(count);
        for app in &self.app_ids {
            b = b.field(app.as_bytes());
        }
        let b = b
            .field(&compressed(&self.public_key))
            .field(&self.created_at.to_be_bytes())
            .field(self.creator_id.as_bytes());
        [&[FORMAT_V1, Purpose::RobotCard as u8][..], b.as_bytes()].concat()
    }
}

/// Reads length-prefixed fields off a byte string.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn next(&mut self) -> Result<&'a [u8]> {
        let short = || envelope::malformed(CARD_WHAT, "truncated");
        let len: [u8; 4] = self
            .0
            .get(..4)
            .ok_or_else(short)?
            .try_into()
            .map_err(|_| short())?;
        let len = usize::try_from(u32::from_be_bytes(len)).map_err(|_| short())?;
        let rest = &self.0[4..];
        let field = rest.get(..len).ok_or_else(short)?;
        self.0 = &rest[len..];
        Ok(field)
    }

    fn text(&mut self) -> Result<String> {
        let f = self.next()?;
        if f.len() > 256 {
            return Err(envelope::malformed(CARD_WHAT, "an id is too long"));
        }
        String::from_utf8(f.to_vec()).map_err(|_| envelope::malformed(CARD_WHAT, "not UTF-8"))
    }
}

/// A robot token's public key, app scope and creator, signed by that creator (purpose
/// `0x0f`): `signed part ‖ r ‖ s`, the signature over `"signet/v1/robot-card" ‖ signed part`.
/// Not yet trusted: see [`RobotCard::verify`].
#[derive(Clone, PartialEq, Eq)]
pub struct RobotCard {
    bytes: Vec<u8>,
    fields: CardFields,
}

impl RobotCard {
    /// Parses the binary form (checks the structure, not the signature).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        envelope::check_header(bytes, Purpose::RobotCard, CARD_WHAT)?;
        if bytes.len() < 2 + 64 || bytes.len() > 64 * 1024 {
            return Err(envelope::malformed(CARD_WHAT, "wrong length"));
        }
        let mut f = Fields(&bytes[2..bytes.len() - 64]);
        let robot_id = f.text()?;
        let team_id = f.text()?;
        let count: [u8; 4] = f
            .next()?
            .try_into()
            .map_err(|_| envelope::malformed(CARD_WHAT, "bad app count"))?;
        let count = u32::from_be_bytes(count);
        if count > 1000 {
            return Err(envelope::malformed(CARD_WHAT, "too many apps"));
        }
        let app_ids = (0..count).map(|_| f.text()).collect::<Result<Vec<_>>>()?;
        let public_key = PublicKey::from_sec1_bytes(f.next()?)
            .map_err(|_| envelope::malformed(CARD_WHAT, "bad public key point"))?;
        let created_at: [u8; 8] = f
            .next()?
            .try_into()
            .map_err(|_| envelope::malformed(CARD_WHAT, "bad creation time"))?;
        let creator_id = f.text()?;
        if !f.0.is_empty() {
            return Err(envelope::malformed(CARD_WHAT, "trailing bytes"));
        }
        let fields = CardFields {
            robot_id,
            team_id,
            app_ids,
            public_key,
            created_at: i64::from_be_bytes(created_at),
            creator_id,
        };
        if fields.signed_part() != bytes[..bytes.len() - 64] {
            return Err(envelope::malformed(CARD_WHAT, "not in canonical form"));
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            fields,
        })
    }

    fn encode(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The token id the card claims.
    pub fn robot_id(&self) -> &str {
        &self.fields.robot_id
    }

    /// The team the card says the token belongs to.
    pub fn team_id(&self) -> &str {
        &self.fields.team_id
    }

    /// Who the card says made it.
    pub fn creator_id(&self) -> &str {
        &self.fields.creator_id
    }

    /// The apps the card says the token may pull.
    pub fn app_ids(&self) -> &[String] {
        &self.fields.app_ids
    }

    /// When it was made (Unix seconds, the creator's clock).
    pub fn created_at(&self) -> i64 {
        self.fields.created_at
    }

    /// Checks the card against the team's verified log: it is for this team, its creator is
    /// an admin or owner there, and her signing key from the log signed it. Only then may an
    /// item key be wrapped for its public key.
    pub fn verify(&self, team: &TeamState) -> Result<VerifiedRobot> {
        let f = &self.fields;
        if f.team_id != team.team_id() {
            return Err(Error::RobotTrust(format!(
                "robot token {} belongs to another team according to its card; the server \
                 mixed up teams",
                f.robot_id
            )));
        }
        let creator = team.member(&f.creator_id).ok_or_else(|| {
            Error::RobotTrust(format!(
                "robot token {} was made by {}, who is not a member of the team according to \
                 its signed log; an admin should revoke it (`signet token revoke {}`) and make \
                 a new one",
                f.robot_id, f.creator_id, f.robot_id
            ))
        })?;
        if creator.role < Role::Admin {
            return Err(Error::RobotTrust(format!(
                "robot token {} was made by {}, who is a {} (not an admin) according to the \
                 team's signed log; an admin should revoke it (`signet token revoke {}`) and \
                 make a new one",
                f.robot_id, f.creator_id, creator.role, f.robot_id
            )));
        }
        let signed = &self.bytes[..self.bytes.len() - 64];
        verify(
            creator.keys.signing_key(),
            &[CARD_SIGNATURE_LABEL, signed].concat(),
            &self.bytes[self.bytes.len() - 64..],
            CARD_WHAT,
        )
        .map_err(|_| {
            Error::RobotTrust(format!(
                "the card of robot token {} does not verify against the signing key of its \
                 creator {} in the team's signed log: the server may have swapped the robot's \
                 public key. Nothing was wrapped for it; tell your admin",
                f.robot_id, f.creator_id
            ))
        })?;
        Ok(VerifiedRobot {
            robot_id: f.robot_id.clone(),
            app_ids: f.app_ids.clone(),
            public_key: f.public_key,
        })
    }
}

encoded_type!(RobotCard, "robot token card");

/// A robot token whose card verified against the team's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRobot {
    robot_id: String,
    app_ids: Vec<String>,
    public_key: PublicKey,
}

impl VerifiedRobot {
    /// The token id.
    pub fn robot_id(&self) -> &str {
        &self.robot_id
    }

    /// Whether its signed scope includes `app_id`.
    pub fn covers(&self, app_id: &str) -> bool {
        self.app_ids.iter().any(|a| a == app_id)
    }
}

/// Who wraps which item key for which robot.
#[derive(Debug, Clone, Copy)]
pub struct RobotWrapContext<'a> {
    /// The team.
    pub team_id: &'a str,
    /// The credential.
    pub item_id: &'a str,
    /// The robot token.
    pub robot_id: &'a str,
    /// The member who wraps and signs.
    pub sender_id: &'a str,
}

const ECIES_LEN: usize = 159;
const ECIES_SIGNED_LEN: usize = 95;
const ECIES_WHAT: &str = "robot's ECIES-wrapped item key";

fn ecies_binding(ctx: &RobotWrapContext<'_>, robot_key: &PublicKey) -> Binding {
    Binding::new()
        .field(b"item-key/robot-ecies")
        .field(ctx.team_id.as_bytes())
        .field(ctx.item_id.as_bytes())
        .field(ctx.robot_id.as_bytes())
        .field(ctx.sender_id.as_bytes())
        .field(&compressed(robot_key))
}

fn ecies_key(shared_x: &[u8], eph: &[u8], robot_key: &PublicKey) -> Result<Key32> {
    let salt = [eph, &compressed(robot_key)].concat();
    hkdf32(shared_x, Some(&salt), b"signet/v1/ecies/robot-item-key")
}

fn ecies_aad(head: &[u8], b: &Binding) -> Vec<u8> {
    [b"signet-vault/v1".as_slice(), head, b.as_bytes()].concat()
}

/// An item key wrapped for a robot token with signed ECIES (purpose `0x11`, 159 bytes):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 1 | `0x01` |
/// | 1 | 1 | `0x11` |
/// | 2 | 33 | ephemeral P-256 public key, SEC1 compressed |
/// | 35 | 12 | AES-256-GCM nonce |
/// | 47 | 48 | AES-256-GCM(item key) ‖ tag |
/// | 95 | 64 | sender's ECDSA-P256-SHA256 `r ‖ s` |
///
/// Context C = `"item-key/robot-ecies"`, team id, item id, robot id, sender id, robot public
/// key. Wrap key = HKDF-SHA256(ECDH x, salt = ephemeral ‖ robot public key, info =
/// `"signet/v1/ecies/robot-item-key"`); AAD = `"signet-vault/v1" ‖ bytes 0..35 ‖ C`;
/// signature over `"signet/v1/robot-ecies-signature" ‖ bytes 0..95 ‖ C`.
#[derive(Clone, PartialEq, Eq)]
pub struct RobotEciesItemKey(Vec<u8>);

const ECIES_SIGNATURE_LABEL: &[u8] = b"signet/v1/robot-ecies-signature";

impl RobotEciesItemKey {
    /// Wraps `item_key` for a robot whose card verified, signed by `sender`.
    pub fn seal(
        sender: &UserKeyPair,
        robot: &VerifiedRobot,
        ctx: &RobotWrapContext<'_>,
        item_key: &ItemKey,
    ) -> Result<Self> {
        if ctx.robot_id != robot.robot_id {
            return Err(Error::InvalidInput(
                "the wrap's robot id is not the card's".into(),
            ));
        }
        let eph = random_secret_key()?;
        let eph_pub = compressed(&eph.public_key());
        let shared = eph.diffie_hellman(&robot.public_key);
        let key = ecies_key(shared.raw_secret_bytes(), &eph_pub, &robot.public_key)?;
        let nonce = super::rng::bytes::<12>()?;
        let mut out = Vec::with_capacity(ECIES_LEN);
        out.push(FORMAT_V1);
        out.push(Purpose::ItemKeyRobotEcies as u8);
        out.extend_from_slice(&eph_pub);
        out.extend_from_slice(&nonce);
        let b = ecies_binding(ctx, &robot.public_key);
        let ct = aead_seal(
            &key,
            &nonce,
            &ecies_aad(&out[..35], &b),
            item_key.0.as_bytes(),
        )?;
        out.extend_from_slice(&ct);
        let sig = sender.sign(&[ECIES_SIGNATURE_LABEL, &out, b.as_bytes()])?;
        out.extend_from_slice(&sig);
        Ok(Self(out))
    }

    /// Parses the binary form (version, purpose, length).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        envelope::check_header(bytes, Purpose::ItemKeyRobotEcies, ECIES_WHAT)?;
        if bytes.len() != ECIES_LEN {
            return Err(envelope::malformed(ECIES_WHAT, "wrong length"));
        }
        Ok(Self(bytes.to_vec()))
    }

    fn encode(&self) -> Vec<u8> {
        self.0.clone()
    }

    /// Verifies the sender's signature with `expected_sender` (from the verified log), then
    /// decrypts with the token. A wrong signer is [`Error::BadSignature`]; anything else that
    /// fails is [`Error::OpenFailed`].
    pub fn open(
        &self,
        token: &RobotToken,
        expected_sender: &VerifyingKey,
        ctx: &RobotWrapContext<'_>,
    ) -> Result<ItemKey> {
        if ctx.robot_id != token.id {
            return Err(Error::OpenFailed);
        }
        let mine = token.agreement_key()?;
        let my_pub = mine.public_key();
        let b = ecies_binding(ctx, &my_pub);
        verify(
            expected_sender,
            &[
                ECIES_SIGNATURE_LABEL,
                &self.0[..ECIES_SIGNED_LEN],
                b.as_bytes(),
            ]
            .concat(),
            &self.0[ECIES_SIGNED_LEN..],
            "robot grant",
        )?;
        let eph = &self.0[2..35];
        let eph_pk = PublicKey::from_sec1_bytes(eph).map_err(|_| Error::OpenFailed)?;
        let shared = mine.diffie_hellman(&eph_pk);
        let key = ecies_key(shared.raw_secret_bytes(), eph, &my_pub)?;
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&self.0[35..47]);
        let pt = aead_open(
            &key,
            &nonce,
            &ecies_aad(&self.0[..35], &b),
            &self.0[47..ECIES_SIGNED_LEN],
        )?;
        Ok(ItemKey(Key32::from_plaintext(&pt)?))
    }
}

encoded_type!(RobotEciesItemKey, "robot's ECIES-wrapped item key");

/// What an assigner uploads with an assignment of `item_id` to `app_id`: the item key
/// wrapped for every robot token in `cards` (as the server listed them for the app). Every
/// card must verify against `team` (the assigner's verified log), name the token the server
/// listed it under, and cover the app; otherwise nothing is wrapped and the error says which
/// token failed and why.
pub fn grants_for_robots(
    team: &TeamState,
    app_id: &str,
    cards: &[RobotCardInfo],
    sender_id: &str,
    sender: &UserKeyPair,
    item_id: &str,
    item_key: &ItemKey,
) -> Result<Vec<RobotWrap>> {
    let mut grants = Vec::with_capacity(cards.len());
    for listed in cards {
        let card = RobotCard::from_base64(&listed.card).map_err(|e| {
            Error::RobotTrust(format!(
                "the server sent an unreadable card for robot token {} ({e}); nothing was \
                 assigned. Tell your admin",
                listed.id
            ))
        })?;
        let robot = card.verify(team)?;
        if robot.robot_id != listed.id {
            return Err(Error::RobotTrust(format!(
                "the server listed robot token {} with the card of token {}; nothing was \
                 assigned. Tell your admin",
                listed.id, robot.robot_id
            )));
        }
        if !robot.covers(app_id) {
            return Err(Error::RobotTrust(format!(
                "the server listed robot token {} for app {app_id}, but its signed card does \
                 not cover that app; nothing was assigned. Tell your admin",
                listed.id
            )));
        }
        let ctx = RobotWrapContext {
            team_id: team.team_id(),
            item_id,
            robot_id: &listed.id,
            sender_id,
        };
        grants.push(RobotWrap {
            robot_id: listed.id.clone(),
            wrapped_key: RobotEciesItemKey::seal(sender, &robot, &ctx, item_key)?.to_base64(),
        });
    }
    Ok(grants)
}

/// Opens an ECIES grant as the robot: its sender (who the server says uploaded it) must be a
/// developer or higher in `team`, the log the robot verified from its anchor.
pub fn open_ecies_grant(
    token: &RobotToken,
    team: &TeamState,
    sender_id: &str,
    wrapped: &str,
    item_id: &str,
) -> Result<ItemKey> {
    let sender = team.member(sender_id).ok_or_else(|| {
        Error::RobotTrust(format!(
            "credential {item_id} was granted to this token by {sender_id}, who is not a member \
             of the team according to its signed log; refusing it. Ask a developer to assign it \
             again, and tell your admin"
        ))
    })?;
    if sender.role < Role::Developer {
        return Err(Error::RobotTrust(format!(
            "credential {item_id} was granted to this token by {sender_id}, a {} according to \
             the team's signed log (only developers and up may); refusing it. Ask a developer \
             to assign it again, and tell your admin",
            sender.role
        )));
    }
    let ctx = RobotWrapContext {
        team_id: team.team_id(),
        item_id,
        robot_id: token.id(),
        sender_id,
    };
    RobotEciesItemKey::from_base64(wrapped)?
        .open(token, sender.keys.signing_key(), &ctx)
        .map_err(|e| match e {
            Error::BadSignature(_) => Error::RobotTrust(format!(
                "the grant of credential {item_id} to this token is not signed by {sender_id}, \
                 who the server says made it; refusing it (the server may be compromised; tell \
                 your admin)"
            )),
            other => other,
        })
}

#[cfg(test)]
#[path = "robot_tests.rs"]
mod tests;
