//! Credentials: seal and store, read and open, update at a revision.

use signet_core::{
    credential::Payload,
    vault::{
        item::{
            ItemContext, ItemKey, MetadataContext, MetadataSignature, SealedPayload,
            WrappedItemKey, seal_new_item,
        },
        membership::{
            TeamState,
            listing::{UNVERIFIED_METADATA, verify_metadata},
        },
        team_key::TeamKey,
    },
    wire::credential::{
        CreateCredentialRequest, CredentialInfo, CredentialKind, CredentialPayload, SealedUpdate,
        UpdateCredentialRequest,
    },
};
use zeroize::Zeroizing;

use crate::{
    SCHEMA_VERSION, Session,
    http::{Api, ClientError},
    team::new_id,
};

/// What to store: kind, label, public metadata (a JSON object) and the secret payload.
#[derive(Debug)]
pub struct NewCredential<'a> {
    /// The kind.
    pub kind: CredentialKind,
    /// A label people recognise.
    pub label: &'a str,
    /// Public metadata, as a JSON object.
    pub metadata: serde_json::Value,
    /// The secret bytes (e.g. a JSON document with the keystore and its passwords).
    pub payload: &'a [u8],
}

fn context<'a>(team_id: &'a str, id: &'a str, kind: CredentialKind) -> ItemContext<'a> {
    ItemContext {
        team_id,
        item_id: id,
        kind: kind.as_str(),
        schema_version: SCHEMA_VERSION,
    }
}

/// Checks `c`'s metadata against its author's signature (key from the verified log). One
/// that fails keeps its id, but its metadata becomes `{"unverified": why}` and its label
/// says so, so no page or command shows — or decides from — what the server made up.
pub fn checked(state: &TeamState, mut c: CredentialInfo) -> CredentialInfo {
    if let Err(why) = verify_metadata(state, &c) {
        c.metadata = serde_json::json!({ "unverified": why }).to_string();
        c.label = format!("{} ({UNVERIFIED_METADATA})", c.label);
    }
    c
}

/// Why a credential (from [`checked`]) is unverified, if it is.
pub fn unverified(c: &CredentialInfo) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(&c.metadata)
        .ok()?
        .get("unverified")?
        .as_str()
        .map(str::to_owned)
}

impl Session {
    /// Every credential of a team (or its trash), each [`checked`] against the team's
    /// verified log.
    pub async fn verified_credentials(
        &self,
        team_id: &str,
        deleted: bool,
    ) -> Result<Vec<CredentialInfo>, ClientError> {
        let state = self.verified_team(team_id).await?;
        Ok(self
            .credentials(team_id, deleted)
            .await?
            .into_iter()
            .map(|c| checked(&state, c))
            .collect())
    }

    /// One credential, [`checked`].
    pub async fn verified_credential(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<CredentialInfo, ClientError> {
        let state = self.verified_team(team_id).await?;
        Ok(checked(&state, self.api.credential(team_id, id).await?))
    }

    /// Proves `payload` usable ([`Payload::inspect`]: its public metadata), then seals and
    /// stores it under the team key.
    pub async fn store_payload(
        &self,
        team_id: &str,
        key: &TeamKey,
        label: &str,
        payload: &Payload,
    ) -> Result<CredentialInfo, ClientError> {
        let bytes = payload.to_bytes()?;
        self.create_credential(
            team_id,
            key,
            &NewCredential {
                kind: payload.kind(),
                label,
                metadata: payload.inspect()?,
                payload: &bytes,
            },
        )
        .await
    }

    /// Every credential of a team (all pages), or every one in the trash.
    pub async fn credentials(
        &self,
        team_id: &str,
        deleted: bool,
    ) -> Result<Vec<CredentialInfo>, ClientError> {
        self.api.credentials(team_id, deleted).await
    }

    fn sign_metadata(
        &self,
        team_id: &str,
        id: &str,
        kind: CredentialKind,
        metadata: &str,
    ) -> Result<String, ClientError> {
        let ctx = MetadataContext {
            team_id,
            item_id: id,
            kind: kind.as_str(),
            author_id: &self.user.id,
        };
        Ok(MetadataSignature::sign(&self.account.key_pair, &ctx, metadata)?.to_base64())
    }

    /// Seals and stores a new credential under the team key.
    pub async fn create_credential(
        &self,
        team_id: &str,
        key: &TeamKey,
        c: &NewCredential<'_>,
    ) -> Result<CredentialInfo, ClientError> {
        let id = new_id()?;
        let metadata = c.metadata.to_string();
        let sealed = seal_new_item(key, &context(team_id, &id, c.kind), c.payload)?;
        self.api
            .post(
                &format!("/teams/{team_id}/credentials"),
                &CreateCredentialRequest {
                    metadata_signature: self.sign_metadata(team_id, &id, c.kind, &metadata)?,
                    id,
                    kind: c.kind,
                    label: c.label.to_owned(),
                    metadata,
                    key_version: key.version(),
                    wrapped_key: sealed.wrapped_key.to_base64(),
                    payload: sealed.payload.to_base64(),
                },
            )
            .await
    }

    /// Fetches and opens a credential's payload (see [`Api::read_credential`]).
    pub async fn read_credential(
        &self,
        team_id: &str,
        key: &TeamKey,
        id: &str,
    ) -> Result<(CredentialPayload, Zeroizing<Vec<u8>>), ClientError> {
        self.api.read_credential(team_id, key, id).await
    }

    /// Renames a credential at the revision this client verified: the same metadata, signed
    /// again by this user (who becomes its author), the payload untouched. Only metadata that
    /// verified against its author's signature is signed again (so a rename never vouches for
    /// what the server made up). A stale revision is a 409 [`ClientError::Api`] with code
    /// `stale_revision`: reload and rename again.
    pub async fn rename_credential(
        &self,
        team_id: &str,
        id: &str,
        label: &str,
    ) -> Result<CredentialInfo, ClientError> {
        let c = self.verified_credential(team_id, id).await?;
        if let Some(why) = unverified(&c) {
            return Err(ClientError::Protocol(format!(
                "{why}: it cannot be renamed until an admin checks it"
            )));
        }
        self.api
            .put(
                &format!("/teams/{team_id}/credentials/{id}"),
                &UpdateCredentialRequest {
                    revision: c.revision,
                    label: label.trim().to_owned(),
                    metadata_signature: self.sign_metadata(team_id, id, c.kind, &c.metadata)?,
                    metadata: c.metadata,
                    sealed: None,
                },
            )
            .await
    }

    /// Replaces a credential's label, metadata and payload at `revision` (a fresh item key).
    /// A stale revision is a 409 [`ClientError::Api`] with code `stale_revision`.
    pub async fn update_credential(
        &self,
        team_id: &str,
        key: &TeamKey,
        id: &str,
        kind: CredentialKind,
        revision: i64,
        c: &NewCredential<'_>,
    ) -> Result<CredentialInfo, ClientError> {
        let metadata = c.metadata.to_string();
        let sealed = seal_new_item(key, &context(team_id, id, kind), c.payload)?;
        self.api
            .put(
                &format!("/teams/{team_id}/credentials/{id}"),
                &UpdateCredentialRequest {
                    revision,
                    label: c.label.to_owned(),
                    metadata_signature: self.sign_metadata(team_id, id, kind, &metadata)?,
                    metadata,
                    sealed: Some(SealedUpdate {
                        key_version: key.version(),
                        wrapped_key: sealed.wrapped_key.to_base64(),
                        payload: sealed.payload.to_base64(),
                    }),
                },
            )
            .await
    }
}

impl Api {
    /// Fetches and opens a credential's payload with the team key (the server audit-logs
    /// the read before it answers).
    pub async fn read_credential(
        &self,
        team_id: &str,
        key: &TeamKey,
        id: &str,
    ) -> Result<(CredentialPayload, Zeroizing<Vec<u8>>), ClientError> {
        let p: CredentialPayload = self
            .get(&format!("/teams/{team_id}/credentials/{id}/payload"))
            .await?;
        let wrapped = p
            .wrapped_key
            .as_deref()
            .ok_or_else(|| ClientError::Protocol("payload without its wrapped key".into()))?;
        let item_key: ItemKey = WrappedItemKey::from_base64(wrapped)?.open(key, team_id, id)?;
        let plain = SealedPayload::from_base64(&p.payload)?
            .open(&item_key, &context(team_id, id, p.kind))?;
        Ok((p, plain))
    }

    /// [`Api::read_credential`], as the [`Payload`] of its kind.
    pub async fn read_payload(
        &self,
        team_id: &str,
        key: &TeamKey,
        id: &str,
    ) -> Result<Payload, ClientError> {
        let (p, plain) = self.read_credential(team_id, key, id).await?;
        Ok(Payload::from_bytes(&plain, p.kind)?)
    }
}
