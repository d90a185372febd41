//! Credentials ("items"): a random item key per item, wrapped under the team key; the
//! payload sealed under the item key; the public metadata signed by its author.
//!
//! - **Wrapped item key**: sealed box purpose `0x06` under the team key; key version = team
//!   key version; binding = `"item-key"`, team id, item id.
//! - **Sealed payload**: sealed box purpose `0x07` under the item key; key version 0;
//!   binding = `"item-payload"`, team id, item id, kind, schema version (`u32`).
//! - **Metadata signature** (66 bytes): `0x01`, `0x0b`, then the author's ECDSA-P256-SHA256
//!   signature `r ‖ s` over the canonical bytes
//!   `"signet/v1/item-metadata" ‖ fields(team id, item id, kind, author id, metadata)`, where
//!   `fields` is the length-prefixed encoding of the sealed box binding and *metadata* is the
//!   exact UTF-8 text of the metadata JSON as stored. Signing the stored text (not a parsed
//!   value) avoids any JSON canonicalisation: the server must return the text byte for byte.
//!
//! Every new version of an item's payload should use a fresh item key ([`seal_new_item`]
//! does), so a removed member who kept an old item key cannot read later versions.

use zeroize::Zeroizing;

use super::{
    envelope::{self, Binding, FORMAT_V1, Purpose, Sealed, encoded_type, sealed_type},
    keypair::{UserKeyPair, verify},
    secret::Key32,
    team_key::TeamKey,
};
use crate::{Error, Result};
use p256::ecdsa::VerifyingKey;

/// Where a payload belongs. Opening with any field different fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemContext<'a> {
    /// The owning team.
    pub team_id: &'a str,
    /// The credential's id.
    pub item_id: &'a str,
    /// The credential kind, e.g. `android_keystore`.
    pub kind: &'a str,
    /// The payload's schema version for that kind.
    pub schema_version: u32,
}

fn key_binding(team_id: &str, item_id: &str) -> Binding {
    Binding::new()
        .field(b"item-key")
        .field(team_id.as_bytes())
        .field(item_id.as_bytes())
}

fn payload_binding(ctx: &ItemContext<'_>) -> Binding {
    Binding::new()
        .field(b"item-payload")
        .field(ctx.team_id.as_bytes())
        .field(ctx.item_id.as_bytes())
        .field(ctx.kind.as_bytes())
        .u32(ctx.schema_version)
}

/// A per-item key. Zeroized on drop; `Debug` is redacted; not serializable.
#[derive(Clone)]
pub struct ItemKey(pub(crate) Key32);

impl core::fmt::Debug for ItemKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ItemKey(<redacted>)")
    }
}

impl ItemKey {
    /// A fresh random item key.
    pub fn generate() -> Result<Self> {
        Key32::random().map(Self)
    }

    /// Fixed key for pinned test vectors.
    #[cfg(test)]
    pub(crate) fn from_bytes_for_tests(bytes: [u8; 32]) -> Self {
        Self(Key32::from_bytes(bytes))
    }

    /// Wraps this key under the team key, bound to team, item and team key version.
    pub fn wrap(&self, team_key: &TeamKey, team_id: &str, item_id: &str) -> Result<WrappedItemKey> {
        Sealed::seal(
            &team_key.key,
            Purpose::ItemKey,
            team_key.version,
            &key_binding(team_id, item_id),
            self.0.as_bytes(),
        )
        .map(WrappedItemKey)
    }

    /// Seals a payload, bound to `ctx`.
    pub fn seal(&self, ctx: &ItemContext<'_>, payload: &[u8]) -> Result<SealedPayload> {
        Sealed::seal(
            &self.0,
            Purpose::ItemPayload,
            0,
            &payload_binding(ctx),
            payload,
        )
        .map(SealedPayload)
    }
}

sealed_type!(
    /// An item key wrapped under a team key (purpose `0x06`).
    WrappedItemKey,
    Purpose::ItemKey,
    "wrapped item key"
);

impl WrappedItemKey {
    /// The team key version it was wrapped under (pick that team key to open it).
    pub fn team_key_version(&self) -> u32 {
        self.0.key_version()
    }

    /// Opens with the team key of the version it names. A different version, team or item
    /// is [`Error::OpenFailed`].
    pub fn open(&self, team_key: &TeamKey, team_id: &str, item_id: &str) -> Result<ItemKey> {
        if team_key.version != self.team_key_version() {
            return Err(Error::OpenFailed);
        }
        self.0
            .open_key(&team_key.key, &key_binding(team_id, item_id))
            .map(ItemKey)
    }
}

sealed_type!(
    /// A credential payload sealed under its item key (purpose `0x07`).
    SealedPayload,
    Purpose::ItemPayload,
    "sealed payload"
);

impl SealedPayload {
    /// Opens with the item key for the context it was found in.
    pub fn open(&self, item_key: &ItemKey, ctx: &ItemContext<'_>) -> Result<Zeroizing<Vec<u8>>> {
        self.0.open(&item_key.0, &payload_binding(ctx))
    }
}

/// A new item's fresh key (wrapped) and sealed payload.
#[derive(Debug, Clone)]
pub struct SealedItem {
    /// The item key under the team key.
    pub wrapped_key: WrappedItemKey,
    /// The payload under the item key.
    pub payload: SealedPayload,
}

/// Seals `payload` under a fresh item key and wraps that key under the team key.
pub fn seal_new_item(
    team_key: &TeamKey,
    ctx: &ItemContext<'_>,
    payload: &[u8],
) -> Result<SealedItem> {
    let item_key = ItemKey::generate()?;
    Ok(SealedItem {
        wrapped_key: item_key.wrap(team_key, ctx.team_id, ctx.item_id)?,
        payload: item_key.seal(ctx, payload)?,
    })
}

/// Unwraps the item key and opens the payload.
pub fn open_item(
    team_key: &TeamKey,
    ctx: &ItemContext<'_>,
    item: &SealedItem,
) -> Result<Zeroizing<Vec<u8>>> {
    let item_key = item.wrapped_key.open(team_key, ctx.team_id, ctx.item_id)?;
    item.payload.open(&item_key, ctx)
}

/// What an item's metadata signature binds besides the metadata text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataContext<'a> {
    /// The owning team.
    pub team_id: &'a str,
    /// The credential's id.
    pub item_id: &'a str,
    /// The credential kind.
    pub kind: &'a str,
    /// The user who wrote the metadata (whose signing key must verify it).
    pub author_id: &'a str,
}

/// The canonical bytes an item's metadata signature covers (see the module docs).
pub fn metadata_signed_bytes(ctx: &MetadataContext<'_>, metadata_json: &str) -> Vec<u8> {
    let b = Binding::new()
        .field(ctx.team_id.as_bytes())
        .field(ctx.item_id.as_bytes())
        .field(ctx.kind.as_bytes())
        .field(ctx.author_id.as_bytes())
        .field(metadata_json.as_bytes());
    [b"signet/v1/item-metadata".as_slice(), b.as_bytes()].concat()
}

/// An author's signature over an item's metadata (66 bytes, see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub struct MetadataSignature(Vec<u8>);

impl MetadataSignature {
    /// Signs `metadata_json` (the exact text that will be stored) in `ctx`.
    pub fn sign(
        author: &UserKeyPair,
        ctx: &MetadataContext<'_>,
        metadata_json: &str,
    ) -> Result<Self> {
        let sig = author.sign(&[&metadata_signed_bytes(ctx, metadata_json)])?;
        let mut out = vec![FORMAT_V1, Purpose::MetadataSignature as u8];
        out.extend_from_slice(&sig);
        Ok(Self(out))
    }

    /// Verifies against the author's signing key (from their verified public keys).
    pub fn verify(
        &self,
        author: &VerifyingKey,
        ctx: &MetadataContext<'_>,
        metadata_json: &str,
    ) -> Result<()> {
        verify(
            author,
            &metadata_signed_bytes(ctx, metadata_json),
            &self.0[2..],
            "item metadata",
        )
    }

    /// Parses the binary form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        envelope::check_header(bytes, Purpose::MetadataSignature, "metadata signature")?;
        if bytes.len() != 66 {
            return Err(envelope::malformed("metadata signature", "wrong length"));
        }
        Ok(Self(bytes.to_vec()))
    }

    fn encode(&self) -> Vec<u8> {
        self.0.clone()
    }
}

encoded_type!(MetadataSignature, "metadata signature");
