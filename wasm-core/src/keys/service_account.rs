//! Google service-account keys, as used for FCM v1 push and the Google Play Developer API.
//!
//! The Google Cloud console downloads a JSON file with `type: "service_account"`, the
//! project, the key's id, an RSA private key in PKCS#8 PEM, the account's email and the
//! OAuth token endpoint. A server trades a signed assertion (an RS256 JWT: header
//! `{"alg":"RS256","typ":"JWT","kid":<private_key_id>}`, claims `{iss, scope, aud, iat,
//! exp}`) at `token_uri` for an access token.

use rsa::{
    PrivateKey,
    pkcs1v15::SigningKey,
    pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding},
    signature::{SignatureEncoding, Signer},
    traits::PublicKeyParts,
};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::jwt::{self, Algorithm, Header};
use crate::{Error, Result};

const WHAT: &str = "service-account JSON";

/// OAuth scope for sending messages with Firebase Cloud Messaging (HTTP v1).
pub const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// OAuth scope for the Google Play Developer API (uploading builds).
pub const ANDROID_PUBLISHER_SCOPE: &str = "https://www.googleapis.com/auth/androidpublisher";

/// How long an assertion is valid: Google accepts at most one hour.
pub const ASSERTION_LIFETIME_SECS: u64 = 3600;

/// A validated service-account key file. The RSA key is zeroized on drop and never printed.
pub struct ServiceAccountKey {
    project_id: String,
    private_key_id: String,
    client_email: String,
    client_id: Option<String>,
    token_uri: String,
    key: PrivateKey,
}

impl core::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("project_id", &self.project_id)
            .field("private_key_id", &self.private_key_id)
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .field("key", &"<redacted RSA private key>")
            .finish()
    }
}

/// The one secret field, the RSA key, zeroizes itself on drop.
impl zeroize::ZeroizeOnDrop for ServiceAccountKey {}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

impl ServiceAccountKey {
    /// Reads and checks a service-account key file. Every problem names the field.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::Malformed {
            what: WHAT,
            reason: format!(
                "it is not JSON ({e}); choose the .json file the Google Cloud console downloaded"
            ),
        })?;
        let Value::Object(mut fields) = value else {
            return Err(Error::Malformed {
                what: WHAT,
                reason: "it is JSON but not an object; choose the key file the Google Cloud \
                         console downloaded"
                    .into(),
            });
        };
        let kind = take_string(&mut fields, "type")?;
        if kind != "service_account" {
            return Err(invalid(
                "type",
                format!(
                    "is \"{kind}\", not \"service_account\": this is not a service-account key \
                     (an OAuth client or google-services.json is a different file); create a \
                     key for a service account under IAM → Service accounts → Keys"
                ),
            ));
        }
        let project_id = take_string(&mut fields, "project_id")?;
        let private_key_id = take_string(&mut fields, "private_key_id")?;
        if !private_key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                "private_key_id",
                "is not a hexadecimal key id; download the key file again".into(),
            ));
        }
        let client_email = take_string(&mut fields, "client_email")?;
        if !client_email.contains('@') {
            return Err(invalid(
                "client_email",
                format!("\"{client_email}\" is not an email address"),
            ));
        }
        let token_uri = take_string(&mut fields, "token_uri")?;
        if !token_uri.starts_with("https://") {
            return Err(invalid(
                "token_uri",
                format!(
                    "\"{token_uri}\" is not an https URL (Google's is \
                     https://oauth2.googleapis.com/token)"
                ),
            ));
        }
        let client_id = match fields.remove("client_id") {
            Some(Value::String(id)) => Some(id),
            _ => None,
        };
        let pem = Zeroizing::new(take_string(&mut fields, "private_key")?);
        let key = PrivateKey::from_pkcs8_pem(pem.trim()).map_err(|e| {
            invalid(
                "private_key",
                format!(
                    "is not a PKCS#8 RSA private key in PEM ({e}); download a new key from the \
                     Google Cloud console"
                ),
            )
        })?;
        Ok(Self {
            project_id,
            private_key_id,
            client_email,
            client_id,
            token_uri,
            key,
        })
    }

    /// The Google Cloud project, e.g. `acme-prod` (the Firebase project for FCM).
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The key's id (`kid`), 40 hex digits.
    pub fn private_key_id(&self) -> &str {
        &self.private_key_id
    }

    /// The service account's email, the assertion's issuer.
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// The numeric client id, when the file has one.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// Where the assertion is exchanged for an access token.
    pub fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// Size of the RSA key in bits (Google issues 2048).
    pub fn key_bits(&self) -> usize {
        self.key.size() * 8
    }

    /// The public key as SPKI PEM.
    pub fn public_key_pem(&self) -> Result<String> {
        self.key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| Error::Encoding {
                what: "public key",
                reason: e.to_string(),
            })
    }

    /// The signed OAuth assertion for `scope` (e.g. [`FCM_SCOPE`]), issued at `issued_at`
    /// (unix seconds, passed in) and valid for [`ASSERTION_LIFETIME_SECS`].
    pub fn oauth_assertion(&self, scope: &str, issued_at: u64) -> Result<String> {
        if scope.trim().is_empty() {
            return Err(Error::InvalidInput(
                "the OAuth scope is empty: use e.g. the FCM or Android Publisher scope".into(),
            ));
        }
        let exp = issued_at
            .checked_add(ASSERTION_LIFETIME_SECS)
            .ok_or_else(|| {
                Error::InvalidInput(format!("{issued_at} is not a plausible unix time"))
            })?;
        let header = Header {
            alg: Algorithm::RS256,
            typ: Some("JWT".into()),
            kid: Some(self.private_key_id.clone()),
        };
        let claims = AssertionClaims {
            iss: &self.client_email,
            scope,
            aud: &self.token_uri,
            iat: issued_at,
            exp,
        };
        let input = jwt::signing_input(&header, &claims)?;
        let signature = SigningKey::<Sha256>::new(self.key.clone())
            .try_sign(input.as_bytes())
            .map_err(|e| Error::Signing(e.to_string()))?;
        Ok(jwt::assemble(&input, &signature.to_vec()))
    }
}

fn invalid(field: &'static str, problem: String) -> Error {
    Error::InvalidField {
        what: WHAT,
        field,
        problem,
    }
}

/// Moves a non-empty string field out of the object (so a secret is not copied).
fn take_string(fields: &mut Map<String, Value>, field: &'static str) -> Result<String> {
    match fields.remove(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(invalid(field, "is empty".into())),
        Some(_) => Err(invalid(field, "is not a string".into())),
        None => Err(invalid(
            field,
            "is missing; download the key file again from the Google Cloud console (IAM → \
             Service accounts → Keys)"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use rsa::{
        PublicKey,
        pkcs1v15::{Signature, VerifyingKey},
        pkcs8::DecodePublicKey,
        signature::Verifier,
    };

    use super::*;

    const JSON: &[u8] = include_bytes!("../../tests/fixtures/google/service-account.json");
    const PUBLIC_PEM: &str = include_str!("../../tests/fixtures/google/public.pem");
    const KAT: &str = include_str!("../../tests/fixtures/google/assertion-kat.jwt");

    fn fixture() -> Map<String, Value> {
        match serde_json::from_slice(JSON).expect("json") {
            Value::Object(map) => map,
            _ => unreachable!("the fixture is an object"),
        }
    }

    #[test]
    fn reads_the_fields() {
        let key = ServiceAccountKey::from_json(JSON).expect("valid");
        assert_eq!(key.project_id(), "signet-test-project");
        assert_eq!(
            key.client_email(),
            "firebase-adminsdk-x1y2z@signet-test-project.iam.gserviceaccount.com"
        );
        assert_eq!(key.token_uri(), "https://oauth2.googleapis.com/token");
        assert_eq!(key.client_id(), Some("104913572468013579246"));
        assert_eq!(key.key_bits(), 2048);
        assert_eq!(key.public_key_pem().expect("pem").trim(), PUBLIC_PEM.trim());
    }

    #[test]
    fn assertion_equals_openssls_byte_for_byte() {
        let key = ServiceAccountKey::from_json(JSON).expect("valid");
        let token = key
            .oauth_assertion(FCM_SCOPE, 1_700_000_000)
            .expect("assertion");
        assert_eq!(token, KAT.trim());
        let decoded = jwt::decode_unverified(&token).expect("decode");
        let signature = Signature::try_from(decoded.signature.as_slice()).expect("sig");
        VerifyingKey::<Sha256>::new(PublicKey::from_public_key_pem(PUBLIC_PEM).expect("pub"))
            .verify(decoded.signing_input.as_bytes(), &signature)
            .expect("verifies");
        assert_eq!(decoded.claims["exp"], 1_700_003_600);
    }

    #[test]
    fn each_missing_or_wrong_field_is_named() {
        for field in [
            "type",
            "project_id",
            "private_key_id",
            "private_key",
            "client_email",
            "token_uri",
        ] {
            let mut map = fixture();
            map.remove(field);
            let err = ServiceAccountKey::from_json(&serde_json::to_vec(&map).expect("json"))
                .expect_err(field);
            assert!(
                matches!(err, Error::InvalidField { field: f, .. } if f == field),
                "{field}: {err}"
            );
            assert!(
                err.to_string().contains(&format!("`{field}` is missing")),
                "{err}"
            );

            let mut map = fixture();
            map.insert(field.into(), Value::from(42));
            let err = ServiceAccountKey::from_json(&serde_json::to_vec(&map).expect("json"))
                .expect_err(field);
            assert!(err.to_string().contains(field), "{err}");
        }
        let cases = [
            ("type", "authorized_user", "not \"service_account\""),
            (
                "private_key",
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "PKCS#8",
            ),
            ("client_email", "nobody", "not an email"),
            ("token_uri", "http://example.com/token", "https"),
            ("private_key_id", "not hex!", "hexadecimal"),
            ("project_id", " ", "empty"),
        ];
        for (field, value, expected) in cases {
            let mut map = fixture();
            map.insert(field.into(), Value::from(value));
            let err = ServiceAccountKey::from_json(&serde_json::to_vec(&map).expect("json"))
                .expect_err(field);
            assert!(err.to_string().contains(expected), "{field}: {err}");
        }
    }

    #[test]
    fn a_p8_ec_key_is_not_an_rsa_key() {
        let mut map = fixture();
        let p8 = include_str!("../../tests/fixtures/apple/AuthKey_ABC123DEFG.p8");
        map.insert("private_key".into(), Value::from(p8));
        let err = ServiceAccountKey::from_json(&serde_json::to_vec(&map).expect("json"))
            .expect_err("EC key");
        assert!(
            matches!(
                err,
                Error::InvalidField {
                    field: "private_key",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn garbage_and_truncations_are_errors_not_panics() {
        for input in [&b""[..], b"[]", b"null", b"{", b"\xff\xfe", b"{\"type\":1}"] {
            assert!(ServiceAccountKey::from_json(input).is_err());
        }
        for cut in (0..JSON.len()).step_by(7) {
            assert!(
                ServiceAccountKey::from_json(&JSON[..cut]).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn secrets_are_zeroized_on_drop() {
        fn zeroized<T: zeroize::ZeroizeOnDrop>() {}
        zeroized::<ServiceAccountKey>();
        zeroized::<PrivateKey>();
    }

    #[test]
    fn debug_redacts_the_key() {
        let key = ServiceAccountKey::from_json(JSON).expect("valid");
        let debug = format!("{key:?}");
        assert!(
            debug.contains("redacted") && !debug.contains("PRIVATE"),
            "{debug}"
        );
    }
}
