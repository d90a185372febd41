//! Credentials: seal and store, read and open, update at a revision.

use signet_core::{
    vault::{
        item::{
            ItemContext, ItemKey, MetadataContext, MetadataSignature, SealedPayload,
            WrappedItemKey, seal_new_item,
        },
        team_key::TeamKey,
    },
    wire::credential::{
        CreateCredentialRequest, CredentialInfo, CredentialKind, CredentialPayload, SealedUpdate,
        UpdateCredentialRequest,
    },
};
use zeroize::Zeroizing;

use crate::{SCHEMA_VERSION, Session, http::ClientError, team::new_id};

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

impl Session {
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

    /// Fetches and opens a credential's payload.
    pub async fn read_credential(
        &self,
        team_id: &str,
        key: &TeamKey,
        id: &str,
    ) -> Result<(CredentialPayload, Zeroizing<Vec<u8>>), ClientError> {
        let p: CredentialPayload = self
            .api
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
